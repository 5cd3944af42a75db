//! OpenID Connect login: authorization code with PKCE S256, the authenticator signing
//! the platform's challenge in place of a browser.

use serde::{Deserialize, Serialize};

use super::codec::{Secret, b64, b64_option};

/// The OIDC client, one per way of logging in (docs/spec/signatures.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ClientId {
    /// The HPKI card's authentication key.
    #[serde(rename = "HPKI")]
    Hpki,
    /// The My Number Card's user-authentication key.
    #[serde(rename = "JPKI")]
    Jpki,
    /// A registered smartphone's device key.
    #[serde(rename = "FIDO")]
    Fido,
}

impl ClientId {
    /// Every client.
    pub const ALL: [Self; 3] = [Self::Hpki, Self::Jpki, Self::Fido];

    /// The `client_id` as sent: `HPKI`, `JPKI` or `FIDO`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Hpki => "HPKI",
            Self::Jpki => "JPKI",
            Self::Fido => "FIDO",
        }
    }

    /// The client named `text`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// The authentication method reference in the ID token's `amr`: `hpki`, `jpki` or
    /// `fido`.
    pub const fn amr(self) -> &'static str {
        match self {
            Self::Hpki => "hpki",
            Self::Jpki => "jpki",
            Self::Fido => "fido",
        }
    }
}

impl core::fmt::Display for ClientId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ClientId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// `GET /.well-known/openid-configuration` answer (OpenID Connect Discovery 1.0 §3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderMetadata {
    /// The issuer: the platform's base URL, the ID token's `iss`.
    pub issuer: String,
    /// The authorization endpoint (the platform's own challenge/complete pair stands in
    /// for the browser redirect).
    pub authorization_endpoint: String,
    /// The token endpoint.
    pub token_endpoint: String,
    /// Where the ID-token keys are.
    pub jwks_uri: String,
    /// `["code"]`.
    pub response_types_supported: Vec<String>,
    /// `["S256"]`.
    pub code_challenge_methods_supported: Vec<String>,
    /// `["ES256"]`.
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// `["public"]`.
    pub subject_types_supported: Vec<String>,
}

/// `POST /oidc/auth/challenge` body: the authorization request (RFC 6749 §4.1.1,
/// RFC 7636 §4.3, OpenID Connect Core §3.1.2.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    /// `code`.
    pub response_type: String,
    /// Space-separated; must include `openid`.
    pub scope: String,
    /// Which authenticator logs in.
    pub client_id: ClientId,
    /// Where the code would be redirected; sent again to the token endpoint.
    pub redirect_uri: String,
    /// Random; returned unchanged with the code (CSRF protection).
    pub state: String,
    /// Random; returned in the ID token (replay protection).
    pub nonce: String,
    /// [`pkce_challenge`](super::pkce_challenge) of the verifier.
    pub code_challenge: String,
    /// `S256`.
    pub code_challenge_method: String,
}

/// `POST /oidc/auth/challenge` answer: what the authenticator signs
/// ([`login_message`](super::login_message)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginChallenge {
    /// The pending authorization request.
    pub auth_req_id: String,
    /// Random text, valid 5 minutes.
    pub challenge: String,
}

/// `POST /oidc/auth/complete` body: the authenticator's signature over
/// [`login_message`](super::login_message).
///
/// A card (clients `HPKI`, `JPKI`) sends its `certificate`; a device (`FIDO`) its
/// `device_id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginProof {
    /// From [`LoginChallenge`].
    pub auth_req_id: String,
    /// The card's RSA PKCS#1 v1.5 SHA-256 signature, or the device's ECDSA P-256
    /// SHA-256 signature as r‖s (64 bytes).
    #[serde(with = "b64")]
    pub signature: Vec<u8>,
    /// The card's authentication certificate (DER); cards only.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "b64_option")]
    pub certificate: Option<Vec<u8>>,
    /// The registered device's id; devices only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

/// `POST /oidc/auth/complete` answer: the authorization response (RFC 6749 §4.1.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationResponse {
    /// The authorization code: single use, valid 1 minute.
    pub code: Secret,
    /// The request's `state`, unchanged.
    pub state: String,
    /// The redirect a browser would follow (`redirect_uri?code=…&state=…`).
    pub redirect: String,
}

/// `POST /oidc/token` body: the access token request (RFC 6749 §4.1.3, RFC 7636 §4.5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRequest {
    /// `authorization_code`.
    pub grant_type: String,
    /// From [`AuthorizationResponse`].
    pub code: Secret,
    /// The PKCE verifier whose challenge was sent.
    pub code_verifier: Secret,
    /// The same client as in the authorization request.
    pub client_id: ClientId,
    /// The same redirect URI as in the authorization request.
    pub redirect_uri: String,
}

/// `POST /oidc/token` answer (RFC 6749 §5.1, OpenID Connect Core §3.1.3.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The session's bearer token.
    pub access_token: Secret,
    /// `Bearer`.
    pub token_type: String,
    /// The session's lifetime in seconds (18 hours by default).
    pub expires_in: u64,
    /// The ID token: a compact JWS (ES256) over [`IdTokenClaims`].
    pub id_token: String,
    /// The scope granted.
    pub scope: String,
}

/// The ID token's claims (OpenID Connect Core §2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdTokenClaims {
    /// The issuer: the platform's base URL.
    pub iss: String,
    /// The person's id on the platform.
    pub sub: String,
    /// The client the token was issued to (`HPKI`, `JPKI`, `FIDO`).
    pub aud: String,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expires at (Unix seconds): the session's end.
    pub exp: i64,
    /// When the authenticator signed (Unix seconds).
    pub auth_time: i64,
    /// The authorization request's `nonce`.
    pub nonce: String,
    /// How the person authenticated: `["hpki"]`, `["jpki"]` or `["fido"]`.
    pub amr: Vec<String>,
}
