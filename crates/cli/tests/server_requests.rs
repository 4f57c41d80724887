//! Vacate requests and advance notices over real HTTP against the `deconflict serve` binary:
//! answers, acknowledgements, expiry and validation.

mod server_support;
use serde_json::{json, Value};
use server_support::strategic::*;
use server_support::Server;

#[test]
fn vacate_requests_notices_and_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(dir.path());
    let (blue, red, cell, mon) = (
        s.token("blue"),
        s.token("red"),
        s.token("cell"),
        s.token("monitor"),
    );
    let (t0, t1) = (now() + 600.0, now() + 3_600.0);
    let v = vol(square(45.0, 5.0, 45.2, 5.2), 0.0, 15_000.0, t0, t1);

    // The demo's vacate request from red to blue and red's notice to all are there.
    let (_, l) = s.json("GET", Some(&blue), "/api/v1/requests", None);
    let l = l["requests"].as_array().unwrap();
    assert!(l.iter().any(|q| q["kind"] == "vacate"
        && q["from"] == "red"
        && q["to"] == "blue"
        && q["state"] == "pending"));
    assert!(l
        .iter()
        .any(|q| q["kind"] == "notice" && q["from"] == "red" && q["to"].is_null()));

    // Accept: only the addressee; the sender and observers cannot.
    let q = request(
        &s,
        &red,
        json!({"kind": "vacate", "to": "blue", "volume": v, "message": "keep clear", "expires_at": now() + 600.0}),
    );
    assert_eq!(q["state"], "pending");
    let id = q["id"].as_str().unwrap().to_owned();
    assert_eq!(
        s.json(
            "POST",
            Some(&red),
            &format!("/api/v1/requests/{id}/accept"),
            None
        )
        .0,
        403
    );
    assert_eq!(
        s.json(
            "POST",
            Some(&cell),
            &format!("/api/v1/requests/{id}/accept"),
            None
        )
        .0,
        403
    );
    assert_eq!(
        s.json(
            "POST",
            Some(&mon),
            &format!("/api/v1/requests/{id}/accept"),
            None
        )
        .0,
        403
    );
    assert_eq!(
        s.json(
            "POST",
            Some(&blue),
            &format!("/api/v1/requests/{id}/ack"),
            None
        )
        .0,
        409,
        "ack is for notices"
    );
    let (st, a) = s.json(
        "POST",
        Some(&blue),
        &format!("/api/v1/requests/{id}/accept"),
        Some(json!({"reason": "CAP moves north"})),
    );
    assert_eq!(st, 200, "{a}");
    assert_eq!(a["state"], "accepted");
    assert_eq!(a["answered_by"], "blue");
    assert!(a["answered_at"].as_f64().is_some());
    assert_eq!(a["version"], 2);
    assert_eq!(
        s.json(
            "POST",
            Some(&blue),
            &format!("/api/v1/requests/{id}/decline"),
            Some(json!({"reason": "no"}))
        )
        .0,
        409
    );
    // Both sides see the answer.
    let (_, rl) = s.json("GET", Some(&red), "/api/v1/requests", None);
    assert!(rl["requests"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["id"] == id.as_str() && x["state"] == "accepted"));

    // Decline needs a reason.
    let q = request(
        &s,
        &red,
        json!({"kind": "vacate", "to": "blue", "volume": v, "message": "again"}),
    );
    let id = q["id"].as_str().unwrap().to_owned();
    let (st, p) = s.json(
        "POST",
        Some(&blue),
        &format!("/api/v1/requests/{id}/decline"),
        None,
    );
    assert_eq!(st, 422);
    assert!(p["detail"].as_str().unwrap().contains("reason"));
    let (st, d) = s.json(
        "POST",
        Some(&blue),
        &format!("/api/v1/requests/{id}/decline"),
        Some(json!({"reason": "tanker on station until 14Z"})),
    );
    assert_eq!(st, 200, "{d}");
    assert_eq!(
        (d["state"].as_str(), d["reason"].as_str()),
        (Some("declined"), Some("tanker on station until 14Z"))
    );

    // A third party does not see requests between others.
    s.json(
        "POST",
        Some(&cell),
        "/api/v1/parties",
        Some(json!({"id": "green", "role": "party"})),
    );
    let green = s
        .json("POST", Some(&cell), "/api/v1/parties/green/tokens", None)
        .1["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, gl) = s.json("GET", Some(&green), "/api/v1/requests", None);
    assert!(gl["requests"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["id"] != id.as_str()));
    assert_eq!(
        s.json(
            "POST",
            Some(&green),
            &format!("/api/v1/requests/{id}/accept"),
            None
        )
        .0,
        404
    );

    // Expiry: unanswered after expires_at → expired, and no longer answerable.
    let q = request(
        &s,
        &red,
        json!({"kind": "vacate", "to": "blue", "volume": v, "message": "short", "expires_at": now() + 2.0}),
    );
    let id = q["id"].as_str().unwrap().to_owned();
    assert!(s.wait_for(10, |s| s
        .json("GET", Some(&blue), "/api/v1/requests", None)
        .1["requests"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["id"] == id.as_str() && x["state"] == "expired")));
    assert_eq!(
        s.json(
            "POST",
            Some(&blue),
            &format!("/api/v1/requests/{id}/accept"),
            None
        )
        .0,
        409
    );
    // The cycle records the expiry in the store and the audit log.
    assert!(s.wait_for(10, |s| s
        .json("GET", Some(&cell), "/api/v1/audit?limit=10000", None)
        .1["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "request.expire")));

    // Notice: linked to an own reservation; to all; every other party acknowledges.
    let (_, r) = file(
        &s,
        &red,
        json!({"name": "Red exercise", "volumes": [vol(square(46.0, 5.0, 46.2, 5.2), 0.0, 9_000.0, t0, t1)]}),
    );
    let rid = r["reservation"]["id"].as_str().unwrap().to_owned();
    let (st, p) = s.json(
        "POST",
        Some(&blue),
        "/api/v1/requests",
        Some(json!({"kind": "notice", "to": null, "reservation_id": rid, "message": "x"})),
    );
    assert_eq!(st, 403, "a notice links the sender's own reservation: {p}");
    let n = request(
        &s,
        &red,
        json!({"kind": "notice", "to": null, "reservation_id": rid, "message": "Red exercise from 10Z"}),
    );
    assert_eq!(
        n["expires_at"].as_f64(),
        Some(t1),
        "a notice lasts until its reservation ends"
    );
    let nid = n["id"].as_str().unwrap().to_owned();
    assert_eq!(
        s.json(
            "POST",
            Some(&red),
            &format!("/api/v1/requests/{nid}/ack"),
            None
        )
        .0,
        403,
        "not to itself"
    );
    assert_eq!(
        s.json(
            "POST",
            Some(&blue),
            &format!("/api/v1/requests/{nid}/accept"),
            None
        )
        .0,
        409,
        "notices are acknowledged"
    );
    let (st, a) = s.json(
        "POST",
        Some(&blue),
        &format!("/api/v1/requests/{nid}/ack"),
        None,
    );
    assert_eq!(st, 200, "{a}");
    assert_eq!(a["acks"], json!(["blue"]));
    assert_eq!(a["state"], "pending", "green has not acknowledged yet");
    assert_eq!(
        s.json(
            "POST",
            Some(&blue),
            &format!("/api/v1/requests/{nid}/ack"),
            None
        )
        .0,
        409
    );
    let (_, a) = s.json(
        "POST",
        Some(&green),
        &format!("/api/v1/requests/{nid}/ack"),
        None,
    );
    assert_eq!(a["state"], "acknowledged");

    // Validation of requests.
    let bad = |body: Value, expect: &str| {
        let (st, p) = s.json("POST", Some(&red), "/api/v1/requests", Some(body));
        assert_eq!(st, 422, "{p}");
        assert!(
            p["detail"].as_str().unwrap().contains(expect),
            "{expect:?} not in {p}"
        );
    };
    bad(json!({"kind": "vacate", "volume": v}), "to is missing");
    bad(
        json!({"kind": "vacate", "to": "nobody", "volume": v}),
        "does not exist",
    );
    bad(
        json!({"kind": "vacate", "to": "red", "volume": v}),
        "sender",
    );
    bad(
        json!({"kind": "vacate", "to": "monitor", "volume": v}),
        "observer",
    );
    bad(json!({"kind": "vacate", "to": "blue"}), "volume is missing");
    bad(
        json!({"kind": "vacate", "to": "blue", "volume": vol(circle(5.0, 45.0, -1.0), 0.0, 1.0, t0, t1)}),
        "radius_m",
    );
    bad(
        json!({"kind": "vacate", "to": "blue", "volume": v, "expires_at": now() - 10.0}),
        "expires_at",
    );
    bad(
        json!({"kind": "notice", "to": null}),
        "give its volumes, its routes or one of the sender's reservations",
    );
    bad(json!({"kind": "evict", "to": "blue"}), "variant");
}
