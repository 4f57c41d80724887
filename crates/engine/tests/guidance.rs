//! Guidance on encounters whose band edges have a closed form: head-on, crossing, overtaking
//! and vertical, instantaneous and kinematic, with recovery, implicit coordination and
//! several intruders.
//!
//! Aircraft are placed along the equator (a circle of radius `a`) and along meridians, where
//! WGS-84 distances are known in closed form; the expected edges are derived in each test from
//! the relative motion in the plane.

use deconflict_engine::guidance::{
    guidance, BandLevel, Basis, Dynamics, Guidance, GuidanceConfig, ManoeuvreModel, Sense,
    TurnDirection, STANDARD_GRAVITY_MPS2,
};
use deconflict_engine::{detect, AircraftState, AlertLevels, DetectOptions, SeparationStandard};

const A_M: f64 = 6_378_137.0;
const E2: f64 = 0.006_694_379_990_14;
const NM: f64 = 1852.0;
const KT: f64 = 1852.0 / 3600.0;
const FT: f64 = 0.3048;
const D_M: f64 = 5.0 * NM;

/// Longitude difference (deg) spanning `d_m` along the equator.
fn eq_dlon(d_m: f64) -> f64 {
    (d_m / A_M).to_degrees()
}

/// Latitude difference (deg) spanning `d_m` along a meridian around `lat_deg`.
fn mer_dlat(d_m: f64, lat_deg: f64) -> f64 {
    let s = lat_deg.to_radians().sin();
    let m = A_M * (1.0 - E2) / (1.0 - E2 * s * s).powf(1.5);
    (d_m / m).to_degrees()
}

#[allow(clippy::too_many_arguments)]
fn st(id: &str, lat: f64, lon: f64, alt: f64, gs: f64, trk: f64, vs: f64) -> AircraftState {
    AircraftState {
        id: id.into(),
        party: None,
        lat_deg: lat,
        lon_deg: lon,
        alt_ft: alt,
        gs_kt: gs,
        trk_deg: trk,
        vs_fpm: vs,
    }
}

fn run(own: &AircraftState, traffic: &[AircraftState], dynamics: Dynamics) -> Guidance {
    guidance(
        own,
        traffic,
        &SeparationStandard::default(),
        &AlertLevels::default(),
        &GuidanceConfig {
            dynamics,
            ..GuidanceConfig::default()
        },
    )
    .expect("guidance")
}

/// (from, to, level) of linear bands.
fn gs(g: &Guidance) -> Vec<(f64, f64, BandLevel)> {
    g.gs_bands
        .iter()
        .map(|b| (b.from_kt, b.to_kt, b.level))
        .collect()
}
fn vs(g: &Guidance) -> Vec<(f64, f64, BandLevel)> {
    g.vs_bands
        .iter()
        .map(|b| (b.from_fpm, b.to_fpm, b.level))
        .collect()
}
fn alt(g: &Guidance) -> Vec<(f64, f64, BandLevel)> {
    g.alt_bands
        .iter()
        .map(|b| (b.from_ft, b.to_ft, b.level))
        .collect()
}
fn trk(g: &Guidance) -> Vec<(f64, f64, BandLevel)> {
    g.track_bands
        .iter()
        .map(|b| (b.from_deg, b.to_deg, b.level))
        .collect()
}

/// Asserts the bands are `want` (levels exactly, edges within `tol`).
fn assert_bands(
    what: &str,
    got: &[(f64, f64, BandLevel)],
    want: &[(f64, f64, BandLevel)],
    tol: f64,
) {
    assert_eq!(
        got.iter().map(|b| b.2).collect::<Vec<_>>(),
        want.iter().map(|b| b.2).collect::<Vec<_>>(),
        "{what}: {got:?}"
    );
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g.0 - w.0).abs() <= tol && (g.1 - w.1).abs() <= tol,
            "{what}: got {got:?}, want {want:?} (tol {tol})"
        );
    }
}

