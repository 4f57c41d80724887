//! Exclusions: what an accepted vacate request changes in the airspace.
//!
//! When B accepts A's request to keep out of a volume, the cell creates (with the answer, in one
//! transaction) a reservation of purpose `exclusion`, owned by A, over the request's volume
//! from the *deadline* (the volume's start, or the acceptance if later) to its end, linked to
//! the request ([`ExclusionLink`]). It is watched for B's aircraft only:
//! - **Intrusion.** One of B's aircraft inside, or predicted to enter, after the deadline
//!   raises the usual intrusion alert, to B and A ([`narrow`] drops every other aircraft's
//!   prediction for an exclusion).
//! - **Compliance.** Before the deadline, each of B's aircraft inside the volume now, or
//!   carried inside it by its velocity at the deadline, gets an alert from
//!   `strategic.compliance_lead_s` (600 s) before it, with its time to the deadline as time
//!   to entry, so the intrusion alert levels apply (advisory, caution within
//!   `strategic.intrusion.level2_within_s`, warning within `level3_within_s`).
//!
//! Declined or unanswered vacate requests are *contested* until their volume ends: shown to
//! both parties and the cell, with the reason, but no reservation — the requester's own
//! filings over them get the normal overlap checks ([`RequestDoc::contested_at`]).

use crate::domain::intrusions::IntrusionRecord;
use crate::domain::requests::{RequestDoc, RequestKind};
use crate::domain::reservations::{ExclusionLink, ReservationDoc, DEFAULT_PRIORITY};
use deconflict_airspace::{IntrusionDetector, IntrusionPrediction, Purpose, ReservationState};
use deconflict_engine::{predict_position, AircraftState};
use serde::Serialize;
use std::collections::BTreeMap;

/// The exclusion the acceptance of vacate request `req` by `by` at `now` creates, or `None`
/// when it is not a vacate request with a volume that has not ended.
pub fn exclusion_for(req: &RequestDoc, by: &str, now: f64) -> Option<ReservationDoc> {
    if req.kind != RequestKind::Vacate {
        return None;
    }
    let mut volume = req.volume.clone()?;
    if volume.end_time <= now {
        return None;
    }
    let deadline = volume.start_time.max(now);
    volume.start_time = deadline;
    Some(ReservationDoc {
        id: String::new(),
        party: req.from.clone(),
        name: format!("Exclusion: {by} keeps out ({})", req.id),
        purpose: Purpose::Exclusion,
        priority: DEFAULT_PRIORITY,
        state: ReservationState::Accepted,
        version: 0,
        volumes: vec![volume],
        justification: Some(req.message.clone()).filter(|m| !m.is_empty()),
        filed_over: Vec::new(),
        source: None,
        created_at: 0.0,
        updated_at: 0.0,
        exclusion: Some(ExclusionLink {
            request_id: req.id.clone(),
            watch_party: by.to_owned(),
            deadline,
        }),
    })
}

/// `s` carried `t_s` along its velocity and held there (no speed, no climb): the detector then
/// says whether that position is inside a volume at a given time.
fn held(s: &AircraftState, t_s: f64) -> AircraftState {
    let (lat, lon, alt) = predict_position(s, t_s);
    AircraftState {
        lat_deg: lat,
        lon_deg: lon,
        alt_ft: alt,
        gs_kt: 0.0,
        vs_fpm: 0.0,
        ..s.clone()
    }
}

/// Live exclusions by reservation id: `(watched party, deadline)`.
pub type Watches = BTreeMap<String, (String, f64)>;

/// The live exclusions among `docs` at `now`.
pub fn watches<'a>(docs: impl IntoIterator<Item = &'a ReservationDoc>, now: f64) -> Watches {
    docs.into_iter()
        .filter(|d| d.purpose == Purpose::Exclusion && d.state_at(now).is_live())
        .filter_map(|d| {
            let l = d.exclusion.as_ref()?;
            Some((d.id.clone(), (l.watch_party.clone(), l.deadline)))
        })
        .collect()
}

/// Keeps, for an exclusion, only the predictions of its watched party's aircraft.
pub fn narrow(predictions: &mut Vec<IntrusionPrediction>, w: &Watches) {
    predictions.retain(|p| match w.get(&p.reservation_id) {
        Some((party, _)) => p.track_party.as_deref() == Some(party.as_str()),
        None => true,
    });
}

