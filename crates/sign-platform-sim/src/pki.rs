//! The test HPKI hierarchy the platform issues second certificates from, and its key pool.

use std::str::FromStr;
use std::time::Duration;

use der::{
    Encode,
    asn1::{GeneralizedTime, OctetString, UtcTime},
};
use rsa::{PrivateKey, pkcs1v15::SigningKey, pkcs8::DecodePrivateKey};
use sha2::Sha256;
use spki::{ObjectIdentifier, SubjectPublicKeyInfo, SubjectPublicKeyInfoRef};
use x509_cert::{
    builder::{Builder, CertificateBuilder, profile::BuilderProfile},
    certificate::TbsCertificate,
    ext::{
        Extension, ToExtension,
        pkix::{
            AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, KeyUsage, KeyUsages,
            SubjectKeyIdentifier, certpolicy::PolicyInformation,
        },
    },
    name::Name,
    serial_number::SerialNumber,
    time::{Time, Validity},
};

use crate::Error;

const ROOT_KEY: &str = include_str!("../testdata/keys/hpki-root.pem");
const SIGN_CA_KEY: &str = include_str!("../testdata/keys/hpki-sign-ca.pem");
/// The pool of second-certificate keys (see `testdata/README.md`).
const POOL: [&str; 4] = [
    include_str!("../testdata/keys/second-0.pem"),
    include_str!("../testdata/keys/second-1.pem"),
    include_str!("../testdata/keys/second-2.pem"),
    include_str!("../testdata/keys/second-3.pem"),
];

/// The root's subject.
/// The same name and key as `card-sim`'s test HPKI root, so either certificate anchors both.
pub(crate) const ROOT_NAME: &str = "CN=medsign Test HPKI Root CA,O=medsign test PKI,C=JP";
/// The signing CA's subject.
pub(crate) const SIGN_CA_NAME: &str =
    "CN=medsign Test HPKI Second Sign CA forNonRepudiation,O=medsign test PKI,C=JP";

/// 2025-01-01T00:00:00Z.
const CA_NOT_BEFORE: u64 = 1_735_689_600;
/// 2035-01-01T00:00:00Z.
const CA_NOT_AFTER: u64 = 2_051_222_400;

/// `subjectDirectoryAttributes`, which carries hcRole.
const SUBJECT_DIRECTORY_ATTRIBUTES: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.9");
/// The signing CP asserted by second certificates (the MEDIS signing CP arc; the real
/// second-certificate CP is not public).
const SIGN_CP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.392.100495.1.5.1.1.0.1");
/// The signing CA's policy (`HPKI-01-MedisSignCA2-forNonRepudiation`).
const SIGN_CA_CP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.392.100495.1.5.1.1.3.1");

fn build_err(what: &'static str) -> impl Fn(&dyn core::fmt::Display) -> Error {
    move |e| Error::Pki(format!("{what}: {e}"))
}

enum Kind {
    Ca { policy: ObjectIdentifier },
    SecondCertificate { hc_role_der: Vec<u8> },
}

struct Profile {
    issuer: Name,
    subject: Name,
    kind: Kind,
}

fn extension(
    oid: ObjectIdentifier,
    critical: bool,
    value: Vec<u8>,
) -> x509_cert::builder::Result<Extension> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value)?,
    })
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
        let key_usage = const_oid::db::rfc5280::ID_CE_KEY_USAGE;
        let policies = const_oid::db::rfc5280::ID_CE_CERTIFICATE_POLICIES;
        match &self.kind {
            Kind::Ca { policy } => {
                let bc = BasicConstraints {
                    ca: true,
                    path_len_constraint: None,
                };
                out.push((&bc).to_extension(subject, &out)?);
                let ku = KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign);
                out.push(extension(key_usage, true, ku.to_der()?)?);
                if self.issuer != self.subject {
                    let cp = CertificatePolicies(vec![PolicyInformation {
                        policy_identifier: *policy,
                        policy_qualifiers: None,
                    }]);
                    out.push(extension(policies, false, cp.to_der()?)?);
                }
            }
            Kind::SecondCertificate { hc_role_der } => {
                // signatures.md §3: keyUsage critical, nonRepudiation only; CP critical.
                let ku = KeyUsage(KeyUsages::NonRepudiation.into());
                out.push(extension(key_usage, true, ku.to_der()?)?);
                let cp = CertificatePolicies(vec![PolicyInformation {
                    policy_identifier: SIGN_CP,
                    policy_qualifiers: None,
                }]);
                out.push(extension(policies, true, cp.to_der()?)?);
                out.push(extension(
                    SUBJECT_DIRECTORY_ATTRIBUTES,
                    false,
                    hc_role_der.clone(),
                )?);
            }
        }
        Ok(out)
    }
}

fn time(ts: u64) -> Result<Time, Error> {
    let d = Duration::from_secs(ts);
    // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after.
    if ts < 2_524_608_000 {
        UtcTime::from_unix_duration(d)
            .map(Time::UtcTime)
            .map_err(|e| build_err("validity")(&e))
    } else {
        GeneralizedTime::from_unix_duration(d)
            .map(Time::GeneralTime)
            .map_err(|e| build_err("validity")(&e))
    }
}

