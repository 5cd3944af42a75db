//! Certification path building and validation (RFC 5280 §6, the parts HPKI and JPKI
//! use), reported check by check.

use x509_cert::ext::pkix::{CrlReason, crl::dp::ReasonFlags};

use crate::{
    CertInfo, Certificate, Crl, CrlRefusal, CrlSource, Qualification, RevocationPolicy,
    SubIndication, TrustStore, Verdict, VerificationCache, cache, cert, profile,
};

/// What the end-entity key is being used for; decides the keyUsage the leaf needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Purpose {
    /// Any signature: digitalSignature or nonRepudiation.
    #[default]
    AnySignature,
    /// A document signature (prescriptions): nonRepudiation.
    NonRepudiation,
    /// Authentication: digitalSignature.
    Authentication,
    /// An RFC 3161 time-stamp: critical extendedKeyUsage timeStamping.
    TimeStamping,
}

/// What [`validate_path`] checks against.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PathOptions {
    /// The validation time (the signing time, or a time-stamp's time).
    pub at: jiff::Timestamp,
    /// CRLs (DER) to check revocation with; CRLs for other issuers are ignored. Shared,
    /// so that the paths of one document (signer, time-stamp authorities) use one copy.
    pub crls: std::sync::Arc<[Vec<u8>]>,
    /// What the leaf's key is used for.
    pub purpose: Purpose,
    /// What counts as revocation status: by default ([`RevocationPolicy::Required`]) a
    /// certificate without a usable, fresh CRL makes the result INDETERMINATE; a
    /// waiver is named in [`PathReport::waivers`].
    pub revocation: RevocationPolicy,
    /// Where CRLs come from when [`crls`](Self::crls) has none for a certificate (an
    /// online fetcher of CRL distribution points, a directory); none by default.
    pub crl_source: Option<std::sync::Arc<dyn CrlSource>>,
    /// When set, the leaf must assert one of [`accepted_policies`](Self::accepted_policies).
    pub require_policy: bool,
    /// Certificate policies this verifier understands: exact dotted OIDs, or arcs ending
    /// in `.` (every policy under the arc). A critical certificatePolicies extension
    /// that names none of them is not understood and fails the `policy` check.
    pub accepted_policies: Vec<String>,
    /// Longest path (certificates, leaf and anchor included) that is built.
    pub max_path_len: usize,
    /// Where parsed certificates and CRLs and verified signatures are remembered
    /// across validations (none by default: nothing is remembered). Only work is
    /// saved: every check and verdict is evaluated afresh.
    pub cache: Option<VerificationCache>,
}

impl PathOptions {
    /// Defaults: no CRLs and no CRL source, any signature purpose, HPKI and JPKI
    /// policy arcs understood, no policy required, revocation status required (fail
    /// closed: without a CRL the result is INDETERMINATE).
    pub fn at(at: jiff::Timestamp) -> Self {
        Self {
            at,
            crls: std::sync::Arc::from(Vec::new()),
            purpose: Purpose::AnySignature,
            revocation: RevocationPolicy::Required,
            crl_source: None,
            require_policy: false,
            accepted_policies: vec![
                profile::HPKI_POLICY_ARC.to_owned(),
                profile::JPKI_POLICY_ARC.to_owned(),
            ],
            max_path_len: 8,
            cache: None,
        }
    }

    /// What an e-prescription verifier checks (docs/spec/signatures.md §1, check 6): purpose
    /// nonRepudiation and an HPKI signing policy required.
    pub fn hpki_signature(at: jiff::Timestamp) -> Self {
        Self {
            purpose: Purpose::NonRepudiation,
            require_policy: true,
            accepted_policies: vec![profile::HPKI_POLICY_ARC.to_owned()],
            ..Self::at(at)
        }
    }

    /// Sets the CRLs.
    pub fn with_crls(mut self, crls: impl Into<std::sync::Arc<[Vec<u8>]>>) -> Self {
        self.crls = crls.into();
        self
    }

    /// Sets the purpose.
    pub fn with_purpose(mut self, purpose: Purpose) -> Self {
        self.purpose = purpose;
        self
    }

    /// Sets whether revocation must be established (`false` is
    /// [`RevocationPolicy::Waived`]).
    pub fn with_required_revocation(mut self, required: bool) -> Self {
        self.revocation = if required {
            RevocationPolicy::Required
        } else {
            RevocationPolicy::Waived
        };
        self
    }

