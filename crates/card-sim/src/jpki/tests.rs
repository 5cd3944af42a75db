//! The virtual My Number Card against `docs/spec/cards.md`, APDU by APDU.

use std::sync::{Arc, OnceLock};

use apdu::{Command, Response, StatusWord, Transport, transmit};
use rsa::Pkcs1v15Sign;
use sha2::Digest;

use super::*;
use crate::InProcess;

fn shared_pki() -> Arc<JpkiTestPki> {
    static PKI: OnceLock<Arc<JpkiTestPki>> = OnceLock::new();
    PKI.get_or_init(|| Arc::new(JpkiTestPki::generate(&TestHolder::yamada_hanako()).unwrap()))
        .clone()
}

fn card_with(options: MyNumberOptions) -> MyNumberCard {
    MyNumberCard::with_pki(options, shared_pki())
}

fn card() -> MyNumberCard {
    card_with(MyNumberOptions::default())
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn raw(card: &mut MyNumberCard, apdu: &str) -> Response {
    Response::parse(&card.process(&hex(apdu))).unwrap()
}

fn sw(card: &mut MyNumberCard, apdu: &str) -> u16 {
    raw(card, apdu).sw.0
}

const SELECT_JPKI: &str = "00A4040C0A D392F000260100000001";
const SELECT_TEXT: &str = "00A4040C0A D392100031000101 0408";

#[test]
fn test_vectors_of_cards_md_section_8() {
    let mut c = card();
    assert_eq!(sw(&mut c, SELECT_JPKI), 0x9000);
    assert_eq!(sw(&mut c, "00A4020C02 0018"), 0x9000);
    assert_eq!(sw(&mut c, "00200080"), 0x63C3);
    assert_eq!(sw(&mut c, "00A4020C02 0006"), 0x9000);
    let token = raw(&mut c, "00B0000020");
    assert_eq!(token.sw, StatusWord::SUCCESS);
    assert_eq!(&token.data[..15], b"JPKIAPICCTOKEN2");
    assert_eq!(token.data.len(), 32);
    assert!(token.data[15..].iter().all(|&b| b == b' '));
}

#[test]
fn presents_the_atr_opensc_matches() {
    assert_eq!(card().atr(), hex("3BE000FF8131FE4514"));
}

#[test]
fn unknown_application_and_files_are_not_found() {
    let mut c = card();
    assert_eq!(sw(&mut c, "00A4040C05 A000000001"), 0x6A82);
    // No application selected: no EF.
    assert_eq!(sw(&mut c, "00A4020C02 000A"), 0x6A82);
    assert_eq!(sw(&mut c, SELECT_JPKI), 0x9000);
    assert_eq!(sw(&mut c, "00A4020C02 1234"), 0x6A82);
    // The text AP's files are not in the JPKI AP and vice versa.
    assert_eq!(sw(&mut c, "00A4020C02 0011"), 0x6A82);
    assert_eq!(sw(&mut c, SELECT_TEXT), 0x9000);
    assert_eq!(sw(&mut c, "00A4020C02 000A"), 0x6A82);
    // The other applications of the card are there, empty.
    assert_eq!(sw(&mut c, "00A4040C0A D3921000310001010402"), 0x9000);
}

#[test]
fn read_binary_with_offsets_and_end_of_file() {
    let mut c = card();
    let cert = shared_pki().auth_cert_der().to_vec();
    sw(&mut c, SELECT_JPKI);
    sw(&mut c, "00A4020C02 000A");
    let head = raw(&mut c, "00B0000004");
    assert_eq!(head.data, cert[..4]);
    let mid = raw(&mut c, "00B0010010");
    assert_eq!(mid.data, cert[256..272]);
    // Past the end: the rest and 6282.
    let last = cert.len() - 10;
    let tail = raw(
        &mut c,
        &format!("00B0{:04X}00", u16::try_from(last).unwrap()),
    );
    assert_eq!(tail.sw, StatusWord::END_OF_FILE);
    assert_eq!(tail.data, cert[last..]);
    // At or beyond the end: 6B00.
    let at_end = format!("00B0{:04X}01", cert.len());
    assert_eq!(sw(&mut c, &at_end), 0x6B00);
    // No Le: wrong length; SFI addressing: not supported.
    assert_eq!(sw(&mut c, "00B00000"), 0x6700);
    assert_eq!(sw(&mut c, "00B0810004"), 0x6A81);
}

#[test]
fn read_binary_without_a_current_ef_or_of_a_key_is_refused() {
    let mut c = card();
    sw(&mut c, SELECT_JPKI);
    assert_eq!(sw(&mut c, "00B0000004"), 0x6986);
    sw(&mut c, "00A4020C02 0017");
    assert_eq!(sw(&mut c, "00B0000004"), 0x6981);
}

#[test]
fn exact_le_mode_answers_6cxx() {
    let options = MyNumberOptions {
        exact_le: true,
        ..MyNumberOptions::default()
    };
    let mut c = card_with(options);
    sw(&mut c, SELECT_JPKI);
    sw(&mut c, "00A4020C02 0006");
    assert_eq!(sw(&mut c, "00B0000040"), 0x6C20);
    let mut reader = InProcess::new(c);
    let r = transmit(&mut reader, &Command::new(0, 0xB0, 0, 0).with_le(64)).unwrap();
    assert_eq!(r.data.len(), 32);
    assert!(r.is_success());
}

#[test]
fn split_mode_answers_61xx_and_get_response_gives_the_rest() {
    let options = MyNumberOptions {
        split_responses: Some(100),
        ..MyNumberOptions::default()
    };
    let mut c = card_with(options);
    let cert = shared_pki().auth_cert_der().to_vec();
    sw(&mut c, SELECT_JPKI);
    sw(&mut c, "00A4020C02 000A");
    let first = raw(&mut c, "00B0000000");
    assert_eq!(first.data, cert[..100]);
    assert_eq!(first.sw, StatusWord(0x619C));
    let second = raw(&mut c, "00C0000050");
    assert_eq!(second.data, cert[100..180]);
    assert_eq!(second.sw, StatusWord(0x614C));
    let third = raw(&mut c, "00C000004C");
    assert_eq!(third.data, cert[180..256]);
    assert_eq!(third.sw, StatusWord::SUCCESS);
    assert_eq!(sw(&mut c, "00C0000010"), 0x6985);
    // Through the APDU layer the pieces join up.
    let mut reader = InProcess::new(c);
    let r = transmit(&mut reader, &Command::new(0, 0xB0, 0, 0).with_le(256)).unwrap();
    assert_eq!(r.data, cert[..256]);
}

#[test]
fn signature_certificate_needs_the_signature_pin() {
    let mut c = card();
    sw(&mut c, SELECT_JPKI);
    sw(&mut c, "00A4020C02 0001");
    assert_eq!(sw(&mut c, "00B0000004"), 0x6982);
    sw(&mut c, "00A4020C02 001B");
    assert_eq!(sw(&mut c, "0020008006 414243313233"), 0x9000);
    sw(&mut c, "00A4020C02 0001");
    assert_eq!(
        raw(&mut c, "00B0000004").data,
        shared_pki().sign_cert_der()[..4]
    );
    // Free files need nothing; a reselect of the AP forgets the PIN.
    sw(&mut c, SELECT_JPKI);
    sw(&mut c, "00A4020C02 0001");
    assert_eq!(sw(&mut c, "00B0000004"), 0x6982);
}

#[test]
fn smartphone_tokens_keep_the_auth_certificate_behind_the_auth_pin() {
    let options = MyNumberOptions {
        token: Token::Gpse,
        ..MyNumberOptions::default()
    };
    let mut c = card_with(options);
    sw(&mut c, SELECT_JPKI);
    sw(&mut c, "00A4020C02 0006");
    assert_eq!(&raw(&mut c, "00B0000020").data[..15], b"JPKIAPGPSETOKEN");
    sw(&mut c, "00A4020C02 000A");
    assert_eq!(sw(&mut c, "00B0000004"), 0x6982);
    sw(&mut c, "00A4020C02 0018");
    assert_eq!(sw(&mut c, "0020008004 31323334"), 0x9000);
    sw(&mut c, "00A4020C02 000A");
    assert_eq!(sw(&mut c, "00B0000004"), 0x9000);
}

#[test]
fn pin_counters_count_down_block_and_reset_on_success() {
    let mut c = card();
    sw(&mut c, SELECT_JPKI);
    sw(&mut c, "00A4020C02 001B");
    assert_eq!(sw(&mut c, "00200080"), 0x63C5);
    assert_eq!(sw(&mut c, "0020008006 414243313234"), 0x63C4);
    assert_eq!(sw(&mut c, "00200080"), 0x63C4);
    assert_eq!(sw(&mut c, "0020008006 414243313233"), 0x9000);
    assert_eq!(c.tries_left(CardPin::Sign), 5);
    for left in (0..5u16).rev() {
        assert_eq!(sw(&mut c, "0020008006 414243313234"), 0x63C0 | left);
    }
    // Blocked: even the right PIN is refused.
    assert_eq!(sw(&mut c, "0020008006 414243313233"), 0x63C0);
    assert_eq!(sw(&mut c, "00200080"), 0x63C0);
}

#[test]
fn blocked_status_is_switchable() {
    for (blocked, expected) in [
        (BlockedStatus::Counter, 0x63C0),
        (BlockedStatus::MethodBlocked, 0x6983),
        (BlockedStatus::NotUsable, 0x6984),
    ] {
        let mut c = card();
        c.set_behaviour(blocked, None, false);
        c.set_tries_left(CardPin::Auth, 0);
        sw(&mut c, SELECT_JPKI);
        sw(&mut c, "00A4020C02 0018");
        assert_eq!(sw(&mut c, "00200080"), expected);
        assert_eq!(sw(&mut c, "0020008004 31323334"), expected);
    }
}

#[test]
fn verify_needs_a_pin_ef_and_the_right_p1_p2() {
    let mut c = card();
    sw(&mut c, SELECT_JPKI);
    assert_eq!(sw(&mut c, "00200080"), 0x6986);
    sw(&mut c, "00A4020C02 0018");
    assert_eq!(sw(&mut c, "00200081"), 0x6A86);
}

#[test]
fn change_reference_data_after_verify_only_and_well_formed() {
    let mut c = card();
    sw(&mut c, SELECT_JPKI);
    sw(&mut c, "00A4020C02 0018");
    assert_eq!(sw(&mut c, "0024018004 35363738"), 0x6982);
    assert_eq!(sw(&mut c, "0020008004 31323334"), 0x9000);
    assert_eq!(sw(&mut c, "0024018004 3536373A"), 0x6A80);
    assert_eq!(sw(&mut c, "0024018003 353637"), 0x6A80);
    assert_eq!(sw(&mut c, "0024018004 35363738"), 0x9000);
    assert_eq!(c.pin_value(CardPin::Auth).as_str(), "5678");
    assert_eq!(sw(&mut c, "0020008004 31323334"), 0x63C2);
    assert_eq!(sw(&mut c, "0020008004 35363738"), 0x9000);
}

#[test]
fn signing_pads_on_card_and_verifies_with_the_certificate_key() {
    let mut c = card();
    let digest = sha2::Sha256::digest(b"hello");
    let mut info = hex("3031300D060960864801650304020105000420");
    info.extend_from_slice(&digest);
    let sign_cmd = format!("802A0080{:02X}{}00", info.len(), to_hex(&info));
    sw(&mut c, SELECT_JPKI);
    sw(&mut c, "00A4020C02 0017");
    assert_eq!(sw(&mut c, &sign_cmd), 0x6982, "needs the auth PIN");
    sw(&mut c, "00A4020C02 0018");
    sw(&mut c, "0020008004 31323334");
    sw(&mut c, "00A4020C02 0017");
    let r = raw(&mut c, &sign_cmd);
    assert!(r.is_success());
    assert_eq!(r.data.len(), 256);
    shared_pki()
        .auth_key()
        .to_public_key()
        .verify(Pkcs1v15Sign::new::<sha2::Sha256>(), &digest, &r.data)
        .unwrap();
    // The auth PIN does not unlock the signature key.
    sw(&mut c, "00A4020C02 001A");
    assert_eq!(sw(&mut c, &sign_cmd), 0x6982);
    // Wrong P1-P2, no key selected, too long data.
    sw(&mut c, "00A4020C02 0017");
    assert_eq!(sw(&mut c, "802A9E9A0401020304"), 0x6A86);
    let long = format!("802A0080F6{}00", "00".repeat(246));
    assert_eq!(sw(&mut c, &long), 0x6700);
    sw(&mut c, "00A4020C02 000A");
    assert_eq!(sw(&mut c, &sign_cmd), 0x6986);
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

#[test]
fn text_ap_files_need_the_text_pin() {
    let mut c = card();
    sw(&mut c, SELECT_TEXT);
    sw(&mut c, "00A4020C02 0001");
    assert_eq!(sw(&mut c, "00B0000011"), 0x6982);
    sw(&mut c, "00A4020C02 0011");
    assert_eq!(sw(&mut c, "00200080"), 0x63C3);
    assert_eq!(sw(&mut c, "0020008004 31323334"), 0x9000);
    sw(&mut c, "00A4020C02 0001");
    let my_number = raw(&mut c, "00B0000011");
    assert_eq!(&my_number.data[..3], &[0xFF, 0x10, 0x0C]);
    assert_eq!(&my_number.data[3..15], b"123456789018");
    sw(&mut c, "00A4020C02 0002");
    let four = raw(&mut c, "00B0000000");
    assert_eq!(four.sw, StatusWord::END_OF_FILE);
    // FF 20 L DF 21 08 <offsets>: the first offset points just after the offsets TLV.
    assert_eq!(&four.data[..2], &[0xFF, 0x20]);
    let header = if four.data[2] < 0x80 { 3 } else { 4 };
    assert_eq!(&four.data[header..header + 3], &[0xDF, 0x21, 0x08]);
    let first = u16::from_be_bytes([four.data[header + 3], four.data[header + 4]]);
    assert_eq!(usize::from(first), header + 11);
    assert_eq!(
        &four.data[usize::from(first)..usize::from(first) + 2],
        &[0xDF, 0x22]
    );
}

#[test]
fn basic_four_items_offsets_point_at_each_item() {
    let file = TestHolder::iryo_taro().basic_four_items_file(0);
    let header = if file[2] < 0x80 { 3 } else { 4 };
    for (i, tag) in [0x22u8, 0x23, 0x24, 0x25].into_iter().enumerate() {
        let at = usize::from(u16::from_be_bytes([
            file[header + 3 + 2 * i],
            file[header + 4 + 2 * i],
        ]));
        assert_eq!(&file[at..at + 2], &[0xDF, tag]);
    }
}

#[test]
fn my_numbers_of_the_test_holders_have_valid_check_digits() {
    assert_eq!(with_check_digit("12345678901"), "123456789018");
    for holder in [TestHolder::yamada_hanako(), TestHolder::iryo_taro()] {
        let n = holder.my_number.as_str();
        assert_eq!(with_check_digit(&n[..11]), n);
        assert!(!format!("{holder:?}").contains(&n[..11]));
    }
}

#[test]
fn reset_forgets_verified_pins_and_the_selection() {
    let mut c = card();
    sw(&mut c, SELECT_JPKI);
    sw(&mut c, "00A4020C02 001B");
    sw(&mut c, "0020008006 414243313233");
    c.reset();
    assert_eq!(sw(&mut c, "00A4020C02 0001"), 0x6A82);
    sw(&mut c, SELECT_JPKI);
    sw(&mut c, "00A4020C02 0001");
    assert_eq!(sw(&mut c, "00B0000004"), 0x6982);
}

#[test]
fn unknown_instructions_and_classes() {
    let mut c = card();
    assert_eq!(sw(&mut c, "00CA010100"), 0x6D00);
    assert_eq!(sw(&mut c, "A0A4040C0AD392F000260100000001"), 0x6E00);
    assert_eq!(sw(&mut c, "00"), 0x6700);
}

#[test]
fn the_test_pki_is_deterministic() {
    let a = JpkiTestPki::generate(&TestHolder::yamada_hanako()).unwrap();
    let b = shared_pki();
    assert_eq!(a.auth_cert_der(), b.auth_cert_der());
    assert_eq!(a.sign_cert_der(), b.sign_cert_der());
    assert_eq!(a.root_der(), b.root_der());
    let other = JpkiTestPki::generate(&TestHolder::iryo_taro()).unwrap();
    assert_ne!(other.sign_cert_der(), b.sign_cert_der());
    assert!(
        b.auth_cert_der().len() > 256,
        "OpenSC sizes files from a 30 82 header"
    );
}

#[test]
#[ignore = "needs the openssl command; run by scripts/conformance"]
fn the_test_pki_chains_for_openssl() {
    let b = shared_pki();
    let dir = tempdir();
    let write = |name: &str, der: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, der).unwrap();
        path
    };
    let pem = |der_path: &std::path::Path| {
        let out = der_path.with_extension("pem");
        let status = std::process::Command::new("openssl")
            .args(["x509", "-inform", "der", "-in"])
            .arg(der_path)
            .arg("-out")
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success());
        out
    };
    let root = pem(&write("root.der", b.root_der()));
    for (ca, ee) in [
        (b.sign_ca_der(), b.sign_cert_der()),
        (b.auth_ca_der(), b.auth_cert_der()),
    ] {
        let ca = pem(&write("ca.der", ca));
        let ee = pem(&write("ee.der", ee));
        let out = std::process::Command::new("openssl")
            .args(["verify", "-attime", "1800000000", "-CAfile"])
            .arg(&root)
            .arg("-untrusted")
            .arg(&ca)
            .arg(&ee)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    // The signature certificate carries the basic four items in subjectAltName.
    let sign = pem(&write("sign.der", b.sign_cert_der()));
    let text = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-ext", "subjectAltName", "-in"])
        .arg(&sign)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("1.2.392.200149.8.5.5.1::山田　花子"),
        "{text}"
    );
    assert!(text.contains("19800401"), "{text}");
    std::fs::remove_dir_all(dir).unwrap();
}

fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "card-sim-jpki-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_card_pulled_mid_operation_fails_the_next_command() {
    let mut reader = InProcess::new(card());
    reader.remove_after(1);
    let select = Command::new(0, 0xA4, 4, 0x0C).with_data(JPKI_AID.to_vec());
    assert!(transmit(&mut reader, &select).unwrap().is_success());
    assert!(matches!(
        reader.transmit_raw(&hex("00A4020C020006")),
        Err(apdu::TransportError::CardRemoved)
    ));
}

proptest::proptest! {
    #[test]
    fn any_bytes_get_an_answer_never_a_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
        let mut c = card();
        let _ = c.process(&hex(SELECT_JPKI));
        let answer = c.process(&bytes);
        proptest::prop_assert!(answer.len() >= 2);
    }
}
