//! Manoeuvre performance: the data that says how fast an aircraft can turn, accelerate, change
//! its vertical speed and change level, and which values the bands range over.
//!
//! The parameters are those of NASA DAIDALUS (`turn_rate` / `bank_angle`, `horizontal_accel`,
//! `vertical_accel`, `vertical_rate`, `min_hs`/`max_hs`, `min_vs`/`max_vs`,
//! `min_alt`/`max_alt`, `step_hdir`/`step_hs`/`step_vs`/`step_alt`), with the unit in each name.
//! [`ManoeuvreModel::default`] is DAIDALUS's default configuration for the ranges and steps,
//! with the dynamics of a generic aeroplane; [`Category::model`] gives representative figures
//! for airliners, fighters, helicopters and small drones (see `docs/guidance.md` for sources).

use crate::units::{MPS_PER_KT, M_PER_FT, S_PER_MIN};

/// Standard acceleration of gravity, metres per second squared (CGPM 1901, ISO 80000-3).
pub const STANDARD_GRAVITY_MPS2: f64 = 9.806_65;

/// Most candidates one band dimension may have (range / step); more is a configuration error.
pub const MAX_CANDIDATES: usize = 20_000;

/// How an aircraft turns.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum TurnPerformance {
    /// A constant rate of turn, degrees per second (ICAO rate one: 3 deg/s).
    RateDps(f64),
    /// A constant bank angle, degrees; the rate of turn is then `g tan(bank) / ground speed`
    /// (coordinated level turn, no wind).
    BankDeg(f64),
}

impl TurnPerformance {
    /// Rate of turn at ground speed `gs_mps` (metres per second), radians per second.
    /// Infinite for a bank angle at zero ground speed.
    pub fn rate_rps(&self, gs_mps: f64) -> f64 {
        match *self {
            TurnPerformance::RateDps(r) => r.to_radians(),
            TurnPerformance::BankDeg(b) => STANDARD_GRAVITY_MPS2 * b.to_radians().tan() / gs_mps,
        }
    }
}

/// Manoeuvre performance and band ranges of one aircraft.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct ManoeuvreModel {
    /// How the aircraft turns. Default a rate of 3 deg/s.
    pub turn: TurnPerformance,
    /// Step between candidate track angles, degrees. Default 1.
    pub track_step_deg: f64,
    /// Lowest ground speed of the bands, knots. Default 10.
    pub gs_min_kt: f64,
    /// Highest ground speed of the bands, knots. Default 700.
    pub gs_max_kt: f64,
    /// Step between candidate ground speeds, knots. Default 5.
    pub gs_step_kt: f64,
    /// Acceleration and deceleration along the track, metres per second squared. Default 2.
    pub gs_accel_mps2: f64,
    /// Lowest vertical speed of the bands, feet per minute. Default -6000.
    pub vs_min_fpm: f64,
    /// Highest vertical speed of the bands, feet per minute. Default 6000.
    pub vs_max_fpm: f64,
    /// Step between candidate vertical speeds, feet per minute. Default 100.
    pub vs_step_fpm: f64,
    /// Vertical acceleration for vertical-speed and level changes, metres per second squared.
    /// Default 2.45 (0.25 g, the ACAS II pilot response model).
    pub vs_accel_mps2: f64,
    /// Lowest altitude of the bands, feet. Default 100.
    pub alt_min_ft: f64,
    /// Highest altitude of the bands, feet. Default 50 000.
    pub alt_max_ft: f64,
    /// Step between candidate altitudes, feet. Default 100.
    pub alt_step_ft: f64,
    /// Vertical speed used to climb or descend to a candidate altitude, feet per minute
    /// (magnitude). Default 1500 (ICAO Doc 8168 PANS-OPS).
    pub alt_rate_fpm: f64,
}

impl Default for ManoeuvreModel {
    fn default() -> Self {
        ManoeuvreModel {
            turn: TurnPerformance::RateDps(3.0),
            track_step_deg: 1.0,
            gs_min_kt: 10.0,
            gs_max_kt: 700.0,
            gs_step_kt: 5.0,
            gs_accel_mps2: 2.0,
            vs_min_fpm: -6000.0,
            vs_max_fpm: 6000.0,
            vs_step_fpm: 100.0,
            vs_accel_mps2: 0.25 * STANDARD_GRAVITY_MPS2,
            alt_min_ft: 100.0,
            alt_max_ft: 50_000.0,
            alt_step_ft: 100.0,
            alt_rate_fpm: 1500.0,
        }
    }
}

