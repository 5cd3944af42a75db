//! `medsign`: the command-line front of the medsign crates.
//!
//! Cards (`card`), e-prescriptions (`rx`), CAdES (`cms`), the Mynaportal HPKI
//! application (`apply`), remote signing with the HPKI second certificate (`remote`) and
//! the virtual cards and local services (`sim`). See `medsign --help`.

#![forbid(unsafe_code)]

mod cardsrc;
mod cmd;
mod error;
mod files;
mod i18n;
mod output;
mod pin;
mod signfail;
mod validation;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::{CliError, Exit};

const EXIT_CODES: &str = "\
Exit codes:
  0  success; every verified document or signature is VALID
  1  something verified is not VALID (INVALID or INDETERMINATE), or a form did not validate
  2  usage error on the command line
  3  a file could not be read or written, or is malformed
  4  no reader, no card, the wrong card, or the card failed
  5  PIN: wrong (tries left shown), blocked, wrong format (not sent), last try refused
  6  a service (Mynaportal, remote-signing platform, TSA) failed or refused

Messages follow the locale (LC_ALL, LC_MESSAGES, LANG: ja* = Japanese), or --lang /
MEDSIGN_LANG. PINs are read from the terminal without echo, or from standard input
with --pin-stdin; they are never accepted as arguments.";

/// Sign and verify Japanese e-prescriptions with HPKI and the My Number Card.
#[derive(Parser)]
#[command(name = "medsign", version, after_help = EXIT_CODES, propagate_version = true)]
struct Cli {
    /// Language of messages (default: from the locale).
    #[arg(long, global = true, value_enum, env = "MEDSIGN_LANG", hide_env = true)]
    lang: Option<i18n::Lang>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Smart cards: readers, card kind, PIN tries, certificates, basic four items, signing.
    #[command(subcommand)]
    Card(cmd::card::CardCmd),
    /// E-prescriptions (XAdES): sign and verify prescription and dispensing documents.
    #[command(subcommand)]
    Rx(cmd::rx::RxCmd),
    /// CAdES (CMS) signatures: sign and verify files.
    #[command(subcommand)]
    Cms(cmd::cms::CmsCmd),
    /// Apply for an HPKI card through Mynaportal with the My Number Card.
    Apply(cmd::apply::ApplyArgs),
    /// Remote signing with the HPKI second certificate.
    #[command(subcommand)]
    Remote(cmd::remote::RemoteCmd),
    /// Start virtual cards on vpcd, the local Mynaportal and the remote-signing platform.
    Sim(cmd::sim::SimArgs),
}

fn run(cli: Cli) -> Result<Exit, CliError> {
    match cli.command {
        Command::Card(c) => cmd::card::run(c),
        Command::Rx(c) => cmd::rx::run(c),
        Command::Cms(c) => cmd::cms::run(c),
        Command::Apply(a) => cmd::apply::run(a),
        Command::Remote(c) => cmd::remote::run(c),
        Command::Sim(a) => cmd::sim::run(a),
    }
}

fn main() -> ExitCode {
    // The language is needed before clap's own messages are printed.
    let early_lang = std::env::args()
        .skip_while(|a| a != "--lang")
        .nth(1)
        .and_then(|v| <i18n::Lang as clap::ValueEnum>::from_str(&v, true).ok());
    i18n::init(early_lang);
    let cli = Cli::parse();
    // Output that could not be written (other than to a closed pipe) is an error, even
    // when the command itself succeeded.
    match run(cli).and_then(|exit| output::finish().map(|()| exit)) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(e) => {
            eprintln!("medsign: {}", e.message);
            ExitCode::from(e.exit as u8)
        }
    }
}
