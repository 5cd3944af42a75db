//! Counter-signature chains and signer floods built from fuzzed shape parameters
//! (`cms_sign::test_pki::hostile`), with really signed levels, one byte flipped
//! somewhere, verified under the default limits.
//!
//! Input: `[shape, n, valid, flip_hi, flip_lo, flip_xor]`. Properties:
//! - never a panic or a stack overflow, however deep the chain;
//! - unflipped, the walk counts exactly: a chain of depth ≤ 8 whose levels all verify
//!   is VALID; deeper is refused by name (DER depth from depth 15, counter-signature
//!   depth before); up to 32 signers are VALID, 33 and more are refused;
//! - flipped anywhere, still no panic and a report within its budget.
#![no_main]

use std::{collections::HashMap, sync::Mutex};

use cms_sign::{Indication, Limit, VerifyOptions, test_pki::hostile};

fn options() -> VerifyOptions {
    VerifyOptions::new().skip_path().at(hostile::signing_time())
}

/// Generated messages by shape: signing is the slow part.
fn message(shape: u8, n: usize, valid: usize) -> Vec<u8> {
    static MEMO: Mutex<Option<HashMap<(u8, usize, usize), Vec<u8>>>> = Mutex::new(None);
    let mut memo = MEMO.lock().unwrap();
    memo.get_or_insert_with(HashMap::new)
        .entry((shape, n, valid))
        .or_insert_with(|| match shape {
            0 => hostile::nested_counter_signatures(n, valid).unwrap(),
            _ => hostile::many_signers(b"x", n).unwrap(),
        })
        .clone()
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some(&[shape, n, valid, hi, lo, xor]) = data.first_chunk::<6>() else {
        return;
    };
    let shape = shape % 2;
    let (n, valid) = match shape {
        // Depth up to 40 (a few really signed levels), or far past every limit.
        0 if n == 255 => (30_000, usize::from(valid % 12)),
        0 => (usize::from(n % 41), usize::from(valid % 12)),
        _ => (1 + usize::from(n % 80), 0),
    };
    let mut cms = message(shape, n, valid);
    let report = cms_sign::verify(&cms, None, &options());
    match shape {
        0 if n > 8 => {
            let limit = report.limit.expect("refused").limit;
            // Level k's SignerInfo is at DER depth 5 + 4k: from depth 15 the DER scan
            // refuses first, below it the counter-signature walk.
            if n >= 15 {
                assert_eq!(limit, Limit::DerDepth, "{n}");
            } else {
                assert!(
                    matches!(limit, Limit::DerDepth | Limit::CounterSignatureDepth),
                    "{n}: {limit:?}"
                );
            }
        }
        0 => {
            assert_eq!(report.limit, None);
            let all_valid = valid >= n;
            assert_eq!(
                report.indication == Indication::Valid,
                all_valid,
                "{n}/{valid}"
            );
        }
        _ if n > 32 => assert_eq!(report.limit.expect("refused").limit, Limit::Signers),
        _ => assert_eq!(report.indication, Indication::Valid),
    }

    // One byte flipped anywhere: still no panic, and a bounded report. (Unsigned
    // attributes are unsigned: a flip that cuts a chain short may leave it VALID.)
    if xor == 0 || cms.is_empty() {
        return;
    }
    let at = (usize::from(hi) << 8 | usize::from(lo)) % cms.len();
    if let Some(b) = cms.get_mut(at) {
        *b ^= xor;
    }
    let flipped = cms_sign::verify(&cms, None, &options());
    assert!(flipped.to_json().len() <= 1 << 20);
});
