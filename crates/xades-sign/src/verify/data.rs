//! The validation data a signature carries (CertificateValues, RevocationValues, also
//! inside TimeStampValidationData), decoded once, and the level it claims.

use std::collections::HashMap;
use std::sync::Arc;

use hpki_cert::SubIndication;
use roxmltree::{Node, NodeId};

use super::parts::{Parts, text_ref};
use super::{XADES, XADES141};
use crate::report::{CheckResult, Level};

/// Decoding and parsing for one verification, through the verifier's
/// [`VerificationCache`](hpki_cert::VerificationCache).
pub(super) struct Decoder<'a> {
    pub cache: &'a hpki_cert::VerificationCache,
}

impl Decoder<'_> {
    /// The bytes of a base64 text (XML base64Binary: whitespace allowed).
    pub fn base64(&self, text: &str) -> Result<Arc<[u8]>, String> {
        self.cache.base64(text).map_err(|e| e.to_string())
    }

    /// The certificate of `der`.
    pub fn certificate(&self, der: &[u8]) -> Result<Arc<hpki_cert::Certificate>, hpki_cert::Error> {
        self.cache.certificate(der)
    }
}

/// Certificates and CRLs the signature carries.
pub(super) struct ValidationData {
    pub certs: Vec<Vec<u8>>,
    /// The signature's CRLs, then the caller's: one list shared by every path of the
    /// signature (signer, time-stamp authorities), not copied per path.
    pub crls: Arc<[Vec<u8>]>,
}

impl ValidationData {
    /// Decodes every EncapsulatedX509Certificate and EncapsulatedCRLValue of the
    /// unsigned properties. The second value names each one that does not decode or
    /// parse: the `validation_data` check fails with it (such data is never silently
    /// dropped). `caller_crls` follow the signature's own in [`crls`](Self::crls).
    pub fn collect(
        parts: &Parts<'_, '_>,
        decoder: &Decoder<'_>,
        trust: &hpki_cert::TrustStore,
        caller_crls: &[Vec<u8>],
    ) -> (Self, Vec<String>) {
        let mut certs = Vec::new();
        let mut crls = Vec::new();
        let mut problems = Problems::default();
        let Some(usp) = parts.unsigned_signature_properties else {
            let crls = caller_crls.into();
            return (Self { certs, crls }, Vec::new());
        };
        // Each value with its element and position, named only if it has a problem.
        let mut parsed_certs: Vec<(Value<'_, '_>, Arc<hpki_cert::Certificate>)> = Vec::new();
        let mut parsed_crls: Vec<(Value<'_, '_>, Arc<hpki_cert::Crl>)> = Vec::new();
        // 1-based positions among same-named siblings, counted in document order (a
        // count of the preceding siblings per value would be quadratic).
        let mut positions: HashMap<(Option<NodeId>, &str), usize> = HashMap::new();
        for n in usp.descendants().filter(Node::is_element) {
            let name = n.tag_name();
            if !matches!(name.namespace(), Some(XADES | XADES141)) {
                continue;
            }
            let is_cert = match name.name() {
                "EncapsulatedX509Certificate" => true,
                "EncapsulatedCRLValue" => false,
                _ => continue,
            };
            let position = positions
                .entry((n.parent().map(|p| p.id()), name.name()))
                .or_insert(0);
            *position += 1;
            let what = Value(n, *position);
            let der = match decoder.base64(&text_ref(n)) {
                Ok(d) => d,
                Err(e) => {
                    problems.push(|| format!("{what}: {e}"));
                    continue;
                }
            };
            if is_cert {
                match decoder.certificate(&der) {
                    Ok(c) => {
                        certs.push(der.to_vec());
                        parsed_certs.push((what, c));
                    }
                    Err(e) => problems.push(|| format!("{what}: {e}")),
                }
            } else {
                match decoder.cache.crl(&der) {
                    Ok(c) => {
                        crls.push(der.to_vec());
                        parsed_crls.push((what, c));
                    }
                    Err(e) => problems.push(|| format!("{what}: {e}")),
                }
            }
        }
        // Integrity: every value the signature carries must be what its issuer signed.
        // A certificate or CRL altered in transit that no path happens to use would
        // otherwise pass unseen.
        // The candidate issuers by subject, each subject formatted once.
        let mut pool: HashMap<String, Vec<&hpki_cert::Certificate>> = HashMap::new();
        for c in parsed_certs
            .iter()
            .map(|(_, c)| &**c)
            .chain(trust.anchors())
            .chain(trust.intermediates())
        {
            pool.entry(c.subject()).or_default().push(c);
        }
        for (what, cert) in &parsed_certs {
            // A copy byte for byte identical to a configured anchor is intact by
            // definition (the anchor is trusted by configuration, not by its signature).
            if trust.anchors().any(|a| a.der() == cert.der()) {
                continue;
            }
            if let Err(e) = issued_by_one_of(cert.issuer(), &pool, |issuer| {
                decoder.cache.verify_certificate_signature(cert, issuer)
            }) {
                problems.push(|| format!("{what} ({}): {e}", cert.subject()));
            }
        }
        for (what, crl) in &parsed_crls {
            if let Err(e) = issued_by_one_of(crl.issuer().to_owned(), &pool, |issuer| {
                decoder.cache.verify_crl_signature(crl, issuer)
            }) {
                problems.push(|| format!("{what} (CRL of {}): {e}", crl.issuer()));
            }
        }
        crls.extend_from_slice(caller_crls);
        let crls = crls.into();
        (Self { certs, crls }, problems.finish())
    }
}

