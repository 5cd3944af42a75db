//! The test PKI against our validator and against OpenSSL.

// Test helpers outside #[test] fns are test code too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::process::Command;

use hpki_cert::{
    CertInfo, CertKind, CrlReason, PathOptions, Purpose, Qualification, TrustStore, Verdict,
    classify, profile,
    testpki::{self, CertSpec, Revocation, TestPki},
    validate_path,
};

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn pki() -> TestPki {
    TestPki::new().unwrap()
}

/// An empty CRL of `ca`, fresh at the test PKI's validation time (and from 2024-01-02 on:
/// a CRL issued later gives the status at an earlier time).
fn empty_crl(ca: &testpki::TestCert) -> Vec<u8> {
    TestPki::issue_crl(
        ca,
        &[],
        ts("2024-12-01T00:00:00Z"),
        ts("2025-02-01T00:00:00Z"),
        1,
    )
    .unwrap()
}

/// The roots' CRLs: the status of every test CA.
fn root_crls(pki: &TestPki) -> Vec<Vec<u8>> {
    pki.anchors().into_iter().map(empty_crl).collect()
}

/// The roots' and every CA's CRLs: the status of every test certificate.
fn all_crls(pki: &TestPki) -> Vec<Vec<u8>> {
    let mut crls = root_crls(pki);
    for ca in [
        pki.hpki_sign_ca(),
        pki.hpki_auth_ca(),
        pki.jpki_sign_ca(),
        pki.jpki_auth_ca(),
    ] {
        crls.push(empty_crl(ca));
    }
    crls
}

fn dump(r: &hpki_cert::PathReport) -> Vec<String> {
    r.checks
        .iter()
        .map(|c| format!("{} {} {}: {}", c.verdict, c.name, c.subject, c.detail))
        .collect()
}

#[test]
fn every_hpki_holder_validates_with_its_qualification() {
    let pki = pki();
    let store = pki.trust_store();
    for q in [
        Qualification::MedicalDoctor,
        Qualification::Dentist,
        Qualification::Pharmacist,
    ] {
        let cert = pki.signing(&q).unwrap();
        let r = validate_path(
            cert.cert_der(),
            &cert.chain_der(),
            &store,
            &PathOptions::hpki_signature(testpki::valid_time()).with_crls(all_crls(&pki)),
        );
        assert_eq!(r.verdict, Verdict::Valid, "{q}: {:#?}", dump(&r));
        assert_eq!(r.qualification, Some(q.clone()));
        assert_eq!(r.chain.len(), 3);
        assert_eq!(classify(cert.cert_der()).kind, CertKind::HpkiSigning);

        let auth = pki.authentication(&q).unwrap();
        let opts = PathOptions::at(testpki::valid_time())
            .with_purpose(Purpose::Authentication)
            .with_crls(all_crls(&pki));
        let r = validate_path(auth.cert_der(), &[], &store, &opts);
        assert_eq!(r.verdict, Verdict::Valid, "{q} auth: {:#?}", dump(&r));
        assert_eq!(classify(auth.cert_der()).kind, CertKind::HpkiAuthentication);
    }
}

#[test]
fn an_authentication_certificate_cannot_sign_prescriptions() {
    let pki = pki();
    let auth = pki.authentication(&Qualification::MedicalDoctor).unwrap();
    let r = validate_path(
        auth.cert_der(),
        &[],
        &pki.trust_store(),
        &PathOptions::hpki_signature(testpki::valid_time()),
    );
    assert_eq!(r.verdict, Verdict::Invalid);
    assert_eq!(
        r.first_failure().unwrap().name,
        "key_usage",
        "{:#?}",
        dump(&r)
    );
}

