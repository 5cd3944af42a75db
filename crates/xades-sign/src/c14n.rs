//! Canonical XML 1.0 and Exclusive XML Canonicalization 1.0 (both without comments) over a
//! `roxmltree` tree.
//!
//! Only the node-sets XMLDSig produces for same-document references are supported: a whole
//! document, or an element with all its descendants (a bare-name `#id` XPointer), which
//! excludes comments.

use std::borrow::Cow;

use roxmltree::{Node, NodeType};

const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Which canonicalization algorithm to apply.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum C14nMethod {
    /// Canonical XML 1.0 without comments,
    /// `http://www.w3.org/TR/2001/REC-xml-c14n-20010315`.
    Inclusive,
    /// Exclusive XML Canonicalization 1.0 without comments,
    /// `http://www.w3.org/2001/10/xml-exc-c14n#`, with its `InclusiveNamespaces`
    /// `PrefixList` (`#default` for the default namespace), usually empty.
    Exclusive {
        /// Prefixes treated by the inclusive rules.
        inclusive_prefixes: Vec<String>,
    },
}

impl C14nMethod {
    /// The algorithm URI of Canonical XML 1.0 (without comments).
    pub const INCLUSIVE_URI: &'static str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
    /// The algorithm URI of Exclusive XML Canonicalization 1.0 (without comments).
    pub const EXCLUSIVE_URI: &'static str = "http://www.w3.org/2001/10/xml-exc-c14n#";

    /// Exclusive c14n with an empty prefix list.
    pub const fn exclusive() -> Self {
        Self::Exclusive {
            inclusive_prefixes: Vec::new(),
        }
    }

    /// The method named by an algorithm URI, if it is one of the two supported.
    pub fn from_uri(uri: &str) -> Option<Self> {
        match uri {
            Self::INCLUSIVE_URI => Some(Self::Inclusive),
            Self::EXCLUSIVE_URI => Some(Self::exclusive()),
            _ => None,
        }
    }
}

/// Canonicalizes the subtree rooted at `element` (the element, its attributes and all its
/// descendants except comments) into `out`.
pub fn canonicalize_subtree(element: Node<'_, '_>, method: &C14nMethod, out: &mut Vec<u8>) {
    let mut rendered: Vec<(&str, &str)> = Vec::new();
    let mut writer = Writer {
        method,
        out,
        apex: element.id(),
    };
    match element.node_type() {
        NodeType::Root => writer.document(element),
        NodeType::Element => writer.element(element, &mut rendered, None),
        NodeType::Text => escape_text(element.text().unwrap_or_default(), writer.out),
        NodeType::PI => writer.pi(element),
        NodeType::Comment => {}
    }
}

/// Canonicalizes a whole document (the root node's children) into `out`.
pub fn canonicalize_document(
    doc: &roxmltree::Document<'_>,
    method: &C14nMethod,
    out: &mut Vec<u8>,
) {
    canonicalize_subtree(doc.root(), method, out);
}

struct Writer<'m, 'o> {
    method: &'m C14nMethod,
    out: &'o mut Vec<u8>,
    apex: roxmltree::NodeId,
}

/// The qualified name of an element as written in the source (prefix included).
fn element_qname<'a>(node: Node<'_, 'a>) -> &'a str {
    let text = node.document().input_text();
    let start = node.range().start.saturating_add(1);
    let rest = text.get(start..).unwrap_or_default();
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '/' || c == '>')
        .unwrap_or(rest.len());
    rest.get(..end).unwrap_or_default()
}

fn prefix_of(qname: &str) -> &str {
    qname.split_once(':').map(|(p, _)| p).unwrap_or("")
}

/// The in-scope namespace bindings of an element, without the `xml` prefix; the
/// default namespace has the prefix `""`, and an undeclared default (`xmlns=""`) is left
/// out.
fn in_scope<'a>(node: Node<'a, '_>) -> Vec<(&'a str, &'a str)> {
    node.namespaces()
        .filter_map(|ns| {
            let prefix = ns.name().unwrap_or("");
            if prefix == "xml" || (prefix.is_empty() && ns.uri().is_empty()) {
                None
            } else {
                Some((prefix, ns.uri()))
            }
        })
        .collect()
}

