//! hpki-card against the virtual HPKI cards of card-sim: both layouts, both signing
//! variants, extended length and chaining, the PIN rules, and APDU counts pinned with a
//! trace. Signatures are checked with the RustCrypto `rsa` verifier against the
//! certificate's key, not only with ourselves; the tests that check them with `openssl`
//! too are `#[ignore]`d (`scripts/conformance` runs them, part `35-hpki-card`).

// Test helpers outside #[test] functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;
use std::process::Command as Process;

use apdu::{Trace, TraceTransport, Transport};
use card_sim::{
    HpkiHolder, HpkiKey, HpkiProfile, HpkiSignSupport, InProcess, MinimalCard, VirtualHpkiCard,
};
use cert_signer::{CertSigner, DigestAlgorithm};
use hpki_card::{App, Error, HpkiCard, LastTry, Pin, PinError, PinStatus, Profile, SignVariant};

type Traced = TraceTransport<InProcess<VirtualHpkiCard>>;

fn card(holder: HpkiHolder) -> VirtualHpkiCard {
    VirtualHpkiCard::test_card(holder).unwrap()
}

fn traced(card: VirtualHpkiCard) -> Traced {
    TraceTransport::new(InProcess::new(card))
}

fn pin() -> Pin {
    Pin::new("1234").unwrap()
}

/// VERIFY commands that carried a PIN (not the counter queries).
fn pin_presentations(trace: &Trace) -> usize {
    trace
        .exchanges
        .iter()
        .filter(|e| e.ins() == Some(0x20) && e.command.len() > 4)
        .count()
}

fn counter_queries(trace: &Trace) -> usize {
    trace
        .exchanges
        .iter()
        .filter(|e| e.ins() == Some(0x20) && e.command.len() == 4)
        .count()
}

/// Verifies `signature` over the SHA-256 `digest` (RSASSA-PKCS1-v1_5) with the RustCrypto
/// `rsa` verifier and the certificate's public key.
fn rsa_verifies(cert_der: &[u8], digest: &[u8], signature: &[u8]) -> bool {
    public_key(cert_der)
        .verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), digest, signature)
        .is_ok()
}

/// Verifies `signature` over `message` (RSASSA-PKCS1-v1_5, SHA-256) with openssl and the
/// certificate's public key.
fn openssl_verifies(cert_der: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    std::fs::write(p("cert.der"), cert_der).unwrap();
    std::fs::write(p("msg"), message).unwrap();
    std::fs::write(p("sig"), signature).unwrap();
    let pubkey = Process::new("openssl")
        .args(["x509", "-inform", "DER", "-pubkey", "-noout", "-in"])
        .arg(p("cert.der"))
        .output()
        .expect("openssl is installed");
    assert!(
        pubkey.status.success(),
        "{}",
        String::from_utf8_lossy(&pubkey.stderr)
    );
    std::fs::write(p("pub.pem"), &pubkey.stdout).unwrap();
    let out = Process::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(p("pub.pem"))
        .arg("-signature")
        .arg(p("sig"))
        .arg(p("msg"))
        .output()
        .unwrap();
    out.status.success() && String::from_utf8_lossy(&out.stdout).contains("Verified OK")
}

fn openssl_pkeyutl_verifies(dir: &Path, cert_der: &[u8], digest: &[u8], signature: &[u8]) -> bool {
    let p = |name: &str| dir.join(name);
    std::fs::write(p("cert.der"), cert_der).unwrap();
    std::fs::write(p("digest"), digest).unwrap();
    std::fs::write(p("sig"), signature).unwrap();
    let out = Process::new("openssl")
        .args([
            "pkeyutl",
            "-verify",
            "-certin",
            "-keyform",
            "DER",
            "-pkeyopt",
            "digest:sha256",
            "-inkey",
        ])
        .arg(p("cert.der"))
        .arg("-in")
        .arg(p("digest"))
        .arg("-sigfile")
        .arg(p("sig"))
        .output()
        .unwrap();
    out.status.success()
}

