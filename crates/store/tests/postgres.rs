//! The PostgreSQL backend: the store's contract (`suite`, the same tests SQLite runs) against a
//! fresh database of a real server, and what this backend adds — several stores (nodes) writing
//! at once keep one audit chain, rows edited behind the log are found, a SQLite data directory
//! moves over with its chain intact.
//!
//! The server is a throwaway cluster that `scripts/test` starts (`scripts/pg-cluster`) and
//! names in `DECONFLICT_TEST_PG` (`postgres://postgres@127.0.0.1:PORT`); each test creates its
//! own database on it.

mod suite;

use deconflict_store::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use suite::Backend;

/// The test server's URL, without a database.
fn server() -> String {
    std::env::var("DECONFLICT_TEST_PG").unwrap_or_else(|_| {
        panic!(
            "DECONFLICT_TEST_PG is not set: these tests need a PostgreSQL server. Run scripts/test, \
             or start one with `scripts/pg-cluster start DIR` and export \
             DECONFLICT_TEST_PG=postgres://postgres@127.0.0.1:PORT"
        )
    })
}

/// A new, empty database on the test server; returns its URL.
pub fn fresh_database() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let base = server();
    let name = format!(
        "t_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        rand_suffix()
    );
    let out = std::process::Command::new("psql")
        .args([
            &format!("{base}/postgres"),
            "-q",
            "-c",
            &format!("CREATE DATABASE {name}"),
        ])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "CREATE DATABASE failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    format!("{base}/{name}")
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        .into()
}

/// A fresh database.
struct Postgres(String);

impl Postgres {
    fn fresh() -> Postgres {
        Postgres(fresh_database())
    }
    fn connect(&self) -> PostgresStore {
        PostgresStore::connect(&self.0, &PgOptions::default()).unwrap()
    }
}

impl Backend for Postgres {
    fn open(&self) -> Box<dyn Store> {
        Box::new(self.connect())
    }
}

suite::store_suite!(Postgres::fresh());

#[test]
fn several_nodes_writing_at_once_keep_one_chain() {
    let db = Postgres::fresh();
    let first = db.connect();
    suite::seed(&first);
    // Three "nodes" (stores with their own connections), two writers each.
    let nodes: Vec<PostgresStore> = (0..3).map(|_| db.connect()).collect();
    std::thread::scope(|s| {
        for (n, node) in nodes.iter().enumerate() {
            for w in 0..2 {
                s.spawn(move || {
                    for k in 0..15 {
                        node.send_message(
                            "blue",
                            &NewMessage {
                                from: "blue".into(),
                                to: Some("red".into()),
                                subject: format!("node {n} writer {w} #{k}"),
                                body: "x".into(),
                            },
                        )
                        .unwrap();
                        node.create_reservation(
                            "blue",
                            "reservation.file",
                            &RecordInput {
                                party: "blue".into(),
                                state: "accepted".into(),
                                body: serde_json::json!({"k": k}),
                            },
                        )
                        .unwrap();
                    }
                });
            }
        }
    });
    let entries = first.audit_entries(0, 10_000).unwrap();
    assert_eq!(
        entries.len(),
        3 + 3 * 2 * 15 * 2,
        "every acknowledged write is logged"
    );
    let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "one gapless chain"
    );
    let r = first.verify_audit().unwrap();
    assert!(r.ok, "{r:?}");
    assert_eq!(first.list_messages(None).unwrap().len(), 90);
    let ids: std::collections::BTreeSet<String> = first
        .list_reservations()
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids.len(), 90, "no reservation id given twice");
}

#[test]
fn rows_edited_behind_the_log_are_found() {
    for (sql, bad) in [
        ("UPDATE audit SET actor = 'red' WHERE seq = 2", "entry 2"),
        ("DELETE FROM audit WHERE seq = 3", "entry 3"),
        ("UPDATE parties SET sharing_mode = 'full' WHERE id = 'red'", "party red"),
        (
            "INSERT INTO messages (sender, recipient, subject, body, sent_at) VALUES ('blue', 'red', 'x', 'forged', 1.0)",
            "message",
        ),
    ] {
        let db = Postgres::fresh();
        let s = db.connect();
        suite::seed(&s);
        assert!(s.verify_audit().unwrap().ok);
        s.execute_raw(sql).unwrap();
        let r = s.verify_audit().unwrap();
        assert!(!r.ok, "{sql}: not found");
        let said = format!("{r:?}");
        assert!(
            said.contains(bad) || r.first_bad_seq.is_some(),
            "{sql}: {said}"
        );
    }
}

