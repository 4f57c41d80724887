//! The alert cycle: a fresh snapshot of the airborne tracks, the safety net and alerting off
//! the async threads, then the alert events turned into records (`domain::alerts`),
//! persisted (one transaction per cycle, audited) and only then published, so a client never
//! acknowledges an alert the store does not know.

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::alerts::{alert_tracks_by_party, conflicts_now, record_of, EventContext};
use crate::domain::handover::Handover;
use crate::domain::picture::view_of;
use crate::domain::policy::Viewer;
use crate::domain::safety::engine_exemptions;
use crate::live::guidance::GuidanceCycle;
use crate::live::{on_store, Live, StreamEvent};
use crate::wire;
use axum::extract::ws::Utf8Bytes;
use deconflict_engine::alerting::{AlertEvent, Alerting, AlertingConfig};
use deconflict_engine::safety::{Locator, NoRegions, SafetyNet};
use deconflict_engine::AircraftState;
use deconflict_feeds::replay::{place_samples, unplaced_samples};
use deconflict_store::{AlertRecord, Store};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The alert cycle: a fresh snapshot of the airborne tracks, conflict detection and alerting
/// off the async threads, then the alert events persisted and published.
///
/// Every node runs detection (for the geometry and guidance frames of its own clients), but
/// only the leader records and publishes alert lifecycles; at each takeover its alerting starts
/// afresh and the alerts left open go on under their ids ([`Handover`]). Followers show the
/// alerts the leader stored (`live::mirror`).
pub async fn run(live: Arc<Live>, store: Arc<dyn Store>, config: Arc<Config>, clock: Clock) {
    // This node's leadership (its epoch) and its alert ids, while it leads.
    let mut leading: Option<(i64, Handover)> = None;
    // One safety net for the server's life: its detector buffers and per-track vertical
    // state are kept across alert cycles.
    let net = match SafetyNet::new(config.safety_net.engine(), config.detect_options(), false) {
        Ok(d) => Arc::new(Mutex::new(d)),
        Err(e) => {
            tracing::error!(error = %e, "conflict detection cannot start; no alerts will be raised");
            return;
        }
    };
    let alerting = Arc::new(Mutex::new(Alerting::new(AlertingConfig {
        hold_s: config.separation.alert_hold_s,
    })));
    let period_s = config.alert_cycle_s.min(config.cycle_s);
    let sel_max_age_s = config.safety_net.selected_alt_max_age_s;
    let mut interval = tokio::time::interval(Duration::from_secs_f64(period_s));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut regions_seen = 0u64;
    // What the alert-tracks frames were built from last cycle.
    let mut alert_tracks = AlertTracks::default();
    let mut guidance = GuidanceCycle::new(&config);
    // When the alerts' geometry was last sent, and to whom (each gets an empty frame once).
    let mut geometry_sent_at = f64::MIN;
    let mut geometry_viewers: BTreeSet<Viewer> = BTreeSet::new();
    loop {
        interval.tick().await;
        let started = Instant::now();
        let now = clock.now_s();
        let epoch = live.leadership.leader_epoch();
        if epoch != leading.as_ref().map(|(e, _)| *e) {
            leading = match epoch {
                Some(e) => {
                    *alerting.lock().unwrap_or_else(|e| e.into_inner()) =
                        Alerting::new(AlertingConfig {
                            hold_s: config.separation.alert_hold_s,
                        });
                    let open = match on_store(&store, |s| s.list_alerts(None)).await {
                        Ok(open) => open,
                        Err(e) => {
                            tracing::error!(error = %e, "cannot read the open alerts; retrying");
                            continue;
                        }
                    };
                    tracing::info!(open = open.len(), epoch = e, "took over the alert cycle");
                    for a in &open {
                        live.put_alert(a.clone());
                    }
                    // Milliseconds: two leaderships never share a run.
                    let run = (now * 1000.0) as u64;
                    Some((
                        e,
                        Handover::new(run, open, now, config.separation.alert_hold_s),
                    ))
                }
                None => None,
            };
        }
        // Snapshot (under the table lock, briefly), the safety net and alerting, all on a
        // blocking thread; ingest only waits for the copy.
        let (det, al, l) = (net.clone(), alerting.clone(), live.clone());
        let version = live
            .regions_version
            .load(std::sync::atomic::Ordering::Acquire);
        let reload = version != regions_seen;
        regions_seen = version;
        let detected = tokio::task::spawn_blocking(move || {
            let mut phases = l.metrics.phases("alert");
            let regions: Arc<dyn Locator> = match l.region_set() {
                Some(set) => set,
                None => Arc::new(NoRegions),
            };
            // Only the copy holds the table's lock (ingest waits for it); the sort and the
            // region placement come after.
            let mut samples = unplaced_samples(
                &l.table.lock().unwrap_or_else(|e| e.into_inner()),
                now,
                sel_max_age_s,
            );
            place_samples(&mut samples, &*regions);
            // The samples are sorted by id: a track's owner is a binary search away.
            let owner_of = |t: &str| {
                by_id(&samples, t, |s| &s.state.id).and_then(|s| s.state.party.clone())
            };
            let exemptions = engine_exemptions(&l.exemption_docs(), now, owner_of);
            let mut det = det.lock().unwrap_or_else(|e| e.into_inner());
            if reload {
                if let Err(e) = det.set_regions(regions.params()) {
                    tracing::error!(error = %e, "invalid safety-net regions; keeping the previous ones");
                }
            }
            det.set_exemptions(exemptions);
            phases.lap("snapshot");
            let detected = det.evaluate(now, &samples);
            phases.lap("detect");
            let states: Vec<AircraftState> = samples.into_iter().map(|t| t.state).collect();
            detected.map(|d| {
                let events = al
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .update(now, &d.confirmed);
                phases.lap("alerting");
                (events, states, d.confirmed)
            })
        })
        .await;
        let mut phases = live.metrics.phases("alert");
        let (events, states, confirmed) = match detected {
            Ok(Ok(x)) => x,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "detection failed this cycle");
                (Vec::new(), Vec::new(), Vec::new())
            }
            Err(e) => {
                tracing::error!(error = %e, "detection task failed");
                (Vec::new(), Vec::new(), Vec::new())
            }
        };
        if let Some((_, handover)) = leading.as_mut() {
            if !events.is_empty() {
                publish_alert_events(&live, &store, handover, &events, &states).await;
            }
            let lapsed = handover.lapsed(now);
            if !lapsed.is_empty() {
                let batch = lapsed
                    .iter()
                    .map(|a| (a.state.audit_action().to_owned(), a.clone()))
                    .collect();
                if !persist_and_publish(&live, store.clone(), batch).await {
                    // Cleared at the next cycle, unless their pair comes back first.
                    handover.readopt(lapsed);
                }
            }
        }
        phases.lap("publish");
        publish_alert_tracks(&live, now, &mut alert_tracks);
        phases.lap("alert_tracks");
        if now - geometry_sent_at >= config.cycle_s {
            geometry_sent_at = now;
            publish_conflicts_now(&live, now, &confirmed, &mut geometry_viewers);
            phases.lap("geometry");
        }
        if let Some(g) = guidance.as_mut() {
            g.step(&live, now, states).await;
            phases.lap("guidance");
        }
        let active = live
            .alerts
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter(|a| a.cleared_at.is_none())
            .count();
        live.metrics.set_active_alerts(active as u64);
        live.metrics
            .alert_cycle_done(started.elapsed().as_secs_f64());
    }
}

