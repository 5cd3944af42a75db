//! The verifier: the ordered checks of `docs/spec/signatures.md` §1 over each `ds:Signature`.

mod crypto;
mod data;
mod layout;
mod parts;
mod poe;

use std::sync::Arc;

use hpki_cert::{
    CrlSource, Indication, PathOptions, RevocationPolicy, SubIndication, TrustStore,
    VerificationCache,
};
use roxmltree::Node;

use crate::{
    report::{
        CheckResult, DocumentType, Role, SignatureReport, SignedContent, Signer, VerificationReport,
    },
    xml::{self, Limits, Parsed},
};

pub(crate) const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
pub(crate) const XADES: &str = "http://uri.etsi.org/01903/v1.3.2#";
pub(crate) const XADES141: &str = "http://uri.etsi.org/01903/v1.4.1#";
pub(crate) const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
pub(crate) const SHA256_URI: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
pub(crate) const SIGNED_PROPERTIES_TYPE: &str = "http://uri.etsi.org/01903#SignedProperties";

/// Verifies e-prescription documents against the caller's trust anchors, at a
/// validation time, under a validation policy.
///
/// - **Trust**: anchors come only from the [`TrustStore`]; certificates carried by the
///   document are used to build paths, never as anchors.
/// - **Time**: the validation time is now (taken at each [`verify`](Self::verify)) or
///   the time given with [`at`](Self::at). `SigningTime` is the signer's claim and is
///   never used as a validation time. Time-stamps that validate are proofs of
///   existence: the signer's path is validated at the earliest time they prove (see
///   `docs/validation-model.md`).
/// - **Revocation**: every certificate of every path (signer, time-stamp authorities)
///   except the anchor needs revocation status, from the document's own values, the
///   CRLs given with [`with_crls`](Self::with_crls), or a [`CrlSource`] given with
///   [`with_crl_source`](Self::with_crl_source) (e.g. `hpki_cert::online`); without it
///   the signature is INDETERMINATE/TRY_LATER unless the policy waives it
///   ([`revocation_policy`](Self::revocation_policy)), which the report then says.
///
/// A verifier is `Send + Sync` and cheap to clone; keep one for a batch. Its
/// [`VerificationCache`] (a new one per verifier, shared by clones, or the caller's
/// with [`with_cache`](Self::with_cache)) remembers parsed certificates and CRLs,
/// verified CA signatures and decoded base64 by their exact bytes, so what the
/// documents share is parsed and verified once. Every check still runs for every
/// document; the cache never holds a verdict.
#[derive(Clone, Debug)]
pub struct Verifier {
    trust: TrustStore,
    at: Option<jiff::Timestamp>,
    limits: Limits,
    crls: Arc<[Vec<u8>]>,
    crl_source: Option<Arc<dyn CrlSource>>,
    revocation: RevocationPolicy,
    cache: VerificationCache,
}

impl Verifier {
    /// A verifier trusting `trust`, validating at the current time, revocation status
    /// required, no CRLs but the documents' own.
    pub fn new(trust: TrustStore) -> Self {
        Self {
            trust,
            at: None,
            limits: Limits::default(),
            crls: Arc::from(Vec::new()),
            crl_source: None,
            revocation: RevocationPolicy::Required,
            cache: VerificationCache::new(),
        }
    }

    /// Validates at `at` instead of now.
    #[must_use]
    pub fn at(mut self, at: jiff::Timestamp) -> Self {
        self.at = Some(at);
        self
    }

    /// Replaces the input limits.
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// CRLs (DER) to use besides the documents' own (a CRL that does not parse makes
    /// every path INVALID: validation data is never silently dropped).
    #[must_use]
    pub fn with_crls(mut self, crls: Vec<Vec<u8>>) -> Self {
        self.crls = crls.into();
        self
    }

    /// Where to get CRLs the documents and [`with_crls`](Self::with_crls) lack (an
    /// online fetcher of the certificates' CRL distribution points).
    #[must_use]
    pub fn with_crl_source(mut self, source: Arc<dyn CrlSource>) -> Self {
        self.crl_source = Some(source);
        self
    }

