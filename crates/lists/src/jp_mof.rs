//! Japan's Ministry of Finance economic-sanctions list (経済制裁措置及び
//! 対象者リスト), published as an XLSX workbook with one sheet per programme
//! and Japanese column headers: 番号, 日本語表記, 英語表記, 別名, 生年月日
//! (`1962年11月23日`, `1955年-1958年頃`), 出生地, 国籍, 旅券番号, 身分証明書番号,
//! 役職, 住所, その他の情報 (which may hold wallet addresses), 告示日付.
//!
//! A workbook is a zip archive that can only be read with random access,
//! so it is read whole into memory; its rows are then handed on one by one.
//! The id is `jp-mof:<sheet>-<番号>`.

use crate::util::{country, name, slug, unique_id};
use crate::{ListError, Location, ParseSummary, Sink};
use calamine::{Data, Reader, Xlsx};
use kansa_model::{
    Address, CryptoAddress, DateValue, Entity, EntityKind, Identifier, NameKind, NameParts,
    PartialDate,
};
use std::collections::HashSet;
use std::io::Cursor;

pub const SOURCE: &str = "jp-mof";

const HEADER_MARKERS: &[&str] = &["日本語表記", "英語表記"];

fn cell_text(c: &Data) -> Option<String> {
    let s = match c {
        Data::Empty => return None,
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => excel_serial(d.as_f64())?.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(_) => return None,
    };
    kansa_text::clean_opt(&s)
}

/// Excel's serial day number (1900 system) as a date.
fn excel_serial(v: f64) -> Option<PartialDate> {
    if !(1.0..200_000.0).contains(&v) {
        return None;
    }
    // Days since 1899-12-30 to a civil date (proleptic Gregorian).
    let z = v.floor() as i64 - 25569 + 719_468; // 1970-01-01 is serial 25569
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    PartialDate::new(y as u32, Some(m as u32), Some(d as u32)).ok()
}

/// `1962年11月23日`, `1962年11月`, `1962年`, `1962-11-23`, `1962/11/23`.
fn jp_date(s: &str) -> Option<PartialDate> {
    let s = s.trim().trim_end_matches(['頃', '日']).trim();
    if let Some(d) = PartialDate::parse_iso(&s.replace(['/', '.'], "-")) {
        return Some(d);
    }
    let (y, rest) = s.split_once('年').unwrap_or((s, ""));
    let y: u32 = y.trim().parse().ok()?;
    let (m, rest) = match rest.split_once('月') {
        Some((m, r)) => (Some(m.trim().parse::<u32>().ok()?), r),
        None => (None, rest),
    };
    let d = rest.trim().trim_end_matches('日');
    let d = if d.is_empty() {
        None
    } else {
        Some(d.parse::<u32>().ok()?)
    };
    PartialDate::new(y, m, d).ok()
}

/// One date of birth as MOF writes it, with circa (頃) and ranges.
pub fn jp_date_value(s: &str) -> Option<DateValue> {
    let s = s.trim();
    let circa = s.contains('頃') || s.contains("ごろ") || s.starts_with('約');
    let s = s.trim_start_matches('約').replace("ごろ", "");
    for sep in ["～", "〜", "から", "－", "-"] {
        // A range separator (but not the '-' inside an ISO date).
        if let Some((a, b)) = s.split_once(sep) {
            if sep == "-" && !a.contains('年') {
                continue;
            }
            let (from, to) = (jp_date(a)?, jp_date(b.trim_end_matches("まで"))?);
            return DateValue::between(from, to).ok();
        }
    }
    let d = jp_date(&s)?;
    Some(if circa {
        DateValue::Circa { date: d }
    } else {
        DateValue::exact(d)
    })
}

fn split_multi(s: &str) -> Vec<String> {
    let mut out = vec![s.to_string()];
    for sep in ["\n", "、", "，", "；", ";", "又は", "／"] {
        out = out
            .iter()
            .flat_map(|x| x.split(sep).map(str::to_string).collect::<Vec<_>>())
            .collect();
    }
    out.into_iter()
        .filter_map(|x| kansa_text::clean_opt(&x))
        .collect()
}

/// The asset of a token shaped like a crypto address, when unambiguous.
pub fn guess_asset(token: &str) -> Option<&'static str> {
    let b58 = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() && !matches!(c, '0' | 'O' | 'I' | 'l'))
    };
    let t = token;
    if t.len() == 42 && t.starts_with("0x") && t[2..].chars().all(|c| c.is_ascii_hexdigit()) {
        return Some("ETH");
    }
    if (t.starts_with("bc1") || t.starts_with("BC1"))
        && (42..=62).contains(&t.len())
        && t.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Some("XBT");
    }
    if (t.starts_with('1') || t.starts_with('3')) && (26..=35).contains(&t.len()) && b58(t) {
        return Some("XBT");
    }
    if t.starts_with('T') && t.len() == 34 && b58(t) {
        return Some("TRX");
    }
    None
}

