//! The picture cycle: expires silent tracks, builds the picture (each track serialised once)
//! and one delta frame per viewer, off the async threads; publishes them; applies retention.

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::parties::Directory;
use crate::domain::picture::{view_of, Picture, TrackView};
use crate::domain::policy::Viewer;
use crate::live::{Live, StreamEvent, ViewerDelta};
use crate::metrics::Metrics;
use crate::wire;
use axum::extract::ws::Utf8Bytes;
use compact_str::CompactString;
use deconflict_feeds::track::TrackTable;
use deconflict_store::{Role, Store};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often retention runs, seconds.
pub const RETENTION_PERIOD_S: u64 = 60;

/// The picture cycle: expires silent tracks, builds the picture (each track serialised once)
/// and one delta frame per viewer, off the async threads; publishes them; applies retention.
pub async fn run(
    live: Arc<Live>,
    store: Arc<dyn Store>,
    directory: Arc<Directory>,
    config: Arc<Config>,
    clock: Clock,
) {
    let mut prev: HashMap<Viewer, Sent> = HashMap::new();
    let mut interval = tokio::time::interval(Duration::from_secs_f64(config.cycle_s));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_purge = Instant::now();
    loop {
        interval.tick().await;
        let started = Instant::now();
        let now = clock.now_s();
        let (l, d) = (live.clone(), directory.clone());
        let built = tokio::task::spawn_blocking(move || {
            let mut phases = l.metrics.phases("picture");
            let views = views(&mut l.table.lock().unwrap_or_else(|e| e.into_inner()), now);
            phases.lap("views");
            let (picture, frames) = build(views, now, &d, &mut prev, &l.metrics);
            (picture, frames, prev)
        })
        .await;
        let (picture, frames) = match built {
            Ok((picture, frames, p)) => {
                prev = p;
                (picture, frames)
            }
            Err(e) => {
                // The previous frames are lost with the task: clients get full upserts next.
                tracing::error!(error = %e, "picture task failed");
                prev = HashMap::new();
                continue;
            }
        };
        live.metrics.set_tracks(picture.tracks.len() as u64);
        *live.picture.write().unwrap_or_else(|e| e.into_inner()) = picture.clone();
        let mut phases = live.metrics.phases("picture");
        live.publish(StreamEvent::Cycle {
            time: now,
            picture,
            frames,
        });
        phases.lap("publish");
        // Retention, once a minute.
        if last_purge.elapsed() > Duration::from_secs(RETENTION_PERIOD_S) {
            last_purge = Instant::now();
            let keep = config.retention.recent_cleared_s.max(0.0);
            live.alerts
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|_, a| a.cleared_at.is_none_or(|c| now - c < keep));
            let before = now - config.retention.cleared_alerts_s;
            let s = store.clone();
            if live.leadership.is_leader() {
                let _ = tokio::task::spawn_blocking(move || s.purge_alerts("system", before)).await;
            }
        }
        live.metrics.cycle_done(started.elapsed().as_secs_f64());
    }
}

/// Expires the table's silent tracks and takes the views of the rest (the only part of a
/// picture cycle that needs the table, so the caller holds its lock for this alone).
pub fn views(table: &mut TrackTable, now: f64) -> Vec<TrackView> {
    table.expire(now);
    let mut views = Vec::with_capacity(table.len());
    views.extend(table.tracks().filter_map(view_of));
    views
}

/// One picture cycle's work after [`views`], without I/O: the picture (each track serialised
/// once) and one delta frame per viewer against `prev` (updated). The time of each phase goes
/// to `metrics` (`deconflict_cycle_phase_seconds_total{cycle="picture"}`).
pub fn build(
    views: Vec<TrackView>,
    now: f64,
    directory: &Directory,
    prev: &mut HashMap<Viewer, Sent>,
    metrics: &Metrics,
) -> (Arc<Picture>, HashMap<Viewer, ViewerDelta>) {
    let mut phases = metrics.phases("picture");
    let picture = Arc::new(Picture::new(now, views));
    phases.lap("serialise");
    let frames = delta_frames(&picture, directory, prev, now);
    phases.lap("deltas");
    (picture, frames)
}

/// What one viewer was sent: each visible track's last update, by id (inline ids and a fast
/// hash: the picture cycle looks up and records every visible track for every viewer).
pub type Sent = HashMap<CompactString, f64, foldhash::fast::RandomState>;

/// One delta per viewer (everyone-seeing roles, and each party) against what that viewer was
/// sent last cycle (`prev`, updated): its `{"type":"delta",…}` frame, and the upserted tracks'
/// indices and removed ids a binary stream encodes.
fn delta_frames(
    picture: &Picture,
    directory: &Directory,
    prev: &mut HashMap<Viewer, Sent>,
    now: f64,
) -> HashMap<Viewer, ViewerDelta> {
    let mut viewers: Vec<Viewer> = vec![Viewer::All];
    for p in directory.parties() {
        if p.role == Role::Party {
            viewers.push(Viewer::Party(p.id));
        }
    }
    prev.retain(|v, _| viewers.contains(v));
    let mut frames = HashMap::new();
    for v in viewers {
        let before = prev.remove(&v).unwrap_or_default();
        let mut now_visible: Sent =
            HashMap::with_capacity_and_hasher(before.len(), Default::default());
        let mut upserts: Vec<&str> = Vec::with_capacity(picture.tracks.len());
        let mut upsert: Vec<u32> = Vec::with_capacity(picture.tracks.len());
        for (i, t) in picture.visible_indexed(&v, directory) {
            let id = t.view.id.as_str();
            if before.get(id) != Some(&t.view.last_update) {
                upserts.push(&t.json);
                upsert.push(i as u32);
            }
            now_visible.insert(CompactString::from(id), t.view.last_update);
        }
        let removes: Vec<String> = before
            .keys()
            .filter(|id| !now_visible.contains_key(*id))
            .map(|id| id.to_string())
            .collect();
        let text = wire::delta(now, &upserts, &removes);
        let delta = ViewerDelta {
            json: Utf8Bytes::from(text),
            upsert,
            remove: removes,
        };
        frames.insert(v.clone(), delta);
        prev.insert(v, now_visible);
    }
    frames
}
