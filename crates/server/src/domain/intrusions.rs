//! Intrusion alerts as the cell records and shows them: an aircraft predicted to enter
//! another party's live reservation or a hazard zone. Each side (the aircraft's owner, the
//! volume's owner) acknowledges its own; acknowledgements survive later updates of the alert
//! except a level increase, which must be acknowledged anew (as for conflicts).

use crate::domain::alerts::{state_of, Urgency};
use crate::domain::ids::intrusion_id;
use crate::domain::picture::{Picture, TrackView};
use crate::domain::policy::{Sides, Viewer};
use deconflict_airspace::{EntryPoint, IntrusionEvent, Purpose};
use deconflict_engine::AircraftState;
use deconflict_store::{AlertState, IntrusionInput, StoredIntrusion};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Longest extrapolation of a track to the picture time, seconds.
pub const MAX_EXTRAPOLATION_S: f64 = 60.0;

/// One intrusion alert (`Intrusion` in docs/api.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = Intrusion)]
pub struct IntrusionRecord {
    /// `i-<run>-<n>`.
    pub id: String,
    /// The aircraft.
    pub track_id: String,
    /// Its owner (`None`: unowned civil traffic).
    pub track_party: Option<String>,
    /// The reservation or zone.
    pub reservation_id: String,
    /// Its name, when known.
    pub reservation_name: Option<String>,
    /// Its owner.
    pub volume_party: String,
    /// Its purpose.
    pub purpose: Purpose,
    /// The volume entered first.
    pub volume_index: usize,
    /// Seconds to entry (0 inside).
    pub time_to_entry_s: f64,
    /// Already inside.
    pub inside_now: bool,
    /// Predicted entry position.
    pub entry_point: EntryPoint,
    /// Alert level.
    pub level: u8,
    /// The last event.
    pub state: AlertState,
    /// UNIX s.
    pub raised_at: f64,
    /// UNIX s.
    pub updated_at: f64,
    /// UNIX s.
    pub cleared_at: Option<f64>,
    /// The aircraft as the API showed it at the last alert time (`null` when unknown).
    #[serde(default)]
    pub track_state: Value,
    /// Acknowledgement per involved party.
    #[serde(default)]
    pub acks: BTreeMap<String, bool>,
}

impl IntrusionRecord {
    /// The record of a detector event. `track_state_now` is the aircraft's view now;
    /// `previous` the open record of the same pair (aircraft, volume) before this event, whose
    /// captured state a clearing keeps and whose acknowledgements carry over (unless the level
    /// rose). The record goes on under `previous`'s id: a pair has one open alert at a time,
    /// so this is the same alert — and when a new leader's detector raises a pair the previous
    /// leader left open, the raise continues that alert (an update, its id and raise time
    /// kept) rather than starting another.
    pub fn of_event(
        run: u64,
        e: &IntrusionEvent,
        reservation_name: Option<String>,
        track_state_now: Value,
        previous: Option<&IntrusionRecord>,
    ) -> IntrusionRecord {
        let i = &e.intrusion;
        let state = state_of(e.event);
        let track_state = match (state, previous) {
            (AlertState::Cleared, Some(p)) => p.track_state.clone(),
            _ => track_state_now,
        };
        let mut acks = BTreeMap::new();
        if i.purpose != Purpose::Notice {
            acks.insert(i.volume_party.clone(), false);
        }
        if let Some(p) = &i.track_party {
            acks.insert(p.clone(), false);
        }
        // A raise for a pair already open: the alert a previous leader left, taken over.
        let (state, raised_at) = match previous {
            Some(p) if state == AlertState::Raised => (AlertState::Updated, p.raised_at),
            _ => (state, i.raised_at),
        };
        let mut r = IntrusionRecord {
            id: previous.map_or_else(|| intrusion_id(run, &i.id), |p| p.id.clone()),
            track_id: i.track_id.clone(),
            track_party: i.track_party.clone(),
            reservation_id: i.reservation_id.clone(),
            reservation_name,
            volume_party: i.volume_party.clone(),
            purpose: i.purpose,
            volume_index: i.volume_index,
            time_to_entry_s: i.time_to_entry_s,
            inside_now: i.inside_now,
            entry_point: i.entry_point,
            level: i.level,
            state,
            raised_at,
            updated_at: i.updated_at,
            cleared_at: i.cleared_at,
            track_state,
            acks,
        };
        if let Some(p) = previous {
            r.keep_acks(p);
        }
        r
    }

    /// What the store records of it: the fields it indexes and decides on, and the record as
    /// its document (without the acknowledgements, which the store keeps itself).
    pub fn to_input(&self) -> IntrusionInput {
        let body = IntrusionRecord {
            acks: BTreeMap::new(),
            ..self.clone()
        };
        IntrusionInput {
            id: self.id.clone(),
            track_id: self.track_id.clone(),
            track_party: self.track_party.clone(),
            reservation_id: self.reservation_id.clone(),
            volume_party: self.volume_party.clone(),
            level: self.level,
            state: self.state,
            raised_at: self.raised_at,
            updated_at: self.updated_at,
            cleared_at: self.cleared_at,
            body: serde_json::to_value(body).unwrap_or(Value::Null),
        }
    }

