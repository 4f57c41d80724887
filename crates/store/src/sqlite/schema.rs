//! The SQLite schema: every migration, in order, and how a database is brought up to date
//! when opened. `PRAGMA user_version` counts the migrations applied; each runs in its own
//! transaction, so a database is always at one version. Migrations are only ever appended:
//! a database written by any earlier version opens and keeps its data.

use crate::error::{StoreError, StoreResult};
use rusqlite::Connection;

/// Schema migrations, applied in order; `user_version` counts how many ran.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: initial schema
    "CREATE TABLE parties (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('party', 'cell', 'observer')),
        sharing_mode TEXT NOT NULL CHECK (sharing_mode IN ('full', 'proximity', 'alerts-only')),
        range_nm REAL NOT NULL,
        alt_ft REAL NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        party TEXT NOT NULL REFERENCES parties(id),
        hash TEXT NOT NULL UNIQUE,
        revoked INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        revoked_at REAL
    );
    CREATE TABLE alerts (
        id TEXT PRIMARY KEY,
        a TEXT NOT NULL,
        b TEXT NOT NULL,
        a_party TEXT,
        b_party TEXT,
        level INTEGER NOT NULL,
        state TEXT NOT NULL,
        raised_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        cleared_at REAL,
        detail TEXT NOT NULL
    );
    CREATE INDEX alerts_cleared_at ON alerts (cleared_at);
    CREATE TABLE alert_acks (
        alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
        party TEXT NOT NULL,
        time REAL NOT NULL,
        PRIMARY KEY (alert_id, party)
    );
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        sender TEXT NOT NULL,
        recipient TEXT,
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        sent_at REAL NOT NULL
    );
    CREATE TABLE message_reads (
        message_id INTEGER NOT NULL REFERENCES messages(id),
        party TEXT NOT NULL,
        time REAL NOT NULL,
        PRIMARY KEY (message_id, party)
    );
    CREATE TABLE message_acks (
        message_id INTEGER NOT NULL REFERENCES messages(id),
        party TEXT NOT NULL,
        time REAL NOT NULL,
        PRIMARY KEY (message_id, party)
    );
    CREATE TABLE documents (
        collection TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        body TEXT NOT NULL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (collection, id)
    );
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        time REAL NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        digest TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        payload BLOB
    );
    CREATE TABLE audit_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL
    );",
    // 2: reservations, requests and intrusion alerts
    "
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
    CREATE INDEX intrusions_cleared_at ON intrusions (cleared_at);",
    // 3: intrusions index their sides and level, and keep acknowledgements in their own table.
    // Intrusions recorded before kept those in their documents; they are moved out here, once.
    "ALTER TABLE intrusions ADD COLUMN track_party TEXT;
    ALTER TABLE intrusions ADD COLUMN volume_party TEXT NOT NULL DEFAULT '';
    ALTER TABLE intrusions ADD COLUMN level INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE intrusion_acks (
        intrusion_id TEXT NOT NULL REFERENCES intrusions(id) ON DELETE CASCADE,
        party TEXT NOT NULL,
        time REAL NOT NULL,
        PRIMARY KEY (intrusion_id, party)
    );
    UPDATE intrusions SET
        track_party = json_extract(body, '$.track_party'),
        volume_party = COALESCE(json_extract(body, '$.volume_party'), ''),
        level = COALESCE(json_extract(body, '$.level'), 0)
    WHERE json_valid(body);
    INSERT OR IGNORE INTO intrusion_acks (intrusion_id, party, time)
        SELECT i.id, a.key, i.updated_at
        FROM intrusions i,
            json_each(CASE WHEN json_valid(i.body) AND json_type(i.body, '$.acks') = 'object'
                           THEN json_extract(i.body, '$.acks') ELSE '{}' END) a
        WHERE a.type = 'true';",
    // 4: every audited change vouches for its object's content (a `content` list in its
    // payload). No table changes; a database written before is baselined once when opened
    // (one `audit.baseline` entry naming every stored object, see `SqliteStore::open`).
    "-- content hashes in audit payloads",
    // 5: the cell's leadership lease (one row; not an audited object: its renewals are not
    // logged, its changes of holder are, as `cell.leader` entries).
    "CREATE TABLE deconflict_lease (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        holder TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        expires_at REAL NOT NULL
    );",
    // 6: observations relayed between the cell's nodes (transport, not record: not audited,
    // pruned after `cluster.relay_keep_s`).
    "CREATE TABLE deconflict_relay (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        node TEXT NOT NULL,
        time REAL NOT NULL,
        states TEXT NOT NULL
    );
    CREATE INDEX deconflict_relay_time ON deconflict_relay (time);",
];

/// The first schema version whose audit entries vouch for object content.
pub(super) const CONTENT_HASHES_VERSION: i64 = 4;