#[test]
fn the_path_can_come_from_the_signature_instead_of_the_store() {
    let pki = pki();
    let mut store = TrustStore::new();
    store.add_anchor_der(pki.hpki_root().cert_der()).unwrap();
    let doctor = pki.physician();
    let opts = PathOptions::hpki_signature(testpki::valid_time()).with_crls(all_crls(&pki));
    let r = validate_path(doctor.cert_der(), &doctor.chain_der(), &store, &opts);
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", dump(&r));
    let r = validate_path(doctor.cert_der(), &[], &store, &opts);
    assert_eq!(r.verdict, Verdict::Indeterminate);
    assert_eq!(r.first_failure().unwrap().name, "anchor");
    // Garbage among the extras fails the path: it might have been the certificate
    // that mattered.
    let mut extras = doctor.chain_der();
    extras.insert(0, b"junk".to_vec());
    let r = validate_path(doctor.cert_der(), &extras, &store, &opts);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert_eq!(r.first_failure().unwrap().name, "parse", "{:#?}", dump(&r));
}

#[test]
fn the_certificates_are_byte_stable() {
    let a = pki();
    let b = pki();
    assert_eq!(a.physician().cert_der(), b.physician().cert_der());
    assert_eq!(a.hpki_root().cert_der(), b.hpki_root().cert_der());
    assert_eq!(a.jpki_signature().cert_der(), b.jpki_signature().cert_der());
    let info = CertInfo::parse(a.physician().cert_der()).unwrap();
    assert_eq!(info.not_before, testpki::not_before());
    assert_eq!(info.not_after, testpki::not_after());
    assert_eq!(info.serial_hex, "1001");
}

#[test]
fn the_physician_has_the_medis_shape() {
    let pki = pki();
    let cert = pki.physician().certificate().unwrap();
    let info = CertInfo::from_certificate(&cert);
    assert_eq!(info.key_usage, vec!["nonRepudiation"]);
    assert_eq!(info.policies, vec![profile::MEDIS_SIGNING_EE_POLICY]);
    assert!(
        info.subject_alt_names[0].contains("見本\u{3000}太郎"),
        "{:?}",
        info.subject_alt_names
    );
    let ext = cert.x509().tbs_certificate().extensions().unwrap();
    let policy = ext
        .iter()
        .find(|e| e.extn_id.to_string() == "2.5.29.32")
        .unwrap();
    assert!(policy.critical, "the HPKI policy extension is critical");
    let ku = ext
        .iter()
        .find(|e| e.extn_id.to_string() == "2.5.29.15")
        .unwrap();
    assert!(ku.critical);
    let hc = ext
        .iter()
        .find(|e| e.extn_id.to_string() == "2.5.29.9")
        .unwrap();
    assert!(!hc.critical);
    assert_eq!(
        hex::encode_upper(hc.extn_value.as_bytes()),
        "303430320606288185420001312831263024A0223120A00C060A2A830886910F01060101A2100C0E4D65646963616C20446F63746F72",
        "hcRole identical to the real MEDIS DER"
    );
    assert!(
        ext.iter().any(|e| e.extn_id.to_string() == "2.5.29.31"),
        "CRL DP"
    );
}

#[test]
fn jpki_certificates_classify_and_carry_the_basic_four_items_only_when_signing() {
    let pki = pki();
    let sig = classify(pki.jpki_signature().cert_der());
    assert_eq!(sig.kind, CertKind::JpkiSignature, "{:?}", sig.reasons);
    let auth = classify(pki.jpki_user_auth().cert_der());
    assert_eq!(
        auth.kind,
        CertKind::JpkiUserAuthentication,
        "{:?}",
        auth.reasons
    );
    let info = CertInfo::parse(pki.jpki_signature().cert_der()).unwrap();
    for oid in [
        profile::jpki_san::NAME,
        profile::jpki_san::SEX,
        profile::jpki_san::DATE_OF_BIRTH,
        profile::jpki_san::ADDRESS,
    ] {
        assert!(
            info.subject_alt_names.contains(&format!("othername:{oid}")),
            "{oid}"
        );
    }
    // Values are personal data: never rendered.
    assert!(!info.subject_alt_names.iter().any(|s| s.contains("見本")));
    assert!(
        CertInfo::parse(pki.jpki_user_auth().cert_der())
            .unwrap()
            .subject_alt_names
            .is_empty()
    );
    let r = validate_path(
        pki.jpki_signature().cert_der(),
        &[],
        &pki.trust_store(),
        &PathOptions::at(testpki::valid_time())
            .with_purpose(Purpose::NonRepudiation)
            .with_crls(all_crls(&pki)),
    );
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", dump(&r));
}

