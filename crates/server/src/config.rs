//! The server's configuration, read from one TOML file.
//!
//! Every section is `#[serde(default, deny_unknown_fields)]` and `impl Default` is the only
//! place a default is defined; keys carry their unit (`cycle_s`, `range_nm`). The checked-in
//! `deconflict.example.toml` is tested to parse and to equal [`Config::default`] where it does
//! not add parties or feeds.

use deconflict_airspace::IntrusionAlertConfig;
use deconflict_store::{Role, Sharing};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on. Default `127.0.0.1:8080`. `--listen` overrides it.
    pub listen: String,
    /// Directory of the database and run files. Default `data`. `--data-dir` overrides it.
    pub data_dir: PathBuf,
    /// Engine cycle: how often the picture is snapshotted and checked, seconds. Default 1.
    pub cycle_s: f64,
    /// Alert cadence: how often conflict detection and alerting run over a fresh snapshot of
    /// the tracks, seconds. Default 0.1. Runs at least once per `cycle_s`; the picture (track
    /// deltas to clients) keeps the slower `cycle_s` cadence.
    pub alert_cycle_s: f64,
    /// Separation standard and alerting.
    pub separation: SeparationConfig,
    /// Operational alerting logic over the detector: level occupancy, intent, confirmation,
    /// parameter regions, inhibition volumes and declared exemptions.
    pub safety_net: SafetyNetSettings,
    /// Track coasting and dropping.
    pub tracks: TracksConfig,
    /// Sharing rule for parties that do not set one.
    pub sharing: Sharing,
    /// Retention of cleared alerts.
    pub retention: RetentionConfig,
    /// Request limits.
    pub limits: LimitsConfig,
    /// Parties registered at start-up if missing.
    pub parties: Vec<PartyConfig>,
    /// Surveillance feeds to connect to or listen on.
    pub feeds: Vec<FeedConfig>,
    /// Reservations, zones, requests and intrusion alerts.
    pub strategic: StrategicConfig,
    /// Resolution guidance for the aircraft in alert.
    pub guidance: GuidanceSettings,
    /// The audit log's signed checkpoints.
    pub audit: AuditConfig,
    /// The position cross-check against independent surveillance.
    pub crosscheck: CrosscheckConfig,
    /// Where the cell keeps its data: SQLite in `data_dir` (default) or PostgreSQL.
    pub store: StoreConfig,
    /// Several nodes over one PostgreSQL: the leadership lease and what nodes share.
    pub cluster: ClusterConfig,
}

/// Several `serve` nodes over one shared store. One node at a time, the leader, holds the
/// cell's lease and runs the alert and strategic cycles; every node serves the API, the
/// stream and the console, and mirrors what the others wrote (`live::lease`, `live::mirror`).
/// A single node (SQLite, or one node on PostgreSQL) is simply always the leader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterConfig {
    /// This node's name in the lease and the audit log, to which each process adds a random
    /// suffix (`cell-a~3f2c`), so that a restarted node, or two given the same name, are
    /// different holders. Default: `<hostname>-<pid>-<random>`.
    pub node_id: Option<String>,
    /// How long the lease lasts unless renewed, seconds. Default 2: a dead leader is replaced
    /// within this much plus one renewal period (2.5 s), inside the 3 s a failover may take.
    pub lease_ttl_s: f64,
    /// How often the lease is renewed (and, by the others, tried), seconds. Default 0.5.
    pub lease_renew_s: f64,
    /// How often a node reads back what other nodes wrote (alerts, acknowledgements,
    /// messages, reservations and requests), seconds. Default 0.5.
    pub mirror_s: f64,
    /// The console addresses of every node (`http://host:port`), given to clients so that a
    /// console whose node dies reconnects to the next. Default none.
    pub nodes: Vec<String>,
    /// How often a node sends what arrived at it alone (listen-mode feeds, POSTed telemetry)
    /// to the others and reads what they sent, seconds (`live::relay`; on PostgreSQL only).
    /// Default 0.25.
    pub relay_s: f64,
    /// How long relayed batches are kept in the store before the leader prunes them, seconds.
    /// Default 60.
    pub relay_keep_s: f64,
    /// Most observations waiting to be relayed; beyond, they are dropped and counted
    /// (`deconflict_relay_dropped_total`). Default 200,000.
    pub relay_max_states: usize,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            node_id: None,
            lease_ttl_s: 2.0,
            lease_renew_s: 0.5,
            mirror_s: 0.5,
            nodes: Vec::new(),
            relay_s: 0.25,
            relay_keep_s: 60.0,
            relay_max_states: 200_000,
        }
    }
}

