//! Writes the seed corpora of the `cms_limits` and `cms_counter_signatures` fuzz
//! targets: small versions of the hostile messages of issue 16 (nested
//! counter-signatures, many signers, certificates and CRLs), each prefixed with the
//! parameters its target reads.
//!
//! ```text
//! cargo run -p cms-sign --features test-pki --example hostile_seeds -- fuzz/corpus
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use cms_sign::test_pki::hostile;

/// `cms_limits` reads `[der_depth, signers, certificates, crls, attributes,
/// counter depth, counter total, list entries, report kB]` first: tight limits, a
/// 2 kB report.
const LIMITS: [u8; 9] = [64, 8, 8, 8, 32, 8, 16, 4, 16];

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
    println!("{} ({} bytes)", dir.join(name).display(), bytes.len());
}

fn main() {
    let root = std::env::args()
        .nth(1)
        .expect("usage: hostile_seeds CORPUS-DIR");
    let limits = Path::new(&root).join("cms_limits");
    let seeds: [(&str, Vec<u8>); 8] = [
        ("valid", hostile::many_signers(b"x", 1).unwrap()),
        (
            "counter-signatures-4-valid",
            hostile::nested_counter_signatures(4, 4).unwrap(),
        ),
        (
            "counter-signatures-12-deep",
            hostile::nested_counter_signatures(12, 10).unwrap(),
        ),
        (
            "counter-signatures-40-deep",
            hostile::nested_counter_signatures(40, 3).unwrap(),
        ),
        ("signers-12", hostile::many_signers(b"x", 12).unwrap()),
        (
            "certificates-12",
            hostile::many_certificates(12, 2).unwrap(),
        ),
        ("crls-20", hostile::crl_flood(20, 2).unwrap()),
        ("crls-200-signers-6", hostile::crl_flood(200, 6).unwrap()),
    ];
    for (name, cms) in &seeds {
        write(&limits, name, &[LIMITS.as_slice(), cms].concat());
    }

    // `cms_counter_signatures` reads `[shape, n, valid, flip_hi, flip_lo, flip_xor]`.
    let shapes = Path::new(&root).join("cms_counter_signatures");
    for (name, params) in [
        ("depth-8-valid", [0u8, 8, 8, 0, 0, 0]),
        ("depth-9-valid", [0, 9, 9, 0, 0, 0]),
        ("depth-5-of-3-flipped", [0, 5, 3, 1, 40, 0x40]),
        ("depth-30000", [0, 255, 10, 0, 0, 0]),
        ("signers-32", [1, 31, 0, 0, 0, 0]),
        ("signers-33", [1, 32, 0, 0, 0, 0]),
    ] {
        write(&shapes, name, &params);
    }
}
