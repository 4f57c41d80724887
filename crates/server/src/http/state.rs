//! The state every handler shares: handles to the store, the configuration, the directory, the
//! live picture, the strategic state and the clock. Background tasks never take it; they are
//! given the handles they need.

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::parties::Directory;
use crate::error::ApiError;
use crate::http::limit::RateLimiter;
use crate::live::checkpoints::Checkpoints;
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
    /// Per-party telemetry states rate limit.
    pub telemetry_limiter: RateLimiter,
    /// Reservation geometry computed at once (`limits.geometry_concurrency`).
    pub geometry: Arc<tokio::sync::Semaphore>,
    /// Parties with a reservation geometry request in flight (one each at a time).
    geometry_busy: std::sync::Mutex<std::collections::BTreeSet<String>>,
    /// The live picture, alerts and stream.
    pub live: Arc<Live>,
    /// Reservations, zones and intrusion alerts.
    pub strategic: Arc<Strategic>,
    /// The time.
    pub clock: Clock,
    /// Signed checkpoints of the audit log.
    pub checkpoints: Arc<Checkpoints>,
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
        checkpoints: Arc<Checkpoints>,
    ) -> AppState {
        let limiter = RateLimiter::new(
            config.limits.rate_limit_per_s,
            config.limits.rate_limit_burst,
        );
        let telemetry_limiter = RateLimiter::new(
            config.limits.telemetry_states_per_s,
            config.limits.telemetry_states_burst,
        );
        let geometry = Arc::new(tokio::sync::Semaphore::new(
            config.limits.geometry_concurrency.max(1),
        ));
        let strategic = Arc::new(Strategic::new(&config.strategic));
        AppState(Arc::new(Inner {
            strategic,
            store,
            config,
            directory,
            limiter,
            telemetry_limiter,
            geometry,
            geometry_busy: Default::default(),
            live,
            clock,
            checkpoints,
        }))
    }

    /// Marks a party's reservation geometry request in flight until the slot is dropped.
    ///
    /// # Errors
    /// 429 when the party already has one in flight.
    pub fn geometry_slot(&self, party: &str) -> Result<GeometrySlot, ApiError> {
        let mut busy = self.geometry_busy.lock().unwrap_or_else(|e| e.into_inner());
        if !busy.insert(party.to_owned()) {
            return Err(ApiError::too_many_requests(
                format!("{party} already has a reservation check or filing being computed; one at a time per party"),
                1,
            ));
        }
        Ok(GeometrySlot {
            state: self.clone(),
            party: party.to_owned(),
        })
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

/// A party's reservation geometry request in flight ([`AppState::geometry_slot`]).
pub struct GeometrySlot {
    state: AppState,
    party: String,
}

impl Drop for GeometrySlot {
    fn drop(&mut self) {
        self.state
            .geometry_busy
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.party);
    }
}
