//! The application form of `medsign apply`: loading and saving the JSON form, the
//! template, the interactive prompts, and the step bodies the portal takes.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::Path;

use authority_forms::{
    AliasOrFormerName, ApplicantStatus, Application, Attachment, Attachments, Authority,
    CardApplicant, Consents, Delivery, Email, HpkiCardPin, HpkiCardRequest, IdDocument, IdKind,
    Licence, Membership, NamePart, PersonName, Photo, Place, PostalAddress, Qualification,
    Registration, RomajiName, RuleSet, Sex, Workplace, hepburn_candidates,
};
use jiff::civil::Date;
use mynaportal_client::wire::{AuthorityData, FurtherData};

use crate::error::{CliError, io_error};
use crate::{i18n::t, tf};

/// Reads a JSON form (`authority_forms::Application`, as in
/// `crates/authority-forms/examples/sample-application.json`).
pub fn load(path: &Path) -> Result<Application, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| io_error(path, &e))?;
    serde_json::from_str(&text).map_err(|e| {
        CliError::input(tf!(
            "{}: not an application form: {e}",
            "{}: 申請フォームとして読めません: {e}",
            path.display()
        ))
    })
}

/// Writes a form as pretty JSON, readable by the owner only (it holds the HPKI card PIN
/// to set and personal data).
pub fn save(path: &Path, form: &Application) -> Result<(), CliError> {
    let json = serde_json::to_string_pretty(form)
        .map_err(|e| CliError::input(format!("{}: {e}", path.display())))?;
    write_private(path, format!("{json}\n").as_bytes())
}

/// Writes `bytes` to `path` with mode 0600 on Unix.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| io_error(path, &e))?;
    file.write_all(bytes).map_err(|e| io_error(path, &e))
}

fn attachment(name: &str, example: bool) -> Attachment {
    if !example {
        return Attachment::new(name, Vec::new());
    }
    // The crate decodes `content_base64` itself: no base64 dependency here.
    serde_json::from_value(serde_json::json!({
        "file_name": name,
        "content_base64": portal_sim::sample::PHOTO_PNG_BASE64,
    }))
    .unwrap_or_else(|_| Attachment::new(name, Vec::new()))
}

fn name(surname: &str, given: &str) -> PersonName {
    PersonName {
        surname: surname.into(),
        given_name: given.into(),
    }
}

fn postal(code: &str, address: &str) -> PostalAddress {
    PostalAddress {
        postal_code: code.into(),
        address: address.into(),
    }
}

/// The form for `qualification` at `authority` dated `today`: empty fields to fill in,
/// or with `example` a complete fictitious application (card-sim's test holder) that
/// validates.
pub fn template(
    rules: &RuleSet,
    qualification: Qualification,
    authority: Authority,
    today: Date,
    example: bool,
) -> Application {
    let auth_rules = rules.authority(authority);
    let asks_membership = auth_rules.is_some_and(|a| a.asks_membership);
    let issues_card = auth_rules.is_some_and(|a| a.issues_card_via_mynaportal);
    let v = |s: &'static str| if example { s } else { "" };
    let days = |n: i64| {
        today
            .checked_add(jiff::Span::new().days(n))
            .unwrap_or(today)
    };
    let association = match authority {
        Authority::Jma => "東京都医師会",
        Authority::Jpa => "東京都薬剤師会",
        Authority::Medis => "",
    };
    Application {
        application_date: today,
        qualification,
        authority,
        applicant: CardApplicant {
            name: v("山田\u{3000}花子").into(),
            sex: Sex::Female,
            birth_date: jiff::civil::date(1980, 4, 1),
            address: v("東京都架空市見本町１丁目９９９番地").into(),
            former_surname: None,
        },
        status: ApplicantStatus {
            qualifications_held: vec![qualification],
            hpki_cards: Vec::new(),
            prior_applications: Vec::new(),
        },
        name_katakana: name(v("ヤマダ"), v("ハナコ")),
        name_romaji: RomajiName {
            surname: v("YAMADA").into(),
            given_name: v("Hanako").into(),
            manual: false,
        },
        address: postal(v("100-0001"), v("東京都架空市見本町1-999")),
        alias: AliasOrFormerName::None,
        registration: Registration {
            number: v("123456").into(),
            date: jiff::civil::date(2011, 4, 20),
        },
        membership: asks_membership.then(|| Membership {
            member: example,
            association: example.then(|| association.to_owned()),
            member_number: example.then(|| "0012345".to_owned()),
        }),
        hpki_card: issues_card.then(|| HpkiCardRequest {
            pin: HpkiCardPin::new(v("48213579")),
            pin_confirmation: HpkiCardPin::new(v("48213579")),
            pickup: Place::Workplace,
        }),
        workplace: Workplace {
            name: v("やまだ内科クリニック").into(),
            address: postal(v("100-0002"), v("東京都架空市見本町2-3")),
            phone: v("03-1234-5678").into(),
        },
        delivery: Delivery {
            notice_to: Place::Home,
            phone: v("090-1234-5678").into(),
        },
        email: Email {
            address: v("hanako.yamada@example.jp").into(),
            registered: true,
            confirmation_code: None,
        },
        consents: Consents { agree_all: example },
        attachments: Attachments {
            photo: Photo {
                taken_on: days(-30),
                file: attachment("photo.png", example),
            },
            id_document: IdDocument {
                kind: IdKind::DriversLicence {
                    valid_until: days(730),
                },
                file: attachment("licence.png", example),
            },
            licence: Licence {
                front: attachment("menkyo.png", example),
                back_has_notes: false,
                back: None,
                surname_change_pending: false,
                surname_change_proof: None,
            },
            former_name_proof: None,
        },
    }
}

