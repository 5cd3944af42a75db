//! `medsign apply`: prepare, validate and submit an HPKI application through Mynaportal
//! with the My Number Card, and ask where it stands.
//!
//! The form is the JSON of `authority_forms::Application` (see `medsign apply template`
//! and `crates/authority-forms/examples/sample-application.json`); without a form file,
//! `validate` and `submit` ask for the fields on the terminal. `submit` walks the typed
//! procedure of `mynaportal-client`: login (user-authentication PIN), the basic four
//! items (input-support PIN), the form, the e-mail, the review, the consents, the
//! signature (signature password) and the submission. `--local` runs all of it against
//! an in-process local portal (`portal-sim`) with the virtual My Number Card and approves
//! with the operator API, so the whole procedure can be seen working with nothing else;
//! a local CRL endpoint (`sign_platform_sim::CrlServer`) gives the portal the card's
//! revocation status, which it requires.

use std::io::BufRead as _;
use std::path::PathBuf;
use std::sync::Arc;

use authority_forms::{ApplicantStatus, Application, Authority, Qualification, Report, RuleSet};
use jpki_card::PinKind;
use mynaportal_client::{
    AssistPin, AuthPin, HttpTransport, Method, Portal, PortalTransport as _, SignaturePin,
    wire::{Decision, Mail, StatusView},
};
use serde_json::json;

use super::apply_form as form;
use super::mynacard::{MynaCard, portal_error};
use crate::cardsrc::{CardArgs, SimCard, jpki_pin_name, pin_error};
use crate::error::{CliError, CliResult, Exit, io_error};
use crate::pin::PinArgs;
use crate::{i18n::t, outln, tf};

/// Arguments of `medsign apply`.
#[derive(clap::Args)]
pub struct ApplyArgs {
    #[command(subcommand)]
    cmd: ApplyCmd,
}

#[derive(clap::Subcommand)]
enum ApplyCmd {
    /// Check a form offline against the dated rule set: every failed rule listed (exit
    /// 1), or the price and eligibility when it is valid.
    Validate(ValidateArgs),
    /// Write a JSON form to fill in (or, with --example, a complete fictitious one).
    Template(TemplateArgs),
    /// Apply through Mynaportal with the My Number Card: login, basic four items, the
    /// form, e-mail, review, consents, signature, submission. Prints the application id.
    Submit(SubmitArgs),
    /// 申請状況照会: where an application (or every application) stands.
    Status(StatusArgs),
}

/// `--qualification` values.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum QualificationArg {
    /// 医師.
    Physician,
    /// 歯科医師.
    Dentist,
    /// 薬剤師.
    Pharmacist,
}

impl From<QualificationArg> for Qualification {
    fn from(q: QualificationArg) -> Self {
        match q {
            QualificationArg::Physician => Self::Physician,
            QualificationArg::Dentist => Self::Dentist,
            QualificationArg::Pharmacist => Self::Pharmacist,
        }
    }
}

/// `--authority` values.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum AuthorityArg {
    /// 日本医師会認証局.
    Jma,
    /// 日本薬剤師会認証局.
    Jpa,
    /// MEDIS認証局.
    Medis,
}

impl From<AuthorityArg> for Authority {
    fn from(a: AuthorityArg) -> Self {
        match a {
            AuthorityArg::Jma => Self::Jma,
            AuthorityArg::Jpa => Self::Jpa,
            AuthorityArg::Medis => Self::Medis,
        }
    }
}

#[derive(clap::Args)]
struct RuleArgs {
    /// A rule set (TOML or JSON, the shape of authority-forms' `rules/*.toml`) instead
    /// of the built-in guide of 2024-06.
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
}

impl RuleArgs {
    fn load(&self) -> Result<RuleSet, CliError> {
        let parsed = match &self.rules {
            None => RuleSet::guide_2024_06(),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| io_error(path, &e))?;
                if path.extension().is_some_and(|e| e == "json") {
                    RuleSet::from_json(&text)
                } else {
                    RuleSet::from_toml(&text)
                }
            }
        };
        parsed.map_err(|e| CliError::input(tf!("rule set: {e}", "ルールセット: {e}")))
    }
}

