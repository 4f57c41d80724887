//! The SQLite backend: the store's contract (`suite`) against a real database file in a fresh
//! directory, and what only this backend has — its file can be tampered with (detected by the
//! audit chain), triggers can make a write fail part-way (nothing of it is kept), and a
//! database written by a newer program is refused.

mod suite;

use deconflict_store::*;
use rusqlite::Connection;
use suite::{alert, Backend};

/// A fresh data directory.
struct Sqlite(tempfile::TempDir);

impl Sqlite {
    fn fresh() -> Sqlite {
        Sqlite(tempfile::tempdir().unwrap())
    }
}

impl Backend for Sqlite {
    fn open(&self) -> Box<dyn Store> {
        Box::new(SqliteStore::open(self.0.path()).unwrap())
    }
}

suite::store_suite!(Sqlite::fresh());

fn seeded(dir: &std::path::Path) -> SqliteStore {
    let s = SqliteStore::open(dir).unwrap();
    suite::seed(&s);
    s
}

fn tamper(dir: &std::path::Path, sql: &str) {
    let c = Connection::open(dir.join(DATABASE_FILE)).unwrap();
    c.execute_batch(sql).unwrap();
}

/// The database error's own message (the store wraps it).
fn sqlite_message(e: &StoreError) -> String {
    match e {
        StoreError::Database(inner) => inner.to_string(),
        other => panic!("expected a database error, got {other:?}"),
    }
}

/// `(seq, hash)` of every audit entry, read from the file.
fn audit_rows(dir: &std::path::Path) -> Vec<(i64, String)> {
    let c = Connection::open(dir.join(DATABASE_FILE)).unwrap();
    let mut stmt = c
        .prepare("SELECT seq, hash FROM audit ORDER BY seq")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<Vec<(i64, String)>, _>>()
        .unwrap();
    rows
}

#[test]
fn a_failure_after_the_audit_append_rolls_back_record_and_entry() {
    let dir = tempfile::tempdir().unwrap();
    let s = seeded(dir.path());
    let before = audit_rows(dir.path());
    assert_eq!(before.len(), 3);
    // The head row is written after the audit entry. This trigger fails that write only once
    // the new entry is in the table, i.e. strictly after the append, inside the transaction.
    tamper(
        dir.path(),
        "CREATE TRIGGER fail_after_append BEFORE UPDATE ON audit_head
         WHEN EXISTS (SELECT 1 FROM audit WHERE seq = NEW.seq)
         BEGIN SELECT RAISE(ABORT, 'head write failed after the append'); END;",
    );
    let party = Party::new("green", "Green", Role::Party, Sharing::full());
    let e = s.create_party("cell", &party).unwrap_err();
    assert!(
        sqlite_message(&e).contains("head write failed after the append"),
        "the failure must be the one after the append: {e:?}"
    );
    assert_eq!(s.get_party("green").unwrap(), None, "the party is not kept");
    assert_eq!(
        audit_rows(dir.path()),
        before,
        "the appended entry is not kept"
    );
    let r = s.verify_audit().unwrap();
    assert!(r.ok && r.entries == 3, "{r:?}");
    // The chain carries on from entry 3: the next change is entry 4, linked to it.
    tamper(dir.path(), "DROP TRIGGER fail_after_append");
    s.create_party("cell", &party).unwrap();
    assert_eq!(s.get_party("green").unwrap().unwrap().name, "Green");
    let after = s.audit_entries(3, 10).unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(
        (after[0].seq, after[0].action.as_str(), &after[0].prev_hash),
        (4, "party.create", &before[2].1)
    );
    assert!(s.verify_audit().unwrap().ok);
}

