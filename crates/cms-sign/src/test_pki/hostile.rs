//! Hostile CMS messages, generated on demand (never stored): the shapes of issue 16 —
//! counter-signatures nested 30,000 deep, thousands of signers over a large content,
//! thousands of certificates, a flood of CRLs — at any size, for the regression tests,
//! `scripts/hostile` and the fuzz seeds.
//!
//! Every message is signed by the test physician: an attacker's own key suffices for
//! these shapes, so their signatures are real (except where a function says otherwise).

use cert_signer::DigestAlgorithm;
use jiff::Timestamp;

use crate::{
    Error, SignOptions,
    message::{self, SignedDataRef, SignerInfoRef},
    oid,
    tlv::{self, Reader, Tlv, tag},
};

/// The signing time every hostile message claims (the test physician is valid then).
pub fn signing_time() -> Timestamp {
    Timestamp::constant(1_795_608_000, 0) // 2026-11-25T12:00:00Z
}

fn options() -> SignOptions {
    SignOptions::new().signing_time(signing_time())
}

/// A message over `content` (attached) signed once by the test physician.
fn signed(content: &[u8]) -> Result<Vec<u8>, Error> {
    let (mut signer, _) = super::physician();
    crate::sign(&mut signer, content, false, &options())
}

/// `content` signed by the test physician, the SignerInfo repeated `signers` times:
/// every signer verifies, and each one's message-digest covers the whole content.
pub fn many_signers(content: &[u8], signers: usize) -> Result<Vec<u8>, Error> {
    let cms = signed(content)?;
    let sd = SignedDataRef::parse(&cms)?;
    let si = sd
        .signer_infos
        .first()
        .ok_or(Error::malformed("SignerInfo"))?;
    let infos = vec![si.raw.to_vec(); signers];
    Ok(sd.reassemble(&infos, &[], &[]))
}

/// A short message signed by the test physician, with `certificates` more
/// certificates (copies of the test root and of the physician's certificate, each with
/// its own serial number: half of them claim the name of the physician's issuer) and
/// the SignerInfo repeated `signers` times.
pub fn many_certificates(certificates: usize, signers: usize) -> Result<Vec<u8>, Error> {
    let cms = signed(b"many certificates")?;
    let sd = SignedDataRef::parse(&cms)?;
    let si = sd
        .signer_infos
        .first()
        .ok_or(Error::malformed("SignerInfo"))?;
    let (physician, root) = (super::physician().0, super::root_der());
    let physician = cert_signer::CertSigner::certificate_der(&physician).to_vec();
    let mut extra = Vec::with_capacity(certificates);
    for i in 0..certificates {
        let template = if i % 2 == 0 { &root } else { &physician };
        extra.push(with_serial(template, i)?);
    }
    let infos = vec![si.raw.to_vec(); signers];
    Ok(sd.reassemble(&infos, &extra, &[]))
}

/// `cert` with the serial number 0x01_xx_xx_xx made of `n` (its signature no longer
/// matches; it still parses).
fn with_serial(cert: &[u8], n: usize) -> Result<Vec<u8>, Error> {
    let mut c = Tlv::parse_one(cert, "certificate")?.expect_tag(tag::SEQUENCE, "certificate")?;
    let tbs = c.sequence("tbsCertificate")?;
    let rest_of_cert = c.any("signatureAlgorithm")?;
    let signature = c.any("signature")?;
    let mut tbs = tbs;
    let version = tbs.optional(tag::CTX0, "version")?;
    tbs.next(tag::INTEGER, "serialNumber")?;
    let rest = take_rest(&mut tbs)?;
    let [b2, b1, b0] = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
    let serial = tlv::encode(tag::INTEGER, &[0x01, b2, b1, b0]);
    let version = version.map(|v| v.raw).unwrap_or_default();
    let tbs = tlv::encode_parts(tag::SEQUENCE, &[version, &serial, &rest]);
    Ok(tlv::encode_parts(
        tag::SEQUENCE,
        &[&tbs, rest_of_cert.raw, signature.raw],
    ))
}

fn take_rest(r: &mut Reader<'_>) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    while !r.is_empty() {
        out.extend_from_slice(r.any("element")?.raw);
    }
    Ok(out)
}

