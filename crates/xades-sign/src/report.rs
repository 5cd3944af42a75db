//! The verification report: an ETSI indication per document and per signature, a
//! status per check, each with its sub-indication and reason.

use std::ops::Range;

use hpki_cert::{Indication, Qualification, SubIndication};

/// The version of the JSON shape [`VerificationReport::to_json`] writes (the
/// `"version"` member); raised when a member changes meaning or is removed.
pub const REPORT_JSON_VERSION: u32 = 2;

/// The outcome of one check: an ETSI EN 319 102-1 main indication
/// ([`Indication`]: `Valid`, `Indeterminate`, `Invalid`), or `Absent` for a check that
/// had nothing to check (for example no archive time-stamp on a level-XL signature).
/// Signatures and documents are reported with [`Indication`] itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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

impl Status {
    /// The main indication of this check (`None` for `Absent`).
    pub const fn indication(self) -> Option<Indication> {
        match self {
            Self::Valid => Some(Indication::Valid),
            Self::Absent => None,
            Self::Indeterminate => Some(Indication::Indeterminate),
            Self::Invalid => Some(Indication::Invalid),
        }
    }
}

impl From<Indication> for Status {
    fn from(i: Indication) -> Self {
        match i {
            Indication::Valid => Self::Valid,
            Indication::Indeterminate => Self::Indeterminate,
            Indication::Invalid => Self::Invalid,
        }
    }
}

impl core::fmt::Display for Status {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of one check, with the sub-indication and reason when it is not `Valid`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct CheckResult {
    /// The verdict.
    pub status: Status,
    /// Why, in ETSI's terms, when the status is `Invalid` or `Indeterminate`.
    pub sub_indication: Option<SubIndication>,
    /// Why, in words (empty when the check passed without remark; for a passed check
    /// it may say what was established, e.g. the time a path was validated at).
    pub reason: String,
}

impl CheckResult {
    /// A passed check.
    pub fn valid() -> Self {
        Self {
            status: Status::Valid,
            sub_indication: None,
            reason: String::new(),
        }
    }
    /// A passed check, saying what was established.
    pub fn valid_with(detail: impl Into<String>) -> Self {
        Self {
            reason: detail.into(),
            ..Self::valid()
        }
    }
    /// A check with nothing to check.
    pub fn absent(reason: impl Into<String>) -> Self {
        Self {
            status: Status::Absent,
            sub_indication: None,
            reason: reason.into(),
        }
    }
    /// A failed check.
    pub fn invalid(sub: SubIndication, reason: impl Into<String>) -> Self {
        Self {
            status: Status::Invalid,
            sub_indication: Some(sub),
            reason: reason.into(),
        }
    }
    /// A check that could not be decided.
    pub fn indeterminate(sub: SubIndication, reason: impl Into<String>) -> Self {
        Self {
            status: Status::Indeterminate,
            sub_indication: Some(sub),
            reason: reason.into(),
        }
    }
    /// A check with the given indication.
    pub fn with(indication: Indication, sub: Option<SubIndication>, reason: String) -> Self {
        match indication {
            Indication::Valid => Self::valid_with(reason),
            _ => Self {
                status: indication.into(),
                sub_indication: sub.or(Some(SubIndication::Generic)),
                reason,
            },
        }
    }
    /// A check not run because an earlier check failed.
    pub(crate) fn skipped(after: &str) -> Self {
        Self::indeterminate(
            SubIndication::Generic,
            format!("not checked: {after} failed"),
        )
    }
    /// Whether the check passed or had nothing to check.
    pub fn is_ok(&self) -> bool {
        matches!(self.status, Status::Valid | Status::Absent)
    }
}

/// The checks of `docs/spec/signatures.md` §1, in the order they run.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Checks {
    /// The signature's elements, algorithms and references are the prescribed ones
    /// (the e-prescription profile). A signature outside the profile still gets every
    /// other check.
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
    /// The validation data the signature carries (CertificateValues,
    /// RevocationValues, TimeStampValidationData) decodes, and the properties that
    /// define its level are all present.
    pub validation_data: CheckResult,
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
            ("validation_data", &self.validation_data),
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

    /// The signature's indication: the worst check's, with the sub-indication of the
    /// first check (in order) that has it.
    pub fn indication(&self) -> (Indication, Option<SubIndication>) {
        let worst = self.status().indication().unwrap_or(Indication::Valid);
        let sub = self
            .iter()
            .find(|(_, c)| c.status.indication() == Some(worst))
            .and_then(|(_, c)| c.sub_indication);
        (
            worst,
            if worst == Indication::Valid {
                None
            } else {
                sub
            },
        )
    }
}

/// Which signature of the e-prescription scheme a `ds:Signature` is, from its position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
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

