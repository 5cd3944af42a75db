//! The real MEDIS test physician of `fixtures/eprescription/prescription-004_01.xml`
//! validated to the MHLW root, with the CRLs the sample embeds (the MHLW root's ARL
//! with its critical issuingDistributionPoint, the MEDIS signing CA's CRL and the
//! TSA CA's CRL).

// Test helpers outside #[test] fns are test code too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use base64::Engine as _;
use hpki_cert::{
    CertInfo, CertKind, Certificate, Crl, CrlRefusal, PathOptions, Qualification, RevocationPolicy,
    SubIndication, TrustStore, Verdict, classify,
    testpki::{self, CertSpec, TestPki},
    validate_path,
};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/");

/// A time within the validity of every embedded CRL: after the signature time-stamp
/// (2022-09-07 08:08Z), before the ARL's nextUpdate (2022-09-09T19:00Z).
const AT: &str = "2022-09-07T12:00:00Z";

fn fixture(rel: &str) -> Option<Vec<u8>> {
    std::fs::read(format!("{FIXTURES}{rel}")).ok()
}

fn sample_xml() -> String {
    let xml =
        fixture("eprescription/prescription-004_01.xml").expect("fixtures/ in the repository");
    String::from_utf8(xml).unwrap()
}

/// The base64 content of every element whose local name is `local`, in document
/// order.
fn embedded(local: &str) -> Vec<Vec<u8>> {
    let xml = sample_xml();
    let mut out = Vec::new();
    for (i, _) in xml.match_indices('<') {
        let tag = &xml[i + 1..];
        let name_end = tag.find(|c: char| c.is_whitespace() || c == '>').unwrap();
        let name = &tag[..name_end];
        if name.starts_with('/') || name.rsplit(':').next() != Some(local) {
            continue;
        }
        let content = &tag[tag.find('>').unwrap() + 1..];
        let text: String = content[..content.find('<').unwrap()]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        out.push(
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap(),
        );
    }
    out
}

/// The signer's certificate, from `<xs:X509Certificate>` of the KeyInfo.
fn sample_signer() -> Vec<u8> {
    embedded("X509Certificate").remove(0)
}

/// The three distinct CRLs of RevocationValues and TimeStampValidationData (which
/// repeat them).
fn sample_crls() -> Vec<Vec<u8>> {
    let mut crls = embedded("EncapsulatedCRLValue");
    crls.sort();
    crls.dedup();
    assert_eq!(crls.len(), 3);
    crls
}

