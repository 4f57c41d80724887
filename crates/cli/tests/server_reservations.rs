//! Reservations over real HTTP on loopback against the `deconflict serve` binary: overlap
//! results against hand-computed geometry, filing rules (priority, justification, versions,
//! validation), imports and export, states that move with time, filing-check latency.

mod server_support;
use serde_json::{json, Value};
use server_support::strategic::*;
use server_support::Server;

#[test]
fn overlaps_match_hand_computed_geometry() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(dir.path());
    let (blue, red) = (s.token("blue"), s.token("red"));
    let (t0, t1) = (now() + 3_600.0, now() + 7_200.0);

    // Squares: blue 0.2° × 0.2° at the equator; red shifted by 0.1° east; overlap 0.1° × 0.2°.
    let (st, b) = file(
        &s,
        &blue,
        json!({"name": "sq", "priority": 5,
        "volumes": [vol(square(10.0, 0.0, 10.2, 0.2), 0.0, 10_000.0, t0, t1)]}),
    );
    assert_eq!(st, 201, "{b}");
    assert_eq!(b["reservation"]["state"], "accepted");
    assert_eq!(b["reservation"]["version"], 1);
    let blue_sq = b["reservation"]["id"].as_str().unwrap().to_owned();
    let o = check(
        &s,
        &red,
        json!([vol(
            square(10.1, 0.0, 10.3, 0.2),
            5_000.0,
            15_000.0,
            t0 - 600.0,
            t1 - 600.0
        )]),
    );
    assert_eq!(o.len(), 1, "{o:?}");
    let want = rect_area_m2(0.1, 0.0, 0.2);
    let got = o[0]["area_m2"].as_f64().unwrap();
    assert!(
        rel_err(got, want) < 0.002,
        "square overlap {got} m² vs {want} m²"
    );
    assert_eq!(o[0]["reservation_id"], blue_sq.as_str());
    assert_eq!(o[0]["party"], "blue");
    assert_eq!(
        (o[0]["lower_ft"].as_f64(), o[0]["upper_ft"].as_f64()),
        (Some(5_000.0), Some(10_000.0))
    );
    assert_eq!(
        (o[0]["start_time"].as_f64(), o[0]["end_time"].as_f64()),
        (Some(t0), Some(t1 - 600.0))
    );
    assert_eq!(o[0]["gives_way"], Value::Null, "equal priority");
    assert_eq!(o[0]["geometry"]["type"], "Polygon");
    // The owner's own reservation is not an overlap.
    assert!(check(
        &s,
        &blue,
        json!([vol(square(10.1, 0.0, 10.3, 0.2), 0.0, 10_000.0, t0, t1)])
    )
    .is_empty());

    // Circles: r = 10 km, centres 10 km apart: lens 2r²acos(d/2r) − (d/2)√(4r² − d²).
    let (r, d) = (10_000.0_f64, 10_000.0_f64);
    let dlon = (d / R_M).to_degrees();
    let (st, _) = file(
        &s,
        &blue,
        json!({"volumes": [vol(circle(0.0, 20.0, r), 0.0, 10_000.0, t0, t1)]}),
    );
    assert_eq!(st, 201);
    let o = check(
        &s,
        &red,
        json!([vol(circle(0.0, 20.0 + dlon, r), 0.0, 10_000.0, t0, t1)]),
    );
    assert_eq!(o.len(), 1, "{o:?}");
    let lens = 2.0 * r * r * (d / (2.0 * r)).acos() - d / 2.0 * (4.0 * r * r - d * d).sqrt();
    let got = o[0]["area_m2"].as_f64().unwrap();
    assert!(rel_err(got, lens) < 0.01, "lens {got} m² vs {lens} m²");
    // Tangent circles (d = 2r) and circles farther apart do not overlap.
    let tangent = (2.0 * r / R_M).to_degrees();
    assert!(check(
        &s,
        &red,
        json!([vol(circle(0.0, 20.0 + tangent, r), 0.0, 10_000.0, t0, t1)])
    )
    .is_empty());

    // Across the antimeridian: blue 179.9°E → 179.9°W; red −179.95° → −179.8°: 0.05° overlap.
    let (st, _) = file(
        &s,
        &blue,
        json!({"volumes": [vol(json!({"type": "polygon",
        "coordinates": [[179.9, 10.0], [-179.9, 10.0], [-179.9, 10.2], [179.9, 10.2]]}), 0.0, 10_000.0, t0, t1)]}),
    );
    assert_eq!(st, 201);
    let o = check(
        &s,
        &red,
        json!([vol(
            square(-179.95, 10.0, -179.8, 10.2),
            0.0,
            10_000.0,
            t0,
            t1
        )]),
    );
    assert_eq!(o.len(), 1, "{o:?}");
    let want = rect_area_m2(0.05, 10.0, 10.2);
    let got = o[0]["area_m2"].as_f64().unwrap();
    assert!(
        rel_err(got, want) < 0.005,
        "antimeridian overlap {got} m² vs {want} m²"
    );
    // And from the other side, west of the antimeridian.
    let o = check(
        &s,
        &red,
        json!([vol(
            square(179.8, 10.0, 179.95, 10.2),
            0.0,
            10_000.0,
            t0,
            t1
        )]),
    );
    assert_eq!(o.len(), 1);
    assert!(rel_err(o[0]["area_m2"].as_f64().unwrap(), want) < 0.005);

    // Altitude bands touching (blue 0–10,000, red 10,000–20,000) and time windows touching.
    assert!(check(
        &s,
        &red,
        json!([vol(
            square(10.1, 0.0, 10.3, 0.2),
            10_000.0,
            20_000.0,
            t0,
            t1
        )])
    )
    .is_empty());
    assert!(check(
        &s,
        &red,
        json!([vol(
            square(10.1, 0.0, 10.3, 0.2),
            0.0,
            10_000.0,
            t1,
            t1 + 600.0
        )])
    )
    .is_empty());
    assert!(check(
        &s,
        &red,
        json!([vol(
            square(10.1, 0.0, 10.3, 0.2),
            0.0,
            10_000.0,
            t0 - 600.0,
            t0
        )])
    )
    .is_empty());
    // Squares sharing only an edge.
    assert!(check(
        &s,
        &red,
        json!([vol(square(10.2, 0.0, 10.4, 0.2), 0.0, 10_000.0, t0, t1)])
    )
    .is_empty());
    // Flight levels are accepted for bounds: FL100 = 10,000 ft touches blue's top.
    let (st, v) = s.json("POST", Some(&red), "/api/v1/reservations/check", Some(json!({"volumes": [
        {"shape": square(10.1, 0.0, 10.3, 0.2), "lower_fl": 100, "upper_fl": 200, "start_time": t0, "end_time": t1}]})));
    assert_eq!(st, 200, "{v}");
    assert!(v["overlaps"].as_array().unwrap().is_empty());
}

