//! The safety net's cell-managed data: parameter regions, inhibition volumes and declared
//! exemptions, over `/api/v1/safety/*`.
//!
//! - **Regions** come from three places, in this priority order: the region files named in
//!   `[safety_net] region_files`, the regions the cell adds over the API (stored, audited),
//!   then the default aerodrome regions (`[safety_net.aerodromes]`). Any change rebuilds the
//!   [`RegionSet`] the alert cycle uses; the next alert cycle judges pairs with it.
//! - **Exemptions**: a party declares a formation or an air-to-air refuelling group of its
//!   own aircraft for a time window; alerts between two members are suppressed while it is
//!   active, alerts with anyone else are not. A party can declare only aircraft the cell
//!   currently holds as its own, and in every cycle only members still owned by the
//!   declaring party count. Declarations are audited, visible to the cell, observers and the
//!   declaring party, and end at their `end` time or when withdrawn.
//!
//! The declaration rules are the pure [`declare`] (unit-tested); handlers extract, call it or
//! the store, and respond.

use std::sync::Arc;

use axum::extract::State;
use axum::http::Method;
use axum::response::IntoResponse;
use deconflict_airspace::regions::{load_regions, RegionSet, RegionSource, SafetyRegion};
use deconflict_engine::safety::Exemption;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::api::RouteTable;
use crate::auth::Caller;
use crate::config::Config;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::live::{now_s, Live, StreamEvent};
use crate::state::AppState;
use deconflict_store::{Role, Store};

const REGIONS: &str = "safety_regions";
const EXEMPTIONS: &str = "safety_exemptions";

/// What an exemption groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExemptionKind {
    /// Aircraft flying as one formation.
    Formation,
    /// A tanker and its receivers.
    Refuelling,
}

/// A declared exemption as stored and shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExemptionDoc {
    /// `x-<n>`.
    pub id: String,
    /// Declaring party.
    pub party: String,
    /// Formation or refuelling.
    pub kind: ExemptionKind,
    /// Member track ids.
    pub tracks: Vec<String>,
    /// From, UNIX seconds.
    pub start: f64,
    /// Until, UNIX seconds.
    pub end: f64,
    /// Free text.
    #[serde(default)]
    pub note: String,
    /// Withdrawn before its end.
    #[serde(default)]
    pub withdrawn: bool,
}

impl ExemptionDoc {
    /// `scheduled`, `active`, `ended` or `withdrawn` at `now`.
    pub fn state_at(&self, now: f64) -> &'static str {
        if self.withdrawn {
            "withdrawn"
        } else if now < self.start {
            "scheduled"
        } else if now < self.end {
            "active"
        } else {
            "ended"
        }
    }

    fn json_at(&self, now: f64, version: i64) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        v["state"] = json!(self.state_at(now));
        v["version"] = json!(version);
        v
    }
}

/// A declaration as posted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclareBody {
    /// Formation or refuelling.
    pub kind: ExemptionKind,
    /// Member track ids (the caller's own aircraft).
    pub tracks: Vec<String>,
    /// From, UNIX seconds (default now).
    pub start: Option<f64>,
    /// Until, UNIX seconds.
    pub end: f64,
    /// Free text.
    #[serde(default)]
    pub note: String,
}

/// Why a declaration is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeclareError {
    /// Fewer than two or more than the limit.
    #[error("an exemption groups 2 to {max} aircraft, got {got}")]
    Size {
        /// The limit.
        max: usize,
        /// Given.
        got: usize,
    },
    /// A track appears twice or is malformed.
    #[error("track {0:?} is listed twice or is not a valid track id")]
    BadTrack(String),
    /// A track is not the caller's.
    #[error("track {track:?} is not one of {party}'s aircraft; a party can declare only its own aircraft")]
    NotOwn {
        /// The track.
        track: String,
        /// The caller.
        party: String,
    },
    /// Times out of order or too long.
    #[error("{0}")]
    Window(String),
    /// The note is too long.
    #[error("note is longer than 500 characters")]
    Note,
}

