//! The WebSocket stream over loopback: snapshot then deltas and alerts filtered by rights, and
//! stuck clients that never read are dropped or resynchronised without stalling the others.

mod server_support;
use futures::StreamExt;
use serde_json::{json, Value};
use server_support::Server;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

#[test]
fn stream_filters_by_rights_and_survives_stuck_clients() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[limits]\nws_queue_frames = 4\nws_send_timeout_s = 2.0\nrate_limit_per_s = 1000.0\nbody_limit_bytes = 4194304\ntelemetry_states_per_s = 20000.0\nparty_tracks_max = 10000\n").unwrap();
    let s = Server::start(dir.path(), &["--demo", "--config", cfg.to_str().unwrap()]);
    let (blue, cell) = (s.token("blue"), s.token("cell"));
    let addr = s.addr.clone();

    // Heavy telemetry from the cell in the background: 6000 aircraft at 1 Hz.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let feeder = {
        let (url, cell, stop) = (s.url("/api/v1/telemetry"), cell.clone(), stop.clone());
        std::thread::spawn(move || {
            let c = reqwest::blocking::Client::new();
            let mut k = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs_f64();
                let batch: Vec<Value> = (0..6000)
                    .map(|i| json!({"id": format!("L{i:05}"), "callsign": format!("LOAD{i}"), "lat_deg": 20.0 + (i / 100) as f64 * 0.2,
                                    "lon_deg": 20.0 + (i % 100) as f64 * 0.2 + k as f64 * 0.001, "alt_ft": 30000.0, "gs_kt": 400.0,
                                    "trk_deg": 90.0, "vs_fpm": 0.0, "time": now}))
                    .collect();
                let r = c.post(&url).bearer_auth(&cell).json(&batch).send().unwrap();
                assert_eq!(r.status(), 200);
                k += 1;
                std::thread::sleep(Duration::from_millis(1000));
            }
        })
    };

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        // Stuck clients: connect, never read.
        let mut stuck = Vec::new();
        for _ in 0..3 {
            let (ws, _) =
                tokio_tungstenite::connect_async(format!("ws://{addr}/api/v1/stream?token={cell}"))
                    .await
                    .unwrap();
            stuck.push(ws);
        }
        // A blue client: its snapshot and deltas never carry red's aircraft (alerts-only).
        let (mut bws, _) =
            tokio_tungstenite::connect_async(format!("ws://{addr}/api/v1/stream?token={blue}"))
                .await
                .unwrap();
        // A healthy cell client that keeps reading.
        let (mut ws, _) =
            tokio_tungstenite::connect_async(format!("ws://{addr}/api/v1/stream?token={cell}"))
                .await
                .unwrap();
        let first = ws.next().await.unwrap().unwrap();
        let v: Value = serde_json::from_str(first.to_text().unwrap()).unwrap();
        assert_eq!(v["type"], "snapshot");

        let t0 = Instant::now();
        let mut last = Instant::now();
        let mut max_gap = Duration::ZERO;
        let mut deltas = 0;
        while t0.elapsed() < Duration::from_secs(16) {
            let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
                .await
                .expect("healthy client stalled")
                .unwrap()
                .unwrap();
            if let Message::Text(t) = msg {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["type"] == "delta" || v["type"] == "snapshot" {
                    max_gap = max_gap.max(last.elapsed());
                    last = Instant::now();
                    deltas += 1;
                }
            }
        }
        assert!(
            deltas >= 12,
            "healthy client got only {deltas} picture frames in 16 s"
        );
        assert!(
            max_gap < Duration::from_millis(2500),
            "healthy client waited {max_gap:?} between frames"
        );

        let mut saw_alert = false;
        let mut frames = 0;
        let t1 = Instant::now();
        while t1.elapsed() < Duration::from_secs(8) && frames < 400 {
            let Ok(Some(Ok(Message::Text(t)))) =
                tokio::time::timeout(Duration::from_secs(3), bws.next()).await
            else {
                break;
            };
            frames += 1;
            let v: Value = serde_json::from_str(&t).unwrap();
            // The picture (snapshot, deltas) never carries red's aircraft; `alert_tracks`
            // frames carry the aircraft of blue's own active alerts (see below).
            for key in ["tracks", "upsert"] {
                if v["type"] == "alert_tracks" {
                    continue;
                }
                if let Some(list) = v[key].as_array() {
                    assert!(
                        list.iter().all(|t| t["party"] != "red"),
                        "blue's stream carried a red aircraft"
                    );
                }
            }
            if v["type"] == "alert"
                || (v["type"] == "snapshot" && !v["conflicts"].as_array().unwrap().is_empty())
            {
                saw_alert = true;
            }
        }
        assert!(frames > 0);
        assert!(saw_alert, "blue got no alert about the scripted encounter");
        drop(stuck);
    });
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    feeder.join().unwrap();
    let m = s.get(None, "/metrics").text().unwrap();
    let slow =
        metric(&m, "deconflict_ws_dropped_total") + metric(&m, "deconflict_ws_resyncs_total");
    assert!(
        slow >= 1.0,
        "no stuck client was dropped or resynchronised:\n{m}"
    );
    assert!(metric(&m, "deconflict_tracks") >= 6000.0);
}

