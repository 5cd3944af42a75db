//! Certificate revocation lists (RFC 5280 §5): parsing, and the parts of the RFC 5280
//! §6.3 algorithm that concern one CRL and one certificate (issuer, scope, reasons).

use std::sync::Arc;

use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, CrlReason,
    crl::dp::{DistributionPoint, ReasonFlags, Reasons},
    crl::{BaseCrlNumber, CrlNumber, FreshestCrl, IssuingDistributionPoint},
    name::{DistributionPointName, GeneralName},
};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use crate::cert::name_text;
use crate::{Certificate, Error, cert};

const OID_CRL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.20");
const OID_CRL_REASON: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.21");
const OID_HOLD_INSTRUCTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.23");
const OID_INVALIDITY_DATE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.24");
const OID_DELTA_CRL_INDICATOR: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.27");
// x509-cert 0.3's `IssuingDistributionPoint::OID` names id-pe-subjectInfoAccess by
// mistake: the extension's own OID is spelled out.
const OID_IDP: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.28");
const OID_CERTIFICATE_ISSUER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.29");
const OID_AKI: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
const OID_FRESHEST_CRL: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.46");

/// Every revocation reason (RFC 5280 §6.3.3 `all-reasons`): keyCompromise through
/// aACompromise. The `unused` bit names no reason and is not needed for coverage.
pub(crate) fn all_reasons() -> ReasonFlags {
    Reasons::KeyCompromise
        | Reasons::CaCompromise
        | Reasons::AffiliationChanged
        | Reasons::Superseded
        | Reasons::CessationOfOperation
        | Reasons::CertificateHold
        | Reasons::PrivilegeWithdrawn
        | Reasons::AaCompromise
}

/// The RFC 5280 names of the reasons in `flags`, comma-separated.
pub(crate) fn reason_names(flags: ReasonFlags) -> String {
    let names: Vec<&str> = flags
        .into_iter()
        .map(|r| match r {
            Reasons::Unused => "unused",
            Reasons::KeyCompromise => "keyCompromise",
            Reasons::CaCompromise => "cACompromise",
            Reasons::AffiliationChanged => "affiliationChanged",
            Reasons::Superseded => "superseded",
            Reasons::CessationOfOperation => "cessationOfOperation",
            Reasons::CertificateHold => "certificateHold",
            Reasons::PrivilegeWithdrawn => "privilegeWithdrawn",
            Reasons::AaCompromise => "aACompromise",
        })
        .collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(",")
    }
}

/// One revoked certificate listed in a CRL.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RevokedEntry {
    /// The serial number, lowercase hex (as [`Certificate::serial_hex`]).
    pub serial_hex: String,
    /// `revocationDate`.
    pub date: jiff::Timestamp,
    /// The `reasonCode` entry extension, when present.
    pub reason: Option<CrlReason>,
    /// The `invalidityDate` entry extension (when the key is known or suspected to
    /// have been compromised), when present.
    pub invalidity_date: Option<jiff::Timestamp>,
}

impl RevokedEntry {
    /// From when path validation treats the certificate as revoked: the earlier of
    /// `revocationDate` and `invalidityDate` (a signature made after the key was
    /// compromised is not trusted because the CA learned of it later).
    pub fn effective_date(&self) -> jiff::Timestamp {
        match self.invalidity_date {
            Some(d) if d < self.date => d,
            _ => self.date,
        }
    }
}