    /// Uses `cache` (shared with whoever else holds it) instead of this verifier's own.
    #[must_use]
    pub fn with_cache(mut self, cache: VerificationCache) -> Self {
        self.cache = cache;
        self
    }

    /// The cache this verifier remembers parses and verifications in.
    pub fn cache(&self) -> &VerificationCache {
        &self.cache
    }

    /// Sets what counts as revocation status (default: required).
    #[must_use]
    pub fn revocation_policy(mut self, policy: RevocationPolicy) -> Self {
        self.revocation = policy;
        self
    }

    /// Verifies one document. Never fails: an unreadable input is an INVALID report
    /// with the reason in `errors`.
    pub fn verify(&self, input: &[u8]) -> VerificationReport {
        let at = self.at.unwrap_or_else(jiff::Timestamp::now);
        let text = match xml::check_input(input, &self.limits) {
            Ok(t) => t,
            Err(e) => return VerificationReport::input_error(e.to_string(), at),
        };
        let parsed = match xml::parse(text, &self.limits) {
            Ok(p) => p,
            Err(e) => return VerificationReport::input_error(e.to_string(), at),
        };
        self.verify_parsed(&parsed, at)
    }

    fn verify_parsed(&self, parsed: &Parsed<'_>, at: jiff::Timestamp) -> VerificationReport {
        let root = parsed.doc.root_element();
        let document_type = document_type(root);
        let mut errors = Vec::new();
        let mut signatures = Vec::new();
        let mut content = Vec::new();
        let mut seen: Vec<Role> = Vec::new();

        let all: Vec<Node<'_, '_>> = root
            .descendants()
            .filter(|n| n.is_element() && n.has_tag_name((DSIG, "Signature")))
            .collect();
        if all.len() > self.limits.max_signatures {
            let e = crate::Error::from(crate::error::LimitExceeded::Signatures {
                count: all.len(),
                limit: self.limits.max_signatures,
            });
            let mut report = VerificationReport::input_error(e.to_string(), at);
            report.document_type = document_type;
            return report;
        }
        // Digests shared by the signatures of this document.
        let mut memo = crypto::DigestMemo::default();
        for sig in all {
            let role = role_of(sig, document_type);
            // A signature outside the prescribed positions, or a second one of a role,
            // is named and INVALID without being verified: it protects nothing a
            // reader uses, and verifying it would digest what it covers again.
            let stray = if role == Role::Unknown {
                Some(format!(
                    "a ds:Signature{} at {} is not at a prescribed position \
                     (PrescriptionSign/DispensingSign)",
                    id_text(sig),
                    layout_path(sig)
                ))
            } else if seen.contains(&role) {
                Some(format!(
                    "more than one {} signature: the ds:Signature{} at {} is not verified",
                    role.as_str(),
                    id_text(sig),
                    layout_path(sig)
                ))
            } else {
                None
            };
            if let Some(why) = stray {
                signatures.push(SignatureReport::unverified(
                    sig.attribute("Id").map(str::to_owned),
                    role,
                    format!("{why}; not verified"),
                ));
                errors.push(why);
                continue;
            }
            seen.push(role);
            let (report, signed) = self.verify_signature(parsed, sig, role, at, &mut memo);
            signatures.push(report);
            content.extend(signed);
        }
        let required: &[Role] = match document_type {
            DocumentType::Prescription => &[Role::Prescription],
            DocumentType::Dispensing => &[Role::DispensingPrescription, Role::Dispensing],
            DocumentType::Unknown => {
                errors.push(
                    "not an e-prescription document (no Prescription or Dispensing under Document)"
                        .into(),
                );
                &[]
            }
        };
        for role in required {
            if !seen.contains(role) {
                errors.push(format!("the {} signature is missing", role.as_str()));
            }
        }
        if signatures.is_empty() && errors.is_empty() {
            errors.push("no signature found".into());
        }
        errors.extend(layout::check(root, document_type));
        let (status, sub_indication) = if errors.is_empty() {
            signatures.iter().max_by_key(|s| s.status).map_or(
                (Indication::Invalid, Some(SubIndication::FormatFailure)),
                |s| (s.status, s.sub_indication),
            )
        } else {
            (Indication::Invalid, Some(SubIndication::FormatFailure))
        };
        VerificationReport {
            status,
            sub_indication,
            validation_time: at,
            document_type,
            errors,
            signatures,
            content,
        }
    }

