//! `online::HttpCrlSource` against a local HTTP server serving the test PKI's CRLs: what
//! path validation concludes from what the source fetched, limits, offline, the cache.

// The test server's helpers outside #[test] fns are test code too.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use hpki_cert::online::HttpCrlSource;
use hpki_cert::testpki::{self, Revocation, TestCert, TestPki};
use hpki_cert::{
    CrlFetchError, CrlReason, CrlSource, Indication, PathOptions, PathReport, Purpose,
    SubIndication, validate_path,
};

/// How a path of the test server answers.
#[derive(Clone)]
enum Reply {
    /// 200 with the body and its Content-Length.
    Body(Vec<u8>),
    /// 200 with the body, no Content-Length (the end is the connection's close).
    Unannounced(Vec<u8>),
    /// A status without body.
    Status(u16),
    /// Headers announcing `announced` bytes, then `sent`, then nothing for `stall`.
    Stall {
        sent: Vec<u8>,
        announced: usize,
        stall: Duration,
    },
}

/// A small HTTP/1.1 server on 127.0.0.1:0 that counts requests per path. It stops when
/// dropped, and by itself after a minute whatever happens.
struct Server {
    addr: SocketAddr,
    routes: Arc<Mutex<HashMap<String, Reply>>>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let routes: Arc<Mutex<HashMap<String, Reply>>> = Arc::default();
        let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (r, h, s) = (routes.clone(), hits.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !s.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (r, h, s) = (r.clone(), h.clone(), s.clone());
                        std::thread::spawn(move || answer(stream, &r, &h, &s));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Self {
            addr,
            routes,
            hits,
            stop,
            thread: Some(thread),
        }
    }

    fn base_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    fn route(&self, path: &str, reply: Reply) {
        self.routes.lock().unwrap().insert(path.to_owned(), reply);
    }

    /// Serves `crls` (path, DER) as they are.
    fn serve(&self, crls: Vec<(String, Vec<u8>)>) {
        for (path, der) in crls {
            self.route(&path, Reply::Body(der));
        }
    }

    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    fn total_hits(&self) -> usize {
        self.hits.lock().unwrap().values().sum()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn answer(
    mut stream: TcpStream,
    routes: &Mutex<HashMap<String, Reply>>,
    hits: &Mutex<HashMap<String, usize>>,
    stop: &AtomicBool,
) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split(' ').nth(1).unwrap_or("").to_owned();
    *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let reply = routes
        .lock()
        .unwrap()
        .get(&path)
        .cloned()
        .unwrap_or(Reply::Status(404));
    let close = "Connection: close\r\n";
    let crl = "Content-Type: application/pkix-crl\r\n";
    let _ = match reply {
        Reply::Body(body) => stream
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\n{crl}Content-Length: {}\r\n{close}\r\n",
                    body.len()
                )
                .as_bytes(),
            )
            .and_then(|()| stream.write_all(&body)),
        Reply::Unannounced(body) => stream
            .write_all(format!("HTTP/1.1 200 OK\r\n{crl}{close}\r\n").as_bytes())
            .and_then(|()| stream.write_all(&body)),
        Reply::Status(status) => stream.write_all(
            format!("HTTP/1.1 {status} Oops\r\nContent-Length: 0\r\n{close}\r\n").as_bytes(),
        ),
        Reply::Stall {
            sent,
            announced,
            stall,
        } => {
            let written = stream
                .write_all(
                    format!("HTTP/1.1 200 OK\r\n{crl}Content-Length: {announced}\r\n{close}\r\n")
                        .as_bytes(),
                )
                .and_then(|()| stream.write_all(&sent))
                .and_then(|()| stream.flush());
            let until = Instant::now() + stall;
            while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(20));
            }
            written
        }
    };
}

/// A clock the test moves.
#[derive(Clone)]
struct TestClock(Arc<Mutex<jiff::Timestamp>>);

impl TestClock {
    fn at(t: jiff::Timestamp) -> Self {
        Self(Arc::new(Mutex::new(t)))
    }
    fn now(&self) -> jiff::Timestamp {
        *self.0.lock().unwrap()
    }
    fn set(&self, t: jiff::Timestamp) {
        *self.0.lock().unwrap() = t;
    }
}

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn hours(t: jiff::Timestamp, h: i64) -> jiff::Timestamp {
    t.checked_add(jiff::SignedDuration::from_hours(h)).unwrap()
}

