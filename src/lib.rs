//! # medsign
//!
//! Sign and verify Japanese electronic prescriptions with HPKI and the My Number Card.
//! This umbrella crate re-exports the workspace's library crates under one name; each
//! is also usable on its own.
//!
//! | module | crate | what it does |
//! |---|---|---|
//! | [`apdu`] | `apdu` | ISO 7816-4 APDUs, status words, BER-TLV, transports (PC/SC with feature `pcsc`) |
//! | [`signer`] | `cert-signer` | the `CertSigner` trait every card, remote and software signer implements |
//! | [`hpki`] | `hpki-card` | HPKI cards: certificates, PIN, signing in both command variants |
//! | [`jpki`] | `jpki-card` | the My Number Card: JPKI certificates, PINs, signing; basic four items |
//! | [`cert`] | `hpki-cert` | HPKI/JPKI certificate profiles, hcRole, path validation, CRLs |
//! | [`cms`] | `cms-sign` | CMS/CAdES B-B and B-T signing and verification, RFC 3161 client |
//! | [`xades`] | `xades-sign` | the e-prescription XAdES signature: sign and verify EPS/EPD documents |
//! | [`forms`] | `authority-forms` | the HPKI application forms: rule sets, validation, romaji |
//! | [`mynaportal`] | `mynaportal-client` | the Mynaportal application procedure as a typed client |
//! | [`remote`] | `remote-sign` | remote signing with the HPKI second certificate |
//!
//! ```
//! use medsign::xades::{TrustStore, Verifier};
//!
//! // The bundled MHLW HPKI Root CA V2 is the anchor; nothing in a document is trusted.
//! let verifier = Verifier::new(TrustStore::bundled());
//! let report = verifier.verify(b"<Document/>");
//! assert_eq!(report.status.to_string(), "INVALID");
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use apdu;
pub use authority_forms as forms;
pub use cert_signer as signer;
pub use cms_sign as cms;
pub use hpki_card as hpki;
pub use hpki_cert as cert;
pub use jpki_card as jpki;
pub use mynaportal_client as mynaportal;
pub use remote_sign as remote;
pub use xades_sign as xades;
