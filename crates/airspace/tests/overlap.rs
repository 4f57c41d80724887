//! Overlap results against hand-computed geometry, and validation errors.

use approx::assert_relative_eq;
use deconflict_airspace::geom::{destination, LocalPlane};
use deconflict_airspace::{
    overlaps, GeoJsonGeometry, LatLon, RangeError, ReservationError, ReservationState, Shape,
    Volume, VolumeError,
};

const R_M: f64 = deconflict_airspace::geom::EARTH_RADIUS_M;

fn vol(shape: Shape) -> Volume {
    Volume {
        shape,
        lower_ft: 0.0,
        upper_ft: 10_000.0,
        start_time: 1_000.0,
        end_time: 5_000.0,
    }
}

fn lonlat_box(lon0: f64, lat0: f64, lon1: f64, lat1: f64) -> Shape {
    Shape::Polygon {
        coordinates: vec![
            [lon0, lat0],
            [lon1, lat0],
            [lon1, lat1],
            [lon0, lat1],
            [lon0, lat0],
        ],
    }
}

/// An axis-aligned rectangle `[x0, x1] × [y0, y1]` metres in the plane centred on `c`.
fn plane_rect(c: LatLon, x0: f64, y0: f64, x1: f64, y1: f64) -> Shape {
    let plane = LocalPlane::new(c);
    let coordinates = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        .iter()
        .map(|&(x, y)| {
            let p = plane.inverse(x, y);
            [p.lon_deg, p.lat_deg]
        })
        .collect();
    Shape::Polygon { coordinates }
}

fn circle(center: LatLon, radius_m: f64) -> Shape {
    Shape::Circle { center, radius_m }
}

fn one(a: Volume, b: Volume) -> Option<deconflict_airspace::Overlap> {
    let mut v = overlaps(&[a], &[b]).expect("valid volumes");
    assert!(v.len() <= 1);
    v.pop()
}

const LATAKIA: LatLon = LatLon {
    lat_deg: 35.52,
    lon_deg: 35.79,
};

#[test]
fn squares_overlapping_by_a_known_area() {
    // 10 km squares offset by (3 km, 4 km): the overlap is 7 km × 6 km = 42 km².
    let a = vol(plane_rect(LATAKIA, -5_000.0, -5_000.0, 5_000.0, 5_000.0));
    let b = vol(plane_rect(LATAKIA, -2_000.0, -1_000.0, 8_000.0, 9_000.0));
    let o = one(a, b).expect("overlap");
    assert_relative_eq!(o.area_m2, 42.0e6, max_relative = 1e-4);
    assert_eq!(
        (o.lower_ft, o.upper_ft, o.start_time, o.end_time),
        (0.0, 10_000.0, 1_000.0, 5_000.0)
    );
    let GeoJsonGeometry::Polygon { coordinates } = &o.geometry else {
        panic!("one polygon")
    };
    assert_eq!(coordinates.len(), 1);
    assert_eq!(coordinates[0].first(), coordinates[0].last());
    assert!(coordinates[0].len() >= 5);
}

#[test]
fn lon_lat_squares_at_the_equator() {
    // [0, 0.1]² and [0.05, 0.15]²: 0.05° × 0.05° on the sphere, ≈ (R·0.05°)².
    let o = one(
        vol(lonlat_box(0.0, 0.0, 0.1, 0.1)),
        vol(lonlat_box(0.05, 0.05, 0.15, 0.15)),
    )
    .expect("overlap");
    let side = R_M * 0.05f64.to_radians();
    assert_relative_eq!(o.area_m2, side * side, max_relative = 1e-3);
}

fn lens_area(r1: f64, r2: f64, d: f64) -> f64 {
    let a = r1 * r1 * ((d * d + r1 * r1 - r2 * r2) / (2.0 * d * r1)).acos();
    let b = r2 * r2 * ((d * d + r2 * r2 - r1 * r1) / (2.0 * d * r2)).acos();
    let c = 0.5 * ((-d + r1 + r2) * (d + r1 - r2) * (d - r1 + r2) * (d + r1 + r2)).sqrt();
    a + b - c
}

#[test]
fn circles_overlap_by_the_lens_area() {
    for &(r1, r2, d) in &[
        (5_000.0, 5_000.0, 6_000.0),
        (20_000.0, 8_000.0, 18_000.0),
        (1_000.0, 3_000.0, 3_500.0),
    ] {
        let c2 = destination(LATAKIA, 37.0, d);
        let o = one(vol(circle(LATAKIA, r1)), vol(circle(c2, r2))).expect("overlap");
        assert_relative_eq!(o.area_m2, lens_area(r1, r2, d), max_relative = 5e-3);
    }
}

