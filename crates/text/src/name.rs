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
    /// Consonants as an abjad writes them (vowels, y and w dropped; h, l
    /// and r kept apart), for comparing with Arabic or Hebrew spellings.
    pub askel: String,
    pub kind: TokenKind,
    /// Part of the family name as the list marks it ("PUTIN, Vladimir"):
    /// a name without it is not the same name.
    pub essential: bool,
    /// The word is attested as a name word of its own in a reference
    /// vocabulary (set by whoever holds one, e.g. the screening index):
    /// two such words that differ in their consonants are two names
    /// (Khalid and Khalil), not one name misspelt.
    pub known: bool,
    /// ... and borne by many (`COMMON_WORD_BEARERS` or more): alone it
    /// names nobody in particular (Hassan, Omar).
    pub common: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub tokens: Vec<Token>,
    /// The variant was transliterated from a script other than Latin.
    pub transliterated: bool,
    /// ... from a script that writes few or no vowels (Arabic, Hebrew), or
    /// transcribes foreign names by sound (Han, kana, Hangul): compare by
    /// consonant skeleton with more confidence.
    pub lossy: bool,
    /// ... from an abjad (Arabic, Hebrew): the consonants are all there is.
    pub abjad: bool,
    /// ... from Arabic letters, which write long vowels (ا a, و w, ي y) and
    /// leave short ones out: a Latin spelling has a vowel wherever this
    /// one writes one (Ahmad for أحمد, not Hammud for حمود).
    pub vowel_letters: bool,
    /// A given name is written syllable by syllable (Korean jong un): a
    /// syllable left unmatched makes another name, not an omitted word.
    pub syllables: bool,
}

/// A name prepared for comparison.
#[derive(Debug, Clone)]
pub struct NameForm {
    pub original: String,
    pub script: Script,
    pub variants: Vec<Variant>,
    /// For names not in Latin script: the tokens in their own script
    /// (lower-cased; Han, kana and Hangul one character a token). Two names
    /// in the same script are compared this way, so that 김정은 and 김종은
    /// stay apart although both romanise to Kim Jong Un.
    pub native: Option<Variant>,
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
    "honorable",
    "honourable",
    "excellency",
    "ayatollah",
    "mullah",
    "maulana",
    "mawlana",
    "sensei",
    "ssi",
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
        &[
            "llc",
            "limited liability company",
            "ooo",
            "tov",
            "sp z oo",
            "sp z o o",
            "sp zoo",
            "obshchestvo s ogranichennoy otvetstvennostyu",
        ],
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
            "aktsionernoe obshchestvo",
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
    (&["gmbh", "gesellschaft mit beschrankter haftung"], "gmbh"),
    (
        &["ag", "aktiengesellschaft", "aktiengeselschaft", "akg"],
        "ag",
    ),
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
            "societatea cu raspundere limitata",
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
    ("thirteen", "13"),
    ("fourteen", "14"),
    ("fifteen", "15"),
    ("sixteen", "16"),
    ("seventeen", "17"),
    ("eighteen", "18"),
    ("nineteen", "19"),
    ("twenty", "20"),
    ("thirty", "30"),
    ("forty", "40"),
    ("fourty", "40"),
    ("fifty", "50"),
    ("sixty", "60"),
    ("seventy", "70"),
    ("eighty", "80"),
    ("ninety", "90"),
    ("hundred", "100"),
    ("thousand", "1000"),
];

struct LegalFormTable {
    forms: std::collections::HashMap<&'static str, &'static str>,
    first_words: std::collections::HashSet<&'static str>,
}

fn legal_forms() -> &'static LegalFormTable {
    static T: std::sync::OnceLock<LegalFormTable> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let mut forms = std::collections::HashMap::new();
        let mut first_words = std::collections::HashSet::new();
        for (written, canon) in LEGAL_FORMS {
            for w in *written {
                forms.insert(*w, *canon);
                if let Some(f) = w.split(' ').next() {
                    first_words.insert(f);
                }
            }
        }
        LegalFormTable { forms, first_words }
    })
}