/// What the alert-tracks frames were built from in the last alert cycle.
#[derive(Default)]
struct AlertTracks {
    /// Parties sent a frame (each gets an empty frame once its alerts clear).
    parties: BTreeSet<String>,
    /// Each track's view as JSON, with the update time and coasting flag it was made from: a
    /// track changes about once a second while frames go out every alert cycle, so most
    /// cycles serialise nothing.
    json: HashMap<String, (f64, bool, Option<String>)>,
}

/// Sends each party involved in an active alert the current states of both aircraft (every
/// alert cycle), so that an intruder its sharing rule hides is shown where it is now, not
/// where it was when the alert last changed. A party whose alerts all cleared gets one empty
/// frame, so its console drops the intruders.
fn publish_alert_tracks(live: &Live, now: f64, last: &mut AlertTracks) {
    let mut by_party = {
        let alerts = live.alerts.read().unwrap_or_else(|e| e.into_inner());
        alert_tracks_by_party(alerts.values())
    };
    if by_party.is_empty() && last.parties.is_empty() {
        return;
    }
    let now_parties: BTreeSet<String> = by_party.keys().cloned().collect();
    for gone in last.parties.difference(&now_parties) {
        by_party.insert(gone.clone(), BTreeSet::new());
    }
    last.parties = now_parties;
    let ids: BTreeSet<&String> = by_party.values().flatten().collect();
    last.json.retain(|id, _| ids.contains(id));
    {
        let t = live.table.lock().unwrap_or_else(|e| e.into_inner());
        for id in &ids {
            let Some(track) = t.get(id) else {
                last.json.remove(*id);
                continue;
            };
            let key = (track.last_update_s, track.coasting);
            if last.json.get(*id).is_some_and(|(u, c, _)| (*u, *c) == key) {
                continue;
            }
            let json = view_of(track).and_then(|v| serde_json::to_string(&v).ok());
            last.json.insert((*id).clone(), (key.0, key.1, json));
        }
    }
    let frames: HashMap<Viewer, Utf8Bytes> = by_party
        .iter()
        .map(|(party, ids)| {
            let tracks = ids
                .iter()
                .filter_map(|id| last.json.get(id).and_then(|(_, _, j)| j.as_deref()));
            (
                Viewer::Party(party.clone()),
                Utf8Bytes::from(wire::alert_tracks(now, tracks)),
            )
        })
        .collect();
    live.publish(StreamEvent::ViewerFrames(frames));
}

