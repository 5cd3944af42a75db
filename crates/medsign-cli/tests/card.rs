//! `medsign card …` driven as a user would, on the virtual cards (`--sim`), with PINs
//! from standard input (`--pin-stdin`) and, once, from a pseudo-terminal.

// Test helpers outside #[test] functions: a failed unwrap is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::medsign;

use std::io::Write as _;
use std::path::Path;
use std::process::Stdio;

use serde_json::Value;

/// The fictitious holder's My Number (card-sim's 山田 花子).
const MY_NUMBER: &str = "123456789018";

fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let out = medsign().args(args).write_stdin(stdin).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str], stdin: &str) -> Value {
    let (code, stdout, stderr) = run(args, stdin);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}\n{stdout}"))
}

#[test]
fn status_shows_the_tries_left_of_every_my_number_card_pin_without_asking() {
    // No stdin at all: status must not ask for a PIN.
    let (code, out, err) = run(&["card", "status", "--sim", "mynumber"], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("My Number Card"), "{out}");
    for line in [
        "user-authentication PIN (利用者証明用, 4 digits): 3 tries left (of 3)",
        "signature password (署名用, 6-16 letters A-Z and digits): 5 tries left (of 5)",
        "input-support PIN (券面事項入力補助用, 4 digits): 3 tries left (of 3)",
    ] {
        assert!(out.contains(line), "missing {line:?} in\n{out}");
    }
}

#[test]
fn status_json_of_an_hpki_card_has_both_application_pins() {
    let v = json(&["card", "status", "--sim", "hpki-physician", "--json"], "");
    assert_eq!(v["kind"], "hpki");
    assert_eq!(v["source"]["sim"], "hpki-physician");
    let pins = v["pins"].as_array().unwrap();
    assert_eq!(pins.len(), 2);
    assert_eq!(pins[0]["pin"], "signing");
    assert_eq!(pins[1]["pin"], "authentication");
    for p in pins {
        assert_eq!(p["tries_left"], 15, "{p}");
        assert_eq!(p["blocked"], false);
    }
}

#[test]
fn info_shows_the_basic_four_items_and_hides_the_my_number() {
    let (code, out, err) = run(
        &["card", "info", "--sim", "mynumber", "--pin-stdin"],
        "1234\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("山田\u{3000}花子"), "{out}");
    assert!(out.contains("1980-04-01"), "{out}");
    assert!(out.contains("female"), "{out}");
    assert!(out.contains("東京都架空市"), "{out}");
    assert!(out.contains("My Number:  ****"), "{out}");
    assert!(!out.contains(MY_NUMBER) && !err.contains(MY_NUMBER));
    // The PIN is never printed either.
    assert!(!err.contains("1234"), "{err}");

    let v = json(
        &["card", "info", "--sim", "mynumber", "--pin-stdin", "--json"],
        "1234\n",
    );
    assert_eq!(v["my_number"], "****");
    assert_eq!(v["my_number_shown"], false);
    assert_eq!(v["sex_code"], "2");
    assert!(!v.to_string().contains(MY_NUMBER));
}

#[test]
fn info_shows_the_my_number_only_with_the_flag() {
    let (code, out, err) = run(
        &[
            "card",
            "info",
            "--sim",
            "mynumber",
            "--pin-stdin",
            "--show-my-number",
        ],
        "1234\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("My Number:  {MY_NUMBER}")), "{out}");
}

#[test]
fn a_wrong_pin_exits_5_with_the_tries_left() {
    let (code, out, err) = run(
        &["card", "info", "--sim", "mynumber", "--pin-stdin"],
        "9999\n",
    );
    assert_eq!(code, 5, "{out}{err}");
    assert!(
        err.contains("wrong input-support PIN") && err.contains("2 tries left"),
        "{err}"
    );
    assert!(!out.contains("山田"), "{out}");

    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("doc.txt");
    std::fs::write(&doc, "prescription").unwrap();
    let doc = doc.to_str().unwrap();
    let (code, _, err) = run(
        &[
            "card",
            "sign",
            "--sim",
            "hpki-physician",
            "--pin-stdin",
            "--in",
            doc,
            "--base64",
        ],
        "4321\n",
    );
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains("wrong HPKI signing PIN: 14 tries left"),
        "{err}"
    );

    let (code, _, err) = run(
        &[
            "card",
            "sign",
            "--sim",
            "mynumber",
            "--key",
            "jpki-sign",
            "--pin-stdin",
            "--in",
            doc,
            "--base64",
        ],
        "XYZ999\n",
    );
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains("wrong signature password") && err.contains("4 tries left"),
        "{err}"
    );
}

