//! Benchmarks of the two per-request and per-cycle hot paths:
//!
//! - `filing_check`: [`ReservationIndex::check`] of a new reservation against 100,000 live
//!   reservations of other parties (seeded random circles and polygons, 2–20 km, over a
//!   35° × 20° region, windows of 1–8 h over one week, random altitude bands). Besides
//!   criterion's mean, a plain loop of 5,000 checks prints p50/p99/max latency.
//! - `intrusion_scan`: [`IntrusionDetector::scan`] of 20,000 aircraft against 10,000 watched
//!   volumes with a 300 s look-ahead, one engine cycle.
//! - `regions_locate`: [`RegionSet::locate`] of 100,000 aircraft (seeded random positions over
//!   Europe, 35–71° N, 11° W–40° E, 0–45,000 ft) against the default aerodrome regions (an
//!   inhibition cylinder and a terminal region around each of the 7,884 IATA-coded aerodromes
//!   of the bundled list), one safety-net cycle.
//!
//! Run: `cargo bench -p deconflict-airspace --bench airspace`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use deconflict_airspace::geom::destination;
use deconflict_airspace::{
    AerodromeDefaults, IntrusionDetector, LatLon, Purpose, RegionSet, Reservation,
    ReservationIndex, ReservationState, Shape, Volume,
};
use deconflict_engine::AircraftState;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const WEEK_S: f64 = 7.0 * 86_400.0;
const T0: f64 = 1_795_600_800.0;

fn random_center(rng: &mut ChaCha8Rng) -> LatLon {
    LatLon {
        lat_deg: rng.gen_range(25.0..45.0),
        lon_deg: rng.gen_range(25.0..60.0),
    }
}

fn random_volume(rng: &mut ChaCha8Rng, min_r_m: f64, max_r_m: f64, window_s: (f64, f64)) -> Volume {
    let c = random_center(rng);
    let r = rng.gen_range(min_r_m..max_r_m);
    let shape = if rng.gen_bool(0.5) {
        Shape::Circle {
            center: c,
            radius_m: r,
        }
    } else {
        let n = rng.gen_range(4..12);
        let rot = rng.gen_range(0.0..360.0);
        let coordinates = (0..n)
            .map(|k| {
                let p = destination(
                    c,
                    rot + 360.0 * f64::from(k) / f64::from(n),
                    r * rng.gen_range(0.7..1.0),
                );
                [p.lon_deg, p.lat_deg]
            })
            .collect();
        Shape::Polygon { coordinates }
    };
    let lower_ft = f64::from(rng.gen_range(0..40)) * 1_000.0;
    let upper_ft = lower_ft + f64::from(rng.gen_range(1..20)) * 1_000.0;
    let start_time = T0 + rng.gen_range(window_s.0..window_s.1);
    let end_time = start_time + rng.gen_range(3_600.0..8.0 * 3_600.0);
    Volume {
        shape,
        lower_ft,
        upper_ft,
        start_time,
        end_time,
    }
}

fn reservations(n: usize, seed: u64, window_s: (f64, f64)) -> Vec<Reservation> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| Reservation {
            id: format!("r-{i}"),
            party: ["blue", "green", "white"][i % 3].into(),
            purpose: if i % 10 == 0 {
                Purpose::Hazard
            } else {
                Purpose::Operation
            },
            priority: (i % 11) as u8,
            state: ReservationState::Active,
            volumes: vec![random_volume(&mut rng, 2_000.0, 20_000.0, window_s)],
        })
        .collect()
}

