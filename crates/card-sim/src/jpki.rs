//! The virtual My Number Card: the JPKI AP and the 券面事項入力補助AP (`docs/spec/cards.md` §1–6).

mod pki;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use apdu::{Command, Response, StatusWord};
use rsa::Pkcs1v15Sign;
use zeroize::Zeroizing;

pub use self::pki::{JpkiTestPki, TestPkiError};
use crate::VirtualCard;

/// The JPKI AP (公的個人認証) and the 券面事項入力補助AP (input-support AP): jpki-card's
/// definitions, the one place they are written (jpki-card's trace tests pin the bytes).
pub use jpki_card::{JPKI_AID, TEXT_AID};
/// The other applications of the card: selectable, but without files here
/// (券面事項確認AP, 住基AP, 共通AP).
const OTHER_AIDS: [[u8; 10]; 3] = [
    [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02],
    [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01],
    [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00],
];

/// The contact ATR of the My Number Card (`docs/spec/cards.md` §1); OpenSC's JPKI driver matches it.
pub const MY_NUMBER_ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];

/// The documented default PINs of the virtual card.
pub mod default_pins {
    /// User-authentication PIN (利用者証明用暗証番号).
    pub const AUTH: &str = "1234";
    /// Signature PIN (署名用電子証明書暗証番号).
    pub const SIGN: &str = "ABC123";
    /// 券面事項入力補助 PIN.
    pub const TEXT: &str = "1234";
}

/// The token EF (`0006`) value, which tells the card kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Token {
    /// `JPKIAPICCTOKEN2`: the My Number Card.
    Icc2,
    /// `JPKIAPICCTOKEN`: the old 住基 card.
    Icc,
    /// `JPKIAPGPSETOKEN`: Android smartphone JPKI (auth certificate behind the auth PIN).
    Gpse,
    /// `JPKIAPIOSTOKEN`: iPhone JPKI (unsettled; behaves like `Gpse`).
    Ios,
}

impl Token {
    /// The ASCII value written at the start of the token EF.
    pub const fn value(self) -> &'static str {
        match self {
            Self::Icc2 => "JPKIAPICCTOKEN2",
            Self::Icc => "JPKIAPICCTOKEN",
            Self::Gpse => "JPKIAPGPSETOKEN",
            Self::Ios => "JPKIAPIOSTOKEN",
        }
    }

    const fn auth_cert_needs_pin(self) -> bool {
        matches!(self, Self::Gpse | Self::Ios)
    }
}

/// How the card says a PIN is blocked (cards differ, `docs/spec/cards.md` §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BlockedStatus {
    /// `63C0`.
    #[default]
    Counter,
    /// `6983` (authentication method blocked).
    MethodBlocked,
    /// `6984` (reference data not usable).
    NotUsable,
}

impl BlockedStatus {
    const fn sw(self) -> StatusWord {
        match self {
            Self::Counter => StatusWord(0x63C0),
            Self::MethodBlocked => StatusWord::AUTHENTICATION_METHOD_BLOCKED,
            Self::NotUsable => StatusWord::REFERENCE_DATA_NOT_USABLE,
        }
    }
}

/// A fictitious card holder: the basic four items, the My Number and a certificate
/// serial name.
#[derive(Clone)]
pub struct TestHolder {
    /// 氏名: family and given name separated by U+3000.
    pub name: String,
    /// 住所, with full-width digits as on the card.
    pub address: String,
    /// 生年月日, `YYYYMMDD`.
    pub birth_date: String,
    /// 性別 as on the card: `'1'` male, `'2'` female, `'9'` not applicable.
    pub sex: char,
    /// 個人番号: 12 digits with a valid check digit.
    pub my_number: Zeroizing<String>,
    /// The CN of the holder's certificates.
    pub serial: String,
}

