//! Volumes, reservations, their limits and errors, and their time-driven state.
//!
//! A [`Volume`] is a horizontal [`Shape`] (polygon or circle) extruded between two altitudes and
//! limited to a time window. A [`Reservation`] is a party's claim on one or more volumes with a
//! [`Purpose`], a priority and a [`ReservationState`].
//!
//! [`Volume::validate`] (and [`Volume::prepare`], which validates and precomputes the geometry
//! every other module works with, in [`crate::prepared`]) rejects anything the exact
//! computations cannot use, with a [`VolumeError`] that says why in words a person filing a
//! reservation understands; the limits it applies are the constants here.
//!
//! # Conventions
//! - Polygon vertices are `[lon, lat]` in degrees (GeoJSON order), open or closed, either
//!   winding; consecutive duplicates are dropped. Edges are great-circle arcs.
//! - Altitudes are feet above mean sea level. On input a bound may be given as a flight level
//!   instead (`"lower_fl": 250` = 25,000 ft; pressure altitude taken as MSL, no QNH correction).
//! - Times are UNIX seconds. A volume is live on `[start_time, end_time)`.
//! - Touching is not overlapping: bands, windows and areas that only share a boundary are
//!   disjoint.

use deconflict_engine::RangeError;
use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use crate::geom::LatLon;

/// Largest accepted polygon extent (distance between its two farthest vertices), metres.
pub const MAX_POLYGON_SPAN_M: f64 = 2_000_000.0;
/// Largest accepted circle radius, metres.
pub const MAX_RADIUS_M: f64 = 1_000_000.0;
/// Longest accepted time window of one volume, seconds (one year of 366 days).
pub const MAX_WINDOW_S: f64 = 366.0 * 86_400.0;
/// Most vertices accepted in one polygon.
pub const MAX_VERTICES: usize = 10_000;
/// Highest reservation priority.
pub const MAX_PRIORITY: u8 = 10;
/// Most volumes accepted in one reservation.
pub const MAX_VOLUMES: usize = 100;
/// Lowest accepted altitude bound, feet MSL (the engine's limit).
pub const MIN_ALT_FT: f64 = deconflict_engine::state::MIN_ALT_FT;
/// Highest accepted altitude bound, feet MSL (the engine's limit).
pub const MAX_ALT_FT: f64 = deconflict_engine::state::MAX_ALT_FT;
/// Number of sides of the polygon that stands for a circle.
pub const CIRCLE_SEGMENTS: usize = 128;
/// Longest polygon edge kept straight in the local plane; longer great-circle edges are split.
pub const MAX_EDGE_M: f64 = 50_000.0;
/// Feet per flight level.
pub const FT_PER_FL: f64 = 100.0;
/// Areas below this are treated as zero (floating-point noise), square metres.
pub const MIN_AREA_M2: f64 = 1.0;

/// The horizontal outline of a volume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Shape {
    /// A simple polygon; vertices are `[lon_deg, lat_deg]`, open or closed.
    Polygon {
        /// The vertices, `[lon, lat]` in degrees.
        coordinates: Vec<[f64; 2]>,
    },
    /// A circle on the Earth's surface.
    Circle {
        /// Its centre.
        center: LatLon,
        /// Its radius, metres, > 0.
        #[schema(exclusive_minimum = 0.0, maximum = 1_000_000.0)]
        radius_m: f64,
    },
}

/// A 4D volume: a shape, an altitude band and a time window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "VolumeInput")]
pub struct Volume {
    /// Horizontal outline.
    pub shape: Shape,
    /// Bottom of the band, feet MSL.
    pub lower_ft: f64,
    /// Top of the band, feet MSL.
    pub upper_ft: f64,
    /// Start of the window, UNIX seconds.
    pub start_time: f64,
    /// End of the window (exclusive), UNIX seconds.
    pub end_time: f64,
}

