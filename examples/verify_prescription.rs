//! Verifies e-prescription documents and prints one JSON line per file.
//!
//! ```text
//! cargo run --release --example verify_prescription -- --trust DIR [--at RFC3339] FILE...
//! ```
//!
//! Exit status 0 only when every file is VALID; 1 when any is not; 2 on a usage error.

use std::{path::PathBuf, process::ExitCode};

use xades_sign::{Status, TrustStore, Verifier};

fn usage(msg: &str) -> ExitCode {
    eprintln!("{msg}\nusage: verify_prescription --trust DIR [--at RFC3339] FILE...");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut trust_dir: Option<PathBuf> = None;
    let mut at: Option<jiff::Timestamp> = None;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--trust" => trust_dir = args.next().map(PathBuf::from),
            "--at" => match args.next().map(|s| s.parse::<jiff::Timestamp>()) {
                Some(Ok(t)) => at = Some(t),
                _ => return usage("--at needs an RFC 3339 time, e.g. 2024-01-01T00:00:00Z"),
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
    let mut verifier = Verifier::new(trust);
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
        all_valid &= report.status == Status::Valid;
        println!("{}", report.to_json(&name));
    }
    if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
