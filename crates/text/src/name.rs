//! Names to comparable forms. A name becomes one or more *variants* (the
//! spellings it may have in Latin letters: Revised Romanization and DPRK
//! style for Hangul, Japanese and Korean readings and pinyin for Han,
//! Hepburn with and without long vowels for kana, the transliteration of
//! every other script), and each variant a list of classified tokens with
//! three keys:
//!
//! - `text`: the folded Latin token (lower-case ASCII letters and digits);
//!   folding happens after transliteration, never before (NFKD on だ would
//!   give た);
//! - `phon`: spelling variants collapsed (w/v, ph/f, kh/h, y/i, doubled
//!   letters, a final h), so that Lavrov ≈ Lavrow and Mukhammad ≈ Muhammad;
//! - `skel`: a consonant-class skeleton (vowels dropped; b/p/f/v, t/d, k/g/q,
//!   s/z/sh/ch/j, l/r merged) for comparing names that crossed scripts,
//!   where vowels and voicing are the first things lost (محمد ≈ Mohammed,
//!   Ким Чен Ын ≈ Kim Jong Un).

use crate::readings::Readings;
use crate::{detect_script, hangul, kana};
use kansa_model::Script;
use unicode_normalization::UnicodeNormalization;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Word,
    /// A single letter, as in "V. Putin".
    Initial,
    /// Articles and patronymic links: al, bin, van, de...
    Particle,
    /// A legal form, canonicalised: llc, ltd, jsc, kk...
    LegalForm,
    /// A number, written in digits ("first" and "1st" are both "1").
    Number,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub phon: String,
    pub skel: String,
    pub kind: TokenKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub tokens: Vec<Token>,
    /// The variant was transliterated from a script other than Latin.
    pub transliterated: bool,
}

/// A name prepared for comparison.
#[derive(Debug, Clone)]
pub struct NameForm {
    pub original: String,
    pub script: Script,
    pub variants: Vec<Variant>,
}

impl NameForm {
    /// True when no variant has any token (empty or punctuation-only names).
    pub fn is_empty(&self) -> bool {
        self.variants.iter().all(|v| v.tokens.is_empty())
    }
}

/// Honorifics and titles in the languages lists and customers use; dropped.
const TITLES: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mister",
    "dr",
    "prof",
    "professor",
    "sir",
    "lord",
    "lady",
    "sheikh",
    "shaykh",
    "sheik",
    "shaikh",
    "haji",
    "hajji",
    "hadji",
    "general",
    "gen",
    "colonel",
    "col",
    "lieutenant",
    "lt",
    "captain",
    "capt",
    "admiral",
    "president",
    "presidente",
    "prasident",
    "praesident",
    "prezident",
    "predsjednik",
    "presedintele",
    "presiden",
    "elnok",
    "prezydent",
    "presidentti",
    "presidenten",
    "prezidan",
    "minister",
    "chairman",
    "senator",
    "governor",
    "mayor",
    "herr",
    "frau",
    "monsieur",
    "madame",
    "mme",
    "mlle",
    "senor",
    "senora",
    "sri",
    "shri",
    "smt",
    "hon",
    "honorable",
    "honourable",
    "excellency",
    "he",
    "ayatollah",
    "mullah",
    "maulana",
    "mawlana",
    "san",
    "sama",
    "sensei",
    "kun",
    "shi",
    "ssi",
    "nim",
    "gospodin",
    "tovarishch",
];

const PARTICLES: &[&str] = &[
    "al", "el", "ul", "ud", "ad", "ar", "as", "at", "az", "an", "bin", "ibn", "bint", "binti",
    "van", "von", "der", "den", "de", "da", "das", "dos", "del", "della", "di", "du", "la", "le",
    "lo", "of", "the", "and", "y", "e", "und", "et",
];

