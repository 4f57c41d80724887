//! Ownership of aircraft over loopback: a party reports only the aircraft the cell registered
//! for it. Red posting states for blue's VIPER11 (the track-takeover attack) or blue posting a
//! civil aircraft's address is refused with 403 and a reason, counted per party, and changes
//! nothing: blue still owns its aircraft where it is, and the live blue–red alert keeps its
//! acknowledgements. The cell registers aircraft over the API (audited, never overlapping
//! another party's), and a telemetry response counts only what the track table took.

mod server_support;
use serde_json::{json, Value};
use server_support::Server;

/// Blue's VIPER11 and red's SOKOL21 in the demo.
const VIPER: &str = "AE1001";
const SOKOL: &str = "150A21";

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn encounter(s: &Server, tok: &str) -> Option<Value> {
    let (_, v) = s.json("GET", Some(tok), "/api/v1/conflicts", None);
    v["conflicts"]
        .as_array()?
        .iter()
        .find(|c| {
            let (a, b) = (c["a"].as_str(), c["b"].as_str());
            (a == Some(VIPER) && b == Some(SOKOL)) || (a == Some(SOKOL) && b == Some(VIPER))
        })
        .cloned()
}

#[test]
fn no_party_can_claim_another_partys_aircraft_or_a_civil_one() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(dir.path());
    let (blue, red, cell) = (s.token("blue"), s.token("red"), s.token("cell"));
    assert!(
        s.wait_for(30, |s| encounter(s, &blue).is_some()),
        "the scripted encounter raised its alert"
    );
    let id = encounter(&s, &blue).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (st, _) = s.json(
        "POST",
        Some(&blue),
        &format!("/api/v1/conflicts/{id}/ack"),
        Some(json!({})),
    );
    assert_eq!(st, 200);

    // Red posts six states with increasing times for blue's VIPER11, far away.
    let t0 = now();
    for k in 0..6 {
        let (st, v) = s.json(
            "POST",
            Some(&red),
            "/api/v1/telemetry",
            Some(
                json!({"id": VIPER, "callsign": "HIJACK", "lat_deg": 30.0, "lon_deg": 30.0,
                        "alt_ft": 25000.0, "gs_kt": 450.0, "trk_deg": 90.0, "time": t0 + k as f64}),
            ),
        );
        assert_eq!(st, 403, "red may not report VIPER11: {v}");
        assert_eq!(v["reason"], "other_party", "{v}");
        assert!(
            v["detail"]
                .as_str()
                .unwrap()
                .contains("registered for blue"),
            "{v}"
        );
        assert_eq!(v["ids"], json!([VIPER]));
    }
    // Blue still has its aircraft, as its own, where it is.
    let (st, t) = s.json("GET", Some(&blue), &format!("/api/v1/tracks/{VIPER}"), None);
    assert_eq!(st, 200, "{t}");
    assert_eq!(t["party"], "blue");
    assert_ne!(t["callsign"], "HIJACK");
    assert!((t["lat_deg"].as_f64().unwrap() - 30.0).abs() > 1.0, "{t}");
    // The alert was neither cleared nor re-raised: same id, blue's acknowledgement kept.
    let c = encounter(&s, &blue).expect("the alert is still there");
    assert_eq!(c["id"], id.as_str());
    assert_eq!(c["acks"]["blue"], true, "{c}");

    // A civil aircraft (an address nobody registered) cannot be claimed by a party.
    let (st, v) = s.json(
        "POST",
        Some(&blue),
        "/api/v1/telemetry",
        Some(json!([
            {"id": "BLU001", "lat_deg": 35.0, "lon_deg": 36.0, "alt_ft": 9000.0},
            {"id": "3944F5", "lat_deg": 48.9, "lon_deg": 2.4, "alt_ft": 11000.0}
        ])),
    );
    assert_eq!(st, 403, "{v}");
    assert_eq!(v["reason"], "not_registered");
    assert_eq!(v["refused"], 1);
    assert_eq!(
        s.get(Some(&cell), "/api/v1/tracks/BLU001").status(),
        404,
        "a refused request applies nothing, not even its allowed states"
    );

    // Counted per party and reason.
    let m = s.get(None, "/metrics").text().unwrap();
    let line = m
        .lines()
        .find(|l| {
            l.starts_with(
                "deconflict_telemetry_refused_total{party=\"red\",reason=\"other_party\"}",
            )
        })
        .unwrap_or_else(|| panic!("refusals counted:\n{m}"));
    assert!(line.ends_with(" 6"), "{line}");
    assert!(m.contains(
        "deconflict_telemetry_refused_total{party=\"blue\",reason=\"not_registered\"} 1"
    ));
}

