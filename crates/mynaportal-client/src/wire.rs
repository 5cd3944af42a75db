//! The HTTP/JSON binding's bodies (`docs/mynaportal-binding.openapi.yaml`), shared by
//! the client and `portal-sim`.

use authority_forms::{
    AliasOrFormerName, Application, Attachment, Authority, CardApplicant, Consents, Delivery,
    Email, HpkiCardRequest, HpkiCardState, IdDocument, Licence, Membership, PersonName, Photo,
    PostalAddress, Problem, Qualification, Registration, Report, RomajiName, Workplace,
};
use serde::{Deserialize, Serialize};

/// The one procedure this binding covers: 「医療等分野の電子署名利用」.
pub const PROCEDURE: &str = "medical_e_signature";

/// `POST /v1/login/challenge` answer: a fresh challenge for the user-authentication key.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Challenge {
    /// Its id, sent back with the signature.
    pub challenge_id: String,
    /// 32 random bytes, base64; the card signs their SHA-256.
    pub challenge_base64: String,
    /// When it can no longer be used.
    pub expires_at: jiff::Timestamp,
}

/// `POST /v1/login` body.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoginRequest {
    /// From [`Challenge`].
    pub challenge_id: String,
    /// The token EF value of the JPKI AP (`JPKIAPICCTOKEN2`, `JPKIAPGPSETOKEN`, ...).
    pub token: String,
    /// The user-authentication certificate, base64 DER.
    pub certificate_base64: String,
    /// Its CA certificate, base64 DER.
    pub ca_certificate_base64: String,
    /// RSA PKCS#1 v1.5 signature over SHA-256(challenge), base64.
    pub signature_base64: String,
}

/// `POST /v1/login` answer.
#[derive(Clone, Serialize, Deserialize)]
pub struct SessionInfo {
    /// The bearer token for later calls.
    pub session_token: String,
    /// The portal's stable id of the person (from the authentication certificate).
    pub person_id: String,
    /// Logged in with a smartphone JPKI certificate: status inquiry only.
    pub smartphone: bool,
    /// When the session ends unless used (each call extends it).
    pub expires_at: jiff::Timestamp,
}

impl core::fmt::Debug for SessionInfo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SessionInfo")
            .field("session_token", &"<redacted>")
            .field("person_id", &self.person_id)
            .field("smartphone", &self.smartphone)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// `POST /v1/applications` body: start the procedure (step 2, 「申請をはじめる」).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StartRequest {
    /// Always [`PROCEDURE`].
    pub procedure: String,
}

/// The steps of the form, in order; a step is entered when all before it are done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Step 3: qualification and authority.
    Qualification,
    /// Steps 4–5: the card's basic four items, confirmed.
    Applicant,
    /// Step 6: authority-specific data and attachments.
    AuthorityData,
    /// Step 7: further data, photo and ID.
    FurtherData,
    /// Step 8: e-mail.
    Email,
    /// Steps 9–10: review, then consents.
    Consents,
    /// Step 11: the signed package.
    Submit,
}

impl Step {
    /// The path segment of `PUT /v1/applications/{id}/steps/{step}`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Qualification => "qualification",
            Self::Applicant => "applicant",
            Self::AuthorityData => "authority_data",
            Self::FurtherData => "further_data",
            Self::Email => "email",
            Self::Consents => "consents",
            Self::Submit => "submit",
        }
    }

    /// The step named by a path segment.
    pub fn from_str_opt(s: &str) -> Option<Self> {
        [
            Self::Qualification,
            Self::Applicant,
            Self::AuthorityData,
            Self::FurtherData,
            Self::Email,
            Self::Consents,
            Self::Submit,
        ]
        .into_iter()
        .find(|step| step.as_str() == s)
    }
}

/// Step 3 body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualificationStep {
    /// 国家資格.
    pub qualification: Qualification,
    /// 申請先認証局.
    pub authority: Authority,
}

