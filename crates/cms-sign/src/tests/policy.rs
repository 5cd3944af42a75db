//! The validation policy and the time model: revocation sources (the message's CRLs,
//! the caller's, a `CrlSource`), what happens without them, proof of existence from a
//! signature time-stamp, and the report that says which time each path was validated at.

use std::sync::Arc;

use cert_signer::CertSigner as _;
use hpki_cert::{CrlAnswer, CrlFetchError, CrlSource, RevocationPolicy};
use jiff::Timestamp;

use super::{at, opts};
use crate::{
    Check, Indication, Level, PathValidation, Report, SubIndication, TimeStampOptions,
    VerifyOptions,
    message::{self, SignedDataRef},
    test_pki,
    tlv::{self, Reader, tag},
    verify,
};

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// After the physician's certificate expired (2035-12-31), before the TSA's (2044).
fn late() -> Timestamp {
    t("2040-01-01T00:00:00Z")
}

fn trusted() -> VerifyOptions {
    VerifyOptions::new()
        .trust(test_pki::trust_store().unwrap())
        .at(at())
}

fn crl() -> Vec<u8> {
    test_pki::fresh_root_crl().unwrap()
}

fn signed() -> Vec<u8> {
    let (mut signer, _) = test_pki::physician();
    crate::sign(&mut signer, b"record", false, &opts()).unwrap()
}

/// `signed()` with a signature time-stamp dated `gen_time` from the in-process TSA.
fn time_stamped(gen_time: Timestamp) -> Vec<u8> {
    crate::add_signature_time_stamps(
        &signed(),
        &mut test_pki::TestTsa::at(gen_time),
        &TimeStampOptions::new(),
    )
    .unwrap()
}

/// `cms` with its SignedData `crls` field holding exactly `crls` (whole TLVs).
fn with_crls(cms: &[u8], crls: &[&[u8]]) -> Vec<u8> {
    let sd = SignedDataRef::parse(cms).unwrap();
    let mut digests = Vec::new();
    let mut r = Reader::new(sd.digest_algorithms.value);
    while !r.is_empty() {
        digests.push(r.any("digestAlgorithm").unwrap().raw.to_vec());
    }
    let certs: Vec<&[u8]> = sd.certificates.iter().map(|c| c.raw).collect();
    let infos: Vec<Vec<u8>> = sd.signer_infos.iter().map(|s| s.raw.to_vec()).collect();
    let field = tlv::encode_parts(tag::CTX1, crls);
    message::assemble(
        sd.version.raw,
        &digests,
        sd.encap_content_info.raw,
        &certs,
        Some(&field),
        &infos,
    )
}

fn result(r: &Report) -> (Indication, Option<SubIndication>) {
    (r.indication, r.sub_indication)
}

#[test]
fn b_b_without_a_crl_is_indeterminate_try_later() {
    let r = verify(&signed(), None, &trusted());
    assert_eq!(
        result(&r),
        (Indication::Indeterminate, Some(SubIndication::TryLater)),
        "{}",
        r.to_json()
    );
    let s = &r.signers[0];
    let path = s.check(Check::CertificatePath).unwrap();
    assert_eq!(path.indication, Some(Indication::Indeterminate));
    assert!(path.detail.contains("revocation"), "{}", path.detail);
    assert_eq!(s.path.as_ref().unwrap().validated_at, at());
    assert!(r.into_result().is_err());
}

#[test]
fn b_b_with_the_issuers_crl_is_valid() {
    let r = verify(&signed(), None, &trusted().crl(crl()));
    assert_eq!(result(&r), (Indication::Valid, None), "{}", r.to_json());
    assert_eq!(r.revocation_policy, RevocationPolicy::Required);
    assert!(r.waivers.is_empty());
    let path = r.signers[0].path.as_ref().unwrap();
    assert_eq!(
        path.anchor
            .as_deref()
            .map(|a| a.contains("medsign CMS Test Root")),
        Some(true)
    );
    assert_eq!(path.chain.len(), 2);
    assert!(
        path.revocation.iter().any(|d| d.contains("not revoked")),
        "{:?}",
        path.revocation
    );
    assert!(r.into_result().is_ok());
}

