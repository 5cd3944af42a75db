//! Where a command finds its card: a virtual card in process (`--sim`) or a PC/SC
//! reader (`--reader`, with the `pcsc` feature), what kind of card it is, and how it
//! turns that card into a [`CertSigner`].
//!
//! Cards are recognised by `card_detect` (selecting the JPKI AP, then the HPKI signing
//! AP), never by ATR. Card and signer errors are typed (`cert_signer::PinError` on both
//! kinds of card): nothing here downcasts.

use apdu::Transport;
use card_detect::CardKind;
use cert_signer::{CertSigner, LastTry, PinError, SignError};
use hpki_card::{App, HpkiCard};
use jpki_card::{AuthPin, JpkiCard, JpkiPin, PinKind, SignPin};

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
    /// Every virtual card, in the order `--help` lists them.
    pub const ALL: [Self; 4] = [
        Self::Mynumber,
        Self::HpkiPhysician,
        Self::HpkiDentist,
        Self::HpkiPharmacist,
    ];

    /// The HPKI test holder of an HPKI virtual card.
    pub fn hpki_holder(self) -> Option<card_sim::HpkiHolder> {
        match self {
            Self::Mynumber => None,
            Self::HpkiPhysician => Some(card_sim::HpkiHolder::Physician),
            Self::HpkiDentist => Some(card_sim::HpkiHolder::Dentist),
            Self::HpkiPharmacist => Some(card_sim::HpkiHolder::Pharmacist),
        }
    }

    /// The `--sim` value.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mynumber => "mynumber",
            Self::HpkiPhysician => "hpki-physician",
            Self::HpkiDentist => "hpki-dentist",
            Self::HpkiPharmacist => "hpki-pharmacist",
        }
    }

    /// What the card is, and its test PINs (documented, fictitious).
    pub fn describe(self) -> String {
        match self {
            Self::Mynumber => t(
                "My Number Card of 山田 花子 (fictitious); PINs: user-authentication 1234, \
                 signature ABC123, input-support 1234",
                "架空の山田 花子さんのマイナンバーカード。暗証番号: 利用者証明用 1234、\
                 署名用 ABC123、券面事項入力補助用 1234",
            )
            .to_owned(),
            Self::HpkiPhysician | Self::HpkiDentist | Self::HpkiPharmacist => {
                let who = match self {
                    Self::HpkiDentist => t("dentist", "歯科医師"),
                    Self::HpkiPharmacist => t("pharmacist", "薬剤師"),
                    _ => t("physician", "医師"),
                };
                tf!(
                    "HPKI card of a fictitious {who}; PIN 1234",
                    "架空の{who}のHPKIカード。PIN 1234"
                )
            }
        }
    }
}

/// The card options of every command that talks to a card.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct CardArgs {
    /// Use a virtual card in process instead of a reader. The card is fresh for every
    /// run: PIN counters and other state are not kept between runs. Test PINs: My
    /// Number Card 1234 (user authentication), ABC123 (signature), 1234 (input
    /// support); HPKI cards 1234.
    #[arg(long, value_enum)]
    pub sim: Option<SimCard>,
    /// The PC/SC reader (a unique part of its name); default: the only reader with a
    /// card. Needs a build with `--features pcsc`.
    #[arg(long, conflicts_with = "sim")]
    pub reader: Option<String>,
}

/// An open card connection.
pub type BoxTransport = Box<dyn Transport + Send>;

/// Connects to the card `args` names.
pub fn open_transport(args: &CardArgs) -> Result<BoxTransport, CliError> {
    Ok(connect(args)?.0)
}

/// Connects to the card `args` names; also returns the reader's name (`None` for a
/// virtual card).
pub fn connect(args: &CardArgs) -> Result<(BoxTransport, Option<String>), CliError> {
    if let Some(sim) = args.sim {
        return Ok((sim_transport(sim)?, None));
    }
    pcsc_connect(args.reader.as_deref())
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

/// The message for builds without PC/SC.
#[cfg(not(feature = "pcsc"))]
pub fn no_pcsc_message() -> &'static str {
    t(
        "this build of medsign has no PC/SC support (rebuild with `--features pcsc`); \
         use a virtual card with --sim KIND",
        "この medsign は PC/SC 対応なしでビルドされています（`--features pcsc` で再ビルド\
         してください）。仮想カードは --sim 種類 で使えます",
    )
}

#[cfg(not(feature = "pcsc"))]
fn pcsc_connect(reader: Option<&str>) -> Result<(BoxTransport, Option<String>), CliError> {
    match reader {
        Some(_) => Err(CliError::card(no_pcsc_message())),
        None => Err(CliError::card(tf!(
            "no card source: pass --sim KIND ({})",
            "カードの指定がありません: --sim 種類 を指定してください（{}）",
            no_pcsc_message()
        ))),
    }
}

