//! `medsign cms`: CAdES (CMS SignedData) signatures over any file.

use std::path::PathBuf;

use cms_sign::{HttpTsa, SignOptions, TimeStampOptions, Verdict, VerifyOptions};

use crate::cardsrc::{CardArgs, Key, open_signer};
use crate::error::{CliError, CliResult, Exit, io_error};
use crate::pin::PinArgs;
use crate::{i18n::t, tf};

/// Subcommands of `medsign cms`.
#[derive(clap::Subcommand)]
pub enum CmsCmd {
    /// Sign a file: CAdES B-B, or B-T with `--tsa`.
    Sign(SignArgs),
    /// Verify a CAdES signature. Exit 0 only when every signer is VALID.
    Verify(VerifyArgs),
}

/// Arguments of `medsign cms sign`.
#[derive(clap::Args)]
pub struct SignArgs {
    /// The file to sign.
    #[arg(long = "in")]
    input: PathBuf,
    /// Where to write the DER signature (`.p7s`).
    #[arg(long, short)]
    out: PathBuf,
    /// Leave the content out of the signature (detached).
    #[arg(long)]
    detached: bool,
    /// An RFC 3161 time-stamp authority URL (http or https) for a signature time-stamp.
    #[arg(long)]
    tsa: Option<String>,
    /// The key to sign with (default: the HPKI signing key on an HPKI card, the
    /// signature key on a My Number Card).
    #[arg(long, value_enum)]
    key: Option<Key>,
    #[command(flatten)]
    card: CardArgs,
    #[command(flatten)]
    pin: PinArgs,
}

/// Arguments of `medsign cms verify`.
#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The signature (`.p7s`, DER).
    file: PathBuf,
    /// The signed content, for a detached signature.
    #[arg(long)]
    content: Option<PathBuf>,
    /// A folder of trust anchors (DER or PEM).
    #[arg(long, required = true)]
    trust: PathBuf,
    /// The validation time when the signature has no time-stamp (RFC 3339).
    #[arg(long)]
    at: Option<jiff::Timestamp>,
    /// Require a valid signature time-stamp (B-T).
    #[arg(long)]
    require_time_stamp: bool,
    /// The full report as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `medsign cms`.
pub fn run(cmd: CmsCmd) -> CliResult {
    match cmd {
        CmsCmd::Sign(args) => sign(args),
        CmsCmd::Verify(args) => verify(args),
    }
}

fn sign(args: SignArgs) -> CliResult {
    let content = std::fs::read(&args.input).map_err(|e| io_error(&args.input, &e))?;
    let mut tsa = match &args.tsa {
        Some(url) => Some(HttpTsa::new(url).map_err(|e| CliError::usage(format!("--tsa: {e}")))?),
        None => None,
    };
    let mut signer = open_signer(&args.card, &args.pin, args.key)?;
    let mut p7s = cms_sign::sign(&mut signer, &content, args.detached, &SignOptions::new())
        .map_err(|e| crate::signfail::sign_error(&e))?;
    if let Some(client) = tsa.as_mut() {
        p7s = cms_sign::add_signature_time_stamps(&p7s, client, &TimeStampOptions::new()).map_err(
            |e| {
                CliError::service(tf!(
                    "the time-stamp authority failed: {e}",
                    "タイムスタンプ局への要求が失敗しました: {e}"
                ))
            },
        )?;
    }
    std::fs::write(&args.out, &p7s).map_err(|e| io_error(&args.out, &e))?;
    eprintln!(
        "{}",
        tf!(
            "wrote {} ({} bytes, {})",
            "{} に書き出しました（{} バイト、{}）",
            args.out.display(),
            p7s.len(),
            if args.tsa.is_some() {
                "CAdES B-T"
            } else {
                "CAdES B-B"
            }
        )
    );
    Ok(Exit::Ok)
}

fn verify(args: VerifyArgs) -> CliResult {
    let store = hpki_cert::TrustStore::from_dir(&args.trust).map_err(|e| {
        CliError::input(tf!(
            "cannot load trust anchors from {}: {e}",
            "{} からトラストアンカーを読めません: {e}",
            args.trust.display()
        ))
    })?;
    let p7s = std::fs::read(&args.file).map_err(|e| io_error(&args.file, &e))?;
    let content = match &args.content {
        Some(path) => Some(std::fs::read(path).map_err(|e| io_error(path, &e))?),
        None => None,
    };
    let mut options = VerifyOptions::new().trust(store);
    if let Some(at) = args.at {
        options = options.at(at);
    }
    options = options.require_time_stamp(args.require_time_stamp);
    let report = cms_sign::verify(&p7s, content.as_deref(), &options);
    let mut line = |s: String| crate::output::write_stdout(format!("{s}\n").as_bytes());
    if args.json {
        line(report.to_json())?;
    } else {
        line(format!(
            "{}  {}",
            verdict_text(report.verdict),
            args.file.display()
        ))?;
        if let Some(e) = &report.error {
            line(format!("    ! {e}"))?;
        }
        for signer in &report.signers {
            signer_lines(signer, 1, &mut line)?;
        }
    }
    Ok(if report.verdict == Verdict::Valid {
        Exit::Ok
    } else {
        Exit::NotValid
    })
}

fn verdict_text(v: Verdict) -> &'static str {
    match v {
        Verdict::Valid => t("VALID", "VALID（有効）"),
        Verdict::Invalid => t("INVALID", "INVALID（無効）"),
        Verdict::Indeterminate => t("INDETERMINATE", "INDETERMINATE（判定不能）"),
    }
}

fn signer_lines(
    s: &cms_sign::SignerReport,
    depth: usize,
    line: &mut impl FnMut(String) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let indent = "    ".repeat(depth);
    let level = match s.level {
        cms_sign::Level::BB => "B-B",
        cms_sign::Level::BT => "B-T",
    };
    let who = s
        .signer
        .clone()
        .unwrap_or_else(|| t("signer unknown", "署名者不明").to_owned());
    let when = s
        .time_stamp_time
        .or(s.signing_time)
        .map_or_else(|| "-".to_owned(), |t| t.to_string());
    line(format!(
        "{indent}{} #{} {level}: {}, {who}, {when}",
        t("signer", "署名者"),
        s.index,
        verdict_text(s.verdict)
    ))?;
    for c in &s.checks {
        if matches!(
            c.status,
            cms_sign::Status::Failed | cms_sign::Status::Indeterminate
        ) {
            line(format!(
                "{indent}  - {:?}: {:?}: {}",
                c.check, c.status, c.detail
            ))?;
        }
    }
    for w in &s.warnings {
        line(format!("{indent}  ~ {w}"))?;
    }
    for cs in &s.counter_signatures {
        signer_lines(cs, depth + 1, line)?;
    }
    Ok(())
}
