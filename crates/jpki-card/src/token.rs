//! The token EF (`0006`) of the JPKI AP: which kind of JPKI token answered.

use crate::Error;

/// What kind of JPKI token answered, from the token EF `0006` of the JPKI AP
/// (`docs/spec/cards.md` §1): 32 bytes of ASCII, padded with spaces or NULs.
///
/// ```
/// use jpki_card::TokenKind;
///
/// let kind = TokenKind::from_token(b"JPKIAPGPSETOKEN                 ")?;
/// assert_eq!(kind, TokenKind::SmartphoneAndroid);
/// assert!(kind.is_smartphone() && kind.auth_certificate_needs_pin());
/// assert_eq!(kind.value(), "JPKIAPGPSETOKEN");
/// # Ok::<(), jpki_card::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenKind {
    /// `JPKIAPICCTOKEN2`: the physical My Number Card.
    MyNumberCard,
    /// `JPKIAPICCTOKEN`: the old 住基 card.
    JukiCard,
    /// `JPKIAPGPSETOKEN`: the smartphone JPKI certificate (スマホ用電子証明書) on Android
    /// (auth certificate behind the auth PIN).
    SmartphoneAndroid,
    /// `JPKIAPIOSTOKEN`: the smartphone JPKI certificate on iPhone (unsettled).
    SmartphoneIos,
    /// Any other token value, trimmed.
    Other(String),
}

impl TokenKind {
    /// From the token EF contents: ASCII, padded with spaces or NULs (trimmed both).
    /// Fails with [`Error::MalformedToken`] when it is not ASCII.
    pub fn from_token(token: &[u8]) -> Result<Self, Error> {
        let text = core::str::from_utf8(token)
            .map_err(|_| Error::MalformedToken("not ASCII"))?
            .trim_matches(|c: char| c == ' ' || c == '\0' || c == '\u{FF}');
        if !text.is_ascii() {
            return Err(Error::MalformedToken("not ASCII"));
        }
        Ok(match text {
            "JPKIAPICCTOKEN2" => Self::MyNumberCard,
            "JPKIAPICCTOKEN" => Self::JukiCard,
            "JPKIAPGPSETOKEN" => Self::SmartphoneAndroid,
            "JPKIAPIOSTOKEN" => Self::SmartphoneIos,
            other => Self::Other(other.to_owned()),
        })
    }

    /// The token EF value this kind stands for (also the wire name in the Mynaportal
    /// binding).
    pub fn value(&self) -> &str {
        match self {
            Self::MyNumberCard => "JPKIAPICCTOKEN2",
            Self::JukiCard => "JPKIAPICCTOKEN",
            Self::SmartphoneAndroid => "JPKIAPGPSETOKEN",
            Self::SmartphoneIos => "JPKIAPIOSTOKEN",
            Self::Other(s) => s,
        }
    }

    /// Whether this is a smartphone's JPKI certificate rather than a card: such a login
    /// may inquire a Mynaportal application's status but not apply
    /// (`docs/spec/application.md` §5).
    pub fn is_smartphone(&self) -> bool {
        matches!(self, Self::SmartphoneAndroid | Self::SmartphoneIos)
    }

    /// Whether the user-authentication certificate needs the auth PIN (smartphone tokens).
    pub fn auth_certificate_needs_pin(&self) -> bool {
        self.is_smartphone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_value_round_trips_and_others_are_kept() {
        for value in [
            "JPKIAPICCTOKEN2",
            "JPKIAPICCTOKEN",
            "JPKIAPGPSETOKEN",
            "JPKIAPIOSTOKEN",
            "SOMETHING ELSE",
        ] {
            let mut padded = value.as_bytes().to_vec();
            padded.resize(32, b' ');
            assert_eq!(TokenKind::from_token(&padded).unwrap().value(), value);
        }
        assert_eq!(
            TokenKind::from_token(b"JPKIAPICCTOKEN2\0\0").unwrap(),
            TokenKind::MyNumberCard
        );
        assert!(TokenKind::from_token(&[0xC0, 0x80]).is_err());
        assert!(!TokenKind::MyNumberCard.is_smartphone());
    }
}
