//! Hysteresis: per-key alert levels that neither flap nor re-raise when a prediction jitters.
//!
//! [`Hysteresis`] is the one lifecycle mechanism behind the engine's conflict alerting
//! ([`crate::Alerting`]) and the airspace crate's intrusion alerts. Each cycle it takes the
//! raw level of every key predicted this cycle (a key is whatever identifies one alert: an
//! aircraft pair, an aircraft and a reservation) and publishes, per key:
//! - [`Change::Raised`] when a key appears, with a new stable id (`u64`, from 1, never reused);
//! - [`Change::Escalated`] at once when its raw level rises above the published one;
//! - [`Change::DeEscalated`] only once a lower raw level has persisted for `hold_s`; any
//!   return to the published level (or above it) restarts the wait, and the level published
//!   is the one of the cycle that ends the wait;
//! - [`Change::Cleared`] only once the key has stayed absent for `hold_s`; if it comes back
//!   before, the same alert continues (same id, no event).
//!
//! Levels are data: opaque `u8` values, higher is more severe, as produced by
//! [`crate::AlertLevels`] or any other configuration; no level is special. Holding a lower
//! level and an absence for a time, rather than publishing every cycle's raw level, is the
//! alert hysteresis of EUROCONTROL's STCA specification and of NASA DAIDALUS (whose M-of-N
//! confirmation of a *rise* is [`crate::safety::confirm`], applied before this).
//!
//! Time comes in as an argument (`now_s`, seconds on any monotonic scale); time going
//! backwards counts as no time passing, and a non-finite time as the last one.

use std::borrow::Borrow;
use std::collections::BTreeMap;

/// The state of one key's alert.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Held {
    /// Stable id, given when raised.
    pub id: u64,
    /// Published level.
    pub level: u8,
    /// When raised, seconds.
    pub raised_at_s: f64,
    /// When the published level last changed (or the raise), seconds.
    pub changed_at_s: f64,
    /// Since when the key has been absent, seconds; `None` while predicted.
    pub absent_since_s: Option<f64>,
    /// Since when the raw level has been below the published one, seconds.
    pub lower_since_s: Option<f64>,
}

/// What one cycle did to one key's alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A new alert.
    Raised,
    /// The published level rose, from `from`.
    Escalated {
        /// The level published before.
        from: u8,
    },
    /// The published level fell, from `from`, after the lower level persisted for the hold.
    DeEscalated {
        /// The level published before.
        from: u8,
    },
    /// The alert ended after the key stayed absent for the hold.
    Cleared,
}

/// One key's change in a cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition<K> {
    /// The key.
    pub key: K,
    /// What happened.
    pub change: Change,
    /// The alert after the change (for [`Change::Cleared`], its last state).
    pub held: Held,
}

/// Per-key alert levels with hold-time hysteresis; see the module docs.
#[derive(Debug, Clone)]
pub struct Hysteresis<K> {
    hold_s: f64,
    last_now_s: f64,
    next_id: u64,
    held: BTreeMap<K, Held>,
}

impl<K: Ord + Clone> Hysteresis<K> {
    /// No alerts yet. `hold_s` is how long, in seconds, a lower level or an absence must
    /// persist before it is published; a negative or non-finite value counts as 0.
    pub fn new(hold_s: f64) -> Self {
        Hysteresis {
            hold_s: if hold_s.is_finite() && hold_s > 0.0 {
                hold_s
            } else {
                0.0
            },
            last_now_s: f64::NEG_INFINITY,
            next_id: 1,
            held: BTreeMap::new(),
        }
    }

    /// The hold, seconds (after normalisation).
    pub fn hold_s(&self) -> f64 {
        self.hold_s
    }

    /// The time of the last cycle as used (never decreasing), seconds; 0 before any cycle
    /// with a finite time.
    pub fn now_s(&self) -> f64 {
        self.last_now_s.max(0.0)
    }

