//! Prometheus counters and gauges, rendered as text at `/metrics`.

use deconflict_feeds::counters::FeedStats;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Upper bounds of the cycle-time histogram, seconds.
const CYCLE_BUCKETS_S: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// Server-wide metrics.
#[derive(Default)]
pub struct Metrics {
    tracks: AtomicU64,
    ingested: AtomicU64,
    active_alerts: AtomicU64,
    ws_clients: AtomicU64,
    ws_resyncs: AtomicU64,
    ws_dropped: AtomicU64,
    stream_bytes_json: AtomicU64,
    stream_bytes_binary: AtomicU64,
    cycles: AtomicU64,
    last_cycle_s_bits: AtomicU64,
    alert_cycles: AtomicU64,
    last_alert_cycle_s_bits: AtomicU64,
    intrusion_checks: AtomicU64,
    last_intrusion_check_s_bits: AtomicU64,
    guidance_runs: AtomicU64,
    last_guidance_s_bits: AtomicU64,
    guidance_aircraft: AtomicU64,
    guidance_skipped: AtomicU64,
    guidance_failed: AtomicU64,
    guidance_deferred: AtomicU64,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    rejected: BTreeMap<&'static str, u64>,
    alert_events: BTreeMap<(&'static str, u8), u64>,
    cycle_buckets: [u64; CYCLE_BUCKETS_S.len()],
    cycle_sum_s: f64,
    alert_cycle_buckets: [u64; CYCLE_BUCKETS_S.len()],
    alert_cycle_sum_s: f64,
    intrusion_check_sum_s: f64,
    alert_persist_sum_s: f64,
    alert_persists: u64,
    alert_persist_max_s: f64,
    intrusion_events: BTreeMap<&'static str, u64>,
    telemetry_refused: BTreeMap<(String, &'static str), u64>,
    discrepancies: BTreeMap<String, u64>,
    /// Seconds spent per (cycle, phase) since start.
    phases: BTreeMap<(&'static str, &'static str), f64>,
}

fn observe(buckets: &mut [u64; CYCLE_BUCKETS_S.len()], sum_s: &mut f64, s: f64) {
    for (k, b) in CYCLE_BUCKETS_S.iter().enumerate() {
        if s <= *b {
            buckets[k] += 1;
        }
    }
    *sum_s += s;
}

fn histogram(o: &mut String, name: &str, help: &str, buckets: &[u64], sum_s: f64, count: u64) {
    let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} histogram");
    for (k, b) in CYCLE_BUCKETS_S.iter().enumerate() {
        let _ = writeln!(o, "{name}_bucket{{le=\"{b}\"}} {}", buckets[k]);
    }
    let _ = writeln!(o, "{name}_bucket{{le=\"+Inf\"}} {count}");
    let _ = writeln!(o, "{name}_sum {sum_s}\n{name}_count {count}");
}

/// Times consecutive phases of one cycle into [`Metrics::phase_done`].
pub struct PhaseTimer<'a> {
    metrics: &'a Metrics,
    cycle: &'static str,
    since: std::time::Instant,
}

impl PhaseTimer<'_> {
    /// The phase `phase` ended now.
    pub fn lap(&mut self, phase: &'static str) {
        let now = std::time::Instant::now();
        self.metrics
            .phase_done(self.cycle, phase, (now - self.since).as_secs_f64());
        self.since = now;
    }
}

