#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod c14n;
mod error;
mod report;
mod sign;
mod timestamp;
mod verify;
mod xml;

pub use crate::{
    c14n::C14nMethod,
    error::{Error, LimitExceeded},
    report::{
        CheckResult, Checks, DocumentType, Level, REPORT_JSON_VERSION, Role, SignatureReport,
        SignedContent, Signer, Status, VerificationReport,
    },
    sign::{
        Dispensing, PreparedDocument, Prescription, SignOptions, SignatureIds, prepare_dispensing,
        prepare_prescription, sign_dispensing, sign_prepared, sign_prescription,
    },
    verify::Verifier,
    xml::Limits,
};
pub use hpki_cert::{
    CrlSource, Indication, Qualification, RevocationPolicy, SubIndication, TrustStore,
};

/// Canonicalizes `input` (a whole document, or the element whose `id`/`Id` is `id`)
/// with `method`. For tests, fuzzing and debugging interop problems.
pub fn canonicalize(input: &[u8], id: Option<&str>, method: &C14nMethod) -> Result<Vec<u8>, Error> {
    let limits = Limits::default();
    let text = xml::check_input(input, &limits)?;
    let parsed = xml::parse(text, &limits)?;
    let mut out = Vec::with_capacity(text.len());
    match id {
        None => c14n::canonicalize_document(&parsed.doc, method, &mut out),
        Some(id) => {
            let node = parsed
                .ids
                .get(id)
                .and_then(|n| parsed.doc.get_node(*n))
                .ok_or_else(|| Error::InvalidInput(format!("no element with id {id:?}")))?;
            c14n::canonicalize_subtree(node, method, &mut out);
        }
    }
    Ok(out)
}