/// The step 6 body of the form.
pub fn authority_data(a: &Application) -> AuthorityData {
    AuthorityData {
        name_katakana: a.name_katakana.clone(),
        name_romaji: a.name_romaji.clone(),
        address: a.address.clone(),
        alias: a.alias.clone(),
        registration: a.registration.clone(),
        membership: a.membership.clone(),
        hpki_card: a.hpki_card.clone(),
        licence: a.attachments.licence.clone(),
        former_name_proof: a.attachments.former_name_proof.clone(),
    }
}

/// The step 7 body of the form.
pub fn further_data(a: &Application) -> FurtherData {
    FurtherData {
        workplace: a.workplace.clone(),
        delivery: a.delivery.clone(),
        photo: a.attachments.photo.clone(),
        id_document: a.attachments.id_document.clone(),
    }
}

/// The form in `path`, or, without one, the form asked for on the terminal ([`prompt`])
/// and written to `save` when given.
pub fn load_or_prompt(
    path: Option<&Path>,
    save: Option<&Path>,
    rules: &RuleSet,
    with_applicant: bool,
) -> Result<Application, CliError> {
    if let Some(path) = path {
        return load(path);
    }
    let application = prompt(rules, None, None, with_applicant)?;
    if let Some(to) = save {
        self::save(to, &application)?;
    }
    Ok(application)
}

