//! Durability and tamper evidence over real HTTP: an acknowledged write survives `kill -9`, and
//! editing the database behind the server's back is reported by `GET /api/v1/audit/verify`
//! and by `deconflict audit verify`.

mod server_support;
use serde_json::json;
use server_support::{audit_verify, Server};

#[test]
fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::start(dir.path(), &[]);
    let cell = s.token("cell");
    let (st, _) = s.json(
        "POST",
        Some(&cell),
        "/api/v1/parties",
        Some(json!({"id":"blue","role":"party","sharing":{"mode":"proximity","range_nm":12.0}})),
    );
    assert_eq!(st, 201);
    let (st, tok) = s.json("POST", Some(&cell), "/api/v1/parties/blue/tokens", None);
    assert_eq!(st, 201);
    let blue = tok["token"].as_str().unwrap().to_owned();
    let (st, m) = s.json(
        "POST",
        Some(&blue),
        "/api/v1/messages",
        Some(json!({"to":"cell","subject":"durable","body":"written before the crash"})),
    );
    assert_eq!(st, 201);
    let (st, _) = s.json(
        "POST",
        Some(&cell),
        &format!("/api/v1/messages/{}/ack", m["id"]),
        None,
    );
    assert_eq!(st, 200);
    // No graceful shutdown: SIGKILL right after the acknowledged writes.
    s.kill9();

    let s = Server::start(dir.path(), &[]);
    let (st, list) = s.json("GET", Some(&blue), "/api/v1/messages", None);
    assert_eq!(st, 200, "the token issued before the crash still works");
    let msg = list["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["subject"] == "durable")
        .expect("message survived");
    assert_eq!(msg["acks"], json!(["cell"]));
    let (_, parties) = s.json("GET", Some(&cell), "/api/v1/parties", None);
    let blue_p = parties["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "blue")
        .unwrap();
    assert_eq!(blue_p["sharing"]["range_nm"], 12.0);
    let (_, v) = s.json("GET", Some(&cell), "/api/v1/audit/verify", None);
    assert_eq!(v["ok"], true, "{v}");
}

#[test]
fn tampering_is_detected_by_api_and_cli() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::start(dir.path(), &[]);
    let cell = s.token("cell");
    for i in 0..5 {
        let (st, _) = s.json(
            "POST",
            Some(&cell),
            "/api/v1/messages",
            Some(json!({"to":null,"body":format!("note {i}")})),
        );
        assert_eq!(st, 201);
    }
    let (_, v) = s.json("GET", Some(&cell), "/api/v1/audit/verify", None);
    assert_eq!(v["ok"], true);
    let n = v["entries"].as_i64().unwrap();
    assert!(n >= 7);
    let (_, log) = s.json("GET", Some(&cell), "/api/v1/audit?limit=3&after=2", None);
    assert_eq!(log["entries"].as_array().unwrap().len(), 3);
    assert_eq!(log["entries"][0]["seq"], 3);
    assert_eq!(audit_verify(dir.path()).0, 0);

    // Alter entry 4 behind the running server's back.
    let db = dir.path().join("deconflict.sqlite");
    let c = rusqlite::Connection::open(&db).unwrap();
    let actor4: String = c
        .query_row("SELECT actor FROM audit WHERE seq = 4", [], |r| r.get(0))
        .unwrap();
    assert_ne!(actor4, "someone-else");
    c.execute("UPDATE audit SET actor = 'someone-else' WHERE seq = 4", [])
        .unwrap();
    drop(c);
    let (_, v) = s.json("GET", Some(&cell), "/api/v1/audit/verify", None);
    assert_eq!(v["ok"], false);
    assert_eq!(v["first_bad_seq"], 4, "{v}");
    let (code, out) = audit_verify(dir.path());
    assert_eq!(code, 1);
    assert!(out.contains("seq 4"), "{out}");

    // Restore it: the log is intact again.
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute("UPDATE audit SET actor = ?1 WHERE seq = 4", [&actor4])
        .unwrap();
    drop(c);
    let (_, v) = s.json("GET", Some(&cell), "/api/v1/audit/verify", None);
    assert_eq!(v["ok"], true, "restored: {v}");
    let (code, out) = audit_verify(dir.path());
    assert_eq!((code, out.contains("intact")), (0, true), "{out}");

    // Stop the server, then remove entry 6 from the file.
    s.kill9();
    let c = rusqlite::Connection::open(&db).unwrap();
    assert_eq!(c.execute("DELETE FROM audit WHERE seq = 6", []).unwrap(), 1);
    drop(c);
    let (code, out) = audit_verify(dir.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("TAMPERED") && out.contains("seq 6") && out.contains("entry 6 is missing"),
        "{out}"
    );
    // A restarted server reports the same entry.
    let s = Server::start(dir.path(), &[]);
    let (_, v) = s.json("GET", Some(&cell), "/api/v1/audit/verify", None);
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!(v["first_bad_seq"], 6, "{v}");
}

#[test]
fn removal_and_reordering_are_detected() {
    for sql in [
        "DELETE FROM audit WHERE seq = 3",
        "UPDATE audit SET seq = -1 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = 4; UPDATE audit SET seq = 4 WHERE seq = -1",
        "DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let s = Server::start(dir.path(), &[]);
        let cell = s.token("cell");
        for i in 0..4 {
            s.json("POST", Some(&cell), "/api/v1/messages", Some(json!({"body":format!("n{i}")})));
        }
        let c = rusqlite::Connection::open(dir.path().join("deconflict.sqlite")).unwrap();
        c.execute_batch(sql).unwrap();
        drop(c);
        let (_, v) = s.json("GET", Some(&cell), "/api/v1/audit/verify", None);
        assert_eq!(v["ok"], false, "{sql}: {v}");
        assert!(v["first_bad_seq"].as_i64().is_some());
        let (code, out) = audit_verify(dir.path());
        assert_eq!(code, 1, "{sql}: {out}");
    }
}
