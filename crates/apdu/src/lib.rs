#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs, rust_2018_idioms, unused_qualifications)]

mod command;
#[cfg(feature = "pcsc")]
mod pcsc;
mod response;
mod status;
pub mod tlv;
mod trace;
mod transport;

#[cfg(feature = "pcsc")]
pub use crate::pcsc::{PcscContext, PcscTransaction, PcscTransport};
pub use crate::{
    command::{
        Case, Command, LengthMode, MAX_DATA_EXTENDED, MAX_DATA_SHORT, MAX_LE_EXTENDED, MAX_LE_SHORT,
    },
    response::Response,
    status::StatusWord,
    tlv::{Tag, TagClass, Tlv, TlvIter},
    trace::{Exchange, PersonalFile, Redaction, ReplayTransport, Trace, TraceTransport},
    transport::{Transport, TransportError, transmit},
};

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The transport could not exchange bytes with the card; the inner error says what
    /// the user can do.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A command does not fit the requested length encoding (`Nc` above 255 or `Ne`
    /// above 256 in short form; above 65 535 / 65 536 in extended form).
    #[error("command data of {nc} bytes with Ne {ne:?} does not fit {mode:?} length encoding")]
    CommandTooLong {
        /// Command data length.
        nc: usize,
        /// Expected response length.
        ne: Option<u32>,
        /// The encoding that was asked for.
        mode: LengthMode,
    },
    /// `Ne` was 0 or above 65 536.
    #[error("Ne must be 1 to 65536, got {0}")]
    InvalidLe(u32),
    /// Bytes that should be a command APDU are not one; the text says which rule failed.
    #[error("malformed command APDU: {0}")]
    MalformedCommand(&'static str),
    /// A card answered with fewer than the two status bytes.
    #[error("malformed response APDU: {len} bytes, at least 2 (SW1 SW2) expected")]
    MalformedResponse {
        /// The number of bytes received.
        len: usize,
    },
    /// A card kept answering `61xx` beyond any legitimate response length.
    #[error("the card kept answering 61xx (more data) beyond 65536 bytes")]
    TooManyResponses,
    /// A card answered with a status other than `9000` where success was required.
    #[error("card answered {0}")]
    Status(StatusWord),
    /// BER-TLV input is malformed; the text says which rule failed.
    #[error("malformed BER-TLV: {0}")]
    MalformedTlv(&'static str),
    /// A trace text is malformed at the given line.
    #[error("malformed APDU trace at line {line}")]
    MalformedTrace {
        /// One-based line number.
        line: usize,
    },
}
