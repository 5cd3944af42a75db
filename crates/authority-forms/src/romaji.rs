//! Katakana/hiragana names to passport Hepburn (`docs/spec/application.md` §7).

use unicode_normalization::UnicodeNormalization;

/// The most candidates [`hepburn_candidates`] returns for one name.
pub const MAX_CANDIDATES: usize = 27;

/// Why a kana name cannot be written in passport Hepburn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RomajiError {
    /// The name is empty after normalisation: enter the name in katakana.
    #[error("the name is empty")]
    Empty,
    /// A character that is not kana (kanji, Latin, a space inside a name part):
    /// enter the name in katakana only, one part (surname or given name) at a time.
    #[error("{ch:?} at position {position} is not kana")]
    NotKana {
        /// The offending character (after NFKC normalisation).
        ch: char,
        /// Its index in characters.
        position: usize,
    },
    /// A small kana (ァ, ィ, ャ, …) that passport Hepburn has no spelling for in this
    /// position: tick manual entry and type the romaji.
    #[error("{ch:?} at position {position} has no passport Hepburn spelling here")]
    UnsupportedKana {
        /// The small kana.
        ch: char,
        /// Its index in characters.
        position: usize,
    },
    /// ッ at the end of the name or before a vowel or ン: there is no consonant to double.
    #[error("ッ at position {position} is not followed by a consonant")]
    DanglingSokuon {
        /// Its index in characters.
        position: usize,
    },
    /// ー at the start of the name: there is no vowel to lengthen.
    #[error("ー at the start of the name")]
    LeadingChoon,
}

/// Which part of a name a romaji string is, for the letter-case rule of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NamePart {
    /// 姓: all upper case (`YAMADA`).
    Surname,
    /// 名: first letter upper case, the rest lower case (`Hanako`).
    GivenName,
}

impl NamePart {
    /// Whether `romaji` has the form the Mynaportal form accepts for this part, also
    /// for manual entry (ヘボン式によらないローマ字表記): surname `^[A-Z]+$`, given name
    /// `^[A-Z][a-z]+$`.
    pub fn accepts(self, romaji: &str) -> bool {
        let mut chars = romaji.chars();
        match self {
            NamePart::Surname => {
                !romaji.is_empty() && romaji.chars().all(|c| c.is_ascii_uppercase())
            }
            NamePart::GivenName => {
                chars.next().is_some_and(|c| c.is_ascii_uppercase())
                    && romaji.len() >= 2
                    && chars.all(|c| c.is_ascii_lowercase())
            }
        }
    }

    /// Writes an upper-case candidate in this part's letter case (`HANAKO` → `Hanako`).
    pub fn apply_case(self, upper: &str) -> String {
        match self {
            NamePart::Surname => upper.to_ascii_uppercase(),
            NamePart::GivenName => {
                let lower = upper.to_ascii_lowercase();
                let mut chars = lower.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                    None => String::new(),
                }
            }
        }
    }
}

/// Converts one name part (a surname or a given name, katakana or hiragana, half-width
/// katakana accepted) to passport Hepburn, upper case.
///
/// The first candidate is strict passport Hepburn: ン is M before B, M, P; ッ doubles
/// the next consonant (T before CH); ー is dropped; the long vowels オオ, オウ and ウウ are
/// written with one letter, except a name-final オオ (`SENOO`); other vowel pairs stay
/// (`NIIGATA`, `KEIKO`). Two kana sequences that in names join two words are not read
/// as long vowels: ツ+ウ (松浦 `MATSUURA`) and ウ before エ (井上 `INOUE`). Kana cannot tell vowel length for certain, so the following
/// candidates spell each オオ and オウ also as `OH` and as written (`OO`, `OU`): first
/// all `OH`, then all as written, then the mixed spellings. At most [`MAX_CANDIDATES`].
///
/// ```
/// use authority_forms::hepburn_candidates;
/// assert_eq!(hepburn_candidates("カトウ")?, ["KATO", "KATOH", "KATOU"]);
/// assert_eq!(hepburn_candidates("なんば")?, ["NAMBA"]);
/// assert_eq!(hepburn_candidates("ｾﾉｵ")?, ["SENOO"]);
/// # Ok::<(), authority_forms::RomajiError>(())
/// ```
pub fn hepburn_candidates(name: &str) -> Result<Vec<String>, RomajiError> {
    let kana = to_katakana(name);
    if kana.is_empty() {
        return Err(RomajiError::Empty);
    }
    let morae = split_morae(&kana)?;
    let segments = spell(&morae)?;
    Ok(expand(&segments))
}

