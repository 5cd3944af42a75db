//! The HPKI card as a `CertSigner` and a RustCrypto `signature` signer.

use core::cell::{Cell, RefCell};

use apdu::Transport;
use cert_signer::{CertSigner, DigestAlgorithm, Held, LastTry, PinError, SignError};

use crate::{Error, HpkiCard, Pin};

/// An HPKI card application as a signer, interchangeable with every other medsign signer
/// ([`CertSigner`]) and usable where RustCrypto's
/// [`PrehashSigner`](signature::hazmat::PrehashSigner) or [`Signer`](signature::Signer)
/// is expected.
///
/// Made by [`HpkiCard::signer`] (borrowing the card) or [`HpkiCard::into_signer`]
/// (owning it), which verify the PIN once, as `jpki_card::JpkiCard`'s do. The signer
/// holds the PIN (zeroized on drop, never in `Debug`). On the signing AP the card wants
/// the PIN before **every** signature: the first uses the verification made with the
/// signer, each later one sends VERIFY once (without the counter query: the card has
/// accepted this PIN). On the authentication AP the verification lasts the session. If
/// the card ever refuses the PIN (it was changed meanwhile) the signer stops for good
/// ([`PinError::RefusedEarlier`]) rather than spend more tries.
///
/// ```
/// use card_sim::{HpkiHolder, InProcess, VirtualHpkiCard};
/// use cert_signer::{CertSigner, DigestAlgorithm};
/// use hpki_card::{HpkiCard, LastTry, Pin};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let reader = InProcess::new(VirtualHpkiCard::test_card(HpkiHolder::Pharmacist)?);
/// let mut signer = HpkiCard::open(reader)?.into_signer(Pin::new("1234")?, LastTry::Refuse)?;
///
/// let digest = DigestAlgorithm::Sha256.hash(b"dispensing record");
/// let signature = signer.sign_digest(DigestAlgorithm::Sha256, &digest)?;
/// assert_eq!(signature.len(), 256);
/// assert!(!signer.certificate_der().is_empty());
/// # Ok(()) }
/// ```
pub struct HpkiSigner<'a, T> {
    card: RefCell<Held<'a, HpkiCard<T>>>,
    certificate: Vec<u8>,
    /// The CA certificates the card holds (none on JMA cards).
    chain: Vec<Vec<u8>>,
    pin: Pin,
    /// The PIN was refused: it is never presented again.
    pin_refused: Cell<bool>,
}

impl<T> core::fmt::Debug for HpkiSigner<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HpkiSigner")
            .field("certificate_len", &self.certificate.len())
            .field("pin", &self.pin)
            .field("pin_refused", &self.pin_refused.get())
            .finish_non_exhaustive()
    }
}

impl<'a, T: Transport> HpkiSigner<'a, T> {
    pub(crate) fn new(
        card: Held<'a, HpkiCard<T>>,
        pin: Pin,
        certificate: Vec<u8>,
        chain: Vec<Vec<u8>>,
    ) -> Self {
        Self {
            card: RefCell::new(card),
            certificate,
            chain,
            pin,
            pin_refused: Cell::new(false),
        }
    }

    /// Runs `f` with the card's transport (to read or clear a trace, or to reach a
    /// virtual card in tests) while the signer holds the card; `None` if called from
    /// inside a signature.
    pub fn with_transport<R>(&self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        let mut card = self.card.try_borrow_mut().ok()?;
        Some(f(card.transport_mut()))
    }

    /// The card (e.g. to ask which signing variant it took).
    pub fn card_mut(&mut self) -> &mut HpkiCard<T> {
        self.card.get_mut()
    }

    /// Signs `digest` (the output of `algorithm`), presenting the PIN as the application
    /// requires. Both trait implementations call this.
    pub fn sign_prehashed(
        &self,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<Vec<u8>, Error> {
        if self.pin_refused.get() {
            return Err(Error::Pin(PinError::RefusedEarlier));
        }
        let mut card = self.card.try_borrow_mut().map_err(|_| Error::Busy)?;
        // The card accepted this PIN when the signer was made: sending it again cannot
        // spend a try unless it was changed meanwhile, and then the signer stops.
        let result = if card.is_verified() {
            match card.sign(algorithm, digest) {
                // The card forgot the verification (reset by another application).
                Err(Error::Pin(PinError::Required)) => {
                    card.sign_digest(&self.pin, LastTry::Allow, algorithm, digest)
                }
                other => other,
            }
        } else {
            card.sign_digest(&self.pin, LastTry::Allow, algorithm, digest)
        };
        if let Err(Error::Pin(PinError::Wrong { .. } | PinError::Blocked)) = &result {
            self.pin_refused.set(true);
        }
        result
    }
}

impl<T: Transport> CertSigner for HpkiSigner<'_, T> {
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

/// RSASSA-PKCS1-v1_5 over a SHA-256, SHA-384 or SHA-512 prehash, chosen by its length.
impl<T: Transport> signature::hazmat::PrehashSigner<rsa::pkcs1v15::Signature>
    for HpkiSigner<'_, T>
{
    fn sign_prehash(&self, prehash: &[u8]) -> Result<rsa::pkcs1v15::Signature, signature::Error> {
        let algorithm =
            DigestAlgorithm::from_output_len(prehash.len()).ok_or_else(signature::Error::new)?;
        let raw = self
            .sign_prehashed(algorithm, prehash)
            .map_err(signature::Error::from_source)?;
        rsa::pkcs1v15::Signature::try_from(raw.as_slice())
    }
}

/// RSASSA-PKCS1-v1_5 with SHA-256 (the hash HPKI and the e-prescription service use).
impl<T: Transport> signature::Signer<rsa::pkcs1v15::Signature> for HpkiSigner<'_, T> {
    fn try_sign(&self, msg: &[u8]) -> Result<rsa::pkcs1v15::Signature, signature::Error> {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(msg);
        signature::hazmat::PrehashSigner::sign_prehash(self, &digest)
    }
}
