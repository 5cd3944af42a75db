//! `medsign sim` (placeholder until its helper lands).

use crate::error::{CliError, CliResult};

/// Arguments of `medsign sim`.
#[derive(clap::Args)]
pub struct SimArgs {}

/// Runs `medsign sim`.
pub fn run(_args: SimArgs) -> CliResult {
    Err(CliError::usage("not implemented yet"))
}
