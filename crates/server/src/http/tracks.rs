//! The picture: visible tracks (`/tracks`, the GeoJSON export) and party telemetry in
//! (decoded by the feeds crate's telemetry decoder, the one fuzzed and documented).

use crate::domain::ownership::{may_report, Refusal};
use crate::domain::parties::Caller;
use crate::domain::policy::Viewer;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiPath};
use crate::http::state::AppState;
use crate::wire;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use deconflict_feeds::states::parse_telemetry_report;
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

/// The telemetry body: one report or an array of them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// Several reports.
    Many(Vec<Value>),
    /// One report.
    One(Value),
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
    // The party's states budget (`limits.telemetry_states_per_s`), all or none.
    s.telemetry_limiter
        .take(&c.party, items.len() as f64, "telemetry states/s per party")?;
    let now = s.now_s();
    let feed: Arc<str> = Arc::from(format!("telemetry-{}", c.party));
    let party: Arc<str> = Arc::from(c.party.as_str());
    let mut rejected = Vec::new();
    let mut states = Vec::with_capacity(items.len());
    for (index, v) in items.into_iter().enumerate() {
        match parse_telemetry_report(v, now, &feed, &party) {
            Ok(o) => states.push((index, o)),
            Err(e) => rejected.push(json!({ "index": index, "reason": e.to_string() })),
        }
    }
    // A party reports only the aircraft registered for it: a request naming any other is
    // refused whole, nothing of it applied.
    let claims = s.live.claims();
    let is_cell = c.role == deconflict_store::Role::Cell;
    let refusals: Vec<Refusal> = states
        .iter()
        .filter_map(|(_, o)| may_report(&c.party, is_cell, &o.id, &claims).err())
        .collect();
    if let Some(first) = refusals.first().cloned() {
        for r in &refusals {
            s.live
                .metrics
                .add_telemetry_refused(&c.party, r.reason(), 1);
        }
        let ids: Vec<String> = refusals
            .iter()
            .take(10)
            .map(|r| match r {
                Refusal::NotRegistered { id, .. } | Refusal::OtherParty { id, .. } => id.clone(),
            })
            .collect();
        let reason = first.reason();
        return Err(ApiError::from(first).with_extra(json!({
            "reason": reason,
            "refused": refusals.len(),
            "ids": ids,
        })));
    }
    // Applied to the track table here, so that `accepted` counts what the table took.
    let mut accepted = 0usize;
    let applied = states.len() as u64;
    {
        let mut t = s.live.table.lock().unwrap_or_else(|e| e.into_inner());
        // The party's live-track quota: aircraft it does not yet own count against it.
        let max = s.config.limits.party_tracks_max;
        let owned = t.owned_by(&c.party);
        let new: std::collections::BTreeSet<&str> = states
            .iter()
            .map(|(_, o)| o.id.as_str())
            .filter(|id| {
                t.get(id)
                    .is_none_or(|tr| tr.party.as_deref() != Some(&c.party))
            })
            .collect();
        if owned + new.len() > max {
            return Err(ApiError::too_many_requests(
                format!(
                    "{} owns {owned} live tracks; {} more would pass limits.party_tracks_max ({max})",
                    c.party,
                    new.len()
                ),
                10,
            ));
        }
        // Accepted here, relayed to the cell's other nodes (`live::relay`).
        let relay_max = s.config.cluster.relay_max_states;
        for (index, o) in states {
            let relayed = s.live.relay.is_on().then(|| o.clone());
            match t.ingest(o) {
                Ok(()) => {
                    accepted += 1;
                    if let Some(o) = relayed {
                        s.live.relay.keep(&o, relay_max);
                    }
                }
                Err(e) => {
                    s.live.metrics.add_rejected(e.reason());
                    rejected.push(json!({ "index": index, "reason": e.to_string() }));
                }
            }
        }
    }
    s.live.metrics.add_ingested(applied);
    Ok(axum::Json(
        json!({ "accepted": accepted, "rejected": rejected }),
    ))
}
