//! Building CAdES B-B SignedData: one or more signers, attached or detached, and
//! counter-signatures on an existing message.

use cert_signer::{CertSigner, DigestAlgorithm};
use jiff::Timestamp;

use crate::{
    CommitmentType, Error, SignaturePolicy, attributes,
    cert::{self, CertRef},
    message::{self, SignedDataRef},
    oid, rsa_verify,
    tlv::{self, tag},
};

/// What a signer puts into its SignerInfo.
///
/// The defaults are CAdES B-B with SHA-256, the signing time taken from the clock,
/// only the signer's certificate embedded, and the signature checked against the
/// certificate before it is used.
#[derive(Clone, Debug)]
pub struct SignOptions {
    digest: DigestAlgorithm,
    signing_time: Option<Timestamp>,
    include_chain: bool,
    policy: Option<SignaturePolicy>,
    commitment: Option<CommitmentType>,
    check_signature: bool,
}

impl Default for SignOptions {
    fn default() -> Self {
        Self {
            digest: DigestAlgorithm::Sha256,
            signing_time: None,
            include_chain: false,
            policy: None,
            commitment: None,
            check_signature: true,
        }
    }
}

impl SignOptions {
    /// The defaults (see the type's doc).
    pub fn new() -> Self {
        Self::default()
    }

    /// The digest algorithm for the content and the signed attributes.
    pub fn digest(mut self, digest: DigestAlgorithm) -> Self {
        self.digest = digest;
        self
    }

    /// A fixed signing-time instead of the clock (tests, reproducible output).
    pub fn signing_time(mut self, at: Timestamp) -> Self {
        self.signing_time = Some(at);
        self
    }

    /// Also embed the signer's intermediate certificates ([`CertSigner::chain_der`]).
    pub fn include_chain(mut self, include: bool) -> Self {
        self.include_chain = include;
        self
    }

    /// Adds a signature-policy-identifier (CAdES-EPES).
    pub fn policy(mut self, policy: SignaturePolicy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Adds a commitment-type-indication.
    pub fn commitment(mut self, commitment: CommitmentType) -> Self {
        self.commitment = Some(commitment);
        self
    }

    /// Whether to verify the signer's signature with its certificate before using it
    /// (default on: it catches a card whose key does not match its certificate).
    pub fn check_signature(mut self, check: bool) -> Self {
        self.check_signature = check;
        self
    }
}

/// Builds a SignedData over one content, signer by signer.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let (mut signer, _anchor) = cms_sign::test_pki::physician();
/// use cms_sign::{SignOptions, SignedDataBuilder};
/// let mut builder = SignedDataBuilder::new(b"record", true);
/// builder.add_signer(&mut signer, &SignOptions::new())?;
/// let p7s = builder.build();
/// assert_eq!(p7s[0], 0x30);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct SignedDataBuilder<'c> {
    content: &'c [u8],
    detached: bool,
    digests: Vec<DigestAlgorithm>,
    certificates: Vec<Vec<u8>>,
    signer_infos: Vec<Vec<u8>>,
}

impl<'c> SignedDataBuilder<'c> {
    /// A builder for `content` (id-data); `detached` leaves the content out of the
    /// message (a `.p7s` next to the file).
    pub fn new(content: &'c [u8], detached: bool) -> Self {
        Self {
            content,
            detached,
            digests: Vec::new(),
            certificates: Vec::new(),
            signer_infos: Vec::new(),
        }
    }

    /// Signs the content with `signer` and adds its SignerInfo and certificate(s).
    pub fn add_signer(
        &mut self,
        signer: &mut dyn CertSigner,
        options: &SignOptions,
    ) -> Result<&mut Self, Error> {
        let content_digest = options.digest.hash(self.content);
        let si = signer_info(signer, options, &content_digest, Some(oid::DATA))?;
        if !self.digests.contains(&options.digest) {
            self.digests.push(options.digest);
        }
        push_unique(&mut self.certificates, signer.certificate_der().to_vec());
        if options.include_chain {
            for c in signer.chain_der() {
                push_unique(&mut self.certificates, c);
            }
        }
        self.signer_infos.push(si);
        Ok(self)
    }

    /// The DER `ContentInfo`.
    pub fn build(&self) -> Vec<u8> {
        let data_oid = tlv::encode(tag::OID, oid::DATA);
        let encap = if self.detached {
            tlv::encode(tag::SEQUENCE, &data_oid)
        } else {
            let explicit = tlv::encode(tag::CTX0, &tlv::encode(tag::OCTET_STRING, self.content));
            tlv::encode_parts(tag::SEQUENCE, &[&data_oid, &explicit])
        };
        let digests: Vec<Vec<u8>> = self
            .digests
            .iter()
            .map(|d| oid::digest_algorithm_identifier(*d))
            .collect();
        let certs: Vec<&[u8]> = self.certificates.iter().map(Vec::as_slice).collect();
        message::assemble(
            &[tag::INTEGER, 1, 1],
            &digests,
            &encap,
            &certs,
            None,
            &self.signer_infos,
        )
    }
}

fn push_unique(v: &mut Vec<Vec<u8>>, item: Vec<u8>) {
    if !v.contains(&item) {
        v.push(item);
    }
}

