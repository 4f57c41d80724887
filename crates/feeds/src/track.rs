//! The fused air picture: one [`Track`] per aircraft, whichever feeds hear it.
//!
//! [`TrackTable`] is pure: no clock, no I/O, no async. Callers pass observations in with
//! [`TrackTable::ingest`], age the picture with [`TrackTable::expire`] and take a snapshot for
//! the detector with [`TrackTable::airborne_states`]. Ingest never waits for detection.
//!
//! # Merging rules
//! - Each kinematic component (position, altitude, velocity) is applied only if its time is
//!   newer than the one the track holds, so out-of-order messages from several feeds (or a
//!   slow feed) never move a track backwards. An observation no newer than the track that
//!   brings nothing new is rejected as `duplicate` (same time) or `out_of_order` (older); its
//!   feed is still listed as a source, because it did hear the aircraft. A newer one that
//!   only repeats known values is accepted and refreshes the track.
//! - A position that implies a speed above [`TrackConfig::max_speed_kt`] from the last accepted
//!   position (plus [`TrackConfig::position_tolerance_nm`] for receiver noise) is rejected as
//!   `implausible_jump`. To recover from a bad accepted position, the jump check is skipped
//!   when the last position is older than [`TrackConfig::coast_after_s`] or after
//!   [`TrackConfig::max_consecutive_jumps`] rejects in a row.
//! - Owner: the party that reports the aircraft as its own (telemetry, `own = true`) owns the
//!   track from then on; otherwise the party of the first feed that heard it. Once a party
//!   owns a track by its own reports, another party's own report of it is rejected whole as
//!   `owned_by_other` (which aircraft a party may report at all is the server's registry).
//! - Independent surveillance of an owned aircraft: once a party owns a track by its own
//!   reports, what other sources (a civil ADS-B feed, another party's radar) say of the same
//!   address is kept apart as the track's [`Track::independent_fix`], beside the owner's
//!   [`Track::own_fix`], for the server's position cross-check; it moves the track only while
//!   the owner has been silent for [`TrackConfig::coast_after_s`] (the owner's reports are
//!   the track; surveillance keeps it alive when they stop).
//! - Selected altitudes (MCP/FCU and FMS, see [`crate::observation`]) are kept with the time
//!   of the observation that last carried each, and follow the same rule: one from an
//!   observation older than the held one is ignored, one at the same time only replaces a
//!   different value. They are short-term intent and go stale quickly (a new level is
//!   selected before the aircraft reaches the old one), so [`Track::selected_alt_at`] takes
//!   the age limit the caller's prediction can afford.
//! - A track coasts when silent for [`TrackConfig::coast_after_s`] and is dropped after
//!   [`TrackConfig::drop_after_s`].

use std::collections::HashMap;
use std::sync::Arc;

use deconflict_engine::safety::vertical::{VerticalConfig, VerticalMode, VerticalTracker};
use deconflict_engine::units::{NM_PER_DEG_LAT, S_PER_H, S_PER_MIN};
use deconflict_engine::AircraftState;
use serde::Serialize;

use crate::observation::Observation;

/// Mach 3 at ISA sea level (3 × 661.47 kt), the default plausibility limit, in knots.
pub const MACH3_SEA_LEVEL_KT: f64 = 1_984.0;

/// Track table settings. Every default is in [`TrackConfig::default`].
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrackConfig {
    /// Highest plausible ground speed implied by successive positions, knots. Default 1,984
    /// (Mach 3 at sea level).
    pub max_speed_kt: f64,
    /// Position noise allowed on top of the speed limit, nautical miles. Default 0.25.
    pub position_tolerance_nm: f64,
    /// Consecutive implausible jumps after which the new position is accepted anyway
    /// (the old one was probably wrong). Default 4.
    pub max_consecutive_jumps: u32,
    /// Silence after which a track coasts, seconds. Default 15.
    pub coast_after_s: f64,
    /// Silence after which a track is dropped, seconds. Default 60.
    pub drop_after_s: f64,
    /// Leave aircraft on the ground out of airborne detection. Default true.
    pub exclude_on_ground: bool,
    /// Level occupancy of each track's vertical tracker (ICAO Doc 4444), applied at every
    /// altitude update.
    pub vertical: VerticalConfig,
}

impl Default for TrackConfig {
    fn default() -> Self {
        TrackConfig {
            max_speed_kt: MACH3_SEA_LEVEL_KT,
            position_tolerance_nm: 0.25,
            max_consecutive_jumps: 4,
            coast_after_s: 15.0,
            drop_after_s: 60.0,
            exclude_on_ground: true,
            vertical: VerticalConfig::default(),
        }
    }
}

/// Why an observation was not applied. [`Reject::reason`] is a stable counter label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Reject {
    /// A field is missing, NaN or out of range.
    #[error("invalid {field}")]
    Invalid {
        /// The offending field.
        field: &'static str,
    },
    /// Nothing newer than what the track holds, at the same time.
    #[error("duplicate message")]
    Duplicate,
    /// Older than what the track holds.
    #[error("out-of-order message")]
    OutOfOrder,
    /// The position implies a speed above the configured limit.
    #[error("implausible position jump")]
    ImplausibleJump,
    /// A party reported as its own an aircraft another party owns.
    #[error("the aircraft is another party's")]
    OwnedByOther,
}

impl Reject {
    /// A stable short reason, for counters and reports.
    pub fn reason(&self) -> &'static str {
        match self {
            Reject::Invalid { .. } => "invalid",
            Reject::Duplicate => "duplicate",
            Reject::OutOfOrder => "out_of_order",
            Reject::ImplausibleJump => "implausible_jump",
            Reject::OwnedByOther => "owned_by_other",
        }
    }
}

