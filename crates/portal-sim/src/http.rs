//! The HTTP/JSON binding on loopback (tiny_http): routing, body limits, the log line.

use std::io::Read;
use std::time::Instant;

use mynaportal_client::wire::{ErrorBody, Step};
use tiny_http::{Header, Method, Request, Response};

use crate::{
    Error, Portal,
    portal::{ApiError, api},
};

/// The largest request body accepted: three 4 MB attachments in base64 and the form.
pub const MAX_BODY_BYTES: usize = 20 * 1024 * 1024;

/// A running server (the same handle as the platform's); stops when dropped or on
/// `stop`.
pub use sign_platform_sim::ServerHandle;

impl Portal {
    /// Serves the binding on `addr` (`127.0.0.1:0` for any free port) in a thread.
    pub fn serve(&self, addr: &str) -> Result<ServerHandle, Error> {
        let bind_err = |reason: String| Error::Bind {
            addr: addr.into(),
            reason,
        };
        let mut handle = ServerHandle::bind(addr).map_err(bind_err)?;
        let portal = self.clone();
        handle
            .start("portal-sim", move |request| portal.handle(request))
            .map_err(bind_err)?;
        Ok(handle)
    }

    fn handle(&self, mut request: Request) {
        let started = Instant::now();
        let method = request.method().clone();
        let url = request.url().to_owned();
        let bearer = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("Authorization"))
            .and_then(|h| h.value.as_str().strip_prefix("Bearer "))
            .map(str::to_owned);
        let outcome = read_body(&mut request)
            .and_then(|body| self.route(&method, &url, bearer.as_deref(), &body));
        let (status, json) = match outcome {
            Ok(v) => (200, v),
            Err(e) => (
                e.status,
                serde_json::to_value(ErrorBody { error: e }).unwrap_or_default(),
            ),
        };
        // The log line: method, route shape and status only (no ids, bodies or names).
        eprintln!(
            "portal-sim: {method} {} -> {status} ({} ms)",
            route_shape(&url),
            started.elapsed().as_millis()
        );
        let body = serde_json::to_vec(&json).unwrap_or_default();
        let mut response = Response::from_data(body).with_status_code(status);
        if let Ok(h) = Header::from_bytes(&b"Content-Type"[..], &b"application/json"[..]) {
            response = response.with_header(h);
        }
        let _ = request.respond(response);
    }

    fn route(
        &self,
        method: &Method,
        url: &str,
        bearer: Option<&str>,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, ApiError> {
        let path = url.split('?').next().unwrap_or("");
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (method, segments.as_slice()) {
            (Method::Post, ["v1", "login", "challenge"]) => to(self.challenge()),
            (Method::Post, ["v1", "login"]) => to(self.login(&parse(body)?)),
            (Method::Post, ["v1", "logout"]) => {
                let caller = self.authenticate(bearer)?;
                self.logout(&caller)
            }
            (Method::Post, ["v1", "applications"]) => {
                let caller = self.authenticate(bearer)?;
                let _: mynaportal_client::wire::StartRequest = parse(body)?;
                to(self.start(&caller))
            }
            (Method::Get, ["v1", "applications"]) => to(self.list(&self.authenticate(bearer)?)),
            (Method::Get, ["v1", "applications", id]) => {
                to(self.status(&self.authenticate(bearer)?, id))
            }
            (Method::Put, ["v1", "applications", id, "steps", step]) => {
                let caller = self.authenticate(bearer)?;
                let step = Step::from_str_opt(step).ok_or_else(not_found)?;
                to(self.put_step(&caller, id, step, body))
            }
            (Method::Post, ["v1", "applications", id, "email", "code"]) => {
                let caller = self.authenticate(bearer)?;
                to(self.send_code(&caller, id, &parse(body)?))
            }
            (Method::Post, ["v1", "applications", id, "amend"]) => {
                let caller = self.authenticate(bearer)?;
                to(self.amend(&caller, id, &parse(body)?))
            }
            (Method::Get, ["v1", "applications", id, "review"]) => {
                to(self.review(&self.authenticate(bearer)?, id))
            }
            (Method::Post, ["v1", "applications", id, "submit"]) => {
                let caller = self.authenticate(bearer)?;
                to(self.submit(&caller, id, &parse(body)?))
            }
            (Method::Get, ["v1", "messages"]) => to(self.messages(&self.authenticate(bearer)?)),
            (Method::Post, ["v1", "operator", "applications", id, "decision"]) => {
                self.operator(bearer)?;
                to(self.decide(id, &parse(body)?))
            }
            (Method::Get, ["v1", "operator", "outbox"]) => {
                self.operator(bearer)?;
                to(self.outbox())
            }
            (Method::Put, ["v1", "operator", "persons", person]) => {
                self.operator(bearer)?;
                self.put_person(person, body)
            }
            (Method::Post, ["v1", "operator", "clock"]) => {
                self.operator(bearer)?;
                self.advance_clock(&parse(body)?)
            }
            _ => Err(not_found()),
        }
    }
}

