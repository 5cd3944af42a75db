//! The real samples of the e-prescription service (see fixtures/README.md)
//! and signature-wrapping attempts built from them.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use xades_sign::{DocumentType, Level, Role, Status, TrustStore, VerificationReport, Verifier};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");

fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/eprescription/{name}")).unwrap()
}

fn verifier() -> Verifier {
    let trust = TrustStore::from_dir(std::path::Path::new(&format!("{FIXTURES}/trust"))).unwrap();
    Verifier::new(trust).at("2024-01-01T00:00:00Z".parse().unwrap())
}

fn verify_text(text: &str) -> VerificationReport {
    verifier().verify(text.as_bytes())
}

fn prescription_text() -> String {
    String::from_utf8(read("prescription-004_01.xml")).unwrap()
}

#[test]
fn sample_prescription_is_valid_at_level_xl_by_a_medical_doctor() {
    let report = verifier().verify(&read("prescription-004_01.xml"));
    assert_eq!(report.status, Status::Valid, "{report:#?}");
    assert_eq!(report.document_type, DocumentType::Prescription);
    let [sig] = report.signatures.as_slice() else {
        panic!("one signature")
    };
    assert_eq!(sig.role, Role::Prescription);
    assert_eq!(sig.level, Level::Xl);
    assert_eq!(sig.signer.qualification.as_deref(), Some("MedicalDoctor"));
    assert_eq!(sig.signer.name.as_deref(), Some("Sanjushi Kagurazaka"));
    assert_eq!(sig.checks.signature_timestamp.status, Status::Valid);
    assert_eq!(sig.checks.archive_timestamps.status, Status::Absent);
    assert_eq!(
        sig.timestamp_time.unwrap().to_string(),
        "2022-09-07T08:18:25Z"
    );
    let csv = report.prescription_csv().unwrap();
    assert!(csv.starts_with("SJ1\n"), "{csv}");
}

#[test]
fn sample_dispensing_has_both_signatures_checked() {
    let report = verifier().verify(&read("dispensing-005_03.xml"));
    assert_eq!(report.document_type, DocumentType::Dispensing);
    let roles: Vec<_> = report
        .signatures
        .iter()
        .map(|s| (s.role, s.level))
        .collect();
    assert_eq!(
        roles,
        [
            (Role::DispensingPrescription, Level::Xl),
            (Role::Dispensing, Level::A)
        ]
    );
    for sig in &report.signatures {
        for (name, check) in sig.checks.iter().take(5) {
            assert_eq!(check.status, Status::Valid, "{name}: {}", check.reason);
        }
    }
    assert_eq!(
        report.signatures[1].signer.qualification.as_deref(),
        Some("Pharmacist")
    );
    // The archive time-stamp's imprint matches the EN 319 132-1 §5.5.2 input and its
    // TSA chains to the configured test TSA root.
    assert_eq!(
        report.signatures[1].checks.archive_timestamps.status,
        Status::Valid
    );
    assert_eq!(report.status, Status::Valid);
}

#[test]
fn archive_timestamp_is_indeterminate_without_the_tsa_anchor() {
    let mut trust = TrustStore::new();
    for f in ["mhlw-hpki-root-ca-v2.der", "medis-sign-ca2.der"] {
        trust
            .add_anchor_der(&std::fs::read(format!("{FIXTURES}/trust/{f}")).unwrap())
            .unwrap();
    }
    let report = Verifier::new(trust)
        .at("2024-01-01T00:00:00Z".parse().unwrap())
        .verify(&read("dispensing-005_03.xml"));
    let a = &report.signatures[1].checks.archive_timestamps;
    assert_ne!(a.status, Status::Valid, "{a:?}");
    assert!(a.reason.contains("TSA"), "{a:?}");
    assert_ne!(report.status, Status::Valid);
}

#[test]
fn every_invalid_fixture_is_invalid_with_a_specific_reason() {
    let cases = [
        ("KeyInfoError.xml", "signing_certificate", "does not match"),
        (
            "NotFoundSignature.xml",
            "",
            "not an e-prescription document",
        ),
        (
            "NotFoundSignedPropertiesType.xml",
            "structure",
            "SignedProperties",
        ),
        (
            "PrescriptionReferenceError.xml",
            "references",
            "#PrescriptionDocument: digest does not match",
        ),
        ("SignatureBase64Error.xml", "signature_value", "base64"),
        ("SignedInfoError.xml", "", "not valid UTF-8"),
    ];
    for (file, check, reason) in cases {
        let report = verifier().verify(&read(&format!("invalid/{file}")));
        assert_eq!(report.status, Status::Invalid, "{file}");
        if check.is_empty() {
            assert!(
                report.errors.iter().any(|e| e.contains(reason)),
                "{file}: {:?}",
                report.errors
            );
        } else {
            let sig = &report.signatures[0];
            let (_, c) = sig.checks.iter().find(|(n, _)| *n == check).unwrap();
            assert_eq!(c.status, Status::Invalid, "{file}");
            assert!(c.reason.contains(reason), "{file}: {}", c.reason);
        }
    }
}

