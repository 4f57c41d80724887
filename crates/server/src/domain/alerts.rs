//! Conflict alert records: how an engine alert event becomes the stored and shown record
//! (which states are captured, which acknowledgements survive), and the one ordering of alerts
//! and intrusions for display — most urgent first.
//!
//! The warning level is the highest of the three default alert levels (EUROCONTROL STCA and
//! NASA DAIDALUS: advisory / caution / warning); an unacknowledged warning concerning the
//! viewer comes before everything else.

use crate::domain::policy::Viewer;
use deconflict_engine::alerting::{AlertEvent, AlertEventKind};
use deconflict_engine::detect::Conflict;
use deconflict_store::{AlertRecord, AlertState};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub use deconflict_engine::standard::WARNING_LEVEL;

/// The lifecycle state an engine event records.
pub fn state_of(kind: AlertEventKind) -> AlertState {
    match kind {
        AlertEventKind::Raised => AlertState::Raised,
        AlertEventKind::Updated => AlertState::Updated,
        AlertEventKind::Cleared => AlertState::Cleared,
    }
}

/// The geometry of a conflict at an alert event, as recorded in the alert's detail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictDetail {
    /// Time to closest approach, seconds.
    pub tcpa_s: f64,
    /// Horizontal distance at closest approach, metres.
    pub dcpa_m: f64,
    /// Vertical separation at closest approach, feet.
    pub vsep_cpa_ft: f64,
    /// Time to loss of separation, seconds.
    pub t_in_s: f64,
    /// Time separation is regained, seconds.
    pub t_out_s: f64,
    /// The two aircraft belong to different parties.
    pub cross_party: bool,
    /// The first aircraft as the API showed it at alert time (`null` when unknown).
    pub a_state: Value,
    /// The second aircraft, likewise.
    pub b_state: Value,
    /// Predicted position of the first aircraft at closest approach.
    pub cpa_a: Value,
    /// Of the second.
    pub cpa_b: Value,
}

/// What the alert cycle knows about the two aircraft of an event.
pub struct EventContext<'a> {
    /// The alert id.
    pub id: String,
    /// The record before this event, if the alert was already known.
    pub previous: Option<&'a AlertRecord>,
    /// Owner of a track now (`None`: unknown now or unowned).
    pub party_of: &'a dyn Fn(&str) -> Option<String>,
    /// The API view of a track now (`Value::Null` when unknown).
    pub view_of: &'a dyn Fn(&str) -> Value,
    /// Predicted position at closest approach.
    pub cpa_of: &'a dyn Fn(&str) -> Value,
}

/// The record an engine alert event produces.
///
/// - The owners are those of the tracks now, else those recorded before (a track that
///   vanished keeps its owner on the record).
/// - A cleared alert keeps the aircraft states captured at its last alert time; other events
///   capture them now.
/// - Acknowledgements are carried over (the store resets them when the level rises).
pub fn record_of(ev: &AlertEvent, ctx: &EventContext<'_>) -> AlertRecord {
    let c = &ev.conflict;
    let old = ctx.previous;
    let owner = |tid: &str| {
        (ctx.party_of)(tid).or_else(|| {
            old.and_then(|o| {
                if o.a == tid {
                    o.a_party.clone()
                } else {
                    o.b_party.clone()
                }
            })
        })
    };
    let (a_state, b_state) = match (ev.kind, old) {
        (AlertEventKind::Cleared, Some(o)) => {
            (o.detail["a_state"].clone(), o.detail["b_state"].clone())
        }
        _ => ((ctx.view_of)(&c.a), (ctx.view_of)(&c.b)),
    };
    let detail = ConflictDetail {
        tcpa_s: c.tcpa_s,
        dcpa_m: c.dcpa_m,
        vsep_cpa_ft: c.vsep_cpa_ft,
        t_in_s: c.t_in_s,
        t_out_s: c.t_out_s,
        cross_party: ev.cross_party,
        a_state,
        b_state,
        cpa_a: (ctx.cpa_of)(&c.a),
        cpa_b: (ctx.cpa_of)(&c.b),
    };
    AlertRecord {
        id: ctx.id.clone(),
        a: c.a.to_string(),
        b: c.b.to_string(),
        a_party: owner(&c.a),
        b_party: owner(&c.b),
        level: ev.level,
        state: state_of(ev.kind),
        raised_at: old.map(|o| o.raised_at).unwrap_or(ev.at_s),
        updated_at: ev.at_s,
        cleared_at: (ev.kind == AlertEventKind::Cleared).then_some(ev.at_s),
        acks: old.map(|o| o.acks.clone()).unwrap_or_default(),
        detail: serde_json::to_value(&detail).unwrap_or(Value::Null),
    }
}

