//! Names as lists publish them: the kind of name (primary, a.k.a., ...) and
//! the writing system it is written in.

use serde::{Deserialize, Serialize};

/// How a list qualifies a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameKind {
    /// The name the list files the entry under.
    Primary,
    /// "also known as": a strong alias (UN quality "Good", OFAC `aka`).
    Aka,
    /// A weak or low-quality alias (UN quality "Low", OFAC remarks `a.k.a. '...'`).
    WeakAka,
    /// "formerly known as".
    Fka,
    /// "now known as".
    Nka,
    /// The name in its original, non-Latin script as the list gives it.
    OriginalScript,
}

impl NameKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NameKind::Primary => "primary",
            NameKind::Aka => "aka",
            NameKind::WeakAka => "weak_aka",
            NameKind::Fka => "fka",
            NameKind::Nka => "nka",
            NameKind::OriginalScript => "original_script",
        }
    }
}

/// The dominant writing system of a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Script {
    Latin,
    Cyrillic,
    Greek,
    Arabic,
    Hebrew,
    /// Chinese characters (also Japanese kanji and Korean hanja).
    Han,
    /// Japanese hiragana or katakana (possibly mixed with kanji).
    Kana,
    /// Korean Hangul.
    Hangul,
    Thai,
    Devanagari,
    Georgian,
    Armenian,
    /// Anything else, or a string without letters.
    Other,
}

/// Structured parts of a name when the list gives them separately.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameParts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patronymic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl NameParts {
    pub fn is_empty(&self) -> bool {
        self.given.is_none()
            && self.middle.is_none()
            && self.family.is_none()
            && self.patronymic.is_none()
            && self.title.is_none()
    }
}

/// One name of an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Name {
    /// The whole name exactly as published (whitespace collapsed).
    pub full: String,
    pub kind: NameKind,
    pub script: Script,
    #[serde(default, skip_serializing_if = "NameParts::is_empty")]
    pub parts: NameParts,
    /// ISO 639-1 language code when the list states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}
