//! Rule sets: the guide's figures as versioned data with an as-of date.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::{Error, FileFormat, RuleSetError};

/// The three HPKI certificate authorities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Authority {
    /// 日本医師会 (Japan Medical Association) certificate authority.
    Jma,
    /// 日本薬剤師会 (Japan Pharmaceutical Association) certificate authority.
    Jpa,
    /// MEDIS (医療情報システム開発センター) certificate authority.
    Medis,
}

/// The national qualification (国家資格) applied for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualification {
    /// 医師.
    Physician,
    /// 歯科医師.
    Dentist,
    /// 薬剤師.
    Pharmacist,
}

/// How the application reaches the authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// Through Mynaportal, with the My Number Card (マイナポータル経由).
    Mynaportal,
    /// On the authority's own site (直接申請).
    Direct,
}

/// Membership of the authority's association, for the price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MembershipKind {
    /// 会員 (JMA: a prefectural medical association member; JPA: member rate).
    Member,
    /// 非会員.
    NonMember,
}

/// A versioned set of the guide's figures. Load the built-in ones with
/// [`RuleSet::guide_2024_06`] and [`RuleSet::jpa_mynaportal`], or your own with
/// [`RuleSet::from_toml`] / [`RuleSet::from_json`]; every load runs [`RuleSet::check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// A stable identifier (`mhlw-guide-1.1`).
    pub id: String,
    /// A one-line description.
    pub title: String,
    /// The date the figures are valid on (the guide's "2024年6月時点").
    pub as_of: Date,
    /// When the source was published.
    pub published: Date,
    /// The source document, by title.
    pub source: String,
    /// File and photo limits.
    pub limits: Limits,
    /// My Number Card PIN rules.
    pub pins: PinRules,
    /// One entry per authority.
    pub authorities: Vec<AuthorityRules>,
}

/// File and photo limits (`docs/spec/application.md` §4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Largest accepted attachment, in bytes (「4MB以下」).
    pub max_file_bytes: u64,
    /// Smallest photo width in pixels (横413).
    pub photo_min_width: u32,
    /// Smallest photo height in pixels (縦531).
    pub photo_min_height: u32,
    /// The photo is taken at most this many months before the application.
    pub photo_max_age_months: u8,
    /// A 運転経歴証明書 must be issued on or after this date.
    pub driving_history_certificate_issued_from: Date,
}

/// My Number Card PIN rules (`docs/spec/application.md` §4, §9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinRules {
    /// Digits of the 券面事項入力補助用 PIN.
    pub assist_pin_digits: u8,
    /// Shortest signature PIN.
    pub signature_pin_min: u8,
    /// Longest signature PIN.
    pub signature_pin_max: u8,
    /// The signature PIN must mix letters and digits (「英数字が混在」).
    pub signature_pin_needs_letter_and_digit: bool,
    /// Wrong signature PINs in a row that lock it.
    pub signature_pin_tries: u8,
}

/// What one authority accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorityRules {
    /// The authority.
    pub authority: Authority,
    /// Its Japanese name.
    pub name_ja: String,
    /// Its English name.
    pub name_en: String,
    /// Qualifications it certifies.
    pub qualifications: Vec<Qualification>,
    /// Routes it takes applications on.
    pub routes: Vec<Route>,
    /// Whether an application through Mynaportal also gets an HPKI card.
    pub issues_card_via_mynaportal: bool,
    /// The card follows after the second certificate ("cardless first").
    pub cardless_first: bool,
    /// The form asks for association membership.
    pub asks_membership: bool,
    /// Its price list.
    pub price: PriceRules,
    /// Accepted formats per attachment kind.
    pub formats: Formats,
}

/// An authority's prices, tax included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceRules {
    /// List (non-member) price in yen.
    pub list_yen: u32,
    /// Member price in yen, when the authority has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_yen: Option<u32>,
    /// Waivers (費用減免).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<Waiver>,
}

/// A fee waiver for one route and membership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The route it applies to.
    pub route: Route,
    /// The membership it applies to.
    pub membership: MembershipKind,
    /// What is paid instead.
    pub payable_yen: u32,
    /// The guide's words.
    pub note_ja: String,
    /// The same in English.
    pub note_en: String,
}

/// Accepted formats per attachment kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Formats {
    /// The face photo.
    pub photo: Vec<FileFormat>,
    /// The photo ID.
    pub id_document: Vec<FileFormat>,
    /// The licence (front, back, surname-change proof).
    pub licence: Vec<FileFormat>,
    /// The document linking current and former names.
    pub name_proof: Vec<FileFormat>,
}

