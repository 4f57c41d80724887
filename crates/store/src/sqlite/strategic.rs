//! The [`StrategicStore`] implementation — reservations, requests and intrusions with their
//! acknowledgements — and the generic versioned documents, which share the optimistic version
//! check. Bodies are written as given and read back as written; only the typed fields are
//! indexed or decided on.

use super::tx::{append_audit, commit, now_s, Obj, INTRUSION_ACKS};
use super::SqliteStore;
use crate::audit::ObjectKind;
use crate::error::{StoreError, StoreResult};
use crate::strategic::{
    IntrusionInput, RecordChange, RecordInput, StoredIntrusion, StrategicRecord, StrategicStore,
};
use crate::types::AlertState;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::Value;
use std::collections::BTreeMap;

/// Fails with [`StoreError::StaleVersion`] unless the caller's `expected` version is the
/// `current` one.
fn check_version(kind: &'static str, id: &str, current: i64, expected: i64) -> StoreResult<()> {
    if current == expected {
        Ok(())
    } else {
        Err(StoreError::StaleVersion {
            kind,
            id: id.to_owned(),
            expected,
            current,
        })
    }
}

#[derive(Clone, Copy)]
enum Table {
    Reservations,
    Requests,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Reservations => "reservations",
            Table::Requests => "requests",
        }
    }
    fn kind(self) -> &'static str {
        self.object().as_str()
    }
    fn object(self) -> ObjectKind {
        match self {
            Table::Reservations => ObjectKind::Reservation,
            Table::Requests => ObjectKind::Request,
        }
    }
    fn prefix(self) -> &'static str {
        match self {
            Table::Reservations => "r",
            Table::Requests => "q",
        }
    }
}

const RECORD_COLS: &str = "id, party, version, state, created_at, updated_at, body";

type RecordRow = (String, String, i64, String, f64, f64, String);

fn record_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RecordRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn finish_record(row: RecordRow) -> StoreResult<StrategicRecord> {
    let (id, party, version, state, created_at, updated_at, body) = row;
    Ok(StrategicRecord {
        id,
        party,
        version,
        state,
        created_at,
        updated_at,
        body: serde_json::from_str(&body)?,
    })
}

fn get_record(c: &Connection, table: Table, id: &str) -> StoreResult<Option<StrategicRecord>> {
    c.query_row(
        &format!("SELECT {RECORD_COLS} FROM {} WHERE id = ?1", table.name()),
        [id],
        record_row,
    )
    .optional()?
    .map(finish_record)
    .transpose()
}

/// Inserts a record, allocating its id from the table's sequence, and appends its audit entry.
fn create_tx(
    tx: &Transaction<'_>,
    table: Table,
    actor: &str,
    action: &str,
    input: &RecordInput,
) -> StoreResult<StrategicRecord> {
    let t = now_s();
    let name = table.name();
    // Placeholder id first: the sequence number is only known after the insert.
    tx.execute(
        &format!("INSERT INTO {name} (id, party, version, state, body, created_at, updated_at) VALUES ('', ?1, 1, ?2, ?3, ?4, ?4)"),
        params![input.party, input.state, serde_json::to_string(&input.body)?, t],
    )?;
    let seq = tx.last_insert_rowid();
    let id = format!("{}-{seq}", table.prefix());
    tx.execute(
        &format!("UPDATE {name} SET id = ?1 WHERE seq = ?2"),
        params![id, seq],
    )?;
    let rec = StrategicRecord {
        id,
        party: input.party.clone(),
        version: 1,
        state: input.state.clone(),
        created_at: t,
        updated_at: t,
        body: input.body.clone(),
    };
    append_audit(
        tx,
        actor,
        action,
        &serde_json::to_value(&rec)?,
        &[Obj::new(table.object(), &rec.id)],
    )?;
    Ok(rec)
}

/// Replaces a record's state and body (checking and bumping its version when
/// `expected_version` is given) and appends its audit entry.
fn update_tx(
    tx: &Transaction<'_>,
    table: Table,
    actor: &str,
    action: &str,
    id: &str,
    expected_version: Option<i64>,
    change: &RecordChange,
) -> StoreResult<StrategicRecord> {
    let current = get_record(tx, table, id)?.ok_or_else(|| StoreError::NotFound {
        kind: table.kind(),
        id: id.to_owned(),
    })?;
    let version = match expected_version {
        Some(exp) => {
            check_version(table.kind(), id, current.version, exp)?;
            current.version + 1
        }
        None => current.version,
    };
    let t = now_s();
    tx.execute(
        &format!(
            "UPDATE {} SET version = ?1, state = ?2, body = ?3, updated_at = ?4 WHERE id = ?5",
            table.name()
        ),
        params![
            version,
            change.state,
            serde_json::to_string(&change.body)?,
            t,
            id
        ],
    )?;
    let rec = StrategicRecord {
        version,
        state: change.state.clone(),
        updated_at: t,
        body: change.body.clone(),
        ..current
    };
    append_audit(
        tx,
        actor,
        action,
        &serde_json::to_value(&rec)?,
        &[Obj::new(table.object(), &rec.id)],
    )?;
    Ok(rec)
}

