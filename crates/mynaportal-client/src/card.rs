//! What the procedure needs from the My Number Card, and a reader for it over any APDU
//! transport (`cards.md` §1–6).

use apdu::{Command, StatusWord, Transport, transmit};
use authority_forms::{CardApplicant, Sex};
use cert_signer::DigestAlgorithm;

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
    /// such a login may inquire a status but not apply (`application.md` §5).
    pub fn is_smartphone(&self) -> bool {
        matches!(self, Self::SmartphoneAndroid | Self::SmartphoneIos)
    }
}

/// The basic four items (基本4情報) as the card's input-support AP holds them.
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

impl BasicFour {
    /// Parses the `0002` file of the input-support AP (`cards.md` §6): `FF 20 L { DF21
    /// offsets, DF22 name, DF23 address, DF24 birth date, DF25 sex }`, filler after it.
    pub fn parse(file: &[u8]) -> Result<Self, Error> {
        let bad = |what: &str| Error::CardData(format!("basic four items: {what}"));
        let (body, _) = tlv(file, &[0xFF, 0x20]).ok_or_else(|| bad("no FF20 template"))?;
        let mut fields: [Option<String>; 4] = [None, None, None, None];
        let mut rest = body;
        while !rest.is_empty() {
            let tag = rest.get(..2).ok_or_else(|| bad("truncated tag"))?;
            let (value, after) = tlv(rest, tag).ok_or_else(|| bad("truncated item"))?;
            let text =
                || String::from_utf8(value.to_vec()).map_err(|_| bad("an item is not UTF-8"));
            match tag {
                [0xDF, 0x22] => fields[0] = Some(text()?),
                [0xDF, 0x23] => fields[1] = Some(text()?),
                [0xDF, 0x24] => fields[2] = Some(text()?),
                [0xDF, 0x25] => fields[3] = Some(text()?),
                _ => {}
            }
            rest = after;
        }
        let [Some(name), Some(address), Some(birth_date), Some(sex)] = fields else {
            return Err(bad("an item is missing"));
        };
        Ok(Self {
            name,
            address,
            birth_date,
            sex,
        })
    }

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

/// Splits `tag L value` off the front of `input`; returns the value and what follows.
fn tlv<'a>(input: &'a [u8], tag: &[u8]) -> Option<(&'a [u8], &'a [u8])> {
    let rest = input.strip_prefix(tag)?;
    let (len, header): (usize, usize) = match *rest.first()? {
        n @ 0..=0x7F => (usize::from(n), 1),
        0x81 => (usize::from(*rest.get(1)?), 2),
        0x82 => (
            usize::from(u16::from_be_bytes([*rest.get(1)?, *rest.get(2)?])),
            3,
        ),
        _ => return None,
    };
    let value = rest.get(header..header.checked_add(len)?)?;
    let after = rest.get(header + len..)?;
    Some((value, after))
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

const JPKI_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
const TEXT_AID: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08];
/// The JPKI AP files of one key (`cards.md` §2).
struct KeyFiles {
    pin: [u8; 2],
    certificate: [u8; 2],
    ca: [u8; 2],
    key: [u8; 2],
}

/// The user-authentication key: PIN `0018`, certificate `000A`, CA `000B`, key `0017`.
const AUTH_KEY: KeyFiles = KeyFiles {
    pin: [0, 0x18],
    certificate: [0, 0x0A],
    ca: [0, 0x0B],
    key: [0, 0x17],
};
/// The signature key: PIN `001B`, certificate `0001`, CA `0002`, key `001A`.
const SIGN_KEY: KeyFiles = KeyFiles {
    pin: [0, 0x1B],
    certificate: [0, 0x01],
    ca: [0, 0x02],
    key: [0, 0x1A],
};

/// Files larger than this are refused rather than read (certificates are ~1.5 KB).
const MAX_FILE: usize = 16 * 1024;

