//! The PostgreSQL backend, for cells that run on several nodes over one replicated database.
//!
//! - Every change appends to the one audit chain, so writers are serialized: a writing
//!   transaction (`READ COMMITTED`) first locks the single row of `deconflict_writer`
//!   (`SELECT … FOR UPDATE`, a plain row lock, no advisory lock), so writers from every node
//!   queue there, and each then reads the state its predecessor committed. Should the engine
//!   still fail a transaction for a concurrent one (SQLSTATE `40001` or `40P01`, as CockroachDB
//!   may at its default isolation, or a taken audit sequence number), the store runs the change
//!   again, up to [`PgOptions::retries`] times. Reads are `REPEATABLE READ READ ONLY`: one
//!   snapshot. No engine-specific functions in the data path: the statements are the portable
//!   ones of `crate::sql`.
//! - Acknowledged means durable: a connection whose server default is
//!   `synchronous_commit = off` has it turned back on, so COMMIT returns only once the
//!   commit record is flushed (and, with synchronous standbys configured, replicated).
//! - The store's methods are synchronous (handlers call them on blocking threads, start-up
//!   code directly), so the backend drives `tokio-postgres` connections on a runtime of its
//!   own, on its own thread, and waits for each statement with a plain thread-parking
//!   executor: it works the same from any thread, inside an async runtime or not.
//! - A small pool (written here: a `Vec` under a mutex with a condition variable, because the
//!   pools made for `tokio-postgres` are async and these callers are not) holds up to
//!   [`PgOptions::pool_size`] connections; a connection found closed is dropped and replaced.
//! - `schema`: the migrations, tracked in a `deconflict_schema` table.

mod schema;

pub(crate) use schema::TABLES;

use crate::error::{StoreError, StoreResult};
use crate::sql::{Backend, Dialect, Fence, Row, Tx, Val, Work};
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use tokio_postgres::{Client, NoTls, Statement};

/// How the PostgreSQL store connects and retries.
#[derive(Debug, Clone, PartialEq)]
pub struct PgOptions {
    /// Connections kept open at most (`store.pool_size`).
    pub pool_size: usize,
    /// How many times a transaction failed by a concurrent one (SQLSTATE 40001 or 40P01) is
    /// run again before the error is returned (`store.retries`).
    pub retries: u32,
    /// How long to wait for a connection to open or to come free, seconds
    /// (`store.connect_timeout_s`).
    pub connect_timeout_s: f64,
    /// Longest a statement waits for a lock, seconds (`store.lock_timeout_s`; the session's
    /// `lock_timeout`): a writer queued behind a stuck one fails instead of hanging.
    pub lock_timeout_s: f64,
    /// Longest a session may sit idle inside a transaction before the server ends it, seconds
    /// (`store.idle_in_transaction_timeout_s`; `idle_in_transaction_session_timeout`): a
    /// node that froze or vanished mid-transaction releases the writers' lock then. TCP
    /// keepalives (idle this long too) find a half-open connection.
    pub idle_in_transaction_timeout_s: f64,
}

impl Default for PgOptions {
    fn default() -> PgOptions {
        PgOptions {
            pool_size: 8,
            retries: 10,
            connect_timeout_s: 5.0,
            lock_timeout_s: 5.0,
            idle_in_transaction_timeout_s: 5.0,
        }
    }
}

/// One pooled connection and its prepared statements.
struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
}

#[derive(Default)]
struct Pool {
    idle: Vec<Conn>,
    open: usize,
}

/// The PostgreSQL store.
pub struct PostgresStore {
    config: tokio_postgres::Config,
    options: PgOptions,
    runtime: tokio::runtime::Handle,
    stop: Option<std::sync::mpsc::Sender<()>>,
    pool: Mutex<Pool>,
    freed: Condvar,
    fence: Fence,
}

fn pg(e: tokio_postgres::Error) -> StoreError {
    StoreError::Database(Box::new(e))
}

