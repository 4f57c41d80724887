//! Reservations and zones: the dry-run check, filing, listing, versioned change and cancel,
//! imports (GeoJSON, ASTM F3548 `Volume4D`, OpenAir zones) and the GeoJSON export. The rules
//! (validation, give-way, ownership) are `domain::reservations`'.

use crate::domain::parties::Caller;
use crate::domain::reservations::{
    blocking_change, check_volumes, decide, filed_over, may_change, purpose_word, with_gives_way,
    Candidate, FilingError, Overlap, ReservationDoc, DEFAULT_PRIORITY, DEFAULT_ZONE_PRIORITY,
    MAX_IMPORT,
};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{parse_body, ApiJson, ApiPath, ApiQuery};
use crate::http::state::AppState;
use crate::wire;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use deconflict_airspace::formats::{astm, geojson, openair};
use deconflict_airspace::volume::MAX_PRIORITY;
use deconflict_airspace::{Purpose, ReservationOverlap, ReservationState, Volume};
use serde::Deserialize;
use serde_json::{json, Map, Value};

fn invalid(e: impl std::fmt::Display) -> ApiError {
    ApiError::invalid(e.to_string())
}

/// The state a filing by `c` is filed in at `now`: the give-way decision, then time.
fn filing_state(
    s: &AppState,
    overlaps: &[ReservationOverlap],
    cand: &Candidate,
    c: &Caller,
    now: f64,
) -> Result<ReservationState, FilingError> {
    Ok(
        decide(overlaps, cand, &c.party, s.config.strategic.equal_priority)?
            .at_time(&cand.volumes, now),
    )
}

/// Body of the dry-run check.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    volumes: Vec<Volume>,
    #[serde(default)]
    priority: Option<u8>,
    #[serde(default)]
    #[allow(dead_code)]
    purpose: Option<Purpose>,
    /// The caller's own reservation being changed (left out of the check).
    #[serde(default)]
    reservation_id: Option<String>,
}

/// Body of a filing (and, with `version`, of a change).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    purpose: Option<Purpose>,
    #[serde(default)]
    priority: Option<u8>,
    #[serde(default)]
    volumes: Option<Vec<Volume>>,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    version: Option<i64>,
}

fn find_overlaps(
    s: &AppState,
    party: &str,
    volumes: &[Volume],
    exclude: Option<&str>,
) -> ApiResult<Vec<ReservationOverlap>> {
    s.strategic
        .index
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .check(party, volumes, exclude)
        .map_err(invalid)
}

/// `POST /api/v1/reservations/check`.
pub async fn check(
    State(s): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<Value>,
) -> ApiResult<impl IntoResponse> {
    c.require_writer()?;
    let b: CheckBody = parse_body(b)?;
    let now = s.now_s();
    let priority = b.priority.unwrap_or(DEFAULT_PRIORITY);
    check_volumes(&b.volumes, priority, now)?;
    let overlaps = find_overlaps(&s, &c.party, &b.volumes, b.reservation_id.as_deref())?;
    let list: Vec<Overlap> = with_gives_way(&overlaps, &c.party, priority);
    Ok(axum::Json(json!({ "overlaps": list })))
}

async fn store_new(
    s: &AppState,
    actor: &str,
    doc: ReservationDoc,
    action: &'static str,
) -> ApiResult<ReservationDoc> {
    let record = doc.to_record().map_err(ApiError::internal)?;
    let actor = actor.to_owned();
    let rec = s
        .db(move |st| st.create_reservation(&actor, action, &record))
        .await?;
    let doc = ReservationDoc::from_record(rec).map_err(ApiError::internal)?;
    let now = s.now_s();
    s.strategic.put(doc.clone(), now);
    s.live
        .publish_frame(wire::reservation_frame("filed", &doc, now), None);
    Ok(doc)
}

