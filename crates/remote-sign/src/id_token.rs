//! ID-token validation: ES256 compact JWS against the platform's JWKS, then the claims.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use p256::ecdsa::{Signature, VerifyingKey, signature::Verifier as _};
use serde_json::Value;

use crate::IdTokenError;

/// The platform's ID-token keys by `kid`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Jwks {
    keys: Vec<(String, VerifyingKey)>,
}

impl Jwks {
    /// Parses a JWKS, keeping its P-256 keys.
    pub(crate) fn parse(v: &Value) -> Self {
        let keys = v
            .get("keys")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|k| k.get("kty").and_then(Value::as_str) == Some("EC"))
            .filter(|k| k.get("crv").and_then(Value::as_str) == Some("P-256"))
            .filter_map(|k| {
                let kid = k.get("kid").and_then(Value::as_str)?.to_owned();
                let x = URL_SAFE_NO_PAD.decode(k.get("x")?.as_str()?).ok()?;
                let y = URL_SAFE_NO_PAD.decode(k.get("y")?.as_str()?).ok()?;
                if x.len() != 32 || y.len() != 32 {
                    return None;
                }
                let mut point = Vec::with_capacity(65);
                point.push(0x04);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                Some((kid, VerifyingKey::from_sec1_bytes(&point).ok()?))
            })
            .collect();
        Self { keys }
    }

    pub(crate) fn has(&self, kid: &str) -> bool {
        self.keys.iter().any(|(k, _)| k == kid)
    }

    fn key(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys.iter().find(|(k, _)| k == kid).map(|(_, v)| v)
    }
}

fn part(s: Option<&str>) -> Result<Vec<u8>, IdTokenError> {
    URL_SAFE_NO_PAD
        .decode(s.ok_or(IdTokenError::Malformed)?)
        .map_err(|_| IdTokenError::Malformed)
}

/// The header's `kid`, for deciding whether the cached JWKS is enough.
pub(crate) fn kid(token: &str) -> Result<String, IdTokenError> {
    let header: Value = serde_json::from_slice(&part(token.split('.').next())?)
        .map_err(|_| IdTokenError::Malformed)?;
    header
        .get("kid")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or(IdTokenError::Malformed)
}

/// What the ID token must say.
pub(crate) struct Expected<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) client_id: &'a str,
    pub(crate) nonce: &'a str,
    pub(crate) now: i64,
}

/// Verifies the signature and the claims (OIDC Core §3.1.3.7); returns the claims.
pub(crate) fn validate(
    token: &str,
    jwks: &Jwks,
    expected: &Expected<'_>,
) -> Result<Value, IdTokenError> {
    let mut parts = token.split('.');
    let (h, c, s) = (parts.next(), parts.next(), parts.next());
    if parts.next().is_some() {
        return Err(IdTokenError::Malformed);
    }
    let header: Value = serde_json::from_slice(&part(h)?).map_err(|_| IdTokenError::Malformed)?;
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if alg != "ES256" {
        return Err(IdTokenError::Algorithm(alg.to_owned()));
    }
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let key = jwks
        .key(kid)
        .ok_or_else(|| IdTokenError::UnknownKey(kid.to_owned()))?;
    let sig = Signature::from_slice(&part(s)?).map_err(|_| IdTokenError::Signature)?;
    let signed = format!("{}.{}", h.unwrap_or_default(), c.unwrap_or_default());
    key.verify(signed.as_bytes(), &sig)
        .map_err(|_| IdTokenError::Signature)?;
    let claims: Value = serde_json::from_slice(&part(c)?).map_err(|_| IdTokenError::Malformed)?;
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if iss != expected.issuer {
        return Err(IdTokenError::Issuer(iss.to_owned()));
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == expected.client_id,
        Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(expected.client_id)),
        _ => false,
    };
    if !aud_ok {
        return Err(IdTokenError::Audience);
    }
    if claims.get("nonce").and_then(Value::as_str) != Some(expected.nonce) {
        return Err(IdTokenError::Nonce);
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .unwrap_or(i64::MIN);
    if exp <= expected.now {
        return Err(IdTokenError::Expired);
    }
    Ok(claims)
}
