//! Where revocation status comes from, and what the validation policy asks of it.
//!
//! Path validation looks for a CRL of each certificate's issuer, in this order: the
//! CRLs given with [`PathOptions::with_crls`](crate::PathOptions::with_crls) (the
//! document's own validation data, then the caller's), then a [`CrlSource`] such as an
//! online fetcher of each certificate's CRL distribution points. What happens when none
//! gives a usable, fresh CRL is the [`RevocationPolicy`]'s decision.

use std::sync::Arc;

use crate::Certificate;

/// What counts as revocation status (part of the validation policy).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RevocationPolicy {
    /// Every certificate of every path (signer, time-stamp authority) except the anchor
    /// needs a usable, fresh CRL; without one the path is INDETERMINATE
    /// ([`SubIndication::TryLater`](crate::SubIndication::TryLater)).
    #[default]
    Required,
    /// Revocation is not checked where no CRL is available. A waiver, printed in every
    /// report (`PathReport::waivers`): for offline tests of material whose CRLs are not
    /// at hand, never for dispensing decisions. A CRL that is available is still
    /// processed, and a revocation it lists still fails the path.
    Waived,
}

/// Why a [`CrlSource`] could not give a CRL.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CrlFetchError {
    /// The source is switched offline.
    #[error("offline: {url} not fetched")]
    Offline {
        /// The distribution point.
        url: String,
    },
    /// The certificate names no CRL distribution point this source can use.
    #[error("no usable CRL distribution point (HTTP URI) in the certificate")]
    NoDistributionPoint,
    /// The distribution point's scheme is not supported (only `http` is: CRLs are
    /// signed, and HPKI CAs publish them over plain HTTP).
    #[error("unsupported CRL distribution point {url}")]
    UnsupportedUrl {
        /// The distribution point.
        url: String,
    },
    /// The server could not be reached or the transfer failed.
    #[error("fetching {url}: {reason}")]
    Unreachable {
        /// The distribution point.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The server answered with a status other than 200.
    #[error("fetching {url}: HTTP status {status}")]
    HttpStatus {
        /// The distribution point.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The answer is larger than the source's limit.
    #[error("fetching {url}: the CRL is larger than {limit} bytes")]
    TooLarge {
        /// The distribution point.
        url: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The transfer took longer than the source's limit.
    #[error("fetching {url}: no complete answer within {seconds} s")]
    Timeout {
        /// The distribution point.
        url: String,
        /// The limit.
        seconds: u64,
    },
}

/// A source of CRLs for certificates whose status the document's and the caller's CRLs
/// do not give: typically an online fetcher of the certificates' CRL distribution
/// points, with a cache.
///
/// Path validation calls it at most once per certificate and checks every CRL it
/// returns like any other (issuer, signature, scope, freshness); a source is trusted
/// for availability only, never for correctness.
pub trait CrlSource: Send + Sync + core::fmt::Debug {
    /// CRLs (DER) that may give `cert`'s status, or why none could be had. A source
    /// returns the CRLs it has even when some distribution points failed; the errors
    /// are reported when no CRL settles the status.
    fn crls_for(&self, cert: &Certificate) -> CrlAnswer;
}

/// What a [`CrlSource`] found for one certificate.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct CrlAnswer {
    /// The CRLs found (DER).
    pub crls: Vec<Arc<[u8]>>,
    /// The distribution points that failed, and why.
    pub errors: Vec<CrlFetchError>,
}

impl CrlAnswer {
    /// An answer with `crls` and `errors`.
    pub fn new(crls: Vec<Arc<[u8]>>, errors: Vec<CrlFetchError>) -> Self {
        Self { crls, errors }
    }
}
