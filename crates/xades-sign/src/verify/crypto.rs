//! The cryptographic checks of one signature: the signing certificate's binding, the
//! References' digests and the SignatureValue.

use std::collections::HashMap;

use cert_signer::DigestAlgorithm;
use hpki_cert::SubIndication;
use roxmltree::NodeId;

use super::parts::{Parts, child, decode_b64, digest_from_uri, text_of, text_ref};
use super::{DSIG, RSA_SHA256, XADES, data::Decoder};
use crate::{
    c14n::{C14nMethod, canonicalize_subtree},
    report::CheckResult,
};

/// The certificate the signature is checked with.
pub(super) struct SigningCert {
    pub der: Vec<u8>,
    pub parsed: std::sync::Arc<hpki_cert::Certificate>,
    /// The KeyInfo's other certificates.
    pub others: Vec<Vec<u8>>,
}

/// The signing certificate: the KeyInfo certificate whose digest SigningCertificateV2
/// (or v1) names. A signature without a SigningCertificate property is outside the
/// profile: its first KeyInfo certificate is still used for the remaining checks, and
/// the check says it is not bound by the signature.
pub(super) fn signing_certificate(
    parts: &Parts<'_, '_>,
    decoder: &Decoder<'_>,
) -> (CheckResult, Option<SigningCert>) {
    match bound_certificate(parts, decoder) {
        Ok(Binding::Bound(c)) => (CheckResult::valid(), Some(c)),
        Ok(Binding::Unbound(c, why)) => (
            CheckResult::invalid(SubIndication::FormatFailure, why),
            Some(c),
        ),
        Err((sub, why)) => (CheckResult::invalid(sub, why), None),
    }
}

enum Binding {
    Bound(SigningCert),
    Unbound(SigningCert, String),
}

type Failure = (SubIndication, String);

fn bound_certificate(parts: &Parts<'_, '_>, decoder: &Decoder<'_>) -> Result<Binding, Failure> {
    let none = |why: &str| (SubIndication::NoSigningCertificateFound, why.to_owned());
    let key_info = parts.key_info.ok_or_else(|| none("no ds:KeyInfo"))?;
    let x509data =
        child(key_info, DSIG, "X509Data").ok_or_else(|| none("KeyInfo has no X509Data"))?;
    let mut certs = Vec::new();
    for c in x509data
        .children()
        .filter(|n| n.has_tag_name((DSIG, "X509Certificate")))
    {
        let der = decoder.base64(&text_ref(c)).map_err(|e| {
            (
                SubIndication::FormatFailure,
                format!("KeyInfo X509Certificate: {e}"),
            )
        })?;
        certs.push(der.to_vec());
    }
    if certs.is_empty() {
        return Err(none("KeyInfo has no X509Certificate"));
    }
    let parse = |der: Vec<u8>, others: Vec<Vec<u8>>| {
        decoder
            .certificate(&der)
            .map(|parsed| SigningCert {
                der,
                parsed,
                others,
            })
            .map_err(|e| {
                (
                    SubIndication::FormatFailure,
                    format!("signing certificate: {e}"),
                )
            })
    };
    let sc = parts
        .signed_properties
        .and_then(|sp| child(sp, XADES, "SignedSignatureProperties"))
        .and_then(|ssp| {
            child(ssp, XADES, "SigningCertificateV2")
                .or_else(|| child(ssp, XADES, "SigningCertificate"))
        });
    let Some(sc) = sc else {
        let first = certs.remove(0);
        return Ok(Binding::Unbound(
            parse(first, certs)?,
            "no SigningCertificateV2 (or SigningCertificate) in SignedProperties: the KeyInfo \
             certificate is not bound by the signature"
                .into(),
        ));
    };
    let fail = |why: String| (SubIndication::NoSigningCertificateFound, why);
    let first =
        child(sc, XADES, "Cert").ok_or_else(|| fail("SigningCertificate has no Cert".into()))?;
    let digest =
        child(first, XADES, "CertDigest").ok_or_else(|| fail("Cert has no CertDigest".into()))?;
    let alg_uri = child(digest, DSIG, "DigestMethod")
        .and_then(|d| d.attribute("Algorithm"))
        .unwrap_or_default();
    let alg = digest_from_uri(alg_uri).ok_or_else(|| {
        (
            SubIndication::CryptoConstraintsFailure,
            format!("unsupported CertDigest method {alg_uri:?}"),
        )
    })?;
    let value = child(digest, DSIG, "DigestValue")
        .map(text_of)
        .ok_or_else(|| fail("CertDigest has no DigestValue".into()))?;
    let value = decode_b64(&value)
        .map_err(|e| (SubIndication::FormatFailure, format!("CertDigest: {e}")))?;
    let index = certs
        .iter()
        .position(|c| alg.hash(c) == value)
        .ok_or_else(|| {
            fail("the KeyInfo certificate does not match the SigningCertificate digest".into())
        })?;
    let der = certs.remove(index);
    let cert = parse(der, certs)?;
    if let Some(serial) = child(first, XADES, "IssuerSerial")
        .and_then(|is| child(is, DSIG, "X509SerialNumber"))
        .map(text_of)
    {
        let want = decimal_to_hex(serial.trim()).ok_or_else(|| {
            (
                SubIndication::FormatFailure,
                "X509SerialNumber is not a number".to_owned(),
            )
        })?;
        let have = cert
            .parsed
            .serial_hex()
            .trim_start_matches('0')
            .to_ascii_lowercase();
        if want != have {
            return Err(fail(
                "IssuerSerial does not name the KeyInfo certificate".into(),
            ));
        }
    }
    Ok(Binding::Bound(cert))
}

