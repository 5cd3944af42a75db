//! `medsign remote`: remote signing with the HPKI second certificate.
//!
//! No session is kept between processes: a platform session token would be a bearer
//! secret on disk. `remote sign` logs in and signs its whole batch in one process (one
//! login, one authorization and one `signHash` round trip per batch); `remote login`
//! logs in only to check the card or device works and shows the session and the second
//! certificate. A smartphone device key registered with `remote register-device` is kept
//! in a file of mode 0600 and logs in with `--device FILE`.

use std::path::{Path, PathBuf};

use jpki_card::{JpkiCard, LastTry, PinKind};
use remote_sign::{
    Authenticator, DeviceKey, DeviceSetup, RegisteredDevice, RemoteClient, RemoteSigner,
};
use serde_json::json;
use zeroize::{Zeroize as _, Zeroizing};

use super::apply_form::write_private;
use crate::cardsrc::{CardArgs, SimCard, open_transport};
use crate::cardsrc::{jpki_error, jpki_pin_error, jpki_pin_name, pin_error};
use crate::error::{CliError, CliResult, Exit, io_error};
use crate::pin::{PinArgs, read_pin};
use crate::{i18n::t, outln, tf};

/// Subcommands of `medsign remote`.
#[derive(clap::Subcommand)]
pub enum RemoteCmd {
    /// Log in to the platform (My Number Card or registered device) and show the
    /// session and the second certificate. Nothing is stored: `remote sign` logs in by
    /// itself.
    Login(LoginArgs),
    /// Sign e-prescription CSV files remotely into XAdES documents (one login per batch).
    Sign(SignArgs),
    /// Register this machine as the "smartphone" with the setup URL and password of the
    /// issuing letter; writes the device key file for --device.
    RegisterDevice(RegisterArgs),
}

/// How to reach the platform and log in.
#[derive(clap::Args)]
pub struct PlatformArgs {
    /// The remote-signing platform's base URL (`medsign sim` prints it).
    #[arg(
        long,
        env = "MEDSIGN_PLATFORM",
        default_value = "http://127.0.0.1:8090",
        value_name = "URL"
    )]
    platform: String,
    #[command(flatten)]
    card: CardArgs,
    /// Log in with a registered device key (from `remote register-device`) instead of
    /// the My Number Card.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["sim", "reader"])]
    device: Option<PathBuf>,
    #[command(flatten)]
    pins: PinArgs,
    /// Print JSON on standard output instead of text.
    #[arg(long)]
    json: bool,
}

/// Arguments of `medsign remote login`.
#[derive(clap::Args)]
pub struct LoginArgs {
    #[command(flatten)]
    platform: PlatformArgs,
}

/// Arguments of `medsign remote sign`.
#[derive(clap::Args)]
pub struct SignArgs {
    #[command(flatten)]
    platform: PlatformArgs,
    /// Prescription CSV files (処方箋CSV, UTF-8).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Directory for the signed documents (`NAME.xml` per `NAME.csv`); created if
    /// missing.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Overwrite existing output files.
    #[arg(long)]
    force: bool,
}

/// Arguments of `medsign remote register-device`.
#[derive(clap::Args)]
pub struct RegisterArgs {
    /// The setup URL of the issuing letter (`…/devices/setup/TOKEN`), shown by `medsign
    /// apply status` once the application is approved.
    #[arg(long, value_name = "URL")]
    setup_url: String,
    /// Where to write the device key (mode 0600).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The device's label on the platform.
    #[arg(long)]
    label: Option<String>,
    /// Replace the device registered before (it stops logging in).
    #[arg(long)]
    replace: bool,
    /// Read the letter's password from standard input instead of the terminal.
    #[arg(long)]
    pin_stdin: bool,
}

