//! Validation: every problem at once, each with a field path, a stable code and
//! messages in Japanese and English.

use jiff::{ToSpan, civil::Date};
use serde::{Deserialize, Serialize};

use crate::{
    AliasOrFormerName, Application, Attachment, AttachmentError, AuthorityRules, FileFormat,
    HpkiCardState, IdKind, MembershipKind, NamePart, PersonName, Place, PostalAddress, Price,
    PriorState, RomajiName, Route, RuleSet, hepburn_candidates, romaji::is_katakana_name, sniff,
};

/// The stable code of a validation problem; its `snake_case` name is what JSON carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Code {
    /// The person does not hold the qualification applied for (§2).
    QualificationNotHeld,
    /// The authority does not certify this qualification, or not through Mynaportal (§2).
    AuthorityNotAllowed,
    /// The person has an HPKI card, also expired or revoked (§2).
    HoldsHpkiCard,
    /// An application is still under review (§2).
    ApplicationPending,
    /// The person already applied through Mynaportal (one qualification only, §2).
    AlreadyApplied,
    /// A required field is empty.
    Required,
    /// A date lies in the future or before birth.
    DateImplausible,
    /// A katakana field has other characters.
    NotKatakana,
    /// A romaji surname is not all upper-case A–Z.
    RomajiSurnameFormat,
    /// A romaji given name is not one upper-case letter then lower-case a–z.
    RomajiGivenNameFormat,
    /// The romaji is not a passport Hepburn spelling of the katakana and manual entry
    /// is not ticked.
    RomajiNotHepburn,
    /// A postal code is not seven digits.
    PostalCodeFormat,
    /// A telephone number is not 10 or 11 digits starting with 0.
    PhoneFormat,
    /// The e-mail address is malformed.
    EmailFormat,
    /// An unregistered e-mail address lacks its confirmation code.
    EmailNotConfirmed,
    /// The registration number is not digits.
    RegistrationNumberFormat,
    /// A former surname from the card is chosen but the card has none.
    FormerSurnameNotOnCard,
    /// Membership is asked by the authority and missing or incomplete.
    MembershipIncomplete,
    /// The HPKI card part is missing for an authority that issues a card.
    HpkiCardMissing,
    /// The HPKI card part is given for a route that issues no card.
    HpkiCardNotIssued,
    /// The two HPKI card PINs differ.
    HpkiPinMismatch,
    /// The consents are not given.
    ConsentMissing,
    /// The file is larger than the limit.
    FileTooLarge,
    /// The file is not a JPEG, PNG, BMP or PDF, or its header is damaged.
    FileUnreadable,
    /// The file's format is not accepted for this attachment by this authority.
    FileFormatNotAllowed,
    /// The photo is smaller than 413 × 531 px.
    PhotoTooSmall,
    /// The photo was taken more than 6 months before the application, or after it.
    PhotoTooOld,
    /// The notification card is not an ID.
    NotificationCard,
    /// The ID document has expired.
    IdExpired,
    /// The 運転経歴証明書 was issued before 2012-01-01.
    DrivingHistoryTooOld,
    /// The licence's back has notes but no back image is attached.
    LicenceBackMissing,
    /// A licence surname change is pending but no proof is attached.
    SurnameChangeProofMissing,
    /// A former name typed by hand lacks its linking document.
    FormerNameProofMissing,
}