#[test]
fn document_anchors_are_never_trusted() {
    // The sample carries the MHLW root in its CertificateValues; with no configured
    // anchor the path must not validate.
    let report = Verifier::new(TrustStore::new())
        .at("2024-01-01T00:00:00Z".parse().unwrap())
        .verify(&read("prescription-004_01.xml"));
    let path = &report.signatures[0].checks.certificate_path;
    assert_ne!(path.status, Status::Valid);
    assert_ne!(report.status, Status::Valid);
}

const FORGED: &str = "<PrescriptionDocument>Rk9SR0VE</PrescriptionDocument>";

fn original_element(text: &str) -> (usize, usize) {
    let start = text.find("<PrescriptionDocument id=").unwrap();
    let end = text.find("</PrescriptionDocument>").unwrap() + "</PrescriptionDocument>".len();
    (start, end)
}

#[test]
fn moved_prescription_document_is_refused() {
    let text = prescription_text();
    let (s, e) = original_element(&text);
    let original = &text[s..e];
    // Forged content at the schema position; the signed element hidden elsewhere.
    let moved = format!("{}{}{}", &text[..s], FORGED, &text[e..]).replacen(
        "<AdditionalPrescriptionInformation id=\"AdditionalPrescriptionInformation\">",
        &format!(
            "<AdditionalPrescriptionInformation id=\"AdditionalPrescriptionInformation\">{original}"
        ),
        1,
    );
    let report = verify_text(&moved);
    assert_eq!(report.status, Status::Invalid);
    assert!(
        report.signatures[0]
            .checks
            .references
            .reason
            .contains("schema position")
    );
    assert_eq!(report.prescription_csv(), None);
}

#[test]
fn wrapped_prescription_document_is_refused() {
    let text = prescription_text();
    let (s, e) = original_element(&text);
    let wrapped = format!(
        "{}<Wrapper>{}</Wrapper>{}{}",
        &text[..s],
        &text[s..e],
        FORGED,
        &text[e..]
    );
    let report = verify_text(&wrapped);
    assert_eq!(report.status, Status::Invalid);
}

#[test]
fn duplicated_id_is_refused() {
    let text = prescription_text();
    let (s, _) = original_element(&text);
    let dup = format!(
        "{}<PrescriptionDocument id=\"PrescriptionDocument\">Rk9SR0VE</PrescriptionDocument>{}",
        &text[..s],
        &text[s..]
    );
    let report = verify_text(&dup);
    assert_eq!(report.status, Status::Invalid);
    assert!(
        report.errors[0].contains("duplicate id"),
        "{:?}",
        report.errors
    );
}

#[test]
fn comment_inside_signed_content_is_not_content() {
    let text = prescription_text();
    let with_comment = text.replacen(
        "<PrescriptionDocument id=\"PrescriptionDocument\">U0ox",
        "<PrescriptionDocument id=\"PrescriptionDocument\">U0ox<!--injected-->",
        1,
    );
    assert_ne!(text, with_comment);
    let report = verify_text(&with_comment);
    // Comments are not part of the canonical form, so the signature still covers
    // exactly what the caller reads.
    assert_eq!(report.status, Status::Valid);
    let original = verify_text(&text).prescription_csv().unwrap();
    assert_eq!(report.prescription_csv().unwrap(), original);
}

#[test]
fn whitespace_inside_signed_content_breaks_the_digest() {
    let text = prescription_text().replacen(
        "<PrescriptionDocument id=\"PrescriptionDocument\">U0ox",
        "<PrescriptionDocument id=\"PrescriptionDocument\">\nU0ox",
        1,
    );
    let report = verify_text(&text);
    assert_eq!(
        report.signatures[0].checks.references.status,
        Status::Invalid
    );
}

