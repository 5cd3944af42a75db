#![no_main]
//! Command decoding: never panics; whatever parses re-encodes to the same bytes.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok((cmd, mode)) = apdu::Command::parse(data) {
        let again = cmd.to_bytes_with(mode).expect("a parsed command re-encodes");
        assert_eq!(again, data);
    }
});
