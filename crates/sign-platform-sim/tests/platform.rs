//! The platform's Rust API: issuing, persistence, admin refusals, dispatch.

use sign_platform_sim::{Error, IssueRequest, Platform};

fn request(person: &str) -> IssueRequest {
    IssueRequest {
        person_id: person.into(),
        name_kanji: "歯科 花子".into(),
        name_romaji: "SHIKA Hanako".into(),
        qualification: hpki_cert::Qualification::Dentist,
        authority: "MEDIS".into(),
        jpki_auth_certificate_der: None,
        now: jiff::Timestamp::now(),
    }
}

#[test]
fn a_second_certificate_validates_as_an_hpki_signing_certificate() {
    let platform = Platform::open(None).unwrap();
    let issued = platform.issue_second_certificate(&request("P-1")).unwrap();
    let mut trust = hpki_cert::TrustStore::new();
    trust.add_anchor_der(&platform.trust_anchor_der()).unwrap();
    let crls = sign_platform_sim::CrlServer::start("127.0.0.1:0").unwrap();
    let report = hpki_cert::validate_path(
        &issued.certificate_der,
        &platform.ca_chain_der(),
        &trust,
        &hpki_cert::PathOptions::hpki_signature(jiff::Timestamp::now())
            .with_crl_source(std::sync::Arc::new(crls.crl_source().unwrap())),
    );
    assert_eq!(report.verdict, hpki_cert::Verdict::Valid, "{report:?}");
    let cert = hpki_cert::Certificate::from_der(&issued.certificate_der).unwrap();
    assert_eq!(
        cert.hc_role().and_then(|r| r.qualification()),
        Some(hpki_cert::Qualification::Dentist)
    );
    let years = cert
        .not_after()
        .duration_since(cert.not_before())
        .as_hours()
        / 24
        / 365;
    assert_eq!(years, 5);
    assert!(
        cert.subject().contains("SHIKA Hanako"),
        "{}",
        cert.subject()
    );
    // Outside the validity period the same path is refused.
    let later = cert
        .not_after()
        .checked_add(jiff::SignedDuration::from_hours(24))
        .unwrap();
    let report = hpki_cert::validate_path(
        &issued.certificate_der,
        &platform.ca_chain_der(),
        &trust,
        &hpki_cert::PathOptions::hpki_signature(later),
    );
    assert_ne!(report.verdict, hpki_cert::Verdict::Valid);
}

#[test]
fn card_and_remote_signatures_share_one_trust_anchor() {
    let platform = Platform::open(None).unwrap();
    let test_pki = hpki_cert::testpki::TestPki::new().unwrap();
    // The root the virtual HPKI cards chain to is the platform's root, byte for byte.
    assert_eq!(platform.trust_anchor_der(), test_pki.hpki_root().cert_der());
    let issued = platform.issue_second_certificate(&request("P-2")).unwrap();
    let crls = sign_platform_sim::CrlServer::start("127.0.0.1:0").unwrap();
    let report = hpki_cert::validate_path(
        &issued.certificate_der,
        &platform.ca_chain_der(),
        &test_pki.trust_store(),
        &hpki_cert::PathOptions::hpki_signature(jiff::Timestamp::now())
            .with_crl_source(std::sync::Arc::new(crls.crl_source().unwrap())),
    );
    assert_eq!(report.verdict, hpki_cert::Verdict::Valid, "{report:?}");
}

#[test]
fn a_person_id_that_is_no_printable_string_is_refused() {
    let platform = Platform::open(None).unwrap();
    let err = platform
        .issue_second_certificate(&request("P_1"))
        .unwrap_err();
    assert!(
        matches!(err, Error::Pki(ref why) if why.contains("PrintableString")),
        "{err}"
    );
}

