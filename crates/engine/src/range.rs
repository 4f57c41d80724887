//! Range checks on the numbers a caller hands in: NaN and infinities are refused, and so is a
//! value outside its accepted interval, with a [`RangeError`] naming the field.
//!
//! The engine's [`AircraftState::validate`](crate::AircraftState::validate) and the airspace
//! crate's volume validation both check their numbers here, so a bad number reads the same
//! (`lat_deg is not a finite number`, `lat_deg = 91 is out of range [-90, 90]`) whichever
//! boundary refused it. Bounds are inclusive.

use thiserror::Error;

/// Why a number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Error)]
pub enum RangeError {
    /// The number is NaN or infinite.
    #[error("{field} is not a finite number")]
    NotFinite {
        /// The field's name.
        field: &'static str,
    },
    /// The number is outside its accepted range.
    #[error("{field} = {value} is out of range [{min}, {max}]")]
    OutOfRange {
        /// The field's name.
        field: &'static str,
        /// The value given.
        value: f64,
        /// Smallest accepted value.
        min: f64,
        /// Largest accepted value.
        max: f64,
    },
}

/// `value` when it is finite.
///
/// # Errors
/// [`RangeError::NotFinite`] for NaN or an infinity.
pub fn check_finite(field: &'static str, value: f64) -> Result<f64, RangeError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(RangeError::NotFinite { field })
    }
}

/// `value` when it is finite and within `[min, max]`.
///
/// # Errors
/// [`RangeError::NotFinite`] for NaN or an infinity, else [`RangeError::OutOfRange`] below
/// `min` or above `max`.
pub fn check_range(field: &'static str, value: f64, min: f64, max: f64) -> Result<f64, RangeError> {
    check_finite(field, value)?;
    if value < min || value > max {
        return Err(RangeError::OutOfRange {
            field,
            value,
            min,
            max,
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive() {
        assert_eq!(check_range("x", -1.0, -1.0, 1.0), Ok(-1.0));
        assert_eq!(check_range("x", 1.0, -1.0, 1.0), Ok(1.0));
        assert_eq!(
            check_range("x", 1.5, -1.0, 1.0),
            Err(RangeError::OutOfRange {
                field: "x",
                value: 1.5,
                min: -1.0,
                max: 1.0
            })
        );
    }

    #[test]
    fn nan_and_infinities_are_not_finite_whatever_the_range() {
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(
                check_range("x", v, f64::NEG_INFINITY, f64::INFINITY),
                Err(RangeError::NotFinite { field: "x" })
            );
            assert_eq!(
                check_finite("x", v),
                Err(RangeError::NotFinite { field: "x" })
            );
        }
        assert_eq!(check_finite("x", 1e300), Ok(1e300));
    }

    #[test]
    fn messages_name_the_field_and_range() {
        assert_eq!(
            check_range("lat_deg", 91.0, -90.0, 90.0)
                .unwrap_err()
                .to_string(),
            "lat_deg = 91 is out of range [-90, 90]"
        );
        assert_eq!(
            check_finite("alt_ft", f64::NAN).unwrap_err().to_string(),
            "alt_ft is not a finite number"
        );
    }
}
