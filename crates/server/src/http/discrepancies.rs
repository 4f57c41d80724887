//! `GET /api/v1/discrepancies`: position discrepancies (a party's report of its aircraft
//! against independent surveillance), as `domain::crosscheck` raises them.

use crate::domain::crosscheck::{visible, Discrepancy, COLLECTION};
use crate::domain::parties::Caller;
use crate::error::ApiResult;
use crate::http::state::AppState;
use axum::extract::State;
use axum::response::IntoResponse;
use serde_json::json;

/// `GET /api/v1/discrepancies`: the caller's (all, for the cell and observers), active and
/// cleared within `retention.recent_cleared_s`, newest first.
pub async fn list(State(s): State<AppState>, c: Caller) -> ApiResult<impl IntoResponse> {
    let docs = s.db(|st| st.list_documents(COLLECTION)).await?;
    let (now, recent) = (s.now_s(), s.config.retention.recent_cleared_s);
    let mut list: Vec<Discrepancy> = docs
        .into_iter()
        .filter_map(|(_, body, _)| serde_json::from_value(body).ok())
        .filter(|d| visible(d, &c.party, c.sees_all(), now, recent))
        .collect();
    list.sort_by(|a, b| b.raised_at.total_cmp(&a.raised_at));
    Ok(axum::Json(json!({ "discrepancies": list })))
}