impl core::fmt::Debug for TestHolder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TestHolder")
            .field("name", &self.name)
            .field("my_number", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl TestHolder {
    /// 山田　花子, female, born 1980-04-01, of a fictitious 番地 in a fictitious city.
    pub fn yamada_hanako() -> Self {
        Self {
            name: "山田\u{3000}花子".into(),
            address: "東京都架空市見本町１丁目９９９番地".into(),
            birth_date: "19800401".into(),
            sex: '2',
            my_number: Zeroizing::new(with_check_digit("12345678901")),
            serial: "MEDSIGN TEST HOLDER 0001".into(),
        }
    }

    /// 医療　太郎, male, born 1975-11-03, of a fictitious 番地 in a fictitious city.
    pub fn iryo_taro() -> Self {
        Self {
            name: "医療\u{3000}太郎".into(),
            address: "大阪府試験市架空町２丁目８８８番地の１".into(),
            birth_date: "19751103".into(),
            sex: '1',
            my_number: Zeroizing::new(with_check_digit("98765432109")),
            serial: "MEDSIGN TEST HOLDER 0002".into(),
        }
    }

    /// The 個人番号 file (`0001`): `FF 10 0C` + 12 ASCII digits + 2 filler bytes.
    pub fn my_number_file(&self) -> Vec<u8> {
        let mut out = vec![0xFF, 0x10, 0x0C];
        out.extend_from_slice(self.my_number.as_bytes());
        out.extend_from_slice(&[0xFF, 0xFF]);
        out
    }

    /// The 基本4情報 file (`0002`): `FF 20 L { DF21 offsets, DF22 name, DF23 address,
    /// DF24 birth date, DF25 sex }` followed by `filler` bytes of `FF`.
    pub fn basic_four_items_file(&self, filler: usize) -> Vec<u8> {
        let sex = self.sex.to_string();
        let items: [(u8, &[u8]); 4] = [
            (0x22, self.name.as_bytes()),
            (0x23, self.address.as_bytes()),
            (0x24, self.birth_date.as_bytes()),
            (0x25, sex.as_bytes()),
        ];
        let encoded: Vec<Vec<u8>> = items
            .iter()
            .map(|(tag, value)| tlv(&[0xDF, *tag], value))
            .collect();
        // The offsets TLV is 11 bytes; the outer header's length depends on the body.
        let body_len = 11 + encoded.iter().map(Vec::len).sum::<usize>();
        let header_len = 2 + length_octets(body_len).len();
        let mut offsets = Vec::with_capacity(8);
        let mut at = header_len + 11;
        for item in &encoded {
            offsets.extend_from_slice(&(at as u16).to_be_bytes());
            at += item.len();
        }
        let mut body = tlv(&[0xDF, 0x21], &offsets);
        for item in encoded {
            body.extend(item);
        }
        let mut out = tlv(&[0xFF, 0x20], &body);
        out.extend(std::iter::repeat_n(0xFF, filler));
        out
    }
}

fn length_octets(len: usize) -> Vec<u8> {
    match len {
        0..=0x7F => vec![len as u8],
        0x80..=0xFF => vec![0x81, len as u8],
        _ => {
            let [hi, lo] = (len.min(0xFFFF) as u16).to_be_bytes();
            vec![0x82, hi, lo]
        }
    }
}

fn tlv(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    out.extend(length_octets(value.len()));
    out.extend_from_slice(value);
    out
}

/// Appends the My Number check digit (`docs/spec/cards.md` §6) to 11 digits.
pub fn with_check_digit(first11: &str) -> String {
    let weights = [6u32, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    let sum: u32 = first11
        .chars()
        .filter_map(|c| c.to_digit(10))
        .zip(weights)
        .map(|(d, w)| d * w)
        .sum();
    let r = sum % 11;
    let check = if r <= 1 { 0 } else { 11 - r };
    format!("{first11}{check}")
}

/// Switchable behaviours and PINs of a [`MyNumberCard`].
#[derive(Clone, Debug)]
pub struct MyNumberOptions {
    /// The user-authentication PIN (4 digits; the card stores whatever it is given).
    pub auth_pin: Zeroizing<String>,
    /// The signature PIN.
    pub sign_pin: Zeroizing<String>,
    /// The 券面事項入力補助 PIN.
    pub text_pin: Zeroizing<String>,
    /// The token EF value (card kind).
    pub token: Token,
    /// How blocked PINs are reported.
    pub blocked: BlockedStatus,
    /// Split every response longer than this many bytes: the first part with `61xx`,
    /// the rest through GET RESPONSE (T=0 style). `None`: answer in one piece.
    pub split_responses: Option<usize>,
    /// Answer a READ BINARY whose Le runs past the end of the file with `6Cxx` (the
    /// exact length) instead of the short data with `6282`.
    pub exact_le: bool,
    /// The holder.
    pub holder: TestHolder,
}

impl Default for MyNumberOptions {
    fn default() -> Self {
        Self {
            auth_pin: Zeroizing::new(default_pins::AUTH.into()),
            sign_pin: Zeroizing::new(default_pins::SIGN.into()),
            text_pin: Zeroizing::new(default_pins::TEXT.into()),
            token: Token::Icc2,
            blocked: BlockedStatus::Counter,
            split_responses: None,
            exact_le: false,
            holder: TestHolder::yamada_hanako(),
        }
    }
}

/// The card's three PINs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardPin {
    /// JPKI user-authentication PIN (IEF `0018`, 3 tries).
    Auth,
    /// JPKI signature PIN (IEF `001B`, 5 tries).
    Sign,
    /// 券面事項入力補助 PIN (IEF `0011`, 3 tries).
    Text,
}

impl CardPin {
    const fn max_tries(self) -> u8 {
        match self {
            Self::Auth | Self::Text => 3,
            Self::Sign => 5,
        }
    }
}

struct PinState {
    value: Zeroizing<Vec<u8>>,
    left: u8,
    verified: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum App {
    None,
    Jpki,
    Text,
    Other,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ef {
    AuthCert,
    AuthCa,
    SignCert,
    SignCa,
    Token,
    AuthKey,
    SignKey,
    Pin(CardPin),
    MyNumber,
    BasicFour,
}

/// A virtual My Number Card (JPKI AP and 券面事項入力補助AP), faithful to `docs/spec/cards.md`.
///
/// ```text
/// 00 A4 04 0C Lc AID          SELECT application (JPKI, input-support; others empty)
/// 00 A4 02 0C 02 FID          SELECT EF in the current application
/// 00 B0 P1 P2 Le              READ BINARY at 15-bit offset P1-P2
/// 00 20 00 80 [Lc PIN]        VERIFY (without data: the counter, 63Cx)
/// 00 24 01 80 Lc new          CHANGE REFERENCE DATA (after VERIFY)
/// 80 2A 00 80 Lc DigestInfo 00  sign with the selected key (card pads PKCS#1 v1.5)
/// 00 C0 00 00 Le              GET RESPONSE (when responses are split)
/// ```
///
/// Access rules: the signature certificate and key need the signature PIN, the auth key
/// (and on smartphone tokens the auth certificate) the auth PIN, the input-support files
/// the input-support PIN; otherwise `6982`. Verified PINs are forgotten on reset and on
/// every application SELECT.
pub struct MyNumberCard {
    options: MyNumberOptions,
    pki: Arc<JpkiTestPki>,
    app: App,
    ef: Option<Ef>,
    auth: PinState,
    sign: PinState,
    text: PinState,
    pending: Vec<u8>,
    token_file: Vec<u8>,
    my_number_file: Zeroizing<Vec<u8>>,
    basic_four_file: Vec<u8>,
}

impl core::fmt::Debug for MyNumberCard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MyNumberCard")
            .field("token", &self.options.token)
            .field("app", &self.app)
            .field("ef", &self.ef)
            .field("auth_tries_left", &self.auth.left)
            .field("sign_tries_left", &self.sign.left)
            .field("text_tries_left", &self.text.left)
            .finish_non_exhaustive()
    }
}

impl MyNumberCard {
    /// A fresh card for the default holder with the default PINs.
    pub fn new() -> Result<Self, TestPkiError> {
        Self::with_options(MyNumberOptions::default())
    }

    /// A fresh card with the given PINs and behaviours (the PKI is generated for the
    /// options' holder).
    pub fn with_options(options: MyNumberOptions) -> Result<Self, TestPkiError> {
        let pki = Arc::new(JpkiTestPki::generate(&options.holder)?);
        Ok(Self::with_pki(options, pki))
    }

    /// A fresh card reusing an already generated PKI (must match the options' holder).
    pub fn with_pki(options: MyNumberOptions, pki: Arc<JpkiTestPki>) -> Self {
        let pin = |v: &Zeroizing<String>, kind: CardPin| PinState {
            value: Zeroizing::new(v.as_bytes().to_vec()),
            left: kind.max_tries(),
            verified: false,
        };
        let mut token_file = options.token.value().as_bytes().to_vec();
        token_file.resize(32, b' ');
        Self {
            auth: pin(&options.auth_pin, CardPin::Auth),
            sign: pin(&options.sign_pin, CardPin::Sign),
            text: pin(&options.text_pin, CardPin::Text),
            my_number_file: Zeroizing::new(options.holder.my_number_file()),
            basic_four_file: options.holder.basic_four_items_file(16),
            token_file,
            options,
            pki,
            app: App::None,
            ef: None,
            pending: Vec::new(),
        }
    }

    /// The card's test PKI (certificates and keys).
    pub fn pki(&self) -> &Arc<JpkiTestPki> {
        &self.pki
    }

    /// The options the card was made with.
    pub fn options(&self) -> &MyNumberOptions {
        &self.options
    }

    /// Changes the behaviours at run time (the PINs and holder of `options` are ignored).
    pub fn set_behaviour(
        &mut self,
        blocked: BlockedStatus,
        split_responses: Option<usize>,
        exact_le: bool,
    ) {
        self.options.blocked = blocked;
        self.options.split_responses = split_responses;
        self.options.exact_le = exact_le;
    }

    /// Tries left on `pin`.
    pub fn tries_left(&self, pin: CardPin) -> u8 {
        self.pin(pin).left
    }

    /// Sets the tries left on `pin` (0 blocks it), as if wrong PINs had been given.
    pub fn set_tries_left(&mut self, pin: CardPin, left: u8) {
        let state = self.pin_mut(pin);
        state.left = left.min(pin.max_tries());
        state.verified = false;
    }

    /// The current value of `pin` (after CHANGE REFERENCE DATA), for tests.
    pub fn pin_value(&self, pin: CardPin) -> Zeroizing<String> {
        Zeroizing::new(String::from_utf8_lossy(&self.pin(pin).value).into_owned())
    }

    fn pin(&self, pin: CardPin) -> &PinState {
        match pin {
            CardPin::Auth => &self.auth,
            CardPin::Sign => &self.sign,
            CardPin::Text => &self.text,
        }
    }

    fn pin_mut(&mut self, pin: CardPin) -> &mut PinState {
        match pin {
            CardPin::Auth => &mut self.auth,
            CardPin::Sign => &mut self.sign,
            CardPin::Text => &mut self.text,
        }
    }

    fn forget_verifications(&mut self) {
        self.auth.verified = false;
        self.sign.verified = false;
        self.text.verified = false;
    }

    fn answer(&mut self, cmd: &Command) -> Response {
        let sw = |s| Response::status(s);
        match (cmd.cla, cmd.ins) {
            (0x00, 0xA4) => sw(self.select(cmd)),
            (0x00, 0xB0) => self.read_binary(cmd),
            (0x00, 0x20) => sw(self.verify(cmd)),
            (0x00, 0x24) => sw(self.change_reference_data(cmd)),
            (0x80, 0x2A) => self.sign(cmd),
            (0x00, 0xC0) => self.get_response(cmd),
            (0x00 | 0x80, _) => sw(StatusWord::INS_NOT_SUPPORTED),
            _ => sw(StatusWord::CLA_NOT_SUPPORTED),
        }
    }

    fn select(&mut self, cmd: &Command) -> StatusWord {
        match (cmd.p1, cmd.p2) {
            (0x04, 0x0C | 0x00) => {
                let aid = cmd.data();
                self.forget_verifications();
                self.ef = None;
                self.app = if aid == JPKI_AID {
                    App::Jpki
                } else if aid == TEXT_AID {
                    App::Text
                } else if OTHER_AIDS.iter().any(|a| a == aid) {
                    App::Other
                } else {
                    self.app = App::None;
                    return StatusWord::FILE_NOT_FOUND;
                };
                StatusWord::SUCCESS
            }
            (0x02, 0x0C | 0x00) => {
                let [hi, lo] = cmd.data() else {
                    return StatusWord::WRONG_LENGTH;
                };
                let fid = u16::from_be_bytes([*hi, *lo]);
                let ef = match (self.app, fid) {
                    (App::Jpki, 0x000A) => Ef::AuthCert,
                    (App::Jpki, 0x000B) => Ef::AuthCa,
                    (App::Jpki, 0x0001) => Ef::SignCert,
                    (App::Jpki, 0x0002) => Ef::SignCa,
                    (App::Jpki, 0x0006) => Ef::Token,
                    (App::Jpki, 0x0017) => Ef::AuthKey,
                    (App::Jpki, 0x0018) => Ef::Pin(CardPin::Auth),
                    (App::Jpki, 0x001A) => Ef::SignKey,
                    (App::Jpki, 0x001B) => Ef::Pin(CardPin::Sign),
                    (App::Text, 0x0001) => Ef::MyNumber,
                    (App::Text, 0x0002) => Ef::BasicFour,
                    (App::Text, 0x0011) => Ef::Pin(CardPin::Text),
                    _ => return StatusWord::FILE_NOT_FOUND,
                };
                self.ef = Some(ef);
                StatusWord::SUCCESS
            }
            _ => StatusWord::INCORRECT_P1_P2,
        }
    }

    /// The contents of a readable EF, or the status that refuses reading it.
    fn file(&self, ef: Ef) -> Result<&[u8], StatusWord> {
        let needs = |pin: &PinState| {
            if pin.verified {
                Ok(())
            } else {
                Err(StatusWord::SECURITY_STATUS_NOT_SATISFIED)
            }
        };
        match ef {
            Ef::AuthCert => {
                if self.options.token.auth_cert_needs_pin() {
                    needs(&self.auth)?;
                }
                Ok(self.pki.auth_cert_der())
            }
            Ef::AuthCa => Ok(self.pki.auth_ca_der()),
            Ef::SignCert => {
                needs(&self.sign)?;
                Ok(self.pki.sign_cert_der())
            }
            Ef::SignCa => Ok(self.pki.sign_ca_der()),
            Ef::Token => Ok(&self.token_file),
            Ef::MyNumber => {
                needs(&self.text)?;
                Ok(&self.my_number_file)
            }
            Ef::BasicFour => {
                needs(&self.text)?;
                Ok(&self.basic_four_file)
            }
            // Keys and PINs are internal EFs.
            Ef::AuthKey | Ef::SignKey | Ef::Pin(_) => Err(StatusWord(0x6981)),
        }
    }

    fn read_binary(&mut self, cmd: &Command) -> Response {
        let fail = Response::status;
        if cmd.p1 & 0x80 != 0 {
            // Short EF identifiers are not used by JPKI hosts.
            return fail(StatusWord::FUNCTION_NOT_SUPPORTED);
        }
        let Some(ef) = self.ef else {
            return fail(StatusWord::COMMAND_NOT_ALLOWED);
        };
        let Some(ne) = cmd.le() else {
            return fail(StatusWord::WRONG_LENGTH);
        };
        let file = match self.file(ef) {
            Ok(f) => f,
            Err(sw) => return fail(sw),
        };
        let offset = usize::from(u16::from_be_bytes([cmd.p1, cmd.p2]));
        let Some(rest) = file.get(offset..).filter(|r| !r.is_empty()) else {
            return fail(StatusWord::WRONG_P1_P2);
        };
        let ne = ne as usize;
        if rest.len() >= ne {
            return Response::new(rest.get(..ne).unwrap_or(rest).to_vec(), StatusWord::SUCCESS);
        }
        if self.options.exact_le {
            let xx = u8::try_from(rest.len()).unwrap_or(0);
            return fail(StatusWord::from_bytes(0x6C, xx));
        }
        Response::new(rest.to_vec(), StatusWord::END_OF_FILE)
    }

    fn blocked_sw(&self) -> StatusWord {
        self.options.blocked.sw()
    }

    fn verify(&mut self, cmd: &Command) -> StatusWord {
        if (cmd.p1, cmd.p2) != (0x00, 0x80) {
            return StatusWord::INCORRECT_P1_P2;
        }
        let Some(Ef::Pin(kind)) = self.ef else {
            return StatusWord::COMMAND_NOT_ALLOWED;
        };
        let blocked = self.blocked_sw();
        let state = self.pin_mut(kind);
        if cmd.data().is_empty() {
            return if state.left == 0 {
                blocked
            } else {
                StatusWord::from_bytes(0x63, 0xC0 | state.left)
            };
        }
        if state.left == 0 {
            return blocked;
        }
        let matches: bool =
            subtle::ConstantTimeEq::ct_eq(cmd.data(), state.value.as_slice()).into();
        if matches {
            state.left = kind.max_tries();
            state.verified = true;
            StatusWord::SUCCESS
        } else {
            state.left -= 1;
            state.verified = false;
            StatusWord::from_bytes(0x63, 0xC0 | state.left)
        }
    }

    fn change_reference_data(&mut self, cmd: &Command) -> StatusWord {
        if (cmd.p1, cmd.p2) != (0x01, 0x80) {
            return StatusWord::INCORRECT_P1_P2;
        }
        let Some(Ef::Pin(kind)) = self.ef else {
            return StatusWord::COMMAND_NOT_ALLOWED;
        };
        let blocked = self.blocked_sw();
        let state = self.pin_mut(kind);
        if state.left == 0 {
            return blocked;
        }
        if !state.verified {
            return StatusWord::SECURITY_STATUS_NOT_SATISFIED;
        }
        let new = cmd.data();
        let well_formed = match kind {
            CardPin::Auth | CardPin::Text => new.len() == 4 && new.iter().all(u8::is_ascii_digit),
            CardPin::Sign => {
                (6..=16).contains(&new.len())
                    && new
                        .iter()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            }
        };
        if !well_formed {
            return StatusWord::WRONG_DATA;
        }
        state.value = Zeroizing::new(new.to_vec());
        StatusWord::SUCCESS
    }

    fn sign(&mut self, cmd: &Command) -> Response {
        let fail = Response::status;
        if (cmd.p1, cmd.p2) != (0x00, 0x80) {
            return fail(StatusWord::INCORRECT_P1_P2);
        }
        let (key, pin) = match self.ef {
            Some(Ef::AuthKey) => (self.pki.auth_key(), &self.auth),
            Some(Ef::SignKey) => (self.pki.sign_key(), &self.sign),
            _ => return fail(StatusWord::COMMAND_NOT_ALLOWED),
        };
        if !pin.verified {
            return fail(StatusWord::SECURITY_STATUS_NOT_SATISFIED);
        }
        // Type-1 padding needs 11 bytes of the 256.
        if cmd.data().is_empty() || cmd.data().len() > 256 - 11 {
            return fail(StatusWord::WRONG_LENGTH);
        }
        match key.sign(Pkcs1v15Sign::new_unprefixed(), cmd.data()) {
            Ok(sig) => Response::new(sig, StatusWord::SUCCESS),
            Err(_) => fail(StatusWord::NO_PRECISE_DIAGNOSIS),
        }
    }

    fn get_response(&mut self, cmd: &Command) -> Response {
        if self.pending.is_empty() {
            return Response::status(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        let ne = cmd.le().unwrap_or(256) as usize;
        let take = ne.min(self.pending.len());
        let rest = self.pending.split_off(take);
        let data = std::mem::replace(&mut self.pending, rest);
        // The final status of a split answer is always 9000 here: only successful
        // answers are split.
        Response::new(data, StatusWord::SUCCESS)
    }

    fn split(&mut self, mut response: Response) -> Response {
        let Some(chunk) = self.options.split_responses.filter(|c| *c > 0) else {
            return response;
        };
        if response.data.len() <= chunk || !response.is_success() {
            return response;
        }
        self.pending = response.data.split_off(chunk);
        let left = self.pending.len();
        response.sw = StatusWord::from_bytes(0x61, if left >= 256 { 0 } else { left as u8 });
        response
    }
}

impl VirtualCard for MyNumberCard {
    fn atr(&self) -> Vec<u8> {
        MY_NUMBER_ATR.to_vec()
    }

    fn process(&mut self, command: &[u8]) -> Vec<u8> {
        let response = match Command::parse(command) {
            Err(_) => Response::status(StatusWord::WRONG_LENGTH),
            Ok((cmd, _)) => {
                let was_get_response = cmd.cla == 0x00 && cmd.ins == 0xC0;
                if !was_get_response {
                    self.pending.clear();
                }
                let mut r = self.answer(&cmd);
                if was_get_response && !self.pending.is_empty() {
                    let left = self.pending.len();
                    r.sw = StatusWord::from_bytes(0x61, if left >= 256 { 0 } else { left as u8 });
                    r
                } else if was_get_response {
                    r
                } else {
                    self.split(r)
                }
            }
        };
        response.to_bytes()
    }

    fn reset(&mut self) {
        self.app = App::None;
        self.ef = None;
        self.pending.clear();
        self.forget_verifications();
    }

    fn supports_extended_length(&self) -> bool {
        false
    }
}
