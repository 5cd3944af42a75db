//! Attachments checked by content: magic bytes and header-only dimensions.

use serde::{Deserialize, Serialize};

/// A file format the forms accept, told by the file's first bytes, never its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// JPEG: `FF D8 FF`; dimensions from the first SOFn frame header.
    Jpeg,
    /// PNG: the 8-byte signature; dimensions from the IHDR chunk that must follow it.
    Png,
    /// Windows/OS2 bitmap: `BM`; dimensions from the DIB header.
    Bmp,
    /// PDF: `%PDF-x.y` at the start; no dimensions.
    Pdf,
}

impl FileFormat {
    /// The name the guide uses (`JPEG`, `PNG`, `BMP`, `PDF`).
    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Jpeg => "JPEG",
            FileFormat::Png => "PNG",
            FileFormat::Bmp => "BMP",
            FileFormat::Pdf => "PDF",
        }
    }
}

/// Width and height in pixels, from an image header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dimensions {
    /// Pixels across (横).
    pub width: u32,
    /// Pixels down (縦).
    pub height: u32,
}

/// What [`sniff`] learned from a file's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    /// The format the magic bytes name.
    pub format: FileFormat,
    /// The image's size; `None` for PDF.
    pub dimensions: Option<Dimensions>,
}

/// Why an attachment's header could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AttachmentError {
    /// The file is empty: attach the file again.
    #[error("the file is empty")]
    Empty,
    /// The first bytes are not JPEG, PNG, BMP or PDF (whatever the file name says):
    /// save the image as JPEG (or a format the authority accepts) and attach it again.
    #[error("not a JPEG, PNG, BMP or PDF file")]
    UnknownFormat,
    /// The header ends before the dimensions: the file is cut short or damaged.
    #[error("the {0:?} header is truncated")]
    Truncated(FileFormat),
    /// The header is malformed (a bad segment length, a zero dimension, a JPEG
    /// without a frame header before its image data): save the image again.
    #[error("the {format:?} header is malformed: {reason}")]
    Malformed {
        /// The format the magic bytes named.
        format: FileFormat,
        /// What is wrong, in English.
        reason: &'static str,
    },
}

/// Reads the format and, for images, the dimensions from the header only. Cost is
/// bounded by the number of JPEG segments before the frame header, never by the
/// image's pixels: nothing is decompressed, so a decompression bomb costs nothing.
///
/// ```
/// use authority_forms::{sniff, Dimensions, FileFormat};
/// let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
/// png.extend_from_slice(&413u32.to_be_bytes());
/// png.extend_from_slice(&531u32.to_be_bytes());
/// png.extend_from_slice(&[8, 0, 0, 0, 0]);
/// let sniffed = sniff(&png)?;
/// assert_eq!(sniffed.format, FileFormat::Png);
/// assert_eq!(sniffed.dimensions, Some(Dimensions { width: 413, height: 531 }));
/// # Ok::<(), authority_forms::AttachmentError>(())
/// ```
pub fn sniff(bytes: &[u8]) -> Result<Sniffed, AttachmentError> {
    if bytes.is_empty() {
        return Err(AttachmentError::Empty);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return jpeg(bytes).map(|d| image(FileFormat::Jpeg, d));
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return png(bytes).map(|d| image(FileFormat::Png, d));
    }
    if bytes.starts_with(b"BM") {
        return bmp(bytes).map(|d| image(FileFormat::Bmp, d));
    }
    if bytes.starts_with(b"%PDF-") {
        return pdf(bytes);
    }
    Err(AttachmentError::UnknownFormat)
}

fn image(format: FileFormat, dimensions: Dimensions) -> Sniffed {
    Sniffed {
        format,
        dimensions: Some(dimensions),
    }
}

fn u16_be(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
}

fn u32_be(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(b))
}

fn u16_le(bytes: &[u8], at: usize) -> Option<u16> {
    let b: [u8; 2] = bytes.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(u16::from_le_bytes(b))
}