/// The compliance predictions at `now`: each watched aircraft of an exclusion whose deadline
/// is at most `lead_s` ahead that is inside its volume now, or would be at the deadline along
/// its velocity (each tested 1 s after the deadline). `time_to_entry_s` is the time to the
/// deadline.
pub fn compliance(
    detector: &IntrusionDetector,
    states: &[AircraftState],
    w: &Watches,
    now: f64,
    lead_s: f64,
) -> Vec<IntrusionPrediction> {
    let mut out = Vec::new();
    for (id, (party, deadline)) in w {
        let dt = deadline - now;
        if dt <= 0.0 || dt > lead_s {
            continue;
        }
        let at = dt + 1.0;
        // Each watched aircraft twice: where it is now and where its velocity takes it by the
        // deadline, both held there at the deadline (an aircraft orbiting inside is
        // predicted out by a straight line, yet has to leave).
        let carried: Vec<AircraftState> = states
            .iter()
            .filter(|s| s.party.as_deref() == Some(party.as_str()))
            .flat_map(|s| [held(s, 0.0), held(s, at)])
            .collect();
        if carried.is_empty() {
            continue;
        }
        let scan = detector.scan(&carried, now + at, 0.0);
        let mut seen = std::collections::BTreeSet::new();
        out.extend(
            scan.predictions
                .into_iter()
                .filter(|p| &p.reservation_id == id)
                .filter(|p| seen.insert((p.track_id.clone(), p.volume_index)))
                .map(|mut p| {
                    p.time_to_entry_s = dt;
                    p.inside_now = false;
                    p
                }),
        );
    }
    out
}

/// One watched aircraft in an exclusion's compliance status.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NonCompliant {
    /// The aircraft.
    pub track_id: String,
    /// Its callsign, if known.
    pub callsign: Option<String>,
    /// Inside now (after the deadline), or predicted inside at the deadline.
    pub inside_now: bool,
    /// Seconds to the deadline (0 once inside after it).
    pub time_to_entry_s: f64,
    /// The alert's level.
    pub level: u8,
    /// When, on its current path, it is expected to leave the volume, UNIX s; `None` when
    /// it would not within the horizon searched.
    pub expected_exit: Option<f64>,
}

/// An accepted vacate request's compliance status: the watched aircraft still inside (or
/// predicted to be at the deadline), with when each is expected to leave.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Compliance {
    /// The exclusion.
    pub exclusion_id: String,
    /// From when the watched party's aircraft must be out, UNIX s.
    pub deadline: f64,
    /// No watched aircraft inside or predicted inside at the deadline.
    pub compliant: bool,
    /// Those that are.
    pub aircraft: Vec<NonCompliant>,
}

/// How far ahead [`expected_exit`] looks, seconds.
pub const EXIT_HORIZON_S: f64 = 3_600.0;
/// Its sampling step, seconds.
pub const EXIT_STEP_S: f64 = 10.0;

/// When `state`, carried along its velocity, is first found outside the volumes of exclusion
/// `reservation_id` (sampled every [`EXIT_STEP_S`] from `now`, up to [`EXIT_HORIZON_S`] and
/// before the exclusion's `end`; positions before the `deadline` are tested against the
/// volumes as they are from it), UNIX s; `None` when it would still be inside then.
pub fn expected_exit(
    detector: &IntrusionDetector,
    state: &AircraftState,
    reservation_id: &str,
    (deadline, end): (f64, f64),
    now: f64,
) -> Option<f64> {
    let mut t = 1.0;
    while t <= EXIT_HORIZON_S && now + t < end {
        let at = held(state, t);
        let inside = detector
            .scan(
                std::slice::from_ref(&at),
                (now + t).max(deadline + 1.0),
                0.0,
            )
            .predictions
            .iter()
            .any(|p| p.reservation_id == reservation_id);
        if !inside {
            return Some(now + t);
        }
        t += EXIT_STEP_S;
    }
    None
}