/// What a volume looks like on the wire: each bound in feet or as a flight level (exactly
/// one of `lower_ft` / `lower_fl`, and of `upper_ft` / `upper_fl`; a volume is written with
/// the `_ft` bounds). Its schema is the `Volume` of the OpenAPI document.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = Volume)]
struct VolumeInput {
    /// Horizontal outline.
    shape: Shape,
    /// Bottom of the band, feet MSL.
    lower_ft: Option<f64>,
    /// Bottom of the band as a flight level (instead of `lower_ft`).
    lower_fl: Option<f64>,
    /// Top of the band, feet MSL.
    upper_ft: Option<f64>,
    /// Top of the band as a flight level (instead of `upper_ft`).
    upper_fl: Option<f64>,
    /// Start of the window, UNIX seconds.
    start_time: f64,
    /// End of the window (exclusive), UNIX seconds.
    end_time: f64,
}

/// A volume is documented by its wire form ([`VolumeInput`]), which is what it reads.
impl utoipa::PartialSchema for Volume {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <VolumeInput as utoipa::PartialSchema>::schema()
    }
}

impl utoipa::ToSchema for Volume {
    fn name() -> std::borrow::Cow<'static, str> {
        <VolumeInput as utoipa::ToSchema>::name()
    }
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <VolumeInput as utoipa::ToSchema>::schemas(schemas);
    }
}

impl TryFrom<VolumeInput> for Volume {
    type Error = VolumeError;

    fn try_from(v: VolumeInput) -> Result<Self, VolumeError> {
        Ok(Volume {
            shape: v.shape,
            lower_ft: altitude_ft("lower", v.lower_ft, v.lower_fl)?,
            upper_ft: altitude_ft("upper", v.upper_ft, v.upper_fl)?,
            start_time: v.start_time,
            end_time: v.end_time,
        })
    }
}

pub(crate) fn altitude_ft(
    bound: &'static str,
    ft: Option<f64>,
    fl: Option<f64>,
) -> Result<f64, VolumeError> {
    match (ft, fl) {
        (Some(ft), None) => Ok(ft),
        (None, Some(fl)) => Ok(fl * FT_PER_FL),
        (None, None) => Err(VolumeError::MissingAltitude { bound }),
        (Some(_), Some(_)) => Err(VolumeError::AmbiguousAltitude { bound }),
    }
}

/// What a reservation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// An operation (flights the party intends to fly).
    Operation,
    /// Training.
    Training,
    /// A hazard (e.g. a missile engagement zone): intrusions are checked for every aircraft.
    Hazard,
    /// A closure of airspace.
    Closure,
    /// A volume another party agreed to keep its aircraft out of, from a deadline: created
    /// when that party accepts a vacate request, owned by the requester. Intrusions are
    /// checked for the accepting party's aircraft (the server narrows the watch to them).
    Exclusion,
    /// A volume of an advance notice of operations: not filed, carried by the notice (its own
    /// volumes and the corridors of its planned routes). Recipients' aircraft predicted to
    /// cross it get advisories only ([`crate::IntrusionAlerts`] never raises one above the
    /// lowest level); it never refuses a filing.
    Notice,
}

/// Where a reservation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReservationState {
    /// Filed, not yet accepted.
    Proposed,
    /// Accepted, not yet started.
    Accepted,
    /// Its first volume has started and its last has not ended.
    Active,
    /// Its last volume has ended.
    Ended,
    /// Withdrawn by its owner.
    Cancelled,
}

impl ReservationState {
    /// Whether the reservation still claims airspace (not ended, not cancelled).
    pub fn is_live(self) -> bool {
        !matches!(self, Self::Ended | Self::Cancelled)
    }

    /// The state at `now_time` (UNIX s) given the reservation's volumes: proposed and accepted
    /// become active once the earliest volume starts; anything not cancelled becomes ended once
    /// the latest volume ends. Cancelled and ended are final. Without volumes the state is kept.
    pub fn at_time(self, volumes: &[Volume], now_time: f64) -> Self {
        match time_span(volumes) {
            Some(span) => self.at_span(span, now_time),
            None => self,
        }
    }

    /// [`ReservationState::at_time`] given the volumes' earliest start and latest end
    /// ([`time_span`]), UNIX seconds.
    pub fn at_span(self, (start, end): (f64, f64), now_time: f64) -> Self {
        match self {
            Self::Cancelled | Self::Ended => self,
            _ if now_time >= end => Self::Ended,
            Self::Proposed | Self::Accepted if now_time >= start => Self::Active,
            other => other,
        }
    }
}

