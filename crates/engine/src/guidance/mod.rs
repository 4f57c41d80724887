//! Guidance: which manoeuvres of one aircraft keep it clear of all its intruders, as
//! DAIDALUS-style kinematic bands (NASA DAIDALUS, RTCA DO-365), with recovery bands and
//! resolution advice.
//!
//! For the ownship and every intruder that could come within the minima, each candidate
//! manoeuvre in four dimensions is flown with a kinematic model — a turn to a new track at a
//! turn rate or bank angle, a ground-speed change at an acceleration, a vertical-speed change
//! at a vertical acceleration, a climb or descent to a new level at a rate — while the
//! intruders fly straight, and judged by the detector's exact pair test. A candidate is
//! labelled with the most severe alert level it would produce ([`AlertLevels::level_for`] of
//! its first loss of separation): [`BandLevel::None`] when it keeps separation over the
//! look-ahead, [`BandLevel::Far`] / [`BandLevel::Mid`] / [`BandLevel::Near`] for the advisory,
//! caution and warning levels ([`crate::ADVISORY_LEVEL`], [`crate::CAUTION_LEVEL`],
//! [`crate::WARNING_LEVEL`]). Candidates lie on a grid (the model's steps); where two
//! neighbours differ the boundary is refined by bisection to a 1/256 of a step.
//!
//! When no candidate of a dimension is clear (the ownship is already in loss, or boxed in),
//! that dimension gets **recovery bands** instead, as DAIDALUS does: over a longer horizon
//! ([`GuidanceConfig::recovery_horizon_s`]) each candidate's time to recovery is when its last
//! loss of separation ends; the candidates that avoid the collision volume
//! ([`GuidanceConfig::collision_h_ft`], [`GuidanceConfig::collision_v_ft`]) and recover within
//! [`GuidanceConfig::recovery_tolerance_s`] of the soonest are labelled
//! [`BandLevel::Recovery`]. Every dimension therefore has a clear or a recovery band, except
//! one where every candidate enters the collision volume or stays in loss beyond the
//! horizon (a head-on encounter has no speed that avoids collision): its advice then says
//! so ([`TrackAdvice::recovery`] with no time and no values) instead of recommending a
//! collision course.
//!
//! [`Advice`] turns the bands into the smallest change that clears every conflict in each
//! dimension and each direction, and a preferred direction implicitly coordinated with the
//! most urgent intruder. `docs/guidance.md` describes the model, its parameters and
//! references.

mod advice;
mod band;
mod eval;
mod model;

pub use advice::{Advice, AltAdvice, Basis, GsAdvice, Sense, TrackAdvice, TurnDirection, VsAdvice};
pub use band::BandLevel;
pub(crate) use band::Interval;
pub use eval::CHORD_TOLERANCE_M;
pub use model::{
    Category, ManoeuvreModel, ModelError, TurnPerformance, MAX_CANDIDATES, STANDARD_GRAVITY_MPS2,
};

use crate::geodesy::{dot, relative, Kinematics};
use crate::standard::{AlertLevels, ConfigError, SeparationStandard};
use crate::state::{AircraftState, StateError};
use crate::units::{MPS_PER_KT, M_PER_FT};
use eval::{fps2, Ctx, Outcome, Own, PathKind, PathSide, VProfile, FPS_PER_FPM};

/// Bisection steps refining a band edge between two grid candidates: the edge is known to
/// within a 1/256 of the step.
pub const REFINE_STEPS: u32 = 8;

/// How manoeuvres are flown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Dynamics {
    /// With the model's turn rate, accelerations and level-change rate (kinematic bands).
    #[default]
    Kinematic,
    /// At once: the new track, speed, vertical speed or altitude from now on (DAIDALUS's
    /// instantaneous bands, the reference for comparison).
    Instantaneous,
}

impl Dynamics {
    /// The name the command line and the API use: `default` (kinematic) or `instant`.
    pub fn label(self) -> &'static str {
        match self {
            Dynamics::Kinematic => "default",
            Dynamics::Instantaneous => "instant",
        }
    }
}

