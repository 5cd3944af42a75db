//! The transport: one request's bytes out, the answer's status and bytes back. HTTP by
//! default; tests and integrators put their own behind the trait.

use std::{error::Error as StdError, time::Duration};

/// The largest answer body read from the platform (a batch of 1000 RSA-4096 signatures
/// is under 1 MiB).
pub const MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// Any error, boxed, as the source of a [`TransportError`].
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// HTTP method of a platform call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST` with a JSON body.
    Post,
}

impl Method {
    /// `"GET"` or `"POST"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

/// One call to the platform.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct HttpRequest<'a> {
    /// The method.
    pub method: Method,
    /// The path below the platform's base URL, e.g. `/csc/v2/signatures/signHash`.
    pub path: &'a str,
    /// The session's access token, sent as `Authorization: Bearer`.
    pub bearer: Option<&'a str>,
    /// The JSON body of a `POST` (`{}` when `None`).
    pub body: Option<&'a [u8]>,
}

impl<'a> HttpRequest<'a> {
    /// A `GET` of `path`.
    pub fn get(path: &'a str) -> Self {
        Self {
            method: Method::Get,
            path,
            bearer: None,
            body: None,
        }
    }

    /// A `POST` of the JSON `body` to `path`.
    pub fn post(path: &'a str, body: &'a [u8]) -> Self {
        Self {
            method: Method::Post,
            path,
            bearer: None,
            body: Some(body),
        }
    }

    /// The same request with the session's access token.
    pub fn with_bearer(self, token: &'a str) -> Self {
        Self {
            bearer: Some(token),
            ..self
        }
    }
}

impl core::fmt::Debug for HttpRequest<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The token and the body (SADs, passwords, codes) are secrets.
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("bearer", &self.bearer.map(|_| "<redacted>"))
            .field("body_len", &self.body.map(<[u8]>::len))
            .finish()
    }
}

/// The platform's answer.
#[derive(Clone)]
#[non_exhaustive]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// The body (JSON, or empty).
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// An answer with `status` and `body`.
    pub fn new(status: u16, body: Vec<u8>) -> Self {
        Self { status, body }
    }
}

impl core::fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Answers carry access tokens and SADs.
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Why a request did not bring back an answer. An HTTP error status is an answer, not
/// a `TransportError`.
///
/// Each variant keeps the underlying error as its [`source`](StdError::source).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No connection was made (refused, unknown host, TLS failure): check the platform
    /// URL, that the platform runs, and the network.
    #[error("cannot connect to {url}")]
    Connect {
        /// The URL called.
        url: String,
        /// The cause.
        #[source]
        source: BoxError,
    },
    /// The platform did not answer in time: try again later.
    #[error("{url} did not answer in time")]
    Timeout {
        /// The URL called.
        url: String,
        /// The cause.
        #[source]
        source: BoxError,
    },
    /// The answer was larger than [`MAX_RESPONSE_BYTES`]: the URL is probably not the
    /// platform's.
    #[error("the answer from {url} is larger than {limit} bytes")]
    TooLarge {
        /// The URL called.
        url: String,
        /// The limit.
        limit: u64,
    },
    /// The exchange failed otherwise (connection reset, malformed HTTP, a custom
    /// transport's failure).
    #[error("the exchange with {url} failed")]
    Exchange {
        /// The URL (or path) called.
        url: String,
        /// The cause.
        #[source]
        source: BoxError,
    },
}

/// Carries one request to the platform and brings back its answer.
///
/// [`HttpTransport`] is the real one; tests wrap it to count or tamper with calls, and
/// `sign-platform-sim` answers in process.
pub trait Transport {
    /// Sends `request`; an HTTP error status is an answer, not an `Err`.
    fn send(&mut self, request: &HttpRequest<'_>) -> Result<HttpResponse, TransportError>;
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send(&mut self, request: &HttpRequest<'_>) -> Result<HttpResponse, TransportError> {
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

fn transport_error(url: &str, e: ureq::Error) -> TransportError {
    let url = url.to_owned();
    match e {
        ureq::Error::Timeout(_) | ureq::Error::BodyStalled => TransportError::Timeout {
            url,
            source: Box::new(e),
        },
        ureq::Error::BodyExceedsLimit(limit) => TransportError::TooLarge { url, limit },
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed | ureq::Error::Tls(_) => {
            TransportError::Connect {
                url,
                source: Box::new(e),
            }
        }
        ureq::Error::Io(ref io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::AddrNotAvailable
                    | std::io::ErrorKind::HostUnreachable
                    | std::io::ErrorKind::NetworkUnreachable
            ) =>
        {
            TransportError::Connect {
                url,
                source: Box::new(e),
            }
        }
        other => TransportError::Exchange {
            url,
            source: Box::new(other),
        },
    }
}

impl Transport for HttpTransport {
    fn send(&mut self, request: &HttpRequest<'_>) -> Result<HttpResponse, TransportError> {
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
                let mut r = self
                    .agent
                    .post(&url)
                    .header("Content-Type", "application/json");
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.send(request.body.unwrap_or(b"{}"))
            }
        };
        let mut response = result.map_err(|e| transport_error(&url, e))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_vec()
            .map_err(|e| transport_error(&url, e))?;
        Ok(HttpResponse { status, body })
    }
}
