//! Moving a cell's data from its embedded SQLite database to PostgreSQL, audit chain intact:
//! every row of every table is copied as it is (the audit entries with their hashes, each
//! object's columns, so its content hash is the same), in one PostgreSQL transaction, from one
//! consistent SQLite snapshot (the cell may keep running; what it writes after the snapshot is
//! not moved), and the copy is verified before it is reported done.

use crate::error::{StoreError, StoreResult};
use crate::postgres::TABLES;
use crate::sql::{Backend, Row, Val};
use crate::{PostgresStore, SqliteStore, Store, VerifyReport};

/// What a move copied, and the verification of the copy.
#[derive(Debug, Clone)]
pub struct MoveReport {
    /// Rows copied per table.
    pub rows: Vec<(&'static str, usize)>,
    /// The audit log's head, the same on both sides.
    pub head: Option<(i64, String)>,
    /// [`Store::verify_audit`] of the destination after the move.
    pub verified: VerifyReport,
}

/// Identity columns, whose sequences must carry on after the copied keys.
const GENERATED: &[(&str, &str)] = &[
    ("messages", "id"),
    ("reservations", "seq"),
    ("requests", "seq"),
];

fn refuse(what: String) -> StoreError {
    StoreError::Database(what.into())
}

/// Copies everything in `from` into the empty database `to`, then verifies the copy.
///
/// # Errors
/// The source's log does not verify, the destination is not empty, a row is refused, or the
/// copy does not verify (nothing is kept then: the copy is one transaction, verified inside
/// it before it commits).
pub fn sqlite_to_postgres(from: &SqliteStore, to: &PostgresStore) -> StoreResult<MoveReport> {
    // One snapshot of the source: its check and every table, read in one transaction.
    type Snapshot = (
        VerifyReport,
        Vec<(&'static str, Vec<Row>)>,
        Vec<(String, i64)>,
    );
    let (source, tables, sequences): Snapshot = from.read(&mut |tx| {
        let report = crate::sql::core::verify_in(tx)?;
        let mut tables = Vec::new();
        for t in TABLES {
            let order = if *t == "audit" { " ORDER BY seq" } else { "" };
            tables.push((*t, tx.query(&format!("SELECT * FROM {t}{order}"), &[])?));
        }
        let seqs = tx
            .query("SELECT name, seq FROM sqlite_sequence", &[])?
            .iter()
            .map(|r| Ok((r.text(0)?, r.int(1)?)))
            .collect::<StoreResult<_>>()?;
        Ok((report, tables, seqs))
    })?;
    if !source.ok {
        return Err(refuse(format!(
            "the source's audit log does not verify ({}); it is not moved",
            source.problem.unwrap_or_default()
        )));
    }
    let head = from.audit_head()?;
    let mut counts = Vec::new();
    let verified = to.write(&mut |tx| {
        counts.clear();
        let present = tx
            .query_one(
                "SELECT (SELECT COUNT(*) FROM audit) + (SELECT COUNT(*) FROM parties)",
                &[],
            )?
            .int(0)?;
        if present > 0 {
            return Err(refuse(
                "the destination database is not empty; a move goes into an empty one".into(),
            ));
        }
        for (table, rows) in &tables {
            for r in rows {
                let cols = r.names.join(", ");
                let marks: Vec<String> = (1..=r.names.len()).map(|i| format!("?{i}")).collect();
                tx.execute(
                    &format!("INSERT INTO {table} ({cols}) VALUES ({})", marks.join(", ")),
                    &r.vals,
                )?;
            }
            counts.push((*table, rows.len()));
        }
        for (table, col) in GENERATED {
            let copied = tx
                .query_one(&format!("SELECT COALESCE(MAX({col}), 0) FROM {table}"), &[])?
                .int(0)?;
            // SQLite's AUTOINCREMENT never reuses a key, even one whose row is gone.
            let used = sequences
                .iter()
                .find(|(n, _)| n == table)
                .map_or(0, |(_, s)| *s)
                .max(copied);
            if used > 0 {
                tx.query(
                    &format!("SELECT setval(pg_get_serial_sequence('{table}', '{col}'), ?1)"),
                    &[Val::Int(used)],
                )?;
            }
        }
        let report = crate::sql::core::verify_in(tx)?;
        if !report.ok || crate::sql::tx::audit_head(tx)? != head {
            return Err(refuse(format!(
                "the copy does not verify ({}); nothing was kept",
                report
                    .problem
                    .clone()
                    .unwrap_or_else(|| "its head differs from the source's".into())
            )));
        }
        Ok(report)
    })?;
    Ok(MoveReport {
        rows: counts,
        head,
        verified,
    })
}
