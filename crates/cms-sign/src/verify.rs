//! Verifying CAdES signatures: the ordered checks of docs/spec/signatures.md §2 and a report.

use jiff::Timestamp;
use serde::Serialize;

use crate::{
    Error, attributes,
    cert::{self, CertRef},
    message::{SignedDataRef, SignerId, SignerInfoRef},
    oid, path, rsa_verify, timestamp,
    tlv::{self, Reader, tag},
};

/// The outcome of a signature, or of the whole message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// Every check passed.
    Valid,
    /// A check failed: the signature is wrong (tampered content, wrong key, …).
    Invalid,
    /// Nothing failed, but something could not be decided (no trust anchor, an
    /// unknown CA, revocation unknown): not a valid signature either.
    Indeterminate,
}

/// A verification step, in the order they run (docs/spec/signatures.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
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
    /// The signer certificate's validity period covers the signing or time-stamp time.
    CertificateValidity,
    /// The certificate path to a configured trust anchor.
    CertificatePath,
    /// The signature time-stamp token(s).
    TimeStamp,
    /// Counter-signatures on this signer.
    CounterSignature,
}

/// How one check ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The check passed.
    Passed,
    /// The check failed.
    Failed,
    /// The check could not decide.
    Indeterminate,
    /// The caller asked for the check to be left out.
    Skipped,
}

/// One check's result with a human-readable reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    /// Which check.
    pub check: Check,
    /// How it ended.
    pub status: Status,
    /// Why (empty when it passed without remark).
    pub detail: String,
}

/// The CAdES baseline level a signature reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Level {
    /// B-B: the basic signature.
    #[serde(rename = "B-B")]
    BB,
    /// B-T: with a verified signature time-stamp.
    #[serde(rename = "B-T")]
    BT,
}

/// The result for one SignerInfo.
#[derive(Clone, Debug, Serialize)]
pub struct SignerReport {
    /// Position of the SignerInfo in the message.
    pub index: usize,
    /// The signer's verdict.
    pub verdict: Verdict,
    /// The checks run, in order; checking stops at the first failure.
    pub checks: Vec<CheckResult>,
    /// The signer certificate's subject commonName, when it was found.
    pub signer: Option<String>,
    /// The signer certificate's issuer commonName.
    pub issuer: Option<String>,
    /// The signing-time attribute (the signer's own claim).
    pub signing_time: Option<Timestamp>,
    /// The genTime of the verified signature time-stamp.
    pub time_stamp_time: Option<Timestamp>,
    /// The level reached (B-T only when the time-stamp verified).
    pub level: Level,
    /// Remarks that do not change the verdict.
    pub warnings: Vec<String>,
    /// Counter-signatures on this signer, verified the same way.
    pub counter_signatures: Vec<SignerReport>,
}

impl SignerReport {
    /// A report for signer `index` before any check ran: INVALID until the checks pass.
    pub(crate) fn unchecked(index: usize) -> Self {
        Self {
            index,
            verdict: Verdict::Invalid,
            checks: Vec::new(),
            signer: None,
            issuer: None,
            signing_time: None,
            time_stamp_time: None,
            level: Level::BB,
            warnings: Vec::new(),
            counter_signatures: Vec::new(),
        }
    }

    /// The first check that did not pass.
    pub fn first_failure(&self) -> Option<&CheckResult> {
        self.checks
            .iter()
            .find(|c| matches!(c.status, Status::Failed | Status::Indeterminate))
    }

    fn push(&mut self, check: Check, status: Status, detail: impl Into<String>) -> bool {
        self.checks.push(CheckResult {
            check,
            status,
            detail: detail.into(),
        });
        status == Status::Passed || status == Status::Skipped
    }

    fn fail(&mut self, check: Check, detail: impl Into<String>) {
        self.push(check, Status::Failed, detail);
    }

