//! Reaches a card through PC/SC and selects the JPKI application.
//!
//! `cargo run -p apdu --features pcsc --example pcsc_select -- ["Reader name"]`
//!
//! Exits 0 when the card answers `9000` to SELECT of the JPKI AP and `6A82` to SELECT of
//! an application it does not have.

use std::process::ExitCode;

use apdu::{Command, PcscContext, StatusWord, transmit};

const JPKI_AP: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
const NO_SUCH_AP: [u8; 5] = [0xA0, 0x00, 0x00, 0x00, 0x00];

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let ctx = PcscContext::establish()?;
    let readers = ctx.list_readers()?;
    println!("readers: {readers:?}");
    let mut card = match std::env::args().nth(1) {
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
    let ok = transmit(
        &mut tx,
        &Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(JPKI_AP),
    )?;
    println!("SELECT JPKI AP: {}", ok.sw);
    let missing = transmit(
        &mut tx,
        &Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(NO_SUCH_AP),
    )?;
    println!("SELECT A000000000: {}", missing.sw);
    if ok.sw != StatusWord::SUCCESS || missing.sw != StatusWord::FILE_NOT_FOUND {
        return Err("unexpected status words".into());
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
