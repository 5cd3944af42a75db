//! The certificate-path step: which anchors the verifier trusts, where revocation
//! status comes from, and the call into `hpki-cert`'s path validation.

use std::{
    collections::{BTreeSet, HashSet},
    sync::Arc,
};

use hpki_cert::{CrlSource, Indication, RevocationPolicy, SubIndication, VerificationCache};
use jiff::Timestamp;
use serde::Serialize;

use crate::{
    cert::CertRef,
    pool::CertPool,
    tlv::{Reader, Tlv, tag},
};

/// How many certificates of the message with one subject name are offered to path
/// building as that name's issuer. Path building tries candidates one by one (each a
/// signature verification), so thousands of certificates under the name of a CA must
/// not all be tried; a legitimate message has one or two (a CA's key rollover).
const MAX_CANDIDATES_PER_NAME: usize = 16;

/// What the path check validates against.
#[derive(Clone, Debug, Default)]
pub(crate) enum Trust {
    /// No anchor configured: the path check ends INDETERMINATE (fail closed).
    #[default]
    Unconfigured,
    /// The caller validates the path elsewhere (an explicit choice, reported).
    Skip,
    /// Validate with `hpki-cert` against these anchors.
    Store(Arc<hpki_cert::TrustStore>),
}

/// Where revocation status comes from and what the policy asks of it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Revocation {
    /// What counts as revocation status.
    pub policy: RevocationPolicy,
    /// CRLs (DER) the caller supplied.
    pub crls: Vec<Vec<u8>>,
    /// Asked for the CRLs of a certificate that the message's and the caller's lack.
    pub source: Option<Arc<dyn CrlSource>>,
}

/// What the certificate is used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// A signer's certificate.
    Signature,
    /// A TSA's certificate.
    TimeStamping,
}

/// The CRLs paths are validated with: those that decode, and the names of those that
/// do not (which fail every path: validation data is never dropped silently).
#[derive(Clone, Debug)]
pub(crate) struct ValidationCrls {
    pub good: Vec<Vec<u8>>,
    pub bad: Vec<String>,
    /// Where each CRL is decoded, so that the paths find it decoded.
    cache: VerificationCache,
}

impl ValidationCrls {
    /// No CRL yet; those added are decoded through `cache`.
    pub(crate) fn new(cache: &VerificationCache) -> Self {
        Self {
            good: Vec::new(),
            bad: Vec::new(),
            cache: cache.clone(),
        }
    }

    /// Adds the CertificateList choices of a SignedData `crls` field (RFC 5652 §10.2.1:
    /// `RevocationInfoChoices ::= SET OF CHOICE { crl CertificateList, other [1] .. }`).
    pub(crate) fn read(&mut self, field: Option<Tlv<'_>>, what: &str, warnings: &mut Vec<String>) {
        let Some(field) = field else { return };
        let mut r = Reader::new(field.value);
        let mut i = 0usize;
        while !r.is_empty() {
            match r.any("RevocationInfoChoice") {
                Ok(t) if t.tag == tag::SEQUENCE => {
                    self.add(t.raw, || format!("CRL #{i} in {what}"));
                }
                Ok(t) if t.tag == tag::CTX1 => warnings.push(format!(
                    "{what} #{i}: an other-format revocation value (OCSP?) is not processed"
                )),
                Ok(t) => self.bad.push(format!(
                    "{what} #{i}: tag 0x{:02x} is neither a CRL nor other revocation info",
                    t.tag
                )),
                Err(e) => {
                    self.bad.push(format!("{what} #{i} is not DER: {e}"));
                    return;
                }
            }
            i += 1;
        }
    }

    /// Adds one CRL, named by `name` if it does not decode.
    pub(crate) fn add(&mut self, der: &[u8], name: impl FnOnce() -> String) {
        match self.cache.crl(der) {
            Ok(_) => self.good.push(der.to_vec()),
            Err(e) => self
                .bad
                .push(format!("the {} does not decode: {e}", name())),
        }
    }
}

