//! Flying one candidate manoeuvre against the traffic: the ownship's kinematic trajectory and
//! the loss-of-separation test along it.
//!
//! The ownship's trajectory lives in the frame the detector extrapolates it in: its surface
//! point `p0` and the local east / north unit vectors there (ECEF, [`crate::geodesy`]). Flying
//! straight, it is `p0 + v t`, exactly [`Kinematics::from_state`]; a manoeuvre bends that line
//! in the same tangent plane:
//! - a **turn** at rate `omega` follows the circle of radius `R = v / omega` from the current
//!   track to the new one, then a straight line;
//! - a **ground-speed change** at acceleration `a` moves along the current track with
//!   `s = v0 t + a t^2 / 2` until the new speed is reached, then at that speed;
//! - a **vertical-speed change** at vertical acceleration `a_v` gives a parabolic altitude
//!   until the new rate is reached, then a linear one;
//! - a **level change** accelerates towards the climb / descent rate, holds it and
//!   decelerates to level exactly at the new altitude (time-optimal for `|rate| <= alt_rate`,
//!   `|accel| <= a_v`).
//!
//! Intruders fly straight (the detector's model). Horizontal curves (turns, speed changes)
//! are cut into chords no further than [`CHORD_TOLERANCE_M`] from the flown path, and each
//! chord is one exact pair test ([`crate::cpa::pair_conflict`]) against the intruder
//! extrapolated to the chord's start. Vertical manoeuvres keep the horizontal path straight,
//! so the horizontal loss interval comes once from [`crate::cpa::closest_approach`] and the
//! vertical one is solved exactly on each parabolic or linear piece.

use crate::cpa::{closest_approach, pair_conflict, vertical_interval, vertical_possible};
use crate::geodesy::{dot, Kinematics, Vec3};
use crate::standard::SeparationStandard;
use crate::state::AircraftState;
use crate::units::{FT_PER_M, MPS_PER_KT, M_PER_NM, S_PER_MIN};

/// Largest distance, metres, between the path flown during a turn or speed change and the
/// chords it is tested on.
pub const CHORD_TOLERANCE_M: f64 = 1.0;

/// What flying one candidate shows, over every intruder: the first loss of separation, the
/// end of the last one, and whether the collision volume is entered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Outcome {
    /// Start of the first loss, seconds from now (`INFINITY` for none).
    pub t_in_s: f64,
    /// End of the last loss, seconds from now (`NEG_INFINITY` for none); the horizon when a
    /// loss lasts to it.
    pub t_out_s: f64,
    /// The collision volume is entered (only computed when the context asks).
    pub nmac: bool,
}

impl Outcome {
    /// No loss at all.
    pub const CLEAR: Outcome = Outcome {
        t_in_s: f64::INFINITY,
        t_out_s: f64::NEG_INFINITY,
        nmac: false,
    };

    /// Both outcomes together (first loss of either, last end of either).
    #[inline]
    pub fn merge(self, o: Outcome) -> Outcome {
        Outcome {
            t_in_s: self.t_in_s.min(o.t_in_s),
            t_out_s: self.t_out_s.max(o.t_out_s),
            nmac: self.nmac || o.nmac,
        }
    }

    /// When separation is regained for good within `horizon_s`: 0 without any loss,
    /// `INFINITY` when a loss lasts to the horizon.
    pub fn time_to_recovery_s(&self, horizon_s: f64) -> f64 {
        if self.t_out_s == f64::NEG_INFINITY {
            0.0
        } else if self.t_out_s >= horizon_s - 1e-9 {
            f64::INFINITY
        } else {
            self.t_out_s
        }
    }
}

/// The ownship at the time of its state, in the detector's frame.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Own {
    /// Its working form, as the detector builds it.
    pub k0: Kinematics,
    /// Local east unit vector at its surface point (ECEF).
    pub east: Vec3,
    /// Local north unit vector at its surface point (ECEF).
    pub north: Vec3,
    /// Track, radians.
    pub trk_rad: f64,
    /// Ground speed, metres per second.
    pub gs_mps: f64,
    /// Sine and cosine of the track.
    trk_sin_cos: (f64, f64),
}

impl Own {
    pub fn new(s: &AircraftState) -> Own {
        let (sin_lat, cos_lat) = s.lat_deg.to_radians().sin_cos();
        let (sin_lon, cos_lon) = s.lon_deg.to_radians().sin_cos();
        Own {
            k0: Kinematics::from_state(s),
            east: [-sin_lon, cos_lon, 0.0],
            north: [-sin_lat * cos_lon, -sin_lat * sin_lon, cos_lat],
            trk_rad: s.trk_deg.to_radians(),
            gs_mps: s.gs_kt * MPS_PER_KT,
            trk_sin_cos: s.trk_deg.to_radians().sin_cos(),
        }
    }

