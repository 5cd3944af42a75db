//! Compact JWS (ES256) for ID tokens, the JWKS that publishes the key, and PKCE S256.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use p256::ecdsa::{Signature, SigningKey, signature::Signer as _};
use sha2::{Digest as _, Sha256};

/// The key id published in the JWKS and the ID token header.
pub(crate) fn key_id(key: &SigningKey) -> String {
    let point = key.verifying_key().to_sec1_point(false);
    let h = Sha256::digest(point.as_bytes());
    URL_SAFE_NO_PAD.encode(h.get(..8).unwrap_or_default())
}

/// Signs `claims` as a compact JWS with ES256.
pub(crate) fn sign(key: &SigningKey, claims: &serde_json::Value) -> String {
    let header = serde_json::json!({ "alg": "ES256", "typ": "JWT", "kid": key_id(key) });
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let sig: Signature = key.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
}

/// The JWKS (RFC 7517) with the platform's ID-token key.
pub(crate) fn jwks(key: &SigningKey) -> serde_json::Value {
    let point = key.verifying_key().to_sec1_point(false);
    let bytes = point.as_bytes();
    let x = bytes.get(1..33).unwrap_or_default();
    let y = bytes.get(33..65).unwrap_or_default();
    serde_json::json!({ "keys": [{
        "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": key_id(key),
        "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y),
    }]})
}

/// RFC 7636 §4.6: `BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge`.
pub(crate) fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    // §4.1: 43..128 characters of the unreserved set.
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    well_formed && subtle_eq(computed.as_bytes(), challenge.as_bytes())
}

fn subtle_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
