//! Resolution advice: the smallest change in each dimension and direction that clears every
//! conflict, and a preferred direction implicitly coordinated between the two aircraft of the
//! most urgent pair.
//!
//! The change is read off the bands: the clear band nearest to the current value on each side
//! (on the recovery bands instead when the dimension is in recovery). For the track, right
//! turns are only read on the right half of the circle and left turns on the left, as they
//! were flown.
//!
//! Implicit coordination follows DAIDALUS's repulsive criteria: both aircraft of a pair
//! compute the same sign from the relative geometry, and each prefers the direction that
//! pushes it the same way, so they are never both told to manoeuvre into each other.
//! - Horizontal (track, ground speed): `eps = sign(det(r, v))`, the sense in which the
//!   intruder passes (`r`, `v` the intruder's relative position and velocity in the
//!   midpoint tangent plane, `det` their cross product along the plane's normal). From the
//!   intruder's side `r` and `v` are both negated, so `det` and `eps` are the same (bit for
//!   bit, the projection being symmetric). A resolution is *repulsive* when it makes
//!   `eps * det(r, v)` grow; each aircraft prefers its nearest repulsive resolution, so both
//!   add to the miss distance in the same sense. A pair exactly on a collision course
//!   (`det = 0`) uses `eps = +1` on both sides.
//! - Vertical (vertical speed, altitude): the aircraft above the other at the closest
//!   approach prefers up, the other down; at equal altitudes the aircraft with the smaller id
//!   (byte order) goes up.
//!
//! When the coordinated direction has no resolution, the other one is given with basis
//! [`Basis::Nearest`].

use super::band::{BandLevel, Interval};
use super::eval::Own;
use crate::geodesy::{dot, relative, Kinematics, Vec3};
use crate::state::AircraftState;
use crate::units::MPS_PER_KT;

/// A direction of turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum TurnDirection {
    /// Anticlockwise seen from above.
    Left,
    /// Clockwise seen from above.
    Right,
}

/// A direction of change of a value (ground speed, vertical speed, altitude).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Sense {
    /// Slower, lower vertical speed, lower level.
    Down,
    /// Faster, higher vertical speed, higher level.
    Up,
}

/// Why a direction is preferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Basis {
    /// Implicitly coordinated with the most urgent intruder.
    Coordinated,
    /// The coordinated direction has no resolution (or there is no pair to coordinate with):
    /// the nearest resolution.
    Nearest,
}

/// Track advice.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TrackAdvice {
    /// Turn left to this track (degrees true, [0, 360)), the smallest left turn that clears.
    pub left_deg: Option<f64>,
    /// Turn right to this track, the smallest right turn that clears.
    pub right_deg: Option<f64>,
    /// The preferred direction.
    pub preferred: Option<TurnDirection>,
    /// Why it is preferred.
    pub basis: Option<Basis>,
    /// No track is clear: the values are recovery manoeuvres.
    pub recovery: bool,
    /// In recovery, when separation is regained, seconds (`None`, and no values, when no
    /// candidate avoids the collision volume and regains separation within the recovery
    /// horizon).
    pub time_to_recovery_s: Option<f64>,
}

/// Ground-speed advice.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GsAdvice {
    /// Slow to at most this ground speed, knots.
    pub slower_kt: Option<f64>,
    /// Speed up to at least this ground speed, knots.
    pub faster_kt: Option<f64>,
    /// The preferred direction.
    pub preferred: Option<Sense>,
    /// Why it is preferred.
    pub basis: Option<Basis>,
    /// No ground speed is clear: the values are recovery manoeuvres.
    pub recovery: bool,
    /// In recovery, when separation is regained, seconds.
    pub time_to_recovery_s: Option<f64>,
}

/// Vertical-speed advice.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct VsAdvice {
    /// Vertical speed at most this, feet per minute (negative: descend at least this fast).
    pub down_fpm: Option<f64>,
    /// Vertical speed at least this, feet per minute (positive: climb at least this fast).
    pub up_fpm: Option<f64>,
    /// The preferred direction.
    pub preferred: Option<Sense>,
    /// Why it is preferred.
    pub basis: Option<Basis>,
    /// No vertical speed is clear: the values are recovery manoeuvres.
    pub recovery: bool,
    /// In recovery, when separation is regained, seconds.
    pub time_to_recovery_s: Option<f64>,
}

