//! One signature through a virtual HPKI card in process: the host side's APDU work
//! (SELECTs, VERIFY, MSE, PSO / 80 2A, the check against the
//! certificate) plus the card's RSA-2048 private-key operation, for each variant and
//! framing. The software signer is the peer: the same RSA operation without a card.
//!
//! `cargo bench -p hpki-card --bench sign`

use std::hint::black_box;

use card_sim::{HpkiHolder, HpkiSignSupport, InProcess, VirtualHpkiCard};
use cert_signer::{CertSigner, DigestAlgorithm, SoftwareSigner};
use criterion::{Criterion, criterion_group, criterion_main};
use hpki_card::{App, HpkiCard, HpkiSigner, LastTry, Pin, Profile};

fn signer(
    support: HpkiSignSupport,
    extended: bool,
) -> Option<HpkiSigner<'static, InProcess<VirtualHpkiCard>>> {
    let card = VirtualHpkiCard::test_card(HpkiHolder::Physician)
        .ok()?
        .with_sign_support(support)
        .with_extended_length(extended);
    let hpki =
        HpkiCard::open_with_profile(InProcess::new(card), App::Signing, Profile::Jma).ok()?;
    hpki.into_signer(Pin::new("1234").ok()?, LastTry::Refuse)
        .ok()
}

fn bench(c: &mut Criterion) {
    let digest = DigestAlgorithm::Sha256.hash(b"<Prescription/>");
    let mut group = c.benchmark_group("hpki_sign");
    group.sample_size(20);
    for (name, support, extended) in [
        ("jpki_style_80_2A", HpkiSignSupport::JpkiStyleOnly, true),
        ("jahis_pso_extended", HpkiSignSupport::JahisPsoOnly, true),
        ("jahis_pso_chained", HpkiSignSupport::JahisPsoOnly, false),
    ] {
        let Some(mut s) = signer(support, extended) else {
            eprintln!("could not build the virtual card");
            return;
        };
        group.bench_function(name, |b| {
            b.iter(|| black_box(s.sign_digest(DigestAlgorithm::Sha256, &digest).ok()))
        });
    }
    let Ok(card) = VirtualHpkiCard::test_card(HpkiHolder::Physician) else {
        return;
    };
    let mut software = SoftwareSigner::new(
        cert_signer::test_key(),
        card.signing_key().certificate_der().to_vec(),
    );
    group.bench_function("software_signer_peer", |b| {
        b.iter(|| black_box(software.sign_digest(DigestAlgorithm::Sha256, &digest).ok()))
    });
    // A fresh session each time over the same card: SELECT AP, SELECT EF, READ BINARYs.
    let mut reader = InProcess::new(card);
    group.bench_function("open_and_read_certificate", |b| {
        b.iter(|| {
            let mut hpki =
                HpkiCard::open_with_profile(&mut reader, App::Signing, Profile::Jma).ok()?;
            hpki.read_certificate().ok().map(<[u8]>::len)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