/// Where the cell keeps its data, and how it talks to PostgreSQL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// `postgres://USER@HOST:PORT/DB` keeps the data in PostgreSQL; unset (the default), the
    /// embedded SQLite database in `data_dir`. The environment variable `DATABASE_URL`
    /// overrides it.
    pub url: Option<String>,
    /// PostgreSQL connections kept open at most. Default 8.
    pub pool_size: usize,
    /// Times a PostgreSQL transaction failed by a concurrent one (SQLSTATE 40001, 40P01) is run
    /// again before it fails. Default 10.
    pub retries: u32,
    /// How long to wait for a PostgreSQL connection to open or come free, seconds. Default 5.
    pub connect_timeout_s: f64,
    /// Longest a PostgreSQL statement waits for a lock (writers queue on one), seconds.
    /// Default 5.
    pub lock_timeout_s: f64,
    /// Longest a PostgreSQL session may sit idle inside a transaction before the server ends
    /// it (a node frozen or gone mid-write releases the writers' lock), seconds; also the TCP
    /// keepalive idle time. Default 5.
    pub idle_in_transaction_timeout_s: f64,
}

impl Default for StoreConfig {
    fn default() -> Self {
        let pg = deconflict_store::PgOptions::default();
        StoreConfig {
            url: None,
            pool_size: pg.pool_size,
            retries: pg.retries,
            connect_timeout_s: pg.connect_timeout_s,
            lock_timeout_s: pg.lock_timeout_s,
            idle_in_transaction_timeout_s: pg.idle_in_transaction_timeout_s,
        }
    }
}

impl StoreConfig {
    /// The store's location: `url` when set, else SQLite in `data_dir`.
    ///
    /// # Errors
    /// `url` is neither a `postgres://` nor a `sqlite:` location.
    pub fn location(
        &self,
        data_dir: &std::path::Path,
    ) -> Result<deconflict_store::Location, ConfigError> {
        match self.url.as_deref().filter(|u| !u.is_empty()) {
            None => Ok(deconflict_store::Location::Sqlite(data_dir.to_owned())),
            Some(u) => u.parse().map_err(|message| ConfigError::Invalid {
                key: "store.url".into(),
                message,
            }),
        }
    }

    /// The PostgreSQL connection options.
    pub fn pg_options(&self) -> deconflict_store::PgOptions {
        deconflict_store::PgOptions {
            pool_size: self.pool_size,
            retries: self.retries,
            connect_timeout_s: self.connect_timeout_s,
            lock_timeout_s: self.lock_timeout_s,
            idle_in_transaction_timeout_s: self.idle_in_transaction_timeout_s,
        }
    }
}

/// The position cross-check of parties' reports against independent surveillance
/// (`domain::crosscheck`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CrosscheckConfig {
    /// How often the check runs, seconds. Default 1.
    pub cycle_s: f64,
    /// Horizontal disagreement above which a sample is discrepant, metres. Default 1852
    /// (1 NM).
    pub horizontal_m: f64,
    /// Vertical disagreement above which a sample is discrepant, feet. Default 300.
    pub vertical_ft: f64,
    /// A discrepancy is raised after its samples stayed discrepant this long, seconds.
    /// Default 5.
    pub persist_s: f64,
    /// A raised discrepancy clears after it stayed absent this long, seconds. Default 10.
    pub clear_s: f64,
    /// A report or fix older than this (against the check's time) is not compared, seconds.
    /// Default 10.
    pub max_age_s: f64,
}

impl Default for CrosscheckConfig {
    fn default() -> Self {
        CrosscheckConfig {
            cycle_s: 1.0,
            horizontal_m: 1852.0,
            vertical_ft: 300.0,
            persist_s: 5.0,
            clear_s: 10.0,
            max_age_s: 10.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// The cell signs a checkpoint of the log (its sequence number and head hash) this often,
    /// seconds, and pushes it on the stream. Default 60.
    pub checkpoint_interval_s: f64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            checkpoint_interval_s: 60.0,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            cycle_s: 1.0,
            alert_cycle_s: 0.1,
            separation: SeparationConfig::default(),
            safety_net: SafetyNetSettings::default(),
            tracks: TracksConfig::default(),
            sharing: Sharing::alerts_only(),
            retention: RetentionConfig::default(),
            limits: LimitsConfig::default(),
            parties: Vec::new(),
            feeds: Vec::new(),
            strategic: StrategicConfig::default(),
            guidance: GuidanceSettings::default(),
            audit: AuditConfig::default(),
            crosscheck: CrosscheckConfig::default(),
            store: StoreConfig::default(),
            cluster: ClusterConfig::default(),
        }
    }
}

