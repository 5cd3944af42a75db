//! [`ServerConfig`]: the timeouts and limits of a server.

use std::time::Duration;

/// Limits and timeouts of a server; [`Default`] suits the simulators on loopback.
///
/// ```
/// use std::time::Duration;
/// use sign_platform_sim::ServerConfig;
///
/// let config = ServerConfig::default()
///     .with_read_timeout(Duration::from_secs(2))
///     .with_max_body_bytes(64 * 1024);
/// assert_eq!(config.max_connections, 512);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The longest the server waits for a client's next bytes: a whole request head
    /// (also the next one on a kept-alive connection), or the next piece of a body.
    /// A head not complete in time closes the connection; a body not continued in time
    /// is answered 408 and the connection closed (10 s).
    pub read_timeout: Duration,
    /// The longest a response may wait for the client to take it (10 s); then the
    /// connection is closed.
    pub write_timeout: Duration,
    /// Connections served at once (512). One more is answered 503 at once and closed;
    /// it never waits behind the others.
    pub max_connections: usize,
    /// Requests handled at once (8 threads); complete requests beyond wait for one.
    pub handler_threads: usize,
    /// The largest request body (4 MiB). A larger `Content-Length` is answered 413
    /// before any of the body is read; a body without one is counted while read and
    /// refused as soon as it passes the limit.
    pub max_body_bytes: usize,
    /// Bytes of request bodies held at once across all connections (64 MiB, and never
    /// less than `max_body_bytes`). A body that cannot get its share within
    /// `read_timeout` is answered 503.
    pub max_body_memory: usize,
    /// The largest request head, request line and headers together (64 KiB; larger is
    /// answered 431 by hyper).
    pub max_head_bytes: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            read_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            max_connections: 512,
            handler_threads: 8,
            max_body_bytes: 4 * 1024 * 1024,
            max_body_memory: 64 * 1024 * 1024,
            max_head_bytes: 64 * 1024,
        }
    }
}

impl ServerConfig {
    /// With [`read_timeout`](Self::read_timeout) `timeout`.
    #[must_use]
    pub fn with_read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// With [`write_timeout`](Self::write_timeout) `timeout`.
    #[must_use]
    pub fn with_write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// With at most `n` connections served at once.
    #[must_use]
    pub fn with_max_connections(mut self, n: usize) -> Self {
        self.max_connections = n;
        self
    }

    /// With `n` handler threads.
    #[must_use]
    pub fn with_handler_threads(mut self, n: usize) -> Self {
        self.handler_threads = n;
        self
    }

    /// With request bodies of at most `bytes`.
    #[must_use]
    pub fn with_max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// With at most `bytes` of request bodies held at once.
    #[must_use]
    pub fn with_max_body_memory(mut self, bytes: usize) -> Self {
        self.max_body_memory = bytes;
        self
    }
}
