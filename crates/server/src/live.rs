//! The live pipeline: feeds → ingest channel → track table → every alert cycle a snapshot →
//! conflict detection → alert lifecycle → store → stream; every picture cycle the track
//! deltas → stream.
//!
//! # Design
//! - Two cadences: the alert cycle (`alert_cycle_s`, default 0.1 s) takes a snapshot of the
//!   airborne states, runs detection and alerting and publishes alert frames; the picture
//!   cycle (`cycle_s`, default 1 s) builds the picture and the track deltas. A conflict thus
//!   reaches clients within about one alert cycle of its feed lines, while the costly
//!   per-track serialisation stays at the picture cadence.
//! - Ingest never waits for detection: one task drains the bounded observation channel into
//!   the [`TrackTable`] under a mutex held only per batch; the cycles hold it only to copy
//!   a snapshot. Detection and picture building run on blocking threads over those copies.
//! - Per picture cycle, each distinct viewer (everyone-seeing roles, and each party) gets one delta
//!   frame, serialised once and shared by all of that viewer's WebSocket clients through a
//!   `broadcast` channel; the channel never blocks the cycle.
//! - Alert events are persisted (one transaction per alert cycle, audited) before they are
//!   broadcast, so a client never acknowledges an alert the store does not know.

use crate::auth::Directory;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::picture::{json_array, Picture, TrackView};
use crate::policy::{self, Viewer};
use crate::safety::{engine_exemptions, ExemptionDoc};
use axum::extract::ws::Utf8Bytes;
use deconflict_airspace::regions::RegionSet;
use deconflict_engine::alerting::{AlertEventKind, Alerting, AlertingConfig};
use deconflict_engine::detect::DetectOptions;
use deconflict_engine::safety::{Locator, NoRegions, SafetyNet};
use deconflict_engine::standard::{AlertLevels, SeparationStandard};
use deconflict_engine::AircraftState;
use deconflict_feeds::counters::FeedStats;
use deconflict_feeds::replay::track_samples;
use deconflict_feeds::track::{TrackConfig, TrackTable};
use deconflict_feeds::Observation;
use deconflict_store::{AlertRecord, Message, Role, Store};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc};

/// Capacity of the observation channel from feeds to the track table.
pub const INGEST_QUEUE: usize = 65_536;

/// Something the stream carries to clients.
#[derive(Debug)]
pub enum StreamEvent {
    /// One cycle's deltas, one JSON text per viewer.
    Cycle {
        /// Cycle time.
        time: f64,
        /// `{"type":"delta",…}` per viewer (shared bytes: sending to a client copies nothing).
        frames: HashMap<Viewer, Utf8Bytes>,
    },
    /// An alert lifecycle event.
    Alert {
        /// `raised`, `updated` or `cleared`.
        event: &'static str,
        /// The alert after the event.
        alert: AlertRecord,
    },
    /// One cycle's alert lifecycle events, in order (one stream item, so that a burst of
    /// alerts does not overrun the clients' queues).
    /// Each alert comes with its `{"type":"alert",…}` frame, serialised once for all clients.
    Alerts(Vec<(AlertRecord, Utf8Bytes)>),
    /// A hotline message (delivered to its sender, addressee, the cell and observers).
    Message(Message),
    /// Any other event (reservations, requests, intrusions): `json` is sent as is to the
    /// viewers for which `audience` returns true.
    Other {
        /// The frame.
        json: Arc<str>,
        /// Parties that may see it; `None` = everyone.
        parties: Option<Vec<String>>,
    },
}

/// Shared state of the live picture.
pub struct Live {
    /// Latest picture.
    pub picture: RwLock<Arc<Picture>>,
    /// Active alerts (and ones cleared this run, until retention), by id.
    pub alerts: RwLock<BTreeMap<String, AlertRecord>>,
    /// Stream events.
    pub events: broadcast::Sender<Arc<StreamEvent>>,
    /// Observation ingest.
    pub ingest: mpsc::Sender<Observation>,
    /// Feed counters.
    pub feeds: RwLock<Vec<Arc<FeedStats>>>,
    /// Counters and gauges.
    pub metrics: Arc<Metrics>,
    /// Parameter regions and inhibition volumes the safety net uses (swapped whole when the
    /// cell changes them); `None` until loaded.
    regions: RwLock<Option<Arc<RegionSet>>>,
    /// Declared exemptions, as stored.
    exemptions: RwLock<Vec<ExemptionDoc>>,
    /// Bumped whenever `regions` changes, so the alert cycle reloads them.
    pub regions_version: std::sync::atomic::AtomicU64,
    table: Mutex<TrackTable>,
}

