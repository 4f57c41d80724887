//! Broad phase: which pairs can possibly lose separation, in about N log N + pairs.
//!
//! Each aircraft's path over the look-ahead (a segment of its ECEF tangent line) is enclosed
//! in an axis-aligned ECEF box, inflated by a conservative margin `w` (below). Boxes are binned
//! in a uniform grid on the six faces of a cube around the Earth (a point belongs to the face
//! of its dominant ECEF axis; a box goes into every face it may touch, and on each face into
//! every cell of its projection on the two other axes). Pairs sharing a cell whose boxes
//! overlap and whose vertical slab interval meets the look-ahead (the exact vertical test) go to
//! the pair test. Each pair is tested once: only in the cell holding the minimum corner of the
//! two boxes' intersection, on the first face that intersection touches. ECEF has no
//! antimeridian and no pole singularity, so neither needs a special case.
//!
//! # Margin
//! The pair test measures the horizontal distance in the midpoint tangent plane (unit normal
//! `u`), whereas the boxes hold the full 3-D chord `r(t)`. `|r| <= |r_h| + |u.r|`, and
//! `|u.r(t)| <= |u.r0| + t (|u.v_a| + |u.v_b|)`. With `alpha` the central angle between the
//! two aircraft (bounded by `(D + 2 v_max T) / R_min`, because a pair further apart cannot
//! close to `D` within `T`), `|u.r0| <= 21.4 km * alpha` (geocentric radius varies by at most
//! `a e^2 / 2` per radian) and `|u.v| <= |v| sin(alpha + 0.0034)` (0.0034 rad bounds the
//! geodetic/geocentric normal difference). So each box is inflated by
//! `w_i = D/2 + 10.8 km * alpha + T |v_i| sin(alpha + 0.0034) + 2 m`, and `w_a + w_b >= |r(t)|`
//! whenever the pair test finds `|r_h(t)| < D`. Boxes are stored as `f32` rounded outwards.

use crate::cpa::{vertical_possible, PairConflict};
use crate::detect::{test_pair, Prepared};
use crate::geodesy::{dot, M_PER_NM, WGS84_B_M};
use crate::standard::SeparationStandard;
use rayon::prelude::*;

/// Half-width of the ECEF region the grid covers, metres (Earth radius plus path rise).
const GRID_HALF_M: f64 = 16_000_000.0;
/// Bits per grid axis in a cell key.
const AXIS_BITS: u32 = 20;

#[derive(Clone, Copy)]
struct BoxF {
    lo: [f32; 3],
    hi: [f32; 3],
}

#[derive(Clone, Copy)]
struct Entry {
    key: u64,
    idx: u32,
    bx: BoxF,
}

#[inline]
fn min_abs(lo: f32, hi: f32) -> f32 {
    if lo <= 0.0 && hi >= 0.0 {
        0.0
    } else {
        lo.abs().min(hi.abs())
    }
}

/// Whether a box may contain a point of face `f` (0:+X 1:-X 2:+Y 3:-Y 4:+Z 5:-Z).
#[inline]
fn touches(b: &BoxF, f: usize) -> bool {
    let axis = f / 2;
    let (o1, o2) = other_axes(axis);
    let reach = if f % 2 == 0 { b.hi[axis] } else { -b.lo[axis] };
    reach > 0.0 && reach >= min_abs(b.lo[o1], b.hi[o1]) && reach >= min_abs(b.lo[o2], b.hi[o2])
}

#[inline]
fn other_axes(axis: usize) -> (usize, usize) {
    match axis {
        0 => (1, 2),
        1 => (0, 2),
        _ => (0, 1),
    }
}

#[inline]
fn cell(x: f32, inv_cell: f64) -> u64 {
    let c = ((f64::from(x) + GRID_HALF_M) * inv_cell).floor();
    c.clamp(0.0, f64::from((1u32 << AXIS_BITS) - 1)) as u64
}

#[inline]
fn key(face: usize, ix: u64, iy: u64) -> u64 {
    ((face as u64) << (2 * AXIS_BITS)) | (ix << AXIS_BITS) | iy
}

#[inline]
fn bucket(key: u64, shift: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift) as usize
}