/// Resolution guidance (kinematic bands and advice, `docs/guidance.md`) for every aircraft in
/// an active conflict alert, against all the traffic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GuidanceSettings {
    /// Compute guidance. Default true.
    pub enabled: bool,
    /// Guidance is recomputed in the alert cycle at most this often, seconds (an aircraft
    /// newly in alert gets it in the cycle that raised the alert). Default 1 (tracks change
    /// about once a second).
    pub cycle_s: f64,
    /// At most this many aircraft in alert get guidance: those of alerts involving a party
    /// first, then civil pairs, each by urgency; the others are counted
    /// (`deconflict_guidance_skipped_total`). Default 1000.
    pub max_aircraft: usize,
    /// One guidance computation stops starting new aircraft after this many seconds, so
    /// that guidance takes at most about `budget_s / cycle_s` of one core from the alert
    /// cycle; the aircraft left over are computed first next time (those without guidance,
    /// then the oldest). Default 0.2.
    pub budget_s: f64,
    /// How manoeuvres are flown: `default` (turn rate or bank angle and accelerations) or
    /// `instant` (applied at once). Default `default`.
    pub kinematics: Kinematics,
    /// Manoeuvre model of aircraft with no party category: `airliner`, `fighter`,
    /// `helicopter`, `drone`, or an ADS-B emitter category (`A3`, `A7`, `B6`…). Default: the
    /// engine's default model.
    pub category: Option<String>,
    /// Manoeuvre model of each party's aircraft, by party id (e.g. `{ red = "fighter" }`).
    /// Default none.
    pub party_categories: std::collections::BTreeMap<String, String>,
}

/// `[guidance] kinematics`, named as `deconflict detect --kinematics` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kinematics {
    /// Turn rate or bank angle, accelerations.
    Default,
    /// Manoeuvres applied at once.
    Instant,
}

impl Default for GuidanceSettings {
    fn default() -> Self {
        GuidanceSettings {
            enabled: true,
            cycle_s: 1.0,
            max_aircraft: 1000,
            budget_s: 0.2,
            kinematics: Kinematics::Default,
            category: None,
            party_categories: std::collections::BTreeMap::new(),
        }
    }
}

impl GuidanceSettings {
    /// How manoeuvres are flown.
    pub fn dynamics(&self) -> deconflict_engine::guidance::Dynamics {
        use deconflict_engine::guidance::Dynamics;
        match self.kinematics {
            Kinematics::Default => Dynamics::Kinematic,
            Kinematics::Instant => Dynamics::Instantaneous,
        }
    }

    /// The manoeuvre category of an aircraft of `party` (`None`: the default model).
    pub fn category_of(
        &self,
        party: Option<&str>,
    ) -> Option<deconflict_engine::guidance::Category> {
        use deconflict_engine::guidance::Category;
        party
            .and_then(|p| self.party_categories.get(p))
            .or(self.category.as_ref())
            .and_then(|c| Category::parse(c))
    }
}

/// Separation minima, look-ahead and alert thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeparationConfig {
    /// Horizontal separation minimum, nautical miles. Default 5.
    pub horizontal_nm: f64,
    /// Vertical separation minimum, feet. Default 1000.
    pub vertical_ft: f64,
    /// How far ahead conflicts are predicted, seconds. Default 300.
    pub lookahead_s: f64,
    /// A conflict whose loss of separation starts within this many seconds is a warning
    /// (level 3). Default 60.
    pub warning_s: f64,
    /// ... within this many seconds is a caution (level 2); later ones are advisories (level 1).
    /// Default 120.
    pub caution_s: f64,
    /// A conflict no longer detected is cleared only after this many seconds (hysteresis).
    /// Default 5.
    pub alert_hold_s: f64,
    /// Tracks on the ground are not checked. Default true.
    pub ignore_on_ground: bool,
}

