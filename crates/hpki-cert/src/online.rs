//! An online [`CrlSource`]: each certificate's CRLs fetched over HTTP from its CRL
//! distribution points and cached by URL until their nextUpdate (feature `online`).
//!
//! HPKI and JPKI CAs publish signed CRLs at plain `http://` URLs named in every
//! certificate they issue (the MEDIS signing CA's is
//! `http://cert.medis.or.jp/sign/crl-sign2.crl`, the MHLW root's ARL
//! `http://hpki.mhlw.go.jp/repository/rlist/rarl2.crl`). [`HttpCrlSource`] fetches
//! them when path validation asks for a certificate's status and no CRL given with the
//! document or by the caller settles it:
//!
//! ```
//! use std::{sync::Arc, time::Duration};
//! use hpki_cert::{CrlFetchError, CrlSource, PathOptions, online::HttpCrlSource};
//!
//! let cache = tempfile::tempdir()?;
//! let source = HttpCrlSource::builder()
//!     .timeout(Duration::from_secs(5))
//!     // An internal mirror of the CA's repository, for hosts without Internet access.
//!     .mirror("http://cert.medis.or.jp/", "http://crl-mirror.hospital.example/medis/")
//!     // CRLs survive restarts: a file per URL, reused until its nextUpdate.
//!     .cache_dir(cache.path())
//!     .build()?;
//! let source = Arc::new(source);
//! let options = PathOptions::hpki_signature(jiff::Timestamp::now())
//!     .with_crl_source(source.clone());
//! # let _ = options;
//!
//! // Switched offline, it fetches nothing (cached CRLs would still be served), and
//! // says so for every distribution point.
//! source.set_offline(true);
//! let pki = hpki_cert::testpki::TestPki::shared()?;
//! let answer = source.crls_for(&pki.physician().certificate()?);
//! assert!(answer.crls.is_empty());
//! assert_eq!(answer.errors, [CrlFetchError::Offline {
//!     url: "http://crl.medsign.invalid/hpki/sign.crl".into(),
//! }]);
//! assert_eq!(source.requests(), 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What it does and does not do
//!
//! - Only `http://` distribution points are fetched: a CRL is signed, so transport
//!   security adds nothing to its integrity, and the CAs publish over HTTP. Other
//!   schemes (`ldap://`, `https://`) are reported as [`CrlFetchError::UnsupportedUrl`].
//!   Up to three redirects are followed.
//! - Nothing fetched is trusted: the source does not verify a CRL. Path validation
//!   checks every CRL it gets (issuer, signature, scope, freshness at the validation
//!   time) like any other; the source is trusted for availability only.
//! - Every request has a time limit for the whole transfer (connection, headers and
//!   body; default 10 s) and a size limit enforced while reading (default 32 MiB).
//! - The system's `HTTP_PROXY` / `NO_PROXY` settings are honoured.
//!
//! # Cache and freshness
//!
//! CRLs are cached by distribution point URL (the one in the certificate, before any
//! mirror rewrite), in memory (a bounded number of entries, least recently used
//! dropped first) and, with [`cache_dir`](HttpCrlSourceBuilder::cache_dir), in a
//! directory: one file per URL named by the SHA-256 of the URL, written to a temporary
//! file and renamed, read back when memory has no entry (a file that is not a CRL is
//! ignored and fetched again). The rule, with `now` from the source's clock:
//!
//! - while `now` ≤ the cached CRL's nextUpdate, it is served without a request;
//! - after it (or when the CRL has no nextUpdate), the URL is fetched again; when that
//!   fails the stale CRL is returned together with the error, and path validation,
//!   finding it stale at the validation time, names it (INDETERMINATE, `TRY_LATER`);
//! - offline, cached CRLs are served as they are, and the error is
//!   [`CrlFetchError::Offline`] for each point that had to be fetched.
//!
//! Failures are not cached: an unreachable point is tried again at the next
//! validation. A validation at a past time may still use a CRL the cache holds as
//! stale, since its freshness is judged at the validation time.
//!
//! # Mirrors
//!
//! [`mirror`](HttpCrlSourceBuilder::mirror) rewrites a URL prefix before fetching: the
//! way to use an internal mirror of the CAs' repositories (or a local endpoint serving
//! test CRLs, as `sign-platform-sim`'s `CrlServer` does for
//! `http://crl.medsign.invalid/`). The first matching prefix wins. Errors name both
//! the certificate's URL and the mirrored one.

