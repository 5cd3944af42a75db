//! Each rule of docs/spec/application.md §2–§4 and §7–§8 with a passing and a failing case,
//! starting from the sample application (valid) and changing one thing.

// Test helpers outside #[test] functions may unwrap too.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use authority_forms::{
    AliasOrFormerName, Application, Attachment, Authority, Code, HpkiCardPin, HpkiCardRequest,
    HpkiCardState, IdKind, Membership, PersonName, Place, PriorApplication, PriorState,
    Qualification, Report, RomajiName, RuleSet, validate,
};
use jiff::civil::date;

const SAMPLE: &str = include_str!("../examples/sample-application.json");
const JPEG: &[u8] = include_bytes!("data/photo-413x531.jpg");
const PNG: &[u8] = include_bytes!("data/photo-413x531.png");
const BMP: &[u8] = include_bytes!("data/photo-413x531.bmp");
const SMALL_JPEG: &[u8] = include_bytes!("data/small-300x400-progressive.jpg");
const PDF: &[u8] = include_bytes!("data/id-document.pdf");

fn sample() -> Application {
    serde_json::from_str(SAMPLE).unwrap()
}

fn guide() -> RuleSet {
    RuleSet::guide_2024_06().unwrap()
}

fn check(a: &Application) -> Report {
    validate(a, &guide())
}

fn codes(r: &Report) -> Vec<(String, Code)> {
    r.errors.iter().map(|p| (p.field.clone(), p.code)).collect()
}

#[track_caller]
fn assert_valid(r: &Report) {
    assert!(r.valid, "expected valid, got {:#?}", codes(r));
}

#[track_caller]
fn assert_only(r: &Report, field: &str, code: Code) {
    assert!(!r.valid);
    assert_eq!(codes(r), [(field.to_owned(), code)], "{:#?}", r.errors);
    let p = r.errors.first().unwrap();
    assert!(!p.message_ja.is_empty() && !p.message_en.is_empty());
}

/// A MEDIS application: JPEG photo (MEDIS takes only JPEG), no membership.
fn medis(qualification: Qualification) -> Application {
    let mut a = sample();
    a.authority = Authority::Medis;
    a.qualification = qualification;
    a.status.qualifications_held = vec![qualification];
    a.membership = None;
    a.attachments.photo.file = Attachment::new("photo.jpg", JPEG.to_vec());
    a.attachments.id_document.file = Attachment::new("id.jpg", JPEG.to_vec());
    a.attachments.licence.front = Attachment::new("licence.jpg", JPEG.to_vec());
    a
}

// §2 Authorities and eligibility.

#[test]
fn sample_is_valid_and_free_for_a_jma_member() {
    let r = check(&sample());
    assert_valid(&r);
    assert_eq!(r.price_yen, Some(0));
}

#[test]
fn authority_must_certify_the_qualification() {
    assert_valid(&check(&medis(Qualification::Dentist)));
    assert_valid(&check(&medis(Qualification::Pharmacist)));
    let mut dentist_at_jma = sample();
    dentist_at_jma.qualification = Qualification::Dentist;
    dentist_at_jma.status.qualifications_held = vec![Qualification::Dentist];
    assert_only(
        &check(&dentist_at_jma),
        "authority",
        Code::AuthorityNotAllowed,
    );
}

#[test]
fn jpa_only_in_the_jpa_variant_and_without_a_card() {
    let mut a = medis(Qualification::Pharmacist);
    a.authority = Authority::Jpa;
    a.membership = Some(Membership {
        member: false,
        association: None,
        member_number: None,
    });
    let r = check(&a);
    assert!(
        r.has("authority", Code::AuthorityNotAllowed),
        "{:#?}",
        codes(&r)
    );
    let variant = RuleSet::jpa_mynaportal().unwrap();
    let r = validate(&a, &variant);
    assert_only(&r, "hpki_card", Code::HpkiCardNotIssued);
    a.hpki_card = None;
    let r = validate(&a, &variant);
    assert_valid(&r);
    assert_eq!(r.price_yen, Some(26400));
}

#[test]
fn the_qualification_must_be_held() {
    let mut a = sample();
    a.status.qualifications_held = vec![Qualification::Dentist];
    assert_only(&check(&a), "qualification", Code::QualificationNotHeld);
    a.status.qualifications_held = vec![Qualification::Dentist, Qualification::Physician];
    assert_valid(&check(&a));
}

#[test]
fn any_hpki_card_blocks_also_expired_or_revoked() {
    for state in [
        HpkiCardState::Valid,
        HpkiCardState::Expired,
        HpkiCardState::Revoked,
    ] {
        let mut a = sample();
        a.status.hpki_cards = vec![state];
        assert_only(&check(&a), "status.hpki_cards", Code::HoldsHpkiCard);
    }
}