/// Guidance configuration.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct GuidanceConfig {
    /// The ownship's manoeuvre performance and band ranges.
    pub model: ManoeuvreModel,
    /// Kinematic or instantaneous manoeuvres. Default kinematic.
    pub dynamics: Dynamics,
    /// Horizon over which recovery is sought, seconds (at least the look-ahead is used).
    /// Default 600.
    pub recovery_horizon_s: f64,
    /// Candidates recovering within this many seconds of the soonest are recovery bands.
    /// Default 5.
    pub recovery_tolerance_s: f64,
    /// Horizontal size of the collision volume recovery avoids, feet. Default 500 (the NMAC
    /// volume of DO-365 / ACAS).
    pub collision_h_ft: f64,
    /// Vertical size (half height) of the collision volume, feet. Default 100.
    pub collision_v_ft: f64,
}

impl Default for GuidanceConfig {
    fn default() -> Self {
        GuidanceConfig {
            model: ManoeuvreModel::default(),
            dynamics: Dynamics::Kinematic,
            recovery_horizon_s: 600.0,
            recovery_tolerance_s: 5.0,
            collision_h_ft: 500.0,
            collision_v_ft: 100.0,
        }
    }
}

impl GuidanceConfig {
    /// Checks the model and the recovery parameters.
    ///
    /// # Errors
    /// The first bad field.
    pub fn validate(&self) -> Result<(), ModelError> {
        self.model.validate()?;
        for (field, value) in [
            ("recovery_horizon_s", self.recovery_horizon_s),
            ("collision_h_ft", self.collision_h_ft),
            ("collision_v_ft", self.collision_v_ft),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(ModelError::NotPositive { field, value });
            }
        }
        if !(self.recovery_tolerance_s.is_finite() && self.recovery_tolerance_s >= 0.0) {
            return Err(ModelError::NotPositive {
                field: "recovery_tolerance_s",
                value: self.recovery_tolerance_s,
            });
        }
        Ok(())
    }
}

/// A band of track angles: clockwise from `from_deg` to `to_deg`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TrackBand {
    /// Start, degrees true in [0, 360).
    pub from_deg: f64,
    /// End, degrees true in (0, 360]; a band covering the whole circle is 0 to 360.
    pub to_deg: f64,
    /// What these tracks lead to.
    pub level: BandLevel,
}

/// A band of ground speeds.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GsBand {
    /// Lower end, knots.
    pub from_kt: f64,
    /// Upper end, knots.
    pub to_kt: f64,
    /// What these speeds lead to.
    pub level: BandLevel,
}

/// A band of vertical speeds.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct VsBand {
    /// Lower end, feet per minute.
    pub from_fpm: f64,
    /// Upper end, feet per minute.
    pub to_fpm: f64,
    /// What these vertical speeds lead to.
    pub level: BandLevel,
}

/// A band of altitudes to level at.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AltBand {
    /// Lower end, feet.
    pub from_ft: f64,
    /// Upper end, feet.
    pub to_ft: f64,
    /// What levelling at these altitudes leads to.
    pub level: BandLevel,
}

/// Bands and advice for one aircraft.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Guidance {
    /// The ownship's id.
    pub id: String,
    /// Track bands, clockwise, covering the circle (right turns up to 180 degrees on the
    /// right of the current track, left turns on the left).
    pub track_bands: Vec<TrackBand>,
    /// Ground-speed bands, ascending, covering the model's range.
    pub gs_bands: Vec<GsBand>,
    /// Vertical-speed bands, ascending, covering the model's range.
    pub vs_bands: Vec<VsBand>,
    /// Altitude bands, ascending, covering the model's range.
    pub alt_bands: Vec<AltBand>,
    /// Resolution advice.
    pub advice: Advice,
}

/// One aircraft's guidance as `deconflict detect --json` and the server's API print it: the
/// bands, and the advice with the manoeuvre model named (`category`: a category's name or
/// `default`; `kinematics`: `default` or `instant`).
#[cfg(feature = "serde")]
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Report<'a> {
    /// The ownship's id.
    pub id: &'a str,
    /// Track bands.
    pub track_bands: &'a [TrackBand],
    /// Ground-speed bands.
    pub gs_bands: &'a [GsBand],
    /// Vertical-speed bands.
    pub vs_bands: &'a [VsBand],
    /// Altitude bands.
    pub alt_bands: &'a [AltBand],
    /// The advice and the model it was computed with.
    pub advice: ReportAdvice<'a>,
}

