//! Signing with the card's keys through `cert_signer::CertSigner` and the RustCrypto
//! `signature` traits.

use core::cell::{Cell, RefCell};

use apdu::Transport;
use cert_signer::{CertSigner, DigestAlgorithm, Held, PinError, SignError};
use der::{Decode, Encode};
use rsa::{Pkcs1v15Sign, PublicKey, pkcs1v15, pkcs8::DecodePublicKey};
use sha2::Sha256;
use spki::{AlgorithmIdentifierRef, ObjectIdentifier, SignatureAlgorithmIdentifier, der::AnyRef};

use crate::jpki_ap::{App, JpkiCard, KeyKind};
use crate::{Error, JpkiPin, LastTry};

/// The card's RSA PKCS#1 v1.5 signature type (the RustCrypto one).
pub type Signature = pkcs1v15::Signature;

/// A signing key on the card, with its certificate and the PIN that unlocks it.
///
/// Made by [`JpkiCard::signer`]. Each signature (or each batch in
/// [`CertSigner::sign_digests`]) sends exactly one VERIFY: SELECT PIN IEF, VERIFY,
/// SELECT key, `80 2A 00 80` per signature. The card's answer is checked against the
/// certificate's public key before it is returned. If the card refuses the PIN the
/// signer stops for good ([`PinError::RefusedEarlier`]) rather than spend more tries.
/// [`JpkiCard::into_signer`] owns the card instead of borrowing it, and HPKI cards make
/// their signers the same way (`hpki_card::HpkiCard::signer`).
///
/// Implements [`CertSigner`] (for the CMS and XAdES crates),
/// [`signature::hazmat::PrehashSigner`] (the digest length picks SHA-256/384/512),
/// [`signature::Signer`] (SHA-256 of the message), [`signature::Keypair`] and
/// [`spki::SignatureAlgorithmIdentifier`] (sha256WithRSAEncryption), so x509-cert and
/// cms builders can sign with the card.
pub struct JpkiSigner<'a, T: Transport, P: JpkiPin> {
    card: RefCell<Held<'a, JpkiCard<T>>>,
    key: KeyKind,
    pin: P,
    certificate: Vec<u8>,
    chain: Vec<Vec<u8>>,
    public_key: PublicKey,
    poisoned: Cell<bool>,
}

impl<T: Transport, P: JpkiPin> core::fmt::Debug for JpkiSigner<'_, T, P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("JpkiSigner")
            .field("key", &self.key)
            .field("pin", &self.pin)
            .field("certificate_len", &self.certificate.len())
            .field("poisoned", &self.poisoned.get())
            .finish()
    }
}

impl<'a, T: Transport, P: JpkiPin> JpkiSigner<'a, T, P> {
    pub(crate) fn new(
        card: Held<'a, JpkiCard<T>>,
        key: KeyKind,
        pin: P,
        certificate: Vec<u8>,
        chain: Vec<Vec<u8>>,
    ) -> Result<Self, Error> {
        let public_key = public_key_of(&certificate)?;
        Ok(Self {
            card: RefCell::new(card),
            key,
            pin,
            certificate,
            chain,
            public_key,
            poisoned: Cell::new(false),
        })
    }

    /// Runs `f` with the card's transport (to read or clear a trace, or to reach a
    /// virtual card in tests) while the signer holds the card; `None` if called from
    /// inside a signature.
    pub fn with_transport<R>(&self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        let mut card = self.card.try_borrow_mut().ok()?;
        Some(f(card.transport_mut()))
    }

    /// The card (e.g. to read its certificates).
    pub fn card_mut(&mut self) -> &mut JpkiCard<T> {
        self.card.get_mut()
    }

    /// Which key signs.
    pub fn key(&self) -> KeyKind {
        self.key
    }

    /// The signer's public key (from its certificate).
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// Signs a digest of `algorithm`: the DigestInfo is built here.
    pub fn sign_digest(&self, algorithm: DigestAlgorithm, digest: &[u8]) -> Result<Vec<u8>, Error> {
        let info = algorithm
            .digest_info(digest)
            .map_err(|_| Error::InvalidSignInput("digest length does not match the algorithm"))?;
        Ok(self
            .sign_digest_infos(&[&info])?
            .into_iter()
            .next()
            .unwrap_or_default())
    }

    /// Signs a caller's DER DigestInfo as is (SHA-1 ones included, for legacy peers);
    /// the result is still checked against the certificate.
    pub fn sign_digest_info(&self, digest_info: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(self
            .sign_digest_infos(&[digest_info])?
            .into_iter()
            .next()
            .unwrap_or_default())
    }

