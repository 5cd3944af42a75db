//! An open HPKI application: certificate, PIN and signing commands.

use apdu::{Command, Response, StatusWord, Transport, transmit};
use cert_signer::{DigestAlgorithm, Held, LastTry, PinError, PinStatus};
use rsa::{Pkcs1v15Sign, traits::PublicKeyParts as _};
use zeroize::Zeroizing;

use crate::{
    App, Error, HpkiSigner, Pin, Profile, SignVariant, certificate_length, pkcs1_v15_block,
};

/// Longest READ BINARY chunk in short form.
const CHUNK: usize = 256;

/// The outcome of one signing attempt with a variant.
enum Attempt {
    Signed(Vec<u8>),
    /// The card answered `6D00`/`6E00`: it does not know this command (a PIN verified
    /// for it is still valid, since the refused command never reached the key).
    Unsupported,
}

/// One application (signing or authentication) of an HPKI card, opened over a
/// [`Transport`].
///
/// [`open`](Self::open) selects the signing AP and finds the card's layout
/// ([`Profile`]); the certificate is read once and cached. The PIN is never retried on
/// the card's behalf: a wrong PIN is [`PinError::Wrong`] with the tries left, and the
/// last try is refused ([`PinError::LastTryRefused`]) unless the caller passes
/// [`LastTry::Allow`]. [`into_signer`](Self::into_signer) turns the card into a
/// [`CertSigner`](cert_signer::CertSigner), exactly as `jpki_card::JpkiCard` does.
///
/// ```
/// use card_sim::{HpkiHolder, InProcess, VirtualHpkiCard};
/// use cert_signer::DigestAlgorithm;
/// use hpki_card::{HpkiCard, LastTry, Pin, PinStatus, Profile};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let reader = InProcess::new(VirtualHpkiCard::test_card(HpkiHolder::Physician)?);
/// let mut card = HpkiCard::open(reader)?; // the signing AP, layout detected
/// assert_eq!(card.profile(), Profile::Jma);
/// let certificate = card.read_certificate()?.to_vec(); // no PIN needed
/// assert_eq!(card.pin_status()?, PinStatus::TriesLeft(15));
///
/// let digest = DigestAlgorithm::Sha256.hash(b"prescription");
/// let pin = Pin::new("1234")?;
/// let signature = card.sign_digest(&pin, LastTry::Refuse, DigestAlgorithm::Sha256, &digest)?;
/// assert_eq!(signature.len(), 256);
/// # let _ = certificate;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct HpkiCard<T> {
    transport: T,
    app: App,
    profile: Profile,
    /// The variant that worked (or the caller forced); `None` until the first signature.
    variant: Option<SignVariant>,
    forced: bool,
    certificate: Option<Vec<u8>>,
    /// The CA certificates the card holds, once read.
    ca_certificates: Option<Vec<Vec<u8>>>,
    public_key: Option<rsa::PublicKey>,
    /// Whether the key IEF is the card's current EF (so JPKI-style signing needs no SELECT).
    key_selected: bool,
    /// Whether the card holds a verification of the application's PIN from this session
    /// (the signing AP uses it up with the next signature).
    verified: bool,
}

fn status(command: &'static str, r: &Response) -> Error {
    match r.sw {
        StatusWord::SECURITY_STATUS_NOT_SATISFIED => Error::Pin(PinError::Required),
        sw => Error::Card { command, sw },
    }
}

fn is_unsupported(sw: StatusWord) -> bool {
    matches!(
        sw,
        StatusWord::INS_NOT_SUPPORTED | StatusWord::CLA_NOT_SUPPORTED
    )
}

impl<T: Transport> HpkiCard<T> {
    /// Opens the signing AP (`00 A4 04 0C 10 AID`) and finds the card's layout: SELECT of
    /// the JMA key IEF `000C`, then of the JAHIS reference key IEF `0017`; the first that
    /// answers `9000` decides (2 or 3 APDUs).
    ///
    /// Fails with [`Error::AppNotFound`] when the card answers `6A82` (not an HPKI card)
    /// and [`Error::UnknownProfile`] when neither layout is there.
    pub fn open(transport: T) -> Result<Self, Error> {
        Self::open_app(transport, App::Signing)
    }

