//! The demarche changes the airspace, over real HTTP: red asks blue to vacate a box; blue's
//! acceptance creates red's exclusion (atomic with the answer, audited, streamed, listed);
//! blue's aircraft predicted inside at the deadline get a compliance alert before it and an
//! intrusion alert after it, to blue and red, while other aircraft are not watched; a declined
//! request stays contested for both until its volume ends.

mod server_support;

use serde_json::{json, Value};
use server_support::Server;
use std::time::{Duration, Instant};

fn now_s() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// A box of 0.5° at 10–10.5°N 10–10.5°E, surface to FL400, over `[t0, t1]`.
fn box_volume(t0: f64, t1: f64) -> Value {
    json!({"shape": {"type": "polygon",
                     "coordinates": [[10.0, 10.0], [10.5, 10.0], [10.5, 10.5], [10.0, 10.5]]},
           "lower_ft": 0.0, "upper_ft": 40000.0, "start_time": t0, "end_time": t1})
}

/// A slow (5 kt) aircraft at the box's centre.
fn loiterer(id: &str, cs: &str) -> Value {
    json!({"id": id, "callsign": cs, "lat_deg": 10.25, "lon_deg": 10.25, "alt_ft": 20000.0,
           "gs_kt": 5.0, "trk_deg": 0.0, "vs_fpm": 0.0, "time": now_s()})
}