impl Default for SeparationConfig {
    fn default() -> Self {
        SeparationConfig {
            horizontal_nm: 5.0,
            vertical_ft: 1000.0,
            lookahead_s: 300.0,
            warning_s: 60.0,
            caution_s: 120.0,
            alert_hold_s: 5.0,
            ignore_on_ground: true,
        }
    }
}

/// Track lifetime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TracksConfig {
    /// A track not updated for this many seconds is shown as coasting. Default 15.
    pub coast_after_s: f64,
    /// A track not updated for this many seconds is dropped. Default 60.
    pub drop_after_s: f64,
}

impl Default for TracksConfig {
    fn default() -> Self {
        TracksConfig {
            coast_after_s: 15.0,
            drop_after_s: 60.0,
        }
    }
}

/// The safety net's settings (`[safety_net]`). The defaults follow ICAO Doc 4444 (level
/// occupancy) and NASA DAIDALUS (2-of-4 confirmation); see `docs/safety-net.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SafetyNetSettings {
    /// An aircraft is at a level while within this of it, feet. Default 200.
    pub level_tolerance_ft: f64,
    /// A level is vacated after a change of more than this, feet. Default 300.
    pub vacate_ft: f64,
    /// Vertical rates within this count as level, feet per minute. Default 250.
    pub dead_band_fpm: f64,
    /// Levels are multiples of this, feet. Default 100.
    pub level_step_ft: f64,
    /// Time in the dead band at one level before a track is level-stable, seconds. Default 4.
    pub level_confirm_s: f64,
    /// Apply level occupancy. Default true.
    pub level_occupancy: bool,
    /// Cap climbs and descents at the downlinked selected altitude. Default true.
    pub intent: bool,
    /// A selected altitude older than this is not used, seconds. Default 30.
    pub selected_alt_max_age_s: f64,
    /// M of M-of-N confirmation (1 = off). Default 2.
    pub confirm_m: u8,
    /// N of M-of-N confirmation (at most 16). Default 4.
    pub confirm_n: u8,
    /// Region files (TOML, GeoJSON or OpenAir) loaded at start, before the default aerodrome
    /// regions. Default none.
    pub region_files: Vec<PathBuf>,
    /// Default terminal regions and aerodrome inhibition around every scheduled-service
    /// aerodrome of the bundled list (`[safety_net.aerodromes]`).
    pub aerodromes: deconflict_airspace::regions::AerodromeDefaults,
    /// Most tracks in one declared exemption. Default 16.
    pub exemption_max_tracks: usize,
    /// Longest declared exemption, seconds. Default 43200 (12 h).
    pub exemption_max_duration_s: f64,
}

impl Default for SafetyNetSettings {
    fn default() -> Self {
        let d = deconflict_engine::safety::SafetyNetConfig::default();
        SafetyNetSettings {
            level_tolerance_ft: d.vertical.level_tolerance_ft,
            vacate_ft: d.vertical.vacate_ft,
            dead_band_fpm: d.vertical.dead_band_fpm,
            level_step_ft: d.vertical.level_step_ft,
            level_confirm_s: d.vertical.level_confirm_s,
            level_occupancy: d.level_occupancy,
            intent: d.intent.enabled,
            selected_alt_max_age_s: d.intent.max_age_s,
            confirm_m: d.confirm.m,
            confirm_n: d.confirm.n,
            region_files: Vec::new(),
            aerodromes: Default::default(),
            exemption_max_tracks: 16,
            exemption_max_duration_s: 43_200.0,
        }
    }
}

impl SafetyNetSettings {
    /// The engine's configuration.
    pub fn engine(&self) -> deconflict_engine::safety::SafetyNetConfig {
        use deconflict_engine::safety::{ConfirmConfig, IntentConfig, VerticalConfig};
        deconflict_engine::safety::SafetyNetConfig {
            vertical: VerticalConfig {
                level_tolerance_ft: self.level_tolerance_ft,
                vacate_ft: self.vacate_ft,
                dead_band_fpm: self.dead_band_fpm,
                level_step_ft: self.level_step_ft,
                level_confirm_s: self.level_confirm_s,
            },
            intent: IntentConfig {
                enabled: self.intent,
                max_age_s: self.selected_alt_max_age_s,
            },
            confirm: ConfirmConfig {
                m: self.confirm_m,
                n: self.confirm_n,
            },
            level_occupancy: self.level_occupancy,
        }
    }
}