/// For each party, the tracks of the active alerts it is involved in: both aircraft of each
/// (its own and the intruder). While an alert is active, the parties it concerns are sent both
/// aircraft's current states — that is what alerts-only sharing discloses (docs/api.md).
pub fn alert_tracks_by_party<'a>(
    alerts: impl IntoIterator<Item = &'a AlertRecord>,
) -> BTreeMap<String, std::collections::BTreeSet<String>> {
    let mut out: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for a in alerts.into_iter().filter(|a| a.cleared_at.is_none()) {
        for p in a.a_party.iter().chain(a.b_party.iter()) {
            let set = out.entry(p.clone()).or_default();
            set.insert(a.a.clone());
            set.insert(a.b.clone());
        }
    }
    out
}

/// The geometry of an active alert's pair as the detector predicts it now (times from the
/// alert cycle that computed it), so that a console shows the time to loss of separation and
/// the closest point as they are, not as they were at the alert's last event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictNow<'a> {
    /// The alert id.
    pub id: &'a str,
    /// Time to closest approach, seconds (0.1 s; negative once it has passed).
    pub tcpa_s: f64,
    /// Horizontal distance at closest approach, metres (whole).
    pub dcpa_m: f64,
    /// Vertical separation at closest approach, feet (whole).
    pub vsep_cpa_ft: f64,
    /// Time to loss of separation, seconds (0.1 s; 0 = lost now).
    pub t_in_s: f64,
    /// Time separation is regained, seconds (0.1 s).
    pub t_out_s: f64,
}

/// For each active alert whose pair the safety net confirms this cycle (`confirmed`, sorted by
/// `(a, b)` as the safety net gives it), its geometry now. An alert held after its pair left
/// the confirmed set (the alerting hold) has none.
pub fn conflicts_now<'a>(
    alerts: impl IntoIterator<Item = &'a AlertRecord>,
    confirmed: &'a [Conflict],
) -> Vec<(&'a AlertRecord, ConflictNow<'a>)> {
    let tenth = |x: f64| (x * 10.0).round() / 10.0;
    alerts
        .into_iter()
        .filter(|a| a.cleared_at.is_none())
        .filter_map(|a| {
            let i = confirmed
                .binary_search_by(|c| {
                    (c.a.as_str(), c.b.as_str()).cmp(&(a.a.as_str(), a.b.as_str()))
                })
                .ok()?;
            let c = &confirmed[i];
            Some((
                a,
                ConflictNow {
                    id: &a.id,
                    tcpa_s: tenth(c.tcpa_s),
                    dcpa_m: c.dcpa_m.round(),
                    vsep_cpa_ft: c.vsep_cpa_ft.round(),
                    t_in_s: tenth(c.t_in_s),
                    t_out_s: tenth(c.t_out_s),
                },
            ))
        })
        .collect()
}

/// What the display ordering needs of an alert or an intrusion.
pub trait Urgency {
    /// Its id (the last tie-break).
    fn id(&self) -> &str;
    /// Its level.
    fn level(&self) -> u8;
    /// Still active (not cleared).
    fn active(&self) -> bool;
    /// Seconds until it happens (loss of separation, entry); `f64::MAX` when unknown.
    fn time_to_s(&self) -> f64;
    /// Acknowledgement per involved party.
    fn acks(&self) -> &BTreeMap<String, bool>;
}

impl Urgency for AlertRecord {
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
        self.detail
            .get("t_in_s")
            .and_then(Value::as_f64)
            .unwrap_or(f64::MAX)
    }
    fn acks(&self) -> &BTreeMap<String, bool> {
        &self.acks
    }
}

/// An active warning that `v` has not acknowledged (for the cell and observers: that some
/// party has not).
pub fn unacked_warning<T: Urgency>(a: &T, v: &Viewer) -> bool {
    a.active()
        && a.level() >= WARNING_LEVEL
        && match v {
            Viewer::All => a.acks().values().any(|x| !x),
            Viewer::Party(p) => a.acks().get(p) == Some(&false),
        }
}

