#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod api;
mod clock;
mod crl;
mod http;
mod pki;
mod platform;
mod server;
mod store;

pub use crate::{
    api::ApiError,
    clock::Clock,
    crl::CrlServer,
    platform::{IssueRequest, Issued, Platform, PlatformConfig},
    server::{
        HttpRequest, HttpResponse, JsonBodyError, MAX_JSON_VALUES, Refusal, ServerConfig,
        ServerHandle, ServerStats, Service, json_object,
    },
};

/// Why the platform could not do what was asked of it through its Rust API.
///
/// HTTP clients see [`ApiError`]s instead (status, OAuth/CSC error code, description).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The SQLite database failed (open, schema or query); the source says how.
    #[error("platform database: {0}")]
    Database(#[from] rusqlite::Error),
    /// Building the test PKI or issuing a certificate failed (never expected with the
    /// embedded keys); the text names the step.
    #[error("platform PKI: {0}")]
    Pki(String),
    /// The HTTP server could not bind `addr`.
    #[error("cannot serve on {addr}: {reason}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// Why binding failed.
        reason: String,
    },
    /// The operating system's random number generator failed.
    #[error("no randomness from the operating system: {0}")]
    Random(String),
    /// A certificate given to the platform does not parse.
    #[error("certificate does not parse: {0}")]
    Certificate(#[from] hpki_cert::Error),
    /// The named person has no second certificate on this platform.
    #[error("unknown person {0:?}: issue a second certificate first")]
    UnknownPerson(String),
    /// An HTTP-level refusal reached through the Rust API (same checks as the server).
    #[error(transparent)]
    Api(#[from] ApiError),
}