/// One aircraft in the fused picture. Serialises as the API's `Track` (see `docs/api.md`),
/// plus the selected altitudes and their times.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Track {
    /// ICAO address (six upper-case hex digits) or party track number.
    pub id: String,
    /// Latest callsign.
    pub callsign: Option<String>,
    /// Owning party.
    pub party: Option<String>,
    /// Latitude of the latest position, degrees.
    pub lat_deg: Option<f64>,
    /// Longitude of the latest position, degrees.
    pub lon_deg: Option<f64>,
    /// Latest altitude, feet (barometric, else geometric).
    pub alt_ft: Option<f64>,
    /// Latest ground speed, knots.
    pub gs_kt: Option<f64>,
    /// Latest track angle, degrees true.
    pub trk_deg: Option<f64>,
    /// Latest vertical rate, feet per minute.
    pub vs_fpm: Option<f64>,
    /// Whether the aircraft last reported being on the ground.
    pub on_ground: bool,
    /// True when the track has been silent for longer than the coast time.
    pub coasting: bool,
    /// Time of the latest applied observation, UNIX seconds.
    #[serde(rename = "last_update")]
    pub last_update_s: f64,
    /// Feeds that have heard this aircraft.
    #[serde(serialize_with = "serialize_sources")]
    pub sources: Vec<Arc<str>>,
    /// Latest Mode A code.
    pub squawk: Option<String>,
    /// Latest MCP/FCU selected altitude, feet.
    pub selected_alt_ft: Option<f64>,
    /// Time of the observation that last carried [`Track::selected_alt_ft`], UNIX seconds.
    #[serde(rename = "selected_alt_time")]
    pub selected_alt_time_s: Option<f64>,
    /// Latest FMS selected altitude, feet.
    pub fms_selected_alt_ft: Option<f64>,
    /// Time of the observation that last carried [`Track::fms_selected_alt_ft`], UNIX seconds.
    #[serde(rename = "fms_selected_alt_time")]
    pub fms_selected_alt_time_s: Option<f64>,
    #[serde(skip)]
    pos_time_s: f64,
    #[serde(skip)]
    alt_time_s: f64,
    #[serde(skip)]
    vel_time_s: f64,
    #[serde(skip)]
    alt_is_gnss: bool,
    #[serde(skip)]
    owner_locked: bool,
    /// Level occupancy, updated at every altitude update.
    #[serde(skip)]
    vertical: VerticalTracker,
    #[serde(skip)]
    jumps: u32,
    /// The owner's latest own position report.
    #[serde(skip)]
    own_fix: Option<Fix>,
    /// The latest position of an owned track from a source independent of its owner.
    #[serde(skip)]
    independent_fix: Option<Fix>,
}

/// One position report of a track, as one source gave it, for cross-checking sources.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fix {
    /// Time of applicability, UNIX seconds.
    #[serde(rename = "time")]
    pub time_s: f64,
    /// Latitude, WGS-84, degrees.
    pub lat_deg: f64,
    /// Longitude, WGS-84, degrees.
    pub lon_deg: f64,
    /// Altitude, feet (barometric, else geometric), if the report carried one.
    pub alt_ft: Option<f64>,
    /// Ground speed, knots, if known.
    pub gs_kt: Option<f64>,
    /// Track angle, degrees true, if known.
    pub trk_deg: Option<f64>,
    /// Vertical rate, feet per minute, if known.
    pub vs_fpm: Option<f64>,
    /// The feed it came from.
    #[serde(serialize_with = "serialize_feed")]
    pub feed: Arc<str>,
}

fn serialize_feed<S: serde::Serializer>(feed: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(feed)
}

impl Fix {
    fn of(obs: &Observation, lat_deg: f64, lon_deg: f64) -> Fix {
        Fix {
            time_s: obs.time_s,
            lat_deg,
            lon_deg,
            alt_ft: obs.alt_ft.or(obs.gnss_alt_ft),
            gs_kt: obs.gs_kt,
            trk_deg: obs.trk_deg,
            vs_fpm: obs.vs_fpm,
            feed: obs.feed.clone(),
        }
    }
}

impl Track {
    fn new(id: String) -> Self {
        Track {
            id,
            callsign: None,
            party: None,
            lat_deg: None,
            lon_deg: None,
            alt_ft: None,
            gs_kt: None,
            trk_deg: None,
            vs_fpm: None,
            on_ground: false,
            coasting: false,
            last_update_s: f64::NEG_INFINITY,
            sources: Vec::new(),
            squawk: None,
            selected_alt_ft: None,
            selected_alt_time_s: None,
            fms_selected_alt_ft: None,
            fms_selected_alt_time_s: None,
            own_fix: None,
            independent_fix: None,
            pos_time_s: f64::NEG_INFINITY,
            alt_time_s: f64::NEG_INFINITY,
            vel_time_s: f64::NEG_INFINITY,
            alt_is_gnss: false,
            owner_locked: false,
            vertical: VerticalTracker::default(),
            jumps: 0,
        }
    }

    /// Time of the latest position, UNIX seconds, if any.
    pub fn position_time_s(&self) -> Option<f64> {
        self.lat_deg.map(|_| self.pos_time_s)
    }

