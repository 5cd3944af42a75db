//! A certificate parsed once, with the fields path validation and classification use.

use const_oid::{AssociatedOid as _, ObjectIdentifier};
use der::{Decode, Encode, Header, Reader, SliceReader};
use sha2::Digest as _;
use x509_cert::ext::pkix::{
    AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints, CertificatePolicies,
    CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, SubjectAltName, SubjectKeyIdentifier,
    crl::dp::DistributionPoint, name::DistributionPointName, name::GeneralName,
};

use crate::{Error, HcRole, Qualification};

pub(crate) const OID_BASIC_CONSTRAINTS: ObjectIdentifier = BasicConstraints::OID;
pub(crate) const OID_KEY_USAGE: ObjectIdentifier = KeyUsage::OID;
pub(crate) const OID_EXT_KEY_USAGE: ObjectIdentifier = ExtendedKeyUsage::OID;
pub(crate) const OID_CERT_POLICIES: ObjectIdentifier = CertificatePolicies::OID;
pub(crate) const OID_SAN: ObjectIdentifier = SubjectAltName::OID;
pub(crate) const OID_SKI: ObjectIdentifier = SubjectKeyIdentifier::OID;
pub(crate) const OID_AKI: ObjectIdentifier = AuthorityKeyIdentifier::OID;
pub(crate) const OID_CRL_DP: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.31");
pub(crate) const OID_AIA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.1.1");
// Path validation compares policies with its dotted text; its test checks the two agree.
#[cfg(test)]
pub(crate) const OID_ANY_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.32.0");
/// id-ad-ocsp (RFC 5280 §4.2.2.1).
const OID_AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
pub(crate) const OID_KP_TIME_STAMPING: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");

/// Extensions this crate processes, and so may be critical (RFC 5280 §4.2: a
/// certificate with a critical extension the verifier does not process is rejected).
pub(crate) const UNDERSTOOD_EXTENSIONS: [ObjectIdentifier; 10] = [
    OID_BASIC_CONSTRAINTS,
    OID_KEY_USAGE,
    OID_EXT_KEY_USAGE,
    OID_CERT_POLICIES,
    OID_SAN,
    OID_SKI,
    OID_AKI,
    OID_CRL_DP,
    OID_AIA,
    crate::hcrole::SUBJECT_DIRECTORY_ATTRIBUTES,
];

/// The `(tag, length)` of the outer SEQUENCE and the TLV of its first element: the
/// to-be-signed bytes of a certificate or CRL exactly as received.
pub(crate) fn signed_part(der: &[u8]) -> Result<Vec<u8>, der::Error> {
    let mut reader = SliceReader::new(der)?;
    let header = Header::decode(&mut reader)?;
    header.tag().assert_eq(der::Tag::Sequence)?;
    Ok(reader.tlv_bytes()?.to_vec())
}

/// Where [`signed_part`] lies in `der`.
pub(crate) fn signed_range(der: &[u8]) -> Result<core::ops::Range<usize>, der::Error> {
    let mut reader = SliceReader::new(der)?;
    let header = Header::decode(&mut reader)?;
    header.tag().assert_eq(der::Tag::Sequence)?;
    let start = usize::try_from(reader.position())?;
    let len = reader.tlv_bytes()?.len();
    Ok(start..start.saturating_add(len))
}

/// Converts an X.509 time to a timestamp.
pub(crate) fn timestamp(t: &x509_cert::time::Time) -> jiff::Timestamp {
    let secs = i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
    jiff::Timestamp::from_second(secs).unwrap_or(jiff::Timestamp::MAX)
}

