//! The trust boundary over real HTTP and WebSocket, as a hostile party meets it: telemetry
//! field rules (squawk, callsign), control and bidi characters in every free-text field, the
//! bearer scheme's case, the exact polygon vertex limit, revocation closing open streams, and
//! a shortened audit log refusing to start the server.

mod server_support;
use futures::StreamExt;
use serde_json::{json, Value};
use server_support::strategic::{now, vol};
use server_support::{audit_verify, Server};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

fn detail(v: &Value) -> String {
    v["detail"].as_str().unwrap_or_default().to_owned()
}

fn state(id: &str) -> Value {
    json!({"id": id, "lat_deg": 41.0, "lon_deg": 12.0, "alt_ft": 12000, "gs_kt": 300, "trk_deg": 90})
}

fn with(mut v: Value, k: &str, x: Value) -> Value {
    v[k] = x;
    v
}

#[test]
fn telemetry_rejects_bad_squawks_and_callsigns_per_state() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(dir.path());
    // The cell reports here: a party may report only the aircraft registered for it.
    let blue = s.token("cell");
    let batch = json!([
        with(state("BND0"), "squawk", json!("7".repeat(1_000_000))),
        with(state("BND1"), "callsign", json!("Ä".repeat(9))),
        with(state("BND2"), "callsign", json!("VIP\u{0}R11")),
        with(state("BND3"), "callsign", json!("AB\u{202E}CD")),
        with(state("BND4"), "squawk", json!("7a00")),
        with(state("BND5"), "squawk", json!("8000")),
        with(state("BND6"), "callsign", json!("ABCDEFGHI")),
        with(state("BND7"), "callsign", json!("VIPER-11")),
        // Accepted: lowercase is upper-cased, trailing spaces trimmed, 8 characters fit.
        with(
            with(state("BND8"), "callsign", json!("viper11  ")),
            "squawk",
            json!("7777")
        ),
        with(state("BND9"), "callsign", json!("ABCD 123")),
    ]);
    let (st, out) = s.json("POST", Some(&blue), "/api/v1/telemetry", Some(batch));
    assert_eq!(st, 200, "{out}");
    assert_eq!(out["accepted"], 2, "{out}");
    let rejected = out["rejected"].as_array().unwrap();
    let reason = |i: u64| {
        rejected
            .iter()
            .find(|r| r["index"] == i)
            .and_then(|r| r["reason"].as_str())
            .unwrap_or_else(|| panic!("state {i} not rejected: {out}"))
            .to_owned()
    };
    for i in [0, 4, 5] {
        let r = reason(i);
        assert!(r.starts_with("squawk"), "{r}");
        assert!(r.contains("four octal digits"), "{r}");
        assert!(
            r.len() < 200,
            "the reason does not echo the value: {} bytes",
            r.len()
        );
    }
    assert!(reason(1).contains("9 characters"), "{}", reason(1));
    assert!(reason(6).contains("9 characters"), "{}", reason(6));
    for i in [1, 2, 3, 6, 7] {
        assert!(reason(i).starts_with("callsign"), "{}", reason(i));
    }
    assert!(reason(2).contains("U+0000"), "{}", reason(2));
    assert!(reason(3).contains("U+202E"), "{}", reason(3));
    // The accepted states are in the picture as normalised.
    assert!(
        s.wait_for(20, |s| s.get(Some(&blue), "/api/v1/tracks/BND8").status()
            == 200)
    );
    let (_, t) = s.json("GET", Some(&blue), "/api/v1/tracks/BND8", None);
    assert_eq!(
        (t["callsign"].as_str(), t["squawk"].as_str()),
        (Some("VIPER11"), Some("7777")),
        "{t}"
    );
    assert!(
        s.wait_for(20, |s| s.get(Some(&blue), "/api/v1/tracks/BND9").status()
            == 200)
    );
    assert_eq!(
        s.json("GET", Some(&blue), "/api/v1/tracks/BND9", None).1["callsign"],
        "ABCD 123"
    );
    let (_, all) = s.json("GET", Some(&blue), "/api/v1/tracks", None);
    assert!(all["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["id"] != "BND0"));
    assert!(all.to_string().len() < 1_000_000);
}

#[test]
fn free_text_with_control_or_bidi_characters_is_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(dir.path());
    let (blue, red, cell) = (s.token("blue"), s.token("red"), s.token("cell"));
    let t = now();
    let square = json!({"type": "polygon", "coordinates": [[30.0, 10.0], [30.1, 10.0], [30.1, 10.1], [30.0, 10.1]]});
    let volume = vol(square, 0.0, 5000.0, t + 60.0, t + 3600.0);
    let refused = |tok: &str, path: &str, body: Value, field: &str, code: &str| {
        let (st, out) = s.json("POST", Some(tok), path, Some(body));
        assert_eq!(st, 422, "{path} {field}: {out}");
        let d = detail(&out);
        assert!(d.starts_with(field), "{path}: {d}");
        assert!(d.contains(code), "{path}: {d}");
    };
    // Hotline.
    refused(
        &blue,
        "/api/v1/messages",
        json!({"to": "red", "subject": "\u{1b}[2J", "body": "x"}),
        "subject",
        "U+001B",
    );
    refused(
        &blue,
        "/api/v1/messages",
        json!({"to": "red", "subject": "s", "body": "pay\u{202E}fdp.exe"}),
        "body",
        "U+202E",
    );
    refused(
        &blue,
        "/api/v1/messages",
        json!({"to": "red", "subject": "s", "body": "a\r\nb"}),
        "body",
        "U+000D",
    );
    let (st, m) = s.json(
        "POST",
        Some(&blue),
        "/api/v1/messages",
        Some(json!({"to": "red", "subject": "Zürich", "body": "line 1\nline 2"})),
    );
    assert_eq!(st, 201, "{m}");
    // Reservations.
    refused(
        &blue,
        "/api/v1/reservations",
        json!({"name": "Ops \u{2066}A", "volumes": [volume]}),
        "name",
        "U+2066",
    );
    refused(
        &blue,
        "/api/v1/reservations",
        json!({"name": "ok", "justification": "x\u{0}", "volumes": [volume]}),
        "justification",
        "U+0000",
    );
    // Requests and their answers.
    refused(
        &blue,
        "/api/v1/requests",
        json!({"kind": "vacate", "to": "red", "volume": volume, "message": "leave\u{200F}"}),
        "message",
        "U+200F",
    );
    let (st, q) = s.json(
        "POST",
        Some(&blue),
        "/api/v1/requests",
        Some(json!({"kind": "vacate", "to": "red", "volume": volume, "message": "please"})),
    );
    assert_eq!(st, 201, "{q}");
    let id = q["id"].as_str().unwrap();
    refused(
        &red,
        &format!("/api/v1/requests/{id}/decline"),
        json!({"reason": "no\u{7}"}),
        "reason",
        "U+0007",
    );
    // Parties (the cell names them).
    refused(
        &cell,
        "/api/v1/parties",
        json!({"id": "green", "name": "Gre\u{202E}en", "role": "party"}),
        "name",
        "U+202E",
    );
    // Safety-net regions and exemptions.
    let region = json!({"id": "bnd", "name": "ok", "kind": "inhibition", "lower_ft": 0, "upper_ft": 1000,
                        "center": {"lat_deg": 0.0, "lon_deg": 0.0}, "radius_nm": 1});
    refused(
        &cell,
        "/api/v1/safety/regions",
        with(region.clone(), "name", json!("TMA\u{061C}")),
        "name",
        "U+061C",
    );
    refused(
        &cell,
        "/api/v1/safety/regions",
        with(region, "id", json!("bnd\u{85}")),
        "id",
        "U+0085",
    );
    refused(
        &blue,
        "/api/v1/safety/exemptions",
        json!({"kind": "formation", "tracks": ["BLU001", "BLU002"], "end": t + 600.0, "note": "x\u{2069}"}),
        "note",
        "U+2069",
    );
}

