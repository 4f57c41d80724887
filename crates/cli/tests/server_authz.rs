//! Authorization over real HTTP against `deconflict serve --demo`: every route × every role,
//! need-to-know on tracks, alert acknowledgement sides, message addressing, revoked tokens,
//! validation and the OpenAPI document against the routes.

mod server_support;
use serde_json::json;
use server_support::Server;

/// `(method, path template, concrete path, body, expected status for [blue, cell, monitor, none])`.
type Row = (
    &'static str,
    &'static str,
    String,
    Option<serde_json::Value>,
    [u16; 4],
);

fn ids(v: &serde_json::Value) -> Vec<String> {
    v["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn authorization_matrix_and_need_to_know() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(dir.path());
    let (blue, red, cell, mon) = (
        s.token("blue"),
        s.token("red"),
        s.token("cell"),
        s.token("monitor"),
    );

    // Wait for the picture and the scripted cross-party alert.
    assert!(
        s.wait_for(30, |s| s.json("GET", Some(&cell), "/api/v1/tracks", None).1
            ["tracks"]
            .as_array()
            .is_some_and(|t| t.len() >= 10))
    );
    assert!(s.wait_for(60, |s| s
        .json("GET", Some(&blue), "/api/v1/conflicts", None)
        .1["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["cross_party"] == true)));
    // Pick a blue aircraft, and a red one well away from every blue aircraft.
    let (_, all) = s.json("GET", Some(&cell), "/api/v1/tracks", None);
    let all = all["tracks"].as_array().unwrap().clone();
    let of = |p: &str| {
        all.iter()
            .filter(|t| t["party"] == p)
            .cloned()
            .collect::<Vec<_>>()
    };
    let (blues, reds) = (of("blue"), of("red"));
    let blue_id = blues[0]["id"].as_str().unwrap().to_owned();
    let dist_nm = |a: &serde_json::Value, b: &serde_json::Value| {
        let (la, lb) = (
            a["lat_deg"].as_f64().unwrap().to_radians(),
            b["lat_deg"].as_f64().unwrap().to_radians(),
        );
        let dl = (b["lon_deg"].as_f64().unwrap() - a["lon_deg"].as_f64().unwrap()).to_radians();
        let h = ((lb - la) / 2.0).sin().powi(2) + la.cos() * lb.cos() * (dl / 2.0).sin().powi(2);
        2.0 * 6_371_008.8 * h.sqrt().asin() / 1852.0
    };
    let far_red = reds
        .iter()
        .find(|r| blues.iter().all(|b| dist_nm(r, b) > 10.0))
        .expect("a red aircraft 10 NM from every blue one");
    let red_id = far_red["id"].as_str().unwrap().to_owned();

    // --- tracks: red is alerts-only, so blue sees none of red's aircraft. ---
    let (_, bt) = s.json("GET", Some(&blue), "/api/v1/tracks", None);
    assert!(
        bt["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["party"] != "red"),
        "blue sees a red track"
    );
    assert!(ids(&bt).contains(&blue_id));
    assert_eq!(
        s.get(Some(&blue), &format!("/api/v1/tracks/{red_id}"))
            .status(),
        404
    );
    let (_, geo) = s.json("GET", Some(&blue), "/api/v1/export/picture.geojson", None);
    assert!(geo["features"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["properties"]["party"] != "red"));
    // Red (blue is full) sees blue's; cell and observer see everything.
    let (_, rt) = s.json("GET", Some(&red), "/api/v1/tracks", None);
    assert!(ids(&rt).contains(&blue_id));
    for t in [&cell, &mon] {
        let (_, all) = s.json("GET", Some(t), "/api/v1/tracks", None);
        assert!(ids(&all).contains(&red_id));
    }
    assert_eq!(
        s.get(Some(&cell), &format!("/api/v1/tracks/{red_id}"))
            .status(),
        200
    );

    // --- proximity: red switches to proximity 1 NM: the chosen red aircraft is far from blue's. ---
    let (st, _) = s.json(
        "PUT",
        Some(&red),
        "/api/v1/parties/red/sharing",
        Some(json!({"mode":"proximity","range_nm":1.0,"alt_ft":500.0})),
    );
    assert_eq!(st, 200);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(
        s.get(Some(&blue), &format!("/api/v1/tracks/{red_id}"))
            .status(),
        404
    );
    let (st, _) = s.json(
        "PUT",
        Some(&cell),
        "/api/v1/parties/red/sharing",
        Some(json!({"mode":"proximity","range_nm":900.0,"alt_ft":50000.0})),
    );
    assert_eq!(st, 200);
    assert_eq!(
        s.get(Some(&blue), &format!("/api/v1/tracks/{red_id}"))
            .status(),
        200
    );
    // A party cannot change another party's rule.
    assert_eq!(
        s.json(
            "PUT",
            Some(&blue),
            "/api/v1/parties/red/sharing",
            Some(json!({"mode":"full"}))
        )
        .0,
        403
    );
    s.json(
        "PUT",
        Some(&cell),
        "/api/v1/parties/red/sharing",
        Some(json!({"mode":"alerts-only"})),
    );

    // --- alert acks: each side its own. ---
    let (_, bc) = s.json("GET", Some(&blue), "/api/v1/conflicts", None);
    let c = bc["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cross_party"] == true)
        .unwrap();
    let cid = c["id"].as_str().unwrap().to_owned();
    let red_side = if c["a_party"] == "red" {
        "a_state"
    } else {
        "b_state"
    };
    assert_eq!(
        c[red_side]["party"], "red",
        "blue learns of red's aircraft through the alert"
    );
    let ack = format!("/api/v1/conflicts/{cid}/ack");
    assert_eq!(
        s.json("POST", Some(&blue), &ack, Some(json!({"party":"red"})))
            .0,
        403
    );
    assert_eq!(s.json("POST", Some(&mon), &ack, None).0, 403);
    let (st, a) = s.json("POST", Some(&blue), &ack, None);
    assert_eq!(st, 200, "{a}");
    assert_eq!(a["acks"]["blue"], true);
    assert_eq!(a["acks"]["red"], false);
    assert_eq!(
        s.json("POST", Some(&cell), &ack, None).0,
        403,
        "cell must name a side"
    );
    assert_eq!(
        s.json("POST", Some(&cell), &ack, Some(json!({"party":"red"})))
            .1["acks"]["red"],
        true
    );
    assert_eq!(
        s.json("POST", Some(&blue), "/api/v1/conflicts/c-nope/ack", None)
            .0,
        404
    );

    // --- messages: a third party's mail stays private. ---
    let (st, green) = s.json(
        "POST",
        Some(&cell),
        "/api/v1/parties",
        Some(json!({"id":"green","name":"Green","role":"party"})),
    );
    assert_eq!(st, 201, "{green}");
    let (st, gt) = s.json("POST", Some(&cell), "/api/v1/parties/green/tokens", None);
    assert_eq!(st, 201);
    let green = gt["token"].as_str().unwrap().to_owned();
    let (st, m) = s.json(
        "POST",
        Some(&blue),
        "/api/v1/messages",
        Some(json!({"to":"green","subject":"hi","body":"keep clear of box 4"})),
    );
    assert_eq!(st, 201, "{m}");
    let mid = m["id"].as_i64().unwrap();
    let (_, rm) = s.json("GET", Some(&red), "/api/v1/messages", None);
    assert!(rm["messages"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["id"] != mid));
    assert_eq!(
        s.json(
            "POST",
            Some(&red),
            &format!("/api/v1/messages/{mid}/read"),
            None
        )
        .0,
        404
    );
    assert_eq!(
        s.json(
            "POST",
            Some(&red),
            &format!("/api/v1/messages/{mid}/ack"),
            None
        )
        .0,
        404
    );
    let (st, gm) = s.json(
        "POST",
        Some(&green),
        &format!("/api/v1/messages/{mid}/ack"),
        None,
    );
    assert_eq!(st, 200);
    assert_eq!(gm["acks"], json!(["green"]));
    assert_eq!(
        s.json(
            "POST",
            Some(&blue),
            "/api/v1/messages",
            Some(json!({"to":"nobody","body":"x"}))
        )
        .0,
        422
    );

    // --- revoked token → 401. ---
    let tid = gt["token_id"].as_str().unwrap().to_owned();
    assert_eq!(
        s.json(
            "DELETE",
            Some(&blue),
            &format!("/api/v1/tokens/{tid}"),
            None
        )
        .0,
        403
    );
    assert_eq!(
        s.req(
            "DELETE",
            Some(&cell),
            &format!("/api/v1/tokens/{tid}"),
            None
        )
        .status(),
        204
    );
    let (st, p) = s.json("GET", Some(&green), "/api/v1/me", None);
    assert_eq!(st, 401);
    assert!(p["detail"].as_str().unwrap().contains("revoked"));

    // --- every route × every role. Expected status per [blue, cell, monitor, none]. ---
    let t = json!({"id":"BLU900","lat_deg":36.0,"lon_deg":36.0,"alt_ft":5000.0});
    let msg = json!({"to":null,"body":"all stations"});
    let matrix: Vec<Row> = vec![
        (
            "GET",
            "/api/v1/health",
            "/api/v1/health".into(),
            None,
            [200, 200, 200, 200],
        ),
        (
            "GET",
            "/api/v1/openapi.json",
            "/api/v1/openapi.json".into(),
            None,
            [200, 200, 200, 200],
        ),
        (
            "GET",
            "/metrics",
            "/metrics".into(),
            None,
            [200, 200, 200, 200],
        ),
        (
            "GET",
            "/api/v1/me",
            "/api/v1/me".into(),
            None,
            [200, 200, 200, 401],
        ),
        (
            "GET",
            "/api/v1/tracks",
            "/api/v1/tracks".into(),
            None,
            [200, 200, 200, 401],
        ),
        (
            "GET",
            "/api/v1/tracks/{id}",
            format!("/api/v1/tracks/{blue_id}"),
            None,
            [200, 200, 200, 401],
        ),
        (
            "POST",
            "/api/v1/telemetry",
            "/api/v1/telemetry".into(),
            Some(t.clone()),
            // BLU900 is blue's (the demo registers BLU for blue): not even the cell reports it.
            [200, 403, 403, 401],
        ),
        (
            "GET",
            "/api/v1/export/picture.geojson",
            "/api/v1/export/picture.geojson".into(),
            None,
            [200, 200, 200, 401],
        ),
        (
            "GET",
            "/api/v1/conflicts",
            "/api/v1/conflicts".into(),
            None,
            [200, 200, 200, 401],
        ),
        (
            "POST",
            "/api/v1/conflicts/{id}/ack",
            format!("/api/v1/conflicts/{cid}/ack"),
            Some(json!({"party":"blue"})),
            [200, 200, 403, 401],
        ),
        (
            "GET",
            "/api/v1/messages",
            "/api/v1/messages".into(),
            None,
            [200, 200, 200, 401],
        ),
        (
            "POST",
            "/api/v1/messages",
            "/api/v1/messages".into(),
            Some(msg.clone()),
            [201, 201, 403, 401],
        ),
        (
            "POST",
            "/api/v1/messages/{id}/read",
            format!("/api/v1/messages/{mid}/read"),
            None,
            [403, 403, 403, 401],
        ),
        (
            "POST",
            "/api/v1/messages/{id}/ack",
            format!("/api/v1/messages/{mid}/ack"),
            None,
            [403, 403, 403, 401],
        ),
        (
            "GET",
            "/api/v1/parties",
            "/api/v1/parties".into(),
            None,
            [200, 200, 200, 401],
        ),
        (
            "POST",
            "/api/v1/parties",
            "/api/v1/parties".into(),
            Some(json!({"id":"yellow","role":"party"})),
            [403, 201, 403, 401],
        ),
        (
            "PUT",
            "/api/v1/parties/{id}/sharing",
            "/api/v1/parties/blue/sharing".into(),
            Some(json!({"mode":"full"})),
            [200, 200, 403, 401],
        ),
        (
            "POST",
            "/api/v1/parties/{id}/tokens",
            "/api/v1/parties/blue/tokens".into(),
            None,
            [403, 201, 403, 401],
        ),
        (
            "DELETE",
            "/api/v1/tokens/{token_id}",
            "/api/v1/tokens/0000000000000000".into(),
            None,
            [403, 404, 403, 401],
        ),
        (
            "GET",
            "/api/v1/feeds",
            "/api/v1/feeds".into(),
            None,
            [200, 200, 200, 401],
        ),
        (
            "GET",
            "/api/v1/audit",
            "/api/v1/audit".into(),
            None,
            [403, 200, 200, 401],
        ),
        (
            "GET",
            "/api/v1/audit/verify",
            "/api/v1/audit/verify".into(),
            None,
            [403, 200, 200, 401],
        ),
        (
            "GET",
            "/api/v1/stream",
            "/api/v1/stream".into(),
            None,
            [400, 400, 400, 401],
        ),
    ];
    let (_, doc) = s.json("GET", None, "/api/v1/openapi.json", None);
    // Routes of this matrix must all be documented; documented routes outside it (merged
    // route tables, tested in detail by their own suites) get the role rules their
    // documentation states, with an empty body: no token → 401, an observer's write and a
    // party's call to a cell-only route are refused (4xx, never 2xx), a valid token is never
    // 401, and nothing answers 500.
    let mut documented = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let m = method.to_uppercase();
            let who = op["description"]
                .as_str()
                .unwrap_or("")
                .trim_start_matches("Allowed: ")
                .trim_end_matches('.')
                .to_owned();
            documented.push((m.clone(), path.clone()));
            if matrix
                .iter()
                .any(|(mm, templ, _, _, _)| *mm == m && templ == path)
            {
                continue;
            }
            let concrete = path
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') {
                        "x-unknown"
                    } else {
                        seg
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            for (i, tok) in [Some(&blue), Some(&cell), Some(&mon), None]
                .into_iter()
                .enumerate()
            {
                let body = (m != "GET" && m != "DELETE").then(|| json!({}));
                let st = s
                    .req(&m, tok.map(|t| t.as_str()), &concrete, body)
                    .status()
                    .as_u16();
                let role = ["blue", "cell", "monitor", "none"][i];
                assert_ne!(st, 500, "{m} {path} as {role}");
                match role {
                    "none" if who != "anyone" => assert_eq!(st, 401, "{m} {path} without a token"),
                    "monitor" if m != "GET" => assert!(
                        (400..500).contains(&st) && st != 401,
                        "{m} {path} as an observer: {st}"
                    ),
                    "blue" if who == "cell" => assert!(
                        (400..500).contains(&st) && st != 401,
                        "{m} {path} as a party: {st}"
                    ),
                    "none" => {}
                    _ => assert_ne!(st, 401, "{m} {path} as {role} with a valid token"),
                }
            }
        }
    }
    for (m, templ, _, _, _) in &matrix {
        assert!(
            documented.iter().any(|(dm, dp)| dm == m && dp == templ),
            "matrix route {m} {templ} is not documented"
        );
    }
    for (method, _, path, body, expect) in &matrix {
        for (i, tok) in [Some(&blue), Some(&cell), Some(&mon), None]
            .into_iter()
            .enumerate()
        {
            let r = s.req(method, tok.map(|t| t.as_str()), path, body.clone());
            assert_eq!(
                r.status().as_u16(),
                expect[i],
                "{method} {path} as {}",
                ["blue", "cell", "monitor", "none"][i]
            );
        }
    }
    // Unknown or garbage tokens.
    assert_eq!(s.get(Some("dc_0000_1111"), "/api/v1/me").status(), 401);
    assert_eq!(s.get(Some("garbage"), "/api/v1/tracks").status(), 401);
}

#[test]
fn validation_errors_are_problem_json_never_500() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(dir.path());
    let blue = s.token("blue");
    let c = reqwest::blocking::Client::new();
    // Malformed JSON.
    let r = c
        .post(s.url("/api/v1/messages"))
        .bearer_auth(&blue)
        .header("content-type", "application/json")
        .body("{bad")
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let p: serde_json::Value = r.json().unwrap();
    assert!(p["detail"].as_str().unwrap().contains("JSON"));
    // Out-of-range and NaN-like values in telemetry are rejected with the reason.
    let (st, v) = s.json(
        "POST",
        Some(&blue),
        "/api/v1/telemetry",
        Some(json!([
            {"id":"BLUX1","lat_deg":95.0,"lon_deg":1.0,"alt_ft":100.0},
            {"id":"BLUX2","lat_deg":35.0,"lon_deg":1.0,"alt_ft":1e9},
            {"id":"BLUX3","lat_deg":35.0,"lon_deg":36.0,"alt_ft":9000.0}
        ])),
    );
    assert_eq!(st, 200);
    assert_eq!(v["accepted"], 1);
    assert!(v["rejected"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("lat_deg"));
    assert!(v["rejected"][1]["reason"]
        .as_str()
        .unwrap()
        .contains("alt_ft"));
    let r = c
        .post(s.url("/api/v1/telemetry"))
        .bearer_auth(&blue)
        .header("content-type", "application/json")
        .body(r#"{"id":"BLUX4","lat_deg":NaN,"lon_deg":1,"alt_ft":1}"#)
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    // Body too large.
    let big = "x".repeat(2 * 1024 * 1024);
    let r = c
        .post(s.url("/api/v1/messages"))
        .bearer_auth(&blue)
        .json(&json!({"body": big}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 413);
    // Unknown id, bad path type, unknown route, bad query.
    assert_eq!(
        s.get(Some(&blue), "/api/v1/messages/abc/read").status(),
        405
    );
    assert_eq!(
        s.json("POST", Some(&blue), "/api/v1/messages/abc/read", None)
            .0,
        400
    );
    assert_eq!(
        s.json("POST", Some(&blue), "/api/v1/messages/999999/read", None)
            .0,
        404
    );
    assert_eq!(s.get(Some(&blue), "/api/v1/nothing").status(), 404);
    assert_eq!(
        s.get(Some(&blue), "/api/v1/conflicts?include=everything")
            .status(),
        400
    );
    assert_eq!(
        s.json(
            "PUT",
            Some(&blue),
            "/api/v1/parties/blue/sharing",
            Some(json!({"mode":"proximity","range_nm":-3}))
        )
        .0,
        422
    );
    assert_eq!(
        s.json(
            "PUT",
            Some(&blue),
            "/api/v1/parties/blue/sharing",
            Some(json!({"mode":"sometimes"}))
        )
        .0,
        422
    );
}

#[test]
fn rate_limit_answers_429() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        "[limits]\nrate_limit_per_s = 1.0\nrate_limit_burst = 5.0\n",
    )
    .unwrap();
    let s = Server::start(dir.path(), &["--config", cfg.to_str().unwrap()]);
    let cell = s.token("cell");
    let codes: Vec<u16> = (0..10)
        .map(|_| s.get(Some(&cell), "/api/v1/me").status().as_u16())
        .collect();
    assert!(codes[..5].iter().all(|c| *c == 200), "{codes:?}");
    let r = s.get(Some(&cell), "/api/v1/me");
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
}

/// The demo's scripted head-on: blue `VIPER11` (AE1001) against red `SOKOL21` (150A21).
fn scripted_pair(c: &serde_json::Value) -> bool {
    let (a, b) = (c["a"].as_str(), c["b"].as_str());
    matches!(
        (a, b),
        (Some("AE1001"), Some("150A21")) | (Some("150A21"), Some("AE1001"))
    )
}

fn conflicts_of(s: &Server, token: &str) -> Vec<serde_json::Value> {
    let (st, v) = s.json("GET", Some(token), "/api/v1/conflicts", None);
    assert_eq!(st, 200, "{v}");
    v["conflicts"].as_array().unwrap().clone()
}

#[test]
fn demo_head_on_becomes_a_warning_within_a_minute_and_is_acknowledged() {
    // README: the scripted blue–red head-on "becomes a warning within a minute" of
    // `serve --demo` starting (by design after about 37 s).
    const WARNING_WITHIN_S: f64 = 60.0;
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let s = Server::demo(dir.path());
    let (blue, red, cell) = (s.token("blue"), s.token("red"), s.token("cell"));
    let mut caution_at = None;
    let mut warning = None;
    s.wait_for(WARNING_WITHIN_S as u64 + 5, |s| {
        let t = started.elapsed().as_secs_f64();
        let pair = conflicts_of(s, &blue).into_iter().find(scripted_pair);
        match pair {
            Some(c) if c["level"] == 3 => warning = Some((t, c)),
            Some(c) if c["level"] == 2 && caution_at.is_none() => caution_at = Some(t),
            _ => {}
        }
        warning.is_some()
    });
    let Some((warned_at, c)) = warning else {
        panic!(
            "no warning between AE1001 and 150A21 after {:?} (caution first seen at {caution_at:?} s)",
            started.elapsed()
        );
    };
    eprintln!("scripted head-on: caution seen at {caution_at:?} s, warning at {warned_at:.1} s");
    assert!(
        warned_at <= WARNING_WITHIN_S,
        "warning after {warned_at:.1} s, promised within {WARNING_WITHIN_S} s"
    );
    // It is a caution first: the warning comes from the closing geometry, not the start.
    assert!(
        caution_at.is_some_and(|t| t < warned_at),
        "caution {caution_at:?}, warning {warned_at:.1} s"
    );
    let parties = [c["a_party"].as_str(), c["b_party"].as_str()];
    assert!(
        parties.contains(&Some("blue")) && parties.contains(&Some("red")),
        "{c}"
    );
    assert_eq!(c["cross_party"], true);
    assert_eq!(c["acks"], json!({"blue": false, "red": false}), "{c}");
    let id = c["id"].as_str().unwrap().to_owned();
    // The warning concerning blue sorts first among blue's unacknowledged warnings.
    let listed = conflicts_of(&s, &blue);
    assert_eq!(listed[0]["level"], 3, "{listed:?}");
    assert_eq!(listed[0]["acks"]["blue"], false);

    // Blue acknowledges its side.
    let ack = format!("/api/v1/conflicts/{id}/ack");
    let (st, a) = s.json("POST", Some(&blue), &ack, None);
    assert_eq!(st, 200, "{a}");
    assert_eq!(a["id"], id.as_str());
    assert_eq!(a["acks"], json!({"blue": true, "red": false}), "{a}");
    // Visible to both sides and the cell when they read the alerts again.
    for (who, token) in [("blue", &blue), ("red", &red), ("cell", &cell)] {
        let found = conflicts_of(&s, token)
            .into_iter()
            .find(|x| x["id"] == id.as_str())
            .unwrap_or_else(|| panic!("{who} no longer sees {id}"));
        assert_eq!(found["level"], 3, "{who}: {found}");
        assert_eq!(found["acks"]["blue"], true, "{who}: {found}");
        assert_eq!(found["acks"]["red"], false, "{who}: {found}");
    }
    // Recorded in the audit log, by blue.
    let mut acks = Vec::new();
    let mut after = 0;
    loop {
        let path = format!("/api/v1/audit?limit=10000&after={after}");
        let (st, log) = s.json("GET", Some(&cell), &path, None);
        assert_eq!(st, 200, "{log}");
        let page = log["entries"].as_array().unwrap();
        let Some(last) = page.last() else { break };
        after = last["seq"].as_i64().unwrap();
        acks.extend(page.iter().filter(|e| e["action"] == "alert.ack").cloned());
    }
    assert_eq!(acks.len(), 1, "{acks:?}");
    assert_eq!(acks[0]["actor"], "blue");
    let (_, v) = s.json("GET", Some(&cell), "/api/v1/audit/verify", None);
    assert_eq!(v["ok"], true, "{v}");

    // Red acknowledges its own side in turn.
    let (st, a) = s.json("POST", Some(&red), &ack, None);
    assert_eq!(st, 200, "{a}");
    assert_eq!(a["acks"], json!({"blue": true, "red": true}), "{a}");
}
