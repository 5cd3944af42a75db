//! Building EPS1.0/EPD1.0 documents and signing them (XAdES-BES, shaped like the
//! service's real samples).

use base64::Engine as _;
use cert_signer::{CertSigner, DigestAlgorithm};

use crate::{
    Error,
    c14n::{C14nMethod, canonicalize_subtree},
    verify::{DSIG, RSA_SHA256, SHA256_URI, SIGNED_PROPERTIES_TYPE, XADES},
    xml::{self, Limits},
};

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const EXC: &str = C14nMethod::EXCLUSIVE_URI;

/// A prescription (`EPS1.0`) to be signed.
///
/// ```text
/// <Document id="Document" xsi:noNamespaceSchemaLocation="EP.xsd">
///   <Prescription>
///     <PrescriptionManagement id="PrescriptionManagement">
///       <Version Value="EPS1.0"/><PrescriptionId Value="<uuid>"/>
///     </PrescriptionManagement>
///     <PrescriptionDocument id="PrescriptionDocument">base64 of the CSV</PrescriptionDocument>
///     <AdditionalPrescriptionInformation id="…">…</AdditionalPrescriptionInformation>
///     <PrescriptionSign><ds:Signature Id="PrescriptionSign">…</ds:Signature></PrescriptionSign>
///   </Prescription>
/// </Document>
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prescription {
    csv: String,
    id: uuid::Uuid,
    additional: Option<String>,
}

impl Prescription {
    /// A prescription with the CSV text (`SJ1…` records) and a fresh random
    /// `PrescriptionId`.
    pub fn new(csv: impl Into<String>) -> Self {
        Self {
            csv: csv.into(),
            id: uuid::Uuid::new_v4(),
            additional: None,
        }
    }

    /// Uses `id` as the `PrescriptionId` (for reproducible output).
    #[must_use]
    pub fn with_id(mut self, id: uuid::Uuid) -> Self {
        self.id = id;
        self
    }

    /// Adds `AdditionalPrescriptionInformation` with `xml` (a well-formed XML fragment,
    /// e.g. `<ConversionPharmaceuticalCode>…</ConversionPharmaceuticalCode>`) as content.
    #[must_use]
    pub fn with_additional_information(mut self, xml: impl Into<String>) -> Self {
        self.additional = Some(xml.into());
        self
    }

    /// The `PrescriptionId`.
    pub fn id(&self) -> uuid::Uuid {
        self.id
    }
}

/// A dispensing record (`EPD1.0`) embedding a signed prescription.
///
/// ```text
/// <Document id="Document" xsi:noNamespaceSchemaLocation="ED.xsd">
///   <DispensingManagement id="DispensingManagement">
///     <Version Value="EPD1.0"/><DispensingId Value="<uuid>"/>
///   </DispensingManagement>
///   <Dispensing id="Dispensing">
///     <ReferencePrescription>(the signed prescription's content)</ReferencePrescription>
///     <DispensingDocument id="DispensingDocument">base64 of the CSV</DispensingDocument>
///   </Dispensing>
///   <AdditionalDispensedInformation id="…">…</AdditionalDispensedInformation>
///   <DispensingSign><ds:Signature Id="DispensingSign">…</ds:Signature></DispensingSign>
/// </Document>
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dispensing {
    csv: String,
    id: uuid::Uuid,
    prescription: Vec<u8>,
    additional: Option<String>,
}

impl Dispensing {
    /// A dispensing record with the CSV text (`CJ1…`), embedding the signed prescription
    /// document `signed_prescription` (its `Prescription` element's content is copied
    /// verbatim so the prescriber's signature stays verifiable).
    pub fn new(csv: impl Into<String>, signed_prescription: impl Into<Vec<u8>>) -> Self {
        Self {
            csv: csv.into(),
            id: uuid::Uuid::new_v4(),
            prescription: signed_prescription.into(),
            additional: None,
        }
    }

    /// Uses `id` as the `DispensingId`.
    #[must_use]
    pub fn with_id(mut self, id: uuid::Uuid) -> Self {
        self.id = id;
        self
    }

    /// Adds `AdditionalDispensedInformation` with `xml` (a well-formed fragment).
    #[must_use]
    pub fn with_additional_information(mut self, xml: impl Into<String>) -> Self {
        self.additional = Some(xml.into());
        self
    }
}

/// The `Id`s of one signature's elements: `<tag>-SignedInfo`, `<tag>-KeyInfo`, … as in
/// the service's samples (`id898cfb77-SignedInfo`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureIds {
    tag: String,
}

