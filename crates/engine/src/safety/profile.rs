//! The pair test over a vertical profile with a level-off: the exact test of the safety net.
//!
//! The pure detector ([`crate::cpa::pair_conflict`]) extrapolates both aircraft linearly. A
//! [`Profile`] keeps the same horizontal motion but may level off: the altitude follows the
//! vertical rate until `level_off_s`, then stays constant (an aircraft captured by its
//! selected altitude). The relative altitude is then piecewise linear with at most three
//! pieces over the look-ahead; the vertical loss set is the union of one slab interval per
//! piece, intersected with the horizontal circle interval. Without a level-off the result
//! is bit-identical to [`crate::cpa::pair_conflict`] (property-tested).

use crate::cpa::{closest_approach, vertical_interval, PairConflict};
use crate::geodesy::Kinematics;
use crate::standard::SeparationStandard;
use crate::units::M_PER_NM;

/// One aircraft's predicted motion: linear horizontally, linear vertically until
/// `level_off_s` (seconds from now, `f64::INFINITY` for none), then level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// Kinematics at now (the vertical rate is the rate before the level-off).
    pub kin: Kinematics,
    /// When the aircraft levels off, seconds from now (>= 0, or infinite).
    pub level_off_s: f64,
    /// The altitude it levels off at, feet (kept exactly, e.g. the selected altitude; unused
    /// without a level-off).
    pub level_alt_ft: f64,
}

impl Profile {
    /// A profile levelling off at `level_alt_ft`, reached at the current vertical rate
    /// (linear when the rate is zero or points away from it).
    pub fn level_off(kin: Kinematics, level_alt_ft: f64) -> Self {
        let t = (level_alt_ft - kin.alt_ft) / kin.vs_fps;
        if t.is_finite() && t >= 0.0 {
            Profile {
                kin,
                level_off_s: t,
                level_alt_ft,
            }
        } else {
            Profile::linear(kin)
        }
    }

    /// A linear profile.
    pub fn linear(kin: Kinematics) -> Self {
        Profile {
            kin,
            level_off_s: f64::INFINITY,
            level_alt_ft: kin.alt_ft,
        }
    }

    /// Altitude at `t_s` seconds from now, feet.
    pub fn alt_at_ft(&self, t_s: f64) -> f64 {
        if t_s >= self.level_off_s {
            self.level_alt_ft
        } else {
            self.kin.alt_ft + self.kin.vs_fps * t_s
        }
    }

    /// Vertical rate at `t_s`, feet per second.
    fn vs_at_fps(&self, t_s: f64) -> f64 {
        if t_s < self.level_off_s {
            self.kin.vs_fps
        } else {
            0.0
        }
    }
}