/// Stores several new reservations in one transaction (all or none) and returns their JSON.
async fn store_many(
    s: &AppState,
    actor: &str,
    docs: Vec<ReservationDoc>,
    action: &'static str,
) -> ApiResult<Vec<Value>> {
    let items = docs
        .iter()
        .map(ReservationDoc::to_record)
        .collect::<Result<Vec<_>, serde_json::Error>>()
        .map_err(ApiError::internal)?;
    let actor = actor.to_owned();
    let recs = s
        .db(move |st| st.create_reservations(&actor, action, &items))
        .await?;
    let now = s.now_s();
    let mut out = Vec::with_capacity(recs.len());
    for rec in recs {
        let doc = ReservationDoc::from_record(rec).map_err(ApiError::internal)?;
        s.strategic.put(doc.clone(), now);
        s.live
            .publish_frame(wire::reservation_frame("filed", &doc, now), None);
        out.push(doc.json_at(now));
    }
    Ok(out)
}

/// `POST /api/v1/reservations`.
pub async fn file(
    State(s): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<FileBody>,
) -> ApiResult<impl IntoResponse> {
    c.require_writer()?;
    if b.version.is_some() {
        return Err(ApiError::invalid(
            "version is only given when changing a reservation (PUT /api/v1/reservations/{id})",
        ));
    }
    let now = s.now_s();
    let volumes = b
        .volumes
        .ok_or_else(|| ApiError::invalid("volumes is missing: give at least one volume"))?;
    let cand = Candidate::new(
        b.name,
        b.purpose.unwrap_or(Purpose::Operation),
        b.priority.unwrap_or(DEFAULT_PRIORITY),
        volumes,
        b.justification,
        now,
    )?;
    let _writes = s.strategic.writes.lock().await;
    let overlaps = find_overlaps(&s, &c.party, &cand.volumes, None)?;
    let state = filing_state(&s, &overlaps, &cand, &c, now)?;
    let name = if cand.name.is_empty() {
        format!("{} {}", c.party, purpose_word(cand.purpose))
    } else {
        cand.name
    };
    let doc = ReservationDoc {
        id: String::new(),
        party: c.party.clone(),
        name,
        purpose: cand.purpose,
        priority: cand.priority,
        state,
        version: 0,
        volumes: cand.volumes,
        justification: cand.justification,
        filed_over: filed_over(&overlaps),
        source: None,
        created_at: 0.0,
        updated_at: 0.0,
    };
    let doc = store_new(&s, &c.party, doc, "reservation.file").await?;
    let list = with_gives_way(&overlaps, &c.party, doc.priority);
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({ "reservation": doc.json_at(s.now_s()), "overlaps": list })),
    ))
}

/// `GET /api/v1/reservations`.
pub async fn list(State(s): State<AppState>, _c: Caller) -> impl IntoResponse {
    let now = s.now_s();
    let list: Vec<Value> = s.strategic.all().iter().map(|d| d.json_at(now)).collect();
    axum::Json(json!({ "reservations": list }))
}

fn get_doc(s: &AppState, id: &str) -> ApiResult<ReservationDoc> {
    s.strategic
        .get(id)
        .ok_or_else(|| ApiError::not_found(format!("no reservation {id:?}")))
}

/// `GET /api/v1/reservations/{id}`.
pub async fn one(
    State(s): State<AppState>,
    _c: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    Ok(axum::Json(get_doc(&s, &id)?.json_at(s.now_s())))
}

/// The owner's document, ready to change: 403 for anyone else, 409 when it is over or stale.
fn owned(s: &AppState, c: &Caller, id: &str, version: i64, now: f64) -> ApiResult<ReservationDoc> {
    c.require_writer()?;
    let doc = get_doc(s, id)?;
    may_change(&doc, &c.party, version, now)?;
    Ok(doc)
}

async fn store_change(
    s: &AppState,
    actor: &str,
    action: &'static str,
    doc: &ReservationDoc,
    expected_version: i64,
    event: &str,
) -> ApiResult<ReservationDoc> {
    let change = doc.to_change().map_err(ApiError::internal)?;
    let (actor, id) = (actor.to_owned(), doc.id.clone());
    let rec = s
        .db(move |st| st.update_reservation(&actor, action, &id, Some(expected_version), &change))
        .await?;
    let doc = ReservationDoc::from_record(rec).map_err(ApiError::internal)?;
    let now = s.now_s();
    s.strategic.put(doc.clone(), now);
    s.live
        .publish_frame(wire::reservation_frame(event, &doc, now), None);
    Ok(doc)
}