/// An X.509 certificate parsed once: the decoded structure plus the pieces every check
/// needs (to-be-signed bytes, names, key, extensions), so validation and classification
/// never decode it again.
///
/// ```
/// # #[cfg(feature = "test-pki")] {
/// let pki = hpki_cert::testpki::TestPki::new()?;
/// let cert = hpki_cert::Certificate::from_der(pki.physician().cert_der())?;
/// assert!(!cert.is_ca());
/// # }
/// # Ok::<(), hpki_cert::Error>(())
/// ```
#[derive(Clone)]
pub struct Certificate {
    /// Shared with a [`VerificationCache`](crate::VerificationCache)'s keys.
    pub(crate) der: std::sync::Arc<[u8]>,
    pub(crate) inner: x509_cert::Certificate,
    pub(crate) tbs_der: Vec<u8>,
    pub(crate) subject_der: Vec<u8>,
    pub(crate) issuer_der: Vec<u8>,
    /// RFC 4514 renderings, made on first use: formatting looks every attribute type up
    /// in const-oid's name database, which dominated verification time when every
    /// path check formatted the names afresh.
    subject_text: std::sync::OnceLock<String>,
    issuer_text: std::sync::OnceLock<String>,
    pub(crate) spki_der: Vec<u8>,
    pub(crate) not_before: jiff::Timestamp,
    pub(crate) not_after: jiff::Timestamp,
    pub(crate) basic_constraints: Option<BasicConstraints>,
    pub(crate) key_usage: Option<KeyUsage>,
    pub(crate) ext_key_usage: Option<(bool, Vec<ObjectIdentifier>)>,
    pub(crate) policies: Option<(bool, Vec<ObjectIdentifier>)>,
    pub(crate) ski: Option<Vec<u8>>,
    pub(crate) aki: Option<Vec<u8>>,
    pub(crate) san: Vec<GeneralName>,
    /// The cRLDistributionPoints extension's points.
    pub(crate) crl_dps: Vec<DistributionPoint>,
    /// OCSP responder URIs from authorityInfoAccess.
    pub(crate) ocsp: Vec<String>,
    pub(crate) hc_role: Option<HcRole>,
    /// Critical extensions this crate does not process (dotted OIDs).
    pub(crate) unknown_critical: Vec<String>,
    /// Extensions that did not decode, with the decoder's message.
    pub(crate) malformed_extensions: Vec<String>,
    /// The summary, made on first use.
    info: std::sync::OnceLock<CertInfo>,
    /// The signature algorithm and the certificatePolicies OIDs as dotted text, made on
    /// first use: path validation words every check with them, and a kept certificate
    /// is validated again for every document.
    signature_algorithm_text: std::sync::OnceLock<String>,
    policy_texts: std::sync::OnceLock<Vec<String>>,
}

impl core::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject())
            .field("issuer", &self.issuer())
            .field("serial", &self.serial_hex())
            .finish_non_exhaustive()
    }
}

