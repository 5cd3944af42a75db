//! The platform: its state and Rust API; one module per concern of its HTTP API.
//!
//! - `issue`: second certificates and the setup letter (the authority's side);
//! - `oidc`: OpenID Connect login and the sessions it opens; `id_token`: its key;
//! - `csc`: the CSC API v2-style signing;
//! - `bindings`: the cards bound to a person (appendix 1);
//! - `devices`: smartphone registration (appendix 2);
//! - `crate::store`: the SQLite schema and housekeeping.

mod bindings;
mod csc;
mod devices;
mod id_token;
mod issue;
mod oidc;

use std::{
    path::Path,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
};

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use jiff::{SignedDuration, Span};
use rusqlite::Connection;
use sha2::{Digest as _, Sha256};

pub use self::issue::{IssueRequest, Issued};
pub(crate) use self::oidc::{Session, screen_authorization_request, screen_token_request};
use crate::{ApiError, Clock, Error, pki::Pki, store};

/// Tunables of the platform; [`Default`] is what the public pages describe.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PlatformConfig {
    /// How long a login session lasts (18 hours).
    pub session_lifetime: SignedDuration,
    /// How long a SAD from `credentials/authorize` stays usable (5 minutes).
    pub sad_lifetime: SignedDuration,
    /// How long a device-registration QR code lasts (10 minutes).
    pub qr_lifetime: SignedDuration,
    /// How long the setup URL and password from the issuing letter last (3 months).
    pub setup_lifetime: Span,
    /// Wrong setup passwords before the setup code locks (5).
    pub setup_password_tries: u32,
    /// The most hashes one SAD may authorize (1000).
    pub max_signatures_per_sad: u32,
    /// Login requests (`oidc/auth/challenge`) pending at once, at most (10,000): one
    /// more is refused 503 `temporarily_unavailable` until some expire (5 minutes).
    /// Expired login requests, codes, bind challenges, SADs, setup codes and sessions
    /// are deleted whenever one of their kind is made.
    pub max_pending_logins: usize,
}

impl Default for PlatformConfig {
    fn default() -> Self {
        Self {
            session_lifetime: SignedDuration::from_hours(18),
            sad_lifetime: SignedDuration::from_mins(5),
            qr_lifetime: SignedDuration::from_mins(10),
            setup_lifetime: Span::new().months(3),
            setup_password_tries: 5,
            max_signatures_per_sad: 1000,
            max_pending_logins: 10_000,
        }
    }
}

struct Inner {
    db: Mutex<Connection>,
    pki: Pki,
    id_key: id_token::IdTokenKey,
    clock: Clock,
    config: PlatformConfig,
    base_url: Mutex<Option<String>>,
    requests: AtomicU64,
}

/// The simulated HPKI second-certificate platform (HPKI-KAGURA stand-in).
///
/// Cheap to clone; every clone shares the database, the clock and the keys.
#[derive(Clone)]
pub struct Platform {
    inner: Arc<Inner>,
}

impl core::fmt::Debug for Platform {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Platform")
            .field("base_url", &*lock(&self.inner.base_url))
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `bytes` random bytes, base64url: ids, challenges, tokens, SADs.
pub(crate) fn random_token(bytes: usize) -> Result<String, ApiError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(ApiError::internal)?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// SHA-256, lowercase hex: how certificates and setup passwords are looked up.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Platform {
    /// Opens the platform on the SQLite database at `db` (created if missing), or in
    /// memory when `None`, with the default [`PlatformConfig`].
    pub fn open(db: Option<&Path>) -> Result<Platform, Error> {
        Self::open_with(db, PlatformConfig::default())
    }

    /// Like [`open`](Self::open) with explicit tunables.
    pub fn open_with(db: Option<&Path>, config: PlatformConfig) -> Result<Platform, Error> {
        let conn = match db {
            Some(path) => Connection::open(path)?,
            None => Connection::open_in_memory()?,
        };
        store::migrate(&conn)?;
        let id_key = id_token::IdTokenKey::load_or_create(&conn)?;
        Ok(Platform {
            inner: Arc::new(Inner {
                db: Mutex::new(conn),
                pki: Pki::new()?,
                id_key,
                clock: Clock::default(),
                config,
                base_url: Mutex::new(None),
                requests: AtomicU64::new(0),
            }),
        })
    }

    /// The platform's clock; tests advance it to expire sessions, SADs and setup codes.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The tunables in force.
    pub fn config(&self) -> &PlatformConfig {
        &self.inner.config
    }

    /// The test HPKI root (DER): the trust anchor for second-certificate signatures.
    pub fn trust_anchor_der(&self) -> Vec<u8> {
        self.inner.pki.root_der().to_vec()
    }

    /// The CA certificates between a second certificate and the root (DER, nearest first).
    pub fn ca_chain_der(&self) -> Vec<Vec<u8>> {
        vec![self.inner.pki.sign_ca_der().to_vec()]
    }

    /// How many HTTP requests the server has answered (all [`serve`](Self::serve)s).
    pub fn requests_served(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    pub(crate) fn count_request(&self) {
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn set_base_url(&self, url: String) {
        *lock(&self.inner.base_url) = Some(url);
    }

    /// The OIDC issuer: the URL the platform is served at (`urn:hpki-kagura-sim` before
    /// it is served).
    pub fn issuer(&self) -> String {
        lock(&self.inner.base_url)
            .clone()
            .unwrap_or_else(|| "urn:hpki-kagura-sim".to_owned())
    }

    fn db(&self) -> MutexGuard<'_, Connection> {
        lock(&self.inner.db)
    }

    /// The platform's time, Unix seconds.
    fn now(&self) -> i64 {
        self.inner.clock.now().as_second()
    }

    fn later(&self, by: SignedDuration) -> i64 {
        self.now().saturating_add(by.as_secs())
    }

    /// Refuses a card certificate outside its validity period, then a signature over
    /// `message` (RSA PKCS#1 v1.5, SHA-256) that its key did not make.
    fn verify_card_proof(
        &self,
        cert_der: &[u8],
        message: &str,
        signature: &[u8],
    ) -> Result<(), ApiError> {
        let cert = hpki_cert::Certificate::from_der(cert_der)
            .map_err(|e| ApiError::bad_request(format!("certificate: {e}")))?;
        let t = self.inner.clock.now();
        if t < cert.not_before() || t > cert.not_after() {
            return Err(ApiError::denied("the card's certificate is not valid now"));
        }
        let digest = Sha256::digest(message.as_bytes());
        hpki_cert::verify_rsa_pkcs1(
            cert.spki_der(),
            cert_signer::DigestAlgorithm::Sha256,
            &digest,
            signature,
        )
        .map_err(|_| ApiError::denied("the card's signature does not verify"))
    }
}
