//! The hardened XML reader (size and UTF-8 checks, DTD refusal, id index) on arbitrary
//! bytes: never panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = xades_sign::canonicalize(
        data,
        Some("PrescriptionDocument"),
        &xades_sign::C14nMethod::Inclusive,
    );
});