fn list_records(c: &Connection, table: Table) -> StoreResult<Vec<StrategicRecord>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {RECORD_COLS} FROM {} ORDER BY seq",
        table.name()
    ))?;
    let rows: Vec<RecordRow> = stmt.query_map([], record_row)?.collect::<Result<_, _>>()?;
    rows.into_iter().map(finish_record).collect()
}

const INTRUSION_COLS: &str = "id, track_id, track_party, reservation_id, volume_party, level, state, raised_at, updated_at, cleared_at, body";

/// An intrusion row as read, before its state and body are decoded and its acknowledgements
/// looked up.
struct IntrusionRow {
    id: String,
    track_id: String,
    track_party: Option<String>,
    reservation_id: String,
    volume_party: String,
    level: i64,
    state: String,
    raised_at: f64,
    updated_at: f64,
    cleared_at: Option<f64>,
    body: String,
}

fn intrusion_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<IntrusionRow> {
    Ok(IntrusionRow {
        id: r.get(0)?,
        track_id: r.get(1)?,
        track_party: r.get(2)?,
        reservation_id: r.get(3)?,
        volume_party: r.get(4)?,
        level: r.get(5)?,
        state: r.get(6)?,
        raised_at: r.get(7)?,
        updated_at: r.get(8)?,
        cleared_at: r.get(9)?,
        body: r.get(10)?,
    })
}

fn finish_intrusion(c: &Connection, r: IntrusionRow) -> StoreResult<StoredIntrusion> {
    let state = AlertState::parse(&r.state).ok_or_else(|| StoreError::Corrupt {
        kind: "intrusion",
        id: r.id.clone(),
        what: format!("unknown state {:?}", r.state),
    })?;
    let mut acks = BTreeMap::new();
    acks.insert(r.volume_party.clone(), false);
    if let Some(p) = &r.track_party {
        acks.insert(p.clone(), false);
    }
    let mut stmt = c.prepare_cached("SELECT party FROM intrusion_acks WHERE intrusion_id = ?1")?;
    for p in stmt.query_map([&r.id], |row| row.get::<_, String>(0))? {
        acks.insert(p?, true);
    }
    Ok(StoredIntrusion {
        id: r.id,
        track_id: r.track_id,
        track_party: r.track_party,
        reservation_id: r.reservation_id,
        volume_party: r.volume_party,
        level: r.level.clamp(0, 255) as u8,
        state,
        raised_at: r.raised_at,
        updated_at: r.updated_at,
        cleared_at: r.cleared_at,
        acks,
        body: serde_json::from_str(&r.body)?,
    })
}

fn get_intrusion_tx(c: &Connection, id: &str) -> StoreResult<Option<StoredIntrusion>> {
    let row = c
        .query_row(
            &format!("SELECT {INTRUSION_COLS} FROM intrusions WHERE id = ?1"),
            [id],
            intrusion_row,
        )
        .optional()?;
    row.map(|r| finish_intrusion(c, r)).transpose()
}

fn list_intrusions_tx(
    c: &Connection,
    cleared_since: Option<f64>,
) -> StoreResult<Vec<StoredIntrusion>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {INTRUSION_COLS} FROM intrusions WHERE cleared_at IS NULL OR cleared_at >= ?1 ORDER BY raised_at, id"
    ))?;
    let since = cleared_since.unwrap_or(f64::INFINITY);
    let rows: Vec<IntrusionRow> = stmt
        .query_map([since], intrusion_row)?
        .collect::<Result<_, _>>()?;
    drop(stmt);
    rows.into_iter().map(|r| finish_intrusion(c, r)).collect()
}