    /// Sets the revocation policy.
    pub fn with_revocation_policy(mut self, policy: RevocationPolicy) -> Self {
        self.revocation = policy;
        self
    }

    /// Sets the source asked for CRLs that [`crls`](Self::crls) lacks.
    pub fn with_crl_source(mut self, source: std::sync::Arc<dyn CrlSource>) -> Self {
        self.crl_source = Some(source);
        self
    }

    /// Sets the cache that parses and signature verifications are remembered in (a
    /// clone shares it: keep one for a batch of documents).
    pub fn with_cache(mut self, cache: VerificationCache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Adds an accepted policy (exact OID, or an arc ending in `.`).
    pub fn accept_policy(mut self, policy: impl Into<String>) -> Self {
        self.accepted_policies.push(policy.into());
        self
    }

    fn policy_accepted(&self, oid: &str) -> bool {
        /// `cert::OID_ANY_POLICY` as text (checked by a test), not formatted per call.
        const ANY_POLICY: &str = "2.5.29.32.0";
        oid == ANY_POLICY
            || self
                .accepted_policies
                .iter()
                .any(|p| oid == p || (p.ends_with('.') && oid.starts_with(p.as_str())))
    }
}

/// One named check on one certificate of the path.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct PathCheck {
    /// Stable identifier: `parse`, `signature`, `validity`, `name_chaining`,
    /// `basic_constraints`, `key_usage`, `critical_extensions`, `policy`, `revocation`
    /// or `anchor`.
    pub name: &'static str,
    /// The result.
    pub verdict: Verdict,
    /// Why, when the result is not VALID.
    pub sub_indication: Option<SubIndication>,
    /// Subject (RFC 4514) of the certificate checked.
    pub subject: String,
    /// What was found, in words.
    pub detail: String,
}

/// The result of [`validate_path`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PathReport {
    /// The overall verdict: INVALID if any check is, else INDETERMINATE if any check
    /// is, else VALID.
    pub verdict: Verdict,
    /// The sub-indication of the first check with the overall verdict.
    pub sub_indication: Option<SubIndication>,
    /// The subject (RFC 4514) of the configured trust anchor the path ended at.
    pub anchor: Option<String>,
    /// What the validation policy waived (a certificate whose revocation was not
    /// checked, and why): empty under the default policy.
    pub waivers: Vec<String>,
    /// Every check, leaf first, in the order performed.
    pub checks: Vec<PathCheck>,
    /// The path built, leaf first, ending at the anchor when one was reached (DER).
    pub chain: Vec<Vec<u8>>,
    /// The leaf's qualification from its hcRole.
    pub qualification: Option<Qualification>,
    /// A summary of the leaf, when it parsed.
    pub leaf: Option<CertInfo>,
    /// Things worth knowing that are not checks (an extra certificate that did not
    /// parse, a CRL for another issuer).
    pub warnings: Vec<String>,
}

impl PathReport {
    /// The first check that did not pass, in report order.
    pub fn first_failure(&self) -> Option<&PathCheck> {
        self.checks.iter().find(|c| c.verdict != Verdict::Valid)
    }

    /// The checks named `name` (one per certificate it applies to), leaf first.
    pub fn check(&self, name: &str) -> impl Iterator<Item = &PathCheck> {
        self.checks.iter().filter(move |c| c.name == name)
    }

    /// Whether the overall verdict is VALID.
    pub fn is_valid(&self) -> bool {
        self.verdict == Verdict::Valid
    }
}

