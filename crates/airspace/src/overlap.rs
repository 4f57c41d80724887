//! Exact overlaps between volumes: polygon intersection × altitude overlap × time overlap.
//!
//! Two volumes overlap when their time windows, altitude bands and outlines all share an
//! interior. Boundaries alone do not count: a band ending where another starts, a window
//! ending when another starts, or polygons sharing only an edge (intersection area below
//! [`MIN_AREA_M2`]) are disjoint.
//!
//! The horizontal intersection is computed with `geo`'s [`BooleanOps`] in a [`LocalPlane`]
//! centred between the two volumes, so areas are in square metres (within a fraction of a
//! percent of the spherical area for volumes up to a few hundred kilometres apart) and polygons
//! crossing the antimeridian need no special handling. Circles are regular polygons of
//! [`CIRCLE_SEGMENTS`](crate::volume::CIRCLE_SEGMENTS) sides with the circle's area.
//!
//! # Examples
//! ```
//! use deconflict_airspace::{overlaps, Shape, Volume};
//! let square = |lon0: f64| Volume {
//!     shape: Shape::Polygon { coordinates: vec![[lon0, 0.0], [lon0 + 0.1, 0.0], [lon0 + 0.1, 0.1], [lon0, 0.1]] },
//!     lower_ft: 0.0, upper_ft: 10_000.0, start_time: 0.0, end_time: 3_600.0,
//! };
//! let found = overlaps(&[square(0.0)], &[square(0.05)]).unwrap();
//! assert_eq!(found.len(), 1);
//! assert!((found[0].area_m2 / 6.18e7 - 1.0).abs() < 0.01); // 0.05° × 0.1° at the equator
//! ```

use geo::{
    Area, BooleanOps, Contains, Coord, Distance, Euclidean, LineString, MultiPolygon, Polygon,
};
use serde::{Deserialize, Serialize};

use crate::geom::{self, LocalPlane};
use crate::prepared::{prepare_volumes, PreparedVolume};
use crate::volume::{ReservationError, Volume, MIN_AREA_M2};

/// A GeoJSON geometry (RFC 7946) of an area, coordinates `[lon, lat]` in degrees.
///
/// Rings are closed. An area crossing the antimeridian keeps continuous longitudes, so some
/// may lie beyond ±180°.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type")]
pub enum GeoJsonGeometry {
    /// One polygon: exterior ring then holes.
    Polygon {
        /// Rings of `[lon, lat]`.
        coordinates: Vec<Vec<[f64; 2]>>,
    },
    /// Several polygons.
    MultiPolygon {
        /// Polygons, each rings of `[lon, lat]`.
        coordinates: Vec<Vec<Vec<[f64; 2]>>>,
    },
}

/// Where and when two volumes overlap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = VolumeOverlap)]
pub struct Overlap {
    /// Index of the volume in the first (candidate) list.
    pub volume_index: usize,
    /// Index of the volume in the other list.
    pub other_volume_index: usize,
    /// Area of the horizontal intersection, square metres.
    pub area_m2: f64,
    /// Bottom of the common band, feet MSL.
    pub lower_ft: f64,
    /// Top of the common band, feet MSL.
    pub upper_ft: f64,
    /// Start of the common window, UNIX seconds.
    pub start_time: f64,
    /// End of the common window, UNIX seconds.
    pub end_time: f64,
    /// The horizontal intersection.
    pub geometry: GeoJsonGeometry,
}

/// Every overlap between a volume of `a` and a volume of `b`, ordered by `(volume_index,
/// other_volume_index)`.
///
/// # Errors
/// Either list fails validation ([`crate::validate_volumes`]).
pub fn overlaps(a: &[Volume], b: &[Volume]) -> Result<Vec<Overlap>, ReservationError> {
    let a = prepare_volumes(a)?;
    let b = prepare_volumes(b)?;
    Ok(overlaps_prepared(&a, &b))
}

pub(crate) fn overlaps_prepared(a: &[PreparedVolume], b: &[PreparedVolume]) -> Vec<Overlap> {
    let mut out = Vec::new();
    for (i, va) in a.iter().enumerate() {
        for (j, vb) in b.iter().enumerate() {
            if let Some(o) = volume_overlap(va, vb, i, j) {
                out.push(o);
            }
        }
    }
    out
}

