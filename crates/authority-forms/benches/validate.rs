//! `forms/validate_full`: a complete application with three 4 MB attachments (photo,
//! ID, licence), validated against the guide's rule set. Attachments are checked by
//! header only, so the cost must not grow with their size; `forms/validate_small`
//! (the same application with the small sample attachments) is the peer that shows it.

use authority_forms::{Application, Attachment, RuleSet, validate, validate_normalized};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const SAMPLE: &str = include_str!("../examples/sample-application.json");
const JPEG: &[u8] = include_bytes!("../tests/data/photo-413x531.jpg");

fn four_mb_jpeg(limit: usize) -> Vec<u8> {
    // A real JPEG header followed by filler up to the limit: the validator must not
    // read past the frame header.
    let mut bytes = JPEG.to_vec();
    bytes.resize(limit, 0x5A);
    bytes
}

fn bench(c: &mut Criterion) {
    let (Ok(rules), Ok(small)) = (
        RuleSet::guide_2024_06(),
        serde_json::from_str::<Application>(SAMPLE),
    ) else {
        eprintln!("the built-in rule set or the sample does not load");
        return;
    };
    let limit = usize::try_from(rules.limits.max_file_bytes).unwrap_or(4 << 20);
    let mut full = small.clone();
    let big = four_mb_jpeg(limit);
    full.attachments.photo.file = Attachment::new("photo.jpg", big.clone());
    full.attachments.id_document.file = Attachment::new("id.jpg", big.clone());
    full.attachments.licence.front = Attachment::new("licence.jpg", big);
    if !validate(&full, &rules).valid {
        eprintln!("the benchmark application is not valid");
        return;
    }
    let mut normalized = full.clone();
    normalized.normalize();

    let mut group = c.benchmark_group("forms");
    group.bench_function("validate_full", |b| {
        b.iter(|| validate(black_box(&full), &rules))
    });
    group.bench_function("validate_small", |b| {
        b.iter(|| validate(black_box(&small), &rules))
    });
    group.bench_function("validate_normalized_full", |b| {
        b.iter(|| validate_normalized(black_box(&normalized), &rules))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
