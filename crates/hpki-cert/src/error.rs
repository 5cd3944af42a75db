//! The crate's error type.

/// Why a certificate, key, signature or trust-store operation failed.
///
/// Path validation does not fail with an `Error`: it returns a
/// [`PathReport`](crate::PathReport) that names every check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is not the DER structure expected (certificate, CRL, public key,
    /// extension value). Check that the bytes are DER, not PEM or base64.
    #[error("malformed {what}: {source}")]
    Der {
        /// What was being decoded ("certificate", "hcRole", "CRL", ...).
        what: &'static str,
        /// The decoder's error.
        #[source]
        source: der::Error,
    },
    /// A PEM text holds no `CERTIFICATE` block, or one that is not base64.
    #[error("PEM: {0}")]
    Pem(String),
    /// A base64 text (XML `base64Binary`) does not decode: a character outside the
    /// standard alphabet (other than XML whitespace), or wrong padding.
    #[error("bad base64: {0}")]
    Base64(String),
    /// Reading a trust-store directory or file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: std::path::PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The signature algorithm (dotted OID) is not one this crate verifies:
    /// RSA PKCS#1 v1.5 with SHA-1/256/384/512 and ECDSA P-256 with SHA-256.
    #[error("unsupported signature algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// The public key is not an RSA or P-256 key this crate can use, or is malformed.
    #[error("unusable public key: {0}")]
    PublicKey(String),
    /// The digest length does not match the named digest algorithm.
    #[error("digest is {actual} bytes, expected {expected}")]
    DigestLength {
        /// The algorithm's output length.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// The signature does not verify with the given key and data.
    #[error("signature does not verify")]
    BadSignature,
    /// The hcRole extension value is well-formed DER but not an ISO/TS 17090 hcRole
    /// (no `1.0.17090.0.1` attribute, or an attribute value of the wrong shape).
    #[error("not an hcRole: {0}")]
    HcRole(String),
    /// A test-PKI operation failed (a bundled key does not load, a name is unknown).
    #[error("test PKI: {0}")]
    TestPki(String),
}

impl Error {
    pub(crate) fn der(what: &'static str) -> impl FnOnce(der::Error) -> Self {
        move |source| Self::Der { what, source }
    }
}
