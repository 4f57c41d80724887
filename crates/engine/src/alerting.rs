//! Alerting: turns each cycle's stateless conflict list into alerts with a lifecycle.
//!
//! [`Alerting`] remembers every active alert between cycles, keyed by the aircraft pair, with
//! the lifecycle of [`crate::hysteresis`] applied to each conflict's level:
//! - a pair that appears gets a new stable id (`u64`, never reused) and a
//!   [`AlertEventKind::Raised`] event;
//! - a level *increase* is published at once ([`AlertEventKind::Updated`]);
//! - a level *decrease* is published only after the lower level has persisted for
//!   [`AlertingConfig::hold_s`]; any return to the published level restarts the wait;
//! - a pair that disappears is [`AlertEventKind::Cleared`] only after it has stayed absent for
//!   `hold_s`; if it reappears before, the same alert continues (same id, no new event).
//!
//! This is the hysteresis: when `t_in_s` jitters around a threshold (e.g. 119 s / 121 s at
//! the 120 s caution boundary) the alert neither flaps between levels nor is re-raised.
//! The latest values of every active alert are available through [`Alerting::active`].
//! Time comes in as an argument (`now_s`, seconds on any monotonic scale); time going
//! backwards is treated as no time passing.

use crate::detect::Conflict;
use crate::hysteresis::{Change, Held, Hysteresis};
use std::collections::BTreeMap;

/// Alerting configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct AlertingConfig {
    /// How long, in seconds, a lower level (or the absence of the conflict) must persist before
    /// the alert is downgraded (or cleared). Default 6 s (several 1 Hz cycles).
    pub hold_s: f64,
}

impl Default for AlertingConfig {
    fn default() -> Self {
        AlertingConfig { hold_s: 6.0 }
    }
}

/// What happened to an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum AlertEventKind {
    /// A new alert.
    Raised,
    /// The published level changed.
    Updated,
    /// The alert ended.
    Cleared,
}

/// One alert lifecycle event.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AlertEvent {
    /// Stable alert id, the same for the pair across cycles until cleared.
    pub id: u64,
    /// What happened.
    pub kind: AlertEventKind,
    /// When, seconds (the `now_s` of the cycle).
    pub at_s: f64,
    /// Published level after the event (for `Cleared`, the last published level).
    pub level: u8,
    /// The pair's parties differ.
    pub cross_party: bool,
    /// Latest values of the conflict (for `Cleared`, the last seen ones).
    pub conflict: Conflict,
}

/// An active alert as [`Alerting`] holds it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ActiveAlert {
    /// Stable alert id.
    pub id: u64,
    /// Published level.
    pub level: u8,
    /// When the alert was raised, seconds.
    pub raised_at_s: f64,
    /// When the published level last changed (or the raise), seconds.
    pub updated_at_s: f64,
    /// Latest values seen (possibly from an earlier cycle while the pair is absent).
    pub conflict: Conflict,
    /// Since when the pair has been absent from the conflict list, seconds.
    pub absent_since_s: Option<f64>,
    lower_since_s: Option<f64>,
}

impl From<Change> for AlertEventKind {
    /// A raise is [`AlertEventKind::Raised`], a level change either way
    /// [`AlertEventKind::Updated`], a clear [`AlertEventKind::Cleared`].
    fn from(c: Change) -> Self {
        match c {
            Change::Raised => AlertEventKind::Raised,
            Change::Escalated { .. } | Change::DeEscalated { .. } => AlertEventKind::Updated,
            Change::Cleared => AlertEventKind::Cleared,
        }
    }
}

/// Stateful alerting layer; see the module docs.
#[derive(Debug, Clone)]
pub struct Alerting {
    levels: Hysteresis<(String, String)>,
    /// The same keys as `levels`, with the latest conflict values.
    alerts: BTreeMap<(String, String), ActiveAlert>,
}

impl Default for Alerting {
    fn default() -> Self {
        Alerting::new(AlertingConfig::default())
    }
}

