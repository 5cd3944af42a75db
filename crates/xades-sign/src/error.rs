//! The crate's error type.

/// Why a document could not be read, built or signed.
///
/// Verification problems inside a readable document are not errors: they are reported,
/// check by check, in a [`VerificationReport`](crate::VerificationReport).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is larger than [`Limits::max_bytes`](crate::Limits); raise the limit
    /// if such documents are expected.
    #[error("input is {size} bytes, the limit is {limit}")]
    TooLarge {
        /// Input size.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The input is not UTF-8 (the prescription service only uses UTF-8).
    #[error("input is not valid UTF-8 (first bad byte at offset {offset})")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// The input is not well-formed XML, has a DTD, or exceeds the node limit.
    #[error("not well-formed or refused XML: {0}")]
    Xml(String),
    /// Two elements carry the same `id`/`Id`: refused, as a signature-wrapping defence.
    #[error("duplicate id {0:?}")]
    DuplicateId(String),
    /// A value given to the document builder cannot be used (the message says which).
    #[error("invalid input to the document builder: {0}")]
    InvalidInput(String),
    /// The signer's certificate could not be parsed.
    #[error("the signer certificate is not a valid X.509 certificate: {0}")]
    Certificate(String),
    /// The signer failed.
    #[error("signer failed: {0}")]
    Sign(#[from] cert_signer::SignError),
    /// The signer returned a different number of signatures than digests it was given.
    #[error("signer returned {got} signatures for {expected} digests")]
    SignatureCount {
        /// Digests handed over.
        expected: usize,
        /// Signatures returned.
        got: usize,
    },
}
