//! A virtual HPKI card (医師資格証, 薬剤師資格証, MEDIS card): the signing and the
//! authentication applications, both card layouts and both signing variants of `docs/spec/cards.md` §7.

mod holders;

pub use holders::{HpkiHolder, HpkiTestCardError, HpkiTestCertificates};

use apdu::{Command, LengthMode, Response, StatusWord};
use rsa::{Pkcs1v15Sign, PrivateKey, traits::PublicKeyParts as _};
use zeroize::Zeroizing;

use crate::VirtualCard;

/// The HPKI signing AP (non-repudiation), `docs/spec/cards.md` §7.
const SIGNING_AID: [u8; 16] = [
    0xE8, 0x28, 0xBD, 0x08, 0x0F, 0xA0, 0x00, 0x00, 0x03, 0x91, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
];
/// The HPKI authentication AP, `docs/spec/cards.md` §7.
const AUTH_AID: [u8; 16] = [
    0xE8, 0x28, 0xBD, 0x08, 0x0F, 0xA0, 0x00, 0x00, 0x03, 0x91, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
];

/// Wrong PINs the card accepts in total before it locks (issuer documentation).
pub const HPKI_PIN_TRIES: u8 = 15;

/// The most command-chaining data the card buffers (a 4096-bit block is 512 bytes).
const MAX_CHAIN: usize = 1024;

/// Which file layout and PIN reference the virtual card uses (`docs/spec/cards.md` §7).
///
/// | profile | PIN IEF | key IEF | certificate | VERIFY | MSE SET key reference |
/// |---|---|---|---|---|---|
/// | [`Jma`](Self::Jma) | `0002` | `000C` | `0016` | `00 20 00 88` | `84 02 00 0C` (or `81`) |
/// | [`JahisReference`](Self::JahisReference) | `0016` | `0017` | `0018` | `00 20 00 96` | `81 02 00 17` (or `84`) |
///
/// The JAHIS reference layout also carries the issuing CA's certificate in `001A` when
/// the key is given one ([`HpkiKey::with_ca_certificate`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HpkiProfile {
    /// The real JMA (日本医師会) card, as two independent sources describe it.
    #[default]
    Jma,
    /// The JAHIS HPKI card guideline's reference layout (short EF ids `11`–`1B`).
    JahisReference,
}

#[derive(Clone, Copy)]
struct Layout {
    pin: u16,
    key: u16,
    cert: u16,
    ca_cert: Option<u16>,
    verify_p2: u8,
}

impl HpkiProfile {
    const fn layout(self) -> Layout {
        match self {
            Self::Jma => Layout {
                pin: 0x0002,
                key: 0x000C,
                cert: 0x0016,
                ca_cert: None,
                verify_p2: 0x88,
            },
            Self::JahisReference => Layout {
                pin: 0x0016,
                key: 0x0017,
                cert: 0x0018,
                ca_cert: Some(0x001A),
                verify_p2: 0x96,
            },
        }
    }
}

/// Which signing commands the virtual card accepts (`docs/spec/cards.md` §7 lists two; which real
/// cards accept which is unsettled).
///
/// A variant the card does not accept is answered like a card that never heard of it:
/// MSE SET and PSO (`00 22`, `00 2A`) with `6D00`, the proprietary class `80` with `6E00`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HpkiSignSupport {
    /// Both variants.
    #[default]
    Both,
    /// Only the JAHIS PSO: `00 22 41 B6` MSE SET, then `00 2A 9E 9A` with the host-padded
    /// PKCS#1 v1.5 block.
    JahisPsoOnly,
    /// Only the JPKI-style `80 2A 00 80` with a DigestInfo (the card pads).
    JpkiStyleOnly,
}

impl HpkiSignSupport {
    const fn jahis(self) -> bool {
        matches!(self, Self::Both | Self::JahisPsoOnly)
    }
    const fn jpki(self) -> bool {
        matches!(self, Self::Both | Self::JpkiStyleOnly)
    }
}

/// A private key and its certificate, as one application of the card holds them.
pub struct HpkiKey {
    key: PrivateKey,
    certificate: Vec<u8>,
    ca_certificate: Option<Vec<u8>>,
}

