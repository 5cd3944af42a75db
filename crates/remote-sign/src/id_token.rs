//! ID-token validation with `jsonwebtoken`: ES256 only, the key taken from the
//! platform's JWKS by `kid`, then the claims (OpenID Connect Core §3.1.3.7).

use jsonwebtoken::{
    Algorithm, DecodingKey, Validation,
    errors::ErrorKind,
    jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm},
};

use crate::{
    IdTokenError,
    wire::{ClientId, IdTokenClaims},
};

/// The header's `kid`, for deciding whether the cached JWKS is enough.
pub(crate) fn kid(token: &str) -> Result<String, IdTokenError> {
    jsonwebtoken::decode_header(token)
        .map_err(|_| IdTokenError::Malformed)?
        .kid
        .ok_or(IdTokenError::Malformed)
}

/// What the ID token must say.
pub(crate) struct Expected<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) client_id: ClientId,
    pub(crate) nonce: &'a str,
}

/// The JWKS key `kid`, if it is a P-256 key usable with ES256.
fn es256_key(jwks: &JwkSet, kid: &str) -> Result<DecodingKey, IdTokenError> {
    let jwk: &Jwk = jwks
        .find(kid)
        .ok_or_else(|| IdTokenError::UnknownKey(kid.to_owned()))?;
    let p256 = matches!(&jwk.algorithm,
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256);
    let es256 = jwk
        .common
        .key_algorithm
        .is_none_or(|a| a == KeyAlgorithm::ES256);
    if !(p256 && es256) {
        return Err(IdTokenError::UnusableKey(kid.to_owned()));
    }
    DecodingKey::from_jwk(jwk).map_err(|_| IdTokenError::UnusableKey(kid.to_owned()))
}

/// Verifies the signature (ES256 with the JWKS key named by `kid`), `exp` (no leeway)
/// and `aud`, then `iss` and `nonce`; returns the claims.
pub(crate) fn validate(
    token: &str,
    jwks: &JwkSet,
    expected: &Expected<'_>,
) -> Result<IdTokenClaims, IdTokenError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| IdTokenError::Malformed)?;
    if header.alg != Algorithm::ES256 {
        return Err(IdTokenError::Algorithm(format!("{:?}", header.alg)));
    }
    let kid = header.kid.ok_or(IdTokenError::Malformed)?;
    let key = es256_key(jwks, &kid)?;
    let mut validation = Validation::new(Algorithm::ES256);
    validation.leeway = 0;
    validation.set_audience(&[expected.client_id.as_str()]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let claims = jsonwebtoken::decode::<IdTokenClaims>(token, &key, &validation)
        .map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature => IdTokenError::Signature,
            ErrorKind::ExpiredSignature => IdTokenError::Expired,
            ErrorKind::InvalidAudience => IdTokenError::Audience,
            ErrorKind::InvalidAlgorithm => IdTokenError::Algorithm(format!("{:?}", header.alg)),
            ErrorKind::InvalidEcdsaKey | ErrorKind::InvalidKeyFormat => {
                IdTokenError::UnusableKey(kid.clone())
            }
            _ => IdTokenError::Malformed,
        })?
        .claims;
    // Checked here rather than by `Validation::set_issuer` so the error can name the
    // issuer the token claims.
    if claims.iss != expected.issuer {
        return Err(IdTokenError::Issuer(claims.iss));
    }
    if claims.nonce != expected.nonce {
        return Err(IdTokenError::Nonce);
    }
    Ok(claims)
}
