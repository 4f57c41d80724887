//! Fast-time replay: observations → [`TrackTable`] → detector → alerting, on a fixed cadence
//! of message time, collecting a report of every alert and every actual loss of separation.
//!
//! [`Replay`] is pure (no I/O, no clock); `deconflict replay` feeds it decoded files and
//! prints or writes its [`ReplayReport`]. Observations are expected roughly in time order;
//! the clock is the latest message time seen, and a detection cycle runs at every multiple
//! of [`ReplayConfig::cadence_s`] it passes (after a gap longer than the drop time, only the
//! last one).
//!
//! # Definitions
//! - A *conflict* in the report is one alert lifecycle from [`Alerting`] (raised → cleared),
//!   with the time it was first raised and the highest level it reached.
//! - An *actual loss* is a period during which a pair is inside both minima at the cycle
//!   times (the detector reports `t_in_s = 0`), with the smallest horizontal distance seen
//!   at those cycles (periods less than [`LOSS_MERGE_GAP_S`] apart are merged); its *lead time* is how long before the loss began the pair's alert was
//!   raised (0 when raised at the same cycle, `None` when no alert was active).

use std::collections::{BTreeMap, HashMap, HashSet};

use deconflict_engine::geodesy::horizontal_distance_m;
use deconflict_engine::{detect, AlertEventKind, Alerting, AlertingConfig, DetectOptions};
use serde::Serialize;

use crate::observation::Observation;
use crate::track::{TrackConfig, TrackTable};

/// Two in-loss periods of the same pair less than this apart are one loss, seconds.
pub const LOSS_MERGE_GAP_S: f64 = 10.0;

/// Replay settings.
#[derive(Debug, Clone, Default)]
pub struct ReplayConfig {
    /// Track table settings.
    pub tracks: TrackConfig,
    /// Detector settings.
    pub detect: DetectOptions,
    /// Alerting settings.
    pub alerting: AlertingConfig,
    /// Detection cadence in message time, seconds (0 means the default, 1 s).
    pub cadence_s: f64,
}

/// One alert lifecycle in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictRecord {
    /// First aircraft id.
    pub a: String,
    /// Second aircraft id.
    pub b: String,
    /// First aircraft's party.
    pub a_party: Option<String>,
    /// Second aircraft's party.
    pub b_party: Option<String>,
    /// When the alert was raised, UNIX seconds.
    pub first_alert_time: f64,
    /// When it was cleared, UNIX seconds (`None` if still active at the end).
    pub cleared_time: Option<f64>,
    /// Highest published level.
    pub max_level: u8,
    /// The parties differ.
    pub cross_party: bool,
}

/// One actual loss of separation in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LossRecord {
    /// First aircraft id.
    pub a: String,
    /// Second aircraft id.
    pub b: String,
    /// First aircraft's party.
    pub a_party: Option<String>,
    /// Second aircraft's party.
    pub b_party: Option<String>,
    /// First cycle inside both minima, UNIX seconds.
    pub start_time: f64,
    /// Last cycle inside both minima, UNIX seconds.
    pub end_time: f64,
    /// Smallest horizontal distance at the cycles of the loss, metres.
    pub min_distance_m: f64,
    /// Seconds between the pair's alert and the start of the loss (`None`: no prior alert).
    pub lead_time_s: Option<f64>,
    /// The parties differ.
    pub cross_party: bool,
}

/// The replay report. Times are UNIX seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayReport {
    /// Distinct aircraft with at least one accepted observation.
    pub aircraft: usize,
    /// Messages read (decoded or not).
    pub messages: u64,
    /// Rejected messages by reason (decoding and track table).
    pub rejected: BTreeMap<String, u64>,
    /// Alert lifecycles.
    pub conflicts: Vec<ConflictRecord>,
    /// Actual losses of separation.
    pub losses: Vec<LossRecord>,
    /// Detection cycles run.
    pub cycles: u64,
    /// First and last message time.
    pub start_time: Option<f64>,
    /// Last message time.
    pub end_time: Option<f64>,
}

#[derive(Debug)]
struct OpenLoss {
    start: f64,
    last: f64,
    min_m: f64,
    lead: Option<f64>,
    parties: (Option<String>, Option<String>),
    cross: bool,
}

/// The replay driver. See the module documentation.
#[derive(Debug)]
pub struct Replay {
    table: TrackTable,
    opts: DetectOptions,
    alerting: Alerting,
    cadence_s: f64,
    next_cycle_s: Option<f64>,
    clock_s: f64,
    seen: HashSet<String>,
    messages: u64,
    rejected: BTreeMap<String, u64>,
    alerts: HashMap<u64, ConflictRecord>,
    pair_alert: HashMap<(String, String), u64>,
    finished_alerts: Vec<ConflictRecord>,
    open_losses: HashMap<(String, String), OpenLoss>,
    losses: Vec<LossRecord>,
    cycles: u64,
    start_time: Option<f64>,
    detect_errors: u64,
}

