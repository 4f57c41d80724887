//! `deconflict bench`: detection cycle times on seeded synthetic traffic.
//!
//! For each aircraft count and region it generates the traffic once (seed fixed), then runs
//! detection cycles single-threaded and with `--threads` workers, and prints the median and
//! minimum cycle time, candidate pairs, conflicts and the detector's peak working set per
//! aircraft. Each setting runs on one [`Detector`] kept across its cycles (worker threads and
//! buffers reused), as a live picture does. Cycles per case: at least 3, then more until about `--seconds` of work, at most 50.

use crate::simulate_traffic::RegionArg;
use anyhow::Context;
use deconflict_airspace::regions::{AerodromeDefaults, RegionSet};
use deconflict_engine::safety::vertical::VerticalTracker;
use deconflict_engine::safety::{SafetyNet, SafetyNetConfig, TrackSample};
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
    /// Time cycles on the states of this snapshot CSV (the format of `deconflict detect`)
    /// instead of synthetic traffic; `--aircraft` and `--region` are then ignored. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Vec<std::path::PathBuf>,
    /// Target seconds of measurement per case and thread setting.
    #[arg(long, default_value_t = 2.0)]
    pub seconds: f64,
    /// Also time the safety net's cycle (one thread) on the same traffic: region placement
    /// against the default aerodrome regions, vertical trackers, envelope detection and the
    /// per-pair filters, with every track updated each cycle.
    #[arg(long)]
    pub safety_net: bool,
}

/// Where a case's states come from.
enum Source {
    Synthetic(RegionArg, usize),
    File(std::path::PathBuf),
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
    #[serde(skip_serializing_if = "Option::is_none")]
    safety_median_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    safety_min_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    safety_locate_median_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    safety_conflicts: Option<usize>,
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

/// Safety-net cycles on `states`: (sorted cycle times, sorted placement times, conflicts).
fn measure_safety(
    states: &[deconflict_engine::AircraftState],
    regions: &RegionSet,
    seconds: f64,
) -> anyhow::Result<(Vec<f64>, Vec<f64>, usize)> {
    // Tracks in id order, as the track table hands them over.
    let mut states = states.to_vec();
    states.sort_by(|a, b| a.id.cmp(&b.id));
    let states = &states[..];
    let mut net = SafetyNet::new(SafetyNetConfig::default(), DetectOptions::default(), false)?;
    net.set_regions(regions.params())?;
    // One vertical tracker per track, as the track table keeps them.
    let vcfg = SafetyNetConfig::default().vertical;
    let mut trackers = vec![VerticalTracker::default(); states.len()];
    let mut cycle = |k: usize| -> anyhow::Result<(f64, f64, usize)> {
        let t0 = Instant::now();
        let samples: Vec<TrackSample> = states
            .iter()
            .zip(trackers.iter_mut())
            .map(|(s, v)| {
                v.update(&vcfg, s.alt_ft, s.vs_fpm, k as f64);
                TrackSample {
                    state: s.clone(),
                    updated_s: k as f64,
                    selected_alt: None,
                    placement: regions.locate(s.lat_deg, s.lon_deg, s.alt_ft),
                    vertical: Some(v.mode()),
                }
            })
            .collect();
        let placed = t0.elapsed().as_secs_f64() * 1e3;
        let e = net.evaluate(k as f64, &samples)?;
        Ok((t0.elapsed().as_secs_f64() * 1e3, placed, e.predicted.len()))
    };
    // Warm-up cycles: buffers sized, vertical trackers past their confirmation.
    for k in 0..6 {
        cycle(k)?;
    }
    let (mut times, mut place) = (Vec::new(), Vec::new());
    let mut conflicts = 0;
    let start = Instant::now();
    let mut k = 6;
    while times.len() < 3 || (start.elapsed().as_secs_f64() < seconds && times.len() < 50) {
        let (t, p, c) = cycle(k)?;
        times.push(t);
        place.push(p);
        conflicts = c;
        k += 1;
    }
    times.sort_by(f64::total_cmp);
    place.sort_by(f64::total_cmp);
    Ok((times, place, conflicts))
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
    let regions = if args.safety_net {
        Some(RegionSet::with_aerodrome_defaults(
            Vec::new(),
            &AerodromeDefaults::default(),
        )?)
    } else {
        None
    };
    let mut cases = Vec::new();
    if args.snapshot.is_empty() {
        for &region in &args.region {
            for &n in &args.aircraft {
                let name = format!("{region:?}")
                    .to_lowercase()
                    .replace("densebox", "dense-box");
                cases.push((name, Source::Synthetic(region, n)));
            }
        }
    } else {
        for path in &args.snapshot {
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |f| f.to_string_lossy().into_owned(),
            );
            cases.push((name, Source::File(path.clone())));
        }
    }
    let mut rows = Vec::new();
    for (name, source) in cases {
        let states = match source {
            Source::Synthetic(region, n) => generate(n, args.seed, region.into()),
            Source::File(path) => {
                crate::detect::read_snapshot(crate::detect::open(&path)?, false)
                    .with_context(|| format!("reading {}", path.display()))?
                    .states
            }
        };
        let n = states.len();
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
        let safety = match &regions {
            Some(r) => Some(measure_safety(&states, r, args.seconds)?),
            None => None,
        };
        let row = Row {
            region: name,
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
            safety_median_ms: safety.as_ref().map(|s| median(&s.0)),
            safety_min_ms: safety.as_ref().map(|s| s.0[0]),
            safety_locate_median_ms: safety.as_ref().map(|s| median(&s.1)),
            safety_conflicts: safety.as_ref().map(|s| s.2),
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
            if let (Some(m), Some(mn), Some(l), Some(c)) = (
                row.safety_median_ms,
                row.safety_min_ms,
                row.safety_locate_median_ms,
                row.safety_conflicts,
            ) {
                println!(
                        "{:<10} {:>8} safety net, 1 thread: median {m:.2} ms, min {mn:.2} ms (placement {l:.2} ms), {c} conflicts",
                        "", ""
                    );
            }
        }
        rows.push(row);
    }
    if args.json {
        println!("{}", serde_json::json!({ "results": rows }));
    }
    Ok(ExitCode::SUCCESS)
}