#[test]
fn a_crl_carried_in_signed_data_is_used() {
    let crl = crl();
    let r = verify(&with_crls(&signed(), &[&crl]), None, &trusted());
    assert_eq!(result(&r), (Indication::Valid, None), "{}", r.to_json());
}

#[derive(Debug)]
struct Source(Option<Vec<u8>>);

impl CrlSource for Source {
    fn crls_for(&self, _: &hpki_cert::Certificate) -> CrlAnswer {
        match &self.0 {
            Some(crl) => CrlAnswer::new(vec![Arc::from(crl.as_slice())], Vec::new()),
            None => CrlAnswer::new(
                Vec::new(),
                vec![CrlFetchError::Offline {
                    url: "http://crl.example/root.crl".into(),
                }],
            ),
        }
    }
}

#[test]
fn a_crl_source_is_asked_when_the_message_and_the_caller_have_none() {
    let cms = signed();
    let r = verify(
        &cms,
        None,
        &trusted().crl_source(Arc::new(Source(Some(crl())))),
    );
    assert_eq!(result(&r), (Indication::Valid, None), "{}", r.to_json());
    let r = verify(&cms, None, &trusted().crl_source(Arc::new(Source(None))));
    assert_eq!(
        result(&r),
        (Indication::Indeterminate, Some(SubIndication::TryLater))
    );
    let detail = &r.signers[0].check(Check::CertificatePath).unwrap().detail;
    assert!(detail.contains("offline"), "{detail}");
}

#[test]
fn a_revoked_signer_is_invalid_revoked() {
    let (signer, _) = test_pki::physician();
    let revoked = test_pki::root_crl(
        &[(signer.certificate_der(), t("2026-06-01T00:00:00Z"))],
        t("2026-06-02T00:00:00Z"),
        t("2044-12-31T00:00:00Z"),
    )
    .unwrap();
    let r = verify(&signed(), None, &trusted().crl(revoked));
    assert_eq!(
        result(&r),
        (Indication::Invalid, Some(SubIndication::Revoked)),
        "{}",
        r.to_json()
    );
    let detail = &r.signers[0].check(Check::CertificatePath).unwrap().detail;
    assert!(detail.contains("2026-06-01"), "{detail}");
}

#[test]
fn a_signer_revoked_after_its_time_stamp_is_valid_and_revoked_without_it() {
    let (signer, _) = test_pki::physician();
    let revoked = test_pki::root_crl(
        &[(signer.certificate_der(), t("2027-01-01T00:00:00Z"))],
        t("2027-01-02T00:00:00Z"),
        t("2044-12-31T00:00:00Z"),
    )
    .unwrap();
    let options = trusted().at(t("2030-01-01T00:00:00Z")).crl(revoked);
    let r = verify(&time_stamped(t("2026-11-25T12:05:00Z")), None, &options);
    assert_eq!(result(&r), (Indication::Valid, None), "{}", r.to_json());
    let r = verify(&signed(), None, &options);
    assert_eq!(
        result(&r),
        (Indication::Invalid, Some(SubIndication::Revoked))
    );
}

#[test]
fn an_expired_signer_without_a_time_stamp_is_out_of_bounds_no_poe() {
    let r = verify(&signed(), None, &trusted().at(late()).crl(crl()));
    assert_eq!(
        result(&r),
        (
            Indication::Indeterminate,
            Some(SubIndication::OutOfBoundsNoPoe)
        ),
        "{}",
        r.to_json()
    );
    let s = &r.signers[0];
    assert_eq!(s.proof_of_existence, None);
    assert_eq!(s.path.as_ref().unwrap().validated_at, late());
    let validity = s.check(Check::CertificateValidity).unwrap();
    assert_eq!(
        validity.sub_indication,
        Some(SubIndication::OutOfBoundsNoPoe)
    );
    assert!(
        validity.detail.contains("2035-12-31"),
        "{}",
        validity.detail
    );
}