#[derive(clap::Args)]
struct ValidateArgs {
    /// The form (JSON). Without it the fields are asked on the terminal.
    form: Option<PathBuf>,
    #[command(flatten)]
    rules: RuleArgs,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Write the form entered on the terminal to this file (mode 0600).
    #[arg(long, value_name = "FILE", conflicts_with = "form")]
    save: Option<PathBuf>,
}

#[derive(clap::Args)]
struct TemplateArgs {
    /// The qualification applied for.
    #[arg(long, value_enum, default_value = "physician")]
    qualification: QualificationArg,
    /// The certificate authority applied to.
    #[arg(long, value_enum, default_value = "jma")]
    authority: AuthorityArg,
    /// Fill in a complete fictitious application (card-sim's test holder) that
    /// validates, instead of empty fields.
    #[arg(long)]
    example: bool,
    /// Write to this file (mode 0600) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(clap::Args)]
struct PortalArgs {
    /// The Mynaportal binding's base URL (e.g. `medsign sim`'s portal).
    #[arg(long, env = "MEDSIGN_PORTAL", value_name = "URL")]
    portal: Option<String>,
    /// Run against a local portal started in this process, with the virtual My Number
    /// Card and the test PKI's CRLs served on loopback (the card's revocation status is
    /// checked there); the application is approved at once through the operator API.
    #[arg(long, conflicts_with = "portal")]
    local: bool,
    #[command(flatten)]
    card: CardArgs,
    #[command(flatten)]
    pins: PinArgs,
    /// The portal's operator token (portal-sim, `medsign sim`): reads the mailed
    /// confirmation code from the outbox, and approves after submission.
    #[arg(long, env = "MEDSIGN_OPERATOR_TOKEN", hide_env_values = true)]
    operator_token: Option<String>,
    /// Print JSON on standard output instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct SubmitArgs {
    /// The form (JSON). Without it the fields are asked on the terminal; the basic four
    /// items always come from the card.
    form: Option<PathBuf>,
    #[command(flatten)]
    portal: PortalArgs,
    #[command(flatten)]
    rules: RuleArgs,
    /// Read the mailed confirmation code from standard input (after the PINs that come
    /// before it, with --pin-stdin).
    #[arg(long)]
    code_stdin: bool,
    /// Approve the application after submitting it (needs --operator-token; implied by
    /// --local).
    #[arg(long)]
    approve: bool,
    /// Show the basic four items read from the card in the review (personal data).
    #[arg(long)]
    show_applicant: bool,
    /// Write the form entered on the terminal to this file (mode 0600).
    #[arg(long, value_name = "FILE", conflicts_with = "form")]
    save: Option<PathBuf>,
}

#[derive(clap::Args)]
struct StatusArgs {
    /// The application id; without it, every application of the person.
    id: Option<String>,
    #[command(flatten)]
    portal: PortalArgs,
    /// Show the smartphone-binding password of an approved application.
    #[arg(long)]
    show_binding_password: bool,
}

/// Runs `medsign apply`.
pub fn run(args: ApplyArgs) -> CliResult {
    match args.cmd {
        ApplyCmd::Validate(a) => validate(a),
        ApplyCmd::Template(a) => template(a),
        ApplyCmd::Submit(a) => submit(a),
        ApplyCmd::Status(a) => status(a),
    }
}

fn say(text: impl AsRef<str>) {
    eprintln!("medsign: {}", text.as_ref());
}

fn problem_lines(report: &Report) -> Vec<String> {
    report
        .errors
        .iter()
        .map(|p| {
            format!(
                "  {} [{}]: {}",
                p.field,
                p.code.as_str(),
                t(&p.message_en, &p.message_ja)
            )
        })
        .collect()
}

fn authority_name(rules: &RuleSet, a: Authority) -> String {
    rules
        .authority(a)
        .map(|r| t(&r.name_en, &r.name_ja).to_owned())
        .unwrap_or_else(|| format!("{a:?}"))
}

fn qualification_name(q: Qualification) -> &'static str {
    match q {
        Qualification::Physician => t("physician", "医師"),
        Qualification::Dentist => t("dentist", "歯科医師"),
        Qualification::Pharmacist => t("pharmacist", "薬剤師"),
    }
}

