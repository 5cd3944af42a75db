//! Tests of the virtual HPKI card, at the APDU level.

use apdu::{Command, StatusWord, Transport, transmit};
use rsa::{Pkcs1v15Sign, traits::PublicKeyParts as _};
use sha2::{Digest as _, Sha256};

use super::*;
use crate::InProcess;
use apdu::Response;

const SHA256_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

fn physician() -> VirtualHpkiCard {
    VirtualHpkiCard::test_card(HpkiHolder::Physician).unwrap()
}

fn run(reader: &mut InProcess<VirtualHpkiCard>, apdu: &str) -> Response {
    let bytes: Vec<u8> = (0..apdu.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&apdu[i..i + 2], 16).unwrap())
        .collect();
    Response::parse(&reader.transmit_raw(&bytes).unwrap()).unwrap()
}

const SELECT_SIGNING: &str = "00A4040C10E828BD080FA000000391000000000001";
const SELECT_AUTH: &str = "00A4040C10E828BD080FA000000391000000000002";
const VERIFY_1234: &str = "002000880431323334";
const VERIFY_9999: &str = "002000880439393939";

fn digest_info(msg: &[u8]) -> Vec<u8> {
    let mut di = SHA256_PREFIX.to_vec();
    di.extend_from_slice(&Sha256::digest(msg));
    di
}

fn block(t: &[u8], k: usize) -> Vec<u8> {
    let mut em = vec![0x00, 0x01];
    em.resize(k - t.len() - 1, 0xFF);
    em.push(0x00);
    em.extend_from_slice(t);
    em
}

#[test]
fn both_applications_select_and_unknown_aids_are_not_found() {
    let mut r = InProcess::new(physician());
    assert_eq!(run(&mut r, SELECT_SIGNING).sw, StatusWord::SUCCESS);
    assert_eq!(run(&mut r, SELECT_AUTH).sw, StatusWord::SUCCESS);
    assert_eq!(
        run(&mut r, "00A4040C0AD392F000260100000001").sw,
        StatusWord::FILE_NOT_FOUND
    );
}

#[test]
fn certificate_reads_without_pin_at_any_offset_and_reports_the_end() {
    let card = physician();
    let cert = card.signing_key().certificate_der().to_vec();
    let mut r = InProcess::new(card);
    run(&mut r, SELECT_SIGNING);
    assert_eq!(run(&mut r, "00A4020C020016").sw, StatusWord::SUCCESS);
    let first = run(&mut r, "00B0000000");
    assert_eq!(first.data, cert[..256]);
    let at = run(&mut r, "00B0010010");
    assert_eq!(at.data, cert[0x100..0x110]);
    // Past the end: 6B00; running into the end: 6282 with what is there.
    let end = format!("00B0{:04X}00", cert.len());
    assert_eq!(run(&mut r, &end).sw, StatusWord::WRONG_P1_P2);
    let tail = format!("00B0{:04X}20", cert.len() - 4);
    let tail = run(&mut r, &tail);
    assert_eq!(
        (tail.sw, tail.data.as_slice()),
        (StatusWord::END_OF_FILE, &cert[cert.len() - 4..])
    );
}

#[test]
fn key_and_pin_files_are_not_readable() {
    let mut r = InProcess::new(physician());
    run(&mut r, SELECT_SIGNING);
    for fid in ["0002", "000C"] {
        run(&mut r, &format!("00A4020C02{fid}"));
        assert_eq!(
            run(&mut r, "00B0000000").sw,
            StatusWord::SECURITY_STATUS_NOT_SATISFIED,
            "{fid}"
        );
    }
}

#[test]
fn fifteen_tries_fit_the_counter_nibble_and_the_fifteenth_wrong_pin_locks() {
    let mut r = InProcess::new(physician());
    run(&mut r, SELECT_SIGNING);
    assert_eq!(run(&mut r, "00200088").sw, StatusWord(0x63CF));
    for left in (1..15u16).rev() {
        assert_eq!(run(&mut r, VERIFY_9999).sw, StatusWord(0x63C0 | left));
    }
    // Wrong PINs count for the whole card, on either application.
    run(&mut r, SELECT_AUTH);
    assert_eq!(run(&mut r, VERIFY_9999).sw, StatusWord(0x63C0));
    assert_eq!(
        run(&mut r, VERIFY_1234).sw,
        StatusWord::AUTHENTICATION_METHOD_BLOCKED
    );
    assert_eq!(
        run(&mut r, "00200088").sw,
        StatusWord::AUTHENTICATION_METHOD_BLOCKED
    );
    assert_eq!(r.card().tries_left(), 0);
}

