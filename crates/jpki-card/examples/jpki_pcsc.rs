//! Reads a My Number Card through PC/SC and signs with both keys.
//!
//! ```sh
//! cargo run -p jpki-card --features pcsc --example jpki_pcsc -- OUT_DIR [MESSAGE_FILE]
//! ```
//!
//! PINs come from `JPKI_AUTH_PIN`, `JPKI_SIGN_PIN`, `JPKI_TEXT_PIN` (defaults: the
//! virtual card's `1234`, `ABC123`, `1234`). Writes `auth.der`, `auth-ca.der`,
//! `sign.der`, `sign-ca.der`, `auth.sig`, `sign.sig` (PKCS#1 v1.5 over SHA-256 of the
//! message) and `counts.txt` (APDUs per operation) to OUT_DIR. The basic four items are
//! printed with the name only; the My Number is never printed.

use std::path::PathBuf;
use std::process::ExitCode;

use apdu::{PcscContext, TraceTransport, Transport};
use cert_signer::DigestAlgorithm;
use jpki_card::{AuthPin, Certificate, JpkiCard, LastTry, SignPin, TextPin};

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn count<T: Transport>(card: &mut JpkiCard<TraceTransport<T>>) -> usize {
    take_count(card.transport_mut())
}

fn take_count<T: Transport>(trace: &mut TraceTransport<T>) -> usize {
    let n = trace.trace().len();
    trace.clear();
    n
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let out = PathBuf::from(
        args.next()
            .ok_or("usage: jpki_pcsc OUT_DIR [MESSAGE_FILE]")?,
    );
    let message = match args.next() {
        Some(path) => std::fs::read(path)?,
        None => b"medsign conformance message".to_vec(),
    };
    std::fs::create_dir_all(&out)?;
    let auth_pin = AuthPin::new(&env_or("JPKI_AUTH_PIN", "1234"))?;
    let sign_pin = SignPin::new(&env_or("JPKI_SIGN_PIN", "ABC123"))?;
    let text_pin = TextPin::new(&env_or("JPKI_TEXT_PIN", "1234"))?;

    let context = PcscContext::establish()?;
    let reader = context.connect_first()?;
    let mut counts = String::new();
    let mut card = JpkiCard::open(TraceTransport::new(reader))?;
    counts.push_str(&format!("open {}\n", count(&mut card)));
    println!("card kind: {:?}", card.kind());

    for (which, file) in [
        (Certificate::Auth, "auth.der"),
        (Certificate::AuthCa, "auth-ca.der"),
        (Certificate::SignCa, "sign-ca.der"),
    ] {
        let der = card.certificate(which)?.to_vec();
        counts.push_str(&format!(
            "read-certificate {which:?} ({} bytes) {}\n",
            der.len(),
            count(&mut card)
        ));
        std::fs::write(out.join(file), der)?;
    }

    let digest = DigestAlgorithm::Sha256.hash(&message);
    {
        let signer = card.signer(auth_pin, LastTry::Refuse)?;
        let made = signer.with_transport(take_count).unwrap_or(0);
        counts.push_str(&format!(
            "auth-signer (SELECT IEF, counter, VERIFY) {made}\n"
        ));
        let sig = signer.sign_digest(DigestAlgorithm::Sha256, &digest)?;
        let used = signer.with_transport(take_count).unwrap_or(0);
        counts.push_str(&format!("auth-sign {used}\n"));
        std::fs::write(out.join("auth.sig"), sig)?;
    }
    {
        let signer = card.signer(sign_pin, LastTry::Refuse)?;
        let made = signer.with_transport(take_count).unwrap_or(0);
        counts.push_str(&format!(
            "sign-signer (SELECT IEF, counter, VERIFY, read sign certificate) {made}\n"
        ));
        let sig = signer.sign_digest(DigestAlgorithm::Sha256, &digest)?;
        let used = signer.with_transport(take_count).unwrap_or(0);
        counts.push_str(&format!("sign-sign {used}\n"));
        std::fs::write(out.join("sign.sig"), sig)?;
    }
    let sign_cert = card.certificate(Certificate::Sign)?.to_vec();
    counts.push_str(&format!(
        "read-certificate Sign (cached) {}\n",
        count(&mut card)
    ));
    std::fs::write(out.join("sign.der"), sign_cert)?;

    let items = card
        .text_ap()
        .basic_four_items(&text_pin, LastTry::Refuse)?;
    counts.push_str(&format!("basic-four-items {}\n", count(&mut card)));
    println!(
        "basic four items: {} / born {} / {:?} / address {} chars",
        items.name,
        items.birth_date,
        items.sex,
        items.address.chars().count()
    );
    let my_number = card.text_ap().my_number(&text_pin, LastTry::Refuse)?;
    counts.push_str(&format!("my-number {}\n", count(&mut card)));
    println!("my number: {my_number} (check digit valid)");

    std::fs::write(out.join("counts.txt"), &counts)?;
    print!("{counts}");
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jpki_pcsc: {e}");
            ExitCode::FAILURE
        }
    }
}
