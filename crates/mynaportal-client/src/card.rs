//! What the procedure needs from the My Number Card, and a reader for it over any APDU
//! transport (`docs/spec/cards.md` §1–6), built on jpki-card.

use apdu::Transport;
use authority_forms::{CardApplicant, Sex};
use cert_signer::DigestAlgorithm;
use jpki_card::{BasicFourItems, CardKind, Certificate, JpkiCard, JpkiPin, LastTry, PinKind};
use zeroize::Zeroize as _;

use crate::{AssistPin, AuthPin, Error, SignaturePin};

/// The kind of JPKI token, from the token EF `0006` of the JPKI AP.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenKind {
    /// `JPKIAPICCTOKEN2`: the physical My Number Card.
    MyNumberCard,
    /// `JPKIAPICCTOKEN`: the old 住基 card.
    JukiCard,
    /// `JPKIAPGPSETOKEN`: the smartphone JPKI certificate (スマホ用電子証明書) on Android.
    SmartphoneAndroid,
    /// `JPKIAPIOSTOKEN`: the smartphone JPKI certificate on iPhone.
    SmartphoneIos,
    /// Anything else, as read.
    Other(String),
}

impl TokenKind {
    /// Parses the token EF's value (32 bytes of ASCII padded with spaces or NULs).
    pub fn from_token_file(bytes: &[u8]) -> Self {
        let text = String::from_utf8_lossy(bytes);
        let value = text.trim_matches(|c: char| c == ' ' || c == '\0' || c == '\u{FFFD}');
        match value {
            "JPKIAPICCTOKEN2" => Self::MyNumberCard,
            "JPKIAPICCTOKEN" => Self::JukiCard,
            "JPKIAPGPSETOKEN" => Self::SmartphoneAndroid,
            "JPKIAPIOSTOKEN" => Self::SmartphoneIos,
            other => Self::Other(other.chars().take(32).collect()),
        }
    }

    /// The token EF value this kind stands for (the wire name in the binding).
    pub fn value(&self) -> &str {
        match self {
            Self::MyNumberCard => "JPKIAPICCTOKEN2",
            Self::JukiCard => "JPKIAPICCTOKEN",
            Self::SmartphoneAndroid => "JPKIAPGPSETOKEN",
            Self::SmartphoneIos => "JPKIAPIOSTOKEN",
            Self::Other(s) => s,
        }
    }

    /// Whether this is a smartphone's JPKI certificate rather than the physical card:
    /// such a login may inquire a status but not apply (`docs/spec/application.md` §5).
    pub fn is_smartphone(&self) -> bool {
        matches!(self, Self::SmartphoneAndroid | Self::SmartphoneIos)
    }
}

impl From<&CardKind> for TokenKind {
    fn from(kind: &CardKind) -> Self {
        match kind {
            CardKind::MyNumberCard => Self::MyNumberCard,
            CardKind::JukiCard => Self::JukiCard,
            CardKind::AndroidSmartphone => Self::SmartphoneAndroid,
            CardKind::IPhone => Self::SmartphoneIos,
            CardKind::Other(value) => Self::Other(value.clone()),
            other => Self::Other(format!("{other:?}")),
        }
    }
}

/// The basic four items (基本4情報) as the card's input-support AP encodes them (and as
/// the JPKI signature certificate carries them, [`basic_four_from_certificate`](crate::basic_four_from_certificate)).
///
/// Personal data: `Debug` shows no value, and every field is zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicFour {
    /// 氏名, family and given name separated by U+3000.
    pub name: String,
    /// 住所, with full-width digits.
    pub address: String,
    /// 生年月日, `YYYYMMDD`.
    pub birth_date: String,
    /// 性別 as the card's digit: `1` male, `2` female, `9` not applicable.
    pub sex: String,
}

