//! Descriptor exhaustion: `accept` fails (EMFILE) while this process has no descriptor
//! left; the server pauses, retries, and serves again once descriptors are free. Its
//! own test binary, because it lowers the process's descriptor limit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
use sign_platform_sim::{HttpRequest, HttpResponse, ServerConfig, ServerHandle, Service};

struct Ok200;

impl Service for Ok200 {
    fn handle(&self, _: HttpRequest) -> HttpResponse {
        HttpResponse::new(200, "text/plain", "ok")
    }
}

fn get(addr: SocketAddr) -> u16 {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer)
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn open_descriptors() -> u64 {
    std::fs::read_dir("/proc/self/fd").unwrap().count() as u64
}

#[test]
fn exhausted_descriptors_pause_the_listener_and_never_end_it() {
    let mut server = ServerHandle::bind("127.0.0.1:0").unwrap();
    server
        .start("exhaustion", ServerConfig::default(), Ok200)
        .unwrap();
    assert_eq!(get(server.addr), 200);

    // Leave this process 200 descriptors more than it holds; the clients take them all.
    let saved = getrlimit(Resource::Nofile);
    let low = open_descriptors() + 200;
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(low),
            maximum: saved.maximum,
        },
    )
    .unwrap();
    let mut clients = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        match TcpStream::connect(server.addr) {
            Ok(s) => clients.push(s),
            // This process is out of descriptors: the server, in it, is too.
            Err(_) => {
                if server.stats().accept_errors > 0 {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
    let stats = server.stats();
    eprintln!("{} clients connected, then: {stats:?}", clients.len());
    assert!(stats.accept_errors > 0, "{stats:?}");

    // Descriptors come back: the same listener serves again.
    drop(clients);
    setrlimit(Resource::Nofile, saved).unwrap();
    let released = Instant::now();
    let mut status = 0;
    while released.elapsed() < Duration::from_secs(10) {
        status = get(server.addr);
        if status == 200 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!(
        "serving again after {:?}: {:?}",
        released.elapsed(),
        server.stats()
    );
    assert_eq!(status, 200);
}