fn validate(args: ValidateArgs) -> CliResult {
    let rules = args.rules.load()?;
    let application =
        form::load_or_prompt(args.form.as_deref(), args.save.as_deref(), &rules, true)?;
    let report = authority_forms::validate(&application, &rules);
    let exit = if report.valid {
        Exit::Ok
    } else {
        Exit::NotValid
    };
    if args.json {
        let value = json!({
            "rules": rules.id,
            "rules_as_of": rules.as_of.to_string(),
            "qualification": application.qualification,
            "authority": application.authority,
            "report": report,
        });
        outln!("{value}");
        return Ok(exit);
    }
    outln!(
        "{}",
        tf!(
            "rule set {} (figures as of {})",
            "ルールセット {}（{}時点）",
            rules.id,
            rules.as_of
        )
    );
    let who = format!(
        "{} → {}",
        qualification_name(application.qualification),
        authority_name(&rules, application.authority)
    );
    if report.valid {
        outln!("{}", tf!("VALID: {who}", "有効: {who}"));
        outln!(
            "{}",
            t(
                "eligible: holds the qualification, the authority takes it through \
                 Mynaportal, no HPKI card held, no application pending",
                "申請可能: 資格を保有し、認証局はマイナポータル経由で受け付け、HPKIカードの保有や審査中の申請はありません",
            )
        );
        if let Some(price) = &report.price {
            let waiver = price
                .waiver
                .as_ref()
                .map(|w| format!(" ({})", t(&w.note_en, &w.note_ja)))
                .unwrap_or_default();
            outln!(
                "{}",
                tf!(
                    "price: {} yen (list {} yen){waiver}",
                    "費用: {}円（定価 {}円）{waiver}",
                    price.payable_yen,
                    price.list_yen
                )
            );
        } else if let Some(yen) = report.price_yen {
            outln!("{}", tf!("price: {yen} yen", "費用: {yen}円"));
        }
    } else {
        outln!(
            "{}",
            tf!(
                "INVALID: {who}: {} problem(s)",
                "無効: {who}: {}件の問題",
                report.errors.len()
            )
        );
        for line in problem_lines(&report) {
            outln!("{line}");
        }
    }
    Ok(exit)
}

fn template(args: TemplateArgs) -> CliResult {
    let rules = RuleSet::guide_2024_06()
        .map_err(|e| CliError::input(tf!("rule set: {e}", "ルールセット: {e}")))?;
    let today = jiff::Zoned::now().date();
    let a = form::template(
        &rules,
        args.qualification.into(),
        args.authority.into(),
        today,
        args.example,
    );
    match &args.out {
        Some(path) => {
            form::save(path, &a)?;
            say(tf!(
                "wrote {}; check it with `medsign apply validate {}`",
                "{}を書き出しました。`medsign apply validate {}` で確認できます",
                path.display(),
                path.display()
            ));
        }
        None => {
            let json =
                serde_json::to_string_pretty(&a).map_err(|e| CliError::input(e.to_string()))?;
            outln!("{json}");
        }
    }
    Ok(Exit::Ok)
}

/// Where the procedure runs: a portal URL, and the local portal kept alive with it.
struct Target {
    url: String,
    operator_token: Option<String>,
    _local: Option<LocalPortal>,
}

struct LocalPortal {
    server: Option<portal_sim::ServerHandle>,
    platform: Arc<portal_sim::LocalPlatform>,
    /// The test PKI's CRL endpoint the local portal checks the card's status at.
    crls: Option<sign_platform_sim::CrlServer>,
}