/// Alerts-only sharing hides red's aircraft from blue's picture, but while an alert between
/// them is active blue is sent red's aircraft's current state every alert cycle: the intruder
/// is shown where it is now, not where it was when the alert last changed. The cell, which
/// sees every aircraft anyway, gets no such frames.
#[test]
fn a_hidden_intruder_in_an_alert_is_sent_as_it_moves() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(dir.path());
    let (blue, cell, addr) = (s.token("blue"), s.token("cell"), s.addr.clone());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let (mut bws, _) =
            tokio_tungstenite::connect_async(format!("ws://{addr}/api/v1/stream?token={blue}"))
                .await
                .unwrap();
        let (mut cws, _) =
            tokio_tungstenite::connect_async(format!("ws://{addr}/api/v1/stream?token={cell}"))
                .await
                .unwrap();
        // Red's 150A21 as blue is sent it: (frame time, last_update, lon, lat).
        let mut seen: Vec<(f64, f64, f64, f64)> = Vec::new();
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(25) {
            let Ok(Some(Ok(Message::Text(t)))) =
                tokio::time::timeout(Duration::from_secs(3), bws.next()).await
            else {
                continue;
            };
            let v: Value = serde_json::from_str(&t).unwrap();
            if v["type"] != "alert_tracks" {
                continue;
            }
            for tr in v["tracks"].as_array().unwrap() {
                if tr["id"] == "150A21" {
                    assert_eq!(tr["party"], "red");
                    seen.push((
                        v["time"].as_f64().unwrap(),
                        tr["last_update"].as_f64().unwrap(),
                        tr["lon_deg"].as_f64().unwrap(),
                        tr["lat_deg"].as_f64().unwrap(),
                    ));
                }
            }
            if seen.len() >= 40 && seen[seen.len() - 1].1 - seen[0].1 >= 4.0 {
                break;
            }
        }
        assert!(
            seen.len() >= 40,
            "blue got red's 150A21 in only {} alert_tracks frames",
            seen.len()
        );
        let (first, last) = (seen[0], seen[seen.len() - 1]);
        assert!(
            last.1 - first.1 >= 4.0,
            "the state sent is not refreshed: last_update {} → {}",
            first.1,
            last.1
        );
        let moved_m = 111_320.0
            * ((last.2 - first.2).powi(2) * first.3.to_radians().cos().powi(2)
                + (last.3 - first.3).powi(2))
            .sqrt();
        assert!(
            moved_m > 500.0,
            "150A21 moved only {moved_m:.0} m in {:.1} s of alert_tracks frames",
            last.1 - first.1
        );
        // Frames come at about the alert cadence (0.1 s), well above the picture's 1 s.
        let span_s = last.0 - first.0;
        assert!(
            seen.len() as f64 / span_s.max(0.1) > 3.0,
            "{} frames in {span_s:.1} s",
            seen.len()
        );
        // The cell sees everything in its picture; it is sent no alert_tracks frames.
        let t1 = Instant::now();
        while t1.elapsed() < Duration::from_secs(3) {
            let Ok(Some(Ok(Message::Text(t)))) =
                tokio::time::timeout(Duration::from_secs(1), cws.next()).await
            else {
                continue;
            };
            let v: Value = serde_json::from_str(&t).unwrap();
            assert_ne!(v["type"], "alert_tracks", "the cell was sent alert_tracks");
        }
    });
}

