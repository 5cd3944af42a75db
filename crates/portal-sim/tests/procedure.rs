//! The procedure end to end over HTTP against portal-sim, and every refusal of the guide.
// Test helpers outside `#[test]` functions panic on failure like the tests themselves.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use authority_forms::{Authority, HpkiCardState, Qualification, RuleSet};
use card_sim::{InProcess, JpkiTestPki, MyNumberCard, MyNumberOptions, TestHolder, Token};
use mynaportal_client::{
    ApduCard, AssistPin, AuthPin, Error, HttpTransport, Method, Portal as Client, PortalTransport,
    ReviewApplication, Session, SignaturePin,
    wire::{AuthorityData, Decision, FurtherData, Mail, PersonRecord, State},
};
use portal_sim::{LocalPlatform, Portal, PortalConfig, ServerHandle};
use serde_json::{Value, json};

const OP: &str = "test-operator-token";

type Card = ApduCard<InProcess<MyNumberCard>>;

struct Env {
    portal: Portal,
    server: ServerHandle,
    pki: Arc<JpkiTestPki>,
    rules: RuleSet,
    /// The test PKI's CRL endpoint the portal checks the cards' status at.
    _crls: sign_platform_sim::CrlServer,
}

fn pki() -> Arc<JpkiTestPki> {
    Arc::new(JpkiTestPki::generate(&TestHolder::yamada_hanako()).unwrap())
}

fn start_on(db: Option<&std::path::Path>, pki: Arc<JpkiTestPki>) -> Env {
    start_with(db, pki, PortalConfig::new(OP).unwrap())
}

fn start_with(db: Option<&std::path::Path>, pki: Arc<JpkiTestPki>, config: PortalConfig) -> Env {
    let mut trust = hpki_cert::TrustStore::new();
    trust.add_anchor_der(pki.root_der()).unwrap();
    let portal = Portal::open(db, trust, config).unwrap();
    // The CRL endpoint on the portal's clock: CRLs stay current when tests move it.
    let crls =
        sign_platform_sim::CrlServer::start_with_clock("127.0.0.1:0", portal.clock().clone())
            .unwrap();
    let portal = portal
        .with_platform(Arc::new(LocalPlatform::start(None).unwrap()))
        .with_crl_source(Arc::new(crls.crl_source().unwrap()));
    let server = portal.serve("127.0.0.1:0").unwrap();
    Env {
        portal,
        server,
        pki,
        rules: RuleSet::guide_2024_06().unwrap(),
        _crls: crls,
    }
}

fn start() -> Env {
    start_on(None, pki())
}

impl Env {
    fn card(&self, token: Token) -> Card {
        let options = MyNumberOptions {
            token,
            ..MyNumberOptions::default()
        };
        ApduCard::open(InProcess::new(MyNumberCard::with_pki(
            options,
            Arc::clone(&self.pki),
        )))
        .unwrap()
    }

    fn login(&self, card: &mut Card) -> Session<HttpTransport> {
        let pin = AuthPin::new("1234").unwrap();
        Client::new(
            HttpTransport::new(&self.server.base_url()),
            self.rules.clone(),
        )
        .login(card, &pin)
        .unwrap()
    }

    fn op(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        HttpTransport::new(&self.server.base_url())
            .exchange(method, path, Some(OP), body.as_ref())
            .unwrap()
    }

    fn person(&self, person_id: &str, record: PersonRecord, email: Option<&str>) {
        let mut body = serde_json::to_value(record).unwrap();
        body["email"] = json!(email);
        let (status, _) = self.op(
            Method::Put,
            &format!("/v1/operator/persons/{person_id}"),
            Some(body),
        );
        assert_eq!(status, 200);
    }

    fn outbox(&self) -> Vec<Mail> {
        serde_json::from_value(self.op(Method::Get, "/v1/operator/outbox", None).1).unwrap()
    }

    fn code_for(&self, to: &str) -> String {
        let mails = self.outbox();
        let mail = mails
            .iter()
            .rev()
            .find(|m| m.to == to && m.subject.contains("確認コード"))
            .unwrap();
        mail.body.split("確認コード: ").nth(1).unwrap()[..6].to_owned()
    }

    fn decide(&self, id: &str, approve: bool) -> (u16, Value) {
        let body = serde_json::to_value(Decision {
            approve,
            reason: None,
        })
        .unwrap();
        self.op(
            Method::Post,
            &format!("/v1/operator/applications/{id}/decision"),
            Some(body),
        )
    }

