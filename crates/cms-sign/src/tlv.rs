//! A zero-copy DER reader and a small DER writer for the CMS framing.
//!
//! The verifier must see the signed attributes exactly as received (docs/spec/signatures.md §2),
//! and the builder must not re-encode the certificate it embeds; both need the raw
//! TLV bytes, which a typed decode throws away. Certificates and the time-stamp
//! content are still decoded field by field through this reader, never indexed.

use crate::Error;

/// Universal and context tags used by CMS, X.509 and RFC 3161.
pub(crate) mod tag {
    pub const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub const OCTET_STRING: u8 = 0x04;
    pub const NULL: u8 = 0x05;
    pub const OID: u8 = 0x06;
    pub const UTF8_STRING: u8 = 0x0c;
    pub const UTC_TIME: u8 = 0x17;
    pub const GENERALIZED_TIME: u8 = 0x18;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
    pub const CTX0: u8 = 0xa0;
    pub const CTX1: u8 = 0xa1;
    pub const CTX3: u8 = 0xa3;
    pub const CTX0_PRIM: u8 = 0x80;
    pub const CTX1_PRIM: u8 = 0x81;
}

/// One DER element: its tag byte, its value and the whole encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tlv<'a> {
    pub tag: u8,
    pub value: &'a [u8],
    pub raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// The whole of `input` as exactly one element.
    pub fn parse_one(input: &'a [u8], what: &'static str) -> Result<Self, Error> {
        let mut r = Reader::new(input);
        let tlv = r.any(what)?;
        r.finish(what)?;
        Ok(tlv)
    }

    /// Checks the tag and returns a reader over the value.
    pub fn expect_tag(self, tag: u8, what: &'static str) -> Result<Reader<'a>, Error> {
        if self.tag == tag {
            Ok(Reader::new(self.value))
        } else {
            Err(Error::malformed(what))
        }
    }
}

