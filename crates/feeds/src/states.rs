//! Recorded and reported state vectors: OpenSky `state_vectors_data4` CSV, state-vector JSON
//! (an array of decoded states, as `traffic` exports), readsb/dump1090 `aircraft.json`, and
//! party telemetry JSON, both as feed lines ([`parse_telemetry_line`]) and as reports a party
//! posts to the cell ([`parse_telemetry_report`]).
//!
//! All are already decoded states, so these are field mappings with unit conversions
//! (OpenSky uses SI units: m/s and metres) and range checks. Non-finite or out-of-range values
//! are rejected with [`DecodeError::BadField`] naming the field.
//!
//! # Selected altitude
//! The selected altitudes (see [`crate::observation`]) come from readsb/dump1090
//! `aircraft.json` `nav_altitude_mcp` (MCP/FCU) and `nav_altitude_fms` (FMS), which readsb
//! decodes from the same DO-260B TYPE 29 and Comm-B BDS 4,0 messages as [`crate::modes`],
//! and from the optional telemetry fields `selected_alt_ft` and `fms_selected_alt_ft`. Either
//! must be finite and within -2,000..=200,000 ft, else the state is rejected as
//! `bad_field` (`selected_altitude` / `fms_selected_altitude`), like any other bad field.
//!
//! # Telemetry lines and reports
//! Both carry a [`Telemetry`] object. A *line* (a `telemetry` feed) must have a `time` and is
//! checked like every other decoded state here, with [`DecodeError`]s counted by reason. A
//! *report* (`POST /api/v1/telemetry`) is checked against the receiving cell's clock and the
//! API's id rule, and each rejection is a [`TelemetryError`] whose message names the JSON
//! field, for the party that sent it:
//! - `time` is optional (default: now) and must be at most [`REPORT_MAX_AHEAD_S`] ahead of
//!   now and at most [`REPORT_MAX_AGE_S`] old;
//! - `id` is 1-32 characters of `A-Z a-z 0-9 - _` (a track id usable in the API's paths);
//! - position, altitude, ground speed, track and vertical rate within the engine's limits
//!   ([`AircraftState::validate`], absent speeds and track counting as 0);
//! - `selected_alt_ft` and `fms_selected_alt_ft` finite and within -2,000..=200,000 ft;
//! - `callsign` an ICAO flight identification ([`flight_identification`]): surrounding
//!   spaces trimmed, lowercase upper-cased, at most 8 characters (counted as characters, not
//!   bytes) of A-Z, 0-9 and space; a blank one is dropped. Anything else — a ninth
//!   character, `-`, `Ä`, a control or bidi character — rejects the report (a line drops
//!   the callsign instead, as every other decoder here does);
//! - `squawk` exactly four octal digits, 0000-7777 (a Mode A code), else the report is
//!   rejected (a line drops it).

use std::sync::Arc;

use deconflict_engine::state::{StateError, MAX_ALT_FT, MIN_ALT_FT};
use deconflict_engine::AircraftState;
use serde::Deserialize;
use serde_json::Value;

use crate::error::DecodeError;
use crate::observation::Observation;

/// Metres to feet, metres per second to knots and to feet per minute (the engine's
/// [`deconflict_engine::units`], also here where the OpenSky decoder first needed them).
pub use deconflict_engine::units::{FPM_PER_MPS, FT_PER_M, KT_PER_MPS};

fn check(v: f64, field: &'static str, min: f64, max: f64) -> Result<f64, DecodeError> {
    if v.is_finite() && v >= min && v <= max {
        Ok(v)
    } else {
        Err(DecodeError::BadField { field })
    }
}

fn opt(
    v: Option<f64>,
    field: &'static str,
    min: f64,
    max: f64,
) -> Result<Option<f64>, DecodeError> {
    v.map(|v| check(v, field, min, max)).transpose()
}

fn icao_hex(s: &str) -> Result<String, DecodeError> {
    let s = s.trim();
    let (prefix, hex) = match s.strip_prefix('~') {
        Some(rest) => ("~", rest),
        None => ("", s),
    };
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(DecodeError::BadField { field: "icao24" });
    }
    Ok(format!("{prefix}{}", hex.to_ascii_uppercase()))
}

/// Longest flight identification (callsign), characters: ICAO Annex 10 Vol IV §3.1.2.9,
/// DO-260B §2.2.3.2.5 (eight 6-bit characters).
pub const CALLSIGN_MAX_CHARS: usize = 8;

/// Why a callsign is not an ICAO flight identification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallsignError {
    /// More than [`CALLSIGN_MAX_CHARS`] characters (after trimming).
    #[error("callsign has {chars} characters; at most {CALLSIGN_MAX_CHARS}")]
    TooLong {
        /// Characters given (Unicode scalar values, not bytes).
        chars: usize,
    },
    /// A character outside A-Z, 0-9 and space.
    #[error("callsign contains U+{code:04X} at character {at}; a flight identification has only A-Z, 0-9 and space")]
    Character {
        /// The code point.
        code: u32,
        /// Its position, in characters from 0, after trimming.
        at: usize,
    },
}

/// A callsign as an ICAO flight identification: surrounding spaces trimmed, lowercase ASCII
/// letters upper-cased (flight identifications are upper case; a party's system may not be),
/// at most [`CALLSIGN_MAX_CHARS`] characters counted as characters, each of A-Z, 0-9 or space
/// (the characters the DO-260B 6-bit set gives a flight identification). `None` for a blank
/// one.
///
/// # Errors
/// [`CallsignError`]: too long, or a character outside the set — which also keeps control
/// and bidirectional formatting characters out of every track's callsign.
///
/// # Examples
/// ```
/// use deconflict_feeds::states::flight_identification;
/// assert_eq!(flight_identification(" viper11  ").unwrap().as_deref(), Some("VIPER11"));
/// assert_eq!(flight_identification("   ").unwrap(), None);
/// assert!(flight_identification(&"Ä".repeat(9)).is_err());
/// ```
pub fn flight_identification(s: &str) -> Result<Option<String>, CallsignError> {
    let s = s.trim_matches(' ');
    if s.is_empty() {
        return Ok(None);
    }
    let chars = s.chars().count();
    if chars > CALLSIGN_MAX_CHARS {
        return Err(CallsignError::TooLong { chars });
    }
    let mut out = String::with_capacity(s.len());
    for (at, c) in s.chars().enumerate() {
        let c = c.to_ascii_uppercase();
        if !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == ' ') {
            return Err(CallsignError::Character {
                code: u32::from(c),
                at,
            });
        }
        out.push(c);
    }
    Ok(Some(out))
}

