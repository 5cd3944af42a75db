//! A session with the JPKI AP: opening the card, certificates, PINs and signing.

use apdu::{Command, Response, StatusWord, Transport, transmit};
use cert_signer::{DigestAlgorithm, Held, LastTry, PinError, PinStatus};

use crate::text_ap::{TEXT_AID, TextAp};
use crate::{
    Certificate, Error, JpkiPin, JpkiSigner, Pin, PinKind, SignPin, TokenKind, der_object_length,
};

/// A signer's key, its certificate (DER) and the CA chain (DER).
type SignerParts = (KeyKind, Vec<u8>, Vec<Vec<u8>>);

/// JPKI AP (公的個人認証), `docs/spec/cards.md` §1.
pub const JPKI_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];

const TOKEN_FID: u16 = 0x0006;
const TOKEN_LEN: u32 = 32;
/// Short READ BINARY returns at most 256 bytes.
const CHUNK: usize = 256;

/// Which private key signs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// The user-authentication key (EF `0017`, auth PIN): login, TLS client auth.
    Auth,
    /// The signature key (EF `001A`, signature PIN): documents.
    Sign,
}

impl KeyKind {
    /// The key's internal EF id.
    pub const fn fid(self) -> u16 {
        match self {
            Self::Auth => 0x0017,
            Self::Sign => 0x001A,
        }
    }

    /// The certificate of the key.
    pub const fn certificate(self) -> Certificate {
        match self {
            Self::Auth => Certificate::Auth,
            Self::Sign => Certificate::Sign,
        }
    }

    /// The PIN that unlocks the key.
    pub const fn pin(self) -> PinKind {
        match self {
            Self::Auth => PinKind::Auth,
            Self::Sign => PinKind::Sign,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum App {
    Jpki,
    Text,
}

/// An open session with a My Number Card (or smartphone JPKI token) over any
/// [`Transport`].
///
/// It remembers which application and EF are selected and which PINs are verified, so
/// every operation sends only the APDUs it needs; certificates are cached for the
/// session.
pub struct JpkiCard<T: Transport> {
    transport: T,
    kind: TokenKind,
    app: Option<App>,
    ef: Option<u16>,
    verified: [bool; 3],
    certificates: [Option<Vec<u8>>; 4],
}

impl<T: Transport> core::fmt::Debug for JpkiCard<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("JpkiCard")
            .field("kind", &self.kind)
            .field("app", &self.app)
            .field("ef", &self.ef)
            .field("verified", &self.verified)
            .finish_non_exhaustive()
    }
}

const fn pin_slot(kind: PinKind) -> usize {
    match kind {
        PinKind::Auth => 0,
        PinKind::Sign => 1,
        PinKind::Text => 2,
    }
}

impl<T: Transport> JpkiCard<T> {
    /// Opens a session: SELECT the JPKI AP by AID (never by ATR), then read the token EF
    /// to learn the card kind (3 APDUs).
    pub fn open(transport: T) -> Result<Self, Error> {
        let mut card = Self {
            transport,
            kind: TokenKind::Other(String::new()),
            app: None,
            ef: None,
            verified: [false; 3],
            certificates: [None, None, None, None],
        };
        match card.select_app(App::Jpki) {
            Ok(()) => {}
            Err(Error::Card(sw)) => return Err(Error::NotAJpkiCard(sw)),
            Err(e) => return Err(e),
        }
        card.select_ef(TOKEN_FID)?;
        let (token, _) = card.read_binary(0, TOKEN_LEN)?;
        card.kind = TokenKind::from_token(&token)?;
        Ok(card)
    }

    /// The kind of JPKI token, read from the token EF when the card was opened.
    pub fn kind(&self) -> &TokenKind {
        &self.kind
    }

    /// The transport (e.g. to read a trace).
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, mutably.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Ends the session and gives the transport back.
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// The input-support AP of this card.
    pub fn text_ap(&mut self) -> TextAp<'_, T> {
        TextAp::new(self)
    }