fn intrusions(s: &Server, token: &str, reservation: &str) -> Vec<Value> {
    let (st, v) = s.json("GET", Some(token), "/api/v1/intrusions", None);
    assert_eq!(st, 200, "{v}");
    v["intrusions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["reservation_id"] == reservation)
        .cloned()
        .collect()
}

fn request(s: &Server, token: &str, id: &str) -> Value {
    let (_, v) = s.json("GET", Some(token), "/api/v1/requests", None);
    v["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
        .unwrap_or(Value::Null)
}

#[test]
fn an_accepted_vacate_request_is_watched_and_a_declined_one_stays_contested() {
    let dir = tempfile::tempdir().unwrap();
    // The intrusion look-ahead (10 s) is shorter than the time to the deadline (25 s): what
    // warns before the deadline is the compliance check (lead 600 s), not the look-ahead.
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[strategic]\nintrusion_lookahead_s = 10.0\n").unwrap();
    let s = Server::start(dir.path(), &["--demo", "--config", cfg.to_str().unwrap()]);
    let (blue, red, cell) = (s.token("blue"), s.token("red"), s.token("cell"));
    let t0 = now_s();
    let deadline = t0 + 25.0;

    // Red asks blue to vacate the box from the deadline; a second request ends soon.
    let (st, q) = s.json(
        "POST",
        Some(&red),
        "/api/v1/requests",
        Some(
            json!({"kind": "vacate", "to": "blue", "volume": box_volume(deadline, t0 + 3600.0),
                    "message": "Live firing in box K: clear it by the deadline"}),
        ),
    );
    assert_eq!(st, 201, "{q}");
    let qid = q["id"].as_str().unwrap().to_owned();
    let (st, q2) = s.json(
        "POST",
        Some(&red),
        "/api/v1/requests",
        Some(
            json!({"kind": "vacate", "to": "blue", "volume": box_volume(t0, t0 + 40.0),
                    "message": "Clear the box now"}),
        ),
    );
    assert_eq!(st, 201, "{q2}");
    let q2id = q2["id"].as_str().unwrap().to_owned();

    // Blue's loiterer (stays inside), red's own aircraft and one the cell reports.
    let feed = |who: &str, v: Value| {
        let (st, r) = s.json("POST", Some(who), "/api/v1/telemetry", Some(v));
        assert_eq!(st, 200, "{r}");
    };
    feed(&blue, loiterer("AE10F2", "HAWK41"));
    feed(&red, loiterer("150AF1", "SOKOL61"));
    feed(&cell, loiterer("CELL01", "CELL01"));

    // Blue accepts: the exclusion exists, owned by red, linked both ways, listed.
    let (st, a) = s.json(
        "POST",
        Some(&blue),
        &format!("/api/v1/requests/{qid}/accept"),
        None,
    );
    assert_eq!(st, 200, "{a}");
    assert_eq!(a["state"], "accepted");
    let xid = a["exclusion_id"]
        .as_str()
        .expect("the answer names its exclusion")
        .to_owned();
    let (_, list) = s.json("GET", Some(&blue), "/api/v1/reservations", None);
    let x = list["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == xid.as_str())
        .cloned()
        .expect("GET /reservations lists the exclusion");
    assert_eq!(
        (x["purpose"].as_str(), x["party"].as_str()),
        (Some("exclusion"), Some("red"))
    );
    assert_eq!(x["exclusion"]["request_id"], qid.as_str());
    assert_eq!(x["exclusion"]["watch_party"], "blue");
    assert!((x["volumes"][0]["start_time"].as_f64().unwrap() - deadline).abs() < 1e-6);
    // Filing an exclusion directly is refused.
    let (st, v) = s.json(
        "POST",
        Some(&blue),
        "/api/v1/reservations",
        Some(json!({"name": "x", "purpose": "exclusion", "volumes": [box_volume(t0 + 60.0, t0 + 600.0)]})),
    );
    assert_eq!(st, 422, "{v}");
    // Audited: the exclusion, then the answer.
    let (_, audit) = s.json("GET", Some(&cell), "/api/v1/audit?limit=10000", None);
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    let i = actions
        .iter()
        .position(|a| *a == "exclusion.create")
        .expect("audited");
    assert_eq!(actions.get(i + 1), Some(&"request.accept"));

    // Blue declines the second request: contested for red, blue and the cell.
    let (st, d) = s.json(
        "POST",
        Some(&blue),
        &format!("/api/v1/requests/{q2id}/decline"),
        Some(json!({"reason": "Our CAP stays on station"})),
    );
    assert_eq!(st, 200, "{d}");
    for who in [&blue, &red, &cell] {
        let r = request(&s, who, &q2id);
        assert_eq!(
            (r["contested"].as_bool(), r["reason"].as_str()),
            (Some(true), Some("Our CAP stays on station")),
            "{r}"
        );
    }

    // Before the deadline: the compliance alert for blue's aircraft, to blue and red.
    let keep_reporting = |until: Instant| {
        while Instant::now() < until {
            feed(&blue, loiterer("AE10F2", "HAWK41"));
            feed(&red, loiterer("150AF1", "SOKOL61"));
            feed(&cell, loiterer("CELL01", "CELL01"));
            std::thread::sleep(Duration::from_millis(500));
        }
    };
    let start = Instant::now();
    let mut compliance = None;
    while start.elapsed() < Duration::from_secs(10) && compliance.is_none() {
        keep_reporting(Instant::now() + Duration::from_millis(1000));
        compliance = intrusions(&s, &blue, &xid)
            .into_iter()
            .find(|i| i["track_id"] == "AE10F2");
    }
    let c = compliance.expect("no compliance alert for blue's aircraft inside before the deadline");
    assert!(
        now_s() < deadline,
        "the compliance alert must come before the deadline"
    );
    assert_eq!(c["inside_now"], false, "{c}");
    let tte = c["time_to_entry_s"].as_f64().unwrap();
    assert!(
        tte > 10.0 && tte <= 25.0,
        "beyond the look-ahead, before the deadline: {c}"
    );
    assert_eq!(
        intrusions(&s, &red, &xid).len(),
        1,
        "red, the requester, sees it too"
    );
    for other in ["150AF1", "CELL01"] {
        assert!(
            intrusions(&s, &cell, &xid)
                .iter()
                .all(|i| i["track_id"] != other),
            "{other} is not watched by blue's exclusion"
        );
    }

    // After the deadline: blue's aircraft still inside is an intrusion, to both.
    keep_reporting(Instant::now() + Duration::from_secs_f64((deadline - now_s()).max(0.0) + 4.0));
    let after = intrusions(&s, &blue, &xid);
    let i = after
        .iter()
        .find(|i| i["track_id"] == "AE10F2")
        .expect("intrusion after the deadline");
    assert_eq!(i["inside_now"], true, "{i}");
    assert_eq!(
        i["level"], 3,
        "inside an active exclusion is a warning: {i}"
    );
    assert!(intrusions(&s, &red, &xid)
        .iter()
        .any(|i| i["track_id"] == "AE10F2"));
    // The cell (and both parties) see the request's compliance status.
    for who in [&cell, &blue, &red] {
        let c = &request(&s, who, &qid)["compliance"];
        assert_eq!(
            (c["exclusion_id"].as_str(), c["compliant"].as_bool()),
            (Some(xid.as_str()), Some(false)),
            "{c}"
        );
        let a = &c["aircraft"][0];
        assert_eq!(
            (a["track_id"].as_str(), a["inside_now"].as_bool()),
            (Some("AE10F2"), Some(true)),
            "{c}"
        );
        assert!(
            a["expected_exit"].is_null(),
            "at 5 kt it stays inside past the horizon: {c}"
        );
        assert_eq!(c["aircraft"].as_array().unwrap().len(), 1, "{c}");
    }

    // The declined request's volume ends: no longer contested.
    keep_reporting(Instant::now() + Duration::from_secs_f64((t0 + 41.0 - now_s()).max(0.0)));
    assert_eq!(request(&s, &blue, &q2id)["contested"], false);
}