#[test]
fn a_pending_application_blocks_a_second_one() {
    let mut a = sample();
    let prior = |state| PriorApplication {
        qualification: Qualification::Physician,
        authority: Authority::Jma,
        state,
    };
    a.status.prior_applications = vec![prior(PriorState::UnderReview)];
    assert_only(
        &check(&a),
        "status.prior_applications.0",
        Code::ApplicationPending,
    );
    a.status.prior_applications = vec![prior(PriorState::Refused), prior(PriorState::Withdrawn)];
    assert_valid(&check(&a));
}

#[test]
fn one_qualification_per_person() {
    let mut a = sample();
    a.status.qualifications_held = vec![Qualification::Physician, Qualification::Dentist];
    a.status.prior_applications = vec![PriorApplication {
        qualification: Qualification::Dentist,
        authority: Authority::Medis,
        state: PriorState::Issued,
    }];
    assert_only(
        &check(&a),
        "status.prior_applications.0",
        Code::AlreadyApplied,
    );
}

#[test]
fn card_issuing_authorities_need_the_card_part() {
    let mut a = medis(Qualification::Physician);
    a.hpki_card = None;
    assert_only(&check(&a), "hpki_card", Code::HpkiCardMissing);
    let mut b = sample();
    b.hpki_card = Some(HpkiCardRequest {
        pin: HpkiCardPin::new("1234"),
        pin_confirmation: HpkiCardPin::new("1243"),
        pickup: Place::Home,
    });
    assert_only(
        &check(&b),
        "hpki_card.pin_confirmation",
        Code::HpkiPinMismatch,
    );
}

// §3 Prices.

#[test]
fn prices_per_authority_and_membership() {
    let mut non_member = sample();
    non_member.membership = Some(Membership {
        member: false,
        association: None,
        member_number: None,
    });
    let r = check(&non_member);
    assert_valid(&r);
    assert_eq!(r.price_yen, Some(0), "non-member fee waived via Mynaportal");
    let price = r.price.unwrap();
    assert_eq!(price.list_yen, 5500);
    assert!(price.waiver.is_some());
    assert_eq!(
        check(&medis(Qualification::Physician)).price_yen,
        Some(26950)
    );
    assert_eq!(check(&medis(Qualification::Dentist)).price_yen, Some(26950));

    let variant = RuleSet::jpa_mynaportal().unwrap();
    let mut jpa = medis(Qualification::Pharmacist);
    jpa.authority = Authority::Jpa;
    jpa.hpki_card = None;
    jpa.membership = Some(Membership {
        member: true,
        association: Some("架空県薬剤師会".into()),
        member_number: Some("77".into()),
    });
    assert_eq!(validate(&jpa, &variant).price_yen, Some(19800));
}

#[test]
fn membership_is_asked_by_jma() {
    let mut a = sample();
    a.membership = None;
    assert_only(&check(&a), "membership", Code::MembershipIncomplete);
    a.membership = Some(Membership {
        member: true,
        association: Some("東京都医師会".into()),
        member_number: None,
    });
    assert_only(
        &check(&a),
        "membership.member_number",
        Code::MembershipIncomplete,
    );
}

// §4 What the applicant needs: attachments.

#[test]
fn photo_formats_per_authority() {
    let mut a = sample();
    for bytes in [JPEG, PNG, BMP] {
        a.attachments.photo.file = Attachment::new("photo", bytes.to_vec());
        assert_valid(&check(&a));
    }
    let mut m = medis(Qualification::Physician);
    m.attachments.photo.file = Attachment::new("photo.jpg", PNG.to_vec());
    assert_only(
        &check(&m),
        "attachments.photo.file",
        Code::FileFormatNotAllowed,
    );
}

#[test]
fn pdf_is_accepted_for_documents_by_medis_only() {
    let mut m = medis(Qualification::Physician);
    m.attachments.id_document.file = Attachment::new("id.pdf", PDF.to_vec());
    m.attachments.licence.front = Attachment::new("licence.pdf", PDF.to_vec());
    assert_valid(&check(&m));
    m.attachments.photo.file = Attachment::new("photo.pdf", PDF.to_vec());
    assert_only(
        &check(&m),
        "attachments.photo.file",
        Code::FileFormatNotAllowed,
    );
    let mut j = sample();
    j.attachments.id_document.file = Attachment::new("id.pdf", PDF.to_vec());
    assert_only(
        &check(&j),
        "attachments.id_document.file",
        Code::FileFormatNotAllowed,
    );
}