#[test]
fn the_tsa_certificate_is_for_time_stamping_only() {
    let pki = pki();
    let store = pki.trust_store();
    let at = testpki::valid_time();
    let tsa = pki.tsa().cert_der();
    let r = validate_path(
        tsa,
        &[],
        &store,
        &PathOptions::at(at)
            .with_purpose(Purpose::TimeStamping)
            .with_crls(all_crls(&pki)),
    );
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", dump(&r));
    assert_eq!(classify(tsa).kind, CertKind::Other);
    let r = validate_path(
        pki.physician().cert_der(),
        &[],
        &store,
        &PathOptions::at(at).with_purpose(Purpose::TimeStamping),
    );
    assert_eq!(r.first_failure().unwrap().name, "key_usage");
}

fn revoke_physician(pki: &TestPki, date: &str) -> Vec<u8> {
    TestPki::issue_crl(
        pki.hpki_sign_ca(),
        &[Revocation {
            serial: 0x1001,
            date: ts(date),
            reason: Some(CrlReason::KeyCompromise),
        }],
        ts("2024-07-01T00:00:00Z"),
        ts("2034-01-01T00:00:00Z"),
        7,
    )
    .unwrap()
}

#[test]
fn a_revoked_certificate_fails_with_date_and_reason() {
    let pki = pki();
    let revoked = revoke_physician(&pki, "2024-06-01T00:00:00Z");
    let mut crl = root_crls(&pki);
    crl.push(revoked);
    let opts = PathOptions::hpki_signature(testpki::valid_time()).with_crls(crl.clone());
    let r = validate_path(pki.physician().cert_der(), &[], &pki.trust_store(), &opts);
    assert_eq!(r.verdict, Verdict::Invalid);
    let f = r.first_failure().unwrap();
    assert_eq!(f.name, "revocation", "{:#?}", dump(&r));
    assert!(f.detail.contains("2024-06-01"), "{}", f.detail);
    assert!(f.detail.contains("KeyCompromise"), "{}", f.detail);

    // Signed before the revocation: valid, and the report says it was revoked later.
    let opts = PathOptions::hpki_signature(ts("2024-05-01T00:00:00Z")).with_crls(crl.clone());
    let r = validate_path(pki.physician().cert_der(), &[], &pki.trust_store(), &opts);
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", dump(&r));
    assert!(
        r.check("revocation")
            .next()
            .unwrap()
            .detail
            .contains("revoked later")
    );

    // Another holder of the same CA is not affected.
    let opts = PathOptions::hpki_signature(testpki::valid_time()).with_crls(crl);
    let r = validate_path(pki.dentist().cert_der(), &[], &pki.trust_store(), &opts);
    assert_eq!(r.verdict, Verdict::Valid, "{:#?}", dump(&r));
}

#[test]
fn crl_from_the_wrong_key_or_stale_is_not_used() {
    let pki = pki();
    // Same issuer name, signed by the authentication CA's key: signature fails.
    let forged = TestPki::issue_crl(
        &forged_issuer(&pki),
        &[],
        ts("2024-07-01T00:00:00Z"),
        ts("2034-01-01T00:00:00Z"),
        1,
    )
    .unwrap();
    let opts = PathOptions::hpki_signature(testpki::valid_time())
        .with_crls(vec![forged])
        .with_required_revocation(true);
    let r = validate_path(pki.physician().cert_der(), &[], &pki.trust_store(), &opts);
    let check = r.check("revocation").next().unwrap();
    assert_eq!(check.verdict, Verdict::Indeterminate, "{:#?}", dump(&r));
    // Its authority key identifier names the other key: refused before the signature.
    assert!(
        check.detail.contains("authorityKeyIdentifier"),
        "{}",
        check.detail
    );

    let stale = TestPki::issue_crl(
        pki.hpki_sign_ca(),
        &[],
        ts("2024-01-02T00:00:00Z"),
        ts("2024-02-01T00:00:00Z"),
        2,
    )
    .unwrap();
    let opts = PathOptions::hpki_signature(testpki::valid_time()).with_crls(vec![stale]);
    let r = validate_path(pki.physician().cert_der(), &[], &pki.trust_store(), &opts);
    let check = r.check("revocation").next().unwrap();
    assert_eq!(check.verdict, Verdict::Indeterminate);
    assert!(check.detail.contains("stale"), "{}", check.detail);

    // Revocation required but no CRL supplied for the issuer.
    let opts = PathOptions::hpki_signature(testpki::valid_time()).with_required_revocation(true);
    let r = validate_path(pki.physician().cert_der(), &[], &pki.trust_store(), &opts);
    assert_eq!(r.verdict, Verdict::Indeterminate);
    assert_eq!(r.first_failure().unwrap().name, "revocation");
}

