//! A local CRL endpoint: every test-PKI CA's CRL, served fresh at the path of its
//! distribution point, with revocations callers add at run time.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use hpki_cert::online::{HttpCrlSource, HttpCrlSourceBuilder};
use hpki_cert::testpki::{self, Revocation, TestCert, TestPki};
use hpki_cert::{Certificate, CrlReason};

use crate::{
    Clock, Error, HttpRequest, HttpResponse, ServerConfig, ServerHandle, Service, pki::Pki,
};

/// How long a served CRL is current: nextUpdate is this long after the request.
const VALIDITY_HOURS: i64 = 24;
/// thisUpdate is this long before the request (clocks of verifiers that lag a little
/// still see a CRL already issued).
const BACKDATE_HOURS: i64 = 1;

/// The CRL distribution points of the test PKI, served on loopback.
///
/// Every non-root certificate of `hpki_cert::testpki` (the virtual cards' HPKI and
/// JPKI certificates, the TSA) and every second certificate this crate's
/// [`Platform`](crate::Platform) issues names a CRL distribution point under
/// `http://crl.medsign.invalid/` (a host that does not exist). This server answers
/// `GET` for each of those paths (`/hpki/sign.crl`, `/hpki/arl.crl`,
/// `/hpki/second-sign.crl`, `/jpki/sign.crl`, …) with a CRL its CA issues at that
/// moment: thisUpdate an hour ago, nextUpdate in a day, listing what
/// [`revoke`](Self::revoke) was told. [`crl_source`](Self::crl_source) is the
/// `HttpCrlSource` that fetches the test URLs from here.
///
/// ```
/// use std::sync::Arc;
/// use hpki_cert::{PathOptions, SubIndication, Verdict, testpki::TestPki, validate_path};
/// use sign_platform_sim::CrlServer;
///
/// let crls = CrlServer::start("127.0.0.1:0")?;
/// let pki = TestPki::shared()?;
/// let doctor = pki.physician();
/// let check = |source: Arc<hpki_cert::online::HttpCrlSource>| {
///     let options = PathOptions::hpki_signature(jiff::Timestamp::now()).with_crl_source(source);
///     validate_path(doctor.cert_der(), &[], &pki.trust_store(), &options)
/// };
/// assert_eq!(check(Arc::new(crls.crl_source()?)).verdict, Verdict::Valid);
///
/// crls.revoke(doctor.cert_der(), jiff::Timestamp::now(), None)?;
/// let report = check(Arc::new(crls.crl_source()?));
/// assert_eq!(report.verdict, Verdict::Invalid);
/// assert_eq!(report.sub_indication, Some(SubIndication::Revoked));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct CrlServer {
    handle: ServerHandle,
    state: Arc<State>,
}

impl core::fmt::Debug for CrlServer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CrlServer")
            .field("addr", &self.handle.addr)
            .field("paths", &self.paths())
            .finish_non_exhaustive()
    }
}

/// One CA whose CRL is served.
struct Issuer {
    /// The path of its distribution point (`/hpki/sign.crl`).
    path: String,
    ca: TestCert,
    /// Its subject, as `Certificate::issuer` names it in the certificates it issued.
    subject: String,
}

struct State {
    issuers: Vec<Issuer>,
    /// Revocations: the index of the issuing CA in `issuers`, and the entry.
    revoked: Mutex<Vec<(usize, Revocation)>>,
    clock: Clock,
    requests: AtomicU64,
}

impl CrlServer {
    /// Serves on `addr` (`"127.0.0.1:0"` picks a free port) in a background thread, on
    /// the system clock. Stops when dropped or on [`stop`](Self::stop).
    pub fn start(addr: &str) -> Result<Self, Error> {
        Self::start_with_clock(addr, Clock::default())
    }

    /// [`start`](Self::start) on `clock` (share the [`Platform`](crate::Platform)'s, or
    /// advance it to make served CRLs later).
    pub fn start_with_clock(addr: &str, clock: Clock) -> Result<Self, Error> {
        let bind_err = |reason: String| Error::Bind {
            addr: addr.to_owned(),
            reason,
        };
        let pki_err = |e: hpki_cert::Error| Error::Pki(e.to_string());
        let test_pki = TestPki::shared().map_err(pki_err)?;
        let second = Pki::new()?;
        let mut issuers = Vec::new();
        for (url, ca) in test_pki
            .crl_issuers()
            .into_iter()
            .chain([(crate::pki::SECOND_SIGN_CRL_URL, second.sign_ca())])
        {
            issuers.push(Issuer {
                path: testpki::crl_url_path(url).to_owned(),
                subject: ca.certificate().map_err(pki_err)?.subject(),
                ca: ca.clone(),
            });
        }
        let state = Arc::new(State {
            issuers,
            revoked: Mutex::new(Vec::new()),
            clock,
            requests: AtomicU64::new(0),
        });
        let mut handle = ServerHandle::bind(addr).map_err(bind_err)?;
        // CRL requests carry no body.
        let config = ServerConfig::default().with_max_body_bytes(64 * 1024);
        handle
            .start("crl-server", config, Serving(Arc::clone(&state)))
            .map_err(bind_err)?;
        Ok(Self { handle, state })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.handle.addr
    }

