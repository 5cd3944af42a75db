//! Reads one katakana (or hiragana) name per line on stdin and prints
//! `NAME<TAB>CANDIDATE1,CANDIDATE2,…` in passport Hepburn, strict spelling first.
//! A line with a space converts each part; the candidates are then the combinations
//! (surname part first varying slowest). A name that cannot be converted prints
//! `NAME<TAB>!error message` and makes the exit status 1. (Below, the tab shows as spaces.)
//!
//! ```text
//! $ printf 'カトウ\nセノオ\n' | cargo run --example romaji
//! カトウ    KATO,KATOH,KATOU
//! セノオ    SENOO
//! ```

use std::io::{BufRead, Write};
use std::process::ExitCode;

use authority_forms::{MAX_CANDIDATES, hepburn_candidates};

fn convert(line: &str) -> Result<Vec<String>, authority_forms::RomajiError> {
    let mut combined = vec![String::new()];
    for part in line
        .split(|c: char| c.is_whitespace() || c == '\u{3000}')
        .filter(|p| !p.is_empty())
    {
        let candidates = hepburn_candidates(part)?;
        let mut next = Vec::new();
        for prefix in &combined {
            for candidate in &candidates {
                let joined = if prefix.is_empty() {
                    candidate.clone()
                } else {
                    format!("{prefix} {candidate}")
                };
                if next.len() < MAX_CANDIDATES {
                    next.push(joined);
                }
            }
        }
        combined = next;
    }
    if combined.iter().all(String::is_empty) {
        return Err(authority_forms::RomajiError::Empty);
    }
    Ok(combined)
}

fn main() -> ExitCode {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    let mut status = ExitCode::SUCCESS;
    for line in stdin.lock().lines() {
        let Ok(line) = line else {
            eprintln!("romaji: stdin is not UTF-8 text");
            return ExitCode::FAILURE;
        };
        let name = line.trim();
        if name.is_empty() {
            continue;
        }
        let written = match convert(name) {
            Ok(candidates) => writeln!(out, "{name}\t{}", candidates.join(",")),
            Err(e) => {
                status = ExitCode::FAILURE;
                writeln!(out, "{name}\t!{e}")
            }
        };
        if written.is_err() {
            return ExitCode::FAILURE;
        }
    }
    status
}
