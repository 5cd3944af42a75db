//! `medsign apply`: offline validation, the template, and the whole Mynaportal
//! procedure against the in-process local portal with the virtual My Number Card.

// Test helpers outside #[test] functions panic on failure like the tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{edit, example_form, medsign, stderr, stdout};

use std::path::Path;

use serde_json::Value;

/// `medsign apply validate [EXTRA] FORM`.
fn validate(form: &Path, extra: &[&str]) -> std::process::Output {
    medsign()
        .args(["apply", "validate"])
        .args(extra)
        .arg(form)
        .output()
        .unwrap()
}

/// `medsign apply submit --local --pin-stdin [EXTRA] FORM` with `pins` on standard input.
fn submit_local(form: &Path, extra: &[&str], pins: &str) -> std::process::Output {
    medsign()
        .args(["apply", "submit", "--local", "--pin-stdin"])
        .args(extra)
        .arg(form)
        .write_stdin(pins)
        .output()
        .unwrap()
}

#[test]
fn the_example_form_validates_with_its_price_and_eligibility() {
    let dir = tempfile::tempdir().unwrap();
    let form = example_form(dir.path());
    let out = validate(&form, &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.contains("VALID: physician → "), "{text}");
    assert!(text.contains("eligible"), "{text}");
    assert!(text.contains("price: 0 yen (list 0 yen)"), "{text}");
    assert!(text.contains("rule set "), "{text}");
}

