//! Transactions: every change runs in one SQLite transaction with its audit entries appended
//! inside it, and commits only when all of it succeeded. A failure anywhere (in the change, in
//! the append, in the commit) rolls back the change and its entries together, so the audit
//! log never misses a committed change nor records one that was not.

use crate::audit::{self, GENESIS_HASH};
use crate::error::StoreResult;
use crate::types::AuditEntry;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

/// Now, UNIX seconds (the time stamped on rows and audit entries).
pub(super) fn now_s() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Runs `f` in one transaction and commits it when `f` succeeds; otherwise nothing of it is
/// kept. `f` appends its own audit entries ([`append_audit`]), one per change.
pub(super) fn commit<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction<'_>) -> StoreResult<T>,
) -> StoreResult<T> {
    let tx = conn.transaction()?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
}

/// Runs the change `f` and appends one audit entry `(actor, action, payload)` after it, in one
/// transaction.
pub(super) fn audited<T>(
    conn: &mut Connection,
    actor: &str,
    action: &str,
    payload: &serde_json::Value,
    f: impl FnOnce(&Transaction<'_>) -> StoreResult<T>,
) -> StoreResult<T> {
    commit(conn, |tx| {
        let out = f(tx)?;
        append_audit(tx, actor, action, payload)?;
        Ok(out)
    })
}

/// Appends an audit entry inside `tx`, chained to the last one (`audit_head`).
pub(super) fn append_audit(
    tx: &Transaction<'_>,
    actor: &str,
    action: &str,
    payload: &serde_json::Value,
) -> StoreResult<AuditEntry> {
    let (prev_seq, prev_hash) = audit_head(tx)?.unwrap_or((0, GENESIS_HASH.to_owned()));
    let seq = prev_seq + 1;
    let time = now_s();
    let bytes = serde_json::to_vec(payload)?;
    let digest = audit::payload_digest(&bytes);
    let hash = audit::entry_hash(seq, time, actor, action, &digest, &prev_hash);
    tx.execute(
        "INSERT INTO audit (seq, time, actor, action, digest, prev_hash, hash, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![seq, time, actor, action, digest, prev_hash, hash, bytes],
    )?;
    tx.execute(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2) ON CONFLICT(id) DO UPDATE SET seq = ?1, hash = ?2",
        params![seq, hash],
    )?;
    Ok(AuditEntry {
        seq,
        time,
        actor: actor.to_owned(),
        action: action.to_owned(),
        digest,
        prev_hash,
        hash,
        object: audit::payload_object(payload),
    })
}

/// `(seq, hash)` of the last entry written, if any.
pub(super) fn audit_head(c: &Connection) -> StoreResult<Option<(i64, String)>> {
    Ok(
        c.query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?,
    )
}

/// An alert table and its acknowledgement table, for the rule they share: an escalation (a
/// level above the stored one) is acknowledged anew.
pub(super) struct AckedTable {
    /// The alert table (with `id` and `level` columns).
    pub alerts: &'static str,
    /// Its acknowledgements.
    pub acks: &'static str,
    /// The acknowledgement table's column naming the alert.
    pub key: &'static str,
}

/// Conflict alerts and their acknowledgements.
pub(super) const ALERT_ACKS: AckedTable = AckedTable {
    alerts: "alerts",
    acks: "alert_acks",
    key: "alert_id",
};

/// Intrusion alerts and their acknowledgements.
pub(super) const INTRUSION_ACKS: AckedTable = AckedTable {
    alerts: "intrusions",
    acks: "intrusion_acks",
    key: "intrusion_id",
};

impl AckedTable {
    /// The stored level of alert `id` (`None` for a new alert); read before it is written.
    pub(super) fn stored_level(&self, tx: &Transaction<'_>, id: &str) -> StoreResult<Option<i64>> {
        Ok(tx
            .query_row(
                &format!("SELECT level FROM {} WHERE id = ?1", self.alerts),
                [id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Clears the acknowledgements of alert `id` when `level` is above the `stored` one.
    pub(super) fn reset_on_escalation(
        &self,
        tx: &Transaction<'_>,
        id: &str,
        stored: Option<i64>,
        level: u8,
    ) -> StoreResult<()> {
        if stored.is_some_and(|old| i64::from(level) > old) {
            tx.execute(
                &format!("DELETE FROM {} WHERE {} = ?1", self.acks, self.key),
                [id],
            )?;
        }
        Ok(())
    }
}
