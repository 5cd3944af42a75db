//! BER-TLV data objects (ISO/IEC 7816-4 §5.2 / ISO/IEC 8825-1), zero-copy.
//!
//! Our own rather than `iso7816-tlv`: that crate copies every value into an owned `Vec`,
//! while card files here hold personal data (the basic four items) that we want copied
//! as few times as possible and zeroized by the one owner; we also need the exact number
//! of bytes consumed (files carry `00`/`FF` filler after the TLV) and borrowed values to
//! recurse into constructed objects without re-encoding.

use crate::Error;

/// A BER-TLV tag: one to three bytes, kept as a big-endian number (`0xDF21`, `0xFF20`, `0x5F2D`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(u32);

/// The class of a tag (bits 8-7 of its first byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TagClass {
    /// `00`: universal.
    Universal,
    /// `01`: application.
    Application,
    /// `10`: context-specific.
    ContextSpecific,
    /// `11`: private (the basic-four-items tags `DF2x`, `FF20` are private).
    Private,
}

impl Tag {
    /// A tag from its bytes as a number; fails when they are not a well-formed tag
    /// (a multi-byte tag needs `xF` low bits in the first byte and continuation bits set
    /// on every subsequent byte but the last).
    pub fn new(value: u32) -> Result<Self, Error> {
        let bytes = value.to_be_bytes();
        let start = bytes.iter().position(|&b| b != 0).unwrap_or(3);
        let enc = bytes.get(start..).unwrap_or(&[]);
        match parse_tag(enc) {
            Ok((tag, used)) if used == enc.len() => Ok(tag),
            _ => Err(Error::MalformedTlv("not a well-formed tag")),
        }
    }

    /// The tag as a number.
    pub const fn value(self) -> u32 {
        self.0
    }

    /// Its encoded bytes.
    pub fn to_bytes(self) -> Vec<u8> {
        let bytes = self.0.to_be_bytes();
        let start = bytes.iter().position(|&b| b != 0).unwrap_or(3);
        bytes.get(start..).unwrap_or(&[]).to_vec()
    }

    fn first_byte(self) -> u8 {
        self.to_bytes().first().copied().unwrap_or(0)
    }

    /// The tag's class.
    pub fn class(self) -> TagClass {
        match self.first_byte() >> 6 {
            0 => TagClass::Universal,
            1 => TagClass::Application,
            2 => TagClass::ContextSpecific,
            _ => TagClass::Private,
        }
    }

    /// Whether the value is a sequence of TLVs (bit 6 of the first byte).
    pub fn is_constructed(self) -> bool {
        self.first_byte() & 0x20 != 0
    }
}

impl core::fmt::Debug for Tag {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Tag({:02X})", self.0)
    }
}

/// One data object, borrowing its value from the parsed buffer.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag.
    pub tag: Tag,
    /// The value field.
    pub value: &'a [u8],
}

impl core::fmt::Debug for Tlv<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Tlv")
            .field("tag", &self.tag)
            .field("len", &self.value.len())
            .finish()
    }
}

/// The largest length we accept (4-byte length fields, up to 2³² − 1, are legal BER but no
/// card file here comes near 16 MiB).
const MAX_LEN: usize = 1 << 24;

fn parse_tag(input: &[u8]) -> Result<(Tag, usize), Error> {
    let first = *input
        .first()
        .ok_or(Error::MalformedTlv("empty input where a tag was expected"))?;
    if first & 0x1F != 0x1F {
        return Ok((Tag(u32::from(first)), 1));
    }
    let mut value = u32::from(first);
    for (i, &b) in input.iter().enumerate().skip(1) {
        if i > 2 {
            return Err(Error::MalformedTlv("tag longer than 3 bytes"));
        }
        if i == 1 && b & 0x7F == 0 {
            return Err(Error::MalformedTlv(
                "tag with a leading zero subsequent byte",
            ));
        }
        value = (value << 8) | u32::from(b);
        if b & 0x80 == 0 {
            return Ok((Tag(value), i + 1));
        }
    }
    Err(Error::MalformedTlv("truncated tag"))
}

