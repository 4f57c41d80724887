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

//!
//! # Tasks
//! - `alerts`: the alert cycle; `guidance`: resolution guidance for the aircraft in alert,
//!   computed in the alert cycle; `picture`: the picture cycle and retention;
//! - `strategic`: reservations in memory, time-driven states, request expiry;
//! - `intrusions`: the intrusion cycle; `safety`: regions and exemptions loaded and installed;
//! - `checkpoints`: signed checkpoints of the audit log; `crosscheck`: parties' reports
//!   against independent surveillance;
//! - `sources`: configured feeds; `demo`: what `serve --demo` adds;
//! - `lease`: leadership (only the leader runs the alert and strategic cycles' writes);
//!   `mirror`: what other nodes of the cell wrote, read back and published here.
//!
//! Tasks take handles ([`Live`], the store, the clock, the strategic state), never the HTTP
//! state.

pub mod alerts;
pub mod checkpoints;
pub mod crosscheck;
pub mod demo;
pub mod guidance;
pub mod intrusions;
pub mod leadership;
pub mod lease;
pub mod mirror;
pub mod outbox;
pub mod picture;
pub mod relay;
pub mod safety;
pub mod sources;
pub mod strategic;

use crate::config::{AircraftClaims, Config};
use crate::domain::guidance::GuidanceMap;
use crate::domain::picture::Picture;
use crate::domain::policy::Viewer;
use crate::domain::requests::RequestDoc;
use crate::domain::safety::ExemptionDoc;
use crate::metrics::Metrics;
use axum::extract::ws::Utf8Bytes;
use deconflict_airspace::regions::RegionSet;
use deconflict_feeds::counters::FeedStats;
use deconflict_feeds::track::TrackTable;
use deconflict_feeds::Observation;
use deconflict_store::{AlertRecord, AlertState, Message, Store, StoreError, StoreResult};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::{broadcast, mpsc};

/// Capacity of the observation channel from feeds to the track table.
pub const INGEST_QUEUE: usize = 65_536;

/// Something the stream carries to clients.
#[derive(Debug)]
pub enum StreamEvent {
    /// One cycle's deltas, one per viewer.
    Cycle {
        /// Cycle time.
        time: f64,
        /// The picture the deltas were taken from (binary streams encode from its tracks).
        picture: Arc<Picture>,
        /// Each viewer's delta.
        frames: HashMap<Viewer, ViewerDelta>,
    },
    /// An alert lifecycle event.
    Alert {
        /// What happened.
        event: AlertState,
        /// The alert after the event.
        alert: AlertRecord,
    },
    /// One cycle's alert lifecycle events, in order (one stream item, so that a burst of
    /// alerts does not overrun the clients' queues).
    /// Each alert comes with its `{"type":"alert",…}` frame, serialised once for all clients.
    Alerts(Vec<(AlertRecord, Utf8Bytes)>),
    /// One frame per viewer, delivered to that viewer's clients only (the current states of
    /// the aircraft in a party's active alerts; the guidance a viewer may see).
    ViewerFrames(HashMap<Viewer, Utf8Bytes>),
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

/// One viewer's delta of a picture cycle, as JSON and as what a binary stream encodes.
#[derive(Debug)]
pub struct ViewerDelta {
    /// `{"type":"delta",…}` (shared bytes: sending to a client copies nothing).
    pub json: Utf8Bytes,
    /// The upserted tracks, as indices into the cycle's `Picture::tracks`.
    pub upsert: Vec<u32>,
    /// Ids no longer visible to the viewer.
    pub remove: Vec<String>,
}

/// Runs a store call on a blocking thread (store calls are synchronous). A panic in it comes
/// back as a store error, so a task has one failure to handle.
pub(crate) async fn on_store<T, F>(store: &Arc<dyn Store>, f: F) -> StoreResult<T>
where
    T: Send + 'static,
    F: FnOnce(&dyn Store) -> StoreResult<T> + Send + 'static,
{
    let st = store.clone();
    tokio::task::spawn_blocking(move || f(st.as_ref()))
        .await
        .unwrap_or_else(|e| Err(StoreError::Database(Box::new(e))))
}

/// How many messages' last-sent state `note_message` remembers.
const MESSAGES_REMEMBERED: usize = 100_000;

/// Shared state of the live picture.
pub struct Live {
    /// Latest picture.
    pub picture: RwLock<Arc<Picture>>,
    /// Active alerts (and ones cleared this run, until retention), by id.
    pub alerts: RwLock<BTreeMap<String, AlertRecord>>,
    /// Resolution guidance of the aircraft in active alerts, by track id (replaced whole by
    /// each guidance computation).
    guidance: RwLock<Arc<GuidanceMap>>,
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
    /// The aircraft each party may report (`domain::ownership`), by party; swapped whole when
    /// the cell changes a registration.
    claims: RwLock<Arc<BTreeMap<String, AircraftClaims>>>,
    pub(crate) table: Mutex<TrackTable>,
    /// This node's part in the cell (leader or follower).
    pub leadership: leadership::Leadership,
    /// What arrived here alone, for the other nodes (`relay`).
    pub relay: outbox::Relay,
    /// Each message as last sent to this node's clients (its acknowledgement count), so that
    /// `mirror` does not send it again.
    messages_sent: Mutex<BTreeMap<i64, usize>>,
    /// Each request as last sent to this node's clients (its version and acknowledgement
    /// count), so that `mirror` does not send it again.
    requests_sent: Mutex<BTreeMap<String, (i64, usize)>>,
}

impl Live {
    /// Creates the live state and the receiving end of the ingest channel.
    pub fn new(config: &Config, metrics: Arc<Metrics>) -> (Arc<Live>, mpsc::Receiver<Observation>) {
        let (tx, rx) = mpsc::channel(INGEST_QUEUE);
        let (events, _) = broadcast::channel(config.limits.ws_queue_frames.max(2));
        let table = TrackTable::new(config.track_config());
        let live = Live {
            picture: RwLock::new(Arc::new(Picture::default())),
            alerts: RwLock::new(BTreeMap::new()),
            guidance: RwLock::new(Arc::new(GuidanceMap::new())),
            events,
            ingest: tx,
            feeds: RwLock::new(Vec::new()),
            regions: RwLock::new(None),
            exemptions: RwLock::new(Vec::new()),
            regions_version: std::sync::atomic::AtomicU64::new(1),
            claims: RwLock::new(Arc::new(BTreeMap::new())),
            metrics,
            table: Mutex::new(table),
            messages_sent: Mutex::new(BTreeMap::new()),
            requests_sent: Mutex::new(BTreeMap::new()),
            relay: outbox::Relay::default(),
            // The configured name with a suffix of this process: two processes given the same
            // name (a copied config) are still two holders of the lease.
            leadership: leadership::Leadership::new(
                config
                    .cluster
                    .node_id
                    .as_ref()
                    .map(|n| format!("{n}~{:04x}", rand::random::<u16>()))
                    .unwrap_or_else(leadership::default_node_id),
            ),
        };
        (Arc::new(live), rx)
    }

