//! Broad phase: which pairs can possibly lose separation, in about N log N + pairs.
//!
//! Each aircraft's path over the look-ahead (a segment of its ECEF tangent line) is enclosed
//! in an axis-aligned ECEF box, inflated by a conservative margin `w` (below). Boxes are binned
//! in a uniform grid on the six faces of a cube around the Earth (a point belongs to the face
//! of its dominant ECEF axis; a box goes into every face it may touch, and on each face into
//! every cell of its projection on the two other axes, times altitude layers of twice the
//! vertical minimum). Each pair is tested once: only on the first face both boxes touch, in the
//! cell holding the minimum corner of the two boxes' intersection (both boxes are binned in
//! that cell, since the grid index is monotone in each coordinate). ECEF has no antimeridian
//! and no pole singularity, so neither needs a special case.
//!
//! A pair sharing a cell then passes, cheapest first: the once-per-pair rule (three corner
//! bits per entry: whether the box starts in this cell on each grid axis; the two entries'
//! bits must cover all three), the overlap of the two boxes, the exact vertical test (the slab
//! interval meets the look-ahead), and the chord test: the 3-D chord between the two surface
//! points, `r(t) = r0 + v t`, comes within `w_a + w_b` at some `t` in `[0, T]` (closed form,
//! no division). Only then does the exact pair test run ([`crate::cpa::pair_conflict`]). The
//! chord test is a necessary condition of the pair test (the margin bound below), and far
//! tighter than the boxes' overlap, which ignores that both aircraft must be there at the same
//! time: in dense traffic it leaves a quarter of the pairs the boxes let through.
//!
//! Memory: aircraft are renumbered by the bucket of their home cell (their box's minimum
//! corner), so the entries are placed almost in order and aircraft sharing a cell sit close
//! together; each grid entry carries a copy of its box, so a bucket's pairs are tested from
//! one contiguous run of memory and an aircraft's kinematics are read only for pairs whose
//! boxes overlap. Buckets are a counting sort (count, then place) into about half as many
//! buckets as entries, by the cell's linear index modulo the bucket count.

//! # Margin
//! The pair test measures the horizontal distance in the midpoint tangent plane (unit normal
//! `u`), whereas the boxes hold the full 3-D chord `r(t)`. `|r| <= |r_h| + |u.r|`, and
//! `|u.r(t)| <= |u.r0| + t (|u.v_a| + |u.v_b|)`. With `alpha` the central angle between the
//! two aircraft (bounded by `(D + 2 v_max T) / R_min`, because a pair further apart cannot
//! close to `D` within `T`), `|u.r0| <= 21.4 km * alpha` (geocentric radius varies by at most
//! `a e^2 / 2` per radian) and `|u.v| <= |v| sin(0.51 alpha + 0.0034)` (`u` lies between the
//! two position directions, at most `alpha / 2` from each up to the 0.34 % difference in
//! geocentric radius; 0.0034 rad bounds the geodetic/geocentric normal difference). So each
//! box is inflated by `w_i = D/2 + 10.8 km * alpha + T |v_i| sin(0.51 alpha + 0.0034) + 2 m`, and `w_a + w_b >= |r(t)|`
//! whenever the pair test finds `|r_h(t)| < D`. Boxes are stored as `f32` rounded outwards.

use crate::cpa::{pair_conflict, vertical_possible, PairConflict};
use crate::geodesy::{dot, Kinematics, WGS84_B_M};
use crate::prepared::{fill_vec, Prepared};
use crate::standard::SeparationStandard;
use crate::units::M_PER_NM;
use rayon::prelude::*;

/// Half-width of the ECEF region the grid covers, metres (Earth radius plus path rise).
const GRID_HALF_M: f64 = 16_000_000.0;
/// Offset added to altitudes before binning, feet (so layers index from 0).
const ALT_OFFSET_FT: f64 = 1_000_000.0;
/// Bits per grid axis in a cell key (face: 3 bits, two horizontal axes, one altitude axis).
const AXIS_BITS: u32 = 20;
const AXIS_MASK: u64 = (1 << AXIS_BITS) - 1;

/// An aircraft's swept, inflated box: ECEF x, y, z in metres and altitude in feet, as `f32`
/// rounded outwards.
#[derive(Clone, Copy)]
struct BoxF {
    lo: [f32; 4],
    hi: [f32; 4],
}

