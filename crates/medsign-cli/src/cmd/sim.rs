//! `medsign sim`: the local Mynaportal, the remote-signing platform and virtual cards on
//! vpcd, together, until Ctrl-C (or `--for SECONDS`).
//!
//! Everything is a test double with fictitious data (card-sim's holders, public test
//! keys), in memory, on loopback unless `--allow-remote`. The platform starts with one
//! test physician whose second certificate is bound to the virtual My Number Card, so
//! `medsign remote sign --sim mynumber` works at once; applications submitted to the
//! portal are approved by `--auto-approve` and issue on this platform. A CRL endpoint
//! serves the CRLs of every test CA (the cards', the platform's), so that verifiers can
//! check revocation by mapping `http://crl.medsign.invalid/` to it.

use std::collections::HashSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use card_sim::{VirtualCard, vpcd};
use mynaportal_client::{HttpTransport, Method, PortalTransport as _, wire::Mail};
use serde_json::json;

use crate::cardsrc::SimCard;
use crate::error::{CliError, CliResult, Exit, io_error};
use crate::{i18n::t, outln, tf};

/// Arguments of `medsign sim`.
#[derive(clap::Args)]
pub struct SimArgs {
    /// Address of the local Mynaportal (portal-sim); port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    portal: String,
    /// Address of the remote-signing platform (sign-platform-sim); port 0 picks a free
    /// one.
    #[arg(long, default_value = "127.0.0.1:8090", value_name = "ADDR")]
    platform: String,
    /// Address of the CRL endpoint serving the test PKI's CRLs (the distribution points
    /// under `http://crl.medsign.invalid/`); port 0, the default, picks a free one.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    crl: String,
    /// vpcd's card side (pcscd with vsmartcard-vpcd); the Nth --card takes port + N.
    /// Default with --card: 127.0.0.1:35963.
    #[arg(long, value_name = "HOST:PORT")]
    vpcd: Option<String>,
    /// A virtual card to serve on vpcd (repeatable). Default with --vpcd: mynumber.
    #[arg(long, value_enum, value_name = "KIND")]
    card: Vec<SimCard>,
    /// Bearer token of the portal's operator API (default: a random one, printed).
    #[arg(long, env = "MEDSIGN_OPERATOR_TOKEN", hide_env_values = true)]
    operator_token: Option<String>,
    /// Approve every submitted application (the authority's review), polling the
    /// portal's outbox every second.
    #[arg(long)]
    auto_approve: bool,
    /// Stop after this many seconds (for tests and scripts).
    #[arg(long = "for", value_name = "SECONDS")]
    duration: Option<u64>,
    /// Write the platform's test trust anchors (DER) to this directory, for verifying
    /// what it signs (`medsign rx verify --trust DIR`).
    #[arg(long, value_name = "DIR")]
    trust_out: Option<PathBuf>,
    /// Start the platform without the test physician bound to the virtual My Number
    /// Card.
    #[arg(long)]
    no_test_person: bool,
    /// Listen on addresses other than loopback (the services have no real security).
    #[arg(long)]
    allow_remote: bool,
    /// Print the addresses as one JSON line on standard output.
    #[arg(long)]
    json: bool,
}

/// The platform's id of the test physician it starts with.
const TEST_PERSON: &str = "SIM-P-0001";

fn check_loopback(addr: &str, allow_remote: bool) -> Result<(), CliError> {
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if loopback || allow_remote {
        Ok(())
    } else {
        Err(CliError::usage(tf!(
            "{addr} is not a loopback address; the simulators have no real security \
             (pass --allow-remote to listen there anyway)",
            "{addr} はループバックアドレスではありません。シミュレーターに実際の安全性はありません\
             （それでも使う場合は --allow-remote）"
        )))
    }
}

fn start_fail(what: &str, e: &dyn std::fmt::Display) -> CliError {
    CliError::service(tf!(
        "cannot start the {what}: {e}",
        "{what}を起動できません: {e}"
    ))
}

