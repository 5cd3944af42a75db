//! Which of the My Number Card's answers are personal data, for `apdu`'s trace.

use apdu::{PersonalFile, Redaction};

use crate::JPKI_AID;

/// The prefix of the card's text applications (`D3 92 10 00 31 …`: 券面事項入力補助AP,
/// 券面事項確認AP, 住基AP): every file holds personal data (the My Number, the basic
/// four items, the face photo).
const TEXT_AP_PREFIX: [u8; 5] = [0xD3, 0x92, 0x10, 0x00, 0x31];
/// The JPKI signature certificate (EF `0001` of the JPKI AP), which carries the basic
/// four items.
const SIGNATURE_CERTIFICATE: u16 = crate::Certificate::Sign.fid();

/// Where the My Number Card keeps personal data: every file of its text applications,
/// and the signature certificate of the JPKI AP.
pub const PERSONAL_FILES: &[PersonalFile] = &[
    PersonalFile::application(&TEXT_AP_PREFIX),
    PersonalFile::file(&JPKI_AID, SIGNATURE_CERTIFICATE),
];

/// The redaction policy for tracing a My Number Card: PINs and the answers from
/// [`PERSONAL_FILES`], recorded as `*` bytes. Give it to
/// [`apdu::TraceTransport::with_redaction`] whenever a trace may hold a real card's
/// answers (logs, support requests).
///
/// ```
/// use apdu::TraceTransport;
/// use jpki_card::{JpkiCard, LastTry, TextPin};
///
/// let reader = card_sim::InProcess::new(card_sim::MyNumberCard::new()?);
/// let mut card = JpkiCard::open(TraceTransport::with_redaction(reader, jpki_card::redaction()))?;
/// let items = card.text_ap().basic_four_items(&TextPin::new("1234")?, LastTry::Refuse)?;
/// assert_eq!(items.family_name, "山田");
/// let trace = card.transport().trace().to_text();
/// assert!(!trace.contains(&hex("山田")), "the name never reaches the trace");
/// assert!(!trace.contains("31323334"), "nor does the PIN");
/// # fn hex(s: &str) -> String { s.bytes().map(|b| format!("{b:02X}")).collect() }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn redaction() -> Redaction {
    Redaction::secrets_only().with(PERSONAL_FILES)
}
