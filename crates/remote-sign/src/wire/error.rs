//! Refusals: the OAuth 2.0 error body (RFC 6749 §5.2) and the platform's error codes.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The body of every non-2xx answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error code.
    pub error: ErrorCode,
    /// Human-readable text (optional, as in OAuth 2.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    /// With [`ErrorCode::WrongPassword`], and only then: wrong setup passwords still
    /// allowed before the setup code locks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tries_left: Option<u32>,
}

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $text:literal,)*) => {
        /// An `error` code: OAuth 2.0's (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1), the CSC
        /// API's and the platform's own. `docs/remote-signing-protocol.md` lists when
        /// each is sent.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
            /// A code this crate does not know, as sent.
            Other(String),
        }

        impl ErrorCode {
            /// The code as written on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Other(code) => code,
                }
            }

            /// The code `text` names.
            pub fn parse(text: &str) -> Self {
                match text {
                    $($text => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }
    };
}

error_codes! {
    /// 400: a member is missing or malformed.
    InvalidRequest = "invalid_request",
    /// 400: the authorization code is unknown, used or expired, or the PKCE verifier,
    /// client or redirect URI does not match.
    InvalidGrant = "invalid_grant",
    /// 400: the `client_id` is not `HPKI`, `JPKI` or `FIDO`.
    UnauthorizedClient = "unauthorized_client",
    /// 400: the `response_type` is not `code`.
    UnsupportedResponseType = "unsupported_response_type",
    /// 400: the `grant_type` is not `authorization_code`.
    UnsupportedGrantType = "unsupported_grant_type",
    /// 400: the `scope` lacks `openid`.
    InvalidScope = "invalid_scope",
    /// 401: no access token, an unknown one, or the session expired: log in again.
    InvalidToken = "invalid_token",
    /// 403: the login signature does not verify, or the session's login method may not
    /// do this.
    AccessDenied = "access_denied",
    /// 403: the card's certificate (or the device) is bound to no second certificate.
    UnboundCertificate = "unbound_certificate",
    /// 403: the card or device binding was revoked or replaced.
    BindingRevoked = "binding_revoked",
    /// 409: the My Number Card is bound to another person.
    AlreadyBound = "already_bound",
    /// 403: the setup password is wrong ([`ErrorBody::tries_left`] says how many tries
    /// are left).
    WrongPassword = "wrong_password",
    /// 403: wrong setup passwords locked the setup code.
    SetupLocked = "setup_locked",
    /// 403: the setup code is unknown, expired or used.
    SetupExpired = "setup_expired",
    /// 409: a device is registered already; register with `replace_existing`.
    DeviceExists = "device_exists",
    /// 400: the SAD is unknown, expired, or another credential's or person's.
    InvalidSad = "invalid_sad",
    /// 400: the SAD signed as many hashes as it authorized.
    SadExhausted = "sad_exhausted",
    /// 400: a hash was not authorized by the SAD (or was signed already), or another
    /// hash algorithm was.
    HashNotAuthorized = "hash_not_authorized",
    /// 404: no such path or credential.
    NotFound = "not_found",
    /// 500: the platform failed.
    ServerError = "server_error",
    /// 503: too many pending logins (or connections): try again in a few minutes.
    TemporarilyUnavailable = "temporarily_unavailable",
}

impl core::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self::parse(&String::deserialize(deserializer)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_code_round_trips_and_an_unknown_one_is_kept() {
        let body: ErrorBody =
            serde_json::from_str(r#"{"error":"sad_exhausted","error_description":"0 left"}"#)
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(body.error, ErrorCode::SadExhausted);
        assert_eq!(body.error, "sad_exhausted");
        let other = ErrorCode::parse("slow_down");
        assert_eq!(other, ErrorCode::Other("slow_down".into()));
        assert_eq!(
            serde_json::to_string(&other).unwrap_or_default(),
            "\"slow_down\""
        );
    }

    #[test]
    fn an_error_body_without_its_code_does_not_decode() {
        let err = serde_json::from_str::<ErrorBody>(r#"{"error_description":"x"}"#)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("missing field `error`"), "{err}");
    }
}
