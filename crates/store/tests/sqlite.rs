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
    let _ = s.revoke_token("cell", "missing");
    assert_eq!(s.verify_audit().unwrap().entries, 0);
}

fn tamper(dir: &std::path::Path, sql: &str) {
    let c = Connection::open(dir.join(DATABASE_FILE)).unwrap();
    c.execute_batch(sql).unwrap();
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