/// Earliest start and latest end over `volumes`, UNIX seconds.
pub fn time_span(volumes: &[Volume]) -> Option<(f64, f64)> {
    let start = volumes
        .iter()
        .map(|v| v.start_time)
        .min_by(f64::total_cmp)?;
    let end = volumes.iter().map(|v| v.end_time).max_by(f64::total_cmp)?;
    Some((start, end))
}

/// A party's claim on airspace, as far as overlap and intrusion checks need it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reservation {
    /// Identifier, e.g. `r-12`.
    pub id: String,
    /// Owning party.
    pub party: String,
    /// What it is for.
    pub purpose: Purpose,
    /// Priority, 0 (lowest) to 10; the lower one gives way.
    pub priority: u8,
    /// Life-cycle state.
    pub state: ReservationState,
    /// Its volumes, at least one.
    pub volumes: Vec<Volume>,
}

/// Why a reservation was rejected.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ReservationError {
    /// No volume given.
    #[error("a reservation needs at least one volume")]
    NoVolumes,
    /// Too many volumes.
    #[error("{count} volumes given, at most {max} are accepted")]
    TooManyVolumes {
        /// Volumes given.
        count: usize,
        /// Limit.
        max: usize,
    },
    /// Priority above [`MAX_PRIORITY`].
    #[error("priority {priority} is out of range [0, {max}]")]
    PriorityOutOfRange {
        /// Priority given.
        priority: u8,
        /// Highest accepted.
        max: u8,
    },
    /// One volume is invalid.
    #[error("volume {index}: {source}")]
    Volume {
        /// Index of the volume in the list.
        index: usize,
        /// Why.
        #[source]
        source: VolumeError,
    },
}

/// Why a volume was rejected.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum VolumeError {
    /// A number is NaN, infinite or outside its range (the engine's range check).
    #[error(transparent)]
    Range(#[from] RangeError),
    /// A bound is given neither in feet nor as a flight level.
    #[error("{bound} altitude missing: give {bound}_ft or {bound}_fl")]
    MissingAltitude {
        /// `lower` or `upper`.
        bound: &'static str,
    },
    /// A bound is given both in feet and as a flight level.
    #[error("{bound} altitude given twice: give {bound}_ft or {bound}_fl, not both")]
    AmbiguousAltitude {
        /// `lower` or `upper`.
        bound: &'static str,
    },
    /// The band is empty or upside down.
    #[error("lower altitude {lower_ft} ft must be below upper altitude {upper_ft} ft")]
    LowerNotBelowUpper {
        /// Bottom given.
        lower_ft: f64,
        /// Top given.
        upper_ft: f64,
    },
    /// The window is empty or reversed.
    #[error("end_time {end_time} must be after start_time {start_time}")]
    EndNotAfterStart {
        /// Start given.
        start_time: f64,
        /// End given.
        end_time: f64,
    },
    /// The window is implausibly long.
    #[error("time window of {duration_s} s is longer than the {max_s} s accepted")]
    WindowTooLong {
        /// Length given.
        duration_s: f64,
        /// Limit.
        max_s: f64,
    },
    /// Fewer than three distinct vertices.
    #[error("polygon has {distinct} distinct vertices, at least 3 are needed")]
    TooFewVertices {
        /// Distinct vertices found.
        distinct: usize,
    },
    /// Too many vertices.
    #[error("polygon has {count} vertices, at most {max} are accepted")]
    TooManyVertices {
        /// Vertices given.
        count: usize,
        /// Limit.
        max: usize,
    },
    /// All vertices on one line (or otherwise no area).
    #[error("polygon has zero area (its vertices are collinear)")]
    ZeroArea,
    /// Edges cross each other.
    #[error("polygon is self-intersecting (its edges cross or touch)")]
    SelfIntersecting,
    /// Radius zero or negative.
    #[error("radius_m = {radius_m} must be greater than 0")]
    RadiusNotPositive {
        /// Radius given.
        radius_m: f64,
    },
    /// Implausibly large shape.
    #[error("{what} of {size_m:.0} m exceeds the {max_m:.0} m accepted")]
    TooLarge {
        /// `polygon span` or `circle radius`.
        what: &'static str,
        /// Size found.
        size_m: f64,
        /// Limit.
        max_m: f64,
    },
}
