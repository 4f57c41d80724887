//! Conflict detection over a whole snapshot: the all-pairs reference and the fast path.
//!
//! [`detect_all_pairs`] runs the pair test ([`crate::cpa::pair_conflict`]) on every pair: O(N^2),
//! kept as the reference. [`detect`] first runs the broad phase ([`crate::broadphase`]) and then
//! the same pair test on the surviving candidates only, so both find exactly the same pairs
//! with bit-identical values (property-tested).
//!
//! Output is deterministic: in each [`Conflict`] `a < b` (byte order of the ids), and the list is
//! sorted by `(a, b)`, whatever the input order or thread count.

use crate::broadphase::Scratch;
use crate::cpa::{pair_conflict, PairConflict};
use crate::prepared::{PrepareError, Prepared};
use crate::standard::{AlertLevels, ConfigError, SeparationStandard};
use crate::state::{AircraftState, StateError};
use rayon::prelude::*;

/// An aircraft id in a [`Conflict`]: a string that holds up to 24 bytes inline.
pub type Id = compact_str::CompactString;

/// A pair predicted to lose separation within the look-ahead.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Conflict {
    /// Id of the first aircraft (`a < b`). Ids up to 24 bytes are held inline (no heap
    /// allocation per conflict); it reads as a `&str`.
    pub a: Id,
    /// Id of the second aircraft.
    pub b: Id,
    /// Time of closest horizontal approach, seconds from now (may be negative).
    pub tcpa_s: f64,
    /// Horizontal distance at `tcpa_s`, metres.
    pub dcpa_m: f64,
    /// Vertical separation at `tcpa_s`, feet (absolute).
    pub vsep_cpa_ft: f64,
    /// Time of entry into loss of separation, seconds from now (0 = already lost).
    pub t_in_s: f64,
    /// Time of exit from loss of separation, seconds from now, clipped to the look-ahead.
    pub t_out_s: f64,
    /// Alert level from [`AlertLevels`] (0 when no threshold applies).
    pub level: u8,
    /// The two aircraft's parties differ (an unknown party differs from any known one).
    pub cross_party: bool,
}

/// Options of one detection cycle.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct DetectOptions {
    /// Separation standard (minima and look-ahead).
    pub standard: SeparationStandard,
    /// Alert level thresholds.
    pub levels: AlertLevels,
    /// Worker threads; 0 or 1 = run on the calling thread. Default 1.
    pub threads: usize,
}

impl Default for DetectOptions {
    fn default() -> Self {
        DetectOptions {
            standard: SeparationStandard::default(),
            levels: AlertLevels::default(),
            threads: 1,
        }
    }
}

/// Counters of one detection cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DetectStats {
    /// Aircraft in the snapshot.
    pub aircraft: usize,
    /// Pairs that reached the exact pair test (all pairs for the reference).
    pub candidate_pairs: u64,
    /// Bytes held by the detector's working buffers after this cycle (kinematics, id order,
    /// broad-phase boxes, grid entries and buckets, found pairs), excluding the input and
    /// output. A [`Detector`] keeps its buffers, so this is its peak over the cycles so far.
    pub working_set_bytes: usize,
}

/// Result of one detection cycle.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Detection {
    /// Conflicts, sorted by `(a, b)`.
    pub conflicts: Vec<Conflict>,
    /// Counters.
    pub stats: DetectStats,
}

/// Why a snapshot could not be processed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DetectError {
    /// A state failed [`AircraftState::validate`].
    #[error("aircraft #{index} ({id:?}): {source}")]
    InvalidState {
        /// Position in the input slice.
        index: usize,
        /// Its id.
        id: String,
        /// What is wrong.
        #[source]
        source: StateError,
    },
    /// Two states share an id.
    #[error("duplicate aircraft id {id:?}")]
    DuplicateId {
        /// The id.
        id: String,
    },
    /// The options are invalid.
    #[error("invalid options: {0}")]
    Config(#[from] ConfigError),
    /// The thread pool could not be started.
    #[error("cannot start {threads} worker threads")]
    ThreadPool {
        /// Requested thread count.
        threads: usize,
    },
    /// More aircraft than the engine indexes (u32).
    #[error("too many aircraft: {0}")]
    TooMany(usize),
}