fn parse_length(input: &[u8]) -> Result<(usize, usize), Error> {
    let first = *input
        .first()
        .ok_or(Error::MalformedTlv("truncated length"))?;
    match first {
        0..=0x7F => Ok((usize::from(first), 1)),
        0x80 => Err(Error::MalformedTlv("indefinite length is not allowed")),
        0x81..=0x84 => {
            let n = usize::from(first & 0x7F);
            let bytes = input
                .get(1..=n)
                .ok_or(Error::MalformedTlv("truncated length"))?;
            let len = bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            if len > MAX_LEN {
                return Err(Error::MalformedTlv("length above 16 MiB"));
            }
            Ok((len, 1 + n))
        }
        _ => Err(Error::MalformedTlv("length field longer than 4 bytes")),
    }
}

impl<'a> Tlv<'a> {
    /// Parses one data object at the start of `input`, returning it and the bytes after it.
    pub fn parse(input: &'a [u8]) -> Result<(Self, &'a [u8]), Error> {
        let (tag, tag_len) = parse_tag(input)?;
        let rest = input.get(tag_len..).unwrap_or(&[]);
        let (len, len_len) = parse_length(rest)?;
        let rest = rest.get(len_len..).unwrap_or(&[]);
        if rest.len() < len {
            return Err(Error::MalformedTlv("value shorter than its length"));
        }
        let (value, after) = rest.split_at(len);
        Ok((Self { tag, value }, after))
    }

    /// The data objects inside a constructed value.
    pub fn children(&self) -> TlvIter<'a> {
        TlvIter::new(self.value)
    }

    /// The first child with `tag`.
    pub fn find(&self, tag: u32) -> Result<Option<Tlv<'a>>, Error> {
        find(self.value, tag)
    }

    /// Serialises the object.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.value.len() + 8);
        write_tlv(&mut out, self.tag, self.value);
        out
    }
}

/// An iterator over consecutive data objects. Stops at the end of the input or at
/// filler (`00` or `FF` bytes, which ISO/IEC 7816-4 §5.2 allows between and after
/// objects); yields an error once for malformed input, then ends.
#[derive(Clone, Debug)]
pub struct TlvIter<'a> {
    rest: &'a [u8],
}

impl<'a> TlvIter<'a> {
    /// Iterates over the objects in `input`.
    pub fn new(input: &'a [u8]) -> Self {
        Self { rest: input }
    }
}

