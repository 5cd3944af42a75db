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
    /// Address of the CRL endpoint serving the test PKI's CRLs (the distribution points
    /// under http://crl.medsign.invalid/), where the portal checks the My Number Cards'
    /// revocation status; port 0, the default, picks a free one.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    crl: String,
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
    let mut portal = Portal::open(
        args.db.as_deref(),
        trust,
        PortalConfig::new(args.operator_token)?,
    )?;
    // The crash-consistency tests' hook: abort right after the named database write.
    if let Ok(write) = std::env::var("PORTAL_SIM_CRASH_AFTER") {
        portal = portal.crash_after_write(&write);
    }
    let platform = std::sync::Arc::new(portal_sim::LocalPlatform::start(
        args.platform_db.as_deref(),
    )?);
    say!(
        "portal-sim: second-certificate platform on {}",
        platform.base_url()
    );
    // The cards' revocation status is required: the test PKI's CRLs, served on the
    // portal's clock (CRLs stay current when the operator moves it).
    let crls = sign_platform_sim::CrlServer::start_with_clock(&args.crl, portal.clock().clone())?;
    say!(
        "portal-sim: CRLs of the test PKI on {} (stands in for {})",
        crls.base_url(),
        hpki_cert::testpki::TEST_CRL_BASE_URL
    );
    let portal = portal
        .with_platform(platform)
        .with_crl_source(std::sync::Arc::new(crls.crl_source()?));
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