/// The advice of a [`Report`], with the manoeuvre model named.
#[cfg(feature = "serde")]
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct ReportAdvice<'a> {
    /// The advice.
    #[serde(flatten)]
    pub advice: &'a Advice,
    /// The manoeuvre model: a category's name, or `default`.
    pub category: &'a str,
    /// `default` (kinematic) or `instant`.
    pub kinematics: &'a str,
}

#[cfg(feature = "serde")]
impl<'a> Report<'a> {
    /// The report of `g`, computed with the model of `category` (`None`: the default model)
    /// flown with `dynamics`.
    pub fn new(g: &'a Guidance, category: Option<Category>, dynamics: Dynamics) -> Report<'a> {
        Report {
            id: &g.id,
            track_bands: &g.track_bands,
            gs_bands: &g.gs_bands,
            vs_bands: &g.vs_bands,
            alt_bands: &g.alt_bands,
            advice: ReportAdvice {
                advice: &g.advice,
                category: category.map_or("default", Category::name),
                kinematics: dynamics.label(),
            },
        }
    }
}

/// Why guidance could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GuidanceError {
    /// A state failed [`AircraftState::validate`].
    #[error("aircraft {id:?}: {source}")]
    InvalidState {
        /// Its id.
        id: String,
        /// What is wrong.
        #[source]
        source: StateError,
    },
    /// The separation standard or the alert levels are invalid.
    #[error("invalid options: {0}")]
    Config(#[from] ConfigError),
    /// The guidance configuration is invalid.
    #[error("invalid guidance configuration: {0}")]
    Model(#[from] ModelError),
}

/// The candidates of one side of a dimension.
enum Side {
    /// A turn or speed change (chords, shared prefixes).
    Path(PathSide),
    /// A vertical-speed change of `sign` (+1 up, -1 down) by `xs` feet per minute.
    Vs {
        sign: f64,
        xs: Vec<f64>,
        acc_fps2: f64,
    },
    /// Level changes to the altitudes `xs`, feet.
    Alt {
        xs: Vec<f64>,
        rate_fps: f64,
        acc_fps2: f64,
        instant: bool,
    },
}

impl Side {
    fn xs(&self) -> &[f64] {
        match self {
            Side::Path(p) => &p.xs,
            Side::Vs { xs, .. } | Side::Alt { xs, .. } => xs,
        }
    }

    fn eval_one(&self, own: &Own, ctx: &Ctx, x: f64) -> Outcome {
        let k = &own.k0;
        match self {
            Side::Path(_) => unreachable!("paths are evaluated with their prefix"),
            Side::Vs { sign, acc_fps2, .. } => ctx.vertical(&VProfile::vs_change(
                k.alt_ft,
                k.vs_fps,
                k.vs_fps + sign * x * FPS_PER_FPM,
                *acc_fps2,
            )),
            Side::Alt {
                rate_fps,
                acc_fps2,
                instant,
                ..
            } => ctx.vertical(&VProfile::level_change(
                k.alt_ft, k.vs_fps, x, *rate_fps, *acc_fps2, *instant,
            )),
        }
    }

    fn eval_grid(&mut self, own: &Own, ctx: &Ctx) -> Vec<Outcome> {
        match self {
            Side::Path(p) => p.eval_grid(own, ctx),
            Side::Alt {
                xs,
                rate_fps,
                acc_fps2,
                instant,
            } => {
                // Levels too far to be reached within the horizon are flown identically until
                // then (climbing or descending at the rate all the way): going away from the
                // current altitude on each side, once a level flies like the one before it,
                // every further one does too.
                let k = &own.k0;
                let horizon = ctx.horizon_s();
                let mut outs = vec![Outcome::CLEAR; xs.len()];
                let split = xs.partition_point(|&x| x < k.alt_ft);
                let up: Vec<usize> = (split..xs.len()).collect();
                let down: Vec<usize> = (0..split).rev().collect();
                for order in [up, down] {
                    let mut last: Option<(VProfile, Outcome)> = None;
                    let mut same = None;
                    for i in order {
                        if let Some(o) = same {
                            outs[i] = o;
                            continue;
                        }
                        let p = VProfile::level_change(
                            k.alt_ft, k.vs_fps, xs[i], *rate_fps, *acc_fps2, *instant,
                        );
                        if let Some((q, o)) = &last {
                            if p.same_until(q, horizon) {
                                same = Some(*o);
                                outs[i] = *o;
                                continue;
                            }
                        }
                        let o = ctx.vertical(&p);
                        outs[i] = o;
                        last = Some((p, o));
                    }
                }
                outs
            }
            _ => self
                .xs()
                .iter()
                .map(|&x| self.eval_one(own, ctx, x))
                .collect(),
        }
    }

    fn eval_at(&self, own: &Own, ctx: &Ctx, k: usize, x: f64) -> Outcome {
        match self {
            Side::Path(p) => p.eval_at(own, ctx, k, x),
            _ => self.eval_one(own, ctx, x),
        }
    }
}

/// 0, step, 2 step, ... up to `span` (inclusive, the last step possibly shorter).
fn side_grid(span: f64, step: f64) -> Vec<f64> {
    if span <= 0.0 {
        return vec![0.0];
    }
    let n = (span / step).ceil() as usize;
    let mut xs: Vec<f64> = (0..n).map(|k| k as f64 * step).collect();
    xs.push(span);
    xs.dedup_by(|b, a| *b - *a < step * 1e-9);
    xs
}

/// How candidates are labelled.
#[derive(Debug, Clone, Copy)]
struct Labeller<'a> {
    levels: &'a AlertLevels,
    lookahead_s: f64,
    recovery: Option<RecoveryRule>,
}

#[derive(Debug, Clone, Copy)]
struct RecoveryRule {
    horizon_s: f64,
    limit_s: f64,
}

impl Labeller<'_> {
    fn label(&self, o: &Outcome) -> BandLevel {
        if let Some(r) = self.recovery {
            if !o.nmac && o.time_to_recovery_s(r.horizon_s) <= r.limit_s {
                return BandLevel::Recovery;
            }
        }
        if o.t_in_s < self.lookahead_s {
            BandLevel::from_alert_level(self.levels.level_for(o.t_in_s))
        } else {
            BandLevel::None
        }
    }
}

