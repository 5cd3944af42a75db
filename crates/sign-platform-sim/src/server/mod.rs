//! The loopback HTTP/1.1 server every simulator runs on (the platform, the CRL
//! endpoint, portal-sim): hyper on a tokio runtime of its own, with timeouts, bounded
//! concurrency and body limits enforced while reading.
//!
//! Why not a thread reading requests one by one: one client that stops half-way through
//! its body held that thread, and every other client waited; an accept error ended the
//! listener for good. Here each connection is a task on one I/O thread; only complete
//! requests reach the [`Service`], on a bounded pool of handler threads.

mod body;
mod config;
mod exchange;
mod write_timeout;

use std::{
    convert::Infallible,
    io,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    thread::JoinHandle,
    time::Duration,
};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{
    StatusCode,
    body::Incoming,
    header::{CONNECTION, CONTENT_TYPE, HeaderValue},
};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::{
    io::AsyncWriteExt as _,
    net::{TcpListener, TcpStream},
    sync::{OwnedSemaphorePermit, Semaphore},
};

pub use self::{
    body::{JsonBodyError, MAX_JSON_VALUES, json_object},
    config::ServerConfig,
    exchange::{HttpRequest, HttpResponse, Refusal, Service},
};
use self::{
    body::{discard, read_body},
    write_timeout::WriteTimeout,
};

/// Counters of a running server, for tests and logs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerStats {
    /// Connections accepted.
    pub accepted: u64,
    /// Connections open now (served, not counting those refused as busy).
    pub open: u64,
    /// Connections answered 503 at once because `max_connections` were open.
    pub refused_busy: u64,
    /// Failed `accept` calls (descriptors exhausted, …), each retried after a pause.
    pub accept_errors: u64,
    /// Requests answered by the service.
    pub handled: u64,
    /// Requests refused 413.
    pub too_large: u64,
    /// Requests refused 408.
    pub timed_out: u64,
}

#[derive(Default)]
struct Counters {
    accepted: AtomicU64,
    open: AtomicU64,
    refused_busy: AtomicU64,
    accept_errors: AtomicU64,
    handled: AtomicU64,
    too_large: AtomicU64,
    timed_out: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> ServerStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ServerStats {
            accepted: get(&self.accepted),
            open: get(&self.open),
            refused_busy: get(&self.refused_busy),
            accept_errors: get(&self.accept_errors),
            handled: get(&self.handled),
            too_large: get(&self.too_large),
            timed_out: get(&self.timed_out),
        }
    }
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// A bound listener, then a running server; stops when dropped or on
/// [`stop`](Self::stop).
///
/// ```
/// use sign_platform_sim::{HttpRequest, HttpResponse, ServerConfig, ServerHandle, Service};
///
/// struct Hello;
/// impl Service for Hello {
///     fn handle(&self, request: HttpRequest) -> HttpResponse {
///         HttpResponse::new(200, "text/plain", format!("hello {}", request.path()))
///     }
/// }
///
/// let mut server = ServerHandle::bind("127.0.0.1:0")?;
/// server.start("hello", ServerConfig::default(), Hello)?;
/// assert!(server.base_url().starts_with("http://127.0.0.1:"));
/// server.stop();
/// # Ok::<(), String>(())
/// ```
pub struct ServerHandle {
    /// The address the server listens on.
    pub addr: SocketAddr,
    listener: Option<std::net::TcpListener>,
    counters: Arc<Counters>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl core::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("addr", &self.addr)
            .field("running", &self.thread.is_some())
            .finish_non_exhaustive()
    }
}

/// Connections the kernel completes before the server accepts them (capped by
/// `net.core.somaxconn`).
const LISTEN_BACKLOG: i32 = 4096;
/// The first pause after a failed `accept`; doubled on each further failure.
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(5);
/// The longest pause between `accept` attempts.
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_millis(500);
/// Connections beyond `max_connections` that are told 503 at once (each for at most
/// `BUSY_LINGER`); past this many they are just closed.
const BUSY_ANSWERS: usize = 64;
/// How long a refused connection is kept to let the client read its 503.
const BUSY_LINGER: Duration = Duration::from_millis(500);

