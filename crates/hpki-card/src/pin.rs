//! The card PIN: format checks before it reaches the card.

use cert_signer::PinError;
use zeroize::Zeroizing;

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
    /// Fails with [`PinError::Format`] for fewer than 4 or more than 16 characters, or a
    /// character outside printable ASCII (`!` to `~`; no spaces).
    pub fn new(pin: &str) -> Result<Self, PinError> {
        let bytes = pin.as_bytes();
        if !bytes.iter().all(|b| (0x21..=0x7E).contains(b)) {
            return Err(PinError::Format(
                "must be printable ASCII characters, no spaces",
            ));
        }
        match bytes.len() {
            0..=3 => Err(PinError::Format("must be at least 4 characters")),
            4..=16 => Ok(Self(Zeroizing::new(bytes.to_vec()))),
            _ => Err(PinError::Format("must be at most 16 characters")),
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl core::str::FromStr for Pin {
    type Err = PinError;
    fn from_str(s: &str) -> Result<Self, PinError> {
        Self::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_length_bounds_are_4_and_16() {
        assert!(Pin::new("abcd").is_ok());
        assert!(Pin::new("0123456789ABCDEF").is_ok());
        assert!(matches!(Pin::new("abc"), Err(PinError::Format(_))));
        assert!(matches!(
            Pin::new("0123456789ABCDEFG"),
            Err(PinError::Format(_))
        ));
        assert!(matches!(Pin::new(""), Err(PinError::Format(_))));
    }

    #[test]
    fn non_ascii_or_control_characters_are_refused() {
        assert!(Pin::new("１２３４").is_err());
        assert!(Pin::new("12\n34").is_err());
        assert!(Pin::new("12\u{7f}34").is_err());
        assert!("12 34".parse::<Pin>().is_err());
    }
}
