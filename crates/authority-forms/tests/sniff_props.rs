//! The attachment sniffers on arbitrary and on truncated real headers: no panic, and
//! the dimensions of the real fixtures survive any trailing garbage.

use authority_forms::{Dimensions, sniff};
use proptest::prelude::*;

const JPEG: &[u8] = include_bytes!("data/photo-413x531.jpg");
const PNG: &[u8] = include_bytes!("data/photo-413x531.png");
const BMP: &[u8] = include_bytes!("data/photo-413x531.bmp");

const MAGICS: [&[u8]; 4] = [b"\xFF\xD8\xFF", b"\x89PNG\r\n\x1a\n", b"BM", b"%PDF-"];

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = sniff(&bytes);
    }

    #[test]
    fn arbitrary_bytes_after_each_magic_never_panic(
        magic in 0usize..4,
        tail in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let mut bytes = MAGICS.get(magic).copied().unwrap_or_default().to_vec();
        bytes.extend_from_slice(&tail);
        if let Ok(s) = sniff(&bytes)
            && let Some(d) = s.dimensions
        {
            prop_assert!(d.width > 0 && d.height > 0);
        }
    }

    #[test]
    fn every_truncation_of_a_real_header_is_an_error_or_the_right_size(cut in 0usize..700) {
        let expected = Some(Dimensions { width: 413, height: 531 });
        for file in [JPEG, PNG, BMP] {
            let prefix = file.get(..cut.min(file.len())).unwrap_or_default();
            if let Ok(s) = sniff(prefix) {
                prop_assert_eq!(s.dimensions, expected);
            }
        }
    }
}
