//! `--card hpki-physician|hpki-dentist|hpki-pharmacist`: options and the start-up banner.

use std::io::Write;

use card_sim::{
    HpkiHolder, HpkiProfile, HpkiSignSupport, HpkiTestCardError, HpkiTestCertificates,
    VirtualHpkiCard,
};
use clap::ValueEnum;
use sha2::Digest as _;

#[derive(Clone, Copy, ValueEnum)]
pub enum ProfileArg {
    /// The JMA card: PIN 0002, key 000C, certificate 0016, VERIFY P2 88.
    Jma,
    /// The JAHIS reference layout: PIN 0016, key 0017, certificate 0018, VERIFY P2 96.
    Jahis,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SignArg {
    /// The JAHIS PSO and the JPKI-style 80 2A.
    Both,
    /// Only MSE SET + PSO (80 2A answers 6E00).
    Jahis,
    /// Only 80 2A 00 80 (MSE and PSO answer 6D00).
    Jpki,
}

/// Options of the virtual HPKI cards (ignored by other cards).
#[derive(clap::Args)]
pub struct HpkiArgs {
    /// HPKI card: the file layout.
    #[arg(long, value_enum, default_value = "jma")]
    profile: ProfileArg,
    /// HPKI card: the PIN (4 to 16 characters).
    #[arg(long, default_value = "1234")]
    pin: String,
    /// HPKI card: which signing commands the card accepts.
    #[arg(long, value_enum, default_value = "both")]
    sign_variants: SignArg,
    /// HPKI card: refuse extended-length APDUs (hosts must chain).
    #[arg(long)]
    no_extended_length: bool,
}

impl HpkiArgs {
    pub fn card(&self, holder: HpkiHolder) -> Result<VirtualHpkiCard, HpkiTestCardError> {
        let card = VirtualHpkiCard::test_card(holder)?
            .with_pin(&self.pin)
            .with_profile(match self.profile {
                ProfileArg::Jma => HpkiProfile::Jma,
                ProfileArg::Jahis => HpkiProfile::JahisReference,
            })
            .with_sign_support(match self.sign_variants {
                SignArg::Both => HpkiSignSupport::Both,
                SignArg::Jahis => HpkiSignSupport::JahisPsoOnly,
                SignArg::Jpki => HpkiSignSupport::JpkiStyleOnly,
            })
            .with_extended_length(!self.no_extended_length);
        let certs = HpkiTestCertificates::generate(holder)?;
        // The test PIN is printed on purpose: this is a test card, and scripts read it.
        say!(
            "card-sim: virtual HPKI card of the test {holder:?} ({:?} layout)",
            card.profile()
        );
        say!("  PIN: {}", self.pin);
        for (label, der) in [
            ("signing AP certificate       ", certs.signing.as_slice()),
            ("authentication AP certificate", &certs.authentication),
            ("signing CA                   ", &certs.signing_ca),
            ("authentication CA            ", &certs.authentication_ca),
            ("test root (not on the card)  ", &certs.root),
        ] {
            say!("  {label} SHA-256 {}", fingerprint(der));
        }
        let _ = std::io::stdout().flush();
        Ok(card)
    }
}

fn fingerprint(der: &[u8]) -> String {
    sha2::Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}
