//! The `Transport` trait and the exchange rules above it: GET RESPONSE, Le correction and
//! command chaining.

use crate::{Command, Error, LengthMode, Response};

/// Why bytes could not be exchanged with the card.
///
/// Each variant says what the user can do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No smart-card reader is connected (or the PC/SC service is not running). Connect a
    /// reader, or start `pcscd`.
    #[error("no card reader found (connect a reader, or start pcscd)")]
    NoReader,
    /// A reader is there but holds no card. Insert the card.
    #[error("no card in the reader (insert the card)")]
    NoCard,
    /// The card was removed during the session. Insert it again and start over; nothing
    /// the card did after the last completed command can be assumed.
    #[error("the card was removed (insert it again and retry the operation)")]
    CardRemoved,
    /// The card was reset by another application; its state (selected application,
    /// verified PINs) is lost. Reconnect and start over.
    #[error("the card was reset by another application (reconnect and start over)")]
    CardReset,
    /// Another application holds the card exclusively. Close it and retry.
    #[error("the card is in use by another application (close it and retry)")]
    Sharing,
    /// The card did not answer in time.
    #[error("the card did not answer in time")]
    Timeout,
    /// A replayed trace expected another command than the one sent.
    #[error("replay: exchange {index} expected {expected}, got {got}")]
    ReplayMismatch {
        /// Zero-based exchange number.
        index: usize,
        /// The recorded command (hex, secrets redacted).
        expected: String,
        /// The command sent (hex, secrets redacted).
        got: String,
    },
    /// A replayed trace has no more exchanges.
    #[error("replay: the trace has no exchange {0}")]
    ReplayExhausted(usize),
    /// Any other failure of the underlying stack.
    #[error("transport failure: {0}")]
    Other(String),
}

/// Something that carries APDUs to a card and back: a PC/SC reader, a virtual card, a
/// recorded trace.
///
/// A transport moves bytes and does nothing else; the rules for `61xx`, `6Cxx` and
/// chaining live in [`transmit`], once, for every transport.
pub trait Transport {
    /// Sends one serialised command APDU and returns the card's raw response (data and
    /// status word).
    fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;

    /// Whether this transport (reader and card) carries extended-length APDUs. When it
    /// does not, [`transmit`] sends long commands with command chaining.
    fn supports_extended_length(&self) -> bool {
        false
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit_raw(command)
    }
    fn supports_extended_length(&self) -> bool {
        (**self).supports_extended_length()
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit_raw(command)
    }
    fn supports_extended_length(&self) -> bool {
        (**self).supports_extended_length()
    }
}

/// The most GET RESPONSE rounds one command may take: 65 536 bytes in 256-byte pieces,
/// plus slack. A card that asks for more is misbehaving.
const MAX_GET_RESPONSE_ROUNDS: usize = 260;

/// Sends `command` and returns the complete response.
///
/// - Commands that need extended length go out extended when the transport supports it,
///   else as a chain of short commands (CLA bit `0x10` on all but the last, ISO/IEC 7816-4
///   §5.3.3); an intermediate link that does not answer `9000` ends the chain and is
///   returned.
/// - `6Cxx` (wrong Le): the command is sent once more with Ne = xx.
/// - `61xx`: GET RESPONSE (`00 C0 00 00 xx`) until the card has given everything; the
///   pieces are joined and the final status word returned.
///
/// The status word is returned, not judged: `63C2` or `6982` are answers, not transport
/// failures. Use [`Response::check`] or [`Response::into_data`].
pub fn transmit<T: Transport + ?Sized>(
    transport: &mut T,
    command: &Command,
) -> Result<Response, Error> {
    let mode = command.required_length_mode();
    let mut response = if mode == LengthMode::Extended && !transport.supports_extended_length() {
        if command.data().len() > crate::command::MAX_DATA_SHORT {
            transmit_chained(transport, command)?
        } else {
            // Only Ne is too large for short form: ask for 256 and let 61xx carry the rest.
            exchange(transport, &command.clone().with_le(256), LengthMode::Short)?
        }
    } else {
        exchange(transport, command, mode)?
    };

    if let Some(le) = response.sw.correct_le() {
        let retry = command.clone().with_le(le);
        response = exchange(transport, &retry, retry.required_length_mode())?;
    }

    let mut rounds = 0;
    while let Some(available) = response.sw.bytes_available() {
        rounds += 1;
        if rounds > MAX_GET_RESPONSE_ROUNDS {
            return Err(Error::TooManyResponses);
        }
        let get = Command::new(command.cla & 0x03, 0xC0, 0x00, 0x00).with_le(available as u32);
        let mut next = exchange(transport, &get, LengthMode::Short)?;
        // A card that answers GET RESPONSE with 6Cxx gets one corrected retry.
        if let Some(le) = next.sw.correct_le() {
            next = exchange(transport, &get.with_le(le), LengthMode::Short)?;
        }
        response.data.extend_from_slice(&next.data);
        response.sw = next.sw;
    }
    Ok(response)
}