    /// The point `east_m` east and `north_m` north of the ownship in its tangent plane.
    #[inline]
    pub fn point(&self, east_m: f64, north_m: f64) -> Vec3 {
        std::array::from_fn(|i| self.k0.pos_m[i] + self.east[i] * east_m + self.north[i] * north_m)
    }

    /// Unit vector of track `trk_rad` in the tangent plane.
    #[inline]
    pub fn dir(&self, trk_rad: f64) -> Vec3 {
        self.dir_sc(trk_rad.sin_cos())
    }

    /// Unit vector of the track whose sine and cosine are `(s, c)`.
    #[inline]
    fn dir_sc(&self, (s, c): (f64, f64)) -> Vec3 {
        std::array::from_fn(|i| self.east[i] * s + self.north[i] * c)
    }
}

/// `k` extrapolated `t_s` seconds along its straight line.
#[inline]
pub(crate) fn at(k: &Kinematics, t_s: f64) -> Kinematics {
    Kinematics {
        pos_m: std::array::from_fn(|i| k.pos_m[i] + k.vel_mps[i] * t_s),
        vel_mps: k.vel_mps,
        alt_ft: k.alt_ft + k.vs_fps * t_s,
        vs_fps: k.vs_fps,
    }
}

/// The horizontal loss intervals of one intruder against the ownship's unmanoeuvred
/// horizontal path (absolute times, possibly infinite).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Horizontal {
    sep: Option<(f64, f64)>,
    nmac: Option<(f64, f64)>,
}

