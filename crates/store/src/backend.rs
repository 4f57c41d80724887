//! The backend contract: [`Store`], the one trait handlers see (`Arc<dyn Store>`). A backend
//! (the embedded SQLite one, a PostgreSQL one) implements it and [`StrategicStore`]; nothing in
//! either names a backend's types, so callers do not change with the backend.

use crate::audit::VerifyReport;
use crate::error::StoreResult;
use crate::strategic::StrategicStore;
use crate::types::{
    AlertRecord, AuditEntry, Lease, Message, NewMessage, Party, RelayBatch, Sharing, TokenRecord,
};

/// Persistence for the cell. Object-safe; share it as `Arc<dyn Store>`.
///
/// Every method that changes state takes the `actor` (the party id, or `"system"` / `"engine"`)
/// and appends an audit entry in the same transaction.
pub trait Store: StrategicStore + Send + Sync {
    // ---- parties ----
    /// Registers a party. Fails with
    /// [`StoreError::AlreadyExists`](crate::StoreError::AlreadyExists) if the id is taken.
    fn create_party(&self, actor: &str, party: &Party) -> StoreResult<()>;
    /// Every party, ordered by id.
    fn list_parties(&self) -> StoreResult<Vec<Party>>;
    /// One party.
    fn get_party(&self, id: &str) -> StoreResult<Option<Party>>;
    /// Replaces a party's sharing rule.
    fn set_sharing(&self, actor: &str, party: &str, sharing: &Sharing) -> StoreResult<Party>;

    // ---- tokens ----
    /// Stores a new token by its SHA-256 hash (hex). The token itself is never stored.
    fn create_token(
        &self,
        actor: &str,
        token_id: &str,
        party: &str,
        hash_hex: &str,
    ) -> StoreResult<TokenRecord>;
    /// A token by id, revoked or not.
    fn get_token(&self, token_id: &str) -> StoreResult<Option<TokenRecord>>;
    /// Every token (hashes included), for loading the server's in-memory cache.
    fn list_tokens(&self) -> StoreResult<Vec<TokenRecord>>;
    /// Revokes a token. Revoking twice is not an error.
    fn revoke_token(&self, actor: &str, token_id: &str) -> StoreResult<TokenRecord>;

    // ---- alerts ----
    /// Inserts or updates an alert (a conflict's lifecycle record). `action` is the audit action,
    /// for example `alert.raised`.
    fn upsert_alert(&self, actor: &str, action: &str, alert: &AlertRecord) -> StoreResult<()>;
    /// Records one cycle's alert events in one transaction (one audit entry each, with the
    /// action given beside each record) and returns the stored records, acknowledgements
    /// included.
    fn record_alerts(
        &self,
        actor: &str,
        events: &[(String, AlertRecord)],
    ) -> StoreResult<Vec<AlertRecord>>;
    /// One alert.
    fn get_alert(&self, id: &str) -> StoreResult<Option<AlertRecord>>;
    /// Active alerts, plus those cleared at or after `cleared_since` when given.
    fn list_alerts(&self, cleared_since: Option<f64>) -> StoreResult<Vec<AlertRecord>>;
    /// Records `party`'s acknowledgement of an alert and returns the updated alert.
    fn ack_alert(&self, actor: &str, alert_id: &str, party: &str) -> StoreResult<AlertRecord>;
    /// Deletes alerts cleared before `before` (retention). Returns how many were removed.
    fn purge_alerts(&self, actor: &str, before: f64) -> StoreResult<usize>;

    // ---- hotline ----
    /// Stores a message and returns it with its id.
    fn send_message(&self, actor: &str, message: &NewMessage) -> StoreResult<Message>;
    /// One message (read/ack state as seen by `viewer`).
    fn get_message(&self, id: i64, viewer: &str) -> StoreResult<Option<Message>>;
    /// Messages; `viewer = None` means every message, otherwise those to or from `viewer` or to all.
    fn list_messages(&self, viewer: Option<&str>) -> StoreResult<Vec<Message>>;
    /// Every message with an id above `after`, in id order, at most `limit` (as the cell sees
    /// them). Ids grow but may have gaps (an id taken by a send that failed is not reused).
    fn messages_after(&self, after: i64, limit: usize) -> StoreResult<Vec<Message>>;
    /// Marks a message read by `party`.
    fn mark_message_read(&self, actor: &str, id: i64, party: &str) -> StoreResult<Message>;
    /// Records `party`'s acknowledgement of a message.
    fn ack_message(&self, actor: &str, id: i64, party: &str) -> StoreResult<Message>;

