//! `medsign apply` (placeholder until its helper lands).

use crate::error::{CliError, CliResult};

/// Arguments of `medsign apply`.
#[derive(clap::Args)]
pub struct ApplyArgs {}

/// Runs `medsign apply`.
pub fn run(_args: ApplyArgs) -> CliResult {
    Err(CliError::usage("not implemented yet"))
}
