//! Criterion benchmark of guidance: the cost of the bands and advice of one aircraft in alert
//! against 1, 5 and 20 intruders, every one of them in conflict with it: the default
//! kinematic model (DAIDALUS's steps: 1 deg, 5 kt, 100 ft/min, 100 ft), the same with every
//! step doubled, and instantaneous manoeuvres; and, as the server computes it, the guidance of
//! aircraft in conflict inside 20,000 aircraft of synthetic European traffic (every other
//! aircraft within reach is flown against, through the latitude index).

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use deconflict_engine::guidance::{
    guidance, Dynamics, GuidanceConfig, GuidanceTraffic, ManoeuvreModel,
};
use deconflict_engine::traffic::{generate, Region};
use deconflict_engine::units::NM_PER_DEG_LAT;
use deconflict_engine::{detect, AircraftState, AlertLevels, DetectOptions, SeparationStandard};

/// The ownship at 50 N 8 E, FL350, 450 kt eastbound, and `n` intruders converging on where it
/// will be 90 to 270 s from now, from every direction, each passing within 2 NM and 600 ft.
fn encounter(n: usize) -> (AircraftState, Vec<AircraftState>) {
    let (lat0, lon0) = (50.0f64, 8.0f64);
    let own = AircraftState {
        id: "OWN".into(),
        party: Some("blue".into()),
        lat_deg: lat0,
        lon_deg: lon0,
        alt_ft: 35_000.0,
        gs_kt: 450.0,
        trk_deg: 90.0,
        vs_fpm: 0.0,
    };
    let nm_per_deg_lon = NM_PER_DEG_LAT * lat0.to_radians().cos();
    let traffic = (0..n)
        .map(|i| {
            let t_c_h = (90.0 + 180.0 * i as f64 / n.max(2) as f64) / 3600.0;
            let trk = (37.0 + 360.0 * i as f64 / n as f64) % 360.0;
            let gs = 380.0 + 10.0 * (i % 7) as f64;
            let miss = 2.0 * ((i * 7919) % 11) as f64 / 11.0 - 1.0;
            // Where the ownship is at t_c, offset by the miss across the intruder's track.
            let (s, c) = trk.to_radians().sin_cos();
            let east = 450.0 * t_c_h + miss * c - gs * t_c_h * s;
            let north = -miss * s - gs * t_c_h * c;
            AircraftState {
                id: format!("I{i:02}"),
                party: Some("red".into()),
                lat_deg: lat0 + north / NM_PER_DEG_LAT,
                lon_deg: lon0 + east / nm_per_deg_lon,
                alt_ft: 35_000.0 + 600.0 * miss,
                gs_kt: gs,
                trk_deg: trk,
                vs_fpm: 0.0,
            }
        })
        .collect();
    (own, traffic)
}

fn bands(c: &mut Criterion) {
    let std = SeparationStandard::default();
    let levels = AlertLevels::default();
    let mut g = c.benchmark_group("guidance");
    let doubled = ManoeuvreModel {
        track_step_deg: 2.0,
        gs_step_kt: 10.0,
        vs_step_fpm: 200.0,
        alt_step_ft: 200.0,
        ..ManoeuvreModel::default()
    };
    for (name, dynamics, model) in [
        ("kinematic", Dynamics::Kinematic, ManoeuvreModel::default()),
        ("kinematic_double_step", Dynamics::Kinematic, doubled),
        (
            "instantaneous",
            Dynamics::Instantaneous,
            ManoeuvreModel::default(),
        ),
    ] {
        let config = GuidanceConfig {
            model,
            dynamics,
            ..GuidanceConfig::default()
        };
        for n in [1usize, 5, 20] {
            let (own, traffic) = encounter(n);
            let mut all = traffic.clone();
            all.push(own.clone());
            let conflicts = detect(&all, &DetectOptions::default())
                .expect("detect")
                .conflicts;
            let with_own = conflicts
                .iter()
                .filter(|c| c.a == "OWN" || c.b == "OWN")
                .count();
            assert_eq!(
                with_own, n,
                "every intruder is in conflict with the ownship"
            );
            g.bench_with_input(BenchmarkId::new(name, n), &traffic, |bn, t| {
                bn.iter(|| guidance(black_box(&own), black_box(t), &std, &levels, &config))
            });
        }
    }
    g.finish();
}

/// Guidance of 16 aircraft in conflict among 20,000 aircraft of European traffic, per
/// aircraft (the server's case: all the traffic, indexed once).
fn in_traffic(c: &mut Criterion) {
    let std = SeparationStandard::default();
    let levels = AlertLevels::default();
    let states = generate(20_000, 1, Region::Europe);
    let conflicts = detect(&states, &DetectOptions::default())
        .expect("detect")
        .conflicts;
    let mut ids: Vec<&str> = conflicts.iter().map(|c| c.a.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let owns: Vec<&AircraftState> = ids
        .iter()
        .step_by((ids.len() / 16).max(1))
        .take(16)
        .filter_map(|id| states.iter().find(|s| s.id == *id))
        .collect();
    let index = GuidanceTraffic::new(&states).expect("valid traffic");
    let config = GuidanceConfig::default();
    let mut g = c.benchmark_group("guidance_in_traffic");
    g.sample_size(10);
    g.throughput(Throughput::Elements(owns.len() as u64));
    g.bench_function(BenchmarkId::new("europe_20000", owns.len()), |bn| {
        bn.iter(|| {
            for own in &owns {
                black_box(
                    index
                        .guidance(own, &std, &levels, &config)
                        .expect("guidance"),
                );
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bands, in_traffic);
criterion_main!(benches);
