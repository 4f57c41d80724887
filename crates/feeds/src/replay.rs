//! Fast-time replay: observations → [`TrackTable`] → safety net → alerting, on a fixed cadence
//! of message time, collecting a report of every alert and every actual loss of separation.
//!
//! The tracks go through the same [`SafetyNet`] as the live cell (level occupancy, intent,
//! M-of-N confirmation, parameter regions, inhibition); beside it the pure detector runs on
//! the reported states with the default standard, so the report gives both the operational
//! figures and the raw-threshold ones, and what each filter removed.
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
//!   times (the safety net's prediction, before confirmation, has `t_in_s = 0`: the pair's
//!   region minima, level occupancy and inhibition apply, as for alerts), with the smallest horizontal distance seen
//!   at those cycles (periods less than [`LOSS_MERGE_GAP_S`] apart are merged); its *lead time* is how long before the loss began the pair's alert was
//!   raised (0 when raised at the same cycle, `None` when no alert was active).

use std::collections::{BTreeMap, HashMap, HashSet};

use std::sync::Arc;

use deconflict_engine::geodesy::horizontal_distance_m;
use deconflict_engine::safety::{
    Filter, FilterCounts, Locator, NoRegions, Placement, SafetyNet, SafetyNetConfig, TrackSample,
};
use deconflict_engine::units::S_PER_H;
use deconflict_engine::{
    AircraftState, AlertEvent, AlertEventKind, Alerting, AlertingConfig, Conflict, DetectOptions,
};
use serde::Serialize;

use crate::observation::Observation;
use crate::track::{TrackConfig, TrackTable};

/// Two in-loss periods of the same pair less than this apart are one loss, seconds.
pub const LOSS_MERGE_GAP_S: f64 = 10.0;

/// The level at and above which an alert is a warning (the default alert levels' highest),
/// defined by the engine.
pub use deconflict_engine::WARNING_LEVEL;

/// Replay settings.
#[derive(Clone)]
pub struct ReplayConfig {
    /// Track table settings.
    pub tracks: TrackConfig,
    /// Detector settings (the default standard, outside every region).
    pub detect: DetectOptions,
    /// Alerting settings.
    pub alerting: AlertingConfig,
    /// Detection cadence in message time, seconds (0 means the default, 1 s).
    pub cadence_s: f64,
    /// Safety-net settings.
    pub safety: SafetyNetConfig,
    /// Parameter regions and inhibition volumes.
    pub regions: Arc<dyn Locator>,
    /// A selected altitude older than this is not used, seconds.
    pub selected_alt_max_age_s: f64,
}

impl Default for ReplayConfig {
    fn default() -> Self {
        ReplayConfig {
            tracks: TrackConfig::default(),
            detect: DetectOptions::default(),
            alerting: AlertingConfig::default(),
            cadence_s: 0.0,
            safety: SafetyNetConfig::default(),
            regions: Arc::new(NoRegions),
            selected_alt_max_age_s: SafetyNetConfig::default().intent.max_age_s,
        }
    }
}

impl std::fmt::Debug for ReplayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplayConfig")
            .field("tracks", &self.tracks)
            .field("detect", &self.detect)
            .field("safety", &self.safety)
            .finish_non_exhaustive()
    }
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
    /// When the alert first reached warning level, UNIX seconds.
    pub first_warning_time: Option<f64>,
    /// Midpoint of the pair when the alert was raised, degrees.
    pub lat_deg: f64,
    /// Midpoint longitude, degrees.
    pub lon_deg: f64,
    /// Altitudes of `a` and `b` when raised, feet.
    pub alt_ft: [f64; 2],
    /// Predicted closest approach when raised: horizontal distance, metres.
    pub dcpa_m: f64,
    /// ... and vertical separation there, feet.
    pub vsep_cpa_ft: f64,
    /// Smallest predicted time to loss while active, seconds.
    pub min_t_in_s: f64,
    /// A loss of separation of the pair began while the alert was active.
    pub followed_by_loss: bool,
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
    /// Seconds between the pair's first warning and the start of the loss (`None`: no
    /// warning before it).
    pub warning_lead_time_s: Option<f64>,
    /// Midpoint of the pair at the closest cycle, degrees.
    pub lat_deg: f64,
    /// Midpoint longitude, degrees.
    pub lon_deg: f64,
    /// Altitudes of `a` and `b` at the closest cycle, feet.
    pub alt_ft: [f64; 2],
    /// Smallest vertical distance at the cycles of the loss, feet.
    pub min_vertical_ft: f64,
}

