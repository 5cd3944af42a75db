//! The signed submission package: the parts, a manifest that digests each of them, and an
//! enveloped XML signature by the JPKI signature key (the e-Gov 構成管理XML shape).

use base64::{Engine, engine::general_purpose::STANDARD as B64};
use cert_signer::DigestAlgorithm;
use der::Decode;
use hpki_cert::{PathOptions, Purpose, TrustStore, Verdict, validate_path};
use sha2::{Digest, Sha256};
use x509_cert::ext::pkix::{SubjectAltName, name::GeneralName};
use xades_sign::C14nMethod;

use crate::{BasicFourItems, CardSignature, Error};

/// The package's XML namespace.
pub const PACKAGE_NS: &str = "urn:medsign:mynaportal:package:1";
const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SHA256_URI: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// The largest package XML accepted (it holds digests and two certificates, not files).
pub const MAX_PACKAGE_XML: usize = 256 * 1024;
const MAX_PARTS: usize = 16;

/// One file of the package (the form data, an attachment).
#[derive(Clone, PartialEq, Eq)]
pub struct PackagePart {
    /// Its name in the package, which is also its `Reference/@URI` (`form.json`,
    /// `photo`, ...): letters, digits, `.`, `-` and `_` only.
    pub name: String,
    /// Its media type.
    pub media_type: String,
    /// The bytes.
    pub content: Vec<u8>,
}

impl core::fmt::Debug for PackagePart {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Parts are forms and ID photos: never print them.
        f.debug_struct("PackagePart")
            .field("name", &self.name)
            .field("media_type", &self.media_type)
            .field("bytes", &self.content.len())
            .finish()
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        && !name.starts_with('.')
}

fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

fn manifest_xml(parts: &[PackagePart]) -> String {
    let mut m = String::from("<Manifest Id=\"manifest\">");
    for part in parts {
        m.push_str(&format!(
            "<Part MediaType=\"{}\" Size=\"{}\" URI=\"{}\"><DigestMethod Algorithm=\"{SHA256_URI}\"></DigestMethod><DigestValue>{}</DigestValue></Part>",
            escape_attr(&part.media_type),
            part.content.len(),
            escape_attr(&part.name),
            B64.encode(Sha256::digest(&part.content)),
        ));
    }
    m.push_str("</Manifest>");
    m
}

fn signed_info_xml(manifest_digest: &[u8], parts: &[PackagePart]) -> String {
    let mut s = format!(
        "<ds:SignedInfo Id=\"signed-info\"><ds:CanonicalizationMethod Algorithm=\"{EXC_C14N}\"></ds:CanonicalizationMethod><ds:SignatureMethod Algorithm=\"{RSA_SHA256}\"></ds:SignatureMethod><ds:Reference URI=\"#manifest\"><ds:Transforms><ds:Transform Algorithm=\"{EXC_C14N}\"></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm=\"{SHA256_URI}\"></ds:DigestMethod><ds:DigestValue>{}</ds:DigestValue></ds:Reference>",
        B64.encode(manifest_digest)
    );
    for part in parts {
        s.push_str(&format!(
            "<ds:Reference URI=\"{}\"><ds:DigestMethod Algorithm=\"{SHA256_URI}\"></ds:DigestMethod><ds:DigestValue>{}</ds:DigestValue></ds:Reference>",
            escape_attr(&part.name),
            B64.encode(Sha256::digest(&part.content)),
        ));
    }
    s.push_str("</ds:SignedInfo>");
    s
}

fn document(manifest: &str, signed_info: &str, signature_value: &str, key_info: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ApplicationPackage xmlns=\"{PACKAGE_NS}\">{manifest}<ds:Signature xmlns:ds=\"{DSIG_NS}\" Id=\"signature\">{signed_info}<ds:SignatureValue>{signature_value}</ds:SignatureValue>{key_info}</ds:Signature></ApplicationPackage>\n"
    )
}

