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