/// Builds the path from `leaf_der` through `extra_certs` (the intermediates that came
/// with the signature) and the store's known intermediates to one of its anchors, and
/// validates it at `opts.at`.
///
/// ```
/// use hpki_cert::{PathOptions, TrustStore, Verdict, validate_path};
/// let at = "2024-01-01T00:00:00Z".parse()?;
/// let report = validate_path(b"junk", &[], &TrustStore::bundled(), &PathOptions::at(at));
/// assert_eq!(report.verdict, Verdict::Invalid);
/// assert_eq!(report.first_failure().map(|c| c.name), Some("parse"));
/// # Ok::<(), jiff::Error>(())
/// ```
pub fn validate_path(
    leaf_der: &[u8],
    extra_certs: &[Vec<u8>],
    store: &TrustStore,
    opts: &PathOptions,
) -> PathReport {
    let memo = opts.cache.as_ref();
    let leaf = match cache::certificate(memo, leaf_der) {
        Ok(c) => c,
        Err(e) => {
            return PathReport {
                verdict: Verdict::Invalid,
                sub_indication: Some(SubIndication::FormatFailure),
                anchor: None,
                waivers: Vec::new(),
                checks: vec![PathCheck {
                    name: "parse",
                    verdict: Verdict::Invalid,
                    sub_indication: Some(SubIndication::FormatFailure),
                    subject: String::new(),
                    detail: e.to_string(),
                }],
                chain: Vec::new(),
                qualification: None,
                leaf: None,
                warnings: Vec::new(),
            };
        }
    };
    // Validation data that does not decode fails the path (it is never silently
    // dropped: a corrupted certificate might have been the one that mattered).
    let mut unparsable = Vec::new();
    let extras: Vec<std::sync::Arc<Certificate>> = extra_certs
        .iter()
        .enumerate()
        .filter_map(|(i, der)| match cache::certificate(memo, der) {
            Ok(c) => Some(c),
            Err(e) => {
                unparsable.push(format!("supplied certificate #{i} does not parse: {e}"));
                None
            }
        })
        .collect();
    let extras: Vec<&Certificate> = extras.iter().map(|c| &**c).collect();
    let mut report = validate_parsed(&leaf, &extras, store, opts);
    if !unparsable.is_empty() {
        let subject = leaf.subject();
        report.checks.splice(
            0..0,
            unparsable.into_iter().map(|detail| PathCheck {
                name: "parse",
                verdict: Verdict::Invalid,
                sub_indication: Some(SubIndication::FormatFailure),
                subject: subject.clone(),
                detail,
            }),
        );
        report.verdict = Verdict::Invalid;
        report.sub_indication = Some(SubIndication::FormatFailure);
    }
    report
}

/// [`validate_path`] for certificates already parsed: nothing is decoded again.
pub fn validate_certificate_path(
    leaf: &Certificate,
    extras: &[Certificate],
    store: &TrustStore,
    opts: &PathOptions,
) -> PathReport {
    let extras: Vec<&Certificate> = extras.iter().collect();
    validate_parsed(leaf, &extras, store, opts)
}