    /// Signs several DigestInfos after one VERIFY.
    pub fn sign_digest_infos(&self, infos: &[&[u8]]) -> Result<Vec<Vec<u8>>, Error> {
        if self.poisoned.get() {
            return Err(PinError::RefusedEarlier.into());
        }
        let mut card = self
            .card
            .try_borrow_mut()
            .map_err(|_| Error::InvalidSignInput("the signer is already signing"))?;
        card.select_app(App::Jpki)?;
        // The PIN was verified when the signer was made: this VERIFY cannot spend a try
        // unless the PIN was changed meanwhile, and then the signer stops.
        match card.verify_in_app(&self.pin, LastTry::Allow) {
            Ok(()) => {}
            Err(e @ Error::Pin(PinError::Wrong { .. } | PinError::Blocked)) => {
                self.poisoned.set(true);
                return Err(e);
            }
            Err(e) => return Err(e),
        }
        let mut out = Vec::with_capacity(infos.len());
        for info in infos {
            let sig = card.compute_signature(self.key, info)?;
            self.public_key
                .verify(Pkcs1v15Sign::new_unprefixed(), info, &sig)
                .map_err(|_| Error::BadSignature("does not verify with the certificate's key"))?;
            out.push(sig);
        }
        Ok(out)
    }
}

fn public_key_of(certificate: &[u8]) -> Result<PublicKey, Error> {
    let cert = x509_cert::Certificate::from_der(certificate)
        .map_err(|_| Error::MalformedCertificate("not a DER X.509 certificate"))?;
    let spki = cert
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|_| Error::MalformedCertificate("subjectPublicKeyInfo"))?;
    PublicKey::from_public_key_der(&spki)
        .map_err(|_| Error::MalformedCertificate("not an RSA public key"))
}

impl<T: Transport, P: JpkiPin> CertSigner for JpkiSigner<'_, T, P> {
    fn certificate_der(&self) -> &[u8] {
        &self.certificate
    }

    fn chain_der(&self) -> Vec<Vec<u8>> {
        self.chain.clone()
    }

    fn sign_digest(
        &mut self,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<Vec<u8>, SignError> {
        algorithm.digest_info(digest)?;
        Ok(JpkiSigner::sign_digest(self, algorithm, digest)?)
    }

    fn sign_digests(
        &mut self,
        algorithm: DigestAlgorithm,
        digests: &[&[u8]],
    ) -> Result<Vec<Vec<u8>>, SignError> {
        let infos = digests
            .iter()
            .map(|d| algorithm.digest_info(d))
            .collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&[u8]> = infos.iter().map(Vec::as_slice).collect();
        Ok(self.sign_digest_infos(&refs)?)
    }
}

fn to_signature(bytes: &[u8]) -> signature::Result<Signature> {
    Signature::try_from(bytes)
}

impl<T: Transport, P: JpkiPin> signature::hazmat::PrehashSigner<Signature>
    for JpkiSigner<'_, T, P>
{
    fn sign_prehash(&self, prehash: &[u8]) -> signature::Result<Signature> {
        let algorithm =
            DigestAlgorithm::from_output_len(prehash.len()).ok_or_else(signature::Error::new)?;
        let sig = self
            .sign_digest(algorithm, prehash)
            .map_err(signature::Error::from_source)?;
        to_signature(&sig)
    }
}

impl<T: Transport, P: JpkiPin> signature::Signer<Signature> for JpkiSigner<'_, T, P> {
    fn try_sign(&self, msg: &[u8]) -> signature::Result<Signature> {
        let digest = DigestAlgorithm::Sha256.hash(msg);
        let sig = self
            .sign_digest(DigestAlgorithm::Sha256, &digest)
            .map_err(signature::Error::from_source)?;
        to_signature(&sig)
    }
}

impl<T: Transport, P: JpkiPin> signature::Keypair for JpkiSigner<'_, T, P> {
    type VerifyingKey = pkcs1v15::VerifyingKey<Sha256>;

    fn verifying_key(&self) -> Self::VerifyingKey {
        pkcs1v15::VerifyingKey::new(self.public_key.clone())
    }
}

impl<T: Transport, P: JpkiPin> SignatureAlgorithmIdentifier for JpkiSigner<'_, T, P> {
    type Params = AnyRef<'static>;

    /// sha256WithRSAEncryption (RFC 4055), what [`signature::Signer`] produces.
    const SIGNATURE_ALGORITHM_IDENTIFIER: AlgorithmIdentifierRef<'static> =
        AlgorithmIdentifierRef {
            oid: ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11"),
            parameters: Some(AnyRef::NULL),
        };
}
