//! Helpers of the strategic tests: volumes as JSON, filings, checks, requests, telemetry,
//! intrusion lists, stream frames.

use super::Server;
use serde_json::{json, Value};
use std::time::Duration;

/// Mean Earth radius of the airspace crate, metres.
pub const R_M: f64 = 6_371_008.8;

pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

pub fn square(lon0: f64, lat0: f64, lon1: f64, lat1: f64) -> Value {
    json!({"type": "polygon", "coordinates": [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1]]})
}

pub fn vol(shape: Value, lower_ft: f64, upper_ft: f64, start: f64, end: f64) -> Value {
    json!({"shape": shape, "lower_ft": lower_ft, "upper_ft": upper_ft, "start_time": start, "end_time": end})
}

pub fn circle(lat: f64, lon: f64, radius_m: f64) -> Value {
    json!({"type": "circle", "center": {"lat_deg": lat, "lon_deg": lon}, "radius_m": radius_m})
}

/// Area of a lon/lat rectangle on the sphere, m².
pub fn rect_area_m2(dlon_deg: f64, lat0_deg: f64, lat1_deg: f64) -> f64 {
    R_M * R_M * dlon_deg.to_radians() * (lat1_deg.to_radians().sin() - lat0_deg.to_radians().sin())
}

pub fn rel_err(got: f64, want: f64) -> f64 {
    (got / want - 1.0).abs()
}

pub fn file(s: &Server, tok: &str, body: Value) -> (u16, Value) {
    s.json("POST", Some(tok), "/api/v1/reservations", Some(body))
}

pub fn check(s: &Server, tok: &str, volumes: Value) -> Vec<Value> {
    let (st, v) = s.json(
        "POST",
        Some(tok),
        "/api/v1/reservations/check",
        Some(json!({"volumes": volumes, "priority": 5})),
    );
    assert_eq!(st, 200, "{v}");
    v["overlaps"].as_array().unwrap().clone()
}

pub fn request(s: &Server, tok: &str, body: Value) -> Value {
    let (st, v) = s.json("POST", Some(tok), "/api/v1/requests", Some(body));
    assert_eq!(st, 201, "{v}");
    v
}

pub fn telemetry(s: &Server, tok: &str, id: &str, lat: f64, lon: f64, trk: f64) {
    let (st, v) = s.json("POST", Some(tok), "/api/v1/telemetry", Some(json!({"id": id, "callsign": "TEST1",
        "lat_deg": lat, "lon_deg": lon, "alt_ft": 10_000.0, "gs_kt": 400.0, "trk_deg": trk, "vs_fpm": 0.0})));
    assert_eq!((st, v["accepted"].as_u64()), (200, Some(1)), "{v}");
}

pub fn intrusions(s: &Server, tok: &str, query: &str) -> Vec<Value> {
    let (st, v) = s.json(
        "GET",
        Some(tok),
        &format!("/api/v1/intrusions{query}"),
        None,
    );
    assert_eq!(st, 200, "{v}");
    v["intrusions"].as_array().unwrap().clone()
}

/// RFC 3339 UTC for UNIX seconds (whole seconds), without a date library.
pub fn chrono_like(t: f64) -> String {
    let secs = t.floor() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

/// Reads text frames for up to `secs`, returning those for which `keep` holds.
pub async fn frames(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    secs: f64,
    mut until: impl FnMut(&Value) -> bool,
) -> Vec<Value> {
    use futures::StreamExt;
    let mut out = Vec::new();
    let end = tokio::time::Instant::now() + Duration::from_secs_f64(secs);
    while let Ok(Some(Ok(m))) = tokio::time::timeout_at(end, ws.next()).await {
        if let tokio_tungstenite::tungstenite::Message::Text(t) = m {
            let v: Value = serde_json::from_str(&t).unwrap();
            let done = until(&v);
            out.push(v);
            if done {
                break;
            }
        }
    }
    out
}