/// The declaration rule: checks `body` from `party` at `now`, with `owner_of(track)` giving
/// the party that currently owns a track (`None` for unknown or civil), and returns the
/// document to store (its id is set by the caller).
///
/// # Errors
/// [`DeclareError`] naming what is wrong.
pub fn declare(
    party: &str,
    body: &DeclareBody,
    now: f64,
    max_tracks: usize,
    max_duration_s: f64,
    owner_of: impl Fn(&str) -> Option<String>,
) -> Result<ExemptionDoc, DeclareError> {
    let n = body.tracks.len();
    if !(2..=max_tracks).contains(&n) {
        return Err(DeclareError::Size {
            max: max_tracks,
            got: n,
        });
    }
    for (i, t) in body.tracks.iter().enumerate() {
        let ok = !t.is_empty() && t.len() <= 32 && t.chars().all(|c| c.is_ascii_graphic());
        if !ok || body.tracks[..i].contains(t) {
            return Err(DeclareError::BadTrack(t.clone()));
        }
        if owner_of(t).as_deref() != Some(party) {
            return Err(DeclareError::NotOwn {
                track: t.clone(),
                party: party.to_owned(),
            });
        }
    }
    let start = body.start.unwrap_or(now);
    if !(start.is_finite() && body.end.is_finite()) {
        return Err(DeclareError::Window("start and end must be numbers".into()));
    }
    if start < now - 60.0 {
        return Err(DeclareError::Window(
            "start may not be more than 60 s in the past".into(),
        ));
    }
    if body.end <= start || body.end <= now {
        return Err(DeclareError::Window(
            "end must be after start and in the future".into(),
        ));
    }
    if body.end - start > max_duration_s {
        return Err(DeclareError::Window(format!(
            "an exemption lasts at most {max_duration_s} s"
        )));
    }
    if body.note.chars().count() > 500 {
        return Err(DeclareError::Note);
    }
    Ok(ExemptionDoc {
        id: String::new(),
        party: party.to_owned(),
        kind: body.kind,
        tracks: body.tracks.clone(),
        start,
        end: body.end,
        note: body.note.clone(),
        withdrawn: false,
    })
}

/// Who may see an exemption: the cell, observers and the declaring party.
pub fn exemption_visible(doc: &ExemptionDoc, c: &Caller) -> bool {
    c.role != Role::Party || c.party == doc.party
}

impl From<DeclareError> for ApiError {
    fn from(e: DeclareError) -> Self {
        match e {
            DeclareError::NotOwn { .. } => ApiError::forbidden(e.to_string()),
            _ => ApiError::invalid(e.to_string()),
        }
    }
}

/// The exemptions in force or to come, as the engine takes them: members restricted to
/// tracks the declaring party still owns (`owner_of`), withdrawn and ended ones left out.
pub fn engine_exemptions(
    docs: &[ExemptionDoc],
    now: f64,
    owner_of: impl Fn(&str) -> Option<String>,
) -> Vec<Exemption> {
    docs.iter()
        .filter(|d| !d.withdrawn && d.end > now)
        .map(|d| Exemption {
            id: d.id.clone(),
            tracks: d
                .tracks
                .iter()
                .filter(|t| owner_of(t).as_deref() == Some(d.party.as_str()))
                .cloned()
                .collect(),
            start_s: d.start,
            end_s: d.end,
        })
        .collect()
}

/// Builds the region set from the configured files, the stored API regions and the
/// aerodrome defaults.
///
/// # Errors
/// A file that cannot be read or parsed, or an invalid region, with its name.
pub fn build_regions(config: &Config, api: Vec<SafetyRegion>) -> Result<RegionSet, String> {
    let mut explicit = Vec::new();
    for p in &config.safety_net.region_files {
        let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
        let regions = load_regions(&text, None).map_err(|e| format!("{}: {e}", p.display()))?;
        explicit.extend(regions);
    }
    explicit.extend(api);
    RegionSet::with_aerodrome_defaults(explicit, &config.safety_net.aerodromes)
        .map_err(|e| e.to_string())
}

fn stored_regions(store: &dyn Store) -> deconflict_store::StoreResult<Vec<(SafetyRegion, i64)>> {
    Ok(store
        .list_documents(REGIONS)?
        .into_iter()
        .filter(|(_, body, _)| body.get("withdrawn") != Some(&Value::Bool(true)))
        .filter_map(|(_, body, v)| serde_json::from_value(body).ok().map(|r| (r, v)))
        .collect())
}

