//! RFC 3161 time-stamp tokens (CMS SignedData over a TSTInfo): parsing, the token's own
//! signature, and the TSA certificate's extended key usage.

use cert_signer::DigestAlgorithm;
use der::{
    Decode, Encode, Reader as _, Tagged as _,
    asn1::{AnyRef, ObjectIdentifier, OctetString},
};
use hpki_cert::VerificationCache;
use x509_cert::Certificate;

const fn oid(dotted: &str) -> ObjectIdentifier {
    // Evaluated at compile time for the constants below: a bad literal does not build.
    ObjectIdentifier::new_unwrap(dotted)
}

const ID_SIGNED_DATA: ObjectIdentifier = oid("1.2.840.113549.1.7.2");
const ID_CT_TSTINFO: ObjectIdentifier = oid("1.2.840.113549.1.9.16.1.4");
const ID_MESSAGE_DIGEST: ObjectIdentifier = oid("1.2.840.113549.1.9.4");
const ID_CONTENT_TYPE: ObjectIdentifier = oid("1.2.840.113549.1.9.3");
const ID_KP_TIME_STAMPING: ObjectIdentifier = oid("1.3.6.1.5.5.7.3.8");
const ID_CE_EXT_KEY_USAGE: ObjectIdentifier = oid("2.5.29.37");
const RSA_ENCRYPTION: ObjectIdentifier = oid("1.2.840.113549.1.1.1");
/// The OIDs of `DigestAlgorithm::{Sha256, Sha384, Sha512}.oid()` (checked by a test).
const DIGESTS: [(ObjectIdentifier, DigestAlgorithm); 3] = [
    (oid("2.16.840.1.101.3.4.2.1"), DigestAlgorithm::Sha256),
    (oid("2.16.840.1.101.3.4.2.2"), DigestAlgorithm::Sha384),
    (oid("2.16.840.1.101.3.4.2.3"), DigestAlgorithm::Sha512),
];

/// Whether `oid` is `want`, with the answer the dotted texts would give
/// (`oid.to_string() == want.to_string()`), without formatting either: a `String` per
/// attribute and algorithm was a measurable part of each token check.
///
/// The constants are minimally encoded, and a minimal encoding is the only one of its
/// arcs, so for a minimally encoded `oid` the bytes decide; `const-oid` also accepts
/// arcs padded with `0x80` bytes, and those are compared arc by arc.
fn oid_is(oid: &ObjectIdentifier, want: &ObjectIdentifier) -> bool {
    oid == want || (!minimally_encoded(oid.as_bytes()) && oid.arcs().eq(want.arcs()))
}

/// Whether no arc of a BER OID starts with a `0x80` (padding) byte.
fn minimally_encoded(ber: &[u8]) -> bool {
    let mut arc_start = true;
    for &b in ber {
        if arc_start && b == 0x80 {
            return false;
        }
        arc_start = b & 0x80 == 0;
    }
    true
}

/// A time-stamp token whose CMS signature has been verified with the certificate it
/// names. Whether that certificate is trusted is a separate question (path validation).
#[derive(Clone, Debug)]
pub(crate) struct TimeStamp {
    /// The TSTInfo `genTime`.
    pub gen_time: jiff::Timestamp,
    /// The imprint's hash algorithm.
    pub imprint_alg: DigestAlgorithm,
    /// The imprint.
    pub imprint: Vec<u8>,
    /// The TSA certificate (DER) that signed the token.
    pub tsa_cert: Vec<u8>,
    /// Every certificate carried by the token (DER).
    pub certs: Vec<Vec<u8>>,
}

fn digest_alg_from_oid(oid: &ObjectIdentifier) -> Option<DigestAlgorithm> {
    DIGESTS
        .iter()
        .find(|(want, _)| oid_is(oid, want))
        .map(|(_, alg)| *alg)
}

/// The parts of a CMS SignedData a time-stamp token check needs, with the
/// certificates kept as the DER they arrived in: they are parsed (once per verification cache)
/// by `hpki-cert`, not decoded here.
struct SignedDataParts {
    encap_content_info: cms::signed_data::EncapsulatedContentInfo,
    certificates: Vec<Vec<u8>>,
    signer_infos: cms::signed_data::SignerInfos,
}