/// The schema version this program writes.
pub(super) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Applies the migrations `conn` has not had yet.
///
/// # Errors
/// The database was written by a newer version of this program, or a migration failed (it is
/// rolled back, and the database stays at the version before it).
/// Returns the version the database was at before.
pub(super) fn migrate(conn: &mut Connection) -> StoreResult<i64> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AlertState, IntrusionInput, SqliteStore, Store, StrategicStore, DATABASE_FILE};
    use serde_json::json;

    /// A database at schema version 2, with what that version's program wrote: a reservation
    /// and a request whose documents carry their id, version and times, and two intrusions
    /// whose documents carry their level, sides and acknowledgements.
    fn version_2_database(dir: &std::path::Path) {
        let mut c = Connection::open(dir.join(DATABASE_FILE)).unwrap();
        let tx = c.transaction().unwrap();
        for sql in &MIGRATIONS[..2] {
            tx.execute_batch(sql).unwrap();
        }
        tx.pragma_update(None, "user_version", 2).unwrap();
        tx.execute_batch(
            r#"INSERT INTO reservations (id, party, version, state, body, created_at, updated_at)
               VALUES ('r-1', 'blue', 2, 'accepted',
                       '{"id":"r-1","party":"blue","name":"Blue CAP","state":"accepted","version":2,"created_at":100.0,"updated_at":150.0}',
                       100.0, 150.0);
               INSERT INTO requests (id, party, version, state, body, created_at, updated_at)
               VALUES ('q-1', 'red', 1, 'pending',
                       '{"id":"q-1","from":"red","state":"pending","version":1,"created_at":120.0,"updated_at":120.0}',
                       120.0, 120.0);
               INSERT INTO intrusions (id, track_id, reservation_id, state, raised_at, updated_at, cleared_at, body)
               VALUES ('i-7-1', 'RED1', 'r-1', 'updated', 200.0, 210.0, NULL,
                       '{"id":"i-7-1","track_id":"RED1","track_party":"red","reservation_id":"r-1","volume_party":"blue","level":2,"state":"updated","acks":{"blue":true,"red":false}}');
               INSERT INTO intrusions (id, track_id, reservation_id, state, raised_at, updated_at, cleared_at, body)
               VALUES ('i-7-2', 'CIV1', 'r-1', 'cleared', 220.0, 230.0, 230.0,
                       '{"id":"i-7-2","track_id":"CIV1","track_party":null,"reservation_id":"r-1","volume_party":"blue","level":1,"state":"cleared","acks":{"blue":true}}');"#,
        )
        .unwrap();
        tx.commit().unwrap();
    }

    #[test]
    fn a_version_2_database_migrates_and_keeps_its_data() {
        let dir = tempfile::tempdir().unwrap();
        version_2_database(dir.path());
        let s = SqliteStore::open(dir.path()).unwrap();
        let version: i64 = s
            .lock()
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);

        let r = s.get_reservation("r-1").unwrap().unwrap();
        assert_eq!(
            (r.party.as_str(), r.version, r.state.as_str()),
            ("blue", 2, "accepted")
        );
        assert_eq!((r.created_at, r.updated_at), (100.0, 150.0));
        assert_eq!(
            r.body["name"], "Blue CAP",
            "the document is kept as written"
        );
        let q = s.get_request("q-1").unwrap().unwrap();
        assert_eq!((q.party.as_str(), q.version), ("red", 1));
        // Identifiers carry on from the old sequence.
        let next = s
            .create_reservation(
                "blue",
                "reservation.file",
                &crate::RecordInput {
                    party: "blue".into(),
                    state: "accepted".into(),
                    body: json!({}),
                },
            )
            .unwrap();
        assert_eq!(next.id, "r-2");

        // The intrusions' sides, level and acknowledgements moved out of their documents.
        let i = s.get_intrusion("i-7-1").unwrap().unwrap();
        assert_eq!(
            (i.track_party.as_deref(), i.volume_party.as_str(), i.level),
            (Some("red"), "blue", 2)
        );
        assert_eq!(i.state, AlertState::Updated);
        assert_eq!(i.acks.get("blue"), Some(&true));
        assert_eq!(i.acks.get("red"), Some(&false));
        let civil = s.get_intrusion("i-7-2").unwrap().unwrap();
        assert_eq!(civil.track_party, None);
        assert_eq!(civil.acks.len(), 1);
        assert_eq!(civil.acks.get("blue"), Some(&true));
        assert_eq!(s.list_intrusions(Some(225.0)).unwrap().len(), 2);

        // The migrated level takes part in the escalation rule.
        let event = |level: u8| IntrusionInput {
            id: "i-7-1".into(),
            track_id: "RED1".into(),
            track_party: Some("red".into()),
            reservation_id: "r-1".into(),
            volume_party: "blue".into(),
            level,
            state: AlertState::Updated,
            raised_at: 200.0,
            updated_at: 240.0,
            cleared_at: None,
            body: json!({}),
        };
        s.record_intrusions("engine", &[("intrusion.updated".into(), event(2))])
            .unwrap();
        assert!(s.get_intrusion("i-7-1").unwrap().unwrap().acks["blue"]);
        s.record_intrusions("engine", &[("intrusion.updated".into(), event(3))])
            .unwrap();
        assert!(!s.get_intrusion("i-7-1").unwrap().unwrap().acks["blue"]);
        assert!(s.verify_audit().unwrap().ok);
        // Opening the older database vouched once for what it held (two reservations by now,
        // a request, two intrusions): from then on, rows edited behind the log are found.
        let first = &s.audit_entries(0, 1).unwrap()[0];
        assert_eq!(first.action, "audit.baseline");
        s.lock()
            .unwrap()
            .execute("UPDATE requests SET state = 'accepted'", [])
            .unwrap();
        let r = s.verify_audit().unwrap();
        assert_eq!(r.first_bad_seq, Some(first.seq), "{r:?}");
        s.lock()
            .unwrap()
            .execute("UPDATE requests SET state = 'pending'", [])
            .unwrap();
        assert!(s.verify_audit().unwrap().ok);
        drop(s);

        // Opening again applies nothing twice.
        let s = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(s.list_reservations().unwrap().len(), 2);
        assert_eq!(
            s.audit_entries(0, 10).unwrap().len(),
            4,
            "one baseline, three changes"
        );
        assert_eq!(
            s.get_intrusion("i-7-2").unwrap().unwrap().acks.get("blue"),
            Some(&true)
        );
    }
}
