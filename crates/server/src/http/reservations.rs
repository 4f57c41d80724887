//! Reservations and zones: the dry-run check, filing, listing, versioned change and cancel,
//! imports (GeoJSON, ASTM F3548 `Volume4D`, OpenAir zones) and the GeoJSON export. The rules
//! (validation, give-way, ownership) are `domain::reservations`'.

use crate::domain::imports::{self, Imported, ZoneOptions};
use crate::domain::notices::NoticeAdvisory;
use crate::domain::parties::Caller;
use crate::domain::reservations::{
    blocking_change, check_volumes, decide, filed_over, may_change, purpose_word, with_gives_way,
    Candidate, FilingError, Overlap, ReservationDoc, DEFAULT_PRIORITY,
};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{parse_body, ApiBytes, ApiJson, ApiPath, ApiQuery};
use crate::http::state::AppState;
use crate::wire;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use deconflict_airspace::formats::geojson;
use deconflict_airspace::{Purpose, ReservationOverlap, ReservationState, Shape, Volume};
use serde::Deserialize;
use serde_json::{json, Value};

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
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    /// The volumes to check, at least one.
    volumes: Vec<Volume>,
    /// The filing's priority, 0 to 10 (default 5).
    #[serde(default)]
    #[schema(maximum = 10)]
    priority: Option<u8>,
    /// The filing's purpose.
    #[serde(default)]
    #[allow(dead_code)]
    purpose: Option<Purpose>,
    /// The caller's own reservation being changed (left out of the check).
    #[serde(default)]
    reservation_id: Option<String>,
}

/// Body of a filing (and, with `version`, of a change).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileBody {
    /// Display name (default: the party and the purpose).
    #[serde(default)]
    name: Option<String>,
    /// What it is for (default `operation`).
    #[serde(default)]
    purpose: Option<Purpose>,
    /// 0 (lowest) to 10 (default 5); the lower one gives way.
    #[serde(default)]
    #[schema(maximum = 10)]
    priority: Option<u8>,
    /// The volumes, at least one (required to file).
    #[serde(default)]
    volumes: Option<Vec<Volume>>,
    /// Why it is filed over other reservations (required to do so).
    #[serde(default)]
    justification: Option<String>,
    /// The version changed (required to change, refused when filing).
    #[serde(default)]
    version: Option<i64>,
}

/// A circle counts this many vertices in the geometry budget (what its polygon has).
const CIRCLE_VERTICES: usize = 64;

/// The vertices of the volumes, as the geometry budget counts them.
fn vertices(volumes: &[Volume]) -> usize {
    volumes
        .iter()
        .map(|v| match &v.shape {
            Shape::Polygon { coordinates } => coordinates.len(),
            Shape::Circle { .. } => CIRCLE_VERTICES,
        })
        .sum()
}

/// Refuses (422) volumes with more than `limits.geometry_vertices_max` vertices in all, before
/// any geometry is computed on them.
fn geometry_budget(s: &AppState, volumes: &[Volume]) -> ApiResult<()> {
    let n = vertices(volumes);
    let max = s.config.limits.geometry_vertices_max;
    if n > max {
        return Err(ApiError::invalid(format!(
            "{n} vertices in the volumes of one request; at most {max} (limits.geometry_vertices_max)"
        )));
    }
    Ok(())
}

