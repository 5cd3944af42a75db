//! The CLI's errors and exit codes.

use std::fmt;

/// The documented exit codes (see `medsign --help` and the README).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Everything succeeded; every verified document or signature is VALID.
    Ok = 0,
    /// A verification ran and something is not VALID (INVALID or INDETERMINATE), or an
    /// application form did not validate.
    NotValid = 1,
    /// The command line is wrong (also clap's own code for usage errors).
    Usage = 2,
    /// A file could not be read or written, or its content is malformed.
    Input = 3,
    /// No reader, no card, the wrong card, or the card failed.
    Card = 4,
    /// The PIN: wrong (tries left shown), blocked, wrong format (not sent), or the last
    /// try refused without `--allow-last-try`.
    Pin = 5,
    /// A service (Mynaportal, the remote-signing platform, a TSA) failed or refused.
    Service = 6,
}

/// An error the CLI reports on stderr, in the process's language, with its exit code.
#[derive(Debug)]
pub struct CliError {
    /// How the process exits.
    pub exit: Exit,
    /// The message, already in the process's language.
    pub message: String,
}

impl CliError {
    /// A new error.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
        }
    }
    /// A usage error.
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }
    /// An input error.
    pub fn input(message: impl Into<String>) -> Self {
        Self::new(Exit::Input, message)
    }
    /// A card error.
    pub fn card(message: impl Into<String>) -> Self {
        Self::new(Exit::Card, message)
    }
    /// A PIN error.
    pub fn pin(message: impl Into<String>) -> Self {
        Self::new(Exit::Pin, message)
    }
    /// A service error.
    pub fn service(message: impl Into<String>) -> Self {
        Self::new(Exit::Service, message)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// The result of a command: the exit code to finish with.
pub type CliResult = Result<Exit, CliError>;

/// `path: error` for file errors.
pub fn io_error(path: &std::path::Path, e: &std::io::Error) -> CliError {
    CliError::input(crate::tf!("{}: {e}", "{}: {e}", path.display()))
}
