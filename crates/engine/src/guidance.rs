//! Guidance: which ownship manoeuvres resolve its conflicts (coarse DAIDALUS-style bands).
//!
//! For one ownship and its intruders, each candidate track angle (ground speed and vertical
//! rate kept) and each candidate vertical rate (track and speed kept) is tried by re-running
//! the exact pair test ([`crate::cpa::pair_conflict`]) against every intruder; a manoeuvre is
//! *clear* when no intruder then loses separation within the look-ahead. Manoeuvres are
//! assumed instantaneous (no turn or acceleration dynamics), as in DAIDALUS's kinematic bands
//! without turn-rate modelling.

use crate::cpa::pair_conflict;
use crate::geodesy::Kinematics;
use crate::standard::SeparationStandard;
use crate::state::AircraftState;

/// Candidate manoeuvres to evaluate.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GuidanceConfig {
    /// Step between candidate track angles, degrees. Default 10.
    pub track_step_deg: f64,
    /// Candidate vertical rates, feet per minute. Default -3000..=3000 by 1000.
    pub vs_candidates_fpm: Vec<f64>,
}

impl Default for GuidanceConfig {
    fn default() -> Self {
        GuidanceConfig {
            track_step_deg: 10.0,
            vs_candidates_fpm: vec![-3000.0, -2000.0, -1000.0, 0.0, 1000.0, 2000.0, 3000.0],
        }
    }
}

/// Result: for each candidate, whether it is clear of every intruder.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Bands {
    /// (track angle degrees true, clear) for each candidate track.
    pub track_deg: Vec<(f64, bool)>,
    /// (vertical rate feet per minute, clear) for each candidate vertical rate.
    pub vs_fpm: Vec<(f64, bool)>,
}

fn clear(own: &AircraftState, intruders: &[Kinematics], std: &SeparationStandard) -> bool {
    let k = Kinematics::from_state(own);
    intruders
        .iter()
        .all(|i| pair_conflict(&k, i, std).is_none())
}

/// Track and vertical-rate bands for `ownship` against `intruders` (states assumed valid; an
/// intruder with the ownship's id is ignored). A non-positive or non-finite track step is
/// treated as 10 degrees.
pub fn bands(
    ownship: &AircraftState,
    intruders: &[AircraftState],
    std: &SeparationStandard,
    config: &GuidanceConfig,
) -> Bands {
    let ks: Vec<Kinematics> = intruders
        .iter()
        .filter(|s| s.id != ownship.id)
        .map(Kinematics::from_state)
        .collect();
    let step = if config.track_step_deg.is_finite() && config.track_step_deg > 0.0 {
        config.track_step_deg.min(360.0)
    } else {
        10.0
    };
    let n = (360.0 / step).floor() as usize;
    let track_deg = (0..n)
        .map(|i| {
            let trk = i as f64 * step;
            (
                trk,
                clear(
                    &AircraftState {
                        trk_deg: trk,
                        ..ownship.clone()
                    },
                    &ks,
                    std,
                ),
            )
        })
        .collect();
    let vs_fpm = config
        .vs_candidates_fpm
        .iter()
        .map(|&vs| {
            (
                vs,
                clear(
                    &AircraftState {
                        vs_fpm: vs,
                        ..ownship.clone()
                    },
                    &ks,
                    std,
                ),
            )
        })
        .collect();
    Bands { track_deg, vs_fpm }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ac(id: &str, lon: f64, trk: f64) -> AircraftState {
        AircraftState {
            id: id.into(),
            party: None,
            lat_deg: 0.0,
            lon_deg: lon,
            alt_ft: 35_000.0,
            gs_kt: 480.0,
            trk_deg: trk,
            vs_fpm: 0.0,
        }
    }

    #[test]
    fn head_on_bands() {
        // Intruder 40 NM east, head-on. Flying east is not clear; turning away (west) is.
        let own = ac("OWN", 0.0, 90.0);
        let intruder = ac("INT", 40.0 / 60.0, 270.0);
        let b = bands(
            &own,
            &[intruder, own.clone()],
            &SeparationStandard::default(),
            &GuidanceConfig::default(),
        );
        let at = |t: f64| b.track_deg.iter().find(|x| x.0 == t).map(|x| x.1);
        assert_eq!(at(90.0), Some(false));
        assert_eq!(at(270.0), Some(true));
        assert_eq!(at(0.0), Some(true));
        assert_eq!(b.track_deg.len(), 36);
        // Level flight conflicts; a 3000 ft/min climb clears 1000 ft before the loss at ~2 min.
        let vs = |v: f64| b.vs_fpm.iter().find(|x| x.0 == v).map(|x| x.1);
        assert_eq!(vs(0.0), Some(false));
        assert_eq!(vs(3000.0), Some(true));
    }
}
