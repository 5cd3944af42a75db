#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs, rust_2018_idioms, unused_qualifications)]

mod app;
mod card;
mod certificate;
mod pin;
mod sign;
mod signer;

pub use crate::{
    app::{App, Profile},
    card::HpkiCard,
    certificate::certificate_length,
    pin::{MAX_TRIES, Pin},
    sign::{SignVariant, pkcs1_v15_block},
    signer::HpkiSigner,
};
/// The PIN types both card crates share (`cert_signer`'s).
pub use cert_signer::{LastTry, PinError, PinStatus};

use apdu::StatusWord;

/// Everything that can go wrong talking to an HPKI card.
///
/// PIN outcomes are [`Error::Pin`], the [`PinError`] the My Number Card reports too, so
/// that an application shows the tries left and never retries on its own: a blocked
/// HPKI card can only be unblocked by its issuer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The reader, the transport or the APDU layer failed (no reader, card removed, a
    /// malformed answer). The inner error says what the user can do.
    #[error(transparent)]
    Apdu(#[from] apdu::Error),
    /// SELECT by AID answered `6A82`: the card is not an HPKI card, or has no such
    /// application. Check that the right card is in the reader.
    #[error("the card has no HPKI {0} application (is it an HPKI card?)")]
    AppNotFound(App),
    /// Layout detection found neither the JMA layout (key `000C`) nor the JAHIS
    /// reference layout (key `0017`). Open the card with an explicit [`Profile`]
    /// ([`HpkiCard::open_with_profile`]).
    #[error("the card's files match neither the JMA nor the JAHIS reference layout")]
    UnknownProfile,
    /// The card answered a command with a status this crate does not expect there.
    #[error("{command} failed: the card answered {sw}")]
    Card {
        /// The command, e.g. `"READ BINARY"`.
        command: &'static str,
        /// The card's status word.
        sw: StatusWord,
    },
    /// The PIN was wrong, is blocked, was not sent (last try, format) or is needed first;
    /// the [`PinError`] says what to do. Never retry on your own.
    #[error(transparent)]
    Pin(#[from] PinError),
    /// The card refused both signing commands (`6D00`/`6E00` to the JAHIS PSO and to
    /// `80 2A 00 80`).
    #[error("the card accepts neither the JAHIS PSO nor the JPKI-style signing command")]
    SigningNotSupported,
    /// The certificate file does not start with a DER SEQUENCE of a plausible length,
    /// or ended before that length.
    #[error("the certificate file is not a DER certificate: {0}")]
    MalformedCertificate(&'static str),
    /// The certificate's public key is not an RSA key this crate can use.
    #[error("the certificate's public key is not a usable RSA key")]
    UnsupportedKey,
    /// A digest does not have the length of a supported algorithm (32, 48 or 64 bytes).
    #[error("digest of {0} bytes: SHA-256, SHA-384 or SHA-512 output expected")]
    DigestLength(usize),
    /// The card's signature does not verify with the certificate's public key: the card
    /// holds another key than its certificate names, or the answer was corrupted.
    #[error("the card's signature does not verify with its certificate")]
    BadSignature,
    /// A signer was asked to sign while it was already signing (a re-entrant call from
    /// another signing callback). Sign one document after the other.
    #[error("the signer is already signing")]
    Busy,
}

/// PIN outcomes become [`SignError::Pin`](cert_signer::SignError::Pin), a refusing card
/// [`SignError::Card`](cert_signer::SignError::Card), the rest
/// [`SignError::Device`](cert_signer::SignError::Device) with this error as its source.
impl From<Error> for cert_signer::SignError {
    fn from(e: Error) -> Self {
        match e {
            Error::Pin(pin) => Self::Pin(pin),
            Error::Card { sw, .. } => Self::Card(sw),
            other => Self::Device(Box::new(other)),
        }
    }
}
