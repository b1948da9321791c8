//! Japanese kana to Hepburn romaji, as Japanese passports write names.
//!
//! Long vowels are written out (`ou`, `uu`, `ii`, `aa`, `ee`; `ー` repeats
//! the vowel before it); the matcher's vowel-length fold then equates
//! SATOU, SATOO, SATOH and SATO. ん is `n`, or `m` before b, m and p
//! (NAMBA, as passports spell it); a small っ doubles the next consonant
//! (`tch` before ch). Hiragana, katakana and half-width katakana (after NFKC)
//! are all accepted; `・` and spaces separate words.

/// Romaji of one katakana mora; `None` for characters that are not kana.
fn mora(c: char) -> Option<&'static str> {
    Some(match c {
        'ア' => "a",
        'イ' => "i",
        'ウ' => "u",
        'エ' => "e",
        'オ' => "o",
        'カ' => "ka",
        'キ' => "ki",
        'ク' => "ku",
        'ケ' => "ke",
        'コ' => "ko",
        'ガ' => "ga",
        'ギ' => "gi",
        'グ' => "gu",
        'ゲ' => "ge",
        'ゴ' => "go",
        'サ' => "sa",
        'シ' => "shi",
        'ス' => "su",
        'セ' => "se",
        'ソ' => "so",
        'ザ' => "za",
        'ジ' => "ji",
        'ズ' => "zu",
        'ゼ' => "ze",
        'ゾ' => "zo",
        'タ' => "ta",
        'チ' => "chi",
        'ツ' => "tsu",
        'テ' => "te",
        'ト' => "to",
        'ダ' => "da",
        'ヂ' => "ji",
        'ヅ' => "zu",
        'デ' => "de",
        'ド' => "do",
        'ナ' => "na",
        'ニ' => "ni",
        'ヌ' => "nu",
        'ネ' => "ne",
        'ノ' => "no",
        'ハ' => "ha",
        'ヒ' => "hi",
        'フ' => "fu",
        'ヘ' => "he",
        'ホ' => "ho",
        'バ' => "ba",
        'ビ' => "bi",
        'ブ' => "bu",
        'ベ' => "be",
        'ボ' => "bo",
        'パ' => "pa",
        'ピ' => "pi",
        'プ' => "pu",
        'ペ' => "pe",
        'ポ' => "po",
        'マ' => "ma",
        'ミ' => "mi",
        'ム' => "mu",
        'メ' => "me",
        'モ' => "mo",
        'ヤ' => "ya",
        'ユ' => "yu",
        'ヨ' => "yo",
        'ラ' => "ra",
        'リ' => "ri",
        'ル' => "ru",
        'レ' => "re",
        'ロ' => "ro",
        'ワ' => "wa",
        'ヰ' => "i",
        'ヱ' => "e",
        'ヲ' => "o",
        'ン' => "n",
        'ヴ' => "vu",
        'ァ' => "a",
        'ィ' => "i",
        'ゥ' => "u",
        'ェ' => "e",
        'ォ' => "o",
        'ャ' => "ya",
        'ュ' => "yu",
        'ョ' => "yo",
        'ヮ' => "wa",
        _ => return None,
    })
}

fn to_katakana(c: char) -> char {
    match c {
        'ぁ'..='ゖ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
        _ => c,
    }
}

pub fn is_kana(c: char) -> bool {
    matches!(c, 'ぁ'..='ゖ' | 'ァ'..='ヺ' | 'ー' | 'ｦ'..='ﾟ')
}

/// Combines a mora with a following small kana (キャ → kya, ティ → ti, ファ → fa).
fn combine(base: &str, small: char) -> Option<String> {
    let stem = base.strip_suffix('i').unwrap_or(base);
    match small {
        'ャ' | 'ュ' | 'ョ' if base.ends_with('i') && base.len() >= 2 => {
            let v = &mora(small)?[1..]; // a, u, o
            Some(match stem {
                "sh" | "ch" | "j" => format!("{stem}{v}"),
                _ => format!("{stem}y{v}"),
            })
        }
        'ァ' | 'ィ' | 'ゥ' | 'ェ' | 'ォ' => {
            let v = mora(small)?;
            let cons = match base {
                "fu" => "f",
                "vu" => "v",
                "te" | "to" => "t",
                "de" | "do" => "d",
                "u" => "w",
                "tsu" => "ts",
                "shi" => "sh",
                "chi" => "ch",
                "ji" => "j",
                _ => return None,
            };
            Some(format!("{cons}{v}"))
        }
        _ => None,
    }
}

/// Hepburn romaji of a kana string (other characters pass through as
/// word separators). Lower-case ASCII.
pub fn to_romaji(s: &str) -> String {
    let chars: Vec<char> = s.chars().map(to_katakana).collect();
    let mut out = String::new();
    let mut geminate = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == 'ッ' {
            geminate = true;
            i += 1;
            continue;
        }
        if c == 'ー' {
            if let Some(v) = out.chars().last().filter(|v| "aiueo".contains(*v)) {
                out.push(v);
            }
            i += 1;
            continue;
        }
        let Some(base) = mora(c) else {
            out.push(if c == '・' || c == '･' { ' ' } else { c });
            geminate = false;
            i += 1;
            continue;
        };
        let mut syl = base.to_string();
        if let Some(&next) = chars.get(i + 1) {
            if let Some(comb) = combine(base, next) {
                syl = comb;
                i += 1;
            }
        }
        if c == 'ン' {
            let next = chars.get(i + 1).and_then(|n| mora(to_katakana(*n)));
            syl = if next.is_some_and(|n| n.starts_with(['b', 'm', 'p'])) {
                "m".into()
            } else {
                "n".into()
            };
        }
        if geminate {
            if syl.starts_with("ch") {
                out.push('t');
            } else if let Some(f) = syl.chars().next().filter(|f| !"aiueon".contains(*f)) {
                out.push(f);
            }
            geminate = false;
        }
        out.push_str(&syl);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hepburn_as_passports_write_it() {
        assert_eq!(to_romaji("タカハシ タロウ"), "takahashi tarou");
        assert_eq!(to_romaji("たかはし"), "takahashi");
        assert_eq!(to_romaji("ウラジーミル・プーチン"), "urajiimiru puuchin");
        assert_eq!(to_romaji("ナンバ"), "namba");
        assert_eq!(to_romaji("ホンマ"), "homma");
        assert_eq!(to_romaji("ケンイチ"), "kenichi");
        assert_eq!(to_romaji("キョウコ"), "kyouko");
        assert_eq!(to_romaji("ジュンイチロウ"), "junichirou");
        assert_eq!(to_romaji("ハットリ"), "hattori");
        assert_eq!(to_romaji("マッチ"), "matchi");
        assert_eq!(to_romaji("ティファニー"), "tifanii");
        assert_eq!(to_romaji("シャ"), "sha");
    }
}