/// Wallet addresses in free text: `XBT 1Abc...`, `ETH: 0x...`, or a bare
/// token whose shape names its chain.
fn crypto_in_text(text: &str) -> Vec<CryptoAddress> {
    let tokens: Vec<&str> = text
        .split(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    '、' | '。'
                        | '，'
                        | ','
                        | ';'
                        | '；'
                        | '：'
                        | ':'
                        | '（'
                        | '）'
                        | '('
                        | ')'
                        | '「'
                        | '」'
                )
        })
        .filter(|t| !t.is_empty())
        .collect();
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let t = t.trim_end_matches(['.', '。']);
        if t.len() < 26 || !t.chars().all(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        let named = i
            .checked_sub(1)
            .map(|j| tokens[j].to_ascii_uppercase())
            .filter(|p| {
                matches!(
                    p.as_str(),
                    "XBT"
                        | "BTC"
                        | "ETH"
                        | "USDT"
                        | "USDC"
                        | "TRX"
                        | "LTC"
                        | "XMR"
                        | "BCH"
                        | "ZEC"
                        | "DASH"
                        | "ETC"
                        | "BSV"
                        | "XRP"
                )
            });
        let asset = match named {
            Some(p) if p == "BTC" => Some("XBT".to_string()),
            Some(p) => Some(p),
            None => guess_asset(t).map(str::to_string),
        };
        if let Some(asset) = asset {
            let c = CryptoAddress {
                asset,
                address: t.to_string(),
            };
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}

/// Parses a whole workbook held in memory.
pub fn parse(
    file: &str,
    bytes: Vec<u8>,
    source: &str,
    sink: &mut Sink,
) -> Result<ParseSummary, ListError> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        ListError::invalid(
            file,
            Location::File,
            format!("not a readable XLSX workbook: {e}"),
        )
    })?;
    let mut summary = ParseSummary::default();
    let mut seen = HashSet::new();
    let mut any_sheet = false;
    for sheet in wb.sheet_names().to_owned() {
        let range = wb
            .worksheet_range(&sheet)
            .map_err(|e| ListError::invalid(file, Location::File, format!("sheet {sheet}: {e}")))?;
        let rows: Vec<&[Data]> = range.rows().collect();
        let Some(h) = rows.iter().take(30).position(|r| {
            r.iter()
                .any(|c| cell_text(c).is_some_and(|t| HEADER_MARKERS.contains(&t.as_str())))
        }) else {
            continue;
        };
        any_sheet = true;
        let header: Vec<String> = rows[h]
            .iter()
            .map(|c| cell_text(c).unwrap_or_default().replace(['\n', ' '], ""))
            .collect();
        let col = |names: &[&str]| header.iter().position(|x| names.iter().any(|n| x == n));
        let c_no = col(&["番号", "No.", "No"]);
        let c_ja = col(&["日本語表記", "氏名", "名称"]);
        let c_en = col(&["英語表記"]);
        let c_alias = col(&["別名"]);
        let c_dob = col(&["生年月日"]);
        let c_pob = col(&["出生地"]);
        let c_nat = col(&["国籍"]);
        let c_pass = col(&["旅券番号"]);
        let c_id = col(&["身分証明書番号"]);
        let c_title = col(&["役職", "肩書"]);
        let c_addr = col(&["住所", "所在地"]);
        let c_other = col(&["その他の情報", "その他"]);
        let c_date = col(&["告示日付", "指定日"]);
        let c_kind = col(&["種別", "区分"]);
        let sheet_kind = if sheet.contains("団体") || sheet.contains("企業") {
            Some(EntityKind::Organization)
        } else if sheet.contains("個人") {
            Some(EntityKind::Person)
        } else {
            None
        };
        for (i, row) in rows.iter().enumerate().skip(h + 1) {
            let get = |c: Option<usize>| c.and_then(|c| row.get(c)).and_then(cell_text);
            let (ja, en) = (get(c_ja), get(c_en));
            if ja.is_none() && en.is_none() {
                if row.iter().any(|c| cell_text(c).is_some()) && get(c_no).is_some() {
                    return Err(ListError::invalid(
                        file,
                        Location::Cell {
                            row: i as u32 + 1,
                            col: c_ja.unwrap_or(0) as u32 + 1,
                        },
                        format!(
                            "sheet {sheet}: entry {} has neither 日本語表記 nor 英語表記",
                            get(c_no).unwrap_or_default()
                        ),
                    ));
                }
                continue;
            }
            let kind = match get(c_kind).as_deref() {
                Some(k) if k.contains("個人") => EntityKind::Person,
                Some(k) if k.contains("団体") || k.contains("企業") => EntityKind::Organization,
                _ => sheet_kind.unwrap_or(if get(c_dob).is_some() {
                    EntityKind::Person
                } else {
                    EntityKind::Unknown
                }),
            };
            let base = match get(c_no) {
                Some(n) => format!("{sheet}-{n}"),
                None => format!(
                    "{sheet}-{}",
                    slug(en.as_deref().or(ja.as_deref()).unwrap_or(""))
                ),
            };
            let id = unique_id(&mut seen, base);
            let mut e = Entity::new(source, &id, kind);
            e.programs.push(sheet.clone());
            for (text, kind, lang) in [(ja, NameKind::Primary, "ja"), (en, NameKind::Aka, "en")] {
                if let Some(mut n) = text
                    .as_deref()
                    .and_then(|t| name(t, kind, NameParts::default()))
                {
                    if e.names.is_empty() {
                        n.kind = NameKind::Primary;
                    }
                    n.lang = Some(lang.to_string());
                    e.names.push(n);
                }
            }
            if let Some(a) = get(c_alias) {
                for part in split_multi(&a) {
                    if let Some(n) = name(&part, NameKind::Aka, NameParts::default()) {
                        if !e.names.iter().any(|x| x.full == n.full) {
                            e.names.push(n);
                        }
                    }
                }
            }
            if let Some(d) = get(c_dob) {
                for part in split_multi(&d) {
                    match jp_date_value(&part) {
                        Some(v) => Entity::push_unique(&mut e.birth_dates, v),
                        None => summary.warnings.push(format!("{file}: sheet {sheet}, row {}: 生年月日 {part:?} not understood; kept in remarks", i + 1)),
                    }
                }
            }
            if let Some(p) = get(c_pob) {
                e.birth_places.push(p);
            }
            if let Some(n) = get(c_nat) {
                for part in split_multi(&n) {
                    if let Some(c) = country(&part) {
                        Entity::push_unique(&mut e.nationalities, c.clone());
                        Entity::push_unique(&mut e.countries, c);
                    }
                }
            }
            for (c, kind) in [(c_pass, "Passport"), (c_id, "National ID")] {
                if let Some(v) = get(c) {
                    for num in split_multi(&v) {
                        Entity::push_unique(
                            &mut e.documents,
                            Identifier {
                                kind: kind.to_string(),
                                number: num,
                                country: None,
                                note: None,
                            },
                        );
                    }
                }
            }
            if let Some(t) = get(c_title) {
                e.titles.push(t);
            }
            if let Some(a) = get(c_addr) {
                for part in split_multi(&a) {
                    e.addresses.push(Address {
                        street: Some(part),
                        ..Address::default()
                    });
                }
            }
            if let Some(o) = get(c_other) {
                e.crypto_addresses = crypto_in_text(&o);
                e.remarks = Some(o);
            }
            e.listed_on = get(c_date).and_then(|d| jp_date(&d));
            summary.entities += 1;
            sink(e).map_err(ListError::Sink)?;
        }
    }
    if !any_sheet {
        return Err(ListError::invalid(
            file,
            Location::File,
            "no sheet with a 日本語表記 or 英語表記 header: not a MOF sanctions workbook",
        ));
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_dates() {
        let s = |x: &str| jp_date_value(x).map(|d| d.to_string());
        assert_eq!(s("1962年11月23日").as_deref(), Some("1962-11-23"));
        assert_eq!(s("1962年11月").as_deref(), Some("1962-11"));
        assert_eq!(s("1960年頃").as_deref(), Some("circa 1960"));
        assert_eq!(s("1955年-1958年頃").as_deref(), Some("1955 to 1958"));
        assert_eq!(s("1962-11-23").as_deref(), Some("1962-11-23"));
        assert_eq!(s("1962年2月30日"), None);
        assert_eq!(
            excel_serial(45292.0).map(|d| d.to_string()).as_deref(),
            Some("2024-01-01")
        );
    }

    #[test]
    fn wallets_in_free_text() {
        let w = crypto_in_text("デジタル通貨アドレス：XBT 1Fz29BQp82pE3vXXcsZoMNQ3KSHfMzfMe3、ETH 0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c。TRX TXYZabcdefghijkmnopqrstuvwxyz12345");
        assert_eq!(w.len(), 3, "{w:?}");
        assert_eq!(w[0].asset, "XBT");
        assert_eq!(w[1].asset, "ETH");
        assert_eq!(w[2].asset, "TRX");
    }
}
