//! The whole story on embedded defaults, in process, in seconds:
//!
//! 1. a (fictitious) physician applies for HPKI through the local Mynaportal with a
//!    virtual My Number Card, and the authority approves;
//! 2. she signs a prescription with a virtual HPKI card (local signing);
//! 3. she signs another one remotely with the HPKI second certificate the approval
//!    issued, logging in with her My Number Card;
//! 4. both are verified with the full report, revocation checked against the CRLs the
//!    test CAs publish (served locally).
//!
//! ```sh
//! cargo run --release --example quickstart
//! ```
//!
//! Nothing leaves this machine: the portal, the remote-signing platform and the test
//! PKI's CRL endpoint listen on loopback ports chosen at start and stop at the end.
//! Every PIN is a documented test PIN of the virtual cards.

use std::process::ExitCode;
use std::sync::Arc;

use authority_forms::{Authority, Qualification, RuleSet};
use card_sim::{HpkiHolder, InProcess, MyNumberCard, VirtualHpkiCard};
use hpki_card::{HpkiCard, Pin};
use jpki_card::{AuthPin, JpkiCard, LastTry};
use mynaportal_client::{
    ApduCard, AssistPin, HttpTransport, Method, Portal, PortalCard, SignaturePin,
    wire::{Decision, PersonRecord},
};
use remote_sign::{Authenticator, RemoteClient, RemoteSigner};
use xades_sign::{Prescription, SignOptions, TrustStore, Verifier};

#[path = "support/mynaportal.rs"]
mod support;

use support::{Result, authority_data, further_data, latest_code, operator};

/// The CSV prescription text (処方箋CSV), fictitious.
const PRESCRIPTION_CSV: &str = "SJ1,1.0\r\n1,1,1234567,13,やまだ内科クリニック\r\n\
    11,ヤマダ ハナコ,山田 花子,2,19850401\r\n\
    101,1,1,,1,1日3回毎食後,3,日分\r\n111,1,1,,アムロジピン錠５ｍｇ,1,1,錠\r\n";

fn say(step: &str, text: impl AsRef<str>) {
    println!("[{step}] {}", text.as_ref());
}

