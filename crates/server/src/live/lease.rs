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
use crate::live::Live;
use deconflict_store::Store;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// This node's part in the cell, as the lease last said.
#[derive(Debug)]
pub struct Leadership {
    node: String,
    leader: AtomicBool,
    epoch: AtomicI64,
    /// When the lease was last read or renewed, UNIX seconds (`f64` bits).
    confirmed_at: AtomicU64,
    holder: RwLock<String>,
}

/// What `/api/v1/health` and `/metrics` show of it.
#[derive(Debug, Clone, PartialEq)]
pub struct LeaderView {
    /// This node.
    pub node: String,
    /// Whether it holds the lease.
    pub leader: bool,
    /// The lease's epoch as last read.
    pub epoch: i64,
    /// The lease's holder as last read.
    pub holder: String,
    /// Seconds since the lease was last read or renewed.
    pub lag_s: f64,
}

impl Leadership {
    /// A node that is not (yet) leader.
    pub fn new(node: String) -> Leadership {
        Leadership {
            node,
            leader: AtomicBool::new(false),
            epoch: AtomicI64::new(0),
            confirmed_at: AtomicU64::new(0f64.to_bits()),
            holder: RwLock::new(String::new()),
        }
    }

    /// This node's name.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// The epoch this node leads at, `None` when it is a follower.
    pub fn leader_epoch(&self) -> Option<i64> {
        self.leader
            .load(Ordering::Acquire)
            .then(|| self.epoch.load(Ordering::Acquire))
    }

    /// Whether this node leads.
    pub fn is_leader(&self) -> bool {
        self.leader.load(Ordering::Acquire)
    }

    /// The state at `now`.
    pub fn view(&self, now: f64) -> LeaderView {
        LeaderView {
            node: self.node.clone(),
            leader: self.is_leader(),
            epoch: self.epoch.load(Ordering::Acquire),
            holder: self
                .holder
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
            lag_s: (now - f64::from_bits(self.confirmed_at.load(Ordering::Acquire))).max(0.0),
        }
    }

    fn confirm(&self, now: f64, holder: &str, epoch: i64, leader: bool) {
        *self.holder.write().unwrap_or_else(|e| e.into_inner()) = holder.to_owned();
        self.epoch.store(epoch, Ordering::Release);
        self.confirmed_at.store(now.to_bits(), Ordering::Release);
        self.leader.store(leader, Ordering::Release);
    }

    fn step_down(&self) {
        self.leader.store(false, Ordering::Release);
    }
}

/// The default node name: host, process and a random suffix.
pub fn default_node_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".into());
    format!(
        "{host}-{}-{:04x}",
        std::process::id(),
        rand::random::<u16>()
    )
}

/// Claims the lease once; returns whether this node leads after it.
pub async fn claim_once(live: &Live, store: &Arc<dyn Store>, config: &Config, now: f64) -> bool {
    let lead = &live.leadership;
    let (st, node, ttl) = (store.clone(), lead.node.clone(), config.cluster.lease_ttl_s);
    let claimed = tokio::task::spawn_blocking(move || st.claim_lease(&node, now, ttl)).await;
    match claimed {
        Ok(Ok(lease)) => {
            let mine = lease.holder == lead.node;
            if mine && lead.leader_epoch() != Some(lease.epoch) {
                // Fenced first: nothing is written as leader before the fence is in place.
                store.set_fence(Some((lead.node.clone(), lease.epoch)));
                tracing::info!(node = %lead.node, epoch = lease.epoch, "this node leads the cell");
            } else if !mine && lead.is_leader() {
                tracing::warn!(node = %lead.node, holder = %lease.holder, epoch = lease.epoch, "the lease was taken over; this node follows");
            }
            lead.confirm(now, &lease.holder, lease.epoch, mine);
            mine
        }
        Ok(Err(e)) => lapse(lead, now, config, &e.to_string()),
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
