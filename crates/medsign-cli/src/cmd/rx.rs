//! `medsign rx`: sign and verify e-prescriptions (XAdES over EPS/EPD documents).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use xades_sign::{
    Dispensing, Indication, Prescription, SignOptions, SignatureIds, Status, VerificationReport,
    Verifier,
};

use crate::cardsrc::{CardArgs, open_hpki_signer};
use crate::error::{CliError, CliResult, Exit, io_error};
use crate::output::{pad, progress};
use crate::pin::PinArgs;
use crate::{i18n::t, tf};

/// Subcommands of `medsign rx`.
#[derive(clap::Subcommand)]
pub enum RxCmd {
    /// Verify e-prescription documents (files, or folders searched for *.xml).
    ///
    /// Every check of the e-prescription signature (structure, signing certificate,
    /// references, signature value, time-stamps, validation data, certificate path
    /// with revocation) is run for every signature, at the validation time (now, or
    /// --at). Trust is the bundled MHLW HPKI Root CA V2 plus --trust; revocation status
    /// is required and fetched from the certificates' CRL distribution points unless
    /// --offline. Exit 0 only when every document is VALID, 1 otherwise.
    Verify(VerifyArgs),
    /// Sign a prescription (EPS1.0) built from the CSV prescription text.
    Sign(SignArgs),
    /// Sign a dispensing document (EPD1.0) that embeds a signed prescription.
    SignDispensing(SignDispensingArgs),
}

/// Arguments of `medsign rx verify`.
#[derive(clap::Args)]
pub struct VerifyArgs {
    /// Documents, or folders (searched recursively for *.xml).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    validation: crate::validation::ValidationArgs,
    /// The validation time, RFC 3339 (default: now).
    #[arg(long)]
    at: Option<jiff::Timestamp>,
    /// One JSON object per document and line, instead of the table.
    #[arg(long)]
    json: bool,
    /// Show every check of every signature, not only the failed ones.
    #[arg(long, short)]
    verbose: bool,
    /// Print the verified prescription CSV of each VALID document.
    #[arg(long)]
    show_csv: bool,
    /// No progress bar (it is only drawn on a terminal anyway).
    #[arg(long)]
    no_progress: bool,
    /// Documents verified in parallel (default: the number of CPUs).
    #[arg(long)]
    jobs: Option<usize>,
    /// Also read FIFOs, devices and sockets (by default each is reported as a failed
    /// entry and never opened: reading one may block forever or never end). Reads stop
    /// at the size limit either way.
    #[arg(long)]
    follow_special: bool,
}

/// Arguments of `medsign rx sign`.
#[derive(clap::Args)]
pub struct SignArgs {
    /// The CSV prescription text (処方箋CSV, UTF-8).
    #[arg(long)]
    csv: PathBuf,
    /// Where to write the signed document (default: standard output).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// A file with the AdditionalPrescriptionInformation element to embed.
    #[arg(long)]
    additional: Option<PathBuf>,
    /// The PrescriptionId (default: a fresh UUID).
    #[arg(long)]
    prescription_id: Option<uuid::Uuid>,
    #[command(flatten)]
    common: CommonSignArgs,
}

/// Arguments of `medsign rx sign-dispensing`.
#[derive(clap::Args)]
pub struct SignDispensingArgs {
    /// The CSV dispensing text (調剤結果CSV, UTF-8).
    #[arg(long)]
    csv: PathBuf,
    /// The signed prescription document the dispensing refers to.
    #[arg(long)]
    prescription: PathBuf,
    /// Where to write the signed document (default: standard output).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// A file with the AdditionalDispensingInformation element to embed.
    #[arg(long)]
    additional: Option<PathBuf>,
    #[command(flatten)]
    common: CommonSignArgs,
}

/// What every signing command takes.
#[derive(clap::Args)]
struct CommonSignArgs {
    #[command(flatten)]
    card: CardArgs,
    #[command(flatten)]
    pin: PinArgs,
    /// The signing time, RFC 3339 (default: now).
    #[arg(long)]
    at: Option<jiff::Timestamp>,
    /// Fixed signature ids (letters, digits, `-`), for reproducible output.
    #[arg(long)]
    ids: Option<String>,
    /// With `--sim`: write the virtual card's test trust anchor and CA (DER and PEM)
    /// and their current CRLs (`*.crl`, valid for a day) into this folder, for
    /// `rx verify --trust`.
    #[arg(long)]
    trust_out: Option<PathBuf>,
}

