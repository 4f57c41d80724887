//! SBS-1 BaseStation CSV (port 30003): parsing and writing.
//!
//! A line is `MSG,<type 1-8>,<session>,<aircraft>,<hex ident>,<flight>,<date gen>,<time gen>,
//! <date log>,<time log>,<callsign>,<altitude ft>,<ground speed kt>,<track deg>,<lat>,<lon>,
//! <vertical rate fpm>,<squawk>,<alert>,<emergency>,<spi>,<on ground>`. Every message type
//! fills a different subset; empty fields are simply absent from the [`Observation`]. The
//! time of applicability is the "generated" date and time, read as UTC (readsb and dump1090
//! write UTC by default). `SEL`, `ID`, `AIR`, `STA` and `CLK` lines carry no state and are
//! reported as [`DecodeError::Unsupported`].

use std::fmt::Write as _;
use std::sync::Arc;

use crate::error::DecodeError;
use crate::observation::Observation;
use crate::time::{format_date_time, parse_date_time};

/// Parses one SBS-1 line (without or with its trailing `\r\n`).
///
/// # Errors
/// [`DecodeError`] when the line is not a well-formed `MSG` line or a field is out of range.
///
/// # Examples
/// ```
/// use std::sync::Arc;
/// let line = "MSG,3,111,11111,484411,111111,2016/02/05,04:51:22.903,2016/02/05,04:51:22.889,,12525,,,52.58052,5.29031,,,,,,0";
/// let obs = deconflict_feeds::sbs::parse_line(line, &Arc::from("feed")).unwrap();
/// assert_eq!(obs.id, "484411");
/// assert_eq!(obs.alt_ft, Some(12525.0));
/// assert_eq!(obs.time_s, 1454647882.903);
/// ```
pub fn parse_line(line: &str, feed: &Arc<str>) -> Result<Observation, DecodeError> {
    let line = line.trim_end_matches(['\r', '\n']);
    // One pass over the bytes to find the commas (faster than `split` on short fields).
    let mut cuts = [0usize; 23];
    let mut n_cuts = 0;
    for (i, &b) in line.as_bytes().iter().enumerate() {
        if b == b',' {
            if n_cuts == cuts.len() {
                return Err(DecodeError::Malformed { what: "SBS-1 line" });
            }
            cuts[n_cuts] = i;
            n_cuts += 1;
        }
    }
    let kind = &line[..cuts[0].min(line.len())];
    if n_cuts == 0 || kind != "MSG" {
        return Err(match if n_cuts == 0 { line } else { kind } {
            "SEL" | "ID" | "AIR" | "STA" | "CLK" => DecodeError::Unsupported,
            _ => DecodeError::Malformed { what: "SBS-1 line" },
        });
    }
    // Some feeders drop trailing empty fields; at least up to the hex ident and time must exist.
    let n = n_cuts;
    if !(7..=21).contains(&n) {
        return Err(DecodeError::Malformed { what: "SBS-1 line" });
    }
    let mut fields: [&str; 21] = [""; 21];
    for (k, slot) in fields.iter_mut().enumerate().take(n) {
        let start = cuts[k] + 1;
        let end = if k + 1 < n { cuts[k + 1] } else { line.len() };
        *slot = &line[start..end];
    }
    let msg_type: u8 = fields[0]
        .parse()
        .map_err(|_| DecodeError::BadField { field: "type" })?;
    if !(1..=8).contains(&msg_type) {
        return Err(DecodeError::BadField { field: "type" });
    }
    let id = parse_hex_ident(fields[3])?;
    let time_s =
        parse_date_time(fields[5], fields[6]).ok_or(DecodeError::BadField { field: "time" })?;
    let mut obs = Observation {
        id,
        time_s,
        feed: feed.clone(),
        ..Default::default()
    };
    let cs = fields[9].trim();
    if !cs.is_empty() {
        if cs.len() > 8 || !cs.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ') {
            return Err(DecodeError::BadField { field: "callsign" });
        }
        obs.callsign = Some(cs.to_string());
    }
    obs.alt_ft = num(fields[10], "altitude", -2_000.0, 200_000.0)?;
    obs.gs_kt = num(fields[11], "ground_speed", 0.0, 4_000.0)?;
    obs.trk_deg = num(fields[12], "track", -360.0, 360.0)?;
    let lat = num(fields[13], "latitude", -90.0, 90.0)?;
    let lon = num(fields[14], "longitude", -180.0, 180.0)?;
    if lat.is_some() != lon.is_some() {
        return Err(DecodeError::BadField { field: "latitude" });
    }
    obs.lat_deg = lat;
    obs.lon_deg = lon;
    obs.vs_fpm = num(fields[15], "vertical_rate", -60_000.0, 60_000.0)?;
    let sq = fields[16].trim();
    if !sq.is_empty() {
        if sq.len() > 4 || !sq.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            return Err(DecodeError::BadField { field: "squawk" });
        }
        obs.squawk = Some(format!("{sq:0>4}"));
    }
    obs.on_ground = match fields[20].trim() {
        "" => None,
        "0" => Some(false),
        "-1" | "1" => Some(true),
        _ => return Err(DecodeError::BadField { field: "on_ground" }),
    };
    if msg_type == 2 {
        obs.on_ground = Some(true);
    }
    Ok(obs)
}

