//! The cell server: REST + WebSocket API over the live picture, alerts, hotline and audit log,
//! with need-to-know filtering, metrics and the embedded browser console.
//!
//! # Layout
//! - `config`: the TOML configuration, its sections and defaults (a leaf: imports nothing of
//!   the server).
//! - `clock`: the one clock, passed in as a value so that rules and cycles can be tested at
//!   any time.
//! - `domain/`: the cell's rules, pure — no axum, no store, no clock calls; each module has its
//!   unit tests: ids, parties (directory, callers, tokens), policy (every visibility and
//!   acknowledgement rule), alerts (records and their one ordering), reservations (the give-way
//!   decision), requests (the answer state machine and expiry), intrusions, safety-net
//!   declarations, the picture.
//! - `wire`: every JSON shape the server sends (stream frames, the conflict and intrusion
//!   views, GeoJSON), in one place.
//! - `live/`: the background tasks, which take handles ([`Live`], the store, the clock), never
//!   the HTTP state: ingest, the alert cycle, the picture cycle, strategic state and the
//!   intrusion cycle, feeds, the demo.
//! - `http/`: one file per resource with handlers of a few lines (extract, call a rule or a
//!   store operation, respond); `error` is the only place HTTP statuses are chosen.
//! - `app`: the router, its fallbacks and middleware; `run`: start-up and bootstrap.

mod app;
mod clock;
mod config;
mod domain;
mod error;
mod http;
mod live;
mod metrics;
mod run;
mod wire;

pub use app::app;
pub use clock::Clock;
pub use config::{
    AuditConfig, Config, ConfigError, CrosscheckConfig, EqualPriority, FeedConfig, FeedKind,
    FeedMode, GuidanceSettings, Kinematics, LimitsConfig, PartyConfig, RetentionConfig,
    SafetyNetSettings, SeparationConfig, StrategicConfig, TracksConfig,
};
pub use domain::parties::Directory;
pub use http::state::AppState;
pub use live::checkpoints::Checkpoints;
pub use live::Live;
pub use metrics::Metrics;
/// The cycles' work without their I/O, for benchmarks (`examples/cycles`).
#[doc(hidden)]
pub mod cycles {
    pub use crate::domain::picture::{view_of, Picture, TrackView};
    pub use crate::domain::policy::Viewer;
    pub use crate::live::picture::{build as picture, views, Sent};
    pub use crate::live::ViewerDelta;
}
pub use run::{demo_data_dir, issue_token, run, ServeOptions, ServerError};