/// Runs `medsign rx`.
pub fn run(cmd: RxCmd) -> CliResult {
    match cmd {
        RxCmd::Verify(args) => verify(args),
        RxCmd::Sign(args) => sign(args),
        RxCmd::SignDispensing(args) => sign_dispensing(args),
    }
}

/// A document to verify: a file as given or found in a folder, or an entry of a
/// folder that cannot be one, with the reason (reported as that entry's failure).
struct Entry {
    path: PathBuf,
    problem: Option<String>,
}

impl Entry {
    fn document(path: PathBuf) -> Self {
        Self {
            path,
            problem: None,
        }
    }
}

/// What identifies a folder however it is reached (device and inode; elsewhere the
/// canonical path).
#[cfg(unix)]
type FolderKey = (u64, u64);
#[cfg(not(unix))]
type FolderKey = PathBuf;

#[cfg(unix)]
fn folder_key(_path: &Path, meta: &std::fs::Metadata) -> Option<FolderKey> {
    use std::os::unix::fs::MetadataExt as _;
    Some((meta.dev(), meta.ino()))
}
#[cfg(not(unix))]
fn folder_key(path: &Path, _meta: &std::fs::Metadata) -> Option<FolderKey> {
    std::fs::canonicalize(path).ok()
}

/// The documents under `paths`: files as given, folders searched for `*.xml`
/// (sorted, recursively, without recursion on the call stack). A folder is searched
/// once however many links lead to it: a symbolic link back to a folder already
/// searched (a loop, or a second way in) is reported as a failed entry, never
/// followed. Nothing is opened here: files are checked when they are read.
fn collect_documents(paths: &[PathBuf]) -> Result<Vec<Entry>, CliError> {
    let mut out = Vec::new();
    let mut visited: std::collections::HashMap<FolderKey, PathBuf> =
        std::collections::HashMap::new();
    for path in paths {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(CliError::input(tf!(
                    "{}: no such file or folder",
                    "{}: ファイルもフォルダもありません",
                    path.display()
                )));
            }
            Err(e) => {
                out.push(Entry {
                    path: path.clone(),
                    problem: Some(tf!("cannot read: {e}", "読めません: {e}")),
                });
                continue;
            }
        };
        if !meta.is_dir() {
            out.push(Entry::document(path.clone()));
            continue;
        }
        if let Some(key) = folder_key(path, &meta)
            && visited.insert(key, path.clone()).is_some()
        {
            continue;
        }
        // One iterator of sorted entries per open folder: depth-first, in order.
        let mut open = vec![sorted_entries(path)?.into_iter()];
        while let Some(entries) = open.last_mut() {
            let Some(entry) = entries.next() else {
                open.pop();
                continue;
            };
            let is_xml = entry
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("xml"));
            let is_link = std::fs::symlink_metadata(&entry).is_ok_and(|m| m.is_symlink());
            match std::fs::metadata(&entry) {
                Ok(meta) if meta.is_dir() => {
                    if let Some(key) = folder_key(&entry, &meta)
                        && let Some(first) = visited.get(&key)
                    {
                        let problem = tf!(
                            "symlink loop: leads to the folder {} again, not followed",
                            "シンボリックリンクのループ: フォルダ {} に戻るため辿りません",
                            first.display()
                        );
                        out.push(Entry {
                            path: entry,
                            problem: Some(problem),
                        });
                        continue;
                    }
                    if let Some(key) = folder_key(&entry, &meta) {
                        visited.insert(key, entry.clone());
                    }
                    match sorted_entries(&entry) {
                        Ok(children) => open.push(children.into_iter()),
                        Err(e) => out.push(Entry {
                            path: entry,
                            problem: Some(e.to_string()),
                        }),
                    }
                }
                Ok(_) if is_xml => out.push(Entry::document(entry)),
                Ok(_) => {}
                // A document that cannot be looked at, or a link that leads around in
                // a circle (ELOOP; a link to nothing that is not named like a document
                // is ignored like any other file).
                Err(e) if is_xml || (is_link && e.kind() != std::io::ErrorKind::NotFound) => {
                    out.push(Entry {
                        path: entry,
                        problem: Some(tf!("cannot read: {e}", "読めません: {e}")),
                    });
                }
                Err(_) => {}
            }
        }
    }
    if out.is_empty() {
        return Err(CliError::input(t(
            "no *.xml document found",
            "*.xml の文書が見つかりません",
        )));
    }
    Ok(out)
}

