//! The SQL both backends speak: the store's logic is written once, here, over a small neutral
//! interface ([`Backend`] runs a transaction, [`Tx`] executes statements and returns [`Row`]s of
//! [`Val`]ues), and [`crate::Store`] / [`crate::StrategicStore`] are implemented for every
//! [`Backend`]. A backend (`sqlite`, `postgres`) supplies only its connection handling, its
//! schema, and the mapping of [`Val`] to its types.
//!
//! # The dialect
//! Statements are written in the portable subset of SQL that SQLite, PostgreSQL and CockroachDB
//! share: `?N` placeholders (a backend rewrites them where its driver wants another form),
//! `INSERT … ON CONFLICT … DO NOTHING / DO UPDATE SET col = excluded.col`, `RETURNING`,
//! `CAST(x AS TEXT)`, `||`; no `IS NULL` test on a bare parameter (PostgreSQL cannot type it),
//! no engine-specific functions. Where the engines really differ (the audit log's storage order)
//! [`Dialect`] says so.
//!
//! - `tx`: the audit chain appended inside each change, and the content hashes it vouches for.
//! - `core`: parties, tokens, alerts, messages, documents and the audit log ([`crate::Store`]).
//! - `strategic`: reservations, requests and intrusions ([`crate::StrategicStore`]).

pub(crate) mod core;
mod strategic;
pub(crate) mod tx;

use crate::error::{StoreError, StoreResult};
use std::sync::Arc;

/// Which engine a [`Tx`] talks to, for the few places where they differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (the embedded store).
    Sqlite,
    /// PostgreSQL (and the wire-compatible CockroachDB).
    Postgres,
}

impl Dialect {
    /// The column the audit log is read back by when it is verified: its storage order in
    /// SQLite (`rowid`, so that a reordering is not hidden by sorting), its sequence number in
    /// PostgreSQL (which has no stable storage order; a reordering changes the hashes anyway).
    pub fn audit_order(self) -> &'static str {
        match self {
            Dialect::Sqlite => "rowid",
            Dialect::Postgres => "seq",
        }
    }
}

