#![no_main]
//! The portal's package verifier on arbitrary input: it must refuse, never panic.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(xml) = std::str::from_utf8(data) else {
        return;
    };
    let parts = [mynaportal_client::PackagePart {
        name: "form.json".into(),
        media_type: "application/json".into(),
        content: b"{}".to_vec(),
    }];
    let trust = hpki_cert::TrustStore::new();
    let _ = mynaportal_client::verify_package(xml, &parts, &trust, jiff::Timestamp::UNIX_EPOCH);
});