/// Great-circle distance on the sphere every airspace computation uses (radius
/// [`R_M`]), from the angle between unit vectors: independent of the crate's haversine.
fn sphere_distance_m(a: LatLon, b: LatLon) -> f64 {
    let unit = |p: LatLon| {
        let (lat, lon) = (p.lat_deg.to_radians(), p.lon_deg.to_radians());
        [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
    };
    let (u, v) = (unit(a), unit(b));
    let cross = [
        u[1] * v[2] - u[2] * v[1],
        u[2] * v[0] - u[0] * v[2],
        u[0] * v[1] - u[1] * v[0],
    ];
    let sin = (cross[0].powi(2) + cross[1].powi(2) + cross[2].powi(2)).sqrt();
    let cos = u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
    sin.atan2(cos) * R_M
}

/// Pairs of circles `(first centre, bearing to the second °, r1 m, r2 m)`: mid-latitude, high
/// latitude, over the pole and across the antimeridian.
const TANGENT_CASES: [(LatLon, f64, f64, f64); 6] = [
    (LATAKIA, 90.0, 5_000.0, 5_000.0),
    (LATAKIA, 0.0, 20_000.0, 8_000.0),
    (LATAKIA, 37.0, 1_000.0, 3_000.0),
    (
        LatLon {
            lat_deg: 78.2,
            lon_deg: 15.6,
        },
        135.0,
        7_000.0,
        4_000.0,
    ),
    (
        LatLon {
            lat_deg: 89.9,
            lon_deg: 10.0,
        },
        0.0,
        4_000.0,
        6_000.0,
    ),
    (
        LatLon {
            lat_deg: -16.5,
            lon_deg: 179.98,
        },
        90.0,
        3_000.0,
        2_500.0,
    ),
];

/// The second circle's centre `gap_m` beyond tangency, along the great circle (the sphere's
/// geodesic) from the first centre, checked against the independent distance.
fn second_centre(c1: LatLon, bearing: f64, r1: f64, r2: f64, gap_m: f64) -> LatLon {
    let c2 = destination(c1, bearing, r1 + r2 + gap_m);
    let d = sphere_distance_m(c1, c2);
    assert!(
        (d - (r1 + r2 + gap_m)).abs() < 1e-3,
        "centre placed {d} m away, wanted {}",
        r1 + r2 + gap_m
    );
    c2
}

/// The overlap rule for touching volumes (`overlap.rs`): two volumes overlap only when their
/// interiors meet. Circles are tested as true circles (not as the polygons standing for them),
/// and circles whose centres are at least the sum of the radii apart, less
/// `TOUCH_TOLERANCE_M` (1 cm), only touch: no overlap, whatever order they are given in.
#[test]
fn externally_tangent_circles_touch_and_do_not_overlap() {
    for (c1, bearing, r1, r2) in TANGENT_CASES {
        let c2 = second_centre(c1, bearing, r1, r2, 0.0);
        let (a, b) = (vol(circle(c1, r1)), vol(circle(c2, r2)));
        assert!(one(a.clone(), b.clone()).is_none(), "{c1:?} → {c2:?}");
        assert!(one(b, a).is_none(), "{c2:?} → {c1:?}");
    }
}

#[test]
fn circles_one_metre_apart_do_not_overlap() {
    for (c1, bearing, r1, r2) in TANGENT_CASES {
        let c2 = second_centre(c1, bearing, r1, r2, 1.0);
        assert!(
            one(vol(circle(c1, r1)), vol(circle(c2, r2))).is_none(),
            "{c1:?} → {c2:?}"
        );
    }
}

#[test]
fn circles_fifty_metres_into_each_other_overlap_by_the_lens() {
    // Just past tangency the interiors meet, and the sliver is reported with its area.
    for (c1, bearing, r1, r2) in TANGENT_CASES {
        let c2 = second_centre(c1, bearing, r1, r2, -50.0);
        let o = one(vol(circle(c1, r1)), vol(circle(c2, r2)))
            .unwrap_or_else(|| panic!("{c1:?} → {c2:?}: no overlap 50 m deep"));
        let lens = lens_area(r1, r2, r1 + r2 - 50.0);
        assert_relative_eq!(o.area_m2, lens, max_relative = 0.03);
    }
}

#[test]
fn circle_inside_a_square_overlaps_by_its_own_area() {
    let o = one(
        vol(plane_rect(LATAKIA, -9_000.0, -9_000.0, 9_000.0, 9_000.0)),
        vol(circle(LATAKIA, 4_000.0)),
    )
    .expect("overlap");
    assert_relative_eq!(
        o.area_m2,
        std::f64::consts::PI * 16.0e6,
        max_relative = 1e-3
    );
}

#[test]
fn squares_across_the_antimeridian() {
    // A: 179.95 E .. 179.95 W, 0..0.1 N.  B: 179.99 E .. 179.9 W, 0.05..0.15 N.
    // Overlap: 179.99 E .. 179.95 W (0.06°) × 0.05..0.1 N (0.05°).
    let a = vol(lonlat_box(179.95, 0.0, -179.95, 0.1));
    let b = vol(lonlat_box(179.99, 0.05, -179.9, 0.15));
    let o = one(a.clone(), b).expect("overlap");
    let expected = (R_M * 0.06f64.to_radians()) * (R_M * 0.05f64.to_radians());
    assert_relative_eq!(o.area_m2, expected, max_relative = 2e-3);
    // The geometry is continuous: longitudes within a narrow band, not spanning the globe.
    let GeoJsonGeometry::Polygon { coordinates } = &o.geometry else {
        panic!("one polygon")
    };
    let lons: Vec<f64> = coordinates[0].iter().map(|p| p[0]).collect();
    let span = lons.iter().cloned().fold(f64::MIN, f64::max)
        - lons.iter().cloned().fold(f64::MAX, f64::min);
    assert!(span < 0.1, "span {span}");

    // A circle centred on the antimeridian overlaps a square lying wholly west of it.
    let c = vol(circle(
        LatLon {
            lat_deg: 0.05,
            lon_deg: 180.0,
        },
        3_000.0,
    ));
    let west = vol(lonlat_box(-180.0, 0.0, -179.9, 0.1));
    let o = one(c, west).expect("overlap");
    assert_relative_eq!(
        o.area_m2,
        std::f64::consts::PI * 9.0e6 / 2.0,
        max_relative = 5e-3
    );
    // And a square east of 180° that does not reach it does not.
    assert!(one(a, vol(lonlat_box(-179.5, 0.0, -179.4, 0.1))).is_none());
}

#[test]
fn altitude_bands_touching_do_not_overlap() {
    let mut a = vol(lonlat_box(0.0, 0.0, 0.1, 0.1));
    let mut b = a.clone();
    a.upper_ft = 10_000.0;
    b.lower_ft = 10_000.0;
    b.upper_ft = 20_000.0;
    assert!(one(a.clone(), b.clone()).is_none());
    b.lower_ft = 9_999.0;
    let o = one(a, b).expect("overlap by one foot");
    assert_eq!((o.lower_ft, o.upper_ft), (9_999.0, 10_000.0));
}

#[test]
fn flight_levels_are_accepted_on_input() {
    let json = r#"{"shape":{"type":"circle","center":{"lat_deg":35.5,"lon_deg":35.8},"radius_m":5000},
        "lower_fl":100,"upper_ft":25000,"start_time":0,"end_time":3600}"#;
    let v: Volume = serde_json::from_str(json).expect("parses");
    assert_eq!((v.lower_ft, v.upper_ft), (10_000.0, 25_000.0));
    let both = r#"{"shape":{"type":"circle","center":{"lat_deg":35.5,"lon_deg":35.8},"radius_m":5000},
        "lower_fl":100,"lower_ft":10000,"upper_ft":25000,"start_time":0,"end_time":3600}"#;
    assert!(serde_json::from_str::<Volume>(both).is_err());
    let neither = r#"{"shape":{"type":"circle","center":{"lat_deg":35.5,"lon_deg":35.8},"radius_m":5000},
        "upper_ft":25000,"start_time":0,"end_time":3600}"#;
    let err = serde_json::from_str::<Volume>(neither)
        .unwrap_err()
        .to_string();
    assert!(err.contains("lower altitude missing"), "{err}");
    // Written back in feet.
    let out = serde_json::to_value(&v).unwrap();
    assert_eq!(out["lower_ft"], 10_000.0);
    assert_eq!(out["shape"]["type"], "circle");
}

