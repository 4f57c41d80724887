//! Planned 4D routes and the corridor volumes they are checked as.
//!
//! A [`PlannedRoute`] is a list of waypoints, each with a position, a level and a time (as an
//! operation plans it: "over BRAVO at FL180 at 14:05"). The cell does not fly the route; it
//! checks the airspace the route will use, as ASTM F3548 describes an operational intent by a
//! sequence of 4D volumes. Each leg between two waypoints becomes one [`Volume`]:
//!
//! - horizontally, a rectangle `half_width_m` either side of the leg's great circle, extended
//!   by `half_width_m` beyond both ends, so consecutive legs overlap at their common waypoint
//!   and a turn of up to 90° leaves no gap on its outside;
//! - vertically, from the lower of the two levels less `half_height_ft` to the higher plus
//!   `half_height_ft` (a climb or descent occupies the band it crosses);
//! - in time, from the first waypoint's time less `time_margin_s` to the second's plus
//!   `time_margin_s` (timing uncertainty of a plan).
//!
//! Geometry is on the same sphere as the rest of this crate ([`crate::geom`]).

use crate::geom::{bearing_deg, destination, distance_m};
use crate::volume::{Shape, Volume, MAX_ALT_FT, MAX_POLYGON_SPAN_M, MAX_VOLUMES, MIN_ALT_FT};
use crate::LatLon;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Default corridor half-width, metres (2.5 NM: half the 5 NM en-route separation minimum, so
/// an aircraft outside the corridor is clear of the planned track by at least that).
pub const DEFAULT_HALF_WIDTH_M: f64 = 4_630.0;
/// Default corridor half-height, feet (the 1,000 ft vertical separation minimum).
pub const DEFAULT_HALF_HEIGHT_FT: f64 = 1_000.0;
/// Default margin added before and after each leg's times, seconds.
pub const DEFAULT_TIME_MARGIN_S: f64 = 300.0;
/// Smallest accepted half-width, metres.
pub const MIN_HALF_WIDTH_M: f64 = 50.0;
/// Largest accepted half-width, metres (25 NM).
pub const MAX_HALF_WIDTH_M: f64 = 46_300.0;
/// Smallest accepted half-height, feet (a corridor has a band).
pub const MIN_HALF_HEIGHT_FT: f64 = 100.0;
/// Largest accepted half-height, feet.
pub const MAX_HALF_HEIGHT_FT: f64 = 10_000.0;
/// Largest accepted time margin, seconds.
pub const MAX_TIME_MARGIN_S: f64 = 3_600.0;
/// Most waypoints in one route (its legs are volumes, at most [`MAX_VOLUMES`]).
pub const MAX_WAYPOINTS: usize = MAX_VOLUMES + 1;

/// One point of a planned route.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Waypoint {
    /// Latitude, degrees (WGS-84).
    pub lat_deg: f64,
    /// Longitude, degrees (WGS-84).
    pub lon_deg: f64,
    /// Planned altitude, feet MSL.
    pub alt_ft: f64,
    /// Planned time over it, UNIX s.
    pub time: f64,
}

fn default_half_width_m() -> f64 {
    DEFAULT_HALF_WIDTH_M
}
fn default_half_height_ft() -> f64 {
    DEFAULT_HALF_HEIGHT_FT
}
fn default_time_margin_s() -> f64 {
    DEFAULT_TIME_MARGIN_S
}

/// A planned 4D route: waypoints with times and levels, and the corridor around it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlannedRoute {
    /// A name shown with it ("HAWK 1 ingress").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// At least two, in time order.
    pub waypoints: Vec<Waypoint>,
    /// Corridor half-width, metres (default 4,630 = 2.5 NM).
    #[serde(default = "default_half_width_m")]
    pub half_width_m: f64,
    /// Corridor half-height, feet (default 1,000).
    #[serde(default = "default_half_height_ft")]
    pub half_height_ft: f64,
    /// Margin before and after each leg's times, seconds (default 300).
    #[serde(default = "default_time_margin_s")]
    pub time_margin_s: f64,
}