#[test]
fn filing_priority_justification_versions_and_validation() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(dir.path());
    let (blue, red, mon) = (s.token("blue"), s.token("red"), s.token("monitor"));
    let (t0, t1) = (now() + 600.0, now() + 7_200.0);
    let blue_vol = vol(square(40.0, -20.0, 40.5, -19.5), 0.0, 20_000.0, t0, t1);
    let red_vol = vol(
        square(40.25, -20.0, 40.75, -19.5),
        5_000.0,
        25_000.0,
        t0,
        t1,
    );

    let (st, b) = file(
        &s,
        &blue,
        json!({"name": "Blue box", "priority": 3, "volumes": [blue_vol]}),
    );
    assert_eq!(st, 201, "{b}");
    let bid = b["reservation"]["id"].as_str().unwrap().to_owned();

    // Overlap without a justification: 409 problem carrying the overlaps; nothing filed.
    let before = s.json("GET", Some(&red), "/api/v1/reservations", None).1["reservations"]
        .as_array()
        .unwrap()
        .len();
    let (st, p) = file(
        &s,
        &red,
        json!({"name": "Red box", "priority": 5, "volumes": [red_vol.clone()]}),
    );
    assert_eq!(st, 409, "{p}");
    assert_eq!(p["overlaps"][0]["reservation_id"], bid.as_str());
    assert_eq!(
        p["overlaps"][0]["gives_way"], "blue",
        "lower priority gives way"
    );
    assert!(
        p["detail"].as_str().unwrap().contains("justification"),
        "{p}"
    );
    assert_eq!(
        s.json("GET", Some(&red), "/api/v1/reservations", None).1["reservations"]
            .as_array()
            .unwrap()
            .len(),
        before
    );

    // With a justification: filed as proposed, justification and filed_over shown to blue.
    let (st, r) = file(
        &s,
        &red,
        json!({"name": "Red box", "priority": 5, "volumes": [red_vol.clone()],
        "justification": "Exercise window agreed at the coordination meeting"}),
    );
    assert_eq!(st, 201, "{r}");
    assert_eq!(r["reservation"]["state"], "proposed");
    assert_eq!(r["overlaps"].as_array().unwrap().len(), 1);
    let rid = r["reservation"]["id"].as_str().unwrap().to_owned();
    let (_, seen) = s.json(
        "GET",
        Some(&blue),
        &format!("/api/v1/reservations/{rid}"),
        None,
    );
    assert_eq!(
        seen["justification"],
        "Exercise window agreed at the coordination meeting"
    );
    assert_eq!(seen["filed_over"], json!([bid]));
    assert_eq!(seen["party"], "red");

    // Blue (priority 3) cannot file over red's priority-5 reservation, even with a reason.
    let (st, p) = file(
        &s,
        &blue,
        json!({"priority": 3, "justification": "please",
        "volumes": [vol(square(40.6, -20.0, 40.7, -19.9), 6_000.0, 7_000.0, t0, t1)]}),
    );
    assert_eq!(st, 409, "{p}");
    assert!(
        p["detail"].as_str().unwrap().contains("higher priority"),
        "{p}"
    );
    assert_eq!(p["overlaps"][0]["gives_way"], "blue");

    // Versions: change, stale change → 409 with current_version, cancel with the version.
    let path = format!("/api/v1/reservations/{bid}");
    let (st, u) = s.json(
        "PUT",
        Some(&blue),
        &path,
        Some(json!({"version": 1, "name": "Blue box (renamed)"})),
    );
    assert_eq!(st, 200, "{u}");
    assert_eq!(u["reservation"]["version"], 2);
    assert_eq!(u["reservation"]["name"], "Blue box (renamed)");
    let (st, p) = s.json(
        "PUT",
        Some(&blue),
        &path,
        Some(json!({"version": 1, "name": "stale"})),
    );
    assert_eq!(st, 409, "{p}");
    assert_eq!(p["current_version"], 2);
    let (st, p) = s.json("DELETE", Some(&blue), &format!("{path}?version=1"), None);
    assert_eq!(st, 409);
    assert_eq!(p["current_version"], 2);
    // Only the owner changes or cancels; observers read only.
    assert_eq!(
        s.json(
            "PUT",
            Some(&red),
            &path,
            Some(json!({"version": 2, "name": "mine"}))
        )
        .0,
        403
    );
    assert_eq!(
        s.json("DELETE", Some(&red), &format!("{path}?version=2"), None)
            .0,
        403
    );
    assert_eq!(
        s.json("DELETE", Some(&mon), &format!("{path}?version=2"), None)
            .0,
        403
    );
    // Moving blue's box onto red's higher-priority one is refused like a filing.
    let (st, _) = s.json(
        "PUT",
        Some(&blue),
        &path,
        Some(json!({"version": 2, "justification": "x",
        "volumes": [vol(square(40.5, -20.0, 40.7, -19.8), 6_000.0, 7_000.0, t0, t1)]})),
    );
    assert_eq!(st, 409);
    let (st, c) = s.json("DELETE", Some(&blue), &format!("{path}?version=2"), None);
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["state"], "cancelled");
    assert_eq!(c["version"], 3);
    // A cancelled reservation no longer overlaps anything, and cannot be changed.
    let (st, f) = file(
        &s,
        &red,
        json!({"priority": 5, "volumes": [vol(square(40.0, -20.0, 40.2, -19.8), 0.0, 20_000.0, t0, t1)]}),
    );
    assert_eq!(st, 201, "{f}");
    assert_eq!(f["reservation"]["state"], "accepted");
    assert_eq!(
        s.json(
            "PUT",
            Some(&blue),
            &path,
            Some(json!({"version": 3, "name": "back"}))
        )
        .0,
        409
    );
    assert_eq!(
        s.json("DELETE", Some(&blue), &path, None).0,
        400,
        "version is required"
    );
    assert_eq!(
        s.json("GET", Some(&blue), "/api/v1/reservations/r-99999", None)
            .0,
        404
    );

    // Validation: 4xx with the reason.
    let bad = |volume: Value, priority: u64, expect: &str| {
        let (st, p) = file(
            &s,
            &blue,
            json!({"priority": priority, "volumes": [volume]}),
        );
        assert_eq!(st, 422, "{expect}: {p}");
        assert_eq!(p["status"], 422);
        let d = p["detail"].as_str().unwrap();
        assert!(d.contains(expect), "{expect:?} not in {d:?}");
    };
    let bowtie = json!({"type": "polygon", "coordinates": [[30.0, 30.0], [30.1, 30.1], [30.1, 30.0], [30.0, 30.1]]});
    bad(vol(bowtie, 0.0, 1_000.0, t0, t1), 5, "self-intersecting");
    bad(
        vol(square(30.0, 95.0, 30.1, 95.1), 0.0, 1_000.0, t0, t1),
        5,
        "out of range",
    );
    bad(
        vol(square(200.0, 30.0, 200.1, 30.1), 0.0, 1_000.0, t0, t1),
        5,
        "longitude",
    );
    bad(
        vol(square(30.0, 30.0, 30.1, 30.1), 0.0, 1_000.0, t1, t0),
        5,
        "end_time",
    );
    bad(
        vol(square(30.0, 30.0, 30.1, 30.1), 0.0, 1_000.0, t0, t0),
        5,
        "end_time",
    );
    bad(
        vol(square(30.0, 30.0, 30.1, 30.1), 5_000.0, 1_000.0, t0, t1),
        5,
        "lower altitude",
    );
    bad(
        vol(circle(30.0, 30.0, 0.0), 0.0, 1_000.0, t0, t1),
        5,
        "radius_m",
    );
    bad(
        vol(circle(30.0, 30.0, -5.0), 0.0, 1_000.0, t0, t1),
        5,
        "radius_m",
    );
    bad(
        vol(circle(30.0, 30.0, 5.0e6), 0.0, 1_000.0, t0, t1),
        5,
        "exceeds",
    );
    bad(
        vol(square(0.0, 0.0, 40.0, 40.0), 0.0, 1_000.0, t0, t1),
        5,
        "exceeds",
    );
    bad(
        vol(
            json!({"type": "polygon", "coordinates": [[30.0, 30.0], [30.0, 30.1], [30.0, 30.2]]}),
            0.0,
            1_000.0,
            t0,
            t1,
        ),
        5,
        "zero area",
    );
    bad(
        vol(
            square(30.0, 30.0, 30.1, 30.1),
            0.0,
            1_000.0,
            t0 - 86_400.0,
            t0 - 3_600.0,
        ),
        5,
        "in the past",
    );
    bad(
        vol(square(30.0, 30.0, 30.1, 30.1), 0.0, 1_000.0, t0, t1),
        11,
        "priority",
    );
    let (st, p) = file(&s, &blue, json!({"volumes": []}));
    assert_eq!(st, 422);
    assert!(p["detail"]
        .as_str()
        .unwrap()
        .contains("at least one volume"));
    let r = reqwest::blocking::Client::new()
        .post(s.url("/api/v1/reservations"))
        .bearer_auth(&blue)
        .header("content-type", "application/json")
        .body("{\"volumes\": [")
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    // The dry run files nothing.
    let n = s.json("GET", Some(&blue), "/api/v1/reservations", None).1["reservations"]
        .as_array()
        .unwrap()
        .len();
    check(
        &s,
        &red,
        json!([vol(square(50.0, 50.0, 50.1, 50.1), 0.0, 1_000.0, t0, t1)]),
    );
    assert_eq!(
        s.json("GET", Some(&blue), "/api/v1/reservations", None).1["reservations"]
            .as_array()
            .unwrap()
            .len(),
        n
    );

    // Every change is in the audit log, whose chain verifies.
    let (_, a) = s.json(
        "GET",
        Some(&s.token("cell")),
        "/api/v1/audit?limit=10000",
        None,
    );
    let actions: Vec<&str> = a["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for want in [
        "reservation.file",
        "reservation.update",
        "reservation.cancel",
        "zone.file",
        "request.vacate",
        "request.notice",
    ] {
        assert!(actions.contains(&want), "{want} not audited: {actions:?}");
    }
    assert_eq!(
        s.json("GET", Some(&s.token("cell")), "/api/v1/audit/verify", None)
            .1["ok"],
        true
    );
}