#[test]
fn a_correct_pin_resets_the_counter() {
    let mut r = InProcess::new(physician().with_tries_left(3));
    run(&mut r, SELECT_SIGNING);
    assert_eq!(run(&mut r, VERIFY_9999).sw, StatusWord(0x63C2));
    assert_eq!(run(&mut r, VERIFY_1234).sw, StatusWord::SUCCESS);
    assert_eq!(r.card().tries_left(), HPKI_PIN_TRIES);
}

#[test]
fn jpki_style_signature_verifies_and_the_signing_ap_needs_the_pin_each_time() {
    let card = physician();
    let public = card.signing_key().key.to_public_key();
    let mut r = InProcess::new(card);
    run(&mut r, SELECT_SIGNING);
    run(&mut r, "00A4020C02000C");
    let di = digest_info(b"hello");
    let sign = format!("802A0080{:02X}{}00", di.len(), hex(&di));
    assert_eq!(
        run(&mut r, &sign).sw,
        StatusWord::SECURITY_STATUS_NOT_SATISFIED
    );
    run(&mut r, VERIFY_1234);
    let sig = run(&mut r, &sign);
    assert_eq!(sig.sw, StatusWord::SUCCESS);
    public
        .verify(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(b"hello"),
            &sig.data,
        )
        .unwrap();
    // userConsent 1: the verification was used up.
    assert_eq!(
        run(&mut r, &sign).sw,
        StatusWord::SECURITY_STATUS_NOT_SATISFIED
    );
    assert_eq!(run(&mut r, "00200088").sw, StatusWord(0x63CF));
}

#[test]
fn the_authentication_ap_keeps_the_pin_for_the_session() {
    let mut r = InProcess::new(physician());
    run(&mut r, SELECT_AUTH);
    run(&mut r, "00A4020C02000C");
    run(&mut r, VERIFY_1234);
    let di = digest_info(b"challenge");
    let sign = format!("802A0080{:02X}{}00", di.len(), hex(&di));
    assert!(run(&mut r, &sign).is_success());
    assert!(run(&mut r, &sign).is_success());
    assert_eq!(run(&mut r, "00200088").sw, StatusWord::SUCCESS);
    r.insert(); // a reset ends the session
    run(&mut r, SELECT_AUTH);
    assert_eq!(run(&mut r, "00200088").sw, StatusWord(0x63CF));
}

fn pso_session(card: VirtualHpkiCard) -> (InProcess<VirtualHpkiCard>, Vec<u8>, rsa::PublicKey) {
    let public = card.signing_key().key.to_public_key();
    let k = public.size();
    let mut r = InProcess::new(card);
    run(&mut r, SELECT_SIGNING);
    run(&mut r, "00A4020C020002");
    run(&mut r, "00A4020C02000C");
    (r, block(&digest_info(b"doc"), k), public)
}

#[test]
fn jahis_pso_with_extended_length_signs_the_host_block() {
    let (mut r, block, public) = pso_session(physician());
    assert!(run(&mut r, "002241B604840200 0C".replace(' ', "").as_str()).is_success());
    run(&mut r, VERIFY_1234);
    let pso = Command::new(0x00, 0x2A, 0x9E, 0x9A)
        .with_data(block)
        .with_le(256);
    let sig = transmit(&mut r, &pso).unwrap();
    assert!(sig.is_success(), "{:?}", sig.sw);
    public
        .verify(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(b"doc"),
            &sig.data,
        )
        .unwrap();
}

#[test]
fn jahis_pso_through_command_chaining_when_extended_length_is_off() {
    let (mut r, block, public) = pso_session(physician().with_extended_length(false));
    assert!(!r.supports_extended_length());
    assert!(run(&mut r, "002241B604810200 0C".replace(' ', "").as_str()).is_success());
    run(&mut r, VERIFY_1234);
    // An extended APDU is refused outright.
    let mut ext = "002A9E9A000100".to_owned();
    ext.push_str(&hex(&block));
    ext.push_str("0100");
    assert_eq!(run(&mut r, &ext).sw, StatusWord::WRONG_LENGTH);
    // The first link is taken with 9000, the last one signs.
    let first = format!("102A9E9AFF{}", hex(&block[..255]));
    assert_eq!(run(&mut r, &first).sw, StatusWord::SUCCESS);
    let last = format!("002A9E9A01{}00", hex(&block[255..]));
    let sig = run(&mut r, &last);
    assert!(sig.is_success(), "{:?}", sig.sw);
    public
        .verify(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(b"doc"),
            &sig.data,
        )
        .unwrap();
}

