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
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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
///
/// The walk is iterative (an explicit stack of open elements), so nesting depth costs
/// heap, never call stack: the reader's [`Limits::max_depth`](crate::Limits) bounds
/// it, and a caller that raises that limit gets no stack overflow.
pub fn canonicalize_subtree(element: Node<'_, '_>, method: &C14nMethod, out: &mut Vec<u8>) {
    let mut writer = Writer {
        method,
        out,
        apex: element.id(),
    };
    match element.node_type() {
        NodeType::Root => writer.document(element),
        NodeType::Element => writer.subtree(element),
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

/// A namespace binding (prefix, URI), borrowed from the document.
type Binding<'d> = (&'d str, &'d str);

/// What an open element's end tag needs, and what closing it undoes.
struct Open<'d> {
    id: roxmltree::NodeId,
    qname: &'d str,
    /// Length of the rendered-bindings stack before this element's declarations.
    rendered_mark: usize,
    /// Whether this element pushed its own in-scope bindings.
    scope_pushed: bool,
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

/// Whether the start tag of `node` may declare a namespace (it contains `xmlns`
/// outside its name; a value containing the word only costs the exact comparison).
/// Without a declaration an element's in-scope bindings are its parent's.
fn may_declare_namespaces(node: Node<'_, '_>) -> bool {
    let text = node.document().input_text().as_bytes();
    let tag = text.get(node.range()).unwrap_or_default();
    // The start tag ends at the first `>` outside a quoted value. (A plain loop: most
    // start tags are a few dozen bytes, too short for a searcher's setup to pay.)
    let mut quote = None;
    for (i, &b) in tag.iter().enumerate() {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            (None, b'>') => return false,
            (_, b'x') if tag.get(i..i.saturating_add(5)) == Some(b"xmlns") => return true,
            _ => {}
        }
    }
    false
}

fn prefix_of(qname: &str) -> &str {
    qname.split_once(':').map(|(p, _)| p).unwrap_or("")
}

/// The in-scope namespace bindings of an element, without the `xml` prefix, sorted by
/// prefix; the default namespace has the prefix `""`, and an undeclared default
/// (`xmlns=""`) is left out.
fn in_scope<'a>(node: Node<'a, '_>) -> Vec<Binding<'a>> {
    let mut scope: Vec<Binding<'a>> = node
        .namespaces()
        .filter_map(|ns| {
            let prefix = ns.name().unwrap_or("");
            if prefix == "xml" || (prefix.is_empty() && ns.uri().is_empty()) {
                None
            } else {
                Some((prefix, ns.uri()))
            }
        })
        .collect();
    scope.sort_unstable_by(|a, b| a.0.cmp(b.0));
    scope
}

/// The URI bound to `prefix` in a scope sorted by prefix.
fn bound<'d>(scope: &[Binding<'d>], prefix: &str) -> Option<&'d str> {
    scope
        .binary_search_by(|(p, _)| (*p).cmp(prefix))
        .ok()
        .and_then(|i| scope.get(i))
        .map(|(_, u)| *u)
}