impl Drop for LocalPortal {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop();
        }
        if let Some(c) = self.crls.take() {
            c.stop();
        }
        self.platform.stop();
    }
}

const LOCAL_OPERATOR_TOKEN: &str = "medsign-local-operator";

fn target(args: &mut PortalArgs) -> Result<Target, CliError> {
    if args.local {
        if args.card.reader.is_some() {
            return Err(CliError::usage(t(
                "--local uses the virtual My Number Card: drop --reader",
                "--local は仮想マイナンバーカードを使います。--reader を外してください",
            )));
        }
        args.card.sim = Some(SimCard::Mynumber);
        let fail = |e: &dyn std::fmt::Display| {
            CliError::service(tf!(
                "cannot start the local portal: {e}",
                "ローカルのポータルを起動できません: {e}"
            ))
        };
        let pki = card_sim::JpkiTestPki::generate(&card_sim::TestHolder::yamada_hanako())
            .map_err(|e| fail(&e))?;
        let mut trust = hpki_cert::TrustStore::new();
        trust.add_anchor_der(pki.root_der()).map_err(|e| fail(&e))?;
        let platform = Arc::new(portal_sim::LocalPlatform::start(None).map_err(|e| fail(&e))?);
        let config = portal_sim::PortalConfig::new(LOCAL_OPERATOR_TOKEN).map_err(|e| fail(&e))?;
        let portal = portal_sim::Portal::open(None, trust, config)
            .map_err(|e| fail(&e))?
            .with_platform(platform.clone());
        // The card's revocation status is required: the test PKI's CRLs are served on
        // loopback, on the portal's clock, and the portal fetches them there.
        let crls =
            sign_platform_sim::CrlServer::start_with_clock("127.0.0.1:0", portal.clock().clone())
                .map_err(|e| fail(&e))?;
        let portal = portal.with_crl_source(Arc::new(crls.crl_source().map_err(|e| fail(&e))?));
        let server = portal.serve("127.0.0.1:0").map_err(|e| fail(&e))?;
        let url = server.base_url();
        let crl_url = crls.base_url();
        say(tf!(
            "local Mynaportal at {url} (in this process, virtual My Number Card; CRLs of the test PKI at {crl_url})",
            "ローカルのマイナポータル: {url}（このプロセス内、仮想マイナンバーカード。テストPKIのCRL: {crl_url}）"
        ));
        return Ok(Target {
            url,
            operator_token: Some(LOCAL_OPERATOR_TOKEN.to_owned()),
            _local: Some(LocalPortal {
                server: Some(server),
                platform,
                crls: Some(crls),
            }),
        });
    }
    match &args.portal {
        Some(url) => Ok(Target {
            url: url.trim_end_matches('/').to_owned(),
            operator_token: args.operator_token.clone(),
            _local: None,
        }),
        None => Err(CliError::usage(t(
            "no portal: pass --portal URL (e.g. `medsign sim`'s), or --local",
            "ポータルの指定がありません: --portal URL（`medsign sim` など）か --local を指定してください",
        ))),
    }
}

fn operator(
    url: &str,
    token: &str,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> Result<serde_json::Value, CliError> {
    let (status, answer) = HttpTransport::new(url)
        .exchange(method, path, Some(token), body.as_ref())
        .map_err(portal_error)?;
    if status != 200 {
        return Err(CliError::service(tf!(
            "operator call {path} answered {status}: {answer}",
            "オペレーターAPI {path} の応答 {status}: {answer}"
        )));
    }
    Ok(answer)
}

fn mailed_code(url: &str, token: &str, to: &str) -> Result<String, CliError> {
    let mails: Vec<Mail> = serde_json::from_value(operator(
        url,
        token,
        Method::Get,
        "/v1/operator/outbox",
        None,
    )?)
    .map_err(|e| CliError::service(e.to_string()))?;
    mails
        .iter()
        .rev()
        .filter(|m| m.to == to)
        .find_map(|m| {
            m.body
                .split("確認コード: ")
                .nth(1)
                .and_then(|s| s.get(..6))
                .map(str::to_owned)
        })
        .ok_or_else(|| {
            CliError::service(t(
                "no confirmation code in the portal's outbox",
                "ポータルの送信箱に確認コードがありません",
            ))
        })
}

fn read_code() -> Result<String, CliError> {
    let mut line = String::new();
    let n = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::input(e.to_string()))?;
    if n == 0 || line.trim().is_empty() {
        return Err(CliError::usage(t(
            "no confirmation code entered",
            "確認コードが入力されませんでした",
        )));
    }
    Ok(line.trim().to_owned())
}

