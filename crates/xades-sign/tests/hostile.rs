//! Hostile documents, generated at the size of the attacks of issue 16 (never stored):
//! each is answered quickly, without a crash, and never VALID where it is forged.
//!
//! They run in the normal (debug) test suite; `scripts/hostile` runs them in release
//! under `/usr/bin/time -v` and asserts each takes under 2 s and 256 MB.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use xades_sign::{
    Indication, LimitExceeded, Limits, Role, Status, SubIndication, TrustStore, VerificationReport,
    Verifier,
};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/eprescription/{name}")).unwrap()
}

fn verifier() -> Verifier {
    let trust = TrustStore::from_dir(std::path::Path::new(&format!("{FIXTURES}/trust"))).unwrap();
    Verifier::new(trust).at("2024-01-01T00:00:00Z".parse().unwrap())
}

fn prescription() -> String {
    read("prescription-004_01.xml")
}

fn dispensing() -> String {
    read("dispensing-005_03.xml")
}

/// `text` with `what` inserted before the first `marker`.
fn insert_before(text: &str, marker: &str, what: &str) -> String {
    let at = text.find(marker).unwrap_or_else(|| panic!("{marker}"));
    format!("{}{what}{}", &text[..at], &text[at..])
}

/// `text` with `what` inserted after the first `marker`.
fn insert_after(text: &str, marker: &str, what: &str) -> String {
    let at = text.find(marker).unwrap_or_else(|| panic!("{marker}")) + marker.len();
    format!("{}{what}{}", &text[..at], &text[at..])
}

/// Verifies `doc`; the answer must come within a bound that holds in debug builds
/// (the release bound, 2 s, is `scripts/hostile`'s).
fn verify_quickly(v: &Verifier, doc: &str) -> VerificationReport {
    assert!(
        doc.len() <= Limits::default().max_bytes,
        "{} bytes: the input must pass the size limit to test the others",
        doc.len()
    );
    let start = Instant::now();
    let report = v.verify(doc.as_bytes());
    let took = start.elapsed();
    assert!(took < Duration::from_secs(20), "took {took:?}");
    report
}

/// The report is INVALID/FORMAT_FAILURE with an error naming `limit`.
fn refused_by(report: &VerificationReport, limit: &str) {
    assert_eq!(report.status, Indication::Invalid, "{:?}", report.errors);
    assert_eq!(report.sub_indication, Some(SubIndication::FormatFailure));
    assert!(
        report.errors.iter().any(|e| e.contains(limit)),
        "{limit}: {:?}",
        report.errors
    );
}

fn nested(depth: usize) -> String {
    let mut s = String::with_capacity(depth * 7);
    for _ in 0..depth {
        s.push_str("<a>");
    }
    for _ in 0..depth {
        s.push_str("</a>");
    }
    s
}

/// 100 000 elements nested inside the signed KeyInfo (700 KB): refused by
/// `max_depth` before parsing; with the limits raised far enough to parse it,
/// canonicalisation walks it without recursion (no stack overflow, even on a 2 MB
/// test thread in a debug build) and the altered KeyInfo fails its digest.
#[test]
fn a_signed_element_nested_100000_deep_is_refused_and_never_overflows_the_stack() {
    let doc = insert_before(&prescription(), "</xs:KeyInfo>", &nested(100_000));
    assert!(doc.len() > 700_000);
    refused_by(&verify_quickly(&verifier(), &doc), "max_depth");

    let mut raised = Limits::default();
    raised.max_depth = 200_000;
    raised.max_elements = 300_000;
    raised.max_nodes = 400_000;
    let report = verify_quickly(&verifier().limits(raised), &doc);
    assert_eq!(report.status, Indication::Invalid, "{:?}", report.errors);
    let checks = &report.signatures[0].checks;
    assert_eq!(checks.references.status, Status::Invalid);
    assert!(
        checks.references.reason.contains("KeyInfo"),
        "{:?}",
        checks.references
    );
}

/// 350 000 attributes on one element (3.5 MB; roxmltree compares each with every
/// other, 3.5 minutes in release): refused by the pre-scan at attribute 65.
#[test]
fn an_element_with_350000_attributes_is_refused_before_parsing() {
    let mut attrs = String::with_capacity(350_000 * 11);
    for i in 0..350_000u32 {
        attrs.push_str(&format!(" a{i:x}=\"\""));
    }
    let doc = insert_after(
        &prescription(),
        "<AdditionalPrescriptionInformation id=\"AdditionalPrescriptionInformation\">",
        &format!("<x{attrs}/>"),
    );
    assert!(doc.len() > 3_400_000);
    refused_by(&verify_quickly(&verifier(), &doc), "max_attributes");
}

