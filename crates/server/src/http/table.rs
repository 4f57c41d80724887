//! The route table: a router built while recording each route's documentation, so the
//! router and the OpenAPI document come from the same rows.

use crate::http::state::AppState;
use axum::http::Method;
use axum::routing::MethodRouter;
use axum::Router;

/// Builds a router while recording each `(method, path)`, so the route list cannot drift from
/// the router.
pub struct RouteTable {
    router: Router<AppState>,
    list: Vec<Route>,
}

/// One documented route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Method.
    pub method: Method,
    /// Path, with `{param}` segments.
    pub path: &'static str,
    /// What it does (the OpenAPI summary).
    pub summary: &'static str,
    /// Who may call it (`anyone` needs no token).
    pub who: &'static str,
}

impl Default for RouteTable {
    fn default() -> Self {
        RouteTable {
            router: Router::new(),
            list: Vec::new(),
        }
    }
}

impl RouteTable {
    /// Adds one method on one path, with its documentation.
    pub fn add(
        mut self,
        method: Method,
        path: &'static str,
        handler: MethodRouter<AppState>,
        summary: &'static str,
        who: &'static str,
    ) -> Self {
        self.list.push(Route {
            method,
            path,
            summary,
            who,
        });
        self.router = self.router.route(path, handler);
        self
    }
    /// Splits into the router and the documented routes.
    pub fn into_parts(self) -> (Router<AppState>, Vec<Route>) {
        (self.router, self.list)
    }
}