fn u32_le(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

fn malformed(format: FileFormat, reason: &'static str) -> AttachmentError {
    AttachmentError::Malformed { format, reason }
}

/// Walks the marker segments (ITU-T T.81 B.1.1) up to the first SOFn frame header
/// `SOFn Lf P Y X Nf …` and returns X × Y.
fn jpeg(bytes: &[u8]) -> Result<Dimensions, AttachmentError> {
    const F: FileFormat = FileFormat::Jpeg;
    let truncated = AttachmentError::Truncated(F);
    let mut at = 2usize;
    loop {
        // A marker is 0xFF, optional 0xFF fill bytes, then a non-0xFF code.
        if bytes.get(at) != Some(&0xFF) {
            return Err(if at >= bytes.len() {
                truncated
            } else {
                malformed(F, "expected a marker")
            });
        }
        while bytes.get(at) == Some(&0xFF) {
            at += 1;
        }
        let marker = *bytes.get(at).ok_or(truncated)?;
        at += 1;
        match marker {
            0x00 => return Err(malformed(F, "stuffed byte where a marker belongs")),
            0x01 | 0xD0..=0xD7 => continue,
            0xD8 => return Err(malformed(F, "a second start-of-image marker")),
            0xD9 | 0xDA => return Err(malformed(F, "no frame header before the image data")),
            _ => {}
        }
        let length = usize::from(u16_be(bytes, at).ok_or(truncated)?);
        if length < 2 {
            return Err(malformed(F, "segment length below 2"));
        }
        let is_frame = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            if length < 8 {
                return Err(malformed(F, "frame header shorter than 8 bytes"));
            }
            let height = u16_be(bytes, at + 3).ok_or(truncated)?;
            let width = u16_be(bytes, at + 5).ok_or(truncated)?;
            if width == 0 || height == 0 {
                // Height 0 means "defined later by a DNL marker", after the image data.
                return Err(malformed(F, "zero width or height in the frame header"));
            }
            return Ok(Dimensions {
                width: u32::from(width),
                height: u32::from(height),
            });
        }
        at += length;
    }
}

/// The IHDR chunk must come first (PNG spec 11.2.2): length 13, `IHDR`, width, height.
fn png(bytes: &[u8]) -> Result<Dimensions, AttachmentError> {
    const F: FileFormat = FileFormat::Png;
    let truncated = AttachmentError::Truncated(F);
    if u32_be(bytes, 8).ok_or(truncated)? != 13 || bytes.get(12..16).ok_or(truncated)? != b"IHDR" {
        return Err(malformed(F, "the first chunk is not a 13-byte IHDR"));
    }
    let width = u32_be(bytes, 16).ok_or(truncated)?;
    let height = u32_be(bytes, 20).ok_or(truncated)?;
    if width == 0 || height == 0 || width > i32::MAX as u32 || height > i32::MAX as u32 {
        return Err(malformed(F, "width or height is 0 or above 2^31-1"));
    }
    Ok(Dimensions { width, height })
}

/// `BM`, the 14-byte file header, then a DIB header whose size tells its kind:
/// 12 (OS/2 BITMAPCOREHEADER, u16 sizes) or 16..=124 (BITMAPINFOHEADER and its
/// successors, i32 sizes, a negative height meaning top-down rows).
fn bmp(bytes: &[u8]) -> Result<Dimensions, AttachmentError> {
    const F: FileFormat = FileFormat::Bmp;
    let truncated = AttachmentError::Truncated(F);
    let dib = u32_le(bytes, 14).ok_or(truncated)?;
    let (width, height) = match dib {
        12 => (
            i64::from(u16_le(bytes, 18).ok_or(truncated)?),
            i64::from(u16_le(bytes, 20).ok_or(truncated)?),
        ),
        16..=124 => (
            i64::from(u32_le(bytes, 18).ok_or(truncated)? as i32),
            i64::from(u32_le(bytes, 22).ok_or(truncated)? as i32),
        ),
        _ => return Err(malformed(F, "unknown DIB header size")),
    };
    let width = u32::try_from(width).ok().filter(|w| *w > 0);
    let height = u32::try_from(height.abs()).ok().filter(|h| *h > 0);
    match (width, height) {
        (Some(width), Some(height)) => Ok(Dimensions { width, height }),
        _ => Err(malformed(F, "width not positive or height zero")),
    }
}