/// Everything a path validation of one message needs besides the certificate.
pub(crate) struct PathInputs<'a> {
    pub trust: &'a Trust,
    pub revocation: &'a Revocation,
    /// The message's CRLs, then the caller's (the ones that decode).
    pub crls: Arc<[Vec<u8>]>,
    /// The CRLs that do not decode, named: every path validated with them fails.
    pub bad_crls: &'a [String],
    /// Where parses and signature verifications are remembered: the caller's, or one
    /// made for the message.
    pub cache: &'a VerificationCache,
    /// The subject and issuer Names (TLVs) of the trust store's intermediates, which
    /// path building may step through.
    pub store_intermediates: &'a [(Vec<u8>, Vec<u8>)],
}

/// The subject and issuer Names of the store's intermediates, for [`PathInputs`].
pub(crate) fn store_intermediates(trust: &Trust) -> Vec<(Vec<u8>, Vec<u8>)> {
    let Trust::Store(store) = trust else {
        return Vec::new();
    };
    store
        .intermediates()
        .filter_map(|c| {
            let c = CertRef::parse(c.der()).ok()?;
            Some((c.subject.raw.to_vec(), c.issuer.raw.to_vec()))
        })
        .collect()
}

/// The certificates of `pools` that path building from `leaf` could ever consider:
/// those whose subject is the issuer of the leaf, of one of them, or of a store
/// intermediate reached that way (at most [`MAX_CANDIDATES_PER_NAME`] per name), and
/// those that do not parse here, as (pool, index) in the pools' order. Offering only
/// these gives the path the same candidates, in the same order, as offering all,
/// without parsing or copying the others for every signer.
fn candidates(
    leaf: &CertRef<'_>,
    pools: &[&CertPool<'_>],
    store_intermediates: &[(Vec<u8>, Vec<u8>)],
    warnings: &mut Vec<String>,
) -> Vec<(usize, usize)> {
    let mut selected = BTreeSet::new();
    let mut seen: HashSet<&[u8]> = HashSet::new();
    let mut work: Vec<&[u8]> = vec![leaf.issuer.raw];
    seen.insert(leaf.issuer.raw);
    while let Some(name) = work.pop() {
        let mut taken = 0usize;
        let mut skipped = 0usize;
        for (p, pool) in pools.iter().enumerate() {
            for &i in pool.issued_to(name) {
                if pool.der(i) == Some(leaf.der) {
                    continue;
                }
                if taken == MAX_CANDIDATES_PER_NAME {
                    skipped += 1;
                    continue;
                }
                taken += 1;
                selected.insert((p, i));
                if let Some(issuer) = pool.issuer_of(i)
                    && seen.insert(issuer)
                {
                    work.push(issuer);
                }
            }
        }
        for (subject, issuer) in store_intermediates {
            if subject.as_slice() == name && seen.insert(issuer) {
                work.push(issuer);
            }
        }
        if skipped > 0 {
            warnings.push(format!(
                "{} certificates carried with the signature share one issuer name; only the first {MAX_CANDIDATES_PER_NAME} were offered to path building",
                taken + skipped
            ));
        }
    }
    for (p, pool) in pools.iter().enumerate() {
        selected.extend(pool.unindexed().iter().map(|&i| (p, i)));
    }
    selected.into_iter().collect()
}

/// How one certificate path was validated, and what it ended with.
///
/// A summary of `hpki_cert::PathReport`: the indication, the time, the anchor, what
/// revocation checking found and what the policy waived.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PathResult {
    /// The subject (RFC 4514) of the certificate whose path this is.
    #[serde(serialize_with = "crate::report::json::opt_string")]
    pub subject: Option<String>,
    /// The time the path was validated at: the proof of existence's time for a signer
    /// whose signature time-stamp is one, else the validation time.
    pub validated_at: Timestamp,
    /// The path's main indication.
    pub indication: Indication,
    /// Why, when it is not VALID.
    pub sub_indication: Option<SubIndication>,
    /// The check that decided the indication, in words (or a summary when VALID).
    #[serde(serialize_with = "crate::report::json::string")]
    pub detail: String,
    /// The subject of the configured trust anchor the path ended at.
    #[serde(serialize_with = "crate::report::json::opt_string")]
    pub anchor: Option<String>,
    /// The subjects of the path, leaf first.
    #[serde(serialize_with = "crate::report::json::strings")]
    pub chain: Vec<String>,
    /// The revocation check of each certificate below the anchor, in words.
    #[serde(serialize_with = "crate::report::json::strings")]
    pub revocation: Vec<String>,
    /// What the revocation policy waived (empty under the default policy).
    #[serde(serialize_with = "crate::report::json::strings")]
    pub waivers: Vec<String>,
    /// Remarks that do not change the indication.
    #[serde(serialize_with = "crate::report::json::strings")]
    pub warnings: Vec<String>,
}