fn validate_parsed(
    leaf: &Certificate,
    extras: &[&Certificate],
    store: &TrustStore,
    opts: &PathOptions,
) -> PathReport {
    let mut warnings = Vec::new();
    let mut waivers = Vec::new();
    let memo = opts.cache.as_ref();
    let built = build(leaf, extras, store, opts.max_path_len, memo);
    let chain = &built.chain;
    let mut out = Checks::default();
    let mut crls: Vec<std::sync::Arc<Crl>> = Vec::with_capacity(opts.crls.len());
    for (i, der) in opts.crls.iter().enumerate() {
        match cache::crl(memo, der) {
            Ok(c) => crls.push(c),
            // A supplied CRL that does not decode fails closed, whatever the policy.
            Err(e) => out.push_sub(
                "revocation",
                Verdict::Invalid,
                Some(SubIndication::FormatFailure),
                leaf,
                format!("supplied CRL #{i} does not parse: {e}"),
            ),
        }
    }

    for (i, c) in chain.iter().enumerate() {
        let issuer = chain.get(i + 1);
        let is_anchor = built.anchored && i + 1 == chain.len();

        // signature
        if !is_anchor {
            match (issuer, built.signatures.get(i)) {
                (Some(iss), Some(Ok(()))) => out.push(
                    "signature",
                    Verdict::Valid,
                    c,
                    format!(
                        "{} signature verifies with the key of {}",
                        c.signature_algorithm(),
                        iss.subject()
                    ),
                ),
                (Some(iss), Some(Err(e))) => out.push(
                    "signature",
                    Verdict::Invalid,
                    c,
                    format!(
                        "signature does not verify with the key of {}: {e}",
                        iss.subject()
                    ),
                ),
                _ => {}
            }
        }

        // validity
        if opts.at < c.not_before {
            out.push_sub(
                "validity",
                Verdict::Invalid,
                Some(SubIndication::NotYetValid),
                c,
                format!("not yet valid at {}: valid from {}", opts.at, c.not_before),
            );
        } else if opts.at > c.not_after {
            // EN 319 102-1 §5.2.6: past its validity the certificate may still have been
            // valid when the signature was made; only a proof of existence (a
            // time-stamp) can show that, so this is INDETERMINATE, not INVALID.
            out.push_sub(
                "validity",
                Verdict::Indeterminate,
                Some(SubIndication::OutOfBoundsNoPoe),
                c,
                format!("expired at {}: valid until {}", opts.at, c.not_after),
            );
        } else {
            out.push(
                "validity",
                Verdict::Valid,
                c,
                format!("valid {} .. {}", c.not_before, c.not_after),
            );
        }

        // name chaining
        if let Some(iss) = issuer {
            if c.issuer_der == iss.subject_der {
                out.push(
                    "name_chaining",
                    Verdict::Valid,
                    c,
                    format!("issuer is {}", iss.subject()),
                );
            } else {
                out.push(
                    "name_chaining",
                    Verdict::Invalid,
                    c,
                    format!(
                        "issuer {} is not the next subject {}",
                        c.issuer(),
                        iss.subject()
                    ),
                );
            }
        }

        // basic constraints and key usage. A trust anchor is an input of RFC 5280 §6.1,
        // not a certificate of the path: it is trusted by configuration, and its own
        // extensions are reported but not enforced (the samples' TSA root has no
        // basicConstraints at all).
        let ku = c.key_usage_names();
        if is_anchor && i > 0 {
            let ca = match &c.basic_constraints {
                Some(bc) if bc.ca => "cA=TRUE",
                Some(_) => "cA=FALSE",
                None => "no basicConstraints",
            };
            out.push(
                "basic_constraints",
                Verdict::Valid,
                c,
                format!("trust anchor ({ca}): trusted by configuration"),
            );
            out.push(
                "key_usage",
                Verdict::Valid,
                c,
                format!("trust anchor, key usage {}", describe(&ku)),
            );
        } else if i > 0 {
            let below = i - 1; // intermediates between this CA and the leaf
            match &c.basic_constraints {
                Some(bc) if bc.ca => match bc.path_len_constraint {
                    Some(n) if below > usize::from(n) => out.push(
                        "basic_constraints",
                        Verdict::Invalid,
                        c,
                        format!("pathLenConstraint {n} but {below} CA certificates follow"),
                    ),
                    _ => out.push("basic_constraints", Verdict::Valid, c, "cA=TRUE".to_owned()),
                },
                _ => out.push(
                    "basic_constraints",
                    Verdict::Invalid,
                    c,
                    "issues certificates but is not a CA (basicConstraints cA missing or FALSE)"
                        .to_owned(),
                ),
            }
            if c.key_usage.is_none() || ku.contains(&"keyCertSign") {
                out.push(
                    "key_usage",
                    Verdict::Valid,
                    c,
                    format!("CA key usage {}", describe(&ku)),
                );
            } else {
                out.push(
                    "key_usage",
                    Verdict::Invalid,
                    c,
                    format!("CA key usage {} lacks keyCertSign", describe(&ku)),
                );
            }
        } else {
            let (ok, detail) = leaf_usage(c, opts.purpose, &ku);
            out.push(
                "key_usage",
                if ok { Verdict::Valid } else { Verdict::Invalid },
                c,
                detail,
            );
        }

        // critical extensions
        if !c.malformed_extensions.is_empty() {
            out.push(
                "critical_extensions",
                Verdict::Invalid,
                c,
                format!(
                    "malformed extensions: {}",
                    c.malformed_extensions.join("; ")
                ),
            );
        } else if !c.unknown_critical.is_empty() {
            out.push(
                "critical_extensions",
                Verdict::Invalid,
                c,
                format!(
                    "critical extensions not understood: {}",
                    c.unknown_critical.join(", ")
                ),
            );
        } else {
            out.push(
                "critical_extensions",
                Verdict::Valid,
                c,
                "every critical extension is understood".to_owned(),
            );
        }

        // policy
        if !is_anchor {
            let (verdict, detail) = policy_check(c, i == 0, opts);
            out.push("policy", verdict, c, detail);
        }

        // revocation
        if let (false, Some(iss)) = (is_anchor, issuer) {
            let (verdict, sub, detail) = revocation_check(c, iss, i == 0, &crls, opts);
            if verdict == Verdict::Valid
                && opts.revocation == RevocationPolicy::Waived
                && let Some(why) = detail.strip_prefix(WAIVED)
            {
                waivers.push(format!("{}: revocation not checked ({why})", c.subject()));
            }
            out.push_sub("revocation", verdict, sub, c, detail);
        }
    }

    // anchor
    let top = chain.last().copied().unwrap_or(leaf);
    let anchor = built.anchored.then(|| top.subject());
    if built.anchored {
        out.push(
            "anchor",
            Verdict::Valid,
            top,
            "path ends at a configured trust anchor".to_owned(),
        );
    } else if top.is_self_issued() && cache::verify_certificate(memo, top, &top.spki_der).is_ok() {
        out.push(
            "anchor",
            Verdict::Indeterminate,
            top,
            SELF_SIGNED_NOT_ANCHOR.to_owned(),
        );
    } else if chain.len() >= opts.max_path_len {
        out.push(
            "anchor",
            Verdict::Indeterminate,
            top,
            format!("no trust anchor within {} certificates", opts.max_path_len),
        );
    } else {
        out.push(
            "anchor",
            Verdict::Indeterminate,
            top,
            format!(
                "no path: issuer {} is neither a trust anchor nor a known or supplied intermediate",
                top.issuer()
            ),
        );
    }

    let checks = out.0;
    let (verdict, sub_indication) = if built.anchored {
        let verdict = checks
            .iter()
            .map(|c| c.verdict)
            .max()
            .unwrap_or(Verdict::Valid);
        let sub = checks
            .iter()
            .find(|c| c.verdict == verdict)
            .and_then(|c| c.sub_indication);
        (verdict, sub)
    } else {
        // Without a trust anchor nothing in the path is trusted, so what its other
        // checks found (constraints of an untrusted CA, its CRLs) cannot decide the
        // result either way (EN 319 102-1 §5.2.6: NO_CERTIFICATE_CHAIN_FOUND). The
        // checks are still listed.
        (
            Verdict::Indeterminate,
            Some(SubIndication::NoCertificateChainFound),
        )
    };
    for crl in &crls {
        if !chain.iter().any(|c| c.issuer_der == crl.issuer_der) {
            warnings.push(format!(
                "CRL from {} concerns no certificate of the path",
                crl.issuer()
            ));
        }
    }
    PathReport {
        verdict,
        sub_indication,
        anchor,
        waivers,
        checks,
        chain: chain.iter().map(|c| c.der.to_vec()).collect(),
        qualification: leaf.hc_role().and_then(crate::HcRole::qualification),
        leaf: Some(CertInfo::from_certificate(leaf)),
        warnings,
    }
}