impl SignatureIds {
    /// Fresh ids (`id` and 8 random hex digits).
    pub fn random() -> Self {
        let u = uuid::Uuid::new_v4().simple().to_string();
        Self {
            tag: format!("id{}", u.get(..8).unwrap_or(&u)),
        }
    }

    /// Fixed ids from `tag`, which must be an XML NCName of ASCII letters, digits, `_`,
    /// `-` and `.` starting with a letter or `_`.
    pub fn from_tag(tag: &str) -> Result<Self, Error> {
        let ok = tag
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !ok {
            return Err(Error::InvalidInput(format!(
                "{tag:?} is not a usable id tag"
            )));
        }
        Ok(Self {
            tag: tag.to_owned(),
        })
    }
}

/// When and with which ids to sign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignOptions {
    /// The `SigningTime` (whole seconds are written, in UTC).
    pub signing_time: jiff::Timestamp,
    /// The element ids.
    pub ids: SignatureIds,
}

impl SignOptions {
    /// Now, with random ids.
    pub fn now() -> Self {
        Self {
            signing_time: jiff::Timestamp::now(),
            ids: SignatureIds::random(),
        }
    }
}

/// A document ready to be signed: everything but the signature value.
///
/// Hand [`digest`](Self::digest) (SHA-256 of the exclusive canonical `SignedInfo`) to a
/// signer, then [`finish`](Self::finish) with the raw RSA signature. Use this to batch
/// many documents into one [`CertSigner::sign_digests`] call ([`sign_prepared`]).
#[derive(Clone, Debug)]
pub struct PreparedDocument {
    head: String,
    signed_info: String,
    middle: String,
    tail: String,
    digest: Vec<u8>,
}

impl PreparedDocument {
    /// SHA-256 of the canonical `SignedInfo`: what the signer signs.
    pub fn digest(&self) -> &[u8] {
        &self.digest
    }

    /// The signed document, with `signature` (the raw RSASSA-PKCS1-v1_5 value) inserted.
    pub fn finish(self, signature: &[u8]) -> Vec<u8> {
        let sv = base64::engine::general_purpose::STANDARD.encode(signature);
        let mut out = String::with_capacity(
            self.head.len()
                + self.signed_info.len()
                + self.middle.len()
                + self.tail.len()
                + sv.len(),
        );
        out.push_str(&self.head);
        out.push_str(&self.signed_info);
        out.push_str(&self.middle);
        out.push_str(&sv);
        out.push_str(&self.tail);
        out.into_bytes()
    }
}

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn sha256_b64(data: &[u8]) -> String {
    b64(&DigestAlgorithm::Sha256.hash(data))
}

fn check_fragment(xml_fragment: &str) -> Result<(), Error> {
    let wrapped = format!("<a>{xml_fragment}</a>");
    xml::parse(&wrapped, &Limits::default())
        .map(|_| ())
        .map_err(|e| Error::InvalidInput(format!("additional information: {e}")))
}