/// Reads DER elements one after another from a slice.
#[derive(Clone, Debug)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        Self { rest: input }
    }

    /// How many bytes are left.
    pub fn rest_len(&self) -> usize {
        self.rest.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The tag of the next element, if any.
    pub fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// Reads the next element whatever its tag. Only single-byte tags and definite,
    /// minimally encoded lengths are accepted (DER).
    pub fn any(&mut self, what: &'static str) -> Result<Tlv<'a>, Error> {
        let input = self.rest;
        let (&tag, after_tag) = input.split_first().ok_or_else(|| Error::malformed(what))?;
        if tag & 0x1f == 0x1f {
            return Err(Error::malformed(what));
        }
        let (&first, mut after_len) = after_tag
            .split_first()
            .ok_or_else(|| Error::malformed(what))?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 {
                // Indefinite lengths (BER) and absurd sizes.
                return Err(Error::malformed(what));
            }
            let (bytes, rest) = after_len
                .split_at_checked(n)
                .ok_or_else(|| Error::malformed(what))?;
            after_len = rest;
            let mut len = 0usize;
            for &b in bytes {
                len = (len << 8) | usize::from(b);
            }
            if len < 0x80 || bytes.first() == Some(&0) {
                return Err(Error::malformed(what));
            }
            len
        };
        let (value, rest) = after_len
            .split_at_checked(len)
            .ok_or_else(|| Error::malformed(what))?;
        let header_len = input.len() - after_len.len();
        let raw = input
            .get(..header_len + len)
            .ok_or_else(|| Error::malformed(what))?;
        self.rest = rest;
        Ok(Tlv { tag, value, raw })
    }

    /// Reads the next element, which must have `tag`.
    pub fn next(&mut self, tag: u8, what: &'static str) -> Result<Tlv<'a>, Error> {
        let tlv = self.any(what)?;
        if tlv.tag == tag {
            Ok(tlv)
        } else {
            Err(Error::malformed(what))
        }
    }

    /// Reads the next element if it has `tag`.
    pub fn optional(&mut self, tag: u8, what: &'static str) -> Result<Option<Tlv<'a>>, Error> {
        if self.peek_tag() == Some(tag) {
            self.any(what).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Reads a SEQUENCE and returns a reader over its contents.
    pub fn sequence(&mut self, what: &'static str) -> Result<Reader<'a>, Error> {
        self.next(tag::SEQUENCE, what).map(|t| Reader::new(t.value))
    }

    /// Reads a small non-negative INTEGER.
    pub fn small_uint(&mut self, what: &'static str) -> Result<u64, Error> {
        let v = self.next(tag::INTEGER, what)?.value;
        if v.is_empty() || v.len() > 8 || v.first().is_some_and(|b| b & 0x80 != 0) {
            return Err(Error::malformed(what));
        }
        Ok(v.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    /// Fails unless everything was read.
    pub fn finish(&self, what: &'static str) -> Result<(), Error> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(Error::malformed(what))
        }
    }
}

/// Appends a DER length.
fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let significant = bytes.get(skip..).unwrap_or(&[]);
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
}

/// Appends the tag and length of an element whose value of `len` bytes follows.
#[cfg(any(test, feature = "test-pki"))]
pub(crate) fn push_header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    push_len(out, len);
}

/// The DER header length for a value of `len` bytes.
pub(crate) fn header_len(len: usize) -> usize {
    match len {
        0..0x80 => 2,
        0x80..0x100 => 3,
        0x100..0x1_0000 => 4,
        0x1_0000..0x100_0000 => 5,
        _ => 6,
    }
}

/// Appends one element whose value is `value`.
pub(crate) fn push(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    push_len(out, value.len());
    out.extend_from_slice(value);
}

/// Appends an element whose value is the concatenation of `parts`, without an
/// intermediate buffer.
pub(crate) fn push_parts(out: &mut Vec<u8>, tag: u8, parts: &[&[u8]]) {
    let len = parts.iter().map(|p| p.len()).sum();
    out.push(tag);
    push_len(out, len);
    for p in parts {
        out.extend_from_slice(p);
    }
}

/// One element as a new vector.
pub(crate) fn encode(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(header_len(value.len()) + value.len());
    push(&mut out, tag, value);
    out
}

/// One element made of `parts`, as a new vector.
pub(crate) fn encode_parts(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = Vec::with_capacity(header_len(len) + len);
    push_parts(&mut out, tag, parts);
    out
}

/// Encodes a dotted OID (the body only, without tag and length).
pub(crate) fn oid_body(dotted: &str) -> Result<Vec<u8>, Error> {
    let mut arcs = dotted.split('.').map(|a| a.parse::<u64>());
    let bad = || Error::malformed("object identifier");
    let first = arcs.next().ok_or_else(bad)?.map_err(|_| bad())?;
    let second = arcs.next().ok_or_else(bad)?.map_err(|_| bad())?;
    if first > 2 || (first < 2 && second > 39) {
        return Err(bad());
    }
    let mut out = Vec::new();
    let mut push_arc = |mut v: u64| {
        let mut tmp = [0u8; 10];
        let mut n = 0;
        loop {
            if let Some(slot) = tmp.get_mut(n) {
                *slot = (v & 0x7f) as u8;
            }
            n += 1;
            v >>= 7;
            if v == 0 {
                break;
            }
        }
        for i in (0..n).rev() {
            let b = tmp.get(i).copied().unwrap_or(0);
            out.push(if i == 0 { b } else { b | 0x80 });
        }
    };
    push_arc(first * 40 + second);
    for arc in arcs {
        push_arc(arc.map_err(|_| bad())?);
    }
    Ok(out)
}

/// Decodes an OID body to dotted form.
pub(crate) fn oid_string(body: &[u8]) -> Result<String, Error> {
    let bad = || Error::malformed("object identifier");
    let mut arcs = Vec::new();
    let mut acc: u64 = 0;
    let mut in_arc = false;
    for &b in body {
        if !in_arc && b == 0x80 {
            return Err(bad());
        }
        acc = acc.checked_mul(128).ok_or_else(bad)? | u64::from(b & 0x7f);
        in_arc = b & 0x80 != 0;
        if !in_arc {
            arcs.push(acc);
            acc = 0;
        }
    }
    if in_arc || arcs.is_empty() {
        return Err(bad());
    }
    let mut out = String::new();
    for (i, arc) in arcs.iter().enumerate() {
        if i == 0 {
            let (a, b) = match *arc {
                v if v < 40 => (0, v),
                v if v < 80 => (1, v - 40),
                v => (2, v - 80),
            };
            out.push_str(&format!("{a}.{b}"));
        } else {
            out.push_str(&format!(".{arc}"));
        }
    }
    Ok(out)
}

/// The DER SET OF order: elements sorted by their encodings, compared as octet
/// strings with the shorter one padded by zeros (X.690 §11.6).
pub(crate) fn der_set_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    let pa = a.iter().copied().chain(std::iter::repeat(0)).take(n);
    let pb = b.iter().copied().chain(std::iter::repeat(0)).take(n);
    pa.cmp(pb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_round_trip_through_the_reader() {
        for len in [0usize, 1, 127, 128, 255, 256, 65535, 65536, 70000] {
            let value = vec![7u8; len];
            let enc = encode(tag::OCTET_STRING, &value);
            assert_eq!(enc.len(), header_len(len) + len);
            let tlv = Tlv::parse_one(&enc, "t").unwrap();
            assert_eq!(tlv.value.len(), len);
            assert_eq!(tlv.raw, &enc[..]);
        }
    }

    #[test]
    fn non_minimal_and_indefinite_lengths_are_refused() {
        assert!(Tlv::parse_one(&[0x04, 0x81, 0x01, 0x00], "t").is_err());
        assert!(Tlv::parse_one(&[0x30, 0x80, 0x00, 0x00], "t").is_err());
        assert!(Tlv::parse_one(&[0x04, 0x82, 0x00, 0x80], "t").is_err());
        assert!(Tlv::parse_one(&[0x04, 0x05, 0x00], "t").is_err());
        assert!(Tlv::parse_one(&[0x04], "t").is_err());
        assert!(Tlv::parse_one(&[0x04, 0x00, 0x00], "t").is_err());
    }

    #[test]
    fn oids_round_trip() {
        for oid in [
            "1.2.840.113549.1.9.16.2.47",
            "2.16.840.1.101.3.4.2.1",
            "1.2.392.100495.1.5.1.1.0.1",
            "2.999.1",
        ] {
            assert_eq!(oid_string(&oid_body(oid).unwrap()).unwrap(), oid);
        }
        assert_eq!(
            oid_body("1.2.840.113549.1.7.2").unwrap(),
            [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]
        );
        assert!(oid_string(&[0x2a, 0x86]).is_err());
        assert!(oid_string(&[0x80, 0x01]).is_err());
    }

    #[test]
    fn set_order_pads_the_shorter_encoding() {
        use std::cmp::Ordering;
        assert_eq!(
            der_set_order(&[0x30, 0x01], &[0x30, 0x01, 0x00]),
            Ordering::Equal
        );
        assert_eq!(
            der_set_order(&[0x30, 0x02], &[0x30, 0x01, 0xff]),
            Ordering::Greater
        );
    }
}
