//! The procedure as a typed state machine: each screen is a type, each step consumes it
//! and returns the next, so steps cannot be taken out of order.

use authority_forms::{CardApplicant, Consents, Email, RuleSet};
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use cert_signer::DigestAlgorithm;
use sha2::{Digest, Sha256};

use crate::{
    AssistPin, AuthPin, Error, PortalCard, SignaturePin,
    package::{application_parts, sign_package},
    transport::{Method, PortalTransport, call, json},
    wire::{
        AmendRequest, AuthorityData, BindingInfo, Challenge, CodeRequest, CodeSent, Draft,
        DraftView, FurtherData, LoginRequest, Message, PROCEDURE, QualificationStep, Review,
        Section, SessionInfo, StartRequest, StatusView, Step, SubmitRequest,
    },
};

/// A step refused: the error, and the screen it was refused on, to try again.
#[derive(Debug)]
pub struct Refused<S> {
    /// The screen, unchanged.
    pub state: S,
    /// Why.
    pub error: Error,
}

impl<S> From<Refused<S>> for Error {
    fn from(r: Refused<S>) -> Self {
        r.error
    }
}

/// The result of a step: the next screen, or the refusal with this screen.
pub type StepResult<Next, This> = Result<Next, Refused<This>>;

/// A portal to log in to: a transport and the rule set the client checks forms with.
#[derive(Debug)]
pub struct Portal<T> {
    transport: T,
    rules: RuleSet,
}

impl<T: PortalTransport> Portal<T> {
    /// A portal reached through `transport`, forms checked against `rules`.
    pub fn new(transport: T, rules: RuleSet) -> Self {
        Self { transport, rules }
    }

    /// Logs in with the card (`docs/spec/application.md` §5): the portal's challenge is signed
    /// with the user-authentication key after its 4-digit PIN. A smartphone JPKI token
    /// logs in too, for status inquiry only.
    pub fn login(mut self, card: &mut dyn PortalCard, pin: &AuthPin) -> Result<Session<T>, Error> {
        let challenge: Challenge = call(
            &mut self.transport,
            Method::Post,
            "/v1/login/challenge",
            None,
            None,
        )?;
        let bytes = B64
            .decode(&challenge.challenge_base64)
            .map_err(|e| Error::Protocol(format!("challenge: {e}")))?;
        let token = card.token()?;
        let signed =
            card.sign_with_auth_key(pin, DigestAlgorithm::Sha256, &Sha256::digest(&bytes))?;
        let request = LoginRequest {
            challenge_id: challenge.challenge_id,
            token: token.value().to_owned(),
            certificate_base64: B64.encode(&signed.certificate_der),
            ca_certificate_base64: B64.encode(&signed.ca_der),
            signature_base64: B64.encode(&signed.signature),
        };
        let info: SessionInfo = call(
            &mut self.transport,
            Method::Post,
            "/v1/login",
            None,
            Some(json(&request)?),
        )?;
        Ok(Session {
            transport: self.transport,
            rules: self.rules,
            info,
        })
    }
}

/// A logged-in session.
#[derive(Debug)]
pub struct Session<T> {
    transport: T,
    rules: RuleSet,
    info: SessionInfo,
}

impl<T: PortalTransport> Session<T> {
    /// The portal's id of the person.
    pub fn person_id(&self) -> &str {
        &self.info.person_id
    }

    /// Whether the login used a smartphone JPKI certificate (status inquiry only).
    pub fn is_smartphone(&self) -> bool {
        self.info.smartphone
    }

    /// The rule set forms are checked against.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    fn call<R: serde::de::DeserializeOwned>(
        &mut self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<R, Error> {
        call(
            &mut self.transport,
            method,
            path,
            Some(&self.info.session_token),
            body,
        )
    }

    /// 申請状況照会: the person's applications.
    pub fn applications(&mut self) -> Result<Vec<StatusView>, Error> {
        self.call(Method::Get, "/v1/applications", None)
    }