/// 60 000 namespace declarations on one element (1 MB, 75 s in release), and
/// children that each redeclare a namespace under an element holding 30 (hours:
/// each such child copies every binding in scope): refused by the per-element and
/// the total limits before parsing.
#[test]
fn sixty_thousand_namespace_declarations_are_refused_before_parsing() {
    let mut decls = String::with_capacity(60_000 * 16);
    for i in 0..60_000u32 {
        decls.push_str(&format!(" xmlns:p{i:x}=\"u\""));
    }
    let doc = insert_after(
        &prescription(),
        "<AdditionalPrescriptionInformation id=\"AdditionalPrescriptionInformation\">",
        &format!("<x{decls}/>"),
    );
    assert!(doc.len() > 950_000);
    refused_by(
        &verify_quickly(&verifier(), &doc),
        "max_namespace_declarations_per_element",
    );

    let mut inner = String::from("<x");
    for i in 0..30u32 {
        inner.push_str(&format!(" xmlns:q{i}=\"urn:{i}\""));
    }
    inner.push('>');
    for i in 0..60_000u32 {
        inner.push_str(&format!("<y xmlns:q{}=\"v\"/>", i % 30));
    }
    inner.push_str("</x>");
    let doc = insert_after(
        &prescription(),
        "<AdditionalPrescriptionInformation id=\"AdditionalPrescriptionInformation\">",
        &inner,
    );
    assert!(doc.len() > 1_000_000);
    let report = verify_quickly(&verifier(), &doc);
    refused_by(&report, "max_namespace_declarations");
    assert!(
        !report
            .errors
            .iter()
            .any(|e| e.contains("max_namespace_declarations_per_element")),
        "{:?}",
        report.errors
    );
}

/// A small ds:Signature outside the prescribed positions whose one Reference covers
/// `#big` (the `ds` prefix declared by an ancestor).
fn stray_signature(i: usize) -> String {
    format!(
        "<ds:Signature Id=\"stray{i}\">\
         <ds:SignedInfo><ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>\
         <ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>\
         <ds:Reference URI=\"#big\"><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>\
         <ds:DigestValue>47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=</ds:DigestValue></ds:Reference>\
         </ds:SignedInfo><ds:SignatureValue>{}</ds:SignatureValue></ds:Signature>",
        "QUFB".repeat(200)
    )
}

/// 1 400 stray signatures over one 2 MB element (4 MB; each re-digested and copied
/// the element, 2.7 GB): refused by `max_signatures`; with that limit raised, each
/// stray is reported INVALID by name without its References being digested, and
/// the prescription's own signature is still verified.
#[test]
fn fourteen_hundred_stray_signatures_over_a_2mb_element_are_not_redigested() {
    let mut extra = format!(
        "<Big id=\"big\">{}</Big><Strays xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">",
        "QUJD".repeat(500_000)
    );
    for i in 0..1_400 {
        extra.push_str(&stray_signature(i));
    }
    extra.push_str("</Strays>");
    let doc = insert_after(
        &prescription(),
        "<AdditionalPrescriptionInformation id=\"AdditionalPrescriptionInformation\">",
        &extra,
    );
    assert!(doc.len() > 3_000_000, "{}", doc.len());
    let report = verify_quickly(&verifier(), &doc);
    refused_by(&report, "max_signatures");
    assert!(report.signatures.is_empty());

    let mut raised = Limits::default();
    raised.max_signatures = 2_000;
    let report = verify_quickly(&verifier().limits(raised), &doc);
    assert_eq!(report.status, Indication::Invalid);
    assert_eq!(report.signatures.len(), 1_401);
    let prescribed: Vec<_> = report
        .signatures
        .iter()
        .filter(|s| s.role == Role::Prescription)
        .collect();
    assert_eq!(prescribed.len(), 1);
    assert_eq!(
        prescribed[0].status,
        Indication::Valid,
        "{:?}",
        prescribed[0]
    );
    for s in report.signatures.iter().filter(|s| s.role == Role::Unknown) {
        assert_eq!(s.status, Indication::Invalid);
        assert_eq!(
            s.checks.structure.sub_indication,
            Some(SubIndication::FormatFailure)
        );
        assert!(
            s.checks.structure.reason.contains("not verified"),
            "{:?}",
            s.checks
        );
        assert!(
            s.checks.references.reason.contains("not checked"),
            "{:?}",
            s.checks.references
        );
    }
    assert!(
        report.errors.iter().any(|e| e.contains("stray7")),
        "the strays are named: {:?}",
        &report.errors[..3]
    );
    // Only the prescription's content is returned, once.
    assert_eq!(report.content.len(), 1);
}

/// A forgery by addition: INVALID/FORMAT_FAILURE with `element` named in an error,
/// while the genuine signature itself still verifies.
fn forged(report: &VerificationReport, element: &str) {
    assert_eq!(report.status, Indication::Invalid, "{:#?}", report.errors);
    assert_eq!(report.sub_indication, Some(SubIndication::FormatFailure));
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains(&format!("unexpected element {element}"))),
        "{element}: {:?}",
        report.errors
    );
    assert_eq!(report.prescription_csv(), None);
}

const FORGED_CSV: &str = "Rk9SR0VE";

