//! Prepared volumes: validation and the geometry every exact computation works on.
//!
//! [`Volume::prepare`] checks a [`Volume`] against the limits of [`crate::volume`] and keeps,
//! in a [`PreparedVolume`], its outline in its own local plane ([`LocalPlane`]: densified
//! great-circle edges, or the circle handled analytically), its lon/lat boxes for the R-trees
//! ([`LonLatBox`], two when it crosses the antimeridian) and its bounding radius. Overlaps,
//! the reservation index, intrusion prediction and the safety-net regions all start from it.
//! [`Volume::validate`], [`Reservation::validate`] and [`validate_volumes`] are the same
//! checks without keeping the geometry.

use geo::line_intersection::{line_intersection, LineIntersection};
use geo::{Area, ConvexHull, Coord, Line, LineString, MultiPoint, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, RTreeObject};

use deconflict_engine::range::{check_finite, check_range};

use crate::geom::{self, LatLon, LocalPlane, EARTH_RADIUS_M};
use crate::volume::{
    Reservation, ReservationError, Shape, Volume, VolumeError, CIRCLE_SEGMENTS, MAX_ALT_FT,
    MAX_EDGE_M, MAX_POLYGON_SPAN_M, MAX_PRIORITY, MAX_RADIUS_M, MAX_VERTICES, MAX_VOLUMES,
    MAX_WINDOW_S, MIN_ALT_FT, MIN_AREA_M2,
};

/// A lon/lat box, degrees; never crosses the antimeridian (such volumes get two boxes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LonLatBox {
    /// West edge, degrees.
    pub min_lon_deg: f64,
    /// South edge, degrees.
    pub min_lat_deg: f64,
    /// East edge, degrees.
    pub max_lon_deg: f64,
    /// North edge, degrees.
    pub max_lat_deg: f64,
}

/// A validated volume with the geometry the overlap and intrusion code works on.
#[derive(Debug, Clone)]
pub struct PreparedVolume {
    /// The volume as given.
    pub volume: Volume,
    /// Centre of the local plane (polygon: spherical mean of the vertices; circle: centre).
    pub center: LatLon,
    pub(crate) plane: LocalPlane,
    /// The outline in the volume's own local plane, metres: the densified polygon's vertices as
    /// an open ring (the last vertex is not repeated), empty for a circle, which is handled
    /// analytically. The one copy of the prepared outline: its vertices on the sphere are
    /// `plane.inverse` of these ([`PreparedVolume::outline`]).
    pub(crate) local: Box<[Coord]>,
    /// Farthest outline vertex from `center`, metres.
    pub bounding_radius_m: f64,
    /// `Some(radius)` for a circle.
    pub circle_radius_m: Option<f64>,
    /// Lon/lat boxes covering the outline (two when it crosses the antimeridian).
    pub boxes: Vec<LonLatBox>,
}

impl PreparedVolume {
    /// The outline's vertices on the sphere: the densified polygon, or for a circle the
    /// [`CIRCLE_SEGMENTS`]-gon with the circle's area (vertices slightly outside the circle).
    ///
    /// Polygon vertices come back from the local plane (`plane.inverse` of the kept outline), so
    /// they are the densified vertices to round-off, about 1e-9 m.
    pub fn outline(&self) -> Vec<LatLon> {
        match self.circle_radius_m {
            None => self
                .local
                .iter()
                .map(|c| self.plane.inverse(c.x, c.y))
                .collect(),
            Some(_) => {
                let step = std::f64::consts::TAU / CIRCLE_SEGMENTS as f64;
                let r = self.bounding_radius_m;
                (0..CIRCLE_SEGMENTS)
                    .map(|i| {
                        let b = i as f64 * step;
                        self.plane.inverse(r * b.sin(), r * b.cos())
                    })
                    .collect()
            }
        }
    }

    /// The outline in the volume's own plane as an open ring, metres (empty for a circle).
    pub(crate) fn local_ring(&self) -> &[Coord] {
        &self.local
    }
}

impl Reservation {
    /// Validates every volume.
    ///
    /// # Errors
    /// [`ReservationError`] naming the first bad volume and why.
    pub fn validate(&self) -> Result<(), ReservationError> {
        self.prepare().map(|_| ())
    }

