//! The WebSocket stream `/api/v1/stream`: a snapshot, then per-cycle deltas, alert events and
//! messages, filtered by the viewer's rights.
//!
//! Each client reads the shared `broadcast` channel, whose capacity
//! (`limits.ws_queue_frames`) is the client's bounded queue. A client that falls behind gets
//! `Lagged` and is resynchronised with a fresh snapshot; a client whose socket does not take a
//! frame within `limits.ws_send_timeout_s` is dropped. Neither ever blocks the engine cycle or
//! other clients: the sender never waits.
//!
//! # Revocation
//! A stream authenticates once, at the upgrade, but lives for hours, so its token is
//! re-checked while it is open: before each frame, when the directory's generation moved
//! since the last check (one atomic load; the directory is updated before
//! `DELETE /api/v1/tokens/{id}` answers, so no frame leaves after the revocation's response),
//! and every [`REVOCATION_CHECK_S`] even when no frame is due. A revoked token (or a removed
//! party) gets a close frame with code 1008 (policy violation) and the reason
//! `token revoked` (`party removed`), and the connection ends. Tokens do not expire; only
//! revocation ends them.

use crate::domain::alerts::sorted_alerts;
use crate::domain::guidance::of_conflict;
use crate::domain::parties::Caller;
use crate::domain::parties::{AuthError, Directory};
use crate::domain::policy::{self, message_visible, Viewer};
use crate::error::ApiError;
use crate::http::extract::ApiQuery;
use crate::http::state::AppState;
use crate::live::StreamEvent;
use crate::metrics::Metrics;
use crate::wire;
use crate::wire::binary::{self, Handles};
use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use deconflict_store::AlertRecord;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// Largest message a client may send, bytes (clients only close the socket).
pub const MAX_CLIENT_MESSAGE_BYTES: usize = 64 * 1024;

/// How often an idle stream re-checks its token, seconds (a frame checks it at once).
pub const REVOCATION_CHECK_S: f64 = 0.25;

/// WebSocket close code "policy violation" (RFC 6455 §7.4.1), sent when the token is revoked.
pub const CLOSE_POLICY_VIOLATION: u16 = 1008;

/// Whether a stream's token still holds: re-checked only when the directory changed.
struct TokenWatch {
    seen: u64,
}

impl TokenWatch {
    /// A watch whose first check looks the token up (it may have been revoked since the
    /// upgrade was authenticated).
    fn new() -> TokenWatch {
        TokenWatch { seen: u64::MAX }
    }

    /// The reason to close the stream, if its token no longer authenticates.
    fn revoked(&mut self, d: &Directory, token_id: &str) -> Option<&'static str> {
        let g = d.generation();
        if g == self.seen {
            return None;
        }
        match d.still_valid(token_id) {
            Ok(()) => {
                self.seen = g;
                None
            }
            Err(AuthError::PartyGone(_)) => Some("party removed"),
            Err(_) => Some("token revoked"),
        }
    }
}

/// `GET /api/v1/stream`.
pub async fn stream(
    State(s): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<StreamQuery>,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let picture = !either("picture", q.picture.as_deref(), "full", "none")?;
    let binary = either("encoding", q.encoding.as_deref(), "json", "binary")?;
    let batched = either("alerts", q.alerts.as_deref(), "each", "batched")?;
    let how = Encoding { binary, batched };
    Ok(ws
        .max_message_size(MAX_CLIENT_MESSAGE_BYTES)
        .on_upgrade(move |socket| client(s, c, socket, picture, how)))
}

/// A two-valued query parameter: false for `default` (or none), true for `other`, 400 for
/// anything else, naming both.
fn either(name: &str, value: Option<&str>, default: &str, other: &str) -> Result<bool, ApiError> {
    match value {
        None => Ok(false),
        Some(v) if v == default => Ok(false),
        Some(v) if v == other => Ok(true),
        Some(v) => Err(ApiError::bad_request(format!(
            "{name}={v:?}: use \"{default}\" (default) or \"{other}\""
        ))),
    }
}

