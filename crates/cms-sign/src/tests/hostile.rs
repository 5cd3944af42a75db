//! Hostile messages (issue 16), generated at full size: nested counter-signatures,
//! thousands of signers over a large content, thousands of certificates, a flood of
//! CRLs. Each is refused by a named limit under the defaults, and where a limit can be
//! raised for it, verifies with the work shared (content hashed once, certificates
//! parsed once) and a report within its budget. `scripts/hostile` runs the same cases
//! in release and holds each to 2 s and 256 MB.

use crate::{
    Error, Indication, Limit, Limits, SubIndication, VerifyOptions, attributes,
    message::SignedDataRef,
    oid,
    pool::{CERT_PARSES, HPKI_PARSES, SIGNED_DIGESTS},
    test_pki::{self, hostile},
    tlv::{self, tag},
    verify,
};

fn no_path() -> VerifyOptions {
    VerifyOptions::new().skip_path().at(hostile::signing_time())
}

fn trusted() -> VerifyOptions {
    VerifyOptions::new()
        .trust(test_pki::trust_store().unwrap())
        .crl(test_pki::fresh_root_crl().unwrap())
        .at(hostile::signing_time())
}

fn limits(edit: impl FnOnce(&mut Limits)) -> Limits {
    let mut l = Limits::default();
    edit(&mut l);
    l
}

fn count(counter: &'static std::thread::LocalKey<std::cell::Cell<usize>>) -> usize {
    counter.with(std::cell::Cell::get)
}

/// The limit a report names, after checking that it is the refusal's shape.
fn refused(report: &crate::Report) -> (Limit, usize, usize) {
    assert_eq!(
        (report.indication, report.sub_indication),
        (Indication::Invalid, Some(SubIndication::FormatFailure)),
        "{}",
        report.to_json()
    );
    assert!(report.signers.is_empty(), "nothing is verified");
    let l = report.limit.unwrap();
    (l.limit, l.max, l.found)
}

/// Runs `f` on a thread with a small stack: a recursion over the input would overflow.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn thirty_thousand_nested_counter_signatures_are_refused_without_recursion() {
    let cms = hostile::nested_counter_signatures(30_000, 10).unwrap();
    let report = on_small_stack(move || verify(&cms, None, &no_path()));
    assert_eq!(refused(&report), (Limit::DerDepth, 64, 65));
    assert!(report.to_json().contains("\"der_depth\""));

    // With the DER depth unbounded, the counter-signature walk refuses the chain
    // before it enters level 9.
    let cms = hostile::nested_counter_signatures(30_000, 10).unwrap();
    let options = no_path().limits(limits(|l| l.der_depth = usize::MAX));
    let report = on_small_stack(move || verify(&cms, None, &options));
    assert_eq!(refused(&report), (Limit::CounterSignatureDepth, 8, 9));
}

#[test]
fn counter_signatures_at_the_depth_limit_verify_and_one_level_deeper_is_refused() {
    let cms = hostile::nested_counter_signatures(8, 8).unwrap();
    let report = verify(&cms, None, &no_path());
    assert_eq!(report.indication, Indication::Valid, "{}", report.to_json());
    let mut s = &report.signers[0];
    let mut depth = 0;
    while let Some(c) = s.counter_signatures.first() {
        assert_eq!(c.indication, Indication::Valid);
        s = c;
        depth += 1;
    }
    assert_eq!(depth, 8);

    let cms = hostile::nested_counter_signatures(9, 9).unwrap();
    let report = verify(&cms, None, &no_path());
    assert_eq!(refused(&report), (Limit::CounterSignatureDepth, 8, 9));
}

#[test]
fn no_configuration_verifies_counter_signatures_past_the_hard_depth() {
    let deepest = Limits::MAX_COUNTER_SIGNATURE_DEPTH;
    let options = no_path().limits(limits(|l| {
        l.der_depth = usize::MAX;
        l.counter_signature_depth = usize::MAX;
        l.counter_signatures = usize::MAX;
    }));
    // At the hard depth every level verifies, on a test thread's stack (2 MiB).
    let cms = hostile::nested_counter_signatures(deepest, deepest).unwrap();
    let report = verify(&cms, None, &options);
    assert_eq!(report.indication, Indication::Valid, "{}", report.to_json());
    // One more is refused, whatever the options say.
    let cms = hostile::nested_counter_signatures(deepest + 1, deepest + 1).unwrap();
    let report = verify(&cms, None, &options);
    assert_eq!(
        refused(&report),
        (Limit::CounterSignatureDepth, deepest, deepest + 1)
    );
}