/// Everything a candidate is judged against.
pub(crate) struct Ctx<'a> {
    /// The intruders at the time of the ownship's state.
    pub traffic: &'a [Kinematics],
    /// The minima, with the horizon as look-ahead.
    pub sep: SeparationStandard,
    /// The collision volume (horizontal metres, vertical feet), when checked.
    pub nmac: Option<(f64, f64)>,
    horizontal: Vec<Horizontal>,
    /// Per intruder, a bound on the speed at which it and the ownship can close, metres per
    /// second (the ownship's fastest plus the intruder's speed).
    closing_mps: Vec<f64>,
    /// Per intruder, whether it comes within the vertical minimum of the ownship's current
    /// vertical path within the horizon: a turn or a speed change keeps that path, so an
    /// intruder that does not can never conflict with one (in layered traffic, most).
    level_reach: Vec<bool>,
    /// The intruders that lose horizontal separation with the ownship's straight path
    /// within the horizon: the only ones a vertical manoeuvre can conflict with (in dense
    /// traffic, a few of hundreds).
    on_path: Vec<usize>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        own: &Own,
        own_max_mps: f64,
        traffic: &'a [Kinematics],
        sep: SeparationStandard,
        nmac: Option<(f64, f64)>,
    ) -> Ctx<'a> {
        let closing_mps = traffic
            .iter()
            .map(|i| own_max_mps + i.speed_mps())
            .collect();
        let horizontal: Vec<Horizontal> = traffic
            .iter()
            .map(|i| Horizontal {
                sep: closest_approach(&own.k0, i, sep.h_sep_m()).3,
                nmac: nmac.and_then(|(h_m, _)| closest_approach(&own.k0, i, h_m).3),
            })
            .collect();
        let level_reach = traffic
            .iter()
            .map(|i| vertical_possible(&own.k0, i, &sep))
            .collect();
        let on_path = horizontal
            .iter()
            .enumerate()
            .filter(|(_, h)| {
                h.sep
                    .is_some_and(|(t_in, t_out)| t_in < sep.lookahead_s && t_out > 0.0)
            })
            .map(|(i, _)| i)
            .collect();
        Ctx {
            traffic,
            sep,
            nmac,
            horizontal,
            closing_mps,
            level_reach,
            on_path,
        }
    }

    /// Only first losses matter (alert levels): once a candidate has lost separation, what
    /// comes later cannot change its label. Recovery needs the last loss as well.
    #[inline]
    pub fn first_only(&self) -> bool {
        self.nmac.is_none()
    }

    /// The horizon, seconds.
    #[inline]
    pub fn horizon_s(&self) -> f64 {
        self.sep.lookahead_s
    }

    /// Can the ownship, starting at `own` and moving at most at its fastest along any path
    /// (its vertical motion as in `own`), be within both minima of `intr` (both at the same
    /// instant) during the next `dur` seconds? The vertical slab, then the horizontal distance
    /// the pair test projects (on the plane normal to the midpoint), in squares, against the
    /// closing-speed bound. Conservative: `false` only when no loss is possible.
    #[inline]
    fn in_reach(&self, own: &Kinematics, intr: &Kinematics, i: usize, dur: f64) -> bool {
        if dur <= 0.0 {
            return false;
        }
        let std = SeparationStandard {
            lookahead_s: dur,
            ..self.sep
        };
        if !vertical_possible(own, intr, &std) {
            return false;
        }
        let r: Vec3 = std::array::from_fn(|k| intr.pos_m[k] - own.pos_m[k]);
        let m: Vec3 = std::array::from_fn(|k| intr.pos_m[k] + own.pos_m[k]);
        let (r2, rm, m2) = (dot(r, r), dot(r, m), dot(m, m));
        let reach = self.sep.h_sep_m() + self.closing_mps[i] * dur;
        r2 - rm * rm / m2 <= reach * reach * (1.0 + 1e-9) + 1.0
    }

    /// A quick exact screen before the pair test of a straight piece: the checks of
    /// [`Self::in_reach`], then the horizontal closest approach within the piece in the
    /// midpoint plane, in squared distances (no square root). A pair it rejects is one the
    /// pair test finds clear; one it keeps goes to the pair test.
    #[inline]
    fn may_lose(&self, own: &Kinematics, intr: &Kinematics, i: usize, dur: f64) -> bool {
        if dur <= 0.0 {
            return false;
        }
        let std = SeparationStandard {
            lookahead_s: dur,
            ..self.sep
        };
        if !vertical_possible(own, intr, &std) {
            return false;
        }
        let d = self.sep.h_sep_m();
        let r: Vec3 = std::array::from_fn(|k| intr.pos_m[k] - own.pos_m[k]);
        let m: Vec3 = std::array::from_fn(|k| intr.pos_m[k] + own.pos_m[k]);
        let inv_m2 = 1.0 / dot(m, m);
        let rm = dot(r, m);
        let reach = d + self.closing_mps[i] * dur;
        if dot(r, r) - rm * rm * inv_m2 > reach * reach * (1.0 + 1e-9) + 1.0 {
            return false;
        }
        let v: Vec3 = std::array::from_fn(|k| intr.vel_mps[k] - own.vel_mps[k]);
        let vm = dot(v, m);
        let rp: Vec3 = std::array::from_fn(|k| r[k] - rm * inv_m2 * m[k]);
        let vp: Vec3 = std::array::from_fn(|k| v[k] - vm * inv_m2 * m[k]);
        let v2 = dot(vp, vp);
        let t = if v2 > 1e-12 {
            (-dot(rp, vp) / v2).clamp(0.0, dur)
        } else {
            0.0
        };
        let c: Vec3 = std::array::from_fn(|k| rp[k] + vp[k] * t);
        dot(c, c) < d * d * (1.0 + 1e-6) + 1.0
    }

    /// One straight piece of the ownship (`own` at `start_s`, flying straight until `end_s`)
    /// against intruder `i`.
    #[inline]
    fn piece(&self, own: &Kinematics, i: usize, start_s: f64, end_s: f64) -> Outcome {
        let dur = end_s.min(self.horizon_s()) - start_s;
        if dur <= 0.0 {
            return Outcome::CLEAR;
        }
        let intr = at(&self.traffic[i], start_s);
        if !self.may_lose(own, &intr, i, dur) {
            return Outcome::CLEAR;
        }
        let std = SeparationStandard {
            lookahead_s: dur,
            ..self.sep
        };
        let Some(c) = pair_conflict(own, &intr, &std) else {
            return Outcome::CLEAR;
        };
        let mut o = Outcome {
            t_in_s: start_s + c.t_in_s,
            t_out_s: start_s + c.t_out_s,
            nmac: false,
        };
        if let Some((h_m, v_ft)) = self.nmac {
            // The closest horizontal approach bounds the collision test: none nearer than
            // it, ever.
            if c.dcpa_m < h_m {
                let coll = SeparationStandard {
                    h_sep_nm: h_m / M_PER_NM,
                    v_sep_ft: v_ft,
                    lookahead_s: dur,
                };
                o.nmac = pair_conflict(own, &intr, &coll).is_some();
            }
        }
        o
    }
}