/// Step 6 body: the authority-specific data and the licence images.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorityData {
    /// 氏名カタカナ.
    pub name_katakana: PersonName,
    /// 氏名ローマ字.
    pub name_romaji: RomajiName,
    /// Address and postal code.
    pub address: PostalAddress,
    /// Alias or former name.
    pub alias: AliasOrFormerName,
    /// 登録番号, 登録年月日.
    pub registration: Registration,
    /// Association membership (JMA, JPA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub membership: Option<Membership>,
    /// The HPKI card part (JMA, MEDIS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hpki_card: Option<HpkiCardRequest>,
    /// The licence images.
    pub licence: Licence,
    /// The document linking current and former names, when one is typed by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub former_name_proof: Option<Attachment>,
}

/// Step 7 body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FurtherData {
    /// 勤務先.
    pub workplace: Workplace,
    /// 交付案内等送付先、連絡先.
    pub delivery: Delivery,
    /// 顔写真.
    pub photo: Photo,
    /// 身分証.
    pub id_document: IdDocument,
}

/// `POST /v1/applications/{id}/email/code` body: mail a confirmation code (again).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CodeRequest {
    /// The new address.
    pub address: String,
}

/// Answer to [`CodeRequest`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CodeSent {
    /// Where it went.
    pub sent_to: String,
    /// When the code stops working.
    pub expires_at: jiff::Timestamp,
}

/// `POST /v1/applications/{id}/amend` body: 「修正する」 under a review section.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// 申請者情報: back to the step 5 screen.
    Applicant,
    /// Other entered data: back to the step 6 screen.
    AuthorityData,
    /// The e-mail: back to the e-mail screen (step 8).
    Email,
}

impl Section {
    /// The step the section jumps back to.
    pub fn step(self) -> Step {
        match self {
            Self::Applicant => Step::Applicant,
            Self::AuthorityData => Step::AuthorityData,
            Self::Email => Step::Email,
        }
    }
}

/// `POST /v1/applications/{id}/amend` body.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AmendRequest {
    /// The section whose 「修正する」 was pressed.
    pub section: Section,
}

/// Where a draft stands (answer to `POST /v1/applications`, step PUTs and amend).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DraftView {
    /// The application id.
    pub application_id: String,
    /// The step the portal expects next.
    pub next_step: Step,
}

/// A file of the package as the portal holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartInfo {
    /// The package name (`form.json`, `photo`, ...).
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256_hex: String,
}

/// `GET /v1/applications/{id}/review`: the application as the portal assembled it
/// (attachment bytes left out), the validation report, the consents to give, the parts
/// to sign.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Review {
    /// The application, attachments with empty content (the client holds the bytes).
    pub application: Application,
    /// Problems found (consents not counted: they come after the review).
    pub report: Report,
    /// The authority's terms and privacy notes to agree to (step 10).
    pub consents: Vec<String>,
    /// The package parts, in package order.
    pub parts: Vec<PartInfo>,
}

/// `PUT .../steps/consents` body.
pub type ConsentsStep = Consents;
/// `PUT .../steps/email` body.
pub type EmailStep = Email;
/// `PUT .../steps/applicant` body.
pub type ApplicantStep = CardApplicant;

/// `POST /v1/applications/{id}/submit` body.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SubmitRequest {
    /// The signed package XML.
    pub package_xml: String,
}

/// Where an application stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Being filled in.
    Draft,
    /// 申請中: submitted, under the authority's review.
    UnderReview,
    /// Approved; the binding information is out.
    Approved,
    /// Refused by the authority.
    Rejected,
}

/// The smartphone-binding information of an approved application (step 13–14).
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BindingInfo {
    /// The registration URL on the second-certificate platform.
    pub url: String,
    /// The password sent with it.
    pub password: String,
    /// When the URL stops working (3 months after issue).
    pub expires_at: jiff::Timestamp,
    /// Whether it had expired when this was produced.
    pub expired: bool,
    /// The platform's person id, pre-filled at login.
    pub person_id: String,
}

impl core::fmt::Debug for BindingInfo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BindingInfo")
            .field("url", &self.url)
            .field("password", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("expired", &self.expired)
            .finish_non_exhaustive()
    }
}