/// `PUT /api/v1/reservations/{id}`: fields not given keep their value.
pub async fn update(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<FileBody>,
) -> ApiResult<impl IntoResponse> {
    c.require_writer()?;
    let version = b
        .version
        .ok_or_else(|| ApiError::invalid("version is missing: give the version you changed"))?;
    let now = s.now_s();
    let _writes = s.strategic.writes.lock().await;
    let old = owned(&s, &c, &id, version, now)?;
    let cand = Candidate::new(
        b.name.or(Some(old.name.clone())),
        b.purpose.unwrap_or(old.purpose),
        b.priority.unwrap_or(old.priority),
        b.volumes.unwrap_or_else(|| old.volumes.clone()),
        b.justification.or(old.justification.clone()),
        now,
    )?;
    let overlaps = find_overlaps(&s, &c.party, &cand.volumes, Some(&id))?;
    // Reservations filed over this one knowingly (with a justification) do not hold up a
    // change that keeps its volumes (a new name, justification, purpose); they are still
    // reported. A change of volumes is checked like a new filing.
    let blocking = blocking_change(&overlaps, cand.volumes == old.volumes, |other| {
        s.strategic
            .get(other)
            .is_some_and(|d| d.filed_over.contains(&id))
    });
    let state = filing_state(&s, &blocking, &cand, &c, now)?;
    let doc = ReservationDoc {
        name: if cand.name.is_empty() {
            old.name.clone()
        } else {
            cand.name
        },
        purpose: cand.purpose,
        priority: cand.priority,
        state,
        volumes: cand.volumes,
        justification: cand.justification,
        filed_over: filed_over(&blocking),
        ..old
    };
    let doc = store_change(&s, &c.party, "reservation.update", &doc, version, "updated").await?;
    let list = with_gives_way(&overlaps, &c.party, doc.priority);
    Ok(axum::Json(
        json!({ "reservation": doc.json_at(s.now_s()), "overlaps": list }),
    ))
}

/// Query of the cancel.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelQuery {
    version: Option<i64>,
}

/// `DELETE /api/v1/reservations/{id}?version=N`: state `cancelled`.
pub async fn cancel(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<CancelQuery>,
) -> ApiResult<impl IntoResponse> {
    c.require_writer()?;
    let version = q.version.ok_or_else(|| {
        ApiError::bad_request("?version=N is missing: give the version you cancel")
    })?;
    let now = s.now_s();
    let _writes = s.strategic.writes.lock().await;
    let old = owned(&s, &c, &id, version, now)?;
    let doc = ReservationDoc {
        state: ReservationState::Cancelled,
        ..old
    };
    let doc = store_change(
        &s,
        &c.party,
        "reservation.cancel",
        &doc,
        version,
        "cancelled",
    )
    .await?;
    Ok(axum::Json(doc.json_at(s.now_s())))
}

fn prop_str(p: &Map<String, Value>, k: &str) -> Option<String> {
    p.get(k).and_then(Value::as_str).map(str::to_owned)
}

fn prop_purpose(at: &str, v: Option<&Value>) -> ApiResult<Option<Purpose>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone()).map(Some).map_err(|_| {
            ApiError::invalid(format!(
                "{at}: purpose must be operation, training, hazard or closure"
            ))
        }),
    }
}

fn prop_priority(at: &str, v: Option<&Value>) -> ApiResult<Option<u8>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .filter(|p| *p <= u64::from(MAX_PRIORITY))
            .map(|p| Some(p as u8))
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "{at}: priority must be an integer in [0, {MAX_PRIORITY}]"
                ))
            }),
    }
}

