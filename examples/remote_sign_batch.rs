//! Signs a batch of prescriptions with the HPKI second certificate, remotely.
//!
//! ```text
//! cargo run --release --example remote_sign_batch -- --count 100 --out DIR
//! ```
//!
//! Starts the platform stand-in (`sign-platform-sim`) in process, issues a second
//! certificate to a test physician whose virtual My Number Card (`card-sim` through
//! `jpki-card`, user-authentication PIN `1234`) is bound at issuing, logs in once with
//! that card, signs `--count` prescriptions with one `credentials/authorize` and one
//! `signatures/signHash` round trip (`xades_sign::sign_prepared`), and writes
//! `DIR/NNNN.xml`. Every document is then verified with its revocation status checked
//! at the test PKI's CRL endpoint (`sign_platform_sim::CrlServer`, started beside the
//! platform); the test trust anchor, the CA and the CRLs fetched are written to
//! `DIR/trust/`, so the batch verifies again offline, revocation still checked:
//!
//! ```text
//! cargo run -p medsign-cli -- rx verify --no-bundled-trust --trust DIR/trust --offline DIR/*.xml
//! ```

use std::{path::PathBuf, process::ExitCode, sync::Arc, time::Instant};

use cert_signer::CertSigner;
use hpki_cert::CrlSource as _;
use jpki_card::{AuthPin, Certificate, JpkiCard, LastTry};
use remote_sign::{Authenticator, RemoteClient, RemoteSigner};
use sign_platform_sim::{CrlServer, IssueRequest, Platform};
use xades_sign::{
    Indication, Prescription, SignOptions, TrustStore, Verifier, prepare_prescription,
    sign_prepared,
};

fn usage(msg: &str) -> ExitCode {
    eprintln!("{msg}\nusage: remote_sign_batch --count N --out DIR");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("remote_sign_batch: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let mut count: usize = 100;
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--count" => count = value()?.parse()?,
            "--out" => out = Some(PathBuf::from(value()?)),
            "-h" | "--help" => return Ok(usage("sign prescriptions remotely")),
            _ => return Ok(usage(&format!("unknown argument {arg}"))),
        }
    }
    let Some(out) = out else {
        return Ok(usage("--out DIR is required"));
    };
    if count == 0 {
        return Ok(usage("--count must be at least 1"));
    }

    // The physician's virtual My Number Card.
    let reader = card_sim::InProcess::new(card_sim::MyNumberCard::new()?);
    let mut card = JpkiCard::open(reader)?;
    let jpki_auth_cert = card.certificate(Certificate::Auth)?.to_vec();

    // The platform, and the second certificate the authority's approval issues.
    let platform = Platform::open(None)?;
    let server = platform.serve("127.0.0.1:0")?;
    let issued = platform.issue_second_certificate(&IssueRequest {
        person_id: "P-0001".into(),
        name_kanji: "医療\u{3000}太郎".into(),
        name_romaji: "IRYO Taro".into(),
        qualification: hpki_cert::Qualification::MedicalDoctor,
        authority: "JMA".into(),
        jpki_auth_certificate_der: Some(jpki_auth_cert),
        now: jiff::Timestamp::now(),
    })?;
    eprintln!(
        "issued credential {} to {}",
        issued.credential_id, issued.person_id
    );

    // One login with the card's user-authentication key.
    let t0 = Instant::now();
    let auth = card.signer(AuthPin::new("1234")?, LastTry::Refuse)?;
    let client = RemoteClient::new(&server.base_url());
    let mut signer = RemoteSigner::connect(client, Authenticator::MyNumberCard(Box::new(auth)))?;
    let login_trips = signer.client().round_trips();

    // Every prescription prepared, then one authorize + one signHash for all of them.
    let opts = SignOptions::now();
    let prepared = (0..count)
        .map(|i| {
            let csv = format!(
                "SJ1\n1,1,8000010,99,テスト病院\n5,{:016},ﾃｽﾄ,医者\u{3000}太郎\n",
                i + 1
            );
            prepare_prescription(&Prescription::new(csv), signer.certificate_der(), &opts)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let documents = sign_prepared(&mut signer, prepared)?;
    let sign_trips = signer.client().round_trips() - login_trips;
    let elapsed = t0.elapsed();

    std::fs::create_dir_all(&out)?;
    for (i, doc) in documents.iter().enumerate() {
        std::fs::write(out.join(format!("{:04}.xml", i + 1)), doc)?;
    }

    // Verification with revocation checked: the CRLs of the test CAs, served on
    // loopback on the platform's clock, reached through the certificates' distribution
    // points (http://crl.medsign.invalid/… mapped to the local endpoint).
    let crl_server = CrlServer::start_with_clock("127.0.0.1:0", platform.clock().clone())?;
    let crls = Arc::new(crl_server.crl_source()?);
    let mut anchors = TrustStore::new();
    anchors.add_anchor_der(&platform.trust_anchor_der())?;
    for ca in signer.chain_der() {
        anchors.add_intermediate_der(&ca)?;
    }
    let verifier = Verifier::new(anchors).with_crl_source(crls.clone());
    let mut valid = 0;
    for (i, doc) in documents.iter().enumerate() {
        let report = verifier.verify(doc);
        if report.status != Indication::Valid {
            eprintln!("{}", report.to_json(&format!("{:04}.xml", i + 1)));
            return Err(format!("document {} is {}", i + 1, report.status).into());
        }
        valid += 1;
    }

    // The trust folder: the anchor, the CA, and the CRLs that gave the status.
    let trust = out.join("trust");
    std::fs::create_dir_all(&trust)?;
    std::fs::write(
        trust.join("test-hpki-root.der"),
        platform.trust_anchor_der(),
    )?;
    let mut crl_files = 0;
    let mut path = vec![signer.certificate_der().to_vec()];
    path.extend(signer.chain_der().iter().cloned());
    for (i, ca) in signer.chain_der().iter().enumerate() {
        std::fs::write(trust.join(format!("test-hpki-ca-{i}.der")), ca)?;
    }
    for cert in &path {
        let cert = hpki_cert::Certificate::from_der(cert)?;
        let answer = crls.crls_for(&cert);
        if let Some(e) = answer.errors.first() {
            return Err(format!("no CRL for {}: {e}", cert.subject()).into());
        }
        for crl in answer.crls {
            crl_files += 1;
            std::fs::write(trust.join(format!("test-{crl_files}.crl")), &crl)?;
        }
    }
    println!(
        "{}",
        serde_json::json!({
            "documents": documents.len(),
            "verified_valid": valid,
            "revocation": "checked",
            "crl_endpoint": crl_server.base_url(),
            "crl_files": crl_files,
            "logins": signer.client().logins(),
            "login_round_trips": login_trips,
            "signing_round_trips": sign_trips,
            "server_requests": platform.requests_served(),
            "elapsed_ms": elapsed.as_millis() as u64,
            "out": out.display().to_string(),
        })
    );
    crl_server.stop();
    server.stop();
    Ok(ExitCode::SUCCESS)
}