/// Legal forms: (written forms after folding, canonical token).
const LEGAL_FORMS: &[(&[&str], &str)] = &[
    (
        &["llc", "limited liability company", "ooo", "tov", "sp z oo"],
        "llc",
    ),
    (
        &[
            "ltd",
            "limited",
            "co ltd",
            "company limited",
            "pty ltd",
            "pte ltd",
            "pvt ltd",
            "yugen kaisha",
        ],
        "ltd",
    ),
    (&["inc", "incorporated"], "inc"),
    (&["corp", "corporation"], "corp"),
    (&["co", "company"], "co"),
    (
        &[
            "jsc",
            "joint stock company",
            "ao",
            "zao",
            "cjsc",
            "oao",
            "ojsc",
            "pao",
            "pjsc",
            "closed joint stock company",
            "open joint stock company",
            "public joint stock company",
        ],
        "jsc",
    ),
    (&["plc", "public limited company"], "plc"),
    (&["gmbh"], "gmbh"),
    (&["ag"], "ag"),
    (
        &["sa", "sas", "sarl", "sociedad anonima", "societe anonyme"],
        "sa",
    ),
    (
        &[
            "srl",
            "spa",
            "sapi",
            "sa de cv",
            "s de rl de cv",
            "sa de cv",
        ],
        "srl",
    ),
    (&["bv", "nv"], "bv"),
    (&["llp", "lp"], "lp"),
    (&["pte", "pvt", "pty"], "pte"),
    (&["fze", "fzco", "fzc", "fz llc"], "fze"),
    (&["kk", "kabushiki kaisha", "kabushikigaisha"], "kk"),
    (&["sdn bhd", "bhd"], "bhd"),
];

/// Non-Latin legal forms, replaced before transliteration.
const SCRIPT_LEGAL_FORMS: &[(&str, &str)] = &[
    ("株式会社", " kk "),
    ("有限会社", " ltd "),
    ("合同会社", " llc "),
    ("有限责任公司", " llc "),
    ("有限公司", " ltd "),
    ("股份公司", " jsc "),
    ("주식회사", " kk "),
    ("유한회사", " ltd "),
    ("ООО", " llc "),
    ("ОАО", " jsc "),
    ("ЗАО", " jsc "),
    ("ПАО", " jsc "),
    ("АО", " jsc "),
];

const NUMBERS: &[(&str, &str)] = &[
    ("zero", "0"),
    ("one", "1"),
    ("first", "1"),
    ("1st", "1"),
    ("two", "2"),
    ("second", "2"),
    ("2nd", "2"),
    ("three", "3"),
    ("third", "3"),
    ("3rd", "3"),
    ("four", "4"),
    ("fourth", "4"),
    ("4th", "4"),
    ("five", "5"),
    ("fifth", "5"),
    ("5th", "5"),
    ("six", "6"),
    ("sixth", "6"),
    ("6th", "6"),
    ("seven", "7"),
    ("seventh", "7"),
    ("7th", "7"),
    ("eight", "8"),
    ("eighth", "8"),
    ("8th", "8"),
    ("nine", "9"),
    ("ninth", "9"),
    ("9th", "9"),
    ("ten", "10"),
    ("tenth", "10"),
    ("10th", "10"),
    ("eleven", "11"),
    ("twelve", "12"),
    ("twenty", "20"),
    ("hundred", "100"),
    ("thousand", "1000"),
];

/// Folds a transliterated string to lower-case ASCII (diacritics dropped,
/// ß → ss, æ → ae, ø → o, ł → l); other characters become spaces.
pub fn fold_latin(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfkd() {
        match c {
            'a'..='z' | '0'..='9' => out.push(c),
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            '\'' | '’' | '`' | 'ʻ' | 'ʼ' | '´' => {}
            c if unicode_normalization::char::is_combining_mark(c) => {}
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' | 'ð' => out.push('d'),
            'þ' => out.push_str("th"),
            'ı' => out.push('i'),
            _ => out.push(' '),
        }
    }
    out
}

