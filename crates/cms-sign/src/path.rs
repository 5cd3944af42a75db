//! The certificate-path step: which anchors the verifier trusts, where revocation
//! status comes from, and the call into `hpki-cert`'s path validation.

use std::sync::Arc;

use hpki_cert::{CrlSource, Indication, RevocationPolicy, SubIndication};
use jiff::Timestamp;
use serde::Serialize;

use crate::tlv::{Reader, Tlv, tag};

/// What the path check validates against.
#[derive(Clone, Debug, Default)]
pub(crate) enum Trust {
    /// No anchor configured: the path check ends INDETERMINATE (fail closed).
    #[default]
    Unconfigured,
    /// The caller validates the path elsewhere (an explicit choice, reported).
    Skip,
    /// Validate with `hpki-cert` against these anchors.
    Store(Arc<hpki_cert::TrustStore>),
}

/// Where revocation status comes from and what the policy asks of it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Revocation {
    /// What counts as revocation status.
    pub policy: RevocationPolicy,
    /// CRLs (DER) the caller supplied.
    pub crls: Vec<Vec<u8>>,
    /// Asked for the CRLs of a certificate that the message's and the caller's lack.
    pub source: Option<Arc<dyn CrlSource>>,
}

/// What the certificate is used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// A signer's certificate.
    Signature,
    /// A TSA's certificate.
    TimeStamping,
}

/// The CRLs paths are validated with: those that decode, and the names of those that
/// do not (which fail every path: validation data is never dropped silently).
#[derive(Clone, Debug, Default)]
pub(crate) struct ValidationCrls {
    pub good: Vec<Vec<u8>>,
    pub bad: Vec<String>,
}

impl ValidationCrls {
    /// Adds the CertificateList choices of a SignedData `crls` field (RFC 5652 §10.2.1:
    /// `RevocationInfoChoices ::= SET OF CHOICE { crl CertificateList, other [1] .. }`).
    pub(crate) fn read(&mut self, field: Option<Tlv<'_>>, what: &str, warnings: &mut Vec<String>) {
        let Some(field) = field else { return };
        let mut r = Reader::new(field.value);
        let mut i = 0usize;
        while !r.is_empty() {
            match r.any("RevocationInfoChoice") {
                Ok(t) if t.tag == tag::SEQUENCE => {
                    self.add(t.raw, || format!("CRL #{i} in {what}"));
                }
                Ok(t) if t.tag == tag::CTX1 => warnings.push(format!(
                    "{what} #{i}: an other-format revocation value (OCSP?) is not processed"
                )),
                Ok(t) => self.bad.push(format!(
                    "{what} #{i}: tag 0x{:02x} is neither a CRL nor other revocation info",
                    t.tag
                )),
                Err(e) => {
                    self.bad.push(format!("{what} #{i} is not DER: {e}"));
                    return;
                }
            }
            i += 1;
        }
    }

    /// Adds one CRL, named by `name` if it does not decode.
    pub(crate) fn add(&mut self, der: &[u8], name: impl FnOnce() -> String) {
        match hpki_cert::Crl::from_der(der) {
            Ok(_) => self.good.push(der.to_vec()),
            Err(e) => self
                .bad
                .push(format!("the {} does not decode: {e}", name())),
        }
    }
}

/// Everything a path validation of one message needs besides the certificate.
pub(crate) struct PathInputs<'a> {
    pub trust: &'a Trust,
    pub revocation: &'a Revocation,
    /// The message's CRLs, then the caller's (the ones that decode).
    pub crls: Arc<[Vec<u8>]>,
    /// The CRLs that do not decode, named: every path validated with them fails.
    pub bad_crls: &'a [String],
    /// Where parses and signature verifications are remembered, when the caller
    /// passed one.
    pub cache: Option<&'a hpki_cert::VerificationCache>,
}