/// Legal forms that may open a name (OOO Romashka, OAO Gazprom); the
/// others ("co", "sa", "ag"...) are words too and count only after a name.
const LEADING_LEGAL_FORMS: &[&str] = &[
    "llc", "jsc", "ltd", "kk", "gmbh", "plc", "inc", "corp", "srl", "bhd",
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

/// Applies each (from, to) rewrite in order, copying only when one applies.
fn rewrite(t: &str, rules: &[(&str, &str)]) -> String {
    // Which ASCII characters the word holds: a rule whose pattern has one
    // the word lacks cannot apply (most do not), and is not searched.
    let letters = |s: &str| {
        s.bytes()
            .fold(0u128, |m, c| if c < 128 { m | 1 << c } else { m })
    };
    let mut s = t.to_string();
    let mut held = letters(&s);
    for (a, b) in rules {
        let needs = letters(a);
        if held & needs == needs && s.contains(a) {
            s = s.replace(a, b);
            held = letters(&s);
        }
    }
    s
}

/// Spelling-variant key (see the module documentation).
pub fn phon(t: &str) -> String {
    if t.chars().all(|c| c.is_ascii_digit()) {
        return t.to_string();
    }
    let s = rewrite(
        t,
        &[
            ("tsch", "ch"),
            ("tsj", "ch"),
            // Hungarian writes Russian ди, ти, ни as gyi, tyi, nyi
            // (Vlagyimir Putyin).
            ("gyi", "di"),
            ("tyi", "ti"),
            ("nyi", "ni"),
            ("cs", "ch"),
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
            // Ukrainian and Belarusian Volodymyr, Uladzimir for Vladimir
            // (after w is v: Wolodymyr).
            ("volod", "vlad"),
            ("uladz", "vlad"),
        ],
    );
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

/// Abjad consonant key: the token's consonants, with the
/// equivalences of Arabic romanisation only (q/k/c, g/j, v/f, p/b).
pub fn askel(t: &str) -> String {
    if t.chars().all(|c| c.is_ascii_digit()) {
        return t.to_string();
    }
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        let m = match c {
            'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'w' => continue,
            'q' | 'c' => 'k',
            'g' => 'j',
            'v' => 'f',
            'p' => 'b',
            other => other,
        };
        if !out.ends_with(m) {
            out.push(m);
        }
    }
    out
}

/// Consonant-class skeleton (see the module documentation).
pub fn skel(t: &str) -> String {
    if t.chars().all(|c| c.is_ascii_digit()) {
        return t.to_string();
    }
    let s = rewrite(
        t,
        &[
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
        ],
    );
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
        essential: false,
        known: false,
        common: false,
        phon: phon(text),
        skel: skel(text),
        askel: askel(text),
        text: text.to_string(),
        kind,
    }
}

