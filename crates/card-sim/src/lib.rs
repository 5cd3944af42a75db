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
        MyNumberOptions, TEXT_AID, TestHolder, TestPkiError, Token, default_pins, jpki_san_oid,
        with_check_digit,
    },
    minimal::MinimalCard,
};

/// hpki-cert's test PKI, built once per process (16 RSA signatures) and shared by every
/// virtual HPKI and My Number Card.
pub(crate) fn shared_test_pki() -> Result<&'static hpki_cert::testpki::TestPki, hpki_cert::Error> {
    static PKI: std::sync::OnceLock<hpki_cert::testpki::TestPki> = std::sync::OnceLock::new();
    if let Some(pki) = PKI.get() {
        return Ok(pki);
    }
    let built = hpki_cert::testpki::TestPki::new()?;
    Ok(PKI.get_or_init(|| built))
}