/// Asks for the form's fields on the terminal. `with_applicant`: also the basic four
/// items (offline validation; `submit` reads them from the card instead).
pub fn prompt(
    rules: &RuleSet,
    qualification: Option<Qualification>,
    authority: Option<Authority>,
    with_applicant: bool,
) -> Result<Application, CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(t(
            "no FORM.json given and standard input is not a terminal: pass a form file \
             (see `medsign apply template`)",
            "FORM.json が指定されず、標準入力が端末ではありません。フォームのファイルを指定してください\
             （`medsign apply template` を参照）",
        )));
    }
    let mut p = Prompter;
    eprintln!(
        "{}",
        t(
            "Enter the application (Enter keeps the value in brackets).",
            "申請内容を入力してください（Enterで[ ]内の値）。",
        )
    );
    let qualification = match qualification {
        Some(q) => q,
        None => p.choice(
            t("Qualification", "国家資格"),
            &[
                ("physician", Qualification::Physician),
                ("dentist", Qualification::Dentist),
                ("pharmacist", Qualification::Pharmacist),
            ],
        )?,
    };
    let authority = match authority {
        Some(a) => a,
        None => {
            let offered = rules.mynaportal_authorities(qualification);
            let options: Vec<(&str, Authority)> =
                offered.iter().map(|a| (authority_key(*a), *a)).collect();
            p.choice(t("Authority", "申請先認証局"), &options)?
        }
    };
    let today = jiff::Zoned::now().date();
    let mut a = template(rules, qualification, authority, today, false);
    if with_applicant {
        a.applicant.name = p.text(
            t("Name (kanji, as on the card)", "氏名（カードの表記）"),
            None,
        )?;
        a.applicant.sex = p.choice(
            t("Sex", "性別"),
            &[("female", Sex::Female), ("male", Sex::Male)],
        )?;
        a.applicant.birth_date = p.date(t("Birth date", "生年月日"), None)?;
        a.applicant.address =
            p.text(t("Address (as on the card)", "住所（カードの表記）"), None)?;
    }
    a.name_katakana.surname = p.text(t("Surname in katakana", "氏名カタカナ（姓）"), None)?;
    a.name_katakana.given_name = p.text(t("Given name in katakana", "氏名カタカナ（名）"), None)?;
    let suggest = |kana: &str, part: NamePart| {
        hepburn_candidates(kana)
            .ok()
            .and_then(|c| c.first().map(|s| part.apply_case(s)))
    };
    let surname = suggest(&a.name_katakana.surname, NamePart::Surname);
    a.name_romaji.surname = p.text(
        t("Surname in romaji", "氏名ローマ字（姓）"),
        surname.as_deref(),
    )?;
    let given = suggest(&a.name_katakana.given_name, NamePart::GivenName);
    a.name_romaji.given_name = p.text(
        t("Given name in romaji", "氏名ローマ字（名）"),
        given.as_deref(),
    )?;
    a.name_romaji.manual = surname.as_deref() != Some(a.name_romaji.surname.as_str())
        || given.as_deref() != Some(a.name_romaji.given_name.as_str());
    a.address.postal_code = p.text(t("Postal code", "郵便番号"), None)?;
    a.address.address = p.text(t("Address", "住所"), None)?;
    a.registration.number = p.text(t("Registration number", "登録番号"), None)?;
    a.registration.date = p.date(t("Registration date", "登録年月日"), None)?;
    if let Some(m) = a.membership.as_mut() {
        m.member = p.yes_no(t("Member of the association", "医師会等の会員"), true)?;
        if m.member {
            m.association = Some(p.text(t("Association", "所属する会"), None)?);
            m.member_number = Some(p.text(t("Member number", "会員番号"), None)?);
        }
    }
    if let Some(card) = a.hpki_card.as_mut() {
        let pin = p.secret(t(
            "HPKI card PIN to set (not shown)",
            "HPKIカードに設定する暗証番号（表示されません）",
        ))?;
        let again = p.secret(t("The same PIN again", "確認のためもう一度"))?;
        card.pin = HpkiCardPin::new(pin.as_str());
        card.pin_confirmation = HpkiCardPin::new(again.as_str());
        card.pickup = p.place(t("Where to receive the card", "HPKIカードの受け取り場所"))?;
    }
    a.workplace.name = p.text(t("Workplace name", "勤務先名"), None)?;
    a.workplace.address.postal_code = p.text(t("Workplace postal code", "勤務先郵便番号"), None)?;
    a.workplace.address.address = p.text(t("Workplace address", "勤務先住所"), None)?;
    a.workplace.phone = p.text(t("Workplace phone", "勤務先電話番号"), None)?;
    a.delivery.notice_to = p.place(t("Where the notice goes", "交付案内等送付先"))?;
    a.delivery.phone = p.text(t("Contact phone", "連絡先電話番号"), None)?;
    a.email.address = p.text(t("E-mail address", "メールアドレス"), None)?;
    a.email.registered = p.yes_no(
        t(
            "Is it the address registered in Mynaportal",
            "マイナポータルに登録済みのアドレスですか",
        ),
        true,
    )?;
    a.attachments.photo.file = p.file(t("Face photo file", "顔写真のファイル"))?;
    a.attachments.photo.taken_on = p.date(t("Photo taken on", "撮影日"), None)?;
    let kind = p.choice(
        t("ID document", "本人確認書類"),
        &[
            ("drivers-licence", 1u8),
            ("my-number-card", 0),
            ("driving-history", 2),
            ("passport", 3),
        ],
    )?;
    let date = p.date(
        if kind == 2 {
            t("Issued on", "交付年月日")
        } else {
            t("Valid until", "有効期限")
        },
        None,
    )?;
    a.attachments.id_document.kind = match kind {
        0 => IdKind::MyNumberCard { valid_until: date },
        2 => IdKind::DrivingHistoryCertificate { issued_on: date },
        3 => IdKind::Passport { valid_until: date },
        _ => IdKind::DriversLicence { valid_until: date },
    };
    a.attachments.id_document.file = p.file(t("ID document image", "本人確認書類の画像"))?;
    a.attachments.licence.front = p.file(t("Licence image (front)", "免許証の画像（表面）"))?;
    a.attachments.licence.back_has_notes = p.yes_no(
        t("Notes on the licence's back", "免許証の裏面に追記あり"),
        false,
    )?;
    if a.attachments.licence.back_has_notes {
        a.attachments.licence.back =
            Some(p.file(t("Licence image (back)", "免許証の画像（裏面）"))?);
    }
    a.consents.agree_all = p.yes_no(
        t(
            "Agree to all of the authority's terms and privacy notes",
            "すべての確認事項に同意する",
        ),
        false,
    )?;
    Ok(a)
}