/// A decimal serial number as lowercase hex without leading zeros.
pub(super) fn decimal_to_hex(dec: &str) -> Option<String> {
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

/// The digests computed for one document, by element, canonicalization and
/// algorithm: an element several References (of one or several signatures) cover is
/// canonicalized and digested once.
#[derive(Default)]
pub(super) struct DigestMemo {
    digests: HashMap<(NodeId, C14nMethod, DigestAlgorithm), Vec<u8>>,
    /// How many digests were computed (for tests).
    pub computed: usize,
}

impl DigestMemo {
    /// The digest of `node` canonicalized with `method`, computed on first use.
    pub fn digest(
        &mut self,
        node: roxmltree::Node<'_, '_>,
        method: &C14nMethod,
        alg: DigestAlgorithm,
    ) -> &[u8] {
        let key = (node.id(), method.clone(), alg);
        let computed = &mut self.computed;
        self.digests.entry(key).or_insert_with(|| {
            *computed += 1;
            let mut buf = Vec::new();
            canonicalize_subtree(node, method, &mut buf);
            alg.hash(&buf)
        })
    }
}

/// What the first Reference covers: element name, byte range, text.
pub(super) type Content = (String, std::ops::Range<usize>, String);

/// Recomputes every Reference's digest. The first Reference must cover the element at
/// its schema position when the signature has a prescribed role (`expected_content`);
/// its content is returned only then.
pub(super) fn check_references(
    parts: &Parts<'_, '_>,
    memo: &mut DigestMemo,
) -> (CheckResult, Option<Content>) {
    let mut content = None;
    for (i, r) in parts.references.iter().enumerate() {
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                return (
                    CheckResult::indeterminate(SubIndication::SignedDataNotFound, e.clone()),
                    None,
                );
            }
        };
        let Some(target) = r.target else {
            return (
                CheckResult::indeterminate(
                    SubIndication::SignedDataNotFound,
                    format!("Reference {} resolves to no element", r.uri),
                ),
                None,
            );
        };
        if i == 0 && parts.expected_content.is_some() {
            if Some(target.id()) != parts.expected_content {
                return (
                    CheckResult::invalid(
                        SubIndication::FormatFailure,
                        format!(
                            "Reference {} does not cover the element at its schema position \
                             (moved, duplicated or wrapped content)",
                            r.uri
                        ),
                    ),
                    None,
                );
            }
            content = Some((
                target.tag_name().name().to_owned(),
                target.range(),
                text_of(target),
            ));
        }
        let alg_uri = r.digest_alg.as_deref().unwrap_or_default();
        let Some(alg) = digest_from_uri(alg_uri) else {
            return (
                CheckResult::indeterminate(
                    SubIndication::CryptoConstraintsFailure,
                    format!("Reference {}: unsupported DigestMethod {alg_uri:?}", r.uri),
                ),
                None,
            );
        };
        let expected = match decode_b64(&r.digest_value) {
            Ok(e) => e,
            Err(e) => {
                return (
                    CheckResult::invalid(
                        SubIndication::FormatFailure,
                        format!("Reference {}: DigestValue {e}", r.uri),
                    ),
                    None,
                );
            }
        };
        if memo.digest(target, &r.method, alg) != expected.as_slice() {
            return (
                CheckResult::invalid(
                    SubIndication::HashFailure,
                    format!("Reference {}: digest does not match", r.uri),
                ),
                None,
            );
        }
    }
    if parts.references.is_empty() {
        return (
            CheckResult::invalid(SubIndication::FormatFailure, "no Reference"),
            None,
        );
    }
    (CheckResult::valid(), content)
}

