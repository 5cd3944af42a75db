//! The verifier: the ordered checks of `signatures.md` §1 over each `ds:Signature`.

use base64::Engine as _;
use cert_signer::DigestAlgorithm;
use hpki_cert::{PathOptions, Purpose, TrustStore, Verdict};
use roxmltree::{Node, NodeId};

use crate::{
    c14n::{C14nMethod, canonicalize_subtree},
    report::{
        CheckResult, Checks, DocumentType, Level, Role, SignatureReport, SignedContent, Signer,
        Status, VerificationReport,
    },
    timestamp,
    xml::{self, Limits, Parsed},
};

pub(crate) const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
pub(crate) const XADES: &str = "http://uri.etsi.org/01903/v1.3.2#";
pub(crate) const XADES141: &str = "http://uri.etsi.org/01903/v1.4.1#";
pub(crate) const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
pub(crate) const SHA256_URI: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
pub(crate) const SIGNED_PROPERTIES_TYPE: &str = "http://uri.etsi.org/01903#SignedProperties";

/// Verifies e-prescription documents against the caller's trust anchors.
///
/// Anchors come only from the [`TrustStore`]; certificates carried by the document are
/// used to build paths, never as anchors.
///
/// Keep one verifier for a batch: besides what its store remembers, it remembers the
/// base64 of the certificates and CRLs it has decoded (a few dozen, by their exact
/// text), so the ones the documents share are not decoded again. Every check still
/// runs for every document. Clones share that memory.
#[derive(Clone, Debug)]
pub struct Verifier {
    trust: TrustStore,
    at: jiff::Timestamp,
    limits: Limits,
    /// Certificates and CRLs decoded from base64 before (shared by clones).
    decoded: std::sync::Arc<DecodedMemo>,
}

impl Verifier {
    /// A verifier trusting `trust`, validating at the current time.
    pub fn new(trust: TrustStore) -> Self {
        Self {
            trust,
            at: jiff::Timestamp::now(),
            limits: Limits::default(),
            decoded: std::sync::Arc::default(),
        }
    }

    /// Validates at `at` instead of now (certificate validity when there is no
    /// time-stamp, and the time-stamp authority's path).
    #[must_use]
    pub fn at(mut self, at: jiff::Timestamp) -> Self {
        self.at = at;
        self
    }

    /// Replaces the input limits.
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Verifies one document. Never fails: an unreadable input is an INVALID report
    /// with the reason in `errors`.
    pub fn verify(&self, input: &[u8]) -> VerificationReport {
        let text = match xml::check_input(input, &self.limits) {
            Ok(t) => t,
            Err(e) => return VerificationReport::input_error(e.to_string()),
        };
        let parsed = match xml::parse(text, &self.limits) {
            Ok(p) => p,
            Err(e) => return VerificationReport::input_error(e.to_string()),
        };
        self.verify_parsed(&parsed)
    }

