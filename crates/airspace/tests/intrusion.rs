//! Intrusion prediction against closed-form entry times, and alert life cycle.

use approx::assert_abs_diff_eq;
use deconflict_airspace::geom::{LocalPlane, EARTH_RADIUS_M};
use deconflict_airspace::{
    AlertEventKind, IntrusionAlertConfig, IntrusionAlerts, IntrusionDetector, LatLon, Purpose,
    Reservation, ReservationState, Shape, Volume,
};
use deconflict_engine::{AircraftState, AlertLevels, AlertThreshold};
use std::collections::BTreeMap;

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
    let config = IntrusionAlertConfig {
        hold_s: 3.0,
        ..IntrusionAlertConfig::default()
    };
    let mut alerts = IntrusionAlerts::new(config);
    let west_of_edge = |s: f64, trk: f64| {
        aircraft(
            "AAA001",
            "blue",
            ORIGIN,
            -5_000.0 - s * KT_360_M_S,
            trk,
            5_000.0,
            0.0,
        )
    };
    let mut cycle = |ac: AircraftState, t: f64| {
        alerts.update(&det.scan(&[ac], NOW + t, 300.0).predictions, NOW + t)
    };
    // Cycle 1: 150 s out → level 2, raised, for the aircraft's and the volume's parties.
    let ev = cycle(west_of_edge(150.0, 90.0), 0.0);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].event, AlertEventKind::Raised);
    let i = &ev[0].intrusion;
    let id = i.id.clone();
    assert_eq!(
        (i.level, i.track_party.as_deref(), i.volume_party.as_str()),
        (2, Some("blue"), "red")
    );
    assert!((i.time_to_entry_s - 150.0).abs() < 0.01);
    // 10 s later, exactly as predicted: no event.
    assert!(cycle(west_of_edge(140.0, 90.0), 10.0).is_empty());
    // 50 s out → level 3, updated at once, same id.
    let ev = cycle(west_of_edge(50.0, 90.0), 100.0);
    assert_eq!(
        (
            ev[0].event,
            ev[0].intrusion.level,
            ev[0].intrusion.id.as_str()
        ),
        (AlertEventKind::Updated, 3, id.as_str())
    );
    // Turned north: no longer predicted, but held for 3 s before clearing.
    assert!(cycle(west_of_edge(50.0, 0.0), 101.0).is_empty());
    assert!(cycle(west_of_edge(50.0, 0.0), 102.0).is_empty());
    let ev = cycle(west_of_edge(50.0, 0.0), 104.0);
    assert_eq!(ev.len(), 1);
    assert_eq!(
        (ev[0].event, ev[0].intrusion.id.as_str()),
        (AlertEventKind::Cleared, id.as_str())
    );
    assert_eq!(ev[0].intrusion.cleared_at, Some(NOW + 104.0));
    assert!(alerts.active().is_empty());
}

#[test]
fn a_notice_volume_raises_advisories_only_even_when_entered() {
    // The same geometry as an operation and as a notice: the operation escalates to a warning
    // as the aircraft nears and enters it, the notice stays an advisory throughout.
    let det = IntrusionDetector::new(&[
        reservation(
            "r-1",
            "red",
            Purpose::Operation,
            square(ORIGIN, 5_000.0),
            0.0,
            10_000.0,
        ),
        reservation(
            "q-1",
            "red",
            Purpose::Notice,
            square(ORIGIN, 5_000.0),
            0.0,
            10_000.0,
        ),
    ]);
    let mut alerts = IntrusionAlerts::new(IntrusionAlertConfig::default());
    let mut levels: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (t, out_s) in [(0.0, 150.0), (100.0, 50.0), (160.0, -10.0)] {
        let ac = aircraft(
            "AAA001",
            "blue",
            ORIGIN,
            -5_000.0 - out_s * KT_360_M_S,
            90.0,
            5_000.0,
            0.0,
        );
        for e in alerts.update(&det.scan(&[ac], NOW + t, 300.0).predictions, NOW + t) {
            levels
                .entry(e.intrusion.reservation_id.clone())
                .or_default()
                .push(e.intrusion.level);
        }
    }
    assert_eq!(
        levels["r-1"][..2],
        [2, 3],
        "the operation escalates: {levels:?}"
    );
    assert_eq!(levels["r-1"].last(), Some(&3), "inside it is a warning");
    assert!(
        levels["q-1"].len() >= 2 && levels["q-1"].iter().all(|l| *l == 1),
        "the notice is raised and updated (inside now) as an advisory only: {levels:?}"
    );
    assert_eq!(alerts.level_for(Purpose::Notice, 0.0, true), 1);
    assert_eq!(alerts.level_for(Purpose::Hazard, 0.0, true), 3);
}