/// Current time, UNIX seconds.
pub fn now_s() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Live {
    /// Creates the live state and the receiving end of the ingest channel.
    pub fn new(config: &Config, metrics: Arc<Metrics>) -> (Arc<Live>, mpsc::Receiver<Observation>) {
        let (tx, rx) = mpsc::channel(INGEST_QUEUE);
        let (events, _) = broadcast::channel(config.limits.ws_queue_frames.max(2));
        let table = TrackTable::new(TrackConfig {
            coast_after_s: config.tracks.coast_after_s,
            drop_after_s: config.tracks.drop_after_s,
            vertical: config.safety_net.engine().vertical,
            exclude_on_ground: config.separation.ignore_on_ground,
            ..TrackConfig::default()
        });
        let live = Live {
            picture: RwLock::new(Arc::new(Picture::default())),
            alerts: RwLock::new(BTreeMap::new()),
            events,
            ingest: tx,
            feeds: RwLock::new(Vec::new()),
            regions: RwLock::new(None),
            exemptions: RwLock::new(Vec::new()),
            regions_version: std::sync::atomic::AtomicU64::new(1),
            metrics,
            table: Mutex::new(table),
        };
        (Arc::new(live), rx)
    }

    /// The latest picture.
    pub fn picture(&self) -> Arc<Picture> {
        self.picture
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Installs a new region set; the next alert cycle uses it.
    pub fn set_regions(&self, set: Arc<RegionSet>) {
        *self.regions.write().unwrap_or_else(|e| e.into_inner()) = Some(set);
        self.regions_version
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// The region set in use.
    pub fn region_set(&self) -> Option<Arc<RegionSet>> {
        self.regions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the declared exemptions.
    pub fn set_exemption_docs(&self, docs: Vec<ExemptionDoc>) {
        *self.exemptions.write().unwrap_or_else(|e| e.into_inner()) = docs;
    }

    /// The party owning a track now (`None` for an unknown track or one with no party).
    pub fn track_party(&self, id: &str) -> Option<String> {
        self.table
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .and_then(|t| t.party.clone())
    }

    /// Publishes an event to stream clients (no receiver is not an error).
    pub fn publish(&self, e: StreamEvent) {
        let _ = self.events.send(Arc::new(e));
    }

    /// Registers a feed's counters for `/feeds` and `/metrics`.
    pub fn add_feed(&self, stats: Arc<FeedStats>) {
        self.feeds
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(stats);
    }

    /// Replaces an alert in the in-memory set.
    pub fn put_alert(&self, a: AlertRecord) {
        self.alerts
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(a.id.clone(), a);
    }

    /// Runs the ingest loop until the channel closes.
    pub async fn run_ingest(self: Arc<Self>, mut rx: mpsc::Receiver<Observation>) {
        let mut batch = Vec::with_capacity(4096);
        while rx.recv_many(&mut batch, 4096).await > 0 {
            let mut rejected: Vec<&'static str> = Vec::new();
            let n = batch.len() as u64;
            {
                let mut t = self.table.lock().unwrap_or_else(|e| e.into_inner());
                for o in batch.drain(..) {
                    if let Err(r) = t.ingest(o) {
                        rejected.push(r.reason());
                    }
                }
            }
            self.metrics.add_ingested(n);
            for r in rejected {
                self.metrics.add_rejected(r);
            }
        }
    }
}

/// Alert ids: `c-<run>-<n>`, where `run` is the server's start time, so ids never repeat
/// across restarts.
fn alert_id(run: u64, n: u64) -> String {
    format!("c-{run}-{n}")
}

/// Engine options from the configuration.
pub fn detect_options(config: &Config) -> DetectOptions {
    DetectOptions {
        standard: SeparationStandard {
            h_sep_nm: config.separation.horizontal_nm,
            v_sep_ft: config.separation.vertical_ft,
            lookahead_s: config.separation.lookahead_s,
        },
        levels: AlertLevels::advisory_caution_warning(
            config.separation.caution_s,
            config.separation.warning_s,
        ),
        threads: 1,
    }
}

fn view_of(t: &deconflict_feeds::track::Track) -> Option<TrackView> {
    Some(TrackView {
        id: t.id.clone(),
        callsign: t.callsign.clone(),
        party: t.party.clone(),
        lat_deg: t.lat_deg?,
        lon_deg: t.lon_deg?,
        alt_ft: t.alt_ft,
        gs_kt: t.gs_kt,
        trk_deg: t.trk_deg,
        vs_fpm: t.vs_fpm,
        on_ground: t.on_ground,
        coasting: t.coasting,
        last_update: t.last_update_s,
        sources: t.sources.iter().map(|s| s.to_string()).collect(),
        squawk: t.squawk.clone(),
        selected_alt_ft: t.selected_alt_ft.or(t.fms_selected_alt_ft),
        selected_alt_time: if t.selected_alt_ft.is_some() {
            t.selected_alt_time_s
        } else {
            t.fms_selected_alt_time_s
        },
    })
}

fn latlon(p: (f64, f64, f64)) -> Value {
    json!({ "lat_deg": p.0, "lon_deg": p.1 })
}

/// The live loops: the alert cycle (detection, alerting, alert frames) every
/// `min(config.alert_cycle_s, config.cycle_s)` on its own task, and the picture cycle (track
/// deltas per viewer, retention) every `config.cycle_s` here. Runs forever.
pub async fn run_cycles(
    live: Arc<Live>,
    store: Arc<dyn Store>,
    directory: Arc<Directory>,
    config: Arc<Config>,
) {
    tokio::spawn(run_alert_cycles(
        live.clone(),
        store.clone(),
        config.clone(),
    ));
    run_picture_cycles(live, store, directory, config).await;
}

/// The alert cycle: a fresh snapshot of the airborne tracks, conflict detection and alerting
/// off the async threads, then the alert events persisted and published.
async fn run_alert_cycles(live: Arc<Live>, store: Arc<dyn Store>, config: Arc<Config>) {
    let run = now_s() as u64;
    // One safety net for the server's life: its detector buffers and per-track vertical
    // state are kept across alert cycles.
    let net = match SafetyNet::new(config.safety_net.engine(), detect_options(&config), false) {
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
    loop {
        interval.tick().await;
        let started = Instant::now();
        let now = now_s();
        // Snapshot (under the table lock, briefly), the safety net and alerting, all on a
        // blocking thread; ingest only waits for the copy.
        let (det, al, l) = (net.clone(), alerting.clone(), live.clone());
        let version = live
            .regions_version
            .load(std::sync::atomic::Ordering::Acquire);
        let reload = version != regions_seen;
        regions_seen = version;
        let detected = tokio::task::spawn_blocking(move || {
            let regions: Arc<dyn Locator> = match l.region_set() {
                Some(set) => set,
                None => Arc::new(NoRegions),
            };
            let samples = track_samples(
                &l.table.lock().unwrap_or_else(|e| e.into_inner()),
                now,
                &*regions,
                sel_max_age_s,
            );
            let owners: HashMap<&str, &str> = samples
                .iter()
                .filter_map(|t| Some((t.state.id.as_str(), t.state.party.as_deref()?)))
                .collect();
            let exemptions = engine_exemptions(
                &l.exemptions.read().unwrap_or_else(|e| e.into_inner()),
                now,
                |t| owners.get(t).map(|p| (*p).to_owned()),
            );
            let mut det = det.lock().unwrap_or_else(|e| e.into_inner());
            if reload {
                if let Err(e) = det.set_regions(regions.params()) {
                    tracing::error!(error = %e, "invalid safety-net regions; keeping the previous ones");
                }
            }
            det.set_exemptions(exemptions);
            let detected = det.evaluate(now, &samples);
            let states: Vec<AircraftState> = samples.into_iter().map(|t| t.state).collect();
            detected.map(|d| {
                let events = al
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .update(now, &d.confirmed);
                (events, states)
            })
        })
        .await;
        let (events, states) = match detected {
            Ok(Ok(x)) => x,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "detection failed this cycle");
                (Vec::new(), Vec::new())
            }
            Err(e) => {
                tracing::error!(error = %e, "detection task failed");
                (Vec::new(), Vec::new())
            }
        };
        if !events.is_empty() {
            publish_alert_events(&live, &store, run, &events, &states).await;
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

/// Builds the alert records of one alert cycle's events, persists them (one transaction,
/// audited) and only then publishes them, so a client never acknowledges an alert the store
/// does not know.
async fn publish_alert_events(
    live: &Live,
    store: &Arc<dyn Store>,
    run: u64,
    events: &[deconflict_engine::alerting::AlertEvent],
    states: &[AircraftState],
) {
    let by_id: HashMap<&str, &AircraftState> = states.iter().map(|s| (s.id.as_str(), s)).collect();
    // The involved tracks as the API shows them, taken from the table at alert time.
    let views: HashMap<String, Value> = {
        let t = live.table.lock().unwrap_or_else(|e| e.into_inner());
        events
            .iter()
            .flat_map(|ev| [&ev.conflict.a, &ev.conflict.b])
            .filter_map(|id| {
                let v = t.get(id).and_then(view_of)?;
                Some((id.clone(), serde_json::to_value(&v).ok()?))
            })
            .collect()
    };
    let mut records: Vec<(String, AlertRecord)> = Vec::with_capacity(events.len());
    {
        let alerts = live.alerts.read().unwrap_or_else(|e| e.into_inner());
        for ev in events {
            let c = &ev.conflict;
            let id = alert_id(run, ev.id);
            let (kind, action) = match ev.kind {
                AlertEventKind::Raised => ("raised", "alert.raised"),
                AlertEventKind::Updated => ("updated", "alert.updated"),
                AlertEventKind::Cleared => ("cleared", "alert.cleared"),
            };
            let old = alerts.get(&id);
            let state_json = |tid: &str| views.get(tid).cloned().unwrap_or(Value::Null);
            let (a_state, b_state) = match (ev.kind, old) {
                // Cleared keeps the states captured at the last alert time.
                (AlertEventKind::Cleared, Some(o)) => {
                    (o.detail["a_state"].clone(), o.detail["b_state"].clone())
                }
                _ => (state_json(&c.a), state_json(&c.b)),
            };
            let cpa = |tid: &str| {
                by_id.get(tid).map(|s| {
                    latlon(deconflict_engine::geodesy::predict_position(
                        s,
                        c.tcpa_s.max(0.0),
                    ))
                })
            };
            let party_of = |tid: &str| -> Option<String> {
                by_id.get(tid).and_then(|s| s.party.clone()).or_else(|| {
                    old.and_then(|o| {
                        if o.a == tid {
                            o.a_party.clone()
                        } else {
                            o.b_party.clone()
                        }
                    })
                })
            };
            let rec = AlertRecord {
                id: id.clone(),
                a: c.a.clone(),
                b: c.b.clone(),
                a_party: party_of(&c.a),
                b_party: party_of(&c.b),
                level: ev.level,
                state: kind.to_owned(),
                raised_at: old.map(|o| o.raised_at).unwrap_or(ev.at_s),
                updated_at: ev.at_s,
                cleared_at: (ev.kind == AlertEventKind::Cleared).then_some(ev.at_s),
                acks: old.map(|o| o.acks.clone()).unwrap_or_default(),
                detail: json!({
                    "tcpa_s": c.tcpa_s, "dcpa_m": c.dcpa_m, "vsep_cpa_ft": c.vsep_cpa_ft,
                    "t_in_s": c.t_in_s, "t_out_s": c.t_out_s, "cross_party": ev.cross_party,
                    "a_state": a_state, "b_state": b_state,
                    "cpa_a": cpa(&c.a).unwrap_or(Value::Null), "cpa_b": cpa(&c.b).unwrap_or(Value::Null),
                }),
            };
            records.push((action.to_owned(), rec));
        }
    }
    let s = store.clone();
    let batch = records.clone();
    let persist_started = Instant::now();
    let persisted = tokio::task::spawn_blocking(move || s.record_alerts("engine", &batch)).await;
    live.metrics
        .alert_persist_done(persist_started.elapsed().as_secs_f64());
    match persisted {
        Ok(Ok(stored)) => {
            let mut batch = Vec::with_capacity(stored.len());
            for ((action, _), rec) in records.iter().zip(stored) {
                let event: &'static str = match action.as_str() {
                    "alert.raised" => "raised",
                    "alert.updated" => "updated",
                    _ => "cleared",
                };
                live.metrics.alert_event(event, rec.level);
                live.put_alert(rec.clone());
                let frame = json!({ "type": "alert", "event": event, "conflict": crate::api::conflict_json(&rec) }).to_string();
                batch.push((rec, Utf8Bytes::from(frame)));
            }
            live.publish(StreamEvent::Alerts(batch));
        }
        Ok(Err(e)) => tracing::error!(error = %e, "cannot persist alert events"),
        Err(e) => tracing::error!(error = %e, "alert persistence task failed"),
    }
}

/// The picture cycle: expires silent tracks, builds the picture (each track serialised once)
/// and one delta frame per viewer, off the async threads; publishes them; applies retention.
async fn run_picture_cycles(
    live: Arc<Live>,
    store: Arc<dyn Store>,
    directory: Arc<Directory>,
    config: Arc<Config>,
) {
    let mut prev: HashMap<Viewer, HashMap<String, f64>> = HashMap::new();
    let mut interval = tokio::time::interval(Duration::from_secs_f64(config.cycle_s));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_purge = Instant::now();
    loop {
        interval.tick().await;
        let started = Instant::now();
        let now = now_s();
        let (l, d) = (live.clone(), directory.clone());
        let built = tokio::task::spawn_blocking(move || {
            let views: Vec<TrackView> = {
                let mut t = l.table.lock().unwrap_or_else(|e| e.into_inner());
                t.expire(now);
                t.tracks().filter_map(view_of).collect()
            };
            let picture = Arc::new(Picture::new(now, views));
            let frames = delta_frames(&picture, &d, &mut prev, now);
            (picture, frames, prev)
        })
        .await;
        let (picture, frames) = match built {
            Ok((picture, frames, p)) => {
                prev = p;
                (picture, frames)
            }
            Err(e) => {
                // The previous frames are lost with the task: clients get full upserts next.
                tracing::error!(error = %e, "picture task failed");
                prev = HashMap::new();
                continue;
            }
        };
        live.metrics.set_tracks(picture.tracks.len() as u64);
        *live.picture.write().unwrap_or_else(|e| e.into_inner()) = picture;
        live.publish(StreamEvent::Cycle { time: now, frames });
        // Retention, once a minute.
        if last_purge.elapsed() > Duration::from_secs(60) {
            last_purge = Instant::now();
            let keep = config.retention.recent_cleared_s.max(0.0);
            live.alerts
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|_, a| a.cleared_at.is_none_or(|c| now - c < keep));
            let before = now - config.retention.cleared_alerts_s;
            let s = store.clone();
            let _ = tokio::task::spawn_blocking(move || s.purge_alerts("system", before)).await;
        }
        live.metrics.cycle_done(started.elapsed().as_secs_f64());
    }
}

/// One `{"type":"delta",…}` frame per viewer (everyone-seeing roles, and each party) against
/// what that viewer was sent last cycle (`prev`, updated).
fn delta_frames(
    picture: &Picture,
    directory: &Directory,
    prev: &mut HashMap<Viewer, HashMap<String, f64>>,
    now: f64,
) -> HashMap<Viewer, Utf8Bytes> {
    let mut viewers: Vec<Viewer> = vec![Viewer::All];
    for p in directory.parties() {
        if p.role == Role::Party {
            viewers.push(Viewer::Party(p.id));
        }
    }
    prev.retain(|v, _| viewers.contains(v));
    let mut frames = HashMap::new();
    for v in viewers {
        let before = prev.remove(&v).unwrap_or_default();
        let mut now_visible: HashMap<String, f64> = HashMap::with_capacity(before.len());
        let mut upserts: Vec<&str> = Vec::new();
        for t in picture.visible(&v, directory) {
            if before.get(&t.view.id) != Some(&t.view.last_update) {
                upserts.push(&t.json);
            }
            now_visible.insert(t.view.id.clone(), t.view.last_update);
        }
        let removes: Vec<&String> = before
            .keys()
            .filter(|id| !now_visible.contains_key(*id))
            .collect();
        let text = format!(
            "{{\"type\":\"delta\",\"time\":{now},\"upsert\":{},\"remove\":{}}}",
            json_array(upserts.into_iter()),
            serde_json::to_string(&removes).unwrap_or_else(|_| "[]".into())
        );
        frames.insert(v.clone(), Utf8Bytes::from(text));
        prev.insert(v, now_visible);
    }
    frames
}

/// Clears, at start-up, alerts a previous run left active (their pairs are no longer tracked).
pub fn close_stale_alerts(store: &dyn Store) -> Result<usize, deconflict_store::StoreError> {
    let now = now_s();
    let stale: Vec<(String, AlertRecord)> = store
        .list_alerts(None)?
        .into_iter()
        .map(|mut a| {
            a.state = "cleared".into();
            a.cleared_at = Some(now);
            a.updated_at = now;
            ("alert.cleared".to_owned(), a)
        })
        .collect();
    let n = stale.len();
    if n > 0 {
        store.record_alerts("system", &stale)?;
    }
    Ok(n)
}

/// Which viewers may see an alert (for the stream).
pub fn alert_audience(viewer: &Viewer, alert: &AlertRecord) -> bool {
    policy::alert_visible(viewer, alert)
}

/// Parties mentioned, for de-duplication.
pub fn parties_of(alert: &AlertRecord) -> HashSet<String> {
    alert
        .a_party
        .iter()
        .chain(alert.b_party.iter())
        .cloned()
        .collect()
}
