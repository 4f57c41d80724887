//! Runs detection cycles on seeded synthetic traffic, for instruction counts under
//! `valgrind --tool=callgrind` (see `scripts/bench-instructions`) and for profilers.
//!
//! `cargo run --release -p deconflict-engine --example cycle -- N REGION CYCLES [oneshot]`:
//! N aircraft (`global`, `europe` or `dense-box`, seed 1), CYCLES cycles on one [`Detector`]
//! kept across them (after one warm-up cycle), or with `oneshot` each cycle a fresh
//! [`deconflict_engine::detect`] call. The detection calls are in `run_cycles`, so callgrind's
//! `--toggle-collect=*run_cycles*` counts them and not the traffic generation.

use deconflict_engine::traffic::{generate, Region};
use deconflict_engine::{detect, AircraftState, DetectOptions, Detector};

#[inline(never)]
fn run_cycles(states: &[AircraftState], cycles: usize, oneshot: bool, det: &mut Detector) -> usize {
    let mut found = 0;
    for _ in 0..cycles {
        let d = if oneshot {
            detect(states, &DetectOptions::default())
        } else {
            det.detect(states)
        };
        found += d.expect("valid traffic").conflicts.len();
    }
    found
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let region = match args.get(1).map(String::as_str).unwrap_or("global") {
        "europe" => Region::Europe,
        "dense-box" => Region::DenseBox,
        _ => Region::Global,
    };
    let cycles: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let oneshot = args.get(3).is_some_and(|s| s == "oneshot");
    let states = generate(n, 1, region);
    let mut det = Detector::new(DetectOptions::default()).expect("default options");
    if !oneshot {
        det.detect(&states).expect("valid traffic");
    }
    let t0 = std::time::Instant::now();
    let found = run_cycles(&states, cycles, oneshot, &mut det);
    let ms = t0.elapsed().as_secs_f64() * 1e3 / cycles.max(1) as f64;
    println!(
        "{n} {region:?} cycles={cycles} oneshot={oneshot} conflicts/cycle={} ms/cycle={ms:.2}",
        found / cycles.max(1)
    );
}
