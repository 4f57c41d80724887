//! Mode S / ADS-B decoding of framed messages into [`Observation`]s, using `rs1090`.
//!
//! The framing (Beast, AVR) is ours; the bit-level decoding and the CPR arithmetic are
//! `rs1090`'s ([`cpr::airborne_position`] for even/odd pairs, the `*_with_reference`
//! functions for local decoding). [`ModeSDecoder`] keeps the per-aircraft pairing state
//! (latest even and odd airborne messages, latest position) and the set of addresses
//! confirmed by a CRC-checked message.
//!
//! # Design decisions
//! - Address/parity replies (DF 0, 4, 5, 16, 20, 21) carry no checkable CRC: the address is
//!   *recovered* from the parity, so any corrupted frame yields a plausible-looking address.
//!   As dump1090 does, they are accepted only for addresses recently confirmed by an
//!   extended squitter (DF 17/18 with CRC 0) or an all-call reply (DF 11 with a valid
//!   interrogator code); others are rejected as `unknown_address`.
//! - Comm-B registers (BDS 4,0 / 5,0 / 6,0) are inferred by heuristics and can be ambiguous;
//!   only their altitude and identity fields feed tracks.
//! - Pairing is ours rather than `rs1090::decode::cpr::decode_position`, because that one
//!   also drops positions implying more than 1,200 km/h: correct for airliners, wrong for
//!   the military traffic this system deconflicts. Plausibility is the track table's job,
//!   with a configurable limit. Global decoding pairs an even and an odd message at most
//!   [`CPR_GLOBAL_MAX_GAP_S`] apart (DO-260B §A.1.7.7); otherwise a single message is decoded
//!   locally against the aircraft's own position if younger than [`CPR_LOCAL_MAX_AGE_S`].
//!   Surface positions are decoded locally against the aircraft's last position or the
//!   receiver reference.
//! - Airspeed-subtype velocity messages (BDS 0,9 subtypes 3/4) give heading and airspeed, not
//!   ground velocity: only their vertical rate is kept.

use std::collections::HashMap;
use std::sync::Arc;

use rs1090::decode::bds::bds05::AirbornePosition;
use rs1090::decode::bds::bds09::AirborneVelocitySubType;
use rs1090::decode::cpr::CPRFormat;
use rs1090::decode::cpr::{self, Position};
use rs1090::decode::{FlightStatus, IdentityCode, DF};
use rs1090::prelude::{Message, ICAO, ME};

use crate::error::DecodeError;
use crate::observation::{icao_id, Observation};

/// How long an address stays confirmed after its last CRC-checked message, seconds.
pub const ADDRESS_CONFIRMED_FOR_S: f64 = 600.0;

/// Largest gap between an even and an odd airborne message decoded as a pair, seconds.
pub const CPR_GLOBAL_MAX_GAP_S: f64 = 10.0;
/// Oldest own position still used as the reference for local decoding, seconds.
pub const CPR_LOCAL_MAX_AGE_S: f64 = 180.0;

#[derive(Default)]
struct CprState {
    even: Option<(AirbornePosition, f64)>,
    odd: Option<(AirbornePosition, f64)>,
    pos: Option<(Position, f64)>,
}

/// Stateful Mode S decoder (CPR pairing state and confirmed addresses).
pub struct ModeSDecoder {
    cpr: HashMap<u32, CprState>,
    reference: Option<Position>,
    confirmed: HashMap<u32, f64>,
    require_confirmed: bool,
}

impl Default for ModeSDecoder {
    fn default() -> Self {
        Self::new(None)
    }
}

impl std::fmt::Debug for ModeSDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModeSDecoder")
            .field("aircraft", &self.cpr.len())
            .finish()
    }
}