    fn verify_parsed(&self, parsed: &Parsed<'_>) -> VerificationReport {
        let root = parsed.doc.root_element();
        let document_type = document_type(root);
        let mut errors = Vec::new();
        let mut signatures = Vec::new();
        let mut content = Vec::new();
        let mut seen: Vec<Role> = Vec::new();

        for sig in root
            .descendants()
            .filter(|n| n.is_element() && n.has_tag_name((DSIG, "Signature")))
        {
            let role = role_of(sig, document_type);
            if role == Role::Unknown {
                errors.push(format!(
                    "a ds:Signature{} is not at a prescribed position (PrescriptionSign/DispensingSign)",
                    sig.attribute("Id").map(|i| format!(" (Id {i:?})")).unwrap_or_default()
                ));
            } else if seen.contains(&role) {
                errors.push(format!("more than one {} signature", role.as_str()));
            }
            seen.push(role);
            let (report, signed) = self.verify_signature(parsed, sig, role);
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
        let worst = signatures
            .iter()
            .map(|s| s.status)
            .max()
            .unwrap_or(Status::Invalid);
        let status = if errors.is_empty() {
            worst
        } else {
            Status::Invalid
        };
        VerificationReport {
            status,
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
    ) -> (SignatureReport, Option<SignedContent>) {
        let mut report = SignatureReport {
            id: sig.attribute("Id").map(str::to_owned),
            role,
            level: level_of(sig),
            status: Status::Invalid,
            signer: Signer::default(),
            signing_time: None,
            timestamp_time: None,
            checks: Checks {
                structure: CheckResult::valid(),
                signing_certificate: CheckResult::skipped("structure"),
                references: CheckResult::skipped("structure"),
                signature_value: CheckResult::skipped("structure"),
                signature_timestamp: CheckResult::skipped("structure"),
                archive_timestamps: CheckResult::skipped("structure"),
                certificate_path: CheckResult::skipped("structure"),
            },
        };
        // 2. Structure.
        let parts = match Parts::read(parsed, sig, role) {
            Ok(p) => p,
            Err(reason) => {
                report.checks.structure = CheckResult::invalid(reason);
                report.status = report.checks.status();
                return (report, None);
            }
        };
        report.signing_time = parts.signing_time.clone();

        // Signing certificate (KeyInfo against SigningCertificate(V2)).
        let cert = match signing_certificate(&parts, &self.trust, &self.decoded) {
            Ok(c) => {
                report.checks.signing_certificate = CheckResult::valid();
                Some(c)
            }
            Err(reason) => {
                report.checks.signing_certificate = CheckResult::invalid(reason);
                None
            }
        };
        if let Some(cert) = &cert {
            report.signer = signer_of(&cert.parsed);
        }

        // 3–4. References.
        let mut signed = None;
        report.checks.references = match check_references(parsed, &parts) {
            Ok(c) => {
                signed = Some(c);
                CheckResult::valid()
            }
            Err(reason) => CheckResult::invalid(reason),
        };

        // 5. Signature value.
        report.checks.signature_value = match &cert {
            Some(cert) => match check_signature_value(&parts, cert) {
                Ok(()) => CheckResult::valid(),
                Err(reason) => CheckResult::invalid(reason),
            },
            None => CheckResult::indeterminate("no usable signing certificate"),
        };

        // 7. Time-stamps (before the path: the path is validated at the time-stamp's
        // time when there is one).
        let validation_data = ValidationData::collect(&parts, &self.decoded);
        let (ts_check, ts_time) = self.check_signature_timestamp(&parts, &validation_data);
        report.checks.signature_timestamp = ts_check;
        report.timestamp_time = ts_time;
        report.checks.archive_timestamps = self.check_archive_timestamps(&parts, &validation_data);

        // 6. Certificate path.
        report.checks.certificate_path = match &cert {
            Some(cert) => {
                let at = ts_time
                    .or_else(|| parts.signing_time.as_deref().and_then(parse_xml_time))
                    .unwrap_or(self.at);
                // The KeyInfo's other certificates, then the signature's own: without
                // KeyInfo extras (the usual case) that is the signature's list as it is,
                // not a copy of every certificate.
                let extra: std::borrow::Cow<'_, [Vec<u8>]> = if cert.others.is_empty() {
                    std::borrow::Cow::Borrowed(&validation_data.certs)
                } else {
                    let mut all = cert.others.clone();
                    all.extend(validation_data.certs.iter().cloned());
                    std::borrow::Cow::Owned(all)
                };
                let opts = PathOptions::hpki_signature(at)
                    .with_crls(std::sync::Arc::clone(&validation_data.crls));
                let path = hpki_cert::validate_path(&cert.der, &extra, &self.trust, &opts);
                if let Some(q) = &path.qualification {
                    report.signer.qualification = Some(qualification_name(q));
                }
                path_result(&path, &self.trust)
            }
            None => CheckResult::indeterminate("no usable signing certificate"),
        };

        report.status = report.checks.status();
        let content = signed.map(|(node, range, text)| SignedContent {
            role,
            element: node,
            range,
            text,
        });
        (report, content)
    }

    fn check_signature_timestamp(
        &self,
        parts: &Parts<'_, '_>,
        data: &ValidationData,
    ) -> (CheckResult, Option<jiff::Timestamp>) {
        let Some(ts) = parts.unsigned_child(XADES, "SignatureTimeStamp") else {
            return (CheckResult::absent("no SignatureTimeStamp"), None);
        };
        let mut input = Vec::new();
        let method = match timestamp_c14n(ts) {
            Ok(m) => m,
            Err(r) => return (CheckResult::invalid(r), None),
        };
        canonicalize_subtree(parts.signature_value, &method, &mut input);
        match self.check_token(ts, &[input], data) {
            Ok(t) => (CheckResult::valid(), Some(t)),
            Err(r) => (r, None),
        }
    }

    /// Checks one XAdES time-stamp element against candidate imprint inputs.
    fn check_token(
        &self,
        ts: Node<'_, '_>,
        inputs: &[Vec<u8>],
        data: &ValidationData,
    ) -> Result<jiff::Timestamp, CheckResult> {
        let enc = ts
            .children()
            .find(|n| n.has_tag_name((XADES, "EncapsulatedTimeStamp")))
            .ok_or_else(|| CheckResult::indeterminate("no EncapsulatedTimeStamp"))?;
        let der = decode_b64(&text_ref(enc))
            .map_err(|e| CheckResult::invalid(format!("EncapsulatedTimeStamp: {e}")))?;
        let token = timestamp::verify_token(&der, &self.trust).map_err(CheckResult::invalid)?;
        let matched = inputs
            .iter()
            .any(|input| token.imprint_alg.hash(input) == token.imprint);
        if !matched {
            return Err(CheckResult::invalid(
                "the time-stamp imprint does not match the time-stamped data",
            ));
        }
        let tsa_cert = self
            .trust
            .certificate(&token.tsa_cert)
            .map_err(|e| CheckResult::invalid(format!("TSA certificate: {e}")))?;
        timestamp::check_tsa_eku(tsa_cert.x509()).map_err(CheckResult::invalid)?;
        let mut extra = token.certs;
        extra.extend(data.certs.iter().cloned());
        let opts = PathOptions::at(token.gen_time)
            .with_purpose(Purpose::TimeStamping)
            .with_crls(std::sync::Arc::clone(&data.crls));
        let path = hpki_cert::validate_path(&token.tsa_cert, &extra, &self.trust, &opts);
        let result = path_result(&path, &self.trust);
        if result.status != Status::Valid {
            return Err(CheckResult {
                status: result.status,
                reason: format!("TSA certificate: {}", result.reason),
            });
        }
        Ok(token.gen_time)
    }

    fn check_archive_timestamps(
        &self,
        parts: &Parts<'_, '_>,
        data: &ValidationData,
    ) -> CheckResult {
        let Some(usp) = parts.unsigned_signature_properties else {
            return CheckResult::absent("no unsigned properties");
        };
        let mut any = false;
        let mut preceding: Vec<Node<'_, '_>> = Vec::new();
        for child in usp.children().filter(Node::is_element) {
            let name = child.tag_name();
            let is_ats = name.name() == "ArchiveTimeStamp"
                && matches!(name.namespace(), Some(XADES) | Some(XADES141));
            if !is_ats {
                preceding.push(child);
                continue;
            }
            any = true;
            let method = match timestamp_c14n(child) {
                Ok(m) => m,
                Err(r) => return CheckResult::invalid(r),
            };
            let inputs = archive_inputs(parts, &preceding, &method);
            match self.check_token(child, &inputs, data) {
                Ok(_) => {}
                Err(r) if r.reason.contains("imprint does not match") => {
                    return CheckResult::indeterminate(format!(
                        "ArchiveTimeStamp {}: its token verifies, but none of the {} canonical \
                         inputs computed per XAdES 1.4.1/EN 319 132-1 5.5.2 matches its imprint \
                         (the exact input cannot be determined)",
                        child.attribute("Id").unwrap_or("?"),
                        inputs.len()
                    ));
                }
                Err(r) => return r,
            }
            preceding.push(child);
        }
        if any {
            CheckResult::valid()
        } else {
            CheckResult::absent("no ArchiveTimeStamp")
        }
    }
}

/// Candidate inputs of an archive time-stamp: EN 319 132-1 §5.5.2.2 (with and without
/// the v1.4.1 TimeStampValidationData, which 1.4.1 says to include and some producers
/// leave out).
fn archive_inputs(
    parts: &Parts<'_, '_>,
    preceding: &[Node<'_, '_>],
    method: &C14nMethod,
) -> Vec<Vec<u8>> {
    let mut base = Vec::new();
    for r in &parts.references {
        if let Some(node) = r.target {
            canonicalize_subtree(node, &r.method, &mut base);
        }
    }
    canonicalize_subtree(parts.signed_info, method, &mut base);
    canonicalize_subtree(parts.signature_value, method, &mut base);
    canonicalize_subtree(parts.key_info, method, &mut base);
    let mut with_all = base.clone();
    let mut without_tsvd = base;
    for node in preceding {
        canonicalize_subtree(*node, method, &mut with_all);
        if node.tag_name().name() != "TimeStampValidationData" {
            canonicalize_subtree(*node, method, &mut without_tsvd);
        }
    }
    for obj in &parts.other_objects {
        canonicalize_subtree(*obj, method, &mut with_all);
        canonicalize_subtree(*obj, method, &mut without_tsvd);
    }
    vec![with_all, without_tsvd]
}

fn timestamp_c14n(ts: Node<'_, '_>) -> Result<C14nMethod, String> {
    match ts
        .children()
        .find(|n| n.has_tag_name((DSIG, "CanonicalizationMethod")))
    {
        None => Ok(C14nMethod::Inclusive),
        Some(m) => {
            let alg = m.attribute("Algorithm").unwrap_or_default();
            C14nMethod::from_uri(alg)
                .ok_or_else(|| format!("unsupported time-stamp canonicalization {alg:?}"))
        }
    }
}

fn path_result(path: &hpki_cert::PathReport, trust: &TrustStore) -> CheckResult {
    let reason = || {
        path.first_failure()
            .map(|c| format!("{}: {} ({})", c.name, c.detail, c.subject))
            .unwrap_or_else(|| "path validation failed".into())
    };
    // RFC 5280 §6.1: a trust anchor is an input to path validation, not a certificate
    // to check; the samples' TSA root has keyUsage but no basicConstraints.
    let anchor_subject = path
        .chain
        .last()
        .and_then(|der| trust.certificate(der).ok())
        .map(|cert| cert.subject());
    let only_anchor_basic_constraints = path.chain.len() > 1
        && path
            .checks
            .iter()
            .filter(|c| c.verdict != Verdict::Valid)
            .all(|c| c.name == "basic_constraints" && Some(&c.subject) == anchor_subject.as_ref());
    if path.verdict != Verdict::Valid && only_anchor_basic_constraints {
        return CheckResult::valid();
    }
    match path.verdict {
        Verdict::Valid => CheckResult::valid(),
        Verdict::Invalid => CheckResult::invalid(reason()),
        _ => CheckResult::indeterminate(reason()),
    }
}

fn qualification_name(q: &hpki_cert::Qualification) -> String {
    match q {
        hpki_cert::Qualification::Other(text) => text.clone(),
        known => format!("{known:?}"),
    }
}

fn signer_of(cert: &hpki_cert::Certificate) -> Signer {
    Signer {
        name: common_name(&cert.subject()),
        qualification: cert
            .hc_role()
            .and_then(hpki_cert::HcRole::qualification)
            .as_ref()
            .map(qualification_name),
        issuer: Some(cert.issuer()),
    }
}

fn common_name(rfc4514: &str) -> Option<String> {
    rfc4514
        .split(',')
        .find_map(|rdn| rdn.trim().strip_prefix("CN="))
        .map(str::to_owned)
}

/// Parses an `xsd:dateTime` such as `2022-09-07T08:08:01+00:00` or `...Z`.
pub(crate) fn parse_xml_time(s: &str) -> Option<jiff::Timestamp> {
    s.trim().parse::<jiff::Timestamp>().ok()
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

fn level_of(sig: Node<'_, '_>) -> Level {
    let has = |ns: &str, name: &str| sig.descendants().any(|n| n.has_tag_name((ns, name)));
    if has(XADES141, "ArchiveTimeStamp") || has(XADES, "ArchiveTimeStamp") {
        Level::A
    } else if has(XADES, "CertificateValues") && has(XADES, "RevocationValues") {
        Level::Xl
    } else if has(XADES, "SignatureTimeStamp") {
        Level::T
    } else {
        Level::Bes
    }
}

/// The text of `node`, borrowed from the document when it is one text node (the
/// usual shape of base64 content), so that decoding a certificate, CRL or token does
/// not first copy its text; otherwise [`text_of`].
fn text_ref<'a>(node: Node<'a, '_>) -> std::borrow::Cow<'a, str> {
    match node.first_child() {
        Some(only) if only.is_text() && only.next_sibling().is_none() => {
            std::borrow::Cow::Borrowed(only.text().unwrap_or_default())
        }
        _ => std::borrow::Cow::Owned(text_of(node)),
    }
}

pub(crate) fn text_of(node: Node<'_, '_>) -> String {
    node.descendants()
        .filter(Node::is_text)
        .filter_map(|n| n.text())
        .collect()
}

/// Decodes base64 that may be broken into lines (XML Schema's base64Binary allows
/// whitespace anywhere).
pub(crate) fn decode_b64(text: &str) -> Result<Vec<u8>, String> {
    let bytes = text.as_bytes();
    let mut compact = Vec::with_capacity(bytes.len());
    // Base64 in XML comes in lines: find the line breaks with memchr and copy each
    // line without its surrounding whitespace; a line with whitespace inside (rare)
    // is filtered byte by byte.
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len())) {
        let line = bytes.get(start..end).unwrap_or_default().trim_ascii();
        // XML whitespace is space, tab, CR and LF (form feed cannot occur in XML).
        if memchr::memchr3(b' ', b'\t', b'\r', line).is_some() {
            compact.extend(line.iter().filter(|b| !b.is_ascii_whitespace()));
        } else {
            compact.extend_from_slice(line);
        }
        start = end.saturating_add(1);
    }
    base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|e| format!("bad base64: {e}"))
}

