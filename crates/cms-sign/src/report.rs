//! The verification report: an ETSI indication per check, per signer and for the
//! whole message, with the times and paths it was decided at.

use hpki_cert::{Indication, Qualification, RevocationPolicy, SubIndication};
use jiff::Timestamp;
use serde::{Serialize, Serializer};

use crate::{Error, LimitExceeded, Limits, PathResult, TimeStampInfo};

pub(crate) mod json;

/// The version of the report's JSON shape (its `"version"` field). It changes when a
/// field changes meaning or disappears; added fields do not change it.
pub const REPORT_VERSION: u32 = 1;

/// A verification step, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Check {
    /// The SignerInfo's structure and algorithms, and its certificate in the message.
    Structure,
    /// The content hashed and compared with the message-digest attribute.
    MessageDigest,
    /// The content-type attribute present once and equal to eContentType.
    ContentType,
    /// The signature over the signed attributes exactly as received.
    Signature,
    /// signing-certificate-v2 (or v1) names the certificate that verified.
    SigningCertificate,
    /// The signature time-stamp token(s): each token's signature and imprint, and its
    /// TSA's path at the validation time.
    TimeStamp,
    /// The signer certificate's validity period covers the time its path is validated
    /// at (the proof of existence, else the validation time).
    CertificateValidity,
    /// The signer certificate's path to a configured trust anchor, revocation included.
    CertificatePath,
    /// Counter-signatures on this signer.
    CounterSignature,
}

/// One check's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CheckResult {
    /// Which check.
    pub check: Check,
    /// How it ended; `None` when it was not run because the caller chose so
    /// ([`VerifyOptions::skip_path`](crate::VerifyOptions::skip_path)). JSON:
    /// `"VALID"`, `"INVALID"`, `"INDETERMINATE"` or `"NOT_RUN"`.
    #[serde(serialize_with = "indication_or_not_run")]
    pub indication: Option<Indication>,
    /// Why, when it is neither VALID nor not run.
    pub sub_indication: Option<SubIndication>,
    /// What was found, in words (may be empty when it passed).
    #[serde(serialize_with = "json::string")]
    pub detail: String,
}

impl CheckResult {
    /// Whether the check ran and passed.
    pub fn passed(&self) -> bool {
        self.indication == Some(Indication::Valid)
    }
}

fn indication_or_not_run<S: Serializer>(
    indication: &Option<Indication>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match indication {
        Some(i) => i.serialize(s),
        None => s.serialize_str("NOT_RUN"),
    }
}

/// The CAdES baseline level a signature reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub enum Level {
    /// B-B: the basic signature.
    #[serde(rename = "B-B")]
    BB,
    /// B-T: with a signature time-stamp whose token verified.
    #[serde(rename = "B-T")]
    BT,
}

/// One signature time-stamp token of a signer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TimeStampReport {
    /// The token's position among the signer's signature-time-stamp values.
    pub index: usize,
    /// VALID when the token verified and its TSA's path is VALID at the validation
    /// time (or paths are skipped).
    pub indication: Indication,
    /// Why, when it is not VALID.
    pub sub_indication: Option<SubIndication>,
    /// What was found, in words.
    #[serde(serialize_with = "json::string")]
    pub detail: String,
    /// What the token says, when it verified.
    pub token: Option<TimeStampInfo>,
    /// The TSA certificate's path, validated at the validation time (`None` when the
    /// token did not verify or paths are skipped).
    pub path: Option<PathResult>,
    /// Whether this token is the proof of existence the signer's path was validated at.
    pub proof_of_existence: bool,
}