impl ModeSDecoder {
    /// A decoder; `reference` (lat, lon degrees) is the receiver's location, used for
    /// surface positions and single-message (local) decoding before a global pair exists.
    pub fn new(reference: Option<(f64, f64)>) -> Self {
        ModeSDecoder {
            cpr: HashMap::new(),
            reference: reference.map(|(latitude, longitude)| Position {
                latitude,
                longitude,
            }),
            confirmed: HashMap::new(),
            require_confirmed: true,
        }
    }

    /// Accept address/parity replies from unconfirmed addresses too (for tests and for
    /// recordings known to be clean).
    pub fn accept_unconfirmed(mut self) -> Self {
        self.require_confirmed = false;
        self
    }

    /// Number of aircraft with CPR state.
    pub fn aircraft(&self) -> usize {
        self.cpr.len()
    }

    /// Forgets CPR state and confirmations older than `max_age_s` before `now_s`.
    pub fn expire(&mut self, now_s: f64, max_age_s: f64) {
        self.confirmed.retain(|_, t| now_s - *t <= max_age_s);
        let keep = &self.confirmed;
        self.cpr.retain(|icao, _| keep.contains_key(icao));
    }

    fn confirm(&mut self, addr: u32, time_s: f64) {
        self.confirmed.insert(addr, time_s);
    }

    fn check_confirmed(&self, addr: u32, time_s: f64) -> Result<(), DecodeError> {
        if !self.require_confirmed {
            return Ok(());
        }
        match self.confirmed.get(&addr) {
            Some(t) if time_s - *t <= ADDRESS_CONFIRMED_FOR_S => Ok(()),
            _ => Err(DecodeError::UnknownAddress(addr)),
        }
    }

    /// Decodes one 7- or 14-byte Mode S message received at `time_s` (UNIX seconds).
    ///
    /// # Errors
    /// [`DecodeError::BadLength`], [`DecodeError::ModeS`] (bad CRC or format),
    /// [`DecodeError::UnknownAddress`] or [`DecodeError::Unsupported`] (nothing for a track).
    pub fn decode(
        &mut self,
        msg: &[u8],
        time_s: f64,
        feed: &Arc<str>,
    ) -> Result<Observation, DecodeError> {
        if msg.len() != 7 && msg.len() != 14 {
            return Err(DecodeError::BadLength { len: msg.len() });
        }
        // The DF sets the length: reject a short DF in a long frame and vice versa.
        let long = msg[0] & 0x80 != 0;
        if long != (msg.len() == 14) {
            return Err(DecodeError::BadLength { len: msg.len() });
        }
        if !time_s.is_finite() {
            return Err(DecodeError::BadField { field: "time" });
        }
        let mut message = Message::try_from(msg).map_err(|e| DecodeError::ModeS(e.to_string()))?;
        let crc = message.crc;
        let mut obs = Observation {
            time_s,
            feed: feed.clone(),
            ..Default::default()
        };
        match &mut message.df {
            DF::ExtendedSquitterADSB(adsb) => {
                let addr = adsb.icao24;
                self.confirm(addr.0, time_s);
                obs.id = icao_id(addr.0);
                self.extended_squitter(&mut adsb.message, &addr, time_s, &mut obs)?;
            }
            DF::ExtendedSquitterTisB { cf, .. } => {
                if crc != 0 {
                    return Err(DecodeError::ModeS(format!(
                        "invalid CRC in DF18 message: {crc}"
                    )));
                }
                let addr = cf.aa;
                obs.id = icao_id(addr.0);
                self.confirm(addr.0, time_s);
                self.extended_squitter(&mut cf.me, &addr, time_s, &mut obs)?;
            }
            DF::AllCallReply { icao, .. } => {
                // The parity is overlaid with the interrogator code (II/SI, < 0x80).
                if crc >= 0x80 {
                    return Err(DecodeError::ModeS(format!(
                        "invalid CRC in DF11 message: {crc}"
                    )));
                }
                self.confirm(icao.0, time_s);
                obs.id = icao_id(icao.0);
            }
            DF::ShortAirAirSurveillance { vs, ac, .. } => {
                self.check_confirmed(crc, time_s)?;
                obs.id = icao_id(crc);
                obs.alt_ft = ac.0.map(f64::from);
                obs.on_ground = Some(*vs == 1);
            }
            DF::LongAirAirSurveillance { vs, ac, .. } => {
                self.check_confirmed(crc, time_s)?;
                obs.id = icao_id(crc);
                obs.alt_ft = ac.0.map(f64::from);
                obs.on_ground = Some(*vs == 1);
            }
            DF::SurveillanceAltitudeReply { fs, ac, .. }
            | DF::CommBAltitudeReply { fs, ac, .. } => {
                self.check_confirmed(crc, time_s)?;
                obs.id = icao_id(crc);
                obs.alt_ft = ac.0.map(f64::from);
                obs.on_ground = flight_status_ground(fs);
            }
            DF::SurveillanceIdentityReply { fs, id, .. }
            | DF::CommBIdentityReply { fs, id, .. } => {
                self.check_confirmed(crc, time_s)?;
                obs.id = icao_id(crc);
                obs.squawk = Some(squawk(id));
                obs.on_ground = flight_status_ground(fs);
            }
            DF::ExtendedSquitterMilitary { .. } | DF::CommDExtended { .. } => {
                return Err(DecodeError::Unsupported)
            }
        }
        Ok(obs)
    }