    /// [`open`](Self::open) for `app` (the authentication AP, for logins).
    pub fn open_app(transport: T, app: App) -> Result<Self, Error> {
        let mut card = Self::open_with_profile(transport, app, Profile::Jma)?;
        for profile in [Profile::Jma, Profile::JahisReference] {
            let r = card.select_ef(profile.key_fid())?;
            if r.is_success() {
                card.profile = profile;
                card.key_selected = true;
                return Ok(card);
            }
            if r.sw != StatusWord::FILE_NOT_FOUND {
                return Err(status("SELECT EF", &r));
            }
        }
        Err(Error::UnknownProfile)
    }

    /// Selects `app` on a card whose layout the caller knows, without detection (1 APDU).
    pub fn open_with_profile(mut transport: T, app: App, profile: Profile) -> Result<Self, Error> {
        select_app(&mut transport, app)?;
        Ok(Self {
            transport,
            app,
            profile,
            variant: None,
            forced: false,
            certificate: None,
            ca_certificates: None,
            public_key: None,
            key_selected: false,
            verified: false,
        })
    }

    /// Uses only `variant` for signing, without detection or fallback.
    pub fn with_sign_variant(mut self, variant: SignVariant) -> Self {
        self.variant = Some(variant);
        self.forced = true;
        self
    }

    /// The open application.
    pub fn app(&self) -> App {
        self.app
    }

    /// The card layout in use.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The signing variant that worked (or was forced); `None` before the first signature.
    pub fn sign_variant(&self) -> Option<SignVariant> {
        self.variant
    }

    /// Whether the card holds a verification of the PIN from this session: after
    /// [`verify`](Self::verify), until the next signature on the signing AP, for the
    /// session on the authentication AP.
    pub fn is_verified(&self) -> bool {
        self.verified
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, mutably (e.g. to clear a trace between steps).
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Gives the transport back.
    pub fn into_transport(self) -> T {
        self.transport
    }

    /// A signer on this application's key, holding `pin` (zeroized with the signer).
    ///
    /// Making it reads the certificate and the CA certificates the card holds (no PIN
    /// needed) and verifies the PIN once, honouring `last_try`: a wrong PIN fails here,
    /// before any document is prepared. See [`HpkiSigner`] for what each signature sends.
    pub fn signer(&mut self, pin: Pin, last_try: LastTry) -> Result<HpkiSigner<'_, T>, Error> {
        let (certificate, chain) = self.prepare_signer(&pin, last_try)?;
        Ok(HpkiSigner::new(
            Held::Borrowed(self),
            pin,
            certificate,
            chain,
        ))
    }