/// The My Number Card over an APDU transport (`cards.md` §1–6).
///
/// ```text
/// 00 A4 04 0C 0A AID        SELECT the JPKI AP / the input-support AP
/// 00 A4 02 0C 02 FID        SELECT an EF
/// 00 20 00 80 Lc PIN        VERIFY
/// 00 B0 P1 P2 Le            READ BINARY
/// 80 2A 00 80 Lc DigestInfo 00   sign (the card pads)
/// ```
///
/// Before each PIN is sent the card is asked how many tries are left (VERIFY without
/// data): a blocked PIN is not sent ([`Error::PinBlocked`]), and the last try is
/// refused ([`Error::LastTryRefused`]) unless [`allow_last_try`](Self::allow_last_try)
/// was called after warning the user.
#[derive(Debug)]
pub struct ApduCard<T> {
    transport: T,
    allow_last_try: bool,
}

impl<T: Transport> ApduCard<T> {
    /// Wraps a transport to a My Number Card.
    pub fn new(transport: T) -> Self {
        Self {
            transport,
            allow_last_try: false,
        }
    }

    /// Lets the next PINs spend a card's last try (a wrong PIN then locks it). Ask the
    /// user first.
    pub fn allow_last_try(mut self, allow: bool) -> Self {
        self.allow_last_try = allow;
        self
    }

    /// Gives the transport back.
    pub fn into_inner(self) -> T {
        self.transport
    }

    fn send(&mut self, command: &Command) -> Result<apdu::Response, Error> {
        transmit(&mut self.transport, command).map_err(Error::Apdu)
    }

    fn select_ap(&mut self, aid: &[u8]) -> Result<(), Error> {
        let r = self.send(&Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(aid.to_vec()))?;
        ok(r.sw)
    }

    fn select_ef(&mut self, fid: [u8; 2]) -> Result<(), Error> {
        let r = self.send(&Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(fid.to_vec()))?;
        ok(r.sw)
    }

    fn verify(&mut self, fid: [u8; 2], pin: &str) -> Result<(), Error> {
        self.select_ef(fid)?;
        // The tries left, without spending one.
        let status = self.send(&Command::new(0x00, 0x20, 0x00, 0x80))?.sw;
        if status.is_pin_blocked() {
            return Err(Error::PinBlocked);
        }
        if status.tries_left() == Some(1) && !self.allow_last_try {
            return Err(Error::LastTryRefused);
        }
        let r =
            self.send(&Command::new(0x00, 0x20, 0x00, 0x80).with_data(pin.as_bytes().to_vec()))?;
        match r.sw.0 {
            0x9000 => Ok(()),
            0x63C0 | 0x6983 | 0x6984 => Err(Error::PinBlocked),
            sw if sw & 0xFFF0 == 0x63C0 => Err(Error::WrongPin {
                tries_left: (sw & 0x000F) as u8,
            }),
            _ => Err(Error::Card(r.sw)),
        }
    }

    /// Reads the selected EF whose content starts with a BER length after a `tag_len`
    /// tag: reads the header, then exactly the rest.
    fn read_sized(&mut self, tag_len: usize) -> Result<Vec<u8>, Error> {
        let mut data = self.read_binary(0, 8)?;
        let total = match data.get(tag_len..) {
            Some([n @ 0..=0x7F, ..]) => tag_len + 1 + usize::from(*n),
            Some([0x81, n, ..]) => tag_len + 2 + usize::from(*n),
            Some([0x82, hi, lo, ..]) => tag_len + 3 + usize::from(u16::from_be_bytes([*hi, *lo])),
            _ => return Err(Error::CardData("file has no readable length header".into())),
        };
        if total > MAX_FILE {
            return Err(Error::CardData(format!("file claims {total} bytes")));
        }
        while data.len() < total {
            let want = (total - data.len()).min(256);
            let chunk = self.read_binary(data.len(), want)?;
            if chunk.is_empty() {
                return Err(Error::CardData("file ends before its length".into()));
            }
            data.extend(chunk);
        }
        data.truncate(total);
        Ok(data)
    }

    fn read_binary(&mut self, offset: usize, len: usize) -> Result<Vec<u8>, Error> {
        let offset = u16::try_from(offset)
            .ok()
            .filter(|o| *o <= 0x7FFF)
            .ok_or_else(|| Error::CardData("offset beyond 15 bits".into()))?;
        let [p1, p2] = offset.to_be_bytes();
        let r = self.send(&Command::new(0x00, 0xB0, p1, p2).with_le(len as u32))?;
        match r.sw.0 {
            0x9000 | 0x6282 => Ok(r.data),
            0x6B00 => Ok(Vec::new()),
            _ => Err(Error::Card(r.sw)),
        }
    }

