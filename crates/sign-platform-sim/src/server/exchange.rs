//! What a [`Service`] sees and answers: complete requests, responses, refusals.

use bytes::Bytes;

/// A complete request as a [`Service`] sees it: its body was read within the limits.
#[derive(Clone, Debug)]
pub struct HttpRequest {
    pub(super) method: String,
    pub(super) url: String,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Bytes,
}

impl HttpRequest {
    /// A request built by hand (for calling a [`Service`] without a socket).
    pub fn new(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Self {
        Self {
            method: method.to_owned(),
            url: url.to_owned(),
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: Bytes::copy_from_slice(body),
        }
    }

    /// The method, upper case (`GET`, `POST`, …).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The request target: path and query (`/a/b?x=1`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.url.split('?').next().unwrap_or_default()
    }

    /// The first header named `name` (any case) whose value is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The token of an `Authorization: Bearer …` header.
    pub fn bearer(&self) -> Option<&str> {
        self.header("authorization")?.strip_prefix("Bearer ")
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

/// What a [`Service`] answers.
#[derive(Clone, Debug)]
pub struct HttpResponse {
    pub(super) status: u16,
    pub(super) content_type: String,
    pub(super) body: Bytes,
}

impl HttpResponse {
    /// An answer with `status`, `content_type` and `body`.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            content_type: content_type.to_owned(),
            body: Bytes::from(body.into()),
        }
    }

    /// A JSON answer.
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Self::new(
            status,
            "application/json",
            serde_json::to_vec(value).unwrap_or_default(),
        )
    }

    /// The status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

/// Why the server answered a request itself, without the [`Service`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// 413: the body is (or announced itself as) larger than
    /// [`ServerConfig::max_body_bytes`](crate::ServerConfig::max_body_bytes).
    #[error("the request body is larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// 408: the client stopped sending its body for longer than
    /// [`ServerConfig::read_timeout`](crate::ServerConfig::read_timeout).
    #[error("the request body did not arrive in time")]
    TimedOut,
    /// 503: every connection slot (or the body memory) is taken; try again shortly.
    #[error("the server is busy: try again shortly")]
    Busy,
    /// 400: the body could not be read (broken chunked encoding, the client went away).
    #[error("the request body could not be read")]
    Unreadable,
    /// 500: the service failed on this request (a panic in the handler).
    #[error("internal error")]
    Internal,
}

impl Refusal {
    /// The HTTP status it is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::TooLarge { .. } => 413,
            Self::TimedOut => 408,
            Self::Busy => 503,
            Self::Unreadable => 400,
            Self::Internal => 500,
        }
    }

    /// A short code: `too_large`, `timeout`, `busy`, `bad_request` or `internal`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "too_large",
            Self::TimedOut => "timeout",
            Self::Busy => "busy",
            Self::Unreadable => "bad_request",
            Self::Internal => "internal",
        }
    }
}

/// What a server runs: answers complete requests, on one of the handler threads (it may
/// block: SQLite, RSA, a CRL fetch).
pub trait Service: Send + Sync + 'static {
    /// Answers `request`.
    fn handle(&self, request: HttpRequest) -> HttpResponse;

    /// The answer when the server refuses a request itself; by default
    /// `{"error": code, "error_description": text}` with the refusal's status.
    fn refusal(&self, refusal: &Refusal) -> HttpResponse {
        HttpResponse::json(
            refusal.status(),
            &serde_json::json!({ "error": refusal.code(), "error_description": refusal.to_string() }),
        )
    }
}