#[test]
fn a_time_stamp_from_before_expiry_is_a_proof_of_existence() {
    let gen_time = t("2026-11-25T12:05:00Z");
    let r = verify(
        &time_stamped(gen_time),
        None,
        &trusted().at(late()).crl(crl()),
    );
    assert_eq!(result(&r), (Indication::Valid, None), "{}", r.to_json());
    let s = &r.signers[0];
    assert_eq!(s.level, Level::BT);
    assert_eq!(s.proof_of_existence, Some(gen_time));
    // The signer's path at the proof of existence, the TSA's at the validation time.
    assert_eq!(s.path.as_ref().unwrap().validated_at, gen_time);
    let ts = &s.time_stamps[0];
    assert!(ts.proof_of_existence);
    assert_eq!(ts.path.as_ref().unwrap().validated_at, late());
    assert_eq!(r.validation_time, late());
}

#[test]
fn a_time_stamp_whose_tsa_path_is_not_valid_proves_nothing() {
    // No CRL at all: the TSA's revocation status is unknown, so its token is no proof
    // of existence and the expired signer is judged at the validation time.
    let r = verify(
        &time_stamped(t("2026-11-25T12:05:00Z")),
        None,
        &trusted().at(late()),
    );
    assert_eq!(r.indication, Indication::Indeterminate, "{}", r.to_json());
    let s = &r.signers[0];
    assert_eq!(s.proof_of_existence, None);
    assert_eq!(s.level, Level::BT, "the token itself verified");
    let ts = s.check(Check::TimeStamp).unwrap();
    assert_eq!(
        (ts.indication, ts.sub_indication),
        (
            Some(Indication::Indeterminate),
            Some(SubIndication::TryLater)
        )
    );
    assert_eq!(
        s.check(Check::CertificateValidity).unwrap().sub_indication,
        Some(SubIndication::OutOfBoundsNoPoe)
    );
}

#[test]
fn a_time_stamp_after_expiry_is_no_proof_of_existence_in_bounds() {
    let r = verify(
        &time_stamped(t("2038-01-01T00:00:00Z")),
        None,
        &trusted().at(late()).crl(crl()),
    );
    assert_eq!(
        result(&r),
        (
            Indication::Indeterminate,
            Some(SubIndication::OutOfBoundsNoPoe)
        ),
        "{}",
        r.to_json()
    );
}

#[test]
fn the_signing_time_claim_is_never_the_validation_time() {
    // A claim from before the certificate existed changes nothing: the path is
    // validated at the validation time.
    let (mut signer, _) = test_pki::physician();
    let claimed = t("2020-06-01T00:00:00Z");
    let cms = crate::sign(
        &mut signer,
        b"record",
        false,
        &crate::SignOptions::new().signing_time(claimed),
    )
    .unwrap();
    let r = verify(&cms, None, &trusted().crl(crl()));
    assert_eq!(result(&r), (Indication::Valid, None), "{}", r.to_json());
    let s = &r.signers[0];
    assert_eq!(s.signing_time, Some(claimed));
    assert_eq!(s.path.as_ref().unwrap().validated_at, at());
    assert!(
        s.warnings.iter().any(|w| w.contains("not used")),
        "{:?}",
        s.warnings
    );
}