impl ServerHandle {
    /// Listens on `addr` (e.g. `"127.0.0.1:0"`); connections wait in the backlog until
    /// [`start`](Self::start). `Err` is the reason in words.
    pub fn bind(addr: &str) -> Result<Self, String> {
        let listener = std::net::TcpListener::bind(addr).map_err(|e| e.to_string())?;
        // std listens with a backlog of 128: a burst of connections beyond it has its
        // SYNs dropped and waits a second to retry, however fast the server accepts.
        rustix::net::listen(&listener, LISTEN_BACKLOG).map_err(|e| e.to_string())?;
        let bound = listener.local_addr().map_err(|e| e.to_string())?;
        Ok(Self {
            addr: bound,
            listener: Some(listener),
            counters: Arc::new(Counters::default()),
            stop: None,
            thread: None,
        })
    }

    /// `http://<addr>`: the base URL clients use.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves `service` within `config`'s limits, from a thread named `name` (plus
    /// `config.handler_threads` handler threads). Fails when already started or when
    /// no thread or runtime can be made.
    pub fn start(
        &mut self,
        name: &str,
        config: ServerConfig,
        service: impl Service,
    ) -> Result<(), String> {
        let listener = self
            .listener
            .take()
            .ok_or_else(|| "the server was started already".to_owned())?;
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .max_blocking_threads(config.handler_threads.max(1))
            .thread_name(format!("{name}-handler"))
            .build()
            .map_err(|e| e.to_string())?;
        let body_memory = config
            .max_body_memory
            .max(config.max_body_bytes)
            .min(Semaphore::MAX_PERMITS);
        let shared = Arc::new(Shared {
            busy_answer: busy_answer(&service.refusal(&Refusal::Busy)),
            connections: Arc::new(Semaphore::new(config.max_connections.max(1))),
            busy_answers: Arc::new(Semaphore::new(BUSY_ANSWERS)),
            body_memory: Arc::new(Semaphore::new(body_memory)),
            counters: Arc::clone(&self.counters),
            service: Arc::new(service),
            config,
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = TcpListener::from_std(listener) else {
                        return;
                    };
                    tokio::select! {
                        () = accept_loop(listener, shared) => {}
                        _ = stopped => {}
                    }
                });
                // Connections still open are dropped; a handler still running finishes
                // on its own.
                runtime.shutdown_timeout(Duration::from_millis(200));
            })
            .map_err(|e| e.to_string())?;
        self.stop = Some(stop);
        self.thread = Some(thread);
        Ok(())
    }

    /// The server's counters now.
    pub fn stats(&self) -> ServerStats {
        self.counters.snapshot()
    }

    /// Stops the server (the port is closed when this returns) and waits for its thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            // The thread may have ended already; nothing to tell it then.
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            // A panicked server thread has nothing left to clean up.
            let _ = t.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

struct Shared {
    config: ServerConfig,
    service: Arc<dyn Service>,
    counters: Arc<Counters>,
    connections: Arc<Semaphore>,
    busy_answers: Arc<Semaphore>,
    /// One permit per byte of request body held.
    body_memory: Arc<Semaphore>,
    /// The whole 503 response sent to connections beyond the limit.
    busy_answer: Vec<u8>,
}

fn busy_answer(response: &HttpResponse) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        response.status,
        StatusCode::from_u16(response.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Service Unavailable"),
        response.content_type,
        response.body.len()
    )
    .into_bytes();
    out.extend_from_slice(&response.body);
    out
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut backoff = ACCEPT_BACKOFF_MIN;
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                backoff = ACCEPT_BACKOFF_MIN;
                bump(&shared.counters.accepted);
                // Small JSON answers: send them at once.
                let _ = stream.set_nodelay(true);
                match Arc::clone(&shared.connections).try_acquire_owned() {
                    Ok(permit) => {
                        tokio::spawn(serve_connection(stream, Arc::clone(&shared), permit));
                    }
                    Err(_) => {
                        bump(&shared.counters.refused_busy);
                        if let Ok(permit) = Arc::clone(&shared.busy_answers).try_acquire_owned() {
                            tokio::spawn(answer_busy(stream, Arc::clone(&shared), permit));
                        } else {
                            answer_busy_now(stream, &shared.busy_answer);
                        }
                    }
                }
            }
            Err(_) => {
                // Out of descriptors (EMFILE/ENFILE), memory, or a connection reset
                // before it was accepted: pause, then try again. The listener stays.
                bump(&shared.counters.accept_errors);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
            }
        }
    }
}