/// Why a [`ManoeuvreModel`] or [`super::GuidanceConfig`] was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A value must be finite and strictly positive.
    #[error("{field} = {value} must be finite and > 0")]
    NotPositive {
        /// The field's name.
        field: &'static str,
        /// The offending value.
        value: f64,
    },
    /// A range is empty, inverted or not finite.
    #[error("{field}: range [{min}, {max}] must be finite with min < max")]
    BadRange {
        /// The range's name.
        field: &'static str,
        /// Its lower end.
        min: f64,
        /// Its upper end.
        max: f64,
    },
    /// Range over step gives too many candidates.
    #[error("{field}: {count} candidates, more than {MAX_CANDIDATES}; use a larger step")]
    TooManyCandidates {
        /// The step's name.
        field: &'static str,
        /// Candidates the range and step would give.
        count: f64,
    },
    /// The bank angle must be in (0, 90) degrees.
    #[error("bank angle {0} deg must be in (0, 90)")]
    BadBank(f64),
    /// Ground speeds cannot be negative.
    #[error("gs_min_kt = {0} must be >= 0")]
    NegativeSpeed(f64),
}

fn positive(field: &'static str, value: f64) -> Result<(), ModelError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(ModelError::NotPositive { field, value })
    }
}

fn range(field: &'static str, min: f64, max: f64) -> Result<(), ModelError> {
    if min.is_finite() && max.is_finite() && min < max {
        Ok(())
    } else {
        Err(ModelError::BadRange { field, min, max })
    }
}

fn count(field: &'static str, span: f64, step: f64) -> Result<(), ModelError> {
    let count = span / step;
    if count > MAX_CANDIDATES as f64 {
        Err(ModelError::TooManyCandidates { field, count })
    } else {
        Ok(())
    }
}

impl ManoeuvreModel {
    /// Checks every value: rates, accelerations and steps finite and positive, ranges
    /// non-empty, at most [`MAX_CANDIDATES`] candidates per dimension.
    ///
    /// # Errors
    /// The first bad field, as a [`ModelError`].
    pub fn validate(&self) -> Result<(), ModelError> {
        match self.turn {
            TurnPerformance::RateDps(r) => positive("turn_rate_dps", r)?,
            TurnPerformance::BankDeg(b) => {
                if !(b.is_finite() && b > 0.0 && b < 90.0) {
                    return Err(ModelError::BadBank(b));
                }
            }
        }
        positive("track_step_deg", self.track_step_deg)?;
        count("track_step_deg", 360.0, self.track_step_deg)?;
        range("gs_kt", self.gs_min_kt, self.gs_max_kt)?;
        if self.gs_min_kt < 0.0 {
            return Err(ModelError::NegativeSpeed(self.gs_min_kt));
        }
        positive("gs_step_kt", self.gs_step_kt)?;
        count(
            "gs_step_kt",
            self.gs_max_kt - self.gs_min_kt,
            self.gs_step_kt,
        )?;
        positive("gs_accel_mps2", self.gs_accel_mps2)?;
        range("vs_fpm", self.vs_min_fpm, self.vs_max_fpm)?;
        positive("vs_step_fpm", self.vs_step_fpm)?;
        count(
            "vs_step_fpm",
            self.vs_max_fpm - self.vs_min_fpm,
            self.vs_step_fpm,
        )?;
        positive("vs_accel_mps2", self.vs_accel_mps2)?;
        range("alt_ft", self.alt_min_ft, self.alt_max_ft)?;
        positive("alt_step_ft", self.alt_step_ft)?;
        count(
            "alt_step_ft",
            self.alt_max_ft - self.alt_min_ft,
            self.alt_step_ft,
        )?;
        positive("alt_rate_fpm", self.alt_rate_fpm)?;
        Ok(())
    }

    /// Ground-speed acceleration, knots per second.
    pub fn gs_accel_kt_per_s(&self) -> f64 {
        self.gs_accel_mps2 / MPS_PER_KT
    }

    /// Vertical acceleration, feet per minute per second.
    pub fn vs_accel_fpm_per_s(&self) -> f64 {
        self.vs_accel_mps2 / M_PER_FT * S_PER_MIN
    }
}

/// Aircraft categories with representative manoeuvre performance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Category {
    /// Transport aeroplane (jet airliner, business jet).
    Airliner,
    /// High-performance military aeroplane.
    Fighter,
    /// Rotorcraft.
    Helicopter,
    /// Small unmanned aircraft (multirotor or small fixed wing).
    Drone,
}

