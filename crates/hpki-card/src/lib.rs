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
    pin::{MAX_TRIES, Pin, PinStatus},
    sign::{SignVariant, pkcs1_v15_block},
    signer::HpkiSigner,
};

use apdu::StatusWord;

/// Everything that can go wrong talking to an HPKI card.
///
/// PIN failures are their own variants so that an application can show the tries left
/// and never retry on its own: a locked HPKI card can only be unlocked by its issuer.
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
    /// Profile detection found neither the JMA layout (key `000C`) nor the JAHIS
    /// reference layout (key `0017`). Open the card with an explicit [`Profile`].
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
    /// The card refused the PIN. Ask the user again; never retry on your own.
    #[error("wrong PIN: {tries_left} tries left before the card locks")]
    WrongPin {
        /// Tries left (`63Cx`); the card locks at 0.
        tries_left: u8,
    },
    /// The PIN is blocked (15 wrong PINs): only the issuing CA can unlock the card.
    #[error("the PIN is blocked; only the card's issuer can unlock it")]
    Blocked,
    /// Exactly one try is left and the caller did not opt in to spending it
    /// ([`HpkiCard::verify_last_try`], [`HpkiSigner::allow_last_try`]). Warn the user
    /// that a wrong PIN now locks the card, then opt in.
    #[error("one PIN try is left; refused to spend it without the caller's consent")]
    LastTryRefused,
    /// The PIN is not 4 to 16 printable ASCII characters; it was not sent to the card
    /// and cost no try.
    #[error("the PIN must be 4 to 16 printable ASCII characters: {0}")]
    PinFormat(&'static str),
    /// The card wants the PIN verified first (`6982`).
    #[error("the card needs the PIN verified before this operation")]
    PinRequired,
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

impl From<Error> for cert_signer::SignError {
    fn from(e: Error) -> Self {
        match e {
            Error::PinRequired => Self::NotAuthenticated,
            other => Self::Device(Box::new(other)),
        }
    }
}