    fn extended_squitter(
        &mut self,
        me: &mut ME,
        addr: &ICAO,
        time_s: f64,
        obs: &mut Observation,
    ) -> Result<(), DecodeError> {
        self.decode_position(me, addr.0, time_s);
        match me {
            ME::BDS05 { tc, inner } => {
                let alt = inner.alt.map(f64::from);
                if (20..=22).contains(tc) {
                    obs.gnss_alt_ft = alt;
                } else {
                    obs.alt_ft = alt;
                }
                obs.lat_deg = inner.latitude;
                obs.lon_deg = inner.longitude;
                obs.on_ground = Some(false);
            }
            ME::BDS06 { inner, .. } => {
                obs.lat_deg = inner.latitude;
                obs.lon_deg = inner.longitude;
                obs.gs_kt = inner.groundspeed;
                obs.trk_deg = inner.track;
                obs.on_ground = Some(true);
            }
            ME::BDS08 { inner, .. } => {
                let cs = inner
                    .callsign
                    .trim_matches(|c: char| c == ' ' || c == '_' || c == '#');
                if !cs.is_empty() {
                    obs.callsign = Some(cs.to_string());
                }
            }
            ME::BDS09(v) => {
                if let AirborneVelocitySubType::GroundSpeedDecoding(g) = &v.velocity {
                    obs.gs_kt = Some(g.groundspeed);
                    obs.trk_deg = Some(g.track);
                }
                obs.vs_fpm = v.vertical_rate.map(f64::from);
                obs.on_ground = Some(false);
            }
            ME::BDS61(s) => obs.squawk = Some(squawk(&s.squawk)),
            _ => return Err(DecodeError::Unsupported),
        }
        Ok(())
    }
}

