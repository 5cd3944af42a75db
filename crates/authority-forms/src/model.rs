//! The application form, as typed serde models.

use std::sync::Arc;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::{Authority, FileFormat, Qualification, pin::HpkiCardPin};

/// One Mynaportal HPKI application (「医療等分野の電子署名利用」), every field the guide
/// lists for steps 3–10 (`docs/spec/application.md` §6). The per-authority parts are optional
/// fields whose presence the rule set decides ([`crate::AuthorityRules`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Application {
    /// The day the application is made; photo age and document validity count from it.
    pub application_date: Date,
    /// Step 3: the qualification (国家資格).
    pub qualification: Qualification,
    /// Step 3: the authority (申請先認証局).
    pub authority: Authority,
    /// Step 5: what the My Number Card says (read-only in the form).
    pub applicant: CardApplicant,
    /// What the portal knows about the person, for eligibility (§2).
    pub status: ApplicantStatus,
    /// Step 6: 氏名カタカナ.
    pub name_katakana: PersonName,
    /// Step 6: 氏名ローマ字 (Q&A 1).
    pub name_romaji: RomajiName,
    /// Step 6: address and postal code.
    pub address: PostalAddress,
    /// Step 6: alias or former name to print (Q&A 2).
    pub alias: AliasOrFormerName,
    /// Step 6: qualification data (登録番号, 登録年月日).
    pub registration: Registration,
    /// Step 6: association membership, for authorities that ask (JMA, JPA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub membership: Option<Membership>,
    /// Steps 6–7: the HPKI card (PIN to set, where to receive it), for authorities
    /// that issue one through Mynaportal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hpki_card: Option<HpkiCardRequest>,
    /// Step 7: workplace (勤務先) and its address.
    pub workplace: Workplace,
    /// Step 7: where the issuing notice goes and how to reach the applicant.
    pub delivery: Delivery,
    /// Step 8: e-mail.
    pub email: Email,
    /// Step 10: consents.
    pub consents: Consents,
    /// Steps 6–7: the attached files.
    pub attachments: Attachments,
}

/// Sex as recorded on the My Number Card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// 男.
    Male,
    /// 女.
    Female,
}

/// The four basic items read from the My Number Card's 券面事項入力補助AP (step 5).
/// The form cannot change them: outdated data is fixed at the municipality first.
///
/// Personal data: `Debug` shows no value, and the text is zeroized on drop.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardApplicant {
    /// 氏名 (kanji, as on the card).
    pub name: String,
    /// 性別.
    pub sex: Sex,
    /// 生年月日.
    pub birth_date: Date,
    /// 住所.
    pub address: String,
    /// 旧姓 recorded on the card, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub former_surname: Option<String>,
}

impl core::fmt::Debug for CardApplicant {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CardApplicant")
            .field("name", &"<redacted>")
            .field("sex", &"<redacted>")
            .field("birth_date", &"<redacted>")
            .field("address", &"<redacted>")
            .field(
                "former_surname",
                &self.former_surname.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Drop for CardApplicant {
    fn drop(&mut self) {
        use zeroize::Zeroize as _;
        self.name.zeroize();
        self.address.zeroize();
        if let Some(s) = self.former_surname.as_mut() {
            s.zeroize();
        }
    }
}

/// What the portal knows about the applicant, for the eligibility rules (§2).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicantStatus {
    /// The qualifications the person holds.
    pub qualifications_held: Vec<Qualification>,
    /// HPKI cards the person has or had, in any state.
    #[serde(default)]
    pub hpki_cards: Vec<HpkiCardState>,
    /// Earlier applications of this kind through Mynaportal.
    #[serde(default)]
    pub prior_applications: Vec<PriorApplication>,
}

/// The state of an HPKI card the person holds; any state blocks the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HpkiCardState {
    /// Valid.
    Valid,
    /// 期限切れ.
    Expired,
    /// 失効.
    Revoked,
}

/// An earlier Mynaportal application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorApplication {
    /// Its qualification.
    pub qualification: Qualification,
    /// Its authority.
    pub authority: Authority,
    /// Where it stands.
    pub state: PriorState,
}

/// Where an earlier application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorState {
    /// 申請中: still under review.
    UnderReview,
    /// Issued.
    Issued,
    /// Refused by the authority.
    Refused,
    /// Withdrawn by the applicant.
    Withdrawn,
}

/// A name in two parts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonName {
    /// 姓.
    pub surname: String,
    /// 名 (may be empty where only a surname is asked, as for a former surname).
    #[serde(default)]
    pub given_name: String,
}

/// A romaji name (Q&A 1), printed on the HPKI card.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RomajiName {
    /// 氏名ローマ字姓, all upper case.
    pub surname: String,
    /// 氏名ローマ字名, first letter upper case (may be empty with [`PersonName`]'s).
    #[serde(default)]
    pub given_name: String,
    /// The tick 「ヘボン式によらないローマ字表記を入力」: typed by hand, so it need not
    /// be one of the converter's candidates.
    #[serde(default)]
    pub manual: bool,
}

/// A postal code and address.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostalAddress {
    /// 郵便番号 (`NNN-NNNN` after normalisation).
    pub postal_code: String,
    /// 住所.
    pub address: String,
}

/// Whether an alias or former name is printed with the name (Q&A 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "print", rename_all = "snake_case", deny_unknown_fields)]
pub enum AliasOrFormerName {
    /// 併記しない.
    None,
    /// 通称名を併記する.
    Alias {
        /// Kanji.
        kanji: PersonName,
        /// Katakana.
        katakana: PersonName,
        /// Romaji.
        romaji: RomajiName,
    },
    /// 旧姓・旧名を併記する.
    FormerName {
        /// 「マイナンバーカードに記載のある旧姓を使用する」: only the surname, taken
        /// from the card; otherwise kanji is typed and a linking document attached.
        from_card: bool,
        /// Kanji (required when not from the card).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kanji: Option<PersonName>,
        /// Katakana.
        katakana: PersonName,
        /// Romaji.
        romaji: RomajiName,
    },
}

