//! The hcRole parser on arbitrary bytes: never panics, and what parses re-encodes to
//! something that parses to the same value.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(role) = hpki_cert::HcRole::parse(data) {
        let _ = role.qualification();
        if let Ok(der) = role.to_der() {
            assert_eq!(hpki_cert::HcRole::parse(&der).ok(), Some(role));
        }
    }
    let _ = hpki_cert::HcRole::from_certificate(data);
});
