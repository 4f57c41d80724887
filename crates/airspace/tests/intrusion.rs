//! Intrusion prediction against closed-form entry times, and alert life cycle.

use approx::assert_abs_diff_eq;
use deconflict_airspace::geom::{LocalPlane, EARTH_RADIUS_M};
use deconflict_airspace::{
    AlertState, IntrusionAlertConfig, IntrusionAlerts, IntrusionDetector, LatLon, Purpose,
    Reservation, ReservationState, Shape, Volume,
};
use deconflict_engine::AircraftState;

const NOW: f64 = 1_000_000.0;
const KT_360_M_S: f64 = 360.0 * 1_852.0 / 3_600.0;
const ORIGIN: LatLon = LatLon {
    lat_deg: 0.0,
    lon_deg: 30.0,
};

fn square(c: LatLon, half_m: f64) -> Shape {
    let plane = LocalPlane::new(c);
    let coordinates = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)]
        .iter()
        .map(|&(x, y)| {
            let p = plane.inverse(x * half_m, y * half_m);
            [p.lon_deg, p.lat_deg]
        })
        .collect();
    Shape::Polygon { coordinates }
}

fn reservation(
    id: &str,
    party: &str,
    purpose: Purpose,
    shape: Shape,
    lower_ft: f64,
    upper_ft: f64,
) -> Reservation {
    Reservation {
        id: id.into(),
        party: party.into(),
        purpose,
        priority: 5,
        state: ReservationState::Active,
        volumes: vec![Volume {
            shape,
            lower_ft,
            upper_ft,
            start_time: NOW - 600.0,
            end_time: NOW + 3_600.0,
        }],
    }
}

/// An aircraft `x_m` metres east of `c` along the plane's x axis.
fn aircraft(
    id: &str,
    party: &str,
    c: LatLon,
    x_m: f64,
    trk_deg: f64,
    alt_ft: f64,
    vs_fpm: f64,
) -> AircraftState {
    let p = LocalPlane::new(c).inverse(x_m, 0.0);
    AircraftState {
        id: id.into(),
        party: Some(party.into()),
        lat_deg: p.lat_deg,
        lon_deg: p.lon_deg,
        alt_ft,
        gs_kt: 360.0,
        trk_deg,
        vs_fpm,
    }
}

#[test]
fn straight_path_into_a_square_enters_at_the_closed_form_time() {
    // 10 km square; aircraft 30 km west on the equator heading east at 360 kt: the west edge is
    // 25 km away, entry after 25,000 m / 185.2 m/s.
    let det = IntrusionDetector::new(&[reservation(
        "r-1",
        "red",
        Purpose::Operation,
        square(ORIGIN, 5_000.0),
        0.0,
        10_000.0,
    )]);
    let ac = aircraft("AAA001", "blue", ORIGIN, -30_000.0, 90.0, 5_000.0, 0.0);
    let scan = det.scan(&[ac], NOW, 300.0);
    assert_eq!(scan.predictions.len(), 1);
    let p = &scan.predictions[0];
    assert_abs_diff_eq!(p.time_to_entry_s, 25_000.0 / KT_360_M_S, epsilon = 0.01);
    assert!(!p.inside_now);
    let west_edge = LocalPlane::new(ORIGIN).inverse(-5_000.0, 0.0);
    assert_abs_diff_eq!(p.entry_point.lat_deg, 0.0, epsilon = 1e-9);
    assert_abs_diff_eq!(p.entry_point.lon_deg, west_edge.lon_deg, epsilon = 1e-6);
    assert_abs_diff_eq!(p.entry_point.alt_ft, 5_000.0);
    assert_eq!(
        (p.reservation_id.as_str(), p.volume_party.as_str()),
        ("r-1", "red")
    );

    // Too short a look-ahead: nothing.
    assert!(det
        .scan(
            &[aircraft(
                "AAA001", "blue", ORIGIN, -30_000.0, 90.0, 5_000.0, 0.0
            )],
            NOW,
            100.0
        )
        .predictions
        .is_empty());
    // Heading away: nothing.
    assert!(det
        .scan(
            &[aircraft(
                "AAA001", "blue", ORIGIN, -30_000.0, 270.0, 5_000.0, 0.0
            )],
            NOW,
            300.0
        )
        .predictions
        .is_empty());
    // Above the band: nothing.
    assert!(det
        .scan(
            &[aircraft(
                "AAA001", "blue", ORIGIN, -30_000.0, 90.0, 12_000.0, 0.0
            )],
            NOW,
            300.0
        )
        .predictions
        .is_empty());
}

