//! Standard output whose reader has gone away (`medsign … | head -1`, `| grep -q`): the
//! output is dropped and the command finishes with its own exit code, never a panic.

// Test helpers outside #[test] functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures");

/// Runs medsign with its standard output a pipe whose read end is already closed, so
/// that every write fails with EPIPE. Returns the exit code and standard error.
fn run_with_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_medsign"))
        .args(args)
        .env("MEDSIGN_LANG", "en")
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn card_status_into_a_closed_pipe_exits_zero_without_a_panic() {
    let (code, err) = run_with_closed_stdout(&["card", "status", "--sim", "mynumber", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.to_lowercase().contains("broken pipe"), "{err}");
}

#[test]
fn card_sign_to_a_closed_pipe_exits_zero_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("doc.txt");
    std::fs::write(&doc, b"signed bytes").unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = Command::new(env!("CARGO_BIN_EXE_medsign"))
        .args([
            "card",
            "sign",
            "--sim",
            "hpki-physician",
            "--pin-stdin",
            "--in",
        ])
        .arg(&doc)
        .env("MEDSIGN_LANG", "en")
        .stdin(Stdio::piped())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"1234\n").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn verify_into_a_closed_pipe_keeps_the_verdict_exit_code() {
    let fx = PathBuf::from(SHARED);
    if !fx.join("eprescription").is_dir() {
        eprintln!("skipped: {SHARED} not found");
        return;
    }
    let trust = fx.join("trust");
    let docs = fx.join("eprescription");
    let args = [
        "rx",
        "verify",
        "--at",
        "2024-01-01T00:00:00Z",
        "--trust",
        trust.to_str().unwrap(),
        docs.to_str().unwrap(),
    ];
    // The fixtures hold invalid documents: exit 1 even though nobody read the report.
    let (code, err) = run_with_closed_stdout(&args);
    assert_eq!(code, Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let valid = fx.join("eprescription/prescription-004_01.xml");
    let mut one = args;
    one[6] = valid.to_str().unwrap();
    let (code, err) = run_with_closed_stdout(&one);
    assert_eq!(code, Some(0), "{err}");
}
