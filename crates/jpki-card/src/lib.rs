#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs, rust_2018_idioms, unused_qualifications)]

mod certificate;
mod error;
mod jpki_ap;
mod pin;
mod redaction;
mod signer;
mod text_ap;
mod token;

pub use crate::{
    certificate::{Certificate, der_object_length},
    error::Error,
    jpki_ap::{JPKI_AID, JpkiCard, KeyKind},
    pin::{AuthPin, JpkiPin, Pin, PinKind, SignPin, TextPin},
    redaction::{PERSONAL_FILES, redaction},
    signer::{JpkiSigner, Signature},
    text_ap::{BasicFourItems, MyNumber, Sex, TEXT_AID, TextAp},
    token::TokenKind,
};
/// The PIN types both card crates share (`cert_signer`'s).
pub use cert_signer::{LastTry, PinError, PinStatus};
