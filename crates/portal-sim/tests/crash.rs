//! Crash consistency: the `portal-sim` program is aborted (as abruptly as `kill -9`)
//! right after each database write of a submission and of a decision; reopened on the
//! same database it holds either no submission or a complete one, and only a complete
//! one can be approved.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test helpers

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use authority_forms::{Authority, Qualification, RuleSet};
use card_sim::{InProcess, JpkiTestPki, MyNumberCard, MyNumberOptions, TestHolder, Token};
use mynaportal_client::{
    ApduCard, AssistPin, AuthPin, Error, HttpTransport, Method, Portal as Client, PortalTransport,
    SignaturePin,
    wire::{Decision, PersonRecord},
};
use serde_json::{Value, json};

const OP: &str = "crash-test-operator";
const ADDRESS: &str = "hanako.yamada@example.jp";

/// The program on a free loopback port; killed when dropped.
struct Program {
    child: Child,
    url: String,
}

impl Program {
    /// Starts `portal-sim` on `db`, aborting after the write `crash_after` if given.
    fn start(db: &Path, crash_after: Option<&str>) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_portal-sim"));
        command
            .args(["--listen", "127.0.0.1:0", "--operator-token", OP, "--db"])
            .arg(db)
            .env_remove("PORTAL_SIM_CRASH_AFTER")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(write) = crash_after {
            command.env("PORTAL_SIM_CRASH_AFTER", write);
        }
        let mut child = command.spawn().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let url = stdout
            .lines()
            .map_while(Result::ok)
            .find_map(|l| {
                l.strip_prefix("portal-sim: listening on ")
                    .map(str::to_owned)
            })
            .expect("the banner names the portal's address");
        Self { child, url }
    }

    /// Waits for the program to end on its own (the hook aborted it).
    fn wait_for_abort(mut self) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the program did not abort"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn op(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        HttpTransport::new(&self.url)
            .exchange(method, path, Some(OP), body.as_ref())
            .unwrap()
    }

    fn decide(&self, id: &str) -> (u16, Value) {
        let body = serde_json::to_value(Decision {
            approve: true,
            reason: None,
        })
        .unwrap();
        self.op(
            Method::Post,
            &format!("/v1/operator/applications/{id}/decision"),
            Some(body),
        )
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The HTTP transport, keeping the session token of the login and the path and body of
/// the last submission.
#[derive(Debug, Default)]
struct Recorder {
    inner: Option<HttpTransport>,
    seen: Arc<Mutex<Seen>>,
}

#[derive(Debug, Default)]
struct Seen {
    token: Option<String>,
    submitted: Option<(String, Value)>,
}

impl PortalTransport for Recorder {
    fn exchange(
        &mut self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(u16, Value), Error> {
        if path.ends_with("/submit") {
            self.seen.lock().unwrap().submitted =
                Some((path.to_owned(), body.cloned().unwrap_or_default()));
        }
        let answer = self
            .inner
            .as_mut()
            .unwrap()
            .exchange(method, path, bearer, body)?;
        if path == "/v1/login" {
            self.seen.lock().unwrap().token = answer.1["session_token"].as_str().map(str::to_owned);
        }
        Ok(answer)
    }
}

fn card(pki: &Arc<JpkiTestPki>) -> ApduCard<InProcess<MyNumberCard>> {
    let options = MyNumberOptions {
        token: Token::Icc2,
        ..MyNumberOptions::default()
    };
    ApduCard::open(InProcess::new(MyNumberCard::with_pki(
        options,
        Arc::clone(pki),
    )))
    .unwrap()
}

/// A submission as the program stored it.
#[derive(Debug, PartialEq, Eq)]
struct Stored {
    state: String,
    has_package: bool,
    receipts: i64,
    bindings: i64,
    messages: i64,
}

fn stored(db: &Path, id: &str) -> Stored {
    let conn = rusqlite::Connection::open(db).unwrap();
    let (state, has_package) = conn
        .query_row(
            "SELECT state, package_xml IS NOT NULL FROM applications WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [id], |r| r.get(0)).unwrap() };
    Stored {
        state,
        has_package,
        receipts: conn
            .query_row(
                "SELECT COUNT(*) FROM outbox WHERE subject LIKE '%申請を受け付けました%'",
                [],
                |r| r.get(0),
            )
            .unwrap(),
        bindings: count("SELECT COUNT(*) FROM bindings WHERE application_id = ?1"),
        messages: count("SELECT COUNT(*) FROM messages WHERE application_id = ?1"),
    }
}

/// Logs in, fills the form and submits; returns the application id and the submitted
/// body, and whether the portal answered.
fn fill_and_submit(url: &str, pki: &Arc<JpkiTestPki>) -> (String, Value, bool) {
    let rules = RuleSet::guide_2024_06().unwrap();
    let mut card = card(pki);
    let seen = Arc::new(Mutex::new(Seen::default()));
    let transport = Recorder {
        inner: Some(HttpTransport::new(url)),
        seen: Arc::clone(&seen),
    };
    let mut session = Client::new(transport, rules.clone())
        .login(&mut card, &AuthPin::new("1234").unwrap())
        .unwrap();
    let mut record = serde_json::to_value(PersonRecord {
        qualifications_held: vec![Qualification::Physician],
        hpki_cards: vec![],
    })
    .unwrap();
    record["email"] = json!(ADDRESS);
    let (status, _) = HttpTransport::new(url)
        .exchange(
            Method::Put,
            &format!("/v1/operator/persons/{}", session.person_id()),
            Some(OP),
            Some(&record),
        )
        .unwrap();
    assert_eq!(status, 200);
    let form = session
        .start_application()
        .unwrap()
        .choose(Qualification::Physician, Authority::Jma)
        .unwrap()
        .read_card(&mut card, &AssistPin::new("1234", &rules.pins).unwrap())
        .unwrap()
        .confirm()
        .unwrap()
        .submit(portal_sim::sample::authority_data("0012345").unwrap())
        .unwrap()
        .submit(portal_sim::sample::further_data(jiff::Zoned::now().date()).unwrap())
        .unwrap()
        .use_registered(ADDRESS)
        .unwrap()
        .proceed()
        .unwrap()
        .agree_all()
        .unwrap();
    let answered = form
        .sign_and_submit(
            &mut card,
            &SignaturePin::new("ABC123", &rules.pins).unwrap(),
        )
        .is_ok();
    let (path, body) = seen.lock().unwrap().submitted.take().unwrap();
    (path, body, answered)
}

/// `/v1/applications/{id}/submit` → `id`.
fn id_of(submit_path: &str) -> &str {
    submit_path
        .trim_start_matches("/v1/applications/")
        .trim_end_matches("/submit")
}

/// Logs in over `url` with the card; the session's bearer token.
fn login(url: &str, pki: &Arc<JpkiTestPki>) -> String {
    let rules = RuleSet::guide_2024_06().unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let transport = Recorder {
        inner: Some(HttpTransport::new(url)),
        seen: Arc::clone(&seen),
    };
    Client::new(transport, rules.clone())
        .login(&mut card(pki), &AuthPin::new("1234").unwrap())
        .unwrap();
    seen.lock().unwrap().token.take().unwrap()
}

const SUBMISSION_WRITES: [&str; 3] = ["submit.application", "submit.package", "submit.receipt"];

#[test]
fn a_submission_killed_at_any_write_is_stored_whole_or_not_at_all() {
    let pki = Arc::new(JpkiTestPki::generate(&TestHolder::yamada_hanako()).unwrap());
    for write in SUBMISSION_WRITES.iter().copied().chain(["submit.commit"]) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("portal.sqlite");

        let program = Program::start(&db, Some(write));
        let (path, body, answered) = fill_and_submit(&program.url, &pki);
        assert!(
            !answered,
            "{write}: the program answered instead of aborting"
        );
        let status = program.wait_for_abort();
        assert!(!status.success(), "{write}: {status}");
        let id = id_of(&path).to_owned();

        let after_crash = stored(&db, &id);
        let program = Program::start(&db, None);
        if write == "submit.commit" {
            // Committed: complete, and approved as usual.
            assert_eq!(
                after_crash,
                Stored {
                    state: "under_review".into(),
                    has_package: true,
                    receipts: 1,
                    bindings: 0,
                    messages: 0
                },
                "{write}"
            );
            assert_eq!(program.decide(&id).0, 200, "{write}");
            continue;
        }
        // Not committed: nothing of the submission was stored.
        assert_eq!(
            after_crash,
            Stored {
                state: "draft".into(),
                has_package: false,
                receipts: 0,
                bindings: 0,
                messages: 0
            },
            "{write}"
        );
        // The operator cannot approve it…
        let (status, answer) = program.decide(&id);
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (409, Some("not_under_review")),
            "{write}"
        );
        // …and the applicant can submit the same signed package again.
        let token = login(&program.url, &pki);
        let (status, answer) = HttpTransport::new(&program.url)
            .exchange(Method::Post, &path, Some(&token), Some(&body))
            .unwrap();
        assert_eq!(
            (status, answer["state"].as_str()),
            (200, Some("under_review")),
            "{write}: {answer}"
        );
        assert_eq!(stored(&db, &id).receipts, 1, "{write}");
        assert_eq!(program.decide(&id).0, 200, "{write}");
    }
}

#[test]
fn a_decision_killed_at_any_write_leaves_the_submission_under_review() {
    let pki = Arc::new(JpkiTestPki::generate(&TestHolder::yamada_hanako()).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("portal.sqlite");
    let program = Program::start(&db, None);
    let (path, _, answered) = fill_and_submit(&program.url, &pki);
    assert!(answered);
    drop(program);
    let id = id_of(&path).to_owned();
    let under_review = Stored {
        state: "under_review".into(),
        has_package: true,
        receipts: 1,
        bindings: 0,
        messages: 0,
    };
    assert_eq!(stored(&db, &id), under_review);

    for write in [
        "decide.binding",
        "decide.application",
        "decide.message",
        "decide.mail",
    ] {
        let program = Program::start(&db, Some(write));
        assert!(
            HttpTransport::new(&program.url)
                .exchange(
                    Method::Post,
                    &format!("/v1/operator/applications/{id}/decision"),
                    Some(OP),
                    Some(&json!({ "approve": true })),
                )
                .is_err(),
            "{write}: the program answered instead of aborting"
        );
        assert!(!program.wait_for_abort().success(), "{write}");
        assert_eq!(stored(&db, &id), under_review, "{write}");
    }
    let program = Program::start(&db, None);
    assert_eq!(program.decide(&id).0, 200);
    assert_eq!(
        stored(&db, &id),
        Stored {
            state: "approved".into(),
            has_package: true,
            receipts: 1,
            bindings: 1,
            messages: 1,
        }
    );
}

#[test]
fn a_submission_stored_without_its_package_can_never_be_approved() {
    let pki = Arc::new(JpkiTestPki::generate(&TestHolder::yamada_hanako()).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("portal.sqlite");
    let program = Program::start(&db, None);
    let (path, _, answered) = fill_and_submit(&program.url, &pki);
    assert!(answered);
    drop(program);
    let id = id_of(&path).to_owned();
    // What a crash between two writes left behind before submissions were one
    // transaction: under review, no package.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE applications SET package_xml = NULL WHERE id = ?1",
            [&id],
        )
        .unwrap();
    let program = Program::start(&db, None);
    let (status, answer) = program.decide(&id);
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (409, Some("incomplete_submission"))
    );
    assert_eq!(stored(&db, &id).bindings, 0);
}
