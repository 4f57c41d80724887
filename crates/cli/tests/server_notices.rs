//! Advance notices carry their own airspace, over real HTTP: red tells blue of an operation
//! with a 4D volume and a planned route; blue's aircraft inside the volume gets an advisory
//! (never more) that blue sees and red does not, while red's own and the cell's aircraft get
//! none;
//! blue's reservation crossing the route is told of it when filed (not refused) and listed on
//! the notice until cancelled; the notice is still watched after a restart.

mod server_support;

use serde_json::{json, Value};
use server_support::Server;
use std::time::Duration;

fn now_s() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// A box of 0.5° at 20–20.5°N 20–20.5°E, surface to FL400, over `[t0, t1]`.
fn box_volume(t0: f64, t1: f64) -> Value {
    json!({"shape": {"type": "polygon",
                     "coordinates": [[20.0, 20.0], [20.5, 20.0], [20.5, 20.5], [20.0, 20.5]]},
           "lower_ft": 0.0, "upper_ft": 40000.0, "start_time": t0, "end_time": t1})
}

/// A slow (5 kt) aircraft at the box's centre.
fn loiterer(id: &str, cs: &str) -> Value {
    json!({"id": id, "callsign": cs, "lat_deg": 20.25, "lon_deg": 20.25, "alt_ft": 20000.0,
           "gs_kt": 5.0, "trk_deg": 0.0, "vs_fpm": 0.0, "time": now_s()})
}

