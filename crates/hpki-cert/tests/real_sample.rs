//! The real MEDIS test physician of `fixtures/eprescription/prescription-004_01.xml`
//! validated to the MHLW root, with the CRLs the sample embeds.

// Test helpers outside #[test] fns are test code too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use base64::Engine as _;
use hpki_cert::{
    CertInfo, CertKind, Certificate, PathOptions, Qualification, TrustStore, Verdict, classify,
    validate_path,
};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/");

fn fixture(rel: &str) -> Option<Vec<u8>> {
    std::fs::read(format!("{FIXTURES}{rel}")).ok()
}

/// The base64 inside `<xs:X509Certificate>` of the KeyInfo, by plain string search.
fn sample_signer() -> Vec<u8> {
    let xml =
        fixture("eprescription/prescription-004_01.xml").expect("fixtures/ in the repository");
    let xml = String::from_utf8(xml).unwrap();
    let start = xml.find("X509Certificate>").unwrap() + "X509Certificate>".len();
    let end = start + xml[start..].find("</").unwrap();
    let b64: String = xml[start..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap()
}

fn at(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn names(report: &hpki_cert::PathReport) -> Vec<String> {
    report
        .checks
        .iter()
        .map(|c| format!("{} {} {}: {}", c.verdict, c.name, c.subject, c.detail))
        .collect()
}

#[test]
fn real_signer_validates_to_the_bundled_root_as_a_medical_doctor() {
    let leaf = sample_signer();
    let report = validate_path(
        &leaf,
        &[],
        &TrustStore::bundled(),
        &PathOptions::hpki_signature(at("2024-01-01T00:00:00Z")),
    );
    assert_eq!(report.verdict, Verdict::Valid, "{:#?}", names(&report));
    assert_eq!(report.qualification, Some(Qualification::MedicalDoctor));
    assert_eq!(
        report.chain.len(),
        3,
        "leaf, MEDIS sign CA (bundled intermediate), root"
    );
    let subjects: Vec<_> = report
        .chain
        .iter()
        .map(|d| Certificate::from_der(d).unwrap().subject())
        .collect();
    assert!(subjects[1].contains("HPKI-01-MedisSignCA2-forNonRepudiation"));
    assert!(subjects[2].contains("MHLW HPKI Root CA V2"));
    for name in [
        "signature",
        "validity",
        "name_chaining",
        "basic_constraints",
        "key_usage",
        "critical_extensions",
        "policy",
        "revocation",
        "anchor",
    ] {
        assert!(report.check(name).next().is_some(), "no {name} check");
    }
    // Every check passed, including the critical HPKI policy on the leaf.
    let policy = report.check("policy").next().unwrap();
    assert!(
        policy.detail.contains("1.2.392.100495.1.5.1.1.0.1"),
        "{}",
        policy.detail
    );
}

#[test]
fn real_signer_is_expired_in_2028() {
    let report = validate_path(
        &sample_signer(),
        &[],
        &TrustStore::bundled(),
        &PathOptions::hpki_signature(at("2028-01-01T00:00:00Z")),
    );
    assert_eq!(report.verdict, Verdict::Invalid);
    let failure = report.first_failure().unwrap();
    assert_eq!(failure.name, "validity");
    assert!(failure.detail.contains("expired"), "{}", failure.detail);
    assert!(failure.subject.contains("Sanjushi Kagurazaka"));
}

#[test]
fn without_the_root_there_is_no_path() {
    let mut store = TrustStore::bundled();
    assert_eq!(store.remove_anchors_matching("MHLW HPKI Root CA V2"), 1);
    let report = validate_path(
        &sample_signer(),
        &[],
        &store,
        &PathOptions::hpki_signature(at("2024-01-01T00:00:00Z")),
    );
    assert_eq!(report.verdict, Verdict::Indeterminate);
    let failure = report.first_failure().unwrap();
    assert_eq!(failure.name, "anchor");
    assert!(failure.detail.contains("no path"), "{}", failure.detail);
}

#[test]
fn a_flipped_signature_bit_fails_the_signature_check() {
    let mut leaf = sample_signer();
    let last = leaf.len() - 1;
    leaf[last] ^= 0x01;
    let report = validate_path(
        &leaf,
        &[],
        &TrustStore::bundled(),
        &PathOptions::hpki_signature(at("2024-01-01T00:00:00Z")),
    );
    assert_eq!(report.verdict, Verdict::Invalid);
    let failure = report.first_failure().unwrap();
    assert_eq!(failure.name, "signature", "{:#?}", names(&report));
    assert!(failure.subject.contains("Sanjushi Kagurazaka"));
}

#[test]
fn an_unknown_critical_policy_fails_the_policy_check() {
    let mut leaf = sample_signer();
    // 1.2.392.100495.1.5.1.1.0.1 → 1.2.392.100495.1.9.1.1.0.1: outside every accepted arc.
    let oid = [
        0x2A, 0x83, 0x08, 0x86, 0x91, 0x0F, 0x01, 0x05, 0x01, 0x01, 0x00, 0x01,
    ];
    let pos = leaf.windows(oid.len()).position(|w| w == oid).unwrap();
    leaf[pos + 7] = 0x09;
    let report = validate_path(
        &leaf,
        &[],
        &TrustStore::bundled(),
        &PathOptions::hpki_signature(at("2024-01-01T00:00:00Z")),
    );
    assert_eq!(report.verdict, Verdict::Invalid);
    let policy = report
        .check("policy")
        .find(|c| c.subject.contains("Sanjushi"))
        .unwrap();
    assert_eq!(policy.verdict, Verdict::Invalid, "{:#?}", names(&report));
    assert!(
        policy.detail.contains("1.2.392.100495.1.9.1.1.0.1"),
        "{}",
        policy.detail
    );
    assert!(policy.detail.contains("critical"));
}

#[test]
fn the_real_signer_is_an_hpki_signing_certificate() {
    let c = classify(&sample_signer());
    assert_eq!(c.kind, CertKind::HpkiSigning, "{:?}", c.reasons);
    assert!(
        c.reasons
            .iter()
            .any(|r| r.contains("1.2.392.100495.1.5.1.1.0.1"))
    );
    let info = CertInfo::parse(&sample_signer()).unwrap();
    assert_eq!(info.qualification, Some(Qualification::MedicalDoctor));
    assert_eq!(info.serial_hex, "015e");
    assert_eq!(info.not_after, at("2027-02-07T14:59:59Z"));
    assert_eq!(info.key_usage, vec!["nonRepudiation"]);
    // The kanji name in the subjectAltName directoryName, with its full-width space.
    assert!(
        info.subject_alt_names
            .iter()
            .any(|s| s.contains("神楽坂\u{3000}三十四")),
        "{:?}",
        info.subject_alt_names
    );
}

#[test]
fn the_bundled_cas_classify_as_other() {
    for c in TrustStore::bundled().intermediates() {
        assert_eq!(classify(c.der()).kind, CertKind::Other);
    }
}

#[test]
fn embedded_self_signed_root_is_not_trusted() {
    // The tsa test root as a "document-supplied" anchor candidate: a self-signed
    // certificate validated against an empty store.
    let Some(tsa_root) = fixture("trust/tsa-test-root.der") else {
        return;
    };
    let report = validate_path(
        &tsa_root,
        &[],
        &TrustStore::new(),
        &PathOptions::at(at("2024-01-01T00:00:00Z")),
    );
    assert_ne!(report.verdict, Verdict::Valid);
    let anchor = report.check("anchor").next().unwrap();
    assert_eq!(anchor.verdict, Verdict::Indeterminate);
    assert!(anchor.detail.contains("self-signed"), "{}", anchor.detail);
    // Trusting it explicitly works.
    let mut store = TrustStore::new();
    store.add_anchor_der(&tsa_root).unwrap();
    let report = validate_path(
        &tsa_root,
        &[],
        &store,
        &PathOptions::at(at("2024-01-01T00:00:00Z")),
    );
    assert_eq!(
        report.check("anchor").next().unwrap().verdict,
        Verdict::Valid
    );
    // As a leaf it is still a CA key: no signature usage.
    assert_eq!(
        report.first_failure().unwrap().name,
        "key_usage",
        "{:#?}",
        names(&report)
    );
}

#[test]
fn every_corrupted_byte_of_the_real_signer_is_handled_without_panic() {
    let leaf = sample_signer();
    let store = TrustStore::bundled();
    let opts = PathOptions::hpki_signature(at("2024-01-01T00:00:00Z"));
    let mut valid = 0;
    for i in 0..leaf.len() {
        let mut bad = leaf.clone();
        bad[i] ^= 0xFF;
        let _ = classify(&bad);
        let _ = CertInfo::parse(&bad);
        let _ = hpki_cert::HcRole::from_certificate(&bad);
        if validate_path(&bad, &[], &store, &opts).verdict == Verdict::Valid {
            eprintln!("corruption at {i} ({:02x}) still valid", leaf[i]);
            valid += 1;
        }
    }
    // No corruption may leave a valid certificate.
    assert_eq!(valid, 0);
    for n in 0..leaf.len() {
        let _ = classify(&leaf[..n]);
    }
}

/// The time-stamp authority certificate the samples embed in CertificateValues.
fn sample_tsa() -> Vec<u8> {
    let xml = String::from_utf8(fixture("eprescription/prescription-004_01.xml").unwrap()).unwrap();
    let tag = "EncapsulatedX509Certificate>";
    let start = xml.find(tag).unwrap() + tag.len();
    let end = start + xml[start..].find("</").unwrap();
    let b64: String = xml[start..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap()
}

#[test]
fn the_samples_tsa_validates_for_time_stamping_to_the_explicit_tsa_root() {
    let Some(root) = fixture("trust/tsa-test-root.der") else {
        return;
    };
    let tsa = sample_tsa();
    assert!(
        CertInfo::parse(&tsa)
            .unwrap()
            .subject
            .contains("TimeStampServer01")
    );
    let mut store = TrustStore::new();
    store.add_anchor_der(&root).unwrap();
    let opts =
        PathOptions::at(at("2024-01-01T00:00:00Z")).with_purpose(hpki_cert::Purpose::TimeStamping);
    let report = validate_path(&tsa, &[], &store, &opts);
    assert_eq!(report.verdict, Verdict::Valid, "{:#?}", names(&report));
    // Not with the bundled HPKI store: the TSA test root is never bundled.
    let report = validate_path(&tsa, &[], &TrustStore::bundled(), &opts);
    assert_eq!(report.first_failure().unwrap().name, "anchor");
    // And not as a document signer.
    let report = validate_path(
        &tsa,
        &[],
        &store,
        &PathOptions::hpki_signature(at("2024-01-01T00:00:00Z")),
    );
    assert_eq!(report.verdict, Verdict::Invalid);
}

#[test]
fn a_folder_with_only_the_signing_ca_validates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("medis-sign-ca2.der"),
        fixture("trust/medis-sign-ca2.der").unwrap(),
    )
    .unwrap();
    let store = TrustStore::from_dir(dir.path()).unwrap();
    assert_eq!(store.anchors().count(), 0);
    let opts = PathOptions::hpki_signature(at("2022-09-07T12:00:00Z"))
        .with_revocation_policy(hpki_cert::RevocationPolicy::Waived);
    let report = validate_path(&sample_signer(), &[], &store, &opts);
    assert_eq!(
        report.verdict,
        Verdict::Indeterminate,
        "{:#?}",
        names(&report)
    );
    assert_eq!(
        report.sub_indication,
        Some(hpki_cert::SubIndication::NoCertificateChainFound)
    );
    assert_eq!(report.anchor, None);
    let failure = report.first_failure().unwrap();
    assert_eq!(failure.name, "anchor", "{:#?}", names(&report));
}
