//! The whole Mynaportal HPKI application with a virtual My Number Card: login, every
//! step, one 「修正する」 round trip, signature, submission, the authority's approval,
//! status and the binding URL. One JSON line per step on stdout.
//!
//! ```sh
//! cargo run --example apply_via_mynaportal                       # starts a portal in process
//! cargo run --example apply_via_mynaportal -- --portal http://127.0.0.1:8080 --operator-token T
//! cargo run --example apply_via_mynaportal -- --portal URL --status APPLICATION_ID
//! cargo run --example apply_via_mynaportal --features pcsc -- --pcsc   # the card through pcscd + vpcd
//! ```

use std::process::ExitCode;

use authority_forms::{Authority, Qualification, RuleSet};
use card_sim::{InProcess, MyNumberCard};
use mynaportal_client::{
    ApduCard, AssistPin, AuthPin, Error, HttpTransport, Method, Portal, PortalCard, SignaturePin,
    wire::{Decision, Mail, PersonRecord},
};
use serde_json::json;

#[path = "support/mynaportal.rs"]
mod support;

use support::{Result, authority_data, further_data, latest_code, operator};

struct Args {
    portal: Option<String>,
    operator_token: String,
    status: Option<String>,
    pcsc: bool,
}

fn args() -> Result<Args> {
    let mut out = Args {
        portal: None,
        operator_token: "example-operator-token".into(),
        status: None,
        pcsc: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--portal" => out.portal = Some(it.next().ok_or("--portal needs a URL")?),
            "--operator-token" => {
                out.operator_token = it.next().ok_or("--operator-token needs a value")?
            }
            "--status" => out.status = Some(it.next().ok_or("--status needs an application id")?),
            "--pcsc" => out.pcsc = true,
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    Ok(out)
}

fn line(step: &str, detail: serde_json::Value) {
    println!("{}", json!({ "step": step, "detail": detail }));
}

fn run() -> Result<()> {
    let args = args()?;
    let rules = RuleSet::guide_2024_06()?;
    let virtual_card = MyNumberCard::new()?;
    let root = virtual_card.pki().root_der().to_vec();

    // The portal: a running one, or one started here on a free loopback port with the
    // test PKI's CRL endpoint beside it (the portal requires the card's revocation
    // status and fetches the CRLs there).
    let mut _local = None;
    let mut crl_url = None;
    let base_url = match &args.portal {
        Some(url) => url.clone(),
        None => {
            let mut trust = hpki_cert::TrustStore::new();
            trust.add_anchor_der(&root)?;
            let portal = portal_sim::Portal::open(
                None,
                trust,
                portal_sim::PortalConfig::new(args.operator_token.clone())?,
            )?;
            let crls = sign_platform_sim::CrlServer::start_with_clock(
                "127.0.0.1:0",
                portal.clock().clone(),
            )?;
            let portal = portal_sim::with_local_platform(portal)?
                .with_crl_source(std::sync::Arc::new(crls.crl_source()?));
            let server = portal.serve("127.0.0.1:0")?;
            let url = server.base_url();
            crl_url = Some(crls.base_url());
            _local = Some((server, crls));
            url
        }
    };
    line(
        "portal",
        json!({ "url": base_url, "in_process": args.portal.is_none(), "crls": crl_url }),
    );

    let mut card: Box<dyn PortalCard> = if args.pcsc {
        pcsc_card(virtual_card)?
    } else {
        Box::new(ApduCard::open(InProcess::new(virtual_card))?)
    };
    let auth_pin = AuthPin::new(card_sim::default_pins::AUTH)?;
    let mut session = Portal::new(HttpTransport::new(&base_url), rules.clone())
        .login(card.as_mut(), &auth_pin)?;
    line(
        "login",
        json!({ "person_id": session.person_id(), "smartphone": session.is_smartphone() }),
    );

    if let Some(id) = &args.status {
        let mut status = session.status(id)?;
        if let Some(b) = status.binding.as_mut() {
            // The password is for the applicant's eyes, not for logs.
            b.password = "<redacted>".into();
        }
        line("status", serde_json::to_value(&status)?);
        return Ok(());
    }

    let mut op = HttpTransport::new(&base_url);
    let token = args.operator_token.clone();
    // The authorities' records of this person: a physician without an HPKI card.
    operator(
        &mut op,
        &token,
        Method::Put,
        &format!("/v1/operator/persons/{}", session.person_id()),
        Some(serde_json::to_value(PersonRecord {
            qualifications_held: vec![Qualification::Physician],
            hpki_cards: vec![],
        })?),
    )?;

    let today = jiff::Zoned::now().date();
    let form = session.start_application()?;
    line("start", json!({ "application_id": form.application_id() }));
    let offered = form.authorities_for(Qualification::Physician);
    let form = form
        .choose(Qualification::Physician, Authority::Jma)
        .map_err(Error::from)?;
    line(
        "qualification",
        json!({ "qualification": "physician", "authority": "jma", "offered": offered }),
    );
    let assist_pin = AssistPin::new(card_sim::default_pins::TEXT, &rules.pins)?;
    let form = form
        .read_card(card.as_mut(), &assist_pin)
        .map_err(Error::from)?;
    line(
        "read_card",
        json!({ "basic_four_items": form.applicant().is_some() }),
    );
    let form = form.confirm().map_err(Error::from)?;
    line("confirm_applicant", json!({}));
    let form = form
        .submit(authority_data("0012345")?)
        .map_err(Error::from)?;
    line("authority_data", json!({}));
    let mut form = form.submit(further_data(today)?).map_err(Error::from)?;
    line("further_data", json!({}));

    let address = "hanako.yamada@example.jp";
    let first = form.request_code(address)?;
    let resent = form.request_code(address)?;
    line(
        "email_code",
        json!({ "sent": 2, "expires_at": resent.expires_at, "first_expires_at": first.expires_at }),
    );
    let code = latest_code(&mut op, &token, address)?;
    let review = form.confirm_code(address, &code).map_err(Error::from)?;
    line("email", json!({ "confirmed": true }));
    line(
        "review",
        json!({ "valid": review.review().report.valid, "price_yen": review.review().report.price_yen, "parts": review.review().parts.len() }),
    );

    // 「修正する」 under the other data: back to step 6, then forward again.
    let form = review.amend_authority_data().map_err(Error::from)?;
    line("amend", json!({ "section": "authority_data" }));
    let form = form
        .submit(authority_data("0054321")?)
        .map_err(Error::from)?;
    let form = form.keep().map_err(Error::from)?;
    let review = form.keep().map_err(Error::from)?;
    line(
        "review",
        json!({ "valid": review.review().report.valid, "after_amend": true }),
    );

    let consents = review.proceed().map_err(Error::from)?;
    line("consents", json!({ "documents": consents.consents() }));
    let sign = consents.agree_all().map_err(Error::from)?;
    let sign_pin = SignaturePin::new(card_sim::default_pins::SIGN, &rules.pins)?;
    let submitted = sign
        .sign_and_submit(card.as_mut(), &sign_pin)
        .map_err(Error::from)?;
    let id = submitted.status.application_id.clone();
    line(
        "submitted",
        json!({ "application_id": id, "state": submitted.status.state }),
    );

    // The authority's review (the operator endpoint stands in for it).
    let decision = serde_json::to_value(Decision {
        approve: true,
        reason: None,
    })?;
    operator(
        &mut op,
        &token,
        Method::Post,
        &format!("/v1/operator/applications/{id}/decision"),
        Some(decision),
    )?;
    let status = session.status(&id)?;
    line(
        "status",
        json!({ "application_id": id, "state": status.state, "decided_at": status.decided_at }),
    );
    let messages = session.messages()?;
    line(
        "message",
        json!({ "count": messages.len(), "title": messages.last().map(|m| m.title_ja.clone()) }),
    );
    let binding = session.binding(&id)?;
    line(
        "binding_url",
        json!({ "url": binding.url, "expires_at": binding.expires_at, "password_len": binding.password.len() }),
    );
    // Step 14: the smartphone opens the URL, enters the password and registers its
    // device key (P-256, standing in for the phone's biometric authenticator).
    let platform_url = binding
        .url
        .split("/devices/setup/")
        .next()
        .ok_or("not a setup URL")?;
    let setup = remote_sign::DeviceSetup::letter(&binding.url, &binding.password)?;
    let device = remote_sign::RemoteClient::new(platform_url).register_device(
        &setup,
        remote_sign::DeviceKey::generate()?,
        None,
        false,
    )?;
    line(
        "smartphone_binding",
        json!({ "device_id": device.device_id, "label": device.label, "person_id": device.person_id }),
    );
    let mails: Vec<Mail> = serde_json::from_value(operator(
        &mut op,
        &token,
        Method::Get,
        "/v1/operator/outbox",
        None,
    )?)?;
    line(
        "notice_mail",
        json!({ "mails_to_applicant": mails.iter().filter(|m| m.to == address).count() }),
    );
    Ok(())
}

#[cfg(feature = "pcsc")]
fn pcsc_card(mut virtual_card: MyNumberCard) -> Result<Box<dyn PortalCard>> {
    // Serve the virtual card to pcscd through vpcd, then reach it like a real reader.
    std::thread::spawn(move || {
        if let Err(e) = card_sim::vpcd::serve(
            &mut virtual_card,
            format!("127.0.0.1:{}", card_sim::vpcd::DEFAULT_PORT),
        ) {
            eprintln!("vpcd: {e}");
        }
    });
    let context = apdu::PcscContext::establish()?;
    // pcscd may still be resetting the card it just noticed: until the card answers its
    // first SELECT (no PIN is involved), connect again.
    let mut last = String::from("no card");
    for _ in 0..50 {
        if let Ok(t) = context.connect("Virtual PCD 00 00") {
            let reader = t.reader().to_owned();
            match ApduCard::open(t) {
                Ok(card) => {
                    line("reader", json!({ "reader": reader }));
                    return Ok(Box::new(card));
                }
                Err(e) => last = e.to_string(),
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    Err(
        format!("the virtual card did not answer in pcscd's reader \"Virtual PCD 00 00\": {last}")
            .into(),
    )
}

#[cfg(not(feature = "pcsc"))]
fn pcsc_card(_: MyNumberCard) -> Result<Box<dyn PortalCard>> {
    Err("--pcsc needs the `pcsc` feature".into())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            println!("{}", json!({ "step": "error", "detail": e.to_string() }));
            ExitCode::FAILURE
        }
    }
}
