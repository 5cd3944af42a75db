//! `medsign card`: readers, card kind, PIN tries, certificates, the basic four items
//! and raw signatures with a card's key.

mod certs;

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use cert_signer::DigestAlgorithm;
use hpki_card::{App, HpkiCard};
use jpki_card::{JpkiCard, PinKind, TextPin};
use serde_json::{Value, json};

use card_detect::CardKind;
use cert_signer::PinStatus;

use crate::cardsrc::{
    self, BoxTransport, CardArgs, Key, SimCard, hpki_error, jpki_error, jpki_pin_error,
    jpki_pin_name, kind_json_name, kind_label,
};
use crate::error::{CliError, CliResult, Exit, io_error};
use crate::output::pad;
use crate::pin::PinArgs;
use crate::{i18n::t, outln, tf};

/// Subcommands of `medsign card`.
#[derive(clap::Subcommand)]
pub enum CardCmd {
    /// The card readers, whether each holds a card and what kind (with PC/SC), and the
    /// virtual cards of `--sim`.
    List(ListArgs),
    /// The card's kind and the tries left of every PIN (no PIN is asked).
    Status(StatusArgs),
    /// The card's certificates: subject, issuer, serial, validity, qualification (HPKI
    /// hcRole), key usage; `--out DIR` writes them as DER and PEM.
    Certs(CertsArgs),
    /// The basic four items of a My Number Card (name, address, birth date, sex); asks
    /// the input-support PIN. The My Number is hidden unless `--show-my-number`.
    Info(InfoArgs),
    /// A raw PKCS#1 v1.5 signature of a file's digest with a card key.
    Sign(SignArgs),
}

