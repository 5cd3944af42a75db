//! The card PIN: format checks before it reaches the card, and the retry counter.

use apdu::StatusWord;
use zeroize::Zeroizing;

use crate::Error;

/// Wrong PINs an HPKI card accepts in total before it locks (issuer documentation).
///
/// The card reports the counter as `63Cx`; 15 is `0xF`, the largest value the low nibble
/// of SW2 carries, so a fresh card answers `63CF` and the count is exact.
pub const MAX_TRIES: u8 = 15;

/// An HPKI card PIN: 4 to 16 printable ASCII characters (`docs/spec/cards.md` §7).
///
/// The format is checked when the PIN is made, so a malformed PIN never reaches the card
/// and never costs a try. The characters are zeroized on drop and never shown by
/// `Debug`.
///
/// ```
/// use hpki_card::Pin;
/// let pin = Pin::new("1234")?;
/// assert_eq!(format!("{pin:?}"), "Pin(<redacted>)");
/// assert!(Pin::new("123").is_err());
/// assert!(Pin::new("12 34").is_err());
/// # Ok::<(), hpki_card::Error>(())
/// ```
#[derive(Clone)]
pub struct Pin(Zeroizing<Vec<u8>>);

impl core::fmt::Debug for Pin {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Pin(<redacted>)")
    }
}

impl Pin {
    /// Checks the format and keeps the PIN.
    ///
    /// Fails with [`Error::PinFormat`] for fewer than 4 or more than 16 characters, or a
    /// character outside printable ASCII (`!` to `~`; no spaces).
    pub fn new(pin: &str) -> Result<Self, Error> {
        let bytes = pin.as_bytes();
        if !bytes.iter().all(|b| (0x21..=0x7E).contains(b)) {
            return Err(Error::PinFormat(
                "only printable ASCII characters, no spaces",
            ));
        }
        match bytes.len() {
            0..=3 => Err(Error::PinFormat("fewer than 4 characters")),
            4..=16 => Ok(Self(Zeroizing::new(bytes.to_vec()))),
            _ => Err(Error::PinFormat("more than 16 characters")),
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// What the card says about its PIN, from VERIFY without data (`00 20 00 P2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PinStatus {
    /// `9000`: the PIN was verified in this session (the authentication AP keeps it; the
    /// signing AP only until the next signature).
    Verified,
    /// `63Cx`: not verified, `x` tries left (1 to [`MAX_TRIES`]).
    TriesLeft(u8),
    /// `63C0`, `6983` or `6984`: blocked.
    Blocked,
}

impl PinStatus {
    /// Interprets the answer to VERIFY without data; `None` for any other status.
    pub fn from_status(sw: StatusWord) -> Option<Self> {
        if sw.is_success() {
            Some(Self::Verified)
        } else if sw.is_pin_blocked() {
            Some(Self::Blocked)
        } else {
            sw.tries_left().map(Self::TriesLeft)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_length_bounds_are_4_and_16() {
        assert!(Pin::new("abcd").is_ok());
        assert!(Pin::new("0123456789ABCDEF").is_ok());
        assert!(matches!(Pin::new("abc"), Err(Error::PinFormat(_))));
        assert!(matches!(
            Pin::new("0123456789ABCDEFG"),
            Err(Error::PinFormat(_))
        ));
        assert!(matches!(Pin::new(""), Err(Error::PinFormat(_))));
    }

    #[test]
    fn non_ascii_or_control_characters_are_refused() {
        assert!(Pin::new("１２３４").is_err());
        assert!(Pin::new("12\n34").is_err());
        assert!(Pin::new("12\u{7f}34").is_err());
    }

    #[test]
    fn status_words_map_to_pin_states() {
        assert_eq!(
            PinStatus::from_status(StatusWord(0x9000)),
            Some(PinStatus::Verified)
        );
        assert_eq!(
            PinStatus::from_status(StatusWord(0x63CF)),
            Some(PinStatus::TriesLeft(15))
        );
        assert_eq!(
            PinStatus::from_status(StatusWord(0x63C1)),
            Some(PinStatus::TriesLeft(1))
        );
        for blocked in [0x63C0, 0x6983, 0x6984] {
            assert_eq!(
                PinStatus::from_status(StatusWord(blocked)),
                Some(PinStatus::Blocked)
            );
        }
        assert_eq!(PinStatus::from_status(StatusWord(0x6A88)), None);
    }
}
