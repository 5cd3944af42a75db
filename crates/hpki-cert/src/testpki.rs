//! Deterministic HPKI-, JPKI- and TSA-shaped test hierarchies (feature `test-pki`).
//!
//! Everything here is test material: the private keys are public (they are in
//! `testdata/keys/`), the holders are fictitious, and no bundled anchor trusts any of it.
//! Certificates are byte-stable: fixed keys, serials and dates (valid
//! 2024-01-01T00:00:00Z .. 2034-01-01T00:00:00Z), and RSA PKCS#1 v1.5 signatures, which
//! are deterministic. Every certificate below a root names an HTTP CRL distribution
//! point under [`TEST_CRL_BASE_URL`], and [`TestPki::crls_at`] issues the CRLs to serve
//! there, so every path can get its revocation status online.
//!
//! ```
//! use hpki_cert::{PathOptions, Qualification, Verdict, testpki::TestPki, validate_path};
//!
//! let pki = TestPki::new()?;
//! let doctor = pki.physician();
//! let at = hpki_cert::testpki::valid_time();
//! // The CRLs its CAs would publish at `at` (none revoked): revocation is checked.
//! let crls: Vec<Vec<u8>> = pki.crls_at(at, &[])?.into_iter().map(|(_, der)| der).collect();
//! let report = validate_path(doctor.cert_der(), &doctor.chain_der(), &pki.trust_store(),
//!     &PathOptions::hpki_signature(at).with_crls(crls));
//! assert_eq!(report.verdict, Verdict::Valid);
//! assert_eq!(report.qualification, Some(Qualification::MedicalDoctor));
//! # Ok::<(), hpki_cert::Error>(())
//! ```

use std::path::Path;

use const_oid::ObjectIdentifier;
use der::{
    Decode, Encode, EncodePem,
    asn1::{Any, BitString, Ia5String, OctetString, UtcTime},
};
use rsa::{Pkcs1v15Sign, pkcs8::DecodePrivateKey, pkcs8::EncodePublicKey};
use sha1::Digest as _;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::{
    attr::AttributeTypeAndValue,
    certificate::Version,
    ext::{
        Extension,
        pkix::{
            AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies, CrlDistributionPoints,
            CrlReason, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName, SubjectKeyIdentifier,
            certpolicy::{PolicyInformation, PolicyQualifierInfo},
            crl::dp::DistributionPoint,
            name::{DistributionPointName, GeneralName, OtherName},
        },
    },
    name::{Name, RdnSequence, RelativeDistinguishedName},
    serial_number::SerialNumber,
    time::{Time, Validity},
};

use crate::{Error, HcRole, Qualification, TrustStore, profile};

/// Names of the bundled test keys (`testdata/keys/<name>.pem`, RSA-2048 PKCS#8).
pub const KEY_NAMES: [&str; 20] = [
    "hpki-root",
    "hpki-sign-ca",
    "hpki-auth-ca",
    "physician-sign",
    "physician-auth",
    "dentist-sign",
    "dentist-auth",
    "pharmacist-sign",
    "pharmacist-auth",
    "jpki-root",
    "jpki-sign-ca",
    "jpki-auth-ca",
    "jpki-holder-sign",
    "jpki-holder-auth",
    "tsa-root",
    "tsa",
    "second-0",
    "second-1",
    "second-2",
    "second-3",
];

fn key_pem(name: &str) -> Option<&'static str> {
    Some(match name {
        "hpki-root" => include_str!("../testdata/keys/hpki-root.pem"),
        "hpki-sign-ca" => include_str!("../testdata/keys/hpki-sign-ca.pem"),
        "hpki-auth-ca" => include_str!("../testdata/keys/hpki-auth-ca.pem"),
        "physician-sign" => include_str!("../testdata/keys/physician-sign.pem"),
        "physician-auth" => include_str!("../testdata/keys/physician-auth.pem"),
        "dentist-sign" => include_str!("../testdata/keys/dentist-sign.pem"),
        "dentist-auth" => include_str!("../testdata/keys/dentist-auth.pem"),
        "pharmacist-sign" => include_str!("../testdata/keys/pharmacist-sign.pem"),
        "pharmacist-auth" => include_str!("../testdata/keys/pharmacist-auth.pem"),
        "jpki-root" => include_str!("../testdata/keys/jpki-root.pem"),
        "jpki-sign-ca" => include_str!("../testdata/keys/jpki-sign-ca.pem"),
        "jpki-auth-ca" => include_str!("../testdata/keys/jpki-auth-ca.pem"),
        "jpki-holder-sign" => include_str!("../testdata/keys/jpki-holder-sign.pem"),
        "jpki-holder-auth" => include_str!("../testdata/keys/jpki-holder-auth.pem"),
        "tsa-root" => include_str!("../testdata/keys/tsa-root.pem"),
        "tsa" => include_str!("../testdata/keys/tsa.pem"),
        "second-0" => include_str!("../testdata/keys/second-0.pem"),
        "second-1" => include_str!("../testdata/keys/second-1.pem"),
        "second-2" => include_str!("../testdata/keys/second-2.pem"),
        "second-3" => include_str!("../testdata/keys/second-3.pem"),
        _ => return None,
    })
}

/// The PKCS#8 PEM of a bundled test key.
pub fn test_key_pem(name: &str) -> Result<&'static str, Error> {
    key_pem(name).ok_or_else(|| Error::TestPki(format!("no test key named {name:?}")))
}

/// A bundled test key by name (see [`KEY_NAMES`]).
pub fn test_key(name: &str) -> Result<rsa::PrivateKey, Error> {
    rsa::PrivateKey::from_pkcs8_pem(test_key_pem(name)?)
        .map_err(|e| Error::TestPki(format!("test key {name}: {e}")))
}