fn stored_exemptions(store: &dyn Store) -> deconflict_store::StoreResult<Vec<(ExemptionDoc, i64)>> {
    Ok(store
        .list_documents(EXEMPTIONS)?
        .into_iter()
        .filter_map(|(_, body, v)| serde_json::from_value(body).ok().map(|d| (d, v)))
        .collect())
}

/// Loads regions and exemptions at start and installs them in `live`.
///
/// # Errors
/// The store failed, or a configured region file is invalid.
pub fn start(store: &dyn Store, config: &Config, live: &Live) -> Result<usize, String> {
    let api: Vec<SafetyRegion> = stored_regions(store)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    let set = build_regions(config, api)?;
    let n = set.len();
    live.set_regions(Arc::new(set));
    let ex = stored_exemptions(store).map_err(|e| e.to_string())?;
    live.set_exemption_docs(ex.into_iter().map(|(d, _)| d).collect());
    Ok(n)
}

/// The routes of this module.
pub fn routes() -> RouteTable {
    use axum::routing::{delete, get, post};
    RouteTable::default()
        .add(Method::GET, "/api/v1/safety/regions", get(list_regions))
        .add(Method::POST, "/api/v1/safety/regions", post(add_region))
        .add(
            Method::DELETE,
            "/api/v1/safety/regions/{id}",
            delete(remove_region),
        )
        .add(
            Method::GET,
            "/api/v1/safety/exemptions",
            get(list_exemptions),
        )
        .add(
            Method::POST,
            "/api/v1/safety/exemptions",
            post(add_exemption),
        )
        .add(
            Method::DELETE,
            "/api/v1/safety/exemptions/{id}",
            delete(withdraw_exemption),
        )
}

/// OpenAPI rows: `(method, path, summary, who may call it)`.
pub const OPERATIONS: &[(&str, &str, &str, &str)] = &[
    (
        "GET",
        "/api/v1/safety/regions",
        "Safety-net parameter regions and inhibition volumes (?bbox=W,S,E,N adds the default aerodrome regions there)",
        "any token",
    ),
    (
        "POST",
        "/api/v1/safety/regions",
        "Add a parameter region or inhibition volume",
        "cell",
    ),
    (
        "DELETE",
        "/api/v1/safety/regions/{id}",
        "Remove a region added over the API",
        "cell",
    ),
    (
        "GET",
        "/api/v1/safety/exemptions",
        "Declared formation / refuelling exemptions (the cell and observers: all; a party: its own)",
        "any token",
    ),
    (
        "POST",
        "/api/v1/safety/exemptions",
        "Declare a formation or refuelling group of own aircraft",
        "party",
    ),
    (
        "DELETE",
        "/api/v1/safety/exemptions/{id}",
        "Withdraw an exemption",
        "the declaring party, cell",
    ),
];

/// `?bbox=W,S,E,N`.
#[derive(Debug, Deserialize)]
pub struct BboxQuery {
    bbox: Option<String>,
}

fn parse_bbox(s: &str) -> ApiResult<[f64; 4]> {
    let v: Vec<f64> = s
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| ApiError::bad_request("bbox must be W,S,E,N in degrees"))?;
    match v.as_slice() {
        [w, so, e, n]
            if w.abs() <= 180.0
                && e.abs() <= 180.0
                && so.abs() <= 90.0
                && n.abs() <= 90.0
                && so <= n =>
        {
            Ok([*w, *so, *e, *n])
        }
        _ => Err(ApiError::bad_request("bbox must be W,S,E,N in degrees")),
    }
}

fn region_bounds(r: &SafetyRegion) -> [f64; 4] {
    use deconflict_airspace::regions::RegionShape;
    match &r.shape {
        RegionShape::Polygon { coordinates } => coordinates.iter().fold(
            [
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ],
            |b, p| {
                [
                    b[0].min(p[0]),
                    b[1].min(p[1]),
                    b[2].max(p[0]),
                    b[3].max(p[1]),
                ]
            },
        ),
        RegionShape::Circle { center, radius_nm } => {
            let dlat = radius_nm / 60.0;
            let dlon = dlat / center.lat_deg.to_radians().cos().max(0.01);
            [
                center.lon_deg - dlon,
                center.lat_deg - dlat,
                center.lon_deg + dlon,
                center.lat_deg + dlat,
            ]
        }
    }
}