/// Runs `medsign remote`.
pub fn run(cmd: RemoteCmd) -> CliResult {
    match cmd {
        RemoteCmd::Login(a) => login(&a.platform),
        RemoteCmd::Sign(a) => sign(&a),
        RemoteCmd::RegisterDevice(a) => register(&a),
    }
}

fn say(text: impl AsRef<str>) {
    eprintln!("medsign: {}", text.as_ref());
}

/// `e`'s text followed by its sources' (a transport or decode error names its cause
/// there).
fn with_sources(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A `remote-sign` error as the CLI reports it.
fn remote_error(e: remote_sign::Error, platform: &str) -> CliError {
    use remote_sign::Error as E;
    match e {
        E::Transport(ref cause) => {
            let why = with_sources(cause);
            CliError::service(tf!(
                "cannot reach the remote-signing platform at {platform}: {why} (is `medsign sim` running?)",
                "リモート署名基盤 {platform} に接続できません: {why}（`medsign sim` は起動していますか）"
            ))
        }
        E::Decode { .. } => {
            let why = with_sources(&e);
            CliError::service(tf!(
                "{platform} does not answer as a remote-signing platform: {why}",
                "{platform} はリモート署名基盤として応答しません: {why}"
            ))
        }
        E::Unbound => CliError::service(t(
            "this card or device is bound to no second certificate on the platform: apply first \
             (`medsign apply submit`), or use `medsign sim`'s test physician with --sim mynumber",
            "このカード（端末）はリモート署名用の電子証明書に紐付いていません。先に申請するか\
             （`medsign apply submit`）、`medsign sim` のテスト医師（--sim mynumber）を使ってください",
        )),
        E::Authenticator(inner) => authenticator_error(&inner),
        other => CliError::service(tf!(
            "remote-signing platform: {other}",
            "リモート署名基盤: {other}"
        )),
    }
}

/// The login card's failure to sign the challenge: its PIN outcome exits 5, the card or
/// reader 4.
fn authenticator_error(e: &cert_signer::SignError) -> CliError {
    match e {
        cert_signer::SignError::Pin(pin) => pin_error(jpki_pin_name(PinKind::Auth), pin),
        other => CliError::card(tf!(
            "the card could not sign the login: {other}",
            "カードでログインの署名ができませんでした: {other}"
        )),
    }
}

/// The remote signer's failure: the platform behind it (a service error).
fn remote_signer_error(e: &cert_signer::SignError, platform: &str) -> CliError {
    CliError::service(tf!(
        "remote-signing platform {platform}: {e}",
        "リモート署名基盤 {platform}: {e}"
    ))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct DeviceFile {
    platform: String,
    device_id: String,
    person_id: String,
    label: String,
    secret_key_hex: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Zeroizing<Vec<u8>>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let mut out = Zeroizing::new(Vec::with_capacity(s.len() / 2));
    for i in (0..s.len()).step_by(2) {
        out.push(u8::from_str_radix(s.get(i..i + 2)?, 16).ok()?);
    }
    Some(out)
}

fn load_device(path: &Path) -> Result<RegisteredDevice, CliError> {
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| io_error(path, &e))?);
    let bad = |why: &str| {
        CliError::input(tf!(
            "{}: not a device key file ({why})",
            "{}: 端末鍵のファイルではありません（{why}）",
            path.display()
        ))
    };
    let mut file: DeviceFile = serde_json::from_str(&text).map_err(|e| bad(&e.to_string()))?;
    let secret = unhex(&file.secret_key_hex).ok_or_else(|| bad("secret_key_hex"));
    file.secret_key_hex.zeroize();
    let secret = secret?;
    let key = DeviceKey::from_secret_bytes(&secret).map_err(|e| bad(&e.to_string()))?;
    Ok(RegisteredDevice {
        device_id: file.device_id,
        person_id: file.person_id,
        label: file.label,
        key,
    })
}

