//! The crate's error type.

use serde_json::Value;

/// Why the ID token from the token endpoint was rejected (OpenID Connect Core §3.1.3.7).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdTokenError {
    /// Not three base64url parts of JSON.
    #[error("the ID token is not a well-formed JWS")]
    Malformed,
    /// The header names another algorithm than ES256.
    #[error("the ID token is signed with {0}, only ES256 is accepted")]
    Algorithm(String),
    /// No key in the platform's JWKS has the token's `kid`.
    #[error("no JWKS key with kid {0:?}")]
    UnknownKey(String),
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
    /// The HTTP exchange itself failed (connection refused, timeout, TLS); check the
    /// platform URL and the network.
    #[error("transport: {0}")]
    Transport(String),
    /// The platform answered something this client does not understand; the text says
    /// what was expected.
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
        code: String,
        /// Its description.
        description: String,
    },
    /// Any other refusal; `code` is the platform's OAuth/CSC error code.
    #[error("the platform refused ({status} {code}): {description}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The `error` code.
        code: String,
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
    /// Maps an error answer (`{"error", "error_description"}`) to a variant.
    pub(crate) fn from_answer(status: u16, body: &Value) -> Self {
        let code = body
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_owned();
        let description = body
            .get("error_description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        match code.as_str() {
            "invalid_token" => Self::SessionExpired,
            "unbound_certificate" => Self::Unbound,
            "binding_revoked" => Self::BindingRevoked(description),
            "device_exists" => Self::DeviceAlreadyRegistered,
            "wrong_password" => Self::WrongSetupPassword {
                tries_left: description
                    .split_whitespace()
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0),
            },
            "setup_locked" => Self::SetupLocked,
            "setup_expired" => Self::SetupExpired,
            "invalid_sad" | "sad_exhausted" | "hash_not_authorized" => {
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
