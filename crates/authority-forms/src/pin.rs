//! PINs: the HPKI card PIN to set, and checks of the My Number Card PINs (§4, §9).

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::PinRules;

/// The HPKI card PIN the applicant chooses in the form. Zeroized on drop and
/// redacted in `Debug`; serialised as the plain string (it is sent to the authority).
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HpkiCardPin(String);

impl HpkiCardPin {
    /// Wraps a PIN.
    pub fn new(pin: impl Into<String>) -> HpkiCardPin {
        HpkiCardPin(pin.into())
    }

    /// The PIN, for sending it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// NFKC (full-width digits typed by an IME become ASCII) and trim, zeroizing every
    /// intermediate copy.
    pub(crate) fn normalize(&mut self) {
        use unicode_normalization::UnicodeNormalization;
        let mut full: String = self.0.nfkc().collect();
        let mut trimmed = full.trim().to_owned();
        full.zeroize();
        std::mem::swap(&mut self.0, &mut trimmed);
        trimmed.zeroize();
    }
}

impl std::fmt::Debug for HpkiCardPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HpkiCardPin(<redacted>)")
    }
}

/// What is wrong with a My Number Card PIN typed for the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PinProblem {
    /// Too short or too long for its kind.
    #[error("the PIN must have {min} to {max} characters")]
    Length {
        /// Fewest characters.
        min: u8,
        /// Most characters.
        max: u8,
    },
    /// A character outside the allowed set (digits for the 4-digit PIN; upper-case
    /// A–Z and digits for the signature PIN).
    #[error("the PIN has a character that is not allowed")]
    Charset,
    /// The signature PIN must mix letters and digits.
    #[error("the PIN must contain both letters and digits")]
    NotMixed,
}

/// Checks the 券面事項入力補助用 PIN (4 digits) before it is sent to the card, so a
/// typo does not cost one of the card's tries.
pub fn check_assist_pin(pin: &str, rules: &PinRules) -> Result<(), PinProblem> {
    let n = rules.assist_pin_digits;
    if pin.chars().count() != usize::from(n) {
        return Err(PinProblem::Length { min: n, max: n });
    }
    if !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(PinProblem::Charset);
    }
    Ok(())
}

/// Checks the signature PIN (署名用電子証明書暗証番号, Q&A 3): 6–16 characters,
/// upper-case letters and digits, mixed. Five wrong tries lock it, so check first.
pub fn check_signature_pin(pin: &str, rules: &PinRules) -> Result<(), PinProblem> {
    let length = pin.chars().count();
    if length < usize::from(rules.signature_pin_min)
        || length > usize::from(rules.signature_pin_max)
    {
        return Err(PinProblem::Length {
            min: rules.signature_pin_min,
            max: rules.signature_pin_max,
        });
    }
    if !pin
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Err(PinProblem::Charset);
    }
    let mixed =
        pin.chars().any(|c| c.is_ascii_uppercase()) && pin.chars().any(|c| c.is_ascii_digit());
    if rules.signature_pin_needs_letter_and_digit && !mixed {
        return Err(PinProblem::NotMixed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RuleSet;

    #[test]
    fn assist_pin_is_four_digits() {
        let r = RuleSet::guide_2024_06().unwrap().pins;
        assert_eq!(check_assist_pin("1234", &r), Ok(()));
        assert_eq!(
            check_assist_pin("123", &r),
            Err(PinProblem::Length { min: 4, max: 4 })
        );
        assert_eq!(check_assist_pin("12a4", &r), Err(PinProblem::Charset));
    }

    #[test]
    fn signature_pin_is_6_to_16_upper_case_letters_and_digits() {
        let r = RuleSet::guide_2024_06().unwrap().pins;
        assert_eq!(check_signature_pin("ABC123", &r), Ok(()));
        assert_eq!(check_signature_pin("A1B2C3D4E5F6G7H8", &r), Ok(()));
        assert_eq!(
            check_signature_pin("AB12", &r),
            Err(PinProblem::Length { min: 6, max: 16 })
        );
        assert_eq!(
            check_signature_pin("A1B2C3D4E5F6G7H8I", &r),
            Err(PinProblem::Length { min: 6, max: 16 })
        );
        assert_eq!(check_signature_pin("abc123", &r), Err(PinProblem::Charset));
        assert_eq!(
            check_signature_pin("ABCDEFG", &r),
            Err(PinProblem::NotMixed)
        );
        assert_eq!(
            check_signature_pin("1234567", &r),
            Err(PinProblem::NotMixed)
        );
    }

    #[test]
    fn hpki_pin_is_redacted() {
        let pin = HpkiCardPin::new("98765432");
        assert!(!format!("{pin:?}").contains("9876"));
        assert_eq!(pin.expose(), "98765432");
    }
}
