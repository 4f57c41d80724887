//! Alert ids across a change of leader. A node that takes the cell's lease starts its alerting
//! afresh, so every conflict it then detects comes up as a new alert. [`Handover`] maps those
//! onto the alerts the previous leader left open for the same pair of aircraft: they go on
//! under their stored ids (an update, not a new raise), so every client, whichever node it is
//! connected to, keeps seeing the same alert. Open alerts whose pair is not detected again
//! within the hold time are cleared then, as the previous leader would have done.

use crate::domain::ids::alert_id;
use deconflict_engine::alerting::{AlertEvent, AlertEventKind};
use deconflict_store::{AlertRecord, AlertState};
use std::collections::{BTreeMap, HashMap};

/// The pair of aircraft, in order.
fn pair(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_owned(), b.to_owned())
    } else {
        (b.to_owned(), a.to_owned())
    }
}

/// One leadership's alert ids: the open alerts it took over, and the stored id of each of its
/// alerting layer's alerts.
#[derive(Debug, Default)]
pub struct Handover {
    /// The run part of the ids of alerts raised under this leadership.
    run: u64,
    /// Alerts open at the takeover and not yet matched, by pair.
    adopted: BTreeMap<(String, String), AlertRecord>,
    /// Until when an adopted alert waits to be matched, seconds.
    until: f64,
    /// The stored id of each alerting-layer id.
    ids: HashMap<u64, String>,
}

impl Handover {
    /// A leadership that took over the alerts `open` at `now`, waiting `hold_s` for their
    /// pairs; its own alerts are `c-<run>-<n>`.
    pub fn new(run: u64, open: Vec<AlertRecord>, now: f64, hold_s: f64) -> Handover {
        Handover {
            run,
            adopted: open
                .into_iter()
                .filter(|a| a.cleared_at.is_none())
                .map(|a| (pair(&a.a, &a.b), a))
                .collect(),
            until: now + hold_s.max(0.0),
            ids: HashMap::new(),
        }
    }

    /// The stored id of an event, and the event as it is to be recorded: an alert raised for a
    /// pair that was open at the takeover continues under its stored id, as an update.
    pub fn resolve(&mut self, ev: &AlertEvent) -> (String, AlertEvent) {
        let mut ev = ev.clone();
        let id = match self.ids.get(&ev.id) {
            Some(id) => id.clone(),
            None => {
                let adopted = (ev.kind == AlertEventKind::Raised)
                    .then(|| self.adopted.remove(&pair(&ev.conflict.a, &ev.conflict.b)))
                    .flatten();
                let id = match adopted {
                    Some(a) => {
                        ev.kind = AlertEventKind::Updated;
                        a.id
                    }
                    None => alert_id(self.run, ev.id),
                };
                self.ids.insert(ev.id, id.clone());
                id
            }
        };
        if ev.kind == AlertEventKind::Cleared {
            self.ids.remove(&ev.id);
        }
        (id, ev)
    }

    /// Takes back adopted alerts whose clearing could not be recorded (from
    /// [`Handover::lapsed`]): they are returned again by the next `lapsed`, unless their pair
    /// is detected first.
    pub fn readopt(&mut self, records: Vec<AlertRecord>) {
        for a in records {
            self.adopted.entry(pair(&a.a, &a.b)).or_insert(a);
        }
    }

    /// The adopted alerts whose pair was not detected again by `now` (past the hold), as
    /// cleared records; each is returned once.
    pub fn lapsed(&mut self, now: f64) -> Vec<AlertRecord> {
        if now < self.until || self.adopted.is_empty() {
            return Vec::new();
        }
        std::mem::take(&mut self.adopted)
            .into_values()
            .map(|mut a| {
                a.state = AlertState::Cleared;
                a.cleared_at = Some(now);
                a.updated_at = now;
                a
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deconflict_engine::detect::Conflict;

    fn open(id: &str, a: &str, b: &str) -> AlertRecord {
        AlertRecord {
            id: id.into(),
            a: a.into(),
            b: b.into(),
            a_party: Some("red".into()),
            b_party: Some("blue".into()),
            level: 2,
            state: AlertState::Raised,
            raised_at: 10.0,
            updated_at: 10.0,
            cleared_at: None,
            acks: Default::default(),
            detail: serde_json::json!({}),
        }
    }

    fn event(id: u64, kind: AlertEventKind, a: &str, b: &str) -> AlertEvent {
        AlertEvent {
            id,
            kind,
            at_s: 100.0,
            level: 2,
            cross_party: true,
            conflict: Conflict {
                a: a.into(),
                b: b.into(),
                tcpa_s: 60.0,
                dcpa_m: 1000.0,
                vsep_cpa_ft: 0.0,
                t_in_s: 30.0,
                t_out_s: 90.0,
                level: 2,
                cross_party: true,
            },
        }
    }

    #[test]
    fn a_pair_open_at_the_takeover_keeps_its_id_and_new_pairs_get_new_ones() {
        let mut h = Handover::new(77, vec![open("c-1-4", "RED1", "BLU1")], 100.0, 6.0);
        // Detected again (either order of the pair): the stored id, as an update.
        let (id, ev) = h.resolve(&event(1, AlertEventKind::Raised, "BLU1", "RED1"));
        assert_eq!((id.as_str(), ev.kind), ("c-1-4", AlertEventKind::Updated));
        // Its later events keep the id; its clear ends the mapping.
        let (id, ev) = h.resolve(&event(1, AlertEventKind::Updated, "BLU1", "RED1"));
        assert_eq!((id.as_str(), ev.kind), ("c-1-4", AlertEventKind::Updated));
        let (id, _) = h.resolve(&event(1, AlertEventKind::Cleared, "BLU1", "RED1"));
        assert_eq!(id, "c-1-4");
        // A pair raised again after that is a new alert of this leadership.
        let (id, ev) = h.resolve(&event(2, AlertEventKind::Raised, "BLU1", "RED1"));
        assert_eq!((id.as_str(), ev.kind), ("c-77-2", AlertEventKind::Raised));
        let (id, _) = h.resolve(&event(3, AlertEventKind::Raised, "A", "B"));
        assert_eq!(id, "c-77-3");
    }

    #[test]
    fn open_alerts_not_detected_again_within_the_hold_are_cleared_once() {
        let mut h = Handover::new(
            77,
            vec![open("c-1-4", "RED1", "BLU1"), open("c-1-5", "RED2", "BLU2")],
            100.0,
            6.0,
        );
        h.resolve(&event(1, AlertEventKind::Raised, "RED1", "BLU1"));
        assert!(h.lapsed(105.0).is_empty(), "still within the hold");
        let gone = h.lapsed(106.0);
        assert_eq!(gone.len(), 1);
        assert_eq!(
            (gone[0].id.as_str(), gone[0].state, gone[0].cleared_at),
            ("c-1-5", AlertState::Cleared, Some(106.0))
        );
        assert!(h.lapsed(107.0).is_empty(), "once");
        // A clearing that could not be recorded is returned again next time.
        h.readopt(gone);
        let again = h.lapsed(108.0);
        assert_eq!(again.len(), 1);
        assert_eq!(
            (again[0].id.as_str(), again[0].cleared_at),
            ("c-1-5", Some(108.0))
        );
    }
}
