//! The portal under hostile clients: a slow body, a body of millions of empty JSON
//! objects, a flood of login challenges. Loopback only; every loop is bounded.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test helpers

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use mynaportal_client::{HttpTransport, Method, PortalTransport as _};
use portal_sim::{Portal, PortalConfig, ServerConfig};

const OP: &str = "limits-operator";

/// These tests measure time and memory: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

fn portal(db: Option<&std::path::Path>, config: PortalConfig) -> Portal {
    Portal::open(db, hpki_cert::TrustStore::new(), config).unwrap()
}

/// The status line's code and the JSON body of a raw exchange.
fn raw(stream: &mut TcpStream) -> (u16, serde_json::Value) {
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or_default();
    (status, body)
}

fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap()
        * 1024
}

fn reset_peak_rss() {
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
}

#[test]
fn a_slow_client_holding_a_half_sent_login_delays_no_other_login() {
    let _serial = serial();
    let read_timeout = Duration::from_secs(2);
    let server = portal(None, PortalConfig::new(OP).unwrap())
        .serve_with(
            "127.0.0.1:0",
            ServerConfig::default().with_read_timeout(read_timeout),
        )
        .unwrap();
    let held_at = Instant::now();
    let mut slow = TcpStream::connect(server.addr).unwrap();
    slow.write_all(b"POST /v1/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n{\"challe")
        .unwrap();

    let mut client = HttpTransport::new(&server.base_url());
    let mut worst = Duration::ZERO;
    for _ in 0..20 {
        let started = Instant::now();
        let (status, _) = client
            .exchange(Method::Post, "/v1/login/challenge", None, None)
            .unwrap();
        assert_eq!(status, 200);
        worst = worst.max(started.elapsed());
    }
    eprintln!("20 challenges while a login body was held: worst {worst:?}");
    assert!(worst < read_timeout / 4, "{worst:?}");

    slow.set_read_timeout(Some(read_timeout * 3)).unwrap();
    let (status, body) = raw(&mut slow);
    let waited = held_at.elapsed();
    eprintln!("the held login was answered {status} after {waited:?}");
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (408, Some("timeout"))
    );
    assert!(
        waited >= read_timeout && waited < read_timeout * 2,
        "{waited:?}"
    );
}

#[test]
fn a_body_of_millions_of_empty_objects_is_refused_without_parsing_it() {
    let _serial = serial();
    let server = portal(None, PortalConfig::new(OP).unwrap())
        .serve("127.0.0.1:0")
        .unwrap();
    // 18 MiB of `{},`: within the 20 MiB body limit; 6 million values when parsed
    // (437 MB when this was parsed into a JSON tree).
    let mut body = b"[".to_vec();
    while body.len() < 18 * 1024 * 1024 {
        body.extend_from_slice(b"{},");
    }
    body.extend_from_slice(b"{}]");
    reset_peak_rss();
    let before = peak_rss();
    let started = Instant::now();
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .write_all(
            format!(
                "POST /v1/login HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .unwrap();
    stream.write_all(&body).unwrap();
    let (status, answer) = raw(&mut stream);
    let took = started.elapsed();
    let grew = peak_rss().saturating_sub(before);
    eprintln!(
        "{} MiB of empty objects: {status} in {took:?}, peak memory +{} MiB",
        body.len() >> 20,
        grew >> 20
    );
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
    assert!(
        answer["error"]["message_en"]
            .as_str()
            .unwrap()
            .contains("JSON values"),
        "{answer}"
    );
    // The body itself, buffered once; nothing in proportion to its values.
    assert!(grew < 40 * 1024 * 1024, "{grew}");
    assert!(took < Duration::from_secs(2), "{took:?}");
}

fn challenge(client: &mut HttpTransport) -> (u16, serde_json::Value) {
    client
        .exchange(Method::Post, "/v1/login/challenge", None, None)
        .unwrap()
}

fn stored_challenges(db: &std::path::Path) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM challenges", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn expired_login_challenges_are_purged_and_pending_ones_bounded() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("portal.sqlite");
    let mut config = PortalConfig::new(OP).unwrap();
    config.max_pending_challenges = 5;
    let portal = portal(Some(&db), config);
    let server = portal.serve("127.0.0.1:0").unwrap();
    let mut client = HttpTransport::new(&server.base_url());

    for _ in 0..5 {
        assert_eq!(challenge(&mut client).0, 200);
    }
    assert_eq!(stored_challenges(&db), 5);
    // A flood of unanswered challenges is bounded.
    let (status, answer) = challenge(&mut client);
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (503, Some("busy"))
    );
    assert_eq!(stored_challenges(&db), 5);

    // Past their 5 minutes they are gone at the next request, which is served.
    portal
        .clock()
        .advance(portal.config().challenge_ttl + jiff::SignedDuration::from_secs(1));
    assert_eq!(challenge(&mut client).0, 200);
    assert_eq!(stored_challenges(&db), 1);
}