/// Why a CRL cannot give a certificate's revocation status (RFC 5280 §6.3.3). Each
/// one is reported in the `revocation` check's detail; a certificate that no CRL
/// settles is INDETERMINATE (or waived by the policy).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CrlRefusal {
    /// The CRL is issued by another CA than the certificate (§6.3.3 (b)(1)).
    #[error("issued by {crl_issuer}, not by the certificate's issuer {cert_issuer}")]
    OtherIssuer {
        /// The CRL's issuer, RFC 4514.
        crl_issuer: String,
        /// The certificate's issuer, RFC 4514.
        cert_issuer: String,
    },
    /// A CRL or entry extension this crate processes does not decode.
    #[error("malformed extension: {0}")]
    Malformed(String),
    /// A critical CRL or entry extension this crate does not process (§5.2, §5.3).
    #[error("critical extensions not understood: {}", .0.join(", "))]
    UnknownCritical(Vec<String>),
    /// An indirect CRL (issuingDistributionPoint `indirectCRL`, or an entry with a
    /// certificateIssuer extension): not processed, so never used.
    #[error("indirect CRLs are not supported ({0})")]
    Indirect(&'static str),
    /// A delta CRL (deltaCRLIndicator): not processed, so never used; the complete
    /// CRL of the same scope is needed.
    #[error(
        "delta CRLs are not processed (deltaCRLIndicator, base CRL number {base}): supply the complete CRL"
    )]
    Delta {
        /// The base CRL number, hex.
        base: String,
    },
    /// The issuingDistributionPoint names a distribution point the certificate does
    /// not name (§6.3.3 (b)(2)(i)).
    #[error(
        "its issuingDistributionPoint ({idp}) matches none of the certificate's CRL distribution points ({cert})"
    )]
    DistributionPoint {
        /// The CRL's distribution point names.
        idp: String,
        /// The certificate's distribution point names (and its issuer, the implicit one).
        cert: String,
    },
    /// onlyContainsUserCerts, and the certificate is a CA (§6.3.3 (b)(2)(ii)).
    #[error("it covers only end-entity certificates (onlyContainsUserCerts) and this is a CA")]
    OnlyUserCerts,
    /// onlyContainsCACerts, and the certificate is not a CA (§6.3.3 (b)(2)(iii)).
    #[error("it covers only CA certificates (onlyContainsCACerts) and this is not a CA")]
    OnlyCaCerts,
    /// onlyContainsAttributeCerts (§6.3.3 (b)(2)(iv)).
    #[error("it covers only attribute certificates (onlyContainsAttributeCerts)")]
    OnlyAttributeCerts,
    /// The CRL's authorityKeyIdentifier names another key than the issuer
    /// certificate's subjectKeyIdentifier.
    #[error("its authorityKeyIdentifier {crl} is not the issuer's subjectKeyIdentifier {issuer}")]
    KeyIdentifier {
        /// The CRL's key identifier, hex.
        crl: String,
        /// The issuer certificate's, hex.
        issuer: String,
    },
    /// The issuer's keyUsage lacks cRLSign (§6.3.3 (f)).
    #[error("{issuer} may not sign CRLs (keyUsage lacks cRLSign)")]
    NoCrlSign {
        /// The issuer, RFC 4514.
        issuer: String,
    },
    /// The CRL's signature does not verify with the issuer's key (§6.3.3 (g)).
    #[error("its signature does not verify: {0}")]
    Signature(String),
    /// The CRL does not give the status at the validation time (see the README's
    /// freshness rule).
    #[error("it is stale at {at} (nextUpdate {})", next_update.map_or_else(|| "absent".to_owned(), |n| n.to_string()))]
    Stale {
        /// The validation time.
        at: jiff::Timestamp,
        /// The CRL's nextUpdate.
        next_update: Option<jiff::Timestamp>,
    },
}

/// A parsed CRL.
///
/// ```text
/// CertificateList ::= SEQUENCE { tbsCertList TBSCertList,
///     signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
/// ```
///
/// Parsing fails only when the DER is not a CertificateList; an extension this crate
/// processes that does not decode, or a critical one it does not know, is kept as a
/// reason the CRL is unusable ([`CrlRefusal`]), named when it is reported.
#[derive(Clone, Debug)]
pub struct Crl {
    der: Arc<[u8]>,
    tbs: core::ops::Range<usize>,
    pub(crate) issuer_der: Vec<u8>,
    issuer_name: Name,
    issuer: String,
    signature_algorithm: String,
    signature: Vec<u8>,
    this_update: jiff::Timestamp,
    next_update: Option<jiff::Timestamp>,
    number: Option<Vec<u8>>,
    delta_base: Option<Vec<u8>>,
    aki: Option<Vec<u8>>,
    idp: Option<IssuingDistributionPoint>,
    freshest: Vec<DistributionPoint>,
    revoked: Vec<RevokedEntry>,
    unknown_critical: Vec<String>,
    malformed: Vec<String>,
    /// An entry carries certificateIssuer (only indirect CRLs may).
    entry_certificate_issuer: bool,
    algorithm_mismatch: bool,
}

/// The magnitude of a DER INTEGER, without leading zero octets.
fn magnitude(uint: &der::asn1::Uint) -> Vec<u8> {
    let bytes = uint.as_bytes();
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default().to_vec()
}