/// Qualification data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// 登録番号 (医籍/歯科医籍/薬剤師名簿 登録番号), digits.
    pub number: String,
    /// 登録年月日.
    pub date: Date,
}

/// Association membership (JMA: 都道府県等医師会への所属の有無、会員番号; JPA: member rate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    /// Whether the applicant is a member.
    pub member: bool,
    /// The association (e.g. a prefectural medical association), when a member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub association: Option<String>,
    /// 会員番号, when a member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_number: Option<String>,
}

/// The HPKI card part: the PIN to set and where to receive the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HpkiCardRequest {
    /// HPKIカード暗証番号 to set.
    pub pin: HpkiCardPin,
    /// The same, typed again.
    pub pin_confirmation: HpkiCardPin,
    /// HPKIカードの受け取り場所.
    pub pickup: Place,
}

/// A place for a notice or the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "place", rename_all = "snake_case", deny_unknown_fields)]
pub enum Place {
    /// The home address (the card's).
    Home,
    /// The workplace.
    Workplace,
    /// Somewhere else.
    Other {
        /// Its name (addressee).
        name: String,
        /// Its address.
        address: PostalAddress,
    },
}

/// 勤務先の情報.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workplace {
    /// Its name.
    pub name: String,
    /// Its address. A business's individual postal code may be refused by the form:
    /// the guide says to enter the area's ordinary postal code instead.
    pub address: PostalAddress,
    /// Its telephone number.
    pub phone: String,
}

/// 交付案内等送付先、連絡先.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// Where the issuing notice is sent.
    pub notice_to: Place,
    /// Contact telephone number.
    pub phone: String,
}

/// Step 8: the e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Email {
    /// The address.
    pub address: String,
    /// Already registered in the Mynaportal account.
    pub registered: bool,
    /// Without a registered address: the confirmation code mailed to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation_code: Option<String>,
}

/// Step 10: the authority's terms and privacy notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consents {
    /// 「すべての確認事項に同意する」.
    pub agree_all: bool,
}

/// The attached files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachments {
    /// 顔写真.
    pub photo: Photo,
    /// 身分証の画像.
    pub id_document: IdDocument,
    /// 資格免許証の画像.
    pub licence: Licence,
    /// The official document linking current and former names (JMA: 戸籍謄(抄)本;
    /// MEDIS: 住民票), needed for a former name not taken from the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub former_name_proof: Option<Attachment>,
}

/// The face photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Photo {
    /// The day it was taken.
    pub taken_on: Date,
    /// The file.
    pub file: Attachment,
}

/// The photo ID and its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdDocument {
    /// Which document.
    pub kind: IdKind,
    /// The file.
    pub file: Attachment,
}

/// The official photo IDs (`docs/spec/application.md` §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum IdKind {
    /// ① マイナンバーカード, front side, valid.
    MyNumberCard {
        /// 有効期限.
        valid_until: Date,
    },
    /// ② 運転免許証, valid.
    DriversLicence {
        /// 有効期限.
        valid_until: Date,
    },
    /// ③ 運転経歴証明書, issued on or after 2012-01-01.
    DrivingHistoryCertificate {
        /// 交付年月日.
        issued_on: Date,
    },
    /// ④ 日本国旅券, photo page, valid.
    Passport {
        /// 有効期限.
        valid_until: Date,
    },
    /// 通知カード: never accepted; listed so it can be refused by name.
    NotificationCard,
}

/// The licence images.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Licence {
    /// The front.
    pub front: Attachment,
    /// The back has notes (裏面に追記): then `back` is required.
    #[serde(default)]
    pub back_has_notes: bool,
    /// The back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back: Option<Attachment>,
    /// A surname change of the licence is pending (改姓手続き中): then
    /// `surname_change_proof` is required.
    #[serde(default)]
    pub surname_change_pending: bool,
    /// The official document showing the old surname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname_change_proof: Option<Attachment>,
}

/// An attached file. In JSON the content is base64 (`content_base64`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// The file name as chosen (only for messages: the format is told by content).
    pub file_name: String,
    /// The bytes, shared: cloning an application (as [`crate::validate`] does to
    /// normalise it) never copies a 4 MB photo.
    #[serde(rename = "content_base64", with = "base64_bytes")]
    pub content: Arc<[u8]>,
}

impl Attachment {
    /// An attachment from a name and its bytes.
    pub fn new(file_name: impl Into<String>, content: impl Into<Arc<[u8]>>) -> Attachment {
        Attachment {
            file_name: file_name.into(),
            content: content.into(),
        }
    }

    /// The format its first bytes name, if any.
    pub fn format(&self) -> Option<FileFormat> {
        crate::sniff(&self.content).ok().map(|s| s.format)
    }
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The bytes are an ID photo: print their size, never their content.
        f.debug_struct("Attachment")
            .field("file_name", &self.file_name)
            .field("bytes", &self.content.len())
            .finish()
    }
}

mod base64_bytes {
    use std::sync::Arc;

    use base64::{Engine, engine::general_purpose::STANDARD};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &Arc<[u8]>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<[u8]>, D::Error> {
        let text = String::deserialize(d)?;
        // Tolerate line-wrapped base64 as produced by `base64` (76 columns).
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        STANDARD
            .decode(compact)
            .map(Arc::from)
            .map_err(serde::de::Error::custom)
    }
}
