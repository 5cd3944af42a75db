//! The signed package checked by an independent verifier (xmlsec1) and by ours. The
//! xmlsec1 test is `#[ignore]`d (`cargo test` needs only a Rust toolchain);
//! `scripts/conformance` runs it (part `70-mynaportal`).
// Test helpers outside `#[test]` functions panic on failure like the tests themselves.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::Command;

use card_sim::{InProcess, MyNumberCard};
use hpki_cert::testpki::{Revocation, TestPki};
use mynaportal_client::{
    ApduCard, PackageError, PackagePart, PortalCard, SignaturePin, sign_package, verify_package,
    verify_package_with,
};

fn parts() -> Vec<PackagePart> {
    vec![
        PackagePart {
            name: "form.json".into(),
            media_type: "application/json".into(),
            content: br#"{"a":"b"}"#.to_vec(),
        },
        PackagePart {
            name: "photo".into(),
            media_type: "image/png".into(),
            content: vec![0x89, b'P', b'N', b'G', 1, 2, 3],
        },
    ]
}

fn signed() -> (String, Vec<PackagePart>, MyNumberCard) {
    let rules = authority_forms::RuleSet::guide_2024_06().unwrap();
    let virtual_card = MyNumberCard::new().unwrap();
    let mut card = ApduCard::open(InProcess::new(virtual_card)).unwrap();
    let pin = SignaturePin::new("ABC123", &rules.pins).unwrap();
    let parts = parts();
    let xml = sign_package(&parts, |alg, digest| {
        card.sign_with_signature_key(&pin, alg, digest)
    })
    .unwrap();
    (xml, parts, card.into_inner().into_card())
}

fn xmlsec1(dir: &std::path::Path) -> std::process::Output {
    Command::new("xmlsec1")
        .current_dir(dir)
        .args([
            "--verify",
            "--trusted-der",
            "root.der",
            "--untrusted-der",
            "ca.der",
            "--id-attr:Id",
            "urn:medsign:mynaportal:package:1:Manifest",
            "--id-attr:Id",
            "http://www.w3.org/2000/09/xmldsig#:SignedInfo",
            "package.xml",
        ])
        .output()
        .expect("xmlsec1 is installed (apt-get install xmlsec1)")
}

#[test]
#[ignore = "needs xmlsec1; run by scripts/conformance"]
fn xmlsec1_verifies_the_package_and_refuses_a_changed_part() {
    let (xml, parts, card) = signed();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("package.xml"), &xml).unwrap();
    std::fs::write(dir.path().join("root.der"), card.pki().root_der()).unwrap();
    std::fs::write(dir.path().join("ca.der"), card.pki().sign_ca_der()).unwrap();
    for part in &parts {
        std::fs::write(dir.path().join(&part.name), &part.content).unwrap();
    }
    let ok = xmlsec1(dir.path());
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    std::fs::write(dir.path().join("photo"), b"another photo").unwrap();
    let changed = xmlsec1(dir.path());
    assert!(!changed.status.success(), "xmlsec1 accepted a changed part");
}

/// Path options at `now` with the CRLs every test CA publishes then, listing `revoked`
/// on the JPKI signature CA's CRL.
fn options_with_crls(now: jiff::Timestamp, revoked: &[Revocation]) -> hpki_cert::PathOptions {
    let pki = TestPki::shared().unwrap();
    let listed: Vec<_> = revoked
        .iter()
        .map(|r| (pki.jpki_sign_ca(), r.clone()))
        .collect();
    let crls: Vec<Vec<u8>> = pki
        .crls_at(now, &listed)
        .unwrap()
        .into_iter()
        .map(|(_, der)| der)
        .collect();
    hpki_cert::PathOptions::at(now).with_crls(crls)
}

#[test]
fn our_verifier_accepts_the_package_and_names_each_failure() {
    let (xml, parts, card) = signed();
    let mut trust = hpki_cert::TrustStore::new();
    trust.add_anchor_der(card.pki().root_der()).unwrap();
    let now = jiff::Timestamp::now();
    let options = options_with_crls(now, &[]);
    let verify = |xml: &str, parts: &[PackagePart], trust: &hpki_cert::TrustStore| {
        verify_package_with(xml, parts, trust, &options)
    };
    let verified = verify(&xml, &parts, &trust).unwrap();
    assert_eq!(verified.basic_four.sex, jpki_card::Sex::Female);

    let mut other = parts.clone();
    other[1].content.push(0);
    assert_eq!(
        verify(&xml, &other, &trust).unwrap_err(),
        PackageError::DigestMismatch("photo".into())
    );

    assert!(matches!(
        verify(&xml, &parts[..1], &trust),
        Err(PackageError::PartsMismatch(_))
    ));
    assert!(matches!(
        verify(&xml, &parts, &hpki_cert::TrustStore::new()),
        Err(PackageError::Certificate(_))
    ));
    let signed_info = xml.replace(
        "Id=\"signed-info\"><ds:CanonicalizationMethod",
        "Id=\"signed-info\" ><ds:CanonicalizationMethod",
    );
    // Whitespace inside a tag is canonicalized away: still valid.
    assert!(verify(&signed_info, &parts, &trust).is_ok());
    let dtd = format!(
        "<!DOCTYPE x [<!ENTITY a \"b\">]>{}",
        xml.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
    );
    assert!(matches!(
        verify(&dtd, &parts, &trust),
        Err(PackageError::Malformed(_))
    ));
}

