//! Serving a virtual card to a real `pcscd` through vsmartcard's `vpcd` driver.
//!
//! vpcd listens on TCP (127.0.0.1:35963 by default) for the card side. Every message in
//! both directions is a 2-byte big-endian length and a payload. A 1-byte payload from
//! vpcd is a control message: `00` power off, `01` power on, `02` reset, `04` ATR
//! request (answered with the ATR); any longer payload is a command APDU, answered with
//! the response APDU.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};

use crate::VirtualCard;

/// The default vpcd card-side port.
pub const DEFAULT_PORT: u16 = 35963;

const POWER_OFF: u8 = 0;
const POWER_ON: u8 = 1;
const RESET: u8 = 2;
const GET_ATR: u8 = 4;

/// Why serving over vpcd stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VpcdError {
    /// No vpcd listens at the address: start `pcscd` with the `vsmartcard-vpcd` driver
    /// installed.
    #[error("cannot connect to vpcd at {addr} (is pcscd running with vsmartcard-vpcd?): {source}")]
    Connect {
        /// The address tried.
        addr: String,
        /// The socket error.
        #[source]
        source: std::io::Error,
    },
    /// The connection failed while serving.
    #[error("vpcd connection failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Connects to vpcd at `addr` and serves `card` until vpcd closes the connection.
///
/// Returns `Ok(())` when vpcd closed the connection cleanly (pcscd stopped).
pub fn serve(
    card: &mut dyn VirtualCard,
    addr: impl ToSocketAddrs + core::fmt::Display,
) -> Result<(), VpcdError> {
    let shown = addr.to_string();
    let mut stream = TcpStream::connect(addr).map_err(|source| VpcdError::Connect {
        addr: shown,
        source,
    })?;
    stream.set_nodelay(true)?;
    serve_stream(card, &mut stream)
}

/// Serves `card` on an already connected stream (vpcd's protocol; see the module docs).
pub fn serve_stream<S: Read + Write>(
    card: &mut dyn VirtualCard,
    stream: &mut S,
) -> Result<(), VpcdError> {
    let mut powered = false;
    loop {
        let mut len = [0u8; 2];
        match stream.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        let len = usize::from(u16::from_be_bytes(len));
        let mut msg = vec![0u8; len];
        stream.read_exact(&mut msg)?;
        match msg.as_slice() {
            [POWER_OFF] => powered = false,
            [POWER_ON] => {
                if !powered {
                    card.reset();
                }
                powered = true;
            }
            [RESET] => {
                card.reset();
                powered = true;
            }
            [GET_ATR] => send(stream, &card.atr())?,
            [_] | [] => {} // Unknown control messages are ignored, as vpcd's own cards do.
            apdu => {
                let response = card.process(apdu);
                send(stream, &response)?;
            }
        }
    }
}

fn send<S: Write>(stream: &mut S, payload: &[u8]) -> Result<(), VpcdError> {
    let len = u16::try_from(payload.len()).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "response longer than 65535 bytes",
        )
    })?;
    stream.write_all(&len.to_be_bytes())?;
    stream.write_all(payload)?;
    stream.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MinimalCard;

    /// A scripted vpcd peer: what it sends, and what the card wrote back.
    struct Peer {
        input: std::io::Cursor<Vec<u8>>,
        output: Vec<u8>,
    }

    impl Read for Peer {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.input.read(buf)
        }
    }
    impl Write for Peer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.output.write(buf)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn frame(payload: &[u8]) -> Vec<u8> {
        let mut v = (payload.len() as u16).to_be_bytes().to_vec();
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn answers_atr_requests_and_apdus_with_length_framing() {
        let aid = crate::JPKI_AID.to_vec();
        let mut card = MinimalCard::new(vec![aid.clone()]);
        let mut select = vec![0x00, 0xA4, 0x04, 0x0C, 0x0A];
        select.extend_from_slice(&aid);
        let mut input = frame(&[POWER_ON]);
        input.extend(frame(&[GET_ATR]));
        input.extend(frame(&select));
        input.extend(frame(&[0x00, 0xB0, 0x00, 0x00, 0x00]));
        input.extend(frame(&[POWER_OFF]));
        let mut peer = Peer {
            input: std::io::Cursor::new(input),
            output: Vec::new(),
        };
        serve_stream(&mut card, &mut peer).unwrap();
        let mut expected = frame(&[0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]);
        expected.extend(frame(&[0x90, 0x00]));
        expected.extend(frame(&[0x6D, 0x00]));
        assert_eq!(peer.output, expected);
    }

    #[test]
    fn a_truncated_frame_is_an_error_not_a_panic() {
        let mut card = MinimalCard::new(vec![]);
        let mut peer = Peer {
            input: std::io::Cursor::new(vec![0x00, 0x05, 0x00]),
            output: Vec::new(),
        };
        assert!(serve_stream(&mut card, &mut peer).is_err());
    }

    #[test]
    fn connecting_to_nothing_names_vpcd() {
        let mut card = MinimalCard::new(vec![]);
        // Port 9 (discard) on loopback is closed on CI machines.
        let err = serve(&mut card, "127.0.0.1:9").unwrap_err();
        assert!(err.to_string().contains("vpcd"), "{err}");
    }
}