/// Builds the authenticator the arguments name (asking the PIN with its tries shown)
/// and hands it to `f`; the card stays open while `f` runs.
fn with_authenticator<R>(
    args: &PlatformArgs,
    f: impl FnOnce(Authenticator<'_>) -> Result<R, CliError>,
) -> Result<R, CliError> {
    if let Some(path) = &args.device {
        return f(Authenticator::Device(load_device(path)?));
    }
    match args.card.sim {
        None if args.card.reader.is_none() => {
            return Err(CliError::usage(t(
                "how to log in: pass --sim mynumber, --reader NAME (My Number Card) or --device FILE",
                "ログイン方法を指定してください: --sim mynumber、--reader 名前（マイナンバーカード）、--device ファイル",
            )));
        }
        Some(kind) if kind != SimCard::Mynumber => {
            return Err(CliError::usage(t(
                "remote login takes the My Number Card (--sim mynumber) or a device key (--device)",
                "リモート署名のログインはマイナンバーカード（--sim mynumber）か端末鍵（--device）です",
            )));
        }
        _ => {}
    }
    let transport = open_transport(&args.card)?;
    let mut card = JpkiCard::open(transport).map_err(jpki_error)?;
    let what = jpki_pin_name(PinKind::Auth);
    let tries = card
        .pin_status(PinKind::Auth)
        .map_err(jpki_error)?
        .tries_left();
    let pin = read_pin(&args.pins, what, tries)?;
    let pin = jpki_card::AuthPin::new(&pin).map_err(|e| pin_error(what, &e))?;
    let last_try = LastTry::allow_if(args.pins.allow_last_try);
    let signer = card
        .signer(pin, last_try)
        .map_err(|e| jpki_pin_error(what, e))?;
    f(Authenticator::MyNumberCard(Box::new(signer)))
}

fn certificate_json(der: &[u8]) -> serde_json::Value {
    match hpki_cert::Certificate::from_der(der) {
        Ok(c) => json!({
            "subject": c.subject(),
            "issuer": c.issuer(),
            "serial": c.serial_hex(),
            "not_before": c.not_before().to_string(),
            "not_after": c.not_after().to_string(),
            "hc_role": c
                .hc_role()
                .and_then(|r| r.qualification())
                .map(|q| q.text().to_owned()),
        }),
        Err(e) => json!({ "error": e.to_string() }),
    }
}

fn login(args: &PlatformArgs) -> CliResult {
    let platform = args.platform.trim_end_matches('/').to_owned();
    let out = with_authenticator(args, |mut authenticator| {
        let mut client = RemoteClient::new(&platform);
        let err = |e| remote_error(e, &platform);
        let session = client.login(&mut authenticator).map_err(err)?;
        let me = client.me(&session).map_err(err)?;
        let ids = client.credentials_list(&session).map_err(err)?;
        let id = ids
            .first()
            .cloned()
            .ok_or_else(|| err(remote_sign::Error::NoCredential))?;
        let credential = client.credential_info(&session, &id).map_err(err)?;
        Ok(json!({
            "platform": platform,
            "person_id": me.person_id,
            "login": session.client_id(),
            "session_lifetime_s": session.lifetime().as_secs(),
            "qualification": me.qualification,
            "credential_id": credential.credential_id,
            "certificate": certificate_json(&credential.certificate_der),
            "round_trips": client.round_trips(),
        }))
    })?;
    if args.json {
        outln!("{out}");
        return Ok(Exit::Ok);
    }
    let s = |k: &str| {
        out.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let c = |k: &str| {
        out.get("certificate")
            .and_then(|c| c.get(k))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    outln!(
        "{}",
        tf!(
            "logged in to {} as {} ({} login, session {} h)",
            "{} に {} としてログインしました（{}ログイン、セッション {} 時間）",
            s("platform"),
            s("person_id"),
            s("login"),
            out.get("session_lifetime_s")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or_default()
                / 3600
        )
    );
    outln!(
        "{}",
        tf!(
            "second certificate {}: {} ({}), serial {}, valid {} to {}",
            "電子証明書 {}: {}（{}）、シリアル {}、有効期間 {} 〜 {}",
            s("credential_id"),
            c("subject"),
            c("hc_role"),
            c("serial"),
            c("not_before"),
            c("not_after")
        )
    );
    outln!(
        "{}",
        t(
            "no session is stored: `medsign remote sign` logs in once per batch",
            "セッションは保存しません。`medsign remote sign` は一括処理ごとに1回ログインします",
        )
    );
    Ok(Exit::Ok)
}

fn sign(args: &SignArgs) -> CliResult {
    let platform = args.platform.platform.trim_end_matches('/').to_owned();
    // Every input read and every output name checked before the PIN is asked.
    let mut jobs: Vec<(PathBuf, PathBuf, String)> = Vec::with_capacity(args.files.len());
    for path in &args.files {
        let csv = std::fs::read_to_string(path).map_err(|e| io_error(path, &e))?;
        if csv.trim().is_empty() {
            return Err(CliError::input(tf!(
                "{}: the prescription CSV is empty",
                "{}: 処方箋CSVが空です",
                path.display()
            )));
        }
        let stem = path.file_stem().unwrap_or(path.as_os_str());
        let out = args.out.join(Path::new(stem).with_extension("xml"));
        if jobs.iter().any(|(_, o, _)| *o == out) {
            return Err(CliError::usage(tf!(
                "two inputs would both be written to {}",
                "2つの入力が同じ {} に書き出されます",
                out.display()
            )));
        }
        if out.exists() && !args.force {
            return Err(CliError::input(tf!(
                "{} exists; pass --force to overwrite it",
                "{} は既にあります。上書きするには --force を付けてください",
                out.display()
            )));
        }
        jobs.push((path.clone(), out, csv));
    }
    std::fs::create_dir_all(&args.out).map_err(|e| io_error(&args.out, &e))?;

    let summary = with_authenticator(&args.platform, |authenticator| {
        let err = |e| remote_error(e, &platform);
        let mut signer =
            RemoteSigner::connect(RemoteClient::new(&platform), authenticator).map_err(err)?;
        let login_trips = signer.client().round_trips();
        say(tf!(
            "logged in to {platform}; signing {} document(s) with the second certificate",
            "{platform} にログインしました。{}件をリモート署名します",
            jobs.len()
        ));
        let bar = crate::output::progress(jobs.len() as u64, !args.platform.json);
        bar.set_message(t("preparing", "準備中"));
        let opts = xades_sign::SignOptions::now();
        let cert = signer.credential().certificate_der.clone();
        let mut prepared = Vec::with_capacity(jobs.len());
        for (path, _, csv) in &jobs {
            let p = xades_sign::prepare_prescription(
                &xades_sign::Prescription::new(csv.as_str()),
                &cert,
                &opts,
            )
            .map_err(|e| CliError::input(format!("{}: {e}", path.display())))?;
            prepared.push(p);
        }
        bar.set_message(t("signing", "署名中"));
        let documents = xades_sign::sign_prepared(&mut signer, prepared).map_err(|e| match e {
            xades_sign::Error::Sign(inner) => remote_signer_error(&inner, &platform),
            other => CliError::service(tf!(
                "remote signing failed: {other}",
                "リモート署名に失敗しました: {other}"
            )),
        })?;
        let mut written = Vec::with_capacity(documents.len());
        for ((input, out, _), doc) in jobs.iter().zip(documents) {
            bar.set_message(out.display().to_string());
            std::fs::write(out, &doc).map_err(|e| io_error(out, &e))?;
            bar.inc(1);
            written.push(json!({
                "input": input.display().to_string(),
                "output": out.display().to_string(),
                "bytes": doc.len(),
            }));
        }
        bar.finish_and_clear();
        Ok(json!({
            "platform": platform,
            "signed": written,
            "logins": signer.client().logins(),
            "login_round_trips": login_trips,
            "signing_round_trips": signer.client().round_trips().saturating_sub(login_trips),
            "certificate": certificate_json(&cert),
        }))
    })?;
    if args.platform.json {
        outln!("{summary}");
        return Ok(Exit::Ok);
    }
    if let Some(list) = summary.get("signed").and_then(|v| v.as_array()) {
        for item in list {
            let s = |k: &str| item.get(k).and_then(|v| v.as_str()).unwrap_or_default();
            outln!("{} → {}", s("input"), s("output"));
        }
    }
    let n = |k: &str| {
        summary
            .get(k)
            .and_then(serde_json::Value::as_u64)
            .unwrap_or_default()
    };
    let subject = summary
        .get("certificate")
        .and_then(|c| c.get("subject"))
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    outln!(
        "{}",
        tf!(
            "{} document(s) signed by {subject}: {} login, {} signing round trip(s)",
            "{}件を {subject} で署名しました（ログイン{}回、署名の通信{}回）",
            jobs.len(),
            n("logins"),
            n("signing_round_trips")
        )
    );
    Ok(Exit::Ok)
}

fn new_device_key() -> Result<(DeviceKey, Zeroizing<Vec<u8>>), CliError> {
    // Two v4 UUIDs: 244 bits from the operating system's generator; a scalar out of
    // range is retried with fresh bytes.
    for _ in 0..8 {
        let mut secret = Zeroizing::new(Vec::with_capacity(32));
        secret.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        secret.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        if let Ok(key) = DeviceKey::from_secret_bytes(&secret) {
            return Ok((key, secret));
        }
    }
    Err(CliError::service(t(
        "cannot make a device key",
        "端末鍵を作れません",
    )))
}

fn register(args: &RegisterArgs) -> CliResult {
    let platform = args
        .setup_url
        .split("/devices/setup/")
        .next()
        .filter(|p| *p != args.setup_url)
        .map(str::to_owned)
        .ok_or_else(|| {
            CliError::usage(t(
                "--setup-url is not a setup URL (…/devices/setup/TOKEN)",
                "--setup-url が登録用URL（…/devices/setup/TOKEN）ではありません",
            ))
        })?;
    let pins = PinArgs {
        pin_stdin: args.pin_stdin,
        allow_last_try: false,
    };
    let password = read_pin(
        &pins,
        t("setup password of the letter", "通知書のパスワード"),
        None,
    )?;
    let setup =
        DeviceSetup::letter(&args.setup_url, &password).map_err(|e| remote_error(e, &platform))?;
    drop(password);
    let (key, secret) = new_device_key()?;
    let device = RemoteClient::new(&platform)
        .register_device(&setup, key, args.label.as_deref(), args.replace)
        .map_err(|e| match e {
            remote_sign::Error::DeviceAlreadyRegistered => CliError::service(t(
                "a device is registered already; re-run with --replace to replace it",
                "既に端末が登録されています。置き換える場合は --replace を付けてください",
            )),
            other => remote_error(other, &platform),
        })?;
    let mut file = DeviceFile {
        platform: platform.clone(),
        device_id: device.device_id.clone(),
        person_id: device.person_id.clone(),
        label: device.label.clone(),
        secret_key_hex: hex(&secret),
    };
    let json = Zeroizing::new(
        serde_json::to_string_pretty(&file).map_err(|e| CliError::input(e.to_string()))?,
    );
    file.secret_key_hex.zeroize();
    write_private(&args.out, json.as_bytes())?;
    outln!(
        "{}",
        tf!(
            "registered device {} ({}) for {}; key written to {} — log in with --device {}",
            "端末 {}（{}）を {} に登録しました。鍵を {} に書き出しました（--device {} でログイン）",
            device.device_id,
            device.label,
            device.person_id,
            args.out.display(),
            args.out.display()
        )
    );
    Ok(Exit::Ok)
}