/// Why a route is refused.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RouteError {
    /// Fewer than two waypoints.
    #[error("a route needs at least two waypoints")]
    TooFewWaypoints,
    /// Too many waypoints.
    #[error("{0} waypoints given, at most {MAX_WAYPOINTS} are accepted")]
    TooManyWaypoints(usize),
    /// A coordinate, level or time out of range or not a number.
    #[error("waypoint {index}: {what}")]
    Waypoint {
        /// Its index.
        index: usize,
        /// What is wrong.
        what: String,
    },
    /// Times not strictly increasing.
    #[error("waypoint {0}: its time is not after the previous waypoint's (times must increase)")]
    TimeOrder(usize),
    /// A leg too long to be one volume.
    #[error("leg {index} is {length_m:.0} m long; legs longer than {MAX_POLYGON_SPAN_M} m must be split by a waypoint")]
    LegTooLong {
        /// The leg (waypoint `index` to `index + 1`).
        index: usize,
        /// Its length.
        length_m: f64,
    },
    /// A leg's corridor is not a valid volume.
    #[error("leg {index}: {reason}")]
    Leg {
        /// The leg (waypoint `index` to `index + 1`).
        index: usize,
        /// Why.
        reason: String,
    },
    /// A corridor dimension out of range.
    #[error("{0}")]
    Corridor(String),
}

impl PlannedRoute {
    /// Checks the route without building it.
    ///
    /// # Errors
    /// [`RouteError`] naming the first problem.
    pub fn validate(&self) -> Result<(), RouteError> {
        let n = self.waypoints.len();
        if n < 2 {
            return Err(RouteError::TooFewWaypoints);
        }
        if n > MAX_WAYPOINTS {
            return Err(RouteError::TooManyWaypoints(n));
        }
        let within = |v: f64, lo: f64, hi: f64| v.is_finite() && v >= lo && v <= hi;
        if !within(self.half_width_m, MIN_HALF_WIDTH_M, MAX_HALF_WIDTH_M) {
            return Err(RouteError::Corridor(format!(
                "half_width_m = {} must be within [{MIN_HALF_WIDTH_M}, {MAX_HALF_WIDTH_M}]",
                self.half_width_m
            )));
        }
        if !within(self.half_height_ft, MIN_HALF_HEIGHT_FT, MAX_HALF_HEIGHT_FT) {
            return Err(RouteError::Corridor(format!(
                "half_height_ft = {} must be within [{MIN_HALF_HEIGHT_FT}, {MAX_HALF_HEIGHT_FT}]",
                self.half_height_ft
            )));
        }
        if !within(self.time_margin_s, 0.0, MAX_TIME_MARGIN_S) {
            return Err(RouteError::Corridor(format!(
                "time_margin_s = {} must be within [0, {MAX_TIME_MARGIN_S}]",
                self.time_margin_s
            )));
        }
        for (index, w) in self.waypoints.iter().enumerate() {
            let bad = |what: String| RouteError::Waypoint { index, what };
            if !within(w.lat_deg, -90.0, 90.0) {
                return Err(bad(format!(
                    "lat_deg = {} is not within [-90, 90]",
                    w.lat_deg
                )));
            }
            if !within(w.lon_deg, -180.0, 180.0) {
                return Err(bad(format!(
                    "lon_deg = {} is not within [-180, 180]",
                    w.lon_deg
                )));
            }
            if !within(w.alt_ft, MIN_ALT_FT, MAX_ALT_FT) {
                return Err(bad(format!(
                    "alt_ft = {} is not within [{MIN_ALT_FT}, {MAX_ALT_FT}]",
                    w.alt_ft
                )));
            }
            if !w.time.is_finite() {
                return Err(bad("time is not a number".into()));
            }
            if index > 0 && w.time <= self.waypoints[index - 1].time {
                return Err(RouteError::TimeOrder(index));
            }
        }
        for (index, leg) in self.waypoints.windows(2).enumerate() {
            let length_m = distance_m(at(&leg[0]), at(&leg[1])) + 2.0 * self.half_width_m;
            if length_m > MAX_POLYGON_SPAN_M {
                return Err(RouteError::LegTooLong { index, length_m });
            }
        }
        Ok(())
    }

    /// The corridor volumes, one per leg, in order.
    ///
    /// # Errors
    /// The route is invalid ([`PlannedRoute::validate`]).
    pub fn corridors(&self) -> Result<Vec<Volume>, RouteError> {
        self.validate()?;
        let v: Vec<Volume> = self
            .waypoints
            .windows(2)
            .map(|leg| self.corridor(&leg[0], &leg[1]))
            .collect();
        // Every corridor is a volume the rest of the crate accepts (a leg's window within a
        // year, a polygon that is simple near the poles and across 180°).
        for (index, c) in v.iter().enumerate() {
            c.validate().map_err(|e| RouteError::Leg {
                index,
                reason: e.to_string(),
            })?;
        }
        Ok(v)
    }