/// What is kept and for how long.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// Cleared alerts are deleted after this many seconds. Default 86400 (one day).
    pub cleared_alerts_s: f64,
    /// `GET /conflicts?include=cleared` returns alerts cleared in the last this many seconds.
    /// Default 600.
    pub recent_cleared_s: f64,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            cleared_alerts_s: 86_400.0,
            recent_cleared_s: 600.0,
        }
    }
}

/// Request limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Largest accepted request body, bytes. Default 1048576 (1 MiB).
    pub body_limit_bytes: usize,
    /// Sustained requests per second allowed per token. Default 50.
    pub rate_limit_per_s: f64,
    /// Burst of requests allowed per token above the sustained rate. Default 200.
    pub rate_limit_burst: f64,
    /// Stream frames buffered per WebSocket client before it is resynchronised. Default 32.
    pub ws_queue_frames: usize,
    /// A WebSocket client that cannot take a frame within this many seconds is dropped.
    /// Default 10.
    pub ws_send_timeout_s: f64,
    /// Most telemetry states accepted in one request. Default 10000.
    pub telemetry_batch_max: usize,
    /// Most aerodromes one `GET /api/v1/aerodromes` returns, whatever its `limit`. Default 2000.
    pub aerodromes_max: usize,
    /// Telemetry states per second a party may send, sustained (then 429). Default 5000.
    pub telemetry_states_per_s: f64,
    /// Telemetry states a party may send at once above the sustained rate. Default 20000.
    pub telemetry_states_burst: f64,
    /// Most live tracks one party may own through its telemetry (then 429 for new aircraft).
    /// Default 5000.
    pub party_tracks_max: usize,
    /// Most polygon vertices (circles count 64) in all the volumes of one reservation check,
    /// filing or change (then 422): bounds the geometry one request can ask for. Default 20000.
    pub geometry_vertices_max: usize,
    /// Reservation checks, filings and changes computed at once, all parties together (the
    /// others wait), so geometry never takes every core from the alert cycle. Default 1.
    pub geometry_concurrency: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            body_limit_bytes: 1024 * 1024,
            rate_limit_per_s: 50.0,
            rate_limit_burst: 200.0,
            ws_queue_frames: 32,
            ws_send_timeout_s: 10.0,
            telemetry_batch_max: 10_000,
            aerodromes_max: 2_000,
            telemetry_states_per_s: 5_000.0,
            telemetry_states_burst: 20_000.0,
            party_tracks_max: 5_000,
            geometry_vertices_max: 20_000,
            geometry_concurrency: 1,
        }
    }
}

/// A party registered at start-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyConfig {
    /// Identifier (lowercase letters, digits, `-`, `_`).
    pub id: String,
    /// Display name. Default: the id.
    #[serde(default)]
    pub name: Option<String>,
    /// Role. Default `party`.
    #[serde(default = "default_role")]
    pub role: Role,
    /// Sharing rule. Default: the top-level `sharing`.
    #[serde(default)]
    pub sharing: Option<Sharing>,
    /// The aircraft the party may report (`{ icao = ["AE1000-AE10FF"], prefixes = ["BLU"] }`),
    /// registered at start when the party has none yet (then changed over the API). Default:
    /// none — the party's telemetry is refused until the cell registers its aircraft.
    #[serde(default)]
    pub aircraft: Option<AircraftClaims>,
}

/// The aircraft one party may report (checked and used by `domain::ownership`): ICAO addresses (`"AE1001"`) and ranges
/// (`"AE1000-AE10FF"`, inclusive), and track-number prefixes (`"BLU"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AircraftClaims {
    /// ICAO 24-bit addresses and inclusive ranges, six hex digits each.
    pub icao: Vec<String>,
    /// Track-number prefixes (non-ICAO ids), upper-case letters and digits.
    pub prefixes: Vec<String>,
}

fn default_role() -> Role {
    Role::Party
}

/// Wire format of a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedKind {
    /// SBS-1 BaseStation CSV lines (port 30003 convention).
    Sbs,
    /// Beast binary frames (port 30005).
    Beast,
    /// AVR raw hex lines (port 30002).
    Avr,
}

impl FeedKind {
    /// Name as in the config and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::Sbs => "sbs",
            FeedKind::Beast => "beast",
            FeedKind::Avr => "avr",
        }
    }
}