    /// The record of a stored intrusion: its document, with the sides, level, state, times and
    /// acknowledgements the store holds.
    ///
    /// # Errors
    /// The stored document does not read.
    pub fn from_stored(s: StoredIntrusion) -> serde_json::Result<IntrusionRecord> {
        let doc: IntrusionRecord = serde_json::from_value(s.body)?;
        let mut acks = s.acks;
        if doc.purpose == Purpose::Notice {
            // A notice's advisory is its recipient's alone (see `IntrusionRecord::parties`).
            acks.remove(&s.volume_party);
        }
        Ok(IntrusionRecord {
            id: s.id,
            track_id: s.track_id,
            track_party: s.track_party,
            reservation_id: s.reservation_id,
            volume_party: s.volume_party,
            level: s.level,
            state: s.state,
            raised_at: s.raised_at,
            updated_at: s.updated_at,
            cleared_at: s.cleared_at,
            acks,
            ..doc
        })
    }

    /// Takes every acknowledgement `previous` has, unless this record's level is higher (an
    /// escalation is acknowledged anew).
    pub fn keep_acks(&mut self, previous: &IntrusionRecord) {
        if self.level > previous.level {
            return;
        }
        for (party, acked) in &previous.acks {
            if *acked {
                self.acks.insert(party.clone(), true);
            }
        }
    }

    /// The parties it concerns (for the stream): the volume's owner and the aircraft's.
    ///
    /// An advisory on a notice goes to the aircraft's owner only: a notice claims no
    /// airspace, so its sender does not learn of the recipients' aircraft through it (what an
    /// aircraft's sharing rule hides stays hidden).
    pub fn parties(&self) -> Vec<String> {
        let mut v = Vec::new();
        if self.purpose != Purpose::Notice {
            v.push(self.volume_party.clone());
        }
        v.extend(self.track_party.clone());
        v
    }

    /// The key the detector tracks it by: aircraft and reservation.
    pub fn pair_key(&self) -> (&str, &str) {
        (&self.track_id, &self.reservation_id)
    }

    /// This alert cleared at `now`: a pair a new leader took over open and did not detect
    /// again within the hold time, as the previous leader would have cleared it.
    pub fn lapsed(&self, now: f64) -> IntrusionRecord {
        IntrusionRecord {
            state: AlertState::Cleared,
            cleared_at: Some(now),
            updated_at: now,
            ..self.clone()
        }
    }
}

impl Sides for IntrusionRecord {
    const NOUN: &'static str = "intrusion";
    const NEITHER: &'static str = "neither the aircraft nor the volume";
    fn id(&self) -> &str {
        &self.id
    }
    fn involves(&self, party: &str) -> bool {
        self.track_party.as_deref() == Some(party)
            || (self.volume_party == party && self.purpose != Purpose::Notice)
    }
}

impl Urgency for IntrusionRecord {
    fn id(&self) -> &str {
        &self.id
    }
    fn level(&self) -> u8 {
        self.level
    }
    fn active(&self) -> bool {
        self.cleared_at.is_none()
    }
    fn time_to_s(&self) -> f64 {
        self.time_to_entry_s
    }
    fn acks(&self) -> &BTreeMap<String, bool> {
        &self.acks
    }
}

/// Whether viewer `v` may see intrusion `i`: the cell and observers all, a party those it is
/// a side of.
pub fn visible(v: &Viewer, i: &IntrusionRecord) -> bool {
    match v {
        Viewer::All => true,
        Viewer::Party(p) => i.involves(p),
    }
}

/// Airborne states of the picture, extrapolated to its time (at most
/// [`MAX_EXTRAPOLATION_S`]).
pub fn airborne(pic: &Picture) -> Vec<AircraftState> {
    pic.tracks
        .iter()
        .filter_map(|t| airborne_state(pic, &t.view))
        .collect()
}