    /// When the route's corridors are live: `(start, end)`, UNIX s.
    pub fn time_span(&self) -> Option<(f64, f64)> {
        let first = self.waypoints.first()?;
        let last = self.waypoints.last()?;
        Some((
            first.time - self.time_margin_s,
            last.time + self.time_margin_s,
        ))
    }

    fn corridor(&self, a: &Waypoint, b: &Waypoint) -> Volume {
        let hw = self.half_width_m;
        let (pa, pb) = (at(a), at(b));
        // Forward azimuths at each end (they differ on a great circle). A leg with no length
        // (a hold over one point) is a square round the point.
        let (out_a, out_b) = if distance_m(pa, pb) < 1.0 {
            (0.0, 0.0)
        } else {
            (bearing_deg(pa, pb), (bearing_deg(pb, pa) + 180.0) % 360.0)
        };
        let behind = destination(pa, out_a + 180.0, hw);
        let beyond = destination(pb, out_b, hw);
        let coordinates = [
            destination(behind, out_a - 90.0, hw),
            destination(beyond, out_b - 90.0, hw),
            destination(beyond, out_b + 90.0, hw),
            destination(behind, out_a + 90.0, hw),
        ]
        .iter()
        .map(|p| [p.lon_deg, p.lat_deg])
        .collect();
        Volume {
            shape: Shape::Polygon { coordinates },
            lower_ft: (a.alt_ft.min(b.alt_ft) - self.half_height_ft).max(MIN_ALT_FT),
            upper_ft: (a.alt_ft.max(b.alt_ft) + self.half_height_ft).min(MAX_ALT_FT),
            start_time: a.time - self.time_margin_s,
            end_time: b.time + self.time_margin_s,
        }
    }
}