/// One (cell, aircraft) entry of the grid: the aircraft's box and faces, the cell key (face,
/// two horizontal indices, altitude layer) and the aircraft's index in scan order. The box is
/// copied in so that a bucket's pairs are tested from one contiguous run of memory: the scan
/// touches an aircraft's other data (its kinematics) only for pairs whose boxes overlap.
#[derive(Clone, Copy)]
struct Entry {
    bx: BoxF,
    key: u64,
    idx: u32,
    faces: u8,
    /// Which of the cell's three grid axes (bits 0, 1: the face's two horizontal axes; bit 2:
    /// altitude) hold the box's minimum corner in this cell.
    corner: u8,
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

/// Grid index of coordinate `x`: `floor((x + offset) * inv_cell)` clamped to the axis. The
/// float-to-integer cast truncates, which is the floor for non-negative values, and saturates
/// negative values and NaN to 0: the same as the floor then the clamp, without a call to
/// `floor` (not inlined on baseline x86-64).
#[inline]
fn cell(x: f32, offset: f64, inv_cell: f64) -> u64 {
    (((f64::from(x) + offset) * inv_cell) as u64).min(AXIS_MASK)
}

#[inline]
fn key(face: usize, ix: u64, iy: u64, ia: u64) -> u64 {
    ((face as u64) << (3 * AXIS_BITS)) | (ix << (2 * AXIS_BITS)) | (iy << AXIS_BITS) | ia
}

/// Maps cell keys to hash buckets. The map is the cell's linear index in the grid
/// (face, x, y, layer, row-major) modulo the bucket count: injective on the grid up to the
/// wrap, and it keeps neighbouring cells in neighbouring buckets, so filling and scanning
/// the buckets in the aircraft's spatial order stays in cache. Distinct cells sharing a
/// bucket are told apart by their keys.
#[derive(Clone, Copy)]
struct Buckets {
    cells_per_axis: u64,
    layer_min: u64,
    layers: u64,
    mask: u64,
}

impl Buckets {
    #[inline]
    fn of(&self, key: u64) -> usize {
        let face = key >> (3 * AXIS_BITS);
        let ix = (key >> (2 * AXIS_BITS)) & AXIS_MASK;
        let iy = (key >> AXIS_BITS) & AXIS_MASK;
        let ia = (key & AXIS_MASK).wrapping_sub(self.layer_min);
        let lin = ((face * self.cells_per_axis + ix) * self.cells_per_axis + iy)
            .wrapping_mul(self.layers)
            .wrapping_add(ia);
        (lin & self.mask) as usize
    }
}

/// The margin of the module docs for one cycle: `w_i = base_m + per_speed_s * |v_i|`, or
/// `None` when the pair bound does not hold (paths a radian apart or more: every box is then
/// the whole grid).
#[derive(Clone, Copy)]
struct Margin {
    base_m: f64,
    per_speed_s: f64,
}

impl Margin {
    fn of(p: &Prepared, std: &SeparationStandard, parallel: bool) -> Option<Margin> {
        let d_m = std.h_sep_nm * M_PER_NM;
        let t_s = std.lookahead_s;
        let speed2 = |k: &Kinematics| dot(k.vel_mps, k.vel_mps);
        let v_max = if parallel {
            p.kin.par_iter().map(speed2).reduce(|| 0.0, f64::max)
        } else {
            p.kin.iter().map(speed2).fold(0.0f64, f64::max)
        }
        .sqrt();
        let r_min = WGS84_B_M;
        let alpha = (d_m + 2.0 * v_max * t_s) / r_min * 1.05;
        let sin_theta = (0.51 * alpha + 0.0034)
            .min(std::f64::consts::FRAC_PI_2)
            .sin();
        (alpha <= 1.0).then_some(Margin {
            base_m: d_m / 2.0 + 10_800.0 * alpha + 2.0,
            per_speed_s: t_s * sin_theta,
        })
    }