impl Replay {
    /// A new replay.
    pub fn new(config: ReplayConfig) -> Self {
        Replay {
            table: TrackTable::new(config.tracks),
            opts: config.detect,
            alerting: Alerting::new(config.alerting),
            cadence_s: if config.cadence_s > 0.0 {
                config.cadence_s
            } else {
                1.0
            },
            next_cycle_s: None,
            clock_s: f64::NEG_INFINITY,
            seen: HashSet::new(),
            messages: 0,
            rejected: BTreeMap::new(),
            alerts: HashMap::new(),
            pair_alert: HashMap::new(),
            finished_alerts: Vec::new(),
            open_losses: HashMap::new(),
            losses: Vec::new(),
            cycles: 0,
            start_time: None,
            detect_errors: 0,
        }
    }

    /// The track table.
    pub fn table(&self) -> &TrackTable {
        &self.table
    }

    /// Latest message time, UNIX seconds.
    pub fn clock_s(&self) -> f64 {
        self.clock_s
    }

    /// Messages counted so far.
    pub fn messages(&self) -> u64 {
        self.messages
    }

    /// Counts messages that did not decode (the caller decodes; pass each reject reason).
    pub fn count_rejects(&mut self, reason: &str, n: u64) {
        if n > 0 {
            self.messages += n;
            *self.rejected.entry(reason.to_string()).or_insert(0) += n;
        }
    }

    /// Ingests one decoded observation, running the detection cycles its time passes first.
    pub fn ingest(&mut self, obs: Observation) {
        self.messages += 1;
        let t = obs.time_s;
        if t.is_finite() && t > self.clock_s {
            self.advance(t);
        }
        let id_known = self.seen.contains(&obs.id);
        let id = (!id_known).then(|| obs.id.clone());
        match self.table.ingest(obs) {
            Ok(()) => {
                if let Some(id) = id {
                    self.seen.insert(id);
                }
            }
            Err(r) => *self.rejected.entry(r.reason().to_string()).or_insert(0) += 1,
        }
    }

    /// Moves the clock to `t`, running every cycle due before it.
    pub fn advance(&mut self, t: f64) {
        if self.start_time.is_none() {
            self.start_time = Some(t);
        }
        self.clock_s = t;
        let next = *self
            .next_cycle_s
            .get_or_insert_with(|| (t / self.cadence_s).ceil() * self.cadence_s);
        if t < next {
            return;
        }
        let last_due = (t / self.cadence_s).floor() * self.cadence_s;
        let mut c = next;
        // After a long gap nothing would happen in between but coasting and dropping.
        if last_due - c > self.table.config().drop_after_s {
            c = last_due;
        }
        while c <= last_due {
            self.cycle(c);
            c += self.cadence_s;
        }
        self.next_cycle_s = Some(c);
    }

    fn cycle(&mut self, now: f64) {
        self.cycles += 1;
        self.table.expire(now);
        let states = self.table.airborne_states(now);
        let detection = match detect(&states, &self.opts) {
            Ok(d) => d,
            Err(_) => {
                self.detect_errors += 1;
                return;
            }
        };
        for ev in self.alerting.update(now, &detection.conflicts) {
            let c = &ev.conflict;
            let key = (c.a.clone(), c.b.clone());
            match ev.kind {
                AlertEventKind::Raised => {
                    let party = |id: &str| self.table.get(id).and_then(|t| t.party.clone());
                    self.alerts.insert(
                        ev.id,
                        ConflictRecord {
                            a: c.a.clone(),
                            b: c.b.clone(),
                            a_party: party(&c.a),
                            b_party: party(&c.b),
                            first_alert_time: now,
                            cleared_time: None,
                            max_level: ev.level,
                            cross_party: ev.cross_party,
                        },
                    );
                    self.pair_alert.insert(key, ev.id);
                }
                AlertEventKind::Updated => {
                    if let Some(r) = self.alerts.get_mut(&ev.id) {
                        r.max_level = r.max_level.max(ev.level);
                    }
                }
                AlertEventKind::Cleared => {
                    if let Some(mut r) = self.alerts.remove(&ev.id) {
                        r.cleared_time = Some(now);
                        self.finished_alerts.push(r);
                    }
                    self.pair_alert.remove(&key);
                }
            }
        }
        // Actual losses: pairs inside both minima now.
        let index: HashMap<&str, usize> = states
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        let mut in_loss = HashSet::new();
        for c in detection.conflicts.iter().filter(|c| c.t_in_s <= 0.0) {
            let (Some(&ia), Some(&ib)) = (index.get(c.a.as_str()), index.get(c.b.as_str())) else {
                continue;
            };
            let (sa, sb) = (&states[ia], &states[ib]);
            let d = horizontal_distance_m(sa.lat_deg, sa.lon_deg, sb.lat_deg, sb.lon_deg);
            let key = (c.a.clone(), c.b.clone());
            let lead = self
                .pair_alert
                .get(&key)
                .and_then(|id| self.alerts.get(id))
                .map(|r| now - r.first_alert_time);
            let e = self
                .open_losses
                .entry(key.clone())
                .or_insert_with(|| OpenLoss {
                    start: now,
                    last: now,
                    min_m: d,
                    lead: lead.filter(|l| *l >= 0.0),
                    parties: (sa.party.clone(), sb.party.clone()),
                    cross: c.cross_party,
                });
            e.last = now;
            e.min_m = e.min_m.min(d);
            in_loss.insert(key);
        }
        // A pair that dips out of the minima for a few cycles is still the same loss.
        let ended: Vec<_> = self
            .open_losses
            .iter()
            .filter(|(k, l)| !in_loss.contains(*k) && now - l.last > LOSS_MERGE_GAP_S)
            .map(|(k, _)| k.clone())
            .collect();
        for k in ended {
            if let Some(l) = self.open_losses.remove(&k) {
                self.losses.push(loss_record(k, l));
            }
        }
    }

