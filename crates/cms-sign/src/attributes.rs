//! CAdES signed attributes (ETSI EN 319 122-1 §5.2): what the signer may add, and
//! how the ESS signing-certificate attributes are encoded and read.

use cert_signer::DigestAlgorithm;

use crate::{
    Error,
    cert::CertRef,
    oid,
    tlv::{self, Reader, Tlv, tag},
};

/// The signature-policy-identifier attribute (CAdES-EPES), an explicit policy.
///
/// ```text
/// SignaturePolicyIdentifier ::= CHOICE {
///   signaturePolicyId SignaturePolicyId,
///   signaturePolicyImplied SignaturePolicyImplied }   -- not emitted
/// SignaturePolicyId ::= SEQUENCE {
///   sigPolicyId SigPolicyId,
///   sigPolicyHash SigPolicyHash,
///   sigPolicyQualifiers SEQUENCE SIZE (1..MAX) OF SigPolicyQualifierInfo OPTIONAL }
/// SigPolicyHash ::= OtherHashAlgAndValue
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignaturePolicy {
    /// sigPolicyId, dotted.
    pub oid: String,
    /// The algorithm of `hash`.
    pub hash_algorithm: DigestAlgorithm,
    /// sigPolicyHash: the hash of the policy document.
    pub hash: Vec<u8>,
    /// An SPuri qualifier (`id-spq-ets-uri`) pointing at the policy document.
    pub uri: Option<String>,
}

/// The commitment-type-indication attribute (ETSI TS 119 172-1 §5.2.2 identifiers).
///
/// ```text
/// CommitmentTypeIndication ::= SEQUENCE {
///   commitmentTypeId CommitmentTypeIdentifier,
///   commitmentTypeQualifier SEQUENCE SIZE (1..MAX) OF CommitmentTypeQualifier OPTIONAL }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommitmentType {
    /// id-cti-ets-proofOfOrigin (…16.6.1).
    ProofOfOrigin,
    /// id-cti-ets-proofOfReceipt (…16.6.2).
    ProofOfReceipt,
    /// id-cti-ets-proofOfDelivery (…16.6.3).
    ProofOfDelivery,
    /// id-cti-ets-proofOfSender (…16.6.4).
    ProofOfSender,
    /// id-cti-ets-proofOfApproval (…16.6.5).
    ProofOfApproval,
    /// id-cti-ets-proofOfCreation (…16.6.6).
    ProofOfCreation,
    /// Another commitment type, dotted OID.
    Other(String),
}

impl CommitmentType {
    /// The commitment type's OID, dotted.
    pub fn oid(&self) -> String {
        let n = match self {
            Self::ProofOfOrigin => 1,
            Self::ProofOfReceipt => 2,
            Self::ProofOfDelivery => 3,
            Self::ProofOfSender => 4,
            Self::ProofOfApproval => 5,
            Self::ProofOfCreation => 6,
            Self::Other(s) => return s.clone(),
        };
        format!("1.2.840.113549.1.9.16.6.{n}")
    }
}

/// One Attribute { attrType, SET { values } }.
pub(crate) fn attribute(oid_body: &[u8], values: &[&[u8]]) -> Vec<u8> {
    let oid = tlv::encode(tag::OID, oid_body);
    let set = tlv::encode_parts(tag::SET, values);
    tlv::encode_parts(tag::SEQUENCE, &[&oid, &set])
}

/// The signing-certificate-v2 value for `cert`, hashed with SHA-256 (so hashAlgorithm
/// is omitted, its DEFAULT), with issuerSerial.
///
/// ```text
/// SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies … OPTIONAL }
/// ESSCertIDv2 ::= SEQUENCE {
///   hashAlgorithm AlgorithmIdentifier DEFAULT {algorithm id-sha256},
///   certHash Hash,
///   issuerSerial IssuerSerial OPTIONAL }
/// IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }
/// ```
pub(crate) fn signing_certificate_v2(cert: &CertRef<'_>) -> Vec<u8> {
    let hash = tlv::encode(tag::OCTET_STRING, &DigestAlgorithm::Sha256.hash(cert.der));
    // GeneralNames ::= SEQUENCE OF GeneralName; directoryName [4] EXPLICIT Name.
    let dir_name = tlv::encode(0xa4, cert.issuer.raw);
    let general_names = tlv::encode(tag::SEQUENCE, &dir_name);
    let issuer_serial = tlv::encode_parts(tag::SEQUENCE, &[&general_names, cert.serial.raw]);
    let ess = tlv::encode_parts(tag::SEQUENCE, &[&hash, &issuer_serial]);
    let certs = tlv::encode(tag::SEQUENCE, &ess);
    tlv::encode(tag::SEQUENCE, &certs)
}