impl Code {
    /// The stable `snake_case` name.
    pub fn as_str(self) -> &'static str {
        use Code::*;
        match self {
            QualificationNotHeld => "qualification_not_held",
            AuthorityNotAllowed => "authority_not_allowed",
            HoldsHpkiCard => "holds_hpki_card",
            ApplicationPending => "application_pending",
            AlreadyApplied => "already_applied",
            Required => "required",
            DateImplausible => "date_implausible",
            NotKatakana => "not_katakana",
            RomajiSurnameFormat => "romaji_surname_format",
            RomajiGivenNameFormat => "romaji_given_name_format",
            RomajiNotHepburn => "romaji_not_hepburn",
            PostalCodeFormat => "postal_code_format",
            PhoneFormat => "phone_format",
            EmailFormat => "email_format",
            EmailNotConfirmed => "email_not_confirmed",
            RegistrationNumberFormat => "registration_number_format",
            FormerSurnameNotOnCard => "former_surname_not_on_card",
            MembershipIncomplete => "membership_incomplete",
            HpkiCardMissing => "hpki_card_missing",
            HpkiCardNotIssued => "hpki_card_not_issued",
            HpkiPinMismatch => "hpki_pin_mismatch",
            ConsentMissing => "consent_missing",
            FileTooLarge => "file_too_large",
            FileUnreadable => "file_unreadable",
            FileFormatNotAllowed => "file_format_not_allowed",
            PhotoTooSmall => "photo_too_small",
            PhotoTooOld => "photo_too_old",
            NotificationCard => "notification_card",
            IdExpired => "id_expired",
            DrivingHistoryTooOld => "driving_history_too_old",
            LicenceBackMissing => "licence_back_missing",
            SurnameChangeProofMissing => "surname_change_proof_missing",
            FormerNameProofMissing => "former_name_proof_missing",
        }
    }
}

/// One problem found in an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The field's path in the JSON form (`attachments.photo.file`).
    pub field: String,
    /// The stable code.
    pub code: Code,
    /// The message in Japanese.
    pub message_ja: String,
    /// The message in English.
    pub message_en: String,
}

/// The outcome of [`validate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// No problem was found.
    pub valid: bool,
    /// Every problem, in form order.
    pub errors: Vec<Problem>,
    /// What the applicant pays, when the authority and route are known.
    pub price_yen: Option<u32>,
    /// The price quote behind `price_yen`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
}

impl Report {
    /// Whether a problem with this code was found at this field.
    pub fn has(&self, field: &str, code: Code) -> bool {
        self.errors
            .iter()
            .any(|p| p.field == field && p.code == code)
    }
}

struct Collector {
    problems: Vec<Problem>,
}

impl Collector {
    fn push(
        &mut self,
        field: impl Into<String>,
        code: Code,
        ja: impl Into<String>,
        en: impl Into<String>,
    ) {
        self.problems.push(Problem {
            field: field.into(),
            code,
            message_ja: ja.into(),
            message_en: en.into(),
        });
    }

    fn required(&mut self, field: &str, value: &str, what_ja: &str, what_en: &str) -> bool {
        if value.trim().is_empty() {
            self.push(
                field,
                Code::Required,
                format!("{what_ja}を入力してください。"),
                format!("Enter the {what_en}."),
            );
            false
        } else {
            true
        }
    }
}

/// Normalises a copy of the application ([`Application::normalize`]) and checks it
/// against the rule set, returning every problem at once and the price.
///
/// ```
/// use authority_forms::{validate, Application, RuleSet};
/// let rules = RuleSet::guide_2024_06()?;
/// let json = include_str!("../examples/sample-application.json");
/// let application: Application = serde_json::from_str(json)?;
/// let report = validate(&application, &rules);
/// assert!(report.valid, "{:#?}", report.errors);
/// assert_eq!(report.price_yen, Some(0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn validate(application: &Application, rules: &RuleSet) -> Report {
    let mut a = application.clone();
    a.normalize();
    validate_normalized(&a, rules)
}

/// Like [`validate`] for an application already normalised (no copy is made).
pub fn validate_normalized(a: &Application, rules: &RuleSet) -> Report {
    let mut c = Collector {
        problems: Vec::new(),
    };
    let authority = eligibility(a, rules, &mut c);
    applicant(a, &mut c);
    names(a, &mut c);
    address_fields(&mut c, "address", &a.address, "住所", "address");
    alias(a, &mut c);
    registration(a, &mut c);
    let price = authority.and_then(|auth| membership_and_price(a, auth, rules, &mut c));
    if let Some(auth) = authority {
        hpki_card(a, auth, &mut c);
    }
    c.required(
        "workplace.name",
        &a.workplace.name,
        "勤務先名",
        "workplace name",
    );
    address_fields(
        &mut c,
        "workplace.address",
        &a.workplace.address,
        "勤務先の住所",
        "workplace address",
    );
    phone(&mut c, "workplace.phone", &a.workplace.phone);
    place(&mut c, "delivery.notice_to", &a.delivery.notice_to);
    phone(&mut c, "delivery.phone", &a.delivery.phone);
    email(a, &mut c);
    if !a.consents.agree_all {
        c.push(
            "consents.agree_all",
            Code::ConsentMissing,
            "確認事項と利用規約に同意してください。",
            "Agree to the authority's terms and privacy notes.",
        );
    }
    if let Some(auth) = authority {
        attachments(a, auth, rules, &mut c);
    }
    Report {
        valid: c.problems.is_empty(),
        errors: c.problems,
        price_yen: price.as_ref().map(|p| p.payable_yen),
        price,
    }
}

