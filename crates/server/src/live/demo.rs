//! What `deconflict serve --demo` adds for strategic deconfliction.
//!
//! - The cell files a missile engagement zone near Latakia: a circle of 15 NM around
//!   35.52°N 35.85°E, surface to FL300, live for a day.
//! - A scripted civil airliner (`740AB2`, RJA402, FL240, 420 kt) flies from over the sea
//!   south-west of Latakia towards Aleppo straight through the zone, so it is predicted to
//!   enter within the first seconds and raises an intrusion alert; its run repeats every
//!   [`CIVIL_PERIOD_S`] seconds.
//! - `blue` has a reservation over northern Syria filed an hour earlier (priority 3, active);
//!   `red` files one overlapping it (priority 5, starting in 30 minutes) with a justification,
//!   asks `blue` to vacate the overlap from 8 minutes on (blue's `RAVEN51` orbits inside it:
//!   accepting brings its compliance alert), and sends every party an advance notice of it
//!   with its own airspace: a UAV orbit live now where blue's `EAGLE32` flies (blue gets the
//!   advisory at once) and the strike package's planned route, which crosses blue's CAP
//!   reservation (listed on the notice as a crossing).
//!
//! Seeding happens only on an empty store, so restarting the demo keeps what was changed.

use crate::clock::Clock;
use crate::domain::requests::{
    created_action, new_request, record_of, Lookups, NewRequest, RequestDoc, RequestKind,
    RequestLimits,
};
use crate::domain::reservations::ReservationDoc;
use crate::live::strategic::Strategic;
use crate::live::Live;
use deconflict_airspace::{
    route, LatLon, PlannedRoute, Purpose, ReservationState, Shape, Volume, Waypoint,
};
use deconflict_feeds::Observation;
use deconflict_store::Store;
use deconflict_store::{StoreError, StoreResult};
use std::sync::Arc;
use std::time::Duration;

/// Centre of the UAV orbit red's demo notice announces (blue's EAGLE32 flies there).
pub const DEMO_NOTICE_ORBIT: LatLon = LatLon {
    lat_deg: 37.2,
    lon_deg: 38.33,
};

/// Seconds after the demo starts from which red asks blue to be out of its vacate volume.
pub const DEMO_VACATE_DEADLINE_S: f64 = 480.0;

/// Centre of the Latakia engagement zone.
pub const ZONE_CENTER: LatLon = LatLon {
    lat_deg: 35.52,
    lon_deg: 35.85,
};
/// Its radius: 15 NM, metres.
pub const ZONE_RADIUS_M: f64 = 15.0 * 1_852.0;
/// Its top: FL300, feet.
pub const ZONE_TOP_FT: f64 = 30_000.0;
/// One run of the scripted airliner, seconds.
pub const CIVIL_PERIOD_S: f64 = 600.0;
/// The airliner's start: 40 NM south-west of the zone centre.
const CIVIL_START_NM: f64 = 40.0;
const CIVIL_GS_KT: f64 = 420.0;
const CIVIL_TRK_DEG: f64 = 45.0;
const CIVIL_ALT_FT: f64 = 24_000.0;

fn square(lon0: f64, lat0: f64, lon1: f64, lat1: f64) -> Shape {
    Shape::Polygon {
        coordinates: vec![[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1]],
    }
}

fn doc(
    party: &str,
    name: &str,
    purpose: Purpose,
    priority: u8,
    volumes: Vec<Volume>,
) -> ReservationDoc {
    ReservationDoc {
        id: String::new(),
        party: party.to_owned(),
        name: name.to_owned(),
        purpose,
        priority,
        state: ReservationState::Accepted,
        version: 0,
        volumes,
        justification: None,
        filed_over: Vec::new(),
        source: None,
        created_at: 0.0,
        updated_at: 0.0,
        exclusion: None,
    }
}

/// Where the demo files: the store and the strategic state, at a time.
pub struct Seed<'a> {
    /// The store.
    pub store: &'a dyn Store,
    /// The strategic state to put the filings in.
    pub strategic: &'a Strategic,
    /// Now, UNIX s.
    pub now: f64,
}