/// The compliance status of exclusion `exclusion_id` from its active alerts `alerts` (the
/// intrusion records on it), `exit` giving each aircraft's expected exit.
pub fn compliance_status(
    exclusion_id: &str,
    deadline: f64,
    alerts: &[IntrusionRecord],
    exit: impl Fn(&str) -> Option<f64>,
) -> Compliance {
    let mut aircraft: Vec<NonCompliant> = alerts
        .iter()
        .filter(|a| a.reservation_id == exclusion_id)
        .map(|a| NonCompliant {
            track_id: a.track_id.clone(),
            callsign: a
                .track_state
                .get("callsign")
                .and_then(|c| c.as_str())
                .map(str::to_owned),
            inside_now: a.inside_now,
            time_to_entry_s: a.time_to_entry_s,
            level: a.level,
            expected_exit: exit(&a.track_id),
        })
        .collect();
    aircraft.sort_by(|a, b| b.level.cmp(&a.level).then(a.track_id.cmp(&b.track_id)));
    Compliance {
        exclusion_id: exclusion_id.to_owned(),
        deadline,
        compliant: aircraft.is_empty(),
        aircraft,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::requests::RequestState;
    use deconflict_airspace::{Reservation, Shape, Volume};

    fn square(t0: f64, t1: f64) -> Volume {
        Volume {
            shape: Shape::Polygon {
                coordinates: vec![[37.0, 36.0], [37.5, 36.0], [37.5, 36.5], [37.0, 36.5]],
            },
            lower_ft: 0.0,
            upper_ft: 40_000.0,
            start_time: t0,
            end_time: t1,
        }
    }

    fn request(state: RequestState, t0: f64, t1: f64) -> RequestDoc {
        serde_json::from_value(serde_json::json!({
            "id": "q-1", "kind": "vacate", "from": "red", "to": "blue", "reservation_id": null,
            "volume": square(t0, t1), "message": "Leave box K", "state": state, "reason": null,
            "expires_at": 500.0, "answered_at": null
        }))
        .unwrap()
    }

    fn ac(id: &str, party: &str, lat: f64, lon: f64, trk: f64) -> AircraftState {
        AircraftState {
            id: id.into(),
            party: Some(party.into()),
            lat_deg: lat,
            lon_deg: lon,
            alt_ft: 25_000.0,
            gs_kt: 420.0,
            trk_deg: trk,
            vs_fpm: 0.0,
        }
    }

    fn detector(doc: &ReservationDoc, id: &str) -> IntrusionDetector {
        let r = Reservation {
            id: id.into(),
            party: doc.party.clone(),
            purpose: doc.purpose,
            priority: doc.priority,
            state: ReservationState::Accepted,
            volumes: doc.volumes.clone(),
        };
        IntrusionDetector::new([&r])
    }

    #[test]
    fn an_acceptance_creates_the_requesters_exclusion_from_the_deadline() {
        let r = request(RequestState::Accepted, 1_000.0, 5_000.0);
        let e = exclusion_for(&r, "blue", 100.0).unwrap();
        assert_eq!((e.party.as_str(), e.purpose), ("red", Purpose::Exclusion));
        let l = e.exclusion.as_ref().unwrap();
        assert_eq!(
            (l.request_id.as_str(), l.watch_party.as_str(), l.deadline),
            ("q-1", "blue", 1_000.0)
        );
        assert_eq!(e.volumes[0].start_time, 1_000.0);
        // Accepted after the volume started: effective at once.
        let e = exclusion_for(&r, "blue", 2_000.0).unwrap();
        assert_eq!(e.volumes[0].start_time, 2_000.0);
        assert!(
            exclusion_for(&r, "blue", 5_000.0).is_none(),
            "the volume is over"
        );
    }

    #[test]
    fn only_the_watched_partys_aircraft_count_and_compliance_looks_at_the_deadline() {
        let r = request(RequestState::Accepted, 1_000.0, 5_000.0);
        let mut e = exclusion_for(&r, "blue", 100.0).unwrap();
        e.id = "r-9".into();
        let det = detector(&e, "r-9");
        let w = watches([&e], 500.0);
        assert_eq!(w["r-9"], ("blue".to_owned(), 1_000.0));
        // Blue inside, flying east at 420 kt: by the deadline (500 s later, ~58 NM east) it
        // has left. Blue inside and slow (5 kt): still inside then.
        let leaving = ac("B1", "blue", 36.25, 37.05, 90.0);
        let mut staying = ac("B2", "blue", 36.25, 37.25, 0.0);
        staying.gs_kt = 5.0;
        let civil = AircraftState {
            party: None,
            ..staying.clone()
        };
        let red = ac("R1", "red", 36.25, 37.25, 0.0);
        let states = [leaving, staying, civil, red];
        // 600 s lead: the deadline is 500 s away, so the check runs: B1 is still inside (it
        // will have left by then on its path, but has not yet), B2 stays. Then B1 has left.
        let c = compliance(&det, &states, &w, 500.0, 600.0);
        let ids: Vec<&str> = c.iter().map(|p| p.track_id.as_str()).collect();
        assert_eq!(ids, ["B1", "B2"]);
        let mut gone = states.clone();
        gone[0].lon_deg = 37.6;
        let c = compliance(&det, &gone, &w, 500.0, 600.0);
        assert_eq!(
            c.iter().map(|p| p.track_id.as_str()).collect::<Vec<_>>(),
            ["B2"]
        );
        // One outside now whose path enters by the deadline is flagged too.
        let mut inbound = ac("B3", "blue", 36.25, 36.5, 90.0);
        inbound.gs_kt = 300.0; // 42 NM in 501 s: 0.86 degrees east, to 37.36E
        let c = compliance(&det, &[inbound], &w, 500.0, 600.0);
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].time_to_entry_s, 500.0);
        // Earlier than the lead: nothing yet. After the deadline: no compliance, intrusion.
        assert!(compliance(&det, &states, &w, 300.0, 600.0).is_empty());
        assert!(compliance(&det, &states, &w, 1_001.0, 600.0).is_empty());
        // After the deadline, intrusions of anyone but blue are dropped for the exclusion.
        let mut scan = det.scan(&states, 1_100.0, 300.0).predictions;
        assert!(
            scan.iter().any(|p| p.track_party.is_none()),
            "the detector sees civil"
        );
        narrow(&mut scan, &w);
        assert!(scan
            .iter()
            .all(|p| p.track_party.as_deref() == Some("blue")));
        assert!(scan.iter().any(|p| p.track_id == "B2" && p.inside_now));
    }

    #[test]
    fn the_expected_exit_follows_the_path_after_the_deadline() {
        let r = request(RequestState::Accepted, 1_000.0, 50_000.0);
        let mut e = exclusion_for(&r, "blue", 100.0).unwrap();
        e.id = "r-9".into();
        let det = detector(&e, "r-9");
        // 0.25° of longitude (about 12.1 NM at 36.25N) from the east edge, eastbound at
        // 120 kt: out about 363 s after now, well past a deadline 100 s away.
        let mut s = ac("B1", "blue", 36.25, 37.25, 90.0);
        s.gs_kt = 120.0;
        let exit = expected_exit(&det, &s, "r-9", (1_000.0, 50_000.0), 900.0).unwrap();
        assert!((exit - 900.0 - 363.0).abs() <= EXIT_STEP_S + 2.0, "{exit}");
        // Slow, it would not leave within the horizon.
        s.gs_kt = 1.0;
        assert_eq!(
            expected_exit(&det, &s, "r-9", (1_000.0, 50_000.0), 900.0),
            None
        );
        // Nor before the exclusion ends, even when its path would take it out later.
        s.gs_kt = 120.0;
        assert_eq!(
            expected_exit(&det, &s, "r-9", (1_000.0, 1_200.0), 900.0),
            None
        );
        // With the deadline far ahead, the exit still follows the path from now.
        let exit = expected_exit(&det, &s, "r-9", (5_000.0, 50_000.0), 900.0).unwrap();
        assert!((exit - 900.0 - 363.0).abs() <= EXIT_STEP_S + 2.0, "{exit}");
        // The status lists it, most urgent first.
        let st = compliance_status("r-9", 1_000.0, &[], |_| None);
        assert!(st.compliant && st.aircraft.is_empty());
    }

    #[test]
    fn declined_and_unanswered_requests_are_contested_until_their_volume_ends() {
        let declined = request(RequestState::Declined, 1_000.0, 5_000.0);
        assert!(declined.contested_at(200.0));
        assert!(!declined.contested_at(5_000.0));
        let pending = request(RequestState::Pending, 1_000.0, 5_000.0);
        assert!(!pending.contested_at(200.0), "still open");
        assert!(pending.contested_at(600.0), "expired at 500");
        assert!(!request(RequestState::Accepted, 1_000.0, 5_000.0).contested_at(600.0));
    }
}