/// One SQL value, as bound to a parameter or read from a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// NULL.
    Null,
    /// An integer.
    Int(i64),
    /// A double.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl From<&str> for Val {
    fn from(s: &str) -> Val {
        Val::Text(s.to_owned())
    }
}
impl From<&String> for Val {
    fn from(s: &String) -> Val {
        Val::Text(s.clone())
    }
}
impl From<String> for Val {
    fn from(s: String) -> Val {
        Val::Text(s)
    }
}
impl From<i64> for Val {
    fn from(n: i64) -> Val {
        Val::Int(n)
    }
}
impl From<u8> for Val {
    fn from(n: u8) -> Val {
        Val::Int(i64::from(n))
    }
}
impl From<f64> for Val {
    fn from(x: f64) -> Val {
        Val::Real(x)
    }
}
impl From<Vec<u8>> for Val {
    fn from(b: Vec<u8>) -> Val {
        Val::Blob(b)
    }
}
impl<T: Clone + Into<Val>> From<&Option<T>> for Val {
    fn from(v: &Option<T>) -> Val {
        v.clone().map_or(Val::Null, Into::into)
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Val {
        v.map_or(Val::Null, Into::into)
    }
}

/// Parameters for a statement: `vals![a, b, c]` is `&[Val::from(a), …]`.
macro_rules! vals {
    ($($v:expr),* $(,)?) => { &[$($crate::sql::Val::from($v)),*][..] };
}
pub(crate) use vals;

/// One row read: its column names (shared by the rows of one query) and values.
#[derive(Debug, Clone)]
pub struct Row {
    /// Column names, in select order.
    pub names: Arc<[String]>,
    /// Values, in select order.
    pub vals: Vec<Val>,
}

fn mistyped(i: usize, want: &str, got: &Val) -> StoreError {
    StoreError::Database(format!("column {i}: expected {want}, found {got:?}").into())
}

impl Row {
    fn at(&self, i: usize) -> StoreResult<&Val> {
        self.vals
            .get(i)
            .ok_or_else(|| StoreError::Database(format!("no column {i}").into()))
    }
    /// Column `i` as text.
    pub fn text(&self, i: usize) -> StoreResult<String> {
        match self.at(i)? {
            Val::Text(s) => Ok(s.clone()),
            v => Err(mistyped(i, "text", v)),
        }
    }
    /// Column `i` as text or NULL.
    pub fn opt_text(&self, i: usize) -> StoreResult<Option<String>> {
        match self.at(i)? {
            Val::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }
    /// Column `i` as an integer.
    pub fn int(&self, i: usize) -> StoreResult<i64> {
        match self.at(i)? {
            Val::Int(n) => Ok(*n),
            v => Err(mistyped(i, "integer", v)),
        }
    }
    /// Column `i` as a double (an integer is widened).
    pub fn real(&self, i: usize) -> StoreResult<f64> {
        match self.at(i)? {
            Val::Real(x) => Ok(*x),
            Val::Int(n) => Ok(*n as f64),
            v => Err(mistyped(i, "real", v)),
        }
    }
    /// Column `i` as a double or NULL.
    pub fn opt_real(&self, i: usize) -> StoreResult<Option<f64>> {
        match self.at(i)? {
            Val::Null => Ok(None),
            _ => self.real(i).map(Some),
        }
    }
    /// Column `i` as bytes or NULL (text is taken as its UTF-8 bytes).
    pub fn opt_blob(&self, i: usize) -> StoreResult<Option<Vec<u8>>> {
        match self.at(i)? {
            Val::Null => Ok(None),
            Val::Blob(b) => Ok(Some(b.clone())),
            Val::Text(s) => Ok(Some(s.clone().into_bytes())),
            v => Err(mistyped(i, "blob", v)),
        }
    }
}

/// A connection inside one transaction (or one read).
pub trait Tx {
    /// Runs a statement; returns how many rows it changed.
    fn execute(&mut self, sql: &str, params: &[Val]) -> StoreResult<u64>;
    /// Runs a query; returns its rows.
    fn query(&mut self, sql: &str, params: &[Val]) -> StoreResult<Vec<Row>>;
    /// The engine behind it.
    fn dialect(&self) -> Dialect;
}

impl dyn Tx + '_ {
    /// The first row of a query, if any.
    pub fn query_opt(&mut self, sql: &str, params: &[Val]) -> StoreResult<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
    /// The first row of a query, which must exist.
    pub fn query_one(&mut self, sql: &str, params: &[Val]) -> StoreResult<Row> {
        self.query_opt(sql, params)?
            .ok_or_else(|| StoreError::Database(format!("no row from {sql}").into()))
    }
}

/// A body of work inside one transaction; it may be run again when the engine asks for a
/// retry (a serialization failure), so it must not have effects outside the transaction.
pub type Work<'a, T> = &'a mut dyn FnMut(&mut dyn Tx) -> StoreResult<T>;

/// The `(node, epoch)` a store's leader-only writes are fenced to ([`crate::Store::set_fence`]).
#[derive(Debug, Default)]
pub struct Fence(std::sync::Mutex<Option<(String, i64)>>);

impl Fence {
    /// The fence now.
    pub fn get(&self) -> Option<(String, i64)> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    /// Sets or lifts it.
    pub fn set(&self, fence: Option<(String, i64)>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = fence;
    }
}

/// What a backend provides: transactions. Every [`Backend`] is a [`crate::Store`].
pub trait Backend: Send + Sync {
    /// The fence of this store's leader-only writes.
    fn fence(&self) -> &Fence;

    /// Runs `work` in one read-write transaction and commits it when `work` succeeds; on an
    /// error nothing of it is kept. A backend whose engine can fail a transaction for a
    /// concurrent one (serialization failure) runs `work` again, a bounded number of times.
    fn write<T>(&self, work: Work<'_, T>) -> StoreResult<T>;
    /// Runs `work` on one consistent read.
    fn read<T>(&self, work: Work<'_, T>) -> StoreResult<T>;
}