fn eligibility<'r>(
    a: &Application,
    rules: &'r RuleSet,
    c: &mut Collector,
) -> Option<&'r AuthorityRules> {
    let s = &a.status;
    if !s.qualifications_held.contains(&a.qualification) {
        c.push(
            "qualification",
            Code::QualificationNotHeld,
            "申請する国家資格を保有していません。資格を持つ本人のみ申請できます。",
            "The applicant does not hold this qualification; only the holder may apply.",
        );
    }
    if let Some(state) = s.hpki_cards.first() {
        let (ja, en) = match state {
            HpkiCardState::Valid => ("有効な", "a valid"),
            HpkiCardState::Expired => ("期限切れの", "an expired"),
            HpkiCardState::Revoked => ("失効した", "a revoked"),
        };
        c.push(
            "status.hpki_cards",
            Code::HoldsHpkiCard,
            format!("{ja}HPKIカードをお持ちの方はマイナポータルから申請できません。"),
            format!("Holders of {en} HPKI card cannot apply through Mynaportal."),
        );
    }
    for (i, prior) in s.prior_applications.iter().enumerate() {
        let field = format!("status.prior_applications.{i}");
        match prior.state {
            PriorState::UnderReview if prior.qualification == a.qualification => c.push(
                field,
                Code::ApplicationPending,
                "審査中の申請があります。審査が完了するまで同じ申請はできません。",
                "An application is still under review; wait until it is decided.",
            ),
            PriorState::UnderReview | PriorState::Issued => c.push(
                field,
                Code::AlreadyApplied,
                "マイナポータルから申請できる資格は1つのみです。",
                "Only one qualification per person can be applied for through Mynaportal.",
            ),
            PriorState::Refused | PriorState::Withdrawn => {}
        }
    }
    let rule = rules.authority(a.authority);
    let allowed = rule.is_some_and(|r| {
        r.qualifications.contains(&a.qualification) && r.routes.contains(&Route::Mynaportal)
    });
    if !allowed {
        let options: Vec<String> = rules
            .mynaportal_authorities(a.qualification)
            .iter()
            .map(|x| format!("{x:?}"))
            .collect();
        c.push(
            "authority",
            Code::AuthorityNotAllowed,
            format!("この資格ではこの認証局をマイナポータルから選択できません（選択可能: {}）。", options.join(", ")),
            format!("This authority cannot be chosen in Mynaportal for this qualification (allowed: {}).", options.join(", ")),
        );
    }
    rule
}

fn applicant(a: &Application, c: &mut Collector) {
    c.required("applicant.name", &a.applicant.name, "氏名", "name");
    c.required("applicant.address", &a.applicant.address, "住所", "address");
    if a.applicant.birth_date >= a.application_date {
        c.push(
            "applicant.birth_date",
            Code::DateImplausible,
            "生年月日が申請日以降になっています。",
            "The birth date is not before the application date.",
        );
    }
}

fn katakana_name(c: &mut Collector, field: &str, name: &PersonName, given_required: bool) {
    for (part, value, required) in [
        ("surname", &name.surname, true),
        ("given_name", &name.given_name, given_required),
    ] {
        let path = format!("{field}.{part}");
        if value.is_empty() {
            if required {
                c.required(&path, value, "カタカナ氏名", "name in katakana");
            }
        } else if !is_katakana_name(value) {
            c.push(
                path,
                Code::NotKatakana,
                "全角カタカナで入力してください。",
                "Use full-width katakana only.",
            );
        }
    }
}