    #[inline]
    fn w_m(&self, k: &Kinematics) -> f64 {
        self.base_m + self.per_speed_s * k.speed_mps()
    }
}

/// Whether the 3-D chord between the two surface points comes within `reach_m` at some time in
/// `[0, t_s]`: `min |r + v t|^2 < reach^2`, decided without a division. With `reach_m = w_a +
/// w_b` (plus rounding slack) this is a necessary condition of the pair test finding a loss of
/// horizontal separation in the look-ahead (module docs), far tighter than the two boxes'
/// overlap, which ignores that both aircraft must be there at the same time.
#[inline]
fn chord_within(a: &Kinematics, b: &Kinematics, t_s: f64, reach_m: f64) -> bool {
    let r = [
        b.pos_m[0] - a.pos_m[0],
        b.pos_m[1] - a.pos_m[1],
        b.pos_m[2] - a.pos_m[2],
    ];
    let v = [
        b.vel_mps[0] - a.vel_mps[0],
        b.vel_mps[1] - a.vel_mps[1],
        b.vel_mps[2] - a.vel_mps[2],
    ];
    let rr = dot(r, r);
    let rv = dot(r, v);
    let vv = dot(v, v);
    let reach2 = reach_m * reach_m;
    if rv >= 0.0 {
        // Opening (or steady) from now: closest at t = 0.
        rr < reach2
    } else if -rv >= vv * t_s {
        // Still closing at the end of the look-ahead: closest at t = T.
        rr + t_s * (2.0 * rv + vv * t_s) < reach2
    } else {
        // Closest inside: rr - rv^2 / vv < reach^2, times vv > 0.
        rr * vv - rv * rv < reach2 * vv
    }
}

fn boxes(
    out: &mut Vec<BoxF>,
    p: &Prepared,
    std: &SeparationStandard,
    margin: Option<Margin>,
    parallel: bool,
) {
    let t_s = std.lookahead_s;
    let half_v_ft = std.v_sep_ft / 2.0;
    let make = |k: &Kinematics| {
        let mut bx = BoxF {
            lo: [0.0; 4],
            hi: [0.0; 4],
        };
        if let Some(m) = margin {
            let w = m.w_m(k);
            for ax in 0..3 {
                let a = k.pos_m[ax];
                let b = a + k.vel_mps[ax] * t_s;
                // 1 m more than f32 rounding (< 0.5 m at these magnitudes) keeps it outward.
                bx.lo[ax] = (a.min(b) - w - 1.0) as f32;
                bx.hi[ax] = (a.max(b) + w + 1.0) as f32;
            }
        } else {
            bx.lo[..3].copy_from_slice(&[-1e9; 3]);
            bx.hi[..3].copy_from_slice(&[1e9; 3]);
        }
        // Altitude: the slab swept over the look-ahead, +/- half the vertical minimum; if two
        // aircraft are vertically closer than the minimum at some time, these ranges overlap.
        let a = k.alt_ft;
        let b = a + k.vs_fps * t_s;
        let pad = half_v_ft + 0.1 + 1e-6 * a.abs().max(b.abs());
        bx.lo[3] = (a.min(b) - pad) as f32;
        bx.hi[3] = (a.max(b) + pad) as f32;
        bx
    };
    fill_vec(out, p.kin.len(), parallel, |i| make(&p.kin[i]));
}

/// Grid geometry of one cycle.
#[derive(Clone, Copy)]
struct Grid {
    inv_cell: f64,
    inv_layer: f64,
}

impl Grid {
    /// Calls `f(key, corner)` for every cell of box `b` on every face in `faces`; `corner` has
    /// bit 0, 1, 2 set when the cell is the first of the box on the face's first, second grid
    /// axis, or in altitude.
    #[inline]
    fn for_each_cell(&self, b: &BoxF, faces: u8, mut f: impl FnMut(u64, u8)) {
        let a0 = cell(b.lo[3], ALT_OFFSET_FT, self.inv_layer);
        let a1 = cell(b.hi[3], ALT_OFFSET_FT, self.inv_layer);
        for face in 0..6 {
            if faces & (1 << face) == 0 {
                continue;
            }
            let (o1, o2) = other_axes(face / 2);
            let x0 = cell(b.lo[o1], GRID_HALF_M, self.inv_cell);
            let x1 = cell(b.hi[o1], GRID_HALF_M, self.inv_cell);
            let y0 = cell(b.lo[o2], GRID_HALF_M, self.inv_cell);
            let y1 = cell(b.hi[o2], GRID_HALF_M, self.inv_cell);
            for ix in x0..=x1 {
                for iy in y0..=y1 {
                    let c = u8::from(ix == x0) | u8::from(iy == y0) << 1;
                    for ia in a0..=a1 {
                        f(key(face, ix, iy, ia), c | u8::from(ia == a0) << 2);
                    }
                }
            }
        }
    }

