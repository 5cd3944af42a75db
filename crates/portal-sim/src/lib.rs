#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs, rust_2018_idioms, unused_qualifications)]

mod http;
mod platform;
mod portal;
pub mod sample;
mod store;

/// The portal's clock: the same kind as the remote-signing platform's, one per service.
pub use sign_platform_sim::Clock;

/// The server's limits and counters (sign-platform-sim's server, shared by both).
pub use sign_platform_sim::{ServerConfig, ServerStats};

pub use crate::{
    http::{MAX_BODY_BYTES, ServerHandle},
    platform::{
        IssueOrder, IssuedSecond, LocalPlatform, SecondCertificatePlatform, with_local_platform,
    },
    portal::{Portal, PortalConfig},
};

/// Why the portal could not start or serve (refusals of requests are answered over
/// HTTP as `mynaportal_client::PortalError`s instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The SQLite database failed (open, schema or query); the source says how.
    #[error("portal database: {0}")]
    Database(#[from] rusqlite::Error),
    /// A stored row does not decode (the database was edited by hand or is from
    /// another version): start on a fresh database.
    #[error("portal database holds an unreadable row: {0}")]
    Corrupt(String),
    /// The configuration cannot be used (rule set, trust anchors); the text says which.
    #[error("portal configuration: {0}")]
    Config(String),
    /// The HTTP server could not bind `addr`.
    #[error("cannot serve on {addr}: {reason}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// Why binding failed.
        reason: String,
    },
}

impl Error {
    /// A short, data-free name of the kind, for log lines.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Database(_) => "database",
            Self::Corrupt(_) => "corrupt",
            Self::Config(_) => "config",
            Self::Bind { .. } => "bind",
        }
    }
}
