#![no_main]
//! Response parsing and the transmit loop against a card that answers with fuzz data.
use apdu::{Command, Transport, TransportError};

struct FuzzCard<'a> {
    answers: std::slice::Chunks<'a, u8>,
}

impl Transport for FuzzCard<'_> {
    fn transmit_raw(&mut self, _command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.answers
            .next()
            .map(<[u8]>::to_vec)
            .ok_or(TransportError::CardRemoved)
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(r) = apdu::Response::parse(data) {
        assert_eq!(r.to_bytes(), data);
    }
    let (chunk, rest) = data.split_first().unwrap_or((&3, &[]));
    let mut card = FuzzCard { answers: rest.chunks(usize::from(*chunk).max(1)) };
    let cmd = Command::new(0, 0xB0, 0, 0).with_le(256);
    let _ = apdu::transmit(&mut card, &cmd);
});