/// The paths in `dir`, sorted.
fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, CliError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io_error(dir, &e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    Ok(entries)
}

/// Reads the document at `path`, checked before reading: a FIFO, device or socket is
/// never opened unless `follow_special` (reading one may block forever or never
/// end), a regular file larger than `max` is not read, and the read stops after
/// `max + 1` bytes whatever the file turns out to be. The error is the document's
/// failure, in words.
fn read_document(path: &Path, follow_special: bool, max: usize) -> Result<Vec<u8>, String> {
    use crate::files::{Bounded, Unread};
    let too_large = |size: String| {
        tf!(
            "{size} bytes, more than the limit of {max}: not read",
            "{size} バイトで上限 {max} を超えるため読みません"
        )
    };
    match crate::files::read_bounded(path, follow_special, max) {
        Ok(Bounded::Bytes(bytes)) if bytes.len() <= max => Ok(bytes),
        Ok(Bounded::Bytes(_)) => Err(too_large(format!(">{max}"))),
        Ok(Bounded::TooLarge(size)) => Err(too_large(size.to_string())),
        Err(Unread::Special(kind)) => Err(tf!(
            "not a regular file ({kind}): not opened (--follow-special reads it)",
            "通常のファイルではありません（{kind}）: 開きません（--follow-special で読みます）"
        )),
        Err(Unread::Io(e)) => Err(tf!("cannot read: {e}", "読めません: {e}")),
    }
}

fn verify(args: VerifyArgs) -> CliResult {
    let trust = args.validation.trust_store()?;
    let files = collect_documents(&args.paths)?;
    let max_bytes = xades_sign::Limits::default().max_bytes;
    let mut verifier = args.validation.configure(Verifier::new(trust))?;
    if let Some(at) = args.at {
        verifier = verifier.at(at);
    }
    let bar = progress(files.len() as u64, !args.no_progress && files.len() > 1);
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 64)
        .min(files.len());
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<Result<VerificationReport, String>>> = Vec::new();
    results.resize_with(files.len(), || None);
    let results = std::sync::Mutex::new(results);
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = files.get(i) else { break };
                    let report = match &file.problem {
                        Some(problem) => Err(problem.clone()),
                        None => read_document(&file.path, args.follow_special, max_bytes)
                            .and_then(|bytes| verify_caught(&verifier, &bytes)),
                    };
                    bar.set_message(file.path.display().to_string());
                    bar.inc(1);
                    if let Ok(mut r) = results.lock()
                        && let Some(slot) = r.get_mut(i)
                    {
                        *slot = Some(report);
                    }
                }
            });
        }
    });
    bar.finish_and_clear();
    let results = results.into_inner().unwrap_or_default();

    let mut counts = [0usize; 3];
    let out = |line: String| crate::output::write_stdout(format!("{line}\n").as_bytes());
    if !args.json {
        out(format!(
            "{}  {}  {}",
            pad(t("STATUS", "結果"), 13),
            pad(t("TYPE", "種別"), 12),
            t("FILE", "ファイル")
        ))?;
    }
    for (file, result) in files.iter().zip(results) {
        let name = file.path.display().to_string();
        let report = match result {
            Some(Ok(report)) => report,
            Some(Err(reason)) => {
                VerificationReport::unreadable(reason, args.at.unwrap_or_else(jiff::Timestamp::now))
            }
            None => continue,
        };
        match report.status {
            Indication::Valid => counts[0] += 1,
            Indication::Invalid => counts[1] += 1,
            Indication::Indeterminate => counts[2] += 1,
        }
        if args.json {
            let mut json = report.to_json(&name);
            if args.show_csv
                && let Some(csv) = report.prescription_csv()
                && let Some(obj) = json.as_object_mut()
            {
                obj.insert("prescription_csv".into(), csv.into());
            }
            out(json.to_string())?;
        } else {
            for line in human_report(&name, &report, args.verbose) {
                out(line)?;
            }
            if args.show_csv
                && let Some(csv) = report.prescription_csv()
            {
                for line in csv.lines() {
                    out(format!("    | {line}"))?;
                }
            }
        }
    }
    let total = counts.iter().sum::<usize>();
    let summary = tf!(
        "{total} document(s): {} VALID, {} INVALID, {} INDETERMINATE",
        "{total} 件: 有効 {} / 無効 {} / 判定不能 {}",
        counts[0],
        counts[1],
        counts[2]
    );
    if args.json {
        eprintln!("{summary}");
    } else {
        out(String::new())?;
        out(summary)?;
    }
    Ok(if counts[0] == total {
        Exit::Ok
    } else {
        Exit::NotValid
    })
}