    pub(crate) fn prepare(&self) -> Result<Vec<PreparedVolume>, ReservationError> {
        if self.priority > MAX_PRIORITY {
            return Err(ReservationError::PriorityOutOfRange {
                priority: self.priority,
                max: MAX_PRIORITY,
            });
        }
        prepare_volumes(&self.volumes)
    }
}

/// Validates a list of volumes as one reservation's.
///
/// # Errors
/// No volumes, too many, or the first bad volume with its index.
pub fn validate_volumes(volumes: &[Volume]) -> Result<(), ReservationError> {
    prepare_volumes(volumes).map(|_| ())
}

pub(crate) fn prepare_volumes(volumes: &[Volume]) -> Result<Vec<PreparedVolume>, ReservationError> {
    if volumes.is_empty() {
        return Err(ReservationError::NoVolumes);
    }
    if volumes.len() > MAX_VOLUMES {
        return Err(ReservationError::TooManyVolumes {
            count: volumes.len(),
            max: MAX_VOLUMES,
        });
    }
    volumes
        .iter()
        .enumerate()
        .map(|(index, v)| {
            v.prepare()
                .map_err(|source| ReservationError::Volume { index, source })
        })
        .collect()
}

impl Volume {
    /// Checks the volume (ranges, NaN, polygon validity, sizes, band, window).
    ///
    /// # Errors
    /// The first problem found, as a [`VolumeError`].
    pub fn validate(&self) -> Result<(), VolumeError> {
        self.prepare().map(|_| ())
    }

    /// Validates and precomputes the local-plane geometry.
    ///
    /// # Errors
    /// As [`Volume::validate`].
    pub fn prepare(&self) -> Result<PreparedVolume, VolumeError> {
        let lower_ft = check_range("lower_ft", self.lower_ft, MIN_ALT_FT, MAX_ALT_FT)?;
        let upper_ft = check_range("upper_ft", self.upper_ft, MIN_ALT_FT, MAX_ALT_FT)?;
        if lower_ft >= upper_ft {
            return Err(VolumeError::LowerNotBelowUpper { lower_ft, upper_ft });
        }
        let start_time = check_finite("start_time", self.start_time)?;
        let end_time = check_finite("end_time", self.end_time)?;
        if end_time <= start_time {
            return Err(VolumeError::EndNotAfterStart {
                start_time,
                end_time,
            });
        }
        if end_time - start_time > MAX_WINDOW_S {
            return Err(VolumeError::WindowTooLong {
                duration_s: end_time - start_time,
                max_s: MAX_WINDOW_S,
            });
        }
        match &self.shape {
            Shape::Polygon { coordinates } => self.prepare_polygon(coordinates),
            Shape::Circle { center, radius_m } => self.prepare_circle(*center, *radius_m),
        }
    }

