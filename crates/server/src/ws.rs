//! The WebSocket stream `/api/v1/stream`: a snapshot, then per-cycle deltas, alert events and
//! messages, filtered by the viewer's rights.
//!
//! Each client reads the shared `broadcast` channel, whose capacity
//! (`limits.ws_queue_frames`) is the client's bounded queue. A client that falls behind gets
//! `Lagged` and is resynchronised with a fresh snapshot; a client whose socket does not take a
//! frame within `limits.ws_send_timeout_s` is dropped. Neither ever blocks the engine cycle or
//! other clients: the sender never waits.

use crate::api::{conflict_json, message_visible, sorted_alerts};
use crate::auth::{presented_token, Caller};
use crate::error::{ApiError, ApiQuery};
use crate::live::StreamEvent;
use crate::picture::json_array;
use crate::policy::{self, Viewer};
use crate::state::AppState;
use axum::extract::ws::{Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::Response;
use serde_json::json;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// Extractor of the stream's caller: header or `?token=`.
pub struct StreamCaller(pub Caller);

impl FromRequestParts<AppState> for StreamCaller {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = presented_token(parts, true)?;
        let caller = state.directory.authenticate(&token)?;
        state.limiter.check(&caller.token_id)?;
        Ok(StreamCaller(caller))
    }
}

/// `GET /api/v1/stream`.
pub async fn stream(
    State(s): State<AppState>,
    StreamCaller(c): StreamCaller,
    ApiQuery(q): ApiQuery<StreamQuery>,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let picture = match q.picture.as_deref() {
        None | Some("full") => true,
        Some("none") => false,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "picture={other:?}: use \"full\" (default) or \"none\""
            )))
        }
    };
    Ok(ws
        .max_message_size(64 * 1024)
        .on_upgrade(move |socket| client(s, c, socket, picture)))
}

/// Query of the stream.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// The bearer token (browsers cannot set headers on a WebSocket).
    #[serde(default)]
    pub token: Option<String>,
    /// `full` (default): snapshot tracks and per-cycle deltas; `none`: alerts and messages only.
    #[serde(default)]
    pub picture: Option<String>,
}

fn snapshot(s: &AppState, v: &Viewer, picture: bool) -> (f64, Utf8Bytes) {
    let pic = s.live.picture();
    let tracks = if picture {
        json_array(pic.visible(v, &s.directory).map(|t| &*t.json))
    } else {
        "[]".to_owned()
    };
    let alerts: Vec<_> = {
        let all: Vec<_> = s
            .live
            .alerts
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter(|a| a.cleared_at.is_none())
            .cloned()
            .collect();
        sorted_alerts(all, v).iter().map(conflict_json).collect()
    };
    let text = format!(
        "{{\"type\":\"snapshot\",\"time\":{},\"tracks\":{tracks},\"conflicts\":{},\"intrusions\":{}}}",
        pic.time,
        serde_json::to_string(&alerts).unwrap_or_else(|_| "[]".into()),
        serde_json::to_string(&crate::strategic::intrusions::active_for(s, v))
            .unwrap_or_else(|_| "[]".into())
    );
    (pic.time, text.into())
}

async fn client(s: AppState, c: Caller, mut socket: WebSocket, picture: bool) {
    let metrics = s.live.metrics.clone();
    metrics.ws_client(1);
    let v = Viewer::for_role(&c.party, c.role);
    let timeout = Duration::from_secs_f64(s.config.limits.ws_send_timeout_s);
    // Subscribe before taking the snapshot, so nothing falls between them.
    let mut rx = s.live.events.subscribe();
    let (mut snap_time, text) = snapshot(&s, &v, picture);
    let mut ok = send(&mut socket, text, timeout).await;
    while ok {
        tokio::select! {
            ev = rx.recv() => {
                match ev {
                    Ok(ev) => {
                        for text in frames_for(&ev, &v, &c, snap_time, picture) {
                            ok = send(&mut socket, text, timeout).await;
                            if !ok {
                                metrics.ws_dropped();
                                break;
                            }
                        }
                    }
                    Err(RecvError::Lagged(_)) => {
                        metrics.ws_resync();
                        rx = rx.resubscribe();
                        let (t, text) = snapshot(&s, &v, picture);
                        snap_time = t;
                        ok = send(&mut socket, text, timeout).await;
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
        }
    }
    metrics.ws_client(-1);
}

async fn send(socket: &mut WebSocket, text: Utf8Bytes, timeout: Duration) -> bool {
    matches!(
        tokio::time::timeout(timeout, socket.send(WsMessage::Text(text))).await,
        Ok(Ok(()))
    )
}

fn frames_for(
    ev: &StreamEvent,
    v: &Viewer,
    c: &Caller,
    snap_time: f64,
    picture: bool,
) -> Vec<Utf8Bytes> {
    match ev {
        StreamEvent::Alerts(list) => list
            .iter()
            .filter(|(a, _)| policy::alert_visible(v, a))
            .map(|(_, frame)| frame.clone())
            .collect(),
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
        StreamEvent::Cycle { time, frames } => {
            if !picture || *time <= snap_time {
                return None;
            }
            frames.get(v).cloned()
        }
        StreamEvent::Alerts(_) => None,
        StreamEvent::Alert { event, alert } => policy::alert_visible(v, alert).then(|| {
            json!({ "type": "alert", "event": event, "conflict": conflict_json(alert) })
                .to_string()
                .into()
        }),
        StreamEvent::Message(m) => message_visible(m, &c.party, c.role).then(|| {
            json!({ "type": "message", "message": m })
                .to_string()
                .into()
        }),
        StreamEvent::Other { json, parties } => match (v, parties) {
            (_, None) | (Viewer::All, _) => Some(json.to_string().into()),
            (Viewer::Party(p), Some(list)) => {
                list.iter().any(|x| x == p).then(|| json.to_string().into())
            }
        },
    }
}