fn romaji_name(
    c: &mut Collector,
    field: &str,
    romaji: &RomajiName,
    katakana: &PersonName,
    given_required: bool,
) {
    let parts = [
        (
            "surname",
            &romaji.surname,
            &katakana.surname,
            NamePart::Surname,
            true,
        ),
        (
            "given_name",
            &romaji.given_name,
            &katakana.given_name,
            NamePart::GivenName,
            given_required,
        ),
    ];
    for (part, value, kana, kind, required) in parts {
        let path = format!("{field}.{part}");
        if value.is_empty() {
            if required {
                c.required(&path, value, "ローマ字氏名", "name in romaji");
            }
            continue;
        }
        if !kind.accepts(value) {
            let (code, ja, en) = match kind {
                NamePart::Surname => (
                    Code::RomajiSurnameFormat,
                    "ローマ字姓は半角英字、全て大文字で入力してください（例：YAMADA）。",
                    "Write the romaji surname in upper-case A-Z only (e.g. YAMADA).",
                ),
                NamePart::GivenName => (
                    Code::RomajiGivenNameFormat,
                    "ローマ字名は半角英字、先頭大文字で入力してください（例：Hanako）。",
                    "Write the romaji given name as A-Z then a-z (e.g. Hanako).",
                ),
            };
            c.push(path, code, ja, en);
            continue;
        }
        if romaji.manual || !is_katakana_name(kana) {
            continue;
        }
        let candidates = hepburn_candidates(kana).unwrap_or_default();
        let upper = value.to_ascii_uppercase();
        if !candidates.contains(&upper) {
            let shown: Vec<String> = candidates.iter().map(|s| kind.apply_case(s)).collect();
            c.push(
                path,
                Code::RomajiNotHepburn,
                format!(
                    "カタカナ氏名のヘボン式表記と一致しません（候補: {}）。ヘボン式によらない場合は手入力を選択してください。",
                    shown.join(", ")
                ),
                format!(
                    "Not a passport Hepburn spelling of the katakana (candidates: {}); tick manual entry for another spelling.",
                    shown.join(", ")
                ),
            );
        }
    }
}

fn names(a: &Application, c: &mut Collector) {
    katakana_name(c, "name_katakana", &a.name_katakana, true);
    romaji_name(c, "name_romaji", &a.name_romaji, &a.name_katakana, true);
}

fn address_fields(c: &mut Collector, field: &str, a: &PostalAddress, ja: &str, en: &str) {
    postal_code(c, &format!("{field}.postal_code"), &a.postal_code);
    c.required(&format!("{field}.address"), &a.address, ja, en);
}

fn postal_code(c: &mut Collector, field: &str, code: &str) {
    let b = code.as_bytes();
    let ok = b.len() == 8
        && b.iter().enumerate().all(|(i, ch)| {
            if i == 3 {
                *ch == b'-'
            } else {
                ch.is_ascii_digit()
            }
        });
    if !ok {
        c.push(
            field,
            Code::PostalCodeFormat,
            "郵便番号は7桁の数字で入力してください（事業所の個別番号が使えない場合は通常の郵便番号）。",
            "Enter a seven-digit postal code (for a business's individual code the form refuses, the ordinary one).",
        );
    }
}

fn phone(c: &mut Collector, field: &str, number: &str) {
    let digits: Vec<char> = number.chars().filter(|ch| *ch != '-').collect();
    let ok = number.chars().all(|ch| ch.is_ascii_digit() || ch == '-')
        && (10..=11).contains(&digits.len())
        && digits.first() == Some(&'0');
    if !ok {
        c.push(
            field,
            Code::PhoneFormat,
            "電話番号は0から始まる10桁または11桁の数字で入力してください。",
            "Enter a 10- or 11-digit telephone number starting with 0.",
        );
    }
}

fn place(c: &mut Collector, field: &str, p: &Place) {
    if let Place::Other { name, address } = p {
        c.required(&format!("{field}.name"), name, "宛名", "addressee");
        address_fields(c, &format!("{field}.address"), address, "住所", "address");
    }
}