    fn finish(&mut self) {
        self.verdict = if self.checks.iter().any(|c| c.status == Status::Failed) {
            Verdict::Invalid
        } else if self
            .checks
            .iter()
            .any(|c| c.status == Status::Indeterminate)
        {
            Verdict::Indeterminate
        } else {
            Verdict::Valid
        };
    }
}

/// The result of verifying a CMS message.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Valid only when there is at least one signer and every signer is valid.
    pub verdict: Verdict,
    /// Why the message could not be read at all, when it could not.
    pub error: Option<String>,
    /// Whether the content was detached.
    pub detached: bool,
    /// eContentType, dotted.
    pub content_type: Option<String>,
    /// One report per SignerInfo.
    pub signers: Vec<SignerReport>,
}

impl Report {
    /// `Ok` when the verdict is [`Verdict::Valid`], else [`Error::Verify`] naming the
    /// first check that did not pass.
    pub fn into_result(self) -> Result<Self, Error> {
        if self.verdict == Verdict::Valid {
            return Ok(self);
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
        Err(Error::Verify(reason))
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

/// What the verifier trusts and which checks it runs.
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    pub(crate) trust: path::Trust,
    pub(crate) at: Option<Timestamp>,
    pub(crate) require_time_stamp: bool,
}

impl VerifyOptions {
    /// Checks everything, with no trust anchor configured yet: path checks end
    /// Indeterminate until [`trust`](Self::trust) is called.
    pub fn new() -> Self {
        Self::default()
    }

    /// Validates certificate paths (the signer's at the signing or time-stamp time,
    /// the TSA's at genTime) against these anchors with `hpki-cert`. Anchors come
    /// only from the caller, never from the message.
    pub fn trust(mut self, store: hpki_cert::TrustStore) -> Self {
        self.trust = path::Trust::Store(std::sync::Arc::new(store));
        self
    }

    /// Leaves the certificate path out (the caller validates it elsewhere). The
    /// report records the check as skipped.
    pub fn skip_path(mut self) -> Self {
        self.trust = path::Trust::Skip;
        self
    }

    /// The time to validate at when the signature has no time-stamp, instead of its
    /// signing-time attribute.
    pub fn at(mut self, at: Timestamp) -> Self {
        self.at = Some(at);
        self
    }

    /// Requires a valid signature time-stamp (B-T); without one the signer is invalid.
    pub fn require_time_stamp(mut self, require: bool) -> Self {
        self.require_time_stamp = require;
        self
    }
}

/// Verifies a DER CMS SignedData. `detached_content` is the content for a detached
/// signature (and must be `None` when the message carries it).
///
/// Never panics and never returns early with an error: an unreadable message gives an
/// INVALID report whose `error` says why.
pub fn verify(cms: &[u8], detached_content: Option<&[u8]>, options: &VerifyOptions) -> Report {
    let mut report = Report {
        verdict: Verdict::Invalid,
        error: None,
        detached: false,
        content_type: None,
        signers: Vec::new(),
    };
    let sd = match SignedDataRef::parse(cms) {
        Ok(sd) => sd,
        Err(e) => {
            report.error = Some(e.to_string());
            return report;
        }
    };
    report.detached = sd.econtent.is_none();
    report.content_type = tlv::oid_string(sd.econtent_type).ok();
    let content = match (sd.econtent, detached_content) {
        (Some(c), None) => c,
        (None, Some(c)) => c,
        (Some(_), Some(_)) => {
            report.error = Some("content passed for a message that carries its own content".into());
            return report;
        }
        (None, None) => {
            report.error = Some("detached signature: the content is needed".into());
            return report;
        }
    };
    let certs: Vec<&[u8]> = sd.certificate_ders().collect();
    for (index, si) in sd.signer_infos.iter().enumerate() {
        let mut sr = verify_signer(&sd, si, &certs, Signed::Content(content), options, index);
        sr.finish();
        report.signers.push(sr);
    }
    report.verdict = if report.signers.is_empty() {
        report.error = Some("the message has no SignerInfo".into());
        Verdict::Invalid
    } else if report.signers.iter().any(|s| s.verdict == Verdict::Invalid) {
        Verdict::Invalid
    } else if report.signers.iter().all(|s| s.verdict == Verdict::Valid) {
        Verdict::Valid
    } else {
        Verdict::Indeterminate
    };
    report
}

/// What the signer's message-digest covers.
#[derive(Clone, Copy)]
enum Signed<'a> {
    /// The (e)content of the SignedData.
    Content(&'a [u8]),
    /// The signature value of the counter-signed SignerInfo.
    CounterOf(&'a [u8]),
}

/// The checks every SignerInfo goes through, a time-stamp token's included:
/// Structure → MessageDigest → ContentType → Signature → SigningCertificate. Returns
/// the certificate that verified, or `None` after recording the failure.
pub(crate) fn core_checks<'a>(
    report: &mut SignerReport,
    si: &SignerInfoRef<'_>,
    certs: &[&'a [u8]],
    signed_content: &[u8],
    econtent_type: Option<&[u8]>,
) -> Option<CertRef<'a>> {
    // Structure.
    let digest = match oid::parse_digest_algorithm(si.digest_algorithm.raw).and_then(|d| {
        oid::check_rsa_signature_algorithm(si.signature_algorithm.raw, d)?;
        Ok(d)
    }) {
        Ok(d) => d,
        Err(e) => {
            report.fail(Check::Structure, e.to_string());
            return None;
        }
    };
    let Some(attrs) = si.signed_attrs_for_hashing() else {
        report.fail(
            Check::Structure,
            "no signed attributes (CAdES requires them)",
        );
        return None;
    };
    let cert = match find_certificate(si, certs) {
        Ok(c) => c,
        Err(e) => {
            report.fail(Check::Structure, e);
            return None;
        }
    };
    report.signer = cert.subject_cn();
    report.issuer = issuer_cn(&cert);
    report.push(Check::Structure, Status::Passed, "");

    // MessageDigest: hash the content, compare (never skipped, detached or not).
    let md = si.signed_attr(oid::MESSAGE_DIGEST);
    let md_value = match md.as_slice() {
        [a] => match a.values.as_slice() {
            [v] if v.tag == tag::OCTET_STRING => Some(v.value),
            _ => None,
        },
        _ => None,
    };
    let Some(md_value) = md_value else {
        report.fail(
            Check::MessageDigest,
            "message-digest attribute missing, repeated or malformed",
        );
        return None;
    };
    let computed = digest.hash(signed_content);
    if !bool::from(subtle::ConstantTimeEq::ct_eq(computed.as_slice(), md_value)) {
        report.fail(
            Check::MessageDigest,
            "the content does not match the message-digest attribute (wrong or altered content)",
        );
        return None;
    }
    report.push(Check::MessageDigest, Status::Passed, "");

    // ContentType.
    let ct = si.signed_attr(oid::CONTENT_TYPE);
    match econtent_type {
        Some(expected) => {
            let ok = match ct.as_slice() {
                [a] => {
                    matches!(a.values.as_slice(), [v] if v.tag == tag::OID && v.value == expected)
                }
                _ => false,
            };
            if !ok {
                report.fail(
                    Check::ContentType,
                    "content-type attribute missing, repeated or not equal to eContentType",
                );
                return None;
            }
            report.push(Check::ContentType, Status::Passed, "");
        }
        None => {
            if !ct.is_empty() {
                report.fail(
                    Check::ContentType,
                    "a counter-signature must not carry content-type (RFC 5652 §11.1)",
                );
                return None;
            }
        }
    }

    // Signature over the signed attributes as received.
    if let Err(e) = rsa_verify::verify(cert.spki, digest, &attrs, si.signature) {
        report.fail(Check::Signature, e);
        return None;
    }
    report.push(Check::Signature, Status::Passed, "");

    // SigningCertificate.
    let v2 = si.signed_attr(oid::SIGNING_CERTIFICATE_V2);
    let v1 = si.signed_attr(oid::SIGNING_CERTIFICATE);
    let (attr, is_v2) = match (v2.as_slice(), v1.as_slice()) {
        ([a], _) => (a, true),
        ([], [a]) => (a, false),
        _ => {
            report.fail(
                Check::SigningCertificate,
                "signing-certificate-v2 attribute missing or repeated",
            );
            return None;
        }
    };
    let id = match attr.values.as_slice() {
        [v] => attributes::parse_ess_cert_id(*v, is_v2),
        _ => Err(Error::malformed("signing-certificate attribute")),
    };
    match id {
        Ok(id) if id.matches(&cert) => {
            let note = if is_v2 {
                ""
            } else {
                "signing-certificate v1 (SHA-1)"
            };
            report.push(Check::SigningCertificate, Status::Passed, note);
        }
        Ok(_) => {
            report.fail(
                Check::SigningCertificate,
                "signing-certificate-v2 names another certificate than the one that verified",
            );
            return None;
        }
        Err(e) => {
            report.fail(Check::SigningCertificate, e.to_string());
            return None;
        }
    }
    Some(cert)
}

fn verify_signer(
    sd: &SignedDataRef<'_>,
    si: &SignerInfoRef<'_>,
    certs: &[&[u8]],
    signed: Signed<'_>,
    options: &VerifyOptions,
    index: usize,
) -> SignerReport {
    let mut report = SignerReport::unchecked(index);
    let (content, econtent_type) = match signed {
        Signed::Content(c) => (c, Some(sd.econtent_type)),
        Signed::CounterOf(sig) => (sig, None),
    };
    let Some(cert) = core_checks(&mut report, si, certs, content, econtent_type) else {
        return report;
    };

    report.signing_time = match signing_time(si) {
        Ok(t) => t,
        Err(e) => {
            report.fail(Check::Structure, e.to_string());
            return report;
        }
    };

    // Time-stamp: run before the path so the path uses its time.
    let tokens = si
        .unsigned
        .iter()
        .filter(|a| a.oid == oid::SIGNATURE_TIME_STAMP)
        .flat_map(|a| a.values.iter())
        .collect::<Vec<_>>();
    let mut ts_check: Option<CheckResult> = None;
    for token in &tokens {
        match timestamp::verify_token(token.raw, si.signature, &options.trust) {
            Ok(info) => {
                if info.path.0 == Status::Indeterminate && ts_check.is_none() {
                    ts_check = Some(CheckResult {
                        check: Check::TimeStamp,
                        status: Status::Indeterminate,
                        detail: format!("TSA certificate path: {}", info.path.1),
                    });
                }
                if report.time_stamp_time.is_none() {
                    report.time_stamp_time = Some(info.time);
                    report.level = Level::BT;
                }
                if let Some(st) = report.signing_time
                    && st > info.time
                {
                    report.warnings.push(format!(
                        "signing-time {st} is after the time-stamp {}",
                        info.time
                    ));
                }
            }
            Err(e) => {
                ts_check = Some(CheckResult {
                    check: Check::TimeStamp,
                    status: Status::Failed,
                    detail: e.to_string(),
                });
                break;
            }
        }
    }

    // The time the certificate must be valid at.
    let at = report
        .time_stamp_time
        .or(options.at)
        .or(report.signing_time)
        .unwrap_or_else(Timestamp::now);
    if report.time_stamp_time.is_none() && options.at.is_none() {
        if report.signing_time.is_some() {
            report
                .warnings
                .push("no time-stamp: validated at the signer's claimed signing-time".into());
        } else {
            report
                .warnings
                .push("no signing-time and no time-stamp: validated at the current time".into());
        }
    }
    if at < cert.not_before || at > cert.not_after {
        report.fail(
            Check::CertificateValidity,
            format!(
                "the signer certificate is valid {} .. {}, not at {at}",
                cert.not_before, cert.not_after
            ),
        );
        return report;
    }
    report.push(
        Check::CertificateValidity,
        Status::Passed,
        format!("at {at}"),
    );

    let (status, detail) = path::check(
        &options.trust,
        cert.der,
        certs,
        at,
        path::Purpose::Signature,
    );
    if !report.push(Check::CertificatePath, status, detail) && status == Status::Failed {
        return report;
    }

    match ts_check {
        Some(result) => {
            let failed = result.status == Status::Failed;
            report.checks.push(result);
            if failed {
                return report;
            }
        }
        None if report.time_stamp_time.is_some() => {
            report.push(Check::TimeStamp, Status::Passed, "");
        }
        None if options.require_time_stamp => {
            report.fail(Check::TimeStamp, "a signature time-stamp is required (B-T)");
            return report;
        }
        None => {}
    }

    // Counter-signatures.
    let counters: Vec<_> = si
        .unsigned
        .iter()
        .filter(|a| a.oid == oid::COUNTER_SIGNATURE)
        .flat_map(|a| a.values.iter())
        .collect();
    for (i, c) in counters.iter().enumerate() {
        let csr = match SignerInfoRef::parse(**c) {
            Ok(csi) => {
                let mut r =
                    verify_signer(sd, &csi, certs, Signed::CounterOf(si.signature), options, i);
                r.finish();
                r
            }
            Err(e) => {
                let mut r = SignerReport::unchecked(i);
                r.fail(Check::Structure, e.to_string());
                r
            }
        };
        report.counter_signatures.push(csr);
    }
    if !report.counter_signatures.is_empty() {
        let bad = report
            .counter_signatures
            .iter()
            .find(|c| c.verdict != Verdict::Valid)
            .map(|c| c.verdict);
        match bad {
            Some(Verdict::Invalid) => {
                report.fail(Check::CounterSignature, "a counter-signature is invalid")
            }
            Some(_) => {
                report.push(
                    Check::CounterSignature,
                    Status::Indeterminate,
                    "a counter-signature is indeterminate",
                );
            }
            None => {
                report.push(Check::CounterSignature, Status::Passed, "");
            }
        }
    }
    report
}

/// The signer's certificate among `certs`, found by its SignerIdentifier.
fn find_certificate<'a>(si: &SignerInfoRef<'_>, certs: &[&'a [u8]]) -> Result<CertRef<'a>, String> {
    for der in certs {
        let Ok(c) = CertRef::parse(der) else { continue };
        let hit = match si.sid {
            SignerId::IssuerSerial { issuer, serial } => {
                issuer.raw == c.issuer.raw && serial.raw == c.serial.raw
            }
            SignerId::SubjectKeyId(ski) => c.subject_key_id() == Some(ski),
        };
        if hit {
            return Ok(c);
        }
    }
    Err("the signer certificate is not in the message (medsign does not fetch it)".into())
}

fn issuer_cn(cert: &CertRef<'_>) -> Option<String> {
    // The issuer Name has the subject's shape; read it the same way.
    let mut as_subject = cert.clone();
    as_subject.subject = cert.issuer;
    as_subject.subject_cn()
}

/// The signing-time attribute, if present (exactly one value).
fn signing_time(si: &SignerInfoRef<'_>) -> Result<Option<Timestamp>, Error> {
    match si.signed_attr(oid::SIGNING_TIME).as_slice() {
        [] => Ok(None),
        [a] => match a.values.as_slice() {
            [v] => {
                let mut r = Reader::new(v.raw);
                cert::read_time(&mut r, "signing-time").map(Some)
            }
            _ => Err(Error::malformed("signing-time attribute")),
        },
        _ => Err(Error::malformed("signing-time attribute (repeated)")),
    }
}
