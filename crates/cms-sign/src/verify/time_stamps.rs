//! The signature-time-stamp check of a signer: each token's own checks, its TSA's path,
//! and the proof of existence the earliest VALID token gives.

use std::sync::Arc;

use hpki_cert::{Indication, SubIndication};

use super::Context;
use crate::{
    message::{self, SignerInfoRef},
    path::{self, ValidationCrls},
    report::{Check, Level, SignerReport, TimeStampReport},
    timestamp,
    tlv::Tlv,
};

/// Verifies each signature-time-stamp token of `si` and records the TimeStamp check,
/// the level and the proof of existence.
pub(super) fn time_stamps(ctx: &Context<'_>, si: &SignerInfoRef<'_>, report: &mut SignerReport) {
    let tokens: Vec<Tlv<'_>> = message::time_stamp_values(si).collect();
    for (index, token) in tokens.iter().enumerate() {
        let tr = time_stamp(ctx, si, index, token.raw, &mut report.warnings);
        if let Some(info) = &tr.token {
            if report.time_stamp_time.is_none() {
                report.time_stamp_time = Some(info.time);
                report.level = Level::BT;
            }
            if let Some(st) = report.signing_time
                && st > info.time
            {
                report.warnings.push(format!(
                    "signing-time {st} is after the time-stamp {}",
                    info.time
                ));
            }
        }
        report.time_stamps.push(tr);
    }
    // The proof of existence: the earliest genTime of a VALID token.
    let poe = report
        .time_stamps
        .iter()
        .filter(|t| t.indication == Indication::Valid)
        .filter_map(|t| t.token.as_ref().map(|i| (t.index, i.time)))
        .min_by_key(|(_, time)| *time);
    if let Some((i, time)) = poe {
        report.proof_of_existence = Some(time);
        if let Some(t) = report.time_stamps.iter_mut().find(|t| t.index == i) {
            t.proof_of_existence = true;
        }
    }

    let worst = report
        .time_stamps
        .iter()
        .filter(|t| t.indication != Indication::Valid)
        .max_by_key(|t| (t.indication, std::cmp::Reverse(t.index)));
    if let Some(t) = worst {
        let (indication, sub, detail) = (
            t.indication,
            t.sub_indication,
            format!("token #{}: {}", t.index, t.detail),
        );
        report.push(Check::TimeStamp, indication, sub, detail);
    } else if let Some(poe) = report.proof_of_existence {
        let detail = format!(
            "{} token(s); proof of existence at {poe}",
            report.time_stamps.len()
        );
        report.pass(Check::TimeStamp, detail);
    } else if ctx.options.require_time_stamp {
        report.fail(
            Check::TimeStamp,
            SubIndication::FormatFailure,
            "a signature time-stamp is required (B-T)",
        );
    }
}

/// What a TSA's path depends on besides the message: the TSA certificate, the token's
/// certificates and its CRLs, each with its length.
fn path_key(checked: &timestamp::CheckedToken<'_>) -> Vec<u8> {
    let crls = checked.crls.map(|t| t.raw);
    let parts = std::iter::once(checked.tsa.der)
        .chain(crls)
        .chain(checked.pool.ders());
    let mut key = Vec::new();
    for part in parts {
        key.extend_from_slice(&part.len().to_be_bytes());
        key.extend_from_slice(part);
    }
    // Whether the token has a crls field at all.
    key.push(u8::from(checked.crls.is_some()));
    key
}

/// One signature-time-stamp token: its own checks, then its TSA's path at the
/// validation time.
fn time_stamp(
    ctx: &Context<'_>,
    si: &SignerInfoRef<'_>,
    index: usize,
    token: &[u8],
    warnings: &mut Vec<String>,
) -> TimeStampReport {
    let checked = match timestamp::check_token(token, si.signature, &ctx.options.limits) {
        Ok(c) => c,
        Err(f) => {
            return TimeStampReport {
                index,
                indication: f.indication,
                sub_indication: Some(f.sub_indication),
                detail: f.error.to_string(),
                token: None,
                path: None,
                proof_of_existence: false,
            };
        }
    };
    // The token's own CRLs, when it carries some, count for its TSA's path.
    let mut crls = ValidationCrls::new(&ctx.cache);
    crls.read(
        checked.crls,
        &format!("time-stamp token #{index} crls"),
        warnings,
    );
    // The path depends on the TSA certificate, the token's certificates and CRLs, and
    // the message's: tokens that share them share one validation.
    let key = path_key(&checked);
    let known = ctx.tsa_paths.borrow().get(&key).cloned();
    let path = known.unwrap_or_else(|| {
        let mut bad = ctx.crls.bad.clone();
        let mut inputs = ctx.inputs();
        if checked.crls.is_some() {
            let mut all = ctx.crls.good.clone();
            all.append(&mut crls.good);
            inputs.crls = Arc::from(all);
            bad.append(&mut crls.bad);
            inputs.bad_crls = &bad;
        }
        let p = path::validate(
            &inputs,
            &checked.tsa,
            &[&checked.pool, &ctx.pool],
            ctx.validation_time,
            path::Purpose::TimeStamping,
        );
        ctx.tsa_paths.borrow_mut().insert(key, p.clone());
        p
    });
    let (indication, sub_indication, detail) = match &path {
        Some(p) if p.indication != Indication::Valid => (
            p.indication,
            p.sub_indication,
            format!("TSA certificate path at {}: {}", p.validated_at, p.detail),
        ),
        Some(p) => (
            Indication::Valid,
            None,
            format!(
                "genTime {}, TSA path VALID to {}",
                checked.info.time,
                p.anchor.as_deref().unwrap_or("?")
            ),
        ),
        None => (
            Indication::Valid,
            None,
            format!(
                "genTime {}, TSA path not validated (skip_path)",
                checked.info.time
            ),
        ),
    };
    TimeStampReport {
        index,
        indication,
        sub_indication,
        detail,
        token: Some(checked.info),
        path,
        proof_of_existence: false,
    }
}
