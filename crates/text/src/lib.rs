//! Script-aware text handling for names.
//!
//! This crate grows into the normalisation and transliteration layer used by
//! screening. For list ingestion it answers two questions: which writing
//! system a name is in, and what the name looks like with its whitespace and
//! invisible characters cleaned up.

use kansa_model::Script;

pub mod hangul;
pub mod kana;
pub mod name;
pub mod readings;

pub use name::{analyze, NameForm, Token, TokenKind, Variant};
pub use readings::Readings;

/// The script of a single character, or `None` for characters that belong
/// to no script (digits, punctuation, spaces, marks).
pub fn char_script(c: char) -> Option<Script> {
    let u = c as u32;
    Some(match u {
        0x41..=0x5A | 0x61..=0x7A | 0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0x24F | 0x1E00..=0x1EFF => {
            Script::Latin
        }
        0xFF21..=0xFF3A | 0xFF41..=0xFF5A => Script::Latin, // full-width Latin
        0x370..=0x3FF | 0x1F00..=0x1FFF => Script::Greek,
        0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
        0x530..=0x58F => Script::Armenian,
        0x590..=0x5FF => Script::Hebrew,
        0x600..=0x6FF | 0x750..=0x77F | 0x8A0..=0x8FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => {
            Script::Arabic
        }
        0x900..=0x97F => Script::Devanagari,
        0xE00..=0xE7F => Script::Thai,
        0x10A0..=0x10FF => Script::Georgian,
        0x1100..=0x11FF | 0x3130..=0x318F | 0xA960..=0xA97F | 0xAC00..=0xD7AF | 0xD7B0..=0xD7FF => {
            Script::Hangul
        }
        0x3040..=0x309F | 0x30A0..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => Script::Kana,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F => Script::Han,
        _ => return None,
    })
}

/// The dominant script of a string. Japanese text mixing kana and kanji is
/// `Kana` (kana only occur in Japanese); otherwise the script with the most
/// letters wins, and a string without letters is `Other`.
pub fn detect_script(s: &str) -> Script {
    let mut counts = [0usize; 13];
    let order = [
        Script::Latin,
        Script::Cyrillic,
        Script::Greek,
        Script::Arabic,
        Script::Hebrew,
        Script::Han,
        Script::Kana,
        Script::Hangul,
        Script::Thai,
        Script::Devanagari,
        Script::Georgian,
        Script::Armenian,
        Script::Other,
    ];
    for c in s.chars() {
        if let Some(sc) = char_script(c) {
            if let Some(i) = order.iter().position(|o| *o == sc) {
                counts[i] += 1;
            }
        }
    }
    let kana = counts[6];
    if kana > 0 {
        return Script::Kana;
    }
    let (best, n) = counts
        .iter()
        .enumerate()
        .max_by_key(|(i, n)| (**n, std::cmp::Reverse(*i)))
        .map(|(i, n)| (i, *n))
        .unwrap_or((12, 0));
    if n == 0 {
        Script::Other
    } else {
        order[best]
    }
}

/// Collapses runs of whitespace (including no-break and ideographic spaces)
/// to one ASCII space, drops control and zero-width characters, and trims.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if c.is_control() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{FEFF}' | '\u{2060}') {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// `clean`, returning `None` for an empty result.
pub fn clean_opt(s: &str) -> Option<String> {
    let c = clean(s);
    (!c.is_empty()).then_some(c)
}

/// Words that mark a name as an organisation's: legal forms and the
/// nouns companies name themselves with. Compared upper-case, without dots.
const ORG_WORDS: &[&str] = &[
    "LTD",
    "LIMITED",
    "LLC",
    "INC",
    "INCORPORATED",
    "CORP",
    "CORPORATION",
    "CO",
    "COMPANY",
    "GMBH",
    "AG",
    "SA",
    "SAS",
    "SARL",
    "SRL",
    "SPA",
    "BV",
    "NV",
    "PLC",
    "LLP",
    "LP",
    "JSC",
    "OJSC",
    "CJSC",
    "PJSC",
    "OOO",
    "ООО",
    "АО",
    "ПАО",
    "ЗАО",
    "PTE",
    "PVT",
    "PTY",
    "FZE",
    "FZCO",
    "FZC",
    "BHD",
    "KG",
    "OY",
    "AB",
    "AS",
    "KFT",
    "DOO",
    "SDN",
    "EST",
    "WLL",
    "AIRLINES",
    "AIRLINE",
    "AIRWAYS",
    "AVIATION",
    "TRADING",
    "INDUSTRIES",
    "INDUSTRIAL",
    "ENTERPRISE",
    "ENTERPRISES",
    "GROUP",
    "HOLDING",
    "HOLDINGS",
    "INTERNATIONAL",
    "TECHNOLOGY",
    "TECHNOLOGIES",
    "ELECTRONICS",
    "SYSTEMS",
    "SERVICES",
    "BANK",
    "SHIPPING",
    "LOGISTICS",
    "IMPORT",
    "EXPORT",
    "FOUNDATION",
    "INSTITUTE",
    "UNIVERSITY",
    "MINISTRY",
    "ORGANIZATION",
    "ORGANISATION",
    "ASSOCIATION",
    "CENTER",
    "CENTRE",
];

/// Organisation markers written without spaces (Japanese, Chinese, Korean).
const ORG_AFFIXES: &[&str] = &[
    "株式会社",
    "有限会社",
    "合同会社",
    "有限公司",
    "股份",
    "集团",
    "주식회사",
];

/// Whether a name carries a legal form or another mark of an organisation
/// ("ACME TRADING CO., LTD.", "ООО Ромашка", "株式会社ヤマダ").
pub fn looks_like_organization(name: &str) -> bool {
    if ORG_AFFIXES.iter().any(|a| name.contains(a)) {
        return true;
    }
    name.split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .map(|w| w.replace('.', "").to_uppercase())
        .any(|w| ORG_WORDS.contains(&w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_of_real_names() {
        assert_eq!(detect_script("KIM Jong Un"), Script::Latin);
        assert_eq!(detect_script("Ким Чен Ын"), Script::Cyrillic);
        assert_eq!(detect_script("김정은"), Script::Hangul);
        assert_eq!(detect_script("金正恩"), Script::Han);
        assert_eq!(detect_script("高橋 タロウ"), Script::Kana);
        assert_eq!(detect_script("صدام حسين التكريتي"), Script::Arabic);
        assert_eq!(detect_script("12-34"), Script::Other);
    }

    #[test]
    fn organisation_names() {
        for n in [
            "ACME TRADING CO., LTD.",
            "ООО Ромашка",
            "株式会社ヤマダ",
            "Gulf Eagle Industrial and Metal Profiles (GEIMP)",
            "S.A. Belgian",
        ] {
            assert!(looks_like_organization(n), "{n}");
        }
        for n in [
            "AIMAN AMMAR",
            "ALEX WU",
            "Kim Jong Un",
            "山田太郎",
            "COLIN AGNEW",
        ] {
            assert!(!looks_like_organization(n), "{n}");
        }
    }

    #[test]
    fn cleaning_collapses_whitespace_and_drops_invisibles() {
        assert_eq!(clean("  ERIC \u{00A0}\n BADEGE\u{200B} "), "ERIC BADEGE");
        assert_eq!(clean("山田\u{3000}太郎"), "山田 太郎");
        assert_eq!(clean_opt(" \t "), None);
    }
}
