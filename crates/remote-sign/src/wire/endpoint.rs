//! The protocol's endpoints: method, path and what authorizes a call.

use crate::Method;

/// One endpoint of the platform, below its base URL.
///
/// The client calls them by name; the simulator routes requests with
/// [`find`](Self::find).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// `GET /.well-known/openid-configuration`: [`ProviderMetadata`](super::ProviderMetadata).
    Discovery,
    /// `GET /oidc/jwks`: the ID-token keys (RFC 7517 JWK Set).
    Jwks,
    /// `POST /oidc/auth/challenge`: [`AuthorizationRequest`](super::AuthorizationRequest)
    /// → [`LoginChallenge`](super::LoginChallenge).
    AuthChallenge,
    /// `POST /oidc/auth/complete`: [`LoginProof`](super::LoginProof) →
    /// [`AuthorizationResponse`](super::AuthorizationResponse).
    AuthComplete,
    /// `POST /oidc/token`: [`TokenRequest`](super::TokenRequest) →
    /// [`TokenResponse`](super::TokenResponse).
    Token,
    /// `GET /platform/me` (bearer): [`Person`](super::Person).
    Me,
    /// `POST /platform/bindings/jpki/challenge` (bearer, HPKI-card login):
    /// [`BindChallenge`](super::BindChallenge).
    BindChallenge,
    /// `POST /platform/bindings/jpki` (bearer, HPKI-card login):
    /// [`BindRequest`](super::BindRequest) → [`BindResponse`](super::BindResponse).
    BindJpki,
    /// `POST /platform/devices/qr` (bearer, HPKI-card login): [`DeviceQr`](super::DeviceQr).
    DeviceQr,
    /// `POST /platform/devices/register` (setup code):
    /// [`DeviceRegistration`](super::DeviceRegistration) →
    /// [`DeviceRegistered`](super::DeviceRegistered).
    DeviceRegister,
    /// `GET` or `POST /csc/v2/info`: [`CscInfo`](super::CscInfo).
    CscInfo,
    /// `POST /csc/v2/credentials/list` (bearer):
    /// [`CredentialsListRequest`](super::CredentialsListRequest) →
    /// [`CredentialsList`](super::CredentialsList).
    CredentialsList,
    /// `POST /csc/v2/credentials/info` (bearer):
    /// [`CredentialsInfoRequest`](super::CredentialsInfoRequest) →
    /// [`CredentialsInfo`](super::CredentialsInfo).
    CredentialsInfo,
    /// `POST /csc/v2/credentials/authorize` (bearer):
    /// [`AuthorizeRequest`](super::AuthorizeRequest) →
    /// [`AuthorizeResponse`](super::AuthorizeResponse).
    CredentialsAuthorize,
    /// `POST /csc/v2/signatures/signHash` (bearer and SAD):
    /// [`SignHashRequest`](super::SignHashRequest) →
    /// [`SignHashResponse`](super::SignHashResponse).
    SignHash,
}

impl Endpoint {
    /// Every endpoint.
    pub const ALL: [Self; 15] = [
        Self::Discovery,
        Self::Jwks,
        Self::AuthChallenge,
        Self::AuthComplete,
        Self::Token,
        Self::Me,
        Self::BindChallenge,
        Self::BindJpki,
        Self::DeviceQr,
        Self::DeviceRegister,
        Self::CscInfo,
        Self::CredentialsList,
        Self::CredentialsInfo,
        Self::CredentialsAuthorize,
        Self::SignHash,
    ];

    /// The path below the platform's base URL.
    pub const fn path(self) -> &'static str {
        match self {
            Self::Discovery => "/.well-known/openid-configuration",
            Self::Jwks => "/oidc/jwks",
            Self::AuthChallenge => "/oidc/auth/challenge",
            Self::AuthComplete => "/oidc/auth/complete",
            Self::Token => "/oidc/token",
            Self::Me => "/platform/me",
            Self::BindChallenge => "/platform/bindings/jpki/challenge",
            Self::BindJpki => "/platform/bindings/jpki",
            Self::DeviceQr => "/platform/devices/qr",
            Self::DeviceRegister => "/platform/devices/register",
            Self::CscInfo => "/csc/v2/info",
            Self::CredentialsList => "/csc/v2/credentials/list",
            Self::CredentialsInfo => "/csc/v2/credentials/info",
            Self::CredentialsAuthorize => "/csc/v2/credentials/authorize",
            Self::SignHash => "/csc/v2/signatures/signHash",
        }
    }

    /// The method the client uses (`/csc/v2/info` also answers `GET`).
    pub const fn method(self) -> Method {
        match self {
            Self::Discovery | Self::Jwks | Self::Me => Method::Get,
            _ => Method::Post,
        }
    }

    /// Whether a call needs the session's access token (`Authorization: Bearer`).
    pub const fn needs_session(self) -> bool {
        matches!(
            self,
            Self::Me
                | Self::BindChallenge
                | Self::BindJpki
                | Self::DeviceQr
                | Self::CredentialsList
                | Self::CredentialsInfo
                | Self::CredentialsAuthorize
                | Self::SignHash
        )
    }

    /// The endpoint a request for `method` (`"GET"`, `"POST"`) and `path` reaches (a
    /// query is ignored), if any.
    ///
    /// ```
    /// use remote_sign::wire::Endpoint;
    ///
    /// assert_eq!(Endpoint::find("POST", "/oidc/token?x=1"), Some(Endpoint::Token));
    /// assert_eq!(Endpoint::find("GET", "/csc/v2/info"), Some(Endpoint::CscInfo));
    /// assert_eq!(Endpoint::find("GET", "/oidc/token"), None);
    /// ```
    pub fn find(method: &str, path: &str) -> Option<Self> {
        let path = path.split('?').next().unwrap_or_default();
        Self::ALL.into_iter().find(|e| {
            e.path() == path
                && (e.method().as_str() == method || (*e == Self::CscInfo && method == "GET"))
        })
    }
}