#[test]
fn the_database_keeps_people_and_the_id_token_key_across_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("platform.sqlite");
    let jwks = {
        let platform = Platform::open(Some(&db)).unwrap();
        platform.issue_second_certificate(&request("P-1")).unwrap();
        platform.dispatch("GET", "/oidc/jwks", None, b"").1
    };
    let platform = Platform::open(Some(&db)).unwrap();
    assert_eq!(platform.dispatch("GET", "/oidc/jwks", None, b"").1, jwks);
    // The person survived: binding a card to them works, to a stranger it does not.
    let cert = platform
        .issue_second_certificate(&request("P-2"))
        .unwrap()
        .certificate_der;
    platform.bind_my_number_card("P-1", &cert).unwrap();
    assert!(matches!(
        platform.bind_my_number_card("P-9", &cert),
        Err(Error::UnknownPerson(_))
    ));
    assert!(matches!(
        platform.register_hpki_card("P-1", b"junk"),
        Err(Error::Certificate(_))
    ));
}

#[test]
fn the_setup_letter_lasts_three_months_and_hides_its_password() {
    let platform = Platform::open(None).unwrap();
    let now: jiff::Timestamp = "2026-01-31T00:00:00Z".parse().unwrap();
    let issued = platform
        .issue_second_certificate(&IssueRequest {
            now,
            ..request("P-1")
        })
        .unwrap();
    assert_eq!(issued.setup_expires_at.to_string(), "2026-04-30T00:00:00Z");
    assert!(issued.setup_url.contains("/devices/setup/"));
    assert_eq!(issued.setup_password.len(), 10);
    assert!(!format!("{issued:?}").contains(&issued.setup_password));
}

#[test]
fn dispatch_refuses_malformed_calls_with_json_errors() {
    let platform = Platform::open(None).unwrap();
    type Case<'a> = (&'a str, &'a str, Option<&'a str>, &'a [u8], u16, &'a str);
    let cases: [Case<'_>; 6] = [
        (
            "POST",
            "/oidc/token",
            None,
            b"[1,2]",
            400,
            "invalid_request",
        ),
        (
            "POST",
            "/oidc/token",
            None,
            b"{\"grant_type\":\"password\"}",
            400,
            "unsupported_grant_type",
        ),
        (
            "POST",
            "/csc/v2/credentials/list",
            None,
            b"",
            401,
            "invalid_token",
        ),
        (
            "POST",
            "/csc/v2/signatures/signHash",
            Some("forged"),
            b"{}",
            401,
            "invalid_token",
        ),
        (
            "POST",
            "/oidc/auth/challenge",
            None,
            b"{\"client_id\":\"OTHER\"}",
            400,
            "unauthorized_client",
        ),
        ("DELETE", "/oidc/token", None, b"", 404, "not_found"),
    ];
    for (method, path, bearer, body, status, code) in cases {
        let (s, answer) = platform.dispatch(method, path, bearer, body);
        assert_eq!(
            (s, answer["error"].as_str()),
            (status, Some(code)),
            "{method} {path}"
        );
    }
    let (s, info) = platform.dispatch("POST", "/csc/v2/info", None, b"");
    assert_eq!(s, 200);
    assert_eq!(
        info["specs"].as_str().map(|v| v.starts_with("2.")),
        Some(true)
    );
}

fn login_request() -> Vec<u8> {
    serde_json::json!({
        "client_id": "JPKI", "response_type": "code", "scope": "openid",
        "redirect_uri": "http://127.0.0.1/cb", "state": "s", "nonce": "n",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
    })
    .to_string()
    .into_bytes()
}

