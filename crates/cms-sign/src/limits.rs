//! How much of a message the verifier reads, walks and reports before it refuses.

use serde::Serialize;

use crate::tlv::Reader;

/// The bounds [`verify`](crate::verify) holds a message to, so that a hostile message is
/// refused by name instead of exhausting the stack, the memory or the time of the
/// process that verifies it.
///
/// The defaults admit every CAdES message medsign or a peer produces in practice (a
/// few signers, a chain of a few certificates, a few CRLs, counter-signatures a few
/// levels deep) with a wide margin, and keep the worst message they admit under about
/// a second of verification in release builds. A message over a limit gets a report that is
/// INVALID/FORMAT_FAILURE (as a message that cannot be read: medsign's XAdES verifier
/// does the same), says which limit in [`Report::error`] and names it in
/// [`Report::limit`]; nothing of it is verified, and [`Report::into_result`] gives
/// [`Error::Limit`]. Raise a limit with [`VerifyOptions::limits`] when a legitimate
/// message needs it:
///
/// ```
/// let mut limits = cms_sign::Limits::default();
/// limits.signers = 500;
/// let options = cms_sign::VerifyOptions::new().limits(limits);
/// # let _ = options;
/// ```
///
/// Whatever the limits, every walk over the message is iterative or bounded (the DER
/// depth scan keeps an explicit stack; counter-signatures are checked before each level
/// is entered and never deeper than [`Limits::MAX_COUNTER_SIGNATURE_DEPTH`]), the
/// content is hashed once per digest algorithm, and each certificate is parsed once
/// per message.
///
/// [`Report::error`]: crate::Report::error
/// [`Report::limit`]: crate::Report::limit
/// [`Report::into_result`]: crate::Report::into_result
/// [`Error::Limit`]: crate::Error::Limit
/// [`VerifyOptions::limits`]: crate::VerifyOptions::limits
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The size of the DER message in bytes (default 64 MiB). The content of a detached
    /// signature is not counted: it is only hashed. `medsign cms verify` checks the
    /// file's size before it reads it.
    pub input_bytes: usize,
    /// How deeply constructed DER elements may nest, counting the outer `ContentInfo`
    /// as 1 (default 64). Each counter-signature level adds 4.
    pub der_depth: usize,
    /// SignerInfos in the message, or in one time-stamp token (default 32).
    pub signers: usize,
    /// Certificates in the message's `certificates` field, or in one time-stamp token's
    /// (default 256).
    pub certificates: usize,
    /// CRLs and other revocation values in the message's `crls` field, or in one
    /// time-stamp token's (default 32).
    pub crls: usize,
    /// Bytes of the message's `crls` field, or of one time-stamp token's (default
    /// 4 MiB). Every certificate path is checked against every CRL: this and the
    /// number of paths (signers, counter-signatures, time-stamps) bound that work.
    pub crl_bytes: usize,
    /// Attribute values of one SignerInfo, signed and unsigned together (default 32);
    /// an attribute with three values counts three.
    pub attributes: usize,
    /// How deeply counter-signatures may nest (default 8): a counter-signature on a
    /// signer is at depth 1, one on it at depth 2. Values above
    /// [`Limits::MAX_COUNTER_SIGNATURE_DEPTH`] act as that.
    pub counter_signature_depth: usize,
    /// Counter-signatures in the whole message, at every depth (default 32).
    pub counter_signatures: usize,
    /// Signature time-stamp tokens in the whole message, on signers and
    /// counter-signatures (default 32): each is a CMS signature and a TSA path to
    /// verify.
    pub time_stamps: usize,
    /// Entries of any one list in [`Report::to_json`] (default 100): a longer list
    /// keeps its first entries and ends with a marker, `{"more": N}` in a list of
    /// objects, `"… N more"` in a list of strings. Strings longer than 4096 bytes are
    /// cut with `… [N more bytes]`.
    ///
    /// [`Report::to_json`]: crate::Report::to_json
    pub report_list_entries: usize,
    /// The size of [`Report::to_json`]'s output in bytes (default 1 MiB): lists are cut
    /// shorter until it fits. A report cut in any way says `"truncated": true`.
    ///
    /// [`Report::to_json`]: crate::Report::to_json
    pub report_bytes: usize,
}

