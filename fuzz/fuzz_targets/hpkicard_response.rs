#![no_main]
//! hpki-card's handling of card answers: a card that answers every command with fuzz
//! data, through opening, profile detection, the certificate read (DER header, chunks),
//! the PIN counter, VERIFY and both signing variants. Nothing may panic.
use apdu::{Transport, TransportError};
use cert_signer::DigestAlgorithm;
use hpki_card::{App, HpkiCard, LastTry, Pin, PinStatus, Profile};

/// Answers are `len_hi len_lo bytes…` records cut from the input.
struct FuzzCard<'a> {
    data: &'a [u8],
    extended: bool,
}

impl Transport for FuzzCard<'_> {
    fn transmit_raw(&mut self, _command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let [hi, lo, rest @ ..] = self.data else {
            return Err(TransportError::CardRemoved);
        };
        let n = usize::from(u16::from_be_bytes([*hi, *lo])).min(rest.len());
        let (answer, rest) = rest.split_at(n);
        self.data = rest;
        Ok(answer.to_vec())
    }

    fn supports_extended_length(&self) -> bool {
        self.extended
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = hpki_card::certificate_length(data);
    if let [a, b, ..] = data {
        let _ = PinStatus::from_status(apdu::StatusWord::from_bytes(*a, *b));
    }
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let card = FuzzCard {
        data: rest,
        extended: mode & 1 != 0,
    };
    let app = if mode & 2 != 0 {
        App::Authentication
    } else {
        App::Signing
    };
    let opened = if mode & 4 != 0 {
        HpkiCard::open_app(card, app)
    } else {
        let profile = if mode & 8 != 0 {
            Profile::JahisReference
        } else {
            Profile::Jma
        };
        HpkiCard::open_with_profile(card, app, profile)
    };
    let Ok(mut hpki) = opened else {
        return;
    };
    let last_try = LastTry::allow_if(mode & 16 != 0);
    let Ok(pin) = Pin::new("1234") else {
        return;
    };
    let digest = DigestAlgorithm::Sha256.hash(b"fuzz");
    if mode & 32 != 0 {
        let _ = hpki.pin_status();
        let _ = hpki.verify(&pin, last_try);
        let _ = hpki.sign(DigestAlgorithm::Sha256, &digest);
        let _ = hpki.sign_digest(&pin, last_try, DigestAlgorithm::Sha256, &digest);
    } else if let Ok(signer) = hpki.into_signer(pin, last_try) {
        let _ = signer.sign_prehashed(DigestAlgorithm::Sha256, &digest);
        let _ = signer.sign_prehashed(DigestAlgorithm::Sha384, &digest);
    }
});