fn digest_from_uri(uri: &str) -> Option<DigestAlgorithm> {
    match uri {
        SHA256_URI => Some(DigestAlgorithm::Sha256),
        "http://www.w3.org/2001/04/xmldsig-more#sha384" => Some(DigestAlgorithm::Sha384),
        "http://www.w3.org/2001/04/xmlenc#sha512" => Some(DigestAlgorithm::Sha512),
        _ => None,
    }
}

fn child<'a, 'i>(node: Node<'a, 'i>, ns: &str, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.has_tag_name((ns, name)))
}

struct Reference<'a, 'i> {
    uri: String,
    method: C14nMethod,
    digest_alg: Option<String>,
    digest_value: String,
    target: Option<Node<'a, 'i>>,
}

/// The parts of one signature, found at their schema positions.
struct Parts<'a, 'i> {
    signed_info: Node<'a, 'i>,
    signed_info_c14n: C14nMethod,
    signature_value: Node<'a, 'i>,
    key_info: Node<'a, 'i>,
    references: Vec<Reference<'a, 'i>>,
    signed_properties: Node<'a, 'i>,
    unsigned_signature_properties: Option<Node<'a, 'i>>,
    other_objects: Vec<Node<'a, 'i>>,
    signing_time: Option<String>,
    /// Which element reference 1 must cover.
    expected_content: Option<NodeId>,
}

