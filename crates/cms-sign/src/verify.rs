//! Verifying CAdES signatures: the ordered checks, the time model (validation time,
//! proof of existence from a signature time-stamp) and the validation policy.

use std::{cell::RefCell, collections::HashMap, sync::Arc};

use hpki_cert::{CrlSource, Indication, RevocationPolicy, SubIndication};
use jiff::Timestamp;

use crate::{
    Error, Limits, PathResult, attributes,
    cert::{self, CertRef},
    message::{self, SignedDataRef, SignerInfoRef},
    oid,
    path::{self, PathInputs, ValidationCrls},
    pool::{CertPool, SignedBytes},
    report::{Check, PathValidation, Report, SignerReport},
    rsa_verify,
    tlv::{self, Reader, Tlv, tag},
};

mod time_stamps;

/// What the verifier trusts, which checks it runs, and the validation policy.
///
/// The validation time is [`at`](Self::at), else the time of the call; the
/// signing-time attribute is the signer's claim and never used as that time. A
/// signature time-stamp whose token verifies and whose TSA's path is VALID at the
/// validation time is a proof of existence: the signer's path is then validated at
/// the token's genTime (a certificate that expired since is still accepted).
///
/// Revocation status comes, in this order, from the CRLs in the message's SignedData
/// `crls`, the CRLs given with [`crl`](Self::crl), and the [`crl_source`](Self::crl_source);
/// without status the path is INDETERMINATE/TRY_LATER unless the policy waives it.
///
/// The message is held to [`Limits`] (size, depth, signers, certificates, CRLs,
/// attributes, counter-signatures, report size): [`Limits::default`] unless
/// [`limits`](Self::limits) says otherwise.
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    pub(crate) trust: path::Trust,
    pub(crate) at: Option<Timestamp>,
    pub(crate) require_time_stamp: bool,
    pub(crate) revocation: path::Revocation,
    pub(crate) cache: Option<hpki_cert::VerificationCache>,
    pub(crate) limits: Limits,
}

impl VerifyOptions {
    /// Checks everything, with no trust anchor configured yet: paths end INDETERMINATE
    /// until [`trust`](Self::trust) is called. Revocation status is required.
    pub fn new() -> Self {
        Self::default()
    }

    /// Validates certificate paths (signers', TSAs') against these anchors with
    /// `hpki-cert`. Anchors come only from the caller, never from the message.
    pub fn trust(mut self, store: hpki_cert::TrustStore) -> Self {
        self.trust = path::Trust::Store(Arc::new(store));
        self
    }

    /// Leaves certificate paths out: the caller validates them elsewhere. The path
    /// check is reported as not run, and the report's `path_validation` says
    /// `skipped`: a VALID indication then covers the signatures only.
    pub fn skip_path(mut self) -> Self {
        self.trust = path::Trust::Skip;
        self
    }

    /// The validation time (default: the time of the call). Paths are validated at
    /// this time unless a signature time-stamp proves the signature existed earlier.
    pub fn at(mut self, at: Timestamp) -> Self {
        self.at = Some(at);
        self
    }

    /// Requires a signature time-stamp that verifies (B-T); without one the signer is
    /// INVALID/FORMAT_FAILURE.
    pub fn require_time_stamp(mut self, require: bool) -> Self {
        self.require_time_stamp = require;
        self
    }

    /// What counts as revocation status (default [`RevocationPolicy::Required`]). A
    /// waiver is named in each path's report and in [`Report::waivers`].
    pub fn revocation(mut self, policy: RevocationPolicy) -> Self {
        self.revocation.policy = policy;
        self
    }

    /// Adds a CRL (DER) to check revocation with, after the message's own. A CRL that
    /// does not decode makes every path INVALID/FORMAT_FAILURE.
    pub fn crl(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.revocation.crls.push(der.into());
        self
    }