/// Bands of one side from its evaluated grid, the edges refined by bisection.
fn intervals(side: &Side, own: &Own, ctx: &Ctx, lab: &Labeller, outs: &[Outcome]) -> Vec<Interval> {
    let xs = side.xs();
    let labels: Vec<BandLevel> = outs.iter().map(|o| lab.label(o)).collect();
    let mut out = Vec::new();
    let mut start = xs[0];
    for k in 0..xs.len() - 1 {
        let (a, b) = (labels[k], labels[k + 1]);
        if a == b {
            continue;
        }
        // Between two grid candidates the label may pass through others (mid, then far, then
        // none): each change is found in turn, at most one per level.
        let (mut cur, mut from) = (a, xs[k]);
        for _ in 0..5 {
            let (mut lo, mut hi, mut at_hi) = (from, xs[k + 1], b);
            for _ in 0..REFINE_STEPS {
                let mid = 0.5 * (lo + hi);
                let l = lab.label(&side.eval_at(own, ctx, k, mid));
                if l == cur {
                    lo = mid;
                } else {
                    hi = mid;
                    at_hi = l;
                }
            }
            // The uncertain sliver goes to the worse band: a clear band ends on a verified
            // value.
            let edge = if at_hi.badness() < cur.badness() {
                hi
            } else {
                lo
            };
            if edge > start {
                out.push(Interval {
                    lo: start,
                    hi: edge,
                    level: cur,
                });
            }
            start = edge;
            if at_hi == b {
                break;
            }
            (cur, from) = (at_hi, hi);
        }
    }
    let end = xs[xs.len() - 1];
    if end > start {
        out.push(Interval {
            lo: start,
            hi: end,
            level: labels[labels.len() - 1],
        });
    }
    out
}

/// The bands of one dimension (all its sides), with recovery bands when nothing is clear.
struct Dimension {
    sides: Vec<Vec<Interval>>,
    /// `Some` when the dimension is in recovery: the soonest time to recovery, seconds (`None`
    /// when no candidate avoids the collision volume and recovers within the horizon: no
    /// recovery band).
    recovery: Option<Option<f64>>,
}

struct Solver<'a> {
    own: Own,
    normal: Ctx<'a>,
    recovery: Ctx<'a>,
    levels: &'a AlertLevels,
    lookahead_s: f64,
    tolerance_s: f64,
}