/// `%PDF-` followed by a version `d.d`.
fn pdf(bytes: &[u8]) -> Result<Sniffed, AttachmentError> {
    const F: FileFormat = FileFormat::Pdf;
    let version = bytes.get(5..8).ok_or(AttachmentError::Truncated(F))?;
    match version {
        [major, b'.', minor] if major.is_ascii_digit() && minor.is_ascii_digit() => Ok(Sniffed {
            format: F,
            dimensions: None,
        }),
        _ => Err(malformed(F, "no version after %PDF-")),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A JPEG header: SOI, an APP0 segment, a DQT-like filler, then SOF0.
    pub(crate) fn jpeg_header(width: u16, height: u16) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        v.extend_from_slice(b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00");
        v.extend_from_slice(&[0xFF, 0xFF, 0xDB, 0x00, 0x04, 0x00, 0x00]);
        v.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
        v.extend_from_slice(&height.to_be_bytes());
        v.extend_from_slice(&width.to_be_bytes());
        v.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        v.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xD9]);
        v
    }

    pub(crate) fn bmp_header(width: i32, height: i32) -> Vec<u8> {
        let mut v = b"BM".to_vec();
        v.extend_from_slice(&[0; 12]);
        v.extend_from_slice(&40u32.to_le_bytes());
        v.extend_from_slice(&width.to_le_bytes());
        v.extend_from_slice(&height.to_le_bytes());
        v.extend_from_slice(&[1, 0, 24, 0]);
        v
    }

    #[test]
    fn jpeg_dimensions_come_from_the_frame_header() {
        let s = sniff(&jpeg_header(413, 531)).unwrap();
        assert_eq!(s.format, FileFormat::Jpeg);
        assert_eq!(
            s.dimensions,
            Some(Dimensions {
                width: 413,
                height: 531
            })
        );
    }

    #[test]
    fn jpeg_without_frame_before_scan_is_refused() {
        let v = [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02];
        assert!(matches!(sniff(&v), Err(AttachmentError::Malformed { .. })));
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF]),
            Err(AttachmentError::Truncated(FileFormat::Jpeg))
        );
        let zero_len = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x00];
        assert!(matches!(
            sniff(&zero_len),
            Err(AttachmentError::Malformed { .. })
        ));
    }

    #[test]
    fn jpeg_zero_height_is_refused() {
        assert!(matches!(
            sniff(&jpeg_header(413, 0)),
            Err(AttachmentError::Malformed { .. })
        ));
    }

    #[test]
    fn bmp_bottom_up_and_top_down() {
        let up = sniff(&bmp_header(413, 531)).unwrap();
        let down = sniff(&bmp_header(413, -531)).unwrap();
        assert_eq!(up.dimensions, down.dimensions);
        assert_eq!(up.format, FileFormat::Bmp);
        assert!(sniff(&bmp_header(-413, 531)).is_err());
        assert_eq!(
            sniff(b"BM\0\0"),
            Err(AttachmentError::Truncated(FileFormat::Bmp))
        );
    }

    #[test]
    fn pdf_needs_a_version() {
        assert_eq!(sniff(b"%PDF-1.7\n").unwrap().format, FileFormat::Pdf);
        assert_eq!(sniff(b"%PDF-1.7\n").unwrap().dimensions, None);
        assert!(sniff(b"%PDF-x").is_err());
    }

    #[test]
    fn names_do_not_matter_only_bytes() {
        assert_eq!(sniff(b"GIF89a...."), Err(AttachmentError::UnknownFormat));
        assert_eq!(sniff(b""), Err(AttachmentError::Empty));
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n"),
            Err(AttachmentError::Truncated(FileFormat::Png))
        );
    }

    #[test]
    fn real_images_from_imagemagick_agree() {
        // Made by `convert -size 413x531 xc:gray` (see tests/data/README.md).
        let jpeg = include_bytes!("../tests/data/photo-413x531.jpg");
        let png = include_bytes!("../tests/data/photo-413x531.png");
        let bmp = include_bytes!("../tests/data/photo-413x531.bmp");
        for (bytes, format) in [
            (&jpeg[..], FileFormat::Jpeg),
            (&png[..], FileFormat::Png),
            (&bmp[..], FileFormat::Bmp),
        ] {
            let s = sniff(bytes).unwrap();
            assert_eq!(s.format, format);
            assert_eq!(
                s.dimensions,
                Some(Dimensions {
                    width: 413,
                    height: 531
                })
            );
        }
    }
}