/// Waits for a future on the calling thread (no async runtime needed on it).
fn wait<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

/// `?N` placeholders (the store's portable form) as PostgreSQL's `$N`.
fn dollar_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether the transaction failed because of a concurrent one, and may be run again.
fn retryable(e: &StoreError) -> bool {
    let StoreError::Database(inner) = e else {
        return false;
    };
    let Some(e) = inner.downcast_ref::<tokio_postgres::Error>() else {
        return false;
    };
    match e.code() {
        Some(c)
            if *c == SqlState::T_R_SERIALIZATION_FAILURE
                || *c == SqlState::T_R_DEADLOCK_DETECTED =>
        {
            true
        }
        // Two writers appending the same next entry: the second waits for the first and then
        // finds its sequence number taken (PostgreSQL reports this as a unique violation, not
        // a serialization failure, when the first committed while the second waited).
        Some(c) if *c == SqlState::UNIQUE_VIOLATION => e
            .as_db_error()
            .and_then(|d| d.constraint())
            .is_some_and(|c| c == "audit_pkey" || c == "audit_head_pkey"),
        _ => false,
    }
}

impl ToSql for Val {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match (self, ty) {
            (Val::Null, _) => Ok(IsNull::Yes),
            (Val::Int(n), &Type::INT8) => n.to_sql(ty, out),
            (Val::Int(n), &Type::INT4) => i32::try_from(*n)?.to_sql(ty, out),
            (Val::Int(n), &Type::INT2) => i16::try_from(*n)?.to_sql(ty, out),
            (Val::Int(n), &Type::FLOAT8) => (*n as f64).to_sql(ty, out),
            (Val::Int(n), &Type::TEXT) => n.to_string().to_sql(ty, out),
            (Val::Real(x), &Type::FLOAT8) => x.to_sql(ty, out),
            (Val::Text(s), &Type::TEXT | &Type::VARCHAR | &Type::BPCHAR | &Type::NAME) => {
                s.as_str().to_sql(ty, out)
            }
            (Val::Blob(b), &Type::BYTEA) => b.as_slice().to_sql(ty, out),
            (v, t) => Err(format!("cannot bind {v:?} to a parameter of type {t}").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A column value as a [`Val`], by its PostgreSQL type.
fn val_of(row: &tokio_postgres::Row, i: usize) -> StoreResult<Val> {
    let ty = row.columns()[i].type_().clone();
    let v = match ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i).map_err(pg)?.map(Val::Int),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)
            .map_err(pg)?
            .map(|n| Val::Int(n.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)
            .map_err(pg)?
            .map(|n| Val::Int(n.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)
            .map_err(pg)?
            .map(|b| Val::Int(b.into())),
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(i).map_err(pg)?.map(Val::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(i)
            .map_err(pg)?
            .map(|x| Val::Real(x.into())),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => row
            .try_get::<_, Option<String>>(i)
            .map_err(pg)?
            .map(Val::Text),
        Type::BYTEA => row
            .try_get::<_, Option<Vec<u8>>>(i)
            .map_err(pg)?
            .map(Val::Blob),
        other => {
            return Err(StoreError::Database(
                format!(
                    "column {:?} has type {other}, which the store does not read",
                    row.columns()[i].name()
                )
                .into(),
            ))
        }
    };
    Ok(v.unwrap_or(Val::Null))
}

struct PgTx<'c>(&'c mut Conn);

impl Conn {
    fn statement(&mut self, sql: &str) -> StoreResult<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = wait(self.client.prepare(&dollar_placeholders(sql))).map_err(pg)?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

fn params(vals: &[Val]) -> Vec<&(dyn ToSql + Sync)> {
    vals.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

impl Tx for PgTx<'_> {
    fn execute(&mut self, sql: &str, vals: &[Val]) -> StoreResult<u64> {
        let stmt = self.0.statement(sql)?;
        wait(self.0.client.execute(&stmt, &params(vals))).map_err(pg)
    }

    fn query(&mut self, sql: &str, vals: &[Val]) -> StoreResult<Vec<Row>> {
        let stmt = self.0.statement(sql)?;
        let rows = wait(self.0.client.query(&stmt, &params(vals))).map_err(pg)?;
        let names: Arc<[String]> = stmt.columns().iter().map(|c| c.name().to_owned()).collect();
        rows.iter()
            .map(|r| {
                Ok(Row {
                    names: names.clone(),
                    vals: (0..names.len())
                        .map(|i| val_of(r, i))
                        .collect::<StoreResult<_>>()?,
                })
            })
            .collect()
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://USER@HOST:PORT/DB`), applying pending
    /// migrations.
    ///
    /// # Errors
    /// The URL does not parse, the server cannot be reached, or its schema was written by a
    /// newer version of this program.
    pub fn connect(url: &str, options: &PgOptions) -> StoreResult<PostgresStore> {
        let mut config: tokio_postgres::Config = url.parse().map_err(pg)?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs_f64(options.connect_timeout_s.max(0.1)));
        }
        let idle = Duration::from_secs_f64(options.idle_in_transaction_timeout_s.max(1.0));
        config
            .keepalives(true)
            .keepalives_idle(idle)
            .keepalives_interval(Duration::from_secs(1))
            .keepalives_retries(3);
        // The runtime that drives the connections lives on its own thread, so that it is
        // never dropped inside another runtime.
        let (handle_tx, handle_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("deconflict-postgres".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = handle_tx.send(Err(e));
                        return;
                    }
                };
                let _ = handle_tx.send(Ok(rt.handle().clone()));
                rt.block_on(async move {
                    // Runs the connections until the store is dropped.
                    let _ = tokio::task::spawn_blocking(move || stop_rx.recv()).await;
                });
            })
            .map_err(|e| StoreError::Database(Box::new(e)))?;
        let runtime = handle_rx
            .recv()
            .map_err(|e| StoreError::Database(Box::new(e)))?
            .map_err(|e| StoreError::Database(Box::new(e)))?;
        let store = PostgresStore {
            config,
            options: options.clone(),
            runtime,
            stop: Some(stop_tx),
            pool: Mutex::new(Pool::default()),
            freed: Condvar::new(),
            fence: Fence::default(),
        };
        let conn = store.take()?;
        let migrated = schema::migrate(&conn.client);
        store.give(conn);
        migrated?;
        Ok(store)
    }

