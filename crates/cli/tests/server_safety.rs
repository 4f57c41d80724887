//! The safety net in the live cell, over real HTTP against `deconflict serve --demo`: a
//! party's own aircraft flown by telemetry raise an alert; a declared formation suppresses it
//! (and another party cannot declare them); a cell-defined inhibition volume suppresses it;
//! the selected altitude in telemetry caps a climb; everything is audited.

mod server_support;
use serde_json::{json, Value};
use server_support::Server;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Flies `pairs` of blue telemetry aircraft at 1 Hz until `stop`: each is (id, lat, lon at
/// t0, alt_ft, gs_kt, trk_deg, vs_fpm, selected_alt_ft).
type Flight = (&'static str, f64, f64, f64, f64, f64, f64, Option<f64>);

fn fly(url: String, token: String, flights: Vec<Flight>, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        let c = reqwest::blocking::Client::new();
        let t0 = now();
        while !stop.load(Ordering::Relaxed) {
            let t = now();
            let dt = t - t0;
            let states: Vec<Value> = flights
                .iter()
                .map(|&(id, lat, lon, alt, gs, trk, vs, sel)| {
                    let d_deg = gs * dt / 3600.0 / 60.0;
                    let (s, co) = trk.to_radians().sin_cos();
                    let mut alt_now = alt + vs * dt / 60.0;
                    let mut vs_now = vs;
                    if let Some(sel) = sel {
                        if (vs > 0.0 && alt_now >= sel) || (vs < 0.0 && alt_now <= sel) {
                            alt_now = sel;
                            vs_now = 0.0;
                        }
                    }
                    let mut v = json!({
                        "id": id, "callsign": id, "lat_deg": lat + d_deg * co,
                        "lon_deg": lon + d_deg * s / lat.to_radians().cos(),
                        "alt_ft": (alt_now / 25.0).round() * 25.0, "gs_kt": gs, "trk_deg": trk,
                        "vs_fpm": vs_now, "time": t,
                    });
                    if let Some(sel) = sel {
                        v["selected_alt_ft"] = json!(sel);
                    }
                    v
                })
                .collect();
            let _ = c
                .post(format!("{url}/api/v1/telemetry"))
                .bearer_auth(&token)
                .json(&states)
                .send();
            std::thread::sleep(Duration::from_millis(1000));
        }
    });
}

fn alert_between(s: &Server, tok: &str, a: &str, b: &str) -> Option<Value> {
    let (_, v) = s.json("GET", Some(tok), "/api/v1/conflicts", None);
    v["conflicts"]
        .as_array()?
        .iter()
        .find(|c| (c["a"] == a && c["b"] == b) || (c["a"] == b && c["b"] == a))
        .cloned()
}

