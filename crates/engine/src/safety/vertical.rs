//! Level occupancy: a vertical tracker per track, after ICAO Doc 4444.
//!
//! Doc 4444 (§ 5.3.2 / 8.5.5.1) treats an aircraft as *at* a level while its reported
//! pressure altitude stays within ±200 ft of it (RVSM: ±200 ft, the Mode C tolerance), and as
//! having *vacated* it only once it has changed by more than 300 ft in the expected
//! direction. The tracker follows that literally:
//!
//! - [`VerticalMode::Level`] holds an occupied level (the reported altitude rounded to
//!   [`VerticalConfig::level_step_ft`]) until the altitude departs from it by more than
//!   [`VerticalConfig::vacate_ft`]; the reported vertical rate is not used while level, so
//!   rate noise is never extrapolated for a level-stable aircraft;
//! - a climbing, descending or new track becomes level once its vertical rate has stayed in
//!   the dead band ([`VerticalConfig::dead_band_fpm`]) and its altitude within
//!   [`VerticalConfig::level_tolerance_ft`] of one level for
//!   [`VerticalConfig::level_confirm_s`] (the "no trend" condition).
//!
//! Inputs are the track's reported altitude, vertical rate and the time of its latest
//! update; repeated calls with the same update time change nothing.

/// Level occupancy parameters. Units are in the names.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct VerticalConfig {
    /// An aircraft is at a level while its reported altitude is within this of it, feet.
    /// Default 200 (ICAO Doc 4444, RVSM tolerance).
    pub level_tolerance_ft: f64,
    /// A level is vacated after a change of more than this from it, feet. Default 300
    /// (ICAO Doc 4444).
    pub vacate_ft: f64,
    /// Vertical rates of at most this magnitude count as level, feet per minute. Default 250:
    /// above the rate noise of 25 ft-quantised altitudes, below any intended climb.
    pub dead_band_fpm: f64,
    /// Levels are multiples of this, feet. Default 100 (flight levels and altitudes).
    pub level_step_ft: f64,
    /// How long a track must stay in the dead band at one level before it is level-stable,
    /// seconds. Default 4 (a few surveillance updates).
    pub level_confirm_s: f64,
}

impl Default for VerticalConfig {
    fn default() -> Self {
        VerticalConfig {
            level_tolerance_ft: 200.0,
            vacate_ft: 300.0,
            dead_band_fpm: 250.0,
            level_step_ft: 100.0,
            level_confirm_s: 4.0,
        }
    }
}

/// A track's vertical state.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "mode"))]
pub enum VerticalMode {
    /// Not yet classified (new track, or rate in the dead band but not yet confirmed).
    Unknown,
    /// Level-stable at `level_ft`.
    Level {
        /// The occupied level, feet.
        level_ft: f64,
    },
    /// Climbing.
    Climbing,
    /// Descending.
    Descending,
}

/// One track's vertical tracker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VerticalTracker {
    mode: VerticalMode,
    updated_s: f64,
    candidate: Option<(f64, f64)>,
}

impl Default for VerticalTracker {
    fn default() -> Self {
        VerticalTracker {
            mode: VerticalMode::Unknown,
            updated_s: f64::NEG_INFINITY,
            candidate: None,
        }
    }
}

fn round_to(x: f64, step: f64) -> f64 {
    if step > 0.0 {
        (x / step).round() * step
    } else {
        x
    }
}

impl VerticalTracker {
    /// The current mode.
    pub fn mode(&self) -> VerticalMode {
        self.mode
    }

    /// The occupied level when level-stable.
    pub fn level_ft(&self) -> Option<f64> {
        match self.mode {
            VerticalMode::Level { level_ft } => Some(level_ft),
            _ => None,
        }
    }

    /// Time of the last update applied, seconds.
    pub fn updated_s(&self) -> f64 {
        self.updated_s
    }

