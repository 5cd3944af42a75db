//! jpki-card against the virtual My Number Card, in process: every API path, every
//! error path, and the APDU count of each operation pinned with `TraceTransport`.
//! Signatures are checked with the RustCrypto `rsa` verifier against the certificate's
//! key; the checks by `openssl` are `#[ignore]`d tests that `scripts/conformance` runs
//! (part `20-jpki`).

// Test helpers outside `#[test]` functions fail loudly on purpose.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::sync::{Arc, OnceLock};

use apdu::{ReplayTransport, Trace, TraceTransport, Transport, TransportError};
use card_sim::{
    BlockedStatus, CardPin, InProcess, JpkiTestPki, MinimalCard, MyNumberCard, MyNumberOptions,
    TestHolder, Token,
};
use cert_signer::{CertSigner, DigestAlgorithm};
use jpki_card::{
    AuthPin, BasicFourItems, Certificate, Error, JpkiCard, LastTry, PinError, PinKind, PinStatus,
    Sex, SignPin, TextPin, TokenKind,
};
use rsa::Pkcs1v15Sign;

type Reader = TraceTransport<InProcess<MyNumberCard>>;

fn pki() -> Arc<JpkiTestPki> {
    static PKI: OnceLock<Arc<JpkiTestPki>> = OnceLock::new();
    PKI.get_or_init(|| Arc::new(JpkiTestPki::generate(&TestHolder::yamada_hanako()).unwrap()))
        .clone()
}

fn open_with(options: MyNumberOptions) -> JpkiCard<Reader> {
    let card = MyNumberCard::with_pki(options, pki());
    JpkiCard::open(TraceTransport::new(InProcess::new(card))).unwrap()
}

fn open() -> JpkiCard<Reader> {
    let mut card = open_with(MyNumberOptions::default());
    card.transport_mut().clear();
    card
}

fn sim(card: &mut JpkiCard<Reader>) -> &mut MyNumberCard {
    card.transport_mut().inner_mut().card_mut()
}

fn trace(card: &JpkiCard<Reader>) -> &Trace {
    card.transport().trace()
}

fn commands(card: &JpkiCard<Reader>) -> Vec<String> {
    trace(card)
        .exchanges
        .iter()
        .map(|e| e.command.iter().map(|b| format!("{b:02X}")).collect())
        .collect()
}

/// VERIFY commands that carry a PIN (not counter queries).
fn verifies_with_data(card: &JpkiCard<Reader>) -> usize {
    trace(card)
        .exchanges
        .iter()
        .filter(|e| e.ins() == Some(0x20) && e.command.len() > 4)
        .count()
}

fn auth() -> AuthPin {
    AuthPin::new("1234").unwrap()
}
fn sign() -> SignPin {
    SignPin::new("ABC123").unwrap()
}
fn text() -> TextPin {
    TextPin::new("1234").unwrap()
}

#[test]
fn open_selects_the_aid_and_reads_the_token_in_three_apdus() {
    let card = open_with(MyNumberOptions::default());
    assert_eq!(card.kind(), &TokenKind::MyNumberCard);
    assert_eq!(
        commands(&card),
        [
            "00A4040C0AD392F000260100000001",
            "00A4020C020006",
            "00B0000020"
        ]
    );
}

#[test]
fn the_card_kind_comes_from_the_token_ef() {
    for (token, kind) in [
        (Token::Icc2, TokenKind::MyNumberCard),
        (Token::Icc, TokenKind::JukiCard),
        (Token::Gpse, TokenKind::SmartphoneAndroid),
        (Token::Ios, TokenKind::SmartphoneIos),
    ] {
        let options = MyNumberOptions {
            token,
            ..MyNumberOptions::default()
        };
        assert_eq!(open_with(options).kind(), &kind);
    }
    assert_eq!(
        TokenKind::from_token(b"SOMETHING ELSE\0\0  ").unwrap(),
        TokenKind::Other("SOMETHING ELSE".into())
    );
    assert!(TokenKind::from_token(&[0xC0, 0x80]).is_err());
}

#[test]
fn a_card_without_the_jpki_ap_is_not_a_jpki_card() {
    let other = InProcess::new(MinimalCard::new(vec![vec![0xA0, 0, 0, 0, 1]]));
    assert!(matches!(
        JpkiCard::open(other),
        Err(Error::NotAJpkiCard(sw)) if sw.0 == 0x6A82
    ));
}

