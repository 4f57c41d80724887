//! Why a store operation fails, whatever the backend: [`StoreError`] and [`StoreResult`].
//!
//! The variants callers act on (not found, already exists, stale version) are backend-neutral;
//! a backend's own failure is carried, boxed, by [`StoreError::Database`].

use thiserror::Error;

/// A backend's own error (SQLite's, PostgreSQL's, …), boxed.
pub type BackendError = Box<dyn std::error::Error + Send + Sync + 'static>;

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
    /// The database was written by a newer version of this program.
    #[error(
        "database schema version {found} is newer than this program understands ({supported})"
    )]
    SchemaTooNew {
        /// The version in the database.
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
    Database(#[source] BackendError),
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
    /// A leader-only write from a node that no longer holds the cell's lease (another node
    /// took it over): refused, so that a paused old leader cannot write after losing it.
    #[error("fenced: the cell's lease is at epoch {epoch} held by {holder:?}, not this node's epoch {fenced_epoch}")]
    Fenced {
        /// The lease's holder now.
        holder: String,
        /// The lease's epoch now.
        epoch: i64,
        /// The epoch this node wrote under.
        fenced_epoch: i64,
    },
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Encoding(e)
    }
}

/// Result of store operations.
pub type StoreResult<T> = Result<T, StoreError>;
