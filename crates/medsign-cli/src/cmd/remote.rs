//! `medsign remote` (placeholder until its helper lands).

use crate::error::{CliError, CliResult};

/// Subcommands of `medsign remote`.
#[derive(clap::Subcommand)]
pub enum RemoteCmd {
    /// Placeholder.
    Todo,
}

/// Runs `medsign remote`.
pub fn run(_cmd: RemoteCmd) -> CliResult {
    Err(CliError::usage("not implemented yet"))
}
