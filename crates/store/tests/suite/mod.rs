//! The store's contract, written once against `&dyn Store` and run by every backend: records
//! round-trip, every change is audited (and a refused one is not), versions and identifiers
//! behave as documented, and acknowledgements follow their rules.
//!
//! A backend's test file declares `mod suite;`, implements [`Backend`] for a fresh, empty
//! database and calls [`store_suite!`] with it: that declares one `#[test]` per contract test.
//! Tests that only make sense for one backend (its file, its triggers) stay in that file.

// Each backend's file uses a different part of the helpers.
#![allow(dead_code)]

use deconflict_store::*;
use serde_json::json;
use std::collections::BTreeMap;

/// A fresh, empty database of one backend.
pub trait Backend {
    /// A store over this database; each call opens the same database again (to check what
    /// persists across a restart).
    fn open(&self) -> Box<dyn Store>;
}

/// Declares every contract test in the calling file, each run against a fresh backend made by
/// the given expression (of a type implementing [`Backend`]).
macro_rules! store_suite {
    ($fresh:expr) => {
        $crate::suite::contract_tests!(
            $fresh;
            parties_tokens_and_sharing_round_trip,
            alert_lifecycle_and_acks,
            messages_visibility_read_and_ack,
            documents_are_versioned,
            failed_change_leaves_no_audit_entry,
            reservations_get_ids_versions_and_audit,
            reservation_ids_are_never_reused,
            requests_are_versioned_apart_from_reservations,
            an_answer_and_its_reservation_are_one_change,
            bodies_are_stored_and_returned_as_given,
            intrusion_lifecycle_and_acks,
            intrusion_acks_persist,
            stale_intrusions_are_cleared,
            the_lease_is_taken_renewed_and_fences_the_old_holder,
            relayed_batches_reach_the_other_nodes_in_order,
        );
    };
}
pub(crate) use store_suite;

macro_rules! contract_tests {
    ($fresh:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let backend = $fresh;
                $crate::suite::$name(&backend);
            }
        )*
    };
}
pub(crate) use contract_tests;

/// An alert between red's `4840D6` and blue's `BLU001`.
pub fn alert(id: &str, level: u8, state: AlertState) -> AlertRecord {
    AlertRecord {
        id: id.into(),
        a: "4840D6".into(),
        b: "BLU001".into(),
        a_party: Some("red".into()),
        b_party: Some("blue".into()),
        level,
        state,
        raised_at: 100.0,
        updated_at: 100.0,
        cleared_at: None,
        acks: BTreeMap::new(),
        detail: json!({"tcpa_s": 60.0}),
    }
}

/// Registers blue, red and the cell (three audit entries).
pub fn seed(s: &dyn Store) {
    for p in [
        Party::new("blue", "Blue", Role::Party, Sharing::full()),
        Party::new("red", "Red", Role::Party, Sharing::alerts_only()),
        Party::new("cell", "Cell", Role::Cell, Sharing::full()),
    ] {
        s.create_party("system", &p).unwrap();
    }
}

fn seeded(b: &dyn Backend) -> Box<dyn Store> {
    let s = b.open();
    seed(s.as_ref());
    s
}

