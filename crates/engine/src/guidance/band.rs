//! The band levels and label intervals shared by the band solver and the advice.

use crate::standard::{ADVISORY_LEVEL, CAUTION_LEVEL, WARNING_LEVEL};

/// What a band of manoeuvres leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum BandLevel {
    /// Clear of every intruder over the look-ahead.
    None,
    /// A loss at the advisory level ([`ADVISORY_LEVEL`]).
    Far,
    /// A loss at the caution level ([`CAUTION_LEVEL`]).
    Mid,
    /// A loss at the warning level ([`WARNING_LEVEL`]) or above.
    Near,
    /// No manoeuvre of the dimension is clear; these regain separation soonest.
    Recovery,
}

impl BandLevel {
    /// The band of an alert level (0 = no alert).
    pub fn from_alert_level(level: u8) -> BandLevel {
        match level {
            0 => BandLevel::None,
            l if l >= WARNING_LEVEL => BandLevel::Near,
            l if l >= CAUTION_LEVEL => BandLevel::Mid,
            l if l >= ADVISORY_LEVEL => BandLevel::Far,
            _ => BandLevel::Near,
        }
    }

    /// Lower-case name, as serialised.
    pub fn name(self) -> &'static str {
        match self {
            BandLevel::None => "none",
            BandLevel::Far => "far",
            BandLevel::Mid => "mid",
            BandLevel::Near => "near",
            BandLevel::Recovery => "recovery",
        }
    }

    /// Preference order: clear first, then recovery, then the alert levels by severity.
    pub(crate) fn badness(self) -> u8 {
        match self {
            BandLevel::None => 0,
            BandLevel::Recovery => 1,
            BandLevel::Far => 2,
            BandLevel::Mid => 3,
            BandLevel::Near => 4,
        }
    }
}

/// A band in a side's parameter (the size of the manoeuvre, increasing away from the current
/// value), or in absolute values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Interval {
    pub lo: f64,
    pub hi: f64,
    pub level: BandLevel,
}
