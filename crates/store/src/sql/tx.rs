//! Audited changes: every change runs in one transaction with its audit entries appended
//! inside it, and commits only when all of it succeeded. A failure anywhere (in the change, in
//! the append, in the commit) rolls back the change and its entries together, so the audit
//! log never misses a committed change nor records one that was not. Each entry vouches for
//! the stored content of the objects it changed ([`content_of`]), computed from the rows the
//! same way on every backend, so a log copied from one backend to another still verifies.

use super::{vals, Backend, Tx, Val};
use crate::audit::{self, ContentClaim, ObjectKind, GENESIS_HASH};
use crate::error::{StoreError, StoreResult};
use crate::types::AuditEntry;

/// Now, UNIX seconds (the time stamped on rows and audit entries).
pub(crate) fn now_s() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Runs the change `f` and appends one audit entry `(actor, action, payload)` after it, in one
/// transaction, vouching for the content of the objects `covers` names from `f`'s result.
pub(crate) fn audited<B: Backend, T>(
    db: &B,
    actor: &str,
    action: &str,
    payload: &serde_json::Value,
    mut f: impl FnMut(&mut dyn Tx) -> StoreResult<T>,
    covers: impl Fn(&T) -> Vec<Obj>,
) -> StoreResult<T> {
    db.write(&mut |tx| {
        let out = f(tx)?;
        append_audit(tx, actor, action, payload, &covers(&out))?;
        Ok(out)
    })
}

/// Runs a leader-only write: like [`Backend::write`], but when the store is fenced
/// ([`crate::Store::set_fence`]) the transaction first checks that the cell's lease is still
/// held at the fenced epoch, and fails with [`StoreError::Fenced`] otherwise (checked inside
/// the transaction, so no takeover can come between the check and the write).
pub(crate) fn fenced<B: Backend, T>(
    db: &B,
    mut work: impl FnMut(&mut dyn Tx) -> StoreResult<T>,
) -> StoreResult<T> {
    let fence = db.fence().get();
    db.write(&mut |tx| {
        if let Some((node, epoch)) = &fence {
            let now = tx.query_opt(
                "SELECT holder, epoch FROM deconflict_lease WHERE id = 1",
                &[],
            )?;
            let (holder, at) = match now {
                Some(r) => (r.text(0)?, r.int(1)?),
                None => (String::new(), 0),
            };
            if holder != *node || at != *epoch {
                return Err(StoreError::Fenced {
                    holder,
                    epoch: at,
                    fenced_epoch: *epoch,
                });
            }
        }
        work(tx)
    })
}

/// A stored object an audit entry vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Obj {
    pub kind: ObjectKind,
    pub id: String,
}