impl Certificate {
    /// Parses a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        let inner = x509_cert::Certificate::from_der(der).map_err(Error::der("certificate"))?;
        let tbs_der = signed_part(der).map_err(Error::der("certificate"))?;
        let tbs = inner.tbs_certificate();
        let enc = |r: der::Result<Vec<u8>>| r.map_err(Error::der("certificate"));
        let mut cert = Self {
            der: std::sync::Arc::from(der),
            tbs_der,
            subject_der: enc(tbs.subject().to_der())?,
            issuer_der: enc(tbs.issuer().to_der())?,
            subject_text: std::sync::OnceLock::new(),
            issuer_text: std::sync::OnceLock::new(),
            spki_der: enc(tbs.subject_public_key_info().to_der())?,
            not_before: timestamp(&tbs.validity().not_before),
            not_after: timestamp(&tbs.validity().not_after),
            basic_constraints: None,
            key_usage: None,
            ext_key_usage: None,
            policies: None,
            ski: None,
            aki: None,
            san: Vec::new(),
            crl_dps: Vec::new(),
            ocsp: Vec::new(),
            hc_role: None,
            unknown_critical: Vec::new(),
            malformed_extensions: Vec::new(),
            info: std::sync::OnceLock::new(),
            signature_algorithm_text: std::sync::OnceLock::new(),
            policy_texts: std::sync::OnceLock::new(),
            inner,
        };
        // The extensions are read from the certificate now kept in `cert` (moved, not
        // cloned: a deep copy of every decoded name and extension was a large part of
        // parsing a certificate); only disjoint fields of `cert` are written below.
        let tbs = cert.inner.tbs_certificate();
        for ext in tbs.extensions().map(|e| e.as_slice()).unwrap_or(&[]) {
            let value = ext.extn_value.as_bytes();
            let id = ext.extn_id;
            let bad = |e: der::Error| format!("{id}: {e}");
            let result: Result<(), String> = match id {
                OID_BASIC_CONSTRAINTS => BasicConstraints::from_der(value)
                    .map(|v| cert.basic_constraints = Some(v))
                    .map_err(bad),
                OID_KEY_USAGE => KeyUsage::from_der(value)
                    .map(|v| cert.key_usage = Some(v))
                    .map_err(bad),
                OID_EXT_KEY_USAGE => ExtendedKeyUsage::from_der(value)
                    .map(|v| cert.ext_key_usage = Some((ext.critical, v.0)))
                    .map_err(bad),
                OID_CERT_POLICIES => CertificatePolicies::from_der(value)
                    .map(|v| {
                        cert.policies = Some((
                            ext.critical,
                            v.0.into_iter().map(|p| p.policy_identifier).collect(),
                        ))
                    })
                    .map_err(bad),
                OID_SAN => SubjectAltName::from_der(value)
                    .map(|v| cert.san = v.0)
                    .map_err(bad),
                OID_SKI => SubjectKeyIdentifier::from_der(value)
                    .map(|v| cert.ski = Some(v.0.as_bytes().to_vec()))
                    .map_err(bad),
                OID_AKI => AuthorityKeyIdentifier::from_der(value)
                    .map(|v| cert.aki = v.key_identifier.map(|k| k.as_bytes().to_vec()))
                    .map_err(bad),
                OID_CRL_DP => CrlDistributionPoints::from_der(value)
                    .map(|v| cert.crl_dps = v.0)
                    .map_err(bad),
                OID_AIA => AuthorityInfoAccessSyntax::from_der(value)
                    .map(|v| {
                        cert.ocsp =
                            v.0.into_iter()
                                .filter(|a| a.access_method == OID_AD_OCSP)
                                .filter_map(|a| match a.access_location {
                                    GeneralName::UniformResourceIdentifier(u) => {
                                        Some(u.as_str().to_owned())
                                    }
                                    _ => None,
                                })
                                .collect();
                    })
                    .map_err(bad),
                crate::hcrole::SUBJECT_DIRECTORY_ATTRIBUTES => {
                    // Other directory attributes are allowed; only an hcRole is read.
                    cert.hc_role = HcRole::parse(value).ok();
                    Ok(())
                }
                _ => {
                    if ext.critical && !UNDERSTOOD_EXTENSIONS.contains(&id) {
                        cert.unknown_critical.push(id.to_string());
                    }
                    Ok(())
                }
            };
            if let Err(e) = result {
                cert.malformed_extensions.push(e);
            }
        }
        Ok(cert)
    }

    /// Parses a PEM certificate (the first `CERTIFICATE` block).
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        let (label, der) =
            der::pem::decode_vec(pem.as_bytes()).map_err(|e| Error::Pem(e.to_string()))?;
        if label != "CERTIFICATE" {
            return Err(Error::Pem(format!("expected CERTIFICATE, found {label}")));
        }
        Self::from_der(&der)
    }

    /// The DER this certificate was parsed from.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The decoded certificate.
    pub fn x509(&self) -> &x509_cert::Certificate {
        &self.inner
    }

    /// The subject as an RFC 4514 string.
    pub fn subject(&self) -> String {
        self.subject_text
            .get_or_init(|| name_text(self.inner.tbs_certificate().subject()))
            .clone()
    }

    /// The issuer as an RFC 4514 string.
    pub fn issuer(&self) -> String {
        self.issuer_text
            .get_or_init(|| name_text(self.inner.tbs_certificate().issuer()))
            .clone()
    }

    /// The serial number, lowercase hex of its DER content bytes.
    pub fn serial_hex(&self) -> String {
        hex::encode(self.inner.tbs_certificate().serial_number().as_bytes())
    }

    /// The SubjectPublicKeyInfo DER (what [`verify_rsa_pkcs1`](crate::verify_rsa_pkcs1)
    /// takes).
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// Start of the validity period.
    pub fn not_before(&self) -> jiff::Timestamp {
        self.not_before
    }

    /// End of the validity period.
    pub fn not_after(&self) -> jiff::Timestamp {
        self.not_after
    }

    /// Whether basicConstraints says this is a CA.
    pub fn is_ca(&self) -> bool {
        self.basic_constraints.as_ref().is_some_and(|b| b.ca)
    }

    /// Whether subject and issuer are the same name.
    pub fn is_self_issued(&self) -> bool {
        self.subject_der == self.issuer_der
    }

    /// Whether the certificate is self-signed: subject equals issuer and its signature
    /// verifies with its own key (RFC 5280 §6.1: what a root looks like; being
    /// self-signed makes nothing trusted, a [`TrustStore`](crate::TrustStore) does).
    pub fn is_self_signed(&self) -> bool {
        self.is_self_issued() && self.verify_signature(&self.spki_der).is_ok()
    }

    /// The certificatePolicies OIDs, dotted (empty when the extension is absent).
    pub fn policies(&self) -> Vec<String> {
        self.policy_texts().to_vec()
    }

    /// [`policies`](Self::policies), kept with the certificate.
    pub(crate) fn policy_texts(&self) -> &[String] {
        self.policy_texts.get_or_init(|| {
            self.policies
                .as_ref()
                .map(|(_, p)| p.iter().map(ToString::to_string).collect())
                .unwrap_or_default()
        })
    }

    /// The URIs of the cRLDistributionPoints extension's full names, in order (e.g.
    /// `http://cert.medis.or.jp/sign/crl-sign2.crl`); empty when it has none.
    pub fn crl_distribution_urls(&self) -> Vec<String> {
        self.crl_dps
            .iter()
            .filter_map(|dp| match &dp.distribution_point {
                Some(DistributionPointName::FullName(names)) => Some(names),
                _ => None,
            })
            .flatten()
            .filter_map(|n| match n {
                GeneralName::UniformResourceIdentifier(u) => Some(u.as_str().to_owned()),
                _ => None,
            })
            .collect()
    }

    /// The OCSP responder URIs of the authorityInfoAccess extension (real HPKI and
    /// JPKI signing certificates name none; they publish CRLs).
    pub fn ocsp_responders(&self) -> &[String] {
        &self.ocsp
    }

    /// The hcRole, when the certificate carries one.
    pub fn hc_role(&self) -> Option<&HcRole> {
        self.hc_role.as_ref()
    }

    /// The signature algorithm OID, dotted.
    pub(crate) fn signature_algorithm(&self) -> &str {
        self.signature_algorithm_text
            .get_or_init(|| self.inner.signature_algorithm().oid.to_string())
    }

    /// Verifies this certificate's signature with the issuer's public key
    /// (SubjectPublicKeyInfo DER); every call verifies.
    pub(crate) fn verify_signature(&self, issuer_spki_der: &[u8]) -> Result<(), Error> {
        // RFC 5280 §4.1.1.2: the outer algorithm must be the signed one.
        if self.inner.signature_algorithm() != self.inner.tbs_certificate().signature() {
            return Err(Error::UnsupportedAlgorithm(format!(
                "signatureAlgorithm {} differs from the signed tbsCertificate.signature",
                self.signature_algorithm()
            )));
        }
        let sig = self
            .inner
            .signature()
            .as_bytes()
            .ok_or(Error::BadSignature)?;
        crate::verify_signed_data(
            issuer_spki_der,
            self.signature_algorithm(),
            &self.tbs_der,
            sig,
        )
    }

    pub(crate) fn key_usage_names(&self) -> Vec<&'static str> {
        let Some(ku) = &self.key_usage else {
            return Vec::new();
        };
        [
            (ku.digital_signature(), "digitalSignature"),
            (ku.non_repudiation(), "nonRepudiation"),
            (ku.key_encipherment(), "keyEncipherment"),
            (ku.data_encipherment(), "dataEncipherment"),
            (ku.key_agreement(), "keyAgreement"),
            (ku.key_cert_sign(), "keyCertSign"),
            (ku.crl_sign(), "cRLSign"),
            (ku.encipher_only(), "encipherOnly"),
            (ku.decipher_only(), "decipherOnly"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }

    pub(crate) fn san_strings(&self) -> Vec<String> {
        self.san
            .iter()
            .map(|n| match n {
                // `name_text` writes what `Name`'s `Display` does, without its
                // per-attribute scan of const-oid's name database.
                GeneralName::DirectoryName(name) => format!("DirName:{}", name_text(name)),
                GeneralName::Rfc822Name(s) => format!("email:{}", s.as_str()),
                GeneralName::DnsName(s) => format!("DNS:{}", s.as_str()),
                GeneralName::UniformResourceIdentifier(s) => format!("URI:{}", s.as_str()),
                // The value of an otherName can be personal data (JPKI's basic four
                // items): name the type only.
                GeneralName::OtherName(o) => format!("othername:{}", o.type_id),
                GeneralName::IpAddress(o) => format!("IP:{}", hex::encode(o.as_bytes())),
                GeneralName::RegisteredId(o) => format!("RID:{o}"),
                GeneralName::EdiPartyName(_) => "EdiPartyName".to_owned(),
            })
            .collect()
    }
}