    /// 申請状況照会: one application.
    pub fn status(&mut self, application_id: &str) -> Result<StatusView, Error> {
        self.call(
            Method::Get,
            &format!("/v1/applications/{}", path_id(application_id)?),
            None,
        )
    }

    /// The account's messages (the post-approval message with the binding URL).
    pub fn messages(&mut self) -> Result<Vec<Message>, Error> {
        self.call(Method::Get, "/v1/messages", None)
    }

    /// The binding information of an approved application, refused once the URL's
    /// 3 months have passed (the portal says whether it has).
    pub fn binding(&mut self, application_id: &str) -> Result<BindingInfo, Error> {
        let status = self.status(application_id)?;
        let binding = status.binding.ok_or_else(|| {
            Error::Protocol("the application has no binding information yet".into())
        })?;
        if binding.expired {
            return Err(Error::BindingUrlExpired(binding.expires_at));
        }
        Ok(binding)
    }

    /// Step 1–2: chooses 「医療等分野の電子署名利用」 and presses 「申請をはじめる」.
    /// Refused for a smartphone JPKI login (§5), an application under review, a holder
    /// of an HPKI card.
    pub fn start_application(&mut self) -> Result<ChooseQualification<'_, T>, Error> {
        let view: DraftView = self.call(
            Method::Post,
            "/v1/applications",
            Some(json(&StartRequest {
                procedure: PROCEDURE.into(),
            })?),
        )?;
        Ok(ChooseQualification(Form {
            session: self,
            id: view.application_id,
            draft: Box::default(),
        }))
    }

    /// Gives the transport back.
    pub fn into_transport(self) -> T {
        self.transport
    }
}

/// Application ids go into paths: only what the portal hands out is accepted.
fn path_id(id: &str) -> Result<&str, Error> {
    if !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        Ok(id)
    } else {
        Err(Error::Protocol(format!("{id:?} is not an application id")))
    }
}

/// The state shared by every screen: the session, the application id, what was
/// entered.
#[derive(Debug)]
struct Form<'s, T> {
    session: &'s mut Session<T>,
    id: String,
    // Boxed: screens travel by value through every step and every refusal.
    draft: Box<Draft>,
}

impl<T: PortalTransport> Form<'_, T> {
    fn put(&mut self, step: Step, body: serde_json::Value) -> Result<DraftView, Error> {
        let path = format!(
            "/v1/applications/{}/steps/{}",
            path_id(&self.id)?,
            step.as_str()
        );
        self.session.call(Method::Put, &path, Some(body))
    }

    fn post<R: serde::de::DeserializeOwned>(
        &mut self,
        what: &str,
        body: serde_json::Value,
    ) -> Result<R, Error> {
        let path = format!("/v1/applications/{}/{what}", path_id(&self.id)?);
        self.session.call(Method::Post, &path, Some(body))
    }
}

macro_rules! screen {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name<'s, T>(Form<'s, T>);

        impl<T> $name<'_, T> {
            /// The application id.
            pub fn application_id(&self) -> &str {
                &self.0.id
            }
        }
    };
}

