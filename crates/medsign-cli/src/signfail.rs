//! Signing failures as the CLI reports them: a card PIN error deep inside a signing
//! error keeps its exit code (5) and its tries-left message.

use std::error::Error as StdError;

use crate::error::CliError;
use crate::tf;

/// Maps an error of a signing library to the CLI error of its innermost card cause,
/// or to a card error (exit 4) naming the failure.
pub fn sign_error(e: &(dyn StdError + 'static)) -> CliError {
    crate::cardsrc::signer_error(e, |e| {
        CliError::card(tf!("signing failed: {e}", "署名できませんでした: {e}"))
    })
}