impl Alerting {
    /// A fresh alerting layer with no active alerts. A negative or non-finite `hold_s` counts
    /// as 0.
    pub fn new(config: AlertingConfig) -> Self {
        Alerting {
            levels: Hysteresis::new(config.hold_s),
            alerts: BTreeMap::new(),
        }
    }

    /// Active alerts, sorted by pair.
    pub fn active(&self) -> impl Iterator<Item = &ActiveAlert> {
        self.alerts.values()
    }

    /// Feeds one cycle's conflicts (any order) at time `now_s` and returns the events, sorted
    /// by pair. A pair listed twice uses its first occurrence.
    pub fn update(&mut self, now_s: f64, conflicts: &[Conflict]) -> Vec<AlertEvent> {
        let mut seen: BTreeMap<(String, String), &Conflict> = BTreeMap::new();
        for c in conflicts {
            let (a, b) = if c.a <= c.b {
                (&c.a, &c.b)
            } else {
                (&c.b, &c.a)
            };
            seen.entry((a.to_string(), b.to_string())).or_insert(c);
        }
        let transitions = self
            .levels
            .update(now_s, seen.iter().map(|(k, c)| (k.clone(), c.level)));
        let now_s = self.levels.now_s();
        for (key, c) in &seen {
            if let Some(al) = self.alerts.get_mut(key) {
                al.conflict = (*c).clone();
            }
        }
        let mut events = Vec::with_capacity(transitions.len());
        for t in transitions {
            let al = match t.change {
                Change::Raised => {
                    let al = ActiveAlert::new(&t.held, seen[&t.key].clone());
                    self.alerts.entry(t.key).or_insert(al)
                }
                Change::Escalated { .. } | Change::DeEscalated { .. } => {
                    match self.alerts.get_mut(&t.key) {
                        Some(al) => al,
                        None => continue,
                    }
                }
                Change::Cleared => match self.alerts.remove(&t.key) {
                    Some(al) => {
                        events.push(AlertEvent::new(t.change.into(), now_s, &al));
                        continue;
                    }
                    None => continue,
                },
            };
            al.level = t.held.level;
            al.updated_at_s = t.held.changed_at_s;
            events.push(AlertEvent::new(t.change.into(), now_s, al));
        }
        // The pair's absence and lowering waits, as the hysteresis holds them.
        for (al, (_, held)) in self.alerts.values_mut().zip(self.levels.iter()) {
            al.absent_since_s = held.absent_since_s;
            al.lower_since_s = held.lower_since_s;
        }
        events
    }
}

impl ActiveAlert {
    fn new(held: &Held, conflict: Conflict) -> Self {
        ActiveAlert {
            id: held.id,
            level: held.level,
            raised_at_s: held.raised_at_s,
            updated_at_s: held.changed_at_s,
            conflict,
            absent_since_s: held.absent_since_s,
            lower_since_s: held.lower_since_s,
        }
    }
}