/// Runs `f` on the form; on error gives the screen back.
fn step<'s, T, This, Next>(
    mut form: Form<'s, T>,
    wrap: impl FnOnce(Form<'s, T>) -> This,
    f: impl FnOnce(&mut Form<'s, T>) -> Result<(), Error>,
    next: impl FnOnce(Form<'s, T>) -> Next,
) -> StepResult<Next, This> {
    match f(&mut form) {
        Ok(()) => Ok(next(form)),
        Err(error) => Err(Refused {
            state: wrap(form),
            error,
        }),
    }
}

screen!(
    /// Step 3: choose the qualification, then an authority allowed for it.
    ChooseQualification
);
screen!(
    /// Step 4: read the card's basic four items with the input-support PIN.
    ReadCard
);
screen!(
    /// Step 5: confirm name, sex, birth date and address from the card.
    ConfirmApplicant
);
screen!(
    /// Step 6: authority-specific data and the licence images.
    EnterAuthorityData
);
screen!(
    /// Step 7: workplace, delivery, photo and ID.
    EnterFurtherData
);
screen!(
    /// Step 8: the e-mail address (registered, or new with a mailed code).
    EnterEmail
);

impl<'s, T: PortalTransport> ChooseQualification<'s, T> {
    /// The authorities the rule set allows for `qualification` through Mynaportal
    /// (what the screen offers).
    pub fn authorities_for(
        &self,
        qualification: authority_forms::Qualification,
    ) -> Vec<authority_forms::Authority> {
        self.0.session.rules.mynaportal_authorities(qualification)
    }

    /// Chooses; the portal refuses an authority not allowed for the qualification.
    pub fn choose(
        self,
        qualification: authority_forms::Qualification,
        authority: authority_forms::Authority,
    ) -> StepResult<ReadCard<'s, T>, Self> {
        let body = QualificationStep {
            qualification,
            authority,
        };
        step(
            self.0,
            Self,
            |f| {
                f.put(Step::Qualification, json(&body)?)?;
                f.draft.qualification = Some(body);
                Ok(())
            },
            ReadCard,
        )
    }
}

impl<'s, T: PortalTransport> ReadCard<'s, T> {
    /// Reads the basic four items (nothing is sent to the portal yet).
    pub fn read_card(
        self,
        card: &mut dyn PortalCard,
        pin: &AssistPin,
    ) -> StepResult<ConfirmApplicant<'s, T>, Self> {
        step(
            self.0,
            Self,
            |f| {
                let four = card.read_basic_four(pin)?;
                f.draft.applicant = Some(crate::card_applicant(&four)?);
                Ok(())
            },
            ConfirmApplicant,
        )
    }
}

impl<'s, T: PortalTransport> ConfirmApplicant<'s, T> {
    /// What the card says (read-only: outdated data is fixed at the municipality).
    pub fn applicant(&self) -> Option<&CardApplicant> {
        self.0.draft.applicant.as_ref()
    }

    /// Confirms the card's data.
    pub fn confirm(self) -> StepResult<EnterAuthorityData<'s, T>, Self> {
        step(
            self.0,
            Self,
            |f| {
                let applicant = f
                    .draft
                    .applicant
                    .clone()
                    .ok_or_else(|| Error::CardData("the card was not read".into()))?;
                f.put(Step::Applicant, json(&applicant)?)?;
                Ok(())
            },
            EnterAuthorityData,
        )
    }
}

impl<'s, T: PortalTransport> EnterAuthorityData<'s, T> {
    /// What was entered before (after 「修正する」).
    pub fn previous(&self) -> Option<&AuthorityData> {
        self.0.draft.authority_data.as_ref()
    }

    /// Enters the data.
    pub fn submit(self, data: AuthorityData) -> StepResult<EnterFurtherData<'s, T>, Self> {
        step(
            self.0,
            Self,
            |f| {
                f.put(Step::AuthorityData, json(&data)?)?;
                f.draft.authority_data = Some(data);
                Ok(())
            },
            EnterFurtherData,
        )
    }

    /// Goes forward with what was entered before (after a 「修正する」 jump to an
    /// earlier screen).
    pub fn keep(self) -> StepResult<EnterFurtherData<'s, T>, Self> {
        match self.0.draft.authority_data.clone() {
            Some(data) => self.submit(data),
            None => Err(Refused {
                state: self,
                error: Error::Protocol("nothing entered yet".into()),
            }),
        }
    }
}

impl<'s, T: PortalTransport> EnterFurtherData<'s, T> {
    /// What was entered before.
    pub fn previous(&self) -> Option<&FurtherData> {
        self.0.draft.further_data.as_ref()
    }

    /// Enters the data.
    pub fn submit(self, data: FurtherData) -> StepResult<EnterEmail<'s, T>, Self> {
        step(
            self.0,
            Self,
            |f| {
                f.put(Step::FurtherData, json(&data)?)?;
                f.draft.further_data = Some(data);
                Ok(())
            },
            EnterEmail,
        )
    }

    /// Goes forward with what was entered before.
    pub fn keep(self) -> StepResult<EnterEmail<'s, T>, Self> {
        match self.0.draft.further_data.clone() {
            Some(data) => self.submit(data),
            None => Err(Refused {
                state: self,
                error: Error::Protocol("nothing entered yet".into()),
            }),
        }
    }
}