fn file(
    s: &Seed<'_>,
    actor: &str,
    action: &str,
    d: &ReservationDoc,
) -> StoreResult<ReservationDoc> {
    let mut d = d.clone();
    d.state = d.state_at(s.now);
    let rec = s.store.create_reservation(actor, action, &d.to_record()?)?;
    let d = ReservationDoc::from_record(rec)?;
    s.strategic.put(d.clone(), s.now);
    Ok(d)
}

/// Files the demo's zone, reservations and requests when the store has none.
///
/// # Errors
/// The store failed.
pub fn seed(s: &Seed<'_>) -> StoreResult<()> {
    if !s.store.list_reservations()?.is_empty() {
        return Ok(());
    }
    let now = s.now.floor();
    let zone = doc(
        "cell",
        "Latakia missile engagement zone",
        Purpose::Hazard,
        10,
        vec![Volume {
            shape: Shape::Circle {
                center: ZONE_CENTER,
                radius_m: ZONE_RADIUS_M,
            },
            lower_ft: 0.0,
            upper_ft: ZONE_TOP_FT,
            start_time: now - 600.0,
            end_time: now + 86_400.0,
        }],
    );
    file(s, "cell", "zone.file", &zone)?;
    let blue = doc(
        "blue",
        "Blue CAP north",
        Purpose::Operation,
        3,
        vec![Volume {
            shape: square(37.0, 36.3, 38.0, 36.9),
            lower_ft: 10_000.0,
            upper_ft: 25_000.0,
            start_time: now - 3_600.0,
            end_time: now + 6.0 * 3_600.0,
        }],
    );
    let blue = file(s, "blue", "reservation.file", &blue)?;
    let (start, end) = (now + 1_800.0, now + 5.0 * 3_600.0);
    let mut red = doc(
        "red",
        "Red strike corridor",
        Purpose::Operation,
        5,
        vec![Volume {
            shape: square(37.6, 36.5, 38.6, 37.1),
            lower_ft: 15_000.0,
            upper_ft: 30_000.0,
            start_time: start,
            end_time: end,
        }],
    );
    red.state = ReservationState::Proposed;
    red.justification =
        Some("Time-critical strike package; Blue CAP is asked to vacate the overlap".into());
    red.filed_over = vec![blue.id.clone()];
    let red = file(s, "red", "reservation.file", &red)?;
    // The demo's requests go through the same rules as any party's.
    let reservation = |id: &str| s.strategic.get(id);
    let role_of = |p: &str| s.store.get_party(p).ok().flatten().map(|p| p.role);
    let lookups = Lookups {
        reservation: &reservation,
        role_of: &role_of,
    };
    let limits = RequestLimits {
        max_s: 7.0 * 86_400.0,
        default_s: 3_600.0,
    };
    let vacate = NewRequest {
        kind: RequestKind::Vacate,
        to: Some("blue".into()),
        reservation_id: Some(red.id.clone()),
        // Its deadline is 8 minutes after the start: blue's RAVEN51 orbits inside, so an
        // acceptance brings a compliance alert at once.
        volume: Some(Volume {
            shape: square(37.6, 36.5, 38.0, 36.9),
            lower_ft: 15_000.0,
            upper_ft: 25_000.0,
            start_time: now + DEMO_VACATE_DEADLINE_S,
            end_time: end,
        }),
        volumes: vec![],
        routes: vec![],
        message:
            "Keep Blue aircraft out of the strike corridor overlap, FL150-FL250, from 8 minutes on: the package pushes early"
                .into(),
        expires_at: Some(now + 3_600.0),
    };
    let notice = NewRequest {
        kind: RequestKind::Notice,
        to: None,
        reservation_id: Some(red.id.clone()),
        volume: None,
        // A UAV orbit live now where blue's EAGLE32 flies its race-track (FL290): blue gets
        // the advisory at once. The strike package's planned route crosses blue's CAP
        // reservation: blue's reservation gets the crossing advisory.
        volumes: vec![Volume {
            shape: Shape::Circle {
                center: DEMO_NOTICE_ORBIT,
                radius_m: 25.0 * 1_852.0,
            },
            lower_ft: 27_000.0,
            upper_ft: 31_000.0,
            start_time: now,
            end_time: now + 3.0 * 3_600.0,
        }],
        routes: vec![PlannedRoute {
            name: Some("Strike package ingress".into()),
            waypoints: [
                (36.0, 36.9, 20_000.0, 0.0),
                (36.6, 37.5, 22_000.0, 600.0),
                (36.9, 38.2, 25_000.0, 1_200.0),
            ]
            .into_iter()
            .map(|(lat_deg, lon_deg, alt_ft, dt)| Waypoint {
                lat_deg,
                lon_deg,
                alt_ft,
                time: start + dt,
            })
            .collect(),
            half_width_m: route::DEFAULT_HALF_WIDTH_M,
            half_height_ft: route::DEFAULT_HALF_HEIGHT_FT,
            time_margin_s: route::DEFAULT_TIME_MARGIN_S,
        }],
        message: "Red strike package in the northern corridor, FL150-FL300, starting in 30 minutes; UAV orbit FL270-FL310 north-east from now"
            .into(),
        expires_at: Some(start),
    };
    for b in [vacate, notice] {
        let doc =
            new_request(b, "red", now, limits, &lookups).map_err(|e| StoreError::Corrupt {
                kind: "demo request",
                id: "red".into(),
                what: e.to_string(),
            })?;
        let rec = s
            .store
            .create_request("red", created_action(doc.kind), &record_of(&doc))?;
        let id = rec.id.clone();
        let doc = RequestDoc::from_record(rec).map_err(|e| StoreError::Corrupt {
            kind: "request",
            id,
            what: e.to_string(),
        })?;
        s.strategic.put_notice(&doc, now);
    }
    Ok(())
}