    // ---- generic versioned documents (safety regions, exemptions, …) ----
    /// Creates (`expected_version = None`, fails if present) or replaces (`Some(v)`, fails with
    /// [`StoreError::StaleVersion`](crate::StoreError::StaleVersion) unless the stored version
    /// is `v`) a document. Returns the new version (1 for a new document).
    fn put_document(
        &self,
        actor: &str,
        action: &str,
        collection: &str,
        id: &str,
        body: &serde_json::Value,
        expected_version: Option<i64>,
    ) -> StoreResult<i64>;
    /// One document and its version.
    fn get_document(
        &self,
        collection: &str,
        id: &str,
    ) -> StoreResult<Option<(serde_json::Value, i64)>>;
    /// Every document of a collection, ordered by id.
    fn list_documents(
        &self,
        collection: &str,
    ) -> StoreResult<Vec<(String, serde_json::Value, i64)>>;

    // ---- audit ----
    /// Appends an audit entry for a change that is not stored in this store (for example a
    /// configuration change), with `payload` as its body.
    fn append_audit(
        &self,
        actor: &str,
        action: &str,
        payload: &serde_json::Value,
    ) -> StoreResult<AuditEntry>;
    /// Entries with `seq > after`, at most `limit`, ascending.
    fn audit_entries(&self, after: i64, limit: usize) -> StoreResult<Vec<AuditEntry>>;
    /// Recomputes the whole chain, and checks every object's stored content against the last
    /// entry that vouched for it.
    fn verify_audit(&self) -> StoreResult<VerifyReport>;
    /// `(seq, hash)` of the last entry written (the recorded head), `None` for an empty log.
    fn audit_head(&self) -> StoreResult<Option<(i64, String)>>;

    // ---- leadership ----
    /// Takes the cell's lease for `node` when it is free or lapsed (bumping its epoch, with a
    /// `cell.leader` audit entry), or renews it when `node` holds it, until `now + ttl_s`;
    /// otherwise changes nothing. Returns the lease as it is after.
    fn claim_lease(&self, node: &str, now: f64, ttl_s: f64) -> StoreResult<Lease>;
    /// Lets the lease lapse at once when `node` holds it (a clean shutdown), so another node
    /// takes it without waiting for the expiry.
    fn release_lease(&self, node: &str) -> StoreResult<()>;
    /// The lease as stored, `None` before any node took it.
    fn lease(&self) -> StoreResult<Option<Lease>>;
    /// Fences this store's leader-only writes (alert and intrusion lifecycles, time-driven
    /// reservation changes, purges) to `(node, epoch)`: from then on each such write first
    /// checks, inside its transaction, that the lease is still that, and fails with
    /// [`StoreError::Fenced`](crate::StoreError::Fenced) otherwise. `None` lifts the check.
    fn set_fence(&self, fence: Option<(String, i64)>);

    // ---- relay between nodes ----
    /// Appends a batch of what arrived at `node` alone (observations of listen-mode feeds and
    /// POSTed telemetry, as `states`, JSON) for the cell's other nodes; returns its id. Ids
    /// grow in commit order (writes are serialised), so a reader that saw an id has seen
    /// every smaller one. Not audited: the relay is transport, not record.
    fn relay_put(&self, node: &str, time_s: f64, states: &str) -> StoreResult<i64>;
    /// The batches after id `after` written by nodes other than `node`, oldest first, at most
    /// `limit`.
    fn relay_after(&self, after: i64, node: &str, limit: usize) -> StoreResult<Vec<RelayBatch>>;
    /// The newest batch id, 0 when there is none.
    fn relay_head(&self) -> StoreResult<i64>;
    /// Deletes the batches written before `before_s`; returns how many went.
    fn relay_prune(&self, before_s: f64) -> StoreResult<u64>;
}
