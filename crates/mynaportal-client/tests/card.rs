//! The procedure's card types: the basic four items as the card encodes them, and the
//! token kinds by their wire names.

// Test helpers outside #[test] functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use authority_forms::Sex;
use jpki_card::{BasicFourItems, CardKind};
use mynaportal_client::{BasicFour, TokenKind};

fn yamada() -> BasicFour {
    let file = card_sim::TestHolder::yamada_hanako().basic_four_items_file(16);
    BasicFour::from(&BasicFourItems::parse(&file).unwrap())
}

#[test]
fn basic_four_from_the_card_keeps_the_card_encoding() {
    let four = yamada();
    assert_eq!(four.name, "山田\u{3000}花子");
    assert_eq!(four.birth_date, "19800401");
    assert_eq!(four.sex, "2");
    let applicant = four.to_applicant().unwrap();
    assert_eq!(applicant.sex, Sex::Female);
    assert_eq!(applicant.birth_date, jiff::civil::date(1980, 4, 1));
}

#[test]
fn token_kind_reads_padded_values() {
    assert_eq!(
        TokenKind::from_token_file(b"JPKIAPGPSETOKEN                 "),
        TokenKind::SmartphoneAndroid
    );
    assert_eq!(
        TokenKind::from_token_file(b"JPKIAPICCTOKEN2\0\0"),
        TokenKind::MyNumberCard
    );
    assert!(TokenKind::SmartphoneAndroid.is_smartphone());
    assert!(!TokenKind::MyNumberCard.is_smartphone());
}

#[test]
fn token_kind_from_jpki_card_kind_is_the_same_wire_value() {
    for token in [
        "JPKIAPICCTOKEN2",
        "JPKIAPICCTOKEN",
        "JPKIAPGPSETOKEN",
        "JPKIAPIOSTOKEN",
        "SOMETHINGELSE",
    ] {
        let kind = CardKind::from_token(token.as_bytes()).unwrap();
        assert_eq!(TokenKind::from(&kind).value(), token);
        assert_eq!(
            TokenKind::from(&kind),
            TokenKind::from_token_file(token.as_bytes())
        );
    }
}

#[test]
fn debug_of_basic_four_shows_no_personal_data() {
    let shown = format!("{:?}", yamada());
    assert!(!shown.contains("山田"), "{shown}");
    assert!(!shown.contains("1980"), "{shown}");
}
