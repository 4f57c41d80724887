//! Resolution guidance in the alert cycle: the engine's bands and advice for every aircraft
//! of an active conflict alert, against all the airborne traffic of that cycle, kept in
//! [`Live`] for the API and sent to each viewer as a `guidance` frame.
//!
//! Guidance is computed on a blocking thread beside the alert cycle, never inside it: a
//! cycle starts a computation when none is running and one is due (all aircraft once
//! `guidance.cycle_s` has passed since the last full one, otherwise only aircraft newly in
//! alert), and a later cycle publishes its result. Alerts therefore never wait for guidance,
//! and an aircraft newly in alert gets its guidance one computation after the alert. A
//! computation starts no new aircraft after `guidance.budget_s` and is followed by a pause of
//! `cycle_s / budget_s` times its length, so that guidance takes at most about
//! `budget_s / cycle_s` of one core from the alert cycle in dense traffic, while a lone newly
//! alerted aircraft (a few milliseconds) still gets its guidance at once; the aircraft a
//! computation did not reach keep their previous guidance (with its time) and go first next
//! time.
//! Which aircraft, in which order, and who sees what are `domain::guidance`'s rules.

use crate::config::{Config, GuidanceSettings};
use crate::domain::guidance::{changes, due, subjects, GuidanceEntry, GuidanceMap, Subject};
use crate::domain::policy::Viewer;
use crate::live::{Live, StreamEvent};
use crate::wire;
use axum::extract::ws::Utf8Bytes;
use deconflict_engine::guidance::{GuidanceConfig, GuidanceTraffic, ManoeuvreModel, Report};
use deconflict_engine::standard::{AlertLevels, SeparationStandard};
use deconflict_engine::AircraftState;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Instant;
use tokio::task::JoinHandle;

/// What one computation returns: the entries it computed and how long it took.
struct Computed {
    entries: Vec<(String, Arc<GuidanceEntry>)>,
    /// Aircraft the time budget left for the next computation.
    deferred: usize,
    elapsed_s: f64,
}

/// The guidance state the alert cycle carries from one cycle to the next.
pub struct GuidanceCycle {
    settings: GuidanceSettings,
    standard: SeparationStandard,
    levels: AlertLevels,
    /// When the last full computation started.
    last_full_s: f64,
    /// The computation running, if any, and when it started.
    running: Option<(f64, JoinHandle<Computed>)>,
    /// No computation starts before this: each one is followed by a pause of
    /// `cycle_s / budget_s` times its length, so that guidance takes at most about
    /// `budget_s / cycle_s` of one core however many aircraft wait.
    next_start_s: f64,
}

impl GuidanceCycle {
    /// The guidance state for `config` (`None` when guidance is disabled).
    pub fn new(config: &Config) -> Option<GuidanceCycle> {
        if !config.guidance.enabled {
            return None;
        }
        let opts = config.detect_options();
        Some(GuidanceCycle {
            settings: config.guidance.clone(),
            standard: opts.standard,
            levels: opts.levels,
            last_full_s: f64::NEG_INFINITY,
            running: None,
            next_start_s: f64::NEG_INFINITY,
        })
    }

    /// One alert cycle's step at `now`, with that cycle's airborne states: publishes a
    /// finished computation, then starts the next one if due.
    pub async fn step(&mut self, live: &Live, now: f64, states: Vec<AircraftState>) {
        let (subs, skipped) = {
            let alerts = live.alerts.read().unwrap_or_else(|e| e.into_inner());
            subjects(alerts.values(), self.settings.max_aircraft)
        };
        if self.running.as_ref().is_some_and(|(_, h)| h.is_finished()) {
            if let Some((started_s, handle)) = self.running.take() {
                match handle.await {
                    Ok(done) => {
                        let duty = self.settings.budget_s / self.settings.cycle_s;
                        self.next_start_s = started_s + done.elapsed_s / duty.min(1.0);
                        self.apply(live, now, &subs, done);
                    }
                    Err(e) => tracing::error!(error = %e, "guidance task failed"),
                }
            }
        }
        let current = live.guidance();
        let wanted: BTreeSet<&str> = subs.iter().map(|s| s.id.as_str()).collect();
        if current.keys().any(|id| !wanted.contains(id.as_str())) {
            // An alert cleared: its aircraft's guidance goes at once.
            let kept: GuidanceMap = current
                .iter()
                .filter(|(id, _)| wanted.contains(id.as_str()))
                .map(|(id, e)| (id.clone(), e.clone()))
                .collect();
            self.publish(live, now, kept);
        }
        if self.running.is_some() || now < self.next_start_s {
            return;
        }
        let full = now - self.last_full_s >= self.settings.cycle_s;
        let todo: Vec<Subject> = due(&subs, &live.guidance(), full)
            .into_iter()
            .cloned()
            .collect();
        if todo.is_empty() {
            return;
        }
        if full {
            self.last_full_s = now;
            live.metrics.guidance_skipped(skipped as u64);
        }
        let (settings, standard, levels) =
            (self.settings.clone(), self.standard, self.levels.clone());
        let metrics = live.metrics.clone();
        self.running = Some((
            now,
            tokio::task::spawn_blocking(move || {
                let started = Instant::now();
                let (entries, deferred) =
                    compute(&settings, &standard, &levels, now, &states, &todo, || {
                        metrics.guidance_failed();
                    });
                Computed {
                    entries,
                    deferred,
                    elapsed_s: started.elapsed().as_secs_f64(),
                }
            }),
        ));
    }

