//! The crate's one error type.

use apdu::{StatusWord, TransportError};

use crate::PinKind;

/// Everything that can go wrong talking to a My Number Card.
///
/// The PIN variants never carry the PIN; none of them costs a try unless it says so.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The card was pulled out (or the reader lost it) during the operation. Insert it
    /// again and open a new session; nothing after the last completed command can be
    /// assumed, in particular no PIN counts as verified.
    #[error("the card was removed (insert it again and start over)")]
    CardRemoved,
    /// The reader or PC/SC stack failed; the inner error says what to do.
    #[error(transparent)]
    Transport(TransportError),
    /// SELECT of the JPKI application failed: this is not a My Number Card (or a
    /// smartphone JPKI token), or the card is not answering as one.
    #[error("not a My Number Card: SELECT of the JPKI AP answered {0}")]
    NotAJpkiCard(StatusWord),
    /// A PIN was refused before reaching the card because its format is wrong; no try
    /// was spent. The text says which rule it broke.
    #[error("malformed {kind} PIN ({reason}); it was not sent to the card")]
    MalformedPin {
        /// Which PIN.
        kind: PinKind,
        /// The broken rule.
        reason: &'static str,
    },
    /// The card refused the PIN (`63Cx`). `tries_left` tries remain before it blocks;
    /// ask the holder before trying again.
    #[error("wrong {kind} PIN: {tries_left} tries left")]
    WrongPin {
        /// Which PIN.
        kind: PinKind,
        /// Tries left.
        tries_left: u8,
    },
    /// The PIN is blocked (`63C0`, `6983` or `6984`). The signature PIN can only be
    /// reset at the municipality office (or the smartphone app and a convenience-store
    /// kiosk); the user-authentication PIN likewise.
    #[error("the {kind} PIN is blocked (reset it at the municipality office)")]
    Blocked {
        /// Which PIN.
        kind: PinKind,
    },
    /// Verification was not attempted because only one try is left and the caller did
    /// not pass [`LastTry::Allow`](crate::LastTry::Allow). Warn the holder, then retry
    /// with `LastTry::Allow`.
    #[error("the {kind} PIN has only {tries_left} try left; not spent without LastTry::Allow")]
    LastTryRefused {
        /// Which PIN.
        kind: PinKind,
        /// Always 1.
        tries_left: u8,
    },
    /// The card answered `6982` (security status not satisfied): the file or key needs
    /// a PIN that was not verified in this session (the signature certificate needs the
    /// signature PIN; on smartphone tokens the auth certificate needs the auth PIN).
    #[error("the card needs a PIN first (6982)")]
    PinRequired,
    /// A signer stopped after its PIN was refused during a signature: it will not spend
    /// more tries. Make a new signer with the right PIN.
    #[error("the signer's PIN was refused earlier; make a new signer")]
    SignerPoisoned,
    /// The data to sign is not a DigestInfo the card can take (empty, or longer than
    /// 245 bytes) or a digest of the wrong length.
    #[error("invalid data to sign: {0}")]
    InvalidSignInput(&'static str),
    /// A certificate file does not start with a DER SEQUENCE header the library can size.
    #[error("malformed certificate file: {0}")]
    MalformedCertificate(&'static str),
    /// The token EF (`0006`) is not ASCII.
    #[error("malformed token EF: {0}")]
    MalformedToken(&'static str),
    /// The basic four items file does not parse; the text says which rule failed.
    #[error("malformed basic four items file: {0}")]
    MalformedBasicFourItems(&'static str),
    /// The My Number file does not parse or the number fails its check digit.
    #[error("malformed My Number file: {0}")]
    MalformedMyNumber(&'static str),
    /// The card's signature is not 256 bytes or does not verify against the certificate.
    #[error("the card returned a bad signature: {0}")]
    BadSignature(&'static str),
    /// The card answered a status the operation does not expect.
    #[error("unexpected card status {0}")]
    Card(StatusWord),
    /// The APDU layer failed (malformed response, a card looping on `61xx`, ...).
    #[error(transparent)]
    Apdu(apdu::Error),
}

impl From<apdu::Error> for Error {
    fn from(e: apdu::Error) -> Self {
        match e {
            apdu::Error::Transport(t) => t.into(),
            apdu::Error::Status(sw) => Self::Card(sw),
            other => Self::Apdu(other),
        }
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::CardRemoved | TransportError::NoCard | TransportError::CardReset => {
                Self::CardRemoved
            }
            other => Self::Transport(other),
        }
    }
}

impl From<Error> for cert_signer::SignError {
    fn from(e: Error) -> Self {
        match e {
            Error::PinRequired => Self::NotAuthenticated,
            other => Self::Device(Box::new(other)),
        }
    }
}