    fn advance(&self, seconds: i64) {
        let (status, _) = self.op(
            Method::Post,
            "/v1/operator/clock",
            Some(json!({ "seconds": seconds })),
        );
        assert_eq!(status, 200);
    }
}

fn authority_data(member_number: &str) -> AuthorityData {
    portal_sim::sample::authority_data(member_number).unwrap()
}

fn further_data() -> FurtherData {
    portal_sim::sample::further_data(jiff::Zoned::now().date()).unwrap()
}

const ADDRESS: &str = "hanako.yamada@example.jp";

/// Login → review, with the registered e-mail.
fn to_review<'s>(
    env: &Env,
    session: &'s mut Session<HttpTransport>,
    card: &mut Card,
) -> ReviewApplication<'s, HttpTransport> {
    env.person(
        session.person_id(),
        PersonRecord {
            qualifications_held: vec![Qualification::Physician],
            hpki_cards: vec![],
        },
        Some(ADDRESS),
    );
    let form = session.start_application().unwrap();
    let form = form
        .choose(Qualification::Physician, Authority::Jma)
        .unwrap();
    let form = form
        .read_card(card, &AssistPin::new("1234", &env.rules.pins).unwrap())
        .unwrap();
    let form = form.confirm().unwrap();
    let form = form.submit(authority_data("0012345")).unwrap();
    let form = form.submit(further_data()).unwrap();
    form.use_registered(ADDRESS).unwrap()
}

fn submit(env: &Env, session: &mut Session<HttpTransport>, card: &mut Card) -> String {
    let review = to_review(env, session, card);
    let sign = review.proceed().unwrap().agree_all().unwrap();
    let pin = SignaturePin::new("ABC123", &env.rules.pins).unwrap();
    let submitted = sign.sign_and_submit(card, &pin).unwrap();
    assert_eq!(submitted.status.state, State::UnderReview);
    submitted.status.application_id
}

fn portal_error(e: &Error) -> &mynaportal_client::PortalError {
    match e {
        Error::Portal(p) => p,
        other => panic!("expected a portal refusal, got {other:?}"),
    }
}

#[test]
fn whole_procedure_with_amend_round_trip_ends_in_a_binding_url_valid_three_months() {
    let env = start();
    let mut card = env.card(Token::Icc2);
    let mut session = env.login(&mut card);
    env.person(
        session.person_id(),
        PersonRecord {
            qualifications_held: vec![Qualification::Physician],
            hpki_cards: vec![],
        },
        None,
    );
    let form = session.start_application().unwrap();
    assert_eq!(
        form.authorities_for(Qualification::Physician),
        vec![Authority::Jma, Authority::Medis]
    );
    let form = form
        .choose(Qualification::Physician, Authority::Jma)
        .unwrap();
    let form = form
        .read_card(&mut card, &AssistPin::new("1234", &env.rules.pins).unwrap())
        .unwrap();
    assert_eq!(form.applicant().unwrap().name, "山田\u{3000}花子");
    let form = form
        .confirm()
        .unwrap()
        .submit(authority_data("0012345"))
        .unwrap();
    let mut form = form.submit(further_data()).unwrap();
    // A new address: code mailed, resent, the first code no longer works.
    form.request_code(ADDRESS).unwrap();
    let first = env.code_for(ADDRESS);
    form.request_code(ADDRESS).unwrap();
    let second = env.code_for(ADDRESS);
    let form = if first == second {
        form
    } else {
        let refused = form.confirm_code(ADDRESS, &first).unwrap_err();
        assert_eq!(portal_error(&refused.error).code, "code_invalid");
        refused.state
    };
    let review = form.confirm_code(ADDRESS, &second).unwrap();
    assert!(
        review.review().report.valid,
        "{:#?}",
        review.review().report.errors
    );
    assert_eq!(review.review().report.price_yen, Some(0));
    assert_eq!(review.review().parts.len(), 4);

    // 「修正する」 under the other data: back to step 6, forward again through 7 and 8.
    let form = review.amend_authority_data().unwrap();
    assert_eq!(
        form.previous()
            .unwrap()
            .membership
            .as_ref()
            .unwrap()
            .member_number
            .as_deref(),
        Some("0012345")
    );
    let review = form
        .submit(authority_data("0054321"))
        .unwrap()
        .keep()
        .unwrap()
        .keep()
        .unwrap();
    let member = review
        .review()
        .application
        .membership
        .as_ref()
        .unwrap()
        .member_number
        .clone();
    assert_eq!(member.as_deref(), Some("0054321"));

    let consents = review.proceed().unwrap();
    assert!(consents.consents().iter().any(|c| c.contains("日本医師会")));
    let sign = consents.agree_all().unwrap();
    let submitted = sign
        .sign_and_submit(
            &mut card,
            &SignaturePin::new("ABC123", &env.rules.pins).unwrap(),
        )
        .unwrap();
    let id = submitted.status.application_id.clone();
    assert_eq!(submitted.status.state, State::UnderReview);
    assert!(
        env.outbox()
            .iter()
            .any(|m| m.to == ADDRESS && m.subject.contains("受け付けました"))
    );

    assert_eq!(env.decide(&id, true).0, 200);
    let status = session.status(&id).unwrap();
    assert_eq!(status.state, State::Approved);
    let binding = session.binding(&id).unwrap();
    assert!(
        binding.url.starts_with("http://127.0.0.1:"),
        "{}",
        binding.url
    );
    assert!(!binding.password.is_empty());
    let approved = status.decided_at.unwrap();
    let months = approved
        .to_zoned(jiff::tz::TimeZone::UTC)
        .checked_add(jiff::Span::new().months(3))
        .unwrap()
        .timestamp();
    assert!(
        (binding.expires_at.as_second() - months.as_second()).abs() < 120,
        "expiry {} vs {}",
        binding.expires_at,
        months
    );
    let messages = session.messages().unwrap();
    assert_eq!(
        messages.last().unwrap().binding.as_ref().unwrap().url,
        binding.url
    );
    assert!(
        env.outbox()
            .iter()
            .any(|m| m.to == ADDRESS && m.subject.contains("お知らせ"))
    );
    // The password never reaches the mail.
    assert!(
        env.outbox()
            .iter()
            .all(|m| !m.body.contains(&binding.password))
    );
}

