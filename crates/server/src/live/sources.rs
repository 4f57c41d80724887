//! Where observations come from: configured feeds (through `deconflict_feeds::connect`) and,
//! in demo mode, the in-process `syria` scenario of `deconflict_feeds::sim` plus a bundled
//! real recording replayed in a loop, time-shifted to now.
//!
//! The demo scenario's scripted cross-party encounter (blue `VIPER11` against red `SOKOL21`
//! at FL250) is a caution from the start and a warning after about 37 s; the scenario is
//! restarted every [`DEMO_RESTART_S`] so the encounter repeats.
//!
//! A civil ADS-B receiver (`demo-adsb`) also hears blue's `EAGLE31` ([`DEMO_DRIFT_ID`]),
//! which blue reports as its own: from [`DEMO_DRIFT_FROM_S`] into the scenario blue's
//! navigator drifts south, its reports reach 2.5 NM off where the receiver hears the aircraft,
//! and the cell raises a position discrepancy to blue and the cell.

use crate::clock::Clock;
use crate::config::{FeedConfig, FeedKind, FeedMode};
use crate::live::{relay, Live};
use deconflict_feeds::connect::{run_tcp_client, run_tcp_listener, Backoff, FeedSpec};
use deconflict_feeds::counters::{ConnectionState, FeedStats};
use deconflict_feeds::sim::{Scenario, Simulator};
use deconflict_feeds::source::Format;
use deconflict_feeds::Observation;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

/// The demo scenario restarts after this many seconds.
pub const DEMO_RESTART_S: f64 = 900.0;
/// Aircraft in the demo scenario (scripted ones plus civil background).
pub const DEMO_AIRCRAFT: usize = 80;

/// The demo aircraft whose own reports drift from what civil ADS-B hears of it.
pub const DEMO_DRIFT_ID: &str = "AE1011";
/// Seconds into the scenario when its navigator starts to drift.
pub const DEMO_DRIFT_FROM_S: f64 = 60.0;
/// Its drift grows at this rate, NM per second, up to [`DEMO_DRIFT_MAX_NM`].
const DEMO_DRIFT_NM_PER_S: f64 = 0.05;
/// The largest drift, NM.
const DEMO_DRIFT_MAX_NM: f64 = 2.5;

/// How far south blue's reports of [`DEMO_DRIFT_ID`] are, `t_s` into the scenario, degrees
/// of latitude.
fn demo_drift_deg(t_s: f64) -> f64 {
    let nm = ((t_s - DEMO_DRIFT_FROM_S) * DEMO_DRIFT_NM_PER_S).clamp(0.0, DEMO_DRIFT_MAX_NM);
    nm / 60.0
}

/// The bundled recording (see `crates/server/demo/README.md`).
const PARIS_EXCERPT: &[u8] = include_bytes!("../../demo/paris_excerpt.json.gz");

/// Starts one task per configured feed.
pub fn spawn_feeds(feeds: &[FeedConfig], live: &Arc<Live>, relay_max: usize) {
    for f in feeds {
        let stats = Arc::new(FeedStats::new(
            f.id.clone(),
            f.kind.as_str(),
            f.address.clone(),
            f.party.clone(),
        ));
        live.add_feed(stats.clone());
        let format = match f.kind {
            FeedKind::Sbs => Format::Sbs,
            FeedKind::Beast => Format::Beast,
            FeedKind::Avr => Format::Avr,
        };
        let spec = FeedSpec {
            id: f.id.clone(),
            party: f.party.clone(),
            format,
            reference: f.reference_deg.map(|[lat, lon]| (lat, lon)),
            silent_after_s: (f.silent_after_s > 0.0).then_some(f.silent_after_s),
        };
        // A listen-mode feed reaches this node alone: its observations are relayed to the
        // other nodes (a connect-mode feed is read by every node itself).
        let tx = match f.mode {
            FeedMode::Listen => relay::tap(live.clone(), relay_max),
            FeedMode::Connect => live.ingest.clone(),
        };
        let f = f.clone();
        tokio::spawn(async move {
            match f.mode {
                FeedMode::Connect => {
                    run_tcp_client(spec, f.address.clone(), Backoff::default(), stats, tx).await
                }
                FeedMode::Listen => match tokio::net::TcpListener::bind(&f.address).await {
                    Ok(l) => run_tcp_listener(spec, l, stats, tx).await,
                    Err(e) => {
                        tracing::error!(feed = %f.id, address = %f.address, error = %e, "cannot listen for the feed");
                        stats.set_state(ConnectionState::Ended);
                    }
                },
            }
        });
    }
}

/// Civil aircraft belong to no party.
fn unowned_civil(mut o: Observation) -> Observation {
    if o.party.as_deref() == Some("civil") {
        o.party = None;
        o.own = false;
    }
    o
}