/// The CRL of the issuer whose RFC 4514 name contains `needle`.
fn sample_crl(needle: &str) -> Vec<u8> {
    sample_crls()
        .into_iter()
        .find(|der| Crl::from_der(der).unwrap().issuer().contains(needle))
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

/// Only the MHLW root as anchor, the MEDIS signing CA as an intermediate.
fn root_only() -> TrustStore {
    let mut store = TrustStore::new();
    store
        .add_anchor_der(&fixture("trust/mhlw-hpki-root-ca-v2.der").unwrap())
        .unwrap();
    store
        .add_intermediate_der(&fixture("trust/medis-sign-ca2.der").unwrap())
        .unwrap();
    store
}

fn medis_sign_ca() -> Certificate {
    Certificate::from_der(&fixture("trust/medis-sign-ca2.der").unwrap()).unwrap()
}

#[test]
fn real_signer_validates_with_the_embedded_crls_to_the_mhlw_root() {
    let opts = PathOptions::hpki_signature(at(AT)).with_crls(sample_crls());
    let report = validate_path(&sample_signer(), &[], &root_only(), &opts);
    assert_eq!(report.verdict, Verdict::Valid, "{:#?}", names(&report));
    assert_eq!(report.qualification, Some(Qualification::MedicalDoctor));
    assert!(report.waivers.is_empty());
    assert!(
        report
            .anchor
            .as_deref()
            .unwrap()
            .contains("MHLW HPKI Root CA V2"),
        "{:?}",
        report.anchor
    );
    let subjects: Vec<_> = report
        .chain
        .iter()
        .map(|d| Certificate::from_der(d).unwrap().subject())
        .collect();
    assert_eq!(
        subjects.len(),
        3,
        "leaf, MEDIS sign CA (intermediate), root"
    );
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
    let policy = report.check("policy").next().unwrap();
    assert!(
        policy.detail.contains("1.2.392.100495.1.5.1.1.0.1"),
        "{}",
        policy.detail
    );
    // Revocation was checked for the signer (MEDIS CA's CRL) and for the CA (the
    // root's ARL), not waived.
    let revocation: Vec<_> = report.check("revocation").collect();
    assert_eq!(revocation.len(), 2, "{:#?}", names(&report));
    assert!(
        revocation[0].detail.contains("not revoked"),
        "{}",
        revocation[0].detail
    );
    assert!(
        revocation[0].detail.contains("MedisSignCA2"),
        "{}",
        revocation[0].detail
    );
    assert!(revocation[1].subject.contains("MedisSignCA2"));
    assert!(
        revocation[1].detail.contains("not revoked"),
        "{}",
        revocation[1].detail
    );
    assert!(
        revocation[1].detail.contains("MHLW HPKI Root CA V2"),
        "{}",
        revocation[1].detail
    );
}

#[test]
fn the_root_arl_with_its_critical_idp_is_processed_for_the_signing_ca() {
    let arl = Crl::from_der(&sample_crl("MHLW HPKI Root CA V2")).unwrap();
    assert!(arl.unknown_critical_extensions().is_empty());
    let idp = arl.issuing_distribution_point().unwrap();
    assert!(idp.only_contains_ca_certs);
    assert!(!idp.only_contains_user_certs && !idp.indirect_crl);
    assert_eq!(arl.this_update(), at("2022-09-05T19:00:00Z"));
    assert_eq!(arl.next_update(), Some(at("2022-09-09T19:00:00Z")));
    assert!(arl.crl_number().is_some());
    assert!(arl.delta_base().is_none());
    // The IDP's DirName ...,CN=SARL is one of MEDIS sign CA2's distribution points.
    let ca = medis_sign_ca();
    assert_eq!(
        arl.scope_for(&ca),
        Ok(hpki_cert::ReasonFlags::full() - hpki_cert::Reasons::Unused)
    );
    let root = Certificate::from_der(&fixture("trust/mhlw-hpki-root-ca-v2.der").unwrap()).unwrap();
    assert_eq!(arl.check_issuer(&root), Ok(()));
    arl.verify_signed_by(&root).unwrap();

    // Validating the CA itself with only the root as anchor: its revocation is VALID.
    let mut store = TrustStore::new();
    store.add_anchor(root);
    let opts = PathOptions::at(at(AT))
        .with_purpose(hpki_cert::Purpose::AnySignature)
        .with_crls(sample_crls());
    let report = validate_path(ca.der(), &[], &store, &opts);
    let revocation = report.check("revocation").next().unwrap();
    assert_eq!(revocation.verdict, Verdict::Valid, "{:#?}", names(&report));
}

/// A non-CA certificate issued under the MHLW root's name (by a test key standing in
/// for the root: only the name and the CRL scope matter), naming the ARL's
/// distribution point.
fn leaf_under_the_mhlw_name() -> (testpki::TestCert, testpki::TestCert) {
    let root = Certificate::from_der(&fixture("trust/mhlw-hpki-root-ca-v2.der").unwrap()).unwrap();
    let name = root.x509().tbs_certificate().subject().clone();
    let fake_root = TestPki::self_signed(CertSpec {
        serial: 1,
        subject: name,
        key: "hpki-root",
        not_before: at("2020-01-01T00:00:00Z"),
        not_after: at("2030-01-01T00:00:00Z"),
        extensions: testpki::ca_extensions(None, None).unwrap(),
    })
    .unwrap();
    let ca = medis_sign_ca();
    let cdp = ca
        .x509()
        .tbs_certificate()
        .extensions()
        .unwrap()
        .iter()
        .find(|e| e.extn_id.to_string() == "2.5.29.31")
        .unwrap()
        .clone();
    let leaf = TestPki::issue(
        &CertSpec {
            serial: 0x77,
            subject: testpki::name(&[("2.5.4.6", "JP"), ("2.5.4.3", "Not A CA")]).unwrap(),
            key: "physician-sign",
            not_before: at("2020-01-01T00:00:00Z"),
            not_after: at("2030-01-01T00:00:00Z"),
            extensions: vec![cdp],
        },
        &fake_root,
    )
    .unwrap();
    (fake_root, leaf)
}

#[test]
fn the_root_arl_is_refused_for_an_end_entity_certificate() {
    let arl = Crl::from_der(&sample_crl("MHLW HPKI Root CA V2")).unwrap();
    let (fake_root, leaf) = leaf_under_the_mhlw_name();
    let leaf_cert = leaf.certificate().unwrap();
    assert_eq!(arl.scope_for(&leaf_cert), Err(CrlRefusal::OnlyCaCerts));
    // In a path: the refusal is the revocation check's detail, and the status unknown.
    let mut store = TrustStore::new();
    store.add_anchor_der(fake_root.cert_der()).unwrap();
    let opts = PathOptions::at(at(AT)).with_crls(sample_crls());
    let report = validate_path(leaf.cert_der(), &[], &store, &opts);
    let revocation = report.check("revocation").next().unwrap();
    assert_eq!(
        revocation.verdict,
        Verdict::Indeterminate,
        "{:#?}",
        names(&report)
    );
    assert_eq!(revocation.sub_indication, Some(SubIndication::TryLater));
    assert!(
        revocation.detail.contains("onlyContainsCACerts"),
        "{}",
        revocation.detail
    );
}

#[test]
fn at_2024_the_embedded_crls_are_stale_unless_revocation_is_waived() {
    let opts = PathOptions::hpki_signature(at("2024-01-01T00:00:00Z")).with_crls(sample_crls());
    let report = validate_path(&sample_signer(), &[], &root_only(), &opts);
    assert_eq!(
        report.verdict,
        Verdict::Indeterminate,
        "{:#?}",
        names(&report)
    );
    assert_eq!(report.sub_indication, Some(SubIndication::TryLater));
    let failure = report.first_failure().unwrap();
    assert_eq!(failure.name, "revocation");
    assert!(failure.detail.contains("stale"), "{}", failure.detail);
    assert!(report.waivers.is_empty());

    let waived = opts.with_revocation_policy(RevocationPolicy::Waived);
    let report = validate_path(&sample_signer(), &[], &root_only(), &waived);
    assert_eq!(report.verdict, Verdict::Valid, "{:#?}", names(&report));
    assert_eq!(report.waivers.len(), 2, "{:?}", report.waivers);
    assert!(
        report.waivers[0].contains("Sanjushi Kagurazaka"),
        "{:?}",
        report.waivers
    );
    assert!(report.waivers[0].contains("stale"), "{:?}", report.waivers);
    assert!(
        report.waivers[1].contains("MedisSignCA2"),
        "{:?}",
        report.waivers
    );
}

#[test]
fn real_signer_is_out_of_bounds_in_2028() {
    let opts = PathOptions::hpki_signature(at("2028-01-01T00:00:00Z")).with_crls(sample_crls());
    let report = validate_path(&sample_signer(), &[], &root_only(), &opts);
    assert_eq!(report.verdict, Verdict::Indeterminate);
    let validity = report.check("validity").next().unwrap();
    assert_eq!(validity.verdict, Verdict::Indeterminate);
    assert_eq!(
        validity.sub_indication,
        Some(SubIndication::OutOfBoundsNoPoe)
    );
    assert!(validity.detail.contains("expired"), "{}", validity.detail);
    assert!(validity.subject.contains("Sanjushi Kagurazaka"));
}

#[test]
fn without_the_root_there_is_no_path() {
    let mut store = TrustStore::bundled();
    assert_eq!(store.remove_anchors_matching("MHLW HPKI Root CA V2"), 1);
    let opts = PathOptions::hpki_signature(at(AT)).with_crls(sample_crls());
    let report = validate_path(&sample_signer(), &[], &store, &opts);
    assert_eq!(
        report.verdict,
        Verdict::Indeterminate,
        "{:#?}",
        names(&report)
    );
    assert_eq!(
        report.sub_indication,
        Some(SubIndication::NoCertificateChainFound)
    );
    let failure = report.first_failure().unwrap();
    assert_eq!(failure.name, "anchor");
    assert!(failure.detail.contains("no path"), "{}", failure.detail);
}

#[test]
fn a_flipped_signature_bit_fails_the_signature_check() {
    let mut leaf = sample_signer();
    let last = leaf.len() - 1;
    leaf[last] ^= 0x01;
    let opts = PathOptions::hpki_signature(at(AT)).with_crls(sample_crls());
    let report = validate_path(&leaf, &[], &root_only(), &opts);
    assert_eq!(report.verdict, Verdict::Invalid);
    let failure = report.first_failure().unwrap();
    assert_eq!(failure.name, "signature", "{:#?}", names(&report));
    assert!(failure.subject.contains("Sanjushi Kagurazaka"));
}

#[test]
fn a_flipped_crl_byte_never_leaves_the_path_valid() {
    let opts = PathOptions::hpki_signature(at(AT)).with_crls(sample_crls());
    assert!(validate_path(&sample_signer(), &[], &root_only(), &opts).is_valid());
    let medis = sample_crl("MedisSignCA2");
    // A byte of the signature value, of the revoked list and of thisUpdate.
    for pos in [medis.len() - 1, medis.len() / 2, 60] {
        let mut bad = medis.clone();
        bad[pos] ^= 0x01;
        let crls: Vec<Vec<u8>> = sample_crls()
            .into_iter()
            .map(|c| if c == medis { bad.clone() } else { c })
            .collect();
        let opts = PathOptions::hpki_signature(at(AT)).with_crls(crls);
        let report = validate_path(&sample_signer(), &[], &root_only(), &opts);
        assert_ne!(
            report.verdict,
            Verdict::Valid,
            "byte {pos}: {:#?}",
            names(&report)
        );
    }
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
    let tsa_root = fixture("trust/tsa-test-root.der").unwrap();
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
    let store = root_only();
    let opts = PathOptions::hpki_signature(at("2024-01-01T00:00:00Z"))
        .with_revocation_policy(RevocationPolicy::Waived);
    assert!(validate_path(&leaf, &[], &store, &opts).is_valid());
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
    embedded("EncapsulatedX509Certificate")
        .into_iter()
        .find(|der| {
            CertInfo::parse(der)
                .unwrap()
                .subject
                .contains("TimeStampServer01")
        })
        .unwrap()
}

#[test]
fn the_samples_tsa_validates_for_time_stamping_to_the_explicit_tsa_root() {
    let root = fixture("trust/tsa-test-root.der").unwrap();
    let tsa = sample_tsa();
    let mut store = TrustStore::new();
    store.add_anchor_der(&root).unwrap();
    let opts = PathOptions::at(at("2024-01-01T00:00:00Z"))
        .with_purpose(hpki_cert::Purpose::TimeStamping)
        .with_crls(sample_crls());
    let report = validate_path(&tsa, &[], &store, &opts);
    assert_eq!(report.verdict, Verdict::Valid, "{:#?}", names(&report));
    let revocation = report.check("revocation").next().unwrap();
    assert!(
        revocation.detail.contains("TimeStampServer"),
        "{}",
        revocation.detail
    );
    // Not with the bundled HPKI store: the TSA test root is never bundled.
    let report = validate_path(&tsa, &[], &TrustStore::bundled(), &opts);
    assert_eq!(report.first_failure().unwrap().name, "anchor");
    // And not as a document signer.
    let report = validate_path(
        &tsa,
        &[],
        &store,
        &PathOptions::hpki_signature(at("2024-01-01T00:00:00Z")).with_crls(sample_crls()),
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
    let opts = PathOptions::hpki_signature(at(AT)).with_crls(sample_crls());
    let report = validate_path(&sample_signer(), &[], &store, &opts);
    assert_eq!(
        report.verdict,
        Verdict::Indeterminate,
        "{:#?}",
        names(&report)
    );
    assert_eq!(
        report.sub_indication,
        Some(SubIndication::NoCertificateChainFound)
    );
    assert_eq!(report.anchor, None);
    let failure = report.first_failure().unwrap();
    assert_eq!(failure.name, "anchor", "{:#?}", names(&report));
    // The fixtures folder as a whole: two anchors (MHLW root, TSA root), and the path
    // is VALID.
    let store = TrustStore::from_dir(std::path::Path::new(&format!("{FIXTURES}trust"))).unwrap();
    assert_eq!(store.anchors().count(), 2);
    assert_eq!(store.intermediates().count(), 2);
    assert!(validate_path(&sample_signer(), &[], &store, &opts).is_valid());
}