#[test]
fn certificate_is_read_without_pin_in_exact_chunks_and_cached() {
    let virtual_card = card(HpkiHolder::Physician);
    let expected = virtual_card.signing_key().certificate_der().to_vec();
    let mut hpki =
        HpkiCard::open_with_profile(traced(virtual_card), App::Signing, Profile::Jma).unwrap();
    hpki.transport_mut().clear();
    assert_eq!(hpki.read_certificate().unwrap(), expected.as_slice());
    let trace = hpki.transport().trace().clone();
    assert_eq!(trace.count_ins(0x20), 0, "no PIN for the certificate");
    assert_eq!(trace.count_ins(0xB0), expected.len().div_ceil(256));
    // Every READ BINARY answered 9000: the last one asked for exactly what was left.
    assert!(
        trace
            .exchanges
            .iter()
            .all(|e| e.status() == Some(apdu::StatusWord::SUCCESS))
    );
    let last = trace.exchanges.last().unwrap();
    let rest = expected.len() % 256;
    assert_eq!(usize::from(*last.command.last().unwrap()), rest);
    // Cached: no READ BINARY after the certificate is known.
    hpki.transport_mut().clear();
    hpki.read_certificate().unwrap();
    assert!(hpki.transport().trace().is_empty());
}

#[test]
fn the_authentication_application_has_its_own_certificate() {
    let virtual_card = card(HpkiHolder::Dentist);
    let expected = virtual_card.authentication_key().certificate_der().to_vec();
    let mut hpki = HpkiCard::open_with_profile(
        InProcess::new(virtual_card),
        App::Authentication,
        Profile::Jma,
    )
    .unwrap();
    assert_eq!(hpki.read_certificate().unwrap(), expected.as_slice());
}

#[test]
fn a_card_without_hpki_applications_is_app_not_found() {
    let other = InProcess::new(MinimalCard::new(vec![vec![0xD3, 0x92, 0xF0, 0x00, 0x26]]));
    assert!(matches!(
        HpkiCard::open(other),
        Err(Error::AppNotFound(App::Signing))
    ));
}

#[test]
fn profile_detection_finds_both_layouts() {
    for profile in [HpkiProfile::Jma, HpkiProfile::JahisReference] {
        let virtual_card = card(HpkiHolder::Pharmacist).with_profile(profile);
        let expected = virtual_card.signing_key().certificate_der().to_vec();
        let mut hpki = HpkiCard::open(InProcess::new(virtual_card)).unwrap();
        let want = match profile {
            HpkiProfile::Jma => Profile::Jma,
            _ => Profile::JahisReference,
        };
        assert_eq!(hpki.profile(), want);
        assert_eq!(hpki.read_certificate().unwrap(), expected.as_slice());
        assert_eq!(hpki.pin_status().unwrap(), PinStatus::TriesLeft(15));
    }
}

/// Signs `message` with a fresh signer over `virtual_card`, checks the signature with
/// the `rsa` verifier, and returns the trace and the variant used.
fn sign_and_check(
    virtual_card: VirtualHpkiCard,
    profile: Profile,
    message: &[u8],
) -> (Trace, SignVariant) {
    sign_and_check_with(
        virtual_card,
        profile,
        message,
        |cert, message, signature| {
            rsa_verifies(cert, &DigestAlgorithm::Sha256.hash(message), signature)
        },
    )
}

/// [`sign_and_check`] with `verifies(certificate, message, signature)` as the check.
fn sign_and_check_with(
    virtual_card: VirtualHpkiCard,
    profile: Profile,
    message: &[u8],
    verifies: fn(&[u8], &[u8], &[u8]) -> bool,
) -> (Trace, SignVariant) {
    let mut hpki =
        HpkiCard::open_with_profile(traced(virtual_card), App::Signing, profile).unwrap();
    // Counted from before the signer is made: making it verifies the PIN once.
    hpki.transport_mut().clear();
    let mut signer = hpki.into_signer(pin(), LastTry::Refuse).unwrap();
    let digest = DigestAlgorithm::Sha256.hash(message);
    let signature = signer
        .sign_digest(DigestAlgorithm::Sha256, &digest)
        .unwrap();
    assert_eq!(signature.len(), 256);
    assert!(verifies(signer.certificate_der(), message, &signature));
    let variant = signer.card_mut().sign_variant().unwrap();
    (signer.card_mut().transport().trace().clone(), variant)
}

fn has_command(trace: &Trace, prefix: &[u8]) -> bool {
    trace
        .exchanges
        .iter()
        .any(|e| e.command.starts_with(prefix))
}

