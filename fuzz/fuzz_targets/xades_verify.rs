//! The verifier on arbitrary documents: never panics, and never says VALID without a
//! trust anchor.
#![no_main]

use std::sync::OnceLock;

use xades_sign::{Indication, TrustStore, Verifier};

fn verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| {
        let at = jiff::Timestamp::from_second(1_704_067_200).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        Verifier::new(TrustStore::new()).at(at)
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let report = verifier().verify(data);
    assert_ne!(report.status, Indication::Valid);
});