#[test]
fn a_failure_after_one_cycle_event_is_audited_rolls_back_the_whole_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let s = seeded(dir.path());
    let before = audit_rows(dir.path());
    // A cycle records c-1 and appends its entry, then writes c-2; writing c-2 fails.
    tamper(
        dir.path(),
        "CREATE TRIGGER fail_second_alert BEFORE INSERT ON alerts
         WHEN NEW.id = 'c-2' AND EXISTS (SELECT 1 FROM audit WHERE action = 'alert.raised')
         BEGIN SELECT RAISE(ABORT, 'second alert write failed'); END;",
    );
    let events = vec![
        (
            "alert.raised".to_owned(),
            alert("c-1", 2, AlertState::Raised),
        ),
        (
            "alert.raised".to_owned(),
            alert("c-2", 3, AlertState::Raised),
        ),
    ];
    let e = s.record_alerts("engine", &events).unwrap_err();
    assert!(
        sqlite_message(&e).contains("second alert write failed"),
        "{e:?}"
    );
    assert_eq!(s.get_alert("c-1").unwrap(), None, "c-1 is not kept");
    assert!(s.list_alerts(Some(0.0)).unwrap().is_empty());
    assert_eq!(audit_rows(dir.path()), before, "c-1's entry is not kept");
    assert!(s.verify_audit().unwrap().ok);
    tamper(dir.path(), "DROP TRIGGER fail_second_alert");
    let stored = s.record_alerts("engine", &events).unwrap();
    assert_eq!(stored.len(), 2);
    let seqs: Vec<i64> = s
        .audit_entries(3, 10)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, [4, 5]);
    assert!(s.verify_audit().unwrap().ok);
}

#[test]
fn tampering_with_the_file_is_detected() {
    for (sql, bad) in [
        ("UPDATE audit SET actor = 'red' WHERE seq = 2", 2),
        ("UPDATE audit SET payload = X'7B7D' WHERE seq = 3", 3),
        ("DELETE FROM audit WHERE seq = 2", 2),
        ("DELETE FROM audit WHERE seq = 3", 3),
        (
            "UPDATE audit SET seq = 100 WHERE seq = 1; UPDATE audit SET seq = 1 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 100",
            1,
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let s = seeded(dir.path());
        assert!(s.verify_audit().unwrap().ok);
        tamper(dir.path(), sql);
        let r = s.verify_audit().unwrap();
        assert!(!r.ok, "{sql}: {r:?}");
        assert_eq!(r.first_bad_seq, Some(bad), "{sql}: {r:?}");
    }
}

#[test]
fn a_database_written_by_a_newer_program_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(seeded(dir.path()));
    tamper(dir.path(), "PRAGMA user_version = 999");
    match SqliteStore::open(dir.path()) {
        Err(StoreError::SchemaTooNew {
            found: 999,
            supported,
        }) => assert!(supported < 999),
        other => panic!("expected SchemaTooNew, got {:?}", other.err()),
    }
}

#[test]
fn commits_go_to_the_write_ahead_log() {
    let dir = tempfile::tempdir().unwrap();
    let _s = seeded(dir.path());
    let c = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
    let mode: String = c
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert!(dir.path().join(format!("{DATABASE_FILE}-wal")).exists());
}

/// Seeded, then a message sent and acknowledged, a reservation filed, a token issued, a
/// document stored and an alert raised and acknowledged: every kind of object the log vouches
/// for.
fn with_objects(dir: &std::path::Path) -> SqliteStore {
    let s = seeded(dir);
    let m = s
        .send_message(
            "red",
            &NewMessage {
                from: "red".into(),
                to: Some("blue".into()),
                subject: "Vacate".into(),
                body: "Leave box K by 1200Z".into(),
            },
        )
        .unwrap();
    s.ack_message("blue", m.id, "blue").unwrap();
    s.create_reservation(
        "blue",
        "reservation.file",
        &RecordInput {
            party: "blue".into(),
            state: "accepted".into(),
            body: serde_json::json!({"name": "Blue CAP", "volumes": []}),
        },
    )
    .unwrap();
    s.create_token("cell", "t1", "red", "ab12").unwrap();
    s.put_document(
        "cell",
        "region.put",
        "regions",
        "tma",
        &serde_json::json!({"n": 1}),
        None,
    )
    .unwrap();
    s.record_alerts(
        "engine",
        &[("alert.raised".into(), alert("c-1", 2, AlertState::Raised))],
    )
    .unwrap();
    s.ack_alert("blue", "c-1", "blue").unwrap();
    s
}

/// The seq of the last entry with `action` about `object` (any object when empty).
fn last_seq(s: &SqliteStore, action: &str, object: &str) -> i64 {
    s.audit_entries(0, 1000)
        .unwrap()
        .into_iter()
        .filter(|e| {
            e.action == action && (object.is_empty() || e.object.as_deref() == Some(object))
        })
        .map(|e| e.seq)
        .max()
        .unwrap()
}