#[test]
fn jpki_style_signing_verifies() {
    let (trace, variant) = sign_and_check(
        card(HpkiHolder::Physician).with_sign_support(HpkiSignSupport::JpkiStyleOnly),
        Profile::Jma,
        b"<Prescription/>",
    );
    assert_eq!(variant, SignVariant::JpkiStyle);
    assert!(has_command(&trace, &[0x80, 0x2A, 0x00, 0x80, 0x33]));
    assert_eq!(pin_presentations(&trace), 1);
}

#[test]
fn jahis_pso_goes_out_as_one_extended_apdu_when_the_reader_has_extended_length() {
    let (trace, variant) = sign_and_check(
        card(HpkiHolder::Dentist).with_sign_support(HpkiSignSupport::JahisPsoOnly),
        Profile::Jma,
        b"dental record",
    );
    assert_eq!(variant, SignVariant::JahisPso);
    assert!(has_command(
        &trace,
        &[0x00, 0x22, 0x41, 0xB6, 0x04, 0x84, 0x02, 0x00, 0x0C]
    ));
    let pso: Vec<_> = trace
        .exchanges
        .iter()
        .filter(|e| e.ins() == Some(0x2A))
        .collect();
    assert_eq!(pso.len(), 2, "the refused 80 2A, then the PSO");
    let ext = pso.last().unwrap();
    assert!(
        ext.command
            .starts_with(&[0x00, 0x2A, 0x9E, 0x9A, 0x00, 0x01, 0x00, 0x00, 0x01, 0xFF])
    );
    assert!(ext.command.ends_with(&[0x01, 0x00]));
    assert_eq!(ext.command.len(), 7 + 256 + 2);
    assert_eq!(
        pin_presentations(&trace),
        1,
        "the PIN is not presented twice on fallback"
    );
}

#[test]
fn jahis_pso_is_chained_when_the_reader_has_no_extended_length() {
    let (trace, variant) = sign_and_check(
        card(HpkiHolder::Pharmacist)
            .with_profile(HpkiProfile::JahisReference)
            .with_sign_support(HpkiSignSupport::JahisPsoOnly)
            .with_extended_length(false),
        Profile::JahisReference,
        b"dispensing record",
    );
    assert_eq!(variant, SignVariant::JahisPso);
    assert!(has_command(
        &trace,
        &[0x00, 0x22, 0x41, 0xB6, 0x04, 0x81, 0x02, 0x00, 0x17]
    ));
    assert!(has_command(&trace, &[0x00, 0x20, 0x00, 0x96]));
    let links: Vec<_> = trace
        .exchanges
        .iter()
        .filter(|e| e.ins() == Some(0x2A))
        .collect();
    assert_eq!(links.len(), 2);
    assert!(
        links[0]
            .command
            .starts_with(&[0x10, 0x2A, 0x9E, 0x9A, 0xFF, 0x00, 0x01])
    );
    assert!(
        links[1]
            .command
            .starts_with(&[0x00, 0x2A, 0x9E, 0x9A, 0x01])
    );
    assert_eq!(
        links[1].command.last(),
        Some(&0x00),
        "Le 256 on the last link"
    );
}

#[test]
fn the_card_refusing_the_preferred_variant_falls_back_and_remembers() {
    // JAHIS layout prefers the PSO; this card only knows 80 2A: MSE SET answers 6D00
    // before any PIN is spent.
    let virtual_card = card(HpkiHolder::Physician)
        .with_profile(HpkiProfile::JahisReference)
        .with_sign_support(HpkiSignSupport::JpkiStyleOnly);
    let hpki =
        HpkiCard::open_with_profile(traced(virtual_card), App::Signing, Profile::JahisReference)
            .unwrap();
    let mut signer = hpki.into_signer(pin(), LastTry::Refuse).unwrap();
    let digest = DigestAlgorithm::Sha256.hash(b"one");
    signer
        .sign_digest(DigestAlgorithm::Sha256, &digest)
        .unwrap();
    let first = signer.card_mut().transport().trace().clone();
    assert_eq!(first.count_ins(0x22), 1, "MSE SET tried once");
    assert_eq!(pin_presentations(&first), 1);
    assert_eq!(
        signer.card_mut().sign_variant(),
        Some(SignVariant::JpkiStyle)
    );

    signer.card_mut().transport_mut().clear();
    signer
        .sign_digest(DigestAlgorithm::Sha256, &digest)
        .unwrap();
    let second = signer.card_mut().transport().trace().clone();
    assert_eq!(second.count_ins(0x22), 0, "the variant is remembered");
    // VERIFY, 80 2A: the key is still the current EF, and the signer sends the PIN the
    // card accepted when the signer was made without asking the counter again (as
    // jpki-card's signer does; this was 3 with a counter query before every VERIFY).
    assert_eq!(second.len(), 2, "{}", second.to_text());
    assert_eq!(pin_presentations(&second), 1);
}