#[test]
fn the_signature_certificate_needs_its_revocation_status_and_a_revoked_one_is_refused() {
    let (xml, parts, card) = signed();
    let mut trust = hpki_cert::TrustStore::new();
    trust.add_anchor_der(card.pki().root_der()).unwrap();
    let now = jiff::Timestamp::now();

    // No CRL at all: the status is unknown, and that is not good enough.
    let unknown = verify_package(&xml, &parts, &trust, now).unwrap_err();
    assert!(
        matches!(&unknown, PackageError::Certificate(d) if d.starts_with("revocation (INDETERMINATE)")),
        "{unknown:?}"
    );

    // The JPKI signature CA's CRL lists the card's signature certificate.
    let serial = hpki_cert::Certificate::from_der(card.pki().sign_cert_der())
        .unwrap()
        .serial_hex();
    let revoked = Revocation {
        serial: u64::from_str_radix(&serial, 16).unwrap(),
        date: now
            .checked_sub(jiff::SignedDuration::from_hours(2))
            .unwrap(),
        reason: None,
    };
    let refused =
        verify_package_with(&xml, &parts, &trust, &options_with_crls(now, &[revoked])).unwrap_err();
    assert!(
        matches!(&refused, PackageError::Certificate(d) if d.starts_with("revocation (INVALID)")),
        "{refused:?}"
    );
}

#[test]
fn the_last_try_is_not_spent_without_consent_and_a_blocked_pin_is_not_sent() {
    use cert_signer::DigestAlgorithm;
    use mynaportal_client::{AssistPin, Error, LastTry, PinError};
    let rules = authority_forms::RuleSet::guide_2024_06().unwrap();
    let digest = DigestAlgorithm::Sha256.hash(b"package");
    let sign_pin = SignaturePin::new("ABC123", &rules.pins).unwrap();

    let mut virtual_card = MyNumberCard::new().unwrap();
    virtual_card.set_tries_left(card_sim::CardPin::Sign, 1);
    let mut card = ApduCard::open(InProcess::new(virtual_card)).unwrap();
    let refused = card.sign_with_signature_key(&sign_pin, DigestAlgorithm::Sha256, &digest);
    assert!(
        matches!(refused, Err(Error::Pin(PinError::LastTryRefused { .. }))),
        "{refused:?}"
    );
    let virtual_card = card.into_inner().into_card();
    assert_eq!(
        virtual_card.tries_left(card_sim::CardPin::Sign),
        1,
        "nothing spent"
    );

    // With consent the right PIN signs (and the counter is reset).
    let mut card = ApduCard::open(InProcess::new(virtual_card))
        .unwrap()
        .with_last_try(LastTry::Allow);
    card.sign_with_signature_key(&sign_pin, DigestAlgorithm::Sha256, &digest)
        .unwrap();
    assert_eq!(
        card.into_inner()
            .into_card()
            .tries_left(card_sim::CardPin::Sign),
        5
    );

    // A blocked PIN is not sent at all, even with consent: no VERIFY with data.
    for (pin, allow) in [
        (card_sim::CardPin::Text, true),
        (card_sim::CardPin::Sign, true),
        (card_sim::CardPin::Auth, false),
    ] {
        let mut virtual_card = MyNumberCard::new().unwrap();
        virtual_card.set_tries_left(pin, 0);
        let mut card = ApduCard::open(apdu::TraceTransport::new(InProcess::new(virtual_card)))
            .unwrap()
            .with_last_try(LastTry::allow_if(allow));
        let result = match pin {
            card_sim::CardPin::Text => card
                .read_basic_four(&AssistPin::new("1234", &rules.pins).unwrap())
                .map(drop),
            card_sim::CardPin::Sign => card
                .sign_with_signature_key(&sign_pin, DigestAlgorithm::Sha256, &digest)
                .map(drop),
            _ => card
                .sign_with_auth_key(
                    &mynaportal_client::AuthPin::new("1234").unwrap(),
                    DigestAlgorithm::Sha256,
                    &digest,
                )
                .map(drop),
        };
        assert!(
            matches!(result, Err(Error::Pin(PinError::Blocked))),
            "{pin:?}: {result:?}"
        );
        let (_, trace) = card.into_inner().into_parts();
        let sent = trace
            .exchanges
            .iter()
            .filter(|e| e.ins() == Some(0x20) && e.redacted)
            .count();
        assert_eq!(
            sent,
            0,
            "{pin:?}: a PIN was sent to a blocked card:\n{}",
            trace.to_text()
        );
    }
}

#[test]
fn every_call_verifies_its_pin_even_when_the_session_verified_it_before() {
    use mynaportal_client::{AssistPin, Error, PinError};
    let rules = authority_forms::RuleSet::guide_2024_06().unwrap();
    let mut card = ApduCard::open(InProcess::new(MyNumberCard::new().unwrap())).unwrap();
    let right = AssistPin::new("1234", &rules.pins).unwrap();
    let four = card.read_basic_four(&right).unwrap();
    assert_eq!(four.birth_date_yyyymmdd(), "19800401");
    // The card's security state is still open, but a wrong PIN gets no data.
    let wrong = AssistPin::new("9999", &rules.pins).unwrap();
    let refused = card.read_basic_four(&wrong);
    assert!(
        matches!(refused, Err(Error::Pin(PinError::Wrong { tries_left: 2 }))),
        "{refused:?}"
    );
    // The tries are visible between steps through the jpki-card session.
    let status = card.jpki().text_ap().pin_status().unwrap();
    assert_eq!(status.tries_left(), Some(2));
}
