//! Where observations come from: configured TCP feeds and the built-in demo traffic.
//!
//! Configured feeds are read line by line (SBS-1) with per-feed counters, reconnecting with
//! exponential back-off (`connect`) or accepting connections (`listen`). The demo traffic is a
//! scripted scenario over northern Syria: two coalitions on patrol orbits, civil traffic on
//! the airways above, and a head-on cross-party encounter (blue `VIPER11` against red
//! `FALCON21` at FL250) that becomes a warning about 100 s after each start of the script,
//! repeated every 6 minutes.

use crate::config::{FeedConfig, FeedKind, FeedMode};
use crate::live::{now_s, Live};
use deconflict_feeds::counters::{ConnectionState, FeedStats};
use deconflict_feeds::Observation;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// Starts one task per configured feed.
pub fn spawn_feeds(feeds: &[FeedConfig], live: &Arc<Live>) {
    for f in feeds {
        let stats = Arc::new(FeedStats::new(
            f.id.clone(),
            f.kind.as_str(),
            f.address.clone(),
            f.party.clone(),
        ));
        live.add_feed(stats.clone());
        let (f, live) = (f.clone(), live.clone());
        tokio::spawn(async move {
            if f.kind != FeedKind::Sbs {
                tracing::error!(feed = %f.id, kind = f.kind.as_str(), "this build reads only sbs feeds; feed not started");
                stats.set_state(ConnectionState::Ended);
                return;
            }
            match f.mode {
                FeedMode::Connect => connect_loop(f, stats, live).await,
                FeedMode::Listen => listen_loop(f, stats, live).await,
            }
        });
    }
}