    /// The number of cells [`Grid::for_each_cell`] visits for box `b`, without visiting them.
    #[inline]
    fn cells_of(&self, b: &BoxF, faces: u8) -> usize {
        let span = |lo: f32, hi: f32, offset: f64, inv: f64| {
            (cell(hi, offset, inv) + 1).saturating_sub(cell(lo, offset, inv)) as usize
        };
        let layers = span(b.lo[3], b.hi[3], ALT_OFFSET_FT, self.inv_layer);
        let mut n = 0;
        for face in 0..6 {
            if faces & (1 << face) != 0 {
                let (o1, o2) = other_axes(face / 2);
                n += span(b.lo[o1], b.hi[o1], GRID_HALF_M, self.inv_cell)
                    * span(b.lo[o2], b.hi[o2], GRID_HALF_M, self.inv_cell);
            }
        }
        n * layers
    }

    fn count(&self, bx: &[BoxF], faces: &[u8], parallel: bool) -> usize {
        let one = |(b, &f): (&BoxF, &u8)| self.cells_of(b, f);
        if parallel {
            bx.par_iter().zip(faces).map(one).sum()
        } else {
            bx.iter().zip(faces).map(one).sum()
        }
    }
}

/// Conflicts found: (input index a, input index b, result), `a` first in id order.
type Found = Vec<(u32, u32, PairConflict)>;

/// The broad phase's working buffers, kept across cycles by a [`crate::Detector`].
#[derive(Default)]
pub(crate) struct Scratch {
    /// Boxes and faces in input order.
    bx0: Vec<BoxF>,
    faces0: Vec<u8>,
    /// (home bucket << 32 | aircraft) sorted: the scan order.
    order: Vec<u64>,
    /// Input index of each aircraft in scan order, and its box, faces and kinematics.
    orig: Vec<u32>,
    bx: Vec<BoxF>,
    faces: Vec<u8>,
    kin: Vec<Kinematics>,
    /// Each aircraft's margin `w` (scan order), metres, for the chord test.
    w: Vec<f64>,
    /// Bucket starts into `entries` (`nb + 1`), and the fill cursors from the front (left at
    /// the split of each bucket) and from the back.
    starts: Vec<u32>,
    fill: Vec<u32>,
    back: Vec<u32>,
    entries: Vec<Entry>,
    /// Conflicts found: (input index a, input index b, result), `a` first in id order.
    pub found: Found,
}

impl Scratch {
    /// Bytes held by the buffers.
    fn bytes(&self) -> usize {
        (self.bx0.capacity() + self.bx.capacity()) * std::mem::size_of::<BoxF>()
            + self.faces0.capacity()
            + self.faces.capacity()
            + self.order.capacity() * 8
            + self.orig.capacity() * 4
            + self.kin.capacity() * std::mem::size_of::<Kinematics>()
            + self.w.capacity() * 8
            + (self.starts.capacity() + self.fill.capacity() + self.back.capacity()) * 4
            + self.entries.capacity() * std::mem::size_of::<Entry>()
            + self.found.capacity() * std::mem::size_of::<(u32, u32, PairConflict)>()
    }

    /// Finds every conflict among the candidates into `self.found` (unordered). Returns the
    /// number of candidate pairs that reached the pair test and the bytes the broad phase
    /// holds.
    pub(crate) fn find(
        &mut self,
        p: &Prepared,
        std: &SeparationStandard,
        parallel: bool,
    ) -> (u64, usize) {
        self.found.clear();
        let n = p.kin.len();
        if n < 2 {
            return (0, self.bytes());
        }
        let candidates = self.find_inner(p, std, parallel);
        (candidates, self.bytes())
    }