/// Query of the stream.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// The bearer token (browsers cannot set headers on a WebSocket).
    #[serde(default, rename = "token")]
    #[param(value_type = Option<String>)]
    pub _token: Option<serde::de::IgnoredAny>,
    /// `full` (default): snapshot tracks and per-cycle deltas; `none`: alerts and messages only.
    #[serde(default)]
    pub picture: Option<String>,
    /// `json` (default): every frame JSON text; `binary`: the snapshot's and the deltas'
    /// aircraft as binary messages (raw DEFLATE, docs/api.md "Binary picture").
    #[serde(default)]
    pub encoding: Option<String>,
    /// `each` (default): one `alert` frame per alert event; `batched`: the alert events of one
    /// alert cycle in one `{"type":"alerts","frames":[…]}` frame.
    #[serde(default)]
    pub alerts: Option<String>,
}

/// How a stream's frames are encoded, as the client negotiated.
#[derive(Debug, Clone, Copy)]
struct Encoding {
    /// The picture's aircraft as binary messages.
    binary: bool,
    /// One frame for each alert cycle's alert events.
    batched: bool,
}

/// The snapshot's frames: JSON text, then (a binary stream with the picture, `handles` reset)
/// the binary picture.
async fn snapshot_frames(
    s: &AppState,
    v: &Viewer,
    picture: bool,
    handles: &mut Option<Handles>,
) -> Option<(f64, Vec<WsMessage>)> {
    let (pic, text) = snapshot(s, v, picture, handles.is_some());
    let Some(h) = handles.take() else {
        return Some((pic.time, vec![WsMessage::Text(text)]));
    };
    let (v, dir) = (v.clone(), s.directory.clone());
    let (h, bytes) = tokio::task::spawn_blocking(move || {
        let mut h = h;
        let views = pic.visible(&v, &dir).map(|t| &t.view);
        let bytes = binary::snapshot(&mut h, pic.time, views);
        (h, (pic.time, bytes))
    })
    .await
    .ok()?;
    *handles = Some(h);
    Some((
        bytes.0,
        vec![WsMessage::Text(text), WsMessage::Binary(bytes.1.into())],
    ))
}

/// A binary stream's delta of a picture cycle (`None` when the viewer has none), encoded on a
/// blocking thread; `Err` when that thread failed (the connection's handles are lost with it).
async fn binary_delta(
    ev: &Arc<StreamEvent>,
    v: &Viewer,
    handles: &mut Option<Handles>,
) -> Result<Option<WsMessage>, ()> {
    let Some(mut h) = handles.take() else {
        return Ok(None);
    };
    let (ev, v) = (ev.clone(), v.clone());
    let (h, bytes) = tokio::task::spawn_blocking(move || {
        let StreamEvent::Cycle {
            time,
            picture,
            frames,
        } = &*ev
        else {
            return (h, None);
        };
        let Some(d) = frames.get(&v) else {
            return (h, None);
        };
        let ups = d
            .upsert
            .iter()
            .filter_map(|&i| picture.tracks.get(i as usize).map(|t| &t.view));
        let bytes = binary::delta(&mut h, *time, ups, d.remove.iter().map(|r| r.as_str()));
        (h, Some(bytes))
    })
    .await
    .map_err(|_| ())?;
    *handles = Some(h);
    Ok(bytes.map(|b| WsMessage::Binary(b.into())))
}

