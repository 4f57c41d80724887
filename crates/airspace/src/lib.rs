//! Deconflict's airspace core: 4D reservations, exact overlaps, hazard zones and predicted
//! intrusions. Pure: no I/O, no async, no clock — times are passed in as UNIX seconds.
//!
//! - [`volume`]: [`Volume`], [`Shape`], [`Reservation`], [`Purpose`], [`ReservationState`],
//!   validation ([`Volume::validate`], [`validate_volumes`]) with [`VolumeError`].
//! - [`overlap`]: [`overlaps`] — polygon intersection (`geo` boolean operations, areas in m²) ×
//!   altitude overlap × time overlap; touching is not overlapping.
//! - [`index`]: [`ReservationIndex`] — an `rstar` R-tree over volume boxes answering filing
//!   checks against every other party's live reservations.
//! - [`intrusion`]: [`IntrusionDetector`] (per-cycle predicted entries of live aircraft into
//!   watched volumes, with time to entry and entry point) and [`IntrusionAlerts`] (stable alerts).
//! - [`formats`]: ASTM F3548 `Volume4D` JSON, GeoJSON in and out, OpenAir text.
//! - [`geom`]: the local azimuthal equidistant plane all exact computations use (continuous across
//!   the antimeridian) and great-circle helpers.
#![deny(missing_docs)]

pub mod formats;
pub mod geom;
pub mod index;
pub mod intrusion;
pub mod overlap;
pub mod volume;

pub use deconflict_engine::AlertEventKind;
pub use formats::FormatError;
pub use index::{ReservationIndex, ReservationOverlap};
pub use intrusion::{
    EntryPoint, Intrusion, IntrusionAlertConfig, IntrusionAlerts, IntrusionDetector,
    IntrusionEvent, IntrusionPrediction, IntrusionScan,
};
pub use overlap::{overlaps, GeoJsonGeometry, Overlap};
pub use volume::{
    time_span, validate_volumes, LatLon, Purpose, Reservation, ReservationError, ReservationState,
    Shape, Volume, VolumeError,
};
