//! Persistence of strategic deconfliction: reservations (and hazard zones) with optimistic
//! versions, vacate requests and advance notices, and the intrusion alert lifecycle.
//!
//! # Design
//! - The records are JSON documents whose shape belongs to the server (`Reservation`,
//!   `Request` and `Intrusion` in docs/api.md); the store indexes the few columns it needs
//!   (owner, state, times) and keeps the body as given. Identifiers are allocated here from an
//!   autoincrement sequence (`r-<n>`, `q-<n>`), so they are never reused, even after a crash.
//! - The store writes `id`, `version`, `created_at` and `updated_at` into every reservation and
//!   request body it returns, so the body is exactly what the API shows.
//! - Every change appends an audit entry in the same transaction ([`crate::Store`]'s rule); a
//!   cycle's intrusion events go in one transaction with one audit entry each.
//! - [`StrategicStore`] is a supertrait of [`crate::Store`], so handlers reach these methods
//!   through the same `Arc<dyn Store>`.

use crate::sqlite::{append_audit_tx, now_s, SqliteStore};
use crate::{StoreError, StoreResult};
use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::Value;

/// Migration creating the strategic tables (appended to the SQLite migration list).
pub(crate) const MIGRATION: &str = "
    CREATE TABLE reservations (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        party TEXT NOT NULL,
        version INTEGER NOT NULL,
        state TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX reservations_party ON reservations (party);
    CREATE TABLE requests (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        party TEXT NOT NULL,
        version INTEGER NOT NULL,
        state TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX requests_state ON requests (state);
    CREATE TABLE intrusions (
        id TEXT PRIMARY KEY,
        track_id TEXT NOT NULL,
        reservation_id TEXT NOT NULL,
        state TEXT NOT NULL,
        raised_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        cleared_at REAL,
        body TEXT NOT NULL
    );
    CREATE INDEX intrusions_cleared_at ON intrusions (cleared_at);";

/// A stored reservation or request: its body with `id`, `version`, `created_at` and
/// `updated_at` filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct StrategicRecord {
    /// Identifier (`r-<n>` or `q-<n>`).
    pub id: String,
    /// Owner (reservation's party, request's sender).
    pub party: String,
    /// Optimistic version, 1 when created.
    pub version: i64,
    /// The document.
    pub body: Value,
}

/// Strategic persistence; implemented by every [`crate::Store`].
///
/// Methods taking `action` record it as the audit action (for example `reservation.file`).
pub trait StrategicStore {
    /// Stores a new reservation owned by `party`; returns it with its new id (`r-<n>`) and
    /// version 1.
    fn create_reservation(
        &self,
        actor: &str,
        action: &str,
        party: &str,
        body: &Value,
    ) -> StoreResult<StrategicRecord>;
    /// Stores several new reservations `(party, body)` in one transaction (all or none), one
    /// audit entry each; returns them in order.
    fn create_reservations(
        &self,
        actor: &str,
        action: &str,
        items: &[(String, Value)],
    ) -> StoreResult<Vec<StrategicRecord>>;
    /// Replaces a reservation. With `expected_version = Some(v)` it fails with
    /// [`StoreError::StaleVersion`] unless the stored version is `v`, and the version is bumped;
    /// with `None` (time-driven state changes) the version is kept.
    fn update_reservation(
        &self,
        actor: &str,
        action: &str,
        id: &str,
        expected_version: Option<i64>,
        body: &Value,
    ) -> StoreResult<StrategicRecord>;
    /// Records time-driven changes `(action, id, body)` of several reservations in one
    /// transaction, keeping their versions; returns them in order.
    fn advance_reservations(
        &self,
        actor: &str,
        changes: &[(String, String, Value)],
    ) -> StoreResult<Vec<StrategicRecord>>;
    /// One reservation.
    fn get_reservation(&self, id: &str) -> StoreResult<Option<StrategicRecord>>;
    /// Every reservation, in filing order.
    fn list_reservations(&self) -> StoreResult<Vec<StrategicRecord>>;

    /// Stores a new request sent by `party`; returns it with its id (`q-<n>`) and version 1.
    fn create_request(
        &self,
        actor: &str,
        action: &str,
        party: &str,
        body: &Value,
    ) -> StoreResult<StrategicRecord>;
    /// Replaces a request (an answer, an acknowledgement, expiry), failing with
    /// [`StoreError::StaleVersion`] unless the stored version is `expected_version`; bumps it.
    fn update_request(
        &self,
        actor: &str,
        action: &str,
        id: &str,
        expected_version: i64,
        body: &Value,
    ) -> StoreResult<StrategicRecord>;
    /// One request.
    fn get_request(&self, id: &str) -> StoreResult<Option<StrategicRecord>>;
    /// Every request, in order of creation.
    fn list_requests(&self) -> StoreResult<Vec<StrategicRecord>>;

    /// Records one cycle's intrusion alert events in one transaction, one audit entry each
    /// (`(action, intrusion)`; the intrusion body needs `id`, `track_id`, `reservation_id`,
    /// `state`, `raised_at`, `updated_at` and `cleared_at`). Acknowledgements already stored
    /// (`acks`) are kept unless the body's `level` is higher than the stored one.
    fn record_intrusions(&self, actor: &str, events: &[(String, Value)]) -> StoreResult<()>;
    /// Active intrusions, plus those cleared at or after `cleared_since` when given.
    fn list_intrusions(&self, cleared_since: Option<f64>) -> StoreResult<Vec<Value>>;
    /// Clears, with an audit entry each, every intrusion still active (at start-up: the
    /// previous run's predictions no longer hold). Returns how many.
    fn clear_stale_intrusions(&self, actor: &str) -> StoreResult<usize>;
    /// One intrusion (active or cleared, while kept).
    fn get_intrusion(&self, id: &str) -> StoreResult<Option<Value>>;
    /// Records `party`'s acknowledgement of an intrusion (`"acks": {party: true}` in its body)
    /// with an `intrusion.ack` audit entry in the same transaction; returns the updated body.
    fn ack_intrusion(&self, actor: &str, id: &str, party: &str) -> StoreResult<Value>;
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
        match self {
            Table::Reservations => "reservation",
            Table::Requests => "request",
        }
    }
    fn prefix(self) -> &'static str {
        match self {
            Table::Reservations => "r",
            Table::Requests => "q",
        }
    }
}