#[test]
fn the_bearer_scheme_is_case_insensitive() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(dir.path());
    let blue = s.token("blue");
    let c = reqwest::blocking::Client::new();
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let r = c
            .get(s.url("/api/v1/me"))
            .header("Authorization", format!("{scheme} {blue}"))
            .send()
            .unwrap();
        assert_eq!(r.status(), 200, "{scheme}");
    }
    let r = c
        .get(s.url("/api/v1/me"))
        .header("Authorization", format!("Basic {blue}"))
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
}

/// A convex ring of `n` vertices (not closed) around 10° N 30° E, 50 km across.
fn ring(n: usize) -> Vec<[f64; 2]> {
    (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            [30.0 + 0.25 * a.cos(), 10.0 + 0.25 * a.sin()]
        })
        .collect()
}

#[test]
fn the_polygon_vertex_limit_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(dir.path());
    let blue = s.token("blue");
    let t = now();
    let volumes = |coords: Vec<[f64; 2]>| {
        json!([vol(
            json!({"type": "polygon", "coordinates": coords}),
            0.0,
            5000.0,
            t + 60.0,
            t + 3600.0
        )])
    };
    let check = |coords: Vec<[f64; 2]>| {
        s.json(
            "POST",
            Some(&blue),
            "/api/v1/reservations/check",
            Some(json!({"volumes": volumes(coords), "priority": 5})),
        )
    };
    let (st, out) = check(ring(10_000));
    assert_eq!(st, 200, "{out}");
    // The closing vertex repeating the first is not counted.
    let mut closed = ring(10_000);
    closed.push(closed[0]);
    let (st, out) = check(closed);
    assert_eq!(st, 200, "{out}");
    let (st, out) = check(ring(10_001));
    assert_eq!(st, 422, "{out}");
    assert!(detail(&out).contains("10001 vertices"), "{out}");
    assert!(detail(&out).contains("10000"), "{out}");
    let (st, out) = s.json(
        "POST",
        Some(&blue),
        "/api/v1/reservations",
        Some(json!({"name": "big", "volumes": volumes(ring(10_001))})),
    );
    assert_eq!(st, 422, "{out}");
}

