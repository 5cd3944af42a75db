//! Object identifiers (DER bodies) and algorithm identifiers CMS and CAdES use.

use cert_signer::DigestAlgorithm;

use crate::{
    Error,
    tlv::{self, Reader, Tlv, tag},
};

/// id-signedData, 1.2.840.113549.1.7.2.
pub(crate) const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
/// id-data, 1.2.840.113549.1.7.1.
pub(crate) const DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
/// id-ct-TSTInfo, 1.2.840.113549.1.9.16.1.4.
pub(crate) const TST_INFO: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04,
];
/// id-contentType, 1.2.840.113549.1.9.3.
pub(crate) const CONTENT_TYPE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03];
/// id-messageDigest, 1.2.840.113549.1.9.4.
pub(crate) const MESSAGE_DIGEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04];
/// id-signingTime, 1.2.840.113549.1.9.5.
pub(crate) const SIGNING_TIME: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05];
/// id-countersignature, 1.2.840.113549.1.9.6.
pub(crate) const COUNTER_SIGNATURE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x06];
/// id-aa-signingCertificate, 1.2.840.113549.1.9.16.2.12.
pub(crate) const SIGNING_CERTIFICATE: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x0c,
];
/// id-aa-signingCertificateV2, 1.2.840.113549.1.9.16.2.47.
pub(crate) const SIGNING_CERTIFICATE_V2: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x2f,
];
/// id-aa-signatureTimeStampToken, 1.2.840.113549.1.9.16.2.14.
pub(crate) const SIGNATURE_TIME_STAMP: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x0e,
];
/// id-aa-ets-sigPolicyId, 1.2.840.113549.1.9.16.2.15.
pub(crate) const SIGNATURE_POLICY: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x0f,
];
/// id-aa-ets-commitmentType, 1.2.840.113549.1.9.16.2.16.
pub(crate) const COMMITMENT_TYPE: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x10,
];
/// rsaEncryption, 1.2.840.113549.1.1.1.
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// sha256WithRSAEncryption and friends, 1.2.840.113549.1.1.{11,12,13}.
const SHA256_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
const SHA384_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c];
const SHA512_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d];

/// The DER body of a digest algorithm's OID.
pub(crate) fn digest_oid(alg: DigestAlgorithm) -> &'static [u8] {
    match alg {
        DigestAlgorithm::Sha384 => &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02],
        DigestAlgorithm::Sha512 => &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03],
        // Sha256, and any later variant until it gets its own arm.
        _ => &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01],
    }
}

fn digest_from_oid(body: &[u8]) -> Option<DigestAlgorithm> {
    [
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
    ]
    .into_iter()
    .find(|a| digest_oid(*a) == body)
}

/// AlgorithmIdentifier for a digest, parameters absent (RFC 5754 §2).
pub(crate) fn digest_algorithm_identifier(alg: DigestAlgorithm) -> Vec<u8> {
    tlv::encode(tag::SEQUENCE, &tlv::encode(tag::OID, digest_oid(alg)))
}

/// AlgorithmIdentifier rsaEncryption with NULL parameters, as OpenSSL writes it.
pub(crate) fn rsa_signature_algorithm_identifier() -> Vec<u8> {
    let mut inner = tlv::encode(tag::OID, RSA_ENCRYPTION);
    inner.extend_from_slice(&[tag::NULL, 0]);
    tlv::encode(tag::SEQUENCE, &inner)
}

/// Reads a digest AlgorithmIdentifier (parameters absent or NULL).
pub(crate) fn parse_digest_algorithm(der: &[u8]) -> Result<DigestAlgorithm, Error> {
    let (oid, params) = parse_algorithm_identifier(der, "digest AlgorithmIdentifier")?;
    if !matches!(params, None | Some([tag::NULL, 0])) {
        return Err(Error::malformed("digest algorithm parameters"));
    }
    digest_from_oid(oid).ok_or_else(|| {
        Error::Unsupported(format!(
            "digest algorithm {}",
            tlv::oid_string(oid).unwrap_or_else(|_| "?".into())
        ))
    })
}

/// Reads a SignerInfo signatureAlgorithm: rsaEncryption, or shaNNNWithRSAEncryption
/// whose hash must then agree with the digest algorithm.
pub(crate) fn check_rsa_signature_algorithm(
    der: &[u8],
    digest: DigestAlgorithm,
) -> Result<(), Error> {
    let (oid, params) = parse_algorithm_identifier(der, "signatureAlgorithm")?;
    if !matches!(params, None | Some([tag::NULL, 0])) {
        return Err(Error::malformed("signature algorithm parameters"));
    }
    let implied = match oid {
        RSA_ENCRYPTION => None,
        SHA256_WITH_RSA => Some(DigestAlgorithm::Sha256),
        SHA384_WITH_RSA => Some(DigestAlgorithm::Sha384),
        SHA512_WITH_RSA => Some(DigestAlgorithm::Sha512),
        other => {
            return Err(Error::Unsupported(format!(
                "signature algorithm {} (only RSA PKCS#1 v1.5)",
                tlv::oid_string(other).unwrap_or_else(|_| "?".into())
            )));
        }
    };
    match implied {
        Some(d) if d != digest => Err(Error::Unsupported(
            "signature algorithm hash differs from the digest algorithm".into(),
        )),
        _ => Ok(()),
    }
}

/// (OID body, whole parameters TLV).
pub(crate) fn parse_algorithm_identifier<'a>(
    der: &'a [u8],
    what: &'static str,
) -> Result<(&'a [u8], Option<&'a [u8]>), Error> {
    let mut r = Tlv::parse_one(der, what)?.expect_tag(tag::SEQUENCE, what)?;
    let oid = r.next(tag::OID, what)?.value;
    let params = if r.is_empty() {
        None
    } else {
        Some(r.any(what)?.raw)
    };
    r.finish(what)?;
    Ok((oid, params))
}

/// Reads an OID element's body from a reader.
pub(crate) fn read_oid<'a>(r: &mut Reader<'a>, what: &'static str) -> Result<&'a [u8], Error> {
    Ok(r.next(tag::OID, what)?.value)
}