fn state_of(body: &Value) -> String {
    body.get("state")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

fn stamp(body: &Value, id: &str, version: i64, created_at: f64, updated_at: f64) -> Value {
    let mut b = body.clone();
    if let Some(o) = b.as_object_mut() {
        o.insert("id".into(), Value::from(id));
        o.insert("version".into(), Value::from(version));
        o.insert("created_at".into(), Value::from(created_at));
        o.insert("updated_at".into(), Value::from(updated_at));
    }
    b
}

fn create_tx(
    tx: &Transaction<'_>,
    table: Table,
    party: &str,
    body: &Value,
) -> StoreResult<StrategicRecord> {
    let t = now_s();
    let name = table.name();
    // Placeholder id first: the sequence number is only known after the insert.
    tx.execute(
        &format!("INSERT INTO {name} (id, party, version, state, body, created_at, updated_at) VALUES ('', ?1, 1, ?2, '', ?3, ?3)"),
        params![party, state_of(body), t],
    )?;
    let seq = tx.last_insert_rowid();
    let id = format!("{}-{seq}", table.prefix());
    let body = stamp(body, &id, 1, t, t);
    tx.execute(
        &format!("UPDATE {name} SET id = ?1, body = ?2 WHERE seq = ?3"),
        params![id, serde_json::to_string(&body)?, seq],
    )?;
    Ok(StrategicRecord {
        id,
        party: party.to_owned(),
        version: 1,
        body,
    })
}

fn get_tx(
    conn: &rusqlite::Connection,
    table: Table,
    id: &str,
) -> StoreResult<Option<StrategicRecord>> {
    let row: Option<(String, i64, String)> = conn
        .query_row(
            &format!(
                "SELECT party, version, body FROM {} WHERE id = ?1",
                table.name()
            ),
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    match row {
        None => Ok(None),
        Some((party, version, body)) => Ok(Some(StrategicRecord {
            id: id.to_owned(),
            party,
            version,
            body: serde_json::from_str(&body)?,
        })),
    }
}

fn update_tx(
    tx: &Transaction<'_>,
    table: Table,
    id: &str,
    expected_version: Option<i64>,
    body: &Value,
) -> StoreResult<StrategicRecord> {
    let current = get_tx(tx, table, id)?.ok_or_else(|| StoreError::NotFound {
        kind: table.kind(),
        id: id.to_owned(),
    })?;
    let version = match expected_version {
        Some(exp) if exp != current.version => {
            return Err(StoreError::StaleVersion {
                kind: table.kind(),
                id: id.to_owned(),
                expected: exp,
                current: current.version,
            })
        }
        Some(_) => current.version + 1,
        None => current.version,
    };
    let created_at = current
        .body
        .get("created_at")
        .and_then(Value::as_f64)
        .unwrap_or(0.0);
    let t = now_s();
    let body = stamp(body, id, version, created_at, t);
    tx.execute(
        &format!(
            "UPDATE {} SET version = ?1, state = ?2, body = ?3, updated_at = ?4 WHERE id = ?5",
            table.name()
        ),
        params![
            version,
            state_of(&body),
            serde_json::to_string(&body)?,
            t,
            id
        ],
    )?;
    Ok(StrategicRecord {
        id: id.to_owned(),
        party: current.party,
        version,
        body,
    })
}

impl SqliteStore {
    fn strategic_tx<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> StoreResult<(T, Vec<(String, String, Value)>)>,
    ) -> StoreResult<T> {
        let mut conn = self.lock()?;
        let tx = conn.transaction()?;
        let (out, audits) = f(&tx)?;
        for (actor, action, payload) in &audits {
            append_audit_tx(&tx, actor, action, payload)?;
        }
        tx.commit()?;
        Ok(out)
    }

    fn list_table(&self, table: Table) -> StoreResult<Vec<StrategicRecord>> {
        let c = self.lock()?;
        let mut stmt = c.prepare_cached(&format!(
            "SELECT id, party, version, body FROM {} ORDER BY seq",
            table.name()
        ))?;
        let rows: Vec<(String, String, i64, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(id, party, version, body)| {
                Ok(StrategicRecord {
                    id,
                    party,
                    version,
                    body: serde_json::from_str(&body)?,
                })
            })
            .collect()
    }
}

impl StrategicStore for SqliteStore {
    fn create_reservation(
        &self,
        actor: &str,
        action: &str,
        party: &str,
        body: &Value,
    ) -> StoreResult<StrategicRecord> {
        self.strategic_tx(|tx| {
            let rec = create_tx(tx, Table::Reservations, party, body)?;
            let audit = vec![(actor.to_owned(), action.to_owned(), rec.body.clone())];
            Ok((rec, audit))
        })
    }

    fn create_reservations(
        &self,
        actor: &str,
        action: &str,
        items: &[(String, Value)],
    ) -> StoreResult<Vec<StrategicRecord>> {
        self.strategic_tx(|tx| {
            let mut out = Vec::with_capacity(items.len());
            let mut audit = Vec::with_capacity(items.len());
            for (party, body) in items {
                let rec = create_tx(tx, Table::Reservations, party, body)?;
                audit.push((actor.to_owned(), action.to_owned(), rec.body.clone()));
                out.push(rec);
            }
            Ok((out, audit))
        })
    }

    fn update_reservation(
        &self,
        actor: &str,
        action: &str,
        id: &str,
        expected_version: Option<i64>,
        body: &Value,
    ) -> StoreResult<StrategicRecord> {
        self.strategic_tx(|tx| {
            let rec = update_tx(tx, Table::Reservations, id, expected_version, body)?;
            let audit = vec![(actor.to_owned(), action.to_owned(), rec.body.clone())];
            Ok((rec, audit))
        })
    }

    fn advance_reservations(
        &self,
        actor: &str,
        changes: &[(String, String, Value)],
    ) -> StoreResult<Vec<StrategicRecord>> {
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        self.strategic_tx(|tx| {
            let mut out = Vec::with_capacity(changes.len());
            let mut audit = Vec::with_capacity(changes.len());
            for (action, id, body) in changes {
                let rec = update_tx(tx, Table::Reservations, id, None, body)?;
                audit.push((actor.to_owned(), action.clone(), rec.body.clone()));
                out.push(rec);
            }
            Ok((out, audit))
        })
    }

    fn get_reservation(&self, id: &str) -> StoreResult<Option<StrategicRecord>> {
        let c = self.lock()?;
        get_tx(&c, Table::Reservations, id)
    }

    fn list_reservations(&self) -> StoreResult<Vec<StrategicRecord>> {
        self.list_table(Table::Reservations)
    }

    fn create_request(
        &self,
        actor: &str,
        action: &str,
        party: &str,
        body: &Value,
    ) -> StoreResult<StrategicRecord> {
        self.strategic_tx(|tx| {
            let rec = create_tx(tx, Table::Requests, party, body)?;
            let audit = vec![(actor.to_owned(), action.to_owned(), rec.body.clone())];
            Ok((rec, audit))
        })
    }

    fn update_request(
        &self,
        actor: &str,
        action: &str,
        id: &str,
        expected_version: i64,
        body: &Value,
    ) -> StoreResult<StrategicRecord> {
        self.strategic_tx(|tx| {
            let rec = update_tx(tx, Table::Requests, id, Some(expected_version), body)?;
            let audit = vec![(actor.to_owned(), action.to_owned(), rec.body.clone())];
            Ok((rec, audit))
        })
    }

    fn get_request(&self, id: &str) -> StoreResult<Option<StrategicRecord>> {
        let c = self.lock()?;
        get_tx(&c, Table::Requests, id)
    }

    fn list_requests(&self) -> StoreResult<Vec<StrategicRecord>> {
        self.list_table(Table::Requests)
    }

    fn record_intrusions(&self, actor: &str, events: &[(String, Value)]) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        self.strategic_tx(|tx| {
            let mut audits = Vec::with_capacity(events.len());
            for (action, b) in events {
                // Acknowledgements recorded since the cycle built this body are kept, unless
                // the level rose (an escalation is acknowledged anew).
                let mut b = b.clone();
                if let Some(stored) = get_intrusion_tx(tx, b["id"].as_str().unwrap_or(""))? {
                    if b["level"].as_u64() <= stored["level"].as_u64() {
                        merge_acks(&mut b, &stored);
                    }
                }
                let b = &b;
                let text = |k: &str| b.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                let num = |k: &str| b.get(k).and_then(Value::as_f64);
                tx.execute(
                    "INSERT INTO intrusions (id, track_id, reservation_id, state, raised_at, updated_at, cleared_at, body)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                     ON CONFLICT(id) DO UPDATE SET state = ?4, updated_at = ?6, cleared_at = ?7, body = ?8",
                    params![
                        text("id"),
                        text("track_id"),
                        text("reservation_id"),
                        text("state"),
                        num("raised_at").unwrap_or(0.0),
                        num("updated_at").unwrap_or(0.0),
                        num("cleared_at"),
                        serde_json::to_string(b)?
                    ],
                )?;
                audits.push((actor.to_owned(), action.clone(), b.clone()));
            }
            Ok(((), audits))
        })
    }

    fn list_intrusions(&self, cleared_since: Option<f64>) -> StoreResult<Vec<Value>> {
        let c = self.lock()?;
        let mut stmt = c.prepare_cached(
            "SELECT body FROM intrusions WHERE cleared_at IS NULL OR cleared_at >= ?1 ORDER BY raised_at, id",
        )?;
        let since = cleared_since.unwrap_or(f64::INFINITY);
        let rows: Vec<String> = stmt
            .query_map([since], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        rows.iter().map(|b| Ok(serde_json::from_str(b)?)).collect()
    }

    fn clear_stale_intrusions(&self, actor: &str) -> StoreResult<usize> {
        let t = now_s();
        let mut events = Vec::new();
        for mut b in self.list_intrusions(None)? {
            if let Some(o) = b.as_object_mut() {
                o.insert("state".into(), Value::from("cleared"));
                o.insert("cleared_at".into(), Value::from(t));
                o.insert("updated_at".into(), Value::from(t));
            }
            events.push(("intrusion.cleared".to_owned(), b));
        }
        self.record_intrusions(actor, &events)?;
        Ok(events.len())
    }

    fn get_intrusion(&self, id: &str) -> StoreResult<Option<Value>> {
        let c = self.lock()?;
        get_intrusion_tx(&c, id)
    }

    fn ack_intrusion(&self, actor: &str, id: &str, party: &str) -> StoreResult<Value> {
        let payload = serde_json::json!({ "intrusion_id": id, "party": party });
        self.strategic_tx(|tx| {
            let mut b = get_intrusion_tx(tx, id)?.ok_or_else(|| StoreError::NotFound {
                kind: "intrusion",
                id: id.to_owned(),
            })?;
            if let Some(o) = b.as_object_mut() {
                let acks = o
                    .entry("acks")
                    .or_insert_with(|| Value::Object(serde_json::Map::new()));
                if !acks.is_object() {
                    *acks = Value::Object(serde_json::Map::new());
                }
                if let Some(a) = acks.as_object_mut() {
                    a.insert(party.to_owned(), Value::Bool(true));
                }
            }
            tx.execute(
                "UPDATE intrusions SET body = ?2 WHERE id = ?1",
                params![id, serde_json::to_string(&b)?],
            )?;
            Ok((
                b,
                vec![(actor.to_owned(), "intrusion.ack".to_owned(), payload)],
            ))
        })
    }
}

fn get_intrusion_tx(c: &rusqlite::Connection, id: &str) -> StoreResult<Option<Value>> {
    let body: Option<String> = c
        .query_row("SELECT body FROM intrusions WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    body.map(|b| Ok(serde_json::from_str(&b)?)).transpose()
}

/// Sets in `b`'s `acks` every acknowledgement `stored` has (an acknowledgement is never undone).
fn merge_acks(b: &mut Value, stored: &Value) {
    let Some(old) = stored.get("acks").and_then(Value::as_object) else {
        return;
    };
    let Some(o) = b.as_object_mut() else {
        return;
    };
    let acks = o
        .entry("acks")
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    if let Some(a) = acks.as_object_mut() {
        for (party, v) in old {
            if v.as_bool() == Some(true) {
                a.insert(party.clone(), Value::Bool(true));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use serde_json::json;

    #[test]
    fn reservations_get_ids_versions_and_audit() {
        let s = SqliteStore::in_memory().unwrap();
        let a = s
            .create_reservation(
                "blue",
                "reservation.file",
                "blue",
                &json!({"state": "accepted", "name": "a"}),
            )
            .unwrap();
        let b = s
            .create_reservation(
                "red",
                "reservation.file",
                "red",
                &json!({"state": "proposed"}),
            )
            .unwrap();
        assert_eq!((a.id.as_str(), b.id.as_str()), ("r-1", "r-2"));
        assert_eq!(a.body["version"], 1);
        assert_eq!(a.body["id"], "r-1");
        let up = s
            .update_reservation(
                "blue",
                "reservation.update",
                "r-1",
                Some(1),
                &json!({"state": "accepted", "name": "b"}),
            )
            .unwrap();
        assert_eq!(up.version, 2);
        assert_eq!(up.body["created_at"], a.body["created_at"]);
        match s.update_reservation("blue", "reservation.update", "r-1", Some(1), &json!({})) {
            Err(StoreError::StaleVersion {
                current: 2,
                expected: 1,
                ..
            }) => {}
            other => panic!("{other:?}"),
        }
        // Time-driven change keeps the version.
        let st = s
            .update_reservation(
                "engine",
                "reservation.active",
                "r-1",
                None,
                &json!({"state": "active"}),
            )
            .unwrap();
        assert_eq!(st.version, 2);
        assert_eq!(
            s.get_reservation("r-1").unwrap().unwrap().body["state"],
            "active"
        );
        assert_eq!(s.list_reservations().unwrap().len(), 2);
        assert!(matches!(
            s.update_reservation("x", "y", "r-9", Some(1), &json!({})),
            Err(StoreError::NotFound { .. })
        ));
        let many = s
            .create_reservations(
                "blue",
                "reservation.import",
                &[
                    ("blue".into(), json!({"state": "accepted"})),
                    ("blue".into(), json!({"state": "accepted"})),
                ],
            )
            .unwrap();
        assert_eq!((many[0].id.as_str(), many[1].id.as_str()), ("r-3", "r-4"));
        assert_eq!(s.list_reservations().unwrap().len(), 4);
        // file, file, update, state, 2 × import = 6 entries; the failed updates left none.
        let entries = s.audit_entries(0, 100).unwrap();
        assert_eq!(entries.len(), 6);
        assert_eq!(entries[2].action, "reservation.update");
        assert_eq!(entries[5].action, "reservation.import");
        let moved = s
            .advance_reservations(
                "engine",
                &[
                    (
                        "reservation.active".into(),
                        "r-3".into(),
                        json!({"state": "active"}),
                    ),
                    (
                        "reservation.ended".into(),
                        "r-4".into(),
                        json!({"state": "ended"}),
                    ),
                ],
            )
            .unwrap();
        assert_eq!(
            (moved[0].version, moved[1].body["state"].as_str()),
            (1, Some("ended"))
        );
        assert_eq!(s.audit_entries(0, 100).unwrap().len(), 8);
        assert!(s.verify_audit().unwrap().ok);
    }

    #[test]
    fn requests_and_intrusions() {
        let s = SqliteStore::in_memory().unwrap();
        let q = s
            .create_request(
                "red",
                "request.create",
                "red",
                &json!({"state": "pending", "to": "blue"}),
            )
            .unwrap();
        assert_eq!(q.id, "q-1");
        let q2 = s
            .update_request(
                "blue",
                "request.accept",
                "q-1",
                1,
                &json!({"state": "accepted", "to": "blue"}),
            )
            .unwrap();
        assert_eq!(q2.version, 2);
        assert!(s
            .update_request("blue", "request.decline", "q-1", 1, &json!({}))
            .is_err());
        let i = json!({"id": "i-1", "track_id": "A1", "reservation_id": "r-1", "state": "raised", "level": 2,
                       "raised_at": 10.0, "updated_at": 10.0, "cleared_at": null});
        s.record_intrusions("engine", &[("intrusion.raised".into(), i.clone())])
            .unwrap();
        assert_eq!(s.list_intrusions(None).unwrap().len(), 1);
        let acked = s.ack_intrusion("blue", "i-1", "blue").unwrap();
        assert_eq!(acked["acks"], json!({"blue": true}));
        assert!(matches!(
            s.ack_intrusion("blue", "i-9", "blue"),
            Err(StoreError::NotFound { .. })
        ));
        // A later cycle event built without the acknowledgement keeps it; an escalation
        // does not.
        s.record_intrusions("engine", &[("intrusion.updated".into(), i.clone())])
            .unwrap();
        assert_eq!(
            s.get_intrusion("i-1").unwrap().unwrap()["acks"],
            json!({"blue": true})
        );
        let mut up = i.clone();
        up["level"] = json!(3);
        up["acks"] = json!({"blue": false});
        s.record_intrusions("engine", &[("intrusion.updated".into(), up)])
            .unwrap();
        assert_eq!(
            s.get_intrusion("i-1").unwrap().unwrap()["acks"],
            json!({"blue": false})
        );
        let mut c = i.clone();
        c["state"] = json!("cleared");
        c["cleared_at"] = json!(20.0);
        s.record_intrusions("engine", &[("intrusion.cleared".into(), c)])
            .unwrap();
        assert!(s.list_intrusions(None).unwrap().is_empty());
        assert_eq!(s.list_intrusions(Some(15.0)).unwrap().len(), 1);
        s.record_intrusions("engine", &[("intrusion.raised".into(), json!({"id": "i-2", "track_id": "B", "reservation_id": "r-1", "state": "raised", "raised_at": 30.0, "updated_at": 30.0}))]).unwrap();
        assert_eq!(s.clear_stale_intrusions("system").unwrap(), 1);
        assert!(s.list_intrusions(None).unwrap().is_empty());
        assert!(s.verify_audit().unwrap().ok);
    }
}