/// Sends each viewer the geometry now (`domain::alerts::conflicts_now`) of the active alerts it
/// may see: the cell and observers all, a party those involving it. Once a second (`cycle_s`),
/// so every time a console shows counts down from a prediction at most a cycle old. A viewer
/// whose alerts all cleared gets one empty frame.
fn publish_conflicts_now(
    live: &Live,
    now: f64,
    confirmed: &[deconflict_engine::detect::Conflict],
    last: &mut BTreeSet<Viewer>,
) {
    let mut by_viewer: BTreeMap<Viewer, Vec<String>> = BTreeMap::new();
    {
        let alerts = live.alerts.read().unwrap_or_else(|e| e.into_inner());
        for (a, g) in conflicts_now(alerts.values(), confirmed) {
            let Ok(json) = serde_json::to_string(&g) else {
                continue;
            };
            for p in a.a_party.iter().chain(a.b_party.iter()) {
                let list = by_viewer.entry(Viewer::Party(p.clone())).or_default();
                if list.last() != Some(&json) {
                    list.push(json.clone());
                }
            }
            by_viewer.entry(Viewer::All).or_default().push(json);
        }
    }
    if by_viewer.is_empty() && last.is_empty() {
        return;
    }
    let now_viewers: BTreeSet<Viewer> = by_viewer.keys().cloned().collect();
    for gone in last.difference(&now_viewers) {
        by_viewer.insert(gone.clone(), Vec::new());
    }
    *last = now_viewers;
    let frames: HashMap<Viewer, Utf8Bytes> = by_viewer
        .into_iter()
        .map(|(v, list)| {
            let frame = wire::conflict_now_frame(now, list.iter().map(String::as_str));
            (v, Utf8Bytes::from(frame))
        })
        .collect();
    live.publish(StreamEvent::ViewerFrames(frames));
}

