//! Verifies e-prescription documents and prints one JSON line per file.
//!
//! ```text
//! cargo run --release --example verify_prescription -- --trust DIR [--at RFC3339] [--crl FILE]... FILE...
//! ```
//!
//! Revocation status is required for every certificate of every path but the anchor:
//! from the documents' own CRLs (the real samples carry them), the `*.crl` files in the
//! `--trust` folder and each `--crl FILE` (DER).
//!
//! Exit status 0 only when every file is VALID; 1 when any is not; 2 on a usage error.

use std::{path::PathBuf, process::ExitCode};

use xades_sign::{Indication, TrustStore, Verifier};

fn usage(msg: &str) -> ExitCode {
    eprintln!(
        "{msg}\nusage: verify_prescription --trust DIR [--at RFC3339] [--crl FILE]... FILE..."
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut trust_dir: Option<PathBuf> = None;
    let mut at: Option<jiff::Timestamp> = None;
    let mut crl_files = Vec::new();
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--trust" => trust_dir = args.next().map(PathBuf::from),
            "--at" => match args.next().map(|s| s.parse::<jiff::Timestamp>()) {
                Some(Ok(t)) => at = Some(t),
                _ => return usage("--at needs an RFC 3339 time, e.g. 2024-01-01T00:00:00Z"),
            },
            "--crl" => match args.next() {
                Some(path) => crl_files.push(PathBuf::from(path)),
                None => return usage("--crl needs a file"),
            },
            "-h" | "--help" => return usage("verify e-prescription documents"),
            _ => files.push(PathBuf::from(arg)),
        }
    }
    let Some(trust_dir) = trust_dir else {
        return usage("--trust DIR is required");
    };
    if files.is_empty() {
        return usage("no FILE given");
    }
    let trust = match TrustStore::from_dir(&trust_dir) {
        Ok(t) => t,
        Err(e) => {
            return usage(&format!(
                "cannot load trust anchors from {}: {e}",
                trust_dir.display()
            ));
        }
    };
    // The CRLs of the trust folder, then those named with --crl.
    if let Ok(entries) = std::fs::read_dir(&trust_dir) {
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("crl")))
            .collect();
        found.sort();
        crl_files.splice(0..0, found);
    }
    let mut crls = Vec::new();
    for path in &crl_files {
        match std::fs::read(path) {
            Ok(der) => crls.push(der),
            Err(e) => return usage(&format!("cannot read the CRL {}: {e}", path.display())),
        }
    }
    let mut verifier = Verifier::new(trust).with_crls(crls);
    if let Some(at) = at {
        verifier = verifier.at(at);
    }
    let mut all_valid = true;
    for file in files {
        let name = file.display().to_string();
        let report = match std::fs::read(&file) {
            Ok(bytes) => verifier.verify(&bytes),
            Err(e) => {
                all_valid = false;
                println!(
                    "{}",
                    serde_json::json!({"file": name, "status": "INVALID", "document_type": "unknown",
                        "errors": [format!("cannot read: {e}")], "signatures": []})
                );
                continue;
            }
        };
        all_valid &= report.status == Indication::Valid;
        println!("{}", report.to_json(&name));
    }
    if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