#[test]
fn the_sample_form_of_authority_forms_validates() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../authority-forms/examples/sample-application.json");
    let out = validate(&sample, &["--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["report"]["valid"], true);
    assert_eq!(v["report"]["price_yen"], 0);
    assert_eq!(v["authority"], "jma");
}

#[test]
fn an_invalid_form_lists_every_failed_rule_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let form = example_form(dir.path());
    edit(&form, |v| {
        v["name_romaji"]["given_name"] = "hanako".into();
        v["registration"]["number"] = "12a456".into();
        v["attachments"]["photo"]["taken_on"] = "2000-01-01".into();
    });
    let out = validate(&form, &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("INVALID"), "{text}");
    for rule in [
        "name_romaji.given_name [romaji_given_name_format]",
        "registration.number [registration_number_format]",
        "[photo_too_old]",
    ] {
        assert!(text.contains(rule), "{rule} missing in {text}");
    }
    let out = validate(&form, &["--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["report"]["valid"], false);
    assert!(v["report"]["errors"].as_array().unwrap().len() >= 3);
}

#[test]
fn the_empty_template_fails_on_its_required_fields() {
    let dir = tempfile::tempdir().unwrap();
    let form = dir.path().join("empty.json");
    medsign()
        .args(["apply", "template", "--authority", "medis", "--out"])
        .arg(&form)
        .assert()
        .success();
    let out = validate(&form, &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("name_katakana.surname [required]"), "{text}");
    assert!(text.contains("MEDIS"), "{text}");
}

#[test]
fn a_file_that_is_not_a_form_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"qualification\": \"physician\"}").unwrap();
    let out = validate(&bad, &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("not an application form"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn submit_local_runs_the_whole_procedure_and_the_authority_approves() {
    let dir = tempfile::tempdir().unwrap();
    let form = example_form(dir.path());
    // The PINs in the order the procedure asks: user-authentication (login),
    // input-support (basic four items), signature password (the application).
    let out = submit_local(&form, &[], "1234\n1234\nABC123\n");
    let (text, err) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{text}{err}");
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("application id: "))
        .unwrap_or_else(|| panic!("no application id in {text}"));
    assert!(!id.trim().is_empty());
    assert!(text.contains("state: approved"), "{text}");
    assert!(
        text.contains("smartphone binding URL: http://127.0.0.1:"),
        "{text}"
    );
    assert!(err.contains("logged in to Mynaportal"), "{err}");
    // The local portal checked the card's revocation status at a local CRL endpoint.
    assert!(
        err.contains("CRLs of the test PKI at http://127.0.0.1:"),
        "{err}"
    );
    // Neither a PIN nor the card's basic four items are printed.
    for secret in ["ABC123", "山田", "見本町１丁目"] {
        assert!(
            !text.contains(secret) && !err.contains(secret),
            "{secret} printed"
        );
    }
}

#[test]
fn submit_local_json_reports_the_application() {
    let dir = tempfile::tempdir().unwrap();
    let form = example_form(dir.path());
    let out = submit_local(&form, &["--json"], "1234\n1234\nABC123\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["state"], "approved");
    assert_eq!(v["authority"], "jma");
    assert_eq!(v["price_yen"], 0);
    assert!(v["application_id"].as_str().is_some_and(|s| !s.is_empty()));
}

#[test]
fn a_malformed_signature_password_is_not_sent() {
    let dir = tempfile::tempdir().unwrap();
    let form = example_form(dir.path());
    let out = submit_local(&form, &[], "1234\n1234\nabc\n");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(
        err.contains("wrong format") && err.contains("not sent"),
        "{err}"
    );
    assert!(!stdout(&out).contains("application id"));
}

#[test]
fn a_wrong_login_pin_ends_the_command_with_the_tries_left() {
    let dir = tempfile::tempdir().unwrap();
    let form = example_form(dir.path());
    let out = submit_local(&form, &[], "9999\n1234\nABC123\n");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(err.contains("2 tries left"), "{err}");
}

#[test]
fn an_invalid_form_is_refused_before_any_pin_is_asked() {
    let dir = tempfile::tempdir().unwrap();
    let form = example_form(dir.path());
    edit(&form, |v| v["workplace"]["phone"] = "12".into());
    let out = submit_local(&form, &[], "");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("workplace.phone [phone_format]"), "{err}");
    assert!(err.contains("no PIN asked"), "{err}");
}

#[test]
fn submit_needs_a_portal() {
    let dir = tempfile::tempdir().unwrap();
    let form = example_form(dir.path());
    let out = medsign()
        .args(["apply", "submit", "--sim", "mynumber", "--pin-stdin"])
        .arg(&form)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--portal"), "{}", stderr(&out));
}

/// `medsign apply validate` without a form asks for every field on the terminal. Typed
/// with the example form's values (and Enter on the suggested romaji), the saved form
/// is the example form itself, it validates, and the HPKI card PIN typed twice never
/// appears on the terminal.
#[test]
fn the_interactive_form_asks_every_field_and_saves_what_was_typed() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let example: Value =
        serde_json::from_str(&std::fs::read_to_string(example_form(dir.path())).unwrap()).unwrap();
    let attachment = |v: &Value| {
        let path = dir.path().join(v["file_name"].as_str().unwrap());
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(v["content_base64"].as_str().unwrap())
            .unwrap();
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let files = &example["attachments"];
    let photo = attachment(&files["photo"]["file"]);
    let id_image = attachment(&files["id_document"]["file"]);
    let licence = attachment(&files["licence"]["front"]);
    let s = |v: &Value| v.as_str().unwrap().to_owned();
    let e = &example;
    let pin = s(&e["hpki_card"]["pin"]);
    // (start of the prompt, answer, secret): the first match wins, so the longer labels
    // come first.
    let answers: Vec<(&str, String, bool)> = vec![
        ("Qualification", "physician".into(), false),
        ("Authority", "jma".into(), false),
        ("Name (kanji", s(&e["applicant"]["name"]), false),
        ("Sex", "female".into(), false),
        ("Birth date", s(&e["applicant"]["birth_date"]), false),
        (
            "Address (as on the card)",
            s(&e["applicant"]["address"]),
            false,
        ),
        (
            "Surname in katakana",
            s(&e["name_katakana"]["surname"]),
            false,
        ),
        (
            "Given name in katakana",
            s(&e["name_katakana"]["given_name"]),
            false,
        ),
        // Enter takes the romaji medsign suggests from the katakana.
        ("Surname in romaji [YAMADA]", String::new(), false),
        ("Given name in romaji [Hanako]", String::new(), false),
        ("Postal code", s(&e["address"]["postal_code"]), false),
        ("Address", s(&e["address"]["address"]), false),
        (
            "Registration number",
            s(&e["registration"]["number"]),
            false,
        ),
        ("Registration date", s(&e["registration"]["date"]), false),
        ("Member of the association", "y".into(), false),
        ("Association", s(&e["membership"]["association"]), false),
        ("Member number", s(&e["membership"]["member_number"]), false),
        ("HPKI card PIN to set", pin.clone(), true),
        ("The same PIN again", pin.clone(), true),
        ("Where to receive the card", "workplace".into(), false),
        ("Workplace name", s(&e["workplace"]["name"]), false),
        (
            "Workplace postal code",
            s(&e["workplace"]["address"]["postal_code"]),
            false,
        ),
        (
            "Workplace address",
            s(&e["workplace"]["address"]["address"]),
            false,
        ),
        ("Workplace phone", s(&e["workplace"]["phone"]), false),
        ("Where the notice goes", "home".into(), false),
        ("Contact phone", s(&e["delivery"]["phone"]), false),
        ("E-mail address", s(&e["email"]["address"]), false),
        ("Is it the address registered", "y".into(), false),
        ("Face photo file", photo, false),
        ("Photo taken on", s(&files["photo"]["taken_on"]), false),
        ("ID document image", id_image, false),
        ("ID document", "drivers-licence".into(), false),
        (
            "Valid until",
            s(&files["id_document"]["kind"]["valid_until"]),
            false,
        ),
        ("Licence image (front)", licence, false),
        ("Notes on the licence's back", "n".into(), false),
        ("Agree to all", "y".into(), false),
    ];
    let saved = dir.path().join("typed.json");
    let mut pty = common::Pty::spawn(&["apply", "validate", "--save", saved.to_str().unwrap()]);
    let mut asked = Vec::new();
    while let Some(prompt) = pty.next_prompt() {
        let Some((label, answer, secret)) = answers.iter().find(|(l, _, _)| prompt.starts_with(l))
        else {
            panic!("unexpected prompt {prompt:?}:\n{}", pty.text());
        };
        assert!(
            !asked.contains(label),
            "asked twice: {prompt:?}\n{}",
            pty.text()
        );
        asked.push(*label);
        pty.answer(answer, *secret);
    }
    let (status, text) = pty.finish();
    assert!(status.success(), "{text}");
    assert_eq!(
        asked.len(),
        answers.len(),
        "not every field was asked:\n{text}"
    );
    assert!(text.contains("VALID: physician → "), "{text}");
    assert!(
        !text.contains(&pin),
        "the HPKI card PIN was echoed:\n{text}"
    );
    let typed: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(typed, example);
}