    /// Installs a finished computation's entries (for aircraft still in alert) and publishes.
    fn apply(&mut self, live: &Live, now: f64, subs: &[Subject], done: Computed) {
        live.metrics
            .guidance_done(done.elapsed_s, done.entries.len() as u64);
        live.metrics.guidance_deferred(done.deferred as u64);
        let wanted: BTreeSet<&str> = subs.iter().map(|s| s.id.as_str()).collect();
        // Aircraft the computation did not reach (its time budget ran out) keep their
        // previous guidance, which says when it was computed.
        let mut map: GuidanceMap = (*live.guidance()).clone();
        map.extend(done.entries);
        map.retain(|id, _| wanted.contains(id.as_str()));
        self.publish(live, now, map);
    }

    /// Replaces the guidance in [`Live`] and sends each viewer what changed for it.
    fn publish(&mut self, live: &Live, now: f64, map: GuidanceMap) {
        let prev = live.guidance();
        let frames: HashMap<Viewer, Utf8Bytes> = changes(&prev, &map)
            .into_iter()
            .map(|(v, c)| {
                let frame = wire::guidance_frame(now, c.upsert.into_iter(), &c.remove);
                (v, Utf8Bytes::from(frame))
            })
            .collect();
        live.set_guidance(Arc::new(map));
        if !frames.is_empty() {
            live.publish(StreamEvent::ViewerFrames(frames));
        }
    }
}

/// Guidance for `todo`, in order, against `states`, until `settings.budget_s` has passed
/// (`failed` is called for each aircraft whose guidance failed), and how many were left for
/// later. Aircraft not among the airborne states get none.
fn compute(
    settings: &GuidanceSettings,
    standard: &SeparationStandard,
    levels: &AlertLevels,
    now: f64,
    states: &[AircraftState],
    todo: &[Subject],
    mut failed: impl FnMut(),
) -> (Vec<(String, Arc<GuidanceEntry>)>, usize) {
    let traffic = match GuidanceTraffic::new(states) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "no guidance this cycle");
            failed();
            return (Vec::new(), todo.len());
        }
    };
    let by_id: HashMap<&str, &AircraftState> = states.iter().map(|s| (s.id.as_str(), s)).collect();
    let dynamics = settings.dynamics();
    let started = Instant::now();
    let mut out = Vec::with_capacity(todo.len());
    let mut deferred = 0;
    for (k, s) in todo.iter().enumerate() {
        if started.elapsed().as_secs_f64() > settings.budget_s {
            deferred = todo.len() - k;
            break;
        }
        let Some(own) = by_id.get(s.id.as_str()) else {
            continue;
        };
        let category = settings.category_of(s.owner.as_deref());
        let config = GuidanceConfig {
            model: category.map_or_else(ManoeuvreModel::default, |c| c.model()),
            dynamics,
            ..GuidanceConfig::default()
        };
        match traffic.guidance(own, standard, levels, &config) {
            Ok(g) => {
                let value = wire::guidance_value(&Report::new(&g, category, dynamics), now);
                let json = value.to_string();
                out.push((
                    s.id.clone(),
                    Arc::new(GuidanceEntry {
                        owner: s.owner.clone(),
                        time_s: now,
                        value,
                        json,
                    }),
                ));
            }
            Err(e) => {
                tracing::warn!(aircraft = %s.id, error = %e, "no guidance for this aircraft");
                failed();
            }
        }
    }
    (out, deferred)
}