#[test]
fn two_thousand_signers_over_twenty_mib_hash_the_content_once() {
    let content = vec![0x5a; 20 << 20];
    let cms = hostile::many_signers(&content, 2000).unwrap();
    let report = verify(&cms, None, &no_path());
    assert_eq!(refused(&report), (Limit::Signers, 32, 33));

    let options = no_path().limits(limits(|l| l.signers = 2000));
    let before = count(&SIGNED_DIGESTS);
    let report = verify(&cms, None, &options);
    assert_eq!(
        count(&SIGNED_DIGESTS) - before,
        1,
        "one SHA-256 of the content"
    );
    assert_eq!(report.indication, Indication::Valid);
    assert_eq!(report.signers.len(), 2000);
    assert!(
        report
            .signers
            .iter()
            .all(|s| s.indication == Indication::Valid)
    );
    // The report lists 100 signers and says how many more there are.
    let json = report.to_json();
    assert!(
        json.contains("\"more\": 1900"),
        "{}",
        &json[json.len() - 400..]
    );
    assert!(json.contains("\"truncated\": true"));
}

#[test]
fn ten_thousand_certificates_and_a_thousand_signers_parse_each_certificate_once() {
    let cms = hostile::many_certificates(10_000, 1000).unwrap();
    let report = verify(&cms, None, &trusted());
    assert_eq!(refused(&report), (Limit::Certificates, 256, 257));

    let options = trusted().limits(limits(|l| {
        l.certificates = 10_001;
        l.signers = 1000;
    }));
    let (parses, hpki) = (count(&CERT_PARSES), count(&HPKI_PARSES));
    let report = verify(&cms, None, &options);
    assert_eq!(report.indication, Indication::Valid, "{}", report.to_json());
    assert_eq!(report.signers.len(), 1000);
    // The message's 10,001 certificates, each once (the trust store has no
    // intermediates to read).
    assert_eq!(count(&CERT_PARSES) - parses, 10_001);
    assert_eq!(count(&HPKI_PARSES) - hpki, 10_001);
    // Half of them claim the issuer's name: path building was offered 16.
    let path = report.signers[0].path.as_ref().unwrap();
    assert!(
        path.warnings
            .iter()
            .any(|w| w.contains("only the first 16")),
        "{:?}",
        path.warnings
    );
}

#[test]
fn a_flood_of_crls_is_refused_or_reported_within_the_json_budget() {
    // ~550 KB: 100,000 values that are not CRLs, and 500 signers.
    let cms = hostile::crl_flood(100_000, 500).unwrap();
    assert!(cms.len() > 500_000);
    let report = verify(&cms, None, &trusted());
    assert_eq!(refused(&report), (Limit::Crls, 32, 33));
    assert!(report.to_json().len() < 2000);

    let options = trusted().limits(limits(|l| {
        l.crls = 100_000;
        l.signers = 500;
    }));
    let report = verify(&cms, None, &options);
    assert_eq!(
        (report.indication, report.sub_indication),
        (Indication::Invalid, Some(SubIndication::FormatFailure))
    );
    let detail = &report.signers[0].path.as_ref().unwrap().detail;
    assert!(detail.contains("; and 99997 more"), "{detail}");
    assert!(detail.len() < 1000, "{}", detail.len());
    let json = report.to_json();
    assert!(
        json.len() <= Limits::default().report_bytes,
        "{}",
        json.len()
    );
    assert!(json.contains("\"more\": 400"));
    assert!(json.contains("\"truncated\": true"));

    // A budget smaller than even one signer: the lists go, the verdict stays.
    let tight = options.limits(limits(|l| {
        l.crls = 100_000;
        l.signers = 500;
        l.report_bytes = 2000;
    }));
    let json = verify(&cms, None, &tight).to_json();
    assert!(json.len() <= 2000, "{}", json.len());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["indication"], "INVALID");
    assert_eq!(v["truncated"], true);
}

#[test]
fn a_message_over_the_input_size_is_refused_before_it_is_read() {
    let cms = hostile::many_signers(b"x", 1).unwrap();
    let options = no_path().limits(limits(|l| l.input_bytes = 100));
    let report = verify(&cms, None, &options);
    assert_eq!(refused(&report), (Limit::InputBytes, 100, cms.len()));
    match report.into_result() {
        Err(Error::Limit(l)) => assert_eq!(l.limit, Limit::InputBytes),
        other => panic!("{other:?}"),
    }
}

