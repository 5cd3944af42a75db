//! What every card says about its PINs: the counter, the last-try rule and the failures,
//! one set of types for the My Number Card and the HPKI cards.

use apdu::StatusWord;

/// Why a card did not accept a PIN, or why the library did not send it.
///
/// The library never retries a PIN: every variant ends the operation and names what the
/// application should do next. Only [`PinError::Wrong`] and a PIN spent under
/// [`LastTry::Allow`] cost a try; the other variants are decided before the PIN leaves
/// the computer, or are the card's state.
///
/// ```
/// use cert_signer::{PinError, SignError};
///
/// fn message(e: &SignError) -> String {
///     match e {
///         SignError::Pin(PinError::Wrong { tries_left }) => format!("wrong PIN, {tries_left} tries left"),
///         SignError::Pin(PinError::LastTryRefused { .. }) => "one try left: confirm first".into(),
///         SignError::Pin(other) => other.to_string(),
///         other => format!("signing failed: {other}"),
///     }
/// }
/// assert_eq!(message(&PinError::Wrong { tries_left: 2 }.into()), "wrong PIN, 2 tries left");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum PinError {
    /// The card refused the PIN (`63Cx`); `tries_left` more wrong PINs block it. Ask the
    /// user again, showing the tries left; never retry on your own.
    #[error("wrong PIN: {tries_left} tries left before it is blocked (ask the user again)")]
    Wrong {
        /// Tries left, at least 1 (a PIN with none left is [`PinError::Blocked`]).
        tries_left: u8,
    },
    /// The PIN is blocked (`63C0`, `6983` or `6984`): no PIN opens the key any more. Only
    /// the issuer unblocks it (the municipality office for the My Number Card, the
    /// issuing CA for an HPKI card).
    #[error("the PIN is blocked (only the card's issuer can unblock it)")]
    Blocked,
    /// Only `tries_left` (one) try is left and the caller passed [`LastTry::Refuse`]: the
    /// PIN was not sent. Warn the user that a wrong PIN now blocks the card, then call
    /// again with [`LastTry::Allow`].
    #[error(
        "only {tries_left} PIN try is left; not spent without consent (warn the user, then pass LastTry::Allow)"
    )]
    LastTryRefused {
        /// Tries left: 1.
        tries_left: u8,
    },
    /// The PIN breaks the card's format rule (the text says which); it was not sent and
    /// cost no try. Let the user type it again.
    #[error("the PIN {0}; it was not sent to the card")]
    Format(&'static str),
    /// The card wants a PIN verified before this operation (`6982`): verify it (or make
    /// the signer with it) first.
    #[error("the card needs the PIN verified first (6982)")]
    Required,
    /// The card refused this signer's PIN earlier (it was changed or blocked meanwhile),
    /// so the signer sends it no more. Make a new signer with the right PIN.
    #[error("the card refused this signer's PIN earlier; make a new signer with the right PIN")]
    RefusedEarlier,
}

/// A PIN's state as the card reports it to VERIFY without data (`00 20 00 P2`), which
/// costs no try.
///
/// ```
/// use apdu::StatusWord;
/// use cert_signer::PinStatus;
///
/// assert_eq!(PinStatus::from_status(StatusWord(0x63C5)), Some(PinStatus::TriesLeft(5)));
/// assert_eq!(PinStatus::from_status(StatusWord(0x63C0)), Some(PinStatus::Blocked));
/// assert_eq!(PinStatus::from_status(StatusWord(0x9000)), Some(PinStatus::Verified));
/// assert!(PinStatus::TriesLeft(1).is_last_try());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PinStatus {
    /// `9000`: verified in this session (cards that answer the counter query once the PIN
    /// is verified).
    Verified,
    /// `63Cx`: not verified, `x` tries left (at least 1).
    TriesLeft(u8),
    /// `63C0`, `6983` or `6984`: blocked.
    Blocked,
}

impl PinStatus {
    /// Interprets the answer to VERIFY without data; `None` for any other status.
    pub const fn from_status(sw: StatusWord) -> Option<Self> {
        if sw.is_success() {
            Some(Self::Verified)
        } else if sw.is_pin_blocked() {
            Some(Self::Blocked)
        } else {
            match sw.tries_left() {
                Some(n) => Some(Self::TriesLeft(n)),
                None => None,
            }
        }
    }

    /// The tries left: 0 when blocked, `None` when the card did not say (verified).
    pub const fn tries_left(self) -> Option<u8> {
        match self {
            Self::Verified => None,
            Self::TriesLeft(n) => Some(n),
            Self::Blocked => Some(0),
        }
    }