#[test]
fn a_pin_of_the_wrong_format_exits_5_and_is_not_sent() {
    let (code, _, err) = run(
        &["card", "info", "--sim", "mynumber", "--pin-stdin"],
        "12345\n",
    );
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("not sent"), "{err}");
    assert!(err.contains("exactly 4 digits"), "{err}");

    let (code, _, err) = run(
        &[
            "card",
            "certs",
            "--sim",
            "mynumber",
            "--with-signature-cert",
            "--pin-stdin",
        ],
        "abc123\n",
    );
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("not sent"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("doc.txt");
    std::fs::write(&doc, "x").unwrap();
    let (code, _, err) = run(
        &[
            "card",
            "sign",
            "--sim",
            "hpki-dentist",
            "--pin-stdin",
            "--in",
            doc.to_str().unwrap(),
            "--base64",
        ],
        "12\n",
    );
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("it was not sent"), "{err}");
}

#[test]
fn an_empty_pin_stdin_is_a_pin_error_and_nothing_is_sent() {
    let (code, _, err) = run(&["card", "info", "--sim", "mynumber", "--pin-stdin"], "");
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("standard input ended"), "{err}");
}

#[test]
fn certs_json_of_a_physician_card_names_the_qualification() {
    let v = json(&["card", "certs", "--sim", "hpki-physician", "--json"], "");
    assert_eq!(v["kind"], "hpki");
    let certs = v["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 2);
    let signing = &certs[0];
    assert_eq!(signing["id"], "hpki-signing");
    assert_eq!(signing["qualification"], "Medical Doctor");
    assert!(
        signing["key_usage"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u == "nonRepudiation"),
        "{signing}"
    );
    for c in certs {
        for field in [
            "subject",
            "issuer",
            "serial",
            "not_before",
            "not_after",
            "sha256",
        ] {
            assert!(
                !c[field].as_str().unwrap_or_default().is_empty(),
                "{field}: {c}"
            );
        }
    }
}

#[test]
fn certs_of_a_my_number_card_read_the_signature_certificate_only_with_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let v = json(
        &["card", "certs", "--sim", "mynumber", "--json", "--out", out],
        "",
    );
    let ids: Vec<&str> = v["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["jpki-auth", "jpki-auth-ca", "jpki-sign-ca"]);
    assert!(dir.path().join("jpki-auth.der").exists());
    let pem = std::fs::read_to_string(dir.path().join("jpki-auth.pem")).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"), "{pem}");

    let v = json(
        &[
            "card",
            "certs",
            "--sim",
            "mynumber",
            "--json",
            "--with-signature-cert",
            "--pin-stdin",
        ],
        "ABC123\n",
    );
    let certs = v["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 4);
    assert_eq!(certs[3]["id"], "jpki-sign");
    assert_eq!(certs[3]["is_ca"], false);
}

#[test]
fn info_on_an_hpki_card_says_it_is_not_a_my_number_card() {
    let (code, _, err) = run(
        &["card", "info", "--sim", "hpki-pharmacist", "--pin-stdin"],
        "1234\n",
    );
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("not a My Number Card"), "{err}");
}

#[test]
fn without_a_card_source_the_error_is_clear() {
    let (code, _, err) = run(&["card", "status"], "");
    assert_eq!(code, 4, "{err}");
    if cfg!(feature = "pcsc") {
        assert!(!err.is_empty());
    } else {
        assert!(err.contains("no PC/SC support"), "{err}");
        let (code, _, err) = run(&["card", "status", "--reader", "Virtual"], "");
        assert_eq!(code, 4);
        assert!(err.contains("no PC/SC support"), "{err}");
    }
}

/// Built with `pcsc` the command lists real readers instead: scripts/conformance
/// (80-cli-card) checks that listing against vpcd.
#[test]
#[cfg(not(feature = "pcsc"))]
fn list_without_pcsc_says_so_and_lists_the_virtual_cards() {
    let (code, out, err) = run(&["card", "list"], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("no PC/SC support"), "{out}");
    for sim in [
        "mynumber",
        "hpki-physician",
        "hpki-dentist",
        "hpki-pharmacist",
    ] {
        assert!(out.contains(sim), "{sim}: {out}");
    }
    let v = json(&["card", "list", "--json"], "");
    assert_eq!(v["pcsc"], false);
    assert_eq!(v["sim"].as_array().unwrap().len(), 4);
}

/// hpki-cert's RSASSA-PKCS1-v1_5 verifier with the certificate's key over `doc` hashed
/// with `digest` (`sha256`, `sha384`, `sha512`).
fn rsa_verifies(cert_der: &Path, digest: &str, sig: &Path, doc: &Path) {
    let alg = match digest {
        "sha256" => cert_signer::DigestAlgorithm::Sha256,
        "sha384" => cert_signer::DigestAlgorithm::Sha384,
        "sha512" => cert_signer::DigestAlgorithm::Sha512,
        other => panic!("no digest {other}"),
    };
    let cert = hpki_cert::Certificate::from_der(&std::fs::read(cert_der).unwrap()).unwrap();
    let signature = std::fs::read(sig).unwrap();
    let message = std::fs::read(doc).unwrap();
    hpki_cert::verify_rsa_pkcs1_message(cert.spki_der(), alg, &message, &signature).unwrap();
    let mut other = message;
    other.push(b'\n');
    assert!(hpki_cert::verify_rsa_pkcs1_message(cert.spki_der(), alg, &other, &signature).is_err());
}

/// `openssl dgst -<digest> -verify <(openssl x509 -pubkey …) -signature sig doc`.
fn openssl_verifies(cert_der: &Path, digest: &str, sig: &Path, doc: &Path) {
    let pubkey = cert_der.with_extension("pub.pem");
    let out = std::process::Command::new("openssl")
        .args(["x509", "-inform", "DER", "-pubkey", "-noout", "-in"])
        .arg(cert_der)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&pubkey, &out.stdout).unwrap();
    let out = std::process::Command::new("openssl")
        .args(["dgst", &format!("-{digest}"), "-verify"])
        .arg(&pubkey)
        .arg("-signature")
        .arg(sig)
        .arg(doc)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("Verified OK"),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `medsign card sign --sim CARD [--key KEY] [--digest DIGEST] --pin-stdin --in DOC
/// --out SIG` with `pin`; returns the exit code, standard output and standard error.
fn sign_to_file(
    card: &str,
    key: Option<&str>,
    digest: Option<&str>,
    pin: &str,
    doc: &Path,
    sig: &Path,
) -> (i32, String, String) {
    let mut args = vec!["card", "sign", "--sim", card];
    if let Some(key) = key {
        args.extend(["--key", key]);
    }
    if let Some(digest) = digest {
        args.extend(["--digest", digest]);
    }
    args.extend(["--pin-stdin", "--in", doc.to_str().unwrap()]);
    args.extend(["--out", sig.to_str().unwrap()]);
    run(&args, &format!("{pin}\n"))
}

#[test]
fn signatures_of_every_key_verify() {
    signatures_of_every_key_verify_with(rsa_verifies);
}

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance"]
fn signatures_of_every_key_verify_with_openssl() {
    common::require("openssl", "openssl");
    signatures_of_every_key_verify_with(openssl_verifies);
}

/// `medsign card sign` with every key of both kinds of card; `verifies(certificate,
/// digest, signature, document)` checks each signature.
fn signatures_of_every_key_verify_with(verifies: fn(&Path, &str, &Path, &Path)) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let doc = d.join("doc.xml");
    std::fs::write(&doc, "<Prescription>medsign card sign</Prescription>\n").unwrap();
    let doc_s = doc.to_str().unwrap();
    let certs = d.join("certs");
    let certs_s = certs.to_str().unwrap();

    // HPKI signing key (the default on an HPKI card), SHA-256, raw.
    let (code, _, err) = run(
        &["card", "certs", "--sim", "hpki-physician", "--out", certs_s],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let sig = d.join("hpki.sig");
    let (code, out, err) = sign_to_file("hpki-physician", None, None, "1234", &doc, &sig);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("signed with the certificate"), "{out}");
    assert!(out.contains("Medical Doctor"), "{out}");
    assert_eq!(std::fs::read(&sig).unwrap().len(), 256);
    verifies(&certs.join("hpki-signing.der"), "sha256", &sig, &doc);

    // HPKI authentication key, SHA-512.
    let sig = d.join("hpki-auth.sig");
    let (code, _, err) = sign_to_file(
        "hpki-physician",
        Some("hpki-auth"),
        Some("sha512"),
        "1234",
        &doc,
        &sig,
    );
    assert_eq!(code, 0, "{err}");
    verifies(&certs.join("hpki-authentication.der"), "sha512", &sig, &doc);

    // My Number Card: the signature key by default (certificate behind its password).
    let (code, _, err) = run(
        &[
            "card",
            "certs",
            "--sim",
            "mynumber",
            "--with-signature-cert",
            "--pin-stdin",
            "--out",
            certs_s,
        ],
        "ABC123\n",
    );
    assert_eq!(code, 0, "{err}");
    let sig = d.join("jpki-sign.sig");
    let (code, _, err) = sign_to_file("mynumber", None, Some("sha384"), "ABC123", &doc, &sig);
    assert_eq!(code, 0, "{err}");
    verifies(&certs.join("jpki-sign.der"), "sha384", &sig, &doc);

    // The user-authentication key, base64 on standard output.
    let (code, out, err) = run(
        &[
            "card",
            "sign",
            "--sim",
            "mynumber",
            "--key",
            "jpki-auth",
            "--pin-stdin",
            "--in",
            doc_s,
            "--base64",
        ],
        "1234\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("signed with the certificate"), "{err}");
    let b64 = d.join("jpki-auth.b64");
    std::fs::write(&b64, out).unwrap();
    let sig = d.join("jpki-auth.sig");
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(std::fs::read_to_string(&b64).unwrap().trim())
        .unwrap();
    std::fs::write(&sig, decoded).unwrap();
    verifies(&certs.join("jpki-auth.der"), "sha256", &sig, &doc);
}

/// The PIN prompt on a real (pseudo-)terminal: it shows which PIN and the tries left,
/// and what is typed is not echoed. util-linux `script` provides the terminal, so the
/// test runs where no terminal is attached (CI).
#[test]
fn the_terminal_prompt_shows_the_tries_left_and_does_not_echo_the_pin() {
    let mut pty = common::Pty::spawn(&["card", "info", "--sim", "mynumber"]);
    // Control: on this terminal, what is typed is echoed (so its absence below means
    // the prompt turned echo off).
    let mut control = std::process::Command::new("script")
        .args(["-q", "-e", "-c", "head -n 1 >/dev/null", "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    control.stdin.take().unwrap().write_all(b"5678\n").unwrap();
    let echoed = control.wait_with_output().unwrap();
    assert!(
        String::from_utf8_lossy(&echoed.stdout).contains("5678"),
        "the pseudo-terminal does not echo: {echoed:?}"
    );

    let prompt = pty.next_prompt().expect("a PIN prompt");
    assert_eq!(
        prompt,
        "input-support PIN (券面事項入力補助用, 4 digits) (3 tries left): ",
        "{}",
        pty.text()
    );
    pty.answer("1234", true);
    let (status, text) = pty.finish();
    assert!(status.success(), "{text}");
    // The PIN was accepted (the items are shown) and never appeared on the terminal.
    assert!(text.contains("山田\u{3000}花子"), "{text}");
    assert!(!text.contains("1234"), "{text}");
}