/// Arguments of `medsign card list`.
#[derive(clap::Args)]
pub struct ListArgs {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `medsign card status`.
#[derive(clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    card: CardArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `medsign card certs`.
#[derive(clap::Args)]
pub struct CertsArgs {
    #[command(flatten)]
    card: CardArgs,
    #[command(flatten)]
    pins: PinArgs,
    /// Also read the My Number Card's signature certificate (asks the signature
    /// password).
    #[arg(long)]
    with_signature_cert: bool,
    /// Write every certificate to this directory as NAME.der and NAME.pem.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `medsign card info`.
#[derive(clap::Args)]
pub struct InfoArgs {
    #[command(flatten)]
    card: CardArgs,
    #[command(flatten)]
    pins: PinArgs,
    /// Also read and print the My Number (個人番号). Legally restricted personal data:
    /// do not store or log it.
    #[arg(long)]
    show_my_number: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The digest algorithms `card sign` offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Digest {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Digest {
    fn algorithm(self) -> DigestAlgorithm {
        match self {
            Self::Sha256 => DigestAlgorithm::Sha256,
            Self::Sha384 => DigestAlgorithm::Sha384,
            Self::Sha512 => DigestAlgorithm::Sha512,
        }
    }
}

/// Arguments of `medsign card sign`.
#[derive(clap::Args)]
pub struct SignArgs {
    #[command(flatten)]
    card: CardArgs,
    #[command(flatten)]
    pins: PinArgs,
    /// The file to sign.
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
    /// Where to write the signature (default: standard output).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The key (default: the HPKI signing key on an HPKI card, the signature key on a
    /// My Number Card).
    #[arg(long, value_enum)]
    key: Option<Key>,
    /// The digest algorithm.
    #[arg(long, value_enum, default_value = "sha256")]
    digest: Digest,
    /// Write the signature in base64 instead of raw bytes.
    #[arg(long)]
    base64: bool,
}

/// Runs `medsign card`.
pub fn run(cmd: CardCmd) -> CliResult {
    match cmd {
        CardCmd::List(a) => list(&a),
        CardCmd::Status(a) => status(&a),
        CardCmd::Certs(a) => certs::certs(&a),
        CardCmd::Info(a) => info(&a),
        CardCmd::Sign(a) => sign(&a),
    }
}

fn print_json(v: &Value) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(v)
        .map_err(|e| CliError::input(tf!("JSON: {e}", "JSON: {e}")))?;
    outln!("{text}");
    Ok(())
}

fn sim_list_json() -> Value {
    Value::Array(
        SimCard::ALL
            .iter()
            .map(|s| json!({ "sim": s.name(), "description": s.describe() }))
            .collect(),
    )
}

fn print_sim_list() {
    for s in SimCard::ALL {
        outln!("  {} {}", pad(s.name(), 16), s.describe());
    }
}

// ---- list -------------------------------------------------------------------------

#[cfg(not(feature = "pcsc"))]
fn list(args: &ListArgs) -> CliResult {
    if args.json {
        print_json(&json!({
            "pcsc": false,
            "message": cardsrc::no_pcsc_message(),
            "readers": [],
            "sim": sim_list_json(),
        }))?;
    } else {
        outln!("{}", cardsrc::no_pcsc_message());
        outln!(
            "{}",
            t("Virtual cards (--sim KIND):", "仮想カード（--sim 種類）:")
        );
        print_sim_list();
    }
    Ok(Exit::Ok)
}

#[cfg(feature = "pcsc")]
fn list(args: &ListArgs) -> CliResult {
    let (ctx, readers) = cardsrc::pcsc_readers()?;
    let mut rows = Vec::new();
    for name in &readers {
        let row = match ctx.connect(name) {
            Ok(t) => {
                let mut transport: BoxTransport = Box::new(t);
                match cardsrc::detect(&mut transport) {
                    Ok(kind) => json!({
                        "reader": name, "card": true,
                        "kind": kind_json_name(kind.as_ref()), "label": kind_label(kind.as_ref()),
                    }),
                    Err(e) => json!({
                        "reader": name, "card": true, "kind": "unknown",
                        "label": kind_label(None), "error": e.message,
                    }),
                }
            }
            Err(apdu::TransportError::NoCard) => json!({
                "reader": name, "card": false, "kind": null,
                "label": t("no card", "カードなし"),
            }),
            Err(e) => json!({
                "reader": name, "card": null, "kind": null,
                "label": e.to_string(), "error": e.to_string(),
            }),
        };
        rows.push(row);
    }
    if args.json {
        print_json(&json!({ "pcsc": true, "readers": rows, "sim": sim_list_json() }))?;
        return Ok(Exit::Ok);
    }
    if rows.is_empty() {
        outln!(
            "{}",
            t(
                "No card reader found (connect a reader, or start pcscd).",
                "カードリーダーが見つかりません（リーダーを接続するか pcscd を起動してください）。",
            )
        );
    } else {
        outln!("{}", t("Readers:", "カードリーダー:"));
        for row in &rows {
            let name = row["reader"].as_str().unwrap_or_default();
            let label = row["label"].as_str().unwrap_or_default();
            outln!("  {}  {label}", pad(name, 28));
        }
    }
    outln!(
        "{}",
        t(
            "Virtual cards (--sim KIND, no reader needed):",
            "仮想カード（--sim 種類、リーダー不要）:"
        )
    );
    print_sim_list();
    Ok(Exit::Ok)
}

// ---- status -----------------------------------------------------------------------

fn source_json(card: &CardArgs, reader: Option<&str>) -> Value {
    json!({
        "reader": reader,
        "sim": card.sim.map(SimCard::name),
    })
}

/// `Card: <kind> (<source>)`, the first line of `status` and `certs`.
fn print_card_line(kind: &CardKind, card: &CardArgs, reader: Option<&str>) {
    outln!(
        "{} {} ({})",
        t("Card:", "カード:"),
        kind_label(Some(kind)),
        source_label(card, reader)
    );
}

fn source_label(card: &CardArgs, reader: Option<&str>) -> String {
    match (card.sim, reader) {
        (Some(s), _) => tf!(
            "virtual card {}, fresh for this run",
            "仮想カード {}、この実行限り",
            s.name()
        ),
        (None, Some(r)) => tf!("reader {r}", "リーダー {r}"),
        (None, None) => String::new(),
    }
}

fn open_checked(card: &CardArgs) -> Result<(BoxTransport, Option<String>, CardKind), CliError> {
    let (mut transport, reader) = cardsrc::connect(card)?;
    let kind = cardsrc::detect(&mut transport)?.ok_or_else(cardsrc::unknown_card)?;
    Ok((transport, reader, kind))
}

/// The tries left, whether verified, whether blocked: what `status` shows of a PIN.
fn status_fields(status: PinStatus) -> (Option<u8>, bool, bool) {
    match status {
        PinStatus::Verified => (None, true, false),
        PinStatus::Blocked => (Some(0), false, true),
        other => (other.tries_left(), false, false),
    }
}

fn status(args: &StatusArgs) -> CliResult {
    let (mut transport, reader, kind) = open_checked(&args.card)?;
    let mut pins = Vec::new();
    match &kind {
        CardKind::MyNumber(_) => {
            let mut card = JpkiCard::open(transport).map_err(jpki_error)?;
            for (id, k) in [
                ("auth", PinKind::Auth),
                ("sign", PinKind::Sign),
                ("text", PinKind::Text),
            ] {
                let status = card.pin_status(k).map_err(jpki_error)?;
                let (tries, verified, blocked) = status_fields(status);
                pins.push(json!({
                    "pin": id,
                    "name": jpki_pin_name(k),
                    "tries_left": tries,
                    "max_tries": k.max_tries(),
                    "blocked": blocked,
                    "verified": verified,
                }));
            }
        }
        CardKind::Hpki(_) => {
            for (id, app) in [
                ("signing", App::Signing),
                ("authentication", App::Authentication),
            ] {
                let mut card = HpkiCard::open_app(&mut transport, app).map_err(hpki_error)?;
                let (tries, verified, blocked) =
                    status_fields(card.pin_status().map_err(hpki_error)?);
                pins.push(json!({
                    "pin": id,
                    "name": cardsrc::hpki_pin_name(app),
                    "tries_left": tries,
                    "max_tries": hpki_card::MAX_TRIES,
                    "blocked": blocked,
                    "verified": verified,
                }));
            }
        }
        _ => {}
    }
    if args.json {
        let mut v = json!({
            "kind": kind_json_name(Some(&kind)),
            "label": kind_label(Some(&kind)),
            "source": source_json(&args.card, reader.as_deref()),
            "pins": pins,
        });
        let extra = match &kind {
            CardKind::MyNumber(k) => Some(("token", format!("{k:?}"))),
            CardKind::Hpki(p) => Some(("profile", format!("{p:?}"))),
            _ => None,
        };
        if let (Some((key, value)), Some(obj)) = (extra, v.as_object_mut()) {
            obj.insert(key.to_owned(), json!(value));
        }
        print_json(&v)?;
        return Ok(Exit::Ok);
    }
    print_card_line(&kind, &args.card, reader.as_deref());
    if let CardKind::Hpki(p) = &kind {
        outln!("{} {p:?}", t("Layout:", "レイアウト:"));
    }
    outln!("{}", t("PINs:", "暗証番号:"));
    for p in &pins {
        let name = p["name"].as_str().unwrap_or_default();
        let max = p["max_tries"].as_u64().unwrap_or_default();
        let state = if p["blocked"].as_bool() == Some(true) {
            t("BLOCKED", "ロック中").to_owned()
        } else if p["verified"].as_bool() == Some(true) {
            t("verified in this session", "このセッションで照合済み").to_owned()
        } else {
            let n = p["tries_left"].as_u64().unwrap_or_default();
            let mut s = tf!("{n} tries left (of {max})", "残り{n}回（最大{max}回）");
            if n == 1 {
                s.push_str(t(
                    " — the next wrong PIN locks it",
                    " — 次に間違えるとロックされます",
                ));
            }
            s
        };
        outln!("  {}: {state}", name);
    }
    Ok(Exit::Ok)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, bytes).map_err(|e| io_error(path, &e))
}

// ---- info -------------------------------------------------------------------------

fn info(args: &InfoArgs) -> CliResult {
    let (transport, reader) = cardsrc::connect(&args.card)?;
    let mut card = JpkiCard::open(transport).map_err(|e| match e {
        jpki_card::Error::NotAJpkiCard(_) => CliError::card(t(
            "not a My Number Card: `card info` reads the My Number Card's basic four items",
            "マイナンバーカードではありません。`card info` はマイナンバーカードの基本4情報を読みます",
        )),
        other => jpki_error(other),
    })?;
    let pin: TextPin = cardsrc::ask_jpki_pin(&mut card, &args.pins)?;
    let last = cardsrc::last_try(&args.pins);
    let text_pin_error = |e| jpki_pin_error(jpki_pin_name(PinKind::Text), e);
    let items = card
        .text_ap()
        .basic_four_items(&pin, last)
        .map_err(text_pin_error)?;
    let my_number = if args.show_my_number {
        Some(
            card.text_ap()
                .my_number(&pin, last)
                .map_err(text_pin_error)?,
        )
    } else {
        None
    };
    let (sex_en, sex_ja) = match items.sex {
        jpki_card::Sex::Male => ("male", "男"),
        jpki_card::Sex::Female => ("female", "女"),
        jpki_card::Sex::NotApplicable => ("not applicable", "適用不能"),
        jpki_card::Sex::NotKnown => ("not known", "不明"),
    };
    let shown_number = my_number
        .as_ref()
        .map_or("****", jpki_card::MyNumber::expose);
    if args.json {
        print_json(&json!({
            "source": source_json(&args.card, reader.as_deref()),
            "name": items.name,
            "family_name": items.family_name,
            "given_name": items.given_name,
            "address": items.address,
            "birth_date": items.birth_date.to_string(),
            "sex": sex_en,
            "sex_code": items.sex.code().to_string(),
            "my_number": shown_number,
            "my_number_shown": my_number.is_some(),
        }))?;
        return Ok(Exit::Ok);
    }
    let field = |en: &str, ja: &str| pad(t(en, ja), 12);
    outln!("{}{}", field("name:", "氏名:"), items.name);
    outln!("{}{}", field("address:", "住所:"), items.address);
    outln!("{}{}", field("birth date:", "生年月日:"), items.birth_date);
    outln!("{}{}", field("sex:", "性別:"), t(sex_en, sex_ja));
    if my_number.is_some() {
        outln!("{}{shown_number}", field("My Number:", "個人番号:"));
    } else {
        outln!(
            "{}**** {}",
            field("My Number:", "個人番号:"),
            t(
                "(hidden; --show-my-number shows it)",
                "（非表示。--show-my-number で表示）"
            )
        );
    }
    Ok(Exit::Ok)
}

// ---- sign -------------------------------------------------------------------------

fn sign(args: &SignArgs) -> CliResult {
    if args.out.is_none() && !args.base64 && std::io::stdout().is_terminal() {
        return Err(CliError::usage(t(
            "the signature is binary: pass --out FILE or --base64 to print it",
            "署名はバイナリです。--out ファイル か --base64 を指定してください",
        )));
    }
    let data = std::fs::read(&args.input).map_err(|e| io_error(&args.input, &e))?;
    let mut signer = cardsrc::open_signer(&args.card, &args.pins, args.key)?;
    let algorithm = args.digest.algorithm();
    let digest = algorithm.hash(&data);
    let signature = signer
        .sign_digest(algorithm, &digest)
        .map_err(|e| cardsrc::sign_error(&e))?;
    let info = hpki_cert::CertInfo::parse(signer.certificate_der()).ok();
    let encoded = if args.base64 {
        let mut s = base64::engine::general_purpose::STANDARD.encode(&signature);
        s.push('\n');
        s.into_bytes()
    } else {
        signature
    };
    let who = match &info {
        Some(i) => {
            let mut s = tf!(
                "signed with the certificate {} (serial {}, SHA-256 {})",
                "署名した証明書: {}（シリアル番号 {}、SHA-256 {}）",
                i.subject,
                i.serial_hex,
                i.fingerprint_hex()
            );
            if let Some(q) = &i.qualification {
                s.push_str(&tf!("; qualification: {q}", "。資格: {q}"));
            }
            s
        }
        None => t(
            "signed (the signer's certificate does not parse)",
            "署名しました（証明書を解析できません）",
        )
        .to_owned(),
    };
    match &args.out {
        Some(path) => {
            write_file(path, &encoded)?;
            outln!("{who}");
            outln!(
                "{}",
                tf!(
                    "signature written to {}",
                    "署名を {} に書き出しました",
                    path.display()
                )
            );
        }
        None => {
            crate::output::write_stdout(&encoded)?;
            eprintln!("{who}");
        }
    }
    Ok(Exit::Ok)
}
