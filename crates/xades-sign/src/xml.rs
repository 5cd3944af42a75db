//! The hardened XML reader: limits checked by a linear pre-scan before parsing, UTF-8,
//! no DTD, and the id index.
//!
//! `roxmltree` (the parser) does work that grows with the square of some counts: its
//! duplicate-attribute check compares each attribute of an element with the ones
//! before it, its duplicate-namespace check does the same for declarations, and each
//! element that declares a namespace copies every binding in scope. The pre-scan
//! ([`prescan`]) counts those inputs in one pass over the bytes, without building
//! anything, and refuses a document over a limit before the parser sees it; within
//! the limits the parser's work is bounded by `elements × max_attributes` and
//! `max_namespace_declarations²`.

use std::collections::HashMap;

use roxmltree::{Document, Node, NodeId};

use crate::{Error, error::LimitExceeded};

/// The limits of the XML reader and the verifier: every document is checked against
/// them before the work they bound, and refused with a named
/// [`Error::Limit`]/[`LimitExceeded`] (or [`Error::TooLarge`]) when over one.
///
/// The defaults are far above what e-prescription documents need (a prescription has
/// about 100 elements, nesting 15 deep, at most 5 attributes and 5 namespace
/// declarations on one element, 1 or 2 signatures of 3 references) and low enough
/// that a hostile input within them is verified in well under a second in 256 MB. To
/// change one, start from the defaults:
///
/// ```
/// let mut limits = xades_sign::Limits::default();
/// limits.max_bytes = 16 << 20;
/// let verifier = xades_sign::Verifier::new(xades_sign::TrustStore::new()).limits(limits);
/// # let _ = verifier;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest accepted input, in bytes (default 4 MiB). Callers that read files
    /// should check the size before reading and read at most this much (the `medsign`
    /// CLI does).
    pub max_bytes: usize,
    /// Deepest accepted element nesting (default 256).
    pub max_depth: usize,
    /// Most attributes on one element, namespace declarations not counted (default 64).
    pub max_attributes: usize,
    /// Most namespace declarations (`xmlns`, `xmlns:p`) on one element (default 32).
    pub max_namespace_declarations_per_element: usize,
    /// Most namespace declarations in the whole document (default 1024).
    pub max_namespace_declarations: usize,
    /// Most elements in the document (default 100 000).
    pub max_elements: usize,
    /// Most nodes of any kind (elements, texts, comments, processing instructions) the
    /// parser builds (default 200 000).
    pub max_nodes: u32,
    /// Most `ds:Signature` elements in a document (default 8); a document with more
    /// is INVALID and none of them is verified.
    pub max_signatures: usize,
    /// Most `ds:Reference`s in one `ds:SignedInfo` (default 16; the profile prescribes
    /// 3); a signature with more fails its structure check and nothing is digested.
    pub max_references: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 4 << 20,
            max_depth: 256,
            max_attributes: 64,
            max_namespace_declarations_per_element: 32,
            max_namespace_declarations: 1024,
            max_elements: 100_000,
            max_nodes: 200_000,
            max_signatures: 8,
            max_references: 16,
        }
    }
}

impl Limits {
    /// Checks `input` against these limits without parsing it: its size, UTF-8, and
    /// the counts of the linear pre-scan (nesting depth, attributes and namespace
    /// declarations per element, namespace declarations and elements in all). The
    /// verifier and the builders do this before every parse; the signature and
    /// reference counts are checked by the verifier on the parsed document.
    ///
    /// ```
    /// use xades_sign::{Error, LimitExceeded, Limits};
    /// let deep = format!("{}{}", "<a>".repeat(300), "</a>".repeat(300));
    /// assert!(matches!(
    ///     Limits::default().check(deep.as_bytes()),
    ///     Err(Error::Limit(LimitExceeded::Depth { limit: 256, .. }))
    /// ));
    /// ```
    pub fn check(&self, input: &[u8]) -> Result<(), Error> {
        let text = check_input(input, self)?;
        prescan(text.as_bytes(), self).map(|_| ())
    }
}

/// A parsed document with its id index (`id`, `Id` and `ID` attributes without a
/// namespace).
pub(crate) struct Parsed<'i> {
    pub doc: Document<'i>,
    pub ids: HashMap<&'i str, NodeId>,
}

/// Checks the size and encoding of `input` and returns it as text.
pub(crate) fn check_input<'i>(input: &'i [u8], limits: &Limits) -> Result<&'i str, Error> {
    if input.len() > limits.max_bytes {
        return Err(Error::TooLarge {
            size: input.len(),
            limit: limits.max_bytes,
        });
    }
    let text = std::str::from_utf8(input).map_err(|e| Error::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    Ok(text)
}

