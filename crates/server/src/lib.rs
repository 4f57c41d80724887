//! The cell server: REST + WebSocket API over the live picture, alerts, hotline and audit log,
//! with need-to-know filtering, metrics and the embedded browser console.
//!
//! # Layers
//! - [`config`]: the TOML configuration and its defaults.
//! - [`auth`]: bearer tokens (hashed, constant-time compared), callers, rate limit.
//! - [`policy`]: pure sharing rules, used alike by REST, the stream and exports.
//! - [`live`]: feeds → track table → detection → alerting → store → stream.
//! - [`api`], [`ws`], [`openapi`], [`metrics`], [`console`]: the HTTP surface.
//! - [`error`]: one `ApiError` rendered as RFC 7807 problem+json.
//!
//! [`app`] composes every sub-router into one `Router` — the seam where more route tables
//! (reservations, requests) are merged: build a [`api::RouteTable`] and pass it to
//! [`app_with`]. [`run`] opens the store, bootstraps parties, starts the pipeline and serves.

pub mod api;
pub mod auth;
pub mod config;
pub mod console;
pub mod error;
pub mod live;
pub mod metrics;
pub mod openapi;
pub mod picture;
pub mod policy;
pub mod safety;
pub mod sources;
pub mod state;
pub mod strategic;
pub mod ws;

use crate::api::RouteTable;
use crate::auth::{new_token, token_hash, Directory};
use crate::config::Config;
use crate::error::ApiError;
use crate::live::Live;
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, Method, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use deconflict_store::{Party, Role, Sharing, SqliteStore, Store};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Every `(method, path)` the server answers, in registration order.
pub fn route_list(extra: RouteTable) -> Vec<(Method, &'static str)> {
    all_routes(extra).into_parts().1
}

fn all_routes(extra: RouteTable) -> RouteTable {
    api::routes()
        .add(Method::GET, "/api/v1/stream", get(ws::stream))
        .add(Method::GET, "/api/v1/openapi.json", get(openapi_json))
        .add(Method::GET, "/metrics", get(metrics_text))
        .merge(extra)
}

async fn openapi_json() -> impl IntoResponse {
    axum::Json(openapi::document(&operations()))
}

/// The documented operations outside `api.rs`.
pub fn operations() -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    [strategic::OPERATIONS, safety::OPERATIONS].concat()
}

async fn metrics_text(State(s): State<AppState>) -> impl IntoResponse {
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

/// The whole HTTP application (with the strategic routes).
pub fn app(state: AppState) -> Router {
    app_with(state, strategic::routes())
}

/// The application with extra routes merged in.
pub fn app_with(state: AppState, extra: RouteTable) -> Router {
    let body_limit = state.config.limits.body_limit_bytes;
    let (router, _) = all_routes(extra).into_parts();
    router
        .route("/", get(console::serve))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

async fn fallback(method: Method, uri: axum::http::Uri) -> axum::response::Response {
    if uri.path().starts_with("/api/") {
        let mut e = ApiError::not_found(format!(
            "no route {method} {}; see /api/v1/openapi.json",
            uri.path()
        ));
        e.kind = "urn:deconflict:no-route";
        return e.into_response();
    }
    console::serve(uri).await
}

async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed on {}", uri.path()),
    );
    e.kind = "urn:deconflict:method-not-allowed";
    e
}

