//! Arbitrary setup URLs and QR payloads: parsing them must never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = remote_sign::DeviceSetup::qr(text);
        let _ = remote_sign::DeviceSetup::letter(text, "PASSWORD");
    }
});
