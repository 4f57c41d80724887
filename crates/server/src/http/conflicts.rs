//! Conflict alerts: the list a caller may see, most urgent first, and acknowledgements.

use crate::domain::alerts::sorted_alerts;
use crate::domain::guidance::of_conflict;
use crate::domain::parties::Caller;
use crate::domain::policy::{self, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{ack_party, ApiBytes, ApiPath, ApiQuery};
use crate::http::schemas::Include;
use crate::http::state::AppState;
use crate::live::StreamEvent;
use crate::wire;
use axum::extract::State;
use axum::response::IntoResponse;
use deconflict_store::AlertState;
use serde::Deserialize;
use serde_json::{json, Value};

/// The query of [`list`].
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConflictsQuery {
    /// `cleared` also lists the conflicts cleared within `retention.recent_cleared_s`.
    #[serde(default)]
    #[param(value_type = Option<Include>, inline)]
    include: Option<String>,
}

/// `GET /api/v1/conflicts[?include=cleared]`.
pub async fn list(
    State(s): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<ConflictsQuery>,
) -> ApiResult<impl IntoResponse> {
    let since = match q.include.as_deref() {
        None => None,
        Some("cleared") => Some(s.now_s() - s.config.retention.recent_cleared_s),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "include={other:?}: the only value is \"cleared\""
            )))
        }
    };
    let list = s.db(move |st| st.list_alerts(since)).await?;
    let v = Viewer::of(&c);
    let guidance = s.live.guidance();
    let out: Vec<Value> = sorted_alerts(list, &v)
        .iter()
        .map(|a| wire::conflict_json_guided(a, &of_conflict(a, &guidance, &v)))
        .collect();
    Ok(axum::Json(json!({ "conflicts": out })))
}

/// `POST /api/v1/conflicts/{id}/ack`: the caller's side (the cell names one).
pub async fn ack(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<impl IntoResponse> {
    let requested = ack_party(&body)?;
    let id2 = id.clone();
    let alert = s.db(move |st| st.get_alert(&id2)).await?;
    let v = Viewer::of(&c);
    let alert = alert
        .filter(|a| policy::alert_visible(&v, a))
        .ok_or_else(|| ApiError::not_found(format!("no alert {id:?} visible to {}", c.party)))?;
    let side = policy::ack_side(&c.party, c.role, &alert, requested.as_deref())?;
    let actor = c.party.clone();
    let updated = s.db(move |st| st.ack_alert(&actor, &id, &side)).await?;
    if updated.cleared_at.is_none() {
        s.live.put_alert(updated.clone());
    }
    s.live.publish(StreamEvent::Alert {
        event: AlertState::Updated,
        alert: updated.clone(),
    });
    let guidance = s.live.guidance();
    Ok(axum::Json(wire::conflict_json_guided(
        &updated,
        &of_conflict(&updated, &guidance, &v),
    )))
}
