//! Three nodes, one cell, over loopback against a throwaway PostgreSQL (`DECONFLICT_TEST_PG`).
//!
//! One `deconflict simulate feed` serves the same traffic to three `serve --demo` nodes
//! (connect-mode SBS feed); the first seeds the demo, the other two join. Messages go in through
//! whichever nodes are alive while the leader is `kill -9`ed, again and again, mid-write; each
//! time a reservation is filed through a different node. Checked: another node leads within 3 s
//! at a higher lease epoch; the open alerts keep their ids across the takeover; followers list
//! the leader's alert ids; nothing acknowledged is lost; the reservations are listed by every
//! node; the audit chain verifies; and a WebSocket client of a follower gets the alerts and a
//! message sent through another node.

mod server_support;
use futures::StreamExt;
use serde_json::{json, Value};
use server_support::strategic::{now, square, vol};
use server_support::{deconflict, fresh_pg_database, Server};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

const NODES: [&str; 3] = ["node-a", "node-b", "node-c"];
/// How many times the leader is killed (`DECONFLICT_CLUSTER_KILLS` overrides, e.g. 20 for
/// the README's figures).
fn kills() -> usize {
    std::env::var("DECONFLICT_CLUSTER_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(5)
}

/// A WebSocket client of one node: every alert id it was told of (snapshot or alert frame),
/// and when it was connected (UNIX seconds; `until` set when the stream ended).
struct Watcher {
    seen: Arc<Mutex<BTreeSet<String>>>,
    from: f64,
    until: Arc<Mutex<Option<f64>>>,
}

fn watch(rt: &tokio::runtime::Runtime, addr: &str, cell: &str) -> Watcher {
    let url = format!("ws://{addr}/api/v1/stream?token={cell}&picture=none");
    let (mut ws, _) = rt
        .block_on(tokio_tungstenite::connect_async(url))
        .expect("stream connects");
    let seen = Arc::new(Mutex::new(BTreeSet::new()));
    let until = Arc::new(Mutex::new(None));
    let (s2, u2) = (seen.clone(), until.clone());
    let from = now();
    rt.spawn(async move {
        while let Some(Ok(m)) = ws.next().await {
            let Message::Text(t) = m else { continue };
            let Ok(v) = serde_json::from_str::<Value>(&t) else {
                continue;
            };
            let mut seen = s2.lock().unwrap();
            match v["type"].as_str() {
                Some("snapshot") => {
                    for c in v["conflicts"].as_array().into_iter().flatten() {
                        seen.extend(c["id"].as_str().map(str::to_owned));
                    }
                }
                Some("alert") => {
                    seen.extend(v["conflict"]["id"].as_str().map(str::to_owned));
                }
                _ => {}
            }
        }
        *u2.lock().unwrap() = Some(now());
    });
    Watcher { seen, from, until }
}

/// The simulated feed, stopped when dropped.
struct Feed(Child);

impl Drop for Feed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_feed(port: u16) -> Feed {
    let child = Command::new(env!("CARGO_BIN_EXE_deconflict"))
        .args([
            "simulate",
            "feed",
            "--scenario",
            "dense",
            "--aircraft",
            "80",
        ])
        .args(["--sbs-listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn simulate feed");
    let t0 = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(t0.elapsed() < Duration::from_secs(20), "feed did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Feed(child)
}

/// Node `name`'s config: the shared feed, its node id.
fn config(dir: &Path, name: &str, feed_port: u16) -> PathBuf {
    let path = dir.join("node.toml");
    std::fs::write(
        &path,
        format!(
            "[[feeds]]\nid = \"civil-sbs\"\nkind = \"sbs\"\naddress = \"127.0.0.1:{feed_port}\"\nmode = \"connect\"\n\n[cluster]\nnode_id = \"{name}\"\n"
        ),
    )
    .unwrap();
    path
}

fn start_node(dir: &Path, name: &str, feed_port: u16, url: &str) -> Server {
    let cfg = config(dir, name, feed_port);
    Server::start_with_env(
        dir,
        &["--demo", "--config", cfg.to_str().unwrap()],
        &[("DATABASE_URL", url)],
    )
}

/// `(role, lease_epoch)` from the node's health, `None` when it does not answer.
fn role(addr: &str) -> Option<(String, i64)> {
    let r = reqwest::blocking::Client::new()
        .get(format!("http://{addr}/api/v1/health"))
        .timeout(Duration::from_millis(500))
        .send()
        .ok()?;
    let v: Value = r.json().ok()?;
    Some((v["role"].as_str()?.to_owned(), v["lease_epoch"].as_i64()?))
}

/// The node's open alerts: pair → id.
fn open_alerts(s: &Server, cell: &str) -> BTreeMap<(String, String), String> {
    let (st, v) = s.json("GET", Some(cell), "/api/v1/conflicts", None);
    assert_eq!(st, 200, "{v}");
    v["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["state"] != "cleared")
        .map(|c| {
            let (a, b) = (c["a"].as_str().unwrap(), c["b"].as_str().unwrap());
            let pair = if a < b { (a, b) } else { (b, a) };
            (
                (pair.0.to_owned(), pair.1.to_owned()),
                c["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The node's open intrusion alerts: (aircraft, volume) → id.
fn open_intrusions(s: &Server, cell: &str) -> BTreeMap<(String, String), String> {
    let (st, v) = s.json("GET", Some(cell), "/api/v1/intrusions", None);
    assert_eq!(st, 200, "{v}");
    v["intrusions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["state"] != "cleared")
        .map(|i| {
            (
                (
                    i["track_id"].as_str().unwrap().to_owned(),
                    i["reservation_id"].as_str().unwrap().to_owned(),
                ),
                i["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn leader_index(nodes: &[Option<Server>]) -> Option<usize> {
    nodes.iter().position(|n| {
        n.as_ref()
            .and_then(|s| role(&s.addr))
            .is_some_and(|(r, _)| r == "leader")
    })
}

fn message_ids(s: &Server, blue: &str) -> BTreeSet<i64> {
    let (st, v) = s.json("GET", Some(blue), "/api/v1/messages", None);
    assert_eq!(st, 200, "{v}");
    v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn three_nodes_survive_the_leader_killed_mid_write_again_and_again() {
    let url = fresh_pg_database();
    let port = free_port();
    let _feed = start_feed(port);
    let dirs: Vec<_> = NODES.iter().map(|_| tempfile::tempdir().unwrap()).collect();

    let first = start_node(dirs[0].path(), NODES[0], port, &url);
    let (red, blue, cell) = (first.token("red"), first.token("blue"), first.token("cell"));
    assert!(
        first.wait_for(10, |s| role(&s.addr).is_some_and(|(r, _)| r == "leader")),
        "the first node leads"
    );
    let mut nodes: Vec<Option<Server>> = vec![Some(first)];
    for k in 1..NODES.len() {
        nodes.push(Some(start_node(dirs[k].path(), NODES[k], port, &url)));
    }
    for n in &nodes[1..] {
        let (r, _) = role(&n.as_ref().unwrap().addr).unwrap();
        assert_eq!(r, "follower", "one leader at a time");
    }

    // The leader raises alerts on the shared traffic; every follower lists the same ids.
    let leader = &nodes[0].as_ref().unwrap();
    assert!(
        leader.wait_for(40, |s| open_alerts(s, &cell).len() >= 3),
        "the leader raised alerts"
    );
    let ids: BTreeSet<String> = open_alerts(leader, &cell).into_values().collect();
    for n in &nodes[1..] {
        let n = n.as_ref().unwrap();
        let listed = n.wait_for(5, |s| {
            let theirs: BTreeSet<String> = open_alerts(s, &cell).into_values().collect();
            ids.intersection(&theirs).count() * 10 >= ids.len() * 8
        });
        assert!(listed, "a follower lists the leader's alert ids");
    }

    // A stream client on every node, for the whole test (a new one on each restarted node).
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut watchers: Vec<Watcher> = nodes
        .iter()
        .map(|n| watch(&rt, &n.as_ref().unwrap().addr, &cell))
        .collect();

    // Red writes to blue through every live node in turn, for the whole test.
    let addrs: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(
        nodes
            .iter()
            .map(|n| n.as_ref().unwrap().addr.clone())
            .collect(),
    ));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (addrs, acked, stop, red) = (addrs.clone(), acked.clone(), stop.clone(), red.clone());
        std::thread::spawn(move || {
            let c = reqwest::blocking::Client::new();
            let mut k = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let addr = {
                    let a = addrs.lock().unwrap();
                    a[k % a.len()].clone()
                };
                k += 1;
                let r = c
                    .post(format!("http://{addr}/api/v1/messages"))
                    .bearer_auth(&red)
                    .json(&json!({"to": "blue", "subject": format!("m{k}"), "body": "x"}))
                    .timeout(Duration::from_secs(5))
                    .send();
                if let Ok(r) = r {
                    if r.status() == 201 {
                        let v: Value = r.json().unwrap();
                        acked.lock().unwrap().push(v["id"].as_i64().unwrap());
                    }
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };

    let mut epoch = role(&nodes[0].as_ref().unwrap().addr).unwrap().1;
    let mut takeovers = Vec::new();
    let mut filed = Vec::new();
    let (mut kept, mut common) = (0usize, 0usize);
    let (mut kept_i, mut common_i) = (0usize, 0usize);
    for round in 0..kills() {
        let li = leader_index(&nodes).expect("a leader");
        // A reservation filed through a node other than the leader.
        let via = (li + 1 + round % 2) % NODES.len();
        let t = now();
        let lon = 10.0 + round as f64;
        let (st, r) = nodes[via].as_ref().unwrap().json(
            "POST",
            Some(&blue),
            "/api/v1/reservations",
            Some(json!({"name": format!("round {round}"), "priority": 3,
                "volumes": [vol(square(lon, 60.0, lon + 0.5, 60.5), 1000.0, 5000.0, t + 3600.0, t + 7200.0)]})),
        );
        assert_eq!(st, 201, "{r}");
        filed.push(r["reservation"]["id"].as_str().unwrap().to_owned());

        // A new conflict each round: blue and red report a head-on pair to two different
        // nodes (twice, for the safety net's confirmation); the leader raises it.
        let (bn, rn) = ((li + 1) % NODES.len(), (li + 2) % NODES.len());
        for _ in 0..2 {
            for (k, tok, id, lon, trk) in [
                (bn, &blue, format!("BLU9{round:02}"), 19.95, 90.0),
                (rn, &red, format!("RED9{round:02}"), 20.05, 270.0),
            ] {
                let (st, v) = nodes[k].as_ref().unwrap().json(
                    "POST",
                    Some(tok),
                    "/api/v1/telemetry",
                    Some(json!({
                    "id": id, "callsign": id, "lat_deg": 62.0 + round as f64 * 0.5, "lon_deg": lon,
                    "alt_ft": 12_000.0, "gs_kt": 420.0, "trk_deg": trk, "vs_fpm": 0.0})),
                );
                assert_eq!((st, v["accepted"].as_u64()), (200, Some(1)), "{v}");
            }
            std::thread::sleep(Duration::from_millis(600));
        }

        let n = acked.lock().unwrap().len();
        let t0 = Instant::now();
        while acked.lock().unwrap().len() < n + 10 && t0.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(10));
        }
        let before = open_alerts(nodes[li].as_ref().unwrap(), &cell);
        let before_i = open_intrusions(nodes[li].as_ref().unwrap(), &cell);
        // Killed mid-write.
        let mut victim = nodes[li].take().unwrap();
        let killed_at = Instant::now();
        victim.kill9();
        {
            let mut a = addrs.lock().unwrap();
            a.retain(|x| *x != victim.addr);
        }
        let (new_li, new_epoch) = loop {
            let found = nodes.iter().enumerate().find_map(|(i, n)| {
                let (r, e) = role(&n.as_ref()?.addr)?;
                (r == "leader").then_some((i, e))
            });
            if let Some(f) = found {
                break f;
            }
            assert!(
                killed_at.elapsed() < Duration::from_secs(10),
                "no node took over"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let took = killed_at.elapsed();
        takeovers.push(took);
        assert!(
            took < Duration::from_secs(3),
            "round {round}: the lease was taken after {took:?}"
        );
        assert!(new_epoch > epoch, "a takeover is a new epoch");
        epoch = new_epoch;

        // The new leader goes on with the same ids.
        std::thread::sleep(Duration::from_secs(2));
        let after = open_alerts(nodes[new_li].as_ref().unwrap(), &cell);
        for (pair, id) in &before {
            if let Some(now_id) = after.get(pair) {
                common += 1;
                kept += usize::from(now_id == id);
            }
        }
        let after_i = open_intrusions(nodes[new_li].as_ref().unwrap(), &cell);
        for (pair, id) in &before_i {
            if let Some(now_id) = after_i.get(pair) {
                common_i += 1;
                kept_i += usize::from(now_id == id);
            }
        }

        // The killed node comes back and joins as a follower.
        let k = li;
        drop(victim);
        let back = start_node(dirs[k].path(), NODES[k], port, &url);
        assert_eq!(role(&back.addr).unwrap().0, "follower");
        watchers.push(watch(&rt, &back.addr, &cell));
        addrs.lock().unwrap().push(back.addr.clone());
        nodes[k] = Some(back);
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();

    let mut sorted = takeovers.clone();
    sorted.sort();
    eprintln!(
        "takeovers: {takeovers:?} (median {:?}, worst {:?}); alerts open across a takeover: {common}, ids kept: {kept}; intrusions: {common_i}, ids kept: {kept_i}",
        sorted[sorted.len() / 2],
        sorted[sorted.len() - 1]
    );
    assert!(common >= kills(), "alerts stayed open across the takeovers");
    assert!(
        kept * 10 >= common * 9,
        "alert ids kept across takeovers: {kept} of {common}"
    );
    assert!(
        common_i >= kills(),
        "intrusions stayed open across the takeovers"
    );
    assert!(
        kept_i * 10 >= common_i * 9,
        "intrusion ids kept across takeovers: {kept_i} of {common_i}"
    );

    // Every stream client was told of every alert raised while it was connected, whichever
    // node it was on and however many leaders that alert outlived.
    std::thread::sleep(Duration::from_secs(1));
    let li = leader_index(&nodes).expect("a leader");
    let (_, v) = nodes[li].as_ref().unwrap().json(
        "GET",
        Some(&cell),
        "/api/v1/conflicts?include=cleared",
        None,
    );
    let end = now();
    let (mut due, mut missed) = (0usize, Vec::new());
    for w in &watchers {
        let until = w.until.lock().unwrap().unwrap_or(end);
        let seen = w.seen.lock().unwrap();
        for c in v["conflicts"].as_array().unwrap() {
            let raised = c["raised_at"].as_f64().unwrap();
            if raised > w.from + 1.0 && raised < until - 1.5 {
                due += 1;
                let id = c["id"].as_str().unwrap();
                if !seen.contains(id) {
                    missed.push(id.to_owned());
                }
            }
        }
    }
    eprintln!(
        "stream clients: {} (on {} node runs), alerts due {due}, missed {}",
        watchers.len(),
        watchers.len(),
        missed.len()
    );
    assert!(due > 0, "alerts were raised while the clients listened");
    assert!(
        missed.is_empty(),
        "stream clients missed alerts: {missed:?}"
    );

    // Nothing acknowledged is lost, whichever node took it and whichever is asked.
    let acked = acked.lock().unwrap().clone();
    eprintln!("writes acknowledged: {}", acked.len());
    assert!(
        acked.len() >= 30,
        "only {} writes acknowledged",
        acked.len()
    );
    for n in nodes.iter().flatten() {
        let stored = message_ids(n, &blue);
        let lost: Vec<&i64> = acked.iter().filter(|id| !stored.contains(id)).collect();
        assert!(
            lost.is_empty(),
            "acknowledged but lost on {}: {lost:?}",
            n.addr
        );
        let (_, v) = n.json("GET", Some(&blue), "/api/v1/reservations", None);
        let listed: BTreeSet<&str> = v["reservations"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["id"].as_str())
            .collect();
        for id in &filed {
            assert!(
                listed.contains(id.as_str()),
                "{id} not listed by {}",
                n.addr
            );
        }
    }

    // A WebSocket client of a follower: the leader's alerts in its snapshot, and a message
    // sent through another node.
    let li = leader_index(&nodes).expect("a leader");
    let fi = (li + 1) % NODES.len();
    let (leader, follower) = (nodes[li].as_ref().unwrap(), nodes[fi].as_ref().unwrap());
    let leader_ids: BTreeSet<String> = open_alerts(leader, &cell).into_values().collect();
    let faddr = follower.addr.clone();
    let (mut ws, _) = rt
        .block_on(tokio_tungstenite::connect_async(format!(
            "ws://{faddr}/api/v1/stream?token={blue}&picture=none"
        )))
        .unwrap();
    let snapshot: Value = rt.block_on(async {
        let m = ws.next().await.unwrap().unwrap();
        serde_json::from_str(m.to_text().unwrap()).unwrap()
    });
    assert_eq!(snapshot["type"], "snapshot");
    let (st, m) = leader.json(
        "POST",
        Some(&red),
        "/api/v1/messages",
        Some(json!({"to": "blue", "subject": "through the leader", "body": "x"})),
    );
    assert_eq!(st, 201, "{m}");
    let got = rt.block_on(async {
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(10) {
            let Ok(Some(Ok(Message::Text(t)))) =
                tokio::time::timeout(Duration::from_secs(5), ws.next()).await
            else {
                break;
            };
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] == "message" && v["message"]["id"] == m["id"] {
                return true;
            }
        }
        false
    });
    assert!(
        got,
        "the follower's client got the message sent through the leader"
    );
    // Blue sees only its own alerts; the cell's view of the follower is checked against the
    // leader's ids.
    let theirs: BTreeSet<String> = open_alerts(follower, &cell).into_values().collect();
    assert!(
        leader_ids.intersection(&theirs).count() * 10 >= leader_ids.len() * 8,
        "the follower lists the leader's alerts: {leader_ids:?} vs {theirs:?}"
    );

    drop(nodes);
    let (code, out) = deconflict(&["audit", "verify", "--store", &url]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("audit log intact"), "{out}");
}

fn metric(s: &Server, name: &str) -> f64 {
    let text = s.get(None, "/metrics").text().unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} not in /metrics"))
}

fn track_ids(s: &Server, cell: &str) -> BTreeSet<String> {
    let (st, v) = s.json("GET", Some(cell), "/api/v1/tracks", None);
    assert_eq!(st, 200, "{v}");
    v["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn what_arrives_at_one_node_reaches_the_others() {
    use deconflict_feeds::time::format_date_time;
    use std::io::Write;
    let url = fresh_pg_database();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let env = [("DATABASE_URL", url.as_str())];
    let cfg_a = da.path().join("node.toml");
    std::fs::write(&cfg_a, "[cluster]\nnode_id = \"node-a\"\n").unwrap();
    let a = Server::start_with_env(
        da.path(),
        &["--demo", "--config", cfg_a.to_str().unwrap()],
        &env,
    );
    let (blue, red, cell) = (a.token("blue"), a.token("red"), a.token("cell"));
    // Only node b has the listen-mode feed.
    let listen = free_port();
    let cfg_b = db.path().join("node.toml");
    std::fs::write(
        &cfg_b,
        format!("[[feeds]]\nid = \"civil-listen\"\nkind = \"sbs\"\naddress = \"127.0.0.1:{listen}\"\nmode = \"listen\"\n\n[cluster]\nnode_id = \"node-b\"\n"),
    )
    .unwrap();
    let b = Server::start_with_env(
        db.path(),
        &["--demo", "--config", cfg_b.to_str().unwrap()],
        &env,
    );
    assert_eq!(role(&a.addr).unwrap().0, "leader");
    assert_eq!(role(&b.addr).unwrap().0, "follower");

    // Blue reports its aircraft to the follower, red its own to the leader: head-on, 6 NM
    // apart at the same level, far from the demo's traffic. A receiver feeds the follower a
    // civil aircraft over its listen port.
    let mut sbs = std::net::TcpStream::connect(("127.0.0.1", listen)).unwrap();
    let post = |s: &Server, tok: &str, id: &str, lon: f64, trk: f64| {
        let (st, v) = s.json("POST", Some(tok), "/api/v1/telemetry", Some(json!({"id": id, "callsign": id,
            "lat_deg": 60.0, "lon_deg": lon, "alt_ft": 10_000.0, "gs_kt": 400.0, "trk_deg": trk, "vs_fpm": 0.0})));
        assert_eq!((st, v["accepted"].as_u64()), (200, Some(1)), "{v}");
    };
    let t0 = Instant::now();
    let mut seen_at = None;
    let mut alert = None;
    while t0.elapsed() < Duration::from_secs(20) && (seen_at.is_none() || alert.is_none()) {
        post(&b, &blue, "BLU901", 19.9, 90.0);
        post(&a, &red, "RED901", 20.1, 270.0);
        let t = now();
        let (d, tm) = format_date_time(t);
        write!(sbs, "MSG,3,1,1,3C6DE1,1,{d},{tm},{d},{tm},,30000,,,48.50000,11.00000,,,0,0,0,0\r\nMSG,1,1,1,3C6DE1,1,{d},{tm},{d},{tm},DLH4RT,,,,,,,,,,,0\r\n").unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let on_a = track_ids(&a, &cell);
        if seen_at.is_none() && on_a.contains("BLU901") && on_a.contains("3C6DE1") {
            seen_at = Some(t0.elapsed());
        }
        if alert.is_none() {
            alert = open_alerts(&a, &cell)
                .get(&("BLU901".to_owned(), "RED901".to_owned()))
                .cloned();
        }
    }
    assert!(
        seen_at.is_some(),
        "the leader has the follower's telemetry and listen-feed aircraft"
    );
    let id = alert.expect("the leader raised the alert on the telemetry of two nodes");
    // The follower lists the same alert; its track table has red's aircraft too.
    assert!(
        b.wait_for(5, |s| open_alerts(s, &cell).values().any(|x| *x == id)),
        "the follower lists alert {id}"
    );
    // Relayed by the leader's next pass and read by the follower's: waited for, not raced.
    assert!(
        b.wait_for(5, |s| track_ids(s, &cell).contains("RED901")),
        "the follower has red's aircraft, reported to the leader"
    );
    // Blue, on the follower, sees its alert there.
    let (_, v) = b.json("GET", Some(&blue), "/api/v1/conflicts", None);
    assert!(v["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == id.as_str()));
    assert!(metric(&b, "deconflict_relay_sent_total") > 0.0);
    assert!(metric(&a, "deconflict_relay_received_total") > 0.0);
    assert_eq!(metric(&a, "deconflict_relay_dropped_total"), 0.0);
    eprintln!(
        "relay: the follower's observations on the leader within {:?}",
        seen_at.unwrap()
    );
}
