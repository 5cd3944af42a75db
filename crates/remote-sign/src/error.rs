//! The crate's error type.

use crate::{
    TransportError,
    wire::{ErrorBody, ErrorCode},
};

/// Why the ID token from the token endpoint was rejected (OpenID Connect Core §3.1.3.7).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdTokenError {
    /// Not a compact JWS (three base64url parts of JSON), no `kid`, or claims that do
    /// not decode ([`IdTokenClaims`](crate::wire::IdTokenClaims)).
    #[error("the ID token is not a well-formed JWS")]
    Malformed,
    /// The header names another algorithm than ES256.
    #[error("the ID token is signed with {0}, only ES256 is accepted")]
    Algorithm(String),
    /// No key in the platform's JWKS has the token's `kid`.
    #[error("no JWKS key with kid {0:?}")]
    UnknownKey(String),
    /// The JWKS key with the token's `kid` is not a P-256 key for ES256.
    #[error("the JWKS key {0:?} is not an ES256 (P-256) key")]
    UnusableKey(String),
    /// The signature does not verify with the platform's key.
    #[error("the ID token's signature does not verify")]
    Signature,
    /// `iss` is not the platform the client talks to.
    #[error("the ID token's issuer is {0:?}")]
    Issuer(String),
    /// `aud` does not contain the client id used to log in.
    #[error("the ID token is not for this client")]
    Audience,
    /// `nonce` differs from the one the client sent.
    #[error("the ID token's nonce does not match the request")]
    Nonce,
    /// `exp` has passed.
    #[error("the ID token has expired")]
    Expired,
}

/// Why a remote-signing operation failed. Every variant says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The HTTP exchange itself failed (connection refused, timeout, TLS); the source
    /// says how. Check the platform URL and the network.
    #[error("no answer from the remote-signing platform")]
    Transport(#[from] TransportError),
    /// An answer does not decode as the protocol's message for its endpoint (a required
    /// member is missing, or a member has the wrong type); the source names the member.
    /// The URL is probably not a remote-signing platform, or speaks another version.
    #[error("the answer to {endpoint} (HTTP {status}) does not decode")]
    Decode {
        /// The endpoint's path.
        endpoint: &'static str,
        /// The answer's HTTP status.
        status: u16,
        /// What is wrong, naming the member.
        #[source]
        source: serde_json::Error,
    },
    /// The platform answered something this client does not accept although it decodes
    /// (a signature count that differs from the hashes', an empty certificate list);
    /// the text says what was expected.
    #[error("unexpected answer from the platform: {0}")]
    Protocol(String),
    /// The session expired or is unknown: log in again ([`RemoteSigner`](crate::RemoteSigner)
    /// does this by itself).
    #[error("the session expired: log in again")]
    SessionExpired,
    /// The card's certificate (or the device) is bound to no second certificate: bind it
    /// first (appendix 1 or 2 of the guide).
    #[error("this card or device is not bound to a second certificate")]
    Unbound,
    /// The card or device binding was revoked or replaced: bind the current card again.
    #[error("the binding was revoked or replaced: {0}")]
    BindingRevoked(String),
    /// A device is registered already: ask the user, then register again with
    /// `replace_existing` (the old device stops working).
    #[error("a device is registered already; confirm replacing it")]
    DeviceAlreadyRegistered,
    /// The setup password is wrong; `tries_left` more tries before it locks.
    #[error("wrong setup password ({tries_left} tries left)")]
    WrongSetupPassword {
        /// Tries left before the setup code locks (as the platform says).
        tries_left: u32,
    },
    /// Five wrong passwords locked the setup code: ask the authority for a new letter.
    #[error("the setup code is locked")]
    SetupLocked,
    /// The setup URL or QR code expired or was used: generate a new one.
    #[error("the setup code expired or was used")]
    SetupExpired,
    /// The platform refused the SAD or the hashes (`invalid_sad`, `sad_exhausted`,
    /// `hash_not_authorized`): authorize again for exactly the hashes to sign.
    #[error("signing refused ({code}): {description}")]
    SignatureRefused {
        /// The platform's error code.
        code: ErrorCode,
        /// Its description.
        description: String,
    },
    /// Any other refusal; `code` is the platform's OAuth/CSC error code.
    #[error("the platform refused ({status} {code}): {description}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The `error` code.
        code: ErrorCode,
        /// The `error_description`.
        description: String,
    },
    /// The `state` returned by the authorization endpoint is not the one sent
    /// (a cross-site request forgery or a mixed-up login): start again.
    #[error("the OIDC state does not match")]
    StateMismatch,
    /// The ID token failed validation; the inner error names the check.
    #[error("ID token rejected: {0}")]
    IdToken(#[from] IdTokenError),
    /// The card or device could not sign the login or binding challenge.
    #[error("the authenticator could not sign: {0}")]
    Authenticator(#[from] cert_signer::SignError),
    /// The platform lists no second certificate for this person.
    #[error("no second certificate (credential) for this person")]
    NoCredential,
    /// The operating system's random number generator failed.
    #[error("no randomness from the operating system: {0}")]
    Random(String),
}

impl Error {
    /// Maps an error answer of `endpoint` to a variant.
    pub(crate) fn from_answer(endpoint: &'static str, status: u16, body: &[u8]) -> Self {
        let ErrorBody {
            error: code,
            error_description,
            tries_left,
        } = match serde_json::from_slice(body) {
            Ok(body) => body,
            Err(source) => {
                return Self::Decode {
                    endpoint,
                    status,
                    source,
                };
            }
        };
        let description = error_description.unwrap_or_default();
        match code {
            ErrorCode::InvalidToken => Self::SessionExpired,
            ErrorCode::UnboundCertificate => Self::Unbound,
            ErrorCode::BindingRevoked => Self::BindingRevoked(description),
            ErrorCode::DeviceExists => Self::DeviceAlreadyRegistered,
            ErrorCode::WrongPassword => match tries_left {
                Some(tries_left) => Self::WrongSetupPassword { tries_left },
                None => Self::Protocol(format!("{endpoint}: wrong_password without `tries_left`")),
            },
            ErrorCode::SetupLocked => Self::SetupLocked,
            ErrorCode::SetupExpired => Self::SetupExpired,
            ErrorCode::InvalidSad | ErrorCode::SadExhausted | ErrorCode::HashNotAuthorized => {
                Self::SignatureRefused { code, description }
            }
            _ => Self::Refused {
                status,
                code,
                description,
            },
        }
    }
}

impl From<Error> for cert_signer::SignError {
    fn from(e: Error) -> Self {
        match e {
            Error::Authenticator(inner) => inner,
            other => cert_signer::SignError::Device(Box::new(other)),
        }
    }
}
