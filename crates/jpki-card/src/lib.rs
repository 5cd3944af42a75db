#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs, rust_2018_idioms, unused_qualifications)]

mod certificate;
mod error;
mod jpki_ap;
mod pin;
mod signer;
mod text_ap;

pub use crate::{
    certificate::{Certificate, der_object_length},
    error::Error,
    jpki_ap::{CardKind, JPKI_AID, JpkiCard, KeyKind},
    pin::{AuthPin, JpkiPin, LastTry, Pin, PinKind, PinStatus, SignPin, TextPin},
    signer::{JpkiSigner, Signature},
    text_ap::{BasicFourItems, MyNumber, Sex, TEXT_AID, TextAp},
};