/// Altitude advice.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AltAdvice {
    /// Level at or below this altitude, feet.
    pub down_ft: Option<f64>,
    /// Level at or above this altitude, feet.
    pub up_ft: Option<f64>,
    /// The preferred direction.
    pub preferred: Option<Sense>,
    /// Why it is preferred.
    pub basis: Option<Basis>,
    /// No altitude is clear: the values are recovery manoeuvres.
    pub recovery: bool,
    /// In recovery, when separation is regained, seconds.
    pub time_to_recovery_s: Option<f64>,
}

/// Resolution advice for one aircraft.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Advice {
    /// Flying on as it is, the aircraft loses separation within the look-ahead (at an alert
    /// level). Without a conflict every resolution is `None`.
    pub conflict: bool,
    /// The band its current trajectory is in.
    pub level: BandLevel,
    /// The intruder it loses separation with first.
    pub most_urgent: Option<String>,
    /// Track advice.
    pub track: TrackAdvice,
    /// Ground-speed advice.
    pub gs: GsAdvice,
    /// Vertical-speed advice.
    pub vs: VsAdvice,
    /// Altitude advice.
    pub alt: AltAdvice,
    /// The advice in words, e.g. "turn right to 040° or left to 295°, or climb at ≥ 1,200
    /// ft/min". Values are rounded away from the conflict (whole degrees and knots, 10 ft/min,
    /// 100 ft) when the rounded value is still in the band.
    pub text: String,
}