/// NFKC (widens half-width katakana and joins voiced marks), trims, and maps hiragana
/// to katakana.
pub(crate) fn to_katakana(name: &str) -> Vec<char> {
    name.trim()
        .nfkc()
        .map(|c| match c {
            '\u{3041}'..='\u{3096}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Whether `name` is written in full-width katakana only (with ー), after NFKC.
pub(crate) fn is_katakana_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| matches!(c, '\u{30A1}'..='\u{30FA}' | 'ー'))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mora {
    /// A syllable with its Hepburn spelling and whether it is a bare vowel kana.
    Syllable {
        roman: &'static str,
        bare_vowel: bool,
        kana: char,
    },
    /// ン.
    N,
    /// ッ.
    Sokuon { position: usize },
    /// ー.
    Choon,
}

fn split_morae(kana: &[char]) -> Result<Vec<Mora>, RomajiError> {
    let mut morae = Vec::with_capacity(kana.len());
    let mut i = 0;
    while let Some(&c) = kana.get(i) {
        if let Some(&next) = kana.get(i + 1)
            && let Some(roman) = digraph(c, next)
        {
            morae.push(Mora::Syllable {
                roman,
                bare_vowel: false,
                kana: c,
            });
            i += 2;
            continue;
        }
        let mora = match c {
            'ン' => Mora::N,
            'ッ' => Mora::Sokuon { position: i },
            'ー' if i == 0 => return Err(RomajiError::LeadingChoon),
            'ー' => Mora::Choon,
            _ => match single(c) {
                Some(roman) => Mora::Syllable {
                    roman,
                    bare_vowel: matches!(c, 'ア' | 'イ' | 'ウ' | 'エ' | 'オ'),
                    kana: c,
                },
                None if is_small(c) => {
                    return Err(RomajiError::UnsupportedKana { ch: c, position: i });
                }
                None => return Err(RomajiError::NotKana { ch: c, position: i }),
            },
        };
        morae.push(mora);
        i += 1;
    }
    Ok(morae)
}

/// One piece of the spelling: fixed text, or a long-vowel site with its spellings
/// (strict first).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Fixed(&'static str),
    Choice([&'static str; 3]),
}

fn spell(morae: &[Mora]) -> Result<Vec<Segment>, RomajiError> {
    let mut out = Vec::with_capacity(morae.len() + 1);
    // The vowel a following bare vowel may lengthen, and the kana that carries it;
    // None after a lengthened vowel, so a third vowel is spelled (オオウチ → OUCHI).
    let mut previous: Option<(char, char)> = None;
    for (index, mora) in morae.iter().enumerate() {
        let next = morae.get(index + 1);
        match *mora {
            Mora::Syllable {
                roman,
                bare_vowel,
                kana,
            } => {
                let vowel = roman.chars().last().unwrap_or('A');
                let is_last = next.is_none();
                // ウエ in a name is 上 (井上 INOUE, 川上…): its ウ lengthens nothing.
                let before_e = matches!(next, Some(Mora::Syllable { kana: 'エ', .. }));
                let segment = match (bare_vowel, vowel, previous) {
                    (true, 'O', Some(('O', _))) if is_last => Segment::Fixed("O"),
                    (true, 'O', Some(('O', _))) => Segment::Choice(["", "H", "O"]),
                    (true, 'U', Some(('O', _))) if !before_e => Segment::Choice(["", "H", "U"]),
                    (true, 'U', Some(('U', carrier))) if carrier != 'ツ' => Segment::Fixed(""),
                    _ => Segment::Fixed(roman),
                };
                previous = match segment {
                    Segment::Fixed("") | Segment::Choice(_) => None,
                    _ => Some((vowel, kana)),
                };
                out.push(segment);
            }
            Mora::N => {
                let before_labial = matches!(next, Some(Mora::Syllable { roman, .. })
                    if roman.starts_with(['B', 'M', 'P']));
                out.push(Segment::Fixed(if before_labial { "M" } else { "N" }));
                previous = None;
            }
            Mora::Sokuon { position } => {
                let doubled = match next {
                    Some(Mora::Syllable {
                        roman,
                        bare_vowel: false,
                        ..
                    }) if roman.starts_with("CH") => "T",
                    Some(Mora::Syllable {
                        roman,
                        bare_vowel: false,
                        ..
                    }) => first_letter(roman),
                    _ => return Err(RomajiError::DanglingSokuon { position }),
                };
                out.push(Segment::Fixed(doubled));
                previous = None;
            }
            Mora::Choon => {
                out.push(Segment::Fixed(""));
                previous = None;
            }
        }
    }
    Ok(out)
}

fn first_letter(roman: &'static str) -> &'static str {
    roman.get(..1).unwrap_or("")
}

/// All spellings, ordered: strict, all `H`, all as written, then the mixed ones.
fn expand(segments: &[Segment]) -> Vec<String> {
    let sites = segments
        .iter()
        .filter(|s| matches!(s, Segment::Choice(_)))
        .count();
    let render = |choice_of: &dyn Fn(usize) -> usize| {
        let mut text = String::new();
        let mut site = 0;
        for segment in segments {
            match segment {
                Segment::Fixed(s) => text.push_str(s),
                Segment::Choice(options) => {
                    text.push_str(options.get(choice_of(site)).copied().unwrap_or(""));
                    site += 1;
                }
            }
        }
        text
    };
    let mut out: Vec<String> = Vec::new();
    let mut push = |candidate: String| {
        if out.len() < MAX_CANDIDATES && !out.contains(&candidate) {
            out.push(candidate);
        }
    };
    for uniform in 0..3 {
        push(render(&|_| uniform));
    }
    // Mixed spellings: count through base 3 over the sites (capped, so a long name
    // never explodes).
    let combinations = 3usize.saturating_pow(u32::try_from(sites.min(6)).unwrap_or(6));
    for n in 0..combinations {
        push(render(&|site| {
            n / 3usize.saturating_pow(u32::try_from(site).unwrap_or(0)) % 3
        }));
    }
    out
}

fn is_small(c: char) -> bool {
    matches!(
        c,
        'ァ' | 'ィ' | 'ゥ' | 'ェ' | 'ォ' | 'ャ' | 'ュ' | 'ョ' | 'ヮ' | 'ヵ' | 'ヶ'
    )
}

/// Two-kana syllables of the passport table (拗音) and the few foreign-sound ones it
/// lists (シェ, ジェ, チェ, ヴァ…).
fn digraph(c: char, small: char) -> Option<&'static str> {
    let row: [&'static str; 3] = match c {
        'キ' => ["KYA", "KYU", "KYO"],
        'シ' => ["SHA", "SHU", "SHO"],
        'チ' => ["CHA", "CHU", "CHO"],
        'ニ' => ["NYA", "NYU", "NYO"],
        'ヒ' => ["HYA", "HYU", "HYO"],
        'ミ' => ["MYA", "MYU", "MYO"],
        'リ' => ["RYA", "RYU", "RYO"],
        'ギ' => ["GYA", "GYU", "GYO"],
        'ジ' | 'ヂ' => ["JA", "JU", "JO"],
        'ビ' => ["BYA", "BYU", "BYO"],
        'ピ' => ["PYA", "PYU", "PYO"],
        _ => ["", "", ""],
    };
    let yoon = match small {
        'ャ' => row.first(),
        'ュ' => row.get(1),
        'ョ' => row.get(2),
        _ => None,
    };
    if let Some(roman) = yoon.filter(|r| !r.is_empty()) {
        return Some(roman);
    }
    match (c, small) {
        ('シ', 'ェ') => Some("SHE"),
        ('ジ', 'ェ') => Some("JE"),
        ('チ', 'ェ') => Some("CHE"),
        ('ヴ', 'ァ') => Some("BA"),
        ('ヴ', 'ィ') => Some("BI"),
        ('ヴ', 'ェ') => Some("BE"),
        ('ヴ', 'ォ') => Some("BO"),
        _ => None,
    }
}

fn single(c: char) -> Option<&'static str> {
    Some(match c {
        'ア' => "A",
        'イ' => "I",
        'ウ' => "U",
        'エ' => "E",
        'オ' => "O",
        'カ' => "KA",
        'キ' => "KI",
        'ク' => "KU",
        'ケ' => "KE",
        'コ' => "KO",
        'サ' => "SA",
        'シ' => "SHI",
        'ス' => "SU",
        'セ' => "SE",
        'ソ' => "SO",
        'タ' => "TA",
        'チ' => "CHI",
        'ツ' => "TSU",
        'テ' => "TE",
        'ト' => "TO",
        'ナ' => "NA",
        'ニ' => "NI",
        'ヌ' => "NU",
        'ネ' => "NE",
        'ノ' => "NO",
        'ハ' => "HA",
        'ヒ' => "HI",
        'フ' => "FU",
        'ヘ' => "HE",
        'ホ' => "HO",
        'マ' => "MA",
        'ミ' => "MI",
        'ム' => "MU",
        'メ' => "ME",
        'モ' => "MO",
        'ヤ' => "YA",
        'ユ' => "YU",
        'ヨ' => "YO",
        'ラ' => "RA",
        'リ' => "RI",
        'ル' => "RU",
        'レ' => "RE",
        'ロ' => "RO",
        'ワ' => "WA",
        'ヰ' => "I",
        'ヱ' => "E",
        'ヲ' => "O",
        'ガ' => "GA",
        'ギ' => "GI",
        'グ' => "GU",
        'ゲ' => "GE",
        'ゴ' => "GO",
        'ザ' => "ZA",
        'ジ' => "JI",
        'ズ' => "ZU",
        'ゼ' => "ZE",
        'ゾ' => "ZO",
        'ダ' => "DA",
        'ヂ' => "JI",
        'ヅ' => "ZU",
        'デ' => "DE",
        'ド' => "DO",
        'バ' => "BA",
        'ビ' => "BI",
        'ブ' => "BU",
        'ベ' => "BE",
        'ボ' => "BO",
        'パ' => "PA",
        'ピ' => "PI",
        'プ' => "PU",
        'ペ' => "PE",
        'ポ' => "PO",
        'ヴ' => "BU",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict(name: &str) -> String {
        hepburn_candidates(name).unwrap().remove(0)
    }

    #[test]
    fn n_becomes_m_before_b_m_p_only() {
        assert_eq!(strict("ナンバ"), "NAMBA");
        assert_eq!(strict("ホンマ"), "HOMMA");
        assert_eq!(strict("サンペイ"), "SAMPEI");
        assert_eq!(strict("ホンダ"), "HONDA");
        assert_eq!(strict("シンイチ"), "SHINICHI");
        assert_eq!(strict("ケン"), "KEN");
    }

    #[test]
    fn sokuon_doubles_and_uses_t_before_ch() {
        assert_eq!(strict("ハットリ"), "HATTORI");
        assert_eq!(strict("ホッチ"), "HOTCHI");
        assert_eq!(strict("ハッチョウ"), "HATCHO");
        assert_eq!(strict("キッカワ"), "KIKKAWA");
        assert_eq!(
            hepburn_candidates("ハッ"),
            Err(RomajiError::DanglingSokuon { position: 1 })
        );
        assert_eq!(
            hepburn_candidates("ハッア"),
            Err(RomajiError::DanglingSokuon { position: 1 })
        );
    }

    #[test]
    fn long_vowels_are_not_written() {
        assert_eq!(strict("オオタニ"), "OTANI");
        assert_eq!(strict("サイトウ"), "SAITO");
        assert_eq!(strict("ユウカ"), "YUKA");
        assert_eq!(strict("サトー"), "SATO");
        assert_eq!(strict("リュウジ"), "RYUJI");
    }

    #[test]
    fn name_final_oo_is_oo() {
        assert_eq!(hepburn_candidates("セノオ").unwrap(), ["SENOO"]);
        assert_eq!(strict("ヨコオ"), "YOKOO");
    }

    #[test]
    fn vowel_pairs_that_are_not_long_stay() {
        assert_eq!(strict("マツウラ"), "MATSUURA");
        assert_eq!(strict("ニイガタ"), "NIIGATA");
        assert_eq!(strict("ケイコ"), "KEIKO");
        assert_eq!(strict("オオウチ"), "OUCHI");
        assert_eq!(strict("オオオカ"), "OOKA");
        assert_eq!(hepburn_candidates("イノウエ").unwrap(), ["INOUE"]);
    }

    #[test]
    fn oo_and_ou_offer_oh_and_spelled_variants() {
        assert_eq!(
            hepburn_candidates("オオノ").unwrap(),
            ["ONO", "OHNO", "OONO"]
        );
        assert_eq!(
            hepburn_candidates("カトウ").unwrap(),
            ["KATO", "KATOH", "KATOU"]
        );
        let two = hepburn_candidates("コウヨウ").unwrap();
        assert_eq!(two.first().unwrap(), "KOYO");
        assert_eq!(two.get(1).unwrap(), "KOHYOH");
        assert_eq!(two.get(2).unwrap(), "KOUYOU");
        assert_eq!(two.len(), 9);
        assert!(two.contains(&"KOHYOU".to_owned()));
    }

    #[test]
    fn special_kana() {
        assert_eq!(strict("ツヅキ"), "TSUZUKI");
        assert_eq!(strict("チヂワ"), "CHIJIWA");
        assert_eq!(strict("ヲノ"), "ONO");
        assert_eq!(strict("ヂュン"), "JUN");
    }

    #[test]
    fn hiragana_and_half_width_are_accepted() {
        assert_eq!(strict("やまだ"), "YAMADA");
        assert_eq!(strict("ﾔﾏﾀﾞ"), "YAMADA");
    }

    #[test]
    fn refuses_what_is_not_kana() {
        assert_eq!(hepburn_candidates(""), Err(RomajiError::Empty));
        assert_eq!(hepburn_candidates("ー"), Err(RomajiError::LeadingChoon));
        assert_eq!(
            hepburn_candidates("山田"),
            Err(RomajiError::NotKana {
                ch: '山',
                position: 0
            })
        );
        assert_eq!(
            hepburn_candidates("ァ"),
            Err(RomajiError::UnsupportedKana {
                ch: 'ァ',
                position: 0
            })
        );
    }

    #[test]
    fn manual_entry_letter_case() {
        assert!(NamePart::Surname.accepts("YAMADA"));
        assert!(!NamePart::Surname.accepts("Yamada"));
        assert!(!NamePart::Surname.accepts(""));
        assert!(!NamePart::Surname.accepts("YAMA DA"));
        assert!(NamePart::GivenName.accepts("Hanako"));
        assert!(!NamePart::GivenName.accepts("HANAKO"));
        assert!(!NamePart::GivenName.accepts("hanako"));
        assert!(!NamePart::GivenName.accepts("H"));
        assert_eq!(NamePart::GivenName.apply_case("HANAKO"), "Hanako");
    }
}
