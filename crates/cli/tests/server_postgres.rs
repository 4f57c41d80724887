//! The cell on PostgreSQL, over loopback against a throwaway server (`DECONFLICT_TEST_PG`):
//! `serve --demo` with `DATABASE_URL` seeds an empty database; a write the server acknowledged
//! survives `kill -9`; a node started later against the same database joins without seeding;
//! `audit verify --store URL` checks the chain there (and finds a row edited behind it); and a
//! SQLite cell moves over with `store migrate` and carries on from PostgreSQL.

mod server_support;
use serde_json::json;
use server_support::{deconflict, fresh_pg_database, psql, Server};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn messages_to_blue(s: &Server, blue: &str) -> Vec<i64> {
    let (st, v) = s.json("GET", Some(blue), "/api/v1/messages", None);
    assert_eq!(st, 200, "{v}");
    v["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn acknowledged_writes_survive_kill_9_and_a_second_node_joins_without_seeding() {
    let url = fresh_pg_database();
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let env = [("DATABASE_URL", url.as_str())];
    let mut first = Server::start_with_env(d1.path(), &["--demo"], &env);
    let (red, blue) = (first.token("red"), first.token("blue"));
    let seeded = first.wait_for(10, |s| {
        let (_, v) = s.json("GET", Some(&blue), "/api/v1/reservations", None);
        v["reservations"].as_array().is_some_and(|r| !r.is_empty())
    });
    assert!(seeded, "the demo was seeded into PostgreSQL");

    // Red sends messages to blue as fast as the server takes them; the server is killed
    // while it does.
    let acked = Arc::new(Mutex::new(Vec::new()));
    let writer = {
        let (url, red, acked) = (first.url("/api/v1/messages"), red.clone(), acked.clone());
        std::thread::spawn(move || {
            let c = reqwest::blocking::Client::new();
            for k in 0.. {
                let r = c
                    .post(&url)
                    .bearer_auth(&red)
                    .json(&json!({"to": "blue", "subject": format!("m{k}"), "body": "x"}))
                    .timeout(Duration::from_secs(5))
                    .send();
                match r {
                    Ok(r) if r.status() == 201 => {
                        let v: serde_json::Value = r.json().unwrap();
                        acked.lock().unwrap().push(v["id"].as_i64().unwrap());
                    }
                    _ => break,
                }
            }
        })
    };
    let t0 = Instant::now();
    while acked.lock().unwrap().len() < 20 && t0.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    first.kill9();
    writer.join().unwrap();
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 20,
        "only {} writes acknowledged",
        acked.len()
    );

    // A node started later against the same database joins: no seeding, no new tokens, the
    // first node's tokens work, and every acknowledged write is there.
    let second = Server::start_with_env(d2.path(), &["--demo"], &env);
    assert!(
        !d2.path().join("demo-tokens.json").exists(),
        "a joining node issues no tokens"
    );
    let stored = messages_to_blue(&second, &blue);
    let lost: Vec<&i64> = acked.iter().filter(|id| !stored.contains(id)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    let (_, v) = second.json("GET", Some(&blue), "/api/v1/reservations", None);
    let names: Vec<&str> = v["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    let once = names.iter().filter(|n| **n == names[0]).count();
    assert_eq!(once, 1, "the demo was not seeded twice: {names:?}");
    drop(second);

    let (code, out) = deconflict(&["audit", "verify", "--store", &url]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("audit log intact"), "{out}");
    psql(&url, "UPDATE audit SET actor = 'mallory' WHERE seq = 2");
    let (code, out) = deconflict(&["audit", "verify", "--store", &url]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("first bad entry seq 2"), "{out}");
}

#[test]
fn a_sqlite_cell_moves_to_postgresql_and_carries_on_there() {
    let dir = tempfile::tempdir().unwrap();
    let mut cell = Server::demo(dir.path());
    let (red, blue) = (cell.token("red"), cell.token("blue"));
    let (st, m) = cell.json(
        "POST",
        Some(&red),
        "/api/v1/messages",
        Some(json!({"to": "blue", "subject": "before the move", "body": "x"})),
    );
    assert_eq!(st, 201, "{m}");
    cell.kill9();

    let url = fresh_pg_database();
    let from = format!("sqlite:{}", dir.path().display());
    let (code, out) = deconflict(&["store", "migrate", "--from", &from, "--to", &url]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("audit log intact"), "{out}");
    // Into a database that is no longer empty: refused.
    let (code, out) = deconflict(&["store", "migrate", "--from", &from, "--to", &url]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not empty"), "{out}");

    let moved = tempfile::tempdir().unwrap();
    let s = Server::start_with_env(moved.path(), &["--demo"], &[("DATABASE_URL", &url)]);
    assert!(messages_to_blue(&s, &blue).contains(&m["id"].as_i64().unwrap()));
    let (st, v) = s.json(
        "POST",
        Some(&red),
        "/api/v1/messages",
        Some(json!({"to": "blue", "subject": "after the move", "body": "x"})),
    );
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["id"].as_i64(), Some(m["id"].as_i64().unwrap() + 1));
    drop(s);
    let (code, out) = deconflict(&["audit", "verify", "--store", &url]);
    assert_eq!(code, 0, "{out}");
}
