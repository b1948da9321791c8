//! Korean Hangul to Latin, in the spellings sanctions lists and passports
//! actually use: South Korea's Revised Romanization (Gim Jeong-eun), a
//! McCune–Reischauer-style spelling without diacritics (Kim Chong-un), and
//! the DPRK's own style that UN and OFAC lists follow (Kim Jong Un, Ri,
//! Pak). Common family names also get their customary spellings (Lee, Park,
//! Choi...).

const L_RR: [&str; 19] = [
    "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p",
    "h",
];
const L_MR: [&str; 19] = [
    "k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "ch", "tch", "ch", "k", "t",
    "p", "h",
];
const L_KP: [&str; 19] = [
    "k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p",
    "h",
];
const V_RR: [&str; 21] = [
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we",
    "wi", "yu", "eu", "ui", "i",
];
const V_MR: [&str; 21] = [
    "a", "ae", "ya", "yae", "o", "e", "yo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we",
    "wi", "yu", "u", "ui", "i",
];
const T: [&str; 28] = [
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p",
    "t", "t", "ng", "t", "t", "k", "t", "p", "t",
];

/// Customary spellings of common family names (first syllable).
const FAMILY: &[(char, &[&str])] = &[
    ('김', &["kim", "gim"]),
    ('이', &["lee", "ri", "yi", "rhee", "i"]),
    ('리', &["ri", "lee", "yi", "rhee"]),
    ('박', &["park", "pak", "bak"]),
    ('최', &["choi", "choe", "chey"]),
    ('정', &["jong", "jung", "jeong", "chung", "chong"]),
    ('조', &["cho", "jo"]),
    ('강', &["kang", "gang"]),
    ('윤', &["yoon", "yun"]),
    ('장', &["jang", "chang"]),
    ('임', &["lim", "im", "rim"]),
    ('림', &["rim", "lim", "im"]),
    ('한', &["han"]),
    ('오', &["oh", "o"]),
    ('신', &["shin", "sin"]),
    ('서', &["seo", "suh", "so"]),
    ('권', &["kwon", "gwon"]),
    ('황', &["hwang"]),
    ('안', &["ahn", "an"]),
    ('송', &["song"]),
    ('류', &["ryu", "yoo", "yu", "ryoo"]),
    ('유', &["yoo", "yu", "ryu"]),
    ('홍', &["hong"]),
    ('전', &["jon", "jeon", "jun", "chon"]),
    ('고', &["ko", "go"]),
    ('문', &["moon", "mun"]),
    ('양', &["yang", "ryang"]),
    ('량', &["ryang", "yang"]),
    ('손', &["son", "sohn"]),
    ('배', &["bae", "pae"]),
    ('백', &["baek", "paek", "paik"]),
    ('허', &["heo", "hur", "ho"]),
    ('노', &["noh", "no", "ro"]),
    ('로', &["ro", "roh", "no"]),
    ('남', &["nam"]),
    ('곽', &["kwak", "gwak"]),
    ('성', &["sung", "seong", "song"]),
    ('차', &["cha"]),
    ('주', &["joo", "ju", "chu"]),
    ('우', &["woo", "u"]),
    ('구', &["koo", "ku", "gu"]),
    ('민', &["min"]),
    ('진', &["jin", "chin"]),
    ('지', &["ji", "chi"]),
    ('현', &["hyun", "hyon", "hyeon"]),
    ('변', &["byun", "pyon", "byeon"]),
    ('방', &["bang", "pang"]),
    ('공', &["kong", "gong"]),
];

fn decompose(c: char) -> Option<(usize, usize, usize)> {
    let u = c as u32;
    if !(0xAC00..=0xD7A3).contains(&u) {
        return None;
    }
    let s = (u - 0xAC00) as usize;
    Some((s / (21 * 28), (s / 28) % 21, s % 28))
}

pub fn is_hangul_syllable(c: char) -> bool {
    decompose(c).is_some()
}

#[derive(Clone, Copy)]
enum Style {
    Rr,
    Mr,
    Kp,
}

