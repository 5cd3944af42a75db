//! A J-LIS-like test PKI for the virtual My Number Card, built from fixed test keys.

use std::str::FromStr;
use std::time::Duration;

use der::{Encode, asn1::UtcTime};
use rsa::{PrivateKey, pkcs1v15::SigningKey, pkcs8::DecodePrivateKey};
use sha2::Sha256;
use spki::{EncodePublicKey, ObjectIdentifier, SubjectPublicKeyInfo, SubjectPublicKeyInfoRef};
use x509_cert::{
    builder::{Builder, CertificateBuilder, profile::BuilderProfile},
    certificate::TbsCertificate,
    ext::{
        Extension, ToExtension,
        pkix::{
            AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectAltName,
            SubjectKeyIdentifier,
            name::{GeneralName, OtherName},
        },
    },
    name::Name,
    serial_number::SerialNumber,
    time::{Time, Validity},
};

use crate::jpki::TestHolder;

/// JPKI's subjectAltName otherName types for the basic four items in the signature
/// certificate (J-LIS certificate profile; the arc `1.2.392.200149.8.5.5`).
pub mod oid {
    use spki::ObjectIdentifier;

    /// 氏名 (name), UTF8String.
    pub const NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.1");
    /// 性別 (sex), UTF8String with the card's digit.
    pub const SEX: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.3");
    /// 生年月日 (birth date), UTF8String `YYYYMMDD`.
    pub const BIRTH_DATE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.4");
    /// 住所 (address), UTF8String.
    pub const ADDRESS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.5");
}

/// Why the test PKI could not be built (never expected with the embedded keys; reported
/// instead of panicking).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestPkiError {
    /// An embedded key or a certificate field could not be encoded; the text says which.
    #[error("test PKI: {0}")]
    Build(String),
}

fn err(what: &'static str) -> impl Fn(&dyn core::fmt::Display) -> TestPkiError {
    move |e| TestPkiError::Build(format!("{what}: {e}"))
}

/// The test hierarchy on a virtual My Number Card: a root, the signature CA and the
/// user-authentication CA it issued, and the holder's two certificates.
///
/// ```text
/// JPKI Test Root CA ─┬─ JPKI Test Sign CA ── holder signature certificate (basic four items in SAN)
///                    └─ JPKI Test Auth CA ── holder user-authentication certificate
/// ```
///
/// Built from fixed RSA-2048 keys (`testdata/keys/`) with fixed serials and validity,
/// so every build yields the same bytes. Test material only.
#[derive(Clone)]
pub struct JpkiTestPki {
    root: Vec<u8>,
    sign_ca: Vec<u8>,
    auth_ca: Vec<u8>,
    sign_cert: Vec<u8>,
    auth_cert: Vec<u8>,
    sign_key: PrivateKey,
    auth_key: PrivateKey,
}

impl core::fmt::Debug for JpkiTestPki {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("JpkiTestPki")
            .field("sign_cert_len", &self.sign_cert.len())
            .field("auth_cert_len", &self.auth_cert.len())
            .field("keys", &"<redacted>")
            .finish()
    }
}

const ROOT_KEY: &str = include_str!("../../testdata/keys/jpki-root.pem");
const SIGN_CA_KEY: &str = include_str!("../../testdata/keys/jpki-sign-ca.pem");
const AUTH_CA_KEY: &str = include_str!("../../testdata/keys/jpki-auth-ca.pem");
const HOLDER_SIGN_KEY: &str = include_str!("../../testdata/keys/holder-sign.pem");
const HOLDER_AUTH_KEY: &str = include_str!("../../testdata/keys/holder-auth.pem");

/// 2025-01-01T00:00:00Z.
const CA_NOT_BEFORE: u64 = 1_735_689_600;
/// 2035-01-01T00:00:00Z.
const CA_NOT_AFTER: u64 = 2_051_222_400;
/// 2025-04-01T00:00:00Z.
const EE_NOT_BEFORE: u64 = 1_743_465_600;
/// 2030-03-31T14:59:59Z (five years, to the holder's birthday in real life).
const EE_NOT_AFTER: u64 = 1_901_199_599;

enum Role {
    Ca,
    Signature(Vec<GeneralName>),
    Authentication,
}

struct Profile {
    issuer: Name,
    subject: Name,
    role: Role,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let subject = tbs.subject();
        let mut out = Vec::new();
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        out.push((&ski).to_extension(subject, &out)?);
        if self.issuer != self.subject {
            let aki = AuthorityKeyIdentifier::try_from(issuer_spk)?;
            out.push((&aki).to_extension(subject, &out)?);
        }
        let (ca, usage) = match &self.role {
            Role::Ca => (true, KeyUsages::KeyCertSign | KeyUsages::CRLSign),
            Role::Signature(_) => (
                false,
                KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
            ),
            Role::Authentication => (
                false,
                KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment,
            ),
        };
        let bc = BasicConstraints {
            ca,
            path_len_constraint: None,
        };
        out.push((&bc).to_extension(subject, &out)?);
        out.push((&KeyUsage(usage)).to_extension(subject, &out)?);
        if let Role::Signature(names) = &self.role {
            let san = SubjectAltName(names.clone());
            out.push((&san).to_extension(subject, &out)?);
        }
        Ok(out)
    }
}

fn validity(from: u64, to: u64) -> Result<Validity, TestPkiError> {
    let t = |s: u64| {
        UtcTime::from_unix_duration(Duration::from_secs(s))
            .map(Time::UtcTime)
            .map_err(|e| err("validity")(&e))
    };
    Ok(Validity::new(t(from)?, t(to)?))
}

fn key(pem: &str) -> Result<PrivateKey, TestPkiError> {
    PrivateKey::from_pkcs8_pem(pem).map_err(|e| err("embedded test key")(&e))
}

