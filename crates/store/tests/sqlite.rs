//! The SQLite store against a real database file: records round-trip, every change is audited,
//! and tampering with the file is detected.

use deconflict_store::*;
use rusqlite::Connection;
use std::collections::BTreeMap;

fn alert(id: &str, level: u8, state: &str) -> AlertRecord {
    AlertRecord {
        id: id.into(),
        a: "4840D6".into(),
        b: "BLU001".into(),
        a_party: Some("red".into()),
        b_party: Some("blue".into()),
        level,
        state: AlertState::parse(state).expect("a known state"),
        raised_at: 100.0,
        updated_at: 100.0,
        cleared_at: None,
        acks: BTreeMap::new(),
        detail: serde_json::json!({"tcpa_s": 60.0}),
    }
}

fn seeded(dir: &std::path::Path) -> SqliteStore {
    let s = SqliteStore::open(dir).unwrap();
    s.create_party(
        "system",
        &Party::new("blue", "Blue", Role::Party, Sharing::full()),
    )
    .unwrap();
    s.create_party(
        "system",
        &Party::new("red", "Red", Role::Party, Sharing::alerts_only()),
    )
    .unwrap();
    s.create_party(
        "system",
        &Party::new("cell", "Cell", Role::Cell, Sharing::full()),
    )
    .unwrap();
    s
}

#[test]
fn parties_tokens_and_sharing_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let s = seeded(dir.path());
    assert!(matches!(
        s.create_party(
            "cell",
            &Party::new("blue", "x", Role::Party, Sharing::full())
        ),
        Err(StoreError::AlreadyExists { .. })
    ));
    let p = s
        .set_sharing("cell", "blue", &Sharing::proximity(10.0, 2000.0))
        .unwrap();
    assert_eq!(p.sharing.mode, SharingMode::Proximity);
    assert!(matches!(
        s.set_sharing("cell", "nope", &Sharing::full()),
        Err(StoreError::NotFound { .. })
    ));
    s.create_token("cell", "t1", "blue", "abc").unwrap();
    assert!(matches!(
        s.create_token("cell", "t2", "nobody", "def"),
        Err(StoreError::NotFound { .. })
    ));
    assert!(!s.get_token("t1").unwrap().unwrap().revoked);
    s.revoke_token("cell", "t1").unwrap();
    assert!(s.get_token("t1").unwrap().unwrap().revoked);
    drop(s);
    // Reopen: everything persisted.
    let s = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(s.list_parties().unwrap().len(), 3);
    assert!(s.get_token("t1").unwrap().unwrap().revoked);
    assert_eq!(s.get_party("blue").unwrap().unwrap().sharing.range_nm, 10.0);
    let r = s.verify_audit().unwrap();
    assert!(r.ok, "{r:?}");
    assert_eq!(r.entries, 6);
}