#[test]
fn a_forced_variant_the_card_refuses_is_signing_not_supported() {
    let virtual_card = card(HpkiHolder::Physician).with_sign_support(HpkiSignSupport::JahisPsoOnly);
    let mut hpki =
        HpkiCard::open_with_profile(InProcess::new(virtual_card), App::Signing, Profile::Jma)
            .unwrap()
            .with_sign_variant(SignVariant::JpkiStyle);
    let digest = DigestAlgorithm::Sha256.hash(b"x");
    assert!(matches!(
        hpki.sign_digest(&pin(), LastTry::Refuse, DigestAlgorithm::Sha256, &digest),
        Err(Error::SigningNotSupported)
    ));
}

#[test]
fn sign_digest_presents_the_pin_once_even_when_it_falls_back() {
    // The JMA layout prefers 80 2A; this card only knows the PSO: 80 2A is refused
    // after the VERIFY, and the PSO uses that verification.
    let virtual_card = card(HpkiHolder::Dentist).with_sign_support(HpkiSignSupport::JahisPsoOnly);
    let mut hpki =
        HpkiCard::open_with_profile(traced(virtual_card), App::Signing, Profile::Jma).unwrap();
    hpki.transport_mut().clear();
    let digest = DigestAlgorithm::Sha256.hash(b"x");
    hpki.sign_digest(&pin(), LastTry::Refuse, DigestAlgorithm::Sha256, &digest)
        .unwrap();
    let trace = hpki.transport().trace();
    assert_eq!(hpki.sign_variant(), Some(SignVariant::JahisPso));
    assert_eq!(pin_presentations(trace), 1, "{}", trace.to_text());
    assert_eq!(counter_queries(trace), 1);
    // The signing AP used the verification up.
    assert!(!hpki.is_verified());
}

#[test]
fn the_signing_ap_gets_the_pin_exactly_once_per_signature() {
    let mut hpki = HpkiCard::open_with_profile(
        traced(card(HpkiHolder::Physician)),
        App::Signing,
        Profile::Jma,
    )
    .unwrap();
    hpki.transport_mut().clear();
    let mut signer = hpki.into_signer(pin(), LastTry::Refuse).unwrap();
    let digests: Vec<Vec<u8>> = (0..3u8)
        .map(|i| DigestAlgorithm::Sha256.hash(&[i]))
        .collect();
    let refs: Vec<&[u8]> = digests.iter().map(Vec::as_slice).collect();
    let sigs = signer.sign_digests(DigestAlgorithm::Sha256, &refs).unwrap();
    assert_eq!(sigs.len(), 3);
    let trace = signer.card_mut().transport().trace().clone();
    // The VERIFY made with the signer serves the first signature; each later one sends
    // its own.
    assert_eq!(pin_presentations(&trace), 3);
    assert_eq!(
        counter_queries(&trace),
        1,
        "the last-try guard asks once, when the signer is made (was 3: before each)"
    );
    assert_eq!(trace.count_ins(0x2A), 3);
    // The PIN never reaches the trace.
    assert!(!trace.to_text().contains("31323334"));
}