/// Position of the scripted airliner `t_s` seconds into its run (flat earth, ample here).
pub fn civil_position(t_s: f64) -> (f64, f64) {
    let nm_per_deg_lat = 60.0;
    let nm_per_deg_lon = 60.0 * ZONE_CENTER.lat_deg.to_radians().cos();
    let back = (CIVIL_TRK_DEG + 180.0).to_radians();
    let lat0 = ZONE_CENTER.lat_deg + CIVIL_START_NM * back.cos() / nm_per_deg_lat;
    let lon0 = ZONE_CENTER.lon_deg + CIVIL_START_NM * back.sin() / nm_per_deg_lon;
    let d_nm = CIVIL_GS_KT * t_s / 3_600.0;
    let trk = CIVIL_TRK_DEG.to_radians();
    (
        lat0 + d_nm * trk.cos() / nm_per_deg_lat,
        lon0 + d_nm * trk.sin() / nm_per_deg_lon,
    )
}

/// Starts the scripted airliner (1 Hz, through the same ingest as the demo traffic).
pub fn spawn_civil(live: &Arc<Live>, clock: &Clock) {
    let live = live.clone();
    let clock = clock.clone();
    tokio::spawn(async move {
        let start = clock.now_s();
        let feed: Arc<str> = Arc::from("demo-sim");
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            let now = clock.now_s();
            let (lat, lon) = civil_position((now - start) % CIVIL_PERIOD_S);
            let mut o = Observation::new("740AB2", now, feed.clone());
            o.lat_deg = Some(lat);
            o.lon_deg = Some(lon);
            o.alt_ft = Some(CIVIL_ALT_FT);
            o.gs_kt = Some(CIVIL_GS_KT);
            o.trk_deg = Some(CIVIL_TRK_DEG);
            o.vs_fpm = Some(0.0);
            o.callsign = Some("RJA402".into());
            o.on_ground = Some(false);
            if live.ingest.send(o).await.is_err() {
                return;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn airliner_starts_outside_and_crosses_the_zone() {
        let d = |t: f64| {
            let (lat, lon) = civil_position(t);
            deconflict_airspace::geom::distance_m(
                ZONE_CENTER,
                LatLon {
                    lat_deg: lat,
                    lon_deg: lon,
                },
            )
        };
        assert!(
            (d(0.0) / 1_852.0 - CIVIL_START_NM).abs() < 0.5,
            "{}",
            d(0.0) / 1_852.0
        );
        // Entry after (40 - 15) NM at 420 kt ≈ 214 s: within the 300 s look-ahead at once.
        assert!(d(200.0) > ZONE_RADIUS_M && d(230.0) < ZONE_RADIUS_M);
        assert!(d(40.0 * 3_600.0 / 420.0) < 1_000.0);
    }
}
