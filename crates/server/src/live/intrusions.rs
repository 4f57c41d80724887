//! The intrusion cycle, once per new picture: the airborne tracks are extrapolated to the
//! picture time and run through the [`IntrusionDetector`](deconflict_airspace::IntrusionDetector)
//! over every live reservation of another party and every hazard zone;
//! [`IntrusionAlerts`](deconflict_airspace::IntrusionAlerts) turns the predictions into
//! raised / updated / cleared alerts with hysteresis; the records (`domain::intrusions`) are
//! persisted (one transaction, audited) before they are streamed to the two parties.
//!
//! Every few seconds the cycle also records time-driven reservation states and expires
//! unanswered requests (`live::strategic`).

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::exclusions;
use crate::domain::intrusions::{airborne, IntrusionRecord};
use crate::domain::notices;
use crate::live::strategic::{advance_reservations, expire_requests, Strategic};
use crate::live::{on_store, Live, StreamEvent};
use crate::wire;
use deconflict_store::{AlertState, IntrusionInput, Store};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often time-driven states and request expiry are recorded, seconds.
pub const HOUSEKEEPING_S: f64 = 2.0;

/// Runs forever, once per new picture.
pub async fn run(
    live: Arc<Live>,
    strategic: Arc<Strategic>,
    store: Arc<dyn Store>,
    config: Arc<Config>,
    clock: Clock,
) {
    use tokio::sync::broadcast::error::RecvError;
    // The epoch this node leads at, and the run part of its intrusion ids then.
    let mut leading: Option<(i64, u64)> = None;
    // Intrusions taken over open at the last takeover and not yet seen again, and until when
    // they wait for their pair.
    let mut adopted: HashSet<String> = HashSet::new();
    let mut adopted_until = f64::NEG_INFINITY;
    // Woken by each published picture (the picture cycle's `Cycle` event), so the check runs
    // right after the picture it uses; the timeout keeps housekeeping going without traffic.
    let mut events = live.events.subscribe();
    let wait = Duration::from_secs_f64(2.0 * config.cycle_s);
    let mut last_picture = f64::NEG_INFINITY;
    let mut last_housekeeping = Instant::now() - Duration::from_secs(3600);
    let lookahead_s = config.strategic.intrusion_lookahead_s;
    let compliance_lead_s = config.strategic.compliance_lead_s;
    loop {
        match tokio::time::timeout(wait, events.recv()).await {
            Ok(Ok(ev)) if !matches!(*ev, StreamEvent::Cycle { .. }) => continue,
            Ok(Err(RecvError::Closed)) => return,
            // A cycle, a lag (some cycle passed) or the timeout: look at the latest picture.
            _ => {}
        }
        let pic = live.picture();
        if pic.time <= last_picture {
            continue;
        }
        last_picture = pic.time;
        let now = pic.time;
        // The leader alone runs the strategic cycle. At each takeover the intrusions left
        // open are taken over: a pair the detector raises again goes on under its stored id
        // (`IntrusionRecord::of_event`), one not raised again within the hold is cleared.
        let epoch = live.leadership.leader_epoch();
        if epoch != leading.map(|(e, _)| e) {
            leading = match epoch {
                Some(e) => {
                    let open = match on_store(&store, |s| s.list_intrusions(None)).await {
                        Ok(list) => list,
                        Err(e) => {
                            tracing::error!(error = %e, "cannot read the intrusions left open; retrying");
                            continue;
                        }
                    };
                    let open: Vec<IntrusionRecord> = open
                        .into_iter()
                        .filter(|i| i.cleared_at.is_none())
                        .filter_map(|i| IntrusionRecord::from_stored(i).ok())
                        .collect();
                    tracing::info!(
                        open = open.len(),
                        epoch = e,
                        "took over the strategic cycle"
                    );
                    adopted = open.iter().map(|r| r.id.clone()).collect();
                    adopted_until = now + config.strategic.intrusion.hold_s.max(0.0);
                    *strategic.active.write().unwrap_or_else(|e| e.into_inner()) =
                        open.into_iter().map(|r| (r.id.clone(), r)).collect();
                    Some((e, (clock.now_s() * 1000.0) as u64))
                }
                None => None,
            };
        }
        let Some((_, run)) = leading else {
            continue;
        };
        if last_housekeeping.elapsed().as_secs_f64() >= HOUSEKEEPING_S {
            last_housekeeping = Instant::now();
            advance_reservations(&strategic, &store, &live, clock.now_s()).await;
            strategic.prune_notices(clock.now_s());
            if let Err(e) = expire_requests(store.clone(), &live, clock.now_s()).await {
                tracing::error!(error = %e, "cannot expire requests");
            }
        }
        let (st, l, p2) = (strategic.clone(), live.clone(), pic.clone());
        let alert_events = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            // Rebuilt here (off the async threads) only when a reservation changed.
            let detector = st.detector();
            let states = airborne(&p2);
            let scan = detector.scan(&states, now, lookahead_s);
            // Exclusions watch their accepting party's aircraft only, and before their
            // deadline those predicted to be inside at it.
            let watches = st.exclusion_watches(now);
            let mut predictions = scan.predictions.clone();
            // Notices inform their recipients only.
            notices::narrow(&mut predictions, &st.notice_watches(now));
            if !watches.is_empty() {
                exclusions::narrow(&mut predictions, &watches);
                predictions.extend(exclusions::compliance(
                    &detector,
                    &states,
                    &watches,
                    now,
                    compliance_lead_s,
                ));
                predictions.sort_by(|a, b| {
                    (&a.track_id, &a.reservation_id, a.volume_index).cmp(&(
                        &b.track_id,
                        &b.reservation_id,
                        b.volume_index,
                    ))
                });
            }
            let out = st
                .alerts
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .update(&predictions, now);
            tracing::debug!(
                aircraft = states.len(),
                volumes = detector.len(),
                exact_tests = scan.exact_tests,
                predictions = scan.predictions.len(),
                elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
                "intrusion check"
            );
            l.metrics
                .intrusion_check_done(started.elapsed().as_secs_f64());
            out
        })
        .await;
        let events = match alert_events {
            Ok(e) => e,
            Err(e) => {
                tracing::error!(error = %e, "intrusion check failed");
                continue;
            }
        };
        let mut records: Vec<IntrusionRecord> = {
            let active = strategic.active.read().unwrap_or_else(|e| e.into_inner());
            let by_pair: HashMap<(&str, &str), &IntrusionRecord> =
                active.values().map(|r| (r.pair_key(), r)).collect();
            events
                .iter()
                .map(|e| {
                    let i = &e.intrusion;
                    let view = pic
                        .index
                        .get(&i.track_id)
                        .and_then(|k| serde_json::to_value(&pic.tracks[*k].view).ok())
                        .unwrap_or(Value::Null);
                    let name = match i.purpose {
                        deconflict_airspace::Purpose::Notice => {
                            strategic.notice_name(&i.reservation_id)
                        }
                        _ => strategic.get(&i.reservation_id).map(|d| d.name),
                    };
                    let previous = by_pair
                        .get(&(i.track_id.as_str(), i.reservation_id.as_str()))
                        .copied();
                    IntrusionRecord::of_event(run, e, name, view, previous)
                })
                .collect()
        };
        // Taken-over alerts seen again are this leader's now; those still unseen after the
        // hold are cleared.
        for r in &records {
            adopted.remove(&r.id);
        }
        if !adopted.is_empty() && now >= adopted_until {
            let active = strategic.active.read().unwrap_or_else(|e| e.into_inner());
            records.extend(
                adopted
                    .drain()
                    .filter_map(|id| active.get(&id).map(|r| r.lapsed(now))),
            );
        }
        if records.is_empty() {
            continue;
        }
        let batch: Vec<(String, IntrusionInput)> = records
            .iter()
            .map(|r| (format!("intrusion.{}", r.state), r.to_input()))
            .collect();
        let st = store.clone();
        let stored =
            tokio::task::spawn_blocking(move || st.record_intrusions("engine", &batch)).await;
        match stored {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::error!(error = %e, "cannot persist intrusion events");
                continue;
            }
            Err(e) => {
                tracing::error!(error = %e, "intrusion persistence task failed");
                continue;
            }
        }
        for mut r in records {
            live.metrics.intrusion_event(r.state.as_str());
            {
                let mut active = strategic.active.write().unwrap_or_else(|e| e.into_inner());
                // An acknowledgement recorded while this cycle ran is kept.
                let previous = if r.state == AlertState::Cleared {
                    active.remove(&r.id)
                } else {
                    active.get(&r.id).cloned()
                };
                if let Some(p) = previous {
                    r.keep_acks(&p);
                }
                if r.state != AlertState::Cleared {
                    active.insert(r.id.clone(), r.clone());
                }
            }
            live.publish_frame(
                wire::intrusion_frame(r.state.as_str(), &r),
                Some(r.parties()),
            );
        }
    }
}
