//! The real samples of the e-prescription service (see fixtures/README.md)
//! and signature-wrapping attempts built from them.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use xades_sign::{
    DocumentType, Indication, Level, Qualification, Role, Status, SubIndication, TrustStore,
    VerificationReport, Verifier,
};

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
    assert_eq!(report.status, Indication::Valid, "{report:#?}");
    assert_eq!(report.document_type, DocumentType::Prescription);
    let [sig] = report.signatures.as_slice() else {
        panic!("one signature")
    };
    assert_eq!(sig.role, Role::Prescription);
    assert_eq!(sig.level, Level::Xl);
    assert_eq!(
        sig.signer.qualification.as_ref().map(Qualification::name),
        Some("MedicalDoctor")
    );
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
        report.signatures[1]
            .signer
            .qualification
            .as_ref()
            .map(Qualification::name),
        Some("Pharmacist")
    );
    // The archive time-stamp's imprint matches the EN 319 132-1 §5.5.2 input and its
    // TSA chains to the configured test TSA root.
    assert_eq!(
        report.signatures[1].checks.archive_timestamps.status,
        Status::Valid
    );
    assert_eq!(report.status, Indication::Valid);
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
    assert_ne!(report.status, Indication::Valid);
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
        assert_eq!(report.status, Indication::Invalid, "{file}");
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
    assert_ne!(report.status, Indication::Valid);
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
    assert_eq!(report.status, Indication::Invalid);
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
    assert_eq!(report.status, Indication::Invalid);
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
    assert_eq!(report.status, Indication::Invalid);
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
    assert_eq!(report.status, Indication::Valid);
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
    assert_eq!(report.status, Indication::Invalid);
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
    assert_eq!(report.status, Indication::Invalid);
    assert!(report.errors[0].contains("XML"), "{:?}", report.errors);
}

#[test]
fn signature_outside_its_schema_position_is_refused() {
    let text = prescription_text()
        .replacen("<PrescriptionSign>", "<PrescriptionSign><Extra>", 1)
        .replacen("</PrescriptionSign>", "</Extra></PrescriptionSign>", 1);
    let report = verify_text(&text);
    assert_eq!(report.status, Indication::Invalid);
    assert_eq!(report.signatures[0].role, Role::Unknown);
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let mut limits = xades_sign::Limits::default();
    limits.max_bytes = 1000;
    let v = verifier().limits(limits);
    let report = v.verify(&read("prescription-004_01.xml"));
    assert_eq!(report.status, Indication::Invalid);
    assert!(report.errors[0].contains("limit"));
}

#[test]
fn json_has_the_documented_shape() {
    let report = verifier().verify(&read("prescription-004_01.xml"));
    let json = report.to_json("p.xml");
    assert_eq!(json["version"], xades_sign::REPORT_JSON_VERSION);
    assert_eq!(json["status"], "VALID");
    assert_eq!(json["sub_indication"], serde_json::Value::Null);
    assert_eq!(json["validation_time"], "2024-01-01T00:00:00Z");
    assert_eq!(json["document_type"], "prescription");
    let sig = &json["signatures"][0];
    assert_eq!(sig["role"], "prescription");
    assert_eq!(sig["level"], "XL");
    assert_eq!(sig["status"], "VALID");
    assert_eq!(sig["signer"]["qualification"], "MedicalDoctor");
    assert!(
        sig["signer"]["anchor"]
            .as_str()
            .unwrap()
            .contains("MHLW HPKI Root CA V2")
    );
    assert_eq!(sig["checks"]["signature_timestamp"]["status"], "VALID");
    assert_eq!(sig["checks"]["archive_timestamps"]["status"], "ABSENT");
    assert_eq!(sig["signing_time"], "2022-09-07T08:08:01+00:00");
    assert_eq!(sig["path_validated_at"], "2022-09-07T08:18:25Z");
}

fn at(time: &str) -> Verifier {
    verifier().at(time.parse().unwrap())
}