/// The checks of one path, in order.
#[derive(Default)]
struct Checks(Vec<PathCheck>);

impl Checks {
    fn push(&mut self, name: &'static str, verdict: Verdict, c: &Certificate, detail: String) {
        self.push_sub(name, verdict, None, c, detail);
    }

    /// A check with its own sub-indication (the default for its name otherwise).
    fn push_sub(
        &mut self,
        name: &'static str,
        verdict: Verdict,
        sub: Option<SubIndication>,
        c: &Certificate,
        detail: String,
    ) {
        let sub = if verdict == Verdict::Valid {
            None
        } else {
            sub.or(Some(default_sub_indication(name, verdict)))
        };
        self.0.push(PathCheck {
            name,
            verdict,
            sub_indication: sub,
            subject: c.subject(),
            detail,
        });
    }
}

fn describe(ku: &[&str]) -> String {
    if ku.is_empty() {
        "(none)".to_owned()
    } else {
        ku.join(",")
    }
}

fn leaf_usage(c: &Certificate, purpose: Purpose, ku: &[&str]) -> (bool, String) {
    let has = |n| ku.contains(&n);
    let absent = c.key_usage.is_none();
    match purpose {
        Purpose::NonRepudiation => (
            absent || has("nonRepudiation"),
            format!("nonRepudiation needed, keyUsage {}", describe(ku)),
        ),
        Purpose::AnySignature => (
            absent || has("nonRepudiation") || has("digitalSignature"),
            format!("a signature usage needed, keyUsage {}", describe(ku)),
        ),
        Purpose::Authentication => (
            absent || has("digitalSignature"),
            format!("digitalSignature needed, keyUsage {}", describe(ku)),
        ),
        Purpose::TimeStamping => {
            let eku_ok = c.ext_key_usage.as_ref().is_some_and(|(critical, ekus)| {
                *critical && ekus.len() == 1 && ekus.contains(&cert::OID_KP_TIME_STAMPING)
            });
            let ku_ok = absent || has("digitalSignature") || has("nonRepudiation");
            (
                eku_ok && ku_ok,
                format!(
                    "critical extendedKeyUsage timeStamping (sole) needed: {}; keyUsage {}",
                    if eku_ok { "present" } else { "missing" },
                    describe(ku)
                ),
            )
        }
    }
}

