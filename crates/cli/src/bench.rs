//! `deconflict bench`: detection cycle times on seeded synthetic traffic.
//!
//! For each aircraft count and region it generates the traffic once (seed fixed), then runs
//! detection cycles single-threaded and with `--threads` workers, and prints the median and
//! minimum cycle time, candidate pairs, conflicts and the detector's peak working set per
//! aircraft. Each setting runs on one [`Detector`] kept across its cycles (worker threads and
//! buffers reused), as a live picture does. Cycles per case: at least 3, then more until about `--seconds` of work, at most 50.

use crate::simulate_traffic::RegionArg;
use deconflict_engine::traffic::generate;
use deconflict_engine::{DetectOptions, Detection, Detector};
use serde::Serialize;
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of this subcommand.
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Aircraft counts, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
    pub aircraft: Vec<usize>,
    /// Regions, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "global,dense-box"
    )]
    pub region: Vec<RegionArg>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Worker threads for the multi-threaded runs [default: available cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Traffic seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Target seconds of measurement per case and thread setting.
    #[arg(long, default_value_t = 2.0)]
    pub seconds: f64,
}

#[derive(Serialize)]
struct Row {
    region: String,
    aircraft: usize,
    single_median_ms: f64,
    single_min_ms: f64,
    threads: usize,
    multi_median_ms: f64,
    multi_min_ms: f64,
    cycles: usize,
    candidate_pairs: u64,
    conflicts: usize,
    bytes_per_aircraft: f64,
}

fn measure(
    states: &[deconflict_engine::AircraftState],
    opts: &DetectOptions,
    seconds: f64,
) -> anyhow::Result<(Vec<f64>, Detection)> {
    let mut detector = Detector::new(opts.clone())?;
    // One warm-up cycle (sizes the buffers, wakes the workers).
    detector.detect(states)?;
    let mut times = Vec::new();
    let start = Instant::now();
    let mut last = None;
    while times.len() < 3 || (start.elapsed().as_secs_f64() < seconds && times.len() < 50) {
        let t0 = Instant::now();
        let d = detector.detect(states)?;
        times.push(t0.elapsed().as_secs_f64() * 1e3);
        last = Some(d);
    }
    times.sort_by(f64::total_cmp);
    Ok((times, last.unwrap_or_default()))
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

pub fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    if !args.json {
        println!(
            "{:<10} {:>8} {:>11} {:>9} {:>8} {:>11} {:>9} {:>7} {:>12} {:>10} {:>9}",
            "region",
            "aircraft",
            "1t_med_ms",
            "1t_min_ms",
            "threads",
            "Nt_med_ms",
            "Nt_min_ms",
            "cycles",
            "cand_pairs",
            "conflicts",
            "B/aircraft"
        );
    }
    let mut rows = Vec::new();
    for &region in &args.region {
        for &n in &args.aircraft {
            let states = generate(n, args.seed, region.into());
            let single = DetectOptions {
                threads: 1,
                ..DetectOptions::default()
            };
            let multi = DetectOptions {
                threads,
                ..DetectOptions::default()
            };
            let (t1, det) = measure(&states, &single, args.seconds)?;
            let (tn, det_n) = measure(&states, &multi, args.seconds)?;
            anyhow::ensure!(
                det_n.conflicts == det.conflicts,
                "multi-threaded result differs"
            );
            let row = Row {
                region: format!("{region:?}")
                    .to_lowercase()
                    .replace("densebox", "dense-box"),
                aircraft: n,
                single_median_ms: median(&t1),
                single_min_ms: t1[0],
                threads,
                multi_median_ms: median(&tn),
                multi_min_ms: tn[0],
                cycles: t1.len(),
                candidate_pairs: det.stats.candidate_pairs,
                conflicts: det.conflicts.len(),
                bytes_per_aircraft: det.stats.working_set_bytes as f64 / n.max(1) as f64,
            };
            if !args.json {
                println!(
                    "{:<10} {:>8} {:>11.2} {:>9.2} {:>8} {:>11.2} {:>9.2} {:>7} {:>12} {:>10} {:>9.0}",
                    row.region,
                    row.aircraft,
                    row.single_median_ms,
                    row.single_min_ms,
                    row.threads,
                    row.multi_median_ms,
                    row.multi_min_ms,
                    row.cycles,
                    row.candidate_pairs,
                    row.conflicts,
                    row.bytes_per_aircraft
                );
            }
            rows.push(row);
        }
    }
    if args.json {
        println!("{}", serde_json::json!({ "results": rows }));
    }
    Ok(ExitCode::SUCCESS)
}
