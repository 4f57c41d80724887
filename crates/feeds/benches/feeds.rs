//! Feed benchmarks:
//! - `sbs/parse+track`: SBS-1 parse plus track-table update, lines per second on one core
//!   (target ≥ 1,000,000/s), on simulator output (5,000 aircraft).
//! - `beast/ours` vs `beast/rs1090`: on `../shared/data/beast/long_flight.csv.gz`, our Beast
//!   framing + Mode S decoding (with CPR pairing) per line, against rs1090's own benchmark
//!   loop (hex decode + `Message::from_bytes`) on the same lines (target within 1.5×).
//! - `replay/5000ac-60s`: replay of 60 s of 5,000 aircraft at 1 Hz through the track table,
//!   detector and alerting (the 1-hour figure is measured with the binary; see the README).

use std::hint::black_box;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use deconflict_feeds::beast::parse_unescaped_hex;
use deconflict_feeds::modes::ModeSDecoder;
use deconflict_feeds::replay::{Replay, ReplayConfig};
use deconflict_feeds::sim::{Scenario, Simulator};
use deconflict_feeds::track::{TrackConfig, TrackTable};
use rs1090::prelude::*;

fn sbs_lines() -> Vec<String> {
    let mut sim = Simulator::new(5_000, 1, Scenario::Europe, 1_700_000_000.0);
    let mut text = String::new();
    for t in 0..20 {
        sim.step_sbs(1_700_000_000.0 + f64::from(t), &mut text);
    }
    text.lines().map(str::to_string).collect()
}

fn bench_sbs(c: &mut Criterion) {
    let lines = sbs_lines();
    let feed: Arc<str> = Arc::from("bench");
    let mut g = c.benchmark_group("sbs");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("parse+track", |b| {
        b.iter(|| {
            let mut table = TrackTable::new(TrackConfig::default());
            for l in &lines {
                if let Ok(o) = deconflict_feeds::sbs::parse_line(black_box(l), &feed) {
                    let _ = table.ingest(o);
                }
            }
            black_box(table.len())
        })
    });
    g.bench_function("parse", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in &lines {
                n += usize::from(deconflict_feeds::sbs::parse_line(black_box(l), &feed).is_ok());
            }
            black_box(n)
        })
    });
    g.finish();
}

fn long_flight_lines() -> Option<Vec<String>> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/beast/long_flight.csv.gz");
    let raw = std::fs::read(&p).ok()?;
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(&raw[..])
        .read_to_string(&mut text)
        .ok()?;
    Some(text.lines().map(str::to_string).collect())
}

fn bench_beast(c: &mut Criterion) {
    let Some(lines) = long_flight_lines() else {
        eprintln!("skipped beast benchmark: ../shared/data/beast/long_flight.csv.gz not found");
        return;
    };
    let feed: Arc<str> = Arc::from("bench");
    let mut g = c.benchmark_group("beast");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.sample_size(10);
    g.bench_function("ours", |b| {
        b.iter(|| {
            let mut dec = ModeSDecoder::new(Some((43.63, 1.37)));
            let mut n = 0usize;
            for l in &lines {
                let Some((ts, hex)) = l.split_once(',') else {
                    continue;
                };
                let Ok(t) = ts.parse::<f64>() else { continue };
                if let Ok(f) = parse_unescaped_hex(hex) {
                    n += usize::from(dec.decode(f.payload(), t, &feed).is_ok());
                }
            }
            black_box(n)
        })
    });
    g.bench_function("rs1090", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in &lines {
                let mut parts = l.split(',');
                let _ts = parts.next().and_then(|s| s.parse::<f64>().ok());
                let Some(msg) = parts.next() else { continue };
                let Ok(bytes) = hex::decode(&msg[18..]) else {
                    continue;
                };
                n += usize::from(Message::from_bytes((&bytes, 0)).is_ok());
            }
            black_box(n)
        })
    });
    g.finish();
}

fn bench_replay(c: &mut Criterion) {
    let mut sim = Simulator::new(5_000, 2, Scenario::Europe, 1_700_000_000.0);
    let mut obs = Vec::new();
    for t in 0..=60 {
        obs.extend(sim.step(1_700_000_000.0 + f64::from(t)));
    }
    let mut g = c.benchmark_group("replay");
    g.throughput(Throughput::Elements(obs.len() as u64));
    g.sample_size(10);
    g.bench_function("5000ac-60s", |b| {
        b.iter(|| {
            let mut r = Replay::new(ReplayConfig::default());
            for o in &obs {
                r.ingest(o.clone());
            }
            black_box(r.finish().conflicts.len())
        })
    });
    g.finish();
}

criterion_group!(benches, bench_sbs, bench_beast, bench_replay);
criterion_main!(benches);
