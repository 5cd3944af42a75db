//! The certificate-length parser that sizes chunked READ BINARY from the first chunk:
//! any bytes give a length within the DER short/long-form bounds or an error.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(len) = jpki_card::der_object_length(data) {
        assert!((2..=4 + 0xFFFF).contains(&len));
        assert_eq!(data.first(), Some(&0x30));
    }
});
