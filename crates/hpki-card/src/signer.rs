//! The HPKI card as a `CertSigner` and a RustCrypto `signature` signer.

use core::cell::{Cell, RefCell};

use apdu::Transport;
use cert_signer::{CertSigner, DigestAlgorithm, SignError};

use crate::{App, Error, HpkiCard, Pin};

/// An HPKI card application as a signer, interchangeable with every other medsign signer
/// ([`CertSigner`]) and usable where RustCrypto's
/// [`PrehashSigner`](signature::hazmat::PrehashSigner) or [`Signer`](signature::Signer)
/// is expected.
///
/// The signer holds the PIN (zeroized on drop, never in `Debug`). On the signing AP it
/// presents the PIN before **every** signature, exactly once, as the card demands; on the
/// authentication AP once per session. It never presents a PIN the card refused again:
/// after [`Error::WrongPin`] make a new signer with the corrected PIN.
///
/// ```
/// use card_sim::{HpkiHolder, InProcess, VirtualHpkiCard};
/// use cert_signer::{CertSigner, DigestAlgorithm};
/// use hpki_card::{App, HpkiCard, HpkiSigner, Pin, Profile};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let reader = InProcess::new(VirtualHpkiCard::test_card(HpkiHolder::Pharmacist)?);
/// let card = HpkiCard::open(reader, App::Signing, Profile::Jma)?;
/// let mut signer = HpkiSigner::new(card, Pin::new("1234")?)?;
///
/// let digest = DigestAlgorithm::Sha256.hash(b"dispensing record");
/// let signature = signer.sign_digest(DigestAlgorithm::Sha256, &digest)?;
/// assert_eq!(signature.len(), 256);
/// assert!(!signer.certificate_der().is_empty());
/// # Ok(()) }
/// ```
pub struct HpkiSigner<T> {
    card: RefCell<HpkiCard<T>>,
    certificate: Vec<u8>,
    /// The CA certificates the card holds (none on JMA cards).
    chain: Vec<Vec<u8>>,
    pin: Pin,
    /// The PIN was refused: it is never presented again.
    pin_refused: Cell<bool>,
    /// The authentication AP holds a verification from this signer.
    session_verified: Cell<bool>,
}

impl<T> core::fmt::Debug for HpkiSigner<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HpkiSigner")
            .field("certificate_len", &self.certificate.len())
            .field("pin", &self.pin)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> HpkiSigner<T> {
    /// A signer over `card` that presents `pin`; reads the certificate and the CA
    /// certificates the card holds ([`HpkiCard::read_ca_certificates`]) now (no PIN needed).
    pub fn new(mut card: HpkiCard<T>, pin: Pin) -> Result<Self, Error> {
        let certificate = card.read_certificate()?.to_vec();
        crate::card::public_key(&certificate)?;
        let chain = card.read_ca_certificates()?.to_vec();
        Ok(Self {
            card: RefCell::new(card),
            certificate,
            chain,
            pin,
            pin_refused: Cell::new(false),
            session_verified: Cell::new(false),
        })
    }

    /// Allows spending the last PIN try (off by default: with one try left signing fails
    /// with [`Error::LastTryRefused`] and the PIN is not sent).
    pub fn allow_last_try(self, allow: bool) -> Self {
        self.card.borrow_mut().set_allow_last_try(allow);
        self
    }

    /// The card (e.g. to look at its transport).
    pub fn card_mut(&mut self) -> &mut HpkiCard<T> {
        self.card.get_mut()
    }

    /// Gives the card back.
    pub fn into_card(self) -> HpkiCard<T> {
        self.card.into_inner()
    }

    /// Signs `digest` (the output of `algorithm`), presenting the PIN as the application
    /// requires. Both trait implementations call this.
    pub fn sign_prehashed(
        &self,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<Vec<u8>, Error> {
        if self.pin_refused.get() {
            return Err(Error::PinRequired);
        }
        let mut card = self.card.try_borrow_mut().map_err(|_| Error::Busy)?;
        let result = if card.app() == App::Authentication && self.session_verified.get() {
            match card.sign(algorithm, digest) {
                // The card forgot the verification (reset by another application).
                Err(Error::PinRequired) => card.sign_with_pin(&self.pin, algorithm, digest),
                other => other,
            }
        } else {
            card.sign_with_pin(&self.pin, algorithm, digest)
        };
        match &result {
            Ok(_) => self.session_verified.set(true),
            Err(Error::WrongPin { .. } | Error::Blocked) => self.pin_refused.set(true),
            Err(_) => {}
        }
        result
    }
}

impl<T: Transport> CertSigner for HpkiSigner<T> {
    fn certificate_der(&self) -> &[u8] {
        &self.certificate
    }

    /// The CA certificates the card holds: empty on JMA cards (take the CA from the
    /// trust store there), the issuing CA (and an intermediate) in the JAHIS layout.
    fn chain_der(&self) -> Vec<Vec<u8>> {
        self.chain.clone()
    }

    fn sign_digest(
        &mut self,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<Vec<u8>, SignError> {
        // The length is checked before the card is touched.
        algorithm.digest_info(digest)?;
        Ok(self.sign_prehashed(algorithm, digest)?)
    }
}

/// The digest algorithm of a prehash, by its length.
fn algorithm_of(prehash: &[u8]) -> Option<DigestAlgorithm> {
    match prehash.len() {
        32 => Some(DigestAlgorithm::Sha256),
        48 => Some(DigestAlgorithm::Sha384),
        64 => Some(DigestAlgorithm::Sha512),
        _ => None,
    }
}

/// RSASSA-PKCS1-v1_5 over a SHA-256, SHA-384 or SHA-512 prehash, chosen by its length.
impl<T: Transport> signature::hazmat::PrehashSigner<rsa::pkcs1v15::Signature> for HpkiSigner<T> {
    fn sign_prehash(&self, prehash: &[u8]) -> Result<rsa::pkcs1v15::Signature, signature::Error> {
        let algorithm = algorithm_of(prehash).ok_or_else(signature::Error::new)?;
        let raw = self
            .sign_prehashed(algorithm, prehash)
            .map_err(signature::Error::from_source)?;
        rsa::pkcs1v15::Signature::try_from(raw.as_slice())
    }
}

/// RSASSA-PKCS1-v1_5 with SHA-256 (the hash HPKI and the e-prescription service use).
impl<T: Transport> signature::Signer<rsa::pkcs1v15::Signature> for HpkiSigner<T> {
    fn try_sign(&self, msg: &[u8]) -> Result<rsa::pkcs1v15::Signature, signature::Error> {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(msg);
        signature::hazmat::PrehashSigner::sign_prehash(self, &digest)
    }
}
