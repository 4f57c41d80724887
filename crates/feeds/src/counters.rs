//! Per-feed counters, shared between a connector task and whoever reports on it.
//!
//! [`FeedStats`] is meant to live in an `Arc`: the connector updates it with atomics (and a
//! small mutex for the reject map and state), the server's `/api/v1/feeds` and `/metrics`
//! read a [`FeedSnapshot`]. Poisoned locks are recovered, never unwrapped.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde::Serialize;

/// A feed's connection state, as the API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ConnectionState {
    /// Trying to connect.
    Connecting,
    /// Connected and reading.
    Connected,
    /// Waiting before the next connection attempt.
    Backoff,
    /// A listener waiting for (or serving) feeders.
    Listening,
    /// Finished (file read to its end, or stopped).
    Ended,
}

/// Live counters of one feed. Share as `Arc<FeedStats>`.
#[derive(Debug)]
pub struct FeedStats {
    /// Feed id.
    pub id: String,
    /// Feed kind (`sbs`, `beast`, `avr`, `states-csv`, ...).
    pub kind: String,
    /// Address or path.
    pub address: String,
    /// Owning party.
    pub party: Option<String>,
    bytes: AtomicU64,
    messages: AtomicU64,
    decoded: AtomicU64,
    last_message_time_bits: AtomicU64,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    rejected: BTreeMap<&'static str, u64>,
    state: ConnectionState,
    connections: u64,
    silent_drops: u64,
    last_disconnect: Option<String>,
}

/// A point-in-time copy of [`FeedStats`], serialised as the API's feed object.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = Feed)]
pub struct FeedSnapshot {
    /// Feed id.
    pub id: String,
    /// Feed kind.
    pub kind: String,
    /// Address or path.
    pub address: String,
    /// Owning party.
    pub party: Option<String>,
    /// Connection state.
    pub state: ConnectionState,
    /// Bytes received.
    pub bytes: u64,
    /// Messages (lines, frames, records) received.
    pub messages: u64,
    /// Messages decoded into an observation.
    pub decoded: u64,
    /// Rejected messages by reason.
    pub rejected: BTreeMap<String, u64>,
    /// Wall-clock time of the last message, UNIX seconds.
    pub last_message_time: Option<f64>,
    /// Successful connections so far (clients) or feeders accepted (listeners).
    pub connections: u64,
    /// Connections dropped because they stayed silent for the feed's `silent_after_s`.
    pub silent_drops: u64,
    /// Why the last connection ended (`"silent for 30 s"`, `"closed by the sender"`, …), if one
    /// has.
    pub last_disconnect: Option<String>,
}

impl FeedStats {
    /// New zeroed counters in state `connecting`.
    pub fn new(
        id: impl Into<String>,
        kind: impl Into<String>,
        address: impl Into<String>,
        party: Option<String>,
    ) -> Self {
        FeedStats {
            id: id.into(),
            kind: kind.into(),
            address: address.into(),
            party,
            bytes: AtomicU64::new(0),
            messages: AtomicU64::new(0),
            decoded: AtomicU64::new(0),
            last_message_time_bits: AtomicU64::new(f64::NAN.to_bits()),
            inner: Mutex::new(Inner {
                rejected: BTreeMap::new(),
                state: ConnectionState::Connecting,
                connections: 0,
                silent_drops: 0,
                last_disconnect: None,
            }),
        }
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts received bytes.
    pub fn add_bytes(&self, n: u64) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
    }
    /// Counts one received message at wall-clock `now_s`.
    pub fn add_message(&self, now_s: f64) {
        self.messages.fetch_add(1, Ordering::Relaxed);
        self.last_message_time_bits
            .store(now_s.to_bits(), Ordering::Relaxed);
    }
    /// Counts one decoded message.
    pub fn add_decoded(&self) {
        self.decoded.fetch_add(1, Ordering::Relaxed);
    }
    /// Counts one reject under `reason`.
    pub fn add_rejected(&self, reason: &'static str) {
        self.add_rejected_n(reason, 1);
    }
    /// Counts `n` rejects under `reason`.
    pub fn add_rejected_n(&self, reason: &'static str, n: u64) {
        if n > 0 {
            *self.inner().rejected.entry(reason).or_insert(0) += n;
        }
    }
    /// Sets the connection state (counting a new connection on `Connected`).
    pub fn set_state(&self, state: ConnectionState) {
        let mut i = self.inner();
        if state == ConnectionState::Connected && i.state != ConnectionState::Connected {
            i.connections += 1;
        }
        i.state = state;
    }
    /// Records why a connection ended; `silent` counts it as dropped for silence.
    pub fn disconnected(&self, reason: impl Into<String>, silent: bool) {
        let mut i = self.inner();
        i.last_disconnect = Some(reason.into());
        if silent {
            i.silent_drops += 1;
        }
    }
    /// Counts an accepted feeder connection (listeners).
    pub fn add_connection(&self) {
        self.inner().connections += 1;
    }
    /// The current state.
    pub fn state(&self) -> ConnectionState {
        self.inner().state
    }
    /// Messages received so far.
    pub fn messages(&self) -> u64 {
        self.messages.load(Ordering::Relaxed)
    }
    /// Messages decoded so far.
    pub fn decoded(&self) -> u64 {
        self.decoded.load(Ordering::Relaxed)
    }
    /// Rejects so far, summed over reasons.
    pub fn rejected_total(&self) -> u64 {
        self.inner().rejected.values().sum()
    }

    /// A consistent-enough copy of every counter.
    pub fn snapshot(&self) -> FeedSnapshot {
        let i = self.inner();
        let t = f64::from_bits(self.last_message_time_bits.load(Ordering::Relaxed));
        FeedSnapshot {
            id: self.id.clone(),
            kind: self.kind.clone(),
            address: self.address.clone(),
            party: self.party.clone(),
            state: i.state,
            bytes: self.bytes.load(Ordering::Relaxed),
            messages: self.messages.load(Ordering::Relaxed),
            decoded: self.decoded.load(Ordering::Relaxed),
            rejected: i
                .rejected
                .iter()
                .map(|(k, v)| ((*k).to_string(), *v))
                .collect(),
            last_message_time: t.is_finite().then_some(t),
            connections: i.connections,
            silent_drops: i.silent_drops,
            last_disconnect: i.last_disconnect.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_serialises() {
        let s = FeedStats::new("f1", "sbs", "127.0.0.1:30003", Some("blue".into()));
        s.add_bytes(10);
        s.add_message(5.0);
        s.add_decoded();
        s.add_rejected("malformed");
        s.add_rejected("malformed");
        s.set_state(ConnectionState::Connected);
        let v = serde_json::to_value(s.snapshot()).unwrap();
        assert_eq!(v["state"], "connected");
        assert_eq!(v["rejected"]["malformed"], 2);
        assert_eq!(v["last_message_time"], 5.0);
        assert_eq!(v["connections"], 1);
    }
}
