//! The crate's one error type.

use apdu::StatusWord;
use authority_forms::{PinProblem, Problem};
use cert_signer::PinError;

use crate::{PackageError, PortalError};

/// Why a step of the procedure failed. [`Error::message_ja`] gives what to show the
/// user.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The portal refused the request; show its message (`message_ja`) to the user.
    #[error("the portal refused: {0}")]
    Portal(Box<PortalError>),
    /// The portal could not be reached, or answered something that is not the binding
    /// (wrong URL, a proxy's page). Check the URL and that the portal runs.
    #[error("cannot talk to the portal: {0}")]
    Transport(String),
    /// The portal answered with JSON that does not match the binding.
    #[error("unexpected answer from the portal: {0}")]
    Protocol(String),
    /// A PIN breaks the authority's PIN rules; nothing was sent to the card. Let the user
    /// type it again.
    #[error("the {which} PIN has the wrong format: {problem}")]
    PinFormat {
        /// Which PIN (`signature`, `user-authentication`, `input-support`).
        which: &'static str,
        /// What is wrong.
        problem: PinProblem,
    },
    /// The card's PIN answer, as both card crates report it: wrong
    /// ([`PinError::Wrong`] with the tries left; do not retry on your own, ask the user),
    /// blocked (reset it at the municipality, or the signature PIN with the smartphone
    /// app and a convenience-store kiosk), the last try refused (allowed with
    /// [`ApduCard::with_last_try`](crate::ApduCard::with_last_try)), the card's own
    /// format rule.
    #[error(transparent)]
    Pin(#[from] PinError),
    /// SELECT of the JPKI application failed: the card in the reader is not a My Number
    /// Card (nor a smartphone JPKI token).
    #[error("not a My Number Card: SELECT of the JPKI AP answered {0}")]
    NotAMyNumberCard(StatusWord),
    /// The card answered a command with this status word.
    #[error("the card answered {0}")]
    Card(StatusWord),
    /// The card, the reader or the APDU layer failed otherwise (card removed, no reader,
    /// malformed data); the jpki-card error says which.
    #[error("My Number Card: {0}")]
    MyNumberCard(#[source] jpki_card::Error),
    /// The card's data could not be read as expected; the text says which.
    #[error("card data: {0}")]
    CardData(String),
    /// The form has problems; nothing was sent. Each problem names the field.
    #[error("the form has {} problem(s)", .0.len())]
    InvalidForm(Vec<Problem>),
    /// What the portal shows for review differs from what was entered: do not sign.
    #[error("the portal's review differs from the entered data: {0}")]
    ReviewMismatch(String),
    /// Building the package failed.
    #[error("package: {0}")]
    Package(#[from] PackageError),
    /// The smartphone-binding URL expired (3 months after approval); a reissue goes
    /// through the authority and may cost extra.
    #[error("the binding URL expired at {0}")]
    BindingUrlExpired(jiff::Timestamp),
}

impl From<jpki_card::Error> for Error {
    fn from(e: jpki_card::Error) -> Self {
        use jpki_card::Error as J;
        match e {
            J::Pin(pin) => Self::Pin(pin),
            J::NotAJpkiCard(sw) => Self::NotAMyNumberCard(sw),
            J::Card(sw) => Self::Card(sw),
            other => Self::MyNumberCard(other),
        }
    }
}

impl Error {
    /// What to show the user, in Japanese (the portal's own message for refusals).
    pub fn message_ja(&self) -> String {
        match self {
            Self::Portal(e) => e.message_ja.clone(),
            Self::PinFormat { which, problem } => crate::pin::pin_message(which, *problem).0,
            Self::Pin(PinError::Wrong { tries_left }) => {
                format!("暗証番号が違います。あと{tries_left}回間違えるとロックされます。")
            }
            Self::Pin(PinError::Blocked) => {
                "暗証番号がロックされています。市区町村の窓口で初期化してください。".into()
            }
            Self::Pin(PinError::LastTryRefused { .. }) => "暗証番号の残り回数が1回です。間違えるとロックされます。確認のうえ、改めて操作してください。".into(),
            Self::Pin(PinError::Format(_)) => "暗証番号の形式が違います。カードには送っていません。".into(),
            Self::NotAMyNumberCard(_) => {
                "マイナンバーカードを読み取れません。カードの向きと種類を確認してください。".into()
            }
            Self::InvalidForm(problems) => problems
                .iter()
                .map(|p| p.message_ja.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            Self::BindingUrlExpired(_) => BINDING_EXPIRED_JA.into(),
            other => format!("エラーが発生しました: {other}"),
        }
    }
}

/// The guide's refusal of a smartphone JPKI login for the application (§5).
pub const SMARTPHONE_MESSAGE_JA: &str = "スマホ用電子証明書でログインした場合、この申請は行えません。マイナンバーカードで再度ログインしてください。（申請状況の照会は可能です）";
/// The same in English.
pub const SMARTPHONE_MESSAGE_EN: &str = "This application cannot be made after logging in with the smartphone JPKI certificate. Log in again with the My Number Card (status inquiry still works).";
/// Shown when the binding URL has expired (§6 step 14).
pub const BINDING_EXPIRED_JA: &str = "スマートフォン登録用URLの有効期限（3か月）が過ぎています。再発行は認証局にお問い合わせください（費用がかかる場合があります）。";