/// A horizontal manoeuvre: a turn to one side or a speed change one way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum PathKind {
    /// Turning right (`sign` +1) or left (-1) at `rate_rps`; the parameter is degrees turned.
    Turn { sign: f64, rate_rps: f64 },
    /// Speeding up (+1) or slowing down (-1) at `accel_mps2`; the parameter is knots changed.
    Speed { sign: f64, accel_mps2: f64 },
}

#[derive(Debug, Clone, Copy)]
struct Node {
    t_s: f64,
    pos_m: Vec3,
    /// Unit vector of the track once there.
    dir: Vec3,
}

/// One side of a horizontal dimension: the candidates `xs` (0 = no manoeuvre, increasing
/// away from it) and, once evaluated, what flying the manoeuvre up to each candidate showed
/// (shared by every candidate further out: the turn to 40 degrees begins with the turn to 30).
#[derive(Debug, Clone)]
pub(crate) struct PathSide {
    pub kind: PathKind,
    pub instant: bool,
    pub xs: Vec<f64>,
    prefix: Vec<Outcome>,
}

impl PathSide {
    pub fn new(kind: PathKind, instant: bool, xs: Vec<f64>) -> PathSide {
        PathSide {
            kind,
            instant,
            xs,
            prefix: Vec::new(),
        }
    }

    /// Where and when the manoeuvre of size `x` ends, and the track then.
    fn node(&self, own: &Own, x: f64) -> Node {
        match self.kind {
            PathKind::Turn { sign, rate_rps } => {
                let psi = x.to_radians();
                let (s, c) = (own.trk_rad + sign * psi).sin_cos();
                let dir = own.dir_sc((s, c));
                if self.instant || !(rate_rps.is_finite() && own.gs_mps > 0.0) {
                    return Node {
                        t_s: 0.0,
                        pos_m: own.k0.pos_m,
                        dir,
                    };
                }
                let r_m = own.gs_mps / rate_rps;
                let (s0, c0) = own.trk_sin_cos;
                Node {
                    t_s: psi / rate_rps,
                    pos_m: own.point(sign * r_m * (c0 - c), sign * r_m * (s - s0)),
                    dir,
                }
            }
            PathKind::Speed { sign, accel_mps2 } => {
                let dir = own.dir_sc(own.trk_sin_cos);
                if self.instant {
                    return Node {
                        t_s: 0.0,
                        pos_m: own.k0.pos_m,
                        dir,
                    };
                }
                let dv = x * MPS_PER_KT;
                let t = dv / accel_mps2;
                let s = (own.gs_mps + 0.5 * sign * dv) * t;
                let (st, ct) = own.trk_sin_cos;
                Node {
                    t_s: t,
                    pos_m: own.point(s * st, s * ct),
                    dir,
                }
            }
        }
    }

    /// Ground speed after the manoeuvre of size `x`, metres per second.
    fn tail_speed(&self, own: &Own, x: f64) -> f64 {
        match self.kind {
            PathKind::Turn { .. } => own.gs_mps,
            PathKind::Speed { sign, .. } => (own.gs_mps + sign * x * MPS_PER_KT).max(0.0),
        }
    }

    /// Chords between manoeuvre sizes `a` and `b` (0 when manoeuvres are instantaneous).
    fn chords(&self, own: &Own, a: f64, b: f64) -> usize {
        if self.instant || b <= a {
            return 0;
        }
        let n = match self.kind {
            PathKind::Turn { rate_rps, .. } => {
                if !(rate_rps.is_finite() && own.gs_mps > 0.0) {
                    return 0;
                }
                let r_m = own.gs_mps / rate_rps;
                let max_rad = (8.0 * CHORD_TOLERANCE_M / r_m).sqrt();
                (b - a).to_radians() / max_rad
            }
            PathKind::Speed { accel_mps2, .. } => {
                let max_s = (8.0 * CHORD_TOLERANCE_M / accel_mps2).sqrt();
                (b - a) * MPS_PER_KT / accel_mps2 / max_s
            }
        };
        (n.ceil() as usize).max(1)
    }

    /// The straight chord from `a` to `b` as the ownship's working form at `a`.
    fn chord(own: &Own, a: &Node, b: &Node) -> Kinematics {
        let dt = b.t_s - a.t_s;
        Kinematics {
            pos_m: a.pos_m,
            vel_mps: std::array::from_fn(|i| (b.pos_m[i] - a.pos_m[i]) / dt),
            alt_ft: own.k0.alt_ft + own.k0.vs_fps * a.t_s,
            vs_fps: own.k0.vs_fps,
        }
    }

