//! The crate's one error type.

use apdu::{StatusWord, TransportError};
use cert_signer::PinError;

/// Everything that can go wrong talking to a My Number Card.
///
/// PIN outcomes are [`Error::Pin`], the [`PinError`] HPKI cards report too; none of them
/// carries the PIN, and none costs a try unless it says so.
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
    /// The PIN was wrong, is blocked, was not sent (last try, format), is needed first
    /// (`6982`: the signature certificate needs the signature PIN; on smartphone tokens
    /// the auth certificate needs the auth PIN) or was refused earlier; the
    /// [`PinError`] says what to do. Which PIN is the one the caller passed.
    #[error(transparent)]
    Pin(#[from] PinError),
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

/// PIN outcomes become [`SignError::Pin`](cert_signer::SignError::Pin), a refusing card
/// [`SignError::Card`](cert_signer::SignError::Card), the rest
/// [`SignError::Device`](cert_signer::SignError::Device) with this error as its source.
impl From<Error> for cert_signer::SignError {
    fn from(e: Error) -> Self {
        match e {
            Error::Pin(pin) => Self::Pin(pin),
            Error::Card(sw) => Self::Card(sw),
            other => Self::Device(Box::new(other)),
        }
    }
}