#[test]
fn certificates_are_read_exactly_in_256_byte_chunks_and_cached() {
    let mut card = open();
    for which in [Certificate::Auth, Certificate::AuthCa, Certificate::SignCa] {
        card.transport_mut().clear();
        let der = card.certificate(which).unwrap().to_vec();
        let expected = match which {
            Certificate::Auth => pki().auth_cert_der().to_vec(),
            Certificate::AuthCa => pki().auth_ca_der().to_vec(),
            _ => pki().sign_ca_der().to_vec(),
        };
        assert_eq!(der, expected);
        let reads = der.len().div_ceil(256);
        assert_eq!(trace(&card).count_ins(0xA4), 1, "{which:?}: one SELECT");
        assert_eq!(
            trace(&card).count_ins(0xB0),
            reads,
            "{which:?}: ⌈len/256⌉ reads"
        );
        // The last READ BINARY asks for exactly the rest: no 6282, no 6B00.
        let last = trace(&card).exchanges.last().unwrap();
        let rest = der.len() - (reads - 1) * 256;
        assert_eq!(*last.command.last().unwrap() as usize, rest % 256);
        assert_eq!(last.status().unwrap().0, 0x9000);
        card.transport_mut().clear();
        card.certificate(which).unwrap();
        assert!(trace(&card).is_empty(), "cached: no APDU");
    }
}

#[test]
fn certificates_survive_61xx_splitting_and_6cxx() {
    let options = MyNumberOptions {
        split_responses: Some(64),
        exact_le: true,
        ..MyNumberOptions::default()
    };
    let mut card = open_with(options);
    assert_eq!(card.kind(), &TokenKind::MyNumberCard);
    assert_eq!(
        card.certificate(Certificate::Auth).unwrap(),
        pki().auth_cert_der()
    );
    let items = card
        .text_ap()
        .basic_four_items(&text(), LastTry::Refuse)
        .unwrap();
    assert_eq!(items.family_name, "山田");
}

#[test]
fn the_signature_certificate_needs_the_signature_pin() {
    let mut card = open();
    assert!(matches!(
        card.certificate(Certificate::Sign),
        Err(Error::Pin(PinError::Required))
    ));
    card.verify(&sign(), LastTry::Refuse).unwrap();
    assert_eq!(
        card.certificate(Certificate::Sign).unwrap(),
        pki().sign_cert_der()
    );
    // The shortcut does it in one go.
    let mut card = open();
    let der = card
        .signature_certificate(&sign(), LastTry::Refuse)
        .unwrap()
        .to_vec();
    assert_eq!(der, pki().sign_cert_der());
}

#[test]
fn smartphone_tokens_need_the_auth_pin_for_the_auth_certificate() {
    let mut card = open_with(MyNumberOptions {
        token: Token::Gpse,
        ..MyNumberOptions::default()
    });
    assert!(card.kind().auth_certificate_needs_pin());
    assert!(matches!(
        card.certificate(Certificate::Auth),
        Err(Error::Pin(PinError::Required))
    ));
    card.verify(&auth(), LastTry::Refuse).unwrap();
    assert_eq!(
        card.certificate(Certificate::Auth).unwrap(),
        pki().auth_cert_der()
    );
}

#[test]
fn pin_status_spends_nothing_in_two_apdus() {
    let mut card = open();
    let s = card.pin_status(PinKind::Sign).unwrap();
    assert_eq!(s, PinStatus::TriesLeft(5));
    assert_eq!(commands(&card), ["00A4020C02001B", "00200080"]);
    assert_eq!(
        card.pin_status(PinKind::Auth).unwrap(),
        PinStatus::TriesLeft(3)
    );
    assert_eq!(
        card.pin_status(PinKind::Text).unwrap().tries_left(),
        Some(3)
    );
    assert_eq!(sim(&mut card).tries_left(CardPin::Sign), 5);
    assert_eq!(verifies_with_data(&card), 0);
}

#[test]
fn verify_costs_three_apdus_with_the_guard_and_two_without() {
    let mut card = open();
    card.verify(&auth(), LastTry::Refuse).unwrap();
    assert_eq!(trace(&card).len(), 3);
    assert!(card.is_verified(PinKind::Auth));
    card.transport_mut().clear();
    card.verify(&sign(), LastTry::Allow).unwrap();
    assert_eq!(trace(&card).len(), 2);
    // The trace never holds the PIN.
    let text = trace(&card).to_text();
    assert!(!text.contains("414243313233"), "{text}");
}

#[test]
fn a_wrong_pin_reports_the_tries_left() {
    let mut card = open();
    let err = card
        .verify(&SignPin::new("WRONG1").unwrap(), LastTry::Refuse)
        .unwrap_err();
    assert!(matches!(err, Error::Pin(PinError::Wrong { tries_left: 4 })));
    assert_eq!(sim(&mut card).tries_left(CardPin::Sign), 4);
    assert!(!err.to_string().contains("WRONG1"));
}

