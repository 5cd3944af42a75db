//! The My Number Card PINs the procedure asks for, checked before they reach the card.

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
    /// The JPKI user-authentication PIN (利用者証明用暗証番号, 4 digits), for the login.
    /// Zeroized on drop, redacted in `Debug`.
    AuthPin
);
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

fn four_digits(pin: &str, rules: &PinRules, which: &'static str) -> Result<(), Error> {
    check_assist_pin(pin, rules).map_err(|problem| Error::PinFormat { which, problem })
}

impl AuthPin {
    /// Checks the format (4 digits) so that a typo does not cost one of the card's three
    /// tries.
    pub fn new(pin: &str, rules: &PinRules) -> Result<Self, Error> {
        four_digits(pin, rules, "user-authentication")?;
        Ok(Self(Zeroizing::new(pin.to_owned())))
    }
}

impl AssistPin {
    /// Checks the format (4 digits) so that a typo does not cost one of the card's three
    /// tries.
    pub fn new(pin: &str, rules: &PinRules) -> Result<Self, Error> {
        four_digits(pin, rules, "input-support")?;
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
