//! The HPKI second-certificate platform as the portal sees it: on approval it issues
//! the second certificate and returns the smartphone-binding URL and password.

use authority_forms::{Authority, Qualification};

/// What the portal asks the platform for when an authority approves an application.
#[derive(Clone, Debug)]
pub struct IssueOrder {
    /// The portal's id of the applicant.
    pub person_id: String,
    /// 氏名 in kanji (from the card).
    pub name_kanji: String,
    /// 氏名 in romaji (`YAMADA Hanako`).
    pub name_romaji: String,
    /// The qualification.
    pub qualification: Qualification,
    /// The authority.
    pub authority: Authority,
    /// The applicant's JPKI user-authentication certificate (from the login), to bind
    /// the My Number Card at once.
    pub jpki_auth_certificate_der: Option<Vec<u8>>,
    /// The portal's time.
    pub now: jiff::Timestamp,
}

/// What the platform answers.
#[derive(Clone)]
pub struct IssuedSecond {
    /// The platform's person id (pre-filled at the binding login).
    pub person_id: String,
    /// The second certificate (DER).
    pub certificate_der: Vec<u8>,
    /// The smartphone-binding URL.
    pub setup_url: String,
    /// Its password.
    pub setup_password: String,
    /// When the URL expires (3 months after issue).
    pub setup_expires_at: jiff::Timestamp,
}

impl core::fmt::Debug for IssuedSecond {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IssuedSecond")
            .field("person_id", &self.person_id)
            .field("setup_url", &self.setup_url)
            .field("setup_password", &"<redacted>")
            .field("setup_expires_at", &self.setup_expires_at)
            .finish_non_exhaustive()
    }
}

/// The second-certificate platform (HPKI-KAGURA, or `sign-platform-sim` locally).
pub trait SecondCertificatePlatform: Send + Sync {
    /// Issues the second certificate for an approved application.
    fn issue(&self, order: &IssueOrder) -> Result<IssuedSecond, String>;
}

/// `sign-platform-sim` as the portal's platform: its Rust API issues, its HTTP server
/// (started on loopback and kept running with the portal) serves the binding URL.
pub struct LocalPlatform {
    platform: sign_platform_sim::Platform,
    server: std::sync::Mutex<Option<sign_platform_sim::ServerHandle>>,
    base_url: String,
}

impl core::fmt::Debug for LocalPlatform {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LocalPlatform")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl LocalPlatform {
    /// Opens a platform (`None`: in memory) and serves it on a free loopback port.
    pub fn start(db: Option<&std::path::Path>) -> Result<Self, crate::Error> {
        Self::start_on("127.0.0.1:0", db)
    }

    /// [`start`](Self::start) on `addr` (e.g. `127.0.0.1:8090`; port 0 picks a free
    /// one), for a platform other programs reach at a known address.
    pub fn start_on(addr: &str, db: Option<&std::path::Path>) -> Result<Self, crate::Error> {
        let platform = sign_platform_sim::Platform::open(db)
            .map_err(|e| crate::Error::Config(format!("platform: {e}")))?;
        let server = platform
            .serve(addr)
            .map_err(|e| crate::Error::Config(format!("platform: {e}")))?;
        let base_url = server.base_url();
        Ok(Self {
            platform,
            server: std::sync::Mutex::new(Some(server)),
            base_url,
        })
    }

    /// The platform (for tests and examples that bind devices through it).
    pub fn platform(&self) -> &sign_platform_sim::Platform {
        &self.platform
    }

    /// The platform's HTTP base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Stops the platform's HTTP server.
    pub fn stop(&self) {
        let handle = self
            .server
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(h) = handle {
            h.stop();
        }
    }
}

impl SecondCertificatePlatform for LocalPlatform {
    fn issue(&self, order: &IssueOrder) -> Result<IssuedSecond, String> {
        let qualification = match order.qualification {
            Qualification::Physician => hpki_cert::Qualification::MedicalDoctor,
            Qualification::Dentist => hpki_cert::Qualification::Dentist,
            Qualification::Pharmacist => hpki_cert::Qualification::Pharmacist,
        };
        let authority = match order.authority {
            Authority::Jma => "JMA",
            Authority::Jpa => "JPA",
            Authority::Medis => "MEDIS",
        };
        let issued = self
            .platform
            .issue_second_certificate(&sign_platform_sim::IssueRequest {
                person_id: order.person_id.clone(),
                name_kanji: order.name_kanji.clone(),
                name_romaji: order.name_romaji.clone(),
                qualification,
                authority: authority.into(),
                jpki_auth_certificate_der: order.jpki_auth_certificate_der.clone(),
                now: order.now,
            })
            .map_err(|e| e.to_string())?;
        Ok(IssuedSecond {
            person_id: issued.person_id,
            certificate_der: issued.certificate_der,
            setup_url: issued.setup_url,
            setup_password: issued.setup_password,
            setup_expires_at: issued.setup_expires_at,
        })
    }
}

/// Connects a fresh in-memory [`LocalPlatform`] to `portal`.
pub fn with_local_platform(portal: crate::Portal) -> Result<crate::Portal, crate::Error> {
    let platform = std::sync::Arc::new(LocalPlatform::start(None)?);
    Ok(portal.with_platform(platform))
}