/// The result for one SignerInfo (or counter-signature).
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct SignerReport {
    /// Position of the SignerInfo in the message (or of the counter-signature on its
    /// signer).
    pub index: usize,
    /// The signer's main indication: the worst of its checks that ran.
    pub indication: Indication,
    /// Why, when it is not VALID: the sub-indication of the first check with the worst
    /// indication.
    pub sub_indication: Option<SubIndication>,
    /// The checks run, in order. The core checks (structure to signing certificate)
    /// stop at the first that does not pass; the time checks and the path all run.
    #[serde(serialize_with = "json::list")]
    pub checks: Vec<CheckResult>,
    /// The signer certificate's subject commonName, when it was found.
    #[serde(serialize_with = "json::opt_string")]
    pub signer: Option<String>,
    /// The signer certificate's issuer commonName.
    #[serde(serialize_with = "json::opt_string")]
    pub issuer: Option<String>,
    /// The qualification named by the signer certificate's hcRole (HPKI).
    pub qualification: Option<Qualification>,
    /// The signing-time attribute: the signer's own claim, never the validation time.
    pub signing_time: Option<Timestamp>,
    /// The genTime of the first signature time-stamp whose token verified.
    pub time_stamp_time: Option<Timestamp>,
    /// The proof of existence of the signature: the earliest genTime of a VALID
    /// signature time-stamp. The signer's path is validated at this time when present.
    pub proof_of_existence: Option<Timestamp>,
    /// The signer certificate's path (`None` when paths are skipped or the checks
    /// stopped before it).
    pub path: Option<PathResult>,
    /// Each signature time-stamp token.
    #[serde(serialize_with = "json::list")]
    pub time_stamps: Vec<TimeStampReport>,
    /// The level reached (B-T only when a time-stamp token verified).
    pub level: Level,
    /// Remarks that do not change the indication.
    #[serde(serialize_with = "json::strings")]
    pub warnings: Vec<String>,
    /// Counter-signatures on this signer, verified the same way.
    #[serde(serialize_with = "json::list")]
    pub counter_signatures: Vec<SignerReport>,
}

impl SignerReport {
    /// A report for signer `index` before any check ran: INVALID until the checks pass.
    pub(crate) fn unchecked(index: usize) -> Self {
        Self {
            index,
            indication: Indication::Invalid,
            sub_indication: Some(SubIndication::FormatFailure),
            checks: Vec::new(),
            signer: None,
            issuer: None,
            qualification: None,
            signing_time: None,
            time_stamp_time: None,
            proof_of_existence: None,
            path: None,
            time_stamps: Vec::new(),
            level: Level::BB,
            warnings: Vec::new(),
            counter_signatures: Vec::new(),
        }
    }

    /// The first check that ran and did not pass.
    pub fn first_failure(&self) -> Option<&CheckResult> {
        self.checks
            .iter()
            .find(|c| c.indication.is_some_and(|i| i != Indication::Valid))
    }

    /// The check named `check`, when it ran or was recorded as not run.
    pub fn check(&self, check: Check) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.check == check)
    }

    /// Records a check; returns whether it passed.
    pub(crate) fn push(
        &mut self,
        check: Check,
        indication: Indication,
        sub_indication: Option<SubIndication>,
        detail: impl Into<String>,
    ) -> bool {
        let sub_indication = match indication {
            Indication::Valid => None,
            _ => sub_indication.or(Some(SubIndication::Generic)),
        };
        self.checks.push(CheckResult {
            check,
            indication: Some(indication),
            sub_indication,
            detail: detail.into(),
        });
        indication == Indication::Valid
    }

    /// Records a passed check.
    pub(crate) fn pass(&mut self, check: Check, detail: impl Into<String>) {
        self.push(check, Indication::Valid, None, detail);
    }

    /// Records a failed check: INVALID with `sub`.
    pub(crate) fn fail(&mut self, check: Check, sub: SubIndication, detail: impl Into<String>) {
        self.push(check, Indication::Invalid, Some(sub), detail);
    }

    /// Records a check the caller chose not to run.
    pub(crate) fn not_run(&mut self, check: Check, detail: impl Into<String>) {
        self.checks.push(CheckResult {
            check,
            indication: None,
            sub_indication: None,
            detail: detail.into(),
        });
    }

    /// Sets the signer's indication from its checks: the worst one that ran. A check
    /// that did not run never makes a signer VALID, except the certificate path the
    /// caller chose to skip (the report says so).
    pub(crate) fn finish(&mut self) {
        let mut worst = if self.checks.is_empty() {
            (Indication::Invalid, Some(SubIndication::FormatFailure))
        } else {
            (Indication::Valid, None)
        };
        for c in &self.checks {
            let (indication, sub) = match c.indication {
                Some(i) => (i, c.sub_indication),
                None if c.check == Check::CertificatePath => continue,
                None => (Indication::Indeterminate, Some(SubIndication::Generic)),
            };
            if indication > worst.0 {
                worst = (indication, sub);
            }
        }
        (self.indication, self.sub_indication) = worst;
    }
}