#[test]
fn the_authentication_ap_gets_the_pin_once_per_session() {
    let hpki = HpkiCard::open_with_profile(
        traced(card(HpkiHolder::Dentist)),
        App::Authentication,
        Profile::Jma,
    )
    .unwrap();
    let mut signer = hpki.into_signer(pin(), LastTry::Refuse).unwrap();
    for i in 0..3u8 {
        let digest = DigestAlgorithm::Sha256.hash(&[i]);
        let sig = signer
            .sign_digest(DigestAlgorithm::Sha256, &digest)
            .unwrap();
        assert!(rsa_verifies(signer.certificate_der(), &digest, &sig));
        assert!(!rsa_verifies(signer.certificate_der(), &[i; 32], &sig));
    }
    let trace = signer.card_mut().transport().trace().clone();
    assert_eq!(pin_presentations(&trace), 1);
    assert_eq!(trace.count_ins(0x2A), 3);
}

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance"]
fn authentication_signatures_verify_with_openssl_pkeyutl() {
    let hpki = HpkiCard::open_with_profile(
        InProcess::new(card(HpkiHolder::Dentist)),
        App::Authentication,
        Profile::Jma,
    )
    .unwrap();
    let mut signer = hpki.into_signer(pin(), LastTry::Refuse).unwrap();
    let digest = DigestAlgorithm::Sha256.hash(b"challenge");
    let sig = signer
        .sign_digest(DigestAlgorithm::Sha256, &digest)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cert = signer.certificate_der().to_vec();
    assert!(openssl_pkeyutl_verifies(dir.path(), &cert, &digest, &sig));
    let other = DigestAlgorithm::Sha256.hash(b"another challenge");
    assert!(!openssl_pkeyutl_verifies(dir.path(), &cert, &other, &sig));
}

/// A reader whose card answers every VERIFY with a PIN `63CE` once `pin_changed` is set,
/// as if another application had changed the PIN behind the signer's back.
struct PinChanged<T> {
    inner: T,
    pin_changed: bool,
}

impl<T: Transport> Transport for PinChanged<T> {
    fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, apdu::TransportError> {
        if self.pin_changed && command.get(1) == Some(&0x20) && command.len() > 4 {
            return Ok(vec![0x63, 0xCE]);
        }
        self.inner.transmit_raw(command)
    }
    fn supports_extended_length(&self) -> bool {
        self.inner.supports_extended_length()
    }
}

#[test]
fn a_wrong_pin_reports_the_tries_left_when_the_signer_is_made() {
    let mut hpki = HpkiCard::open_with_profile(
        traced(card(HpkiHolder::Physician)),
        App::Signing,
        Profile::Jma,
    )
    .unwrap();
    let err = hpki
        .signer(Pin::new("9999").unwrap(), LastTry::Refuse)
        .unwrap_err();
    assert!(
        matches!(err, Error::Pin(PinError::Wrong { tries_left: 14 })),
        "{err}"
    );
    assert_eq!(pin_presentations(hpki.transport().trace()), 1);
    assert_eq!(hpki.transport_mut().inner_mut().card().tries_left(), 14);
}

#[test]
fn a_signer_whose_pin_is_refused_never_presents_it_again() {
    let reader = TraceTransport::new(PinChanged {
        inner: InProcess::new(card(HpkiHolder::Physician)),
        pin_changed: false,
    });
    let hpki = HpkiCard::open_with_profile(reader, App::Signing, Profile::Jma).unwrap();
    let signer = hpki.into_signer(pin(), LastTry::Refuse).unwrap();
    let digest = DigestAlgorithm::Sha256.hash(b"x");
    // The first signature uses the verification made with the signer.
    signer
        .sign_prehashed(DigestAlgorithm::Sha256, &digest)
        .unwrap();
    signer.with_transport(|t| {
        t.inner_mut().pin_changed = true;
        t.clear();
    });
    let err = signer
        .sign_prehashed(DigestAlgorithm::Sha256, &digest)
        .unwrap_err();
    assert!(
        matches!(err, Error::Pin(PinError::Wrong { tries_left: 14 })),
        "{err}"
    );
    let err = signer
        .sign_prehashed(DigestAlgorithm::Sha256, &digest)
        .unwrap_err();
    assert!(matches!(err, Error::Pin(PinError::RefusedEarlier)), "{err}");
    let sent = signer.with_transport(|t| pin_presentations(t.trace()));
    assert_eq!(sent, Some(1), "one refused VERIFY, then nothing");
}