    fn prepare_circle(&self, center: LatLon, radius_m: f64) -> Result<PreparedVolume, VolumeError> {
        let lat = check_range("center.lat_deg", center.lat_deg, -90.0, 90.0)?;
        let lon = check_range("center.lon_deg", center.lon_deg, -180.0, 180.0)?;
        let radius_m = check_finite("radius_m", radius_m)?;
        if radius_m <= 0.0 {
            return Err(VolumeError::RadiusNotPositive { radius_m });
        }
        if radius_m > MAX_RADIUS_M {
            return Err(VolumeError::TooLarge {
                what: "circle radius",
                size_m: radius_m,
                max_m: MAX_RADIUS_M,
            });
        }
        let center = LatLon {
            lat_deg: lat,
            lon_deg: lon,
        };
        let plane = LocalPlane::new(center);
        // Equal-area polygon: scale the vertex radius so the polygon's area is the circle's.
        let n = CIRCLE_SEGMENTS as f64;
        let step = std::f64::consts::TAU / n;
        let vertex_radius_m = radius_m * (std::f64::consts::TAU / (n * step.sin())).sqrt();
        // Exact lon/lat extent of a spherical cap.
        let dlat = (vertex_radius_m / EARTH_RADIUS_M).to_degrees();
        let boxes = if lat + dlat >= 90.0 || lat - dlat <= -90.0 {
            vec![LonLatBox {
                min_lon_deg: -180.0,
                min_lat_deg: (lat - dlat).max(-90.0),
                max_lon_deg: 180.0,
                max_lat_deg: (lat + dlat).min(90.0),
            }]
        } else {
            let ratio = (vertex_radius_m / EARTH_RADIUS_M).sin() / lat.to_radians().cos();
            let dlon = ratio.clamp(-1.0, 1.0).asin().to_degrees();
            split_box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)
        };
        Ok(PreparedVolume {
            volume: self.clone(),
            center,
            plane,
            // Circles are handled analytically in the plane and their outline on the sphere is
            // generated when needed ([`PreparedVolume::outline`]): nothing to keep.
            local: Box::new([]),
            bounding_radius_m: vertex_radius_m,
            circle_radius_m: Some(radius_m),
            boxes,
        })
    }

    fn prepare_polygon(&self, coordinates: &[[f64; 2]]) -> Result<PreparedVolume, VolumeError> {
        // Distinct vertices: a closed ring repeats its first vertex at the end.
        let closed = coordinates.len() > 1 && coordinates.first() == coordinates.last();
        let count = coordinates.len() - usize::from(closed);
        if count > MAX_VERTICES {
            return Err(VolumeError::TooManyVertices {
                count,
                max: MAX_VERTICES,
            });
        }
        let mut vertices: Vec<LatLon> = Vec::with_capacity(coordinates.len());
        for &[lon, lat] in coordinates {
            let p = LatLon {
                lat_deg: check_range("latitude", lat, -90.0, 90.0)?,
                lon_deg: check_range("longitude", lon, -180.0, 180.0)?,
            };
            if vertices.last().is_none_or(|q| !same_point(*q, p)) {
                vertices.push(p);
            }
        }
        while vertices.len() > 1 && same_point(vertices[0], vertices[vertices.len() - 1]) {
            vertices.pop();
        }
        let mut distinct: Vec<LatLon> = Vec::new();
        for p in &vertices {
            if !distinct.iter().any(|q| same_point(*q, *p)) {
                distinct.push(*p);
                if distinct.len() >= 3 {
                    break;
                }
            }
        }
        if distinct.len() < 3 {
            return Err(VolumeError::TooFewVertices {
                distinct: distinct.len(),
            });
        }
        let center = geom::spherical_mean(&vertices).ok_or(VolumeError::TooLarge {
            what: "polygon span",
            size_m: f64::INFINITY,
            max_m: MAX_POLYGON_SPAN_M,
        })?;
        // Reject far-flung vertices before trusting the projection.
        let mut bounding_radius_m: f64 = 0.0;
        for p in &vertices {
            bounding_radius_m = bounding_radius_m.max(geom::distance_m(center, *p));
        }
        if bounding_radius_m > MAX_POLYGON_SPAN_M {
            return Err(VolumeError::TooLarge {
                what: "polygon span",
                size_m: 2.0 * bounding_radius_m,
                max_m: MAX_POLYGON_SPAN_M,
            });
        }
        let plane = LocalPlane::new(center);
        let span_m = span_of(&plane, &vertices);
        if span_m > MAX_POLYGON_SPAN_M {
            return Err(VolumeError::TooLarge {
                what: "polygon span",
                size_m: span_m,
                max_m: MAX_POLYGON_SPAN_M,
            });
        }
        // Densify great-circle edges so straight lines in the plane follow them.
        let mut ring = Vec::with_capacity(vertices.len());
        for (i, a) in vertices.iter().enumerate() {
            let b = vertices[(i + 1) % vertices.len()];
            ring.push(*a);
            let d = geom::distance_m(*a, b);
            let pieces = (d / MAX_EDGE_M).ceil() as usize;
            for k in 1..pieces {
                ring.push(geom::intermediate(*a, b, k as f64 / pieces as f64));
            }
        }
        let local: Vec<Coord> = ring
            .iter()
            .map(|p| {
                let (x, y) = plane.forward(p.lat_deg, p.lon_deg);
                Coord { x, y }
            })
            .collect();
        let local = Polygon::new(LineString::from(local), vec![]);
        if local.convex_hull().unsigned_area() < MIN_AREA_M2 {
            return Err(VolumeError::ZeroArea);
        }
        if ring_self_intersects(&local.exterior().0) {
            return Err(VolumeError::SelfIntersecting);
        }
        if local.unsigned_area() < MIN_AREA_M2 {
            return Err(VolumeError::ZeroArea);
        }
        bounding_radius_m = ring
            .iter()
            .fold(0.0, |m, p| m.max(geom::distance_m(center, *p)));
        let boxes = polygon_boxes(&plane, &local, &ring);
        // Kept as an open ring, allocated to its length.
        let mut local = local.into_inner().0 .0;
        if local.len() > 1 && local.first() == local.last() {
            local.pop();
        }
        Ok(PreparedVolume {
            volume: self.clone(),
            center,
            plane,
            local: local.into_boxed_slice(),
            bounding_radius_m,
            circle_radius_m: None,
            boxes,
        })
    }
}

