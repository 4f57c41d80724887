//! Seeded synthetic traffic for tests, demos and benchmarks.
//!
//! [`generate`] is a pure function of `(n, seed, region)` (ChaCha8 stream), so a snapshot can
//! be reproduced anywhere. Structure, for [`Region::Global`] and [`Region::Europe`]:
//! - 50 real major airports (ICAO code, aerodrome reference point, relative traffic weight),
//!   each with a catchment of regional airports 30-400 NM away (60 % of flights start or end
//!   at one of these rather than at the hub);
//! - 78 % of aircraft cruise on great-circle routes between airport pairs (pairs drawn by
//!   weight, short-haul favoured), with a lateral offset of up to 8 NM from the centreline,
//!   at flight levels FL250-FL410 by the semicircular rule (odd thousands eastbound, even
//!   westbound), 5 % of them in a step climb/descent, ground speed 400-540 kt;
//! - 22 % climb out of or descend into an airport (hub or regional) within 3-120 NM of it, altitude growing
//!   about 300 ft per NM, ground speed 160-330 kt by distance, 1200-3000 ft/min;
//! - parties: 80 % `civil`, 10 % `blue`, 10 % `red`.
//!
//! [`Region::DenseBox`] is the classic simulator stress case: N aircraft uniform in a
//! 240 NM x 222 NM box centred on 50 N 8 E, altitudes uniform FL200-FL400, tracks uniform,
//! 250-500 kt, 30 % climbing or descending at 1000-3000 ft/min.

use crate::geodesy::normalise_lon_deg;
use crate::state::AircraftState;
use crate::units::NM_PER_DEG_LAT;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Where the synthetic traffic flies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum Region {
    /// The whole world, between 50 major airports and their regional airports.
    Global,
    /// Europe only, between its major airports.
    Europe,
    /// N aircraft uniform in a 240 x 222 NM box at FL200-FL400.
    DenseBox,
}

/// A major airport: ICAO code, latitude deg, longitude deg, relative traffic weight,
/// whether it is European.
pub const AIRPORTS: &[(&str, f64, f64, f64, bool)] = &[
    ("KATL", 33.6367, -84.4281, 10.0, false),
    ("KLAX", 33.9425, -118.4081, 8.0, false),
    ("KORD", 41.9786, -87.9048, 9.0, false),
    ("KDFW", 32.8968, -97.0380, 9.0, false),
    ("KDEN", 39.8617, -104.6731, 8.0, false),
    ("KJFK", 40.6398, -73.7789, 7.0, false),
    ("KSFO", 37.6190, -122.3749, 5.0, false),
    ("KSEA", 47.4490, -122.3093, 5.0, false),
    ("KMIA", 25.7933, -80.2906, 5.0, false),
    ("KLAS", 36.0840, -115.1537, 5.0, false),
    ("CYYZ", 43.6777, -79.6248, 5.0, false),
    ("MMMX", 19.4363, -99.0721, 4.0, false),
    ("SBGR", -23.4356, -46.4731, 4.0, false),
    ("SCEL", -33.3930, -70.7858, 2.0, false),
    ("PANC", 61.1743, -149.9963, 1.5, false),
    ("PHNL", 21.3187, -157.9225, 2.0, false),
    ("EGLL", 51.4700, -0.4543, 7.0, true),
    ("LFPG", 49.0097, 2.5479, 7.0, true),
    ("EHAM", 52.3086, 4.7639, 7.0, true),
    ("EDDF", 50.0333, 8.5706, 7.0, true),
    ("LEMD", 40.4719, -3.5626, 6.0, true),
    ("LEBL", 41.2971, 2.0785, 5.0, true),
    ("LIRF", 41.8003, 12.2389, 5.0, true),
    ("EDDM", 48.3538, 11.7861, 5.0, true),
    ("LTFM", 41.2753, 28.7519, 6.0, true),
    ("EIDW", 53.4213, -6.2701, 3.0, true),
    ("LSZH", 47.4647, 8.5492, 3.0, true),
    ("EKCH", 55.6181, 12.6561, 3.0, true),
    ("LOWW", 48.1103, 16.5697, 3.0, true),
    ("EPWA", 52.1657, 20.9671, 2.5, true),
    ("ENGM", 60.1939, 11.1004, 2.5, true),
    ("BIKF", 63.9850, -22.6056, 1.0, true),
    ("UUEE", 55.9726, 37.4146, 4.0, false),
    ("HECA", 30.1219, 31.4056, 3.0, false),
    ("FAOR", -26.1392, 28.2460, 2.5, false),
    ("OMDB", 25.2528, 55.3644, 7.0, false),
    ("OTHH", 25.2731, 51.6081, 4.0, false),
    ("VIDP", 28.5665, 77.1031, 6.0, false),
    ("VABB", 19.0887, 72.8679, 5.0, false),
    ("ZBAA", 40.0801, 116.5846, 7.0, false),
    ("ZSPD", 31.1434, 121.8052, 6.0, false),
    ("ZGGG", 23.3924, 113.2988, 6.0, false),
    ("VHHH", 22.3080, 113.9185, 5.0, false),
    ("RJTT", 35.5523, 139.7798, 7.0, false),
    ("RKSI", 37.4602, 126.4407, 5.0, false),
    ("WSSS", 1.3644, 103.9915, 5.0, false),
    ("VTBS", 13.6900, 100.7501, 5.0, false),
    ("WIII", -6.1256, 106.6559, 5.0, false),
    ("YSSY", -33.9461, 151.1772, 4.0, false),
    ("NZAA", -37.0081, 174.7917, 2.0, false),
];