fn boxes(p: &Prepared, std: &SeparationStandard, parallel: bool) -> Vec<BoxF> {
    let d_m = std.h_sep_nm * M_PER_NM;
    let t_s = std.lookahead_s;
    let v_max = p
        .kin
        .iter()
        .map(|k| dot(k.vel_mps, k.vel_mps))
        .fold(0.0f64, f64::max)
        .sqrt();
    let r_min = WGS84_B_M;
    let alpha = (d_m + 2.0 * v_max * t_s) / r_min * 1.05;
    let huge = alpha > 1.0;
    let sin_theta = (alpha + 0.0034).min(std::f64::consts::FRAC_PI_2).sin();
    let make = |k: &crate::geodesy::Kinematics| {
        if huge {
            return BoxF {
                lo: [-1e9; 3],
                hi: [1e9; 3],
            };
        }
        let speed = dot(k.vel_mps, k.vel_mps).sqrt();
        let w = d_m / 2.0 + 10_800.0 * alpha + t_s * speed * sin_theta + 2.0;
        let mut bx = BoxF {
            lo: [0.0; 3],
            hi: [0.0; 3],
        };
        for ax in 0..3 {
            let a = k.pos_m[ax];
            let b = a + k.vel_mps[ax] * t_s;
            // Subtracting/adding 1 m more than f32 rounding (< 0.5 m here) keeps it outward.
            bx.lo[ax] = (a.min(b) - w - 1.0) as f32;
            bx.hi[ax] = (a.max(b) + w + 1.0) as f32;
        }
        bx
    };
    if parallel {
        p.kin.par_iter().map(make).collect()
    } else {
        p.kin.iter().map(make).collect()
    }
}

/// Cell index ranges of a box on face `f`.
#[inline]
fn ranges(b: &BoxF, f: usize, inv_cell: f64) -> (u64, u64, u64, u64) {
    let (o1, o2) = other_axes(f / 2);
    (
        cell(b.lo[o1], inv_cell),
        cell(b.hi[o1], inv_cell),
        cell(b.lo[o2], inv_cell),
        cell(b.hi[o2], inv_cell),
    )
}

fn count_entries(bx: &[BoxF], inv_cell: f64) -> usize {
    let mut n = 0usize;
    for b in bx {
        for f in 0..6 {
            if touches(b, f) {
                let (x0, x1, y0, y1) = ranges(b, f, inv_cell);
                n += ((x1 - x0 + 1) * (y1 - y0 + 1)) as usize;
            }
        }
    }
    n
}