/// The signature-policy-identifier value.
pub(crate) fn signature_policy(p: &SignaturePolicy) -> Result<Vec<u8>, Error> {
    if p.hash.len() != p.hash_algorithm.output_len() {
        return Err(Error::Unsupported(
            "signature policy hash length does not match its algorithm".into(),
        ));
    }
    let id = tlv::encode(tag::OID, &tlv::oid_body(&p.oid)?);
    let hash = tlv::encode_parts(
        tag::SEQUENCE,
        &[
            &oid::digest_algorithm_identifier(p.hash_algorithm),
            &tlv::encode(tag::OCTET_STRING, &p.hash),
        ],
    );
    let qualifiers = match &p.uri {
        Some(uri) => {
            // id-spq-ets-uri 1.2.840.113549.1.9.16.5.1, SPuri ::= IA5String.
            let q_oid = tlv::encode(tag::OID, &tlv::oid_body("1.2.840.113549.1.9.16.5.1")?);
            if !uri.is_ascii() {
                return Err(Error::Unsupported("policy URI must be ASCII".into()));
            }
            let q = tlv::encode_parts(tag::SEQUENCE, &[&q_oid, &tlv::encode(0x16, uri.as_bytes())]);
            tlv::encode(tag::SEQUENCE, &q)
        }
        None => Vec::new(),
    };
    Ok(tlv::encode_parts(tag::SEQUENCE, &[&id, &hash, &qualifiers]))
}

/// The commitment-type-indication value.
pub(crate) fn commitment_type(c: &CommitmentType) -> Result<Vec<u8>, Error> {
    Ok(tlv::encode(
        tag::SEQUENCE,
        &tlv::encode(tag::OID, &tlv::oid_body(&c.oid())?),
    ))
}

/// The hash algorithm of an ESS certificate identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EssHash {
    /// ESSCertID (RFC 2634): SHA-1, fixed.
    Sha1,
    /// ESSCertIDv2 (RFC 5035).
    Sha2(DigestAlgorithm),
}

/// The first certificate identifier of a signing-certificate(-v2) value.
#[derive(Clone, Debug)]
pub(crate) struct EssCertId<'a> {
    pub hash_algorithm: EssHash,
    pub hash: &'a [u8],
    /// (issuer directoryName TLV, serial TLV), when present.
    pub issuer_serial: Option<(Tlv<'a>, Tlv<'a>)>,
}

impl EssCertId<'_> {
    /// Whether the identifier names `cert`.
    pub fn matches(&self, cert: &CertRef<'_>) -> bool {
        let computed = match self.hash_algorithm {
            EssHash::Sha1 => {
                use sha1::Digest as _;
                sha1::Sha1::digest(cert.der).to_vec()
            }
            EssHash::Sha2(alg) => alg.hash(cert.der),
        };
        let hash_ok: bool = subtle::ConstantTimeEq::ct_eq(computed.as_slice(), self.hash).into();
        let serial_ok = match &self.issuer_serial {
            Some((issuer, serial)) => {
                issuer.raw == cert.issuer.raw && serial.raw == cert.serial.raw
            }
            None => true,
        };
        hash_ok && serial_ok
    }
}

/// Reads the first ESSCertID(v2) of a SigningCertificate(V2) value.
pub(crate) fn parse_ess_cert_id(value: Tlv<'_>, v2: bool) -> Result<EssCertId<'_>, Error> {
    const W: &str = "signing-certificate attribute";
    let mut sc = value.expect_tag(tag::SEQUENCE, W)?;
    let mut certs = sc.sequence(W)?;
    let mut id = certs.sequence(W)?;
    let hash_algorithm = if v2 {
        match id.peek_tag() {
            Some(tag::SEQUENCE) => {
                let alg = id.any(W)?;
                EssHash::Sha2(oid::parse_digest_algorithm(alg.raw)?)
            }
            _ => EssHash::Sha2(DigestAlgorithm::Sha256),
        }
    } else {
        EssHash::Sha1
    };
    let hash = id.next(tag::OCTET_STRING, W)?.value;
    let issuer_serial = match id.optional(tag::SEQUENCE, W)? {
        Some(is) => {
            let mut r = Reader::new(is.value);
            let mut names = r.sequence(W)?;
            let name = names.next(0xa4, W)?;
            let mut inner = Reader::new(name.value);
            let issuer = inner.next(tag::SEQUENCE, W)?;
            inner.finish(W)?;
            let serial = r.next(tag::INTEGER, W)?;
            Some((issuer, serial))
        }
        None => None,
    };
    id.finish(W)?;
    Ok(EssCertId {
        hash_algorithm,
        hash,
        issuer_serial,
    })
}
