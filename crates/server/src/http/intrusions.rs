//! Intrusion alerts: the list a caller may see, most urgent first, and acknowledgements of a
//! side.

use crate::domain::alerts::sort_by_urgency;
use crate::domain::intrusions::{visible, IntrusionRecord};
use crate::domain::parties::Caller;
use crate::domain::policy::{ack_side, AckError, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{ack_party, ApiBytes, ApiPath, ApiQuery};
use crate::http::schemas::Include;
use crate::http::state::AppState;
use crate::wire;
use axum::extract::State;
use axum::response::IntoResponse;
use deconflict_store::{Role, StoredIntrusion};
use serde::Deserialize;
use serde_json::json;

/// A stored intrusion, typed (a record that does not read is an internal error).
fn record(s: StoredIntrusion) -> ApiResult<IntrusionRecord> {
    IntrusionRecord::from_stored(s).map_err(ApiError::internal)
}

/// Query of the list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `cleared` also lists the intrusions cleared within `retention.recent_cleared_s`.
    #[serde(default)]
    #[param(value_type = Option<Include>, inline)]
    include: Option<String>,
}

/// `GET /api/v1/intrusions[?include=cleared]`.
pub async fn list(
    State(s): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<impl IntoResponse> {
    let v = Viewer::of(&c);
    let list = match q.include.as_deref() {
        None => s.strategic.active_for(&v),
        Some("cleared") => {
            let since = s.now_s() - s.config.retention.recent_cleared_s;
            let stored = s.db(move |st| st.list_intrusions(Some(since))).await?;
            let mut all = stored
                .into_iter()
                .map(record)
                .collect::<ApiResult<Vec<_>>>()?;
            all.retain(|i| visible(&v, i));
            sort_by_urgency(&mut all, &v);
            all
        }
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "include={other:?}: the only value is \"cleared\""
            )))
        }
    };
    Ok(axum::Json(json!({ "intrusions": list })))
}

/// `POST /api/v1/intrusions/{id}/ack`: the caller acknowledges its side of an intrusion.
pub async fn ack(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<impl IntoResponse> {
    if c.role == Role::Observer {
        return Err(AckError::Observer("intrusion").into());
    }
    let requested = ack_party(&body)?;
    let v = Viewer::of(&c);
    let id2 = id.clone();
    let found = s.db(move |st| st.get_intrusion(&id2)).await?;
    let found = found
        .map(record)
        .transpose()?
        .filter(|i| visible(&v, i))
        .ok_or_else(|| {
            ApiError::not_found(format!("no intrusion {id:?} visible to {}", c.party))
        })?;
    let side = ack_side(&c.party, c.role, &found, requested.as_deref())?;
    let actor = c.party.clone();
    let id2 = id.clone();
    let updated = record(
        s.db(move |st| st.ack_intrusion(&actor, &id2, &side))
            .await?,
    )?;
    s.strategic.take_acks(&id, &updated);
    s.live.publish_frame(
        wire::intrusion_frame("updated", &updated),
        Some(updated.parties()),
    );
    Ok(axum::Json(updated))
}
