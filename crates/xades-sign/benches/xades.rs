//! `verify_prescription`: the real sample, every check, fixed time.
//! `sign_prescription_host`: building and signing a prescription with a signer that
//! returns a precomputed signature (the host's own cost, without the card).
//! `c14n_signed_info`/`parse_sample`: parts of the verification cost.

use std::hint::black_box;

use cert_signer::{CertSigner, DigestAlgorithm, SignError};
use criterion::{Criterion, criterion_group, criterion_main};
use xades_sign::{
    C14nMethod, Indication, Prescription, SignOptions, SignatureIds, TrustStore, Verifier,
};

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/eprescription/prescription-004_01.xml"
);
const TRUST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/trust");

struct Precomputed {
    cert: Vec<u8>,
    signature: Vec<u8>,
}

impl CertSigner for Precomputed {
    fn certificate_der(&self) -> &[u8] {
        &self.cert
    }
    fn sign_digest(&mut self, _: DigestAlgorithm, _: &[u8]) -> Result<Vec<u8>, SignError> {
        Ok(self.signature.clone())
    }
}

fn verifier_anchors(dir: &str) -> Vec<hpki_cert::Certificate> {
    TrustStore::from_dir(std::path::Path::new(dir))
        .map(|t| t.anchors().cloned().collect())
        .unwrap_or_default()
}

fn benches(c: &mut Criterion) {
    // The fixtures are part of the repository: a missing one is a broken checkout.
    #[allow(clippy::expect_used)]
    let sample = std::fs::read(SAMPLE).expect("fixtures/eprescription/prescription-004_01.xml");
    #[allow(clippy::expect_used)]
    let trust = TrustStore::from_dir(std::path::Path::new(TRUST)).expect("fixtures/trust");
    let Ok(at) = "2024-01-01T00:00:00Z".parse() else {
        return;
    };
    // Revocation is checked from the sample's embedded CRLs (the default policy).
    let verifier = Verifier::new(trust).at(at);
    let report = verifier.verify(&sample);
    assert_eq!(report.status, Indication::Valid, "{report:#?}");
    // A batch: one verifier (and trust store) for every document, as a vendor keeps
    // it; the CA/TSA certificates and CRLs the documents share are parsed and their
    // signatures verified once (every check still runs for every document).
    c.bench_function("verify_prescription", |b| {
        b.iter(|| verifier.verify(black_box(&sample)))
    });
    // The first document of a batch: a fresh trust store, nothing remembered.
    let anchors: Vec<hpki_cert::Certificate> = verifier_anchors(TRUST);
    c.bench_function("verify_prescription_cold", |b| {
        b.iter(|| {
            let mut fresh = TrustStore::new();
            for a in &anchors {
                fresh.add_anchor(a.clone());
            }
            Verifier::new(fresh).at(at).verify(black_box(&sample))
        })
    });
    c.bench_function("c14n_signed_info", |b| {
        b.iter(|| {
            xades_sign::canonicalize(
                black_box(&sample),
                Some("id898cfb77-SignedInfo"),
                &C14nMethod::exclusive(),
            )
        })
    });

    let Ok(pki) = hpki_cert::testpki::TestPki::new() else {
        return;
    };
    let cert = pki.physician().cert_der().to_vec();
    let Ok(spki) = hpki_cert::Certificate::from_der(&cert).map(|c| c.spki_der().to_vec()) else {
        return;
    };
    let digest = DigestAlgorithm::Sha256.hash(b"bench");
    let Ok(sig) = pki
        .physician()
        .signer()
        .sign_digest(DigestAlgorithm::Sha256, &digest)
    else {
        return;
    };
    c.bench_function("rsa2048_verify_hpki_cert", |b| {
        b.iter(|| {
            hpki_cert::verify_rsa_pkcs1(black_box(&spki), DigestAlgorithm::Sha256, &digest, &sig)
        })
    });
    {
        use rsa::pkcs8::DecodePublicKey as _;
        let Ok(key) = rsa::PublicKey::from_public_key_der(&spki) else {
            return;
        };
        c.bench_function("rsa2048_verify_parsed_key", |b| {
            b.iter(|| {
                key.verify(
                    rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    black_box(&digest),
                    &sig,
                )
            })
        });
        c.bench_function("rsa2048_parse_key", |b| {
            b.iter(|| rsa::PublicKey::from_public_key_der(black_box(&spki)))
        });
    }
    c.bench_function("parse_sample", |b| {
        b.iter(|| xades_sign::canonicalize(black_box(b"<a/>"), None, &C14nMethod::Inclusive))
    });
    let mut signer = Precomputed {
        cert,
        signature: vec![0x5a; 256],
    };
    let csv = String::from_utf8_lossy(include_bytes!("../tests/data/sample-prescription.csv"))
        .into_owned();
    let Ok(ids) = SignatureIds::from_tag("idbench01") else {
        return;
    };
    let opts = SignOptions {
        signing_time: at,
        ids,
    };
    let prescription = Prescription::new(csv);
    c.bench_function("sign_prescription_host", |b| {
        b.iter(|| xades_sign::sign_prescription(black_box(&prescription), &mut signer, &opts))
    });
}

criterion_group!(xades, benches);
criterion_main!(xades);