fn run() -> Result<()> {
    let rules = RuleSet::guide_2024_06()?;
    let operator_token = "quickstart-operator";

    // Every test certificate names a CRL distribution point under
    // http://crl.medsign.invalid/; this endpoint serves them, fresh, to the portal (it
    // checks the My Number Card that logs in) and to the verifier.
    let crl_server = sign_platform_sim::CrlServer::start("127.0.0.1:0")?;
    // The local Mynaportal and the HPKI second-certificate platform, on loopback.
    let my_number_card = MyNumberCard::new()?;
    let mut jlis = TrustStore::new();
    jlis.add_anchor_der(my_number_card.pki().root_der())?;
    let platform = Arc::new(portal_sim::LocalPlatform::start(None)?);
    let portal = portal_sim::Portal::open(
        None,
        jlis,
        portal_sim::PortalConfig::new(operator_token.to_owned())?,
    )?
    .with_platform(platform.clone())
    .with_crl_source(Arc::new(crl_server.crl_source()?));
    let server = portal.serve("127.0.0.1:0")?;
    let url = server.base_url();
    say(
        "setup",
        format!(
            "local Mynaportal at {url}, remote-signing platform at {}",
            platform.base_url()
        ),
    );
    say(
        "setup",
        format!(
            "CRLs of the test PKI (http://crl.medsign.invalid/) served at {}",
            crl_server.base_url()
        ),
    );

    // 1. Apply with the My Number Card (user-auth PIN to log in, input-support PIN to
    //    read the basic four items, signature PIN to sign the application).
    let mut card: Box<dyn PortalCard> = Box::new(ApduCard::open(InProcess::new(my_number_card))?);
    let mut session = Portal::new(HttpTransport::new(&url), rules.clone())
        .login(card.as_mut(), &AuthPin::new(card_sim::default_pins::AUTH)?)?;
    let mut op = HttpTransport::new(&url);
    operator(
        &mut op,
        operator_token,
        Method::Put,
        &format!("/v1/operator/persons/{}", session.person_id()),
        Some(serde_json::to_value(PersonRecord {
            qualifications_held: vec![Qualification::Physician],
            hpki_cards: vec![],
        })?),
    )?;
    let today = jiff::Zoned::now().date();
    let form = session
        .start_application()?
        .choose(Qualification::Physician, Authority::Jma)
        .map_err(mynaportal_client::Error::from)?
        .read_card(
            card.as_mut(),
            &AssistPin::new(card_sim::default_pins::TEXT, &rules.pins)?,
        )
        .map_err(mynaportal_client::Error::from)?
        .confirm()
        .map_err(mynaportal_client::Error::from)?
        .submit(authority_data("0012345")?)
        .map_err(mynaportal_client::Error::from)?;
    let mut form = form
        .submit(further_data(today)?)
        .map_err(mynaportal_client::Error::from)?;
    let address = "hanako.yamada@example.jp";
    form.request_code(address)?;
    let code = latest_code(&mut op, operator_token, address)?;
    let review = form
        .confirm_code(address, &code)
        .map_err(mynaportal_client::Error::from)?;
    say(
        "apply",
        format!(
            "application to JMA reviewed: valid={}, price {} yen",
            review.review().report.valid,
            review.review().report.price_yen.unwrap_or_default()
        ),
    );
    let submitted = review
        .proceed()
        .map_err(mynaportal_client::Error::from)?
        .agree_all()
        .map_err(mynaportal_client::Error::from)?
        .sign_and_submit(
            card.as_mut(),
            &SignaturePin::new(card_sim::default_pins::SIGN, &rules.pins)?,
        )
        .map_err(mynaportal_client::Error::from)?;
    let id = submitted.status.application_id.clone();
    say(
        "apply",
        format!("signed with the My Number Card and submitted: {id}"),
    );
    operator(
        &mut op,
        operator_token,
        Method::Post,
        &format!("/v1/operator/applications/{id}/decision"),
        Some(serde_json::to_value(Decision {
            approve: true,
            reason: None,
        })?),
    )?;
    let status = session.status(&id)?;
    say(
        "approve",
        format!(
            "the authority decided: {:?}; the second certificate is issued and bound to the My Number Card",
            status.state
        ),
    );

    // 2. Local signing with the HPKI card (the per-signature PIN is presented once).
    let hpki = VirtualHpkiCard::test_card(HpkiHolder::Physician)?;
    let hpki_card = HpkiCard::open(InProcess::new(hpki))?;
    let mut hpki_signer = hpki_card.into_signer(Pin::new("1234")?, LastTry::Refuse)?;
    let local = xades_sign::sign_prescription(
        &Prescription::new(PRESCRIPTION_CSV),
        &mut hpki_signer,
        &SignOptions::now(),
    )?;
    say(
        "sign",
        format!(
            "prescription signed with the HPKI card ({} bytes of XAdES)",
            local.len()
        ),
    );

    // 3. Remote signing: log in once with the My Number Card's user-authentication key,
    //    then the platform signs with the second certificate.
    let mut login_card = JpkiCard::open(InProcess::new(MyNumberCard::new()?))?;
    let auth = login_card.signer(AuthPin::new(card_sim::default_pins::AUTH)?, LastTry::Refuse)?;
    let mut remote = RemoteSigner::connect(
        RemoteClient::new(platform.base_url()),
        Authenticator::MyNumberCard(Box::new(auth)),
    )?;
    let remote_doc = xades_sign::sign_prescription(
        &Prescription::new(PRESCRIPTION_CSV),
        &mut remote,
        &SignOptions::now(),
    )?;
    say(
        "sign",
        format!(
            "prescription signed remotely ({} logins, {} round trips)",
            remote.client().logins(),
            remote.client().round_trips()
        ),
    );

    // 4. Verify both against the test anchors (the test HPKI root of the card, the
    //    platform's root); nothing in a document is trusted. Revocation status is
    //    required: each certificate's CRL is fetched from its distribution point,
    //    mirrored to the local endpoint.
    let mut trust = TrustStore::new();
    let card_pki = card_sim::HpkiTestCertificates::generate(HpkiHolder::Physician)?;
    trust.add_anchor_der(&card_pki.root)?;
    trust.add_intermediate_der(&card_pki.signing_ca)?;
    trust.add_anchor_der(&platform.platform().trust_anchor_der())?;
    for ca in platform.platform().ca_chain_der() {
        trust.add_intermediate_der(&ca)?;
    }
    let verifier = Verifier::new(trust).with_crl_source(Arc::new(crl_server.crl_source()?));
    let mut all_valid = true;
    for (name, doc) in [("local.xml", &local), ("remote.xml", &remote_doc)] {
        let report = verifier.verify(doc);
        all_valid &= report.status == xades_sign::Indication::Valid;
        say(
            "verify",
            serde_json::to_string_pretty(&report.to_json(name))?,
        );
    }
    server.stop();
    crl_server.stop();
    if all_valid {
        say("done", "both prescriptions are VALID");
        Ok(())
    } else {
        Err("a prescription did not verify".into())
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart: {e}");
            ExitCode::FAILURE
        }
    }
}
