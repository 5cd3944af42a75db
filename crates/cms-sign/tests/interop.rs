//! Signatures checked by an independent verifier (OpenSSL), OpenSSL's signatures
//! checked by medsign, and B-T against the loopback TSA (`openssl ts -reply`).
//! The tests that need the `openssl` command (OpenSSL as the peer, or the loopback TSA
//! built on `openssl ts -reply`) are `#[ignore]`d, so that `cargo test` needs only a
//! Rust toolchain; `scripts/conformance` (part `45-cms`) runs them with `--ignored`, and
//! there they fail, not skip, without the command.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // Test helpers.

use std::{path::Path, process::Command};

use cert_signer::{CertSigner, SoftwareSigner};
use cms_sign::{
    Check, CommitmentType, Error, HttpTsa, Indication, Level, SignOptions, SignaturePolicy,
    SignedDataBuilder, SubIndication, TimeStampError, TimeStampOptions, TimeStampSource,
    VerifyOptions,
    test_pki::{self, LoopbackTsa},
};
use jiff::Timestamp;

fn openssl(args: &[&str]) -> std::process::Output {
    Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl command is required for these tests (apt-get install openssl)")
}

fn write(dir: &Path, name: &str, data: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p.to_str().unwrap().to_string()
}

fn pem_cert(dir: &Path, name: &str, der: &[u8]) -> String {
    let der_path = write(dir, &format!("{name}.der"), der);
    let pem_path = dir
        .join(format!("{name}.pem"))
        .to_str()
        .unwrap()
        .to_string();
    let out = openssl(&[
        "x509", "-inform", "DER", "-in", &der_path, "-out", &pem_path,
    ]);
    assert!(out.status.success());
    pem_path
}

fn no_path() -> VerifyOptions {
    VerifyOptions::new().skip_path()
}

