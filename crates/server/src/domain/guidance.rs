//! Resolution guidance for the aircraft in alert: which aircraft get it (every aircraft of
//! an active conflict alert, those of the most urgent alerts first, up to a limit), when it
//! is recomputed, and who may see it (need-to-know: a party sees the guidance of its own
//! aircraft only; the cell and observers see all of it).
//!
//! The bands and advice themselves are the engine's ([`deconflict_engine::guidance`]).

use crate::domain::alerts::Urgency;
use crate::domain::policy::{guidance_visible, Viewer};
use deconflict_store::AlertRecord;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// An aircraft to compute guidance for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// Its track id.
    pub id: String,
    /// Its party (as the alert records it), `None` for civil traffic.
    pub owner: Option<String>,
}

/// The aircraft of the active alerts, each once, ordered by the urgency of its most urgent
/// alert, at most `max`; and how many were left out. Alerts involving a party's aircraft
/// come before civil–civil ones (a party sees its own aircraft's guidance and acts on it;
/// civil pairs, often many in busy airspace, are for the cell), then by level, time to loss
/// of separation and alert id.
pub fn subjects<'a>(
    alerts: impl IntoIterator<Item = &'a AlertRecord>,
    max: usize,
) -> (Vec<Subject>, usize) {
    let party = |a: &AlertRecord| a.a_party.is_some() || a.b_party.is_some();
    // Each key once (the time to the loss is looked up in the alert's detail).
    let mut active: Vec<(bool, u8, f64, &AlertRecord)> = alerts
        .into_iter()
        .filter(|a| a.active())
        .map(|a| (party(a), a.level, a.time_to_s(), a))
        .collect();
    active.sort_by(|x, y| {
        y.0.cmp(&x.0)
            .then(y.1.cmp(&x.1))
            .then(x.2.total_cmp(&y.2))
            .then(x.3.id.cmp(&y.3.id))
    });
    let mut seen: HashSet<&str> = HashSet::with_capacity(2 * active.len());
    let mut out = Vec::new();
    let mut unique = 0usize;
    for (_, _, _, a) in active {
        for (id, owner) in [(&a.a, &a.a_party), (&a.b, &a.b_party)] {
            if seen.insert(id.as_str()) {
                unique += 1;
                if out.len() < max {
                    out.push(Subject {
                        id: id.clone(),
                        owner: owner.clone(),
                    });
                }
            }
        }
    }
    let skipped = unique - out.len();
    (out, skipped)
}

/// Which subjects to compute, in order: those without guidance yet (newly in alert) in
/// urgency order, then, when `full` (the recompute period has passed), those with guidance,
/// the oldest first (so that a computation cut short by its time budget leaves the
/// freshest ones for later, and every aircraft is refreshed in turn).
pub fn due<'a>(subjects: &'a [Subject], current: &GuidanceMap, full: bool) -> Vec<&'a Subject> {
    let mut out = Vec::with_capacity(subjects.len());
    let mut have = Vec::new();
    for s in subjects {
        match current.get(&s.id) {
            None => out.push(s),
            Some(e) if full => have.push((e.time_s, s)),
            Some(_) => {}
        }
    }
    have.sort_by(|a, b| a.0.total_cmp(&b.0));
    out.extend(have.into_iter().map(|(_, s)| s));
    out
}

/// One aircraft's guidance as kept between cycles.
#[derive(Debug, Clone, PartialEq)]
pub struct GuidanceEntry {
    /// Its party, `None` for civil traffic.
    pub owner: Option<String>,
    /// When it was computed, seconds.
    pub time_s: f64,
    /// The API form (docs/api.md `Guidance`).
    pub value: Value,
    /// `value` as JSON text, for the stream.
    pub json: String,
}

/// Guidance by track id.
pub type GuidanceMap = HashMap<String, Arc<GuidanceEntry>>;

/// The guidance of a conflict's aircraft that `v` may see (`a`'s, then `b`'s).
pub fn of_conflict<'m>(a: &AlertRecord, map: &'m GuidanceMap, v: &Viewer) -> Vec<&'m Value> {
    [(&a.a, &a.a_party), (&a.b, &a.b_party)]
        .into_iter()
        .filter(|(_, owner)| guidance_visible(v, owner.as_deref()))
        .filter_map(|(id, _)| map.get(id).map(|e| &e.value))
        .collect()
}