fn actions(s: &dyn Store) -> Vec<String> {
    s.audit_entries(0, 1000)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

pub fn parties_tokens_and_sharing_round_trip(b: &dyn Backend) {
    let s = seeded(b);
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
    let s = b.open();
    assert_eq!(s.list_parties().unwrap().len(), 3);
    assert!(s.get_token("t1").unwrap().unwrap().revoked);
    assert_eq!(s.get_party("blue").unwrap().unwrap().sharing.range_nm, 10.0);
    let r = s.verify_audit().unwrap();
    assert!(r.ok, "{r:?}");
    assert_eq!(r.entries, 6);
}

pub fn alert_lifecycle_and_acks(b: &dyn Backend) {
    let s = seeded(b);
    s.upsert_alert(
        "engine",
        "alert.raised",
        &alert("c-1", 1, AlertState::Raised),
    )
    .unwrap();
    let a = s.ack_alert("blue", "c-1", "blue").unwrap();
    assert_eq!(a.acks.get("blue"), Some(&true));
    assert_eq!(a.acks.get("red"), Some(&false));
    // Same level: ack kept. Escalation: ack reset.
    s.upsert_alert(
        "engine",
        "alert.updated",
        &alert("c-1", 1, AlertState::Updated),
    )
    .unwrap();
    assert_eq!(
        s.get_alert("c-1").unwrap().unwrap().acks.get("blue"),
        Some(&true)
    );
    s.upsert_alert(
        "engine",
        "alert.updated",
        &alert("c-1", 3, AlertState::Updated),
    )
    .unwrap();
    assert_eq!(
        s.get_alert("c-1").unwrap().unwrap().acks.get("blue"),
        Some(&false)
    );
    assert_eq!(s.list_alerts(None).unwrap().len(), 1);
    let mut c = alert("c-1", 3, AlertState::Cleared);
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

pub fn messages_visibility_read_and_ack(b: &dyn Backend) {
    let s = seeded(b);
    let msg = |from: &str, to: Option<&str>, subject: &str| NewMessage {
        from: from.into(),
        to: to.map(str::to_owned),
        subject: subject.into(),
        body: "b".into(),
    };
    let m1 = s
        .send_message("blue", &msg("blue", Some("red"), "s"))
        .unwrap();
    s.send_message("red", &msg("red", None, "all")).unwrap();
    s.send_message("cell", &msg("cell", Some("cell"), "x"))
        .unwrap();
    assert_eq!(s.list_messages(Some("blue")).unwrap().len(), 2);
    assert_eq!(s.list_messages(Some("red")).unwrap().len(), 2);
    assert_eq!(s.list_messages(None).unwrap().len(), 3);
    assert!(!s.get_message(m1.id, "red").unwrap().unwrap().read);
    assert!(s.mark_message_read("red", m1.id, "red").unwrap().read);
    let m = s.ack_message("red", m1.id, "red").unwrap();
    assert_eq!(m.acks, vec!["red".to_string()]);
    // Followed by id: everything after a given one, in order, at most `limit`.
    let all: Vec<i64> = s
        .list_messages(None)
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    let after: Vec<i64> = s
        .messages_after(m1.id, 10)
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(after, all[1..].to_vec());
    assert_eq!(s.messages_after(0, 1).unwrap()[0].id, m1.id);
    assert_eq!(s.messages_after(0, 1).unwrap()[0].acks, ["red"]);
    assert!(s.messages_after(all[2], 10).unwrap().is_empty());
}

pub fn documents_are_versioned(b: &dyn Backend) {
    let s = b.open();
    let put = |action: &str, body: serde_json::Value, version: Option<i64>| {
        s.put_document("red", action, "regions", "z-1", &body, version)
    };
    assert_eq!(put("region.add", json!({"a": 1}), None).unwrap(), 1);
    assert!(matches!(
        put("region.add", json!({}), None),
        Err(StoreError::AlreadyExists { .. })
    ));
    assert!(matches!(
        put("region.update", json!({}), Some(5)),
        Err(StoreError::StaleVersion { current: 1, .. })
    ));
    assert!(matches!(
        s.put_document(
            "red",
            "region.update",
            "regions",
            "z-9",
            &json!({}),
            Some(1)
        ),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(put("region.update", json!({"a": 2}), Some(1)).unwrap(), 2);
    assert_eq!(
        s.get_document("regions", "z-1").unwrap().unwrap(),
        (json!({"a": 2}), 2)
    );
    assert_eq!(s.get_document("other", "z-1").unwrap(), None);
    assert_eq!(s.list_documents("regions").unwrap().len(), 1);
    assert_eq!(actions(s.as_ref()), ["region.add", "region.update"]);
    assert!(s.verify_audit().unwrap().ok);
}

pub fn failed_change_leaves_no_audit_entry(b: &dyn Backend) {
    let s = b.open();
    assert!(matches!(
        s.revoke_token("cell", "missing"),
        Err(StoreError::NotFound { kind: "token", .. })
    ));
    assert!(matches!(
        s.ack_intrusion("blue", "i-9", "blue"),
        Err(StoreError::NotFound {
            kind: "intrusion",
            ..
        })
    ));
    assert!(matches!(
        s.update_request(
            "blue",
            "request.accept",
            "q-9",
            1,
            &change("accepted", json!({}))
        ),
        Err(StoreError::NotFound {
            kind: "request",
            ..
        })
    ));
    assert_eq!(s.verify_audit().unwrap().entries, 0);
}

fn input(party: &str, state: &str, body: serde_json::Value) -> RecordInput {
    RecordInput {
        party: party.into(),
        state: state.into(),
        body,
    }
}

fn change(state: &str, body: serde_json::Value) -> RecordChange {
    RecordChange {
        state: state.into(),
        body,
    }
}

pub fn reservations_get_ids_versions_and_audit(b: &dyn Backend) {
    let s = b.open();
    let a = s
        .create_reservation(
            "blue",
            "reservation.file",
            &input("blue", "accepted", json!({"name": "a"})),
        )
        .unwrap();
    let b2 = s
        .create_reservation(
            "red",
            "reservation.file",
            &input("red", "proposed", json!({"name": "b"})),
        )
        .unwrap();
    assert_eq!((a.id.as_str(), b2.id.as_str()), ("r-1", "r-2"));
    assert_eq!((a.version, a.party.as_str()), (1, "blue"));
    assert_eq!(a.created_at, a.updated_at);
    let up = s
        .update_reservation(
            "blue",
            "reservation.update",
            "r-1",
            Some(1),
            &change("accepted", json!({"name": "c"})),
        )
        .unwrap();
    assert_eq!(up.version, 2);
    assert_eq!(up.created_at, a.created_at);
    assert!(up.updated_at >= a.updated_at);
    assert_eq!(up.body, json!({"name": "c"}));
    match s.update_reservation(
        "blue",
        "reservation.update",
        "r-1",
        Some(1),
        &change("accepted", json!({})),
    ) {
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
            &change("active", json!({"name": "c"})),
        )
        .unwrap();
    assert_eq!(st.version, 2);
    let got = s.get_reservation("r-1").unwrap().unwrap();
    assert_eq!((got.state.as_str(), got.version), ("active", 2));
    assert_eq!(got, st);
    assert_eq!(s.list_reservations().unwrap().len(), 2);
    assert!(matches!(
        s.update_reservation("x", "y", "r-9", Some(1), &change("accepted", json!({}))),
        Err(StoreError::NotFound { .. })
    ));
    let many = s
        .create_reservations(
            "blue",
            "reservation.import",
            &[
                input("blue", "accepted", json!({"n": 1})),
                input("blue", "accepted", json!({"n": 2})),
            ],
        )
        .unwrap();
    assert_eq!((many[0].id.as_str(), many[1].id.as_str()), ("r-3", "r-4"));
    let listed: Vec<String> = s
        .list_reservations()
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(listed, ["r-1", "r-2", "r-3", "r-4"], "in filing order");
    // file, file, update, state, 2 × import; the failed updates left none.
    assert_eq!(
        actions(s.as_ref()),
        [
            "reservation.file",
            "reservation.file",
            "reservation.update",
            "reservation.active",
            "reservation.import",
            "reservation.import"
        ]
    );
    let moved = s
        .advance_reservations(
            "engine",
            &[
                (
                    "reservation.active".into(),
                    "r-3".into(),
                    change("active", json!({"n": 1})),
                ),
                (
                    "reservation.ended".into(),
                    "r-4".into(),
                    change("ended", json!({"n": 2})),
                ),
            ],
        )
        .unwrap();
    assert_eq!((moved[0].version, moved[1].state.as_str()), (1, "ended"));
    assert!(s.advance_reservations("engine", &[]).unwrap().is_empty());
    assert_eq!(s.audit_entries(0, 100).unwrap().len(), 8);
    assert!(s.verify_audit().unwrap().ok);
}

pub fn reservation_ids_are_never_reused(b: &dyn Backend) {
    let s = b.open();
    for _ in 0..2 {
        s.create_reservation(
            "blue",
            "reservation.file",
            &input("blue", "accepted", json!({})),
        )
        .unwrap();
    }
    drop(s);
    let s = b.open();
    let r = s
        .create_reservation(
            "blue",
            "reservation.file",
            &input("blue", "accepted", json!({})),
        )
        .unwrap();
    assert_eq!(r.id, "r-3");
}

pub fn requests_are_versioned_apart_from_reservations(b: &dyn Backend) {
    let s = b.open();
    s.create_reservation(
        "blue",
        "reservation.file",
        &input("blue", "accepted", json!({})),
    )
    .unwrap();
    let q = s
        .create_request(
            "red",
            "request.vacate",
            &input("red", "pending", json!({"to": "blue"})),
        )
        .unwrap();
    assert_eq!(
        (q.id.as_str(), q.party.as_str(), q.version),
        ("q-1", "red", 1)
    );
    let q2 = s
        .update_request(
            "blue",
            "request.accept",
            "q-1",
            1,
            &change("accepted", json!({"to": "blue", "answered": true})),
        )
        .unwrap();
    assert_eq!((q2.version, q2.state.as_str()), (2, "accepted"));
    assert_eq!(q2.party, "red", "the sender stays the owner");
    assert!(matches!(
        s.update_request(
            "blue",
            "request.decline",
            "q-1",
            1,
            &change("declined", json!({}))
        ),
        Err(StoreError::StaleVersion { current: 2, .. })
    ));
    assert_eq!(s.get_request("q-1").unwrap().unwrap(), q2);
    assert_eq!(s.get_request("r-1").unwrap(), None);
    assert_eq!(s.list_requests().unwrap(), [q2]);
    assert_eq!(s.list_reservations().unwrap().len(), 1);
    assert!(s.verify_audit().unwrap().ok);
}

pub fn bodies_are_stored_and_returned_as_given(b: &dyn Backend) {
    let s = b.open();
    // The store's typed fields win; the body is not read nor completed, whatever it says.
    let body = json!({"id": "mine", "state": "not-a-state", "version": 99, "n": 1.1, "x": [1, {"y": null}]});
    let r = s
        .create_reservation(
            "blue",
            "reservation.file",
            &input("blue", "accepted", body.clone()),
        )
        .unwrap();
    assert_eq!(
        (r.id.as_str(), r.state.as_str(), r.version),
        ("r-1", "accepted", 1)
    );
    assert_eq!(r.body, body);
    assert_eq!(s.get_reservation("r-1").unwrap().unwrap().body, body);
    // Not even an object.
    let q = s
        .create_request(
            "red",
            "request.notice",
            &input("red", "pending", json!("text")),
        )
        .unwrap();
    assert_eq!(s.get_request(&q.id).unwrap().unwrap().body, json!("text"));
    let mut i = intrusion("i-1", 1, AlertState::Raised, None);
    i.body = json!([0.1, "opaque"]);
    s.record_intrusions("engine", &[("intrusion.raised".into(), i)])
        .unwrap();
    let stored = s.ack_intrusion("blue", "i-1", "blue").unwrap();
    assert_eq!(stored.body, json!([0.1, "opaque"]));
}

fn intrusion(id: &str, level: u8, state: AlertState, cleared_at: Option<f64>) -> IntrusionInput {
    IntrusionInput {
        id: id.into(),
        track_id: "RED1".into(),
        track_party: Some("red".into()),
        reservation_id: "r-1".into(),
        volume_party: "blue".into(),
        level,
        state,
        raised_at: 10.0,
        updated_at: 10.0,
        cleared_at,
        body: json!({"level": level, "acks": {"blue": false}, "name": "Blue op"}),
    }
}

fn acks(pairs: &[(&str, bool)]) -> BTreeMap<String, bool> {
    pairs.iter().map(|(p, a)| (p.to_string(), *a)).collect()
}

pub fn intrusion_lifecycle_and_acks(b: &dyn Backend) {
    let s = b.open();
    let raised = intrusion("i-1", 2, AlertState::Raised, None);
    s.record_intrusions("engine", &[("intrusion.raised".into(), raised.clone())])
        .unwrap();
    let listed = s.list_intrusions(None).unwrap();
    assert_eq!(listed.len(), 1);
    let i = &listed[0];
    assert_eq!(
        (i.id.as_str(), i.level, i.state, i.track_party.as_deref()),
        ("i-1", 2, AlertState::Raised, Some("red"))
    );
    assert_eq!(
        i.acks,
        acks(&[("blue", false), ("red", false)]),
        "both sides"
    );
    assert_eq!(i.body, raised.body);
    let acked = s.ack_intrusion("blue", "i-1", "blue").unwrap();
    assert_eq!(acked.acks, acks(&[("blue", true), ("red", false)]));
    assert_eq!(
        acked.body, raised.body,
        "the acknowledgement is not in the body"
    );
    // A later event at the same level keeps the acknowledgement; an escalation does not.
    let same = intrusion("i-1", 2, AlertState::Updated, None);
    s.record_intrusions("engine", &[("intrusion.updated".into(), same)])
        .unwrap();
    assert!(s.get_intrusion("i-1").unwrap().unwrap().acks["blue"]);
    let lower = intrusion("i-1", 1, AlertState::Updated, None);
    s.record_intrusions("engine", &[("intrusion.updated".into(), lower)])
        .unwrap();
    assert!(s.get_intrusion("i-1").unwrap().unwrap().acks["blue"]);
    let higher = intrusion("i-1", 3, AlertState::Updated, None);
    s.record_intrusions("engine", &[("intrusion.updated".into(), higher)])
        .unwrap();
    let up = s.get_intrusion("i-1").unwrap().unwrap();
    assert_eq!(up.level, 3);
    assert_eq!(up.acks, acks(&[("blue", false), ("red", false)]));
    s.ack_intrusion("red", "i-1", "red").unwrap();
    // Cleared: no longer active, still listed among the recently cleared, acks kept.
    let cleared = intrusion("i-1", 3, AlertState::Cleared, Some(20.0));
    s.record_intrusions("engine", &[("intrusion.cleared".into(), cleared)])
        .unwrap();
    assert!(s.list_intrusions(None).unwrap().is_empty());
    let recent = s.list_intrusions(Some(15.0)).unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!(
        (recent[0].state, recent[0].cleared_at),
        (AlertState::Cleared, Some(20.0))
    );
    assert_eq!(recent[0].acks, acks(&[("blue", false), ("red", true)]));
    assert!(s.list_intrusions(Some(25.0)).unwrap().is_empty());
    // Unowned traffic: only the volume's owner acknowledges.
    let mut civil = intrusion("i-2", 1, AlertState::Raised, None);
    civil.track_party = None;
    civil.raised_at = 30.0;
    s.record_intrusions("engine", &[("intrusion.raised".into(), civil)])
        .unwrap();
    assert_eq!(
        s.get_intrusion("i-2").unwrap().unwrap().acks,
        acks(&[("blue", false)])
    );
    assert_eq!(s.get_intrusion("i-9").unwrap(), None);
    assert_eq!(
        actions(s.as_ref()),
        [
            "intrusion.raised",
            "intrusion.ack",
            "intrusion.updated",
            "intrusion.updated",
            "intrusion.updated",
            "intrusion.ack",
            "intrusion.cleared",
            "intrusion.raised"
        ]
    );
    assert!(s.verify_audit().unwrap().ok);
}

pub fn intrusion_acks_persist(b: &dyn Backend) {
    let s = b.open();
    let events: Vec<(String, IntrusionInput)> = ["i-1", "i-2"]
        .iter()
        .map(|id| {
            (
                "intrusion.raised".into(),
                intrusion(id, 1, AlertState::Raised, None),
            )
        })
        .collect();
    s.record_intrusions("engine", &events).unwrap();
    s.ack_intrusion("red", "i-2", "red").unwrap();
    drop(s);
    let s = b.open();
    let listed = s.list_intrusions(None).unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1].acks, acks(&[("blue", false), ("red", true)]));
    assert_eq!(s.audit_entries(0, 10).unwrap().len(), 3);
}

pub fn stale_intrusions_are_cleared(b: &dyn Backend) {
    let s = b.open();
    let done = intrusion("i-1", 1, AlertState::Cleared, Some(20.0));
    let active = intrusion("i-2", 2, AlertState::Raised, None);
    s.record_intrusions(
        "engine",
        &[
            ("intrusion.cleared".into(), done),
            ("intrusion.raised".into(), active.clone()),
        ],
    )
    .unwrap();
    s.ack_intrusion("blue", "i-2", "blue").unwrap();
    assert_eq!(s.clear_stale_intrusions("system").unwrap(), 1);
    assert!(s.list_intrusions(None).unwrap().is_empty());
    let i = s.get_intrusion("i-2").unwrap().unwrap();
    assert_eq!(i.state, AlertState::Cleared);
    let t = i.cleared_at.expect("a clearing time");
    assert_eq!(i.updated_at, t);
    assert_eq!((i.raised_at, i.level), (10.0, 2));
    assert_eq!(i.body, active.body);
    assert!(i.acks["blue"]);
    let last = s.audit_entries(3, 10).unwrap();
    assert_eq!(last.len(), 1);
    assert_eq!(
        (last[0].actor.as_str(), last[0].action.as_str()),
        ("system", "intrusion.cleared")
    );
    assert_eq!(s.clear_stale_intrusions("system").unwrap(), 0);
    assert_eq!(
        s.audit_entries(0, 10).unwrap().len(),
        4,
        "nothing left to clear, nothing audited"
    );
    assert!(s.verify_audit().unwrap().ok);
}

pub fn an_answer_and_its_reservation_are_one_change(b: &dyn Backend) {
    let s = b.open();
    s.create_request(
        "red",
        "request.vacate",
        &input("red", "pending", json!({"to": "blue"})),
    )
    .unwrap();
    let exclusion = input(
        "red",
        "accepted",
        json!({"purpose": "exclusion", "request_id": "q-1"}),
    );
    let naming =
        |r: &StrategicRecord| change("accepted", json!({"to": "blue", "exclusion_id": r.id}));
    // A stale answer creates nothing.
    let before = s.verify_audit().unwrap().entries;
    assert!(matches!(
        s.answer_request_with_reservation(
            "blue",
            "request.accept",
            "q-1",
            7,
            "exclusion.create",
            &exclusion,
            &naming
        ),
        Err(StoreError::StaleVersion { current: 1, .. })
    ));
    assert!(s.list_reservations().unwrap().is_empty());
    assert_eq!(s.verify_audit().unwrap().entries, before);
    // The answer names the reservation created with it; two audit entries.
    let (q, r) = s
        .answer_request_with_reservation(
            "blue",
            "request.accept",
            "q-1",
            1,
            "exclusion.create",
            &exclusion,
            &naming,
        )
        .unwrap();
    assert_eq!((q.version, q.state.as_str()), (2, "accepted"));
    assert_eq!(q.body["exclusion_id"], json!(r.id));
    assert_eq!(
        (r.party.as_str(), r.body["request_id"].as_str()),
        ("red", Some("q-1"))
    );
    assert_eq!(s.list_reservations().unwrap(), [r]);
    assert_eq!(
        actions(s.as_ref())
            .iter()
            .rev()
            .take(2)
            .rev()
            .collect::<Vec<_>>(),
        ["exclusion.create", "request.accept"]
    );
    assert!(s.verify_audit().unwrap().ok);
}

pub fn the_lease_is_taken_renewed_and_fences_the_old_holder(b: &dyn Backend) {
    let s = seeded(b);
    assert_eq!(s.lease().unwrap(), None);
    let first = s.claim_lease("n1", 100.0, 3.0).unwrap();
    assert_eq!(
        (first.holder.as_str(), first.epoch, first.expires_at),
        ("n1", 1, 103.0)
    );
    // Held and not lapsed: another node gets it as it is.
    let other = s.claim_lease("n2", 101.0, 3.0).unwrap();
    assert_eq!((other.holder.as_str(), other.epoch), ("n1", 1));
    // Renewed by its holder: same epoch, later expiry, nothing logged.
    let renewed = s.claim_lease("n1", 102.0, 3.0).unwrap();
    assert_eq!((renewed.epoch, renewed.expires_at), (1, 105.0));
    let leaders = |s: &dyn Store| actions(s).iter().filter(|a| *a == "cell.leader").count();
    assert_eq!(leaders(s.as_ref()), 1);
    // Lapsed: taken over at the next epoch, logged.
    let taken = s.claim_lease("n2", 106.0, 3.0).unwrap();
    assert_eq!((taken.holder.as_str(), taken.epoch), ("n2", 2));
    assert_eq!(leaders(s.as_ref()), 2);

    // The old holder, fenced to its epoch, can no longer write alert lifecycles.
    s.set_fence(Some(("n1".into(), 1)));
    let e = s
        .record_alerts(
            "engine",
            &[("alert.raised".into(), alert("c-9", 2, AlertState::Raised))],
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Fenced {
                epoch: 2,
                fenced_epoch: 1,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        s.get_alert("c-9").unwrap(),
        None,
        "nothing of the fenced write is kept"
    );
    assert!(matches!(
        s.record_intrusions(
            "engine",
            &[(
                "intrusion.raised".into(),
                intrusion("i-1", 1, AlertState::Raised, None)
            )]
        ),
        Err(StoreError::Fenced { .. })
    ));
    // A party's own writes are not fenced (any node serves them).
    s.ack_message(
        "blue",
        s.send_message(
            "red",
            &NewMessage {
                from: "red".into(),
                to: Some("blue".into()),
                subject: "s".into(),
                body: "b".into(),
            },
        )
        .unwrap()
        .id,
        "blue",
    )
    .unwrap();
    // The new holder writes.
    s.set_fence(Some(("n2".into(), 2)));
    s.record_alerts(
        "engine",
        &[("alert.raised".into(), alert("c-9", 2, AlertState::Raised))],
    )
    .unwrap();
    // A clean release lets another node take it at once.
    s.release_lease("n2").unwrap();
    let back = s.claim_lease("n1", 106.5, 3.0).unwrap();
    assert_eq!((back.holder.as_str(), back.epoch), ("n1", 3));
    s.set_fence(None);
    assert!(s.verify_audit().unwrap().ok);
}

pub fn relayed_batches_reach_the_other_nodes_in_order(b: &dyn Backend) {
    let s = seeded(b);
    assert_eq!(s.relay_head().unwrap(), 0);
    let before = actions(s.as_ref()).len();
    let a1 = s.relay_put("n1", 100.0, r#"[{"id":"A"}]"#).unwrap();
    let b1 = s.relay_put("n2", 101.0, r#"[{"id":"B"}]"#).unwrap();
    let a2 = s.relay_put("n1", 102.0, r#"[{"id":"C"}]"#).unwrap();
    assert!(a1 < b1 && b1 < a2, "ids grow: {a1} {b1} {a2}");
    assert_eq!(s.relay_head().unwrap(), a2);
    assert_eq!(
        actions(s.as_ref()).len(),
        before,
        "the relay is not audited"
    );
    // A node reads what the others wrote, never its own, oldest first, from where it was.
    let for_n2 = s.relay_after(0, "n2", 10).unwrap();
    let got: Vec<(&str, &str)> = for_n2
        .iter()
        .map(|r| (r.node.as_str(), r.states.as_str()))
        .collect();
    assert_eq!(got, [("n1", r#"[{"id":"A"}]"#), ("n1", r#"[{"id":"C"}]"#)]);
    assert_eq!(for_n2[0].time_s, 100.0);
    assert_eq!(s.relay_after(a1, "n2", 10).unwrap().len(), 1);
    assert_eq!(
        s.relay_after(0, "n2", 1).unwrap().len(),
        1,
        "the limit holds"
    );
    assert_eq!(s.relay_after(0, "n3", 10).unwrap().len(), 3);
    // Pruned by age; the head and the ids after it are not reused.
    assert_eq!(s.relay_prune(101.5).unwrap(), 2);
    assert_eq!(s.relay_after(0, "n3", 10).unwrap().len(), 1);
    let next = s.relay_put("n3", 103.0, "[]").unwrap();
    assert!(next > a2);
}