#[test]
fn a_sqlite_cell_moves_with_its_chain_intact() {
    let dir = tempfile::tempdir().unwrap();
    let from = SqliteStore::open(dir.path()).unwrap();
    suite::seed(&from);
    let m = from
        .send_message(
            "red",
            &NewMessage {
                from: "red".into(),
                to: Some("blue".into()),
                subject: "vacate".into(),
                body: "leave box K".into(),
            },
        )
        .unwrap();
    from.ack_message("blue", m.id, "blue").unwrap();
    from.create_token("cell", "t1", "blue", "abcd").unwrap();
    let r = from
        .create_reservation(
            "blue",
            "reservation.file",
            &RecordInput {
                party: "blue".into(),
                state: "accepted".into(),
                body: serde_json::json!({"name": "CAP", "alt_ft": 25000.5}),
            },
        )
        .unwrap();
    from.record_alerts(
        "engine",
        &[(
            "alert.raised".into(),
            suite::alert("c-1", 2, AlertState::Raised),
        )],
    )
    .unwrap();
    from.ack_alert("red", "c-1", "red").unwrap();
    from.put_document(
        "cell",
        "region.put",
        "regions",
        "tma",
        &serde_json::json!({"n": 1}),
        None,
    )
    .unwrap();
    let head = from.audit_head().unwrap();

    let db = Postgres::fresh();
    let to = db.connect();
    let report = moving::sqlite_to_postgres(&from, &to).unwrap();
    assert!(report.verified.ok, "{report:?}");
    assert_eq!(
        to.audit_head().unwrap(),
        head,
        "the same head on both sides"
    );
    assert_eq!(
        report.verified.entries,
        from.audit_entries(0, 1000).unwrap().len()
    );
    assert_eq!(to.get_reservation(&r.id).unwrap().unwrap(), r);
    assert_eq!(
        to.get_message(m.id, "blue").unwrap(),
        from.get_message(m.id, "blue").unwrap()
    );
    assert_eq!(to.get_alert("c-1").unwrap(), from.get_alert("c-1").unwrap());
    assert_eq!(to.list_tokens().unwrap(), from.list_tokens().unwrap());
    // The moved cell carries on: new ids follow the copied ones, and the chain goes on.
    let next = to
        .create_reservation(
            "blue",
            "reservation.file",
            &RecordInput {
                party: "blue".into(),
                state: "accepted".into(),
                body: serde_json::json!({}),
            },
        )
        .unwrap();
    assert_eq!(next.id, "r-2");
    let m2 = to
        .send_message(
            "blue",
            &NewMessage {
                from: "blue".into(),
                to: None,
                subject: "after".into(),
                body: "the move".into(),
            },
        )
        .unwrap();
    assert_eq!(m2.id, m.id + 1);
    assert!(to.verify_audit().unwrap().ok);
    // A second move into the same database is refused, and changes nothing.
    let again = moving::sqlite_to_postgres(&from, &to).unwrap_err();
    assert!(again.to_string().contains("database error"), "{again}");
    assert!(format!("{again:?}").contains("not empty"), "{again:?}");
    // A tampered source is not moved.
    from.execute_raw("UPDATE audit SET actor = 'red' WHERE seq = 2")
        .unwrap();
    let db2 = Postgres::fresh();
    let e = moving::sqlite_to_postgres(&from, &db2.connect()).unwrap_err();
    assert!(format!("{e:?}").contains("does not verify"), "{e:?}");
}

#[test]
fn a_database_written_by_a_newer_program_is_refused() {
    let db = Postgres::fresh();
    drop(db.connect());
    db.connect()
        .execute_raw("UPDATE deconflict_schema SET version = 999")
        .unwrap();
    match PostgresStore::connect(&db.0, &PgOptions::default()) {
        Err(StoreError::SchemaTooNew { found: 999, .. }) => {}
        other => panic!("expected SchemaTooNew, got {:?}", other.err()),
    }
}

/// The relay's cost at 20,000 aircraft relayed at 1 Hz, four batches a second
/// (`cluster.relay_s` 0.25) of 5,000 states each at the relay's encoded size, one node writing
/// and another reading: `cargo test -p deconflict-store --release --test postgres -- --ignored
/// relay_cost --nocapture` with DECONFLICT_TEST_PG set. A measurement, not a check: it prints.
#[test]
#[ignore]
fn relay_cost_at_20000_aircraft() {
    let pg = Postgres::fresh();
    let s = pg.connect();
    let state = |i: usize| {
        format!(
            r#"{{"id":"{:06X}","t":1764744000.25,"lat":48.{:05},"lon":11.{:05},"alt_ft":{},"gs_kt":452.3,"trk_deg":87.4,"vs_fpm":-64.0,"cs":"TST{:04}","sq":"4521","feed":"telemetry-blue","party":"blue","own":true}}"#,
            0xE00000 + i,
            i * 7 % 100_000,
            i * 13 % 100_000,
            20_000 + i % 200 * 100,
            i % 10_000
        )
    };
    let batch = |k: usize| {
        let v: Vec<String> = (0..5_000).map(|i| state(k * 5_000 + i)).collect();
        format!("[{}]", v.join(","))
    };
    let bytes = batch(0).len();
    let (mut write_ms, mut read_ms) = (Vec::new(), Vec::new());
    let mut after = 0;
    for second in 0..10 {
        for k in 0..4 {
            let b = batch(k);
            let t = Instant::now();
            s.relay_put("n1", second as f64 + k as f64 * 0.25, &b)
                .unwrap();
            write_ms.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            let got = s.relay_after(after, "n2", 64).unwrap();
            read_ms.push(t.elapsed().as_secs_f64() * 1e3);
            after = got.last().unwrap().id;
        }
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[v.len() - 1])
    };
    let ((wm, ww), (rm, rw)) = (med(&mut write_ms), med(&mut read_ms));
    println!(
        "relay at 20,000 aircraft/s: {} bytes per 5,000-state batch ({:.0} B/state, {:.1} MB/s); write median {wm:.1} ms worst {ww:.1} ms; read median {rm:.1} ms worst {rw:.1} ms (N = 40 batches)",
        bytes,
        bytes as f64 / 5_000.0,
        bytes as f64 * 4.0 / 1e6
    );
}
