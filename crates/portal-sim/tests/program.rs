//! The `portal-sim` program: its banner names the CRL endpoint it serves beside the
//! portal, and the My Number Card's CRLs are there.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};

use hpki_cert::CrlSource as _;

/// The program on free loopback ports, killed when dropped.
struct Program(Child);

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_banner_names_the_crl_endpoint_and_it_serves_the_cards_crls() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portal-sim"))
        .args(["--listen", "127.0.0.1:0", "--operator-token", "secret"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let _program = Program(child);
    let mut crl_url = None;
    for line in stdout.lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("portal-sim: CRLs of the test PKI on ") {
            crl_url = rest.split_whitespace().next().map(str::to_owned);
        }
        if line.starts_with("portal-sim: listening on ") {
            break;
        }
    }
    let crl_url = crl_url.expect("the banner names the CRL endpoint before the portal");
    assert!(crl_url.starts_with("http://127.0.0.1:"), "{crl_url}");

    // The virtual My Number Card's certificates get their CRLs from there.
    let source = hpki_cert::online::HttpCrlSource::builder()
        .mirror(hpki_cert::testpki::TEST_CRL_BASE_URL, crl_url.as_str())
        .build()
        .unwrap();
    let pki = card_sim::JpkiTestPki::generate(&card_sim::TestHolder::yamada_hanako()).unwrap();
    for der in [pki.sign_cert_der(), pki.auth_cert_der()] {
        let cert = hpki_cert::Certificate::from_der(der).unwrap();
        let answer = source.crls_for(&cert);
        assert!(answer.errors.is_empty(), "{:?}", answer.errors);
        assert_eq!(answer.crls.len(), 1, "{}", cert.subject());
    }
}