/// Whether the server dials the feed or waits for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedMode {
    /// Connect to `address`, reconnecting with back-off.
    Connect,
    /// Listen on `address` for feed connections.
    Listen,
}

/// A surveillance feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// Identifier, shown in track sources and metrics.
    pub id: String,
    /// Wire format.
    pub kind: FeedKind,
    /// `host:port`.
    pub address: String,
    /// Connect or listen. Default `connect`.
    #[serde(default = "default_mode")]
    pub mode: FeedMode,
    /// Party owning the aircraft this feed reports (its own surveillance), or none for a
    /// shared/civil feed.
    #[serde(default)]
    pub party: Option<String>,
    /// Receiver position `[lat_deg, lon_deg]`, for decoding Mode S positions from a single
    /// message (Beast/AVR). Default: none (positions need an even/odd message pair).
    #[serde(default)]
    pub reference_deg: Option<[f64; 2]>,
    /// A connection that sends nothing for this many seconds is dropped and (connect mode)
    /// reconnected; the feed list says why (`last_disconnect`). 0 = never. Default 30.
    #[serde(default = "default_silent_after_s")]
    pub silent_after_s: f64,
}

fn default_silent_after_s() -> f64 {
    30.0
}

fn default_mode() -> FeedMode {
    FeedMode::Connect
}

/// Why a configuration is unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The TOML is invalid (the message names the key and line).
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What `toml` said.
        message: String,
    },
    /// A value is out of range.
    #[error("{key}: {message}")]
    Invalid {
        /// Dotted key.
        key: String,
        /// What is wrong.
        message: String,
    },
}

impl Config {
    /// The track table's configuration: `[tracks]` coasting and dropping, the safety net's
    /// vertical tracking, `separation.ignore_on_ground`.
    pub fn track_config(&self) -> deconflict_feeds::track::TrackConfig {
        deconflict_feeds::track::TrackConfig {
            coast_after_s: self.tracks.coast_after_s,
            drop_after_s: self.tracks.drop_after_s,
            vertical: self.safety_net.engine().vertical,
            exclude_on_ground: self.separation.ignore_on_ground,
            ..deconflict_feeds::track::TrackConfig::default()
        }
    }

    /// The engine's detection options: the separation standard and alert levels of
    /// `[separation]`, one thread.
    pub fn detect_options(&self) -> deconflict_engine::detect::DetectOptions {
        use deconflict_engine::standard::{AlertLevels, SeparationStandard};
        deconflict_engine::detect::DetectOptions {
            standard: SeparationStandard {
                h_sep_nm: self.separation.horizontal_nm,
                v_sep_ft: self.separation.vertical_ft,
                lookahead_s: self.separation.lookahead_s,
            },
            levels: AlertLevels::advisory_caution_warning(
                self.separation.caution_s,
                self.separation.warning_s,
            ),
            threads: 1,
        }
    }