/// Verifies one document; a panic (a bug) is that document's failure, not the
/// end of the run.
fn verify_caught(verifier: &Verifier, bytes: &[u8]) -> Result<VerificationReport, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| verifier.verify(bytes))).map_err(
        |_| {
            t(
                "internal error while verifying (a bug: please report it)",
                "検証中の内部エラー（不具合です。報告してください）",
            )
            .to_owned()
        },
    )
}

fn indication_text(i: Indication, sub: Option<xades_sign::SubIndication>) -> String {
    let main = match crate::i18n::lang() {
        crate::i18n::Lang::En => i.as_str().to_owned(),
        crate::i18n::Lang::Ja => format!("{}（{}）", i.as_str(), i.ja()),
    };
    match sub {
        None => main,
        Some(sub) => format!("{main} {}: {}", sub.as_str(), t(sub.en(), sub.ja())),
    }
}

fn status_text(s: Status) -> String {
    match crate::i18n::lang() {
        crate::i18n::Lang::En => s.as_str().to_owned(),
        crate::i18n::Lang::Ja => match s {
            Status::Valid => "VALID（有効）",
            Status::Invalid => "INVALID（無効）",
            Status::Indeterminate => "INDETERMINATE（判定不能）",
            Status::Absent => "ABSENT（なし）",
        }
        .to_owned(),
    }
}

fn check_name(key: &str) -> &str {
    match key {
        "structure" => t("structure", "構造"),
        "signing_certificate" => t("signing certificate", "署名証明書"),
        "references" => t("references", "参照（ダイジェスト）"),
        "signature_value" => t("signature value", "署名値"),
        "signature_timestamp" => t("signature time-stamp", "署名タイムスタンプ"),
        "archive_timestamps" => t("archive time-stamps", "アーカイブタイムスタンプ"),
        "validation_data" => t("validation data", "検証データ"),
        "certificate_path" => t("certificate path", "証明書パス"),
        other => other,
    }
}

fn role_name(role: xades_sign::Role) -> &'static str {
    use xades_sign::Role as R;
    match role {
        R::Prescription => t("prescription", "処方箋署名"),
        R::DispensingPrescription => t("prescription (in dispensing)", "処方箋署名（調剤結果内）"),
        R::Dispensing => t("dispensing", "調剤結果署名"),
        _ => t("unknown", "不明な署名"),
    }
}

/// The table row of one document and the indented lines under it.
fn human_report(file: &str, report: &VerificationReport, verbose: bool) -> Vec<String> {
    let doc_type = match report.document_type {
        xades_sign::DocumentType::Prescription => t("prescription", "処方箋"),
        xades_sign::DocumentType::Dispensing => t("dispensing", "調剤結果"),
        _ => t("unknown", "不明"),
    };
    let mut lines = vec![format!(
        "{}  {}  {file}",
        pad(report.status.as_str(), 13),
        pad(doc_type, 12)
    )];
    if let (Some(sub), true) = (report.sub_indication, report.signatures.is_empty()) {
        lines.push(format!("    {}: {}", sub.as_str(), t(sub.en(), sub.ja())));
    }
    for e in &report.errors {
        lines.push(format!("    ! {e}"));
    }
    for s in &report.signatures {
        let signer = match (
            &s.signer.name,
            s.signer.qualification.as_ref().map(|q| q.name()),
        ) {
            (Some(n), Some(q)) => format!("{n} ({q})"),
            (Some(n), None) => n.clone(),
            (None, Some(q)) => q.to_owned(),
            (None, None) => t("signer unknown", "署名者不明").to_owned(),
        };
        let time = s.signing_time.as_deref().unwrap_or("-");
        lines.push(format!(
            "    {} {} {}: {}, {signer}, {time}",
            role_name(s.role),
            s.level.as_str(),
            s.id.as_deref().unwrap_or(""),
            indication_text(s.status, s.sub_indication),
        ));
        if let Some(anchor) = &s.signer.anchor {
            lines.push(format!(
                "      {} {anchor}",
                t("anchor:", "トラストアンカー:")
            ));
        }
        for w in &s.waivers {
            lines.push(format!("      {} {w}", t("WAIVED:", "免除:")));
        }
        for (key, check) in s.checks.iter() {
            if verbose || !matches!(check.status, Status::Valid | Status::Absent) {
                let reason = if check.reason.is_empty() {
                    String::new()
                } else {
                    format!(": {}", check.reason)
                };
                lines.push(format!(
                    "      - {}: {}{reason}",
                    check_name(key),
                    status_text(check.status)
                ));
            }
        }
    }
    lines
}

