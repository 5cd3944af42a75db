//! A long-lived `TrustStore` parses and verifies shared certificates once: the reports
//! must not change, and nothing memoized may vouch for other bytes or another key.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use hpki_cert::{
    CrlReason, PathOptions, TrustStore, Verdict,
    testpki::{self, CertSpec, Revocation, TestPki},
    validate_path,
};

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn summary(r: &hpki_cert::PathReport) -> Vec<String> {
    r.checks
        .iter()
        .map(|c| format!("{} {} {}: {}", c.verdict, c.name, c.subject, c.detail))
        .collect()
}

#[test]
fn a_reused_store_reports_the_same_and_parses_once() {
    let pki = TestPki::new().unwrap();
    let store = pki.trust_store();
    let crl = TestPki::issue_crl(
        pki.hpki_sign_ca(),
        &[Revocation {
            serial: 0x1001,
            date: ts("2024-06-01T00:00:00Z"),
            reason: Some(CrlReason::KeyCompromise),
        }],
        ts("2024-07-01T00:00:00Z"),
        ts("2034-01-01T00:00:00Z"),
        7,
    )
    .unwrap();
    let opts = PathOptions::hpki_signature(testpki::valid_time()).with_crls(vec![crl.clone()]);
    let first = validate_path(pki.physician().cert_der(), &[], &store, &opts);
    assert_eq!(first.verdict, Verdict::Invalid, "{:#?}", summary(&first));
    for _ in 0..3 {
        let again = validate_path(pki.physician().cert_der(), &[], &store, &opts);
        assert_eq!(summary(&again), summary(&first));
        assert_eq!(again.verdict, Verdict::Invalid);
    }
    let a = store.certificate(pki.physician().cert_der()).unwrap();
    let b = store.certificate(pki.physician().cert_der()).unwrap();
    assert!(std::sync::Arc::ptr_eq(&a, &b), "parsed once");
    let c1 = store.crl(&crl).unwrap();
    let c2 = store.crl(&crl).unwrap();
    assert!(std::sync::Arc::ptr_eq(&c1, &c2));
    // A fresh store, without the memo, agrees.
    let fresh = validate_path(pki.physician().cert_der(), &[], &pki.trust_store(), &opts);
    assert_eq!(summary(&fresh), summary(&first));
}

#[test]
fn a_verified_signature_does_not_vouch_for_another_key_or_other_bytes() {
    let pki = TestPki::new().unwrap();
    let mut root_only = TrustStore::new();
    root_only
        .add_anchor_der(pki.hpki_root().cert_der())
        .unwrap();
    let shared = root_only.clone(); // clones share the memo
    let crls: Vec<Vec<u8>> = [pki.hpki_root(), pki.hpki_sign_ca()]
        .into_iter()
        .map(|ca| {
            TestPki::issue_crl(
                ca,
                &[],
                ts("2024-12-01T00:00:00Z"),
                ts("2025-02-01T00:00:00Z"),
                1,
            )
            .unwrap()
        })
        .collect();
    let opts = PathOptions::hpki_signature(testpki::valid_time()).with_crls(crls);
    let real_ca = pki.hpki_sign_ca().cert_der().to_vec();
    let ok = validate_path(pki.physician().cert_der(), &[real_ca], &root_only, &opts);
    assert_eq!(ok.verdict, Verdict::Valid, "{:#?}", summary(&ok));

    // The same leaf (same parsed object, memo included) under a CA of the same name
    // and key identifier but another key: the memo of the real key must not make it
    // pass.
    let real = pki.hpki_sign_ca().certificate().unwrap();
    let real_ski = real
        .x509()
        .tbs_certificate()
        .extensions()
        .unwrap()
        .iter()
        .find(|e| e.extn_id.to_string() == "2.5.29.14")
        .unwrap()
        .extn_value
        .as_bytes()
        .to_vec();
    let same_ski = x509_cert::ext::Extension {
        extn_id: "2.5.29.14".parse().unwrap(),
        critical: false,
        extn_value: der::asn1::OctetString::new(real_ski).unwrap(),
    };
    let forged = TestPki::issue(
        &CertSpec {
            serial: 99,
            subject: real.x509().tbs_certificate().subject().clone(),
            key: "hpki-auth-ca",
            not_before: testpki::not_before(),
            not_after: testpki::not_after(),
            extensions: vec![same_ski],
        },
        pki.hpki_root(),
    )
    .unwrap();
    let bad = validate_path(
        pki.physician().cert_der(),
        &[forged.cert_der().to_vec()],
        &shared,
        &opts,
    );
    assert_eq!(bad.verdict, Verdict::Invalid, "{:#?}", summary(&bad));
    assert_eq!(bad.first_failure().unwrap().name, "signature");

    // A leaf whose signature bytes were changed is other bytes: checked afresh, fails.
    let mut tampered = pki.physician().cert_der().to_vec();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    let real_ca = pki.hpki_sign_ca().cert_der().to_vec();
    let bad = validate_path(&tampered, &[real_ca], &root_only, &opts);
    assert_eq!(bad.verdict, Verdict::Invalid, "{:#?}", summary(&bad));
    assert_eq!(bad.first_failure().unwrap().name, "signature");
}