/// `GET /v1/applications/{id}`: the status inquiry (申請状況照会).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StatusView {
    /// The application id.
    pub application_id: String,
    /// Where it stands.
    pub state: State,
    /// The qualification, once chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualification: Option<Qualification>,
    /// The authority, once chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<Authority>,
    /// When it was submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<jiff::Timestamp>,
    /// When the authority decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<jiff::Timestamp>,
    /// The authority's reason, on rejection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The binding information, once approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding: Option<BindingInfo>,
}

/// A message in the account's inbox (やること / お知らせ).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Message {
    /// Its id.
    pub id: i64,
    /// The application it is about.
    pub application_id: String,
    /// Title, Japanese.
    pub title_ja: String,
    /// Body, Japanese.
    pub body_ja: String,
    /// The binding information it carries (post-approval message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding: Option<BindingInfo>,
    /// When it arrived.
    pub created_at: jiff::Timestamp,
}

/// A mail in `portal-sim`'s outbox (`GET /v1/operator/outbox`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Mail {
    /// Its id.
    pub id: i64,
    /// Recipient.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// When it was "sent".
    pub created_at: jiff::Timestamp,
}

/// `POST /v1/operator/applications/{id}/decision` body (the authority's review).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Decision {
    /// Approve (issue) or reject.
    pub approve: bool,
    /// The reason, on rejection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `PUT /v1/operator/persons/{person_id}` body: what the authorities' records say
/// about a person (qualifications, HPKI cards), for the eligibility rules.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PersonRecord {
    /// Qualifications the person holds; empty = take the one applied for as held.
    #[serde(default)]
    pub qualifications_held: Vec<Qualification>,
    /// HPKI cards the person has or had.
    #[serde(default)]
    pub hpki_cards: Vec<HpkiCardState>,
}

/// `POST /v1/operator/clock` body: move the portal's clock forward (tests of expiry).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClockAdvance {
    /// Seconds to add.
    pub seconds: i64,
}

/// Every error answer: `{"error": {...}}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: PortalError,
}

/// A refusal by the portal, as shown to the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message_en} / {message_ja}")]
pub struct PortalError {
    /// HTTP status.
    #[serde(default)]
    pub status: u16,
    /// Stable code (`smartphone_token_not_supported`, `application_pending`,
    /// `invalid_form`, ...; see the OpenAPI document).
    pub code: String,
    /// The message the portal shows, Japanese.
    pub message_ja: String,
    /// The same in English.
    pub message_en: String,
    /// Field problems, for `invalid_form`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

/// Everything entered so far, step by step (the portal keeps one per application; the
/// client keeps its own to compare with the review).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// Step 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualification: Option<QualificationStep>,
    /// Step 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicant: Option<CardApplicant>,
    /// Step 6.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority_data: Option<AuthorityData>,
    /// Step 7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub further_data: Option<FurtherData>,
    /// Step 8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    /// Step 10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consents: Option<Consents>,
}

impl Draft {
    /// The whole application, once steps 3–8 are done (consents count as not given
    /// until step 10). `date` and `status` are the portal's.
    pub fn assemble(
        &self,
        application_date: jiff::civil::Date,
        status: authority_forms::ApplicantStatus,
    ) -> Option<Application> {
        let q = self.qualification.as_ref()?;
        let a = self.authority_data.clone()?;
        let f = self.further_data.clone()?;
        Some(Application {
            application_date,
            qualification: q.qualification,
            authority: q.authority,
            applicant: self.applicant.clone()?,
            status,
            name_katakana: a.name_katakana,
            name_romaji: a.name_romaji,
            address: a.address,
            alias: a.alias,
            registration: a.registration,
            membership: a.membership,
            hpki_card: a.hpki_card,
            workplace: f.workplace,
            delivery: f.delivery,
            email: self.email.clone()?,
            consents: self.consents.unwrap_or(Consents { agree_all: false }),
            attachments: authority_forms::Attachments {
                photo: f.photo,
                id_document: f.id_document,
                licence: a.licence,
                former_name_proof: a.former_name_proof,
            },
        })
    }
}
