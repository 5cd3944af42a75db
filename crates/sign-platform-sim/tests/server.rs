//! The shared HTTP server under hostile clients: slow bodies, thousands of half-open
//! connections, oversized bodies. Loopback only; every loop is bounded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use sign_platform_sim::{HttpRequest, HttpResponse, ServerConfig, ServerHandle, Service};

/// The tests of this file measure time and memory: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Answers the body's length.
struct Echo;

impl Service for Echo {
    fn handle(&self, request: HttpRequest) -> HttpResponse {
        HttpResponse::new(200, "text/plain", request.body().len().to_string())
    }
}

fn start(config: ServerConfig) -> ServerHandle {
    let mut server = ServerHandle::bind("127.0.0.1:0").unwrap();
    server.start("test-server", config, Echo).unwrap();
    server
}

/// One request on a fresh connection; the status and how long it took.
fn get(addr: SocketAddr) -> (u16, Duration) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
        .write_all(
            b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
        )
        .unwrap();
    (status_of(&mut stream), started.elapsed())
}

/// Reads an answer to the end; its status (0 when there was none).
fn status_of(stream: &mut TcpStream) -> u16 {
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer)
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The peak resident memory of this process since the last reset, in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

/// Starts a new peak at the current resident memory.
fn reset_peak_rss() {
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
}

#[test]
fn slow_clients_holding_half_sent_bodies_delay_no_other_client() {
    let _serial = serial();
    let read_timeout = Duration::from_secs(2);
    let server = start(ServerConfig::default().with_read_timeout(read_timeout));
    assert_eq!(get(server.addr).0, 200);

    // 20 clients announce 5000 bytes, send 10 and stop.
    let held_at = Instant::now();
    let mut slow: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr).unwrap();
            s.write_all(
                b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n0123456789",
            )
            .unwrap();
            s
        })
        .collect();

    // Meanwhile other clients are answered at once.
    let mut latencies: Vec<Duration> = (0..30)
        .map(|_| {
            let (status, took) = get(server.addr);
            assert_eq!(status, 200);
            took
        })
        .collect();
    latencies.sort();
    let worst = *latencies.last().unwrap();
    eprintln!(
        "while 20 bodies were held: median {:?}, worst {worst:?} (read timeout {read_timeout:?})",
        latencies[latencies.len() / 2]
    );
    assert!(
        held_at.elapsed() < read_timeout,
        "the fast requests took too long"
    );
    assert!(worst < read_timeout / 4, "worst latency {worst:?}");

    // The slow ones are told 408 once the read timeout passed, and closed.
    for s in &mut slow {
        s.set_read_timeout(Some(read_timeout * 3)).unwrap();
        assert_eq!(status_of(s), 408);
    }
    let waited = held_at.elapsed();
    eprintln!("the held bodies were answered 408 after {waited:?}");
    assert!(waited >= read_timeout, "{waited:?}");
    assert!(waited < read_timeout + Duration::from_secs(2), "{waited:?}");
    assert_eq!(server.stats().timed_out, 20);
}

/// Makes sure this process may open `needed` descriptors: raises its own soft limit
/// (never above the hard one) only when it is lower. Returns whether it did.
fn allow_descriptors(needed: u64) -> bool {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current.is_some_and(|soft| soft >= needed) || limit.current.is_none() {
        return false;
    }
    let raised = limit.maximum.map_or(needed, |hard| hard.min(needed));
    setrlimit(
        Resource::Nofile,
        rustix::process::Rlimit {
            current: Some(raised),
            maximum: limit.maximum,
        },
    )
    .unwrap();
    assert!(
        raised >= needed,
        "the hard descriptor limit is below {needed}"
    );
    true
}

