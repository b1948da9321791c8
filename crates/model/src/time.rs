//! Timestamps as milliseconds since 1970-01-01T00:00:00Z, read from and
//! written as RFC 3339 (`2024-05-31T13:26:00+09:00`, `…Z`, fractions of a
//! second to the millisecond; a space instead of `T` and a trailing `UTC`
//! are accepted as the common exports write them).

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let (yy, mm) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The civil date of a day count from 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses an RFC 3339 date-time (`YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]`;
/// without an offset, or with `UTC`, it is UTC). `None` for anything else,
/// including impossible dates such as 2023-02-29.
pub fn parse_rfc3339(s: &str) -> Option<Millis> {
    let t = s.trim();
    let b = t.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = t.get(r)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse::<i64>().ok()
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 60
    {
        return None;
    }
    let mut rest = &t[19..];
    let mut millis = 0i64;
    if let Some(r) = rest.strip_prefix('.') {
        let digits = r.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        for (i, c) in r[..digits].bytes().take(3).enumerate() {
            millis += i64::from(c - b'0') * [100, 10, 1][i];
        }
        rest = &r[digits..];
    }
    let offset = match rest.trim() {
        "" | "Z" | "z" | "UTC" | "+00:00" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) && &o[3..4] == ":" => {
            let (oh, om) = (o[1..3].parse::<i64>().ok()?, o[4..6].parse::<i64>().ok()?);
            if oh > 23 || om > 59 {
                return None;
            }
            let v = oh * 3600 + om * 60;
            if o.starts_with('+') {
                v
            } else {
                -v
            }
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se.min(59) - offset;
    Some(secs * 1000 + millis)
}

/// Writes a timestamp as RFC 3339 in UTC (`2024-05-31T04:26:00Z`, with
/// `.fff` only where the milliseconds are not zero).
pub fn format_rfc3339(t: Millis) -> String {
    let secs = t.div_euclid(1000);
    let ms = t.rem_euclid(1000);
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    if ms == 0 {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2024-05-31T12:00:00Z"),
            Some(1_717_156_800_000)
        );
        assert_eq!(
            parse_rfc3339("2024-05-31 12:00:00 UTC"),
            Some(1_717_156_800_000)
        );
        assert_eq!(
            parse_rfc3339("2024-05-31T21:00:00+09:00"),
            Some(1_717_156_800_000)
        );
        assert_eq!(
            parse_rfc3339("2024-05-31T12:00:00.123Z"),
            Some(1_717_156_800_123)
        );
        assert_eq!(
            parse_rfc3339("2024-05-31T12:00:00.5-01:30"),
            Some(1_717_162_200_500)
        );
        assert_eq!(
            parse_rfc3339("2024-02-29T00:00:00Z"),
            Some(1_709_164_800_000)
        );
        for bad in [
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-05-31T24:00:00Z",
            "2024-05-31T12:00:00+25:00",
            "2024-05-31T12:00:00.Z",
            "2024-05-31",
            "yesterday",
            "2024-0a-31T12:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        for t in [
            0,
            1_717_156_800_000,
            1_717_156_800_123,
            951_782_400_000,
            -86_400_000,
        ] {
            assert_eq!(parse_rfc3339(&format_rfc3339(t)), Some(t));
        }
        assert_eq!(format_rfc3339(1_717_129_560_000), "2024-05-31T04:26:00Z");
    }
}
