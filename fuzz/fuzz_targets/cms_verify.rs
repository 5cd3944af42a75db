//! Any bytes as a CMS message (attached, then with detached content): the verifier
//! must never panic and must never call garbage valid.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let options = cms_sign::VerifyOptions::new().skip_path();
    let report = cms_sign::verify(data, None, &options);
    let _ = report.to_json();
    let split = data.len() / 2;
    let (message, content) = data.split_at(split);
    let _ = cms_sign::verify(message, Some(content), &options);
    let _ = cms_sign::signature_time_stamp_tokens(data);
});
