//! The application's PINs, checked against the authority's rules before they reach the
//! card.
//!
//! The input-support and signature PINs have rules in the authority's rule set (the
//! signature PIN must mix letters and digits, which the card itself may not check), so
//! they are this crate's types; the login's user-authentication PIN has no such rule and
//! is jpki-card's [`AuthPin`](jpki_card::AuthPin), re-exported.

use authority_forms::{PinProblem, PinRules, check_assist_pin, check_signature_pin};
use zeroize::Zeroizing;

use crate::Error;

macro_rules! pin_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(Zeroizing<String>);

        impl $name {
            /// The PIN as ASCII, for the card's VERIFY command.
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    };
}

pin_type!(
    /// The 券面事項入力補助用 PIN (4 digits), for reading the basic four items.
    /// Zeroized on drop, redacted in `Debug`.
    AssistPin
);
pin_type!(
    /// The JPKI signature PIN (署名用電子証明書暗証番号, 6–16 upper-case letters and
    /// digits), for signing the application. Zeroized on drop, redacted in `Debug`.
    SignaturePin
);

impl AssistPin {
    /// Checks the format (4 digits) so that a typo does not cost one of the card's three
    /// tries.
    pub fn new(pin: &str, rules: &PinRules) -> Result<Self, Error> {
        check_assist_pin(pin, rules).map_err(|problem| Error::PinFormat {
            which: "input-support",
            problem,
        })?;
        Ok(Self(Zeroizing::new(pin.to_owned())))
    }
}

impl SignaturePin {
    /// Checks the format (Q&A 3: 6–16 characters, upper-case A–Z and 0–9) so that a
    /// typo does not cost one of the five tries that lock the signature certificate.
    pub fn new(pin: &str, rules: &PinRules) -> Result<Self, Error> {
        check_signature_pin(pin, rules).map_err(|problem| Error::PinFormat {
            which: "signature",
            problem,
        })?;
        Ok(Self(Zeroizing::new(pin.to_owned())))
    }
}

/// The guide's message for a malformed PIN, Japanese then English.
pub(crate) fn pin_message(which: &str, problem: PinProblem) -> (String, String) {
    match (which, problem) {
        ("signature", _) => (
            "署名用電子証明書の暗証番号は英大文字と数字を組み合わせた6文字以上16文字以下で入力してください。".into(),
            format!("The signature PIN is 6 to 16 upper-case letters and digits ({problem})."),
        ),
        (_, _) => (
            "暗証番号は数字4桁で入力してください。".into(),
            format!("The {which} PIN is 4 digits ({problem})."),
        ),
    }
}
