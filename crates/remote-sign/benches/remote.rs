//! `remote/batch_100`: 100 prescriptions signed remotely with one authorization and one
//! `signHash` round trip against the in-process platform, per-prescription cost and
//! round trips per batch. `remote/prepare_100` is the client's share (building the
//! documents and their digests), the rest is loopback HTTP and the platform's 100
//! RSA-2048 signatures.

use std::hint::black_box;

use cert_signer::{CertSigner, SoftwareSigner};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use remote_sign::{Authenticator, RemoteClient, RemoteSigner};
use sign_platform_sim::{IssueRequest, Platform};
use xades_sign::{
    PreparedDocument, Prescription, SignOptions, prepare_prescription, sign_prepared,
};

const BATCH: usize = 100;

fn prepare(cert: &[u8], opts: &SignOptions) -> Vec<PreparedDocument> {
    (0..BATCH)
        .filter_map(|i| {
            let csv = format!(
                "SJ1\n1,1,8000010,99,テスト病院\n5,{:016},ﾃｽﾄ,医者\u{3000}太郎\n",
                i + 1
            );
            prepare_prescription(&Prescription::new(csv), cert, opts).ok()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let Ok(pki) = card_sim::JpkiTestPki::generate(&card_sim::TestHolder::iryo_taro()) else {
        eprintln!("remote/batch_100: the JPKI test PKI did not build");
        return;
    };
    let Ok(platform) = Platform::open(None) else {
        eprintln!("remote/batch_100: the platform did not open");
        return;
    };
    let Ok(server) = platform.serve("127.0.0.1:0") else {
        eprintln!("remote/batch_100: the platform could not serve");
        return;
    };
    let issued = platform.issue_second_certificate(&IssueRequest {
        person_id: "P-0001".into(),
        name_kanji: "医療\u{3000}太郎".into(),
        name_romaji: "IRYO Taro".into(),
        qualification: hpki_cert::Qualification::MedicalDoctor,
        authority: "JMA".into(),
        jpki_auth_certificate_der: Some(pki.auth_cert_der().to_vec()),
        now: jiff::Timestamp::now(),
    });
    if issued.is_err() {
        eprintln!("remote/batch_100: issuing failed");
        return;
    }
    let card = SoftwareSigner::new(pki.auth_key().clone(), pki.auth_cert_der().to_vec());
    let Ok(mut signer) = RemoteSigner::connect(
        RemoteClient::new(&server.base_url()),
        Authenticator::MyNumberCard(Box::new(card)),
    ) else {
        eprintln!("remote/batch_100: login failed");
        return;
    };
    let cert = signer.certificate_der().to_vec();
    let opts = SignOptions::now();

    // Round trips of one batch, counted by the client and by the server.
    let (client_before, server_before) =
        (signer.client().round_trips(), platform.requests_served());
    match sign_prepared(&mut signer, prepare(&cert, &opts)) {
        Ok(docs) => eprintln!(
            "remote/batch_100: {} documents, {} client round trips, {} server requests per batch; {} login(s)",
            docs.len(),
            signer.client().round_trips() - client_before,
            platform.requests_served() - server_before,
            signer.client().logins()
        ),
        Err(e) => {
            eprintln!("remote/batch_100: signing failed: {e}");
            return;
        }
    }

    let mut group = c.benchmark_group("remote");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("batch_100", |b| {
        b.iter(|| black_box(sign_prepared(&mut signer, prepare(&cert, &opts)).map(|d| d.len())))
    });
    group.bench_function("prepare_100", |b| {
        b.iter(|| black_box(prepare(&cert, &opts).len()))
    });
    group.finish();
    server.stop();
}

criterion_group!(benches, bench);
criterion_main!(benches);