impl<'s, T: PortalTransport> EnterEmail<'s, T> {
    /// Uses the address registered in the account.
    pub fn use_registered(self, address: &str) -> StepResult<ReviewApplication<'s, T>, Self> {
        let email = Email {
            address: address.into(),
            registered: true,
            confirmation_code: None,
        };
        self.put_email(email)
    }

    /// Mails a confirmation code to a new address; call again to resend (the old code
    /// stops working).
    pub fn request_code(&mut self, address: &str) -> Result<CodeSent, Error> {
        self.0.post(
            "email/code",
            json(&CodeRequest {
                address: address.into(),
            })?,
        )
    }

    /// Enters the new address with the code that was mailed to it.
    pub fn confirm_code(
        self,
        address: &str,
        code: &str,
    ) -> StepResult<ReviewApplication<'s, T>, Self> {
        let email = Email {
            address: address.into(),
            registered: false,
            confirmation_code: Some(code.into()),
        };
        self.put_email(email)
    }

    /// Goes forward with the address confirmed before.
    pub fn keep(self) -> StepResult<ReviewApplication<'s, T>, Self> {
        match self.0.draft.email.clone() {
            Some(email) => self.put_email(email),
            None => Err(Refused {
                state: self,
                error: Error::Protocol("nothing entered yet".into()),
            }),
        }
    }

    fn put_email(self, email: Email) -> StepResult<ReviewApplication<'s, T>, Self> {
        let mut form = self.0;
        let result = (|| {
            form.put(Step::Email, json(&email)?)?;
            form.draft.email = Some(email);
            fetch_review(&mut form)
        })();
        match result {
            Ok(review) => Ok(ReviewApplication {
                form,
                review: Box::new(review),
            }),
            Err(error) => Err(Refused {
                state: Self(form),
                error,
            }),
        }
    }
}

/// Gets the review and checks it shows exactly what was entered.
fn fetch_review<T: PortalTransport>(form: &mut Form<'_, T>) -> Result<Review, Error> {
    let path = format!("/v1/applications/{}/review", path_id(&form.id)?);
    let review: Review = form.session.call(Method::Get, &path, None)?;
    let shown = &review.application;
    let mut mine = form
        .draft
        .assemble(shown.application_date, shown.status.clone())
        .ok_or_else(|| Error::Protocol("review before all steps were entered".into()))?;
    let expected_parts = application_parts(&mine)?;
    crate::package::strip_attachments(&mut mine);
    if &mine != shown {
        return Err(Error::ReviewMismatch("the form data differ".into()));
    }
    let same_parts = expected_parts.len() == review.parts.len()
        && expected_parts.iter().zip(&review.parts).all(|(p, info)| {
            p.name == info.name
                && hex_sha256(&p.content) == info.sha256_hex
                && p.content.len() as u64 == info.size
        });
    if !same_parts {
        return Err(Error::ReviewMismatch("the attached files differ".into()));
    }
    Ok(review)
}

fn hex_sha256(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Step 9: the review. 「修正する」 jumps back; [`proceed`](Self::proceed) goes on.
#[derive(Debug)]
pub struct ReviewApplication<'s, T> {
    form: Form<'s, T>,
    review: Box<Review>,
}

impl<'s, T: PortalTransport> ReviewApplication<'s, T> {
    /// The application id.
    pub fn application_id(&self) -> &str {
        &self.form.id
    }

    /// What the portal shows (checked against what was entered).
    pub fn review(&self) -> &Review {
        &self.review
    }

