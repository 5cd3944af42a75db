//! `medsign cms`: CAdES (CMS SignedData) signatures over any file.

use std::path::{Path, PathBuf};

use cms_sign::{HttpTsa, Indication, SignOptions, SubIndication, TimeStampOptions, VerifyOptions};

use crate::cardsrc::{CardArgs, Key, open_signer};
use crate::error::{CliError, CliResult, Exit, io_error};
use crate::files::{Bounded, Unread};
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
    ///
    /// The signature is held to cms_sign::Limits (64 MiB, 32 signers, 256
    /// certificates, 32 CRLs, counter-signatures 8 deep, ...): a file over a limit is
    /// INDETERMINATE with the limit named, checked by its size before it is read. The
    /// content may be up to 1 GiB. FIFOs and devices are not opened unless
    /// --follow-special.
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
    /// The full report as JSON (long lists end with a "more" marker; at most 1 MiB).
    #[arg(long)]
    json: bool,
    /// Also read FIFOs, devices and sockets (by default they are refused unopened:
    /// reading one may block forever or never end). Reads stop at the size limits
    /// either way.
    #[arg(long)]
    follow_special: bool,
}

/// The largest detached content `cms verify` reads.
const MAX_CONTENT_BYTES: usize = 1 << 30;

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
    let max = cms_sign::Limits::default().input_bytes;
    let report = match read_bounded(&args.file, args.follow_special, max)? {
        Bounded::TooLarge(size) => options.report_if_too_large(size).ok_or_else(|| {
            CliError::input(tf!(
                "{}: {size} bytes, more than {max}",
                "{}: {size} バイトで上限 {max} を超えています",
                args.file.display()
            ))
        })?,
        // Read up to one byte past the limit: the verifier names the limit.
        Bounded::Bytes(p7s) => {
            let content = match &args.content {
                Some(path) => match read_bounded(path, args.follow_special, MAX_CONTENT_BYTES)? {
                    Bounded::Bytes(c) if c.len() <= MAX_CONTENT_BYTES => Some(c),
                    _ => {
                        return Err(CliError::input(tf!(
                            "{}: more than {MAX_CONTENT_BYTES} bytes: not read",
                            "{}: {MAX_CONTENT_BYTES} バイトを超えるため読みません",
                            path.display()
                        )));
                    }
                },
                None => None,
            };
            cms_sign::verify(&p7s, content.as_deref(), &options)
        }
    };
    print_report(&args, &report)?;
    Ok(if report.indication == Indication::Valid {
        Exit::Ok
    } else {
        Exit::NotValid
    })
}

/// [`crate::files::read_bounded`] with the refusals as this command's errors.
fn read_bounded(path: &Path, follow_special: bool, max: usize) -> Result<Bounded, CliError> {
    crate::files::read_bounded(path, follow_special, max).map_err(|no| match no {
        Unread::Special(kind) => CliError::input(tf!(
            "{}: not a regular file ({kind}): not opened (--follow-special reads it)",
            "{}: 通常のファイルではありません（{kind}）: 開きません（--follow-special で読みます）",
            path.display()
        )),
        Unread::Io(e) => io_error(path, &e),
    })
}

/// At most this many entries of a list are printed, then "… N more".
const LIST_LINES: usize = 100;
/// Lines are cut at this many bytes.
const LINE_BYTES: usize = 4096;

/// The first [`LIST_LINES`] of `items`, and how many are left out.
fn shown<T>(items: &[T]) -> (&[T], usize) {
    let n = items.len().min(LIST_LINES);
    (items.get(..n).unwrap_or(items), items.len() - n)
}

/// The report on stdout: JSON (bounded by the report limits), or text lines with long
/// lists and lines cut.
fn print_report(args: &VerifyArgs, report: &cms_sign::Report) -> Result<(), CliError> {
    if args.json {
        return crate::output::write_stdout(format!("{}\n", report.to_json()).as_bytes());
    }
    let mut line = |s: String| {
        let s = cut(&s);
        crate::output::write_stdout(format!("{s}\n").as_bytes())
    };
    {
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
        let (waivers, more) = shown(&report.waivers);
        for w in waivers {
            line(format!("    ! {}: {w}", t("waived", "省略")))?;
        }
        more_line(&mut line, "    ", more)?;
        let (warnings, more) = shown(&report.warnings);
        for w in warnings {
            line(format!("    ~ {w}"))?;
        }
        more_line(&mut line, "    ", more)?;
        let (signers, more) = shown(&report.signers);
        for signer in signers {
            signer_lines(signer, 1, &mut line)?;
        }
        more_line(&mut line, "    ", more)?;
    }
    Ok(())
}

/// `s` cut to [`LINE_BYTES`] at a character boundary.
fn cut(s: &str) -> std::borrow::Cow<'_, str> {
    if s.len() <= LINE_BYTES {
        return s.into();
    }
    let mut end = LINE_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}… [{} more bytes]",
        s.get(..end).unwrap_or_default(),
        s.len() - end
    )
    .into()
}

/// "… N more" when a list was cut.
fn more_line(
    line: &mut impl FnMut(String) -> Result<(), CliError>,
    indent: &str,
    more: usize,
) -> Result<(), CliError> {
    if more > 0 {
        line(tf!("{indent}… {more} more", "{indent}… ほか {more} 件"))?;
    }
    Ok(())
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
    let (checks, more) = shown(&s.checks);
    for c in checks {
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
    more_line(line, &indent, more)?;
    let (warnings, more) = shown(&s.warnings);
    for w in warnings {
        line(format!("{indent}  ~ {w}"))?;
    }
    more_line(line, &indent, more)?;
    // The report's counter-signatures nest at most Limits::MAX_COUNTER_SIGNATURE_DEPTH.
    let (counters, more) = shown(&s.counter_signatures);
    for cs in counters {
        signer_lines(cs, depth + 1, line)?;
    }
    more_line(line, &indent, more)?;
    Ok(())
}
