//! Live intrusion alerts and the strategic side of the engine cycle.
//!
//! Every cycle (each new picture), the airborne tracks are extrapolated to the picture time and
//! run through the [`IntrusionDetector`](deconflict_airspace::IntrusionDetector) over every
//! live reservation of another party and every hazard zone (the detector is rebuilt only when
//! a reservation changed). [`IntrusionAlerts`](deconflict_airspace::IntrusionAlerts) turns the
//! predictions into raised / updated / cleared alerts with hold-time hysteresis; the events
//! are persisted (one transaction, audited) before they are streamed.
//!
//! Who sees an intrusion: the aircraft's owner and the volume's owner (the cell and observers
//! see all). As with conflicts, the volume owner learns of the other party's aircraft only
//! through the alert: `track_state` is its state captured when the alert was raised or
//! updated, nothing more.
//!
//! Each party involved (the aircraft's owner, the volume's owner) acknowledges its own side with
//! `POST /api/v1/intrusions/{id}/ack` (the cell names the side it acknowledges for); the
//! acknowledgements are the intrusion's `acks` object and survive later cycle updates, except
//! a level increase, which resets them (as for conflicts).
//!
//! Every few seconds the cycle also records time-driven reservation states (active, ended)
//! and expires unanswered requests.

use super::{publish_reservation, requests, ReservationDoc};
use crate::auth::Caller;
use crate::error::{ApiError, ApiPath, ApiQuery, ApiResult};
use crate::live::{now_s, StreamEvent};
use crate::picture::Picture;
use crate::policy::Viewer;
use crate::state::AppState;
use axum::extract::State;
use axum::response::IntoResponse;
use deconflict_airspace::{AlertEventKind, IntrusionEvent};
use deconflict_engine::AircraftState;
use deconflict_store::Role;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often time-driven states and request expiry are recorded, seconds.
const HOUSEKEEPING_S: f64 = 2.0;
/// Longest extrapolation of a track to the picture time, seconds.
const MAX_EXTRAPOLATION_S: f64 = 60.0;

/// Whether viewer `v` may see intrusion `i`.
pub fn visible(v: &Viewer, i: &Value) -> bool {
    match v {
        Viewer::All => true,
        Viewer::Party(p) => {
            i["track_party"].as_str() == Some(p.as_str())
                || i["volume_party"].as_str() == Some(p.as_str())
        }
    }
}

/// Active intrusions visible to `v`, most urgent first.
pub fn active_for(s: &AppState, v: &Viewer) -> Vec<Value> {
    let mut list: Vec<Value> = s
        .strategic
        .active
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .filter(|i| visible(v, i))
        .cloned()
        .collect();
    sort(&mut list);
    list
}

fn sort(list: &mut [Value]) {
    let key = |i: &Value| {
        (
            i["cleared_at"].is_null(),
            i["level"].as_u64().unwrap_or(0),
            i["time_to_entry_s"].as_f64().unwrap_or(f64::MAX),
        )
    };
    list.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        kb.0.cmp(&ka.0)
            .then(kb.1.cmp(&ka.1))
            .then(ka.2.total_cmp(&kb.2))
    });
}

/// Query of the list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    include: Option<String>,
}

/// `GET /api/v1/intrusions[?include=cleared]`.
pub async fn list(
    State(s): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<impl IntoResponse> {
    let v = Viewer::for_role(&c.party, c.role);
    let list = match q.include.as_deref() {
        None => active_for(&s, &v),
        Some("cleared") => {
            let since = now_s() - s.config.retention.recent_cleared_s;
            let mut all = s.db(move |st| st.list_intrusions(Some(since))).await?;
            all.retain(|i| visible(&v, i));
            sort(&mut all);
            all
        }
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "include={other:?}: the only value is \"cleared\""
            )))
        }
    };
    Ok(axum::Json(json!({ "intrusions": list })))
}

/// Body of an acknowledgement: the side to acknowledge (needed from the cell only).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AckBody {
    #[serde(default)]
    party: Option<String>,
}

/// Whether `party` is one of the two sides of intrusion `i`.
fn involves(i: &Value, party: &str) -> bool {
    i["track_party"].as_str() == Some(party) || i["volume_party"].as_str() == Some(party)
}