/// `alerts=batched` puts one alert cycle's `alert` frames in one `alerts` frame: the same
/// events as the default stream sends one message each, and an unknown value is refused.
#[test]
fn alert_events_can_come_batched_one_message_per_cycle() {
    use std::collections::HashSet;
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path(), &["--demo"]);
    let cell = s.token("cell");
    let addr = s.addr.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        match tokio_tungstenite::connect_async(format!(
            "ws://{addr}/api/v1/stream?token={cell}&alerts=some"
        ))
        .await
        {
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
                assert_eq!(r.status(), 400);
                let body = String::from_utf8(r.body().clone().unwrap_or_default()).unwrap();
                assert!(body.contains("alerts"), "{body}");
            }
            other => panic!("expected 400, got {other:?}"),
        }
        let (mut each, _) =
            tokio_tungstenite::connect_async(format!("ws://{addr}/api/v1/stream?token={cell}"))
                .await
                .unwrap();
        let (mut batched, _) = tokio_tungstenite::connect_async(format!(
            "ws://{addr}/api/v1/stream?token={cell}&alerts=batched"
        ))
        .await
        .unwrap();
        // (event, alert id, updated_at) of every alert event each stream carried, by when.
        type Seen = Vec<(Duration, (String, String, String))>;
        let key = |f: &Value| {
            (
                f["event"].as_str().unwrap_or_default().to_string(),
                f["conflict"]["id"].as_str().unwrap_or_default().to_string(),
                f["conflict"]["updated_at"].to_string(),
            )
        };
        let t0 = Instant::now();
        let window = Duration::from_secs(45);
        let (mut from_each, mut from_batched): (Seen, Seen) = (Vec::new(), Vec::new());
        let (mut batches, mut singles_in_batched) = (0, 0);
        while t0.elapsed() < window {
            tokio::select! {
                m = each.next() => {
                    let Some(Ok(Message::Text(t))) = m else { continue };
                    let v: Value = serde_json::from_str(&t).unwrap();
                    assert_ne!(v["type"], "alerts", "a batch on the default stream");
                    if v["type"] == "alert" {
                        from_each.push((t0.elapsed(), key(&v)));
                    }
                }
                m = batched.next() => {
                    let Some(Ok(Message::Text(t))) = m else { continue };
                    let v: Value = serde_json::from_str(&t).unwrap();
                    if v["type"] == "alert" {
                        singles_in_batched += 1;
                    }
                    if v["type"] == "alerts" {
                        batches += 1;
                        let frames = v["frames"].as_array().expect("frames");
                        assert!(!frames.is_empty(), "an empty batch was sent");
                        for f in frames {
                            assert_eq!(f["type"], "alert");
                            assert!(["raised", "updated", "cleared"].contains(&f["event"].as_str().unwrap()));
                            from_batched.push((t0.elapsed(), key(f)));
                        }
                    }
                }
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            }
        }
        assert_eq!(singles_in_batched, 0, "a batched stream sent single alert frames");
        assert!(batches > 0 && !from_each.is_empty(), "no alert events in {window:?}");
        // Away from the window's edges, each stream carried the other's events.
        let middle = |seen: &Seen| -> HashSet<(String, String, String)> {
            seen.iter()
                .filter(|(t, _)| *t > Duration::from_secs(3) && *t < window - Duration::from_secs(3))
                .map(|(_, k)| k.clone())
                .collect()
        };
        let all = |seen: &Seen| -> HashSet<(String, String, String)> {
            seen.iter().map(|(_, k)| k.clone()).collect()
        };
        let (mid_b, all_e) = (middle(&from_batched), all(&from_each));
        let (mid_e, all_b) = (middle(&from_each), all(&from_batched));
        assert!(!mid_b.is_empty(), "no batched events in the middle of the window");
        assert!(mid_b.is_subset(&all_e), "batched events the default stream lacked: {:?}", mid_b.difference(&all_e).collect::<Vec<_>>());
        assert!(mid_e.is_subset(&all_b), "events the batched stream lacked: {:?}", mid_e.difference(&all_b).collect::<Vec<_>>());
    });
}
