//! Runs the `deconflict` binary on hand-checkable encounters and compares `detect --json`
//! with closed-form values (within 0.5 %), and checks the CSV error handling, `simulate
//! traffic` and `bench`.
//!
//! Positions are placed where WGS-84 distances have a closed form: along the equator (a circle
//! of radius `a`) and along meridians (arc length `M(phi) dphi`, `M` the meridian radius of
//! curvature).

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output};

const A_M: f64 = 6_378_137.0;
const E2: f64 = 0.006_694_379_990_14;
const KT: f64 = 1852.0 / 3600.0;
const D_M: f64 = 5.0 * 1852.0;

/// Meridian radius of curvature at latitude `lat_deg`, metres.
fn m_radius(lat_deg: f64) -> f64 {
    let s = lat_deg.to_radians().sin();
    A_M * (1.0 - E2) / (1.0 - E2 * s * s).powf(1.5)
}
/// Longitude difference (deg) spanning `d_m` along the equator.
fn eq_dlon(d_m: f64) -> f64 {
    (d_m / A_M).to_degrees()
}
/// Latitude difference (deg) spanning `d_m` along a meridian around `lat_deg`.
fn mer_dlat(d_m: f64, lat_deg: f64) -> f64 {
    (d_m / m_radius(lat_deg)).to_degrees()
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_deconflict"))
}

fn run_detect(csv: &str, extra: &[&str]) -> Output {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    f.write_all(csv.as_bytes()).expect("write");
    let mut cmd = bin();
    cmd.arg("detect").arg(f.path()).args(extra);
    cmd.output().expect("run deconflict")
}