/// Distribution of a set of times, seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Distribution {
    /// Values counted.
    pub count: usize,
    /// Smallest.
    pub min: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// Mean.
    pub mean: Option<f64>,
    /// Largest.
    pub max: Option<f64>,
    /// Every value, ascending.
    pub values: Vec<f64>,
}

impl Distribution {
    fn of(mut values: Vec<f64>) -> Self {
        values.sort_by(f64::total_cmp);
        let n = values.len();
        Distribution {
            count: n,
            min: values.first().copied(),
            p50: (n > 0).then(|| values[n / 2]),
            mean: (n > 0).then(|| values.iter().sum::<f64>() / n as f64),
            max: values.last().copied(),
            values,
        }
    }
}

/// Safety-net performance: rates per flight hour, warning times, nuisance alerts and what
/// each filter removed. Counts at the raw thresholds are the pure detector's on the reported
/// states with the default standard and no filter.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct SafetyNetReport {
    /// Airborne aircraft-hours replayed (tracks in detection × cadence).
    pub flight_hours: f64,
    /// Losses of separation per flight hour.
    pub losses_per_flight_hour: f64,
    /// Alerts per flight hour, by the highest level they reached.
    pub alerts_per_flight_hour: BTreeMap<u8, f64>,
    /// Alerts by the highest level they reached.
    pub alerts_by_level: BTreeMap<u8, usize>,
    /// Warnings (alerts that reached warning level).
    pub warnings: usize,
    /// Warning time before each loss: seconds from the pair's first warning to the loss.
    pub warning_time_s: Distribution,
    /// Alert time before each loss: seconds from the pair's alert (any level) to the loss.
    pub alert_time_s: Distribution,
    /// Losses with no alert before them.
    pub losses_without_alert: usize,
    /// Losses with no warning before them.
    pub losses_without_warning: usize,
    /// Alerts with no loss after them, by highest level.
    pub alerts_without_loss: BTreeMap<u8, usize>,
    /// Alerts per hour of message time, by level, in hour slots from the start.
    pub alerts_per_hour: Vec<BTreeMap<u8, usize>>,
    /// Raw-threshold alert lifecycles (same alerting, no filter).
    pub raw_alerts: usize,
    /// ... of which warnings.
    pub raw_warnings: usize,
    /// Raw-threshold losses of separation.
    pub raw_losses: usize,
    /// Raw-threshold losses that the tolerances (regions, level occupancy, inhibition) do
    /// not count.
    pub raw_losses_removed: usize,
    /// Raw alert lifecycles with no alert of the same pair after the filters, by the filter
    /// that removed most of their cycles.
    pub raw_alerts_removed_by: BTreeMap<String, usize>,
    /// Pair-cycles removed by each filter.
    pub filter_pair_cycles: FilterCounts,
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
    /// Safety-net performance.
    pub safety_net: SafetyNetReport,
}

#[derive(Debug)]
struct OpenLoss {
    start: f64,
    last: f64,
    min_m: f64,
    min_v_ft: f64,
    at: (f64, f64, [f64; 2]),
    lead: Option<f64>,
    warn_lead: Option<f64>,
    parties: (Option<String>, Option<String>),
    cross: bool,
}

/// Actual losses of one conflict list (pairs with `t_in_s == 0`), merged over cycles.
#[derive(Debug, Default)]
struct Losses {
    open: HashMap<(String, String), OpenLoss>,
    done: Vec<LossRecord>,
}

