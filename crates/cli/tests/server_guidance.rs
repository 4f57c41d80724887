//! Resolution guidance over loopback, on the demo's scripted blue–red head-on encounter:
//! each conflict carries the bands and advice of the aircraft the caller may see (a party
//! its own aircraft's, the cell both), the stream sends `guidance` frames (what was computed
//! anew, what ended) to the same audience and keeps them fresh, and the two parties'
//! preferred turns do not cancel.

mod server_support;
use futures::StreamExt;
use serde_json::Value;
use server_support::Server;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Blue's VIPER11 and red's SOKOL21 in the demo.
const VIPER: &str = "AE1001";
const SOKOL: &str = "150A21";

fn encounter(list: &Value) -> Option<&Value> {
    list["conflicts"].as_array()?.iter().find(|c| {
        let (a, b) = (c["a"].as_str(), c["b"].as_str());
        (a == Some(VIPER) && b == Some(SOKOL)) || (a == Some(SOKOL) && b == Some(VIPER))
    })
}

fn guided_ids(conflict: &Value) -> Vec<String> {
    conflict["guidance"]
        .as_array()
        .map(|g| {
            g.iter()
                .map(|x| x["id"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Checks the shape a user relies on: track bands cover the circle, the other bands their
/// ranges, every level is known, and the advice has words.
fn check_guidance(g: &Value) {
    let levels = ["none", "far", "mid", "near", "recovery"];
    let track = g["track_bands"].as_array().expect("track_bands");
    let mut total = 0.0;
    for b in track {
        assert!(levels.contains(&b["level"].as_str().unwrap()), "{b}");
        let (from, to) = (
            b["from_deg"].as_f64().unwrap(),
            b["to_deg"].as_f64().unwrap(),
        );
        let w = (to - from).rem_euclid(360.0);
        total += if w == 0.0 { 360.0 } else { w };
    }
    assert!(
        (total - 360.0).abs() < 1e-6,
        "track bands cover {total} degrees: {track:?}"
    );
    for (name, lo, hi) in [
        ("gs_bands", "from_kt", "to_kt"),
        ("vs_bands", "from_fpm", "to_fpm"),
        ("alt_bands", "from_ft", "to_ft"),
    ] {
        let bands = g[name].as_array().unwrap_or_else(|| panic!("{name}"));
        assert!(!bands.is_empty(), "{name} empty");
        for w in bands.windows(2) {
            assert_eq!(w[0][hi], w[1][lo], "{name} has a gap: {w:?}");
        }
    }
    let advice = &g["advice"];
    assert_eq!(advice["conflict"], true, "{advice}");
    assert!(
        !advice["text"].as_str().unwrap_or("").is_empty(),
        "{advice}"
    );
    assert_eq!(
        advice["category"], "fighter",
        "the demo's parties fly fighters"
    );
    assert_eq!(advice["kinematics"], "default");
    assert!(g["time"].as_f64().is_some());
}

#[test]
fn each_party_gets_guidance_for_its_own_aircraft_in_the_alert() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(dir.path());
    let (blue, red, cell, monitor) = (
        s.token("blue"),
        s.token("red"),
        s.token("cell"),
        s.token("monitor"),
    );
    let mut seen = None;
    assert!(
        s.wait_for(60, |s| {
            let (st, v) = s.json("GET", Some(&blue), "/api/v1/conflicts", None);
            assert_eq!(st, 200);
            seen = encounter(&v).filter(|c| !guided_ids(c).is_empty()).cloned();
            seen.is_some()
        }),
        "no guidance on the scripted encounter within 60 s"
    );
    let c = seen.unwrap();
    assert_eq!(
        guided_ids(&c),
        [VIPER],
        "blue sees guidance for VIPER11 only"
    );
    check_guidance(&c["guidance"][0]);

    let (_, v) = s.json("GET", Some(&red), "/api/v1/conflicts", None);
    let c = encounter(&v).expect("red sees the encounter");
    assert_eq!(guided_ids(c), [SOKOL], "red sees guidance for SOKOL21 only");
    let red_g = c["guidance"][0].clone();
    check_guidance(&red_g);

    for who in [&cell, &monitor] {
        let (_, v) = s.json("GET", Some(who), "/api/v1/conflicts", None);
        let c = encounter(&v).expect("the cell sees the encounter");
        let mut ids = guided_ids(c);
        ids.sort();
        assert_eq!(ids, [SOKOL, VIPER], "the cell and observers see both");
    }

    // Civil conflicts carry guidance for the cell only.
    let (_, v) = s.json("GET", Some(&cell), "/api/v1/conflicts", None);
    let (_, bv) = s.json("GET", Some(&blue), "/api/v1/conflicts", None);
    for c in bv["conflicts"].as_array().unwrap() {
        for g in c["guidance"].as_array().unwrap() {
            let id = g["id"].as_str().unwrap();
            let mine = (c["a"] == id && c["a_party"] == "blue")
                || (c["b"] == id && c["b_party"] == "blue");
            assert!(mine, "blue was given guidance for {id} in {}", c["id"]);
        }
    }
    assert!(v["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["guidance"].is_array()));

    // The preferred turns are coordinated: flying both, the two pass further apart than
    // flying either alone (they are not both told to turn into each other).
    let blue_g = &encounter(&bv).unwrap()["guidance"][0];
    let (_, tracks) = s.json("GET", Some(&cell), "/api/v1/tracks", None);
    let state = |id: &str| {
        tracks["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .cloned()
            .unwrap()
    };
    let preferred = |g: &Value| -> Option<f64> {
        let t = &g["advice"]["track"];
        match t["preferred"].as_str()? {
            "left" => t["left_deg"].as_f64(),
            "right" => t["right_deg"].as_f64(),
            _ => None,
        }
    };
    let (Some(tb), Some(tr)) = (preferred(blue_g), preferred(&red_g)) else {
        panic!(
            "no preferred turn: blue {} / red {}",
            blue_g["advice"], red_g["advice"]
        );
    };
    assert_eq!(blue_g["advice"]["track"]["basis"], "coordinated");
    assert_eq!(red_g["advice"]["track"]["basis"], "coordinated");
    let (vb, vr) = (state(VIPER), state(SOKOL));
    let miss = |trk_b: f64, trk_r: f64| flat_miss_m(&vb, trk_b, &vr, trk_r);
    let (b0, r0) = (
        vb["trk_deg"].as_f64().unwrap(),
        vr["trk_deg"].as_f64().unwrap(),
    );
    let (none, both) = (miss(b0, r0), miss(tb, tr));
    eprintln!(
        "blue: {} | red: {} | miss {none:.0} m flying on, {both:.0} m both turning",
        blue_g["advice"]["text"], red_g["advice"]["text"]
    );
    assert!(
        both > miss(tb, r0).max(miss(b0, tr)) * 0.999 && both > none,
        "preferred turns blue {tb:.0}° red {tr:.0}°: miss {none:.0} m flying on, {both:.0} m both turning"
    );
}

/// Miss distance of two aircraft flying straight on the given tracks, metres (flat earth:
/// enough to tell a turn that opens the pair from one that closes it).
fn flat_miss_m(a: &Value, trk_a: f64, b: &Value, trk_b: f64) -> f64 {
    let f = |v: &Value, k: &str| v[k].as_f64().unwrap();
    let lat0 = f(a, "lat_deg").to_radians();
    let (x, y) = (
        (f(b, "lon_deg") - f(a, "lon_deg")).to_radians() * 6_371_000.0 * lat0.cos(),
        (f(b, "lat_deg") - f(a, "lat_deg")).to_radians() * 6_371_000.0,
    );
    let vel = |gs: f64, trk: f64| {
        let t = trk.to_radians();
        (gs * 0.514_444 * t.sin(), gs * 0.514_444 * t.cos())
    };
    let (vax, vay) = vel(f(a, "gs_kt"), trk_a);
    let (vbx, vby) = vel(f(b, "gs_kt"), trk_b);
    let (vx, vy) = (vbx - vax, vby - vay);
    let t = (-(x * vx + y * vy) / (vx * vx + vy * vy).max(1e-9)).max(0.0);
    ((x + vx * t).powi(2) + (y + vy * t).powi(2)).sqrt()
}

#[test]
fn the_stream_sends_each_viewer_fresh_guidance_it_may_see() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::demo(dir.path());
    let (blue, red, cell, addr) = (
        s.token("blue"),
        s.token("red"),
        s.token("cell"),
        s.addr.clone(),
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let connect = |t: String| {
            let addr = addr.clone();
            async move {
                tokio_tungstenite::connect_async(format!(
                    "ws://{addr}/api/v1/stream?token={t}&picture=none"
                ))
                .await
                .unwrap()
                .0
            }
        };
        let (mut bws, mut rws, mut cws) =
            (connect(blue).await, connect(red).await, connect(cell).await);
        // Per viewer: the times of frames that carried VIPER11's / SOKOL21's guidance.
        let mut got: [Vec<(f64, Vec<String>)>; 3] = Default::default();
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(60) {
            for (k, ws) in [&mut bws, &mut rws, &mut cws].into_iter().enumerate() {
                while let Ok(Some(Ok(Message::Text(t)))) =
                    tokio::time::timeout(Duration::from_millis(20), ws.next()).await
                {
                    let v: Value = serde_json::from_str(&t).unwrap();
                    if v["type"] != "guidance" {
                        continue;
                    }
                    // What was computed anew, and what ended (also only what it may see).
                    let ids: Vec<String> = v["upsert"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|g| g["id"].as_str().unwrap().to_owned())
                        .chain(
                            v["remove"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|id| id.as_str().unwrap().to_owned()),
                        )
                        .collect();
                    got[k].push((v["time"].as_f64().unwrap(), ids));
                }
            }
            let with = |k: usize, id: &str| {
                got[k]
                    .iter()
                    .filter(|(_, ids)| ids.iter().any(|i| i == id))
                    .count()
            };
            if with(0, VIPER) >= 3 && with(1, SOKOL) >= 3 && with(2, VIPER) >= 3 {
                break;
            }
        }
        let [b, r, c] = &got;
        let has = |frames: &[(f64, Vec<String>)], id: &str| {
            frames.iter().any(|(_, ids)| ids.iter().any(|i| i == id))
        };
        assert!(
            has(b, VIPER),
            "blue got no guidance frame for VIPER11: {b:?}"
        );
        assert!(!has(b, SOKOL), "blue was sent red's SOKOL21 guidance");
        assert!(has(r, SOKOL), "red got no guidance frame for SOKOL21");
        assert!(!has(r, VIPER), "red was sent blue's VIPER11 guidance");
        assert!(has(c, VIPER) && has(c, SOKOL), "the cell gets both");
        assert!(
            b.iter().all(|(_, ids)| ids.iter().all(|i| i == VIPER)),
            "blue's frames hold only its aircraft: {b:?}"
        );
        // Recomputed about once a second while the alert lasts.
        let times: Vec<f64> = b
            .iter()
            .filter(|(_, ids)| !ids.is_empty())
            .map(|(t, _)| *t)
            .collect();
        assert!(times.len() >= 3, "{times:?}");
        assert!(
            times.windows(2).all(|w| w[1] > w[0]),
            "frame times do not advance: {times:?}"
        );
    });
}
