//! CMS SignedData (RFC 5652 §5) read without copying, and re-assembled from its parts.

use cert_signer::DigestAlgorithm;

use crate::{
    Error, Limit, LimitExceeded, Limits, limits, oid,
    tlv::{self, Reader, Tlv, tag},
};

/// A SignedData message as received.
///
/// ```text
/// ContentInfo ::= SEQUENCE { contentType ContentType, content [0] EXPLICIT ANY }
/// SignedData ::= SEQUENCE {
///   version CMSVersion,
///   digestAlgorithms DigestAlgorithmIdentifiers,
///   encapContentInfo EncapsulatedContentInfo,
///   certificates [0] IMPLICIT CertificateSet OPTIONAL,
///   crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
///   signerInfos SignerInfos }
/// EncapsulatedContentInfo ::= SEQUENCE {
///   eContentType ContentType,
///   eContent [0] EXPLICIT OCTET STRING OPTIONAL }
/// ```
#[derive(Clone, Debug)]
pub(crate) struct SignedDataRef<'a> {
    pub version: Tlv<'a>,
    pub digest_algorithms: Tlv<'a>,
    pub encap_content_info: Tlv<'a>,
    /// eContentType, OID body.
    pub econtent_type: &'a [u8],
    /// The eContent octets, when the content is attached.
    pub econtent: Option<&'a [u8]>,
    /// Each certificate choice, whole TLV.
    pub certificates: Vec<Tlv<'a>>,
    pub crls: Option<Tlv<'a>>,
    pub signer_infos: Vec<SignerInfoRef<'a>>,
}

impl<'a> SignedDataRef<'a> {
    /// Reads a DER `ContentInfo` holding SignedData, with no limit (the caller's own
    /// messages, while signing).
    pub fn parse(der: &'a [u8]) -> Result<Self, Error> {
        Self::parse_within(der, &Limits::UNBOUNDED)
    }

    /// Reads a DER `ContentInfo` holding SignedData within `limits`: its size, its DER
    /// depth, its signers, certificates, CRLs, each signer's attributes, and its
    /// counter-signatures (their depth and number, and their attributes) are checked
    /// before anything is verified.
    pub fn parse_within(der: &'a [u8], limits: &Limits) -> Result<Self, Error> {
        Limits::check(Limit::InputBytes, der.len(), limits.input_bytes)?;
        limits::check_der_depth(der, limits.der_depth)?;
        let mut ci =
            Tlv::parse_one(der, "ContentInfo")?.expect_tag(tag::SEQUENCE, "ContentInfo")?;
        let ct = ci.next(tag::OID, "ContentInfo contentType")?;
        if ct.value != oid::SIGNED_DATA {
            return Err(Error::Unsupported(format!(
                "content type {} (only SignedData)",
                tlv::oid_string(ct.value)?
            )));
        }
        let mut explicit = ci
            .next(tag::CTX0, "ContentInfo content")?
            .expect_tag(tag::CTX0, "ContentInfo")?;
        ci.finish("ContentInfo")?;
        let sd = explicit.next(tag::SEQUENCE, "SignedData")?;
        explicit.finish("ContentInfo content")?;
        Self::parse_signed_data(sd.value, limits)
    }

    fn parse_signed_data(value: &'a [u8], limits: &Limits) -> Result<Self, Error> {
        let mut sd = Reader::new(value);
        let version = sd.next(tag::INTEGER, "SignedData version")?;
        let digest_algorithms = sd.next(tag::SET, "SignedData digestAlgorithms")?;
        let encap_content_info = sd.next(tag::SEQUENCE, "EncapsulatedContentInfo")?;
        let mut eci = Reader::new(encap_content_info.value);
        let econtent_type = eci.next(tag::OID, "eContentType")?.value;
        let econtent = match eci.optional(tag::CTX0, "eContent")? {
            Some(t) => {
                let mut r = t.expect_tag(tag::CTX0, "eContent")?;
                let os = r.next(tag::OCTET_STRING, "eContent OCTET STRING")?;
                r.finish("eContent")?;
                Some(os.value)
            }
            None => None,
        };
        eci.finish("EncapsulatedContentInfo")?;
        let mut certificates = Vec::new();
        if let Some(certs) = sd.optional(tag::CTX0, "SignedData certificates")? {
            let mut r = Reader::new(certs.value);
            while !r.is_empty() {
                Limits::check(
                    Limit::Certificates,
                    certificates.len() + 1,
                    limits.certificates,
                )?;
                certificates.push(r.any("CertificateChoices")?);
            }
        }
        let crls = sd.optional(tag::CTX1, "SignedData crls")?;
        if let Some(crls) = crls {
            Limits::check(Limit::CrlBytes, crls.value.len(), limits.crl_bytes)?;
            // Counted here; read (and each one decoded) by the verifier.
            let mut r = Reader::new(crls.value);
            let mut n = 0usize;
            while !r.is_empty() {
                n += 1;
                Limits::check(Limit::Crls, n, limits.crls)?;
                r.any("RevocationInfoChoice")?;
            }
        }
        let sis = sd.next(tag::SET, "SignerInfos")?;
        sd.finish("SignedData")?;
        let mut signer_infos = Vec::new();
        let mut r = Reader::new(sis.value);
        while !r.is_empty() {
            Limits::check(Limit::Signers, signer_infos.len() + 1, limits.signers)?;
            let si = r.next(tag::SEQUENCE, "SignerInfo")?;
            signer_infos.push(SignerInfoRef::parse_within(si, limits.attributes)?);
        }
        check_nested(&signer_infos, limits)?;
        Ok(Self {
            version,
            digest_algorithms,
            encap_content_info,
            econtent_type,
            econtent,
            certificates,
            crls,
            signer_infos,
        })
    }