/// The readers PC/SC knows.
#[cfg(feature = "pcsc")]
pub fn pcsc_readers() -> Result<(apdu::PcscContext, Vec<String>), CliError> {
    let ctx = apdu::PcscContext::establish().map_err(|e| {
        CliError::card(tf!(
            "cannot reach the PC/SC service: {e}",
            "PC/SC サービスに接続できません: {e}"
        ))
    })?;
    let readers = ctx.list_readers().map_err(|e| {
        CliError::card(tf!(
            "cannot list the card readers: {e}",
            "カードリーダーを列挙できません: {e}"
        ))
    })?;
    Ok((ctx, readers))
}

#[cfg(feature = "pcsc")]
fn pcsc_connect(reader: Option<&str>) -> Result<(BoxTransport, Option<String>), CliError> {
    use apdu::TransportError;
    let (ctx, readers) = pcsc_readers()?;
    if readers.is_empty() {
        return Err(CliError::card(t(
            "no card reader found (connect a reader, or start pcscd)",
            "カードリーダーが見つかりません（リーダーを接続するか pcscd を起動してください）",
        )));
    }
    let listed = readers.join(", ");
    if let Some(part) = reader {
        let needle = part.to_lowercase();
        let matching: Vec<&String> = readers
            .iter()
            .filter(|r| r.to_lowercase().contains(&needle))
            .collect();
        let name = match matching.as_slice() {
            [one] => (*one).clone(),
            [] => {
                return Err(CliError::card(tf!(
                    "no reader matches \"{part}\"; readers: {listed}",
                    "\"{part}\" に合うリーダーがありません。リーダー: {listed}"
                )));
            }
            several => {
                let names = several
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(CliError::card(tf!(
                    "\"{part}\" matches several readers ({names}); give a longer part of the name",
                    "\"{part}\" は複数のリーダーに合います（{names}）。名前をもっと長く指定してください"
                )));
            }
        };
        return match ctx.connect(&name) {
            Ok(t) => Ok((Box::new(t), Some(name))),
            Err(TransportError::NoCard) => Err(CliError::card(tf!(
                "no card in the reader \"{name}\" (insert the card)",
                "リーダー \"{name}\" にカードがありません（カードを挿してください）"
            ))),
            Err(e) => Err(CliError::card(tf!(
                "cannot connect to the card in \"{name}\": {e}",
                "\"{name}\" のカードに接続できません: {e}"
            ))),
        };
    }
    let mut with_card = Vec::new();
    for name in &readers {
        if let Ok(t) = ctx.connect(name) {
            with_card.push((t, name.clone()));
        }
    }
    let mut it = with_card.into_iter();
    match (it.next(), it.next()) {
        (Some((t, name)), None) => Ok((Box::new(t), Some(name))),
        (None, _) => Err(CliError::card(tf!(
            "no card in any reader (insert the card); readers: {listed}",
            "どのリーダーにもカードがありません（カードを挿してください）。リーダー: {listed}"
        ))),
        (Some((_, a)), Some((_, b))) => {
            let mut names = vec![a, b];
            names.extend(it.map(|(_, n)| n));
            let names = names.join(", ");
            Err(CliError::card(tf!(
                "several readers hold a card ({names}); choose one with --reader",
                "複数のリーダーにカードがあります（{names}）。--reader で選んでください"
            )))
        }
    }
}

/// A short label of what answered in the reader (`None`: neither application), in the
/// process's language.
pub fn kind_label(kind: Option<&CardKind>) -> String {
    match kind {
        Some(CardKind::MyNumber(jpki_card::TokenKind::MyNumberCard)) => {
            t("My Number Card", "マイナンバーカード").to_owned()
        }
        Some(CardKind::MyNumber(jpki_card::TokenKind::JukiCard)) => {
            t("Juki card (JPKI)", "住基カード（JPKI）").to_owned()
        }
        Some(CardKind::MyNumber(other)) => {
            tf!("JPKI token ({other:?})", "JPKI トークン（{other:?}）")
        }
        Some(CardKind::Hpki(_)) => t("HPKI card", "HPKIカード").to_owned(),
        Some(_) | None => t("unknown card", "不明なカード").to_owned(),
    }
}

/// The machine-readable kind for `--json`.
pub fn kind_json_name(kind: Option<&CardKind>) -> &'static str {
    match kind {
        Some(CardKind::MyNumber(_)) => "mynumber",
        Some(CardKind::Hpki(_)) => "hpki",
        Some(_) | None => "unknown",
    }
}