#[test]
fn the_last_try_is_refused_unless_the_caller_opts_in() {
    let virtual_card = card(HpkiHolder::Physician).with_tries_left(1);
    let mut hpki =
        HpkiCard::open_with_profile(traced(virtual_card), App::Signing, Profile::Jma).unwrap();
    hpki.transport_mut().clear();
    assert!(matches!(
        hpki.verify(&pin(), LastTry::Refuse),
        Err(Error::Pin(PinError::LastTryRefused { tries_left: 1 }))
    ));
    assert_eq!(pin_presentations(hpki.transport().trace()), 0);
    assert_eq!(hpki.transport_mut().inner_mut().card().tries_left(), 1);

    let digest = DigestAlgorithm::Sha256.hash(b"x");
    assert!(matches!(
        hpki.sign_digest(&pin(), LastTry::Refuse, DigestAlgorithm::Sha256, &digest),
        Err(Error::Pin(PinError::LastTryRefused { .. }))
    ));
    assert!(matches!(
        hpki.signer(pin(), LastTry::Refuse),
        Err(Error::Pin(PinError::LastTryRefused { .. }))
    ));
    assert_eq!(pin_presentations(hpki.transport().trace()), 0);
    // Opting in spends it; the right PIN resets the counter.
    hpki.verify(&pin(), LastTry::Allow).unwrap();
    assert_eq!(hpki.transport_mut().inner_mut().card().tries_left(), 15);
}

#[test]
fn fifteen_wrong_pins_lock_the_card() {
    let mut hpki = HpkiCard::open_with_profile(
        InProcess::new(card(HpkiHolder::Pharmacist)),
        App::Signing,
        Profile::Jma,
    )
    .unwrap();
    let wrong = Pin::new("0000").unwrap();
    for left in (1..15u8).rev() {
        assert!(matches!(
            hpki.verify(&wrong, LastTry::Refuse),
            Err(Error::Pin(PinError::Wrong { tries_left })) if tries_left == left
        ));
    }
    assert_eq!(hpki.pin_status().unwrap(), PinStatus::TriesLeft(1));
    assert!(matches!(
        hpki.verify(&wrong, LastTry::Refuse),
        Err(Error::Pin(PinError::LastTryRefused { .. }))
    ));
    assert!(matches!(
        hpki.verify(&wrong, LastTry::Allow),
        Err(Error::Pin(PinError::Blocked))
    ));
    assert_eq!(hpki.pin_status().unwrap(), PinStatus::Blocked);
    // Even the right PIN no longer opens it; a blocked PIN is not sent under Refuse.
    for last_try in [LastTry::Refuse, LastTry::Allow] {
        assert!(matches!(
            hpki.verify(&pin(), last_try),
            Err(Error::Pin(PinError::Blocked))
        ));
    }
}

#[test]
fn signing_without_a_pin_on_the_signing_ap_is_pin_required() {
    let mut hpki = HpkiCard::open_with_profile(
        InProcess::new(card(HpkiHolder::Physician)),
        App::Signing,
        Profile::Jma,
    )
    .unwrap();
    let digest = DigestAlgorithm::Sha256.hash(b"x");
    assert!(matches!(
        hpki.sign(DigestAlgorithm::Sha256, &digest),
        Err(Error::Pin(PinError::Required))
    ));
    hpki.verify(&pin(), LastTry::Refuse).unwrap();
    assert!(hpki.is_verified());
    hpki.sign(DigestAlgorithm::Sha256, &digest).unwrap();
    assert!(!hpki.is_verified());
    // userConsent 1: the verification was used up by the signature.
    assert!(matches!(
        hpki.sign(DigestAlgorithm::Sha256, &digest),
        Err(Error::Pin(PinError::Required))
    ));
}

#[test]
fn sha384_and_sha512_digest_infos_pass_through() {
    for alg in [DigestAlgorithm::Sha384, DigestAlgorithm::Sha512] {
        for support in [
            HpkiSignSupport::JahisPsoOnly,
            HpkiSignSupport::JpkiStyleOnly,
        ] {
            let virtual_card = card(HpkiHolder::Physician).with_sign_support(support);
            let hpki = HpkiCard::open_with_profile(
                InProcess::new(virtual_card),
                App::Signing,
                Profile::Jma,
            )
            .unwrap();
            let mut signer = hpki.into_signer(pin(), LastTry::Refuse).unwrap();
            let digest = alg.hash(b"m");
            // HpkiCard checks the signature against the certificate before returning it.
            assert_eq!(signer.sign_digest(alg, &digest).unwrap().len(), 256);
        }
    }
}