/// One track's airborne state, as [`airborne`] gives it; `None` on the ground or without an
/// altitude.
pub fn airborne_state(pic: &Picture, v: &TrackView) -> Option<AircraftState> {
    if v.on_ground {
        return None;
    }
    let mut s = AircraftState {
        id: v.id.clone(),
        party: v.party.clone(),
        lat_deg: v.lat_deg,
        lon_deg: v.lon_deg,
        alt_ft: v.alt_ft?,
        gs_kt: v.gs_kt.unwrap_or(0.0),
        trk_deg: v.trk_deg.unwrap_or(0.0),
        vs_fpm: v.vs_fpm.unwrap_or(0.0),
    };
    let dt = (pic.time - v.last_update).clamp(0.0, MAX_EXTRAPOLATION_S);
    if dt > 0.0 && s.validate().is_ok() {
        let (lat, lon, alt) = deconflict_engine::geodesy::predict_position(&s, dt);
        s.lat_deg = lat;
        s.lon_deg = lon;
        s.alt_ft = alt;
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::{ack_side, AckError};
    use deconflict_airspace::{AlertEventKind, Intrusion};
    use deconflict_store::Role;
    use serde_json::json;

    fn event(kind: AlertEventKind, level: u8, track_party: Option<&str>) -> IntrusionEvent {
        IntrusionEvent {
            event: kind,
            intrusion: Intrusion {
                id: "i-4".into(),
                track_id: "RED1".into(),
                track_party: track_party.map(str::to_owned),
                reservation_id: "r-1".into(),
                volume_party: "blue".into(),
                purpose: Purpose::Operation,
                volume_index: 0,
                time_to_entry_s: 120.0,
                inside_now: false,
                entry_point: EntryPoint {
                    lat_deg: 36.0,
                    lon_deg: 37.0,
                    alt_ft: 20_000.0,
                },
                level,
                state: kind,
                raised_at: 10.0,
                updated_at: 20.0,
                cleared_at: (kind == AlertEventKind::Cleared).then_some(30.0),
            },
        }
    }

    #[test]
    fn a_new_leader_goes_on_with_the_open_alert_of_the_same_pair() {
        // Left open by the previous leader (run 3), acknowledged by blue.
        let mut left = IntrusionRecord::of_event(
            3,
            &event(AlertEventKind::Raised, 1, Some("red")),
            Some("Blue op".into()),
            json!({ "id": "RED1" }),
            None,
        );
        left.raised_at = 5.0;
        left.acks.insert("blue".into(), true);
        // The new leader's detector (run 9) raises the pair afresh.
        let taken = IntrusionRecord::of_event(
            9,
            &event(AlertEventKind::Raised, 1, Some("red")),
            Some("Blue op".into()),
            json!({ "id": "RED1" }),
            Some(&left),
        );
        assert_eq!(taken.id, left.id, "the same alert goes on");
        assert_eq!(taken.id, "i-3-4");
        assert_eq!(
            taken.state,
            AlertState::Updated,
            "an update, not a new raise"
        );
        assert_eq!(taken.raised_at, 5.0);
        assert!(taken.acks["blue"], "its acknowledgement kept");
        // Not detected again: cleared as it was.
        let gone = left.lapsed(40.0);
        assert_eq!(
            (gone.id.as_str(), gone.state),
            ("i-3-4", AlertState::Cleared)
        );
        assert_eq!(gone.cleared_at, Some(40.0));
    }

    #[test]
    fn both_sides_start_unacknowledged_and_acks_survive_until_escalation() {
        let raised = IntrusionRecord::of_event(
            9,
            &event(AlertEventKind::Raised, 1, Some("red")),
            Some("Blue op".into()),
            json!({ "id": "RED1" }),
            None,
        );
        assert_eq!(raised.id, "i-9-4");
        assert_eq!(raised.acks.len(), 2);
        assert!(raised.acks.values().all(|a| !a));
        let mut acked = raised.clone();
        acked.acks.insert("blue".into(), true);
        let same = IntrusionRecord::of_event(
            9,
            &event(AlertEventKind::Updated, 1, Some("red")),
            None,
            Value::Null,
            Some(&acked),
        );
        assert!(same.acks["blue"]);
        assert!(!same.acks["red"]);
        let higher = IntrusionRecord::of_event(
            9,
            &event(AlertEventKind::Updated, 3, Some("red")),
            None,
            Value::Null,
            Some(&acked),
        );
        assert!(!higher.acks["blue"], "an escalation is acknowledged anew");
        let cleared = IntrusionRecord::of_event(
            9,
            &event(AlertEventKind::Cleared, 1, Some("red")),
            None,
            Value::Null,
            Some(&acked),
        );
        assert_eq!(cleared.state, AlertState::Cleared);
        assert_eq!(
            cleared.track_state["id"], "RED1",
            "a clearing keeps the captured state"
        );
    }

    #[test]
    fn sides_and_visibility() {
        let civil = IntrusionRecord::of_event(
            1,
            &event(AlertEventKind::Raised, 2, None),
            None,
            Value::Null,
            None,
        );
        assert_eq!(civil.acks.keys().collect::<Vec<_>>(), ["blue"]);
        assert!(visible(&Viewer::Party("blue".into()), &civil));
        assert!(!visible(&Viewer::Party("red".into()), &civil));
        assert!(visible(&Viewer::All, &civil));
        assert_eq!(
            ack_side("blue", Role::Party, &civil, None),
            Ok("blue".into())
        );
        assert_eq!(
            ack_side("red", Role::Party, &civil, None)
                .unwrap_err()
                .to_string(),
            "red owns neither the aircraft nor the volume of intrusion i-1-4"
        );
        assert_eq!(
            ack_side("mon", Role::Observer, &civil, None),
            Err(AckError::Observer("intrusion"))
        );
        assert_eq!(
            ack_side("cell", Role::Cell, &civil, Some("blue")),
            Ok("blue".into())
        );
    }
}
