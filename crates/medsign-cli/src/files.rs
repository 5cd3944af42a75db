//! Checks on the files a command reads, before it reads them.

use std::path::Path;

use crate::i18n::t;

/// What [`read_bounded`] found.
pub enum Bounded {
    /// A regular file whose size (from its metadata) is over the limit: not read.
    TooLarge(u64),
    /// The bytes, at most the limit plus one (a file that was larger than it said, or
    /// a special file, stops there).
    Bytes(Vec<u8>),
}

/// Why [`read_bounded`] read nothing.
pub enum Unread {
    /// Not a regular file (a FIFO, device, socket or folder), and not opened: the
    /// words of [`special_kind`].
    Special(&'static str),
    /// The file system's error.
    Io(std::io::Error),
}

/// Reads `path`, checked before reading: a FIFO, device or socket is not opened
/// unless `follow_special` (reading one may block forever or never end), a folder
/// never; a regular file over `max` bytes by its metadata is not read, and no read
/// goes past `max + 1` bytes whatever the file turns out to be.
pub fn read_bounded(path: &Path, follow_special: bool, max: usize) -> Result<Bounded, Unread> {
    use std::io::Read as _;
    let refused = |meta: &std::fs::Metadata| {
        (meta.is_dir() || (!meta.is_file() && !follow_special))
            .then(|| Unread::Special(special_kind(meta.file_type())))
    };
    let meta = std::fs::metadata(path).map_err(Unread::Io)?;
    if let Some(no) = refused(&meta) {
        return Err(no);
    }
    let limit = u64::try_from(max).unwrap_or(u64::MAX);
    if meta.is_file() && meta.len() > limit {
        return Ok(Bounded::TooLarge(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(Unread::Io)?;
    // What was opened is checked again: the path may have changed since.
    let opened = file.metadata().map_err(Unread::Io)?;
    if let Some(no) = refused(&opened) {
        return Err(no);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(opened.len().min(limit)).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(Unread::Io)?;
    Ok(Bounded::Bytes(bytes))
}

/// What a file that is not a regular file is, in words.
pub fn special_kind(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_fifo() {
            return t("a FIFO", "FIFO");
        }
        if file_type.is_char_device() {
            return t("a character device", "キャラクタデバイス");
        }
        if file_type.is_block_device() {
            return t("a block device", "ブロックデバイス");
        }
        if file_type.is_socket() {
            return t("a socket", "ソケット");
        }
    }
    if file_type.is_dir() {
        return t("a folder", "フォルダ");
    }
    t("not a regular file", "通常のファイルではない")
}