#[test]
fn format_is_told_by_content_not_name() {
    let mut a = sample();
    a.attachments.photo.file = Attachment::new("photo.png", JPEG.to_vec());
    assert_valid(&check(&a));
    a.attachments.photo.file = Attachment::new("photo.jpg", b"GIF89a\x01\x00\x01\x00".to_vec());
    assert_only(&check(&a), "attachments.photo.file", Code::FileUnreadable);
    a.attachments.photo.file = Attachment::new("photo.jpg", JPEG.get(..40).unwrap().to_vec());
    let r = check(&a);
    assert!(
        r.has("attachments.photo.file", Code::FileUnreadable) || r.valid,
        "{:#?}",
        codes(&r)
    );
}

#[test]
fn photo_is_at_least_413_by_531() {
    let mut a = sample();
    a.attachments.photo.file = Attachment::new("small.jpg", SMALL_JPEG.to_vec());
    assert_only(&check(&a), "attachments.photo.file", Code::PhotoTooSmall);
}

#[test]
fn files_are_at_most_4_mb() {
    let limit = usize::try_from(guide().limits.max_file_bytes).unwrap();
    let mut at_limit = JPEG.to_vec();
    at_limit.resize(limit, 0);
    let mut a = sample();
    a.attachments.licence.front = Attachment::new("licence.jpg", at_limit.clone());
    assert_valid(&check(&a));
    at_limit.push(0);
    a.attachments.licence.front = Attachment::new("licence.jpg", at_limit);
    assert_only(&check(&a), "attachments.licence.front", Code::FileTooLarge);
}

#[test]
fn photo_taken_within_6_months() {
    let mut a = sample();
    a.application_date = date(2024, 11, 1);
    a.attachments.photo.taken_on = date(2024, 5, 1);
    assert_valid(&check(&a));
    a.attachments.photo.taken_on = date(2024, 4, 30);
    assert_only(&check(&a), "attachments.photo.taken_on", Code::PhotoTooOld);
    a.attachments.photo.taken_on = date(2024, 11, 2);
    assert_only(&check(&a), "attachments.photo.taken_on", Code::PhotoTooOld);
}

#[test]
fn id_documents_and_their_validity() {
    let mut a = sample();
    let today = a.application_date;
    let valid = [
        IdKind::MyNumberCard { valid_until: today },
        IdKind::DriversLicence {
            valid_until: date(2030, 1, 1),
        },
        IdKind::Passport {
            valid_until: date(2030, 1, 1),
        },
        IdKind::DrivingHistoryCertificate {
            issued_on: date(2012, 1, 1),
        },
    ];
    for kind in valid {
        a.attachments.id_document.kind = kind;
        assert_valid(&check(&a));
    }
    let field = "attachments.id_document.kind";
    a.attachments.id_document.kind = IdKind::NotificationCard;
    assert_only(&check(&a), field, Code::NotificationCard);
    a.attachments.id_document.kind = IdKind::DrivingHistoryCertificate {
        issued_on: date(2011, 12, 31),
    };
    assert_only(&check(&a), field, Code::DrivingHistoryTooOld);
    let yesterday = date(2024, 10, 31);
    for kind in [
        IdKind::MyNumberCard {
            valid_until: yesterday,
        },
        IdKind::DriversLicence {
            valid_until: yesterday,
        },
        IdKind::Passport {
            valid_until: yesterday,
        },
    ] {
        a.attachments.id_document.kind = kind;
        assert_only(&check(&a), field, Code::IdExpired);
    }
}

#[test]
fn licence_back_and_surname_change_proof() {
    let mut a = sample();
    a.attachments.licence.back_has_notes = true;
    assert_only(
        &check(&a),
        "attachments.licence.back",
        Code::LicenceBackMissing,
    );
    a.attachments.licence.back = Some(Attachment::new("back.png", PNG.to_vec()));
    assert_valid(&check(&a));
    a.attachments.licence.surname_change_pending = true;
    assert_only(
        &check(&a),
        "attachments.licence.surname_change_proof",
        Code::SurnameChangeProofMissing,
    );
    a.attachments.licence.surname_change_proof = Some(Attachment::new("koseki.png", PNG.to_vec()));
    assert_valid(&check(&a));
}

#[test]
fn a_decompression_bomb_header_costs_nothing() {
    // A PNG header claiming 100000 × 100000 pixels, 10^10 bytes if decoded.
    let mut bomb = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    bomb.extend_from_slice(&100_000u32.to_be_bytes());
    bomb.extend_from_slice(&100_000u32.to_be_bytes());
    bomb.extend_from_slice(&[8, 0, 0, 0, 0, 0, 0, 0, 0]);
    let mut a = sample();
    a.attachments.photo.file = Attachment::new("bomb.png", bomb);
    let start = std::time::Instant::now();
    assert_valid(&check(&a));
    assert!(start.elapsed() < std::time::Duration::from_millis(50));
}