use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use der::Decode as _;
use sha2::Digest as _;

use crate::{Certificate, CrlAnswer, CrlFetchError, CrlSource, Error};

/// The default time limit of one request, for the whole transfer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default size limit of one CRL (32 MiB; the largest real HPKI CRLs are a few MiB).
pub const DEFAULT_MAX_SIZE: u64 = 32 * 1024 * 1024;
/// The default number of CRLs kept in memory.
pub const DEFAULT_MEMORY_ENTRIES: usize = 32;

/// What the requests call themselves.
const USER_AGENT: &str = concat!("hpki-cert/", env!("CARGO_PKG_VERSION"), " (CRL fetch)");

/// How many redirects a fetch follows.
const MAX_REDIRECTS: u32 = 3;

type Clock = Arc<dyn Fn() -> jiff::Timestamp + Send + Sync>;

/// Configures an [`HttpCrlSource`]; made by [`HttpCrlSource::builder`].
#[must_use]
pub struct HttpCrlSourceBuilder {
    timeout: Duration,
    max_size: u64,
    offline: bool,
    mirrors: Vec<(String, String)>,
    memory_entries: usize,
    cache_dir: Option<PathBuf>,
    clock: Clock,
}

impl core::fmt::Debug for HttpCrlSourceBuilder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HttpCrlSourceBuilder")
            .field("timeout", &self.timeout)
            .field("max_size", &self.max_size)
            .field("offline", &self.offline)
            .field("mirrors", &self.mirrors)
            .field("memory_entries", &self.memory_entries)
            .field("cache_dir", &self.cache_dir)
            .finish_non_exhaustive()
    }
}

impl HttpCrlSourceBuilder {
    /// The time limit of one request, from connecting to the last byte of the body
    /// (default [`DEFAULT_TIMEOUT`]); past it the fetch fails with
    /// [`CrlFetchError::Timeout`].
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = limit;
        self
    }

    /// The largest CRL accepted, in bytes (default [`DEFAULT_MAX_SIZE`]); a larger
    /// answer fails with [`CrlFetchError::TooLarge`] without being read further.
    pub fn max_size(mut self, bytes: u64) -> Self {
        self.max_size = bytes;
        self
    }

    /// Starts offline (no request is made; cached CRLs are still served). See
    /// [`HttpCrlSource::set_offline`].
    pub fn offline(mut self, offline: bool) -> Self {
        self.offline = offline;
        self
    }

    /// Fetches URLs starting with `from` from `to` instead (the rest of the URL
    /// appended): an internal mirror of a CA's repository, e.g.
    /// `mirror("http://cert.medis.or.jp/", "http://crl.hospital.example/medis/")`. The
    /// mirrored URL must be `http://` too. Mirrors are tried in the order added; the
    /// first matching prefix wins.
    pub fn mirror(mut self, from: impl Into<String>, to: impl Into<String>) -> Self {
        self.mirrors.push((from.into(), to.into()));
        self
    }

    /// How many CRLs the memory cache keeps (default [`DEFAULT_MEMORY_ENTRIES`]); the
    /// least recently used goes first. `0` keeps none in memory.
    pub fn memory_entries(mut self, entries: usize) -> Self {
        self.memory_entries = entries;
        self
    }

    /// Also caches CRLs in `dir` (created by [`build`](Self::build) when missing), one
    /// file per URL, so that they survive the process.
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// The clock that decides whether a cached CRL is still current (default: the
    /// system time). Tests move it to expire cached CRLs.
    pub fn clock(mut self, now: impl Fn() -> jiff::Timestamp + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(now);
        self
    }

    /// The source. Fails only when the cache directory cannot be created.
    pub fn build(self) -> Result<HttpCrlSource, Error> {
        if let Some(dir) = &self.cache_dir {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                path: dir.clone(),
                source,
            })?;
        }
        Ok(self.assemble())
    }

    /// The source, without touching the file system.
    fn assemble(self) -> HttpCrlSource {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(self.timeout))
            .http_status_as_error(false)
            .max_redirects(MAX_REDIRECTS)
            .user_agent(USER_AGENT)
            .build();
        HttpCrlSource {
            agent: ureq::Agent::new_with_config(config),
            timeout: self.timeout,
            max_size: self.max_size,
            offline: AtomicBool::new(self.offline),
            mirrors: self.mirrors,
            memory: Mutex::new(Memory {
                entries: HashMap::new(),
                capacity: self.memory_entries,
                tick: 0,
            }),
            cache_dir: self.cache_dir,
            clock: self.clock,
            requests: AtomicU64::new(0),
        }
    }
}

