//! Signing failures as the CLI reports them: a card's PIN outcome inside a signing
//! library's error keeps its exit code (5) and its tries-left message. The libraries
//! carry the signer's error as a typed `cert_signer::SignError`, so this is a `match`,
//! not a downcast.

use cert_signer::SignError;

use crate::error::CliError;
use crate::tf;

/// A signing library's error that may carry the signer's [`SignError`].
pub trait SignFailure: core::fmt::Display {
    /// The signer's error, when the signer is what failed.
    fn signer_error(&self) -> Option<&SignError>;
}

impl SignFailure for xades_sign::Error {
    fn signer_error(&self) -> Option<&SignError> {
        match self {
            Self::Sign(e) => Some(e),
            _ => None,
        }
    }
}

impl SignFailure for cms_sign::Error {
    fn signer_error(&self) -> Option<&SignError> {
        match self {
            Self::Sign(e) => Some(e),
            _ => None,
        }
    }
}

/// Maps an error of a signing library to the CLI error of its signer's failure (a PIN
/// outcome exits 5), or to a card error (exit 4) naming the failure.
pub fn sign_error<E: SignFailure>(e: &E) -> CliError {
    match e.signer_error() {
        Some(signer) => crate::cardsrc::sign_error(signer),
        None => CliError::card(tf!("signing failed: {e}", "署名できませんでした: {e}")),
    }
}
