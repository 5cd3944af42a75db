//! The passport Hepburn converter on arbitrary text: never panics, returns at most
//! MAX_CANDIDATES non-empty upper-case ASCII candidates.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(candidates) = authority_forms::hepburn_candidates(text) {
        assert!(!candidates.is_empty() && candidates.len() <= authority_forms::MAX_CANDIDATES);
        for c in candidates {
            assert!(!c.is_empty() && c.bytes().all(|b| b.is_ascii_uppercase()));
        }
    }
});