    fn find_inner(&mut self, p: &Prepared, std: &SeparationStandard, parallel: bool) -> u64 {
        let n = p.kin.len();
        let margin = Margin::of(p, std, parallel);
        boxes(&mut self.bx0, p, std, margin, parallel);
        let bx0 = &self.bx0;
        fill_vec(&mut self.faces0, n, parallel, |i| {
            (0..6)
                .filter(|&f| touches(&bx0[i], f))
                .fold(0u8, |m, f| m | 1 << f)
        });
        // Cell size: the mean horizontal box extent; layer height: the mean altitude extent,
        // at least twice the vertical minimum (a level aircraft spans one or two layers). Both
        // doubled while entries exceed 24 per aircraft. (Cells the size of the boxes minimise
        // the pairs sharing a cell; in altitude, where boxes are short, fewer layers per box
        // cost less than the pairs they would keep apart.)
        let extent = |b: &BoxF| {
            let h = (0..3)
                .map(|a| f64::from(b.hi[a] - b.lo[a]))
                .fold(0.0, f64::max);
            [h, f64::from(b.hi[3] - b.lo[3])]
        };
        let add = |x: [f64; 2], y: [f64; 2]| [x[0] + y[0], x[1] + y[1]];
        let sum_chunk = |c: &[BoxF]| c.iter().map(extent).fold([0.0; 2], add);
        let sum_extent = if parallel {
            // Summed in a fixed order so the grid does not depend on the thread count.
            bx0.par_chunks(4096)
                .map(sum_chunk)
                .collect::<Vec<[f64; 2]>>()
                .into_iter()
                .fold([0.0; 2], add)
        } else {
            bx0.chunks(4096).map(sum_chunk).fold([0.0; 2], add)
        };
        let mean_extent = sum_extent[0] / n as f64;
        let mean_alt_extent_ft = sum_extent[1] / n as f64;
        let mut grid = Grid {
            inv_cell: 1.0 / mean_extent.clamp(1000.0, 2.0 * GRID_HALF_M),
            inv_layer: 1.0 / mean_alt_extent_ft.clamp(2.0 * std.v_sep_ft, 1e5).max(1.0),
        };
        let mut total = grid.count(bx0, &self.faces0, parallel);
        while total > 24 * n && grid.inv_cell > 1.0 / (2.0 * GRID_HALF_M) {
            grid.inv_cell /= 2.0;
            grid.inv_layer /= 2.0;
            total = grid.count(bx0, &self.faces0, parallel);
        }
        let nb = (total / 2).max(2).next_power_of_two();
        let layer = |x: f32| cell(x, ALT_OFFSET_FT, grid.inv_layer);
        let layer_min = bx0.iter().map(|b| layer(b.lo[3])).min().unwrap_or(0);
        let layer_max = bx0.iter().map(|b| layer(b.hi[3])).max().unwrap_or(0);
        let buckets = Buckets {
            cells_per_axis: cell(GRID_HALF_M as f32, GRID_HALF_M, grid.inv_cell) + 1,
            layer_min,
            layers: layer_max.saturating_sub(layer_min) + 1,
            mask: nb as u64 - 1,
        };
        // Renumber the aircraft by the bucket of their home cell (the cell of their box's
        // minimum corner on the first face it touches). The buckets keep neighbouring cells
        // together, so aircraft sharing a cell end up close together in memory, the entries
        // are placed almost in order, and the kinematics the scan reads for overlapping boxes
        // are near each other. Keys are unique (index included), so the order does not depend
        // on the sort algorithm.
        fill_vec(&mut self.order, n, parallel, |i| {
            let b = &bx0[i];
            let face = self.faces0[i].trailing_zeros().min(5) as usize;
            let (o1, o2) = other_axes(face / 2);
            let home = key(
                face,
                cell(b.lo[o1], GRID_HALF_M, grid.inv_cell),
                cell(b.lo[o2], GRID_HALF_M, grid.inv_cell),
                layer(b.lo[3]),
            );
            ((buckets.of(home) as u64) << 32) | i as u64
        });
        if parallel {
            self.order.par_sort_unstable();
        } else {
            radsort::sort(&mut self.order);
        }
        let order = &self.order;
        fill_vec(&mut self.orig, n, parallel, |r| order[r] as u32);
        let orig = &self.orig;
        fill_vec(&mut self.bx, n, parallel, |r| bx0[orig[r] as usize]);
        let faces0 = &self.faces0;
        fill_vec(&mut self.faces, n, parallel, |r| faces0[orig[r] as usize]);
        fill_vec(&mut self.kin, n, parallel, |r| p.kin[orig[r] as usize]);
        let kin = &self.kin;
        // Each aircraft's margin (scan order), with 1 m for the rounding of the chord test.
        fill_vec(&mut self.w, n, parallel, |r| {
            margin.map_or(f64::INFINITY, |m| m.w_m(&kin[r]) + 0.5)
        });
        let bx = &self.bx;

        // Counting sort of (cell, aircraft) entries by hash bucket, in two passes over the
        // boxes (count, then place) so no intermediate list is kept. With workers, each one
        // owns a contiguous range of buckets (and so of entries) and places only the cells
        // hashing into it: every worker walks all boxes, but the scattered writes, the costly
        // part, are shared out. Aircraft are visited in the same order either way, so every
        // bucket lists its entries identically.
        let faces = &self.faces;
        let parts = if parallel {
            rayon::current_num_threads().clamp(1, nb)
        } else {
            1
        };
        let part_len = nb.div_ceil(parts);
        let starts = &mut self.starts;
        starts.clear();
        starts.resize(nb + 1, 0);
        let count_part = |(p, counts): (usize, &mut [u32])| {
            let b0 = p * part_len;
            for (b, &f) in bx.iter().zip(faces) {
                grid.for_each_cell(b, f, |k, _| {
                    if let Some(c) = counts.get_mut(buckets.of(k).wrapping_sub(b0)) {
                        *c += 1;
                    }
                });
            }
        };
        if parallel {
            starts[1..]
                .par_chunks_mut(part_len)
                .enumerate()
                .for_each(count_part);
        } else {
            count_part((0, &mut starts[1..]));
        }
        for i in 0..nb {
            starts[i + 1] += starts[i];
        }
        // Each bucket fills from its start with the entries whose box starts in the cell on the
        // face's first grid axis (corner bit 0), and from its end with the others: the scan
        // never pairs two of the latter (neither could be the pair's minimum-corner cell).
        let fill = &mut self.fill;
        fill.clear();
        fill.extend_from_slice(&starts[..nb]);
        let back = &mut self.back;
        back.clear();
        back.extend_from_slice(&starts[1..=nb]);
        let entries = &mut self.entries;
        // Every slot is written exactly once below (the counts are exact), so the previous
        // cycle's entries need not be cleared: only new slots are initialised.
        entries.truncate(total);
        entries.resize(
            total,
            Entry {
                bx: BoxF {
                    lo: [0.0; 4],
                    hi: [0.0; 4],
                },
                key: 0,
                idx: 0,
                faces: 0,
                corner: 0,
            },
        );
        // (part, its front and back cursors, its entries, index of its first entry)
        type Job<'a> = (usize, &'a mut [u32], &'a mut [u32], &'a mut [Entry], usize);
        let mut jobs: Vec<Job> = Vec::with_capacity(parts);
        let mut rest: &mut [Entry] = entries;
        let mut consumed = 0usize;
        for (p, (f, k)) in fill
            .chunks_mut(part_len)
            .zip(back.chunks_mut(part_len))
            .enumerate()
        {
            let end = starts[((p + 1) * part_len).min(nb)] as usize;
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(end - consumed);
            jobs.push((p, f, k, head, consumed));
            rest = tail;
            consumed = end;
        }
        let place = |(p, fill, back, out, base): Job| {
            let b0 = p * part_len;
            for (i, (b, &f)) in bx.iter().zip(faces).enumerate() {
                grid.for_each_cell(b, f, |k, corner| {
                    let bkt = buckets.of(k).wrapping_sub(b0);
                    if bkt < fill.len() {
                        let at = if corner & 1 != 0 {
                            fill[bkt] += 1;
                            fill[bkt] - 1
                        } else {
                            back[bkt] -= 1;
                            back[bkt]
                        };
                        out[at as usize - base] = Entry {
                            bx: *b,
                            key: k,
                            idx: i as u32,
                            faces: f,
                            corner,
                        };
                    }
                });
            }
        };
        if parallel {
            jobs.into_par_iter().for_each(place);
        } else {
            jobs.into_iter().for_each(place);
        }
        let starts = &self.starts;
        let split = &self.fill;
        let entries = &self.entries;
        let w = &self.w;
        let rank = &p.rank;

