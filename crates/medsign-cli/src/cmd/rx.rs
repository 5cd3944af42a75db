//! `medsign rx` (placeholder until its helper lands).

use crate::error::{CliError, CliResult};

/// Subcommands of `medsign rx`.
#[derive(clap::Subcommand)]
pub enum RxCmd {
    /// Placeholder.
    Todo,
}

/// Runs `medsign rx`.
pub fn run(_cmd: RxCmd) -> CliResult {
    Err(CliError::usage("not implemented yet"))
}
