//! The embedded SQLite backend: one database file in the data directory, WAL journal with
//! `synchronous = FULL` so that a committed (acknowledged) write survives a crash of the process
//! or the machine, and migrations tracked in `PRAGMA user_version`. One connection behind a
//! mutex: SQLite has one writer at a time anyway, and the cell's writes are small.
//!
//! - `schema`: every migration, in order, and how they are applied when a database is opened.
//! - this file: the connection, and the [`Backend`] / [`Tx`] mapping the store's neutral SQL
//!   layer (`crate::sql`) runs on.

mod schema;

use crate::error::{StoreError, StoreResult};
use crate::sql::{tx, Backend, Dialect, Fence, Row, Tx, Val, Work};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// File name of the database inside the data directory.
pub const DATABASE_FILE: &str = "deconflict.sqlite";

/// The SQLite store.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    fence: Fence,
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
        let store = SqliteStore {
            conn: Mutex::new(conn),
            fence: Fence::default(),
        };
        if (1..schema::CONTENT_HASHES_VERSION).contains(&before) {
            store.write(&mut |t| tx::baseline_content(t))?;
        }
        Ok(store)
    }

    fn lock(&self) -> StoreResult<MutexGuard<'_, Connection>> {
        self.conn.lock().map_err(|_| StoreError::Poisoned)
    }

    /// Runs raw SQL on the database, outside the store's rules (no audit entry): for tools
    /// and tests that must reach behind the store, such as tamper tests of the audit log.
    ///
    /// # Errors
    /// SQLite refuses the statements.
    pub fn execute_raw(&self, sql: &str) -> StoreResult<()> {
        Ok(self.lock()?.execute_batch(sql)?)
    }
}

/// A statement run on the one connection (inside a transaction for writes).
struct SqliteTx<'c>(&'c Connection);

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Val::Null => ValueRef::Null,
            Val::Int(n) => ValueRef::Integer(*n),
            Val::Real(x) => ValueRef::Real(*x),
            Val::Text(s) => ValueRef::Text(s.as_bytes()),
            Val::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

impl Tx for SqliteTx<'_> {
    fn execute(&mut self, sql: &str, params: &[Val]) -> StoreResult<u64> {
        let mut stmt = self.0.prepare_cached(sql)?;
        Ok(stmt.execute(rusqlite::params_from_iter(params))? as u64)
    }

    fn query(&mut self, sql: &str, params: &[Val]) -> StoreResult<Vec<Row>> {
        let mut stmt = self.0.prepare_cached(sql)?;
        let names: Arc<[String]> = stmt.column_names().iter().map(|n| n.to_string()).collect();
        let width = names.len();
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut vals = Vec::with_capacity(width);
            for i in 0..width {
                vals.push(match r.get_ref(i)? {
                    ValueRef::Null => Val::Null,
                    ValueRef::Integer(n) => Val::Int(n),
                    ValueRef::Real(x) => Val::Real(x),
                    ValueRef::Text(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Val::Blob(b.to_vec()),
                });
            }
            out.push(Row {
                names: names.clone(),
                vals,
            });
        }
        Ok(out)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}

impl Backend for SqliteStore {
    fn fence(&self) -> &Fence {
        &self.fence
    }

    fn write<T>(&self, work: Work<'_, T>) -> StoreResult<T> {
        let mut conn = self.lock()?;
        // IMMEDIATE: the write lock is taken at BEGIN (waiting up to the busy timeout for
        // another process, such as a tool beside the running cell), so a transaction is never
        // failed part-way for a concurrent writer, and the work runs once.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = work(&mut SqliteTx(&tx))?;
        tx.commit()?;
        Ok(out)
    }

    fn read<T>(&self, work: Work<'_, T>) -> StoreResult<T> {
        let mut conn = self.lock()?;
        // One read transaction: every statement of the read sees the same snapshot, even
        // while another process writes.
        let tx = conn.transaction()?;
        work(&mut SqliteTx(&tx))
    }
}
