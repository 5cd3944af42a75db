//! A software RSA key as a signer, for tests, examples and benches.

use rsa::{Pkcs1v15Sign, PrivateKey, pkcs8::DecodePrivateKey};

use crate::{CertSigner, DigestAlgorithm, SignError};

/// An RSA private key held in memory, with its certificate.
///
/// For tests, examples and the simulators. A production signer keeps its key in a card
/// or in the remote signing service; this one exists so the signing crates can be
/// tested without either.
pub struct SoftwareSigner {
    key: PrivateKey,
    certificate: Vec<u8>,
    chain: Vec<Vec<u8>>,
}

impl core::fmt::Debug for SoftwareSigner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SoftwareSigner")
            .field("key", &"<redacted>")
            .field("certificate_len", &self.certificate.len())
            .field("chain_len", &self.chain.len())
            .finish()
    }
}

impl SoftwareSigner {
    /// A signer for `key` whose certificate is `certificate_der`.
    pub fn new(key: PrivateKey, certificate_der: Vec<u8>) -> Self {
        Self {
            key,
            certificate: certificate_der,
            chain: Vec::new(),
        }
    }

    /// A signer from a PKCS#8 PEM private key.
    pub fn from_pkcs8_pem(pem: &str, certificate_der: Vec<u8>) -> Result<Self, SignError> {
        let key = PrivateKey::from_pkcs8_pem(pem).map_err(|e| SignError::Device(Box::new(e)))?;
        Ok(Self::new(key, certificate_der))
    }

    /// Adds intermediate certificates (DER, nearest first) to embed with signatures.
    pub fn with_chain(mut self, chain: Vec<Vec<u8>>) -> Self {
        self.chain = chain;
        self
    }

    /// The private key.
    pub fn key(&self) -> &PrivateKey {
        &self.key
    }
}

impl CertSigner for SoftwareSigner {
    fn certificate_der(&self) -> &[u8] {
        &self.certificate
    }

    fn chain_der(&self) -> Vec<Vec<u8>> {
        self.chain.clone()
    }

    fn sign_digest(
        &mut self,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<Vec<u8>, SignError> {
        // Validates the length before the key sees it.
        algorithm.digest_info(digest)?;
        let scheme = match algorithm {
            DigestAlgorithm::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
            DigestAlgorithm::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
            DigestAlgorithm::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
        };
        self.key
            .sign(scheme, digest)
            .map_err(|e| SignError::Device(Box::new(e)))
    }
}

/// A fixed RSA-2048 key for doctests and unit tests. Public test material: never use it
/// for anything but tests.
#[doc(hidden)]
pub fn test_key() -> PrivateKey {
    #[allow(clippy::expect_used)] // A constant compiled into the crate, checked by tests.
    PrivateKey::from_pkcs8_pem(include_str!("../testdata/rsa-2048-test-key.pem"))
        .expect("embedded test key parses")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::traits::PublicKeyParts;

    #[test]
    fn software_signature_verifies_with_the_public_key() {
        let key = test_key();
        assert_eq!(key.size(), 256);
        let mut signer = SoftwareSigner::new(key.clone(), vec![]);
        let digest = DigestAlgorithm::Sha256.hash(b"hello");
        let sig = signer
            .sign_digest(DigestAlgorithm::Sha256, &digest)
            .unwrap();
        key.to_public_key()
            .verify(Pkcs1v15Sign::new::<sha2::Sha256>(), &digest, &sig)
            .unwrap();
    }

    #[test]
    fn short_digest_never_reaches_the_key() {
        let mut signer = SoftwareSigner::new(test_key(), vec![]);
        assert!(matches!(
            signer.sign_digest(DigestAlgorithm::Sha256, &[1, 2, 3]),
            Err(SignError::DigestLength { .. })
        ));
    }

    #[test]
    fn debug_never_shows_the_key() {
        let signer = SoftwareSigner::new(test_key(), vec![1]);
        let s = format!("{signer:?}");
        assert!(s.contains("redacted"));
        assert!(!s.contains("PrivateKey"));
    }
}