/// What [`advise`] needs.
pub(crate) struct Inputs<'a> {
    pub ownship: &'a AircraftState,
    pub own: &'a Own,
    pub level: BandLevel,
    pub urgent: Option<(&'a AircraftState, &'a Kinematics)>,
    pub lookahead_s: f64,
    /// Right and left sides (sizes in degrees), recovery.
    pub track: (&'a [Interval], &'a [Interval], Option<Option<f64>>),
    /// Bands in values, recovery.
    pub gs: (&'a [Interval], Option<Option<f64>>),
    pub vs: (&'a [Interval], Option<Option<f64>>),
    pub alt: (&'a [Interval], Option<Option<f64>>),
}

/// The nearest resolution on one side: the value at the band's edge nearest to the current
/// value and the band's far end.
#[derive(Debug, Clone, Copy)]
struct Reach {
    edge: f64,
    far: f64,
}

fn target(recovery: Option<Option<f64>>) -> BandLevel {
    if recovery.is_some() {
        BandLevel::Recovery
    } else {
        BandLevel::None
    }
}

/// Nearest band of `level` below and above `v0` in value-space bands.
fn linear_reach(bands: &[Interval], v0: f64, level: BandLevel) -> (Option<Reach>, Option<Reach>) {
    let down = bands
        .iter()
        .filter(|b| b.level == level && b.lo <= v0)
        .map(|b| Reach {
            edge: b.hi.min(v0),
            far: b.lo,
        })
        .max_by(|a, b| a.edge.total_cmp(&b.edge));
    let up = bands
        .iter()
        .filter(|b| b.level == level && b.hi >= v0)
        .map(|b| Reach {
            edge: b.lo.max(v0),
            far: b.hi,
        })
        .min_by(|a, b| a.edge.total_cmp(&b.edge));
    (down, up)
}

/// Nearest band of `level` on one side of the track (sizes of turn, degrees).
fn turn_reach(side: &[Interval], level: BandLevel) -> Option<Reach> {
    side.iter().find(|b| b.level == level).map(|b| Reach {
        edge: b.lo,
        far: b.hi,
    })
}

/// `det(r, v)` along the midpoint plane's normal for `own` against `intr`.
fn det(own: &Kinematics, intr: &Kinematics) -> (f64, f64) {
    let g = relative(own, intr);
    let mid: Vec3 = std::array::from_fn(|i| own.pos_m[i] + intr.pos_m[i]);
    let n = dot(mid, mid).sqrt();
    let u: Vec3 = mid.map(|c| c / n);
    let (r, v) = (g.r_m, g.v_mps);
    let c = [
        r[1] * v[2] - r[2] * v[1],
        r[2] * v[0] - r[0] * v[2],
        r[0] * v[1] - r[1] * v[0],
    ];
    (dot(c, u), dot(r, r).sqrt() * dot(v, v).sqrt())
}

/// Picks among the two sides' resolutions: the nearest repulsive one, else the nearest.
fn pick<D: Copy>(options: [(Option<f64>, f64, bool, D); 2]) -> (Option<D>, Option<Basis>) {
    // (value, size of change, repulsive, direction)
    let avail: Vec<_> = options.iter().filter(|o| o.0.is_some()).collect();
    let nearest = |v: &[&(Option<f64>, f64, bool, D)]| {
        v.iter().min_by(|a, b| a.1.total_cmp(&b.1)).map(|o| o.3)
    };
    let rep: Vec<_> = avail.iter().copied().filter(|o| o.2).collect();
    if let Some(d) = nearest(&rep) {
        (Some(d), Some(Basis::Coordinated))
    } else if let Some(d) = nearest(&avail) {
        (Some(d), Some(Basis::Nearest))
    } else {
        (None, None)
    }
}

pub(crate) fn advise(inp: Inputs) -> Advice {
    let conflict = inp.level != BandLevel::None;
    let own = inp.own;
    let trk0 = inp.ownship.trk_deg.rem_euclid(360.0);
    let (gs0, vs0, alt0) = (inp.ownship.gs_kt, inp.ownship.vs_fpm, inp.ownship.alt_ft);
    let tt = target(inp.track.2);
    let right = turn_reach(inp.track.0, tt);
    let left = turn_reach(inp.track.1, tt);
    let (slower, faster) = linear_reach(inp.gs.0, gs0, target(inp.gs.1));
    let (vs_down, vs_up) = linear_reach(inp.vs.0, vs0, target(inp.vs.1));
    let (alt_down, alt_up) = linear_reach(inp.alt.0, alt0, target(inp.alt.1));
    let keep = |r: Option<Reach>| if conflict { r } else { None };
    let (right, left, slower, faster) = (keep(right), keep(left), keep(slower), keep(faster));
    let (vs_down, vs_up, alt_down, alt_up) =
        (keep(vs_down), keep(vs_up), keep(alt_down), keep(alt_up));
    let trk_of = |sign: f64, r: Option<Reach>| r.map(|r| (trk0 + sign * r.edge).rem_euclid(360.0));

    // Coordination with the most urgent intruder.
    let mut track_pref = (None, None);
    let mut gs_pref = (None, None);
    let mut vert_up: Option<bool> = None;
    if let (true, Some((is, ik))) = (conflict, inp.urgent) {
        let (d0, scale) = det(&own.k0, ik);
        let eps = if d0.abs() > 1e-12 * scale {
            d0.signum()
        } else {
            1.0
        };
        let repulsive = |vel: Vec3| {
            let k = Kinematics {
                vel_mps: vel,
                ..own.k0
            };
            eps * (det(&k, ik).0 - d0) > 0.0
        };
        let heading_vel = |trk_deg: f64| own.dir(trk_deg.to_radians()).map(|c| c * own.gs_mps);
        let speed_vel = |gs_kt: f64| own.dir(own.trk_rad).map(|c| c * gs_kt * MPS_PER_KT);
        track_pref = pick([
            (
                trk_of(-1.0, left),
                left.map_or(0.0, |r| r.edge),
                trk_of(-1.0, left).is_some_and(|t| repulsive(heading_vel(t))),
                TurnDirection::Left,
            ),
            (
                trk_of(1.0, right),
                right.map_or(0.0, |r| r.edge),
                trk_of(1.0, right).is_some_and(|t| repulsive(heading_vel(t))),
                TurnDirection::Right,
            ),
        ]);
        gs_pref = pick([
            (
                slower.map(|r| r.edge),
                slower.map_or(0.0, |r| gs0 - r.edge),
                slower.is_some_and(|r| repulsive(speed_vel(r.edge))),
                Sense::Down,
            ),
            (
                faster.map(|r| r.edge),
                faster.map_or(0.0, |r| r.edge - gs0),
                faster.is_some_and(|r| repulsive(speed_vel(r.edge))),
                Sense::Up,
            ),
        ]);
        let g = relative(&own.k0, ik);
        let v2 = dot(g.v_mps, g.v_mps);
        let tcpa = if v2 > 1e-12 {
            (-dot(g.r_m, g.v_mps) / v2).clamp(0.0, inp.lookahead_s)
        } else {
            0.0
        };
        let dz_cpa = g.dz_ft + g.dvz_fps * tcpa;
        vert_up = Some(if dz_cpa.abs() > 1e-6 {
            dz_cpa < 0.0
        } else {
            inp.ownship.id.as_bytes() < is.id.as_bytes()
        });
    }
    let vertical = |down: Option<Reach>, up: Option<Reach>, v0: f64| {
        let (down_v, up_v) = (down.map(|r| r.edge), up.map(|r| r.edge));
        match vert_up {
            None => {
                let near = pick([
                    (down_v, down_v.map_or(0.0, |d| v0 - d), false, Sense::Down),
                    (up_v, up_v.map_or(0.0, |u| u - v0), false, Sense::Up),
                ]);
                (near.0, near.1.filter(|_| conflict))
            }
            Some(want_up) => {
                let (want, other) = if want_up {
                    ((up_v, Sense::Up), (down_v, Sense::Down))
                } else {
                    ((down_v, Sense::Down), (up_v, Sense::Up))
                };
                if want.0.is_some() {
                    (Some(want.1), Some(Basis::Coordinated))
                } else if other.0.is_some() {
                    (Some(other.1), Some(Basis::Nearest))
                } else {
                    (None, None)
                }
            }
        }
    };
    let vs_pref = vertical(vs_down, vs_up, vs0);
    let alt_pref = vertical(alt_down, alt_up, alt0);
    let rec = |r: Option<Option<f64>>| (r.is_some() && conflict, r.flatten().filter(|_| conflict));

    let track = TrackAdvice {
        left_deg: trk_of(-1.0, left),
        right_deg: trk_of(1.0, right),
        preferred: track_pref.0,
        basis: track_pref.1,
        recovery: rec(inp.track.2).0,
        time_to_recovery_s: rec(inp.track.2).1,
    };
    let gs = GsAdvice {
        slower_kt: slower.map(|r| r.edge),
        faster_kt: faster.map(|r| r.edge),
        preferred: gs_pref.0,
        basis: gs_pref.1,
        recovery: rec(inp.gs.1).0,
        time_to_recovery_s: rec(inp.gs.1).1,
    };
    let vs = VsAdvice {
        down_fpm: vs_down.map(|r| r.edge),
        up_fpm: vs_up.map(|r| r.edge),
        preferred: vs_pref.0,
        basis: vs_pref.1,
        recovery: rec(inp.vs.1).0,
        time_to_recovery_s: rec(inp.vs.1).1,
    };
    let alt = AltAdvice {
        down_ft: alt_down.map(|r| r.edge),
        up_ft: alt_up.map(|r| r.edge),
        preferred: alt_pref.0,
        basis: alt_pref.1,
        recovery: rec(inp.alt.1).0,
        time_to_recovery_s: rec(inp.alt.1).1,
    };
    let text = if conflict {
        words(
            trk0,
            (left, right, track.preferred),
            (gs0, slower, faster, gs.preferred),
            (vs_down, vs_up, vs.preferred),
            (alt0, alt_down, alt_up, alt.preferred),
            [inp.track.2, inp.gs.1, inp.vs.1, inp.alt.1],
        )
    } else {
        "no conflict within the look-ahead".to_string()
    };
    Advice {
        conflict,
        level: inp.level,
        most_urgent: if conflict {
            inp.urgent.map(|(s, _)| s.id.clone())
        } else {
            None
        },
        track,
        gs,
        vs,
        alt,
        text,
    }
}

/// `x` with thousands separators, no decimals.
fn thousands(x: f64) -> String {
    let n = x.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// Rounds `edge` to a multiple of `unit` away from the current value (`dir` +1 up, -1
/// down) when the rounded value stays within the band (up to `far`); otherwise `edge`.
fn outward(edge: f64, far: f64, dir: f64, unit: f64) -> (f64, bool) {
    let r = if dir > 0.0 {
        (edge / unit - 1e-9).ceil() * unit
    } else {
        (edge / unit + 1e-9).floor() * unit
    };
    if (dir > 0.0 && r <= far) || (dir < 0.0 && r >= far) {
        (r, true)
    } else {
        (edge, false)
    }
}

fn words(
    trk0: f64,
    (left, right, trk_pref): (Option<Reach>, Option<Reach>, Option<TurnDirection>),
    (gs0, slower, faster, gs_pref): (f64, Option<Reach>, Option<Reach>, Option<Sense>),
    (vs_down, vs_up, vs_pref): (Option<Reach>, Option<Reach>, Option<Sense>),
    (alt0, alt_down, alt_up, alt_pref): (f64, Option<Reach>, Option<Reach>, Option<Sense>),
    recovery: [Option<Option<f64>>; 4],
) -> String {
    let deg = |r: Reach, sign: f64| {
        if r.edge <= 0.0 {
            return format!("hold track {:03.0}°", trk0.round().rem_euclid(360.0));
        }
        let (x, round) = outward(r.edge, r.far, 1.0, 1.0);
        let t = (trk0 + sign * x).rem_euclid(360.0);
        let side = if sign > 0.0 { "right" } else { "left" };
        if round {
            format!("turn {side} to {:03.0}°", t.round().rem_euclid(360.0))
        } else {
            format!("turn {side} to {t:05.1}°")
        }
    };
    let num = |x: f64, exact: bool| {
        if exact {
            thousands(x)
        } else {
            format!("{x:.1}")
        }
    };
    let mut parts: Vec<String> = Vec::new();
    let mut push = |mut opts: Vec<(bool, String)>, rec: Option<Option<f64>>| {
        // Preferred first.
        opts.sort_by_key(|o| !o.0);
        if opts.is_empty() {
            return;
        }
        // "turn right to 040° or turn left to 295°" reads "... or left to 295°".
        if opts.len() == 2 && opts[0].1.starts_with("turn ") && opts[1].1.starts_with("turn ") {
            opts[1].1 = opts[1].1["turn ".len()..].to_string();
        }
        let mut s = opts
            .into_iter()
            .map(|o| o.1)
            .collect::<Vec<_>>()
            .join(" or ");
        if let Some(Some(t)) = rec {
            s.push_str(&format!(" (regains separation in {t:.0} s)"));
        }
        parts.push(s);
    };
    let mut opts = Vec::new();
    if let Some(r) = right {
        opts.push((trk_pref == Some(TurnDirection::Right), deg(r, 1.0)));
    }
    if let Some(r) = left {
        let s = deg(r, -1.0);
        if !opts.iter().any(|o: &(bool, String)| o.1 == s) {
            opts.push((trk_pref == Some(TurnDirection::Left), s));
        }
    }
    push(opts, recovery[0]);

    let mut opts = Vec::new();
    if let Some(r) = slower {
        let (v, ok) = outward(r.edge, r.far, -1.0, 1.0);
        let s = if r.edge >= gs0 {
            format!("hold {} kt", num(gs0, true))
        } else {
            format!("slow to ≤ {} kt", num(v, ok))
        };
        opts.push((gs_pref == Some(Sense::Down), s));
    }
    if let Some(r) = faster {
        let (v, ok) = outward(r.edge, r.far, 1.0, 1.0);
        if r.edge > gs0 {
            opts.push((
                gs_pref == Some(Sense::Up),
                format!("speed up to ≥ {} kt", num(v, ok)),
            ));
        }
    }
    push(opts, recovery[1]);

    let mut opts = Vec::new();
    if let Some(r) = vs_down {
        let (v, ok) = outward(r.edge, r.far, -1.0, 10.0);
        let s = if v < 0.0 {
            format!("descend at ≥ {} ft/min", num(-v, ok))
        } else {
            format!("vertical speed ≤ {} ft/min", num(v, ok))
        };
        opts.push((vs_pref == Some(Sense::Down), s));
    }
    if let Some(r) = vs_up {
        let (v, ok) = outward(r.edge, r.far, 1.0, 10.0);
        let s = if v > 0.0 {
            format!("climb at ≥ {} ft/min", num(v, ok))
        } else {
            format!("vertical speed ≥ {} ft/min", num(v, ok))
        };
        opts.push((vs_pref == Some(Sense::Up), s));
    }
    push(opts, recovery[2]);

    let mut opts = Vec::new();
    let level_off = |v: f64| format!("level off at {} ft", thousands(v));
    if let Some(r) = alt_down {
        let s = if r.edge >= alt0 {
            level_off(alt0)
        } else {
            let (v, ok) = outward(r.edge, r.far, -1.0, 100.0);
            format!("descend to ≤ {} ft", num(v, ok))
        };
        opts.push((alt_pref == Some(Sense::Down), s));
    }
    if let Some(r) = alt_up {
        let s = if r.edge <= alt0 {
            level_off(alt0)
        } else {
            let (v, ok) = outward(r.edge, r.far, 1.0, 100.0);
            format!("climb to ≥ {} ft", num(v, ok))
        };
        if !opts.iter().any(|o: &(bool, String)| o.1 == s) {
            opts.push((alt_pref == Some(Sense::Up), s));
        }
    }
    push(opts, recovery[3]);
    if parts.is_empty() {
        "no single manoeuvre (track, ground speed, vertical speed or level) regains \
         separation clear of the collision volume within the horizon"
            .to_string()
    } else {
        parts.join(", or ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_words() {
        assert_eq!(thousands(1200.0), "1,200");
        assert_eq!(thousands(-35_000.4), "-35,000");
        assert_eq!(thousands(999.0), "999");
        // Rounded away from the conflict, unless that leaves the band.
        assert_eq!(outward(1143.0, 6000.0, 1.0, 10.0), (1150.0, true));
        assert_eq!(outward(-1143.0, -6000.0, -1.0, 10.0), (-1150.0, true));
        assert_eq!(outward(1143.0, 1145.0, 1.0, 10.0), (1143.0, false));
        assert_eq!(outward(40.0, 90.0, 1.0, 1.0), (40.0, true));
    }
}