/// Validates `leaf` at `at` with the certificates of `pools` (a time-stamp token's,
/// then the message's) as intermediates; `None` when the caller chose to skip paths.
///
/// A certificate of the pools that `hpki-cert` cannot parse fails the path
/// (INVALID/FORMAT_FAILURE): validation data is never dropped silently.
pub(crate) fn validate(
    inputs: &PathInputs<'_>,
    leaf: &CertRef<'_>,
    pools: &[&CertPool<'_>],
    at: Timestamp,
    purpose: Purpose,
) -> Option<PathResult> {
    let store = match inputs.trust {
        Trust::Skip => return None,
        Trust::Unconfigured => {
            return Some(PathResult {
                subject: None,
                validated_at: at,
                indication: Indication::Indeterminate,
                sub_indication: Some(SubIndication::NoCertificateChainFound),
                detail: "no trust anchor configured (VerifyOptions::trust)".into(),
                anchor: None,
                chain: Vec::new(),
                revocation: Vec::new(),
                waivers: Vec::new(),
                warnings: Vec::new(),
            });
        }
        Trust::Store(store) => store,
    };
    let leaf_cert = match inputs.cache.certificate(leaf.der) {
        Ok(c) => c,
        Err(e) => {
            return Some(PathResult {
                subject: None,
                validated_at: at,
                indication: Indication::Invalid,
                sub_indication: Some(SubIndication::FormatFailure),
                detail: format!("parse: the certificate does not parse: {e}"),
                anchor: None,
                chain: Vec::new(),
                revocation: Vec::new(),
                waivers: Vec::new(),
                warnings: Vec::new(),
            });
        }
    };
    let mut unparsable = Vec::new();
    for pool in pools {
        for (i, parsed) in pool.hpki(inputs.cache).iter().enumerate() {
            if let Err(e) = parsed
                && pool.der(i) != Some(leaf.der)
            {
                unparsable.push(format!("{} #{i} does not parse: {e}", pool.what()));
            }
        }
    }
    let mut warnings = Vec::new();
    let extras: Vec<hpki_cert::Certificate> =
        candidates(leaf, pools, inputs.store_intermediates, &mut warnings)
            .into_iter()
            .filter_map(|(p, i)| {
                let parsed = pools.get(p)?.hpki(inputs.cache).get(i)?;
                parsed
                    .as_ref()
                    .ok()
                    .map(|c| hpki_cert::Certificate::clone(c))
            })
            .collect();
    let opts = hpki_cert::PathOptions::at(at)
        .with_purpose(match purpose {
            Purpose::Signature => hpki_cert::Purpose::AnySignature,
            Purpose::TimeStamping => hpki_cert::Purpose::TimeStamping,
        })
        .with_crls(Arc::clone(&inputs.crls))
        .with_revocation_policy(inputs.revocation.policy)
        .with_cache(inputs.cache.clone());
    let opts = match &inputs.revocation.source {
        Some(source) => opts.with_crl_source(Arc::clone(source)),
        None => opts,
    };
    let report = hpki_cert::validate_certificate_path(&leaf_cert, &extras, store, &opts);
    let deciding = report
        .checks
        .iter()
        .find(|c| c.verdict == report.verdict && c.verdict != Indication::Valid);
    let detail = match deciding {
        Some(c) => format!("{}: {} ({})", c.name, c.detail, c.subject),
        None => format!(
            "{} certificate(s) to {}",
            report.chain.len(),
            report.anchor.as_deref().unwrap_or("?")
        ),
    };
    warnings.extend(report.warnings.iter().cloned());
    let mut result = PathResult {
        subject: report.leaf.as_ref().map(|l| l.subject.clone()),
        validated_at: at,
        indication: report.verdict,
        sub_indication: report.sub_indication,
        detail,
        anchor: report.anchor.clone(),
        chain: report
            .check("validity")
            .map(|c| c.subject.clone())
            .collect(),
        revocation: report
            .check("revocation")
            .map(|c| format!("{}: {}", c.subject, c.detail))
            .collect(),
        waivers: report.waivers.clone(),
        warnings,
    };
    if let Some(first) = unparsable.first() {
        result.indication = Indication::Invalid;
        result.sub_indication = Some(SubIndication::FormatFailure);
        result.detail = format!("parse: {first} ({})", leaf_cert.subject());
        if unparsable.len() > 1 {
            result.detail.push_str(&format!(
                "; and {} more certificate(s) that do not parse",
                unparsable.len() - 1
            ));
        }
    }
    if !inputs.bad_crls.is_empty() {
        // Validation data that does not decode is never dropped silently: the CRL
        // that could not be read might have listed this very certificate.
        result.indication = Indication::Invalid;
        result.sub_indication = Some(SubIndication::FormatFailure);
        result.detail = format!("revocation: {}", summarize(inputs.bad_crls));
    }
    Some(result)
}

/// The first three of `items` joined, and how many more there are.
pub(crate) fn summarize(items: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut text = items
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("; ");
    if items.len() > SHOWN {
        text.push_str(&format!("; and {} more", items.len() - SHOWN));
    }
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use crate::tlv::{self, tag};

    fn name(cn: &str) -> Vec<u8> {
        let oid = tlv::encode(tag::OID, &[0x55, 0x04, 0x03]);
        let atv = tlv::encode_parts(
            tag::SEQUENCE,
            &[&oid, &tlv::encode(tag::UTF8_STRING, cn.as_bytes())],
        );
        tlv::encode(tag::SEQUENCE, &tlv::encode(tag::SET, &atv))
    }

    /// A certificate-shaped DER with these names (nothing else in it is real).
    fn fake(issuer: &str, subject: &str, serial: u8) -> Vec<u8> {
        let time = tlv::encode(tag::UTC_TIME, b"260101000000Z");
        let tbs = tlv::encode_parts(
            tag::SEQUENCE,
            &[
                &[tag::INTEGER, 1, serial],
                &tlv::encode(tag::SEQUENCE, &[]),
                &name(issuer),
                &tlv::encode_parts(tag::SEQUENCE, &[&time, &time]),
                &name(subject),
                &tlv::encode(tag::SEQUENCE, &[]),
            ],
        );
        tlv::encode_parts(
            tag::SEQUENCE,
            &[&tbs, &tlv::encode(tag::SEQUENCE, &[]), &[0x03, 1, 0]],
        )
    }

    #[test]
    fn path_building_is_offered_the_issuers_of_the_leaf_transitively() {
        let leaf = fake("CA1", "Leaf", 1);
        let certs = [
            fake("Root", "Other", 2), // 0: issued to a name no path needs
            fake("CA2", "CA1", 3),    // 1: the leaf's issuer
            fake("Root", "CA2", 4),   // 2: its issuer
            leaf.clone(),             // 3: the leaf itself is never its own candidate
            vec![0x30, 0x00],         // 4: does not parse here: always offered
            fake("Root", "CA3", 5),   // 5: reached through a store intermediate
        ];
        let pool = CertPool::new("certificate", certs.iter().map(Vec::as_slice));
        let store = [(name("CA2"), name("CA3"))];
        let leaf = CertRef::parse(&leaf).unwrap();
        let mut warnings = Vec::new();
        let offered = candidates(&leaf, &[&pool], &store, &mut warnings);
        assert_eq!(offered, [(0, 1), (0, 2), (0, 4), (0, 5)]);
        assert!(warnings.is_empty());
    }

    #[test]
    fn many_certificates_under_one_name_are_offered_sixteen_at_a_time() {
        let leaf = fake("CA", "Leaf", 1);
        let token: Vec<Vec<u8>> = (0..4).map(|i| fake("Root", "CA", 100 + i)).collect();
        let message: Vec<Vec<u8>> = (0..30).map(|i| fake("Root", "CA", i)).collect();
        let token = CertPool::new("token certificate", token.iter().map(Vec::as_slice));
        let message = CertPool::new("certificate", message.iter().map(Vec::as_slice));
        let leaf = CertRef::parse(&leaf).unwrap();
        let mut warnings = Vec::new();
        let offered = candidates(&leaf, &[&token, &message], &[], &mut warnings);
        // The token's first, then the message's, sixteen in all.
        assert_eq!(offered.len(), MAX_CANDIDATES_PER_NAME);
        assert_eq!(offered[..5], [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0)]);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("34 certificates"), "{warnings:?}");
    }
}
