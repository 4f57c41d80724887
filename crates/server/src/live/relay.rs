//! What arrives at one node only, passed to the cell's other nodes. Connect-mode feeds are read
//! by every node itself (a feed server sends the same stream to every client), but a
//! listen-mode feed connects to one node, and party telemetry is POSTed to one node. Those
//! observations, once this node accepted them (ownership, quotas and field limits checked
//! here), are kept in an outbox; every `cluster.relay_s` the outbox goes to the store as one
//! batch (`Store::relay_put`, one row of JSON), and the batches the other nodes wrote since
//! the last pass are read back (`Store::relay_after`, one indexed range read) and fed into this
//! node's ingest, as if they had arrived here. Batches older than `cluster.relay_keep_s` are
//! pruned by the leader.
//!
//! Why a table in the shared store rather than `LISTEN/NOTIFY` or node-to-node connections:
//! every node already has the store, so there is nothing more to configure, secure or discover
//! (no node addresses, no node credentials); a node that restarts or lags reads on from the
//! last batch it saw; it runs on CockroachDB as it is (which has no `LISTEN/NOTIFY`); and a
//! NOTIFY payload is limited to 8,000 bytes, far below one batch. Its cost is one insert per
//! node and one range read per node every `relay_s`, and the batches' bytes: about 200 bytes
//! per observation as JSON, so 20,000 relayed aircraft at 1 Hz are about 4 MB/s written once
//! and read once by each other node (see the README's figures). Only observations that need
//! it travel: connect-mode feeds never do.
//!
//! Enabled when the store is PostgreSQL (several nodes possible); a SQLite cell has one node
//! and relays nothing.

use crate::clock::Clock;
use crate::config::Config;
use crate::live::Live;
use deconflict_feeds::Observation;
use deconflict_store::Store;
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// Most batches read back in one pass.
const READ_BATCHES: usize = 64;

/// One observation on the relay (the feeds crate's [`Observation`], field by field).
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Wire {
    id: String,
    t: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    alt_ft: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gnss_ft: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gs_kt: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    trk_deg: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    vs_fpm: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cs: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sq: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gnd: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sel_ft: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fms_ft: Option<f64>,
    feed: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    party: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    own: bool,
}

fn to_wire(o: &Observation) -> Wire {
    Wire {
        id: o.id.clone(),
        t: o.time_s,
        lat: o.lat_deg,
        lon: o.lon_deg,
        alt_ft: o.alt_ft,
        gnss_ft: o.gnss_alt_ft,
        gs_kt: o.gs_kt,
        trk_deg: o.trk_deg,
        vs_fpm: o.vs_fpm,
        cs: o.callsign.clone(),
        sq: o.squawk.clone(),
        gnd: o.on_ground,
        sel_ft: o.selected_alt_ft,
        fms_ft: o.fms_selected_alt_ft,
        feed: o.feed.to_string(),
        party: o.party.as_deref().map(str::to_owned),
        own: o.own,
    }
}

fn from_wire(w: Wire) -> Observation {
    Observation {
        id: w.id,
        time_s: w.t,
        lat_deg: w.lat,
        lon_deg: w.lon,
        alt_ft: w.alt_ft,
        gnss_alt_ft: w.gnss_ft,
        gs_kt: w.gs_kt,
        trk_deg: w.trk_deg,
        vs_fpm: w.vs_fpm,
        callsign: w.cs,
        squawk: w.sq,
        on_ground: w.gnd,
        selected_alt_ft: w.sel_ft,
        fms_selected_alt_ft: w.fms_ft,
        feed: Arc::from(w.feed),
        party: w.party.map(Arc::from),
        own: w.own,
    }
}

/// A batch as stored.
fn encode(batch: &[Observation]) -> String {
    let wire: Vec<Wire> = batch.iter().map(to_wire).collect();
    serde_json::to_string(&wire).unwrap_or_else(|_| "[]".into())
}

/// A stored batch back, `None` when it is not a relay batch.
fn decode(states: &str) -> Option<Vec<Observation>> {
    let wire: Vec<Wire> = serde_json::from_str(states).ok()?;
    Some(wire.into_iter().map(from_wire).collect())
}