#[test]
fn wrong_authority_for_the_qualification_is_refused_with_the_portals_message() {
    let env = start();
    let mut card = env.card(Token::Icc2);
    let mut session = env.login(&mut card);
    let form = session.start_application().unwrap();
    assert_eq!(
        form.authorities_for(Qualification::Dentist),
        vec![Authority::Medis]
    );
    let refused = form
        .choose(Qualification::Dentist, Authority::Jma)
        .unwrap_err();
    let e = portal_error(&refused.error);
    assert_eq!((e.status, e.code.as_str()), (422, "authority_not_allowed"));
    assert!(
        refused.error.message_ja().contains("選択できません"),
        "{}",
        refused.error.message_ja()
    );
    // The same screen is given back: choosing MEDIS goes on.
    refused
        .state
        .choose(Qualification::Dentist, Authority::Medis)
        .unwrap();
}

#[test]
fn second_application_while_one_is_under_review_is_refused() {
    let env = start();
    let mut card = env.card(Token::Icc2);
    let mut session = env.login(&mut card);
    submit(&env, &mut session, &mut card);
    let e = session.start_application().unwrap_err();
    assert_eq!(portal_error(&e).code, "application_pending");
    assert!(e.message_ja().contains("審査中"));
}

#[test]
fn holder_of_an_expired_hpki_card_is_refused() {
    let env = start();
    let mut card = env.card(Token::Icc2);
    let mut session = env.login(&mut card);
    env.person(
        session.person_id(),
        PersonRecord {
            qualifications_held: vec![],
            hpki_cards: vec![HpkiCardState::Expired],
        },
        None,
    );
    let e = session.start_application().unwrap_err();
    assert_eq!(portal_error(&e).code, "holds_hpki_card");
    assert!(e.message_ja().contains("HPKIカード"));
}

#[test]
fn smartphone_token_is_refused_for_the_application_but_inquires_status() {
    let env = start();
    let mut card = env.card(Token::Icc2);
    let mut session = env.login(&mut card);
    let id = submit(&env, &mut session, &mut card);

    let mut phone = env.card(Token::Gpse);
    let mut phone_session = env.login(&mut phone);
    assert!(phone_session.is_smartphone());
    let e = phone_session.start_application().unwrap_err();
    let p = portal_error(&e);
    assert_eq!(
        (p.status, p.code.as_str()),
        (403, "smartphone_token_not_supported")
    );
    assert_eq!(e.message_ja(), mynaportal_client::SMARTPHONE_MESSAGE_JA);
    assert_eq!(phone_session.status(&id).unwrap().state, State::UnderReview);
}