    /// Remembers parsed certificates and CRLs and verified certificate and CRL
    /// signatures in `cache` (shared with its clones), for a batch of messages from the
    /// same CAs. Only pure results keyed by exact bytes are kept: anchors, times,
    /// policy and every indication are evaluated afresh (see
    /// `hpki_cert::VerificationCache`). Without it nothing is remembered between calls.
    pub fn with_cache(mut self, cache: hpki_cert::VerificationCache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Holds messages to `limits` instead of [`Limits::default`]. A message over a limit
    /// is refused by name before anything of it is verified.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The report [`verify`] gives a message of `len` bytes when that is over
    /// [`Limits::input_bytes`] (INVALID/FORMAT_FAILURE, [`Limit::InputBytes`]), so that a
    /// caller can refuse a file by its size before reading it; `None` when it is within.
    ///
    /// ```
    /// let options = cms_sign::VerifyOptions::new();
    /// assert!(options.report_if_too_large(1 << 20).is_none());
    /// let report = options.report_if_too_large(1 << 40).unwrap();
    /// assert_eq!(report.limit.unwrap().limit, cms_sign::Limit::InputBytes);
    /// ```
    ///
    /// [`Limit::InputBytes`]: crate::Limit::InputBytes
    pub fn report_if_too_large(&self, len: u64) -> Option<Report> {
        let found = usize::try_from(len).unwrap_or(usize::MAX);
        let limit =
            Limits::check(crate::Limit::InputBytes, found, self.limits.input_bytes).err()?;
        let mut report = new_report(self, self.at.unwrap_or_else(Timestamp::now));
        report.refuse(limit);
        Some(report)
    }

    /// Asks `source` (an online fetcher of CRL distribution points, a directory) for
    /// the CRLs of a certificate whose status the message's and the caller's CRLs do
    /// not give. Its CRLs are checked like any other.
    pub fn crl_source(mut self, source: Arc<dyn CrlSource>) -> Self {
        self.revocation.source = Some(source);
        self
    }
}

/// Verifies a DER CMS SignedData. `detached_content` is the content for a detached
/// signature (and must be `None` when the message carries it).
///
/// Never panics and never returns early with an error: an unreadable message gives an
/// INVALID report whose `error` says why, a message over one of the
/// [`limits`](VerifyOptions::limits) an INVALID/FORMAT_FAILURE report whose `limit`
/// names it.
pub fn verify(cms: &[u8], detached_content: Option<&[u8]>, options: &VerifyOptions) -> Report {
    let validation_time = options.at.unwrap_or_else(Timestamp::now);
    let mut report = new_report(options, validation_time);
    let path_validation = report.path_validation;
    let sd = match SignedDataRef::parse_within(cms, &options.limits) {
        Ok(sd) => sd,
        Err(Error::Limit(limit)) => {
            report.refuse(limit);
            return report;
        }
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
            report.indication = Indication::Indeterminate;
            report.sub_indication = Some(SubIndication::SignedDataNotFound);
            return report;
        }
    };
    let cache = options.cache.clone().unwrap_or_default();
    let mut crls = ValidationCrls::new(&cache);
    crls.read(sd.crls, "SignedData crls", &mut report.warnings);
    for (i, der) in options.revocation.crls.iter().enumerate() {
        crls.add(der, || format!("CRL #{i} given to VerifyOptions::crl"));
    }
    if path_validation == PathValidation::Skipped && !crls.bad.is_empty() {
        report.warnings.push(format!(
            "not used (paths skipped): {}",
            path::summarize(&crls.bad)
        ));
    }
    let ctx = Context {
        options,
        validation_time,
        pool: CertPool::new("certificate", sd.certificate_ders()),
        shared_crls: Arc::from(crls.good.clone()),
        crls,
        cache,
        store_intermediates: path::store_intermediates(&options.trust),
        signer_paths: RefCell::new(HashMap::new()),
        tsa_paths: RefCell::new(HashMap::new()),
    };
    let content = SignedBytes::new(content);
    for (index, si) in sd.signer_infos.iter().enumerate() {
        let sr = verify_signer(&ctx, &sd, si, Signed::Content(&content), index, 0);
        report.signers.push(sr);
    }
    report.finish();
    report
}

/// A report before anything was read.
fn new_report(options: &VerifyOptions, validation_time: Timestamp) -> Report {
    let path_validation = match options.trust {
        path::Trust::Store(_) => PathValidation::Validated,
        path::Trust::Unconfigured => PathValidation::NoTrustAnchor,
        path::Trust::Skip => PathValidation::Skipped,
    };
    Report::new(
        validation_time,
        options.revocation.policy,
        path_validation,
        &options.limits,
    )
}