    /// The alert of `key`, if active (including absent but not yet cleared).
    pub fn get<Q>(&self, key: &Q) -> Option<&Held>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.held.get(key)
    }

    /// Active alerts, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &Held)> {
        self.held.iter()
    }

    /// Number of active alerts.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    /// Whether no alert is active.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Feeds one cycle at `now_s`: the raw level of every key predicted this cycle (any
    /// order; a key listed twice counts with its first level). Returns the changes, sorted by
    /// key, at most one per key.
    pub fn update<I>(&mut self, now_s: f64, raw: I) -> Vec<Transition<K>>
    where
        I: IntoIterator<Item = (K, u8)>,
    {
        let now_s = if now_s.is_finite() {
            now_s.max(self.last_now_s)
        } else {
            self.last_now_s.max(0.0)
        };
        self.last_now_s = now_s;
        let hold_s = self.hold_s;
        let mut present: BTreeMap<K, u8> = BTreeMap::new();
        for (key, level) in raw {
            present.entry(key).or_insert(level);
        }
        let mut out: Vec<Transition<K>> = Vec::new();
        for (key, &level) in &present {
            let change = match self.held.get_mut(key) {
                None => {
                    let held = Held {
                        id: self.next_id,
                        level,
                        raised_at_s: now_s,
                        changed_at_s: now_s,
                        absent_since_s: None,
                        lower_since_s: None,
                    };
                    self.next_id += 1;
                    self.held.insert(key.clone(), held);
                    Some(Change::Raised)
                }
                Some(h) => {
                    h.absent_since_s = None;
                    let from = h.level;
                    let change = if level > from {
                        Some(Change::Escalated { from })
                    } else if level == from {
                        h.lower_since_s = None;
                        None
                    } else {
                        let since = *h.lower_since_s.get_or_insert(now_s);
                        (now_s - since >= hold_s).then_some(Change::DeEscalated { from })
                    };
                    if change.is_some() {
                        h.level = level;
                        h.changed_at_s = now_s;
                        h.lower_since_s = None;
                    }
                    change
                }
            };
            if let Some(change) = change {
                out.push(Transition {
                    key: key.clone(),
                    change,
                    held: self.held[key],
                });
            }
        }
        let mut cleared = Vec::new();
        for (key, h) in self.held.iter_mut() {
            if present.contains_key(key) {
                continue;
            }
            let since = *h.absent_since_s.get_or_insert(now_s);
            if now_s - since >= hold_s {
                cleared.push(key.clone());
            }
        }
        for key in cleared {
            if let Some(held) = self.held.remove(&key) {
                out.push(Transition {
                    key,
                    change: Change::Cleared,
                    held,
                });
            }
        }
        out.sort_by(|x, y| x.key.cmp(&y.key));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changes(t: &[Transition<&'static str>]) -> Vec<(&'static str, Change, u64, u8)> {
        t.iter()
            .map(|t| (t.key, t.change, t.held.id, t.held.level))
            .collect()
    }

    #[test]
    fn raises_holds_and_escalates_at_once() {
        let mut h = Hysteresis::new(5.0);
        assert_eq!(
            changes(&h.update(0.0, [("A", 1)])),
            vec![("A", Change::Raised, 1, 1)]
        );
        // The same level again: nothing to publish.
        assert!(h.update(1.0, [("A", 1)]).is_empty());
        assert_eq!(
            changes(&h.update(2.0, [("A", 3)])),
            vec![("A", Change::Escalated { from: 1 }, 1, 3)]
        );
        let a = h.get("A").unwrap();
        assert_eq!((a.raised_at_s, a.changed_at_s), (0.0, 2.0));
    }

    #[test]
    fn de_escalates_only_after_the_lower_level_persisted_for_the_hold() {
        let mut h = Hysteresis::new(5.0);
        h.update(0.0, [("A", 3)]);
        // Lower from t = 1; back at 3 at t = 4 restarts the wait.
        for t in 1..4 {
            assert!(h.update(f64::from(t), [("A", 2)]).is_empty());
        }
        assert!(h.update(4.0, [("A", 3)]).is_empty());
        for t in 5..10 {
            assert!(h.update(f64::from(t), [("A", 1)]).is_empty(), "t = {t}");
        }
        // 5 s after the lower level started (t = 5), the level of that cycle is published.
        assert_eq!(
            changes(&h.update(10.0, [("A", 2)])),
            vec![("A", Change::DeEscalated { from: 3 }, 1, 2)]
        );
        assert_eq!(h.get("A").unwrap().changed_at_s, 10.0);
    }

    #[test]
    fn clears_after_the_hold_and_a_brief_gap_keeps_the_alert() {
        let mut h = Hysteresis::new(3.0);
        h.update(0.0, [("A", 2)]);
        assert!(h.update(1.0, []).is_empty());
        assert!(h.update(2.0, [("A", 2)]).is_empty());
        assert!(h.update(3.0, []).is_empty());
        assert!(h.update(5.0, []).is_empty());
        let t = h.update(6.0, []);
        assert_eq!(changes(&t), vec![("A", Change::Cleared, 1, 2)]);
        assert_eq!(t[0].held.absent_since_s, Some(3.0));
        assert!(h.is_empty());
        // Back after clearing: a new alert with a new id.
        assert_eq!(
            changes(&h.update(7.0, [("A", 1)])),
            vec![("A", Change::Raised, 2, 1)]
        );
    }

    #[test]
    fn keys_are_independent_and_changes_come_sorted_by_key() {
        let mut h = Hysteresis::new(2.0);
        assert_eq!(
            changes(&h.update(0.0, [("B", 1), ("A", 2), ("A", 3)])),
            vec![("A", Change::Raised, 1, 2), ("B", Change::Raised, 2, 1)]
        );
        // A escalates while B is lowered and C appears; B's wait is its own.
        assert_eq!(
            changes(&h.update(1.0, [("C", 1), ("B", 0), ("A", 3)])),
            vec![
                ("A", Change::Escalated { from: 2 }, 1, 3),
                ("C", Change::Raised, 3, 1)
            ]
        );
        assert_eq!(
            changes(&h.update(3.0, [("A", 3), ("B", 0)])),
            vec![("B", Change::DeEscalated { from: 1 }, 2, 0)]
        );
        // C, absent since t = 3, clears 2 s later; A and B stay.
        assert!(h.update(4.0, [("A", 3), ("B", 0)]).is_empty());
        assert_eq!(
            changes(&h.update(5.0, [("A", 3), ("B", 0)])),
            vec![("C", Change::Cleared, 3, 1)]
        );
        assert_eq!(h.len(), 2);
        let ids: Vec<u64> = h.iter().map(|(_, held)| held.id).collect();
        assert_eq!(ids, vec![1, 2]);
    }

    #[test]
    fn zero_hold_follows_the_raw_levels_and_time_cannot_go_back() {
        let mut h = Hysteresis::new(f64::NAN);
        assert_eq!(h.hold_s(), 0.0);
        h.update(10.0, [("A", 3)]);
        assert_eq!(
            changes(&h.update(11.0, [("A", 1)])),
            vec![("A", Change::DeEscalated { from: 3 }, 1, 1)]
        );
        // An earlier time counts as 11 s: the absence is published at once.
        let t = h.update(5.0, []);
        assert_eq!(changes(&t), vec![("A", Change::Cleared, 1, 1)]);
        assert_eq!(t[0].held.absent_since_s, Some(11.0));
        assert!(h.update(f64::NAN, []).is_empty());
        assert_eq!(h.now_s(), 11.0);

        let mut h = Hysteresis::new(-1.0);
        h.update(f64::INFINITY, [("A", 1)]);
        assert_eq!(h.get("A").unwrap().raised_at_s, 0.0);
    }
}
