//! The virtual My Number Card answers any command APDU (after selecting the JPKI AP
//! and verifying nothing) with at least a status word, never a panic.
#![no_main]

use std::sync::{Arc, OnceLock};

use card_sim::{JpkiTestPki, MyNumberCard, MyNumberOptions, TestHolder, VirtualCard};

fn pki() -> Option<Arc<JpkiTestPki>> {
    static PKI: OnceLock<Option<Arc<JpkiTestPki>>> = OnceLock::new();
    PKI.get_or_init(|| {
        JpkiTestPki::generate(&TestHolder::yamada_hanako())
            .ok()
            .map(Arc::new)
    })
    .clone()
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some(pki) = pki() else { return };
    let mut card = MyNumberCard::with_pki(MyNumberOptions::default(), pki);
    // Split the input into APDUs at 0xFE so one run can walk through states.
    for apdu in data.split(|&b| b == 0xFE) {
        let answer = card.process(apdu);
        assert!(answer.len() >= 2);
    }
});
