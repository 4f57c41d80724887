//! One error type for every handler, rendered as RFC 7807 `application/problem+json`.
//!
//! Client mistakes get a 4xx whose `detail` says what to change. Internal failures get a
//! generic 500 whose cause is logged once, here, and never sent to the client.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use deconflict_store::StoreError;
use serde_json::{json, Value};

/// An error a handler returns.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// What happened and what to do about it.
    pub detail: String,
    /// Extra members merged into the problem object (for example `current_version`).
    pub extra: Option<Value>,
    /// Seconds to wait before retrying (429).
    pub retry_after_s: Option<u64>,
    /// Problem type URI; `about:blank` unless the status alone is ambiguous.
    pub kind: &'static str,
}

impl ApiError {
    /// An error with a status and detail.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            detail: detail.into(),
            extra: None,
            retry_after_s: None,
            kind: "about:blank",
        }
    }
    /// 400.
    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }
    /// 422: well-formed but invalid values.
    pub fn invalid(detail: impl Into<String>) -> ApiError {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
    }
    /// 401.
    pub fn unauthorized(detail: impl Into<String>) -> ApiError {
        Self::new(StatusCode::UNAUTHORIZED, detail)
    }
    /// 403.
    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        Self::new(StatusCode::FORBIDDEN, detail)
    }
    /// 404.
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        Self::new(StatusCode::NOT_FOUND, detail)
    }
    /// 409.
    pub fn conflict(detail: impl Into<String>) -> ApiError {
        Self::new(StatusCode::CONFLICT, detail)
    }
    /// 500; `cause` is logged, not sent.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error; the cause is in the server log",
        )
    }
    /// Adds members to the problem object.
    pub fn with_extra(mut self, extra: Value) -> ApiError {
        self.extra = Some(extra);
        self
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.detail)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "type": self.kind,
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        if let (Some(Value::Object(extra)), Some(obj)) = (self.extra, body.as_object_mut()) {
            for (k, v) in extra {
                obj.insert(k, v);
            }
        }
        let mut resp = (self.status, body.to_string()).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(s) = self.retry_after_s {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { kind, id } => ApiError::not_found(format!("{kind} {id:?} does not exist")),
            StoreError::AlreadyExists { kind, id } => ApiError::conflict(format!("{kind} {id:?} already exists")),
            StoreError::StaleVersion { kind, id, expected, current } => ApiError::conflict(format!(
                "{kind} {id:?} is at version {current}, not {expected}; reload it and apply the change again"
            ))
            .with_extra(json!({ "current_version": current })),
            other => ApiError::internal(format!("store: {other}: {:?}", std::error::Error::source(&other))),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let status = r.status();
        let detail = match &r {
            JsonRejection::MissingJsonContentType(_) => {
                "send the body as JSON with the header Content-Type: application/json".to_owned()
            }
            _ if status == StatusCode::PAYLOAD_TOO_LARGE => {
                "request body is larger than limits.body_limit_bytes".to_owned()
            }
            _ => r.body_text(),
        };
        ApiError::new(status, detail)
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::bad_request(r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::bad_request(r.body_text())
    }
}

/// A store call failed in the blocking pool (the task panicked or was cancelled).
impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        ApiError::internal(format!("blocking task failed: {e}"))
    }
}

/// Handler result.
pub type ApiResult<T> = Result<T, ApiError>;

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

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}
