//! Terminal-aware output: progress bars only on a terminal, plain text when piped, and
//! standard output that survives a reader who stops listening.
//!
//! Every line the commands print goes through [`write_stdout`] (the [`outln!`](crate::outln) and
//! [`out!`](crate::out) macros). When the reader of a pipe goes away (`medsign … | head -1`,
//! `| grep -q`), the rest of the output is dropped and the command still finishes with
//! its own exit code: a verification piped into `grep -q` exits 1 when a document is
//! INVALID, never by a panic or a "broken pipe" error. Any other write error (a full
//! disk) is reported, exit 3.

use std::io::{IsTerminal as _, Write as _};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::CliError;
use crate::tf;

/// Set once standard output's reader has gone away.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
/// The first error of a write that had no caller to return it to (the macros).
static STDOUT_ERROR: Mutex<Option<CliError>> = Mutex::new(None);

/// Writes `bytes` to standard output. A closed pipe is not an error: the output is
/// dropped from then on. Any other failure is an input/output error (exit 3).
pub fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    let written = out.write_all(bytes);
    // Binary output (a signature) has no newline to flush it: flush it now so that an
    // error is reported here rather than lost at exit.
    let result = written.and_then(|()| {
        if bytes.last() == Some(&b'\n') {
            Ok(())
        } else {
            out.flush()
        }
    });
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => Err(CliError::input(tf!(
            "cannot write to standard output: {e}",
            "標準出力に書けません: {e}"
        ))),
    }
}

/// Formats and writes to standard output; what [`outln!`](crate::outln) and [`out!`](crate::out) expand to. An
/// error is kept for [`finish`], which reports it.
pub fn print_fmt(args: std::fmt::Arguments<'_>) {
    let text = std::fmt::format(args);
    if let Err(e) = write_stdout(text.as_bytes()) {
        let mut slot = STDOUT_ERROR.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert(e);
    }
}

/// Flushes standard output at the end of a command and returns the error of a write
/// that failed on the way (other than a closed pipe), if any.
pub fn finish() -> Result<(), CliError> {
    write_stdout(b"")?;
    if !STDOUT_CLOSED.load(Ordering::Relaxed)
        && let Err(e) = std::io::stdout().lock().flush()
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(CliError::input(tf!(
            "cannot write to standard output: {e}",
            "標準出力に書けません: {e}"
        )));
    }
    let mut slot = STDOUT_ERROR.lock().unwrap_or_else(|p| p.into_inner());
    slot.take().map_or(Ok(()), Err)
}

/// `outln!` through [`write_stdout`]: a closed pipe ends the output, not the process.
#[macro_export]
macro_rules! outln {
    () => {
        $crate::output::print_fmt(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::print_fmt(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` through [`write_stdout`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::print_fmt(format_args!($($arg)*))
    };
}

/// A progress bar on stderr when stderr is a terminal; hidden otherwise.
pub fn progress(len: u64, enabled: bool) -> indicatif::ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} [{bar:32}] {pos}/{len} {wide_msg} ({eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Pads `s` to `width` display columns (East Asian wide characters count two).
pub fn pad(s: &str, width: usize) -> String {
    let w = display_width(s);
    let mut out = s.to_owned();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}

/// The display width of `s` in a terminal: CJK, kana and full-width forms count two.
pub fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let c = c as u32;
            let wide = (0x1100..=0x115F).contains(&c)
                || (0x2E80..=0xA4CF).contains(&c)
                || (0xAC00..=0xD7A3).contains(&c)
                || (0xF900..=0xFAFF).contains(&c)
                || (0xFE30..=0xFE4F).contains(&c)
                || (0xFF00..=0xFF60).contains(&c)
                || (0xFFE0..=0xFFE6).contains(&c)
                || (0x20000..=0x3FFFD).contains(&c);
            if wide { 2 } else { 1 }
        })
        .sum()
}