#[test]
fn time_windows_touching_do_not_overlap() {
    let mut a = vol(lonlat_box(0.0, 0.0, 0.1, 0.1));
    let mut b = a.clone();
    a.end_time = 2_000.0;
    b.start_time = 2_000.0;
    b.end_time = 3_000.0;
    assert!(one(a.clone(), b.clone()).is_none());
    b.start_time = 1_999.5;
    let o = one(a, b).expect("overlap by half a second");
    assert_eq!((o.start_time, o.end_time), (1_999.5, 2_000.0));
}

#[test]
fn polygons_sharing_an_edge_or_a_corner_do_not_overlap() {
    let a = vol(lonlat_box(0.0, 0.0, 0.1, 0.1));
    assert!(one(a.clone(), vol(lonlat_box(0.1, 0.0, 0.2, 0.1))).is_none());
    assert!(one(a.clone(), vol(lonlat_box(0.1, 0.1, 0.2, 0.2))).is_none());
    // Reversed winding and open ring make no difference.
    let b = vol(Shape::Polygon {
        coordinates: vec![[0.0, 0.1], [0.1, 0.1], [0.1, 0.2], [0.0, 0.2]],
    });
    assert!(one(a.clone(), b).is_none());
    // Same planes, square-in-plane version.
    let left = vol(plane_rect(LATAKIA, -5_000.0, -5_000.0, 0.0, 5_000.0));
    let right = vol(plane_rect(LATAKIA, 0.0, -5_000.0, 5_000.0, 5_000.0));
    assert!(one(left, right).is_none());
}