impl core::fmt::Debug for BasicFour {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Personal data: only say whether it is there.
        f.debug_struct("BasicFour")
            .field("name", &"<redacted>")
            .field("address", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl Drop for BasicFour {
    fn drop(&mut self) {
        self.name.zeroize();
        self.address.zeroize();
        self.birth_date.zeroize();
        self.sex.zeroize();
    }
}

impl From<&BasicFourItems> for BasicFour {
    /// The items as the card encodes them: the birth date as `YYYYMMDD`, the sex as its
    /// ISO/IEC 5218 digit.
    fn from(items: &BasicFourItems) -> Self {
        let date = items.birth_date;
        Self {
            name: items.name.clone(),
            address: items.address.clone(),
            birth_date: format!("{:04}{:02}{:02}", date.year(), date.month(), date.day()),
            sex: items.sex.code().to_string(),
        }
    }
}

impl BasicFour {
    /// The applicant as the form shows it in step 5 (read-only there).
    pub fn to_applicant(&self) -> Result<CardApplicant, Error> {
        let sex = match self.sex.as_str() {
            "1" => Sex::Male,
            "2" => Sex::Female,
            other => {
                return Err(Error::CardData(format!(
                    "sex code {other:?} cannot be entered in the application form"
                )));
            }
        };
        let birth_date = parse_yyyymmdd(&self.birth_date)
            .ok_or_else(|| Error::CardData("birth date is not YYYYMMDD".into()))?;
        Ok(CardApplicant {
            name: self.name.clone(),
            sex,
            birth_date,
            address: self.address.clone(),
            former_surname: None,
        })
    }
}

/// Parses `YYYYMMDD` into a civil date.
pub(crate) fn parse_yyyymmdd(s: &str) -> Option<jiff::civil::Date> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i16 = s.get(0..4)?.parse().ok()?;
    let m: i8 = s.get(4..6)?.parse().ok()?;
    let d: i8 = s.get(6..8)?.parse().ok()?;
    jiff::civil::Date::new(y, m, d).ok()
}

/// A certificate and a signature made with its key on the card.
#[derive(Clone, Debug)]
pub struct CardSignature {
    /// The end-entity certificate (DER).
    pub certificate_der: Vec<u8>,
    /// Its issuing CA certificate as the card holds it (DER).
    pub ca_der: Vec<u8>,
    /// The RSA PKCS#1 v1.5 signature.
    pub signature: Vec<u8>,
}

/// What the Mynaportal procedure needs from a My Number Card (or a smartphone JPKI
/// token): the token kind, the basic four items, a login signature with the
/// user-authentication key, and the application signature with the signature key.
///
/// [`ApduCard`] implements it over any [`apdu::Transport`] (PC/SC, the in-process
/// virtual card). Implementations verify each PIN once per call and never retry one.
pub trait PortalCard {
    /// Reads the token EF of the JPKI AP.
    fn token(&mut self) -> Result<TokenKind, Error>;
    /// Reads the basic four items from the input-support AP with its 4-digit PIN.
    fn read_basic_four(&mut self, pin: &AssistPin) -> Result<BasicFour, Error>;
    /// Signs a login challenge's digest with the user-authentication key.
    fn sign_with_auth_key(
        &mut self,
        pin: &AuthPin,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<CardSignature, Error>;
    /// Signs a digest with the signature key (the application package).
    fn sign_with_signature_key(
        &mut self,
        pin: &SignaturePin,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<CardSignature, Error>;
}

/// The My Number Card over an APDU transport, through [`jpki_card::JpkiCard`]
/// (`docs/spec/cards.md` §1–6): the same protocol code the rest of medsign uses.
///
/// Each call verifies its PIN exactly once and never retries it. Before a PIN is sent
/// the card is asked how many tries are left (VERIFY without data): a blocked PIN is not
/// sent ([`Error::PinBlocked`]), and the last try is refused ([`Error::LastTryRefused`])
/// unless [`allow_last_try`](Self::allow_last_try) was called after warning the user.
/// The basic four items are read into zeroized buffers and handed over as a
/// [`BasicFour`] (zeroized on drop, redacted in `Debug`).
#[derive(Debug)]
pub struct ApduCard<T: Transport> {
    card: JpkiCard<T>,
    last_try: LastTry,
}

impl<T: Transport> ApduCard<T> {
    /// Opens a session with a My Number Card (or a smartphone JPKI token): SELECT of the
    /// JPKI AP and the token EF (3 APDUs). Anything else is [`Error::NotAMyNumberCard`].
    pub fn open(transport: T) -> Result<Self, Error> {
        JpkiCard::open(transport)
            .map(Self::from_jpki)
            .map_err(Error::from)
    }

    /// Wraps a session opened with jpki-card (for example one that already showed the
    /// PIN tries to the user).
    pub fn from_jpki(card: JpkiCard<T>) -> Self {
        Self {
            card,
            last_try: LastTry::Refuse,
        }
    }

    /// Lets the next PINs spend a card's last try (a wrong PIN then locks it). Ask the
    /// user first.
    pub fn allow_last_try(mut self, allow: bool) -> Self {
        self.last_try = if allow {
            LastTry::Allow
        } else {
            LastTry::Refuse
        };
        self
    }

    /// The jpki-card session, for what the procedure does not need: the tries left on a
    /// PIN between steps ([`JpkiCard::pin_status`]), the certificates.
    pub fn jpki(&mut self) -> &mut JpkiCard<T> {
        &mut self.card
    }

    /// Ends the session and gives the transport back.
    pub fn into_inner(self) -> T {
        self.card.into_transport()
    }

    /// With the last try allowed jpki-card sends the PIN without asking the counter
    /// first; ask it here so that a blocked PIN is still never sent.
    fn refuse_blocked(&mut self, kind: PinKind) -> Result<(), Error> {
        if self.last_try == LastTry::Allow {
            let status = match kind {
                PinKind::Text => self.card.text_ap().pin_status()?,
                _ => self.card.pin_status(kind)?,
            };
            if status.is_blocked() {
                return Err(Error::PinBlocked);
            }
        }
        Ok(())
    }

    fn sign_with<P: JpkiPin>(
        &mut self,
        pin: &P,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<CardSignature, Error> {
        let (certificate, ca) = match P::KIND {
            PinKind::Sign => (Certificate::Sign, Certificate::SignCa),
            _ => (Certificate::Auth, Certificate::AuthCa),
        };
        self.refuse_blocked(P::KIND)?;
        // The PIN first: the signature certificate, and on smartphone tokens the
        // authentication certificate, can only be read after it.
        let signature = self
            .card
            .sign_digest(pin, self.last_try, algorithm, digest)?;
        let certificate_der = self.card.certificate(certificate)?.to_vec();
        let ca_der = self.card.certificate(ca)?.to_vec();
        Ok(CardSignature {
            certificate_der,
            ca_der,
            signature,
        })
    }
}

impl<T: Transport> PortalCard for ApduCard<T> {
    fn token(&mut self) -> Result<TokenKind, Error> {
        Ok(TokenKind::from(self.card.kind()))
    }

    fn read_basic_four(&mut self, pin: &AssistPin) -> Result<BasicFour, Error> {
        let pin = jpki_card::TextPin::new(pin.expose())?;
        self.refuse_blocked(PinKind::Text)?;
        let mut text = self.card.text_ap();
        // One VERIFY per call, even when this session verified the PIN before: a wrong
        // PIN is never answered with the holder's data.
        text.verify(&pin, self.last_try)?;
        let items = text.basic_four_items(&pin, self.last_try)?;
        Ok(BasicFour::from(&items))
    }

    fn sign_with_auth_key(
        &mut self,
        pin: &AuthPin,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<CardSignature, Error> {
        let pin = jpki_card::AuthPin::new(pin.expose())?;
        self.sign_with(&pin, algorithm, digest)
    }

    fn sign_with_signature_key(
        &mut self,
        pin: &SignaturePin,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<CardSignature, Error> {
        let pin = jpki_card::SignPin::new(pin.expose())?;
        self.sign_with(&pin, algorithm, digest)
    }
}