#[test]
fn alert_lifecycle_and_acks() {
    let dir = tempfile::tempdir().unwrap();
    let s = seeded(dir.path());
    s.upsert_alert("engine", "alert.raised", &alert("c-1", 1, "raised"))
        .unwrap();
    let a = s.ack_alert("blue", "c-1", "blue").unwrap();
    assert_eq!(a.acks.get("blue"), Some(&true));
    assert_eq!(a.acks.get("red"), Some(&false));
    // Same level: ack kept. Escalation: ack reset.
    s.upsert_alert("engine", "alert.updated", &alert("c-1", 1, "updated"))
        .unwrap();
    assert_eq!(
        s.get_alert("c-1").unwrap().unwrap().acks.get("blue"),
        Some(&true)
    );
    s.upsert_alert("engine", "alert.updated", &alert("c-1", 3, "updated"))
        .unwrap();
    assert_eq!(
        s.get_alert("c-1").unwrap().unwrap().acks.get("blue"),
        Some(&false)
    );
    assert_eq!(s.list_alerts(None).unwrap().len(), 1);
    let mut c = alert("c-1", 3, "cleared");
    c.cleared_at = Some(200.0);
    s.upsert_alert("engine", "alert.cleared", &c).unwrap();
    assert_eq!(s.list_alerts(None).unwrap().len(), 0);
    assert_eq!(s.list_alerts(Some(150.0)).unwrap().len(), 1);
    let before = s.verify_audit().unwrap().entries;
    assert_eq!(s.purge_alerts("system", 150.0).unwrap(), 0);
    assert_eq!(
        s.verify_audit().unwrap().entries,
        before,
        "an empty purge is not audited"
    );
    assert_eq!(s.purge_alerts("system", 250.0).unwrap(), 1);
    assert_eq!(s.verify_audit().unwrap().entries, before + 1);
    assert!(matches!(
        s.ack_alert("blue", "c-9", "blue"),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn messages_visibility_read_and_ack() {
    let dir = tempfile::tempdir().unwrap();
    let s = seeded(dir.path());
    let m1 = s
        .send_message(
            "blue",
            &NewMessage {
                from: "blue".into(),
                to: Some("red".into()),
                subject: "s".into(),
                body: "b".into(),
            },
        )
        .unwrap();
    s.send_message(
        "red",
        &NewMessage {
            from: "red".into(),
            to: None,
            subject: "all".into(),
            body: "b".into(),
        },
    )
    .unwrap();
    s.send_message(
        "cell",
        &NewMessage {
            from: "cell".into(),
            to: Some("cell".into()),
            subject: "x".into(),
            body: "b".into(),
        },
    )
    .unwrap();
    assert_eq!(s.list_messages(Some("blue")).unwrap().len(), 2);
    assert_eq!(s.list_messages(Some("red")).unwrap().len(), 2);
    assert_eq!(s.list_messages(None).unwrap().len(), 3);
    assert!(!s.get_message(m1.id, "red").unwrap().unwrap().read);
    assert!(s.mark_message_read("red", m1.id, "red").unwrap().read);
    let m = s.ack_message("red", m1.id, "red").unwrap();
    assert_eq!(m.acks, vec!["red".to_string()]);
}

#[test]
fn documents_are_versioned() {
    let s = SqliteStore::in_memory().unwrap();
    let v = s
        .put_document(
            "red",
            "reservation.file",
            "reservations",
            "r-1",
            &serde_json::json!({"a":1}),
            None,
        )
        .unwrap();
    assert_eq!(v, 1);
    assert!(matches!(
        s.put_document(
            "red",
            "reservation.file",
            "reservations",
            "r-1",
            &serde_json::json!({}),
            None
        ),
        Err(StoreError::AlreadyExists { .. })
    ));
    assert!(matches!(
        s.put_document(
            "red",
            "reservation.update",
            "reservations",
            "r-1",
            &serde_json::json!({}),
            Some(5)
        ),
        Err(StoreError::StaleVersion { current: 1, .. })
    ));
    assert_eq!(
        s.put_document(
            "red",
            "reservation.update",
            "reservations",
            "r-1",
            &serde_json::json!({"a":2}),
            Some(1)
        )
        .unwrap(),
        2
    );
    assert_eq!(
        s.get_document("reservations", "r-1").unwrap().unwrap(),
        (serde_json::json!({"a":2}), 2)
    );
    assert_eq!(s.list_documents("reservations").unwrap().len(), 1);
    assert!(s.verify_audit().unwrap().ok);
}

#[test]
fn failed_change_leaves_no_audit_entry() {
    let s = SqliteStore::in_memory().unwrap();
    assert!(matches!(
        s.revoke_token("cell", "missing"),
        Err(StoreError::NotFound { kind: "token", .. })
    ));
    assert_eq!(s.verify_audit().unwrap().entries, 0);
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
        ("alert.raised".to_owned(), alert("c-1", 2, "raised")),
        ("alert.raised".to_owned(), alert("c-2", 3, "raised")),
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
