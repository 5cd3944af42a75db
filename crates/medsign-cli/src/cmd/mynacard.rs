//! The My Number Card as `apply` and `remote` use it: the tries shown before each PIN,
//! and the card's and the portal's errors in the CLI's terms.

use jpki_card::{JpkiCard, LastTry, PinKind};
use mynaportal_client::{ApduCard, PortalCard};
use zeroize::Zeroizing;

use crate::cardsrc::{
    BoxTransport, CardArgs, jpki_error, jpki_pin_name, open_transport, pin_error,
};
use crate::error::{CliError, Exit};
use crate::pin::{PinArgs, read_pin};
use crate::{i18n::t, tf};

/// A My Number Card for the Mynaportal procedure, which can tell its PIN tries between
/// the procedure's steps.
pub struct MynaCard {
    card: ApduCard<BoxTransport>,
}

impl MynaCard {
    /// Opens the card `args` names and checks it is a My Number Card; `pins` says
    /// whether the last try of a PIN may be spent.
    pub fn open(args: &CardArgs, pins: &PinArgs) -> Result<Self, CliError> {
        let transport = open_transport(args)?;
        let jpki = JpkiCard::open(transport).map_err(jpki_error)?;
        Ok(Self {
            card: ApduCard::from_jpki(jpki).with_last_try(LastTry::allow_if(pins.allow_last_try)),
        })
    }

    /// The tries left on `kind`, read without spending one (`None` when the card only
    /// says the PIN is verified).
    pub fn tries(&mut self, kind: PinKind) -> Result<Option<u8>, CliError> {
        let status = self.card.jpki().pin_status(kind).map_err(jpki_error)?;
        Ok(status.tries_left())
    }

    /// Shows the tries left on `kind` and asks for that PIN (refusing a blocked PIN and
    /// the last try as [`read_pin`] does).
    pub fn ask(&mut self, pins: &PinArgs, kind: PinKind) -> Result<Zeroizing<String>, CliError> {
        let tries = self.tries(kind)?;
        read_pin(pins, jpki_pin_name(kind), tries)
    }

    /// The card for the procedure's steps.
    pub fn portal_card(&mut self) -> &mut dyn PortalCard {
        &mut self.card
    }
}

/// A Mynaportal client error as the CLI reports it.
pub fn portal_error(e: mynaportal_client::Error) -> CliError {
    use mynaportal_client::Error as E;
    match e {
        E::Portal(p) => CliError::service(tf!(
            "Mynaportal refused ({}): {}",
            "マイナポータルが受け付けませんでした（{}）: {}",
            p.code,
            t(&p.message_en, &p.message_ja)
        )),
        E::Transport(why) => CliError::service(tf!(
            "cannot reach Mynaportal: {why}",
            "マイナポータルに接続できません: {why}"
        )),
        E::Protocol(why) => CliError::service(tf!(
            "unexpected answer from Mynaportal: {why}",
            "マイナポータルから想定外の応答: {why}"
        )),
        E::PinFormat { which, problem } => CliError::pin(tf!(
            "the {which} PIN has the wrong format ({problem}); it was not sent to the card",
            "{which} PINの形式が違います（{problem}）。カードには送っていません"
        )),
        E::Pin(pin) => pin_error(t("PIN", "暗証番号"), &pin),
        E::InvalidForm(problems) => {
            let mut msg = tf!(
                "the form has {} problem(s); nothing was sent:",
                "申請内容に{}件の問題があります（送信していません）:",
                problems.len()
            );
            for p in &problems {
                msg.push_str(&format!(
                    "\n  {} [{}]: {}",
                    p.field,
                    p.code.as_str(),
                    t(&p.message_en, &p.message_ja)
                ));
            }
            CliError::new(Exit::NotValid, msg)
        }
        E::Card(sw) => CliError::card(tf!(
            "the My Number Card answered {sw}",
            "マイナンバーカードの応答: {sw}"
        )),
        E::MyNumberCard(err) => jpki_error(err),
        E::NotAMyNumberCard(sw) => jpki_error(jpki_card::Error::NotAJpkiCard(sw)),
        E::CardData(why) => CliError::card(tf!(
            "unexpected data on the card: {why}",
            "カードのデータが想定外です: {why}"
        )),
        E::BindingUrlExpired(at) => {
            let en = format!(
                "the smartphone-binding URL expired at {at}; ask the authority to reissue it"
            );
            CliError::service(t(&en, mynaportal_client::BINDING_EXPIRED_JA))
        }
        other => CliError::service(tf!("Mynaportal: {other}", "マイナポータル: {other}")),
    }
}