/// The overlap of two prepared volumes, if their interiors meet.
pub(crate) fn volume_overlap(
    a: &PreparedVolume,
    b: &PreparedVolume,
    volume_index: usize,
    other_volume_index: usize,
) -> Option<Overlap> {
    let (va, vb) = (&a.volume, &b.volume);
    let start_time = va.start_time.max(vb.start_time);
    let end_time = va.end_time.min(vb.end_time);
    if start_time >= end_time {
        return None;
    }
    let lower_ft = va.lower_ft.max(vb.lower_ft);
    let upper_ft = va.upper_ft.min(vb.upper_ft);
    if lower_ft >= upper_ft {
        return None;
    }
    if geom::distance_m(a.center, b.center) > a.bounding_radius_m + b.bounding_radius_m {
        return None;
    }
    if circle_separated(a, b) || circle_separated(b, a) {
        return None;
    }
    let plane = LocalPlane::new(geom::spherical_mean(&[a.center, b.center]).unwrap_or(a.center));
    let pa = project(&plane, a);
    let pb = project(&plane, b);
    let inter = pa.intersection(&pb);
    let area_m2 = inter.unsigned_area();
    if area_m2 < MIN_AREA_M2 {
        return None;
    }
    Some(Overlap {
        volume_index,
        other_volume_index,
        area_m2,
        lower_ft,
        upper_ft,
        start_time,
        end_time,
        geometry: to_geojson(&plane, &inter),
    })
}

/// Whether `c` is a circle that provably does not meet `other` (tested against the true circle,
/// so tangent circles and polygons touching a circle are not reported as overlapping because of
/// the polygon standing for the circle).
fn circle_separated(c: &PreparedVolume, other: &PreparedVolume) -> bool {
    let Some(r) = c.circle_radius_m else {
        return false;
    };
    if let Some(r2) = other.circle_radius_m {
        return geom::distance_m(c.center, other.center) >= r + r2 - TOUCH_TOLERANCE_M;
    }
    // Distances from the centre are true in the circle's own plane.
    let ring: Vec<Coord> = other
        .outline()
        .iter()
        .map(|p| {
            let (x, y) = c.plane.forward(p.lat_deg, p.lon_deg);
            Coord { x, y }
        })
        .collect();
    let origin = geo::Point::new(0.0, 0.0);
    let poly = Polygon::new(LineString::from(ring), vec![]);
    if poly.contains(&origin) {
        return false;
    }
    Euclidean.distance(&origin, poly.exterior()) >= r - TOUCH_TOLERANCE_M
}

/// Gaps or overlaps narrower than this between a circle and another outline count as touching
/// (projection round-off between planes is well below it), metres.
pub const TOUCH_TOLERANCE_M: f64 = 0.01;

fn project(plane: &LocalPlane, v: &PreparedVolume) -> Polygon<f64> {
    let coords: Vec<Coord> = v
        .outline()
        .iter()
        .map(|p| {
            let (x, y) = plane.forward(p.lat_deg, p.lon_deg);
            Coord { x, y }
        })
        .collect();
    Polygon::new(LineString::from(coords), vec![])
}

/// Back-projects a plane multipolygon to GeoJSON with continuous longitudes.
pub(crate) fn to_geojson(plane: &LocalPlane, mp: &MultiPolygon<f64>) -> GeoJsonGeometry {
    let lon0 = plane.center().lon_deg;
    let ring = |ls: &LineString<f64>| -> Vec<[f64; 2]> {
        ls.coords()
            .map(|c| {
                let p = plane.inverse(c.x, c.y);
                [geom::unwrap_lon_deg(p.lon_deg, lon0), p.lat_deg]
            })
            .collect()
    };
    let mut polygons: Vec<Vec<Vec<[f64; 2]>>> =
        mp.0.iter()
            .map(|p| {
                std::iter::once(p.exterior())
                    .chain(p.interiors())
                    .map(ring)
                    .collect()
            })
            .collect();
    if polygons.len() == 1 {
        GeoJsonGeometry::Polygon {
            coordinates: polygons.remove(0),
        }
    } else {
        GeoJsonGeometry::MultiPolygon {
            coordinates: polygons,
        }
    }
}
