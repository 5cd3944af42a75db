//! The platform: issuing, bindings, OIDC login, sessions and the CSC-style signing API.

use std::{
    path::Path,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
};

use base64::{
    Engine as _,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use cert_signer::DigestAlgorithm;
use jiff::{SignedDuration, Span, Timestamp};
use p256::ecdsa::{Signature as EcSignature, SigningKey as EcSigningKey, VerifyingKey};
use rsa::Pkcs1v15Sign;
use rusqlite::{Connection, OptionalExtension as _, params};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::{ApiError, Clock, Error, jwt, pki::Pki, store};

/// The OIDC `client_id`s, one per way of logging in (docs/spec/signatures.md §5).
pub(crate) const CLIENT_HPKI: &str = "HPKI";
pub(crate) const CLIENT_JPKI: &str = "JPKI";
pub(crate) const CLIENT_FIDO: &str = "FIDO";

/// Tunables of the platform; [`Default`] is what the public pages describe.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PlatformConfig {
    /// How long a login session lasts (18 hours).
    pub session_lifetime: SignedDuration,
    /// How long a SAD from `credentials/authorize` stays usable (5 minutes).
    pub sad_lifetime: SignedDuration,
    /// How long a device-registration QR code lasts (10 minutes).
    pub qr_lifetime: SignedDuration,
    /// How long the setup URL and password from the issuing letter last (3 months).
    pub setup_lifetime: Span,
    /// Wrong setup passwords before the setup code locks (5).
    pub setup_password_tries: u32,
    /// The most hashes one SAD may authorize (1000).
    pub max_signatures_per_sad: usize,
    /// Login requests (`oidc/auth/challenge`) pending at once, at most (10,000): one
    /// more is refused 503 `temporarily_unavailable` until some expire (5 minutes).
    /// Expired login requests, codes, bind challenges, SADs, setup codes and sessions
    /// are deleted whenever one of their kind is made.
    pub max_pending_logins: usize,
}

impl Default for PlatformConfig {
    fn default() -> Self {
        Self {
            session_lifetime: SignedDuration::from_hours(18),
            sad_lifetime: SignedDuration::from_mins(5),
            qr_lifetime: SignedDuration::from_mins(10),
            setup_lifetime: Span::new().months(3),
            setup_password_tries: 5,
            max_signatures_per_sad: 1000,
            max_pending_logins: 10_000,
        }
    }
}

/// What the Mynaportal stand-in sends when an authority approves an application.
#[derive(Clone, Debug)]
pub struct IssueRequest {
    /// Stable id of the applicant (the portal's).
    pub person_id: String,
    /// Name in kanji.
    pub name_kanji: String,
    /// Name in romaji, as printed (`YAMADA Hanako`).
    pub name_romaji: String,
    /// The qualification written into hcRole.
    pub qualification: hpki_cert::Qualification,
    /// The issuing authority: `"JMA"`, `"JPA"` or `"MEDIS"`.
    pub authority: String,
    /// The applicant's My Number Card user-authentication certificate (DER), bound at
    /// once (the Mynaportal route does this).
    pub jpki_auth_certificate_der: Option<Vec<u8>>,
    /// Issuing time: the certificate's notBefore; the setup URL expires 3 months later.
    pub now: Timestamp,
}

/// A second certificate just issued, with the smartphone setup letter.
#[derive(Clone)]
pub struct Issued {
    /// The person it was issued to.
    pub person_id: String,
    /// The CSC credential id of the second certificate's key.
    pub credential_id: String,
    /// The second certificate (DER).
    pub certificate_der: Vec<u8>,
    /// The smartphone setup URL from the letter.
    pub setup_url: String,
    /// The password sent with the URL (5 wrong tries lock it).
    pub setup_password: String,
    /// When the setup URL stops working (3 months after issuing).
    pub setup_expires_at: Timestamp,
}

impl core::fmt::Debug for Issued {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Issued")
            .field("person_id", &self.person_id)
            .field("credential_id", &self.credential_id)
            .field("certificate_len", &self.certificate_der.len())
            .field("setup_url", &self.setup_url)
            .field("setup_password", &"<redacted>")
            .field("setup_expires_at", &self.setup_expires_at)
            .finish()
    }
}

struct Inner {
    db: Arc<Mutex<Connection>>,
    pki: Pki,
    id_key: EcSigningKey,
    clock: Clock,
    config: PlatformConfig,
    base_url: Mutex<Option<String>>,
    requests: AtomicU64,
}

/// The simulated HPKI second-certificate platform (HPKI-KAGURA stand-in).
///
/// Cheap to clone; every clone shares the database, the clock and the keys.
#[derive(Clone)]
pub struct Platform {
    inner: Arc<Inner>,
}

impl core::fmt::Debug for Platform {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Platform")
            .field("base_url", &*lock(&self.inner.base_url))
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn random_token(bytes: usize) -> Result<String, ApiError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(ApiError::internal)?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

fn random_password() -> Result<String, ApiError> {
    // No 0/O, 1/I: the password is typed from a letter.
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 10];
    getrandom::fill(&mut buf).map_err(ApiError::internal)?;
    Ok(buf
        .iter()
        .filter_map(|b| ALPHABET.get(usize::from(*b) % ALPHABET.len()))
        .map(|&b| char::from(b))
        .collect())
}

fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn str_field<'a>(body: &'a Value, name: &str) -> Result<&'a str, ApiError> {
    body.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request(format!("missing string field `{name}`")))
}