    fn tail(&self, own: &Own, x: f64, n: &Node) -> Kinematics {
        Kinematics {
            pos_m: n.pos_m,
            vel_mps: n.dir.map(|c| c * self.tail_speed(own, x)),
            alt_ft: own.k0.alt_ft + own.k0.vs_fps * n.t_s,
            vs_fps: own.k0.vs_fps,
        }
    }

    /// Nodes from size `a` to `b` inclusive, `chords(a, b)` chords apart.
    fn nodes(&self, own: &Own, a: f64, b: f64, out: &mut Vec<Node>) {
        let m = self.chords(own, a, b);
        for j in 0..m {
            out.push(self.node(own, a + (b - a) * j as f64 / m as f64));
        }
    }

    /// Flies every candidate of this side; keeps the shared prefixes for [`Self::eval_at`].
    pub fn eval_grid(&mut self, own: &Own, ctx: &Ctx) -> Vec<Outcome> {
        let k_n = self.xs.len();
        // Node list: for each grid point its node, with the intermediate chord nodes between.
        let mut nodes = Vec::with_capacity(k_n + 8);
        let mut at_grid = Vec::with_capacity(k_n);
        for k in 0..k_n {
            if k > 0 {
                // Intermediate nodes strictly between xs[k-1] and xs[k].
                let m = self.chords(own, self.xs[k - 1], self.xs[k]);
                for j in 1..m {
                    let x = self.xs[k - 1] + (self.xs[k] - self.xs[k - 1]) * j as f64 / m as f64;
                    nodes.push(self.node(own, x));
                }
            }
            at_grid.push(nodes.len());
            nodes.push(self.node(own, self.xs[k]));
        }
        let horizon = ctx.horizon_s();
        let first_only = ctx.first_only();
        let mut cand = vec![Outcome::CLEAR; k_n];
        let mut prefix = vec![Outcome::CLEAR; k_n];
        let manoeuvre_end_s = nodes.last().map_or(0.0, |n| n.t_s).min(horizon);
        for i in (0..ctx.traffic.len()).filter(|&i| ctx.level_reach[i]) {
            let mut run = Outcome::CLEAR;
            // An intruder out of reach for the whole manoeuvre needs no chord tested.
            let chords_needed = ctx.in_reach(&own.k0, &ctx.traffic[i], i, manoeuvre_end_s);
            for k in 0..k_n {
                if k > 0 && chords_needed {
                    for j in at_grid[k - 1]..at_grid[k] {
                        let (s, e) = (nodes[j].t_s, nodes[j + 1].t_s);
                        if e > s && s < horizon && !(first_only && run.t_in_s <= s) {
                            let chord = Self::chord(own, &nodes[j], &nodes[j + 1]);
                            run = run.merge(ctx.piece(&chord, i, s, e));
                        }
                    }
                }
                prefix[k] = prefix[k].merge(run);
                let n = &nodes[at_grid[k]];
                cand[k] = cand[k].merge(run);
                if !(first_only && cand[k].t_in_s <= n.t_s) {
                    let tail = self.tail(own, self.xs[k], n);
                    cand[k] = cand[k].merge(ctx.piece(&tail, i, n.t_s, f64::INFINITY));
                }
            }
        }
        self.prefix = prefix;
        cand
    }

    /// Flies the manoeuvre of size `x`, between grid points `k` and `k + 1`, reusing the
    /// prefix up to `k` (after [`Self::eval_grid`] with the same context).
    pub fn eval_at(&self, own: &Own, ctx: &Ctx, k: usize, x: f64) -> Outcome {
        let mut nodes = Vec::with_capacity(8);
        self.nodes(own, self.xs[k], x, &mut nodes);
        let end = self.node(own, x);
        nodes.push(end);
        let tail = self.tail(own, x, &end);
        let mut o = self.prefix[k];
        let first_only = ctx.first_only();
        for i in (0..ctx.traffic.len()).filter(|&i| ctx.level_reach[i]) {
            for w in nodes.windows(2) {
                if w[1].t_s > w[0].t_s && !(first_only && o.t_in_s <= w[0].t_s) {
                    o = o.merge(ctx.piece(&Self::chord(own, &w[0], &w[1]), i, w[0].t_s, w[1].t_s));
                }
            }
            if !(first_only && o.t_in_s <= end.t_s) {
                o = o.merge(ctx.piece(&tail, i, end.t_s, f64::INFINITY));
            }
        }
        o
    }
}

/// One piece of a vertical profile: from `start_s`, altitude `alt_ft`, vertical speed
/// `vs_fps`, vertical acceleration `acc_fps2`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct VSeg {
    pub start_s: f64,
    pub alt_ft: f64,
    pub vs_fps: f64,
    pub acc_fps2: f64,
}