#[test]
fn a_card_whose_key_does_not_match_its_certificate_is_caught() {
    let real = card(HpkiHolder::Physician);
    let cert = real.signing_key().certificate_der().to_vec();
    let wrong_key = cert_signer::test_key();
    let virtual_card = VirtualHpkiCard::new(
        HpkiKey::new(wrong_key.clone(), cert.clone()),
        HpkiKey::new(wrong_key, cert),
    );
    let mut hpki =
        HpkiCard::open_with_profile(InProcess::new(virtual_card), App::Signing, Profile::Jma)
            .unwrap();
    let digest = DigestAlgorithm::Sha256.hash(b"x");
    assert!(matches!(
        hpki.sign_digest(&pin(), LastTry::Refuse, DigestAlgorithm::Sha256, &digest),
        Err(Error::BadSignature)
    ));
}

#[test]
fn rustcrypto_signature_traits_give_verifiable_signatures() {
    use rsa::pkcs1v15::VerifyingKey;
    use sha2::Sha256;
    use signature::{Signer as _, Verifier as _, hazmat::PrehashSigner as _};

    let hpki = HpkiCard::open_with_profile(
        InProcess::new(card(HpkiHolder::Dentist)),
        App::Signing,
        Profile::Jma,
    )
    .unwrap();
    let signer = hpki.into_signer(pin(), LastTry::Refuse).unwrap();
    let public = public_key(signer.certificate_der());
    let verifying = VerifyingKey::<Sha256>::new(public);

    let sig = signer.try_sign(b"message").unwrap();
    verifying.verify(b"message", &sig).unwrap();

    let prehash = DigestAlgorithm::Sha256.hash(b"message");
    let sig2 = signer.sign_prehash(&prehash).unwrap();
    assert_eq!(sig, sig2, "PKCS#1 v1.5 is deterministic");
    assert!(
        signer.sign_prehash(&[0u8; 20]).is_err(),
        "SHA-1 lengths are refused"
    );
}

#[test]
fn every_signer_is_interchangeable_behind_dyn_cert_signer() {
    let hpki = HpkiCard::open_with_profile(
        InProcess::new(card(HpkiHolder::Physician)),
        App::Signing,
        Profile::Jma,
    )
    .unwrap();
    let mut signer = hpki.into_signer(pin(), LastTry::Refuse).unwrap();
    let dyn_signer: &mut dyn CertSigner = &mut signer;
    let digest = DigestAlgorithm::Sha256.hash(b"x");
    assert!(
        dyn_signer
            .sign_digest(DigestAlgorithm::Sha256, &digest)
            .is_ok()
    );
    assert!(matches!(
        dyn_signer.sign_digest(DigestAlgorithm::Sha256, &digest[..31]),
        Err(cert_signer::SignError::DigestLength { .. })
    ));
}

#[test]
fn debug_output_never_shows_the_pin() {
    let virtual_card = card(HpkiHolder::Physician).with_pin("S3cr3tPIN");
    let hpki =
        HpkiCard::open_with_profile(InProcess::new(virtual_card), App::Signing, Profile::Jma)
            .unwrap();
    let signer = hpki
        .into_signer(Pin::new("S3cr3tPIN").unwrap(), LastTry::Refuse)
        .unwrap();
    let s = format!("{signer:?}");
    assert!(s.contains("redacted") && !s.contains("S3cr3tPIN"), "{s}");
}

#[test]
fn every_holder_signs_through_both_variants() {
    every_holder_signs_through_both_variants_checked_with(|cert, message, signature| {
        rsa_verifies(cert, &DigestAlgorithm::Sha256.hash(message), signature)
    });
}

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance"]
fn every_holder_signs_through_both_variants_and_openssl_agrees() {
    every_holder_signs_through_both_variants_checked_with(openssl_verifies);
}