/// `POST /api/v1/reservations/import`: a GeoJSON `FeatureCollection` or `Feature` (one
/// reservation per feature; `name`, `purpose`, `priority`, `justification` from its
/// properties) or ASTM F3548 `Volume4D` JSON (one reservation: a `Volume4D`, an array of them,
/// or an object with `volumes`/`extents` and optional `name`, `purpose`, `priority`,
/// `justification`). All or nothing: one refused reservation files none.
pub async fn import(
    State(s): State<AppState>,
    c: Caller,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<impl IntoResponse> {
    c.require_writer()?;
    let now = s.now_s();
    let mut cands: Vec<(Candidate, Value)> = Vec::new();
    let kind = body.get("type").and_then(Value::as_str);
    if matches!(kind, Some("FeatureCollection") | Some("Feature")) {
        let features = geojson::features_from_value(&body).map_err(invalid)?;
        if features.len() > MAX_IMPORT {
            return Err(ApiError::invalid(format!(
                "{} features; at most {MAX_IMPORT} per import",
                features.len()
            )));
        }
        for f in features {
            let at = format!("features[{}].properties", f.index);
            let p = &f.properties;
            let cand = Candidate::new(
                prop_str(p, "name"),
                prop_purpose(&at, p.get("purpose"))?.unwrap_or(Purpose::Operation),
                prop_priority(&at, p.get("priority"))?.unwrap_or(DEFAULT_PRIORITY),
                f.volumes,
                prop_str(p, "justification"),
                now,
            )
            .map_err(|e| ApiError::invalid(format!("features[{}]: {e}", f.index)))?;
            cands.push((cand, json!({ "format": "geojson", "feature": f.index })));
        }
    } else {
        let volumes = astm::volumes_from_value(&body).map_err(invalid)?;
        let empty = Map::new();
        let p = body.as_object().unwrap_or(&empty);
        let cand = Candidate::new(
            prop_str(p, "name"),
            prop_purpose("$", p.get("purpose"))?.unwrap_or(Purpose::Operation),
            prop_priority("$", p.get("priority"))?.unwrap_or(DEFAULT_PRIORITY),
            volumes,
            prop_str(p, "justification"),
            now,
        )?;
        cands.push((cand, json!({ "format": "volume4d" })));
    }
    let _writes = s.strategic.writes.lock().await;
    let mut planned = Vec::new();
    let mut all_overlaps = Vec::new();
    for (i, (cand, source)) in cands.into_iter().enumerate() {
        let overlaps = find_overlaps(&s, &c.party, &cand.volumes, None)?;
        let state = filing_state(&s, &overlaps, &cand, &c, now)
            .map_err(ApiError::from)
            .map_err(|mut e| {
                e.detail = format!(
                    "reservation {i} of the import: {}; nothing was filed",
                    e.detail
                );
                e
            })?;
        for o in &overlaps {
            all_overlaps.push(wire::import_overlap(o, &c.party, cand.priority, i));
        }
        planned.push(ReservationDoc {
            id: String::new(),
            party: c.party.clone(),
            name: if cand.name.is_empty() {
                format!("{} import {}", c.party, i + 1)
            } else {
                cand.name
            },
            purpose: cand.purpose,
            priority: cand.priority,
            state,
            version: 0,
            volumes: cand.volumes,
            justification: cand.justification,
            filed_over: filed_over(&overlaps),
            source: Some(source),
            created_at: 0.0,
            updated_at: 0.0,
        });
    }
    let filed = store_many(&s, &c.party, planned, "reservation.import").await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({ "reservations": filed, "overlaps": all_overlaps })),
    ))
}

/// `GET /api/v1/export/reservations.geojson`: live reservations and zones, one feature per
/// volume (circles as `Point` with `radius_m`), importable back.
pub async fn export(State(s): State<AppState>, _c: Caller) -> Response {
    let now = s.now_s();
    let mut features = Vec::new();
    for d in s.strategic.all() {
        let core = d.core(now);
        if !core.state.is_live() {
            continue;
        }
        for mut f in geojson::reservation_to_features(&core) {
            if let Some(p) = f.get_mut("properties").and_then(Value::as_object_mut) {
                p.insert("name".into(), json!(d.name));
                p.insert("version".into(), json!(d.version));
            }
            features.push(f);
        }
    }
    let mut r = geojson::feature_collection(features)
        .to_string()
        .into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/geo+json"),
    );
    r
}

/// Options of an OpenAir import (query string for `text/plain`, members for JSON).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenAirOptions {
    /// The OpenAir text (JSON form only).
    #[serde(default)]
    text: Option<String>,
    /// Start of the zones' window, UNIX s; default now.
    #[serde(default)]
    start_time: Option<f64>,
    /// End of the window, UNIX s; default now + `strategic.zone_default_s`.
    #[serde(default)]
    end_time: Option<f64>,
    /// `hazard` (default) or `closure`.
    #[serde(default)]
    purpose: Option<Purpose>,
    /// Default 10.
    #[serde(default)]
    priority: Option<u8>,
}

