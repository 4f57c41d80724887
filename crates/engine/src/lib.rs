//! Deconflict's pure engine: geodesy, kinematics, conflict detection and alerting.
//!
//! No I/O, no async, no clock: callers pass states and times in and get values back.
#![deny(missing_docs)]

pub mod state;

pub use state::{AircraftState, StateError};
