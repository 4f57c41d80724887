//! Budgets under attack, over loopback (scaled down from the full figures of scripts/attack so
//! that it runs in CI): a party cannot starve the cell with reservation geometry or a telemetry
//! flood. While red hammers `POST /reservations/check` with large polygons over blue's, or
//! floods telemetry from two threads, `/api/v1/health` never stalls (the defect this guards
//! against held it for 29.7 s; the bound here is 1 s so that a loaded CI machine running a debug
//! build does not fail it, while scripts/attack measures the real latency) and the alert cycle
//! keeps at least half its cadence (the defect kept 3 %); geometry beyond `limits.geometry_vertices_max` is
//! refused (422), a second concurrent request of the same party gets 429, telemetry beyond the
//! party's states budget gets 429, and the party never owns more than `limits.party_tracks_max`
//! tracks.

mod server_support;
use serde_json::{json, Value};
use server_support::strategic::{now, vol};
use server_support::Server;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ALERT_CYCLE_S: f64 = 0.1;

/// A regular polygon of `n` vertices, radius `r_deg`, round (lon, lat).
fn ngon(lon: f64, lat: f64, r_deg: f64, n: usize) -> Value {
    let pts: Vec<[f64; 2]> = (0..n)
        .map(|k| {
            let a = std::f64::consts::TAU * k as f64 / n as f64;
            [lon + r_deg * a.cos(), lat + r_deg * a.sin()]
        })
        .collect();
    json!({"type": "polygon", "coordinates": pts})
}

fn alert_cycles(s: &Server) -> f64 {
    let m = s.get(None, "/metrics").text().unwrap();
    m.lines()
        .find_map(|l| l.strip_prefix("deconflict_alert_cycle_seconds_count "))
        .and_then(|v| v.trim().parse().ok())
        .expect("alert cycle count in /metrics")
}

/// Polls health every 50 ms while `busy` runs; returns (worst health latency, alert-cycle
/// cadence kept as a fraction, seconds watched).
fn watch(s: &Server, busy: impl FnOnce()) -> (Duration, f64, f64) {
    let stop = Arc::new(AtomicBool::new(false));
    let url = s.url("/api/v1/health");
    let poller = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let c = reqwest::blocking::Client::new();
            let mut worst = Duration::ZERO;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let r = c.get(&url).timeout(Duration::from_secs(30)).send().unwrap();
                assert_eq!(r.status(), 200);
                worst = worst.max(t.elapsed());
                std::thread::sleep(Duration::from_millis(50));
            }
            worst
        })
    };
    let c0 = alert_cycles(s);
    let t0 = Instant::now();
    busy();
    let secs = t0.elapsed().as_secs_f64();
    let cadence = (alert_cycles(s) - c0) / (secs / ALERT_CYCLE_S);
    stop.store(true, Ordering::Relaxed);
    (poller.join().unwrap(), cadence, secs)
}

/// The cell kept its pace under the attack: health never stalled for a second, the alert cycle
/// kept half its cadence or more. These bound starvation, not latency (a latency target belongs
/// in a benchmark: scripts/attack reports it on a release build).
fn assert_kept_pace(worst: Duration, cadence: f64) {
    assert!(
        worst < Duration::from_secs(1),
        "health answered in {worst:?}"
    );
    assert!(
        cadence >= 0.5,
        "the alert cycle kept {:.0} % of its cadence",
        cadence * 100.0
    );
}