fn b64_field(body: &Value, name: &str) -> Result<Vec<u8>, ApiError> {
    STANDARD
        .decode(str_field(body, name)?)
        .map_err(|e| ApiError::bad_request(format!("`{name}` is not base64: {e}")))
}

fn b64_list(body: &Value, name: &str) -> Result<Vec<String>, ApiError> {
    let list = body
        .get(name)
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::bad_request(format!("missing array `{name}`")))?;
    list.iter()
        .map(|v| {
            let s = v
                .as_str()
                .ok_or_else(|| ApiError::bad_request(format!("`{name}` holds a non-string")))?;
            // Normalised through a decode so that equal hashes compare equal.
            let bytes = STANDARD
                .decode(s)
                .map_err(|e| ApiError::bad_request(format!("`{name}` entry not base64: {e}")))?;
            Ok(STANDARD.encode(bytes))
        })
        .collect()
}

fn digest_algorithm(oid: &str) -> Result<DigestAlgorithm, ApiError> {
    [
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
    ]
    .into_iter()
    .find(|a| a.oid() == oid)
    .ok_or_else(|| ApiError::bad_request(format!("unsupported hashAlgorithmOID {oid}")))
}

/// The message a card or device signs to log in (see the crate docs).
pub(crate) fn login_message(auth_req_id: &str, challenge: &str) -> String {
    format!("hpki-kagura-sim login\n{auth_req_id}\n{challenge}")
}

/// The message the My Number Card signs to be bound (appendix 1).
pub(crate) fn bind_message(person_id: &str, challenge: &str) -> String {
    format!("hpki-kagura-sim bind-jpki\n{person_id}\n{challenge}")
}

/// The message a device key signs to register (appendix 2).
pub(crate) fn device_message(setup_token: &str) -> String {
    format!("hpki-kagura-sim register-device\n{setup_token}")
}

fn verify_card_signature(cert_der: &[u8], message: &str, signature: &[u8]) -> Result<(), ApiError> {
    let cert = hpki_cert::Certificate::from_der(cert_der)
        .map_err(|e| ApiError::bad_request(format!("certificate: {e}")))?;
    let digest = Sha256::digest(message.as_bytes());
    hpki_cert::verify_rsa_pkcs1(cert.spki_der(), DigestAlgorithm::Sha256, &digest, signature)
        .map_err(|_| ApiError::denied("the card's signature does not verify"))
}

fn verify_device_signature(
    public_key: &[u8],
    message: &str,
    signature: &[u8],
) -> Result<(), ApiError> {
    use p256::ecdsa::signature::Verifier as _;
    let key = VerifyingKey::from_sec1_bytes(public_key)
        .map_err(|_| ApiError::bad_request("device public key is not a P-256 point"))?;
    let sig = EcSignature::from_slice(signature)
        .map_err(|_| ApiError::bad_request("device signature is not r||s"))?;
    key.verify(message.as_bytes(), &sig)
        .map_err(|_| ApiError::denied("the device's signature does not verify"))
}

/// A logged-in session, as a request's bearer token names it.
pub(crate) struct Session {
    pub(crate) person_id: String,
    pub(crate) client_id: String,
}

impl Platform {
    /// Opens the platform on the SQLite database at `db` (created if missing), or in
    /// memory when `None`, with the default [`PlatformConfig`].
    pub fn open(db: Option<&Path>) -> Result<Platform, Error> {
        Self::open_with(db, PlatformConfig::default())
    }

    /// Like [`open`](Self::open) with explicit tunables.
    pub fn open_with(db: Option<&Path>, config: PlatformConfig) -> Result<Platform, Error> {
        let conn = match db {
            Some(path) => Connection::open(path)?,
            None => Connection::open_in_memory()?,
        };
        store::migrate(&conn)?;
        let id_key = match store::meta(&conn, "id_token_key")? {
            Some(bytes) => EcSigningKey::from_slice(&bytes)
                .map_err(|e| Error::Pki(format!("stored ID-token key: {e}")))?,
            None => {
                let key = new_ec_key()?;
                store::set_meta(&conn, "id_token_key", &key.to_bytes())?;
                key
            }
        };
        Ok(Platform {
            inner: Arc::new(Inner {
                db: Arc::new(Mutex::new(conn)),
                pki: Pki::new()?,
                id_key,
                clock: Clock::default(),
                config,
                base_url: Mutex::new(None),
                requests: AtomicU64::new(0),
            }),
        })
    }

    /// The platform's clock; tests advance it to expire sessions, SADs and setup codes.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The tunables in force.
    pub fn config(&self) -> &PlatformConfig {
        &self.inner.config
    }

    /// The test HPKI root (DER): the trust anchor for second-certificate signatures.
    pub fn trust_anchor_der(&self) -> Vec<u8> {
        self.inner.pki.root_der().to_vec()
    }

    /// The CA certificates between a second certificate and the root (DER, nearest first).
    pub fn ca_chain_der(&self) -> Vec<Vec<u8>> {
        vec![self.inner.pki.sign_ca_der().to_vec()]
    }

