//! The two HPKI applications and the card layouts that locate their files.

/// An application of the HPKI card (`docs/spec/cards.md` §7), selected by AID:
///
/// ```text
/// 00 A4 04 0C 10 E8 28 BD 08 0F A0 00 00 03 91 00 00 00 00 00 01   signing AP
/// 00 A4 04 0C 10 E8 28 BD 08 0F A0 00 00 03 91 00 00 00 00 00 02   authentication AP
/// ```
///
/// `E8 28 BD 08 0F` is the ISO/IEC 7816-15 prefix; the card has no EF.DIR.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum App {
    /// The signing (non-repudiation) AP: the PIN is needed for **every** signature.
    Signing,
    /// The authentication AP: the PIN is needed once per session.
    Authentication,
}

impl App {
    /// The application identifier.
    pub const fn aid(self) -> [u8; 16] {
        let last = match self {
            Self::Signing => 0x01,
            Self::Authentication => 0x02,
        };
        [
            0xE8, 0x28, 0xBD, 0x08, 0x0F, 0xA0, 0x00, 0x00, 0x03, 0x91, 0x00, 0x00, 0x00, 0x00,
            0x00, last,
        ]
    }
}

impl core::fmt::Display for App {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Signing => "signing",
            Self::Authentication => "authentication",
        })
    }
}

/// Where an HPKI card keeps its files and how it names its PIN (`docs/spec/cards.md` §7).
///
/// | profile | PIN IEF | key IEF | certificate | VERIFY | MSE SET |
/// |---|---|---|---|---|---|
/// | [`Jma`](Self::Jma) | `0002` | `000C` | `0016` | `00 20 00 88` | `00 22 41 B6 04 84 02 00 0C` |
/// | [`JahisReference`](Self::JahisReference) | `0016` | `0017` | `0018` | `00 20 00 96` | `00 22 41 B6 04 81 02 00 17` |
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Profile {
    /// The real JMA (日本医師会) card, as two independent sources describe it.
    #[default]
    Jma,
    /// The reference layout of the JAHIS HPKI card guideline (short EF ids `11`–`1B`).
    JahisReference,
}

impl Profile {
    /// The PIN IEF.
    pub const fn pin_fid(self) -> u16 {
        match self {
            Self::Jma => 0x0002,
            Self::JahisReference => 0x0016,
        }
    }

    /// The private key IEF.
    pub const fn key_fid(self) -> u16 {
        match self {
            Self::Jma => 0x000C,
            Self::JahisReference => 0x0017,
        }
    }

    /// The end-entity certificate WEF.
    pub const fn certificate_fid(self) -> u16 {
        match self {
            Self::Jma => 0x0016,
            Self::JahisReference => 0x0018,
        }
    }

    /// The CA certificate WEFs the layout may hold, issuing CA first: none on JMA cards
    /// (the card holds only its end-entity certificate), `1A` (CA) and `1B`
    /// (intermediate) in the JAHIS reference layout. A card may lack them.
    pub const fn ca_certificate_fids(self) -> &'static [u16] {
        match self {
            Self::Jma => &[],
            Self::JahisReference => &[0x001A, 0x001B],
        }
    }

    /// P2 of VERIFY: the password reference (`88`) or `80 | SFI` of the PIN (`96`).
    pub const fn verify_p2(self) -> u8 {
        match self {
            Self::Jma => 0x88,
            Self::JahisReference => 0x96,
        }
    }

    /// The MSE SET control reference template naming the signing key: tag `84` (key
    /// reference) on JMA cards, `81` (file reference) in the JAHIS reference layout.
    pub const fn mse_key_template(self) -> [u8; 4] {
        let [hi, lo] = self.key_fid().to_be_bytes();
        let tag = match self {
            Self::Jma => 0x84,
            Self::JahisReference => 0x81,
        };
        [tag, 0x02, hi, lo]
    }

    /// The signing command tried first; the other one is the fallback on `6D00`/`6E00`.
    pub const fn preferred_sign_variant(self) -> crate::SignVariant {
        match self {
            Self::Jma => crate::SignVariant::JpkiStyle,
            Self::JahisReference => crate::SignVariant::JahisPso,
        }
    }
}
