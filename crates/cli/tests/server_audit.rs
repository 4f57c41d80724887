//! The audit log nobody can shorten or rewrite unseen, over real HTTP and the real CLI: signed
//! checkpoints served, pushed on the stream and proved against a forged log; rows edited behind
//! the log found through their content hashes.

mod server_support;

use deconflict_store::audit::entry_hash;
use deconflict_store::Checkpoint;
use futures::StreamExt;
use serde_json::{json, Value};
use server_support::{audit_verify, audit_verify_with, Server};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// Rewrites entry `seq`'s actor and recomputes every hash from there on, and the head: a
/// forger with write access to the file, whose log then verifies as intact.
fn forge_from(dir: &std::path::Path, seq: i64, actor: &str) {
    let db = rusqlite::Connection::open(dir.join(deconflict_store::DATABASE_FILE)).unwrap();
    let rows: Vec<(i64, f64, String, String, String, String)> = db
        .prepare("SELECT seq, time, actor, action, digest, prev_hash FROM audit ORDER BY seq")
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut prev: Option<String> = None;
    for (s, time, who, action, digest, prev_hash) in rows {
        if s < seq {
            continue;
        }
        let who = if s == seq { actor.to_owned() } else { who };
        let prev_hash = prev.clone().unwrap_or(prev_hash);
        let hash = entry_hash(s, time, &who, &action, &digest, &prev_hash);
        db.execute(
            "UPDATE audit SET actor = ?1, prev_hash = ?2, hash = ?3 WHERE seq = ?4",
            rusqlite::params![who, prev_hash, hash, s],
        )
        .unwrap();
        db.execute(
            "UPDATE audit_head SET seq = ?1, hash = ?2",
            rusqlite::params![s, hash],
        )
        .unwrap();
        prev = Some(hash);
    }
}

fn checkpoint_of(v: &Value) -> Checkpoint {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v}"))
}

#[test]
fn signed_checkpoints_reveal_a_log_rewritten_behind_the_cell() {
    let dir = tempfile::tempdir().unwrap();
    let cp_file = dir.path().join("kept-checkpoint.json");
    let kept = {
        let s = Server::demo(dir.path());
        let (blue, red) = (s.token("blue"), s.token("red"));
        // Any party gets the latest checkpoint; its signature verifies with the cell's key.
        let (st, v) = s.json("GET", Some(&blue), "/api/v1/audit/checkpoint", None);
        assert_eq!(st, 200, "{v}");
        let first = checkpoint_of(&v);
        assert_eq!(first.verify_signature(), Ok(()));
        assert_eq!(first.public_key.len(), 64);
        let (st, _) = s.json("GET", None, "/api/v1/audit/checkpoint", None);
        assert_eq!(st, 401);

        // The stream carries one after the snapshot, and each one signed on demand.
        let addr = s.addr.clone();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let mut ws = rt.block_on(async {
            let (mut ws, _) =
                tokio_tungstenite::connect_async(format!("ws://{addr}/api/v1/stream?token={blue}"))
                    .await
                    .unwrap();
            let mut types = Vec::new();
            for _ in 0..2 {
                if let Some(Ok(Message::Text(t))) = ws.next().await {
                    let v: Value = serde_json::from_str(&t).unwrap();
                    types.push(v["type"].as_str().unwrap_or("").to_owned());
                }
            }
            assert_eq!(types, ["snapshot", "audit_checkpoint"]);
            ws
        });
        // A change, then red asks for a checkpoint now: it covers the change, and blue's
        // stream receives it.
        let (st, m) = s.json(
            "POST",
            Some(&red),
            "/api/v1/messages",
            Some(json!({"to": "blue", "subject": "Notice", "body": "Exercise at 1400Z"})),
        );
        assert_eq!(st, 201, "{m}");
        let (st, v) = s.json("POST", Some(&red), "/api/v1/audit/checkpoint", None);
        assert_eq!(st, 201, "{v}");
        let now = checkpoint_of(&v);
        assert!(now.seq > first.seq, "{} <= {}", now.seq, first.seq);
        assert_eq!(now.public_key, first.public_key);
        let pushed = rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(10), async {
                while let Some(Ok(Message::Text(t))) = ws.next().await {
                    let v: Value = serde_json::from_str(&t).unwrap();
                    if v["type"] == "audit_checkpoint" && v["checkpoint"]["seq"] == now.seq {
                        return v;
                    }
                }
                panic!("stream ended");
            })
            .await
            .expect("no audit_checkpoint frame for the checkpoint signed on demand")
        });
        assert_eq!(checkpoint_of(&pushed["checkpoint"]), now);

        // The log extends both checkpoints; a hash it never had is refused.
        for cp in [&first, &now] {
            let (st, v) = s.json(
                "GET",
                Some(&blue),
                &format!(
                    "/api/v1/audit/consistency?seq={}&head_hash={}",
                    cp.seq, cp.head_hash
                ),
                None,
            );
            assert_eq!((st, &v["consistent"]), (200, &json!(true)), "{v}");
        }
        let (_, v) = s.json(
            "GET",
            Some(&blue),
            &format!(
                "/api/v1/audit/consistency?seq={}&head_hash={}",
                now.seq,
                "ab".repeat(32)
            ),
            None,
        );
        assert_eq!(v["consistent"], json!(false), "{v}");
        let (st, _) = s.json(
            "GET",
            Some(&blue),
            "/api/v1/audit/consistency?seq=1&head_hash=xyz",
            None,
        );
        assert_eq!(st, 422);
        std::fs::write(&cp_file, pushed.to_string()).unwrap();
        now
    };

    // The kept checkpoint is proved against the log as it is.
    let cp_arg = cp_file.to_str().unwrap();
    let (code, out) = audit_verify_with(dir.path(), &["--checkpoint", cp_arg]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("extends checkpoint {}", kept.seq)),
        "{out}"
    );

    // A forger rewrites entry 2 and recomputes every hash after it: the chain verifies...
    forge_from(dir.path(), 2, "red");
    let (code, out) = audit_verify(dir.path());
    assert_eq!(code, 0, "a recomputed chain is intact on its own: {out}");
    // ...but no longer extends the checkpoint the parties hold.
    let (code, out) = audit_verify_with(dir.path(), &["--checkpoint", cp_arg]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("does NOT extend") && out.contains("rewritten"),
        "{out}"
    );
    // A checkpoint with a changed field does not verify at all.
    let mut bad: Value = serde_json::from_str(&std::fs::read_to_string(&cp_file).unwrap()).unwrap();
    bad["checkpoint"]["seq"] = json!(kept.seq - 1);
    let bad_file = dir.path().join("bad-checkpoint.json");
    std::fs::write(&bad_file, bad.to_string()).unwrap();
    let (code, out) = audit_verify_with(dir.path(), &["--checkpoint", bad_file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("signature does not verify"), "{out}");

    // The cell, restarted on the forged file, answers a party's check truthfully.
    let s = Server::start(dir.path(), &["--demo"]);
    let blue = s.token("blue");
    let (_, v) = s.json(
        "GET",
        Some(&blue),
        &format!(
            "/api/v1/audit/consistency?seq={}&head_hash={}",
            kept.seq, kept.head_hash
        ),
        None,
    );
    assert_eq!(v["consistent"], json!(false), "{v}");
    assert!(v["problem"].as_str().unwrap().contains("rewritten"), "{v}");
}

