//! The portal's rules: login, the form's steps, review, submission, the authority's
//! decision, status and messages.

use std::sync::{Arc, Mutex, PoisonError};

use authority_forms::{
    ApplicantStatus, Application, CardApplicant, Code, Email, PriorApplication, PriorState,
    RuleSet, validate,
};
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use cert_signer::DigestAlgorithm;
use hpki_cert::{PathOptions, Purpose, TrustStore, Verdict, validate_path};
use jiff::{SignedDuration, Timestamp};
use mynaportal_client::wire::{
    AmendRequest, AuthorityData, BindingInfo, Challenge, ClockAdvance, CodeRequest, CodeSent,
    Decision, DraftView, FurtherData, LoginRequest, Mail, Message, PartInfo, PersonRecord,
    PortalError, QualificationStep, Review, SessionInfo, State, StatusView, Step, SubmitRequest,
};
use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::{
    Clock, Error, IssueOrder, SecondCertificatePlatform,
    store::{self, AppRow, SessionRow},
};

/// How long things live; defaults follow the guide where it says, else common practice.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PortalConfig {
    /// A login challenge (5 minutes).
    pub challenge_ttl: SignedDuration,
    /// Login challenges handed out and not yet expired, at most (10,000): asking for
    /// one more is answered 503 `busy` until some expire. Expired ones are deleted
    /// whenever a challenge is asked for, and expired sessions whenever one logs in.
    pub max_pending_challenges: usize,
    /// A session without activity (30 minutes; every call extends it).
    pub session_ttl: SignedDuration,
    /// A mailed confirmation code (30 minutes).
    pub code_ttl: SignedDuration,
    /// Wrong codes before a new one must be requested (5).
    pub code_attempts: i64,
    /// The bearer token of the operator endpoints (the authority's review).
    pub operator_token: String,
    /// The rule set.
    pub rules: RuleSet,
}

impl PortalConfig {
    /// Defaults with the guide's rule set and the given operator token.
    pub fn new(operator_token: impl Into<String>) -> Result<Self, Error> {
        Ok(Self {
            challenge_ttl: SignedDuration::from_mins(5),
            max_pending_challenges: 10_000,
            session_ttl: SignedDuration::from_mins(30),
            code_ttl: SignedDuration::from_mins(30),
            code_attempts: 5,
            operator_token: operator_token.into(),
            rules: RuleSet::guide_2024_06().map_err(|e| Error::Config(e.to_string()))?,
        })
    }
}

/// A refusal as the binding carries it.
pub(crate) type ApiError = PortalError;

pub(crate) fn api(status: u16, code: &str, ja: &str, en: &str) -> ApiError {
    PortalError {
        status,
        code: code.into(),
        message_ja: ja.into(),
        message_en: en.into(),
        problems: Vec::new(),
    }
}

fn internal(e: Error) -> ApiError {
    // The detail goes to the log line's error code only; never personal data.
    api(
        500,
        "internal",
        "システムエラーが発生しました。",
        &format!("internal error: {}", e.kind()),
    )
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        internal(e)
    }
}

/// The local Mynaportal stand-in: cheap to clone, thread-safe.
#[derive(Clone)]
pub struct Portal {
    conn: Arc<Mutex<Connection>>,
    config: Arc<PortalConfig>,
    trust: Arc<TrustStore>,
    clock: Clock,
    platform: Option<Arc<dyn SecondCertificatePlatform>>,
    /// Where the revocation status of login certificates comes from.
    crl_source: Option<Arc<dyn hpki_cert::CrlSource>>,
    /// The test hook of [`Portal::crash_after_write`].
    crash_after: Option<Arc<str>>,
}

impl core::fmt::Debug for Portal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Portal")
            .field("platform", &self.platform.is_some())
            .finish_non_exhaustive()
    }
}

