//! What the procedure needs from the My Number Card, and a reader for it over any APDU
//! transport (`docs/spec/cards.md` §1–6), built on jpki-card.

use apdu::Transport;
use authority_forms::{CardApplicant, Sex as FormSex};
use cert_signer::DigestAlgorithm;
use jpki_card::{
    AuthPin, BasicFourItems, Certificate, JpkiCard, JpkiPin, LastTry, PinError, PinKind, Sex,
    TokenKind,
};

use crate::{AssistPin, Error, SignaturePin};

/// The applicant as the form shows it in step 5 (read-only there), from the card's basic
/// four items. Fails with [`Error::CardData`] for a sex the form cannot take (`9` not
/// applicable, `0` not known).
pub fn card_applicant(items: &BasicFourItems) -> Result<CardApplicant, Error> {
    let sex = match items.sex {
        Sex::Male => FormSex::Male,
        Sex::Female => FormSex::Female,
        other => {
            return Err(Error::CardData(format!(
                "sex code {:?} cannot be entered in the application form",
                other.code()
            )));
        }
    };
    Ok(CardApplicant {
        name: items.name.clone(),
        sex,
        birth_date: items.birth_date,
        address: items.address.clone(),
        former_surname: None,
    })
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
/// user-authentication key, and the application signature with the signature key. The
/// types are jpki-card's: [`TokenKind`], [`BasicFourItems`], [`AuthPin`].
///
/// [`ApduCard`] implements it over any [`apdu::Transport`] (PC/SC, the in-process
/// virtual card). Implementations verify each PIN once per call and never retry one.
pub trait PortalCard {
    /// Reads the token EF of the JPKI AP.
    fn token(&mut self) -> Result<TokenKind, Error>;
    /// Reads the basic four items from the input-support AP with its 4-digit PIN.
    fn read_basic_four(&mut self, pin: &AssistPin) -> Result<BasicFourItems, Error>;
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
/// sent ([`PinError::Blocked`]), and the last try is refused
/// ([`PinError::LastTryRefused`]) unless [`with_last_try`](Self::with_last_try) allowed
/// it after warning the user. The basic four items are read into zeroized buffers and
/// handed over as [`BasicFourItems`] (zeroized on drop, redacted in `Debug`).
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

    /// Whether the next PINs may spend a card's last try ([`LastTry::Allow`]: a wrong PIN
    /// then blocks it; ask the user first). [`LastTry::Refuse`] by default.
    pub fn with_last_try(mut self, last_try: LastTry) -> Self {
        self.last_try = last_try;
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
                return Err(PinError::Blocked.into());
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
        Ok(self.card.kind().clone())
    }

    fn read_basic_four(&mut self, pin: &AssistPin) -> Result<BasicFourItems, Error> {
        let pin = jpki_card::TextPin::new(pin.expose())?;
        self.refuse_blocked(PinKind::Text)?;
        let mut text = self.card.text_ap();
        // One VERIFY per call, even when this session verified the PIN before: a wrong
        // PIN is never answered with the holder's data.
        text.verify(&pin, self.last_try)?;
        Ok(text.basic_four_items(&pin, self.last_try)?)
    }

    fn sign_with_auth_key(
        &mut self,
        pin: &AuthPin,
        algorithm: DigestAlgorithm,
        digest: &[u8],
    ) -> Result<CardSignature, Error> {
        self.sign_with(pin, algorithm, digest)
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