fn every_holder_signs_through_both_variants_checked_with(
    verifies: fn(&[u8], &[u8], &[u8]) -> bool,
) {
    for holder in HpkiHolder::ALL {
        for support in [
            HpkiSignSupport::JahisPsoOnly,
            HpkiSignSupport::JpkiStyleOnly,
        ] {
            let (_, variant) = sign_and_check_with(
                card(holder)
                    .with_sign_support(support)
                    .with_extended_length(false),
                Profile::Jma,
                format!("{holder:?}").as_bytes(),
                verifies,
            );
            let expected = match support {
                HpkiSignSupport::JahisPsoOnly => SignVariant::JahisPso,
                _ => SignVariant::JpkiStyle,
            };
            assert_eq!(variant, expected);
        }
    }
}

#[test]
fn a_card_pulled_mid_signature_is_a_transport_error() {
    let reader = InProcess::new(card(HpkiHolder::Physician));
    let hpki = HpkiCard::open_with_profile(reader, App::Signing, Profile::Jma).unwrap();
    let mut signer = hpki.into_signer(pin(), LastTry::Refuse).unwrap();
    // SELECT PIN, SELECT key, then the card is gone before 80 2A (the first signature
    // uses the verification made with the signer).
    signer.card_mut().transport_mut().remove_after(2);
    let digest = DigestAlgorithm::Sha256.hash(b"x");
    let err = signer
        .sign_prehashed(DigestAlgorithm::Sha256, &digest)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Apdu(apdu::Error::Transport(apdu::TransportError::CardRemoved))
        ),
        "{err}"
    );
    assert!(signer.card_mut().transport().supports_extended_length());
}

fn public_key(cert_der: &[u8]) -> rsa::PublicKey {
    use der::{Decode as _, Encode as _};
    use rsa::pkcs8::DecodePublicKey as _;
    let cert = x509_cert::Certificate::from_der(cert_der).unwrap();
    let spki = cert
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .unwrap();
    rsa::PublicKey::from_public_key_der(&spki).unwrap()
}

#[test]
fn the_signer_carries_the_ca_certificates_the_card_holds() {
    let certs = card_sim::HpkiTestCertificates::generate(HpkiHolder::Physician).unwrap();
    // JMA cards hold only the end-entity certificate: no chain, no extra APDU error.
    let jma = HpkiCard::open_with_profile(
        InProcess::new(card(HpkiHolder::Physician)),
        App::Signing,
        Profile::Jma,
    )
    .unwrap();
    let signer = jma.into_signer(pin(), LastTry::Refuse).unwrap();
    assert!(signer.chain_der().is_empty());

    // The JAHIS reference layout keeps the issuing CA in `1A` (and may lack `1B`).
    let jahis = card(HpkiHolder::Physician).with_profile(HpkiProfile::JahisReference);
    let hpki =
        HpkiCard::open_with_profile(traced(jahis), App::Signing, Profile::JahisReference).unwrap();
    let mut signer = hpki.into_signer(pin(), LastTry::Refuse).unwrap();
    assert_eq!(signer.chain_der(), vec![certs.signing_ca.clone()]);
    assert_eq!(signer.certificate_der(), certs.signing.as_slice());
    // The CA certificate was read before the signer's one VERIFY (without a PIN), and is
    // not read again for a signature.
    let trace = signer.card_mut().transport().trace().clone();
    assert_eq!(pin_presentations(&trace), 1, "{}", trace.to_text());
    let verify_at = trace
        .exchanges
        .iter()
        .position(|e| e.ins() == Some(0x20) && e.command.len() > 4)
        .unwrap();
    let last_read = trace
        .exchanges
        .iter()
        .rposition(|e| e.ins() == Some(0xB0))
        .unwrap();
    assert!(last_read < verify_at, "{}", trace.to_text());
    let reads_before = trace.count_ins(0xB0);
    let digest = DigestAlgorithm::Sha256.hash(b"prescription");
    signer
        .sign_digest(DigestAlgorithm::Sha256, &digest)
        .unwrap();
    let trace = signer.card_mut().transport().trace();
    assert_eq!(trace.count_ins(0xB0), reads_before);

    // The authentication AP has its own CA.
    let jahis = card(HpkiHolder::Physician).with_profile(HpkiProfile::JahisReference);
    let mut hpki = HpkiCard::open_with_profile(
        InProcess::new(jahis),
        App::Authentication,
        Profile::JahisReference,
    )
    .unwrap();
    assert_eq!(
        hpki.read_ca_certificates().unwrap(),
        &[certs.authentication_ca]
    );
}
