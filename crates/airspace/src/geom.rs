//! Spherical helpers and the local plane in which overlaps and intrusions are computed.
//!
//! Every exact computation in this crate happens in an azimuthal equidistant projection
//! ([`LocalPlane`]) centred on one of the volumes involved. Distances from the centre are true,
//! areas within a few hundred kilometres are within a fraction of a percent of the spherical
//! area, and — the reason for choosing it — the plane is continuous across the antimeridian and
//! the poles, so a polygon spanning 180° E/W is an ordinary polygon there.
//!
//! Great-circle helpers come from `geo`'s [`Haversine`] metric space (mean Earth radius of GRS80,
//! 6,371,008.8 m); the projection uses the same radius so the two agree.
//!
//! Formulas: J. P. Snyder, *Map Projections — A Working Manual*, USGS PP 1395 (1987), §25
//! (azimuthal equidistant, spherical forward eqs. 25-2, 25-3, 4-4, 22-4; inverse 20-14, 20-15).

use geo::{Bearing, Destination, Distance, Haversine, InterpolatePoint, Point};

use serde::{Deserialize, Serialize};

/// A WGS-84 position in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LatLon {
    /// Latitude, degrees north, [-90, 90].
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub lat_deg: f64,
    /// Longitude, degrees east, [-180, 180].
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub lon_deg: f64,
}

/// Earth radius used for every spherical computation, in metres (GRS80 mean radius, as `geo`).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// An azimuthal equidistant projection centred on a point, with coordinates in metres
/// (x east, y north at the centre).
#[derive(Debug, Clone, Copy)]
pub struct LocalPlane {
    center: LatLon,
    lon0_rad: f64,
    sin_lat0: f64,
    cos_lat0: f64,
}

impl LocalPlane {
    /// A plane centred on `center`.
    pub fn new(center: LatLon) -> Self {
        let lat0 = center.lat_deg.to_radians();
        Self {
            center,
            lon0_rad: center.lon_deg.to_radians(),
            sin_lat0: lat0.sin(),
            cos_lat0: lat0.cos(),
        }
    }

    /// The point the plane is centred on.
    pub fn center(&self) -> LatLon {
        self.center
    }

    /// Projects a WGS-84 position (degrees) to plane metres `(x_m, y_m)`.
    pub fn forward(&self, lat_deg: f64, lon_deg: f64) -> (f64, f64) {
        let lat = lat_deg.to_radians();
        let dlon = lon_deg.to_radians() - self.lon0_rad;
        let (sin_lat, cos_lat) = lat.sin_cos();
        let (sin_dlon, cos_dlon) = dlon.sin_cos();
        let cos_c = (self.sin_lat0 * sin_lat + self.cos_lat0 * cos_lat * cos_dlon).clamp(-1.0, 1.0);
        let c = cos_c.acos();
        let k = if c < 1e-12 { 1.0 } else { c / c.sin() };
        let x = k * cos_lat * sin_dlon;
        let y = k * (self.cos_lat0 * sin_lat - self.sin_lat0 * cos_lat * cos_dlon);
        (x * EARTH_RADIUS_M, y * EARTH_RADIUS_M)
    }

    /// Back-projects plane metres to a WGS-84 position, longitude normalised to [-180, 180).
    pub fn inverse(&self, x_m: f64, y_m: f64) -> LatLon {
        let rho = x_m.hypot(y_m);
        if rho < 1e-9 {
            return self.center;
        }
        let c = rho / EARTH_RADIUS_M;
        let (sin_c, cos_c) = c.sin_cos();
        let lat = (cos_c * self.sin_lat0 + y_m * sin_c * self.cos_lat0 / rho)
            .clamp(-1.0, 1.0)
            .asin();
        let lon = self.lon0_rad
            + (x_m * sin_c).atan2(rho * self.cos_lat0 * cos_c - y_m * self.sin_lat0 * sin_c);
        LatLon {
            lat_deg: lat.to_degrees(),
            lon_deg: normalize_lon_deg(lon.to_degrees()),
        }
    }
}

/// Wraps a longitude into [-180, 180).
pub fn normalize_lon_deg(lon_deg: f64) -> f64 {
    let l = (lon_deg + 180.0).rem_euclid(360.0) - 180.0;
    if l.is_finite() {
        l
    } else {
        lon_deg
    }
}