impl Metrics {
    /// Observations applied or rejected.
    pub fn add_ingested(&self, n: u64) {
        self.ingested.fetch_add(n, Ordering::Relaxed);
    }
    /// One rejected observation.
    pub fn add_rejected(&self, reason: &'static str) {
        *self
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .rejected
            .entry(reason)
            .or_default() += 1;
    }
    /// Telemetry states a party sent for aircraft it may not report (`domain::ownership`).
    pub fn add_telemetry_refused(&self, party: &str, reason: &'static str, n: u64) {
        *self
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .telemetry_refused
            .entry((party.to_owned(), reason))
            .or_default() += n;
    }
    /// A position discrepancy raised on one of `party`'s aircraft.
    pub fn add_discrepancy(&self, party: &str) {
        *self
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .discrepancies
            .entry(party.to_owned())
            .or_default() += 1;
    }
    /// Tracks in the picture.
    pub fn set_tracks(&self, n: u64) {
        self.tracks.store(n, Ordering::Relaxed);
    }
    /// Active alerts.
    pub fn set_active_alerts(&self, n: u64) {
        self.active_alerts.store(n, Ordering::Relaxed);
    }
    /// One alert event.
    pub fn alert_event(&self, event: &'static str, level: u8) {
        *self
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .alert_events
            .entry((event, level))
            .or_default() += 1;
    }
    /// A WebSocket client connected (+1) or left (-1).
    pub fn ws_client(&self, delta: i64) {
        if delta >= 0 {
            self.ws_clients.fetch_add(delta as u64, Ordering::Relaxed);
        } else {
            self.ws_clients
                .fetch_sub(delta.unsigned_abs(), Ordering::Relaxed);
        }
    }
    /// Current WebSocket clients.
    pub fn ws_clients(&self) -> u64 {
        self.ws_clients.load(Ordering::Relaxed)
    }
    /// A client was resynchronised.
    pub fn ws_resync(&self) {
        self.ws_resyncs.fetch_add(1, Ordering::Relaxed);
    }
    /// A client was dropped for being too slow.
    pub fn ws_dropped(&self) {
        self.ws_dropped.fetch_add(1, Ordering::Relaxed);
    }
    /// `bytes` were sent to a stream that negotiated `encoding=binary` (`binary`) or JSON.
    pub fn stream_sent(&self, binary: bool, bytes: usize) {
        let c = if binary {
            &self.stream_bytes_binary
        } else {
            &self.stream_bytes_json
        };
        c.fetch_add(bytes as u64, Ordering::Relaxed);
    }
    /// A picture cycle took `s` seconds.
    pub fn cycle_done(&self, s: f64) {
        self.cycles.fetch_add(1, Ordering::Relaxed);
        self.last_cycle_s_bits.store(s.to_bits(), Ordering::Relaxed);
        let mut i = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let i = &mut *i;
        observe(&mut i.cycle_buckets, &mut i.cycle_sum_s, s);
    }
    /// An alert cycle (snapshot, detection, alerting, publishing) took `s` seconds.
    pub fn alert_cycle_done(&self, s: f64) {
        self.alert_cycles.fetch_add(1, Ordering::Relaxed);
        self.last_alert_cycle_s_bits
            .store(s.to_bits(), Ordering::Relaxed);
        let mut i = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let i = &mut *i;
        observe(&mut i.alert_cycle_buckets, &mut i.alert_cycle_sum_s, s);
    }
    /// One phase of a cycle (`cycle` "picture" or "alert"; `phase` e.g. "detect") took `s`
    /// seconds: `deconflict_cycle_phase_seconds_total{cycle,phase}` says where a cycle's time
    /// goes.
    pub fn phase_done(&self, cycle: &'static str, phase: &'static str, s: f64) {
        *self
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .phases
            .entry((cycle, phase))
            .or_default() += s;
    }
    /// A timer of `cycle`'s phases: each [`PhaseTimer::lap`] records the time since the
    /// previous lap (or since the timer started) as that phase's.
    pub fn phases(&self, cycle: &'static str) -> PhaseTimer<'_> {
        PhaseTimer {
            metrics: self,
            cycle,
            since: std::time::Instant::now(),
        }
    }
    /// Persisting one alert cycle's events (before they are published) took `s` seconds.
    pub fn alert_persist_done(&self, s: f64) {
        let mut i = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        i.alert_persist_sum_s += s;
        i.alert_persists += 1;
        i.alert_persist_max_s = i.alert_persist_max_s.max(s);
    }
    /// A reservation intrusion check took `s` seconds.
    pub fn intrusion_check_done(&self, s: f64) {
        self.intrusion_checks.fetch_add(1, Ordering::Relaxed);
        self.last_intrusion_check_s_bits
            .store(s.to_bits(), Ordering::Relaxed);
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .intrusion_check_sum_s += s;
    }
    /// Guidance was computed for `aircraft` aircraft in `s` seconds.
    pub fn guidance_done(&self, s: f64, aircraft: u64) {
        self.guidance_runs.fetch_add(1, Ordering::Relaxed);
        self.last_guidance_s_bits
            .store(s.to_bits(), Ordering::Relaxed);
        self.guidance_aircraft.store(aircraft, Ordering::Relaxed);
    }
    /// `n` aircraft in alert got no guidance this cycle (beyond `guidance.max_aircraft`).
    pub fn guidance_skipped(&self, n: u64) {
        self.guidance_skipped.fetch_add(n, Ordering::Relaxed);
    }
    /// `n` aircraft were left for the next guidance computation (`guidance.budget_s`).
    pub fn guidance_deferred(&self, n: u64) {
        self.guidance_deferred.fetch_add(n, Ordering::Relaxed);
    }
    /// Guidance failed for one aircraft (an invalid state).
    pub fn guidance_failed(&self) {
        self.guidance_failed.fetch_add(1, Ordering::Relaxed);
    }
    /// One intrusion lifecycle event (`raised`, `updated`, `cleared`; anything else counts
    /// as `other`).
    pub fn intrusion_event(&self, event: &str) {
        let event: &'static str = match event {
            "raised" => "raised",
            "updated" => "updated",
            "cleared" => "cleared",
            _ => "other",
        };
        *self
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .intrusion_events
            .entry(event)
            .or_default() += 1;
    }