    /// The selected altitude to use at `now_s`, feet: the MCP/FCU one if it was reported at
    /// most `max_age_s` before `now_s`, else the FMS one if that was, else `None`.
    pub fn selected_alt_at(&self, now_s: f64, max_age_s: f64) -> Option<f64> {
        let fresh = |v: Option<f64>, t: Option<f64>| {
            v.zip(t)
                .filter(|(_, t)| now_s - t <= max_age_s)
                .map(|(v, _)| v)
        };
        fresh(self.selected_alt_ft, self.selected_alt_time_s)
            .or_else(|| fresh(self.fms_selected_alt_ft, self.fms_selected_alt_time_s))
    }

    /// The vertical mode (level-stable with its level, climbing, descending) from the
    /// track's altitude updates.
    pub fn vertical_mode(&self) -> VerticalMode {
        self.vertical.mode()
    }

    /// The owner's latest own position report (a track owned by a party's own reports).
    pub fn own_fix(&self) -> Option<&Fix> {
        self.own_fix.as_ref()
    }

    /// The latest position of an owned track from a source independent of its owner (a
    /// civil feed, another party's surveillance).
    pub fn independent_fix(&self) -> Option<&Fix> {
        self.independent_fix.as_ref()
    }

    /// The state extrapolated linearly to `now_s` (flat-earth over the short extrapolation
    /// interval), if position, altitude and velocity are known. At most `max_extrapolation_s`
    /// of extrapolation is applied.
    pub fn state_at(&self, now_s: f64, max_extrapolation_s: f64) -> Option<AircraftState> {
        let (lat, lon) = (self.lat_deg?, self.lon_deg?);
        let alt = self.alt_ft?;
        let gs = self.gs_kt?;
        let trk = self.trk_deg?;
        let vs = self.vs_fpm.unwrap_or(0.0);
        let dt = (now_s - self.pos_time_s).clamp(0.0, max_extrapolation_s);
        let dist_nm = gs * dt / S_PER_H;
        let trk_rad = trk.to_radians();
        let lat2 = lat + dist_nm * trk_rad.cos() / NM_PER_DEG_LAT;
        let coslat = lat.to_radians().cos().max(1e-6);
        let mut lon2 = lon + dist_nm * trk_rad.sin() / (NM_PER_DEG_LAT * coslat);
        if lon2 > 180.0 {
            lon2 -= 360.0;
        } else if lon2 < -180.0 {
            lon2 += 360.0;
        }
        let dt_alt = (now_s - self.alt_time_s).clamp(0.0, max_extrapolation_s);
        let state = AircraftState {
            id: self.id.clone(),
            party: self.party.clone(),
            lat_deg: lat2.clamp(-90.0, 90.0),
            lon_deg: lon2,
            alt_ft: alt + vs * dt_alt / S_PER_MIN,
            gs_kt: gs,
            trk_deg: trk.rem_euclid(360.0),
            vs_fpm: vs,
        };
        state.validate().ok().map(|()| state)
    }
}

fn serialize_sources<S: serde::Serializer>(sources: &[Arc<str>], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(sources.iter().map(|x| &**x))
}

/// Equirectangular distance in nautical miles (accurate to well under 1 % at jump-check
/// ranges, and cheap).
fn approx_distance_nm(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let mut dlon = (lon2 - lon1).abs();
    if dlon > 180.0 {
        dlon = 360.0 - dlon;
    }
    let x = dlon * ((lat1 + lat2) * 0.5).to_radians().cos();
    let y = lat2 - lat1;
    NM_PER_DEG_LAT * (x * x + y * y).sqrt()
}

fn valid(v: Option<f64>, field: &'static str, min: f64, max: f64) -> Result<(), Reject> {
    match v {
        Some(v) if !(v.is_finite() && v >= min && v <= max) => Err(Reject::Invalid { field }),
        _ => Ok(()),
    }
}

fn validate(obs: &Observation) -> Result<(), Reject> {
    if obs.id.is_empty() || obs.id.len() > 32 {
        return Err(Reject::Invalid { field: "id" });
    }
    if !obs.time_s.is_finite() || obs.time_s < 0.0 {
        return Err(Reject::Invalid { field: "time" });
    }
    if obs.lat_deg.is_some() != obs.lon_deg.is_some() {
        return Err(Reject::Invalid { field: "lat_deg" });
    }
    valid(obs.lat_deg, "lat_deg", -90.0, 90.0)?;
    valid(obs.lon_deg, "lon_deg", -180.0, 180.0)?;
    valid(
        obs.alt_ft,
        "alt_ft",
        deconflict_engine::state::MIN_ALT_FT,
        deconflict_engine::state::MAX_ALT_FT,
    )?;
    valid(
        obs.gnss_alt_ft,
        "gnss_alt_ft",
        deconflict_engine::state::MIN_ALT_FT,
        deconflict_engine::state::MAX_ALT_FT,
    )?;
    valid(obs.gs_kt, "gs_kt", 0.0, deconflict_engine::state::MAX_GS_KT)?;
    valid(obs.trk_deg, "trk_deg", -720.0, 720.0)?;
    valid(
        obs.selected_alt_ft,
        "selected_alt_ft",
        deconflict_engine::state::MIN_ALT_FT,
        deconflict_engine::state::MAX_ALT_FT,
    )?;
    valid(
        obs.fms_selected_alt_ft,
        "fms_selected_alt_ft",
        deconflict_engine::state::MIN_ALT_FT,
        deconflict_engine::state::MAX_ALT_FT,
    )?;
    valid(
        obs.vs_fpm,
        "vs_fpm",
        -deconflict_engine::state::MAX_VS_FPM,
        deconflict_engine::state::MAX_VS_FPM,
    )?;
    Ok(())
}

