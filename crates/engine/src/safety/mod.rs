//! The safety net: operational alerting logic over the pure detector, for tracks.
//!
//! [`crate::detect`](mod@crate::detect) is a textbook state-based detector: it extrapolates every aircraft in a
//! snapshot linearly and judges every pair by one standard. That is what `deconflict detect`
//! runs on a snapshot. Tracks (the live cell and replay) go through this layer instead, which
//! adds what operational safety nets (EUROCONTROL STCA, FAA Conflict Alert, NASA DAIDALUS
//! alerting, SESAR enhanced STCA) add:
//!
//! - [`vertical`]: level occupancy per track (ICAO Doc 4444 ±200 ft / 300 ft);
//! - [`profile`]: the exact pair test over a profile that levels off at the selected altitude;
//! - [`confirm`]: M-of-N confirmation (DAIDALUS);
//! - [`net`]: the [`SafetyNet`] that runs them with parameter regions, inhibition volumes and
//!   declared exemptions, and counts what each filter removed.

pub mod confirm;
pub mod net;
pub mod profile;
pub mod vertical;

pub use confirm::ConfirmConfig;
pub use net::{
    Evaluation, Exemption, Filter, FilterCounts, IntentConfig, Locator, NoRegions, Placement,
    RegionParams, SafetyNet, SafetyNetConfig, TrackSample,
};
pub use vertical::{VerticalConfig, VerticalMode};