/// The one display ordering, for `v`: unacknowledged warnings first, then active before
/// cleared, then level (highest first), then time to the event (soonest first), then id.
pub fn sort_by_urgency<T: Urgency>(list: &mut [T], v: &Viewer) {
    // Each key once (the time to the event is looked up in the alert's detail): thousands of
    // alerts sort in a millisecond, not tens.
    list.sort_by_cached_key(|a| {
        (
            std::cmp::Reverse(unacked_warning(a, v)),
            std::cmp::Reverse(a.active()),
            std::cmp::Reverse(a.level()),
            total_order(a.time_to_s()),
            a.id().to_owned(),
        )
    });
}

/// An integer ordered as `f64::total_cmp` orders `x`.
pub fn total_order(x: f64) -> i64 {
    let b = x.to_bits() as i64;
    b ^ ((((b >> 63) as u64) >> 1) as i64)
}

/// Alerts `v` may see, in display order.
pub fn sorted_alerts(mut list: Vec<AlertRecord>, v: &Viewer) -> Vec<AlertRecord> {
    list.retain(|a| crate::domain::policy::alert_visible(v, a));
    sort_by_urgency(&mut list, v);
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use deconflict_engine::alerting::AlertEvent;
    use deconflict_engine::detect::Conflict;
    use proptest::prelude::*;
    use serde_json::json;

    proptest! {
        /// The sort key of the time to the event orders times as `f64::total_cmp` does
        /// (negative zero, infinities, NaN and `f64::MAX` included).
        #[test]
        fn total_order_is_total_cmp(
            x in prop_oneof![any::<f64>(), Just(f64::MAX), Just(-0.0), Just(f64::NAN), -1e4..1e4f64],
            y in prop_oneof![any::<f64>(), Just(f64::MAX), Just(0.0), Just(f64::INFINITY), -1e4..1e4f64],
        ) {
            prop_assert_eq!(total_order(x).cmp(&total_order(y)), x.total_cmp(&y));
        }
    }

    fn rec(id: &str, level: u8, t_in_s: f64, acks: &[(&str, bool)], cleared: bool) -> AlertRecord {
        AlertRecord {
            id: id.into(),
            a: "A".into(),
            b: "B".into(),
            a_party: Some("blue".into()),
            b_party: Some("red".into()),
            level,
            state: if cleared {
                AlertState::Cleared
            } else {
                AlertState::Raised
            },
            raised_at: 0.0,
            updated_at: 0.0,
            cleared_at: cleared.then_some(1.0),
            acks: acks.iter().map(|(p, a)| ((*p).to_owned(), *a)).collect(),
            detail: json!({ "t_in_s": t_in_s }),
        }
    }

    fn ids(list: &[AlertRecord]) -> Vec<&str> {
        list.iter().map(|a| a.id.as_str()).collect()
    }

    #[test]
    fn unacknowledged_warnings_first_then_level_then_time() {
        let list = vec![
            rec("caution-soon", 2, 10.0, &[("blue", false)], false),
            rec(
                "warning-acked",
                3,
                50.0,
                &[("blue", true), ("red", false)],
                false,
            ),
            rec(
                "warning-open",
                3,
                90.0,
                &[("blue", false), ("red", false)],
                false,
            ),
            rec("cleared", 3, 1.0, &[("blue", false)], true),
            rec("advisory", 1, 5.0, &[], false),
            rec("caution-late", 2, 40.0, &[], false),
        ];
        let blue = Viewer::Party("blue".into());
        assert_eq!(
            ids(&sorted_alerts(list.clone(), &blue)),
            [
                "warning-open",
                "warning-acked",
                "caution-soon",
                "caution-late",
                "advisory",
                "cleared"
            ]
        );
        // For the cell, a warning red has not acknowledged is still open.
        assert_eq!(
            ids(&sorted_alerts(list, &Viewer::All))[..2],
            ["warning-acked", "warning-open"]
        );
    }

    #[test]
    fn parties_see_only_their_alerts() {
        let mut other = rec("other", 3, 1.0, &[], false);
        other.a_party = Some("green".into());
        other.b_party = None;
        let list = vec![rec("mine", 1, 1.0, &[], false), other];
        assert_eq!(
            ids(&sorted_alerts(list.clone(), &Viewer::Party("blue".into()))),
            ["mine"]
        );
        assert_eq!(sorted_alerts(list, &Viewer::All).len(), 2);
    }

    fn event(kind: AlertEventKind, level: u8, at_s: f64) -> AlertEvent {
        AlertEvent {
            id: 7,
            kind,
            level,
            at_s,
            cross_party: true,
            conflict: Conflict {
                a: "A".into(),
                b: "B".into(),
                tcpa_s: 60.0,
                dcpa_m: 900.0,
                vsep_cpa_ft: 200.0,
                t_in_s: 30.0,
                t_out_s: 90.0,
                level,
                cross_party: true,
            },
        }
    }

    #[test]
    fn records_keep_owners_states_and_acks_across_events() {
        let none = |_: &str| None;
        let blue_red = |t: &str| Some(if t == "A" { "blue" } else { "red" }.to_owned());
        let view_now = |t: &str| json!({ "id": t, "now": true });
        let cpa = |_: &str| json!({ "lat_deg": 1.0, "lon_deg": 2.0 });
        let raised = record_of(
            &event(AlertEventKind::Raised, 2, 100.0),
            &EventContext {
                id: "c-1-7".into(),
                previous: None,
                party_of: &blue_red,
                view_of: &view_now,
                cpa_of: &cpa,
            },
        );
        assert_eq!(raised.state, AlertState::Raised);
        assert_eq!(raised.a_party.as_deref(), Some("blue"));
        assert_eq!(raised.detail["a_state"]["now"], true);
        assert_eq!(raised.detail["t_in_s"], 30.0);
        let mut acked = raised.clone();
        acked.acks.insert("blue".into(), true);
        // Both tracks gone: owners and captured states come from the record.
        let gone = |_: &str| Value::Null;
        let cleared = record_of(
            &event(AlertEventKind::Cleared, 2, 130.0),
            &EventContext {
                id: "c-1-7".into(),
                previous: Some(&acked),
                party_of: &none,
                view_of: &gone,
                cpa_of: &cpa,
            },
        );
        assert_eq!(cleared.state, AlertState::Cleared);
        assert_eq!(cleared.cleared_at, Some(130.0));
        assert_eq!(cleared.raised_at, 100.0);
        assert_eq!(cleared.b_party.as_deref(), Some("red"));
        assert_eq!(cleared.detail["a_state"]["now"], true);
        assert_eq!(cleared.acks.get("blue"), Some(&true));
    }

    #[test]
    fn parties_get_both_aircraft_of_their_active_alerts_only() {
        let mut civil = rec("c-civil", 3, 1.0, &[], false);
        civil.a = "C1".into();
        civil.b = "C2".into();
        civil.a_party = None;
        civil.b_party = None;
        let mut cleared = rec("c-old", 3, 1.0, &[], true);
        cleared.a = "OLD".into();
        let mut blue_green = rec("c-bg", 1, 1.0, &[], false);
        blue_green.b = "G1".into();
        blue_green.b_party = Some("green".into());
        let list = [rec("c-br", 3, 1.0, &[], false), civil, cleared, blue_green];
        let by = alert_tracks_by_party(&list);
        let ids = |p: &str| by[p].iter().map(String::as_str).collect::<Vec<_>>();
        assert_eq!(ids("blue"), ["A", "B", "G1"]);
        assert_eq!(ids("red"), ["A", "B"]);
        assert_eq!(ids("green"), ["A", "G1"]);
        assert_eq!(
            by.len(),
            3,
            "civil pairs and cleared alerts concern no party"
        );
    }

    fn conflict(a: &str, b: &str, tcpa_s: f64, t_in_s: f64) -> Conflict {
        Conflict {
            a: a.into(),
            b: b.into(),
            tcpa_s,
            dcpa_m: 1234.4,
            vsep_cpa_ft: 99.6,
            t_in_s,
            t_out_s: tcpa_s + 20.0,
            level: 3,
            cross_party: true,
        }
    }

    #[test]
    fn active_alerts_get_their_pairs_geometry_of_this_cycle() {
        let mut held = rec("held", 3, 30.0, &[], false);
        held.a = "C".into();
        held.b = "D".into();
        let alerts = [
            rec("live", 3, 30.0, &[], false),
            rec("gone", 3, 30.0, &[], true),
            held,
        ];
        // The first alert's pair predicted anew: 12.34 s to loss instead of the 30 s recorded.
        let confirmed = [
            conflict("A", "B", 40.06, 12.34),
            conflict("E", "F", 5.0, 0.0),
        ];
        let now = conflicts_now(&alerts, &confirmed);
        let ids: Vec<&str> = now.iter().map(|(a, _)| a.id.as_str()).collect();
        assert_eq!(ids, ["live"], "cleared and held alerts get none");
        let g = &now[0].1;
        assert_eq!((g.t_in_s, g.tcpa_s, g.t_out_s), (12.3, 40.1, 60.1));
        assert_eq!((g.dcpa_m, g.vsep_cpa_ft), (1234.0, 100.0));
    }
}