/// A short message signed by the test physician whose SignedData `crls` holds `crls`
/// values that are not CRLs (`SEQUENCE { INTEGER 0 }`, 5 bytes each), the SignerInfo
/// repeated `signers` times. Every path validated with them is INVALID/FORMAT_FAILURE,
/// naming them.
pub fn crl_flood(crls: usize, signers: usize) -> Result<Vec<u8>, Error> {
    let cms = signed(b"crl flood")?;
    let sd = SignedDataRef::parse(&cms)?;
    let si = sd
        .signer_infos
        .first()
        .ok_or(Error::malformed("SignerInfo"))?;
    let not_a_crl = [tag::SEQUENCE, 3, tag::INTEGER, 1, 0];
    let mut field = Vec::with_capacity(crls * not_a_crl.len() + 6);
    tlv::push_header(&mut field, tag::CTX1, crls * not_a_crl.len());
    for _ in 0..crls {
        field.extend_from_slice(&not_a_crl);
    }
    let mut digests = Vec::new();
    let mut r = Reader::new(sd.digest_algorithms.value);
    while !r.is_empty() {
        digests.push(r.any("digestAlgorithm")?.raw.to_vec());
    }
    let certs: Vec<&[u8]> = sd.certificates.iter().map(|c| c.raw).collect();
    let infos = vec![si.raw.to_vec(); signers];
    Ok(message::assemble(
        sd.version.raw,
        &digests,
        sd.encap_content_info.raw,
        &certs,
        Some(&field),
        &infos,
    ))
}

/// A message whose `signers` SignerInfos (the test physician's, over the same content)
/// each carry their own signature time-stamp (one token of the in-process test TSA,
/// made distinct per signer by one more certificate in its unsigned certificate set,
/// so that no two TSA paths are alike), with CRLs of the test root totalling about
/// `crl_bytes` in the SignedData (50,000 revoked serials per 1 MB CRL, none of the
/// test PKI's). With the test root trusted, every signer is VALID: the most CRL work
/// a message can ask for is every path checked against every CRL.
pub fn time_stamped_signers_with_crls(signers: usize, crl_bytes: usize) -> Result<Vec<u8>, Error> {
    let cms = signed(b"time-stamped signers")?;
    let cms = crate::add_signature_time_stamps(
        &cms,
        &mut super::TestTsa::at(signing_time()),
        &crate::TimeStampOptions::new(),
    )?;
    let sd = SignedDataRef::parse(&cms)?;
    let si = sd
        .signer_infos
        .first()
        .ok_or(Error::malformed("SignerInfo"))?;
    let token = message::time_stamp_values(si)
        .next()
        .ok_or(Error::malformed("signature time-stamp"))?;
    let token_sd = SignedDataRef::parse(token.raw)?;
    let token_signers: Vec<Vec<u8>> = token_sd
        .signer_infos
        .iter()
        .map(|s| s.raw.to_vec())
        .collect();
    let root = super::root_der();
    let mut infos = Vec::with_capacity(signers);
    for i in 0..signers {
        let token = token_sd.reassemble(&token_signers, &[with_serial(&root, 0x10_0000 + i)?], &[]);
        let attr = crate::attributes::attribute(oid::SIGNATURE_TIME_STAMP, &[&token]);
        let unsigned = tlv::encode(tag::CTX1, &attr);
        infos.push(tlv::encode_parts(
            tag::SEQUENCE,
            &[si.before_unsigned, &unsigned],
        ));
    }
    // CRLs of about 1 MB: 50,000 entries of 21 bytes.
    let date = crate::cert::encode_time(signing_time());
    let mut crls = Vec::new();
    let mut left = crl_bytes;
    let mut serial = 0x0100_0000u32;
    while left > 2000 {
        let n = (left.min(1 << 20) / 21).max(1);
        let entries: Vec<Vec<u8>> = (0..n)
            .map(|_| {
                serial += 1;
                let s = tlv::encode(tag::INTEGER, &serial.to_be_bytes());
                tlv::encode_parts(tag::SEQUENCE, &[&s, &date])
            })
            .collect();
        let crl = super::root_crl_of_entries(
            &entries,
            super::crl_this_update(),
            super::crl_next_update(),
        )?;
        left = left.saturating_sub(crl.len());
        crls.push(crl);
    }
    let crls: Vec<&[u8]> = crls.iter().map(Vec::as_slice).collect();
    let field = tlv::encode_parts(tag::CTX1, &crls);
    let mut digests = Vec::new();
    let mut r = Reader::new(sd.digest_algorithms.value);
    while !r.is_empty() {
        digests.push(r.any("digestAlgorithm")?.raw.to_vec());
    }
    let certs: Vec<&[u8]> = sd.certificates.iter().map(|c| c.raw).collect();
    Ok(message::assemble(
        sd.version.raw,
        &digests,
        sd.encap_content_info.raw,
        &certs,
        Some(&field),
        &infos,
    ))
}

