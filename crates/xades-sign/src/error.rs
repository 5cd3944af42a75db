//! The crate's error type.

/// Why a document could not be read, built or signed.
///
/// Verification problems inside a readable document are not errors: they are reported,
/// check by check, in a [`VerificationReport`](crate::VerificationReport).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is larger than [`Limits::max_bytes`](crate::Limits); raise the limit
    /// if such documents are expected.
    #[error("input is {size} bytes, the limit is {limit}")]
    TooLarge {
        /// Input size.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The input is not UTF-8 (the prescription service only uses UTF-8).
    #[error("input is not valid UTF-8 (first bad byte at offset {offset})")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// The input is not well-formed XML, has a DTD, or exceeds the node limit.
    #[error("not well-formed or refused XML: {0}")]
    Xml(String),
    /// The input exceeds one of the [`Limits`](crate::Limits) of the XML reader or
    /// the verifier (the variant names which); refused before the work it bounds.
    #[error("limit exceeded: {0}")]
    Limit(#[from] LimitExceeded),
    /// Two elements carry the same `id`/`Id`: refused, as a signature-wrapping defence.
    #[error("duplicate id {0:?}")]
    DuplicateId(String),
    /// A value given to the document builder cannot be used (the message says which).
    #[error("invalid input to the document builder: {0}")]
    InvalidInput(String),
    /// The signer's certificate could not be parsed.
    #[error("the signer certificate is not a valid X.509 certificate: {0}")]
    Certificate(String),
    /// The signer failed.
    #[error("signer failed: {0}")]
    Sign(#[from] cert_signer::SignError),
    /// The signer returned a different number of signatures than digests it was given.
    #[error("signer returned {got} signatures for {expected} digests")]
    SignatureCount {
        /// Digests handed over.
        expected: usize,
        /// Signatures returned.
        got: usize,
    },
}

/// Which of the [`Limits`](crate::Limits) an input exceeded. Each is found before the
/// work it bounds (parsing, canonicalisation, digesting): the input is refused, never
/// partly processed. Raise the named limit if such documents are expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LimitExceeded {
    /// Elements are nested deeper than [`Limits::max_depth`](crate::Limits::max_depth).
    #[error("elements nested more than {limit} deep (at byte {offset}; Limits::max_depth)")]
    Depth {
        /// The configured limit.
        limit: usize,
        /// Byte offset of the start tag that went past it.
        offset: usize,
    },
    /// An element has more attributes than
    /// [`Limits::max_attributes`](crate::Limits::max_attributes) (namespace declarations
    /// not counted).
    #[error(
        "an element has more than {limit} attributes (at byte {offset}; Limits::max_attributes)"
    )]
    Attributes {
        /// The configured limit.
        limit: usize,
        /// Byte offset of the element's start tag.
        offset: usize,
    },
    /// An element declares more namespaces than
    /// [`Limits::max_namespace_declarations_per_element`](crate::Limits::max_namespace_declarations_per_element).
    #[error(
        "an element declares more than {limit} namespaces (at byte {offset}; \
         Limits::max_namespace_declarations_per_element)"
    )]
    NamespaceDeclarationsPerElement {
        /// The configured limit.
        limit: usize,
        /// Byte offset of the element's start tag.
        offset: usize,
    },
    /// The document declares more namespaces in all than
    /// [`Limits::max_namespace_declarations`](crate::Limits::max_namespace_declarations).
    #[error(
        "the document has more than {limit} namespace declarations (at byte {offset}; \
         Limits::max_namespace_declarations)"
    )]
    NamespaceDeclarations {
        /// The configured limit.
        limit: usize,
        /// Byte offset of the start tag with the declaration that went past it.
        offset: usize,
    },
    /// The document has more elements than
    /// [`Limits::max_elements`](crate::Limits::max_elements).
    #[error("the document has more than {limit} elements (at byte {offset}; Limits::max_elements)")]
    Elements {
        /// The configured limit.
        limit: usize,
        /// Byte offset of the first element past it.
        offset: usize,
    },
    /// The document holds more `ds:Signature` elements than
    /// [`Limits::max_signatures`](crate::Limits::max_signatures): none is verified.
    #[error("{count} ds:Signature elements, more than {limit} (Limits::max_signatures)")]
    Signatures {
        /// How many the document holds.
        count: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A `ds:SignedInfo` holds more `ds:Reference`s than
    /// [`Limits::max_references`](crate::Limits::max_references): none is digested.
    #[error(
        "{count} ds:Reference elements in ds:SignedInfo, more than {limit} (Limits::max_references)"
    )]
    References {
        /// How many the SignedInfo holds.
        count: usize,
        /// The configured limit.
        limit: usize,
    },
}

impl LimitExceeded {
    /// The name of the [`Limits`](crate::Limits) field that was exceeded
    /// (`"max_depth"`, …).
    pub const fn limit_name(&self) -> &'static str {
        match self {
            Self::Depth { .. } => "max_depth",
            Self::Attributes { .. } => "max_attributes",
            Self::NamespaceDeclarationsPerElement { .. } => {
                "max_namespace_declarations_per_element"
            }
            Self::NamespaceDeclarations { .. } => "max_namespace_declarations",
            Self::Elements { .. } => "max_elements",
            Self::Signatures { .. } => "max_signatures",
            Self::References { .. } => "max_references",
        }
    }
}
