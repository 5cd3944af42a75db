#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod digest_alg;
mod held;
mod pin;
mod software;

pub use crate::{
    digest_alg::DigestAlgorithm,
    held::Held,
    pin::{LastTry, PinError, PinStatus},
    software::{SoftwareSigner, test_key},
};

/// Why a signer could not produce a signature.
///
/// Card signers (`jpki_card`, `hpki_card`) report their PIN outcome as
/// [`SignError::Pin`] and a refusing card as [`SignError::Card`], so an application
/// handles both kinds of card with one `match`, without downcasting:
///
/// ```
/// use cert_signer::{PinError, SignError};
///
/// fn tries_left(e: &SignError) -> Option<u8> {
///     match e {
///         SignError::Pin(PinError::Wrong { tries_left }) => Some(*tries_left),
///         _ => None,
///     }
/// }
/// assert_eq!(tries_left(&SignError::Pin(PinError::Wrong { tries_left: 4 })), Some(4));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The digest does not have the length of the named algorithm's output; nothing
    /// reached the key. Hash with the algorithm you name.
    #[error("digest is {actual} bytes, {algorithm:?} needs {expected}")]
    DigestLength {
        /// The algorithm the caller named.
        algorithm: DigestAlgorithm,
        /// Its output length.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// The signer does not support this digest algorithm; use another.
    #[error("the signer does not support {0:?}")]
    UnsupportedAlgorithm(DigestAlgorithm),
    /// The card's PIN stopped the signature (wrong, blocked, last try refused, …); the
    /// [`PinError`] says what to do.
    #[error(transparent)]
    Pin(#[from] PinError),
    /// The card refused a command with this status word (not a PIN answer): a card that
    /// is not what the signer expects, or a broken one.
    #[error("the card refused the signature: {0}")]
    Card(apdu::StatusWord),
    /// The reader, the transport, the remote service or the device behind the signer
    /// failed otherwise; the source says how (and, for a card, what the user can do).
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