/// A recorded or fed callsign: the flight identification, or none when it is blank or not one.
fn clean_callsign(s: &str) -> Option<String> {
    flight_identification(s.trim()).ok().flatten()
}

/// Whether `s` is a Mode A code: exactly four octal digits, 0000-7777 (DO-260B §2.2.3.2.7.8,
/// the 4096 codes of ICAO Annex 10 Vol IV §3.1.1.6).
pub fn is_mode_a_code(s: &str) -> bool {
    s.len() == 4 && s.bytes().all(|b| (b'0'..=b'7').contains(&b))
}

fn clean_squawk(s: &str) -> Option<String> {
    let s = s.trim();
    is_mode_a_code(s).then(|| s.to_string())
}

fn finish(mut obs: Observation) -> Result<Observation, DecodeError> {
    if obs.lat_deg.is_some() != obs.lon_deg.is_some() {
        obs.lat_deg = None;
        obs.lon_deg = None;
    }
    obs.lat_deg = opt(obs.lat_deg, "latitude", -90.0, 90.0)?;
    obs.lon_deg = opt(obs.lon_deg, "longitude", -180.0, 180.0)?;
    obs.alt_ft = opt(obs.alt_ft, "altitude", -2_000.0, 200_000.0)?;
    obs.gnss_alt_ft = opt(obs.gnss_alt_ft, "geo_altitude", -2_000.0, 200_000.0)?;
    obs.gs_kt = opt(obs.gs_kt, "ground_speed", 0.0, 4_000.0)?;
    obs.trk_deg = opt(obs.trk_deg, "track", -360.0, 360.0)?;
    obs.vs_fpm = opt(obs.vs_fpm, "vertical_rate", -60_000.0, 60_000.0)?;
    obs.selected_alt_ft = opt(
        obs.selected_alt_ft,
        "selected_altitude",
        -2_000.0,
        200_000.0,
    )?;
    obs.fms_selected_alt_ft = opt(
        obs.fms_selected_alt_ft,
        "fms_selected_altitude",
        -2_000.0,
        200_000.0,
    )?;
    check(obs.time_s, "time", 0.0, 1e11)?;
    Ok(obs)
}

// ---------------------------------------------------------------------------------------------
// OpenSky state_vectors_data4 CSV

/// Column positions of an OpenSky `state_vectors_data4` CSV, found from its header.
#[derive(Debug, Clone)]
pub struct OpenSkyColumns {
    time: usize,
    icao24: usize,
    lat: Option<usize>,
    lon: Option<usize>,
    velocity: Option<usize>,
    heading: Option<usize>,
    vertrate: Option<usize>,
    callsign: Option<usize>,
    onground: Option<usize>,
    squawk: Option<usize>,
    baroaltitude: Option<usize>,
    geoaltitude: Option<usize>,
    lastposupdate: Option<usize>,
}

impl OpenSkyColumns {
    /// Maps a header record; `time` and `icao24` are required.
    ///
    /// # Errors
    /// [`DecodeError::Malformed`] when a required column is missing.
    pub fn from_header<'a>(header: impl IntoIterator<Item = &'a str>) -> Result<Self, DecodeError> {
        let names: Vec<String> = header
            .into_iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        let find = |n: &str| names.iter().position(|h| h == n);
        Ok(OpenSkyColumns {
            time: find("time").ok_or(DecodeError::Malformed {
                what: "OpenSky CSV header (time)",
            })?,
            icao24: find("icao24").ok_or(DecodeError::Malformed {
                what: "OpenSky CSV header (icao24)",
            })?,
            lat: find("lat"),
            lon: find("lon"),
            velocity: find("velocity"),
            heading: find("heading"),
            vertrate: find("vertrate"),
            callsign: find("callsign"),
            onground: find("onground"),
            squawk: find("squawk"),
            baroaltitude: find("baroaltitude"),
            geoaltitude: find("geoaltitude"),
            lastposupdate: find("lastposupdate"),
        })
    }
}

/// Parses one OpenSky CSV record (fields already split) into an observation.
///
/// The position time is `lastposupdate` when present (the state's `time` is when the vector
/// was sampled, which can be seconds after the position was last updated).
///
/// # Errors
/// [`DecodeError`] for a missing time/address or an unparseable or out-of-range number.
pub fn parse_opensky_record(
    cols: &OpenSkyColumns,
    record: &csv::StringRecord,
    feed: &Arc<str>,
) -> Result<Observation, DecodeError> {
    let get =
        |i: Option<usize>| -> &str { i.and_then(|i| record.get(i)).map(str::trim).unwrap_or("") };
    let num = |i: Option<usize>, field: &'static str| -> Result<Option<f64>, DecodeError> {
        let s = get(i);
        if s.is_empty() {
            return Ok(None);
        }
        s.parse::<f64>()
            .map(Some)
            .map_err(|_| DecodeError::BadField { field })
    };
    let time = num(Some(cols.time), "time")?.ok_or(DecodeError::BadField { field: "time" })?;
    let pos_time = num(cols.lastposupdate, "lastposupdate")?;
    let obs = Observation {
        id: icao_hex(get(Some(cols.icao24)))?,
        time_s: pos_time
            .filter(|t| t.is_finite() && *t <= time && time - *t < 60.0)
            .unwrap_or(time),
        lat_deg: num(cols.lat, "lat")?,
        lon_deg: num(cols.lon, "lon")?,
        alt_ft: num(cols.baroaltitude, "baroaltitude")?.map(|m| m * FT_PER_M),
        gnss_alt_ft: num(cols.geoaltitude, "geoaltitude")?.map(|m| m * FT_PER_M),
        gs_kt: num(cols.velocity, "velocity")?.map(|v| v * KT_PER_MPS),
        trk_deg: num(cols.heading, "heading")?,
        vs_fpm: num(cols.vertrate, "vertrate")?.map(|v| v * FPM_PER_MPS),
        callsign: clean_callsign(get(cols.callsign)),
        squawk: clean_squawk(get(cols.squawk)),
        on_ground: match get(cols.onground) {
            "" => None,
            s => Some(matches!(s, "true" | "True" | "TRUE" | "1" | "t")),
        },
        feed: feed.clone(),
        ..Default::default()
    };
    finish(obs)
}

