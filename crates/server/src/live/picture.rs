//! The picture cycle: expires silent tracks, builds the picture (each track serialised once)
//! and one delta frame per viewer, off the async threads; publishes them; applies retention.

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::parties::Directory;
use crate::domain::picture::{view_of, Picture, TrackView};
use crate::domain::policy::Viewer;
use crate::live::{Live, StreamEvent, ViewerDelta};
use crate::wire;
use axum::extract::ws::Utf8Bytes;
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
    let mut prev: HashMap<Viewer, HashMap<String, f64>> = HashMap::new();
    let mut interval = tokio::time::interval(Duration::from_secs_f64(config.cycle_s));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_purge = Instant::now();
    loop {
        interval.tick().await;
        let started = Instant::now();
        let now = clock.now_s();
        let (l, d) = (live.clone(), directory.clone());
        let built = tokio::task::spawn_blocking(move || {
            let views: Vec<TrackView> = {
                let mut t = l.table.lock().unwrap_or_else(|e| e.into_inner());
                t.expire(now);
                t.tracks().filter_map(view_of).collect()
            };
            let picture = Arc::new(Picture::new(now, views));
            let frames = delta_frames(&picture, &d, &mut prev, now);
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
        live.publish(StreamEvent::Cycle {
            time: now,
            picture,
            frames,
        });
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

/// One delta per viewer (everyone-seeing roles, and each party) against what that viewer was
/// sent last cycle (`prev`, updated): its `{"type":"delta",…}` frame, and the upserted tracks'
/// indices and removed ids a binary stream encodes.
fn delta_frames(
    picture: &Picture,
    directory: &Directory,
    prev: &mut HashMap<Viewer, HashMap<String, f64>>,
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
        let mut now_visible: HashMap<String, f64> = HashMap::with_capacity(before.len());
        let mut upserts: Vec<&str> = Vec::new();
        let mut upsert: Vec<u32> = Vec::new();
        for t in picture.visible(&v, directory) {
            if before.get(&t.view.id) != Some(&t.view.last_update) {
                upserts.push(&t.json);
                if let Some(&i) = picture.index.get(&t.view.id) {
                    upsert.push(i as u32);
                }
            }
            now_visible.insert(t.view.id.clone(), t.view.last_update);
        }
        let removes: Vec<&String> = before
            .keys()
            .filter(|id| !now_visible.contains_key(*id))
            .collect();
        let text = wire::delta(now, &upserts, &removes);
        let delta = ViewerDelta {
            json: Utf8Bytes::from(text),
            upsert,
            remove: removes.into_iter().cloned().collect(),
        };
        frames.insert(v.clone(), delta);
        prev.insert(v, now_visible);
    }
    frames
}