#[test]
fn the_cell_registers_aircraft_audited_and_a_response_counts_what_the_table_took() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(dir.path());
    let (blue, cell) = (s.token("blue"), s.token("cell"));
    let (st, _) = s.json(
        "POST",
        Some(&cell),
        "/api/v1/parties",
        Some(json!({"id": "green", "name": "Green", "role": "party"})),
    );
    assert_eq!(st, 201);
    let (st, v) = s.json("POST", Some(&cell), "/api/v1/parties/green/tokens", None);
    assert_eq!(st, 201);
    let green = v["token"].as_str().unwrap().to_owned();
    let state = |id: &str, t: f64| json!({"id": id, "lat_deg": 50.0, "lon_deg": 10.0, "alt_ft": 20000.0, "time": t});

    // Nothing registered yet: refused, and the reason says who registers.
    let (st, v) = s.json(
        "POST",
        Some(&green),
        "/api/v1/telemetry",
        Some(state("GRN1", now())),
    );
    assert_eq!(st, 403, "{v}");
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("PUT /api/v1/parties/green/aircraft"),
        "{v}"
    );

    // Overlapping blue's block or prefix: 409 naming blue. Malformed: 422. Not the cell: 403.
    for (body, want) in [
        (json!({"icao": ["AE10F0-AE2000"]}), 409),
        (json!({"prefixes": ["BL"]}), 409),
        (json!({"icao": ["AE10"]}), 422),
        (json!({"icao": ["3C0000-3C00FF"], "extra": 1}), 422),
    ] {
        let (st, v) = s.json(
            "PUT",
            Some(&cell),
            "/api/v1/parties/green/aircraft",
            Some(body.clone()),
        );
        assert_eq!(st, want, "{body}: {v}");
    }
    let (st, _) = s.json(
        "PUT",
        Some(&blue),
        "/api/v1/parties/green/aircraft",
        Some(json!({"prefixes": ["GRN"]})),
    );
    assert_eq!(st, 403);
    let (st, v) = s.json(
        "PUT",
        Some(&cell),
        "/api/v1/parties/green/aircraft",
        Some(json!({"icao": ["3c0000-3c00ff"], "prefixes": ["GRN"]})),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["aircraft"]["icao"],
        json!(["3C0000-3C00FF"]),
        "normalised"
    );
    // Read back by the party itself and the cell, not by another party.
    let (st, v) = s.json("GET", Some(&green), "/api/v1/parties/green/aircraft", None);
    assert_eq!(
        (st, v["aircraft"]["prefixes"].clone()),
        (200, json!(["GRN"]))
    );
    assert_eq!(
        s.get(Some(&blue), "/api/v1/parties/green/aircraft")
            .status(),
        403
    );
    let (_, v) = s.json("GET", Some(&cell), "/api/v1/parties/blue/aircraft", None);
    assert_eq!(v["aircraft"]["icao"], json!(["AE1000-AE10FF"]));
    // Audited, naming the party.
    let (_, a) = s.json("GET", Some(&cell), "/api/v1/audit?limit=10000", None);
    assert!(
        a["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "party.aircraft" && e["object"] == "green"),
        "{a}"
    );

    // Now green reports its aircraft; the same state twice is one accepted, one duplicate.
    let t = now();
    for (want_accepted, body) in [
        (2, json!([state("GRN1", t), state("3C0012", t)])),
        (0, json!([state("GRN1", t)])),
    ] {
        let (st, v) = s.json("POST", Some(&green), "/api/v1/telemetry", Some(body));
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["accepted"], want_accepted, "{v}");
        if want_accepted == 0 {
            assert_eq!(v["rejected"][0]["reason"], "duplicate message", "{v}");
        }
    }
    // In the picture from the next cycle on, as green's.
    assert!(s.wait_for(5, |s| {
        let (st, tr) = s.json("GET", Some(&cell), "/api/v1/tracks/GRN1", None);
        st == 200 && tr["party"] == "green"
    }));
    // The registration survives a restart (read from the store, not the config).
    drop(s);
    let s = Server::demo(dir.path());
    let (_, v) = s.json(
        "GET",
        Some(&s.token("cell")),
        "/api/v1/parties/green/aircraft",
        None,
    );
    assert_eq!(v["aircraft"]["prefixes"], json!(["GRN"]), "{v}");
}