#[test]
fn equal_priority_overlaps_can_be_refused_by_the_cell() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[strategic]\nequal_priority = \"refuse\"\n\n[[parties]]\nid = \"blue\"\n\n[[parties]]\nid = \"red\"\n").unwrap();
    let s = Server::start(dir.path(), &["--config", cfg.to_str().unwrap()]);
    let cell = s.token("cell");
    let token = |p: &str| {
        let (st, v) = s.json(
            "POST",
            Some(&cell),
            &format!("/api/v1/parties/{p}/tokens"),
            None,
        );
        assert_eq!(st, 201, "{v}");
        v["token"].as_str().unwrap().to_owned()
    };
    let (blue, red) = (token("blue"), token("red"));
    let (t0, t1) = (now() + 600.0, now() + 3_600.0);
    assert_eq!(file(&s, &blue, json!({"priority": 4, "volumes": [vol(square(0.0, 0.0, 0.2, 0.2), 0.0, 9_000.0, t0, t1)]})).0, 201);
    let (st, p) = file(
        &s,
        &red,
        json!({"priority": 4, "justification": "needed",
        "volumes": [vol(square(0.1, 0.1, 0.3, 0.3), 0.0, 9_000.0, t0, t1)]}),
    );
    assert_eq!(st, 409, "{p}");
    assert!(
        p["detail"].as_str().unwrap().contains("equal priority"),
        "{p}"
    );
    // Higher priority with a justification is still filed.
    let (st, _) = file(
        &s,
        &red,
        json!({"priority": 6, "justification": "needed",
        "volumes": [vol(square(0.1, 0.1, 0.3, 0.3), 0.0, 9_000.0, t0, t1)]}),
    );
    assert_eq!(st, 201);
}

