//! The parts of one `ds:Signature`, read leniently so that a signature outside the
//! e-prescription profile still gets its cryptographic checks, and the profile's rules
//! checked on top of them.

use base64::Engine as _;
use cert_signer::DigestAlgorithm;
use roxmltree::{Node, NodeId};

use super::{DSIG, RSA_SHA256, SIGNED_PROPERTIES_TYPE, XADES};
use crate::{
    c14n::C14nMethod,
    error::LimitExceeded,
    report::Role,
    xml::{Limits, Parsed},
};

/// One `ds:Reference`, as far as it could be read.
pub(super) struct Reference<'a, 'i> {
    pub uri: String,
    pub method: C14nMethod,
    pub digest_alg: Option<String>,
    pub digest_value: String,
    pub target: Option<Node<'a, 'i>>,
    pub type_attr: Option<&'a str>,
}

/// The parts of one signature, found where XMLDSig and XAdES put them.
pub(super) struct Parts<'a, 'i> {
    pub sig: Node<'a, 'i>,
    pub signed_info: Node<'a, 'i>,
    pub signed_info_c14n: Result<C14nMethod, String>,
    pub signature_method: &'a str,
    pub signature_value: Node<'a, 'i>,
    pub key_info: Option<Node<'a, 'i>>,
    /// Every `ds:Reference`, or why it could not be read.
    pub references: Vec<Result<Reference<'a, 'i>, String>>,
    /// Elements of SignedInfo after SignatureMethod that are not `ds:Reference`.
    pub stray_in_signed_info: usize,
    /// Elements after KeyInfo (or SignatureValue) that are not `ds:Object`.
    pub stray_after_key_info: usize,
    pub qualifying_properties: Vec<Node<'a, 'i>>,
    pub signed_properties: Option<Node<'a, 'i>>,
    pub unsigned_signature_properties: Option<Node<'a, 'i>>,
    /// The `ds:Object`s other than the one holding the QualifyingProperties.
    pub other_objects: Vec<Node<'a, 'i>>,
    pub signing_time: Option<String>,
    /// Which element reference 1 must cover.
    pub expected_content: Option<NodeId>,
}