    /// [`signer`](Self::signer) that owns the card: for a signer that must outlive the
    /// scope that opened the card (a `Box<dyn CertSigner>`, a long-lived service).
    pub fn into_signer<'a>(
        mut self,
        pin: Pin,
        last_try: LastTry,
    ) -> Result<HpkiSigner<'a, T>, Error>
    where
        T: 'a,
    {
        let (certificate, chain) = self.prepare_signer(&pin, last_try)?;
        Ok(HpkiSigner::new(Held::Owned(self), pin, certificate, chain))
    }

    /// Reads the certificates and verifies `pin`.
    fn prepare_signer(
        &mut self,
        pin: &Pin,
        last_try: LastTry,
    ) -> Result<(Vec<u8>, Vec<Vec<u8>>), Error> {
        self.load_public_key()?;
        let certificate = self.read_certificate()?.to_vec();
        let chain = self.read_ca_certificates()?.to_vec();
        self.verify(pin, last_try)?;
        Ok((certificate, chain))
    }

    fn send(&mut self, command: &Command) -> Result<Response, Error> {
        transmit(&mut self.transport, command).map_err(|e| {
            // Whatever happened, the card's state is unknown now.
            self.verified = false;
            self.key_selected = false;
            Error::from(e)
        })
    }

    fn select_ef(&mut self, fid: u16) -> Result<Response, Error> {
        self.key_selected = false;
        self.send(&Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(fid.to_be_bytes()))
    }

    /// Reads the end-entity certificate (no PIN needed), once; later calls return the
    /// cached bytes without talking to the card.
    ///
    /// The first READ BINARY asks for 256 bytes; the DER header in them gives the exact
    /// length, and the rest is read in chunks of exactly what is left, so the last chunk
    /// never runs past the end of the file.
    pub fn read_certificate(&mut self) -> Result<&[u8], Error> {
        if self.certificate.is_none() {
            let der = self.read_certificate_file()?;
            self.certificate = Some(der);
        }
        Ok(self.certificate.as_deref().unwrap_or_default())
    }

    /// Reads the CA certificates the card holds (no PIN needed), once: the issuing CA's
    /// and an intermediate's, where the layout has them
    /// ([`Profile::ca_certificate_fids`]); files the card lacks (`6A82`) are skipped. Empty
    /// on JMA cards, which hold only the end-entity certificate: take the CA certificates
    /// from the trust store there.
    pub fn read_ca_certificates(&mut self) -> Result<&[Vec<u8>], Error> {
        if self.ca_certificates.is_none() {
            let mut found = Vec::new();
            for &fid in self.profile.ca_certificate_fids() {
                if let Some(der) = self.read_der_file(fid, "SELECT EF (CA certificate)")? {
                    found.push(der);
                }
            }
            self.ca_certificates = Some(found);
        }
        Ok(self.ca_certificates.as_deref().unwrap_or_default())
    }

    fn read_certificate_file(&mut self) -> Result<Vec<u8>, Error> {
        let fid = self.profile.certificate_fid();
        self.read_der_file(fid, "SELECT EF (certificate)")?
            .ok_or(Error::Card {
                command: "SELECT EF (certificate)",
                sw: StatusWord::FILE_NOT_FOUND,
            })
    }

    /// Reads the DER object in EF `fid`; `None` when the card has no such file (`6A82`).
    fn read_der_file(&mut self, fid: u16, select: &'static str) -> Result<Option<Vec<u8>>, Error> {
        let r = self.select_ef(fid)?;
        if r.sw == StatusWord::FILE_NOT_FOUND {
            return Ok(None);
        }
        if !r.is_success() {
            return Err(status(select, &r));
        }
        let mut der = self.read_binary(0, CHUNK)?;
        let total = certificate_length(&der)?;
        der.truncate(total);
        while der.len() < total {
            let want = (total - der.len()).min(CHUNK);
            let chunk = self.read_binary(der.len(), want)?;
            if chunk.is_empty() {
                return Err(Error::MalformedCertificate(
                    "the file ended before the length in its DER header",
                ));
            }
            der.extend(chunk.into_iter().take(want));
        }
        Ok(Some(der))
    }

    /// READ BINARY `00 B0 P1 P2 Le` at a 15-bit offset. `6282` (end of file) counts as
    /// success with what came; `6B00` (offset past the end) is an empty answer.
    fn read_binary(&mut self, offset: usize, len: usize) -> Result<Vec<u8>, Error> {
        let offset = u16::try_from(offset).ok().filter(|o| *o <= 0x7FFF).ok_or(
            Error::MalformedCertificate("longer than READ BINARY can address"),
        )?;
        let [p1, p2] = offset.to_be_bytes();
        let ne = u32::try_from(len.clamp(1, CHUNK)).unwrap_or(256);
        let r = self.send(&Command::new(0x00, 0xB0, p1, p2).with_le(ne))?;
        match r.sw {
            StatusWord::SUCCESS | StatusWord::END_OF_FILE => Ok(r.data),
            StatusWord::WRONG_P1_P2 => Ok(Vec::new()),
            _ => Err(status("READ BINARY", &r)),
        }
    }

    /// Asks the card for its PIN counter without spending a try (VERIFY without data,
    /// `00 20 00 88` on JMA cards).
    pub fn pin_status(&mut self) -> Result<PinStatus, Error> {
        let p2 = self.profile.verify_p2();
        let r = self.send(&Command::new(0x00, 0x20, 0x00, p2))?;
        PinStatus::from_status(r.sw).ok_or_else(|| status("VERIFY (counter)", &r))
    }

    /// Presents the PIN (`00 20 00 P2 Lc PIN`).
    ///
    /// With [`LastTry::Refuse`] the counter is asked first: with one try left this fails
    /// with [`PinError::LastTryRefused`], with none with [`PinError::Blocked`], and the
    /// PIN is not sent. With [`LastTry::Allow`] it is sent without asking (a wrong PIN
    /// then may block the card: warn the user first).
    pub fn verify(&mut self, pin: &Pin, last_try: LastTry) -> Result<(), Error> {
        if last_try == LastTry::Refuse {
            last_try.check(self.pin_status()?)?;
        }
        // The command is built in a zeroizing buffer sized up front, so that no copy of
        // the PIN outlives this call; VERIFY has no response data and needs none of
        // transmit()'s 61xx/6Cxx/chaining rules.
        let pin = pin.as_bytes();
        let lc = u8::try_from(pin.len())
            .map_err(|_| PinError::Format("must be at most 16 characters"))?;
        let mut command = Zeroizing::new(Vec::with_capacity(5 + pin.len()));
        command.extend_from_slice(&[0x00, 0x20, 0x00, self.profile.verify_p2(), lc]);
        command.extend_from_slice(pin);
        self.verified = false;
        let raw = self.transport.transmit_raw(&command).map_err(|e| {
            self.key_selected = false;
            apdu::Error::from(e)
        })?;
        let r = Response::parse(&raw)?;
        if r.is_success() {
            self.verified = true;
            return Ok(());
        }
        Err(match PinError::from_status(r.sw) {
            Some(e) => Error::Pin(e),
            None => status("VERIFY", &r),
        })
    }

    /// Presents `pin` and signs `digest` in one sequence: what the signing AP needs for
    /// every signature. The PIN is presented exactly once (after the counter query with
    /// [`LastTry::Refuse`]).
    ///
    /// Returns the raw PKCS#1 v1.5 signature, checked against the certificate's key.
    pub fn sign_digest(
        &mut self,
        pin: &Pin,
        last_try: LastTry,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let digest_info = algorithm
            .digest_info(digest)
            .map_err(|_| Error::DigestLength(digest.len()))?;
        self.verified = false;
        self.sign_digest_info(Some((pin, last_try)), &digest_info)
    }

    /// Signs `digest` with the PIN verified earlier ([`is_verified`](Self::is_verified));
    /// without it the card answers [`PinError::Required`].
    pub fn sign(&mut self, algorithm: DigestAlgorithm, digest: &[u8]) -> Result<Vec<u8>, Error> {
        let digest_info = algorithm
            .digest_info(digest)
            .map_err(|_| Error::DigestLength(digest.len()))?;
        self.sign_digest_info(None, &digest_info)
    }

    fn sign_digest_info(
        &mut self,
        pin: Option<(&Pin, LastTry)>,
        digest_info: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.load_public_key()?;
        let first = self
            .variant
            .unwrap_or_else(|| self.profile.preferred_sign_variant());
        if let Attempt::Signed(sig) = self.attempt(first, pin, digest_info)? {
            self.variant = Some(first);
            return self.checked(sig, digest_info);
        }
        if self.forced || self.variant.is_some() {
            return Err(Error::SigningNotSupported);
        }
        let second = first.other();
        // A PIN verified in the refused attempt is still valid: attempt() does not
        // present it twice.
        match self.attempt(second, pin, digest_info)? {
            Attempt::Signed(sig) => {
                self.variant = Some(second);
                self.checked(sig, digest_info)
            }
            Attempt::Unsupported => Err(Error::SigningNotSupported),
        }
    }

    fn load_public_key(&mut self) -> Result<(), Error> {
        if self.public_key.is_some() {
            return Ok(());
        }
        let der = self.read_certificate()?.to_vec();
        self.public_key = Some(public_key(&der)?);
        Ok(())
    }

    fn modulus_len(&self) -> usize {
        self.public_key.as_ref().map_or(256, |k| k.size())
    }

    /// Verifies the card's signature with the certificate's key: a card holding another
    /// key, or a corrupted answer, is caught here rather than by the document's verifier.
    fn checked(&self, signature: Vec<u8>, digest_info: &[u8]) -> Result<Vec<u8>, Error> {
        let key = self.public_key.as_ref().ok_or(Error::UnsupportedKey)?;
        key.verify(Pkcs1v15Sign::new_unprefixed(), digest_info, &signature)
            .map_err(|_| Error::BadSignature)?;
        Ok(signature)
    }

    /// SELECT of the PIN IEF and the key IEF, the JAHIS sequence's preamble, when the key
    /// is not already the current EF.
    fn select_key(&mut self) -> Result<(), Error> {
        if self.key_selected {
            return Ok(());
        }
        for (what, fid) in [
            ("SELECT EF (PIN)", self.profile.pin_fid()),
            ("SELECT EF (key)", self.profile.key_fid()),
        ] {
            let r = self.select_ef(fid)?;
            if !r.is_success() {
                return Err(status(what, &r));
            }
        }
        self.key_selected = true;
        Ok(())
    }

    fn attempt(
        &mut self,
        variant: SignVariant,
        pin: Option<(&Pin, LastTry)>,
        digest_info: &[u8],
    ) -> Result<Attempt, Error> {
        self.select_key()?;
        let k = self.modulus_len();
        let ne = u32::try_from(k).unwrap_or(256);
        let command = match variant {
            SignVariant::JahisPso => {
                let mse =
                    Command::new(0x00, 0x22, 0x41, 0xB6).with_data(self.profile.mse_key_template());
                let r = self.send(&mse)?;
                if is_unsupported(r.sw) {
                    return Ok(Attempt::Unsupported);
                }
                if !r.is_success() {
                    return Err(status("MSE SET", &r));
                }
                let block = pkcs1_v15_block(digest_info, k).ok_or(Error::UnsupportedKey)?;
                // transmit() sends this extended when the transport supports it, else as a
                // chain of short commands (CLA 10 on all links but the last).
                Command::new(0x00, 0x2A, 0x9E, 0x9A)
                    .with_data(block)
                    .with_le(ne)
            }
            SignVariant::JpkiStyle => Command::new(0x80, 0x2A, 0x00, 0x80)
                .with_data(digest_info)
                .with_le(ne.min(256)),
        };
        if let Some((pin, last_try)) = pin
            && !self.verified
        {
            self.verify(pin, last_try)?;
        }
        let r = self.send(&command)?;
        if is_unsupported(r.sw) {
            return Ok(Attempt::Unsupported);
        }
        // The signing AP uses a verification up with the signature (or the refusal).
        if self.app == App::Signing || !r.is_success() {
            self.verified = false;
        }
        if !r.is_success() {
            return Err(status(
                match variant {
                    SignVariant::JahisPso => "PSO COMPUTE DIGITAL SIGNATURE",
                    SignVariant::JpkiStyle => "COMPUTE DIGITAL SIGNATURE (80 2A)",
                },
                &r,
            ));
        }
        Ok(Attempt::Signed(r.data))
    }
}

fn select_app<T: Transport>(transport: &mut T, app: App) -> Result<(), Error> {
    let r = transmit(
        transport,
        &Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(app.aid()),
    )?;
    match r.sw {
        StatusWord::SUCCESS => Ok(()),
        StatusWord::FILE_NOT_FOUND => Err(Error::AppNotFound(app)),
        _ => Err(status("SELECT AP", &r)),
    }
}

/// The RSA public key of a DER certificate.
pub(crate) fn public_key(certificate_der: &[u8]) -> Result<rsa::PublicKey, Error> {
    use der::{Decode as _, Encode as _};
    use rsa::pkcs8::DecodePublicKey as _;
    let cert = x509_cert::Certificate::from_der(certificate_der)
        .map_err(|_| Error::MalformedCertificate("the certificate does not decode"))?;
    let spki = cert
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|_| Error::UnsupportedKey)?;
    rsa::PublicKey::from_public_key_der(&spki).map_err(|_| Error::UnsupportedKey)
}