/// Finds every conflict among the candidates. Returns the conflicts (ordered pair, result)
/// and the number of candidate pairs that reached the pair test.
pub(crate) fn find(
    p: &Prepared,
    std: &SeparationStandard,
    parallel: bool,
) -> (Vec<(u32, u32, PairConflict)>, u64) {
    let n = p.kin.len();
    if n < 2 {
        return (Vec::new(), 0);
    }
    let bx = boxes(p, std, parallel);
    // Cell size: the mean box extent, doubled until entries stay below 16 per aircraft.
    let mean_extent: f64 = bx
        .iter()
        .map(|b| {
            (0..3)
                .map(|a| f64::from(b.hi[a] - b.lo[a]))
                .fold(0.0, f64::max)
        })
        .sum::<f64>()
        / n as f64;
    let mut cell_m = mean_extent.clamp(1000.0, 2.0 * GRID_HALF_M);
    let mut total = count_entries(&bx, 1.0 / cell_m);
    while total > 16 * n && cell_m < 2.0 * GRID_HALF_M {
        cell_m *= 2.0;
        total = count_entries(&bx, 1.0 / cell_m);
    }
    let inv_cell = 1.0 / cell_m;
    let bits = (total.max(2) * 2).next_power_of_two().trailing_zeros();
    let shift = 64 - bits;
    let nb = 1usize << bits;

    // Counting sort of (cell, aircraft) entries by hash bucket.
    let mut starts = vec![0u32; nb + 1];
    let mut keys: Vec<(u64, u32)> = Vec::with_capacity(total);
    for (i, b) in bx.iter().enumerate() {
        for f in 0..6 {
            if touches(b, f) {
                let (x0, x1, y0, y1) = ranges(b, f, inv_cell);
                for ix in x0..=x1 {
                    for iy in y0..=y1 {
                        let k = key(f, ix, iy);
                        starts[bucket(k, shift) + 1] += 1;
                        keys.push((k, i as u32));
                    }
                }
            }
        }
    }
    for i in 0..nb {
        starts[i + 1] += starts[i];
    }
    let mut fill = starts.clone();
    let empty = Entry {
        key: 0,
        idx: 0,
        bx: BoxF {
            lo: [0.0; 3],
            hi: [0.0; 3],
        },
    };
    let mut entries = vec![empty; keys.len()];
    for &(k, i) in &keys {
        let slot = &mut fill[bucket(k, shift)];
        entries[*slot as usize] = Entry {
            key: k,
            idx: i,
            bx: bx[i as usize],
        };
        *slot += 1;
    }
    drop(keys);
    drop(fill);

    let scan = |range: std::ops::Range<usize>| {
        let mut found = Vec::new();
        let mut candidates = 0u64;
        for bkt in range {
            let s = starts[bkt] as usize;
            let e = starts[bkt + 1] as usize;
            let es = &entries[s..e];
            for (x, ea) in es.iter().enumerate() {
                for eb in &es[x + 1..] {
                    if ea.key != eb.key {
                        continue;
                    }
                    let (a, b) = (&ea.bx, &eb.bx);
                    if a.lo[0] > b.hi[0]
                        || b.lo[0] > a.hi[0]
                        || a.lo[1] > b.hi[1]
                        || b.lo[1] > a.hi[1]
                        || a.lo[2] > b.hi[2]
                        || b.lo[2] > a.hi[2]
                    {
                        continue;
                    }
                    let ka = &p.kin[ea.idx as usize];
                    let kb = &p.kin[eb.idx as usize];
                    if !vertical_possible(ka, kb, std) {
                        continue;
                    }
                    // Test each pair once: in the cell of the intersection's minimum corner,
                    // on the first face the intersection touches.
                    let inter = BoxF {
                        lo: [
                            a.lo[0].max(b.lo[0]),
                            a.lo[1].max(b.lo[1]),
                            a.lo[2].max(b.lo[2]),
                        ],
                        hi: [
                            a.hi[0].min(b.hi[0]),
                            a.hi[1].min(b.hi[1]),
                            a.hi[2].min(b.hi[2]),
                        ],
                    };
                    let Some(face) = (0..6).find(|&f| touches(&inter, f)) else {
                        continue;
                    };
                    let (o1, o2) = other_axes(face / 2);
                    if key(
                        face,
                        cell(inter.lo[o1], inv_cell),
                        cell(inter.lo[o2], inv_cell),
                    ) != ea.key
                    {
                        continue;
                    }
                    candidates += 1;
                    if let Some(f) = test_pair(p, ea.idx, eb.idx, std) {
                        found.push(f);
                    }
                }
            }
        }
        (found, candidates)
    };

    if parallel {
        let chunk = (nb / (rayon::current_num_threads() * 16)).max(1024);
        let parts: Vec<_> = (0..nb.div_ceil(chunk))
            .into_par_iter()
            .map(|c| scan(c * chunk..((c + 1) * chunk).min(nb)))
            .collect();
        let mut found = Vec::new();
        let mut candidates = 0;
        for (f, c) in parts {
            found.extend(f);
            candidates += c;
        }
        (found, candidates)
    } else {
        scan(0..nb)
    }
}

/// Bytes of working memory the broad phase and detector use for `n` aircraft with `entries`
/// grid entries (kinematics, ranks, boxes, entries, bucket starts).
pub fn working_set_bytes(n: usize, entries: usize) -> usize {
    let buckets = (entries.max(2) * 2).next_power_of_two();
    n * (std::mem::size_of::<crate::geodesy::Kinematics>() + 4 + 4 + std::mem::size_of::<BoxF>())
        + entries * (std::mem::size_of::<Entry>() + 12)
        + buckets * 4 * 2
}