impl<'a, 'i> Parts<'a, 'i> {
    /// Reads the parts. `Err` only when not even SignedInfo and SignatureValue are
    /// there: then nothing can be checked.
    /// More References than [`Limits::max_references`] is such a case: none is read
    /// (nor digested).
    pub fn read(
        parsed: &'a Parsed<'i>,
        sig: Node<'a, 'i>,
        role: Role,
        limits: &Limits,
    ) -> Result<Self, String> {
        let mut elems = sig.children().filter(Node::is_element);
        let signed_info = elems
            .next()
            .filter(|n| n.has_tag_name((DSIG, "SignedInfo")))
            .ok_or("the first child of ds:Signature is not ds:SignedInfo")?;
        let signature_value = elems
            .next()
            .filter(|n| n.has_tag_name((DSIG, "SignatureValue")))
            .ok_or("ds:SignatureValue missing after ds:SignedInfo")?;
        let mut rest: Vec<Node<'a, 'i>> = elems.collect();
        let key_info = match rest.first() {
            Some(k) if k.has_tag_name((DSIG, "KeyInfo")) => Some(rest.remove(0)),
            _ => None,
        };
        let stray_after_key_info = rest
            .iter()
            .filter(|o| !o.has_tag_name((DSIG, "Object")))
            .count();
        let objects: Vec<Node<'a, 'i>> = rest
            .into_iter()
            .filter(|o| o.has_tag_name((DSIG, "Object")))
            .collect();

        let count = signed_info
            .children()
            .filter(|n| n.has_tag_name((DSIG, "Reference")))
            .count();
        if count > limits.max_references {
            return Err(crate::Error::from(LimitExceeded::References {
                count,
                limit: limits.max_references,
            })
            .to_string());
        }
        let mut si = signed_info.children().filter(Node::is_element).peekable();
        let signed_info_c14n = si
            .next_if(|n| n.has_tag_name((DSIG, "CanonicalizationMethod")))
            .ok_or_else(|| "ds:CanonicalizationMethod missing".to_owned())
            .and_then(c14n_of);
        let signature_method = si
            .next_if(|n| n.has_tag_name((DSIG, "SignatureMethod")))
            .and_then(|n| n.attribute("Algorithm"))
            .unwrap_or_default();
        let mut references = Vec::new();
        let mut stray_in_signed_info = 0;
        for r in si {
            if r.has_tag_name((DSIG, "Reference")) {
                references.push(read_reference(parsed, r));
            } else {
                stray_in_signed_info += 1;
            }
        }

        let qp_pairs: Vec<(Node<'a, 'i>, Node<'a, 'i>)> = objects
            .iter()
            .filter_map(|o| child(*o, XADES, "QualifyingProperties").map(|q| (*o, q)))
            .collect();
        let qp = qp_pairs.first().map(|(_, q)| *q);
        let qp_object = qp_pairs.first().map(|(o, _)| o.id());
        let signed_properties = qp.and_then(|q| child(q, XADES, "SignedProperties"));
        let signing_time = signed_properties
            .and_then(|sp| child(sp, XADES, "SignedSignatureProperties"))
            .and_then(|ssp| child(ssp, XADES, "SigningTime"))
            .map(text_of);
        let unsigned_signature_properties = qp
            .and_then(|q| child(q, XADES, "UnsignedProperties"))
            .and_then(|u| child(u, XADES, "UnsignedSignatureProperties"));
        let other_objects = objects
            .iter()
            .filter(|o| Some(o.id()) != qp_object)
            .copied()
            .collect();
        Ok(Self {
            sig,
            signed_info,
            signed_info_c14n,
            signature_method,
            signature_value,
            key_info,
            references,
            stray_in_signed_info,
            stray_after_key_info,
            qualifying_properties: qp_pairs.iter().map(|(_, q)| *q).collect(),
            signed_properties,
            unsigned_signature_properties,
            other_objects,
            signing_time,
            expected_content: expected_content(sig, role),
        })
    }

    /// An element of UnsignedSignatureProperties.
    pub fn unsigned_child(&self, ns: &str, name: &str) -> Option<Node<'a, 'i>> {
        self.unsigned_signature_properties
            .and_then(|u| child(u, ns, name))
    }

    /// The Ok references.
    pub fn readable_references(&self) -> impl Iterator<Item = &Reference<'a, 'i>> {
        self.references.iter().filter_map(|r| r.as_ref().ok())
    }

