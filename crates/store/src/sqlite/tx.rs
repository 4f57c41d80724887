//! Transactions: every change runs in one SQLite transaction with its audit entries appended
//! inside it, and commits only when all of it succeeded. A failure anywhere (in the change, in
//! the append, in the commit) rolls back the change and its entries together, so the audit
//! log never misses a committed change nor records one that was not.

use crate::audit::{self, ContentClaim, ObjectKind, GENESIS_HASH};
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
/// transaction, vouching for the content of the objects `covers` names from `f`'s result.
pub(super) fn audited<T>(
    conn: &mut Connection,
    actor: &str,
    action: &str,
    payload: &serde_json::Value,
    f: impl FnOnce(&Transaction<'_>) -> StoreResult<T>,
    covers: impl FnOnce(&T) -> Vec<Obj>,
) -> StoreResult<T> {
    commit(conn, |tx| {
        let out = f(tx)?;
        append_audit(tx, actor, action, payload, &covers(&out))?;
        Ok(out)
    })
}

/// A stored object an audit entry vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Obj {
    pub kind: ObjectKind,
    pub id: String,
}

impl Obj {
    pub(super) fn new(kind: ObjectKind, id: impl Into<String>) -> Obj {
        Obj {
            kind,
            id: id.into(),
        }
    }
}

/// Where an object kind is stored: its table and key, and its dependent tables (with the
/// column naming the object and the column they are ordered by).
struct Layout {
    table: &'static str,
    key: &'static str,
    children: &'static [(&'static str, &'static str, &'static str)],
}

fn layout(kind: ObjectKind) -> Layout {
    let (table, key, children): (_, _, &'static [_]) = match kind {
        ObjectKind::Party => ("parties", "id", &[]),
        ObjectKind::Token => ("tokens", "id", &[]),
        ObjectKind::Alert => ("alerts", "id", &[("alert_acks", "alert_id", "party")]),
        ObjectKind::Message => (
            "messages",
            "id",
            &[
                ("message_reads", "message_id", "party"),
                ("message_acks", "message_id", "party"),
            ],
        ),
        // Keyed by `collection || '/' || id`.
        ObjectKind::Document => ("documents", "collection || '/' || id", &[]),
        ObjectKind::Reservation => ("reservations", "id", &[]),
        ObjectKind::Request => ("requests", "id", &[]),
        ObjectKind::Intrusion => (
            "intrusions",
            "id",
            &[("intrusion_acks", "intrusion_id", "party")],
        ),
    };
    Layout {
        table,
        key,
        children,
    }
}

/// The rows of `sql` (one bound key) as JSON objects of their columns, `"table"` added.
fn rows_json(
    c: &Connection,
    table: &str,
    sql: &str,
    key: &dyn rusqlite::ToSql,
) -> StoreResult<Vec<serde_json::Value>> {
    use rusqlite::types::ValueRef;
    let mut stmt = c.prepare_cached(sql)?;
    let names: Vec<String> = stmt.column_names().iter().map(|n| n.to_string()).collect();
    let mut rows = stmt.query([key])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut m = serde_json::Map::new();
        m.insert("table".into(), table.into());
        for (i, name) in names.iter().enumerate() {
            let v = match r.get_ref(i)? {
                ValueRef::Null => serde_json::Value::Null,
                ValueRef::Integer(n) => n.into(),
                ValueRef::Real(x) => serde_json::Number::from_f64(x)
                    .map(serde_json::Value::Number)
                    .unwrap_or(serde_json::Value::Null),
                ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
                ValueRef::Blob(b) => hex::encode(b).into(),
            };
            m.insert(name.clone(), v);
        }
        out.push(serde_json::Value::Object(m));
    }
    Ok(out)
}

/// The object's content hash as stored now, `None` when it is not stored.
pub(super) fn content_of(
    c: &Connection,
    kind: ObjectKind,
    id: &str,
) -> StoreResult<Option<String>> {
    let l = layout(kind);
    // A message's key is an integer; a text key would not match its rows.
    let int_key = (kind == ObjectKind::Message)
        .then(|| id.parse::<i64>().ok())
        .flatten();
    let key: &dyn rusqlite::ToSql = match &int_key {
        Some(n) => n,
        None => &id,
    };
    let mut rows = rows_json(
        c,
        l.table,
        &format!("SELECT * FROM {} WHERE {} = ?1", l.table, l.key),
        key,
    )?;
    if rows.is_empty() {
        return Ok(None);
    }
    for (table, fk, order) in l.children {
        rows.extend(rows_json(
            c,
            table,
            &format!("SELECT * FROM {table} WHERE {fk} = ?1 ORDER BY {order}"),
            key,
        )?);
    }
    Ok(Some(audit::content_sha256(&rows)))
}

/// Every object of `kind` stored now, by id.
pub(super) fn stored_ids(c: &Connection, kind: ObjectKind) -> StoreResult<Vec<String>> {
    let l = layout(kind);
    let mut stmt = c.prepare(&format!(
        "SELECT CAST({} AS TEXT) FROM {} ORDER BY 1",
        l.key, l.table
    ))?;
    let ids = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

/// Appends an audit entry inside `tx`, chained to the last one (`audit_head`), vouching for
/// the content of `objects` as they are now in `tx`.
pub(super) fn append_audit(
    tx: &Transaction<'_>,
    actor: &str,
    action: &str,
    payload: &serde_json::Value,
    objects: &[Obj],
) -> StoreResult<AuditEntry> {
    let (prev_seq, prev_hash) = audit_head(tx)?.unwrap_or((0, GENESIS_HASH.to_owned()));
    let seq = prev_seq + 1;
    let time = now_s();
    let claims = objects
        .iter()
        .map(|o| {
            Ok(ContentClaim {
                kind: o.kind,
                id: o.id.clone(),
                sha256: content_of(tx, o.kind, &o.id)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let payload = &audit::with_content(payload, &claims);
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

/// Vouches, in one `audit.baseline` entry, for the content of every object stored now: run
/// once on a database written before audit entries carried content hashes, so that verify can
/// check them from then on. Nothing is written for an empty database.
pub(super) fn baseline_content(conn: &mut Connection) -> StoreResult<()> {
    commit(conn, |tx| {
        let mut objects = Vec::new();
        for kind in ObjectKind::ALL {
            objects.extend(
                stored_ids(tx, kind)?
                    .into_iter()
                    .map(|id| Obj::new(kind, id)),
            );
        }
        if !objects.is_empty() {
            let payload = serde_json::json!({
                "reason": "content hashes start here: every stored object as it was when the log began vouching for content",
                "objects": objects.len(),
            });
            append_audit(tx, "system", "audit.baseline", &payload, &objects)?;
        }
        Ok(())
    })
}
