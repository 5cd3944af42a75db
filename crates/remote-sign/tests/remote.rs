//! The client against the in-process platform: login, sessions, SAD scope, bindings.
//! Signatures are checked with hpki-cert's RSA verifier against the certificate's key;
//! the checks by `openssl` are `#[ignore]`d tests that `scripts/conformance` runs (part
//! `60-remote`).

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)] // test helpers

mod common;

use std::process::Command;

use cert_signer::{CertSigner, DigestAlgorithm, SignError};
use common::{
    PERSON, hashes, hpki_card, login_through, my_number_card, refs, stranger_card, world,
};
use remote_sign::{
    Authenticator, DeviceKey, DeviceSetup, Error, HttpRequest, HttpTransport, IdTokenError,
    RemoteClient, RemoteSigner, Transport,
};

fn connect_with_my_number_card(w: &common::World) -> RemoteSigner<'static> {
    RemoteSigner::connect(
        RemoteClient::new(&w.server.base_url()),
        Authenticator::MyNumberCard(Box::new(my_number_card(w))),
    )
    .unwrap()
}

/// Whether `signature` is an RSASSA-PKCS1-v1_5 signature over the SHA-256 `digest` by
/// the key of `cert_der`.
fn verifies(cert_der: &[u8], digest: &[u8], signature: &[u8]) -> bool {
    let cert = hpki_cert::Certificate::from_der(cert_der).unwrap();
    hpki_cert::verify_rsa_pkcs1(cert.spki_der(), DigestAlgorithm::Sha256, digest, signature).is_ok()
}

fn openssl_verifies(cert_der: &[u8], digest: &[u8], signature: &[u8]) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    std::fs::write(p("cert.der"), cert_der).unwrap();
    std::fs::write(p("digest"), digest).unwrap();
    std::fs::write(p("sig"), signature).unwrap();
    let out = Command::new("openssl")
        .args(["x509", "-inform", "DER", "-in"])
        .arg(p("cert.der"))
        .args(["-pubkey", "-noout", "-out"])
        .arg(p("pub.pem"))
        .status()
        .unwrap();
    assert!(out.success());
    Command::new("openssl")
        .args(["pkeyutl", "-verify", "-pubin", "-inkey"])
        .arg(p("pub.pem"))
        .arg("-in")
        .arg(p("digest"))
        .arg("-sigfile")
        .arg(p("sig"))
        .args(["-pkeyopt", "digest:sha256"])
        .output()
        .unwrap()
        .status
        .success()
}

#[test]
fn a_batch_is_one_authorize_and_one_sign_hash() {
    a_batch_is_one_authorize_and_one_sign_hash_checked_with(verifies);
}

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance"]
fn a_batch_is_one_authorize_and_one_sign_hash_and_openssl_verifies_it() {
    a_batch_is_one_authorize_and_one_sign_hash_checked_with(openssl_verifies);
}

fn a_batch_is_one_authorize_and_one_sign_hash_checked_with(
    verifies: fn(&[u8], &[u8], &[u8]) -> bool,
) {
    let w = world();
    let mut signer = connect_with_my_number_card(&w);
    assert_eq!(
        signer.certificate_der(),
        w.issued.certificate_der.as_slice()
    );
    assert_eq!(signer.chain_der(), w.platform.ca_chain_der());
    let before = signer.client().round_trips();
    let served_before = w.platform.requests_served();
    let h = hashes(25);
    let sigs = signer
        .sign_digests(DigestAlgorithm::Sha256, &refs(&h))
        .unwrap();
    assert_eq!(signer.client().round_trips() - before, 2);
    assert_eq!(w.platform.requests_served() - served_before, 2);
    assert_eq!(sigs.len(), 25);
    for (d, s) in h.iter().zip(&sigs) {
        assert!(verifies(signer.certificate_der(), d, s));
    }
    // A signature of one hash does not verify for the next one.
    assert!(!verifies(signer.certificate_der(), &h[1], &sigs[0]));
}