fn name(s: &str) -> Result<Name, TestPkiError> {
    Name::from_str(s).map_err(|e| err("name")(&e))
}

fn other_name(oid: ObjectIdentifier, value: &str) -> Result<GeneralName, TestPkiError> {
    let utf8 = der::asn1::Utf8StringRef::new(value).map_err(|e| err("SAN value")(&e))?;
    let any = der::Any::encode_from(&utf8).map_err(|e| err("SAN value")(&e))?;
    Ok(GeneralName::OtherName(OtherName {
        type_id: oid,
        value: any,
    }))
}

fn issue(
    profile: Profile,
    serial: u32,
    (from, to): (u64, u64),
    subject_key: &PrivateKey,
    issuer_key: &PrivateKey,
) -> Result<Vec<u8>, TestPkiError> {
    let spki = SubjectPublicKeyInfo::from_key(&subject_key.to_public_key())
        .map_err(|e| err("subject key")(&e))?;
    let builder = CertificateBuilder::new(
        profile,
        SerialNumber::from(serial),
        validity(from, to)?,
        spki,
    )
    .map_err(|e| err("builder")(&e))?;
    let signer = SigningKey::<Sha256>::new(issuer_key.clone());
    let cert = builder
        .build::<_, rsa::pkcs1v15::Signature>(&signer)
        .map_err(|e| err("signing")(&e))?;
    cert.to_der().map_err(|e| err("encoding")(&e))
}

impl JpkiTestPki {
    /// Builds the hierarchy for `holder` (the signature certificate carries the holder's
    /// basic four items).
    pub fn generate(holder: &TestHolder) -> Result<Self, TestPkiError> {
        let root_key = key(ROOT_KEY)?;
        let sign_ca_key = key(SIGN_CA_KEY)?;
        let auth_ca_key = key(AUTH_CA_KEY)?;
        let sign_key = key(HOLDER_SIGN_KEY)?;
        let auth_key = key(HOLDER_AUTH_KEY)?;

        let root_name = name("CN=JPKI Test Root CA,OU=medsign test PKI,O=JPKI,C=JP")?;
        let sign_ca_name = name("CN=JPKI Test Sign CA,OU=JPKI for digital signature,O=JPKI,C=JP")?;
        let auth_ca_name =
            name("CN=JPKI Test Auth CA,OU=JPKI for user authentication,O=JPKI,C=JP")?;
        let ca = |issuer: &Name, subject: &Name| Profile {
            issuer: issuer.clone(),
            subject: subject.clone(),
            role: Role::Ca,
        };
        let ca_dates = (CA_NOT_BEFORE, CA_NOT_AFTER);
        let ee_dates = (EE_NOT_BEFORE, EE_NOT_AFTER);

        let root = issue(
            ca(&root_name, &root_name),
            1,
            ca_dates,
            &root_key,
            &root_key,
        )?;
        let sign_ca = issue(
            ca(&root_name, &sign_ca_name),
            2,
            ca_dates,
            &sign_ca_key,
            &root_key,
        )?;
        let auth_ca = issue(
            ca(&root_name, &auth_ca_name),
            3,
            ca_dates,
            &auth_ca_key,
            &root_key,
        )?;

        let san = vec![
            other_name(oid::NAME, &holder.name)?,
            other_name(oid::SEX, &holder.sex.to_string())?,
            other_name(oid::BIRTH_DATE, &holder.birth_date)?,
            other_name(oid::ADDRESS, &holder.address)?,
        ];
        let sign_cert = issue(
            Profile {
                issuer: sign_ca_name,
                subject: name(&format!("CN={},OU=medsign test,C=JP", holder.serial))?,
                role: Role::Signature(san),
            },
            0x1001,
            ee_dates,
            &sign_key,
            &sign_ca_key,
        )?;
        let auth_cert = issue(
            Profile {
                issuer: auth_ca_name,
                subject: name(&format!("CN={}A,C=JP", holder.serial))?,
                role: Role::Authentication,
            },
            0x2001,
            ee_dates,
            &auth_key,
            &auth_ca_key,
        )?;
        Ok(Self {
            root,
            sign_ca,
            auth_ca,
            sign_cert,
            auth_cert,
            sign_key,
            auth_key,
        })
    }

    /// The self-signed root (DER); not on the card, a verifier's trust anchor.
    pub fn root_der(&self) -> &[u8] {
        &self.root
    }
    /// The signature CA certificate (EF `0002`).
    pub fn sign_ca_der(&self) -> &[u8] {
        &self.sign_ca
    }
    /// The user-authentication CA certificate (EF `000B`).
    pub fn auth_ca_der(&self) -> &[u8] {
        &self.auth_ca
    }
    /// The holder's signature certificate (EF `0001`).
    pub fn sign_cert_der(&self) -> &[u8] {
        &self.sign_cert
    }
    /// The holder's user-authentication certificate (EF `000A`).
    pub fn auth_cert_der(&self) -> &[u8] {
        &self.auth_cert
    }
    /// The signature private key (EF `001A`), for tests that sign in software.
    pub fn sign_key(&self) -> &PrivateKey {
        &self.sign_key
    }
    /// The user-authentication private key (EF `0017`).
    pub fn auth_key(&self) -> &PrivateKey {
        &self.auth_key
    }
    /// The public key of the signature certificate as SubjectPublicKeyInfo DER.
    pub fn sign_public_key_der(&self) -> Result<Vec<u8>, TestPkiError> {
        self.sign_key
            .to_public_key()
            .to_public_key_der()
            .map(|d| d.as_bytes().to_vec())
            .map_err(|e| err("public key")(&e))
    }
}