fn parse_hex_ident(s: &str) -> Result<String, DecodeError> {
    let (prefix, hex) = match s.strip_prefix('~') {
        Some(rest) => ("~", rest),
        None => ("", s),
    };
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(DecodeError::BadField { field: "hex_ident" });
    }
    if prefix.is_empty() {
        Ok(hex.to_ascii_uppercase())
    } else {
        Ok(format!("~{}", hex.to_ascii_uppercase()))
    }
}

fn num(s: &str, field: &'static str, min: f64, max: f64) -> Result<Option<f64>, DecodeError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let v: f64 = s.parse().map_err(|_| DecodeError::BadField { field })?;
    if !v.is_finite() || v < min || v > max {
        return Err(DecodeError::BadField { field });
    }
    Ok(Some(v))
}

/// Writes `obs` as one SBS-1 `MSG` line of the given type (1–8), without line terminator.
///
/// Only the fields that type carries are written (1: callsign; 3: altitude, position, on
/// ground; 4: ground speed, track, vertical rate; 5: altitude; 6: squawk; others: none).
pub fn write_line(out: &mut String, msg_type: u8, obs: &Observation) {
    let (date, time) = format_date_time(obs.time_s);
    let hex = obs.id.trim_start_matches('~');
    let _ = write!(
        out,
        "MSG,{msg_type},1,1,{hex},1,{date},{time},{date},{time},"
    );
    let opt = |out: &mut String, v: Option<f64>, prec: usize| {
        if let Some(v) = v {
            let _ = write!(out, "{v:.prec$}");
        }
        out.push(',');
    };
    match msg_type {
        1 => {
            out.push_str(obs.callsign.as_deref().unwrap_or(""));
            out.push_str(",,,,,,,,,,,0");
        }
        3 => {
            out.push(',');
            opt(out, obs.alt_ft.map(f64::round), 0);
            out.push_str(",,");
            opt(out, obs.lat_deg, 5);
            opt(out, obs.lon_deg, 5);
            out.push_str(",,0,0,0,");
            out.push_str(if obs.on_ground == Some(true) {
                "-1"
            } else {
                "0"
            });
        }
        4 => {
            out.push_str(",,");
            opt(out, obs.gs_kt, 1);
            opt(out, obs.trk_deg, 1);
            out.push_str(",,");
            opt(out, obs.vs_fpm.map(f64::round), 0);
            out.push_str(",0,0,0,0");
        }
        5 => {
            out.push(',');
            opt(out, obs.alt_ft.map(f64::round), 0);
            out.push_str(",,,,,,0,0,0,0");
        }
        6 => {
            out.push_str(",,,,,,,");
            out.push_str(obs.squawk.as_deref().unwrap_or(""));
            out.push_str(",0,0,0,0");
        }
        _ => out.push_str(",,,,,,,,,,"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed() -> Arc<str> {
        Arc::from("t")
    }

    #[test]
    fn parses_the_reference_lines() {
        let l1 = "MSG,1,111,11111,3C70A8,111111,2016/02/05,04:51:22.709,2016/02/05,04:51:22.693,BCS850  ,,,,,,,,,,,0";
        let o = parse_line(l1, &feed()).unwrap();
        assert_eq!(o.id, "3C70A8");
        assert_eq!(o.callsign.as_deref(), Some("BCS850"));
        assert_eq!(o.on_ground, Some(false));
        assert!(o.lat_deg.is_none());
        let l3 = "MSG,3,111,11111,484411,111111,2016/02/05,04:51:22.903,2016/02/05,04:51:22.889,,12525,,,52.58052,5.29031,,,,,,0\r\n";
        let o = parse_line(l3, &feed()).unwrap();
        assert_eq!(o.lat_deg, Some(52.58052));
        assert_eq!(o.lon_deg, Some(5.29031));
    }

    #[test]
    fn rejects_bad_lines() {
        let f = feed();
        assert_eq!(parse_line("", &f).unwrap_err().reason(), "malformed");
        assert_eq!(parse_line("MSG,3", &f).unwrap_err().reason(), "malformed");
        let bad_lat = "MSG,3,1,1,484411,1,2016/02/05,04:51:22.903,,,,12525,,,95.0,5.29031,,,,,,0";
        assert_eq!(
            parse_line(bad_lat, &f).unwrap_err(),
            DecodeError::BadField { field: "latitude" }
        );
        let nan = "MSG,3,1,1,484411,1,2016/02/05,04:51:22.903,,,,NaN,,,52.0,5.0,,,,,,0";
        assert_eq!(
            parse_line(nan, &f).unwrap_err(),
            DecodeError::BadField { field: "altitude" }
        );
        let hex = "MSG,3,1,1,48441Z,1,2016/02/05,04:51:22.903,,,,1,,,52.0,5.0,,,,,,0";
        assert_eq!(
            parse_line(hex, &f).unwrap_err(),
            DecodeError::BadField { field: "hex_ident" }
        );
        assert_eq!(
            parse_line("STA,,5,179,400AE7,10103,2008/11/28,14:58:51.153", &f).unwrap_err(),
            DecodeError::Unsupported
        );
    }

    #[test]
    fn write_then_parse_round_trips() {
        let mut o = Observation::new("ABCDEF", 1_700_000_000.25, feed());
        o.lat_deg = Some(36.12345);
        o.lon_deg = Some(37.54321);
        o.alt_ft = Some(25_000.0);
        o.gs_kt = Some(420.5);
        o.trk_deg = Some(87.5);
        o.vs_fpm = Some(-640.0);
        o.callsign = Some("VIPER11".into());
        o.squawk = Some("7000".into());
        for t in [1u8, 3, 4, 5, 6, 7, 8] {
            let mut s = String::new();
            write_line(&mut s, t, &o);
            let p = parse_line(&s, &feed()).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(p.id, "ABCDEF");
            assert!((p.time_s - o.time_s).abs() < 1e-3, "{s}");
            match t {
                1 => assert_eq!(p.callsign, o.callsign),
                3 => {
                    assert_eq!(p.lat_deg, o.lat_deg);
                    assert_eq!(p.alt_ft, o.alt_ft);
                }
                4 => {
                    assert_eq!(p.gs_kt, o.gs_kt);
                    assert_eq!(p.vs_fpm, o.vs_fpm);
                }
                5 => assert_eq!(p.alt_ft, o.alt_ft),
                6 => assert_eq!(p.squawk, o.squawk),
                _ => {}
            }
        }
    }
}