#[test]
fn a_message_or_reservation_edited_behind_the_log_is_found() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Server::demo(dir.path());
        let (red, blue) = (s.token("red"), s.token("blue"));
        let (st, m) = s.json(
            "POST",
            Some(&red),
            "/api/v1/messages",
            Some(json!({"to": "blue", "subject": "Vacate", "body": "Leave box K by 1200Z"})),
        );
        assert_eq!(st, 201, "{m}");
        let (st, v) = s.json("GET", Some(&s.token("cell")), "/api/v1/audit/verify", None);
        assert_eq!((st, &v["ok"]), (200, &json!(true)), "{v}");
        drop(blue);
    }
    let (code, out) = audit_verify(dir.path());
    assert_eq!(code, 0, "{out}");
    let db = rusqlite::Connection::open(dir.path().join(deconflict_store::DATABASE_FILE)).unwrap();
    let id: i64 = db
        .query_row(
            "SELECT id FROM messages WHERE subject = 'Vacate'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    db.execute(
        "UPDATE messages SET body = 'Stay in box K' WHERE id = ?1",
        [id],
    )
    .unwrap();
    let (code, out) = audit_verify(dir.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("message {id} differs from its audited content")),
        "{out}"
    );
    db.execute(
        "UPDATE messages SET body = 'Leave box K by 1200Z' WHERE id = ?1",
        [id],
    )
    .unwrap();
    assert_eq!(audit_verify(dir.path()).0, 0);
    // The demo's reservations: one re-owned behind the log.
    db.execute(
        "UPDATE reservations SET party = 'red' WHERE id = (SELECT MIN(id) FROM reservations WHERE party = 'blue')",
        [],
    )
    .unwrap();
    let (code, out) = audit_verify(dir.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("reservation r-") && out.contains("changed outside the log"),
        "{out}"
    );
    // The API's verify says the same.
    drop(db);
    let s = Server::demo(dir.path());
    let (_, v) = s.json("GET", Some(&s.token("cell")), "/api/v1/audit/verify", None);
    assert_eq!(v["ok"], json!(false), "{v}");
    assert!(
        v["problem"].as_str().unwrap().contains("reservation r-"),
        "{v}"
    );
}
