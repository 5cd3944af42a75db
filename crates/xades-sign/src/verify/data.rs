//! The validation data a signature carries (CertificateValues, RevocationValues, also
//! inside TimeStampValidationData), decoded once, and the level it claims.

use std::sync::Arc;

use hpki_cert::SubIndication;
use roxmltree::Node;

use super::parts::{Parts, decode_b64, text_ref};
use super::{XADES, XADES141};
use crate::report::{CheckResult, Level};

/// Decoding and parsing for one verification, through the verifier's memo.
pub(super) struct Decoder<'a> {
    pub trust: &'a hpki_cert::TrustStore,
    pub memo: &'a DecodedMemo,
}

impl Decoder<'_> {
    /// `decode_b64(text)`, remembered for certificate- and CRL-sized texts.
    pub fn base64(&self, text: &str) -> Result<Arc<[u8]>, String> {
        self.memo.decode(text)
    }

    /// The certificate of `der`, parsed once per trust store.
    pub fn certificate(&self, der: &[u8]) -> Result<Arc<hpki_cert::Certificate>, hpki_cert::Error> {
        self.trust.certificate(der)
    }

    /// Whether `der` is a CRL that parses.
    pub fn crl_parses(&self, der: &[u8]) -> Result<(), hpki_cert::Error> {
        self.trust.crl(der).map(|_| ())
    }
}

/// Certificates and CRLs the signature carries.
pub(super) struct ValidationData {
    pub certs: Vec<Vec<u8>>,
    /// Shared by every path of the signature (signer, time-stamp authorities).
    pub crls: Vec<Vec<u8>>,
}

impl ValidationData {
    /// Decodes every EncapsulatedX509Certificate and EncapsulatedCRLValue of the
    /// unsigned properties. The second value names each one that does not decode or
    /// parse: the `validation_data` check fails with it (such data is never silently
    /// dropped).
    pub fn collect(parts: &Parts<'_, '_>, decoder: &Decoder<'_>) -> (Self, Vec<String>) {
        let mut certs = Vec::new();
        let mut crls = Vec::new();
        let mut problems = Vec::new();
        let Some(usp) = parts.unsigned_signature_properties else {
            return (Self { certs, crls }, problems);
        };
        let (mut n_cert, mut n_crl) = (0usize, 0usize);
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
            let index = if is_cert { &mut n_cert } else { &mut n_crl };
            *index += 1;
            let what = || format!("{} #{} ({})", name.name(), index_of(n), path_of(n));
            let der = match decoder.base64(&text_ref(n)) {
                Ok(d) => d,
                Err(e) => {
                    problems.push(format!("{}: {e}", what()));
                    continue;
                }
            };
            let parsed = if is_cert {
                decoder.certificate(&der).map(|_| ())
            } else {
                decoder.crl_parses(&der)
            };
            match parsed {
                Ok(()) if is_cert => certs.push(der.to_vec()),
                Ok(()) => crls.push(der.to_vec()),
                Err(e) => problems.push(format!("{}: {e}", what())),
            }
        }
        (Self { certs, crls }, problems)
    }
}

/// 1-based position of `n` among its same-named siblings.
fn index_of(n: Node<'_, '_>) -> usize {
    n.prev_siblings()
        .filter(|s| s.tag_name() == n.tag_name())
        .count()
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
    let has_ats = parts.unsigned_child(XADES141, "ArchiveTimeStamp").is_some()
        || has("ArchiveTimeStamp");
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
    let all: Vec<&str> = missing
        .iter()
        .chain(problems)
        .map(String::as_str)
        .collect();
    CheckResult::invalid(SubIndication::FormatFailure, all.join("; "))
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
/// to `DECODED_MAX_TEXT` bytes are kept, with their DER. A text that does not decode is
/// not kept, so its error is reported each time; an entry is used only for
/// byte-identical text, and decoding is a pure function of the text, so the bytes
/// returned are those a fresh decode gives.
#[derive(Default)]
pub(super) struct DecodedMemo(std::sync::Mutex<Vec<(Box<str>, Arc<[u8]>)>>);

impl core::fmt::Debug for DecodedMemo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let n = self.0.lock().map(|v| v.len()).unwrap_or_default();
        write!(f, "DecodedMemo({n} entries)")
    }
}

impl DecodedMemo {
    /// `decode_b64(text)`, from the memo when this exact text was decoded before.
    pub fn decode(&self, text: &str) -> Result<Arc<[u8]>, String> {
        if let Ok(mut kept) = self.0.lock()
            && let Some(i) = kept.iter().rposition(|(t, _)| **t == *text)
        {
            let entry = kept.remove(i);
            let der = entry.1.clone();
            kept.push(entry);
            return Ok(der);
        }
        let der: Arc<[u8]> = decode_b64(text)?.into();
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

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

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
}