fn c14n(xml: &str, id: &str) -> Result<Vec<u8>, Error> {
    xades_sign::canonicalize(xml.as_bytes(), Some(id), &C14nMethod::exclusive())
        .map_err(|e| Error::Package(PackageError::Malformed(e.to_string())))
}

/// Builds the package for `parts` and has `sign` sign the SHA-256 digest of its
/// canonical `SignedInfo` (with the JPKI signature key). Returns the package XML.
pub fn sign_package(
    parts: &[PackagePart],
    sign: impl FnOnce(DigestAlgorithm, &[u8]) -> Result<CardSignature, Error>,
) -> Result<String, Error> {
    if parts.is_empty() || parts.len() > MAX_PARTS {
        return Err(Error::Package(PackageError::Structure(format!(
            "a package has 1 to {MAX_PARTS} parts, not {}",
            parts.len()
        ))));
    }
    let mut seen = std::collections::BTreeSet::new();
    for part in parts {
        if !valid_name(&part.name) || !seen.insert(part.name.as_str()) {
            return Err(Error::Package(PackageError::Structure(format!(
                "part name {:?} is not a unique plain file name",
                part.name
            ))));
        }
    }
    let manifest = manifest_xml(parts);
    let skeleton = document(&manifest, "", "", "");
    let manifest_digest = Sha256::digest(c14n(&skeleton, "manifest")?);
    let signed_info = signed_info_xml(&manifest_digest, parts);
    let unsigned = document(&manifest, &signed_info, "", "");
    let digest = Sha256::digest(c14n(&unsigned, "signed-info")?);
    let signed = sign(DigestAlgorithm::Sha256, &digest)?;
    let key_info = format!(
        "<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>",
        B64.encode(&signed.certificate_der),
        B64.encode(&signed.ca_der)
    );
    Ok(document(
        &manifest,
        &signed_info,
        &B64.encode(&signed.signature),
        &key_info,
    ))
}

/// Which check of a package failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PackageError {
    /// The XML does not parse, is too large, or has a DTD: send a package made by
    /// [`sign_package`].
    #[error("the package is not well-formed XML: {0}")]
    Malformed(String),
    /// The XML parses but is not a package of the expected shape (elements, algorithms,
    /// references in manifest order).
    #[error("the package does not have the expected structure: {0}")]
    Structure(String),
    /// The manifest lists other parts than the application has (a part added, missing
    /// or renamed).
    #[error("the package's parts do not match the application: {0}")]
    PartsMismatch(String),
    /// A part's or the manifest's digest does not match: the content was changed after
    /// signing.
    #[error("digest mismatch for {0}: the content changed after signing")]
    DigestMismatch(String),
    /// The signature value does not verify with the certificate's key.
    #[error("the signature value does not verify")]
    BadSignature,
    /// The signature certificate does not chain to a trusted J-LIS root, or one of its
    /// checks failed; the text names the check.
    #[error("the signature certificate is not valid: {0}")]
    Certificate(String),
    /// The signature certificate carries no basic four items, or ones that do not read
    /// as a name, an address, a `YYYYMMDD` birth date and a sex digit (not a JPKI
    /// signature certificate).
    #[error("the signature certificate has no basic four items")]
    NoBasicFour,
}

/// What a verified package proves.
#[derive(Clone, Debug)]
pub struct VerifiedPackage {
    /// The signature certificate (DER).
    pub certificate_der: Vec<u8>,
    /// The basic four items from its subjectAltName.
    pub basic_four: BasicFourItems,
}

fn dsig<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    name: &str,
) -> Result<roxmltree::Node<'a, 'i>, PackageError> {
    node.children()
        .find(|n| {
            n.is_element()
                && n.tag_name().name() == name
                && n.tag_name().namespace() == Some(DSIG_NS)
        })
        .ok_or_else(|| PackageError::Structure(format!("missing ds:{name}")))
}