impl core::fmt::Debug for HpkiKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HpkiKey")
            .field("key", &"<redacted>")
            .field("certificate_len", &self.certificate.len())
            .finish()
    }
}

impl HpkiKey {
    /// A key whose certificate is `certificate_der`.
    pub fn new(key: PrivateKey, certificate_der: Vec<u8>) -> Self {
        Self {
            key,
            certificate: certificate_der,
            ca_certificate: None,
        }
    }

    /// Adds the issuing CA's certificate (EF `001A` of the JAHIS reference layout).
    pub fn with_ca_certificate(mut self, der: Vec<u8>) -> Self {
        self.ca_certificate = Some(der);
        self
    }

    /// The certificate (DER).
    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate
    }
}

/// The two applications of an HPKI card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ap {
    Signing,
    Auth,
}

/// A command chain being received (ISO/IEC 7816-4 §5.3.3).
struct Chain {
    ins: u8,
    p1: u8,
    p2: u8,
    data: Vec<u8>,
}

/// A virtual HPKI card with a signing AP and an authentication AP.
///
/// Commands it implements (ISO/IEC 7816-4 unless noted):
///
/// ```text
/// 00 A4 04 0C Lc AID          SELECT the signing (…01) or authentication (…02) AP
/// 00 A4 02 0C 02 FID          SELECT an EF of the current AP (P2 00 accepted too)
/// 00 B0 P1 P2 Le              READ BINARY, 15-bit offset (or P1 = 80|SFI, offset P2);
///                             the certificate needs no PIN; 6282 when the file ends first
/// 00 20 00 P2 [Lc PIN]        VERIFY with the profile's reference (88 / 96); without data
///                             it reports the counter (63Cx, or 9000 when verified)
/// 00 22 41 B6 Lc 84|81 02 FID MSE SET: the key for the next PSO
/// 00 2A 9E 9A Lc block [Le]   PSO COMPUTE DIGITAL SIGNATURE over a host-padded PKCS#1
///                             v1.5 type-1 block (extended length or command chaining)
/// 80 2A 00 80 Lc DigestInfo   JPKI-style signature with the current key EF (card pads)
/// 00 C0 00 00 Le              GET RESPONSE after 61xx
/// ```
///
/// PIN rules: one PIN and one counter for the card, [`HPKI_PIN_TRIES`] (15) wrong PINs
/// in a row lock it (`6983`); a correct PIN resets the counter. The counter is reported
/// as `63Cx` with x the tries left: 15 is `0xF`, the largest value SW2's low nibble can
/// carry, so the card's counter never needs clamping (a fresh card answers `63CF`). The
/// signing AP forgets the verification after every signature (userConsent 1); the
/// authentication AP keeps it until the card is reset.
///
/// ```
/// use apdu::{transmit, Command};
/// use card_sim::{HpkiHolder, InProcess, VirtualHpkiCard};
///
/// let card = VirtualHpkiCard::test_card(HpkiHolder::Physician).map_err(|e| e.to_string())?;
/// let mut reader = InProcess::new(card);
/// let select = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(vec![
///     0xE8, 0x28, 0xBD, 0x08, 0x0F, 0xA0, 0x00, 0x00, 0x03, 0x91, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
/// ]);
/// assert!(transmit(&mut reader, &select)?.is_success());
/// let counter = transmit(&mut reader, &Command::new(0x00, 0x20, 0x00, 0x88))?;
/// assert_eq!(counter.sw.tries_left(), Some(15));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct VirtualHpkiCard {
    profile: HpkiProfile,
    support: HpkiSignSupport,
    extended_length: bool,
    chaining: bool,
    pin: Zeroizing<Vec<u8>>,
    tries_left: u8,
    signing: HpkiKey,
    auth: HpkiKey,
    atr: Vec<u8>,
    // Session state, cleared by reset.
    selected: Option<Ap>,
    current_ef: Option<u16>,
    verified_signing: bool,
    verified_auth: bool,
    mse_key_set: bool,
    chain: Option<Chain>,
    pending: Vec<u8>,
}