#[test]
fn geometry_is_budgeted_and_runs_beside_the_cell_not_instead_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(dir.path());
    let (blue, red) = (s.token("blue"), s.token("red"));
    let (t0, t1) = (now() + 600.0, now() + 7200.0);
    // Blue files a large polygon (within the per-request budget).
    let (st, v) = s.json(
        "POST",
        Some(&blue),
        "/api/v1/reservations",
        Some(json!({"name": "big", "volumes": [vol(ngon(20.0, 50.0, 1.0, 3000), 0.0, 30000.0, t0, t1)]})),
    );
    assert_eq!(st, 201, "{v}");
    // Over the budget: refused at once, whatever the geometry.
    let five: Vec<Value> = (0..5)
        .map(|k| {
            vol(
                ngon(20.0 + 0.01 * k as f64, 50.0, 1.0, 5000),
                0.0,
                30000.0,
                t0,
                t1,
            )
        })
        .collect();
    let t = Instant::now();
    let (st, v) = s.json(
        "POST",
        Some(&red),
        "/api/v1/reservations/check",
        Some(json!({"volumes": five})),
    );
    assert_eq!(st, 422, "{v}");
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("limits.geometry_vertices_max"),
        "{v}"
    );
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "refused without computing"
    );

    // Red checks two large volumes over blue's, from two threads at once, over and over.
    let statuses = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (worst, cadence, secs) = watch(&s, || {
        let threads: Vec<_> = (0..2)
            .map(|k| {
                let (url, red, statuses) = (
                    s.url("/api/v1/reservations/check"),
                    red.clone(),
                    statuses.clone(),
                );
                let vols: Vec<Value> = (0..2)
                    .map(|j| {
                        vol(
                            ngon(20.0 + 0.01 * (k * 2 + j) as f64, 50.0, 1.0, 3000),
                            0.0,
                            30000.0,
                            t0,
                            t1,
                        )
                    })
                    .collect();
                std::thread::spawn(move || {
                    let c = reqwest::blocking::Client::new();
                    let until = Instant::now() + Duration::from_secs(6);
                    while Instant::now() < until {
                        let r = c
                            .post(&url)
                            .bearer_auth(&red)
                            .json(&json!({"volumes": vols}))
                            .timeout(Duration::from_secs(120))
                            .send()
                            .unwrap();
                        statuses.lock().unwrap().push(r.status().as_u16());
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    });
    let st = statuses.lock().unwrap().clone();
    eprintln!(
        "geometry attack: {} checks in {secs:.1} s ({} ok, {} 429); health worst {:.1} ms; alert cycle cadence {:.0} %",
        st.len(),
        st.iter().filter(|&&x| x == 200).count(),
        st.iter().filter(|&&x| x == 429).count(),
        worst.as_secs_f64() * 1e3,
        cadence * 100.0
    );
    assert!(st.contains(&200), "checks were computed: {st:?}");
    assert!(
        st.contains(&429),
        "a second concurrent check of the same party waits its turn: {st:?}"
    );
    assert!(st.iter().all(|x| *x == 200 || *x == 429), "{st:?}");
    assert_kept_pace(worst, cadence);
}

#[test]
fn a_telemetry_flood_gets_429_and_the_cell_keeps_its_pace() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("deconflict.toml");
    std::fs::write(
        &cfg,
        "[limits]\ntelemetry_states_per_s = 2000.0\ntelemetry_states_burst = 4000.0\nparty_tracks_max = 300\nrate_limit_per_s = 1000.0\nrate_limit_burst = 1000.0\n",
    )
    .unwrap();
    let s = Server::start(dir.path(), &["--demo", "--config", cfg.to_str().unwrap()]);
    let (red, cell) = (s.token("red"), s.token("cell"));
    let accepted = Arc::new(AtomicUsize::new(0));
    let (too_many, quota) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (worst, cadence, secs) = watch(&s, || {
        let threads: Vec<_> = (0..2)
            .map(|k| {
                let (url, red) = (s.url("/api/v1/telemetry"), red.clone());
                let (accepted, too_many, quota) = (accepted.clone(), too_many.clone(), quota.clone());
                std::thread::spawn(move || {
                    let c = reqwest::blocking::Client::new();
                    let until = Instant::now() + Duration::from_secs(5);
                    let mut round = 0u32;
                    while Instant::now() < until {
                        round += 1;
                        let t = now();
                        // 100 states a request, over 200 aircraft per thread (400 in all, more
                        // than the quota of 300).
                        let batch: Vec<Value> = (0..100)
                            .map(|i| {
                                let n = (round as usize * 100 + i) % 200;
                                json!({"id": format!("RED{k}{n:03}"), "lat_deg": 10.0 + n as f64 * 0.01,
                                       "lon_deg": 10.0 + k as f64, "alt_ft": 20000.0, "time": t})
                            })
                            .collect();
                        let r = c.post(&url).bearer_auth(&red).json(&batch).send().unwrap();
                        match r.status().as_u16() {
                            200 => {
                                let v: Value = r.json().unwrap();
                                accepted.fetch_add(v["accepted"].as_u64().unwrap() as usize, Ordering::Relaxed);
                            }
                            429 => {
                                let v: Value = r.json().unwrap();
                                let d = v["detail"].as_str().unwrap_or("");
                                if d.contains("party_tracks_max") {
                                    quota.fetch_add(1, Ordering::Relaxed);
                                } else {
                                    assert!(d.contains("states/s"), "{d}");
                                    too_many.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                            other => panic!("telemetry answered {other}"),
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    });
    let owned = {
        let (_, v) = s.json("GET", Some(&cell), "/api/v1/tracks", None);
        v["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["party"] == "red")
            .count()
    };
    eprintln!(
        "telemetry flood: {secs:.1} s, {} states accepted, {} answered 429 (rate), {} 429 (track quota); red owns {owned} tracks; health worst {:.1} ms; alert cycle cadence {:.0} %",
        accepted.load(Ordering::Relaxed),
        too_many.load(Ordering::Relaxed),
        quota.load(Ordering::Relaxed),
        worst.as_secs_f64() * 1e3,
        cadence * 100.0
    );
    assert!(
        quota.load(Ordering::Relaxed) > 0,
        "the track quota was reached and enforced"
    );
    assert!(
        owned <= 300,
        "red owns {owned} tracks, more than party_tracks_max"
    );
    assert!(
        too_many.load(Ordering::Relaxed) > 0,
        "the states budget was reached and enforced"
    );
    let budget = 4000.0 + 2000.0 * (secs + 1.0);
    assert!(
        (accepted.load(Ordering::Relaxed) as f64) <= budget,
        "accepted {} states, more than the budget of {budget}",
        accepted.load(Ordering::Relaxed)
    );
    assert_kept_pace(worst, cadence);
}