#[test]
fn a_crl_in_signed_data_that_does_not_decode_fails_closed_and_is_named() {
    let not_a_crl = [0x30, 0x03, 0x02, 0x01, 0x00];
    let good = crl();
    let cms = with_crls(&signed(), &[&good, &not_a_crl]);
    let r = verify(&cms, None, &trusted().crl(crl()));
    assert_eq!(
        result(&r),
        (Indication::Invalid, Some(SubIndication::FormatFailure)),
        "{}",
        r.to_json()
    );
    let detail = &r.signers[0].check(Check::CertificatePath).unwrap().detail;
    assert!(detail.contains("CRL #1 in SignedData crls"), "{detail}");
    // Also a CRL the caller gives.
    let r = verify(&signed(), None, &trusted().crl(crl()).crl(not_a_crl));
    assert_eq!(
        result(&r),
        (Indication::Invalid, Some(SubIndication::FormatFailure))
    );
}

#[test]
fn no_flipped_byte_of_an_embedded_crl_gives_a_valid_signature() {
    let cms = signed();
    let good = crl();
    assert_eq!(
        verify(&with_crls(&cms, &[&good]), None, &trusted()).indication,
        Indication::Valid
    );
    let mut valid = Vec::new();
    for i in 0..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0x01;
        let r = verify(&with_crls(&cms, &[&bad]), None, &trusted());
        if r.indication == Indication::Valid {
            valid.push(i);
        }
    }
    assert!(valid.is_empty(), "flips at {valid:?} still VALID");
}

#[test]
fn a_waiver_is_explicit_and_reported() {
    let r = verify(
        &signed(),
        None,
        &trusted().revocation(RevocationPolicy::Waived),
    );
    assert_eq!(result(&r), (Indication::Valid, None), "{}", r.to_json());
    assert_eq!(r.revocation_policy, RevocationPolicy::Waived);
    assert!(!r.waivers.is_empty());
    assert!(r.waivers[0].starts_with("signer #0"), "{:?}", r.waivers);
    assert!(!r.signers[0].path.as_ref().unwrap().waivers.is_empty());
    assert!(r.to_json().contains("\"revocation_policy\": \"waived\""));
    // A waiver does not excuse a revocation that a CRL lists.
    let (signer, _) = test_pki::physician();
    let revoked = test_pki::root_crl(
        &[(signer.certificate_der(), t("2026-06-01T00:00:00Z"))],
        t("2026-06-02T00:00:00Z"),
        t("2044-12-31T00:00:00Z"),
    )
    .unwrap();
    let r = verify(
        &signed(),
        None,
        &trusted().revocation(RevocationPolicy::Waived).crl(revoked),
    );
    assert_eq!(
        result(&r),
        (Indication::Invalid, Some(SubIndication::Revoked))
    );
}

#[test]
fn skipping_the_path_is_reported_as_not_run() {
    let r = verify(&signed(), None, &VerifyOptions::new().skip_path().at(at()));
    assert_eq!(result(&r), (Indication::Valid, None));
    assert_eq!(r.path_validation, PathValidation::Skipped);
    let s = &r.signers[0];
    assert_eq!(s.check(Check::CertificatePath).unwrap().indication, None);
    assert!(s.path.is_none());
    assert!(s.warnings.iter().any(|w| w.contains("skip_path")));
    assert!(r.to_json().contains("\"NOT_RUN\""));
}

#[test]
fn without_trust_anchors_the_path_is_no_certificate_chain_found() {
    let r = verify(&signed(), None, &VerifyOptions::new().at(at()).crl(crl()));
    assert_eq!(
        result(&r),
        (
            Indication::Indeterminate,
            Some(SubIndication::NoCertificateChainFound)
        )
    );
    assert_eq!(r.path_validation, PathValidation::NoTrustAnchor);
}

#[test]
fn the_json_report_carries_its_version_and_etsi_names() {
    let json = verify(&signed(), None, &trusted()).to_json();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["version"], crate::REPORT_VERSION);
    assert_eq!(v["indication"], "INDETERMINATE");
    assert_eq!(v["sub_indication"], "TRY_LATER");
    assert_eq!(v["validation_time"], "2026-11-25T12:00:00Z");
    let signer = &v["signers"][0];
    assert_eq!(signer["checks"][0]["check"], "structure");
    assert_eq!(signer["checks"][0]["indication"], "VALID");
    assert_eq!(signer["path"]["validated_at"], "2026-11-25T12:00:00Z");
    assert_eq!(signer["qualification"], serde_json::Value::Null);
}

