//! What arrived at this node alone, waiting to be relayed to the cell's other nodes, and the
//! relay's counters: state only, filled by the telemetry handler and listen-mode feeds,
//! emptied by `live::relay`.

use deconflict_feeds::Observation;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

/// The relay's outbox and counters.
#[derive(Debug, Default)]
pub struct Relay {
    on: AtomicBool,
    outbox: Mutex<Vec<Observation>>,
    /// Observations sent to the other nodes.
    pub sent: AtomicU64,
    /// Observations received from the other nodes.
    pub received: AtomicU64,
    /// Observations not relayed: the outbox was full (`cluster.relay_max_states`), or a batch
    /// could not be written or read.
    pub dropped: AtomicU64,
    /// Relayed observations that could not be decoded.
    pub bad: AtomicU64,
}

impl Relay {
    /// Keeps accepted local observations for the other nodes from now on.
    pub fn enable(&self) {
        self.on.store(true, Ordering::Relaxed);
    }

    /// Whether accepted local observations are kept for the other nodes.
    pub fn is_on(&self) -> bool {
        self.on.load(Ordering::Relaxed)
    }

    /// Keeps `o` for the other nodes (when on), at most `max` waiting.
    pub fn keep(&self, o: &Observation, max: usize) {
        if !self.is_on() {
            return;
        }
        let mut out = self.outbox.lock().unwrap_or_else(|e| e.into_inner());
        if out.len() >= max {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        } else {
            out.push(o.clone());
        }
    }

    pub(super) fn take(&self) -> Vec<Observation> {
        std::mem::take(&mut *self.outbox.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn the_outbox_is_bounded_and_off_until_the_relay_runs() {
        let r = Relay::default();
        let o = Observation::new("A", 1.0, Arc::from("f"));
        r.keep(&o, 2);
        assert!(r.take().is_empty(), "off: nothing kept");
        r.enable();
        for _ in 0..3 {
            r.keep(&o, 2);
        }
        assert_eq!(r.take().len(), 2);
        assert_eq!(r.dropped.load(Ordering::Relaxed), 1);
        assert!(r.take().is_empty());
    }
}
