//! # medsign
//!
//! Sign and verify Japanese electronic prescriptions with HPKI and the My Number Card.
//! This umbrella crate re-exports the workspace's library crates under one name; each
//! is also usable on its own.
//!
//! Sign a prescription with a physician's HPKI card and verify it. Here the card is
//! `card-sim`'s virtual one; with a reader (feature `pcsc`) the transport is
//! `medsign::apdu::PcscContext::establish()?.connect_first()?` and nothing else changes.
//!
//! ```
//! use card_sim::{HpkiHolder, HpkiTestCertificates, InProcess, VirtualHpkiCard};
//! use hpki_cert::testpki::valid_time;
//! use medsign::hpki::{HpkiCard, LastTry, Pin};
//! use medsign::xades::{Indication, Prescription, SignOptions, SignatureIds, TrustStore, Verifier};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let reader = InProcess::new(VirtualHpkiCard::test_card(HpkiHolder::Physician)?);
//! let card = HpkiCard::open(reader)?; // the signing AP, its layout detected
//! // The PIN comes from the user; a wrong one fails here with the tries left.
//! let mut signer = card.into_signer(Pin::new("1234")?, LastTry::Refuse)?;
//!
//! let prescription = Prescription::new("SJ1\n1,1,8000010,99,テスト病院\n");
//! let options = SignOptions { signing_time: valid_time(), ids: SignatureIds::random() };
//! let signed = medsign::xades::sign_prescription(&prescription, &mut signer, &options)?;
//!
//! // Verify against the anchors you trust: the card's test root here, the bundled MHLW
//! // HPKI Root CA V2 (`TrustStore::bundled()`) in production.
//! let test_pki = HpkiTestCertificates::generate(HpkiHolder::Physician)?;
//! let mut trust = TrustStore::new();
//! trust.add_anchor_der(&test_pki.root)?;
//! trust.add_intermediate_der(&test_pki.signing_ca)?;
//! // Revocation status is required for the signer and its CA: the CRLs the test CAs
//! // publish at that time here; in production a `CrlSource` fetching the CAs' CRLs
//! // (`hpki_cert::online::HttpCrlSource`) or the CRLs you keep.
//! let crls: Vec<Vec<u8>> = hpki_cert::testpki::TestPki::shared()?
//!     .crls_at(valid_time(), &[])?
//!     .into_iter()
//!     .map(|(_, der)| der)
//!     .collect();
//! let verifier = Verifier::new(trust.clone()).at(valid_time());
//! let report = verifier.with_crls(crls).verify(&signed);
//! assert_eq!(report.status, Indication::Valid);
//! let signer = &report.signatures[0].signer;
//! assert_eq!(signer.qualification.as_ref().map(|q| q.name()), Some("MedicalDoctor"));
//!
//! // Without revocation status the signature is not valid: it is INDETERMINATE.
//! let report = Verifier::new(trust).at(valid_time()).verify(&signed);
//! assert_eq!(report.status, Indication::Indeterminate);
//!
//! // Nothing in a document is trusted: the production anchor does not know the test CA.
//! let report = Verifier::new(TrustStore::bundled()).at(valid_time()).verify(&signed);
//! assert_ne!(report.status, Indication::Valid);
//! # Ok(())
//! # }
//! ```
//!
//! ## The crates
//!
//! | module | crate | what it does |
//! |---|---|---|
//! | [`apdu`] | `apdu` | ISO 7816-4 APDUs, status words, BER-TLV, transports (PC/SC with feature `pcsc`) |
//! | [`signer`] | `cert-signer` | the `CertSigner` trait every card, remote and software signer implements; `SignError`, and the PIN types both card crates share (`PinError`, `PinStatus`, `LastTry`) |
//! | [`hpki`] | `hpki-card` | HPKI cards: certificates, PIN, signing in both command variants |
//! | [`jpki`] | `jpki-card` | the My Number Card: JPKI certificates, PINs, signing; basic four items |
//! | [`card`] | `card-detect` | which card is in the reader: a My Number Card (token kind) or an HPKI card (layout) |
//! | [`cert`] | `hpki-cert` | HPKI/JPKI certificate profiles, hcRole, path validation, CRLs |
//! | [`cms`] | `cms-sign` | CMS/CAdES B-B and B-T signing and verification, RFC 3161 client |
//! | [`xades`] | `xades-sign` | the e-prescription XAdES signature: sign and verify EPS/EPD documents |
//! | [`forms`] | `authority-forms` | the HPKI application forms: rule sets, validation, romaji |
//! | [`mynaportal`] | `mynaportal-client` | the Mynaportal application procedure as a typed client |
//! | [`remote`] | `remote-sign` | remote signing with the HPKI second certificate |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use apdu;
pub use authority_forms as forms;
pub use card_detect as card;
pub use cert_signer as signer;
pub use cms_sign as cms;
pub use hpki_card as hpki;
pub use hpki_cert as cert;
pub use jpki_card as jpki;
pub use mynaportal_client as mynaportal;
pub use remote_sign as remote;
pub use xades_sign as xades;