/// The side `party` (with `role`) acknowledges of intrusion `i`, `requested` being the body's
/// `party`; the error says why it may not.
pub fn ack_side(
    party: &str,
    role: Role,
    i: &Value,
    requested: Option<&str>,
) -> Result<String, String> {
    let id = i["id"].as_str().unwrap_or("");
    match role {
        Role::Observer => Err("observers cannot acknowledge intrusions".into()),
        Role::Cell => {
            let side = requested
                .ok_or("the cell must name the side to acknowledge: {\"party\": \"…\"}")?;
            if involves(i, side) {
                Ok(side.to_owned())
            } else {
                Err(format!("party {side:?} is not involved in intrusion {id}"))
            }
        }
        Role::Party => {
            if let Some(r) = requested {
                if r != party {
                    return Err(format!(
                        "{party} can acknowledge only its own side, not {r}'s"
                    ));
                }
            }
            if involves(i, party) {
                Ok(party.to_owned())
            } else {
                Err(format!(
                    "{party} owns neither the aircraft nor the volume of intrusion {id}"
                ))
            }
        }
    }
}

/// Initial acknowledgements: every involved party, none acknowledged yet.
fn initial_acks(track_party: Option<&str>, volume_party: &str) -> Value {
    let mut acks = serde_json::Map::new();
    acks.insert(volume_party.to_owned(), Value::Bool(false));
    if let Some(p) = track_party {
        acks.insert(p.to_owned(), Value::Bool(false));
    }
    Value::Object(acks)
}

/// Sets in `i`'s `acks` every acknowledgement `previous` has, unless `i`'s level is higher
/// (an escalation is acknowledged anew).
fn keep_acks(i: &mut Value, previous: &Value) {
    if i["level"].as_u64() > previous["level"].as_u64() {
        return;
    }
    let Some(old) = previous["acks"].as_object() else {
        return;
    };
    if let Some(a) = i.get_mut("acks").and_then(Value::as_object_mut) {
        for (party, v) in old {
            if v.as_bool() == Some(true) {
                a.insert(party.clone(), Value::Bool(true));
            }
        }
    }
}

/// `POST /api/v1/intrusions/{id}/ack`: the caller acknowledges its side of an intrusion.
pub async fn ack(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
    body: axum::body::Bytes,
) -> ApiResult<impl IntoResponse> {
    if c.role == Role::Observer {
        return Err(ApiError::forbidden(
            "observers cannot acknowledge intrusions",
        ));
    }
    let requested = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<AckBody>(&body)
            .map_err(|e| ApiError::bad_request(format!("body: {e}")))?
            .party
    };
    let v = Viewer::for_role(&c.party, c.role);
    let id2 = id.clone();
    let found = s.db(move |st| st.get_intrusion(&id2)).await?;
    let found = found.filter(|i| visible(&v, i)).ok_or_else(|| {
        ApiError::not_found(format!("no intrusion {id:?} visible to {}", c.party))
    })?;
    let side =
        ack_side(&c.party, c.role, &found, requested.as_deref()).map_err(ApiError::forbidden)?;
    let actor = c.party.clone();
    let id2 = id.clone();
    let updated = s
        .db(move |st| st.ack_intrusion(&actor, &id2, &side))
        .await?;
    {
        let mut active = s
            .strategic
            .active
            .write()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(a) = active.get_mut(&id) {
            keep_acks(a, &updated);
        }
    }
    publish(&s, "updated", &updated);
    Ok(axum::Json(updated))
}

/// Streams an intrusion frame to its two parties (and the cell and observers).
fn publish(s: &AppState, event: &str, j: &Value) {
    let mut parties = vec![j["volume_party"].as_str().unwrap_or("").to_owned()];
    if let Some(p) = j["track_party"].as_str() {
        parties.push(p.to_owned());
    }
    let frame = json!({ "type": "intrusion", "event": event, "intrusion": j });
    s.live.publish(StreamEvent::Other {
        json: Arc::from(frame.to_string()),
        parties: Some(parties),
    });
}