impl Obj {
    pub(crate) fn new(kind: ObjectKind, id: impl Into<String>) -> Obj {
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

/// A value as it enters an object's content: integers and reals as JSON numbers, text as
/// strings, blobs as lowercase hex, NULL as `null`.
fn json_of(v: &Val) -> serde_json::Value {
    match v {
        Val::Null => serde_json::Value::Null,
        Val::Int(n) => (*n).into(),
        Val::Real(x) => serde_json::Number::from_f64(*x)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Val::Text(t) => t.clone().into(),
        Val::Blob(b) => hex::encode(b).into(),
    }
}

/// The rows of `sql` (one bound key) as JSON objects of their columns, `"table"` added.
fn rows_json(
    tx: &mut dyn Tx,
    table: &str,
    sql: &str,
    key: &Val,
) -> StoreResult<Vec<serde_json::Value>> {
    Ok(tx
        .query(sql, std::slice::from_ref(key))?
        .into_iter()
        .map(|r| {
            let mut m = serde_json::Map::new();
            m.insert("table".into(), table.into());
            for (name, v) in r.names.iter().zip(&r.vals) {
                m.insert(name.clone(), json_of(v));
            }
            serde_json::Value::Object(m)
        })
        .collect())
}

/// The object's content hash as stored now, `None` when it is not stored.
pub(crate) fn content_of(
    tx: &mut dyn Tx,
    kind: ObjectKind,
    id: &str,
) -> StoreResult<Option<String>> {
    let l = layout(kind);
    // A message's key is an integer; a text key would not match its rows.
    let key = match (kind, id.parse::<i64>()) {
        (ObjectKind::Message, Ok(n)) => Val::Int(n),
        _ => Val::from(id),
    };
    let mut rows = rows_json(
        tx,
        l.table,
        &format!("SELECT * FROM {} WHERE {} = ?1", l.table, l.key),
        &key,
    )?;
    if rows.is_empty() {
        return Ok(None);
    }
    for (table, fk, order) in l.children {
        rows.extend(rows_json(
            tx,
            table,
            &format!("SELECT * FROM {table} WHERE {fk} = ?1 ORDER BY {order}"),
            &key,
        )?);
    }
    Ok(Some(audit::content_sha256(&rows)))
}

/// Every object of `kind` stored now, by id.
pub(crate) fn stored_ids(tx: &mut dyn Tx, kind: ObjectKind) -> StoreResult<Vec<String>> {
    let l = layout(kind);
    tx.query(
        &format!("SELECT CAST({} AS TEXT) FROM {} ORDER BY 1", l.key, l.table),
        &[],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}

/// Appends an audit entry inside `tx`, chained to the last one (`audit_head`), vouching for
/// the content of `objects` as they are now in `tx`.
pub(crate) fn append_audit(
    tx: &mut dyn Tx,
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
        vals![seq, time, actor, action, &digest, &prev_hash, &hash, bytes],
    )?;
    tx.execute(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        vals![seq, &hash],
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
pub(crate) fn audit_head(tx: &mut dyn Tx) -> StoreResult<Option<(i64, String)>> {
    tx.query_opt("SELECT seq, hash FROM audit_head WHERE id = 1", &[])?
        .map(|r| Ok((r.int(0)?, r.text(1)?)))
        .transpose()
}

/// An alert table and its acknowledgement table, for the rule they share: an escalation (a
/// level above the stored one) is acknowledged anew.
pub(crate) struct AckedTable {
    /// The alert table (with `id` and `level` columns).
    pub alerts: &'static str,
    /// Its acknowledgements.
    pub acks: &'static str,
    /// The acknowledgement table's column naming the alert.
    pub key: &'static str,
}

/// Conflict alerts and their acknowledgements.
pub(crate) const ALERT_ACKS: AckedTable = AckedTable {
    alerts: "alerts",
    acks: "alert_acks",
    key: "alert_id",
};

/// Intrusion alerts and their acknowledgements.
pub(crate) const INTRUSION_ACKS: AckedTable = AckedTable {
    alerts: "intrusions",
    acks: "intrusion_acks",
    key: "intrusion_id",
};

impl AckedTable {
    /// The stored level of alert `id` (`None` for a new alert); read before it is written.
    pub(crate) fn stored_level(&self, tx: &mut dyn Tx, id: &str) -> StoreResult<Option<i64>> {
        tx.query_opt(
            &format!("SELECT level FROM {} WHERE id = ?1", self.alerts),
            vals![id],
        )?
        .map(|r| r.int(0))
        .transpose()
    }

    /// Clears the acknowledgements of alert `id` when `level` is above the `stored` one.
    pub(crate) fn reset_on_escalation(
        &self,
        tx: &mut dyn Tx,
        id: &str,
        stored: Option<i64>,
        level: u8,
    ) -> StoreResult<()> {
        if stored.is_some_and(|old| i64::from(level) > old) {
            tx.execute(
                &format!("DELETE FROM {} WHERE {} = ?1", self.acks, self.key),
                vals![id],
            )?;
        }
        Ok(())
    }
}

/// Vouches, in one `audit.baseline` entry, for the content of every object stored now: run
/// once on a database written before audit entries carried content hashes, so that verify can
/// check them from then on. Nothing is written for an empty database.
pub(crate) fn baseline_content(tx: &mut dyn Tx) -> StoreResult<()> {
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
}
