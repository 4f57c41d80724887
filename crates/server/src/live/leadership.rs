//! This node's part in the cell (leader or follower) as the lease last said: state only,
//! read by the cycles, health and metrics, and set by `live::lease`, which claims and renews
//! the lease.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::RwLock;

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

    pub(super) fn confirm(&self, now: f64, holder: &str, epoch: i64, leader: bool) {
        *self.holder.write().unwrap_or_else(|e| e.into_inner()) = holder.to_owned();
        self.epoch.store(epoch, Ordering::Release);
        self.confirmed_at.store(now.to_bits(), Ordering::Release);
        self.leader.store(leader, Ordering::Release);
    }

    pub(super) fn step_down(&self) {
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