#[test]
fn a_forged_prescription_before_the_signed_one_is_a_format_failure() {
    let text = prescription();
    let forged_prescription = format!(
        "<Prescription><PrescriptionManagement><Version Value=\"EPS1.0\"/>\
         <PrescriptionId Value=\"x\"/></PrescriptionManagement>\
         <PrescriptionDocument>{FORGED_CSV}</PrescriptionDocument><PrescriptionSign/></Prescription>"
    );
    let doc = insert_before(&text, "<Prescription>", &forged_prescription);
    let report = verify_quickly(&verifier(), &doc);
    forged(&report, "Prescription at /Document/Prescription[2]");
    assert_eq!(report.signatures[0].status, Indication::Valid);
}

#[test]
fn a_forged_prescription_document_inside_the_management_is_a_format_failure() {
    let doc = insert_before(
        &prescription(),
        "</PrescriptionManagement>",
        &format!("<PrescriptionDocument>{FORGED_CSV}</PrescriptionDocument>"),
    );
    let report = verify_quickly(&verifier(), &doc);
    forged(
        &report,
        "PrescriptionDocument at /Document/Prescription/PrescriptionManagement/PrescriptionDocument",
    );
}

#[test]
fn a_forged_dispensing_before_the_signed_one_is_a_format_failure() {
    let doc = insert_before(
        &dispensing(),
        "<Dispensing id=\"Dispensing\">",
        &format!(
            "<Dispensing><ReferencePrescription/><DispensingDocument>{FORGED_CSV}</DispensingDocument></Dispensing>"
        ),
    );
    let report = verify_quickly(&verifier(), &doc);
    forged(&report, "Dispensing at /Document/Dispensing[2]");
}

#[test]
fn a_forged_dispensing_document_inside_the_management_is_a_format_failure() {
    let text = dispensing();
    let doc = insert_before(
        &text,
        "</DispensingManagement>",
        &format!("<DispensingDocument>{FORGED_CSV}</DispensingDocument>"),
    );
    forged(
        &verify_quickly(&verifier(), &doc),
        "DispensingDocument at /Document/DispensingManagement/DispensingDocument",
    );
    // The embedded prescription's management, unsigned too.
    let doc = insert_after(
        &text,
        "<PrescriptionManagement id=\"PrescriptionManagement\">",
        &format!("<PrescriptionDocument>{FORGED_CSV}</PrescriptionDocument>"),
    );
    forged(
        &verify_quickly(&verifier(), &doc),
        "PrescriptionDocument at /Document/Dispensing/ReferencePrescription/PrescriptionManagement/PrescriptionDocument",
    );
}

/// The layout's names are reserved everywhere, also in the open additional
/// information and inside a signature's ds:Object, and in any namespace.
#[test]
fn layout_names_elsewhere_are_unexpected_in_any_namespace() {
    let doc = insert_after(
        &prescription(),
        "<AdditionalPrescriptionInformation id=\"AdditionalPrescriptionInformation\">",
        &format!("<f:PrescriptionDocument xmlns:f=\"urn:f\">{FORGED_CSV}</f:PrescriptionDocument>"),
    );
    forged(
        &verify_quickly(&verifier(), &doc),
        "PrescriptionDocument (namespace urn:f) at /Document/Prescription/AdditionalPrescriptionInformation/PrescriptionDocument",
    );
    let doc = insert_after(
        &prescription(),
        "<xs:Object xmlns:xa=\"http://uri.etsi.org/01903/v1.3.2#\">",
        &format!("<PrescriptionDocument>{FORGED_CSV}</PrescriptionDocument>"),
    );
    let report = verify_quickly(&verifier(), &doc);
    assert_eq!(report.status, Indication::Invalid);
    assert!(
        report.errors.iter().any(|e| e.contains(
            "PrescriptionDocument at /Document/Prescription/PrescriptionSign/Signature/Object"
        )),
        "{:?}",
        report.errors
    );
}

/// The real samples follow the layout: no layout error.
#[test]
fn the_samples_follow_the_layout() {
    for doc in [prescription(), dispensing()] {
        let report = verifier().verify(doc.as_bytes());
        assert_eq!(report.status, Indication::Valid, "{:?}", report.errors);
        assert!(report.errors.is_empty());
    }
}

/// A SignedInfo with more References than `max_references` fails its structure
/// check by name, and nothing of it is digested.
#[test]
fn too_many_references_are_refused_unread() {
    let reference = "<xs:Reference URI=\"#PrescriptionManagement\"><xs:DigestMethod \
                     Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><xs:DigestValue>\
                     AAAA</xs:DigestValue></xs:Reference>";
    let doc = insert_before(&prescription(), "</xs:SignedInfo>", &reference.repeat(20));
    let report = verify_quickly(&verifier(), &doc);
    let checks = &report.signatures[0].checks;
    assert_eq!(checks.structure.status, Status::Invalid);
    assert!(
        checks.structure.reason.contains("max_references"),
        "{:?}",
        checks.structure
    );
    assert!(checks.references.reason.contains("not checked"));
    assert_eq!(report.status, Indication::Invalid);
}

#[test]
fn limit_errors_name_the_limit_field() {
    let e = LimitExceeded::Signatures { count: 9, limit: 8 };
    assert_eq!(e.limit_name(), "max_signatures");
    assert!(e.to_string().contains("Limits::max_signatures"));
}