impl<'a, 'i> Parts<'a, 'i> {
    fn read(parsed: &'a Parsed<'i>, sig: Node<'a, 'i>, role: Role) -> Result<Self, String> {
        let sig_id = sig.attribute("Id").ok_or("ds:Signature has no Id")?;
        let mut elems = sig.children().filter(Node::is_element);
        let signed_info = elems
            .next()
            .filter(|n| n.has_tag_name((DSIG, "SignedInfo")))
            .ok_or("the first child of ds:Signature is not ds:SignedInfo")?;
        let signature_value = elems
            .next()
            .filter(|n| n.has_tag_name((DSIG, "SignatureValue")))
            .ok_or("ds:SignatureValue missing after ds:SignedInfo")?;
        let key_info = elems
            .next()
            .filter(|n| n.has_tag_name((DSIG, "KeyInfo")))
            .ok_or("ds:KeyInfo missing after ds:SignatureValue")?;
        let objects: Vec<Node<'a, 'i>> = elems.collect();
        if objects.iter().any(|o| !o.has_tag_name((DSIG, "Object"))) {
            return Err("unexpected element after ds:KeyInfo".into());
        }

        let mut si = signed_info.children().filter(Node::is_element);
        let cm = si
            .next()
            .filter(|n| n.has_tag_name((DSIG, "CanonicalizationMethod")))
            .ok_or("ds:CanonicalizationMethod missing")?;
        let signed_info_c14n = c14n_of(cm)?;
        let sm = si
            .next()
            .filter(|n| n.has_tag_name((DSIG, "SignatureMethod")))
            .ok_or("ds:SignatureMethod missing")?;
        let sm_alg = sm.attribute("Algorithm").unwrap_or_default();
        if sm_alg != RSA_SHA256 {
            return Err(format!("SignatureMethod {sm_alg:?} is not rsa-sha256"));
        }
        let reference_nodes: Vec<Node<'a, 'i>> = si.collect();
        let typed = reference_nodes
            .iter()
            .filter(|r| r.attribute("Type") == Some(SIGNED_PROPERTIES_TYPE))
            .count();
        if typed != 1 {
            return Err(format!(
                "{typed} References have Type {SIGNED_PROPERTIES_TYPE}, exactly one is prescribed"
            ));
        }
        let mut references = Vec::new();
        for r in reference_nodes {
            if !r.has_tag_name((DSIG, "Reference")) {
                return Err("unexpected element in ds:SignedInfo".into());
            }
            references.push(read_reference(parsed, r)?);
        }
        if references.len() != 3 {
            return Err(format!(
                "ds:SignedInfo has {} References, three are prescribed",
                references.len()
            ));
        }

        // QualifyingProperties in exactly one ds:Object, targeting this signature.
        let mut qps = objects
            .iter()
            .filter_map(|o| child(*o, XADES, "QualifyingProperties").map(|q| (*o, q)));
        let (qp_object, qp) = qps.next().ok_or("no xades:QualifyingProperties")?;
        if qps.next().is_some() {
            return Err("more than one xades:QualifyingProperties".into());
        }
        if qp.attribute("Target") != Some(&format!("#{sig_id}")) {
            return Err(format!("QualifyingProperties Target is not #{sig_id}"));
        }
        let signed_properties =
            child(qp, XADES, "SignedProperties").ok_or("no xades:SignedProperties")?;
        let ssp = child(signed_properties, XADES, "SignedSignatureProperties")
            .ok_or("no xades:SignedSignatureProperties")?;
        let signing_time = child(ssp, XADES, "SigningTime").map(text_of);
        let unsigned_signature_properties = child(qp, XADES, "UnsignedProperties")
            .and_then(|u| child(u, XADES, "UnsignedSignatureProperties"));
        let other_objects = objects
            .iter()
            .filter(|o| o.id() != qp_object.id())
            .copied()
            .collect();

        // Which reference is which.
        let sp_refs: Vec<&Reference<'_, '_>> = references
            .iter()
            .filter(|r| r.target.map(|t| t.id()) == Some(signed_properties.id()))
            .collect();
        let sp_ref = match sp_refs.as_slice() {
            [one] => *one,
            _ => return Err("no single Reference to the signature's SignedProperties".into()),
        };
        let sp_type = signed_info
            .children()
            .filter(|n| n.has_tag_name((DSIG, "Reference")))
            .find(|n| n.attribute("URI") == Some(sp_ref.uri.as_str()))
            .and_then(|n| n.attribute("Type"));
        if sp_type != Some(SIGNED_PROPERTIES_TYPE) {
            return Err(format!(
                "the SignedProperties Reference has Type {sp_type:?}, not {SIGNED_PROPERTIES_TYPE}"
            ));
        }
        if !references
            .iter()
            .any(|r| r.target.map(|t| t.id()) == Some(key_info.id()))
        {
            return Err("no Reference to the signature's KeyInfo".into());
        }
        let expected_content = expected_content(sig, role);
        let first = references.first().ok_or("no Reference")?;
        let want = match role {
            Role::Dispensing => "#Dispensing",
            _ => "#PrescriptionDocument",
        };
        if first.uri != want {
            return Err(format!(
                "the first Reference is {:?}, {want} is prescribed for a {} signature",
                first.uri,
                role.as_str()
            ));
        }
        Ok(Self {
            signed_info,
            signed_info_c14n,
            signature_value,
            key_info,
            references,
            signed_properties,
            unsigned_signature_properties,
            other_objects,
            signing_time,
            expected_content,
        })
    }