/// The value of the SEQUENCE that is the whole of `der`.
fn sequence_body(der: &[u8]) -> der::Result<&[u8]> {
    use der::{Header, SliceReader, Tag};
    let mut outer = SliceReader::new(der)?;
    let header = Header::decode(&mut outer)?;
    header.tag().assert_eq(Tag::Sequence)?;
    let body = outer.read_slice(header.length())?;
    outer.finish()?;
    Ok(body)
}

fn constructed_context(n: u32) -> der::Tag {
    der::Tag::ContextSpecific {
        constructed: true,
        number: der::TagNumber(n),
    }
}

/// `ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }` (RFC 5652
/// §3): the content type and the content's TLV, borrowed from `der`.
fn content_info(der: &[u8]) -> der::Result<(ObjectIdentifier, &[u8])> {
    let mut r = der::SliceReader::new(sequence_body(der)?)?;
    let content_type: ObjectIdentifier = r.decode()?;
    let content: AnyRef<'_> = r.decode()?;
    content.tag().assert_eq(constructed_context(0))?;
    r.finish()?;
    Ok((content_type, content.value()))
}

/// Walks `SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo,
/// certificates [0] IMPLICIT SET OF CertificateChoices OPTIONAL, crls [1] IMPLICIT
/// OPTIONAL, signerInfos SET }` (RFC 5652 §5.1), decoding from the received bytes.
fn signed_data_parts(content: &[u8]) -> der::Result<SignedDataParts> {
    use der::{SliceReader, Tag};
    let mut r = SliceReader::new(sequence_body(content)?)?;
    let _version: der::asn1::Int = r.decode()?;
    let digest_algorithms: AnyRef<'_> = r.decode()?;
    digest_algorithms.tag().assert_eq(Tag::Set)?;
    let encap_content_info: cms::signed_data::EncapsulatedContentInfo = r.decode()?;
    let mut certificates = Vec::new();
    let mut next = r.tlv_bytes()?;
    let tag_of = |tlv: &[u8]| AnyRef::from_der(tlv).map(|a| a.tag());
    if tag_of(next)? == constructed_context(0) {
        let certs_field = AnyRef::from_der(next)?;
        let mut certs = SliceReader::new(certs_field.value())?;
        while !certs.is_finished() {
            let tlv = certs.tlv_bytes()?;
            // Only plain certificates (a SEQUENCE); the other choices are tagged.
            if tlv.first() == Some(&0x30) {
                certificates.push(tlv.to_vec());
            }
        }
        next = r.tlv_bytes()?;
    }
    if tag_of(next)? == constructed_context(1) {
        next = r.tlv_bytes()?;
    }
    let signer_infos = cms::signed_data::SignerInfos::from_der(next)?;
    r.finish()?;
    Ok(SignedDataParts {
        encap_content_info,
        certificates,
        signer_infos,
    })
}