/// A [`CrlSource`] that fetches the CRLs of each certificate's `http://` CRL
/// distribution points, with limits, mirrors, an offline switch and a cache that
/// honours nextUpdate (see [the module documentation](self)).
///
/// Shared between threads as it is (`Send + Sync`): give path validation an
/// `Arc<HttpCrlSource>` and keep a clone to switch it offline or count requests.
pub struct HttpCrlSource {
    agent: ureq::Agent,
    timeout: Duration,
    max_size: u64,
    offline: AtomicBool,
    mirrors: Vec<(String, String)>,
    memory: Mutex<Memory>,
    cache_dir: Option<PathBuf>,
    clock: Clock,
    requests: AtomicU64,
}

impl core::fmt::Debug for HttpCrlSource {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let cached = self
            .memory
            .lock()
            .map_or_else(|p| p.into_inner().entries.len(), |m| m.entries.len());
        f.debug_struct("HttpCrlSource")
            .field("timeout", &self.timeout)
            .field("max_size", &self.max_size)
            .field("offline", &self.is_offline())
            .field("mirrors", &self.mirrors)
            .field("cache_dir", &self.cache_dir)
            .field("cached_in_memory", &cached)
            .field("requests", &self.requests())
            .finish_non_exhaustive()
    }
}

impl Default for HttpCrlSource {
    /// [`HttpCrlSource::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl HttpCrlSource {
    /// A source with the defaults: 10 s per request, 32 MiB per CRL, online, no
    /// mirror, 32 CRLs cached in memory, no cache directory, the system clock.
    pub fn new() -> Self {
        Self::builder().assemble()
    }

    /// A builder with the defaults of [`new`](Self::new).
    pub fn builder() -> HttpCrlSourceBuilder {
        HttpCrlSourceBuilder {
            timeout: DEFAULT_TIMEOUT,
            max_size: DEFAULT_MAX_SIZE,
            offline: false,
            mirrors: Vec::new(),
            memory_entries: DEFAULT_MEMORY_ENTRIES,
            cache_dir: None,
            clock: Arc::new(jiff::Timestamp::now),
        }
    }

    /// Switches the source offline (`true`: no request is made, cached CRLs are still
    /// served, every point that would have been fetched reports
    /// [`CrlFetchError::Offline`]) or back online.
    pub fn set_offline(&self, offline: bool) {
        self.offline.store(offline, Ordering::Relaxed);
    }

    /// Whether the source is offline.
    pub fn is_offline(&self) -> bool {
        self.offline.load(Ordering::Relaxed)
    }

    /// How many HTTP requests the source has made (for tests and monitoring).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The CRL of one distribution point: from the cache while current, else fetched;
    /// a stale cached CRL comes back with the error when fetching fails.
    fn crl_at(&self, url: &str) -> (Vec<Arc<[u8]>>, Option<CrlFetchError>) {
        if !is_http(url) {
            return (
                Vec::new(),
                Some(CrlFetchError::UnsupportedUrl {
                    url: url.to_owned(),
                }),
            );
        }
        let now = (self.clock)();
        let cached = self.cached(url);
        if let Some(entry) = &cached
            && entry.next_update.is_some_and(|next| now <= next)
        {
            return (vec![entry.der.clone()], None);
        }
        let stale: Vec<Arc<[u8]>> = cached.map(|e| e.der).into_iter().collect();
        if self.is_offline() {
            return (
                stale,
                Some(CrlFetchError::Offline {
                    url: url.to_owned(),
                }),
            );
        }
        match self.download(url) {
            Ok(body) => {
                let der: Arc<[u8]> = Arc::from(body);
                match next_update(&der) {
                    Ok(next_update) => {
                        self.store(url, &der, next_update);
                        (vec![der], None)
                    }
                    // Not a CRL: handed on all the same, so that path validation names
                    // it ("does not parse"), with the stale CRL if there is one.
                    Err(()) => (std::iter::once(der).chain(stale).collect(), None),
                }
            }
            Err(e) => (stale, Some(e)),
        }
    }