#[test]
fn alert_survives_a_brief_gap_and_downgrades_after_the_hold() {
    let det = IntrusionDetector::new(&[reservation(
        "r-1",
        "red",
        Purpose::Operation,
        square(ORIGIN, 5_000.0),
        0.0,
        10_000.0,
    )]);
    let mut alerts = IntrusionAlerts::new(IntrusionAlertConfig {
        hold_s: 3.0,
        ..IntrusionAlertConfig::default()
    });
    let ac = |s: f64, trk: f64| {
        aircraft(
            "AAA001",
            "blue",
            ORIGIN,
            -5_000.0 - s * KT_360_M_S,
            trk,
            5_000.0,
            0.0,
        )
    };
    let ev = alerts.update(&det.scan(&[ac(50.0, 90.0)], NOW, 300.0).predictions, NOW);
    let id = ev[0].intrusion.id.clone();
    // One cycle without the prediction, then back: same alert, no event.
    assert!(alerts.update(&[], NOW + 1.0).is_empty());
    assert!(alerts
        .update(
            &det.scan(&[ac(50.0, 90.0)], NOW + 2.0, 300.0).predictions,
            NOW + 2.0
        )
        .is_empty());
    // Slowed down: the entry is 100 s away (level 2); the downgrade is published only after
    // 3 s at that level.
    let slow = |t: f64| {
        let mut a = ac(50.0, 90.0);
        a.gs_kt = 180.0;
        alerts_update(&det, a, t)
    };
    let mut events = Vec::new();
    for t in [3.0, 4.0, 5.0, 6.0] {
        events.push(alerts.update(&slow(t), NOW + t));
    }
    // The entry time jumped (50 → 100 s): re-sent at once, still at the published level 3.
    assert_eq!(events[0].len(), 1);
    assert_eq!(
        (events[0][0].event, events[0][0].intrusion.level),
        (AlertEventKind::Updated, 3)
    );
    assert!((events[0][0].intrusion.time_to_entry_s - 100.0).abs() < 0.01);
    assert!(events[1].is_empty() && events[2].is_empty());
    assert_eq!(events[3].len(), 1);
    assert_eq!(
        (
            events[3][0].event,
            events[3][0].intrusion.level,
            events[3][0].intrusion.id.clone()
        ),
        (AlertEventKind::Updated, 2, id)
    );
}

fn alerts_update(
    det: &IntrusionDetector,
    a: AircraftState,
    t: f64,
) -> Vec<deconflict_airspace::IntrusionPrediction> {
    det.scan(&[a], NOW + t, 300.0).predictions
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

#[test]
fn alert_levels_are_data() {
    // The default thresholds: inside or within 60 s = 3, within 180 s = 2, else 1.
    let alerts = IntrusionAlerts::new(IntrusionAlertConfig::default());
    let levels: Vec<u8> = [(250.0, false), (180.0, false), (61.0, false), (60.0, false)]
        .iter()
        .map(|&(t, inside)| alerts.level(t, inside))
        .collect();
    assert_eq!(levels, vec![1, 2, 2, 3]);
    assert_eq!(alerts.level(250.0, true), 3);

    // Two levels of its own: 1 anywhere in the look-ahead, 5 within 30 s; inside is 5.
    let levels = AlertLevels {
        thresholds: vec![
            AlertThreshold {
                level: 1,
                t_in_max_s: None,
            },
            AlertThreshold {
                level: 5,
                t_in_max_s: Some(30.0),
            },
        ],
    };
    let det = IntrusionDetector::new(&[reservation(
        "r-1",
        "red",
        Purpose::Operation,
        square(ORIGIN, 5_000.0),
        0.0,
        10_000.0,
    )]);
    let mut alerts = IntrusionAlerts::with_levels(
        IntrusionAlertConfig {
            hold_s: 0.0,
            ..IntrusionAlertConfig::default()
        },
        levels,
    );
    assert_eq!(alerts.level(100.0, true), 5);
    let ac = |s: f64| {
        aircraft(
            "AAA001",
            "blue",
            ORIGIN,
            -5_000.0 - s * KT_360_M_S,
            90.0,
            5_000.0,
            0.0,
        )
    };
    let ev = alerts.update(&alerts_update(&det, ac(50.0), 0.0), NOW);
    assert_eq!(
        (ev[0].event, ev[0].intrusion.level),
        (AlertEventKind::Raised, 1)
    );
    let ev = alerts.update(&alerts_update(&det, ac(20.0), 30.0), NOW + 30.0);
    assert_eq!(
        (ev[0].event, ev[0].intrusion.level),
        (AlertEventKind::Updated, 5)
    );
}