/// Whether and how certificate paths were validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PathValidation {
    /// Against the caller's trust anchors.
    Validated,
    /// No trust anchor was configured: every path is INDETERMINATE.
    NoTrustAnchor,
    /// The caller chose to validate paths elsewhere
    /// ([`VerifyOptions::skip_path`](crate::VerifyOptions::skip_path)): a VALID
    /// indication covers the signatures, not the signers' certificates.
    Skipped,
}

/// The result of verifying a CMS message.
///
/// Serializes to the JSON shape documented in the crate README (`"version": 1`);
/// [`to_json`](Self::to_json) keeps it within the report limits.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// [`REPORT_VERSION`].
    pub version: u32,
    /// VALID only when there is at least one signer and every signer is VALID.
    pub indication: Indication,
    /// Why, when it is not VALID: the first worst signer's sub-indication.
    pub sub_indication: Option<SubIndication>,
    /// Why the message could not be read at all, when it could not.
    #[serde(serialize_with = "json::opt_string")]
    pub error: Option<String>,
    /// The limit the message is over, when it is: nothing of it was verified, and the
    /// report is INVALID/FORMAT_FAILURE.
    pub limit: Option<LimitExceeded>,
    /// The validation time: [`VerifyOptions::at`](crate::VerifyOptions::at), else the
    /// time of the call.
    pub validation_time: Timestamp,
    /// The revocation policy the paths were validated under.
    pub revocation_policy: RevocationPolicy,
    /// Whether and how certificate paths were validated.
    pub path_validation: PathValidation,
    /// Every waiver of every path (signer `#i`, time-stamp, counter-signature), so
    /// that none goes unseen.
    #[serde(serialize_with = "json::strings")]
    pub waivers: Vec<String>,
    /// Whether the content was detached.
    pub detached: bool,
    /// eContentType, dotted.
    #[serde(serialize_with = "json::opt_string")]
    pub content_type: Option<String>,
    /// One report per SignerInfo.
    #[serde(serialize_with = "json::list")]
    pub signers: Vec<SignerReport>,
    /// Remarks on the message as a whole (validation data not processed).
    #[serde(serialize_with = "json::strings")]
    pub warnings: Vec<String>,
    /// [`Limits::report_list_entries`] and [`Limits::report_bytes`], for `to_json`.
    #[serde(skip)]
    json_bounds: (usize, usize),
    /// JSON `"truncated"`: whether `to_json` cut anything (always the last field, so
    /// that it is known when it is written).
    #[serde(rename = "truncated", serialize_with = "json::truncated")]
    json_truncated: (),
}

impl Report {
    /// An INVALID report before anything was read.
    pub(crate) fn new(
        validation_time: Timestamp,
        revocation_policy: RevocationPolicy,
        path_validation: PathValidation,
        limits: &Limits,
    ) -> Self {
        Self {
            version: REPORT_VERSION,
            indication: Indication::Invalid,
            sub_indication: Some(SubIndication::FormatFailure),
            error: None,
            limit: None,
            validation_time,
            revocation_policy,
            path_validation,
            waivers: Vec::new(),
            detached: false,
            content_type: None,
            signers: Vec::new(),
            warnings: Vec::new(),
            json_bounds: (limits.report_list_entries, limits.report_bytes),
            json_truncated: (),
        }
    }