/// The test time: every test certificate is valid.
fn t0() -> jiff::Timestamp {
    testpki::valid_time()
}

/// A source fetching the test PKI's URLs from `server`, on `clock`.
fn source_for(server: &Server, clock: &TestClock) -> hpki_cert::online::HttpCrlSourceBuilder {
    let clock = clock.clone();
    HttpCrlSource::builder()
        .mirror(testpki::TEST_CRL_BASE_URL, server.base_url())
        .timeout(Duration::from_secs(2))
        .clock(move || clock.now())
}

fn validate(
    cert: &TestCert,
    pki: &TestPki,
    at: jiff::Timestamp,
    source: &Arc<HttpCrlSource>,
) -> PathReport {
    let options = PathOptions::hpki_signature(at).with_crl_source(source.clone());
    validate_path(cert.cert_der(), &[], &pki.trust_store(), &options)
}

fn revocation_details(report: &PathReport) -> Vec<String> {
    report
        .check("revocation")
        .map(|c| format!("{} {}: {}", c.verdict, c.subject, c.detail))
        .collect()
}

#[test]
fn a_revoked_signer_is_invalid_with_the_revocation_date() {
    let pki = TestPki::shared().unwrap();
    let server = Server::start();
    let revoked = Revocation {
        serial: 0x1001,
        date: ts("2024-06-01T00:00:00Z"),
        reason: Some(CrlReason::KeyCompromise),
    };
    server.serve(pki.crls_at(t0(), &[(pki.hpki_sign_ca(), revoked)]).unwrap());
    let clock = TestClock::at(t0());
    let source = Arc::new(source_for(&server, &clock).build().unwrap());

    let report = validate(pki.physician(), pki, t0(), &source);
    assert_eq!(report.verdict, Indication::Invalid, "{report:#?}");
    assert_eq!(report.sub_indication, Some(SubIndication::Revoked));
    let failure = report.first_failure().unwrap();
    assert_eq!(failure.name, "revocation");
    assert!(
        failure.detail.contains("2024-06-01") && failure.detail.contains("KeyCompromise"),
        "{}",
        failure.detail
    );
    assert_eq!(server.hits("/hpki/sign.crl"), 1);

    // The dentist, on the same CRL but not listed, is not revoked.
    let report = validate(pki.dentist(), pki, t0(), &source);
    assert_eq!(
        report.verdict,
        Indication::Valid,
        "{:#?}",
        revocation_details(&report)
    );
    assert_eq!(server.hits("/hpki/sign.crl"), 1, "served from the cache");
}

#[test]
fn every_path_of_the_test_pki_gets_its_status_online() {
    let pki = TestPki::shared().unwrap();
    let server = Server::start();
    server.serve(pki.crls_at(t0(), &[]).unwrap());
    let clock = TestClock::at(t0());
    let source = Arc::new(source_for(&server, &clock).build().unwrap());
    let leaves = [
        (pki.physician(), Purpose::NonRepudiation),
        (pki.dentist(), Purpose::NonRepudiation),
        (pki.pharmacist(), Purpose::NonRepudiation),
        (
            pki.authentication(&hpki_cert::Qualification::MedicalDoctor)
                .unwrap(),
            Purpose::Authentication,
        ),
        (pki.jpki_signature(), Purpose::AnySignature),
        (pki.jpki_user_auth(), Purpose::Authentication),
        (pki.tsa(), Purpose::TimeStamping),
    ];
    for (leaf, purpose) in leaves {
        let options = PathOptions::at(t0())
            .with_purpose(purpose)
            .with_crl_source(source.clone());
        let report = validate_path(
            leaf.cert_der(),
            &leaf.chain_der(),
            &pki.trust_store(),
            &options,
        );
        assert_eq!(report.verdict, Indication::Valid, "{leaf:?}: {report:#?}");
        assert!(report.waivers.is_empty());
        for check in report.check("revocation") {
            assert!(
                check.detail.starts_with("not revoked"),
                "{leaf:?}: {}",
                check.detail
            );
        }
    }
    // Every CA's CRL was fetched, once.
    for (url, _) in pki.crl_issuers() {
        assert_eq!(server.hits(testpki::crl_url_path(url)), 1, "{url}");
    }
}

