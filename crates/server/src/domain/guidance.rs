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
use std::collections::{BTreeMap, BTreeSet, HashMap};
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
/// alert (level, then time to loss of separation, then alert id), at most `max`; and how
/// many were left out.
pub fn subjects<'a>(
    alerts: impl IntoIterator<Item = &'a AlertRecord>,
    max: usize,
) -> (Vec<Subject>, usize) {
    let mut active: Vec<&AlertRecord> = alerts.into_iter().filter(|a| a.active()).collect();
    active.sort_by(|x, y| {
        y.level
            .cmp(&x.level)
            .then(x.time_to_s().total_cmp(&y.time_to_s()))
            .then(x.id.cmp(&y.id))
    });
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for a in active {
        for (id, owner) in [(&a.a, &a.a_party), (&a.b, &a.b_party)] {
            if seen.insert(id.as_str()) {
                out.push(Subject {
                    id: id.clone(),
                    owner: owner.clone(),
                });
            }
        }
    }
    let skipped = out.len().saturating_sub(max);
    out.truncate(max);
    (out, skipped)
}

/// Which subjects to compute this cycle: all of them when `full` (the recompute period has
/// passed), otherwise only those without guidance yet (newly in alert).
pub fn due<'a>(subjects: &'a [Subject], current: &GuidanceMap, full: bool) -> Vec<&'a Subject> {
    subjects
        .iter()
        .filter(|s| full || !current.contains_key(&s.id))
        .collect()
}

/// One aircraft's guidance as kept between cycles.
#[derive(Debug, Clone, PartialEq)]
pub struct GuidanceEntry {
    /// Its party, `None` for civil traffic.
    pub owner: Option<String>,
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

/// What each viewer's guidance frame holds: the cell and observers every entry, each party
/// the entries of its aircraft. A party that had entries in `previous_parties` and has none
/// now is listed with none, so its console drops the old guidance.
pub fn by_viewer<'m>(
    map: &'m GuidanceMap,
    previous_parties: &BTreeSet<String>,
) -> BTreeMap<Viewer, Vec<&'m str>> {
    let mut ids: Vec<&String> = map.keys().collect();
    ids.sort();
    let mut out: BTreeMap<Viewer, Vec<&str>> = BTreeMap::new();
    out.insert(Viewer::All, Vec::new());
    for p in previous_parties {
        out.insert(Viewer::Party(p.clone()), Vec::new());
    }
    for id in ids {
        let e = &map[id];
        out.entry(Viewer::All).or_default().push(&e.json);
        if let Some(p) = &e.owner {
            out.entry(Viewer::Party(p.clone()))
                .or_default()
                .push(&e.json);
        }
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
        Arc::new(GuidanceEntry {
            owner: owner.map(Into::into),
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
    fn cleared_alerts_get_no_guidance() {
        let mut a = alert("c-1", ("A", None), ("B", None), 3);
        a.cleared_at = Some(5.0);
        assert!(subjects(&[a], 10).0.is_empty());
    }

    #[test]
    fn between_full_cycles_only_new_aircraft_are_computed() {
        let (s, _) = subjects(&[alert("c-1", ("A", None), ("B", None), 3)], 10);
        let mut map = GuidanceMap::new();
        map.insert("A".into(), entry(None, "A"));
        let due_ids = |full| {
            due(&s, &map, full)
                .into_iter()
                .map(|s| s.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(due_ids(false), ["B"]);
        assert_eq!(due_ids(true), ["A", "B"]);
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
    fn frames_go_to_owners_and_the_cell_and_empty_once_to_parties_whose_guidance_ended() {
        let mut map = GuidanceMap::new();
        map.insert("VIPER11".into(), entry(Some("blue"), "VIPER11"));
        map.insert("CIV1".into(), entry(None, "CIV1"));
        let before: BTreeSet<String> = ["red".to_owned()].into();
        let f = by_viewer(&map, &before);
        assert_eq!(f[&Viewer::All].len(), 2);
        assert_eq!(f[&Viewer::Party("blue".into())], [r#"{"id":"VIPER11"}"#]);
        assert!(f[&Viewer::Party("red".into())].is_empty());
        assert_eq!(f.len(), 3);
    }
}
