//! A fictitious physician's application data (山田 花子, the holder of card-sim's
//! virtual My Number Card), for tests, examples and integrators trying the procedure
//! against the local portal. Nothing here is real personal data.

use authority_forms::{
    AliasOrFormerName, Attachment, Delivery, HpkiCardPin, HpkiCardRequest, IdDocument, IdKind,
    Licence, Membership, PersonName, Photo, Place, PostalAddress, Registration, RomajiName,
    Workplace,
};
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use mynaportal_client::wire::{AuthorityData, FurtherData};

/// What building the sample data can fail with (date arithmetic at the calendar's ends).
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// A 413 × 531 PNG (one bit per pixel, all white): the smallest photo the guide accepts.
pub const PHOTO_PNG_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAZ0AAAITAQAAAAD09vw6AAAAbElEQVR42u3LMQ0AAAwDoPo33XrYucBPehBJkiRJkiRJkiRJkiRJkiRJkiRJkiRJkiRJkiRJkiRJkiRJkiRJkiRJkiRJkiRJkiRJkiRJkiRJkiRJkiRJkiRJkiRJkiRJkiRJkiRJkiRJkqT3aQvsdmqLbulDAAAAAElFTkSuQmCC";

/// An attachment called `name` holding the sample PNG.
pub fn image(name: &str) -> Result<Attachment> {
    Ok(Attachment::new(name, B64.decode(PHOTO_PNG_BASE64)?))
}

/// The authority's part of the form (JMA member `member_number`).
pub fn authority_data(member_number: &str) -> Result<AuthorityData> {
    Ok(AuthorityData {
        name_katakana: PersonName {
            surname: "ヤマダ".into(),
            given_name: "ハナコ".into(),
        },
        name_romaji: RomajiName {
            surname: "YAMADA".into(),
            given_name: "Hanako".into(),
            manual: false,
        },
        address: PostalAddress {
            postal_code: "100-0001".into(),
            address: "東京都架空市見本町1-999".into(),
        },
        alias: AliasOrFormerName::None,
        registration: Registration {
            number: "123456".into(),
            date: jiff::civil::date(2011, 4, 20),
        },
        membership: Some(Membership {
            member: true,
            association: Some("東京都医師会".into()),
            member_number: Some(member_number.into()),
        }),
        hpki_card: Some(HpkiCardRequest {
            pin: HpkiCardPin::new("48213579"),
            pin_confirmation: HpkiCardPin::new("48213579"),
            pickup: Place::Workplace,
        }),
        licence: Licence {
            front: image("menkyo.png")?,
            back_has_notes: false,
            back: None,
            surname_change_pending: false,
            surname_change_proof: None,
        },
        former_name_proof: None,
    })
}

/// The further data: workplace, delivery, a photo taken 30 days before `today`, and a
/// driver's licence valid for two more years.
pub fn further_data(today: jiff::civil::Date) -> Result<FurtherData> {
    Ok(FurtherData {
        workplace: Workplace {
            name: "やまだ内科クリニック".into(),
            address: PostalAddress {
                postal_code: "100-0002".into(),
                address: "東京都架空市見本町2-3".into(),
            },
            phone: "03-1234-5678".into(),
        },
        delivery: Delivery {
            notice_to: Place::Home,
            phone: "090-1234-5678".into(),
        },
        photo: Photo {
            taken_on: today.checked_sub(jiff::Span::new().days(30))?,
            file: image("photo.png")?,
        },
        id_document: IdDocument {
            kind: IdKind::DriversLicence {
                valid_until: today.checked_add(jiff::Span::new().years(2))?,
            },
            file: image("licence.png")?,
        },
    })
}
