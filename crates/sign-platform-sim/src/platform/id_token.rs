//! The ID-token key: ES256 with `jsonwebtoken`, published as a JWK Set (RFC 7517) with
//! its RFC 7638 thumbprint as `kid`; kept in the database across restarts.

use jsonwebtoken::{
    Algorithm, EncodingKey, Header,
    jwk::{Jwk, JwkSet, PublicKeyUse, ThumbprintHash},
};
use p256::{ecdsa::SigningKey, pkcs8::EncodePrivateKey as _};
use remote_sign::wire::IdTokenClaims;
use rusqlite::Connection;

use crate::{ApiError, Error, store};

/// The platform's ID-token signing key and the JWKS that publishes it.
pub(crate) struct IdTokenKey {
    key: EncodingKey,
    kid: String,
    jwks: JwkSet,
}

/// A fresh P-256 key from the operating system's generator.
fn new_key() -> Result<SigningKey, Error> {
    // A random 32-byte string is a valid scalar with overwhelming probability; retry
    // the rare zero or out-of-range value.
    for _ in 0..8 {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| Error::Random(e.to_string()))?;
        if let Ok(key) = SigningKey::from_slice(&bytes) {
            return Ok(key);
        }
    }
    Err(Error::Random("no valid P-256 scalar in 8 tries".into()))
}

impl IdTokenKey {
    /// The key stored in `conn`, or a new one stored there.
    pub(crate) fn load_or_create(conn: &Connection) -> Result<Self, Error> {
        let key = match store::meta(conn, "id_token_key")? {
            Some(bytes) => SigningKey::from_slice(&bytes)
                .map_err(|e| Error::Pki(format!("stored ID-token key: {e}")))?,
            None => {
                let key = new_key()?;
                store::set_meta(conn, "id_token_key", &key.to_bytes())?;
                key
            }
        };
        let pkcs8 = key
            .to_pkcs8_der()
            .map_err(|e| Error::Pki(format!("ID-token key: {e}")))?;
        let key = EncodingKey::from_ec_der(pkcs8.as_bytes());
        let jwk_err = |e: jsonwebtoken::errors::Error| Error::Pki(format!("ID-token JWK: {e}"));
        let mut jwk = Jwk::from_encoding_key(&key, Algorithm::ES256).map_err(jwk_err)?;
        let kid = jwk.thumbprint(ThumbprintHash::SHA256).map_err(jwk_err)?;
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        Ok(Self {
            key,
            kid,
            jwks: JwkSet { keys: vec![jwk] },
        })
    }

    /// The JWK Set served at `/oidc/jwks`.
    pub(crate) fn jwks(&self) -> &JwkSet {
        &self.jwks
    }

    /// `claims` as a compact JWS: header `{"typ":"JWT","alg":"ES256","kid":…}`.
    pub(crate) fn sign(&self, claims: &IdTokenClaims) -> Result<String, ApiError> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).map_err(ApiError::internal)
    }
}
