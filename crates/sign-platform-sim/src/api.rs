//! Refusals as the HTTP API reports them: status, error code, description.

/// A refusal by the platform's HTTP API: an HTTP status, an OAuth 2.0 / CSC-style
/// `error` code and a human-readable `error_description`.
///
/// The codes the platform uses, and when:
///
/// | status | `error` | when |
/// | --- | --- | --- |
/// | 400 | `invalid_request` | a field is missing or malformed |
/// | 400 | `invalid_grant` | the authorization code is unknown, used or expired, or the PKCE verifier does not match |
/// | 401 | `invalid_token` | no access token, or the session expired (18 h by default): log in again |
/// | 403 | `access_denied` | the login signature does not verify, or the session's login method may not do this |
/// | 403 | `unbound_certificate` | the card's certificate is bound to no second certificate |
/// | 403 | `binding_revoked` | the card or device binding was revoked |
/// | 403 | `wrong_password` | the setup password is wrong (`error_description` says how many tries are left) |
/// | 403 | `setup_locked` | five wrong setup passwords locked the setup code |
/// | 403 | `setup_expired` | the setup URL (3 months) or QR code (10 minutes) expired, or was used |
/// | 409 | `device_exists` | a device is registered already; confirm with `replace_existing` |
/// | 400 | `invalid_sad` | the SAD is unknown, expired, belongs to another credential or session |
/// | 400 | `sad_exhausted` | the SAD was used for as many signatures as it authorized |
/// | 400 | `hash_not_authorized` | a hash to sign is not one the SAD authorized (or was signed already) |
/// | 404 | `not_found` | unknown path or credential |
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {description}")]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// The `error` code.
    pub code: &'static str,
    /// The `error_description`.
    pub description: String,
}

impl ApiError {
    pub(crate) fn new(status: u16, code: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            code,
            description: description.into(),
        }
    }

    pub(crate) fn bad_request(description: impl Into<String>) -> Self {
        Self::new(400, "invalid_request", description)
    }

    pub(crate) fn denied(description: impl Into<String>) -> Self {
        Self::new(403, "access_denied", description)
    }

    pub(crate) fn internal(e: impl core::fmt::Display) -> Self {
        Self::new(500, "server_error", e.to_string())
    }

    /// The JSON body sent with the status.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "error": self.code, "error_description": self.description })
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        Self::internal(e)
    }
}