/// Whether a ring (closed or not) has edges that cross, touch or fold back on each other.
///
/// Equivalent to `geo`'s `Validation` self-intersection rule, but pairs of edges are found
/// through an R-tree of edge boxes instead of all n² pairs, so large polygons stay cheap.
pub(crate) fn ring_self_intersects(coords: &[Coord]) -> bool {
    let mut pts: Vec<Coord> = coords.to_vec();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    let n = pts.len();
    if n < 3 {
        return true;
    }
    let edges: Vec<GeomWithData<Rectangle<[f64; 2]>, usize>> = (0..n)
        .map(|i| {
            let (a, b) = (pts[i], pts[(i + 1) % n]);
            GeomWithData::new(Rectangle::from_corners([a.x, a.y], [b.x, b.y]), i)
        })
        .collect();
    let line = |i: usize| Line::new(pts[i], pts[(i + 1) % n]);
    let tree = RTree::bulk_load(edges.clone());
    for e in &edges {
        let i = e.data;
        for other in tree.locate_in_envelope_intersecting(&e.envelope()) {
            let j = other.data;
            if j <= i {
                continue;
            }
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            match line_intersection(line(i), line(j)) {
                None => {}
                // Neighbours meet at their shared vertex, and only there.
                Some(LineIntersection::SinglePoint { .. }) if adjacent => {}
                Some(_) => return true,
            }
        }
    }
    false
}

fn same_point(a: LatLon, b: LatLon) -> bool {
    a.lat_deg == b.lat_deg
        && geom::normalize_lon_deg(a.lon_deg) == geom::normalize_lon_deg(b.lon_deg)
}

/// Largest distance between two vertices, metres (in the plane, over the convex hull).
fn span_of(plane: &LocalPlane, vertices: &[LatLon]) -> f64 {
    let points: MultiPoint<f64> = vertices
        .iter()
        .map(|p| {
            let (x, y) = plane.forward(p.lat_deg, p.lon_deg);
            geo::Point::new(x, y)
        })
        .collect();
    let hull = points.convex_hull();
    let mut hull: Vec<Coord> = hull.exterior().coords().copied().collect();
    if hull.len() > 1 && hull.first() == hull.last() {
        hull.pop();
    }
    hull_diameter(&hull)
}

/// Diameter of a convex polygon (vertices in order), by rotating calipers: O(n).
fn hull_diameter(h: &[Coord]) -> f64 {
    let n = h.len();
    let dist = |a: Coord, b: Coord| (a.x - b.x).hypot(a.y - b.y);
    match n {
        0 | 1 => return 0.0,
        2 => return dist(h[0], h[1]),
        _ => {}
    }
    let area2 = |a: Coord, b: Coord, c: Coord| {
        ((b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)).abs()
    };
    let mut j = 1;
    let mut best: f64 = 0.0;
    for i in 0..n {
        let ni = (i + 1) % n;
        let mut guard = 0;
        while area2(h[i], h[ni], h[(j + 1) % n]) > area2(h[i], h[ni], h[j]) && guard < n {
            j = (j + 1) % n;
            guard += 1;
        }
        best = best.max(dist(h[i], h[j])).max(dist(h[ni], h[j]));
    }
    best
}

/// Padding added to polygon boxes for great-circle bulge between densified vertices, degrees.
const BOX_PAD_DEG: f64 = 0.01;

fn polygon_boxes(plane: &LocalPlane, local: &Polygon<f64>, ring: &[LatLon]) -> Vec<LonLatBox> {
    use geo::Contains;
    let c = plane.center();
    let (mut min_lon, mut max_lon) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut min_lat, mut max_lat) = (f64::INFINITY, f64::NEG_INFINITY);
    for p in ring {
        let lon = geom::unwrap_lon_deg(p.lon_deg, c.lon_deg);
        min_lon = min_lon.min(lon);
        max_lon = max_lon.max(lon);
        min_lat = min_lat.min(p.lat_deg);
        max_lat = max_lat.max(p.lat_deg);
    }
    let contains_pole = |lat: f64| {
        let (x, y) = plane.forward(lat, 0.0);
        local.contains(&geo::Point::new(x, y))
    };
    if contains_pole(90.0) || contains_pole(-90.0) {
        let north = contains_pole(90.0);
        return vec![LonLatBox {
            min_lon_deg: -180.0,
            min_lat_deg: if north { min_lat - BOX_PAD_DEG } else { -90.0 },
            max_lon_deg: 180.0,
            max_lat_deg: if north { 90.0 } else { max_lat + BOX_PAD_DEG },
        }];
    }
    split_box(
        min_lon - BOX_PAD_DEG,
        min_lat - BOX_PAD_DEG,
        max_lon + BOX_PAD_DEG,
        max_lat + BOX_PAD_DEG,
    )
}

