//! Login: OIDC authorization code + PKCE S256, the authenticator signing the challenge.

use std::time::{Duration, Instant};

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use cert_signer::{CertSigner, DigestAlgorithm};
use jsonwebtoken::jwk::JwkSet;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use crate::{
    Error, RegisteredDevice, RemoteClient,
    id_token::{self, Expected},
    wire::{self, ClientId, Endpoint, Secret},
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
    pub fn client_id(&self) -> ClientId {
        match self {
            Self::HpkiCard(_) => ClientId::Hpki,
            Self::MyNumberCard(_) => ClientId::Jpki,
            Self::Device(_) => ClientId::Fido,
        }
    }
}

/// A logged-in session: the access token and when it ends.
///
/// Only [`RemoteClient::login`] makes one. The token zeroizes on drop and never shows in
/// `Debug`.
pub struct Session {
    access_token: Secret,
    expires_at: Instant,
    lifetime: Duration,
    claims: wire::IdTokenClaims,
    client_id: ClientId,
}

impl core::fmt::Debug for Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session")
            .field("person_id", &self.claims.sub)
            .field("client_id", &self.client_id)
            .field("lifetime", &self.lifetime)
            .field("access_token", &"<redacted>")
            .finish()
    }
}

impl Session {
    /// The person logged in (the ID token's `sub`).
    pub fn person_id(&self) -> &str {
        &self.claims.sub
    }

    /// The OIDC client used (`HPKI`, `JPKI` or `FIDO`).
    pub fn client_id(&self) -> ClientId {
        self.client_id
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
    pub fn id_token_claims(&self) -> &wire::IdTokenClaims {
        &self.claims
    }

    pub(crate) fn access_token(&self) -> &str {
        self.access_token.expose()
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

impl RemoteClient {
    /// Logs in: an OIDC authorization request with PKCE S256 (state and nonce random),
    /// the authenticator signs the platform's challenge, the code is exchanged for a
    /// session and the ID token is validated (ES256 with the JWKS key its `kid` names,
    /// `iss`, `aud`, `nonce`, `exp`). Three round trips, four the first time (the JWKS).
    pub fn login(&mut self, authenticator: &mut Authenticator<'_>) -> Result<Session, Error> {
        let client_id = authenticator.client_id();
        let verifier = Secret::new(random_b64url(32)?);
        let state = random_b64url(16)?;
        let nonce = random_b64url(16)?;
        let redirect_uri = self.redirect_uri.clone();
        let started: wire::LoginChallenge = self.post(
            Endpoint::AuthChallenge,
            None,
            &wire::AuthorizationRequest {
                response_type: "code".into(),
                scope: "openid".into(),
                client_id,
                redirect_uri: redirect_uri.clone(),
                state: state.clone(),
                nonce: nonce.clone(),
                code_challenge: wire::pkce_challenge(verifier.expose()),
                code_challenge_method: "S256".into(),
            },
        )?;
        let message = wire::login_message(&started.auth_req_id, &started.challenge);
        self.logins += 1;
        let proof = match authenticator {
            Authenticator::HpkiCard(card) | Authenticator::MyNumberCard(card) => wire::LoginProof {
                auth_req_id: started.auth_req_id,
                signature: card_sign(card.as_mut(), &message)?,
                certificate: Some(card.certificate_der().to_vec()),
                device_id: None,
            },
            Authenticator::Device(device) => wire::LoginProof {
                auth_req_id: started.auth_req_id,
                signature: device.key.sign(message.as_bytes()),
                certificate: None,
                device_id: Some(device.device_id.clone()),
            },
        };
        let redirect: wire::AuthorizationResponse =
            self.post(Endpoint::AuthComplete, None, &proof)?;
        if redirect.state != state {
            return Err(Error::StateMismatch);
        }
        let tokens: wire::TokenResponse = self.post(
            Endpoint::Token,
            None,
            &wire::TokenRequest {
                grant_type: "authorization_code".into(),
                code: redirect.code,
                code_verifier: verifier,
                client_id,
                redirect_uri,
            },
        )?;
        if !tokens.token_type.eq_ignore_ascii_case("bearer") {
            return Err(Error::Protocol("token_type is not Bearer".into()));
        }
        let kid = id_token::kid(&tokens.id_token)?;
        let jwks = match self.jwks.take() {
            Some(jwks) if jwks.find(&kid).is_some() => jwks,
            _ => self.get::<JwkSet>(Endpoint::Jwks, None)?,
        };
        let claims = id_token::validate(
            &tokens.id_token,
            &jwks,
            &Expected {
                issuer: &self.issuer,
                client_id,
                nonce: &nonce,
            },
        );
        self.jwks = Some(jwks);
        let lifetime = Duration::from_secs(tokens.expires_in);
        Ok(Session {
            access_token: tokens.access_token,
            expires_at: Instant::now()
                .checked_add(lifetime)
                .unwrap_or_else(Instant::now),
            lifetime,
            claims: claims?,
            client_id,
        })
    }
}
