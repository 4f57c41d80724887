//! Strategic deconfliction in the cell: 4D reservations and hazard zones with exact overlap
//! checks, vacate requests and advance notices, and live intrusion alerts.
//!
//! # Layout
//! - [`reservations`]: filing (with the dry-run check), listing, versioned update and cancel,
//!   GeoJSON / ASTM F3548 `Volume4D` import, GeoJSON export, OpenAir hazard zones.
//! - [`requests`]: vacate requests and advance notices, their answers and expiry.
//! - [`intrusions`]: the per-cycle intrusion check over the live picture, the alert lifecycle
//!   and its persistence, `GET /api/v1/intrusions`.
//! - [`demo`]: what `serve --demo` files (a hazard zone near Latakia, overlapping blue and red
//!   reservations, a vacate request and an advance notice) and a scripted civil aircraft.
//!
//! # Design
//! - The geometry is [`deconflict_airspace`]'s: a [`ReservationIndex`] (R-tree + exact `geo`
//!   intersections) answers filing checks; an [`IntrusionDetector`] built from it is rebuilt
//!   only when a reservation changes, not every cycle.
//! - The store is the truth; [`Strategic`] keeps the reservations in memory (index and API
//!   documents), loaded at start-up and changed only after the store committed a change.
//!   Filings, updates and cancels are serialised by one async mutex, so a check and the filing
//!   it allows cannot interleave with another filing.
//! - Priority decides who gives way: a filing over a higher-priority reservation is refused
//!   (the filer gives way); over lower-priority ones it needs a justification (the others give
//!   way); over equal priority it needs a justification and is allowed or refused by
//!   `strategic.equal_priority` in the configuration.
//! - A reservation filed without overlaps is `accepted`; one filed over others with a
//!   justification is `proposed` (contested). Time moves either to `active` when its first
//!   volume starts and to `ended` when its last one ends — computed on every read and
//!   recorded (audited, streamed) by the cycle.

pub mod demo;
pub mod intrusions;
pub mod requests;
pub mod reservations;

use crate::api::RouteTable;
use crate::live::{now_s, StreamEvent};
use crate::state::AppState;
use axum::http::Method;
use deconflict_airspace::{
    IntrusionAlertConfig, IntrusionAlerts, IntrusionDetector, Purpose, Reservation,
    ReservationIndex, ReservationState, Volume,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};

pub use intrusions::run_cycles;

/// How equal-priority overlaps are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EqualPriority {
    /// Filed with a justification, like overlaps of lower priority.
    Allow,
    /// Refused: one of the two parties must change its reservation.
    Refuse,
}

/// The `[strategic]` section of the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StrategicConfig {
    /// Overlaps between reservations of equal priority: `allow` (with a justification) or
    /// `refuse`. Default `allow`.
    pub equal_priority: EqualPriority,
    /// How far ahead live tracks are checked for entering reservations and zones, seconds.
    /// Default 300.
    pub intrusion_lookahead_s: f64,
    /// Intrusion alert levels and hysteresis.
    pub intrusion: IntrusionAlertConfig,
    /// Longest accepted request lifetime (`expires_at - now`), seconds. Default 7 days.
    pub request_max_s: f64,
    /// Lifetime of a vacate request filed without `expires_at`, seconds. Default 3600.
    pub request_default_s: f64,
    /// Time window given to OpenAir zones imported without one, seconds from now. Default 86400.
    pub zone_default_s: f64,
}

impl Default for StrategicConfig {
    fn default() -> Self {
        StrategicConfig {
            equal_priority: EqualPriority::Allow,
            intrusion_lookahead_s: 300.0,
            intrusion: IntrusionAlertConfig::default(),
            request_max_s: 7.0 * 86_400.0,
            request_default_s: 3_600.0,
            zone_default_s: 86_400.0,
        }
    }
}

/// A reservation as the API shows it (`Reservation` in docs/api.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReservationDoc {
    /// `r-<n>`.
    #[serde(default)]
    pub id: String,
    /// Owner.
    pub party: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Operation, training, hazard or closure.
    pub purpose: Purpose,
    /// 0 (lowest) to 10.
    pub priority: u8,
    /// Stored state; the shown state is [`ReservationDoc::state_at`].
    pub state: ReservationState,
    /// Optimistic version.
    #[serde(default)]
    pub version: i64,
    /// Volumes.
    pub volumes: Vec<Volume>,
    /// Why it was filed over other reservations.
    #[serde(default)]
    pub justification: Option<String>,
    /// Reservations it was filed over (at its last filing or change).
    #[serde(default)]
    pub filed_over: Vec<String>,
    /// Where it came from when imported (`openair`, `geojson`, `volume4d`), with details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Value>,
    /// UNIX s.
    #[serde(default)]
    pub created_at: f64,
    /// UNIX s.
    #[serde(default)]
    pub updated_at: f64,
}

impl ReservationDoc {
    /// The state at `now`.
    pub fn state_at(&self, now: f64) -> ReservationState {
        self.state.at_time(&self.volumes, now)
    }