/// Spelling-variant key (see the module documentation).
pub fn phon(t: &str) -> String {
    if t.chars().all(|c| c.is_ascii_digit()) {
        return t.to_string();
    }
    let mut s = t.to_string();
    for (a, b) in [
        ("tsch", "ch"),
        ("sch", "sh"),
        ("tch", "ch"),
        ("dzh", "j"),
        ("zh", "j"),
        ("ph", "f"),
        ("kh", "h"),
        ("gh", "g"),
        ("ck", "k"),
        ("th", "t"),
        ("dh", "d"),
        ("ou", "u"),
        ("ee", "i"),
        ("oo", "u"),
        ("q", "k"),
        ("w", "v"),
        ("y", "i"),
        ("x", "ks"),
        ("cz", "ch"),
        ("sz", "sh"),
    ] {
        if s.contains(a) {
            s = s.replace(a, b);
        }
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if out.ends_with(c) {
            continue;
        }
        out.push(c);
    }
    if out.len() > 3 && out.ends_with('h') {
        out.pop();
    }
    out
}

/// Consonant-class skeleton (see the module documentation).
pub fn skel(t: &str) -> String {
    if t.chars().all(|c| c.is_ascii_digit()) {
        return t.to_string();
    }
    let mut s = t.to_string();
    for (a, b) in [
        ("ng", "n"),
        ("ch", "s"),
        ("sh", "s"),
        ("zh", "s"),
        ("ts", "s"),
        ("th", "t"),
        ("dh", "t"),
        ("kh", "k"),
        ("gh", "k"),
        ("ph", "b"),
    ] {
        if s.contains(a) {
            s = s.replace(a, b);
        }
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let m = match c {
            'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'w' | 'h' => continue,
            'b' | 'p' | 'f' | 'v' => 'b',
            't' | 'd' => 't',
            'k' | 'g' | 'q' | 'c' | 'x' => 'k',
            's' | 'z' | 'j' => 's',
            'l' | 'r' => 'r',
            other => other,
        };
        if !out.ends_with(m) {
            out.push(m);
        }
    }
    out
}

fn make_token(text: &str, kind: TokenKind) -> Token {
    Token {
        phon: phon(text),
        skel: skel(text),
        text: text.to_string(),
        kind,
    }
}

/// Splits folded text into classified tokens: titles dropped, legal forms
/// and numbers canonicalised, Arabic "abdul"/"abdel" split into abd + al.
pub fn tokenize(folded: &str) -> Vec<Token> {
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        // Multi-word legal forms first (longest match).
        let mut matched = None;
        for n in (1..=4).rev() {
            if i + n > words.len() {
                continue;
            }
            let phrase = words[i..i + n].join(" ");
            if let Some((_, canon)) = LEGAL_FORMS
                .iter()
                .find(|(forms, _)| forms.contains(&phrase.as_str()))
            {
                // A one-word form such as "co" or "sa" only counts after a name word.
                if n > 1 || !out.is_empty() {
                    matched = Some((n, *canon));
                    break;
                }
            }
        }
        if let Some((n, canon)) = matched {
            out.push(make_token(canon, TokenKind::LegalForm));
            i += n;
            continue;
        }
        let w = words[i];
        i += 1;
        if TITLES.contains(&w) && words.len() > 1 {
            continue;
        }
        if let Some((_, d)) = NUMBERS.iter().find(|(k, _)| *k == w) {
            out.push(make_token(d, TokenKind::Number));
            continue;
        }
        if w.chars().all(|c| c.is_ascii_digit()) {
            out.push(make_token(
                w.trim_start_matches('0').max("0"),
                TokenKind::Number,
            ));
            continue;
        }
        if let Some(rest) = ["abdul", "abdel", "abdal", "abdol", "abdur", "abdar"]
            .iter()
            .find_map(|p| w.strip_prefix(p).filter(|r| r.len() >= 3))
        {
            out.push(make_token("abd", TokenKind::Word));
            out.push(make_token("al", TokenKind::Particle));
            out.push(make_token(rest, TokenKind::Word));
            continue;
        }
        let kind = if w.len() == 1 && w.chars().all(|c| c.is_ascii_alphabetic()) {
            TokenKind::Initial
        } else if PARTICLES.contains(&w) && words.len() > 1 {
            TokenKind::Particle
        } else {
            TokenKind::Word
        };
        out.push(make_token(w, kind));
    }
    out
}

