//! `medsign cms` (placeholder until its helper lands).

use crate::error::{CliError, CliResult};

/// Subcommands of `medsign cms`.
#[derive(clap::Subcommand)]
pub enum CmsCmd {
    /// Placeholder.
    Todo,
}

/// Runs `medsign cms`.
pub fn run(_cmd: CmsCmd) -> CliResult {
    Err(CliError::usage("not implemented yet"))
}