fn key(pem: &str) -> Result<PrivateKey, Error> {
    PrivateKey::from_pkcs8_pem(pem).map_err(|e| build_err("embedded test key")(&e))
}

fn name(s: &str) -> Result<Name, Error> {
    Name::from_str(s).map_err(|e| build_err("name")(&e))
}

fn issue(
    profile: Profile,
    serial: u64,
    (from, to): (u64, u64),
    subject_key: &PrivateKey,
    issuer_key: &PrivateKey,
) -> Result<Vec<u8>, Error> {
    let spki = SubjectPublicKeyInfo::from_key(&subject_key.to_public_key())
        .map_err(|e| build_err("subject key")(&e))?;
    let validity = Validity::new(time(from)?, time(to)?);
    let builder = CertificateBuilder::new(profile, SerialNumber::from(serial), validity, spki)
        .map_err(|e| build_err("builder")(&e))?;
    let signer = SigningKey::<Sha256>::new(issuer_key.clone());
    let cert = builder
        .build::<_, rsa::pkcs1v15::Signature>(&signer)
        .map_err(|e| build_err("signing")(&e))?;
    cert.to_der().map_err(|e| build_err("encoding")(&e))
}

/// What a second certificate names.
pub(crate) struct Subject<'a> {
    pub(crate) name_romaji: &'a str,
    pub(crate) organisation: &'a str,
    pub(crate) serial_number: &'a str,
    pub(crate) hc_role_der: Vec<u8>,
}

/// The issuing side of the test HPKI: root, signing CA and the key pool.
pub(crate) struct Pki {
    root: Vec<u8>,
    sign_ca: Vec<u8>,
    sign_ca_key: PrivateKey,
    pool: Vec<PrivateKey>,
}

impl Pki {
    /// Builds the deterministic CA certificates from the fixed keys.
    pub(crate) fn new() -> Result<Self, Error> {
        let root_key = key(ROOT_KEY)?;
        let sign_ca_key = key(SIGN_CA_KEY)?;
        let pool = POOL.iter().map(|p| key(p)).collect::<Result<Vec<_>, _>>()?;
        let root_name = name(ROOT_NAME)?;
        let sign_ca_name = name(SIGN_CA_NAME)?;
        let dates = (CA_NOT_BEFORE, CA_NOT_AFTER);
        let root = issue(
            Profile {
                issuer: root_name.clone(),
                subject: root_name.clone(),
                kind: Kind::Ca { policy: SIGN_CA_CP },
            },
            1,
            dates,
            &root_key,
            &root_key,
        )?;
        let sign_ca = issue(
            Profile {
                issuer: root_name,
                subject: sign_ca_name,
                kind: Kind::Ca { policy: SIGN_CA_CP },
            },
            2,
            dates,
            &sign_ca_key,
            &root_key,
        )?;
        Ok(Self {
            root,
            sign_ca,
            sign_ca_key,
            pool,
        })
    }

    pub(crate) fn root_der(&self) -> &[u8] {
        &self.root
    }

    pub(crate) fn sign_ca_der(&self) -> &[u8] {
        &self.sign_ca
    }

    pub(crate) fn pool_len(&self) -> usize {
        self.pool.len()
    }

    pub(crate) fn pool_key(&self, index: usize) -> Result<&PrivateKey, Error> {
        self.pool
            .get(index)
            .ok_or_else(|| Error::Pki(format!("no pool key {index}")))
    }

    /// Issues a five-year second certificate for `subject` with pool key `key_index`.
    pub(crate) fn issue_second(
        &self,
        subject: &Subject<'_>,
        serial: u64,
        not_before: jiff::Timestamp,
        key_index: usize,
    ) -> Result<Vec<u8>, Error> {
        let key = self.pool_key(key_index)?;
        let from = u64::try_from(not_before.as_second())
            .map_err(|_| Error::Pki("issuing time before 1970".into()))?;
        let to = not_before
            .to_zoned(jiff::tz::TimeZone::UTC)
            .checked_add(jiff::Span::new().years(5))
            .map_err(|e| build_err("validity")(&e))?
            .timestamp()
            .as_second();
        let to = u64::try_from(to).map_err(|_| Error::Pki("validity".into()))?;
        let dn = format!(
            "2.5.4.5={},CN={},O={},C=JP",
            rdn_escape(subject.serial_number),
            rdn_escape(subject.name_romaji),
            rdn_escape(subject.organisation)
        );
        issue(
            Profile {
                issuer: name(SIGN_CA_NAME)?,
                subject: name(&dn)?,
                kind: Kind::SecondCertificate {
                    hc_role_der: subject.hc_role_der.clone(),
                },
            },
            serial,
            (from, to),
            key,
            &self.sign_ca_key,
        )
    }
}

/// Escapes an RFC 4514 attribute value.
fn rdn_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for (i, c) in v.chars().enumerate() {
        let leading = i == 0 && (c == ' ' || c == '#');
        if leading || matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