        // The tests after the once-per-pair rule: same cell, boxes overlap, first common face,
        // then the exact vertical test, the chord test and the pair test.
        let visit = |ea: &Entry, eb: &Entry, found: &mut Found, candidates: &mut u64| {
            let (a, b) = (&ea.bx, &eb.bx);
            // All nine comparisons at once: a branch per axis mispredicts.
            let apart = (ea.key != eb.key)
                | (a.lo[0] > b.hi[0])
                | (b.lo[0] > a.hi[0])
                | (a.lo[1] > b.hi[1])
                | (b.lo[1] > a.hi[1])
                | (a.lo[2] > b.hi[2])
                | (b.lo[2] > a.hi[2])
                | (a.lo[3] > b.hi[3])
                | (b.lo[3] > a.hi[3]);
            if apart {
                return;
            }
            let face = (ea.faces & eb.faces).trailing_zeros();
            if u64::from(face) != ea.key >> (3 * AXIS_BITS) {
                return;
            }
            let (i, j) = (ea.idx as usize, eb.idx as usize);
            if !vertical_possible(&kin[i], &kin[j], std)
                || !chord_within(&kin[i], &kin[j], std.lookahead_s, w[i] + w[j])
            {
                return;
            }
            *candidates += 1;
            // The pair test is symmetric to the bit (property-tested), so this is the result of
            // the reference's call in id order.
            if let Some(c) = pair_conflict(&kin[i], &kin[j], std) {
                let (oi, oj) = (orig[i], orig[j]);
                if rank[oi as usize] < rank[oj as usize] {
                    found.push((oi, oj, c));
                } else {
                    found.push((oj, oi, c));
                }
            }
        };
        // Test each pair once: in the cell of the minimum corner of the two boxes' intersection.
        // The grid index is monotone, so that is the cell of the larger of the two minimum
        // corners on each axis: on each axis one of the two boxes starts in this cell, i.e. the
        // entries' corner bits cover all three axes.
        let scan = |range: std::ops::Range<usize>, found: &mut Found| {
            let mut candidates = 0u64;
            for bkt in range {
                let s = starts[bkt] as usize;
                let es = &entries[s..starts[bkt + 1] as usize];
                // Entries past the split lack corner bit 0: each pairs only with those before.
                for (x, ea) in es[..split[bkt] as usize - s].iter().enumerate() {
                    for eb in &es[x + 1..] {
                        if ea.corner | eb.corner == 7 {
                            visit(ea, eb, found, &mut candidates);
                        }
                    }
                }
            }
            candidates
        };