#[test]
fn inside_now_and_climbing_into_the_band() {
    let det = IntrusionDetector::new(&[reservation(
        "r-1",
        "red",
        Purpose::Operation,
        square(ORIGIN, 5_000.0),
        10_000.0,
        20_000.0,
    )]);
    let inside = aircraft("IN", "blue", ORIGIN, 0.0, 0.0, 15_000.0, 0.0);
    let p = &det.scan(&[inside], NOW, 300.0).predictions[0];
    assert!(p.inside_now);
    assert_eq!(p.time_to_entry_s, 0.0);
    // Inside horizontally, 2,000 ft below, climbing 1,200 ft/min: enters the band after 100 s.
    let mut climbing = aircraft("CLB", "blue", ORIGIN, 0.0, 0.0, 8_000.0, 1_200.0);
    climbing.gs_kt = 0.0;
    let p = &det.scan(&[climbing], NOW, 300.0).predictions[0];
    assert_abs_diff_eq!(p.time_to_entry_s, 100.0, epsilon = 1e-9);
    assert_abs_diff_eq!(p.entry_point.alt_ft, 10_000.0, epsilon = 1e-9);
}

#[test]
fn entry_waits_for_the_time_window() {
    let mut r = reservation(
        "r-1",
        "red",
        Purpose::Operation,
        square(ORIGIN, 5_000.0),
        0.0,
        10_000.0,
    );
    r.volumes[0].start_time = NOW + 200.0;
    r.state = ReservationState::Accepted;
    let det = IntrusionDetector::new(&[r]);
    let mut hovering = aircraft("H", "blue", ORIGIN, 0.0, 0.0, 5_000.0, 0.0);
    hovering.gs_kt = 0.0;
    let p = &det.scan(&[hovering.clone()], NOW, 300.0).predictions[0];
    assert_abs_diff_eq!(p.time_to_entry_s, 200.0);
    assert!(det.scan(&[hovering], NOW, 150.0).predictions.is_empty());
}

#[test]
fn own_reservations_are_ignored_but_hazards_are_not() {
    let det = IntrusionDetector::new(&[
        reservation(
            "r-own",
            "blue",
            Purpose::Operation,
            square(ORIGIN, 5_000.0),
            0.0,
            10_000.0,
        ),
        reservation(
            "z-1",
            "blue",
            Purpose::Hazard,
            square(ORIGIN, 4_000.0),
            0.0,
            10_000.0,
        ),
    ]);
    let ac = aircraft("AAA001", "blue", ORIGIN, 0.0, 90.0, 5_000.0, 0.0);
    let ids: Vec<String> = det
        .scan(&[ac], NOW, 300.0)
        .predictions
        .into_iter()
        .map(|p| p.reservation_id)
        .collect();
    assert_eq!(ids, vec!["z-1".to_string()]);
    // Cancelled reservations are not watched.
    let mut r = reservation(
        "r-c",
        "red",
        Purpose::Operation,
        square(ORIGIN, 5_000.0),
        0.0,
        10_000.0,
    );
    r.state = ReservationState::Cancelled;
    assert!(IntrusionDetector::new(&[r]).is_empty());
}