/// Starts the demo traffic: the `syria` scenario at 1 Hz and the Paris recording.
pub fn spawn_demo(live: &Arc<Live>, clock: &Clock) {
    let clock = clock.clone();
    let recording_clock = clock.clone();
    let stats = Arc::new(FeedStats::new("demo-syria", "sim", "in-process", None));
    stats.set_state(ConnectionState::Connected);
    live.add_feed(stats.clone());
    let adsb = Arc::new(FeedStats::new("demo-adsb", "sim", "in-process", None));
    adsb.set_state(ConnectionState::Connected);
    live.add_feed(adsb.clone());
    let adsb_feed: Arc<str> = Arc::from("demo-adsb");
    let l = live.clone();
    tokio::spawn(async move {
        let mut started = clock.now_s();
        let mut sim =
            Simulator::new(DEMO_AIRCRAFT, 1, Scenario::Syria, started).with_feed_id("demo-syria");
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            let now = clock.now_s();
            if now - started > DEMO_RESTART_S {
                started = now;
                sim = Simulator::new(DEMO_AIRCRAFT, 1, Scenario::Syria, started)
                    .with_feed_id("demo-syria");
            }
            for mut o in sim.step(now) {
                stats.add_message(now);
                stats.add_decoded();
                if o.id == DEMO_DRIFT_ID && o.own {
                    // The receiver hears where it is; blue reports where its navigator says.
                    let heard = Observation {
                        feed: adsb_feed.clone(),
                        party: None,
                        own: false,
                        ..o.clone()
                    };
                    adsb.add_message(now);
                    adsb.add_decoded();
                    if l.ingest.send(heard).await.is_err() {
                        return;
                    }
                    o.lat_deg = o.lat_deg.map(|lat| lat - demo_drift_deg(now - started));
                }
                if l.ingest.send(unowned_civil(o)).await.is_err() {
                    return;
                }
            }
        }
    });
    spawn_recording(live, recording_clock);
}

#[derive(Deserialize)]
struct RecordedState {
    timestamp: f64,
    icao24: String,
    callsign: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    altitude: Option<f64>,
    groundspeed: Option<f64>,
    track: Option<f64>,
    vertical_rate: Option<f64>,
    onground: Option<bool>,
    squawk: Option<String>,
}

fn load_recording() -> Result<Vec<RecordedState>, String> {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(PARIS_EXCERPT), &mut text)
        .map_err(|e| e.to_string())?;
    let mut v: Vec<RecordedState> = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    v.sort_by(|a, b| a.timestamp.total_cmp(&b.timestamp));
    Ok(v)
}

fn spawn_recording(live: &Arc<Live>, clock: Clock) {
    let states = match load_recording() {
        Ok(s) if !s.is_empty() => s,
        Ok(_) => return,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the bundled recording");
            return;
        }
    };
    let stats = Arc::new(FeedStats::new(
        "demo-paris-recording",
        "states-json",
        "bundled",
        None,
    ));
    stats.set_state(ConnectionState::Connected);
    live.add_feed(stats.clone());
    let live = live.clone();
    tokio::spawn(async move {
        let feed: Arc<str> = Arc::from("demo-paris-recording");
        let first_s = states[0].timestamp / 1000.0;
        let last_s = states[states.len() - 1].timestamp / 1000.0;
        loop {
            // Each pass is shifted so that the recording's first instant is now.
            let shift_s = clock.now_s() - first_s;
            for s in &states {
                let t = s.timestamp / 1000.0 + shift_s;
                let wait = t - clock.now_s();
                if wait > 0.0 {
                    tokio::time::sleep(Duration::from_secs_f64(wait)).await;
                }
                let mut o = Observation::new(s.icao24.to_uppercase(), t, feed.clone());
                o.lat_deg = s.latitude;
                o.lon_deg = s.longitude;
                o.alt_ft = s.altitude;
                o.gs_kt = s.groundspeed;
                o.trk_deg = s.track;
                o.vs_fpm = s.vertical_rate;
                o.on_ground = s.onground;
                o.callsign = s
                    .callsign
                    .as_ref()
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty());
                o.squawk = s.squawk.clone();
                stats.add_message(t);
                stats.add_decoded();
                if live.ingest.send(o).await.is_err() {
                    return;
                }
            }
            // Pause between passes for as long as tracks take to drop, so the loop restarts
            // cleanly rather than jumping aircraft back to their first positions.
            let _ = last_s;
            tokio::time::sleep(Duration::from_secs(70)).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_recording_loads() {
        let s = load_recording().unwrap();
        assert!(s.len() > 5000);
        assert!(s.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
    }

    #[test]
    fn civil_traffic_has_no_owner() {
        let mut o = Observation::new("ABC123", 0.0, Arc::from("x"));
        o.party = Some(Arc::from("civil"));
        assert_eq!(unowned_civil(o).party, None);
    }
}