/// The local checks before the card is touched: the form without the parts the portal
/// and the card supply (basic four items, eligibility, the mailed code).
fn precheck(application: &Application, rules: &RuleSet) -> Result<(), CliError> {
    let mut a = application.clone();
    a.application_date = jiff::Zoned::now().date();
    a.status = ApplicantStatus {
        qualifications_held: vec![a.qualification],
        ..ApplicantStatus::default()
    };
    let mut report = authority_forms::validate(&a, rules);
    report.errors.retain(|p| {
        !(p.field.starts_with("applicant")
            || p.field.starts_with("status")
            || p.field == "email.confirmation_code")
    });
    if report.errors.is_empty() {
        return Ok(());
    }
    let mut msg = tf!(
        "the form has {} problem(s); nothing was sent and no PIN asked:",
        "申請内容に{}件の問題があります（送信せず、暗証番号も求めていません）:",
        report.errors.len()
    );
    for line in problem_lines(&report) {
        msg.push('\n');
        msg.push_str(&line);
    }
    Err(CliError::new(Exit::NotValid, msg))
}

fn submit(mut args: SubmitArgs) -> CliResult {
    let rules = args.rules.load()?;
    let application =
        form::load_or_prompt(args.form.as_deref(), args.save.as_deref(), &rules, false)?;
    precheck(&application, &rules)?;
    if !application.consents.agree_all {
        return Err(CliError::new(
            Exit::NotValid,
            t(
                "the form does not agree to the authority's terms (consents.agree_all); nothing was sent",
                "確認事項への同意（consents.agree_all）がありません。送信していません",
            ),
        ));
    }
    let target = target(&mut args.portal)?;
    let approve = args.approve || args.portal.local;
    if approve && target.operator_token.is_none() {
        return Err(CliError::usage(t(
            "--approve needs --operator-token",
            "--approve には --operator-token が必要です",
        )));
    }
    let url = target.url.clone();
    let pins = args.portal.pins.clone();
    let mut card = MynaCard::open(&args.portal.card, &pins)?;

    // 1. Login with the user-authentication key.
    let pin = card.ask(&pins, PinKind::Auth)?;
    let auth = AuthPin::new(&pin).map_err(|e| pin_error(jpki_pin_name(PinKind::Auth), &e))?;
    drop(pin);
    let mut session = Portal::new(HttpTransport::new(&url), rules.clone())
        .login(card.portal_card(), &auth)
        .map_err(portal_error)?;
    drop(auth);
    if session.is_smartphone() {
        return Err(CliError::service(t(
            mynaportal_client::SMARTPHONE_MESSAGE_EN,
            mynaportal_client::SMARTPHONE_MESSAGE_JA,
        )));
    }
    say(t(
        "logged in to Mynaportal",
        "マイナポータルにログインしました",
    ));
    let person_id = session.person_id().to_owned();
    if args.portal.local && application.email.registered {
        // The local portal's account: the e-mail address registered, the qualification
        // in the authorities' records.
        if let Some(token) = &target.operator_token {
            operator(
                &url,
                token,
                Method::Put,
                &format!("/v1/operator/persons/{person_id}"),
                Some(json!({
                    "qualifications_held": [application.qualification],
                    "hpki_cards": [],
                    "email": application.email.address,
                })),
            )?;
        }
    }

    // 2–5. The qualification and authority, the basic four items from the card.
    let chosen = session
        .start_application()
        .map_err(portal_error)?
        .choose(application.qualification, application.authority)
        .map_err(|r| portal_error(r.error))?;
    let pin = card.ask(&pins, PinKind::Text)?;
    let assist = AssistPin::new(&pin, &rules.pins).map_err(portal_error)?;
    drop(pin);
    let confirm = chosen
        .read_card(card.portal_card(), &assist)
        .map_err(|r| portal_error(r.error))?;
    drop(assist);
    say(t(
        "read the basic four items from the card",
        "カードから基本4情報を読み取りました",
    ));
    if args.show_applicant
        && let Some(a) = confirm.applicant()
    {
        eprintln!(
            "  {}: {} / {:?} / {} / {}",
            t("applicant", "申請者"),
            a.name,
            a.sex,
            a.birth_date,
            a.address
        );
    }
    // 6–8. The form and the e-mail.
    let further = confirm
        .confirm()
        .map_err(|r| portal_error(r.error))?
        .submit(form::authority_data(&application))
        .map_err(|r| portal_error(r.error))?;
    let mut email = further
        .submit(form::further_data(&application))
        .map_err(|r| portal_error(r.error))?;
    let address = application.email.address.clone();
    let review = if application.email.registered {
        email
            .use_registered(&address)
            .map_err(|r| portal_error(r.error))?
    } else {
        let sent = email.request_code(&address).map_err(portal_error)?;
        say(tf!(
            "a confirmation code was mailed to {} (valid until {})",
            "{}に確認コードを送りました（{}まで有効）",
            sent.sent_to,
            sent.expires_at
        ));
        let code = match (&target.operator_token, args.code_stdin) {
            (_, true) => read_code()?,
            (Some(token), false) => mailed_code(&url, token, &address)?,
            (None, false) => {
                eprint!("{}", t("confirmation code: ", "確認コード: "));
                read_code()?
            }
        };
        email
            .confirm_code(&address, &code)
            .map_err(|r| portal_error(r.error))?
    };

    // 9. The review.
    let shown = review.review();
    let who = format!(
        "{} → {}",
        qualification_name(shown.application.qualification),
        authority_name(&rules, shown.application.authority)
    );
    eprintln!("{}", t("Review:", "確認画面:"));
    eprintln!("  {who}");
    if let Some(yen) = shown.report.price_yen {
        eprintln!("  {}", tf!("price: {yen} yen", "費用: {yen}円"));
    }
    eprintln!(
        "  {}",
        tf!(
            "{} file(s) to sign: {}",
            "署名するファイル{}件: {}",
            shown.parts.len(),
            shown
                .parts
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    );
    let price_yen = shown.report.price_yen;
    // 10. The consents (the form's agree_all is the applicant's).
    let consents = review.proceed().map_err(|r| portal_error(r.error))?;
    for c in consents.consents() {
        eprintln!("  {} {c}", t("agreed:", "同意:"));
    }
    let sign = consents.agree_all().map_err(|r| portal_error(r.error))?;
    // 11. The signature with the signature key, and the submission.
    let pin = card.ask(&pins, PinKind::Sign)?;
    let sign_pin = SignaturePin::new(&pin, &rules.pins).map_err(portal_error)?;
    drop(pin);
    let submitted = sign
        .sign_and_submit(card.portal_card(), &sign_pin)
        .map_err(|r| portal_error(r.error))?;
    drop(sign_pin);
    let id = submitted.status.application_id.clone();
    say(tf!(
        "signed with the My Number Card and submitted",
        "マイナンバーカードで署名して送信しました"
    ));

    let mut status = submitted.status;
    if approve && let Some(token) = &target.operator_token {
        operator(
            &url,
            token,
            Method::Post,
            &format!("/v1/operator/applications/{id}/decision"),
            Some(
                serde_json::to_value(Decision {
                    approve: true,
                    reason: None,
                })
                .map_err(|e| CliError::service(e.to_string()))?,
            ),
        )?;
        status = session.status(&id).map_err(portal_error)?;
    }
    print_submitted(&status, price_yen, args.portal.json);
    Ok(Exit::Ok)
}

fn state_name(s: mynaportal_client::wire::State) -> &'static str {
    use mynaportal_client::wire::State as S;
    match s {
        S::Draft => t("draft", "入力中"),
        S::UnderReview => t("under review", "申請中"),
        S::Approved => t("approved", "承認済み"),
        S::Rejected => t("rejected", "却下"),
    }
}