#[test]
fn circle_across_the_antimeridian() {
    // Circle of 5 km on 180°; aircraft on the equator at 179.8° E heading east.
    let c = LatLon {
        lat_deg: 0.0,
        lon_deg: 180.0,
    };
    let det = IntrusionDetector::new(&[reservation(
        "z-1",
        "cell",
        Purpose::Hazard,
        Shape::Circle {
            center: c,
            radius_m: 5_000.0,
        },
        0.0,
        60_000.0,
    )]);
    let mut ac = aircraft("AAA001", "blue", ORIGIN, 0.0, 90.0, 30_000.0, 0.0);
    ac.lat_deg = 0.0;
    ac.lon_deg = 179.8;
    let p = &det.scan(&[ac], NOW, 300.0).predictions[0];
    let d = EARTH_RADIUS_M * 0.2f64.to_radians() - 5_000.0;
    assert_abs_diff_eq!(p.time_to_entry_s, d / KT_360_M_S, epsilon = 0.01);
    // Flying west from 179.8° W towards it as well.
    let mut ac = aircraft("AAA002", "blue", ORIGIN, 0.0, 270.0, 30_000.0, 0.0);
    ac.lat_deg = 0.0;
    ac.lon_deg = -179.8;
    let p = &det.scan(&[ac], NOW, 300.0).predictions[0];
    assert_abs_diff_eq!(p.time_to_entry_s, d / KT_360_M_S, epsilon = 0.01);
}

#[test]
fn alert_is_raised_updated_and_cleared_when_the_aircraft_turns_away() {
    let det = IntrusionDetector::new(&[reservation(
        "r-1",
        "red",
        Purpose::Operation,
        square(ORIGIN, 5_000.0),
        0.0,
        10_000.0,
    )]);
    let mut alerts = IntrusionAlerts::new(IntrusionAlertConfig::default());
    // Cycle 1: 150 s out → level 2, raised.
    let ac = aircraft(
        "AAA001",
        "blue",
        ORIGIN,
        -5_000.0 - 150.0 * KT_360_M_S,
        90.0,
        5_000.0,
        0.0,
    );
    let ev = alerts.update(&det.scan(&[ac], NOW, 300.0).predictions, NOW);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].event, AlertState::Raised);
    let id = ev[0].intrusion.id.clone();
    assert_eq!(ev[0].intrusion.level, 2);
    // Cycle 2, 10 s later, as predicted: no event, same alert.
    let ac = aircraft(
        "AAA001",
        "blue",
        ORIGIN,
        -5_000.0 - 140.0 * KT_360_M_S,
        90.0,
        5_000.0,
        0.0,
    );
    assert!(alerts
        .update(&det.scan(&[ac], NOW + 10.0, 300.0).predictions, NOW + 10.0)
        .is_empty());
    // Cycle 3: 50 s out → level 3, updated, same id.
    let ac = aircraft(
        "AAA001",
        "blue",
        ORIGIN,
        -5_000.0 - 50.0 * KT_360_M_S,
        90.0,
        5_000.0,
        0.0,
    );
    let ev = alerts.update(
        &det.scan(&[ac], NOW + 100.0, 300.0).predictions,
        NOW + 100.0,
    );
    assert_eq!(
        (
            ev[0].event,
            ev[0].intrusion.level,
            ev[0].intrusion.id.as_str()
        ),
        (AlertState::Updated, 3, id.as_str())
    );
    assert_eq!(alerts.active().len(), 1);
    // Cycle 4: turned north, no longer predicted → cleared.
    let ac = aircraft(
        "AAA001",
        "blue",
        ORIGIN,
        -5_000.0 - 50.0 * KT_360_M_S,
        0.0,
        5_000.0,
        0.0,
    );
    let ev = alerts.update(
        &det.scan(&[ac], NOW + 101.0, 300.0).predictions,
        NOW + 101.0,
    );
    assert_eq!(ev.len(), 1);
    assert_eq!(
        (ev[0].event, ev[0].intrusion.id.as_str()),
        (AlertState::Cleared, id.as_str())
    );
    assert_eq!(ev[0].intrusion.cleared_at, Some(NOW + 101.0));
    assert!(alerts.active().is_empty());
}

#[test]
fn invalid_aircraft_are_counted_not_fatal() {
    let det = IntrusionDetector::new(&[reservation(
        "r-1",
        "red",
        Purpose::Operation,
        square(ORIGIN, 5_000.0),
        0.0,
        10_000.0,
    )]);
    let mut bad = aircraft("X", "blue", ORIGIN, 0.0, 0.0, 5_000.0, 0.0);
    bad.lat_deg = f64::NAN;
    let scan = det.scan(&[bad], NOW, 300.0);
    assert_eq!((scan.rejected_aircraft, scan.predictions.len()), (1, 0));
}