/// Parses and verifies a DER TimeStampToken. `Err` carries the reason in words.
/// Certificates are parsed through `cache` (and remembered there).
pub(crate) fn verify_token(
    der_bytes: &[u8],
    cache: &VerificationCache,
) -> Result<TimeStamp, String> {
    let (content_type, content) =
        content_info(der_bytes).map_err(|e| format!("token is not CMS: {e}"))?;
    if !oid_is(&content_type, &ID_SIGNED_DATA) {
        return Err("token is not CMS SignedData".into());
    }
    let sd = signed_data_parts(content).map_err(|e| format!("token SignedData: {e}"))?;
    if !oid_is(&sd.encap_content_info.econtent_type, &ID_CT_TSTINFO) {
        return Err("token content is not a TSTInfo".into());
    }
    let econtent = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or("token has no TSTInfo content")?;
    let tst_der = econtent
        .decode_as::<OctetString>()
        .map_err(|e| format!("TSTInfo wrapper: {e}"))?
        .as_bytes()
        .to_vec();
    let (imprint_alg, imprint, gen_time) = parse_tst_info(&tst_der)?;

    let mut signers = sd.signer_infos.0.iter();
    let si = signers.next().ok_or("token has no SignerInfo")?;
    if signers.next().is_some() {
        return Err("token has more than one SignerInfo".into());
    }
    let mut tsa = None;
    for der in &sd.certificates {
        let cert = cache
            .certificate(der)
            .map_err(|e| format!("token certificate: {e}"))?;
        if signer_matches(&si.sid, cert.x509()) {
            tsa = Some((der, cert));
            break;
        }
    }
    let (tsa_der, tsa_parsed) = tsa.ok_or("the TSA certificate is not in the token")?;

    let digest_alg = digest_alg_from_oid(&si.digest_alg.oid)
        .ok_or_else(|| format!("unsupported token digest {}", si.digest_alg.oid))?;
    let content_digest = digest_alg.hash(&tst_der);
    let attrs = si
        .signed_attrs
        .as_ref()
        .ok_or("token SignerInfo has no signed attributes")?;
    let mut message_digest = None;
    let mut content_type_ok = false;
    for attr in attrs.iter() {
        let value = attr.values.iter().next();
        if oid_is(&attr.oid, &ID_MESSAGE_DIGEST) {
            message_digest = value
                .and_then(|v| v.decode_as::<OctetString>().ok())
                .map(|o| o.as_bytes().to_vec());
        } else if oid_is(&attr.oid, &ID_CONTENT_TYPE) {
            content_type_ok = value
                .and_then(|v| v.decode_as::<ObjectIdentifier>().ok())
                .is_some_and(|o| oid_is(&o, &ID_CT_TSTINFO));
        }
    }
    if message_digest.as_deref() != Some(content_digest.as_slice()) {
        return Err("token message-digest does not match its TSTInfo".into());
    }
    if !content_type_ok {
        return Err("token content-type attribute is not id-ct-TSTInfo".into());
    }
    // The signed attributes are signed as a DER SET OF; `der` decodes them only when
    // they are in DER order, so re-encoding gives back the received bytes.
    let signed = attrs
        .to_der()
        .map_err(|e| format!("token signed attributes: {e}"))?;
    // The SubjectPublicKeyInfo DER that hpki-cert encoded once when it parsed the
    // certificate (the same encoding, not redone per token).
    let spki = tsa_parsed.spki_der();
    let sig_oid = if oid_is(&si.signature_algorithm.oid, &RSA_ENCRYPTION) {
        // rsaEncryption: the hash is named by digestAlgorithm.
        match digest_alg {
            DigestAlgorithm::Sha384 => hpki_cert::SHA384_WITH_RSA,
            DigestAlgorithm::Sha512 => hpki_cert::SHA512_WITH_RSA,
            _ => hpki_cert::SHA256_WITH_RSA,
        }
        .to_owned()
    } else {
        si.signature_algorithm.oid.to_string()
    };
    hpki_cert::verify_signed_data(spki, &sig_oid, &signed, si.signature.as_bytes())
        .map_err(|e| format!("token signature does not verify with the TSA certificate: {e}"))?;

    let tsa_cert = tsa_der.clone();
    Ok(TimeStamp {
        gen_time,
        imprint_alg,
        imprint,
        tsa_cert,
        certs: sd.certificates,
    })
}

fn signer_matches(sid: &cms::signed_data::SignerIdentifier, cert: &Certificate) -> bool {
    use cms::signed_data::SignerIdentifier as Sid;
    let tbs = cert.tbs_certificate();
    match sid {
        Sid::IssuerAndSerialNumber(isn) => {
            isn.issuer == *tbs.issuer() && isn.serial_number == *tbs.serial_number()
        }
        Sid::SubjectKeyIdentifier(ski) => tbs
            .get_extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .is_some_and(|(_, k)| k == *ski),
    }
}

type TstFields = (DigestAlgorithm, Vec<u8>, jiff::Timestamp);

fn parse_tst_info(der_bytes: &[u8]) -> Result<TstFields, String> {
    let any = AnyRef::from_der(der_bytes).map_err(|e| format!("TSTInfo: {e}"))?;
    let parsed: der::Result<(ObjectIdentifier, ObjectIdentifier, Vec<u8>, Vec<u8>)> =
        any.sequence(|r| {
            let _version: der::asn1::Int = r.decode()?;
            let policy: ObjectIdentifier = r.decode()?;
            let (alg, imprint) = r.decode::<AnyRef<'_>>()?.sequence(|mi| {
                let alg: spki::AlgorithmIdentifierOwned = mi.decode()?;
                let h: OctetString = mi.decode()?;
                Ok::<_, der::Error>((alg.oid, h.as_bytes().to_vec()))
            })?;
            let _serial: der::asn1::Int = r.decode()?;
            // Not der's GeneralizedTime: TSAs put fractional seconds here (RFC 3161 §2.4.2).
            let gen_time: AnyRef<'_> = r.decode()?;
            if gen_time.tag() != der::Tag::GeneralizedTime {
                return Err(der::Tag::GeneralizedTime.value_error().into());
            }
            let gen_time = gen_time.value().to_vec();
            // accuracy, ordering, nonce, tsa, extensions: not needed.
            while !r.is_finished() {
                let _: AnyRef<'_> = r.decode()?;
            }
            Ok((policy, alg, imprint, gen_time))
        });
    let (policy, alg, imprint, gen_time) = parsed.map_err(|e| format!("TSTInfo: {e}"))?;
    let gen_time = parse_generalized_time(&gen_time)?;
    let imprint_alg =
        digest_alg_from_oid(&alg).ok_or_else(|| format!("unsupported imprint algorithm {alg}"))?;
    let _ = policy;
    Ok((imprint_alg, imprint, gen_time))
}

