//! The basic-four-items parser (券面事項入力補助AP file `0002`) and the My Number file
//! parser: any bytes give a value or an error, never a panic; a parsed file keeps its
//! invariants.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(items) = jpki_card::BasicFourItems::parse(data) {
        match &items.given_name {
            Some(given) => assert_eq!(items.name, format!("{}\u{3000}{given}", items.family_name)),
            None => assert_eq!(items.name, items.family_name),
        }
    }
    if let Ok(number) = jpki_card::MyNumber::parse_file(data) {
        assert_eq!(number.expose().len(), 12);
        assert!(!format!("{number:?}").contains(number.expose()));
    }
});
