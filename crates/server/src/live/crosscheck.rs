//! The position cross-check task: every `crosscheck.cycle_s` it takes, from the track table,
//! each owned track's own report and independent fix, runs `domain::crosscheck`, records each
//! discrepancy event (a document in [`COLLECTION`], audited as `discrepancy.<event>`) and
//! pushes it to the aircraft's owner, the cell and observers.

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::crosscheck::{Crosscheck, DiscrepancyState, FixPair, COLLECTION};
use crate::live::Live;
use crate::wire;
use deconflict_store::{Store, StoreError};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Each owned track's two sources, read under the table's lock.
pub fn fix_pairs(live: &Live) -> Vec<FixPair> {
    let t = live.table.lock().unwrap_or_else(|e| e.into_inner());
    t.tracks()
        .filter_map(|tr| {
            Some(FixPair {
                track_id: tr.id.clone(),
                party: tr.party.clone()?,
                callsign: tr.callsign.clone(),
                reported: tr.own_fix()?.clone(),
                independent: tr.independent_fix()?.clone(),
            })
        })
        .collect()
}

/// Runs the cross-check until the process ends.
pub async fn run(live: Arc<Live>, store: Arc<dyn Store>, config: Arc<Config>, clock: Clock) {
    let cfg = config.crosscheck.clone();
    // Ids `d-<run>-<n>`, the run in milliseconds and new at every leadership, so that nodes
    // of one cell never make the same id.
    let run_id = || (clock.now_s().max(0.0) * 1000.0) as u64;
    let mut check = Crosscheck::new(run_id(), &cfg);
    let mut epoch = None;
    // Stored document versions of the discrepancies raised this run.
    let mut versions: BTreeMap<String, i64> = BTreeMap::new();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(cfg.cycle_s));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // The leader alone records discrepancies.
        let Some(e) = live.leadership.leader_epoch() else {
            continue;
        };
        if epoch != Some(e) {
            epoch = Some(e);
            check = Crosscheck::new(run_id(), &cfg);
            versions.clear();
        }
        let now = clock.now_s();
        let pairs = fix_pairs(&live);
        let events = check.step(&cfg, now, &pairs);
        for d in events {
            let body = match serde_json::to_value(&d) {
                Ok(b) => b,
                Err(_) => continue,
            };
            let action = format!(
                "discrepancy.{}",
                match d.state {
                    DiscrepancyState::Raised => "raised",
                    DiscrepancyState::Updated => "updated",
                    DiscrepancyState::Cleared => "cleared",
                }
            );
            let expected = versions.get(&d.id).copied();
            let (st, id) = (store.clone(), d.id.clone());
            let stored = tokio::task::spawn_blocking(move || {
                st.put_document("engine", &action, COLLECTION, &id, &body, expected)
            })
            .await;
            match stored {
                Ok(Ok(v)) => {
                    if d.state == DiscrepancyState::Cleared {
                        versions.remove(&d.id);
                    } else {
                        versions.insert(d.id.clone(), v);
                    }
                }
                Ok(Err(e)) => {
                    log_store_error(&d.id, &e);
                    continue;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "discrepancy write task failed");
                    continue;
                }
            }
            if d.state == DiscrepancyState::Raised {
                live.metrics.add_discrepancy(&d.party);
                tracing::warn!(track = %d.track_id, party = %d.party, horizontal_m = d.horizontal_m, vertical_ft = ?d.vertical_ft, "position discrepancy raised");
            }
            live.publish_frame(wire::discrepancy_frame(&d), Some(vec![d.party.clone()]));
        }
    }
}

fn log_store_error(id: &str, e: &StoreError) {
    tracing::warn!(id, error = %e, "cannot record a position discrepancy");
}