fn detect_json(rows: &[String]) -> Value {
    let csv = format!(
        "id,lat_deg,lon_deg,alt_ft,gs_kt,trk_deg,vs_fpm\n{}\n",
        rows.join("\n")
    );
    let out = run_detect(&csv, &["--json"]);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn row(id: &str, lat: f64, lon: f64, alt: f64, gs: f64, trk: f64, vs: f64) -> String {
    format!("{id},{lat:.12},{lon:.12},{alt},{gs},{trk},{vs}")
}

/// Asserts `got` is within 0.5 % of `want` (or within 0.5 % of the horizontal minimum /
/// 1 s / 5 ft when the expected value is zero-ish).
fn close(what: &str, got: &Value, want: f64, zero_tol: f64) {
    let g = got.as_f64().unwrap_or_else(|| panic!("{what} missing"));
    let tol = (want.abs() * 0.005).max(zero_tol);
    assert!(
        (g - want).abs() <= tol,
        "{what}: got {g}, want {want} (tol {tol})"
    );
}

fn check(c: &Value, tcpa: f64, dcpa: f64, vsep: f64, t_in: f64, t_out: f64, level: u64) {
    close("tcpa_s", &c["tcpa_s"], tcpa, 0.5);
    close("dcpa_m", &c["dcpa_m"], dcpa, 0.005 * D_M);
    close("vsep_cpa_ft", &c["vsep_cpa_ft"], vsep, 5.0);
    close("t_in_s", &c["t_in_s"], t_in, 0.5);
    close("t_out_s", &c["t_out_s"], t_out, 0.5);
    assert_eq!(c["level"].as_u64(), Some(level), "level of {c}");
}

fn single(v: &Value) -> &Value {
    let cs = v["conflicts"].as_array().expect("conflicts");
    assert_eq!(cs.len(), 1, "{v}");
    &cs[0]
}

#[test]
fn head_on_same_level() {
    // 20 NM apart on the equator, 480 kt each, closing 960 kt.
    let d0 = 20.0 * 1852.0;
    let v = detect_json(&[
        row("A", 0.0, 0.0, 35000.0, 480.0, 90.0, 0.0),
        row("B", 0.0, eq_dlon(d0), 35000.0, 480.0, 270.0, 0.0),
    ]);
    let c = single(&v);
    assert_eq!((c["a"].as_str(), c["b"].as_str()), (Some("A"), Some("B")));
    let vc = 960.0 * KT;
    check(c, d0 / vc, 0.0, 0.0, (d0 - D_M) / vc, (d0 + D_M) / vc, 3);
    assert_eq!(v["stats"]["aircraft"].as_u64(), Some(2));
    assert!(v["stats"]["elapsed_ms"].as_f64().is_some());
    assert!(v["stats"]["candidate_pairs"].as_u64().is_some());
}

#[test]
fn crossing_at_ninety_degrees() {
    // Both 30 NM from the crossing point at (0, 0), 480 kt: A eastbound along the equator,
    // B southbound along the Greenwich meridian. Separation = sqrt(2) v |t - t0|.
    let d0 = 30.0 * 1852.0;
    let v = detect_json(&[
        row("A", 0.0, -eq_dlon(d0), 33000.0, 480.0, 90.0, 0.0),
        row("B", mer_dlat(d0, 0.125), 0.0, 33000.0, 480.0, 180.0, 0.0),
    ]);
    let vs = 480.0 * KT;
    let t0 = d0 / vs;
    let half = D_M / (2f64.sqrt() * vs);
    check(
        single(&v),
        t0,
        0.0,
        0.0,
        t0 - half,
        (t0 + half).min(300.0),
        1,
    );
}

#[test]
fn overtaking() {
    // A 10 NM behind B on the same track, 480 kt vs 400 kt: closing 80 kt.
    let d0 = 10.0 * 1852.0;
    let v = detect_json(&[
        row("A", 0.0, 0.0, 37000.0, 480.0, 90.0, 0.0),
        row("B", 0.0, eq_dlon(d0), 37000.0, 400.0, 90.0, 0.0),
    ]);
    let vc = 80.0 * KT;
    check(single(&v), d0 / vc, 0.0, 0.0, (d0 - D_M) / vc, 300.0, 1);
}

#[test]
fn vertical_convergence() {
    // Side by side 2 NM apart (north-south) on the equator, same velocity eastbound, so the
    // relative horizontal velocity is zero; B 4000 ft above, descending 2000 ft/min.
    let d0 = 2.0 * 1852.0;
    let v = detect_json(&[
        row("A", 0.0, 7.0, 30000.0, 450.0, 90.0, 0.0),
        row("B", mer_dlat(d0, 0.0), 7.0, 34000.0, 450.0, 90.0, -2000.0),
    ]);
    let closing_fps = 2000.0 / 60.0;
    // Zero relative horizontal velocity: tcpa = 0, dcpa = current distance.
    check(
        single(&v),
        0.0,
        d0,
        4000.0,
        3000.0 / closing_fps,
        5000.0 / closing_fps,
        2,
    );
}

#[test]
fn parallel_tracks_just_inside_and_just_outside() {
    for (off_nm, conflict) in [(4.95, true), (5.05, false)] {
        let d0 = off_nm * 1852.0;
        let v = detect_json(&[
            row("A", 0.0, 0.0, 36000.0, 450.0, 90.0, 0.0),
            row("B", mer_dlat(d0, 0.0), 0.0, 36000.0, 450.0, 90.0, 0.0),
        ]);
        let cs = v["conflicts"].as_array().expect("conflicts");
        assert_eq!(cs.len(), usize::from(conflict), "offset {off_nm} NM: {v}");
        if conflict {
            check(&cs[0], 0.0, d0, 0.0, 0.0, 300.0, 3);
        }
    }
}

#[test]
fn already_in_loss_and_diverging() {
    // 3 NM apart, 500 ft apart, flying away from each other at 300 kt each.
    let d0 = 3.0 * 1852.0;
    let v = detect_json(&[
        row("A", 0.0, 0.0, 20000.0, 300.0, 270.0, 0.0),
        row("B", 0.0, eq_dlon(d0), 20500.0, 300.0, 90.0, 0.0),
    ]);
    let vc = 600.0 * KT;
    check(single(&v), -d0 / vc, 0.0, 500.0, 0.0, (D_M - d0) / vc, 3);
}

#[test]
fn head_on_across_the_antimeridian() {
    let d0 = A_M * 0.2f64.to_radians();
    let v = detect_json(&[
        row("EAST", 0.0, 179.9, 35000.0, 480.0, 90.0, 0.0),
        row("WEST", 0.0, -179.9, 35000.0, 480.0, 270.0, 0.0),
    ]);
    let vc = 960.0 * KT;
    check(
        single(&v),
        d0 / vc,
        0.0,
        0.0,
        (d0 - D_M) / vc,
        (d0 + D_M) / vc,
        3,
    );
}

#[test]
fn high_latitude_head_on_and_crossing_at_the_pole() {
    // Head-on along the 10 E meridian around 80 N, 24 NM apart, 450 kt each.
    let d0 = 24.0 * 1852.0;
    let dlat = mer_dlat(d0, 80.0);
    let v = detect_json(&[
        row("N1", 80.0 - dlat / 2.0, 10.0, 31000.0, 450.0, 0.0, 0.0),
        row("N2", 80.0 + dlat / 2.0, 10.0, 31000.0, 450.0, 180.0, 0.0),
    ]);
    let vc = 900.0 * KT;
    check(
        single(&v),
        d0 / vc,
        0.0,
        0.0,
        (d0 - D_M) / vc,
        (d0 + D_M) / vc,
        2,
    );

    // Two aircraft 20 NM from the North Pole on meridians 0 and 90 E, both northbound:
    // a 90-degree crossing over the pole.
    let d0 = 20.0 * 1852.0;
    let dlat = mer_dlat(d0, 89.85);
    let v = detect_json(&[
        row("P0", 90.0 - dlat, 0.0, 39000.0, 400.0, 0.0, 0.0),
        row("P90", 90.0 - dlat, 90.0, 39000.0, 400.0, 0.0, 0.0),
    ]);
    let vs = 400.0 * KT;
    let t0 = d0 / vs;
    let half = D_M / (2f64.sqrt() * vs);
    check(single(&v), t0, 0.0, 0.0, t0 - half, t0 + half, 1);
}

#[test]
fn party_column_unknown_columns_and_table_output() {
    let d0 = 20.0 * 1852.0;
    let csv = format!(
        "callsign,id,lat_deg,lon_deg,alt_ft,gs_kt,trk_deg,vs_fpm,party,squawk\n\
         X1,B,0,{},35000,480,270,0,red,7000\n\
         X2,A,0,0,35000,480,90,0,blue,1200\n\
         X3,C,10,10,35000,480,90,0,blue,1200\n",
        eq_dlon(d0)
    );
    let out = run_detect(&csv, &["--json"]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let c = single(&v);
    assert_eq!(c["cross_party"].as_bool(), Some(true));
    assert_eq!(c["a"].as_str(), Some("A"));
    let keys: Vec<&String> = c.as_object().expect("object").keys().collect();
    assert_eq!(keys.len(), 9, "{keys:?}");
    let out = run_detect(&csv, &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("1 conflict(s) among 3 aircraft"), "{text}");
}

#[test]
fn separation_options_change_the_result() {
    let d0 = 20.0 * 1852.0;
    let csv = format!("id,lat_deg,lon_deg,alt_ft,gs_kt,trk_deg,vs_fpm\nA,0,0,35000,480,90,0\nB,0,{},35000,480,270,0\n", eq_dlon(d0));
    // A 30 s look-ahead ends before loss begins (56 s).
    let out = run_detect(&csv, &["--json", "--lookahead-s", "30"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["conflicts"].as_array().map(Vec::len), Some(0));
    // A 10 NM minimum starts loss at (20 - 10) NM / 960 kt = 37.5 s.
    let out = run_detect(&csv, &["--json", "--h-sep-nm", "10", "--threads", "2"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    close("t_in_s", &single(&v)["t_in_s"], 37.5, 0.2);
    let out = run_detect(&csv, &["--v-sep-ft", "-1"]);
    assert!(!out.status.success());
}

#[test]
fn bad_row_names_the_line_and_skip_bad_counts() {
    let csv = "id,lat_deg,lon_deg,alt_ft,gs_kt,trk_deg,vs_fpm\n\
               A,0,0,35000,480,90,0\n\
               B,0,0.1,abc,480,270,0\n\
               C,95,0,35000,480,270,0\n\
               A,0,0.2,35000,480,270,0\n\
               D,0,0.3,35000,480,270,0\n";
    let out = run_detect(csv, &["--json"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3") && err.contains("alt_ft"), "{err}");

    let out = run_detect(csv, &["--json", "--skip-bad"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("skipped 3 bad row(s)"), "{err}");
    assert!(err.contains("line 4") && err.contains("lat_deg"), "{err}");
    assert!(err.contains("line 5") && err.contains("duplicate"), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["stats"]["aircraft"].as_u64(), Some(2));

    let out = run_detect("id,lat_deg,lon_deg\nA,0,0\n", &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("alt_ft"));
}

#[test]
fn simulated_traffic_round_trips_through_detect() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("t.csv");
    let gen = |seed: &str| {
        bin()
            .args([
                "simulate",
                "traffic",
                "--aircraft",
                "300",
                "--seed",
                seed,
                "--region",
                "dense-box",
            ])
            .output()
            .expect("run")
    };
    let (a, b, c) = (gen("5"), gen("5"), gen("6"));
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    assert_ne!(a.stdout, c.stdout);
    assert_eq!(String::from_utf8_lossy(&a.stdout).lines().count(), 301);
    let out = bin()
        .args([
            "simulate",
            "traffic",
            "--aircraft",
            "300",
            "--seed",
            "5",
            "--region",
            "dense-box",
            "--out",
        ])
        .arg(&path)
        .output()
        .expect("run");
    assert!(out.status.success());
    let out = bin()
        .arg("detect")
        .arg(&path)
        .arg("--json")
        .output()
        .expect("run");
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let cs = v["conflicts"].as_array().expect("conflicts");
    assert!(!cs.is_empty());
    let pairs: Vec<(&str, &str)> = cs
        .iter()
        .map(|c| (c["a"].as_str().unwrap_or(""), c["b"].as_str().unwrap_or("")))
        .collect();
    assert!(pairs.iter().all(|(a, b)| a < b));
    assert!(pairs.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn bench_prints_json() {
    let out = bin()
        .args([
            "bench",
            "--aircraft",
            "200",
            "--region",
            "global,dense-box",
            "--json",
            "--seconds",
            "0.01",
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rows = v["results"].as_array().expect("results");
    assert_eq!(rows.len(), 2);
    for r in rows {
        assert_eq!(r["aircraft"].as_u64(), Some(200));
        assert!(r["single_median_ms"].as_f64().is_some_and(|t| t > 0.0));
        assert!(r["bytes_per_aircraft"]
            .as_f64()
            .is_some_and(|b| b > 0.0 && b < 1024.0));
    }
}

// ---- Guidance (`--guidance`, `--kinematics`) ----

const LEVELS: [&str; 5] = ["none", "far", "mid", "near", "recovery"];

fn guidance_json(csv: &str, extra: &[&str]) -> Value {
    let mut args = vec!["--json"];
    args.extend_from_slice(extra);
    let out = run_detect(csv, &args);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// The object's keys, sorted.
fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

/// `(from, to, level)` of a band list with unit suffix `unit`.
fn bands(g: &Value, name: &str, unit: &str) -> Vec<(f64, f64, String)> {
    g[name]
        .as_array()
        .unwrap_or_else(|| panic!("{name} missing"))
        .iter()
        .map(|b| {
            let k = keys(b);
            let (from, to) = (format!("from_{unit}"), format!("to_{unit}"));
            let mut want = vec![from.as_str(), "level", to.as_str()];
            want.sort_unstable();
            assert_eq!(k, want, "{b}");
            let level = b["level"].as_str().expect("level").to_string();
            assert!(LEVELS.contains(&level.as_str()), "{level}");
            (
                b[from.as_str()].as_f64().expect("from"),
                b[to.as_str()].as_f64().expect("to"),
                level,
            )
        })
        .collect()
}

/// The track bands run clockwise, each starting where the previous ended, round the circle.
fn assert_covers_circle(b: &[(f64, f64, String)]) {
    let width: f64 = b
        .iter()
        .map(|(f, t, _)| {
            assert!((0.0..360.0).contains(f) && *t > 0.0 && *t <= 360.0, "{b:?}");
            let w = (t - f).rem_euclid(360.0);
            if w == 0.0 {
                360.0
            } else {
                w
            }
        })
        .sum();
    assert!((width - 360.0).abs() < 1e-9, "{b:?}");
    for i in 0..b.len() {
        let next = &b[(i + 1) % b.len()];
        assert!(
            ((b[i].1 - next.0).rem_euclid(360.0)).min((next.0 - b[i].1).rem_euclid(360.0)) < 1e-9,
            "{b:?}"
        );
    }
}

/// Linear bands run upwards, contiguous, from `min` to `max`.
fn assert_covers(b: &[(f64, f64, String)], min: f64, max: f64) {
    assert_eq!(b[0].0, min, "{b:?}");
    assert_eq!(b[b.len() - 1].1, max, "{b:?}");
    for w in b.windows(2) {
        assert_eq!(w[0].1, w[1].0, "{b:?}");
        assert!(w[0].0 < w[0].1, "{b:?}");
    }
}

fn head_on_csv(d_nm: f64) -> String {
    format!(
        "id,lat_deg,lon_deg,alt_ft,gs_kt,trk_deg,vs_fpm,party\n{},blue\n{},red\n",
        row("A", 0.0, 0.0, 35000.0, 480.0, 90.0, 0.0),
        row("B", 0.0, eq_dlon(d_nm * 1852.0), 35000.0, 480.0, 270.0, 0.0)
    )
}

#[test]
fn guidance_json_shape_and_head_on_band_edges() {
    // Head-on 40 NM apart: with instantaneous turns the conflict band is the tracks within
    // 2 asin(5 / 40) = 14.36 degrees of the other aircraft's reciprocal, at the advisory
    // level; the rest of the circle is clear. Both are told to prefer a right turn.
    let v = guidance_json(
        &head_on_csv(40.0),
        &["--guidance", "A,B", "--kinematics", "instant"],
    );
    assert_eq!(keys(&v), vec!["conflicts", "guidance", "stats"]);
    let gs = v["guidance"].as_array().expect("guidance");
    assert_eq!(gs.len(), 2);
    let phi = 2.0 * (5.0f64 / 40.0).asin().to_degrees();
    for (g, id, trk) in [(&gs[0], "A", 90.0), (&gs[1], "B", 270.0)] {
        assert_eq!(
            keys(g),
            vec![
                "advice",
                "alt_bands",
                "gs_bands",
                "id",
                "track_bands",
                "vs_bands"
            ]
        );
        assert_eq!(g["id"].as_str(), Some(id));
        let t = bands(g, "track_bands", "deg");
        assert_covers_circle(&t);
        assert_eq!(t.len(), 2, "{t:?}");
        assert_eq!(t[0].2, "far");
        assert!(
            (t[0].0 - (trk - phi)).abs() < 0.01 && (t[0].1 - (trk + phi)).abs() < 0.01,
            "{t:?}"
        );
        assert_eq!(t[1].2, "none");
        assert_covers(&bands(g, "gs_bands", "kt"), 10.0, 700.0);
        assert_covers(&bands(g, "vs_bands", "fpm"), -6000.0, 6000.0);
        assert_covers(&bands(g, "alt_bands", "ft"), 100.0, 50000.0);
        let a = &g["advice"];
        assert_eq!(a["conflict"].as_bool(), Some(true));
        assert_eq!(a["level"].as_str(), Some("far"));
        assert_eq!(a["track"]["preferred"].as_str(), Some("right"));
        assert_eq!(a["track"]["basis"].as_str(), Some("coordinated"));
        close(
            "right_deg",
            &a["track"]["right_deg"],
            (trk + phi) % 360.0,
            0.01,
        );
        close("left_deg", &a["track"]["left_deg"], trk - phi, 0.01);
        assert_eq!(a["kinematics"].as_str(), Some("instant"));
        assert_eq!(a["category"].as_str(), Some("default"));
    }
    // At the same level the smaller id climbs, the other descends.
    assert_eq!(gs[0]["advice"]["alt"]["preferred"].as_str(), Some("up"));
    assert_eq!(gs[1]["advice"]["alt"]["preferred"].as_str(), Some("down"));
    assert_eq!(gs[0]["advice"]["most_urgent"].as_str(), Some("B"));
    let text = gs[0]["advice"]["text"].as_str().expect("text");
    assert!(
        text.starts_with("turn right to 105° or left to 075°"),
        "{text}"
    );
    assert!(text.contains("climb to ≥ 36,000 ft"), "{text}");
}

#[test]
fn kinematic_guidance_needs_larger_manoeuvres_than_instant() {
    // Turning at 3 deg/s takes time, so the conflict band is wider than the instantaneous
    // one; so is the vertical-speed band with 0.25 g to reach the new rate.
    let csv = head_on_csv(40.0);
    let inst = guidance_json(&csv, &["--guidance", "A", "--kinematics", "instant"]);
    let kin = guidance_json(&csv, &["--guidance", "A"]);
    let width = |v: &Value| {
        let t = bands(&v["guidance"][0], "track_bands", "deg");
        t[0].1 - t[0].0
    };
    assert!(
        width(&kin) > width(&inst) + 0.2,
        "{} {}",
        width(&kin),
        width(&inst)
    );
    let vs_edge = |v: &Value| {
        let b = bands(&v["guidance"][0], "vs_bands", "fpm");
        b.iter().find(|b| b.2 == "far").expect("far").1
    };
    // 1000 ft / t1 with t1 = 35 NM / 960 kt instantaneously; a climb reaching that rate at
    // 0.25 g must be a little faster.
    let t1 = 35.0 * 1852.0 / (960.0 * KT);
    close(
        "instant vs edge",
        &Value::from(vs_edge(&inst)),
        1000.0 / t1 * 60.0,
        0.5,
    );
    assert!(vs_edge(&kin) > vs_edge(&inst) + 0.5);
    assert_eq!(
        kin["guidance"][0]["advice"]["kinematics"].as_str(),
        Some("default")
    );
}

#[test]
fn guidance_recovery_reaches_the_user() {
    // Side by side 2 NM apart, same level and velocity: in loss, nothing is clear. Vertical
    // speed recovers soonest at 6000 ft/min: 1000 ft gained at T / 2 + 10 s (T = 100 ft/s at
    // 0.25 g).
    let csv = format!(
        "id,lat_deg,lon_deg,alt_ft,gs_kt,trk_deg,vs_fpm\n{}\n{}\n",
        row("A", 0.0, 5.0, 30000.0, 450.0, 90.0, 0.0),
        row(
            "B",
            mer_dlat(2.0 * 1852.0, 0.0),
            5.0,
            30000.0,
            450.0,
            90.0,
            0.0
        )
    );
    let v = guidance_json(&csv, &["--guidance", "A"]);
    let g = &v["guidance"][0];
    let vs = bands(g, "vs_bands", "fpm");
    assert_eq!(
        vs.iter().map(|b| b.2.as_str()).collect::<Vec<_>>(),
        vec!["recovery", "near", "recovery"]
    );
    let a = 0.25 * 9.806_65 / 0.3048;
    close(
        "time_to_recovery_s",
        &g["advice"]["vs"]["time_to_recovery_s"],
        100.0 / a / 2.0 + 10.0,
        0.01,
    );
    assert_eq!(g["advice"]["vs"]["recovery"].as_bool(), Some(true));
    assert!(bands(g, "track_bands", "deg")
        .iter()
        .any(|b| b.2 == "recovery"));
    assert!(g["advice"]["text"]
        .as_str()
        .unwrap_or("")
        .contains("regains separation in"));
}

#[test]
fn guidance_category_column_chooses_the_model() {
    // A helicopter's speed bands cover 0-160 kt, a drone's 0-80 kt; an unknown category
    // gets the default model (10-700 kt). Without --guidance the column is ignored.
    let csv = "id,lat_deg,lon_deg,alt_ft,gs_kt,trk_deg,vs_fpm,category\n\
               H,0,0,3000,100,90,0,A7\n\
               D,0,0.01,3000,30,270,0,drone\n\
               G,0,0.02,3000,60,270,0,glider\n";
    let v = guidance_json(csv, &["--guidance", "H,D,G"]);
    let range = |i: usize| {
        let b = bands(&v["guidance"][i], "gs_bands", "kt");
        (b[0].0, b[b.len() - 1].1)
    };
    assert_eq!(range(0), (0.0, 160.0));
    assert_eq!(range(1), (0.0, 80.0));
    assert_eq!(range(2), (10.0, 700.0));
    assert_eq!(
        v["guidance"][0]["advice"]["category"].as_str(),
        Some("helicopter")
    );
    assert_eq!(
        v["guidance"][1]["advice"]["category"].as_str(),
        Some("drone")
    );
    assert_eq!(
        v["guidance"][2]["advice"]["category"].as_str(),
        Some("default")
    );
    let plain = guidance_json(csv, &[]);
    assert_eq!(keys(&plain), vec!["conflicts", "stats"]);
}

#[test]
fn guidance_table_output_and_errors() {
    let csv = head_on_csv(40.0);
    let out = run_detect(&csv, &["--guidance", "B"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 conflict(s) among 2 aircraft"), "{text}");
    assert!(
        text.contains("guidance for B (default model, default kinematics): far"),
        "{text}"
    );
    assert!(text.contains("  advice     turn right to"), "{text}");
    // Without --guidance the table is what it was.
    let out = run_detect(&csv, &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(!text.contains("guidance"));
    // An unknown id, and --kinematics alone, are errors.
    let out = run_detect(&csv, &["--guidance", "A,ZZZ"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"ZZZ\""));
    let out = run_detect(&csv, &["--kinematics", "instant"]);
    assert!(!out.status.success());
}