impl core::fmt::Debug for VirtualHpkiCard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VirtualHpkiCard")
            .field("profile", &self.profile)
            .field("support", &self.support)
            .field("extended_length", &self.extended_length)
            .field("chaining", &self.chaining)
            .field("pin", &"<redacted>")
            .field("tries_left", &self.tries_left)
            .field("selected", &self.selected)
            .finish_non_exhaustive()
    }
}

impl VirtualHpkiCard {
    /// A card with the given signing and authentication keys, the JMA layout, both
    /// signing variants, extended length and chaining, and the PIN `1234`.
    pub fn new(signing: HpkiKey, authentication: HpkiKey) -> Self {
        Self {
            profile: HpkiProfile::default(),
            support: HpkiSignSupport::default(),
            extended_length: true,
            chaining: true,
            pin: Zeroizing::new(b"1234".to_vec()),
            tries_left: HPKI_PIN_TRIES,
            signing,
            auth: authentication,
            // A generic T=1 ATR: hosts must not identify HPKI cards by ATR (docs/spec/cards.md §1).
            atr: vec![0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14],
            selected: None,
            current_ef: None,
            verified_signing: false,
            verified_auth: false,
            mse_key_set: false,
            chain: None,
            pending: Vec::new(),
        }
    }

    /// Uses another file layout.
    pub fn with_profile(mut self, profile: HpkiProfile) -> Self {
        self.profile = profile;
        self
    }

    /// Accepts only some signing variants.
    pub fn with_sign_support(mut self, support: HpkiSignSupport) -> Self {
        self.support = support;
        self
    }

    /// Whether the card (and its virtual reader) handles extended-length APDUs; without,
    /// extended commands are answered `6700`.
    pub fn with_extended_length(mut self, extended: bool) -> Self {
        self.extended_length = extended;
        self
    }

    /// Whether the card accepts command chaining; without, chained links are answered
    /// `6884`.
    pub fn with_chaining(mut self, chaining: bool) -> Self {
        self.chaining = chaining;
        self
    }

    /// Sets the PIN (ASCII, as the host sends it).
    pub fn with_pin(mut self, pin: &str) -> Self {
        self.pin = Zeroizing::new(pin.as_bytes().to_vec());
        self
    }

    /// Sets the number of tries left (to start a test near the lockout).
    pub fn with_tries_left(mut self, tries: u8) -> Self {
        self.tries_left = tries.min(HPKI_PIN_TRIES);
        self
    }

    /// The card's file layout.
    pub fn profile(&self) -> HpkiProfile {
        self.profile
    }

    /// Wrong PINs the card still accepts before it locks.
    pub fn tries_left(&self) -> u8 {
        self.tries_left
    }

    /// The signing AP's key and certificate.
    pub fn signing_key(&self) -> &HpkiKey {
        &self.signing
    }

    /// The authentication AP's key and certificate.
    pub fn authentication_key(&self) -> &HpkiKey {
        &self.auth
    }

    fn key(&self, ap: Ap) -> &HpkiKey {
        match ap {
            Ap::Signing => &self.signing,
            Ap::Auth => &self.auth,
        }
    }

    fn verified(&self, ap: Ap) -> bool {
        match ap {
            Ap::Signing => self.verified_signing,
            Ap::Auth => self.verified_auth,
        }
    }

    fn set_verified(&mut self, ap: Ap, verified: bool) {
        match ap {
            Ap::Signing => self.verified_signing = verified,
            Ap::Auth => self.verified_auth = verified,
        }
    }

    /// One usage of the key: the signing AP needs the PIN again for the next one.
    fn consume_verification(&mut self, ap: Ap) {
        if ap == Ap::Signing {
            self.verified_signing = false;
        }
    }

    fn dispatch(&mut self, cmd: &Command) -> Response {
        let sw = |sw| Response::status(sw);
        match (cmd.cla, cmd.ins) {
            (0x00, 0xA4) => self.select(cmd),
            (0x00, 0xB0) => self.read_binary(cmd),
            (0x00, 0x20) => self.verify(cmd),
            (0x00, 0x22) if self.support.jahis() => self.mse_set(cmd),
            (0x00, 0x2A) if self.support.jahis() => self.pso(cmd),
            (0x00, 0xC0) => self.get_response(cmd),
            (0x80, 0x2A) if self.support.jpki() => self.jpki_sign(cmd),
            (0x80, _) if !self.support.jpki() => sw(StatusWord::CLA_NOT_SUPPORTED),
            (0x00 | 0x80, _) => sw(StatusWord::INS_NOT_SUPPORTED),
            _ => sw(StatusWord::CLA_NOT_SUPPORTED),
        }
    }