#[test]
fn an_unreachable_crl_is_indeterminate_try_later_with_the_error_named() {
    let pki = TestPki::shared().unwrap();
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let source = Arc::new(
        HttpCrlSource::builder()
            .mirror(
                testpki::TEST_CRL_BASE_URL,
                format!("http://127.0.0.1:{port}/"),
            )
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap(),
    );
    let report = validate(pki.physician(), pki, t0(), &source);
    assert_eq!(report.verdict, Indication::Indeterminate, "{report:#?}");
    assert_eq!(report.sub_indication, Some(SubIndication::TryLater));
    let failure = report.first_failure().unwrap();
    assert_eq!(failure.name, "revocation");
    let expected = format!(
        "fetching http://crl.medsign.invalid/hpki/sign.crl (via http://127.0.0.1:{port}/hpki/sign.crl)"
    );
    assert!(failure.detail.contains(&expected), "{}", failure.detail);
}

#[test]
fn a_stale_crl_is_indeterminate_and_named_stale() {
    let pki = TestPki::shared().unwrap();
    let server = Server::start();
    // Published three days before the validation time: nextUpdate two days before it.
    let published = hours(t0(), -72);
    server.serve(pki.crls_at(published, &[]).unwrap());
    let clock = TestClock::at(t0());
    let source = Arc::new(source_for(&server, &clock).build().unwrap());
    let report = validate(pki.physician(), pki, t0(), &source);
    assert_eq!(report.verdict, Indication::Indeterminate, "{report:#?}");
    assert_eq!(report.sub_indication, Some(SubIndication::TryLater));
    let failure = report.first_failure().unwrap();
    assert!(failure.detail.contains("stale"), "{}", failure.detail);
}

#[test]
fn a_cached_crl_past_its_next_update_comes_back_stale_with_the_fetch_error() {
    let pki = TestPki::shared().unwrap();
    let server = Server::start();
    server.serve(pki.crls_at(t0(), &[]).unwrap());
    let clock = TestClock::at(t0());
    let source = Arc::new(source_for(&server, &clock).build().unwrap());
    assert!(validate(pki.physician(), pki, t0(), &source).is_valid());

    // Two days later the CA's server is gone: the cached CRL is all there is.
    let later = hours(t0(), 48);
    clock.set(later);
    server.route("/hpki/sign.crl", Reply::Status(503));
    let answer = source.crls_for(&pki.physician().certificate().unwrap());
    assert_eq!(answer.crls.len(), 1, "the stale CRL");
    assert!(
        matches!(
            answer.errors.as_slice(),
            [CrlFetchError::HttpStatus { status: 503, .. }]
        ),
        "{:?}",
        answer.errors
    );
    let report = validate(pki.physician(), pki, later, &source);
    assert_eq!(report.verdict, Indication::Indeterminate, "{report:#?}");
    let failure = report.first_failure().unwrap();
    assert!(
        failure.detail.contains("stale") && failure.detail.contains("HTTP status 503"),
        "{}",
        failure.detail
    );
}

#[test]
fn a_crl_over_the_size_limit_is_too_large_announced_or_not() {
    let pki = TestPki::shared().unwrap();
    let server = Server::start();
    let crls = pki.crls_at(t0(), &[]).unwrap();
    let sign = crls
        .iter()
        .find(|(p, _)| p == "/hpki/sign.crl")
        .unwrap()
        .1
        .clone();
    assert!(sign.len() > 300);
    let clock = TestClock::at(t0());
    let cert = pki.physician().certificate().unwrap();
    for reply in [Reply::Body(sign.clone()), Reply::Unannounced(sign.clone())] {
        server.route("/hpki/sign.crl", reply);
        let source = source_for(&server, &clock).max_size(300).build().unwrap();
        let answer = source.crls_for(&cert);
        assert!(answer.crls.is_empty());
        assert!(
            matches!(
                answer.errors.as_slice(),
                [CrlFetchError::TooLarge { limit: 300, .. }]
            ),
            "{:?}",
            answer.errors
        );
    }
    // Through path validation, the limit is named.
    let source = Arc::new(source_for(&server, &clock).max_size(300).build().unwrap());
    let report = validate(pki.physician(), pki, t0(), &source);
    assert_eq!(report.verdict, Indication::Indeterminate);
    let detail = &report.first_failure().unwrap().detail;
    assert!(detail.contains("larger than 300 bytes"), "{detail}");
    // Exactly at the limit is accepted.
    let source = source_for(&server, &clock)
        .max_size(sign.len() as u64)
        .build()
        .unwrap();
    assert_eq!(source.crls_for(&cert).crls.len(), 1);
}

