#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs, rust_2018_idioms, unused_qualifications)]

mod card;
mod error;
mod package;
mod pin;
mod procedure;
mod transport;
pub mod wire;

pub use crate::{
    card::{ApduCard, CardSignature, PortalCard, card_applicant},
    error::{BINDING_EXPIRED_JA, Error, SMARTPHONE_MESSAGE_EN, SMARTPHONE_MESSAGE_JA},
    package::{
        MAX_PACKAGE_XML, PACKAGE_NS, PackageError, PackagePart, VerifiedPackage, application_parts,
        basic_four_from_certificate, sign_package, strip_attachments, verify_package,
        verify_package_with,
    },
    pin::{AssistPin, SignaturePin},
    procedure::{
        ChooseQualification, ConfirmApplicant, EnterAuthorityData, EnterEmail, EnterFurtherData,
        GiveConsents, Portal, ReadCard, Refused, ReviewApplication, Session, SignApplication,
        StepResult, Submitted,
    },
    transport::{HttpTransport, MAX_RESPONSE_BYTES, Method, PortalTransport},
    wire::PortalError,
};
/// The card types the procedure uses are jpki-card's, one of each in medsign: the token
/// kind, the basic four items, the login PIN, and the PIN outcome both card crates report.
pub use jpki_card::{AuthPin, BasicFourItems, LastTry, PinError, TokenKind};