impl<'a> Iterator for TlvIter<'a> {
    type Item = Result<Tlv<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        // Skip 00 filler between objects; FF filler (or any run of 00/FF) to the end stops.
        while let [0x00, rest @ ..] = self.rest {
            self.rest = rest;
        }
        if self.rest.is_empty() || self.rest.iter().all(|&b| b == 0x00 || b == 0xFF) {
            self.rest = &[];
            return None;
        }
        match Tlv::parse(self.rest) {
            Ok((tlv, rest)) => {
                self.rest = rest;
                Some(Ok(tlv))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// The first object with `tag` among the objects of `input` (not recursing).
pub fn find(input: &[u8], tag: u32) -> Result<Option<Tlv<'_>>, Error> {
    for item in TlvIter::new(input) {
        let tlv = item?;
        if tlv.tag.value() == tag {
            return Ok(Some(tlv));
        }
    }
    Ok(None)
}

/// Appends one data object (tag, minimal definite length, value) to `out`.
pub fn write_tlv(out: &mut Vec<u8>, tag: Tag, value: &[u8]) {
    out.extend_from_slice(&tag.to_bytes());
    let len = value.len();
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => {
            out.push(0x82);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        0x1_0000..=0xFF_FFFF => {
            out.push(0x83);
            out.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
        }
        _ => {
            out.push(0x84);
            out.extend_from_slice(&(len as u32).to_be_bytes());
        }
    }
    out.extend_from_slice(value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_basic_four_items_header() {
        // docs/spec/cards.md §6: FF 20 L, DF 21 08 offsets...
        let mut inner = Vec::new();
        write_tlv(
            &mut inner,
            Tag::new(0xDF21).unwrap(),
            &[0, 0x0E, 0, 0x20, 0, 0x59, 0, 0x64],
        );
        write_tlv(
            &mut inner,
            Tag::new(0xDF22).unwrap(),
            "山田　花子".as_bytes(),
        );
        let mut file = Vec::new();
        write_tlv(&mut file, Tag::new(0xFF20).unwrap(), &inner);
        file.extend_from_slice(&[0xFF; 5]);

        let (outer, rest) = Tlv::parse(&file).unwrap();
        assert_eq!(outer.tag.value(), 0xFF20);
        assert!(outer.tag.is_constructed());
        assert_eq!(outer.tag.class(), TagClass::Private);
        assert_eq!(rest, &[0xFF; 5]);
        let name = outer.find(0xDF22).unwrap().unwrap();
        assert_eq!(std::str::from_utf8(name.value).unwrap(), "山田　花子");
        assert_eq!(outer.children().count(), 2);
    }

    #[test]
    fn long_lengths_round_trip() {
        for len in [0usize, 1, 127, 128, 255, 256, 65_535, 65_536, 70_000] {
            let value = vec![0xA5; len];
            let mut out = Vec::new();
            write_tlv(&mut out, Tag::new(0x04).unwrap(), &value);
            let (tlv, rest) = Tlv::parse(&out).unwrap();
            assert_eq!(tlv.value.len(), len);
            assert!(rest.is_empty());
            assert_eq!(tlv.to_bytes(), out);
        }
    }

    #[test]
    fn encodes_length_boundaries_exactly() {
        let enc = |len: usize| {
            let mut out = Vec::new();
            write_tlv(&mut out, Tag::new(0x53).unwrap(), &vec![0; len]);
            out[1..out.len() - len].to_vec()
        };
        assert_eq!(enc(0x7F), vec![0x7F]);
        assert_eq!(enc(0x80), vec![0x81, 0x80]);
        assert_eq!(enc(0xFF), vec![0x81, 0xFF]);
        assert_eq!(enc(0x100), vec![0x82, 0x01, 0x00]);
    }

    #[test]
    fn multi_byte_tags() {
        assert_eq!(Tag::new(0xDF21).unwrap().to_bytes(), vec![0xDF, 0x21]);
        assert_eq!(Tag::new(0x5F2D).unwrap().to_bytes(), vec![0x5F, 0x2D]);
        assert_eq!(
            Tag::new(0x9F8101).unwrap().to_bytes(),
            vec![0x9F, 0x81, 0x01]
        );
        assert!(Tag::new(0xDF).is_err(), "first byte announces more bytes");
        assert!(Tag::new(0x1F05).is_ok());
        assert!(
            Tag::new(0x21DF).is_err(),
            "second byte without a multi-byte first byte"
        );
        assert!(Tag::new(0x9F8001).is_err(), "leading zero subsequent byte");
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        let bad: [&[u8]; 7] = [
            &[],
            &[0xDF],
            &[0xDF, 0x21],
            &[0x04, 0x80],
            &[0x04, 0x85, 1, 2, 3, 4, 5],
            &[0x04, 0x82, 0x01],
            &[0x04, 0x05, 1, 2],
        ];
        for b in bad {
            assert!(Tlv::parse(b).is_err(), "{b:02X?}");
        }
    }

    #[test]
    fn iterator_stops_at_filler_and_reports_errors_once() {
        let items: Vec<_> =
            TlvIter::new(&[0x01, 0x01, 0xAA, 0x00, 0x02, 0x00, 0xFF, 0xFF]).collect();
        assert_eq!(items.len(), 2);
        let items: Vec<_> = TlvIter::new(&[0x01, 0x05, 0xAA]).collect();
        assert_eq!(items.len(), 1);
        assert!(items[0].is_err());
    }
}
