//! The verification report: a status per document, per signature and per check.

use std::ops::Range;

/// A three-valued verdict (ETSI EN 319 102-1), plus `Absent` for a check that had
/// nothing to check (for example no archive time-stamp on a level-XL signature).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// Checked and passed.
    Valid,
    /// Nothing to check.
    Absent,
    /// Information needed for the check is missing or unusable.
    Indeterminate,
    /// Checked and failed.
    Invalid,
}

impl Status {
    /// The upper-case name used in JSON (`VALID`, `INVALID`, `INDETERMINATE`, `ABSENT`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "VALID",
            Self::Absent => "ABSENT",
            Self::Indeterminate => "INDETERMINATE",
            Self::Invalid => "INVALID",
        }
    }
}

impl core::fmt::Display for Status {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of one check, with the reason when it is not `Valid`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    /// The verdict.
    pub status: Status,
    /// Why the check is not `Valid` (empty when it is).
    pub reason: String,
}

impl CheckResult {
    /// A passed check.
    pub fn valid() -> Self {
        Self {
            status: Status::Valid,
            reason: String::new(),
        }
    }
    /// A check with nothing to check.
    pub fn absent(reason: impl Into<String>) -> Self {
        Self {
            status: Status::Absent,
            reason: reason.into(),
        }
    }
    /// A failed check.
    pub fn invalid(reason: impl Into<String>) -> Self {
        Self {
            status: Status::Invalid,
            reason: reason.into(),
        }
    }
    /// A check that could not be decided.
    pub fn indeterminate(reason: impl Into<String>) -> Self {
        Self {
            status: Status::Indeterminate,
            reason: reason.into(),
        }
    }
    /// A check not run because an earlier check failed.
    pub(crate) fn skipped(after: &str) -> Self {
        Self::indeterminate(format!("not checked: {after} failed"))
    }
}

/// The checks of `signatures.md` §1, in the order they run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checks {
    /// The signature's elements, algorithms and references are the prescribed ones.
    pub structure: CheckResult,
    /// The KeyInfo certificate parses and matches `SigningCertificate(V2)`.
    pub signing_certificate: CheckResult,
    /// Every Reference resolves to exactly one element and its digest matches.
    pub references: CheckResult,
    /// The SignatureValue verifies over the canonical SignedInfo.
    pub signature_value: CheckResult,
    /// The SignatureTimeStamp's imprint, token signature and TSA certificate.
    pub signature_timestamp: CheckResult,
    /// The ArchiveTimeStamps.
    pub archive_timestamps: CheckResult,
    /// The signer certificate's path to a configured anchor, its profile and hcRole.
    pub certificate_path: CheckResult,
}

impl Checks {
    /// The checks with their JSON names, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &CheckResult)> {
        [
            ("structure", &self.structure),
            ("signing_certificate", &self.signing_certificate),
            ("references", &self.references),
            ("signature_value", &self.signature_value),
            ("signature_timestamp", &self.signature_timestamp),
            ("archive_timestamps", &self.archive_timestamps),
            ("certificate_path", &self.certificate_path),
        ]
        .into_iter()
    }

    /// The worst status among the checks (`Absent` counts as `Valid`).
    pub fn status(&self) -> Status {
        self.iter()
            .map(|(_, c)| c.status)
            .filter(|s| *s != Status::Absent)
            .max()
            .unwrap_or(Status::Valid)
    }
}

/// Which signature of the e-prescription scheme a `ds:Signature` is, from its position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// `Document/Prescription/PrescriptionSign`: the prescriber's signature.
    Prescription,
    /// The prescriber's signature inside a dispensing record's `ReferencePrescription`.
    DispensingPrescription,
    /// `Document/DispensingSign`: the pharmacist's signature.
    Dispensing,
    /// Any other position: never accepted.
    Unknown,
}

impl Role {
    /// The JSON name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Prescription => "prescription",
            Self::DispensingPrescription => "dispensing_prescription",
            Self::Dispensing => "dispensing",
            Self::Unknown => "unknown",
        }
    }
}

/// The XAdES level a signature reached (which unsigned properties it carries).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// Basic electronic signature: no unsigned properties.
    Bes,
    /// With a signature time-stamp.
    T,
    /// With certificate and revocation values.
    Xl,
    /// With archive time-stamps.
    A,
}

impl Level {
    /// The JSON name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Bes => "BES",
            Self::T => "T",
            Self::Xl => "XL",
            Self::A => "A",
        }
    }
}

/// Which kind of e-prescription document this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocumentType {
    /// A prescription, `EPS1.0`.
    Prescription,
    /// A dispensing record, `EPD1.0`.
    Dispensing,
    /// Neither.
    Unknown,
}

