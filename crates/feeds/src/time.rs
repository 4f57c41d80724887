//! Calendar arithmetic for feed timestamps (UTC only, proleptic Gregorian), so that decoding
//! needs no date crate: SBS-1 writes `YYYY/MM/DD` and `HH:MM:SS.sss`.

/// Days since 1970-01-01 for a civil date (H. Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date for days since 1970-01-01 (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Parses `YYYY/MM/DD` (or `YYYY-MM-DD`) and `HH:MM:SS[.fff]` as UTC into UNIX seconds.
pub fn parse_date_time(date: &str, time: &str) -> Option<f64> {
    let db = date.as_bytes();
    if db.len() != 10 || !matches!(db[4], b'/' | b'-') || db[7] != db[4] {
        return None;
    }
    let y: i64 = digits(&db[0..4])?.into();
    let m = digits(&db[5..7])?;
    let d = digits(&db[8..10])?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let tb = time.as_bytes();
    if tb.len() < 8 || tb[2] != b':' || tb[5] != b':' {
        return None;
    }
    let hh = digits(&tb[0..2])?;
    let mm = digits(&tb[3..5])?;
    let ss = digits(&tb[6..8])?;
    if hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let mut frac = 0.0;
    if tb.len() > 8 {
        if tb[8] != b'.' || tb.len() == 9 || tb.len() > 18 {
            return None;
        }
        let mut scale = 0.1;
        for &b in &tb[9..] {
            if !b.is_ascii_digit() {
                return None;
            }
            frac += f64::from(b - b'0') * scale;
            scale /= 10.0;
        }
    }
    let days = days_from_civil(y, m, d);
    let secs = days * 86_400 + i64::from(hh * 3600 + mm * 60 + ss);
    // Round to the microsecond so that "22.903" gives exactly the decimal value.
    Some(((secs as f64 + frac) * 1e6).round() / 1e6)
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// Formats UNIX seconds as SBS-1 `YYYY/MM/DD` and `HH:MM:SS.sss` (UTC).
pub fn format_date_time(t_s: f64) -> (String, String) {
    let ms_total = (t_s * 1000.0).round() as i64;
    let days = ms_total.div_euclid(86_400_000);
    let ms_of_day = ms_total.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let h = ms_of_day / 3_600_000;
    let mi = (ms_of_day / 60_000) % 60;
    let s = (ms_of_day / 1000) % 60;
    let ms = ms_of_day % 1000;
    (
        format!("{y:04}/{m:02}/{d:02}"),
        format!("{h:02}:{mi:02}:{s:02}.{ms:03}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(
            parse_date_time("2016/02/05", "04:51:22.903"),
            Some(1_454_647_882.903)
        );
        assert_eq!(
            parse_date_time("2024-02-29", "00:00:00"),
            Some(1_709_164_800.0)
        );
        assert_eq!(parse_date_time("2016/13/05", "04:51:22"), None);
        assert_eq!(parse_date_time("2016/02/05", "4:51:22"), None);
        for z in [-1000i64, 0, 19_000, 20_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        let (d, t) = format_date_time(1_454_647_882.903);
        assert_eq!((d.as_str(), t.as_str()), ("2016/02/05", "04:51:22.903"));
    }
}
