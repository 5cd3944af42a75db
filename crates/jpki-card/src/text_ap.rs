//! The 券面事項入力補助AP (input-support AP): the basic four items and the My Number.

use apdu::Transport;
use jiff::civil::Date;
use zeroize::{Zeroize, Zeroizing};

use crate::jpki_ap::{App, JpkiCard};
use crate::{Error, LastTry, PinKind, PinStatus, TextPin};

/// 券面事項入力補助AP (`docs/spec/cards.md` §1).
pub const TEXT_AID: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08];

const MY_NUMBER_FID: u16 = 0x0001;
const BASIC_FOUR_FID: u16 = 0x0002;
/// The My Number file is 17 bytes: `FF 10 0C` + 12 digits + 2 filler bytes.
const MY_NUMBER_FILE_LEN: u32 = 17;

/// 性別 as the card encodes it (ISO/IEC 5218 digits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sex {
    /// `1`.
    Male,
    /// `2`.
    Female,
    /// `9`: not applicable.
    NotApplicable,
    /// `0`: not known (ISO 5218; not seen on cards).
    NotKnown,
}

impl Sex {
    /// From the card's ASCII digit.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            b'1' => Some(Self::Male),
            b'2' => Some(Self::Female),
            b'9' => Some(Self::NotApplicable),
            b'0' => Some(Self::NotKnown),
            _ => None,
        }
    }

    /// The ISO/IEC 5218 digit.
    pub const fn code(self) -> char {
        match self {
            Self::Male => '1',
            Self::Female => '2',
            Self::NotApplicable => '9',
            Self::NotKnown => '0',
        }
    }
}

/// 基本4情報: the four items printed on the card's face, as typed values.
///
/// ```text
/// FF 20 L
///   DF 21 08  four big-endian u16 offsets (of DF22..DF25) from the start of the file
///   DF 22 n   name, UTF-8; family and given name separated by U+3000
///   DF 23 n   address, UTF-8
///   DF 24 08  birth date, ASCII "YYYYMMDD"
///   DF 25 01  sex, ASCII digit
/// ```
///
/// The one basic-four type of medsign: `mynaportal_client` reads it from the card and
/// from the JPKI signature certificate too. Personal data: `Debug` prints no field's
/// value, and the text fields are zeroized when the value is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicFourItems {
    /// 氏名 as on the card (with the U+3000 separator).
    pub name: String,
    /// The part of the name before the first U+3000 (the whole name when there is none).
    pub family_name: String,
    /// The part after the first U+3000; `None` for names without the separator
    /// (e.g. some foreign residents' names).
    pub given_name: Option<String>,
    /// 住所.
    pub address: String,
    /// 生年月日 (Gregorian).
    pub birth_date: Date,
    /// 性別.
    pub sex: Sex,
}

impl core::fmt::Debug for BasicFourItems {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BasicFourItems")
            .field("name", &"<redacted>")
            .field("address", &"<redacted>")
            .field("birth_date", &"<redacted>")
            .field("sex", &"<redacted>")
            .finish()
    }
}

impl Drop for BasicFourItems {
    fn drop(&mut self) {
        use zeroize::Zeroize as _;
        self.name.zeroize();
        self.family_name.zeroize();
        if let Some(given) = self.given_name.as_mut() {
            given.zeroize();
        }
        self.address.zeroize();
    }
}

impl BasicFourItems {
    /// The items from their values (e.g. as a JPKI signature certificate carries them);
    /// the name is split into family and given name at its first U+3000.
    pub fn new(name: String, address: String, birth_date: Date, sex: Sex) -> Self {
        let (family_name, given_name) = match name.split_once('\u{3000}') {
            Some((family, given)) => (family.to_owned(), Some(given.to_owned())),
            None => (name.clone(), None),
        };
        Self {
            name,
            family_name,
            given_name,
            address,
            birth_date,
            sex,
        }
    }

