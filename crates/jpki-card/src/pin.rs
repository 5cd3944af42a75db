//! The card's PINs: formats checked at construction, zeroized on drop, redacted in Debug.

use cert_signer::PinError;
use zeroize::Zeroizing;

/// Which PIN (`docs/spec/cards.md` §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PinKind {
    /// 利用者証明用暗証番号: 4 digits, 3 tries, IEF `0018` of the JPKI AP.
    Auth,
    /// 署名用電子証明書暗証番号: 6–16 of `A–Z 0–9`, 5 tries, IEF `001B` of the JPKI AP.
    Sign,
    /// 券面事項入力補助用暗証番号: 4 digits, 3 tries, IEF `0011` of the input-support AP.
    Text,
}

impl PinKind {
    /// Tries a fresh (or just verified) PIN has.
    pub const fn max_tries(self) -> u8 {
        match self {
            Self::Auth | Self::Text => 3,
            Self::Sign => 5,
        }
    }

    /// The PIN's internal EF id.
    pub(crate) const fn ief(self) -> u16 {
        match self {
            Self::Auth => 0x0018,
            Self::Sign => 0x001B,
            Self::Text => 0x0011,
        }
    }

    fn check(self, pin: &str) -> Result<(), PinError> {
        let bad = |reason| Err(PinError::Format(reason));
        match self {
            Self::Auth | Self::Text => {
                if pin.len() != 4 {
                    return bad("must be exactly 4 digits");
                }
                if !pin.bytes().all(|b| b.is_ascii_digit()) {
                    return bad("must be digits 0-9 only");
                }
            }
            Self::Sign => {
                if !(6..=16).contains(&pin.len()) {
                    return bad("must be 6 to 16 characters");
                }
                if !pin
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                {
                    return bad("must be upper-case letters A-Z and digits 0-9 only");
                }
            }
        }
        Ok(())
    }
}

impl core::fmt::Display for PinKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Auth => "user-authentication",
            Self::Sign => "signature",
            Self::Text => "input-support",
        })
    }
}

macro_rules! pin_type {
    ($(#[$doc:meta])* $name:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(Zeroizing<String>);

        impl $name {
            /// Checks the format; a malformed PIN is refused here
            /// ([`PinError::Format`]) and never reaches the card.
            pub fn new(pin: &str) -> Result<Self, PinError> {
                $kind.check(pin)?;
                Ok(Self(Zeroizing::new(pin.to_owned())))
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl core::str::FromStr for $name {
            type Err = PinError;
            fn from_str(s: &str) -> Result<Self, PinError> {
                Self::new(s)
            }
        }

        impl Pin for $name {
            const KIND: PinKind = $kind;
            fn bytes(&self) -> &[u8] {
                self.0.as_bytes()
            }
        }
    };
}

pin_type!(
    /// The JPKI user-authentication PIN: exactly 4 digits.
    AuthPin,
    PinKind::Auth
);
pin_type!(
    /// The JPKI signature PIN: 6 to 16 characters, upper-case `A–Z` and `0–9`.
    ///
    /// The issuing rule (at least one letter and one digit) is not checked: it is
    /// unsettled whether the card enforces it, and refusing a PIN the card accepts would
    /// lock the holder out.
    SignPin,
    PinKind::Sign
);
pin_type!(
    /// The 券面事項入力補助 PIN: exactly 4 digits.
    TextPin,
    PinKind::Text
);

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::AuthPin {}
    impl Sealed for super::SignPin {}
    impl Sealed for super::TextPin {}
}

/// A well-formed PIN of a known kind (implemented by [`AuthPin`], [`SignPin`],
/// [`TextPin`] only).
pub trait Pin: sealed::Sealed + Clone + core::fmt::Debug {
    /// Which PIN this is.
    const KIND: PinKind;
    /// The ASCII bytes sent in VERIFY.
    #[doc(hidden)]
    fn bytes(&self) -> &[u8];
}

/// A PIN of the JPKI AP: [`AuthPin`] or [`SignPin`].
pub trait JpkiPin: Pin {}
impl JpkiPin for AuthPin {}
impl JpkiPin for SignPin {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_pin_must_be_four_digits() {
        assert!(AuthPin::new("1234").is_ok());
        for bad in ["123", "12345", "12a4", "１２３４", ""] {
            assert!(
                matches!(AuthPin::new(bad), Err(PinError::Format(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn sign_pin_is_six_to_sixteen_upper_case_letters_and_digits() {
        assert!(SignPin::new("ABC123").is_ok());
        assert!(SignPin::new("ABCDEFGH12345678").is_ok());
        for bad in ["ABC12", "ABCDEFGH123456789", "abc123", "ABC 123", "ABC-123"] {
            assert!(SignPin::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_never_shows_the_pin() {
        let pin = SignPin::new("SECRET99").unwrap();
        let s = format!("{pin:?}");
        assert_eq!(s, "SignPin(<redacted>)");
        assert_eq!(
            format!("{:?}", TextPin::new("9876").unwrap()),
            "TextPin(<redacted>)"
        );
    }

    #[test]
    fn error_text_never_contains_the_pin() {
        let e = AuthPin::new("12x4").unwrap_err().to_string();
        assert!(!e.contains("12x4"), "{e}");
    }
}
