//! Japanese or English messages, chosen once per process.
//!
//! Precedence: `--lang`, then `MEDSIGN_LANG`, then the POSIX locale variables in their
//! own order (`LC_ALL`, `LC_MESSAGES`, `LANG`). A locale starting with `ja` selects
//! Japanese; anything else (including `C`/`POSIX` and no locale) English.

use std::sync::OnceLock;

/// The language of messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// English.
    En,
    /// Japanese.
    Ja,
}

static LANG: OnceLock<Lang> = OnceLock::new();

impl Lang {
    /// The language the environment asks for.
    pub fn from_env() -> Self {
        let pick = |v: &str| {
            if v.to_ascii_lowercase().starts_with("ja") {
                Lang::Ja
            } else {
                Lang::En
            }
        };
        if let Ok(v) = std::env::var("MEDSIGN_LANG")
            && !v.is_empty()
        {
            return pick(&v);
        }
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var)
                && !v.is_empty()
            {
                return pick(&v);
            }
        }
        Lang::En
    }
}

/// Fixes the language for the rest of the process (the first call wins).
pub fn init(lang: Option<Lang>) {
    let _ = LANG.set(lang.unwrap_or_else(Lang::from_env));
}

/// The process's language (English until [`init`] ran).
pub fn lang() -> Lang {
    LANG.get().copied().unwrap_or(Lang::En)
}

/// Picks the English or the Japanese text.
pub fn t<'a>(en: &'a str, ja: &'a str) -> &'a str {
    match lang() {
        Lang::En => en,
        Lang::Ja => ja,
    }
}

/// `format!` in the process's language: `tf!("{n} files", "{n} 件")`.
#[macro_export]
macro_rules! tf {
    ($en:literal, $ja:literal $(, $($arg:tt)*)?) => {
        match $crate::i18n::lang() {
            $crate::i18n::Lang::En => format!($en $(, $($arg)*)?),
            $crate::i18n::Lang::Ja => format!($ja $(, $($arg)*)?),
        }
    };
}
