//! Extractors whose rejections are [`ApiError`]s, and the body helpers the handlers share.

use crate::error::{ApiError, ApiResult};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// JSON body extractor whose rejections are [`ApiError`]s.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// Path extractor whose rejections are [`ApiError`]s.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// Query extractor whose rejections are [`ApiError`]s.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// Raw body extractor whose rejection (a body over `limits.body_limit_bytes`) is an
/// [`ApiError`].
#[derive(Debug, Clone)]
pub struct ApiBytes(pub axum::body::Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        axum::body::Bytes::from_request(req, state)
            .await
            .map(ApiBytes)
            .map_err(ApiError::from)
    }
}

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Reads a JSON body already parsed as a value (so the caller's role is checked before the
/// body's shape); a wrong shape is a 422 naming what is wrong.
pub fn parse_body<T: serde::de::DeserializeOwned>(v: Value) -> ApiResult<T> {
    serde_json::from_value(v).map_err(|e| ApiError::invalid(format!("body: {e}")))
}

/// An optional JSON body: empty (or only whitespace) is `None`; anything else must parse.
pub fn optional_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> ApiResult<Option<T>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(body)
        .map(Some)
        .map_err(|e| ApiError::bad_request(format!("body: {e}")))
}

/// Body of an acknowledgement: the side acknowledged (the cell names it; a party may name
/// only its own). Empty means the caller's own side.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AckBody {
    /// The party whose side is acknowledged.
    #[serde(default)]
    pub party: Option<String>,
}

/// The side an acknowledgement names, from an optional body.
///
/// # Errors
/// 400 when the body is not an [`AckBody`].
pub fn ack_party(body: &[u8]) -> ApiResult<Option<String>> {
    Ok(optional_body::<AckBody>(body)?.and_then(|b| b.party))
}