#[test]
fn expired_confirmation_code_is_refused_and_a_resent_one_works() {
    // Sessions outlive the code here, so that only the code expires.
    let mut config = PortalConfig::new(OP).unwrap();
    config.session_ttl = jiff::SignedDuration::from_hours(2);
    let env = start_with(None, pki(), config);
    let mut card = env.card(Token::Icc2);
    let mut session = env.login(&mut card);
    let form = session.start_application().unwrap();
    let form = form
        .choose(Qualification::Physician, Authority::Jma)
        .unwrap();
    let form = form
        .read_card(&mut card, &AssistPin::new("1234", &env.rules.pins).unwrap())
        .unwrap();
    let mut form = form
        .confirm()
        .unwrap()
        .submit(authority_data("1"))
        .unwrap()
        .submit(further_data())
        .unwrap();
    form.request_code(ADDRESS).unwrap();
    let code = env.code_for(ADDRESS);
    env.advance(31 * 60);
    let refused = form.confirm_code(ADDRESS, &code).unwrap_err();
    assert_eq!(portal_error(&refused.error).code, "code_expired");
    assert!(refused.error.message_ja().contains("有効期限"));
    let mut form = refused.state;
    form.request_code(ADDRESS).unwrap();
    let review = form.confirm_code(ADDRESS, &env.code_for(ADDRESS)).unwrap();
    assert!(
        review.review().report.valid,
        "{:#?}",
        review.review().report.errors
    );
}

#[test]
fn binding_url_expires_after_three_months() {
    let env = start();
    let mut card = env.card(Token::Icc2);
    let mut session = env.login(&mut card);
    let id = submit(&env, &mut session, &mut card);
    env.decide(&id, true);
    assert!(session.binding(&id).is_ok());
    env.advance(93 * 24 * 3600);
    // The session expired meanwhile: the portal says so, and a new login works.
    let e = session.status(&id).unwrap_err();
    assert_eq!(portal_error(&e).code, "session_expired");
    let mut session = env.login(&mut card);
    let e = session.binding(&id).unwrap_err();
    assert!(matches!(e, Error::BindingUrlExpired(_)), "{e:?}");
    assert!(e.message_ja().contains("3か月"));
    assert!(session.status(&id).unwrap().binding.unwrap().expired);
}

#[test]
fn malformed_signature_pin_is_refused_before_the_card_is_touched() {
    let env = start();
    for bad in ["ABC12", "abc123", "ABCDEFG", "A1B2C3D4E5F6G7H8I"] {
        let e = SignaturePin::new(bad, &env.rules.pins).unwrap_err();
        assert!(
            matches!(
                e,
                Error::PinFormat {
                    which: "signature",
                    ..
                }
            ),
            "{bad}: {e:?}"
        );
        assert!(e.message_ja().contains("6文字以上16文字以下"));
    }
    assert!(AuthPin::new("12345").is_err());
}

/// A transport that changes the package on its way to the portal.
struct Tamper<F: FnMut(&mut String)> {
    inner: HttpTransport,
    edit: F,
}

impl<F: FnMut(&mut String)> std::fmt::Debug for Tamper<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tamper")
    }
}