#[test]
fn pso_needs_mse_set_and_a_well_formed_block() {
    let (mut r, mut block, _) = pso_session(physician());
    run(&mut r, VERIFY_1234);
    let pso = |b: &[u8]| {
        Command::new(0x00, 0x2A, 0x9E, 0x9A)
            .with_data(b.to_vec())
            .with_le(256)
    };
    assert_eq!(
        transmit(&mut r, &pso(&block)).unwrap().sw,
        StatusWord::CONDITIONS_NOT_SATISFIED
    );
    run(&mut r, "002241B6048402000C");
    block[1] = 0x02; // not a signature block
    assert_eq!(
        transmit(&mut r, &pso(&block)).unwrap().sw,
        StatusWord::WRONG_DATA
    );
    // MSE naming another key is refused.
    assert_eq!(
        run(&mut r, "002241B6048402000D").sw,
        StatusWord::REFERENCED_DATA_NOT_FOUND
    );
}

#[test]
fn chaining_can_be_refused() {
    let mut r = InProcess::new(physician().with_extended_length(false).with_chaining(false));
    run(&mut r, SELECT_SIGNING);
    assert_eq!(
        run(&mut r, "102A9E9A0100").sw,
        StatusWord::CHAINING_NOT_SUPPORTED
    );
}

#[test]
fn variants_the_card_does_not_accept_answer_6d00_and_6e00() {
    let mut jpki_only =
        InProcess::new(physician().with_sign_support(HpkiSignSupport::JpkiStyleOnly));
    run(&mut jpki_only, SELECT_SIGNING);
    assert_eq!(
        run(&mut jpki_only, "002241B6048402000C").sw,
        StatusWord::INS_NOT_SUPPORTED
    );
    assert_eq!(
        run(&mut jpki_only, "002A9E9A0100").sw,
        StatusWord::INS_NOT_SUPPORTED
    );

    let mut jahis_only =
        InProcess::new(physician().with_sign_support(HpkiSignSupport::JahisPsoOnly));
    run(&mut jahis_only, SELECT_SIGNING);
    assert_eq!(
        run(&mut jahis_only, "802A00800100").sw,
        StatusWord::CLA_NOT_SUPPORTED
    );
}

#[test]
fn the_jahis_reference_layout_uses_its_own_ids_and_pin_reference() {
    let card = physician().with_profile(HpkiProfile::JahisReference);
    let cert = card.signing_key().certificate_der().to_vec();
    let ca = card.signing_key().ca_certificate.clone().unwrap();
    let mut r = InProcess::new(card);
    run(&mut r, SELECT_SIGNING);
    assert_eq!(run(&mut r, "00A4020C02000C").sw, StatusWord::FILE_NOT_FOUND);
    assert_eq!(
        run(&mut r, "00200088").sw,
        StatusWord::REFERENCED_DATA_NOT_FOUND
    );
    assert_eq!(run(&mut r, "00200096").sw, StatusWord(0x63CF));
    // READ BINARY by short EF id 18 (P1 = 80 | 18).
    assert_eq!(run(&mut r, "00B0980010").data, cert[..16]);
    run(&mut r, "00A4020C02001A");
    assert_eq!(run(&mut r, "00B0000010").data, ca[..16]);
    assert!(run(&mut r, "002241B6048102001 7".replace(' ', "").as_str()).is_success());
}

#[test]
fn long_answers_wait_for_get_response() {
    let (mut r, _, _) = pso_session(physician());
    run(&mut r, VERIFY_1234);
    let di = digest_info(b"x");
    // Le 0x80 < 256: the card keeps the rest for GET RESPONSE.
    let first = run(&mut r, &format!("802A0080{:02X}{}80", di.len(), hex(&di)));
    assert_eq!((first.data.len(), first.sw), (128, StatusWord(0x6180)));
    let rest = run(&mut r, "00C0000080");
    assert_eq!((rest.data.len(), rest.sw), (128, StatusWord::SUCCESS));
}

#[test]
fn garbage_never_panics() {
    let mut r = InProcess::new(physician());
    for bytes in [
        &[][..],
        &[0x00],
        &[0x00, 0xA4, 0x04],
        &[0x10, 0x2A, 0x9E, 0x9A, 0x05, 0x01],
        &[0xFF, 0xFF, 0xFF, 0xFF, 0x00],
        &[0x00, 0xB0, 0xFF, 0xFF, 0x00],
    ] {
        let answer = r.transmit_raw(bytes).unwrap();
        assert!(answer.len() >= 2);
    }
}

#[test]
fn every_holder_card_carries_its_hcrole_qualification() {
    for holder in HpkiHolder::ALL {
        let card = VirtualHpkiCard::test_card(holder).unwrap();
        for cert in [
            card.signing_key().certificate_der(),
            card.authentication_key().certificate_der(),
        ] {
            let role = hpki_cert::HcRole::from_certificate(cert).unwrap();
            assert_eq!(
                role.qualification(),
                Some(holder.qualification()),
                "{holder:?}"
            );
        }
    }
}

#[test]
fn debug_never_shows_the_pin_or_keys() {
    let card = physician().with_pin("98765432");
    let s = format!("{card:?}");
    assert!(s.contains("redacted") && !s.contains("98765432"), "{s}");
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}
