//! Property tests: the indexed paths answer exactly what the brute-force references answer.

use deconflict_airspace::geom::{destination, normalize_lon_deg};
use deconflict_airspace::{
    IntrusionDetector, LatLon, Purpose, Reservation, ReservationIndex, ReservationState, Shape,
    Volume,
};
use deconflict_engine::AircraftState;
use proptest::prelude::*;

/// A centre near the antimeridian or near Latakia, so both regimes are exercised.
fn center() -> impl Strategy<Value = LatLon> {
    (any::<bool>(), -0.4f64..0.4, -0.4f64..0.4).prop_map(|(antimeridian, a, b)| {
        let (lat0, lon0) = if antimeridian {
            (10.0, 180.0)
        } else {
            (35.5, 35.8)
        };
        LatLon {
            lat_deg: lat0 + a,
            lon_deg: normalize_lon_deg(lon0 + b),
        }
    })
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        center(),
        1_000.0f64..60_000.0,
        3usize..9,
        0.0f64..360.0,
        any::<bool>(),
    )
        .prop_map(|(c, radius_m, n, rot, is_circle)| {
            if is_circle {
                Shape::Circle {
                    center: c,
                    radius_m,
                }
            } else {
                let coordinates = (0..n)
                    .map(|k| {
                        let p = destination(c, rot + 360.0 * k as f64 / n as f64, radius_m);
                        [p.lon_deg, p.lat_deg]
                    })
                    .collect();
                Shape::Polygon { coordinates }
            }
        })
}

fn volume() -> impl Strategy<Value = Volume> {
    (shape(), 0u32..6, 1u32..4, 0u32..8, 1u32..4).prop_map(|(shape, lo, thick, start, dur)| {
        Volume {
            shape,
            lower_ft: f64::from(lo) * 5_000.0,
            upper_ft: f64::from(lo + thick) * 5_000.0,
            start_time: f64::from(start) * 3_600.0,
            end_time: f64::from(start + dur) * 3_600.0,
        }
    })
}

fn state() -> impl Strategy<Value = ReservationState> {
    prop_oneof![
        Just(ReservationState::Proposed),
        Just(ReservationState::Accepted),
        Just(ReservationState::Active),
        Just(ReservationState::Ended),
        Just(ReservationState::Cancelled),
    ]
}