#[test]
fn multi_volume_overlaps_report_indices() {
    let a = [
        vol(lonlat_box(0.0, 0.0, 0.1, 0.1)),
        vol(lonlat_box(1.0, 1.0, 1.1, 1.1)),
    ];
    let b = [
        vol(lonlat_box(5.0, 5.0, 5.1, 5.1)),
        vol(lonlat_box(1.05, 1.05, 1.2, 1.2)),
    ];
    let found = overlaps(&a, &b).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].volume_index, found[0].other_volume_index), (1, 1));
}

fn err(v: Volume) -> VolumeError {
    match overlaps(&[v], &[vol(lonlat_box(0.0, 0.0, 0.1, 0.1))]) {
        Err(ReservationError::Volume { index: 0, source }) => source,
        other => panic!("expected a volume error, got {other:?}"),
    }
}

#[test]
fn validation_rejects_bad_volumes_with_a_reason() {
    let good = vol(lonlat_box(0.0, 0.0, 0.1, 0.1));
    assert_eq!(good.validate(), Ok(()));

    let bowtie = vol(Shape::Polygon {
        coordinates: vec![[0.0, 0.0], [0.1, 0.1], [0.1, 0.0], [0.0, 0.1]],
    });
    assert_eq!(err(bowtie), VolumeError::SelfIntersecting);

    let two = vol(Shape::Polygon {
        coordinates: vec![[0.0, 0.0], [0.1, 0.1], [0.0, 0.0], [0.1, 0.1]],
    });
    assert_eq!(err(two), VolumeError::TooFewVertices { distinct: 2 });

    let line = vol(Shape::Polygon {
        coordinates: vec![[0.0, 0.0], [0.05, 0.0], [0.1, 0.0]],
    });
    assert_eq!(err(line), VolumeError::ZeroArea);

    let lat = vol(lonlat_box(0.0, 89.9, 0.1, 95.0));
    assert!(matches!(
        err(lat),
        VolumeError::Range(RangeError::OutOfRange {
            field: "latitude",
            ..
        })
    ));
    let lon = vol(lonlat_box(180.0, 0.0, 180.5, 0.1));
    assert!(matches!(
        err(lon),
        VolumeError::Range(RangeError::OutOfRange {
            field: "longitude",
            ..
        })
    ));
    let nan = vol(lonlat_box(f64::NAN, 0.0, 0.1, 0.1));
    assert_eq!(
        err(nan),
        VolumeError::Range(RangeError::NotFinite { field: "longitude" })
    );

    let mut v = good.clone();
    v.end_time = v.start_time;
    assert!(matches!(err(v), VolumeError::EndNotAfterStart { .. }));
    let mut v = good.clone();
    v.end_time = v.start_time + 2.0 * 366.0 * 86_400.0;
    assert!(matches!(err(v), VolumeError::WindowTooLong { .. }));
    let mut v = good.clone();
    v.lower_ft = 20_000.0;
    let e = err(v);
    assert!(matches!(e, VolumeError::LowerNotBelowUpper { .. }));
    assert_eq!(
        e.to_string(),
        "lower altitude 20000 ft must be below upper altitude 10000 ft"
    );

    let zero = vol(circle(LATAKIA, 0.0));
    assert_eq!(err(zero), VolumeError::RadiusNotPositive { radius_m: 0.0 });
    let neg = vol(circle(LATAKIA, -5.0));
    assert!(matches!(err(neg), VolumeError::RadiusNotPositive { .. }));
    let huge = vol(circle(LATAKIA, 2_000_000.0));
    assert!(matches!(
        err(huge),
        VolumeError::TooLarge {
            what: "circle radius",
            ..
        }
    ));
    let wide = vol(lonlat_box(0.0, 0.0, 25.0, 1.0));
    assert!(matches!(
        err(wide),
        VolumeError::TooLarge {
            what: "polygon span",
            ..
        }
    ));

    assert!(matches!(
        overlaps(&[], std::slice::from_ref(&good)),
        Err(ReservationError::NoVolumes)
    ));
    let msg = overlaps(&[good.clone(), vol(circle(LATAKIA, -1.0))], &[good])
        .unwrap_err()
        .to_string();
    assert_eq!(msg, "volume 1: radius_m = -1 must be greater than 0");
}

