//! The loopback HTTP/JSON server (tiny_http): routes requests to the platform.

use std::{io::Read as _, net::SocketAddr, sync::Arc, thread::JoinHandle};

use serde_json::Value;
use tiny_http::{Header, Method, Request, Response, Server};

use crate::{ApiError, Error, Platform};

/// Request bodies larger than this are refused (a batch of 1000 SHA-512 hashes is
/// about 90 KiB).
const MAX_BODY: u64 = 4 * 1024 * 1024;

/// A running server; stops when dropped or on [`stop`](Self::stop).
pub struct ServerHandle {
    /// The address the server listens on.
    pub addr: SocketAddr,
    server: Arc<Server>,
    thread: Option<JoinHandle<()>>,
}

impl core::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl ServerHandle {
    /// `http://<addr>`: the base URL clients use, and the OIDC issuer.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server and waits for its thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    /// Listens on `addr` (e.g. `"127.0.0.1:0"`); requests wait until
    /// [`start`](Self::start). `Err` is the reason in words. (portal-sim serves its
    /// binding with the same handle.)
    pub fn bind(addr: &str) -> Result<Self, String> {
        let server = Server::http(addr).map_err(|e| e.to_string())?;
        let bound = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| "not an IP listener".to_owned())?;
        Ok(Self {
            addr: bound,
            server: Arc::new(server),
            thread: None,
        })
    }

    /// Serves every request with `handle` in a thread named `name`.
    pub fn start(
        &mut self,
        name: &str,
        handle: impl Fn(Request) + Send + 'static,
    ) -> Result<(), String> {
        let server = Arc::clone(&self.server);
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                for request in server.incoming_requests() {
                    handle(request);
                }
            })
            .map_err(|e| e.to_string())?;
        self.thread = Some(thread);
        Ok(())
    }

    fn shutdown(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            // A panicked handler thread has nothing left to clean up.
            let _ = t.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl Platform {
    /// Serves the platform's HTTP API on `addr` (e.g. `"127.0.0.1:0"`) in a background
    /// thread; returns the bound address in a handle that stops the server.
    pub fn serve(&self, addr: &str) -> Result<ServerHandle, Error> {
        let bind_err = |reason: String| Error::Bind {
            addr: addr.to_owned(),
            reason,
        };
        let mut handle = ServerHandle::bind(addr).map_err(bind_err)?;
        // The base URL is known before the first request is served.
        self.set_base_url(handle.base_url());
        let platform = self.clone();
        handle
            .start("sign-platform-sim", move |request| platform.handle(request))
            .map_err(bind_err)?;
        Ok(handle)
    }

    fn handle(&self, mut request: Request) {
        self.count_request();
        let (status, body) = self.route(&mut request);
        let mut response = Response::from_string(body.to_string()).with_status_code(status);
        if let Ok(h) = Header::from_bytes(&b"Content-Type"[..], &b"application/json"[..]) {
            response = response.with_header(h);
        }
        // The client may have gone away; nothing to do about it.
        let _ = request.respond(response);
    }

    fn route(&self, request: &mut Request) -> (u16, Value) {
        let path = request.url().to_owned();
        let method = match request.method() {
            Method::Get => "GET",
            Method::Post => "POST",
            _ => "OTHER",
        };
        let bearer = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("Authorization"))
            .and_then(|h| h.value.as_str().strip_prefix("Bearer "))
            .map(str::to_owned);
        match read_body(request) {
            Ok(body) => self.dispatch(method, &path, bearer.as_deref(), &body),
            Err(e) => (e.status, e.to_json()),
        }
    }

    /// Answers one API call without HTTP: `method` (`"GET"`/`"POST"`), `path` (a query
    /// is ignored), the bearer token and the raw JSON body. Returns the HTTP status and
    /// the JSON answer. The server calls this for every request; fuzzers and in-process
    /// transports may call it directly.
    pub fn dispatch(
        &self,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: &[u8],
    ) -> (u16, Value) {
        match self.dispatch_inner(method, path, bearer, body) {
            Ok(v) => (200, v),
            Err(e) => (e.status, e.to_json()),
        }
    }

    fn dispatch_inner(
        &self,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: &[u8],
    ) -> Result<Value, ApiError> {
        let path = path.split('?').next().unwrap_or_default();
        let body = parse_json(body)?;
        match (method, path) {
            ("GET", "/.well-known/openid-configuration") => Ok(self.discovery()),
            ("GET", "/oidc/jwks") => Ok(self.jwks()),
            ("POST", "/oidc/auth/challenge") => self.auth_challenge(&body),
            ("POST", "/oidc/auth/complete") => self.auth_complete(&body),
            ("POST", "/oidc/token") => self.token(&body),
            ("GET", "/platform/me") => self.me(&self.session(bearer)?),
            ("POST", "/platform/bindings/jpki/challenge") => {
                self.jpki_challenge(&self.session(bearer)?)
            }
            ("POST", "/platform/bindings/jpki") => self.bind_jpki(&self.session(bearer)?, &body),
            ("POST", "/platform/devices/qr") => self.device_qr(&self.session(bearer)?),
            ("POST", "/platform/devices/register") => self.register_device(&body),
            ("POST" | "GET", "/csc/v2/info") => Ok(self.csc_info()),
            ("POST", "/csc/v2/credentials/list") => self.credentials_list(&self.session(bearer)?),
            ("POST", "/csc/v2/credentials/info") => {
                self.credentials_info(&self.session(bearer)?, &body)
            }
            ("POST", "/csc/v2/credentials/authorize") => {
                self.authorize(&self.session(bearer)?, &body)
            }
            ("POST", "/csc/v2/signatures/signHash") => {
                self.sign_hash(&self.session(bearer)?, &body)
            }
            (m, p) => Err(ApiError::new(404, "not_found", format!("no route {m} {p}"))),
        }
    }
}

fn read_body(request: &mut Request) -> Result<Vec<u8>, ApiError> {
    let mut buf = Vec::new();
    request
        .as_reader()
        .take(MAX_BODY + 1)
        .read_to_end(&mut buf)
        .map_err(|e| ApiError::bad_request(format!("reading the body: {e}")))?;
    if buf.len() as u64 > MAX_BODY {
        return Err(ApiError::new(413, "invalid_request", "body too large"));
    }
    Ok(buf)
}

fn parse_json(buf: &[u8]) -> Result<Value, ApiError> {
    if buf.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    let v: Value = serde_json::from_slice(buf)
        .map_err(|e| ApiError::bad_request(format!("body is not JSON: {e}")))?;
    if v.is_object() {
        Ok(v)
    } else {
        Err(ApiError::bad_request("body is not a JSON object"))
    }
}