    /// The items from their values as the card and the JPKI signature certificate encode
    /// them: the birth date as `YYYYMMDD`, the sex as its ISO/IEC 5218 digit.
    pub fn from_encoded(
        name: String,
        address: String,
        birth_date: &str,
        sex: &str,
    ) -> Result<Self, Error> {
        let bad = Error::MalformedBasicFourItems;
        let birth_date =
            parse_date(birth_date.as_bytes()).ok_or(bad("birth date is not a YYYYMMDD date"))?;
        let sex = match sex.as_bytes() {
            [code] => Sex::from_code(*code).ok_or(bad("sex is not 0, 1, 2 or 9"))?,
            _ => return Err(bad("sex is not one digit")),
        };
        Ok(Self::new(name, address, birth_date, sex))
    }

    /// The birth date as the card writes it, `YYYYMMDD`.
    pub fn birth_date_yyyymmdd(&self) -> String {
        let d = self.birth_date;
        format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
    }

    /// Parses the basic four items file (`0002`); filler bytes after the TLV are
    /// ignored, the offsets in `DF21` are checked against the layout.
    pub fn parse(file: &[u8]) -> Result<Self, Error> {
        let bad = Error::MalformedBasicFourItems;
        let (outer, filler) = apdu::Tlv::parse(file).map_err(|_| bad("outer TLV"))?;
        if outer.tag.value() != 0xFF20 {
            return Err(bad("outer tag is not FF20"));
        }
        let header_len = file.len() - outer.value.len() - filler.len();
        let mut name = None;
        let mut address = None;
        let mut birth = None;
        let mut sex = None;
        let mut offsets = None;
        let mut at = header_len;
        let mut starts = Vec::with_capacity(4);
        let mut rest = outer.value;
        while !rest.is_empty() {
            let (item, after) = apdu::Tlv::parse(rest).map_err(|_| bad("inner TLV"))?;
            let tag = item.tag.value();
            if (0xDF22..=0xDF25).contains(&tag) {
                starts.push(at);
            }
            match tag {
                0xDF21 => offsets = Some(item.value),
                0xDF22 => name = Some(item.value),
                0xDF23 => address = Some(item.value),
                0xDF24 => birth = Some(item.value),
                0xDF25 => sex = Some(item.value),
                _ => {} // Unknown items are tolerated.
            }
            at += rest.len() - after.len();
            rest = after;
        }
        if let Some(offsets) = offsets {
            let declared: Vec<usize> = offsets
                .chunks_exact(2)
                .map(|p| match p {
                    [hi, lo] => usize::from(u16::from_be_bytes([*hi, *lo])),
                    _ => usize::MAX,
                })
                .collect();
            if offsets.len() != 8 || declared != starts {
                return Err(bad("DF21 offsets disagree with the items"));
            }
        }
        let text = |v: Option<&[u8]>, what: &'static str| -> Result<String, Error> {
            let v = v.ok_or(bad(what))?;
            String::from_utf8(v.to_vec()).map_err(|_| bad("an item is not UTF-8"))
        };
        let name = text(name, "no name (DF22)")?;
        let address = text(address, "no address (DF23)")?;
        let birth = birth.ok_or(bad("no birth date (DF24)"))?;
        let birth_date = parse_date(birth).ok_or(bad("birth date is not a YYYYMMDD date"))?;
        let sex = match sex.ok_or(bad("no sex (DF25)"))? {
            [code] => Sex::from_code(*code).ok_or(bad("sex is not 0, 1, 2 or 9"))?,
            _ => return Err(bad("sex is not one byte")),
        };
        Ok(Self::new(name, address, birth_date, sex))
    }
}

/// A `YYYYMMDD` date as the card and the JPKI certificate write it.
fn parse_date(ascii: &[u8]) -> Option<Date> {
    if ascii.len() != 8 || !ascii.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |r: core::ops::Range<usize>| -> Option<i16> {
        core::str::from_utf8(ascii.get(r)?).ok()?.parse().ok()
    };
    Date::new(
        n(0..4)?,
        i8::try_from(n(4..6)?).ok()?,
        i8::try_from(n(6..8)?).ok()?,
    )
    .ok()
}

/// 個人番号 (My Number): 12 digits whose last is a check digit.
///
/// Legally restricted personal data (番号法): zeroized on drop, never shown by `Debug`
/// or `Display`. Use [`MyNumber::expose`] where the number itself is needed, and drop
/// the value as soon as possible.
#[derive(Clone, PartialEq, Eq)]
pub struct MyNumber(Zeroizing<String>);