    /// The certificates (plain `Certificate` choices only), DER.
    pub fn certificate_ders(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        self.certificates
            .iter()
            .filter(|c| c.tag == tag::SEQUENCE)
            .map(|c| c.raw)
    }

    /// The SignerInfos, DER, with the unsigned attribute `attr` added to the one at
    /// `index` (the caller has checked that it exists).
    pub fn signer_infos_with_unsigned(&self, index: usize, attr: &[u8]) -> Vec<Vec<u8>> {
        self.signer_infos
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if i == index {
                    s.with_unsigned(attr)
                } else {
                    s.raw.to_vec()
                }
            })
            .collect()
    }

    /// A new ContentInfo with these SignerInfos, with `extra_certs` added to the
    /// certificates (duplicates dropped) and `extra_digests` to digestAlgorithms.
    pub fn reassemble(
        &self,
        signer_infos: &[Vec<u8>],
        extra_certs: &[Vec<u8>],
        extra_digests: &[DigestAlgorithm],
    ) -> Vec<u8> {
        let mut certs: Vec<&[u8]> = self.certificates.iter().map(|c| c.raw).collect();
        for c in extra_certs {
            if !certs.contains(&c.as_slice()) {
                certs.push(c);
            }
        }
        let mut digests: Vec<Vec<u8>> = {
            let mut r = Reader::new(self.digest_algorithms.value);
            let mut v = Vec::new();
            while let Ok(t) = r.any("digestAlgorithm") {
                v.push(t.raw.to_vec());
            }
            v
        };
        for d in extra_digests {
            let alg = oid::digest_algorithm_identifier(*d);
            let present = digests.iter().any(|e| {
                oid::parse_digest_algorithm(e).ok() == Some(*d) || e.as_slice() == alg.as_slice()
            });
            if !present {
                digests.push(alg);
            }
        }
        assemble(
            self.version.raw,
            &digests,
            self.encap_content_info.raw,
            &certs,
            self.crls.map(|c| c.raw),
            signer_infos,
        )
    }
}

/// Encodes ContentInfo { signedData, SignedData {..} } from its parts; SET OFs are put
/// in DER order.
pub(crate) fn assemble(
    version: &[u8],
    digest_algorithms: &[Vec<u8>],
    encap_content_info: &[u8],
    certificates: &[&[u8]],
    crls: Option<&[u8]>,
    signer_infos: &[Vec<u8>],
) -> Vec<u8> {
    let mut digests: Vec<&[u8]> = digest_algorithms.iter().map(Vec::as_slice).collect();
    digests.sort_by(|a, b| tlv::der_set_order(a, b));
    let digest_set = tlv::encode_parts(tag::SET, &digests);
    let mut certs = certificates.to_vec();
    certs.sort_by(|a, b| tlv::der_set_order(a, b));
    let cert_set = (!certs.is_empty()).then(|| tlv::encode_parts(tag::CTX0, &certs));
    // SignerInfos keep their order so that signer indices stay stable across
    // counter-signing and time-stamping (RFC 5652 only requires DER for the signed
    // attributes; OpenSSL does not sort this SET either).
    let sis: Vec<&[u8]> = signer_infos.iter().map(Vec::as_slice).collect();
    let si_set = tlv::encode_parts(tag::SET, &sis);
    let sd = tlv::encode_parts(
        tag::SEQUENCE,
        &[
            version,
            &digest_set,
            encap_content_info,
            cert_set.as_deref().unwrap_or(&[]),
            crls.unwrap_or(&[]),
            &si_set,
        ],
    );
    let mut out = Vec::with_capacity(sd.len() + 32);
    let oid_tlv = tlv::encode(tag::OID, oid::SIGNED_DATA);
    let ctx = tlv::encode(tag::CTX0, &sd);
    tlv::push_parts(&mut out, tag::SEQUENCE, &[&oid_tlv, &ctx]);
    out
}

