//! The local CRL endpoint: every test CA's CRL at its distribution point, fresh, with
//! run-time revocations, as path validation sees it through `HttpCrlSource`.

// Helpers outside #[test] fns are test code too.
#![allow(clippy::unwrap_used)]

use std::io::{Read as _, Write as _};
use std::sync::Arc;

use hpki_cert::testpki::TestPki;
use hpki_cert::{
    Crl, CrlReason, CrlSource as _, Indication, PathOptions, PathReport, Purpose, SubIndication,
    validate_path,
};
use sign_platform_sim::{Clock, CrlServer, IssueRequest, Platform};

fn validate(der: &[u8], chain: &[Vec<u8>], server: &CrlServer, opts: PathOptions) -> PathReport {
    let source = Arc::new(server.crl_source().unwrap());
    let pki = TestPki::shared().unwrap();
    validate_path(
        der,
        chain,
        &pki.trust_store(),
        &opts.with_crl_source(source),
    )
}

fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

#[test]
fn every_test_ca_publishes_a_fresh_crl_at_its_distribution_point() {
    let server = CrlServer::start("127.0.0.1:0").unwrap();
    assert!(server.base_url().starts_with("http://127.0.0.1:"));
    let mut paths = server.paths();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/hpki/arl.crl",
            "/hpki/auth.crl",
            "/hpki/second-sign.crl",
            "/hpki/sign.crl",
            "/jpki/arl.crl",
            "/jpki/auth.crl",
            "/jpki/sign.crl",
            "/tsa/root.crl",
        ]
    );
    let pki = TestPki::shared().unwrap();
    let source = server.crl_source().unwrap();
    let before = now();
    for cert in [
        pki.physician(),
        pki.hpki_sign_ca(),
        pki.jpki_user_auth(),
        pki.tsa(),
    ] {
        let answer = source.crls_for(&cert.certificate().unwrap());
        assert!(answer.errors.is_empty(), "{:?}", answer.errors);
        let [der] = answer.crls.as_slice() else {
            panic!("one CRL for {cert:?}");
        };
        let crl = Crl::from_der(der).unwrap();
        assert_eq!(crl.issuer(), cert.certificate().unwrap().issuer());
        let this_update = crl.this_update().duration_since(before).as_secs();
        assert!((-3610..=-3590).contains(&this_update), "{this_update}");
        let next_update = crl.next_update().unwrap().duration_since(before).as_secs();
        assert!((86_390..=86_410).contains(&next_update), "{next_update}");
    }
    assert_eq!(server.requests_served(), 4);
}

#[test]
fn a_revocation_takes_effect_on_the_next_crl_and_can_be_taken_back() {
    let server = CrlServer::start("127.0.0.1:0").unwrap();
    let pki = TestPki::shared().unwrap();
    let doctor = pki.physician();
    let opts = || PathOptions::hpki_signature(now());
    let report = validate(doctor.cert_der(), &[], &server, opts());
    assert_eq!(report.verdict, Indication::Valid, "{report:#?}");

    let date = "2025-03-01T09:00:00Z".parse().unwrap();
    server
        .revoke(doctor.cert_der(), date, Some(CrlReason::KeyCompromise))
        .unwrap();
    let report = validate(doctor.cert_der(), &[], &server, opts());
    assert_eq!(report.verdict, Indication::Invalid);
    assert_eq!(report.sub_indication, Some(SubIndication::Revoked));
    let detail = &report.first_failure().unwrap().detail;
    assert!(detail.contains("2025-03-01T09:00:00Z"), "{detail}");
    // Only the physician: the dentist, of the same CA, is not listed.
    assert!(validate(pki.dentist().cert_der(), &[], &server, opts()).is_valid());

    server.clear_revocations();
    assert!(validate(doctor.cert_der(), &[], &server, opts()).is_valid());
}

#[test]
fn a_revoked_ca_fails_the_paths_below_it() {
    let server = CrlServer::start("127.0.0.1:0").unwrap();
    let pki = TestPki::shared().unwrap();
    server
        .revoke(
            pki.jpki_sign_ca().cert_der(),
            now(),
            Some(CrlReason::CaCompromise),
        )
        .unwrap();
    let report = validate(
        pki.jpki_signature().cert_der(),
        &[],
        &server,
        PathOptions::at(now()).with_purpose(Purpose::AnySignature),
    );
    assert_ne!(report.verdict, Indication::Valid, "{report:#?}");
    let failure = report.first_failure().unwrap();
    assert_eq!(failure.name, "revocation");
    assert!(
        failure.subject.contains("JPKI for digital signature"),
        "{failure:?}"
    );
}

#[test]
fn second_certificates_get_their_status_from_the_endpoint() {
    let clock = Clock::default();
    let server = CrlServer::start_with_clock("127.0.0.1:0", clock.clone()).unwrap();
    let platform = Platform::open(None).unwrap();
    let issued = platform
        .issue_second_certificate(&IssueRequest {
            person_id: "P-CRL".into(),
            name_kanji: "失効 太郎".into(),
            name_romaji: "SHIKKO Taro".into(),
            qualification: hpki_cert::Qualification::MedicalDoctor,
            authority: "JMA".into(),
            jpki_auth_certificate_der: None,
            now: now(),
        })
        .unwrap();
    let cert = hpki_cert::Certificate::from_der(&issued.certificate_der).unwrap();
    assert_eq!(
        cert.crl_distribution_urls(),
        ["http://crl.medsign.invalid/hpki/second-sign.crl"]
    );
    let chain = platform.ca_chain_der();
    let opts = || PathOptions::hpki_signature(now());
    let report = validate(&issued.certificate_der, &chain, &server, opts());
    assert_eq!(report.verdict, Indication::Valid, "{report:#?}");

    server.revoke(&issued.certificate_der, now(), None).unwrap();
    let report = validate(&issued.certificate_der, &chain, &server, opts());
    assert_eq!(report.verdict, Indication::Invalid, "{report:#?}");
    assert_eq!(report.sub_indication, Some(SubIndication::Revoked));
}

#[test]
fn a_certificate_of_no_served_ca_cannot_be_revoked() {
    let server = CrlServer::start("127.0.0.1:0").unwrap();
    let pki = TestPki::shared().unwrap();
    // A certificate from outside the test PKI (the real MEDIS signing CA).
    let foreign = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/trust/medis-sign-ca2.der"
    ))
    .unwrap();
    let err = server.revoke(&foreign, now(), None).unwrap_err();
    assert!(err.to_string().contains("no served CA issued"), "{err}");
    assert!(server.revoke(b"junk", now(), None).is_err());
    // The TSA, issued by a served CA (the TSA root): accepted.
    server.revoke(pki.tsa().cert_der(), now(), None).unwrap();
}

#[test]
fn unknown_paths_and_other_methods_are_refused() {
    let server = CrlServer::start("127.0.0.1:0").unwrap();
    let ask = |request: &str| {
        let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer);
        answer.lines().next().unwrap_or_default().to_owned()
    };
    let close = "Host: x\r\nConnection: close\r\n\r\n";
    assert!(ask(&format!("GET /nope.crl HTTP/1.1\r\n{close}")).contains("404"));
    assert!(
        ask(&format!(
            "POST /hpki/sign.crl HTTP/1.1\r\nContent-Length: 0\r\n{close}"
        ))
        .contains("405")
    );
    assert!(ask(&format!("GET /hpki/sign.crl?x=1 HTTP/1.1\r\n{close}")).contains("200"));
}