fn transmit_chained<T: Transport + ?Sized>(
    transport: &mut T,
    command: &Command,
) -> Result<Response, Error> {
    let data = command.data();
    let chunks: Vec<&[u8]> = data.chunks(crate::command::MAX_DATA_SHORT).collect();
    let last = chunks.len().saturating_sub(1);
    for (i, chunk) in chunks.iter().enumerate() {
        let is_last = i == last;
        let cla = if is_last {
            command.cla
        } else {
            command.cla | 0x10
        };
        let mut link =
            Command::new(cla, command.ins, command.p1, command.p2).with_data(chunk.to_vec());
        if is_last {
            if let Some(le) = command.le() {
                link = link.with_le(le.min(crate::command::MAX_LE_SHORT));
            }
            return exchange(transport, &link, LengthMode::Short);
        }
        let answer = exchange(transport, &link, LengthMode::Short)?;
        if !answer.is_success() {
            return Ok(answer);
        }
    }
    // Unreachable for non-empty data, which is the only way here.
    Err(Error::MalformedCommand(
        "command chaining needs command data",
    ))
}

fn exchange<T: Transport + ?Sized>(
    transport: &mut T,
    command: &Command,
    mode: LengthMode,
) -> Result<Response, Error> {
    let bytes = command.to_bytes_with(mode)?;
    let raw = transport.transmit_raw(&bytes)?;
    Response::parse(&raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ReplayTransport, StatusWord, Trace};

    fn script(pairs: &[(&str, &str)]) -> ReplayTransport {
        let text: String = pairs
            .iter()
            .map(|(c, r)| format!("> {c}\n< {r}\n"))
            .collect();
        ReplayTransport::new(Trace::parse(&text).unwrap())
    }

    #[test]
    fn get_response_loop_joins_every_piece() {
        let mut t = script(&[
            ("00B0000000", "0102 6102"),
            ("00C0000002", "0304 6101"),
            ("00C0000001", "05 9000"),
        ]);
        let r = transmit(&mut t, &Command::new(0, 0xB0, 0, 0).with_le(256)).unwrap();
        assert_eq!(r.data, vec![1, 2, 3, 4, 5]);
        assert!(r.is_success());
        assert!(t.is_finished());
    }

    #[test]
    fn wrong_le_is_corrected_once() {
        let mut t = script(&[("00B0000010", "6C04"), ("00B0000004", "AABBCCDD 9000")]);
        let r = transmit(&mut t, &Command::new(0, 0xB0, 0, 0).with_le(16)).unwrap();
        assert_eq!(r.data, vec![0xAA, 0xBB, 0xCC, 0xDD]);
        assert!(t.is_finished());
    }

    #[test]
    fn six_c_zero_means_256() {
        let mut t = script(&[("00B0000001", "6C00"), ("00B0000000", "9000")]);
        transmit(&mut t, &Command::new(0, 0xB0, 0, 0).with_le(1)).unwrap();
        assert!(t.is_finished());
    }

    #[test]
    fn a_second_6cxx_is_returned_not_looped() {
        let mut t = script(&[("00B0000010", "6C04"), ("00B0000004", "6C08")]);
        let r = transmit(&mut t, &Command::new(0, 0xB0, 0, 0).with_le(16)).unwrap();
        assert_eq!(r.sw, StatusWord(0x6C08));
    }

    #[test]
    fn long_command_is_chained_when_extended_length_is_missing() {
        let data: Vec<u8> = (0..300u16).map(|i| i as u8).collect();
        let first: String = data[..255].iter().map(|b| format!("{b:02X}")).collect();
        let second: String = data[255..].iter().map(|b| format!("{b:02X}")).collect();
        let mut t = script(&[
            (&format!("102A9E9AFF{first}"), "9000"),
            (&format!("002A9E9A2D{second}00"), "ABCD 9000"),
        ]);
        let cmd = Command::new(0, 0x2A, 0x9E, 0x9A)
            .with_data(data)
            .with_le(256);
        let r = transmit(&mut t, &cmd).unwrap();
        assert_eq!(r.data, vec![0xAB, 0xCD]);
        assert!(t.is_finished());
    }

    #[test]
    fn a_refused_chain_link_stops_the_chain() {
        let data = vec![0u8; 300];
        let first: String = "00".repeat(255);
        let mut t = script(&[(&format!("102A9E9AFF{first}"), "6884")]);
        let cmd = Command::new(0, 0x2A, 0x9E, 0x9A).with_data(data);
        let r = transmit(&mut t, &cmd).unwrap();
        assert_eq!(r.sw, StatusWord::CHAINING_NOT_SUPPORTED);
        assert!(t.is_finished());
    }

    #[test]
    fn long_command_goes_extended_when_supported() {
        let data = vec![0x11u8; 256];
        let hexdata = "11".repeat(256);
        let mut t =
            script(&[(&format!("002A9E9A000100{hexdata}0100"), "9000")]).with_extended_length(true);
        let cmd = Command::new(0, 0x2A, 0x9E, 0x9A)
            .with_data(data)
            .with_le(256);
        transmit(&mut t, &cmd).unwrap();
        assert!(t.is_finished());
    }

    #[test]
    fn large_le_without_extended_length_asks_for_256_then_get_response() {
        let mut t = script(&[("00B0000000", "01 6101"), ("00C0000001", "02 9000")]);
        let r = transmit(&mut t, &Command::new(0, 0xB0, 0, 0).with_le(1000)).unwrap();
        assert_eq!(r.data, vec![1, 2]);
    }

    #[test]
    fn endless_61xx_is_cut_off() {
        struct Endless;
        impl Transport for Endless {
            fn transmit_raw(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
                Ok(vec![0x00, 0x61, 0x01])
            }
        }
        let r = transmit(&mut Endless, &Command::new(0, 0xB0, 0, 0).with_le(1));
        assert!(matches!(r, Err(Error::TooManyResponses)));
    }

    #[test]
    fn a_one_byte_answer_is_malformed_not_a_panic() {
        struct OneByte;
        impl Transport for OneByte {
            fn transmit_raw(&mut self, _: &[u8]) -> Result<Vec<u8>, TransportError> {
                Ok(vec![0x90])
            }
        }
        assert!(matches!(
            transmit(&mut OneByte, &Command::new(0, 0xB0, 0, 0)),
            Err(Error::MalformedResponse { len: 1 })
        ));
    }

    #[test]
    fn get_response_keeps_the_logical_channel() {
        let mut t = script(&[("01B0000000", "6101"), ("01C0000001", "07 9000")]);
        let r = transmit(&mut t, &Command::new(0x01, 0xB0, 0, 0).with_le(256)).unwrap();
        assert_eq!(r.data, vec![7]);
    }
}
