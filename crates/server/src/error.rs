//! One error type for every handler, rendered as RFC 7807 `application/problem+json`.
//!
//! This is the only place HTTP statuses are chosen: each rule's error type converts with
//! `From`, so handlers just use `?`. Client mistakes get a 4xx whose `detail` says what to
//! change. Internal failures get a generic 500; the cause travels in the response's
//! extensions to the logging middleware (`app::log_internal_errors`), which logs it once with
//! the request, and is never sent to the client.

use crate::domain::imports::ImportError;
use crate::domain::parties::{AccessError, AuthError, SharingError};
use crate::domain::policy::{AckError, MarkError};
use crate::domain::requests::{AnswerError, NewRequestError};
use crate::domain::reservations::{ChangeError, FilingError, InvalidFiling};
use crate::domain::safety::DeclareError;
use crate::domain::text::TextError;
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use deconflict_store::{InvalidPartyId, StoreError};
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
    /// The cause of a 500, for the log only.
    cause: Option<String>,
}

/// The cause of an internal error, carried in the response's extensions to the log.
#[derive(Debug, Clone)]
pub struct InternalCause(pub String);

impl ApiError {
    /// An error with a status and detail.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            detail: detail.into(),
            extra: None,
            retry_after_s: None,
            kind: "about:blank",
            cause: None,
        }
    }
    /// 404 for a path with no route.
    pub fn no_route(detail: impl Into<String>) -> ApiError {
        ApiError {
            kind: "urn:deconflict:no-route",
            ..Self::not_found(detail)
        }
    }
    /// 405 for a method a path does not take.
    pub fn method_not_allowed(detail: impl Into<String>) -> ApiError {
        ApiError {
            kind: "urn:deconflict:method-not-allowed",
            ..Self::new(StatusCode::METHOD_NOT_ALLOWED, detail)
        }
    }
    /// 429 with the seconds to wait.
    pub fn too_many_requests(detail: impl Into<String>, retry_after_s: u64) -> ApiError {
        ApiError {
            retry_after_s: Some(retry_after_s),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, detail)
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
    /// 500; `cause` goes to the log, not to the client.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        ApiError {
            cause: Some(cause.to_string()),
            ..Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error; the cause is in the server log",
            )
        }
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
        if let Some(cause) = self.cause {
            resp.extensions_mut().insert(InternalCause(cause));
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

impl From<BytesRejection> for ApiError {
    fn from(r: BytesRejection) -> Self {
        let status = r.status();
        let detail = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "request body is larger than limits.body_limit_bytes".to_owned()
        } else {
            r.body_text()
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

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        ApiError::unauthorized(e.to_string())
    }
}

impl From<AccessError> for ApiError {
    fn from(e: AccessError) -> Self {
        ApiError::forbidden(e.to_string())
    }
}

impl From<AckError> for ApiError {
    fn from(e: AckError) -> Self {
        ApiError::forbidden(e.to_string())
    }
}

impl From<MarkError> for ApiError {
    fn from(e: MarkError) -> Self {
        ApiError::forbidden(e.to_string())
    }
}

impl From<crate::domain::ownership::ClaimsError> for ApiError {
    fn from(e: crate::domain::ownership::ClaimsError) -> Self {
        use crate::domain::ownership::ClaimsError;
        match e {
            ClaimsError::Invalid(_) => ApiError::invalid(e.to_string()),
            ClaimsError::Overlap { .. } => ApiError::conflict(e.to_string()),
        }
    }
}

impl From<crate::domain::ownership::Refusal> for ApiError {
    fn from(e: crate::domain::ownership::Refusal) -> Self {
        ApiError::forbidden(e.to_string()).with_extra(json!({ "reason": e.reason() }))
    }
}

impl From<SharingError> for ApiError {
    fn from(e: SharingError) -> Self {
        ApiError::invalid(e.to_string())
    }
}

impl From<InvalidPartyId> for ApiError {
    fn from(e: InvalidPartyId) -> Self {
        ApiError::invalid(e.to_string())
    }
}

/// 422; with `rejected` when no OpenAir airspace was usable.
impl From<ImportError> for ApiError {
    fn from(e: ImportError) -> Self {
        let err = ApiError::invalid(e.to_string());
        match &e {
            ImportError::NoZone(rejected) => {
                err.with_extra(json!({ "rejected": crate::wire::rejected_zones(rejected) }))
            }
            _ => err,
        }
    }
}

/// 422 naming the field and the character.
impl From<TextError> for ApiError {
    fn from(e: TextError) -> Self {
        ApiError::invalid(e.to_string())
    }
}

impl From<InvalidFiling> for ApiError {
    fn from(e: InvalidFiling) -> Self {
        ApiError::invalid(e.to_string())
    }
}

/// 409 with the overlaps (each with `gives_way`) as `overlaps`.
impl From<FilingError> for ApiError {
    fn from(e: FilingError) -> Self {
        let overlaps = serde_json::to_value(e.overlaps()).unwrap_or(Value::Null);
        ApiError::conflict(e.to_string()).with_extra(json!({ "overlaps": overlaps }))
    }
}

impl From<ChangeError> for ApiError {
    fn from(e: ChangeError) -> Self {
        match &e {
            ChangeError::NotOwner { .. } => ApiError::forbidden(e.to_string()),
            ChangeError::Stale { current, .. } | ChangeError::NotLive { current, .. } => {
                let current = *current;
                ApiError::conflict(e.to_string()).with_extra(json!({ "current_version": current }))
            }
        }
    }
}

impl From<NewRequestError> for ApiError {
    fn from(e: NewRequestError) -> Self {
        if e.is_forbidden() {
            ApiError::forbidden(e.to_string())
        } else {
            ApiError::invalid(e.to_string())
        }
    }
}

impl From<AnswerError> for ApiError {
    fn from(e: AnswerError) -> Self {
        if e.is_forbidden() {
            ApiError::forbidden(e.to_string())
        } else if e.is_invalid() {
            ApiError::invalid(e.to_string())
        } else {
            ApiError::conflict(e.to_string())
        }
    }
}

impl From<DeclareError> for ApiError {
    fn from(e: DeclareError) -> Self {
        match e {
            DeclareError::NotOwn { .. } => ApiError::forbidden(e.to_string()),
            _ => ApiError::invalid(e.to_string()),
        }
    }
}
