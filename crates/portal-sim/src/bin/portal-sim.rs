//! `portal-sim`: the local Mynaportal stand-in as a program.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use portal_sim::{Portal, PortalConfig};

/// `println!` for the start-up banner: a closed standard output (`| head`) must not stop
/// the simulator, so a failed write is dropped rather than a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

#[derive(Parser)]
#[command(
    name = "portal-sim",
    version,
    about = "Local stand-in for Mynaportal's HPKI application procedure"
)]
struct Args {
    /// Address to listen on (loopback).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// SQLite database file (created when missing); in memory when absent.
    #[arg(long)]
    db: Option<PathBuf>,
    /// Bearer token of the operator endpoints (the authority review stand-in).
    #[arg(long)]
    operator_token: String,
    /// SQLite file of the embedded second-certificate platform (in memory when absent).
    #[arg(long)]
    platform_db: Option<PathBuf>,
    /// A J-LIS root certificate (DER) to trust; repeatable. Default: card-sim's test root.
    #[arg(long)]
    trust_anchor: Vec<PathBuf>,
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut trust = hpki_cert::TrustStore::new();
    if args.trust_anchor.is_empty() {
        let pki = card_sim::JpkiTestPki::generate(&card_sim::TestHolder::yamada_hanako())?;
        trust.add_anchor_der(pki.root_der())?;
    }
    for path in &args.trust_anchor {
        trust.add_anchor_der(&std::fs::read(path)?)?;
    }
    let portal = Portal::open(
        args.db.as_deref(),
        trust,
        PortalConfig::new(args.operator_token)?,
    )?;
    let platform = std::sync::Arc::new(portal_sim::LocalPlatform::start(
        args.platform_db.as_deref(),
    )?);
    say!(
        "portal-sim: second-certificate platform on {}",
        platform.base_url()
    );
    let portal = portal.with_platform(platform);
    let server = portal.serve(&args.listen)?;
    say!("portal-sim: listening on {}", server.base_url());
    // Serve until killed.
    loop {
        std::thread::park();
    }
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("portal-sim: {e}");
            ExitCode::FAILURE
        }
    }
}
