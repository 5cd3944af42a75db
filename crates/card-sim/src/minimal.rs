//! A minimal card that only answers SELECT by AID: the smallest thing that proves a
//! host reaches a virtual card through the real PC/SC stack.

use apdu::{Command, Response, StatusWord};

use crate::VirtualCard;

/// A card with a list of applications and nothing in them.
///
/// ```text
/// 00 A4 04 0C Lc AID   → 9000 when AID is one of the card's, else 6A82
/// anything else        → 6D00 (instruction not supported)
/// ```
#[derive(Clone, Debug)]
pub struct MinimalCard {
    aids: Vec<Vec<u8>>,
    atr: Vec<u8>,
}

impl MinimalCard {
    /// A card holding the given applications.
    pub fn new(aids: Vec<Vec<u8>>) -> Self {
        Self {
            aids,
            // The My Number Card's contact ATR (docs/spec/cards.md §1).
            atr: vec![0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14],
        }
    }
}

impl VirtualCard for MinimalCard {
    fn atr(&self) -> Vec<u8> {
        self.atr.clone()
    }

    fn process(&mut self, command: &[u8]) -> Vec<u8> {
        let sw = match Command::parse(command) {
            Err(_) => StatusWord::WRONG_LENGTH,
            Ok((cmd, _)) if cmd.ins == 0xA4 && cmd.p1 == 0x04 => {
                if self.aids.iter().any(|a| a.as_slice() == cmd.data()) {
                    StatusWord::SUCCESS
                } else {
                    StatusWord::FILE_NOT_FOUND
                }
            }
            Ok(_) => StatusWord::INS_NOT_SUPPORTED,
        };
        Response::status(sw).to_bytes()
    }

    fn reset(&mut self) {}
}