/// Turns the relay on and runs it for the server's life: each `cluster.relay_s`, the outbox
/// out as one batch, the other nodes' batches in.
pub async fn run(live: Arc<Live>, store: Arc<dyn Store>, config: Arc<Config>, clock: Clock) {
    live.relay.enable();
    let node = live.leadership.node().to_owned();
    // From the newest batch on: what was relayed before this node started is older than its
    // tracks would live.
    let mut after = {
        let st = store.clone();
        tokio::task::spawn_blocking(move || st.relay_head())
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or(0)
    };
    let mut tick = tokio::time::interval(Duration::from_secs_f64(config.cluster.relay_s));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_prune = 0.0;
    loop {
        tick.tick().await;
        let now = clock.now_s();
        let out = live.relay.take();
        let prune = live.leadership.is_leader() && now - last_prune >= config.cluster.relay_keep_s;
        if prune {
            last_prune = now;
        }
        let (st, node2, keep_s) = (store.clone(), node.clone(), config.cluster.relay_keep_s);
        let n_out = out.len() as u64;
        let pass = tokio::task::spawn_blocking(move || {
            let put = if out.is_empty() {
                Ok(0)
            } else {
                st.relay_put(&node2, now, &encode(&out))
            };
            let got = st.relay_after(after, &node2, READ_BATCHES);
            if prune {
                if let Err(e) = st.relay_prune(now - keep_s) {
                    tracing::warn!(error = %e, "cannot prune the relay");
                }
            }
            (put, got)
        })
        .await;
        let Ok((put, got)) = pass else { continue };
        match put {
            Ok(_) => {
                live.relay.sent.fetch_add(n_out, Ordering::Relaxed);
            }
            Err(e) => {
                live.relay.dropped.fetch_add(n_out, Ordering::Relaxed);
                tracing::warn!(error = %e, lost = n_out, "cannot relay observations to the other nodes");
            }
        }
        let batches = match got {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the other nodes' observations");
                continue;
            }
        };
        for b in batches {
            after = after.max(b.id);
            let Some(obs) = decode(&b.states) else {
                live.relay.bad.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(batch = b.id, node = %b.node, "a relayed batch that is not one");
                continue;
            };
            live.relay
                .received
                .fetch_add(obs.len() as u64, Ordering::Relaxed);
            for o in obs {
                if live.ingest.send(o).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// A listen-mode feed's observations, kept for the other nodes on their way to the ingest.
pub fn tap(live: Arc<Live>, max: usize) -> tokio::sync::mpsc::Sender<Observation> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Observation>(1024);
    tokio::spawn(async move {
        while let Some(o) = rx.recv().await {
            live.relay.keep(&o, max);
            if live.ingest.send(o).await.is_err() {
                return;
            }
        }
    });
    tx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_observation_crosses_the_relay_unchanged() {
        let mut o = Observation::new("BLU001", 1_700_000_000.25, Arc::from("telemetry-blue"));
        o.lat_deg = Some(36.5);
        o.lon_deg = Some(37.25);
        o.alt_ft = Some(25_000.0);
        o.gs_kt = Some(450.0);
        o.trk_deg = Some(90.0);
        o.vs_fpm = Some(-500.0);
        o.callsign = Some("VIPER11".into());
        o.squawk = Some("4521".into());
        o.on_ground = Some(false);
        o.selected_alt_ft = Some(24_000.0);
        o.party = Some(Arc::from("blue"));
        o.own = true;
        let bare = Observation::new("4840D6", 5.0, Arc::from("civil-listen"));
        let text = encode(&[o.clone(), bare.clone()]);
        assert_eq!(decode(&text), Some(vec![o, bare]));
        assert!(
            text.len() < 400,
            "compact: {} bytes for two states",
            text.len()
        );
        assert_eq!(decode("not json"), None);
        assert_eq!(
            decode(r#"[{"id":"X"}]"#),
            None,
            "a state without time or feed"
        );
    }
}
