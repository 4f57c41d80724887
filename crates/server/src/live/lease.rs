//! Leadership: which node of the cell runs the alert and strategic cycles and writes alert and
//! intrusion lifecycles. Every node runs [`run`]: every `cluster.lease_renew_s` it claims the
//! store's lease (`Store::claim_lease`: taken when free or lapsed, renewed by its holder, each
//! change of holder a new epoch). A node that gets it fences its store to that epoch before it
//! acts as leader, so that, should it pause and lose the lease, its late writes are refused
//! (`StoreError::Fenced`); a leader that cannot renew for `cluster.lease_ttl_s` steps down,
//! since another node may have taken the lease meanwhile. On a clean shutdown the lease is
//! released, so another node takes it at once.

use crate::clock::Clock;
use crate::config::Config;
use crate::live::leadership::Leadership;
use crate::live::{on_store, Live};
use deconflict_store::Store;
use std::sync::Arc;
use std::time::Duration;

/// Claims the lease once; returns whether this node leads after it.
pub async fn claim_once(live: &Live, store: &Arc<dyn Store>, config: &Config, now: f64) -> bool {
    let lead = &live.leadership;
    let (node, ttl) = (lead.node().to_owned(), config.cluster.lease_ttl_s);
    match on_store(store, move |s| s.claim_lease(&node, now, ttl)).await {
        Ok(lease) => {
            let mine = lease.holder == lead.node();
            if mine && lead.leader_epoch() != Some(lease.epoch) {
                // Fenced first: nothing is written as leader before the fence is in place.
                store.set_fence(Some((lead.node().to_owned(), lease.epoch)));
                tracing::info!(node = %lead.node(), epoch = lease.epoch, "this node leads the cell");
            } else if !mine && lead.is_leader() {
                tracing::warn!(node = %lead.node(), holder = %lease.holder, epoch = lease.epoch, "the lease was taken over; this node follows");
            }
            lead.confirm(now, &lease.holder, lease.epoch, mine);
            mine
        }
        Err(e) => lapse(lead, now, config, &e.to_string()),
    }
}

/// A failed renewal: a leader that could not renew for a whole lease steps down.
fn lapse(lead: &Leadership, now: f64, config: &Config, error: &str) -> bool {
    let since = lead.view(now).lag_s;
    if lead.is_leader() && since >= config.cluster.lease_ttl_s {
        tracing::error!(
            error,
            since_s = since,
            "cannot renew the lease; stepping down"
        );
        lead.step_down();
    } else {
        tracing::warn!(error, "cannot claim the lease");
    }
    lead.is_leader()
}

/// Claims or renews the lease every `cluster.lease_renew_s`, for the server's life.
pub async fn run(live: Arc<Live>, store: Arc<dyn Store>, config: Arc<Config>, clock: Clock) {
    let mut tick = tokio::time::interval(Duration::from_secs_f64(config.cluster.lease_renew_s));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        claim_once(&live, &store, &config, clock.now_s()).await;
    }
}

/// Lets the lease go on a clean shutdown.
pub fn release(live: &Live, store: &dyn Store) {
    if live.leadership.is_leader() {
        live.leadership.step_down();
        if let Err(e) = store.release_lease(live.leadership.node()) {
            tracing::warn!(error = %e, "cannot release the lease");
        }
    }
}