fn openssl_cms_verify(dir: &Path, p7s: &[u8], content: Option<&[u8]>) -> std::process::Output {
    let root = test_pki::write_anchors(dir).unwrap();
    let p7s_path = write(dir, "sig.p7s", p7s);
    let mut args = vec![
        "cms",
        "-verify",
        "-cades",
        "-binary",
        "-inform",
        "DER",
        "-in",
        &p7s_path,
        "-CAfile",
        root.to_str().unwrap(),
        "-purpose",
        "any",
        "-out",
        "/dev/null",
    ];
    let content_path;
    if let Some(c) = content {
        content_path = write(dir, "content.bin", c);
        args.extend(["-content", &content_path]);
    }
    openssl(&args)
}

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance"]
fn openssl_verifies_medsign_attached_b_b() {
    let dir = tempfile::tempdir().unwrap();
    let (mut signer, _) = test_pki::physician();
    let content = vec![0x5a; 4096];
    let p7s = cms_sign::sign(&mut signer, &content, false, &SignOptions::new()).unwrap();
    let out = openssl_cms_verify(dir.path(), &p7s, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("CAdES Verification successful"));
}

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance"]
fn openssl_verifies_medsign_detached_b_b_and_refuses_other_content() {
    let dir = tempfile::tempdir().unwrap();
    let (mut signer, _) = test_pki::physician();
    let options = SignOptions::new()
        .commitment(CommitmentType::ProofOfOrigin)
        .policy(SignaturePolicy {
            oid: "2.999.1.2".into(),
            hash_algorithm: cert_signer::DigestAlgorithm::Sha256,
            hash: vec![7; 32],
            uri: Some("http://policy.example/p.der".into()),
        });
    let p7s = cms_sign::sign(&mut signer, b"detached data", true, &options).unwrap();
    let out = openssl_cms_verify(dir.path(), &p7s, Some(b"detached data"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = openssl_cms_verify(dir.path(), &p7s, Some(b"detached datA"));
    assert!(!out.status.success());
    let report = cms_sign::verify(&p7s, Some(b"detached data"), &no_path());
    assert_eq!(report.indication, Indication::Valid, "{}", report.to_json());
}

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance"]
fn openssl_verifies_two_signers_and_a_counter_signature_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let (mut physician, _) = test_pki::physician();
    let mut pharmacist = test_pki::pharmacist().unwrap();
    let mut b = SignedDataBuilder::new(b"shared record", false);
    b.add_signer(&mut physician, &SignOptions::new()).unwrap();
    b.add_signer(&mut pharmacist, &SignOptions::new()).unwrap();
    let p7s = b.build();
    let out = openssl_cms_verify(dir.path(), &p7s, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = cms_sign::verify(&p7s, None, &no_path());
    assert_eq!(report.indication, Indication::Valid);
    let names: Vec<_> = report
        .signers
        .iter()
        .map(|s| s.signer.clone().unwrap())
        .collect();
    assert!(
        names.contains(&"Test Physician".to_string())
            && names.contains(&"Test Pharmacist".to_string())
    );

    let countered =
        cms_sign::add_counter_signature(&p7s, 0, &mut pharmacist, &SignOptions::new()).unwrap();
    let report = cms_sign::verify(&countered, None, &no_path());
    assert_eq!(report.indication, Indication::Valid, "{}", report.to_json());
    let first = &report.signers[0];
    assert_eq!(first.counter_signatures.len(), 1);
    assert_eq!(first.counter_signatures[0].indication, Indication::Valid);
    assert!(
        first
            .checks
            .iter()
            .any(|c| c.check == Check::CounterSignature)
    );
    // OpenSSL still accepts the message (it ignores the unsigned attribute).
    let out = openssl_cms_verify(dir.path(), &countered, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_signer_added_later_verifies_alongside_the_first() {
    let (mut physician, _) = test_pki::physician();
    let mut pharmacist = test_pki::pharmacist().unwrap();
    let p7s = cms_sign::sign(&mut physician, b"doc", true, &SignOptions::new()).unwrap();
    let both =
        cms_sign::add_signer(&p7s, Some(b"doc"), &mut pharmacist, &SignOptions::new()).unwrap();
    let report = cms_sign::verify(&both, Some(b"doc"), &no_path());
    assert_eq!(report.signers.len(), 2);
    assert_eq!(report.indication, Indication::Valid);
    assert!(matches!(
        cms_sign::add_signer(&p7s, None, &mut pharmacist, &SignOptions::new()),
        Err(Error::Content(_))
    ));
}

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance"]
fn medsign_verifies_openssl_cades_attached_and_detached() {
    let dir = tempfile::tempdir().unwrap();
    let (signer, _) = test_pki::physician();
    let cert = pem_cert(dir.path(), "signer", signer.certificate_der());
    let key = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../cert-signer/testdata/rsa-2048-test-key.pem"
    );
    let content = write(dir.path(), "data.bin", &[0x42; 4096]);
    for detached in [false, true] {
        let out_path = dir.path().join("o.p7s").to_str().unwrap().to_string();
        let mut args = vec![
            "cms", "-sign", "-cades", "-binary", "-in", &content, "-signer", &cert, "-inkey", key,
            "-outform", "DER", "-out", &out_path,
        ];
        if !detached {
            args.push("-nodetach");
        }
        let out = openssl(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let p7s = std::fs::read(&out_path).unwrap();
        let data = [0x42u8; 4096];
        let report = cms_sign::verify(&p7s, detached.then_some(&data[..]), &no_path());
        assert_eq!(report.indication, Indication::Valid, "{}", report.to_json());
        assert!(report.signers[0].signing_time.is_some());
        let wrong = [0x43u8; 4096];
        let report = if detached {
            cms_sign::verify(&p7s, Some(&wrong), &no_path())
        } else {
            // Flip one content byte inside the message.
            let mut t = p7s.clone();
            let pos = t.windows(64).position(|w| w == [0x42; 64]).unwrap();
            t[pos] = 0x43;
            cms_sign::verify(&t, None, &no_path())
        };
        assert_eq!(report.indication, Indication::Invalid);
        assert_eq!(
            report.signers[0].first_failure().unwrap().check,
            Check::MessageDigest
        );
    }
}

#[test]
fn expired_signer_is_indeterminate_whatever_its_signing_time_claims() {
    let mut signer = test_pki::expired_physician();
    let now: Timestamp = "2026-11-25T00:00:00Z".parse().unwrap();
    let p7s = cms_sign::sign(
        &mut signer,
        b"x",
        false,
        &SignOptions::new().signing_time(now),
    )
    .unwrap();
    let report = cms_sign::verify(&p7s, None, &no_path());
    assert_eq!(
        (report.indication, report.sub_indication),
        (
            Indication::Indeterminate,
            Some(SubIndication::OutOfBoundsNoPoe)
        )
    );
    let failure = report.signers[0].first_failure().unwrap();
    assert_eq!(failure.check, Check::CertificateValidity);
    assert!(failure.detail.contains("2020-12-31"), "{}", failure.detail);
    // A claim of having signed while it was valid is only a claim...
    let then: Timestamp = "2020-06-01T00:00:00Z".parse().unwrap();
    let p7s = cms_sign::sign(
        &mut signer,
        b"x",
        false,
        &SignOptions::new().signing_time(then),
    )
    .unwrap();
    assert_eq!(
        cms_sign::verify(&p7s, None, &no_path()).indication,
        Indication::Indeterminate
    );
    // ...but at a validation time within its validity it is fine.
    assert_eq!(
        cms_sign::verify(&p7s, None, &no_path().at(then)).indication,
        Indication::Valid
    );
}

#[test]
fn without_trust_anchors_the_indication_is_indeterminate() {
    let (mut signer, _) = test_pki::physician();
    let p7s = cms_sign::sign(&mut signer, b"x", false, &SignOptions::new()).unwrap();
    let report = cms_sign::verify(&p7s, None, &VerifyOptions::new());
    assert_eq!(report.indication, Indication::Indeterminate);
    assert_eq!(
        report.signers[0].first_failure().unwrap().check,
        Check::CertificatePath
    );
    assert!(report.into_result().is_err());
}

fn test_anchors() -> hpki_cert::TrustStore {
    let mut store = hpki_cert::TrustStore::new();
    store.add_anchor_der(&test_pki::root_der()).unwrap();
    store
}

#[test]
fn path_validates_against_the_callers_anchors_only() {
    let (mut signer, _) = test_pki::physician();
    let p7s = cms_sign::sign(&mut signer, b"x", false, &SignOptions::new()).unwrap();
    let report = cms_sign::verify(
        &p7s,
        None,
        &VerifyOptions::new()
            .trust(test_anchors())
            .crl(test_pki::fresh_root_crl().unwrap()),
    );
    assert_eq!(report.indication, Indication::Valid, "{}", report.to_json());
    // The MHLW root does not issue the test physician.
    let report = cms_sign::verify(
        &p7s,
        None,
        &VerifyOptions::new().trust(hpki_cert::TrustStore::bundled()),
    );
    assert_ne!(report.indication, Indication::Valid);
    assert_eq!(
        report.signers[0].first_failure().unwrap().check,
        Check::CertificatePath
    );
}

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance"]
fn b_t_with_trust_checks_the_tsa_path_too() {
    let tsa = LoopbackTsa::start().unwrap();
    let (mut signer, _) = test_pki::physician();
    let p7s = cms_sign::sign(&mut signer, b"r", true, &SignOptions::new()).unwrap();
    let mut client = HttpTsa::new(tsa.url()).unwrap();
    let bt = cms_sign::add_signature_time_stamps(
        &p7s,
        &mut client,
        &TimeStampOptions::new().trust(test_anchors()),
    )
    .unwrap();
    let report = cms_sign::verify(
        &bt,
        Some(b"r"),
        &VerifyOptions::new()
            .trust(test_anchors())
            .crl(test_pki::fresh_root_crl().unwrap())
            .require_time_stamp(true),
    );
    assert_eq!(report.indication, Indication::Valid, "{}", report.to_json());
    assert_eq!(report.signers[0].level, Level::BT);
}

#[test]
fn garbage_and_wrong_content_placement_are_reported_not_panicked() {
    let r = cms_sign::verify(b"not der", None, &no_path());
    assert_eq!(r.indication, Indication::Invalid);
    assert!(r.error.unwrap().contains("malformed"));
    let (mut signer, _) = test_pki::physician();
    let attached = cms_sign::sign(&mut signer, b"x", false, &SignOptions::new()).unwrap();
    let r = cms_sign::verify(&attached, Some(b"x"), &no_path());
    assert_eq!(r.indication, Indication::Invalid);
    let detached = cms_sign::sign(&mut signer, b"x", true, &SignOptions::new()).unwrap();
    let r = cms_sign::verify(&detached, None, &no_path());
    assert!(r.error.unwrap().contains("detached"));
}

#[test]
fn decodes_with_the_rustcrypto_cms_crate() {
    use der::Decode as _;
    let (mut signer, _) = test_pki::physician();
    let p7s = cms_sign::sign(&mut signer, b"hello", false, &SignOptions::new()).unwrap();
    let ci = cms::content_info::ContentInfo::from_der(&p7s).unwrap();
    let sd: cms::signed_data::SignedData = ci.content.decode_as().unwrap();
    assert_eq!(sd.signer_infos.0.len(), 1);
    assert_eq!(
        sd.signer_infos
            .0
            .get(0)
            .unwrap()
            .signed_attrs
            .as_ref()
            .unwrap()
            .len(),
        4
    );
}

// ---- B-T ----------------------------------------------------------------------

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance"]
fn b_t_token_is_checked_attached_and_verified_by_openssl_ts() {
    let tsa = LoopbackTsa::start().unwrap();
    let (mut signer, _) = test_pki::physician();
    let p7s = cms_sign::sign(&mut signer, b"record", false, &SignOptions::new()).unwrap();
    let mut client = HttpTsa::new(tsa.url()).unwrap();
    let bt = cms_sign::add_signature_time_stamps(
        &p7s,
        &mut client,
        &TimeStampOptions::new().policy(test_pki::TSA_POLICY),
    )
    .unwrap();
    let report = cms_sign::verify(&bt, None, &no_path());
    assert_eq!(report.indication, Indication::Valid, "{}", report.to_json());
    assert_eq!(report.signers[0].level, Level::BT);
    let ts = report.signers[0].time_stamp_time.unwrap();
    assert!((Timestamp::now() - ts).get_seconds().abs() < 120);

    // The token, checked by OpenSSL over the signature value's hash.
    let dir = tempfile::tempdir().unwrap();
    let tokens = cms_sign::signature_time_stamp_tokens(&bt).unwrap();
    assert_eq!(tokens.len(), 1);
    let (signature, token) = (&tokens[0].signature, &tokens[0].token);
    let token_path = write(dir.path(), "token.der", token);
    let sig_path = write(dir.path(), "signature.bin", signature);
    let root = test_pki::write_anchors(dir.path()).unwrap();
    let tsa_pem = pem_cert(dir.path(), "tsa", &test_pki::tsa_der());
    let out = openssl(&[
        "ts",
        "-verify",
        "-token_in",
        "-in",
        &token_path,
        "-data",
        &sig_path,
        "-CAfile",
        root.to_str().unwrap(),
        "-untrusted",
        &tsa_pem,
    ]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Verification: OK"),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // And OpenSSL refuses it over other data.
    let other = write(dir.path(), "other.bin", b"other");
    let out = openssl(&[
        "ts",
        "-verify",
        "-token_in",
        "-in",
        &token_path,
        "-data",
        &other,
        "-CAfile",
        root.to_str().unwrap(),
        "-untrusted",
        &tsa_pem,
    ]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Verification: OK"));
    // B-B checks still pass for OpenSSL cms.
    let out = openssl_cms_verify(dir.path(), &bt, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A source that changes the imprint before the TSA sees it.
struct WrongImprint(HttpTsa);
impl TimeStampSource for WrongImprint {
    fn time_stamp(&mut self, req: &[u8]) -> Result<Vec<u8>, TimeStampError> {
        let mut req = req.to_vec();
        // The 32 imprint bytes follow "04 20" inside MessageImprint.
        let pos = req.windows(2).position(|w| w == [0x04, 0x20]).unwrap();
        req[pos + 2] ^= 0xff;
        self.0.time_stamp(&req)
    }
}

/// A source that replays the first answer it got.
struct Replay(HttpTsa, Option<Vec<u8>>);
impl TimeStampSource for Replay {
    fn time_stamp(&mut self, req: &[u8]) -> Result<Vec<u8>, TimeStampError> {
        if let Some(r) = &self.1 {
            return Ok(r.clone());
        }
        let r = self.0.time_stamp(req)?;
        self.1 = Some(r.clone());
        Ok(r)
    }
}

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance"]
fn time_stamp_over_the_wrong_imprint_is_refused_before_attaching() {
    let tsa = LoopbackTsa::start().unwrap();
    let (mut signer, _) = test_pki::physician();
    let p7s = cms_sign::sign(&mut signer, b"record", false, &SignOptions::new()).unwrap();
    let mut wrong = WrongImprint(HttpTsa::new(tsa.url()).unwrap());
    let err = cms_sign::add_signature_time_stamps(&p7s, &mut wrong, &TimeStampOptions::new())
        .unwrap_err();
    assert!(
        matches!(err, Error::TimeStamp(TimeStampError::ImprintMismatch)),
        "{err:?}"
    );
}

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance"]
fn a_token_moved_to_another_signature_fails_verification() {
    let tsa = LoopbackTsa::start().unwrap();
    let (mut signer, _) = test_pki::physician();
    let mut client = HttpTsa::new(tsa.url()).unwrap();
    let a = cms_sign::sign(&mut signer, b"one", false, &SignOptions::new()).unwrap();
    let b = cms_sign::sign(&mut signer, b"two", false, &SignOptions::new()).unwrap();
    let a_bt =
        cms_sign::add_signature_time_stamps(&a, &mut client, &TimeStampOptions::new()).unwrap();
    let token = cms_sign::signature_time_stamp_tokens(&a_bt)
        .unwrap()
        .remove(0)
        .token;
    let b_with_a_token = test_pki::attach_token_unchecked(&b, 0, &token).unwrap();
    let report = cms_sign::verify(&b_with_a_token, None, &no_path());
    assert_eq!(report.indication, Indication::Invalid);
    let failure = report.signers[0].first_failure().unwrap();
    assert_eq!(failure.check, Check::TimeStamp);
    assert!(failure.detail.contains("imprint"), "{}", failure.detail);
}

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance"]
fn replayed_token_fails_the_nonce_check() {
    let tsa = LoopbackTsa::start().unwrap();
    let mut replay = Replay(HttpTsa::new(tsa.url()).unwrap(), None);
    let opts = TimeStampOptions::new();
    cms_sign::request_time_stamp(&mut replay, b"same data", &opts).unwrap();
    let err = cms_sign::request_time_stamp(&mut replay, b"same data", &opts).unwrap_err();
    assert!(
        matches!(err, Error::TimeStamp(TimeStampError::NonceMismatch)),
        "{err:?}"
    );
}

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance"]
fn policies_are_requested_and_unknown_ones_rejected_by_the_tsa() {
    let tsa = LoopbackTsa::start().unwrap();
    let mut client = HttpTsa::new(tsa.url()).unwrap();
    let (_, info) = cms_sign::request_time_stamp(
        &mut client,
        b"data",
        &TimeStampOptions::new().policy(test_pki::TSA_OTHER_POLICY),
    )
    .unwrap();
    assert_eq!(info.policy, test_pki::TSA_OTHER_POLICY);
    assert_eq!(info.tsa.as_deref(), Some("medsign Test TSA"));
    let err = cms_sign::request_time_stamp(
        &mut client,
        b"data",
        &TimeStampOptions::new().policy("2.999.9.9"),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::TimeStamp(TimeStampError::Rejected { .. })),
        "{err:?}"
    );
}

/// A source whose tokens carry the real TSA's TSTInfo re-signed (by `openssl cms`)
/// with a TSA certificate whose timeStamping EKU is not critical.
struct NonCriticalEkuTsa(HttpTsa, tempfile::TempDir);
impl TimeStampSource for NonCriticalEkuTsa {
    fn time_stamp(&mut self, req: &[u8]) -> Result<Vec<u8>, TimeStampError> {
        let resp = self.0.time_stamp(req)?;
        let dir = self.1.path();
        let resp_path = write(dir, "resp.der", &resp);
        let token = dir.join("token.der").to_str().unwrap().to_string();
        let tst = dir.join("tst.der").to_str().unwrap().to_string();
        let resigned = dir.join("resigned.der").to_str().unwrap().to_string();
        let testdata = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata");
        let cert = pem_cert(
            dir,
            "noncrit",
            &std::fs::read(format!("{testdata}/tsa-noncritical.der")).unwrap(),
        );
        let key = format!("{testdata}/tsa-key.pem");
        for args in [
            vec![
                "ts",
                "-reply",
                "-in",
                &resp_path,
                "-token_out",
                "-out",
                &token,
            ],
            vec![
                "cms",
                "-verify",
                "-noverify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                &token,
                "-out",
                &tst,
            ],
            vec![
                "cms",
                "-sign",
                "-binary",
                "-nodetach",
                "-cades",
                "-econtent_type",
                "1.2.840.113549.1.9.16.1.4",
                "-in",
                &tst,
                "-signer",
                &cert,
                "-inkey",
                &key,
                "-outform",
                "DER",
                "-out",
                &resigned,
            ],
        ] {
            let out = openssl(&args);
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let token = std::fs::read(&resigned).unwrap();
        // TimeStampResp { PKIStatusInfo { granted }, token }.
        let mut body = vec![0x30, 0x03, 0x02, 0x01, 0x00];
        body.extend_from_slice(&token);
        let mut out = vec![0x30, 0x82, (body.len() >> 8) as u8, body.len() as u8];
        out.extend_from_slice(&body);
        Ok(out)
    }
}

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance"]
fn tsa_without_critical_time_stamping_eku_is_refused() {
    let tsa = LoopbackTsa::start().unwrap();
    let mut source = NonCriticalEkuTsa(
        HttpTsa::new(tsa.url()).unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let err =
        cms_sign::request_time_stamp(&mut source, b"data", &TimeStampOptions::new()).unwrap_err();
    match err {
        Error::TimeStamp(TimeStampError::InvalidToken(m)) => assert!(m.contains("critical"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn required_time_stamp_missing_is_invalid() {
    let (mut signer, _): (SoftwareSigner, _) = test_pki::physician();
    let p7s = cms_sign::sign(&mut signer, b"x", false, &SignOptions::new()).unwrap();
    let report = cms_sign::verify(&p7s, None, &no_path().require_time_stamp(true));
    assert_eq!(report.indication, Indication::Invalid);
    let f = report.signers[0].first_failure().unwrap();
    assert_eq!(
        (f.check, f.indication, f.sub_indication),
        (
            Check::TimeStamp,
            Some(Indication::Invalid),
            Some(SubIndication::FormatFailure)
        )
    );
}

#[test]
fn unreachable_tsa_is_an_http_error() {
    // Port 9 (discard) on loopback: nothing listens in the test environment.
    let mut client = HttpTsa::new("http://127.0.0.1:9/tsa").unwrap();
    let err =
        cms_sign::request_time_stamp(&mut client, b"d", &TimeStampOptions::new()).unwrap_err();
    assert!(
        matches!(err, Error::TimeStamp(TimeStampError::Http(_))),
        "{err:?}"
    );
}