/// 2024-01-01T00:00:00Z, the start of every test certificate's validity.
pub fn not_before() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_704_067_200).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// 2034-01-01T00:00:00Z, the end of every test certificate's validity.
pub fn not_after() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_704_067_200 + 3653 * 86_400)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// 2025-01-01T00:00:00Z: a time at which every test certificate is valid.
pub fn valid_time() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_735_689_600).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// Dotted OIDs for [`name`] attributes and [`extension`] ids.
pub mod oid {
    /// countryName (PrintableString in [`name`](super::name)).
    pub const C: &str = "2.5.4.6";
    /// organizationName.
    pub const O: &str = "2.5.4.10";
    /// organizationalUnitName.
    pub const OU: &str = "2.5.4.11";
    /// commonName.
    pub const CN: &str = "2.5.4.3";
    /// localityName.
    pub const L: &str = "2.5.4.7";
    /// serialNumber (PrintableString in [`name`](super::name)).
    pub const SERIAL_NUMBER: &str = "2.5.4.5";
    /// The basicConstraints extension.
    pub const BASIC_CONSTRAINTS: &str = "2.5.29.19";
    /// The keyUsage extension.
    pub const KEY_USAGE: &str = "2.5.29.15";
    /// The subjectAltName extension.
    pub const SUBJECT_ALT_NAME: &str = "2.5.29.17";
    /// The certificatePolicies extension.
    pub const CERTIFICATE_POLICIES: &str = "2.5.29.32";
    /// The subjectDirectoryAttributes extension (where HPKI certificates carry hcRole).
    pub const SUBJECT_DIRECTORY_ATTRIBUTES: &str = "2.5.29.9";
    /// The cRLDistributionPoints extension.
    pub const CRL_DISTRIBUTION_POINTS: &str = "2.5.29.31";
}
use oid::{
    C as OID_C, CN as OID_CN, L as OID_L, O as OID_O, OU as OID_OU, SERIAL_NUMBER as OID_SERIAL,
};
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const ID_QT_CPS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.2.1");
const ID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
const OID_CRL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.20");
const OID_CRL_REASON: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.21");
/// The HPKI authentication end-entity policy used by the test hierarchy (in the HPKI
/// authentication arc).
pub const TEST_HPKI_AUTH_EE_POLICY: &str = "1.2.392.100495.1.5.1.2.0.1";
/// HPKI signing CA policy (as MEDIS's).
pub const TEST_HPKI_SIGN_CA_POLICY: &str = "1.2.392.100495.1.5.1.1.3.1";
/// HPKI authentication CA policy (as MEDIS's).
pub const TEST_HPKI_AUTH_CA_POLICY: &str = "1.2.392.100495.1.5.1.2.3.1";
/// JPKI signature policy used by the test hierarchy.
pub const TEST_JPKI_SIGN_POLICY: &str = "1.2.392.200149.8.5.1.1.20";
/// JPKI user-authentication policy used by the test hierarchy.
pub const TEST_JPKI_AUTH_POLICY: &str = "1.2.392.200149.8.5.1.3.30";

fn der_err(what: &'static str) -> impl FnOnce(der::Error) -> Error {
    Error::der(what)
}

fn oid(s: &str) -> Result<ObjectIdentifier, Error> {
    ObjectIdentifier::new(s).map_err(|e| Error::TestPki(format!("OID {s}: {e}")))
}

/// A distinguished name, in encoding order (`C` first), each attribute `(oid, value)`.
/// `C` and `serialNumber` are PrintableString (other characters are an error), every
/// other value UTF8String (as in the real HPKI certificates).
pub fn name(attrs: &[(&str, &str)]) -> Result<Name, Error> {
    let mut seq = RdnSequence::default();
    for (t, v) in attrs {
        let tag = if *t == OID_C || *t == OID_SERIAL {
            der::asn1::PrintableStringRef::new(v).map_err(|_| {
                Error::TestPki(format!(
                    "{v:?} is not a PrintableString (A-Z a-z 0-9 space and ' ( ) + , - . / : = ?)"
                ))
            })?;
            der::Tag::PrintableString
        } else {
            der::Tag::Utf8String
        };
        let atv = AttributeTypeAndValue {
            oid: oid(t)?,
            value: Any::new(tag, v.as_bytes()).map_err(der_err("name"))?,
        };
        seq.push(RelativeDistinguishedName::try_from(vec![atv]).map_err(der_err("name"))?);
    }
    Name::from_der(&seq.to_der().map_err(der_err("name"))?).map_err(der_err("name"))
}

/// An extension from an encodable value.
pub fn extension(id: &str, critical: bool, value: &impl Encode) -> Result<Extension, Error> {
    Ok(Extension {
        extn_id: oid(id)?,
        critical,
        extn_value: OctetString::new(value.to_der().map_err(der_err("extension"))?)
            .map_err(der_err("extension"))?,
    })
}

fn time(t: jiff::Timestamp) -> Result<Time, Error> {
    let secs =
        u64::try_from(t.as_second()).map_err(|_| Error::TestPki("time before 1970".into()))?;
    Ok(Time::UtcTime(
        UtcTime::from_unix_duration(core::time::Duration::from_secs(secs))
            .map_err(der_err("time"))?,
    ))
}

fn spki(key: &rsa::PrivateKey) -> Result<SubjectPublicKeyInfoOwned, Error> {
    let doc = key
        .to_public_key()
        .to_public_key_der()
        .map_err(|e| Error::TestPki(e.to_string()))?;
    SubjectPublicKeyInfoOwned::from_der(doc.as_bytes()).map_err(der_err("public key"))
}

fn key_id(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    // RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits.
    sha1::Sha1::digest(spki.subject_public_key.raw_bytes()).to_vec()
}

fn sha256_rsa() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: SHA256_WITH_RSA,
        parameters: Some(Any::null()),
    }
}

fn sign(key: &rsa::PrivateKey, tbs: &[u8]) -> Result<Vec<u8>, Error> {
    let digest = sha2::Sha256::digest(tbs);
    key.sign(Pkcs1v15Sign::new::<sha2::Sha256>(), &digest)
        .map_err(|e| Error::TestPki(format!("signing: {e}")))
}

#[derive(der::Sequence)]
struct TbsCertificate {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: Version,
    serial_number: SerialNumber,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: Validity,
    subject: Name,
    subject_public_key_info: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT")]
    extensions: Vec<Extension>,
}