/// docs/spec/signatures.md §1 check 6 / EN 319 102-1: at 2045 the TSA root (2027) and the signer
/// (2027) have expired; no time-stamp proves anything any more, so the signer's
/// certificate is judged at 2045: INDETERMINATE, out of bounds with no POE.
#[test]
fn after_the_tsa_and_the_signer_expired_the_samples_are_indeterminate_with_no_poe() {
    for file in ["prescription-004_01.xml", "dispensing-005_03.xml"] {
        let report = at("2045-01-01T00:00:00Z").verify(&read(file));
        assert_eq!(
            report.status,
            Indication::Indeterminate,
            "{file}: {report:#?}"
        );
        assert_eq!(
            report.sub_indication,
            Some(SubIndication::OutOfBoundsNoPoe),
            "{file}: {report:#?}"
        );
        for sig in &report.signatures {
            assert_eq!(
                sig.path_validated_at,
                Some("2045-01-01T00:00:00Z".parse().unwrap())
            );
            assert_eq!(
                sig.checks.signature_timestamp.status,
                Status::Indeterminate,
                "{file}"
            );
        }
    }
}

/// The POE of the signature time-stamp moves the signer's path back to 2022, where the
/// embedded CRLs are fresh; the TSA's own path is judged at the validation time.
#[test]
fn at_2024_the_signer_path_is_validated_at_the_timestamp_with_the_embedded_crls() {
    let report = verifier().verify(&read("prescription-004_01.xml"));
    let sig = &report.signatures[0];
    assert_eq!(
        sig.path_validated_at,
        Some("2022-09-07T08:18:25Z".parse().unwrap())
    );
    assert!(sig.waivers.is_empty(), "{:?}", sig.waivers);
    assert!(
        sig.checks
            .signature_timestamp
            .reason
            .contains("TSA path validated at 2024-01-01T00:00:00Z"),
        "{:?}",
        sig.checks.signature_timestamp
    );
}

/// A folder of trust holding only an intermediate CA has no anchor: nothing validates.
#[test]
fn a_folder_holding_only_the_medis_ca_validates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        format!("{FIXTURES}/trust/medis-sign-ca2.der"),
        dir.path().join("medis-sign-ca2.der"),
    )
    .unwrap();
    let trust = TrustStore::from_dir(dir.path()).unwrap();
    assert_eq!(trust.anchors().count(), 0);
    for file in ["prescription-004_01.xml", "dispensing-005_03.xml"] {
        let report = Verifier::new(trust.clone())
            .at("2024-01-01T00:00:00Z".parse().unwrap())
            .verify(&read(file));
        assert_eq!(
            report.status,
            Indication::Indeterminate,
            "{file}: {report:#?}"
        );
        assert!(
            report
                .signatures
                .iter()
                .all(|s| s.status != Indication::Valid)
        );
    }
}

/// The base64 text of every `tag` element of the prescription, with its position.
fn bodies<'a>(text: &'a str, tag: &str) -> Vec<(usize, &'a str)> {
    text.match_indices(tag)
        .map(|(start, _)| {
            let body = start + tag.len();
            let end = body + text[body..].find('<').unwrap();
            (body, &text[body..end])
        })
        .collect()
}

/// Undecodable or altered validation data is never silently dropped: bad base64 and
/// DER that does not parse fail the validation_data check (naming the element), and a
/// flipped byte that still parses (a broken CRL signature) leaves no usable CRL.
#[test]
fn corrupted_crl_and_certificate_values_are_never_valid() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let original = prescription_text();
    let mut cases = 0;
    for tag in [
        "<xa:EncapsulatedCRLValue>",
        "<xa:EncapsulatedX509Certificate>",
    ] {
        for (pos, body) in bodies(&original, tag) {
            let der = b64
                .decode(body.split_whitespace().collect::<String>())
                .unwrap();
            // Not base64 at all.
            let mut doc = original.clone();
            doc.replace_range(pos..pos + body.len(), "not base64!");
            let report = verify_text(&doc);
            assert_eq!(report.status, Indication::Invalid, "{tag} bad base64");
            let vd = &report.signatures[0].checks.validation_data;
            assert_eq!(vd.status, Status::Invalid);
            assert_eq!(vd.sub_indication, Some(SubIndication::FormatFailure));
            assert!(vd.reason.contains(&tag[4..tag.len() - 1]), "{vd:?}");
            // A byte flipped in the DER: at the start (DER breaks), in the middle, at
            // the end (the signature).
            for at in [1, der.len() / 2, der.len() - 3] {
                let mut bad = der.clone();
                bad[at] ^= 0x55;
                let mut doc = original.clone();
                doc.replace_range(pos..pos + body.len(), &b64.encode(&bad));
                let report = verify_text(&doc);
                assert_ne!(report.status, Indication::Valid, "{tag} byte {at} flipped");
                cases += 1;
            }
        }
    }
    assert_eq!(cases, 3 * 7);
}