fn snapshot(
    s: &AppState,
    v: &Viewer,
    picture: bool,
    binary: bool,
) -> (Arc<crate::domain::picture::Picture>, Utf8Bytes) {
    let pic = s.live.picture();
    let active: Vec<_> = s
        .live
        .alerts
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .filter(|a| a.cleared_at.is_none())
        .cloned()
        .collect();
    let guidance = s.live.guidance();
    let alerts: Vec<Value> = sorted_alerts(active, v)
        .iter()
        .map(|a| wire::conflict_json_guided(a, &of_conflict(a, &guidance, v)))
        .collect();
    let intrusions = s.strategic.active_for(v);
    let text = if picture && binary {
        wire::snapshot_binary_tracks(pic.time, &alerts, &intrusions)
    } else if picture {
        wire::snapshot(pic.time, pic.visible(v, &s.directory), &alerts, &intrusions)
    } else {
        wire::snapshot(pic.time, std::iter::empty(), &alerts, &intrusions)
    };
    (pic, text.into())
}

async fn client(s: AppState, c: Caller, mut socket: WebSocket, picture: bool, how: Encoding) {
    let Encoding { binary, batched } = how;
    let metrics = s.live.metrics.clone();
    // A binary stream's dictionary (none without the picture: nothing to encode).
    let mut handles = (binary && picture).then(Handles::new);
    let out = Out {
        metrics: &metrics,
        binary,
        timeout: Duration::from_secs_f64(s.config.limits.ws_send_timeout_s),
    };
    metrics.ws_client(1);
    let v = Viewer::of(&c);
    // Subscribe before taking the snapshot, so nothing falls between them.
    let mut rx = s.live.events.subscribe();
    let mut watch = TokenWatch::new();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(REVOCATION_CHECK_S));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut snap_time = f64::NEG_INFINITY;
    let mut closing = watch.revoked(&s.directory, &c.token_id);
    let mut ok = closing.is_some();
    if closing.is_none() {
        if let Some((t, msgs)) = snapshot_frames(&s, &v, picture, &mut handles).await {
            snap_time = t;
            ok = out.all(&mut socket, msgs).await;
        }
    }
    // The latest signed checkpoint of the audit log, so that a client holds one at once.
    if let (true, None, Some(cp)) = (ok, closing, s.checkpoints.latest()) {
        ok = out
            .text(&mut socket, wire::checkpoint_frame(&cp).into())
            .await;
    }
    while ok {
        if let Some(why) = closing {
            tracing::info!(token_id = %c.token_id, party = %c.party, reason = why, "stream closed");
            let frame = CloseFrame {
                code: CLOSE_POLICY_VIOLATION,
                reason: why.into(),
            };
            let _ =
                tokio::time::timeout(out.timeout, socket.send(WsMessage::Close(Some(frame)))).await;
            break;
        }
        tokio::select! {
            ev = rx.recv() => {
                match ev {
                    Ok(ev) => {
                        let msgs: Vec<WsMessage> = match &*ev {
                            StreamEvent::Cycle { time, .. }
                                if handles.is_some() && *time > snap_time =>
                            {
                                match binary_delta(&ev, &v, &mut handles).await {
                                    Ok(m) => m.into_iter().collect(),
                                    Err(()) => {
                                        tracing::error!("binary stream encoding failed");
                                        ok = false;
                                        Vec::new()
                                    }
                                }
                            }
                            StreamEvent::Cycle { .. } if handles.is_some() => Vec::new(),
                            StreamEvent::Alerts(list) if batched => {
                                let mut visible =
                                    visible_alerts(list, &v).map(|f| f.as_str()).peekable();
                                if visible.peek().is_some() {
                                    vec![WsMessage::Text(wire::alerts_batch(visible).into())]
                                } else {
                                    Vec::new()
                                }
                            }
                            _ => frames_for(&ev, &v, &c, snap_time, picture)
                                .into_iter()
                                .map(WsMessage::Text)
                                .collect(),
                        };
                        for m in msgs {
                            if let Some(why) = watch.revoked(&s.directory, &c.token_id) {
                                closing = Some(why);
                                break;
                            }
                            ok = out.send(&mut socket, m).await;
                            if !ok {
                                metrics.ws_dropped();
                                break;
                            }
                        }
                    }
                    Err(RecvError::Lagged(_)) => {
                        metrics.ws_resync();
                        rx = rx.resubscribe();
                        closing = watch.revoked(&s.directory, &c.token_id);
                        if closing.is_none() {
                            match snapshot_frames(&s, &v, picture, &mut handles).await {
                                Some((t, msgs)) => {
                                    snap_time = t;
                                    ok = out.all(&mut socket, msgs).await;
                                }
                                None => ok = false,
                            }
                        }
                    }
                    Err(RecvError::Closed) => ok = false,
                }
            }
            incoming = socket.recv() => {
                match incoming {
                    Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => ok = false,
                    Some(Ok(_)) => {}
                }
            }
            _ = tick.tick() => closing = watch.revoked(&s.directory, &c.token_id),
        }
    }
    metrics.ws_client(-1);
}