fn policy_check(c: &Certificate, is_leaf: bool, opts: &PathOptions) -> (Verdict, String) {
    let Some((critical, _)) = &c.policies else {
        return if is_leaf && opts.require_policy {
            (
                Verdict::Invalid,
                "no certificatePolicies, and an accepted policy is required".to_owned(),
            )
        } else {
            (Verdict::Valid, "no certificatePolicies".to_owned())
        };
    };
    // The same texts as `policies`, formatted once per certificate.
    let names = c.policy_texts();
    let accepted: Vec<&String> = names.iter().filter(|p| opts.policy_accepted(p)).collect();
    let crit = if *critical {
        "critical"
    } else {
        "non-critical"
    };
    if accepted.is_empty() && *critical {
        (
            Verdict::Invalid,
            format!(
                "{crit} certificatePolicies {} names no policy this verifier understands",
                names.join(",")
            ),
        )
    } else if accepted.is_empty() && is_leaf && opts.require_policy {
        (
            Verdict::Invalid,
            format!(
                "{crit} certificatePolicies {} names no accepted policy",
                names.join(",")
            ),
        )
    } else if accepted.is_empty() {
        (
            Verdict::Valid,
            format!(
                "{crit} certificatePolicies {} (none required)",
                names.join(",")
            ),
        )
    } else {
        (
            Verdict::Valid,
            format!(
                "{crit} certificatePolicies: accepted {}",
                accepted
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        )
    }
}

/// The prefix of a waived revocation check's detail.
const WAIVED: &str = "not checked (waived by the validation policy): ";

/// The revocation check of `c` (issued by `issuer`): the supplied CRLs first, then the
/// CRL source, then the policy's decision when neither settles the status.
fn revocation_check(
    c: &Certificate,
    issuer: &Certificate,
    is_leaf: bool,
    crls: &[std::sync::Arc<Crl>],
    opts: &PathOptions,
) -> (Verdict, Option<SubIndication>, String) {
    let mut problems = match status_from(c, issuer, is_leaf, crls, opts) {
        Ok(settled) => return settled,
        Err(problems) => problems,
    };
    if let Some(source) = &opts.crl_source {
        let answer = source.crls_for(c);
        let mut fetched = Vec::with_capacity(answer.crls.len());
        for der in &answer.crls {
            match cache::crl(opts.cache.as_ref(), der) {
                Ok(crl) => fetched.push(crl),
                Err(e) => problems.push(format!("a fetched CRL does not parse: {e}")),
            }
        }
        problems.extend(answer.errors.iter().map(ToString::to_string));
        match status_from(c, issuer, is_leaf, &fetched, opts) {
            Ok(settled) => return settled,
            Err(more) => problems.extend(more),
        }
    }
    // The supplied and the fetched CRLs may fail for the same reason: say it once.
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert(p.clone()));
    let why = problems.join("; ");
    match opts.revocation {
        RevocationPolicy::Waived => (Verdict::Valid, None, format!("{WAIVED}{why}")),
        _ => (
            Verdict::Indeterminate,
            Some(SubIndication::TryLater),
            format!("revocation status unknown: {why}"),
        ),
    }
}

/// `c`'s entry in `crl` when its revocation took effect at or before `at`.
fn entry_at<'a>(
    crl: &'a Crl,
    c: &Certificate,
    at: jiff::Timestamp,
) -> Option<&'a crate::RevokedEntry> {
    crl.entry_for(c).filter(|e| e.effective_date() <= at)
}