fn lookup<'v>(rendered: &[(&str, &'v str)], prefix: &str) -> Option<&'v str> {
    rendered
        .iter()
        .rev()
        .find(|(p, _)| *p == prefix)
        .map(|(_, u)| *u)
}

impl Writer<'_, '_> {
    fn document(&mut self, root: Node<'_, '_>) {
        let mut seen_element = false;
        for child in root.children() {
            match child.node_type() {
                NodeType::Element => {
                    let mut rendered = Vec::new();
                    self.element(child, &mut rendered, None);
                    seen_element = true;
                }
                NodeType::PI => {
                    if seen_element {
                        self.out.push(b'\n');
                    }
                    self.pi(child);
                    if !seen_element {
                        self.out.push(b'\n');
                    }
                }
                _ => {}
            }
        }
    }

    fn pi(&mut self, node: Node<'_, '_>) {
        if let Some(pi) = node.pi() {
            self.out.extend_from_slice(b"<?");
            self.out.extend_from_slice(pi.target.as_bytes());
            if let Some(value) = pi.value.filter(|v| !v.is_empty()) {
                self.out.push(b' ');
                self.out.extend_from_slice(value.as_bytes());
            }
            self.out.extend_from_slice(b"?>");
        }
    }

    /// Writes `node` and its content. `rendered` is the stack of namespace bindings
    /// output by ancestors in the node-set; `parent_scope` the parent's in-scope bindings
    /// when the parent is in the node-set (inclusive c14n compares against it).
    ///
    /// The bindings borrow the document's text (`'d`), not copies of it.
    fn element<'d>(
        &mut self,
        node: Node<'d, '_>,
        rendered: &mut Vec<(&'d str, &'d str)>,
        parent_scope: Option<&[(&'d str, &'d str)]>,
    ) {
        let qname = element_qname(node);
        let scope = in_scope(node);
        let mark = rendered.len();

        // Namespace declarations to output, sorted by prefix ("" first).
        let mut decls: Vec<(&str, &str)> = Vec::new();
        match self.method {
            C14nMethod::Inclusive => {
                for &(prefix, uri) in &scope {
                    let parent_has = parent_scope
                        .map(|ps| ps.iter().any(|&(p, u)| p == prefix && u == uri))
                        .unwrap_or(false);
                    if !parent_has {
                        decls.push((prefix, uri));
                    }
                }
                let has_default = scope.iter().any(|(p, _)| p.is_empty());
                if !has_default {
                    let parent_default = parent_scope
                        .and_then(|ps| ps.iter().find(|(p, _)| p.is_empty()))
                        .is_some();
                    if parent_default {
                        decls.push(("", ""));
                    }
                }
            }
            C14nMethod::Exclusive { inclusive_prefixes } => {
                let mut used: Vec<&str> = vec![prefix_of(qname)];
                for attr in node.attributes() {
                    if attr.namespace().is_some() {
                        used.push(attr_prefix(node, &attr));
                    }
                }
                for p in inclusive_prefixes {
                    let p = if p == "#default" { "" } else { p.as_str() };
                    // The scope's copy of the prefix (equal text, but borrowed from the
                    // document like every other binding).
                    if let Some(&(sp, _)) = scope.iter().find(|(sp, _)| *sp == p) {
                        used.push(sp);
                    }
                }
                for prefix in used {
                    if prefix == "xml" || decls.iter().any(|(p, _)| *p == prefix) {
                        continue;
                    }
                    let uri = scope
                        .iter()
                        .find(|(p, _)| *p == prefix)
                        .map(|(_, u)| *u)
                        .unwrap_or("");
                    let already = lookup(rendered, prefix).unwrap_or("");
                    if already != uri {
                        decls.push((prefix, uri));
                    }
                }
            }
        }
        decls.sort_by(|a, b| a.0.cmp(b.0));
        for &(p, u) in &decls {
            rendered.push((p, u));
        }

        // Attributes, sorted by namespace URI then local name; unqualified first. An
        // unprefixed name (most of them) is borrowed, not copied.
        let mut attrs: Vec<(&str, &str, &str, Cow<'_, str>)> = node
            .attributes()
            .map(|a| {
                let prefix = attr_prefix(node, &a);
                let qname = if prefix.is_empty() {
                    Cow::Borrowed(a.name())
                } else {
                    Cow::Owned(format!("{prefix}:{}", a.name()))
                };
                (a.namespace().unwrap_or(""), a.name(), a.value(), qname)
            })
            .collect();
        if self.method == &C14nMethod::Inclusive && node.id() == self.apex {
            // The apex of a document subset inherits xml:* attributes of its ancestors.
            for ancestor in node.ancestors().skip(1) {
                for a in ancestor.attributes() {
                    if a.namespace() == Some(XML_NS)
                        && !attrs.iter().any(|x| x.0 == XML_NS && x.1 == a.name())
                    {
                        attrs.push((
                            XML_NS,
                            a.name(),
                            a.value(),
                            Cow::Owned(format!("xml:{}", a.name())),
                        ));
                    }
                }
            }
        }
        attrs.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));

        self.out.push(b'<');
        self.out.extend_from_slice(qname.as_bytes());
        for (p, u) in &decls {
            if p.is_empty() {
                self.out.extend_from_slice(b" xmlns=\"");
            } else {
                self.out.extend_from_slice(b" xmlns:");
                self.out.extend_from_slice(p.as_bytes());
                self.out.extend_from_slice(b"=\"");
            }
            escape_attr(u, self.out);
            self.out.push(b'"');
        }
        for (_, _, value, qname) in &attrs {
            self.out.push(b' ');
            self.out.extend_from_slice(qname.as_bytes());
            self.out.extend_from_slice(b"=\"");
            escape_attr(value, self.out);
            self.out.push(b'"');
        }
        self.out.push(b'>');

        for child in node.children() {
            match child.node_type() {
                NodeType::Element => self.element(child, rendered, Some(&scope)),
                NodeType::Text => escape_text(child.text().unwrap_or_default(), self.out),
                NodeType::PI => self.pi(child),
                NodeType::Comment | NodeType::Root => {}
            }
        }

        self.out.extend_from_slice(b"</");
        self.out.extend_from_slice(qname.as_bytes());
        self.out.push(b'>');
        rendered.truncate(mark);
    }
}

