//! One simulated aircraft and how it flies: straight (with a climb or descent to a level),
//! racetrack patterns, and airway traffic that re-enters the area under a new address.
//!
//! Motion is flat-earth dead reckoning in steps of at most 1 s (the [`super::Simulator`]'s),
//! which is ample for synthetic traffic over a few hundred nautical miles.

use deconflict_engine::units::{NM_PER_DEG_LAT, S_PER_H, S_PER_MIN};
use deconflict_engine::AircraftState;

/// How an aircraft flies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Pattern {
    /// Straight and level (or constant climb/descent until a target level).
    Straight { target_alt_ft: f64 },
    /// Racetrack: straight legs of `leg_s`, then a 180° turn at `turn_dps` (positive = right).
    Racetrack { leg_s: f64, turn_dps: f64 },
    /// Straight until `wrap_nm` from (lat, lon), then re-enter from the other side under a
    /// new address (airway traffic that keeps the area populated).
    Airway { center: (f64, f64), wrap_nm: f64 },
}

/// One simulated aircraft.
#[derive(Debug, Clone)]
pub struct SimAircraft {
    /// ICAO address.
    pub icao: u32,
    /// Callsign.
    pub callsign: String,
    /// Party (`blue`, `red`, `civil`).
    pub party: String,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Altitude, feet.
    pub alt_ft: f64,
    /// Ground speed, knots.
    pub gs_kt: f64,
    /// Track, degrees true.
    pub trk_deg: f64,
    /// Vertical rate, ft/min.
    pub vs_fpm: f64,
    /// Mode A code (octal digits).
    pub squawk: String,
    pub(super) pattern: Pattern,
    /// Time flown on the current racetrack leg, seconds.
    pub(super) phase_s: f64,
    /// Degrees of the current racetrack turn still to fly.
    pub(super) turning_left_deg: f64,
    /// Where airway traffic re-enters, (lat, lon) degrees.
    pub(super) entry: (f64, f64),
}

impl SimAircraft {
    pub(super) fn own(&self) -> bool {
        self.party != "civil"
    }

    pub(super) fn advance(&mut self, dt: f64, next_icao: &mut u32) {
        match self.pattern {
            Pattern::Straight { target_alt_ft } => {
                let new_alt = self.alt_ft + self.vs_fpm * dt / S_PER_MIN;
                if (self.vs_fpm > 0.0 && new_alt >= target_alt_ft)
                    || (self.vs_fpm < 0.0 && new_alt <= target_alt_ft)
                {
                    self.alt_ft = target_alt_ft;
                    self.vs_fpm = 0.0;
                } else {
                    self.alt_ft = new_alt;
                }
            }
            Pattern::Racetrack { leg_s, turn_dps } => {
                if self.turning_left_deg > 0.0 {
                    let turn = (turn_dps.abs() * dt).min(self.turning_left_deg);
                    self.trk_deg = (self.trk_deg + turn * turn_dps.signum()).rem_euclid(360.0);
                    self.turning_left_deg -= turn;
                } else {
                    self.phase_s += dt;
                    if self.phase_s >= leg_s {
                        self.phase_s = 0.0;
                        self.turning_left_deg = 180.0;
                    }
                }
            }
            Pattern::Airway { center, wrap_nm } => {
                let dn = (self.lat_deg - center.0) * NM_PER_DEG_LAT;
                let de = (self.lon_deg - center.1) * NM_PER_DEG_LAT * center.0.to_radians().cos();
                if (dn * dn + de * de).sqrt() > wrap_nm {
                    self.lat_deg = self.entry.0;
                    self.lon_deg = self.entry.1;
                    self.icao = *next_icao;
                    *next_icao += 1;
                    return;
                }
            }
        }
        let d_nm = self.gs_kt * dt / S_PER_H;
        let trk = self.trk_deg.to_radians();
        self.lat_deg += d_nm * trk.cos() / NM_PER_DEG_LAT;
        self.lon_deg +=
            d_nm * trk.sin() / (NM_PER_DEG_LAT * self.lat_deg.to_radians().cos().max(0.01));
        self.lat_deg = self.lat_deg.clamp(-89.9, 89.9);
        if self.lon_deg > 180.0 {
            self.lon_deg -= 360.0;
        } else if self.lon_deg < -180.0 {
            self.lon_deg += 360.0;
        }
    }

    /// The aircraft as an engine state.
    pub fn state(&self) -> AircraftState {
        AircraftState {
            id: crate::observation::icao_id(self.icao),
            party: Some(self.party.clone()),
            lat_deg: self.lat_deg,
            lon_deg: self.lon_deg,
            alt_ft: self.alt_ft,
            gs_kt: self.gs_kt,
            trk_deg: self.trk_deg,
            vs_fpm: self.vs_fpm,
        }
    }
}