    /// How many HTTP requests the server has answered (all [`serve`](Self::serve)s).
    pub fn requests_served(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    pub(crate) fn count_request(&self) {
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn set_base_url(&self, url: String) {
        *lock(&self.inner.base_url) = Some(url);
    }

    /// The OIDC issuer: the URL the platform is served at.
    pub(crate) fn issuer(&self) -> String {
        lock(&self.inner.base_url)
            .clone()
            .unwrap_or_else(|| "urn:hpki-kagura-sim".to_owned())
    }

    fn db(&self) -> MutexGuard<'_, Connection> {
        lock(&self.inner.db)
    }

    fn now(&self) -> i64 {
        self.inner.clock.now().as_second()
    }

    fn later(&self, by: SignedDuration) -> i64 {
        self.now().saturating_add(by.as_secs())
    }

    /// Issues a second certificate (RSA-2048 from the platform's key pool, hcRole for
    /// the qualification), creates the smartphone setup letter, and binds the My Number
    /// Card when the request carries its user-authentication certificate.
    pub fn issue_second_certificate(&self, req: &IssueRequest) -> Result<Issued, Error> {
        let hc_role_der = hpki_cert::HcRole::new(req.qualification.clone()).to_der()?;
        let conn = self.db();
        let serial = store::meta(&conn, "next_serial")?
            .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
            .map_or(0x1000, u64::from_be_bytes);
        store::set_meta(&conn, "next_serial", &(serial + 1).to_be_bytes())?;
        let key_index =
            usize::try_from(serial % self.inner.pki.pool_len().max(1) as u64).unwrap_or_default();
        let certificate_der = self.inner.pki.issue_second(
            &crate::pki::Subject {
                name_romaji: &req.name_romaji,
                organisation: &req.authority,
                serial_number: &req.person_id,
                hc_role_der,
            },
            serial,
            req.now,
            key_index,
        )?;
        let credential_id = format!("cred-{}", random_token(12)?);
        conn.execute(
            "INSERT INTO persons (person_id, name_kanji, name_romaji, qualification, authority)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (person_id) DO UPDATE SET name_kanji = excluded.name_kanji,
               name_romaji = excluded.name_romaji, qualification = excluded.qualification,
               authority = excluded.authority",
            params![
                req.person_id,
                req.name_kanji,
                req.name_romaji,
                req.qualification.text(),
                req.authority
            ],
        )?;
        conn.execute(
            "INSERT INTO credentials (credential_id, person_id, certificate, key_index, status)
             VALUES (?1, ?2, ?3, ?4, 'active')",
            params![
                credential_id,
                req.person_id,
                certificate_der,
                key_index as i64
            ],
        )?;
        let setup_expires_at = req
            .now
            .to_zoned(jiff::tz::TimeZone::UTC)
            .checked_add(self.inner.config.setup_lifetime)
            .map_err(|e| Error::Pki(format!("setup expiry: {e}")))?
            .timestamp();
        let token = random_token(18)?;
        let setup_password = random_password()?;
        conn.execute(
            "INSERT INTO setups (token, person_id, kind, password_sha256, expires_at, failures, used)
             VALUES (?1, ?2, 'letter', ?3, ?4, 0, 0)",
            params![
                token,
                req.person_id,
                sha256_hex(setup_password.as_bytes()),
                setup_expires_at.as_second()
            ],
        )?;
        if let Some(cert) = &req.jpki_auth_certificate_der {
            bind_card(&conn, &req.person_id, "jpki", cert, self.now())?;
        }
        drop(conn);
        Ok(Issued {
            person_id: req.person_id.clone(),
            credential_id,
            certificate_der,
            setup_url: format!("{}/devices/setup/{token}", self.issuer()),
            setup_password,
            setup_expires_at,
        })
    }

    /// Registers the authentication certificate (DER) of the person's HPKI card, so the
    /// card can log in (the authority that issued the card knows it).
    pub fn register_hpki_card(
        &self,
        person_id: &str,
        auth_certificate_der: &[u8],
    ) -> Result<(), Error> {
        hpki_cert::Certificate::from_der(auth_certificate_der)?;
        let conn = self.db();
        ensure_person(&conn, person_id)?;
        bind_card(&conn, person_id, "hpki", auth_certificate_der, self.now())
    }

    /// Binds a My Number Card user-authentication certificate (DER) to the person's
    /// second certificate directly (the Mynaportal route; appendix 1 goes through HTTP).
    pub fn bind_my_number_card(
        &self,
        person_id: &str,
        auth_certificate_der: &[u8],
    ) -> Result<(), Error> {
        hpki_cert::Certificate::from_der(auth_certificate_der)?;
        let conn = self.db();
        ensure_person(&conn, person_id)?;
        bind_card(&conn, person_id, "jpki", auth_certificate_der, self.now())
    }

    /// Revokes the person's My Number Card binding; returns how many were revoked.
    /// Sessions logged in with it stop working at once.
    pub fn revoke_my_number_card(&self, person_id: &str) -> Result<usize, Error> {
        Ok(self.db().execute(
            "UPDATE card_bindings SET status = 'revoked'
             WHERE person_id = ?1 AND kind = 'jpki' AND status = 'active'",
            [person_id],
        )?)
    }

    /// Revokes the person's registered smartphones; returns how many were revoked.
    pub fn revoke_devices(&self, person_id: &str) -> Result<usize, Error> {
        Ok(self.db().execute(
            "UPDATE devices SET status = 'revoked' WHERE person_id = ?1 AND status = 'active'",
            [person_id],
        )?)
    }

    /// The number of active smartphone registrations of the person (0 or 1).
    pub fn active_devices(&self, person_id: &str) -> Result<usize, Error> {
        let n: i64 = self.db().query_row(
            "SELECT COUNT(*) FROM devices WHERE person_id = ?1 AND status = 'active'",
            [person_id],
            |r| r.get(0),
        )?;
        Ok(usize::try_from(n).unwrap_or_default())
    }

    // ---- OIDC ----------------------------------------------------------------------

    pub(crate) fn discovery(&self) -> Value {
        let iss = self.issuer();
        json!({
            "issuer": iss,
            "authorization_endpoint": format!("{iss}/oidc/auth"),
            "token_endpoint": format!("{iss}/oidc/token"),
            "jwks_uri": format!("{iss}/oidc/jwks"),
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "subject_types_supported": ["public"],
        })
    }

    pub(crate) fn jwks(&self) -> Value {
        jwt::jwks(&self.inner.id_key)
    }

    /// Starts an authorization request: checks the OIDC parameters and returns the
    /// challenge the authenticator signs.
    pub(crate) fn auth_challenge(&self, body: &Value) -> Result<Value, ApiError> {
        let client_id = str_field(body, "client_id")?;
        if ![CLIENT_HPKI, CLIENT_JPKI, CLIENT_FIDO].contains(&client_id) {
            return Err(ApiError::new(
                400,
                "unauthorized_client",
                format!("unknown client_id {client_id}"),
            ));
        }
        if str_field(body, "response_type")? != "code" {
            return Err(ApiError::new(
                400,
                "unsupported_response_type",
                "only `code`",
            ));
        }
        if !str_field(body, "scope")?.split(' ').any(|s| s == "openid") {
            return Err(ApiError::new(
                400,
                "invalid_scope",
                "scope must include openid",
            ));
        }
        if str_field(body, "code_challenge_method")? != "S256" {
            return Err(ApiError::bad_request("code_challenge_method must be S256"));
        }
        let code_challenge = str_field(body, "code_challenge")?;
        if code_challenge.len() != 43 {
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
                "temporarily_unavailable",
                "too many logins are pending: try again in a few minutes",
            ));
        }
        conn.execute(
            "INSERT INTO auth_requests (id, client_id, redirect_uri, state, nonce, code_challenge,
               challenge, expires_at, used) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0)",
            params![
                id,
                client_id,
                str_field(body, "redirect_uri")?,
                str_field(body, "state")?,
                str_field(body, "nonce")?,
                code_challenge,
                challenge,
                self.later(SignedDuration::from_mins(5))
            ],
        )?;
        Ok(json!({ "auth_req_id": id, "challenge": challenge }))
    }

    /// Completes an authorization request with the authenticator's signature; returns
    /// the code and state (the redirect's query).
    pub(crate) fn auth_complete(&self, body: &Value) -> Result<Value, ApiError> {
        let id = str_field(body, "auth_req_id")?;
        let signature = b64_field(body, "signature")?;
        let now = self.now();
        let conn = self.db();
        let req = conn
            .query_row(
                "SELECT client_id, redirect_uri, state, nonce, code_challenge, challenge, expires_at, used
                 FROM auth_requests WHERE id = ?1",
                [id],
                |r| <(String, String, String, String, String, String, i64, i64)>::try_from(r),
            )
            .optional()?
            .ok_or_else(|| ApiError::bad_request("unknown auth_req_id"))?;
        let (client_id, redirect_uri, state, nonce, code_challenge, challenge, expires_at, used) =
            req;
        if used != 0 || expires_at <= now {
            return Err(ApiError::bad_request(
                "the authorization request expired or was used",
            ));
        }
        conn.execute("UPDATE auth_requests SET used = 1 WHERE id = ?1", [id])?;
        let message = login_message(id, &challenge);
        let (person_id, binding) = if client_id == CLIENT_FIDO {
            let device_id = str_field(body, "device_id")?;
            let (person_id, public_key, status) = conn
                .query_row(
                    "SELECT person_id, public_key, status FROM devices WHERE device_id = ?1",
                    [device_id],
                    |r| <(String, Vec<u8>, String)>::try_from(r),
                )
                .optional()?
                .ok_or_else(|| ApiError::new(403, "unbound_certificate", "unknown device"))?;
            if status != "active" {
                return Err(ApiError::new(
                    403,
                    "binding_revoked",
                    format!("device {status}"),
                ));
            }
            verify_device_signature(&public_key, &message, &signature)?;
            (person_id, format!("device:{device_id}"))
        } else {
            let cert = b64_field(body, "certificate")?;
            let kind = if client_id == CLIENT_HPKI {
                "hpki"
            } else {
                "jpki"
            };
            let (binding_id, person_id) = active_card_binding(&conn, kind, &cert)?;
            let parsed = hpki_cert::Certificate::from_der(&cert)
                .map_err(|e| ApiError::bad_request(format!("certificate: {e}")))?;
            let t = self.inner.clock.now();
            if t < parsed.not_before() || t > parsed.not_after() {
                return Err(ApiError::denied("the card's certificate is not valid now"));
            }
            verify_card_signature(&cert, &message, &signature)?;
            (person_id, format!("card:{binding_id}"))
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
        Ok(json!({
            "code": code,
            "state": state,
            "redirect": format!("{redirect_uri}?code={code}&state={state}"),
        }))
    }

    /// The token endpoint: exchanges a code (with its PKCE verifier) for a session.
    pub(crate) fn token(&self, body: &Value) -> Result<Value, ApiError> {
        if str_field(body, "grant_type")? != "authorization_code" {
            return Err(ApiError::new(
                400,
                "unsupported_grant_type",
                "only authorization_code",
            ));
        }
        let code = str_field(body, "code")?;
        let verifier = str_field(body, "code_verifier")?;
        let now = self.now();
        let conn = self.db();
        let row = conn
            .query_row(
                "SELECT client_id, redirect_uri, nonce, code_challenge, person_id, binding, auth_time,
                   expires_at, used FROM codes WHERE code = ?1",
                [code],
                |r| <(String, String, String, String, String, String, i64, i64, i64)>::try_from(r),
            )
            .optional()?
            .ok_or_else(|| ApiError::new(400, "invalid_grant", "unknown code"))?;
        let (
            client_id,
            redirect_uri,
            nonce,
            challenge,
            person_id,
            binding,
            auth_time,
            expires_at,
            used,
        ) = row;
        // A code is single use whatever happens next (RFC 6749 §4.1.2).
        conn.execute("UPDATE codes SET used = 1 WHERE code = ?1", [code])?;
        if used != 0 || expires_at <= now {
            return Err(ApiError::new(
                400,
                "invalid_grant",
                "the code expired or was used",
            ));
        }
        if str_field(body, "client_id")? != client_id
            || str_field(body, "redirect_uri")? != redirect_uri
        {
            return Err(ApiError::new(
                400,
                "invalid_grant",
                "client_id or redirect_uri differ",
            ));
        }
        if !jwt::pkce_matches(verifier, &challenge) {
            return Err(ApiError::new(
                400,
                "invalid_grant",
                "PKCE verifier does not match",
            ));
        }
        let lifetime = self.inner.config.session_lifetime;
        let access_token = random_token(32)?;
        let exp = self.later(lifetime);
        store::purge(&conn, store::Expiring::Sessions, now)?;
        conn.execute(
            "INSERT INTO sessions (token, person_id, client_id, binding, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![access_token, person_id, client_id, binding, exp],
        )?;
        let amr = match client_id.as_str() {
            CLIENT_HPKI => "hpki",
            CLIENT_JPKI => "jpki",
            _ => "fido",
        };
        let id_token = jwt::sign(
            &self.inner.id_key,
            &json!({
                "iss": self.issuer(), "sub": person_id, "aud": client_id, "iat": now, "exp": exp,
                "auth_time": auth_time, "nonce": nonce, "amr": [amr],
            }),
        );
        Ok(json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": lifetime.as_secs(),
            "id_token": id_token,
            "scope": "openid service",
        }))
    }

    /// Resolves a bearer token to its live session, re-checking the login binding.
    pub(crate) fn session(&self, bearer: Option<&str>) -> Result<Session, ApiError> {
        let token = bearer.ok_or_else(|| ApiError::new(401, "invalid_token", "no access token"))?;
        let conn = self.db();
        let (person_id, client_id, binding, expires_at) = conn
            .query_row(
                "SELECT person_id, client_id, binding, expires_at FROM sessions WHERE token = ?1",
                [token],
                |r| <(String, String, String, i64)>::try_from(r),
            )
            .optional()?
            .ok_or_else(|| ApiError::new(401, "invalid_token", "unknown access token"))?;
        if expires_at <= self.now() {
            return Err(ApiError::new(
                401,
                "invalid_token",
                "the session expired: log in again",
            ));
        }
        let status: Option<String> = if let Some(id) = binding.strip_prefix("card:") {
            conn.query_row(
                "SELECT status FROM card_bindings WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
        } else if let Some(id) = binding.strip_prefix("device:") {
            conn.query_row(
                "SELECT status FROM devices WHERE device_id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
        } else {
            None
        };
        // A renewed My Number Card ('replaced') keeps its running session: the binding
        // moved on, nothing was revoked.
        match status.as_deref() {
            Some("active" | "replaced") => Ok(Session {
                person_id,
                client_id,
            }),
            Some(s) => Err(ApiError::new(
                403,
                "binding_revoked",
                format!("the login binding is {s}"),
            )),
            None => Err(ApiError::new(
                401,
                "invalid_token",
                "the login binding is gone",
            )),
        }
    }

    pub(crate) fn me(&self, s: &Session) -> Result<Value, ApiError> {
        let conn = self.db();
        let (kanji, romaji, qualification) = conn.query_row(
            "SELECT name_kanji, name_romaji, qualification FROM persons WHERE person_id = ?1",
            [&s.person_id],
            |r| <(String, String, String)>::try_from(r),
        )?;
        Ok(json!({
            "person_id": s.person_id, "client_id": s.client_id, "name_kanji": kanji,
            "name_romaji": romaji, "qualification": qualification,
        }))
    }

    // ---- CSC v2 --------------------------------------------------------------------

    pub(crate) fn csc_info(&self) -> Value {
        json!({
            "specs": "2.0.0.2", "name": "hpki-kagura-sim", "region": "JP", "lang": "ja-JP",
            "description": "medsign's stand-in for the HPKI second-certificate platform",
            "authType": ["oauth2code"], "oauth2": self.issuer(),
            "methods": ["credentials/list", "credentials/info", "credentials/authorize",
                        "signatures/signHash"],
        })
    }

    pub(crate) fn credentials_list(&self, s: &Session) -> Result<Value, ApiError> {
        let conn = self.db();
        let mut stmt = conn.prepare(
            "SELECT credential_id FROM credentials WHERE person_id = ?1 AND status = 'active'
             ORDER BY rowid",
        )?;
        let ids = stmt
            .query_map([&s.person_id], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(json!({ "credentialIDs": ids }))
    }

    fn credential(
        &self,
        conn: &Connection,
        s: &Session,
        id: &str,
    ) -> Result<(Vec<u8>, usize), ApiError> {
        let (certificate, key_index) = conn
            .query_row(
                "SELECT certificate, key_index FROM credentials
                 WHERE credential_id = ?1 AND person_id = ?2 AND status = 'active'",
                params![id, s.person_id],
                |r| <(Vec<u8>, i64)>::try_from(r),
            )
            .optional()?
            .ok_or_else(|| {
                ApiError::new(
                    404,
                    "not_found",
                    format!("no credential {id} for this session"),
                )
            })?;
        Ok((
            certificate,
            usize::try_from(key_index).unwrap_or(usize::MAX),
        ))
    }

    pub(crate) fn credentials_info(&self, s: &Session, body: &Value) -> Result<Value, ApiError> {
        let id = str_field(body, "credentialID")?;
        let conn = self.db();
        let (cert, _) = self.credential(&conn, s, id)?;
        let parsed = hpki_cert::Certificate::from_der(&cert).map_err(ApiError::internal)?;
        let mut certificates = vec![STANDARD.encode(&cert)];
        if body.get("certificates").and_then(Value::as_str) != Some("single") {
            certificates.push(STANDARD.encode(self.inner.pki.sign_ca_der()));
        }
        Ok(json!({
            "key": { "status": "enabled", "algo": ["1.2.840.113549.1.1.1", "1.2.840.113549.1.1.11"], "len": 2048 },
            "cert": {
                "status": "valid", "certificates": certificates,
                "issuerDN": parsed.issuer(), "subjectDN": parsed.subject(),
                "serialNumber": parsed.serial_hex(),
                "validFrom": parsed.not_before().to_string(), "validTo": parsed.not_after().to_string(),
            },
            "authMode": "oauth2code", "scal": "2",
            "multisign": self.inner.config.max_signatures_per_sad,
        }))
    }

    pub(crate) fn authorize(&self, s: &Session, body: &Value) -> Result<Value, ApiError> {
        let id = str_field(body, "credentialID")?;
        let hash_oid = str_field(body, "hashAlgorithmOID")?;
        let alg = digest_algorithm(hash_oid)?;
        let hashes = b64_list(body, "hashes")?;
        let num = body
            .get("numSignatures")
            .and_then(Value::as_u64)
            .ok_or_else(|| ApiError::bad_request("missing numSignatures"))?;
        // SCAL2: the SAD is bound to exactly these hashes.
        if hashes.is_empty() || num != hashes.len() as u64 {
            return Err(ApiError::bad_request(
                "numSignatures must equal the number of hashes",
            ));
        }
        if hashes.len() > self.inner.config.max_signatures_per_sad {
            return Err(ApiError::bad_request(format!(
                "at most {} signatures per authorization",
                self.inner.config.max_signatures_per_sad
            )));
        }
        for h in &hashes {
            if STANDARD.decode(h).map(|b| b.len()).ok() != Some(alg.output_len()) {
                return Err(ApiError::bad_request(
                    "a hash has the wrong length for its algorithm",
                ));
            }
        }
        let conn = self.db();
        self.credential(&conn, s, id)?;
        let sad = random_token(32)?;
        let lifetime = self.inner.config.sad_lifetime;
        store::purge(&conn, store::Expiring::Sads, self.now())?;
        conn.execute(
            "INSERT INTO sads (sad, credential_id, person_id, hash_oid, hashes, remaining, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                sad,
                id,
                s.person_id,
                hash_oid,
                serde_json::to_string(&hashes).map_err(ApiError::internal)?,
                hashes.len() as i64,
                self.later(lifetime)
            ],
        )?;
        Ok(json!({ "SAD": sad, "expiresIn": lifetime.as_secs() }))
    }

    pub(crate) fn sign_hash(&self, s: &Session, body: &Value) -> Result<Value, ApiError> {
        let id = str_field(body, "credentialID")?;
        let sad = str_field(body, "SAD")?;
        let hash_oid = str_field(body, "hashAlgorithmOID")?;
        let alg = digest_algorithm(hash_oid)?;
        if str_field(body, "signAlgo")? != "1.2.840.113549.1.1.1" {
            return Err(ApiError::bad_request(
                "signAlgo must be rsaEncryption (PKCS#1 v1.5)",
            ));
        }
        let hashes = b64_list(body, "hashes")?;
        let conn = self.db();
        let (_, key_index) = self.credential(&conn, s, id)?;
        let (sad_cred, sad_person, sad_oid, authorized, remaining, expires_at) = conn
            .query_row(
                "SELECT credential_id, person_id, hash_oid, hashes, remaining, expires_at
                 FROM sads WHERE sad = ?1",
                [sad],
                |r| <(String, String, String, String, i64, i64)>::try_from(r),
            )
            .optional()?
            .ok_or_else(|| ApiError::new(400, "invalid_sad", "unknown SAD"))?;
        if sad_cred != id || sad_person != s.person_id {
            return Err(ApiError::new(
                400,
                "invalid_sad",
                "the SAD belongs to another credential",
            ));
        }
        if expires_at <= self.now() {
            return Err(ApiError::new(400, "invalid_sad", "the SAD expired"));
        }
        if sad_oid != hash_oid {
            return Err(ApiError::new(
                400,
                "hash_not_authorized",
                "another hash algorithm was authorized",
            ));
        }
        if remaining <= 0 || hashes.len() as i64 > remaining {
            return Err(ApiError::new(
                400,
                "sad_exhausted",
                format!(
                    "the SAD has {remaining} signature(s) left, {} asked",
                    hashes.len()
                ),
            ));
        }
        let mut left: Vec<String> =
            serde_json::from_str(&authorized).map_err(ApiError::internal)?;
        for h in &hashes {
            let pos = left.iter().position(|a| a == h).ok_or_else(|| {
                ApiError::new(
                    400,
                    "hash_not_authorized",
                    "a hash was not authorized by this SAD",
                )
            })?;
            left.swap_remove(pos);
        }
        let key = self
            .inner
            .pki
            .pool_key(key_index)
            .map_err(ApiError::internal)?;
        let scheme = || match alg {
            DigestAlgorithm::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
            DigestAlgorithm::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
            _ => Pkcs1v15Sign::new::<Sha256>(),
        };
        let signatures = hashes
            .iter()
            .map(|h| {
                let digest = STANDARD.decode(h).map_err(ApiError::internal)?;
                key.sign(scheme(), &digest)
                    .map(|sig| STANDARD.encode(sig))
                    .map_err(ApiError::internal)
            })
            .collect::<Result<Vec<_>, _>>()?;
        conn.execute(
            "UPDATE sads SET hashes = ?2, remaining = ?3 WHERE sad = ?1",
            params![
                sad,
                serde_json::to_string(&left).map_err(ApiError::internal)?,
                remaining - hashes.len() as i64
            ],
        )?;
        Ok(json!({ "signatures": signatures }))
    }

    // ---- Bindings --------------------------------------------------------------------

    fn require_hpki(s: &Session) -> Result<(), ApiError> {
        if s.client_id == CLIENT_HPKI {
            Ok(())
        } else {
            Err(ApiError::denied("this needs a login with the HPKI card"))
        }
    }

    /// Appendix 1 step 3: a challenge for the My Number Card, after an HPKI-card login.
    pub(crate) fn jpki_challenge(&self, s: &Session) -> Result<Value, ApiError> {
        Self::require_hpki(s)?;
        let challenge = random_token(32)?;
        let conn = self.db();
        store::purge(&conn, store::Expiring::BindChallenges, self.now())?;
        conn.execute(
            "INSERT INTO bind_challenges (challenge, person_id, expires_at, used) VALUES (?1, ?2, ?3, 0)",
            params![challenge, s.person_id, self.later(SignedDuration::from_mins(5))],
        )?;
        Ok(json!({ "person_id": s.person_id, "challenge": challenge }))
    }

    /// Appendix 1 step 4: binds the My Number Card that signed the challenge.
    pub(crate) fn bind_jpki(&self, s: &Session, body: &Value) -> Result<Value, ApiError> {
        Self::require_hpki(s)?;
        let challenge = str_field(body, "challenge")?;
        let cert = b64_field(body, "certificate")?;
        let signature = b64_field(body, "signature")?;
        let conn = self.db();
        let (person, expires_at, used) = conn
            .query_row(
                "SELECT person_id, expires_at, used FROM bind_challenges WHERE challenge = ?1",
                [challenge],
                |r| <(String, i64, i64)>::try_from(r),
            )
            .optional()?
            .ok_or_else(|| ApiError::bad_request("unknown challenge"))?;
        conn.execute(
            "UPDATE bind_challenges SET used = 1 WHERE challenge = ?1",
            [challenge],
        )?;
        if person != s.person_id || used != 0 || expires_at <= self.now() {
            return Err(ApiError::bad_request(
                "the challenge expired, was used or is another person's",
            ));
        }
        let parsed = hpki_cert::Certificate::from_der(&cert)
            .map_err(|e| ApiError::bad_request(format!("certificate: {e}")))?;
        let t = self.inner.clock.now();
        if t < parsed.not_before() || t > parsed.not_after() {
            return Err(ApiError::denied(
                "the My Number Card's certificate is not valid now",
            ));
        }
        verify_card_signature(&cert, &bind_message(&s.person_id, challenge), &signature)?;
        let other: Option<String> = conn
            .query_row(
                "SELECT person_id FROM card_bindings WHERE cert_sha256 = ?1 AND status = 'active'
                   AND person_id != ?2",
                params![sha256_hex(&cert), s.person_id],
                |r| r.get(0),
            )
            .optional()?;
        if other.is_some() {
            return Err(ApiError::new(
                409,
                "already_bound",
                "this card is bound to another person",
            ));
        }
        bind_card(&conn, &s.person_id, "jpki", &cert, self.now()).map_err(ApiError::internal)?;
        Ok(json!({ "person_id": s.person_id, "status": "registered" }))
    }

    /// Appendix 2 step 1: a short-lived registration QR code, after an HPKI-card login.
    pub(crate) fn device_qr(&self, s: &Session) -> Result<Value, ApiError> {
        Self::require_hpki(s)?;
        let token = random_token(18)?;
        let expires = self.later(self.inner.config.qr_lifetime);
        let conn = self.db();
        store::purge(&conn, store::Expiring::Setups, self.now())?;
        conn.execute(
            "INSERT INTO setups (token, person_id, kind, password_sha256, expires_at, failures, used)
             VALUES (?1, ?2, 'qr', NULL, ?3, 0, 0)",
            params![token, s.person_id, expires],
        )?;
        Ok(json!({
            "qr_payload": format!("{}/devices/setup/{token}?person_id={}", self.issuer(), s.person_id),
            "person_id": s.person_id,
            "expires_at": expires,
        }))
    }

    /// Appendix 2 steps 2–3 and application step 14: registers a device key.
    pub(crate) fn register_device(&self, body: &Value) -> Result<Value, ApiError> {
        let token = str_field(body, "setup_token")?;
        let public_key = b64_field(body, "public_key")?;
        let signature = b64_field(body, "signature")?;
        let replace = body
            .get("replace_existing")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let conn = self.db();
        let (person_id, kind, password_hash, expires_at, failures, used) = conn
            .query_row(
                "SELECT person_id, kind, password_sha256, expires_at, failures, used FROM setups
                 WHERE token = ?1",
                [token],
                |r| <(String, String, Option<String>, i64, i64, i64)>::try_from(r),
            )
            .optional()?
            .ok_or_else(|| ApiError::new(403, "setup_expired", "unknown setup code"))?;
        let tries = i64::from(self.inner.config.setup_password_tries);
        if failures >= tries {
            return Err(ApiError::new(
                403,
                "setup_locked",
                "too many wrong passwords: ask for a new setup letter",
            ));
        }
        if used != 0 || expires_at <= self.now() {
            return Err(ApiError::new(
                403,
                "setup_expired",
                format!("the {kind} setup code expired or was used"),
            ));
        }
        if let Some(expected) = password_hash {
            let given = body
                .get("password")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if sha256_hex(given.as_bytes()) != expected {
                let failures = failures + 1;
                conn.execute(
                    "UPDATE setups SET failures = ?2 WHERE token = ?1",
                    params![token, failures],
                )?;
                return Err(if failures >= tries {
                    ApiError::new(
                        403,
                        "setup_locked",
                        "too many wrong passwords: ask for a new setup letter",
                    )
                } else {
                    ApiError::new(
                        403,
                        "wrong_password",
                        format!("{} tries left", tries - failures),
                    )
                });
            }
        }
        verify_device_signature(&public_key, &device_message(token), &signature)?;
        let existing: i64 = conn.query_row(
            "SELECT COUNT(*) FROM devices WHERE person_id = ?1 AND status = 'active'",
            [&person_id],
            |r| r.get(0),
        )?;
        if existing > 0 && !replace {
            return Err(ApiError::new(
                409,
                "device_exists",
                "a device is registered; confirm replacing it",
            ));
        }
        conn.execute(
            "UPDATE devices SET status = 'replaced' WHERE person_id = ?1 AND status = 'active'",
            [&person_id],
        )?;
        let device_id = format!("dev-{}", random_token(12)?);
        let label = match body.get("label").and_then(Value::as_str) {
            Some(l) if !l.is_empty() => l.to_owned(),
            _ => format!("{person_id} smartphone"),
        };
        conn.execute(
            "INSERT INTO devices (device_id, person_id, public_key, label, status, created_at)
             VALUES (?1, ?2, ?3, ?4, 'active', ?5)",
            params![device_id, person_id, public_key, label, self.now()],
        )?;
        conn.execute("UPDATE setups SET used = 1 WHERE token = ?1", [token])?;
        Ok(json!({ "device_id": device_id, "person_id": person_id, "label": label }))
    }
}

fn new_ec_key() -> Result<EcSigningKey, Error> {
    // A random 32-byte string is a valid scalar with overwhelming probability; retry
    // the rare zero or out-of-range value.
    for _ in 0..8 {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| Error::Random(e.to_string()))?;
        if let Ok(key) = EcSigningKey::from_slice(&bytes) {
            return Ok(key);
        }
    }
    Err(Error::Random("no valid P-256 scalar in 8 tries".into()))
}