/// Signs `content` with one signer: a CAdES B-B `ContentInfo` in DER, the content
/// attached unless `detached`.
pub fn sign(
    signer: &mut dyn CertSigner,
    content: &[u8],
    detached: bool,
    options: &SignOptions,
) -> Result<Vec<u8>, Error> {
    let mut b = SignedDataBuilder::new(content, detached);
    b.add_signer(signer, options)?;
    Ok(b.build())
}

/// Adds another signer to an existing SignedData (parallel signature over the same
/// content). `detached_content` is the content when the message does not carry it.
pub fn add_signer(
    cms: &[u8],
    detached_content: Option<&[u8]>,
    signer: &mut dyn CertSigner,
    options: &SignOptions,
) -> Result<Vec<u8>, Error> {
    let sd = SignedDataRef::parse(cms)?;
    let content = match (sd.econtent, detached_content) {
        (Some(c), None) => c,
        (None, Some(c)) => c,
        (Some(_), Some(_)) => {
            return Err(Error::Content("the message already carries its content"));
        }
        (None, None) => return Err(Error::Content("detached message: pass the content")),
    };
    let digest = options.digest.hash(content);
    let si = signer_info(signer, options, &digest, Some(sd.econtent_type))?;
    let mut infos: Vec<Vec<u8>> = sd.signer_infos.iter().map(|s| s.raw.to_vec()).collect();
    infos.push(si);
    let mut certs = vec![signer.certificate_der().to_vec()];
    if options.include_chain {
        certs.extend(signer.chain_der());
    }
    Ok(sd.reassemble(&infos, &certs, &[options.digest]))
}

/// Counter-signs signer `index` of `cms` (RFC 5652 §11.4): a SignerInfo over that
/// signer's signature value, put in its unsigned countersignature attribute.
pub fn add_counter_signature(
    cms: &[u8],
    index: usize,
    signer: &mut dyn CertSigner,
    options: &SignOptions,
) -> Result<Vec<u8>, Error> {
    let sd = SignedDataRef::parse(cms)?;
    let count = sd.signer_infos.len();
    let target = sd
        .signer_infos
        .get(index)
        .ok_or(Error::NoSuchSigner { index, count })?;
    let digest = options.digest.hash(target.signature);
    let counter = signer_info(signer, options, &digest, None)?;
    let attr = attributes::attribute(oid::COUNTER_SIGNATURE, &[&counter]);
    let infos = sd.signer_infos_with_unsigned(index, &attr);
    let mut certs = vec![signer.certificate_der().to_vec()];
    if options.include_chain {
        certs.extend(signer.chain_der());
    }
    Ok(sd.reassemble(&infos, &certs, &[]))
}

/// One SignerInfo over `digest`; `content_type` is None for a counter-signature
/// (which has no content-type attribute, RFC 5652 §11.1).
pub(crate) fn signer_info(
    signer: &mut dyn CertSigner,
    options: &SignOptions,
    digest: &[u8],
    content_type: Option<&[u8]>,
) -> Result<Vec<u8>, Error> {
    let cert_der = signer.certificate_der().to_vec();
    let cert = CertRef::parse(&cert_der)?;
    let mut attrs: Vec<Vec<u8>> = Vec::with_capacity(6);
    if let Some(ct) = content_type {
        attrs.push(attributes::attribute(
            oid::CONTENT_TYPE,
            &[&tlv::encode(tag::OID, ct)],
        ));
    }
    attrs.push(attributes::attribute(
        oid::MESSAGE_DIGEST,
        &[&tlv::encode(tag::OCTET_STRING, digest)],
    ));
    let at = options.signing_time.unwrap_or_else(Timestamp::now);
    attrs.push(attributes::attribute(
        oid::SIGNING_TIME,
        &[&cert::encode_time(at)],
    ));
    attrs.push(attributes::attribute(
        oid::SIGNING_CERTIFICATE_V2,
        &[&attributes::signing_certificate_v2(&cert)],
    ));
    if let Some(p) = &options.policy {
        attrs.push(attributes::attribute(
            oid::SIGNATURE_POLICY,
            &[&attributes::signature_policy(p)?],
        ));
    }
    if let Some(c) = &options.commitment {
        attrs.push(attributes::attribute(
            oid::COMMITMENT_TYPE,
            &[&attributes::commitment_type(c)?],
        ));
    }
    attrs.sort_by(|a, b| tlv::der_set_order(a, b));
    let parts: Vec<&[u8]> = attrs.iter().map(Vec::as_slice).collect();
    let mut signed = tlv::encode_parts(tag::SET, &parts);
    let attrs_digest = options.digest.hash(&signed);
    let signature = signer.sign_digest(options.digest, &attrs_digest)?;
    if options.check_signature
        && rsa_verify::verify(cert.spki, options.digest, &signed, &signature).is_err()
    {
        return Err(Error::SignatureMismatch);
    }
    if let Some(first) = signed.first_mut() {
        *first = tag::CTX0;
    }
    let ias = tlv::encode_parts(tag::SEQUENCE, &[cert.issuer.raw, cert.serial.raw]);
    let sig = tlv::encode(tag::OCTET_STRING, &signature);
    Ok(tlv::encode_parts(
        tag::SEQUENCE,
        &[
            &[tag::INTEGER, 1, 1],
            &ias,
            &oid::digest_algorithm_identifier(options.digest),
            &signed,
            &oid::rsa_signature_algorithm_identifier(),
            &sig,
        ],
    ))
}
