//! Signature verification with a certificate's public key.

use cert_signer::DigestAlgorithm;
use rsa::{Pkcs1v15Sign, pkcs8::DecodePublicKey};

use crate::Error;

/// `sha1WithRSAEncryption`.
pub const SHA1_WITH_RSA: &str = "1.2.840.113549.1.1.5";
/// `sha256WithRSAEncryption`.
pub const SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";
/// `sha384WithRSAEncryption`.
pub const SHA384_WITH_RSA: &str = "1.2.840.113549.1.1.12";
/// `sha512WithRSAEncryption`.
pub const SHA512_WITH_RSA: &str = "1.2.840.113549.1.1.13";
/// `ecdsa-with-SHA256`.
pub const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";

fn rsa_key(spki_der: &[u8]) -> Result<rsa::PublicKey, Error> {
    rsa::PublicKey::from_public_key_der(spki_der).map_err(|e| Error::PublicKey(e.to_string()))
}

/// Verifies an RSASSA-PKCS1-v1_5 signature over a digest already computed with `alg`.
///
/// `spki_der` is the signer's SubjectPublicKeyInfo (DER), as in its certificate. This
/// is what the XAdES and CMS verifiers call after hashing `SignedInfo` or the signed
/// attributes.
pub fn verify_rsa_pkcs1(
    spki_der: &[u8],
    alg: DigestAlgorithm,
    digest: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    if digest.len() != alg.output_len() {
        return Err(Error::DigestLength {
            expected: alg.output_len(),
            actual: digest.len(),
        });
    }
    let key = rsa_key(spki_der)?;
    let scheme = match alg {
        DigestAlgorithm::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
        DigestAlgorithm::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
        DigestAlgorithm::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
        other => return Err(Error::UnsupportedAlgorithm(other.oid().to_owned())),
    };
    key.verify(scheme, digest, signature)
        .map_err(|_| Error::BadSignature)
}

/// Verifies an RSASSA-PKCS1-v1_5 signature over `message`, hashing it with `alg`.
///
/// With the `ring` feature the public-key operation runs on ring's assembly
/// Montgomery arithmetic (about 20× faster than the pure-Rust `rsa` crate for RSA-2048;
/// keys must be 2048 to 8192 bits); without it, on `rsa`. Both fail closed.
pub fn verify_rsa_pkcs1_message(
    spki_der: &[u8],
    alg: DigestAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    #[cfg(feature = "ring")]
    {
        let ring_alg: &dyn ring::signature::VerificationAlgorithm = match alg {
            DigestAlgorithm::Sha256 => &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            DigestAlgorithm::Sha384 => &ring::signature::RSA_PKCS1_2048_8192_SHA384,
            DigestAlgorithm::Sha512 => &ring::signature::RSA_PKCS1_2048_8192_SHA512,
            other => return Err(Error::UnsupportedAlgorithm(other.oid().to_owned())),
        };
        ring_verify(spki_der, ring_alg, message, signature)
    }
    #[cfg(not(feature = "ring"))]
    {
        verify_rsa_pkcs1(spki_der, alg, &alg.hash(message), signature)
    }
}

/// The PKCS#1 RSAPublicKey inside an rsaEncryption SubjectPublicKeyInfo.
#[cfg(feature = "ring")]
fn rsa_public_key(spki_der: &[u8]) -> Result<&[u8], Error> {
    use der::Decode as _;
    const RSA_ENCRYPTION: der::asn1::ObjectIdentifier =
        der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der)
        .map_err(|e| Error::PublicKey(e.to_string()))?;
    if spki.algorithm.oid != RSA_ENCRYPTION {
        return Err(Error::PublicKey("not an rsaEncryption key".into()));
    }
    spki.subject_public_key
        .as_bytes()
        .ok_or_else(|| Error::PublicKey("public key BIT STRING has unused bits".into()))
}

#[cfg(feature = "ring")]
fn ring_verify(
    spki_der: &[u8],
    alg: &'static dyn ring::signature::VerificationAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let key = rsa_public_key(spki_der)?;
    ring::signature::UnparsedPublicKey::new(alg, key)
        .verify(message, signature)
        .map_err(|_| Error::BadSignature)
}