    fn amend(mut self, section: Section) -> Result<Form<'s, T>, Refused<Self>> {
        let result =
            json(&AmendRequest { section }).and_then(|b| self.form.post::<DraftView>("amend", b));
        match result {
            Ok(_) => Ok(self.form),
            Err(error) => Err(Refused { state: self, error }),
        }
    }

    /// 「修正する」 under the applicant data: back to the step 5 screen.
    pub fn amend_applicant(self) -> StepResult<ConfirmApplicant<'s, T>, Self> {
        self.amend(Section::Applicant).map(ConfirmApplicant)
    }

    /// 「修正する」 under the other data: back to the step 6 screen.
    pub fn amend_authority_data(self) -> StepResult<EnterAuthorityData<'s, T>, Self> {
        self.amend(Section::AuthorityData).map(EnterAuthorityData)
    }

    /// 「修正する」 under the e-mail: back to the e-mail screen.
    pub fn amend_email(self) -> StepResult<EnterEmail<'s, T>, Self> {
        self.amend(Section::Email).map(EnterEmail)
    }

    /// Goes on to the consents; refused (nothing sent) while the review shows problems.
    pub fn proceed(self) -> StepResult<GiveConsents<'s, T>, Self> {
        if !self.review.report.errors.is_empty() {
            let problems = self.review.report.errors.clone();
            return Err(Refused {
                state: self,
                error: Error::InvalidForm(problems),
            });
        }
        let mut form = self.form;
        form.draft.consents = None;
        Ok(GiveConsents {
            form,
            review: self.review,
        })
    }
}

/// Step 10: the authority's terms and privacy notes (the set differs per authority).
#[derive(Debug)]
pub struct GiveConsents<'s, T> {
    form: Form<'s, T>,
    review: Box<Review>,
}

impl<'s, T: PortalTransport> GiveConsents<'s, T> {
    /// The documents to agree to.
    pub fn consents(&self) -> &[String] {
        &self.review.consents
    }

    /// 「すべての確認事項に同意する」.
    pub fn agree_all(mut self) -> StepResult<SignApplication<'s, T>, Self> {
        let consents = Consents { agree_all: true };
        let result = json(&consents).and_then(|b| self.form.put(Step::Consents, b));
        match result {
            Ok(_) => {
                self.form.draft.consents = Some(consents);
                Ok(SignApplication {
                    form: self.form,
                    review: self.review,
                })
            }
            Err(error) => Err(Refused { state: self, error }),
        }
    }
}

/// Step 11: sign the package with the card's signature key and send it.
#[derive(Debug)]
pub struct SignApplication<'s, T> {
    form: Form<'s, T>,
    review: Box<Review>,
}

impl<'s, T: PortalTransport> SignApplication<'s, T> {
    /// Checks the whole form locally, builds the package, signs it with the signature
    /// key (the PIN's format was checked when it was made) and submits it.
    pub fn sign_and_submit(
        mut self,
        card: &mut dyn PortalCard,
        pin: &SignaturePin,
    ) -> StepResult<Submitted, Self> {
        match self.try_submit(card, pin) {
            Ok(status) => Ok(Submitted { status }),
            Err(error) => Err(Refused { state: self, error }),
        }
    }

    fn try_submit(
        &mut self,
        card: &mut dyn PortalCard,
        pin: &SignaturePin,
    ) -> Result<StatusView, Error> {
        let shown = &self.review.application;
        let application = self
            .form
            .draft
            .assemble(shown.application_date, shown.status.clone())
            .ok_or_else(|| Error::Protocol("incomplete draft".into()))?;
        let report = authority_forms::validate(&application, &self.form.session.rules);
        if !report.valid {
            return Err(Error::InvalidForm(report.errors));
        }
        let parts = application_parts(&application)?;
        let xml = sign_package(&parts, |alg, digest| {
            card.sign_with_signature_key(pin, alg, digest)
        })?;
        let body = json(&SubmitRequest { package_xml: xml })?;
        self.form.post("submit", body)
    }
}

/// Step 12: 「申請情報の送信完了」.
#[derive(Debug)]
pub struct Submitted {
    /// The status right after submission (申請中).
    pub status: StatusView,
}