/// The fused picture. See the module documentation for the merging rules.
#[derive(Debug, Clone, Default)]
pub struct TrackTable {
    config: TrackConfig,
    tracks: HashMap<String, Track>,
    /// Tracks per owning party, kept with every owner change and drop.
    owned: HashMap<String, usize>,
}

/// Moves one track's count in `owned` from `old` to `new` owner.
fn recount(owned: &mut HashMap<String, usize>, old: Option<&str>, new: Option<&str>) {
    if old == new {
        return;
    }
    if let Some(o) = old {
        if let Some(n) = owned.get_mut(o) {
            *n -= 1;
            if *n == 0 {
                owned.remove(o);
            }
        }
    }
    if let Some(n) = new {
        *owned.entry(n.to_owned()).or_default() += 1;
    }
}

impl TrackTable {
    /// An empty table.
    pub fn new(config: TrackConfig) -> Self {
        TrackTable {
            config,
            tracks: HashMap::new(),
            owned: HashMap::new(),
        }
    }

    /// How many tracks `party` owns (as [`Track::party`]), without a scan.
    pub fn owned_by(&self, party: &str) -> usize {
        self.owned.get(party).copied().unwrap_or(0)
    }

    /// The settings in use.
    pub fn config(&self) -> &TrackConfig {
        &self.config
    }

    /// Applies one observation.
    ///
    /// # Errors
    /// A [`Reject`] when nothing of it was applied; its feed is still recorded as a source of
    /// an existing track.
    pub fn ingest(&mut self, obs: Observation) -> Result<(), Reject> {
        validate(&obs)?;
        // No party speaks for another's aircraft: an own report of a track whose owner is
        // settled by another party's own reports is refused whole.
        if obs.own {
            if let (Some(t), Some(p)) = (self.tracks.get(obs.id.as_str()), obs.party.as_deref()) {
                if t.owner_locked && t.party.as_deref().is_some_and(|q| q != p) {
                    return Err(Reject::OwnedByOther);
                }
            }
        }
        let cfg = &self.config;
        let track = match self.tracks.get_mut(obs.id.as_str()) {
            Some(t) => t,
            None => self
                .tracks
                .entry(obs.id.clone())
                .or_insert_with(|| Track::new(obs.id.clone())),
        };
        if !track
            .sources
            .iter()
            .any(|s| Arc::ptr_eq(s, &obs.feed) || **s == *obs.feed)
        {
            track.sources.push(obs.feed.clone());
        }
        // The owner's own report, kept for the cross-check whether or not it moves the track
        // (another source may have given a position at the same time).
        if obs.own {
            if let (Some(lat), Some(lon)) = (obs.lat_deg, obs.lon_deg) {
                if track.own_fix.as_ref().is_none_or(|f| obs.time_s > f.time_s) {
                    track.own_fix = Some(Fix::of(&obs, lat, lon));
                }
            }
        }
        // Independent surveillance of an owned track: kept apart for the cross-check; it
        // moves the track only while the owner is silent.
        if track.owner_locked && !obs.own && track.party.as_deref() != obs.party.as_deref() {
            if let (Some(lat), Some(lon)) = (obs.lat_deg, obs.lon_deg) {
                if track
                    .independent_fix
                    .as_ref()
                    .is_none_or(|f| obs.time_s > f.time_s)
                {
                    track.independent_fix = Some(Fix::of(&obs, lat, lon));
                }
            }
            let owner_fresh = track
                .own_fix
                .as_ref()
                .is_some_and(|f| obs.time_s - f.time_s <= cfg.coast_after_s);
            if owner_fresh {
                return Ok(());
            }
        }
        // Position first: a bad jump rejects the whole observation.
        let mut applied = false;
        let mut same_time = false;
        let t = obs.time_s;
        let mut new_pos = None;
        if let (Some(lat), Some(lon)) = (obs.lat_deg, obs.lon_deg) {
            if t > track.pos_time_s {
                if let (Some(plat), Some(plon)) = (track.lat_deg, track.lon_deg) {
                    let dt = t - track.pos_time_s;
                    let allowed_nm = cfg.max_speed_kt * dt / S_PER_H + cfg.position_tolerance_nm;
                    let recent = dt <= cfg.coast_after_s;
                    if recent && approx_distance_nm(plat, plon, lat, lon) > allowed_nm {
                        track.jumps += 1;
                        if track.jumps <= cfg.max_consecutive_jumps {
                            return Err(Reject::ImplausibleJump);
                        }
                    }
                }
                new_pos = Some((lat, lon));
            } else if t == track.pos_time_s {
                same_time = true;
            }
        }
        if let Some((lat, lon)) = new_pos {
            track.lat_deg = Some(lat);
            track.lon_deg = Some(lon);
            track.pos_time_s = t;
            track.jumps = 0;
            applied = true;
        }
        let (alt, gnss) = match (obs.alt_ft, obs.gnss_alt_ft) {
            (Some(a), _) => (Some(a), false),
            (None, Some(g)) => (Some(g), true),
            (None, None) => (None, false),
        };
        if let Some(a) = alt {
            // A geometric altitude never replaces a recent barometric one.
            let prefer = !gnss || track.alt_is_gnss || t - track.alt_time_s > cfg.coast_after_s;
            if t > track.alt_time_s && prefer {
                track.alt_ft = Some(a);
                track.alt_time_s = t;
                track.alt_is_gnss = gnss;
                applied = true;
            } else if t == track.alt_time_s {
                same_time = true;
            }
        }
        if obs.gs_kt.is_some() || obs.trk_deg.is_some() || obs.vs_fpm.is_some() {
            if t > track.vel_time_s {
                if obs.gs_kt.is_some() {
                    track.gs_kt = obs.gs_kt;
                }
                if obs.trk_deg.is_some() {
                    track.trk_deg = obs.trk_deg.map(|d| d.rem_euclid(360.0));
                }
                if obs.vs_fpm.is_some() {
                    track.vs_fpm = obs.vs_fpm;
                }
                track.vel_time_s = t;
                applied = true;
            } else if t == track.vel_time_s {
                same_time = true;
            }
        }
        if alt.is_some() && track.alt_time_s == t {
            // This observation set the altitude: one vertical-tracker update.
            if let Some(a) = track.alt_ft {
                track
                    .vertical
                    .update(&cfg.vertical, a, track.vs_fpm.unwrap_or(0.0), t);
            }
        }
        for (v, held, held_t) in [
            (
                obs.selected_alt_ft,
                &mut track.selected_alt_ft,
                &mut track.selected_alt_time_s,
            ),
            (
                obs.fms_selected_alt_ft,
                &mut track.fms_selected_alt_ft,
                &mut track.fms_selected_alt_time_s,
            ),
        ] {
            let Some(v) = v else { continue };
            let prev_t = held_t.unwrap_or(f64::NEG_INFINITY);
            if t > prev_t || (t == prev_t && *held != Some(v)) {
                *held = Some(v);
                *held_t = Some(t);
                applied = true;
            } else if t == prev_t {
                same_time = true;
            }
        }
        let newest = t >= track.last_update_s;
        if let Some(cs) = obs.callsign {
            if track.callsign.as_deref() != Some(cs.as_str()) && newest {
                track.callsign = Some(cs);
                applied = true;
            }
        }
        if let Some(sq) = obs.squawk {
            if track.squawk.as_deref() != Some(sq.as_str()) && newest {
                track.squawk = Some(sq);
                applied = true;
            }
        }
        if let Some(g) = obs.on_ground {
            if newest && track.on_ground != g {
                track.on_ground = g;
                applied = true;
            }
        }
        if obs.own && obs.party.is_some() {
            let p = obs.party.as_deref().map(str::to_string);
            if track.party != p || !track.owner_locked {
                recount(&mut self.owned, track.party.as_deref(), p.as_deref());
                track.party = p;
                track.owner_locked = true;
                applied = true;
            }
        } else if !track.owner_locked && track.party.is_none() && obs.party.is_some() {
            track.party = obs.party.as_deref().map(str::to_string);
            recount(&mut self.owned, None, track.party.as_deref());
            applied = true;
        }
        // A newer message that repeats what the track holds (a periodic identification, say)
        // is not a reject: it shows the aircraft is still there.
        if applied || t > track.last_update_s {
            if t > track.last_update_s {
                track.last_update_s = t;
                track.coasting = false;
            }
            Ok(())
        } else if same_time {
            Err(Reject::Duplicate)
        } else if t == track.last_update_s {
            // Identity-only data (callsign, squawk) at the latest time, agreeing with the track.
            Ok(())
        } else {
            Err(Reject::OutOfOrder)
        }
    }

