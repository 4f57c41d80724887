//! Deconflict's pure engine: geodesy, kinematics, conflict detection and alerting.
//!
//! No I/O, no async, no clock: callers pass states and times in and get values back.
//!
//! Layers, as in NASA DAIDALUS:
//! - [`geodesy`]: kinematic core (WGS-84, ECEF, linear extrapolation, [`predict_position`]);
//! - [`cpa`]: the exact pair test (closest approach, loss-of-separation interval);
//! - [`standard`]: configuration data (separation minima, alert levels);
//! - [`detect`](mod@detect) and [`broadphase`]: all conflicts in a snapshot, fast and reference,
//!   both working on the snapshot prepared once per cycle (kinematics and id order);
//! - [`hysteresis`]: per-key alert levels raised, changed and cleared with a hold time, the
//!   mechanism under [`alerting`] (and the airspace crate's intrusion alerts);
//! - [`alerting`]: stateful alert lifecycle of conflicts with stable ids;
//! - [`safety`]: the operational layers for tracks (level occupancy, intent, M-of-N
//!   confirmation, parameter regions, inhibition, exemptions) over the detector;
//! - [`guidance`]: kinematic track, ground-speed, vertical-speed and altitude bands (none / far
//!   / mid / near, recovery) and resolution advice for one aircraft against its intruders;
//! - [`traffic`]: seeded synthetic traffic for tests and benchmarks;
//! - [`units`]: unit conversion factors (NM, ft, kt, ft/min against SI) for every crate;
//! - [`range`]: the finite-and-in-range check of input numbers ([`RangeError`]), for aircraft
//!   states here and volumes in the airspace crate.
#![deny(missing_docs)]

pub mod alerting;
pub mod broadphase;
pub mod cpa;
pub mod detect;
pub mod geodesy;
pub mod guidance;
pub mod hysteresis;
mod prepared;
pub mod range;
pub mod safety;
pub mod standard;
pub mod state;
pub mod traffic;
pub mod units;

pub use alerting::{AlertEvent, AlertEventKind, Alerting, AlertingConfig};
pub use detect::{
    detect, detect_all_pairs, Conflict, DetectError, DetectOptions, DetectStats, Detection,
    Detector,
};
pub use geodesy::predict_position;
pub use hysteresis::Hysteresis;
pub use range::RangeError;
pub use standard::{
    AlertLevels, AlertThreshold, ConfigError, SeparationStandard, ADVISORY_LEVEL, CAUTION_LEVEL,
    WARNING_LEVEL,
};
pub use state::{AircraftState, StateError};