    /// The API JSON, with the state at `now`.
    pub fn json_at(&self, now: f64) -> Value {
        let mut d = self.clone();
        d.state = self.state_at(now);
        serde_json::to_value(&d).unwrap_or(Value::Null)
    }

    /// What the geometry index needs.
    pub fn core(&self, now: f64) -> Reservation {
        Reservation {
            id: self.id.clone(),
            party: self.party.clone(),
            purpose: self.purpose,
            priority: self.priority,
            state: self.state_at(now),
            volumes: self.volumes.clone(),
        }
    }
}

/// The strategic state of one server.
pub struct Strategic {
    /// Every reservation (any state), by id.
    pub(crate) docs: RwLock<BTreeMap<String, ReservationDoc>>,
    /// The same reservations, spatially indexed.
    pub(crate) index: RwLock<ReservationIndex>,
    /// The detector over the index, rebuilt when `dirty`.
    pub(crate) detector: Mutex<(bool, Arc<IntrusionDetector>)>,
    /// Intrusion alerting.
    pub(crate) alerts: Mutex<IntrusionAlerts>,
    /// Active intrusion alerts (API JSON), by id.
    pub(crate) active: RwLock<BTreeMap<String, Value>>,
    /// Serialises every change to reservations.
    pub(crate) writes: tokio::sync::Mutex<()>,
}

impl Default for Strategic {
    fn default() -> Self {
        Strategic {
            docs: RwLock::new(BTreeMap::new()),
            index: RwLock::new(ReservationIndex::new()),
            detector: Mutex::new((true, Arc::new(IntrusionDetector::default()))),
            alerts: Mutex::new(IntrusionAlerts::new(IntrusionAlertConfig::default())),
            active: RwLock::new(BTreeMap::new()),
            writes: tokio::sync::Mutex::new(()),
        }
    }
}

impl Strategic {
    /// Empty state with the configured alert levels.
    pub fn new(config: &StrategicConfig) -> Strategic {
        Strategic {
            alerts: Mutex::new(IntrusionAlerts::new(config.intrusion)),
            ..Strategic::default()
        }
    }

    /// Puts a stored reservation in memory (index and documents) and marks the detector stale.
    /// A reservation the index refuses (it passed validation when filed, so only a changed
    /// limit can cause this) is kept for display and logged.
    pub(crate) fn put(&self, doc: ReservationDoc, now: f64) {
        let core = doc.core(now);
        {
            let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = index.insert(core) {
                tracing::warn!(id = %doc.id, error = %e, "reservation not indexed");
                index.remove(&doc.id);
            }
        }
        self.docs
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(doc.id.clone(), doc);
        self.detector.lock().unwrap_or_else(|e| e.into_inner()).0 = true;
    }

