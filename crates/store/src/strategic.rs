//! The contract for strategic deconfliction's persistence: reservations (and hazard zones) with
//! optimistic versions, vacate requests and advance notices, and the intrusion alert lifecycle.
//!
//! # Design
//! - The documents belong to the server (`Reservation`, `Request` and `Intrusion` in
//!   docs/api.md). The store never looks inside them: the caller passes, as typed fields, what
//!   the store indexes or decides on (owner, state, level, times), and the body is stored and
//!   returned as given.
//! - The store owns what it assigns: identifiers (`r-<n>`, `q-<n>`, from an autoincrement
//!   sequence, so never reused, even after a crash), versions, `created_at` / `updated_at`, and
//!   intrusion acknowledgements. They come back as typed fields of [`StrategicRecord`] and
//!   [`StoredIntrusion`], and win over anything the body says.
//! - Intrusion acknowledgements are kept apart from the body, one per party; recording an
//!   event whose `level` is higher than the stored one clears them (an escalation is
//!   acknowledged anew).
//! - Every change appends an audit entry in the same transaction ([`crate::Store`]'s rule); a
//!   batch (an import, a cycle's intrusion events) is one transaction with one entry each.
//! - [`StrategicStore`] is a supertrait of [`crate::Store`], so handlers reach these methods
//!   through the same `Arc<dyn Store>`.

use crate::error::StoreResult;
use crate::types::AlertState;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// A new reservation or request: what the store indexes, and the document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordInput {
    /// Owner (a reservation's party, a request's sender).
    pub party: String,
    /// State word (`accepted`, `pending`, …), indexed.
    pub state: String,
    /// The document, stored and returned as given.
    pub body: Value,
}

/// A new state and document for a stored reservation or request (its owner does not change).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordChange {
    /// State word, indexed.
    pub state: String,
    /// The document, stored and returned as given.
    pub body: Value,
}

/// A stored reservation or request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StrategicRecord {
    /// Identifier (`r-<n>` or `q-<n>`), assigned by the store.
    pub id: String,
    /// Owner (reservation's party, request's sender).
    pub party: String,
    /// Optimistic version, 1 when created.
    pub version: i64,
    /// State word, as last given.
    pub state: String,
    /// When it was created, UNIX seconds.
    pub created_at: f64,
    /// When it last changed, UNIX seconds.
    pub updated_at: f64,
    /// The document, as last given.
    pub body: Value,
}

/// One intrusion alert event to record: the fields the store indexes and decides on, and the
/// alert's document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntrusionInput {
    /// Identifier (`i-<run>-<n>`).
    pub id: String,
    /// The aircraft.
    pub track_id: String,
    /// The aircraft's owner (`None`: unowned traffic).
    pub track_party: Option<String>,
    /// The reservation or zone entered.
    pub reservation_id: String,
    /// Its owner.
    pub volume_party: String,
    /// Alert level; a higher level than the stored one clears the acknowledgements.
    pub level: u8,
    /// The event.
    pub state: AlertState,
    /// When it was raised, UNIX seconds.
    pub raised_at: f64,
    /// Last change, UNIX seconds.
    pub updated_at: f64,
    /// When it cleared, UNIX seconds.
    pub cleared_at: Option<f64>,
    /// The alert's document, stored and returned as given.
    pub body: Value,
}

/// A stored intrusion alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredIntrusion {
    /// Identifier.
    pub id: String,
    /// The aircraft.
    pub track_id: String,
    /// The aircraft's owner.
    pub track_party: Option<String>,
    /// The reservation or zone.
    pub reservation_id: String,
    /// Its owner.
    pub volume_party: String,
    /// Alert level.
    pub level: u8,
    /// The last event.
    pub state: AlertState,
    /// When it was raised, UNIX seconds.
    pub raised_at: f64,
    /// Last change, UNIX seconds.
    pub updated_at: f64,
    /// When it cleared, UNIX seconds.
    pub cleared_at: Option<f64>,
    /// Acknowledgement per side (the volume's owner and the aircraft's).
    pub acks: BTreeMap<String, bool>,
    /// The alert's document, as last given.
    pub body: Value,
}

