//! Criterion benchmarks of the engine's hot paths: the pair test, the full fast detection
//! cycle on synthetic traffic, and the all-pairs reference for scale.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use deconflict_engine::cpa::pair_conflict;
use deconflict_engine::geodesy::Kinematics;
use deconflict_engine::traffic::{generate, Region};
use deconflict_engine::{detect, detect_all_pairs, DetectOptions, SeparationStandard};

fn pair_test(c: &mut Criterion) {
    let t = generate(2, 1, Region::DenseBox);
    let (a, b) = (Kinematics::from_state(&t[0]), Kinematics::from_state(&t[1]));
    let std = SeparationStandard::default();
    c.bench_function("pair_conflict", |bn| {
        bn.iter(|| pair_conflict(black_box(&a), black_box(&b), &std))
    });
}

fn cycles(c: &mut Criterion) {
    let mut g = c.benchmark_group("detect");
    g.sample_size(10);
    let opts = DetectOptions::default();
    for (n, region) in [
        (5_000, Region::DenseBox),
        (10_000, Region::Global),
        (100_000, Region::Global),
    ] {
        let t = generate(n, 1, region);
        g.bench_with_input(BenchmarkId::new(format!("{region:?}"), n), &t, |bn, t| {
            bn.iter(|| detect(black_box(t), &opts))
        });
    }
    let t = generate(2_000, 1, Region::DenseBox);
    g.bench_with_input(
        BenchmarkId::new("all_pairs_DenseBox", 2_000),
        &t,
        |bn, t| bn.iter(|| detect_all_pairs(black_box(t), &opts)),
    );
    g.finish();
}

criterion_group!(benches, pair_test, cycles);
criterion_main!(benches);