/// The binding of `prefix` (`""`: the default namespace) in scope at `node`, borrowed
/// from the document; an undeclared default (`xmlns=""`) is no binding.
fn bound_on<'d>(node: Node<'d, '_>, prefix: &str) -> Option<Binding<'d>> {
    node.namespaces().find_map(|ns| {
        let p = ns.name().unwrap_or("");
        (p == prefix && p != "xml" && !(p.is_empty() && ns.uri().is_empty())).then(|| (p, ns.uri()))
    })
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
                    self.subtree(child);
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

    /// Writes the element `top` (whose parent is not in the node-set) and everything
    /// under it, walking the tree without recursion.
    fn subtree<'d>(&mut self, top: Node<'d, '_>) {
        // Namespace bindings output by open elements (exclusive c14n looks up what an
        // ancestor already rendered).
        let mut rendered: Vec<Binding<'d>> = Vec::new();
        // In-scope bindings, pushed by the top element and each element that declares
        // a namespace; an element that declares none shares its parent's.
        let mut scopes: Vec<Vec<Binding<'d>>> = Vec::new();
        let mut open: Vec<Open<'d>> = Vec::new();
        // Descendants come in document order: before a node, every open element that
        // is not its parent is closed.
        for node in top.descendants() {
            let parent = node.parent().map(|p| p.id());
            while let Some(frame) = open.last()
                && Some(frame.id) != parent
            {
                self.end_tag(&mut open, &mut rendered, &mut scopes);
            }
            match node.node_type() {
                NodeType::Element => {
                    let frame = self.start_tag(node, open.is_empty(), &mut rendered, &mut scopes);
                    open.push(frame);
                }
                NodeType::Text => escape_text(node.text().unwrap_or_default(), self.out),
                NodeType::PI => self.pi(node),
                NodeType::Comment | NodeType::Root => {}
            }
        }
        while !open.is_empty() {
            self.end_tag(&mut open, &mut rendered, &mut scopes);
        }
    }

    /// Closes the innermost open element.
    fn end_tag<'d>(
        &mut self,
        open: &mut Vec<Open<'d>>,
        rendered: &mut Vec<Binding<'d>>,
        scopes: &mut Vec<Vec<Binding<'d>>>,
    ) {
        if let Some(frame) = open.pop() {
            self.out.extend_from_slice(b"</");
            self.out.extend_from_slice(frame.qname.as_bytes());
            self.out.push(b'>');
            rendered.truncate(frame.rendered_mark);
            if frame.scope_pushed {
                scopes.pop();
            }
        }
    }

    /// Writes the start tag of `node`. `is_top`: its parent is not in the node-set.
    /// `rendered` is the stack of namespace bindings output by open ancestors; the top
    /// of `scopes` the parent's in-scope bindings (inclusive c14n compares against them).
    fn start_tag<'d>(
        &mut self,
        node: Node<'d, '_>,
        is_top: bool,
        rendered: &mut Vec<Binding<'d>>,
        scopes: &mut Vec<Vec<Binding<'d>>>,
    ) -> Open<'d> {
        let qname = element_qname(node);
        let mark = rendered.len();
        // Exclusive c14n looks the few prefixes it uses up on the element itself; only
        // inclusive c14n compares whole scopes.
        let inclusive = matches!(self.method, C14nMethod::Inclusive);
        let scope_pushed = inclusive && (is_top || may_declare_namespaces(node));
        let parent_scope: Option<&[Binding<'d>]> = if is_top {
            None
        } else {
            scopes.last().map(Vec::as_slice)
        };

        // Namespace declarations to output, sorted by prefix ("" first).
        let mut decls: Vec<Binding<'d>> = Vec::new();
        let own_scope = scope_pushed.then(|| in_scope(node));
        let scope: &[Binding<'d>] = match (&own_scope, parent_scope) {
            (Some(own), _) => own,
            (None, Some(parent)) => parent,
            (None, None) => &[],
        };
        match self.method {
            // An element that declares nothing has its parent's bindings: nothing to
            // output.
            C14nMethod::Inclusive if scope_pushed => {
                for &(prefix, uri) in scope {
                    let parent_has = parent_scope.and_then(|ps| bound(ps, prefix)) == Some(uri);
                    if !parent_has {
                        decls.push((prefix, uri));
                    }
                }
                if bound(scope, "").is_none() && parent_scope.and_then(|ps| bound(ps, "")).is_some()
                {
                    decls.push(("", ""));
                }
            }
            C14nMethod::Inclusive => {}
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
                    if let Some((sp, _)) = bound_on(node, p) {
                        used.push(sp);
                    }
                }
                for prefix in used {
                    if prefix == "xml" || decls.iter().any(|(p, _)| *p == prefix) {
                        continue;
                    }
                    let uri = bound_on(node, prefix).map_or("", |(_, u)| u);
                    let already = lookup(rendered, prefix).unwrap_or("");
                    if already != uri {
                        decls.push((prefix, uri));
                    }
                }
            }
        }
        decls.sort_by(|a, b| a.0.cmp(b.0));
        rendered.extend_from_slice(&decls);

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

        if let Some(own) = own_scope {
            scopes.push(own);
        }
        Open {
            id: node.id(),
            qname,
            rendered_mark: mark,
            scope_pushed,
        }
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