    /// One reservation's document.
    pub fn get(&self, id: &str) -> Option<ReservationDoc> {
        self.docs
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    /// Every reservation, in id order of filing (`r-2` before `r-10`).
    pub fn all(&self) -> Vec<ReservationDoc> {
        let mut v: Vec<ReservationDoc> = self
            .docs
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        v.sort_by_key(|d| id_number(&d.id));
        v
    }

    /// The detector, rebuilt first if reservations changed.
    pub(crate) fn detector(&self) -> Arc<IntrusionDetector> {
        let mut d = self.detector.lock().unwrap_or_else(|e| e.into_inner());
        if d.0 {
            let index = self.index.read().unwrap_or_else(|e| e.into_inner());
            d.1 = Arc::new(IntrusionDetector::from_index(&index));
            d.0 = false;
        }
        d.1.clone()
    }

    /// Loads every reservation from the store.
    ///
    /// # Errors
    /// The store failed.
    pub fn load(
        &self,
        store: &dyn deconflict_store::Store,
    ) -> deconflict_store::StoreResult<usize> {
        let now = now_s();
        let list = store.list_reservations()?;
        let n = list.len();
        for rec in list {
            match serde_json::from_value::<ReservationDoc>(rec.body) {
                Ok(doc) => self.put(doc, now),
                Err(e) => {
                    tracing::error!(id = %rec.id, error = %e, "stored reservation unreadable")
                }
            }
        }
        Ok(n)
    }
}

/// The numeric part of `r-12` / `q-3` (for ordering), 0 when absent.
pub(crate) fn id_number(id: &str) -> u64 {
    id.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Reads a JSON body already parsed as a value (so the role is checked before the body's
/// shape); a wrong shape is a 422 naming what is wrong.
pub(crate) fn parse_body<T: serde::de::DeserializeOwned>(v: Value) -> crate::error::ApiResult<T> {
    serde_json::from_value(v).map_err(|e| crate::error::ApiError::invalid(format!("body: {e}")))
}

/// Publishes a `{"type":"reservation",…}` frame to every viewer.
pub(crate) fn publish_reservation(s: &AppState, event: &str, doc: &ReservationDoc, now: f64) {
    let frame = serde_json::json!({ "type": "reservation", "event": event, "reservation": doc.json_at(now) });
    s.live.publish(StreamEvent::Other {
        json: Arc::from(frame.to_string()),
        parties: None,
    });
}

/// The strategic routes.
pub fn routes() -> RouteTable {
    use axum::routing::{delete, get, post, put};
    use intrusions as i;
    use requests as q;
    use reservations as r;
    RouteTable::default()
        .add(Method::POST, "/api/v1/reservations/check", post(r::check))
        .add(Method::GET, "/api/v1/reservations", get(r::list))
        .add(Method::POST, "/api/v1/reservations", post(r::file))
        .add(Method::GET, "/api/v1/reservations/{id}", get(r::one))
        .add(Method::PUT, "/api/v1/reservations/{id}", put(r::update))
        .add(
            Method::DELETE,
            "/api/v1/reservations/{id}",
            delete(r::cancel),
        )
        .add(Method::POST, "/api/v1/reservations/import", post(r::import))
        .add(
            Method::GET,
            "/api/v1/export/reservations.geojson",
            get(r::export),
        )
        .add(Method::POST, "/api/v1/zones/openair", post(r::openair))
        .add(Method::GET, "/api/v1/intrusions", get(i::list))
        .add(Method::POST, "/api/v1/intrusions/{id}/ack", post(i::ack))
        .add(Method::GET, "/api/v1/requests", get(q::list))
        .add(Method::POST, "/api/v1/requests", post(q::create))
        .add(
            Method::POST,
            "/api/v1/requests/{id}/accept",
            post(q::accept),
        )
        .add(
            Method::POST,
            "/api/v1/requests/{id}/decline",
            post(q::decline),
        )
        .add(Method::POST, "/api/v1/requests/{id}/ack", post(q::ack))
        .merge(crate::safety::routes())
}

/// OpenAPI rows of the strategic routes: `(method, path, summary, who may call it)`.
pub const OPERATIONS: &[(&str, &str, &str, &str)] = &[
    (
        "POST",
        "/api/v1/reservations/check",
        "Dry-run filing check: overlaps with other parties' reservations",
        "party, cell",
    ),
    (
        "GET",
        "/api/v1/reservations",
        "Every reservation and zone (visible to all)",
        "any token",
    ),
    (
        "POST",
        "/api/v1/reservations",
        "File a reservation (409 with overlaps unless justified)",
        "party, cell",
    ),
    (
        "GET",
        "/api/v1/reservations/{id}",
        "One reservation",
        "any token",
    ),
    (
        "PUT",
        "/api/v1/reservations/{id}",
        "Change an own reservation (with its version; stale → 409)",
        "the owner",
    ),
    (
        "DELETE",
        "/api/v1/reservations/{id}",
        "Cancel an own reservation (?version=N)",
        "the owner",
    ),
    (
        "POST",
        "/api/v1/reservations/import",
        "File reservations from GeoJSON or ASTM F3548 Volume4D",
        "party, cell",
    ),
    (
        "GET",
        "/api/v1/export/reservations.geojson",
        "Live reservations and zones as GeoJSON",
        "any token",
    ),
    (
        "POST",
        "/api/v1/zones/openair",
        "Import OpenAir airspace as hazard zones (text/plain or JSON)",
        "party, cell",
    ),
    (
        "GET",
        "/api/v1/intrusions",
        "Intrusion alerts concerning the caller (?include=cleared)",
        "any token",
    ),
    (
        "POST",
        "/api/v1/intrusions/{id}/ack",
        "Acknowledge an own side of an intrusion (the cell names the side: {\"party\": …})",
        "the aircraft's and the volume's owners, cell",
    ),
    (
        "GET",
        "/api/v1/requests",
        "Vacate requests and notices to, from or for all",
        "any token",
    ),
    (
        "POST",
        "/api/v1/requests",
        "Send a vacate request or an advance notice",
        "party, cell",
    ),
    (
        "POST",
        "/api/v1/requests/{id}/accept",
        "Accept a vacate request",
        "the addressee",
    ),
    (
        "POST",
        "/api/v1/requests/{id}/decline",
        "Decline a vacate request with a reason",
        "the addressee",
    ),
    (
        "POST",
        "/api/v1/requests/{id}/ack",
        "Acknowledge an advance notice",
        "the addressees",
    ),
];

/// Loads the stored reservations, clears intrusions a previous run left active and starts the
/// per-cycle task (time-driven states, request expiry, intrusion alerts).
///
/// # Errors
/// The store failed.
pub fn start(s: &AppState) -> deconflict_store::StoreResult<()> {
    let n = s.strategic.load(s.store.as_ref())?;
    let cleared = s.store.clear_stale_intrusions("system")?;
    tracing::info!(
        reservations = n,
        cleared_intrusions = cleared,
        "strategic state loaded"
    );
    tokio::spawn(run_cycles(s.clone()));
    Ok(())
}