/// `cms` with `attr` (a whole Attribute) added to signer 0's unsigned attributes.
fn with_unsigned(cms: &[u8], attr: &[u8]) -> Vec<u8> {
    let sd = SignedDataRef::parse(cms).unwrap();
    sd.reassemble(&sd.signer_infos_with_unsigned(0, attr), &[], &[])
}

#[test]
fn attribute_values_are_counted_per_signer() {
    let cms = hostile::many_signers(b"x", 1).unwrap();
    // Four signed attributes; 28 unsigned values reach 32, 29 are one too many.
    let token = tlv::encode(tag::SEQUENCE, &[]);
    let values = vec![token.as_slice(); 29];
    let over = with_unsigned(
        &cms,
        &attributes::attribute(oid::SIGNATURE_TIME_STAMP, &values),
    );
    assert_eq!(
        refused(&verify(&over, None, &no_path())),
        (Limit::Attributes, 32, 33)
    );
    let at = with_unsigned(
        &cms,
        &attributes::attribute(oid::SIGNATURE_TIME_STAMP, &values[1..]),
    );
    let report = verify(&at, None, &no_path());
    assert!(report.limit.is_none(), "{}", report.to_json());
    // The tokens are not tokens: the signer is not VALID.
    assert_ne!(report.indication, Indication::Valid);
}

#[test]
fn counter_signatures_are_counted_across_the_message() {
    // Three signers with 12 counter-signatures each: 36 in all, over 32.
    let cms = hostile::nested_counter_signatures(1, 1).unwrap();
    let sd = SignedDataRef::parse(&cms).unwrap();
    let counter = crate::message::counter_signature_values(&sd.signer_infos[0])
        .next()
        .unwrap();
    let values = vec![counter.raw; 12];
    let attr = attributes::attribute(oid::COUNTER_SIGNATURE, &values);
    let plain = hostile::many_signers(b"nested counter-signatures", 1).unwrap();
    let one = with_unsigned(&plain, &attr);
    let sd = SignedDataRef::parse(&one).unwrap();
    let infos = vec![sd.signer_infos[0].raw.to_vec(); 3];
    let three = sd.reassemble(&infos, &[], &[]);
    assert_eq!(
        refused(&verify(&three, None, &no_path())),
        (Limit::CounterSignatures, 32, 33)
    );
    // Two signers: 24, all verified.
    let two = sd.reassemble(&infos[..2], &[], &[]);
    let report = verify(&two, None, &no_path());
    assert!(report.limit.is_none());
    assert_eq!(report.signers[1].counter_signatures.len(), 12);
    assert_eq!(report.indication, Indication::Valid, "{}", report.to_json());
}

#[test]
fn every_path_against_every_crl_stays_within_the_crl_and_time_stamp_limits() {
    // The most CRL work the defaults admit: 32 signers, each with its own token (32
    // TSA paths), and ~4 MiB of real CRLs that every path is checked against.
    let cms = hostile::time_stamped_signers_with_crls(32, 4_000_000).unwrap();
    let options = VerifyOptions::new()
        .trust(test_pki::trust_store().unwrap())
        .at(hostile::signing_time());
    let report = verify(&cms, None, &options);
    assert_eq!(report.indication, Indication::Valid, "{}", report.to_json());
    assert!(
        report
            .signers
            .iter()
            .all(|s| s.proof_of_existence.is_some())
    );

    // One more signer with its token is over two limits; the signers are counted
    // first. With those raised, the 33rd time-stamp is refused.
    let cms = hostile::time_stamped_signers_with_crls(33, 0).unwrap();
    assert_eq!(
        refused(&verify(&cms, None, &options)),
        (Limit::Signers, 32, 33)
    );
    let raised = options.limits(limits(|l| l.signers = 33));
    assert_eq!(
        refused(&verify(&cms, None, &raised)),
        (Limit::TimeStamps, 32, 33)
    );
}

#[test]
fn crls_over_their_byte_limit_are_refused_before_any_is_decoded() {
    let cms = hostile::time_stamped_signers_with_crls(1, 4_300_000).unwrap();
    let report = verify(&cms, None, &trusted());
    let (limit, max, found) = refused(&report);
    assert_eq!((limit, max), (Limit::CrlBytes, 4 << 20));
    assert!(found > 4 << 20);
}
