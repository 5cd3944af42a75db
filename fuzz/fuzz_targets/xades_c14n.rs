//! Both canonicalizations of whole documents and of id-selected subtrees: never panic,
//! and canonical output is a fixed point (canonicalizing it again changes nothing).
#![no_main]

use xades_sign::{C14nMethod, canonicalize};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for method in [C14nMethod::Inclusive, C14nMethod::exclusive()] {
        if let Ok(out) = canonicalize(data, None, &method) {
            if let Ok(again) = canonicalize(&out, None, &method) {
                assert_eq!(out, again, "c14n is not idempotent");
            }
        }
        let _ = canonicalize(data, Some("a"), &method);
    }
});