impl Limits {
    /// The deepest counter-signature nesting verified whatever
    /// [`counter_signature_depth`](Self::counter_signature_depth) says: each level is a
    /// nested [`SignerReport`](crate::SignerReport), built and serialized recursively.
    pub const MAX_COUNTER_SIGNATURE_DEPTH: usize = 64;

    /// No limit at all, for parsing the caller's own messages while signing.
    pub(crate) const UNBOUNDED: Self = Self {
        input_bytes: usize::MAX,
        der_depth: usize::MAX,
        signers: usize::MAX,
        certificates: usize::MAX,
        crls: usize::MAX,
        crl_bytes: usize::MAX,
        attributes: usize::MAX,
        counter_signature_depth: usize::MAX,
        counter_signatures: usize::MAX,
        time_stamps: usize::MAX,
        report_list_entries: usize::MAX,
        report_bytes: usize::MAX,
    };

    /// The counter-signature depth the verifier enters at most.
    pub(crate) fn effective_counter_signature_depth(&self) -> usize {
        self.counter_signature_depth
            .min(Self::MAX_COUNTER_SIGNATURE_DEPTH)
    }

    /// Fails with `limit` when `found` is over `max`.
    pub(crate) fn check(limit: Limit, found: usize, max: usize) -> Result<(), LimitExceeded> {
        if found > max {
            Err(LimitExceeded { limit, max, found })
        } else {
            Ok(())
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            input_bytes: 64 << 20,
            der_depth: 64,
            signers: 32,
            certificates: 256,
            crls: 32,
            crl_bytes: 4 << 20,
            attributes: 32,
            counter_signature_depth: 8,
            counter_signatures: 32,
            time_stamps: 32,
            report_list_entries: 100,
            report_bytes: 1 << 20,
        }
    }
}

/// Which of the [`Limits`] a message exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Limit {
    /// [`Limits::input_bytes`].
    InputBytes,
    /// [`Limits::der_depth`].
    DerDepth,
    /// [`Limits::signers`].
    Signers,
    /// [`Limits::certificates`].
    Certificates,
    /// [`Limits::crls`].
    Crls,
    /// [`Limits::crl_bytes`].
    CrlBytes,
    /// [`Limits::attributes`].
    Attributes,
    /// [`Limits::counter_signature_depth`].
    CounterSignatureDepth,
    /// [`Limits::counter_signatures`].
    CounterSignatures,
    /// [`Limits::time_stamps`].
    TimeStamps,
}

impl Limit {
    /// What is counted, in words.
    pub fn what(self) -> &'static str {
        match self {
            Self::InputBytes => "bytes of input",
            Self::DerDepth => "levels of DER nesting",
            Self::Signers => "SignerInfos",
            Self::Certificates => "certificates",
            Self::Crls => "CRLs",
            Self::CrlBytes => "bytes of CRLs",
            Self::Attributes => "attribute values in one SignerInfo",
            Self::CounterSignatureDepth => "levels of counter-signatures",
            Self::CounterSignatures => "counter-signatures",
            Self::TimeStamps => "signature time-stamps",
        }
    }

    /// The [`Limits`] field that sets it, e.g. `"signers"`.
    pub fn field(self) -> &'static str {
        match self {
            Self::InputBytes => "input_bytes",
            Self::DerDepth => "der_depth",
            Self::Signers => "signers",
            Self::Certificates => "certificates",
            Self::Crls => "crls",
            Self::CrlBytes => "crl_bytes",
            Self::Attributes => "attributes",
            Self::CounterSignatureDepth => "counter_signature_depth",
            Self::CounterSignatures => "counter_signatures",
            Self::TimeStamps => "time_stamps",
        }
    }
}