fn random_bytes() -> [u8; 32] {
    let a = uuid::Uuid::new_v4();
    let b = uuid::Uuid::new_v4();
    let mut out = [0u8; 32];
    for (o, i) in out.iter_mut().zip(a.as_bytes().iter().chain(b.as_bytes())) {
        *o = *i;
    }
    out
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// What the operator sees of a person: its id and whether it logged in with a phone.
pub(crate) struct Caller {
    pub token_sha256: String,
    pub session: SessionRow,
}

impl Portal {
    /// A portal on the database at `db` (created when missing; `None`: in memory),
    /// trusting `trust` for JPKI certificates (the J-LIS roots).
    pub fn open(
        db: Option<&std::path::Path>,
        trust: TrustStore,
        config: PortalConfig,
    ) -> Result<Self, Error> {
        Ok(Self {
            conn: Arc::new(Mutex::new(store::open(db)?)),
            config: Arc::new(config),
            trust: Arc::new(trust),
            clock: Clock::default(),
            platform: None,
            crl_source: None,
            crash_after: None,
        })
    }

    /// Test hook for crash-consistency tests: the process aborts
    /// ([`std::process::abort`], as abrupt as `kill -9`) right after the named database
    /// write. The writes of a submission are `submit.application` (the state),
    /// `submit.package` (the signed package), `submit.receipt` (the receipt mail) and
    /// `submit.commit` (after its transaction committed); those of a decision are
    /// `decide.binding`, `decide.application`, `decide.message`, `decide.mail` and
    /// `decide.commit`. A submission or decision is one SQLite transaction: aborted
    /// before `*.commit`, none of it is stored. (The `portal-sim` program takes the
    /// name from the environment variable `PORTAL_SIM_CRASH_AFTER`.)
    pub fn crash_after_write(mut self, write: &str) -> Self {
        self.crash_after = Some(Arc::from(write));
        self
    }

    fn wrote(&self, write: &str) {
        if self.crash_after.as_deref() == Some(write) {
            eprintln!("portal-sim: aborting after the write {write} (test hook)");
            std::process::abort();
        }
    }

    /// Connects the second-certificate platform that issues on approval.
    pub fn with_platform(mut self, platform: Arc<dyn SecondCertificatePlatform>) -> Self {
        self.platform = Some(platform);
        self
    }

    /// Where the revocation status of the My Number Card certificates comes from (the
    /// user-authentication certificate that logs in, the signature certificate of a
    /// submitted package), e.g. sign-platform-sim's `CrlServer`. Without one both are
    /// refused: their status is required.
    pub fn with_crl_source(mut self, source: Arc<dyn hpki_cert::CrlSource>) -> Self {
        self.crl_source = Some(source);
        self
    }

    /// How My Number Card certificates are validated: now, with the CRL source.
    fn path_options(&self) -> PathOptions {
        let options = PathOptions::at(self.now());
        match &self.crl_source {
            Some(source) => options.with_crl_source(Arc::clone(source)),
            None => options,
        }
    }

    /// The portal's clock (tests move it forward).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The configuration.
    pub fn config(&self) -> &PortalConfig {
        &self.config
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A handler that panicked left no transaction open: rusqlite rolls back an
        // unfinished one when it is dropped.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    fn later(&self, by: SignedDuration) -> i64 {
        self.now().checked_add(by).unwrap_or(self.now()).as_second()
    }

    // ----- login -----

    pub(crate) fn challenge(&self) -> Result<Challenge, ApiError> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let bytes = random_bytes();
        let expires = self.later(self.config.challenge_ttl);
        let db = self.db();
        store::purge_challenges(&db, self.now().as_second())?;
        let pending = store::pending_challenges(&db)?;
        if pending >= self.config.max_pending_challenges {
            return Err(api(
                503,
                "busy",
                "ただいま混み合っています。しばらくしてからお試しください。",
                "Too many logins are pending; try again in a few minutes.",
            ));
        }
        store::insert_challenge(&db, &id, &bytes, expires)?;
        drop(db);
        Ok(Challenge {
            challenge_id: id,
            challenge_base64: B64.encode(bytes),
            expires_at: store::ts(expires),
        })
    }

    pub(crate) fn login(&self, req: &LoginRequest) -> Result<SessionInfo, ApiError> {
        let refused = |en: &str| {
            api(
                401,
                "login_failed",
                "ログインできませんでした。マイナンバーカードを読み取り直してください。",
                en,
            )
        };
        let smartphone = match req.token.as_str() {
            "JPKIAPICCTOKEN2" => false,
            "JPKIAPGPSETOKEN" | "JPKIAPIOSTOKEN" => true,
            _ => return Err(refused("unsupported JPKI token")),
        };
        let (challenge, expires) = store::take_challenge(&self.db(), &req.challenge_id)?
            .ok_or_else(|| refused("unknown or used challenge"))?;
        if self.now().as_second() >= expires {
            return Err(refused("the challenge expired; ask for a new one"));
        }
        let decode = |s: &str| B64.decode(s).map_err(|_| refused("a field is not base64"));
        let cert_der = decode(&req.certificate_base64)?;
        let ca_der = decode(&req.ca_certificate_base64)?;
        let signature = decode(&req.signature_base64)?;
        let cert = hpki_cert::Certificate::from_der(&cert_der)
            .map_err(|_| refused("certificate does not parse"))?;
        hpki_cert::verify_rsa_pkcs1(
            cert.spki_der(),
            DigestAlgorithm::Sha256,
            &Sha256::digest(&challenge),
            &signature,
        )
        .map_err(|_| refused("the challenge signature does not verify"))?;
        let report = validate_path(
            &cert_der,
            &[ca_der],
            &self.trust,
            &self.path_options().with_purpose(Purpose::Authentication),
        );
        if report.verdict != Verdict::Valid {
            return Err(refused("the user-authentication certificate is not valid"));
        }
        // The account is the person behind the certificate's subject (stable across
        // sessions; a renewed certificate keeps the subject in the test PKI).
        let person_id = format!(
            "P{}",
            sha256_hex(cert.subject().as_bytes())
                .get(..24)
                .unwrap_or_default()
        );
        let token = hex(&random_bytes());
        let expires_at = self.later(self.config.session_ttl);
        let db = self.db();
        store::purge_sessions(&db, self.now().as_second())?;
        store::insert_session(
            &db,
            &sha256_hex(token.as_bytes()),
            &SessionRow {
                person_id: person_id.clone(),
                smartphone,
                auth_certificate: cert_der,
                expires_at,
            },
        )?;
        Ok(SessionInfo {
            session_token: token,
            person_id,
            smartphone,
            expires_at: store::ts(expires_at),
        })
    }

    pub(crate) fn authenticate(&self, bearer: Option<&str>) -> Result<Caller, ApiError> {
        let unauthenticated = || {
            api(
                401,
                "not_logged_in",
                "ログインしてください。",
                "Log in with the My Number Card first.",
            )
        };
        let token = bearer.ok_or_else(unauthenticated)?;
        let token_sha256 = sha256_hex(token.as_bytes());
        let db = self.db();
        let session = store::session(&db, &token_sha256)?.ok_or_else(unauthenticated)?;
        if self.now().as_second() >= session.expires_at {
            store::delete_session(&db, &token_sha256)?;
            return Err(api(
                401,
                "session_expired",
                "一定時間操作がなかったため、ログアウトしました。再度ログインしてください。",
                "The session expired after inactivity; log in again.",
            ));
        }
        store::touch_session(&db, &token_sha256, self.later(self.config.session_ttl))?;
        Ok(Caller {
            token_sha256,
            session,
        })
    }

    pub(crate) fn logout(&self, caller: &Caller) -> Result<serde_json::Value, ApiError> {
        store::delete_session(&self.db(), &caller.token_sha256)?;
        Ok(serde_json::Value::Object(serde_json::Map::new()))
    }

    // ----- the application -----

    fn own(&self, caller: &Caller, id: &str) -> Result<AppRow, ApiError> {
        match store::application(&self.db(), id)? {
            Some(row) if row.person_id == caller.session.person_id => Ok(row),
            _ => Err(api(
                404,
                "not_found",
                "申請が見つかりません。",
                "No such application.",
            )),
        }
    }

    pub(crate) fn start(&self, caller: &Caller) -> Result<DraftView, ApiError> {
        if caller.session.smartphone {
            return Err(api(
                403,
                "smartphone_token_not_supported",
                mynaportal_client::SMARTPHONE_MESSAGE_JA,
                mynaportal_client::SMARTPHONE_MESSAGE_EN,
            ));
        }
        let person = &caller.session.person_id;
        let (record, _) = store::person(&self.db(), person)?;
        if record.as_ref().is_some_and(|r| !r.hpki_cards.is_empty()) {
            return Err(api(
                403,
                Code::HoldsHpkiCard.as_str(),
                "HPKIカードをお持ちの方（失効・期限切れを含む）はマイナポータルから申請できません。",
                "Holders of an HPKI card (also expired or revoked) cannot apply through Mynaportal.",
            ));
        }
        let apps = store::applications_of(&self.db(), person)?;
        if apps.iter().any(|a| a.state == State::UnderReview) {
            return Err(api(
                409,
                Code::ApplicationPending.as_str(),
                "審査中の申請があります。審査が完了するまで同じ申請はできません。",
                "An application is still under review; wait until it is decided.",
            ));
        }
        if apps.iter().any(|a| a.state == State::Approved) {
            return Err(api(
                409,
                Code::AlreadyApplied.as_str(),
                "マイナポータルから申請できる資格は1つのみです。",
                "Only one qualification per person can be applied for through Mynaportal.",
            ));
        }
        // One draft at a time: pressing 「申請をはじめる」 again resumes it.
        if let Some(draft) = apps.iter().find(|a| a.state == State::Draft) {
            return Ok(DraftView {
                application_id: draft.id.clone(),
                next_step: draft.next_step,
            });
        }
        let row = AppRow {
            id: uuid::Uuid::new_v4().to_string(),
            person_id: person.clone(),
            state: State::Draft,
            next_step: Step::Qualification,
            draft: Default::default(),
            auth_certificate: Some(caller.session.auth_certificate.clone()),
            created_at: self.now().as_second(),
            submitted_at: None,
            decided_at: None,
            reason: None,
        };
        store::insert_application(&self.db(), &row)?;
        Ok(DraftView {
            application_id: row.id,
            next_step: row.next_step,
        })
    }

    fn draft_of(&self, caller: &Caller, id: &str, expected: Step) -> Result<AppRow, ApiError> {
        let row = self.own(caller, id)?;
        if row.state != State::Draft {
            return Err(api(
                409,
                "not_a_draft",
                "この申請は送信済みです。",
                "The application was already submitted.",
            ));
        }
        if row.next_step != expected {
            return Err(api(
                409,
                "illegal_transition",
                "この操作は現在の画面では行えません。画面の順に入力してください。",
                &format!(
                    "{} cannot be entered now; the next step is {}",
                    expected.as_str(),
                    row.next_step.as_str()
                ),
            ));
        }
        Ok(row)
    }

    fn parse<T: serde::de::DeserializeOwned>(body: &serde_json::Value) -> Result<T, ApiError> {
        T::deserialize(body).map_err(|e| {
            api(
                400,
                "bad_request",
                "入力内容を読み取れませんでした。",
                &format!("the body does not match the step: {e}"),
            )
        })
    }

    pub(crate) fn put_step(
        &self,
        caller: &Caller,
        id: &str,
        step: Step,
        body: &serde_json::Value,
    ) -> Result<DraftView, ApiError> {
        let mut row = self.draft_of(caller, id, step)?;
        match step {
            Step::Qualification => {
                let q: QualificationStep = Self::parse(body)?;
                let allowed = self.config.rules.mynaportal_authorities(q.qualification);
                if !allowed.contains(&q.authority) {
                    let names: Vec<String> = allowed
                        .iter()
                        .filter_map(|a| self.config.rules.authority(*a))
                        .map(|r| r.name_ja.clone())
                        .collect();
                    return Err(api(
                        422,
                        Code::AuthorityNotAllowed.as_str(),
                        &format!(
                            "この資格ではこの認証局をマイナポータルから選択できません（選択可能: {}）。",
                            names.join("、")
                        ),
                        "This authority cannot be chosen in Mynaportal for this qualification.",
                    ));
                }
                let (record, _) = store::person(&self.db(), &caller.session.person_id)?;
                if record.is_some_and(|r| {
                    !r.qualifications_held.is_empty()
                        && !r.qualifications_held.contains(&q.qualification)
                }) {
                    return Err(api(
                        403,
                        Code::QualificationNotHeld.as_str(),
                        "申請する国家資格を保有していません。資格を持つ本人のみ申請できます。",
                        "The applicant does not hold this qualification.",
                    ));
                }
                row.draft.qualification = Some(q);
            }
            Step::Applicant => row.draft.applicant = Some(Self::parse::<CardApplicant>(body)?),
            Step::AuthorityData => {
                row.draft.authority_data = Some(Self::parse::<AuthorityData>(body)?)
            }
            Step::FurtherData => row.draft.further_data = Some(Self::parse::<FurtherData>(body)?),
            Step::Email => {
                let email: Email = Self::parse(body)?;
                self.check_email(caller, id, &email)?;
                row.draft.email = Some(email);
            }
            Step::Consents => {
                let consents: authority_forms::Consents = Self::parse(body)?;
                if !consents.agree_all {
                    return Err(api(
                        422,
                        Code::ConsentMissing.as_str(),
                        "確認事項と利用規約に同意してください。",
                        "Agree to the authority's terms and privacy notes.",
                    ));
                }
                row.draft.consents = Some(consents);
            }
            Step::Submit => {
                return Err(api(
                    405,
                    "use_submit",
                    "送信は署名付きで行ってください。",
                    "Use POST .../submit.",
                ));
            }
        }
        row.next_step = next(step);
        store::update_application(&self.db(), &row)?;
        Ok(DraftView {
            application_id: row.id,
            next_step: row.next_step,
        })
    }

    fn check_email(&self, caller: &Caller, id: &str, email: &Email) -> Result<(), ApiError> {
        let db = self.db();
        if email.registered {
            let (_, registered) = store::person(&db, &caller.session.person_id)?;
            if registered.as_deref() != Some(email.address.as_str()) {
                return Err(api(
                    422,
                    "email_not_registered",
                    "このメールアドレスは登録されていません。新しいメールアドレスとして確認コードで確認してください。",
                    "This address is not the account's registered address; confirm it with a code.",
                ));
            }
            return Ok(());
        }
        let invalid = || {
            api(
                422,
                "code_invalid",
                "確認コードが正しくありません。",
                "The confirmation code is wrong.",
            )
        };
        let (hash, expires, attempts, verified) = store::code(&db, id, &email.address)?
            .ok_or_else(|| {
                api(
                    422,
                    Code::EmailNotConfirmed.as_str(),
                    "確認コードを送信してから入力してください。",
                    "Request a confirmation code for this address first.",
                )
            })?;
        if verified && email.confirmation_code.is_none() {
            return Ok(());
        }
        let code = email.confirmation_code.as_deref().ok_or_else(invalid)?;
        if attempts >= self.config.code_attempts {
            return Err(api(
                422,
                "code_locked",
                "確認コードの入力回数の上限を超えました。確認コードを再送信してください。",
                "Too many wrong codes; request a new one.",
            ));
        }
        if self.now().as_second() >= expires {
            return Err(api(
                422,
                "code_expired",
                "確認コードの有効期限が切れています。確認コードを再送信してください。",
                "The confirmation code expired; request a new one.",
            ));
        }
        let ok = sha256_hex(format!("{id}:{code}").as_bytes()) == hash;
        store::code_attempt(&db, id, &email.address, ok)?;
        if ok { Ok(()) } else { Err(invalid()) }
    }

    pub(crate) fn send_code(
        &self,
        caller: &Caller,
        id: &str,
        req: &CodeRequest,
    ) -> Result<CodeSent, ApiError> {
        let row = self.draft_of(caller, id, Step::Email)?;
        let address = req.address.trim();
        let plausible = address.len() <= 254
            && address
                .split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
            && !address.chars().any(|c| c.is_whitespace() || c.is_control());
        if !plausible {
            return Err(api(
                422,
                Code::EmailFormat.as_str(),
                "メールアドレスの形式が正しくありません。",
                "The e-mail address is malformed.",
            ));
        }
        let [a, b, c, d, ..] = random_bytes();
        let n = u32::from_be_bytes([a, b, c, d]) % 1_000_000;
        let code = format!("{n:06}");
        let expires = self.later(self.config.code_ttl);
        let db = self.db();
        store::put_code(
            &db,
            &row.id,
            address,
            &sha256_hex(format!("{}:{code}", row.id).as_bytes()),
            expires,
        )?;
        store::send_mail(
            &db,
            address,
            "【マイナポータル】確認コードのお知らせ",
            &format!(
                "確認コード: {code}\n有効期限: {}\nこのメールに心当たりがない場合は破棄してください。",
                store::ts(expires)
            ),
            self.now().as_second(),
        )?;
        Ok(CodeSent {
            sent_to: address.to_owned(),
            expires_at: store::ts(expires),
        })
    }

    pub(crate) fn amend(
        &self,
        caller: &Caller,
        id: &str,
        req: &AmendRequest,
    ) -> Result<DraftView, ApiError> {
        let mut row = self.own(caller, id)?;
        if row.state != State::Draft || row.next_step < Step::Consents {
            return Err(api(
                409,
                "illegal_transition",
                "「修正する」は確認画面から行ってください。",
                "Amend from the review screen.",
            ));
        }
        row.next_step = req.section.step();
        row.draft.consents = None;
        store::update_application(&self.db(), &row)?;
        Ok(DraftView {
            application_id: row.id,
            next_step: row.next_step,
        })
    }

    fn status_for(&self, conn: &Connection, row: &AppRow) -> Result<ApplicantStatus, ApiError> {
        let (record, _) = store::person(conn, &row.person_id)?;
        let record = record.unwrap_or_default();
        let q = row.draft.qualification.as_ref();
        let held = if record.qualifications_held.is_empty() {
            q.map(|q| vec![q.qualification]).unwrap_or_default()
        } else {
            record.qualifications_held.clone()
        };
        let prior = store::applications_of(conn, &row.person_id)?
            .into_iter()
            .filter(|a| a.id != row.id)
            .filter_map(|a| {
                let q = a.draft.qualification?;
                let state = match a.state {
                    State::UnderReview => PriorState::UnderReview,
                    State::Approved => PriorState::Issued,
                    State::Rejected => PriorState::Refused,
                    State::Draft => return None,
                };
                Some(PriorApplication {
                    qualification: q.qualification,
                    authority: q.authority,
                    state,
                })
            })
            .collect();
        Ok(ApplicantStatus {
            qualifications_held: held,
            hpki_cards: record.hpki_cards,
            prior_applications: prior,
        })
    }

    fn assemble(&self, row: &AppRow) -> Result<Application, ApiError> {
        let status = self.status_for(&self.db(), row)?;
        let date = self
            .now()
            .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(9)))
            .date();
        row.draft.assemble(date, status).ok_or_else(|| {
            api(
                409,
                "illegal_transition",
                "未入力の画面があります。",
                "Some steps are not entered yet.",
            )
        })
    }

    fn consents_for(&self, row: &AppRow) -> Vec<String> {
        let Some(rules) = row
            .draft
            .qualification
            .as_ref()
            .and_then(|q| self.config.rules.authority(q.authority))
        else {
            return Vec::new();
        };
        vec![
            format!("{} 電子証明書発行に関する利用規約", rules.name_ja),
            format!("{} 個人情報の取扱いについて", rules.name_ja),
            "マイナポータルから認証局への申請情報の提供に関する同意".to_owned(),
        ]
    }

    pub(crate) fn review(&self, caller: &Caller, id: &str) -> Result<Review, ApiError> {
        let row = self.own(caller, id)?;
        if row.state != State::Draft || row.next_step < Step::Consents {
            return Err(api(
                409,
                "illegal_transition",
                "未入力の画面があります。",
                "Some steps are not entered yet.",
            ));
        }
        let application = self.assemble(&row)?;
        let mut report = validate(&application, &self.config.rules);
        report.errors.retain(|p| p.code != Code::ConsentMissing);
        report.valid = report.errors.is_empty();
        let parts = mynaportal_client::application_parts(&application)
            .map_err(|e| internal(Error::Config(e.to_string())))?
            .into_iter()
            .map(|p| PartInfo {
                sha256_hex: sha256_hex(&p.content),
                size: p.content.len() as u64,
                name: p.name,
                media_type: p.media_type,
            })
            .collect();
        let mut shown = application;
        mynaportal_client::strip_attachments(&mut shown);
        Ok(Review {
            application: shown,
            report,
            consents: self.consents_for(&row),
            parts,
        })
    }

    pub(crate) fn submit(
        &self,
        caller: &Caller,
        id: &str,
        req: &SubmitRequest,
    ) -> Result<StatusView, ApiError> {
        let mut row = self.draft_of(caller, id, Step::Submit)?;
        let application = self.assemble(&row)?;
        let report = validate(&application, &self.config.rules);
        if !report.valid {
            let mut e = api(
                422,
                "invalid_form",
                "入力内容に誤りがあります。",
                "The form has problems.",
            );
            e.problems = report.errors;
            return Err(e);
        }
        let parts = mynaportal_client::application_parts(&application)
            .map_err(|e| internal(Error::Config(e.to_string())))?;
        let verified = mynaportal_client::verify_package_with(
            &req.package_xml,
            &parts,
            &self.trust,
            &self.path_options(),
        )
        .map_err(|e| {
            api(
                422,
                "package_invalid",
                "電子署名の検証に失敗しました。申請内容を確認し、署名からやり直してください。",
                &format!("the signed package was refused: {e}"),
            )
        })?;
        if !same_person(&verified.basic_four, &application.applicant) {
            return Err(api(
                422,
                "signer_mismatch",
                "署名用電子証明書の基本4情報が申請者の情報と一致しません。",
                "The basic four items of the signature certificate do not match the applicant.",
            ));
        }
        let now = self.now().as_second();
        row.state = State::UnderReview;
        row.next_step = Step::Submit;
        row.submitted_at = Some(now);
        row.auth_certificate = Some(caller.session.auth_certificate.clone());
        // The state, the package and the receipt are stored together or not at all: a
        // crash in between must not leave an application under review without its
        // package (it could be approved, and never resubmitted).
        let mut db = self.db();
        let tx = db.transaction().map_err(Error::from)?;
        store::update_application(&tx, &row)?;
        self.wrote("submit.application");
        store::store_package(&tx, &row.id, &req.package_xml)?;
        self.wrote("submit.package");
        store::send_mail(
            &tx,
            &application.email.address,
            "【マイナポータル】申請を受け付けました",
            &format!(
                "医療等分野の電子署名利用の申請を受け付けました。\n申請番号: {}\n審査状況はマイナポータルの「申請状況照会」から確認できます。",
                row.id
            ),
            now,
        )?;
        self.wrote("submit.receipt");
        tx.commit().map_err(Error::from)?;
        self.wrote("submit.commit");
        drop(db);
        self.status_view(&row)
    }

    fn status_view(&self, row: &AppRow) -> Result<StatusView, ApiError> {
        let binding = store::binding(&self.db(), &row.id)?.map(|mut b| {
            b.expired = self.now() >= b.expires_at;
            b
        });
        Ok(StatusView {
            application_id: row.id.clone(),
            state: row.state,
            qualification: row.draft.qualification.as_ref().map(|q| q.qualification),
            authority: row.draft.qualification.as_ref().map(|q| q.authority),
            submitted_at: row.submitted_at.map(store::ts),
            decided_at: row.decided_at.map(store::ts),
            reason: row.reason.clone(),
            binding,
        })
    }

    pub(crate) fn status(&self, caller: &Caller, id: &str) -> Result<StatusView, ApiError> {
        let row = self.own(caller, id)?;
        self.status_view(&row)
    }

    pub(crate) fn list(&self, caller: &Caller) -> Result<Vec<StatusView>, ApiError> {
        let rows = store::applications_of(&self.db(), &caller.session.person_id)?;
        rows.iter().map(|r| self.status_view(r)).collect()
    }

    pub(crate) fn messages(&self, caller: &Caller) -> Result<Vec<Message>, ApiError> {
        let rows = store::messages(&self.db(), &caller.session.person_id)?;
        let mut out = Vec::with_capacity(rows.len());
        for (mut message, with_binding) in rows {
            if with_binding {
                message.binding =
                    store::binding(&self.db(), &message.application_id)?.map(|mut b| {
                        b.expired = self.now() >= b.expires_at;
                        b
                    });
            }
            out.push(message);
        }
        Ok(out)
    }

    // ----- operator -----

    pub(crate) fn operator(&self, bearer: Option<&str>) -> Result<(), ApiError> {
        use subtle_eq::ct_eq;
        match bearer {
            Some(t) if ct_eq(t.as_bytes(), self.config.operator_token.as_bytes()) => Ok(()),
            _ => Err(api(
                401,
                "not_operator",
                "権限がありません。",
                "Operator endpoints need the operator token.",
            )),
        }
    }

    pub(crate) fn decide(&self, id: &str, decision: &Decision) -> Result<StatusView, ApiError> {
        let mut row = store::application(&self.db(), id)?.ok_or_else(|| {
            api(
                404,
                "not_found",
                "申請が見つかりません。",
                "No such application.",
            )
        })?;
        if row.state != State::UnderReview {
            return Err(api(
                409,
                "not_under_review",
                "審査中の申請ではありません。",
                "The application is not under review.",
            ));
        }
        // Never approve what was not stored whole (a database written before
        // submissions were one transaction may hold such a row).
        if !store::has_package(&self.db(), id)? {
            return Err(api(
                409,
                "incomplete_submission",
                "申請データが不完全なため審査できません。",
                "The submission has no signed package stored; it cannot be decided.",
            ));
        }
        let application = self.assemble(&row)?;
        let now = self.now();
        if decision.approve {
            let platform = self.platform.as_ref().ok_or_else(|| {
                api(
                    503,
                    "no_platform",
                    "発行基盤に接続されていません。",
                    "No second-certificate platform is connected.",
                )
            })?;
            let order = IssueOrder {
                person_id: row.person_id.clone(),
                name_kanji: application.applicant.name.clone(),
                name_romaji: format!(
                    "{} {}",
                    application.name_romaji.surname, application.name_romaji.given_name
                ),
                qualification: application.qualification,
                authority: application.authority,
                jpki_auth_certificate_der: row.auth_certificate.clone(),
                now,
            };
            let issued = platform.issue(&order).map_err(|e| {
                api(
                    502,
                    "platform_failed",
                    "発行基盤でエラーが発生しました。",
                    &format!("the platform refused: {e}"),
                )
            })?;
            let binding = BindingInfo {
                url: issued.setup_url,
                password: issued.setup_password,
                expires_at: issued.setup_expires_at,
                expired: false,
                person_id: issued.person_id,
            };
            row.state = State::Approved;
            row.decided_at = Some(now.as_second());
            let mut db = self.db();
            let tx = db.transaction().map_err(Error::from)?;
            store::put_binding(&tx, &row.id, &binding)?;
            self.wrote("decide.binding");
            store::update_application(&tx, &row)?;
            self.wrote("decide.application");
            store::add_message(
                &tx,
                &row.person_id,
                &row.id,
                "電子署名の利用に必要な情報のお知らせ",
                &format!(
                    "認証局の審査が完了しました。マイナンバーカードをカードリーダーにかざし暗証番号を入力することで、すぐに電子署名を利用できます。\nスマートフォンの生体認証を利用する場合は、下記URLを開きパスワードを入力して登録してください。\nURLの有効期限: {} （3か月）",
                    binding.expires_at
                ),
                true,
                now.as_second(),
            )?;
            self.wrote("decide.message");
            store::send_mail(
                &tx,
                &application.email.address,
                "【マイナポータル】お知らせが届いています",
                "医療等分野の電子署名利用の申請について、マイナポータルにお知らせが届いています。マイナポータルにログインしてご確認ください。",
                now.as_second(),
            )?;
            self.wrote("decide.mail");
            tx.commit().map_err(Error::from)?;
            self.wrote("decide.commit");
        } else {
            row.state = State::Rejected;
            row.decided_at = Some(now.as_second());
            row.reason = Some(
                decision
                    .reason
                    .clone()
                    .unwrap_or_else(|| "審査の結果、発行できませんでした。".into()),
            );
            let mut db = self.db();
            let tx = db.transaction().map_err(Error::from)?;
            store::update_application(&tx, &row)?;
            self.wrote("decide.application");
            store::send_mail(
                &tx,
                &application.email.address,
                "【マイナポータル】お知らせが届いています",
                "医療等分野の電子署名利用の申請について、マイナポータルにお知らせが届いています。",
                now.as_second(),
            )?;
            self.wrote("decide.mail");
            tx.commit().map_err(Error::from)?;
            self.wrote("decide.commit");
        }
        self.status_view(&row)
    }

    pub(crate) fn outbox(&self) -> Result<Vec<Mail>, ApiError> {
        Ok(store::outbox(&self.db())?)
    }

    pub(crate) fn put_person(
        &self,
        person_id: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, ApiError> {
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(flatten)]
            record: PersonRecord,
            #[serde(default)]
            email: Option<String>,
        }
        let b: Body = Self::parse(body)?;
        store::put_person(&self.db(), person_id, &b.record, b.email.as_deref())?;
        Ok(serde_json::Value::Object(serde_json::Map::new()))
    }

    pub(crate) fn advance_clock(&self, req: &ClockAdvance) -> Result<serde_json::Value, ApiError> {
        self.clock.advance(SignedDuration::from_secs(req.seconds));
        Ok(serde_json::json!({ "now": self.now().to_string() }))
    }
}

fn next(step: Step) -> Step {
    match step {
        Step::Qualification => Step::Applicant,
        Step::Applicant => Step::AuthorityData,
        Step::AuthorityData => Step::FurtherData,
        Step::FurtherData => Step::Email,
        Step::Email => Step::Consents,
        Step::Consents | Step::Submit => Step::Submit,
    }
}

/// Whether the signature certificate's basic four items are the applicant's (NFKC, spaces
/// ignored: the card writes U+3000 between family and given name).
fn same_person(four: &mynaportal_client::BasicFourItems, applicant: &CardApplicant) -> bool {
    use unicode_normalization::UnicodeNormalization;
    let norm = |s: &str| -> String { s.nfkc().filter(|c| !c.is_whitespace()).collect() };
    let sex = match applicant.sex {
        authority_forms::Sex::Male => '1',
        authority_forms::Sex::Female => '2',
    };
    norm(&four.name) == norm(&applicant.name)
        && norm(&four.address) == norm(&applicant.address)
        && four.birth_date == applicant.birth_date
        && four.sex.code() == sex
}

mod subtle_eq {
    /// Constant-time comparison for the operator token.
    pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
        use subtle::ConstantTimeEq;
        a.len() == b.len() && bool::from(a.ct_eq(b))
    }
}