/// Finds out what card is in `transport` ([`card_detect::detect`]): `None` when it is
/// neither a My Number Card nor an HPKI card. No PIN is involved.
pub fn detect(transport: &mut BoxTransport) -> Result<Option<CardKind>, CliError> {
    card_detect::detect(&mut **transport).map_err(|e| CliError::card(e.to_string()))
}

/// The error for a card that is neither kind.
pub fn unknown_card() -> CliError {
    CliError::card(t(
        "the card is neither a My Number Card nor an HPKI card",
        "カードはマイナンバーカードでもHPKIカードでもありません",
    ))
}

/// A key on a card that signs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Key {
    /// The HPKI card's signing key (signing AP, PIN for every signature).
    #[value(name = "hpki")]
    HpkiSigning,
    /// The HPKI card's authentication key.
    #[value(name = "hpki-auth")]
    HpkiAuth,
    /// The My Number Card's signature key (署名用電子証明書; signature password).
    #[value(name = "jpki-sign")]
    JpkiSignature,
    /// The My Number Card's user-authentication key (利用者証明用; 4-digit PIN).
    #[value(name = "jpki-auth")]
    JpkiAuth,
}

/// The name of a JPKI PIN in prompts and messages.
pub fn jpki_pin_name(kind: PinKind) -> &'static str {
    match kind {
        PinKind::Auth => t(
            "user-authentication PIN (利用者証明用, 4 digits)",
            "利用者証明用電子証明書の暗証番号（数字4桁）",
        ),
        PinKind::Sign => t(
            "signature password (署名用, 6-16 letters A-Z and digits)",
            "署名用電子証明書の暗証番号（英大文字と数字6〜16文字）",
        ),
        PinKind::Text => t(
            "input-support PIN (券面事項入力補助用, 4 digits)",
            "券面事項入力補助用暗証番号（数字4桁）",
        ),
    }
}

/// The name of an HPKI application's PIN in prompts and messages.
pub fn hpki_pin_name(app: App) -> &'static str {
    match app {
        App::Signing => t("HPKI signing PIN", "HPKI署名用PIN"),
        App::Authentication => t("HPKI authentication PIN", "HPKI認証用PIN"),
    }
}

/// The `LastTry` the user chose.
pub fn last_try(pins: &PinArgs) -> LastTry {
    LastTry::allow_if(pins.allow_last_try)
}

/// Shows the tries left of a JPKI PIN, asks for it and checks its format (a malformed
/// PIN is refused here, exit code 5, and never sent).
pub fn ask_jpki_pin<P: jpki_card::Pin + core::str::FromStr<Err = PinError>>(
    card: &mut JpkiCard<BoxTransport>,
    pins: &PinArgs,
) -> Result<P, CliError> {
    let status = card.pin_status(P::KIND).map_err(jpki_error)?;
    let what = jpki_pin_name(P::KIND);
    let pin = read_pin(pins, what, status.tries_left())?;
    pin.parse::<P>().map_err(|e| pin_error(what, &e))
}

/// A signer on the HPKI card's signing key, after showing the tries left and asking
/// for the PIN.
pub fn open_hpki_signer(card: &CardArgs, pins: &PinArgs) -> Result<Box<dyn CertSigner>, CliError> {
    open_signer(card, pins, Some(Key::HpkiSigning))
}

/// A signer on `key` (default: the HPKI signing key on an HPKI card, the JPKI
/// signature key on a My Number Card), after showing the tries left and asking for the
/// PIN. The PIN is checked once here, so a wrong PIN fails now (exit code 5, tries
/// left shown) and never during a signature.
pub fn open_signer(
    card: &CardArgs,
    pins: &PinArgs,
    key: Option<Key>,
) -> Result<Box<dyn CertSigner>, CliError> {
    let mut transport = open_transport(card)?;
    let key = match key {
        Some(k) => k,
        None => match detect(&mut transport)? {
            Some(CardKind::MyNumber(_)) => Key::JpkiSignature,
            Some(CardKind::Hpki(_)) => Key::HpkiSigning,
            Some(_) | None => return Err(unknown_card()),
        },
    };
    match key {
        Key::HpkiSigning => hpki_signer(transport, pins, App::Signing),
        Key::HpkiAuth => hpki_signer(transport, pins, App::Authentication),
        Key::JpkiSignature => jpki_signer::<SignPin>(transport, pins),
        Key::JpkiAuth => jpki_signer::<AuthPin>(transport, pins),
    }
}