/// A price quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    /// The authority.
    pub authority: Authority,
    /// The price before waivers.
    pub list_yen: u32,
    /// What the applicant pays.
    pub payable_yen: u32,
    /// The waiver applied, if any.
    pub waiver: Option<Waiver>,
}

const GUIDE_2024_06: &str = include_str!("../rules/guide-2024-06.toml");
const JPA_MYNAPORTAL: &str = include_str!("../rules/jpa-mynaportal.toml");

impl RuleSet {
    /// The guide's rule set (guide 1.1 of 2024-10, figures as of 2024-06): the default.
    pub fn guide_2024_06() -> Result<RuleSet, Error> {
        RuleSet::from_toml(GUIDE_2024_06)
    }

    /// The guide's rule set with JPA's Mynaportal route from JPA's public page, which
    /// issues only the second certificate (no card).
    pub fn jpa_mynaportal() -> Result<RuleSet, Error> {
        RuleSet::from_toml(JPA_MYNAPORTAL)
    }

    /// Parses and checks a rule set written in TOML (the shape of `rules/*.toml`).
    pub fn from_toml(text: &str) -> Result<RuleSet, Error> {
        let rules: RuleSet =
            toml::from_str(text).map_err(|e| Error::RuleSet(RuleSetError::Parse(e.to_string())))?;
        rules.check()?;
        Ok(rules)
    }

    /// Parses and checks a rule set written in JSON (the same fields).
    pub fn from_json(text: &str) -> Result<RuleSet, Error> {
        let rules: RuleSet = serde_json::from_str(text)
            .map_err(|e| Error::RuleSet(RuleSetError::Parse(e.to_string())))?;
        rules.check()?;
        Ok(rules)
    }

    /// Checks the rule set is coherent: each authority listed once with at least one
    /// qualification, route and format per kind; member prices not above list prices;
    /// PIN bounds ordered; the as-of date not after publication.
    pub fn check(&self) -> Result<(), Error> {
        let bad = |reason: String| Err(Error::RuleSet(RuleSetError::Incoherent(reason)));
        if self.as_of > self.published {
            return bad(format!(
                "as_of {} is after published {}",
                self.as_of, self.published
            ));
        }
        if self.pins.signature_pin_min == 0
            || self.pins.signature_pin_min > self.pins.signature_pin_max
        {
            return bad("signature PIN length bounds are not ordered".into());
        }
        if self.limits.max_file_bytes == 0 || self.limits.photo_max_age_months == 0 {
            return bad("file size and photo age limits must be positive".into());
        }
        for (index, a) in self.authorities.iter().enumerate() {
            let name = format!("{:?}", a.authority);
            if self
                .authorities
                .iter()
                .skip(index + 1)
                .any(|b| b.authority == a.authority)
            {
                return bad(format!("{name} is listed twice"));
            }
            if a.qualifications.is_empty() || a.routes.is_empty() {
                return bad(format!("{name} has no qualification or no route"));
            }
            if a.price.member_yen.is_some_and(|m| m > a.price.list_yen) {
                return bad(format!("{name}'s member price is above its list price"));
            }
            if a.price
                .waivers
                .iter()
                .any(|w| w.payable_yen > a.price.list_yen)
            {
                return bad(format!("{name} has a waiver above its list price"));
            }
            let f = &a.formats;
            if [&f.photo, &f.id_document, &f.licence, &f.name_proof]
                .iter()
                .any(|v| v.is_empty())
            {
                return bad(format!("{name} accepts no format for some attachment"));
            }
        }
        Ok(())
    }

    /// The rules of one authority.
    pub fn authority(&self, authority: Authority) -> Option<&AuthorityRules> {
        self.authorities.iter().find(|a| a.authority == authority)
    }

    /// Authorities selectable in Mynaportal for a qualification (`docs/spec/application.md` §2).
    pub fn mynaportal_authorities(&self, qualification: Qualification) -> Vec<Authority> {
        self.authorities
            .iter()
            .filter(|a| {
                a.qualifications.contains(&qualification) && a.routes.contains(&Route::Mynaportal)
            })
            .map(|a| a.authority)
            .collect()
    }

