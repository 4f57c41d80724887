//! `deconflict replay` and `deconflict simulate feed`, run as the real binary.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_deconflict"))
}

fn feeds_fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../feeds/tests/fixtures")
        .join(name)
}

fn shared_data(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel);
    if p.exists() {
        Some(p)
    } else if std::env::var("DECONFLICT_SKIP_SHARED_DATA").as_deref() == Ok("1") {
        eprintln!(
            "SKIPPED: {} not found (DECONFLICT_SKIP_SHARED_DATA=1)",
            p.display()
        );
        None
    } else {
        panic!(
            "{} not found: these tests read ../shared/data; set DECONFLICT_SKIP_SHARED_DATA=1 to skip them",
            p.display()
        );
    }
}

fn run_replay(args: &[&str]) -> (Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let csv = dir.path().join("out.csv");
    let out = bin()
        .arg("replay")
        .args(args)
        .args([
            "--quiet",
            "--report",
            report.to_str().unwrap(),
            "--csv",
            csv.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    assert!(csv_text.starts_with("kind,a,b,"));
    (v, stdout)
}

#[test]
fn replays_a_synthetic_syria_recording() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("syria.sbs");
    let st = bin()
        .args([
            "simulate",
            "feed",
            "--scenario",
            "syria",
            "--aircraft",
            "30",
            "--seed",
            "5",
            "--duration-s",
            "300",
        ])
        .args([
            "--start-time",
            "1700000000",
            "--record",
            rec.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(st.success());
    let (v, stdout) = run_replay(&[rec.to_str().unwrap(), "--format", "auto"]);
    for k in ["aircraft", "messages", "rejected", "conflicts", "losses"] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    assert!(v["aircraft"].as_u64().unwrap() >= 30);
    let conflicts = v["conflicts"].as_array().unwrap();
    let c = conflicts
        .iter()
        .find(|c| c["a"] == "150A21" && c["b"] == "AE1001")
        .expect("scripted conflict");
    // SBS carries no party, so cross-party cannot be known from this feed alone.
    assert_eq!(c["max_level"], 3);
    assert!(
        c["first_alert_time"].as_f64().unwrap() <= 1_700_000_002.0,
        "{c}"
    );
    let losses = v["losses"].as_array().unwrap();
    let l = losses
        .iter()
        .find(|l| l["a"] == "150A21" && l["b"] == "AE1001")
        .expect("scripted loss");
    let lead = l["lead_time_s"].as_f64().unwrap();
    assert!((90.0..=100.0).contains(&lead), "{l}");
    assert!(l["min_distance_m"].as_f64().unwrap() < 2_000.0, "{l}");
    for k in [
        "a",
        "b",
        "start_time",
        "end_time",
        "min_distance_m",
        "lead_time_s",
    ] {
        assert!(l.get(k).is_some(), "loss field {k}");
    }
    for k in ["a", "b", "first_alert_time", "max_level", "cross_party"] {
        assert!(c.get(k).is_some(), "conflict field {k}");
    }
    assert!(stdout.contains("losses of separation"), "{stdout}");
}

#[test]
fn replays_raw_beast_and_avr_fixtures() {
    let (v, _) = run_replay(&[
        feeds_fixture("sample_dump1090.bin").to_str().unwrap(),
        "--start-time",
        "1600000000",
    ]);
    assert_eq!(v["messages"], 239);
    assert!(v["aircraft"].as_u64().unwrap() > 0);
    let (v, _) = run_replay(&[
        feeds_fixture("lax_excerpt.txt").to_str().unwrap(),
        "--format",
        "avr",
        "--start-time",
        "1600000000",
    ]);
    assert_eq!(v["messages"], 5000);
    assert!(v["rejected"]
        .as_object()
        .unwrap()
        .contains_key("unsupported"));
}

#[test]
fn garbage_is_counted_and_missing_files_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.sbs");
    let mut bytes =
        b"MSG,3,1,1,484411,1,2016/02/05,04:51:22.903,,,,12525,,,52.58052,5.29031,,,,,,0\n".to_vec();
    bytes.extend_from_slice(b"MSG,3,\xff\xfe,garbage\n");
    bytes.extend_from_slice(&vec![b'x'; 20_000]);
    bytes.extend_from_slice(
        b"\nMSG,3,1,1,484411,1,2016/02/05,04:51:23.903,,,,NaN,,,52.58052,5.29031,,,,,,0\n",
    );
    std::fs::write(&bad, &bytes).unwrap();
    let (v, _) = run_replay(&[bad.to_str().unwrap(), "--format", "sbs"]);
    assert_eq!(v["messages"], 4);
    assert_eq!(v["rejected"]["invalid_utf8"], 1);
    assert_eq!(v["rejected"]["line_too_long"], 1);
    assert_eq!(v["rejected"]["bad_field"], 1);
    let out = bin()
        .args(["replay", "/nonexistent/file.sbs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/file.sbs"));
}

#[test]
fn replays_paris_state_vectors() {
    let Some(p) = shared_data("states/paris_quickstart.json.gz") else {
        return;
    };
    let (v, _) = run_replay(&[p.to_str().unwrap()]);
    assert_eq!(v["aircraft"], 213);
    assert_eq!(v["messages"], 284_505);
    // At the raw en-route thresholds (5 NM / 1000 ft, linear prediction, no filter) the
    // arrival and departure streams of CDG and Orly give 174 losses and 306 warnings; the
    // safety net (terminal regions, aerodrome inhibition, level occupancy, confirmation)
    // leaves a handful, each explained in the README.
    let sn = &v["safety_net"];
    assert_eq!(sn["raw_losses"], 174);
    assert_eq!(sn["raw_warnings"], 306);
    let losses = v["losses"].as_array().unwrap();
    assert!((1..=15).contains(&losses.len()), "{}", losses.len());
    assert!(sn["warnings"].as_u64().unwrap() <= 20, "{}", sn["warnings"]);
    // The existing fields keep their names.
    for c in v["conflicts"].as_array().unwrap() {
        for k in ["a", "b", "max_level", "first_alert_time", "cross_party"] {
            assert!(c.get(k).is_some(), "{k}");
        }
    }
    // No loss between two aircraft at adjacent levels (reported 850-1,000 ft apart; a pair
    // crossing each other's level may be closer and is a loss).
    for l in losses {
        let v_ft = l["min_vertical_ft"].as_f64().unwrap();
        let high = l["alt_ft"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a.as_f64().unwrap() > 6_000.0);
        assert!(!(high && v_ft >= 850.0), "{l}");
    }
}

#[test]
fn simulate_feed_serves_sbs_and_beast_live() {
    let sbs_port = 39_100 + (std::process::id() % 400) as u16;
    let beast_port = sbs_port + 500;
    let mut child = bin()
        .args([
            "simulate",
            "feed",
            "--scenario",
            "syria",
            "--aircraft",
            "20",
            "--seed",
            "3",
            "--duration-s",
            "20",
        ])
        .args([
            "--sbs-listen",
            &format!("127.0.0.1:{sbs_port}"),
            "--beast-listen",
            &format!("127.0.0.1:{beast_port}"),
        ])
        .spawn()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let got = rt.block_on(async {
        use deconflict_feeds::connect::{run_tcp_client, Backoff, FeedSpec};
        use deconflict_feeds::counters::FeedStats;
        use deconflict_feeds::source::Format;
        let mut seen = std::collections::HashMap::new();
        for (format, port) in [(Format::Sbs, sbs_port), (Format::Beast, beast_port)] {
            let spec = FeedSpec {
                id: format.name().into(),
                party: Some("cell".into()),
                format,
                reference: None,
                silent_after_s: None,
            };
            let stats = Arc::new(FeedStats::new(
                format.name(),
                format.name(),
                port.to_string(),
                None,
            ));
            let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
            let backoff = Backoff {
                initial_s: 0.1,
                max_s: 0.5,
                ..Default::default()
            };
            let task = tokio::spawn(run_tcp_client(
                spec,
                format!("127.0.0.1:{port}"),
                backoff,
                stats.clone(),
                tx,
            ));
            let mut positions = std::collections::HashSet::new();
            let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
            while positions.len() < 20 && tokio::time::Instant::now() < deadline {
                if let Ok(Some(o)) = tokio::time::timeout(Duration::from_secs(1), rx.recv()).await {
                    if o.has_position() {
                        positions.insert(o.id.clone());
                    }
                }
            }
            drop(rx);
            let _ = task.await;
            seen.insert(format.name(), (positions.len(), stats.rejected_total()));
        }
        seen
    });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(got["sbs"].0, 20, "{got:?}");
    assert_eq!(got["beast"].0, 20, "{got:?}");
}