    /// Prometheus text exposition.
    pub fn render(&self, feeds: &[Arc<FeedStats>]) -> String {
        let mut o = String::new();
        let g = |o: &mut String, name: &str, help: &str, kind: &str, v: u64| {
            let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}");
        };
        g(
            &mut o,
            "deconflict_tracks",
            "Tracks with a position in the picture.",
            "gauge",
            self.tracks.load(Ordering::Relaxed),
        );
        g(
            &mut o,
            "deconflict_observations_total",
            "Observations taken from feeds and telemetry.",
            "counter",
            self.ingested.load(Ordering::Relaxed),
        );
        g(
            &mut o,
            "deconflict_alerts_active",
            "Active conflict alerts.",
            "gauge",
            self.active_alerts.load(Ordering::Relaxed),
        );
        g(
            &mut o,
            "deconflict_ws_clients",
            "Connected WebSocket clients.",
            "gauge",
            self.ws_clients.load(Ordering::Relaxed),
        );
        g(
            &mut o,
            "deconflict_ws_resyncs_total",
            "WebSocket clients resynchronised after falling behind.",
            "counter",
            self.ws_resyncs.load(Ordering::Relaxed),
        );
        g(
            &mut o,
            "deconflict_ws_dropped_total",
            "WebSocket clients dropped for not taking frames.",
            "counter",
            self.ws_dropped.load(Ordering::Relaxed),
        );
        let _ = writeln!(
            o,
            "# HELP deconflict_stream_bytes_total Bytes of the frames sent on the WebSocket stream, by the encoding the stream negotiated (a binary stream's JSON text frames count as binary).\n# TYPE deconflict_stream_bytes_total counter\ndeconflict_stream_bytes_total{{encoding=\"json\"}} {}\ndeconflict_stream_bytes_total{{encoding=\"binary\"}} {}",
            self.stream_bytes_json.load(Ordering::Relaxed),
            self.stream_bytes_binary.load(Ordering::Relaxed),
        );
        let last = |bits: &AtomicU64| f64::from_bits(bits.load(Ordering::Relaxed));
        let _ = writeln!(o, "# HELP deconflict_cycle_last_seconds Duration of the last picture cycle.\n# TYPE deconflict_cycle_last_seconds gauge");
        let _ = writeln!(
            o,
            "deconflict_cycle_last_seconds {}",
            last(&self.last_cycle_s_bits)
        );
        let _ = writeln!(o, "# HELP deconflict_alert_cycle_last_seconds Duration of the last alert cycle (snapshot, detection, alerting, publishing).\n# TYPE deconflict_alert_cycle_last_seconds gauge");
        let _ = writeln!(
            o,
            "deconflict_alert_cycle_last_seconds {}",
            last(&self.last_alert_cycle_s_bits)
        );
        {
            let i = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            let _ = writeln!(o, "# HELP deconflict_cycle_phase_seconds_total Time spent in each phase of the picture and alert cycles.\n# TYPE deconflict_cycle_phase_seconds_total counter");
            for ((cycle, phase), s) in &i.phases {
                let _ = writeln!(
                    o,
                    "deconflict_cycle_phase_seconds_total{{cycle=\"{cycle}\",phase=\"{phase}\"}} {s}"
                );
            }
        }
        let _ = writeln!(o, "# HELP deconflict_intrusion_check_last_seconds Duration of the last reservation intrusion check.\n# TYPE deconflict_intrusion_check_last_seconds gauge");
        let _ = writeln!(
            o,
            "deconflict_intrusion_check_last_seconds {}",
            last(&self.last_intrusion_check_s_bits)
        );
        let _ = writeln!(o, "# HELP deconflict_guidance_last_seconds Duration of the last guidance computation (all aircraft in alert).\n# TYPE deconflict_guidance_last_seconds gauge");
        let _ = writeln!(
            o,
            "deconflict_guidance_last_seconds {}",
            last(&self.last_guidance_s_bits)
        );
        for (name, kind, help, v) in [
            (
                "deconflict_guidance_runs_total",
                "counter",
                "Guidance computations.",
                &self.guidance_runs,
            ),
            (
                "deconflict_guidance_aircraft",
                "gauge",
                "Aircraft given guidance in the last computation.",
                &self.guidance_aircraft,
            ),
            (
                "deconflict_guidance_skipped_total",
                "counter",
                "Aircraft in alert left without guidance (guidance.max_aircraft).",
                &self.guidance_skipped,
            ),
            (
                "deconflict_guidance_failed_total",
                "counter",
                "Guidance computations that failed (invalid state).",
                &self.guidance_failed,
            ),
            (
                "deconflict_guidance_deferred_total",
                "counter",
                "Aircraft left for the next guidance computation by its time budget (guidance.budget_s).",
                &self.guidance_deferred,
            ),
        ] {
            let _ = writeln!(
                o,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        }
        let i = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        histogram(
            &mut o,
            "deconflict_cycle_seconds",
            "Picture cycle duration (track deltas to clients).",
            &i.cycle_buckets,
            i.cycle_sum_s,
            self.cycles.load(Ordering::Relaxed),
        );
        histogram(
            &mut o,
            "deconflict_alert_cycle_seconds",
            "Alert cycle duration (snapshot, conflict detection, alerting, publishing).",
            &i.alert_cycle_buckets,
            i.alert_cycle_sum_s,
            self.alert_cycles.load(Ordering::Relaxed),
        );
        let _ = writeln!(o, "# HELP deconflict_alert_persist_seconds Time to persist an alert cycle's events before publishing them.\n# TYPE deconflict_alert_persist_seconds summary");
        let _ = writeln!(
            o,
            "deconflict_alert_persist_seconds_sum {}\ndeconflict_alert_persist_seconds_count {}",
            i.alert_persist_sum_s, i.alert_persists
        );
        let _ = writeln!(o, "# HELP deconflict_alert_persist_max_seconds Longest alert persistence since start.\n# TYPE deconflict_alert_persist_max_seconds gauge");
        let _ = writeln!(
            o,
            "deconflict_alert_persist_max_seconds {}",
            i.alert_persist_max_s
        );
        let checks = self.intrusion_checks.load(Ordering::Relaxed);
        let _ = writeln!(o, "# HELP deconflict_intrusion_check_seconds Reservation intrusion check duration.\n# TYPE deconflict_intrusion_check_seconds summary");
        let _ = writeln!(
            o,
            "deconflict_intrusion_check_seconds_sum {}\ndeconflict_intrusion_check_seconds_count {checks}",
            i.intrusion_check_sum_s
        );
        let _ = writeln!(o, "# HELP deconflict_intrusion_events_total Reservation intrusion lifecycle events.\n# TYPE deconflict_intrusion_events_total counter");
        for (e, n) in &i.intrusion_events {
            let _ = writeln!(o, "deconflict_intrusion_events_total{{event=\"{e}\"}} {n}");
        }
        let _ = writeln!(o, "# HELP deconflict_observations_rejected_total Observations the track table rejected, by reason.\n# TYPE deconflict_observations_rejected_total counter");
        for (r, n) in &i.rejected {
            let _ = writeln!(
                o,
                "deconflict_observations_rejected_total{{reason=\"{r}\"}} {n}"
            );
        }
        let _ = writeln!(o, "# HELP deconflict_telemetry_refused_total Telemetry states refused because the party may not report the aircraft, by party and reason.\n# TYPE deconflict_telemetry_refused_total counter");
        for ((p, r), n) in &i.telemetry_refused {
            let _ = writeln!(
                o,
                "deconflict_telemetry_refused_total{{party=\"{p}\",reason=\"{r}\"}} {n}"
            );
        }
        let _ = writeln!(o, "# HELP deconflict_position_discrepancies_total Position discrepancies raised (a party's report against independent surveillance of the same aircraft), by the aircraft's party.\n# TYPE deconflict_position_discrepancies_total counter");
        for (p, n) in &i.discrepancies {
            let _ = writeln!(
                o,
                "deconflict_position_discrepancies_total{{party=\"{p}\"}} {n}"
            );
        }
        let _ = writeln!(o, "# HELP deconflict_alert_events_total Alert lifecycle events.\n# TYPE deconflict_alert_events_total counter");
        for ((e, l), n) in &i.alert_events {
            let _ = writeln!(
                o,
                "deconflict_alert_events_total{{event=\"{e}\",level=\"{l}\"}} {n}"
            );
        }
        drop(i);
        let _ = writeln!(o, "# HELP deconflict_feed_messages_total Messages received per feed.\n# TYPE deconflict_feed_messages_total counter");
        for f in feeds {
            let s = f.snapshot();
            let _ = writeln!(
                o,
                "deconflict_feed_messages_total{{feed=\"{}\"}} {}",
                esc(&s.id),
                s.messages
            );
        }
        let _ = writeln!(o, "# HELP deconflict_feed_decoded_total Messages decoded per feed.\n# TYPE deconflict_feed_decoded_total counter");
        for f in feeds {
            let s = f.snapshot();
            let _ = writeln!(
                o,
                "deconflict_feed_decoded_total{{feed=\"{}\"}} {}",
                esc(&s.id),
                s.decoded
            );
        }
        let _ = writeln!(o, "# HELP deconflict_feed_bytes_total Bytes received per feed.\n# TYPE deconflict_feed_bytes_total counter");
        for f in feeds {
            let s = f.snapshot();
            let _ = writeln!(
                o,
                "deconflict_feed_bytes_total{{feed=\"{}\"}} {}",
                esc(&s.id),
                s.bytes
            );
        }
        let _ = writeln!(o, "# HELP deconflict_feed_connected Whether a feed is connected (1) or not (0).\n# TYPE deconflict_feed_connected gauge");
        for f in feeds {
            let s = f.snapshot();
            let up = matches!(
                f.state(),
                deconflict_feeds::counters::ConnectionState::Connected
            );
            let _ = writeln!(
                o,
                "deconflict_feed_connected{{feed=\"{}\"}} {}",
                esc(&s.id),
                u8::from(up)
            );
        }
        o
    }
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_cycles_and_intrusions() {
        let m = Metrics::default();
        m.cycle_done(0.3);
        m.guidance_done(0.25, 17);
        m.guidance_deferred(3);
        m.alert_cycle_done(0.02);
        m.alert_cycle_done(0.2);
        m.intrusion_check_done(0.004);
        m.alert_persist_done(0.03);
        m.alert_persist_done(0.01);
        m.intrusion_event("raised");
        m.intrusion_event("raised");
        m.intrusion_event("bogus");
        m.phase_done("alert", "detect", 0.125);
        m.phase_done("alert", "detect", 0.25);
        let mut p = m.phases("picture");
        p.lap("views");
        p.lap("views");
        let t = m.render(&[]);
        assert!(
            t.contains(
                "deconflict_cycle_phase_seconds_total{cycle=\"alert\",phase=\"detect\"} 0.375\n"
            ),
            "{t}"
        );
        assert!(t.contains("deconflict_cycle_seconds_count 1\n"), "{t}");
        assert!(
            t.contains("deconflict_alert_cycle_seconds_count 2\n"),
            "{t}"
        );
        assert!(
            t.contains("deconflict_alert_cycle_seconds_bucket{le=\"0.025\"} 1\n"),
            "{t}"
        );
        assert!(
            t.contains("deconflict_alert_cycle_last_seconds 0.2\n"),
            "{t}"
        );
        assert!(
            t.contains("deconflict_cycle_phase_seconds_total{cycle=\"picture\",phase=\"views\"} "),
            "{t}"
        );
        for line in [
            "deconflict_guidance_last_seconds 0.25\n",
            "deconflict_guidance_aircraft 17\n",
            "deconflict_guidance_runs_total 1\n",
            "deconflict_guidance_deferred_total 3\n",
        ] {
            assert!(t.contains(line), "{line} missing from {t}");
        }
        assert!(
            t.contains("deconflict_intrusion_check_seconds_count 1\n"),
            "{t}"
        );
        assert!(
            t.contains("deconflict_intrusion_events_total{event=\"raised\"} 2\n"),
            "{t}"
        );
        assert!(
            t.contains("deconflict_intrusion_events_total{event=\"other\"} 1\n"),
            "{t}"
        );
    }
}