/// Verifies a signature over `data` with the algorithm named by its dotted OID (the
/// `signatureAlgorithm` of a certificate or CRL): RSA PKCS#1 v1.5 with SHA-1, SHA-256,
/// SHA-384 or SHA-512, and ECDSA P-256 with SHA-256 (DER `Ecdsa-Sig-Value`).
pub fn verify_signed_data(
    spki_der: &[u8],
    signature_algorithm_oid: &str,
    data: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    use sha2::Digest as _;
    let rsa = |scheme: Pkcs1v15Sign, digest: &[u8]| {
        rsa_key(spki_der)?
            .verify(scheme, digest, signature)
            .map_err(|_| Error::BadSignature)
    };
    #[cfg(feature = "ring")]
    {
        let ring_alg: Option<&'static dyn ring::signature::VerificationAlgorithm> =
            match signature_algorithm_oid {
                SHA1_WITH_RSA => {
                    Some(&ring::signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY)
                }
                SHA256_WITH_RSA => Some(&ring::signature::RSA_PKCS1_2048_8192_SHA256),
                SHA384_WITH_RSA => Some(&ring::signature::RSA_PKCS1_2048_8192_SHA384),
                SHA512_WITH_RSA => Some(&ring::signature::RSA_PKCS1_2048_8192_SHA512),
                _ => None,
            };
        if let Some(alg) = ring_alg {
            return ring_verify(spki_der, alg, data, signature);
        }
    }
    match signature_algorithm_oid {
        SHA1_WITH_RSA => rsa(Pkcs1v15Sign::new::<sha1::Sha1>(), &sha1::Sha1::digest(data)),
        SHA256_WITH_RSA => rsa(
            Pkcs1v15Sign::new::<sha2::Sha256>(),
            &sha2::Sha256::digest(data),
        ),
        SHA384_WITH_RSA => rsa(
            Pkcs1v15Sign::new::<sha2::Sha384>(),
            &sha2::Sha384::digest(data),
        ),
        SHA512_WITH_RSA => rsa(
            Pkcs1v15Sign::new::<sha2::Sha512>(),
            &sha2::Sha512::digest(data),
        ),
        ECDSA_WITH_SHA256 => {
            use signature::Verifier as _;
            let key = p256::ecdsa::VerifyingKey::from_public_key_der(spki_der)
                .map_err(|e| Error::PublicKey(e.to_string()))?;
            let sig =
                p256::ecdsa::Signature::from_der(signature).map_err(|_| Error::BadSignature)?;
            key.verify(data, &sig).map_err(|_| Error::BadSignature)
        }
        other => Err(Error::UnsupportedAlgorithm(other.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cert_signer::CertSigner as _;
    use rsa::pkcs8::EncodePublicKey as _;

    fn spki() -> Vec<u8> {
        cert_signer::test_key()
            .to_public_key()
            .to_public_key_der()
            .unwrap()
            .as_bytes()
            .to_vec()
    }

    #[test]
    fn rsa_digest_signature_verifies_and_a_flipped_bit_does_not() {
        let mut signer = cert_signer::SoftwareSigner::new(cert_signer::test_key(), vec![]);
        let digest = DigestAlgorithm::Sha256.hash(b"prescription");
        let mut sig = signer
            .sign_digest(DigestAlgorithm::Sha256, &digest)
            .unwrap();
        verify_rsa_pkcs1(&spki(), DigestAlgorithm::Sha256, &digest, &sig).unwrap();
        verify_signed_data(&spki(), SHA256_WITH_RSA, b"prescription", &sig).unwrap();
        sig[10] ^= 1;
        assert!(matches!(
            verify_rsa_pkcs1(&spki(), DigestAlgorithm::Sha256, &digest, &sig),
            Err(Error::BadSignature)
        ));
    }

    #[test]
    fn wrong_digest_length_and_unknown_algorithm_are_named() {
        assert!(matches!(
            verify_rsa_pkcs1(&spki(), DigestAlgorithm::Sha256, &[0; 20], &[0; 256]),
            Err(Error::DigestLength {
                expected: 32,
                actual: 20
            })
        ));
        assert!(matches!(
            verify_signed_data(&spki(), "1.2.3", b"x", &[0; 256]),
            Err(Error::UnsupportedAlgorithm(_))
        ));
        assert!(matches!(
            verify_signed_data(&[0x30, 0x00], SHA256_WITH_RSA, b"x", &[0; 256]),
            Err(Error::PublicKey(_))
        ));
    }

    #[test]
    fn ecdsa_p256_verifies_against_an_independent_signer() {
        use p256::ecdsa::{SigningKey, signature::Signer as _};
        let sk = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let sig: p256::ecdsa::Signature = sk.sign(b"data");
        let der = sig.to_der();
        let spki = sk.verifying_key().to_public_key_der().unwrap();
        verify_signed_data(spki.as_bytes(), ECDSA_WITH_SHA256, b"data", der.as_bytes()).unwrap();
        assert!(matches!(
            verify_signed_data(spki.as_bytes(), ECDSA_WITH_SHA256, b"datA", der.as_bytes()),
            Err(Error::BadSignature)
        ));
    }
}
