//! `verify_prescription`: the real sample, every check, fixed time.
//! `sign_prescription_host`: building and signing a prescription with a signer that
//! returns a precomputed signature (the host's own cost, without the card).
//! `c14n_signed_info`/`parse_sample`: parts of the verification cost.
//! `limits_prescan_*`: the linear pre-scan of [`Limits`]; `worst_within_limits/*`: the
//! parser, c14n and verifier on the worst documents the default limits let through.

use std::hint::black_box;

use cert_signer::{CertSigner, DigestAlgorithm, SignError};
use criterion::{Criterion, criterion_group, criterion_main};
use xades_sign::{
    C14nMethod, Indication, Limits, Prescription, SignOptions, SignatureIds, TrustStore, Verifier,
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

/// Elements of 64 attributes each, up to `max` bytes.
fn worst_attributes(max: usize) -> Vec<u8> {
    let mut element = String::from("<e");
    for i in 0..64 {
        element.push_str(&format!(" a{i}=\"\""));
    }
    element.push_str("/>");
    let mut doc = String::from("<r>");
    while doc.len() + element.len() + 4 < max {
        doc.push_str(&element);
    }
    doc.push_str("</r>");
    doc.into_bytes()
}

/// 16 nested elements declaring 32 prefixes each (512 in scope), then 512 children
/// that each redeclare one: the total limit (1024) spent for the most copying.
fn worst_namespaces() -> Vec<u8> {
    let mut doc = String::new();
    for level in 0..16 {
        doc.push_str("<n");
        for i in 0..32 {
            doc.push_str(&format!(" xmlns:p{level}x{i}=\"urn:{level}:{i}\""));
        }
        doc.push('>');
    }
    for i in 0..512 {
        doc.push_str(&format!(
            "<c xmlns:p0x{}=\"urn:other\"><p0x{}:d/></c>",
            i % 32,
            i % 32
        ));
    }
    for _ in 0..16 {
        doc.push_str("</n>");
    }
    doc.into_bytes()
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
    // Issue 16: the linear pre-scan of the limits, on the sample and on a 4 MiB
    // document at the attribute limit; and the parser and c14n on the worst documents
    // the default limits let through (every element at 64 attributes; 512 namespace
    // bindings in scope and 512 children that each redeclare one, roxmltree copying
    // the scope for each).
    let limits = Limits::default();
    c.bench_function("limits_prescan_sample", |b| {
        b.iter(|| limits.check(black_box(&sample)))
    });
    let attributes = worst_attributes(limits.max_bytes);
    c.bench_function("limits_prescan_4mib_attributes", |b| {
        b.iter(|| limits.check(black_box(&attributes)))
    });
    let mut slow = c.benchmark_group("worst_within_limits");
    slow.sample_size(10);
    slow.bench_function("parse_c14n_4mib_attributes", |b| {
        b.iter(|| xades_sign::canonicalize(black_box(&attributes), None, &C14nMethod::Inclusive))
    });
    let namespaces = worst_namespaces();
    slow.bench_function("parse_c14n_namespaces", |b| {
        b.iter(|| xades_sign::canonicalize(black_box(&namespaces), None, &C14nMethod::Inclusive))
    });
    slow.bench_function("verify_4mib_attributes", |b| {
        b.iter(|| verifier.verify(black_box(&attributes)))
    });
    slow.finish();
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