impl From<PrepareError> for DetectError {
    fn from(e: PrepareError) -> Self {
        match e {
            PrepareError::InvalidState { index, id, source } => {
                DetectError::InvalidState { index, id, source }
            }
            PrepareError::DuplicateId { id } => DetectError::DuplicateId { id },
            PrepareError::TooMany(n) => DetectError::TooMany(n),
        }
    }
}

pub(crate) fn prepare(
    states: &[AircraftState],
    opts: &DetectOptions,
) -> Result<Prepared, DetectError> {
    opts.standard.validate()?;
    opts.levels.validate()?;
    let mut p = Prepared::default();
    p.fill(states, false)?;
    Ok(p)
}

/// Runs the pair test on (i, j) in id order; returns the ordered pair and the result.
#[inline]
pub(crate) fn test_pair(
    p: &Prepared,
    i: u32,
    j: u32,
    std: &SeparationStandard,
) -> Option<(u32, u32, PairConflict)> {
    let (a, b) = if p.rank[i as usize] < p.rank[j as usize] {
        (i, j)
    } else {
        (j, i)
    };
    pair_conflict(&p.kin[a as usize], &p.kin[b as usize], std).map(|c| (a, b, c))
}

pub(crate) fn finish(
    states: &[AircraftState],
    p: &Prepared,
    found: &mut [(u32, u32, PairConflict)],
    levels: &AlertLevels,
    candidate_pairs: u64,
    extra_bytes: usize,
    parallel: bool,
) -> Detection {
    let working_set_bytes = p.bytes() + extra_bytes;
    // (rank a, rank b) is unique per pair: the order is total, the result deterministic.
    let by_rank = |&(a, b, _): &(u32, u32, PairConflict)| (p.rank[a as usize], p.rank[b as usize]);
    let make = |&(a, b, c): &(u32, u32, PairConflict)| {
        let sa = &states[a as usize];
        let sb = &states[b as usize];
        Conflict {
            a: Id::new(&sa.id),
            b: Id::new(&sb.id),
            tcpa_s: c.tcpa_s,
            dcpa_m: c.dcpa_m,
            vsep_cpa_ft: c.vsep_cpa_ft,
            t_in_s: c.t_in_s,
            t_out_s: c.t_out_s,
            level: levels.level_for(c.t_in_s),
            cross_party: sa.party != sb.party,
        }
    };
    let conflicts = if parallel {
        found.par_sort_unstable_by_key(by_rank);
        found.par_iter().map(make).collect()
    } else {
        found.sort_unstable_by_key(by_rank);
        found.iter().map(make).collect()
    };
    Detection {
        conflicts,
        stats: DetectStats {
            aircraft: states.len(),
            candidate_pairs,
            working_set_bytes,
        },
    }
}

/// The O(N^2) reference: runs the exact pair test on every pair.
///
/// # Errors
/// [`DetectError`] for invalid states, duplicate ids or invalid options.
pub fn detect_all_pairs(
    states: &[AircraftState],
    opts: &DetectOptions,
) -> Result<Detection, DetectError> {
    let p = prepare(states, opts)?;
    let n = states.len() as u32;
    let mut found = Vec::new();
    for i in 0..n {
        for j in (i + 1)..n {
            if let Some(f) = test_pair(&p, i, j, &opts.standard) {
                found.push(f);
            }
        }
    }
    let pairs = u64::from(n) * u64::from(n.saturating_sub(1)) / 2;
    let extra = found.capacity() * std::mem::size_of::<(u32, u32, PairConflict)>();
    Ok(finish(
        states,
        &p,
        &mut found,
        &opts.levels,
        pairs,
        extra,
        false,
    ))
}