/// Resident set size of this process, MiB (Linux; 0 elsewhere).
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn filing_check(c: &mut Criterion) {
    let rss_before = rss_mib();
    let t = Instant::now();
    let mut index = ReservationIndex::new();
    for r in reservations(100_000, 1, (0.0, WEEK_S)) {
        index.insert(r).expect("valid");
    }
    eprintln!(
        "filing_check: built index of {} reservations in {:.2?}, +{:.0} MiB resident",
        index.len(),
        t.elapsed(),
        rss_mib() - rss_before
    );

    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let candidates: Vec<Vec<Volume>> = (0..5_000)
        .map(|_| {
            (0..rng.gen_range(1..4))
                .map(|_| random_volume(&mut rng, 2_000.0, 50_000.0, (0.0, WEEK_S)))
                .collect()
        })
        .collect();
    // Latency distribution over many distinct checks.
    let mut times = Vec::with_capacity(candidates.len());
    let mut found = 0usize;
    for cand in &candidates {
        let t = Instant::now();
        let o = index.check("red", black_box(cand), None).expect("valid");
        times.push(t.elapsed());
        found += o.len();
    }
    times.sort();
    eprintln!(
        "filing_check: {} checks (1-3 volumes, 2-50 km) vs 100,000: p50 {:.2?}, p99 {:.2?}, max {:.2?}; {:.2} overlaps/check",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1],
        found as f64 / candidates.len() as f64
    );
    let mut i = 0;
    c.bench_function("filing_check_100k", |b| {
        b.iter(|| {
            i = (i + 1) % candidates.len();
            black_box(
                index
                    .check("red", black_box(&candidates[i]), None)
                    .expect("valid"),
            )
        })
    });
}

fn intrusion_scan(c: &mut Criterion) {
    let now = T0 + 3_600.0;
    // Every watched volume is live now (window around `now`).
    let watched = reservations(10_000, 3, (-3_600.0, 3_599.0));
    let t = Instant::now();
    let det = IntrusionDetector::new(&watched);
    eprintln!(
        "intrusion_scan: indexed {} volumes in {:.2?}",
        det.len(),
        t.elapsed()
    );
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let aircraft: Vec<AircraftState> = (0..20_000)
        .map(|i| {
            let p = random_center(&mut rng);
            AircraftState {
                id: format!("{i:06X}"),
                party: Some(["blue", "red", "green"][i % 3].into()),
                lat_deg: p.lat_deg,
                lon_deg: p.lon_deg,
                alt_ft: rng.gen_range(0.0..45_000.0),
                gs_kt: rng.gen_range(80.0..550.0),
                trk_deg: rng.gen_range(0.0..360.0),
                vs_fpm: rng.gen_range(-2_000.0..2_000.0),
            }
        })
        .collect();
    let t = Instant::now();
    let scan = det.scan(&aircraft, now, 300.0);
    eprintln!(
        "intrusion_scan: 20,000 aircraft x 10,000 volumes, 300 s look-ahead: {:.2?}, {} exact tests, {} predictions",
        t.elapsed(),
        scan.exact_tests,
        scan.predictions.len()
    );
    let mut g = c.benchmark_group("intrusion");
    g.sample_size(10);
    g.bench_function("scan_20k_aircraft_10k_volumes", |b| {
        b.iter(|| black_box(det.scan(black_box(&aircraft), now, 300.0)))
    });
    g.finish();
}

fn regions_locate(c: &mut Criterion) {
    let t = Instant::now();
    let set = RegionSet::with_aerodrome_defaults(vec![], &AerodromeDefaults::default())
        .expect("valid defaults");
    eprintln!(
        "regions_locate: built {} default aerodrome regions in {:.2?}",
        set.len(),
        t.elapsed()
    );
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let points: Vec<(f64, f64, f64)> = (0..100_000)
        .map(|_| {
            (
                rng.gen_range(35.0..71.0),
                rng.gen_range(-11.0..40.0),
                rng.gen_range(0.0..45_000.0),
            )
        })
        .collect();
    let locate_all = |points: &[(f64, f64, f64)]| {
        points
            .iter()
            .map(|&(lat, lon, alt)| set.locate(lat, lon, alt))
            .fold((0usize, 0usize), |(r, i), p| {
                (
                    r + usize::from(p.region.is_some()),
                    i + usize::from(p.inhibited),
                )
            })
    };
    let t = Instant::now();
    let (in_region, inhibited) = locate_all(black_box(&points));
    eprintln!(
        "regions_locate: 100,000 aircraft x {} regions: {:.2?} ({} in a terminal region, {} inhibited)",
        set.len(),
        t.elapsed(),
        in_region,
        inhibited
    );
    let mut g = c.benchmark_group("regions");
    g.sample_size(10);
    g.bench_function("locate_100k_aircraft_default_aerodromes", |b| {
        b.iter(|| black_box(locate_all(black_box(&points))))
    });
    g.finish();
}

criterion_group!(benches, filing_check, intrusion_scan, regions_locate);
criterion_main!(benches);