#[test]
fn namespace_redeclaration_around_signed_content_breaks_the_digest() {
    let text = prescription_text().replacen(
        "<Document xmlns:xsi=",
        "<Document xmlns:evil=\"urn:evil\" xmlns:xsi=",
        1,
    );
    let report = verify_text(&text);
    assert_eq!(report.status, Status::Invalid);
    assert!(
        report.signatures[0]
            .checks
            .references
            .reason
            .contains("#PrescriptionDocument")
    );
}

#[test]
fn dtd_and_entities_are_refused() {
    let text = prescription_text().replacen(
        "<Document ",
        "<!DOCTYPE Document [<!ENTITY x \"y\">]><Document ",
        1,
    );
    let report = verify_text(&text);
    assert_eq!(report.status, Status::Invalid);
    assert!(report.errors[0].contains("XML"), "{:?}", report.errors);
}

#[test]
fn signature_outside_its_schema_position_is_refused() {
    let text = prescription_text()
        .replacen("<PrescriptionSign>", "<PrescriptionSign><Extra>", 1)
        .replacen("</PrescriptionSign>", "</Extra></PrescriptionSign>", 1);
    let report = verify_text(&text);
    assert_eq!(report.status, Status::Invalid);
    assert_eq!(report.signatures[0].role, Role::Unknown);
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let v = verifier().limits(xades_sign::Limits {
        max_bytes: 1000,
        max_nodes: 10,
    });
    let report = v.verify(&read("prescription-004_01.xml"));
    assert_eq!(report.status, Status::Invalid);
    assert!(report.errors[0].contains("limit"));
}

#[test]
fn json_has_the_documented_shape() {
    let report = verifier().verify(&read("prescription-004_01.xml"));
    let json = report.to_json("p.xml");
    assert_eq!(json["status"], "VALID");
    assert_eq!(json["document_type"], "prescription");
    let sig = &json["signatures"][0];
    assert_eq!(sig["role"], "prescription");
    assert_eq!(sig["level"], "XL");
    assert_eq!(sig["signer"]["qualification"], "MedicalDoctor");
    assert_eq!(sig["checks"]["signature_timestamp"], "VALID");
    assert_eq!(sig["checks"]["archive_timestamps"], "ABSENT");
    assert_eq!(sig["signing_time"], "2022-09-07T08:08:01+00:00");
}

/// The fuzz targets' property on a deterministic sample of mutations: no panic, and a
/// byte flipped inside the signed parts never leaves the document VALID.
#[test]
fn mutated_samples_never_panic() {
    let original = read("prescription-004_01.xml");
    let v = verifier();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..150 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut doc = original.clone();
        let pos = (state as usize) % doc.len();
        doc[pos] ^= 1 << (state >> 61);
        let _ = v.verify(&doc);
        doc.truncate(pos);
        assert_eq!(v.verify(&doc).status, Status::Invalid);
    }
}

/// A verifier kept for a batch remembers the certificates and CRLs it decoded and
/// parsed; a document whose certificate or CRL differs by one base64 character gets
/// exactly the report a fresh verifier gives it (never a remembered success), and the
/// original still verifies afterwards.
#[test]
fn a_kept_verifier_reports_tampered_certificates_and_crls_afresh() {
    let original = prescription_text();
    let kept = verifier();
    assert_eq!(kept.verify(original.as_bytes()).status, Status::Valid);
    let mut tampered_any = 0;
    for tag in [
        "<xs:X509Certificate>",
        "<xa:EncapsulatedX509Certificate>",
        "<xa:EncapsulatedCRLValue>",
    ] {
        for (start, _) in original.match_indices(tag) {
            // A character in the middle of the base64 body, swapped for another
            // base64 character.
            let body = start + tag.len();
            let end = body + original[body..].find('<').unwrap();
            let mut pos = (body + end) / 2;
            while !original.as_bytes()[pos].is_ascii_alphanumeric() {
                pos += 1;
            }
            let mut doc = original.clone().into_bytes();
            doc[pos] = if doc[pos] == b'A' { b'B' } else { b'A' };
            let from_kept = kept.verify(&doc);
            let from_fresh = verifier().verify(&doc);
            assert_eq!(from_kept, from_fresh, "{tag} at {pos}");
            if tag == "<xs:X509Certificate>" {
                // The signer's certificate no longer matches SigningCertificateV2.
                assert_eq!(from_kept.status, Status::Invalid);
            }
            tampered_any += 1;
        }
    }
    assert_eq!(tampered_any, 8);
    assert_eq!(kept.verify(original.as_bytes()).status, Status::Valid);
}
