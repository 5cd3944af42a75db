//! Reads the certificate of an HPKI card through PC/SC and signs a file with it.
//!
//! ```sh
//! cargo run -p hpki-card --features pcsc --example hpki_sign -- \
//!     --pin 1234 --in prescription.xml --cert-out cert.der --sig-out sig.bin \
//!     [--reader "Virtual PCD 00 00"] [--app signing|authentication] [--extended]
//! ```
//!
//! The card's layout is detected. The signature is RSASSA-PKCS1-v1_5 with SHA-256 over
//! the file, so `openssl dgst -sha256 -verify <(openssl x509 -inform DER -in cert.der
//! -pubkey -noout) -signature sig.bin prescription.xml` checks it.

use std::process::ExitCode;

use apdu::PcscContext;
use cert_signer::{CertSigner, DigestAlgorithm};
use hpki_card::{App, HpkiCard, LastTry, Pin};

#[derive(Default)]
struct Args {
    reader: Option<String>,
    pin: Option<String>,
    input: Option<String>,
    cert_out: Option<String>,
    sig_out: Option<String>,
    app: Option<String>,
    extended: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--reader" => args.reader = Some(value()?),
            "--pin" => args.pin = Some(value()?),
            "--in" => args.input = Some(value()?),
            "--cert-out" => args.cert_out = Some(value()?),
            "--sig-out" => args.sig_out = Some(value()?),
            "--app" => args.app = Some(value()?),
            "--extended" => args.extended = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let app = match args.app.as_deref() {
        None | Some("signing") => App::Signing,
        Some("authentication") => App::Authentication,
        Some(other) => return Err(format!("--app {other}: signing or authentication").into()),
    };
    let pin = Pin::new(args.pin.as_deref().ok_or("--pin is required")?)?;
    let input = std::fs::read(args.input.as_deref().ok_or("--in is required")?)?;

    let ctx = PcscContext::establish()?;
    let mut transport = match &args.reader {
        Some(reader) => ctx.connect(reader)?,
        None => ctx.connect_first()?,
    };
    transport.set_extended_length(args.extended);
    println!("reader: {}", transport.reader());
    let mut tx = transport.transaction()?;

    let card = HpkiCard::open_app(&mut tx, app)?;
    println!("application: {app}, layout: {:?}", card.profile());
    // A wrong PIN ends here, with the tries left; the last try is never spent.
    let mut signer = card.into_signer(pin, LastTry::Refuse)?;
    println!("certificate: {} bytes", signer.certificate_der().len());
    if let Some(path) = &args.cert_out {
        std::fs::write(path, signer.certificate_der())?;
    }

    let digest = DigestAlgorithm::Sha256.hash(&input);
    let signature = signer.sign_digest(DigestAlgorithm::Sha256, &digest)?;
    println!(
        "signature: {} bytes with {:?}",
        signature.len(),
        signer.card_mut().sign_variant()
    );
    if let Some(path) = &args.sig_out {
        std::fs::write(path, &signature)?;
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hpki_sign: {e}");
            ExitCode::FAILURE
        }
    }
}
