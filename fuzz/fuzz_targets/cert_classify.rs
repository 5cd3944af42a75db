//! Certificate parsing, classification and summary on arbitrary bytes: never panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let classification = hpki_cert::classify(data);
    if let Ok(cert) = hpki_cert::Certificate::from_der(data) {
        let _ = hpki_cert::CertInfo::from_certificate(&cert);
        assert_eq!(hpki_cert::classify_certificate(&cert), classification);
    }
    let _ = hpki_cert::Crl::from_der(data);
});
