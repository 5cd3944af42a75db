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
    card::{ApduCard, BasicFour, CardSignature, PortalCard, TokenKind},
    error::{BINDING_EXPIRED_JA, Error, SMARTPHONE_MESSAGE_EN, SMARTPHONE_MESSAGE_JA},
    package::{
        MAX_PACKAGE_XML, PACKAGE_NS, PackageError, PackagePart, VerifiedPackage, application_parts,
        basic_four_from_certificate, sign_package, strip_attachments, verify_package,
        verify_package_with,
    },
    pin::{AssistPin, AuthPin, SignaturePin},
    procedure::{
        ChooseQualification, ConfirmApplicant, EnterAuthorityData, EnterEmail, EnterFurtherData,
        GiveConsents, Portal, ReadCard, Refused, ReviewApplication, Session, SignApplication,
        StepResult, Submitted,
    },
    transport::{HttpTransport, MAX_RESPONSE_BYTES, Method, PortalTransport},
    wire::PortalError,
};
