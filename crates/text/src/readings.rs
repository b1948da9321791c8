//! Readings of Han characters that a transliteration table cannot know:
//! Japanese names (山田太郎 is Yamada Taro, not the Chinese "Shan Tian Tai
//! Lang") from the surname and given-name entries of the IPADIC dictionary
//! (`Noun.name.csv`, Debian package `mecab-ipadic`), and the Korean reading
//! of each character (金正恩 is 김정은, Kim Jong Un) from Unicode's Unihan
//! database (`Unihan_Readings.txt`, Debian package `unicode-data`).
//!
//! The caller reads the files; this module only parses their bytes, so the
//! text engine stays free of I/O. Without them, Han names fall back to
//! pinyin alone.

use std::collections::HashMap;

/// Where Debian installs the two sources.
pub const MECAB_NAMES_PATH: &str = "/usr/share/mecab/dic/ipadic/Noun.name.csv";
pub const UNIHAN_READINGS_PATH: &str = "/usr/share/unicode/Unihan_Readings.txt.bz2";

#[derive(Debug, Default, Clone)]
pub struct Readings {
    /// Kanji surname → (cost, katakana reading), most common first.
    surnames: HashMap<String, Vec<(i32, String)>>,
    given: HashMap<String, Vec<(i32, String)>>,
    /// Han character → Hangul syllables (name readings first).
    hangul: HashMap<char, Vec<char>>,
}

impl Readings {
    pub fn is_empty(&self) -> bool {
        self.surnames.is_empty() && self.hangul.is_empty()
    }

    pub fn counts(&self) -> (usize, usize, usize) {
        (self.surnames.len(), self.given.len(), self.hangul.len())
    }

    /// Adds the person-name entries of an IPADIC `Noun.name.csv` (EUC-JP).
    /// Returns how many entries were read.
    pub fn add_ipadic_names(&mut self, euc_jp: &[u8]) -> usize {
        let (text, _, _) = encoding_rs::EUC_JP.decode(euc_jp);
        let mut n = 0;
        for line in text.lines() {
            let f: Vec<&str> = line.split(',').collect();
            if f.len() < 12 || f[6] != "人名" {
                continue;
            }
            let cost: i32 = f[3].parse().unwrap_or(10_000);
            let map = match f[7] {
                "姓" => &mut self.surnames,
                "名" => &mut self.given,
                _ => continue,
            };
            let e = map.entry(f[0].to_string()).or_default();
            if !e.iter().any(|(_, r)| r == f[11]) {
                e.push((cost, f[11].to_string()));
                n += 1;
            }
        }
        for v in self.surnames.values_mut().chain(self.given.values_mut()) {
            v.sort();
        }
        n
    }

    /// Adds the `kHangul` readings of a `Unihan_Readings.txt`.
    pub fn add_unihan(&mut self, text: &str) -> usize {
        let mut n = 0;
        for line in text.lines() {
            let mut it = line.split('\t');
            let (Some(cp), Some("kHangul"), Some(vals)) = (it.next(), it.next(), it.next()) else {
                continue;
            };
            let Some(c) = cp
                .strip_prefix("U+")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .and_then(char::from_u32)
            else {
                continue;
            };
            // "금:0E 김:0N": N marks a reading used in names; put those first.
            let mut rs: Vec<(bool, char)> = vals
                .split_whitespace()
                .filter_map(|v| {
                    let (h, flags) = v.split_once(':').unwrap_or((v, ""));
                    h.chars().next().map(|ch| (!flags.contains('N'), ch))
                })
                .collect();
            rs.sort();
            let list: Vec<char> = rs.into_iter().map(|(_, ch)| ch).collect();
            if !list.is_empty() {
                self.hangul.insert(c, list);
                n += 1;
            }
        }
        n
    }

    /// Japanese readings of a kanji name, most likely first, as
    /// `[surname, given]` katakana pairs (or one element for a lone part).
    pub fn japanese(&self, name: &str, max: usize) -> Vec<Vec<String>> {
        let parts: Vec<&str> = name.split_whitespace().collect();
        let mut cands: Vec<(i32, Vec<String>)> = Vec::new();
        let best = |m: &HashMap<String, Vec<(i32, String)>>, k: &str| {
            m.get(k).cloned().unwrap_or_default()
        };
        match parts[..] {
            [family, given] => {
                for (c1, r1) in best(&self.surnames, family).iter().take(2) {
                    for (c2, r2) in best(&self.given, given).iter().take(2) {
                        cands.push((c1 + c2, vec![r1.clone(), r2.clone()]));
                    }
                }
            }
            [one] => {
                let chars: Vec<char> = one.chars().collect();
                for k in 1..chars.len() {
                    let (a, b): (String, String) =
                        (chars[..k].iter().collect(), chars[k..].iter().collect());
                    for (c1, r1) in best(&self.surnames, &a).iter().take(2) {
                        for (c2, r2) in best(&self.given, &b).iter().take(2) {
                            cands.push((c1 + c2, vec![r1.clone(), r2.clone()]));
                        }
                    }
                }
                if cands.is_empty() {
                    for (c, r) in best(&self.surnames, one)
                        .iter()
                        .chain(best(&self.given, one).iter())
                        .take(2)
                    {
                        cands.push((*c, vec![r.clone()]));
                    }
                }
            }
            _ => {}
        }
        cands.sort_by_key(|(c, _)| *c);
        let mut out: Vec<Vec<String>> = Vec::new();
        for (_, v) in cands {
            if !out.contains(&v) {
                out.push(v);
            }
            if out.len() >= max {
                break;
            }
        }
        out
    }

    /// The Korean (Hangul) reading of a Han string, name readings preferred;
    /// `None` when a character has no known reading.
    pub fn korean(&self, s: &str) -> Option<String> {
        let mut out = String::new();
        for c in s.chars() {
            if c.is_whitespace() || c == '·' || c == '・' {
                out.push(' ');
                continue;
            }
            out.push(*self.hangul.get(&c)?.first()?);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_sources() {
        let mut r = Readings::default();
        let csv = "山田,1290,1290,8000,名詞,固有名詞,人名,姓,*,*,山田,ヤマダ,ヤマダ\n太郎,1291,1291,7000,名詞,固有名詞,人名,名,*,*,太郎,タロウ,タロー\n";
        let (bytes, _, _) = encoding_rs::EUC_JP.encode(csv);
        assert_eq!(r.add_ipadic_names(&bytes), 2);
        assert_eq!(
            r.japanese("山田太郎", 3),
            vec![vec!["ヤマダ".to_string(), "タロウ".to_string()]]
        );
        assert_eq!(r.japanese("山田 太郎", 3).len(), 1);
        assert_eq!(
            r.add_unihan(
                "U+91D1\tkHangul\t금:0E 김:0N\nU+6B63\tkHangul\t정:0E\nU+6069\tkHangul\t은:0E\n"
            ),
            3
        );
        assert_eq!(r.korean("金正恩").as_deref(), Some("김정은"));
        assert_eq!(r.korean("金X"), None);
    }
}
