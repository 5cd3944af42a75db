//! Path validation of a test physician's certificate (with the CRLs of its CA and the
//! root): from DER without a cache (parse and verify every time), from DER with a
//! `VerificationCache` (a batch verifier), and from an already parsed `Certificate`;
//! plus the parsers.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hpki_cert::{
    Certificate, Crl, HcRole, PathOptions, Qualification, VerificationCache, testpki,
    validate_certificate_path, validate_path,
};

fn bench(c: &mut Criterion) {
    let Ok(pki) = testpki::TestPki::new() else {
        return;
    };
    let store = pki.trust_store();
    let doctor = pki.physician();
    let (Ok(issued), Ok(next)) = (
        "2024-12-01T00:00:00Z".parse(),
        "2025-02-01T00:00:00Z".parse(),
    ) else {
        return;
    };
    let crls: Vec<Vec<u8>> = [pki.hpki_root(), pki.hpki_sign_ca()]
        .into_iter()
        .filter_map(|ca| testpki::TestPki::issue_crl(ca, &[], issued, next, 1).ok())
        .collect();
    let opts = PathOptions::hpki_signature(testpki::valid_time()).with_crls(crls.clone());
    c.bench_function("validate_path (DER in, no cache)", |b| {
        b.iter(|| validate_path(black_box(doctor.cert_der()), &[], &store, &opts))
    });
    let cached = opts.clone().with_cache(VerificationCache::new());
    c.bench_function("validate_path (DER in, VerificationCache)", |b| {
        b.iter(|| validate_path(black_box(doctor.cert_der()), &[], &store, &cached))
    });
    if let Ok(parsed) = Certificate::from_der(doctor.cert_der()) {
        c.bench_function("validate_certificate_path (parsed once, cache)", |b| {
            b.iter(|| validate_certificate_path(black_box(&parsed), &[], &store, &cached))
        });
    }
    c.bench_function("Certificate::from_der", |b| {
        b.iter(|| Certificate::from_der(black_box(doctor.cert_der())))
    });
    if let Some(crl) = crls.first() {
        c.bench_function("Crl::from_der", |b| {
            b.iter(|| Crl::from_der(black_box(crl)))
        });
    }
    if let Ok(der) = HcRole::new(Qualification::MedicalDoctor).to_der() {
        c.bench_function("HcRole::parse", |b| {
            b.iter(|| HcRole::parse(black_box(&der)))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
