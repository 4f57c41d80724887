//! The embedded SQLite backend: one database file in the data directory, WAL journal with
//! `synchronous = FULL` so that a committed (acknowledged) write survives a crash of the process
//! or the machine, and migrations tracked in `PRAGMA user_version`.
//!
//! - `schema`: every migration, in order, and how they are applied when a database is opened.
//! - `tx`: one transaction per change, with its audit entries appended inside it.
//! - `core`: [`Store`](crate::Store) — parties, tokens, alerts, messages and the audit log.
//! - `strategic`: [`StrategicStore`](crate::StrategicStore) — reservations, requests and
//!   intrusions — and the generic versioned documents.

mod core;
mod schema;
mod strategic;
mod tx;

use crate::error::{StoreError, StoreResult};
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// File name of the database inside the data directory.
pub const DATABASE_FILE: &str = "deconflict.sqlite";

/// The SQLite store.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(Box::new(e))
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database in `data_dir`, applying pending migrations.
    ///
    /// # Errors
    /// The directory cannot be created, the file cannot be opened, or it was written by a newer
    /// version of this program.
    pub fn open(data_dir: &Path) -> StoreResult<SqliteStore> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::Io {
            path: data_dir.to_owned(),
            source,
        })?;
        let conn = Connection::open(data_dir.join(DATABASE_FILE))?;
        Self::from_connection(conn)
    }

    /// An in-memory store (tests and tools).
    ///
    /// # Errors
    /// SQLite cannot allocate the database.
    pub fn in_memory() -> StoreResult<SqliteStore> {
        Self::from_connection(Connection::open_in_memory()?)
    }

    fn from_connection(mut conn: Connection) -> StoreResult<SqliteStore> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // WAL + FULL: every commit is fsynced to the WAL before COMMIT returns.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let before = schema::migrate(&mut conn)?;
        if (1..schema::CONTENT_HASHES_VERSION).contains(&before) {
            tx::baseline_content(&mut conn)?;
        }
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> StoreResult<MutexGuard<'_, Connection>> {
        self.conn.lock().map_err(|_| StoreError::Poisoned)
    }
}