/// Records one intrusion event and its audit entry. A level above the stored one clears the
/// acknowledgements (an escalation is acknowledged anew); otherwise they are kept.
fn record_intrusion_tx(
    tx: &Transaction<'_>,
    actor: &str,
    action: &str,
    i: &IntrusionInput,
) -> StoreResult<()> {
    let old_level = INTRUSION_ACKS.stored_level(tx, &i.id)?;
    tx.execute(
        "INSERT INTO intrusions (id, track_id, track_party, reservation_id, volume_party, level, state, raised_at, updated_at, cleared_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT(id) DO UPDATE SET level = ?6, state = ?7, updated_at = ?9, cleared_at = ?10, body = ?11",
        params![
            i.id,
            i.track_id,
            i.track_party,
            i.reservation_id,
            i.volume_party,
            i.level,
            i.state.as_str(),
            i.raised_at,
            i.updated_at,
            i.cleared_at,
            serde_json::to_string(&i.body)?
        ],
    )?;
    INTRUSION_ACKS.reset_on_escalation(tx, &i.id, old_level, i.level)?;
    append_audit(
        tx,
        actor,
        action,
        &serde_json::to_value(i)?,
        &[Obj::new(ObjectKind::Intrusion, &i.id)],
    )?;
    Ok(())
}

impl StrategicStore for SqliteStore {
    fn create_reservation(
        &self,
        actor: &str,
        action: &str,
        record: &RecordInput,
    ) -> StoreResult<StrategicRecord> {
        commit(&mut *self.lock()?, |tx| {
            create_tx(tx, Table::Reservations, actor, action, record)
        })
    }

    fn create_reservations(
        &self,
        actor: &str,
        action: &str,
        records: &[RecordInput],
    ) -> StoreResult<Vec<StrategicRecord>> {
        commit(&mut *self.lock()?, |tx| {
            records
                .iter()
                .map(|r| create_tx(tx, Table::Reservations, actor, action, r))
                .collect()
        })
    }

    fn update_reservation(
        &self,
        actor: &str,
        action: &str,
        id: &str,
        expected_version: Option<i64>,
        change: &RecordChange,
    ) -> StoreResult<StrategicRecord> {
        commit(&mut *self.lock()?, |tx| {
            update_tx(
                tx,
                Table::Reservations,
                actor,
                action,
                id,
                expected_version,
                change,
            )
        })
    }

    fn advance_reservations(
        &self,
        actor: &str,
        changes: &[(String, String, RecordChange)],
    ) -> StoreResult<Vec<StrategicRecord>> {
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        commit(&mut *self.lock()?, |tx| {
            changes
                .iter()
                .map(|(action, id, change)| {
                    update_tx(tx, Table::Reservations, actor, action, id, None, change)
                })
                .collect()
        })
    }

    fn get_reservation(&self, id: &str) -> StoreResult<Option<StrategicRecord>> {
        get_record(&*self.lock()?, Table::Reservations, id)
    }

    fn list_reservations(&self) -> StoreResult<Vec<StrategicRecord>> {
        list_records(&*self.lock()?, Table::Reservations)
    }

    fn create_request(
        &self,
        actor: &str,
        action: &str,
        record: &RecordInput,
    ) -> StoreResult<StrategicRecord> {
        commit(&mut *self.lock()?, |tx| {
            create_tx(tx, Table::Requests, actor, action, record)
        })
    }

    fn answer_request_with_reservation(
        &self,
        actor: &str,
        action: &str,
        id: &str,
        expected_version: i64,
        reservation_action: &str,
        reservation: &RecordInput,
        change: &dyn Fn(&StrategicRecord) -> RecordChange,
    ) -> StoreResult<(StrategicRecord, StrategicRecord)> {
        commit(&mut *self.lock()?, |tx| {
            let r = create_tx(
                tx,
                Table::Reservations,
                actor,
                reservation_action,
                reservation,
            )?;
            let q = update_tx(
                tx,
                Table::Requests,
                actor,
                action,
                id,
                Some(expected_version),
                &change(&r),
            )?;
            Ok((q, r))
        })
    }

    fn update_request(
        &self,
        actor: &str,
        action: &str,
        id: &str,
        expected_version: i64,
        change: &RecordChange,
    ) -> StoreResult<StrategicRecord> {
        commit(&mut *self.lock()?, |tx| {
            update_tx(
                tx,
                Table::Requests,
                actor,
                action,
                id,
                Some(expected_version),
                change,
            )
        })
    }

    fn get_request(&self, id: &str) -> StoreResult<Option<StrategicRecord>> {
        get_record(&*self.lock()?, Table::Requests, id)
    }

    fn list_requests(&self) -> StoreResult<Vec<StrategicRecord>> {
        list_records(&*self.lock()?, Table::Requests)
    }