    /// The rules of the e-prescription profile (docs/spec/signatures.md §1) this signature
    /// breaks, in the order they are checked; empty when it follows the profile.
    pub fn profile_violations(&self, role: Role) -> Vec<String> {
        let mut v = Vec::new();
        if role == Role::Unknown {
            v.push(
                "the signature is not at a prescribed position (PrescriptionSign/DispensingSign)"
                    .to_owned(),
            );
        }
        let sig_id = self.sig.attribute("Id");
        if sig_id.is_none() {
            v.push("ds:Signature has no Id".into());
        }
        if self.key_info.is_none() {
            v.push("ds:KeyInfo missing after ds:SignatureValue".into());
        }
        if self.stray_after_key_info > 0 {
            v.push("unexpected element after ds:KeyInfo".into());
        }
        if let Err(e) = &self.signed_info_c14n {
            v.push(e.clone());
        }
        if self.signature_method != RSA_SHA256 {
            v.push(format!(
                "SignatureMethod {:?} is not rsa-sha256",
                self.signature_method
            ));
        }
        if self.stray_in_signed_info > 0 {
            v.push("unexpected element in ds:SignedInfo".into());
        }
        for r in &self.references {
            if let Err(e) = r {
                v.push(e.clone());
            }
        }
        if self.references.len() != 3 {
            v.push(format!(
                "ds:SignedInfo has {} References, three are prescribed",
                self.references.len()
            ));
        }
        let typed = self
            .readable_references()
            .filter(|r| r.type_attr == Some(SIGNED_PROPERTIES_TYPE))
            .count();
        if typed != 1 {
            v.push(format!(
                "{typed} References have Type {SIGNED_PROPERTIES_TYPE}, exactly one is prescribed"
            ));
        }
        match self.qualifying_properties.as_slice() {
            [] => v.push("no xades:QualifyingProperties".into()),
            [qp] => {
                if let Some(id) = sig_id
                    && qp.attribute("Target") != Some(&format!("#{id}"))
                {
                    v.push(format!("QualifyingProperties Target is not #{id}"));
                }
            }
            _ => v.push("more than one xades:QualifyingProperties".into()),
        }
        match self.signed_properties {
            None => v.push("no xades:SignedProperties".into()),
            Some(sp) => {
                if child(sp, XADES, "SignedSignatureProperties").is_none() {
                    v.push("no xades:SignedSignatureProperties".into());
                }
                let sp_refs: Vec<&Reference<'_, '_>> = self
                    .readable_references()
                    .filter(|r| r.target.map(|t| t.id()) == Some(sp.id()))
                    .collect();
                match sp_refs.as_slice() {
                    [one] if one.type_attr != Some(SIGNED_PROPERTIES_TYPE) => v.push(format!(
                        "the SignedProperties Reference has Type {:?}, not {SIGNED_PROPERTIES_TYPE}",
                        one.type_attr
                    )),
                    [_] => {}
                    _ => v.push("no single Reference to the signature's SignedProperties".into()),
                }
            }
        }
        if let Some(ki) = self.key_info
            && !self
                .readable_references()
                .any(|r| r.target.map(|t| t.id()) == Some(ki.id()))
        {
            v.push("no Reference to the signature's KeyInfo".into());
        }
        let want = match role {
            Role::Dispensing => "#Dispensing",
            _ => "#PrescriptionDocument",
        };
        match self.references.first() {
            Some(Ok(first)) if first.uri != want => v.push(format!(
                "the first Reference is {:?}, {want} is prescribed for a {} signature",
                first.uri,
                role.as_str()
            )),
            None => v.push("no Reference".into()),
            _ => {}
        }
        v
    }
}

/// The element the first Reference of a signature with `role` must cover: the
/// PrescriptionDocument next to the PrescriptionSign, or the Dispensing element the
/// DispensingSign follows.
fn expected_content(sig: Node<'_, '_>, role: Role) -> Option<NodeId> {
    if role == Role::Unknown {
        return None;
    }
    let wrapper = sig.parent_element()?;
    let container = wrapper.parent_element()?;
    let name = match role {
        Role::Dispensing => "Dispensing",
        _ => "PrescriptionDocument",
    };
    let mut found = container.children().filter(|n| n.has_tag_name(name));
    let one = found.next()?;
    found.next().is_none().then_some(one.id())
}