#[test]
fn three_thousand_half_open_connections_and_their_release_leave_the_server_serving() {
    let _serial = serial();
    const HALF_OPEN: usize = 3000;
    // The clients' 3000 descriptors and the server's 512 live in this one process.
    if allow_descriptors(8192) {
        eprintln!("raised this test process's soft descriptor limit to 8192");
    }
    let config = ServerConfig::default();
    let max_connections = config.max_connections;
    let server = start(config);

    let opened = Instant::now();
    let half_open: Vec<TcpStream> = (0..HALF_OPEN)
        .map(|i| {
            let mut s = TcpStream::connect(server.addr).unwrap();
            // Half of them start a request head and stop; half send nothing.
            if i % 2 == 0 {
                s.write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\n").unwrap();
            }
            s
        })
        .collect();
    eprintln!("{HALF_OPEN} connections opened in {:?}", opened.elapsed());

    // Every slot is held: a new client is told 503 at once, never left waiting.
    let (status, took) = get(server.addr);
    eprintln!("a request while they are open: {status} in {took:?}");
    assert!(status == 503 || status == 200, "{status}");
    assert!(took < Duration::from_secs(1), "{took:?}");
    let stats = server.stats();
    eprintln!("{stats:?}");
    assert!(stats.accepted > HALF_OPEN as u64, "{stats:?}");
    assert!(stats.open <= max_connections as u64, "{stats:?}");
    // Those beyond the slots were refused (unless a slot freed up meanwhile: a head not
    // completed within the read timeout closes its connection).
    assert!(stats.refused_busy > 0, "{stats:?}");

    // The server notices every close; then it serves as before.
    let released = Instant::now();
    drop(half_open);
    while server.stats().open > 0 {
        assert!(
            released.elapsed() < Duration::from_secs(10),
            "{:?}",
            server.stats()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!("all released after {:?}", released.elapsed());
    for _ in 0..10 {
        let (status, took) = get(server.addr);
        assert_eq!(status, 200);
        assert!(took < Duration::from_secs(1), "{took:?}");
    }
    assert_eq!(server.stats().accept_errors, 0);
}

#[test]
fn a_body_announced_over_the_limit_is_refused_before_it_is_read() {
    let _serial = serial();
    const LIMIT: usize = 1024 * 1024;
    const ANNOUNCED: u64 = 200 * 1024 * 1024;
    let server = start(ServerConfig::default().with_max_body_bytes(LIMIT));
    reset_peak_rss();
    let before = peak_rss();

    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .write_all(
            format!("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {ANNOUNCED}\r\n\r\n")
                .as_bytes(),
        )
        .unwrap();
    // The 413 comes before a single byte of the body was sent.
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 413");

    // Sending the body anyway: the server throws away at most the limit once more,
    // then closes; the 200 MiB never get through.
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let chunk = vec![b'{'; 64 * 1024];
    let mut sent = 0u64;
    while sent < ANNOUNCED {
        match stream.write(&chunk) {
            Ok(n) => sent += n as u64,
            Err(_) => break,
        }
    }
    eprintln!("the client got {sent} bytes of {ANNOUNCED} out before the server closed");
    assert!(sent < 32 * 1024 * 1024, "{sent}");

    let grew = peak_rss().saturating_sub(before);
    eprintln!("peak memory grew by {grew} bytes");
    assert!(grew < 16 * 1024 * 1024, "{grew}");
    assert_eq!(server.stats().too_large, 1);
    assert_eq!(server.stats().handled, 0);
}

#[test]
fn a_chunked_body_is_refused_as_soon_as_it_passes_the_limit() {
    let _serial = serial();
    const LIMIT: usize = 1024 * 1024;
    let server = start(ServerConfig::default().with_max_body_bytes(LIMIT));
    reset_peak_rss();
    let before = peak_rss();

    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
    chunk.extend(std::iter::repeat_n(b'[', 64 * 1024));
    chunk.extend_from_slice(b"\r\n");
    let mut sent = 0usize;
    // 100 MiB offered; the server stops reading past 1 MiB (plus as much again thrown
    // away).
    while sent < 100 * 1024 * 1024 {
        match stream.write(&chunk) {
            Ok(n) => sent += n,
            Err(_) => break,
        }
    }
    eprintln!("the client got {sent} bytes out before the server closed");
    assert!(sent < 32 * 1024 * 1024, "{sent}");
    let grew = peak_rss().saturating_sub(before);
    eprintln!("peak memory grew by {grew} bytes");
    assert!(grew < 16 * 1024 * 1024, "{grew}");
    assert_eq!(server.stats().too_large, 1);
    assert_eq!(server.stats().handled, 0);
}

#[test]
fn a_body_within_the_limit_sent_whole_before_reading_gets_its_answer() {
    let _serial = serial();
    let server = start(ServerConfig::default().with_max_body_bytes(1024 * 1024));
    for (len, status) in [(1024 * 1024, 200), (1024 * 1024 + 1, 413)] {
        let mut stream = TcpStream::connect(server.addr).unwrap();
        stream
            .write_all(
                format!("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .unwrap();
        // A naive client: the whole body first, the answer after.
        stream.write_all(&vec![b'x'; len]).unwrap();
        assert_eq!(status_of(&mut stream), status, "{len}");
    }
}

#[test]
fn a_stopped_server_closes_its_port() {
    let _serial = serial();
    let server = start(ServerConfig::default());
    let addr = server.addr;
    assert_eq!(get(addr).0, 200);
    server.stop();
    assert!(TcpStream::connect(addr).is_err());
}