fn alias(a: &Application, c: &mut Collector) {
    match &a.alias {
        AliasOrFormerName::None => {}
        AliasOrFormerName::Alias {
            kanji,
            katakana,
            romaji,
        } => {
            c.required(
                "alias.kanji.surname",
                &kanji.surname,
                "通称名（姓）",
                "alias surname",
            );
            katakana_name(c, "alias.katakana", katakana, false);
            romaji_name(c, "alias.romaji", romaji, katakana, false);
        }
        AliasOrFormerName::FormerName {
            from_card,
            kanji,
            katakana,
            romaji,
        } => {
            if *from_card {
                if a.applicant
                    .former_surname
                    .as_deref()
                    .is_none_or(|s| s.trim().is_empty())
                {
                    c.push(
                        "alias.from_card",
                        Code::FormerSurnameNotOnCard,
                        "マイナンバーカードに旧姓の記載がありません。旧姓・旧名を手入力してください。",
                        "The My Number Card records no former surname; type the former name instead.",
                    );
                }
            } else {
                let k = kanji.clone().unwrap_or_default();
                c.required(
                    "alias.kanji.surname",
                    &k.surname,
                    "旧姓・旧名（姓）",
                    "former surname in kanji",
                );
                c.required(
                    "alias.kanji.given_name",
                    &k.given_name,
                    "旧姓・旧名（名）",
                    "former given name in kanji",
                );
                if a.attachments.former_name_proof.is_none() {
                    c.push(
                        "attachments.former_name_proof",
                        Code::FormerNameProofMissing,
                        "現姓と旧姓・旧名の関係がわかる公的書類を添付してください。",
                        "Attach an official document linking the current and former names.",
                    );
                }
            }
            katakana_name(c, "alias.katakana", katakana, !from_card);
            romaji_name(c, "alias.romaji", romaji, katakana, !from_card);
        }
    }
}

fn registration(a: &Application, c: &mut Collector) {
    let n = &a.registration.number;
    if c.required("registration.number", n, "登録番号", "registration number")
        && !n.chars().all(|ch| ch.is_ascii_digit())
    {
        c.push(
            "registration.number",
            Code::RegistrationNumberFormat,
            "登録番号は半角数字で入力してください。",
            "Enter the registration number in digits.",
        );
    }
    let d = a.registration.date;
    if d > a.application_date || d <= a.applicant.birth_date {
        c.push(
            "registration.date",
            Code::DateImplausible,
            "登録年月日は生年月日より後、申請日以前の日付を入力してください。",
            "The registration date must be after the birth date and not after the application date.",
        );
    }
}

fn membership_and_price(
    a: &Application,
    auth: &AuthorityRules,
    rules: &RuleSet,
    c: &mut Collector,
) -> Option<Price> {
    let mut kind = MembershipKind::NonMember;
    if auth.asks_membership {
        match &a.membership {
            None => c.push(
                "membership",
                Code::MembershipIncomplete,
                "会員・非会員の別を入力してください。",
                "State whether the applicant is a member of the association.",
            ),
            Some(m) if m.member => {
                kind = MembershipKind::Member;
                if m.association.as_deref().is_none_or(str::is_empty) {
                    c.push(
                        "membership.association",
                        Code::MembershipIncomplete,
                        "所属する会を入力してください。",
                        "Enter the association.",
                    );
                }
                if m.member_number.as_deref().is_none_or(str::is_empty) {
                    c.push(
                        "membership.member_number",
                        Code::MembershipIncomplete,
                        "会員番号を入力してください。",
                        "Enter the member number.",
                    );
                }
            }
            Some(_) => {}
        }
    }
    rules.price(auth.authority, kind, Route::Mynaportal).ok()
}

fn hpki_card(a: &Application, auth: &AuthorityRules, c: &mut Collector) {
    match (&a.hpki_card, auth.issues_card_via_mynaportal) {
        (None, true) => c.push(
            "hpki_card",
            Code::HpkiCardMissing,
            "HPKIカードの暗証番号と受け取り場所を入力してください。",
            "Enter the HPKI card PIN to set and where to receive the card.",
        ),
        (Some(_), false) => c.push(
            "hpki_card",
            Code::HpkiCardNotIssued,
            "この認証局はマイナポータル経由の申請ではHPKIカードを発行しません。",
            "This authority issues no HPKI card for Mynaportal applications; leave the card part out.",
        ),
        (Some(card), true) => {
            if card.pin.expose().is_empty() {
                c.required("hpki_card.pin", "", "HPKIカード暗証番号", "HPKI card PIN");
            } else if card.pin != card.pin_confirmation {
                c.push(
                    "hpki_card.pin_confirmation",
                    Code::HpkiPinMismatch,
                    "確認用の暗証番号が一致しません。",
                    "The PIN confirmation does not match the PIN.",
                );
            }
            place(c, "hpki_card.pickup", &card.pickup);
        }
        (None, false) => {}
    }
}