/// Airborne states of the picture, extrapolated to its time.
fn airborne(pic: &Picture) -> Vec<AircraftState> {
    pic.tracks
        .iter()
        .filter(|t| !t.view.on_ground)
        .filter_map(|t| {
            let v = &t.view;
            let mut s = AircraftState {
                id: v.id.clone(),
                party: v.party.clone(),
                lat_deg: v.lat_deg,
                lon_deg: v.lon_deg,
                alt_ft: v.alt_ft?,
                gs_kt: v.gs_kt.unwrap_or(0.0),
                trk_deg: v.trk_deg.unwrap_or(0.0),
                vs_fpm: v.vs_fpm.unwrap_or(0.0),
            };
            let dt = (pic.time - v.last_update).clamp(0.0, MAX_EXTRAPOLATION_S);
            if dt > 0.0 && s.validate().is_ok() {
                let (lat, lon, alt) = deconflict_engine::geodesy::predict_position(&s, dt);
                s.lat_deg = lat;
                s.lon_deg = lon;
                s.alt_ft = alt;
            }
            Some(s)
        })
        .collect()
}

fn event_word(k: AlertEventKind) -> &'static str {
    match k {
        AlertEventKind::Raised => "raised",
        AlertEventKind::Updated => "updated",
        _ => "cleared",
    }
}

/// The API form of an intrusion event (`Intrusion` in docs/api.md).
fn intrusion_json(
    run: u64,
    e: &IntrusionEvent,
    s: &AppState,
    pic: &Picture,
    previous: Option<&Value>,
) -> Value {
    let i = &e.intrusion;
    let id = format!("i-{run}-{}", i.id.trim_start_matches("i-"));
    let track_state = match (e.event, previous) {
        (AlertEventKind::Cleared, Some(p)) => p["track_state"].clone(),
        _ => pic
            .index
            .get(&i.track_id)
            .and_then(|k| serde_json::to_value(&pic.tracks[*k].view).ok())
            .unwrap_or(Value::Null),
    };
    let name = s.strategic.get(&i.reservation_id).map(|d| d.name);
    let mut j = json!({
        "id": id,
        "track_id": i.track_id,
        "track_party": i.track_party,
        "reservation_id": i.reservation_id,
        "reservation_name": name,
        "volume_party": i.volume_party,
        "purpose": i.purpose,
        "volume_index": i.volume_index,
        "time_to_entry_s": i.time_to_entry_s,
        "inside_now": i.inside_now,
        "entry_point": i.entry_point,
        "level": i.level,
        "state": event_word(e.event),
        "raised_at": i.raised_at,
        "updated_at": i.updated_at,
        "cleared_at": i.cleared_at,
        "track_state": track_state,
        "acks": initial_acks(i.track_party.as_deref(), &i.volume_party),
    });
    if let Some(p) = previous {
        keep_acks(&mut j, p);
    }
    j
}

/// Records time-driven reservation states (active, ended) that the store does not have yet.
async fn advance_reservations(s: &AppState, now: f64) {
    let _writes = s.strategic.writes.lock().await;
    // Only the few that changed are cloned (the scan itself is O(n) without allocation).
    let changed: Vec<ReservationDoc> = s
        .strategic
        .docs
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .filter(|d| d.state_at(now) != d.state)
        .cloned()
        .collect();
    if changed.is_empty() {
        return;
    }
    let mut batch = Vec::with_capacity(changed.len());
    for d in changed {
        let new = d.state_at(now);
        let action = match new {
            deconflict_airspace::ReservationState::Active => "reservation.active",
            _ => "reservation.ended",
        };
        let doc = ReservationDoc { state: new, ..d };
        match serde_json::to_value(&doc) {
            Ok(b) => batch.push((action.to_owned(), doc.id.clone(), b)),
            Err(e) => tracing::error!(error = %e, "cannot encode reservation"),
        }
    }
    // One transaction for every change of this pass (many reservations may start at once).
    let stored = s
        .db(move |st| st.advance_reservations("engine", &batch))
        .await;
    match stored {
        Ok(recs) => {
            for rec in recs {
                match serde_json::from_value::<ReservationDoc>(rec.body) {
                    Ok(doc) => {
                        let event = match doc.state {
                            deconflict_airspace::ReservationState::Active => "active",
                            _ => "ended",
                        };
                        s.strategic.put(doc.clone(), now);
                        publish_reservation(s, event, &doc, now);
                    }
                    Err(e) => tracing::error!(error = %e, "stored reservation unreadable"),
                }
            }
        }
        Err(e) => tracing::error!(error = %e, "cannot record reservation states"),
    }
}