/// A vertical profile: up to five pieces, the last one lasting for ever.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct VProfile {
    segs: [VSeg; 5],
    len: usize,
}

impl VProfile {
    fn new() -> Self {
        VProfile {
            segs: [VSeg {
                start_s: 0.0,
                alt_ft: 0.0,
                vs_fps: 0.0,
                acc_fps2: 0.0,
            }; 5],
            len: 0,
        }
    }

    fn push(&mut self, s: VSeg) {
        self.segs[self.len] = s;
        self.len += 1;
    }

    pub fn segs(&self) -> &[VSeg] {
        &self.segs[..self.len]
    }

    /// The two profiles are the same motion until `t_s` (same pieces starting before it).
    pub fn same_until(&self, other: &VProfile, t_s: f64) -> bool {
        let a = self.segs().iter().take_while(|s| s.start_s < t_s);
        let b = other.segs().iter().take_while(|s| s.start_s < t_s);
        a.eq(b)
    }

    /// Changes the vertical speed from `vs0_fps` to `vs_fps` at `acc_fps2` (infinite: at
    /// once), starting at `alt_ft`.
    pub fn vs_change(alt_ft: f64, vs0_fps: f64, vs_fps: f64, acc_fps2: f64) -> VProfile {
        let mut p = VProfile::new();
        let dv = vs_fps - vs0_fps;
        let t = dv.abs() / acc_fps2;
        if t > 0.0 && t.is_finite() {
            let a = acc_fps2.copysign(dv);
            p.push(VSeg {
                start_s: 0.0,
                alt_ft,
                vs_fps: vs0_fps,
                acc_fps2: a,
            });
            p.push(VSeg {
                start_s: t,
                alt_ft: alt_ft + vs0_fps * t + 0.5 * a * t * t,
                vs_fps,
                acc_fps2: 0.0,
            });
        } else {
            p.push(VSeg {
                start_s: 0.0,
                alt_ft,
                vs_fps,
                acc_fps2: 0.0,
            });
        }
        p
    }

    /// Climbs or descends from (`alt0_ft`, `vs0_fps`) to level at `target_ft`, with vertical
    /// speeds up to `rate_fps` (or the current one, if larger) and accelerations of
    /// `acc_fps2`: accelerate, hold, decelerate to level exactly at the target. With
    /// `instant` the aircraft is at the target, level, at once.
    pub fn level_change(
        alt0_ft: f64,
        vs0_fps: f64,
        target_ft: f64,
        rate_fps: f64,
        acc_fps2: f64,
        instant: bool,
    ) -> VProfile {
        let mut p = VProfile::new();
        let level = |start_s| VSeg {
            start_s,
            alt_ft: target_ft,
            vs_fps: 0.0,
            acc_fps2: 0.0,
        };
        if instant {
            p.push(level(0.0));
            return p;
        }
        let a = acc_fps2;
        let stop_ft = alt0_ft + vs0_fps * vs0_fps.abs() / (2.0 * a);
        // Phases in the direction of the target: (duration s, acceleration towards it).
        let mut phases = [(0.0f64, 0.0f64); 3];
        let sign;
        if target_ft == stop_ft {
            sign = -vs0_fps.signum();
            phases[0] = (vs0_fps.abs() / a, a);
        } else {
            sign = if target_ft > stop_ft { 1.0 } else { -1.0 };
            let u0 = sign * vs0_fps;
            let d = sign * (target_ft - alt0_ft);
            let r = rate_fps;
            if u0 <= r {
                let d_acc = (r * r - u0 * u0) / (2.0 * a);
                let d_dec = r * r / (2.0 * a);
                if d_acc + d_dec <= d {
                    phases = [
                        ((r - u0) / a, a),
                        ((d - d_acc - d_dec) / r, 0.0),
                        (r / a, -a),
                    ];
                } else {
                    let up = ((2.0 * a * d + u0 * u0) / 2.0).max(0.0).sqrt();
                    phases = [((up - u0).max(0.0) / a, a), (0.0, 0.0), (up / a, -a)];
                }
            } else {
                let d_dec1 = (u0 * u0 - r * r) / (2.0 * a);
                let d_dec = r * r / (2.0 * a);
                if d_dec1 + d_dec <= d {
                    phases = [
                        ((u0 - r) / a, -a),
                        ((d - d_dec1 - d_dec) / r, 0.0),
                        (r / a, -a),
                    ];
                } else {
                    let cruise = ((d - u0 * u0 / (2.0 * a)) / u0).max(0.0);
                    phases = [(0.0, 0.0), (cruise, 0.0), (u0 / a, -a)];
                }
            }
        }
        let (mut t, mut z, mut w) = (0.0, alt0_ft, vs0_fps);
        for (dur, acc) in phases {
            if dur > 0.0 {
                let acc = sign * acc;
                p.push(VSeg {
                    start_s: t,
                    alt_ft: z,
                    vs_fps: w,
                    acc_fps2: acc,
                });
                t += dur;
                z += w * dur + 0.5 * acc * dur * dur;
                w += acc * dur;
            }
        }
        p.push(level(t));
        p
    }
}

