//! Configuration data: the separation standard and the alert levels.
//!
//! As in NASA DAIDALUS, alert levels are data, not code: an ordered list of thresholds on the
//! time to loss of separation. The defaults are 1 = advisory (loss within the look-ahead),
//! 2 = caution (loss within 120 s), 3 = warning (loss within 60 s, or already lost).

/// Horizontal and vertical minima and look-ahead time.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct SeparationStandard {
    /// Horizontal minimum, nautical miles. Default 5.
    pub h_sep_nm: f64,
    /// Vertical minimum, feet. Default 1000.
    pub v_sep_ft: f64,
    /// Look-ahead time, seconds. Default 300.
    pub lookahead_s: f64,
}

impl Default for SeparationStandard {
    fn default() -> Self {
        SeparationStandard {
            h_sep_nm: 5.0,
            v_sep_ft: 1000.0,
            lookahead_s: 300.0,
        }
    }
}

/// Why a [`SeparationStandard`] or [`AlertLevels`] was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A value must be finite and strictly positive.
    #[error("{field} = {value} must be finite and > 0")]
    NotPositive {
        /// The field's name.
        field: &'static str,
        /// The offending value.
        value: f64,
    },
    /// Alert thresholds must have distinct levels >= 1 and non-negative times.
    #[error("invalid alert threshold for level {level}: {reason}")]
    BadThreshold {
        /// The level concerned.
        level: u8,
        /// What is wrong.
        reason: &'static str,
    },
}

impl SeparationStandard {
    /// Checks that every value is finite and positive.
    ///
    /// # Errors
    /// [`ConfigError::NotPositive`] naming the first bad field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (field, value) in [
            ("h_sep_nm", self.h_sep_nm),
            ("v_sep_ft", self.v_sep_ft),
            ("lookahead_s", self.lookahead_s),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err(ConfigError::NotPositive { field, value });
            }
        }
        Ok(())
    }

    /// Horizontal minimum, metres.
    pub fn h_sep_m(&self) -> f64 {
        self.h_sep_nm * crate::units::M_PER_NM
    }
}

/// One alert threshold: a conflict whose time to loss is at most `t_in_max_s` (or any conflict
/// within the look-ahead when `None`) is at least at `level`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct AlertThreshold {
    /// Alert level, 1 = least severe.
    pub level: u8,
    /// Largest time to loss of separation for this level, seconds; `None` = whole look-ahead.
    pub t_in_max_s: Option<f64>,
}

/// The alert levels, as an ordered list of thresholds.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct AlertLevels {
    /// Thresholds; a conflict gets the highest level whose threshold it meets.
    pub thresholds: Vec<AlertThreshold>,
}

impl Default for AlertLevels {
    fn default() -> Self {
        AlertLevels::advisory_caution_warning(120.0, 60.0)
    }
}

impl AlertLevels {
    /// The three usual levels: 1 = advisory (loss within the look-ahead), 2 = caution (within
    /// `caution_s`), 3 = warning (within `warning_s`, or already lost).
    pub fn advisory_caution_warning(caution_s: f64, warning_s: f64) -> Self {
        AlertLevels {
            thresholds: vec![
                AlertThreshold {
                    level: 1,
                    t_in_max_s: None,
                },
                AlertThreshold {
                    level: 2,
                    t_in_max_s: Some(caution_s),
                },
                AlertThreshold {
                    level: 3,
                    t_in_max_s: Some(warning_s),
                },
            ],
        }
    }

    /// Level of a conflict that loses separation at `t_in_s` (0 = already lost). Returns 0 when
    /// no threshold applies.
    pub fn level_for(&self, t_in_s: f64) -> u8 {
        self.thresholds
            .iter()
            .filter(|t| t.t_in_max_s.is_none_or(|max| t_in_s <= max))
            .map(|t| t.level)
            .max()
            .unwrap_or(0)
    }

    /// Checks levels are >= 1 and distinct and times finite and non-negative.
    ///
    /// # Errors
    /// [`ConfigError::BadThreshold`].
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (i, t) in self.thresholds.iter().enumerate() {
            if t.level == 0 {
                return Err(ConfigError::BadThreshold {
                    level: 0,
                    reason: "levels start at 1",
                });
            }
            if self.thresholds[..i].iter().any(|o| o.level == t.level) {
                return Err(ConfigError::BadThreshold {
                    level: t.level,
                    reason: "duplicate level",
                });
            }
            if let Some(max) = t.t_in_max_s {
                if !(max.is_finite() && max >= 0.0) {
                    return Err(ConfigError::BadThreshold {
                        level: t.level,
                        reason: "t_in_max_s must be finite and >= 0",
                    });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_levels() {
        let l = AlertLevels::default();
        assert_eq!(l.level_for(0.0), 3);
        assert_eq!(l.level_for(60.0), 3);
        assert_eq!(l.level_for(60.1), 2);
        assert_eq!(l.level_for(120.0), 2);
        assert_eq!(l.level_for(121.0), 1);
        assert_eq!(l.level_for(299.0), 1);
        assert!(l.validate().is_ok());
    }

    #[test]
    fn rejects_bad_config() {
        let s = SeparationStandard {
            h_sep_nm: 0.0,
            ..Default::default()
        };
        assert!(s.validate().is_err());
        let l = AlertLevels {
            thresholds: vec![AlertThreshold {
                level: 0,
                t_in_max_s: None,
            }],
        };
        assert!(l.validate().is_err());
    }
}
