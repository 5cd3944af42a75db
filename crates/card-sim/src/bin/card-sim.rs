//! `card-sim`: serve a virtual card to pcscd through vpcd.

use std::process::ExitCode;

use card_sim::{MinimalCard, VirtualCard, vpcd};
use clap::{Parser, Subcommand, ValueEnum};

/// `println!` for the start-up banner: a closed standard output (`| head`) must not stop
/// the simulator, so a failed write is dropped rather than a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

#[path = "card-sim/hpki.rs"]
mod hpki;
#[path = "card-sim/mynumber.rs"]
mod mynumber;

#[derive(Parser)]
#[command(name = "card-sim", version, about = "Virtual My Number and HPKI cards")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Connect to vpcd (pcscd's virtual reader) and serve a card until pcscd goes away.
    Vpcd {
        /// Which card to insert.
        #[arg(long, value_enum)]
        card: CardKind,
        /// vpcd's card-side host.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// vpcd's card-side port.
        #[arg(long, default_value_t = vpcd::DEFAULT_PORT)]
        port: u16,
        /// Write every exchange to this file (apdu trace text; PINs redacted).
        #[arg(long)]
        trace: Option<std::path::PathBuf>,
        #[command(flatten)]
        mynumber: mynumber::Args,
        #[command(flatten)]
        hpki: hpki::HpkiArgs,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum CardKind {
    /// A card that only answers SELECT for the JPKI and HPKI application ids.
    Minimal,
    /// The virtual My Number Card (JPKI AP and input-support AP, test PKI).
    Mynumber,
    /// A virtual HPKI card of a test physician (signing and authentication APs).
    HpkiPhysician,
    /// A virtual HPKI card of a test dentist.
    HpkiDentist,
    /// A virtual HPKI card of a test pharmacist.
    HpkiPharmacist,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Vpcd {
            card,
            host,
            port,
            trace,
            mynumber,
            hpki,
        } => {
            let card: Box<dyn VirtualCard> = match card {
                CardKind::Minimal => Box::new(MinimalCard::new(vec![
                    card_sim::JPKI_AID.to_vec(),
                    vec![
                        0xE8, 0x28, 0xBD, 0x08, 0x0F, 0xA0, 0x00, 0x00, 0x03, 0x91, 0x00, 0x00,
                        0x00, 0x00, 0x00, 0x01,
                    ],
                ])),
                CardKind::Mynumber => match mynumber.card() {
                    Ok(card) => Box::new(card),
                    Err(e) => {
                        eprintln!("card-sim: {e}");
                        return ExitCode::FAILURE;
                    }
                },
                CardKind::HpkiPhysician | CardKind::HpkiDentist | CardKind::HpkiPharmacist => {
                    let holder = match card {
                        CardKind::HpkiDentist => card_sim::HpkiHolder::Dentist,
                        CardKind::HpkiPharmacist => card_sim::HpkiHolder::Pharmacist,
                        _ => card_sim::HpkiHolder::Physician,
                    };
                    match hpki.card(holder) {
                        Ok(card) => Box::new(card),
                        Err(e) => {
                            eprintln!("card-sim: {e}");
                            return ExitCode::FAILURE;
                        }
                    }
                }
            };
            let card: Box<dyn VirtualCard> = match mynumber.pull_after() {
                Some(n) => Box::new(mynumber::PullAfter::new(card, n)),
                None => card,
            };
            let mut card: Box<dyn VirtualCard> = match trace {
                None => card,
                Some(path) => match mynumber::Tracing::create(card, &path) {
                    Ok(traced) => Box::new(traced),
                    Err(e) => {
                        eprintln!("card-sim: cannot write the trace {}: {e}", path.display());
                        return ExitCode::FAILURE;
                    }
                },
            };
            let addr = format!("{host}:{port}");
            eprintln!("card-sim: serving the card on vpcd at {addr}");
            // pcscd may still be loading the vpcd driver, or vpcd re-arming its socket
            // after an earlier card left: keep trying to connect for ten seconds.
            let mut attempts = 0;
            loop {
                match vpcd::serve(card.as_mut(), addr.as_str()) {
                    Ok(()) => return ExitCode::SUCCESS,
                    Err(vpcd::VpcdError::Connect { .. }) if attempts < 50 => {
                        attempts += 1;
                        std::thread::sleep(std::time::Duration::from_millis(200));
                    }
                    Err(e) => {
                        eprintln!("card-sim: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
        }
    }
}