/// Up to eight instants, on the stack.
#[derive(Default)]
struct Points {
    t: [f64; 8],
    n: usize,
}

impl Points {
    #[inline]
    fn push(&mut self, t: f64) {
        self.t[self.n] = t;
        self.n += 1;
    }
}

/// Real roots of `a t^2 + b t + c` (numerically stable form), appended to `out` when in
/// `(0, t_end)`.
fn roots_into(a: f64, b: f64, c: f64, t_end: f64, out: &mut Points) {
    let mut push = |t: f64| {
        if t > 0.0 && t < t_end {
            out.push(t);
        }
    };
    if a == 0.0 {
        if b != 0.0 {
            push(-c / b);
        }
        return;
    }
    let disc = b * b - 4.0 * a * c;
    if disc < 0.0 {
        return;
    }
    let q = -0.5 * (b + disc.sqrt().copysign(b));
    if q != 0.0 {
        push(q / a);
        push(c / q);
    } else {
        push(0.0);
    }
}

/// The loss set of one vertical piece: times `t` in `[0, t_end]` with `|q(t)| < v_sep` and
/// `h_lo < t < h_hi`, where `q(t) = q0 + q1 t + q2 t^2` is the altitude difference. Returns
/// the first and last time of the set (open intervals: a touch is not a loss).
fn piece_loss(
    q0: f64,
    q1: f64,
    q2: f64,
    t_end: f64,
    (h_lo, h_hi): (f64, f64),
    v_sep: f64,
) -> Option<(f64, f64)> {
    if q2 == 0.0 {
        let (lo, hi) = vertical_interval(q0, q1, v_sep)?;
        let lo = lo.max(h_lo).max(0.0);
        let hi = hi.min(h_hi).min(t_end);
        return (lo < hi).then_some((lo, hi));
    }
    let mut pts = Points::default();
    pts.push(0.0);
    roots_into(q2, q1, q0 - v_sep, t_end, &mut pts);
    roots_into(q2, q1, q0 + v_sep, t_end, &mut pts);
    for h in [h_lo, h_hi] {
        if h > 0.0 && h < t_end {
            pts.push(h);
        }
    }
    pts.push(t_end);
    let pts = &mut pts.t[..pts.n];
    pts.sort_unstable_by(f64::total_cmp);
    let mut found: Option<(f64, f64)> = None;
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        if b <= a {
            continue;
        }
        let m = 0.5 * (a + b);
        if m > h_lo && m < h_hi && (q0 + m * (q1 + m * q2)).abs() < v_sep {
            found = Some(match found {
                None => (a, b),
                Some((f, _)) => (f, b),
            });
        }
    }
    found
}

impl Ctx<'_> {
    /// Flies the unmanoeuvred horizontal path with the vertical profile `p` against every
    /// intruder.
    pub fn vertical(&self, p: &VProfile) -> Outcome {
        let horizon = self.horizon_s();
        let segs = p.segs();
        let mut out = Outcome::CLEAR;
        for &i in &self.on_path {
            let intr = &self.traffic[i];
            let h = self.horizontal[i];
            let Some(h_sep) = h.sep else { continue };
            for (j, s) in segs.iter().enumerate() {
                if s.start_s >= horizon
                    || s.start_s >= h_sep.1
                    || (self.first_only() && s.start_s >= out.t_in_s)
                {
                    break;
                }
                let end = segs.get(j + 1).map_or(horizon, |n| n.start_s.min(horizon));
                let dur = end - s.start_s;
                if dur <= 0.0 {
                    continue;
                }
                let q0 = intr.alt_ft + intr.vs_fps * s.start_s - s.alt_ft;
                let q1 = intr.vs_fps - s.vs_fps;
                let q2 = -0.5 * s.acc_fps2;
                let shift = |(lo, hi): (f64, f64)| (lo - s.start_s, hi - s.start_s);
                if let Some((lo, hi)) = piece_loss(q0, q1, q2, dur, shift(h_sep), self.sep.v_sep_ft)
                {
                    let mut o = Outcome {
                        t_in_s: s.start_s + lo,
                        t_out_s: s.start_s + hi,
                        nmac: false,
                    };
                    if let (Some((_, v_ft)), Some(hn)) = (self.nmac, h.nmac) {
                        o.nmac = piece_loss(q0, q1, q2, dur, shift(hn), v_ft).is_some();
                    }
                    out = out.merge(o);
                }
            }
        }
        out
    }

    /// The ownship flying straight on: its current trajectory, and the intruder it loses
    /// separation with first. Intruders with the same time to loss are told apart by `key`
    /// (the smallest wins), so that the answer does not depend on the order they come in.
    pub fn current<K: Ord>(&self, own: &Own, key: impl Fn(usize) -> K) -> (Outcome, Option<usize>) {
        let mut out = Outcome::CLEAR;
        let mut first: Option<usize> = None;
        for i in 0..self.traffic.len() {
            let o = self.piece(&own.k0, i, 0.0, f64::INFINITY);
            let sooner = o.t_in_s < out.t_in_s;
            let tied = o.t_in_s == out.t_in_s && first.is_some_and(|f| key(i) < key(f));
            if sooner || tied {
                first = Some(i);
            }
            out = out.merge(o);
        }
        (out, first)
    }
}