/// The prefix of an attribute as written in the source.
fn attr_prefix<'a>(node: Node<'_, 'a>, attr: &roxmltree::Attribute<'_, 'a>) -> &'a str {
    if attr.namespace() == Some(XML_NS) {
        return "xml";
    }
    if attr.namespace().is_none() {
        return "";
    }
    let text = node.document().input_text();
    text.get(attr.range_qname())
        .map(prefix_of)
        .unwrap_or_default()
}

fn escape_text(text: &str, out: &mut Vec<u8>) {
    let bytes = text.as_bytes();
    // Long texts (base64 content) rarely need escaping: find the next special byte
    // with memchr's vectorised search instead of a branch per byte.
    let next_special = |from: usize| {
        let rest = bytes.get(from..).unwrap_or_default();
        let a = memchr::memchr3(b'&', b'<', b'>', rest);
        let b = memchr::memchr(b'\r', rest);
        match (a, b) {
            (Some(a), Some(b)) => Some(from + a.min(b)),
            (Some(i), None) | (None, Some(i)) => Some(from + i),
            (None, None) => None,
        }
    };
    let mut start = 0;
    while let Some(i) = next_special(start) {
        let rep: &[u8] = match bytes.get(i) {
            Some(b'&') => b"&amp;",
            Some(b'<') => b"&lt;",
            Some(b'>') => b"&gt;",
            _ => b"&#xD;",
        };
        out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
        out.extend_from_slice(rep);
        start = i.saturating_add(1);
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
}

fn escape_attr(text: &str, out: &mut Vec<u8>) {
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let rep: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'"' => b"&quot;",
            b'\t' => b"&#x9;",
            b'\n' => b"&#xA;",
            b'\r' => b"&#xD;",
            _ => continue,
        };
        out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
        out.extend_from_slice(rep);
        start = i.saturating_add(1);
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
}