/// Most default regions one `?bbox` listing returns.
const MAX_BBOX_REGIONS: usize = 2_000;

async fn list_regions(
    State(s): State<AppState>,
    _c: Caller,
    ApiQuery(q): ApiQuery<BboxQuery>,
) -> ApiResult<impl IntoResponse> {
    let set = s.live.region_set();
    let bbox = q.bbox.as_deref().map(parse_bbox).transpose()?;
    let mut regions = Vec::new();
    let mut defaults = 0usize;
    let mut truncated = false;
    for r in set.iter().flat_map(|set| set.regions()) {
        if r.source == RegionSource::Aerodrome {
            defaults += 1;
            let Some(b) = bbox else { continue };
            let rb = region_bounds(r);
            if rb[2] < b[0] || rb[0] > b[2] || rb[3] < b[1] || rb[1] > b[3] {
                continue;
            }
            if regions.len() >= MAX_BBOX_REGIONS {
                truncated = true;
                continue;
            }
        }
        regions.push(serde_json::to_value(r).map_err(ApiError::internal)?);
    }
    Ok(axum::Json(json!({
        "regions": regions,
        "aerodrome_defaults": { "enabled": s.config.safety_net.aerodromes.enabled, "regions": defaults },
        "truncated": truncated,
    })))
}