/// A CA certificate with the signing CA's name but the authentication CA's key.
fn forged_issuer(pki: &TestPki) -> testpki::TestCert {
    let real = pki.hpki_sign_ca().certificate().unwrap();
    TestPki::issue(
        &CertSpec {
            serial: 99,
            subject: real.x509().tbs_certificate().subject().clone(),
            key: "hpki-auth-ca",
            not_before: testpki::not_before(),
            not_after: testpki::not_after(),
            extensions: vec![],
        },
        pki.hpki_root(),
    )
    .unwrap()
}

fn holder_spec(extensions: Vec<x509_cert::ext::Extension>) -> CertSpec {
    CertSpec {
        serial: 0x5001,
        subject: testpki::name(&[("2.5.4.6", "JP"), ("2.5.4.3", "Variant Holder")]).unwrap(),
        key: "physician-sign",
        not_before: testpki::not_before(),
        not_after: testpki::not_after(),
        extensions,
    }
}

fn policy_ext(oid: &str) -> x509_cert::ext::Extension {
    let p = x509_cert::ext::pkix::CertificatePolicies(vec![
        x509_cert::ext::pkix::certpolicy::PolicyInformation {
            policy_identifier: oid.parse().unwrap(),
            policy_qualifiers: None,
        },
    ]);
    testpki::extension("2.5.29.32", true, &p).unwrap()
}

#[test]
fn an_unknown_critical_policy_is_the_only_failure() {
    let pki = pki();
    let leaf = TestPki::issue(
        &holder_spec(vec![policy_ext("1.2.3.4.5")]),
        pki.hpki_sign_ca(),
    )
    .unwrap();
    let r = validate_path(
        leaf.cert_der(),
        &[],
        &pki.trust_store(),
        &PathOptions::hpki_signature(testpki::valid_time()).with_crls(all_crls(&pki)),
    );
    assert_eq!(r.verdict, Verdict::Invalid);
    let f = r.first_failure().unwrap();
    assert_eq!(f.name, "policy", "{:#?}", dump(&r));
    assert!(f.detail.contains("1.2.3.4.5"));
    assert_eq!(
        r.checks
            .iter()
            .filter(|c| c.verdict != Verdict::Valid)
            .count(),
        1
    );
}

#[test]
fn an_unknown_critical_extension_fails() {
    let pki = pki();
    let ext = testpki::extension("1.2.3.99", true, &der::asn1::Null).unwrap();
    let leaf = TestPki::issue(
        &holder_spec(vec![ext, policy_ext(profile::MEDIS_SIGNING_EE_POLICY)]),
        pki.hpki_sign_ca(),
    )
    .unwrap();
    let r = validate_path(
        leaf.cert_der(),
        &[],
        &pki.trust_store(),
        &PathOptions::hpki_signature(testpki::valid_time()),
    );
    let f = r.first_failure().unwrap();
    assert_eq!(f.name, "critical_extensions", "{:#?}", dump(&r));
    assert!(f.detail.contains("1.2.3.99"));
}

#[test]
fn an_end_entity_cannot_issue_certificates() {
    let pki = pki();
    // Signed by the physician: the physician is not a CA.
    let leaf = TestPki::issue(&holder_spec(vec![]), pki.physician()).unwrap();
    let mut extras = vec![pki.physician().cert_der().to_vec()];
    extras.extend(pki.physician().chain_der());
    let r = validate_path(
        leaf.cert_der(),
        &extras,
        &pki.trust_store(),
        &PathOptions::at(testpki::valid_time()),
    );
    assert_eq!(r.verdict, Verdict::Invalid, "{:#?}", dump(&r));
    let failing: Vec<_> = r
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Invalid)
        .map(|c| c.name)
        .collect();
    assert!(failing.contains(&"basic_constraints"), "{failing:?}");
    assert!(failing.contains(&"key_usage"), "{failing:?}");
}

