#![no_main]
//! The basic-four-items file parser (input-support AP `0002`) and the JPKI signature
//! certificate's SAN reader on arbitrary bytes.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(four) = mynaportal_client::BasicFour::parse(data) {
        let _ = four.to_applicant();
    }
    let _ = mynaportal_client::basic_four_from_certificate(data);
    let _ = mynaportal_client::TokenKind::from_token_file(data);
});
