//! `GET /api/v1/aerodromes?bbox=W,S,E,N&limit=N`: the bundled aerodrome list inside a map
//! view, for the console's basemap (`domain::aerodromes` chooses which).

use crate::domain::aerodromes::in_view;
use crate::domain::parties::Caller;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::ApiQuery;
use crate::http::safety::parse_bbox;
use crate::http::state::AppState;
use axum::extract::State;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::json;

/// Aerodromes one listing returns when the query does not say.
const DEFAULT_LIMIT: usize = 500;

/// `?bbox=W,S,E,N&limit=N`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AerodromeQuery {
    /// The box, `W,S,E,N` in degrees (required).
    #[param(required = true, example = "2.0,48.5,3.0,49.2")]
    bbox: Option<String>,
    /// Most aerodromes returned (default 500, at most `limits.aerodromes_max`).
    limit: Option<usize>,
}

/// The `list` operation of `/api/v1/aerodromes`.
pub async fn list(
    State(s): State<AppState>,
    _c: Caller,
    ApiQuery(q): ApiQuery<AerodromeQuery>,
) -> ApiResult<impl IntoResponse> {
    let bbox = q
        .bbox
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("bbox=W,S,E,N is required"))
        .and_then(parse_bbox)?;
    let max = s.config.limits.aerodromes_max;
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).min(max);
    let (found, truncated) = in_view(deconflict_airspace::regions::aerodromes(), bbox, limit);
    Ok(axum::Json(
        json!({ "aerodromes": found, "truncated": truncated }),
    ))
}
