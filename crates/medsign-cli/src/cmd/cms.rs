//! `medsign cms`: CAdES (CMS SignedData) signatures over any file.

use std::path::PathBuf;

use cms_sign::{HttpTsa, Indication, SignOptions, SubIndication, TimeStampOptions, VerifyOptions};

use crate::cardsrc::{CardArgs, Key, open_signer};
use crate::error::{CliError, CliResult, Exit, io_error};
use crate::pin::PinArgs;
use crate::{i18n::t, tf};

/// Subcommands of `medsign cms`.
#[derive(clap::Subcommand)]
pub enum CmsCmd {
    /// Sign a file: CAdES B-B, or B-T with `--tsa`.
    Sign(SignArgs),
    /// Verify a CAdES signature at the validation time (now, or --at).
    ///
    /// Every signer's checks, its signature time-stamps (a valid one proves the
    /// signature existed at its time, and the signer's path is validated then), and
    /// every certificate path with revocation. Trust is the bundled MHLW HPKI Root CA
    /// V2 plus --trust. Exit 0 only when every signer is VALID.
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
    #[command(flatten)]
    validation: crate::validation::ValidationArgs,
    /// The validation time, RFC 3339 (default: now). The signing-time attribute is the
    /// signer's claim and never used as the validation time.
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
    let validation = &args.validation;
    let p7s = std::fs::read(&args.file).map_err(|e| io_error(&args.file, &e))?;
    let content = match &args.content {
        Some(path) => Some(std::fs::read(path).map_err(|e| io_error(path, &e))?),
        None => None,
    };
    let mut options = VerifyOptions::new()
        .trust(validation.trust_store()?)
        .revocation(validation.policy())
        .require_time_stamp(args.require_time_stamp);
    for crl in validation.crls()? {
        options = options.crl(crl);
    }
    if let Some(source) = validation.crl_source()? {
        options = options.crl_source(source);
    }
    if let Some(at) = args.at {
        options = options.at(at);
    }
    let report = cms_sign::verify(&p7s, content.as_deref(), &options);
    let mut line = |s: String| crate::output::write_stdout(format!("{s}\n").as_bytes());
    if args.json {
        line(report.to_json())?;
    } else {
        line(format!(
            "{}  {}",
            indication_text(report.indication, report.sub_indication),
            args.file.display()
        ))?;
        line(format!(
            "    {}",
            tf!(
                "validated at {}, revocation {}",
                "検証時刻 {}、失効確認 {}",
                report.validation_time,
                match report.revocation_policy {
                    cms_sign::RevocationPolicy::Waived => t("WAIVED", "省略（WAIVED）"),
                    _ => t("required", "必須"),
                }
            )
        ))?;
        if let Some(e) = &report.error {
            line(format!("    ! {e}"))?;
        }
        for w in &report.waivers {
            line(format!("    ! {}: {w}", t("waived", "省略")))?;
        }
        for w in &report.warnings {
            line(format!("    ~ {w}"))?;
        }
        for signer in &report.signers {
            signer_lines(signer, 1, &mut line)?;
        }
    }
    Ok(if report.indication == Indication::Valid {
        Exit::Ok
    } else {
        Exit::NotValid
    })
}

/// `VALID`, or the indication with its sub-indication's name and text.
fn indication_text(indication: Indication, sub: Option<SubIndication>) -> String {
    let main = match indication {
        Indication::Valid => t("VALID", "VALID（有効）"),
        Indication::Invalid => t("INVALID", "INVALID（無効）"),
        Indication::Indeterminate => t("INDETERMINATE", "INDETERMINATE（判定不能）"),
    };
    match sub {
        Some(s) => format!("{main} / {s} ({})", t(s.en(), s.ja())),
        None => main.to_owned(),
    }
}

fn signer_lines(
    s: &cms_sign::SignerReport,
    depth: usize,
    line: &mut impl FnMut(String) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let indent = "    ".repeat(depth);
    let level = match s.level {
        cms_sign::Level::BT => "B-T",
        _ => "B-B",
    };
    let who = s
        .signer
        .clone()
        .unwrap_or_else(|| t("signer unknown", "署名者不明").to_owned());
    let role = s
        .qualification
        .as_ref()
        .map(|q| format!(" ({q})"))
        .unwrap_or_default();
    let when = match (s.proof_of_existence, s.signing_time) {
        (Some(poe), _) => tf!("time-stamped {}", "タイムスタンプ {}", poe),
        (None, Some(claim)) => tf!("claims {}", "署名時刻（自己申告） {}", claim),
        (None, None) => "-".to_owned(),
    };
    line(format!(
        "{indent}{} #{} {level}: {}, {who}{role}, {when}",
        t("signer", "署名者"),
        s.index,
        indication_text(s.indication, s.sub_indication)
    ))?;
    if let Some(p) = &s.path {
        line(format!(
            "{indent}  {} {}: {}",
            t("path at", "パス検証時刻"),
            p.validated_at,
            p.anchor.as_deref().unwrap_or("-")
        ))?;
    }
    for c in &s.checks {
        match c.indication {
            Some(Indication::Valid) => {}
            Some(i) => line(format!(
                "{indent}  - {:?}: {}: {}",
                c.check,
                indication_text(i, c.sub_indication),
                c.detail
            ))?,
            None => line(format!(
                "{indent}  - {:?}: {}: {}",
                c.check,
                t("not run", "未実施"),
                c.detail
            ))?,
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
