//! Any bytes as a CMS message under small limits taken from the input: the limit paths
//! of issue 16 (size, DER depth, signers, certificates, CRLs, attributes,
//! counter-signature depth and count, the JSON budget).
//!
//! Input: `[der_depth, signers, certificates, crls, attributes, counter depth,
//! counter total, list entries, report kB, ..message]`. Properties:
//! - never a panic, a stack overflow or a hang;
//! - a refused message names a limit it is over (`found > max`), is INVALID and has
//!   no signer verified;
//! - limits never change a verdict: a message within the small limits gets the same
//!   indication and sub-indication under the defaults raised out of the way;
//! - `to_json` is JSON of at most `report_bytes`.
//!
//! Seeds (`fuzz/corpus/cms_limits`): small versions of the hostile messages, written by
//! `cargo run -p cms-sign --features test-pki --example hostile_seeds -- fuzz/corpus`.
#![no_main]

use cms_sign::{Indication, Limits, VerifyOptions};

fn options(limits: Limits) -> VerifyOptions {
    VerifyOptions::new()
        .skip_path()
        .at(jiff::Timestamp::constant(1_795_608_000, 0))
        .limits(limits)
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((head, message)) = data.split_first_chunk::<9>() else {
        return;
    };
    let [
        depth,
        signers,
        certs,
        crls,
        attrs,
        cs_depth,
        cs_total,
        list,
        kb,
    ] = *head;
    let mut small = Limits::default();
    small.der_depth = usize::from(depth % 96);
    small.signers = usize::from(signers % 16);
    small.certificates = usize::from(certs % 16);
    small.crls = usize::from(crls % 16);
    small.attributes = usize::from(attrs % 48);
    small.counter_signature_depth = usize::from(cs_depth % 16);
    small.counter_signatures = usize::from(cs_total % 32);
    small.report_list_entries = usize::from(list % 8);
    small.report_bytes = 1024 + usize::from(kb) * 64;
    let report = cms_sign::verify(message, None, &options(small.clone()));

    let json = report.to_json();
    assert!(
        json.len() <= small.report_bytes,
        "{} > {}",
        json.len(),
        small.report_bytes
    );
    let value: serde_json::Value = serde_json::from_str(&json).expect("to_json is JSON");
    assert_eq!(value["indication"], report.indication.as_str());

    let mut large = Limits::default();
    large.der_depth = usize::MAX;
    large.signers = usize::MAX;
    large.certificates = usize::MAX;
    large.crls = usize::MAX;
    large.attributes = usize::MAX;
    large.counter_signature_depth = Limits::MAX_COUNTER_SIGNATURE_DEPTH;
    large.counter_signatures = usize::MAX;
    let unbounded = cms_sign::verify(message, None, &options(large));
    match report.limit {
        Some(limit) => {
            assert!(limit.found > limit.max, "{limit:?}");
            assert_eq!(report.indication, Indication::Invalid);
            assert!(report.signers.is_empty());
            assert!(json.contains(limit.limit.field()));
        }
        None => {
            assert_eq!(
                (report.indication, report.sub_indication),
                (unbounded.indication, unbounded.sub_indication),
                "within its limits a message gets the verdict it gets without them"
            );
        }
    }
});