/// How a client's frames leave: within the send timeout, counted by encoding.
struct Out<'a> {
    metrics: &'a Metrics,
    binary: bool,
    timeout: Duration,
}

impl Out<'_> {
    /// Sends one message; false when the socket failed or did not take it in time.
    async fn send(&self, socket: &mut WebSocket, m: WsMessage) -> bool {
        let n = match &m {
            WsMessage::Text(t) => t.len(),
            WsMessage::Binary(b) => b.len(),
            _ => 0,
        };
        let sent = matches!(
            tokio::time::timeout(self.timeout, socket.send(m)).await,
            Ok(Ok(()))
        );
        if sent {
            self.metrics.stream_sent(self.binary, n);
        }
        sent
    }

    async fn text(&self, socket: &mut WebSocket, text: Utf8Bytes) -> bool {
        self.send(socket, WsMessage::Text(text)).await
    }

    /// Sends messages in order, stopping at the first that fails.
    async fn all(&self, socket: &mut WebSocket, msgs: Vec<WsMessage>) -> bool {
        for m in msgs {
            if !self.send(socket, m).await {
                return false;
            }
        }
        true
    }
}

/// The `alert` frames of an alert cycle's events that `v` may see, in order.
fn visible_alerts<'a>(
    list: &'a [(AlertRecord, Utf8Bytes)],
    v: &'a Viewer,
) -> impl Iterator<Item = &'a Utf8Bytes> + 'a {
    list.iter()
        .filter(|(a, _)| policy::alert_visible(v, a))
        .map(|(_, frame)| frame)
}

fn frames_for(
    ev: &StreamEvent,
    v: &Viewer,
    c: &Caller,
    snap_time: f64,
    picture: bool,
) -> Vec<Utf8Bytes> {
    match ev {
        StreamEvent::Alerts(list) => visible_alerts(list, v).cloned().collect(),
        other => frame_for(other, v, c, snap_time, picture)
            .into_iter()
            .collect(),
    }
}

fn frame_for(
    ev: &StreamEvent,
    v: &Viewer,
    c: &Caller,
    snap_time: f64,
    picture: bool,
) -> Option<Utf8Bytes> {
    match ev {
        StreamEvent::Cycle { time, frames, .. } => {
            if !picture || *time <= snap_time {
                return None;
            }
            frames.get(v).map(|d| d.json.clone())
        }
        StreamEvent::Alerts(_) => None,
        StreamEvent::ViewerFrames(frames) => frames.get(v).cloned(),
        StreamEvent::Alert { event, alert } => {
            policy::alert_visible(v, alert).then(|| wire::alert_frame(*event, alert).into())
        }
        StreamEvent::Message(m) => message_visible(m, &c.party, c.role)
            .then(|| wire::message_frame(&policy::message_for(m, &c.party)).into()),
        StreamEvent::Other { json, parties } => match (v, parties) {
            (_, None) | (Viewer::All, _) => Some(json.to_string().into()),
            (Viewer::Party(p), Some(list)) => {
                list.iter().any(|x| x == p).then(|| json.to_string().into())
            }
        },
    }
}