pub(super) fn c14n_of(node: Node<'_, '_>) -> Result<C14nMethod, String> {
    let alg = node.attribute("Algorithm").unwrap_or_default();
    let method =
        C14nMethod::from_uri(alg).ok_or_else(|| format!("unsupported canonicalization {alg:?}"))?;
    Ok(match method {
        C14nMethod::Exclusive { .. } => {
            let prefixes = node
                .children()
                .find(|n| n.tag_name().name() == "InclusiveNamespaces")
                .and_then(|n| n.attribute("PrefixList"))
                .map(|l| l.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default();
            C14nMethod::Exclusive {
                inclusive_prefixes: prefixes,
            }
        }
        other => other,
    })
}

fn read_reference<'a, 'i>(
    parsed: &'a Parsed<'i>,
    r: Node<'a, 'i>,
) -> Result<Reference<'a, 'i>, String> {
    let uri = r
        .attribute("URI")
        .ok_or("a Reference has no URI")?
        .to_owned();
    let mut method = C14nMethod::Inclusive;
    let mut elems = r.children().filter(Node::is_element).peekable();
    if let Some(t) = elems.next_if(|n| n.has_tag_name((DSIG, "Transforms"))) {
        let transforms: Vec<Node<'_, '_>> = t.children().filter(Node::is_element).collect();
        match transforms.as_slice() {
            [one] if one.has_tag_name((DSIG, "Transform")) => method = c14n_of(*one)?,
            _ => {
                return Err(format!(
                    "Reference {uri}: only one c14n Transform is supported"
                ));
            }
        }
    }
    let dm = elems
        .next()
        .filter(|n| n.has_tag_name((DSIG, "DigestMethod")))
        .ok_or_else(|| format!("Reference {uri}: no DigestMethod"))?;
    let dv = elems
        .next()
        .filter(|n| n.has_tag_name((DSIG, "DigestValue")))
        .ok_or_else(|| format!("Reference {uri}: no DigestValue"))?;
    let id = uri
        .strip_prefix('#')
        .ok_or_else(|| format!("Reference URI {uri:?} is not a same-document #id"))?;
    let target = parsed.ids.get(id).and_then(|n| parsed.doc.get_node(*n));
    Ok(Reference {
        method,
        digest_alg: dm.attribute("Algorithm").map(str::to_owned),
        digest_value: text_of(dv),
        target,
        type_attr: r.attribute("Type"),
        uri,
    })
}

/// The text of `node`, borrowed from the document when it is one text node (the
/// usual shape of base64 content), so that decoding a certificate, CRL or token does
/// not first copy its text; otherwise [`text_of`].
pub(super) fn text_ref<'a>(node: Node<'a, '_>) -> std::borrow::Cow<'a, str> {
    match node.first_child() {
        Some(only) if only.is_text() && only.next_sibling().is_none() => {
            std::borrow::Cow::Borrowed(only.text().unwrap_or_default())
        }
        _ => std::borrow::Cow::Owned(text_of(node)),
    }
}

pub(super) fn text_of(node: Node<'_, '_>) -> String {
    node.descendants()
        .filter(Node::is_text)
        .filter_map(|n| n.text())
        .collect()
}

/// Decodes base64 that may be broken into lines (XML Schema's base64Binary allows
/// whitespace anywhere).
pub(super) fn decode_b64(text: &str) -> Result<Vec<u8>, String> {
    let bytes = text.as_bytes();
    let mut compact = Vec::with_capacity(bytes.len());
    // Base64 in XML comes in lines: find the line breaks with memchr and copy each
    // line without its surrounding whitespace; a line with whitespace inside (rare)
    // is filtered byte by byte.
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len())) {
        let line = bytes.get(start..end).unwrap_or_default().trim_ascii();
        // XML whitespace is space, tab, CR and LF (form feed cannot occur in XML).
        if memchr::memchr3(b' ', b'\t', b'\r', line).is_some() {
            compact.extend(line.iter().filter(|b| !b.is_ascii_whitespace()));
        } else {
            compact.extend_from_slice(line);
        }
        start = end.saturating_add(1);
    }
    base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|e| format!("bad base64: {e}"))
}

pub(super) fn digest_from_uri(uri: &str) -> Option<DigestAlgorithm> {
    match uri {
        super::SHA256_URI => Some(DigestAlgorithm::Sha256),
        "http://www.w3.org/2001/04/xmldsig-more#sha384" => Some(DigestAlgorithm::Sha384),
        "http://www.w3.org/2001/04/xmlenc#sha512" => Some(DigestAlgorithm::Sha512),
        _ => None,
    }
}

pub(super) fn child<'a, 'i>(node: Node<'a, 'i>, ns: &str, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.has_tag_name((ns, name)))
}