fn text_b64(node: roxmltree::Node<'_, '_>) -> Result<Vec<u8>, PackageError> {
    let text: String = node
        .text()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    B64.decode(text)
        .map_err(|_| PackageError::Structure(format!("{} is not base64", node.tag_name().name())))
}

fn algorithm(node: roxmltree::Node<'_, '_>, expected: &str) -> Result<(), PackageError> {
    match node.attribute("Algorithm") {
        Some(a) if a == expected => Ok(()),
        other => Err(PackageError::Structure(format!(
            "{} is {other:?}, expected {expected}",
            node.tag_name().name()
        ))),
    }
}

/// Verifies a package against the parts the verifier holds: structure, every digest,
/// the signature, the certificate path to `trust` at `at`; returns the basic four items
/// of the signature certificate for the caller to compare with the applicant.
///
/// The path's revocation status is required and this function brings no CRLs, so a
/// signature certificate below a CA is refused as [`PackageError::Certificate`]
/// (status unknown): give the CRLs or a `hpki_cert::CrlSource` through
/// [`verify_package_with`].
pub fn verify_package(
    xml: &str,
    parts: &[PackagePart],
    trust: &TrustStore,
    at: jiff::Timestamp,
) -> Result<VerifiedPackage, PackageError> {
    verify_package_with(xml, parts, trust, &PathOptions::at(at))
}