fn reservations() -> impl Strategy<Value = Vec<Reservation>> {
    prop::collection::vec(
        (
            prop::collection::vec(volume(), 1..3),
            0u8..3,
            state(),
            any::<bool>(),
        ),
        0..40,
    )
    .prop_map(|rs| {
        rs.into_iter()
            .enumerate()
            .map(|(i, (volumes, party, state, hazard))| Reservation {
                id: format!("r-{i}"),
                party: ["red", "blue", "green"][party as usize].into(),
                purpose: if hazard {
                    Purpose::Hazard
                } else {
                    Purpose::Operation
                },
                priority: 5,
                state,
                volumes,
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn index_check_equals_brute_force(
        stored in reservations(),
        candidate in prop::collection::vec(volume(), 1..3),
        remove_some in any::<bool>(),
    ) {
        let mut index = ReservationIndex::new();
        for r in &stored {
            index.insert(r.clone()).expect("generated reservations are valid");
        }
        if remove_some {
            for r in stored.iter().step_by(3) {
                prop_assert!(index.remove(&r.id).is_some());
            }
        }
        let fast = index.check("red", &candidate, None).unwrap();
        let slow = index
            .query_overlaps_brute_force(&candidate, |r| &*r.party != "red" && r.state.is_live())
            .unwrap();
        prop_assert_eq!(fast, slow);
    }

    #[test]
    fn detector_scan_equals_brute_force(
        stored in reservations(),
        aircraft in prop::collection::vec(
            (center(), 0.0f64..600.0, 0.0f64..360.0, 0.0f64..40_000.0, -3_000.0f64..3_000.0, 0u8..3),
            1..20,
        ),
        now in 0.0f64..30_000.0,
    ) {
        let det = IntrusionDetector::new(&stored);
        let states: Vec<AircraftState> = aircraft
            .into_iter()
            .enumerate()
            .map(|(i, (p, gs_kt, trk_deg, alt_ft, vs_fpm, party))| AircraftState {
                id: format!("A{i:05}"),
                party: Some(["red", "blue", "green"][party as usize].into()),
                lat_deg: p.lat_deg,
                lon_deg: p.lon_deg,
                alt_ft,
                gs_kt,
                trk_deg,
                vs_fpm,
            })
            .collect();
        let fast = det.scan(&states, now, 300.0);
        let slow = det.scan_brute_force(&states, now, 300.0);
        prop_assert_eq!(&fast.predictions, &slow.predictions);
        // Built from an index, the detector watches the same volumes.
        let mut index = ReservationIndex::new();
        for r in &stored {
            index.insert(r.clone()).expect("generated reservations are valid");
        }
        let from_index = IntrusionDetector::from_index(&index).scan(&states, now, 300.0);
        prop_assert_eq!(from_index.predictions, slow.predictions);
    }
}

fn lens_area(r1: f64, r2: f64, d: f64) -> f64 {
    if d >= r1 + r2 {
        return 0.0;
    }
    if d <= (r1 - r2).abs() {
        return std::f64::consts::PI * r1.min(r2).powi(2);
    }
    let a = r1 * r1 * ((d * d + r1 * r1 - r2 * r2) / (2.0 * d * r1)).acos();
    let b = r2 * r2 * ((d * d + r2 * r2 - r1 * r1) / (2.0 * d * r2)).acos();
    let c = 0.5 * ((-d + r1 + r2) * (d + r1 - r2) * (d - r1 + r2) * (d + r1 + r2)).sqrt();
    a + b - c
}

fn timeless(shape: Shape) -> Volume {
    Volume {
        shape,
        lower_ft: 0.0,
        upper_ft: 1_000.0,
        start_time: 0.0,
        end_time: 60.0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Circle overlaps match the lens formula (within the polygonisation error, or nothing
    /// reported when the true lens is a sliver).
    #[test]
    fn circle_overlap_matches_the_lens_formula(
        c in center(),
        r1 in 500.0f64..50_000.0,
        r2 in 500.0f64..50_000.0,
        f in 0.0f64..1.2,
        bearing in 0.0f64..360.0,
    ) {
        let d = f * (r1 + r2);
        let c2 = destination(c, bearing, d);
        let found = deconflict_airspace::overlaps(
            &[timeless(Shape::Circle { center: c, radius_m: r1 })],
            &[timeless(Shape::Circle { center: c2, radius_m: r2 })],
        )
        .unwrap();
        let expected = lens_area(r1, r2, d);
        let got = found.first().map_or(0.0, |o| o.area_m2);
        let small = std::f64::consts::PI * r1.min(r2).powi(2);
        // Relative to the smaller disc: 128-gon edges deviate from the arc by < 0.04 % of r.
        prop_assert!((got - expected).abs() <= 2e-3 * small, "got {got}, expected {expected}");
        if d >= r1 + r2 {
            prop_assert!(found.is_empty());
        }
    }

    /// Rectangles in a local plane overlap by the product of their interval overlaps.
    #[test]
    fn rectangle_overlap_is_the_product_of_interval_overlaps(
        c in center(),
        ax in -20_000.0f64..20_000.0, ay in -20_000.0f64..20_000.0,
        aw in 100.0f64..20_000.0, ah in 100.0f64..20_000.0,
        bx in -20_000.0f64..20_000.0, by in -20_000.0f64..20_000.0,
        bw in 100.0f64..20_000.0, bh in 100.0f64..20_000.0,
    ) {
        let plane = deconflict_airspace::geom::LocalPlane::new(c);
        let rect = |x0: f64, y0: f64, w: f64, h: f64| {
            let coordinates = [(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)]
                .iter()
                .map(|&(x, y)| {
                    let p = plane.inverse(x, y);
                    [p.lon_deg, p.lat_deg]
                })
                .collect();
            timeless(Shape::Polygon { coordinates })
        };
        let found = deconflict_airspace::overlaps(&[rect(ax, ay, aw, ah)], &[rect(bx, by, bw, bh)]).unwrap();
        let ox = ((ax + aw).min(bx + bw) - ax.max(bx)).max(0.0);
        let oy = ((ay + ah).min(by + bh) - ay.max(by)).max(0.0);
        let expected = ox * oy;
        let got = found.first().map_or(0.0, |o| o.area_m2);
        // Edges are great circles, straight in the plane only through its centre: allow 0.1 %
        // of the smaller rectangle plus the 1 m² floor.
        prop_assert!((got - expected).abs() <= 1e-3 * (aw * ah).min(bw * bh) + 1.0, "got {got}, expected {expected}");
    }
}