impl Solver<'_> {
    fn dimension(&self, mut sides: Vec<Side>) -> Dimension {
        let lab = Labeller {
            levels: self.levels,
            lookahead_s: self.lookahead_s,
            recovery: None,
        };
        let outs: Vec<Vec<Outcome>> = sides
            .iter_mut()
            .map(|s| s.eval_grid(&self.own, &self.normal))
            .collect();
        if outs
            .iter()
            .flatten()
            .any(|o| lab.label(o) == BandLevel::None)
        {
            return Dimension {
                sides: sides
                    .iter()
                    .zip(&outs)
                    .map(|(s, o)| intervals(s, &self.own, &self.normal, &lab, o))
                    .collect(),
                recovery: None,
            };
        }
        let ctx = &self.recovery;
        let horizon_s = ctx.horizon_s();
        let outs: Vec<Vec<Outcome>> = sides
            .iter_mut()
            .map(|s| s.eval_grid(&self.own, ctx))
            .collect();
        let soonest = outs
            .iter()
            .flatten()
            .filter(|o| !o.nmac)
            .map(|o| o.time_to_recovery_s(horizon_s))
            .fold(f64::INFINITY, f64::min);
        let lab = Labeller {
            recovery: soonest.is_finite().then_some(RecoveryRule {
                horizon_s,
                limit_s: soonest + self.tolerance_s,
            }),
            ..lab
        };
        Dimension {
            sides: sides
                .iter()
                .zip(&outs)
                .map(|(s, o)| intervals(s, &self.own, ctx, &lab, o))
                .collect(),
            recovery: Some(soonest.is_finite().then_some(soonest)),
        }
    }
}

/// Merges neighbours with the same level and drops empty bands.
fn merge(bands: Vec<Interval>) -> Vec<Interval> {
    let mut out: Vec<Interval> = Vec::with_capacity(bands.len());
    for b in bands.into_iter().filter(|b| b.hi > b.lo) {
        match out.last_mut() {
            Some(last) if last.level == b.level => last.hi = b.hi,
            _ => out.push(b),
        }
    }
    out
}

/// A linear dimension's bands in values: the lower side (`down`, sizes below `v0`) and the
/// upper side, clipped to `[min, max]`.
fn linear_bands(v0: f64, down: &[Interval], up: &[Interval], min: f64, max: f64) -> Vec<Interval> {
    let mut all: Vec<Interval> = down
        .iter()
        .rev()
        .map(|b| Interval {
            lo: v0 - b.hi,
            hi: v0 - b.lo,
            level: b.level,
        })
        .collect();
    all.extend(up.iter().map(|b| Interval {
        lo: v0 + b.lo,
        hi: v0 + b.hi,
        level: b.level,
    }));
    merge(
        all.into_iter()
            .map(|b| Interval {
                lo: b.lo.max(min),
                hi: b.hi.min(max),
                level: b.level,
            })
            .collect(),
    )
}

/// Track bands clockwise from the reciprocal of the current track.
fn track_bands(trk0_deg: f64, right: &[Interval], left: &[Interval]) -> Vec<TrackBand> {
    // Clockwise angles measured from trk0 - 180.
    let mut all: Vec<Interval> = left
        .iter()
        .rev()
        .map(|b| Interval {
            lo: 180.0 - b.hi,
            hi: 180.0 - b.lo,
            level: b.level,
        })
        .collect();
    all.extend(right.iter().map(|b| Interval {
        lo: 180.0 + b.lo,
        hi: 180.0 + b.hi,
        level: b.level,
    }));
    let mut all = merge(all);
    if all.len() > 1 && all[0].level == all[all.len() - 1].level {
        let first = all.remove(0);
        if let Some(last) = all.last_mut() {
            last.hi = first.hi + 360.0;
        }
    }
    if all.len() == 1 {
        return vec![TrackBand {
            from_deg: 0.0,
            to_deg: 360.0,
            level: all[0].level,
        }];
    }
    all.iter()
        .map(|b| {
            let from = (trk0_deg - 180.0 + b.lo).rem_euclid(360.0);
            let to = (trk0_deg - 180.0 + b.hi).rem_euclid(360.0);
            TrackBand {
                from_deg: from,
                to_deg: if to == 0.0 { 360.0 } else { to },
                level: b.level,
            }
        })
        .collect()
}