#[test]
fn a_server_that_stalls_mid_body_hits_the_timeout() {
    let pki = TestPki::shared().unwrap();
    let server = Server::start();
    let crls = pki.crls_at(t0(), &[]).unwrap();
    let sign = &crls.iter().find(|(p, _)| p == "/hpki/sign.crl").unwrap().1;
    server.route(
        "/hpki/sign.crl",
        Reply::Stall {
            sent: sign[..sign.len() / 2].to_vec(),
            announced: sign.len(),
            stall: Duration::from_secs(6),
        },
    );
    let clock = TestClock::at(t0());
    let source = source_for(&server, &clock)
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let started = Instant::now();
    let answer = source.crls_for(&pki.physician().certificate().unwrap());
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert!(answer.crls.is_empty());
    assert!(
        matches!(
            answer.errors.as_slice(),
            [CrlFetchError::Timeout { seconds: 1, .. }]
        ),
        "{:?}",
        answer.errors
    );
}

#[test]
fn offline_fetches_nothing_and_still_serves_cached_crls() {
    let pki = TestPki::shared().unwrap();
    let server = Server::start();
    server.serve(pki.crls_at(t0(), &[]).unwrap());
    let clock = TestClock::at(t0());
    let source = Arc::new(source_for(&server, &clock).build().unwrap());
    assert!(validate(pki.physician(), pki, t0(), &source).is_valid());
    let fetched = server.total_hits();
    assert_eq!(source.requests(), fetched as u64);

    source.set_offline(true);
    // Cached: still VALID, without a request.
    assert!(validate(pki.dentist(), pki, t0(), &source).is_valid());
    // Not cached: the JPKI CRLs are not fetched, and that is said.
    let report = validate_path(
        pki.jpki_signature().cert_der(),
        &[],
        &pki.trust_store(),
        &PathOptions::at(t0()).with_crl_source(source.clone()),
    );
    assert_eq!(report.verdict, Indication::Indeterminate);
    let detail = &report.first_failure().unwrap().detail;
    assert!(
        detail.contains("offline: http://crl.medsign.invalid/jpki/sign.crl not fetched"),
        "{detail}"
    );
    assert_eq!(server.total_hits(), fetched);
    // Built offline from the start: the same.
    let offline = source_for(&server, &clock).offline(true).build().unwrap();
    let answer = offline.crls_for(&pki.physician().certificate().unwrap());
    assert_eq!(
        answer.errors,
        [CrlFetchError::Offline {
            url: testpki::TEST_HPKI_SIGN_CRL_URL.into()
        }]
    );
    assert_eq!(server.total_hits(), fetched);
}

#[test]
fn the_cache_makes_no_request_before_next_update_and_refetches_after() {
    let pki = TestPki::shared().unwrap();
    let server = Server::start();
    server.serve(pki.crls_at(t0(), &[]).unwrap());
    let clock = TestClock::at(t0());
    let source = Arc::new(source_for(&server, &clock).build().unwrap());
    assert!(validate(pki.physician(), pki, t0(), &source).is_valid());
    assert_eq!(server.hits("/hpki/sign.crl"), 1);
    assert_eq!(server.hits("/hpki/arl.crl"), 1);

    // 23 hours later, before nextUpdate (published + 24 h): no request.
    let soon = hours(t0(), 23);
    clock.set(soon);
    for cert in [pki.physician(), pki.dentist(), pki.pharmacist()] {
        assert!(validate(cert, pki, soon, &source).is_valid());
    }
    assert_eq!(server.total_hits(), 2);

    // Past nextUpdate: both fetched again, and the CA now lists the pharmacist.
    let later = hours(t0(), 25);
    clock.set(later);
    let revoked = Revocation {
        serial: 0x1003,
        date: hours(t0(), 24),
        reason: None,
    };
    server.serve(
        pki.crls_at(later, &[(pki.hpki_sign_ca(), revoked)])
            .unwrap(),
    );
    let report = validate(pki.pharmacist(), pki, later, &source);
    assert_eq!(report.verdict, Indication::Invalid, "{report:#?}");
    assert_eq!(report.sub_indication, Some(SubIndication::Revoked));
    assert_eq!(server.hits("/hpki/sign.crl"), 2);
    assert_eq!(server.hits("/hpki/arl.crl"), 2);
}

