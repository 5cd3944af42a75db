//! Builds and signs a prescription (EPS1.0) from a CSV file.
//!
//! ```text
//! cargo run --release --example sign_prescription -- --card hpki-physician --csv FILE --out FILE [--trust-out DIR]
//! ```
//!
//! `--card hpki-physician` signs with the test physician of the fixed test PKI
//! (`hpki_cert::testpki`) through a `cert_signer::SoftwareSigner`, standing in for the
//! virtual HPKI card until it lands. `--trust-out DIR` writes that PKI's anchors and
//! intermediate (PEM and DER) so that `verify_prescription --trust DIR` accepts the output.
//! Also: `--at RFC3339` (signing time), `--ids TAG` and `--prescription-id UUID` for
//! reproducible output.

use std::{path::PathBuf, process::ExitCode};

use hpki_cert::testpki::TestPki;
use xades_sign::{Prescription, SignOptions, SignatureIds, sign_prescription};

fn usage(msg: &str) -> ExitCode {
    eprintln!(
        "{msg}\nusage: sign_prescription --card hpki-physician|hpki-dentist|hpki-pharmacist --csv FILE --out FILE \
         [--trust-out DIR] [--at RFC3339] [--ids TAG] [--prescription-id UUID]"
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

fn run() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let mut card = None;
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
            "--csv" => csv = Some(PathBuf::from(value()?)),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--trust-out" => trust_out = Some(PathBuf::from(value()?)),
            "--at" => opts.signing_time = value()?.parse()?,
            "--ids" => opts.ids = SignatureIds::from_tag(&value()?)?,
            "--prescription-id" => prescription_id = Some(value()?.parse::<uuid::Uuid>()?),
            "--pcsc" => return Ok(usage("--pcsc needs the HPKI card crate, not available yet")),
            _ => return Ok(usage(&format!("unknown argument {arg}"))),
        }
    }
    let (Some(card), Some(csv), Some(out)) = (card, csv, out) else {
        return Ok(usage("--card, --csv and --out are required"));
    };
    let pki = TestPki::new()?;
    let holder = match card.as_str() {
        "hpki-physician" => pki.physician(),
        "hpki-dentist" => pki.dentist(),
        "hpki-pharmacist" => pki.pharmacist(),
        other => return Ok(usage(&format!("unknown card {other:?}"))),
    };
    let mut signer = holder.signer();
    let mut prescription = Prescription::new(std::fs::read_to_string(&csv)?);
    if let Some(id) = prescription_id {
        prescription = prescription.with_id(id);
    }
    let signed = sign_prescription(&prescription, &mut signer, &opts)?;
    std::fs::write(&out, signed)?;
    if let Some(dir) = trust_out {
        std::fs::create_dir_all(&dir)?;
        let certs = [
            ("hpki-root", pki.hpki_root()),
            ("hpki-sign-ca", pki.hpki_sign_ca()),
        ];
        for (name, cert) in certs {
            std::fs::write(dir.join(format!("{name}.der")), cert.cert_der())?;
            std::fs::write(dir.join(format!("{name}.pem")), cert.cert_pem())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
