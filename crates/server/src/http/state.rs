//! The state every handler shares: handles to the store, the configuration, the directory, the
//! live picture, the strategic state and the clock. Background tasks never take it; they are
//! given the handles they need.

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::parties::Directory;
use crate::error::ApiError;
use crate::http::limit::RateLimiter;
use crate::live::strategic::Strategic;
use crate::live::Live;
use deconflict_store::{Store, StoreError};
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
    pub strategic: Arc<Strategic>,
    /// The time.
    pub clock: Clock,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Builds the state, with empty strategic state (loaded by `run`).
    pub fn new(
        store: Arc<dyn Store>,
        config: Arc<Config>,
        directory: Arc<Directory>,
        live: Arc<Live>,
        clock: Clock,
    ) -> AppState {
        let limiter = RateLimiter::new(
            config.limits.rate_limit_per_s,
            config.limits.rate_limit_burst,
        );
        let strategic = Arc::new(Strategic::new(&config.strategic));
        AppState(Arc::new(Inner {
            strategic,
            store,
            config,
            directory,
            limiter,
            live,
            clock,
        }))
    }

    /// Now, UNIX seconds.
    pub fn now_s(&self) -> f64 {
        self.clock.now_s()
    }

    /// Runs a store call on the blocking pool.
    ///
    /// # Errors
    /// The store's error, or an internal error when the blocking task failed.
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        Ok(tokio::task::spawn_blocking(move || f(store.as_ref())).await??)
    }
}