    /// A certificate (DER), read with exact-length chunked READ BINARY the first time
    /// (SELECT + ⌈length / 256⌉ READ BINARY), from the cache afterwards (no APDU).
    ///
    /// [`Certificate::Sign`] needs the signature PIN verified first (else
    /// [`Error::Pin`]([`PinError::Required`])); see [`JpkiCard::verify`] or [`JpkiCard::signer`].
    pub fn certificate(&mut self, which: Certificate) -> Result<&[u8], Error> {
        let slot = which.index();
        if self.certificates.get(slot).is_some_and(Option::is_some) {
            return Ok(self.cached(slot));
        }
        self.select_app(App::Jpki)?;
        self.select_ef(which.fid())?;
        let der = self.read_der_file()?;
        if let Some(entry) = self.certificates.get_mut(slot) {
            *entry = Some(der);
        }
        Ok(self.cached(slot))
    }

    fn cached(&self, slot: usize) -> &[u8] {
        self.certificates
            .get(slot)
            .and_then(Option::as_deref)
            .unwrap_or(&[])
    }

    /// The state of a JPKI PIN (tries left), without spending a try (SELECT IEF +
    /// `00 20 00 80`). Some cards answer [`PinStatus::Verified`] once it is verified.
    pub fn pin_status(&mut self, kind: PinKind) -> Result<PinStatus, Error> {
        let app = if kind == PinKind::Text {
            App::Text
        } else {
            App::Jpki
        };
        self.select_app(app)?;
        self.pin_status_in_app(kind)
    }

    /// Verifies a JPKI PIN. With [`LastTry::Refuse`] the counter is read first and a PIN
    /// with one try left (or none) is not sent ([`PinError::LastTryRefused`],
    /// [`PinError::Blocked`]).
    pub fn verify<P: JpkiPin>(&mut self, pin: &P, last_try: LastTry) -> Result<(), Error> {
        self.select_app(App::Jpki)?;
        self.verify_in_app(pin, last_try)
    }

    /// Changes a JPKI PIN: VERIFY with `old`, then CHANGE REFERENCE DATA
    /// (`00 24 01 80 Lc new`). Both PINs were format-checked when built.
    pub fn change_pin<P: JpkiPin>(
        &mut self,
        old: &P,
        new: &P,
        last_try: LastTry,
    ) -> Result<(), Error> {
        self.select_app(App::Jpki)?;
        self.verify_in_app(old, last_try)?;
        let cmd = Command::new(0x00, 0x24, 0x01, 0x80).with_data(new.bytes().to_vec());
        let r = self.send(&cmd)?;
        pin_answer(r.sw)
    }