    /// Applies one track update (reported altitude and vertical rate at `updated_s`). An
    /// update not newer than the last one applied is ignored.
    pub fn update(&mut self, cfg: &VerticalConfig, alt_ft: f64, vs_fpm: f64, updated_s: f64) {
        if updated_s <= self.updated_s || !alt_ft.is_finite() {
            return;
        }
        self.updated_s = updated_s;
        if let VerticalMode::Level { level_ft } = self.mode {
            let dev = alt_ft - level_ft;
            if dev > cfg.vacate_ft {
                self.mode = VerticalMode::Climbing;
            } else if dev < -cfg.vacate_ft {
                self.mode = VerticalMode::Descending;
            } else {
                return;
            }
            self.candidate = None;
            return;
        }
        let vs_fpm = if vs_fpm.is_finite() { vs_fpm } else { 0.0 };
        if vs_fpm.abs() <= cfg.dead_band_fpm {
            let level = round_to(alt_ft, cfg.level_step_ft);
            match self.candidate {
                Some((cand, since))
                    if (alt_ft - cand).abs() <= cfg.level_tolerance_ft
                        && round_to(cand, cfg.level_step_ft) == cand =>
                {
                    if updated_s - since >= cfg.level_confirm_s {
                        self.mode = VerticalMode::Level { level_ft: cand };
                        self.candidate = None;
                    }
                }
                _ => self.candidate = Some((level, updated_s)),
            }
            if cfg.level_confirm_s <= 0.0 {
                self.mode = VerticalMode::Level { level_ft: level };
                self.candidate = None;
            }
        } else {
            self.candidate = None;
            self.mode = if vs_fpm > 0.0 {
                VerticalMode::Climbing
            } else {
                VerticalMode::Descending
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(samples: &[(f64, f64, f64)]) -> Vec<VerticalMode> {
        let cfg = VerticalConfig::default();
        let mut t = VerticalTracker::default();
        samples
            .iter()
            .map(|&(time, alt, vs)| {
                t.update(&cfg, alt, vs, time);
                t.mode()
            })
            .collect()
    }

    #[test]
    fn level_after_confirmation_and_rate_noise_ignored() {
        // 25 ft quantisation and +/-200 ft/min rate noise around FL350.
        let mut s = Vec::new();
        for i in 0..20 {
            let alt = if i % 2 == 0 { 34_975.0 } else { 35_025.0 };
            let vs = if i % 3 == 0 { 192.0 } else { -128.0 };
            s.push((f64::from(i), alt, vs));
        }
        let m = run(&s);
        assert_eq!(m[0], VerticalMode::Unknown);
        assert_eq!(m[4], VerticalMode::Level { level_ft: 35_000.0 });
        assert!(m[4..]
            .iter()
            .all(|x| *x == VerticalMode::Level { level_ft: 35_000.0 }));
    }

    #[test]
    fn vacated_only_after_more_than_300_ft() {
        let mut s: Vec<(f64, f64, f64)> = (0..6).map(|i| (f64::from(i), 20_000.0, 0.0)).collect();
        // A climb at 1,500 ft/min: 25 ft/s.
        for i in 1..=16 {
            s.push((5.0 + f64::from(i), 20_000.0 + 25.0 * f64::from(i), 1_500.0));
        }
        let m = run(&s);
        assert_eq!(m[5], VerticalMode::Level { level_ft: 20_000.0 });
        // 300 ft above after 12 s: still at the level; 325 ft: vacated.
        assert_eq!(m[5 + 12], VerticalMode::Level { level_ft: 20_000.0 });
        assert_eq!(m[5 + 13], VerticalMode::Climbing);
    }

    #[test]
    fn old_or_repeated_updates_are_ignored() {
        let cfg = VerticalConfig::default();
        let mut t = VerticalTracker::default();
        t.update(&cfg, 5_000.0, 2_000.0, 10.0);
        assert_eq!(t.mode(), VerticalMode::Climbing);
        t.update(&cfg, 5_000.0, -2_000.0, 10.0);
        t.update(&cfg, 5_000.0, -2_000.0, 9.0);
        assert_eq!(t.mode(), VerticalMode::Climbing);
    }
}