/// A revocation check's outcome: verdict, sub-indication, detail.
type Settled = (Verdict, Option<SubIndication>, String);

/// Whether `crl` gives the status at `at` (the freshness rule of the README): when
/// `at` is not after its nextUpdate, or, without nextUpdate, when it was issued at or
/// after `at`. A CRL issued after `at` gives the status at `at` as well: a revocation
/// is never taken back (certificateHold aside, which is never taken as "not revoked").
fn fresh(crl: &Crl, at: jiff::Timestamp) -> bool {
    match crl.next_update() {
        Some(next) => at <= next,
        None => crl.this_update() >= at,
    }
}

/// The status `crls` give `c` (issued by `issuer`), RFC 5280 §6.3.3: `Ok` when they
/// settle it (revoked, on hold, or not revoked per fresh CRLs covering every reason),
/// else the reasons none did, one per CRL refused.
fn status_from(
    c: &Certificate,
    issuer: &Certificate,
    is_leaf: bool,
    crls: &[std::sync::Arc<Crl>],
    opts: &PathOptions,
) -> Result<Settled, Vec<String>> {
    let from_issuer: Vec<&Crl> = crls
        .iter()
        .map(|c| &**c)
        .filter(|crl| crl.issuer_der == c.issuer_der)
        .collect();
    if from_issuer.is_empty() {
        return Err(vec![format!("no CRL from {}", c.issuer())]);
    }
    let name = |crl: &Crl| format!("the CRL of {} from {}", crl.this_update(), crl.issuer());
    let mut problems = Vec::new();
    let mut usable: Vec<(&Crl, ReasonFlags)> = Vec::new();
    for crl in from_issuer {
        let checked = crl
            .scope_for(c)
            .and_then(|reasons| crl.check_issuer(issuer).map(|()| reasons))
            .and_then(|reasons| {
                cache::verify_crl(opts.cache.as_ref(), crl, issuer.spki_der())
                    .map(|()| reasons)
                    .map_err(|e| CrlRefusal::Signature(e.to_string()))
            });
        match checked {
            Ok(reasons) => usable.push((crl, reasons)),
            Err(refusal) => problems.push(format!("{}: {refusal}", name(crl))),
        }
    }
    let at = opts.at;
    let hold = |e: &crate::RevokedEntry| e.reason == Some(CrlReason::CertificateHold);
    // A revocation effective at the validation time is final, whatever the freshness
    // or the reasons the CRL covers.
    for (crl, _) in &usable {
        if let Some(entry) = entry_at(crl, c, at).filter(|e| !hold(e)) {
            let reason = entry
                .reason
                .map_or_else(|| "no reason given".to_owned(), |r| format!("{r:?}"));
            let invalid = match entry.invalidity_date {
                Some(d) if d < entry.date => format!(", key invalid since {d}"),
                _ => String::new(),
            };
            let sub = if is_leaf {
                SubIndication::Revoked
            } else {
                SubIndication::RevokedCaNoPoe
            };
            return Ok((
                sub.indication().worst(Verdict::Indeterminate),
                Some(sub),
                format!(
                    "revoked on {} ({reason}{invalid}), per {}",
                    entry.date,
                    name(crl)
                ),
            ));
        }
    }
    // EN 319 102-1: a suspended certificate may be reinstated; its status is not
    // known yet.
    for (crl, _) in &usable {
        if let Some(entry) = entry_at(crl, c, at) {
            return Ok((
                Verdict::Indeterminate,
                Some(SubIndication::TryLater),
                format!(
                    "on hold since {} (certificateHold), per {}: try later",
                    entry.date,
                    name(crl)
                ),
            ));
        }
    }
    // Not revoked: the fresh CRLs together must cover every reason (§6.3.3 (k)).
    let mut covered = ReasonFlags::default();
    let mut basis = Vec::new();
    for (crl, reasons) in &usable {
        if fresh(crl, opts.at) {
            covered |= *reasons;
            basis.push(*crl);
        } else {
            let stale = CrlRefusal::Stale {
                at: opts.at,
                next_update: crl.next_update(),
            };
            problems.push(format!("{}: {stale}", name(crl)));
        }
    }
    let missing = crate::crl::all_reasons() - covered;
    if basis.is_empty() {
        return Err(problems);
    }
    if !missing.is_empty() {
        problems.push(format!(
            "the fresh CRLs cover only the reasons {} (onlySomeReasons); no CRL covers {}",
            crate::crl::reason_names(covered),
            crate::crl::reason_names(missing)
        ));
        return Err(problems);
    }
    let later: Vec<String> = basis
        .iter()
        .filter_map(|crl| crl.entry_for(c))
        .map(|e| format!("; revoked later, on {}", e.effective_date()))
        .collect();
    let per: Vec<String> = basis.iter().map(|crl| name(crl)).collect();
    let not_used = if problems.is_empty() {
        String::new()
    } else {
        format!("; not used: {}", problems.join("; "))
    };
    Ok((
        Verdict::Valid,
        None,
        format!(
            "not revoked at {} per {}{}{not_used}",
            opts.at,
            per.join(" and "),
            later.first().map(String::as_str).unwrap_or_default()
        ),
    ))
}