async fn connect_loop(f: FeedConfig, stats: Arc<FeedStats>, live: Arc<Live>) {
    let mut backoff = Duration::from_millis(500);
    loop {
        stats.set_state(ConnectionState::Connecting);
        match tokio::net::TcpStream::connect(&f.address).await {
            Ok(sock) => {
                stats.set_state(ConnectionState::Connected);
                stats.add_connection();
                backoff = Duration::from_millis(500);
                read_sbs(sock, &f, &stats, &live).await;
            }
            Err(e) => tracing::warn!(feed = %f.id, error = %e, "cannot connect"),
        }
        stats.set_state(ConnectionState::Backoff);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

async fn listen_loop(f: FeedConfig, stats: Arc<FeedStats>, live: Arc<Live>) {
    let listener = match tokio::net::TcpListener::bind(&f.address).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(feed = %f.id, error = %e, "cannot listen");
            stats.set_state(ConnectionState::Ended);
            return;
        }
    };
    stats.set_state(ConnectionState::Listening);
    loop {
        match listener.accept().await {
            Ok((sock, _)) => {
                stats.add_connection();
                stats.set_state(ConnectionState::Connected);
                let (f, stats, live) = (f.clone(), stats.clone(), live.clone());
                tokio::spawn(async move {
                    read_sbs(sock, &f, &stats, &live).await;
                    stats.set_state(ConnectionState::Listening);
                });
            }
            Err(e) => {
                tracing::warn!(feed = %f.id, error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

/// Reads SBS-1 lines into the ingest channel until EOF.
pub async fn read_sbs<R: AsyncRead + Unpin>(r: R, f: &FeedConfig, stats: &FeedStats, live: &Live) {
    let feed: Arc<str> = Arc::from(f.id.as_str());
    let party: Option<Arc<str>> = f.party.as_deref().map(Arc::from);
    let mut lines = BufReader::new(r).lines();
    loop {
        let line = match lines.next_line().await {
            Ok(Some(l)) => l,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(feed = %f.id, error = %e, "read failed");
                return;
            }
        };
        stats.add_bytes(line.len() as u64 + 1);
        stats.add_message(now_s());
        match deconflict_feeds::sbs::parse_line(&line, &feed) {
            Ok(mut o) => {
                stats.add_decoded();
                if let Some(p) = &party {
                    o.party = Some(p.clone());
                    o.own = true;
                }
                if live.ingest.send(o).await.is_err() {
                    return;
                }
            }
            Err(e) => stats.add_rejected(e.reason()),
        }
    }
}

/// One scripted aircraft: a start point and a constant velocity, or an orbit.
struct Script {
    id: &'static str,
    callsign: &'static str,
    party: Option<&'static str>,
    lat_deg: f64,
    lon_deg: f64,
    alt_ft: f64,
    gs_kt: f64,
    trk_deg: f64,
    /// Orbit radius, nautical miles (0 = straight line).
    orbit_nm: f64,
}

const DEMO: &[Script] = &[
    // The scripted cross-party encounter, head on at FL250, 48 NM apart at the start.
    Script {
        id: "B10001",
        callsign: "VIPER11",
        party: Some("blue"),
        lat_deg: 36.20,
        lon_deg: 36.60,
        alt_ft: 25_000.0,
        gs_kt: 480.0,
        trk_deg: 90.0,
        orbit_nm: 0.0,
    },
    Script {
        id: "R20001",
        callsign: "FALCON21",
        party: Some("red"),
        lat_deg: 36.20,
        lon_deg: 37.60,
        alt_ft: 25_000.0,
        gs_kt: 480.0,
        trk_deg: 270.0,
        orbit_nm: 0.0,
    },
    // Patrols.
    Script {
        id: "B10002",
        callsign: "VIPER12",
        party: Some("blue"),
        lat_deg: 36.80,
        lon_deg: 36.90,
        alt_ft: 22_000.0,
        gs_kt: 420.0,
        trk_deg: 0.0,
        orbit_nm: 15.0,
    },
    Script {
        id: "B10003",
        callsign: "HAWK31",
        party: Some("blue"),
        lat_deg: 36.55,
        lon_deg: 37.30,
        alt_ft: 18_000.0,
        gs_kt: 380.0,
        trk_deg: 0.0,
        orbit_nm: 12.0,
    },
    Script {
        id: "B10004",
        callsign: "TANKER41",
        party: Some("blue"),
        lat_deg: 35.90,
        lon_deg: 36.20,
        alt_ft: 28_000.0,
        gs_kt: 330.0,
        trk_deg: 0.0,
        orbit_nm: 25.0,
    },
    Script {
        id: "R20002",
        callsign: "FALCON22",
        party: Some("red"),
        lat_deg: 36.60,
        lon_deg: 38.40,
        alt_ft: 21_000.0,
        gs_kt: 430.0,
        trk_deg: 0.0,
        orbit_nm: 14.0,
    },
    Script {
        id: "R20003",
        callsign: "EAGLE51",
        party: Some("red"),
        lat_deg: 36.00,
        lon_deg: 38.60,
        alt_ft: 16_000.0,
        gs_kt: 360.0,
        trk_deg: 0.0,
        orbit_nm: 10.0,
    },
    Script {
        id: "R20004",
        callsign: "EAGLE52",
        party: Some("red"),
        lat_deg: 36.95,
        lon_deg: 38.00,
        alt_ft: 26_000.0,
        gs_kt: 400.0,
        trk_deg: 0.0,
        orbit_nm: 18.0,
    },
    // Civil traffic on the airways above.
    Script {
        id: "4B1805",
        callsign: "THY6LP",
        party: None,
        lat_deg: 37.10,
        lon_deg: 35.20,
        alt_ft: 37_000.0,
        gs_kt: 470.0,
        trk_deg: 100.0,
        orbit_nm: 0.0,
    },
    Script {
        id: "710108",
        callsign: "SVA732",
        party: None,
        lat_deg: 35.40,
        lon_deg: 39.50,
        alt_ft: 39_000.0,
        gs_kt: 490.0,
        trk_deg: 290.0,
        orbit_nm: 0.0,
    },
    Script {
        id: "896457",
        callsign: "UAE5KN",
        party: None,
        lat_deg: 34.90,
        lon_deg: 38.80,
        alt_ft: 35_000.0,
        gs_kt: 480.0,
        trk_deg: 330.0,
        orbit_nm: 0.0,
    },
    Script {
        id: "738047",
        callsign: "ELY2TA",
        party: None,
        lat_deg: 36.70,
        lon_deg: 35.00,
        alt_ft: 33_000.0,
        gs_kt: 450.0,
        trk_deg: 80.0,
        orbit_nm: 0.0,
    },
    Script {
        id: "06A1E3",
        callsign: "QTR8TC",
        party: None,
        lat_deg: 37.40,
        lon_deg: 40.10,
        alt_ft: 38_000.0,
        gs_kt: 500.0,
        trk_deg: 250.0,
        orbit_nm: 0.0,
    },
];

/// Length of one run of the script, seconds.
const DEMO_PERIOD_S: f64 = 360.0;

/// Position after `t_s` seconds of flight, flat-earth (ample for a few hundred NM demo).
fn fly(s: &Script, t_s: f64) -> (f64, f64, f64) {
    let nm_per_deg_lat = 60.0;
    let nm_per_deg_lon = 60.0 * s.lat_deg.to_radians().cos();
    if s.orbit_nm > 0.0 {
        // Clockwise circle around the start point; angular rate from the speed.
        let w = s.gs_kt / 3600.0 / s.orbit_nm; // rad/s
        let a = w * t_s;
        let lat = s.lat_deg + s.orbit_nm * a.cos() / nm_per_deg_lat;
        let lon = s.lon_deg + s.orbit_nm * a.sin() / nm_per_deg_lon;
        let trk = (a.to_degrees() + 90.0).rem_euclid(360.0);
        (lat, lon, trk)
    } else {
        let d_nm = s.gs_kt * t_s / 3600.0;
        let lat = s.lat_deg + d_nm * s.trk_deg.to_radians().cos() / nm_per_deg_lat;
        let lon = s.lon_deg + d_nm * s.trk_deg.to_radians().sin() / nm_per_deg_lon;
        (lat, lon, s.trk_deg)
    }
}

/// Starts the demo traffic (1 Hz) feeding `live`.
pub fn spawn_demo(live: &Arc<Live>) {
    let stats = Arc::new(FeedStats::new("demo-sim", "sim", "in-process", None));
    stats.set_state(ConnectionState::Connected);
    live.add_feed(stats.clone());
    let live = live.clone();
    tokio::spawn(async move {
        let start = now_s();
        let feed: Arc<str> = Arc::from("demo-sim");
        let parties: Vec<Option<Arc<str>>> = DEMO.iter().map(|s| s.party.map(Arc::from)).collect();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            let now = now_s();
            let t = (now - start) % DEMO_PERIOD_S;
            for (s, party) in DEMO.iter().zip(&parties) {
                let (lat, lon, trk) = fly(s, t);
                let mut o = Observation::new(s.id, now, feed.clone());
                o.lat_deg = Some(lat);
                o.lon_deg = Some(lon);
                o.alt_ft = Some(s.alt_ft);
                o.gs_kt = Some(s.gs_kt);
                o.trk_deg = Some(trk);
                o.vs_fpm = Some(0.0);
                o.callsign = Some(s.callsign.to_owned());
                o.on_ground = Some(false);
                o.party = party.clone();
                o.own = party.is_some();
                stats.add_message(now);
                stats.add_decoded();
                if live.ingest.send(o).await.is_err() {
                    return;
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripted_encounter_closes_head_on() {
        let (b, r) = (&DEMO[0], &DEMO[1]);
        let gap = |t: f64| {
            let (la, lo, _) = fly(b, t);
            let (lb, lob, _) = fly(r, t);
            crate::policy::distance_nm(
                crate::policy::Position {
                    lat_deg: la,
                    lon_deg: lo,
                    alt_ft: 0.0,
                },
                crate::policy::Position {
                    lat_deg: lb,
                    lon_deg: lob,
                    alt_ft: 0.0,
                },
            )
        };
        assert!(gap(0.0) > 40.0);
        // Within 5 NM before the two-minute mark plus a minute of warning: the warning
        // (t_in <= 60 s) starts well within the first two minutes.
        let t_loss = (0..400).map(f64::from).find(|t| gap(*t) < 5.0).unwrap();
        assert!(t_loss - 60.0 < 120.0, "loss at {t_loss} s");
        assert!(t_loss > 60.0);
    }
}
