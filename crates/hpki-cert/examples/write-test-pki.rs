//! Writes the deterministic test PKI (certificates, keys, a CRL) into a directory, for
//! `openssl verify` and other peers.
//!
//! ```text
//! cargo run -p hpki-cert --features test-pki --example write-test-pki -- OUT_DIR
//! ```
//!
//! Writes `<name>.pem`, `<name>.der` and `<name>.key.pem` for every certificate of
//! `TestPki`, `anchors/` with the three roots, and `hpki-sign-ca.crl.pem`: a CRL of the
//! HPKI signing CA revoking the physician's signing certificate (serial 0x1001,
//! keyCompromise, 2024-06-01).

use std::path::PathBuf;

use hpki_cert::{
    CrlReason, Error,
    testpki::{Revocation, TestPki},
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .ok_or("usage: write-test-pki OUT_DIR")?;
    let pki = TestPki::new()?;
    pki.write_all(&dir)?;
    pki.write_anchors(&dir.join("anchors"))?;
    let at = |s: &str| s.parse::<jiff::Timestamp>();
    let crl = TestPki::issue_crl(
        pki.hpki_sign_ca(),
        &[Revocation {
            serial: 0x1001,
            date: at("2024-06-01T00:00:00Z")?,
            reason: Some(CrlReason::KeyCompromise),
        }],
        at("2024-07-01T00:00:00Z")?,
        at("2034-01-01T00:00:00Z")?,
        1,
    )?;
    let pem = der::pem::encode_string("X509 CRL", der::pem::LineEnding::LF, &crl)
        .map_err(|e| Error::Pem(e.to_string()))?;
    std::fs::write(dir.join("hpki-sign-ca.crl.pem"), pem)?;
    println!("test PKI written to {}", dir.display());
    Ok(())
}
