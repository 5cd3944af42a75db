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
//! `DIR/NNNN.xml` and the test trust anchors to `DIR/trust/`. Then:
//!
//! ```text
//! cargo run --release --example verify_prescription -- --trust DIR/trust DIR/*.xml
//! ```

use std::{path::PathBuf, process::ExitCode, time::Instant};

use cert_signer::CertSigner;
use jpki_card::{AuthPin, Certificate, JpkiCard, LastTry};
use remote_sign::{Authenticator, RemoteClient, RemoteSigner};
use sign_platform_sim::{IssueRequest, Platform};
use xades_sign::{Prescription, SignOptions, prepare_prescription, sign_prepared};

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
    let trust = out.join("trust");
    std::fs::create_dir_all(&trust)?;
    std::fs::write(
        trust.join("test-hpki-root.der"),
        platform.trust_anchor_der(),
    )?;
    for (i, ca) in signer.chain_der().iter().enumerate() {
        std::fs::write(trust.join(format!("test-hpki-ca-{i}.der")), ca)?;
    }
    println!(
        "{}",
        serde_json::json!({
            "documents": documents.len(),
            "logins": signer.client().logins(),
            "login_round_trips": login_trips,
            "signing_round_trips": sign_trips,
            "server_requests": platform.requests_served(),
            "elapsed_ms": elapsed.as_millis() as u64,
            "out": out.display().to_string(),
        })
    );
    server.stop();
    Ok(ExitCode::SUCCESS)
}
