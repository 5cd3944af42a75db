#![no_main]
//! The basic four items as the procedure takes them, on arbitrary bytes: the card's file
//! (parsed by jpki-card and turned into the form's applicant), the JPKI signature
//! certificate's SAN reader, and the token EF.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(items) = jpki_card::BasicFourItems::parse(data) {
        let _ = mynaportal_client::card_applicant(&items);
        assert_eq!(items.birth_date_yyyymmdd().len(), 8);
    }
    if let Some(four) = mynaportal_client::basic_four_from_certificate(data) {
        let _ = mynaportal_client::card_applicant(&four);
    }
    let _ = mynaportal_client::TokenKind::from_token(data);
});