    /// No tries left.
    pub const fn is_blocked(self) -> bool {
        matches!(self, Self::Blocked)
    }

    /// Exactly one try left: the next wrong PIN blocks it.
    pub const fn is_last_try(self) -> bool {
        matches!(self, Self::TriesLeft(1))
    }
}

/// What to do when a PIN has exactly one try left, passed to every call that presents a
/// PIN (`verify`, `signer`, `into_signer`, …) of both card crates.
///
/// With [`LastTry::Refuse`] the card's counter is read first (one more APDU): a PIN with
/// one try left is not sent ([`PinError::LastTryRefused`]), nor is a blocked one
/// ([`PinError::Blocked`]). With [`LastTry::Allow`] the PIN goes to the card without that
/// query.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum LastTry {
    /// Do not spend the last try. The default.
    #[default]
    Refuse,
    /// Spend it: the user was warned that a wrong PIN now blocks the card.
    Allow,
}

impl LastTry {
    /// [`LastTry::Allow`] when `allow`, else [`LastTry::Refuse`] (e.g. from a
    /// `--allow-last-try` flag).
    pub const fn allow_if(allow: bool) -> Self {
        if allow { Self::Allow } else { Self::Refuse }
    }

    /// Checks `status` (read before sending the PIN): a blocked PIN is never sent, and
    /// the last try only with [`LastTry::Allow`].
    pub const fn check(self, status: PinStatus) -> Result<(), PinError> {
        match (status, self) {
            (PinStatus::Blocked, _) => Err(PinError::Blocked),
            (PinStatus::TriesLeft(1), Self::Refuse) => {
                Err(PinError::LastTryRefused { tries_left: 1 })
            }
            _ => Ok(()),
        }
    }
}

impl PinError {
    /// The error for a card's answer to VERIFY with a PIN; `None` for `9000` and for
    /// statuses that say nothing about the PIN.
    pub const fn from_status(sw: StatusWord) -> Option<Self> {
        match PinStatus::from_status(sw) {
            Some(PinStatus::Blocked) => Some(Self::Blocked),
            Some(PinStatus::TriesLeft(tries_left)) => Some(Self::Wrong { tries_left }),
            Some(PinStatus::Verified) => None,
            None if sw.0 == StatusWord::SECURITY_STATUS_NOT_SATISFIED.0 => Some(Self::Required),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_blocked_form_and_the_counter_map_to_one_status() {
        for sw in [0x63C0, 0x6983, 0x6984] {
            assert_eq!(
                PinStatus::from_status(StatusWord(sw)),
                Some(PinStatus::Blocked)
            );
            assert_eq!(
                PinError::from_status(StatusWord(sw)),
                Some(PinError::Blocked)
            );
        }
        assert_eq!(
            PinStatus::from_status(StatusWord(0x63CF)),
            Some(PinStatus::TriesLeft(15))
        );
        assert_eq!(
            PinError::from_status(StatusWord(0x63C2)),
            Some(PinError::Wrong { tries_left: 2 })
        );
        assert_eq!(
            PinError::from_status(StatusWord(0x6982)),
            Some(PinError::Required)
        );
        assert_eq!(PinError::from_status(StatusWord(0x9000)), None);
        assert_eq!(PinStatus::from_status(StatusWord(0x6A88)), None);
        assert_eq!(PinError::from_status(StatusWord(0x6A88)), None);
    }

    #[test]
    fn the_last_try_is_refused_and_a_blocked_pin_never_sent() {
        let one = PinStatus::TriesLeft(1);
        assert_eq!(
            LastTry::Refuse.check(one),
            Err(PinError::LastTryRefused { tries_left: 1 })
        );
        assert_eq!(LastTry::Allow.check(one), Ok(()));
        for last_try in [LastTry::Refuse, LastTry::Allow] {
            assert_eq!(last_try.check(PinStatus::Blocked), Err(PinError::Blocked));
            assert_eq!(last_try.check(PinStatus::TriesLeft(2)), Ok(()));
            assert_eq!(last_try.check(PinStatus::Verified), Ok(()));
        }
        assert_eq!(LastTry::default(), LastTry::Refuse);
        assert_eq!(LastTry::allow_if(true), LastTry::Allow);
    }

    #[test]
    fn messages_say_what_to_do_and_never_hold_a_pin() {
        assert!(
            PinError::LastTryRefused { tries_left: 1 }
                .to_string()
                .contains("LastTry::Allow")
        );
        assert!(
            PinError::Format("must be exactly 4 digits")
                .to_string()
                .contains("not sent")
        );
        assert_eq!(PinStatus::Blocked.tries_left(), Some(0));
        assert_eq!(PinStatus::Verified.tries_left(), None);
    }
}