/// The pair test over two profiles with standard `std`: `Some` when they lose separation
/// within the look-ahead. Same conventions as [`crate::cpa::pair_conflict`]: strict minima,
/// `t_in_s` in `[0, lookahead)`, `t_out_s` the end of the first continuous loss, clipped.
pub fn profile_conflict(
    a: &Profile,
    b: &Profile,
    std: &SeparationStandard,
) -> Option<PairConflict> {
    let t_max = std.lookahead_s;
    if a.level_off_s >= t_max && b.level_off_s >= t_max {
        // One piece: exactly the linear test.
        return crate::cpa::pair_conflict(&a.kin, &b.kin, std);
    }
    let (tcpa_s, dcpa_m, _, h) = closest_approach(&a.kin, &b.kin, std.h_sep_nm * M_PER_NM);
    let (hlo, hhi) = h?;
    // Piece boundaries in (0, t_max).
    let mut cuts = [0.0, t_max, t_max, t_max];
    let mut n = 1;
    for t in [a.level_off_s, b.level_off_s] {
        if t > 0.0 && t < t_max {
            cuts[n] = t;
            n += 1;
        }
    }
    cuts[..n].sort_by(f64::total_cmp);
    cuts[n] = t_max;
    let mut t_in: Option<f64> = None;
    let mut t_out = 0.0;
    for w in cuts[..=n].windows(2) {
        let (s, e) = (w[0], w[1]);
        if e <= s {
            continue;
        }
        let dz = b.alt_at_ft(s) - a.alt_at_ft(s);
        let mid = 0.5 * (s + e);
        let dvz = b.vs_at_fps(mid) - a.vs_at_fps(mid);
        let Some((vlo, vhi)) = vertical_interval(dz, dvz, std.v_sep_ft) else {
            if t_in.is_some() {
                break;
            }
            continue;
        };
        // The first piece also covers the past (the loss may have begun before now); the
        // last one runs beyond the look-ahead.
        let lo_bound = if s == 0.0 { f64::NEG_INFINITY } else { s };
        let hi_bound = if e >= t_max { f64::INFINITY } else { e };
        let lo = (s + vlo).max(lo_bound).max(hlo);
        let hi = (s + vhi).min(hi_bound).min(hhi);
        if lo < hi && lo < t_max && hi > 0.0 {
            match t_in {
                None => {
                    t_in = Some(lo.max(0.0));
                    t_out = hi;
                }
                Some(_) if lo <= t_out => t_out = t_out.max(hi),
                Some(_) => break,
            }
        } else if t_in.is_some() {
            break;
        }
    }
    let t_in_s = t_in?;
    let tc = tcpa_s;
    let vsep_cpa_ft = (b.alt_at_ft(tc) - a.alt_at_ft(tc)).abs();
    Some(PairConflict {
        tcpa_s,
        dcpa_m,
        vsep_cpa_ft,
        t_in_s,
        t_out_s: t_out.min(t_max),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpa::pair_conflict;
    use crate::state::AircraftState;
    use proptest::prelude::*;

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

    /// Slow reference: sample the loss condition every 0.05 s.
    fn sampled(a: &Profile, b: &Profile, std: &SeparationStandard) -> Option<(f64, f64)> {
        let d = std.h_sep_nm * M_PER_NM;
        let mut t_in = None;
        let mut t = 0.0;
        while t <= std.lookahead_s {
            let g = crate::geodesy::relative(&a.kin, &b.kin);
            let r: [f64; 3] = std::array::from_fn(|i| g.r_m[i] + g.v_mps[i] * t);
            let h = crate::geodesy::dot(r, r).sqrt();
            let dz = (b.alt_at_ft(t) - a.alt_at_ft(t)).abs();
            let inside = h < d && dz < std.v_sep_ft;
            match (inside, t_in) {
                (true, None) => t_in = Some((t, t)),
                (true, Some((s, _))) => t_in = Some((s, t)),
                (false, Some(_)) => return t_in,
                _ => {}
            }
            t += 0.05;
        }
        t_in
    }

    #[test]
    fn level_off_below_the_other_removes_the_conflict() {
        // Head-on, 20 NM apart at 480 kt each; A climbs from FL300 at 2,000 ft/min.
        let std = SeparationStandard::default();
        let a = k(0.0, 0.0, 30_000.0, 480.0, 90.0, 2_000.0);
        let b = k(0.0, 20.0 / 60.0, 34_000.0, 480.0, 270.0, 0.0);
        // Linear: A passes FL340 while they close.
        assert!(pair_conflict(&a, &b, &std).is_some());
        // Captured at FL330 (90 s): 1,000 ft below B, separated.
        let capped = Profile::level_off(a, 33_000.0);
        assert!((capped.level_off_s - 90.0).abs() < 1e-9);
        assert!(profile_conflict(&capped, &Profile::linear(b), &std).is_none());
        // Captured at FL340, B's level: a conflict from the level-off on, and beyond.
        let bust = Profile::level_off(a, 34_000.0);
        let c = profile_conflict(&bust, &Profile::linear(b), &std).expect("conflict");
        // In loss from 1,000 ft below B (90 s) until they pass (horizontal exit, 93.9 s).
        assert!((c.t_in_s - 90.0).abs() < 1e-6, "{c:?}");
        assert!((c.t_out_s - 93.885).abs() < 0.01, "{c:?}");
    }

    #[test]
    fn level_off_creates_a_conflict_the_linear_test_misses() {
        // A climbs through B's level long before they meet; captured at B's level it stays.
        let std = SeparationStandard::default();
        let a = k(0.0, 0.0, 20_000.0, 300.0, 90.0, 4_000.0);
        let b = k(0.0, 30.0 / 60.0, 24_000.0, 300.0, 270.0, 0.0);
        assert!(pair_conflict(&a, &b, &std).is_none());
        let capped = Profile::level_off(a, 24_000.0);
        let c = profile_conflict(&capped, &Profile::linear(b), &std).expect("conflict");
        assert!(c.vsep_cpa_ft < 1.0, "{c:?}");
    }

    proptest! {
        #[test]
        fn linear_profiles_match_the_linear_test(
            lat in -60.0f64..60.0, dlat in -0.3f64..0.3, dlon in -0.3f64..0.3,
            alt in 1_000.0f64..40_000.0, dalt in -3_000.0f64..3_000.0,
            gs1 in 0.0f64..600.0, gs2 in 0.0f64..600.0,
            t1 in 0.0f64..360.0, t2 in 0.0f64..360.0,
            v1 in -4_000.0f64..4_000.0, v2 in -4_000.0f64..4_000.0,
        ) {
            let std = SeparationStandard::default();
            let a = k(lat, 10.0, alt, gs1, t1, v1);
            let b = k(lat + dlat, 10.0 + dlon, alt + dalt, gs2, t2, v2);
            prop_assert_eq!(
                profile_conflict(&Profile::linear(a), &Profile::linear(b), &std),
                pair_conflict(&a, &b, &std)
            );
        }

        #[test]
        fn level_off_matches_a_sampled_reference(
            dlat in -0.2f64..0.2, dlon in -0.2f64..0.2,
            alt in 5_000.0f64..30_000.0, dalt in -4_000.0f64..4_000.0,
            gs1 in 100.0f64..500.0, gs2 in 100.0f64..500.0,
            t1 in 0.0f64..360.0, t2 in 0.0f64..360.0,
            v1 in -4_000.0f64..4_000.0, v2 in -4_000.0f64..4_000.0,
            l1 in 0.0f64..400.0, l2 in 0.0f64..400.0,
        ) {
            let std = SeparationStandard::default();
            let (ka, kb) = (k(45.0, 5.0, alt, gs1, t1, v1), k(45.0 + dlat, 5.0 + dlon, alt + dalt, gs2, t2, v2));
            let a = Profile { kin: ka, level_off_s: l1, level_alt_ft: ka.alt_ft + ka.vs_fps * l1 };
            let b = Profile { kin: kb, level_off_s: l2, level_alt_ft: kb.alt_ft + kb.vs_fps * l2 };
            let exact = profile_conflict(&a, &b, &std).map(|c| (c.t_in_s, c.t_out_s));
            let slow = sampled(&a, &b, &std);
            match (exact, slow) {
                (Some((i, o)), Some((si, so))) => {
                    prop_assert!((i - si).abs() <= 0.06, "{:?} {:?}", exact, slow);
                    prop_assert!((o - so).abs() <= 0.06 || o >= std.lookahead_s - 0.06, "{:?} {:?}", exact, slow);
                }
                // A loss shorter than the sampling step may be missed by the reference.
                (Some((i, o)), None) => prop_assert!(o - i < 0.1, "{:?}", exact),
                (None, Some((si, so))) => prop_assert!(so - si < 0.1, "{:?}", slow),
                (None, None) => {}
            }
        }
    }
}
