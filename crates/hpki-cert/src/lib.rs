#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod cache;
mod cert;
mod classify;
mod crl;
mod error;
mod hcrole;
mod indication;
mod path;
pub mod profile;
mod revocation;
mod trust;
mod verify;

#[cfg(feature = "online")]
pub mod online;
#[cfg(feature = "test-pki")]
pub mod testpki;

pub use crate::{
    cache::VerificationCache,
    cert::{CertInfo, Certificate},
    classify::{CertKind, Classification, classify, classify_certificate},
    crl::{Crl, CrlRefusal, RevokedEntry},
    error::Error,
    hcrole::{HPKI_ROLE_SCHEME, HcActor, HcRole, Qualification},
    indication::{Indication, SubIndication, Verdict},
    path::{PathCheck, PathOptions, PathReport, Purpose, validate_certificate_path, validate_path},
    revocation::{CrlAnswer, CrlFetchError, CrlSource, RevocationPolicy},
    trust::{TrustStore, certificate_pem},
    verify::{
        ECDSA_WITH_SHA256, SHA1_WITH_RSA, SHA256_WITH_RSA, SHA384_WITH_RSA, SHA512_WITH_RSA,
        verify_rsa_pkcs1, verify_rsa_pkcs1_message, verify_signed_data,
    },
};

/// The `reasonCode` of a CRL entry (RFC 5280 §5.3.1).
pub use x509_cert::ext::pkix::CrlReason;
/// The reasons a CRL covers (RFC 5280 §5.2.5 onlySomeReasons, §6.3.3 reasons_mask).
pub use x509_cert::ext::pkix::crl::dp::{ReasonFlags, Reasons};