#[test]
fn imports_geojson_volume4d_and_openair() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(dir.path());
    let (blue, red) = (s.token("blue"), s.token("red"));
    let (t0, t1) = (now() + 600.0, now() + 3_600.0);
    let fc = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[70.0, 20.0], [70.2, 20.0], [70.2, 20.2], [70.0, 20.2], [70.0, 20.0]]]},
         "properties": {"name": "Area A", "purpose": "training", "priority": 4, "lower_ft": 0, "upper_fl": 150, "start_time": t0, "end_time": t1}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [71.0, 20.0]},
         "properties": {"name": "Area B", "radius_m": 5000, "lower_ft": 0, "upper_ft": 9000, "start_time": t0, "end_time": t1}}]});
    let (st, v) = s.json("POST", Some(&blue), "/api/v1/reservations/import", Some(fc));
    assert_eq!(st, 201, "{v}");
    let rs = v["reservations"].as_array().unwrap();
    assert_eq!(rs.len(), 2);
    assert_eq!(
        (
            rs[0]["name"].as_str(),
            rs[0]["purpose"].as_str(),
            rs[0]["priority"].as_u64()
        ),
        (Some("Area A"), Some("training"), Some(4))
    );
    assert_eq!(rs[0]["volumes"][0]["upper_ft"], 15_000.0);
    assert_eq!(rs[1]["volumes"][0]["shape"]["type"], "circle");
    // ASTM F3548 Volume4D overlapping Area A: refused without a justification, all or nothing.
    let iso = |t: f64| chrono_like(t);
    let v4d = json!({"name": "Red op", "volumes": [{"volume": {"outline_polygon": {"vertices": [
            {"lat": 20.1, "lng": 70.1}, {"lat": 20.1, "lng": 70.3}, {"lat": 20.3, "lng": 70.3}, {"lat": 20.3, "lng": 70.1}]},
            "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
            "altitude_upper": {"value": 3000, "reference": "W84", "units": "M"}},
        "time_start": {"value": iso(t0), "format": "RFC3339"}, "time_end": {"value": iso(t1), "format": "RFC3339"}}]});
    let (st, p) = s.json(
        "POST",
        Some(&red),
        "/api/v1/reservations/import",
        Some(v4d.clone()),
    );
    assert_eq!(st, 409, "{p}");
    assert_eq!(p["overlaps"][0]["reservation_id"], rs[0]["id"]);
    let mut v4d = v4d;
    v4d["justification"] = json!("joint exercise");
    let (st, v) = s.json("POST", Some(&red), "/api/v1/reservations/import", Some(v4d));
    assert_eq!(st, 201, "{v}");
    let r = &v["reservations"][0];
    assert_eq!(r["state"], "proposed");
    assert!((r["volumes"][0]["upper_ft"].as_f64().unwrap() - 3000.0 / 0.3048).abs() < 1e-6);
    assert_eq!(r["source"]["format"], "volume4d");
    // Bad imports say where.
    let (st, p) = s.json("POST", Some(&blue), "/api/v1/reservations/import", Some(json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
         "properties": {"lower_ft": 0, "upper_ft": 1000, "start_time": t0, "end_time": t1}}]})));
    assert_eq!(st, 422);
    assert!(p["detail"].as_str().unwrap().contains("features[0]"), "{p}");

    // OpenAir as text/plain: a DC circle and a polygon with a DA arc; a bad one is reported.
    let text = "AC R\nAN TEST MEZ\nAL GND\nAH FL300\nV X=20:00:00 N 072:00:00 E\nDC 10\n\n\
                AC Q\nAN ARC AREA\nAL 2000ft MSL\nAH 9500ft MSL\nDP 20:30:00 N 072:00:00 E\nV X=20:30:00 N 072:10:00 E\nDA 10,270,90\n\n\
                AC R\nAN BROKEN\nAL FL100\nAH FL050\nDP 21:00:00 N 072:00:00 E\nDP 21:00:00 N 072:10:00 E\nDP 21:10:00 N 072:10:00 E\n";
    let resp = reqwest::blocking::Client::new()
        .post(s.url("/api/v1/zones/openair"))
        .bearer_auth(&blue)
        .header("content-type", "text/plain")
        .body(text)
        .send()
        .unwrap();
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().unwrap();
    let zones = v["zones"].as_array().unwrap();
    assert_eq!(zones.len(), 2, "{v}");
    assert_eq!(zones[0]["name"], "TEST MEZ");
    assert_eq!(zones[0]["purpose"], "hazard");
    assert_eq!(zones[0]["volumes"][0]["shape"]["type"], "circle");
    assert!(
        (zones[0]["volumes"][0]["shape"]["radius_m"]
            .as_f64()
            .unwrap()
            - 18_520.0)
            .abs()
            < 1.0
    );
    assert_eq!(zones[0]["volumes"][0]["upper_ft"], 30_000.0);
    assert_eq!(zones[1]["volumes"][0]["shape"]["type"], "polygon");
    assert_eq!(v["rejected"].as_array().unwrap().len(), 1);
    assert_eq!(v["rejected"][0]["name"], "BROKEN");
    // Zones are visible to every party.
    let (_, l) = s.json("GET", Some(&red), "/api/v1/reservations", None);
    assert!(l["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == "TEST MEZ"));
    // JSON form with a window; nothing usable → 422.
    let (st, v) = s.json(
        "POST",
        Some(&red),
        "/api/v1/zones/openair",
        Some(
            json!({"text": "AC R\nAN ONE\nAL GND\nAH 5000ft\nV X=22:00:00 N 072:00:00 E\nDC 2\n",
        "start_time": t0, "end_time": t1}),
        ),
    );
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["zones"][0]["volumes"][0]["start_time"].as_f64(), Some(t0));
    let (st, _) = s.json(
        "POST",
        Some(&red),
        "/api/v1/zones/openair",
        Some(json!({"text": "nothing here"})),
    );
    assert_eq!(st, 422);
}