#[test]
fn exemptions_inhibition_and_intent_in_the_live_cell() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(dir.path());
    let (blue, red, cell, mon) = (
        s.token("blue"),
        s.token("red"),
        s.token("cell"),
        s.token("monitor"),
    );

    // Regions: every token reads them; the default aerodrome regions are on.
    let (st, r) = s.json(
        "GET",
        Some(&mon),
        "/api/v1/safety/regions?bbox=2,48.5,3,49.5",
        None,
    );
    assert_eq!(st, 200, "{r}");
    assert!(
        r["aerodrome_defaults"]["regions"].as_u64().unwrap() > 10_000,
        "{r}"
    );
    let ids: Vec<&str> = r["regions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["id"].as_str())
        .collect();
    assert!(
        ids.contains(&"LFPG-inhibit") && ids.contains(&"LFPG-terminal"),
        "{ids:?}"
    );
    assert_eq!(
        s.json("GET", Some(&blue), "/api/v1/safety/regions?bbox=nope", None)
            .0,
        400
    );

    // Blue flies two pairs over the open Pacific (no aerodrome near): A head-on at FL300,
    // and a climb from FL250 at 2,000 ft/min under a level aircraft at FL300 with the
    // selected altitude FL290 (1,000 ft below: separated).
    let stop = Arc::new(AtomicBool::new(false));
    fly(
        s.url(""),
        blue.clone(),
        vec![
            ("BLU901", 5.0, 170.0, 30_000.0, 450.0, 90.0, 0.0, None),
            (
                "BLU902",
                5.0,
                170.0 + 30.0 / 60.0,
                30_000.0,
                450.0,
                270.0,
                0.0,
                None,
            ),
            (
                "BLU903",
                -5.0,
                170.0,
                25_000.0,
                420.0,
                90.0,
                2_000.0,
                Some(29_000.0),
            ),
            (
                "BLU904",
                -5.0,
                170.0 + 30.0 / 60.0,
                30_000.0,
                420.0,
                270.0,
                0.0,
                None,
            ),
        ],
        stop.clone(),
    );
    assert!(
        s.wait_for(30, |s| alert_between(s, &blue, "BLU901", "BLU902")
            .is_some()),
        "no alert for the head-on"
    );
    // The track shows its selected altitude.
    let (_, t) = s.json("GET", Some(&blue), "/api/v1/tracks/BLU903", None);
    assert_eq!(t["selected_alt_ft"], 29_000.0, "{t}");

    // Red cannot declare blue's aircraft; blue declares them as a formation.
    let end = now() + 600.0;
    let body = json!({"kind": "formation", "tracks": ["BLU901", "BLU902"], "end": end, "note": "VIPER flight"});
    let (st, e) = s.json(
        "POST",
        Some(&red),
        "/api/v1/safety/exemptions",
        Some(body.clone()),
    );
    assert_eq!(st, 403, "{e}");
    assert_eq!(
        s.json(
            "POST",
            Some(&cell),
            "/api/v1/safety/exemptions",
            Some(body.clone())
        )
        .0,
        403
    );
    assert_eq!(
        s.json(
            "POST",
            Some(&mon),
            "/api/v1/safety/exemptions",
            Some(body.clone())
        )
        .0,
        403
    );
    let (st, bad) = s.json(
        "POST",
        Some(&blue),
        "/api/v1/safety/exemptions",
        Some(json!({"kind": "formation", "tracks": ["BLU901"], "end": end})),
    );
    assert_eq!(st, 422, "{bad}");
    let (st, ex) = s.json("POST", Some(&blue), "/api/v1/safety/exemptions", Some(body));
    assert_eq!(st, 201, "{ex}");
    assert_eq!(ex["state"], "active");
    let xid = ex["id"].as_str().unwrap().to_owned();
    // Shown to blue, the cell and observers; not to red.
    let listed = |tok: &str| {
        s.json("GET", Some(tok), "/api/v1/safety/exemptions", None)
            .1["exemptions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == xid.as_str())
    };
    assert!(listed(&blue) && listed(&cell) && listed(&mon));
    assert!(!listed(&red));
    // The alert clears (after the hold) and stays away.
    assert!(
        s.wait_for(20, |s| alert_between(s, &blue, "BLU901", "BLU902")
            .is_none()),
        "the exemption did not suppress the alert"
    );
    std::thread::sleep(Duration::from_secs(3));
    assert!(alert_between(&s, &blue, "BLU901", "BLU902").is_none());
    // Withdrawn: the alert comes back.
    let (st, w) = s.json(
        "DELETE",
        Some(&blue),
        &format!("/api/v1/safety/exemptions/{xid}"),
        None,
    );
    assert_eq!(st, 200, "{w}");
    assert_eq!(w["state"], "withdrawn");
    assert!(
        s.wait_for(20, |s| alert_between(s, &blue, "BLU901", "BLU902")
            .is_some()),
        "no alert after the withdrawal"
    );

    // The cell adds an inhibition volume around the pair: no alert inside.
    let region = json!({
        "id": "test-inhibit", "name": "Test inhibition", "kind": "inhibition",
        "lower_ft": -2000, "upper_ft": 40000,
        "center": {"lat_deg": 5.0, "lon_deg": 170.25}, "radius_nm": 60,
    });
    assert_eq!(
        s.json(
            "POST",
            Some(&blue),
            "/api/v1/safety/regions",
            Some(region.clone())
        )
        .0,
        403
    );
    let (st, bad) = s.json(
        "POST",
        Some(&cell),
        "/api/v1/safety/regions",
        Some(json!({"id": "x", "kind": "inhibition", "lower_ft": 0, "upper_ft": -5, "center": {"lat_deg": 0, "lon_deg": 0}, "radius_nm": 1})),
    );
    assert_eq!(st, 422, "{bad}");
    let (st, added) = s.json(
        "POST",
        Some(&cell),
        "/api/v1/safety/regions",
        Some(region.clone()),
    );
    assert_eq!(st, 201, "{added}");
    assert_eq!(added["source"], "api");
    assert_eq!(
        s.json("POST", Some(&cell), "/api/v1/safety/regions", Some(region))
            .0,
        409
    );
    assert!(
        s.wait_for(20, |s| alert_between(s, &blue, "BLU901", "BLU902")
            .is_none()),
        "the inhibition volume did not suppress the alert"
    );
    let (_, r) = s.json("GET", Some(&red), "/api/v1/safety/regions", None);
    assert!(r["regions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["id"] == "test-inhibit"));
    assert_eq!(
        s.json(
            "DELETE",
            Some(&cell),
            "/api/v1/safety/regions/test-inhibit",
            None
        )
        .0,
        200
    );
    assert_eq!(
        s.json(
            "DELETE",
            Some(&cell),
            "/api/v1/safety/regions/test-inhibit",
            None
        )
        .0,
        404
    );
    assert!(
        s.wait_for(20, |s| alert_between(s, &blue, "BLU901", "BLU902")
            .is_some()),
        "no alert after the region was removed"
    );

    // The climb capped 1,000 ft below the level aircraft never alerted.
    assert!(alert_between(&s, &blue, "BLU903", "BLU904").is_none());
    stop.store(true, Ordering::Relaxed);

    // Audited.
    let (_, a) = s.json("GET", Some(&cell), "/api/v1/audit?limit=1000", None);
    let actions: Vec<&str> = a["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for want in [
        "safety.exemption.declare",
        "safety.exemption.withdraw",
        "safety.region.add",
        "safety.region.remove",
    ] {
        assert!(actions.contains(&want), "{want} not in {actions:?}");
    }
    let (_, v) = s.json("GET", Some(&cell), "/api/v1/audit/verify", None);
    assert_eq!(v["ok"], true, "{v}");
}