    /// The aircraft each party may report.
    pub fn claims(&self) -> Arc<BTreeMap<String, AircraftClaims>> {
        self.claims
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the registrations.
    pub fn set_claims(&self, claims: BTreeMap<String, AircraftClaims>) {
        *self.claims.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(claims);
    }

    /// The latest picture.
    pub fn picture(&self) -> Arc<Picture> {
        self.picture
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The guidance of the aircraft in active alerts.
    pub fn guidance(&self) -> Arc<GuidanceMap> {
        self.guidance
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the guidance.
    pub fn set_guidance(&self, map: Arc<GuidanceMap>) {
        *self.guidance.write().unwrap_or_else(|e| e.into_inner()) = map;
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

    /// Publishes a frame built by `wire` to the viewers of `parties` (`None`: everyone; the
    /// cell and observers always).
    pub fn publish_frame(&self, json: String, parties: Option<Vec<String>>) {
        self.publish(StreamEvent::Other {
            json: Arc::from(json),
            parties,
        });
    }

    /// The declared exemptions, as stored.
    pub fn exemption_docs(&self) -> Vec<ExemptionDoc> {
        self.exemptions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Publishes an event to stream clients (no receiver is not an error).
    pub fn publish(&self, e: StreamEvent) {
        if let StreamEvent::Message(m) = &e {
            self.note_message(m);
        }
        let _ = self.events.send(Arc::new(e));
    }

    /// Records a message as sent to this node's clients; returns whether it differs from what
    /// they last had.
    pub fn note_message(&self, m: &Message) -> bool {
        let key = m.acks.len();
        let mut sent = self.messages_sent.lock().unwrap_or_else(|e| e.into_inner());
        let new = sent.insert(m.id, key) != Some(key);
        // Only the newest are remembered: an old message acknowledged again is at worst sent
        // once more.
        while sent.len() > MESSAGES_REMEMBERED {
            sent.pop_first();
        }
        new
    }

    /// Records a request as sent to this node's clients; returns whether it differs from what
    /// they last had.
    pub fn note_request(&self, d: &RequestDoc) -> bool {
        let key = (d.version, d.acks.len());
        let mut sent = self.requests_sent.lock().unwrap_or_else(|e| e.into_inner());
        let new = sent.insert(d.id.clone(), key) != Some(key);
        while sent.len() > MESSAGES_REMEMBERED {
            sent.pop_first();
        }
        new
    }

    /// Sends a request's `event` frame (its state at `now`) to its audience, and notes it.
    pub fn publish_request(&self, event: &str, d: &RequestDoc, now: f64) {
        self.note_request(d);
        self.publish_frame(crate::wire::request_frame(event, d, now), d.audience());
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
