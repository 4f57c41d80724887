//! Pairwise closest point of approach and loss-of-separation interval.
//!
//! For two aircraft under linear extrapolation this computes, in the midpoint tangent plane of
//! [`crate::geodesy`]:
//! - `tcpa_s`: time of closest horizontal approach (may be negative; 0 when the relative
//!   horizontal velocity is zero),
//! - `dcpa_m`: horizontal distance at `tcpa_s`,
//! - `vsep_cpa_ft`: absolute vertical separation at `tcpa_s`,
//! - the loss interval: the open horizontal-circle interval `|r + v t| < D` intersected with
//!   the open vertical-slab interval `|dz + dvz t| < H`, clipped to `[0, lookahead]`.
//!
//! Minima are strict (`<`): a pair exactly at the minimum is not in loss. Zero relative
//! velocity, zero vertical-rate difference and identical positions are handled without
//! division by zero: an interval is then either the whole real line or empty.

use crate::geodesy::{dot, relative, Kinematics};
use crate::standard::SeparationStandard;
use crate::units::M_PER_NM;

/// Relative horizontal speeds below this (metres per second squared, i.e. `|v|^2`) count as zero.
const MIN_REL_SPEED2_M2PS2: f64 = 1e-12;

/// Result of the pair test when the pair loses separation within the look-ahead.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairConflict {
    /// Time of closest horizontal approach, seconds (may be negative).
    pub tcpa_s: f64,
    /// Horizontal distance at `tcpa_s`, metres.
    pub dcpa_m: f64,
    /// Absolute vertical separation at `tcpa_s`, feet.
    pub vsep_cpa_ft: f64,
    /// Start of loss of separation, seconds from now, in `[0, lookahead)`.
    pub t_in_s: f64,
    /// End of loss of separation, seconds from now, in `(t_in_s, lookahead]`.
    pub t_out_s: f64,
}

/// The open interval of times during which `|dz + dvz t| < h`, or `None` when empty.
/// Infinite ends when the vertical-rate difference is zero.
#[inline]
pub fn vertical_interval(dz_ft: f64, dvz_fps: f64, v_sep_ft: f64) -> Option<(f64, f64)> {
    let inv = 1.0 / dvz_fps;
    // A zero rate, or one so small its reciprocal overflows (the quotients would be infinite
    // anyway): the slab holds for all time or never.
    if dvz_fps == 0.0 || !inv.is_finite() {
        return (dz_ft.abs() < v_sep_ft).then_some((f64::NEG_INFINITY, f64::INFINITY));
    }
    let t1 = (-v_sep_ft - dz_ft) * inv;
    let t2 = (v_sep_ft - dz_ft) * inv;
    let (lo, hi) = if t1 < t2 { (t1, t2) } else { (t2, t1) };
    // With a tiny non-zero rate the ends may be infinite, never NaN.
    (lo < hi).then_some((lo, hi))
}

/// Whether the vertical slab interval meets `[0, lookahead]`: the exact vertical part of the
/// pair test, shared by the broad phase so both paths decide identically.
#[inline]
pub fn vertical_possible(a: &Kinematics, b: &Kinematics, std: &SeparationStandard) -> bool {
    match vertical_interval(b.alt_ft - a.alt_ft, b.vs_fps - a.vs_fps, std.v_sep_ft) {
        Some((lo, hi)) => lo < std.lookahead_s && hi > 0.0,
        None => false,
    }
}

/// Closest approach of `b` relative to `a`: (`tcpa_s`, `dcpa_m`, `vsep_cpa_ft`), with the
/// horizontal loss interval when `dcpa_m < h_sep_m`.
#[inline]
pub fn closest_approach(
    a: &Kinematics,
    b: &Kinematics,
    h_sep_m: f64,
) -> (f64, f64, f64, Option<(f64, f64)>) {
    let g = relative(a, b);
    let v2 = dot(g.v_mps, g.v_mps);
    let tcpa_s = if v2 > MIN_REL_SPEED2_M2PS2 {
        -dot(g.r_m, g.v_mps) / v2
    } else {
        0.0
    };
    let c = [
        g.r_m[0] + g.v_mps[0] * tcpa_s,
        g.r_m[1] + g.v_mps[1] * tcpa_s,
        g.r_m[2] + g.v_mps[2] * tcpa_s,
    ];
    let d2 = dot(c, c);
    let dcpa_m = d2.sqrt();
    let vsep_cpa_ft = (g.dz_ft + g.dvz_fps * tcpa_s).abs();
    let h = if dcpa_m < h_sep_m {
        if v2 > MIN_REL_SPEED2_M2PS2 {
            let half_s = ((h_sep_m * h_sep_m - d2) / v2).sqrt();
            Some((tcpa_s - half_s, tcpa_s + half_s))
        } else {
            Some((f64::NEG_INFINITY, f64::INFINITY))
        }
    } else {
        None
    };
    (tcpa_s, dcpa_m, vsep_cpa_ft, h)
}