        if parallel {
            // Small bucket ranges, split adaptively by rayon: dense traffic fills few buckets
            // with many entries each, so fixed shares of the buckets would leave a worker idle.
            const CHUNK: usize = 64;
            let parts: Vec<(Found, u64)> = (0..nb.div_ceil(CHUNK))
                .into_par_iter()
                .fold(
                    || (Vec::new(), 0u64),
                    |(mut found, k), c| {
                        let k2 = scan(c * CHUNK..((c + 1) * CHUNK).min(nb), &mut found);
                        (found, k + k2)
                    },
                )
                .collect();
            let mut candidates = 0;
            for (f, c) in parts {
                self.found.extend(f);
                candidates += c;
            }
            candidates
        } else {
            scan(0..nb, &mut self.found)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The obviously-correct cell index: floor, then clamp to the axis.
    fn cell_reference(x: f32, offset: f64, inv_cell: f64) -> u64 {
        let c = ((f64::from(x) + offset) * inv_cell).floor();
        if c.is_nan() {
            0
        } else {
            c.clamp(0.0, AXIS_MASK as f64) as u64
        }
    }

    fn state(
        id: &str,
        lat_deg: f64,
        lon_deg: f64,
        alt_ft: f64,
        gs_kt: f64,
        trk_deg: f64,
        vs_fpm: f64,
    ) -> crate::AircraftState {
        crate::AircraftState {
            id: id.into(),
            party: None,
            lat_deg: lat_deg.clamp(-90.0, 90.0),
            lon_deg: crate::geodesy::normalise_lon_deg(lon_deg),
            alt_ft,
            gs_kt,
            trk_deg,
            vs_fpm,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// The chord test never rejects a pair the pair test finds in conflict: pairs anywhere
        /// (poles and antimeridian included), up to 60 NM apart and up to 1,200 kt, with minima
        /// and look-ahead drawn too, many of them near the loss boundary.
        #[test]
        fn chord_test_keeps_every_conflict(
            lat in prop_oneof![-90.0f64..90.0, Just(89.99f64), Just(-89.99f64)],
            lon in prop_oneof![-180.0f64..180.0, Just(179.99f64)],
            dlat in -1.0f64..1.0,
            dlon in -1.0f64..1.0,
            gs in proptest::array::uniform2(prop_oneof![0.0f64..1200.0, Just(0.0)]),
            trk in proptest::array::uniform2(0.0f64..360.0),
            h_nm in prop_oneof![Just(5.0f64), 0.5f64..20.0],
            lookahead_s in prop_oneof![Just(300.0f64), 10.0f64..1200.0],
        ) {
            let std = SeparationStandard { h_sep_nm: h_nm, v_sep_ft: 1000.0, lookahead_s };
            let a = state("A", lat, lon, 30_000.0, gs[0], trk[0], 0.0);
            let b = state("B", lat + dlat, lon + dlon, 30_000.0, gs[1], trk[1], 0.0);
            let mut p = Prepared::default();
            p.fill(&[a, b], false).unwrap();
            let (ka, kb) = (p.kin[0], p.kin[1]);
            if pair_conflict(&ka, &kb, &std).is_some() {
                let m = Margin::of(&p, &std, false);
                let reach = m.map_or(f64::INFINITY, |m| m.w_m(&ka) + m.w_m(&kb) + 1.0);
                prop_assert!(chord_within(&ka, &kb, lookahead_s, reach));
                prop_assert!(chord_within(&kb, &ka, lookahead_s, reach));
            }
        }
    }

    #[test]
    fn chord_test_rejects_what_cannot_meet() {
        // Head-on at the same level, 40 NM apart, 480 kt each: they meet in 150 s, so the chord
        // comes within any margin inside a 300 s look-ahead, but not within 10 s; abeam 30 NM
        // apart on parallel tracks they never come within 10 km.
        let std = SeparationStandard::default();
        let mk =
            |id: &str, lon: f64, lat: f64, trk: f64| state(id, lat, lon, 30_000.0, 480.0, trk, 0.0);
        let mut p = Prepared::default();
        p.fill(
            &[mk("A", 0.0, 0.0, 90.0), mk("B", 40.0 / 60.0, 0.0, 270.0)],
            false,
        )
        .unwrap();
        assert!(chord_within(&p.kin[0], &p.kin[1], 300.0, 10_000.0));
        assert!(!chord_within(&p.kin[0], &p.kin[1], 10.0, 10_000.0));
        assert!(Margin::of(&p, &std, false).is_some());
        p.fill(&[mk("A", 0.0, 0.0, 90.0), mk("B", 0.0, 0.5, 90.0)], false)
            .unwrap();
        assert!(!chord_within(&p.kin[0], &p.kin[1], 300.0, 10_000.0));
        assert!(chord_within(&p.kin[0], &p.kin[1], 300.0, 60_000.0));
    }

    proptest! {
        #[test]
        fn cell_index_is_floor_then_clamp(x in prop_oneof![-2e7f32..2e7, Just(-16_000_000.5f32), Just(f32::NAN), Just(f32::INFINITY), Just(f32::NEG_INFINITY)], inv in prop_oneof![1e-7f64..1e-2, Just(1e-3)]) {
            prop_assert_eq!(cell(x, GRID_HALF_M, inv), cell_reference(x, GRID_HALF_M, inv));
            prop_assert_eq!(cell(x, ALT_OFFSET_FT, inv), cell_reference(x, ALT_OFFSET_FT, inv));
        }

        #[test]
        fn cells_counted_without_visiting_them_are_the_cells_visited(
            lo in proptest::array::uniform4(-7e6f32..7e6),
            ext in proptest::array::uniform4(0f32..3e5),
            faces in 1u8..64,
            inv_cell in 1e-6f64..1e-4,
        ) {
            let mut b = BoxF { lo, hi: [0.0; 4] };
            for a in 0..4 {
                b.hi[a] = lo[a] + ext[a];
            }
            let grid = Grid { inv_cell, inv_layer: 1.0 / 2000.0 };
            let mut visited = 0;
            let mut corners = 0;
            grid.for_each_cell(&b, faces, |_, c| {
                visited += 1;
                corners += usize::from(c == 7);
            });
            prop_assert_eq!(grid.cells_of(&b, faces), visited);
            // One home cell (all three axes at the box's minimum corner) per face.
            prop_assert_eq!(corners, faces.count_ones() as usize);
        }
    }
}
