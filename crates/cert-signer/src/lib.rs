#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod digest_alg;
mod software;

pub use crate::{
    digest_alg::DigestAlgorithm,
    software::{SoftwareSigner, test_key},
};

/// Why a signer could not produce a signature.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The digest does not have the length of the named algorithm's output.
    #[error("digest is {actual} bytes, {algorithm:?} needs {expected}")]
    DigestLength {
        /// The algorithm the caller named.
        algorithm: DigestAlgorithm,
        /// Its output length.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// The signer needs its PIN (or another authentication) before it signs.
    #[error("the signer needs authentication first (verify the PIN or log in)")]
    NotAuthenticated,
    /// The signer does not support this digest algorithm.
    #[error("the signer does not support {0:?}")]
    UnsupportedAlgorithm(DigestAlgorithm),
    /// The device or service behind the signer failed; the source says how.
    #[error("signing device failed: {0}")]
    Device(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

/// A private key that signs digests, together with its certificate.
///
/// Implemented by `jpki_card::JpkiSigner`, `hpki_card::HpkiSigner`,
/// `remote_sign::RemoteSigner` and [`SoftwareSigner`].
pub trait CertSigner {
    /// The signer's end-entity certificate (DER).
    fn certificate_der(&self) -> &[u8];

    /// Intermediate CA certificates (DER) to embed with the signature, nearest first.
    /// Empty when the signer does not know them.
    fn chain_der(&self) -> Vec<Vec<u8>> {
        Vec::new()
    }

    /// Signs one digest with RSASSA-PKCS1-v1_5: the signer wraps it in a DigestInfo
    /// for `algorithm` and returns the raw signature (the key's modulus length).
    fn sign_digest(
        &mut self,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<Vec<u8>, SignError>;

    /// Signs several digests. Remote signers override this to sign all of them in one
    /// round trip; cards sign one after another.
    fn sign_digests(
        &mut self,
        algorithm: DigestAlgorithm,
        digests: &[&[u8]],
    ) -> Result<Vec<Vec<u8>>, SignError> {
        digests
            .iter()
            .map(|d| self.sign_digest(algorithm, d))
            .collect()
    }
}

impl<T: CertSigner + ?Sized> CertSigner for &mut T {
    fn certificate_der(&self) -> &[u8] {
        (**self).certificate_der()
    }
    fn chain_der(&self) -> Vec<Vec<u8>> {
        (**self).chain_der()
    }
    fn sign_digest(
        &mut self,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<Vec<u8>, SignError> {
        (**self).sign_digest(algorithm, digest)
    }
    fn sign_digests(
        &mut self,
        algorithm: DigestAlgorithm,
        digests: &[&[u8]],
    ) -> Result<Vec<Vec<u8>>, SignError> {
        (**self).sign_digests(algorithm, digests)
    }
}

impl<T: CertSigner + ?Sized> CertSigner for Box<T> {
    fn certificate_der(&self) -> &[u8] {
        (**self).certificate_der()
    }
    fn chain_der(&self) -> Vec<Vec<u8>> {
        (**self).chain_der()
    }
    fn sign_digest(
        &mut self,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<Vec<u8>, SignError> {
        (**self).sign_digest(algorithm, digest)
    }
    fn sign_digests(
        &mut self,
        algorithm: DigestAlgorithm,
        digests: &[&[u8]],
    ) -> Result<Vec<Vec<u8>>, SignError> {
        (**self).sign_digests(algorithm, digests)
    }
}