/// Could `intr` come within the minima of the ownship during `horizon_s` under any manoeuvre
/// of the model? A conservative bound on both aircraft's reach.
fn may_matter(
    own: &Own,
    s: &AircraftState,
    intr: &Kinematics,
    std: &SeparationStandard,
    config: &GuidanceConfig,
    horizon_s: f64,
) -> bool {
    let m = &config.model;
    let own_speed = own.gs_mps.max(m.gs_max_kt * MPS_PER_KT);
    let reach_m = (own_speed + intr.speed_mps()) * horizon_s;
    let g = relative(&own.k0, intr);
    let r_m = dot(g.r_m, g.r_m).sqrt();
    if r_m > (std.h_sep_m() + reach_m) * 1.01 + 1000.0 {
        return false;
    }
    let vmax_fps = s
        .vs_fpm
        .abs()
        .max(m.vs_min_fpm.abs())
        .max(m.vs_max_fpm.abs())
        .max(m.alt_rate_fpm)
        * FPS_PER_FPM;
    let mut own_lo = own.k0.alt_ft - vmax_fps * horizon_s;
    let mut own_hi = own.k0.alt_ft + vmax_fps * horizon_s;
    if config.dynamics == Dynamics::Instantaneous {
        own_lo = own_lo.min(m.alt_min_ft);
        own_hi = own_hi.max(m.alt_max_ft);
    }
    let dz = intr.vs_fps * horizon_s;
    let (int_lo, int_hi) = (intr.alt_ft + dz.min(0.0), intr.alt_ft + dz.max(0.0));
    int_lo < own_hi + std.v_sep_ft && int_hi > own_lo - std.v_sep_ft
}

/// Bands and advice for `ownship` against every aircraft of `traffic` (an entry with the
/// ownship's id is skipped), under the separation standard `std` and alert levels `levels`.
///
/// # Errors
/// [`GuidanceError`] for an invalid state, standard, alert levels or configuration.
///
/// # Examples
/// ```
/// use deconflict_engine::guidance::{guidance, BandLevel, GuidanceConfig};
/// use deconflict_engine::{AircraftState, AlertLevels, SeparationStandard};
/// let ac = |id: &str, lon: f64, trk: f64| AircraftState { id: id.into(), party: None,
///     lat_deg: 0.0, lon_deg: lon, alt_ft: 35_000.0, gs_kt: 480.0, trk_deg: trk, vs_fpm: 0.0 };
/// // Head-on, 40 NM apart: flying on conflicts, the advice is to turn or change level.
/// let g = guidance(&ac("OWN", 0.0, 90.0), &[ac("INT", 40.0 / 60.0, 270.0)],
///     &SeparationStandard::default(), &AlertLevels::default(), &GuidanceConfig::default())
///     .unwrap();
/// assert!(g.advice.conflict);
/// assert!(g.track_bands.iter().any(|b| b.level == BandLevel::None));
/// assert!(g.advice.track.left_deg.is_some() && g.advice.track.right_deg.is_some());
/// ```
pub fn guidance(
    ownship: &AircraftState,
    traffic: &[AircraftState],
    std: &SeparationStandard,
    levels: &AlertLevels,
    config: &GuidanceConfig,
) -> Result<Guidance, GuidanceError> {
    check_options(std, levels, config)?;
    for s in traffic {
        checked(s)?;
    }
    guidance_among(ownship, traffic.iter(), std, levels, config)
}

/// Checks the standard, the alert levels and the guidance configuration.
fn check_options(
    std: &SeparationStandard,
    levels: &AlertLevels,
    config: &GuidanceConfig,
) -> Result<(), GuidanceError> {
    std.validate()?;
    levels.validate()?;
    config.validate()?;
    Ok(())
}

/// `s` when it passes [`AircraftState::validate`].
fn checked(s: &AircraftState) -> Result<&AircraftState, GuidanceError> {
    s.validate()
        .map(|()| s)
        .map_err(|source| GuidanceError::InvalidState {
            id: s.id.clone(),
            source,
        })
}

/// Smallest meridian radius of curvature of the WGS-84 ellipsoid (at the equator),
/// `a (1 - e^2)`, metres: a latitude difference of `x` radians is at least `x` times this
/// along the surface.
const MIN_MERIDIAN_RADIUS_M: f64 = 6_335_439.0;