    fn record_intrusions(
        &self,
        actor: &str,
        events: &[(String, IntrusionInput)],
    ) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        commit(&mut *self.lock()?, |tx| {
            for (action, i) in events {
                record_intrusion_tx(tx, actor, action, i)?;
            }
            Ok(())
        })
    }

    fn list_intrusions(&self, cleared_since: Option<f64>) -> StoreResult<Vec<StoredIntrusion>> {
        list_intrusions_tx(&*self.lock()?, cleared_since)
    }

    fn clear_stale_intrusions(&self, actor: &str) -> StoreResult<usize> {
        commit(&mut *self.lock()?, |tx| {
            let t = now_s();
            let active = list_intrusions_tx(tx, None)?;
            for s in &active {
                let cleared = IntrusionInput {
                    id: s.id.clone(),
                    track_id: s.track_id.clone(),
                    track_party: s.track_party.clone(),
                    reservation_id: s.reservation_id.clone(),
                    volume_party: s.volume_party.clone(),
                    level: s.level,
                    state: AlertState::Cleared,
                    raised_at: s.raised_at,
                    updated_at: t,
                    cleared_at: Some(t),
                    body: s.body.clone(),
                };
                record_intrusion_tx(tx, actor, "intrusion.cleared", &cleared)?;
            }
            Ok(active.len())
        })
    }

    fn get_intrusion(&self, id: &str) -> StoreResult<Option<StoredIntrusion>> {
        get_intrusion_tx(&*self.lock()?, id)
    }

    fn ack_intrusion(&self, actor: &str, id: &str, party: &str) -> StoreResult<StoredIntrusion> {
        let payload = serde_json::json!({ "intrusion_id": id, "party": party });
        commit(&mut *self.lock()?, |tx| {
            let not_found = || StoreError::NotFound {
                kind: "intrusion",
                id: id.to_owned(),
            };
            if get_intrusion_tx(tx, id)?.is_none() {
                return Err(not_found());
            }
            tx.execute(
                "INSERT OR IGNORE INTO intrusion_acks (intrusion_id, party, time) VALUES (?1, ?2, ?3)",
                params![id, party, now_s()],
            )?;
            append_audit(
                tx,
                actor,
                "intrusion.ack",
                &payload,
                &[Obj::new(ObjectKind::Intrusion, id)],
            )?;
            get_intrusion_tx(tx, id)?.ok_or_else(not_found)
        })
    }
}

/// Creates (`expected_version = None`, fails if present) or replaces (`Some(v)`, fails unless
/// the stored version is `v`) a document, with its audit entry. Returns the new version.
pub(super) fn put_document(
    conn: &mut Connection,
    actor: &str,
    action: &str,
    collection: &str,
    id: &str,
    body: &Value,
    expected_version: Option<i64>,
) -> StoreResult<i64> {
    let payload = serde_json::json!({ "collection": collection, "id": id, "body": body });
    let text = serde_json::to_string(body)?;
    commit(conn, |tx| {
        let current: Option<i64> = tx
            .query_row(
                "SELECT version FROM documents WHERE collection = ?1 AND id = ?2",
                params![collection, id],
                |r| r.get(0),
            )
            .optional()?;
        let next = match (current, expected_version) {
            (None, None) => 1,
            (Some(_), None) => {
                return Err(StoreError::AlreadyExists {
                    kind: "document",
                    id: id.to_owned(),
                })
            }
            (None, Some(_)) => {
                return Err(StoreError::NotFound {
                    kind: "document",
                    id: id.to_owned(),
                })
            }
            (Some(cur), Some(exp)) => {
                check_version("document", id, cur, exp)?;
                cur + 1
            }
        };
        tx.execute(
            "INSERT INTO documents (collection, id, version, body, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(collection, id) DO UPDATE SET version = ?3, body = ?4, updated_at = ?5",
            params![collection, id, next, text, now_s()],
        )?;
        append_audit(
            tx,
            actor,
            action,
            &payload,
            &[Obj::new(ObjectKind::Document, format!("{collection}/{id}"))],
        )?;
        Ok(next)
    })
}

/// One document and its version.
pub(super) fn get_document(
    c: &Connection,
    collection: &str,
    id: &str,
) -> StoreResult<Option<(Value, i64)>> {
    let row: Option<(String, i64)> = c
        .query_row(
            "SELECT body, version FROM documents WHERE collection = ?1 AND id = ?2",
            params![collection, id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(b, v)| Ok((serde_json::from_str(&b)?, v)))
        .transpose()
}

/// Every document of a collection, ordered by id.
pub(super) fn list_documents(
    c: &Connection,
    collection: &str,
) -> StoreResult<Vec<(String, Value, i64)>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, body, version FROM documents WHERE collection = ?1 ORDER BY id",
    )?;
    let rows: Vec<(String, String, i64)> = stmt
        .query_map([collection], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(id, b, v)| Ok((id, serde_json::from_str(&b)?, v)))
        .collect()
}