fn notice_alerts(s: &Server, token: &str, notice: &str) -> Vec<Value> {
    let (st, v) = s.json("GET", Some(token), "/api/v1/intrusions", None);
    assert_eq!(st, 200, "{v}");
    v["intrusions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["reservation_id"] == notice)
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

fn feed_all(s: &Server, blue: &str, red: &str, cell: &str) {
    for (who, id, cs) in [
        (blue, "AE10F2", "HAWK41"),
        (red, "150AF1", "SOKOL61"),
        (cell, "CELL01", "CELL01"),
    ] {
        let (st, r) = s.json(
            "POST",
            Some(who),
            "/api/v1/telemetry",
            Some(loiterer(id, cs)),
        );
        assert_eq!(st, 200, "{r}");
    }
}

#[test]
fn a_notice_with_its_own_volume_and_route_gives_advisories_to_its_recipient() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::demo(dir.path());
    let (blue, red, cell) = (s.token("blue"), s.token("red"), s.token("cell"));
    let t0 = now_s();

    // A route refused with the reason.
    let bad = json!({"kind": "notice", "to": "blue", "message": "x",
        "routes": [{"waypoints": [
            {"lat_deg": 21.0, "lon_deg": 20.25, "alt_ft": 20000.0, "time": t0 + 400.0},
            {"lat_deg": 21.5, "lon_deg": 20.25, "alt_ft": 20000.0, "time": t0 + 100.0}]}]});
    let (st, v) = s.json("POST", Some(&red), "/api/v1/requests", Some(bad));
    assert_eq!(st, 422, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("routes[0]"), "{v}");

    // Red's notice to blue: the box now, and a route north of it in a few minutes.
    let notice = json!({"kind": "notice", "to": "blue",
        "message": "Live firing in box K\nthen the transit north",
        "volumes": [box_volume(t0 - 10.0, t0 + 3600.0)],
        "routes": [{"name": "transit", "waypoints": [
            {"lat_deg": 21.0, "lon_deg": 20.25, "alt_ft": 20000.0, "time": t0 + 600.0},
            {"lat_deg": 21.5, "lon_deg": 20.25, "alt_ft": 24000.0, "time": t0 + 900.0},
            {"lat_deg": 21.5, "lon_deg": 20.75, "alt_ft": 24000.0, "time": t0 + 1200.0}]}]});
    let (st, q) = s.json("POST", Some(&red), "/api/v1/requests", Some(notice));
    assert_eq!(st, 201, "{q}");
    let qid = q["id"].as_str().unwrap().to_owned();
    assert_eq!(q["route_volumes"].as_array().unwrap().len(), 2, "{q}");
    assert_eq!(q["route_volumes"][0]["lower_ft"], 19000.0);
    assert_eq!(q["route_volumes"][0]["upper_ft"], 25000.0);
    assert_eq!(q["route_volumes"][0]["start_time"], t0 + 300.0);
    assert!((q["expires_at"].as_f64().unwrap() - (t0 + 3600.0)).abs() < 1e-6);

    // Blue's aircraft in the box gets an advisory, seen by blue and red; red's own aircraft
    // and the cell's (not addressed) get none.
    let mut found = Vec::new();
    assert!(
        s.wait_for(15, |s| {
            feed_all(s, &blue, &red, &cell);
            found = notice_alerts(s, &cell, &qid);
            !found.is_empty()
        }),
        "no advisory for blue's aircraft inside red's notice"
    );
    std::thread::sleep(Duration::from_secs(3));
    feed_all(&s, &blue, &red, &cell);
    let all = notice_alerts(&s, &cell, &qid);
    let tracks: Vec<&str> = all.iter().filter_map(|i| i["track_id"].as_str()).collect();
    assert_eq!(tracks, ["AE10F2"], "only the recipient's aircraft: {all:?}");
    let a = &all[0];
    assert_eq!(
        (
            a["purpose"].as_str(),
            a["level"].as_u64(),
            a["inside_now"].as_bool()
        ),
        (Some("notice"), Some(1), Some(true)),
        "inside a notice volume is still an advisory: {a}"
    );
    assert_eq!(
        a["reservation_name"],
        format!("notice {qid}: Live firing in box K")
    );
    assert_eq!(notice_alerts(&s, &blue, &qid).len(), 1, "blue sees it");
    assert_eq!(
        a["acks"],
        json!({"blue": false}),
        "blue alone acknowledges it: {a}"
    );
    assert!(
        notice_alerts(&s, &red, &qid).is_empty(),
        "red, the sender, learns nothing of blue's aircraft through its notice"
    );

    // Filing a notice volume directly is refused.
    let (st, v) = s.json(
        "POST",
        Some(&red),
        "/api/v1/reservations",
        Some(json!({"name": "x", "purpose": "notice", "volumes": [box_volume(t0 + 60.0, t0 + 600.0)]})),
    );
    assert_eq!(st, 422, "{v}");

    // Blue files across the route's first leg: accepted (a notice refuses nothing), told.
    let across = json!({"shape": {"type": "polygon",
        "coordinates": [[20.0, 21.2], [20.5, 21.2], [20.5, 21.3], [20.0, 21.3]]},
        "lower_ft": 15000.0, "upper_ft": 21000.0, "start_time": t0 + 100.0, "end_time": t0 + 7200.0});
    let (st, f) = s.json(
        "POST",
        Some(&blue),
        "/api/v1/reservations",
        Some(json!({"name": "Blue tanker track", "volumes": [across]})),
    );
    assert_eq!(st, 201, "{f}");
    assert_eq!(f["reservation"]["state"], "accepted", "{f}");
    let rid = f["reservation"]["id"].as_str().unwrap().to_owned();
    let told = f["notices"].as_array().unwrap();
    assert_eq!(told.len(), 1, "{f}");
    assert_eq!(told[0]["request_id"], qid.as_str());
    assert_eq!(told[0]["from"], "red");
    let o = &told[0]["overlaps"][0];
    assert_eq!(
        (o["lower_ft"].as_f64(), o["upper_ft"].as_f64()),
        (Some(19000.0), Some(21000.0)),
        "{o}"
    );
    // Both sides see the crossing on the notice.
    for who in [&blue, &red, &cell] {
        let r = request(&s, who, &qid);
        let c = r["crossings"].as_array().expect("crossings listed");
        assert_eq!(c.len(), 1, "{r}");
        assert_eq!(
            (
                c[0]["reservation_id"].as_str(),
                c[0]["party"].as_str(),
                c[0]["name"].as_str()
            ),
            (Some(rid.as_str()), Some("blue"), Some("Blue tanker track"))
        );
    }
    // The dry-run check says the same.
    let (st, v) = s.json(
        "POST",
        Some(&blue),
        "/api/v1/reservations/check",
        Some(json!({"volumes": [f["reservation"]["volumes"][0].clone()]})),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["notices"][0]["request_id"], qid.as_str(), "{v}");
    // Cancelled: no longer listed.
    let version = f["reservation"]["version"].as_i64().unwrap();
    let (st, v) = s.json(
        "DELETE",
        Some(&blue),
        &format!("/api/v1/reservations/{rid}?version={version}"),
        None,
    );
    assert_eq!(st, 200, "{v}");
    let after = request(&s, &blue, &qid);
    assert_eq!(after["id"], qid.as_str(), "the notice is still listed");
    assert!(after.get("crossings").is_none(), "{after}");

    // After a restart the notice is still watched.
    s.kill9();
    let s = Server::demo(dir.path());
    assert!(
        s.wait_for(15, |s| {
            feed_all(s, &blue, &red, &cell);
            !notice_alerts(s, &blue, &qid).is_empty()
        }),
        "the notice is watched again after a restart"
    );
}
