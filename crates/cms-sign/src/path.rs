//! The certificate-path step: which anchors the verifier trusts, and the call into
//! path validation.

use jiff::Timestamp;

use crate::verify::Status;

/// What the path check validates against.
#[derive(Clone, Debug, Default)]
pub(crate) enum Trust {
    /// No anchor configured: the path check ends Indeterminate (fail closed).
    #[default]
    Unconfigured,
    /// The caller validates the path elsewhere.
    Skip,
    /// Validate with `hpki-cert` against these anchors.
    Store(std::sync::Arc<hpki_cert::TrustStore>),
}

/// What the certificate is used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// A signer's certificate.
    Signature,
    /// A TSA's certificate.
    TimeStamping,
}

/// Validates `leaf` at `at` with the message's certificates as intermediates.
pub(crate) fn check(
    trust: &Trust,
    leaf: &[u8],
    certs: &[&[u8]],
    at: Timestamp,
    purpose: Purpose,
) -> (Status, String) {
    match trust {
        Trust::Store(store) => {
            let extra: Vec<Vec<u8>> = certs
                .iter()
                .filter(|c| **c != leaf)
                .map(|c| c.to_vec())
                .collect();
            let opts = hpki_cert::PathOptions::at(at).with_purpose(match purpose {
                Purpose::Signature => hpki_cert::Purpose::AnySignature,
                Purpose::TimeStamping => hpki_cert::Purpose::TimeStamping,
            });
            let report = hpki_cert::validate_path(leaf, &extra, store, &opts);
            let detail = report
                .first_failure()
                .map(|c| format!("{}: {} ({})", c.name, c.detail, c.subject))
                .unwrap_or_else(|| format!("at {at}, {} certificate(s)", report.chain.len()));
            let status = match report.verdict {
                hpki_cert::Verdict::Valid => Status::Passed,
                hpki_cert::Verdict::Invalid => Status::Failed,
                hpki_cert::Verdict::Indeterminate => Status::Indeterminate,
            };
            (status, detail)
        }
        Trust::Unconfigured => (
            Status::Indeterminate,
            "no trust anchor configured (VerifyOptions::trust)".into(),
        ),
        Trust::Skip => (Status::Skipped, "path not checked (skip_path)".into()),
    }
}