/// Parses a whole OpenSky CSV text (header first). Bad records are returned as errors in place.
pub fn parse_opensky_csv(
    text: &[u8],
    feed: &Arc<str>,
) -> Result<Vec<Result<Observation, DecodeError>>, DecodeError> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(text);
    let header = rdr
        .headers()
        .map_err(|_| DecodeError::Malformed {
            what: "OpenSky CSV header",
        })?
        .clone();
    let cols = OpenSkyColumns::from_header(header.iter())?;
    let mut out = Vec::new();
    for rec in rdr.records() {
        out.push(match rec {
            Ok(r) => parse_opensky_record(&cols, &r, feed),
            Err(_) => Err(DecodeError::Malformed { what: "CSV record" }),
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// State-vector JSON (array of objects, `traffic`-style column names)

/// One state in a state-vector JSON array (`traffic` export): `timestamp` in milliseconds or
/// seconds, altitudes in feet, speeds in knots, vertical rate in ft/min.
#[derive(Debug, Deserialize)]
pub struct JsonState {
    /// UNIX time, milliseconds (values above 1e11) or seconds.
    pub timestamp: f64,
    /// ICAO address, hex.
    pub icao24: String,
    /// Callsign.
    #[serde(default)]
    pub callsign: Option<String>,
    /// Latitude, degrees.
    #[serde(default)]
    pub latitude: Option<f64>,
    /// Longitude, degrees.
    #[serde(default)]
    pub longitude: Option<f64>,
    /// Barometric altitude, feet.
    #[serde(default)]
    pub altitude: Option<f64>,
    /// Geometric altitude, feet.
    #[serde(default)]
    pub geoaltitude: Option<f64>,
    /// Ground speed, knots.
    #[serde(default)]
    pub groundspeed: Option<f64>,
    /// Track, degrees.
    #[serde(default)]
    pub track: Option<f64>,
    /// Vertical rate, ft/min.
    #[serde(default)]
    pub vertical_rate: Option<f64>,
    /// On-ground flag.
    #[serde(default)]
    pub onground: Option<bool>,
    /// Squawk, as a string or number.
    #[serde(default)]
    pub squawk: Option<Value>,
}

impl JsonState {
    /// Converts to an observation.
    ///
    /// # Errors
    /// [`DecodeError::BadField`] for a bad address or out-of-range value.
    pub fn into_observation(self, feed: &Arc<str>) -> Result<Observation, DecodeError> {
        let t = if self.timestamp.abs() > 1e11 {
            self.timestamp / 1000.0
        } else {
            self.timestamp
        };
        let squawk = match &self.squawk {
            Some(Value::String(s)) => clean_squawk(s),
            Some(Value::Number(n)) => clean_squawk(&format!("{:0>4}", n)),
            _ => None,
        };
        finish(Observation {
            id: icao_hex(&self.icao24)?,
            time_s: t,
            lat_deg: self.latitude,
            lon_deg: self.longitude,
            alt_ft: self.altitude,
            gnss_alt_ft: self.geoaltitude,
            gs_kt: self.groundspeed,
            trk_deg: self.track,
            vs_fpm: self.vertical_rate,
            callsign: self.callsign.as_deref().and_then(clean_callsign),
            squawk,
            on_ground: self.onground,
            feed: feed.clone(),
            ..Default::default()
        })
    }
}

/// Parses one state-vector JSON object.
///
/// # Errors
/// [`DecodeError`] when the JSON or a field is invalid.
pub fn parse_json_state(value: &[u8], feed: &Arc<str>) -> Result<Observation, DecodeError> {
    let s: JsonState =
        serde_json::from_slice(value).map_err(|_| DecodeError::Malformed { what: "state JSON" })?;
    s.into_observation(feed)
}

/// Parses a whole JSON array of states (or JSON lines of states).
///
/// # Errors
/// [`DecodeError::Malformed`] when the text is neither a JSON array nor JSON lines.
pub fn parse_json_states(
    text: &[u8],
    feed: &Arc<str>,
) -> Result<Vec<Result<Observation, DecodeError>>, DecodeError> {
    let first = text.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        let values: Vec<Value> =
            serde_json::from_slice(text).map_err(|_| DecodeError::Malformed {
                what: "state JSON array",
            })?;
        Ok(values
            .into_iter()
            .map(|v| {
                serde_json::from_value::<JsonState>(v)
                    .map_err(|_| DecodeError::Malformed { what: "state JSON" })
                    .and_then(|s| s.into_observation(feed))
            })
            .collect())
    } else {
        Ok(text
            .split(|&b| b == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .map(|l| parse_json_state(l, feed))
            .collect())
    }
}

// ---------------------------------------------------------------------------------------------
// readsb / dump1090 aircraft.json

/// Parses a readsb / dump1090 `aircraft.json` document (`{"now":..,"aircraft":[..]}`).
///
/// New (readsb: `alt_baro`, `alt_geom`, `gs`, `track`, `baro_rate`/`geom_rate`) and old
/// (dump1090: `altitude`, `speed`, `track`, `vert_rate`) field names are both read;
/// `"alt_baro":"ground"` sets on-ground. `nav_altitude_mcp` and `nav_altitude_fms` are the
/// MCP/FCU and FMS selected altitudes, feet. The time of each entry is `now - seen_pos` (or
/// `now - seen`).
///
/// # Errors
/// [`DecodeError::Malformed`] when the document is not of that shape; per-aircraft errors are
/// returned in place.
pub fn parse_aircraft_json(
    text: &[u8],
    feed: &Arc<str>,
) -> Result<Vec<Result<Observation, DecodeError>>, DecodeError> {
    let doc: Value = serde_json::from_slice(text).map_err(|_| DecodeError::Malformed {
        what: "aircraft.json",
    })?;
    let now = doc
        .get("now")
        .and_then(Value::as_f64)
        .ok_or(DecodeError::Malformed {
            what: "aircraft.json (now)",
        })?;
    let list = doc
        .get("aircraft")
        .and_then(Value::as_array)
        .ok_or(DecodeError::Malformed {
            what: "aircraft.json (aircraft)",
        })?;
    Ok(list.iter().map(|a| aircraft_entry(a, now, feed)).collect())
}

fn aircraft_entry(a: &Value, now: f64, feed: &Arc<str>) -> Result<Observation, DecodeError> {
    let f = |k: &str| a.get(k).and_then(Value::as_f64);
    let hex = a
        .get("hex")
        .and_then(Value::as_str)
        .ok_or(DecodeError::BadField { field: "hex" })?;
    let seen = f("seen_pos").or_else(|| f("seen")).unwrap_or(0.0);
    let mut on_ground = None;
    let alt = match a.get("alt_baro").or_else(|| a.get("altitude")) {
        Some(Value::String(s)) if s == "ground" => {
            on_ground = Some(true);
            None
        }
        Some(v) => v.as_f64(),
        None => None,
    };
    if on_ground.is_none() && alt.is_some() {
        on_ground = Some(false);
    }
    finish(Observation {
        id: icao_hex(hex)?,
        time_s: now - seen.max(0.0),
        lat_deg: f("lat"),
        lon_deg: f("lon"),
        alt_ft: alt,
        gnss_alt_ft: f("alt_geom"),
        gs_kt: f("gs").or_else(|| f("speed")),
        trk_deg: f("track"),
        vs_fpm: f("baro_rate")
            .or_else(|| f("geom_rate"))
            .or_else(|| f("vert_rate")),
        callsign: a
            .get("flight")
            .and_then(Value::as_str)
            .and_then(clean_callsign),
        squawk: a
            .get("squawk")
            .and_then(Value::as_str)
            .and_then(clean_squawk),
        on_ground,
        selected_alt_ft: f("nav_altitude_mcp"),
        fms_selected_alt_ft: f("nav_altitude_fms"),
        feed: feed.clone(),
        ..Default::default()
    })
}

// ---------------------------------------------------------------------------------------------
// Party telemetry

/// One telemetry report as a party posts it (see `docs/api.md`, `POST /api/v1/telemetry`).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TelemetryReport)]
pub struct Telemetry {
    /// The party's track number or ICAO address.
    pub id: String,
    /// Callsign.
    #[serde(default)]
    pub callsign: Option<String>,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Altitude, feet.
    pub alt_ft: f64,
    /// Ground speed, knots.
    #[serde(default)]
    pub gs_kt: Option<f64>,
    /// Track, degrees true.
    #[serde(default)]
    pub trk_deg: Option<f64>,
    /// Vertical rate, ft/min.
    #[serde(default)]
    pub vs_fpm: Option<f64>,
    /// Squawk.
    #[serde(default)]
    pub squawk: Option<String>,
    /// On-ground flag.
    #[serde(default)]
    pub on_ground: Option<bool>,
    /// MCP/FCU selected altitude, feet (the level the aircraft is set to capture).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_alt_ft: Option<f64>,
    /// FMS selected altitude, feet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fms_selected_alt_ft: Option<f64>,
    /// Time of applicability, UNIX seconds. Required in a line; a report without it is as of
    /// its reception.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<f64>,
}

impl Telemetry {
    /// Converts a telemetry line to an observation owned by `party` (`own = true`).
    ///
    /// # Errors
    /// [`DecodeError::Malformed`] without a `time`, [`DecodeError::BadField`] for an
    /// empty/overlong id or out-of-range value.
    pub fn into_observation(
        self,
        feed: &Arc<str>,
        party: Option<&Arc<str>>,
    ) -> Result<Observation, DecodeError> {
        let time_s = self.time.ok_or(DecodeError::Malformed {
            what: "telemetry JSON",
        })?;
        let id = self.id.trim();
        if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(DecodeError::BadField { field: "id" });
        }
        finish(Observation {
            id: id.to_string(),
            time_s,
            lat_deg: Some(self.lat_deg),
            lon_deg: Some(self.lon_deg),
            alt_ft: Some(self.alt_ft),
            gnss_alt_ft: None,
            gs_kt: self.gs_kt,
            trk_deg: self.trk_deg,
            vs_fpm: self.vs_fpm,
            callsign: self.callsign.as_deref().and_then(clean_callsign),
            squawk: self.squawk.as_deref().and_then(clean_squawk),
            on_ground: self.on_ground,
            selected_alt_ft: self.selected_alt_ft,
            fms_selected_alt_ft: self.fms_selected_alt_ft,
            feed: feed.clone(),
            party: party.cloned(),
            own: party.is_some(),
        })
    }
}

/// Parses one line of party telemetry JSON.
///
/// # Errors
/// [`DecodeError`] when the JSON or a field is invalid.
pub fn parse_telemetry_line(
    line: &[u8],
    feed: &Arc<str>,
    party: Option<&Arc<str>>,
) -> Result<Observation, DecodeError> {
    let t: Telemetry = serde_json::from_slice(line).map_err(|_| DecodeError::Malformed {
        what: "telemetry JSON",
    })?;
    t.into_observation(feed, party)
}

/// How far ahead of the receiving cell's clock a report's `time` may be, seconds (clock
/// offsets between a party's system and the cell).
pub const REPORT_MAX_AHEAD_S: f64 = 5.0;
/// How old a report's `time` may be, seconds (one hour: later data is history, not picture).
pub const REPORT_MAX_AGE_S: f64 = 3_600.0;
/// Longest report id, characters.
pub const REPORT_MAX_ID_CHARS: usize = 32;

/// Why a telemetry report was rejected; the message names the JSON field and is meant for
/// the party that sent the report.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TelemetryError {
    /// Not a telemetry object: not JSON, a missing, unknown or mistyped field (the JSON
    /// parser's message).
    #[error("{0}")]
    Json(String),
    /// A kinematic field out of the engine's limits or not finite, or an empty id.
    #[error(transparent)]
    State(#[from] StateError),
    /// The id has characters other than `A-Z a-z 0-9 - _`, or more than 32.
    #[error("id {0:?} must be 1-32 characters of A-Z, a-z, 0-9, '-', '_'")]
    Id(String),
    /// `time` is NaN or infinite.
    #[error("time is not a finite number")]
    TimeNotFinite,
    /// `time` is more than [`REPORT_MAX_AHEAD_S`] ahead of the cell's clock.
    #[error("time {time} is {ahead_s:.0} s in the future")]
    TimeAhead {
        /// The time given, UNIX s.
        time: f64,
        /// How far ahead of the cell's clock, seconds.
        ahead_s: f64,
    },
    /// `time` is more than [`REPORT_MAX_AGE_S`] (an hour) old.
    #[error("time {time} is more than an hour old")]
    TimeTooOld {
        /// The time given, UNIX s.
        time: f64,
    },
    /// A selected altitude (`selected_alt_ft`, `fms_selected_alt_ft`) not finite or out of
    /// -2,000..=200,000 ft.
    #[error("{field} {value} is out of range")]
    SelectedAltitude {
        /// The JSON field.
        field: &'static str,
        /// The value given, feet.
        value: f64,
    },
    /// `callsign` is not an ICAO flight identification.
    #[error(transparent)]
    Callsign(#[from] CallsignError),
    /// `squawk` is not four octal digits.
    #[error("squawk {shown} is not a Mode A code: four octal digits, 0000-7777")]
    Squawk {
        /// The value as given, quoted, or its length when long.
        shown: String,
    },
}

fn valid_report_id(id: &str) -> bool {
    !id.is_empty()
        && id.chars().count() <= REPORT_MAX_ID_CHARS
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Telemetry {
    /// Converts a report received at `now_s` (UNIX s, the cell's clock) to an observation
    /// owned by `party` (`own = true`), with the report rules of the module docs.
    ///
    /// # Errors
    /// The first rule broken, as a [`TelemetryError`].
    pub fn into_report_observation(
        self,
        now_s: f64,
        feed: &Arc<str>,
        party: &Arc<str>,
    ) -> Result<Observation, TelemetryError> {
        AircraftState {
            id: self.id.clone(),
            party: None,
            lat_deg: self.lat_deg,
            lon_deg: self.lon_deg,
            alt_ft: self.alt_ft,
            gs_kt: self.gs_kt.unwrap_or(0.0),
            trk_deg: self.trk_deg.unwrap_or(0.0),
            vs_fpm: self.vs_fpm.unwrap_or(0.0),
        }
        .validate()?;
        if !valid_report_id(&self.id) {
            return Err(TelemetryError::Id(self.id));
        }
        if let Some(time) = self.time {
            if !time.is_finite() {
                return Err(TelemetryError::TimeNotFinite);
            }
            if time > now_s + REPORT_MAX_AHEAD_S {
                return Err(TelemetryError::TimeAhead {
                    time,
                    ahead_s: time - now_s,
                });
            }
            if time < now_s - REPORT_MAX_AGE_S {
                return Err(TelemetryError::TimeTooOld { time });
            }
        }
        for (field, value) in [
            ("selected_alt_ft", self.selected_alt_ft),
            ("fms_selected_alt_ft", self.fms_selected_alt_ft),
        ] {
            if let Some(value) = value {
                if !(value.is_finite() && (MIN_ALT_FT..=MAX_ALT_FT).contains(&value)) {
                    return Err(TelemetryError::SelectedAltitude { field, value });
                }
            }
        }
        let callsign = match self.callsign.as_deref() {
            Some(c) => flight_identification(c)?,
            None => None,
        };
        if let Some(sq) = self.squawk.as_deref() {
            if !is_mode_a_code(sq) {
                let n = sq.chars().count();
                let shown = if n <= 16 {
                    format!("{sq:?}")
                } else {
                    format!("of {n} characters")
                };
                return Err(TelemetryError::Squawk { shown });
            }
        }
        Ok(Observation {
            time_s: self.time.unwrap_or(now_s),
            lat_deg: Some(self.lat_deg),
            lon_deg: Some(self.lon_deg),
            alt_ft: Some(self.alt_ft),
            gs_kt: self.gs_kt,
            trk_deg: self.trk_deg,
            vs_fpm: self.vs_fpm,
            callsign,
            squawk: self.squawk,
            on_ground: self.on_ground,
            selected_alt_ft: self.selected_alt_ft,
            fms_selected_alt_ft: self.fms_selected_alt_ft,
            party: Some(party.clone()),
            own: true,
            ..Observation::new(self.id, now_s, feed.clone())
        })
    }
}

/// Decodes one telemetry report (one element of a `POST /api/v1/telemetry` body) received at
/// `now_s` (UNIX s) from `party`, into an observation owned by it on `feed`.
///
/// # Errors
/// [`TelemetryError::Json`] when `report` is not a telemetry object, else the first report
/// rule broken (see the module docs).
pub fn parse_telemetry_report(
    report: Value,
    now_s: f64,
    feed: &Arc<str>,
    party: &Arc<str>,
) -> Result<Observation, TelemetryError> {
    let t: Telemetry =
        serde_json::from_value(report).map_err(|e| TelemetryError::Json(e.to_string()))?;
    t.into_report_observation(now_s, feed, party)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed() -> Arc<str> {
        Arc::from("t")
    }

    #[test]
    fn opensky_csv() {
        let text = b"time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,alert,spi,squawk,baroaltitude,geoaltitude,lastposupdate,lastcontact,hour\n\
1486252800,4ca7b4,43.5,1.4,200.0,90.0,-5.08,RYR12  ,false,false,false,7000,3048.0,3100.0,1486252799.5,1486252800,1486252800\n\
1486252800,zzzzzz,43.5,1.4,,,,,,,,,,,,,\n\
1486252800,4ca7b5,,,,,,,true,,,,,,,,\n";
        let out = parse_opensky_csv(text, &feed()).unwrap();
        assert_eq!(out.len(), 3);
        let o = out[0].as_ref().unwrap();
        assert_eq!(o.id, "4CA7B4");
        assert_eq!(o.time_s, 1486252799.5);
        assert!((o.alt_ft.unwrap() - 10_000.0).abs() < 1e-6);
        assert!((o.gs_kt.unwrap() - 388.77).abs() < 0.01);
        assert!((o.vs_fpm.unwrap() + 1000.0).abs() < 0.1);
        assert_eq!(o.callsign.as_deref(), Some("RYR12"));
        assert_eq!(o.squawk.as_deref(), Some("7000"));
        assert!(out[1].is_err());
        assert_eq!(out[2].as_ref().unwrap().on_ground, Some(true));
    }

    #[test]
    fn json_states() {
        let text = br#"[{"altitude":13650.0,"callsign":"MSR799","groundspeed":325.0,"icao24":"0101de","latitude":48.48,"longitude":3.82,"onground":false,"squawk":"1000","timestamp":1633608773000,"track":311.1,"vertical_rate":-896.0},
        {"icao24":"0101de","timestamp":1633608774000,"latitude":148.0,"longitude":3.8}]"#;
        let out = parse_json_states(text, &feed()).unwrap();
        let o = out[0].as_ref().unwrap();
        assert_eq!(o.time_s, 1633608773.0);
        assert_eq!(o.id, "0101DE");
        assert_eq!(o.squawk.as_deref(), Some("1000"));
        assert_eq!(out[1], Err(DecodeError::BadField { field: "latitude" }));
    }

    #[test]
    fn aircraft_json_old_and_new() {
        let new = br#"{"now":1700000000.0,"aircraft":[{"hex":"4840d6","flight":"KLM1302 ","alt_baro":35000,"gs":450.1,"track":90.0,"baro_rate":-64,"lat":52.0,"lon":4.0,"seen_pos":1.5,"seen":0.2},{"hex":"4840d7","alt_baro":"ground","lat":52.3,"lon":4.7}]}"#;
        let out = parse_aircraft_json(new, &feed()).unwrap();
        let o = out[0].as_ref().unwrap();
        assert_eq!(
            (o.time_s, o.alt_ft, o.gs_kt, o.vs_fpm),
            (1699999998.5, Some(35000.0), Some(450.1), Some(-64.0))
        );
        assert_eq!(o.callsign.as_deref(), Some("KLM1302"));
        assert_eq!(out[1].as_ref().unwrap().on_ground, Some(true));
        let old = br#"{"now":1700000000,"aircraft":[{"hex":"4840d6","altitude":35000,"speed":450,"vert_rate":128,"lat":52.0,"lon":4.0,"seen":3}]}"#;
        let o = parse_aircraft_json(old, &feed())
            .unwrap()
            .remove(0)
            .unwrap();
        assert_eq!(
            (o.time_s, o.gs_kt, o.vs_fpm),
            (1699999997.0, Some(450.0), Some(128.0))
        );
        assert!(parse_aircraft_json(b"{}", &feed()).is_err());
    }

    #[test]
    fn aircraft_json_selected_altitudes() {
        // readsb's field names for the TYPE 29 / BDS 4,0 selected altitudes.
        let doc = br#"{"now":1700000000.0,"aircraft":[
            {"hex":"486257","flight":"KLM1302 ","alt_baro":31975,"nav_altitude_mcp":36000,"nav_altitude_fms":36000,"nav_qnh":1013.6,"lat":47.1,"lon":3.2,"seen_pos":0.4},
            {"hex":"4ca7b4","alt_baro":12000,"nav_altitude_mcp":7008,"lat":47.2,"lon":3.3},
            {"hex":"4ca7b5","alt_baro":12000,"lat":47.3,"lon":3.4},
            {"hex":"4ca7b6","alt_baro":12000,"nav_altitude_mcp":250000,"lat":47.3,"lon":3.4}]}"#;
        let out = parse_aircraft_json(doc, &feed()).unwrap();
        let o = out[0].as_ref().unwrap();
        assert_eq!(
            (o.selected_alt_ft, o.fms_selected_alt_ft),
            (Some(36_000.0), Some(36_000.0))
        );
        let o = out[1].as_ref().unwrap();
        assert_eq!(
            (o.selected_alt_ft, o.fms_selected_alt_ft),
            (Some(7_008.0), None)
        );
        let o = out[2].as_ref().unwrap();
        assert_eq!((o.selected_alt_ft, o.fms_selected_alt_ft), (None, None));
        assert_eq!(
            out[3],
            Err(DecodeError::BadField {
                field: "selected_altitude"
            })
        );
    }

    #[test]
    fn telemetry_selected_altitudes() {
        let line = br#"{"id":"BLU001","lat_deg":36.2,"lon_deg":37.1,"alt_ft":25000,"vs_fpm":1500,"selected_alt_ft":31000,"fms_selected_alt_ft":35000,"time":1700000000}"#;
        let o = parse_telemetry_line(line, &feed(), None).unwrap();
        assert_eq!(
            (o.selected_alt_ft, o.fms_selected_alt_ft),
            (Some(31_000.0), Some(35_000.0))
        );
        let plain =
            br#"{"id":"BLU001","lat_deg":36.2,"lon_deg":37.1,"alt_ft":25000,"time":1700000000}"#;
        let o = parse_telemetry_line(plain, &feed(), None).unwrap();
        assert_eq!((o.selected_alt_ft, o.fms_selected_alt_ft), (None, None));
        let high = br#"{"id":"BLU001","lat_deg":36.2,"lon_deg":37.1,"alt_ft":25000,"selected_alt_ft":200001,"time":1700000000}"#;
        assert_eq!(
            parse_telemetry_line(high, &feed(), None).unwrap_err(),
            DecodeError::BadField {
                field: "selected_altitude"
            }
        );
        let low = br#"{"id":"BLU001","lat_deg":36.2,"lon_deg":37.1,"alt_ft":25000,"fms_selected_alt_ft":-2500,"time":1700000000}"#;
        assert_eq!(
            parse_telemetry_line(low, &feed(), None).unwrap_err(),
            DecodeError::BadField {
                field: "fms_selected_altitude"
            }
        );
        // JSON has no NaN or infinity; a string is not a number.
        let text = br#"{"id":"BLU001","lat_deg":36.2,"lon_deg":37.1,"alt_ft":25000,"selected_alt_ft":"FL310","time":1700000000}"#;
        assert!(parse_telemetry_line(text, &feed(), None).is_err());
        let t = Telemetry {
            id: "BLU001".into(),
            callsign: None,
            lat_deg: 36.2,
            lon_deg: 37.1,
            alt_ft: 25_000.0,
            gs_kt: None,
            trk_deg: None,
            vs_fpm: None,
            squawk: None,
            on_ground: None,
            selected_alt_ft: Some(f64::NAN),
            fms_selected_alt_ft: None,
            time: Some(1_700_000_000.0),
        };
        assert_eq!(
            t.into_observation(&feed(), None).unwrap_err(),
            DecodeError::BadField {
                field: "selected_altitude"
            }
        );
    }

    #[test]
    fn telemetry() {
        let party: Arc<str> = Arc::from("blue");
        let line = br#"{"id":"BLU001","callsign":"VIPER11","lat_deg":36.2,"lon_deg":37.1,"alt_ft":25000,"gs_kt":450,"trk_deg":90,"vs_fpm":0,"time":1700000000}"#;
        let o = parse_telemetry_line(line, &feed(), Some(&party)).unwrap();
        assert!(o.own);
        assert_eq!(o.party.as_deref(), Some("blue"));
        let bad =
            br#"{"id":"BLU001","lat_deg":36.2,"lon_deg":370.1,"alt_ft":25000,"time":1700000000}"#;
        assert_eq!(
            parse_telemetry_line(bad, &feed(), Some(&party)).unwrap_err(),
            DecodeError::BadField { field: "longitude" }
        );
        assert!(parse_telemetry_line(b"{", &feed(), None).is_err());
    }

    const NOW: f64 = 1_700_000_000.0;

    fn report(v: Value) -> Result<Observation, TelemetryError> {
        parse_telemetry_report(v, NOW, &feed(), &Arc::from("blue"))
    }

    fn reason(v: Value) -> String {
        report(v).unwrap_err().to_string()
    }

    #[test]
    fn telemetry_report_fields_and_defaults() {
        let o = report(serde_json::json!({
            "id": "BLU-001_a", "callsign": " VIPER11 ", "lat_deg": 36.2, "lon_deg": 37.1,
            "alt_ft": 25_000, "gs_kt": 450, "trk_deg": 90, "vs_fpm": 1500, "on_ground": false,
            "squawk": "4401", "selected_alt_ft": 31_000, "fms_selected_alt_ft": 35_000,
            "time": NOW - 2.0
        }))
        .unwrap();
        assert_eq!((o.id.as_str(), o.time_s), ("BLU-001_a", NOW - 2.0));
        assert_eq!(
            (o.lat_deg, o.lon_deg, o.alt_ft),
            (Some(36.2), Some(37.1), Some(25_000.0))
        );
        assert_eq!(
            (o.gs_kt, o.trk_deg, o.vs_fpm),
            (Some(450.0), Some(90.0), Some(1500.0))
        );
        assert_eq!(o.callsign.as_deref(), Some("VIPER11"));
        assert_eq!(
            (o.squawk.as_deref(), o.on_ground),
            (Some("4401"), Some(false))
        );
        assert_eq!(
            (o.selected_alt_ft, o.fms_selected_alt_ft),
            (Some(31_000.0), Some(35_000.0))
        );
        assert_eq!(
            (o.party.as_deref(), o.own, &*o.feed),
            (Some("blue"), true, "t")
        );
        // Only id and position are required; no time means now. A blank callsign is dropped.
        let o = report(serde_json::json!({
            "id": "X1", "lat_deg": 1.0, "lon_deg": 2.0, "alt_ft": 100, "callsign": "  "
        }))
        .unwrap();
        assert_eq!(
            (o.time_s, o.gs_kt, o.squawk, o.callsign),
            (NOW, None, None, None)
        );
        // A track angle the engine accepts is accepted (a line is stricter, ±360°).
        assert!(report(serde_json::json!({
            "id": "X1", "lat_deg": 1.0, "lon_deg": 2.0, "alt_ft": 100, "trk_deg": 400
        }))
        .is_ok());
    }

    #[test]
    fn telemetry_report_rejections_name_the_field() {
        let base =
            || serde_json::json!({"id": "X1", "lat_deg": 35.0, "lon_deg": 36.0, "alt_ft": 9000});
        let with = |k: &str, v: Value| {
            let mut b = base();
            b[k] = v;
            b
        };
        assert!(reason(with("lat_deg", 95.0.into())).contains("lat_deg"));
        assert!(reason(with("alt_ft", 1e9.into())).contains("alt_ft"));
        assert!(reason(with("gs_kt", (-1.0).into())).contains("gs_kt"));
        assert!(reason(with("vs_fpm", 70_000.0.into())).contains("vs_fpm"));
        assert_eq!(reason(with("id", "".into())), "id is empty");
        assert_eq!(
            report(with("id", "BLU.001".into())),
            Err(TelemetryError::Id("BLU.001".into()))
        );
        assert!(report(with("id", "A".repeat(32).into())).is_ok());
        assert!(report(with("id", "A".repeat(33).into())).is_err());
        // The clock window: 5 s ahead at most, an hour old at most.
        assert!(report(with("time", (NOW + 5.0).into())).is_ok());
        assert_eq!(
            reason(with("time", (NOW + 10.0).into())),
            format!("time {} is 10 s in the future", NOW + 10.0)
        );
        assert!(report(with("time", (NOW - 3_600.0).into())).is_ok());
        assert_eq!(
            report(with("time", (NOW - 3_601.0).into())),
            Err(TelemetryError::TimeTooOld {
                time: NOW - 3_601.0
            })
        );
        assert_eq!(
            reason(with("selected_alt_ft", 250_000.0.into())),
            "selected_alt_ft 250000 is out of range"
        );
        assert_eq!(
            reason(with("fms_selected_alt_ft", (-2_500.0).into())),
            "fms_selected_alt_ft -2500 is out of range"
        );
        // Callsign: an ICAO flight identification, eight characters counted as characters.
        let callsign = |c: &str| report(with("callsign", c.into())).map(|o| o.callsign);
        assert_eq!(callsign("ABCD 123"), Ok(Some("ABCD 123".into())));
        assert_eq!(callsign(" viper11   "), Ok(Some("VIPER11".into())));
        assert_eq!(
            callsign("ABCDEFGHI"),
            Err(TelemetryError::Callsign(CallsignError::TooLong {
                chars: 9
            }))
        );
        assert_eq!(
            reason(with("callsign", "Ä".repeat(9).into())),
            "callsign has 9 characters; at most 8"
        );
        for (c, code, at) in [
            ("ÄB", 0xC4, 0),
            ("VIP\u{0}R11", 0, 3),
            ("AB\u{202E}CD", 0x202E, 2),
            ("VIPER-11", 0x2D, 5),
            ("A\tB", 9, 1),
        ] {
            assert_eq!(
                callsign(c),
                Err(TelemetryError::Callsign(CallsignError::Character {
                    code,
                    at
                })),
                "{c:?}"
            );
        }
        assert!(reason(with("callsign", "AB\u{202E}CD".into()))
            .starts_with("callsign contains U+202E at character 2"));
        // Squawk: exactly four octal digits.
        let squawk = |q: &str| report(with("squawk", q.into())).map(|o| o.squawk);
        assert_eq!(squawk("0000"), Ok(Some("0000".into())));
        assert_eq!(squawk("7777"), Ok(Some("7777".into())));
        for q in ["7a00", "8000", "777", "77777", " 7000", "７０００", ""] {
            assert!(
                matches!(squawk(q), Err(TelemetryError::Squawk { .. })),
                "{q:?}"
            );
        }
        assert_eq!(
            reason(with("squawk", "7".repeat(1_000_000).into())),
            "squawk of 1000000 characters is not a Mode A code: four octal digits, 0000-7777"
        );
        assert_eq!(
            reason(with("squawk", "7a00".into())),
            "squawk \"7a00\" is not a Mode A code: four octal digits, 0000-7777"
        );
        // Not a telemetry object: the JSON parser's words.
        assert!(reason(with("colour", "red".into())).contains("unknown field `colour`"));
        assert!(reason(serde_json::json!({"id": "X1"})).contains("missing field `lat_deg`"));
        assert!(matches!(
            report(serde_json::json!([1, 2])),
            Err(TelemetryError::Json(_))
        ));
        // A time that JSON cannot carry, from a report built in code.
        let t: Telemetry = serde_json::from_value(base()).unwrap();
        let t = Telemetry {
            time: Some(f64::NAN),
            ..t
        };
        assert_eq!(
            t.into_report_observation(NOW, &feed(), &Arc::from("blue")),
            Err(TelemetryError::TimeNotFinite)
        );
    }

    #[test]
    fn a_line_drops_a_callsign_or_squawk_it_cannot_use() {
        let line = |cs: &str, sq: &str| {
            let l = serde_json::json!({"id": "BLU001", "callsign": cs, "squawk": sq,
                "lat_deg": 36.2, "lon_deg": 37.1, "alt_ft": 25000, "time": 1_700_000_000});
            let o = parse_telemetry_line(l.to_string().as_bytes(), &feed(), None).unwrap();
            (o.callsign, o.squawk)
        };
        assert_eq!(
            line("viper11 ", "4401"),
            (Some("VIPER11".into()), Some("4401".into()))
        );
        assert_eq!(line("VIP\u{0}R", "4a01"), (None, None));
        assert_eq!(line("AB\u{202E}C", "44011"), (None, None));
        assert_eq!(line(&"Ä".repeat(9), "4401"), (None, Some("4401".into())));
    }

    #[test]
    fn telemetry_line_still_needs_a_time() {
        let line = br#"{"id":"BLU001","lat_deg":36.2,"lon_deg":37.1,"alt_ft":25000}"#;
        assert_eq!(
            parse_telemetry_line(line, &feed(), None).unwrap_err(),
            DecodeError::Malformed {
                what: "telemetry JSON"
            }
        );
    }
}