/// Mean Earth radius used for the synthetic geometry, nautical miles.
const EARTH_RADIUS_NM: f64 = 3440.065;

fn unit(lat_deg: f64, lon_deg: f64) -> [f64; 3] {
    let (sl, cl) = lat_deg.to_radians().sin_cos();
    let (so, co) = lon_deg.to_radians().sin_cos();
    [cl * co, cl * so, sl]
}

fn to_lat_lon(p: [f64; 3]) -> (f64, f64) {
    let lat = p[2].clamp(-1.0, 1.0).asin().to_degrees();
    let lon = normalise_lon_deg(p[1].atan2(p[0]).to_degrees());
    (lat, lon)
}

/// Point reached from (lat, lon) after `dist_nm` on initial course `crs_deg` (sphere).
fn destination(lat_deg: f64, lon_deg: f64, crs_deg: f64, dist_nm: f64) -> (f64, f64) {
    let d = dist_nm / EARTH_RADIUS_NM;
    let (sl, cl) = lat_deg.to_radians().sin_cos();
    let (sc, cc) = crs_deg.to_radians().sin_cos();
    let lat2 = (sl * d.cos() + cl * d.sin() * cc).clamp(-1.0, 1.0).asin();
    let lon2 = lon_deg.to_radians() + (sc * d.sin() * cl).atan2(d.cos() - sl * lat2.sin());
    (
        lat2.to_degrees().clamp(-90.0, 90.0),
        normalise_lon_deg(lon2.to_degrees()),
    )
}

/// Initial great-circle course from 1 to 2, degrees in [0, 360).
fn course_deg(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dl = (lon2 - lon1).to_radians();
    let y = dl.sin() * p2.cos();
    let x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos();
    y.atan2(x).to_degrees().rem_euclid(360.0)
}

fn angle_rad(a: [f64; 3], b: [f64; 3]) -> f64 {
    let d = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]).clamp(-1.0, 1.0);
    d.acos()
}

fn slerp(a: [f64; 3], b: [f64; 3], f: f64) -> [f64; 3] {
    let om = angle_rad(a, b);
    if om < 1e-9 {
        return a;
    }
    let (sa, sb) = (((1.0 - f) * om).sin() / om.sin(), (f * om).sin() / om.sin());
    [
        sa * a[0] + sb * b[0],
        sa * a[1] + sb * b[1],
        sa * a[2] + sb * b[2],
    ]
}

fn party(rng: &mut ChaCha8Rng) -> String {
    let x: f64 = rng.gen();
    if x < 0.8 {
        "civil"
    } else if x < 0.9 {
        "blue"
    } else {
        "red"
    }
    .to_string()
}

/// A unique six-hex-digit id for aircraft `i` (an odd multiplier is a bijection mod 2^24).
fn icao_id(i: usize, seed: u64) -> String {
    let x = ((i as u64).wrapping_mul(0x9E_3779) ^ (seed.wrapping_mul(0x5851_F42D) & 0xFF_FFFF))
        & 0xFF_FFFF;
    if i < 1 << 24 {
        format!("{x:06X}")
    } else {
        format!("{x:06X}-{}", i >> 24)
    }
}

