//! [`Report::to_json`](super::Report::to_json) within the report limits: long lists cut
//! with a marker, long strings cut, the whole within a byte budget.
//!
//! The report's lists and strings are serialized through the functions here, which
//! read the bounds of the serialization in progress from a thread-local. Outside
//! `to_json` (a caller serializing the report with serde directly) nothing is cut.

use std::{borrow::Cow, cell::Cell, io};

use serde::{Serialize, Serializer, ser::SerializeSeq as _};

/// Strings longer than this are cut (at a character boundary).
pub(crate) const STRING_BYTES: usize = 4096;

#[derive(Clone, Copy)]
struct Bounds {
    list: usize,
    string: usize,
}

impl Bounds {
    const NONE: Self = Self {
        list: usize::MAX,
        string: usize::MAX,
    };
}

thread_local! {
    static BOUNDS: Cell<Bounds> = const { Cell::new(Bounds::NONE) };
    /// Whether the serialization in progress cut anything.
    static CUT: Cell<bool> = const { Cell::new(false) };
}

fn bounds() -> Bounds {
    BOUNDS.with(Cell::get)
}

fn mark_cut() {
    CUT.with(|c| c.set(true));
}

/// Restores unbounded serialization when dropped, whatever happened.
struct Active;

impl Active {
    fn start(bounds: Bounds) -> Self {
        BOUNDS.with(|b| b.set(bounds));
        CUT.with(|c| c.set(false));
        Self
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        BOUNDS.with(|b| b.set(Bounds::NONE));
    }
}

/// The marker that ends a cut list of objects.
#[derive(Serialize)]
struct More {
    more: usize,
}

/// A list of objects: the first entries, then `{"more": N}` when cut.
pub(crate) fn list<S: Serializer, T: Serialize>(items: &[T], s: S) -> Result<S::Ok, S::Error> {
    let shown = items.len().min(bounds().list);
    let more = items.len() - shown;
    let mut seq = s.serialize_seq(Some(shown + usize::from(more > 0)))?;
    for item in items.iter().take(shown) {
        seq.serialize_element(item)?;
    }
    if more > 0 {
        mark_cut();
        seq.serialize_element(&More { more })?;
    }
    seq.end()
}

/// A list of strings: the first entries (each cut), then `"… N more"` when cut.
pub(crate) fn strings<S: Serializer>(items: &[String], s: S) -> Result<S::Ok, S::Error> {
    let shown = items.len().min(bounds().list);
    let more = items.len() - shown;
    let mut seq = s.serialize_seq(Some(shown + usize::from(more > 0)))?;
    for item in items.iter().take(shown) {
        seq.serialize_element(&cut(item))?;
    }
    if more > 0 {
        mark_cut();
        seq.serialize_element(&format!("… {more} more"))?;
    }
    seq.end()
}

/// A string, cut with `… [N more bytes]` when long.
pub(crate) fn string<S: Serializer>(value: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&cut(value))
}

/// An optional string, cut like [`string`].
pub(crate) fn opt_string<S: Serializer>(value: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => s.serialize_some(&cut(v)),
        None => s.serialize_none(),
    }
}

/// Whether the serialization so far cut anything (the report's last field).
pub(crate) fn truncated<S: Serializer>(_: &(), s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bool(CUT.with(Cell::get))
}

fn cut(value: &str) -> Cow<'_, str> {
    let max = bounds().string;
    if value.len() <= max {
        return Cow::Borrowed(value);
    }
    mark_cut();
    let mut end = max;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    let kept = value.get(..end).unwrap_or_default();
    Cow::Owned(format!("{kept}… [{} more bytes]", value.len() - end))
}

/// A writer that fails once more than `left` bytes were written.
struct Budget {
    out: Vec<u8>,
    left: usize,
}

impl io::Write for Budget {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.left = self
            .left
            .checked_sub(buf.len())
            .ok_or_else(|| io::Error::other("over the report budget"))?;
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `value` as pretty JSON of at most `max_bytes`, its lists first cut to `list`
/// entries and its strings to [`STRING_BYTES`], then cut shorter (lists halved down to
/// none, then strings halved) until it fits; `minimal` when nothing fits. Each attempt
/// stops writing at the budget, so the work is bounded by the budget, not the report.
pub(crate) fn bounded<T: Serialize>(
    value: &T,
    list: usize,
    max_bytes: usize,
    minimal: impl FnOnce() -> String,
) -> String {
    let mut b = Bounds {
        list,
        string: STRING_BYTES,
    };
    loop {
        let mut w = Budget {
            out: Vec::new(),
            left: max_bytes,
        };
        let written = {
            let _active = Active::start(b);
            serde_json::to_writer_pretty(&mut w, value).is_ok()
        };
        if written && let Ok(text) = String::from_utf8(w.out) {
            return text;
        }
        if b.list > 0 {
            b.list /= 2;
        } else if b.string > 64 {
            b.string /= 2;
        } else {
            return minimal();
        }
    }
}

/// Serializes `value` with the bounds of `to_json` in effect (for tests of the
/// helpers).
#[cfg(test)]
fn with_bounds<T: Serialize>(value: &T, list: usize, string: usize) -> (String, bool) {
    let _active = Active::start(Bounds { list, string });
    let text = serde_json::to_string(value).unwrap_or_default();
    (text, CUT.with(Cell::get))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Sample {
        #[serde(serialize_with = "list")]
        objects: Vec<More>,
        #[serde(serialize_with = "strings")]
        texts: Vec<String>,
        #[serde(serialize_with = "string")]
        detail: String,
        #[serde(serialize_with = "truncated")]
        truncated: (),
    }

    fn sample() -> Sample {
        Sample {
            objects: (0..5).map(|more| More { more }).collect(),
            texts: vec!["a".into(), "b".into(), "c".into()],
            detail: "日本語".into(),
            truncated: (),
        }
    }

    #[test]
    fn lists_end_with_a_marker_naming_how_many_were_left_out() {
        let (text, cut) = with_bounds(&sample(), 2, STRING_BYTES);
        assert!(cut);
        assert!(
            text.contains(r#""objects":[{"more":0},{"more":1},{"more":3}]"#),
            "{text}"
        );
        assert!(text.contains(r#""texts":["a","b","… 1 more"]"#), "{text}");
        assert!(text.ends_with(r#""truncated":true}"#), "{text}");
    }

    #[test]
    fn nothing_is_cut_outside_to_json() {
        let text = serde_json::to_string(&sample()).unwrap();
        assert!(text.contains(r#"{"more":4}]"#), "{text}");
        assert!(text.ends_with(r#""truncated":false}"#), "{text}");
    }

    #[test]
    fn strings_are_cut_at_a_character_boundary() {
        // "日" is 3 bytes: a cut at 4 bytes keeps one character.
        let (text, cut) = with_bounds(&sample(), 10, 4);
        assert!(cut);
        assert!(text.contains(r#""detail":"日… [6 more bytes]""#), "{text}");
    }

    #[test]
    fn the_output_fits_the_budget_or_is_the_minimal_form() {
        let big = Sample {
            objects: (0..10_000).map(|more| More { more }).collect(),
            texts: vec!["x".repeat(100_000); 100],
            detail: "y".repeat(1_000_000),
            truncated: (),
        };
        let text = bounded(&big, 100, 4096, || "minimal".into());
        assert!(text.len() <= 4096, "{}", text.len());
        assert!(text.contains("\"truncated\": true"), "{text}");
        assert_eq!(bounded(&big, 100, 10, || "minimal".into()), "minimal");
    }
}
