//! Refusals as the HTTP API reports them: status, error code, description.

use remote_sign::wire::{ErrorBody, ErrorCode};

/// A refusal by the platform's HTTP API: an HTTP status, an OAuth 2.0 / CSC-style
/// `error` code ([`ErrorCode`]) and a human-readable `error_description`; the body is
/// `remote_sign::wire::ErrorBody`.
///
/// The codes the platform uses, and when (`docs/remote-signing-protocol.md`):
///
/// | status | `error` | when |
/// | --- | --- | --- |
/// | 400 | `invalid_request` | a member is missing or malformed (the description names it) |
/// | 400 | `unauthorized_client`, `unsupported_response_type`, `invalid_scope` | the authorization request names another client, response type or scope |
/// | 400 | `invalid_grant` | the authorization code is unknown, used or expired, or the PKCE verifier does not match |
/// | 400 | `unsupported_grant_type` | the token request's grant is not `authorization_code` |
/// | 401 | `invalid_token` | no access token, or the session expired (18 h by default): log in again |
/// | 403 | `access_denied` | the login signature does not verify, or the session's login method may not do this |
/// | 403 | `unbound_certificate` | the card's certificate is bound to no second certificate |
/// | 403 | `binding_revoked` | the card or device binding was revoked |
/// | 409 | `already_bound` | the My Number Card is bound to another person |
/// | 403 | `wrong_password` | the setup password is wrong (`tries_left` says how many tries are left) |
/// | 403 | `setup_locked` | five wrong setup passwords locked the setup code |
/// | 403 | `setup_expired` | the setup URL (3 months) or QR code (10 minutes) expired, or was used |
/// | 409 | `device_exists` | a device is registered already; confirm with `replace_existing` |
/// | 400 | `invalid_sad` | the SAD is unknown, expired, belongs to another credential or session |
/// | 400 | `sad_exhausted` | the SAD was used for as many signatures as it authorized |
/// | 400 | `hash_not_authorized` | a hash to sign is not one the SAD authorized (or was signed already) |
/// | 404 | `not_found` | unknown path or credential |
/// | 413 | `invalid_request` | the body is larger than the limit |
/// | 503 | `temporarily_unavailable` | too many pending logins or connections |
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {description}")]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// The `error` code.
    pub code: ErrorCode,
    /// The `error_description`.
    pub description: String,
    /// With `wrong_password`: tries left before the setup code locks.
    pub tries_left: Option<u32>,
}

impl ApiError {
    pub(crate) fn new(status: u16, code: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            status,
            code,
            description: description.into(),
            tries_left: None,
        }
    }

    pub(crate) fn bad_request(description: impl Into<String>) -> Self {
        Self::new(400, ErrorCode::InvalidRequest, description)
    }

    pub(crate) fn denied(description: impl Into<String>) -> Self {
        Self::new(403, ErrorCode::AccessDenied, description)
    }

    pub(crate) fn internal(e: impl core::fmt::Display) -> Self {
        Self::new(500, ErrorCode::ServerError, e.to_string())
    }

    /// The wire body sent with the status.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: self.code.clone(),
            error_description: Some(self.description.clone()),
            tries_left: self.tries_left,
        }
    }

    /// The JSON body sent with the status.
    pub fn to_json(&self) -> serde_json::Value {
        // An ErrorBody is strings and a number: it always serializes.
        serde_json::to_value(self.body()).unwrap_or_default()
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        Self::internal(e)
    }
}
