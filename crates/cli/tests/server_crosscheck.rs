//! The position cross-check over real HTTP and a real SBS feed: blue reports its aircraft
//! 3 NM from where civil ADS-B hears it; the cell raises a position discrepancy to blue and
//! the cell (not red), records it in the audit log, and clears it once they agree again.

mod server_support;

use deconflict_feeds::time::format_date_time;
use futures::StreamExt;
use serde_json::{json, Value};
use server_support::Server;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

const ICAO: &str = "AE10F1";
const SPEED_KT: f64 = 420.0;

fn now_s() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Where the aircraft truly is at `t`: east along 45°N at 420 kt, FL300.
fn truth(t0: f64, t: f64) -> (f64, f64) {
    let east_m = SPEED_KT * 1852.0 / 3600.0 * (t - t0);
    (45.0, 5.0 + east_m / (111_412.0 * 45f64.to_radians().cos()))
}

fn sbs_lines(t0: f64, t: f64) -> String {
    let (lat, lon) = truth(t0, t);
    let (d, tm) = format_date_time(t);
    format!(
        "MSG,3,1,1,{ICAO},1,{d},{tm},{d},{tm},,30000,,,{lat:.5},{lon:.5},,,0,0,0,0\r\n\
         MSG,4,1,1,{ICAO},1,{d},{tm},{d},{tm},,,{SPEED_KT:.0},90,,,0,,0,0,0,0\r\n"
    )
}

fn discrepancies(s: &Server, token: &str) -> Vec<Value> {
    let (st, v) = s.json("GET", Some(token), "/api/v1/discrepancies", None);
    assert_eq!(st, 200, "{v}");
    v["discrepancies"].as_array().unwrap().clone()
}

#[test]
fn a_report_far_from_independent_adsb_raises_a_position_discrepancy() {
    let dir = tempfile::tempdir().unwrap();
    // The civil feed: the cell connects to this listener and reads SBS-1 lines from it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let feed_addr = listener.local_addr().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[[feeds]]\nid = \"civil-sbs\"\nkind = \"sbs\"\naddress = \"{feed_addr}\"\nmode = \"connect\"\n\n\
             [crosscheck]\npersist_s = 3.0\nclear_s = 3.0\n"
        ),
    )
    .unwrap();
    let s = Server::start(dir.path(), &["--demo", "--config", cfg.to_str().unwrap()]);
    let (blue, red, cell) = (s.token("blue"), s.token("red"), s.token("cell"));
    let t0 = now_s();
    let stop = Arc::new(AtomicBool::new(false));
    let feeder = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let (mut sock, _) = listener.accept().unwrap();
            while !stop.load(Ordering::Relaxed) {
                if sock.write_all(sbs_lines(t0, now_s()).as_bytes()).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(500));
            }
        })
    };
    // Blue's stream, collecting discrepancy frames.
    let frames: Arc<Mutex<Vec<Value>>> = Arc::default();
    let rt = tokio::runtime::Runtime::new().unwrap();
    {
        let (addr, blue, frames) = (s.addr.clone(), blue.clone(), frames.clone());
        rt.spawn(async move {
            let (mut ws, _) =
                tokio_tungstenite::connect_async(format!("ws://{addr}/api/v1/stream?token={blue}"))
                    .await
                    .unwrap();
            while let Some(Ok(Message::Text(t))) = ws.next().await {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["type"] == "discrepancy" {
                    frames.lock().unwrap().push(v);
                }
            }
        });
    }
    // Blue's own reports: where it is, then 3 NM north of it, then where it is again.
    let report = |north_nm: f64| {
        let t = now_s();
        let (lat, lon) = truth(t0, t);
        let (st, v) = s.json(
            "POST",
            Some(&blue),
            "/api/v1/telemetry",
            Some(
                json!({"id": ICAO, "callsign": "VIPER31", "lat_deg": lat + north_nm / 60.0,
                        "lon_deg": lon, "alt_ft": 30000.0, "gs_kt": SPEED_KT, "trk_deg": 90.0,
                        "vs_fpm": 0.0, "time": t}),
            ),
        );
        assert_eq!(st, 200, "{v}");
    };
    let until = |secs: f64, north_nm: f64, done: &mut dyn FnMut() -> bool| -> bool {
        let start = Instant::now();
        while start.elapsed().as_secs_f64() < secs {
            report(north_nm);
            if done() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        false
    };
    // Agreeing for 6 s: nothing is raised.
    until(6.0, 0.0, &mut || false);
    assert!(discrepancies(&s, &cell).is_empty());
    let tr = s
        .json("GET", Some(&cell), &format!("/api/v1/tracks/{ICAO}"), None)
        .1;
    assert_eq!(tr["party"], "blue", "{tr}");

    // 3 NM north: raised after persist_s (3 s).
    let t_off = Instant::now();
    let raised = until(15.0, 3.0, &mut || {
        discrepancies(&s, &blue)
            .iter()
            .any(|d| d["track_id"] == ICAO && d["state"] == "raised")
    });
    assert!(
        raised,
        "no discrepancy raised within 15 s of blue reporting 3 NM off"
    );
    assert!(
        t_off.elapsed() >= Duration::from_secs(3),
        "raised before persist_s"
    );
    let d = discrepancies(&s, &blue)[0].clone();
    assert_eq!(
        (d["party"].as_str(), d["callsign"].as_str()),
        (Some("blue"), Some("VIPER31"))
    );
    let h = d["horizontal_m"].as_f64().unwrap();
    assert!((h - 5556.0).abs() < 400.0, "{d}");
    assert_eq!(d["independent"]["feed"], "civil-sbs", "{d}");
    assert_eq!(d["reported"]["feed"], "telemetry-blue", "{d}");
    // The cell sees it; red, whose aircraft it is not, does not.
    assert_eq!(discrepancies(&s, &cell).len(), 1);
    assert!(discrepancies(&s, &red).is_empty());
    // The owner's reports stay the track (the feed does not pull it back).
    let tr = s
        .json("GET", Some(&cell), &format!("/api/v1/tracks/{ICAO}"), None)
        .1;
    let lat = tr["lat_deg"].as_f64().unwrap_or(0.0);
    assert!(lat > 45.04, "the track is blue's report, 3 NM north: {tr}");

    // Agreeing again: cleared after clear_s.
    let cleared = until(15.0, 0.0, &mut || {
        discrepancies(&s, &blue)
            .iter()
            .any(|d| d["track_id"] == ICAO && d["state"] == "cleared")
    });
    assert!(
        cleared,
        "the discrepancy did not clear once blue agreed again"
    );
    stop.store(true, Ordering::Relaxed);
    feeder.join().unwrap();

    // Pushed to blue's stream, counted, and audited.
    let events: Vec<String> = frames
        .lock()
        .unwrap()
        .iter()
        .map(|f| f["event"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(
        events.first().map(String::as_str) == Some("raised")
            && events.last().map(String::as_str) == Some("cleared"),
        "{events:?}"
    );
    let m = s.get(None, "/metrics").text().unwrap();
    assert!(
        m.contains("deconflict_position_discrepancies_total{party=\"blue\"} 1"),
        "{m}"
    );
    let (_, audit) = s.json("GET", Some(&cell), "/api/v1/audit?limit=10000", None);
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .filter(|a| a.starts_with("discrepancy."))
        .collect();
    assert_eq!(actions.first(), Some(&"discrepancy.raised"), "{actions:?}");
    assert_eq!(actions.last(), Some(&"discrepancy.cleared"), "{actions:?}");
}