#[test]
fn the_last_try_is_not_spent_unless_allowed() {
    let mut card = open();
    sim(&mut card).set_tries_left(CardPin::Sign, 1);
    card.transport_mut().clear();
    assert!(matches!(
        card.verify(&sign(), LastTry::Refuse),
        Err(Error::Pin(PinError::LastTryRefused { tries_left: 1 }))
    ));
    assert_eq!(verifies_with_data(&card), 0, "nothing sent");
    assert_eq!(sim(&mut card).tries_left(CardPin::Sign), 1);
    // With the holder's consent a wrong PIN then blocks the card.
    assert!(matches!(
        card.verify(&SignPin::new("WRONG1").unwrap(), LastTry::Allow),
        Err(Error::Pin(PinError::Blocked))
    ));
    // A right one with consent resets the counter.
    let mut card = open();
    sim(&mut card).set_tries_left(CardPin::Auth, 1);
    card.verify(&auth(), LastTry::Allow).unwrap();
    assert_eq!(sim(&mut card).tries_left(CardPin::Auth), 3);
}

#[test]
fn every_blocked_status_is_blocked() {
    for blocked in [
        BlockedStatus::Counter,
        BlockedStatus::MethodBlocked,
        BlockedStatus::NotUsable,
    ] {
        let mut card = open();
        sim(&mut card).set_behaviour(blocked, None, false);
        sim(&mut card).set_tries_left(CardPin::Auth, 0);
        let status = card.pin_status(PinKind::Auth).unwrap();
        assert!(status.is_blocked(), "{blocked:?}");
        assert!(matches!(
            card.verify(&auth(), LastTry::Refuse),
            Err(Error::Pin(PinError::Blocked))
        ));
        assert!(matches!(
            card.verify(&auth(), LastTry::Allow),
            Err(Error::Pin(PinError::Blocked))
        ));
    }
}

#[test]
fn malformed_pins_never_reach_the_card() {
    assert!(matches!(
        AuthPin::new("12345"),
        Err(PinError::Format("must be exactly 4 digits"))
    ));
    assert!(SignPin::new("abc123").is_err());
    assert!(TextPin::new("12").is_err());
    // Nothing to send: the types cannot hold them. The card is untouched.
    let mut card = open();
    assert_eq!(sim(&mut card).tries_left(CardPin::Auth), 3);
    assert!(trace(&card).is_empty());
}

#[test]
fn change_pin_verifies_then_changes() {
    let mut card = open();
    let new = AuthPin::new("9876").unwrap();
    card.change_pin(&auth(), &new, LastTry::Refuse).unwrap();
    assert_eq!(sim(&mut card).pin_value(CardPin::Auth).as_str(), "9876");
    assert_eq!(trace(&card).count_ins(0x24), 1);
    assert!(card.verify(&auth(), LastTry::Refuse).is_err());
    card.verify(&new, LastTry::Refuse).unwrap();
    let new_sign = SignPin::new("XYZ7890").unwrap();
    card.change_pin(&sign(), &new_sign, LastTry::Refuse)
        .unwrap();
    assert_eq!(sim(&mut card).pin_value(CardPin::Sign).as_str(), "XYZ7890");
    // A wrong old PIN changes nothing.
    assert!(matches!(
        card.change_pin(&sign(), &SignPin::new("QQQ111").unwrap(), LastTry::Refuse),
        Err(Error::Pin(PinError::Wrong { .. }))
    ));
    assert_eq!(sim(&mut card).pin_value(CardPin::Sign).as_str(), "XYZ7890");
}

/// The RSA public key of a certificate.
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

/// Asserts that `signature` is an RSASSA-PKCS1-v1_5 signature over `message` hashed with
/// `alg` by the key of `cert_der` (the RustCrypto verifier, not jpki-card's code).
fn rsa_verify(cert_der: &[u8], message: &[u8], signature: &[u8], alg: DigestAlgorithm) {
    let scheme = match alg {
        DigestAlgorithm::Sha256 => Some(Pkcs1v15Sign::new::<sha2::Sha256>()),
        DigestAlgorithm::Sha384 => Some(Pkcs1v15Sign::new::<sha2::Sha384>()),
        DigestAlgorithm::Sha512 => Some(Pkcs1v15Sign::new::<sha2::Sha512>()),
        _ => None,
    }
    .unwrap();
    public_key(cert_der)
        .verify(scheme, &alg.hash(message), signature)
        .unwrap();
}

