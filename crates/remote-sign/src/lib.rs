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

pub use crate::{
    binding::{DeviceSetup, PersonInfo},
    client::{Authorization, CredentialInfo, RemoteClient},
    device::{DeviceKey, RegisteredDevice},
    error::{Error, IdTokenError},
    login::{Authenticator, Session},
    signer::RemoteSigner,
    transport::{HttpRequest, HttpResponse, HttpTransport, Method, Transport},
};