    fn unsigned_child(&self, ns: &str, name: &str) -> Option<Node<'a, 'i>> {
        self.unsigned_signature_properties
            .and_then(|u| child(u, ns, name))
    }
}

/// The element the first Reference of a signature with `role` must cover: the
/// PrescriptionDocument next to the PrescriptionSign, or the Dispensing element the
/// DispensingSign follows.
fn expected_content(sig: Node<'_, '_>, role: Role) -> Option<NodeId> {
    let wrapper = sig.parent_element()?;
    let container = wrapper.parent_element()?;
    let name = match role {
        Role::Dispensing => "Dispensing",
        _ => "PrescriptionDocument",
    };
    let mut found = container.children().filter(|n| n.has_tag_name(name));
    let one = found.next()?;
    found.next().is_none().then_some(one.id())
}

fn c14n_of(node: Node<'_, '_>) -> Result<C14nMethod, String> {
    let alg = node.attribute("Algorithm").unwrap_or_default();
    let method =
        C14nMethod::from_uri(alg).ok_or_else(|| format!("unsupported canonicalization {alg:?}"))?;
    Ok(match method {
        C14nMethod::Exclusive { .. } => {
            let prefixes = node
                .children()
                .find(|n| n.tag_name().name() == "InclusiveNamespaces")
                .and_then(|n| n.attribute("PrefixList"))
                .map(|l| l.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default();
            C14nMethod::Exclusive {
                inclusive_prefixes: prefixes,
            }
        }
        other => other,
    })
}

fn read_reference<'a, 'i>(
    parsed: &'a Parsed<'i>,
    r: Node<'a, 'i>,
) -> Result<Reference<'a, 'i>, String> {
    let uri = r
        .attribute("URI")
        .ok_or("a Reference has no URI")?
        .to_owned();
    let mut method = C14nMethod::Inclusive;
    let mut elems = r.children().filter(Node::is_element).peekable();
    if let Some(t) = elems.next_if(|n| n.has_tag_name((DSIG, "Transforms"))) {
        let transforms: Vec<Node<'_, '_>> = t.children().filter(Node::is_element).collect();
        match transforms.as_slice() {
            [one] if one.has_tag_name((DSIG, "Transform")) => method = c14n_of(*one)?,
            _ => {
                return Err(format!(
                    "Reference {uri}: only one c14n Transform is supported"
                ));
            }
        }
    }
    let dm = elems
        .next()
        .filter(|n| n.has_tag_name((DSIG, "DigestMethod")))
        .ok_or_else(|| format!("Reference {uri}: no DigestMethod"))?;
    let dv = elems
        .next()
        .filter(|n| n.has_tag_name((DSIG, "DigestValue")))
        .ok_or_else(|| format!("Reference {uri}: no DigestValue"))?;
    let id = uri
        .strip_prefix('#')
        .ok_or_else(|| format!("Reference URI {uri:?} is not a same-document #id"))?;
    let target = parsed.ids.get(id).and_then(|n| parsed.doc.get_node(*n));
    Ok(Reference {
        method,
        digest_alg: dm.attribute("Algorithm").map(str::to_owned),
        digest_value: text_of(dv),
        target,
        uri,
    })
}

struct SigningCert {
    der: Vec<u8>,
    parsed: std::sync::Arc<hpki_cert::Certificate>,
    others: Vec<Vec<u8>>,
}

fn signing_certificate(
    parts: &Parts<'_, '_>,
    trust: &TrustStore,
    decoded: &DecodedMemo,
) -> Result<SigningCert, String> {
    let x509data = child(parts.key_info, DSIG, "X509Data").ok_or("KeyInfo has no X509Data")?;
    let mut certs = Vec::new();
    for c in x509data
        .children()
        .filter(|n| n.has_tag_name((DSIG, "X509Certificate")))
    {
        certs.push(
            decoded
                .decode(&text_ref(c))
                .map_err(|e| format!("X509Certificate: {e}"))?,
        );
    }
    if certs.is_empty() {
        return Err("KeyInfo has no X509Certificate".into());
    }
    let ssp = child(parts.signed_properties, XADES, "SignedSignatureProperties")
        .ok_or("no SignedSignatureProperties")?;
    let sc = child(ssp, XADES, "SigningCertificateV2")
        .or_else(|| child(ssp, XADES, "SigningCertificate"))
        .ok_or("SignedProperties has no SigningCertificateV2 (or SigningCertificate)")?;
    let first = child(sc, XADES, "Cert").ok_or("SigningCertificate has no Cert")?;
    let digest = child(first, XADES, "CertDigest").ok_or("Cert has no CertDigest")?;
    let alg_uri = child(digest, DSIG, "DigestMethod")
        .and_then(|d| d.attribute("Algorithm"))
        .unwrap_or_default();
    let alg = digest_from_uri(alg_uri)
        .ok_or_else(|| format!("unsupported CertDigest method {alg_uri:?}"))?;
    let value = child(digest, DSIG, "DigestValue")
        .map(text_of)
        .ok_or("CertDigest has no DigestValue")?;
    let value = decode_b64(&value).map_err(|e| format!("CertDigest: {e}"))?;
    let index = certs
        .iter()
        .position(|c| alg.hash(c) == value)
        .ok_or("the KeyInfo certificate does not match the SigningCertificate digest")?;
    let der = certs.remove(index);
    let parsed = trust
        .certificate(&der)
        .map_err(|e| format!("signing certificate: {e}"))?;
    if let Some(serial) = child(first, XADES, "IssuerSerial")
        .and_then(|is| child(is, DSIG, "X509SerialNumber"))
        .map(text_of)
    {
        let want = decimal_to_hex(serial.trim()).ok_or("X509SerialNumber is not a number")?;
        let have = parsed
            .serial_hex()
            .trim_start_matches('0')
            .to_ascii_lowercase();
        if want != have {
            return Err("IssuerSerial does not name the KeyInfo certificate".into());
        }
    }
    Ok(SigningCert {
        parsed,
        der,
        others: certs,
    })
}

/// A decimal serial number as lowercase hex without leading zeros.
fn decimal_to_hex(dec: &str) -> Option<String> {
    if dec.is_empty() || dec.len() > 100 || !dec.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Big-endian base-256 digits.
    let mut bytes: Vec<u8> = vec![0];
    for d in dec.bytes() {
        let mut carry = u32::from(d - b'0');
        for b in bytes.iter_mut().rev() {
            let v = u32::from(*b) * 10 + carry;
            *b = (v & 0xff) as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            bytes.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let trimmed = hex.trim_start_matches('0');
    Some(if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.into()
    })
}

type Content = (String, std::ops::Range<usize>, String);

fn check_references(parsed: &Parsed<'_>, parts: &Parts<'_, '_>) -> Result<Content, String> {
    let _ = parsed;
    let mut content = None;
    let mut buf = Vec::new();
    for (i, r) in parts.references.iter().enumerate() {
        let target = r
            .target
            .ok_or_else(|| format!("Reference {} resolves to no element", r.uri))?;
        if i == 0 {
            if Some(target.id()) != parts.expected_content {
                return Err(format!(
                    "Reference {} does not cover the element at its schema position \
                     (moved, duplicated or wrapped content)",
                    r.uri
                ));
            }
            content = Some((
                target.tag_name().name().to_owned(),
                target.range(),
                text_of(target),
            ));
        }
        let alg_uri = r.digest_alg.as_deref().unwrap_or_default();
        let alg = digest_from_uri(alg_uri)
            .ok_or_else(|| format!("Reference {}: unsupported DigestMethod {alg_uri:?}", r.uri))?;
        let expected = decode_b64(&r.digest_value)
            .map_err(|e| format!("Reference {}: DigestValue {e}", r.uri))?;
        buf.clear();
        canonicalize_subtree(target, &r.method, &mut buf);
        if alg.hash(&buf) != expected {
            return Err(format!("Reference {}: digest does not match", r.uri));
        }
    }
    content.ok_or_else(|| "no Reference".into())
}

fn check_signature_value(parts: &Parts<'_, '_>, cert: &SigningCert) -> Result<(), String> {
    let sig =
        decode_b64(&text_ref(parts.signature_value)).map_err(|e| format!("SignatureValue: {e}"))?;
    let mut c14n = Vec::new();
    canonicalize_subtree(parts.signed_info, &parts.signed_info_c14n, &mut c14n);
    hpki_cert::verify_rsa_pkcs1_message(
        cert.parsed.spki_der(),
        DigestAlgorithm::Sha256,
        &c14n,
        &sig,
    )
    .map_err(|e| format!("SignatureValue does not verify with the KeyInfo certificate: {e}"))
}

/// How many decoded certificates and CRLs a verifier keeps.
const DECODED_ENTRIES: usize = 32;
/// Base64 texts longer than this (a large CRL) are decoded every time, not kept.
const DECODED_MAX_TEXT: usize = 64 << 10;

/// Certificates and CRLs decoded from base64 before, by their exact text (as it
/// stands in the document, line breaks included), newest last.
///
/// The documents of a batch carry the same CA, TSA and signer certificates and the
/// same CRLs, and decoding their base64 again was some 7% of verifying one; comparing
/// the text with a few kept ones is far cheaper. At most `DECODED_ENTRIES` texts of up
/// to `DECODED_MAX_TEXT` bytes are kept, with their DER. Only certificates and CRLs
/// are kept (never a SignatureValue, digest or time-stamp token, which differ per
/// document); a text that does not decode is not kept, so its error is reported each
/// time; an entry is used only for byte-identical text, and decoding is a pure
/// function of the text, so the bytes returned are those a fresh decode gives.
#[derive(Default)]
struct DecodedMemo(std::sync::Mutex<Vec<(Box<str>, Vec<u8>)>>);

impl core::fmt::Debug for DecodedMemo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let n = self.0.lock().map(|v| v.len()).unwrap_or_default();
        write!(f, "DecodedMemo({n} entries)")
    }
}