    /// Marks tracks silent for longer than the coast time as coasting and drops those silent
    /// for longer than the drop time. Returns the ids dropped.
    pub fn expire(&mut self, now_s: f64) -> Vec<String> {
        let (coast, drop) = (self.config.coast_after_s, self.config.drop_after_s);
        let mut dropped = Vec::new();
        let owned = &mut self.owned;
        self.tracks.retain(|id, t| {
            let age = now_s - t.last_update_s;
            if age > drop {
                dropped.push(id.clone());
                recount(owned, t.party.as_deref(), None);
                false
            } else {
                t.coasting = age > coast;
                true
            }
        });
        dropped
    }

    /// Every track.
    pub fn tracks(&self) -> impl Iterator<Item = &Track> {
        self.tracks.values()
    }

    /// One track by id.
    pub fn get(&self, id: &str) -> Option<&Track> {
        self.tracks.get(id)
    }

    /// Number of tracks.
    pub fn len(&self) -> usize {
        self.tracks.len()
    }

    /// True when there are no tracks.
    pub fn is_empty(&self) -> bool {
        self.tracks.is_empty()
    }

    /// The detector's snapshot: every track with position, altitude and velocity, extrapolated
    /// to `now_s` (at most the drop time), with `party` = owner. Aircraft on the ground are
    /// left out unless [`TrackConfig::exclude_on_ground`] is false. Sorted by id, so the
    /// snapshot is deterministic.
    pub fn airborne_states(&self, now_s: f64) -> Vec<AircraftState> {
        let mut out: Vec<AircraftState> = self
            .tracks
            .values()
            .filter(|t| !(self.config.exclude_on_ground && t.on_ground))
            .filter_map(|t| t.state_at(now_s, self.config.drop_after_s))
            .collect();
        out.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        out
    }