/// A message signed by the test physician whose signer carries a chain of `depth`
/// nested counter-signatures: each one counter-signs the one above it (RFC 5652
/// §11.4), the first `valid` of them really (by the test physician), the ones below
/// with a one-byte signature. A verifier that walks the chain recursively overflows its
/// stack long before depth 30,000; one that checks depth before it descends never
/// reaches the levels that do not verify.
///
/// Built front to back in one buffer (the lengths first, inside out), so that 30,000
/// levels take a few megabytes and milliseconds, not a copy per level.
pub fn nested_counter_signatures(depth: usize, valid: usize) -> Result<Vec<u8>, Error> {
    let cms = signed(b"nested counter-signatures")?;
    let sd = SignedDataRef::parse(&cms)?;
    let top = sd
        .signer_infos
        .first()
        .ok_or(Error::malformed("SignerInfo"))?;
    // The part of each SignerInfo before its unsignedAttrs, level 0 (the signer) first.
    let mut befores: Vec<Vec<u8>> = vec![top.before_unsigned.to_vec()];
    let (mut signer, _) = super::physician();
    let mut signature = top.signature.to_vec();
    for _ in 0..valid.min(depth) {
        let digest = DigestAlgorithm::Sha256.hash(&signature);
        let si = crate::sign::signer_info(&mut signer, &options(), &digest, None)?;
        let parsed = SignerInfoRef::parse_within(Tlv::parse_one(&si, "SignerInfo")?, usize::MAX)?;
        signature = parsed.signature.to_vec();
        befores.push(parsed.before_unsigned.to_vec());
    }
    let dummy = dummy_signer_info_body();
    let level = |k: usize| -> &[u8] { befores.get(k).map_or(dummy.as_slice(), Vec::as_slice) };
    let attr_oid = tlv::encode(tag::OID, oid::COUNTER_SIGNATURE);

    // Inside out: each level's SignerInfo value length and, above the innermost, the
    // value lengths of its SET, Attribute and [1] unsignedAttrs.
    let innermost = level(depth).len();
    // (SignerInfo value length, the SET, Attribute and [1] value lengths).
    type Level = (usize, Option<(usize, usize, usize)>);
    let mut plan: Vec<Level> = vec![(innermost, None)];
    let mut total = tlv::header_len(innermost) + innermost;
    for k in (0..depth).rev() {
        let set = total;
        let attribute = attr_oid.len() + tlv::header_len(set) + set;
        let unsigned = tlv::header_len(attribute) + attribute;
        let si = level(k).len() + tlv::header_len(unsigned) + unsigned;
        plan.push((si, Some((set, attribute, unsigned))));
        total = tlv::header_len(si) + si;
    }
    plan.reverse();
    // Front to back.
    let mut out = Vec::with_capacity(total);
    for (k, (si, nested)) in plan.into_iter().enumerate() {
        tlv::push_header(&mut out, tag::SEQUENCE, si);
        out.extend_from_slice(level(k));
        if let Some((set, attribute, unsigned)) = nested {
            tlv::push_header(&mut out, tag::CTX1, unsigned);
            tlv::push_header(&mut out, tag::SEQUENCE, attribute);
            out.extend_from_slice(&attr_oid);
            tlv::push_header(&mut out, tag::SET, set);
        }
    }
    Ok(sd.reassemble(&[out], &[], &[]))
}

/// A SignerInfo's fields before unsignedAttrs with nothing that verifies: version 3, a
/// one-byte subject key identifier, SHA-256, RSA, a one-byte signature.
fn dummy_signer_info_body() -> Vec<u8> {
    let mut v = vec![tag::INTEGER, 1, 3, tag::CTX0_PRIM, 1, 0];
    v.extend(oid::digest_algorithm_identifier(DigestAlgorithm::Sha256));
    v.extend(oid::rsa_signature_algorithm_identifier());
    v.extend([tag::OCTET_STRING, 1, 0]);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_counter_signatures_nest_as_asked() {
        let cms = nested_counter_signatures(5, 2).unwrap();
        let sd = SignedDataRef::parse(&cms).unwrap();
        let mut si = sd.signer_infos[0].clone();
        let mut depth = 0;
        loop {
            let next = message::counter_signature_values(&si).next();
            let Some(c) = next else { break };
            si = SignerInfoRef::parse(c).unwrap();
            depth += 1;
        }
        assert_eq!(depth, 5);
    }

    #[test]
    fn copies_of_certificates_parse_with_their_own_serials() {
        let root = super::super::root_der();
        let a = with_serial(&root, 1).unwrap();
        let b = with_serial(&root, 2).unwrap();
        assert_ne!(a, b);
        let ca = crate::cert::CertRef::parse(&a).unwrap();
        assert_eq!(ca.serial.value, [1, 0, 0, 1]);
        assert!(hpki_cert::Certificate::from_der(&b).is_ok());
    }
}
