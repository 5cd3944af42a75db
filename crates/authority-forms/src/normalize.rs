//! Normalisation before validation: NFKC where the field allows, widened katakana,
//! one hyphen for the many dashes people type.

use unicode_normalization::UnicodeNormalization;

use crate::{AliasOrFormerName, Application, Place, PostalAddress};

/// NFKC and trim.
pub(crate) fn nfkc_trim(text: &str) -> String {
    text.nfkc().collect::<String>().trim().to_owned()
}

/// Characters people type for the hyphen of a postal code or phone number: hyphen-minus
/// and its full-width form, hyphen, non-breaking hyphen, figure dash, en and em dash,
/// horizontal bar, minus sign, small hyphen-minus, katakana prolonged sound mark
/// (full and half width) — NFKC already folds the full-width and small forms.
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            | '\u{2011}'
            | '\u{2012}'
            | '\u{2013}'
            | '\u{2014}'
            | '\u{2015}'
            | '\u{2212}'
            | '\u{FE63}'
            | '\u{FF0D}'
            | 'ー'
            | '\u{FF70}'
            | '〜'
            | '~'
    )
}

/// Postal code: NFKC, every dash variant to `-`, spaces and 〒 dropped, seven digits
/// written `NNN-NNNN`. Anything else is left for validation to refuse.
pub(crate) fn postal_code(text: &str) -> String {
    let cleaned: String = nfkc_trim(text)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '〒')
        .map(|c| if is_dash(c) { '-' } else { c })
        .collect();
    let digits: String = cleaned.chars().filter(char::is_ascii_digit).collect();
    let shape_ok = cleaned.chars().all(|c| c.is_ascii_digit() || c == '-')
        && cleaned.matches('-').count() <= 1
        && (cleaned.find('-').is_none() || cleaned.find('-') == Some(3));
    match (digits.get(..3), digits.get(3..)) {
        (Some(head), Some(tail)) if shape_ok && digits.len() == 7 => format!("{head}-{tail}"),
        _ => cleaned,
    }
}

/// Phone number: NFKC, dash variants to `-`, spaces dropped.
pub(crate) fn phone(text: &str) -> String {
    nfkc_trim(text)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')'))
        .map(|c| if is_dash(c) { '-' } else { c })
        .collect()
}

/// Katakana name: NFKC (which widens half-width katakana and joins ﾞ ﾟ) and trim.
pub(crate) fn katakana(text: &str) -> String {
    nfkc_trim(text)
}

fn address(a: &mut PostalAddress) {
    a.postal_code = postal_code(&a.postal_code);
    a.address = a.address.trim().to_owned();
}

fn place(p: &mut Place) {
    if let Place::Other { name, address: a } = p {
        *name = name.trim().to_owned();
        address(a);
    }
}

impl Application {
    /// Normalises the fields people type in many ways, in place: NFKC on katakana
    /// (half-width widened), romaji (full-width letters narrowed), numbers, e-mail and
    /// PIN; dash variants in postal codes and phone numbers to `-`, postal codes to
    /// `NNN-NNNN`. Kanji names and addresses are only trimmed (NFKC would change
    /// characters printed on the card). [`crate::validate`] calls this first.
    pub fn normalize(&mut self) {
        let n = &mut self.name_katakana;
        n.surname = katakana(&n.surname);
        n.given_name = katakana(&n.given_name);
        let r = &mut self.name_romaji;
        r.surname = nfkc_trim(&r.surname);
        r.given_name = nfkc_trim(&r.given_name);
        address(&mut self.address);
        match &mut self.alias {
            AliasOrFormerName::None => {}
            AliasOrFormerName::Alias {
                katakana: k,
                romaji,
                ..
            }
            | AliasOrFormerName::FormerName {
                katakana: k,
                romaji,
                ..
            } => {
                k.surname = katakana(&k.surname);
                k.given_name = katakana(&k.given_name);
                romaji.surname = nfkc_trim(&romaji.surname);
                romaji.given_name = nfkc_trim(&romaji.given_name);
            }
        }
        self.registration.number = nfkc_trim(&self.registration.number);
        if let Some(m) = &mut self.membership {
            m.member_number = m.member_number.as_deref().map(nfkc_trim);
            m.association = m.association.as_deref().map(|a| a.trim().to_owned());
        }
        if let Some(card) = &mut self.hpki_card {
            card.pin.normalize();
            card.pin_confirmation.normalize();
            place(&mut card.pickup);
        }
        self.workplace.name = self.workplace.name.trim().to_owned();
        address(&mut self.workplace.address);
        self.workplace.phone = phone(&self.workplace.phone);
        place(&mut self.delivery.notice_to);
        self.delivery.phone = phone(&self.delivery.phone);
        self.email.address = nfkc_trim(&self.email.address);
        self.email.confirmation_code = self.email.confirmation_code.as_deref().map(nfkc_trim);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postal_code_dash_variants_and_widths() {
        for input in [
            "100-0001",
            "１００－０００１",
            "100ー0001",
            "100‐0001",
            "100−0001",
            "〒100 0001",
            "1000001",
            "100–0001",
            "100ｰ0001",
        ] {
            assert_eq!(postal_code(input), "100-0001", "{input}");
        }
        assert_eq!(postal_code("10-00001"), "10-00001");
        assert_eq!(postal_code("abc"), "abc");
    }

    #[test]
    fn half_width_katakana_is_widened() {
        assert_eq!(katakana(" ﾔﾏﾀﾞ "), "ヤマダ");
        assert_eq!(katakana("ﾊﾟﾊﾟ"), "パパ");
    }

    #[test]
    fn phone_dashes() {
        assert_eq!(phone("０３－１２３４－５６７８"), "03-1234-5678");
        assert_eq!(phone("(03) 1234 5678"), "0312345678");
    }
}