#[derive(der::Sequence)]
struct SignedCertificate {
    tbs: Any,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// What a certificate to issue looks like. Authority and subject key identifiers are
/// added by [`TestPki::issue`]; everything else is in `extensions`, in order.
#[derive(Clone, Debug)]
pub struct CertSpec {
    /// The serial number (positive).
    pub serial: u64,
    /// The subject.
    pub subject: Name,
    /// The subject's key, by [`KEY_NAMES`] name.
    pub key: &'static str,
    /// Start of validity.
    pub not_before: jiff::Timestamp,
    /// End of validity.
    pub not_after: jiff::Timestamp,
    /// Extensions after the key identifiers.
    pub extensions: Vec<Extension>,
}

/// An issued test certificate with its key and the CA certificates above it.
#[derive(Clone)]
pub struct TestCert {
    der: Vec<u8>,
    key_name: &'static str,
    key: rsa::PrivateKey,
    chain: Vec<Vec<u8>>,
    ski: Vec<u8>,
    subject: Name,
}

impl core::fmt::Debug for TestCert {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TestCert")
            .field("subject", &self.subject.to_string())
            .field("key", &self.key_name)
            .finish_non_exhaustive()
    }
}

impl TestCert {
    /// The certificate (DER).
    pub fn cert_der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate as PEM.
    pub fn cert_pem(&self) -> String {
        der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &self.der)
            .unwrap_or_default()
    }

    /// The private key.
    pub fn key(&self) -> &rsa::PrivateKey {
        &self.key
    }

    /// The private key's name in [`KEY_NAMES`].
    pub fn key_name(&self) -> &'static str {
        self.key_name
    }

    /// The private key as PKCS#8 PEM.
    pub fn key_pem(&self) -> &'static str {
        key_pem(self.key_name).unwrap_or_default()
    }

    /// The intermediate CA certificates above this one, nearest first, without the root.
    pub fn chain_der(&self) -> Vec<Vec<u8>> {
        self.chain.clone()
    }

    /// A software signer with this certificate's key and chain.
    pub fn signer(&self) -> cert_signer::SoftwareSigner {
        cert_signer::SoftwareSigner::new(self.key.clone(), self.der.clone())
            .with_chain(self.chain.clone())
    }

    /// The parsed certificate.
    pub fn certificate(&self) -> Result<crate::Certificate, Error> {
        crate::Certificate::from_der(&self.der)
    }
}

/// A revocation to list in a CRL.
#[derive(Clone, Debug)]
pub struct Revocation {
    /// The revoked certificate's serial number.
    pub serial: u64,
    /// When it was revoked.
    pub date: jiff::Timestamp,
    /// The reason, when given.
    pub reason: Option<CrlReason>,
}

/// The fixed test hierarchies.
///
/// ```text
/// medsign Test HPKI Root CA ─┬─ HPKI-99-MedsignTestSignCA-forNonRepudiation ─ physician / dentist / pharmacist (signing)
///                            └─ HPKI-99-MedsignTestAuthCA-forAuthentication ─ physician / dentist / pharmacist (authentication)
/// medsign Test JPKI Root CA ─┬─ JPKI for digital signature (test) ─ holder signature certificate (basic four items)
///                            └─ JPKI for user authentication (test) ─ holder user-authentication certificate
/// medsign Test TSA Root CA ── medsign Test TSA (critical EKU timeStamping)
/// ```
#[derive(Clone, Debug)]
pub struct TestPki {
    hpki_root: TestCert,
    hpki_sign_ca: TestCert,
    hpki_auth_ca: TestCert,
    physician: TestCert,
    physician_auth: TestCert,
    dentist: TestCert,
    dentist_auth: TestCert,
    pharmacist: TestCert,
    pharmacist_auth: TestCert,
    jpki_root: TestCert,
    jpki_sign_ca: TestCert,
    jpki_auth_ca: TestCert,
    jpki_signature: TestCert,
    jpki_user_auth: TestCert,
    tsa_root: TestCert,
    tsa: TestCert,
}

/// Where every CRL of the test hierarchies is published: the CRL distribution point of
/// each non-root test certificate is this base plus a path. The host does not exist
/// (`.invalid`); a local endpoint (sign-platform-sim's `CrlServer`) serves the paths,
/// and an online CRL source maps the base to it.
pub const TEST_CRL_BASE_URL: &str = "http://crl.medsign.invalid/";
/// The CRL distribution point written into the test HPKI signing certificates (the
/// signing CA's CRL).
pub const TEST_HPKI_SIGN_CRL_URL: &str = "http://crl.medsign.invalid/hpki/sign.crl";
/// The CRL distribution point written into the test HPKI authentication certificates
/// (the authentication CA's CRL).
pub const TEST_HPKI_AUTH_CRL_URL: &str = "http://crl.medsign.invalid/hpki/auth.crl";
/// The CRL distribution point of the CAs under the test HPKI root (the root's ARL).
pub const TEST_HPKI_ARL_URL: &str = "http://crl.medsign.invalid/hpki/arl.crl";
/// The CRL distribution point of the JPKI signature certificates (the signature CA's
/// CRL).
pub const TEST_JPKI_SIGN_CRL_URL: &str = "http://crl.medsign.invalid/jpki/sign.crl";
/// The CRL distribution point of the JPKI user-authentication certificates (the
/// user-authentication CA's CRL).
pub const TEST_JPKI_AUTH_CRL_URL: &str = "http://crl.medsign.invalid/jpki/auth.crl";
/// The CRL distribution point of the CAs under the test JPKI root (the root's ARL).
pub const TEST_JPKI_ARL_URL: &str = "http://crl.medsign.invalid/jpki/arl.crl";
/// The CRL distribution point of the test TSA certificate (the TSA root's CRL).
pub const TEST_TSA_CRL_URL: &str = "http://crl.medsign.invalid/tsa/root.crl";

/// One HPKI holder of the test hierarchy.
struct Holder {
    qualification: Qualification,
    org: &'static str,
    org_kanji: &'static str,
    name: &'static str,
    name_kanji: &'static str,
    id: &'static str,
    sign_key: &'static str,
    auth_key: &'static str,
    serial: u64,
}