/// A summary of a certificate for display and logs.
///
/// ```
/// # #[cfg(feature = "test-pki")] {
/// use hpki_cert::{CertInfo, Qualification};
/// let pki = hpki_cert::testpki::TestPki::new()?;
/// let info = CertInfo::parse(pki.physician().cert_der())?;
/// assert_eq!(info.qualification, Some(Qualification::MedicalDoctor));
/// # }
/// # Ok::<(), hpki_cert::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertInfo {
    /// Subject, RFC 4514.
    pub subject: String,
    /// Issuer, RFC 4514.
    pub issuer: String,
    /// Serial number, lowercase hex.
    pub serial_hex: String,
    /// Start of validity.
    pub not_before: jiff::Timestamp,
    /// End of validity.
    pub not_after: jiff::Timestamp,
    /// SHA-256 of the certificate DER.
    pub sha256_fingerprint: [u8; 32],
    /// The qualification from the hcRole, when present.
    pub qualification: Option<Qualification>,
    /// subjectAltName entries (`DirName:...`, `URI:...`, `othername:<oid>`; otherName
    /// values are not shown because JPKI puts personal data there).
    pub subject_alt_names: Vec<String>,
    /// certificatePolicies OIDs, dotted.
    pub policies: Vec<String>,
    /// keyUsage bits set, by RFC 5280 name.
    pub key_usage: Vec<&'static str>,
    /// Whether basicConstraints marks a CA.
    pub is_ca: bool,
}