#[test]
fn expired_login_requests_are_purged_and_pending_ones_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("platform.sqlite");
    let mut config = sign_platform_sim::PlatformConfig::default();
    config.max_pending_logins = 5;
    let platform = Platform::open_with(Some(&db), config).unwrap();
    let stored = || -> i64 {
        rusqlite::Connection::open(&db)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM auth_requests", [], |r| r.get(0))
            .unwrap()
    };
    let ask = || platform.dispatch("POST", "/oidc/auth/challenge", None, &login_request());
    for _ in 0..5 {
        assert_eq!(ask().0, 200);
    }
    let (status, answer) = ask();
    assert_eq!(
        (status, answer["error"].as_str()),
        (503, Some("temporarily_unavailable"))
    );
    assert_eq!(stored(), 5);
    // Five minutes later they expired: purged at the next request, which is served.
    platform
        .clock()
        .advance(jiff::SignedDuration::from_secs(5 * 60 + 1));
    assert_eq!(ask().0, 200);
    assert_eq!(stored(), 1);
}

#[test]
fn a_body_of_many_empty_objects_is_refused_before_it_is_parsed() {
    let platform = Platform::open(None).unwrap();
    let mut body = b"{\"x\": [".to_vec();
    while body.len() < 3 * 1024 * 1024 {
        body.extend_from_slice(b"{},");
    }
    body.extend_from_slice(b"{}]}");
    let (status, answer) = platform.dispatch("POST", "/oidc/auth/challenge", None, &body);
    assert_eq!(status, 400);
    assert!(
        answer["error_description"]
            .as_str()
            .unwrap()
            .contains("JSON values"),
        "{answer}"
    );
}

#[test]
fn a_request_without_a_required_member_is_refused_naming_it() {
    let platform = Platform::open(None).unwrap();
    let cases: [(&str, &[u8], &str); 3] = [
        (
            "/oidc/auth/complete",
            br#"{"signature":"AA=="}"#,
            "auth_req_id",
        ),
        (
            "/oidc/token",
            br#"{"grant_type":"authorization_code"}"#,
            "code",
        ),
        (
            "/platform/devices/register",
            br#"{"setup_token":"t","public_key":"AA=="}"#,
            "signature",
        ),
    ];
    for (path, body, member) in cases {
        let (status, answer) = platform.dispatch("POST", path, None, body);
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some("invalid_request")),
            "{path}"
        );
        let why = answer["error_description"].as_str().unwrap();
        assert!(
            why.contains(&format!("missing field `{member}`")),
            "{path}: {why}"
        );
    }
    // A member of the wrong shape is named by what it should be.
    let (status, answer) = platform.dispatch(
        "POST",
        "/oidc/auth/complete",
        None,
        br#"{"auth_req_id":"x","signature":"not base64!"}"#,
    );
    assert_eq!(status, 400);
    assert!(
        answer["error_description"]
            .as_str()
            .unwrap()
            .contains("not base64"),
        "{answer}"
    );
}

#[test]
fn the_jwks_publishes_one_es256_key_under_its_thumbprint() {
    use jsonwebtoken::jwk::{JwkSet, ThumbprintHash};
    let platform = Platform::open(None).unwrap();
    let (status, body) = platform.dispatch("GET", "/oidc/jwks", None, b"");
    assert_eq!(status, 200);
    let jwks: JwkSet = serde_json::from_value(body).unwrap();
    assert_eq!(jwks.keys.len(), 1);
    let key = &jwks.keys[0];
    assert_eq!(
        key.common.key_algorithm,
        Some(jsonwebtoken::jwk::KeyAlgorithm::ES256)
    );
    // RFC 7638: the kid is the thumbprint of the key's required members.
    assert_eq!(
        key.common.key_id.as_deref(),
        Some(key.thumbprint(ThumbprintHash::SHA256).unwrap().as_str())
    );
    // The discovery document points to it.
    let (_, discovery) = platform.dispatch("GET", "/.well-known/openid-configuration", None, b"");
    let meta: remote_sign::wire::ProviderMetadata = serde_json::from_value(discovery).unwrap();
    assert!(meta.jwks_uri.ends_with("/oidc/jwks"), "{}", meta.jwks_uri);
    assert_eq!(meta.id_token_signing_alg_values_supported, ["ES256"]);
}
