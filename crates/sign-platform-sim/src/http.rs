//! The platform's HTTP/JSON API: routes requests to the platform (served by [`crate::server`]).

use remote_sign::wire::{Endpoint, ErrorCode};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use crate::{
    ApiError, Error, HttpRequest, HttpResponse, Platform, ServerConfig, ServerHandle,
    platform::{screen_authorization_request, screen_token_request},
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
            Refusal::TooLarge { .. } => {
                ApiError::new(413, ErrorCode::InvalidRequest, "body too large")
            }
            Refusal::Busy => {
                ApiError::new(503, ErrorCode::TemporarilyUnavailable, refusal.to_string())
            }
            Refusal::Internal => ApiError::internal(refusal),
            _ => ApiError::new(
                refusal.status(),
                ErrorCode::InvalidRequest,
                refusal.to_string(),
            ),
        };
        HttpResponse::json(e.status, &e.to_json())
    }
}

/// The platform as the client's transport, without HTTP: each request is
/// [`dispatch`](Platform::dispatch)ed in process (and counted in
/// [`requests_served`](Platform::requests_served)). The issuer is
/// [`Platform::issuer`].
///
/// ```
/// use remote_sign::RemoteClient;
/// use sign_platform_sim::Platform;
///
/// let platform = Platform::open(None)?;
/// let client = RemoteClient::with_transport(&platform.issuer(), platform.clone());
/// assert_eq!(client.round_trips(), 0);
/// # Ok::<(), sign_platform_sim::Error>(())
/// ```
impl remote_sign::Transport for Platform {
    fn send(
        &mut self,
        request: &remote_sign::HttpRequest<'_>,
    ) -> Result<remote_sign::HttpResponse, remote_sign::TransportError> {
        self.count_request();
        let (status, body) = self.dispatch(
            request.method.as_str(),
            request.path,
            request.bearer,
            request.body.unwrap_or_default(),
        );
        let body =
            serde_json::to_vec(&body).map_err(|e| remote_sign::TransportError::Exchange {
                url: request.path.to_owned(),
                source: Box::new(e),
            })?;
        Ok(remote_sign::HttpResponse::new(status, body))
    }
}

/// A request body as the message `T`; a missing or malformed member is
/// `invalid_request`, naming it.
fn decode<T: DeserializeOwned>(body: Value) -> Result<T, ApiError> {
    serde_json::from_value(body).map_err(|e| ApiError::bad_request(e.to_string()))
}

/// An answer as JSON.
fn answer<T: Serialize>(result: Result<T, ApiError>) -> Result<Value, ApiError> {
    serde_json::to_value(result?).map_err(ApiError::internal)
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
        let endpoint = Endpoint::find(method, path).ok_or_else(|| {
            ApiError::new(
                404,
                ErrorCode::NotFound,
                format!(
                    "no route {method} {}",
                    path.split('?').next().unwrap_or_default()
                ),
            )
        })?;
        let body =
            json_object(body, MAX_JSON_VALUES).map_err(|e| ApiError::bad_request(e.to_string()))?;
        // The session is checked before the body is read as a message.
        let session = || self.session(bearer);
        match endpoint {
            Endpoint::Discovery => answer(Ok(self.discovery())),
            Endpoint::Jwks => answer(Ok(self.jwks())),
            Endpoint::AuthChallenge => {
                screen_authorization_request(&body)?;
                answer(self.auth_challenge(decode(body)?))
            }
            Endpoint::AuthComplete => answer(self.auth_complete(decode(body)?)),
            Endpoint::Token => {
                screen_token_request(&body)?;
                answer(self.token(decode(body)?))
            }
            Endpoint::Me => answer(self.me(&session()?)),
            Endpoint::BindChallenge => answer(self.bind_challenge(&session()?)),
            Endpoint::BindJpki => {
                let s = session()?;
                answer(self.bind_jpki(&s, decode(body)?))
            }
            Endpoint::DeviceQr => answer(self.device_qr(&session()?)),
            Endpoint::DeviceRegister => answer(self.register_device(decode(body)?)),
            Endpoint::CscInfo => answer(Ok(self.csc_info())),
            Endpoint::CredentialsList => {
                let s = session()?;
                let _: remote_sign::wire::CredentialsListRequest = decode(body)?;
                answer(self.credentials_list(&s))
            }
            Endpoint::CredentialsInfo => {
                let s = session()?;
                answer(self.credentials_info(&s, decode(body)?))
            }
            Endpoint::CredentialsAuthorize => {
                let s = session()?;
                answer(self.authorize(&s, decode(body)?))
            }
            Endpoint::SignHash => {
                let s = session()?;
                answer(self.sign_hash(&s, decode(body)?))
            }
            other => Err(ApiError::new(
                404,
                ErrorCode::NotFound,
                format!("{} is not served", other.path()),
            )),
        }
    }
}
