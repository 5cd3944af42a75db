//! `--card mynumber`: options, the start-up banner, and the `--trace` recorder.

use std::io::Write;
use std::path::Path;

use card_sim::{
    BlockedStatus, MyNumberCard, MyNumberOptions, TestHolder, TestPkiError, Token, VirtualCard,
};
use clap::ValueEnum;
use sha2::Digest as _;
use zeroize::Zeroizing;

#[derive(Clone, Copy, ValueEnum)]
pub enum TokenArg {
    /// JPKIAPICCTOKEN2: a My Number Card.
    #[value(name = "ICC2")]
    Icc2,
    /// JPKIAPICCTOKEN: the old 住基 card.
    #[value(name = "ICC")]
    Icc,
    /// JPKIAPGPSETOKEN: Android smartphone JPKI (auth certificate behind the auth PIN).
    #[value(name = "GPSE")]
    Gpse,
    /// JPKIAPIOSTOKEN: iPhone JPKI.
    #[value(name = "IOS")]
    Ios,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum BlockedArg {
    /// 63C0.
    #[value(name = "63C0")]
    Counter,
    /// 6983.
    #[value(name = "6983")]
    MethodBlocked,
    /// 6984.
    #[value(name = "6984")]
    NotUsable,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum HolderArg {
    /// 山田　花子.
    Yamada,
    /// 医療　太郎.
    Iryo,
}

/// Options of the virtual My Number Card (ignored by other cards).
#[derive(clap::Args)]
pub struct Args {
    /// My Number Card: the user-authentication PIN.
    #[arg(long, default_value = card_sim::default_pins::AUTH)]
    auth_pin: String,
    /// My Number Card: the signature PIN.
    #[arg(long, default_value = card_sim::default_pins::SIGN)]
    sign_pin: String,
    /// My Number Card: the input-support (券面事項入力補助) PIN.
    #[arg(long, default_value = card_sim::default_pins::TEXT)]
    text_pin: String,
    /// My Number Card: the token EF value (card kind).
    #[arg(long, value_enum, default_value = "ICC2")]
    token: TokenArg,
    /// My Number Card: the fictitious holder.
    #[arg(long, value_enum, default_value = "yamada")]
    holder: HolderArg,
    /// My Number Card: the status word of a blocked PIN.
    #[arg(long, value_enum, default_value = "63C0")]
    blocked_status: BlockedArg,
    /// My Number Card: split responses longer than N bytes with 61xx (GET RESPONSE).
    #[arg(long, value_name = "N")]
    split_responses: Option<usize>,
    /// My Number Card: answer READ BINARY past the end with 6Cxx instead of 6282.
    #[arg(long)]
    exact_le: bool,
    /// Any card: pull the card out when the N+1-th command arrives (card-sim exits
    /// without answering it; pcscd sees the card removed mid-command).
    #[arg(long, value_name = "N")]
    pull_after: Option<u64>,
}

impl Args {
    pub fn pull_after(&self) -> Option<u64> {
        self.pull_after
    }

    pub fn card(&self) -> Result<MyNumberCard, TestPkiError> {
        let options = MyNumberOptions {
            auth_pin: Zeroizing::new(self.auth_pin.clone()),
            sign_pin: Zeroizing::new(self.sign_pin.clone()),
            text_pin: Zeroizing::new(self.text_pin.clone()),
            token: match self.token {
                TokenArg::Icc2 => Token::Icc2,
                TokenArg::Icc => Token::Icc,
                TokenArg::Gpse => Token::Gpse,
                TokenArg::Ios => Token::Ios,
            },
            blocked: match self.blocked_status {
                BlockedArg::Counter => BlockedStatus::Counter,
                BlockedArg::MethodBlocked => BlockedStatus::MethodBlocked,
                BlockedArg::NotUsable => BlockedStatus::NotUsable,
            },
            split_responses: self.split_responses,
            exact_le: self.exact_le,
            holder: match self.holder {
                HolderArg::Yamada => TestHolder::yamada_hanako(),
                HolderArg::Iryo => TestHolder::iryo_taro(),
            },
        };
        let card = MyNumberCard::with_options(options)?;
        // The test PINs are printed on purpose: this is a test card, and scripts read them.
        say!("card-sim: virtual My Number Card ({})", self.token_name());
        say!("  user-authentication PIN: {}", self.auth_pin);
        say!("  signature PIN:           {}", self.sign_pin);
        say!("  input-support PIN:       {}", self.text_pin);
        let pki = card.pki();
        for (label, der) in [
            ("000A auth certificate   ", pki.auth_cert_der()),
            ("000B auth CA certificate", pki.auth_ca_der()),
            ("0001 sign certificate   ", pki.sign_cert_der()),
            ("0002 sign CA certificate", pki.sign_ca_der()),
            ("     test root (not on card)", pki.root_der()),
        ] {
            say!("  {label} SHA-256 {}", fingerprint(der));
        }
        let _ = std::io::stdout().flush();
        Ok(card)
    }

    fn token_name(&self) -> &'static str {
        match self.token {
            TokenArg::Icc2 => Token::Icc2.value(),
            TokenArg::Icc => Token::Icc.value(),
            TokenArg::Gpse => Token::Gpse.value(),
            TokenArg::Ios => Token::Ios.value(),
        }
    }
}

fn fingerprint(der: &[u8]) -> String {
    sha2::Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A card that appends every exchange to a file in the apdu trace text form; the data
/// of VERIFY / CHANGE REFERENCE DATA / RESET RETRY COUNTER is written as `**`.
pub struct Tracing {
    card: Box<dyn VirtualCard>,
    out: std::io::LineWriter<std::fs::File>,
}

impl Tracing {
    pub fn create(card: Box<dyn VirtualCard>, path: &Path) -> std::io::Result<Self> {
        let out = std::io::LineWriter::new(std::fs::File::create(path)?);
        Ok(Self { card, out })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

impl VirtualCard for Tracing {
    fn atr(&self) -> Vec<u8> {
        self.card.atr()
    }

    fn process(&mut self, command: &[u8]) -> Vec<u8> {
        let response = self.card.process(command);
        let secret = matches!(command.get(1), Some(0x20 | 0x21 | 0x24 | 0x2C));
        let shown = if !secret || command.len() <= 5 {
            hex(command)
        } else {
            let header = command.get(..5).unwrap_or(command);
            let n = command.len().saturating_sub(5);
            format!("{}{}", hex(header), "**".repeat(n))
        };
        // A trace that cannot be written must not take the card down.
        let _ = writeln!(self.out, "> {shown}\n< {}", hex(&response));
        response
    }

    fn reset(&mut self) {
        let _ = writeln!(self.out, "# reset");
        self.card.reset();
    }

    fn supports_extended_length(&self) -> bool {
        self.card.supports_extended_length()
    }
}

/// A card that is pulled out when a given command arrives: the process exits without
/// answering, which vpcd reports to pcscd as a removed card.
pub struct PullAfter {
    card: Box<dyn VirtualCard>,
    left: u64,
}

impl PullAfter {
    pub fn new(card: Box<dyn VirtualCard>, commands: u64) -> Self {
        Self {
            card,
            left: commands,
        }
    }
}

impl VirtualCard for PullAfter {
    fn atr(&self) -> Vec<u8> {
        self.card.atr()
    }

    fn process(&mut self, command: &[u8]) -> Vec<u8> {
        if self.left == 0 {
            eprintln!("card-sim: card pulled out (--pull-after)");
            std::process::exit(0);
        }
        self.left -= 1;
        self.card.process(command)
    }

    fn reset(&mut self) {
        self.card.reset();
    }

    fn supports_extended_length(&self) -> bool {
        self.card.supports_extended_length()
    }
}