/// A signature that carries CertificateValues (XL) must also carry RevocationValues
/// and a signature time-stamp.
#[test]
fn an_xl_claim_without_revocation_values_is_a_format_failure() {
    let text = prescription_text();
    let start = text.find("<xa:RevocationValues").unwrap();
    let end = text[start..].find("</xa:RevocationValues>").unwrap()
        + start
        + "</xa:RevocationValues>".len();
    // The last RevocationValues is the signature's own (the first is inside the
    // time-stamp's validation data): remove that one.
    let last = text.rfind("<xa:RevocationValues").unwrap();
    let (start, end) = if last == start {
        (start, end)
    } else {
        let e = text[last..].find("</xa:RevocationValues>").unwrap()
            + last
            + "</xa:RevocationValues>".len();
        (last, e)
    };
    let mut doc = text.clone();
    doc.replace_range(start..end, "");
    let report = verify_text(&doc);
    let sig = &report.signatures[0];
    assert_eq!(sig.level, Level::Xl);
    assert_eq!(sig.checks.validation_data.status, Status::Invalid);
    assert!(
        sig.checks
            .validation_data
            .reason
            .contains("has no RevocationValues"),
        "{:?}",
        sig.checks.validation_data
    );
    assert_eq!(report.status, Indication::Invalid);
}

/// A signature outside the profile (a fourth Reference) fails the structure check by
/// name, and its references, signature value, certificate and path are still checked
/// and reported.
#[test]
fn a_signature_outside_the_profile_still_gets_its_cryptographic_checks() {
    let text = prescription_text();
    let marker = "</xs:SignedInfo>";
    let extra = "<xs:Reference URI=\"#PrescriptionManagement\"><xs:DigestMethod \
                 Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><xs:DigestValue>\
                 AAAA</xs:DigestValue></xs:Reference>";
    let doc = text.replacen(marker, &format!("{extra}{marker}"), 1);
    assert_ne!(doc, text);
    let report = verify_text(&doc);
    let c = &report.signatures[0].checks;
    assert_eq!(c.structure.status, Status::Invalid);
    assert!(
        c.structure.reason.contains("4 References"),
        "{:?}",
        c.structure
    );
    assert_eq!(c.signing_certificate.status, Status::Valid);
    // The added reference's digest is wrong, and SignedInfo changed: both reported.
    assert_eq!(c.references.status, Status::Invalid, "{:?}", c.references);
    assert_eq!(
        c.signature_value.status,
        Status::Invalid,
        "{:?}",
        c.signature_value
    );
    assert_eq!(
        c.signature_value.sub_indication,
        Some(SubIndication::SigCryptoFailure)
    );
    assert_eq!(
        c.certificate_path.status,
        Status::Valid,
        "{:?}",
        c.certificate_path
    );
    assert_eq!(report.status, Indication::Invalid);
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
        assert_eq!(v.verify(&doc).status, Indication::Invalid);
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
    assert_eq!(kept.verify(original.as_bytes()).status, Indication::Valid);
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
                assert_eq!(from_kept.status, Indication::Invalid);
            }
            tampered_any += 1;
        }
    }
    assert_eq!(tampered_any, 8);
    assert_eq!(kept.verify(original.as_bytes()).status, Indication::Valid);
}
