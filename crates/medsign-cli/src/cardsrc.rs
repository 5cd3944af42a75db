//! Where a command finds its card: a virtual card in process (`--sim`) or a PC/SC
//! reader (`--reader`, with the `pcsc` feature), and how it turns that card into a
//! [`CertSigner`].

use apdu::Transport;
use cert_signer::CertSigner;
use hpki_card::{App, HpkiCard, HpkiSigner};

use crate::error::CliError;
use crate::pin::{PinArgs, read_pin};
use crate::{i18n::t, tf};

/// The virtual cards `--sim` offers (fictitious holders, documented test PINs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SimCard {
    /// A My Number Card (JPKI and 券面事項入力補助AP) of a fictitious holder.
    Mynumber,
    /// An HPKI card of a fictitious physician (JMA layout).
    HpkiPhysician,
    /// An HPKI card of a fictitious dentist.
    HpkiDentist,
    /// An HPKI card of a fictitious pharmacist.
    HpkiPharmacist,
}

impl SimCard {
    /// The HPKI test holder of an HPKI virtual card.
    pub fn hpki_holder(self) -> Option<card_sim::HpkiHolder> {
        match self {
            Self::Mynumber => None,
            Self::HpkiPhysician => Some(card_sim::HpkiHolder::Physician),
            Self::HpkiDentist => Some(card_sim::HpkiHolder::Dentist),
            Self::HpkiPharmacist => Some(card_sim::HpkiHolder::Pharmacist),
        }
    }
}

/// The card options of every command that talks to a card.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct CardArgs {
    /// Use a virtual card in process instead of a reader.
    #[arg(long, value_enum)]
    pub sim: Option<SimCard>,
    /// The PC/SC reader (a unique part of its name); default: the first reader with a
    /// card. Needs a build with `--features pcsc`.
    #[arg(long, conflicts_with = "sim")]
    pub reader: Option<String>,
}

/// An open card connection.
pub type BoxTransport = Box<dyn Transport + Send>;

/// Connects to the card `args` names.
pub fn open_transport(args: &CardArgs) -> Result<BoxTransport, CliError> {
    if let Some(sim) = args.sim {
        return sim_transport(sim);
    }
    Err(CliError::card(t(
        "no card source: pass --sim KIND or --reader NAME",
        "カードの指定がありません: --sim 種類 か --reader 名前 を指定してください",
    )))
}

fn sim_transport(sim: SimCard) -> Result<BoxTransport, CliError> {
    let fail = |e: &dyn std::fmt::Display| {
        CliError::card(tf!(
            "cannot create the virtual card: {e}",
            "仮想カードを作れません: {e}"
        ))
    };
    Ok(match sim.hpki_holder() {
        Some(holder) => Box::new(card_sim::InProcess::new(
            card_sim::VirtualHpkiCard::test_card(holder).map_err(|e| fail(&e))?,
        )),
        None => Box::new(card_sim::InProcess::new(
            card_sim::MyNumberCard::new().map_err(|e| fail(&e))?,
        )),
    })
}

/// A signer on the HPKI card's signing key, after showing the tries left and asking
/// for the PIN.
pub fn open_hpki_signer(
    card: &CardArgs,
    pins: &PinArgs,
) -> Result<Box<dyn CertSigner>, CliError> {
    let transport = open_transport(card)?;
    let mut hpki = HpkiCard::open_detect(transport, App::Signing).map_err(hpki_error)?;
    let tries = match hpki.pin_status().map_err(hpki_error)? {
        hpki_card::PinStatus::Verified => None,
        hpki_card::PinStatus::TriesLeft(n) => Some(n),
        hpki_card::PinStatus::Blocked => Some(0),
    };
    let pin = read_pin(pins, t("HPKI signing PIN", "HPKI署名用PIN"), tries)?;
    let pin = hpki_card::Pin::new(&pin).map_err(hpki_error)?;
    let signer = HpkiSigner::new(hpki, pin)
        .map_err(hpki_error)?
        .allow_last_try(pins.allow_last_try);
    Ok(Box::new(signer))
}

/// An HPKI card error as the CLI reports it.
pub fn hpki_error(e: hpki_card::Error) -> CliError {
    use hpki_card::Error as E;
    match e {
        E::WrongPin { tries_left } => CliError::pin(tf!(
            "wrong PIN: {tries_left} tries left before the card locks",
            "PINが違います。ロックまで残り{tries_left}回です"
        )),
        E::Blocked => CliError::pin(t(
            "the PIN is blocked; only the card's issuer can unlock it",
            "PINはロックされています。発行元での解除が必要です",
        )),
        E::LastTryRefused => CliError::pin(t(
            "one PIN try is left; re-run with --allow-last-try to spend it",
            "PINの残り回数は1回です。使う場合は --allow-last-try を付けてください",
        )),
        E::PinFormat(why) => CliError::pin(tf!(
            "the PIN must be 4 to 16 printable ASCII characters ({why}); it was not sent",
            "PINは4〜16文字の英数記号です（{why}）。カードには送っていません"
        )),
        other => CliError::card(other.to_string()),
    }
}