    /// As [`TrackTable::airborne_states`], each state with its track, sorted by id.
    pub fn airborne(&self, now_s: f64) -> Vec<(AircraftState, &Track)> {
        let mut out: Vec<(AircraftState, &Track)> = self
            .tracks
            .values()
            .filter(|t| !(self.config.exclude_on_ground && t.on_ground))
            .filter_map(|t| Some((t.state_at(now_s, self.config.drop_after_s)?, t)))
            .collect();
        out.sort_unstable_by(|a, b| a.0.id.cmp(&b.0.id));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn obs(id: &str, t: f64, feed: &str) -> Observation {
        Observation::new(id, t, Arc::from(feed))
    }

    fn pos(id: &str, t: f64, lat: f64, lon: f64, feed: &str) -> Observation {
        let mut o = obs(id, t, feed);
        o.lat_deg = Some(lat);
        o.lon_deg = Some(lon);
        o.alt_ft = Some(30_000.0);
        o.gs_kt = Some(480.0);
        o.trk_deg = Some(90.0);
        o.vs_fpm = Some(0.0);
        o
    }

    #[test]
    fn one_track_from_two_feeds() {
        let mut t = TrackTable::new(TrackConfig::default());
        t.ingest(pos("ABC123", 10.0, 36.0, 37.0, "a")).unwrap();
        t.ingest(pos("ABC123", 11.0, 36.0, 37.002, "b")).unwrap();
        assert_eq!(t.len(), 1);
        let tr = t.get("ABC123").unwrap();
        assert_eq!(tr.sources, vec![Arc::from("a"), Arc::from("b")]);
        assert_eq!(tr.lon_deg, Some(37.002));
        assert_eq!(tr.last_update_s, 11.0);
    }

    #[test]
    fn out_of_order_and_duplicates() {
        let mut t = TrackTable::new(TrackConfig::default());
        t.ingest(pos("A", 10.0, 36.0, 37.0, "a")).unwrap();
        assert_eq!(
            t.ingest(pos("A", 10.0, 36.0, 37.0, "a")),
            Err(Reject::Duplicate)
        );
        assert_eq!(
            t.ingest(pos("A", 9.0, 35.99, 37.0, "b")),
            Err(Reject::OutOfOrder)
        );
        assert_eq!(t.get("A").unwrap().lat_deg, Some(36.0));
        assert_eq!(t.get("A").unwrap().sources.len(), 2);
        // An older callsign does not replace the current one.
        let mut o = obs("A", 5.0, "a");
        o.callsign = Some("X1".into());
        assert_eq!(t.ingest(o), Err(Reject::OutOfOrder));
        // A newer message repeating a known value refreshes the track.
        let mut o = obs("A", 20.0, "a");
        o.squawk = None;
        assert_eq!(t.ingest(o), Ok(()));
        assert_eq!(t.get("A").unwrap().last_update_s, 20.0);
    }

    #[test]
    fn rejects_implausible_jumps_then_recovers() {
        let mut t = TrackTable::new(TrackConfig::default());
        t.ingest(pos("A", 0.0, 36.0, 37.0, "a")).unwrap();
        // 1 degree of latitude (60 NM) in 10 s is 21,600 kt.
        for i in 1..=4 {
            assert_eq!(
                t.ingest(pos("A", f64::from(i), 37.0, 37.0, "a")),
                Err(Reject::ImplausibleJump)
            );
        }
        // 480 kt for 10 s is fine.
        t.ingest(pos(
            "A",
            10.0,
            36.0,
            37.0 + 480.0 * 10.0 / 3600.0 / 60.0 / 36f64.to_radians().cos(),
            "a",
        ))
        .unwrap();
        for i in 11..=14 {
            assert_eq!(
                t.ingest(pos("A", f64::from(i), 40.0, 37.0, "a")),
                Err(Reject::ImplausibleJump)
            );
        }
        // The fifth consistent jump in a row is accepted: the old position was the wrong one.
        t.ingest(pos("A", 15.0, 40.0, 37.0, "a")).unwrap();
        assert_eq!(t.get("A").unwrap().lat_deg, Some(40.0));
    }

    #[test]
    fn speed_limit_is_configurable() {
        let cfg = TrackConfig {
            max_speed_kt: 100.0,
            position_tolerance_nm: 0.0,
            ..Default::default()
        };
        let mut t = TrackTable::new(cfg);
        t.ingest(pos("A", 0.0, 36.0, 37.0, "a")).unwrap();
        // 1 NM in 10 s = 360 kt.
        assert_eq!(
            t.ingest(pos("A", 10.0, 36.0 + 1.0 / 60.0, 37.0, "a")),
            Err(Reject::ImplausibleJump)
        );
        t.ingest(pos("A", 60.0, 36.0 + 1.0 / 60.0, 37.0, "a"))
            .unwrap();
    }

    #[test]
    fn coast_drop_and_ground() {
        let mut t = TrackTable::new(TrackConfig::default());
        t.ingest(pos("A", 0.0, 36.0, 37.0, "a")).unwrap();
        let mut g = pos("G", 0.0, 36.5, 37.0, "a");
        g.on_ground = Some(true);
        t.ingest(g).unwrap();
        assert_eq!(t.airborne_states(1.0).len(), 1);
        assert!(t.expire(10.0).is_empty());
        assert!(!t.get("A").unwrap().coasting);
        assert!(t.expire(20.0).is_empty());
        assert!(t.get("A").unwrap().coasting);
        let mut dropped = t.expire(61.0);
        dropped.sort();
        assert_eq!(dropped, vec!["A".to_string(), "G".to_string()]);
        assert!(t.is_empty());
    }

    #[test]
    fn ownership() {
        let mut t = TrackTable::new(TrackConfig::default());
        let mut a = pos("A", 0.0, 36.0, 37.0, "sbs-red");
        a.party = Some(Arc::from("red"));
        t.ingest(a).unwrap();
        assert_eq!(t.get("A").unwrap().party.as_deref(), Some("red"));
        let mut b = pos("A", 1.0, 36.0, 37.002, "tlm-blue");
        b.party = Some(Arc::from("blue"));
        b.own = true;
        t.ingest(b).unwrap();
        let mut c = pos("A", 2.0, 36.0, 37.004, "sbs-red");
        c.party = Some(Arc::from("red"));
        t.ingest(c).unwrap();
        assert_eq!(t.get("A").unwrap().party.as_deref(), Some("blue"));
        assert_eq!(t.airborne_states(2.0)[0].party.as_deref(), Some("blue"));
        // Red claiming blue's aircraft as its own changes nothing, not even the position.
        let mut d = pos("A", 3.0, 30.0, 30.0, "tlm-red");
        d.party = Some(Arc::from("red"));
        d.own = true;
        assert_eq!(t.ingest(d), Err(Reject::OwnedByOther));
        let a = t.get("A").unwrap();
        assert_eq!(a.party.as_deref(), Some("blue"));
        assert_eq!(a.lat_deg, Some(36.0));
    }

    #[test]
    fn an_own_report_at_the_time_of_a_surveillance_one_is_still_the_owners_report() {
        let mut t = TrackTable::new(TrackConfig::default());
        for k in 0..3 {
            let time = 10.0 + k as f64;
            // The receiver's message first, then the owner's report of the same second.
            t.ingest(pos("AE1011", time, 36.0, 37.0, "adsb"))
                .unwrap_or(());
            let mut own = pos("AE1011", time, 35.96, 37.0, "telemetry-blue");
            own.party = Some(Arc::from("blue"));
            own.own = true;
            let _ = t.ingest(own);
        }
        let tr = t.get("AE1011").unwrap();
        assert_eq!(tr.party.as_deref(), Some("blue"));
        assert_eq!(
            tr.own_fix().map(|f| (f.time_s, f.lat_deg)),
            Some((12.0, 35.96))
        );
        assert_eq!(
            tr.independent_fix().map(|f| (f.time_s, f.lat_deg)),
            Some((12.0, 36.0))
        );
    }

    #[test]
    fn owner_counts_follow_claims_and_drops() {
        let mut t = TrackTable::new(TrackConfig::default());
        let scan =
            |t: &TrackTable, p: &str| t.tracks().filter(|x| x.party.as_deref() == Some(p)).count();
        let mut rng_state = 7u64;
        let mut next = || {
            rng_state = rng_state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (rng_state >> 33) as usize
        };
        for step in 0..2000 {
            let id = format!("T{}", next() % 50);
            let time = step as f64 * 0.1;
            let mut o = pos(&id, time, 36.0, 37.0, "f");
            match next() % 4 {
                0 => {
                    o.party = Some(Arc::from("blue"));
                    o.own = true;
                }
                1 => {
                    o.party = Some(Arc::from("red"));
                    o.own = true;
                }
                2 => o.party = Some(Arc::from("red")),
                _ => {}
            }
            let _ = t.ingest(o);
            if step % 300 == 299 {
                t.expire(time + 55.0 + (next() % 10) as f64);
            }
            for p in ["blue", "red"] {
                assert_eq!(t.owned_by(p), scan(&t, p), "step {step}, {p}");
            }
        }
        assert!(t.owned_by("blue") > 0 && t.owned_by("red") > 0);
    }

    #[test]
    fn independent_surveillance_of_an_owned_track_is_kept_apart() {
        let mut t = TrackTable::new(TrackConfig::default());
        let mut own = pos("AE1001", 10.0, 36.0, 37.0, "telemetry-blue");
        own.party = Some(Arc::from("blue"));
        own.own = true;
        t.ingest(own.clone()).unwrap();
        // Civil ADS-B hears the same address 5 NM further north: it is kept as the
        // independent fix and does not move the track.
        let civil = pos("AE1001", 11.0, 36.083, 37.0, "civil-sbs");
        t.ingest(civil).unwrap();
        let tr = t.get("AE1001").unwrap();
        assert_eq!(
            (tr.lat_deg, tr.party.as_deref()),
            (Some(36.0), Some("blue"))
        );
        assert_eq!(
            tr.own_fix().map(|f| (f.time_s, f.lat_deg)),
            Some((10.0, 36.0))
        );
        let ind = tr.independent_fix().unwrap();
        assert_eq!(
            (ind.time_s, ind.lat_deg, &*ind.feed),
            (11.0, 36.083, "civil-sbs")
        );
        // Blue's own surveillance of it is not independent of blue.
        let mut radar = pos("AE1001", 12.0, 36.001, 37.0, "radar-blue");
        radar.party = Some(Arc::from("blue"));
        t.ingest(radar).unwrap();
        assert_eq!(
            t.get("AE1001").unwrap().independent_fix().unwrap().time_s,
            11.0
        );
        // Once the owner has been silent for the coast time, surveillance keeps the track.
        t.ingest(pos("AE1001", 26.0, 36.1, 37.0, "civil-sbs"))
            .unwrap();
        let tr = t.get("AE1001").unwrap();
        assert_eq!(tr.lat_deg, Some(36.1));
        assert_eq!(tr.independent_fix().unwrap().time_s, 26.0);
        // A track nobody owns merges every source, as before.
        t.ingest(pos("4840D6", 10.0, 36.0, 37.0, "a")).unwrap();
        t.ingest(pos("4840D6", 11.0, 36.0, 37.002, "b")).unwrap();
        let tr = t.get("4840D6").unwrap();
        assert_eq!(tr.lon_deg, Some(37.002));
        assert!(tr.independent_fix().is_none() && tr.own_fix().is_none());
    }

    #[test]
    fn extrapolates_snapshot_and_rejects_nan() {
        let mut t = TrackTable::new(TrackConfig::default());
        t.ingest(pos("A", 0.0, 0.0, 10.0, "a")).unwrap();
        let s = &t.airborne_states(30.0)[0];
        // 480 kt east for 30 s = 4 NM = 4/60 degree at the equator.
        assert!((s.lon_deg - (10.0 + 4.0 / 60.0)).abs() < 1e-9, "{s:?}");
        let mut bad = pos("B", 0.0, f64::NAN, 10.0, "a");
        assert_eq!(
            t.ingest(bad.clone()),
            Err(Reject::Invalid { field: "lat_deg" })
        );
        bad.lat_deg = Some(1.0);
        bad.alt_ft = Some(f64::INFINITY);
        assert_eq!(t.ingest(bad), Err(Reject::Invalid { field: "alt_ft" }));
    }

    fn selected(id: &str, t: f64, mcp: Option<f64>, fms: Option<f64>) -> Observation {
        let mut o = obs(id, t, "a");
        o.selected_alt_ft = mcp;
        o.fms_selected_alt_ft = fms;
        o
    }

    #[test]
    fn selected_altitudes_follow_time_order() {
        let mut t = TrackTable::new(TrackConfig::default());
        t.ingest(pos("A", 10.0, 36.0, 37.0, "a")).unwrap();
        t.ingest(selected("A", 11.0, Some(31_000.0), None)).unwrap();
        let tr = t.get("A").unwrap();
        assert_eq!(
            (tr.selected_alt_ft, tr.selected_alt_time_s),
            (Some(31_000.0), Some(11.0))
        );
        assert_eq!(
            (tr.fms_selected_alt_ft, tr.fms_selected_alt_time_s),
            (None, None)
        );
        // An older one is ignored; the same one again at the same time is a duplicate.
        assert_eq!(
            t.ingest(selected("A", 10.5, Some(5_000.0), None)),
            Err(Reject::OutOfOrder)
        );
        assert_eq!(
            t.ingest(selected("A", 11.0, Some(31_000.0), None)),
            Err(Reject::Duplicate)
        );
        assert_eq!(t.get("A").unwrap().selected_alt_ft, Some(31_000.0));
        // A newer one replaces it even when the position is older than the track's.
        t.ingest(selected("A", 12.0, Some(35_000.0), Some(37_000.0)))
            .unwrap();
        let tr = t.get("A").unwrap();
        assert_eq!(
            (tr.selected_alt_ft, tr.selected_alt_time_s),
            (Some(35_000.0), Some(12.0))
        );
        assert_eq!(
            (tr.fms_selected_alt_ft, tr.fms_selected_alt_time_s),
            (Some(37_000.0), Some(12.0))
        );
        // A message without one keeps what the track holds; one repeating it refreshes its
        // time.
        t.ingest(pos("A", 13.0, 36.0, 37.002, "a")).unwrap();
        t.ingest(selected("A", 14.0, Some(35_000.0), None)).unwrap();
        let tr = t.get("A").unwrap();
        assert_eq!(
            (tr.selected_alt_time_s, tr.fms_selected_alt_time_s),
            (Some(14.0), Some(12.0))
        );
        // Out of range or NaN: the observation is invalid.
        assert_eq!(
            t.ingest(selected("A", 15.0, Some(f64::NAN), None)),
            Err(Reject::Invalid {
                field: "selected_alt_ft"
            })
        );
        assert_eq!(
            t.ingest(selected("A", 15.0, None, Some(250_000.0))),
            Err(Reject::Invalid {
                field: "fms_selected_alt_ft"
            })
        );
    }

    #[test]
    fn selected_alt_at_prefers_a_fresh_mcp_value() {
        let mut t = TrackTable::new(TrackConfig::default());
        t.ingest(selected("A", 100.0, Some(24_000.0), Some(35_000.0)))
            .unwrap();
        t.ingest(selected("A", 130.0, None, Some(33_000.0)))
            .unwrap();
        let tr = t.get("A").unwrap();
        assert_eq!(tr.selected_alt_at(110.0, 30.0), Some(24_000.0));
        assert_eq!(tr.selected_alt_at(130.0, 30.0), Some(24_000.0));
        // MCP/FCU 31 s old: the FMS one, 1 s old.
        assert_eq!(tr.selected_alt_at(131.0, 30.0), Some(33_000.0));
        assert_eq!(tr.selected_alt_at(160.0, 30.0), Some(33_000.0));
        assert_eq!(tr.selected_alt_at(161.0, 30.0), None);
        let mut t = TrackTable::new(TrackConfig::default());
        t.ingest(pos("B", 0.0, 36.0, 37.0, "a")).unwrap();
        assert_eq!(t.get("B").unwrap().selected_alt_at(0.0, 30.0), None);
    }

    #[test]
    fn serialises_as_the_api_track() {
        let mut t = TrackTable::new(TrackConfig::default());
        t.ingest(pos("A", 5.0, 36.0, 37.0, "f")).unwrap();
        t.ingest(selected("A", 6.0, Some(31_000.0), None)).unwrap();
        let v = serde_json::to_value(t.get("A").unwrap()).unwrap();
        assert_eq!(v["selected_alt_ft"], 31_000.0);
        assert_eq!(v["selected_alt_time"], 6.0);
        assert!(v["fms_selected_alt_ft"].is_null() && v["fms_selected_alt_time"].is_null());
        let mut keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "alt_ft",
                "callsign",
                "coasting",
                "fms_selected_alt_ft",
                "fms_selected_alt_time",
                "gs_kt",
                "id",
                "last_update",
                "lat_deg",
                "lon_deg",
                "on_ground",
                "party",
                "selected_alt_ft",
                "selected_alt_time",
                "sources",
                "squawk",
                "trk_deg",
                "vs_fpm"
            ]
        );
    }
}
