//! Login: OIDC authorization code + PKCE S256, the authenticator signing the challenge.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::{
    Engine as _,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use cert_signer::{CertSigner, DigestAlgorithm};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use crate::{
    Error, IdTokenError, Method, RegisteredDevice, RemoteClient,
    client::str_of,
    id_token::{self, Expected, Jwks},
};

/// How the user authenticates to the platform (about once a day).
///
/// The card variants take any [`CertSigner`] over the card's **authentication** key
/// (not its signing key): `hpki_card`'s and `jpki_card`'s signers, or a
/// [`SoftwareSigner`](cert_signer::SoftwareSigner) in tests. A `&mut` signer works too.
pub enum Authenticator<'a> {
    /// The HPKI card's authentication key (OIDC client `HPKI`).
    HpkiCard(Box<dyn CertSigner + 'a>),
    /// The My Number Card's user-authentication key (OIDC client `JPKI`); the card must
    /// be bound to the second certificate.
    MyNumberCard(Box<dyn CertSigner + 'a>),
    /// A registered smartphone's device key (OIDC client `FIDO`).
    Device(RegisteredDevice),
}

impl core::fmt::Debug for Authenticator<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::HpkiCard(_) => f.write_str("Authenticator::HpkiCard"),
            Self::MyNumberCard(_) => f.write_str("Authenticator::MyNumberCard"),
            Self::Device(d) => f
                .debug_tuple("Authenticator::Device")
                .field(&d.device_id)
                .finish(),
        }
    }
}

impl Authenticator<'_> {
    /// The OIDC `client_id` this authenticator logs in with.
    pub fn client_id(&self) -> &'static str {
        match self {
            Self::HpkiCard(_) => "HPKI",
            Self::MyNumberCard(_) => "JPKI",
            Self::Device(_) => "FIDO",
        }
    }
}

/// A logged-in session: the access token and when it ends.
///
/// Only [`RemoteClient::login`] makes one. The token zeroizes on drop and never shows in
/// `Debug`.
pub struct Session {
    access_token: Zeroizing<String>,
    expires_at: Instant,
    lifetime: Duration,
    person_id: String,
    client_id: String,
    claims: Value,
}

impl core::fmt::Debug for Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session")
            .field("person_id", &self.person_id)
            .field("client_id", &self.client_id)
            .field("lifetime", &self.lifetime)
            .field("access_token", &"<redacted>")
            .finish()
    }
}

impl Session {
    /// The person logged in (the ID token's `sub`).
    pub fn person_id(&self) -> &str {
        &self.person_id
    }

    /// The OIDC client used (`HPKI`, `JPKI` or `FIDO`).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The session's lifetime as the platform gave it (`expires_in`, 18 h by default).
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Whether the session will still be valid `margin` from now (by the local clock).
    pub fn is_fresh(&self, margin: Duration) -> bool {
        Instant::now()
            .checked_add(margin)
            .is_some_and(|t| t < self.expires_at)
    }

    /// The validated ID-token claims.
    pub fn id_token_claims(&self) -> &Value {
        &self.claims
    }

    pub(crate) fn access_token(&self) -> &str {
        &self.access_token
    }
}

pub(crate) fn random_b64url(bytes: usize) -> Result<String, Error> {
    let mut buf = Zeroizing::new(vec![0u8; bytes]);
    getrandom::fill(buf.as_mut_slice()).map_err(|e| Error::Random(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(buf.as_slice()))
}

/// Signs `message` with a card's authentication key: RSA PKCS#1 v1.5 over SHA-256.
pub(crate) fn card_sign(signer: &mut dyn CertSigner, message: &str) -> Result<Vec<u8>, Error> {
    let digest = Sha256::digest(message.as_bytes());
    Ok(signer.sign_digest(DigestAlgorithm::Sha256, &digest)?)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl RemoteClient {
    /// Logs in: an OIDC authorization request with PKCE S256 (state and nonce random),
    /// the authenticator signs the platform's challenge, the code is exchanged for a
    /// session and the ID token is validated (ES256 signature, `iss`, `aud`, `nonce`,
    /// `exp`). Three round trips, four the first time (the JWKS).
    pub fn login(&mut self, authenticator: &mut Authenticator<'_>) -> Result<Session, Error> {
        let client_id = authenticator.client_id();
        let verifier = Zeroizing::new(random_b64url(32)?);
        let code_challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let state = random_b64url(16)?;
        let nonce = random_b64url(16)?;
        let redirect_uri = self.redirect_uri.clone();
        let started = self.post(
            "/oidc/auth/challenge",
            None,
            &json!({
                "response_type": "code", "scope": "openid", "client_id": client_id,
                "redirect_uri": redirect_uri, "state": state, "nonce": nonce,
                "code_challenge": code_challenge, "code_challenge_method": "S256",
            }),
        )?;
        let auth_req_id = str_of(&started, "auth_req_id")?.to_owned();
        let challenge = str_of(&started, "challenge")?;
        let message = format!("hpki-kagura-sim login\n{auth_req_id}\n{challenge}");
        self.logins += 1;
        let proof = match authenticator {
            Authenticator::HpkiCard(card) | Authenticator::MyNumberCard(card) => json!({
                "auth_req_id": auth_req_id,
                "certificate": STANDARD.encode(card.certificate_der()),
                "signature": STANDARD.encode(card_sign(card.as_mut(), &message)?),
            }),
            Authenticator::Device(device) => json!({
                "auth_req_id": auth_req_id,
                "device_id": device.device_id,
                "signature": STANDARD.encode(device.key.sign(message.as_bytes())),
            }),
        };
        let redirect = self.post("/oidc/auth/complete", None, &proof)?;
        if str_of(&redirect, "state")? != state {
            return Err(Error::StateMismatch);
        }
        let code = str_of(&redirect, "code")?.to_owned();
        let tokens = self.post(
            "/oidc/token",
            None,
            &json!({
                "grant_type": "authorization_code", "code": code, "code_verifier": verifier.as_str(),
                "client_id": client_id, "redirect_uri": redirect_uri,
            }),
        )?;
        if !str_of(&tokens, "token_type")?.eq_ignore_ascii_case("bearer") {
            return Err(Error::Protocol("token_type is not Bearer".into()));
        }
        let id_token = str_of(&tokens, "id_token")?;
        let kid = id_token::kid(id_token)?;
        if !self.jwks.as_ref().is_some_and(|j| j.has(&kid)) {
            let jwks = self.call(Method::Get, "/oidc/jwks", None, None)?;
            self.jwks = Some(Jwks::parse(&jwks));
        }
        let jwks = self.jwks.clone().unwrap_or_default();
        let claims = id_token::validate(
            id_token,
            &jwks,
            &Expected {
                issuer: &self.issuer,
                client_id,
                nonce: &nonce,
                now: unix_now(),
            },
        )?;
        let person_id = claims
            .get("sub")
            .and_then(Value::as_str)
            .ok_or(IdTokenError::Malformed)?
            .to_owned();
        let lifetime = Duration::from_secs(
            tokens
                .get("expires_in")
                .and_then(Value::as_u64)
                .ok_or_else(|| Error::Protocol("missing `expires_in`".into()))?,
        );
        Ok(Session {
            access_token: Zeroizing::new(str_of(&tokens, "access_token")?.to_owned()),
            expires_at: Instant::now()
                .checked_add(lifetime)
                .unwrap_or_else(Instant::now),
            lifetime,
            person_id,
            client_id: client_id.to_owned(),
            claims,
        })
    }
}