impl MyNumber {
    /// From 12 ASCII digits, checking the check digit (`docs/spec/cards.md` §6).
    pub fn parse(digits: &str) -> Result<Self, Error> {
        let bad = Error::MalformedMyNumber;
        let bytes = digits.as_bytes();
        if bytes.len() != 12 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(bad("not 12 digits"));
        }
        if check_digit(bytes.get(..11).unwrap_or(&[])) != bytes.get(11).map(|b| b - b'0') {
            return Err(bad("check digit mismatch"));
        }
        Ok(Self(Zeroizing::new(digits.to_owned())))
    }

    /// Parses the My Number file (`0001`): `FF 10 0C` + 12 ASCII digits (+ filler).
    pub fn parse_file(file: &[u8]) -> Result<Self, Error> {
        let bad = Error::MalformedMyNumber;
        let (tlv, _) = apdu::Tlv::parse(file).map_err(|_| bad("TLV"))?;
        if tlv.tag.value() != 0xFF10 {
            return Err(bad("tag is not FF10"));
        }
        let mut digits =
            String::from_utf8(tlv.value.to_vec()).map_err(|_| bad("not ASCII digits"))?;
        let parsed = Self::parse(&digits);
        digits.zeroize();
        parsed
    }

    /// The 12 digits. Do not log or store them.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The check digit of the first 11 digits (weights 6,5,4,3,2,7,6,5,4,3,2; mod 11).
fn check_digit(first11: &[u8]) -> Option<u8> {
    if first11.len() != 11 {
        return None;
    }
    const WEIGHTS: [u32; 11] = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    let sum: u32 = first11
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d.wrapping_sub(b'0')) * w)
        .sum();
    let r = sum % 11;
    Some(if r <= 1 { 0 } else { (11 - r) as u8 })
}

impl core::fmt::Debug for MyNumber {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("MyNumber(<redacted>)")
    }
}

impl core::fmt::Display for MyNumber {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("<My Number redacted>")
    }
}

/// The input-support AP of an open card: borrow it with [`JpkiCard::text_ap`].
///
/// Every read verifies the input-support PIN once per application selection: the
/// basic four items followed by the My Number cost one VERIFY in total.
#[derive(Debug)]
pub struct TextAp<'a, T: Transport> {
    card: &'a mut JpkiCard<T>,
}

impl<'a, T: Transport> TextAp<'a, T> {
    pub(crate) fn new(card: &'a mut JpkiCard<T>) -> Self {
        Self { card }
    }

    /// Tries left on the input-support PIN, without spending one.
    pub fn pin_status(&mut self) -> Result<PinStatus, Error> {
        self.card.select_app(App::Text)?;
        self.card.pin_status_in_app(PinKind::Text)
    }

    /// Verifies the input-support PIN (see [`JpkiCard::verify`] for `last_try`).
    pub fn verify(&mut self, pin: &TextPin, last_try: LastTry) -> Result<(), Error> {
        self.card.select_app(App::Text)?;
        self.card.verify_in_app(pin, last_try)
    }

    /// Reads and parses the basic four items (VERIFY unless already verified, SELECT
    /// `0002`, READ BINARY: 4 or 5 APDUs on a fresh selection).
    pub fn basic_four_items(
        &mut self,
        pin: &TextPin,
        last_try: LastTry,
    ) -> Result<BasicFourItems, Error> {
        self.unlock(pin, last_try)?;
        self.card.select_ef(BASIC_FOUR_FID)?;
        let file = Zeroizing::new(self.card.read_basic_four_file()?);
        BasicFourItems::parse(&file)
    }

    /// Reads the My Number (VERIFY unless already verified, SELECT `0001`, one READ
    /// BINARY of 17 bytes).
    pub fn my_number(&mut self, pin: &TextPin, last_try: LastTry) -> Result<MyNumber, Error> {
        self.unlock(pin, last_try)?;
        self.card.select_ef(MY_NUMBER_FID)?;
        let file = Zeroizing::new(self.card.read_binary(0, MY_NUMBER_FILE_LEN)?.0);
        MyNumber::parse_file(&file)
    }