    /// Reads and validates a file.
    ///
    /// # Errors
    /// Unreadable file, invalid TOML (with the key and line) or an out-of-range value.
    pub fn load(path: &std::path::Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses and validates TOML text; `path` is only used in messages.
    pub fn parse(text: &str, path: &std::path::Path) -> Result<Config, ConfigError> {
        let c: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        c.validate()?;
        Ok(c)
    }

    /// Checks ranges and references.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let positive = |key: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(ConfigError::Invalid {
                    key: key.into(),
                    message: format!("must be a positive number, got {v}"),
                })
            }
        };
        positive("cycle_s", self.cycle_s)?;
        positive("store.connect_timeout_s", self.store.connect_timeout_s)?;
        positive("store.lock_timeout_s", self.store.lock_timeout_s)?;
        positive(
            "store.idle_in_transaction_timeout_s",
            self.store.idle_in_transaction_timeout_s,
        )?;
        positive("cluster.lease_ttl_s", self.cluster.lease_ttl_s)?;
        positive("cluster.lease_renew_s", self.cluster.lease_renew_s)?;
        positive("cluster.mirror_s", self.cluster.mirror_s)?;
        positive("cluster.relay_s", self.cluster.relay_s)?;
        positive("cluster.relay_keep_s", self.cluster.relay_keep_s)?;
        if self.cluster.lease_renew_s >= self.cluster.lease_ttl_s {
            return Err(ConfigError::Invalid {
                key: "cluster.lease_renew_s".into(),
                message: format!(
                    "must be below cluster.lease_ttl_s ({}), or the lease lapses between renewals",
                    self.cluster.lease_ttl_s
                ),
            });
        }
        if self.store.pool_size == 0 {
            return Err(ConfigError::Invalid {
                key: "store.pool_size".into(),
                message: "must be at least 1".into(),
            });
        }
        self.store.location(&self.data_dir)?;
        positive("alert_cycle_s", self.alert_cycle_s)?;
        positive(
            "audit.checkpoint_interval_s",
            self.audit.checkpoint_interval_s,
        )?;
        positive(
            "strategic.compliance_lead_s",
            self.strategic.compliance_lead_s,
        )?;
        for (key, v) in [
            ("crosscheck.cycle_s", self.crosscheck.cycle_s),
            ("crosscheck.horizontal_m", self.crosscheck.horizontal_m),
            ("crosscheck.vertical_ft", self.crosscheck.vertical_ft),
            ("crosscheck.persist_s", self.crosscheck.persist_s),
            ("crosscheck.clear_s", self.crosscheck.clear_s),
            ("crosscheck.max_age_s", self.crosscheck.max_age_s),
        ] {
            positive(key, v)?;
        }
        deconflict_engine::safety::net::validate_config(&self.safety_net.engine()).map_err(
            |e| ConfigError::Invalid {
                key: "safety_net".into(),
                message: e.to_string(),
            },
        )?;
        if self.safety_net.confirm_m == 0
            || self.safety_net.confirm_m > self.safety_net.confirm_n
            || self.safety_net.confirm_n > 16
        {
            return Err(ConfigError::Invalid {
                key: "safety_net.confirm_m".into(),
                message: "need 1 <= confirm_m <= confirm_n <= 16".into(),
            });
        }
        positive("separation.horizontal_nm", self.separation.horizontal_nm)?;
        positive("separation.vertical_ft", self.separation.vertical_ft)?;
        positive("separation.lookahead_s", self.separation.lookahead_s)?;
        positive("separation.warning_s", self.separation.warning_s)?;
        positive("separation.caution_s", self.separation.caution_s)?;
        if !self.separation.alert_hold_s.is_finite() || self.separation.alert_hold_s < 0.0 {
            return Err(ConfigError::Invalid {
                key: "separation.alert_hold_s".into(),
                message: "must be >= 0".into(),
            });
        }
        positive("tracks.coast_after_s", self.tracks.coast_after_s)?;
        positive("tracks.drop_after_s", self.tracks.drop_after_s)?;
        positive(
            "strategic.intrusion_lookahead_s",
            self.strategic.intrusion_lookahead_s,
        )?;
        positive("strategic.request_max_s", self.strategic.request_max_s)?;
        positive(
            "strategic.request_default_s",
            self.strategic.request_default_s,
        )?;
        positive("strategic.zone_default_s", self.strategic.zone_default_s)?;
        positive("limits.rate_limit_per_s", self.limits.rate_limit_per_s)?;
        positive("limits.rate_limit_burst", self.limits.rate_limit_burst)?;
        positive("limits.ws_send_timeout_s", self.limits.ws_send_timeout_s)?;
        positive("guidance.cycle_s", self.guidance.cycle_s)?;
        positive("guidance.budget_s", self.guidance.budget_s)?;
        let categories = self
            .guidance
            .category
            .iter()
            .map(|c| ("guidance.category".to_owned(), c))
            .chain(
                self.guidance
                    .party_categories
                    .iter()
                    .map(|(p, c)| (format!("guidance.party_categories.{p}"), c)),
            );
        for (key, c) in categories {
            if deconflict_engine::guidance::Category::parse(c).is_none() {
                return Err(ConfigError::Invalid {
                    key,
                    message: format!(
                        "{c:?}: use airliner, fighter, helicopter, drone or an ADS-B emitter \
                         category (A1-A7, B6)"
                    ),
                });
            }
        }
        positive("sharing.range_nm", self.sharing.range_nm)?;
        positive("sharing.alt_ft", self.sharing.alt_ft)?;
        let mut ids = std::collections::HashSet::new();
        for (i, p) in self.parties.iter().enumerate() {
            deconflict_store::validate_party_id(&p.id).map_err(|m| ConfigError::Invalid {
                key: format!("parties[{i}].id"),
                message: m.to_string(),
            })?;
            if !ids.insert(p.id.as_str()) {
                return Err(ConfigError::Invalid {
                    key: format!("parties[{i}].id"),
                    message: format!("{} is listed twice", p.id),
                });
            }
        }
        for (i, f) in self.feeds.iter().enumerate() {
            if let Some(p) = &f.party {
                if !ids.contains(p.as_str()) {
                    return Err(ConfigError::Invalid {
                        key: format!("feeds[{i}].party"),
                        message: format!("party {p:?} is not listed under [[parties]]"),
                    });
                }
            }
            if f.address.parse::<std::net::SocketAddr>().is_err() && !f.address.contains(':') {
                return Err(ConfigError::Invalid {
                    key: format!("feeds[{i}].address"),
                    message: format!("{:?} is not host:port", f.address),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_file_parses_and_matches_defaults() {
        let path = std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../deconflict.example.toml"
        ));
        let c = Config::load(path).unwrap();
        let d = Config::default();
        assert_eq!(c.listen, d.listen);
        assert_eq!(c.data_dir, d.data_dir);
        assert_eq!(c.cycle_s, d.cycle_s);
        assert_eq!(c.alert_cycle_s, d.alert_cycle_s);
        assert_eq!(c.separation, d.separation);
        assert_eq!(c.tracks, d.tracks);
        assert_eq!(c.sharing, d.sharing);
        assert_eq!(c.retention, d.retention);
        assert_eq!(c.limits, d.limits);
        assert_eq!(c.audit, d.audit);
        assert_eq!(c.crosscheck, d.crosscheck);
        assert_eq!(
            GuidanceSettings {
                party_categories: d.guidance.party_categories.clone(),
                ..c.guidance.clone()
            },
            d.guidance
        );
        assert!(!c.parties.is_empty());
        assert!(!c.feeds.is_empty());
    }

    #[test]
    fn empty_file_is_the_default() {
        assert_eq!(
            Config::parse("", std::path::Path::new("x.toml")).unwrap(),
            Config::default()
        );
    }

    #[test]
    fn unknown_key_is_named() {
        let e = Config::parse(
            "[separation]\nhorizontal = 3\n",
            std::path::Path::new("x.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("horizontal"), "{e}");
    }

    #[test]
    fn bad_values_are_named() {
        let e = Config::parse("cycle_s = -1\n", std::path::Path::new("x.toml")).unwrap_err();
        assert!(e.to_string().contains("cycle_s"), "{e}");
        let e = Config::parse(
            "[[feeds]]\nid='f'\nkind='sbs'\naddress='127.0.0.1:30003'\nparty='ghost'\n",
            std::path::Path::new("x.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("feeds[0].party"), "{e}");
    }
}

/// How equal-priority overlaps are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EqualPriority {
    /// Filed with a justification, like overlaps of lower priority.
    Allow,
    /// Refused: one of the two parties must change its reservation.
    Refuse,
}

/// The `[strategic]` section of the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StrategicConfig {
    /// Overlaps between reservations of equal priority: `allow` (with a justification) or
    /// `refuse`. Default `allow`.
    pub equal_priority: EqualPriority,
    /// How far ahead live tracks are checked for entering reservations and zones, seconds.
    /// Default 300.
    pub intrusion_lookahead_s: f64,
    /// Intrusion alert levels and hysteresis.
    pub intrusion: IntrusionAlertConfig,
    /// Longest accepted request lifetime (`expires_at - now`), seconds. Default 7 days.
    pub request_max_s: f64,
    /// Lifetime of a vacate request filed without `expires_at`, seconds. Default 3600.
    pub request_default_s: f64,
    /// Time window given to OpenAir zones imported without one, seconds from now. Default 86400.
    pub zone_default_s: f64,
    /// An accepting party's aircraft predicted to be inside an exclusion at its deadline get
    /// a compliance alert from this many seconds before it. Default 600.
    pub compliance_lead_s: f64,
}

impl Default for StrategicConfig {
    fn default() -> Self {
        StrategicConfig {
            equal_priority: EqualPriority::Allow,
            intrusion_lookahead_s: 300.0,
            intrusion: IntrusionAlertConfig::default(),
            request_max_s: 7.0 * 86_400.0,
            request_default_s: 3_600.0,
            zone_default_s: 86_400.0,
            compliance_lead_s: 600.0,
        }
    }
}
