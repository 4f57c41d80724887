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
            .query_overlaps_brute_force(&candidate, |r| r.party != "red" && r.state.is_live())
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
