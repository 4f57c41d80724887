//! The state of one aircraft at one instant, as the engine consumes it.
//!
//! Every feed (SBS-1, Beast, AVR, recorded state vectors, party telemetry) ends as an
//! [`AircraftState`]: a WGS-84 position, a barometric altitude and a velocity vector given as
//! ground speed, track angle and vertical rate. Units are in the field names.
//!
//! [`AircraftState::validate`] is the engine's boundary check: NaN, infinite and out-of-range
//! values are rejected with a [`StateError`] naming the field (the checks of [`crate::range`]),
//! so nothing downstream has to guard against them.

use thiserror::Error;

use crate::range::{check_range, RangeError};

/// Highest altitude the engine accepts, in feet (well above any aeroplane or balloon).
pub const MAX_ALT_FT: f64 = 200_000.0;
/// Lowest altitude the engine accepts, in feet (below the Dead Sea shore, with margin).
pub const MIN_ALT_FT: f64 = -2_000.0;
/// Highest ground speed the engine accepts, in knots (about Mach 6 at sea level).
pub const MAX_GS_KT: f64 = 4_000.0;
/// Largest vertical rate magnitude the engine accepts, in feet per minute.
pub const MAX_VS_FPM: f64 = 60_000.0;

/// One aircraft's kinematic state, as used by the detector.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AircraftState {
    /// Track identifier: an ICAO 24-bit address as six hex digits, or a party track number.
    pub id: String,
    /// Owning party, if known. Conflicts between different parties are flagged cross-party.
    pub party: Option<String>,
    /// Latitude, WGS-84, degrees north, in [-90, 90].
    pub lat_deg: f64,
    /// Longitude, WGS-84, degrees east, in [-180, 180].
    pub lon_deg: f64,
    /// Altitude, feet (barometric where available).
    pub alt_ft: f64,
    /// Ground speed, knots, >= 0.
    pub gs_kt: f64,
    /// Track angle over the ground, degrees true, any finite value (normalised to [0, 360)).
    pub trk_deg: f64,
    /// Vertical rate, feet per minute, positive climbing.
    pub vs_fpm: f64,
}

/// Why an [`AircraftState`] was rejected.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum StateError {
    /// A field is NaN, infinite or outside its allowed range.
    #[error(transparent)]
    Range(#[from] RangeError),
    /// The identifier is empty.
    #[error("id is empty")]
    EmptyId,
}

impl AircraftState {
    /// Checks every field for NaN, infinities and out-of-range values.
    ///
    /// # Errors
    /// The first offending field, as a [`StateError`].
    pub fn validate(&self) -> Result<(), StateError> {
        if self.id.is_empty() {
            return Err(StateError::EmptyId);
        }
        check_range("lat_deg", self.lat_deg, -90.0, 90.0)?;
        check_range("lon_deg", self.lon_deg, -180.0, 180.0)?;
        check_range("alt_ft", self.alt_ft, MIN_ALT_FT, MAX_ALT_FT)?;
        check_range("gs_kt", self.gs_kt, 0.0, MAX_GS_KT)?;
        check_range("trk_deg", self.trk_deg, -720.0, 720.0)?;
        check_range("vs_fpm", self.vs_fpm, -MAX_VS_FPM, MAX_VS_FPM)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> AircraftState {
        AircraftState {
            id: "4840D6".into(),
            party: Some("blue".into()),
            lat_deg: 52.0,
            lon_deg: 4.0,
            alt_ft: 35_000.0,
            gs_kt: 450.0,
            trk_deg: 90.0,
            vs_fpm: 0.0,
        }
    }

    #[test]
    fn accepts_a_normal_state() {
        assert_eq!(sample().validate(), Ok(()));
    }

    #[test]
    fn rejects_nan_and_out_of_range() {
        let mut s = sample();
        s.lat_deg = f64::NAN;
        assert_eq!(
            s.validate(),
            Err(StateError::Range(RangeError::NotFinite {
                field: "lat_deg"
            }))
        );
        let mut s = sample();
        s.lon_deg = 181.0;
        assert!(matches!(
            s.validate(),
            Err(StateError::Range(RangeError::OutOfRange {
                field: "lon_deg",
                ..
            }))
        ));
        let mut s = sample();
        s.id.clear();
        assert_eq!(s.validate(), Err(StateError::EmptyId));
    }
}
