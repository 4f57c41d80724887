//! Deconflict's airspace core: 4D reservations, exact overlaps, hazard zones and predicted
//! intrusions. Pure: no I/O, no async, no clock — times are passed in as UNIX seconds.
//!
//! - [`volume`]: [`Volume`], [`Shape`], [`Reservation`], [`Purpose`], [`ReservationState`],
//!   their limits and [`VolumeError`].
//! - [`prepared`]: validation ([`Volume::validate`], [`validate_volumes`]) and the prepared
//!   geometry ([`Volume::prepare`]) the modules below compute with.
//! - [`overlap`]: [`overlaps`] — polygon intersection (`geo` boolean operations, areas in m²) ×
//!   altitude overlap × time overlap; touching is not overlapping.
//! - [`index`]: [`ReservationIndex`] — an `rstar` R-tree over volume boxes answering filing
//!   checks against every other party's live reservations.
//! - [`intrusion`]: [`IntrusionDetector`] (per-cycle predicted entries of live aircraft into
//!   watched volumes, with time to entry and entry point) and [`IntrusionAlerts`] (stable alerts).
//! - [`route`]: [`PlannedRoute`] — waypoints with times and levels, checked as one corridor
//!   volume per leg.
//! - [`formats`]: ASTM F3548 `Volume4D` JSON, GeoJSON in and out, OpenAir text.
//! - [`regions`]: safety-net regions for the engine's STCA-style
//!   [`SafetyNet`](deconflict_engine::safety::SafetyNet) — *parameter regions* (minima, look-ahead
//!   and alert thresholds per airspace) and *inhibition areas* (no conflict alerts inside), as in
//!   EUROCONTROL's Short Term Conflict Alert specification: [`SafetyRegion`], read from TOML,
//!   GeoJSON or OpenAir ([`load_regions`]), default regions around every IATA-coded aerodrome of
//!   a bundled list ([`aerodrome_regions`], [`AerodromeDefaults`]), and [`RegionSet::locate`],
//!   which places each aircraft for the net.
//! - [`geom`]: [`LatLon`], the local azimuthal equidistant plane all exact computations use
//!   (continuous across the antimeridian) and great-circle helpers.
//!
//! # Example
//! ```
//! use deconflict_airspace::{
//!     IntrusionDetector, LatLon, Purpose, Reservation, ReservationIndex, ReservationState, Shape,
//!     Volume,
//! };
//! use deconflict_engine::AircraftState;
//!
//! let zone = |lon0: f64| Volume {
//!     shape: Shape::Polygon { coordinates: vec![[lon0, 35.0], [lon0 + 0.2, 35.0], [lon0 + 0.2, 35.2], [lon0, 35.2]] },
//!     lower_ft: 0.0, upper_ft: 20_000.0, start_time: 0.0, end_time: 7_200.0,
//! };
//! let mut index = ReservationIndex::new();
//! index.insert(Reservation {
//!     id: "r-1".into(), party: "blue".into(), purpose: Purpose::Operation, priority: 5,
//!     state: ReservationState::Active, volumes: vec![zone(36.0)],
//! }).unwrap();
//!
//! // Filing check for red: half of blue's square overlaps.
//! let found = index.check("red", &[zone(36.1)], None).unwrap();
//! assert_eq!(found[0].reservation_id, "r-1");
//! assert!(found[0].overlap.area_m2 > 1.0e8);
//!
//! // A red aircraft flying east towards blue's active reservation.
//! let detector = IntrusionDetector::from_index(&index);
//! let ac = AircraftState { id: "RED01".into(), party: Some("red".into()), lat_deg: 35.1,
//!     lon_deg: 35.8, alt_ft: 10_000.0, gs_kt: 400.0, trk_deg: 90.0, vs_fpm: 0.0 };
//! let scan = detector.scan(&[ac], 3_600.0, 300.0);
//! assert_eq!(scan.predictions[0].reservation_id, "r-1");
//! assert!(scan.predictions[0].time_to_entry_s > 80.0 && scan.predictions[0].time_to_entry_s < 100.0);
//! ```
#![deny(missing_docs)]

pub mod formats;
pub mod geom;
pub mod index;
pub mod intrusion;
pub mod overlap;
pub mod prepared;
pub mod regions;
pub mod route;
pub mod volume;

pub use deconflict_engine::AlertEventKind;
pub use deconflict_engine::RangeError;
pub use formats::FormatError;
pub use geom::LatLon;
pub use index::{IndexedReservation, ReservationIndex, ReservationOverlap};
pub use intrusion::{
    EntryPoint, Intrusion, IntrusionAlertConfig, IntrusionAlerts, IntrusionDetector,
    IntrusionEvent, IntrusionPrediction, IntrusionScan,
};
pub use overlap::{overlaps, GeoJsonGeometry, Overlap};
pub use prepared::validate_volumes;
pub use regions::{
    aerodrome, aerodrome_regions, aerodromes, load_regions, parse_regions_geojson,
    parse_regions_openair, parse_regions_toml, Aerodrome, AerodromeDefaults, RegionError,
    RegionFormat, RegionKind, RegionLoadError, RegionParameters, RegionSet, RegionSetError,
    RegionShape, RegionSource, SafetyRegion,
};
pub use route::{PlannedRoute, RouteError, Waypoint};
pub use volume::{
    time_span, Purpose, Reservation, ReservationError, ReservationState, Shape, Volume, VolumeError,
};
