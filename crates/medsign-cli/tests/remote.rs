//! `medsign remote`: login and batch signing against `medsign sim` started as a child
//! process on free ports; the signed documents verify with the platform's test anchors.

// Test helpers outside #[test] functions panic on failure like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::medsign;

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use serde_json::Value;

/// `medsign sim` on free loopback ports, killed when dropped.
struct Sim {
    child: Child,
    info: Value,
    _trust: tempfile::TempDir,
}

impl Sim {
    fn start(extra: &[&str]) -> Sim {
        let trust = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("medsign"))
            .args(common::SIM_ON_FREE_PORTS)
            .args([
                "--for",
                "120",
                "--json",
                "--operator-token",
                "test-operator",
                "--trust-out",
            ])
            .arg(trust.path())
            .args(extra)
            .env("MEDSIGN_LANG", "en")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let info: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        Sim {
            child,
            info,
            _trust: trust,
        }
    }

    fn url(&self, which: &str) -> String {
        self.info[which].as_str().unwrap().to_owned()
    }

    /// The sim's CRL endpoint as a CRL source: the test PKI's distribution points
    /// (`http://crl.medsign.invalid/…`) fetched from the URL the banner names.
    fn crl_source(&self) -> std::sync::Arc<hpki_cert::online::HttpCrlSource> {
        let source = hpki_cert::online::HttpCrlSource::builder()
            .mirror(hpki_cert::testpki::TEST_CRL_BASE_URL, self.url("crl"))
            .build()
            .unwrap();
        std::sync::Arc::new(source)
    }

    fn trust(&self) -> xades_sign::TrustStore {
        let mut store = xades_sign::TrustStore::new();
        for file in self.info["trust"].as_array().unwrap() {
            let path = PathBuf::from(file.as_str().unwrap());
            let der = std::fs::read(&path).unwrap();
            if path.file_name().unwrap().to_string_lossy().contains("root") {
                store.add_anchor_der(&der).unwrap();
            } else {
                store.add_intermediate_der(&der).unwrap();
            }
        }
        store
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const CSV: &str = "SJ1,1.0\r\n1,1,1234567,13,やまだ内科クリニック\r\n\
    11,ヤマダ ハナコ,山田 花子,2,19850401\r\n\
    101,1,1,,1,1日3回毎食後,3,日分\r\n111,1,1,,アムロジピン錠５ｍｇ,1,1,錠\r\n";

fn write_csvs(dir: &Path, n: usize) -> Vec<PathBuf> {
    (0..n)
        .map(|i| {
            let p = dir.join(format!("rx{i}.csv"));
            std::fs::write(&p, CSV).unwrap();
            p
        })
        .collect()
}

#[test]
fn remote_sign_signs_a_batch_with_one_login_and_the_documents_verify() {
    let sim = Sim::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let inputs = write_csvs(dir.path(), 3);
    let out_dir = dir.path().join("signed");
    let out = medsign()
        .args(["remote", "sign", "--platform", &sim.url("platform")])
        .args(["--sim", "mynumber", "--pin-stdin", "--out"])
        .arg(&out_dir)
        .args(&inputs)
        .write_stdin("1234\n")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("3 document(s) signed by"), "{text}");
    // One login, then one authorize and one signHash for the whole batch.
    assert!(text.contains("1 login, 2 signing round trip(s)"), "{text}");
    // Revocation checked at the sim's CRL endpoint (the platform's CA lists nothing).
    let verifier = xades_sign::Verifier::new(sim.trust()).with_crl_source(sim.crl_source());
    for i in 0..3 {
        let doc = std::fs::read(out_dir.join(format!("rx{i}.xml"))).unwrap();
        let report = verifier.verify(&doc);
        assert_eq!(
            report.status,
            xades_sign::Indication::Valid,
            "{}",
            report.to_json("rx.xml")
        );
        assert_eq!(report.prescription_csv().as_deref(), Some(CSV));
    }
    // The outputs exist now: a second run refuses to overwrite them before any PIN.
    let again = medsign()
        .args(["remote", "sign", "--platform", &sim.url("platform")])
        .args(["--sim", "mynumber", "--pin-stdin", "--out"])
        .arg(&out_dir)
        .args(&inputs)
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
}