/// Level of the track band containing `deg`.
fn track_level(g: &Guidance, deg: f64) -> BandLevel {
    let d = deg.rem_euclid(360.0);
    g.track_bands
        .iter()
        .find(|b| {
            let w = (b.to_deg - b.from_deg).rem_euclid(360.0);
            let w = if w == 0.0 { 360.0 } else { w };
            (d - b.from_deg).rem_euclid(360.0) < w
        })
        .map(|b| b.level)
        .expect("the track bands cover the circle")
}

/// Bisection for the root of `f` on `[lo, hi]` (`f(lo)` and `f(hi)` of opposite signs).
fn root(mut lo: f64, mut hi: f64, f: impl Fn(f64) -> f64) -> f64 {
    let flo = f(lo);
    assert!(flo * f(hi) <= 0.0, "no sign change on [{lo}, {hi}]");
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if (f(mid) > 0.0) == (flo > 0.0) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Head-on, 40 NM apart along the equator at FL350, 480 kt each.
fn head_on(d_nm: f64) -> (AircraftState, AircraftState) {
    (
        st("OWN", 0.0, 0.0, 35_000.0, 480.0, 90.0, 0.0),
        st("INT", 0.0, eq_dlon(d_nm * NM), 35_000.0, 480.0, 270.0, 0.0),
    )
}

#[test]
fn head_on_instantaneous_track_bands() {
    // Flying at an angle phi off the intruder's reciprocal, the miss distance is
    // d |sin(phi / 2)|: the conflict band is |phi| < 2 asin(D / d), all at the advisory level
    // (the loss begins after 131 s > 120 s). Every other track is clear.
    let (own, int) = head_on(40.0);
    let g = run(&own, &[int], Dynamics::Instantaneous);
    let phi = 2.0 * (5.0f64 / 40.0).asin().to_degrees();
    assert_bands(
        "track",
        &trk(&g),
        &[
            (90.0 - phi, 90.0 + phi, BandLevel::Far),
            (90.0 + phi, 90.0 - phi, BandLevel::None),
        ],
        0.01,
    );
    assert!(g.advice.conflict);
    assert_eq!(g.advice.level, BandLevel::Far);
    assert!((g.advice.track.left_deg.unwrap() - (90.0 - phi)).abs() < 0.01);
    assert!((g.advice.track.right_deg.unwrap() - (90.0 + phi)).abs() < 0.01);
}

#[test]
fn head_on_kinematic_track_bands_need_a_larger_turn() {
    // Turning right at 3 deg/s (the default model) from east: after psi the ownship is at
    // (R sin psi, -R (1 - cos psi)), R = v / omega, and flies (v cos psi, -v sin psi); the
    // intruder, d away, flies west. The edge is the psi whose straight leg passes at D.
    let (own, int) = head_on(40.0);
    let g = run(&own, &[int], Dynamics::Kinematic);
    let v = 480.0 * KT;
    let omega = 3f64.to_radians();
    let r = v / omega;
    let d = 40.0 * NM;
    let miss = |psi_deg: f64| {
        let psi = psi_deg.to_radians();
        let t = psi / omega;
        let rel = [d - v * t - r * psi.sin(), r * (1.0 - psi.cos())];
        let w = [-v - v * psi.cos(), v * psi.sin()];
        (rel[0] * w[1] - rel[1] * w[0]).abs() / w[0].hypot(w[1]) - D_M
    };
    let psi = root(5.0, 40.0, miss);
    let instant = 2.0 * (5.0f64 / 40.0).asin().to_degrees();
    assert!(psi > instant + 0.1, "{psi} vs {instant}");
    assert_bands(
        "track",
        &trk(&g),
        &[
            (90.0 - psi, 90.0 + psi, BandLevel::Far),
            (90.0 + psi, 90.0 - psi, BandLevel::None),
        ],
        0.02,
    );
}

#[test]
fn head_on_vertical_speed_and_altitude_bands() {
    // Horizontal loss from t1 = (d - D) / 960 kt. Instantaneously, |vs| t1 >= 1000 ft clears:
    // |vs| >= 1000 ft / t1. With a vertical acceleration a (0.25 g) the climb to vs gives
    // vs t1 - vs^2 / (2 a) = 1000 ft.
    let (own, int) = head_on(40.0);
    let t1 = (40.0 - 5.0) * NM / (960.0 * KT);
    let inst_fpm = 1000.0 / t1 * 60.0;
    let g = run(&own, std::slice::from_ref(&int), Dynamics::Instantaneous);
    let want = |e: f64| {
        [
            (-6000.0, -e, BandLevel::None),
            (-e, e, BandLevel::Far),
            (e, 6000.0, BandLevel::None),
        ]
    };
    assert_bands("vs instantaneous", &vs(&g), &want(inst_fpm), 0.5);
    let a = 0.25 * STANDARD_GRAVITY_MPS2 / FT;
    let kin_fps = a * t1 - (a * a * t1 * t1 - 2000.0 * a).sqrt();
    let g = run(&own, &[int], Dynamics::Kinematic);
    assert!(kin_fps * 60.0 > inst_fpm + 0.5);
    assert_bands("vs kinematic", &vs(&g), &want(kin_fps * 60.0), 0.5);
    // Levels 1000 ft or more away are reached long before t1 at 1500 ft/min: the edges are
    // exactly the vertical minimum (a separation of exactly 1000 ft is not a loss).
    assert_bands(
        "alt",
        &alt(&g),
        &[
            (100.0, 34_000.0, BandLevel::None),
            (34_000.0, 36_000.0, BandLevel::Far),
            (36_000.0, 50_000.0, BandLevel::None),
        ],
        0.01,
    );
    assert_eq!(g.advice.alt.down_ft, Some(34_000.0));
    assert_eq!(g.advice.alt.up_ft, Some(36_000.0));
}

#[test]
fn overtaking_ground_speed_bands_and_levels() {
    // 10 NM behind a 400 kt aircraft on the same track at 480 kt. Instantaneously the loss
    // (5 NM closed) comes at 5 NM / (g - 400 kt): within 300 s from g = 460 kt (far), within
    // 120 s from 550 kt (mid), within 60 s only at 700 kt.
    let own = st("OWN", 0.0, 0.0, 37_000.0, 480.0, 90.0, 0.0);
    let int = st("INT", 0.0, eq_dlon(10.0 * NM), 37_000.0, 400.0, 90.0, 0.0);
    let g = run(&own, std::slice::from_ref(&int), Dynamics::Instantaneous);
    assert_bands(
        "gs instantaneous",
        &gs(&g),
        &[
            (10.0, 460.0, BandLevel::None),
            (460.0, 550.0, BandLevel::Far),
            (550.0, 700.0, BandLevel::Mid),
        ],
        0.05,
    );
    assert_eq!(g.advice.level, BandLevel::Far);
    assert!((g.advice.gs.slower_kt.unwrap() - 460.0).abs() < 0.05);
    assert_eq!(g.advice.gs.faster_kt, None);
    assert_eq!(g.advice.gs.preferred, Some(Sense::Down));
    // With 2 m/s^2: slowing by dv (m/s) closes dv^2 / (2 a) - T dv + T u over T = 300 s
    // (u = 80 kt): the edge solves that = 5 NM. Speeding up by dv closes
    // T u + T dv - dv^2 / (2 a) over T = 120 s for the far / mid edge.
    let (a, u) = (2.0, 80.0 * KT);
    let slow = 480.0 - a * (300.0 - (300f64.powi(2) - 2.0 * (300.0 * u - D_M) / a).sqrt()) / KT;
    let mid = 480.0 + a * (120.0 - (120f64.powi(2) - 2.0 * (D_M - 120.0 * u) / a).sqrt()) / KT;
    let g = run(&own, &[int], Dynamics::Kinematic);
    assert!(slow < 460.0 && mid > 550.0, "{slow} {mid}");
    assert_bands(
        "gs kinematic",
        &gs(&g),
        &[
            (10.0, slow, BandLevel::None),
            (slow, mid, BandLevel::Far),
            (mid, 700.0, BandLevel::Mid),
        ],
        0.05,
    );
}

#[test]
fn crossing_ground_speed_bands() {
    // A eastbound and B southbound, both 30 NM from the crossing point at 480 kt. At ground
    // speed g for A the miss distance is d |g - u| / sqrt(g^2 + u^2): the edges solve
    // 35 x^2 - 72 x + 35 = 0 for x = g / u.
    let d = 30.0 * NM;
    let own = st("OWN", 0.0, -eq_dlon(d), 33_000.0, 480.0, 90.0, 0.0);
    let int = st("INT", mer_dlat(d, 0.125), 0.0, 33_000.0, 480.0, 180.0, 0.0);
    let g = run(&own, &[int], Dynamics::Instantaneous);
    let disc = (72.0f64 * 72.0 - 4.0 * 35.0 * 35.0).sqrt();
    let (lo, hi) = ((72.0 - disc) / 70.0 * 480.0, (72.0 + disc) / 70.0 * 480.0);
    assert_bands(
        "gs",
        &gs(&g),
        &[
            (10.0, lo, BandLevel::None),
            (lo, hi, BandLevel::Far),
            (hi, 700.0, BandLevel::None),
        ],
        0.2,
    );
    // Either direction clears; the coordinated one passes behind the other aircraft's path
    // sense (both aircraft agree on it).
    assert!(g.advice.gs.slower_kt.is_some() && g.advice.gs.faster_kt.is_some());
    assert_eq!(g.advice.gs.basis, Some(Basis::Coordinated));
}

#[test]
fn vertical_recovery_in_formation() {
    // Side by side 2 NM apart at the same level and velocity: in loss now, and no manoeuvre
    // is clear. Changing the vertical speed to vs regains 1000 ft after 1000 ft / |vs|; the
    // soonest is at the range's ends (6000 ft/min, 10 s) and the recovery bands are the
    // speeds within 5 s of it: |vs| >= 1000 ft / 15 s = 4000 ft/min.
    let own = st("OWN", 0.0, 5.0, 30_000.0, 450.0, 90.0, 0.0);
    let int = st(
        "INT",
        mer_dlat(2.0 * NM, 0.0),
        5.0,
        30_000.0,
        450.0,
        90.0,
        0.0,
    );
    let g = run(&own, std::slice::from_ref(&int), Dynamics::Instantaneous);
    assert_eq!(g.advice.level, BandLevel::Near);
    assert_bands(
        "vs instantaneous",
        &vs(&g),
        &[
            (-6000.0, -4000.0, BandLevel::Recovery),
            (-4000.0, 4000.0, BandLevel::Near),
            (4000.0, 6000.0, BandLevel::Recovery),
        ],
        0.5,
    );
    assert!((g.advice.vs.time_to_recovery_s.unwrap() - 10.0).abs() < 0.01);
    assert!(g.advice.vs.recovery);
    // With 0.25 g: at 6000 ft/min (100 ft/s, reached after T = v / a) 1000 ft are gained at
    // T / 2 + 1000 ft / v; the band edge v gains them at t_min + 5 s.
    let a = 0.25 * STANDARD_GRAVITY_MPS2 / FT;
    let t_min = 100.0 / a / 2.0 + 10.0;
    let t = t_min + 5.0;
    let edge = a * (t - (t * t - 2000.0 / a).sqrt()) * 60.0;
    let g = run(&own, &[int], Dynamics::Kinematic);
    assert!((g.advice.vs.time_to_recovery_s.unwrap() - t_min).abs() < 0.01);
    assert_bands(
        "vs kinematic",
        &vs(&g),
        &[
            (-6000.0, -edge, BandLevel::Recovery),
            (-edge, edge, BandLevel::Near),
            (edge, 6000.0, BandLevel::Recovery),
        ],
        0.5,
    );
    // No track is clear either: turning gives recovery bands, with a time, on both sides.
    assert!(g.advice.track.recovery);
    assert!(g.track_bands.iter().any(|b| b.level == BandLevel::Recovery));
    assert!(g.track_bands.iter().all(|b| b.level != BandLevel::None));
    assert!(g
        .advice
        .track
        .time_to_recovery_s
        .is_some_and(|t| t > 0.0 && t < 120.0));
    assert!(g.advice.track.right_deg.is_some());
}

#[test]
fn close_head_on_levels_are_recovery_and_speed_has_none() {
    // 12 NM head-on: the loss begins in 26 s, before a 1500 ft/min climb (0.25 g to reach
    // it) gains 1000 ft, so no level is clear. Recovery: the climb or descent ends the loss
    // once 1000 ft are gained, at T / 2 + 1000 ft / r (T = r / a); levelling exactly 1000 ft
    // away takes T longer in all and is within the 5 s tolerance; closer levels stay in loss
    // until the aircraft have passed.
    let (own, int) = head_on(12.0);
    let g = run(&own, &[int], Dynamics::Kinematic);
    let (a, r) = (0.25 * STANDARD_GRAVITY_MPS2 / FT, 25.0);
    let t_rec = r / a / 2.0 + 1000.0 / r;
    assert!((g.advice.alt.time_to_recovery_s.unwrap() - t_rec).abs() < 0.01);
    assert_bands(
        "alt",
        &alt(&g),
        &[
            (100.0, 34_000.0, BandLevel::Recovery),
            (34_000.0, 36_000.0, BandLevel::Near),
            (36_000.0, 50_000.0, BandLevel::Recovery),
        ],
        0.5,
    );
    // A 6000 ft/min climb is quick enough: vertical speed has clear bands.
    assert!(g.vs_bands.iter().any(|b| b.level == BandLevel::None));
    // No ground speed avoids a collision head-on: no speed is recommended.
    assert!(g
        .gs_bands
        .iter()
        .all(|b| b.level != BandLevel::None && b.level != BandLevel::Recovery));
    assert!(g.advice.gs.recovery);
    assert_eq!(
        (
            g.advice.gs.slower_kt,
            g.advice.gs.faster_kt,
            g.advice.gs.time_to_recovery_s
        ),
        (None, None, None)
    );
    assert!(!g.advice.text.contains("kt"), "{}", g.advice.text);
}

#[test]
fn recovery_avoids_the_collision_volume() {
    // Head-on 3 NM apart: already in loss. Flying on regains 5 NM soonest (once past, after
    // 30 s) but through the other aircraft; it is not a recovery band.
    let (own, int) = head_on(3.0);
    let g = run(&own, &[int], Dynamics::Kinematic);
    assert!(g.advice.track.recovery);
    assert_ne!(track_level(&g, 90.0), BandLevel::Recovery);
    assert!(g.track_bands.iter().any(|b| b.level == BandLevel::Recovery));
    // Every dimension says something or nothing honestly: the vertical ones recover.
    assert!(g.advice.vs.up_fpm.is_some() || g.advice.vs.down_fpm.is_some());
    assert!(g.advice.vs.time_to_recovery_s.is_some());
}

#[test]
fn coordinated_turns_and_levels_resolve_together() {
    // Head-on, B 1 NM north of A's track and 400 ft above. Each aircraft's bands are
    // computed with the other flying straight; with coordination both prefer to turn right
    // (A south, B north: the offset they already have grows) and A to descend, B to climb.
    // Flying both preferred turns at once is clear; had they been told opposite senses (A
    // right and B left: both south, or A left and B right: both north) each would cancel
    // the other's manoeuvre.
    let d = 40.0 * NM;
    let mut a = st("A", 0.0, 0.0, 35_000.0, 480.0, 90.0, 0.0);
    let mut b = st(
        "B",
        mer_dlat(NM, 0.0),
        eq_dlon(d),
        35_400.0,
        480.0,
        270.0,
        0.0,
    );
    a.party = Some("blue".into());
    b.party = Some("red".into());
    let ga = run(&a, std::slice::from_ref(&b), Dynamics::Instantaneous);
    let gb = run(&b, std::slice::from_ref(&a), Dynamics::Instantaneous);
    for g in [&ga, &gb] {
        assert_eq!(
            g.advice.track.preferred,
            Some(TurnDirection::Right),
            "{}",
            g.id
        );
        assert_eq!(g.advice.track.basis, Some(Basis::Coordinated));
    }
    assert_eq!(ga.advice.vs.preferred, Some(Sense::Down));
    assert_eq!(gb.advice.vs.preferred, Some(Sense::Up));
    assert_eq!(ga.advice.alt.preferred, Some(Sense::Down));
    assert_eq!(gb.advice.alt.preferred, Some(Sense::Up));
    let conflicts = |ta: f64, tb: f64| {
        let a2 = AircraftState {
            trk_deg: ta,
            ..a.clone()
        };
        let b2 = AircraftState {
            trk_deg: tb,
            ..b.clone()
        };
        detect(&[a2, b2], &DetectOptions::default())
            .unwrap()
            .conflicts
            .len()
    };
    let right = |g: &Guidance| g.advice.track.right_deg.unwrap();
    let left = |g: &Guidance| g.advice.track.left_deg.unwrap();
    assert_eq!(conflicts(right(&ga), right(&gb)), 0);
    assert_eq!(conflicts(right(&ga), left(&gb)), 1);
    assert_eq!(conflicts(left(&ga), right(&gb)), 1);
    // Each aircraft's own resolution alone clears, either way.
    assert_eq!(conflicts(left(&ga), 270.0), 0);
    assert_eq!(conflicts(90.0, left(&gb)), 0);
}

#[test]
fn several_intruders_bands_are_the_worst_of_each() {
    // A head-on intruder ahead (tracks 75-105 deg, far) and a slow one 20 NM away on a
    // bearing of 125 deg (tracks around 125 deg, mid: reached in under 2 minutes): the
    // combined bands at every track are the most severe of the two alone, and both conflict
    // bands appear.
    let own = st("OWN", 0.0, 0.0, 35_000.0, 480.0, 90.0, 0.0);
    let ahead = st(
        "AHEAD",
        0.0,
        eq_dlon(40.0 * NM),
        35_000.0,
        480.0,
        270.0,
        0.0,
    );
    let brg = 125f64.to_radians();
    let right = st(
        "RIGHT",
        mer_dlat(20.0 * NM * brg.cos(), -0.1),
        eq_dlon(20.0 * NM * brg.sin()),
        35_000.0,
        60.0,
        0.0,
        0.0,
    );
    let both = run(&own, &[ahead.clone(), right.clone()], Dynamics::Kinematic);
    let g1 = run(&own, &[ahead], Dynamics::Kinematic);
    let g2 = run(&own, &[right], Dynamics::Kinematic);
    let sev = |l: BandLevel| match l {
        BandLevel::None => 0,
        BandLevel::Far => 1,
        BandLevel::Mid => 2,
        BandLevel::Near => 3,
        BandLevel::Recovery => 9,
    };
    let mut checked = 0;
    for i in 0..3600 {
        let t = i as f64 * 0.1 + 0.05;
        // Skip tracks within 0.05 deg of an edge of any of the three.
        let near_edge = [&both, &g1, &g2].iter().any(|g| {
            g.track_bands.iter().any(|b| {
                let e = (t - b.from_deg).rem_euclid(360.0);
                e.min(360.0 - e) < 0.05
            })
        });
        if near_edge {
            continue;
        }
        checked += 1;
        let want = sev(track_level(&g1, t)).max(sev(track_level(&g2, t)));
        assert_eq!(sev(track_level(&both, t)), want, "track {t}");
    }
    assert!(checked > 3000);
    let levels: Vec<BandLevel> = both.track_bands.iter().map(|b| b.level).collect();
    assert!(
        levels.contains(&BandLevel::Far) && levels.contains(&BandLevel::Mid),
        "{levels:?}"
    );
    assert_eq!(track_level(&both, 95.0), BandLevel::Far);
    assert_eq!(track_level(&both, 125.0), BandLevel::Mid);
    assert_eq!(track_level(&both, 140.0), BandLevel::None);
    // The advised turns end on the clear bands' edges (bands are closed at their edges:
    // look just inside).
    let left = both.advice.track.left_deg.expect("a left turn clears");
    let right = both.advice.track.right_deg.expect("a right turn clears");
    assert_eq!(track_level(&both, left - 1e-3), BandLevel::None);
    assert_ne!(track_level(&both, left + 0.1), BandLevel::None);
    assert_eq!(track_level(&both, right + 1e-3), BandLevel::None);
    assert_ne!(track_level(&both, right - 0.1), BandLevel::None);
}

#[test]
fn boxed_in_by_four_intruders_still_gets_recovery() {
    // Converging from the four quadrants at 10 NM, 60 s apart or less: every track, speed and
    // vertical speed conflicts; the dimensions give recovery bands with times, none empty.
    let own = st("OWN", 0.0, 0.0, 20_000.0, 300.0, 90.0, 0.0);
    let d = 8.0 * NM;
    let traffic = [
        st("E", 0.0, eq_dlon(d), 20_000.0, 300.0, 270.0, 0.0),
        st("W", 0.0, -eq_dlon(d), 20_000.0, 420.0, 90.0, 0.0),
        st("N", mer_dlat(d, 0.05), 0.0, 20_000.0, 300.0, 180.0, 0.0),
        st("S", -mer_dlat(d, -0.05), 0.0, 20_000.0, 300.0, 0.0, 0.0),
        st("UP", 0.0, 0.0, 21_500.0, 300.0, 90.0, -1500.0),
        st("DOWN", 0.0, 0.0, 18_500.0, 300.0, 90.0, 1500.0),
    ];
    let cfg = GuidanceConfig {
        model: ManoeuvreModel {
            vs_min_fpm: -2000.0,
            vs_max_fpm: 2000.0,
            ..ManoeuvreModel::default()
        },
        ..GuidanceConfig::default()
    };
    let g = guidance(
        &own,
        &traffic,
        &SeparationStandard::default(),
        &AlertLevels::default(),
        &cfg,
    )
    .expect("guidance");
    assert!(
        g.track_bands.iter().all(|b| b.level != BandLevel::None),
        "{:?}",
        g.track_bands
    );
    assert!(g.advice.track.recovery);
    let t = g.advice.track.time_to_recovery_s.expect("a track recovers");
    assert!(t > 0.0 && t < 600.0);
    assert!(g.track_bands.iter().any(|b| b.level == BandLevel::Recovery));
    assert!(g.advice.track.left_deg.is_some() || g.advice.track.right_deg.is_some());
    assert!(!g.advice.text.is_empty());
}

#[test]
fn no_conflict_no_advice_and_existing_bands_clear() {
    let own = st("OWN", 10.0, 10.0, 35_000.0, 450.0, 0.0, 0.0);
    let far = st("FAR", 20.0, 20.0, 35_000.0, 450.0, 180.0, 0.0);
    let g = run(&own, &[far, own.clone()], Dynamics::Kinematic);
    assert!(!g.advice.conflict);
    assert_eq!(g.advice.level, BandLevel::None);
    assert_eq!(g.advice.most_urgent, None);
    assert_eq!(trk(&g), vec![(0.0, 360.0, BandLevel::None)]);
    assert_eq!(gs(&g), vec![(10.0, 700.0, BandLevel::None)]);
    assert_eq!(vs(&g), vec![(-6000.0, 6000.0, BandLevel::None)]);
    assert_eq!(alt(&g), vec![(100.0, 50_000.0, BandLevel::None)]);
    assert_eq!(g.advice.track.left_deg, None);
    assert_eq!(g.advice.text, "no conflict within the look-ahead");
}

#[test]
fn advice_text_names_the_smallest_changes() {
    let (own, int) = head_on(40.0);
    let g = run(&own, &[int], Dynamics::Instantaneous);
    // 90 -/+ 14.34 deg, rounded away from the conflict; 456.2 ft/min rounded to 460.
    assert_eq!(
        g.advice.text,
        "turn right to 105° or left to 075°, or descend at ≥ 460 ft/min or climb at ≥ 460 \
         ft/min, or descend to ≤ 34,000 ft or climb to ≥ 36,000 ft"
    );
}