/// One word (a run of syllables) in a style, syllables joined.
fn word(syllables: &[char], style: Style) -> Vec<String> {
    let mut out = Vec::new();
    let mut prev_final: Option<usize> = None;
    for &c in syllables {
        let Some((l, v, t)) = decompose(c) else {
            continue;
        };
        let mut init = match style {
            Style::Rr => L_RR[l],
            Style::Mr => L_MR[l],
            Style::Kp => L_KP[l],
        };
        // McCune–Reischauer voices plain stops between voiced sounds.
        if matches!(style, Style::Mr)
            && prev_final.is_some_and(|f| f == 0 || matches!(T[f], "n" | "m" | "l" | "ng"))
        {
            init = match l {
                0 => "g",
                3 => "d",
                7 => "b",
                12 => "j",
                _ => init,
            };
        }
        // A word-initial ㄹ is written r in the North, dropped or l in the South.
        if prev_final.is_none() && l == 5 && matches!(style, Style::Rr) {
            init = "";
        }
        let vowel = match style {
            Style::Rr => V_RR[v],
            Style::Mr | Style::Kp => V_MR[v],
        };
        out.push(format!("{init}{vowel}{}", T[t]));
        prev_final = Some(t);
    }
    out
}

/// Latin spellings of a Hangul string. Each variant is a list of words;
/// a three-syllable run reads as family name + given name, and the given
/// name comes both joined (jongun) and split (jong un), as lists write both.
pub fn romanize(s: &str) -> Vec<Vec<String>> {
    romanize_marked(s).into_iter().map(|(w, _)| w).collect()
}

/// `romanize`, each variant marked `true` when a given name is written
/// syllable by syllable (jong un): then every syllable belongs to the name,
/// and one left unmatched is another given name, not an omitted word.
pub fn romanize_marked(s: &str) -> Vec<(Vec<String>, bool)> {
    let words: Vec<Vec<char>> = s
        .split(|c: char| !is_hangul_syllable(c))
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().collect())
        .collect();
    if words.is_empty() {
        return Vec::new();
    }
    // A word of four or more syllables is a foreign name spelt in Hangul
    // (블라디미르 푸틴): no family/given split anywhere then.
    let foreign = words.iter().any(|w| w.len() >= 4);
    let mut variants: Vec<(Vec<String>, bool)> = Vec::new();
    let mut push = |v: Vec<String>, split: bool| {
        if !variants.iter().any(|(w, _)| *w == v) {
            variants.push((v, split));
        }
    };
    for style in [Style::Kp, Style::Rr, Style::Mr] {
        let mut joined = Vec::new();
        let mut split = Vec::new();
        for w in &words {
            let syl = if !foreign && (w.len() == 2 || w.len() == 3) {
                // Family and given name are separate words (no voicing across).
                let mut v = word(&w[..1], style);
                v.extend(word(&w[1..], style));
                v
            } else {
                word(w, style)
            };
            if !foreign && (w.len() == 2 || w.len() == 3) {
                // family + given
                joined.push(syl[0].clone());
                joined.push(syl[1..].concat());
                split.extend(syl.iter().cloned());
            } else {
                joined.push(syl.concat());
                split.push(syl.concat());
            }
        }
        let syllables = split.len() > joined.len();
        push(joined, false);
        push(split, syllables);
    }
    // Customary family-name spellings with the DPRK- and RR-style given names.
    if let Some(first) = words
        .first()
        .filter(|w| !foreign && (w.len() == 2 || w.len() == 3))
    {
        if let Some((_, spellings)) = FAMILY.iter().find(|(c, _)| *c == first[0]) {
            // The three most customary spellings, with DPRK- and RR-style
            // given names: enough variants to meet lists, few enough to stay fast.
            for style in [Style::Kp, Style::Rr] {
                let given = word(&first[1..], style);
                for sp in spellings.iter().take(3) {
                    let mut v = vec![sp.to_string(), given.concat()];
                    for w in &words[1..] {
                        v.push(word(w, style).concat());
                    }
                    push(v, false);
                }
            }
        }
    }
    variants
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(v: &[Vec<String>], s: &str) -> bool {
        v.iter().any(|x| x.join(" ") == s)
    }

    #[test]
    fn north_and_south_spellings() {
        let v = romanize("김정은");
        assert!(has(&v, "kim jong un"), "{v:?}");
        assert!(has(&v, "gim jeong eun"), "{v:?}");
        assert!(has(&v, "kim chong un"), "{v:?}");
        assert!(has(&v, "kim jongun"), "{v:?}");
        let v = romanize("이민호");
        assert!(has(&v, "lee minho"), "{v:?}");
        assert!(has(&v, "ri minho"), "{v:?}");
        let v = romanize("박지성");
        assert!(has(&v, "park jisong") || has(&v, "park jiseong"), "{v:?}");
        let v = romanize("리원호");
        assert!(has(&v, "ri won ho"), "{v:?}");
    }
}
