//! The PIN outcome is one typed value on both kinds of card: an application finds the
//! card in the reader, makes a signer, and handles a wrong PIN, the last try and a
//! malformed PIN with one `match` on `SignError`, without downcasting. Cross-crate,
//! through the umbrella's public API only (the virtual cards stand in for readers).
#![allow(clippy::unwrap_used, clippy::panic)]

use card_sim::{CardPin, HpkiHolder, InProcess, MyNumberCard, VirtualHpkiCard};
use medsign::apdu::Transport;
use medsign::card::{CardKind, detect};
use medsign::signer::{CertSigner, DigestAlgorithm, LastTry, PinError, SignError};
use medsign::{hpki, jpki};

type Reader = Box<dyn Transport>;

/// What a vendor writes once for every card: detect it, open it, make the signer
/// (which checks the PIN). Every failure arrives as a `SignError`.
fn open_signer(mut reader: Reader, pin: &str) -> Result<Box<dyn CertSigner>, SignError> {
    let kind = detect(&mut reader).map_err(|e| SignError::Device(Box::new(e)))?;
    Ok(match kind {
        Some(CardKind::MyNumber(_)) => Box::new(
            jpki::JpkiCard::open(reader)?.into_signer(jpki::SignPin::new(pin)?, LastTry::Refuse)?,
        ),
        Some(CardKind::Hpki(_)) => Box::new(
            hpki::HpkiCard::open(reader)?.into_signer(hpki::Pin::new(pin)?, LastTry::Refuse)?,
        ),
        other => panic!("not a card of this test: {other:?}"),
    })
}

/// The one `match` the application needs for a PIN, whichever card it is.
fn what_to_tell_the_user(e: SignError) -> String {
    match e {
        SignError::Pin(PinError::Wrong { tries_left }) => format!("wrong PIN, {tries_left} left"),
        SignError::Pin(PinError::LastTryRefused { tries_left }) => {
            format!("{tries_left} try left: confirm before trying")
        }
        SignError::Pin(PinError::Format(_)) => "retype the PIN".into(),
        other => panic!("not a PIN outcome: {other}"),
    }
}

fn my_number_card() -> MyNumberCard {
    MyNumberCard::new().unwrap()
}

fn hpki_card() -> VirtualHpkiCard {
    VirtualHpkiCard::test_card(HpkiHolder::Physician).unwrap()
}

#[test]
fn a_wrong_pins_tries_left_are_matched_the_same_way_on_both_cards() {
    let cases: [(Reader, &str, &str); 2] = [
        (
            Box::new(InProcess::new(my_number_card())),
            "XYZ999",
            "wrong PIN, 4 left",
        ),
        (
            Box::new(InProcess::new(hpki_card())),
            "9999",
            "wrong PIN, 14 left",
        ),
    ];
    for (reader, wrong_pin, told) in cases {
        let err = open_signer(reader, wrong_pin).err().unwrap();
        assert_eq!(what_to_tell_the_user(err), told);
    }
}

#[test]
fn the_last_try_and_a_malformed_pin_are_the_same_outcomes_on_both_cards() {
    let mut last_try = my_number_card();
    last_try.set_tries_left(CardPin::Sign, 1);
    let cases: [(Reader, &str, &str); 4] = [
        (
            Box::new(InProcess::new(last_try)),
            "ABC123",
            "1 try left: confirm before trying",
        ),
        (
            Box::new(InProcess::new(hpki_card().with_tries_left(1))),
            "1234",
            "1 try left: confirm before trying",
        ),
        (
            Box::new(InProcess::new(my_number_card())),
            "abc",
            "retype the PIN",
        ),
        (
            Box::new(InProcess::new(hpki_card())),
            "12",
            "retype the PIN",
        ),
    ];
    for (reader, pin, told) in cases {
        let err = open_signer(reader, pin).err().unwrap();
        assert_eq!(what_to_tell_the_user(err), told);
    }
}

#[test]
fn the_right_pin_signs_on_both_cards() {
    let cases: [(Reader, &str); 2] = [
        (
            Box::new(InProcess::new(my_number_card())),
            card_sim::default_pins::SIGN,
        ),
        (Box::new(InProcess::new(hpki_card())), "1234"),
    ];
    for (reader, pin) in cases {
        let mut signer = open_signer(reader, pin).unwrap();
        let digest = DigestAlgorithm::Sha256.hash(b"prescription");
        let signature = signer
            .sign_digest(DigestAlgorithm::Sha256, &digest)
            .unwrap();
        assert_eq!(signature.len(), 256);
    }
}