const HOLDERS: [Holder; 3] = [
    Holder {
        qualification: Qualification::MedicalDoctor,
        org: "MEDSIGN TEST HOSPITAL",
        org_kanji: "メドサイン試験病院",
        name: "Taro Mihon",
        name_kanji: "見本\u{3000}太郎",
        id: "TEST0001",
        sign_key: "physician-sign",
        auth_key: "physician-auth",
        serial: 0x1001,
    },
    Holder {
        qualification: Qualification::Dentist,
        org: "MEDSIGN TEST DENTAL CLINIC",
        org_kanji: "メドサイン試験歯科診療所",
        name: "Jiro Mihon",
        name_kanji: "見本\u{3000}次郎",
        id: "TEST0002",
        sign_key: "dentist-sign",
        auth_key: "dentist-auth",
        serial: 0x1002,
    },
    Holder {
        qualification: Qualification::Pharmacist,
        org: "MEDSIGN TEST PHARMACY",
        org_kanji: "メドサイン試験薬局",
        name: "Hanako Mihon",
        name_kanji: "見本\u{3000}花子",
        id: "TEST0003",
        sign_key: "pharmacist-sign",
        auth_key: "pharmacist-auth",
        serial: 0x1003,
    },
];

fn policies(oids: &[&str], cps: Option<&str>) -> Result<CertificatePolicies, Error> {
    let mut out = Vec::new();
    for o in oids {
        let qualifiers = match cps {
            Some(url) => Some(vec![PolicyQualifierInfo {
                policy_qualifier_id: ID_QT_CPS,
                qualifier: Some(
                    Any::encode_from(&Ia5String::new(url).map_err(der_err("CPS"))?)
                        .map_err(der_err("CPS"))?,
                ),
            }]),
            None => None,
        };
        out.push(PolicyInformation {
            policy_identifier: oid(o)?,
            policy_qualifiers: qualifiers,
        });
    }
    Ok(CertificatePolicies(out))
}

/// A non-critical cRLDistributionPoints extension naming one `url` (a full name, no
/// reasons, no CRL issuer: the shape of the real HPKI certificates' HTTP point).
pub fn crl_distribution_point(url: &str) -> Result<Extension, Error> {
    let points = CrlDistributionPoints(vec![DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(vec![
            GeneralName::UniformResourceIdentifier(Ia5String::new(url).map_err(der_err("URI"))?),
        ])),
        reasons: None,
        crl_issuer: None,
    }]);
    extension(oid::CRL_DISTRIBUTION_POINTS, false, &points)
}

/// A JPKI signature certificate's subjectAltName: one `otherName` per `(type, value)`
/// with a UTF8String value, types from [`profile::jpki_san`].
pub fn jpki_subject_alt_name(items: &[(&str, &str)]) -> Result<SubjectAltName, Error> {
    let mut names = Vec::with_capacity(items.len());
    for (t, v) in items {
        names.push(GeneralName::OtherName(OtherName {
            type_id: oid(t)?,
            value: Any::new(der::Tag::Utf8String, v.as_bytes()).map_err(der_err("otherName"))?,
        }));
    }
    Ok(SubjectAltName(names))
}

/// The extensions of a test CA certificate: critical basicConstraints (cA, no path
/// length), critical keyUsage keyCertSign + cRLSign, with `policy` a critical
/// certificatePolicies with a CPS qualifier, with `crl` a CRL distribution point URL.
pub fn ca_extensions(policy: Option<&str>, crl: Option<&str>) -> Result<Vec<Extension>, Error> {
    let mut ext = vec![
        extension(
            oid::BASIC_CONSTRAINTS,
            true,
            &BasicConstraints {
                ca: true,
                path_len_constraint: None,
            },
        )?,
        extension(
            oid::KEY_USAGE,
            true,
            &KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
        )?,
    ];
    if let Some(p) = policy {
        ext.push(extension(
            oid::CERTIFICATE_POLICIES,
            true,
            &policies(&[p], Some("http://www.medsign.invalid/cps/"))?,
        )?);
    }
    if let Some(url) = crl {
        ext.push(crl_distribution_point(url)?);
    }
    Ok(ext)
}

fn ca_spec(serial: u64, subject: Name, key: &'static str, ext: Vec<Extension>) -> CertSpec {
    CertSpec {
        serial,
        subject,
        key,
        not_before: not_before(),
        not_after: not_after(),
        extensions: ext,
    }
}

