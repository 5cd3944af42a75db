#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod attributes;
mod cert;
mod error;
mod limits;
mod message;
mod oid;
mod path;
mod pool;
mod report;
mod rsa_verify;
mod sign;
mod timestamp;
mod tlv;
mod verify;

#[cfg(feature = "test-pki")]
pub mod test_pki;

#[cfg(all(test, feature = "test-pki"))]
mod tests;

pub use crate::{
    attributes::{CommitmentType, SignaturePolicy},
    error::{Error, TimeStampError},
    limits::{Limit, LimitExceeded, Limits},
    path::PathResult,
    report::{
        Check, CheckResult, Level, PathValidation, REPORT_VERSION, Report, SignerReport,
        TimeStampReport,
    },
    sign::{SignOptions, SignedDataBuilder, add_counter_signature, add_signer, sign},
    timestamp::{
        HttpTsa, StampedSignature, TimeStampInfo, TimeStampOptions, TimeStampSource,
        add_signature_time_stamps, request_time_stamp, signature_time_stamp_tokens,
    },
    verify::{VerifyOptions, verify},
};

/// The result vocabulary shared with `hpki-cert` and `xades-sign` (ETSI EN 319 102-1),
/// the validation policy's revocation rule and the CRL source it may ask.
pub use hpki_cert::{CrlSource, Indication, Qualification, RevocationPolicy, SubIndication};