/// Parses `text` (DTDs refused) after [`prescan`] and indexes its ids; duplicate ids
/// are an error.
pub(crate) fn parse<'i>(text: &'i str, limits: &Limits) -> Result<Parsed<'i>, Error> {
    prescan(text.as_bytes(), limits)?;
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: limits.max_nodes,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, opts).map_err(|e| Error::Xml(e.to_string()))?;
    let mut ids = HashMap::new();
    for node in doc.descendants().filter(Node::is_element) {
        for attr in node.attributes() {
            if attr.namespace().is_none() && matches!(attr.name(), "id" | "Id" | "ID") {
                let value = attr.value_storage();
                let value: &'i str = match value {
                    roxmltree::StringStorage::Borrowed(s) => s,
                    roxmltree::StringStorage::Owned(_) => {
                        return Err(Error::Xml(format!(
                            "id attribute value with references: {}",
                            attr.value()
                        )));
                    }
                };
                if ids.insert(value, node.id()).is_some() {
                    return Err(Error::DuplicateId(value.to_owned()));
                }
            }
        }
    }
    Ok(Parsed { doc, ids })
}

/// What the pre-scan counted (for tests and benchmarks).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub elements: usize,
    pub max_depth: usize,
    pub namespace_declarations: usize,
}

/// One linear pass over the bytes that counts, per start tag, its attributes and
/// namespace declarations, and in all the elements, the nesting depth and the
/// declarations; the first count over its limit is the error.
///
/// It reads the markup of well-formed XML exactly (comments, CDATA sections and
/// processing instructions are skipped whole; quoted attribute values are skipped, so
/// a `>` inside one does not end the tag) and never under-counts a well-formed
/// document. What it cannot read (a DTD, markup that is not XML) is left to the
/// parser, which refuses it at that point; `<!` other than a comment or CDATA section
/// is refused here, since only a DTD starts that way.
pub(crate) fn prescan(bytes: &[u8], limits: &Limits) -> Result<Counts, Error> {
    let mut counts = Counts::default();
    let mut depth = 0usize;
    let mut pos = 0usize;
    let rest = |from: usize| bytes.get(from..).unwrap_or_default();
    let find = |from: usize, needle: &[u8]| {
        memchr::memmem::find(rest(from), needle).map(|i| from.saturating_add(i))
    };
    while let Some(i) = memchr::memchr(b'<', rest(pos)) {
        let start = pos.saturating_add(i);
        let after = start.saturating_add(1);
        match bytes.get(after) {
            Some(b'/') => {
                depth = depth.saturating_sub(1);
                pos = match memchr::memchr(b'>', rest(after)) {
                    Some(j) => after.saturating_add(j).saturating_add(1),
                    None => break,
                };
            }
            Some(b'?') => match find(after, b"?>") {
                Some(j) => pos = j.saturating_add(2),
                None => break,
            },
            Some(b'!') => {
                let markup = rest(start);
                let (end, len) = if markup.starts_with(b"<!--") {
                    (find(start.saturating_add(4), b"-->"), 3)
                } else if markup.starts_with(b"<![CDATA[") {
                    (find(start.saturating_add(9), b"]]>"), 3)
                } else {
                    return Err(Error::Xml(format!(
                        "a DTD or other `<!` markup at byte {start} is refused"
                    )));
                };
                match end {
                    Some(j) => pos = j.saturating_add(len),
                    None => break,
                }
            }
            Some(_) => {
                counts.elements = counts.elements.saturating_add(1);
                if counts.elements > limits.max_elements {
                    return Err(LimitExceeded::Elements {
                        limit: limits.max_elements,
                        offset: start,
                    }
                    .into());
                }
                let level = depth.saturating_add(1);
                if level > limits.max_depth {
                    return Err(LimitExceeded::Depth {
                        limit: limits.max_depth,
                        offset: start,
                    }
                    .into());
                }
                counts.max_depth = counts.max_depth.max(level);
                let (end, empty) = scan_start_tag(bytes, start, limits, &mut counts)?;
                if !empty {
                    depth = level;
                }
                pos = end;
            }
            None => break,
        }
    }
    Ok(counts)
}

