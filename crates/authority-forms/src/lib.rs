#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod attachment;
mod model;
mod normalize;
mod pin;
mod romaji;
mod rules;
mod validate;

pub use crate::{
    attachment::{AttachmentError, Dimensions, FileFormat, Sniffed, sniff},
    model::{
        AliasOrFormerName, ApplicantStatus, Application, Attachment, Attachments, CardApplicant,
        Consents, Delivery, Email, HpkiCardRequest, HpkiCardState, IdDocument, IdKind, Licence,
        Membership, PersonName, Photo, Place, PostalAddress, PriorApplication, PriorState,
        Registration, RomajiName, Sex, Workplace,
    },
    pin::{HpkiCardPin, PinProblem, check_assist_pin, check_signature_pin},
    romaji::{MAX_CANDIDATES, NamePart, RomajiError, hepburn_candidates},
    rules::{
        Authority, AuthorityRules, Formats, Limits, MembershipKind, PinRules, Price, PriceRules,
        Qualification, Route, RuleSet, Waiver,
    },
    validate::{Code, Problem, Report, validate, validate_normalized},
};

/// Why a rule set, a price or a conversion could not be produced. Validation problems
/// of an application are not errors: they are [`Problem`]s in a [`Report`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A rule set could not be loaded; the inner error says why.
    #[error("rule set: {0}")]
    RuleSet(#[from] RuleSetError),
    /// The authority does not take applications on this route in the rule set (JPA
    /// through Mynaportal in the guide's rule set): apply on the authority's own site.
    #[error("{authority:?} takes no applications via {route:?} in this rule set")]
    NotOffered {
        /// The authority asked for.
        authority: Authority,
        /// The route asked for.
        route: Route,
    },
    /// A name could not be converted to romaji.
    #[error("romaji: {0}")]
    Romaji(#[from] RomajiError),
    /// An attachment's header could not be read.
    #[error("attachment: {0}")]
    Attachment(#[from] AttachmentError),
}

/// Why a rule set was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleSetError {
    /// The TOML or JSON does not parse into a rule set (syntax, a missing or unknown
    /// field): the message names the place.
    #[error("cannot parse: {0}")]
    Parse(String),
    /// The rule set parses but contradicts itself (see [`RuleSet::check`]).
    #[error("incoherent: {0}")]
    Incoherent(String),
}