impl ModeSDecoder {
    fn decode_position(&mut self, me: &mut ME, addr: u32, t: f64) {
        let st = self.cpr.entry(addr).or_default();
        let own_ref = st
            .pos
            .filter(|(_, pt)| (t - pt).abs() <= CPR_LOCAL_MAX_AGE_S)
            .map(|(p, _)| p);
        match me {
            ME::BDS05 { inner, .. } => {
                let other = match inner.parity {
                    CPRFormat::Even => st.odd,
                    CPRFormat::Odd => st.even,
                };
                let mut pos = other
                    .filter(|(_, ot)| (t - ot).abs() <= CPR_GLOBAL_MAX_GAP_S)
                    .and_then(|(o, _)| cpr::airborne_position(&o, inner));
                if pos.is_none() {
                    if let Some(r) = own_ref {
                        pos = cpr::airborne_position_with_reference(inner, r.latitude, r.longitude);
                    }
                }
                let slot = match inner.parity {
                    CPRFormat::Even => &mut st.even,
                    CPRFormat::Odd => &mut st.odd,
                };
                *slot = Some((*inner, t));
                if let Some(p) = pos {
                    inner.latitude = Some(p.latitude);
                    inner.longitude = Some(p.longitude);
                    st.pos = Some((p, t));
                }
            }
            ME::BDS06 { inner, .. } => {
                if let Some(r) = own_ref.or(self.reference) {
                    if let Some(p) =
                        cpr::surface_position_with_reference(inner, r.latitude, r.longitude)
                    {
                        inner.latitude = Some(p.latitude);
                        inner.longitude = Some(p.longitude);
                        st.pos = Some((p, t));
                    }
                }
            }
            _ => {}
        }
    }
}

fn squawk(id: &IdentityCode) -> String {
    format!("{:04x}", id.0)
}

fn flight_status_ground(fs: &FlightStatus) -> Option<bool> {
    match fs {
        FlightStatus::NoAlertNoSpiAirborne | FlightStatus::AlertNoSpiAirborne => Some(false),
        FlightStatus::NoAlertNoSpiOnGround | FlightStatus::AlertNoSpiOnGround => Some(true),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn global_cpr_pair() {
        let feed: Arc<str> = Arc::from("t");
        let mut d = ModeSDecoder::new(None);
        let a = d
            .decode(&hex("8D40058B58C901375147EFD09357"), 100.0, &feed)
            .unwrap();
        assert_eq!(a.id, "40058B");
        assert_eq!(a.lat_deg, None);
        let b = d
            .decode(&hex("8D40058B58C904A87F402D3B8C59"), 101.0, &feed)
            .unwrap();
        assert!((b.lat_deg.unwrap() - 49.8175).abs() < 1e-2, "{b:?}");
        assert!((b.lon_deg.unwrap() - 6.0844).abs() < 1e-2, "{b:?}");
        assert_eq!(b.alt_ft, Some(39_000.0));
    }

    #[test]
    fn identification_velocity_and_bad_crc() {
        let feed: Arc<str> = Arc::from("t");
        let mut d = ModeSDecoder::new(None);
        let id = d
            .decode(&hex("8D4840D6202CC371C32CE0576098"), 1.0, &feed)
            .unwrap();
        assert_eq!(id.callsign.as_deref(), Some("KLM1023"));
        let v = d
            .decode(&hex("8D485020994409940838175B284F"), 2.0, &feed)
            .unwrap();
        assert!((v.gs_kt.unwrap() - 159.2).abs() < 0.1, "{v:?}");
        assert_eq!(v.vs_fpm, Some(-832.0));
        let mut bad = hex("8D4840D6202CC371C32CE0576098");
        bad[5] ^= 1;
        assert_eq!(
            d.decode(&bad, 3.0, &feed).unwrap_err().reason(),
            "bad_crc_or_format"
        );
    }

    #[test]
    fn address_parity_needs_confirmation() {
        let feed: Arc<str> = Arc::from("t");
        let mut d = ModeSDecoder::new(None);
        let df5 = hex("2928080069049eed86cbc9970493");
        // A 14-byte frame with a short DF is a length error.
        assert_eq!(
            d.decode(&df5, 1.0, &feed).unwrap_err().reason(),
            "bad_length"
        );
        let df4 = hex("20001838CA3804");
        let e = d.decode(&df4, 1.0, &feed).unwrap_err();
        assert_eq!(e.reason(), "unknown_address");
        let mut d = ModeSDecoder::new(None).accept_unconfirmed();
        let o = d.decode(&df4, 1.0, &feed).unwrap();
        assert!(o.alt_ft.is_some());
    }
}
