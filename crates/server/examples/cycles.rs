//! The server's per-cycle work without its I/O, timed by phase: ingesting one second of feed
//! observations, the picture cycle (views, serialising, one delta per viewer) and the alert
//! cycle's core (samples, under the table's lock in the server; their order and safety-net
//! regions; the safety net; alerting), on the
//! traffic `scripts/load` sends (random positions over 25–65° N, 60° W–60° E, FL100–400).
//!
//! ```text
//! cargo run --release -p deconflict-server --example cycles -- [AIRCRAFT] [CYCLES]
//! valgrind --tool=callgrind target/release/examples/cycles 100000 2
//! ```
//!
//! Prints the median milliseconds of each phase over CYCLES cycles (after one warm-up cycle).

use deconflict_airspace::regions::RegionSet;
use deconflict_engine::alerting::{Alerting, AlertingConfig};
use deconflict_engine::safety::{Locator, SafetyNet};
use deconflict_feeds::replay::{place_samples, unplaced_samples};
use deconflict_feeds::track::TrackTable;
use deconflict_feeds::Observation;
use deconflict_server::cycles::{self, Viewer};
use deconflict_server::{Config, Directory, Metrics};
use deconflict_store::{Party, Role, Sharing, SharingMode};
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let cycles_n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let config = Config::default();
    let mut table = TrackTable::new(config.track_config());
    let directory = Directory::default();
    let party = |id: &str, mode| Party {
        id: id.into(),
        name: id.into(),
        role: Role::Party,
        sharing: Sharing {
            mode,
            ..Sharing::default()
        },
    };
    directory.load(
        vec![
            party("blue", SharingMode::Full),
            party("red", SharingMode::AlertsOnly),
        ],
        Vec::new(),
    );
    let regions = RegionSet::with_aerodrome_defaults(Vec::new(), &config.safety_net.aerodromes)
        .expect("the default regions");
    let mut net = SafetyNet::new(config.safety_net.engine(), config.detect_options(), false)
        .expect("the safety net");
    net.set_regions(regions.params()).expect("the regions");
    let mut alerting = Alerting::new(AlertingConfig {
        hold_s: config.separation.alert_hold_s,
    });
    let metrics = Metrics::default();

    let feed: Arc<str> = Arc::from("load-sim");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut aircraft: Vec<Observation> = (0..n)
        .map(|i| {
            let mut o = Observation::new(format!("{:06X}", 0x100000 + i), 0.0, feed.clone());
            o.lat_deg = Some(rng.gen_range(25.0..65.0));
            o.lon_deg = Some(rng.gen_range(-60.0..60.0));
            o.alt_ft = Some(f64::from(rng.gen_range(100..400) * 100));
            o.gs_kt = Some(rng.gen_range(250.0..500.0));
            o.trk_deg = Some(rng.gen_range(0.0..360.0));
            o.vs_fpm = Some(0.0);
            o.callsign = Some(format!("LD{i:05}"));
            o
        })
        .collect();
    let t_start = 1.8e9;
    let mut prev: HashMap<Viewer, cycles::Sent> = HashMap::new();
    let phases = [
        "ingest", "views", "picture", "samples", "place", "detect", "alerting",
    ];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); phases.len()];
    let mut counts = (0usize, 0usize, 0usize);
    for c in 0..=cycles_n {
        let now = t_start + c as f64;
        let mut t = Instant::now();
        let mut lap = |k: usize, t: &mut Instant| {
            let e = t.elapsed().as_secs_f64() * 1e3;
            if c > 0 {
                times[k].push(e);
            }
            *t = Instant::now();
        };
        for o in &mut aircraft {
            let trk = o.trk_deg.unwrap_or(0.0).to_radians();
            let d_nm = o.gs_kt.unwrap_or(0.0) / 3600.0;
            let lat = o.lat_deg.unwrap_or(0.0);
            o.lat_deg = Some(lat + d_nm * trk.cos() / 60.0);
            o.lon_deg =
                Some(o.lon_deg.unwrap_or(0.0) + d_nm * trk.sin() / (60.0 * lat.to_radians().cos()));
            o.time_s = now;
            let _ = table.ingest(o.clone());
        }
        lap(0, &mut t);
        let views = cycles::views(&mut table, now);
        lap(1, &mut t);
        let (picture, frames) = cycles::picture(views, now, &directory, &mut prev, &metrics);
        lap(2, &mut t);
        let mut samples = unplaced_samples(&table, now, 30.0);
        lap(3, &mut t);
        place_samples(&mut samples, &regions as &dyn Locator);
        lap(4, &mut t);
        let evaluation = net.evaluate(now, &samples).expect("evaluate");
        lap(5, &mut t);
        let events = alerting.update(now, &evaluation.confirmed);
        lap(6, &mut t);
        counts = (picture.tracks.len(), frames.len(), events.len());
        std::hint::black_box((&picture, &frames, &events));
    }
    println!(
        "{n} aircraft, {} tracks, {} viewers, {cycles_n} cycles; median ms per phase:",
        counts.0, counts.1
    );
    for (k, p) in phases.iter().enumerate() {
        println!("  {p:<10} {:8.2}", median(&mut times[k]));
    }
    for line in metrics.render(&[]).lines() {
        if let Some(rest) = line.strip_prefix("deconflict_cycle_phase_seconds_total") {
            let (labels, s) = rest.rsplit_once(' ').unwrap_or((rest, "0"));
            let ms = s.parse::<f64>().unwrap_or(0.0) * 1e3 / (cycles_n + 1) as f64;
            println!("  of which {labels}: {ms:.2} ms mean");
        }
    }
}
