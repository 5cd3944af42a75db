//! Time-stamps and proofs of existence (ETSI EN 319 102-1 §5.6.2.4, §5.6.3).
//!
//! The validation time is now or the caller's time. A time-stamp whose token verifies
//! over the right input and whose TSA path validates at the time it is checked at
//! proves that what it covers existed at its genTime. Archive time-stamps are taken
//! from the last to the first: the last is checked at the validation time, each
//! earlier one at the genTime of the one after it that validated. The signature
//! time-stamp is then checked at the earliest time proven so far, and the signer's
//! path is validated at the signature time-stamp's genTime when it validated, else at
//! the earliest archive time-stamp's genTime (an archive time-stamp covers the
//! signature too), else at the validation time.

use hpki_cert::{PathOptions, Purpose, SubIndication};
use roxmltree::Node;

use super::parts::{Parts, text_ref};
use super::{
    DSIG, Verifier, XADES, XADES141,
    data::{Decoder, ValidationData},
};
use crate::{
    c14n::{C14nMethod, canonicalize_subtree},
    report::CheckResult,
    timestamp,
};

/// What the time-stamps of one signature established.
pub(super) struct Poe {
    pub signature_timestamp: CheckResult,
    pub archive_timestamps: CheckResult,
    /// The signature time-stamp's genTime, when it validated.
    pub timestamp_time: Option<jiff::Timestamp>,
    /// The time to validate the signer's path at.
    pub signer_time: jiff::Timestamp,
    /// Waivers made while validating the TSA paths.
    pub waivers: Vec<String>,
}

impl Verifier {
    /// Checks the archive and signature time-stamps at the times the POE chain allows.
    pub(super) fn proofs_of_existence(
        &self,
        parts: &Parts<'_, '_>,
        data: &ValidationData,
        decoder: &Decoder<'_>,
        at: jiff::Timestamp,
    ) -> Poe {
        let mut waivers = Vec::new();
        let mut poe_time = at;
        let (archive_timestamps, earliest) =
            self.archive_poe(parts, data, decoder, at, &mut waivers);
        if let Some(t) = earliest {
            poe_time = t;
        }
        let (signature_timestamp, timestamp_time) = match parts
            .unsigned_child(XADES, "SignatureTimeStamp")
        {
            None => (CheckResult::absent("no SignatureTimeStamp"), None),
            Some(ts) => {
                let mut input = Vec::new();
                match timestamp_c14n(ts) {
                    Err(r) => (CheckResult::invalid(SubIndication::FormatFailure, r), None),
                    Ok(method) => {
                        canonicalize_subtree(parts.signature_value, &method, &mut input);
                        match self.check_token(ts, &[input], data, decoder, poe_time, &mut waivers)
                        {
                            Ok((t, anchor)) => (
                                CheckResult::valid_with(format!(
                                    "genTime {t}; TSA path validated at {poe_time} to the anchor {anchor}"
                                )),
                                Some(t),
                            ),
                            Err(r) => (r, None),
                        }
                    }
                }
            }
        };
        Poe {
            signature_timestamp,
            archive_timestamps,
            timestamp_time,
            signer_time: timestamp_time.unwrap_or(poe_time),
            waivers,
        }
    }

    /// The archive time-stamps, last to first; the earliest genTime proven.
    fn archive_poe(
        &self,
        parts: &Parts<'_, '_>,
        data: &ValidationData,
        decoder: &Decoder<'_>,
        at: jiff::Timestamp,
        waivers: &mut Vec<String>,
    ) -> (CheckResult, Option<jiff::Timestamp>) {
        let Some(usp) = parts.unsigned_signature_properties else {
            return (CheckResult::absent("no unsigned properties"), None);
        };
        // Each archive time-stamp with the elements before it (its input).
        let mut stamps: Vec<(Node<'_, '_>, Vec<Node<'_, '_>>)> = Vec::new();
        let mut preceding: Vec<Node<'_, '_>> = Vec::new();
        for child in usp.children().filter(Node::is_element) {
            let name = child.tag_name();
            let is_ats = name.name() == "ArchiveTimeStamp"
                && matches!(name.namespace(), Some(XADES) | Some(XADES141));
            if is_ats {
                stamps.push((child, preceding.clone()));
            }
            preceding.push(child);
        }
        if stamps.is_empty() {
            return (CheckResult::absent("no ArchiveTimeStamp"), None);
        }
        let mut poe_time = at;
        let mut earliest = None;
        let mut result = CheckResult::valid();
        let mut proven = Vec::new();
        for (node, before) in stamps.iter().rev() {
            let id = node.attribute("Id").unwrap_or("?");
            let method = match timestamp_c14n(*node) {
                Ok(m) => m,
                Err(r) => {
                    result = worse(
                        result,
                        CheckResult::invalid(SubIndication::FormatFailure, r),
                    );
                    continue;
                }
            };
            let inputs = archive_inputs(parts, before, &method);
            match self.check_token(*node, &inputs, data, decoder, poe_time, waivers) {
                Ok((t, anchor)) => {
                    proven.push(format!(
                        "{id}: genTime {t}, TSA path validated at {poe_time} to the anchor {anchor}"
                    ));
                    if t < poe_time {
                        poe_time = t;
                    }
                    earliest = Some(poe_time);
                }
                Err(r) if r.sub_indication == Some(SubIndication::HashFailure) => {
                    result = worse(
                        result,
                        CheckResult::indeterminate(
                            SubIndication::HashFailure,
                            format!(
                                "ArchiveTimeStamp {id}: its token verifies, but none of the {} \
                                 canonical inputs computed per XAdES 1.4.1/EN 319 132-1 5.5.2 \
                                 matches its imprint (the exact input cannot be determined)",
                                inputs.len()
                            ),
                        ),
                    );
                }
                Err(r) => {
                    let reason = format!("ArchiveTimeStamp {id}: {}", r.reason);
                    result = worse(result, CheckResult { reason, ..r });
                }
            }
        }
        if result.is_ok() {
            result = CheckResult::valid_with(proven.join("; "));
        }
        (result, earliest)
    }