impl Crl {
    /// Parses a DER CRL.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        Self::from_shared(Arc::from(der))
    }

    /// Parses a DER CRL kept in an `Arc` (not copied).
    pub(crate) fn from_shared(der: Arc<[u8]>) -> Result<Self, Error> {
        let list =
            x509_cert::crl::CertificateList::<x509_cert::certificate::Rfc5280>::from_der(&der)
                .map_err(Error::der("CRL"))?;
        let tbs_range = cert::signed_range(&der).map_err(Error::der("CRL"))?;
        let tbs = &list.tbs_cert_list;
        // RFC 5280 §5.1.1.2: the outer algorithm must be the signed one.
        let algorithm_mismatch = list.signature_algorithm != tbs.signature;
        let mut crl = Self {
            tbs: tbs_range,
            issuer_der: tbs.issuer.to_der().map_err(Error::der("CRL issuer"))?,
            issuer_name: tbs.issuer.clone(),
            issuer: name_text(&tbs.issuer),
            signature_algorithm: list.signature_algorithm.oid.to_string(),
            signature: list
                .signature
                .as_bytes()
                .ok_or(Error::BadSignature)?
                .to_vec(),
            this_update: cert::timestamp(&tbs.this_update),
            next_update: tbs.next_update.as_ref().map(cert::timestamp),
            number: None,
            delta_base: None,
            aki: None,
            idp: None,
            freshest: Vec::new(),
            revoked: Vec::new(),
            unknown_critical: Vec::new(),
            malformed: Vec::new(),
            entry_certificate_issuer: false,
            algorithm_mismatch,
            der: der.clone(),
        };
        for ext in tbs.crl_extensions.iter().flatten() {
            let value = ext.extn_value.as_bytes();
            let id = ext.extn_id;
            let bad = |e: der::Error| format!("{id}: {e}");
            let result = match id {
                OID_CRL_NUMBER => CrlNumber::from_der(value)
                    .map(|n| crl.number = Some(magnitude(&n.0)))
                    .map_err(bad),
                OID_DELTA_CRL_INDICATOR => BaseCrlNumber::from_der(value)
                    .map(|n| crl.delta_base = Some(magnitude(&n.0)))
                    .map_err(bad),
                OID_AKI => AuthorityKeyIdentifier::from_der(value)
                    .map(|a| crl.aki = a.key_identifier.map(|k| k.as_bytes().to_vec()))
                    .map_err(bad),
                OID_IDP => IssuingDistributionPoint::from_der(value)
                    .map(|i| crl.idp = Some(i))
                    .map_err(bad),
                OID_FRESHEST_CRL => FreshestCrl::from_der(value)
                    .map(|f| crl.freshest = f.0)
                    .map_err(bad),
                _ => {
                    if ext.critical {
                        crl.unknown_critical.push(id.to_string());
                    }
                    Ok(())
                }
            };
            if let Err(e) = result {
                crl.malformed.push(e);
            }
        }
        for entry in tbs.revoked_certificates.iter().flatten() {
            let mut reason = None;
            let mut invalidity_date = None;
            for ext in entry.crl_entry_extensions.iter().flatten() {
                let value = ext.extn_value.as_bytes();
                let id = ext.extn_id;
                let bad = |e: der::Error| format!("entry extension {id}: {e}");
                let result = match id {
                    OID_CRL_REASON => CrlReason::from_der(value)
                        .map(|r| reason = Some(r))
                        .map_err(bad),
                    OID_INVALIDITY_DATE => der::asn1::GeneralizedTime::from_der(value)
                        .map(|t| {
                            invalidity_date =
                                Some(cert::timestamp(&x509_cert::time::Time::GeneralTime(t)));
                        })
                        .map_err(bad),
                    OID_CERTIFICATE_ISSUER => {
                        crl.entry_certificate_issuer = true;
                        Ok(())
                    }
                    OID_HOLD_INSTRUCTION if !ext.critical => Ok(()),
                    _ => {
                        if ext.critical {
                            crl.unknown_critical
                                .push(format!("entry extension {}", ext.extn_id));
                        }
                        Ok(())
                    }
                };
                if let Err(e) = result {
                    crl.malformed.push(e);
                }
            }
            crl.revoked.push(RevokedEntry {
                serial_hex: hex::encode(entry.serial_number.as_bytes()),
                date: cert::timestamp(&entry.revocation_date),
                reason,
                invalidity_date,
            });
        }
        Ok(crl)
    }

    /// The DER this CRL was parsed from.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    pub(crate) fn shared_der(&self) -> &Arc<[u8]> {
        &self.der
    }

    /// The issuer, RFC 4514.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `thisUpdate`.
    pub fn this_update(&self) -> jiff::Timestamp {
        self.this_update
    }

    /// `nextUpdate`, when present.
    pub fn next_update(&self) -> Option<jiff::Timestamp> {
        self.next_update
    }

    /// The cRLNumber, big-endian without leading zeros, when present.
    pub fn crl_number(&self) -> Option<&[u8]> {
        self.number.as_deref()
    }

    /// The base CRL number of a delta CRL (deltaCRLIndicator), when this is one.
    pub fn delta_base(&self) -> Option<&[u8]> {
        self.delta_base.as_deref()
    }

    /// The authorityKeyIdentifier's keyIdentifier, when present.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.aki.as_deref()
    }

    /// The issuingDistributionPoint extension, when present.
    pub fn issuing_distribution_point(&self) -> Option<&IssuingDistributionPoint> {
        self.idp.as_ref()
    }

    /// The freshestCRL extension's distribution points (where delta CRLs are
    /// published; empty when absent).
    pub fn freshest_crl(&self) -> &[DistributionPoint] {
        &self.freshest
    }

    /// The revoked certificates.
    pub fn revoked(&self) -> &[RevokedEntry] {
        &self.revoked
    }

    /// Critical CRL or entry extensions this crate does not process (dotted OIDs).
    pub fn unknown_critical_extensions(&self) -> &[String] {
        &self.unknown_critical
    }

    /// The to-be-signed part (tbsCertList) as received.
    pub(crate) fn tbs_der(&self) -> &[u8] {
        self.der.get(self.tbs.clone()).unwrap_or_default()
    }

    /// Verifies the CRL's signature with the issuer certificate's key (every call
    /// verifies; a [`VerificationCache`](crate::VerificationCache) given to path
    /// validation remembers successes).
    pub fn verify_signed_by(&self, issuer: &Certificate) -> Result<(), Error> {
        self.verify_signature(issuer.spki_der())
    }

    pub(crate) fn verify_signature(&self, issuer_spki_der: &[u8]) -> Result<(), Error> {
        if self.algorithm_mismatch {
            return Err(Error::UnsupportedAlgorithm(format!(
                "CRL signatureAlgorithm {} differs from the signed tbsCertList.signature",
                self.signature_algorithm
            )));
        }
        crate::verify_signed_data(
            issuer_spki_der,
            &self.signature_algorithm,
            self.tbs_der(),
            &self.signature,
        )
    }

    /// The entry for `cert` when listed (`removeFromCRL` entries are not revocations).
    pub fn entry_for(&self, cert: &Certificate) -> Option<&RevokedEntry> {
        let serial = cert.serial_hex();
        self.revoked
            .iter()
            .find(|e| e.serial_hex == serial && e.reason != Some(CrlReason::RemoveFromCRL))
    }

    /// Whether this CRL may give `cert`'s status, and for which reasons (RFC 5280
    /// §6.3.3 (b) and (d)): the CRL's own soundness (no malformed or unknown critical
    /// extension), a direct CRL of the certificate's issuer, a complete CRL (delta CRLs
    /// are refused), the issuingDistributionPoint's scope (distribution point names,
    /// onlyContains* flags) and its onlySomeReasons against the certificate's
    /// distribution points. The signature and the issuer's key are checked by
    /// [`check_issuer`](Self::check_issuer) and [`verify_signed_by`](Self::verify_signed_by).
    ///
    /// `Ok` holds the reasons the CRL covers for this certificate: all of them unless
    /// onlySomeReasons or the certificate's distribution points restrict them.
    pub fn scope_for(&self, cert: &Certificate) -> Result<ReasonFlags, CrlRefusal> {
        if let Some(e) = self.malformed.first() {
            return Err(CrlRefusal::Malformed(e.clone()));
        }
        if !self.unknown_critical.is_empty() {
            return Err(CrlRefusal::UnknownCritical(self.unknown_critical.clone()));
        }
        if self.issuer_der != cert.issuer_der {
            return Err(CrlRefusal::OtherIssuer {
                crl_issuer: self.issuer.clone(),
                cert_issuer: cert.issuer(),
            });
        }
        if self.idp.as_ref().is_some_and(|i| i.indirect_crl) {
            return Err(CrlRefusal::Indirect("issuingDistributionPoint indirectCRL"));
        }
        if self.entry_certificate_issuer {
            return Err(CrlRefusal::Indirect("an entry names a certificateIssuer"));
        }
        if let Some(base) = &self.delta_base {
            return Err(CrlRefusal::Delta {
                base: hex::encode(base),
            });
        }
        let Some(idp) = &self.idp else {
            return Ok(all_reasons());
        };
        if idp.only_contains_attribute_certs {
            return Err(CrlRefusal::OnlyAttributeCerts);
        }
        if idp.only_contains_user_certs && cert.is_ca() {
            return Err(CrlRefusal::OnlyUserCerts);
        }
        if idp.only_contains_ca_certs && !cert.is_ca() {
            return Err(CrlRefusal::OnlyCaCerts);
        }
        let only_some = idp.only_some_reasons.unwrap_or_else(all_reasons);
        let points = cert_distribution_points(cert);
        let mut covered = ReasonFlags::default();
        match &idp.distribution_point {
            None => {
                for point in &points {
                    covered |= point.reasons;
                }
            }
            Some(name) => {
                let idp_names = dp_names(name, &self.issuer_name);
                for point in &points {
                    if point.names.iter().any(|n| idp_names.contains(n)) {
                        covered |= point.reasons;
                    }
                }
                if covered.is_empty() {
                    return Err(CrlRefusal::DistributionPoint {
                        idp: describe_names(&idp_names),
                        cert: points
                            .iter()
                            .map(|p| describe_names(&p.names))
                            .collect::<Vec<_>>()
                            .join("; "),
                    });
                }
            }
        }
        Ok(covered & only_some)
    }

    /// The issuer-side checks of RFC 5280 §6.3.3 (f) for a direct CRL: the issuer
    /// certificate may sign CRLs (keyUsage cRLSign when keyUsage is present) and, when
    /// both are present, the CRL's authorityKeyIdentifier is the issuer's
    /// subjectKeyIdentifier.
    pub fn check_issuer(&self, issuer: &Certificate) -> Result<(), CrlRefusal> {
        if issuer.key_usage.is_some() && !issuer.key_usage_names().contains(&"cRLSign") {
            return Err(CrlRefusal::NoCrlSign {
                issuer: issuer.subject(),
            });
        }
        if let (Some(aki), Some(ski)) = (&self.aki, &issuer.ski)
            && aki != ski
        {
            return Err(CrlRefusal::KeyIdentifier {
                crl: hex::encode(aki),
                issuer: hex::encode(ski),
            });
        }
        Ok(())
    }
}