/// What changed for one viewer between two guidance maps.
#[derive(Debug, Default, PartialEq)]
pub struct ViewerChange<'m> {
    /// Entries computed anew (JSON text), by track id.
    pub upsert: Vec<&'m str>,
    /// Track ids whose guidance ended.
    pub remove: Vec<&'m str>,
}

/// Each viewer's change from `prev` to `next`, for viewers with one: entries computed anew
/// (not the same entry as in `prev`) and ids no longer guided, the cell and observers all of
/// them, each party those of its own aircraft. Frames thus carry only what changed: at
/// scale a computation refreshes a part of the set (its time budget), and a full set per
/// frame would cost every cell client megabytes a second.
pub fn changes<'m>(
    prev: &'m GuidanceMap,
    next: &'m GuidanceMap,
) -> BTreeMap<Viewer, ViewerChange<'m>> {
    let mut out: BTreeMap<Viewer, ViewerChange<'m>> = BTreeMap::new();
    let mut add = |owner: &Option<String>, f: &dyn Fn(&mut ViewerChange<'m>)| {
        f(out.entry(Viewer::All).or_default());
        if let Some(p) = owner {
            f(out.entry(Viewer::Party(p.clone())).or_default());
        }
    };
    let mut ids: Vec<&String> = next.keys().collect();
    ids.sort();
    for id in ids {
        let e = &next[id];
        if prev.get(id).is_some_and(|old| Arc::ptr_eq(old, e)) {
            continue;
        }
        add(&e.owner, &|c: &mut ViewerChange<'m>| c.upsert.push(&e.json));
    }
    let mut gone: Vec<(&String, &Arc<GuidanceEntry>)> = prev
        .iter()
        .filter(|(id, _)| !next.contains_key(*id))
        .collect();
    gone.sort_by(|a, b| a.0.cmp(b.0));
    for (id, e) in gone {
        add(&e.owner, &|c: &mut ViewerChange<'m>| c.remove.push(id));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use deconflict_store::AlertState;
    use serde_json::json;

    fn alert(id: &str, a: (&str, Option<&str>), b: (&str, Option<&str>), level: u8) -> AlertRecord {
        AlertRecord {
            id: id.into(),
            a: a.0.into(),
            b: b.0.into(),
            a_party: a.1.map(Into::into),
            b_party: b.1.map(Into::into),
            level,
            state: AlertState::Raised,
            raised_at: 0.0,
            updated_at: 0.0,
            cleared_at: None,
            detail: json!({"t_in_s": 100.0 - f64::from(level) * 10.0}),
            acks: BTreeMap::new(),
        }
    }

    fn entry(owner: Option<&str>, id: &str) -> Arc<GuidanceEntry> {
        entry_at(owner, id, 0.0)
    }

    fn entry_at(owner: Option<&str>, id: &str, time_s: f64) -> Arc<GuidanceEntry> {
        Arc::new(GuidanceEntry {
            owner: owner.map(Into::into),
            time_s,
            value: json!({ "id": id }),
            json: format!("{{\"id\":\"{id}\"}}"),
        })
    }

    #[test]
    fn the_most_urgent_alerts_aircraft_come_first_each_once() {
        let alerts = [
            alert("c-1", ("CIV1", None), ("CIV2", None), 1),
            alert(
                "c-2",
                ("VIPER11", Some("blue")),
                ("SOKOL21", Some("red")),
                3,
            ),
            alert("c-3", ("VIPER11", Some("blue")), ("CIV1", None), 2),
        ];
        let (s, skipped) = subjects(&alerts, 10);
        let ids: Vec<&str> = s.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["VIPER11", "SOKOL21", "CIV1", "CIV2"]);
        assert_eq!(skipped, 0);
        assert_eq!(s[0].owner.as_deref(), Some("blue"));
        let (s, skipped) = subjects(&alerts, 2);
        assert_eq!(s.len(), 2);
        assert_eq!(skipped, 2, "the civil pair is left out and counted");
    }

    #[test]
    fn a_partys_aircraft_come_before_civil_pairs_even_at_a_lower_level() {
        let alerts = [
            alert("c-1", ("CIV1", None), ("CIV2", None), 3),
            alert("c-2", ("VIPER11", Some("blue")), ("CIV3", None), 1),
        ];
        let (s, _) = subjects(&alerts, 10);
        let ids: Vec<&str> = s.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["VIPER11", "CIV3", "CIV1", "CIV2"]);
    }

    #[test]
    fn cleared_alerts_get_no_guidance() {
        let mut a = alert("c-1", ("A", None), ("B", None), 3);
        a.cleared_at = Some(5.0);
        assert!(subjects(&[a], 10).0.is_empty());
    }

    #[test]
    fn new_aircraft_come_first_then_the_oldest_guidance() {
        let alerts = [
            alert("c-1", ("A", None), ("B", None), 3),
            alert("c-2", ("C", None), ("D", None), 2),
        ];
        let (s, _) = subjects(&alerts, 10);
        let mut map = GuidanceMap::new();
        map.insert("A".into(), entry_at(None, "A", 20.0));
        map.insert("C".into(), entry_at(None, "C", 10.0));
        let due_ids = |full| {
            due(&s, &map, full)
                .into_iter()
                .map(|s| s.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            due_ids(false),
            ["B", "D"],
            "between full computations: new ones only"
        );
        assert_eq!(due_ids(true), ["B", "D", "C", "A"]);
    }

    #[test]
    fn a_party_sees_guidance_for_its_own_aircraft_only() {
        let a = alert(
            "c-1",
            ("VIPER11", Some("blue")),
            ("SOKOL21", Some("red")),
            3,
        );
        let mut map = GuidanceMap::new();
        map.insert("VIPER11".into(), entry(Some("blue"), "VIPER11"));
        map.insert("SOKOL21".into(), entry(Some("red"), "SOKOL21"));
        let ids = |v: &Viewer| -> Vec<String> {
            of_conflict(&a, &map, v)
                .iter()
                .map(|g| g["id"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(ids(&Viewer::Party("blue".into())), ["VIPER11"]);
        assert_eq!(ids(&Viewer::Party("red".into())), ["SOKOL21"]);
        assert_eq!(ids(&Viewer::Party("green".into())), Vec::<String>::new());
        assert_eq!(ids(&Viewer::All), ["VIPER11", "SOKOL21"]);
        assert!(
            !guidance_visible(&Viewer::Party("blue".into()), None),
            "civil traffic: the cell only"
        );
    }

    #[test]
    fn frames_carry_what_changed_to_its_owner_and_the_cell() {
        let viper = entry(Some("blue"), "VIPER11");
        let sokol = entry(Some("red"), "SOKOL21");
        let civil = entry(None, "CIV1");
        let prev: GuidanceMap = [
            ("VIPER11".to_owned(), viper.clone()),
            ("SOKOL21".to_owned(), sokol.clone()),
        ]
        .into();
        // VIPER11 recomputed, SOKOL21 unchanged (same entry), CIV1 new; then SOKOL21 ends.
        let next: GuidanceMap = [
            ("VIPER11".to_owned(), entry(Some("blue"), "VIPER11")),
            ("SOKOL21".to_owned(), sokol.clone()),
            ("CIV1".to_owned(), civil),
        ]
        .into();
        let c = changes(&prev, &next);
        assert_eq!(
            c[&Viewer::Party("blue".into())].upsert,
            [r#"{"id":"VIPER11"}"#]
        );
        assert!(
            !c.contains_key(&Viewer::Party("red".into())),
            "nothing changed for red"
        );
        assert_eq!(c[&Viewer::All].upsert.len(), 2);
        let after: GuidanceMap = [("CIV1".to_owned(), next["CIV1"].clone())].into();
        let c = changes(&next, &after);
        assert_eq!(c[&Viewer::Party("red".into())].remove, ["SOKOL21"]);
        assert_eq!(c[&Viewer::Party("blue".into())].remove, ["VIPER11"]);
        assert!(c[&Viewer::All].upsert.is_empty());
        assert_eq!(c[&Viewer::All].remove, ["SOKOL21", "VIPER11"]);
        assert!(changes(&after, &after).is_empty());
    }
}
