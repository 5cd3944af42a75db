//! The three test holders of the virtual HPKI cards, with the keys and certificates of
//! `hpki-cert`'s HPKI-shaped test PKI (fixed test keys; test material only).

use hpki_cert::{Qualification, testpki::TestPki};

use super::{HpkiKey, VirtualHpkiCard};

/// The holder of a virtual HPKI card (fictitious test people of `hpki_cert::testpki`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HpkiHolder {
    /// A physician (医師, hcRole `Medical Doctor`).
    Physician,
    /// A dentist (歯科医師, hcRole `Dentist`).
    Dentist,
    /// A pharmacist (薬剤師, hcRole `Pharmacist`).
    Pharmacist,
}

impl HpkiHolder {
    /// All three holders.
    pub const ALL: [Self; 3] = [Self::Physician, Self::Dentist, Self::Pharmacist];

    /// The qualification the holder's certificates name in their hcRole.
    pub fn qualification(self) -> Qualification {
        match self {
            Self::Physician => Qualification::MedicalDoctor,
            Self::Dentist => Qualification::Dentist,
            Self::Pharmacist => Qualification::Pharmacist,
        }
    }
}

/// Why a test card could not be built (not expected with the embedded keys; reported
/// instead of panicking).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HpkiTestCardError {
    /// The test PKI could not be built; the source says why.
    #[error("HPKI test PKI: {0}")]
    TestPki(#[from] hpki_cert::Error),
    /// The test PKI has no certificate for the holder's qualification.
    #[error("the HPKI test PKI has no certificates for {0:?}")]
    NoCertificate(HpkiHolder),
}

/// The certificates of a holder's test card and the hierarchy above them (DER).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HpkiTestCertificates {
    /// The HPKI test root (a verifier's trust anchor; not on the card).
    pub root: Vec<u8>,
    /// The signing CA (issued the signing certificate).
    pub signing_ca: Vec<u8>,
    /// The authentication CA.
    pub authentication_ca: Vec<u8>,
    /// The holder's signing (nonRepudiation) certificate.
    pub signing: Vec<u8>,
    /// The holder's authentication certificate.
    pub authentication: Vec<u8>,
}

fn keys(holder: HpkiHolder) -> Result<(HpkiTestCertificates, HpkiKey, HpkiKey), HpkiTestCardError> {
    let pki = TestPki::shared()?;
    let q = holder.qualification();
    let missing = || HpkiTestCardError::NoCertificate(holder);
    let signing = pki.signing(&q).ok_or_else(missing)?;
    let auth = pki.authentication(&q).ok_or_else(missing)?;
    let certs = HpkiTestCertificates {
        root: pki.hpki_root().cert_der().to_vec(),
        signing_ca: pki.hpki_sign_ca().cert_der().to_vec(),
        authentication_ca: pki.hpki_auth_ca().cert_der().to_vec(),
        signing: signing.cert_der().to_vec(),
        authentication: auth.cert_der().to_vec(),
    };
    let sign_key = HpkiKey::new(signing.key().clone(), certs.signing.clone())
        .with_ca_certificate(certs.signing_ca.clone());
    let auth_key = HpkiKey::new(auth.key().clone(), certs.authentication.clone())
        .with_ca_certificate(certs.authentication_ca.clone());
    Ok((certs, sign_key, auth_key))
}

impl HpkiTestCertificates {
    /// The test hierarchy of `holder`'s card.
    pub fn generate(holder: HpkiHolder) -> Result<Self, HpkiTestCardError> {
        keys(holder).map(|(certs, _, _)| certs)
    }

    /// Writes what a verifier of this card's signatures trusts, as DER and PEM, into
    /// `dir` (created when missing): `hpki-test-root.{der,pem}` (the anchor) and
    /// `hpki-test-sign-ca.{der,pem}` (the signing CA). Test material only.
    pub fn write_anchors(&self, dir: &std::path::Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for (name, der) in [
            ("hpki-test-root", &self.root),
            ("hpki-test-sign-ca", &self.signing_ca),
        ] {
            std::fs::write(dir.join(format!("{name}.der")), der)?;
            let pem = hpki_cert::certificate_pem(der).map_err(std::io::Error::other)?;
            std::fs::write(dir.join(format!("{name}.pem")), pem)?;
        }
        Ok(())
    }
}

impl VirtualHpkiCard {
    /// The virtual card of a test holder: the holder's signing and authentication keys
    /// and certificates from `hpki_cert::testpki`, the JMA layout, both signing variants,
    /// PIN `1234`.
    pub fn test_card(holder: HpkiHolder) -> Result<Self, HpkiTestCardError> {
        let (_, signing, authentication) = keys(holder)?;
        Ok(Self::new(signing, authentication))
    }
}
