//! [`StrategicStore`] for every [`Backend`]: reservations, requests and intrusions with their
//! acknowledgements. Bodies are written as given and read back as written; only the typed
//! fields are indexed or decided on.

use super::tx::{append_audit, fenced, now_s, Obj, INTRUSION_ACKS};
use super::{vals, Backend, Row, Tx};
use crate::audit::ObjectKind;
use crate::error::{StoreError, StoreResult};
use crate::strategic::{
    IntrusionInput, RecordChange, RecordInput, StoredIntrusion, StrategicRecord, StrategicStore,
};
use crate::types::AlertState;
use std::collections::BTreeMap;

/// Fails with [`StoreError::StaleVersion`] unless the caller's `expected` version is the
/// `current` one.
pub(super) fn check_version(
    kind: &'static str,
    id: &str,
    current: i64,
    expected: i64,
) -> StoreResult<()> {
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

/// [`StoreError::NotFound`] for `kind` `id`.
pub(super) fn not_found(kind: &'static str, id: &str) -> StoreError {
    StoreError::NotFound {
        kind,
        id: id.to_owned(),
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

fn record_of(r: &Row) -> StoreResult<StrategicRecord> {
    Ok(StrategicRecord {
        id: r.text(0)?,
        party: r.text(1)?,
        version: r.int(2)?,
        state: r.text(3)?,
        created_at: r.real(4)?,
        updated_at: r.real(5)?,
        body: serde_json::from_str(&r.text(6)?)?,
    })
}

fn get_record(tx: &mut dyn Tx, table: Table, id: &str) -> StoreResult<Option<StrategicRecord>> {
    tx.query_opt(
        &format!("SELECT {RECORD_COLS} FROM {} WHERE id = ?1", table.name()),
        vals![id],
    )?
    .map(|r| record_of(&r))
    .transpose()
}

/// Inserts a record, allocating its id from the table's sequence, and appends its audit entry.
fn create_tx(
    tx: &mut dyn Tx,
    table: Table,
    actor: &str,
    action: &str,
    input: &RecordInput,
) -> StoreResult<StrategicRecord> {
    let t = now_s();
    let name = table.name();
    // A placeholder id first (unique, so that two writers at once do not collide on it): the
    // sequence number is only known after the insert.
    let placeholder = format!("~{:016x}", rand::random::<u64>());
    let seq = tx
        .query_one(
            &format!("INSERT INTO {name} (id, party, version, state, body, created_at, updated_at) VALUES (?5, ?1, 1, ?2, ?3, ?4, ?4) RETURNING seq"),
            vals![&input.party, &input.state, serde_json::to_string(&input.body)?, t, placeholder],
        )?
        .int(0)?;
    let id = format!("{}-{seq}", table.prefix());
    tx.execute(
        &format!("UPDATE {name} SET id = ?1 WHERE seq = ?2"),
        vals![&id, seq],
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
    tx: &mut dyn Tx,
    table: Table,
    actor: &str,
    action: &str,
    id: &str,
    expected_version: Option<i64>,
    change: &RecordChange,
) -> StoreResult<StrategicRecord> {
    let current = get_record(tx, table, id)?.ok_or_else(|| not_found(table.kind(), id))?;
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
        vals![
            version,
            &change.state,
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

fn list_records(tx: &mut dyn Tx, table: Table) -> StoreResult<Vec<StrategicRecord>> {
    tx.query(
        &format!("SELECT {RECORD_COLS} FROM {} ORDER BY seq", table.name()),
        &[],
    )?
    .iter()
    .map(record_of)
    .collect()
}

const INTRUSION_COLS: &str = "id, track_id, track_party, reservation_id, volume_party, level, state, raised_at, updated_at, cleared_at, body";

fn intrusion_of(tx: &mut dyn Tx, r: &Row) -> StoreResult<StoredIntrusion> {
    let id = r.text(0)?;
    let state = r.text(6)?;
    let state = AlertState::parse(&state).ok_or_else(|| StoreError::Corrupt {
        kind: "intrusion",
        id: id.clone(),
        what: format!("unknown state {state:?}"),
    })?;
    let (track_party, volume_party) = (r.opt_text(2)?, r.text(4)?);
    let mut acks = BTreeMap::new();
    acks.insert(volume_party.clone(), false);
    if let Some(p) = &track_party {
        acks.insert(p.clone(), false);
    }
    for p in tx.query(
        "SELECT party FROM intrusion_acks WHERE intrusion_id = ?1",
        vals![&id],
    )? {
        acks.insert(p.text(0)?, true);
    }
    Ok(StoredIntrusion {
        track_id: r.text(1)?,
        track_party,
        reservation_id: r.text(3)?,
        volume_party,
        level: r.int(5)?.clamp(0, 255) as u8,
        state,
        raised_at: r.real(7)?,
        updated_at: r.real(8)?,
        cleared_at: r.opt_real(9)?,
        acks,
        body: serde_json::from_str(&r.text(10)?)?,
        id,
    })
}

fn get_intrusion_tx(tx: &mut dyn Tx, id: &str) -> StoreResult<Option<StoredIntrusion>> {
    match tx.query_opt(
        &format!("SELECT {INTRUSION_COLS} FROM intrusions WHERE id = ?1"),
        vals![id],
    )? {
        None => Ok(None),
        Some(r) => intrusion_of(tx, &r).map(Some),
    }
}

fn list_intrusions_tx(
    tx: &mut dyn Tx,
    cleared_since: Option<f64>,
) -> StoreResult<Vec<StoredIntrusion>> {
    let since = cleared_since.unwrap_or(f64::INFINITY);
    let rows = tx.query(
        &format!("SELECT {INTRUSION_COLS} FROM intrusions WHERE cleared_at IS NULL OR cleared_at >= ?1 ORDER BY raised_at, id"),
        vals![since],
    )?;
    rows.iter().map(|r| intrusion_of(tx, r)).collect()
}

/// Records one intrusion event and its audit entry. A level above the stored one clears the
/// acknowledgements (an escalation is acknowledged anew); otherwise they are kept.
fn record_intrusion_tx(
    tx: &mut dyn Tx,
    actor: &str,
    action: &str,
    i: &IntrusionInput,
) -> StoreResult<()> {
    let old_level = INTRUSION_ACKS.stored_level(tx, &i.id)?;
    tx.execute(
        "INSERT INTO intrusions (id, track_id, track_party, reservation_id, volume_party, level, state, raised_at, updated_at, cleared_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET level = excluded.level, state = excluded.state, updated_at = excluded.updated_at, cleared_at = excluded.cleared_at, body = excluded.body",
        vals![
            &i.id,
            &i.track_id,
            &i.track_party,
            &i.reservation_id,
            &i.volume_party,
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

impl<B: Backend> StrategicStore for B {
    fn create_reservation(
        &self,
        actor: &str,
        action: &str,
        record: &RecordInput,
    ) -> StoreResult<StrategicRecord> {
        self.write(&mut |tx| create_tx(tx, Table::Reservations, actor, action, record))
    }

    fn create_reservations(
        &self,
        actor: &str,
        action: &str,
        records: &[RecordInput],
    ) -> StoreResult<Vec<StrategicRecord>> {
        self.write(&mut |tx| {
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
        self.write(&mut |tx| {
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
        fenced(self, |tx| {
            changes
                .iter()
                .map(|(action, id, change)| {
                    update_tx(tx, Table::Reservations, actor, action, id, None, change)
                })
                .collect()
        })
    }

    fn get_reservation(&self, id: &str) -> StoreResult<Option<StrategicRecord>> {
        self.read(&mut |tx| get_record(tx, Table::Reservations, id))
    }

    fn list_reservations(&self) -> StoreResult<Vec<StrategicRecord>> {
        self.read(&mut |tx| list_records(tx, Table::Reservations))
    }

    fn create_request(
        &self,
        actor: &str,
        action: &str,
        record: &RecordInput,
    ) -> StoreResult<StrategicRecord> {
        self.write(&mut |tx| create_tx(tx, Table::Requests, actor, action, record))
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
        self.write(&mut |tx| {
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
        self.write(&mut |tx| {
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
        self.read(&mut |tx| get_record(tx, Table::Requests, id))
    }

    fn list_requests(&self) -> StoreResult<Vec<StrategicRecord>> {
        self.read(&mut |tx| list_records(tx, Table::Requests))
    }

    fn record_intrusions(
        &self,
        actor: &str,
        events: &[(String, IntrusionInput)],
    ) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        fenced(self, |tx| {
            for (action, i) in events {
                record_intrusion_tx(tx, actor, action, i)?;
            }
            Ok(())
        })
    }

    fn list_intrusions(&self, cleared_since: Option<f64>) -> StoreResult<Vec<StoredIntrusion>> {
        self.read(&mut |tx| list_intrusions_tx(tx, cleared_since))
    }

    fn clear_stale_intrusions(&self, actor: &str) -> StoreResult<usize> {
        fenced(self, |tx| {
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
        self.read(&mut |tx| get_intrusion_tx(tx, id))
    }

    fn ack_intrusion(&self, actor: &str, id: &str, party: &str) -> StoreResult<StoredIntrusion> {
        let payload = serde_json::json!({ "intrusion_id": id, "party": party });
        self.write(&mut |tx| {
            if get_intrusion_tx(tx, id)?.is_none() {
                return Err(not_found("intrusion", id));
            }
            tx.execute(
                "INSERT INTO intrusion_acks (intrusion_id, party, time) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                vals![id, party, now_s()],
            )?;
            append_audit(
                tx,
                actor,
                "intrusion.ack",
                &payload,
                &[Obj::new(ObjectKind::Intrusion, id)],
            )?;
            get_intrusion_tx(tx, id)?.ok_or_else(|| not_found("intrusion", id))
        })
    }
}