/// Builds everything around the signature value. `content_c14n` is the inclusive
/// canonical form of the element reference 1 covers.
fn prepare(
    head: String,
    tail_after_signature: &str,
    sig_id: &str,
    content_uri: &str,
    content_c14n: &[u8],
    cert_der: &[u8],
    opts: &SignOptions,
) -> PreparedDocument {
    let t = &opts.ids.tag;
    let time = opts
        .signing_time
        .strftime("%Y-%m-%dT%H:%M:%S+00:00")
        .to_string();
    let cert_b64 = b64(cert_der);
    let cert_digest = sha256_b64(cert_der);

    let key_info = |decl: &str| {
        format!(
            "<ds:KeyInfo{decl} Id=\"{t}-KeyInfo\"><ds:X509Data><ds:X509Certificate>{cert_b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
        )
    };
    let signed_props = |xa: &str, ds: &str| {
        format!(
            "<xa:SignedProperties{xa} Id=\"{t}-SignedProperties\"><xa:SignedSignatureProperties><xa:SigningTime>{time}</xa:SigningTime><xa:SigningCertificateV2><xa:Cert><xa:CertDigest><ds:DigestMethod{ds} Algorithm=\"{SHA256_URI}\"></ds:DigestMethod><ds:DigestValue{ds}>{cert_digest}</ds:DigestValue></xa:CertDigest></xa:Cert></xa:SigningCertificateV2></xa:SignedSignatureProperties></xa:SignedProperties>"
        )
    };
    let ds_decl = format!(" xmlns:ds=\"{DSIG}\"");
    let xa_decl = format!(" xmlns:xa=\"{XADES}\"");
    let d1 = sha256_b64(content_c14n);
    let d2 = sha256_b64(key_info(&ds_decl).as_bytes());
    let d3 = sha256_b64(signed_props(&xa_decl, &ds_decl).as_bytes());
    let signed_info = |decl: &str| {
        format!(
            "<ds:SignedInfo{decl} Id=\"{t}-SignedInfo\"><ds:CanonicalizationMethod Algorithm=\"{EXC}\"></ds:CanonicalizationMethod><ds:SignatureMethod Algorithm=\"{RSA_SHA256}\"></ds:SignatureMethod>\
<ds:Reference Id=\"{t}-Reference1-Detached\" URI=\"{content_uri}\"><ds:DigestMethod Algorithm=\"{SHA256_URI}\"></ds:DigestMethod><ds:DigestValue>{d1}</ds:DigestValue></ds:Reference>\
<ds:Reference Id=\"{t}-Reference2-KeyInfo\" URI=\"#{t}-KeyInfo\"><ds:Transforms><ds:Transform Algorithm=\"{EXC}\"></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm=\"{SHA256_URI}\"></ds:DigestMethod><ds:DigestValue>{d2}</ds:DigestValue></ds:Reference>\
<ds:Reference Id=\"{t}-Reference3-SignedProperties\" Type=\"{SIGNED_PROPERTIES_TYPE}\" URI=\"#{t}-SignedProperties\"><ds:Transforms><ds:Transform Algorithm=\"{EXC}\"></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm=\"{SHA256_URI}\"></ds:DigestMethod><ds:DigestValue>{d3}</ds:DigestValue></ds:Reference></ds:SignedInfo>"
        )
    };
    let digest = DigestAlgorithm::Sha256.hash(signed_info(&ds_decl).as_bytes());

    let mut head = head;
    head.push_str(&format!("<ds:Signature{ds_decl} Id=\"{sig_id}\">"));
    let middle = format!("<ds:SignatureValue Id=\"{t}-SignatureValue\">");
    let tail = format!(
        "</ds:SignatureValue>{}<ds:Object><xa:QualifyingProperties{xa_decl} Id=\"{t}-QualifyingProperties\" Target=\"#{sig_id}\">{}</xa:QualifyingProperties></ds:Object></ds:Signature>{tail_after_signature}",
        key_info(""),
        signed_props("", ""),
    );
    PreparedDocument {
        head,
        signed_info: signed_info(""),
        middle,
        tail,
        digest,
    }
}

/// Prepares a prescription for signing by the holder of `cert_der`.
pub fn prepare_prescription(
    prescription: &Prescription,
    cert_der: &[u8],
    opts: &SignOptions,
) -> Result<PreparedDocument, Error> {
    if prescription.csv.is_empty() {
        return Err(Error::InvalidInput("the prescription CSV is empty".into()));
    }
    let doc_b64 = b64(prescription.csv.as_bytes());
    let content_c14n = format!(
        "<PrescriptionDocument xmlns:xsi=\"{XSI}\" id=\"PrescriptionDocument\">{doc_b64}</PrescriptionDocument>"
    );
    let mut head = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Document xmlns:xsi=\"{XSI}\" id=\"Document\" xsi:noNamespaceSchemaLocation=\"EP.xsd\"><Prescription><PrescriptionManagement id=\"PrescriptionManagement\"><Version Value=\"EPS1.0\"></Version><PrescriptionId Value=\"{}\"></PrescriptionId></PrescriptionManagement><PrescriptionDocument id=\"PrescriptionDocument\">{doc_b64}</PrescriptionDocument>",
        prescription.id
    );
    if let Some(extra) = &prescription.additional {
        check_fragment(extra)?;
        head.push_str(&format!(
            "<AdditionalPrescriptionInformation id=\"AdditionalPrescriptionInformation\">{extra}</AdditionalPrescriptionInformation>"
        ));
    }
    head.push_str("<PrescriptionSign>");
    Ok(prepare(
        head,
        "</PrescriptionSign></Prescription></Document>",
        "PrescriptionSign",
        "#PrescriptionDocument",
        content_c14n.as_bytes(),
        cert_der,
        opts,
    ))
}