impl Category {
    /// Every category, in declaration order.
    pub const ALL: [Category; 4] = [
        Category::Airliner,
        Category::Fighter,
        Category::Helicopter,
        Category::Drone,
    ];

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Category::Airliner => "airliner",
            Category::Fighter => "fighter",
            Category::Helicopter => "helicopter",
            Category::Drone => "drone",
        }
    }

    /// Reads a category from its name (any case) or from an ADS-B emitter category code
    /// (RTCA DO-260B §2.2.3.2.5.2: A1–A5 aeroplanes by weight, A6 high performance, A7
    /// rotorcraft, B6 unmanned). `None` for anything else (the caller then uses the default
    /// model).
    pub fn parse(s: &str) -> Option<Category> {
        let s = s.trim();
        match s.to_ascii_lowercase().as_str() {
            "airliner" | "a1" | "a2" | "a3" | "a4" | "a5" => Some(Category::Airliner),
            "fighter" | "a6" => Some(Category::Fighter),
            "helicopter" | "a7" => Some(Category::Helicopter),
            "drone" | "b6" => Some(Category::Drone),
            _ => None,
        }
    }

    /// Representative manoeuvre performance of the category (not the performance of any one
    /// type; see `docs/guidance.md`).
    pub fn model(self) -> ManoeuvreModel {
        let g = STANDARD_GRAVITY_MPS2;
        match self {
            Category::Airliner => ManoeuvreModel {
                turn: TurnPerformance::BankDeg(25.0),
                track_step_deg: 1.0,
                gs_min_kt: 120.0,
                gs_max_kt: 650.0,
                gs_step_kt: 5.0,
                gs_accel_mps2: 0.5,
                vs_min_fpm: -5000.0,
                vs_max_fpm: 5000.0,
                vs_step_fpm: 100.0,
                vs_accel_mps2: 0.1 * g,
                alt_min_ft: 0.0,
                alt_max_ft: 45_000.0,
                alt_step_ft: 100.0,
                alt_rate_fpm: 1500.0,
            },
            Category::Fighter => ManoeuvreModel {
                turn: TurnPerformance::BankDeg(60.0),
                track_step_deg: 1.0,
                gs_min_kt: 150.0,
                gs_max_kt: 1000.0,
                gs_step_kt: 5.0,
                gs_accel_mps2: 5.0,
                vs_min_fpm: -20_000.0,
                vs_max_fpm: 20_000.0,
                vs_step_fpm: 250.0,
                vs_accel_mps2: 0.5 * g,
                alt_min_ft: 0.0,
                alt_max_ft: 60_000.0,
                alt_step_ft: 100.0,
                alt_rate_fpm: 6000.0,
            },
            Category::Helicopter => ManoeuvreModel {
                turn: TurnPerformance::RateDps(6.0),
                track_step_deg: 1.0,
                gs_min_kt: 0.0,
                gs_max_kt: 160.0,
                gs_step_kt: 5.0,
                gs_accel_mps2: 1.5,
                vs_min_fpm: -2500.0,
                vs_max_fpm: 2500.0,
                vs_step_fpm: 100.0,
                vs_accel_mps2: 0.15 * g,
                alt_min_ft: 0.0,
                alt_max_ft: 15_000.0,
                alt_step_ft: 100.0,
                alt_rate_fpm: 1000.0,
            },
            Category::Drone => ManoeuvreModel {
                turn: TurnPerformance::RateDps(30.0),
                track_step_deg: 1.0,
                gs_min_kt: 0.0,
                gs_max_kt: 80.0,
                gs_step_kt: 2.0,
                gs_accel_mps2: 3.0,
                vs_min_fpm: -1200.0,
                vs_max_fpm: 1200.0,
                vs_step_fpm: 50.0,
                vs_accel_mps2: 2.0,
                alt_min_ft: 0.0,
                alt_max_ft: 5000.0,
                alt_step_ft: 50.0,
                alt_rate_fpm: 600.0,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_and_default_are_valid() {
        assert_eq!(ManoeuvreModel::default().validate(), Ok(()));
        for c in Category::ALL {
            assert_eq!(c.model().validate(), Ok(()), "{c:?}");
            assert_eq!(Category::parse(c.name()), Some(c));
        }
        assert_eq!(Category::parse(" A7 "), Some(Category::Helicopter));
        assert_eq!(Category::parse("b6"), Some(Category::Drone));
        assert_eq!(Category::parse("glider"), None);
    }

    #[test]
    fn bank_angle_gives_the_coordinated_turn_rate() {
        // 25 deg of bank at 480 kt: g tan 25 / v = 0.0185 rad/s, about 1.06 deg/s.
        let r = TurnPerformance::BankDeg(25.0).rate_rps(480.0 * MPS_PER_KT);
        assert!((r.to_degrees() - 1.060).abs() < 0.002, "{}", r.to_degrees());
        assert_eq!(
            TurnPerformance::RateDps(3.0).rate_rps(100.0),
            3f64.to_radians()
        );
    }

    #[test]
    fn rejects_bad_models() {
        let m = ManoeuvreModel {
            gs_min_kt: 300.0,
            gs_max_kt: 200.0,
            ..Default::default()
        };
        assert!(matches!(
            m.validate(),
            Err(ModelError::BadRange { field: "gs_kt", .. })
        ));
        let m = ManoeuvreModel {
            vs_step_fpm: 0.0,
            ..Default::default()
        };
        assert!(matches!(
            m.validate(),
            Err(ModelError::NotPositive {
                field: "vs_step_fpm",
                ..
            })
        ));
        let m = ManoeuvreModel {
            turn: TurnPerformance::BankDeg(90.0),
            ..Default::default()
        };
        assert_eq!(m.validate(), Err(ModelError::BadBank(90.0)));
        let m = ManoeuvreModel {
            alt_step_ft: 0.001,
            ..Default::default()
        };
        assert!(matches!(
            m.validate(),
            Err(ModelError::TooManyCandidates { .. })
        ));
    }
}