/// The sub-indication of a failed check that did not name its own.
fn default_sub_indication(name: &str, verdict: Verdict) -> SubIndication {
    match (name, verdict) {
        ("parse", _) => SubIndication::FormatFailure,
        ("anchor", _) => SubIndication::NoCertificateChainFound,
        ("revocation", Verdict::Invalid) => SubIndication::Revoked,
        ("revocation", _) => SubIndication::TryLater,
        ("signature" | "name_chaining" | "critical_extensions", _) => {
            SubIndication::CertificateChainGeneralFailure
        }
        ("basic_constraints" | "key_usage" | "policy", _) => SubIndication::ChainConstraintsFailure,
        _ => SubIndication::Generic,
    }
}

const SELF_SIGNED_NOT_ANCHOR: &str = "path ends at a self-signed certificate that is not a \
    configured trust anchor (a document's own root is never trusted)";

struct Built<'a> {
    chain: Vec<&'a Certificate>,
    /// `signatures[i]`: chain[i]'s signature checked with chain[i + 1]'s key.
    signatures: Vec<Result<(), crate::Error>>,
    anchored: bool,
}

fn key_ids_compatible(child: &Certificate, parent: &Certificate) -> bool {
    match (&child.aki, &parent.ski) {
        (Some(a), Some(s)) => a == s,
        _ => true,
    }
}

fn build<'a>(
    leaf: &'a Certificate,
    extras: &[&'a Certificate],
    store: &'a TrustStore,
    max: usize,
    memo: Option<&VerificationCache>,
) -> Built<'a> {
    let mut chain = vec![leaf];
    let mut signatures = Vec::new();
    let mut current = leaf;
    let mut anchored = store.is_anchor(leaf);
    while !anchored && chain.len() < max {
        let issues = |p: &&Certificate| {
            p.subject_der == current.issuer_der && key_ids_compatible(current, p)
        };
        // Anchors first: a path is as short as it can be. Among name matches, the one
        // whose key verifies wins; otherwise the first, so a bad signature is reported
        // as such rather than as "no path".
        let anchors: Vec<&Certificate> = store.anchors().filter(issues).collect();
        let intermediates: Vec<&Certificate> = extras
            .iter()
            .copied()
            .chain(store.intermediates())
            .filter(issues)
            .filter(|p| !chain.iter().any(|c| c.der == p.der))
            .collect();
        let mut pick = None;
        for (cand, is_anchor) in anchors
            .iter()
            .map(|a| (*a, true))
            .chain(intermediates.iter().map(|a| (*a, false)))
        {
            let result = cache::verify_certificate(memo, current, &cand.spki_der);
            if result.is_ok() {
                pick = Some((cand, is_anchor, result));
                break;
            }
            if pick.is_none() {
                pick = Some((cand, is_anchor, result));
            }
        }
        let Some((next, is_anchor, result)) = pick else {
            break;
        };
        signatures.push(result);
        chain.push(next);
        current = next;
        anchored = is_anchor || store.is_anchor(next);
    }
    Built {
        chain,
        signatures,
        anchored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_policy_text_is_the_oid() {
        let opts = PathOptions::at(jiff::Timestamp::UNIX_EPOCH);
        assert!(opts.policy_accepted(&cert::OID_ANY_POLICY.to_string()));
        assert!(!opts.policy_accepted("2.5.29.32.1"));
    }
}
