#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs, rust_2018_idioms, unused_qualifications)]

mod card;
mod hpki;
mod jpki;
mod minimal;
pub mod vpcd;

pub use crate::{
    card::{InProcess, VirtualCard},
    hpki::{
        HPKI_PIN_TRIES, HpkiHolder, HpkiKey, HpkiProfile, HpkiSignSupport, HpkiTestCardError,
        HpkiTestCertificates, VirtualHpkiCard,
    },
    jpki::{
        BlockedStatus, CardPin, JPKI_AID, JpkiTestPki, MY_NUMBER_ATR, MyNumberCard,
        MyNumberOptions, TEXT_AID, TestHolder, TestPkiError, Token, default_pins, with_check_digit,
    },
    minimal::MinimalCard,
};