async fn answer_busy(mut stream: TcpStream, shared: Arc<Shared>, _permit: OwnedSemaphorePermit) {
    let _ = tokio::time::timeout(BUSY_LINGER, async {
        stream.write_all(&shared.busy_answer).await?;
        stream.shutdown().await?;
        // Read what the client sent until it closes, so that closing does not reset
        // the connection before the client read the 503.
        let mut sink = [0u8; 4096];
        loop {
            if tokio::io::AsyncReadExt::read(&mut stream, &mut sink).await? == 0 {
                return Ok::<(), io::Error>(());
            }
        }
    })
    .await;
}

/// The 503 without waiting for anything: written into the fresh socket's empty send
/// buffer, then what the client already sent is read (closing with unread data would
/// reset the connection and lose the answer) and the socket closed.
fn answer_busy_now(stream: TcpStream, answer: &[u8]) {
    let Ok(mut stream) = stream.into_std() else {
        return;
    };
    let _ = io::Write::write(&mut stream, answer);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut sink = [0u8; 4096];
    // Non-blocking: stops at WouldBlock, at the end, or after 64 KiB.
    for _ in 0..16 {
        match io::Read::read(&mut stream, &mut sink) {
            Ok(n) if n > 0 => {}
            _ => break,
        }
    }
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>, _permit: OwnedSemaphorePermit) {
    shared.counters.open.fetch_add(1, Ordering::Relaxed);
    let io = TokioIo::new(WriteTimeout::new(stream, shared.config.write_timeout));
    let per_request = Arc::clone(&shared);
    let service = hyper::service::service_fn(move |request| {
        let shared = Arc::clone(&per_request);
        async move { Ok::<_, Infallible>(respond(request, &shared).await) }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(shared.config.read_timeout)
        .max_buf_size(shared.config.max_head_bytes.max(8192))
        .keep_alive(true);
    // Errors are the client's doing (gone, too slow, malformed): the connection ends.
    let _ = builder.serve_connection(io, service).await;
    shared.counters.open.fetch_sub(1, Ordering::Relaxed);
}

type Response = hyper::Response<Full<Bytes>>;

fn to_hyper(answer: HttpResponse, close: bool) -> Response {
    let mut response = hyper::Response::new(Full::new(answer.body));
    *response.status_mut() =
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = HeaderValue::from_str(&answer.content_type) {
        response.headers_mut().insert(CONTENT_TYPE, v);
    }
    if close {
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

async fn respond(request: hyper::Request<Incoming>, shared: &Shared) -> Response {
    let (parts, mut body) = request.into_parts();
    let (bytes, _memory) = match read_body(&parts.headers, &mut body, shared).await {
        Ok(read) => read,
        Err(refusal) => {
            match refusal {
                Refusal::TooLarge { .. } => {
                    bump(&shared.counters.too_large);
                    // Answered at once; what the client still sends is read and thrown
                    // away (up to the limit once more), so that a client that sends its
                    // whole body before reading gets to read the 413.
                    tokio::spawn(discard(
                        body,
                        shared.config.max_body_bytes,
                        shared.config.read_timeout,
                    ));
                }
                Refusal::TimedOut => bump(&shared.counters.timed_out),
                _ => {}
            }
            // The connection cannot carry another request after a refused body.
            return to_hyper(shared.service.refusal(&refusal), true);
        }
    };
    let request = HttpRequest {
        method: parts.method.as_str().to_owned(),
        url: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned()),
        headers: parts
            .headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
        body: bytes,
    };
    let service = Arc::clone(&shared.service);
    match tokio::task::spawn_blocking(move || service.handle(request)).await {
        Ok(answer) => {
            bump(&shared.counters.handled);
            to_hyper(answer, false)
        }
        Err(_) => to_hyper(shared.service.refusal(&Refusal::Internal), true),
    }
}