    /// A signer for `key`, holding `pin` (zeroized with the signer).
    ///
    /// Making it verifies the PIN once (honouring `last_try`) and reads the key's
    /// certificate unless cached; each signature then costs exactly one VERIFY, one
    /// SELECT of the key and one `80 2A 00 80` (plus one SELECT of the PIN IEF).
    pub fn signer<P: JpkiPin>(
        &mut self,
        pin: P,
        last_try: LastTry,
    ) -> Result<JpkiSigner<'_, T, P>, Error> {
        let (key, certificate, chain) = self.prepare_signer(&pin, last_try)?;
        JpkiSigner::new(Held::Borrowed(self), key, pin, certificate, chain)
    }

    /// [`signer`](Self::signer) that owns the card: for a signer that must outlive the
    /// scope that opened the card (a `Box<dyn CertSigner>`, a long-lived service).
    pub fn into_signer<'a, P: JpkiPin>(
        mut self,
        pin: P,
        last_try: LastTry,
    ) -> Result<JpkiSigner<'a, T, P>, Error>
    where
        T: 'a,
    {
        let (key, certificate, chain) = self.prepare_signer(&pin, last_try)?;
        JpkiSigner::new(Held::Owned(self), key, pin, certificate, chain)
    }

    /// Verifies `pin` and reads the certificate of its key and the CA's.
    fn prepare_signer<P: JpkiPin>(
        &mut self,
        pin: &P,
        last_try: LastTry,
    ) -> Result<SignerParts, Error> {
        let key = match P::KIND {
            PinKind::Sign => KeyKind::Sign,
            _ => KeyKind::Auth,
        };
        self.verify(pin, last_try)?;
        let certificate = self.certificate(key.certificate())?.to_vec();
        let ca = match key {
            KeyKind::Auth => Certificate::AuthCa,
            KeyKind::Sign => Certificate::SignCa,
        };
        let chain = vec![self.certificate(ca)?.to_vec()];
        Ok((key, certificate, chain))
    }

    /// Signs a caller's DigestInfo with `key` after verifying `pin` (SELECT IEF, VERIFY,
    /// SELECT key, `80 2A 00 80`): the card adds PKCS#1 v1.5 padding.
    pub fn sign_digest_info<P: JpkiPin>(
        &mut self,
        pin: &P,
        last_try: LastTry,
        digest_info: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let key = if P::KIND == PinKind::Sign {
            KeyKind::Sign
        } else {
            KeyKind::Auth
        };
        self.select_app(App::Jpki)?;
        self.verify_in_app(pin, last_try)?;
        self.compute_signature(key, digest_info)
    }

    /// Signs a digest of `algorithm` with `key` (the DigestInfo is built here).
    pub fn sign_digest<P: JpkiPin>(
        &mut self,
        pin: &P,
        last_try: LastTry,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let info = algorithm
            .digest_info(digest)
            .map_err(|_| Error::InvalidSignInput("digest length does not match the algorithm"))?;
        self.sign_digest_info(pin, last_try, &info)
    }

    /// Whether this session has verified `kind` (and not selected another application
    /// since).
    pub fn is_verified(&self, kind: PinKind) -> bool {
        self.verified.get(pin_slot(kind)).copied().unwrap_or(false)
    }

    /// Verifies that the signature PIN is right and reads the signature certificate:
    /// a shortcut for `verify` + `certificate(Certificate::Sign)`.
    pub fn signature_certificate(
        &mut self,
        pin: &SignPin,
        last_try: LastTry,
    ) -> Result<&[u8], Error> {
        if self
            .certificates
            .get(Certificate::Sign.index())
            .is_some_and(Option::is_some)
        {
            return self.certificate(Certificate::Sign);
        }
        if !(self.app == Some(App::Jpki) && self.is_verified(PinKind::Sign)) {
            self.verify(pin, last_try)?;
        }
        self.certificate(Certificate::Sign)
    }

    // ---- crate-internal protocol steps -------------------------------------------------

    fn send(&mut self, cmd: &Command) -> Result<Response, Error> {
        match transmit(&mut self.transport, cmd) {
            Ok(r) => Ok(r),
            Err(e) => {
                // Whatever happened, the card's state is unknown now.
                self.app = None;
                self.ef = None;
                self.verified = [false; 3];
                Err(e.into())
            }
        }
    }

    pub(crate) fn select_app(&mut self, app: App) -> Result<(), Error> {
        if self.app == Some(app) {
            return Ok(());
        }
        let aid = match app {
            App::Jpki => JPKI_AID.to_vec(),
            App::Text => TEXT_AID.to_vec(),
        };
        let r = self.send(&Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(aid))?;
        // A SELECT, even a failed one, ends the previous application's security state.
        self.verified = [false; 3];
        self.ef = None;
        self.app = None;
        r.check()?;
        self.app = Some(app);
        Ok(())
    }

    pub(crate) fn select_ef(&mut self, fid: u16) -> Result<(), Error> {
        if self.ef == Some(fid) {
            return Ok(());
        }
        let cmd = Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(fid.to_be_bytes().to_vec());
        let r = self.send(&cmd)?;
        self.ef = None;
        r.check()?;
        self.ef = Some(fid);
        Ok(())
    }

    /// One READ BINARY; returns the data and whether the card reported the end of file.
    pub(crate) fn read_binary(
        &mut self,
        offset: usize,
        len: u32,
    ) -> Result<(Vec<u8>, bool), Error> {
        let offset = u16::try_from(offset).ok().filter(|o| *o <= 0x7FFF).ok_or(
            Error::MalformedCertificate("file longer than READ BINARY can address"),
        )?;
        let [p1, p2] = offset.to_be_bytes();
        let r = self.send(&Command::new(0x00, 0xB0, p1, p2).with_le(len))?;
        match r.sw {
            StatusWord::SUCCESS => Ok((r.data, false)),
            StatusWord::END_OF_FILE | StatusWord::WRONG_P1_P2 => Ok((r.data, true)),
            StatusWord::SECURITY_STATUS_NOT_SATISFIED => Err(PinError::Required.into()),
            sw => Err(Error::Card(sw)),
        }
    }

    /// Reads a DER object: 256 bytes, its length from the header, then exactly the rest.
    fn read_der_file(&mut self) -> Result<Vec<u8>, Error> {
        let (mut data, eof) = self.read_binary(0, CHUNK as u32)?;
        let total = der_object_length(&data)?;
        if data.len() >= total {
            data.truncate(total);
            return Ok(data);
        }
        if eof || data.len() < CHUNK {
            return Err(Error::MalformedCertificate(
                "file shorter than its DER header says",
            ));
        }
        while data.len() < total {
            let want = (total - data.len()).min(CHUNK) as u32;
            let (chunk, eof) = self.read_binary(data.len(), want)?;
            if chunk.is_empty() {
                return Err(Error::MalformedCertificate(
                    "file shorter than its DER header says",
                ));
            }
            data.extend_from_slice(&chunk);
            if eof && data.len() < total {
                return Err(Error::MalformedCertificate(
                    "file shorter than its DER header says",
                ));
            }
        }
        data.truncate(total);
        Ok(data)
    }

    /// Reads the basic four items file: 256 bytes, then the rest its `FF 20` header asks for.
    pub(crate) fn read_basic_four_file(&mut self) -> Result<Vec<u8>, Error> {
        let bad = Error::MalformedBasicFourItems;
        let (mut data, eof) = self.read_binary(0, CHUNK as u32)?;
        let total = match data.as_slice() {
            [0xFF, 0x20, l @ 0x00..=0x7F, ..] => 3 + usize::from(*l),
            [0xFF, 0x20, 0x81, l, ..] => 4 + usize::from(*l),
            [0xFF, 0x20, 0x82, hi, lo, ..] => 5 + usize::from(u16::from_be_bytes([*hi, *lo])),
            _ => return Err(bad("no FF20 header")),
        };
        while data.len() < total && !eof {
            let want = (total - data.len()).min(CHUNK) as u32;
            let (chunk, end) = self.read_binary(data.len(), want)?;
            if chunk.is_empty() {
                break;
            }
            data.extend_from_slice(&chunk);
            if end {
                break;
            }
        }
        if data.len() < total {
            return Err(bad("file shorter than its header says"));
        }
        data.truncate(total);
        Ok(data)
    }

    pub(crate) fn pin_status_in_app(&mut self, kind: PinKind) -> Result<PinStatus, Error> {
        self.select_ef(kind.ief())?;
        let r = self.send(&Command::new(0x00, 0x20, 0x00, 0x80))?;
        PinStatus::from_status(r.sw).ok_or(Error::Card(r.sw))
    }

    pub(crate) fn verify_in_app<P: Pin>(
        &mut self,
        pin: &P,
        last_try: LastTry,
    ) -> Result<(), Error> {
        let kind = P::KIND;
        if last_try == LastTry::Refuse {
            last_try.check(self.pin_status_in_app(kind)?)?;
        } else {
            self.select_ef(kind.ief())?;
        }
        let cmd = Command::new(0x00, 0x20, 0x00, 0x80).with_data(pin.bytes().to_vec());
        let r = self.send(&cmd)?;
        if let Some(slot) = self.verified.get_mut(pin_slot(kind)) {
            *slot = false;
        }
        pin_answer(r.sw)?;
        if let Some(slot) = self.verified.get_mut(pin_slot(kind)) {
            *slot = true;
        }
        Ok(())
    }

    /// SELECT the key EF and `80 2A 00 80 Lc DigestInfo 00`; the PIN must be verified.
    pub(crate) fn compute_signature(
        &mut self,
        key: KeyKind,
        digest_info: &[u8],
    ) -> Result<Vec<u8>, Error> {
        if digest_info.is_empty() || digest_info.len() > 256 - 11 {
            return Err(Error::InvalidSignInput(
                "a DigestInfo must be 1 to 245 bytes for an RSA-2048 key",
            ));
        }
        self.select_app(App::Jpki)?;
        self.select_ef(key.fid())?;
        let cmd = Command::new(0x80, 0x2A, 0x00, 0x80)
            .with_data(digest_info.to_vec())
            .with_le(256);
        let r = self.send(&cmd)?;
        match r.sw {
            StatusWord::SUCCESS if r.data.len() == 256 => Ok(r.data),
            StatusWord::SUCCESS => Err(Error::BadSignature("not 256 bytes")),
            StatusWord::SECURITY_STATUS_NOT_SATISFIED => Err(PinError::Required.into()),
            sw => Err(Error::Card(sw)),
        }
    }
}

/// The card's answer to VERIFY (or CHANGE REFERENCE DATA) with a PIN.
fn pin_answer(sw: StatusWord) -> Result<(), Error> {
    if sw.is_success() {
        return Ok(());
    }
    Err(PinError::from_status(sw).map_or(Error::Card(sw), Error::Pin))
}
