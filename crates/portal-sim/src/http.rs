//! The HTTP/JSON binding on loopback (sign-platform-sim's server): routing, body
//! limits, the log line.

use std::time::Instant;

use mynaportal_client::wire::{ErrorBody, Step};
use sign_platform_sim::{
    HttpRequest, HttpResponse, MAX_JSON_VALUES, Refusal, ServerConfig, Service, json_object,
};

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
        self.serve_with(
            addr,
            ServerConfig::default().with_max_body_bytes(MAX_BODY_BYTES),
        )
    }

    /// [`serve`](Self::serve) within `config`'s timeouts and limits (the body limit is
    /// `config.max_body_bytes`, not [`MAX_BODY_BYTES`]).
    pub fn serve_with(&self, addr: &str, config: ServerConfig) -> Result<ServerHandle, Error> {
        let bind_err = |reason: String| Error::Bind {
            addr: addr.into(),
            reason,
        };
        let mut handle = ServerHandle::bind(addr).map_err(bind_err)?;
        handle
            .start("portal-sim", config, PortalService(self.clone()))
            .map_err(bind_err)?;
        Ok(handle)
    }

    fn route(
        &self,
        method: &str,
        url: &str,
        bearer: Option<&str>,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, ApiError> {
        let path = url.split('?').next().unwrap_or("");
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (method, segments.as_slice()) {
            ("POST", ["v1", "login", "challenge"]) => to(self.challenge()),
            ("POST", ["v1", "login"]) => to(self.login(&parse(body)?)),
            ("POST", ["v1", "logout"]) => {
                let caller = self.authenticate(bearer)?;
                self.logout(&caller)
            }
            ("POST", ["v1", "applications"]) => {
                let caller = self.authenticate(bearer)?;
                let _: mynaportal_client::wire::StartRequest = parse(body)?;
                to(self.start(&caller))
            }
            ("GET", ["v1", "applications"]) => to(self.list(&self.authenticate(bearer)?)),
            ("GET", ["v1", "applications", id]) => to(self.status(&self.authenticate(bearer)?, id)),
            ("PUT", ["v1", "applications", id, "steps", step]) => {
                let caller = self.authenticate(bearer)?;
                let step = Step::from_str_opt(step).ok_or_else(not_found)?;
                to(self.put_step(&caller, id, step, body))
            }
            ("POST", ["v1", "applications", id, "email", "code"]) => {
                let caller = self.authenticate(bearer)?;
                to(self.send_code(&caller, id, &parse(body)?))
            }
            ("POST", ["v1", "applications", id, "amend"]) => {
                let caller = self.authenticate(bearer)?;
                to(self.amend(&caller, id, &parse(body)?))
            }
            ("GET", ["v1", "applications", id, "review"]) => {
                to(self.review(&self.authenticate(bearer)?, id))
            }
            ("POST", ["v1", "applications", id, "submit"]) => {
                let caller = self.authenticate(bearer)?;
                to(self.submit(&caller, id, &parse(body)?))
            }
            ("GET", ["v1", "messages"]) => to(self.messages(&self.authenticate(bearer)?)),
            ("POST", ["v1", "operator", "applications", id, "decision"]) => {
                self.operator(bearer)?;
                to(self.decide(id, &parse(body)?))
            }
            ("GET", ["v1", "operator", "outbox"]) => {
                self.operator(bearer)?;
                to(self.outbox())
            }
            ("PUT", ["v1", "operator", "persons", person]) => {
                self.operator(bearer)?;
                self.put_person(person, body)
            }
            ("POST", ["v1", "operator", "clock"]) => {
                self.operator(bearer)?;
                self.advance_clock(&parse(body)?)
            }
            _ => Err(not_found()),
        }
    }
}

/// The portal as the server's [`Service`].
struct PortalService(Portal);

impl Service for PortalService {
    fn handle(&self, request: HttpRequest) -> HttpResponse {
        let started = Instant::now();
        let outcome = parse_body(request.body()).and_then(|body| {
            self.0
                .route(request.method(), request.url(), request.bearer(), &body)
        });
        let (status, json) = match outcome {
            Ok(v) => (200, v),
            Err(e) => (
                e.status,
                serde_json::to_value(ErrorBody { error: e }).unwrap_or_default(),
            ),
        };
        // The log line: method, route shape and status only (no ids, bodies or names).
        eprintln!(
            "portal-sim: {} {} -> {status} ({} ms)",
            request.method(),
            route_shape(request.url()),
            started.elapsed().as_millis()
        );
        HttpResponse::json(status, &json)
    }

    fn refusal(&self, refusal: &Refusal) -> HttpResponse {
        let e = match refusal {
            Refusal::TooLarge { limit } => api(
                413,
                "too_large",
                "送信できるデータの大きさを超えています。",
                &format!("the request body is larger than {limit} bytes"),
            ),
            Refusal::TimedOut => api(
                408,
                "timeout",
                "通信がタイムアウトしました。もう一度お試しください。",
                "The request body did not arrive in time.",
            ),
            Refusal::Busy => api(
                503,
                "busy",
                "ただいま混み合っています。しばらくしてからお試しください。",
                "The portal is busy; try again shortly.",
            ),
            Refusal::Unreadable => api(
                400,
                "bad_request",
                "通信エラーです。",
                "could not read the body",
            ),
            _ => server_error(),
        };
        HttpResponse::json(
            e.status,
            &serde_json::to_value(ErrorBody { error: e }).unwrap_or_default(),
        )
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
    T::deserialize(body).map_err(|e| {
        api(
            400,
            "bad_request",
            "入力内容を読み取れませんでした。",
            &format!("bad body: {e}"),
        )
    })
}

fn parse_body(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    json_object(bytes, MAX_JSON_VALUES).map_err(|e| {
        api(
            400,
            "bad_request",
            "入力内容を読み取れませんでした。",
            &e.to_string(),
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