    fn select(&mut self, cmd: &Command) -> Response {
        if !matches!(cmd.p2, 0x0C | 0x00) {
            return Response::status(StatusWord::INCORRECT_P1_P2);
        }
        match cmd.p1 {
            0x04 => {
                let ap = match cmd.data() {
                    d if d == SIGNING_AID => Ap::Signing,
                    d if d == AUTH_AID => Ap::Auth,
                    _ => return Response::status(StatusWord::FILE_NOT_FOUND),
                };
                self.selected = Some(ap);
                self.current_ef = None;
                self.mse_key_set = false;
                // Leaving the signing AP ends its single-use verification.
                self.verified_signing = false;
                Response::status(StatusWord::SUCCESS)
            }
            0x02 => {
                let Ok(fid) = <[u8; 2]>::try_from(cmd.data()) else {
                    return Response::status(StatusWord::WRONG_LENGTH);
                };
                let fid = u16::from_be_bytes(fid);
                if self.selected.is_none() || self.file(fid).is_none() {
                    return Response::status(StatusWord::FILE_NOT_FOUND);
                }
                self.current_ef = Some(fid);
                Response::status(StatusWord::SUCCESS)
            }
            _ => Response::status(StatusWord::INCORRECT_P1_P2),
        }
    }

    /// The readable content of `fid` in the current AP: `Some(Some(..))` readable,
    /// `Some(None)` exists but needs more than a PIN (PIN and key IEFs), `None` absent.
    fn file(&self, fid: u16) -> Option<Option<&[u8]>> {
        let ap = self.selected?;
        let layout = self.profile.layout();
        if fid == layout.cert {
            Some(Some(self.key(ap).certificate_der()))
        } else if fid == layout.pin || fid == layout.key {
            Some(None)
        } else if Some(fid) == layout.ca_cert {
            self.key(ap).ca_certificate.as_deref().map(Some)
        } else {
            None
        }
    }

    fn read_binary(&mut self, cmd: &Command) -> Response {
        let Some(ne) = cmd.le() else {
            return Response::status(StatusWord::WRONG_LENGTH);
        };
        let (fid, offset) = if cmd.p1 & 0x80 != 0 {
            // Short EF identifier in P1, 8-bit offset in P2.
            let fid = u16::from(cmd.p1 & 0x1F);
            if self.selected.is_none() || self.file(fid).is_none() {
                return Response::status(StatusWord::FILE_NOT_FOUND);
            }
            self.current_ef = Some(fid);
            (fid, usize::from(cmd.p2))
        } else {
            let Some(fid) = self.current_ef else {
                return Response::status(StatusWord::COMMAND_NOT_ALLOWED);
            };
            (
                fid,
                usize::from(u16::from_be_bytes([cmd.p1, cmd.p2]) & 0x7FFF),
            )
        };
        let content = match self.file(fid) {
            Some(Some(content)) => content,
            Some(None) => return Response::status(StatusWord::SECURITY_STATUS_NOT_SATISFIED),
            None => return Response::status(StatusWord::COMMAND_NOT_ALLOWED),
        };
        let Some(rest) = content.get(offset..).filter(|r| !r.is_empty()) else {
            return Response::status(StatusWord::WRONG_P1_P2);
        };
        let ne = usize::try_from(ne).unwrap_or(usize::MAX);
        match rest.get(..ne) {
            Some(chunk) => Response::new(chunk.to_vec(), StatusWord::SUCCESS),
            None => Response::new(rest.to_vec(), StatusWord::END_OF_FILE),
        }
    }