fn email(a: &Application, c: &mut Collector) {
    let e = &a.email;
    let ok = match e.address.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && e.address.chars().all(|ch| ch.is_ascii_graphic())
        }
        None => false,
    };
    if !ok {
        c.push(
            "email.address",
            Code::EmailFormat,
            "メールアドレスの形式が正しくありません。",
            "The e-mail address is malformed.",
        );
    }
    if !e.registered && e.confirmation_code.as_deref().is_none_or(str::is_empty) {
        c.push(
            "email.confirmation_code",
            Code::EmailNotConfirmed,
            "メールに届いた確認コードを入力してください。",
            "Enter the confirmation code mailed to the address.",
        );
    }
}

/// Checks size, format (by content) and returns the header's findings.
fn file(
    c: &mut Collector,
    field: &str,
    file: &Attachment,
    allowed: &[FileFormat],
    rules: &RuleSet,
) -> Option<crate::Sniffed> {
    let size = u64::try_from(file.content.len()).unwrap_or(u64::MAX);
    let limit = rules.limits.max_file_bytes;
    if size > limit {
        c.push(
            field,
            Code::FileTooLarge,
            format!("ファイル容量が上限（{limit}バイト）を超えています（{size}バイト）。"),
            format!("The file is larger than the limit ({size} > {limit} bytes)."),
        );
    }
    match sniff(&file.content) {
        Err(e) => {
            let ja = match e {
                AttachmentError::Empty => "ファイルが空です。",
                AttachmentError::UnknownFormat => {
                    "JPEG・PNG・BMP・PDFのいずれでもありません（ファイル名ではなく内容で判定）。"
                }
                _ => "ファイルが壊れているか、途中で切れています。",
            };
            c.push(
                field,
                Code::FileUnreadable,
                ja,
                format!("The file cannot be read: {e}."),
            );
            None
        }
        Ok(s) if !allowed.contains(&s.format) => {
            let names: Vec<&str> = allowed.iter().map(|f| f.name()).collect();
            c.push(
                field,
                Code::FileFormatNotAllowed,
                format!(
                    "{}形式はこの認証局では使用できません（使用可能: {}）。",
                    s.format.name(),
                    names.join(", ")
                ),
                format!(
                    "{} is not accepted here (accepted: {}).",
                    s.format.name(),
                    names.join(", ")
                ),
            );
            None
        }
        Ok(s) => Some(s),
    }
}