    fn unlock(&mut self, pin: &TextPin, last_try: LastTry) -> Result<(), Error> {
        self.card.select_app(App::Text)?;
        if !self.card.is_verified(PinKind::Text) {
            self.card.verify_in_app(pin, last_try)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digit_matches_the_published_rule() {
        // 12345678901 → weighted sum 1*6+2*5+3*4+4*3+5*2+6*7+7*6+8*5+9*4+0*3+1*2 = 212,
        // 212 mod 11 = 3, check = 8.
        assert_eq!(check_digit(b"12345678901"), Some(8));
        assert!(MyNumber::parse("123456789018").is_ok());
        assert!(MyNumber::parse("123456789017").is_err());
        assert!(MyNumber::parse("12345678901").is_err());
        assert!(MyNumber::parse("12345678901a").is_err());
    }

    #[test]
    fn my_number_never_prints() {
        let n = MyNumber::parse("123456789018").unwrap();
        assert_eq!(format!("{n:?}"), "MyNumber(<redacted>)");
        assert!(!n.to_string().contains("1234"));
        assert_eq!(n.expose(), "123456789018");
    }

    #[test]
    fn my_number_file_with_filler() {
        let mut file = vec![0xFF, 0x10, 0x0C];
        file.extend_from_slice(b"123456789018");
        file.extend_from_slice(&[0xFF, 0xFF]);
        assert_eq!(
            MyNumber::parse_file(&file).unwrap().expose(),
            "123456789018"
        );
        file[3] = b'9';
        assert!(MyNumber::parse_file(&file).is_err());
        assert!(MyNumber::parse_file(&[0xFF, 0x10]).is_err());
    }

    fn sample(name: &str) -> Vec<u8> {
        let items: Vec<(u8, Vec<u8>)> = vec![
            (0x22, name.as_bytes().to_vec()),
            (
                0x23,
                "東京都架空市見本町１丁目９９９番地".as_bytes().to_vec(),
            ),
            (0x24, b"19800401".to_vec()),
            (0x25, b"2".to_vec()),
        ];
        let enc: Vec<Vec<u8>> = items
            .iter()
            .map(|(t, v)| {
                let mut e = vec![0xDF, *t, v.len() as u8];
                e.extend(v);
                e
            })
            .collect();
        let body_len = 11 + enc.iter().map(Vec::len).sum::<usize>();
        assert!(body_len < 0x80);
        let mut at = 2 + 1 + 11;
        let mut body = vec![0xDF, 0x21, 0x08];
        for e in &enc {
            body.extend((at as u16).to_be_bytes());
            at += e.len();
        }
        for e in enc {
            body.extend(e);
        }
        let mut file = vec![0xFF, 0x20, body.len() as u8];
        file.extend(body);
        file.extend([0xFF; 8]);
        file
    }

    #[test]
    fn basic_four_items_are_typed() {
        let items = BasicFourItems::parse(&sample("山田\u{3000}花子")).unwrap();
        let shown = format!("{items:?}");
        assert!(
            !shown.contains("山田") && !shown.contains("花子"),
            "{shown}"
        );
        assert_eq!(items.family_name, "山田");
        assert_eq!(items.given_name.as_deref(), Some("花子"));
        assert_eq!(items.birth_date, jiff::civil::date(1980, 4, 1));
        assert_eq!(items.sex, Sex::Female);
        assert!(items.address.starts_with("東京都"));
    }

    #[test]
    fn a_name_without_the_separator_is_all_family_name() {
        let items = BasicFourItems::parse(&sample("SMITH JOHN")).unwrap();
        assert_eq!(items.family_name, "SMITH JOHN");
        assert_eq!(items.given_name, None);
    }

    #[test]
    fn wrong_offsets_bad_dates_and_truncation_are_errors() {
        let good = sample("山田\u{3000}花子");
        let mut wrong_offset = good.clone();
        wrong_offset[6] ^= 1;
        assert!(BasicFourItems::parse(&wrong_offset).is_err());
        for cut in 0..good.len() - 8 {
            assert!(BasicFourItems::parse(&good[..cut]).is_err(), "cut at {cut}");
        }
        let bad_date = String::from_utf8_lossy(&good).replace("19800401", "19801301");
        assert!(BasicFourItems::parse(bad_date.as_bytes()).is_err());
    }
}