fn to<T: serde::Serialize>(v: Result<T, ApiError>) -> Result<serde_json::Value, ApiError> {
    v.and_then(|x| serde_json::to_value(x).map_err(|_| server_error()))
}

fn not_found() -> ApiError {
    api(
        404,
        "not_found",
        "ページが見つかりません。",
        "No such endpoint.",
    )
}

fn server_error() -> ApiError {
    api(
        500,
        "internal",
        "システムエラーが発生しました。",
        "internal error",
    )
}

fn parse<T: serde::de::DeserializeOwned>(body: &serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(body.clone()).map_err(|e| {
        api(
            400,
            "bad_request",
            "入力内容を読み取れませんでした。",
            &format!("bad body: {e}"),
        )
    })
}

fn read_body(request: &mut Request) -> Result<serde_json::Value, ApiError> {
    let too_large = || {
        api(
            413,
            "too_large",
            "送信できるデータの大きさを超えています。",
            &format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
        )
    };
    if request.body_length().is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    request
        .as_reader()
        .take(MAX_BODY_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|_| {
            api(
                400,
                "bad_request",
                "通信エラーです。",
                "could not read the body",
            )
        })?;
    if bytes.len() > MAX_BODY_BYTES {
        return Err(too_large());
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Object(serde_json::Map::new()));
    }
    serde_json::from_slice(&bytes).map_err(|_| {
        api(
            400,
            "bad_request",
            "入力内容を読み取れませんでした。",
            "the body is not JSON",
        )
    })
}

/// The URL with ids replaced, for the log.
pub(crate) fn route_shape(url: &str) -> String {
    let path = url.split('?').next().unwrap_or("");
    let fixed = [
        "v1",
        "login",
        "challenge",
        "logout",
        "applications",
        "steps",
        "email",
        "code",
        "amend",
        "review",
        "submit",
        "messages",
        "operator",
        "decision",
        "outbox",
        "persons",
        "clock",
        "qualification",
        "applicant",
        "authority_data",
        "further_data",
        "consents",
    ];
    path.split('/')
        .map(|s| {
            if s.is_empty() || fixed.contains(&s) {
                s
            } else {
                "{id}"
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::route_shape;

    #[test]
    fn log_lines_carry_the_route_shape_not_ids_or_queries() {
        assert_eq!(
            route_shape("/v1/applications/c8fd97a9-d79b/steps/email?x=hanako@example.jp"),
            "/v1/applications/{id}/steps/email"
        );
        assert_eq!(
            route_shape("/v1/operator/persons/P1346"),
            "/v1/operator/persons/{id}"
        );
        assert_eq!(route_shape("/v1/%E5%B1%B1%E7%94%B0"), "/v1/{id}");
    }
}