/// One of a certificate's distribution points, as §6.3.3 compares it: its names
/// (GeneralName DER) and the reasons it serves.
struct Point {
    names: Vec<Vec<u8>>,
    reasons: ReasonFlags,
}

/// The certificate's cRLDistributionPoints, plus the implicit point every direct CRL
/// may serve (§6.3.3, last paragraph: named by the certificate's issuer, all reasons).
/// Points with a cRLIssuer are for indirect CRLs, which are not processed.
fn cert_distribution_points(cert: &Certificate) -> Vec<Point> {
    let issuer = cert.x509().tbs_certificate().issuer();
    let mut points: Vec<Point> = cert
        .crl_dps
        .iter()
        .filter(|dp| dp.crl_issuer.is_none())
        .map(|dp| Point {
            names: match &dp.distribution_point {
                Some(name) => dp_names(name, issuer),
                // Neither a name nor a cRLIssuer: the CRL issuer (the certificate's).
                None => directory_name(issuer).into_iter().collect(),
            },
            reasons: dp.reasons.unwrap_or_else(all_reasons),
        })
        .collect();
    points.push(Point {
        names: directory_name(issuer).into_iter().collect(),
        reasons: all_reasons(),
    });
    points
}

/// The GeneralNames (DER) a distribution point name stands for: its fullName, or the
/// name relative to the CRL issuer appended to `crl_issuer` as a directoryName.
fn dp_names(name: &DistributionPointName, crl_issuer: &Name) -> Vec<Vec<u8>> {
    match name {
        DistributionPointName::FullName(names) => {
            names.iter().filter_map(|n| n.to_der().ok()).collect()
        }
        DistributionPointName::NameRelativeToCRLIssuer(rdn) => {
            compose(crl_issuer, rdn).into_iter().collect()
        }
    }
}

fn compose(issuer: &Name, rdn: &RelativeDistinguishedName) -> Option<Vec<u8>> {
    let mut seq: RdnSequence = issuer.clone().into();
    seq.push(rdn.clone());
    let name = Name::from_der(&seq.to_der().ok()?).ok()?;
    directory_name(&name)
}

fn directory_name(name: &Name) -> Option<Vec<u8>> {
    GeneralName::DirectoryName(name.clone()).to_der().ok()
}

fn describe_names(names: &[Vec<u8>]) -> String {
    names
        .iter()
        .map(|der| match GeneralName::from_der(der) {
            Ok(GeneralName::DirectoryName(n)) => format!("DirName:{}", name_text(&n)),
            Ok(GeneralName::UniformResourceIdentifier(u)) => format!("URI:{}", u.as_str()),
            Ok(other) => format!("{other:?}"),
            Err(_) => hex::encode(der),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