fn signing_options(common: &CommonSignArgs) -> Result<SignOptions, CliError> {
    let mut opts = SignOptions::now();
    if let Some(at) = common.at {
        opts.signing_time = at;
    }
    if let Some(tag) = &common.ids {
        opts.ids =
            SignatureIds::from_tag(tag).map_err(|e| CliError::usage(format!("--ids: {e}")))?;
    }
    Ok(opts)
}

fn read_text(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| io_error(path, &e))
}

fn write_output(out: Option<&Path>, bytes: &[u8]) -> Result<(), CliError> {
    match out {
        Some(path) => {
            std::fs::write(path, bytes).map_err(|e| io_error(path, &e))?;
            eprintln!(
                "{}",
                tf!(
                    "wrote {} ({} bytes)",
                    "{} に書き出しました（{} バイト）",
                    path.display(),
                    bytes.len()
                )
            );
            Ok(())
        }
        None => crate::output::write_stdout(bytes),
    }
}

/// Writes the `--sim` card's test anchors for `rx verify --trust`.
fn write_trust_out(common: &CommonSignArgs) -> Result<(), CliError> {
    let Some(dir) = &common.trust_out else {
        return Ok(());
    };
    let Some(holder) = common.card.sim.and_then(|s| s.hpki_holder()) else {
        return Err(CliError::usage(t(
            "--trust-out needs --sim with an HPKI card",
            "--trust-out には HPKI の --sim カードが必要です",
        )));
    };
    let pki = card_sim::HpkiTestCertificates::generate(holder)
        .map_err(|e| CliError::card(e.to_string()))?;
    pki.write_anchors(dir).map_err(|e| io_error(dir, &e))?;
    // The CRLs a verifier needs for the card's certificates (the signing CA's and the
    // root's ARL), as the test CAs would publish them now.
    let crls = hpki_cert::testpki::TestPki::shared()
        .and_then(|pki| pki.crls_at(jiff::Timestamp::now(), &[]))
        .map_err(|e| CliError::card(e.to_string()))?;
    for (path, der) in crls {
        let name = match path.as_str() {
            "/hpki/sign.crl" => "hpki-test-sign-ca.crl",
            "/hpki/arl.crl" => "hpki-test-root.crl",
            _ => continue,
        };
        let file = dir.join(name);
        std::fs::write(&file, der).map_err(|e| io_error(&file, &e))?;
    }
    Ok(())
}

fn sign(args: SignArgs) -> CliResult {
    let opts = signing_options(&args.common)?;
    let mut prescription = Prescription::new(read_text(&args.csv)?);
    if let Some(id) = args.prescription_id {
        prescription = prescription.with_id(id);
    }
    if let Some(path) = &args.additional {
        prescription = prescription.with_additional_information(read_text(path)?);
    }
    sign_with_card(&args.common, args.out.as_deref(), |signer| {
        xades_sign::sign_prescription(&prescription, signer, &opts)
    })
}

fn sign_dispensing(args: SignDispensingArgs) -> CliResult {
    let opts = signing_options(&args.common)?;
    let prescription =
        std::fs::read(&args.prescription).map_err(|e| io_error(&args.prescription, &e))?;
    let mut dispensing = Dispensing::new(read_text(&args.csv)?, prescription);
    if let Some(path) = &args.additional {
        dispensing = dispensing.with_additional_information(read_text(path)?);
    }
    sign_with_card(&args.common, args.out.as_deref(), |signer| {
        xades_sign::sign_dispensing(&dispensing, signer, &opts)
    })
}

/// The steps `rx sign` and `rx sign-dispensing` share around building the document:
/// the `--trust-out` anchors, the card's signer (PIN asked once), `sign`, the output.
fn sign_with_card<S>(common: &CommonSignArgs, out: Option<&Path>, sign: S) -> CliResult
where
    S: FnOnce(&mut dyn cert_signer::CertSigner) -> Result<Vec<u8>, xades_sign::Error>,
{
    write_trust_out(common)?;
    let mut signer = open_hpki_signer(&common.card, &common.pin)?;
    let signed = sign(signer.as_mut()).map_err(|e| crate::signfail::sign_error(&e))?;
    write_output(out, &signed)?;
    Ok(Exit::Ok)
}