    fn verify_signature(
        &self,
        parsed: &Parsed<'_>,
        sig: Node<'_, '_>,
        role: Role,
        at: jiff::Timestamp,
        memo: &mut crypto::DigestMemo,
    ) -> (SignatureReport, Option<SignedContent>) {
        // Every check but the structure's not run until it has run.
        let mut report = SignatureReport::unverified(
            sig.attribute("Id").map(str::to_owned),
            role,
            String::new(),
        );
        report.checks.structure = CheckResult::valid();
        report.sub_indication = None;
        // 2. Structure: what cannot be read stops here; a profile rule broken is its
        // own failure, and every other check still runs.
        let parts = match parts::Parts::read(parsed, sig, role, &self.limits) {
            Ok(p) => p,
            Err(reason) => {
                report.checks.structure =
                    CheckResult::invalid(SubIndication::FormatFailure, reason);
                (report.status, report.sub_indication) = report.checks.indication();
                return (report, None);
            }
        };
        let violations = parts.profile_violations(role);
        if !violations.is_empty() {
            report.checks.structure = CheckResult::invalid(
                SubIndication::FormatFailure,
                format!(
                    "outside the e-prescription profile: {}",
                    violations.join("; ")
                ),
            );
        }
        report.signing_time = parts.signing_time.clone();
        let decoder = data::Decoder { cache: &self.cache };

        // Signing certificate (KeyInfo against SigningCertificate(V2)).
        let (check, cert) = crypto::signing_certificate(&parts, &decoder);
        report.checks.signing_certificate = check;
        if let Some(cert) = &cert {
            report.signer = signer_of(&cert.parsed);
        }

        // 3–4. References.
        let (check, signed) = crypto::check_references(&parts, memo);
        report.checks.references = check;

        // 5. Signature value.
        report.checks.signature_value = match &cert {
            Some(cert) => crypto::check_signature_value(&parts, cert),
            None => CheckResult::indeterminate(
                SubIndication::NoSigningCertificateFound,
                "no usable signing certificate",
            ),
        };

        // The validation data and the level it claims.
        let (validation_data, problems) =
            data::ValidationData::collect(&parts, &decoder, &self.trust, &self.crls);
        let (level, missing) = data::level_of(&parts);
        report.level = level;
        report.checks.validation_data = data::validation_data_check(&problems, &missing);

        // 7. Time-stamps, latest first: they decide the time the path is validated at.
        let poe = self.proofs_of_existence(&parts, &validation_data, &decoder, at);
        report.checks.signature_timestamp = poe.signature_timestamp;
        report.checks.archive_timestamps = poe.archive_timestamps;
        report.timestamp_time = poe.timestamp_time;
        report.waivers = poe.waivers;

        // 6. Certificate path, at the earliest proven time.
        report.checks.certificate_path = match &cert {
            Some(cert) => {
                let signer_time = poe.signer_time;
                report.path_validated_at = Some(signer_time);
                let mut extra = cert.others.clone();
                extra.extend(validation_data.certs.iter().cloned());
                let opts =
                    self.path_options(PathOptions::hpki_signature(signer_time), &validation_data);
                let path = hpki_cert::validate_path(&cert.der, &extra, &self.trust, &opts);
                report.signer.qualification = path
                    .qualification
                    .clone()
                    .or(report.signer.qualification.take());
                report.signer.anchor = path.anchor.clone();
                report.waivers.extend(path.waivers.iter().cloned());
                path_result(&path, signer_time)
            }
            None => CheckResult::indeterminate(
                SubIndication::NoSigningCertificateFound,
                "no usable signing certificate",
            ),
        };

        (report.status, report.sub_indication) = report.checks.indication();
        let content = signed.map(|(node, range, text)| SignedContent {
            role,
            element: node,
            range,
            text,
        });
        (report, content)
    }