/// `n` aircraft of seeded synthetic traffic over `region`; see the module docs.
///
/// # Examples
/// ```
/// use deconflict_engine::traffic::{generate, Region};
/// let a = generate(100, 7, Region::Global);
/// assert_eq!(a, generate(100, 7, Region::Global));
/// assert!(a.iter().all(|s| s.validate().is_ok()));
/// ```
pub fn generate(n: usize, seed: u64, region: Region) -> Vec<AircraftState> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    match region {
        Region::DenseBox => (0..n).map(|i| dense_box(&mut rng, i, seed)).collect(),
        Region::Global | Region::Europe => {
            let airports: Vec<_> = AIRPORTS
                .iter()
                .filter(|a| region == Region::Global || a.4)
                .copied()
                .collect();
            // Route weights: product of airport weights, short-haul favoured.
            let mut routes = Vec::new();
            for (i, a) in airports.iter().enumerate() {
                for b in &airports[i + 1..] {
                    let d_nm = angle_rad(unit(a.1, a.2), unit(b.1, b.2)) * EARTH_RADIUS_NM;
                    routes.push((*a, *b, a.3 * b.3 / (1.0 + d_nm / 1500.0)));
                }
            }
            let route_total: f64 = routes.iter().map(|r| r.2).sum();
            let airport_total: f64 = airports.iter().map(|a| a.3).sum();
            (0..n)
                .map(|i| {
                    if rng.gen_bool(0.78) {
                        let (a, b, _) = pick_weighted(&mut rng, &routes, route_total, |r| r.2);
                        cruise(&mut rng, i, seed, a, b)
                    } else {
                        let ap = pick_weighted(&mut rng, &airports, airport_total, |a| a.3);
                        terminal(&mut rng, i, seed, ap)
                    }
                })
                .collect()
        }
    }
}

