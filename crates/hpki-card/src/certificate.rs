//! The certificate file: its length from the DER header, so that it is read exactly.

use crate::Error;

/// The largest certificate READ BINARY can reach: the last chunk starts at the largest
/// 15-bit offset.
const MAX_CERTIFICATE: usize = 0x7FFF + 256;

/// The total length of the DER certificate that starts `first_bytes` (the first chunk
/// read from the certificate file), from its SEQUENCE header:
///
/// ```text
/// 30 LL            → 2 + LL          (LL < 80)
/// 30 81 LL         → 3 + LL
/// 30 82 LL LL      → 4 + LLLL
/// 30 83 LL LL LL   → 5 + LLLLLL
/// ```
///
/// ```
/// assert_eq!(hpki_card::certificate_length(&[0x30, 0x82, 0x05, 0x1A, 0x30])?, 4 + 0x051A);
/// assert!(hpki_card::certificate_length(&[0xFF, 0xFF]).is_err()); // an erased file
/// # Ok::<(), hpki_card::Error>(())
/// ```
pub fn certificate_length(first_bytes: &[u8]) -> Result<usize, Error> {
    use Error::MalformedCertificate as Bad;
    let (len, header) = match first_bytes {
        [0x30, n, ..] if *n < 0x80 => (usize::from(*n), 2),
        [0x30, 0x81, n, ..] if *n >= 0x80 => (usize::from(*n), 3),
        [0x30, 0x82, a, b, ..] => (usize::from(u16::from_be_bytes([*a, *b])), 4),
        [0x30, 0x83, a, b, c, ..] => (
            usize::from(*a) << 16 | usize::from(*b) << 8 | usize::from(*c),
            5,
        ),
        [0x30, 0x81, ..] => return Err(Bad("non-minimal length")),
        [0x30, 0x80, ..] => return Err(Bad("indefinite length is not DER")),
        [0x30, _, ..] => return Err(Bad("length field too long or truncated")),
        [_, ..] => return Err(Bad("the file does not start with a SEQUENCE")),
        [] => return Err(Bad("the file is empty")),
    };
    let total = header + len;
    if total > MAX_CERTIFICATE {
        return Err(Bad("longer than READ BINARY can address"));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_length_form_is_read() {
        assert_eq!(certificate_length(&[0x30, 0x05]).unwrap(), 7);
        assert_eq!(certificate_length(&[0x30, 0x81, 0xC8]).unwrap(), 203);
        assert_eq!(certificate_length(&[0x30, 0x82, 0x04, 0xD2]).unwrap(), 1238);
        assert_eq!(
            certificate_length(&[0x30, 0x83, 0x00, 0x10, 0x00]).unwrap(),
            4101
        );
    }

    #[test]
    fn unusable_headers_are_named() {
        for (bytes, why) in [
            (&[][..], "the file is empty"),
            (
                &[0xFF, 0xFF, 0xFF, 0xFF][..],
                "the file does not start with a SEQUENCE",
            ),
            (&[0x30, 0x80][..], "indefinite length is not DER"),
            (&[0x30, 0x81, 0x10][..], "non-minimal length"),
            (
                &[0x30, 0x82, 0x05][..],
                "length field too long or truncated",
            ),
            (
                &[0x30, 0x84, 0, 0, 0, 1][..],
                "length field too long or truncated",
            ),
            (
                &[0x30, 0x83, 0x01, 0x00, 0x00][..],
                "longer than READ BINARY can address",
            ),
        ] {
            match certificate_length(bytes) {
                Err(Error::MalformedCertificate(w)) => assert_eq!(w, why, "{bytes:02X?}"),
                other => panic!("{bytes:02X?}: {other:?}"),
            }
        }
    }
}