impl DecodedMemo {
    /// `decode_b64(text)`, from the memo when this exact text was decoded before.
    fn decode(&self, text: &str) -> Result<Vec<u8>, String> {
        if let Ok(mut kept) = self.0.lock()
            && let Some(i) = kept.iter().rposition(|(t, _)| **t == *text)
        {
            let entry = kept.remove(i);
            let der = entry.1.clone();
            kept.push(entry);
            return Ok(der);
        }
        let der = decode_b64(text)?;
        if text.len() <= DECODED_MAX_TEXT
            && let Ok(mut kept) = self.0.lock()
        {
            if kept.len() >= DECODED_ENTRIES {
                kept.remove(0);
            }
            kept.push((text.into(), der.clone()));
        }
        Ok(der)
    }
}

/// Certificates and CRLs the signature carries (CertificateValues, RevocationValues,
/// including those inside TimeStampValidationData).
struct ValidationData {
    certs: Vec<Vec<u8>>,
    /// Shared by every path of the signature (signer, time-stamp authorities).
    crls: std::sync::Arc<[Vec<u8>]>,
}

impl ValidationData {
    fn collect(parts: &Parts<'_, '_>, decoded: &DecodedMemo) -> Self {
        let mut certs = Vec::new();
        let mut crls = Vec::new();
        if let Some(usp) = parts.unsigned_signature_properties {
            for n in usp.descendants().filter(Node::is_element) {
                let name = n.tag_name();
                if name.namespace() != Some(XADES) {
                    continue;
                }
                let target = match name.name() {
                    "EncapsulatedX509Certificate" => &mut certs,
                    "EncapsulatedCRLValue" => &mut crls,
                    _ => continue,
                };
                if let Ok(der) = decoded.decode(&text_ref(n)) {
                    target.push(der);
                }
            }
        }
        Self {
            certs,
            crls: crls.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoded_memo_answers_only_for_identical_text() {
        let memo = DecodedMemo::default();
        assert_eq!(memo.decode("AAEC\nAw==").as_deref(), Ok(&[0, 1, 2, 3][..]));
        // Kept, and the same bytes as a fresh decode.
        assert_eq!(memo.decode("AAEC\nAw==").as_deref(), Ok(&[0, 1, 2, 3][..]));
        // One character different: decoded afresh, not the kept entry.
        assert_eq!(memo.decode("AAEC\nBA==").as_deref(), Ok(&[0, 1, 2, 4][..]));
        // A failure is not kept: reported each time.
        assert!(memo.decode("A!==").is_err());
        assert!(memo.decode("A!==").is_err());
        // Bounded.
        for i in 0..(2 * DECODED_ENTRIES) {
            let text = base64::engine::general_purpose::STANDARD.encode(i.to_be_bytes());
            assert_eq!(memo.decode(&text).as_deref(), Ok(&i.to_be_bytes()[..]));
        }
        let kept = memo.0.lock().map(|v| v.len()).unwrap_or(usize::MAX);
        assert!(kept <= DECODED_ENTRIES, "{kept} entries kept");
    }

    #[test]
    fn decimal_serials_convert_to_hex() {
        assert_eq!(decimal_to_hex("350").as_deref(), Some("15e"));
        assert_eq!(decimal_to_hex("0").as_deref(), Some("0"));
        assert_eq!(
            decimal_to_hex("18446744073709551616").as_deref(),
            Some("10000000000000000")
        );
        assert_eq!(decimal_to_hex("12a"), None);
    }
}
