//! Persistence for the cell server: parties, tokens, alerts, hotline messages, reservations,
//! requests and intrusion alerts, generic documents and the hash-chained audit log, behind one
//! object-safe trait.
//!
//! # Design
//! - [`Store`] (with its supertrait [`StrategicStore`]) is the only thing handlers see
//!   (`Arc<dyn Store>`). Neither names a backend's types: [`SqliteStore`] is the embedded
//!   default, [`PostgresStore`] the shared one several nodes use. Their logic is written once
//!   over a neutral SQL layer ([`sql`]: a backend runs a transaction, the layer runs portable
//!   statements in it), so a backend supplies only connections, transactions and its schema.
//!   Methods are synchronous: async callers run them on a blocking thread.
//! - The store never reads inside the JSON it is given (alert details, reservation, request and
//!   intrusion documents, generic documents): what it indexes or decides on comes as typed
//!   fields, and the JSON is stored and returned as is.
//! - Every state-changing method appends an [`AuditEntry`] in the same transaction as the change,
//!   so the log can never miss a change that was committed, nor record one that was not.
//! - The audit log is chained with SHA-256: each entry's `hash` covers its sequence number, time,
//!   actor, action, payload digest and the previous entry's hash ([`audit::entry_hash`]).
//!   [`Store::verify_audit`] recomputes the chain and reports the first entry that was altered,
//!   removed or reordered, or whose object's stored content no longer matches what the log
//!   vouched for (each audited change carries its object's content hash, [`audit::ObjectKind`]).
//! - [`checkpoint`]: Ed25519-signed checkpoints of the chain (sequence number and head hash),
//!   which parties keep so that a log rewritten or shortened behind the cell is found even
//!   when its hashes were recomputed.
//!
//! # Layout
//! `error` (why an operation fails), `types` (the records), `backend` (the [`Store`] trait),
//! `strategic` (the [`StrategicStore`] trait and its records), `audit` (the hash chain),
//! `sql` (the two traits written once over any [`sql::Backend`]; the lease, fencing and relay
//! are there too), `sqlite` and `postgres` (the backends: connections, transactions, schema and
//! migrations), `locate` (a store named `sqlite:DIR` or `postgres://…`, opened), and `moving`
//! (a SQLite cell copied into PostgreSQL, chain verified).
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
mod backend;
pub mod checkpoint;
mod error;
mod locate;
pub mod moving;
mod postgres;
pub mod sql;
mod sqlite;
pub mod strategic;
mod types;

pub use audit::{entry_hash, payload_digest, VerifyReport};
pub use backend::Store;
pub use checkpoint::{Checkpoint, CheckpointError, CheckpointSigner};
pub use error::{BackendError, StoreError, StoreResult};
pub use locate::{redact, Location};
pub use postgres::{PgOptions, PostgresStore};
pub use sqlite::{SqliteStore, DATABASE_FILE};
pub use strategic::{
    IntrusionInput, RecordChange, RecordInput, StoredIntrusion, StrategicRecord, StrategicStore,
};
pub use types::*;
