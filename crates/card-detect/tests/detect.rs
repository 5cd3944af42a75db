//! Detection against every virtual card of card-sim, a card of neither kind and a reader
//! that fails.

// A failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use apdu::{Trace, TraceTransport, TransportError};
use card_detect::{CardKind, detect};
use card_sim::{
    HpkiHolder, HpkiProfile, InProcess, MinimalCard, MyNumberCard, MyNumberOptions, Token,
    VirtualHpkiCard,
};
use hpki_card::Profile;
use jpki_card::TokenKind;

#[test]
fn my_number_cards_are_found_with_their_token_kind() {
    for (token, kind) in [
        (Token::Icc2, TokenKind::MyNumberCard),
        (Token::Icc, TokenKind::JukiCard),
        (Token::Gpse, TokenKind::SmartphoneAndroid),
        (Token::Ios, TokenKind::SmartphoneIos),
    ] {
        let options = MyNumberOptions {
            token,
            ..MyNumberOptions::default()
        };
        let mut reader =
            TraceTransport::new(InProcess::new(MyNumberCard::with_options(options).unwrap()));
        assert_eq!(detect(&mut reader).unwrap(), Some(CardKind::MyNumber(kind)));
        // SELECT AP, SELECT token EF, READ BINARY: nothing more, no PIN.
        assert_eq!(reader.trace().len(), 3, "{}", reader.trace().to_text());
    }
}

#[test]
fn hpki_cards_are_found_with_their_layout() {
    for (layout, profile, apdus) in [
        (HpkiProfile::Jma, Profile::Jma, 2),
        (HpkiProfile::JahisReference, Profile::JahisReference, 3),
    ] {
        let card = VirtualHpkiCard::test_card(HpkiHolder::Pharmacist)
            .unwrap()
            .with_profile(layout);
        let mut reader = TraceTransport::new(InProcess::new(card));
        assert_eq!(detect(&mut reader).unwrap(), Some(CardKind::Hpki(profile)));
        let trace: &Trace = reader.trace();
        // The JPKI AP SELECT (6A82), then the HPKI signing AP and the layout's key EF.
        assert_eq!(trace.len(), 1 + apdus, "{}", trace.to_text());
        assert_eq!(trace.count_ins(0x20), 0, "no PIN");
    }
}

#[test]
fn a_card_of_neither_kind_is_none() {
    let mut reader = InProcess::new(MinimalCard::new(vec![vec![0xA0, 0x00, 0x00, 0x00, 0x01]]));
    assert_eq!(detect(&mut reader).unwrap(), None);
}

#[test]
fn a_removed_card_is_a_transport_error_not_an_unknown_card() {
    let mut reader = InProcess::new(MyNumberCard::new().unwrap());
    reader.remove();
    assert!(matches!(
        detect(&mut reader),
        Err(TransportError::CardRemoved)
    ));
    let mut reader = InProcess::new(VirtualHpkiCard::test_card(HpkiHolder::Physician).unwrap());
    // The JPKI SELECT is answered (6A82), then the card is gone.
    reader.remove_after(1);
    assert!(matches!(
        detect(&mut reader),
        Err(TransportError::CardRemoved)
    ));
}
