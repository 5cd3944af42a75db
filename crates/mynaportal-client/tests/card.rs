//! The procedure's card types are jpki-card's: the basic four items (from the card and
//! the applicant the form shows), the token kinds by their wire names, one `AuthPin`.

// Test helpers outside #[test] functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use authority_forms::Sex;
use mynaportal_client::{BasicFourItems, card_applicant};

fn yamada() -> BasicFourItems {
    let file = card_sim::TestHolder::yamada_hanako().basic_four_items_file(16);
    BasicFourItems::parse(&file).unwrap()
}

#[test]
fn the_applicant_comes_from_the_cards_basic_four_items() {
    let four = yamada();
    assert_eq!(four.name, "山田\u{3000}花子");
    assert_eq!(four.birth_date_yyyymmdd(), "19800401");
    assert_eq!(four.sex.code(), '2');
    let applicant = card_applicant(&four).unwrap();
    assert_eq!(applicant.sex, Sex::Female);
    assert_eq!(applicant.birth_date, jiff::civil::date(1980, 4, 1));
    assert_eq!(applicant.name, four.name);
}

#[test]
fn a_sex_the_form_cannot_take_is_card_data_not_a_guess() {
    let four =
        BasicFourItems::from_encoded("山田\u{3000}花子".into(), "東京都".into(), "19800401", "9")
            .unwrap();
    assert!(matches!(
        card_applicant(&four),
        Err(mynaportal_client::Error::CardData(_))
    ));
}

#[test]
fn token_kinds_read_padded_values_and_are_jpki_cards_type() {
    let kind = mynaportal_client::TokenKind::from_token(b"JPKIAPGPSETOKEN                 ");
    assert_eq!(
        kind.unwrap(),
        jpki_card::TokenKind::from_token(b"JPKIAPGPSETOKEN").unwrap()
    );
    let android = jpki_card::TokenKind::SmartphoneAndroid;
    assert!(android.is_smartphone());
    let card = mynaportal_client::TokenKind::MyNumberCard;
    assert!(!card.is_smartphone());
    assert_eq!(card.value(), "JPKIAPICCTOKEN2");
}

#[test]
fn the_login_pin_is_jpki_cards_auth_pin() {
    let pin: jpki_card::AuthPin = mynaportal_client::AuthPin::new("1234").unwrap();
    assert_eq!(format!("{pin:?}"), "AuthPin(<redacted>)");
    assert!(mynaportal_client::AuthPin::new("12345").is_err());
}

#[test]
fn debug_of_basic_four_shows_no_personal_data() {
    let shown = format!("{:?}", yamada());
    assert!(!shown.contains("山田"), "{shown}");
    assert!(!shown.contains("1980"), "{shown}");
}
