//! The document layout around the signed content (docs/spec/signatures.md §1, the
//! real samples in `fixtures/eprescription/`): what an integrator reads by path must
//! be what the signatures protect.
//!
//! A signature covers one element (`PrescriptionDocument`, `Dispensing`) by id; the
//! elements around it are not signed. Without this check a forged second
//! `Prescription` before the signed one, or a forged `PrescriptionDocument` inside the
//! unsigned `PrescriptionManagement`, leaves every signature VALID while a reader that
//! looks the content up by path (`/Document/Prescription/PrescriptionDocument`, or
//! `//PrescriptionDocument`) gets the forgery.
//!
//! The check is **document-level**: a layout error is an entry of
//! [`VerificationReport::errors`](crate::VerificationReport) and makes the document
//! INVALID/FORMAT_FAILURE, while each signature's own report stays what its checks
//! found. The layout is a property of the document, not of one signature (a
//! dispensing record holds two signatures, and an addition outside both covered
//! elements concerns neither), and a signature that verifies is still evidence of
//! what its signer signed.
//!
//! Rules: every position the specification fixes holds exactly the elements of its
//! sequence, in order (optional ones at most once), without namespace and without
//! other elements or non-whitespace text; the leaves (`PrescriptionDocument`,
//! `Version`, …) hold no element; and the layout's names (`Prescription`,
//! `PrescriptionDocument`, `Dispensing`, …) appear nowhere else, in any namespace
//! (not in additional information, not inside a signature's `ds:Object`).

use std::collections::HashSet;

use roxmltree::{Node, NodeId};

use super::DSIG;
use crate::report::DocumentType;

/// What a fixed position may hold.
#[derive(Clone, Copy)]
enum Content {
    /// Exactly this sequence of elements.
    Fixed(&'static [Slot]),
    /// No element (text, e.g. base64, or nothing).
    Leaf,
    /// Anything the specification leaves open (additional information, the
    /// signature's own structure, checked by its `structure` check), except the
    /// layout's names.
    Open,
}

/// One element of a fixed sequence.
#[derive(Clone, Copy)]
struct Slot {
    namespace: Option<&'static str>,
    name: &'static str,
    min: usize,
    max: usize,
    content: Content,
}

const fn slot(name: &'static str, min: usize, content: Content) -> Slot {
    Slot {
        namespace: None,
        name,
        min,
        max: 1,
        content,
    }
}

const SIGN: &[Slot] = &[Slot {
    namespace: Some(DSIG),
    name: "Signature",
    min: 1,
    max: 1,
    content: Content::Open,
}];
const PRESCRIPTION_MANAGEMENT: &[Slot] = &[
    slot("Version", 1, Content::Leaf),
    slot("PrescriptionId", 1, Content::Leaf),
];
/// `Prescription` (EPS) and `ReferencePrescription` (EPD) hold the same sequence.
const PRESCRIPTION: &[Slot] = &[
    slot(
        "PrescriptionManagement",
        1,
        Content::Fixed(PRESCRIPTION_MANAGEMENT),
    ),
    slot("PrescriptionDocument", 1, Content::Leaf),
    slot("AdditionalPrescriptionInformation", 0, Content::Open),
    slot("PrescriptionSign", 1, Content::Fixed(SIGN)),
];
const EPS_DOCUMENT: &[Slot] = &[slot("Prescription", 1, Content::Fixed(PRESCRIPTION))];
const DISPENSING_MANAGEMENT: &[Slot] = &[
    slot("Version", 1, Content::Leaf),
    slot("DispensingId", 1, Content::Leaf),
];
const DISPENSING: &[Slot] = &[
    slot("ReferencePrescription", 1, Content::Fixed(PRESCRIPTION)),
    slot("DispensingDocument", 1, Content::Leaf),
];
const EPD_DOCUMENT: &[Slot] = &[
    slot(
        "DispensingManagement",
        1,
        Content::Fixed(DISPENSING_MANAGEMENT),
    ),
    slot("Dispensing", 1, Content::Fixed(DISPENSING)),
    slot("AdditionalDispensedInformation", 0, Content::Open),
    slot("DispensingSign", 1, Content::Fixed(SIGN)),
];

/// Names that exist only at their place in the layout: an element with one of these
/// local names anywhere else (any namespace) is unexpected.
const RESERVED: &[&str] = &[
    "Document",
    "Prescription",
    "PrescriptionManagement",
    "PrescriptionId",
    "PrescriptionDocument",
    "AdditionalPrescriptionInformation",
    "PrescriptionSign",
    "Dispensing",
    "DispensingManagement",
    "DispensingId",
    "ReferencePrescription",
    "DispensingDocument",
    "AdditionalDispensedInformation",
    "DispensingSign",
];

/// How many layout errors are reported one by one; the rest are only counted (a
/// hostile document may hold thousands, and naming one costs a walk to the root).
const MAX_REPORTED: usize = 10;

/// The errors found: the first [`MAX_REPORTED`] formatted, the others counted.
#[derive(Default)]
struct Errors {
    named: Vec<String>,
    more: usize,
}

impl Errors {
    fn push(&mut self, error: impl FnOnce() -> String) {
        if self.named.len() < MAX_REPORTED {
            self.named.push(error());
        } else {
            self.more += 1;
        }
    }