/// A message over one of the [`Limits`]: which, the bound, and how far the message
/// got when it was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error(
    "the message has more than {max} {} ({found} when refused; raise Limits::{} if it is legitimate)",
    limit.what(),
    limit.field()
)]
#[non_exhaustive]
pub struct LimitExceeded {
    /// Which limit.
    pub limit: Limit,
    /// Its value.
    pub max: usize,
    /// How far the message got when it was refused: its size for
    /// [`Limit::InputBytes`] and [`Limit::CrlBytes`], otherwise the count or depth
    /// reached when counting stopped (`max + 1`, or more for time-stamps, which are
    /// counted a signer at a time).
    pub found: usize,
}

/// Fails when constructed DER elements in `input` nest deeper than `max`; the outer
/// element is at depth 1. Iterative, with a stack of at most `max` entries, and linear
/// in the number of elements; primitive values (the content's OCTET STRING) are
/// skipped, not scanned. The contents of a constructed element that is not a sequence
/// of DER elements are not descended into: the parsers refuse them on their own.
pub(crate) fn check_der_depth(input: &[u8], max: usize) -> Result<(), LimitExceeded> {
    if max == usize::MAX {
        return Ok(());
    }
    // Each entry is a reader over the unread rest of an open constructed element.
    let mut stack: Vec<Reader<'_>> = vec![Reader::new(input)];
    while let Some(top) = stack.last_mut() {
        if top.is_empty() {
            stack.pop();
            continue;
        }
        let Ok(tlv) = top.any("element") else {
            // Not DER: leave this element's contents to the parsers.
            stack.pop();
            continue;
        };
        if tlv.tag & 0x20 != 0 {
            // `stack` holds the top-level reader plus one per open element, so the
            // new element's depth is `stack.len()`.
            Limits::check(Limit::DerDepth, stack.len(), max)?;
            stack.push(Reader::new(tlv.value));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlv::{self, tag};

    fn nested(depth: usize) -> Vec<u8> {
        let mut v = tlv::encode(tag::OCTET_STRING, b"x");
        for _ in 0..depth {
            v = tlv::encode(tag::SEQUENCE, &v);
        }
        v
    }

    #[test]
    fn der_depth_counts_constructed_levels_only() {
        let v = nested(5);
        assert!(check_der_depth(&v, 5).is_ok());
        let e = check_der_depth(&v, 4).unwrap_err();
        assert_eq!((e.limit, e.max, e.found), (Limit::DerDepth, 4, 5));
    }

    #[test]
    fn der_depth_scan_survives_a_hundred_thousand_levels() {
        // Built front to back: 100,000 SEQUENCE headers of growing length.
        let depth = 100_000usize;
        let mut lens = Vec::with_capacity(depth);
        let mut len = 0usize;
        for _ in 0..depth {
            lens.push(len);
            len += tlv::header_len(len);
        }
        let mut v = Vec::with_capacity(len);
        for &inner in lens.iter().rev() {
            tlv::push_header(&mut v, tag::SEQUENCE, inner);
        }
        assert_eq!(v.len(), len);
        let e = check_der_depth(&v, 64).unwrap_err();
        assert_eq!(e.found, 65);
        assert!(check_der_depth(&v, usize::MAX - 1).is_ok());
    }

    #[test]
    fn malformed_contents_are_left_to_the_parsers() {
        // A SEQUENCE whose contents are not DER (a tag without a length), beside one
        // nested 3 deep.
        let mut v = tlv::encode(tag::SEQUENCE, &[0x05]);
        v.extend(nested(3));
        let v = tlv::encode(tag::SEQUENCE, &v);
        assert!(check_der_depth(&v, 4).is_ok());
        assert!(check_der_depth(&v, 3).is_err());
    }

    #[test]
    fn the_error_names_the_field_to_raise() {
        let e = LimitExceeded {
            limit: Limit::Signers,
            max: 32,
            found: 33,
        };
        let text = e.to_string();
        assert!(text.contains("more than 32 SignerInfos"), "{text}");
        assert!(text.contains("Limits::signers"), "{text}");
    }
}