    /// Runs the final cycle and returns the report.
    pub fn finish(mut self) -> ReplayReport {
        if self.clock_s.is_finite() {
            let next = self.next_cycle_s.unwrap_or(self.clock_s);
            if next > self.clock_s {
                self.cycle(self.clock_s);
            }
        }
        let mut conflicts = self.finished_alerts;
        conflicts.extend(self.alerts.into_values());
        conflicts.sort_by(|x, y| {
            x.first_alert_time
                .total_cmp(&y.first_alert_time)
                .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
        });
        let mut losses = self.losses;
        losses.extend(self.open_losses.into_iter().map(|(k, l)| loss_record(k, l)));
        losses.sort_by(|x, y| {
            x.start_time
                .total_cmp(&y.start_time)
                .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
        });
        let mut rejected = self.rejected;
        if self.detect_errors > 0 {
            rejected.insert("detection_error".into(), self.detect_errors);
        }
        ReplayReport {
            aircraft: self.seen.len(),
            messages: self.messages,
            rejected,
            conflicts,
            losses,
            cycles: self.cycles,
            start_time: self.start_time,
            end_time: self.clock_s.is_finite().then_some(self.clock_s),
        }
    }
}

fn loss_record(k: (String, String), l: OpenLoss) -> LossRecord {
    LossRecord {
        a: k.0,
        b: k.1,
        a_party: l.parties.0,
        b_party: l.parties.1,
        start_time: l.start,
        end_time: l.last,
        min_distance_m: l.min_m,
        lead_time_s: l.lead,
        cross_party: l.cross,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Scenario, Simulator};

    #[test]
    fn syria_replay_alerts_before_the_loss() {
        let mut sim = Simulator::new(20, 4, Scenario::Syria, 1_700_000_000.0);
        let mut r = Replay::new(ReplayConfig::default());
        for t in 0..=180 {
            for o in sim.step(1_700_000_000.0 + f64::from(t)) {
                r.ingest(o);
            }
        }
        let rep = r.finish();
        // Civil airway traffic re-enters under new addresses.
        assert!(rep.aircraft >= 20, "{}", rep.aircraft);
        assert_eq!(rep.messages, 20 * 181);
        let c = rep
            .conflicts
            .iter()
            .find(|c| c.a == "150A21" && c.b == "AE1001")
            .expect("scripted conflict");
        assert!(c.cross_party && c.max_level == 3, "{c:?}");
        assert!(c.first_alert_time - 1_700_000_000.0 <= 1.0, "{c:?}");
        let l = rep
            .losses
            .iter()
            .find(|l| l.a == "150A21" && l.b == "AE1001")
            .expect("scripted loss");
        let lead = l.lead_time_s.expect("alert before loss");
        assert!((90.0..=100.0).contains(&lead), "{l:?}");
        assert!(l.min_distance_m < 1_000.0, "{l:?}");
        assert!(
            (l.start_time - 1_700_000_000.0 - 97.0).abs() <= 2.0,
            "{l:?}"
        );
        let json = serde_json::to_value(&rep).unwrap();
        for k in ["aircraft", "messages", "rejected", "conflicts", "losses"] {
            assert!(json.get(k).is_some(), "{k}");
        }
    }
}