/// Fast detection: broad phase then the exact pair test on candidates. Same result as
/// [`detect_all_pairs`] (except `stats.candidate_pairs`).
///
/// A convenience wrapper around [`Detector`]: it starts the worker threads and allocates the
/// working buffers for this one call. Callers running cycle after cycle keep a [`Detector`].
///
/// # Errors
/// [`DetectError`] for invalid states, duplicate ids, invalid options or when the requested
/// worker threads cannot be started.
///
/// # Examples
/// ```
/// use deconflict_engine::{detect, AircraftState, DetectOptions};
/// let ac = |id: &str, lon_deg: f64, trk_deg: f64| AircraftState { id: id.into(), party: None,
///     lat_deg: 0.0, lon_deg, alt_ft: 35_000.0, gs_kt: 480.0, trk_deg, vs_fpm: 0.0 };
/// let d = detect(&[ac("B", 0.3, 270.0), ac("A", 0.0, 90.0)], &DetectOptions::default()).unwrap();
/// assert_eq!((d.conflicts[0].a.as_str(), d.conflicts[0].b.as_str()), ("A", "B"));
/// ```
pub fn detect(states: &[AircraftState], opts: &DetectOptions) -> Result<Detection, DetectError> {
    Detector::new(opts.clone())?.detect(states)
}

/// A reusable fast detector: validated options, the worker pool (when `threads > 1`) and the
/// working buffers, kept across cycles so a cycle allocates nothing but its output.
///
/// Results are identical to [`detect`] and [`detect_all_pairs`] whatever the thread count.
///
/// # Examples
/// ```
/// use deconflict_engine::{AircraftState, DetectOptions, Detector};
/// let ac = |id: &str, lon_deg: f64, trk_deg: f64| AircraftState { id: id.into(), party: None,
///     lat_deg: 0.0, lon_deg, alt_ft: 35_000.0, gs_kt: 480.0, trk_deg, vs_fpm: 0.0 };
/// let mut det = Detector::new(DetectOptions { threads: 2, ..DetectOptions::default() }).unwrap();
/// for _cycle in 0..3 {
///     let d = det.detect(&[ac("B", 0.3, 270.0), ac("A", 0.0, 90.0)]).unwrap();
///     assert_eq!(d.conflicts.len(), 1);
/// }
/// ```
pub struct Detector {
    opts: DetectOptions,
    pool: Option<rayon::ThreadPool>,
    prep: Prepared,
    broad: Scratch,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector")
            .field("opts", &self.opts)
            .finish_non_exhaustive()
    }
}