    /// Checks one XAdES time-stamp element against candidate imprint inputs, its TSA
    /// path validated at `at`; its genTime and the TSA path's anchor when everything
    /// holds.
    fn check_token(
        &self,
        ts: Node<'_, '_>,
        inputs: &[Vec<u8>],
        data: &ValidationData,
        decoder: &Decoder<'_>,
        at: jiff::Timestamp,
        waivers: &mut Vec<String>,
    ) -> Result<(jiff::Timestamp, String), CheckResult> {
        let enc = ts
            .children()
            .find(|n| n.has_tag_name((XADES, "EncapsulatedTimeStamp")))
            .ok_or_else(|| {
                CheckResult::invalid(SubIndication::FormatFailure, "no EncapsulatedTimeStamp")
            })?;
        let der = decoder.base64(&text_ref(enc)).map_err(|e| {
            CheckResult::invalid(
                SubIndication::FormatFailure,
                format!("EncapsulatedTimeStamp: {e}"),
            )
        })?;
        let token = timestamp::verify_token(&der, &self.cache)
            .map_err(|e| CheckResult::invalid(SubIndication::SigCryptoFailure, e))?;
        if !inputs
            .iter()
            .any(|input| token.imprint_alg.hash(input) == token.imprint)
        {
            return Err(CheckResult::invalid(
                SubIndication::HashFailure,
                "the time-stamp imprint does not match the time-stamped data",
            ));
        }
        if token.gen_time > at {
            return Err(CheckResult::indeterminate(
                SubIndication::TimestampOrderFailure,
                format!(
                    "the time-stamp's genTime {} is after the time it is checked at ({at})",
                    token.gen_time
                ),
            ));
        }
        let tsa_cert = decoder.certificate(&token.tsa_cert).map_err(|e| {
            CheckResult::invalid(
                SubIndication::FormatFailure,
                format!("TSA certificate: {e}"),
            )
        })?;
        timestamp::check_tsa_eku(tsa_cert.x509())
            .map_err(|e| CheckResult::invalid(SubIndication::ChainConstraintsFailure, e))?;
        let mut extra = token.certs;
        extra.extend(data.certs.iter().cloned());
        let opts = self.path_options(
            PathOptions::at(at).with_purpose(Purpose::TimeStamping),
            data,
        );
        let path = hpki_cert::validate_path(&token.tsa_cert, &extra, &self.trust, &opts);
        waivers.extend(path.waivers.iter().cloned());
        let result = super::path_result(&path, at);
        if !result.is_ok() {
            return Err(CheckResult {
                reason: format!("TSA certificate: {}", result.reason),
                ..result
            });
        }
        Ok((token.gen_time, path.anchor.unwrap_or_default()))
    }
}

/// The worse of two check results (the first of equals).
fn worse(a: CheckResult, b: CheckResult) -> CheckResult {
    if b.status > a.status { b } else { a }
}

/// Candidate inputs of an archive time-stamp: EN 319 132-1 §5.5.2.2 (with and without
/// the v1.4.1 TimeStampValidationData, which 1.4.1 says to include and some producers
/// leave out).
fn archive_inputs(
    parts: &Parts<'_, '_>,
    preceding: &[Node<'_, '_>],
    method: &C14nMethod,
) -> Vec<Vec<u8>> {
    let mut base = Vec::new();
    for r in parts.readable_references() {
        if let Some(node) = r.target {
            canonicalize_subtree(node, &r.method, &mut base);
        }
    }
    canonicalize_subtree(parts.signed_info, method, &mut base);
    canonicalize_subtree(parts.signature_value, method, &mut base);
    if let Some(ki) = parts.key_info {
        canonicalize_subtree(ki, method, &mut base);
    }
    let mut with_all = base.clone();
    let mut without_tsvd = base;
    for node in preceding {
        canonicalize_subtree(*node, method, &mut with_all);
        if node.tag_name().name() != "TimeStampValidationData" {
            canonicalize_subtree(*node, method, &mut without_tsvd);
        }
    }
    for obj in &parts.other_objects {
        canonicalize_subtree(*obj, method, &mut with_all);
        canonicalize_subtree(*obj, method, &mut without_tsvd);
    }
    vec![with_all, without_tsvd]
}

fn timestamp_c14n(ts: Node<'_, '_>) -> Result<C14nMethod, String> {
    match ts
        .children()
        .find(|n| n.has_tag_name((DSIG, "CanonicalizationMethod")))
    {
        None => Ok(C14nMethod::Inclusive),
        Some(m) => {
            let alg = m.attribute("Algorithm").unwrap_or_default();
            C14nMethod::from_uri(alg)
                .ok_or_else(|| format!("unsupported time-stamp canonicalization {alg:?}"))
        }
    }
}
