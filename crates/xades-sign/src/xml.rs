//! The hardened XML reader: size limits, UTF-8, no DTD, and the id index.

use std::collections::HashMap;

use roxmltree::{Document, Node, NodeId};

use crate::Error;

/// Limits applied before and while parsing a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted input, in bytes.
    pub max_bytes: usize,
    /// Largest accepted number of XML nodes.
    pub max_nodes: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 4 << 20,
            max_nodes: 200_000,
        }
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

/// Parses `text` (DTDs refused) and indexes its ids; duplicate ids are an error.
pub(crate) fn parse<'i>(text: &'i str, limits: &Limits) -> Result<Parsed<'i>, Error> {
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
