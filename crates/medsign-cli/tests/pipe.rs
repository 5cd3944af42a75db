//! Standard output whose reader has gone away (`medsign … | head -1`, `| grep -q`): the
//! output is dropped and the command finishes with its own exit code, never a panic.

// Test helpers outside #[test] functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The repository's own fixtures (fixtures/README.md).
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");

/// Runs medsign with `stdin` on its standard input and its standard output a pipe
/// whose read end is already closed, so that every write fails with EPIPE. Returns the
/// exit code and standard error.
fn run_with_closed_stdout(args: &[&str], stdin: &[u8]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = Command::new(env!("CARGO_BIN_EXE_medsign"))
        .args(args)
        .env("MEDSIGN_LANG", "en")
        .stdin(Stdio::piped())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        let mut input = child.stdin.take().unwrap();
        // A command that does not read its input may have exited already.
        let _ = input.write_all(stdin);
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn card_status_into_a_closed_pipe_exits_zero_without_a_panic() {
    let (code, err) =
        run_with_closed_stdout(&["card", "status", "--sim", "mynumber", "--json"], b"");
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.to_lowercase().contains("broken pipe"), "{err}");
}

#[test]
fn card_sign_to_a_closed_pipe_exits_zero_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("doc.txt");
    std::fs::write(&doc, b"signed bytes").unwrap();
    let args = [
        "card",
        "sign",
        "--sim",
        "hpki-physician",
        "--pin-stdin",
        "--in",
        doc.to_str().unwrap(),
    ];
    let (code, err) = run_with_closed_stdout(&args, b"1234\n");
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn verify_into_a_closed_pipe_keeps_the_verdict_exit_code() {
    let fx = PathBuf::from(FIXTURES);
    assert!(
        fx.join("eprescription").is_dir(),
        "{FIXTURES}/eprescription"
    );
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
    let (code, err) = run_with_closed_stdout(&args, b"");
    assert_eq!(code, Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let valid = fx.join("eprescription/prescription-004_01.xml");
    let mut one = args;
    one[6] = valid.to_str().unwrap();
    let (code, err) = run_with_closed_stdout(&one, b"");
    assert_eq!(code, Some(0), "{err}");
}