impl Detector {
    /// Validates the options and, when `opts.threads > 1`, starts that many worker threads.
    ///
    /// # Errors
    /// [`DetectError::Config`] for invalid options, [`DetectError::ThreadPool`] when the
    /// threads cannot be started.
    pub fn new(opts: DetectOptions) -> Result<Self, DetectError> {
        opts.standard.validate()?;
        opts.levels.validate()?;
        let pool = if opts.threads > 1 {
            Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(opts.threads)
                    .build()
                    .map_err(|_| DetectError::ThreadPool {
                        threads: opts.threads,
                    })?,
            )
        } else {
            None
        };
        Ok(Detector {
            opts,
            pool,
            prep: Prepared::default(),
            broad: Scratch::default(),
        })
    }

    /// The options this detector runs with.
    pub fn options(&self) -> &DetectOptions {
        &self.opts
    }

    /// Runs one detection cycle on `states`.
    ///
    /// # Errors
    /// [`DetectError`] for invalid states or duplicate ids.
    pub fn detect(&mut self, states: &[AircraftState]) -> Result<Detection, DetectError> {
        self.run(states, |opts, prep, broad, parallel| {
            let (candidates, bytes) = broad.find(prep, &opts.standard, parallel);
            finish(
                states,
                prep,
                &mut broad.found,
                &opts.levels,
                candidates,
                bytes,
                parallel,
            )
        })
    }

    /// Runs one detection cycle like [`Detector::detect`] but returns only the conflicting
    /// pairs, as input indices `(a, b)` with `a` first in id order, unsorted: for layers that
    /// run their own pair test on the candidates (the safety net), without building a
    /// [`Conflict`] per pair.
    ///
    /// # Errors
    /// [`DetectError`] for invalid states or duplicate ids.
    pub fn detect_pairs(
        &mut self,
        states: &[AircraftState],
    ) -> Result<Vec<(u32, u32)>, DetectError> {
        self.run(states, |opts, prep, broad, parallel| {
            broad.find(prep, &opts.standard, parallel);
            broad.found.iter().map(|&(a, b, _)| (a, b)).collect()
        })
    }

    /// Validates and prepares `states`, then runs `then` on the worker pool (when there is
    /// one) with the prepared snapshot and the broad phase's buffers.
    fn run<T: Send>(
        &mut self,
        states: &[AircraftState],
        then: impl Fn(&DetectOptions, &Prepared, &mut Scratch, bool) -> T + Send + Sync,
    ) -> Result<T, DetectError> {
        let Detector {
            opts,
            pool,
            prep,
            broad,
        } = self;
        let mut go = |parallel: bool| {
            prep.fill(states, parallel)?;
            Ok(then(opts, prep, broad, parallel))
        };
        match pool {
            Some(pool) => pool.install(|| go(true)),
            None => go(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[allow(clippy::too_many_arguments)]
    fn st(
        id: String,
        party: u8,
        lat: f64,
        lon: f64,
        alt: f64,
        gs: f64,
        trk: f64,
        vs: f64,
    ) -> AircraftState {
        AircraftState {
            id,
            party: match party {
                0 => None,
                1 => Some("blue".into()),
                _ => Some("red".into()),
            },
            lat_deg: lat.clamp(-90.0, 90.0),
            lon_deg: crate::geodesy::normalise_lon_deg(lon),
            alt_ft: alt,
            gs_kt: gs,
            trk_deg: trk,
            vs_fpm: vs,
        }
    }

    /// Random traffic: a few clusters (anywhere, including poles and the antimeridian), each
    /// aircraft offset a little from its cluster centre, some on exactly the same spot, levels
    /// on 1000 ft steps so exact vertical boundaries occur.
    fn traffic() -> impl Strategy<Value = Vec<AircraftState>> {
        let centre = prop_oneof![
            (-90.0f64..90.0, -180.0f64..180.0),
            (
                -2.0f64..2.0,
                prop_oneof![Just(179.9f64), Just(-179.9f64), Just(180.0f64)]
            ),
            (
                prop_oneof![Just(89.95f64), Just(-89.95f64), Just(90.0f64), Just(85.0)],
                -180.0f64..180.0
            ),
        ];
        let ac = (
            0usize..3,
            -1.0f64..1.0,
            -1.0f64..1.0,
            prop_oneof![Just(0.0f64), -1.0f64..1.0],
            0u8..3,
            prop_oneof![
                (28i32..34).prop_map(|l| f64::from(l) * 1000.0),
                28_000.0f64..34_000.0
            ],
            prop_oneof![Just(0.0f64), 0.0f64..600.0, Just(4000.0)],
            0.0f64..360.0,
            prop_oneof![Just(0.0f64), -3000.0f64..3000.0],
        );
        (
            proptest::collection::vec(centre, 3),
            proptest::collection::vec(ac, 2..60),
            prop_oneof![Just(1.0f64), Just(0.05f64)],
        )
            .prop_map(|(centres, acs, spread)| {
                acs.into_iter()
                    .enumerate()
                    .map(|(i, (c, dlat, dlon, same, party, alt, gs, trk, vs))| {
                        let (lat, lon) = centres[c];
                        let k = if same == 0.0 { 0.0 } else { spread };
                        st(
                            format!("AC{:03}", (i * 37) % 101),
                            party,
                            lat + k * dlat,
                            lon + k * dlon * 2.0,
                            alt,
                            gs,
                            trk,
                            vs,
                        )
                    })
                    .collect()
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn fast_equals_reference(t in traffic(), lookahead in prop_oneof![Just(300.0f64), 10.0f64..1200.0], h in prop_oneof![Just(5.0f64), 0.5f64..20.0]) {
            let opts = DetectOptions {
                standard: SeparationStandard { h_sep_nm: h, v_sep_ft: 1000.0, lookahead_s: lookahead },
                ..DetectOptions::default()
            };
            let slow = detect_all_pairs(&t, &opts).unwrap();
            let fast = detect(&t, &opts).unwrap();
            prop_assert_eq!(&fast.conflicts, &slow.conflicts);
            prop_assert!(fast.stats.candidate_pairs <= slow.stats.candidate_pairs);
            let par = detect(&t, &DetectOptions { threads: 2, ..opts.clone() }).unwrap();
            prop_assert_eq!(&par.conflicts, &fast.conflicts);
            prop_assert_eq!(par.stats.candidate_pairs, fast.stats.candidate_pairs);
            // Input order does not matter.
            let mut rev = t.clone();
            rev.reverse();
            prop_assert_eq!(&detect(&rev, &opts).unwrap().conflicts, &fast.conflicts);
            for c in &fast.conflicts {
                prop_assert!(c.a < c.b);
                prop_assert!(c.t_in_s >= 0.0 && c.t_in_s < c.t_out_s && c.t_out_s <= lookahead);
                prop_assert!(c.tcpa_s.is_finite() && c.dcpa_m.is_finite() && c.vsep_cpa_ft.is_finite());
            }
        }

        #[test]
        fn symmetric_in_a_and_b(t in traffic()) {
            let p = prepare(&t, &DetectOptions::default()).unwrap();
            let std = SeparationStandard::default();
            for i in 0..p.kin.len() {
                for j in 0..p.kin.len() {
                    let x = pair_conflict(&p.kin[i], &p.kin[j], &std);
                    let y = pair_conflict(&p.kin[j], &p.kin[i], &std);
                    prop_assert_eq!(x, y);
                }
            }
        }
    }

    #[test]
    fn synthetic_traffic_fast_equals_reference() {
        for region in [
            crate::traffic::Region::Global,
            crate::traffic::Region::DenseBox,
            crate::traffic::Region::Europe,
        ] {
            let t = crate::traffic::generate(1500, 11, region);
            let opts = DetectOptions::default();
            let slow = detect_all_pairs(&t, &opts).unwrap();
            let fast = detect(&t, &opts).unwrap();
            assert_eq!(fast.conflicts, slow.conflicts);
            assert!(!slow.conflicts.is_empty());
            assert!(fast.stats.candidate_pairs < slow.stats.candidate_pairs / 10);
        }
    }

    #[test]
    fn reused_detector_equals_fresh_detection() {
        // Buffers kept across cycles of different sizes and regions, an error in between.
        for threads in [1, 2] {
            let opts = DetectOptions {
                threads,
                ..DetectOptions::default()
            };
            let mut det = Detector::new(opts.clone()).unwrap();
            for (n, seed, region) in [
                (1200, 3, crate::traffic::Region::DenseBox),
                (3000, 4, crate::traffic::Region::Global),
                (40, 5, crate::traffic::Region::Europe),
                (1500, 6, crate::traffic::Region::DenseBox),
            ] {
                let t = crate::traffic::generate(n, seed, region);
                let reused = det.detect(&t).unwrap();
                let fresh = detect_all_pairs_like(&t, &opts);
                assert_eq!(reused.conflicts, fresh.conflicts);
                // Buffers keep their capacity, so only the working set may differ.
                assert_eq!(reused.stats.candidate_pairs, fresh.stats.candidate_pairs);
                assert_eq!(reused.stats.aircraft, fresh.stats.aircraft);
                let mut bad = t.clone();
                bad[n / 2].lat_deg = f64::NAN;
                assert!(matches!(
                    det.detect(&bad),
                    Err(DetectError::InvalidState { index, .. }) if index == n / 2
                ));
            }
        }
    }

    /// The reference conflicts with the fast path's counters (which differ by design).
    fn detect_all_pairs_like(t: &[AircraftState], opts: &DetectOptions) -> Detection {
        let fresh = detect(t, opts).unwrap();
        let slow = detect_all_pairs(t, opts).unwrap();
        assert_eq!(fresh.conflicts, slow.conflicts);
        fresh
    }

    #[test]
    fn rejects_bad_input() {
        let a = st("A".into(), 0, 0.0, 0.0, 1000.0, 100.0, 0.0, 0.0);
        let mut b = a.clone();
        assert!(matches!(
            detect(&[a.clone(), b.clone()], &DetectOptions::default()),
            Err(DetectError::DuplicateId { .. })
        ));
        b.id = "B".into();
        b.alt_ft = f64::NAN;
        assert!(matches!(
            detect(&[a, b], &DetectOptions::default()),
            Err(DetectError::InvalidState { index: 1, .. })
        ));
        assert!(detect(&[], &DetectOptions::default())
            .unwrap()
            .conflicts
            .is_empty());
    }
}