fn virtual_card(kind: SimCard) -> Result<Box<dyn VirtualCard + Send>, CliError> {
    let fail = |e: &dyn std::fmt::Display| {
        CliError::card(tf!(
            "cannot create the virtual card: {e}",
            "仮想カードを作れません: {e}"
        ))
    };
    Ok(match kind.hpki_holder() {
        Some(holder) => {
            Box::new(card_sim::VirtualHpkiCard::test_card(holder).map_err(|e| fail(&e))?)
        }
        None => Box::new(card_sim::MyNumberCard::new().map_err(|e| fail(&e))?),
    })
}

/// Serves `card` on vpcd at `addr` until the process ends, connecting again when pcscd
/// restarts.
fn serve_vpcd(mut card: Box<dyn VirtualCard + Send>, addr: String, stop: Arc<AtomicBool>) {
    let mut failures = 0u32;
    while !stop.load(Ordering::Relaxed) {
        match vpcd::serve(card.as_mut(), addr.as_str()) {
            Ok(()) => failures = 0,
            Err(vpcd::VpcdError::Connect { .. }) if failures < 50 => failures += 1,
            Err(e) => {
                eprintln!("medsign sim: vpcd {addr}: {e}");
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Approves every application the portal has acknowledged by mail.
fn auto_approve(url: String, token: String, stop: Arc<AtomicBool>) {
    let mut done: HashSet<String> = HashSet::new();
    let mut portal = HttpTransport::new(&url);
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_secs(1));
        let Ok((200, answer)) =
            portal.exchange(Method::Get, "/v1/operator/outbox", Some(&token), None)
        else {
            continue;
        };
        let Ok(mails) = serde_json::from_value::<Vec<Mail>>(answer) else {
            continue;
        };
        for mail in mails
            .iter()
            .filter(|m| m.subject.contains("申請を受け付けました"))
        {
            let Some(id) = mail
                .body
                .split("申請番号: ")
                .nth(1)
                .and_then(|s| s.lines().next())
                .map(|s| s.trim().to_owned())
            else {
                continue;
            };
            if done.contains(&id) {
                continue;
            }
            let body = json!({ "approve": true });
            let path = format!("/v1/operator/applications/{id}/decision");
            match portal.exchange(Method::Post, &path, Some(&token), Some(&body)) {
                Ok((200, _)) => outln!(
                    "{}",
                    tf!(
                        "medsign sim: approved application {id}",
                        "medsign sim: 申請 {id} を承認しました"
                    )
                ),
                Ok((status, answer)) => eprintln!("medsign sim: approving {id}: {status} {answer}"),
                Err(e) => eprintln!("medsign sim: approving {id}: {e}"),
            }
            done.insert(id);
        }
    }
}

fn write_trust(
    dir: &Path,
    platform: &sign_platform_sim::Platform,
) -> Result<Vec<PathBuf>, CliError> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, &e))?;
    let mut files = vec![(dir.join("sim-hpki-root.der"), platform.trust_anchor_der())];
    for (i, ca) in platform.ca_chain_der().into_iter().enumerate() {
        files.push((dir.join(format!("sim-hpki-ca-{i}.der")), ca));
    }
    for (path, der) in &files {
        std::fs::write(path, der).map_err(|e| io_error(path, &e))?;
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

/// Runs `medsign sim`.
pub fn run(args: SimArgs) -> CliResult {
    check_loopback(&args.portal, args.allow_remote)?;
    check_loopback(&args.platform, args.allow_remote)?;
    check_loopback(&args.crl, args.allow_remote)?;
    let mut cards = args.card.clone();
    let vpcd_addr = match (&args.vpcd, cards.is_empty()) {
        (None, true) => None,
        (None, false) => Some(format!("127.0.0.1:{}", vpcd::DEFAULT_PORT)),
        (Some(a), _) => {
            if cards.is_empty() {
                cards.push(SimCard::Mynumber);
            }
            Some(a.clone())
        }
    };
    let vpcd_base = match &vpcd_addr {
        None => None,
        Some(a) => {
            let (host, port) = a
                .rsplit_once(':')
                .and_then(|(h, p)| p.parse::<u16>().ok().map(|p| (h.to_owned(), p)))
                .ok_or_else(|| {
                    CliError::usage(tf!(
                        "--vpcd {a}: expected HOST:PORT",
                        "--vpcd {a}: HOST:PORT の形式で指定してください"
                    ))
                })?;
            Some((host, port))
        }
    };
    let token = args
        .operator_token
        .clone()
        .unwrap_or_else(|| format!("sim-{}", uuid::Uuid::new_v4().simple()));

    // The remote-signing platform.
    let local_platform = Arc::new(
        portal_sim::LocalPlatform::start_on(&args.platform, None)
            .map_err(|e| start_fail(t("remote-signing platform", "リモート署名基盤"), &e))?,
    );
    let platform = local_platform.platform().clone();
    let platform_url = local_platform.base_url().to_owned();
    let jpki = card_sim::JpkiTestPki::generate(&card_sim::TestHolder::yamada_hanako())
        .map_err(|e| start_fail(t("test PKI", "テストPKI"), &e))?;
    if !args.no_test_person {
        platform
            .issue_second_certificate(&sign_platform_sim::IssueRequest {
                person_id: TEST_PERSON.into(),
                name_kanji: "山田\u{3000}花子".into(),
                name_romaji: "YAMADA Hanako".into(),
                qualification: hpki_cert::Qualification::MedicalDoctor,
                authority: "JMA".into(),
                jpki_auth_certificate_der: Some(jpki.auth_cert_der().to_vec()),
                now: jiff::Timestamp::now(),
            })
            .map_err(|e| start_fail(t("test physician", "テスト医師"), &e))?;
    }
    // The CRL distribution points of the test PKI.
    let crl_server = sign_platform_sim::CrlServer::start(&args.crl)
        .map_err(|e| start_fail(t("CRL endpoint", "CRL配布点"), &e))?;
    let crl_url = crl_server.base_url();
    let trust_files = match &args.trust_out {
        Some(dir) => write_trust(dir, &platform)?,
        None => Vec::new(),
    };

    // The local Mynaportal, issuing on that platform and checking the My Number Cards'
    // revocation status at the CRL endpoint.
    let mut jlis = hpki_cert::TrustStore::new();
    jlis.add_anchor_der(jpki.root_der())
        .map_err(|e| start_fail("Mynaportal", &e))?;
    let config =
        portal_sim::PortalConfig::new(token.clone()).map_err(|e| start_fail("Mynaportal", &e))?;
    let portal = portal_sim::Portal::open(None, jlis, config)
        .map_err(|e| start_fail("Mynaportal", &e))?
        .with_platform(local_platform.clone())
        .with_crl_source(Arc::new(
            crl_server
                .crl_source()
                .map_err(|e| start_fail(t("CRL endpoint", "CRL配布点"), &e))?,
        ));
    let portal_server = portal
        .serve(&args.portal)
        .map_err(|e| start_fail("Mynaportal", &e))?;
    let portal_url = portal_server.base_url();

    let stop = Arc::new(AtomicBool::new(false));
    let mut served = Vec::new();
    if let Some((host, port)) = &vpcd_base {
        for (i, kind) in cards.iter().enumerate() {
            let card = virtual_card(*kind)?;
            let addr = format!("{host}:{}", port.saturating_add(i as u16));
            let name = clap::ValueEnum::to_possible_value(kind)
                .map(|v| v.get_name().to_owned())
                .unwrap_or_default();
            served.push(json!({ "card": name, "vpcd": addr }));
            let stop = stop.clone();
            std::thread::Builder::new()
                .name(format!("vpcd-{i}"))
                .spawn(move || serve_vpcd(card, addr, stop))
                .map_err(|e| start_fail("vpcd", &e))?;
        }
    }
    if args.auto_approve {
        let (url, token, stop) = (portal_url.clone(), token.clone(), stop.clone());
        std::thread::Builder::new()
            .name("auto-approve".into())
            .spawn(move || auto_approve(url, token, stop))
            .map_err(|e| start_fail("auto-approve", &e))?;
    }

    if args.json {
        outln!(
            "{}",
            json!({
                "portal": portal_url,
                "platform": platform_url,
                "crl": crl_url,
                "operator_token": token,
                "auto_approve": args.auto_approve,
                "cards": served,
                "test_person": (!args.no_test_person).then_some(TEST_PERSON),
                "trust": trust_files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
                "pins": {
                    "mynumber_auth": card_sim::default_pins::AUTH,
                    "mynumber_input_support": card_sim::default_pins::TEXT,
                    "mynumber_signature": card_sim::default_pins::SIGN,
                    "hpki": "1234",
                },
            })
        );
    } else {
        print_banner(
            &args,
            &portal_url,
            &platform_url,
            &crl_url,
            &token,
            &served,
            &trust_files,
        );
    }

    match args.duration {
        Some(secs) => std::thread::sleep(Duration::from_secs(secs)),
        None => loop {
            std::thread::park();
        },
    }
    stop.store(true, Ordering::Relaxed);
    portal_server.stop();
    local_platform.stop();
    crl_server.stop();
    outln!("{}", t("medsign sim: stopped", "medsign sim: 停止しました"));
    Ok(Exit::Ok)
}

fn print_banner(
    args: &SimArgs,
    portal_url: &str,
    platform_url: &str,
    crl_url: &str,
    token: &str,
    served: &[serde_json::Value],
    trust_files: &[PathBuf],
) {
    outln!(
        "{}",
        t(
            "medsign sim: local test doubles (fictitious data, test keys; in memory)",
            "medsign sim: ローカルのテスト用サービス（架空のデータとテスト鍵、メモリ上）",
        )
    );
    let label = |s: &str| crate::output::pad(s, 29);
    outln!("  {} {portal_url}", label("Mynaportal (portal-sim):"));
    outln!(
        "  {} {platform_url}",
        label(t("remote-signing platform:", "リモート署名基盤:"))
    );
    outln!(
        "  {} {}",
        label(t("CRLs of the test PKI:", "テストPKIのCRL:")),
        tf!(
            "{crl_url} (stands in for http://crl.medsign.invalid/)",
            "{crl_url}（http://crl.medsign.invalid/ の代わり）"
        )
    );
    outln!(
        "  {} {token}",
        label(t("operator token:", "オペレータートークン:"))
    );
    if args.auto_approve {
        outln!(
            "  {}",
            t(
                "submitted applications are approved at once (--auto-approve)",
                "送信された申請はすぐ承認されます（--auto-approve）",
            )
        );
    }
    for s in served {
        let get = |k: &str| {
            s.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        outln!(
            "  {}",
            tf!(
                "virtual card {} on vpcd {}",
                "仮想カード {}: vpcd {}",
                get("card"),
                get("vpcd")
            )
        );
    }
    for path in trust_files {
        outln!(
            "  {}",
            tf!("trust anchor: {}", "トラストアンカー: {}", path.display())
        );
    }
    outln!(
        "{}",
        tf!(
            "Test PINs of the virtual My Number Card: user-authentication {}, input-support {}, \
             signature {}; virtual HPKI cards: 1234.",
            "仮想マイナンバーカードのテスト用暗証番号: 利用者証明用 {}、券面事項入力補助用 {}、\
             署名用 {}。仮想HPKIカード: 1234。",
            card_sim::default_pins::AUTH,
            card_sim::default_pins::TEXT,
            card_sim::default_pins::SIGN
        )
    );
    if !args.no_test_person {
        outln!(
            "{}",
            tf!(
                "The platform's test physician {TEST_PERSON} has a second certificate bound \
                 to the virtual My Number Card (--sim mynumber).",
                "リモート署名基盤のテスト医師 {TEST_PERSON} の電子証明書は仮想マイナンバーカード\
                 （--sim mynumber）に紐付いています。"
            )
        );
    }
    outln!("{}", t("Try:", "使い方:"));
    outln!("  export MEDSIGN_PORTAL={portal_url} MEDSIGN_PLATFORM={platform_url}");
    outln!("  medsign apply template --example --out form.json");
    outln!(
        "  medsign apply submit form.json --portal {portal_url} --sim mynumber --operator-token {token}{}",
        if args.auto_approve { "" } else { " --approve" }
    );
    outln!("  medsign remote login --platform {platform_url} --sim mynumber");
    outln!("  medsign remote sign --platform {platform_url} --sim mynumber rx.csv --out signed/");
    outln!(
        "{}",
        match args.duration {
            Some(s) => tf!("Stopping after {s} s.", "{s}秒後に停止します。"),
            None => t("Stop with Ctrl-C.", "Ctrl-C で停止します。").to_owned(),
        }
    );
}
