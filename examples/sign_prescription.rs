//! Builds and signs a prescription (EPS1.0) from a CSV file with an HPKI card.
//!
//! ```text
//! cargo run --release --example sign_prescription -- --card hpki-physician --csv FILE --out FILE [--trust-out DIR]
//! cargo run --release --features pcsc --example sign_prescription -- --pcsc [--reader NAME] --csv FILE --out FILE
//! ```
//!
//! `--card hpki-physician|hpki-dentist|hpki-pharmacist` signs with a virtual HPKI card
//! of card-sim in process (through the same `hpki-card` code as a real card, with the
//! virtual card's documented test PIN 1234). `--pcsc` signs with the HPKI card in a
//! PC/SC reader (build with `--features pcsc`); its PIN is read from standard input,
//! one line, never from the command line, and the tries left are shown first.
//! `--trust-out DIR` writes the virtual card's test root and signing CA (PEM and DER),
//! and the CRLs the test CAs publish now (`*.crl`, current for a day), so that
//! `verify_prescription --trust DIR` accepts the output with the signer's revocation
//! status checked. Also: `--at RFC3339`
//! (signing time), `--ids TAG` and `--prescription-id UUID` for reproducible output.

use std::{path::PathBuf, process::ExitCode};

use card_sim::{HpkiHolder, HpkiTestCertificates, InProcess, VirtualHpkiCard};
use hpki_card::{HpkiCard, LastTry, Pin};
use xades_sign::{Prescription, SignOptions, SignatureIds, sign_prescription};

/// The documented PIN of card-sim's virtual HPKI cards.
const VIRTUAL_CARD_PIN: &str = "1234";

fn usage(msg: &str) -> ExitCode {
    eprintln!(
        "{msg}\nusage: sign_prescription (--card hpki-physician|hpki-dentist|hpki-pharmacist | --pcsc [--reader NAME]) \
         --csv FILE --out FILE [--trust-out DIR] [--at RFC3339] [--ids TAG] [--prescription-id UUID]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sign_prescription: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn run() -> Result<ExitCode> {
    let mut card = None;
    let mut pcsc = false;
    let mut reader: Option<String> = None;
    let mut csv = None;
    let mut out = None;
    let mut trust_out = None;
    let mut opts = SignOptions::now();
    let mut prescription_id = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--card" => card = Some(value()?),
            "--pcsc" => pcsc = true,
            "--reader" => reader = Some(value()?),
            "--csv" => csv = Some(PathBuf::from(value()?)),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--trust-out" => trust_out = Some(PathBuf::from(value()?)),
            "--at" => opts.signing_time = value()?.parse()?,
            "--ids" => opts.ids = SignatureIds::from_tag(&value()?)?,
            "--prescription-id" => prescription_id = Some(value()?.parse::<uuid::Uuid>()?),
            _ => return Ok(usage(&format!("unknown argument {arg}"))),
        }
    }
    let (Some(csv), Some(out)) = (csv, out) else {
        return Ok(usage("--csv and --out are required"));
    };
    let mut prescription = Prescription::new(std::fs::read_to_string(&csv)?);
    if let Some(id) = prescription_id {
        prescription = prescription.with_id(id);
    }
    let signed = match (card, pcsc) {
        (Some(card), false) => {
            let holder = match card.as_str() {
                "hpki-physician" => HpkiHolder::Physician,
                "hpki-dentist" => HpkiHolder::Dentist,
                "hpki-pharmacist" => HpkiHolder::Pharmacist,
                other => return Ok(usage(&format!("unknown card {other:?}"))),
            };
            let virtual_card = InProcess::new(VirtualHpkiCard::test_card(holder)?);
            let hpki = HpkiCard::open(virtual_card)?;
            let mut signer = hpki.into_signer(Pin::new(VIRTUAL_CARD_PIN)?, LastTry::Refuse)?;
            let signed = sign_prescription(&prescription, &mut signer, &opts)?;
            if let Some(dir) = trust_out {
                HpkiTestCertificates::generate(holder)?.write_anchors(&dir)?;
                // Revocation status is required: the CRLs of every test CA, as published
                // now (`/hpki/sign.crl` is written as `hpki-sign.crl`).
                let now = jiff::Timestamp::now();
                for (path, crl) in hpki_cert::testpki::TestPki::shared()?.crls_at(now, &[])? {
                    let name = path.trim_start_matches('/').replace('/', "-");
                    std::fs::write(dir.join(name), crl)?;
                }
            }
            signed
        }
        (None, true) => {
            if trust_out.is_some() {
                return Ok(usage(
                    "--trust-out is for the virtual cards; a real card's anchors are the HPKI roots",
                ));
            }
            sign_with_reader(&prescription, reader.as_deref(), &opts)?
        }
        _ => return Ok(usage("give either --card KIND or --pcsc")),
    };
    std::fs::write(&out, signed)?;
    eprintln!("wrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "pcsc")]
fn sign_with_reader(
    prescription: &Prescription,
    reader: Option<&str>,
    opts: &SignOptions,
) -> Result<Vec<u8>> {
    use std::io::BufRead as _;

    let ctx = apdu::PcscContext::establish()?;
    let transport = match reader {
        Some(want) => {
            let readers = ctx.list_readers()?;
            let name = readers
                .iter()
                .find(|r| r.contains(want))
                .ok_or_else(|| format!("no reader matches {want:?} (readers: {readers:?})"))?;
            ctx.connect(name)?
        }
        None => ctx.connect_first()?,
    };
    let mut hpki = HpkiCard::open(transport)?;
    match hpki.pin_status()? {
        hpki_card::PinStatus::Blocked => return Err("the PIN is blocked".into()),
        status => match status.tries_left() {
            Some(n) => eprintln!("HPKI signing PIN ({n} tries left), one line on standard input:"),
            None => eprintln!("HPKI signing PIN, on standard input:"),
        },
    }
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin().lock().read_line(&mut line)?;
    let pin = Pin::new(line.trim_end_matches(['\r', '\n']))?;
    // A wrong PIN ends here with the tries left; the last try is never spent.
    let mut signer = hpki.into_signer(pin, LastTry::Refuse)?;
    Ok(sign_prescription(prescription, &mut signer, opts)?)
}

#[cfg(not(feature = "pcsc"))]
fn sign_with_reader(_: &Prescription, _: Option<&str>, _: &SignOptions) -> Result<Vec<u8>> {
    Err("this build has no PC/SC support: rebuild with --features pcsc".into())
}