/// Whether the certificate has a critical extendedKeyUsage with id-kp-timeStamping
/// (RFC 3161 §2.3). `Err` says what is wrong.
pub(crate) fn check_tsa_eku(cert: &Certificate) -> Result<(), String> {
    let ext = cert
        .tbs_certificate()
        .extensions()
        .and_then(|exts| {
            exts.iter()
                .find(|e| oid_is(&e.extn_id, &ID_CE_EXT_KEY_USAGE))
        })
        .ok_or("TSA certificate has no extendedKeyUsage")?;
    if !ext.critical {
        return Err("TSA certificate's extendedKeyUsage is not critical".into());
    }
    let eku = x509_cert::ext::pkix::ExtendedKeyUsage::from_der(ext.extn_value.as_bytes())
        .map_err(|e| format!("TSA extendedKeyUsage: {e}"))?;
    if eku.0.len() != 1 || eku.0.iter().all(|o| !oid_is(o, &ID_KP_TIME_STAMPING)) {
        return Err("TSA certificate's extendedKeyUsage is not exactly timeStamping".into());
    }
    Ok(())
}

/// Parses `YYYYMMDDHHMMSS[.f+]Z` (the fraction is dropped).
fn parse_generalized_time(value: &[u8]) -> Result<jiff::Timestamp, String> {
    let bad = || {
        format!(
            "genTime {:?} is not YYYYMMDDHHMMSS[.f]Z",
            String::from_utf8_lossy(value)
        )
    };
    let text = std::str::from_utf8(value).map_err(|_| bad())?;
    let body = text.strip_suffix('Z').ok_or_else(bad)?;
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    if whole.len() != 14
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i16, String> {
        whole.get(r).and_then(|s| s.parse().ok()).ok_or_else(bad)
    };
    let dt = jiff::civil::DateTime::new(
        num(0..4)?,
        i8::try_from(num(4..6)?).map_err(|_| bad())?,
        i8::try_from(num(6..8)?).map_err(|_| bad())?,
        i8::try_from(num(8..10)?).map_err(|_| bad())?,
        i8::try_from(num(10..12)?).map_err(|_| bad())?,
        i8::try_from(num(12..14)?).map_err(|_| bad())?,
        0,
    )
    .map_err(|_| bad())?;
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_oids_are_those_of_cert_signer() {
        for (oid, alg) in DIGESTS {
            assert_eq!(oid.to_string(), alg.oid());
            assert_eq!(digest_alg_from_oid(&oid), Some(alg));
        }
    }

    /// `oid_is` answers as comparing the dotted texts did, padded encodings included.
    #[test]
    fn oid_comparison_agrees_with_the_dotted_text() -> Result<(), der::oid::Error> {
        let padded = ObjectIdentifier::from_bytes(&[0x55, 0x80, 0x1d, 0x25])?;
        let other = ObjectIdentifier::from_bytes(&[0x55, 0x80, 0x1d, 0x26])?;
        for candidate in [
            ID_CE_EXT_KEY_USAGE,
            ID_KP_TIME_STAMPING,
            RSA_ENCRYPTION,
            padded,
            other,
        ] {
            for want in [ID_CE_EXT_KEY_USAGE, ID_KP_TIME_STAMPING, RSA_ENCRYPTION] {
                assert_eq!(
                    oid_is(&candidate, &want),
                    candidate.to_string() == want.to_string(),
                    "{candidate} {want}"
                );
            }
        }
        assert!(oid_is(&padded, &ID_CE_EXT_KEY_USAGE));
        assert!(minimally_encoded(ID_CE_EXT_KEY_USAGE.as_bytes()));
        assert!(!minimally_encoded(padded.as_bytes()));
        Ok(())
    }
}
