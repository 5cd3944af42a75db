//! PIN entry: from the terminal without echo, or from standard input with
//! `--pin-stdin`; never from the command line.
//!
//! The tries left are shown before asking; a blocked PIN is not asked for; the last try
//! is refused unless the user passed `--allow-last-try`. The PIN is held in a
//! [`Zeroizing`] string and never printed. The CLI never retries a PIN on its own: a
//! wrong PIN ends the command (exit code 5) with the tries left.

use std::io::BufRead as _;
use std::sync::Mutex;

use zeroize::Zeroizing;

use crate::error::CliError;
use crate::{i18n::t, tf};

/// The PIN options every command that touches a card's PIN takes.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct PinArgs {
    /// Read PINs from standard input, one per line, instead of the terminal.
    #[arg(long)]
    pub pin_stdin: bool,
    /// Spend the last PIN try when only one is left (a wrong PIN then locks the card).
    #[arg(long)]
    pub allow_last_try: bool,
}

/// Serialises `--pin-stdin` reads (a PIN per line, in the order the command asks).
static STDIN: Mutex<()> = Mutex::new(());

/// Asks for the PIN called `what` (e.g. "HPKI signing PIN"), showing `tries_left` when
/// the card told it.
///
/// Errors (exit code 5) without asking when the PIN is blocked, or when one try is left
/// and `--allow-last-try` was not given.
pub fn read_pin(
    args: &PinArgs,
    what: &str,
    tries_left: Option<u8>,
) -> Result<Zeroizing<String>, CliError> {
    check_tries(args, what, tries_left)?;
    let prompt = match tries_left {
        Some(n) => tf!("{what} ({n} tries left): ", "{what}（残り{n}回）: "),
        None => format!("{what}: "),
    };
    let pin = if args.pin_stdin {
        // The tries left are shown whether the PIN is typed or piped.
        eprintln!(
            "{prompt}{}",
            t("(read from standard input)", "（標準入力から読み取り）")
        );
        let _guard = STDIN.lock().map_err(|_| CliError::pin("stdin"))?;
        let mut line = Zeroizing::new(String::new());
        let n = std::io::stdin().lock().read_line(&mut line).map_err(|e| {
            CliError::pin(tf!(
                "cannot read the {what} from standard input: {e}",
                "{what}を標準入力から読めません: {e}"
            ))
        })?;
        if n == 0 {
            return Err(CliError::pin(tf!(
                "--pin-stdin: standard input ended before the {what}",
                "--pin-stdin: {what}の前に標準入力が終わりました"
            )));
        }
        let trimmed = line.trim_end_matches(['\r', '\n']);
        Zeroizing::new(trimmed.to_owned())
    } else {
        Zeroizing::new(rpassword::prompt_password(&prompt).map_err(|e| {
            CliError::pin(tf!(
                "cannot read the {what} from the terminal ({e}); use --pin-stdin to pipe it",
                "端末から{what}を読めません（{e}）。--pin-stdin で標準入力から渡せます"
            ))
        })?)
    };
    if pin.is_empty() {
        return Err(CliError::pin(t(
            "no PIN entered; nothing was sent to the card",
            "PINが入力されませんでした。カードには何も送っていません",
        )));
    }
    Ok(pin)
}

/// The checks made before asking: blocked, and the last try.
pub fn check_tries(args: &PinArgs, what: &str, tries_left: Option<u8>) -> Result<(), CliError> {
    match tries_left {
        Some(0) => Err(CliError::pin(tf!(
            "the {what} is blocked; only the card's issuer can unblock it",
            "{what}はロックされています。発行元での解除が必要です"
        ))),
        Some(1) if !args.allow_last_try => Err(CliError::pin(tf!(
            "only one try is left for the {what}: a wrong PIN locks the card. \
             Re-run with --allow-last-try to use it",
            "{what}の残り回数は1回です。間違えるとロックされます。\
             使う場合は --allow-last-try を付けて再実行してください"
        ))),
        _ => Ok(()),
    }
}