/// How the SignerInfo names its certificate.
#[derive(Clone, Copy, Debug)]
pub(crate) enum SignerId<'a> {
    /// issuerAndSerialNumber: issuer Name TLV, serialNumber TLV.
    IssuerSerial { issuer: Tlv<'a>, serial: Tlv<'a> },
    /// subjectKeyIdentifier [0].
    SubjectKeyId(&'a [u8]),
}

/// One attribute: its type (OID body) and its values.
#[derive(Clone, Debug)]
pub(crate) struct AttributeRef<'a> {
    pub oid: &'a [u8],
    pub values: Vec<Tlv<'a>>,
    pub raw: &'a [u8],
}

/// A SignerInfo as received.
///
/// ```text
/// SignerInfo ::= SEQUENCE {
///   version CMSVersion,
///   sid SignerIdentifier,
///   digestAlgorithm DigestAlgorithmIdentifier,
///   signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,
///   signatureAlgorithm SignatureAlgorithmIdentifier,
///   signature SignatureValue,
///   unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }
/// ```
#[derive(Clone, Debug)]
pub(crate) struct SignerInfoRef<'a> {
    pub raw: &'a [u8],
    pub sid: SignerId<'a>,
    pub digest_algorithm: Tlv<'a>,
    /// The `[0]` element exactly as received.
    pub signed_attrs: Option<Tlv<'a>>,
    pub signed: Vec<AttributeRef<'a>>,
    pub signature_algorithm: Tlv<'a>,
    pub signature: &'a [u8],
    pub unsigned: Vec<AttributeRef<'a>>,
    /// Everything before unsignedAttrs, for re-assembly.
    pub before_unsigned: &'a [u8],
}

impl<'a> SignerInfoRef<'a> {
    /// Reads a SignerInfo, with no limit on its attributes.
    #[cfg(test)]
    pub(crate) fn parse(si: Tlv<'a>) -> Result<Self, Error> {
        Self::parse_within(si, usize::MAX)
    }

    /// Reads a SignerInfo of at most `max_attributes` attribute values, signed and
    /// unsigned together.
    pub fn parse_within(si: Tlv<'a>, max_attributes: usize) -> Result<Self, Error> {
        let mut r = si.expect_tag(tag::SEQUENCE, "SignerInfo")?;
        let version = r.small_uint("SignerInfo version")?;
        let sid = match r.peek_tag() {
            Some(tag::SEQUENCE) => {
                let mut ias = r.sequence("IssuerAndSerialNumber")?;
                let issuer = ias.next(tag::SEQUENCE, "IssuerAndSerialNumber issuer")?;
                let serial = ias.next(tag::INTEGER, "IssuerAndSerialNumber serialNumber")?;
                ias.finish("IssuerAndSerialNumber")?;
                if version != 1 {
                    return Err(Error::malformed(
                        "SignerInfo version (1 with issuerAndSerialNumber)",
                    ));
                }
                SignerId::IssuerSerial { issuer, serial }
            }
            Some(tag::CTX0_PRIM) => {
                if version != 3 {
                    return Err(Error::malformed(
                        "SignerInfo version (3 with subjectKeyIdentifier)",
                    ));
                }
                SignerId::SubjectKeyId(r.any("subjectKeyIdentifier")?.value)
            }
            _ => return Err(Error::malformed("SignerInfo sid")),
        };
        let digest_algorithm = r.next(tag::SEQUENCE, "SignerInfo digestAlgorithm")?;
        let signed_attrs = r.optional(tag::CTX0, "signedAttrs")?;
        let mut budget = max_attributes;
        let signed = match signed_attrs {
            Some(t) => parse_attributes(t.value, &mut budget, max_attributes)?,
            None => Vec::new(),
        };
        let signature_algorithm = r.next(tag::SEQUENCE, "SignerInfo signatureAlgorithm")?;
        let signature = r.next(tag::OCTET_STRING, "SignerInfo signature")?.value;
        let before_len = si.value.len() - r.rest_len();
        let unsigned = match r.optional(tag::CTX1, "unsignedAttrs")? {
            Some(t) => parse_attributes(t.value, &mut budget, max_attributes)?,
            None => Vec::new(),
        };
        r.finish("SignerInfo")?;
        let before_unsigned = si
            .value
            .get(..before_len)
            .ok_or(Error::malformed("SignerInfo"))?;
        Ok(Self {
            raw: si.raw,
            sid,
            digest_algorithm,
            signed_attrs,
            signed,
            signature_algorithm,
            signature,
            unsigned,
            before_unsigned,
        })
    }

    /// The signed attributes as the signature covers them: the received `[0]`
    /// encoding with its tag replaced by SET (RFC 5652 §5.4).
    pub fn signed_attrs_for_hashing(&self) -> Option<Vec<u8>> {
        let raw = self.signed_attrs?.raw;
        let mut v = raw.to_vec();
        if let Some(first) = v.first_mut() {
            *first = tag::SET;
        }
        Some(v)
    }