/// What every signer of one message is verified with, and the work they share.
struct Context<'a> {
    options: &'a VerifyOptions,
    validation_time: Timestamp,
    /// The message's certificates, each parsed once.
    pool: CertPool<'a>,
    crls: ValidationCrls,
    /// `crls.good`, shared by every path of the message.
    shared_crls: Arc<[Vec<u8>]>,
    /// The caller's cache, or one for this message: each certificate and CRL is
    /// parsed, and each signature on them verified, once.
    cache: hpki_cert::VerificationCache,
    store_intermediates: Vec<(Vec<u8>, Vec<u8>)>,
    /// Signer paths already validated, by (certificate's index in `pool`, time): signers with one
    /// certificate validated at one time share one path validation.
    signer_paths: RefCell<HashMap<(usize, Timestamp), Option<PathResult>>>,
    /// TSA paths already validated, by what they depend on (`time_stamps::path_key`).
    tsa_paths: RefCell<HashMap<Vec<u8>, Option<PathResult>>>,
}

impl Context<'_> {
    /// The inputs of a path validated with the message's and the caller's CRLs.
    fn inputs(&self) -> PathInputs<'_> {
        PathInputs {
            trust: &self.options.trust,
            revocation: &self.options.revocation,
            crls: Arc::clone(&self.shared_crls),
            bad_crls: &self.crls.bad,
            cache: &self.cache,
            store_intermediates: &self.store_intermediates,
        }
    }
}