    fn finish(mut self) -> Vec<String> {
        if self.more > 0 {
            self.named
                .push(format!("… and {} more layout errors", self.more));
        }
        self.named
    }
}

/// The layout errors of the document whose root element is `root`, each naming the
/// element (path and byte offset). Empty for an unknown document type (reported
/// otherwise) and for a document that follows the layout.
pub(super) fn check(root: Node<'_, '_>, document_type: DocumentType) -> Vec<String> {
    let top: &'static [Slot] = match document_type {
        DocumentType::Prescription => EPS_DOCUMENT,
        DocumentType::Dispensing => EPD_DOCUMENT,
        DocumentType::Unknown => return Vec::new(),
    };
    let mut errors = Errors::default();
    let mut placed: HashSet<NodeId> = HashSet::new();
    placed.insert(root.id());
    // The fixed positions are a handful of levels deep: a work list, no recursion.
    let mut work: Vec<(Node<'_, '_>, Content)> = vec![(root, Content::Fixed(top))];
    while let Some((node, content)) = work.pop() {
        match content {
            Content::Open => {}
            Content::Leaf => {
                if let Some(child) = node.children().find(Node::is_element) {
                    errors.push(|| {
                        format!(
                            "unexpected element {} in {}, which holds no element",
                            describe(child),
                            path(node)
                        )
                    });
                }
            }
            Content::Fixed(slots) => {
                sequence(node, slots, &mut errors, &mut placed, &mut work);
            }
        }
    }
    for n in root.descendants().filter(Node::is_element) {
        if RESERVED.contains(&n.tag_name().name()) && !placed.contains(&n.id()) {
            errors.push(|| {
                format!(
                    "unexpected element {}: {} exists only at its place in the layout",
                    describe(n),
                    n.tag_name().name()
                )
            });
        }
    }
    errors.finish()
}

/// Checks the children of `node` against `slots`; the children that fill a slot are
/// `placed` and queued with their content rule.
fn sequence<'a, 'i>(
    node: Node<'a, 'i>,
    slots: &'static [Slot],
    errors: &mut Errors,
    placed: &mut HashSet<NodeId>,
    work: &mut Vec<(Node<'a, 'i>, Content)>,
) {
    let layout = || {
        slots
            .iter()
            .map(|s| {
                let q = if s.namespace == Some(DSIG) { "ds:" } else { "" };
                let opt = if s.min == 0 { "?" } else { "" };
                format!("{q}{}{opt}", s.name)
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut counts = vec![0usize; slots.len()];
    let mut last_slot = 0usize;
    for child in node.children() {
        if child.is_text() {
            if child.text().is_some_and(|t| !t.trim().is_empty()) {
                errors.push(|| {
                    format!(
                        "unexpected text in {} (byte {}): it holds {}",
                        path(node),
                        child.range().start,
                        layout()
                    )
                });
            }
            continue;
        }
        if !child.is_element() {
            continue;
        }
        let name = child.tag_name();
        let Some(i) = slots
            .iter()
            .position(|s| s.name == name.name() && s.namespace == name.namespace())
        else {
            errors.push(|| {
                format!(
                    "unexpected element {} in {}: it holds {}",
                    describe(child),
                    path(node),
                    layout()
                )
            });
            continue;
        };
        let (Some(count), Some(slot)) = (counts.get_mut(i), slots.get(i)) else {
            continue;
        };
        *count += 1;
        placed.insert(child.id());
        if *count > slot.max {
            errors.push(|| {
                format!(
                    "unexpected element {}: a second {} in {}, which holds one",
                    describe(child),
                    slot.name,
                    path(node)
                )
            });
        } else if i < last_slot {
            errors.push(|| {
                format!(
                    "unexpected element {}: out of order in {}, which holds {} in this order",
                    describe(child),
                    path(node),
                    layout()
                )
            });
        } else {
            work.push((child, slot.content));
        }
        last_slot = last_slot.max(i);
    }
    for (slot, count) in slots.iter().zip(&counts) {
        if *count < slot.min {
            errors.push(|| format!("{} has no {}", path(node), slot.name));
        }
    }
}

/// `name at /Document/… (byte n)`.
fn describe(n: Node<'_, '_>) -> String {
    let name = n.tag_name();
    let ns = name
        .namespace()
        .map(|ns| format!(" (namespace {ns})"))
        .unwrap_or_default();
    format!(
        "{}{ns} at {} (byte {})",
        name.name(),
        path(n),
        n.range().start
    )
}

/// The element's path from the root, with a 1-based index where a name repeats among
/// siblings.
fn path(n: Node<'_, '_>) -> String {
    let mut parts: Vec<String> = n
        .ancestors()
        .filter(Node::is_element)
        .map(|a| {
            let name = a.tag_name().name();
            let same = |s: &Node<'_, '_>| s.is_element() && s.tag_name().name() == name;
            let before = a.prev_siblings().skip(1).filter(same).count();
            let after = a.next_siblings().skip(1).filter(same).count();
            if before + after == 0 {
                name.to_owned()
            } else {
                format!("{name}[{}]", before + 1)
            }
        })
        .collect();
    parts.reverse();
    format!("/{}", parts.join("/"))
}