impl Losses {
    /// `alert_of(pair)` gives (alert raised time, first warning time) of an active alert.
    fn cycle(
        &mut self,
        now: f64,
        conflicts: &[Conflict],
        states: &HashMap<&str, &AircraftState>,
        alert_of: impl Fn(&(String, String)) -> Option<(f64, Option<f64>)>,
    ) -> Vec<(String, String)> {
        let mut started = Vec::new();
        let mut in_loss = HashSet::new();
        for c in conflicts.iter().filter(|c| c.t_in_s <= 0.0) {
            let (Some(sa), Some(sb)) = (states.get(c.a.as_str()), states.get(c.b.as_str())) else {
                continue;
            };
            let d = horizontal_distance_m(sa.lat_deg, sa.lon_deg, sb.lat_deg, sb.lon_deg);
            let v = (sa.alt_ft - sb.alt_ft).abs();
            let key = (c.a.to_string(), c.b.to_string());
            let at = (
                0.5 * (sa.lat_deg + sb.lat_deg),
                mid_lon(sa.lon_deg, sb.lon_deg),
                [sa.alt_ft, sb.alt_ft],
            );
            let e = self.open.entry(key.clone()).or_insert_with(|| {
                started.push(key.clone());
                let alert = alert_of(&key);
                OpenLoss {
                    start: now,
                    last: now,
                    min_m: d,
                    min_v_ft: v,
                    at,
                    lead: alert.map(|(t, _)| now - t).filter(|l| *l >= 0.0),
                    warn_lead: alert
                        .and_then(|(_, w)| w)
                        .map(|w| now - w)
                        .filter(|l| *l >= 0.0),
                    parties: (sa.party.clone(), sb.party.clone()),
                    cross: c.cross_party,
                }
            });
            e.last = now;
            if d < e.min_m {
                e.min_m = d;
                e.at = at;
            }
            e.min_v_ft = e.min_v_ft.min(v);
            in_loss.insert(key);
        }
        // A pair that dips out of the minima for a few cycles is still the same loss.
        let ended: Vec<_> = self
            .open
            .iter()
            .filter(|(k, l)| !in_loss.contains(*k) && now - l.last > LOSS_MERGE_GAP_S)
            .map(|(k, _)| k.clone())
            .collect();
        for k in ended {
            if let Some(l) = self.open.remove(&k) {
                self.done.push(loss_record(k, l));
            }
        }
        started
    }

    fn finish(mut self) -> Vec<LossRecord> {
        self.done
            .extend(self.open.into_iter().map(|(k, l)| loss_record(k, l)));
        self.done.sort_by(|x, y| {
            x.start_time
                .total_cmp(&y.start_time)
                .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
        });
        self.done
    }
}

fn mid_lon(a: f64, b: f64) -> f64 {
    let mut d = b - a;
    if d > 180.0 {
        d -= 360.0;
    } else if d < -180.0 {
        d += 360.0;
    }
    let m = a + d / 2.0;
    if m > 180.0 {
        m - 360.0
    } else if m < -180.0 {
        m + 360.0
    } else {
        m
    }
}

/// One raw alert lifecycle being followed for the filter attribution.
#[derive(Debug, Default)]
struct RawAlert {
    max_level: u8,
    filtered_alert_seen: bool,
    by_filter: BTreeMap<Filter, u64>,
}

/// The replay driver. See the module documentation.
pub struct Replay {
    table: TrackTable,
    net: Option<SafetyNet>,
    regions: Arc<dyn Locator>,
    sel_max_age_s: f64,
    alerting: Alerting,
    raw_alerting: Alerting,
    raw_alerts: HashMap<u64, RawAlert>,
    raw_pair_alert: HashMap<(String, String), u64>,
    raw_done: Vec<RawAlert>,
    raw_losses: Losses,
    flight_hours: f64,
    counts: FilterCounts,
    cadence_s: f64,
    next_cycle_s: Option<f64>,
    clock_s: f64,
    seen: HashSet<String>,
    messages: u64,
    rejected: BTreeMap<String, u64>,
    alerts: HashMap<u64, ConflictRecord>,
    pair_alert: HashMap<(String, String), u64>,
    finished_alerts: Vec<ConflictRecord>,
    losses: Losses,
    cycles: u64,
    start_time: Option<f64>,
    detect_errors: u64,
}

