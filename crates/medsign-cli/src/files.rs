//! Checks on the files a command reads, before it reads them.

use crate::i18n::t;

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