// §7 Romaji.

#[test]
fn romaji_must_be_a_hepburn_candidate_unless_manual() {
    let mut a = sample();
    a.name_romaji.surname = "YAMADAA".into();
    assert_only(&check(&a), "name_romaji.surname", Code::RomajiNotHepburn);
    a.name_romaji.manual = true;
    assert_valid(&check(&a));
}

#[test]
fn romaji_variants_oh_and_ou_are_accepted() {
    let mut a = sample();
    a.name_katakana = PersonName {
        surname: "カトウ".into(),
        given_name: "ヨウコ".into(),
    };
    for (surname, given) in [("KATO", "Yoko"), ("KATOH", "Yohko"), ("KATOU", "Youko")] {
        a.name_romaji = RomajiName {
            surname: surname.into(),
            given_name: given.into(),
            manual: false,
        };
        assert_valid(&check(&a));
    }
    a.name_romaji = RomajiName {
        surname: "KATOO".into(),
        given_name: "Yoko".into(),
        manual: false,
    };
    assert_only(&check(&a), "name_romaji.surname", Code::RomajiNotHepburn);
}

#[test]
fn romaji_letter_case_also_for_manual_entry() {
    let mut a = sample();
    a.name_romaji = RomajiName {
        surname: "Yamada".into(),
        given_name: "Hanako".into(),
        manual: true,
    };
    assert_only(&check(&a), "name_romaji.surname", Code::RomajiSurnameFormat);
    a.name_romaji = RomajiName {
        surname: "YAMADA".into(),
        given_name: "HANAKO".into(),
        manual: true,
    };
    assert_only(
        &check(&a),
        "name_romaji.given_name",
        Code::RomajiGivenNameFormat,
    );
}

#[test]
fn katakana_is_normalised_then_checked() {
    let mut a = sample();
    a.name_katakana = PersonName {
        surname: "ﾔﾏﾀﾞ".into(),
        given_name: "ﾊﾅｺ".into(),
    };
    a.name_romaji.surname = "ＹＡＭＡＤＡ".into();
    assert_valid(&check(&a));
    a.name_katakana.given_name = "はなこ".into();
    assert_only(&check(&a), "name_katakana.given_name", Code::NotKatakana);
}

// §8 Alias or former name.

#[test]
fn former_surname_from_the_card_needs_one_on_the_card() {
    let mut a = sample();
    a.alias = AliasOrFormerName::FormerName {
        from_card: true,
        kanji: None,
        katakana: PersonName {
            surname: "スズキ".into(),
            given_name: String::new(),
        },
        romaji: RomajiName {
            surname: "SUZUKI".into(),
            given_name: String::new(),
            manual: false,
        },
    };
    assert_only(&check(&a), "alias.from_card", Code::FormerSurnameNotOnCard);
    a.applicant.former_surname = Some("鈴木".into());
    assert_valid(&check(&a));
}

#[test]
fn a_typed_former_name_needs_the_linking_document() {
    let mut a = sample();
    a.alias = AliasOrFormerName::FormerName {
        from_card: false,
        kanji: Some(PersonName {
            surname: "鈴木".into(),
            given_name: "花子".into(),
        }),
        katakana: PersonName {
            surname: "スズキ".into(),
            given_name: "ハナコ".into(),
        },
        romaji: RomajiName {
            surname: "SUZUKI".into(),
            given_name: "Hanako".into(),
            manual: false,
        },
    };
    assert_only(
        &check(&a),
        "attachments.former_name_proof",
        Code::FormerNameProofMissing,
    );
    a.attachments.former_name_proof = Some(Attachment::new("koseki.png", PNG.to_vec()));
    assert_valid(&check(&a));
}

#[test]
fn an_alias_needs_kanji_and_a_hepburn_romaji() {
    let mut a = sample();
    a.alias = AliasOrFormerName::Alias {
        kanji: PersonName {
            surname: "佐藤".into(),
            given_name: "花".into(),
        },
        katakana: PersonName {
            surname: "サトウ".into(),
            given_name: "ハナ".into(),
        },
        romaji: RomajiName {
            surname: "SATOH".into(),
            given_name: "Hana".into(),
            manual: false,
        },
    };
    assert_valid(&check(&a));
    if let AliasOrFormerName::Alias { kanji, romaji, .. } = &mut a.alias {
        kanji.surname.clear();
        romaji.given_name = "Hanna".into();
    }
    let r = check(&a);
    assert_eq!(
        codes(&r),
        [
            ("alias.kanji.surname".to_owned(), Code::Required),
            ("alias.romaji.given_name".to_owned(), Code::RomajiNotHepburn)
        ]
    );
}

