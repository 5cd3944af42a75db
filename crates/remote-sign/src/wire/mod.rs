//! The remote-signing protocol's messages, shared by the client and `sign-platform-sim`.
//!
//! `docs/remote-signing-protocol.md` describes the protocol; this module is its bodies as
//! serde types, one per request and answer, named after what they carry. Members the
//! protocol requires are required here: an answer that lacks one fails to decode, and
//! the error names the member ([`Error::Decode`](crate::Error::Decode)); no member is
//! guessed or defaulted. Binary values (certificates, signatures, hashes, public keys)
//! are standard base64 on the wire and bytes here; bearer secrets are [`Secret`]s.
//!
//! | area | endpoints | types |
//! | --- | --- | --- |
//! | OpenID Connect login (authorization code + PKCE S256) | `/.well-known/openid-configuration`, `/oidc/jwks`, `/oidc/auth/challenge`, `/oidc/auth/complete`, `/oidc/token` | [`ProviderMetadata`], [`AuthorizationRequest`], [`LoginChallenge`], [`LoginProof`], [`AuthorizationResponse`], [`TokenRequest`], [`TokenResponse`], [`IdTokenClaims`] |
//! | the person, bindings, devices | `/platform/me`, `/platform/bindings/jpki[/challenge]`, `/platform/devices/qr`, `/platform/devices/register` | [`Person`], [`BindChallenge`], [`BindRequest`], [`BindResponse`], [`DeviceQr`], [`DeviceRegistration`], [`DeviceRegistered`] |
//! | CSC API v2-style signing | `/csc/v2/info`, `/csc/v2/credentials/list`, `…/info`, `…/authorize`, `/csc/v2/signatures/signHash` | [`CscInfo`], [`CredentialsListRequest`], [`CredentialsList`], [`CredentialsInfoRequest`], [`CredentialsInfo`], [`AuthorizeRequest`], [`AuthorizeResponse`], [`SignHashRequest`], [`SignHashResponse`] |
//! | refusals | every endpoint | [`ErrorBody`], [`ErrorCode`] |
//!
//! The JWK Set at `/oidc/jwks` (RFC 7517) is `jsonwebtoken`'s `JwkSet` on both sides.
//!
//! ```
//! use remote_sign::wire::{AuthorizeResponse, Endpoint};
//!
//! let answer = br#"{"SAD": "opaque"}"#;
//! let err = serde_json::from_slice::<AuthorizeResponse>(answer).unwrap_err();
//! assert!(err.to_string().contains("missing field `expiresIn`"));
//! assert_eq!(Endpoint::CredentialsAuthorize.path(), "/csc/v2/credentials/authorize");
//! ```

mod codec;
mod csc;
mod endpoint;
mod error;
mod oidc;
mod platform;

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest as _, Sha256};

pub use self::{
    codec::Secret,
    csc::{
        AuthorizeRequest, AuthorizeResponse, CertInfo, CertificatesMode, CredentialsInfo,
        CredentialsInfoRequest, CredentialsList, CredentialsListRequest, CscInfo, KeyInfo,
        RSA_ENCRYPTION_OID, SHA256_WITH_RSA_OID, SignHashRequest, SignHashResponse,
    },
    endpoint::Endpoint,
    error::{ErrorBody, ErrorCode},
    oidc::{
        AuthorizationRequest, AuthorizationResponse, ClientId, IdTokenClaims, LoginChallenge,
        LoginProof, ProviderMetadata, TokenRequest, TokenResponse,
    },
    platform::{
        BindChallenge, BindRequest, BindResponse, DeviceQr, DeviceRegistered, DeviceRegistration,
        Person,
    },
};

/// The text a card (RSA PKCS#1 v1.5, SHA-256) or a device key (ECDSA P-256, SHA-256)
/// signs to log in: `"hpki-kagura-sim login\n{auth_req_id}\n{challenge}"`.
pub fn login_message(auth_req_id: &str, challenge: &str) -> String {
    format!("hpki-kagura-sim login\n{auth_req_id}\n{challenge}")
}

/// The text the My Number Card signs to be bound to a person (appendix 1 of the guide):
/// `"hpki-kagura-sim bind-jpki\n{person_id}\n{challenge}"`.
pub fn bind_message(person_id: &str, challenge: &str) -> String {
    format!("hpki-kagura-sim bind-jpki\n{person_id}\n{challenge}")
}

/// The text a device key signs to register (appendix 2):
/// `"hpki-kagura-sim register-device\n{setup_token}"`.
pub fn device_message(setup_token: &str) -> String {
    format!("hpki-kagura-sim register-device\n{setup_token}")
}

/// The PKCE S256 code challenge of `verifier` (RFC 7636 §4.2):
/// `BASE64URL(SHA256(ASCII(code_verifier)))`, 43 characters.
///
/// ```
/// // RFC 7636 appendix B.
/// assert_eq!(
///     remote_sign::wire::pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
///     "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
/// );
/// ```
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}
