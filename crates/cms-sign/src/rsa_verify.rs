//! RSASSA-PKCS1-v1_5 verification: `hpki-cert`'s, so every medsign verifier runs on the
//! same backend (pure-Rust `rsa`, or ring's assembly with the `ring` feature).

use cert_signer::DigestAlgorithm;

/// Verifies `signature` over `message` (hashed here with `digest`) with the RSA key in
/// `spki_der`. The error text says why.
pub(crate) fn verify(
    spki_der: &[u8],
    digest: DigestAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    hpki_cert::verify_rsa_pkcs1_message(spki_der, digest, message, signature)
        .map_err(|e| format!("RSA verification failed: {e}"))
}
