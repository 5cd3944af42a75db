//! The limits of issue 16 on documents built from fuzzed shape parameters: the real
//! prescription sample with a generated addition (deep nesting, many attributes,
//! namespace declarations on one element or on redeclaring children, stray
//! signatures, extra References, an element with a layout name) at one of four
//! positions, checked against limits set just above the sample's own counts.
//!
//! Input: `[kind, n_lo, n_hi, position, headroom, ..]`. Properties:
//! - never a panic, a stack overflow or a hang (the documents are small, the limits
//!   tight);
//! - the pre-scan counts exactly: an addition within its limit, in the open
//!   additional information, leaves the document VALID; one over it is INVALID with
//!   the limit named;
//! - an addition anywhere else, a stray signature, an extra Reference or a layout name
//!   is never VALID.
#![no_main]

use std::sync::OnceLock;

use xades_sign::{Indication, Limits, TrustStore, Verifier};

const SAMPLE: &str = include_str!("../../fixtures/eprescription/prescription-004_01.xml");
const OPEN: &str = "<AdditionalPrescriptionInformation id=\"AdditionalPrescriptionInformation\">";
/// Where an addition goes (the marker, before or after it) and the depth of an element
/// added there: the open additional information, the signed KeyInfo, the fixed
/// PrescriptionManagement, the fixed Document before the Prescription.
const POSITIONS: [(&str, bool, usize); 4] = [
    (OPEN, false, 4),
    ("</xs:KeyInfo>", true, 6),
    ("</PrescriptionManagement>", true, 4),
    ("<Prescription>", true, 2),
];

struct Fixture {
    verifier: Verifier,
    /// The sample's own counts: the smallest value of each limit it passes.
    depth: usize,
    attributes: usize,
    namespaces_per_element: usize,
    namespaces: usize,
    elements: usize,
}

/// The smallest `v` for which the sample passes with `set(limits, v)`.
fn smallest(set: impl Fn(&mut Limits, usize)) -> usize {
    let (mut lo, mut hi) = (0usize, 1usize << 20);
    while lo < hi {
        let mid = (lo + hi) / 2;
        let mut limits = Limits::default();
        set(&mut limits, mid);
        if limits.check(SAMPLE.as_bytes()).is_ok() {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let trust = TrustStore::from_dir(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/trust"
        )))
        .unwrap_or_else(|e| panic!("fixtures/trust: {e}"));
        let at = "2024-01-01T00:00:00Z".parse().unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let verifier = Verifier::new(trust).at(at);
        assert_eq!(verifier.verify(SAMPLE.as_bytes()).status, Indication::Valid);
        Fixture {
            verifier,
            depth: smallest(|l, v| l.max_depth = v),
            attributes: smallest(|l, v| l.max_attributes = v),
            namespaces_per_element: smallest(|l, v| l.max_namespace_declarations_per_element = v),
            namespaces: smallest(|l, v| l.max_namespace_declarations = v),
            elements: smallest(|l, v| l.max_elements = v),
        }
    })
}

fn insert(text: &str, marker: &str, before: bool, what: &str) -> String {
    match text.find(marker) {
        Some(at) => {
            let at = if before { at } else { at + marker.len() };
            format!("{}{what}{}", &text[..at], &text[at..])
        }
        None => panic!("{marker} not in the sample"),
    }
}