#[test]
fn the_second_certificate_carries_the_qualification_and_chains_to_the_root() {
    let w = world();
    let role = hpki_cert::HcRole::from_certificate(&w.issued.certificate_der).unwrap();
    assert_eq!(
        role.qualification(),
        Some(hpki_cert::Qualification::MedicalDoctor)
    );
    let mut trust = hpki_cert::TrustStore::new();
    trust
        .add_anchor_der(&w.platform.trust_anchor_der())
        .unwrap();
    // Revocation status from the test PKI's CRL endpoint, on the platform's clock.
    let crls =
        sign_platform_sim::CrlServer::start_with_clock("127.0.0.1:0", w.platform.clock().clone())
            .unwrap();
    let options = hpki_cert::PathOptions::hpki_signature(jiff::Timestamp::now())
        .with_crl_source(std::sync::Arc::new(crls.crl_source().unwrap()));
    let report = hpki_cert::validate_path(
        &w.issued.certificate_der,
        &w.platform.ca_chain_der(),
        &trust,
        &options,
    );
    assert_eq!(report.verdict, hpki_cert::Verdict::Valid, "{report:?}");
    assert!(report.waivers.is_empty(), "{report:?}");
    let stranger = hpki_cert::validate_path(&w.issued.certificate_der, &[], &trust, &options);
    assert_ne!(
        stranger.verdict,
        hpki_cert::Verdict::Valid,
        "no CA, no path"
    );
    // Revoked at the platform's CA: a fresh source sees it.
    crls.revoke(&w.issued.certificate_der, jiff::Timestamp::now(), None)
        .unwrap();
    let options = hpki_cert::PathOptions::hpki_signature(jiff::Timestamp::now())
        .with_crl_source(std::sync::Arc::new(crls.crl_source().unwrap()));
    let revoked = hpki_cert::validate_path(
        &w.issued.certificate_der,
        &w.platform.ca_chain_der(),
        &trust,
        &options,
    );
    assert_eq!(revoked.verdict, hpki_cert::Verdict::Invalid, "{revoked:?}");
    assert_eq!(
        revoked.sub_indication,
        Some(hpki_cert::SubIndication::Revoked)
    );
}

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance"]
fn openssl_chains_the_second_certificate_to_the_root() {
    let w = world();
    let dir = tempfile::tempdir().unwrap();
    let pem = |der: &[u8]| {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        )
    };
    std::fs::write(
        dir.path().join("root.pem"),
        pem(&w.platform.trust_anchor_der()),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("ca.pem"),
        pem(&w.platform.ca_chain_der()[0]),
    )
    .unwrap();
    std::fs::write(dir.path().join("ee.pem"), pem(&w.issued.certificate_der)).unwrap();
    let out = Command::new("openssl")
        .current_dir(dir.path())
        .args([
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "ca.pem",
            "ee.pem",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_session_is_reused_for_many_batches() {
    let w = world();
    let mut signer = connect_with_my_number_card(&w);
    for _ in 0..3 {
        signer
            .sign_digests(DigestAlgorithm::Sha256, &refs(&hashes(2)))
            .unwrap();
    }
    assert_eq!(signer.client().logins(), 1);
    assert_eq!(signer.session().unwrap().lifetime().as_secs(), 18 * 3600);
}

#[test]
fn an_expired_session_triggers_one_relogin() {
    let w = world();
    let mut signer = connect_with_my_number_card(&w);
    signer
        .sign_digests(DigestAlgorithm::Sha256, &refs(&hashes(1)))
        .unwrap();
    w.platform
        .clock()
        .advance(jiff::SignedDuration::from_hours(19));
    let h = hashes(3);
    let sigs = signer
        .sign_digests(DigestAlgorithm::Sha256, &refs(&h))
        .unwrap();
    assert_eq!(sigs.len(), 3);
    assert_eq!(signer.client().logins(), 2);
    assert!(verifies(signer.certificate_der(), &h[2], &sigs[2]));
}

fn logged_in_client(w: &common::World) -> (RemoteClient, remote_sign::Session, String) {
    let mut client = RemoteClient::new(&w.server.base_url());
    let session = client
        .login(&mut Authenticator::MyNumberCard(Box::new(my_number_card(
            w,
        ))))
        .unwrap();
    assert_eq!(session.person_id(), PERSON);
    let id = client.credentials_list(&session).unwrap().remove(0);
    (client, session, id)
}

fn refused_code(e: Error) -> String {
    match e {
        Error::SignatureRefused { code, .. } => code.to_string(),
        other => panic!("expected a refused signature, got {other:?}"),
    }
}

#[test]
fn a_sad_is_refused_beyond_its_count() {
    let w = world();
    let (mut client, session, id) = logged_in_client(&w);
    let h = hashes(2);
    let sad = client
        .authorize(&session, &id, DigestAlgorithm::Sha256, &refs(&h))
        .unwrap();
    client
        .sign_hash(&session, &id, &sad, DigestAlgorithm::Sha256, &refs(&h))
        .unwrap();
    let again = client.sign_hash(&session, &id, &sad, DigestAlgorithm::Sha256, &refs(&h[..1]));
    assert_eq!(refused_code(again.unwrap_err()), "sad_exhausted");
}

#[test]
fn a_sad_is_refused_for_other_hashes_and_for_a_hash_twice() {
    let w = world();
    let (mut client, session, id) = logged_in_client(&w);
    let h = hashes(3);
    let sad = client
        .authorize(&session, &id, DigestAlgorithm::Sha256, &refs(&h[..2]))
        .unwrap();
    let other = client.sign_hash(&session, &id, &sad, DigestAlgorithm::Sha256, &refs(&h[2..]));
    assert_eq!(refused_code(other.unwrap_err()), "hash_not_authorized");
    client
        .sign_hash(&session, &id, &sad, DigestAlgorithm::Sha256, &refs(&h[..1]))
        .unwrap();
    let twice = client.sign_hash(&session, &id, &sad, DigestAlgorithm::Sha256, &refs(&h[..1]));
    assert_eq!(refused_code(twice.unwrap_err()), "hash_not_authorized");
    // The one hash still authorized signs.
    client
        .sign_hash(
            &session,
            &id,
            &sad,
            DigestAlgorithm::Sha256,
            &refs(&h[1..2]),
        )
        .unwrap();
}

#[test]
fn a_sad_expires() {
    let w = world();
    let (mut client, session, id) = logged_in_client(&w);
    let h = hashes(1);
    let sad = client
        .authorize(&session, &id, DigestAlgorithm::Sha256, &refs(&h))
        .unwrap();
    w.platform
        .clock()
        .advance(jiff::SignedDuration::from_mins(6));
    let late = client.sign_hash(&session, &id, &sad, DigestAlgorithm::Sha256, &refs(&h));
    assert_eq!(refused_code(late.unwrap_err()), "invalid_sad");
}

#[test]
fn an_unbound_card_is_refused() {
    let w = world();
    let mut client = RemoteClient::new(&w.server.base_url());
    let err = client
        .login(&mut Authenticator::MyNumberCard(Box::new(stranger_card())))
        .unwrap_err();
    assert!(matches!(err, Error::Unbound), "{err:?}");
    // The physician's HPKI card is not a My Number Card.
    let err = client
        .login(&mut Authenticator::MyNumberCard(Box::new(hpki_card())))
        .unwrap_err();
    assert!(matches!(err, Error::Unbound), "{err:?}");
}

#[test]
fn a_revoked_binding_is_refused_at_login_and_ends_running_sessions() {
    let w = world();
    let mut signer = connect_with_my_number_card(&w);
    assert_eq!(w.platform.revoke_my_number_card(PERSON).unwrap(), 1);
    let err = signer
        .sign_digests(DigestAlgorithm::Sha256, &refs(&hashes(1)))
        .unwrap_err();
    let SignError::Device(inner) = err else {
        panic!("expected a device error, got {err:?}")
    };
    assert!(matches!(
        inner.downcast_ref::<Error>(),
        Some(Error::BindingRevoked(_))
    ));
    let mut client = RemoteClient::new(&w.server.base_url());
    let err = client
        .login(&mut Authenticator::MyNumberCard(Box::new(my_number_card(
            &w,
        ))))
        .unwrap_err();
    assert!(matches!(err, Error::BindingRevoked(_)), "{err:?}");
}

#[test]
fn a_wrong_signature_does_not_log_in() {
    let w = world();
    // The bound certificate with another key (the HPKI card's).
    let mut impostor = hpki_card();
    let key = impostor.key().clone();
    impostor = cert_signer::SoftwareSigner::new(key, w.jpki.auth_cert_der().to_vec());
    let err = RemoteClient::new(&w.server.base_url())
        .login(&mut Authenticator::MyNumberCard(Box::new(impostor)))
        .unwrap_err();
    assert!(
        matches!(err, Error::Refused { ref code, .. } if code == "access_denied"),
        "{err:?}"
    );
}

#[test]
fn appendix_1_binds_the_my_number_card_after_an_hpki_login_and_again_after_renewal() {
    let w = world();
    w.platform.revoke_my_number_card(PERSON).unwrap();
    let mut client = RemoteClient::new(&w.server.base_url());
    let hpki = client
        .login(&mut Authenticator::HpkiCard(Box::new(hpki_card())))
        .unwrap();
    assert_eq!(client.me(&hpki).unwrap().person_id, PERSON);
    client
        .bind_my_number_card(&hpki, &mut my_number_card(&w))
        .unwrap();
    let jpki = client
        .login(&mut Authenticator::MyNumberCard(Box::new(my_number_card(
            &w,
        ))))
        .unwrap();
    assert_eq!(jpki.person_id(), PERSON);
    // Binding needs the HPKI card: a My Number Card session may not bind.
    let err = client
        .bind_my_number_card(&jpki, &mut stranger_card())
        .unwrap_err();
    assert!(
        matches!(err, Error::Refused { ref code, .. } if code == "access_denied"),
        "{err:?}"
    );
    // Renewal: the new certificate replaces the old one.
    let mut renewed = stranger_card();
    client.bind_my_number_card(&hpki, &mut renewed).unwrap();
    client
        .login(&mut Authenticator::MyNumberCard(Box::new(renewed)))
        .unwrap();
    let err = client
        .login(&mut Authenticator::MyNumberCard(Box::new(my_number_card(
            &w,
        ))))
        .unwrap_err();
    assert!(matches!(err, Error::BindingRevoked(_)), "{err:?}");
}

#[test]
fn the_letter_password_locks_after_five_wrong_tries() {
    let w = world();
    let mut client = RemoteClient::new(&w.server.base_url());
    let wrong = DeviceSetup::letter(&w.issued.setup_url, "WRONGPASS").unwrap();
    for left in (1..=4).rev() {
        let err = client
            .register_device(&wrong, DeviceKey::generate().unwrap(), None, false)
            .unwrap_err();
        assert!(
            matches!(err, Error::WrongSetupPassword { tries_left } if tries_left == left),
            "{err:?}"
        );
    }
    let err = client
        .register_device(&wrong, DeviceKey::generate().unwrap(), None, false)
        .unwrap_err();
    assert!(matches!(err, Error::SetupLocked), "{err:?}");
    let right = DeviceSetup::letter(&w.issued.setup_url, &w.issued.setup_password).unwrap();
    let err = client
        .register_device(&right, DeviceKey::generate().unwrap(), None, false)
        .unwrap_err();
    assert!(matches!(err, Error::SetupLocked), "{err:?}");
}

#[test]
fn the_letter_registers_a_phone_that_logs_in_and_signs_and_expires_after_three_months() {
    let w = world();
    let months = w
        .issued
        .setup_expires_at
        .duration_since(jiff::Timestamp::now());
    assert!((89..=93).contains(&(months.as_hours() / 24)), "{months:?}");
    let mut client = RemoteClient::new(&w.server.base_url());
    let setup = DeviceSetup::letter(&w.issued.setup_url, &w.issued.setup_password).unwrap();
    let device = client
        .register_device(&setup, DeviceKey::generate().unwrap(), None, false)
        .unwrap();
    assert_eq!(device.person_id, PERSON);
    assert!(!device.label.is_empty());
    let mut signer = RemoteSigner::connect(
        RemoteClient::new(&w.server.base_url()),
        Authenticator::Device(device),
    )
    .unwrap();
    assert_eq!(signer.session().unwrap().client_id(), "FIDO");
    let h = hashes(2);
    let sigs = signer
        .sign_digests(DigestAlgorithm::Sha256, &refs(&h))
        .unwrap();
    assert!(verifies(signer.certificate_der(), &h[0], &sigs[0]));
    // Single use.
    let err = client
        .register_device(&setup, DeviceKey::generate().unwrap(), None, true)
        .unwrap_err();
    assert!(matches!(err, Error::SetupExpired), "{err:?}");

    // Another person's letter, used after three months.
    let other = w
        .platform
        .issue_second_certificate(&sign_platform_sim::IssueRequest {
            person_id: "P-0002".into(),
            name_kanji: "薬局 花子".into(),
            name_romaji: "YAKKYOKU Hanako".into(),
            qualification: hpki_cert::Qualification::Pharmacist,
            authority: "MEDIS".into(),
            jpki_auth_certificate_der: None,
            now: jiff::Timestamp::now(),
        })
        .unwrap();
    w.platform
        .clock()
        .advance(jiff::SignedDuration::from_hours(24 * 93));
    let late = DeviceSetup::letter(&other.setup_url, &other.setup_password).unwrap();
    let err = client
        .register_device(&late, DeviceKey::generate().unwrap(), None, false)
        .unwrap_err();
    assert!(matches!(err, Error::SetupExpired), "{err:?}");
}

#[test]
fn appendix_2_qr_replaces_the_old_phone_only_when_confirmed() {
    let w = world();
    let mut client = RemoteClient::new(&w.server.base_url());
    let letter = DeviceSetup::letter(&w.issued.setup_url, &w.issued.setup_password).unwrap();
    let old = client
        .register_device(
            &letter,
            DeviceKey::generate().unwrap(),
            Some("old phone"),
            false,
        )
        .unwrap();

    let hpki = client
        .login(&mut Authenticator::HpkiCard(Box::new(hpki_card())))
        .unwrap();
    let (payload, qr) = client.device_qr(&hpki).unwrap();
    assert!(payload.contains(PERSON));
    let err = client
        .register_device(&qr, DeviceKey::generate().unwrap(), None, false)
        .unwrap_err();
    assert!(matches!(err, Error::DeviceAlreadyRegistered), "{err:?}");
    let new = client
        .register_device(&qr, DeviceKey::generate().unwrap(), Some("new phone"), true)
        .unwrap();
    assert_eq!(w.platform.active_devices(PERSON).unwrap(), 1);

    let err = RemoteClient::new(&w.server.base_url())
        .login(&mut Authenticator::Device(old))
        .unwrap_err();
    assert!(matches!(err, Error::BindingRevoked(_)), "{err:?}");
    RemoteClient::new(&w.server.base_url())
        .login(&mut Authenticator::Device(new.clone()))
        .unwrap();

    // A QR code lasts minutes.
    let (_, qr) = client.device_qr(&hpki).unwrap();
    w.platform
        .clock()
        .advance(jiff::SignedDuration::from_mins(11));
    let err = client
        .register_device(&qr, DeviceKey::generate().unwrap(), None, true)
        .unwrap_err();
    assert!(matches!(err, Error::SetupExpired), "{err:?}");

    // Only an HPKI-card login may make a QR code.
    let jpki = client
        .login(&mut Authenticator::MyNumberCard(Box::new(my_number_card(
            &w,
        ))))
        .unwrap();
    assert!(client.device_qr(&jpki).is_err());

    // A revoked device no longer logs in.
    w.platform.revoke_devices(PERSON).unwrap();
    let err = RemoteClient::new(&w.server.base_url())
        .login(&mut Authenticator::Device(new))
        .unwrap_err();
    assert!(matches!(err, Error::BindingRevoked(_)), "{err:?}");
}

#[test]
fn a_changed_state_or_id_token_is_rejected() {
    let w = world();
    let err = login_through(&w, "/oidc/auth/complete", |v| v["state"] = "forged".into());
    assert!(matches!(err, Error::StateMismatch), "{err:?}");

    let err = login_through(&w, "/oidc/token", |v| {
        // Swap the payload for one with another subject; the signature no longer fits.
        use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD as B64};
        let token = v["id_token"].as_str().unwrap().to_owned();
        let parts: Vec<&str> = token.split('.').collect();
        let mut claims: serde_json::Value =
            serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
        claims["sub"] = "P-9999".into();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            B64.encode(claims.to_string()),
            parts[2]
        );
        v["id_token"] = forged.into();
    });
    assert!(
        matches!(err, Error::IdToken(IdTokenError::Signature)),
        "{err:?}"
    );

    let err = login_through(&w, "/oidc/token", |v| v["id_token"] = "a.b".into());
    assert!(
        matches!(err, Error::IdToken(IdTokenError::Malformed)),
        "{err:?}"
    );
}

