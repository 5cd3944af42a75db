#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs, rust_2018_idioms, unused_qualifications)]

use apdu::{Transport, TransportError};
use hpki_card::{HpkiCard, Profile};
use jpki_card::{JpkiCard, TokenKind};

/// The card that answered in a reader.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CardKind {
    /// A JPKI token: the My Number Card, a 住基 card or a smartphone's JPKI certificate.
    /// Open it with `jpki_card::JpkiCard::open`.
    MyNumber(TokenKind),
    /// An HPKI card, with the layout found on its signing AP. Open it with
    /// `hpki_card::HpkiCard::open`.
    Hpki(Profile),
}

/// Finds out which card answers on `transport` by selecting the JPKI AP (3 APDUs), then
/// the HPKI signing AP and its layout (2 or 3 APDUs). No PIN is involved.
///
/// `Ok(None)` when neither application answers (another card); an error only when the
/// reader fails (card removed, no reader, …). The card's state afterwards is an open
/// application: open the card again with its crate to use it.
pub fn detect<T: Transport + ?Sized>(
    transport: &mut T,
) -> Result<Option<CardKind>, TransportError> {
    match JpkiCard::open(&mut *transport) {
        Ok(card) => return Ok(Some(CardKind::MyNumber(card.kind().clone()))),
        Err(jpki_card::Error::CardRemoved) => return Err(TransportError::CardRemoved),
        Err(jpki_card::Error::Transport(e)) => return Err(e),
        // Not a JPKI token (or one answering nonsense): ask for the HPKI applications.
        Err(_) => {}
    }
    match HpkiCard::open(&mut *transport) {
        Ok(card) => Ok(Some(CardKind::Hpki(card.profile()))),
        Err(hpki_card::Error::Apdu(apdu::Error::Transport(e))) => Err(e),
        Err(_) => Ok(None),
    }
}
