//! OpenID Connect login (authorization code + PKCE S256, the authenticator's signature
//! standing in for the browser) and the sessions it opens.

use jiff::SignedDuration;
use remote_sign::wire::{self, ClientId, ErrorCode};
use rusqlite::{Connection, OptionalExtension as _, params};
use serde_json::Value;

use super::{
    Platform,
    bindings::{CardKind, active_card_binding},
    devices::verify_device_login,
    random_token,
};
use crate::{ApiError, store};

/// A logged-in session, as a request's bearer token names it.
pub(crate) struct Session {
    pub(crate) person_id: String,
    pub(crate) client_id: ClientId,
}

impl Session {
    /// Bindings and QR codes need a login with the HPKI card.
    pub(crate) fn require_hpki(&self) -> Result<(), ApiError> {
        if self.client_id == ClientId::Hpki {
            Ok(())
        } else {
            Err(ApiError::denied("this needs a login with the HPKI card"))
        }
    }
}

/// RFC 7636 §4.1: 43 to 128 characters of the unreserved set.
fn well_formed_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Compares in time independent of where the inputs differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The member `name` of a request body, when it is a string.
fn member<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name).and_then(Value::as_str)
}

/// RFC 6749 §4.1.2.1: an unknown client, response type or scope is named by its own
/// error code, even in a request that also lacks other members.
pub(crate) fn screen_authorization_request(body: &Value) -> Result<(), ApiError> {
    if let Some(client) = member(body, "client_id").filter(|c| ClientId::parse(c).is_none()) {
        return Err(ApiError::new(
            400,
            ErrorCode::UnauthorizedClient,
            format!("unknown client_id {client}"),
        ));
    }
    if member(body, "response_type").is_some_and(|t| t != "code") {
        return Err(ApiError::new(
            400,
            ErrorCode::UnsupportedResponseType,
            "only `code`",
        ));
    }
    if member(body, "scope").is_some_and(|s| !s.split(' ').any(|s| s == "openid")) {
        return Err(ApiError::new(
            400,
            ErrorCode::InvalidScope,
            "scope must include openid",
        ));
    }
    Ok(())
}

/// RFC 6749 §5.2: another grant type is `unsupported_grant_type`, whatever else the
/// request lacks.
pub(crate) fn screen_token_request(body: &Value) -> Result<(), ApiError> {
    if member(body, "grant_type").is_some_and(|g| g != "authorization_code") {
        return Err(ApiError::new(
            400,
            ErrorCode::UnsupportedGrantType,
            "only authorization_code",
        ));
    }
    Ok(())
}

/// The status (`active`, `replaced`, `revoked`) of the binding a session logged in
/// with: `card:<card_bindings.id>` or `device:<device_id>`; `None` once it is gone.
fn login_binding_status(conn: &Connection, binding: &str) -> rusqlite::Result<Option<String>> {
    let (sql, id) = if let Some(id) = binding.strip_prefix("card:") {
        ("SELECT status FROM card_bindings WHERE id = ?1", id)
    } else if let Some(id) = binding.strip_prefix("device:") {
        ("SELECT status FROM devices WHERE device_id = ?1", id)
    } else {
        return Ok(None);
    };
    conn.query_row(sql, [id], |r| r.get(0)).optional()
}

/// A stored authorization code.
struct Code {
    client_id: String,
    redirect_uri: String,
    nonce: String,
    code_challenge: String,
    person_id: String,
    binding: String,
    auth_time: i64,
    expires_at: i64,
    used: bool,
}

impl Platform {
    pub(crate) fn discovery(&self) -> wire::ProviderMetadata {
        let iss = self.issuer();
        let one = |s: &str| vec![s.to_owned()];
        wire::ProviderMetadata {
            authorization_endpoint: format!("{iss}/oidc/auth"),
            token_endpoint: format!("{iss}{}", wire::Endpoint::Token.path()),
            jwks_uri: format!("{iss}{}", wire::Endpoint::Jwks.path()),
            issuer: iss,
            response_types_supported: one("code"),
            code_challenge_methods_supported: one("S256"),
            id_token_signing_alg_values_supported: one("ES256"),
            subject_types_supported: one("public"),
        }
    }

    pub(crate) fn jwks(&self) -> &jsonwebtoken::jwk::JwkSet {
        self.inner.id_key.jwks()
    }