#[test]
fn revoking_a_token_closes_its_open_streams() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(dir.path());
    let (red, cell) = (s.token("red"), s.token("cell"));
    let (st, issued) = s.json("POST", Some(&cell), "/api/v1/parties/blue/tokens", None);
    assert_eq!(st, 201, "{issued}");
    let token = issued["token"].as_str().unwrap().to_owned();
    let token_id = issued["token_id"].as_str().unwrap().to_owned();
    let addr = s.addr.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut ws = rt.block_on(async {
        let (mut ws, _) =
            tokio_tungstenite::connect_async(format!("ws://{addr}/api/v1/stream?token={token}"))
                .await
                .unwrap();
        match ws.next().await {
            Some(Ok(Message::Text(t))) => assert!(t.contains("\"snapshot\"")),
            other => panic!("no snapshot: {other:?}"),
        }
        ws
    });
    // Deltas flow (one per second in the demo).
    let (tx, rx) = std::sync::mpsc::channel::<(Instant, Message)>();
    let reader = rt.spawn(async move {
        while let Some(Ok(m)) = ws.next().await {
            let close = matches!(m, Message::Close(_));
            let _ = tx.send((Instant::now(), m));
            if close {
                break;
            }
        }
        let _ = ws.close(None).await;
    });
    let first = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("a frame before revocation");
    assert!(matches!(first.1, Message::Text(_)));
    std::thread::sleep(Duration::from_millis(1500));
    let r = s.req(
        "DELETE",
        Some(&cell),
        &format!("/api/v1/tokens/{token_id}"),
        None,
    );
    let revoked_at = Instant::now();
    assert_eq!(r.status(), 204);
    // A message to blue after the revocation.
    let (st, _) = s.json(
        "POST",
        Some(&red),
        "/api/v1/messages",
        Some(json!({"to": "blue", "subject": "after", "body": "sent after the revocation 7f3a"})),
    );
    assert_eq!(st, 201);
    let mut close = None;
    while let Ok((at, m)) = rx.recv_timeout(Duration::from_secs(3)) {
        match m {
            Message::Close(frame) => {
                close = Some((at, frame));
                break;
            }
            // Frames already on the wire when the revocation answered may still arrive, but
            // nothing sent after it (the message), and nothing once the close is due.
            Message::Text(t) => {
                assert!(
                    !t.contains("sent after the revocation 7f3a"),
                    "the message sent after the revocation reached the revoked stream: {t}"
                );
                assert!(
                    at < revoked_at + Duration::from_millis(1500),
                    "a frame {:?} after the revocation: {t}",
                    at - revoked_at
                );
            }
            _ => {}
        }
    }
    let (at, frame) = close.expect("the stream was not closed after the revocation");
    assert!(
        at < revoked_at + Duration::from_millis(1500),
        "closed after {:?}",
        at - revoked_at
    );
    let frame = frame.expect("a close frame with a code");
    assert_eq!(u16::from(frame.code), 1008);
    assert_eq!(frame.reason.as_str(), "token revoked");
    rt.block_on(reader).unwrap();
    // And the token no longer opens one.
    let refused = rt.block_on(tokio_tungstenite::connect_async(format!(
        "ws://{}/api/v1/stream?token={token}",
        s.addr
    )));
    assert!(refused.is_err());
}

#[test]
fn a_missing_audit_head_is_reported_and_refuses_to_start_the_server() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = Server::start(dir.path(), &[]);
        let cell = s.token("cell");
        for i in 0..5 {
            let (st, _) = s.json(
                "POST",
                Some(&cell),
                "/api/v1/messages",
                Some(json!({"subject": "s", "body": format!("m{i}")})),
            );
            assert_eq!(st, 201);
        }
    }
    let (code, out) = audit_verify(dir.path());
    assert_eq!(code, 0, "{out}");
    let db = rusqlite::Connection::open(dir.path().join(deconflict_store::DATABASE_FILE)).unwrap();
    // The head alone, then the last two entries with it.
    db.execute("DELETE FROM audit_head", []).unwrap();
    let (code, out) = audit_verify(dir.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("audit head missing: the log may have been shortened"),
        "{out}"
    );
    db.execute(
        "DELETE FROM audit WHERE seq > (SELECT MAX(seq) - 2 FROM audit)",
        [],
    )
    .unwrap();
    drop(db);
    let (code, out) = audit_verify(dir.path());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("audit head missing"), "{out}");
    // The server does not start on it.
    let _ = std::fs::remove_file(dir.path().join("listen-addr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_deconflict"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if t0.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve started on a log without its head");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(!status.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&dir.path().display().to_string()), "{err}");
    assert!(err.contains("deconflict audit verify"), "{err}");
    assert!(err.contains("audit head missing"), "{err}");
    assert!(!dir.path().join("listen-addr").exists());
}