    /// The cached CRL of `url`: memory first, then the cache directory.
    fn cached(&self, url: &str) -> Option<Cached> {
        {
            let mut memory = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
            memory.tick += 1;
            let tick = memory.tick;
            if let Some(entry) = memory.entries.get_mut(url) {
                entry.used = tick;
                return Some(entry.clone());
            }
        }
        let path = self.cache_file(url)?;
        let len = std::fs::metadata(&path).ok()?.len();
        if len > self.max_size {
            return None;
        }
        let der: Arc<[u8]> = Arc::from(std::fs::read(&path).ok()?);
        // A file that is not a CRL (truncated, overwritten) is ignored: fetched again.
        let next_update = next_update(&der).ok()?;
        self.remember(url, &der, next_update);
        Some(Cached {
            der,
            next_update,
            used: 0,
        })
    }

    /// Caches a freshly fetched CRL in memory and, best effort, in the directory (a
    /// file that cannot be written only costs a fetch in the next process).
    fn store(&self, url: &str, der: &Arc<[u8]>, next_update: Option<jiff::Timestamp>) {
        self.remember(url, der, next_update);
        if let (Some(dir), Some(path)) = (&self.cache_dir, self.cache_file(url)) {
            let _ = write_atomically(dir, &path, der);
        }
    }

    fn remember(&self, url: &str, der: &Arc<[u8]>, next_update: Option<jiff::Timestamp>) {
        let mut memory = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
        if memory.capacity == 0 {
            return;
        }
        memory.tick += 1;
        let used = memory.tick;
        memory.entries.insert(
            url.to_owned(),
            Cached {
                der: der.clone(),
                next_update,
                used,
            },
        );
        while memory.entries.len() > memory.capacity {
            let Some(oldest) = memory
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            memory.entries.remove(&oldest);
        }
    }

    fn cache_file(&self, url: &str) -> Option<PathBuf> {
        let dir = self.cache_dir.as_ref()?;
        Some(dir.join(format!(
            "{}.crl",
            hex::encode(sha2::Sha256::digest(url.as_bytes()))
        )))
    }

    /// The URL actually fetched for `url`, after the first matching mirror.
    fn mirrored(&self, url: &str) -> Option<String> {
        self.mirrors.iter().find_map(|(from, to)| {
            url.strip_prefix(from.as_str())
                .map(|rest| format!("{to}{rest}"))
        })
    }

    /// One GET of `url` (or its mirror) within the time and size limits.
    fn download(&self, url: &str) -> Result<Vec<u8>, CrlFetchError> {
        let mirrored = self.mirrored(url);
        let target = mirrored.as_deref().unwrap_or(url);
        // Errors name the certificate's URL, and the mirror when one was used.
        let named = match &mirrored {
            Some(m) => format!("{url} (via {m})"),
            None => url.to_owned(),
        };
        if !is_http(target) {
            return Err(CrlFetchError::UnsupportedUrl { url: named });
        }
        let started = Instant::now();
        let seconds = self.timeout.as_secs() + u64::from(self.timeout.subsec_nanos() > 0);
        let classify = |e: ureq::Error| match e {
            ureq::Error::Timeout(_) => CrlFetchError::Timeout {
                url: named.clone(),
                seconds,
            },
            ureq::Error::BodyExceedsLimit(_) => CrlFetchError::TooLarge {
                url: named.clone(),
                limit: self.max_size,
            },
            ureq::Error::Io(io)
                if matches!(
                    io.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                ) || started.elapsed() >= self.timeout =>
            {
                CrlFetchError::Timeout {
                    url: named.clone(),
                    seconds,
                }
            }
            other => CrlFetchError::Unreachable {
                url: named.clone(),
                reason: other.to_string(),
            },
        };
        self.requests.fetch_add(1, Ordering::Relaxed);
        let response = self.agent.get(target).call().map_err(classify)?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(CrlFetchError::HttpStatus { url: named, status });
        }
        let announced = response
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if announced.is_some_and(|len| len > self.max_size) {
            return Err(CrlFetchError::TooLarge {
                url: named,
                limit: self.max_size,
            });
        }
        let mut body = Vec::new();
        response
            .into_body()
            .into_with_config()
            .limit(self.max_size)
            .reader()
            .read_to_end(&mut body)
            .map_err(|e| classify(ureq::Error::from(e)))?;
        Ok(body)
    }
}