/// Scans the start tag at `start`: its attributes and namespace declarations are
/// counted (and checked); returns the offset after its `>` and whether it is an
/// empty-element tag (`/>`). A tag that does not end is left to the parser.
fn scan_start_tag(
    bytes: &[u8],
    start: usize,
    limits: &Limits,
    counts: &mut Counts,
) -> Result<(usize, bool), Error> {
    let mut attributes = 0usize;
    let mut declarations = 0usize;
    let mut pos = start.saturating_add(1);
    loop {
        let rest = bytes.get(pos..).unwrap_or_default();
        let Some(i) = memchr::memchr2(b'=', b'>', rest) else {
            return Ok((bytes.len(), false));
        };
        let at = pos.saturating_add(i);
        if bytes.get(at) == Some(&b'>') {
            let empty = at > 0 && bytes.get(at.saturating_sub(1)) == Some(&b'/');
            return Ok((at.saturating_add(1), empty));
        }
        // An attribute: its name ends before the `=` (XML allows whitespace around it)
        // and starts after the previous value (looking no further back keeps the scan
        // linear on malformed tags).
        let before = bytes.get(pos..at).unwrap_or_default().trim_ascii_end();
        let name_start = before
            .iter()
            .rposition(|b| b.is_ascii_whitespace())
            .map_or(0, |p| p.saturating_add(1));
        let name = before.get(name_start..).unwrap_or_default();
        if name == b"xmlns" || name.starts_with(b"xmlns:") {
            declarations = declarations.saturating_add(1);
            counts.namespace_declarations = counts.namespace_declarations.saturating_add(1);
            if declarations > limits.max_namespace_declarations_per_element {
                return Err(LimitExceeded::NamespaceDeclarationsPerElement {
                    limit: limits.max_namespace_declarations_per_element,
                    offset: start,
                }
                .into());
            }
            if counts.namespace_declarations > limits.max_namespace_declarations {
                return Err(LimitExceeded::NamespaceDeclarations {
                    limit: limits.max_namespace_declarations,
                    offset: start,
                }
                .into());
            }
        } else {
            attributes = attributes.saturating_add(1);
            if attributes > limits.max_attributes {
                return Err(LimitExceeded::Attributes {
                    limit: limits.max_attributes,
                    offset: start,
                }
                .into());
            }
        }
        // Skip the quoted value (it may hold `>` and `=`).
        let value = bytes.get(at.saturating_add(1)..).unwrap_or_default();
        let Some(q) = value.iter().position(|b| !b.is_ascii_whitespace()) else {
            return Ok((bytes.len(), false));
        };
        let quote_at = at.saturating_add(1).saturating_add(q);
        match bytes.get(quote_at) {
            Some(&quote @ (b'"' | b'\'')) => {
                let body = quote_at.saturating_add(1);
                match memchr::memchr(quote, bytes.get(body..).unwrap_or_default()) {
                    Some(j) => pos = body.saturating_add(j).saturating_add(1),
                    None => return Ok((bytes.len(), false)),
                }
            }
            // Not XML: the parser refuses it; go on from here to stay linear.
            _ => pos = quote_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(xml: &str) -> Counts {
        match prescan(xml.as_bytes(), &Limits::default()) {
            Ok(c) => c,
            Err(e) => panic!("{xml}: {e}"),
        }
    }

    #[test]
    fn the_prescan_reads_markup_like_the_parser() {
        let c = counts(
            "<?xml version=\"1.0\"?><!-- <x a='1'> --><a xmlns='u' xmlns:p = \"v\" b='>' \
             c=\"=\"><![CDATA[<y z='1'>]]><p:b/><?pi <q r='s'>?><c></c></a>",
        );
        assert_eq!(
            c,
            Counts {
                elements: 3,
                max_depth: 2,
                namespace_declarations: 2
            }
        );
    }

    #[test]
    fn each_limit_is_named() {
        let limits = Limits {
            max_depth: 3,
            max_attributes: 2,
            max_namespace_declarations_per_element: 1,
            max_namespace_declarations: 2,
            max_elements: 5,
            ..Limits::default()
        };
        let err = |xml: &str| match prescan(xml.as_bytes(), &limits) {
            Err(Error::Limit(l)) => l.limit_name(),
            other => panic!("{xml}: {other:?}"),
        };
        assert_eq!(err("<a><b><c><d/></c></b></a>"), "max_depth");
        assert_eq!(err("<a x='1' y='2' z='3'/>"), "max_attributes");
        assert_eq!(
            err("<a xmlns:x='1' xmlns:y='2'/>"),
            "max_namespace_declarations_per_element"
        );
        assert_eq!(
            err("<a xmlns='1'><b xmlns='2'><c xmlns='3'/></b></a>"),
            "max_namespace_declarations"
        );
        assert_eq!(err("<a><b/><b/><b/><b/><b/></a>"), "max_elements");
        assert!(matches!(
            prescan(b"<!DOCTYPE a><a/>", &limits),
            Err(Error::Xml(_))
        ));
    }
}
