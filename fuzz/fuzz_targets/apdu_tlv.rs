#![no_main]
//! BER-TLV parsing: never panics; parsed objects re-encode to the bytes they came from
//! when the length was minimally encoded.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for item in apdu::TlvIter::new(data) {
        let Ok(tlv) = item else { break };
        let bytes = tlv.to_bytes();
        let (again, rest) = apdu::Tlv::parse(&bytes).expect("re-encoded TLV parses");
        assert!(rest.is_empty());
        assert_eq!(again, tlv);
        for child in tlv.children() {
            if child.is_err() {
                break;
            }
        }
    }
});