    /// All values of the signed attribute `oid`; `None` when absent.
    pub fn signed_attr(&self, oid: &[u8]) -> Vec<&AttributeRef<'a>> {
        self.signed.iter().filter(|a| a.oid == oid).collect()
    }

    /// This SignerInfo with `attr` (a whole Attribute TLV) added to its unsigned
    /// attributes.
    pub fn with_unsigned(&self, attr: &[u8]) -> Vec<u8> {
        let mut attrs: Vec<&[u8]> = self.unsigned.iter().map(|a| a.raw).collect();
        attrs.push(attr);
        attrs.sort_by(|a, b| tlv::der_set_order(a, b));
        let unsigned = tlv::encode_parts(tag::CTX1, &attrs);
        tlv::encode_parts(tag::SEQUENCE, &[self.before_unsigned, &unsigned])
    }
}

/// Reads a SET OF Attribute, taking each value from `budget` (what is left of
/// `max` attribute values for the SignerInfo).
fn parse_attributes<'a>(
    value: &'a [u8],
    budget: &mut usize,
    max: usize,
) -> Result<Vec<AttributeRef<'a>>, Error> {
    let mut out = Vec::new();
    let mut r = Reader::new(value);
    let take = |budget: &mut usize| match budget.checked_sub(1) {
        Some(left) => {
            *budget = left;
            Ok(())
        }
        None => Err(LimitExceeded {
            limit: Limit::Attributes,
            max,
            found: max.saturating_add(1),
        }),
    };
    while !r.is_empty() {
        let a = r.next(tag::SEQUENCE, "Attribute")?;
        let mut ar = Reader::new(a.value);
        let oid = ar.next(tag::OID, "Attribute type")?.value;
        let set = ar.next(tag::SET, "Attribute values")?;
        ar.finish("Attribute")?;
        let mut values = Vec::new();
        let mut vr = Reader::new(set.value);
        if vr.is_empty() {
            // An attribute without values still costs one.
            take(budget)?;
        }
        while !vr.is_empty() {
            take(budget)?;
            values.push(vr.any("AttributeValue")?);
        }
        out.push(AttributeRef {
            oid,
            values,
            raw: a.raw,
        });
    }
    Ok(out)
}

/// The counter-signature values of a SignerInfo (RFC 5652 §11.4).
pub(crate) fn counter_signature_values<'s, 'a>(
    si: &'s SignerInfoRef<'a>,
) -> impl Iterator<Item = Tlv<'a>> + 's {
    si.unsigned
        .iter()
        .filter(|a| a.oid == oid::COUNTER_SIGNATURE)
        .flat_map(|a| a.values.iter().copied())
}

/// The signature-time-stamp values of a SignerInfo (ETSI EN 319 122-1 §5.3).
pub(crate) fn time_stamp_values<'s, 'a>(
    si: &'s SignerInfoRef<'a>,
) -> impl Iterator<Item = Tlv<'a>> + 's {
    si.unsigned
        .iter()
        .filter(|a| a.oid == oid::SIGNATURE_TIME_STAMP)
        .flat_map(|a| a.values.iter().copied())
}

/// Walks every counter-signature of `signers` with an explicit stack, checking the
/// depth before each level is entered, the total, each one's attributes, and the
/// signature time-stamps of all. A counter-signature that does not parse is left for
/// the verifier to report (it has nothing below it to walk).
fn check_nested(signers: &[SignerInfoRef<'_>], limits: &Limits) -> Result<(), Error> {
    let max_depth = limits.effective_counter_signature_depth();
    let mut total = 0usize;
    let mut time_stamps = 0usize;
    let mut stack: Vec<(Tlv<'_>, usize)> = Vec::new();
    for si in signers {
        time_stamps += time_stamp_values(si).count();
        Limits::check(Limit::TimeStamps, time_stamps, limits.time_stamps)?;
        stack.extend(counter_signature_values(si).map(|v| (v, 1)));
        while let Some((value, depth)) = stack.pop() {
            Limits::check(Limit::CounterSignatureDepth, depth, max_depth)?;
            total += 1;
            Limits::check(Limit::CounterSignatures, total, limits.counter_signatures)?;
            match SignerInfoRef::parse_within(value, limits.attributes) {
                Ok(csi) => {
                    time_stamps += time_stamp_values(&csi).count();
                    Limits::check(Limit::TimeStamps, time_stamps, limits.time_stamps)?;
                    stack.extend(counter_signature_values(&csi).map(|v| (v, depth + 1)));
                }
                Err(e @ Error::Limit(_)) => return Err(e),
                Err(_) => {}
            }
        }
    }
    Ok(())
}