/// Shifts `lon_deg` by a multiple of 360° so it is within 180° of `reference_deg`.
pub fn unwrap_lon_deg(lon_deg: f64, reference_deg: f64) -> f64 {
    reference_deg + normalize_lon_deg(lon_deg - reference_deg)
}

fn point(p: LatLon) -> Point<f64> {
    Point::new(p.lon_deg, p.lat_deg)
}

fn latlon(p: Point<f64>) -> LatLon {
    LatLon {
        lat_deg: p.y(),
        lon_deg: normalize_lon_deg(p.x()),
    }
}

/// Great-circle distance, metres.
pub fn distance_m(a: LatLon, b: LatLon) -> f64 {
    Haversine.distance(point(a), point(b))
}

/// Initial great-circle bearing from `a` to `b`, degrees true in [0, 360).
pub fn bearing_deg(a: LatLon, b: LatLon) -> f64 {
    Haversine.bearing(point(a), point(b)).rem_euclid(360.0)
}

/// The point `distance_m` along the great circle leaving `origin` on `bearing_deg`.
pub fn destination(origin: LatLon, bearing_deg: f64, distance_m: f64) -> LatLon {
    latlon(Haversine.destination(point(origin), bearing_deg, distance_m))
}

/// The point a fraction `f` of the way from `a` to `b` along the great circle.
pub fn intermediate(a: LatLon, b: LatLon, f: f64) -> LatLon {
    latlon(Haversine.point_at_ratio_between(point(a), point(b), f))
}

/// Mean of positions on the unit sphere (robust across the antimeridian and near poles).
pub fn spherical_mean(points: &[LatLon]) -> Option<LatLon> {
    let (mut sx, mut sy, mut sz) = (0.0, 0.0, 0.0);
    for p in points {
        let (lat, lon) = (p.lat_deg.to_radians(), p.lon_deg.to_radians());
        sx += lat.cos() * lon.cos();
        sy += lat.cos() * lon.sin();
        sz += lat.sin();
    }
    let norm = (sx * sx + sy * sy + sz * sz).sqrt();
    if points.is_empty() || norm < 1e-9 {
        return None;
    }
    Some(LatLon {
        lat_deg: (sz / norm).asin().to_degrees(),
        lon_deg: sy.atan2(sx).to_degrees(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn projection_round_trips_and_keeps_distance_from_centre() {
        let plane = LocalPlane::new(LatLon {
            lat_deg: 35.5,
            lon_deg: 35.8,
        });
        for &(lat, lon) in &[(35.5, 35.8), (36.0, 36.5), (30.0, 30.0), (-10.0, 100.0)] {
            let (x, y) = plane.forward(lat, lon);
            let back = plane.inverse(x, y);
            assert_abs_diff_eq!(back.lat_deg, lat, epsilon = 1e-9);
            assert_abs_diff_eq!(back.lon_deg, lon, epsilon = 1e-9);
            let d = distance_m(
                plane.center(),
                LatLon {
                    lat_deg: lat,
                    lon_deg: lon,
                },
            );
            assert_abs_diff_eq!(x.hypot(y), d, epsilon = 1e-3);
        }
    }

    #[test]
    fn projection_is_continuous_across_the_antimeridian() {
        let plane = LocalPlane::new(LatLon {
            lat_deg: 0.0,
            lon_deg: 179.9,
        });
        let (xa, _) = plane.forward(0.0, 179.95);
        let (xb, _) = plane.forward(0.0, -179.95);
        assert!(xb > xa);
        assert_abs_diff_eq!(
            xb - xa,
            0.1f64.to_radians() * EARTH_RADIUS_M,
            epsilon = 1e-3
        );
    }

    #[test]
    fn unwraps_longitudes() {
        assert_abs_diff_eq!(unwrap_lon_deg(-179.0, 179.0), 181.0);
        assert_abs_diff_eq!(normalize_lon_deg(181.0), -179.0);
        let m = spherical_mean(&[
            LatLon {
                lat_deg: 0.0,
                lon_deg: 179.0,
            },
            LatLon {
                lat_deg: 0.0,
                lon_deg: -179.0,
            },
        ])
        .unwrap();
        assert_abs_diff_eq!(m.lon_deg.abs(), 180.0, epsilon = 1e-9);
    }
}