impl DocumentType {
    /// The JSON name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Prescription => "prescription",
            Self::Dispensing => "dispensing",
            Self::Unknown => "unknown",
        }
    }
}

/// The signer, as named by the certificate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Signer {
    /// The subject common name (romanised for HPKI).
    pub name: Option<String>,
    /// The qualification from the hcRole extension, e.g. `MedicalDoctor`.
    pub qualification: Option<String>,
    /// The issuer (RFC 4514).
    pub issuer: Option<String>,
}

/// One signature's report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureReport {
    /// The signature's `Id`.
    pub id: Option<String>,
    /// Its role, from its position.
    pub role: Role,
    /// Its level.
    pub level: Level,
    /// The worst of its checks.
    pub status: Status,
    /// The signer.
    pub signer: Signer,
    /// `SigningTime` as written (claimed by the signer).
    pub signing_time: Option<String>,
    /// The signature time-stamp's time, when the token verified.
    pub timestamp_time: Option<jiff::Timestamp>,
    /// The checks.
    pub checks: Checks,
}

/// The element a signature's first Reference covers, as verified.
///
/// This is the node that was digested, not a second lookup by name: read the
/// prescription from here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedContent {
    /// The role of the signature that covers it.
    pub role: Role,
    /// The element's local name (`PrescriptionDocument` or `Dispensing`).
    pub element: String,
    /// Byte range of the element in the input.
    pub range: Range<usize>,
    /// The element's text content (comments excluded, as digested).
    pub text: String,
}

/// The report for one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerificationReport {
    /// INVALID if any signature is INVALID, a required signature is missing or an
    /// unexpected one present, or the input is unreadable; INDETERMINATE if any
    /// signature is; otherwise VALID.
    pub status: Status,
    /// What kind of document it is.
    pub document_type: DocumentType,
    /// Document-level problems (unreadable input, unexpected or missing signatures).
    pub errors: Vec<String>,
    /// One report per `ds:Signature` found, in document order.
    pub signatures: Vec<SignatureReport>,
    /// The signed content of each verified signature.
    pub content: Vec<SignedContent>,
}

impl VerificationReport {
    pub(crate) fn input_error(reason: String) -> Self {
        Self {
            status: Status::Invalid,
            document_type: DocumentType::Unknown,
            errors: vec![reason],
            signatures: Vec::new(),
            content: Vec::new(),
        }
    }

    /// The prescription CSV: the base64-decoded text of the verified
    /// `PrescriptionDocument` (only when the document's status is VALID).
    pub fn prescription_csv(&self) -> Option<String> {
        self.decoded_content(&[Role::Prescription, Role::DispensingPrescription])
    }

    fn decoded_content(&self, roles: &[Role]) -> Option<String> {
        use base64::Engine as _;
        if self.status != Status::Valid {
            return None;
        }
        let c = self
            .content
            .iter()
            .find(|c| roles.contains(&c.role) && c.element == "PrescriptionDocument")?;
        let compact: String = c.text.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(compact)
            .ok()?;
        String::from_utf8(bytes).ok()
    }

    /// The report as one JSON object (the shape `verify_prescription` prints), with
    /// `file` set to `file`.
    pub fn to_json(&self, file: &str) -> serde_json::Value {
        use serde_json::json;
        let signatures: Vec<serde_json::Value> = self
            .signatures
            .iter()
            .map(|s| {
                let checks: serde_json::Map<String, serde_json::Value> = s
                    .checks
                    .iter()
                    .map(|(k, c)| (k.to_owned(), json!(c.status.as_str())))
                    .collect();
                let reasons: serde_json::Map<String, serde_json::Value> = s
                    .checks
                    .iter()
                    .filter(|(_, c)| c.status != Status::Valid)
                    .map(|(k, c)| (k.to_owned(), json!(c.reason)))
                    .collect();
                json!({
                    "id": s.id,
                    "role": s.role.as_str(),
                    "level": s.level.as_str(),
                    "status": s.status.as_str(),
                    "signer": {
                        "name": s.signer.name,
                        "qualification": s.signer.qualification,
                        "issuer": s.signer.issuer,
                    },
                    "signing_time": s.signing_time,
                    "timestamp_time": s.timestamp_time.map(|t| t.to_string()),
                    "checks": checks,
                    "reasons": reasons,
                })
            })
            .collect();
        json!({
            "file": file,
            "status": self.status.as_str(),
            "document_type": self.document_type.as_str(),
            "errors": self.errors,
            "signatures": signatures,
        })
    }
}