fn at(w: &Waypoint) -> LatLon {
    LatLon {
        lat_deg: w.lat_deg,
        lon_deg: w.lon_deg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geom::LocalPlane;
    use crate::overlap::overlaps;
    use crate::prepared::validate_volumes;

    fn wp(lat_deg: f64, lon_deg: f64, alt_ft: f64, time: f64) -> Waypoint {
        Waypoint {
            lat_deg,
            lon_deg,
            alt_ft,
            time,
        }
    }

    fn route(waypoints: Vec<Waypoint>) -> PlannedRoute {
        PlannedRoute {
            name: None,
            waypoints,
            half_width_m: DEFAULT_HALF_WIDTH_M,
            half_height_ft: DEFAULT_HALF_HEIGHT_FT,
            time_margin_s: DEFAULT_TIME_MARGIN_S,
        }
    }

    fn point_volume(lat_deg: f64, lon_deg: f64, alt_ft: f64, time: f64) -> Volume {
        Volume {
            shape: Shape::Circle {
                center: LatLon { lat_deg, lon_deg },
                radius_m: 100.0,
            },
            lower_ft: alt_ft - 10.0,
            upper_ft: alt_ft + 10.0,
            start_time: time - 1.0,
            end_time: time + 1.0,
        }
    }

    #[test]
    fn a_climbing_leg_is_one_valid_volume_round_its_track_band_and_times() {
        let r = route(vec![
            wp(48.0, 2.0, 10_000.0, 1_000.0),
            wp(48.5, 2.0, 18_000.0, 1_600.0),
        ]);
        let v = r.corridors().unwrap();
        assert_eq!(v.len(), 1);
        validate_volumes(&v).unwrap();
        assert_eq!((v[0].lower_ft, v[0].upper_ft), (9_000.0, 19_000.0));
        assert_eq!((v[0].start_time, v[0].end_time), (700.0, 1_900.0));
        // On the track halfway: inside. 2 NM abeam: inside; 3 NM abeam: outside.
        let mid = crate::geom::intermediate(at(&r.waypoints[0]), at(&r.waypoints[1]), 0.5);
        let hit = |lon_off_m: f64| {
            let p = LocalPlane::new(mid).inverse(lon_off_m, 0.0);
            !overlaps(&v, &[point_volume(p.lat_deg, p.lon_deg, 14_000.0, 1_300.0)])
                .unwrap()
                .is_empty()
        };
        assert!(hit(0.0));
        assert!(hit(3_704.0));
        assert!(!hit(5_556.0));
        // Beyond the leg's end by less than the half-width: inside (the joint is covered).
        let past = destination(at(&r.waypoints[1]), 0.0, 4_000.0);
        assert!(!overlaps(
            &v,
            &[point_volume(past.lat_deg, past.lon_deg, 18_000.0, 1_600.0)]
        )
        .unwrap()
        .is_empty());
        // Above the band or after the window: outside.
        assert!(overlaps(
            &v,
            &[point_volume(mid.lat_deg, mid.lon_deg, 19_500.0, 1_300.0)]
        )
        .unwrap()
        .is_empty());
        assert!(overlaps(
            &v,
            &[point_volume(mid.lat_deg, mid.lon_deg, 14_000.0, 2_000.0)]
        )
        .unwrap()
        .is_empty());
    }

    #[test]
    fn a_right_angle_turn_leaves_no_gap_on_its_outside() {
        let r = route(vec![
            wp(0.0, 0.0, 5_000.0, 0.0),
            wp(0.5, 0.0, 5_000.0, 600.0),
            wp(0.5, 0.5, 5_000.0, 1_200.0),
        ]);
        let v = r.corridors().unwrap();
        assert_eq!(v.len(), 2);
        // The outside corner of the turn (north-west of the turn point), 2 NM each way.
        let corner = LocalPlane::new(at(&r.waypoints[1])).inverse(-3_000.0, 3_000.0);
        assert!(!overlaps(
            &v,
            &[point_volume(corner.lat_deg, corner.lon_deg, 5_000.0, 600.0)]
        )
        .unwrap()
        .is_empty());
    }

    #[test]
    fn corridors_across_the_antimeridian_and_near_a_pole_are_valid_volumes() {
        for r in [
            route(vec![
                wp(10.0, 179.9, 5_000.0, 0.0),
                wp(10.0, -179.9, 5_000.0, 120.0),
            ]),
            route(vec![
                wp(89.5, 0.0, 5_000.0, 0.0),
                wp(89.5, 90.0, 5_000.0, 600.0),
            ]),
        ] {
            let v = r.corridors().unwrap();
            validate_volumes(&v).unwrap();
            // The leg's midpoint is inside its corridor.
            let mid = crate::geom::intermediate(at(&r.waypoints[0]), at(&r.waypoints[1]), 0.5);
            assert!(
                !overlaps(&v, &[point_volume(mid.lat_deg, mid.lon_deg, 5_000.0, 60.0)])
                    .unwrap()
                    .is_empty()
            );
        }
    }

    #[test]
    fn bad_routes_are_refused_with_the_reason() {
        let ok = || {
            route(vec![
                wp(0.0, 0.0, 5_000.0, 0.0),
                wp(0.1, 0.0, 5_000.0, 60.0),
            ])
        };
        assert_eq!(
            route(vec![wp(0.0, 0.0, 0.0, 0.0)]).validate(),
            Err(RouteError::TooFewWaypoints)
        );
        let mut r = ok();
        r.waypoints[1].time = 0.0;
        assert_eq!(r.validate(), Err(RouteError::TimeOrder(1)));
        let mut r = ok();
        r.waypoints[0].lat_deg = f64::NAN;
        assert!(matches!(
            r.validate(),
            Err(RouteError::Waypoint { index: 0, .. })
        ));
        let mut r = ok();
        r.waypoints[1].alt_ft = 1e9;
        assert!(r.validate().unwrap_err().to_string().contains("alt_ft"));
        let mut r = ok();
        r.half_width_m = 0.0;
        assert!(r
            .validate()
            .unwrap_err()
            .to_string()
            .contains("half_width_m"));
        let mut r = ok();
        r.waypoints[1].lat_deg = 30.0;
        assert!(matches!(
            r.validate(),
            Err(RouteError::LegTooLong { index: 0, .. })
        ));
        let mut r = ok();
        r.half_height_ft = 0.0;
        assert!(r
            .validate()
            .unwrap_err()
            .to_string()
            .contains("half_height_ft"));
        let mut r = ok();
        r.waypoints[1].time = 400.0 * 86_400.0;
        assert!(
            matches!(r.corridors(), Err(RouteError::Leg { index: 0, .. })),
            "a leg over a year"
        );
        let many = route(
            (0..=MAX_WAYPOINTS)
                .map(|i| wp(0.0, i as f64 * 0.01, 5_000.0, i as f64))
                .collect(),
        );
        assert_eq!(
            many.validate(),
            Err(RouteError::TooManyWaypoints(MAX_WAYPOINTS + 1))
        );
    }
}
