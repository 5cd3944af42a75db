//! RSASSA-PKCS1-v1_5 verification, with a pure-Rust backend (`rsa`) and, behind the
//! `ring` feature, ring's constant-time-free (public key) fast path.
//!
//! Verification only touches public data, so the backend only decides speed: the
//! `rsa` crate's big-integer arithmetic is generic and several times slower than
//! ring's assembly Montgomery multiplication for a 2048-bit public exponentiation.

use cert_signer::DigestAlgorithm;

/// Verifies `signature` over `message` (hashed here with `digest`) with the RSA key in
/// `spki_der`. The error text says why.
pub(crate) fn verify(
    spki_der: &[u8],
    digest: DigestAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    backend::verify(spki_der, digest, message, signature)
}

#[cfg(not(feature = "ring"))]
mod backend {
    use cert_signer::DigestAlgorithm;
    use rsa::{Pkcs1v15Sign, pkcs8::DecodePublicKey as _};

    pub(super) fn verify(
        spki_der: &[u8],
        digest: DigestAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), String> {
        let key = rsa::PublicKey::from_public_key_der(spki_der)
            .map_err(|e| format!("not an RSA public key: {e}"))?;
        let hashed = digest.hash(message);
        let scheme = match digest {
            DigestAlgorithm::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
            DigestAlgorithm::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
            _ => Pkcs1v15Sign::new::<sha2::Sha256>(),
        };
        key.verify(scheme, &hashed, signature)
            .map_err(|e| format!("RSA verification failed: {e}"))
    }
}

#[cfg(feature = "ring")]
mod backend {
    use cert_signer::DigestAlgorithm;
    use ring::signature;

    use crate::tlv::{Tlv, tag};

    pub(super) fn verify(
        spki_der: &[u8],
        digest: DigestAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), String> {
        let pkcs1 = rsa_public_key(spki_der).ok_or("not an RSA SubjectPublicKeyInfo")?;
        let alg = match digest {
            DigestAlgorithm::Sha384 => &signature::RSA_PKCS1_2048_8192_SHA384,
            DigestAlgorithm::Sha512 => &signature::RSA_PKCS1_2048_8192_SHA512,
            _ => &signature::RSA_PKCS1_2048_8192_SHA256,
        };
        signature::UnparsedPublicKey::new(alg, pkcs1)
            .verify(message, signature)
            .map_err(|_| {
                "RSA verification failed (ring: bad signature or key under 2048 bits)".to_string()
            })
    }

    /// The RSAPublicKey (PKCS#1) inside an rsaEncryption SubjectPublicKeyInfo.
    fn rsa_public_key(spki: &[u8]) -> Option<&[u8]> {
        const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
        let mut r = Tlv::parse_one(spki, "spki")
            .ok()?
            .expect(tag::SEQUENCE, "spki")
            .ok()?;
        let mut alg = r.sequence("spki algorithm").ok()?;
        if alg.next(tag::OID, "spki algorithm").ok()?.value != RSA {
            return None;
        }
        let bits = r.next(0x03, "spki key").ok()?.value;
        match bits.split_first() {
            Some((0, key)) => Some(key),
            _ => None,
        }
    }
}
