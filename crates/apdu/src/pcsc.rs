//! The PC/SC transport (feature `pcsc`): a thin wrapper over the `pcsc` crate.

use std::ffi::{CStr, CString};

use crate::{Transport, TransportError};

/// Largest response a PC/SC transmit can return: 65 536 data bytes and the status word.
const MAX_RESPONSE: usize = 65_538;

fn map_err(e: pcsc::Error) -> TransportError {
    use pcsc::Error as E;
    match e {
        E::NoReadersAvailable
        | E::UnknownReader
        | E::ReaderUnavailable
        | E::NoService
        | E::ServiceStopped => TransportError::NoReader,
        E::NoSmartcard => TransportError::NoCard,
        E::RemovedCard => TransportError::CardRemoved,
        E::ResetCard => TransportError::CardReset,
        E::SharingViolation => TransportError::Sharing,
        E::Timeout => TransportError::Timeout,
        other => TransportError::Other(other.to_string()),
    }
}

/// A PC/SC context: lists readers and connects to cards.
pub struct PcscContext {
    ctx: pcsc::Context,
}

impl core::fmt::Debug for PcscContext {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("PcscContext")
    }
}

impl PcscContext {
    /// Connects to the PC/SC service (`pcscd` on Linux). Fails with
    /// [`TransportError::NoReader`] when the service is not running.
    pub fn establish() -> Result<Self, TransportError> {
        let ctx = pcsc::Context::establish(pcsc::Scope::User).map_err(map_err)?;
        Ok(Self { ctx })
    }

    /// The names of the connected readers (empty when there are none).
    pub fn list_readers(&self) -> Result<Vec<String>, TransportError> {
        match self.ctx.list_readers_owned() {
            Ok(readers) => Ok(readers
                .iter()
                .map(|r| r.to_string_lossy().into_owned())
                .collect()),
            Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            Err(e) => Err(map_err(e)),
        }
    }

    /// Connects to the card in `reader` (shared mode; use [`PcscTransport::transaction`]
    /// for exclusive access during a multi-command operation).
    pub fn connect(&self, reader: &str) -> Result<PcscTransport, TransportError> {
        let name = CString::new(reader).map_err(|_| TransportError::NoReader)?;
        self.connect_cstr(&name)
    }

    /// Connects to the first reader that holds a card.
    pub fn connect_first(&self) -> Result<PcscTransport, TransportError> {
        let readers = self.ctx.list_readers_owned().map_err(map_err)?;
        if readers.is_empty() {
            return Err(TransportError::NoReader);
        }
        let mut last = TransportError::NoCard;
        for reader in &readers {
            match self.connect_cstr(reader) {
                Ok(t) => return Ok(t),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn connect_cstr(&self, reader: &CStr) -> Result<PcscTransport, TransportError> {
        let card = self
            .ctx
            .connect(reader, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
            .map_err(map_err)?;
        Ok(PcscTransport {
            card,
            reader: reader.to_string_lossy().into_owned(),
            extended: false,
        })
    }
}

/// A card connected through PC/SC.
pub struct PcscTransport {
    card: pcsc::Card,
    reader: String,
    extended: bool,
}

impl core::fmt::Debug for PcscTransport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PcscTransport")
            .field("reader", &self.reader)
            .field("extended_length", &self.extended)
            .finish()
    }
}

impl PcscTransport {
    /// The reader's name.
    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// Declares that the reader and card carry extended-length APDUs. Off by default:
    /// long commands are then sent with command chaining, which every reader carries.
    pub fn set_extended_length(&mut self, extended: bool) {
        self.extended = extended;
    }

    /// The card's answer to reset.
    pub fn atr(&self) -> Result<Vec<u8>, TransportError> {
        let status = self.card.status2_owned().map_err(map_err)?;
        Ok(status.atr().to_vec())
    }

    /// Starts an exclusive transaction: no other application can talk to the card until
    /// the returned guard is dropped. Do a whole operation (select, verify, sign) in one.
    pub fn transaction(&mut self) -> Result<PcscTransaction<'_>, TransportError> {
        let extended = self.extended;
        let tx = self.card.transaction().map_err(map_err)?;
        Ok(PcscTransaction { tx, extended })
    }

    /// Reconnects after [`TransportError::CardReset`], resetting the card.
    pub fn reconnect(&mut self) -> Result<(), TransportError> {
        self.card
            .reconnect(
                pcsc::ShareMode::Shared,
                pcsc::Protocols::ANY,
                pcsc::Disposition::ResetCard,
            )
            .map_err(map_err)
    }
}

fn transmit(card: &pcsc::Card, command: &[u8]) -> Result<Vec<u8>, TransportError> {
    let mut buf = vec![0u8; MAX_RESPONSE];
    let answer = card.transmit(command, &mut buf).map_err(map_err)?;
    // pcscd answers a card pulled mid-command (vpcd's virtual card too) with zero bytes
    // rather than SCARD_W_REMOVED_CARD: no status word means no card.
    if answer.is_empty() {
        return Err(TransportError::CardRemoved);
    }
    Ok(answer.to_vec())
}

impl Transport for PcscTransport {
    fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        transmit(&self.card, command)
    }

    fn supports_extended_length(&self) -> bool {
        self.extended
    }
}

/// An exclusive PC/SC transaction (see [`PcscTransport::transaction`]); ends when dropped.
pub struct PcscTransaction<'a> {
    tx: pcsc::Transaction<'a>,
    extended: bool,
}

impl core::fmt::Debug for PcscTransaction<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("PcscTransaction")
    }
}

impl Transport for PcscTransaction<'_> {
    fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        transmit(&self.tx, command)
    }

    fn supports_extended_length(&self) -> bool {
        self.extended
    }
}