    /// `base` with the signature's CRLs (the document's first, then the caller's), this
    /// verifier's CRL source and revocation policy.
    fn path_options(&self, base: PathOptions, data: &data::ValidationData) -> PathOptions {
        let mut opts = base
            .with_crls(Arc::clone(&data.crls))
            .with_revocation_policy(self.revocation)
            .with_cache(self.cache.clone());
        if let Some(source) = &self.crl_source {
            opts = opts.with_crl_source(Arc::clone(source));
        }
        opts
    }
}

/// A path report as one check: its indication and sub-indication, the first failure
/// as the reason, or what was established.
fn path_result(path: &hpki_cert::PathReport, at: jiff::Timestamp) -> CheckResult {
    match path.first_failure() {
        None => CheckResult::valid_with(format!(
            "validated at {at} to the anchor {}",
            path.anchor.as_deref().unwrap_or("?")
        )),
        Some(c) => CheckResult::with(
            path.verdict,
            path.sub_indication.or(c.sub_indication),
            format!(
                "{}: {} ({}), validated at {at}",
                c.name, c.detail, c.subject
            ),
        ),
    }
}

fn signer_of(cert: &hpki_cert::Certificate) -> Signer {
    Signer {
        name: common_name(&cert.subject()),
        qualification: cert.hc_role().and_then(hpki_cert::HcRole::qualification),
        issuer: Some(cert.issuer()),
        anchor: None,
    }
}

fn common_name(rfc4514: &str) -> Option<String> {
    rfc4514
        .split(',')
        .find_map(|rdn| rdn.trim().strip_prefix("CN="))
        .map(str::to_owned)
}

/// ` (Id "…")` when the element has an `Id`.
fn id_text(n: Node<'_, '_>) -> String {
    n.attribute("Id")
        .map(|i| format!(" (Id {i:?})"))
        .unwrap_or_default()
}

/// The local names from the root to `n` (`/Document/Prescription/…`), and the byte
/// offset.
fn layout_path(n: Node<'_, '_>) -> String {
    let mut names: Vec<&str> = n
        .ancestors()
        .filter(Node::is_element)
        .map(|a| a.tag_name().name())
        .collect();
    names.reverse();
    format!("/{} (byte {})", names.join("/"), n.range().start)
}

fn document_type(root: Node<'_, '_>) -> DocumentType {
    if !root.has_tag_name("Document") {
        return DocumentType::Unknown;
    }
    let child = |name: &str| root.children().any(|c| c.has_tag_name(name));
    if child("Prescription") {
        DocumentType::Prescription
    } else if child("Dispensing") {
        DocumentType::Dispensing
    } else {
        DocumentType::Unknown
    }
}

/// The role of a `ds:Signature` from its exact position in the schema.
fn role_of(sig: Node<'_, '_>, doc: DocumentType) -> Role {
    let Some(wrapper) = sig.parent_element() else {
        return Role::Unknown;
    };
    if wrapper.children().filter(Node::is_element).count() != 1 {
        return Role::Unknown;
    }
    fn up<'a, 'i>(n: Node<'a, 'i>) -> Option<Node<'a, 'i>> {
        n.parent_element()
    }
    let is_root = |n: Option<Node<'_, '_>>| {
        n.is_some_and(|n| n.parent().is_some_and(|p| p.is_root()) && n.has_tag_name("Document"))
    };
    match (
        doc,
        wrapper.tag_name().name(),
        wrapper.tag_name().namespace(),
    ) {
        (DocumentType::Prescription, "PrescriptionSign", None) => {
            let p = up(wrapper);
            if p.is_some_and(|p| p.has_tag_name("Prescription")) && is_root(p.and_then(up)) {
                Role::Prescription
            } else {
                Role::Unknown
            }
        }
        (DocumentType::Dispensing, "PrescriptionSign", None) => {
            let rp = up(wrapper);
            let d = rp.and_then(up);
            if rp.is_some_and(|n| n.has_tag_name("ReferencePrescription"))
                && d.is_some_and(|n| n.has_tag_name("Dispensing"))
                && is_root(d.and_then(up))
            {
                Role::DispensingPrescription
            } else {
                Role::Unknown
            }
        }
        (DocumentType::Dispensing, "DispensingSign", None) if is_root(up(wrapper)) => {
            Role::Dispensing
        }
        _ => Role::Unknown,
    }
}