/// Runs validation that grows with the geometry (a polygon's simplicity check is quadratic in
/// its vertices) on the blocking pool, so the async threads keep answering.
async fn off_runtime<T, E>(f: impl FnOnce() -> Result<T, E> + Send + 'static) -> ApiResult<T>
where
    T: Send + 'static,
    E: Send + 'static,
    ApiError: From<E>,
{
    Ok(tokio::task::spawn_blocking(f).await??)
}

/// The reservations the volumes overlap, computed within the geometry budget: at most
/// `limits.geometry_vertices_max` vertices in one request (422), one request of a party at a
/// time (429), at most `limits.geometry_concurrency` at once in all (the others wait), and on
/// the blocking pool, never on the async threads that answer health and stream the picture.
async fn find_overlaps(
    s: &AppState,
    party: &str,
    volumes: &[Volume],
    exclude: Option<&str>,
) -> ApiResult<Vec<ReservationOverlap>> {
    geometry_budget(s, volumes)?;
    let _busy = s.geometry_slot(party)?;
    let _permit = s
        .geometry
        .clone()
        .acquire_owned()
        .await
        .map_err(ApiError::internal)?;
    let strategic = s.strategic.clone();
    let (party, volumes, exclude) = (
        party.to_owned(),
        volumes.to_vec(),
        exclude.map(str::to_owned),
    );
    tokio::task::spawn_blocking(move || {
        strategic
            .index
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .check(&party, &volumes, exclude.as_deref())
            .map_err(invalid)
    })
    .await?
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
    geometry_budget(&s, &b.volumes)?;
    let b = off_runtime(move || check_volumes(&b.volumes, priority, now).map(|()| b)).await?;
    let overlaps = find_overlaps(&s, &c.party, &b.volumes, b.reservation_id.as_deref()).await?;
    let list: Vec<Overlap> = with_gives_way(&overlaps, &c.party, priority);
    let notices = advisories(&s, &c.party, &b.volumes, now);
    Ok(axum::Json(json!({ "overlaps": list, "notices": notices })))
}

/// The notices `volumes` of `party`'s reservation cross (advisories in a response).
fn advisories(s: &AppState, party: &str, volumes: &[Volume], now: f64) -> Vec<NoticeAdvisory> {
    s.strategic
        .notices_crossed(party, volumes, now)
        .into_iter()
        .map(|(_, a)| a)
        .collect()
}

/// After `party`'s reservation changed from `before` (none when new) to `after` volumes,
/// tells the sender and recipients of every notice either crosses that its crossings
/// changed; returns the advisories of `after`.
fn announce_crossings(
    s: &AppState,
    party: &str,
    before: &[Volume],
    after: &[Volume],
    now: f64,
) -> Vec<NoticeAdvisory> {
    let mut told = std::collections::BTreeSet::new();
    let now_crossed = s.strategic.notices_crossed(party, after, now);
    let was_crossed = s.strategic.notices_crossed(party, before, now);
    for (d, _) in now_crossed.iter().chain(&was_crossed) {
        if told.insert(d.id.clone()) {
            s.live.publish_request("updated", d, now);
        }
    }
    now_crossed.into_iter().map(|(_, a)| a).collect()
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
    geometry_budget(&s, &volumes)?;
    let cand = off_runtime(move || {
        Candidate::new(
            b.name,
            b.purpose.unwrap_or(Purpose::Operation),
            b.priority.unwrap_or(DEFAULT_PRIORITY),
            volumes,
            b.justification,
            now,
        )
    })
    .await?;
    let _writes = s.strategic.writes.lock().await;
    let overlaps = find_overlaps(&s, &c.party, &cand.volumes, None).await?;
    let state = filing_state(&s, &overlaps, &cand, &c, now)?;
    let purpose = cand.purpose;
    let default_name = || format!("{} {}", c.party, purpose_word(purpose));
    let doc = ReservationDoc::filing(&c.party, cand, default_name, state, &overlaps, None);
    let doc = store_new(&s, &c.party, doc, "reservation.file").await?;
    let list = with_gives_way(&overlaps, &c.party, doc.priority);
    let notices = announce_crossings(&s, &c.party, &[], &doc.volumes, s.now_s());
    Ok((
        StatusCode::CREATED,
        axum::Json(
            json!({ "reservation": doc.json_at(s.now_s()), "overlaps": list, "notices": notices }),
        ),
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
    let volumes = b.volumes.unwrap_or_else(|| old.volumes.clone());
    geometry_budget(&s, &volumes)?;
    let (name, purpose, priority, justification) = (
        b.name.or(Some(old.name.clone())),
        b.purpose.unwrap_or(old.purpose),
        b.priority.unwrap_or(old.priority),
        b.justification.or(old.justification.clone()),
    );
    let cand =
        off_runtime(move || Candidate::new(name, purpose, priority, volumes, justification, now))
            .await?;
    let overlaps = find_overlaps(&s, &c.party, &cand.volumes, Some(&id)).await?;
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
    let before = old.volumes.clone();
    let doc = store_change(&s, &c.party, "reservation.update", &doc, version, "updated").await?;
    let list = with_gives_way(&overlaps, &c.party, doc.priority);
    let notices = announce_crossings(&s, &c.party, &before, &doc.volumes, s.now_s());
    Ok(axum::Json(
        json!({ "reservation": doc.json_at(s.now_s()), "overlaps": list, "notices": notices }),
    ))
}

/// Query of the cancel.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CancelQuery {
    /// The version cancelled (required; a stale one is refused with 409).
    #[param(required = true)]
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
    announce_crossings(&s, &c.party, &doc.volumes, &[], s.now_s());
    Ok(axum::Json(doc.json_at(s.now_s())))
}

/// Files imported candidates in one transaction, all or nothing: each over its overlaps by
/// the filing rules, or, for `zones`, as facts filed over others without a justification.
async fn file_imported(
    s: &AppState,
    c: &Caller,
    cands: Vec<Imported>,
    zones: bool,
    now: f64,
) -> ApiResult<(Vec<Value>, Vec<Value>)> {
    let _writes = s.strategic.writes.lock().await;
    let mut planned = Vec::new();
    let mut all_overlaps = Vec::new();
    for (i, (cand, source)) in cands.into_iter().enumerate() {
        let overlaps = find_overlaps(s, &c.party, &cand.volumes, None).await?;
        let state = if zones {
            ReservationState::Accepted.at_time(&cand.volumes, now)
        } else {
            filing_state(s, &overlaps, &cand, c, now)
                .map_err(ApiError::from)
                .map_err(|mut e| {
                    e.detail = format!(
                        "reservation {i} of the import: {}; nothing was filed",
                        e.detail
                    );
                    e
                })?
        };
        for o in &overlaps {
            all_overlaps.push(wire::import_overlap(o, &c.party, cand.priority, i));
        }
        let default_name = || format!("{} import {}", c.party, i + 1);
        planned.push(ReservationDoc::filing(
            &c.party,
            cand,
            default_name,
            state,
            &overlaps,
            Some(source),
        ));
    }
    let action = if zones {
        "zone.import"
    } else {
        "reservation.import"
    };
    let filed = store_many(s, &c.party, planned, action).await?;
    Ok((filed, all_overlaps))
}

/// `POST /api/v1/reservations/import`: a GeoJSON `FeatureCollection` or `Feature`, or ASTM
/// F3548 `Volume4D` JSON (`domain::imports`). All or nothing: one refused reservation files
/// none.
pub async fn import(
    State(s): State<AppState>,
    c: Caller,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<impl IntoResponse> {
    c.require_writer()?;
    let now = s.now_s();
    let cands = imports::from_json(&body, now)?;
    let (filed, overlaps) = file_imported(&s, &c, cands, false, now).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({ "reservations": filed, "overlaps": overlaps })),
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
#[derive(Debug, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OpenAirOptions {
    /// The OpenAir text (JSON form only; required there).
    #[serde(default)]
    #[param(ignore)]
    #[schema(required = true)]
    text: Option<String>,
    /// Start of the zones' window, UNIX s; default now.
    #[serde(default)]
    start_time: Option<f64>,
    /// End of the window, UNIX s; default now + `strategic.zone_default_s`.
    #[serde(default)]
    end_time: Option<f64>,
    /// `hazard` (default) or `closure`.
    #[serde(default)]
    #[param(inline)]
    purpose: Option<Purpose>,
    /// 0 to 10 (default 10).
    #[serde(default)]
    #[schema(maximum = 10)]
    #[param(maximum = 10)]
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
    ApiBytes(body): ApiBytes,
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
    let zone_options = ZoneOptions {
        start_time: opts.start_time,
        end_time: opts.end_time,
        purpose: opts.purpose,
        priority: opts.priority,
        default_s: s.config.strategic.zone_default_s,
    };
    let (cands, rejected) = imports::zones_from_openair(&text, zone_options, now)?;
    let (zones, overlaps) = file_imported(&s, &c, cands, true, now).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(
            json!({ "zones": zones, "rejected": wire::rejected_zones(&rejected), "overlaps": overlaps }),
        ),
    ))
}
