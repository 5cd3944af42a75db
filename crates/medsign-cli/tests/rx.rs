//! `medsign rx` and `medsign cms` driven as a user would: the real sample documents,
//! signing with the virtual HPKI card, and independent verifiers (xmlsec1, openssl).

// Test helpers outside #[test] functions panic on failure like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{medsign, require};

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

/// The repository's own fixtures (fixtures/README.md).
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");

/// The fixtures directory; a missing one is a broken checkout and fails the test.
fn fixtures() -> PathBuf {
    let p = PathBuf::from(FIXTURES);
    assert!(p.join("eprescription").is_dir(), "{FIXTURES}/eprescription");
    p
}

const CSV: &str =
    "SJ1,1.0\r\n1,1,1234567,13,やまだ内科クリニック\r\n11,ヤマダ ハナコ,山田 花子,2,19850401\r\n";

#[test]
fn verify_reports_the_samples_valid_and_the_invalid_files_invalid() {
    let fx = fixtures();
    let out = medsign()
        .args([
            "rx",
            "verify",
            "--json",
            "--at",
            "2024-01-01T00:00:00Z",
            "--trust",
        ])
        .arg(fx.join("trust"))
        .arg(fx.join("eprescription"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "some files are invalid: exit 1");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut seen = 0;
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let file = v["file"].as_str().unwrap();
        let status = v["status"].as_str().unwrap();
        seen += 1;
        if file.contains("/invalid/") {
            assert_eq!(status, "INVALID", "{file}");
            let has_reason = !v["errors"].as_array().unwrap().is_empty()
                || v["signatures"].as_array().unwrap().iter().any(|s| {
                    s["checks"].as_object().unwrap().values().any(|c| {
                        c["status"] != "VALID"
                            && c["status"] != "ABSENT"
                            && !c["reason"].as_str().unwrap().is_empty()
                    })
                });
            assert!(has_reason, "{file} has no reason");
        } else if file.ends_with("prescription-004_01.xml") {
            assert_eq!(status, "VALID", "{line}");
            assert_eq!(v["version"], 2);
            assert_eq!(v["signatures"][0]["level"], "XL");
            assert_eq!(
                v["signatures"][0]["signer"]["qualification"],
                "MedicalDoctor"
            );
        }
    }
    assert_eq!(seen, 8, "2 samples and 6 invalid files:\n{stdout}");
}