type Airport = (&'static str, f64, f64, f64, bool);

/// One of `items` (not empty), drawn with probability proportional to `weight`: one uniform
/// draw in `[0, total)`, where `total` is the sum of the weights, walked down the list. When
/// rounding leaves the draw past the last weight, the last item.
fn pick_weighted<T: Copy>(
    rng: &mut ChaCha8Rng,
    items: &[T],
    total: f64,
    weight: impl Fn(&T) -> f64,
) -> T {
    let mut x = rng.gen_range(0.0..total);
    for item in items {
        let w = weight(item);
        if x < w {
            return *item;
        }
        x -= w;
    }
    items[items.len() - 1]
}

/// A regional airport: with probability 0.6 a point 30-400 NM from the major airport `a`
/// (the hub's catchment), otherwise the hub itself. Returns (lat, lon).
fn regional(rng: &mut ChaCha8Rng, a: Airport) -> (f64, f64) {
    if rng.gen_bool(0.6) {
        destination(
            a.1,
            a.2,
            rng.gen_range(0.0..360.0),
            rng.gen_range(30.0..400.0),
        )
    } else {
        (a.1, a.2)
    }
}

fn cruise(rng: &mut ChaCha8Rng, i: usize, seed: u64, a: Airport, b: Airport) -> AircraftState {
    let (from, to) = if rng.gen_bool(0.5) { (a, b) } else { (b, a) };
    let (from, to) = (regional(rng, from), regional(rng, to));
    let (pa, pb) = (unit(from.0, from.1), unit(to.0, to.1));
    // Cruise between 15 % and 85 % of the route (the rest is climb and descent).
    let f = rng.gen_range(0.15..0.85);
    let (lat0, lon0) = to_lat_lon(slerp(pa, pb, f));
    let trk = course_deg(lat0, lon0, to.0, to.1);
    let offset_nm = rng.gen_range(-8.0..8.0);
    let (lat, lon) = destination(lat0, lon0, trk + 90.0, offset_nm);
    let trk_deg = (trk + rng.gen_range(-2.0..2.0)).rem_euclid(360.0);
    let eastbound = trk_deg < 180.0;
    // Semicircular rule: odd thousands eastbound (FL250..FL410), even westbound (FL260..FL400).
    let fl = if eastbound {
        250 + 20 * rng.gen_range(0..9)
    } else {
        260 + 20 * rng.gen_range(0..8)
    };
    let (alt_ft, vs_fpm) = if rng.gen_bool(0.05) {
        let climbing = rng.gen_bool(0.5);
        (
            f64::from(fl) * 100.0 + rng.gen_range(0.0..2000.0) * if climbing { -1.0 } else { 1.0 },
            if climbing { 1.0 } else { -1.0 } * rng.gen_range(500.0..1500.0),
        )
    } else {
        (f64::from(fl) * 100.0, 0.0)
    };
    AircraftState {
        id: icao_id(i, seed),
        party: Some(party(rng)),
        lat_deg: lat,
        lon_deg: lon,
        alt_ft,
        gs_kt: rng.gen_range(400.0..540.0),
        trk_deg,
        vs_fpm,
    }
}

fn terminal(rng: &mut ChaCha8Rng, i: usize, seed: u64, ap: Airport) -> AircraftState {
    let (ap_lat, ap_lon) = regional(rng, ap);
    let r_nm: f64 = rng.gen_range(3.0..120.0);
    let bearing = rng.gen_range(0.0..360.0);
    let (lat, lon) = destination(ap_lat, ap_lon, bearing, r_nm);
    let climbing = rng.gen_bool(0.5);
    let alt_ft = (1500.0 + r_nm * rng.gen_range(250.0..340.0)).min(36_000.0);
    let gs_kt = (160.0 + r_nm * 1.8 + rng.gen_range(-15.0..15.0)).min(330.0);
    let (trk, vs_fpm) = if climbing {
        (bearing, rng.gen_range(1200.0..3000.0))
    } else {
        // Inbound: course back to the airport.
        (
            course_deg(lat, lon, ap.1, ap.2),
            -rng.gen_range(1200.0..2500.0),
        )
    };
    AircraftState {
        id: icao_id(i, seed),
        party: Some(party(rng)),
        lat_deg: lat,
        lon_deg: lon,
        alt_ft,
        gs_kt,
        trk_deg: (trk + rng.gen_range(-15.0..15.0)).rem_euclid(360.0),
        vs_fpm,
    }
}

fn dense_box(rng: &mut ChaCha8Rng, i: usize, seed: u64) -> AircraftState {
    let (lat0, lon0) = (50.0f64, 8.0f64);
    let x_nm = rng.gen_range(-120.0..120.0);
    let y_nm = rng.gen_range(-111.0..111.0);
    let lat = lat0 + y_nm / NM_PER_DEG_LAT;
    let lon = lon0 + x_nm / (NM_PER_DEG_LAT * lat.to_radians().cos());
    let vs_fpm = if rng.gen_bool(0.3) {
        rng.gen_range(1000.0..3000.0) * if rng.gen_bool(0.5) { 1.0 } else { -1.0 }
    } else {
        0.0
    };
    AircraftState {
        id: icao_id(i, seed),
        party: Some(party(rng)),
        lat_deg: lat,
        lon_deg: lon,
        alt_ft: rng.gen_range(20_000.0..40_000.0),
        gs_kt: rng.gen_range(250.0..500.0),
        trk_deg: rng.gen_range(0.0..360.0),
        vs_fpm,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_unique_and_states_valid() {
        for region in [Region::Global, Region::Europe, Region::DenseBox] {
            let t = generate(5000, 42, region);
            let mut ids: Vec<_> = t.iter().map(|s| s.id.clone()).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), 5000);
            assert!(t.iter().all(|s| s.validate().is_ok()));
        }
    }

    #[test]
    fn seeds_differ_and_structure_is_plausible() {
        assert_ne!(
            generate(50, 1, Region::Global),
            generate(50, 2, Region::Global)
        );
        let t = generate(10_000, 3, Region::Global);
        let level = t.iter().filter(|s| s.vs_fpm == 0.0).count() as f64 / 1e4;
        assert!((0.65..0.85).contains(&level), "{level}");
        let cruise_ok = t
            .iter()
            .filter(|s| s.vs_fpm == 0.0)
            .all(|s| (25_000.0..=41_000.0).contains(&s.alt_ft) && s.alt_ft % 1000.0 == 0.0);
        assert!(cruise_ok);
        let civil = t
            .iter()
            .filter(|s| s.party.as_deref() == Some("civil"))
            .count();
        assert!((7_500..8_500).contains(&civil));
        let d = generate(10_000, 3, Region::DenseBox);
        let moving = d.iter().filter(|s| s.vs_fpm != 0.0).count();
        assert!((2_800..3_200).contains(&moving));
        assert!(
            d.iter()
                .all(|s| (48.0..52.0).contains(&s.lat_deg)
                    && (20_000.0..40_000.0).contains(&s.alt_ft))
        );
        let e = generate(2000, 3, Region::Europe);
        assert!(e
            .iter()
            .all(|s| (25.0..72.0).contains(&s.lat_deg) && (-35.0..45.0).contains(&s.lon_deg)));
    }
}