fn print_submitted(status: &StatusView, price_yen: Option<u32>, as_json: bool) {
    if as_json {
        outln!(
            "{}",
            json!({
                "application_id": status.application_id,
                "state": status.state,
                "qualification": status.qualification,
                "authority": status.authority,
                "price_yen": price_yen,
                "submitted_at": status.submitted_at,
                "decided_at": status.decided_at,
                "binding_url": status.binding.as_ref().map(|b| &b.url),
            })
        );
        return;
    }
    outln!(
        "{}",
        tf!("application id: {}", "申請番号: {}", status.application_id)
    );
    outln!("{}", tf!("state: {}", "状況: {}", state_name(status.state)));
    if let Some(b) = &status.binding {
        outln!(
            "{}",
            tf!(
                "the second certificate is issued; smartphone binding URL: {} (until {})",
                "電子証明書が発行されました。スマートフォン登録用URL: {}（{}まで）",
                b.url,
                b.expires_at
            )
        );
    }
}

fn status(mut args: StatusArgs) -> CliResult {
    let rules = RuleSet::guide_2024_06()
        .map_err(|e| CliError::input(tf!("rule set: {e}", "ルールセット: {e}")))?;
    let target = target(&mut args.portal)?;
    let mut card = MynaCard::open(&args.portal.card, &args.portal.pins)?;
    let pin = card.ask(&args.portal.pins, PinKind::Auth)?;
    let auth = AuthPin::new(&pin).map_err(|e| pin_error(jpki_pin_name(PinKind::Auth), &e))?;
    drop(pin);
    let mut session = Portal::new(HttpTransport::new(&target.url), rules)
        .login(card.portal_card(), &auth)
        .map_err(portal_error)?;
    let mut views = match &args.id {
        Some(id) => vec![session.status(id).map_err(portal_error)?],
        None => session.applications().map_err(portal_error)?,
    };
    if !args.show_binding_password {
        for v in &mut views {
            if let Some(b) = v.binding.as_mut() {
                b.password = "<redacted>".into();
            }
        }
    }
    if args.portal.json {
        let value = serde_json::to_value(&views).map_err(|e| CliError::service(e.to_string()))?;
        outln!("{value}");
        return Ok(Exit::Ok);
    }
    if views.is_empty() {
        outln!("{}", t("no applications", "申請はありません"));
    }
    for v in &views {
        let what = match (v.qualification, v.authority) {
            (Some(q), Some(a)) => format!(
                " ({} → {})",
                qualification_name(q),
                super::apply_form::authority_key(a).to_uppercase()
            ),
            _ => String::new(),
        };
        outln!("{}: {}{what}", v.application_id, state_name(v.state));
        if let Some(r) = &v.reason {
            outln!("  {}", tf!("reason: {r}", "理由: {r}"));
        }
        if let Some(b) = &v.binding {
            outln!(
                "  {}",
                tf!(
                    "smartphone binding URL: {} (until {}{}), password: {}",
                    "スマートフォン登録用URL: {}（{}まで{}）、パスワード: {}",
                    b.url,
                    b.expires_at,
                    if b.expired {
                        t(", expired", "、期限切れ")
                    } else {
                        ""
                    },
                    b.password
                )
            );
        }
    }
    Ok(Exit::Ok)
}