#[test]
fn the_directory_cache_survives_a_new_source_and_ignores_a_corrupt_file() {
    let pki = TestPki::shared().unwrap();
    let server = Server::start();
    server.serve(pki.crls_at(t0(), &[]).unwrap());
    let clock = TestClock::at(t0());
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("crls");
    let first = Arc::new(
        source_for(&server, &clock)
            .cache_dir(&cache)
            .build()
            .unwrap(),
    );
    assert!(validate(pki.physician(), pki, t0(), &first).is_valid());
    assert_eq!(server.total_hits(), 2);
    let mut files: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files.len(),
        2,
        "{files:?}: one file per URL, no temporary left"
    );
    let sign_file = {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(testpki::TEST_HPKI_SIGN_CRL_URL.as_bytes());
        format!("{}.crl", hex::encode(digest))
    };
    assert!(files.contains(&sign_file), "{files:?}");

    // A new process (a new source) on the same directory: no request.
    let second = Arc::new(
        source_for(&server, &clock)
            .cache_dir(&cache)
            .build()
            .unwrap(),
    );
    assert!(validate(pki.physician(), pki, t0(), &second).is_valid());
    assert_eq!(server.total_hits(), 2);

    // A corrupt file is ignored and fetched again (and replaced).
    std::fs::write(cache.join(&sign_file), b"not a CRL").unwrap();
    let third = Arc::new(
        source_for(&server, &clock)
            .cache_dir(&cache)
            .build()
            .unwrap(),
    );
    assert!(validate(pki.physician(), pki, t0(), &third).is_valid());
    assert_eq!(server.hits("/hpki/sign.crl"), 2);
    assert_eq!(server.hits("/hpki/arl.crl"), 1);
    assert_ne!(std::fs::read(cache.join(&sign_file)).unwrap(), b"not a CRL");
}

#[test]
fn a_missing_crl_is_named_by_its_status() {
    let pki = TestPki::shared().unwrap();
    let server = Server::start();
    let clock = TestClock::at(t0());
    let source = source_for(&server, &clock).build().unwrap();
    let answer = source.crls_for(&pki.physician().certificate().unwrap());
    assert!(answer.crls.is_empty());
    assert_eq!(
        answer.errors,
        [CrlFetchError::HttpStatus {
            url: format!(
                "{} (via {}hpki/sign.crl)",
                testpki::TEST_HPKI_SIGN_CRL_URL,
                server.base_url()
            ),
            status: 404,
        }]
    );
}

#[test]
fn only_http_distribution_points_are_fetched() {
    let pki = TestPki::shared().unwrap();
    let server = Server::start();
    let clock = TestClock::at(t0());
    let source = source_for(&server, &clock).build().unwrap();
    // A root names no distribution point.
    let answer = source.crls_for(&pki.hpki_root().certificate().unwrap());
    assert_eq!(answer.errors, [CrlFetchError::NoDistributionPoint]);
    // An LDAP point is named, not fetched.
    let ldap = "ldap://ldap.medsign.invalid/cn=CRL";
    let mut spec = testpki::CertSpec {
        serial: 0x1999,
        subject: testpki::name(&[(testpki::oid::C, "JP"), (testpki::oid::CN, "LDAP only")])
            .unwrap(),
        key: "physician-sign",
        not_before: testpki::not_before(),
        not_after: testpki::not_after(),
        extensions: vec![testpki::crl_distribution_point(ldap).unwrap()],
    };
    let cert = TestPki::issue(&spec, pki.hpki_sign_ca()).unwrap();
    let answer = source.crls_for(&cert.certificate().unwrap());
    assert_eq!(
        answer.errors,
        [CrlFetchError::UnsupportedUrl { url: ldap.into() }]
    );
    // A mirror to another scheme is refused too.
    let https = HttpCrlSource::builder()
        .mirror(
            testpki::TEST_CRL_BASE_URL,
            "https://mirror.medsign.invalid/",
        )
        .build()
        .unwrap();
    spec.extensions =
        vec![testpki::crl_distribution_point(testpki::TEST_HPKI_SIGN_CRL_URL).unwrap()];
    let cert = TestPki::issue(&spec, pki.hpki_sign_ca()).unwrap();
    let answer = https.crls_for(&cert.certificate().unwrap());
    assert!(
        matches!(answer.errors.as_slice(), [CrlFetchError::UnsupportedUrl { url }] if url.contains("https://mirror")),
        "{:?}",
        answer.errors
    );
    assert_eq!(server.total_hits(), 0);
    assert_eq!(https.requests(), 0);
}