/// Prepares a dispensing record for signing by the holder of `cert_der`.
pub fn prepare_dispensing(
    dispensing: &Dispensing,
    cert_der: &[u8],
    opts: &SignOptions,
) -> Result<PreparedDocument, Error> {
    if dispensing.csv.is_empty() {
        return Err(Error::InvalidInput("the dispensing CSV is empty".into()));
    }
    let limits = Limits::default();
    let text = xml::check_input(&dispensing.prescription, &limits)?;
    let parsed = xml::parse(text, &limits)?;
    let prescription = parsed
        .doc
        .root_element()
        .children()
        .find(|n| n.has_tag_name("Prescription"))
        .ok_or_else(|| Error::InvalidInput("the embedded document is not a prescription".into()))?;
    let (Some(first), Some(last)) = (prescription.first_child(), prescription.last_child()) else {
        return Err(Error::InvalidInput(
            "the embedded prescription is empty".into(),
        ));
    };
    let inner = text
        .get(first.range().start..last.range().end)
        .ok_or_else(|| Error::InvalidInput("embedded prescription range".into()))?;
    let doc_b64 = b64(dispensing.csv.as_bytes());
    let mut head = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Document xmlns:xsi=\"{XSI}\" id=\"Document\" xsi:noNamespaceSchemaLocation=\"ED.xsd\"><DispensingManagement id=\"DispensingManagement\"><Version Value=\"EPD1.0\"></Version><DispensingId Value=\"{}\"></DispensingId></DispensingManagement><Dispensing id=\"Dispensing\"><ReferencePrescription>{inner}</ReferencePrescription><DispensingDocument id=\"DispensingDocument\">{doc_b64}</DispensingDocument></Dispensing>",
        dispensing.id
    );
    if let Some(extra) = &dispensing.additional {
        check_fragment(extra)?;
        head.push_str(&format!(
            "<AdditionalDispensedInformation id=\"AdditionalDispensedInformation\">{}</AdditionalDispensedInformation>",
            extra
        ));
    }
    // Reference 1 covers the whole Dispensing element: canonicalize it in place.
    let probe = format!("{head}</Document>");
    let parsed = xml::parse(&probe, &limits)?;
    let node = parsed
        .ids
        .get("Dispensing")
        .and_then(|id| parsed.doc.get_node(*id))
        .ok_or_else(|| Error::InvalidInput("Dispensing element not found".into()))?;
    let mut content_c14n = Vec::new();
    canonicalize_subtree(node, &C14nMethod::Inclusive, &mut content_c14n);
    head.push_str("<DispensingSign>");
    Ok(prepare(
        head,
        "</DispensingSign></Document>",
        "DispensingSign",
        "#Dispensing",
        &content_c14n,
        cert_der,
        opts,
    ))
}

/// Signs prepared documents with one [`CertSigner::sign_digests`] call (one round trip
/// for a remote signer).
pub fn sign_prepared(
    signer: &mut dyn CertSigner,
    prepared: Vec<PreparedDocument>,
) -> Result<Vec<Vec<u8>>, Error> {
    let digests: Vec<&[u8]> = prepared.iter().map(PreparedDocument::digest).collect();
    let signatures = signer.sign_digests(DigestAlgorithm::Sha256, &digests)?;
    if signatures.len() != prepared.len() {
        return Err(Error::SignatureCount {
            expected: prepared.len(),
            got: signatures.len(),
        });
    }
    Ok(prepared
        .into_iter()
        .zip(signatures)
        .map(|(p, s)| p.finish(&s))
        .collect())
}

/// Builds and signs a prescription: one `sign_digest` call on `signer`.
pub fn sign_prescription(
    prescription: &Prescription,
    signer: &mut dyn CertSigner,
    opts: &SignOptions,
) -> Result<Vec<u8>, Error> {
    let prepared = prepare_prescription(prescription, signer.certificate_der(), opts)?;
    let signature = signer.sign_digest(DigestAlgorithm::Sha256, prepared.digest())?;
    Ok(prepared.finish(&signature))
}

/// Builds and signs a dispensing record: one `sign_digest` call on `signer`.
pub fn sign_dispensing(
    dispensing: &Dispensing,
    signer: &mut dyn CertSigner,
    opts: &SignOptions,
) -> Result<Vec<u8>, Error> {
    let prepared = prepare_dispensing(dispensing, signer.certificate_der(), opts)?;
    let signature = signer.sign_digest(DigestAlgorithm::Sha256, prepared.digest())?;
    Ok(prepared.finish(&signature))
}