    fn open_connection(&self) -> StoreResult<Conn> {
        let config = self.config.clone();
        let (client, connection) = wait(
            self.runtime
                .spawn(async move { config.connect(NoTls).await }),
        )
        .map_err(|e| StoreError::Database(Box::new(e)))?
        .map_err(pg)?;
        self.runtime.spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "PostgreSQL connection closed");
            }
        });
        let conn = Conn {
            client,
            statements: HashMap::new(),
        };
        let ms = |s: f64| (s.max(0.001) * 1000.0).round() as u64;
        wait(conn.client.batch_execute(&format!(
            "SET lock_timeout = '{}ms'; SET idle_in_transaction_session_timeout = '{}ms'; SET client_min_messages = warning",
            ms(self.options.lock_timeout_s),
            ms(self.options.idle_in_transaction_timeout_s)
        )))
        .map_err(pg)?;
        let sync = wait(conn.client.query_one("SHOW synchronous_commit", &[])).map_err(pg)?;
        if sync.get::<_, String>(0) == "off" {
            wait(conn.client.batch_execute("SET synchronous_commit = on")).map_err(pg)?;
        }
        Ok(conn)
    }

    /// A connection from the pool (opened when none is idle and the pool is not full).
    fn take(&self) -> StoreResult<Conn> {
        let deadline =
            Instant::now() + Duration::from_secs_f64(self.options.connect_timeout_s.max(0.1));
        let mut pool = self.pool.lock().map_err(|_| StoreError::Poisoned)?;
        loop {
            while let Some(c) = pool.idle.pop() {
                if !c.client.is_closed() {
                    return Ok(c);
                }
                pool.open -= 1;
            }
            if pool.open < self.options.pool_size.max(1) {
                pool.open += 1;
                drop(pool);
                return self.open_connection().inspect_err(|_| {
                    if let Ok(mut p) = self.pool.lock() {
                        p.open -= 1;
                    }
                    self.freed.notify_one();
                });
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(StoreError::Database(
                    format!(
                        "no PostgreSQL connection came free within {} s (store.pool_size = {})",
                        self.options.connect_timeout_s, self.options.pool_size
                    )
                    .into(),
                ));
            }
            pool = self
                .freed
                .wait_timeout(pool, left)
                .map_err(|_| StoreError::Poisoned)?
                .0;
        }
    }

    /// Returns a connection to the pool (a closed one is dropped).
    fn give(&self, conn: Conn) {
        if let Ok(mut pool) = self.pool.lock() {
            if conn.client.is_closed() {
                pool.open -= 1;
            } else {
                pool.idle.push(conn);
            }
        }
        self.freed.notify_one();
    }

    /// Runs `work` inside `BEGIN … COMMIT`, rolling back on an error.
    fn once<T>(&self, conn: &mut Conn, begin: &str, work: Work<'_, T>) -> StoreResult<T> {
        if let Err(e) = wait(conn.client.batch_execute(begin)) {
            if !conn.client.is_closed() {
                let _ = wait(conn.client.batch_execute("ROLLBACK"));
            }
            return Err(pg(e));
        }
        let done = work(&mut PgTx(conn));
        let out = done.and_then(|out| {
            wait(conn.client.batch_execute("COMMIT")).map_err(pg)?;
            Ok(out)
        });
        if out.is_err() && !conn.client.is_closed() {
            let _ = wait(conn.client.batch_execute("ROLLBACK"));
        }
        out
    }

    fn run<T>(&self, begin: &str, work: Work<'_, T>) -> StoreResult<T> {
        let mut conn = self.take()?;
        let mut attempt = 0;
        // A panic inside `work` leaves the connection mid-transaction: it is dropped (the
        // server rolls back) and its place in the pool given back, then the panic goes on.
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| loop {
            match self.once(&mut conn, begin, &mut *work) {
                Err(e) if retryable(&e) && attempt < self.options.retries => {
                    attempt += 1;
                    // A short, growing pause, staggered so that the same two writers do not
                    // collide again at once.
                    let ms = rand::random::<u64>() % (5 * u64::from(attempt)).min(50) + 1;
                    std::thread::sleep(Duration::from_millis(ms));
                }
                other => break other,
            }
        }));
        match out {
            Ok(out) => {
                self.give(conn);
                out
            }
            Err(panic) => {
                drop(conn);
                if let Ok(mut pool) = self.pool.lock() {
                    pool.open -= 1;
                }
                self.freed.notify_one();
                std::panic::resume_unwind(panic)
            }
        }
    }

    /// Runs raw SQL on the database, outside the store's rules (no audit entry): for tools
    /// and tests that must reach behind the store, such as tamper tests of the audit log.
    ///
    /// # Errors
    /// PostgreSQL refuses the statements.
    pub fn execute_raw(&self, sql: &str) -> StoreResult<()> {
        let conn = self.take()?;
        let out = wait(conn.client.batch_execute(sql)).map_err(pg);
        self.give(conn);
        out
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Backend for PostgresStore {
    fn fence(&self) -> &Fence {
        &self.fence
    }

    fn write<T>(&self, work: Work<'_, T>) -> StoreResult<T> {
        self.run(
            "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT id FROM deconflict_writer WHERE id = 1 FOR UPDATE",
            work,
        )
    }

    fn read<T>(&self, work: Work<'_, T>) -> StoreResult<T> {
        self.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", work)
    }
}