fn variant(tokens: Vec<Token>, transliterated: bool) -> Variant {
    Variant {
        tokens,
        transliterated,
    }
}

/// Splits pinyin as any_ascii writes it ("XiJinPing") into syllables.
fn pinyin_syllables(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in s.chars() {
        if c.is_ascii_uppercase() || out.is_empty() {
            out.push(String::new());
        }
        if let Some(last) = out.last_mut() {
            if c.is_ascii_alphanumeric() {
                last.push(c.to_ascii_lowercase());
            }
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F | 0x3005)
}

fn tokens_of_words(words: &[String]) -> Vec<Token> {
    tokenize(&fold_latin(&words.join(" ")))
}

/// Prepares a name for comparison. `readings` supplies Japanese and Korean
/// readings of Han characters (an empty `Readings` gives pinyin only).
pub fn analyze(name: &str, readings: &Readings) -> NameForm {
    let mut s: String = crate::clean(name).nfkc().collect();
    for (form, repl) in SCRIPT_LEGAL_FORMS {
        if s.contains(form) {
            s = s.replace(form, repl);
        }
    }
    let script = detect_script(&s);
    let mut variants: Vec<Variant> = Vec::new();
    let mut push = |v: Variant| {
        if !v.tokens.is_empty() && !variants.iter().any(|x: &Variant| x.tokens == v.tokens) {
            variants.push(v);
        }
    };
    let has_hangul = s.chars().any(hangul::is_hangul_syllable);
    let has_kana = s.chars().any(|c| kana::is_kana(c) && c != 'ー');
    let has_han = s.chars().any(is_han);
    if has_hangul {
        for words in hangul::romanize(&s) {
            push(variant(tokens_of_words(&words), true));
        }
    } else if has_kana || (has_han && !readings.is_empty() && !readings.japanese(&s, 1).is_empty())
    {
        // Japanese: kana by Hepburn; kanji parts by their name readings.
        let parts: Vec<&str> = s
            .split_whitespace()
            .flat_map(|p| p.split('・'))
            .filter(|p| !p.is_empty())
            .collect();
        let mut combos: Vec<Vec<String>> = vec![Vec::new()];
        let whole_kanji = !has_kana && parts.len() <= 2;
        if whole_kanji {
            let mut v = Vec::new();
            for reading in readings.japanese(&s, 3) {
                v.push(reading.iter().map(|k| kana::to_romaji(k)).collect());
            }
            combos = v;
        } else {
            for (pi, p) in parts.iter().enumerate() {
                let options: Vec<String> = if p.chars().any(is_han) {
                    let mut o: Vec<String> = Vec::new();
                    let dict = if pi == 0 {
                        readings.japanese(&format!("{p} 太"), 2)
                    } else {
                        Vec::new()
                    };
                    for r in dict.iter().filter_map(|r| r.first()) {
                        o.push(kana::to_romaji(r));
                    }
                    for r in readings.japanese(p, 2).iter().flat_map(|r| r.iter()) {
                        o.push(kana::to_romaji(r));
                    }
                    if o.is_empty() {
                        o.push(pinyin_syllables(&any_ascii::any_ascii(p)).concat());
                    }
                    o
                } else {
                    vec![kana::to_romaji(p)]
                };
                let mut next = Vec::new();
                for c in &combos {
                    for o in options.iter().take(2) {
                        let mut c2 = c.clone();
                        c2.push(o.clone());
                        next.push(c2);
                    }
                }
                combos = next;
            }
        }
        for words in combos {
            push(variant(tokens_of_words(&words), true));
            // Passport spelling: long vowels dropped (SATO, ONO, OTANI).
            let short: Vec<String> = words.iter().map(|w| drop_long_vowels(w)).collect();
            push(variant(tokens_of_words(&short), true));
        }
        if has_han {
            push(variant(han_pinyin(&s), true));
        }
    } else if has_han {
        push(variant(han_pinyin(&s), true));
        // Korean reading of the same characters (金正恩 → 김정은 → Kim Jong Un).
        if let Some(k) = readings.korean(&s) {
            for words in hangul::romanize(&k).into_iter().take(6) {
                push(variant(tokens_of_words(&words), true));
            }
        }
    } else {
        let latin = matches!(script, Script::Latin | Script::Other);
        let ascii = any_ascii::any_ascii(&s);
        push(variant(tokenize(&fold_latin(&ascii)), !latin));
    }
    NameForm {
        original: name.to_string(),
        script,
        variants,
    }
}

fn han_pinyin(s: &str) -> Vec<Token> {
    // Chinese names: family syllable, then the given name joined (Xi Jinping).
    let mut words: Vec<String> = Vec::new();
    for part in s.split(|c: char| c.is_whitespace() || c == '·' || c == '・' || c == '-') {
        if part.is_empty() {
            continue;
        }
        let syl = pinyin_syllables(&any_ascii::any_ascii(part));
        if syl.is_empty() {
            continue;
        }
        if words.is_empty() && syl.len() >= 2 && syl.len() <= 3 {
            words.push(syl[0].clone());
            words.push(syl[1..].concat());
        } else {
            words.push(syl.concat());
        }
    }
    tokens_of_words(&words)
}

/// ou/uu/oo/aa/ii/ee → one vowel, as Japanese passports write names.
pub fn drop_long_vowels(w: &str) -> String {
    let mut s = w.to_string();
    for (a, b) in [
        ("ou", "o"),
        ("oo", "o"),
        ("uu", "u"),
        ("aa", "a"),
        ("ii", "i"),
        ("ee", "e"),
    ] {
        s = s.replace(a, b);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(f: &NameForm) -> Vec<String> {
        f.variants
            .iter()
            .map(|v| {
                v.tokens
                    .iter()
                    .map(|t| t.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn scripts_to_tokens() {
        let r = Readings::default();
        assert_eq!(
            texts(&analyze("PUTIN, Vladimir Vladimirovich", &r)),
            vec!["putin vladimir vladimirovich"]
        );
        assert_eq!(
            texts(&analyze("Владимир Путин", &r)),
            vec!["vladimir putin"]
        );
        assert_eq!(texts(&analyze("Präsident Putin", &r)), vec!["putin"]);
        assert!(texts(&analyze("김정은", &r)).contains(&"kim jong un".to_string()));
        assert!(texts(&analyze("タカハシ タロウ", &r)).contains(&"takahashi taro".to_string()));
        assert!(texts(&analyze("タカハシ タロウ", &r)).contains(&"takahashi tarou".to_string()));
        assert_eq!(texts(&analyze("习近平", &r)), vec!["xi jinping"]);
        assert_eq!(texts(&analyze("ООО Ромашка", &r)), vec!["llc romashka"]);
        assert_eq!(
            texts(&analyze("ACME Trading Co., Ltd.", &r)),
            vec!["acme trading ltd"]
        );
        assert_eq!(
            texts(&analyze("Abdulaziz al-Saud", &r)),
            vec!["abd al aziz al saud"]
        );
        assert_eq!(
            texts(&analyze("Louis XIV the First", &r)),
            vec!["louis xiv the 1"]
        );
        assert!(analyze("  ,.;  ", &r).is_empty());
    }

    #[test]
    fn keys() {
        assert_eq!(phon("lavrow"), phon("lavrov"));
        assert_eq!(phon("mukhammad"), phon("muhamad"));
        assert_eq!(phon("dmitriy"), "dmitri");
        assert_eq!(skel("mohammed"), skel("mhmd"));
        assert_eq!(skel("putin"), skel("bwtyn"));
        assert_eq!(skel("jong"), skel("chen"));
        assert_eq!(skel("vladimir"), skel("fldymyr"));
    }
}
