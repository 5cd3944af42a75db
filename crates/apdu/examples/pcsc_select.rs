//! Reaches a card through PC/SC and selects an application by its AID.
//!
//! `cargo run -p medsign-apdu --features pcsc --example pcsc_select -- ["Reader name" [AID]]`
//!
//! The AID is hex (e.g. the My Number Card's JPKI AP, `D392F000260100000001`). Exits 0
//! when the card answers `6A82` to SELECT of an application no card has (so a card is
//! there and speaks ISO/IEC 7816-4) and, when an AID is given, `9000` to its SELECT.

use std::process::ExitCode;

use apdu::{Command, PcscContext, StatusWord, transmit};

/// An AID under the ISO test RID `A0 00 00 00 00` that no card uses.
const NO_SUCH_AP: [u8; 5] = [0xA0, 0x00, 0x00, 0x00, 0x00];

fn parse_hex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_digit(16).and_then(|d| u8::try_from(d).ok()))
        .collect::<Option<_>>()?;
    if digits.is_empty() || !digits.len().is_multiple_of(2) {
        return None;
    }
    Some(
        digits
            .chunks_exact(2)
            .map(|pair| match pair {
                [hi, lo] => hi << 4 | lo,
                _ => 0,
            })
            .collect(),
    )
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let reader = args.next();
    let aid = match args.next() {
        Some(hex) => Some(parse_hex(&hex).ok_or("the AID must be hex digits")?),
        None => None,
    };
    let ctx = PcscContext::establish()?;
    let readers = ctx.list_readers()?;
    println!("readers: {readers:?}");
    let mut card = match reader {
        Some(reader) => ctx.connect(&reader)?,
        None => ctx.connect_first()?,
    };
    println!("reader: {}", card.reader());
    println!(
        "atr: {}",
        card.atr()?
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<String>()
    );
    let mut tx = card.transaction()?;
    let missing = transmit(
        &mut tx,
        &Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(NO_SUCH_AP),
    )?;
    println!("SELECT A000000000: {}", missing.sw);
    if missing.sw != StatusWord::FILE_NOT_FOUND {
        return Err("unexpected status word".into());
    }
    if let Some(aid) = aid {
        let hex: String = aid.iter().map(|b| format!("{b:02X}")).collect();
        let ok = transmit(
            &mut tx,
            &Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(aid),
        )?;
        println!("SELECT {hex}: {}", ok.sw);
        if ok.sw != StatusWord::SUCCESS {
            return Err("the card does not have that application".into());
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pcsc_select: {e}");
            ExitCode::FAILURE
        }
    }
}
