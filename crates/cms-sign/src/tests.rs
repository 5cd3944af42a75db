//! Behaviour tests that need to take messages apart (re-ordered, swapped or missing
//! signed attributes), so they live inside the crate.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)] // Test helpers.

mod hostile;
mod policy;

use cert_signer::{CertSigner, DigestAlgorithm, SoftwareSigner};
use jiff::Timestamp;

use crate::{
    Check, Indication, SignOptions, SignedDataBuilder, SubIndication, VerifyOptions, attributes,
    message::SignedDataRef,
    oid, test_pki,
    tlv::{self, tag},
    verify,
};

fn at() -> Timestamp {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

fn opts() -> SignOptions {
    SignOptions::new().signing_time(at())
}

fn no_path() -> VerifyOptions {
    VerifyOptions::new().skip_path().at(at())
}

fn failed_check(report: &crate::Report) -> Option<(Check, Option<SubIndication>, String)> {
    report.signers.first().and_then(|s| {
        s.first_failure()
            .map(|c| (c.check, c.sub_indication, c.detail.clone()))
    })
}

/// Re-signs signer 0 of `cms` with its signed attributes replaced by `attrs` (whole
/// Attribute TLVs, in the given order, NOT sorted), as a peer that does not sort
/// would.
fn resign_with_attrs(cms: &[u8], attrs: &[Vec<u8>], signer: &mut SoftwareSigner) -> Vec<u8> {
    let sd = SignedDataRef::parse(cms).unwrap();
    let si = &sd.signer_infos[0];
    let parts: Vec<&[u8]> = attrs.iter().map(Vec::as_slice).collect();
    let set = tlv::encode_parts(tag::SET, &parts);
    let digest = DigestAlgorithm::Sha256.hash(&set);
    let sig = signer
        .sign_digest(DigestAlgorithm::Sha256, &digest)
        .unwrap();
    let mut implicit = set.clone();
    implicit[0] = tag::CTX0;
    let ias = match si.sid {
        crate::message::SignerId::IssuerSerial { issuer, serial } => {
            tlv::encode_parts(tag::SEQUENCE, &[issuer.raw, serial.raw])
        }
        crate::message::SignerId::SubjectKeyId(_) => unreachable!(),
    };
    let new_si = tlv::encode_parts(
        tag::SEQUENCE,
        &[
            &[2, 1, 1],
            &ias,
            si.digest_algorithm.raw,
            &implicit,
            si.signature_algorithm.raw,
            &tlv::encode(tag::OCTET_STRING, &sig),
        ],
    );
    sd.reassemble(&[new_si], &[], &[])
}

fn signed_attr_tlvs(cms: &[u8]) -> Vec<Vec<u8>> {
    let sd = SignedDataRef::parse(cms).unwrap();
    sd.signer_infos[0]
        .signed
        .iter()
        .map(|a| a.raw.to_vec())
        .collect()
}

#[test]
fn signed_attributes_are_emitted_in_der_set_order() {
    let (mut signer, _) = test_pki::physician();
    let cms = crate::sign(&mut signer, b"x", false, &opts()).unwrap();
    let attrs = signed_attr_tlvs(&cms);
    assert_eq!(attrs.len(), 4);
    let mut sorted = attrs.clone();
    sorted.sort_by(|a, b| tlv::der_set_order(a, b));
    assert_eq!(attrs, sorted);
}

#[test]
fn unsorted_signed_attributes_from_another_signer_still_verify() {
    let (mut signer, _) = test_pki::physician();
    let cms = crate::sign(&mut signer, b"content", false, &opts()).unwrap();
    let mut attrs = signed_attr_tlvs(&cms);
    attrs.reverse();
    let mut sorted = attrs.clone();
    sorted.sort_by(|a, b| tlv::der_set_order(a, b));
    assert_ne!(
        attrs, sorted,
        "the test needs an order DER would not produce"
    );
    let peer = resign_with_attrs(&cms, &attrs, &mut signer);
    let report = verify(&peer, None, &no_path());
    assert_eq!(report.indication, Indication::Valid, "{}", report.to_json());
}

#[test]
fn reordering_signed_attributes_after_signing_breaks_the_signature() {
    let (mut signer, _) = test_pki::physician();
    let cms = crate::sign(&mut signer, b"content", false, &opts()).unwrap();
    // Swap two attributes inside the received [0] without re-signing.
    let sd = SignedDataRef::parse(&cms).unwrap();
    let si = &sd.signer_infos[0];
    let raw_attrs = si.signed_attrs.unwrap().raw;
    let mut attrs = signed_attr_tlvs(&cms);
    attrs.swap(0, 1);
    let mut swapped = tlv::encode_parts(
        tag::SET,
        &attrs.iter().map(Vec::as_slice).collect::<Vec<_>>(),
    );
    swapped[0] = tag::CTX0;
    assert_eq!(swapped.len(), raw_attrs.len());
    let pos = cms
        .windows(raw_attrs.len())
        .position(|w| w == raw_attrs)
        .unwrap();
    let mut tampered = cms.clone();
    tampered[pos..pos + raw_attrs.len()].copy_from_slice(&swapped);
    let report = verify(&tampered, None, &no_path());
    assert_eq!(report.indication, Indication::Invalid);
    assert_eq!(report.sub_indication, Some(SubIndication::SigCryptoFailure));
    assert_eq!(failed_check(&report).unwrap().0, Check::Signature);
}

#[test]
fn signed_attributes_swapped_in_from_another_signature_are_refused() {
    let (mut signer, _) = test_pki::physician();
    let a = crate::sign(&mut signer, b"first", true, &opts()).unwrap();
    let b = crate::sign(&mut signer, b"second", true, &opts()).unwrap();
    // Put b's signed attributes (and its valid signature) over content "first".
    let sa = SignedDataRef::parse(&a).unwrap();
    let sb = SignedDataRef::parse(&b).unwrap();
    let swapped = sa.reassemble(&[sb.signer_infos[0].raw.to_vec()], &[], &[]);
    let report = verify(&swapped, Some(b"first"), &no_path());
    assert_eq!(report.indication, Indication::Invalid);
    let (check, sub, _) = failed_check(&report).unwrap();
    assert_eq!(
        (check, sub),
        (Check::MessageDigest, Some(SubIndication::HashFailure))
    );
    // Only the signature bytes swapped: the signature check catches it.
    let sig_a = sa.signer_infos[0].signature;
    let sig_b = sb.signer_infos[0].signature;
    let mut only_sig = a.clone();
    let pos = a.windows(sig_a.len()).position(|w| w == sig_a).unwrap();
    only_sig[pos..pos + sig_a.len()].copy_from_slice(sig_b);
    let report = verify(&only_sig, Some(b"first"), &no_path());
    assert_eq!(failed_check(&report).unwrap().0, Check::Signature);
}

#[test]
fn missing_signing_certificate_v2_is_invalid() {
    let (mut signer, _) = test_pki::physician();
    let cms = crate::sign(&mut signer, b"content", false, &opts()).unwrap();
    let attrs: Vec<Vec<u8>> = signed_attr_tlvs(&cms)
        .into_iter()
        .filter(|a| {
            !a.windows(oid::SIGNING_CERTIFICATE_V2.len())
                .any(|w| w == oid::SIGNING_CERTIFICATE_V2)
        })
        .collect();
    assert_eq!(attrs.len(), 3);
    let stripped = resign_with_attrs(&cms, &attrs, &mut signer);
    let report = verify(&stripped, None, &no_path());
    assert_eq!(report.indication, Indication::Invalid);
    let (check, sub, detail) = failed_check(&report).unwrap();
    assert_eq!(
        (check, sub),
        (
            Check::SigningCertificate,
            Some(SubIndication::FormatFailure)
        )
    );
    assert!(detail.contains("missing"), "{detail}");
}

#[test]
fn signing_certificate_naming_another_certificate_is_no_signing_certificate_found() {
    let (mut signer, _) = test_pki::physician();
    let cms = crate::sign(&mut signer, b"content", false, &opts()).unwrap();
    let other = test_pki::pharmacist().unwrap();
    let other_cert = crate::cert::CertRef::parse(other.certificate_der()).unwrap();
    let wrong = attributes::attribute(
        oid::SIGNING_CERTIFICATE_V2,
        &[&attributes::signing_certificate_v2(&other_cert)],
    );
    let attrs: Vec<Vec<u8>> = signed_attr_tlvs(&cms)
        .into_iter()
        .map(|a| {
            if a.windows(oid::SIGNING_CERTIFICATE_V2.len())
                .any(|w| w == oid::SIGNING_CERTIFICATE_V2)
            {
                wrong.clone()
            } else {
                a
            }
        })
        .collect();
    let report = verify(
        &resign_with_attrs(&cms, &attrs, &mut signer),
        None,
        &no_path(),
    );
    let (check, sub, _) = failed_check(&report).unwrap();
    assert_eq!(
        (check, sub),
        (
            Check::SigningCertificate,
            Some(SubIndication::NoSigningCertificateFound)
        )
    );
    assert_eq!(report.indication, Indication::Indeterminate);
}

#[test]
fn content_type_attribute_must_match_econtent_type() {
    let (mut signer, _) = test_pki::physician();
    let cms = crate::sign(&mut signer, b"content", false, &opts()).unwrap();
    let bogus = attributes::attribute(oid::CONTENT_TYPE, &[&tlv::encode(tag::OID, oid::TST_INFO)]);
    let attrs: Vec<Vec<u8>> = signed_attr_tlvs(&cms)
        .into_iter()
        .map(|a| {
            if a.starts_with(&[0x30, 0x18, 0x06, 0x09]) && a[4..13] == *oid::CONTENT_TYPE {
                bogus.clone()
            } else {
                a
            }
        })
        .collect();
    assert!(attrs.contains(&bogus));
    let report = verify(
        &resign_with_attrs(&cms, &attrs, &mut signer),
        None,
        &no_path(),
    );
    assert_eq!(failed_check(&report).unwrap().0, Check::ContentType);
}

#[test]
fn builder_without_self_check_accepts_a_fixed_signature() {
    // What the bench does: a signer that returns a constant.
    let (mut signer, _) = test_pki::physician();
    let fixed = signer
        .sign_digest(DigestAlgorithm::Sha256, &[0u8; 32])
        .unwrap();
    let mut b = SignedDataBuilder::new(b"x", false);
    let mut fake = FixedSigner(signer.certificate_der().to_vec(), fixed);
    assert!(matches!(
        b.add_signer(&mut fake, &opts()),
        Err(crate::Error::SignatureMismatch)
    ));
    b.add_signer(&mut fake, &opts().check_signature(false))
        .unwrap();
    let report = verify(&b.build(), None, &no_path());
    assert_eq!(failed_check(&report).unwrap().0, Check::Signature);
}

struct FixedSigner(Vec<u8>, Vec<u8>);
impl CertSigner for FixedSigner {
    fn certificate_der(&self) -> &[u8] {
        &self.0
    }
    fn sign_digest(
        &mut self,
        _: DigestAlgorithm,
        _: &[u8],
    ) -> Result<Vec<u8>, cert_signer::SignError> {
        Ok(self.1.clone())
    }
}

#[test]
fn every_single_byte_corruption_is_handled_without_panic() {
    let (mut signer, _) = test_pki::physician();
    let cms = crate::sign(&mut signer, b"content", false, &opts()).unwrap();
    let mut valid_after_flip = 0;
    for i in 0..cms.len() {
        let mut m = cms.clone();
        m[i] ^= 0x01;
        let r = verify(&m, None, &no_path());
        if r.indication == Indication::Valid {
            valid_after_flip += 1;
        }
        let _ = verify(&cms[..i], None, &no_path());
    }
    // Only bytes outside what the checks cover may flip unnoticed (the unsigned
    // SignedData.digestAlgorithms set and the signature algorithm's NULL).
    assert!(
        valid_after_flip <= 16,
        "{valid_after_flip} flips went unnoticed"
    );
}