/// Traffic indexed by latitude, for the guidance of many ownships against the same traffic
/// (the server's alert cycle): each ownship is flown against the aircraft in a latitude
/// window around it that bounds every aircraft [`guidance`] could find relevant, instead of
/// against all of them. The answers are those of [`guidance`] over the whole traffic.
///
/// The window is the reach of both aircraft over the recovery horizon (the ownship at its
/// model's top speed, the fastest aircraft of the traffic) plus the horizontal minimum,
/// widened by 5 % because the pair filter measures the chord, which is shorter than the arc
/// (by under 5 % for arcs under 7,000 km; a wider window takes every aircraft).
pub struct GuidanceTraffic<'a> {
    states: &'a [AircraftState],
    /// Latitude (radians) and index of every state, by latitude.
    by_lat: Vec<(f64, usize)>,
    /// The fastest ground speed of the traffic, metres per second.
    max_gs_mps: f64,
}

impl<'a> GuidanceTraffic<'a> {
    /// Indexes `states`.
    ///
    /// # Errors
    /// [`GuidanceError::InvalidState`] for the first state failing
    /// [`AircraftState::validate`].
    pub fn new(states: &'a [AircraftState]) -> Result<GuidanceTraffic<'a>, GuidanceError> {
        let mut by_lat = Vec::with_capacity(states.len());
        let mut max_gs_mps: f64 = 0.0;
        for (i, s) in states.iter().enumerate() {
            checked(s)?;
            by_lat.push((s.lat_deg.to_radians(), i));
            max_gs_mps = max_gs_mps.max(s.gs_kt * MPS_PER_KT);
        }
        by_lat.sort_by(|a, b| a.0.total_cmp(&b.0));
        Ok(GuidanceTraffic {
            states,
            by_lat,
            max_gs_mps,
        })
    }

    /// The indexed states.
    pub fn states(&self) -> &'a [AircraftState] {
        self.states
    }

    /// Bands and advice for `ownship` (one of the traffic or not) against the traffic, as
    /// [`guidance`] gives them.
    ///
    /// # Errors
    /// [`GuidanceError`] for an invalid ownship, standard, alert levels or configuration.
    pub fn guidance(
        &self,
        ownship: &AircraftState,
        std: &SeparationStandard,
        levels: &AlertLevels,
        config: &GuidanceConfig,
    ) -> Result<Guidance, GuidanceError> {
        check_options(std, levels, config)?;
        let horizon_s = config.recovery_horizon_s.max(std.lookahead_s);
        let own_max_mps = (ownship.gs_kt.max(config.model.gs_max_kt)) * MPS_PER_KT;
        let reach_m = (own_max_mps + self.max_gs_mps) * horizon_s + std.h_sep_m() + 1000.0;
        let window_rad = 1.05 * reach_m / MIN_MERIDIAN_RADIUS_M;
        let (lo, hi) = if window_rad >= 1.1 {
            (0, self.by_lat.len())
        } else {
            let lat = ownship.lat_deg.to_radians();
            (
                self.by_lat.partition_point(|(l, _)| *l < lat - window_rad),
                self.by_lat.partition_point(|(l, _)| *l <= lat + window_rad),
            )
        };
        let traffic = self.by_lat[lo..hi].iter().map(|&(_, i)| &self.states[i]);
        guidance_among(ownship, traffic, std, levels, config)
    }
}