fn ensure_person(conn: &Connection, person_id: &str) -> Result<(), Error> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM persons WHERE person_id = ?1",
        [person_id],
        |r| r.get(0),
    )?;
    if n == 0 {
        return Err(Error::UnknownPerson(person_id.to_owned()));
    }
    Ok(())
}

/// Makes `cert` the person's active binding of `kind`, replacing the previous one (a
/// renewed card).
fn bind_card(
    conn: &Connection,
    person_id: &str,
    kind: &str,
    cert: &[u8],
    now: i64,
) -> Result<(), Error> {
    conn.execute(
        "UPDATE card_bindings SET status = 'replaced'
         WHERE person_id = ?1 AND kind = ?2 AND status = 'active'",
        params![person_id, kind],
    )?;
    conn.execute(
        "INSERT INTO card_bindings (person_id, kind, cert_sha256, certificate, status, created_at)
         VALUES (?1, ?2, ?3, ?4, 'active', ?5)",
        params![person_id, kind, sha256_hex(cert), cert, now],
    )?;
    Ok(())
}

/// The newest binding of this certificate; refuses unbound and no-longer-active ones.
fn active_card_binding(
    conn: &Connection,
    kind: &str,
    cert: &[u8],
) -> Result<(i64, String), ApiError> {
    let row = conn
        .query_row(
            "SELECT id, person_id, status FROM card_bindings WHERE cert_sha256 = ?1 AND kind = ?2
             ORDER BY id DESC LIMIT 1",
            params![sha256_hex(cert), kind],
            |r| <(i64, String, String)>::try_from(r),
        )
        .optional()?;
    match row {
        None => Err(ApiError::new(
            403,
            "unbound_certificate",
            "this card is bound to no second certificate",
        )),
        Some((id, person, status)) if status == "active" => Ok((id, person)),
        Some((_, _, status)) => Err(ApiError::new(
            403,
            "binding_revoked",
            format!("this card's binding is {status}"),
        )),
    }
}