/// The full pair test: `Some` when `a` and `b` lose separation within the look-ahead.
#[inline]
pub fn pair_conflict(
    a: &Kinematics,
    b: &Kinematics,
    std: &SeparationStandard,
) -> Option<PairConflict> {
    let (vlo, vhi) = vertical_interval(b.alt_ft - a.alt_ft, b.vs_fps - a.vs_fps, std.v_sep_ft)?;
    if !(vlo < std.lookahead_s && vhi > 0.0) {
        return None;
    }
    let (tcpa_s, dcpa_m, vsep_cpa_ft, h) = closest_approach(a, b, std.h_sep_nm * M_PER_NM);
    let (hlo, hhi) = h?;
    let lo = hlo.max(vlo);
    let hi = hhi.min(vhi);
    if !(lo < hi && lo < std.lookahead_s && hi > 0.0) {
        return None;
    }
    Some(PairConflict {
        tcpa_s,
        dcpa_m,
        vsep_cpa_ft,
        t_in_s: lo.max(0.0),
        t_out_s: hi.min(std.lookahead_s),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::AircraftState;

    fn k(lat: f64, lon: f64, alt: f64, gs: f64, trk: f64, vs: f64) -> Kinematics {
        Kinematics::from_state(&AircraftState {
            id: "x".into(),
            party: None,
            lat_deg: lat,
            lon_deg: lon,
            alt_ft: alt,
            gs_kt: gs,
            trk_deg: trk,
            vs_fpm: vs,
        })
    }

    #[test]
    fn identical_positions_zero_relative_velocity() {
        let a = k(50.0, 8.0, 30_000.0, 0.0, 0.0, 0.0);
        let c = pair_conflict(&a, &a, &SeparationStandard::default()).expect("in loss");
        assert_eq!(
            (c.tcpa_s, c.dcpa_m, c.vsep_cpa_ft, c.t_in_s, c.t_out_s),
            (0.0, 0.0, 0.0, 0.0, 300.0)
        );
        let b = k(50.0, 8.0, 30_000.0, 450.0, 90.0, 0.0);
        let c = pair_conflict(&a, &b, &SeparationStandard::default()).expect("in loss");
        assert_eq!(c.t_in_s, 0.0);
        assert!(c.tcpa_s.abs() < 1e-9 && c.dcpa_m < 1e-6);
        assert!((c.t_out_s - 5.0 * 1852.0 / (450.0 * 1852.0 / 3600.0)).abs() < 0.1);
    }

    #[test]
    fn exact_vertical_boundary_is_not_loss() {
        let a = k(50.0, 8.0, 30_000.0, 0.0, 0.0, 0.0);
        let b = k(50.0, 8.0, 31_000.0, 0.0, 0.0, 0.0);
        assert_eq!(pair_conflict(&a, &b, &SeparationStandard::default()), None);
        let b = k(50.0, 8.0, 30_999.0, 0.0, 0.0, 0.0);
        assert!(pair_conflict(&a, &b, &SeparationStandard::default()).is_some());
    }

    #[test]
    fn vertical_interval_cases() {
        assert_eq!(
            vertical_interval(0.0, 0.0, 1000.0),
            Some((f64::NEG_INFINITY, f64::INFINITY))
        );
        assert_eq!(vertical_interval(1000.0, 0.0, 1000.0), None);
        assert_eq!(
            vertical_interval(2000.0, -10.0, 1000.0),
            Some((100.0, 300.0))
        );
        let (lo, hi) = vertical_interval(2000.0, 1e-300, 1000.0).expect("interval");
        assert!(!lo.is_nan() && !hi.is_nan());
    }

    #[test]
    fn head_on_same_level() {
        // 20 NM apart on the equator, both at 480 kt towards each other: closing 960 kt.
        let a = k(0.0, 0.0, 35_000.0, 480.0, 90.0, 0.0);
        let b = k(0.0, 20.0 / 60.0 / 1.000_67, 35_000.0, 480.0, 270.0, 0.0);
        let c = pair_conflict(&a, &b, &SeparationStandard::default()).expect("conflict");
        let d0 = crate::geodesy::horizontal_distance_m(0.0, 0.0, 0.0, 20.0 / 60.0 / 1.000_67);
        let closing = 960.0 * 1852.0 / 3600.0;
        assert!((c.tcpa_s - d0 / closing).abs() < 0.01);
        assert!(c.dcpa_m < 1.0);
        assert!((c.t_in_s - (d0 - 5.0 * 1852.0) / closing).abs() < 0.01);
    }
}