/// How one certificate path was validated, and what it ended with.
///
/// A summary of `hpki_cert::PathReport`: the indication, the time, the anchor, what
/// revocation checking found and what the policy waived.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PathResult {
    /// The subject (RFC 4514) of the certificate whose path this is.
    pub subject: Option<String>,
    /// The time the path was validated at: the proof of existence's time for a signer
    /// whose signature time-stamp is one, else the validation time.
    pub validated_at: Timestamp,
    /// The path's main indication.
    pub indication: Indication,
    /// Why, when it is not VALID.
    pub sub_indication: Option<SubIndication>,
    /// The check that decided the indication, in words (or a summary when VALID).
    pub detail: String,
    /// The subject of the configured trust anchor the path ended at.
    pub anchor: Option<String>,
    /// The subjects of the path, leaf first.
    pub chain: Vec<String>,
    /// The revocation check of each certificate below the anchor, in words.
    pub revocation: Vec<String>,
    /// What the revocation policy waived (empty under the default policy).
    pub waivers: Vec<String>,
    /// Remarks that do not change the indication.
    pub warnings: Vec<String>,
}

/// Validates `leaf` at `at` with the message's certificates as intermediates; `None`
/// when the caller chose to skip paths.
pub(crate) fn validate(
    inputs: &PathInputs<'_>,
    leaf: &[u8],
    certs: &[&[u8]],
    at: Timestamp,
    purpose: Purpose,
) -> Option<PathResult> {
    let store = match inputs.trust {
        Trust::Skip => return None,
        Trust::Unconfigured => {
            return Some(PathResult {
                subject: None,
                validated_at: at,
                indication: Indication::Indeterminate,
                sub_indication: Some(SubIndication::NoCertificateChainFound),
                detail: "no trust anchor configured (VerifyOptions::trust)".into(),
                anchor: None,
                chain: Vec::new(),
                revocation: Vec::new(),
                waivers: Vec::new(),
                warnings: Vec::new(),
            });
        }
        Trust::Store(store) => store,
    };
    let extra: Vec<Vec<u8>> = certs
        .iter()
        .filter(|c| **c != leaf)
        .map(|c| c.to_vec())
        .collect();
    let mut opts = hpki_cert::PathOptions::at(at)
        .with_purpose(match purpose {
            Purpose::Signature => hpki_cert::Purpose::AnySignature,
            Purpose::TimeStamping => hpki_cert::Purpose::TimeStamping,
        })
        .with_crls(Arc::clone(&inputs.crls))
        .with_revocation_policy(inputs.revocation.policy);
    if let Some(source) = &inputs.revocation.source {
        opts = opts.with_crl_source(Arc::clone(source));
    }
    if let Some(cache) = inputs.cache {
        opts = opts.with_cache(cache.clone());
    }
    let report = hpki_cert::validate_path(leaf, &extra, store, &opts);
    let deciding = report
        .checks
        .iter()
        .find(|c| c.verdict == report.verdict && c.verdict != Indication::Valid);
    let detail = match deciding {
        Some(c) => format!("{}: {} ({})", c.name, c.detail, c.subject),
        None => format!(
            "{} certificate(s) to {}",
            report.chain.len(),
            report.anchor.as_deref().unwrap_or("?")
        ),
    };
    let mut result = PathResult {
        subject: report.leaf.as_ref().map(|l| l.subject.clone()),
        validated_at: at,
        indication: report.verdict,
        sub_indication: report.sub_indication,
        detail,
        anchor: report.anchor.clone(),
        chain: report
            .check("validity")
            .map(|c| c.subject.clone())
            .collect(),
        revocation: report
            .check("revocation")
            .map(|c| format!("{}: {}", c.subject, c.detail))
            .collect(),
        waivers: report.waivers.clone(),
        warnings: report.warnings.clone(),
    };
    if !inputs.bad_crls.is_empty() {
        // Validation data that does not decode is never dropped silently: the CRL
        // that could not be read might have listed this very certificate.
        result.indication = Indication::Invalid;
        result.sub_indication = Some(SubIndication::FormatFailure);
        result.detail = format!("revocation: {}", inputs.bad_crls.join("; "));
    }
    Some(result)
}
