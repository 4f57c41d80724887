//! The common output of every decoder: one [`Observation`] of one aircraft at one instant.
//!
//! SBS-1 lines, Beast and AVR frames (via Mode S decoding), recorded state vectors, readsb
//! `aircraft.json` and party telemetry all end as an `Observation`. Every kinematic field is
//! optional because most messages carry only part of the state (an altitude reply carries no
//! position, a velocity message no altitude); the [`crate::track::TrackTable`] merges them.
//!
//! # Selected altitude (short-term vertical intent)
//! Two fields carry the altitude the crew or the flight management system has set as the level
//! to capture, which safety nets use to cap a vertical prediction (an aircraft climbing
//! through FL 300 with FL 310 selected will level off at FL 310):
//! - [`Observation::selected_alt_ft`]: the MCP/FCU selected altitude, from the ADS-B target
//!   state and status message (DO-260B §2.2.3.2.7.1, TYPE 29 subtype 1, "selected altitude"
//!   with the source bit set to MCP/FCU), the Comm-B register BDS 4,0 "MCP/FCU selected
//!   altitude" (ICAO Doc 9871, Table A-2-64), readsb `nav_altitude_mcp` or a party's
//!   `selected_alt_ft`;
//! - [`Observation::fms_selected_alt_ft`]: the FMS selected altitude, from TYPE 29 with the
//!   source bit set to FMS, the BDS 4,0 "FMS selected altitude", readsb `nav_altitude_fms` or a
//!   party's `fms_selected_alt_ft`.
//!
//! Neither is a clearance: it is what the aircraft is set to do, and may be wrong or stale.

use std::sync::Arc;

/// One report about one aircraft, as decoded from any feed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Observation {
    /// Track identifier: an ICAO 24-bit address as six upper-case hex digits (`4840D6`),
    /// `~`-prefixed for non-ICAO TIS-B addresses, or a party's own track number.
    pub id: String,
    /// Time of applicability, UNIX seconds.
    pub time_s: f64,
    /// Latitude, WGS-84, degrees north.
    pub lat_deg: Option<f64>,
    /// Longitude, WGS-84, degrees east.
    pub lon_deg: Option<f64>,
    /// Barometric (pressure) altitude, feet.
    pub alt_ft: Option<f64>,
    /// Geometric (GNSS) altitude, feet.
    pub gnss_alt_ft: Option<f64>,
    /// Ground speed, knots.
    pub gs_kt: Option<f64>,
    /// Track angle over the ground, degrees true.
    pub trk_deg: Option<f64>,
    /// Vertical rate, feet per minute, positive climbing.
    pub vs_fpm: Option<f64>,
    /// Callsign (flight identification), trimmed.
    pub callsign: Option<String>,
    /// Mode A code as four octal digits (`7000`).
    pub squawk: Option<String>,
    /// Whether the aircraft reports being on the ground.
    pub on_ground: Option<bool>,
    /// MCP/FCU selected altitude, feet: DO-260B TYPE 29 target state and status "selected
    /// altitude" with the MCP/FCU source bit, or Comm-B BDS 4,0 "MCP/FCU selected altitude"
    /// (ICAO Doc 9871 Table A-2-64). Both are decoded to the nearest 100 ft.
    pub selected_alt_ft: Option<f64>,
    /// FMS selected altitude, feet: TYPE 29 when the source bit says FMS, BDS 4,0 "FMS
    /// selected altitude", or readsb `aircraft.json` `nav_altitude_fms`.
    pub fms_selected_alt_ft: Option<f64>,
    /// The feed this came from (its configured id).
    pub feed: Arc<str>,
    /// The party the feed belongs to, if any.
    pub party: Option<Arc<str>>,
    /// True when the party reports this aircraft as its own (telemetry): the track is then
    /// owned by that party whatever other feeds hear it.
    pub own: bool,
}

impl Observation {
    /// A new observation with only an id, a time and a feed set.
    pub fn new(id: impl Into<String>, time_s: f64, feed: Arc<str>) -> Self {
        Observation {
            id: id.into(),
            time_s,
            feed,
            selected_alt_ft: None,
            fms_selected_alt_ft: None,
            ..Default::default()
        }
    }

    /// True when the observation carries a horizontal position.
    pub fn has_position(&self) -> bool {
        self.lat_deg.is_some() && self.lon_deg.is_some()
    }
}

/// Formats an ICAO 24-bit address the way tracks are keyed: six upper-case hex digits.
pub fn icao_id(addr: u32) -> String {
    format!("{:06X}", addr & 0xFF_FFFF)
}