/// [`verify_package`] with the path validated under `options` (its time, CRLs, CRL
/// source and revocation policy; the purpose is always nonRepudiation).
pub fn verify_package_with(
    xml: &str,
    parts: &[PackagePart],
    trust: &TrustStore,
    options: &PathOptions,
) -> Result<VerifiedPackage, PackageError> {
    if xml.len() > MAX_PACKAGE_XML {
        return Err(PackageError::Malformed(format!(
            "larger than {MAX_PACKAGE_XML} bytes"
        )));
    }
    let doc = roxmltree::Document::parse_with_options(
        xml,
        roxmltree::ParsingOptions {
            allow_dtd: false,
            nodes_limit: 10_000,
            ..Default::default()
        },
    )
    .map_err(|e| PackageError::Malformed(e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "ApplicationPackage"
        || root.tag_name().namespace() != Some(PACKAGE_NS)
    {
        return Err(PackageError::Structure(
            "root is not ApplicationPackage".into(),
        ));
    }
    let elements: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    let [manifest, signature] = elements.as_slice() else {
        return Err(PackageError::Structure(
            "expected Manifest then ds:Signature".into(),
        ));
    };
    if manifest.tag_name().name() != "Manifest" || manifest.attribute("Id") != Some("manifest") {
        return Err(PackageError::Structure(
            "first child is not Manifest Id=\"manifest\"".into(),
        ));
    }
    if signature.tag_name().name() != "Signature"
        || signature.tag_name().namespace() != Some(DSIG_NS)
    {
        return Err(PackageError::Structure(
            "second child is not ds:Signature".into(),
        ));
    }
    // The manifest: each part's digest must match what the verifier holds.
    let listed: Vec<_> = manifest.children().filter(|n| n.is_element()).collect();
    let names: Vec<&str> = listed
        .iter()
        .map(|p| p.attribute("URI").unwrap_or(""))
        .collect();
    let expected: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    if names != expected {
        return Err(PackageError::PartsMismatch(format!(
            "package lists {names:?}, expected {expected:?}"
        )));
    }
    for (node, part) in listed.iter().zip(parts) {
        let value = node
            .children()
            .find(|n| n.is_element() && n.tag_name().name() == "DigestValue")
            .ok_or_else(|| PackageError::Structure("Part without DigestValue".into()))?;
        if text_b64(value)? != Sha256::digest(&part.content).as_slice() {
            return Err(PackageError::DigestMismatch(part.name.clone()));
        }
    }
    let signed_info = dsig(*signature, "SignedInfo")?;
    if signed_info.attribute("Id") != Some("signed-info") {
        return Err(PackageError::Structure(
            "SignedInfo must carry Id=\"signed-info\"".into(),
        ));
    }
    algorithm(dsig(signed_info, "CanonicalizationMethod")?, EXC_C14N)?;
    algorithm(dsig(signed_info, "SignatureMethod")?, RSA_SHA256)?;
    let references: Vec<_> = signed_info
        .children()
        .filter(|n| n.is_element() && n.tag_name().name() == "Reference")
        .collect();
    let Some((first, files)) = references.split_first() else {
        return Err(PackageError::Structure("no ds:Reference".into()));
    };
    if first.attribute("URI") != Some("#manifest") {
        return Err(PackageError::Structure(
            "the first Reference must be #manifest".into(),
        ));
    }
    let transforms: Vec<_> = dsig(*first, "Transforms")?
        .children()
        .filter(|n| n.is_element())
        .collect();
    match transforms.as_slice() {
        [t] => algorithm(*t, EXC_C14N)?,
        _ => {
            return Err(PackageError::Structure(
                "the manifest Reference has one exc-c14n Transform".into(),
            ));
        }
    }
    algorithm(dsig(*first, "DigestMethod")?, SHA256_URI)?;
    let manifest_c14n =
        xades_sign::canonicalize(xml.as_bytes(), Some("manifest"), &C14nMethod::exclusive())
            .map_err(|e| PackageError::Malformed(e.to_string()))?;
    if text_b64(dsig(*first, "DigestValue")?)? != Sha256::digest(&manifest_c14n).as_slice() {
        return Err(PackageError::DigestMismatch("#manifest".into()));
    }
    if files.len() != parts.len() {
        return Err(PackageError::PartsMismatch(
            "one Reference per part is required".into(),
        ));
    }
    for (reference, part) in files.iter().zip(parts) {
        if reference.attribute("URI") != Some(part.name.as_str()) {
            return Err(PackageError::PartsMismatch(format!(
                "Reference to {:?} out of order",
                part.name
            )));
        }
        if reference
            .children()
            .any(|n| n.is_element() && n.tag_name().name() == "Transforms")
        {
            return Err(PackageError::Structure(
                "file References take no Transforms".into(),
            ));
        }
        algorithm(dsig(*reference, "DigestMethod")?, SHA256_URI)?;
        if text_b64(dsig(*reference, "DigestValue")?)? != Sha256::digest(&part.content).as_slice() {
            return Err(PackageError::DigestMismatch(part.name.clone()));
        }
    }
    // The signature over the canonical SignedInfo.
    let certificates: Vec<Vec<u8>> = dsig(dsig(*signature, "KeyInfo")?, "X509Data")?
        .children()
        .filter(|n| n.is_element() && n.tag_name().name() == "X509Certificate")
        .map(text_b64)
        .collect::<Result<_, _>>()?;
    let Some((leaf, chain)) = certificates.split_first() else {
        return Err(PackageError::Structure("no X509Certificate".into()));
    };
    let value = text_b64(dsig(*signature, "SignatureValue")?)?;
    let info_c14n = xades_sign::canonicalize(
        xml.as_bytes(),
        Some("signed-info"),
        &C14nMethod::exclusive(),
    )
    .map_err(|e| PackageError::Malformed(e.to_string()))?;
    let cert = hpki_cert::Certificate::from_der(leaf)
        .map_err(|e| PackageError::Certificate(e.to_string()))?;
    hpki_cert::verify_rsa_pkcs1(
        cert.spki_der(),
        DigestAlgorithm::Sha256,
        &Sha256::digest(&info_c14n),
        &value,
    )
    .map_err(|_| PackageError::BadSignature)?;
    let report = validate_path(
        leaf,
        chain,
        trust,
        &options.clone().with_purpose(Purpose::NonRepudiation),
    );
    if report.verdict != Verdict::Valid {
        let detail = report
            .first_failure()
            .map(|c| format!("{} ({}): {}", c.name, c.verdict, c.detail))
            .unwrap_or_else(|| report.verdict.to_string());
        return Err(PackageError::Certificate(detail));
    }
    let basic_four = basic_four_from_certificate(leaf).ok_or(PackageError::NoBasicFour)?;
    Ok(VerifiedPackage {
        certificate_der: leaf.clone(),
        basic_four,
    })
}

/// The basic four items in a JPKI signature certificate's subjectAltName (otherName
/// `1.2.392.200149.8.5.5.{1,5,4,3}`: name, address, birth date, sex).
pub fn basic_four_from_certificate(der: &[u8]) -> Option<BasicFourItems> {
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    let (_, san) = cert
        .tbs_certificate()
        .get_extension::<SubjectAltName>()
        .ok()??;
    let mut found: [Option<String>; 4] = [None, None, None, None];
    for name in &san.0 {
        if let GeneralName::OtherName(other) = name {
            let slot = match other.type_id.to_string().as_str() {
                "1.2.392.200149.8.5.5.1" => 0,
                "1.2.392.200149.8.5.5.5" => 1,
                "1.2.392.200149.8.5.5.4" => 2,
                "1.2.392.200149.8.5.5.3" => 3,
                _ => continue,
            };
            let text = String::from_utf8(other.value.value().to_vec()).ok()?;
            if let Some(s) = found.get_mut(slot) {
                *s = Some(text);
            }
        }
    }
    let [Some(name), Some(address), Some(birth_date), Some(sex)] = found else {
        return None;
    };
    BasicFourItems::from_encoded(name, address, &birth_date, &sex).ok()
}

/// The package parts of an application, in package order: `form.json` (the application
/// with the attachment bytes left out) then each attached file present (`photo`,
/// `id-document`, `licence-front`, `licence-back`, `surname-change-proof`,
/// `former-name-proof`). Client and portal both build it, so the bytes are the same.
pub fn application_parts(
    application: &authority_forms::Application,
) -> Result<Vec<PackagePart>, Error> {
    let a = &application.attachments;
    let files: [(&str, Option<&authority_forms::Attachment>); 6] = [
        ("photo", Some(&a.photo.file)),
        ("id-document", Some(&a.id_document.file)),
        ("licence-front", Some(&a.licence.front)),
        ("licence-back", a.licence.back.as_ref()),
        (
            "surname-change-proof",
            a.licence.surname_change_proof.as_ref(),
        ),
        ("former-name-proof", a.former_name_proof.as_ref()),
    ];
    let mut form = application.clone();
    strip_attachments(&mut form);
    let form_json = serde_json::to_vec(&form).map_err(|e| Error::Protocol(e.to_string()))?;
    let mut parts = vec![PackagePart {
        name: "form.json".into(),
        media_type: "application/json".into(),
        content: form_json,
    }];
    for (name, file) in files {
        if let Some(file) = file {
            let media_type = match file.format() {
                Some(authority_forms::FileFormat::Jpeg) => "image/jpeg",
                Some(authority_forms::FileFormat::Png) => "image/png",
                Some(authority_forms::FileFormat::Bmp) => "image/bmp",
                Some(authority_forms::FileFormat::Pdf) => "application/pdf",
                _ => "application/octet-stream",
            };
            parts.push(PackagePart {
                name: name.into(),
                media_type: media_type.into(),
                content: file.content.to_vec(),
            });
        }
    }
    Ok(parts)
}

/// Empties every attachment's bytes (names kept): the form as `form.json` and the
/// review carry it.
pub fn strip_attachments(application: &mut authority_forms::Application) {
    let a = &mut application.attachments;
    for file in [
        Some(&mut a.photo.file),
        Some(&mut a.id_document.file),
        Some(&mut a.licence.front),
        a.licence.back.as_mut(),
        a.licence.surname_change_proof.as_mut(),
        a.former_name_proof.as_mut(),
    ]
    .into_iter()
    .flatten()
    {
        file.content = Default::default();
    }
}