#[test]
fn remote_login_shows_the_session_and_the_second_certificate() {
    let sim = Sim::start(&[]);
    let out = medsign()
        .args(["remote", "login", "--platform", &sim.url("platform")])
        .args(["--sim", "mynumber", "--pin-stdin", "--json"])
        .write_stdin("1234\n")
        .output()
        .unwrap();
    let v = common::json_success(&out);
    assert_eq!(v["person_id"], "SIM-P-0001");
    assert_eq!(v["login"], "JPKI");
    assert_eq!(v["certificate"]["hc_role"], "Medical Doctor");
    assert_eq!(v["session_lifetime_s"], 18 * 3600);
}

#[test]
fn a_wrong_pin_ends_the_login_with_the_tries_left_and_a_malformed_one_is_not_sent() {
    let sim = Sim::start(&[]);
    let out = medsign()
        .args(["remote", "login", "--platform", &sim.url("platform")])
        .args(["--sim", "mynumber", "--pin-stdin"])
        .write_stdin("9999\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("2 tries left"));
    let out = medsign()
        .args(["remote", "login", "--platform", &sim.url("platform")])
        .args(["--sim", "mynumber", "--pin-stdin"])
        .write_stdin("12\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not sent"));
}

#[test]
fn an_unreachable_platform_is_a_service_error() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = write_csvs(dir.path(), 1);
    let out = medsign()
        .args(["remote", "sign", "--platform", "http://127.0.0.1:9"])
        .args(["--sim", "mynumber", "--pin-stdin", "--out"])
        .arg(dir.path().join("o"))
        .args(&inputs)
        .write_stdin("1234\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach"));
}

/// The example form, with its e-mail marked as not registered in the sim's account
/// (the sim then confirms it with a code).
fn code_flow_form(dir: &Path) -> PathBuf {
    let form = common::example_form(dir);
    common::edit(&form, |v| v["email"]["registered"] = false.into());
    form
}

/// `medsign apply submit` to the sim's portal with the virtual My Number Card's three
/// PINs, JSON output, and `extra` arguments.
fn submit(sim: &Sim, form: &Path, extra: &[&str]) -> std::process::Output {
    medsign()
        .args(["apply", "submit", "--portal", &sim.url("portal")])
        .args(["--sim", "mynumber", "--pin-stdin", "--json"])
        .args(["--operator-token", "test-operator"])
        .args(extra)
        .arg(form)
        .write_stdin("1234\n1234\nABC123\n")
        .output()
        .unwrap()
}

#[test]
fn apply_through_the_sim_then_register_a_device_and_log_in_with_it() {
    let sim = Sim::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let form = code_flow_form(dir.path());
    let out = submit(&sim, &form, &["--approve"]);
    let submitted = common::json_success(&out);
    assert_eq!(submitted["state"], "approved");
    let id = submitted["application_id"].as_str().unwrap();

    let out = medsign()
        .args(["apply", "status", id, "--portal", &sim.url("portal")])
        .args([
            "--sim",
            "mynumber",
            "--pin-stdin",
            "--json",
            "--show-binding-password",
        ])
        .write_stdin("1234\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    let binding = &status[0]["binding"];
    let url = binding["url"].as_str().unwrap();
    let password = binding["password"].as_str().unwrap();

    let device = dir.path().join("device.json");
    let out = medsign()
        .args([
            "remote",
            "register-device",
            "--setup-url",
            url,
            "--pin-stdin",
            "--out",
        ])
        .arg(&device)
        .write_stdin(format!("{password}\n"))
        .output()
        .unwrap();
    common::assert_success(&out);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&device).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let out = medsign()
        .args([
            "remote",
            "login",
            "--platform",
            &sim.url("platform"),
            "--json",
            "--device",
        ])
        .arg(&device)
        .output()
        .unwrap();
    let v = common::json_success(&out);
    assert_eq!(v["login"], "FIDO");
    assert_ne!(v["person_id"], "SIM-P-0001");
}

#[test]
fn sim_auto_approve_approves_what_is_submitted() {
    let sim = Sim::start(&["--auto-approve"]);
    let dir = tempfile::tempdir().unwrap();
    let form = code_flow_form(dir.path());
    let out = submit(&sim, &form, &[]);
    assert_eq!(out.status.code(), Some(0));
    let submitted: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(submitted["state"], "under_review");
    let id = submitted["application_id"].as_str().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let out = medsign()
            .args(["apply", "status", id, "--portal", &sim.url("portal")])
            .args(["--sim", "mynumber", "--pin-stdin"])
            .write_stdin("1234\n")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(out.status.code(), Some(0), "{text}");
        if text.contains(&format!("{id}: approved")) {
            assert!(text.contains("password: <redacted>"), "{text}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not approved: {text}");
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}