/// `POST /api/v1/zones/openair`: OpenAir text (`text/plain`, options in the query string) or
/// JSON `{"text": "...", "start_time", "end_time", "purpose", "priority"}`. Zones are facts,
/// not claims: they are filed over other reservations without a justification, and the
/// overlaps are reported. Airspaces that cannot be used are listed in `rejected`.
pub async fn openair(
    State(s): State<AppState>,
    c: Caller,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<OpenAirOptions>,
    body: axum::body::Bytes,
) -> ApiResult<impl IntoResponse> {
    c.require_writer()?;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let (opts, text) = if is_json {
        let o: OpenAirOptions = serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("body: {e}")))?;
        let text = o
            .text
            .clone()
            .ok_or_else(|| ApiError::invalid("text is missing: give the OpenAir text"))?;
        (o, text)
    } else {
        if q.text.is_some() {
            return Err(ApiError::bad_request(
                "send the OpenAir text as the body, not in the query string",
            ));
        }
        let text = String::from_utf8(body.to_vec())
            .map_err(|_| ApiError::bad_request("the OpenAir text is not valid UTF-8"))?;
        (q, text)
    };
    let now = s.now_s();
    let start = opts.start_time.unwrap_or(now);
    let end = opts
        .end_time
        .unwrap_or(start.max(now) + s.config.strategic.zone_default_s);
    let purpose = opts.purpose.unwrap_or(Purpose::Hazard);
    if !matches!(purpose, Purpose::Hazard | Purpose::Closure) {
        return Err(ApiError::invalid(
            "purpose of an OpenAir zone must be hazard or closure",
        ));
    }
    let priority = opts.priority.unwrap_or(DEFAULT_ZONE_PRIORITY);
    let parsed = openair::parse_openair(&text, start, end);
    let rejected: Vec<Value> = parsed
        .rejected
        .iter()
        .map(|r| json!({ "index": r.index, "name": r.name, "reason": r.reason }))
        .collect();
    if parsed.zones.is_empty() {
        return Err(ApiError::invalid(if rejected.is_empty() {
            "no airspace found in the OpenAir text".to_owned()
        } else {
            format!("no usable airspace: {}", parsed.rejected[0].reason)
        })
        .with_extra(json!({ "rejected": rejected })));
    }
    if parsed.zones.len() > MAX_IMPORT {
        return Err(ApiError::invalid(format!(
            "{} airspaces; at most {MAX_IMPORT} per import",
            parsed.zones.len()
        )));
    }
    let mut cands = Vec::new();
    for (i, z) in parsed.zones.iter().enumerate() {
        let cand = Candidate::new(
            Some(z.name.clone()),
            purpose,
            priority,
            vec![z.volume.clone()],
            None,
            now,
        )
        .map_err(|e| ApiError::invalid(format!("zone {i} ({}): {e}", z.name)))?;
        let source = json!({ "format": "openair", "class": z.class, "type": z.airspace_type,
                             "lower": z.lower_text, "upper": z.upper_text });
        cands.push((cand, source));
    }
    let _writes = s.strategic.writes.lock().await;
    let mut planned = Vec::new();
    let mut all_overlaps = Vec::new();
    for (i, (cand, source)) in cands.into_iter().enumerate() {
        let overlaps = find_overlaps(&s, &c.party, &cand.volumes, None)?;
        for o in &overlaps {
            all_overlaps.push(wire::import_overlap(o, &c.party, cand.priority, i));
        }
        let doc = ReservationDoc {
            id: String::new(),
            party: c.party.clone(),
            name: cand.name,
            purpose: cand.purpose,
            priority: cand.priority,
            state: ReservationState::Accepted.at_time(&cand.volumes, now),
            version: 0,
            volumes: cand.volumes,
            justification: None,
            filed_over: filed_over(&overlaps),
            source: Some(source),
            created_at: 0.0,
            updated_at: 0.0,
        };
        planned.push(doc);
    }
    let zones = store_many(&s, &c.party, planned, "zone.import").await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({ "zones": zones, "rejected": rejected, "overlaps": all_overlaps })),
    ))
}