#[test]
fn rows_edited_behind_the_log_are_found_by_their_content_hash() {
    type Case = (
        &'static str,
        &'static str,
        Option<(&'static str, &'static str)>,
        &'static str,
    );
    let cases: [Case; 10] = [
        (
            "UPDATE messages SET body = 'Stay in box K' WHERE id = 1",
            "message 1 differs from its audited content",
            Some(("message.ack", "1")),
            "a message's text",
        ),
        (
            "DELETE FROM message_acks",
            "message 1 differs from its audited content",
            Some(("message.ack", "1")),
            "a message's acknowledgement",
        ),
        (
            "UPDATE reservations SET body = json_set(body, '$.name', 'Red CAP')",
            "reservation r-1 differs from its audited content",
            Some(("reservation.file", "r-1")),
            "a reservation's document",
        ),
        (
            "UPDATE reservations SET party = 'red'",
            "reservation r-1 differs from its audited content",
            Some(("reservation.file", "r-1")),
            "a reservation's owner",
        ),
        (
            "DELETE FROM reservations",
            "reservation r-1 is missing although the log never deleted it",
            Some(("reservation.file", "r-1")),
            "a deleted reservation",
        ),
        (
            "UPDATE tokens SET hash = 'ffff'",
            "token t1 differs from its audited content",
            Some(("token.issue", "t1")),
            "a token's hash",
        ),
        (
            "UPDATE parties SET sharing_mode = 'full' WHERE id = 'red'",
            "party red differs from its audited content",
            Some(("party.create", "red")),
            "a party's sharing",
        ),
        (
            "UPDATE documents SET body = '{\"n\":2}'",
            "document regions/tma differs from its audited content",
            Some(("region.put", "tma")),
            "a document",
        ),
        (
            "DELETE FROM alert_acks",
            "alert c-1 differs from its audited content",
            Some(("alert.ack", "c-1")),
            "an alert's acknowledgement",
        ),
        (
            "INSERT INTO messages (sender, recipient, subject, body, sent_at) VALUES ('blue', 'red', 'x', 'forged', 1.0)",
            "message 2 is in the database but no audit entry records it",
            None,
            "a message added behind the log",
        ),
    ];
    for (sql, problem, action, what) in cases {
        let dir = tempfile::tempdir().unwrap();
        let s = with_objects(dir.path());
        let r = s.verify_audit().unwrap();
        assert!(r.ok, "before tampering with {what}: {r:?}");
        tamper(dir.path(), sql);
        let r = s.verify_audit().unwrap();
        assert!(!r.ok, "{what} edited behind the log was not found");
        assert!(
            r.problem.as_deref().unwrap().contains(problem),
            "{what}: {r:?}"
        );
        assert_eq!(
            r.first_bad_seq,
            action.map(|(a, o)| last_seq(&s, a, o)),
            "{what}"
        );
        // The chain itself is intact: only the content check finds it.
        assert_eq!(r.entries, s.audit_entries(0, 1000).unwrap().len(), "{what}");
    }
}

#[test]
fn a_purge_vouches_that_its_alerts_are_gone() {
    let dir = tempfile::tempdir().unwrap();
    let s = with_objects(dir.path());
    let mut cleared = alert("c-1", 2, AlertState::Cleared);
    cleared.cleared_at = Some(10.0);
    s.record_alerts("engine", &[("alert.cleared".into(), cleared)])
        .unwrap();
    assert_eq!(s.purge_alerts("system", 20.0).unwrap(), 1);
    assert!(s.verify_audit().unwrap().ok);
    // Putting the purged alert back behind the log is found.
    tamper(
        dir.path(),
        "INSERT INTO alerts (id, a, b, level, state, raised_at, updated_at, detail) VALUES ('c-1', 'A', 'B', 2, 'raised', 1.0, 1.0, '{}')",
    );
    let r = s.verify_audit().unwrap();
    assert!(
        r.problem
            .as_deref()
            .unwrap()
            .contains("alert c-1 exists although the log deleted it"),
        "{r:?}"
    );
    assert_eq!(r.first_bad_seq, Some(last_seq(&s, "alert.purge", "")));
}