/// Verifies the SignatureValue over the canonical SignedInfo with `cert`.
pub(super) fn check_signature_value(parts: &Parts<'_, '_>, cert: &SigningCert) -> CheckResult {
    if parts.signature_method != RSA_SHA256 {
        return CheckResult::indeterminate(
            SubIndication::CryptoConstraintsFailure,
            format!(
                "SignatureMethod {:?} is not supported",
                parts.signature_method
            ),
        );
    }
    let method = match &parts.signed_info_c14n {
        Ok(m) => m,
        Err(e) => {
            return CheckResult::indeterminate(SubIndication::FormatFailure, e.clone());
        }
    };
    let sig = match decode_b64(&text_ref(parts.signature_value)) {
        Ok(s) => s,
        Err(e) => {
            return CheckResult::invalid(
                SubIndication::FormatFailure,
                format!("SignatureValue: {e}"),
            );
        }
    };
    let mut c14n = Vec::new();
    canonicalize_subtree(parts.signed_info, method, &mut c14n);
    match hpki_cert::verify_rsa_pkcs1_message(
        cert.parsed.spki_der(),
        DigestAlgorithm::Sha256,
        &c14n,
        &sig,
    ) {
        Ok(()) => CheckResult::valid(),
        Err(e) => CheckResult::invalid(
            SubIndication::SigCryptoFailure,
            format!("SignatureValue does not verify with the KeyInfo certificate: {e}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_element_is_digested_once_per_method_and_algorithm() {
        let limits = crate::Limits::default();
        let Ok(parsed) = crate::xml::parse("<a><b id=\"b\">x</b></a>", &limits) else {
            panic!("parse")
        };
        let Some(b) = parsed.ids.get("b").and_then(|n| parsed.doc.get_node(*n)) else {
            panic!("b")
        };
        let mut memo = DigestMemo::default();
        let first = memo
            .digest(b, &C14nMethod::Inclusive, DigestAlgorithm::Sha256)
            .to_vec();
        let again = memo
            .digest(b, &C14nMethod::Inclusive, DigestAlgorithm::Sha256)
            .to_vec();
        assert_eq!(first, again);
        assert_eq!(memo.computed, 1);
        memo.digest(b, &C14nMethod::exclusive(), DigestAlgorithm::Sha256);
        memo.digest(b, &C14nMethod::Inclusive, DigestAlgorithm::Sha384);
        assert_eq!(memo.computed, 3);
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