    /// `http://<addr>/`: what `http://crl.medsign.invalid/` maps to.
    pub fn base_url(&self) -> String {
        format!("http://{}/", self.handle.addr)
    }

    /// The paths served, one per CA (`/hpki/sign.crl`, …).
    pub fn paths(&self) -> Vec<String> {
        self.state.issuers.iter().map(|i| i.path.clone()).collect()
    }

    /// Lists `certificate_der` as revoked on `date` (with `reason`) on the CRL of the CA
    /// that issued it, from the next request on. A certificate names its issuer, whereas
    /// a serial number alone is ambiguous across the test CAs. Fails when the
    /// certificate does not parse, no served CA issued it, or its serial number does not
    /// fit 64 bits.
    pub fn revoke(
        &self,
        certificate_der: &[u8],
        date: jiff::Timestamp,
        reason: Option<CrlReason>,
    ) -> Result<(), Error> {
        let cert = Certificate::from_der(certificate_der)?;
        let issuer = cert.issuer();
        let index = self
            .state
            .issuers
            .iter()
            .position(|i| i.subject == issuer)
            .ok_or_else(|| Error::Pki(format!("no served CA issued {}", cert.subject())))?;
        let serial = u64::from_str_radix(&cert.serial_hex(), 16).map_err(|_| {
            Error::Pki(format!(
                "serial number {} does not fit 64 bits",
                cert.serial_hex()
            ))
        })?;
        self.state
            .revoked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((
                index,
                Revocation {
                    serial,
                    date,
                    reason,
                },
            ));
        Ok(())
    }

    /// Takes every revocation back (the next CRLs list none).
    pub fn clear_revocations(&self) {
        self.state
            .revoked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// The builder of an [`HttpCrlSource`] that fetches `http://crl.medsign.invalid/`
    /// from this server (a mirror), with a 5 s time limit, on the server's clock (a
    /// cached CRL expires when the simulated time passes its nextUpdate); add a cache
    /// directory or other limits before building.
    pub fn crl_source_builder(&self) -> HttpCrlSourceBuilder {
        let clock = self.state.clock.clone();
        HttpCrlSource::builder()
            .mirror(testpki::TEST_CRL_BASE_URL, self.base_url())
            .timeout(std::time::Duration::from_secs(5))
            .clock(move || clock.now())
    }

    /// An [`HttpCrlSource`] that fetches the test PKI's CRL distribution points from this
    /// server (memory cache only). Its cache keeps a CRL until its nextUpdate, so make a
    /// new source to see a [`revoke`](Self::revoke) at once.
    pub fn crl_source(&self) -> Result<HttpCrlSource, Error> {
        // Without a cache directory building does not fail; the error is passed on all
        // the same.
        Ok(self.crl_source_builder().build()?)
    }

    /// How many requests the server has answered.
    pub fn requests_served(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }

    /// Stops the server and waits for its thread.
    pub fn stop(self) {
        self.handle.stop();
    }
}

/// The CRL endpoint as the server's [`Service`].
struct Serving(Arc<State>);

impl Service for Serving {
    fn handle(&self, request: HttpRequest) -> HttpResponse {
        let state = &self.0;
        state.requests.fetch_add(1, Ordering::Relaxed);
        match (request.method(), state.crl(request.path())) {
            ("GET", Some(Ok(der))) => HttpResponse::new(200, "application/pkix-crl", der),
            ("GET", Some(Err(e))) => HttpResponse::new(500, "text/plain", e.to_string()),
            ("GET", None) => HttpResponse::new(404, "text/plain", "no CRL here\n"),
            _ => HttpResponse::new(405, "text/plain", "GET only\n"),
        }
    }
}

impl State {
    /// The CRL of the CA published at `path`, issued now.
    fn crl(&self, path: &str) -> Option<Result<Vec<u8>, hpki_cert::Error>> {
        let index = self.issuers.iter().position(|i| i.path == path)?;
        let issuer = self.issuers.get(index)?;
        let revoked: Vec<Revocation> = self
            .revoked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|(i, _)| *i == index)
            .map(|(_, r)| r.clone())
            .collect();
        let now = self.clock.now();
        let shifted = |hours: i64| {
            now.checked_add(jiff::SignedDuration::from_hours(hours))
                .map_err(|e| hpki_cert::Error::TestPki(format!("CRL time: {e}")))
        };
        let issued = shifted(-BACKDATE_HOURS).and_then(|this_update| {
            let next_update = shifted(VALIDITY_HOURS)?;
            // Increasing with time, as RFC 5280 §5.2.3 asks of a CRL number.
            let number = u64::try_from(now.as_millisecond()).unwrap_or(1);
            TestPki::issue_crl(&issuer.ca, &revoked, this_update, next_update, number)
        });
        Some(issued)
    }
}