    fn sign_selected(
        &mut self,
        key: [u8; 2],
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let info = algorithm
            .digest_info(digest)
            .map_err(|e| Error::CardData(e.to_string()))?;
        self.select_ef(key)?;
        let r = self.send(
            &Command::new(0x80, 0x2A, 0x00, 0x80)
                .with_data(info)
                .with_le(256),
        )?;
        ok(r.sw)?;
        Ok(r.data)
    }

    fn sign_with(
        &mut self,
        key: &KeyFiles,
        pin: &str,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<CardSignature, Error> {
        self.select_ap(&JPKI_AID)?;
        self.verify(key.pin, pin)?;
        self.select_ef(key.certificate)?;
        let certificate_der = self.read_sized(1)?;
        self.select_ef(key.ca)?;
        let ca_der = self.read_sized(1)?;
        let signature = self.sign_selected(key.key, algorithm, digest)?;
        Ok(CardSignature {
            certificate_der,
            ca_der,
            signature,
        })
    }
}

fn ok(sw: StatusWord) -> Result<(), Error> {
    if sw == StatusWord::SUCCESS {
        Ok(())
    } else {
        Err(Error::Card(sw))
    }
}

impl<T: Transport> PortalCard for ApduCard<T> {
    fn token(&mut self) -> Result<TokenKind, Error> {
        self.select_ap(&JPKI_AID)?;
        self.select_ef([0x00, 0x06])?;
        let data = self.read_binary(0, 32)?;
        Ok(TokenKind::from_token_file(&data))
    }

    fn read_basic_four(&mut self, pin: &AssistPin) -> Result<BasicFour, Error> {
        self.select_ap(&TEXT_AID)?;
        self.verify([0x00, 0x11], pin.expose())?;
        self.select_ef([0x00, 0x02])?;
        let file = self.read_sized(2)?;
        BasicFour::parse(&file)
    }

    fn sign_with_auth_key(
        &mut self,
        pin: &AuthPin,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<CardSignature, Error> {
        // The PIN first: smartphone tokens guard the auth certificate with it too.
        self.sign_with(&AUTH_KEY, pin.expose(), algorithm, digest)
    }

    fn sign_with_signature_key(
        &mut self,
        pin: &SignaturePin,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<CardSignature, Error> {
        self.sign_with(&SIGN_KEY, pin.expose(), algorithm, digest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_four_parses_long_form_lengths_and_ignores_filler() {
        let holder = card_sim::TestHolder::yamada_hanako();
        let file = holder.basic_four_items_file(16);
        let four = BasicFour::parse(&file).unwrap();
        assert_eq!(four.name, "山田\u{3000}花子");
        assert_eq!(four.birth_date, "19800401");
        assert_eq!(four.sex, "2");
        let applicant = four.to_applicant().unwrap();
        assert_eq!(applicant.sex, Sex::Female);
        assert_eq!(applicant.birth_date, jiff::civil::date(1980, 4, 1));
    }

    #[test]
    fn basic_four_refuses_truncated_files() {
        let file = card_sim::TestHolder::yamada_hanako().basic_four_items_file(0);
        for cut in 0..file.len() {
            assert!(BasicFour::parse(&file[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn token_kind_reads_padded_values() {
        assert_eq!(
            TokenKind::from_token_file(b"JPKIAPGPSETOKEN                 "),
            TokenKind::SmartphoneAndroid
        );
        assert_eq!(
            TokenKind::from_token_file(b"JPKIAPICCTOKEN2\0\0"),
            TokenKind::MyNumberCard
        );
        assert!(TokenKind::SmartphoneAndroid.is_smartphone());
        assert!(!TokenKind::MyNumberCard.is_smartphone());
    }

    #[test]
    fn debug_of_basic_four_shows_no_personal_data() {
        let four =
            BasicFour::parse(&card_sim::TestHolder::yamada_hanako().basic_four_items_file(0))
                .unwrap();
        assert!(!format!("{four:?}").contains("山田"));
    }
}