/// Strategic persistence; implemented by every [`crate::Store`].
///
/// Methods taking `action` record it as the audit action (for example `reservation.file`).
pub trait StrategicStore {
    /// Stores a new reservation; returns it with its new id (`r-<n>`) and version 1.
    fn create_reservation(
        &self,
        actor: &str,
        action: &str,
        record: &RecordInput,
    ) -> StoreResult<StrategicRecord>;
    /// Stores several new reservations in one transaction (all or none), one audit entry each;
    /// returns them in order.
    fn create_reservations(
        &self,
        actor: &str,
        action: &str,
        records: &[RecordInput],
    ) -> StoreResult<Vec<StrategicRecord>>;
    /// Replaces a reservation's state and document. With `expected_version = Some(v)` it fails
    /// with [`StoreError::StaleVersion`](crate::StoreError::StaleVersion) unless the stored
    /// version is `v`, and the version is bumped; with `None` (time-driven state changes) the
    /// version is kept.
    fn update_reservation(
        &self,
        actor: &str,
        action: &str,
        id: &str,
        expected_version: Option<i64>,
        change: &RecordChange,
    ) -> StoreResult<StrategicRecord>;
    /// Records time-driven changes `(action, id, change)` of several reservations in one
    /// transaction, keeping their versions; returns them in order.
    fn advance_reservations(
        &self,
        actor: &str,
        changes: &[(String, String, RecordChange)],
    ) -> StoreResult<Vec<StrategicRecord>>;
    /// One reservation.
    fn get_reservation(&self, id: &str) -> StoreResult<Option<StrategicRecord>>;
    /// Every reservation, in filing order.
    fn list_reservations(&self) -> StoreResult<Vec<StrategicRecord>>;

    /// Stores a new request; returns it with its id (`q-<n>`) and version 1.
    fn create_request(
        &self,
        actor: &str,
        action: &str,
        record: &RecordInput,
    ) -> StoreResult<StrategicRecord>;
    /// Replaces a request's state and document (an answer, an acknowledgement, expiry),
    /// failing with [`StoreError::StaleVersion`](crate::StoreError::StaleVersion) unless the
    /// stored version is `expected_version`; bumps it.
    fn update_request(
        &self,
        actor: &str,
        action: &str,
        id: &str,
        expected_version: i64,
        change: &RecordChange,
    ) -> StoreResult<StrategicRecord>;
    /// Answers a request and creates the reservation that answer brings about (an accepted
    /// vacate request's exclusion) in one transaction, one audit entry each: the reservation
    /// first (`reservation_action`), then the request's change, built by `change` from the
    /// stored reservation (so it can name it). The version rule is
    /// [`StrategicStore::update_request`]'s. Returns `(request, reservation)`.
    #[allow(clippy::too_many_arguments)]
    fn answer_request_with_reservation(
        &self,
        actor: &str,
        action: &str,
        id: &str,
        expected_version: i64,
        reservation_action: &str,
        reservation: &RecordInput,
        change: &dyn Fn(&StrategicRecord) -> RecordChange,
    ) -> StoreResult<(StrategicRecord, StrategicRecord)>;
    /// One request.
    fn get_request(&self, id: &str) -> StoreResult<Option<StrategicRecord>>;
    /// Every request, in order of creation.
    fn list_requests(&self) -> StoreResult<Vec<StrategicRecord>>;

    /// Records one cycle's intrusion alert events `(action, event)` in one transaction, one
    /// audit entry each. Acknowledgements already stored are kept unless the event's `level`
    /// is higher than the stored one.
    fn record_intrusions(
        &self,
        actor: &str,
        events: &[(String, IntrusionInput)],
    ) -> StoreResult<()>;
    /// Active intrusions, plus those cleared at or after `cleared_since` when given, by time
    /// raised.
    fn list_intrusions(&self, cleared_since: Option<f64>) -> StoreResult<Vec<StoredIntrusion>>;
    /// Clears, with an `intrusion.cleared` audit entry each, every intrusion still active (at
    /// start-up: the previous run's predictions no longer hold). Returns how many.
    fn clear_stale_intrusions(&self, actor: &str) -> StoreResult<usize>;
    /// One intrusion (active or cleared, while kept).
    fn get_intrusion(&self, id: &str) -> StoreResult<Option<StoredIntrusion>>;
    /// Records `party`'s acknowledgement of an intrusion with an `intrusion.ack` audit entry in
    /// the same transaction; returns the updated intrusion.
    fn ack_intrusion(&self, actor: &str, id: &str, party: &str) -> StoreResult<StoredIntrusion>;
}