    /// A message over a limit: INVALID/FORMAT_FAILURE, nothing verified.
    pub(crate) fn refuse(&mut self, limit: LimitExceeded) {
        self.indication = Indication::Invalid;
        self.sub_indication = Some(SubIndication::FormatFailure);
        self.error = Some(limit.to_string());
        self.limit = Some(limit);
    }

    /// The message-level result from the signers', and the waivers collected.
    pub(crate) fn finish(&mut self) {
        if self.signers.is_empty() {
            self.indication = Indication::Invalid;
            self.sub_indication = Some(SubIndication::FormatFailure);
            if self.error.is_none() {
                self.error = Some("the message has no SignerInfo".into());
            }
            return;
        }
        let mut worst = (Indication::Valid, None);
        for s in &self.signers {
            if s.indication > worst.0 {
                worst = (s.indication, s.sub_indication);
            }
        }
        (self.indication, self.sub_indication) = worst;
        let mut waivers = Vec::new();
        for s in &self.signers {
            collect_waivers(s, &format!("signer #{}", s.index), &mut waivers);
        }
        self.waivers = waivers;
    }

    /// `Ok` when the indication is VALID; [`Error::Limit`] when the message is over a
    /// limit; else [`Error::Verify`] with the indication, the sub-indication and the
    /// first check that did not pass.
    pub fn into_result(self) -> Result<Self, Error> {
        if self.indication == Indication::Valid {
            return Ok(self);
        }
        if let Some(limit) = self.limit {
            return Err(Error::Limit(limit));
        }
        let reason = self
            .error
            .clone()
            .or_else(|| {
                self.signers.iter().find_map(|s| {
                    s.first_failure()
                        .map(|c| format!("signer #{}: {:?}: {}", s.index, c.check, c.detail))
                })
            })
            .unwrap_or_else(|| "no signer".into());
        Err(Error::Verify {
            indication: self.indication,
            sub_indication: self.sub_indication,
            reason,
        })
    }

    /// The report as pretty JSON, within the report limits of the
    /// [`Limits`] it was verified with: a list longer than
    /// [`Limits::report_list_entries`] keeps its first entries and ends with
    /// `{"more": N}` (objects) or `"… N more"` (strings); a string longer than 4096
    /// bytes ends with `… [N more bytes]`; when the whole is still over
    /// [`Limits::report_bytes`], lists (then strings) are cut shorter until it fits, and
    /// when nothing fits only the version, indication, sub-indication, error and limit
    /// are written. `"truncated": true` says that something was cut.
    pub fn to_json(&self) -> String {
        let (list, bytes) = self.json_bounds;
        json::bounded(self, list, bytes, || self.minimal_json())
    }

    /// The fields that always fit.
    fn minimal_json(&self) -> String {
        #[derive(Serialize)]
        struct Minimal<'a> {
            version: u32,
            indication: Indication,
            sub_indication: Option<SubIndication>,
            error: Option<&'a str>,
            limit: Option<LimitExceeded>,
            truncated: bool,
        }
        let error = self.error.as_deref().map(|e| {
            let mut end = e.len().min(256);
            while !e.is_char_boundary(end) {
                end -= 1;
            }
            e.get(..end).unwrap_or_default()
        });
        serde_json::to_string_pretty(&Minimal {
            version: self.version,
            indication: self.indication,
            sub_indication: self.sub_indication,
            error,
            limit: self.limit,
            truncated: true,
        })
        .unwrap_or_default()
    }
}

fn collect_waivers(s: &SignerReport, who: &str, out: &mut Vec<String>) {
    if let Some(p) = &s.path {
        out.extend(p.waivers.iter().map(|w| format!("{who}: {w}")));
    }
    for t in &s.time_stamps {
        if let Some(p) = &t.path {
            out.extend(
                p.waivers
                    .iter()
                    .map(|w| format!("{who} time-stamp #{}: {w}", t.index)),
            );
        }
    }
    for c in &s.counter_signatures {
        collect_waivers(c, &format!("{who} counter-signature #{}", c.index), out);
    }
}