/// The XAdES level a signature claims (which unsigned properties it carries; the
/// `validation_data` check says whether the level's defining properties are all there).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[non_exhaustive]
pub enum Level {
    /// Basic electronic signature: no unsigned properties.
    #[serde(rename = "BES")]
    Bes,
    /// With a signature time-stamp.
    #[serde(rename = "T")]
    T,
    /// With certificate and revocation values.
    #[serde(rename = "XL")]
    Xl,
    /// With archive time-stamps.
    #[serde(rename = "A")]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
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
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Signer {
    /// The subject common name (romanised for HPKI).
    pub name: Option<String>,
    /// The qualification from the hcRole extension.
    pub qualification: Option<Qualification>,
    /// The issuer (RFC 4514).
    pub issuer: Option<String>,
    /// The trust anchor (subject, RFC 4514) the signer's path ended at.
    pub anchor: Option<String>,
}

/// One signature's report.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct SignatureReport {
    /// The signature's `Id`.
    pub id: Option<String>,
    /// Its role, from its position.
    pub role: Role,
    /// The level it claims.
    pub level: Level,
    /// The main indication: the worst of its checks.
    pub status: Indication,
    /// Why, when the status is not VALID.
    pub sub_indication: Option<SubIndication>,
    /// The signer.
    pub signer: Signer,
    /// `SigningTime` as written: the signer's claim, never used as a validation time.
    pub signing_time: Option<String>,
    /// The signature time-stamp's time, when the token verified.
    pub timestamp_time: Option<jiff::Timestamp>,
    /// The time the signer's certificate path was validated at: the earliest proof of
    /// existence of the signature (a valid time-stamp's time), or the validation time.
    pub path_validated_at: Option<jiff::Timestamp>,
    /// What the validation policy waived for this signature (revocation not checked
    /// for a certificate, and why); empty under the default policy.
    pub waivers: Vec<String>,
    /// The checks.
    pub checks: Checks,
}

impl SignatureReport {
    /// The report of a signature that is not verified (outside the prescribed
    /// positions, or a second one of its role): INVALID/FORMAT_FAILURE by its
    /// `structure` check with `reason`, every other check not run.
    pub(crate) fn unverified(id: Option<String>, role: Role, reason: String) -> Self {
        let skipped = || CheckResult::skipped("structure");
        Self {
            id,
            role,
            level: Level::Bes,
            status: Indication::Invalid,
            sub_indication: Some(SubIndication::FormatFailure),
            signer: Signer::default(),
            signing_time: None,
            timestamp_time: None,
            path_validated_at: None,
            waivers: Vec::new(),
            checks: Checks {
                structure: CheckResult::invalid(SubIndication::FormatFailure, reason),
                signing_certificate: skipped(),
                references: skipped(),
                signature_value: skipped(),
                signature_timestamp: skipped(),
                archive_timestamps: skipped(),
                validation_data: skipped(),
                certificate_path: skipped(),
            },
        }
    }
}

/// The element a signature's first Reference covers, as verified.
///
/// This is the node that was digested, not a second lookup by name: read the
/// prescription from here.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
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
#[non_exhaustive]
pub struct VerificationReport {
    /// INVALID if any signature is INVALID, a required signature is missing or an
    /// unexpected one present, or the input is unreadable; INDETERMINATE if any
    /// signature is; otherwise VALID.
    pub status: Indication,
    /// Why, when the status is not VALID.
    pub sub_indication: Option<SubIndication>,
    /// The validation time (now, or the time the verifier was given).
    pub validation_time: jiff::Timestamp,
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
    /// The report of an input that could not be read at all (a file error, or bytes
    /// that are not XML): INVALID/FORMAT_FAILURE with `reason` as its error.
    pub fn unreadable(reason: String, validation_time: jiff::Timestamp) -> Self {
        Self::input_error(reason, validation_time)
    }

    pub(crate) fn input_error(reason: String, validation_time: jiff::Timestamp) -> Self {
        Self {
            status: Indication::Invalid,
            sub_indication: Some(SubIndication::FormatFailure),
            validation_time,
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
        if self.status != Indication::Valid {
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

    /// The report as one JSON object, with `file` set to `file`. The shape (version
    /// [`REPORT_JSON_VERSION`], documented in the crate README):
    ///
    /// ```text
    /// { "version": 2, "file", "status": "VALID"|"INVALID"|"INDETERMINATE",
    ///   "sub_indication": null|"FORMAT_FAILURE"|…, "validation_time", "document_type",
    ///   "errors": [..], "signatures": [ { "id", "role", "level", "status",
    ///   "sub_indication", "signer": { "name", "qualification", "issuer", "anchor" },
    ///   "signing_time", "timestamp_time", "path_validated_at", "waivers": [..],
    ///   "checks": { "<name>": { "status", "sub_indication", "reason" }, … } } ] }
    /// ```
    pub fn to_json(&self, file: &str) -> serde_json::Value {
        serde_json::json!({
            "version": REPORT_JSON_VERSION,
            "file": file,
            "status": self.status,
            "sub_indication": self.sub_indication,
            "validation_time": self.validation_time.to_string(),
            "document_type": self.document_type,
            "errors": self.errors,
            "signatures": self.signatures,
        })
    }
}
