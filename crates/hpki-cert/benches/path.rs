//! Path validation of a test physician's certificate: from DER (parse every time) and
//! from an already parsed `Certificate` (the fast path), plus the hcRole parser.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hpki_cert::{
    Certificate, HcRole, PathOptions, Qualification, testpki, validate_certificate_path,
    validate_path,
};

fn bench(c: &mut Criterion) {
    let Ok(pki) = testpki::TestPki::new() else {
        return;
    };
    let store = pki.trust_store();
    let doctor = pki.physician();
    let opts = PathOptions::hpki_signature(testpki::valid_time());
    c.bench_function("validate_path (DER in)", |b| {
        b.iter(|| validate_path(black_box(doctor.cert_der()), &[], &store, &opts))
    });
    if let Ok(parsed) = Certificate::from_der(doctor.cert_der()) {
        c.bench_function("validate_certificate_path (parsed once)", |b| {
            b.iter(|| validate_certificate_path(black_box(&parsed), &[], &store, &opts))
        });
    }
    c.bench_function("Certificate::from_der", |b| {
        b.iter(|| Certificate::from_der(black_box(doctor.cert_der())))
    });
    if let Ok(der) = HcRole::new(Qualification::MedicalDoctor).to_der() {
        c.bench_function("HcRole::parse", |b| {
            b.iter(|| HcRole::parse(black_box(&der)))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
