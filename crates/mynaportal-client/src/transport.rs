//! How requests reach the portal: a trait, and its HTTP implementation.

use std::time::Duration;

use crate::{Error, wire::ErrorBody};

/// The largest answer body read from the portal.
pub const MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;

/// An HTTP method of the binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
}

/// One exchange with the portal in the binding's terms: a method, a path under the base
/// URL (`/v1/...`), an optional bearer token, an optional JSON body; the answer is the
/// HTTP status and the JSON body.
///
/// [`HttpTransport`] speaks it over HTTP; integrators put their own behind it (a test
/// double, a proxy with its own authentication).
pub trait PortalTransport {
    /// Sends one request and returns `(status, json)`.
    fn exchange(
        &mut self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> Result<(u16, serde_json::Value), Error>;
}

/// [`PortalTransport`] over HTTP(S) with `ureq`.
#[derive(Debug)]
pub struct HttpTransport {
    base_url: String,
    agent: ureq::Agent,
}

impl HttpTransport {
    /// A transport to `base_url` (`http://127.0.0.1:8080`), 30 s per request. Plain HTTP
    /// is for the loopback stand-in; build with the `tls` feature for `https://`.
    pub fn new(base_url: &str) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build();
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            agent: ureq::Agent::new_with_config(config),
        }
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

impl PortalTransport for HttpTransport {
    fn exchange(
        &mut self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> Result<(u16, serde_json::Value), Error> {
        let url = format!("{}{path}", self.base_url);
        let auth = bearer.map(|t| format!("Bearer {t}"));
        let transport = |e: ureq::Error| Error::Transport(e.to_string());
        let response = match method {
            Method::Get => {
                let mut r = self.agent.get(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call().map_err(transport)?
            }
            Method::Post | Method::Put => {
                let mut r = if method == Method::Post {
                    self.agent.post(&url)
                } else {
                    self.agent.put(&url)
                };
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                match body {
                    Some(b) => r.send_json(b).map_err(transport)?,
                    None => r.send_json(serde_json::json!({})).map_err(transport)?,
                }
            }
        };
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_vec()
            .map_err(transport)?;
        let json = if bytes.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .map_err(|e| Error::Transport(format!("HTTP {status}, body is not JSON: {e}")))?
        };
        Ok((status, json))
    }
}

/// Sends a request and decodes a success answer, or turns an error answer into
/// [`Error::Portal`].
pub(crate) fn call<T: serde::de::DeserializeOwned>(
    transport: &mut dyn PortalTransport,
    method: Method,
    path: &str,
    bearer: Option<&str>,
    body: Option<serde_json::Value>,
) -> Result<T, Error> {
    let (status, json) = transport.exchange(method, path, bearer, body.as_ref())?;
    if (200..300).contains(&status) {
        serde_json::from_value(json).map_err(|e| Error::Protocol(format!("{path}: {e}")))
    } else {
        match serde_json::from_value::<ErrorBody>(json) {
            Ok(mut body) => {
                body.error.status = status;
                Err(Error::Portal(Box::new(body.error)))
            }
            Err(_) => Err(Error::Protocol(format!(
                "{path}: HTTP {status} without an error body"
            ))),
        }
    }
}

/// Serialises a body.
pub(crate) fn json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::Protocol(e.to_string()))
}