impl<F: FnMut(&mut String)> PortalTransport for Tamper<F> {
    fn exchange(
        &mut self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(u16, Value), Error> {
        let mut body = body.cloned();
        if let Some(Value::String(xml)) = body
            .as_mut()
            .filter(|_| path.ends_with("/submit"))
            .and_then(|b| b.get_mut("package_xml"))
        {
            (self.edit)(xml);
        }
        self.inner.exchange(method, path, bearer, body.as_ref())
    }
}

fn submit_tampered(edit: impl FnMut(&mut String)) -> Error {
    let env = start();
    let mut card = env.card(Token::Icc2);
    let pin = AuthPin::new("1234").unwrap();
    let transport = Tamper {
        inner: HttpTransport::new(&env.server.base_url()),
        edit,
    };
    let mut session = Client::new(transport, env.rules.clone())
        .login(&mut card, &pin)
        .unwrap();
    env.person(
        session.person_id(),
        PersonRecord {
            qualifications_held: vec![Qualification::Physician],
            hpki_cards: vec![],
        },
        Some(ADDRESS),
    );
    let form = session.start_application().unwrap();
    let form = form
        .choose(Qualification::Physician, Authority::Jma)
        .unwrap();
    let form = form
        .read_card(&mut card, &AssistPin::new("1234", &env.rules.pins).unwrap())
        .unwrap();
    let form = form
        .confirm()
        .unwrap()
        .submit(authority_data("1"))
        .unwrap()
        .submit(further_data())
        .unwrap();
    let sign = form
        .use_registered(ADDRESS)
        .unwrap()
        .proceed()
        .unwrap()
        .agree_all()
        .unwrap();
    let refused = sign
        .sign_and_submit(
            &mut card,
            &SignaturePin::new("ABC123", &env.rules.pins).unwrap(),
        )
        .unwrap_err();
    refused.error
}

#[test]
fn tampered_package_is_refused() {
    // A part's digest in the manifest changed.
    let e = submit_tampered(|xml| {
        let at = xml.find("<DigestValue>").unwrap() + "<DigestValue>".len();
        let c = if &xml[at..at + 1] == "A" { "B" } else { "A" };
        xml.replace_range(at..at + 1, c);
    });
    let p = portal_error(&e);
    assert_eq!(p.code, "package_invalid");
    assert!(p.message_en.contains("digest"), "{}", p.message_en);
    assert!(e.message_ja().contains("電子署名の検証に失敗"));

    // The signature value changed.
    let e = submit_tampered(|xml| {
        let at = xml.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
        let c = if &xml[at..at + 1] == "A" { "B" } else { "A" };
        xml.replace_range(at..at + 1, c);
    });
    assert!(
        portal_error(&e).message_en.contains("signature value"),
        "{e}"
    );
}

#[test]
fn package_signed_by_another_persons_card_is_refused() {
    let env = start();
    let mut card = env.card(Token::Icc2);
    let mut session = env.login(&mut card);
    let review = to_review(&env, &mut session, &mut card);
    let sign = review.proceed().unwrap().agree_all().unwrap();
    // Another holder's card from the same J-LIS-like root signs.
    let other = MyNumberOptions {
        holder: TestHolder::iryo_taro(),
        ..MyNumberOptions::default()
    };
    let mut other_card =
        ApduCard::open(InProcess::new(MyNumberCard::with_options(other).unwrap())).unwrap();
    let refused = sign
        .sign_and_submit(
            &mut other_card,
            &SignaturePin::new("ABC123", &env.rules.pins).unwrap(),
        )
        .unwrap_err();
    assert_eq!(portal_error(&refused.error).code, "signer_mismatch");
}

#[test]
fn restart_on_the_same_database_keeps_the_status() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("portal.sqlite");
    let pki = pki();
    let env = start_on(Some(&db), Arc::clone(&pki));
    let mut card = env.card(Token::Icc2);
    let mut session = env.login(&mut card);
    let id = submit(&env, &mut session, &mut card);
    let Env { portal, server, .. } = env;
    server.stop();
    drop(portal);

    let env = start_on(Some(&db), pki);
    let mut session = env.login(&mut card);
    let status = session.status(&id).unwrap();
    assert_eq!(status.state, State::UnderReview);
    assert_eq!(status.authority, Some(Authority::Jma));
    // The pending application still blocks a second one after the restart.
    assert_eq!(
        portal_error(&session.start_application().unwrap_err()).code,
        "application_pending"
    );
    assert_eq!(env.decide(&id, true).0, 200);
}

#[test]
fn steps_out_of_order_and_unauthenticated_calls_are_refused() {
    let env = start();
    let mut card = env.card(Token::Icc2);
    let mut session = env.login(&mut card);
    let id = session
        .start_application()
        .unwrap()
        .application_id()
        .to_owned();
    let mut raw = HttpTransport::new(&env.server.base_url());
    let (status, body) = raw
        .exchange(
            Method::Put,
            &format!("/v1/applications/{id}/steps/consents"),
            Some("not-a-session"),
            Some(&json!({"agree_all": true})),
        )
        .unwrap();
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("not_logged_in"))
    );
    let (status, _) = raw
        .exchange(Method::Get, "/v1/operator/outbox", Some("wrong"), None)
        .unwrap();
    assert_eq!(status, 401);
    // The operator cannot approve a draft.
    assert_eq!(env.decide(&id, true).0, 409);
}

#[test]
fn oversized_request_bodies_are_refused() {
    let env = start();
    let big = "A".repeat(portal_sim::MAX_BODY_BYTES + 16);
    let (status, body) = HttpTransport::new(&env.server.base_url())
        .exchange(Method::Post, "/v1/login", None, Some(&json!({ "x": big })))
        .unwrap();
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("too_large"))
    );
    let _ = &env.portal;
}
