//! The picture: visible tracks (`/tracks`, the GeoJSON export) and party telemetry in.

use crate::domain::ids::valid_track_id;
use crate::domain::parties::Caller;
use crate::domain::policy::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiPath};
use crate::http::state::AppState;
use crate::wire;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use deconflict_feeds::Observation;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

fn json_response(body: String, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// `GET /api/v1/tracks`.
pub async fn list(State(s): State<AppState>, c: Caller) -> Response {
    let pic = s.live.picture();
    let v = Viewer::of(&c);
    json_response(
        wire::tracks(pic.time, pic.visible(&v, &s.directory)),
        "application/json",
    )
}

/// `GET /api/v1/tracks/{id}`.
pub async fn one(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    let pic = s.live.picture();
    let t = pic
        .get(&id, &Viewer::of(&c), &s.directory)
        .ok_or_else(|| ApiError::not_found(format!("no track {id:?} visible to {}", c.party)))?;
    Ok(json_response(t.json.to_string(), "application/json"))
}

/// `GET /api/v1/export/picture.geojson`.
pub async fn picture_geojson(State(s): State<AppState>, c: Caller) -> Response {
    let pic = s.live.picture();
    let v = Viewer::of(&c);
    let body = wire::picture_geojson(pic.time, pic.visible(&v, &s.directory));
    json_response(body.to_string(), "application/geo+json")
}

/// One telemetry state as a party reports it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetryState {
    id: String,
    #[serde(default)]
    callsign: Option<String>,
    lat_deg: f64,
    lon_deg: f64,
    alt_ft: f64,
    #[serde(default)]
    gs_kt: Option<f64>,
    #[serde(default)]
    trk_deg: Option<f64>,
    #[serde(default)]
    vs_fpm: Option<f64>,
    #[serde(default)]
    on_ground: Option<bool>,
    #[serde(default)]
    squawk: Option<String>,
    /// MCP/FCU selected altitude, feet (the safety net caps climbs and descents there).
    #[serde(default)]
    selected_alt_ft: Option<f64>,
    /// UNIX seconds; default: now.
    #[serde(default)]
    time: Option<f64>,
}

/// The body or query of the operation below.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    Many(Vec<Value>),
    One(Value),
}

fn check_state(t: &TelemetryState, now: f64) -> Result<(), String> {
    let s = deconflict_engine::AircraftState {
        id: t.id.clone(),
        party: None,
        lat_deg: t.lat_deg,
        lon_deg: t.lon_deg,
        alt_ft: t.alt_ft,
        gs_kt: t.gs_kt.unwrap_or(0.0),
        trk_deg: t.trk_deg.unwrap_or(0.0),
        vs_fpm: t.vs_fpm.unwrap_or(0.0),
    };
    s.validate().map_err(|e| e.to_string())?;
    if !valid_track_id(&t.id) {
        return Err(format!(
            "id {:?} must be 1-32 characters of A-Z, a-z, 0-9, '-', '_'",
            t.id
        ));
    }
    if let Some(time) = t.time {
        if !time.is_finite() {
            return Err("time is not a finite number".into());
        }
        if time > now + 5.0 {
            return Err(format!("time {time} is {:.0} s in the future", time - now));
        }
        if time < now - 3600.0 {
            return Err(format!("time {time} is more than an hour old"));
        }
    }
    if let Some(sel) = t.selected_alt_ft {
        if !(sel.is_finite()
            && (deconflict_engine::state::MIN_ALT_FT..=deconflict_engine::state::MAX_ALT_FT)
                .contains(&sel))
        {
            return Err(format!("selected_alt_ft {sel} is out of range"));
        }
    }
    if t.callsign.as_ref().is_some_and(|c| c.len() > 16) {
        return Err("callsign is longer than 16 characters".into());
    }
    Ok(())
}

/// `POST /api/v1/telemetry`: one state or an array; each is accepted or rejected with a reason.
pub async fn telemetry(
    State(s): State<AppState>,
    c: Caller,
    ApiJson(body): ApiJson<OneOrMany>,
) -> ApiResult<impl IntoResponse> {
    c.require_writer()?;
    let items = match body {
        OneOrMany::Many(v) => v,
        OneOrMany::One(v) => vec![v],
    };
    if items.len() > s.config.limits.telemetry_batch_max {
        return Err(ApiError::invalid(format!(
            "{} states in one request; at most {} (limits.telemetry_batch_max)",
            items.len(),
            s.config.limits.telemetry_batch_max
        )));
    }
    let now = s.now_s();
    let feed: Arc<str> = Arc::from(format!("telemetry-{}", c.party));
    let party: Arc<str> = Arc::from(c.party.as_str());
    let mut accepted = 0usize;
    let mut rejected = Vec::new();
    for (index, v) in items.into_iter().enumerate() {
        let t: TelemetryState = match serde_json::from_value(v) {
            Ok(t) => t,
            Err(e) => {
                rejected.push(json!({ "index": index, "reason": e.to_string() }));
                continue;
            }
        };
        if let Err(reason) = check_state(&t, now) {
            rejected.push(json!({ "index": index, "reason": reason }));
            continue;
        }
        let mut o = Observation::new(t.id.clone(), t.time.unwrap_or(now), feed.clone());
        o.lat_deg = Some(t.lat_deg);
        o.lon_deg = Some(t.lon_deg);
        o.alt_ft = Some(t.alt_ft);
        o.gs_kt = t.gs_kt;
        o.trk_deg = t.trk_deg;
        o.vs_fpm = t.vs_fpm;
        o.callsign = t.callsign;
        o.squawk = t.squawk;
        o.selected_alt_ft = t.selected_alt_ft;
        o.on_ground = t.on_ground;
        o.party = Some(party.clone());
        o.own = true;
        match s.live.ingest.try_send(o) {
            Ok(()) => accepted += 1,
            Err(_) => rejected
                .push(json!({ "index": index, "reason": "ingest queue full; retry shortly" })),
        }
    }
    Ok(axum::Json(
        json!({ "accepted": accepted, "rejected": rejected }),
    ))
}
