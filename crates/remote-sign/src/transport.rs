//! The transport: one JSON request, one JSON answer. HTTP by default; tests may wrap it.

use std::time::Duration;

use serde_json::Value;

use crate::Error;

/// HTTP method of a platform call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST` with a JSON body.
    Post,
}

/// One call to the platform.
#[derive(Clone, Copy, Debug)]
pub struct HttpRequest<'a> {
    /// The method.
    pub method: Method,
    /// The path below the platform's base URL, e.g. `/csc/v2/signatures/signHash`.
    pub path: &'a str,
    /// The session's access token, sent as `Authorization: Bearer`.
    pub bearer: Option<&'a str>,
    /// The JSON body of a `POST`.
    pub body: Option<&'a Value>,
}

/// The platform's answer.
#[derive(Clone, Debug)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// The JSON body (`null` when the body was empty or not JSON).
    pub body: Value,
}

/// Carries one request to the platform and brings back its answer.
///
/// [`HttpTransport`] is the real one; tests wrap it to count or tamper with calls.
pub trait Transport {
    /// Sends `request`; an HTTP error status is an answer, not an `Err`.
    fn send(&mut self, request: &HttpRequest<'_>) -> Result<HttpResponse, Error>;
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send(&mut self, request: &HttpRequest<'_>) -> Result<HttpResponse, Error> {
        (**self).send(request)
    }
}

/// HTTP(S) with `ureq` to a platform base URL (HTTPS needs the `tls` feature).
pub struct HttpTransport {
    agent: ureq::Agent,
    base_url: String,
}

impl core::fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HttpTransport")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl HttpTransport {
    /// A transport to `base_url` (e.g. `http://127.0.0.1:8080`), 30 s timeout per call.
    pub fn new(base_url: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Self {
            agent,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

impl Transport for HttpTransport {
    fn send(&mut self, request: &HttpRequest<'_>) -> Result<HttpResponse, Error> {
        let url = format!("{}{}", self.base_url, request.path);
        let auth = request.bearer.map(|t| format!("Bearer {t}"));
        let result = match request.method {
            Method::Get => {
                let mut r = self.agent.get(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            Method::Post => {
                let mut r = self.agent.post(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                let empty = Value::Object(serde_json::Map::new());
                r.send_json(request.body.unwrap_or(&empty))
            }
        };
        let mut response = result.map_err(|e| Error::Transport(e.to_string()))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(16 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| Error::Transport(e.to_string()))?;
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(HttpResponse { status, body })
    }
}
