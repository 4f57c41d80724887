//! Persistence for the cell server: parties, tokens, alerts, hotline messages, generic documents
//! and the hash-chained audit log, behind one object-safe trait.
//!
//! # Design
//! - [`Store`] is the only thing handlers see (`Arc<dyn Store>`), so another backend (for example
//!   PostgreSQL) can follow without touching them. Methods are synchronous: the SQLite backend
//!   keeps its connection behind a mutex, and async callers run them on a blocking thread.
//! - Every state-changing method appends an [`AuditEntry`] in the same transaction as the change,
//!   so the log can never miss a change that was committed, nor record one that was not.
//! - The audit log is chained with SHA-256: each entry's `hash` covers its sequence number, time,
//!   actor, action, payload digest and the previous entry's hash ([`audit::entry_hash`]).
//!   [`Store::verify_audit`] recomputes the chain and reports the first entry that was altered,
//!   removed or reordered.
//! - Features that come later (reservations, requests) persist through the generic document
//!   methods ([`Store::put_document`] and friends), which carry optimistic versions and are
//!   audited like everything else, so they need no change to this trait.
//!
//! # Example
//! ```
//! use deconflict_store::{Party, Role, Sharing, SqliteStore, Store};
//! let dir = tempfile::tempdir().unwrap();
//! let store = SqliteStore::open(dir.path()).unwrap();
//! store.create_party("cell", &Party::new("blue", "Blue Force", Role::Party, Sharing::full())).unwrap();
//! assert_eq!(store.list_parties().unwrap().len(), 1);
//! assert!(store.verify_audit().unwrap().ok);
//! ```

pub mod audit;
mod sqlite;
pub mod strategic;
mod types;

pub use audit::{entry_hash, payload_digest, VerifyReport};
pub use sqlite::{SqliteStore, DATABASE_FILE};
pub use strategic::{StrategicRecord, StrategicStore};
pub use types::*;

use thiserror::Error;

/// Why a store operation failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The named record does not exist.
    #[error("{kind} {id:?} does not exist")]
    NotFound {
        /// What kind of record (party, token, alert, message, document).
        kind: &'static str,
        /// Its identifier.
        id: String,
    },
    /// A record with this identifier already exists.
    #[error("{kind} {id:?} already exists")]
    AlreadyExists {
        /// What kind of record.
        kind: &'static str,
        /// Its identifier.
        id: String,
    },
    /// An optimistic-concurrency check failed: the caller's version is not the current one.
    #[error("{kind} {id:?} is at version {current}, not {expected}")]
    StaleVersion {
        /// What kind of record.
        kind: &'static str,
        /// Its identifier.
        id: String,
        /// The version the caller expected.
        expected: i64,
        /// The version in the store.
        current: i64,
    },
    /// The database file was written by a newer version of this program.
    #[error(
        "database schema version {found} is newer than this program understands ({supported})"
    )]
    SchemaTooNew {
        /// The version in the file.
        found: i64,
        /// The newest version this program knows.
        supported: i64,
    },
    /// A stored record holds a value this program does not know.
    #[error("{kind} {id:?} in the database is corrupt: {what}")]
    Corrupt {
        /// What kind of record.
        kind: &'static str,
        /// Its identifier.
        id: String,
        /// What is wrong.
        what: String,
    },
    /// A record could not be encoded or decoded.
    #[error("could not encode or decode a stored record")]
    Encoding(#[source] serde_json::Error),
    /// The database failed.
    #[error("database error")]
    Database(#[source] rusqlite::Error),
    /// The data directory could not be created or opened.
    #[error("cannot use data directory {path}")]
    Io {
        /// The path.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The store's lock was poisoned by a panic in another thread.
    #[error("store lock poisoned")]
    Poisoned,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Encoding(e)
    }
}

/// Result of store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// Persistence for the cell. Object-safe; share it as `Arc<dyn Store>`.
///
/// Every method that changes state takes the `actor` (the party id, or `"system"` / `"engine"`)
/// and appends an audit entry in the same transaction.
pub trait Store: StrategicStore + Send + Sync {
    // ---- parties ----
    /// Registers a party. Fails with [`StoreError::AlreadyExists`] if the id is taken.
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
    /// Marks a message read by `party`.
    fn mark_message_read(&self, actor: &str, id: i64, party: &str) -> StoreResult<Message>;
    /// Records `party`'s acknowledgement of a message.
    fn ack_message(&self, actor: &str, id: i64, party: &str) -> StoreResult<Message>;

    // ---- generic versioned documents (reservations, requests, …) ----
    /// Creates (`expected_version = None`, fails if present) or replaces (`Some(v)`, fails with
    /// [`StoreError::StaleVersion`] unless the stored version is `v`) a document. Returns the new
    /// version (1 for a new document).
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
    /// Recomputes the whole chain.
    fn verify_audit(&self) -> StoreResult<VerifyReport>;
}