/// What the signer's message-digest covers.
#[derive(Clone, Copy)]
enum Signed<'s, 'a> {
    /// The (e)content of the SignedData, hashed once per algorithm for all signers.
    Content(&'s SignedBytes<'a>),
    /// The signature value of the counter-signed SignerInfo.
    CounterOf(&'a [u8]),
}

/// The checks every SignerInfo goes through, a time-stamp token's included:
/// Structure → MessageDigest → ContentType → Signature → SigningCertificate. Returns
/// the certificate that verified (its index in `pool`), or `None` after recording the
/// failure.
pub(crate) fn core_checks<'p, 'a>(
    report: &mut SignerReport,
    si: &SignerInfoRef<'_>,
    pool: &'p CertPool<'a>,
    signed: &SignedBytes<'_>,
    econtent_type: Option<&[u8]>,
) -> Option<(usize, &'p CertRef<'a>)> {
    // Structure.
    let digest = match oid::parse_digest_algorithm(si.digest_algorithm.raw).and_then(|d| {
        oid::check_rsa_signature_algorithm(si.signature_algorithm.raw, d)?;
        Ok(d)
    }) {
        Ok(d) => d,
        Err(e @ Error::Unsupported(_)) => {
            report.push(
                Check::Structure,
                Indication::Indeterminate,
                Some(SubIndication::CryptoConstraintsFailure),
                e.to_string(),
            );
            return None;
        }
        Err(e) => {
            report.fail(
                Check::Structure,
                SubIndication::FormatFailure,
                e.to_string(),
            );
            return None;
        }
    };
    let Some(attrs) = si.signed_attrs_for_hashing() else {
        report.fail(
            Check::Structure,
            SubIndication::FormatFailure,
            "no signed attributes (CAdES requires them)",
        );
        return None;
    };
    let Some((cert_index, cert)) = pool.find(&si.sid) else {
        report.push(
            Check::Structure,
            Indication::Indeterminate,
            Some(SubIndication::NoSigningCertificateFound),
            "the signer certificate is not in the message (medsign does not fetch it)",
        );
        return None;
    };
    report.signer = cert.subject_cn();
    report.issuer = issuer_cn(cert);
    report.pass(Check::Structure, "");

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
            SubIndication::FormatFailure,
            "message-digest attribute missing, repeated or malformed",
        );
        return None;
    };
    let computed = signed.digest(digest);
    if !bool::from(subtle::ConstantTimeEq::ct_eq(computed.as_slice(), md_value)) {
        report.fail(
            Check::MessageDigest,
            SubIndication::HashFailure,
            "the content does not match the message-digest attribute (wrong or altered content)",
        );
        return None;
    }
    report.pass(Check::MessageDigest, "");

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
                    SubIndication::FormatFailure,
                    "content-type attribute missing, repeated or not equal to eContentType",
                );
                return None;
            }
            report.pass(Check::ContentType, "");
        }
        None => {
            if !ct.is_empty() {
                report.fail(
                    Check::ContentType,
                    SubIndication::FormatFailure,
                    "a counter-signature must not carry content-type (RFC 5652 §11.1)",
                );
                return None;
            }
        }
    }

    // Signature over the signed attributes as received.
    if let Err(e) = rsa_verify::verify(cert.spki, digest, &attrs, si.signature) {
        report.fail(Check::Signature, SubIndication::SigCryptoFailure, e);
        return None;
    }
    report.pass(Check::Signature, "");

    // SigningCertificate.
    let v2 = si.signed_attr(oid::SIGNING_CERTIFICATE_V2);
    let v1 = si.signed_attr(oid::SIGNING_CERTIFICATE);
    let (attr, is_v2) = match (v2.as_slice(), v1.as_slice()) {
        ([a], _) => (a, true),
        ([], [a]) => (a, false),
        _ => {
            report.fail(
                Check::SigningCertificate,
                SubIndication::FormatFailure,
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
        Ok(id) if id.matches(cert) => {
            let note = if is_v2 {
                ""
            } else {
                "signing-certificate v1 (SHA-1)"
            };
            report.pass(Check::SigningCertificate, note);
        }
        Ok(_) => {
            // EN 319 102-1 §5.2.3: the certificate the attribute names is not at hand.
            report.push(
                Check::SigningCertificate,
                Indication::Indeterminate,
                Some(SubIndication::NoSigningCertificateFound),
                "signing-certificate-v2 names another certificate than the one that verified",
            );
            return None;
        }
        Err(e) => {
            report.fail(
                Check::SigningCertificate,
                SubIndication::FormatFailure,
                e.to_string(),
            );
            return None;
        }
    }
    Some((cert_index, cert))
}

/// Verifies one SignerInfo at counter-signature `depth` (0 for the message's signers).
fn verify_signer(
    ctx: &Context<'_>,
    sd: &SignedDataRef<'_>,
    si: &SignerInfoRef<'_>,
    signed: Signed<'_, '_>,
    index: usize,
    depth: usize,
) -> SignerReport {
    let mut report = SignerReport::unchecked(index);
    check_signer(ctx, sd, si, signed, &mut report, depth);
    report.finish();
    report
}

fn check_signer(
    ctx: &Context<'_>,
    sd: &SignedDataRef<'_>,
    si: &SignerInfoRef<'_>,
    signed: Signed<'_, '_>,
    report: &mut SignerReport,
    depth: usize,
) {
    let counter_signed;
    let (signed, econtent_type) = match signed {
        Signed::Content(c) => (c, Some(sd.econtent_type)),
        Signed::CounterOf(sig) => {
            counter_signed = SignedBytes::new(sig);
            (&counter_signed, None)
        }
    };
    let Some((cert_index, cert)) = core_checks(report, si, &ctx.pool, signed, econtent_type) else {
        return;
    };
    report.qualification = ctx.pool.qualification(cert_index);
    report.signing_time = match signing_time(si) {
        Ok(t) => t,
        Err(e) => {
            report.fail(
                Check::Structure,
                SubIndication::FormatFailure,
                e.to_string(),
            );
            return;
        }
    };

    // Time-stamps first: a valid one is the proof of existence the path is checked at.
    time_stamps::time_stamps(ctx, si, report);
    let poe = report.proof_of_existence;
    let path_time = poe.unwrap_or(ctx.validation_time);
    let basis = if poe.is_some() {
        "proof of existence: the signature time-stamp's genTime"
    } else {
        "the validation time"
    };
    if let Some(st) = report.signing_time {
        if st > ctx.validation_time {
            report.warnings.push(format!(
                "the claimed signing-time {st} is after the validation time"
            ));
        }
        if poe.is_none() {
            report.warnings.push(format!(
                "no proof of existence: the claimed signing-time {st} is not used, the path is validated at the validation time"
            ));
        }
    }

    // CertificateValidity at the path's time.
    if path_time < cert.not_before {
        report.fail(
            Check::CertificateValidity,
            SubIndication::NotYetValid,
            format!(
                "the signer certificate is valid {} .. {}, not yet at {path_time} ({basis})",
                cert.not_before, cert.not_after
            ),
        );
    } else if path_time > cert.not_after {
        report.push(
            Check::CertificateValidity,
            Indication::Indeterminate,
            Some(SubIndication::OutOfBoundsNoPoe),
            format!(
                "the signer certificate is valid {} .. {}: expired at {path_time} ({basis}), and no proof of existence before {}",
                cert.not_before, cert.not_after, cert.not_after
            ),
        );
    } else {
        report.pass(
            Check::CertificateValidity,
            format!("at {path_time} ({basis})"),
        );
    }

    // CertificatePath at the same time, once per (certificate, time) in the message.
    let known = ctx
        .signer_paths
        .borrow()
        .get(&(cert_index, path_time))
        .cloned();
    let path = known.unwrap_or_else(|| {
        let p = path::validate(
            &ctx.inputs(),
            cert,
            &[&ctx.pool],
            path_time,
            path::Purpose::Signature,
        );
        ctx.signer_paths
            .borrow_mut()
            .insert((cert_index, path_time), p.clone());
        p
    });
    match path {
        Some(p) => {
            report.push(
                Check::CertificatePath,
                p.indication,
                p.sub_indication,
                format!("at {path_time} ({basis}): {}", p.detail),
            );
            report.path = Some(p);
        }
        None => {
            report.not_run(
                Check::CertificatePath,
                "not validated: the caller validates paths elsewhere (VerifyOptions::skip_path)",
            );
            report.warnings.push(
                "certificate path not validated (skip_path): the indication covers the signature, not the signer's certificate".into(),
            );
        }
    }

    counter_signatures(ctx, sd, si, report, depth);
}

/// Verifies the counter-signatures of `si` (at `depth + 1`), each the same way as a
/// signer. `SignedDataRef::parse_within` has already refused a message whose
/// counter-signatures nest deeper than the limit; the check here keeps any
/// configuration from recursing deeper than [`Limits::MAX_COUNTER_SIGNATURE_DEPTH`].
fn counter_signatures(
    ctx: &Context<'_>,
    sd: &SignedDataRef<'_>,
    si: &SignerInfoRef<'_>,
    report: &mut SignerReport,
    depth: usize,
) {
    let counters: Vec<Tlv<'_>> = message::counter_signature_values(si).collect();
    if counters.is_empty() {
        return;
    }
    let max_depth = ctx.options.limits.effective_counter_signature_depth();
    if depth >= max_depth {
        report.fail(
            Check::CounterSignature,
            SubIndication::FormatFailure,
            format!("counter-signatures deeper than {max_depth} levels are not verified"),
        );
        return;
    }
    for (i, c) in counters.iter().enumerate() {
        let csr = match SignerInfoRef::parse_within(*c, ctx.options.limits.attributes) {
            Ok(csi) => verify_signer(ctx, sd, &csi, Signed::CounterOf(si.signature), i, depth + 1),
            Err(e) => {
                let mut r = SignerReport::unchecked(i);
                r.fail(
                    Check::Structure,
                    SubIndication::FormatFailure,
                    e.to_string(),
                );
                r.finish();
                r
            }
        };
        report.counter_signatures.push(csr);
    }
    let worst = report
        .counter_signatures
        .iter()
        .filter(|c| c.indication != Indication::Valid)
        .max_by_key(|c| (c.indication, std::cmp::Reverse(c.index)));
    match worst {
        Some(c) => {
            let (indication, sub) = (c.indication, c.sub_indication);
            let detail = format!("counter-signature #{} is {indication}", c.index);
            report.push(Check::CounterSignature, indication, sub, detail);
        }
        None => report.pass(Check::CounterSignature, ""),
    }
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