/// Splits folded text into classified tokens: titles dropped, legal forms
/// and numbers canonicalised, Arabic "abdul"/"abdel" split into abd + al.
pub fn tokenize(folded: &str) -> Vec<Token> {
    let raw: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    // Runs of single letters are one acronym: "a b c" is abc; a legal form
    // at the end of the run stays apart ("x l p" is x + lp, "z o o" zoo).
    let mut merged: Vec<String> = Vec::with_capacity(raw.len());
    let mut acronyms: Vec<String> = Vec::new();
    let mut k = 0;
    while k < raw.len() {
        let mut j = k;
        while j < raw.len() && raw[j].len() == 1 && raw[j].chars().all(|c| c.is_ascii_alphabetic())
        {
            j += 1;
        }
        let run_is_legal = j - k >= 2
            && LEGAL_FORMS
                .iter()
                .any(|(forms, _)| forms.contains(&raw[k..j].concat().as_str()));
        if j - k >= 3 || run_is_legal {
            let run = raw[k..j].concat();
            let split = (2..=run.len()).rev().find(|n| {
                let suffix = &run[run.len() - n..];
                LEGAL_FORMS.iter().any(|(forms, _)| forms.contains(&suffix))
            });
            let (head, tail) = match split {
                Some(n) => (
                    run[..run.len() - n].to_string(),
                    Some(run[run.len() - n..].to_string()),
                ),
                None => (run, None),
            };
            if !head.is_empty() {
                if head.len() >= 2 {
                    acronyms.push(head.clone());
                }
                merged.push(head);
            }
            merged.extend(tail);
            k = j;
        } else {
            // Digits standing for letters in a word (Ig0r Sech1n).
            let w = raw[k];
            if w.chars().any(|c| c.is_ascii_alphabetic())
                && w.chars().any(|c| c.is_ascii_digit())
                && !w.ends_with("st")
                && !w.ends_with("nd")
                && !w.ends_with("rd")
                && !w.ends_with("th")
            {
                merged.push(
                    w.chars()
                        .map(|c| match c {
                            '0' => 'o',
                            '1' => 'i',
                            '3' => 'e',
                            '4' => 'a',
                            '5' => 's',
                            '7' => 't',
                            '8' => 'b',
                            '9' => 'g',
                            c => c,
                        })
                        .collect(),
                );
            } else {
                merged.push(w.to_string());
            }
            k += 1;
        }
    }
    let words: Vec<&str> = merged.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        // Multi-word legal forms first (longest match). Only words that open
        // some legal form are looked at.
        let mut matched = None;
        let lf = legal_forms();
        let max_n = if lf.first_words.contains(words[i]) {
            4
        } else {
            0
        };
        for n in (1..=max_n).rev() {
            if i + n > words.len() {
                continue;
            }
            let phrase = words[i..i + n].join(" ");
            if let Some(canon) = lf.forms.get(phrase.as_str()) {
                // A one-word form such as "co" or "sa" only counts after a name word.
                if n > 1 || !out.is_empty() || LEADING_LEGAL_FORMS.contains(canon) {
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
            // Forty-four, forty 4: tens and units make one number.
            if let Some(prev) = out
                .last_mut()
                .filter(|t: &&mut Token| t.kind == TokenKind::Number)
            {
                let (a, b): (u64, u64) = (prev.text.parse().unwrap_or(0), d.parse().unwrap_or(0));
                if a >= 20 && a % 10 == 0 && b < 10 {
                    *prev = make_token(&(a + b).to_string(), TokenKind::Number);
                    continue;
                }
            }
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
            .find_map(|p| w.strip_prefix(p).filter(|r| r.len() >= 3 || r.is_empty()))
        {
            // Abdul Rahman is Abd al-Rahman, as Abdulaziz is Abd al-Aziz.
            out.push(make_token("abd", TokenKind::Word));
            out.push(make_token("al", TokenKind::Particle));
            if !rest.is_empty() {
                out.push(make_token(rest, TokenKind::Word));
            }
            continue;
        }
        let kind = if (w.len() == 1 && w.chars().all(|c| c.is_ascii_alphabetic()))
            || acronyms.iter().any(|a| a == w)
        {
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
        lossy: transliterated,
        abjad: false,
        vowel_letters: false,
        syllables: false,
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

/// Tokens of a CJK name read as [family, given...]: the family name is
/// marked essential, as a list marks it with a comma.
fn tokens_of_words(words: &[String]) -> Vec<Token> {
    let mut t = tokenize(&fold_latin(&words.join(" ")));
    if words.len() >= 2 && t.len() >= 2 {
        if let Some(first) = t.first_mut().filter(|x| x.kind == TokenKind::Word) {
            first.essential = true;
        }
    }
    t
}

/// Prepares a name for comparison. `readings` supplies Japanese and Korean
/// readings of Han characters (an empty `Readings` gives pinyin only).
/// A name written with alternatives also gets the variants of each:
/// whole names apart (`HARAKAT UL-MUJAHIDIN / HUM`), or one word in place
/// (`LORD'S RESISTANCE MOVEMENT/ARMY` is also the movement and the army).
pub fn analyze(name: &str, readings: &Readings) -> NameForm {
    let mut form = analyze_one(name, readings);
    for part in alternatives(name) {
        for v in analyze_one(&part, readings).variants {
            if !form.variants.contains(&v) {
                form.variants.push(v);
            }
        }
    }
    form
}

/// The names a slash offers. Spaced (` / `): each side is a whole name.
/// Unspaced: the first slashed word stands for each of its alternatives in
/// the rest of the name, so `IMPORT/EXPORT CORPORATION` gives the import
/// and the export corporation, never a bare `EXPORT CORPORATION`; letters
/// joined by slashes are an abbreviation (`I/E`, `J/V`, `M/S`, `A/K/A`),
/// not alternatives.
pub fn alternatives(name: &str) -> Vec<String> {
    let letters = |p: &str| p.chars().filter(|c| c.is_alphabetic()).count();
    if name.contains(" / ") {
        return name
            .split(" / ")
            .map(str::trim)
            .filter(|p| letters(p) >= 2)
            .map(str::to_string)
            .collect();
    }
    let words: Vec<&str> = name.split_whitespace().collect();
    let Some(at) = words.iter().position(|w| w.contains('/')) else {
        return Vec::new();
    };
    let alts: Vec<&str> = words[at].split('/').filter(|a| letters(a) > 0).collect();
    if alts.len() < 2 || alts.iter().all(|a| letters(a) == 1) {
        return Vec::new();
    }
    alts.iter()
        .map(|alt| {
            let mut w = words.clone();
            w[at] = alt;
            w.join(" ")
        })
        .filter(|p| letters(p) >= 2)
        .collect()
}

fn analyze_one(name: &str, readings: &Readings) -> NameForm {
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
        for (words, split) in hangul::romanize_marked(&s) {
            let mut v = variant(tokens_of_words(&words), true);
            v.syllables = split;
            push(v);
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
        // Pinyin too, unless this is plainly a Japanese name (four or more
        // kanji that read as surname + given name).
        let han_count = s.chars().filter(|c| is_han(*c)).count();
        if has_han && (has_kana || han_count < 4 || !whole_kanji) {
            push(variant(han_pinyin(&s), true));
        }
    } else if has_han {
        push(variant(han_pinyin(&s), true));
        // Korean reading of the same characters (金正恩 → 김정은 → Kim Jong Un).
        if let Some(k) = readings.korean(&s) {
            for (words, split) in hangul::romanize_marked(&k).into_iter().take(6) {
                let mut v = variant(tokens_of_words(&words), true);
                v.syllables = split;
                push(v);
            }
        }
    } else {
        let latin = script == Script::Latin || (script == Script::Other && s.is_ascii());
        let mut ascii = if script == Script::Arabic {
            arabic_spelling(&s)
        } else {
            any_ascii::any_ascii(&s)
        };
        if script == Script::Greek {
            // ου is u; ντ and μπ spell d and b in foreign names (Βλαντίμιρ).
            ascii = greek_spelling(&ascii);
        }
        let mut v = variant(tokenize(&fold_latin(&ascii)), !latin);
        // "FAMILY, Given": the words before the one comma are the family name.
        if ascii.matches(',').count() == 1 {
            let before = ascii.split(',').next().unwrap_or("");
            let family = tokenize(&fold_latin(before));
            if !family.is_empty() && family.len() < v.tokens.len() {
                for t in v.tokens.iter_mut().take(family.len()) {
                    t.essential = t.kind == TokenKind::Word;
                }
            }
        }
        v.abjad = matches!(script, Script::Arabic | Script::Hebrew);
        v.vowel_letters = script == Script::Arabic;
        v.lossy = !latin
            && !matches!(
                script,
                Script::Cyrillic | Script::Greek | Script::Armenian | Script::Georgian
            );
        push(v);
    }
    let native = (!matches!(script, Script::Latin | Script::Other))
        .then(|| native_tokens(&s))
        .filter(|v| !v.tokens.is_empty());
    NameForm {
        original: name.to_string(),
        script,
        variants,
        native,
    }
}

fn native_tokens(s: &str) -> Variant {
    let mut tokens = Vec::new();
    for w in s.split(|c: char| !c.is_alphanumeric()) {
        if w.is_empty() {
            continue;
        }
        let lower = w.to_lowercase();
        let cjk = lower
            .chars()
            .all(|c| is_han(c) || kana::is_kana(c) || hangul::is_hangul_syllable(c));
        if cjk {
            for c in lower.chars() {
                let t = c.to_string();
                tokens.push(Token {
                    essential: false,
                    known: false,
                    common: false,
                    phon: t.clone(),
                    skel: t.clone(),
                    askel: t.clone(),
                    text: t,
                    kind: TokenKind::Word,
                });
            }
        } else {
            let kind = if lower.chars().count() == 1 {
                TokenKind::Initial
            } else {
                TokenKind::Word
            };
            tokens.push(Token {
                essential: false,
                known: false,
                common: false,
                phon: lower.clone(),
                skel: lower.clone(),
                askel: lower.clone(),
                text: lower,
                kind,
            });
        }
    }
    Variant {
        tokens,
        transliterated: false,
        lossy: false,
        abjad: false,
        vowel_letters: false,
        syllables: false,
    }
}

fn han_pinyin(s: &str) -> Vec<Token> {
    // Chinese names: family syllable, then the given name joined (Xi Jinping).
    let mut words: Vec<String> = Vec::new();
    let foreign = s.contains('·') || s.contains('・');
    for part in s.split(|c: char| c.is_whitespace() || c == '·' || c == '・' || c == '-') {
        if part.is_empty() {
            continue;
        }
        let syl = pinyin_syllables(&any_ascii::any_ascii(part));
        if syl.is_empty() {
            continue;
        }
        if !foreign && words.is_empty() && syl.len() >= 2 && syl.len() <= 3 {
            words.push(syl[0].clone());
            words.push(syl[1..].concat());
        } else {
            words.push(syl.concat());
        }
    }
    tokens_of_words(&words)
}

/// Arabic to Latin letters: the article ال becomes a separate "al"; ع
/// (ayn), which Latin spellings write as a vowel (Ali, Omar), becomes "a";
/// the letters that write a long or initial vowel keep it (alif a, alif
/// with hamza below i, alif maqsura and ta marbuta a: أسامة asama), where
/// a plain transliteration drops them; بن is "bin" (Usama bin Ladin).
fn arabic_spelling(s: &str) -> String {
    let vowels = |w: &str| -> String {
        let mut out = String::with_capacity(w.len());
        for c in w.chars() {
            match c {
                'ا' | 'أ' | 'آ' | 'ٱ' | 'ى' | 'ة' => out.push('a'),
                'إ' => out.push('i'),
                'ؤ' => out.push('w'),
                'ئ' => out.push('y'),
                'ء' => {}
                c => out.push(c),
            }
        }
        any_ascii::any_ascii(&out)
    };
    let mut words = Vec::new();
    // عبدالله and عبد الله alike: abd, then the rest.
    let split: Vec<&str> = s
        .split_whitespace()
        .flat_map(
            |w| match w.strip_prefix("عبد").filter(|r| r.starts_with("ال")) {
                Some(r) => vec!["عبد", r],
                None => vec![w],
            },
        )
        .collect();
    for w in split {
        // God's name is the article and lah (Abdullah: abd al lah).
        if w == "الله" {
            words.extend(["al".to_string(), "lah".to_string()]);
            continue;
        }
        // "son of" and "daughter of", as Latin spellings write them.
        let particle = match w {
            "بن" => Some("bin"),
            "ابن" | "إبن" => Some("ibn"),
            "بنت" => Some("bint"),
            _ => None,
        };
        if let Some(p) = particle {
            words.push(p.to_string());
            continue;
        }
        let rest = w.strip_prefix("ال").filter(|r| r.chars().count() >= 3);
        match rest {
            Some(r) => {
                words.push("al".to_string());
                words.push(vowels(r));
            }
            None => words.push(vowels(w)),
        }
    }
    words.join(" ").replace('`', "a")
}

fn greek_spelling(s: &str) -> String {
    let mut out = s
        .replace("oy", "ou")
        .replace("Oy", "Ou")
        .replace("OY", "OU");
    for (a, b) in [
        ("nt", "d"),
        ("Nt", "D"),
        ("NT", "D"),
        ("mp", "b"),
        ("Mp", "B"),
        ("MP", "B"),
    ] {
        out = out.replace(a, b);
    }
    out
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

    #[test]
    fn a_slash_offers_whole_names_or_one_word_never_a_fragment() {
        assert_eq!(
            alternatives("LORD'S RESISTANCE MOVEMENT/ARMY"),
            ["LORD'S RESISTANCE MOVEMENT", "LORD'S RESISTANCE ARMY"]
        );
        assert_eq!(
            alternatives("CHINA PRECISION MACHINERY IMPORT/EXPORT CORPORATION"),
            [
                "CHINA PRECISION MACHINERY IMPORT CORPORATION",
                "CHINA PRECISION MACHINERY EXPORT CORPORATION"
            ]
        );
        assert_eq!(
            alternatives("HARAKAT UL-MUJAHIDIN / HUM"),
            ["HARAKAT UL-MUJAHIDIN", "HUM"]
        );
        assert_eq!(alternatives("ADF/NALU"), ["ADF", "NALU"]);
        for abbreviation in [
            "CHINA NATIONAL PRECISION MACHINERY I/E CORP.",
            "KOREA RYENHA MACHINERY J/V CORPORATION",
            "M/S WELFARE & DEVELOPMENT ORGANIZATION",
            "FUYI SUN A/K/A FRANK SUN",
            "Plain Name",
        ] {
            assert!(alternatives(abbreviation).is_empty(), "{abbreviation}");
        }
    }

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
            texts(&analyze("Abdul Rahman", &r)),
            texts(&analyze("Abd al-Rahman", &r))
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
