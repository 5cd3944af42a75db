//! The golden table (data/romaji_golden.tsv) and properties of the converter.

// Test helpers outside #[test] functions may unwrap too.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use authority_forms::{NamePart, hepburn_candidates};
use proptest::prelude::*;

const GOLDEN: &str = include_str!("../data/romaji_golden.tsv");

fn rows() -> impl Iterator<Item = (&'static str, Vec<&'static str>)> {
    GOLDEN
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|line| {
            let (name, candidates) = line.split_once('\t').unwrap();
            (name, candidates.split(',').collect())
        })
}

#[test]
fn golden_table_has_at_least_150_names() {
    assert!(rows().count() >= 150, "{}", rows().count());
}

#[test]
fn every_golden_name_converts_to_its_candidates() {
    let mut failures = Vec::new();
    for (name, expected) in rows() {
        let got = hepburn_candidates(name).unwrap();
        if got != expected {
            failures.push(format!("{name}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn hiragana_gives_the_same_candidates() {
    for (name, expected) in rows() {
        let hiragana: String = name
            .chars()
            .map(|c| match c {
                'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap(),
                _ => c,
            })
            .collect();
        assert_eq!(
            hepburn_candidates(&hiragana).unwrap(),
            expected,
            "{hiragana}"
        );
    }
}

#[test]
fn every_candidate_passes_the_form_letter_case() {
    for (_, candidates) in rows() {
        for c in candidates {
            assert!(NamePart::Surname.accepts(c), "{c}");
            assert!(
                NamePart::GivenName.accepts(&NamePart::GivenName.apply_case(c)) || c.len() < 2,
                "{c}"
            );
        }
    }
}

proptest! {
    #[test]
    fn never_panics_and_output_is_upper_ascii(s in "\\PC{0,24}") {
        if let Ok(candidates) = hepburn_candidates(&s) {
            prop_assert!(!candidates.is_empty());
            prop_assert!(candidates.len() <= authority_forms::MAX_CANDIDATES);
            for c in candidates {
                prop_assert!(c.chars().all(|ch| ch.is_ascii_uppercase()), "{}", c);
            }
        }
    }

    #[test]
    fn katakana_strings_convert_or_fail_cleanly(s in "[ァ-ヴー]{1,12}") {
        if let Ok(candidates) = hepburn_candidates(&s) {
            prop_assert!(!candidates.is_empty());
            prop_assert!(candidates.iter().all(|c| c.chars().all(|ch| ch.is_ascii_uppercase())));
        }
    }
}
