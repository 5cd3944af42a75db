//! The four certificates of the JPKI AP and the DER header that sizes them.

use crate::Error;

/// A certificate file of the JPKI AP (`docs/spec/cards.md` §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Certificate {
    /// 利用者証明用電子証明書, EF `000A`: free to read (auth PIN on smartphone tokens).
    Auth,
    /// Its CA certificate, EF `000B`.
    AuthCa,
    /// 署名用電子証明書, EF `0001`: readable only after the signature PIN.
    Sign,
    /// Its CA certificate, EF `0002`.
    SignCa,
}

impl Certificate {
    /// All four, in EF order of the OpenSC driver.
    pub const ALL: [Self; 4] = [Self::Auth, Self::Sign, Self::AuthCa, Self::SignCa];

    /// The EF id.
    pub const fn fid(self) -> u16 {
        match self {
            Self::Auth => 0x000A,
            Self::AuthCa => 0x000B,
            Self::Sign => 0x0001,
            Self::SignCa => 0x0002,
        }
    }

    pub(crate) const fn index(self) -> usize {
        match self {
            Self::Auth => 0,
            Self::AuthCa => 1,
            Self::Sign => 2,
            Self::SignCa => 3,
        }
    }
}

/// The total length of the DER object (a certificate's SEQUENCE) that starts `head`,
/// header included, from its first bytes (`docs/spec/cards.md` §5).
///
/// ```text
/// 30 82 LL LL ...   → 4 + LLLL
/// 30 81 LL ...      → 3 + LL
/// 30 LL ...         → 2 + LL   (LL < 0x80)
/// ```
///
/// ```
/// assert_eq!(jpki_card::der_object_length(&[0x30, 0x82, 0x04, 0x00]).unwrap(), 1028);
/// assert_eq!(jpki_card::der_object_length(&[0x30, 0x81, 0x90]).unwrap(), 147);
/// assert!(jpki_card::der_object_length(&[0xFF, 0xFF, 0xFF, 0xFF]).is_err());
/// ```
pub fn der_object_length(head: &[u8]) -> Result<usize, Error> {
    let bad = Error::MalformedCertificate;
    match head {
        [] | [_] => Err(bad("fewer than 2 bytes")),
        [0x30, 0x80, ..] => Err(bad("indefinite length (BER, not DER)")),
        [0x30, len @ 0x00..=0x7F, ..] => Ok(2 + usize::from(*len)),
        [0x30, 0x81, len, ..] if *len >= 0x80 => Ok(3 + usize::from(*len)),
        [0x30, 0x82, hi, lo, ..] if *hi != 0 => Ok(4 + usize::from(u16::from_be_bytes([*hi, *lo]))),
        [0x30, 0x81 | 0x82, ..] => Err(bad("truncated or non-minimal length")),
        [0x30, ..] => Err(bad("length above 65535 bytes")),
        _ => Err(bad("does not start with a SEQUENCE (30)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_three_length_forms_are_sized() {
        assert_eq!(der_object_length(&[0x30, 0x05]).unwrap(), 7);
        assert_eq!(der_object_length(&[0x30, 0x81, 0x80]).unwrap(), 131);
        assert_eq!(
            der_object_length(&[0x30, 0x82, 0x05, 0xA1, 0x30]).unwrap(),
            1445
        );
    }

    #[test]
    fn garbage_headers_are_errors() {
        for head in [
            &[][..],
            &[0x30],
            &[0x30, 0x80],
            &[0x30, 0x81],
            &[0x30, 0x81, 0x10],
            &[0x30, 0x82, 0x00, 0x10],
            &[0x30, 0x83, 0x01, 0x00, 0x00],
            &[0x31, 0x05],
            &[0x6A, 0x82],
        ] {
            assert!(der_object_length(head).is_err(), "{head:02X?}");
        }
    }

    proptest! {
        #[test]
        fn never_panics_and_never_exceeds_the_header_bound(bytes in proptest::collection::vec(any::<u8>(), 0..8)) {
            if let Ok(n) = der_object_length(&bytes) {
                prop_assert!(n <= 4 + 0xFFFF);
                prop_assert!(n >= 2);
            }
        }
    }
}
