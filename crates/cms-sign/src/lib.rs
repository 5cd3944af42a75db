#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod attributes;
mod cert;
mod error;
mod message;
mod oid;
mod path;
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
    sign::{SignOptions, SignedDataBuilder, add_counter_signature, add_signer, sign},
    timestamp::{
        HttpTsa, StampedSignature, TimeStampInfo, TimeStampOptions, TimeStampSource,
        add_signature_time_stamps, request_time_stamp, signature_time_stamp_tokens,
    },
    verify::{
        Check, CheckResult, Level, Report, SignerReport, Status, Verdict, VerifyOptions, verify,
    },
};