impl TestPki {
    /// The hierarchies built once per process and shared (they are deterministic, so this
    /// equals [`TestPki::new`]); simulators that make many cards or platforms use it.
    pub fn shared() -> Result<&'static Self, Error> {
        static SHARED: std::sync::OnceLock<TestPki> = std::sync::OnceLock::new();
        if let Some(pki) = SHARED.get() {
            return Ok(pki);
        }
        let built = Self::new()?;
        Ok(SHARED.get_or_init(|| built))
    }

    /// Builds every hierarchy. Takes a few tens of milliseconds (16 keys, 16 signatures).
    pub fn new() -> Result<Self, Error> {
        let hpki_root = Self::self_signed(ca_spec(
            1,
            name(&[
                (OID_C, "JP"),
                (OID_O, "medsign test"),
                (OID_OU, "medsign Test HPKI Root CA"),
            ])?,
            "hpki-root",
            ca_extensions(None, None)?,
        ))?;
        let hpki_sign_ca = Self::issue(
            &ca_spec(
                2,
                name(&[
                    (OID_C, "JP"),
                    (OID_O, "medsign test"),
                    (OID_OU, "medsign Test HPKI CA"),
                    (OID_CN, "HPKI-99-MedsignTestSignCA-forNonRepudiation"),
                ])?,
                "hpki-sign-ca",
                ca_extensions(Some(TEST_HPKI_SIGN_CA_POLICY), Some(TEST_HPKI_ARL_URL))?,
            ),
            &hpki_root,
        )?;
        let hpki_auth_ca = Self::issue(
            &ca_spec(
                3,
                name(&[
                    (OID_C, "JP"),
                    (OID_O, "medsign test"),
                    (OID_OU, "medsign Test HPKI CA"),
                    (OID_CN, "HPKI-99-MedsignTestAuthCA-forAuthentication"),
                ])?,
                "hpki-auth-ca",
                ca_extensions(Some(TEST_HPKI_AUTH_CA_POLICY), Some(TEST_HPKI_ARL_URL))?,
            ),
            &hpki_root,
        )?;
        let mut sign = Vec::new();
        let mut auth = Vec::new();
        for h in &HOLDERS {
            sign.push(Self::issue(
                &Self::hpki_holder_spec(h, true)?,
                &hpki_sign_ca,
            )?);
            auth.push(Self::issue(
                &Self::hpki_holder_spec(h, false)?,
                &hpki_auth_ca,
            )?);
        }
        let [physician, dentist, pharmacist]: [TestCert; 3] = sign
            .try_into()
            .map_err(|_| Error::TestPki("holders".into()))?;
        let [physician_auth, dentist_auth, pharmacist_auth]: [TestCert; 3] = auth
            .try_into()
            .map_err(|_| Error::TestPki("holders".into()))?;

        let jpki_root = Self::self_signed(ca_spec(
            0x101,
            name(&[
                (OID_C, "JP"),
                (OID_O, "JPKI"),
                (OID_OU, "medsign Test JPKI Root CA"),
            ])?,
            "jpki-root",
            ca_extensions(None, None)?,
        ))?;
        let jpki_sign_ca = Self::issue(
            &ca_spec(
                0x102,
                name(&[
                    (OID_C, "JP"),
                    (OID_O, "JPKI"),
                    (OID_OU, "JPKI for digital signature"),
                    (OID_OU, "medsign Test"),
                ])?,
                "jpki-sign-ca",
                ca_extensions(None, Some(TEST_JPKI_ARL_URL))?,
            ),
            &jpki_root,
        )?;
        let jpki_auth_ca = Self::issue(
            &ca_spec(
                0x103,
                name(&[
                    (OID_C, "JP"),
                    (OID_O, "JPKI"),
                    (OID_OU, "JPKI for user authentication"),
                    (OID_OU, "medsign Test"),
                ])?,
                "jpki-auth-ca",
                ca_extensions(None, Some(TEST_JPKI_ARL_URL))?,
            ),
            &jpki_root,
        )?;
        let jpki_signature = Self::issue(&Self::jpki_holder_spec(true)?, &jpki_sign_ca)?;
        let jpki_user_auth = Self::issue(&Self::jpki_holder_spec(false)?, &jpki_auth_ca)?;

        let tsa_root = Self::self_signed(ca_spec(
            0x201,
            name(&[
                (OID_C, "JP"),
                (OID_O, "medsign test"),
                (OID_CN, "medsign Test TSA Root CA"),
            ])?,
            "tsa-root",
            ca_extensions(None, None)?,
        ))?;
        let tsa = Self::issue(
            &CertSpec {
                serial: 0x202,
                subject: name(&[
                    (OID_C, "JP"),
                    (OID_O, "medsign test"),
                    (OID_CN, "medsign Test TSA"),
                ])?,
                key: "tsa",
                not_before: not_before(),
                not_after: not_after(),
                extensions: vec![
                    extension(
                        oid::KEY_USAGE,
                        true,
                        &KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
                    )?,
                    extension(
                        "2.5.29.37",
                        true,
                        &ExtendedKeyUsage(vec![ID_KP_TIME_STAMPING]),
                    )?,
                    crl_distribution_point(TEST_TSA_CRL_URL)?,
                ],
            },
            &tsa_root,
        )?;

        Ok(Self {
            hpki_root,
            hpki_sign_ca,
            hpki_auth_ca,
            physician,
            physician_auth,
            dentist,
            dentist_auth,
            pharmacist,
            pharmacist_auth,
            jpki_root,
            jpki_sign_ca,
            jpki_auth_ca,
            jpki_signature,
            jpki_user_auth,
            tsa_root,
            tsa,
        })
    }

    /// The spec of an HPKI holder certificate, shaped like the MEDIS ones: critical
    /// certificatePolicies with a CPS qualifier, critical keyUsage (nonRepudiation only
    /// for signing, digitalSignature for authentication), subjectAltName directoryName
    /// in kanji, CRL distribution point, hcRole.
    fn hpki_holder_spec(h: &Holder, signing: bool) -> Result<CertSpec, Error> {
        let subject = name(&[
            (OID_C, "JP"),
            (OID_O, h.org),
            (OID_CN, h.name),
            (OID_SERIAL, h.id),
        ])?;
        let kanji = name(&[
            (OID_C, "JP"),
            (OID_O, h.org_kanji),
            (OID_CN, h.name_kanji),
            (OID_SERIAL, h.id),
        ])?;
        let (ku, policy, crl, serial) = if signing {
            (
                KeyUsage(KeyUsages::NonRepudiation.into()),
                profile::MEDIS_SIGNING_EE_POLICY,
                TEST_HPKI_SIGN_CRL_URL,
                h.serial,
            )
        } else {
            (
                KeyUsage(KeyUsages::DigitalSignature.into()),
                TEST_HPKI_AUTH_EE_POLICY,
                TEST_HPKI_AUTH_CRL_URL,
                h.serial + 0x100,
            )
        };
        let hc_role = HcRole::new(h.qualification.clone()).to_der()?;
        let sda = Extension {
            extn_id: crate::hcrole::SUBJECT_DIRECTORY_ATTRIBUTES,
            critical: false,
            extn_value: OctetString::new(hc_role).map_err(der_err("hcRole"))?,
        };
        Ok(CertSpec {
            serial,
            subject,
            key: if signing { h.sign_key } else { h.auth_key },
            not_before: not_before(),
            not_after: not_after(),
            extensions: vec![
                extension(oid::KEY_USAGE, true, &ku)?,
                extension(
                    oid::SUBJECT_ALT_NAME,
                    false,
                    &SubjectAltName(vec![GeneralName::DirectoryName(kanji)]),
                )?,
                crl_distribution_point(crl)?,
                sda,
                extension(
                    oid::CERTIFICATE_POLICIES,
                    true,
                    &policies(&[policy], Some("http://www.medsign.invalid/hpki/cps/"))?,
                )?,
            ],
        })
    }

    /// The spec of a JPKI holder certificate. The signature certificate carries the
    /// basic four items (and their substitute-character fields) as subjectAltName
    /// `otherName`s of type `1.2.392.200149.8.5.5.{1..6}` with `[0] EXPLICIT UTF8String`
    /// values, as OpenSC, jsrsasign's JPKI add-on and the myna tools read them; the
    /// user-authentication certificate carries none. The holder is fictitious.
    fn jpki_holder_spec(signing: bool) -> Result<CertSpec, Error> {
        let subject = name(&[
            (OID_C, "JP"),
            (OID_L, "Tokyo-to"),
            (OID_L, "Chiyoda-ku"),
            (
                OID_CN,
                if signing {
                    "MEDSIGNTEST0001S"
                } else {
                    "MEDSIGNTEST0001A"
                },
            ),
        ])?;
        let mut extensions = vec![];
        if signing {
            extensions.push(extension(
                oid::KEY_USAGE,
                true,
                &KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
            )?);
            let san = jpki_subject_alt_name(&[
                (profile::jpki_san::NAME, "見本\u{3000}一郎"),
                (profile::jpki_san::NAME_SUBSTITUTE, "見本\u{3000}一郎"),
                (profile::jpki_san::SEX, "1"),
                (profile::jpki_san::DATE_OF_BIRTH, "319850401"),
                (
                    profile::jpki_san::ADDRESS,
                    "東京都千代田区霞が関一丁目２番２号",
                ),
                (
                    profile::jpki_san::ADDRESS_SUBSTITUTE,
                    "東京都千代田区霞が関一丁目２番２号",
                ),
            ])?;
            extensions.push(extension(oid::SUBJECT_ALT_NAME, false, &san)?);
            extensions.push(extension(
                oid::CERTIFICATE_POLICIES,
                true,
                &policies(&[TEST_JPKI_SIGN_POLICY], None)?,
            )?);
            extensions.push(crl_distribution_point(TEST_JPKI_SIGN_CRL_URL)?);
        } else {
            extensions.push(extension(
                oid::KEY_USAGE,
                true,
                &KeyUsage(KeyUsages::DigitalSignature.into()),
            )?);
            extensions.push(extension(
                oid::CERTIFICATE_POLICIES,
                true,
                &policies(&[TEST_JPKI_AUTH_POLICY], None)?,
            )?);
            extensions.push(crl_distribution_point(TEST_JPKI_AUTH_CRL_URL)?);
        }
        Ok(CertSpec {
            serial: if signing { 0x1101 } else { 0x1102 },
            subject,
            key: if signing {
                "jpki-holder-sign"
            } else {
                "jpki-holder-auth"
            },
            not_before: not_before(),
            not_after: not_after(),
            extensions,
        })
    }

    fn build(spec: &CertSpec, issuer: Option<&TestCert>) -> Result<TestCert, Error> {
        let key = test_key(spec.key)?;
        let spki = spki(&key)?;
        let ski = key_id(&spki);
        let (issuer_name, issuer_key, issuer_ski, mut chain) = match issuer {
            Some(i) => {
                let mut chain = Vec::new();
                if !i.is_root() {
                    chain.push(i.der.clone());
                    chain.extend(i.chain.iter().cloned());
                }
                (i.subject.clone(), i.key.clone(), i.ski.clone(), chain)
            }
            None => (spec.subject.clone(), key.clone(), ski.clone(), Vec::new()),
        };
        let mut extensions = vec![
            extension(
                "2.5.29.35",
                false,
                &AuthorityKeyIdentifier {
                    key_identifier: Some(OctetString::new(issuer_ski).map_err(der_err("AKI"))?),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                },
            )?,
            extension(
                "2.5.29.14",
                false,
                &SubjectKeyIdentifier(OctetString::new(ski.clone()).map_err(der_err("SKI"))?),
            )?,
        ];
        extensions.extend(spec.extensions.iter().cloned());
        let tbs = TbsCertificate {
            version: Version::V3,
            serial_number: SerialNumber::new(&serial_bytes(spec.serial))
                .map_err(der_err("serial"))?,
            signature: sha256_rsa(),
            issuer: issuer_name,
            validity: Validity::new(time(spec.not_before)?, time(spec.not_after)?),
            subject: spec.subject.clone(),
            subject_public_key_info: spki,
            extensions,
        };
        let tbs_der = tbs.to_der().map_err(der_err("certificate"))?;
        let signature = sign(&issuer_key, &tbs_der)?;
        let cert = SignedCertificate {
            tbs: Any::from_der(&tbs_der).map_err(der_err("certificate"))?,
            signature_algorithm: sha256_rsa(),
            signature: BitString::from_bytes(&signature).map_err(der_err("signature"))?,
        };
        let der = cert.to_der().map_err(der_err("certificate"))?;
        chain.retain(|c| !c.is_empty());
        Ok(TestCert {
            der,
            key_name: spec.key,
            key,
            chain,
            ski,
            subject: spec.subject.clone(),
        })
    }

    /// Issues a self-signed (root) certificate.
    pub fn self_signed(spec: CertSpec) -> Result<TestCert, Error> {
        Self::build(&spec, None)
    }

    /// Issues a certificate signed by `issuer`, adding authority and subject key
    /// identifiers before `spec.extensions`.
    pub fn issue(spec: &CertSpec, issuer: &TestCert) -> Result<TestCert, Error> {
        Self::build(spec, Some(issuer))
    }

    /// Issues a v2 CRL signed by `issuer` with a CRL number and authority key identifier,
    /// listing `revoked` with their reason codes.
    pub fn issue_crl(
        issuer: &TestCert,
        revoked: &[Revocation],
        this_update: jiff::Timestamp,
        next_update: jiff::Timestamp,
        crl_number: u64,
    ) -> Result<Vec<u8>, Error> {
        use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
        let mut entries: Vec<RevokedCert> = Vec::new();
        for r in revoked {
            let ext = match r.reason {
                Some(reason) => Some(vec![Extension {
                    extn_id: OID_CRL_REASON,
                    critical: false,
                    extn_value: OctetString::new(reason.to_der().map_err(der_err("reason"))?)
                        .map_err(der_err("reason"))?,
                }]),
                None => None,
            };
            entries.push(RevokedCert {
                serial_number: SerialNumber::new(&serial_bytes(r.serial))
                    .map_err(der_err("serial"))?,
                revocation_date: time(r.date)?,
                crl_entry_extensions: ext,
            });
        }
        let number =
            der::asn1::Uint::new(&serial_bytes(crl_number)).map_err(der_err("CRL number"))?;
        let tbs = TbsCertList {
            version: Version::V2,
            signature: sha256_rsa(),
            issuer: issuer.subject.clone(),
            this_update: time(this_update)?,
            next_update: Some(time(next_update)?),
            revoked_certificates: if entries.is_empty() {
                None
            } else {
                Some(entries)
            },
            crl_extensions: Some(vec![
                extension(
                    "2.5.29.35",
                    false,
                    &AuthorityKeyIdentifier {
                        key_identifier: Some(
                            OctetString::new(issuer.ski.clone()).map_err(der_err("AKI"))?,
                        ),
                        authority_cert_issuer: None,
                        authority_cert_serial_number: None,
                    },
                )?,
                Extension {
                    extn_id: OID_CRL_NUMBER,
                    critical: false,
                    extn_value: OctetString::new(number.to_der().map_err(der_err("CRL number"))?)
                        .map_err(der_err("CRL number"))?,
                },
            ]),
        };
        let tbs_der = tbs.to_der().map_err(der_err("CRL"))?;
        let signature = sign(&issuer.key, &tbs_der)?;
        CertificateList {
            tbs_cert_list: tbs,
            signature_algorithm: sha256_rsa(),
            signature: BitString::from_bytes(&signature).map_err(der_err("CRL"))?,
        }
        .to_der()
        .map_err(der_err("CRL"))
    }

    /// Every CA of the hierarchies that issues CRLs, with the CRL distribution point its
    /// certificates name (under [`TEST_CRL_BASE_URL`]): the three roots (their ARLs,
    /// covering the CAs below them; the TSA root's CRL covers the TSA) and the four
    /// issuing CAs.
    pub fn crl_issuers(&self) -> [(&'static str, &TestCert); 7] {
        [
            (TEST_HPKI_ARL_URL, &self.hpki_root),
            (TEST_HPKI_SIGN_CRL_URL, &self.hpki_sign_ca),
            (TEST_HPKI_AUTH_CRL_URL, &self.hpki_auth_ca),
            (TEST_JPKI_ARL_URL, &self.jpki_root),
            (TEST_JPKI_SIGN_CRL_URL, &self.jpki_sign_ca),
            (TEST_JPKI_AUTH_CRL_URL, &self.jpki_auth_ca),
            (TEST_TSA_CRL_URL, &self.tsa_root),
        ]
    }

    /// A fresh CRL from every CA of [`crl_issuers`](Self::crl_issuers), as a CA would
    /// publish it at `now`: thisUpdate an hour before, nextUpdate a day after, the CRL
    /// number `now` in seconds. `revoked` pairs the issuing CA (one of
    /// [`crl_issuers`](Self::crl_issuers)) with a revocation on its CRL; serial numbers
    /// are per CA, so the CA is always named. Returns, per CA, the path of its
    /// distribution point below [`TEST_CRL_BASE_URL`] (`/hpki/sign.crl`, …) and the
    /// CRL (DER).
    ///
    /// ```
    /// use hpki_cert::testpki::{Revocation, TestPki};
    /// let pki = TestPki::new()?;
    /// let now: jiff::Timestamp = "2025-01-01T00:00:00Z".parse()?;
    /// let revoked = Revocation { serial: 0x1001, date: now, reason: None };
    /// let crls = pki.crls_at(now, &[(pki.hpki_sign_ca(), revoked)])?;
    /// assert_eq!(crls.len(), 7);
    /// assert!(crls.iter().any(|(path, _)| path == "/hpki/sign.crl"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn crls_at(
        &self,
        now: jiff::Timestamp,
        revoked: &[(&TestCert, Revocation)],
    ) -> Result<Vec<(String, Vec<u8>)>, Error> {
        let issuers = self.crl_issuers();
        if let Some((stranger, _)) = revoked
            .iter()
            .find(|(ca, _)| !issuers.iter().any(|(_, i)| i.der == ca.der))
        {
            return Err(Error::TestPki(format!(
                "{} is not a CA of the test hierarchies",
                stranger.subject
            )));
        }
        let shift = |hours: i64| {
            now.checked_add(jiff::SignedDuration::from_hours(hours))
                .map_err(|e| Error::TestPki(format!("CRL times around {now}: {e}")))
        };
        let (this_update, next_update) = (shift(-1)?, shift(24)?);
        let number = u64::try_from(now.as_second()).unwrap_or(1);
        let mut out = Vec::with_capacity(issuers.len());
        for (url, ca) in issuers {
            let listed: Vec<Revocation> = revoked
                .iter()
                .filter(|(i, _)| i.der == ca.der)
                .map(|(_, r)| r.clone())
                .collect();
            let crl = Self::issue_crl(ca, &listed, this_update, next_update, number)?;
            out.push((crl_url_path(url).to_owned(), crl));
        }
        Ok(out)
    }

    /// A store trusting the three test roots (HPKI, JPKI, TSA) and knowing every test CA
    /// as an intermediate.
    pub fn trust_store(&self) -> TrustStore {
        let mut store = TrustStore::new();
        for root in self.anchors() {
            let _ = store.add_anchor_der(&root.der);
        }
        for ca in [
            &self.hpki_sign_ca,
            &self.hpki_auth_ca,
            &self.jpki_sign_ca,
            &self.jpki_auth_ca,
        ] {
            let _ = store.add_intermediate_der(&ca.der);
        }
        store
    }

    /// The three roots.
    pub fn anchors(&self) -> [&TestCert; 3] {
        [&self.hpki_root, &self.jpki_root, &self.tsa_root]
    }

    /// The HPKI test root.
    pub fn hpki_root(&self) -> &TestCert {
        &self.hpki_root
    }
    /// The HPKI signing CA.
    pub fn hpki_sign_ca(&self) -> &TestCert {
        &self.hpki_sign_ca
    }
    /// The HPKI authentication CA.
    pub fn hpki_auth_ca(&self) -> &TestCert {
        &self.hpki_auth_ca
    }
    /// The physician's signing certificate (hcRole `Medical Doctor`).
    pub fn physician(&self) -> &TestCert {
        &self.physician
    }
    /// The dentist's signing certificate (hcRole `Dentist`).
    pub fn dentist(&self) -> &TestCert {
        &self.dentist
    }
    /// The pharmacist's signing certificate (hcRole `Pharmacist`).
    pub fn pharmacist(&self) -> &TestCert {
        &self.pharmacist
    }
    /// The HPKI signing certificate for a qualification (physician, dentist or
    /// pharmacist); `None` for the others.
    pub fn signing(&self, q: &Qualification) -> Option<&TestCert> {
        match q {
            Qualification::MedicalDoctor => Some(&self.physician),
            Qualification::Dentist => Some(&self.dentist),
            Qualification::Pharmacist => Some(&self.pharmacist),
            _ => None,
        }
    }
    /// The HPKI authentication certificate for a qualification.
    pub fn authentication(&self, q: &Qualification) -> Option<&TestCert> {
        match q {
            Qualification::MedicalDoctor => Some(&self.physician_auth),
            Qualification::Dentist => Some(&self.dentist_auth),
            Qualification::Pharmacist => Some(&self.pharmacist_auth),
            _ => None,
        }
    }
    /// The JPKI test root.
    pub fn jpki_root(&self) -> &TestCert {
        &self.jpki_root
    }
    /// The JPKI signature CA.
    pub fn jpki_sign_ca(&self) -> &TestCert {
        &self.jpki_sign_ca
    }
    /// The JPKI user-authentication CA.
    pub fn jpki_auth_ca(&self) -> &TestCert {
        &self.jpki_auth_ca
    }
    /// The JPKI holder's signature certificate (with the basic four items).
    pub fn jpki_signature(&self) -> &TestCert {
        &self.jpki_signature
    }
    /// The JPKI holder's user-authentication certificate.
    pub fn jpki_user_auth(&self) -> &TestCert {
        &self.jpki_user_auth
    }
    /// The TSA test root.
    pub fn tsa_root(&self) -> &TestCert {
        &self.tsa_root
    }
    /// The TSA certificate (critical extendedKeyUsage timeStamping).
    pub fn tsa(&self) -> &TestCert {
        &self.tsa
    }

    fn all(&self) -> [(&'static str, &TestCert); 16] {
        [
            ("hpki-root", &self.hpki_root),
            ("hpki-sign-ca", &self.hpki_sign_ca),
            ("hpki-auth-ca", &self.hpki_auth_ca),
            ("physician-sign", &self.physician),
            ("physician-auth", &self.physician_auth),
            ("dentist-sign", &self.dentist),
            ("dentist-auth", &self.dentist_auth),
            ("pharmacist-sign", &self.pharmacist),
            ("pharmacist-auth", &self.pharmacist_auth),
            ("jpki-root", &self.jpki_root),
            ("jpki-sign-ca", &self.jpki_sign_ca),
            ("jpki-auth-ca", &self.jpki_auth_ca),
            ("jpki-holder-sign", &self.jpki_signature),
            ("jpki-holder-auth", &self.jpki_user_auth),
            ("tsa-root", &self.tsa_root),
            ("tsa", &self.tsa),
        ]
    }

    /// Writes the three anchors as `<name>.pem` and `<name>.der` into `dir` (created
    /// when missing), ready for [`TrustStore::from_dir`] or `openssl verify -CAfile`.
    pub fn write_anchors(&self, dir: &Path) -> Result<(), Error> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.to_owned(),
            source,
        })?;
        for (name, cert) in self.all().into_iter().filter(|(_, c)| c.is_root()) {
            write(&dir.join(format!("{name}.pem")), cert.cert_pem().as_bytes())?;
            write(&dir.join(format!("{name}.der")), &cert.der)?;
        }
        Ok(())
    }

    /// Writes every certificate as `<name>.pem` and `<name>.der`, and its key as
    /// `<name>.key.pem`, into `dir` (created when missing).
    pub fn write_all(&self, dir: &Path) -> Result<(), Error> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.to_owned(),
            source,
        })?;
        for (name, cert) in self.all() {
            write(&dir.join(format!("{name}.pem")), cert.cert_pem().as_bytes())?;
            write(&dir.join(format!("{name}.der")), &cert.der)?;
            write(
                &dir.join(format!("{name}.key.pem")),
                cert.key_pem().as_bytes(),
            )?;
        }
        Ok(())
    }
}

impl TestCert {
    fn is_root(&self) -> bool {
        crate::Certificate::from_der(&self.der).is_ok_and(|c| c.is_self_issued())
    }
}

/// The path of a test CRL distribution point below [`TEST_CRL_BASE_URL`], with its
/// leading `/` (`/hpki/sign.crl`); a URL elsewhere is returned whole.
pub fn crl_url_path(url: &str) -> &str {
    url.strip_prefix(TEST_CRL_BASE_URL.trim_end_matches('/'))
        .unwrap_or(url)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    std::fs::write(path, bytes).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })
}

/// The minimal positive big-endian encoding of `n`.
fn serial_bytes(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let first = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len() - 1);
    let mut out = bytes.get(first..).unwrap_or(&bytes).to_vec();
    if out.first().is_some_and(|b| b & 0x80 != 0) {
        out.insert(0, 0);
    }
    out
}

// `EncodePem` is used by callers through `TestCert::cert_pem`; keep the import honest.
#[allow(dead_code)]
fn _pem_is_available<T: EncodePem>() {}