    fn verify(&mut self, cmd: &Command) -> Response {
        let Some(ap) = self.selected else {
            return Response::status(StatusWord::REFERENCED_DATA_NOT_FOUND);
        };
        if cmd.p1 != 0x00 || cmd.p2 != self.profile.layout().verify_p2 {
            return Response::status(StatusWord::REFERENCED_DATA_NOT_FOUND);
        }
        if self.tries_left == 0 {
            return Response::status(StatusWord::AUTHENTICATION_METHOD_BLOCKED);
        }
        if cmd.data().is_empty() {
            return if self.verified(ap) {
                Response::status(StatusWord::SUCCESS)
            } else {
                Response::status(counter(self.tries_left))
            };
        }
        if cmd.data() == self.pin.as_slice() {
            self.tries_left = HPKI_PIN_TRIES;
            self.set_verified(ap, true);
            Response::status(StatusWord::SUCCESS)
        } else {
            self.tries_left = self.tries_left.saturating_sub(1);
            self.set_verified(ap, false);
            Response::status(counter(self.tries_left))
        }
    }

    fn mse_set(&mut self, cmd: &Command) -> Response {
        if (cmd.p1, cmd.p2) != (0x41, 0xB6) {
            return Response::status(StatusWord::INCORRECT_P1_P2);
        }
        if self.selected.is_none() {
            return Response::status(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        // One control reference template entry: 84 (key reference) or 81 (file
        // reference) with the key IEF's two-byte id.
        let key = self.profile.layout().key.to_be_bytes();
        match cmd.data() {
            [0x84 | 0x81, 0x02, hi, lo] if [*hi, *lo] == key => {
                self.mse_key_set = true;
                Response::status(StatusWord::SUCCESS)
            }
            [0x84 | 0x81, 0x02, _, _] => {
                self.mse_key_set = false;
                Response::status(StatusWord::REFERENCED_DATA_NOT_FOUND)
            }
            _ => Response::status(StatusWord::WRONG_DATA),
        }
    }

    fn pso(&mut self, cmd: &Command) -> Response {
        if (cmd.p1, cmd.p2) != (0x9E, 0x9A) {
            return Response::status(StatusWord::INCORRECT_P1_P2);
        }
        let Some(ap) = self.selected else {
            return Response::status(StatusWord::CONDITIONS_NOT_SATISFIED);
        };
        if !self.mse_key_set {
            return Response::status(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        if !self.verified(ap) {
            return Response::status(StatusWord::SECURITY_STATUS_NOT_SATISFIED);
        }
        self.consume_verification(ap);
        let key = &self.key(ap).key;
        let Some(t) = pkcs1_type1_payload(cmd.data(), key.size()) else {
            return Response::status(StatusWord::WRONG_DATA);
        };
        // Signing T with the unprefixed PKCS#1 v1.5 scheme applies exactly the block the
        // host built: raw RSA over `00 01 FF…FF 00 ‖ T`.
        match key.sign(Pkcs1v15Sign::new_unprefixed(), t) {
            Ok(signature) => self.respond(signature, cmd.le()),
            Err(_) => Response::status(StatusWord::NO_PRECISE_DIAGNOSIS),
        }
    }

    fn jpki_sign(&mut self, cmd: &Command) -> Response {
        if (cmd.p1, cmd.p2) != (0x00, 0x80) {
            return Response::status(StatusWord::INCORRECT_P1_P2);
        }
        let Some(ap) = self.selected else {
            return Response::status(StatusWord::CONDITIONS_NOT_SATISFIED);
        };
        if self.current_ef != Some(self.profile.layout().key) {
            return Response::status(StatusWord::COMMAND_NOT_ALLOWED);
        }
        if !self.verified(ap) {
            return Response::status(StatusWord::SECURITY_STATUS_NOT_SATISFIED);
        }
        self.consume_verification(ap);
        let key = &self.key(ap).key;
        if cmd.data().is_empty() || cmd.data().len() + 11 > key.size() {
            return Response::status(StatusWord::WRONG_LENGTH);
        }
        match key.sign(Pkcs1v15Sign::new_unprefixed(), cmd.data()) {
            Ok(signature) => self.respond(signature, cmd.le()),
            Err(_) => Response::status(StatusWord::NO_PRECISE_DIAGNOSIS),
        }
    }

    /// Answers with `data`, keeping what exceeds `Ne` for GET RESPONSE (`61xx`).
    fn respond(&mut self, mut data: Vec<u8>, ne: Option<u32>) -> Response {
        let ne = ne.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
        if data.len() <= ne {
            self.pending.clear();
            return Response::new(data, StatusWord::SUCCESS);
        }
        self.pending = data.split_off(ne);
        let more = u8::try_from(self.pending.len()).unwrap_or(0); // 256 and above: 00
        Response::new(data, StatusWord::from_bytes(0x61, more))
    }

    fn get_response(&mut self, cmd: &Command) -> Response {
        if self.pending.is_empty() {
            return Response::status(StatusWord::CONDITIONS_NOT_SATISFIED);
        }
        let pending = core::mem::take(&mut self.pending);
        self.respond(pending, cmd.le())
    }

    /// Handles a chained link (CLA bit `10`) or the last command of a chain:
    /// `Ok(Some(whole))` to execute, `Ok(None)` for a link taken (`9000`), or the status
    /// that ends the chain.
    fn chained(&mut self, cmd: Command) -> Result<Option<Command>, StatusWord> {
        let link = cmd.cla & 0x10 != 0;
        if link && !self.chaining {
            self.chain = None;
            return Err(StatusWord::CHAINING_NOT_SUPPORTED);
        }
        let Some(mut chain) = self.chain.take() else {
            if !link {
                return Ok(Some(cmd));
            }
            self.chain = Some(Chain {
                ins: cmd.ins,
                p1: cmd.p1,
                p2: cmd.p2,
                data: cmd.data().to_vec(),
            });
            return Ok(None);
        };
        if (chain.ins, chain.p1, chain.p2) != (cmd.ins, cmd.p1, cmd.p2) {
            return Err(StatusWord::LAST_COMMAND_EXPECTED);
        }
        chain.data.extend_from_slice(cmd.data());
        if chain.data.len() > MAX_CHAIN {
            return Err(StatusWord::WRONG_LENGTH);
        }
        if link {
            self.chain = Some(chain);
            return Ok(None);
        }
        let mut whole = Command::new(cmd.cla, cmd.ins, cmd.p1, cmd.p2).with_data(chain.data);
        if let Some(le) = cmd.le() {
            whole = whole.with_le(le);
        }
        Ok(Some(whole))
    }
}

/// `63Cx` with the tries left; 15 fits SW2's low nibble exactly.
fn counter(tries: u8) -> StatusWord {
    StatusWord::from_bytes(0x63, 0xC0 | tries.min(0x0F))
}

/// The `T` of a PKCS#1 v1.5 type-1 block `00 01 PS 00 T` of exactly `k` bytes (RFC 8017
/// §9.2: PS at least 8 bytes of `FF`).
fn pkcs1_type1_payload(block: &[u8], k: usize) -> Option<&[u8]> {
    if block.len() != k {
        return None;
    }
    let rest = block.strip_prefix(&[0x00, 0x01])?;
    let ps_len = rest.iter().position(|&b| b != 0xFF)?;
    let t = rest.get(ps_len..)?.strip_prefix(&[0x00])?;
    (ps_len >= 8 && !t.is_empty()).then_some(t)
}

impl VirtualCard for VirtualHpkiCard {
    fn atr(&self) -> Vec<u8> {
        self.atr.clone()
    }

    fn process(&mut self, command: &[u8]) -> Vec<u8> {
        let (cmd, mode) = match Command::parse(command) {
            Ok(parsed) => parsed,
            Err(_) => return Response::status(StatusWord::WRONG_LENGTH).to_bytes(),
        };
        if mode == LengthMode::Extended && !self.extended_length {
            return Response::status(StatusWord::WRONG_LENGTH).to_bytes();
        }
        if cmd.cla & 0x10 != 0 || self.chain.is_some() {
            return match self.chained(cmd) {
                Ok(Some(whole)) => self.dispatch(&whole).to_bytes(),
                Ok(None) => Response::status(StatusWord::SUCCESS).to_bytes(),
                Err(sw) => Response::status(sw).to_bytes(),
            };
        }
        self.dispatch(&cmd).to_bytes()
    }

    fn reset(&mut self) {
        self.selected = None;
        self.current_ef = None;
        self.verified_signing = false;
        self.verified_auth = false;
        self.mse_key_set = false;
        self.chain = None;
        self.pending.clear();
    }

    fn supports_extended_length(&self) -> bool {
        self.extended_length
    }
}

#[cfg(test)]
mod tests;