impl std::fmt::Debug for Replay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replay")
            .field("cycles", &self.cycles)
            .finish_non_exhaustive()
    }
}

impl Replay {
    /// A new replay. Invalid detection options or regions are counted as a
    /// `detection_error` per cycle in the report (nothing is detected).
    pub fn new(mut config: ReplayConfig) -> Self {
        // The tracks' vertical trackers follow the safety net's level occupancy settings.
        config.tracks.vertical = config.safety.vertical;
        let net = SafetyNet::new(config.safety, config.detect.clone(), true)
            .and_then(|mut n| n.set_regions(config.regions.params()).map(|()| n))
            .ok();
        Replay {
            table: TrackTable::new(config.tracks),
            net,
            regions: config.regions,
            sel_max_age_s: config.selected_alt_max_age_s,
            alerting: Alerting::new(config.alerting),
            raw_alerting: Alerting::new(config.alerting),
            raw_alerts: HashMap::new(),
            raw_pair_alert: HashMap::new(),
            raw_done: Vec::new(),
            raw_losses: Losses::default(),
            flight_hours: 0.0,
            counts: FilterCounts::default(),
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
            losses: Losses::default(),
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
        let samples = track_samples(&self.table, now, &*self.regions, self.sel_max_age_s);
        self.flight_hours += samples.len() as f64 * self.cadence_s / S_PER_H;
        let Some(net) = self.net.as_mut() else {
            self.detect_errors += 1;
            return;
        };
        let eval = match net.evaluate(now, &samples) {
            Ok(e) => e,
            Err(_) => {
                self.detect_errors += 1;
                return;
            }
        };
        self.counts += eval.counts;
        let states: HashMap<&str, &AircraftState> = samples
            .iter()
            .map(|t| (t.state.id.as_str(), &t.state))
            .collect();
        let events = self.alerting.update(now, &eval.confirmed);
        for ev in &events {
            self.apply_event(now, ev, &states);
        }
        for r in self.alerts.values_mut() {
            if let Some(c) = eval.confirmed.iter().find(|c| c.a == r.a && c.b == r.b) {
                r.min_t_in_s = r.min_t_in_s.min(c.t_in_s);
            }
        }
        // Actual losses, under the same rules as the alerts.
        let (alerts, pair_alert) = (&self.alerts, &self.pair_alert);
        let started = self.losses.cycle(now, &eval.predicted, &states, |k| {
            let r = pair_alert.get(k).and_then(|id| alerts.get(id))?;
            Some((r.first_alert_time, r.first_warning_time))
        });
        for k in started {
            if let Some(r) = self
                .pair_alert
                .get(&k)
                .and_then(|id| self.alerts.get_mut(id))
            {
                r.followed_by_loss = true;
            }
        }
        // The raw thresholds: same alerting, no filter.
        for ev in self.raw_alerting.update(now, &eval.raw) {
            let key = (ev.conflict.a.to_string(), ev.conflict.b.to_string());
            match ev.kind {
                AlertEventKind::Raised => {
                    self.raw_alerts.insert(
                        ev.id,
                        RawAlert {
                            max_level: ev.level,
                            ..RawAlert::default()
                        },
                    );
                    self.raw_pair_alert.insert(key, ev.id);
                }
                AlertEventKind::Updated => {
                    if let Some(r) = self.raw_alerts.get_mut(&ev.id) {
                        r.max_level = r.max_level.max(ev.level);
                    }
                }
                AlertEventKind::Cleared => {
                    if let Some(r) = self.raw_alerts.remove(&ev.id) {
                        self.raw_done.push(r);
                    }
                    self.raw_pair_alert.remove(&key);
                }
            }
        }
        for (a, b, f) in &eval.removed {
            if let Some(r) = self
                .raw_pair_alert
                .get(&(a.clone(), b.clone()))
                .and_then(|id| self.raw_alerts.get_mut(id))
            {
                *r.by_filter.entry(*f).or_insert(0) += 1;
            }
        }
        for (k, id) in &self.raw_pair_alert {
            if self.pair_alert.contains_key(k) {
                if let Some(r) = self.raw_alerts.get_mut(id) {
                    r.filtered_alert_seen = true;
                }
            }
        }
        self.raw_losses.cycle(now, &eval.raw, &states, |_| None);
    }

    fn apply_event(&mut self, now: f64, ev: &AlertEvent, states: &HashMap<&str, &AircraftState>) {
        let c = &ev.conflict;
        let key = (c.a.to_string(), c.b.to_string());
        match ev.kind {
            AlertEventKind::Raised => {
                let party = |id: &str| self.table.get(id).and_then(|t| t.party.clone());
                let (sa, sb) = (states.get(c.a.as_str()), states.get(c.b.as_str()));
                let (lat, lon, alts) = match (sa, sb) {
                    (Some(a), Some(b)) => (
                        0.5 * (a.lat_deg + b.lat_deg),
                        mid_lon(a.lon_deg, b.lon_deg),
                        [a.alt_ft, b.alt_ft],
                    ),
                    _ => (0.0, 0.0, [0.0, 0.0]),
                };
                self.alerts.insert(
                    ev.id,
                    ConflictRecord {
                        a: c.a.to_string(),
                        b: c.b.to_string(),
                        a_party: party(&c.a),
                        b_party: party(&c.b),
                        first_alert_time: now,
                        cleared_time: None,
                        max_level: ev.level,
                        cross_party: ev.cross_party,
                        first_warning_time: (ev.level >= WARNING_LEVEL).then_some(now),
                        lat_deg: lat,
                        lon_deg: lon,
                        alt_ft: alts,
                        dcpa_m: c.dcpa_m,
                        vsep_cpa_ft: c.vsep_cpa_ft,
                        min_t_in_s: c.t_in_s,
                        followed_by_loss: false,
                    },
                );
                self.pair_alert.insert(key, ev.id);
            }
            AlertEventKind::Updated => {
                if let Some(r) = self.alerts.get_mut(&ev.id) {
                    r.max_level = r.max_level.max(ev.level);
                    if ev.level >= WARNING_LEVEL && r.first_warning_time.is_none() {
                        r.first_warning_time = Some(now);
                    }
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
        let losses = self.losses.finish();
        let raw_losses = self.raw_losses.finish();
        let mut raw = self.raw_done;
        raw.extend(self.raw_alerts.into_values());
        let start = self.start_time.unwrap_or(0.0);
        let safety_net = performance(
            self.flight_hours,
            &conflicts,
            &losses,
            &raw,
            raw_losses.len(),
            self.counts,
            start,
        );
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
            safety_net,
        }
    }
}

/// The airborne tracks of `table` at `now` as the safety net takes them: the extrapolated
/// state, the time of the latest update, the selected altitude when fresher than
/// `sel_max_age_s`, and the placement in `regions`, sorted by id. The live cell and replay
/// both use it; the live cell calls its two halves, [`unplaced_samples`] under the table's
/// lock and [`place_samples`] after it, so ingest waits for the copy only.
pub fn track_samples(
    table: &TrackTable,
    now: f64,
    regions: &dyn Locator,
    sel_max_age_s: f64,
) -> Vec<TrackSample> {
    let mut samples = unplaced_samples(table, now, sel_max_age_s);
    place_samples(&mut samples, regions);
    samples
}

/// As [`track_samples`], in the table's order and in no region yet.
pub fn unplaced_samples(table: &TrackTable, now: f64, sel_max_age_s: f64) -> Vec<TrackSample> {
    let exclude_on_ground = table.config().exclude_on_ground;
    let drop_after_s = table.config().drop_after_s;
    let mut out = Vec::with_capacity(table.len());
    out.extend(
        table
            .tracks()
            .filter(|t| !(exclude_on_ground && t.on_ground))
            .filter_map(|t| {
                let state = t.state_at(now, drop_after_s)?;
                let selected_alt = t.selected_alt_at(now, sel_max_age_s).map(|v| {
                    let at = if t.selected_alt_ft == Some(v) {
                        t.selected_alt_time_s
                    } else {
                        t.fms_selected_alt_time_s
                    };
                    (v, at.map_or(0.0, |at| (now - at).max(0.0)))
                });
                Some(TrackSample {
                    updated_s: t.last_update_s,
                    selected_alt,
                    placement: Placement::default(),
                    vertical: Some(t.vertical_mode()),
                    state,
                })
            }),
    );
    out
}

/// Sorts samples by id (as the safety net takes them fastest) and places each in `regions`.
pub fn place_samples(samples: &mut Vec<TrackSample>, regions: &dyn Locator) {
    sort_by_id(samples);
    for s in samples.iter_mut() {
        s.placement = regions.locate(s.state.lat_deg, s.state.lon_deg, s.state.alt_ft);
    }
}

/// The first eight bytes of an id, big-endian, zero-padded: ordered as the ids are, except
/// that ids sharing them tie.
fn id_prefix(id: &str) -> u64 {
    let mut b = [0u8; 8];
    let n = id.len().min(8);
    b[..n].copy_from_slice(&id.as_bytes()[..n]);
    u64::from_be_bytes(b)
}

/// Sorts samples by id: a radix sort of (prefix, index) pairs, ties (ids longer than eight
/// bytes sharing a prefix) settled by comparing the ids, then one move of each sample. A
/// comparison sort moves the large samples about log n times each and compares strings
/// through `memcmp`: about 900 instructions a sample against 250.
fn sort_by_id(samples: &mut Vec<TrackSample>) {
    if samples.windows(2).all(|w| w[0].state.id <= w[1].state.id) {
        return;
    }
    let mut keys: Vec<(u64, u32)> = samples
        .iter()
        .enumerate()
        .map(|(i, s)| (id_prefix(&s.state.id), i as u32))
        .collect();
    radsort::sort_by_key(&mut keys, |k| k.0);
    let mut run = 0;
    while run < keys.len() {
        let end = run
            + keys[run..]
                .iter()
                .take_while(|k| k.0 == keys[run].0)
                .count();
        if end - run > 1 {
            keys[run..end].sort_unstable_by(|a, b| {
                samples[a.1 as usize]
                    .state
                    .id
                    .cmp(&samples[b.1 as usize].state.id)
            });
        }
        run = end;
    }
    let mut taken: Vec<Option<TrackSample>> =
        std::mem::take(samples).into_iter().map(Some).collect();
    samples.extend(keys.iter().filter_map(|&(_, i)| taken[i as usize].take()));
}

fn performance(
    flight_hours: f64,
    conflicts: &[ConflictRecord],
    losses: &[LossRecord],
    raw: &[RawAlert],
    raw_losses: usize,
    counts: FilterCounts,
    start: f64,
) -> SafetyNetReport {
    let per_h = |n: usize| {
        if flight_hours > 0.0 {
            n as f64 / flight_hours
        } else {
            0.0
        }
    };
    let mut by_level: BTreeMap<u8, usize> = BTreeMap::new();
    let mut without_loss: BTreeMap<u8, usize> = BTreeMap::new();
    let mut per_hour: Vec<BTreeMap<u8, usize>> = Vec::new();
    for c in conflicts {
        *by_level.entry(c.max_level).or_insert(0) += 1;
        if !c.followed_by_loss {
            *without_loss.entry(c.max_level).or_insert(0) += 1;
        }
        let slot = ((c.first_alert_time - start) / S_PER_H).floor().max(0.0) as usize;
        if per_hour.len() <= slot {
            per_hour.resize(slot + 1, BTreeMap::new());
        }
        *per_hour[slot].entry(c.max_level).or_insert(0) += 1;
    }
    let mut removed_by: BTreeMap<String, usize> = BTreeMap::new();
    for r in raw.iter().filter(|r| !r.filtered_alert_seen) {
        let f = r
            .by_filter
            .iter()
            .max_by_key(|(_, n)| **n)
            .map_or("not_detected".to_string(), |(f, _)| {
                filter_name(*f).to_string()
            });
        *removed_by.entry(f).or_insert(0) += 1;
    }
    SafetyNetReport {
        flight_hours,
        losses_per_flight_hour: per_h(losses.len()),
        alerts_per_flight_hour: by_level.iter().map(|(l, n)| (*l, per_h(*n))).collect(),
        warnings: conflicts
            .iter()
            .filter(|c| c.max_level >= WARNING_LEVEL)
            .count(),
        alerts_by_level: by_level,
        warning_time_s: Distribution::of(
            losses
                .iter()
                .filter_map(|l| l.warning_lead_time_s)
                .collect(),
        ),
        alert_time_s: Distribution::of(losses.iter().filter_map(|l| l.lead_time_s).collect()),
        losses_without_alert: losses.iter().filter(|l| l.lead_time_s.is_none()).count(),
        losses_without_warning: losses
            .iter()
            .filter(|l| l.warning_lead_time_s.is_none())
            .count(),
        alerts_without_loss: without_loss,
        alerts_per_hour: per_hour,
        raw_alerts: raw.len(),
        raw_warnings: raw.iter().filter(|r| r.max_level >= WARNING_LEVEL).count(),
        raw_losses,
        raw_losses_removed: raw_losses.saturating_sub(losses.len()),
        raw_alerts_removed_by: removed_by,
        filter_pair_cycles: counts,
    }
}

fn filter_name(f: Filter) -> &'static str {
    match f {
        Filter::Exemption => "exemption",
        Filter::Inhibition => "inhibition",
        Filter::LevelOccupancy => "level_occupancy",
        Filter::Regions => "regions",
        Filter::LevelRateNoise => "level_rate_noise",
        Filter::Intent => "intent",
        Filter::Confirmation => "confirmation",
    }
}

fn loss_record(k: (String, String), l: OpenLoss) -> LossRecord {
    LossRecord {
        warning_lead_time_s: l.warn_lead,
        lat_deg: l.at.0,
        lon_deg: l.at.1,
        alt_ft: l.at.2,
        min_vertical_ft: l.min_v_ft,
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
    use proptest::prelude::*;

    fn sample(id: String, k: usize) -> TrackSample {
        TrackSample {
            state: AircraftState {
                id,
                party: None,
                lat_deg: 0.0,
                lon_deg: 0.0,
                alt_ft: k as f64,
                gs_kt: 0.0,
                trk_deg: 0.0,
                vs_fpm: 0.0,
            },
            updated_s: k as f64,
            selected_alt: None,
            placement: Placement::default(),
            vertical: None,
        }
    }

    proptest! {
        /// The radix sort by id orders samples as a plain sort by id does, each sample kept
        /// whole (ids share long prefixes, hold NULs and non-ASCII, or come sorted).
        #[test]
        fn sort_by_id_is_a_sort_by_id(ids in proptest::collection::hash_set(
            prop_oneof!["[0-9A-F]{6}", "[AB\\x00]{0,10}", "LONGPREFIX[a-c]{0,3}", any::<String>()], 0..200),
            presorted in any::<bool>()) {
            let mut ids: Vec<String> = ids.into_iter().collect();
            if presorted {
                ids.sort();
            }
            let mut samples: Vec<TrackSample> =
                ids.iter().enumerate().map(|(k, id)| sample(id.clone(), k)).collect();
            let mut want = samples.clone();
            want.sort_by(|a, b| a.state.id.cmp(&b.state.id));
            sort_by_id(&mut samples);
            prop_assert_eq!(samples, want);
        }
    }

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
        assert!(c.cross_party && c.max_level == WARNING_LEVEL, "{c:?}");
        // Raised once confirmed on 2 of the first updates (M-of-N), so by the second cycle.
        assert!(c.first_alert_time - 1_700_000_000.0 <= 2.0, "{c:?}");
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