#[test]
fn the_token_endpoint_checks_the_pkce_verifier_and_single_use_codes() {
    use serde_json::json;
    struct Answer {
        status: u16,
        body: serde_json::Value,
    }
    let w = world();
    let mut http = HttpTransport::new(&w.server.base_url());
    let mut post = |path: &str, body: serde_json::Value| {
        let body = serde_json::to_vec(&body).unwrap();
        let answer = http.send(&HttpRequest::post(path, &body)).unwrap();
        Answer {
            status: answer.status,
            body: serde_json::from_slice(&answer.body).unwrap(),
        }
    };
    // S256 of "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" (RFC 7636 appendix B).
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let started = post(
        "/oidc/auth/challenge",
        json!({ "response_type": "code", "scope": "openid", "client_id": "JPKI",
                "redirect_uri": "http://127.0.0.1/cb", "state": "s", "nonce": "n",
                "code_challenge": challenge, "code_challenge_method": "S256" }),
    );
    assert_eq!(started.status, 200);
    let id = started.body["auth_req_id"].as_str().unwrap().to_owned();
    let message = format!(
        "hpki-kagura-sim login\n{id}\n{}",
        started.body["challenge"].as_str().unwrap()
    );
    let sig = my_number_card(&w)
        .sign_digest(
            DigestAlgorithm::Sha256,
            &DigestAlgorithm::Sha256.hash(message.as_bytes()),
        )
        .unwrap();
    use base64::{Engine as _, engine::general_purpose::STANDARD};
    let done = post(
        "/oidc/auth/complete",
        json!({ "auth_req_id": id, "certificate": STANDARD.encode(w.jpki.auth_cert_der()),
                "signature": STANDARD.encode(sig) }),
    );
    assert_eq!(done.status, 200, "{}", done.body);
    let code = done.body["code"].as_str().unwrap().to_owned();
    let token = |verifier: &str| {
        json!({ "grant_type": "authorization_code", "code": code, "code_verifier": verifier,
                "client_id": "JPKI", "redirect_uri": "http://127.0.0.1/cb" })
    };
    let wrong = post(
        "/oidc/token",
        token("wrong-verifier-wrong-verifier-wrong-verifier-0"),
    );
    assert_eq!(
        (wrong.status, wrong.body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // The code was burnt by the failed attempt.
    let right = post(
        "/oidc/token",
        token("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
    );
    assert_eq!(
        (right.status, right.body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}
