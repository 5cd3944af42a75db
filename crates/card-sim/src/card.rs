//! The `VirtualCard` trait and the in-process transport over it.

use apdu::{Transport, TransportError};

/// A card implemented in software: it receives command APDUs and answers like a card.
///
/// Implementations parse commands with [`apdu::Command::parse`] and must answer every
/// byte string (malformed ones with `6700` or similar), never panic.
pub trait VirtualCard: Send {
    /// The answer to reset.
    fn atr(&self) -> Vec<u8>;

    /// Processes one command APDU and returns the response APDU (data and status word).
    fn process(&mut self, command: &[u8]) -> Vec<u8>;

    /// A warm or cold reset: the card forgets its selected application and verified PINs
    /// (counters and files stay).
    fn reset(&mut self);

    /// Whether the card handles extended-length APDUs.
    fn supports_extended_length(&self) -> bool {
        true
    }
}

/// A virtual card in a virtual reader: a [`Transport`] that calls the card in process.
///
/// It can pull the card out (`remove`) to test how hosts handle
/// [`TransportError::CardRemoved`], also in the middle of an operation (`remove_after`).
pub struct InProcess<C> {
    card: C,
    removed: bool,
    remove_after: Option<usize>,
}

impl<C> core::fmt::Debug for InProcess<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InProcess")
            .field("removed", &self.removed)
            .finish()
    }
}

impl<C: VirtualCard> InProcess<C> {
    /// Inserts `card` into a virtual reader.
    pub fn new(card: C) -> Self {
        Self {
            card,
            removed: false,
            remove_after: None,
        }
    }

    /// The card (to inspect or reconfigure it in tests).
    pub fn card(&self) -> &C {
        &self.card
    }

    /// The card, mutably.
    pub fn card_mut(&mut self) -> &mut C {
        &mut self.card
    }

    /// Pulls the card out: every later exchange fails with `CardRemoved`.
    pub fn remove(&mut self) {
        self.removed = true;
    }

    /// Puts the card back (reset, as a real insertion would).
    pub fn insert(&mut self) {
        self.removed = false;
        self.remove_after = None;
        self.card.reset();
    }

    /// Pulls the card out after `n` more commands have been answered: the `n + 1`-th
    /// fails with `CardRemoved` (a card pulled mid-operation).
    pub fn remove_after(&mut self, n: usize) {
        self.remove_after = Some(n);
    }

    /// Gives the card back.
    pub fn into_card(self) -> C {
        self.card
    }
}

impl<C: VirtualCard> Transport for InProcess<C> {
    fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if let Some(n) = self.remove_after {
            if n == 0 {
                self.removed = true;
                self.remove_after = None;
            } else {
                self.remove_after = Some(n - 1);
            }
        }
        if self.removed {
            return Err(TransportError::CardRemoved);
        }
        Ok(self.card.process(command))
    }

    fn supports_extended_length(&self) -> bool {
        self.card.supports_extended_length()
    }
}
