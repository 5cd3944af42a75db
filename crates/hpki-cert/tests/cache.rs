//! The caller's `VerificationCache`: reports do not change when it is used, nothing it
//! remembers vouches for other bytes or another key, and the answers that depend on
//! anchors, time and policy are never reused from it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use hpki_cert::{
    CrlReason, PathOptions, PathReport, RevocationPolicy, SubIndication, TrustStore, Verdict,
    VerificationCache,
    testpki::{self, CertSpec, Revocation, TestPki},
    validate_path,
};

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn summary(r: &PathReport) -> Vec<String> {
    r.checks
        .iter()
        .map(|c| format!("{} {} {}: {}", c.verdict, c.name, c.subject, c.detail))
        .collect()
}

/// Empty CRLs of the HPKI root and signing CA, fresh at the test PKI's validation time.
fn crls(pki: &TestPki) -> Vec<Vec<u8>> {
    [pki.hpki_root(), pki.hpki_sign_ca()]
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
        .collect()
}

#[test]
fn a_reused_cache_reports_the_same_and_parses_once() {
    let pki = TestPki::new().unwrap();
    let store = pki.trust_store();
    let revoked = TestPki::issue_crl(
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
    let cache = VerificationCache::new();
    let uncached = PathOptions::hpki_signature(testpki::valid_time())
        .with_crls(vec![revoked.clone(), crls(&pki)[0].clone()]);
    let opts = uncached.clone().with_cache(cache.clone());
    let first = validate_path(pki.physician().cert_der(), &[], &store, &opts);
    assert_eq!(first.verdict, Verdict::Invalid, "{:#?}", summary(&first));
    let entries = cache.len();
    assert!(entries > 0);
    for _ in 0..3 {
        let again = validate_path(pki.physician().cert_der(), &[], &store, &opts);
        assert_eq!(summary(&again), summary(&first));
    }
    assert_eq!(cache.len(), entries, "nothing new to remember");
    let a = cache.certificate(pki.physician().cert_der()).unwrap();
    let b = cache.certificate(pki.physician().cert_der()).unwrap();
    assert!(std::sync::Arc::ptr_eq(&a, &b), "parsed once");
    let c1 = cache.crl(&revoked).unwrap();
    let c2 = cache.crl(&revoked).unwrap();
    assert!(std::sync::Arc::ptr_eq(&c1, &c2));
    // Without a cache, the same report.
    let fresh = validate_path(pki.physician().cert_der(), &[], &store, &uncached);
    assert_eq!(summary(&fresh), summary(&first));
    assert!(uncached.cache.is_none());
}

#[test]
fn another_anchor_set_with_the_same_cache_gets_its_own_answer() {
    let pki = TestPki::shared().unwrap();
    let cache = VerificationCache::new();
    let opts = PathOptions::hpki_signature(testpki::valid_time())
        .with_crls(crls(pki))
        .with_cache(cache.clone());
    let doctor = pki.physician();
    let ok = validate_path(doctor.cert_der(), &[], &pki.trust_store(), &opts);
    assert_eq!(ok.verdict, Verdict::Valid, "{:#?}", summary(&ok));
    // The same certificates, parsed and verified in the cache, but the HPKI root is not
    // an anchor here: no path.
    let mut tsa_only = TrustStore::new();
    tsa_only.add_anchor_der(pki.tsa_root().cert_der()).unwrap();
    tsa_only
        .add_intermediate_der(pki.hpki_sign_ca().cert_der())
        .unwrap();
    tsa_only
        .add_intermediate_der(pki.hpki_root().cert_der())
        .unwrap();
    let no = validate_path(doctor.cert_der(), &[], &tsa_only, &opts);
    assert_eq!(no.verdict, Verdict::Indeterminate, "{:#?}", summary(&no));
    assert_eq!(
        no.sub_indication,
        Some(SubIndication::NoCertificateChainFound)
    );
    assert_eq!(no.anchor, None);
    // And back: the first store still validates.
    let ok = validate_path(doctor.cert_der(), &[], &pki.trust_store(), &opts);
    assert_eq!(ok.verdict, Verdict::Valid);
}

#[test]
fn another_validation_time_with_the_same_cache_gets_its_own_answer() {
    let pki = TestPki::shared().unwrap();
    let cache = VerificationCache::new();
    let at = |t: jiff::Timestamp| {
        PathOptions::hpki_signature(t)
            .with_crls(crls(pki))
            .with_cache(cache.clone())
    };
    let store = pki.trust_store();
    let doctor = pki.physician().cert_der();
    assert!(validate_path(doctor, &[], &store, &at(testpki::valid_time())).is_valid());
    let later = validate_path(doctor, &[], &store, &at(ts("2034-06-01T00:00:00Z")));
    assert_eq!(
        later.verdict,
        Verdict::Indeterminate,
        "{:#?}",
        summary(&later)
    );
    assert_eq!(later.sub_indication, Some(SubIndication::OutOfBoundsNoPoe));
    let earlier = validate_path(doctor, &[], &store, &at(ts("2023-06-01T00:00:00Z")));
    assert_eq!(
        earlier.verdict,
        Verdict::Invalid,
        "{:#?}",
        summary(&earlier)
    );
    assert_eq!(earlier.sub_indication, Some(SubIndication::NotYetValid));
    // The CRLs' freshness is judged at each time too: stale after their nextUpdate.
    let stale = validate_path(doctor, &[], &store, &at(ts("2025-03-01T00:00:00Z")));
    assert_eq!(stale.sub_indication, Some(SubIndication::TryLater));
    assert!(validate_path(doctor, &[], &store, &at(testpki::valid_time())).is_valid());
}

#[test]
fn another_revocation_policy_with_the_same_cache_gets_its_own_answer() {
    let pki = TestPki::shared().unwrap();
    let cache = VerificationCache::new();
    let store = pki.trust_store();
    let doctor = pki.physician().cert_der();
    let with = |policy| {
        PathOptions::hpki_signature(testpki::valid_time())
            .with_revocation_policy(policy)
            .with_cache(cache.clone())
    };
    let required = validate_path(doctor, &[], &store, &with(RevocationPolicy::Required));
    assert_eq!(required.verdict, Verdict::Indeterminate);
    assert_eq!(required.sub_indication, Some(SubIndication::TryLater));
    let waived = validate_path(doctor, &[], &store, &with(RevocationPolicy::Waived));
    assert_eq!(waived.verdict, Verdict::Valid, "{:#?}", summary(&waived));
    assert_eq!(waived.waivers.len(), 2, "{:?}", waived.waivers);
    let again = validate_path(doctor, &[], &store, &with(RevocationPolicy::Required));
    assert_eq!(again.verdict, Verdict::Indeterminate);
    assert!(again.waivers.is_empty());
}

#[test]
fn a_verified_signature_does_not_vouch_for_another_key_or_other_bytes() {
    let pki = TestPki::new().unwrap();
    let mut root_only = TrustStore::new();
    root_only
        .add_anchor_der(pki.hpki_root().cert_der())
        .unwrap();
    let cache = VerificationCache::new();
    let opts = PathOptions::hpki_signature(testpki::valid_time())
        .with_crls(crls(&pki))
        .with_cache(cache.clone());
    let real_ca = pki.hpki_sign_ca().cert_der().to_vec();
    let ok = validate_path(pki.physician().cert_der(), &[real_ca], &root_only, &opts);
    assert_eq!(ok.verdict, Verdict::Valid, "{:#?}", summary(&ok));

    // The same leaf (same cached object) under a CA of the same name and key
    // identifier but another key: the cached verification with the real key must not
    // make it pass.
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
        &root_only,
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

    // A CRL whose signature is flipped is other bytes too: refused, never taken from
    // the cache of the real one.
    let mut crls = crls(&pki);
    let last = crls[1].len() - 1;
    crls[1][last] ^= 0x01;
    let opts = PathOptions::hpki_signature(testpki::valid_time())
        .with_crls(crls)
        .with_cache(cache);
    let real_ca = pki.hpki_sign_ca().cert_der().to_vec();
    let bad = validate_path(pki.physician().cert_der(), &[real_ca], &root_only, &opts);
    assert_eq!(bad.verdict, Verdict::Indeterminate, "{:#?}", summary(&bad));
    assert!(
        bad.check("revocation")
            .next()
            .unwrap()
            .detail
            .contains("signature does not verify")
    );
}

#[test]
fn a_tiny_cache_gives_the_same_reports_as_none() {
    let pki = TestPki::shared().unwrap();
    let store = pki.trust_store();
    let plain = PathOptions::hpki_signature(testpki::valid_time()).with_crls(crls(pki));
    let tiny = plain
        .clone()
        .with_cache(VerificationCache::with_limits(2, 4096));
    for cert in [pki.physician(), pki.dentist(), pki.pharmacist()] {
        for _ in 0..2 {
            let a = validate_path(cert.cert_der(), &[], &store, &plain);
            let b = validate_path(cert.cert_der(), &[], &store, &tiny);
            assert_eq!(summary(&a), summary(&b));
            assert!(b.is_valid());
        }
    }
    assert!(tiny.cache.unwrap().len() <= 2);
}