    /// The price of an application (`docs/spec/application.md` §3). `membership` is ignored by
    /// authorities with one price (MEDIS); a waiver for the route and membership applies.
    pub fn price(
        &self,
        authority: Authority,
        membership: MembershipKind,
        route: Route,
    ) -> Result<Price, Error> {
        let rules = self
            .authority(authority)
            .ok_or(Error::NotOffered { authority, route })?;
        if !rules.routes.contains(&route) {
            return Err(Error::NotOffered { authority, route });
        }
        let p = &rules.price;
        let base = match (membership, p.member_yen) {
            (MembershipKind::Member, Some(member)) => member,
            _ => p.list_yen,
        };
        let waiver = p
            .waivers
            .iter()
            .find(|w| w.route == route && w.membership == membership && w.payable_yen < base)
            .cloned();
        Ok(Price {
            authority,
            list_yen: base,
            payable_yen: waiver.as_ref().map_or(base, |w| w.payable_yen),
            waiver,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn built_in_rule_sets_load_and_check() {
        let guide = RuleSet::guide_2024_06().unwrap();
        assert_eq!(guide.as_of, date(2024, 6, 1));
        assert_eq!(guide.published, date(2024, 10, 1));
        assert_eq!(guide.limits.photo_min_width, 413);
        assert_eq!(guide.limits.photo_min_height, 531);
        assert_eq!(guide.limits.max_file_bytes, 4 * 1024 * 1024);
        assert_eq!(
            guide.limits.driving_history_certificate_issued_from,
            date(2012, 1, 1)
        );
        let jpa = RuleSet::jpa_mynaportal().unwrap();
        assert_ne!(guide, jpa);
    }

    #[test]
    fn authorities_per_qualification_follow_the_guide() {
        let guide = RuleSet::guide_2024_06().unwrap();
        use Authority::*;
        use Qualification::*;
        assert_eq!(guide.mynaportal_authorities(Physician), [Jma, Medis]);
        assert_eq!(guide.mynaportal_authorities(Dentist), [Medis]);
        assert_eq!(guide.mynaportal_authorities(Pharmacist), [Medis]);
        let variant = RuleSet::jpa_mynaportal().unwrap();
        assert_eq!(variant.mynaportal_authorities(Pharmacist), [Jpa, Medis]);
        assert!(!variant.authority(Jpa).unwrap().issues_card_via_mynaportal);
        assert!(guide.authority(Jma).unwrap().issues_card_via_mynaportal);
        assert!(guide.authority(Medis).unwrap().issues_card_via_mynaportal);
        assert!(guide.authority(Jma).unwrap().cardless_first);
    }

    #[test]
    fn prices_and_waivers_follow_the_guide() {
        let g = RuleSet::guide_2024_06().unwrap();
        use MembershipKind::*;
        let pay = |a, m, r| g.price(a, m, r).unwrap().payable_yen;
        assert_eq!(pay(Authority::Jma, Member, Route::Mynaportal), 0);
        assert_eq!(pay(Authority::Jma, NonMember, Route::Direct), 5500);
        let waived = g
            .price(Authority::Jma, NonMember, Route::Mynaportal)
            .unwrap();
        assert_eq!((waived.list_yen, waived.payable_yen), (5500, 0));
        assert!(waived.waiver.is_some());
        assert_eq!(pay(Authority::Jpa, Member, Route::Direct), 19800);
        assert_eq!(pay(Authority::Jpa, NonMember, Route::Direct), 26400);
        assert_eq!(pay(Authority::Medis, Member, Route::Mynaportal), 26950);
        assert_eq!(pay(Authority::Medis, NonMember, Route::Mynaportal), 26950);
        assert!(matches!(
            g.price(Authority::Jpa, Member, Route::Mynaportal),
            Err(Error::NotOffered { .. })
        ));
    }

    #[test]
    fn incoherent_rule_sets_are_refused() {
        let swapped = GUIDE_2024_06.replace("as_of = \"2024-06-01\"", "as_of = \"2025-06-01\"");
        assert!(matches!(
            RuleSet::from_toml(&swapped),
            Err(Error::RuleSet(RuleSetError::Incoherent(_)))
        ));
        let dear = GUIDE_2024_06.replace("member_yen = 19800", "member_yen = 99999");
        assert!(RuleSet::from_toml(&dear).is_err());
        assert!(matches!(
            RuleSet::from_toml("id = 1"),
            Err(Error::RuleSet(RuleSetError::Parse(_)))
        ));
        let unknown = format!("{GUIDE_2024_06}\nsurprise = 1\n");
        assert!(RuleSet::from_toml(&unknown).is_err());
    }

    #[test]
    fn json_round_trip_of_a_rule_set() {
        let g = RuleSet::guide_2024_06().unwrap();
        let json = serde_json::to_string(&g).unwrap();
        assert_eq!(RuleSet::from_json(&json).unwrap(), g);
        let toml_text = toml::to_string(&g).unwrap();
        assert_eq!(RuleSet::from_toml(&toml_text).unwrap(), g);
    }
}