/// Filing-check latency over HTTP with 100,000 live reservations in the cell. Run with
/// `cargo test --release -p deconflict --test server_strategic -- --ignored --nocapture`.
#[test]
#[ignore = "measurement: loads 100,000 reservations"]
fn filing_check_latency_with_100k_reservations() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[limits]\nrate_limit_per_s = 100000.0\nrate_limit_burst = 100000.0\nbody_limit_bytes = 16777216\n").unwrap();
    let s = Server::start(dir.path(), &["--demo", "--config", cfg.to_str().unwrap()]);
    let (blue, red) = (s.token("blue"), s.token("red"));
    let (t0, t1) = (now() - 60.0, now() + 6.0 * 3_600.0);
    // 100,000 squares of 0.04° on a 0.05° grid (500 × 200 over 25° × 10°), 0–20,000 ft.
    let load = std::time::Instant::now();
    for batch in 0..100 {
        let features: Vec<Value> = (0..1000)
            .map(|k| {
                let n = batch * 1000 + k;
                let (lon, lat) = (100.0 + (n % 500) as f64 * 0.05, -30.0 + (n / 500) as f64 * 0.05);
                json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[lon, lat], [lon + 0.04, lat], [lon + 0.04, lat + 0.04], [lon, lat + 0.04], [lon, lat]]]},
                       "properties": {"lower_ft": 0, "upper_ft": 20_000, "start_time": t0, "end_time": t1}})
            })
            .collect();
        let (st, v) = s.json(
            "POST",
            Some(&blue),
            "/api/v1/reservations/import",
            Some(json!({"type": "FeatureCollection", "features": features})),
        );
        assert_eq!(st, 201, "{v}");
    }
    println!(
        "loaded 100,000 reservations in {:.1} s",
        load.elapsed().as_secs_f64()
    );
    let client = reqwest::blocking::Client::new();
    let mut lat_ms = Vec::new();
    let mut found = 0;
    for i in 0..1000 {
        // A 0.12° square somewhere over the grid: overlaps about 9 reservations.
        let (lon, lat) = (
            100.3 + (i * 37 % 480) as f64 * 0.05 + 0.013,
            -29.7 + (i * 11 % 190) as f64 * 0.05 + 0.007,
        );
        let body = json!({"volumes": [vol(square(lon, lat, lon + 0.12, lat + 0.12), 5_000.0, 10_000.0, t0 + 60.0, t1 - 60.0)]});
        let t = std::time::Instant::now();
        let r = client
            .post(s.url("/api/v1/reservations/check"))
            .bearer_auth(&red)
            .json(&body)
            .send()
            .unwrap();
        let v: Value = r.json().unwrap();
        lat_ms.push(t.elapsed().as_secs_f64() * 1e3);
        found += v["overlaps"].as_array().unwrap().len();
    }
    lat_ms.sort_by(f64::total_cmp);
    let rss_kb = std::fs::read_to_string(format!("/proc/{}/status", s.child.id()))
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("VmRSS"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_owned())
        })
        .unwrap_or_default();
    println!(
        "filing check over HTTP, 100,000 reservations, N = 1000: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {:.1} overlaps per check; server RSS {rss_kb} kB",
        lat_ms[500], lat_ms[990], lat_ms[999], found as f64 / 1000.0
    );
    assert!(found > 0);
}