fn hpki_signer(
    transport: BoxTransport,
    pins: &PinArgs,
    app: App,
) -> Result<Box<dyn CertSigner>, CliError> {
    let mut hpki = HpkiCard::open_app(transport, app).map_err(hpki_error)?;
    let what = hpki_pin_name(app);
    let tries = hpki.pin_status().map_err(hpki_error)?.tries_left();
    let pin = read_pin(pins, what, tries)?;
    let pin = hpki_card::Pin::new(&pin).map_err(|e| pin_error(what, &e))?;
    // Making the signer checks the PIN now, so that a wrong PIN ends here with the
    // tries left, before any document is prepared.
    let signer = hpki
        .into_signer(pin, last_try(pins))
        .map_err(|e| hpki_pin_error(what, e))?;
    Ok(Box::new(signer))
}

fn jpki_signer<P>(transport: BoxTransport, pins: &PinArgs) -> Result<Box<dyn CertSigner>, CliError>
where
    P: JpkiPin + core::str::FromStr<Err = PinError> + 'static,
{
    let mut card = JpkiCard::open(transport).map_err(jpki_error)?;
    let pin: P = ask_jpki_pin(&mut card, pins)?;
    let signer = card
        .into_signer(pin, last_try(pins))
        .map_err(|e| jpki_pin_error(jpki_pin_name(P::KIND), e))?;
    Ok(Box::new(signer))
}

/// A PIN outcome as the CLI reports it (exit code 5), naming the PIN (`what`: one of
/// [`jpki_pin_name`], [`hpki_pin_name`], or just "PIN").
pub fn pin_error(what: &str, e: &PinError) -> CliError {
    CliError::pin(match e {
        PinError::Wrong { tries_left } => tf!(
            "wrong {what}: {tries_left} tries left before it locks",
            "{what}が違います。ロックまで残り{tries_left}回です"
        ),
        PinError::Blocked => tf!(
            "the {what} is blocked; only the card's issuer can unblock it \
             (the municipality office for the My Number Card)",
            "{what}はロックされています。発行元（マイナンバーカードは市区町村の窓口）での解除が必要です"
        ),
        PinError::LastTryRefused { .. } => tf!(
            "only one try is left for the {what}; re-run with --allow-last-try to spend it",
            "{what}の残り回数は1回です。使う場合は --allow-last-try を付けてください"
        ),
        PinError::Format(why) => tf!(
            "malformed {what} ({why}); it was not sent to the card",
            "{what}の形式が違います（{why}）。カードには送っていません"
        ),
        PinError::Required => tf!(
            "the card needs the {what} verified first (6982)",
            "先に{what}の照合が必要です（6982）"
        ),
        PinError::RefusedEarlier => tf!(
            "the card refused the {what} earlier; nothing more was sent",
            "カードが先に{what}を拒否しました。これ以上は送っていません"
        ),
        other => tf!("{what}: {other}", "{what}: {other}"),
    })
}

/// An HPKI card error as the CLI reports it: PIN outcomes exit 5 with the tries left,
/// the rest 4.
pub fn hpki_error(e: hpki_card::Error) -> CliError {
    hpki_pin_error("PIN", e)
}

/// [`hpki_error`] for an operation that presented the PIN called `what`.
pub fn hpki_pin_error(what: &str, e: hpki_card::Error) -> CliError {
    use hpki_card::Error as E;
    match e {
        E::Pin(pin) => pin_error(what, &pin),
        E::AppNotFound(app) => CliError::card(tf!(
            "the card has no HPKI {app} application (is it an HPKI card?)",
            "カードにHPKIの{app}アプリケーションがありません（HPKIカードですか？）"
        )),
        other => CliError::card(tf!("card: {other}", "カード: {other}")),
    }
}

/// A My Number Card error as the CLI reports it: PIN outcomes exit 5 with the tries
/// left, the rest 4.
pub fn jpki_error(e: jpki_card::Error) -> CliError {
    jpki_pin_error("PIN", e)
}

/// [`jpki_error`] for an operation that presented the PIN called `what`
/// ([`jpki_pin_name`]).
pub fn jpki_pin_error(what: &str, e: jpki_card::Error) -> CliError {
    use jpki_card::Error as E;
    match e {
        E::Pin(pin) => pin_error(what, &pin),
        E::NotAJpkiCard(sw) => CliError::card(tf!(
            "not a My Number Card (SELECT of the JPKI AP answered {sw})",
            "マイナンバーカードではありません（JPKI AP の SELECT への応答 {sw}）"
        )),
        other => CliError::card(tf!("card: {other}", "カード: {other}")),
    }
}

/// The CLI error for a signer's failure ([`SignError`]): a PIN outcome exits 5 with the
/// tries left, a card's refusal or a failing device 4.
pub fn sign_error(e: &SignError) -> CliError {
    match e {
        SignError::Pin(pin) => pin_error("PIN", pin),
        other => CliError::card(tf!(
            "signing failed: {other}",
            "署名できませんでした: {other}"
        )),
    }
}
