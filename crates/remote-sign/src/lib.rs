#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod binding;
mod client;
mod device;
mod error;
mod id_token;
mod login;
mod signer;
mod transport;
pub mod wire;

pub use crate::{
    binding::DeviceSetup,
    client::{Authorization, CredentialInfo, RemoteClient},
    device::{DeviceKey, RegisteredDevice},
    error::{Error, IdTokenError},
    login::{Authenticator, Session},
    signer::RemoteSigner,
    transport::{
        BoxError, HttpRequest, HttpResponse, HttpTransport, MAX_RESPONSE_BYTES, Method, Transport,
        TransportError,
    },
    wire::ClientId,
};
