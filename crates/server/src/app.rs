//! The whole HTTP application: the route table's router, the console at `/`, the fallbacks
//! (problem+json under `/api/`, console files elsewhere), the body limit, request tracing and
//! the one place internal errors are logged.

use crate::error::{ApiError, InternalCause};
use crate::http::state::AppState;
use crate::http::{console, routes};
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

/// The whole HTTP application over `state`.
pub fn app(state: AppState) -> Router {
    let body_limit = state.config.limits.body_limit_bytes;
    let (router, _) = routes().into_parts();
    router
        .route("/", get(console::serve))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(log_internal_errors))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Logs the cause of every 500 once, with the request it answered (the client gets a generic
/// problem).
async fn log_internal_errors(req: Request, next: Next) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let resp = next.run(req).await;
    if let Some(InternalCause(cause)) = resp.extensions().get::<InternalCause>() {
        tracing::error!(%method, %path, error = %cause, "internal error");
    }
    resp
}

async fn fallback(method: Method, uri: axum::http::Uri) -> Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/api/") {
        return ApiError::no_route(format!(
            "no route {method} {}; see /api/v1/openapi.json",
            uri.path()
        ))
        .into_response();
    }
    console::serve(uri).await
}

async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::method_not_allowed(format!("{method} is not allowed on {}", uri.path()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_registered_once() {
        let list = routes().into_parts().1;
        let mut seen = std::collections::HashSet::new();
        for r in &list {
            assert!(
                seen.insert((r.method.clone(), r.path)),
                "{} {} twice",
                r.method,
                r.path
            );
        }
        assert!(list.len() >= 45, "{}", list.len());
    }
}
