//! The attachment sniffers (JPEG SOFn, PNG IHDR, BMP DIB header, PDF version) on
//! arbitrary bytes: never panic, and dimensions, when found, are positive.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(sniffed) = authority_forms::sniff(data) {
        if let Some(d) = sniffed.dimensions {
            assert!(d.width > 0 && d.height > 0);
        }
    }
});