/// The strategic cycle: runs forever, once per new picture.
pub async fn run_cycles(s: AppState) {
    use tokio::sync::broadcast::error::RecvError;
    let run = now_s() as u64;
    // Woken by each published picture (the engine cycle's `Cycle` event), so the check runs
    // right after the picture it uses; the timeout keeps housekeeping going without traffic.
    let mut events = s.live.events.subscribe();
    let wait = Duration::from_secs_f64(2.0 * s.config.cycle_s);
    let mut last_picture = f64::NEG_INFINITY;
    let mut last_housekeeping = Instant::now() - Duration::from_secs(3600);
    let lookahead_s = s.config.strategic.intrusion_lookahead_s;
    loop {
        match tokio::time::timeout(wait, events.recv()).await {
            Ok(Ok(ev)) if !matches!(*ev, StreamEvent::Cycle { .. }) => continue,
            Ok(Err(RecvError::Closed)) => return,
            // A cycle, a lag (some cycle passed) or the timeout: look at the latest picture.
            _ => {}
        }
        let pic = s.live.picture();
        if pic.time <= last_picture {
            continue;
        }
        last_picture = pic.time;
        let now = pic.time;
        if last_housekeeping.elapsed().as_secs_f64() >= HOUSEKEEPING_S {
            last_housekeeping = Instant::now();
            advance_reservations(&s, now_s()).await;
            if let Err(e) = requests::expire(&s, now_s()).await {
                tracing::error!(error = %e, "cannot expire requests");
            }
        }
        let (s2, p2) = (s.clone(), pic.clone());
        let alert_events = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            // Rebuilt here (off the async threads) only when a reservation changed.
            let detector = s2.strategic.detector();
            let states = airborne(&p2);
            let scan = detector.scan(&states, now, lookahead_s);
            let out = s2
                .strategic
                .alerts
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .update(&scan.predictions, now);
            tracing::debug!(
                aircraft = states.len(),
                volumes = detector.len(),
                exact_tests = scan.exact_tests,
                predictions = scan.predictions.len(),
                elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
                "intrusion check"
            );
            s2.live
                .metrics
                .intrusion_check_done(started.elapsed().as_secs_f64());
            out
        })
        .await;
        let events = match alert_events {
            Ok(e) => e,
            Err(e) => {
                tracing::error!(error = %e, "intrusion check failed");
                continue;
            }
        };
        if events.is_empty() {
            continue;
        }
        let records: Vec<(String, Value)> = {
            let active = s.strategic.active.read().unwrap_or_else(|e| e.into_inner());
            let by_id: HashMap<String, &Value> = active
                .values()
                .map(|v| {
                    (
                        format!(
                            "{}|{}",
                            v["track_id"].as_str().unwrap_or(""),
                            v["reservation_id"].as_str().unwrap_or("")
                        ),
                        v,
                    )
                })
                .collect();
            events
                .iter()
                .map(|e| {
                    let key = format!("{}|{}", e.intrusion.track_id, e.intrusion.reservation_id);
                    let j = intrusion_json(run, e, &s, &pic, by_id.get(&key).copied());
                    (format!("intrusion.{}", event_word(e.event)), j)
                })
                .collect()
        };
        let batch = records.clone();
        let stored = s.db(move |st| st.record_intrusions("engine", &batch)).await;
        if let Err(e) = stored {
            tracing::error!(error = %e, "cannot persist intrusion events");
            continue;
        }
        for (_, mut j) in records {
            let id = j["id"].as_str().unwrap_or("").to_owned();
            let event = j["state"].as_str().unwrap_or("updated").to_owned();
            s.live.metrics.intrusion_event(&event);
            {
                let mut active = s
                    .strategic
                    .active
                    .write()
                    .unwrap_or_else(|e| e.into_inner());
                // An acknowledgement recorded while this cycle ran is kept.
                let previous = if event == "cleared" {
                    active.remove(&id)
                } else {
                    active.get(&id).cloned()
                };
                if let Some(p) = previous {
                    keep_acks(&mut j, &p);
                }
                if event != "cleared" {
                    active.insert(id, j.clone());
                }
            }
            publish(&s, &event, &j);
        }
    }
}