fn attachments(a: &Application, auth: &AuthorityRules, rules: &RuleSet, c: &mut Collector) {
    let at = &a.attachments;
    let limits = &rules.limits;
    let today = a.application_date;

    let photo = file(
        c,
        "attachments.photo.file",
        &at.photo.file,
        &auth.formats.photo,
        rules,
    );
    if let Some(d) = photo.and_then(|s| s.dimensions)
        && (d.width < limits.photo_min_width || d.height < limits.photo_min_height)
    {
        c.push(
            "attachments.photo.file",
            Code::PhotoTooSmall,
            format!(
                "顔写真は縦{}×横{}ピクセル以上が必要です（この画像は縦{}×横{}）。",
                limits.photo_min_height, limits.photo_min_width, d.height, d.width
            ),
            format!(
                "The photo must be at least {} wide and {} high (it is {}×{}).",
                limits.photo_min_width, limits.photo_min_height, d.width, d.height
            ),
        );
    }
    let oldest = today.saturating_sub(i64::from(limits.photo_max_age_months).months());
    let taken = at.photo.taken_on;
    if taken < oldest || taken > today {
        c.push(
            "attachments.photo.taken_on",
            Code::PhotoTooOld,
            format!(
                "顔写真は申請日前{}か月以内に撮影されたものを添付してください。",
                limits.photo_max_age_months
            ),
            format!(
                "The photo must be taken within {} months before the application.",
                limits.photo_max_age_months
            ),
        );
    }

    file(
        c,
        "attachments.id_document.file",
        &at.id_document.file,
        &auth.formats.id_document,
        rules,
    );
    id_kind(
        c,
        at.id_document.kind,
        today,
        limits.driving_history_certificate_issued_from,
    );

    let licence = &at.licence;
    file(
        c,
        "attachments.licence.front",
        &licence.front,
        &auth.formats.licence,
        rules,
    );
    match &licence.back {
        Some(back) => {
            file(
                c,
                "attachments.licence.back",
                back,
                &auth.formats.licence,
                rules,
            );
        }
        None if licence.back_has_notes => c.push(
            "attachments.licence.back",
            Code::LicenceBackMissing,
            "資格免許証の裏面に追記がある場合は裏面の画像も添付してください。",
            "The licence has notes on its back: attach the back too.",
        ),
        None => {}
    }
    match &licence.surname_change_proof {
        Some(proof) => {
            file(
                c,
                "attachments.licence.surname_change_proof",
                proof,
                &auth.formats.licence,
                rules,
            );
        }
        None if licence.surname_change_pending => c.push(
            "attachments.licence.surname_change_proof",
            Code::SurnameChangeProofMissing,
            "改姓手続き中の場合は旧姓がわかる公的書類の画像も添付してください。",
            "A surname change is pending: attach an official document showing the old surname.",
        ),
        None => {}
    }
    if let Some(proof) = &at.former_name_proof {
        file(
            c,
            "attachments.former_name_proof",
            proof,
            &auth.formats.name_proof,
            rules,
        );
    }
}

fn id_kind(c: &mut Collector, kind: IdKind, today: Date, history_from: Date) {
    const FIELD: &str = "attachments.id_document.kind";
    let expired = |c: &mut Collector, valid_until: Date| {
        if valid_until < today {
            c.push(
                FIELD,
                Code::IdExpired,
                "有効期限内の身分証を添付してください。",
                "The ID document has expired.",
            );
        }
    };
    match kind {
        IdKind::MyNumberCard { valid_until }
        | IdKind::DriversLicence { valid_until }
        | IdKind::Passport { valid_until } => expired(c, valid_until),
        IdKind::DrivingHistoryCertificate { issued_on } => {
            if issued_on < history_from {
                c.push(
                    FIELD,
                    Code::DrivingHistoryTooOld,
                    format!("運転経歴証明書は{history_from}以降に発行されたものに限ります。"),
                    format!(
                        "A driving history certificate must be issued on or after {history_from}."
                    ),
                );
            }
        }
        IdKind::NotificationCard => c.push(
            FIELD,
            Code::NotificationCard,
            "通知カードは身分証として使用できません。",
            "The notification card is not an accepted ID.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::Code::{self, *};

    #[test]
    fn code_names_are_the_serde_names() {
        let all = [
            QualificationNotHeld,
            AuthorityNotAllowed,
            HoldsHpkiCard,
            ApplicationPending,
            AlreadyApplied,
            Required,
            DateImplausible,
            NotKatakana,
            RomajiSurnameFormat,
            RomajiGivenNameFormat,
            RomajiNotHepburn,
            PostalCodeFormat,
            PhoneFormat,
            EmailFormat,
            EmailNotConfirmed,
            RegistrationNumberFormat,
            FormerSurnameNotOnCard,
            MembershipIncomplete,
            HpkiCardMissing,
            HpkiCardNotIssued,
            HpkiPinMismatch,
            ConsentMissing,
            FileTooLarge,
            FileUnreadable,
            FileFormatNotAllowed,
            PhotoTooSmall,
            PhotoTooOld,
            NotificationCard,
            IdExpired,
            DrivingHistoryTooOld,
            LicenceBackMissing,
            SurnameChangeProofMissing,
            FormerNameProofMissing,
        ];
        let mut seen = std::collections::HashSet::new();
        for code in all {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.as_str());
            assert!(seen.insert(code.as_str()));
            assert_eq!(serde_json::from_value::<Code>(json).unwrap(), code);
        }
    }
}
