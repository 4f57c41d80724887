//! The state every handler shares.

use crate::auth::{Directory, RateLimiter};
use crate::config::Config;
use crate::live::Live;
use deconflict_store::Store;
use std::sync::Arc;

/// Shared state: cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// What [`AppState`] holds.
pub struct Inner {
    /// Persistence.
    pub store: Arc<dyn Store>,
    /// Configuration.
    pub config: Arc<Config>,
    /// Parties and tokens, cached.
    pub directory: Arc<Directory>,
    /// Per-token rate limit.
    pub limiter: RateLimiter,
    /// The live picture, alerts and stream.
    pub live: Arc<Live>,
    /// Reservations, zones and intrusion alerts.
    pub strategic: Arc<crate::strategic::Strategic>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Builds the state.
    pub fn new(
        store: Arc<dyn Store>,
        config: Arc<Config>,
        directory: Arc<Directory>,
        live: Arc<Live>,
    ) -> AppState {
        let limiter = RateLimiter::new(
            config.limits.rate_limit_per_s,
            config.limits.rate_limit_burst,
        );
        let strategic = Arc::new(crate::strategic::Strategic::new(&config.strategic));
        AppState(Arc::new(Inner {
            strategic,
            store,
            config,
            directory,
            limiter,
            live,
        }))
    }

    /// Runs a store call on the blocking pool.
    pub async fn db<T, F>(&self, f: F) -> Result<T, crate::error::ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store) -> Result<T, deconflict_store::StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        Ok(tokio::task::spawn_blocking(move || f(store.as_ref())).await??)
    }
}