impl AlertEvent {
    fn new(kind: AlertEventKind, at_s: f64, al: &ActiveAlert) -> Self {
        AlertEvent {
            id: al.id,
            kind,
            at_s,
            level: al.level,
            cross_party: al.conflict.cross_party,
            conflict: al.conflict.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(a: &str, b: &str, t_in_s: f64) -> Conflict {
        let level = crate::AlertLevels::default().level_for(t_in_s);
        Conflict {
            a: a.into(),
            b: b.into(),
            tcpa_s: t_in_s + 30.0,
            dcpa_m: 100.0,
            vsep_cpa_ft: 0.0,
            t_in_s,
            t_out_s: t_in_s + 60.0,
            level,
            cross_party: a.starts_with('R') != b.starts_with('R'),
        }
    }

    fn kinds(ev: &[AlertEvent]) -> Vec<(u64, AlertEventKind, u8)> {
        ev.iter().map(|e| (e.id, e.kind, e.level)).collect()
    }

    #[test]
    fn lifecycle_raise_update_clear() {
        let mut al = Alerting::new(AlertingConfig { hold_s: 3.0 });
        let ev = al.update(0.0, &[c("A", "B", 200.0)]);
        assert_eq!(kinds(&ev), vec![(1, AlertEventKind::Raised, 1)]);
        assert!(!ev[0].cross_party);
        // Same level: no event; upgrade: immediate.
        assert!(al.update(1.0, &[c("A", "B", 150.0)]).is_empty());
        assert_eq!(
            kinds(&al.update(2.0, &[c("A", "B", 100.0)])),
            vec![(1, AlertEventKind::Updated, 2)]
        );
        assert_eq!(
            kinds(&al.update(3.0, &[c("A", "B", 40.0)])),
            vec![(1, AlertEventKind::Updated, 3)]
        );
        // A second pair, cross-party, gets a new id.
        let ev = al.update(4.0, &[c("A", "B", 30.0), c("RX", "A", 250.0)]);
        assert_eq!(kinds(&ev), vec![(2, AlertEventKind::Raised, 1)]);
        assert!(ev[0].cross_party);
        // A-B disappears: cleared only after 3 s of absence.
        assert!(al.update(5.0, &[c("A", "RX", 250.0)]).is_empty());
        assert!(al.update(7.0, &[c("A", "RX", 250.0)]).is_empty());
        assert_eq!(
            kinds(&al.update(8.0, &[c("A", "RX", 250.0)])),
            vec![(1, AlertEventKind::Cleared, 3)]
        );
        assert_eq!(al.active().count(), 1);
        // Reappearing after clearing is a new alert.
        let ev = al.update(9.0, &[c("A", "B", 250.0), c("A", "RX", 250.0)]);
        assert_eq!(kinds(&ev), vec![(3, AlertEventKind::Raised, 1)]);
    }

    #[test]
    fn no_flapping_when_t_in_jitters_around_a_threshold() {
        let mut al = Alerting::new(AlertingConfig { hold_s: 5.0 });
        let mut events = Vec::new();
        for step in 0..60 {
            let t_in = if step % 2 == 0 { 119.0 } else { 121.0 };
            let now = f64::from(step);
            // The conflict also drops out of the list every seventh cycle.
            let list = if step % 7 == 3 {
                vec![]
            } else {
                vec![c("A", "B", t_in)]
            };
            events.extend(al.update(now, &list));
        }
        assert_eq!(kinds(&events), vec![(1, AlertEventKind::Raised, 2)]);
        // Once the lower level persists for hold_s, the downgrade is published exactly once.
        let mut ev = Vec::new();
        for step in 60..70 {
            ev.extend(al.update(f64::from(step), &[c("A", "B", 200.0)]));
        }
        assert_eq!(kinds(&ev), vec![(1, AlertEventKind::Updated, 1)]);
        assert_eq!(ev[0].at_s, 65.0);
    }

    #[test]
    fn active_alerts_show_their_latest_values_and_absence() {
        let mut al = Alerting::new(AlertingConfig { hold_s: 5.0 });
        al.update(0.0, &[c("A", "B", 100.0)]);
        al.update(2.0, &[c("B", "A", 30.0)]);
        al.update(3.0, &[]);
        let a = al.active().next().unwrap();
        assert_eq!(
            (a.id, a.level, a.raised_at_s, a.updated_at_s),
            (1, 3, 0.0, 2.0)
        );
        assert_eq!((a.conflict.t_in_s, a.absent_since_s), (30.0, Some(3.0)));
        al.update(4.0, &[c("A", "B", 200.0)]);
        let a = al.active().next().unwrap();
        // Back, lower: the published level waits, the values are the latest.
        assert_eq!(
            (a.level, a.conflict.t_in_s, a.absent_since_s),
            (3, 200.0, None)
        );
    }

    #[test]
    fn zero_hold_follows_the_detector_and_time_cannot_go_back() {
        let mut al = Alerting::new(AlertingConfig { hold_s: 0.0 });
        al.update(10.0, &[c("A", "B", 30.0)]);
        assert_eq!(
            kinds(&al.update(11.0, &[c("A", "B", 200.0)])),
            vec![(1, AlertEventKind::Updated, 1)]
        );
        assert_eq!(
            kinds(&al.update(5.0, &[])),
            vec![(1, AlertEventKind::Cleared, 1)]
        );
        assert!(al.update(f64::NAN, &[]).is_empty());
    }
}