impl CrlSource for HttpCrlSource {
    /// The CRLs of every `http://` distribution point of `cert` (each URL once, in the
    /// certificate's order), and an error for each point that gave none or only a
    /// stale one.
    fn crls_for(&self, cert: &Certificate) -> CrlAnswer {
        let mut urls = cert.crl_distribution_urls();
        if urls.is_empty() {
            return CrlAnswer::new(Vec::new(), vec![CrlFetchError::NoDistributionPoint]);
        }
        let mut seen = std::collections::HashSet::new();
        urls.retain(|u| seen.insert(u.clone()));
        let mut crls = Vec::new();
        let mut errors = Vec::new();
        for url in &urls {
            let (found, error) = self.crl_at(url);
            crls.extend(found);
            errors.extend(error);
        }
        CrlAnswer::new(crls, errors)
    }
}

/// One cached CRL.
#[derive(Clone)]
struct Cached {
    der: Arc<[u8]>,
    next_update: Option<jiff::Timestamp>,
    /// When it was last used (the memory cache's tick), for dropping the least recent.
    used: u64,
}

struct Memory {
    entries: HashMap<String, Cached>,
    capacity: usize,
    tick: u64,
}

fn is_http(url: &str) -> bool {
    url.get(..7)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"))
}

/// The nextUpdate of a DER CRL (`Ok(None)` when it has none); `Err` when the bytes are
/// not a CRL. The CRL is not verified here: path validation does that.
fn next_update(der: &[u8]) -> Result<Option<jiff::Timestamp>, ()> {
    let list = x509_cert::crl::CertificateList::<x509_cert::certificate::Rfc5280>::from_der(der)
        .map_err(|_| ())?;
    list.tbs_cert_list
        .next_update
        .map(|t| {
            let secs = i64::try_from(t.to_unix_duration().as_secs()).map_err(|_| ())?;
            jiff::Timestamp::from_second(secs).map_err(|_| ())
        })
        .transpose()
}

/// Writes `bytes` to a temporary file in `dir` and renames it to `path`, so that a
/// reader never sees half a CRL.
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let tmp = dir.join(format!(
        ".crl-{}-{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_is_shareable_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<HttpCrlSource>();
    }

    #[test]
    fn mirrors_rewrite_the_first_matching_prefix() {
        let source = HttpCrlSource::builder()
            .mirror("http://a.example/crl/", "http://127.0.0.1:9/a/")
            .mirror("http://a.example/", "http://127.0.0.1:9/other/")
            .build();
        let source = source.ok();
        let mirrored = source
            .as_ref()
            .and_then(|s| s.mirrored("http://a.example/crl/x.crl"));
        assert_eq!(mirrored.as_deref(), Some("http://127.0.0.1:9/a/x.crl"));
        let none = source
            .as_ref()
            .and_then(|s| s.mirrored("http://b.example/x.crl"));
        assert_eq!(none, None);
    }

    #[test]
    fn only_http_is_fetched() {
        assert!(is_http("http://cert.medis.or.jp/sign/crl-sign2.crl"));
        assert!(is_http("HTTP://CERT.MEDIS.OR.JP/x.crl"));
        assert!(!is_http("https://example.jp/x.crl"));
        assert!(!is_http("ldap://example.jp/cn=x"));
        assert!(!is_http("http:/"));
    }

    #[test]
    fn bytes_that_are_not_a_crl_have_no_next_update() {
        assert_eq!(next_update(b"<html>not found</html>"), Err(()));
    }
}
