//! The cell itself: liveness, the caller, feeds, metrics and the audit log.

use crate::domain::parties::Caller;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::ApiQuery;
use crate::http::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{json, Value};

/// Most audit entries one page returns.
pub const MAX_AUDIT_PAGE: usize = 10_000;

/// `GET /api/v1/health`. Readable from any origin (it carries nothing private), so that a
/// console served by another node of the cell can tell whether this one answers.
pub async fn health(State(s): State<AppState>) -> impl IntoResponse {
    let v = s.live.leadership.view(s.now_s());
    let body = axum::Json(json!({
        "ok": true,
        "role": if v.leader { "leader" } else { "follower" },
        "lease_epoch": v.epoch,
        "node": v.node,
        "leader_node": v.holder,
        "lease_lag_s": v.lag_s,
        "nodes": s.config.cluster.nodes,
    }));
    ([(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")], body)
}

/// `GET /api/v1/me`.
pub async fn me(State(s): State<AppState>, c: Caller) -> ApiResult<impl IntoResponse> {
    let p = s
        .directory
        .party(&c.party)
        .ok_or_else(|| ApiError::unauthorized("party no longer exists"))?;
    Ok(axum::Json(
        json!({ "party": p.id, "role": p.role, "name": p.name, "sharing": p.sharing }),
    ))
}

/// `GET /api/v1/feeds`: a party sees its own feeds.
pub async fn feeds(State(s): State<AppState>, c: Caller) -> impl IntoResponse {
    let list: Vec<Value> = s
        .live
        .feeds
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|f| f.snapshot())
        .filter(|f| c.sees_all() || f.party.as_deref() == Some(c.party.as_str()))
        .map(|f| serde_json::to_value(f).unwrap_or(Value::Null))
        .collect();
    axum::Json(json!({ "feeds": list }))
}

/// The query of [`audit`].
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Entries after this sequence number (default 0: from the first).
    #[serde(default)]
    after: Option<i64>,
    /// Most entries returned, 1 to 10,000 (default 100).
    #[serde(default)]
    #[param(minimum = 1, maximum = 10_000)]
    limit: Option<usize>,
}

/// `GET /api/v1/audit?after=&limit=`.
pub async fn audit(
    State(s): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<impl IntoResponse> {
    c.require_sees_all()?;
    let limit = q.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_AUDIT_PAGE {
        return Err(ApiError::bad_request(format!(
            "limit = {limit} must be in 1..={MAX_AUDIT_PAGE}"
        )));
    }
    let after = q.after.unwrap_or(0);
    let entries = s.db(move |st| st.audit_entries(after, limit)).await?;
    Ok(axum::Json(json!({ "entries": entries })))
}

/// `GET /api/v1/audit/verify`.
pub async fn audit_verify(State(s): State<AppState>, c: Caller) -> ApiResult<impl IntoResponse> {
    c.require_sees_all()?;
    let r = s.db(|st| st.verify_audit()).await?;
    Ok(axum::Json(r))
}

/// `GET /api/v1/audit/checkpoint`: the latest signed checkpoint (one is signed if none is).
pub async fn checkpoint(State(s): State<AppState>, _c: Caller) -> ApiResult<impl IntoResponse> {
    if let Some(cp) = s.checkpoints.latest() {
        return Ok(axum::Json(cp));
    }
    let (cp, now) = (s.checkpoints.clone(), s.now_s());
    Ok(axum::Json(s.db(move |st| cp.sign_now(st, now)).await?))
}

/// `POST /api/v1/audit/checkpoint`: signs a checkpoint now and pushes it on the stream
/// (parties and the cell; observers get them on the stream).
pub async fn checkpoint_now(State(s): State<AppState>, c: Caller) -> ApiResult<impl IntoResponse> {
    // Observers change nothing, not even the checkpoint everyone is pushed.
    c.require_writer()?;
    let (cp, live, now) = (s.checkpoints.clone(), s.live.clone(), s.now_s());
    let signed = s.db(move |st| cp.sign_and_publish(st, &live, now)).await?;
    Ok((StatusCode::CREATED, axum::Json(signed)))
}

/// The query of [`consistency`].
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    /// The kept checkpoint's sequence number.
    #[param(minimum = 0)]
    seq: i64,
    /// The kept checkpoint's head hash, 64 hexadecimal digits.
    #[param(pattern = "^[0-9a-fA-F]{64}$")]
    head_hash: String,
}

/// `GET /api/v1/audit/consistency?seq=&head_hash=`: whether the log now extends the
/// checkpoint `(seq, head_hash)` a party kept: intact, at least `seq` entries, entry `seq`
/// with that hash.
pub async fn consistency(
    State(s): State<AppState>,
    _c: Caller,
    ApiQuery(q): ApiQuery<ConsistencyQuery>,
) -> ApiResult<impl IntoResponse> {
    if q.seq < 0 || q.head_hash.len() != 64 || !q.head_hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::invalid(
            "seq must be >= 0 and head_hash 64 hexadecimal digits",
        ));
    }
    let cp = s.checkpoints.clone();
    let (seq, hash) = (q.seq, q.head_hash.to_ascii_lowercase());
    let (verdict, head) = s
        .db(move |st| Ok((cp.extends(st, seq, &hash)?, st.audit_head()?)))
        .await?;
    let head_seq = head.map_or(0, |h| h.0);
    Ok(axum::Json(match verdict {
        Ok(()) => json!({ "consistent": true, "seq": q.seq, "head_seq": head_seq }),
        Err(e) => {
            json!({ "consistent": false, "seq": q.seq, "head_seq": head_seq, "problem": e.to_string() })
        }
    }))
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    let feeds = s
        .live
        .feeds
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let v = s.live.leadership.view(s.now_s());
    let mut text = s.live.metrics.render(&feeds);
    text.push_str(&format!(
        "# HELP deconflict_leader Whether this node holds the cell's lease (runs the alert and strategic cycles).\n\
         # TYPE deconflict_leader gauge\ndeconflict_leader {}\n\
         # HELP deconflict_lease_epoch The lease's epoch as this node last read it.\n\
         # TYPE deconflict_lease_epoch gauge\ndeconflict_lease_epoch {}\n\
         # HELP deconflict_lease_lag_seconds Seconds since this node last read or renewed the lease.\n\
         # TYPE deconflict_lease_lag_seconds gauge\ndeconflict_lease_lag_seconds {:.3}\n",
        u8::from(v.leader),
        v.epoch,
        v.lag_s
    ));
    let r = &s.live.relay;
    let n = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
    text.push_str(&format!(
        "# HELP deconflict_relay_sent_total Observations that arrived here alone (listen-mode feeds, telemetry) relayed to the other nodes.\n\
         # TYPE deconflict_relay_sent_total counter\ndeconflict_relay_sent_total {}\n\
         # HELP deconflict_relay_received_total Observations relayed here by the other nodes.\n\
         # TYPE deconflict_relay_received_total counter\ndeconflict_relay_received_total {}\n\
         # HELP deconflict_relay_dropped_total Observations not relayed (outbox full, or the store refused the batch).\n\
         # TYPE deconflict_relay_dropped_total counter\ndeconflict_relay_dropped_total {}\n\
         # HELP deconflict_relay_bad_batches_total Relayed batches that could not be decoded.\n\
         # TYPE deconflict_relay_bad_batches_total counter\ndeconflict_relay_bad_batches_total {}\n",
        n(&r.sent),
        n(&r.received),
        n(&r.dropped),
        n(&r.bad)
    ));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}