/// Splits an unwrapped box at the antimeridian and clamps it to the globe.
pub(crate) fn split_box(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> Vec<LonLatBox> {
    let (min_lat, max_lat) = (min_lat.max(-90.0), max_lat.min(90.0));
    let make = |a: f64, b: f64| LonLatBox {
        min_lon_deg: a,
        min_lat_deg: min_lat,
        max_lon_deg: b,
        max_lat_deg: max_lat,
    };
    if max_lon - min_lon >= 360.0 {
        vec![make(-180.0, 180.0)]
    } else if min_lon < -180.0 {
        vec![make(min_lon + 360.0, 180.0), make(-180.0, max_lon)]
    } else if max_lon > 180.0 {
        vec![make(min_lon, 180.0), make(-180.0, max_lon - 360.0)]
    } else {
        vec![make(min_lon, max_lon)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Validation;

    fn ring(points: &[(f64, f64)]) -> Vec<Coord> {
        points.iter().map(|&(x, y)| Coord { x, y }).collect()
    }

    #[test]
    fn self_intersection_matches_geo_validation() {
        let cases: &[&[(f64, f64)]] = &[
            &[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)],
            &[(0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0)], // bow tie
            &[(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (1.0, 0.0), (0.0, 2.0)], // vertex on an edge
            &[(0.0, 0.0), (2.0, 0.0), (1.0, 0.0), (1.0, 1.0)], // spike back along an edge
            &[
                (0.0, 0.0),
                (3.0, 0.0),
                (3.0, 3.0),
                (2.0, 1.0),
                (1.0, 2.0),
                (0.0, 3.0),
            ],
            &[(0.0, 0.0), (1.0, 0.0), (0.5, 1.0)],
        ];
        for pts in cases {
            let r = ring(pts);
            let expected = !Polygon::new(LineString::from(r.clone()), vec![]).is_valid();
            assert_eq!(ring_self_intersects(&r), expected, "{pts:?}");
        }
    }

    #[test]
    fn hull_diameter_matches_all_pairs() {
        for n in 3..40usize {
            let pts: Vec<Coord> = (0..n)
                .map(|k| {
                    let a = std::f64::consts::TAU * k as f64 / n as f64;
                    Coord {
                        x: 3.0 * a.cos() + 0.1 * k as f64,
                        y: 1.5 * a.sin(),
                    }
                })
                .collect();
            let hull =
                MultiPoint::from(pts.iter().map(|c| geo::Point::from(*c)).collect::<Vec<_>>())
                    .convex_hull();
            let mut h: Vec<Coord> = hull.exterior().coords().copied().collect();
            h.pop();
            let brute = pts
                .iter()
                .flat_map(|a| pts.iter().map(move |b| (a.x - b.x).hypot(a.y - b.y)))
                .fold(0.0, f64::max);
            assert!((hull_diameter(&h) - brute).abs() < 1e-12, "n = {n}");
        }
    }

    #[test]
    fn large_polygons_validate_quickly() {
        // 10,000-vertex circle: the R-tree keeps this well under a second even in debug builds.
        let n = MAX_VERTICES;
        let coordinates: Vec<[f64; 2]> = (0..n)
            .map(|k| {
                let a = std::f64::consts::TAU * k as f64 / n as f64;
                [35.0 + 0.5 * a.cos(), 35.0 + 0.5 * a.sin()]
            })
            .collect();
        let v = Volume {
            shape: Shape::Polygon { coordinates },
            lower_ft: 0.0,
            upper_ft: 1_000.0,
            start_time: 0.0,
            end_time: 1.0,
        };
        let t = std::time::Instant::now();
        assert_eq!(v.validate(), Ok(()));
        assert!(
            t.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            t.elapsed()
        );
    }
}