const RESERVED: &[&str] = &[
    "Prescription",
    "PrescriptionDocument",
    "PrescriptionManagement",
    "PrescriptionSign",
    "Dispensing",
    "DispensingDocument",
    "Document",
];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let [kind, lo, hi, position, headroom, ..] = *data else {
        return;
    };
    let f = fixture();
    let n = usize::from(u16::from_le_bytes([lo, hi])) % 4096;
    let headroom = usize::from(headroom % 64);
    let mut limits = Limits::default();
    let (marker, before, depth) = POSITIONS[usize::from(position % 4)];
    // What is added, whether it may leave the document VALID (benign, within its
    // limit), and the limit it exceeds otherwise.
    // (Several limits may be over: the first one the pre-scan reaches is named.)
    let (addition, mut benign, over): (String, bool, Vec<&str>) = match kind % 7 {
        0 => {
            limits.max_depth = f.depth.max(depth - 1 + headroom);
            limits.max_elements = f.elements + headroom;
            let depth_over = depth - 1 + n > limits.max_depth;
            let elements_over = n > headroom;
            let mut over = Vec::new();
            if elements_over {
                over.push("max_elements");
            }
            if depth_over {
                over.push("max_depth");
            }
            (format!("{}{}", "<a>".repeat(n), "</a>".repeat(n)), true, over)
        }
        1 => {
            limits.max_attributes = f.attributes + headroom;
            let attrs: String = (0..n).map(|i| format!(" a{i}=\"\"")).collect();
            let over = (n > limits.max_attributes).then_some("max_attributes").into_iter().collect();
            (format!("<x{attrs}/>"), true, over)
        }
        2 => {
            limits.max_namespace_declarations_per_element = f.namespaces_per_element + headroom;
            let decls: String = (0..n).map(|i| format!(" xmlns:p{i}=\"urn:x\"")).collect();
            let over = (n > limits.max_namespace_declarations_per_element)
                .then_some("max_namespace_declarations_per_element")
                .into_iter()
                .collect();
            (format!("<x{decls}/>"), true, over)
        }
        3 => {
            limits.max_namespace_declarations = f.namespaces + headroom;
            let children: String = (0..n).map(|_| "<y xmlns:q=\"urn:b\"/>").collect();
            let over = (1 + n > headroom)
                .then_some("max_namespace_declarations")
                .into_iter()
                .collect();
            (format!("<x xmlns:q=\"urn:a\">{children}</x>"), true, over)
        }
        4 => {
            let count = n % 16 + 1;
            limits.max_signatures = 1 + headroom;
            let sig = |i: usize| {
                format!(
                    "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"s{i}\">\
                     <ds:SignedInfo/><ds:SignatureValue>AA==</ds:SignatureValue></ds:Signature>"
                )
            };
            let over = (1 + count > limits.max_signatures)
                .then_some("max_signatures")
                .into_iter()
                .collect();
            ((0..count).map(sig).collect(), false, over)
        }
        5 => {
            let count = n % 32 + 1;
            limits.max_references = 3 + headroom;
            let reference = "<xs:Reference URI=\"#PrescriptionManagement\"><xs:DigestMethod \
                             Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>\
                             <xs:DigestValue>AAAA</xs:DigestValue></xs:Reference>";
            let doc = insert(SAMPLE, "</xs:SignedInfo>", true, &reference.repeat(count));
            let report = f.verifier.clone().limits(limits).verify(doc.as_bytes());
            assert_ne!(report.status, Indication::Valid, "{count} extra References");
            let structure = &report.signatures[0].checks.structure.reason;
            assert_eq!(
                structure.contains("max_references"),
                3 + count > limits.max_references,
                "{count} extra References: {structure}"
            );
            return;
        }
        _ => {
            let name = RESERVED[n % RESERVED.len()];
            (format!("<{name}>Rk9SR0VE</{name}>"), false, Vec::new())
        }
    };
    // Only the open additional information may change without consequence (an empty
    // addition changes nothing anywhere).
    if position % 4 != 0 && !addition.is_empty() {
        benign = false;
    }
    let doc = insert(SAMPLE, marker, before, &addition);
    let report = f.verifier.clone().limits(limits).verify(doc.as_bytes());
    if !over.is_empty() {
        assert_eq!(report.status, Indication::Invalid, "over {over:?}");
        assert!(
            report
                .errors
                .iter()
                .any(|e| over.iter().any(|limit| e.contains(&format!("Limits::{limit})")))),
            "over {over:?}: {:?}",
            report.errors
        );
    } else if benign {
        assert_eq!(report.status, Indication::Valid, "{:?}", report.errors);
    } else {
        assert_ne!(report.status, Indication::Valid, "{:?}", report.errors);
    }
});
