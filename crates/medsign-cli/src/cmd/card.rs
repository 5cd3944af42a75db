//! `medsign card` (placeholder until its helper lands).

use crate::error::{CliError, CliResult};

/// Subcommands of `medsign card`.
#[derive(clap::Subcommand)]
pub enum CardCmd {
    /// Placeholder.
    Todo,
}

/// Runs `medsign card`.
pub fn run(_cmd: CardCmd) -> CliResult {
    Err(CliError::usage("not implemented yet"))
}