    /// Starts an authorization request (screened by [`screen_authorization_request`]):
    /// returns the challenge the authenticator signs.
    pub(crate) fn auth_challenge(
        &self,
        req: wire::AuthorizationRequest,
    ) -> Result<wire::LoginChallenge, ApiError> {
        if req.code_challenge_method != "S256" {
            return Err(ApiError::bad_request("code_challenge_method must be S256"));
        }
        if req.code_challenge.len() != 43 {
            return Err(ApiError::bad_request(
                "code_challenge is not a SHA-256 in base64url",
            ));
        }
        let id = random_token(16)?;
        let challenge = random_token(32)?;
        let conn = self.db();
        let pending = store::purge(&conn, store::Expiring::AuthRequests, self.now())?;
        if pending >= self.inner.config.max_pending_logins {
            return Err(ApiError::new(
                503,
                ErrorCode::TemporarilyUnavailable,
                "too many logins are pending: try again in a few minutes",
            ));
        }
        conn.execute(
            "INSERT INTO auth_requests (id, client_id, redirect_uri, state, nonce, code_challenge,
               challenge, expires_at, used) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0)",
            params![
                id,
                req.client_id.as_str(),
                req.redirect_uri,
                req.state,
                req.nonce,
                req.code_challenge,
                challenge,
                self.later(SignedDuration::from_mins(5))
            ],
        )?;
        Ok(wire::LoginChallenge {
            auth_req_id: id,
            challenge,
        })
    }

    /// Completes an authorization request with the authenticator's signature; returns
    /// the code and state (the redirect's query).
    pub(crate) fn auth_complete(
        &self,
        proof: wire::LoginProof,
    ) -> Result<wire::AuthorizationResponse, ApiError> {
        let now = self.now();
        let conn = self.db();
        let (client_id, redirect_uri, state, nonce, code_challenge, challenge, expires_at, used) =
            conn.query_row(
                "SELECT client_id, redirect_uri, state, nonce, code_challenge, challenge,
                   expires_at, used FROM auth_requests WHERE id = ?1",
                [&proof.auth_req_id],
                |r| <(String, String, String, String, String, String, i64, i64)>::try_from(r),
            )
            .optional()?
            .ok_or_else(|| ApiError::bad_request("unknown auth_req_id"))?;
        if used != 0 || expires_at <= now {
            return Err(ApiError::bad_request(
                "the authorization request expired or was used",
            ));
        }
        conn.execute(
            "UPDATE auth_requests SET used = 1 WHERE id = ?1",
            [&proof.auth_req_id],
        )?;
        let message = wire::login_message(&proof.auth_req_id, &challenge);
        let client = ClientId::parse(&client_id).ok_or_else(|| ApiError::internal("client"))?;
        let (person_id, binding) = match client {
            ClientId::Fido => {
                let device_id = proof
                    .device_id
                    .ok_or_else(|| ApiError::bad_request("a FIDO login needs `device_id`"))?;
                let person = verify_device_login(&conn, &device_id, &message, &proof.signature)?;
                (person, format!("device:{device_id}"))
            }
            card => {
                let cert = proof
                    .certificate
                    .ok_or_else(|| ApiError::bad_request("a card login needs `certificate`"))?;
                let kind = if card == ClientId::Hpki {
                    CardKind::Hpki
                } else {
                    CardKind::Jpki
                };
                let (binding_id, person) = active_card_binding(&conn, kind, &cert)?;
                self.verify_card_proof(&cert, &message, &proof.signature)?;
                (person, format!("card:{binding_id}"))
            }
        };
        let code = random_token(24)?;
        store::purge(&conn, store::Expiring::Codes, now)?;
        conn.execute(
            "INSERT INTO codes (code, client_id, redirect_uri, nonce, code_challenge, person_id,
               binding, auth_time, expires_at, used) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0)",
            params![
                code,
                client_id,
                redirect_uri,
                nonce,
                code_challenge,
                person_id,
                binding,
                now,
                self.later(SignedDuration::from_mins(1))
            ],
        )?;
        Ok(wire::AuthorizationResponse {
            redirect: format!("{redirect_uri}?code={code}&state={state}"),
            code: wire::Secret::new(code),
            state,
        })
    }

    /// The token endpoint (screened by [`screen_token_request`]): exchanges a code,
    /// with its PKCE verifier, for a session and an ID token.
    pub(crate) fn token(&self, req: wire::TokenRequest) -> Result<wire::TokenResponse, ApiError> {
        let invalid_grant = |why: &str| ApiError::new(400, ErrorCode::InvalidGrant, why);
        let now = self.now();
        let conn = self.db();
        let code = conn
            .query_row(
                "SELECT client_id, redirect_uri, nonce, code_challenge, person_id, binding,
                   auth_time, expires_at, used FROM codes WHERE code = ?1",
                [req.code.expose()],
                |r| {
                    Ok(Code {
                        client_id: r.get(0)?,
                        redirect_uri: r.get(1)?,
                        nonce: r.get(2)?,
                        code_challenge: r.get(3)?,
                        person_id: r.get(4)?,
                        binding: r.get(5)?,
                        auth_time: r.get(6)?,
                        expires_at: r.get(7)?,
                        used: r.get::<_, i64>(8)? != 0,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| invalid_grant("unknown code"))?;
        // A code is single use whatever happens next (RFC 6749 §4.1.2).
        conn.execute(
            "UPDATE codes SET used = 1 WHERE code = ?1",
            [req.code.expose()],
        )?;
        if code.used || code.expires_at <= now {
            return Err(invalid_grant("the code expired or was used"));
        }
        if req.client_id.as_str() != code.client_id || req.redirect_uri != code.redirect_uri {
            return Err(invalid_grant("client_id or redirect_uri differ"));
        }
        let verifier = req.code_verifier.expose();
        let computed = wire::pkce_challenge(verifier);
        if !well_formed_verifier(verifier)
            || !constant_time_eq(computed.as_bytes(), code.code_challenge.as_bytes())
        {
            return Err(invalid_grant("PKCE verifier does not match"));
        }
        let lifetime = self.inner.config.session_lifetime;
        let access_token = random_token(32)?;
        let exp = self.later(lifetime);
        store::purge(&conn, store::Expiring::Sessions, now)?;
        conn.execute(
            "INSERT INTO sessions (token, person_id, client_id, binding, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                access_token,
                code.person_id,
                code.client_id,
                code.binding,
                exp
            ],
        )?;
        let id_token = self.inner.id_key.sign(&wire::IdTokenClaims {
            iss: self.issuer(),
            sub: code.person_id,
            amr: vec![req.client_id.amr().to_owned()],
            aud: code.client_id,
            iat: now,
            exp,
            auth_time: code.auth_time,
            nonce: code.nonce,
        })?;
        Ok(wire::TokenResponse {
            access_token: wire::Secret::new(access_token),
            token_type: "Bearer".into(),
            expires_in: lifetime.as_secs().unsigned_abs(),
            id_token,
            scope: "openid service".into(),
        })
    }

    /// Resolves a bearer token to its live session, re-checking the login binding.
    pub(crate) fn session(&self, bearer: Option<&str>) -> Result<Session, ApiError> {
        let invalid_token = |why: &str| ApiError::new(401, ErrorCode::InvalidToken, why);
        let token = bearer.ok_or_else(|| invalid_token("no access token"))?;
        let conn = self.db();
        let (person_id, client_id, binding, expires_at) = conn
            .query_row(
                "SELECT person_id, client_id, binding, expires_at FROM sessions WHERE token = ?1",
                [token],
                |r| <(String, String, String, i64)>::try_from(r),
            )
            .optional()?
            .ok_or_else(|| invalid_token("unknown access token"))?;
        if expires_at <= self.now() {
            return Err(invalid_token("the session expired: log in again"));
        }
        let status = login_binding_status(&conn, &binding)?;
        let client_id = ClientId::parse(&client_id).ok_or_else(|| ApiError::internal("client"))?;
        // A renewed My Number Card ('replaced') keeps its running session: the binding
        // moved on, nothing was revoked.
        match status.as_deref() {
            Some("active" | "replaced") => Ok(Session {
                person_id,
                client_id,
            }),
            Some(s) => Err(ApiError::new(
                403,
                ErrorCode::BindingRevoked,
                format!("the login binding is {s}"),
            )),
            None => Err(invalid_token("the login binding is gone")),
        }
    }

    pub(crate) fn me(&self, s: &Session) -> Result<wire::Person, ApiError> {
        let (name_kanji, name_romaji, qualification) = self.db().query_row(
            "SELECT name_kanji, name_romaji, qualification FROM persons WHERE person_id = ?1",
            [&s.person_id],
            |r| <(String, String, String)>::try_from(r),
        )?;
        Ok(wire::Person {
            person_id: s.person_id.clone(),
            client_id: s.client_id,
            name_kanji,
            name_romaji,
            qualification,
        })
    }
}