#[test]
fn detached_content_not_given_is_signed_data_not_found() {
    let (mut signer, _) = test_pki::physician();
    let cms = crate::sign(&mut signer, b"record", true, &opts()).unwrap();
    let r = verify(&cms, None, &trusted());
    assert_eq!(
        result(&r),
        (
            Indication::Indeterminate,
            Some(SubIndication::SignedDataNotFound)
        )
    );
}

#[test]
fn a_token_moved_to_another_signature_is_a_hash_failure() {
    let stamped = time_stamped(at());
    let token = crate::signature_time_stamp_tokens(&stamped)
        .unwrap()
        .remove(0)
        .token;
    let (mut signer, _) = test_pki::physician();
    let other = crate::sign(&mut signer, b"other", false, &opts()).unwrap();
    let moved = test_pki::attach_token_unchecked(&other, 0, &token).unwrap();
    let r = verify(&moved, None, &trusted().crl(crl()));
    assert_eq!(
        result(&r),
        (Indication::Invalid, Some(SubIndication::HashFailure)),
        "{}",
        r.to_json()
    );
    assert_eq!(
        r.signers[0].first_failure().unwrap().check,
        Check::TimeStamp
    );
    assert_eq!(r.signers[0].proof_of_existence, None);
}

#[test]
fn the_in_process_tsa_refuses_unknown_policies() {
    let err = crate::request_time_stamp(
        &mut test_pki::TestTsa::new(),
        b"data",
        &TimeStampOptions::new().policy("2.999.9.9"),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            crate::Error::TimeStamp(crate::TimeStampError::Rejected { status: 2, .. })
        ),
        "{err:?}"
    );
    let (_, info) = crate::request_time_stamp(
        &mut test_pki::TestTsa::at(at()),
        b"data",
        &TimeStampOptions::new().policy(test_pki::TSA_OTHER_POLICY),
    )
    .unwrap();
    assert_eq!(
        (info.time, info.policy.as_str()),
        (at(), test_pki::TSA_OTHER_POLICY)
    );
}

#[test]
fn test_crl_dates_are_what_their_docs_say() {
    assert_eq!(test_pki::crl_this_update(), t("2025-01-01T00:00:00Z"));
    assert_eq!(test_pki::crl_next_update(), t("2044-12-31T23:59:59Z"));
}

#[test]
fn a_shared_cache_never_carries_an_answer_to_another_time_or_policy() {
    let cache = hpki_cert::VerificationCache::new();
    let cms = signed();
    let with = |o: VerifyOptions| o.with_cache(cache.clone());
    let r = verify(&cms, None, &with(trusted().crl(crl())));
    assert_eq!(result(&r), (Indication::Valid, None));
    assert!(!cache.is_empty(), "the cache is used");
    let r = verify(&cms, None, &with(trusted().at(late()).crl(crl())));
    assert_eq!(
        result(&r),
        (
            Indication::Indeterminate,
            Some(SubIndication::OutOfBoundsNoPoe)
        )
    );
    let r = verify(&cms, None, &with(trusted()));
    assert_eq!(
        result(&r),
        (Indication::Indeterminate, Some(SubIndication::TryLater))
    );
    let r = verify(&cms, None, &with(VerifyOptions::new().at(at()).crl(crl())));
    assert_eq!(
        result(&r),
        (
            Indication::Indeterminate,
            Some(SubIndication::NoCertificateChainFound)
        )
    );
    let r = verify(&cms, None, &with(trusted().crl(crl())));
    assert_eq!(result(&r), (Indication::Valid, None));
}