#[test]
fn a_same_named_ca_with_another_key_is_not_taken_for_the_real_one() {
    let pki = pki();
    let leaf = TestPki::issue(
        &holder_spec(vec![policy_ext(profile::MEDIS_SIGNING_EE_POLICY)]),
        &forged_issuer(&pki),
    )
    .unwrap();
    // The leaf's authority key id names the other key, so the store's CA of the same
    // name is not a candidate issuer: no path.
    let opts = PathOptions::at(testpki::valid_time());
    let r = validate_path(leaf.cert_der(), &[], &pki.trust_store(), &opts);
    assert_eq!(r.verdict, Verdict::Indeterminate, "{:#?}", dump(&r));
    assert_eq!(r.first_failure().unwrap().name, "anchor");
    // With its actual issuer supplied the path is built (the root did sign that one),
    // and fails because that certificate is no CA.
    let forged = forged_issuer(&pki);
    let r = validate_path(
        leaf.cert_der(),
        &[forged.cert_der().to_vec()],
        &pki.trust_store(),
        &opts,
    );
    assert_eq!(r.verdict, Verdict::Invalid, "{:#?}", dump(&r));
    let invalid = r.checks.iter().find(|c| c.verdict == Verdict::Invalid);
    assert_eq!(invalid.unwrap().name, "basic_constraints");
}

/// Fails the test, with the install command, when the `openssl` command is missing.
fn require_openssl() {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "needs the openssl command: apt-get install -y openssl");
}

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance (30-hpki-cert)"]
fn openssl_verifies_the_test_hierarchy_and_sees_the_revocation() {
    require_openssl();
    let pki = pki();
    let dir = tempfile::tempdir().unwrap();
    pki.write_all(dir.path()).unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_owned();
    let at = testpki::valid_time().as_second().to_string();
    for (root, ca, leaf) in [
        ("hpki-root.pem", "hpki-sign-ca.pem", "physician-sign.pem"),
        ("hpki-root.pem", "hpki-sign-ca.pem", "dentist-sign.pem"),
        ("hpki-root.pem", "hpki-sign-ca.pem", "pharmacist-sign.pem"),
        ("hpki-root.pem", "hpki-auth-ca.pem", "physician-auth.pem"),
        ("jpki-root.pem", "jpki-sign-ca.pem", "jpki-holder-sign.pem"),
        ("jpki-root.pem", "jpki-auth-ca.pem", "jpki-holder-auth.pem"),
        ("tsa-root.pem", "tsa-root.pem", "tsa.pem"),
    ] {
        let out = Command::new("openssl")
            .args([
                "verify",
                "-attime",
                &at,
                "-policy_check",
                "-CAfile",
                &p(root),
                "-untrusted",
                &p(ca),
                &p(leaf),
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && text.contains(": OK"),
            "{leaf}: {text}"
        );
    }
    // The hcRole is visible to openssl.
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in", &p("physician-sign.pem")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Subject Directory Attributes"), "{text}");
    assert!(text.contains("Medical Doctor"), "{text}");
    // openssl agrees about the revocation in our CRL.
    let crl = revoke_physician(&pki, "2024-06-01T00:00:00Z");
    let crl_pem = der::pem::encode_string("X509 CRL", der::pem::LineEnding::LF, &crl).unwrap();
    std::fs::write(dir.path().join("sign.crl.pem"), crl_pem).unwrap();
    let run = |leaf: &str| {
        let out = Command::new("openssl")
            .args([
                "verify",
                "-attime",
                &at,
                "-crl_check",
                "-CRLfile",
                &p("sign.crl.pem"),
                "-CAfile",
                &p("hpki-root.pem"),
                "-untrusted",
                &p("hpki-sign-ca.pem"),
                &p(leaf),
            ])
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, text) = run("physician-sign.pem");
    assert!(!ok && text.contains("revoked"), "{text}");
    let (ok, text) = run("dentist-sign.pem");
    assert!(ok, "{text}");
}
