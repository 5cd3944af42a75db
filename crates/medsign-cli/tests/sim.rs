//! `medsign sim`: starts the local services, prints how to reach them, stops cleanly.

// Test helpers outside #[test] functions panic on failure like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::medsign;

use serde_json::Value;

#[test]
fn sim_for_one_second_starts_prints_the_urls_and_pins_and_stops() {
    let out = medsign()
        .args(common::SIM_ON_FREE_PORTS)
        .args(["--for", "1"])
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("Mynaportal (portal-sim):      http://127.0.0.1:"),
        "{text}"
    );
    assert!(
        text.contains("remote-signing platform:      http://127.0.0.1:"),
        "{text}"
    );
    assert!(
        text.contains("user-authentication 1234") && text.contains("signature ABC123"),
        "{text}"
    );
    assert!(
        text.contains("medsign remote sign --platform http://127.0.0.1:"),
        "{text}"
    );
    assert!(text.trim_end().ends_with("medsign sim: stopped"), "{text}");
}

#[test]
fn sim_json_names_the_services_and_writes_the_trust_anchors() {
    let dir = tempfile::tempdir().unwrap();
    let out = medsign()
        .args(common::SIM_ON_FREE_PORTS)
        .args([
            "--for",
            "1",
            "--json",
            "--operator-token",
            "tok",
            "--trust-out",
        ])
        .arg(dir.path())
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap();
    let v: Value = serde_json::from_str(first).unwrap();
    assert!(
        v["portal"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    assert!(
        v["platform"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    assert_eq!(v["operator_token"], "tok");
    assert_eq!(v["test_person"], "SIM-P-0001");
    for file in v["trust"].as_array().unwrap() {
        let der = std::fs::read(file.as_str().unwrap()).unwrap();
        assert_eq!(der.first(), Some(&0x30), "a DER certificate");
    }
    assert!(dir.path().join("sim-hpki-root.der").exists());
}

#[test]
fn sim_refuses_to_listen_beyond_loopback_by_default() {
    let out = medsign()
        .args([
            "sim",
            "--portal",
            "0.0.0.0:0",
            "--platform",
            "127.0.0.1:0",
            "--for",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a loopback address"));
}

/// Reads one vpcd message: a 2-byte big-endian length and the payload.
fn vpcd_read(stream: &mut std::net::TcpStream) -> Vec<u8> {
    use std::io::Read as _;
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).unwrap();
    let mut payload = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut payload).unwrap();
    payload
}

fn vpcd_send(stream: &mut std::net::TcpStream, payload: &[u8]) {
    use std::io::Write as _;
    let len = u16::try_from(payload.len()).unwrap().to_be_bytes();
    stream.write_all(&len).unwrap();
    stream.write_all(payload).unwrap();
}

#[test]
fn sim_serves_the_virtual_my_number_card_to_vpcd() {
    // Stands in for pcscd's vpcd driver: the card side connects to it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("medsign"))
        .args(common::SIM_ON_FREE_PORTS)
        .args(["--for", "5", "--vpcd", &addr, "--card", "mynumber"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (mut stream, _) = listener.accept().unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    vpcd_send(&mut stream, &[0x01]); // power on
    vpcd_send(&mut stream, &[0x04]); // ATR?
    assert_eq!(vpcd_read(&mut stream), card_sim::MY_NUMBER_ATR);
    let mut select = vec![0x00, 0xA4, 0x04, 0x0C, 0x0A];
    select.extend_from_slice(&card_sim::JPKI_AID);
    vpcd_send(&mut stream, &select);
    assert_eq!(vpcd_read(&mut stream), [0x90, 0x00]);
    let _ = child.kill();
    let _ = child.wait();
}