// Other fields of steps 6–10.

#[test]
fn postal_codes_and_phones_are_normalised() {
    let mut a = sample();
    a.workplace.address.postal_code = "〒１００ー０００２".into();
    a.workplace.phone = "０３‐１２３４‐５６７８".into();
    assert_valid(&check(&a));
    a.workplace.address.postal_code = "100-00".into();
    a.workplace.phone = "1234".into();
    let r = check(&a);
    assert_eq!(
        codes(&r),
        [
            (
                "workplace.address.postal_code".to_owned(),
                Code::PostalCodeFormat
            ),
            ("workplace.phone".to_owned(), Code::PhoneFormat)
        ]
    );
}

#[test]
fn email_needs_a_code_when_not_registered() {
    let mut a = sample();
    a.email.registered = false;
    assert_only(
        &check(&a),
        "email.confirmation_code",
        Code::EmailNotConfirmed,
    );
    a.email.confirmation_code = Some("123456".into());
    assert_valid(&check(&a));
    a.email.address = "hanako@@example".into();
    assert_only(&check(&a), "email.address", Code::EmailFormat);
}

#[test]
fn registration_number_and_date() {
    let mut a = sample();
    a.registration.number = "１２３４５６".into();
    assert_valid(&check(&a));
    a.registration.number = "12-3456".into();
    a.registration.date = date(2030, 1, 1);
    let r = check(&a);
    assert_eq!(
        codes(&r),
        [
            (
                "registration.number".to_owned(),
                Code::RegistrationNumberFormat
            ),
            ("registration.date".to_owned(), Code::DateImplausible)
        ]
    );
}

#[test]
fn consents_are_required() {
    let mut a = sample();
    a.consents.agree_all = false;
    assert_only(&check(&a), "consents.agree_all", Code::ConsentMissing);
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut a = sample();
    a.status.hpki_cards = vec![HpkiCardState::Expired];
    a.name_romaji.given_name = "HANAKO".into();
    a.consents.agree_all = false;
    a.attachments.id_document.kind = IdKind::NotificationCard;
    a.attachments.photo.file = Attachment::new("small.jpg", SMALL_JPEG.to_vec());
    let r = check(&a);
    assert_eq!(r.errors.len(), 5, "{:#?}", codes(&r));
}

// Serde.

#[test]
fn application_round_trips_through_json() {
    let mut a = sample();
    a.alias = AliasOrFormerName::FormerName {
        from_card: false,
        kanji: Some(PersonName {
            surname: "鈴木".into(),
            given_name: "花子".into(),
        }),
        katakana: PersonName {
            surname: "スズキ".into(),
            given_name: "ハナコ".into(),
        },
        romaji: RomajiName {
            surname: "SUZUKI".into(),
            given_name: "Hanako".into(),
            manual: true,
        },
    };
    a.attachments.former_name_proof = Some(Attachment::new("koseki.pdf", PDF.to_vec()));
    a.delivery.notice_to = Place::Other {
        name: "架空医院".into(),
        address: authority_forms::PostalAddress {
            postal_code: "100-0003".into(),
            address: "架空市1".into(),
        },
    };
    let json = serde_json::to_string(&a).unwrap();
    let back: Application = serde_json::from_str(&json).unwrap();
    assert_eq!(back, a);
    assert!(json.contains("\"content_base64\""));
    assert!(
        !format!("{a:?}").contains("48213579"),
        "the HPKI PIN must not appear in Debug"
    );
}

#[test]
fn report_round_trips_and_has_the_documented_keys() {
    let mut a = sample();
    a.consents.agree_all = false;
    let r = check(&a);
    let value = serde_json::to_value(&r).unwrap();
    assert_eq!(value["errors"][0]["code"], "consent_missing");
    assert_eq!(value["errors"][0]["field"], "consents.agree_all");
    assert_eq!(value["valid"], false);
    let back: Report = serde_json::from_value(value).unwrap();
    assert_eq!(back, r);
    assert_eq!(Code::ConsentMissing.as_str(), "consent_missing");
}

#[test]
fn unknown_fields_are_refused() {
    let text = SAMPLE.replacen(
        "\"application_date\"",
        "\"surprise\": 1, \"application_date\"",
        1,
    );
    assert!(serde_json::from_str::<Application>(&text).is_err());
}