/// [`guidance`] over valid traffic and checked options.
fn guidance_among<'t>(
    ownship: &AircraftState,
    traffic: impl Iterator<Item = &'t AircraftState>,
    std: &SeparationStandard,
    levels: &AlertLevels,
    config: &GuidanceConfig,
) -> Result<Guidance, GuidanceError> {
    checked(ownship)?;
    let own = Own::new(ownship);
    let recovery_horizon_s = config.recovery_horizon_s.max(std.lookahead_s);
    // Intruders that may come within the minima over the look-ahead (the bands), and over
    // the recovery horizon (recovery only): in dense traffic the second set is several times
    // larger, and most aircraft never need it.
    let mut kins = Vec::new();
    let mut intruders = Vec::new();
    let mut recovery_kins = Vec::new();
    for s in traffic.filter(|s| s.id != ownship.id) {
        let k = Kinematics::from_state(s);
        if may_matter(&own, s, &k, std, config, recovery_horizon_s) {
            if may_matter(&own, s, &k, std, config, std.lookahead_s) {
                kins.push(k);
                intruders.push(s);
            }
            recovery_kins.push(k);
        }
    }
    let own_max_mps = own.gs_mps.max(config.model.gs_max_kt * MPS_PER_KT);
    let collision = (config.collision_h_ft * M_PER_FT, config.collision_v_ft);
    let solver = Solver {
        own,
        normal: Ctx::new(&own, own_max_mps, &kins, *std, None),
        recovery: Ctx::new(
            &own,
            own_max_mps,
            &recovery_kins,
            SeparationStandard {
                lookahead_s: recovery_horizon_s,
                ..*std
            },
            Some(collision),
        ),
        levels,
        lookahead_s: std.lookahead_s,
        tolerance_s: config.recovery_tolerance_s,
    };
    let m = &config.model;
    let instant = config.dynamics == Dynamics::Instantaneous;
    let trk0 = ownship.trk_deg.rem_euclid(360.0);
    let gs0 = ownship.gs_kt;
    let vs0 = ownship.vs_fpm;
    let rate_rps = m.turn.rate_rps(own.gs_mps);

    let turn = |sign: f64| {
        Side::Path(PathSide::new(
            PathKind::Turn { sign, rate_rps },
            instant,
            side_grid(180.0, m.track_step_deg),
        ))
    };
    let track = solver.dimension(vec![turn(1.0), turn(-1.0)]);
    let speed = |sign: f64, span: f64| {
        Side::Path(PathSide::new(
            PathKind::Speed {
                sign,
                accel_mps2: m.gs_accel_mps2,
            },
            instant,
            side_grid(span, m.gs_step_kt),
        ))
    };
    let gs = solver.dimension(vec![
        speed(-1.0, gs0 - m.gs_min_kt),
        speed(1.0, m.gs_max_kt - gs0),
    ]);
    let vs_acc = if instant {
        f64::INFINITY
    } else {
        fps2(m.vs_accel_mps2)
    };
    let vs_side = |sign: f64, span: f64| Side::Vs {
        sign,
        xs: side_grid(span, m.vs_step_fpm),
        acc_fps2: vs_acc,
    };
    let vs = solver.dimension(vec![
        vs_side(-1.0, vs0 - m.vs_min_fpm),
        vs_side(1.0, m.vs_max_fpm - vs0),
    ]);
    let alt_xs: Vec<f64> = side_grid(m.alt_max_ft - m.alt_min_ft, m.alt_step_ft)
        .into_iter()
        .map(|x| m.alt_min_ft + x)
        .collect();
    let alt = solver.dimension(vec![Side::Alt {
        xs: alt_xs,
        rate_fps: m.alt_rate_fpm * FPS_PER_FPM,
        acc_fps2: fps2(m.vs_accel_mps2),
        instant,
    }]);

    let gs_iv = linear_bands(gs0, &gs.sides[0], &gs.sides[1], m.gs_min_kt, m.gs_max_kt);
    let vs_iv = linear_bands(vs0, &vs.sides[0], &vs.sides[1], m.vs_min_fpm, m.vs_max_fpm);
    let alt_iv = merge(alt.sides[0].clone());

    let (current, urgent) = solver
        .normal
        .current(&solver.own, |i| intruders[i].id.as_str());
    let lab = Labeller {
        levels,
        lookahead_s: std.lookahead_s,
        recovery: None,
    };
    let advice = advice::advise(advice::Inputs {
        ownship,
        own: &solver.own,
        level: lab.label(&current),
        urgent: urgent.map(|i| (intruders[i], &kins[i])),
        lookahead_s: std.lookahead_s,
        track: (&track.sides[0], &track.sides[1], track.recovery),
        gs: (&gs_iv, gs.recovery),
        vs: (&vs_iv, vs.recovery),
        alt: (&alt_iv, alt.recovery),
    });
    Ok(Guidance {
        id: ownship.id.clone(),
        track_bands: track_bands(trk0, &track.sides[0], &track.sides[1]),
        gs_bands: gs_iv
            .iter()
            .map(|b| GsBand {
                from_kt: b.lo,
                to_kt: b.hi,
                level: b.level,
            })
            .collect(),
        vs_bands: vs_iv
            .iter()
            .map(|b| VsBand {
                from_fpm: b.lo,
                to_fpm: b.hi,
                level: b.level,
            })
            .collect(),
        alt_bands: alt_iv
            .iter()
            .map(|b| AltBand {
                from_ft: b.lo,
                to_ft: b.hi,
                level: b.level,
            })
            .collect(),
        advice,
    })
}
