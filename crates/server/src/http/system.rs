//! The cell itself: liveness, the caller, feeds, metrics and the audit log.

use crate::domain::parties::Caller;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::ApiQuery;
use crate::http::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{json, Value};

/// Most audit entries one page returns.
pub const MAX_AUDIT_PAGE: usize = 10_000;

/// `GET /api/v1/health`.
pub async fn health() -> impl IntoResponse {
    axum::Json(json!({ "ok": true }))
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

/// The body or query of the operation below.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    #[serde(default)]
    after: Option<i64>,
    #[serde(default)]
    limit: Option<usize>,
}

/// `GET /api/v1/audit?after=&limit=`.
pub async fn audit(
    State(s): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<impl IntoResponse> {
    c.require_cell()?;
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
    c.require_cell()?;
    let r = s.db(|st| st.verify_audit()).await?;
    Ok(axum::Json(r))
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    let feeds = s
        .live
        .feeds
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        s.live.metrics.render(&feeds),
    )
}