fn openssl_verify(cert_der: &[u8], message: &[u8], signature: &[u8], digest: &str) {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.der");
    std::fs::write(&cert, cert_der).unwrap();
    let pubkey = dir.path().join("pub.pem");
    let out = std::process::Command::new("openssl")
        .args(["x509", "-inform", "der", "-noout", "-pubkey", "-in"])
        .arg(&cert)
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::write(&pubkey, out.stdout).unwrap();
    std::fs::write(dir.path().join("msg"), message).unwrap();
    std::fs::write(dir.path().join("sig"), signature).unwrap();
    let out = std::process::Command::new("openssl")
        .args(["dgst", digest, "-verify"])
        .arg(&pubkey)
        .arg("-signature")
        .arg(dir.path().join("sig"))
        .arg(dir.path().join("msg"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_signer_that_owns_its_card_boxes_as_a_cert_signer_and_signs_the_same_bytes() {
    let message = b"owned signer";
    let digest = DigestAlgorithm::Sha256.hash(message);
    let mut boxed: Box<dyn CertSigner> =
        Box::new(open().into_signer(sign(), LastTry::Refuse).unwrap());
    assert_eq!(boxed.certificate_der(), pki().sign_cert_der());
    let sig = boxed.sign_digest(DigestAlgorithm::Sha256, &digest).unwrap();
    let mut card = open();
    let mut borrowed = card.signer(sign(), LastTry::Refuse).unwrap();
    let expected =
        CertSigner::sign_digest(&mut borrowed, DigestAlgorithm::Sha256, &digest).unwrap();
    assert_eq!(sig, expected);
    rsa_verify(
        pki().sign_cert_der(),
        message,
        &sig,
        DigestAlgorithm::Sha256,
    );
}

#[test]
fn auth_signatures_verify_and_cost_one_verify_each() {
    let mut card = open();
    let mut signer = card.signer(auth(), LastTry::Refuse).unwrap();
    assert_eq!(signer.certificate_der(), pki().auth_cert_der());
    assert_eq!(signer.chain_der(), vec![pki().auth_ca_der().to_vec()]);
    let message = b"login challenge";
    let digest = DigestAlgorithm::Sha256.hash(message);
    let sig = CertSigner::sign_digest(&mut signer, DigestAlgorithm::Sha256, &digest).unwrap();
    drop(signer);
    rsa_verify(
        pki().auth_cert_der(),
        message,
        &sig,
        DigestAlgorithm::Sha256,
    );
    // Independent check: the same key in software gives the same bytes (PKCS#1 v1.5 is
    // deterministic).
    let expected = pki()
        .auth_key()
        .sign(Pkcs1v15Sign::new::<sha2::Sha256>(), &digest)
        .unwrap();
    assert_eq!(sig, expected);

    // Per signature: SELECT PIN IEF, VERIFY, SELECT key, SIGN.
    let mut signer = card.signer(auth(), LastTry::Allow).unwrap();
    signer.transport_clear_for_test();
    for _ in 0..3 {
        CertSigner::sign_digest(&mut signer, DigestAlgorithm::Sha256, &digest).unwrap();
    }
    drop(signer);
    // The first signature finds the PIN IEF still selected from making the signer.
    assert_eq!(trace(&card).len(), 3 + 4 + 4);
    assert_eq!(verifies_with_data(&card), 3);
    assert_eq!(trace(&card).count_ins(0x2A), 3);
}

/// Clearing the trace while a signer borrows the card.
trait ClearForTest {
    fn transport_clear_for_test(&mut self);
}
impl<P: jpki_card::JpkiPin> ClearForTest for jpki_card::JpkiSigner<'_, Reader, P> {
    fn transport_clear_for_test(&mut self) {
        self.with_transport(|t| t.clear());
    }
}

#[test]
fn signature_key_signs_sha256_384_512_and_caller_digest_infos() {
    let mut card = open();
    let signer = card.signer(sign(), LastTry::Refuse).unwrap();
    assert_eq!(signer.certificate_der(), pki().sign_cert_der());
    let message = b"prescription";
    for alg in [
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
    ] {
        let sig = signer.sign_digest(alg, &alg.hash(message)).unwrap();
        rsa_verify(pki().sign_cert_der(), message, &sig, alg);
    }
    // A SHA-1 DigestInfo from a legacy peer passes through unchanged.
    let sha1_prefix = [
        0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x1A, 0x05, 0x00, 0x04, 0x14,
    ];
    let mut info = sha1_prefix.to_vec();
    info.extend_from_slice(&[0x11; 20]);
    let sig = signer.sign_digest_info(&info).unwrap();
    pki()
        .sign_key()
        .to_public_key()
        .verify(Pkcs1v15Sign::new_unprefixed(), &info, &sig)
        .unwrap();
    assert!(matches!(
        signer.sign_digest(DigestAlgorithm::Sha256, &[0; 20]),
        Err(Error::InvalidSignInput(_))
    ));
    assert!(matches!(
        signer.sign_digest_info(&[0; 246]),
        Err(Error::InvalidSignInput(_))
    ));
}

#[test]
fn a_batch_costs_one_verify() {
    let mut card = open();
    let mut signer = card.signer(sign(), LastTry::Allow).unwrap();
    signer.transport_clear_for_test();
    let digests: Vec<Vec<u8>> = (0..4u8)
        .map(|i| DigestAlgorithm::Sha256.hash(&[i]))
        .collect();
    let refs: Vec<&[u8]> = digests.iter().map(Vec::as_slice).collect();
    let sigs = signer.sign_digests(DigestAlgorithm::Sha256, &refs).unwrap();
    drop(signer);
    assert_eq!(sigs.len(), 4);
    assert_eq!(verifies_with_data(&card), 1);
    assert_eq!(trace(&card).count_ins(0x2A), 4);
    assert_eq!(trace(&card).len(), 3 + 4);
}

#[test]
fn the_rustcrypto_traits_sign_verifiably() {
    use signature::{Keypair, Signer, Verifier, hazmat::PrehashSigner};
    let mut card = open();
    let signer = card.signer(sign(), LastTry::Refuse).unwrap();
    let vk = signer.verifying_key();
    let sig: jpki_card::Signature = signer.try_sign(b"message").unwrap();
    vk.verify(b"message", &sig).unwrap();
    let pre = signer
        .sign_prehash(&DigestAlgorithm::Sha512.hash(b"m"))
        .unwrap();
    let bytes: Box<[u8]> = pre.into();
    pki()
        .sign_key()
        .to_public_key()
        .verify(
            Pkcs1v15Sign::new::<sha2::Sha512>(),
            &DigestAlgorithm::Sha512.hash(b"m"),
            &bytes,
        )
        .unwrap();
    assert!(signer.sign_prehash(&[0; 31]).is_err());
    use spki::SignatureAlgorithmIdentifier;
    assert_eq!(
        <jpki_card::JpkiSigner<'_, Reader, SignPin>>::SIGNATURE_ALGORITHM_IDENTIFIER
            .oid
            .to_string(),
        "1.2.840.113549.1.1.11"
    );
}

#[test]
fn a_signer_whose_pin_was_changed_stops_after_one_refusal() {
    let mut card = open();
    let mut signer = card.signer(auth(), LastTry::Refuse).unwrap();
    signer.with_transport(|t| {
        t.inner_mut().card_mut().set_tries_left(CardPin::Auth, 3);
    });
    // Change the PIN behind the signer's back, as another application could.
    signer.with_transport(|t| {
        let card = t.inner_mut().card_mut();
        // A reset forgets the verification; the raw APDUs change the PIN.
        use card_sim::VirtualCard;
        card.reset();
        for apdu in [
            &b"\x00\xA4\x04\x0C\x0A\xD3\x92\xF0\x00\x26\x01\x00\x00\x00\x01"[..],
            b"\x00\xA4\x02\x0C\x02\x00\x18",
            b"\x00\x20\x00\x80\x04\x31\x32\x33\x34",
            b"\x00\x24\x01\x80\x04\x35\x35\x35\x35",
        ] {
            card.process(apdu);
        }
        t.clear();
    });
    let digest = DigestAlgorithm::Sha256.hash(b"x");
    // Through the CertSigner trait, the PIN outcome is typed: no downcast.
    assert!(matches!(
        CertSigner::sign_digest(&mut signer, DigestAlgorithm::Sha256, &digest),
        Err(cert_signer::SignError::Pin(PinError::Wrong {
            tries_left: 2
        }))
    ));
    assert!(matches!(
        signer.sign_digest(DigestAlgorithm::Sha256, &digest),
        Err(Error::Pin(PinError::RefusedEarlier))
    ));
    drop(signer);
    assert_eq!(
        verifies_with_data(&card),
        1,
        "one refused VERIFY, then nothing"
    );
    assert_eq!(sim(&mut card).tries_left(CardPin::Auth), 2);
}

#[test]
fn signing_without_the_pin_is_pin_required() {
    // Through the card directly: the signature key with a verified auth PIN only.
    let mut card = open();
    let digest = DigestAlgorithm::Sha256.hash(b"x");
    let sig = card
        .sign_digest(&auth(), LastTry::Refuse, DigestAlgorithm::Sha256, &digest)
        .unwrap();
    assert_eq!(sig.len(), 256);
    let mut reader = InProcess::new(MyNumberCard::with_pki(MyNumberOptions::default(), pki()));
    // A raw sign without VERIFY: 6982.
    use apdu::{Command, transmit};
    transmit(
        &mut reader,
        &Command::new(0, 0xA4, 4, 0x0C).with_data(jpki_card::JPKI_AID.to_vec()),
    )
    .unwrap();
    transmit(
        &mut reader,
        &Command::new(0, 0xA4, 2, 0x0C).with_data(vec![0x00, 0x1A]),
    )
    .unwrap();
    let r = transmit(
        &mut reader,
        &Command::new(0x80, 0x2A, 0, 0x80)
            .with_data(DigestAlgorithm::Sha256.digest_info(&digest).unwrap())
            .with_le(256),
    )
    .unwrap();
    assert_eq!(r.sw.0, 0x6982);
}

#[test]
fn basic_four_items_and_my_number_with_one_verify() {
    let mut card = open();
    let mut ap = card.text_ap();
    assert_eq!(ap.pin_status().unwrap(), PinStatus::TriesLeft(3));
    let items = ap.basic_four_items(&text(), LastTry::Refuse).unwrap();
    assert_eq!(items.name, "山田\u{3000}花子");
    assert_eq!(items.family_name, "山田");
    assert_eq!(items.given_name.as_deref(), Some("花子"));
    assert_eq!(items.address, "東京都架空市見本町１丁目９９９番地");
    assert_eq!(items.birth_date, jiff::civil::date(1980, 4, 1));
    assert_eq!(items.sex, Sex::Female);
    let number = ap.my_number(&text(), LastTry::Refuse).unwrap();
    assert_eq!(number.expose(), "123456789018");
    assert_eq!(format!("{number:?}"), "MyNumber(<redacted>)");
    assert!(!number.to_string().contains("1234"));
    assert_eq!(verifies_with_data(&card), 1);
    // SELECT AP, SELECT IEF, counter (pin_status), counter (guard), VERIFY,
    // SELECT 0002, READ, SELECT 0001, READ.
    assert_eq!(trace(&card).len(), 9);
    // The PIN never enters the trace (responses do: apdu records them as they are).
    assert!(!trace(&card).to_text().contains("0020008004 31323334"));
    assert!(!trace(&card).to_text().contains("002000800431323334"));

    let mut card = open();
    card.transport_mut().clear();
    card.text_ap().my_number(&text(), LastTry::Allow).unwrap();
    assert_eq!(
        commands(&card),
        [
            "00A4040C0AD392100031000101 0408".replace(' ', ""),
            "00A4020C020011".into(),
            "00200080042A2A2A2A".into(),
            "00A4020C020001".into(),
            "00B0000011".into(),
        ]
    );
}

#[test]
fn the_other_holder_reads_as_male() {
    let holder = TestHolder::iryo_taro();
    let pki = Arc::new(JpkiTestPki::generate(&holder).unwrap());
    let options = MyNumberOptions {
        holder,
        ..MyNumberOptions::default()
    };
    let card = MyNumberCard::with_pki(options, pki);
    let mut card = JpkiCard::open(InProcess::new(card)).unwrap();
    let items = card
        .text_ap()
        .basic_four_items(&text(), LastTry::Refuse)
        .unwrap();
    assert_eq!(items.sex, Sex::Male);
    assert_eq!(items.family_name, "医療");
}

#[test]
fn text_pin_errors_are_typed() {
    let mut card = open();
    assert!(matches!(
        card.text_ap()
            .basic_four_items(&TextPin::new("0000").unwrap(), LastTry::Refuse),
        Err(Error::Pin(PinError::Wrong { tries_left: 2 }))
    ));
    sim(&mut card).set_tries_left(CardPin::Text, 1);
    assert!(matches!(
        card.text_ap().my_number(&text(), LastTry::Refuse),
        Err(Error::Pin(PinError::LastTryRefused { .. }))
    ));
}

#[test]
fn switching_applications_forgets_verification_and_signing_still_works() {
    let mut card = open();
    let digest = DigestAlgorithm::Sha256.hash(b"x");
    card.verify(&sign(), LastTry::Allow).unwrap();
    card.text_ap()
        .basic_four_items(&text(), LastTry::Allow)
        .unwrap();
    assert!(!card.is_verified(PinKind::Sign));
    let signer = card.signer(sign(), LastTry::Allow).unwrap();
    signer
        .sign_digest(DigestAlgorithm::Sha256, &digest)
        .unwrap();
}

#[test]
fn a_card_removed_mid_read_or_mid_signature_is_card_removed() {
    let mut card = open();
    card.transport_mut().inner_mut().remove_after(2);
    assert!(matches!(
        card.certificate(Certificate::Auth),
        Err(Error::CardRemoved)
    ));
    assert!(matches!(
        card.pin_status(PinKind::Auth),
        Err(Error::CardRemoved)
    ));

    let mut card = open();
    let signer = card.signer(auth(), LastTry::Allow).unwrap();
    signer.with_transport(|t| t.inner_mut().remove_after(3));
    assert!(matches!(
        signer.sign_digest(DigestAlgorithm::Sha256, &[0; 32]),
        Err(Error::CardRemoved)
    ));
    drop(signer);
    // Reinserted: the session starts over and works.
    card.transport_mut().inner_mut().insert();
    assert!(!card.is_verified(PinKind::Auth));
    card.verify(&auth(), LastTry::Refuse).unwrap();
}

fn replay(script: &[(&str, &str)]) -> ReplayTransport {
    let text: String = script
        .iter()
        .map(|(c, r)| format!("> {c}\n< {r}\n"))
        .collect();
    ReplayTransport::new(Trace::parse(&text).unwrap())
}

const OPEN: [(&str, &str); 3] = [
    ("00A4040C0AD392F000260100000001", "9000"),
    ("00A4020C020006", "9000"),
    (
        "00B0000020",
        "4A504B494150494343544F4B454E3220202020202020202020202020202020 9000",
    ),
];

#[test]
fn malformed_certificate_headers_and_short_files_are_errors() {
    let mut script = OPEN.to_vec();
    script.push(("00A4020C02000A", "9000"));
    script.push(("00B0000000", "FFFFFFFF 9000"));
    let mut card = JpkiCard::open(replay(&script)).unwrap();
    assert!(matches!(
        card.certificate(Certificate::Auth),
        Err(Error::MalformedCertificate(_))
    ));

    // The header promises 0x0400 + 4 bytes; the file ends early.
    let mut script = OPEN.to_vec();
    script.push(("00A4020C02000A", "9000"));
    let first = format!("30820400{} 9000", "00".repeat(252));
    script.push(("00B0000000", &first));
    script.push(("00B0010000", "0102 6282"));
    let mut card = JpkiCard::open(replay(&script)).unwrap();
    assert!(matches!(
        card.certificate(Certificate::Auth),
        Err(Error::MalformedCertificate(_))
    ));
}

#[test]
fn malformed_responses_are_errors_not_panics() {
    struct OneByte;
    impl Transport for OneByte {
        fn transmit_raw(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
            Ok(vec![0x90])
        }
    }
    assert!(matches!(JpkiCard::open(OneByte), Err(Error::Apdu(_))));

    // A token that is not ASCII.
    let mut script = OPEN.to_vec();
    script[2].1 = "C0C1 9000";
    assert!(matches!(
        JpkiCard::open(replay(&script)),
        Err(Error::MalformedToken(_))
    ));

    // A counter query answered with something else than 63Cx.
    let mut script = OPEN.to_vec();
    script.push(("00A4020C020018", "9000"));
    script.push(("00200080", "6A88"));
    let mut card = JpkiCard::open(replay(&script)).unwrap();
    assert!(matches!(card.pin_status(PinKind::Auth), Err(Error::Card(sw)) if sw.0 == 0x6A88));

    // A basic four items file with garbage.
    let mut script = OPEN.to_vec();
    script.push(("00A4040C0AD392100031000101 0408", "9000"));
    script.push(("00A4020C020011", "9000"));
    script.push(("0020008004 ********", "9000"));
    script.push(("00A4020C020002", "9000"));
    script.push(("00B0000000", "FF2005DF2201 6282"));
    let mut card = JpkiCard::open(replay(&script)).unwrap();
    assert!(matches!(
        card.text_ap().basic_four_items(&text(), LastTry::Allow),
        Err(Error::MalformedBasicFourItems(_))
    ));
}

/// A transport that corrupts signatures: the signer must notice.
struct Corrupting<T>(T);
impl<T: Transport> Transport for Corrupting<T> {
    fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut r = self.0.transmit_raw(command)?;
        if command.get(1) == Some(&0x2A)
            && let Some(b) = r.first_mut()
        {
            *b ^= 0x01;
        }
        Ok(r)
    }
}

#[test]
fn a_corrupted_signature_is_caught() {
    let card = MyNumberCard::with_pki(MyNumberOptions::default(), pki());
    let mut card = JpkiCard::open(Corrupting(InProcess::new(card))).unwrap();
    let signer = card.signer(auth(), LastTry::Refuse).unwrap();
    assert!(matches!(
        signer.sign_digest(DigestAlgorithm::Sha256, &[0; 32]),
        Err(Error::BadSignature(_))
    ));
}

#[test]
fn basic_four_items_parser_rejects_bad_sex() {
    let holder = TestHolder {
        sex: '7',
        ..TestHolder::yamada_hanako()
    };
    assert!(BasicFourItems::parse(&holder.basic_four_items_file(4)).is_err());
    let ok = TestHolder::yamada_hanako().basic_four_items_file(4);
    assert!(BasicFourItems::parse(&ok).is_ok());
}

/// A self-signed certificate built by x509-cert's `CertificateBuilder` with the card as
/// the signer; the card after it (for its trace).
fn certificate_built_by_the_card() -> (Vec<u8>, JpkiCard<Reader>) {
    use der::Encode;
    use std::str::FromStr;
    use x509_cert::builder::{Builder, CertificateBuilder, profile::cabf::Root};

    let mut card = open();
    let signer = card.signer(sign(), LastTry::Refuse).unwrap();
    let spki =
        spki::SubjectPublicKeyInfoOwned::from_key(&signature::Keypair::verifying_key(&signer))
            .unwrap();
    let subject =
        x509_cert::name::Name::from_str("CN=Signed by the virtual card,O=medsign test,C=JP")
            .unwrap();
    let builder = CertificateBuilder::new(
        Root::new(false, subject).unwrap(),
        x509_cert::serial_number::SerialNumber::from(7u32),
        x509_cert::time::Validity::from_now(std::time::Duration::from_secs(3600)).unwrap(),
        spki,
    )
    .unwrap();
    let cert = builder.build::<_, jpki_card::Signature>(&signer).unwrap();
    drop(signer);
    (cert.to_der().unwrap(), card)
}

#[test]
fn x509_cert_builder_signs_with_the_card() {
    use der::{Decode as _, Encode as _};
    let (der, card) = certificate_built_by_the_card();
    let cert = x509_cert::Certificate::from_der(&der).unwrap();
    let tbs = cert.tbs_certificate().to_der().unwrap();
    let signature = cert.signature().raw_bytes();
    // Self-signed: the certificate's own key verifies it, and it is the card's key.
    rsa_verify(&der, &tbs, signature, DigestAlgorithm::Sha256);
    rsa_verify(
        pki().sign_cert_der(),
        &tbs,
        signature,
        DigestAlgorithm::Sha256,
    );
    assert_eq!(
        verifies_with_data(&card),
        2,
        "one for the signer, one for the signature"
    );
}

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance"]
fn x509_cert_builder_signs_with_the_card_and_openssl_verifies() {
    let (der, _) = certificate_built_by_the_card();
    let dir = tempfile::tempdir().unwrap();
    let der_path = dir.path().join("c.der");
    let pem_path = dir.path().join("c.pem");
    std::fs::write(&der_path, der).unwrap();
    let status = std::process::Command::new("openssl")
        .args(["x509", "-inform", "der", "-in"])
        .arg(&der_path)
        .arg("-out")
        .arg(&pem_path)
        .status()
        .expect("the openssl command (apt-get install openssl)");
    assert!(status.success());
    let out = std::process::Command::new("openssl")
        .arg("verify")
        .arg("-CAfile")
        .arg(&pem_path)
        .arg(&pem_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance"]
fn signatures_of_both_keys_verify_with_openssl() {
    let mut card = open();
    let message = b"prescription";
    {
        let signer = card.signer(sign(), LastTry::Refuse).unwrap();
        for (alg, name) in [
            (DigestAlgorithm::Sha256, "-sha256"),
            (DigestAlgorithm::Sha384, "-sha384"),
            (DigestAlgorithm::Sha512, "-sha512"),
        ] {
            let sig = signer.sign_digest(alg, &alg.hash(message)).unwrap();
            openssl_verify(pki().sign_cert_der(), message, &sig, name);
        }
    }
    let mut signer = card.signer(auth(), LastTry::Refuse).unwrap();
    let digest = DigestAlgorithm::Sha256.hash(message);
    let sig = CertSigner::sign_digest(&mut signer, DigestAlgorithm::Sha256, &digest).unwrap();
    openssl_verify(pki().auth_cert_der(), message, &sig, "-sha256");
}

#[test]
fn the_redaction_policy_keeps_the_holders_data_out_of_the_trace() {
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02X}")).collect::<String>();
    // 16 bytes inside the second READ BINARY chunk of each certificate.
    let auth_part = hex(&pki().auth_cert_der()[300..316]);
    let sign_part = hex(&pki().sign_cert_der()[300..316]);
    let my_number = hex(b"123456789018");
    for (redaction, personal_data_shown) in [
        (jpki_card::redaction(), false),
        (apdu::Redaction::secrets_only(), true),
    ] {
        let virtual_card = MyNumberCard::with_pki(MyNumberOptions::default(), pki());
        let reader = TraceTransport::with_redaction(InProcess::new(virtual_card), redaction);
        let mut card = JpkiCard::open(reader).unwrap();
        card.certificate(Certificate::Auth).unwrap();
        card.signature_certificate(&sign(), LastTry::Refuse)
            .unwrap();
        let number = card.text_ap().my_number(&text(), LastTry::Refuse).unwrap();
        assert_eq!(number.expose(), "123456789018", "the caller gets the data");
        let text = trace(&card).to_text();
        assert!(
            text.contains(&auth_part),
            "the auth certificate is not personal"
        );
        assert_eq!(text.contains(&sign_part), personal_data_shown, "{text}");
        assert_eq!(text.contains(&my_number), personal_data_shown, "{text}");
        // PINs never, whatever the policy.
        assert!(!text.contains(&hex(b"ABC123")), "{text}");
        assert!(Trace::parse(&text).is_ok());
    }
}