/// The authority's name on the command line.
pub fn authority_key(a: Authority) -> &'static str {
    match a {
        Authority::Jma => "jma",
        Authority::Jpa => "jpa",
        Authority::Medis => "medis",
    }
}

struct Prompter;

impl Prompter {
    fn line(&mut self, label: &str, default: Option<&str>) -> Result<String, CliError> {
        match default {
            Some(d) => eprint!("{label} [{d}]: "),
            None => eprint!("{label}: "),
        }
        let _ = std::io::stderr().flush();
        let mut s = String::new();
        let n = std::io::stdin()
            .lock()
            .read_line(&mut s)
            .map_err(|e| CliError::input(e.to_string()))?;
        if n == 0 {
            return Err(CliError::usage(t("input ended", "入力が終わりました")));
        }
        let s = s.trim().to_owned();
        Ok(match (s.is_empty(), default) {
            (true, Some(d)) => d.to_owned(),
            _ => s,
        })
    }

    fn text(&mut self, label: &str, default: Option<&str>) -> Result<String, CliError> {
        self.line(label, default)
    }

    fn date(&mut self, label: &str, default: Option<&str>) -> Result<Date, CliError> {
        loop {
            let s = self.line(&format!("{label} (YYYY-MM-DD)"), default)?;
            match s.parse::<Date>() {
                Ok(d) => return Ok(d),
                Err(_) => eprintln!(
                    "{}",
                    t("  not a date, e.g. 2024-04-01", "  日付の形式: 2024-04-01")
                ),
            }
        }
    }

    fn yes_no(&mut self, label: &str, default: bool) -> Result<bool, CliError> {
        let d = if default { "y" } else { "n" };
        loop {
            match self.line(&format!("{label} (y/n)"), Some(d))?.as_str() {
                "y" | "Y" | "yes" | "はい" => return Ok(true),
                "n" | "N" | "no" | "いいえ" => return Ok(false),
                _ => {}
            }
        }
    }

    fn choice<T: Clone>(&mut self, label: &str, options: &[(&str, T)]) -> Result<T, CliError> {
        let keys: Vec<&str> = options.iter().map(|(k, _)| *k).collect();
        let default = keys.first().copied();
        loop {
            let s = self.line(&format!("{label} ({})", keys.join("/")), default)?;
            if let Some((_, v)) = options.iter().find(|(k, _)| *k == s) {
                return Ok(v.clone());
            }
        }
    }

    fn place(&mut self, label: &str) -> Result<Place, CliError> {
        self.choice(
            label,
            &[("workplace", Place::Workplace), ("home", Place::Home)],
        )
    }

    fn secret(&mut self, label: &str) -> Result<zeroize::Zeroizing<String>, CliError> {
        rpassword::prompt_password(format!("{label}: "))
            .map(zeroize::Zeroizing::new)
            .map_err(|e| CliError::input(e.to_string()))
    }

    fn file(&mut self, label: &str) -> Result<Attachment, CliError> {
        loop {
            let s = self.line(label, None)?;
            let path = Path::new(&s);
            match std::fs::read(path) {
                Ok(bytes) => {
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_else(|| s.clone());
                    return Ok(Attachment::new(name, bytes));
                }
                Err(e) => eprintln!("  {}", io_error(path, &e)),
            }
        }
    }
}