/// Feet per second per foot per minute.
pub(crate) const FPS_PER_FPM: f64 = 1.0 / S_PER_MIN;

/// Vertical acceleration, feet per second squared, from metres per second squared.
#[inline]
pub(crate) fn fps2(mps2: f64) -> f64 {
    mps2 * FT_PER_M
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_change_ends_at_the_target_with_bounded_rate() {
        let a = 6.0;
        for &(z0, w0, h) in &[
            (30_000.0, 0.0, 31_000.0),
            (30_000.0, 0.0, 30_100.0),
            (30_000.0, 40.0, 29_000.0),
            (30_000.0, -50.0, 30_050.0),
            (30_000.0, 60.0, 36_000.0),
            (30_000.0, 60.0, 30_400.0),
            (30_000.0, 20.0, 30_000.0 + 20.0 * 20.0 / 12.0),
        ] {
            let p = VProfile::level_change(z0, w0, h, 25.0, a, false);
            let last = p.segs()[p.segs().len() - 1];
            assert_eq!((last.alt_ft, last.vs_fps, last.acc_fps2), (h, 0.0, 0.0));
            // The pieces join continuously and reach the target without a jump.
            for w in p.segs().windows(2) {
                let dt = w[1].start_s - w[0].start_s;
                let z = w[0].alt_ft + w[0].vs_fps * dt + 0.5 * w[0].acc_fps2 * dt * dt;
                let v = w[0].vs_fps + w[0].acc_fps2 * dt;
                assert!((z - w[1].alt_ft).abs() < 1e-6, "{z0} {w0} {h}: {p:?}");
                assert!((v - w[1].vs_fps).abs() < 1e-9, "{z0} {w0} {h}: {p:?}");
                assert!(w[0].acc_fps2.abs() <= a);
                assert!(w[0].vs_fps.abs() <= 25f64.max(w0.abs()) + 1e-9);
            }
        }
    }

    #[test]
    fn vertical_piece_loss_is_exact_on_a_parabola() {
        // q(t) = 2000 - t^2: |q| < 1000 for t in (sqrt 1000, sqrt 3000).
        let (lo, hi) = piece_loss(
            2000.0,
            0.0,
            -1.0,
            100.0,
            (f64::NEG_INFINITY, f64::INFINITY),
            1000.0,
        )
        .expect("loss");
        assert!((lo - 1000f64.sqrt()).abs() < 1e-9 && (hi - 3000f64.sqrt()).abs() < 1e-9);
        // The same clipped by a horizontal window (40 s, 50 s).
        let (lo, hi) = piece_loss(2000.0, 0.0, -1.0, 100.0, (40.0, 50.0), 1000.0).expect("loss");
        assert_eq!((lo, hi), (40.0, 50.0));
        let (lo, hi) = piece_loss(2000.0, 0.0, -1.0, 100.0, (20.0, 60.0), 1000.0).expect("loss");
        assert_eq!((lo, hi), (1000f64.sqrt(), 3000f64.sqrt()));
        // Touching the minimum is not a loss: q(t) = 1000 + (t - 5)^2 never goes below 1000.
        assert_eq!(
            piece_loss(
                1025.0,
                -10.0,
                1.0,
                100.0,
                (f64::NEG_INFINITY, f64::INFINITY),
                1000.0
            ),
            None
        );
    }
}