/// A value of the validation data: its element and 1-based position among its
/// same-named siblings; displayed as `EncapsulatedX509Certificate #2 (CertificateValues)`.
#[derive(Clone, Copy)]
struct Value<'a, 'i>(Node<'a, 'i>, usize);

impl core::fmt::Display for Value<'_, '_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} #{} ({})",
            self.0.tag_name().name(),
            self.1,
            path_of(self.0)
        )
    }
}

/// How many validation-data problems are named one by one in the report; the rest
/// are counted (a hostile signature may carry thousands of broken values).
const MAX_PROBLEMS: usize = 10;

/// The problems found: the first [`MAX_PROBLEMS`] formatted, the others counted.
#[derive(Default)]
struct Problems {
    named: Vec<String>,
    more: usize,
}

impl Problems {
    fn push(&mut self, problem: impl FnOnce() -> String) {
        if self.named.len() < MAX_PROBLEMS {
            self.named.push(problem());
        } else {
            self.more += 1;
        }
    }

    fn finish(mut self) -> Vec<String> {
        if self.more > 0 {
            self.named.push(format!("… and {} more", self.more));
        }
        self.named
    }
}

/// Whether one of the certificates of `pool` named `issuer` verifies (`verify`).
fn issued_by_one_of(
    issuer: String,
    pool: &HashMap<String, Vec<&hpki_cert::Certificate>>,
    verify: impl Fn(&hpki_cert::Certificate) -> Result<(), hpki_cert::Error>,
) -> Result<(), String> {
    let mut tried = 0;
    for cand in pool.get(&issuer).into_iter().flatten() {
        tried += 1;
        if verify(cand).is_ok() {
            return Ok(());
        }
    }
    if tried == 0 {
        Err(format!(
            "its issuer {issuer} is neither among the validation data nor in the trust store"
        ))
    } else {
        Err(format!(
            "its signature does not verify with the key of {issuer}"
        ))
    }
}

/// The local names from the UnsignedSignatureProperties down to `n`'s parent.
fn path_of(n: Node<'_, '_>) -> String {
    let mut names: Vec<&str> = n
        .ancestors()
        .skip(1)
        .filter(Node::is_element)
        .take_while(|a| a.tag_name().name() != "UnsignedSignatureProperties")
        .map(|a| a.tag_name().name())
        .collect();
    names.reverse();
    if names.is_empty() {
        "UnsignedSignatureProperties".into()
    } else {
        names.join("/")
    }
}

/// The level a signature claims, from the unsigned properties it carries, and whether
/// the properties that define that level are all there (EN 319 132-1: XL needs the
/// signature time-stamp, CertificateValues and RevocationValues; A needs those and an
/// ArchiveTimeStamp).
pub(super) fn level_of(parts: &Parts<'_, '_>) -> (Level, Vec<String>) {
    let has = |name: &str| parts.unsigned_child(XADES, name).is_some();
    let has_ats =
        parts.unsigned_child(XADES141, "ArchiveTimeStamp").is_some() || has("ArchiveTimeStamp");
    let (cv, rv, ts) = (
        has("CertificateValues"),
        has("RevocationValues"),
        has("SignatureTimeStamp"),
    );
    let level = if has_ats {
        Level::A
    } else if cv || rv {
        Level::Xl
    } else if ts {
        Level::T
    } else {
        Level::Bes
    };
    let mut missing = Vec::new();
    if level >= Level::Xl {
        for (present, name) in [
            (ts, "SignatureTimeStamp"),
            (cv, "CertificateValues"),
            (rv, "RevocationValues"),
        ] {
            if !present {
                missing.push(format!(
                    "the signature claims level {} but has no {name}",
                    level.as_str()
                ));
            }
        }
    }
    (level, missing)
}

/// The `validation_data` check from the decoding problems and the level's missing
/// properties.
pub(super) fn validation_data_check(problems: &[String], missing: &[String]) -> CheckResult {
    if problems.is_empty() && missing.is_empty() {
        return CheckResult::valid();
    }
    let all: Vec<&str> = missing.iter().chain(problems).map(String::as_str).collect();
    CheckResult::invalid(SubIndication::FormatFailure, all.join("; "))
}
