//! Certificate revocation lists (RFC 5280 §5): parsing and the lookup path validation
//! does.

use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use x509_cert::ext::pkix::CrlReason;

use crate::cert::name_text;
use crate::{Certificate, Error, cert};

const OID_CRL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.20");
const OID_CRL_REASON: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.21");
const OID_AKI: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");

/// One revoked certificate listed in a CRL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokedEntry {
    /// The serial number, lowercase hex (as [`Certificate::serial_hex`]).
    pub serial_hex: String,
    /// `revocationDate`.
    pub date: jiff::Timestamp,
    /// The `reasonCode` entry extension, when present.
    pub reason: Option<CrlReason>,
}

/// A parsed CRL.
///
/// ```text
/// CertificateList ::= SEQUENCE { tbsCertList TBSCertList,
///     signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
/// ```
#[derive(Clone, Debug)]
pub struct Crl {
    pub(crate) tbs_der: Vec<u8>,
    pub(crate) issuer_der: Vec<u8>,
    issuer: String,
    signature_algorithm: String,
    signature: Vec<u8>,
    this_update: jiff::Timestamp,
    next_update: Option<jiff::Timestamp>,
    revoked: Vec<RevokedEntry>,
    unknown_critical: Vec<String>,
    algorithm_mismatch: bool,
    /// Issuer keys this CRL's signature already verified with.
    verified_by: crate::memo::VerifiedKeys,
}

impl Crl {
    /// Parses a DER CRL.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        let list =
            x509_cert::crl::CertificateList::<x509_cert::certificate::Rfc5280>::from_der(der)
                .map_err(Error::der("CRL"))?;
        let tbs_der = cert::signed_part(der).map_err(Error::der("CRL"))?;
        let tbs = &list.tbs_cert_list;
        let mut unknown_critical = Vec::new();
        // RFC 5280 §5.1.1.2: the outer algorithm must be the signed one.
        let algorithm_mismatch = list.signature_algorithm != tbs.signature;
        for ext in tbs.crl_extensions.iter().flatten() {
            if ext.critical && ![OID_CRL_NUMBER, OID_AKI].contains(&ext.extn_id) {
                unknown_critical.push(ext.extn_id.to_string());
            }
        }
        let mut revoked = Vec::new();
        for entry in tbs.revoked_certificates.iter().flatten() {
            let mut reason = None;
            for ext in entry.crl_entry_extensions.iter().flatten() {
                if ext.extn_id == OID_CRL_REASON {
                    reason = Some(
                        CrlReason::from_der(ext.extn_value.as_bytes())
                            .map_err(Error::der("CRL reasonCode"))?,
                    );
                } else if ext.critical {
                    unknown_critical.push(format!("entry extension {}", ext.extn_id));
                }
            }
            revoked.push(RevokedEntry {
                serial_hex: hex::encode(entry.serial_number.as_bytes()),
                date: cert::timestamp(&entry.revocation_date),
                reason,
            });
        }
        Ok(Self {
            tbs_der,
            issuer_der: tbs.issuer.to_der().map_err(Error::der("CRL issuer"))?,
            issuer: name_text(&tbs.issuer),
            signature_algorithm: list.signature_algorithm.oid.to_string(),
            signature: list
                .signature
                .as_bytes()
                .ok_or(Error::BadSignature)?
                .to_vec(),
            this_update: cert::timestamp(&tbs.this_update),
            next_update: tbs.next_update.as_ref().map(cert::timestamp),
            revoked,
            unknown_critical,
            algorithm_mismatch,
            verified_by: crate::memo::VerifiedKeys::default(),
        })
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

    /// The revoked certificates.
    pub fn revoked(&self) -> &[RevokedEntry] {
        &self.revoked
    }

    /// Verifies the CRL's signature with the issuer certificate's key.
    pub fn verify_signed_by(&self, issuer: &Certificate) -> Result<(), Error> {
        self.verified_by
            .check(issuer.spki_der(), || self.verify_signature(issuer))
    }

    fn verify_signature(&self, issuer: &Certificate) -> Result<(), Error> {
        if self.algorithm_mismatch {
            return Err(Error::UnsupportedAlgorithm(format!(
                "CRL signatureAlgorithm {} differs from the signed tbsCertList.signature",
                self.signature_algorithm
            )));
        }
        crate::verify_signed_data(
            issuer.spki_der(),
            &self.signature_algorithm,
            &self.tbs_der,
            &self.signature,
        )
    }

    /// Critical CRL or entry extensions this crate does not process.
    pub(crate) fn unknown_critical(&self) -> &[String] {
        &self.unknown_critical
    }

    /// The entry for `cert` when listed (`removeFromCRL` entries are not revocations).
    pub fn entry_for(&self, cert: &Certificate) -> Option<&RevokedEntry> {
        let serial = cert.serial_hex();
        self.revoked
            .iter()
            .find(|e| e.serial_hex == serial && e.reason != Some(CrlReason::RemoveFromCRL))
    }
}