async fn add_region(
    State(s): State<AppState>,
    c: Caller,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<impl IntoResponse> {
    c.require_cell()?;
    let mut region: SafetyRegion = serde_json::from_value(body)
        .map_err(|e| ApiError::invalid(format!("invalid region: {e}")))?;
    region.source = RegionSource::Api;
    region
        .validate()
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    if region_id_taken(&s, &region.id) {
        return Err(ApiError::conflict(format!(
            "a region {:?} already exists",
            region.id
        )));
    }
    let _writes = s.strategic.writes.lock().await;
    let mut api: Vec<SafetyRegion> = {
        let store = s.store.clone();
        s.db(move |_| stored_regions(store.as_ref()))
            .await?
            .into_iter()
            .map(|(r, _)| r)
            .collect()
    };
    api.push(region.clone());
    let set = build_regions(&s.config, api).map_err(ApiError::invalid)?;
    let body = serde_json::to_value(&region).map_err(ApiError::internal)?;
    let (actor, id) = (c.party.clone(), region.id.clone());
    let existing = {
        let (store, id) = (s.store.clone(), id.clone());
        s.db(move |_| store.get_document(REGIONS, &id)).await?
    };
    let version = existing.map(|(_, v)| v);
    s.db(move |st| st.put_document(&actor, "safety.region.add", REGIONS, &id, &body, version))
        .await?;
    s.live.set_regions(Arc::new(set));
    publish(
        &s,
        json!({"type": "safety_region", "event": "added", "region": region}),
        None,
    );
    Ok((
        axum::http::StatusCode::CREATED,
        axum::Json(serde_json::to_value(&region).map_err(ApiError::internal)?),
    ))
}

fn region_id_taken(s: &AppState, id: &str) -> bool {
    s.live
        .region_set()
        .is_some_and(|set| set.regions().iter().any(|r| r.id == id))
}

async fn remove_region(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    c.require_cell()?;
    let _writes = s.strategic.writes.lock().await;
    let store = s.store.clone();
    let all = s.db(move |_| stored_regions(store.as_ref())).await?;
    let Some((_, version)) = all.iter().find(|(r, _)| r.id == id).cloned() else {
        return Err(ApiError::not_found(format!(
            "no region {id:?} added over the API (configured and default regions are changed in the configuration)"
        )));
    };
    let rest: Vec<SafetyRegion> = all
        .into_iter()
        .map(|(r, _)| r)
        .filter(|r| r.id != id)
        .collect();
    let set = build_regions(&s.config, rest).map_err(ApiError::invalid)?;
    let (actor, rid) = (c.party.clone(), id.clone());
    s.db(move |st| {
        st.put_document(
            &actor,
            "safety.region.remove",
            REGIONS,
            &rid,
            &json!({"id": rid, "withdrawn": true}),
            Some(version),
        )
    })
    .await?;
    s.live.set_regions(Arc::new(set));
    publish(
        &s,
        json!({"type": "safety_region", "event": "removed", "id": id}),
        None,
    );
    Ok(axum::Json(json!({"id": id, "removed": true})))
}

async fn list_exemptions(State(s): State<AppState>, c: Caller) -> ApiResult<impl IntoResponse> {
    let store = s.store.clone();
    let all = s.db(move |_| stored_exemptions(store.as_ref())).await?;
    let now = now_s();
    let list: Vec<Value> = all
        .iter()
        .filter(|(d, _)| exemption_visible(d, &c))
        .map(|(d, v)| d.json_at(now, *v))
        .collect();
    Ok(axum::Json(json!({ "exemptions": list })))
}

async fn add_exemption(
    State(s): State<AppState>,
    c: Caller,
    ApiJson(body): ApiJson<DeclareBody>,
) -> ApiResult<impl IntoResponse> {
    if c.role != Role::Party {
        return Err(ApiError::forbidden(
            "only a party declares exemptions, for its own aircraft",
        ));
    }
    let now = now_s();
    let cfg = &s.config.safety_net;
    let live = s.live.clone();
    let mut doc = declare(
        &c.party,
        &body,
        now,
        cfg.exemption_max_tracks,
        cfg.exemption_max_duration_s,
        |t| live.track_party(t),
    )?;
    let _writes = s.strategic.writes.lock().await;
    let store = s.store.clone();
    let n = s.db(move |_| store.list_documents(EXEMPTIONS)).await?.len();
    doc.id = format!("x-{}", n + 1);
    let body = serde_json::to_value(&doc).map_err(ApiError::internal)?;
    let (actor, id) = (c.party.clone(), doc.id.clone());
    let version = s
        .db(move |st| {
            st.put_document(
                &actor,
                "safety.exemption.declare",
                EXEMPTIONS,
                &id,
                &body,
                None,
            )
        })
        .await?;
    reload_exemptions(&s).await?;
    let out = doc.json_at(now, version);
    publish(
        &s,
        json!({"type": "exemption", "event": "declared", "exemption": out}),
        Some(vec![doc.party.clone()]),
    );
    Ok((axum::http::StatusCode::CREATED, axum::Json(out)))
}

async fn withdraw_exemption(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    c.require_writer()?;
    let _writes = s.strategic.writes.lock().await;
    let (store, key) = (s.store.clone(), id.clone());
    let Some((body, version)) = s.db(move |_| store.get_document(EXEMPTIONS, &key)).await? else {
        return Err(ApiError::not_found(format!("no exemption {id:?}")));
    };
    let mut doc: ExemptionDoc = serde_json::from_value(body).map_err(ApiError::internal)?;
    if c.role == Role::Party && c.party != doc.party {
        return Err(ApiError::forbidden(
            "only the declaring party or the cell withdraws an exemption",
        ));
    }
    if doc.withdrawn {
        return Err(ApiError::conflict(format!(
            "exemption {id:?} is already withdrawn"
        )));
    }
    doc.withdrawn = true;
    let now = now_s();
    let b = serde_json::to_value(&doc).map_err(ApiError::internal)?;
    let (actor, key) = (c.party.clone(), id.clone());
    let v = s
        .db(move |st| {
            st.put_document(
                &actor,
                "safety.exemption.withdraw",
                EXEMPTIONS,
                &key,
                &b,
                Some(version),
            )
        })
        .await?;
    reload_exemptions(&s).await?;
    let out = doc.json_at(now, v);
    publish(
        &s,
        json!({"type": "exemption", "event": "withdrawn", "exemption": out}),
        Some(vec![doc.party.clone()]),
    );
    Ok(axum::Json(out))
}

async fn reload_exemptions(s: &AppState) -> ApiResult<()> {
    let store = s.store.clone();
    let all = s.db(move |_| stored_exemptions(store.as_ref())).await?;
    s.live
        .set_exemption_docs(all.into_iter().map(|(d, _)| d).collect());
    Ok(())
}

fn publish(s: &AppState, frame: Value, parties: Option<Vec<String>>) {
    s.live.publish(StreamEvent::Other {
        json: Arc::from(frame.to_string()),
        parties,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(tracks: &[&str], end: f64) -> DeclareBody {
        DeclareBody {
            kind: ExemptionKind::Formation,
            tracks: tracks.iter().map(|t| t.to_string()).collect(),
            start: None,
            end,
            note: String::new(),
        }
    }

    fn owner(t: &str) -> Option<String> {
        match t {
            "B1" | "B2" | "B3" => Some("blue".into()),
            "R1" => Some("red".into()),
            _ => None,
        }
    }

    #[test]
    fn a_party_declares_only_its_own_aircraft() {
        let ok = declare(
            "blue",
            &body(&["B1", "B2"], 1_000.0),
            0.0,
            16,
            3_600.0,
            owner,
        )
        .unwrap();
        assert_eq!((ok.start, ok.end, ok.tracks.len()), (0.0, 1_000.0, 2));
        assert!(matches!(
            declare(
                "blue",
                &body(&["B1", "R1"], 1_000.0),
                0.0,
                16,
                3_600.0,
                owner
            ),
            Err(DeclareError::NotOwn { .. })
        ));
        // A civil ICAO address is nobody's: refused.
        assert!(matches!(
            declare(
                "blue",
                &body(&["B1", "3C6444"], 1_000.0),
                0.0,
                16,
                3_600.0,
                owner
            ),
            Err(DeclareError::NotOwn { .. })
        ));
    }

    #[test]
    fn size_window_and_duplicates() {
        let d = |tracks: &[&str], end: f64| {
            declare("blue", &body(tracks, end), 100.0, 2, 3_600.0, owner)
        };
        assert!(matches!(d(&["B1"], 500.0), Err(DeclareError::Size { .. })));
        assert!(matches!(
            d(&["B1", "B2", "B3"], 500.0),
            Err(DeclareError::Size { .. })
        ));
        assert!(matches!(
            d(&["B1", "B1"], 500.0),
            Err(DeclareError::BadTrack(_))
        ));
        assert!(matches!(
            d(&["B1", "B2"], 50.0),
            Err(DeclareError::Window(_))
        ));
        assert!(matches!(
            d(&["B1", "B2"], 10_000.0),
            Err(DeclareError::Window(_))
        ));
        let mut b = body(&["B1", "B2"], 500.0);
        b.start = Some(0.0);
        assert!(matches!(
            declare("blue", &b, 100.0, 16, 3_600.0, owner),
            Err(DeclareError::Window(_))
        ));
    }

    #[test]
    fn only_members_still_owned_count_and_ended_ones_drop_out() {
        let mut doc = declare(
            "blue",
            &body(&["B1", "B2"], 1_000.0),
            0.0,
            16,
            3_600.0,
            owner,
        )
        .unwrap();
        doc.id = "x-1".into();
        // B2 has since been taken over by red (or is now reported as someone else's).
        let later = |t: &str| {
            if t == "B2" {
                Some("red".into())
            } else {
                owner(t)
            }
        };
        let ex = engine_exemptions(std::slice::from_ref(&doc), 10.0, later);
        assert_eq!(ex[0].tracks, vec!["B1".to_string()]);
        assert!(engine_exemptions(std::slice::from_ref(&doc), 1_000.0, owner).is_empty());
        doc.withdrawn = true;
        assert!(engine_exemptions(&[doc.clone()], 10.0, owner).is_empty());
        assert_eq!(doc.state_at(10.0), "withdrawn");
    }

    #[test]
    fn visibility() {
        let doc = declare(
            "blue",
            &body(&["B1", "B2"], 1_000.0),
            0.0,
            16,
            3_600.0,
            owner,
        )
        .unwrap();
        let caller = |party: &str, role| Caller {
            party: party.into(),
            role,
            token_id: String::new(),
        };
        assert!(exemption_visible(&doc, &caller("blue", Role::Party)));
        assert!(!exemption_visible(&doc, &caller("red", Role::Party)));
        assert!(exemption_visible(&doc, &caller("cell", Role::Cell)));
        assert!(exemption_visible(&doc, &caller("monitor", Role::Observer)));
    }
}