/// The item with id `id` in `sorted`, sorted by `id_of` (a cycle's samples and states are).
fn by_id<'a, T>(sorted: &'a [T], id: &str, id_of: impl Fn(&T) -> &String) -> Option<&'a T> {
    sorted
        .binary_search_by(|x| id_of(x).as_str().cmp(id))
        .ok()
        .map(|i| &sorted[i])
}

/// Builds the records of one alert cycle's events, persists them (one transaction, audited)
/// and only then publishes them.
async fn publish_alert_events(
    live: &Live,
    store: &Arc<dyn Store>,
    handover: &mut Handover,
    events: &[AlertEvent],
    states: &[AircraftState],
) {
    // The cycle's states are sorted by id (`place_samples`): a lookup is a binary search, not
    // a map of every airborne aircraft built on the async thread each cycle with events.
    debug_assert!(states.windows(2).all(|w| w[0].id < w[1].id));
    let state_of = |tid: &str| by_id(states, tid, |s| &s.id);
    // The involved tracks as the API shows them, taken from the table at alert time.
    let views: HashMap<String, Value> = {
        let t = live.table.lock().unwrap_or_else(|e| e.into_inner());
        events
            .iter()
            .flat_map(|ev| [&ev.conflict.a, &ev.conflict.b])
            .filter_map(|id| {
                let v = t.get(id).and_then(view_of)?;
                Some((id.to_string(), serde_json::to_value(&v).ok()?))
            })
            .collect()
    };
    let party_of = |tid: &str| state_of(tid).and_then(|s| s.party.clone());
    let view_of = |tid: &str| views.get(tid).cloned().unwrap_or(Value::Null);
    let records: Vec<(String, AlertRecord)> = {
        let alerts = live.alerts.read().unwrap_or_else(|e| e.into_inner());
        events
            .iter()
            .map(|ev| {
                let (id, ev) = handover.resolve(ev);
                let ev = &ev;
                let t = ev.conflict.tcpa_s.max(0.0);
                let cpa_of = |tid: &str| {
                    state_of(tid)
                        .map(|s| {
                            let (lat, lon, _) = deconflict_engine::geodesy::predict_position(s, t);
                            wire::latlon(lat, lon)
                        })
                        .unwrap_or(Value::Null)
                };
                let rec = record_of(
                    ev,
                    &EventContext {
                        previous: alerts.get(&id),
                        id,
                        party_of: &party_of,
                        view_of: &view_of,
                        cpa_of: &cpa_of,
                    },
                );
                (rec.state.audit_action().to_owned(), rec)
            })
            .collect()
    };
    persist_and_publish(live, store.clone(), records).await;
}

/// Persists one cycle's alert records (one transaction, audited; refused when this node was
/// fenced out by a new leader) and only then publishes them.
async fn persist_and_publish(
    live: &Live,
    store: Arc<dyn Store>,
    records: Vec<(String, AlertRecord)>,
) -> bool {
    let s = store;
    let batch = records;
    let persist_started = Instant::now();
    let persisted = tokio::task::spawn_blocking(move || s.record_alerts("engine", &batch)).await;
    live.metrics
        .alert_persist_done(persist_started.elapsed().as_secs_f64());
    match persisted {
        Ok(Ok(stored)) => {
            let mut batch = Vec::with_capacity(stored.len());
            for rec in stored {
                live.metrics.alert_event(rec.state.as_str(), rec.level);
                live.put_alert(rec.clone());
                let frame = wire::alert_frame(rec.state, &rec);
                batch.push((rec, Utf8Bytes::from(frame)));
            }
            live.publish(StreamEvent::Alerts(batch));
            true
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "cannot persist alert events");
            false
        }
        Err(e) => {
            tracing::error!(error = %e, "alert persistence task failed");
            false
        }
    }
}