#[test]
fn reservation_states_move_with_time_and_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(dir.path());
    let (blue, cell) = (s.token("blue"), s.token("cell"));
    let t = now();
    let (st, b) = file(
        &s,
        &blue,
        json!({"volumes": [vol(square(90.0, 0.0, 90.1, 0.1), 0.0, 9_000.0, t + 2.0, t + 7.0)]}),
    );
    assert_eq!(st, 201, "{b}");
    assert_eq!(b["reservation"]["state"], "accepted");
    let path = format!(
        "/api/v1/reservations/{}",
        b["reservation"]["id"].as_str().unwrap()
    );
    let state = |s: &Server| {
        s.json("GET", Some(&blue), &path, None).1["state"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(s.wait_for(5, |s| state(s) == "active"));
    assert!(s.wait_for(10, |s| state(s) == "ended"));
    // Time-driven states keep the version (the owner's edits are not invalidated).
    assert_eq!(s.json("GET", Some(&blue), &path, None).1["version"], 1);
    assert_eq!(
        s.json(
            "PUT",
            Some(&blue),
            &path,
            Some(json!({"version": 1, "name": "late"}))
        )
        .0,
        409,
        "ended"
    );
    // The cycle records both transitions in the audit log.
    assert!(s.wait_for(10, |s| {
        let (_, a) = s.json("GET", Some(&cell), "/api/v1/audit?limit=10000", None);
        let acts: Vec<String> = a["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_owned())
            .collect();
        acts.iter().any(|x| x == "reservation.active")
            && acts.iter().any(|x| x == "reservation.ended")
    }));
}
