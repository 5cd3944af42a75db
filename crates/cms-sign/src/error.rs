//! The crate's error type.

use cert_signer::SignError;

/// Why a CMS message could not be built, parsed or time-stamped.
///
/// Verification failures are not errors: [`verify`](crate::verify) returns a
/// [`Report`](crate::Report) naming the failed check, and [`Report::into_result`]
/// turns a report that is not valid into [`Error::Verify`].
///
/// [`Report::into_result`]: crate::Report::into_result
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is not DER of the expected shape (a CMS `ContentInfo`, a certificate,
    /// a time-stamp response); `what` names the element that failed. Check that the
    /// file is DER (not PEM or BER) and is what the caller meant to pass.
    #[error("malformed {what}")]
    Malformed {
        /// The element being read.
        what: &'static str,
    },
    /// The message uses something this crate does not implement (a content type other
    /// than SignedData, a non-RSA signature, a digest other than SHA-2).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A signer index past the end of the message's SignerInfos.
    #[error("no signer #{index} (the message has {count})")]
    NoSuchSigner {
        /// The index asked for.
        index: usize,
        /// How many signers the message has.
        count: usize,
    },
    /// Detached content was expected (the message carries none) but not given, or
    /// given while the message also carries content.
    #[error("{0}")]
    Content(&'static str),
    /// The signer (card, remote service, software key) failed.
    #[error("signer failed: {0}")]
    Sign(#[from] SignError),
    /// The signer returned a signature that does not verify with its certificate:
    /// a card holding a different key than its certificate, or a broken device.
    #[error("the signer's signature does not verify with its certificate")]
    SignatureMismatch,
    /// Getting or checking a time-stamp failed; the inner error says which step.
    #[error("time-stamp: {0}")]
    TimeStamp(#[from] TimeStampError),
    /// The verification report is not VALID ([`Report::into_result`]): its indication
    /// and sub-indication, and the first check that did not pass. Read the full
    /// [`Report`](crate::Report) to see every check.
    ///
    /// [`Report::into_result`]: crate::Report::into_result
    #[error("signature {indication}{}: {reason}", sub_indication.map(|s| format!("/{s}")).unwrap_or_default())]
    Verify {
        /// The report's main indication (INVALID or INDETERMINATE).
        indication: hpki_cert::Indication,
        /// Its sub-indication.
        sub_indication: Option<hpki_cert::SubIndication>,
        /// The first check that did not pass, in words.
        reason: String,
    },
    /// The message is over one of the verifier's [`Limits`](crate::Limits): too big,
    /// too deep, too many signers, certificates, CRLs, attributes or
    /// counter-signatures. The inner value names the limit; raise it with
    /// [`VerifyOptions::limits`](crate::VerifyOptions::limits) only for a message you
    /// expect to be that large.
    #[error("limit: {0}")]
    Limit(#[from] crate::LimitExceeded),
    /// Reading or writing a file or socket failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    pub(crate) const fn malformed(what: &'static str) -> Self {
        Self::Malformed { what }
    }
}

/// Why a signature time-stamp (RFC 3161) could not be obtained or was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TimeStampError {
    /// The TSA URL is not an `http://host[:port]/path` URL (https is not built in;
    /// put a TLS-terminating proxy in front or implement [`TimeStampSource`]).
    ///
    /// [`TimeStampSource`]: crate::TimeStampSource
    #[error("unsupported TSA URL {0:?} (only http:// is built in)")]
    Url(String),
    /// The HTTP exchange failed or the server did not answer 200 with
    /// `application/timestamp-reply`.
    #[error("HTTP: {0}")]
    Http(String),
    /// The TSA answered with a status other than granted (0) or grantedWithMods (1).
    #[error("the TSA refused the request (status {status}{})", text.as_deref().map(|t| format!(": {t}")).unwrap_or_default())]
    Rejected {
        /// PKIStatus.
        status: u64,
        /// PKIFreeText, when present.
        text: Option<String>,
    },
    /// The token's nonce differs from the request's: a replayed or mixed-up answer.
    #[error("the token's nonce does not match the request")]
    NonceMismatch,
    /// The token was issued under another policy than the one requested.
    #[error("the token's policy {got} is not the requested {wanted}")]
    PolicyMismatch {
        /// The requested policy.
        wanted: String,
        /// The token's policy.
        got: String,
    },
    /// The token's message imprint is not the hash of what was sent.
    #[error("the token's message imprint does not match the signature value")]
    ImprintMismatch,
    /// The token itself does not verify (its signature, the TSA certificate's critical
    /// timeStamping EKU, or the TSA path); the text names the failed check.
    #[error("the token does not verify: {0}")]
    InvalidToken(String),
}