#[test]
fn verify_table_when_piped_has_no_progress_bar_and_one_row_per_file() {
    let fx = fixtures();
    let out = medsign()
        .args(["rx", "verify", "--at", "2024-01-01T00:00:00Z", "--trust"])
        .arg(fx.join("trust"))
        .arg(fx.join("eprescription"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        !stdout.contains('\r') && !stdout.contains('\x1b'),
        "{stdout:?}"
    );
    assert!(
        stderr.is_empty(),
        "nothing on stderr when piped: {stderr:?}"
    );
    let rows: Vec<&str> = stdout.lines().filter(|l| l.contains(".xml")).collect();
    assert_eq!(rows.len(), 8, "{stdout}");
    assert!(
        rows.iter()
            .any(|r| r.starts_with("VALID") && r.ends_with("prescription-004_01.xml"))
    );
    assert_eq!(
        rows.iter().filter(|r| r.starts_with("INVALID")).count(),
        6,
        "{stdout}"
    );
    assert!(
        stdout.contains("8 document(s): 2 VALID, 6 INVALID, 0 INDETERMINATE"),
        "{stdout}"
    );
    // The reason of a failed check is named.
    assert!(
        stdout.contains(
            "references: INVALID: Reference #PrescriptionDocument: digest does not match"
        ),
        "{stdout}"
    );
}

#[test]
fn verify_a_valid_sample_exits_zero_and_speaks_japanese_by_locale() {
    let fx = fixtures();
    let out = medsign()
        .env_remove("MEDSIGN_LANG")
        .env("LANG", "ja_JP.UTF-8")
        .args(["rx", "verify", "--at", "2024-01-01T00:00:00Z", "--trust"])
        .arg(fx.join("trust"))
        .arg(fx.join("eprescription/prescription-004_01.xml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("処方箋署名 XL"), "{stdout}");
    assert!(
        stdout.contains("1 件: 有効 1 / 無効 0 / 判定不能 0"),
        "{stdout}"
    );
}

#[test]
fn verify_without_the_right_anchor_is_not_valid() {
    let fx = fixtures();
    // Only the TSA root, without the bundled MHLW root: no path for the signer.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fx.join("trust/tsa-test-root.der"),
        dir.path().join("tsa.der"),
    )
    .unwrap();
    medsign()
        .args(["rx", "verify", "--at", "2024-01-01T00:00:00Z", "--offline"])
        .args(["--no-bundled-trust", "--trust"])
        .arg(dir.path())
        .arg(fx.join("eprescription/prescription-004_01.xml"))
        .assert()
        .code(1)
        .stdout(predicates_contains("NO_CERTIFICATE_CHAIN_FOUND"));
    // A folder holding only the MEDIS CA has no anchor at all: refused as trust.
    let medis = tempfile::tempdir().unwrap();
    std::fs::copy(
        fx.join("trust/medis-sign-ca2.der"),
        medis.path().join("medis.der"),
    )
    .unwrap();
    medsign()
        .args(["rx", "verify", "--at", "2024-01-01T00:00:00Z", "--offline"])
        .args(["--no-bundled-trust", "--trust"])
        .arg(medis.path())
        .arg(fx.join("eprescription/prescription-004_01.xml"))
        .assert()
        .code(3)
        .stderr(predicates_contains("no trust anchor"));
}

#[test]
fn the_bundled_root_is_trusted_by_default_and_an_expired_time_stamp_proves_nothing() {
    let fx = fixtures();
    // The bundled MHLW root plus the samples' TSA root: VALID at 2024 from the
    // document's own CRLs, INDETERMINATE at 2045 (no proof of existence left).
    let run = |at: &str| {
        medsign()
            .args(["rx", "verify", "--offline", "--json", "--at", at, "--trust"])
            .arg(fx.join("trust/tsa-test-root.der"))
            .arg(fx.join("eprescription/prescription-004_01.xml"))
            .output()
            .unwrap()
    };
    let out = run("2024-01-01T00:00:00Z");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = run("2045-01-01T00:00:00Z");
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "INDETERMINATE");
    assert_eq!(v["sub_indication"], "OUT_OF_BOUNDS_NO_POE");
}

#[test]
fn usage_and_input_errors_have_their_exit_codes() {
    medsign().args(["rx", "verify"]).assert().code(2);
    medsign()
        .args(["rx", "verify", "--revocation", "sometimes", "x.xml"])
        .assert()
        .code(2);
    let dir = tempfile::tempdir().unwrap();
    medsign()
        .args(["rx", "verify", "--trust"])
        .arg(dir.path())
        .arg(dir.path().join("missing.xml"))
        .assert()
        .code(3);
}

fn sign_with_sim(dir: &Path, pin: &str) -> std::process::Output {
    std::fs::write(dir.join("rx.csv"), CSV).unwrap();
    medsign()
        .current_dir(dir)
        .args([
            "rx",
            "sign",
            "--csv",
            "rx.csv",
            "--out",
            "rx.xml",
            "--sim",
            "hpki-physician",
            "--pin-stdin",
            "--trust-out",
            "trust",
        ])
        .write_stdin(format!("{pin}\n"))
        .output()
        .unwrap()
}

/// Signs [`CSV`] with the virtual HPKI card into `dir/rx.xml` (trust anchors in
/// `dir/trust`) and checks that medsign verifies it; returns the document.
fn signed_and_verified_by_medsign(dir: &Path) -> PathBuf {
    let out = sign_with_sim(dir, "1234");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = dir.join("rx.xml");
    medsign()
        .args(["rx", "verify", "--show-csv", "--trust"])
        .arg(dir.join("trust"))
        .arg(&doc)
        .assert()
        .code(0)
        .stdout(predicates_contains("VALID"))
        .stdout(predicates_contains(
            "| 11,ヤマダ ハナコ,山田 花子,2,19850401",
        ));
    doc
}

/// A copy of `doc` with one signed byte of the prescription changed.
fn tampered_copy(dir: &Path, doc: &Path) -> PathBuf {
    let text = std::fs::read_to_string(doc).unwrap();
    let tampered = dir.join("tampered.xml");
    let b64_of_sj1 = "U0ox";
    assert!(text.contains(b64_of_sj1));
    std::fs::write(&tampered, text.replacen(b64_of_sj1, "U0oy", 1)).unwrap();
    tampered
}

#[test]
fn sign_with_the_virtual_card_then_verify_with_medsign() {
    let dir = tempfile::tempdir().unwrap();
    let doc = signed_and_verified_by_medsign(dir.path());
    let tampered = tampered_copy(dir.path(), &doc);
    medsign()
        .args(["rx", "verify", "--trust"])
        .arg(dir.path().join("trust"))
        .arg(&tampered)
        .assert()
        .code(1)
        .stdout(predicates_contains("digest does not match"));
}

#[test]
#[ignore = "needs xmlsec1; run by scripts/conformance"]
fn sign_with_the_virtual_card_then_verify_with_xmlsec1() {
    require("xmlsec1", "xmlsec1");
    let dir = tempfile::tempdir().unwrap();
    let doc = signed_and_verified_by_medsign(dir.path());
    let trust = dir.path().join("trust");
    let xmlsec = |file: &Path| {
        StdCommand::new("xmlsec1")
            .args([
                "--verify",
                "--id-attr:id",
                "PrescriptionDocument",
                "--id-attr:Id",
            ])
            .args([
                "SignedProperties",
                "--id-attr:Id",
                "KeyInfo",
                "--trusted-pem",
            ])
            .arg(trust.join("hpki-test-root.pem"))
            .arg("--untrusted-pem")
            .arg(trust.join("hpki-test-sign-ca.pem"))
            .args(["--enabled-reference-uris", "same-doc"])
            .arg(file)
            .output()
            .unwrap()
    };
    let ok = xmlsec(&doc);
    let log = String::from_utf8_lossy(&ok.stderr);
    assert!(ok.status.success(), "{log}");
    assert!(log.contains("SignedInfo References (ok/all): 3/3"), "{log}");
    // The same check rejects a tampered copy.
    assert!(!xmlsec(&tampered_copy(dir.path(), &doc)).status.success());
}

#[test]
fn a_wrong_pin_exits_5_with_the_tries_left_and_a_malformed_one_is_not_sent() {
    let dir = tempfile::tempdir().unwrap();
    let out = sign_with_sim(dir.path(), "9999");
    assert_eq!(out.status.code(), Some(5));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tries left"), "{err}");
    assert!(!err.contains("9999"), "the PIN is never printed: {err}");
    assert!(!dir.path().join("rx.xml").exists());

    let out = sign_with_sim(dir.path(), "12");
    assert_eq!(out.status.code(), Some(5));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not sent"), "{err}");
}

/// Signs `dir/rx.csv` with `medsign cms sign --detached` on the virtual HPKI card and
/// checks that medsign verifies it, and refuses other content; returns the content and
/// the signature.
fn cms_signed_and_verified_by_medsign(dir: &Path) -> (PathBuf, PathBuf) {
    let out = sign_with_sim(dir, "1234");
    assert!(out.status.success());
    let content = dir.join("rx.csv");
    let p7s = dir.join("rx.p7s");
    medsign()
        .args([
            "cms",
            "sign",
            "--detached",
            "--sim",
            "hpki-physician",
            "--pin-stdin",
            "--in",
        ])
        .arg(&content)
        .arg("--out")
        .arg(&p7s)
        .write_stdin("1234\n")
        .assert()
        .code(0);
    medsign()
        .args(["cms", "verify", "--trust"])
        .arg(dir.join("trust"))
        .arg("--content")
        .arg(&content)
        .arg(&p7s)
        .assert()
        .code(0)
        .stdout(predicates_contains("VALID"));
    // Other content: INVALID, exit 1.
    let other = dir.join("other.csv");
    std::fs::write(&other, "SJ1,1.0\r\n").unwrap();
    medsign()
        .args(["cms", "verify", "--json", "--trust"])
        .arg(dir.join("trust"))
        .arg("--content")
        .arg(&other)
        .arg(&p7s)
        .assert()
        .code(1)
        .stdout(predicates_contains("\"INVALID\""));
    (content, p7s)
}

#[test]
fn cms_sign_then_verify_with_medsign() {
    let dir = tempfile::tempdir().unwrap();
    cms_signed_and_verified_by_medsign(dir.path());
}

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance"]
fn cms_sign_then_verify_with_openssl() {
    require("openssl", "openssl");
    let dir = tempfile::tempdir().unwrap();
    let (content, p7s) = cms_signed_and_verified_by_medsign(dir.path());
    let trust = dir.path().join("trust");
    // OpenSSL 3.0's `cms -verify` has no -untrusted: the CA file carries root and CA.
    let ca_file = dir.path().join("cas.pem");
    let mut cas = std::fs::read(trust.join("hpki-test-root.pem")).unwrap();
    cas.extend(std::fs::read(trust.join("hpki-test-sign-ca.pem")).unwrap());
    std::fs::write(&ca_file, cas).unwrap();
    let ok = StdCommand::new("openssl")
        .args(["cms", "-verify", "-binary", "-inform", "DER", "-in"])
        .arg(&p7s)
        .arg("-content")
        .arg(&content)
        .arg("-CAfile")
        .arg(&ca_file)
        .args(["-purpose", "any", "-out", "/dev/null"])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

fn predicates_contains(needle: &'static str) -> predicates::str::ContainsPredicate {
    predicates::str::contains(needle)
}

/// A folder holding a nesting bomb, a FIFO, a link to `/dev/zero`, a symlink loop (a
/// link to the folder itself and a link to itself) and a valid sample: the run ends
/// (no stack overflow, no endless read, no blocking open, no endless walk), the
/// sample is VALID and every other entry is INVALID with its named failure, and the
/// summary counts them all.
#[cfg(unix)]
#[test]
fn a_folder_of_hostile_entries_reports_each_by_name_and_the_sample_valid() {
    use std::os::unix::fs::symlink;
    require("mkfifo", "coreutils");
    let fx = fixtures();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(
        fx.join("eprescription/prescription-004_01.xml"),
        d.join("a-valid.xml"),
    )
    .unwrap();
    let depth = 100_000;
    let bomb = format!(
        "<Document><Prescription>{}{}</Prescription></Document>",
        "<a>".repeat(depth),
        "</a>".repeat(depth)
    );
    std::fs::write(d.join("bomb.xml"), bomb).unwrap();
    let made = StdCommand::new("mkfifo")
        .arg(d.join("fifo.xml"))
        .status()
        .unwrap();
    assert!(made.success());
    symlink("/dev/zero", d.join("zero.xml")).unwrap();
    symlink(".", d.join("loop")).unwrap();
    symlink("self.xml", d.join("self.xml")).unwrap();

    let out = medsign()
        .timeout(std::time::Duration::from_secs(120))
        .args([
            "rx",
            "verify",
            "--json",
            "--offline",
            "--at",
            "2024-01-01T00:00:00Z",
        ])
        .arg("--trust")
        .arg(fx.join("trust"))
        .arg(d)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let mut seen = std::collections::BTreeMap::new();
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let file = v["file"].as_str().unwrap();
        let name = file.rsplit('/').next().unwrap().to_owned();
        let errors: Vec<String> = v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().to_owned())
            .collect();
        seen.insert(
            name,
            (v["status"].as_str().unwrap().to_owned(), errors.join(" | ")),
        );
    }
    let expect = [
        ("a-valid.xml", "VALID", ""),
        ("bomb.xml", "INVALID", "Limits::max_depth"),
        (
            "fifo.xml",
            "INVALID",
            "not a regular file (a FIFO): not opened",
        ),
        (
            "zero.xml",
            "INVALID",
            "not a regular file (a character device): not opened",
        ),
        ("loop", "INVALID", "symlink loop"),
        ("self.xml", "INVALID", "cannot read"),
    ];
    for (name, status, reason) in expect {
        let (got, errors) = seen
            .get(name)
            .unwrap_or_else(|| panic!("{name} not reported:\n{stdout}"));
        assert_eq!(got, status, "{name}: {errors}");
        assert!(errors.contains(reason), "{name}: {errors}");
    }
    assert_eq!(seen.len(), expect.len(), "{stdout}");
    assert!(
        stderr.contains("6 document(s): 1 VALID, 5 INVALID, 0 INDETERMINATE"),
        "{stderr}"
    );

    // Opted in, the device is read up to the size limit and no further.
    let out = medsign()
        .timeout(std::time::Duration::from_secs(60))
        .args(["rx", "verify", "--json", "--offline", "--follow-special"])
        .arg(d.join("zero.xml"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("more than the limit of 4194304: not read"),
        "{stdout}"
    );
}
