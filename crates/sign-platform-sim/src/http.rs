//! The platform's HTTP/JSON API: routes requests to the platform (served by [`crate::server`]).

use serde_json::Value;

use crate::{
    ApiError, Error, HttpRequest, HttpResponse, Platform, ServerConfig, ServerHandle,
    server::{MAX_JSON_VALUES, Refusal, Service, json_object},
};

/// Request bodies larger than this are refused (a batch of 1000 SHA-512 hashes is
/// about 90 KiB).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// The platform as the server's [`Service`].
struct PlatformService(Platform);

impl Service for PlatformService {
    fn handle(&self, request: HttpRequest) -> HttpResponse {
        self.0.count_request();
        let (status, body) = self.0.dispatch(
            request.method(),
            request.url(),
            request.bearer(),
            request.body(),
        );
        HttpResponse::json(status, &body)
    }

    fn refusal(&self, refusal: &Refusal) -> HttpResponse {
        let e = match refusal {
            Refusal::TooLarge { .. } => ApiError::new(413, "invalid_request", "body too large"),
            Refusal::Busy => ApiError::new(503, "temporarily_unavailable", refusal.to_string()),
            Refusal::Internal => ApiError::internal(refusal),
            _ => ApiError::new(refusal.status(), "invalid_request", refusal.to_string()),
        };
        HttpResponse::json(e.status, &e.to_json())
    }
}

impl Platform {
    /// Serves the platform's HTTP API on `addr` (e.g. `"127.0.0.1:0"`) in a background
    /// thread; returns the bound address in a handle that stops the server.
    pub fn serve(&self, addr: &str) -> Result<ServerHandle, Error> {
        self.serve_with(addr, ServerConfig::default().with_max_body_bytes(MAX_BODY))
    }

    /// [`serve`](Self::serve) within `config`'s timeouts and limits.
    pub fn serve_with(&self, addr: &str, config: ServerConfig) -> Result<ServerHandle, Error> {
        let bind_err = |reason: String| Error::Bind {
            addr: addr.to_owned(),
            reason,
        };
        let mut handle = ServerHandle::bind(addr).map_err(bind_err)?;
        // The base URL is known before the first request is served.
        self.set_base_url(handle.base_url());
        handle
            .start("sign-platform-sim", config, PlatformService(self.clone()))
            .map_err(bind_err)?;
        Ok(handle)
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

fn parse_json(buf: &[u8]) -> Result<Value, ApiError> {
    json_object(buf, MAX_JSON_VALUES).map_err(|e| ApiError::bad_request(e.to_string()))
}
