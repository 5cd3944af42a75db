//! Sign and verify CAdES (CMS) files from the command line.
//!
//! ```text
//! cargo run --example cms -- sign --card hpki-physician --in FILE --out FILE.p7s [--detached] [--tsa URL] [--trust-out DIR]
//! cargo run --example cms -- verify --trust DIR [--crl FILE]... [--content FILE] FILE.p7s
//! cargo run --example cms -- tokens FILE.p7s --out DIR
//! cargo run --example cms -- tsa
//! ```
//!
//! `--card hpki-physician` is, for now, the fictitious test physician of
//! `cms_sign::test_pki` signing through a software key (the virtual HPKI card comes
//! later). `verify` prints a JSON report and exits 0 only when the signature is valid.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use cms_sign::{HttpTsa, Indication, SignOptions, TimeStampOptions, VerifyOptions, test_pki};

#[derive(Parser)]
#[command(about = "CAdES B-B / B-T signing and verification")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Signs a file (CAdES B-B, or B-T with --tsa).
    Sign {
        /// The signer: `hpki-physician` (the test physician).
        #[arg(long)]
        card: String,
        /// The file to sign.
        #[arg(long = "in")]
        input: PathBuf,
        /// Where to write the DER signature.
        #[arg(long)]
        out: PathBuf,
        /// Leave the content out of the signature.
        #[arg(long)]
        detached: bool,
        /// An RFC 3161 TSA URL (http://) for a signature time-stamp.
        #[arg(long)]
        tsa: Option<String>,
        /// Write the signer's trust anchors as PEM, and their CRL, into this directory.
        #[arg(long)]
        trust_out: Option<PathBuf>,
    },
    /// Verifies a signature and prints a JSON report.
    Verify {
        /// A directory of trust anchors (PEM or DER); its `*.crl` files are used for
        /// revocation checking (`sign --trust-out` writes the test root's CRL there).
        #[arg(long)]
        trust: PathBuf,
        /// A CRL (DER) for revocation checking besides those of --trust (repeatable):
        /// revocation status is required.
        #[arg(long)]
        crl: Vec<PathBuf>,
        /// The content, for a detached signature.
        #[arg(long)]
        content: Option<PathBuf>,
        /// The signature file.
        file: PathBuf,
    },
    /// Writes each signature time-stamp token and the signature value it stamps.
    Tokens {
        /// The signature file.
        file: PathBuf,
        /// Output directory (token-N.der, signature-N.bin).
        #[arg(long)]
        out: PathBuf,
    },
    /// Runs the loopback test TSA until killed, printing its URL.
    Tsa,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match cli.command {
        Command::Sign {
            card,
            input,
            out,
            detached,
            tsa,
            trust_out,
        } => {
            let mut signer = match card.as_str() {
                "hpki-physician" => test_pki::physician().0,
                other => return Err(format!("unknown card {other:?} (hpki-physician)").into()),
            };
            let content = std::fs::read(&input)?;
            let mut p7s = cms_sign::sign(&mut signer, &content, detached, &SignOptions::new())?;
            if let Some(url) = tsa {
                let mut client = HttpTsa::new(&url)?;
                p7s = cms_sign::add_signature_time_stamps(
                    &p7s,
                    &mut client,
                    &TimeStampOptions::new(),
                )?;
            }
            std::fs::write(&out, &p7s)?;
            if let Some(dir) = trust_out {
                let path = test_pki::write_anchors(&dir)?;
                eprintln!("anchors written to {}", path.display());
            }
            eprintln!("wrote {} ({} bytes)", out.display(), p7s.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify {
            trust,
            crl,
            content,
            file,
        } => {
            let store = hpki_cert::TrustStore::from_dir(&trust)?;
            let p7s = std::fs::read(&file)?;
            let content = content.map(std::fs::read).transpose()?;
            let mut options = VerifyOptions::new().trust(store);
            let mut crls: Vec<PathBuf> = std::fs::read_dir(&trust)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("crl")))
                .collect();
            crls.sort();
            crls.extend(crl);
            for path in crls {
                options = options.crl(std::fs::read(path)?);
            }
            let report = cms_sign::verify(&p7s, content.as_deref(), &options);
            println!("{}", report.to_json());
            Ok(if report.indication == Indication::Valid {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Tokens { file, out } => {
            std::fs::create_dir_all(&out)?;
            let p7s = std::fs::read(&file)?;
            let tokens = cms_sign::signature_time_stamp_tokens(&p7s)?;
            for (n, t) in tokens.iter().enumerate() {
                std::fs::write(out.join(format!("token-{n}.der")), &t.token)?;
                std::fs::write(out.join(format!("signature-{n}.bin")), &t.signature)?;
            }
            println!("{}", tokens.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::Tsa => {
            let tsa = test_pki::LoopbackTsa::start()?;
            println!("{}", tsa.url());
            use std::io::Write as _;
            std::io::stdout().flush()?;
            loop {
                std::thread::park();
            }
        }
    }
}