impl CertInfo {
    /// Parses a DER certificate and summarises it.
    pub fn parse(der: &[u8]) -> Result<Self, Error> {
        Ok(Self::from_certificate(&Certificate::from_der(der)?))
    }

    /// Summarises an already parsed certificate (once per certificate: the summary is
    /// kept with it).
    pub fn from_certificate(cert: &Certificate) -> Self {
        cert.info.get_or_init(|| Self::summarise(cert)).clone()
    }

    fn summarise(cert: &Certificate) -> Self {
        Self {
            subject: cert.subject(),
            issuer: cert.issuer(),
            serial_hex: cert.serial_hex(),
            not_before: cert.not_before,
            not_after: cert.not_after,
            sha256_fingerprint: sha2::Sha256::digest(&cert.der).into(),
            qualification: cert.hc_role.as_ref().and_then(HcRole::qualification),
            subject_alt_names: cert.san_strings(),
            policies: cert.policies(),
            key_usage: cert.key_usage_names(),
            is_ca: cert.is_ca(),
        }
    }

    /// The fingerprint as uppercase hex.
    pub fn fingerprint_hex(&self) -> String {
        hex::encode_upper(self.sha256_fingerprint)
    }
}

/// The RFC 4514 text of a name, exactly as `x509-cert`'s `Display` writes it, but with
/// the attribute-type names looked up once per process: `const-oid`'s database is a
/// linear scan, and formatting names was the largest single cost of verifying an
/// e-prescription.
pub(crate) fn name_text(name: &x509_cert::name::Name) -> String {
    use core::fmt::Write as _;
    use der::Tag;
    use der::asn1::{Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef};

    let mut out = String::new();
    let rdns: &Vec<x509_cert::name::RelativeDistinguishedName> = name.as_ref().as_ref();
    for (i, rdn) in rdns.iter().rev().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let atvs: &der::asn1::SetOfVec<x509_cert::attr::AttributeTypeAndValue> = rdn.as_ref();
        for (j, atv) in atvs.iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            let val = match der::Tagged::tag(&atv.value) {
                Tag::PrintableString => PrintableStringRef::try_from(&atv.value)
                    .ok()
                    .map(|s| s.as_str()),
                Tag::Utf8String => Utf8StringRef::try_from(&atv.value).ok().map(|s| s.as_str()),
                Tag::Ia5String => Ia5StringRef::try_from(&atv.value).ok().map(|s| s.as_str()),
                Tag::TeletexString => TeletexStringRef::try_from(&atv.value)
                    .ok()
                    .map(|s| s.as_str()),
                _ => None,
            };
            match (shortest_name(atv.oid), val) {
                (Some(key), Some(val)) => {
                    out.push_str(&key.to_ascii_uppercase());
                    out.push('=');
                    let mut iter = val.char_indices().peekable();
                    while let Some((k, c)) = iter.next() {
                        match c {
                            '#' if k == 0 => out.push_str("\\#"),
                            ' ' if k == 0 || iter.peek().is_none() => out.push_str("\\ "),
                            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                                out.push('\\');
                                out.push(c);
                            }
                            '\x00'..='\x1f' | '\x7f' => {
                                let _ = write!(out, "\\{:02x}", c as u8);
                            }
                            _ => out.push(c),
                        }
                    }
                }
                _ => {
                    let _ = write!(out, "{}=#", atv.oid);
                    for b in atv.value.to_der().unwrap_or_default() {
                        let _ = write!(out, "{b:02x}");
                    }
                }
            }
        }
    }
    out
}

fn shortest_name(oid: ObjectIdentifier) -> Option<&'static str> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<ObjectIdentifier, Option<&'static str>>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Ok(map) = cache.lock()
        && let Some(found) = map.get(&oid)
    {
        return *found;
    }
    let mut best: Option<&'static str> = None;
    for m in const_oid::db::DB.find_names_for_oid(oid) {
        if best.is_none_or(|b| m.len() < b.len()) {
            best = Some(m);
        }
    }
    if let Ok(mut map) = cache.lock() {
        map.insert(oid, best);
    }
    best
}

#[cfg(test)]
mod name_text_tests {
    use super::*;
    use core::str::FromStr as _;

    #[test]
    fn matches_x509_cert_display() {
        for s in [
            "CN=Taro Mihon,O=MEDSIGN TEST HOSPITAL,C=JP",
            "SERIALNUMBER=TEST0001,CN=Taro Mihon,O=MEDSIGN TEST HOSPITAL,C=JP",
            "CN=a\\,b+O=x,C=JP",
            "CN=\\#hash,OU=trailing\\ ,C=JP",
        ] {
            let name = x509_cert::name::Name::from_str(s).unwrap();
            assert_eq!(name_text(&name), name.to_string(), "{s}");
        }
    }
}