#[test]
fn state_follows_time() {
    let mut a = vol(lonlat_box(0.0, 0.0, 0.1, 0.1));
    let mut b = a.clone();
    a.start_time = 100.0;
    a.end_time = 200.0;
    b.start_time = 150.0;
    b.end_time = 400.0;
    let vs = [a, b];
    use ReservationState::*;
    assert_eq!(Proposed.at_time(&vs, 99.0), Proposed);
    assert_eq!(Accepted.at_time(&vs, 100.0), Active);
    assert_eq!(Proposed.at_time(&vs, 250.0), Active);
    assert_eq!(Active.at_time(&vs, 399.9), Active);
    assert_eq!(Active.at_time(&vs, 400.0), Ended);
    assert_eq!(Proposed.at_time(&vs, 500.0), Ended);
    assert_eq!(Cancelled.at_time(&vs, 150.0), Cancelled);
    assert_eq!(Ended.at_time(&vs, 150.0), Ended);
}

#[test]
fn circle_tangent_to_a_square_does_not_overlap() {
    let square = vol(plane_rect(LATAKIA, -5_000.0, -5_000.0, 5_000.0, 5_000.0));
    let plane = LocalPlane::new(LATAKIA);
    let east = plane.inverse(8_000.0, 0.0);
    assert!(one(square.clone(), vol(circle(east, 3_000.0))).is_none());
    assert!(one(vol(circle(east, 3_000.0)), square.clone()).is_none());
    let o = one(square, vol(circle(east, 3_100.0))).expect("overlap by a sliver");
    assert!(o.area_m2 > 0.0 && o.area_m2 < 0.1 * std::f64::consts::PI * 3_100.0 * 3_100.0);
}

#[test]
fn overlap_is_symmetric() {
    let a = vol(plane_rect(LATAKIA, -5_000.0, -5_000.0, 5_000.0, 5_000.0));
    let b = vol(circle(destination(LATAKIA, 45.0, 6_000.0), 4_000.0));
    let ab = one(a.clone(), b.clone()).expect("overlap");
    let ba = one(b, a).expect("overlap");
    assert_relative_eq!(ab.area_m2, ba.area_m2, max_relative = 1e-9);
}

#[test]
fn polygon_around_the_pole_is_found_by_the_index() {
    use deconflict_airspace::{Purpose, Reservation, ReservationIndex};
    let polar = vol(Shape::Polygon {
        coordinates: vec![[0.0, 89.0], [90.0, 89.0], [180.0, 89.0], [-90.0, 89.0]],
    });
    assert_eq!(polar.validate(), Ok(()));
    let mut index = ReservationIndex::new();
    index
        .insert(Reservation {
            id: "r-polar".into(),
            party: "blue".into(),
            purpose: Purpose::Training,
            priority: 3,
            state: ReservationState::Accepted,
            volumes: vec![polar],
        })
        .unwrap();
    // A small circle near the pole at a longitude far from every vertex.
    let probe = vol(circle(
        LatLon {
            lat_deg: 89.9,
            lon_deg: -135.0,
        },
        2_000.0,
    ));
    let found = index.check("red", &[probe], None).unwrap();
    assert_eq!(found.len(), 1);
    assert_relative_eq!(
        found[0].overlap.area_m2,
        std::f64::consts::PI * 4.0e6,
        max_relative = 1e-3
    );
    let mut bad = index.get("r-polar").unwrap().clone();
    bad.priority = 11;
    assert_eq!(
        index.insert(bad).unwrap_err().to_string(),
        "priority 11 is out of range [0, 10]"
    );
    assert_eq!(index.len(), 1);
    // Own reservations are not reported.
    let probe = vol(circle(
        LatLon {
            lat_deg: 89.9,
            lon_deg: -135.0,
        },
        2_000.0,
    ));
    assert!(index.check("blue", &[probe], None).unwrap().is_empty());
}