/// How `deconflict serve` was asked to run.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Demo mode: built-in parties and traffic.
    pub demo: bool,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] deconflict_store::StoreError),
    /// Binding or serving failed.
    #[error("{context}")]
    Io {
        /// What was being done.
        context: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The safety-net regions could not be loaded.
    #[error("safety-net regions: {0}")]
    Regions(String),
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ServerError {
    let context = context.into();
    move |source| ServerError::Io { context, source }
}

/// Issues a token for `party` and returns it.
pub fn issue_token(
    store: &dyn Store,
    actor: &str,
    party: &str,
) -> Result<String, deconflict_store::StoreError> {
    let (id, token) = new_token();
    store.create_token(actor, &id, party, &token_hash(&token))?;
    Ok(token)
}

fn write_secret(path: &std::path::Path, text: &str) -> Result<(), ServerError> {
    std::fs::write(path, text).map_err(io(format!("cannot write {}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    Ok(())
}

/// Registers missing parties (from the config, or the demo set) and, in demo mode or when no
/// cell token exists yet, issues tokens and writes them to the data directory.
fn bootstrap(store: &dyn Store, config: &Config, opts: &ServeOptions) -> Result<(), ServerError> {
    let mut wanted: Vec<Party> = config
        .parties
        .iter()
        .map(|p| {
            Party::new(
                &p.id,
                p.name.as_deref().unwrap_or(&p.id),
                p.role,
                p.sharing.unwrap_or(config.sharing),
            )
        })
        .collect();
    if opts.demo {
        wanted = vec![
            Party::new("blue", "Blue Coalition", Role::Party, Sharing::full()),
            Party::new("red", "Red Coalition", Role::Party, Sharing::alerts_only()),
            Party::new("cell", "Deconfliction Cell", Role::Cell, Sharing::full()),
            Party::new(
                "monitor",
                "Independent Monitor",
                Role::Observer,
                Sharing::full(),
            ),
        ];
    }
    for p in &wanted {
        if store.get_party(&p.id)?.is_none() {
            store.create_party("system", p)?;
        }
    }
    if opts.demo {
        let mut tokens = BTreeMap::new();
        for p in &wanted {
            tokens.insert(p.id.clone(), issue_token(store, "system", &p.id)?);
        }
        let json = serde_json::to_string_pretty(&tokens).unwrap_or_default();
        write_secret(&config.data_dir.join("demo-tokens.json"), &json)?;
        println!("demo parties: blue (sharing full), red (sharing alerts-only), cell (cell), monitor (observer)");
        for (p, t) in &tokens {
            println!("token {p}: {t}");
        }
        println!(
            "tokens written to {}",
            config.data_dir.join("demo-tokens.json").display()
        );
    } else {
        let parties = store.list_parties()?;
        let tokens = store.list_tokens()?;
        let cell = parties.iter().find(|p| p.role == Role::Cell);
        let cell = match cell {
            Some(c) => c.clone(),
            None => {
                let c = Party::new("cell", "Deconfliction Cell", Role::Cell, Sharing::full());
                store.create_party("system", &c)?;
                c
            }
        };
        let has_cell_token = tokens.iter().any(|t| {
            !t.revoked
                && parties
                    .iter()
                    .any(|p| p.id == t.party && p.role == Role::Cell)
        });
        if !has_cell_token {
            let t = issue_token(store, "system", &cell.id)?;
            let path = config.data_dir.join("cell-token");
            write_secret(&path, &t)?;
            println!(
                "first start: cell token for {:?} written to {} (shown once): {t}",
                cell.id,
                path.display()
            );
        }
    }
    Ok(())
}

/// Opens the store, bootstraps parties, starts the live pipeline and serves until Ctrl-C.
/// Writes the bound address to `DATA_DIR/listen-addr` and prints it.
///
/// # Errors
/// The store cannot be opened or the address cannot be bound.
pub async fn run(config: Config, opts: ServeOptions) -> Result<(), ServerError> {
    let config = Arc::new(config);
    std::fs::create_dir_all(&config.data_dir)
        .map_err(io(format!("cannot create {}", config.data_dir.display())))?;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&config.data_dir)?);
    bootstrap(store.as_ref(), &config, &opts)?;
    let closed = live::close_stale_alerts(store.as_ref())?;
    if closed > 0 {
        tracing::info!(closed, "cleared alerts left active by the previous run");
    }
    let directory = Arc::new(Directory::default());
    directory.load(store.list_parties()?, store.list_tokens()?);
    let metrics = Arc::new(metrics::Metrics::default());
    let (live, rx) = Live::new(&config, metrics);
    tokio::spawn(live.clone().run_ingest(rx));
    tokio::spawn(live::run_cycles(
        live.clone(),
        store.clone(),
        directory.clone(),
        config.clone(),
    ));
    sources::spawn_feeds(&config.feeds, &live);
    if opts.demo {
        sources::spawn_demo(&live);
    }
    let state = AppState::new(store, config.clone(), directory, live);
    strategic::start(&state)?;
    let regions = safety::start(state.store.as_ref(), &state.config, &state.live)
        .map_err(ServerError::Regions)?;
    tracing::info!(regions, "safety-net regions loaded");
    if opts.demo {
        strategic::demo::seed(&state)?;
        strategic::demo::spawn_civil(&state.live);
    }
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(io(format!("cannot listen on {}", config.listen)))?;
    let addr: SocketAddr = listener
        .local_addr()
        .map_err(io("cannot read the bound address"))?;
    std::fs::write(config.data_dir.join("listen-addr"), addr.to_string()).map_err(io(format!(
        "cannot write {}",
        config.data_dir.join("listen-addr").display()
    )))?;
    println!(
        "listening on http://{addr} (data in {})",
        config.data_dir.display()
    );
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(io("server failed"))
}

/// The default data directory of `--demo`: `deconflict-demo` under the system temp dir.
pub fn demo_data_dir() -> PathBuf {
    std::env::temp_dir().join("deconflict-demo")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openapi_lists_exactly_the_routes() {
        let mut routes: Vec<(String, String)> = route_list(strategic::routes())
            .into_iter()
            .map(|(m, p)| (m.to_string(), p.to_owned()))
            .collect();
        let mut doc: Vec<(String, String)> = Vec::new();
        let d = openapi::document(&operations());
        for (path, ops) in d["paths"].as_object().unwrap() {
            for m in ops.as_object().unwrap().keys() {
                doc.push((m.to_uppercase(), path.clone()));
            }
        }
        routes.sort();
        doc.sort();
        assert_eq!(routes, doc);
    }
}
