//! Seeded synthetic traffic served as observations, SBS-1 lines or Beast frames, for demos,
//! load tests and replay benchmarks.
//!
//! [`Simulator`] is pure (time passed in, ChaCha8 randomness from a seed): the server's demo
//! mode steps it in-process; `deconflict simulate feed` serves its output over TCP in real
//! time. Scenarios ([`Scenario`]):
//! - `europe`, `global`, `dense`: [`deconflict_engine::traffic::generate`] traffic flying
//!   straight at constant speed and vertical rate (climbs level off at FL350, descents at
//!   FL050).
//! - `encounter`: two parties' aircraft on a scripted head-on encounter at the same level,
//!   plus background traffic.
//! - `syria`: two coalitions over northern Syria (~36° N, 37-38° E): blue and red combat air
//!   patrols on racetracks, a blue strike package and a red transport, civil traffic on
//!   east-west and north-south airways at FL330-FL390 above them, and a scripted head-on
//!   encounter between a blue (`VIPER11`) and a red (`SOKOL21`) fighter at FL250 that starts
//!   30 NM apart with a 930 kt closure: caution (time to loss ≤ 120 s) from the start,
//!   warning (≤ 60 s) after about 37 s, loss of separation after about 97 s.
//!
//! Observations carry `party` (`blue`, `red`, `civil`); military aircraft are marked `own`
//! (their coalition reports them as telemetry would), civil ones are not. SBS-1 lines carry
//! no party: a feed's party is assigned by configuration.
//!
//! Beast output encodes DF17 extended squitters (identification, airborne position with CPR
//! even/odd encoding per DO-260B §A.1.7, airborne velocity subtype 1) with a correct CRC.

use std::str::FromStr;
use std::sync::Arc;

use deconflict_engine::traffic::{generate, Region};
use deconflict_engine::units::{NM_PER_DEG_LAT, S_PER_H, S_PER_MIN};
use deconflict_engine::AircraftState;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::observation::Observation;

/// A traffic scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// European traffic between major airports.
    Europe,
    /// Worldwide traffic.
    Global,
    /// Uniform dense box (stress case).
    Dense,
    /// Scripted two-party head-on encounter plus background traffic.
    Encounter,
    /// Two coalitions over northern Syria; see the module documentation.
    Syria,
}

impl Scenario {
    /// Every scenario name.
    pub const NAMES: &'static [&'static str] = &["europe", "global", "dense", "encounter", "syria"];
}

impl FromStr for Scenario {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "europe" => Scenario::Europe,
            "global" => Scenario::Global,
            "dense" => Scenario::Dense,
            "encounter" => Scenario::Encounter,
            "syria" => Scenario::Syria,
            _ => {
                return Err(format!(
                    "unknown scenario {s:?} (known: {})",
                    Scenario::NAMES.join(", ")
                ))
            }
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Pattern {
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
    pattern: Pattern,
    phase_s: f64,
    turning_left_deg: f64,
    entry: (f64, f64),
}

impl SimAircraft {
    fn own(&self) -> bool {
        self.party != "civil"
    }

    fn advance(&mut self, dt: f64, next_icao: &mut u32) {
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

/// Seeded traffic simulator. See the module documentation.
#[derive(Debug, Clone)]
pub struct Simulator {
    aircraft: Vec<SimAircraft>,
    now_s: f64,
    feed: Arc<str>,
    parties: [Arc<str>; 3],
    next_icao: u32,
    steps: u64,
}

/// Syria scenario centre (between Aleppo and the Euphrates), degrees.
pub const SYRIA_CENTER: (f64, f64) = (36.3, 37.6);

fn offset(p: (f64, f64), north_nm: f64, east_nm: f64) -> (f64, f64) {
    (
        p.0 + north_nm / NM_PER_DEG_LAT,
        p.1 + east_nm / (NM_PER_DEG_LAT * p.0.to_radians().cos()),
    )
}

impl Simulator {
    /// `n` aircraft (the syria and encounter scenarios always include their scripted
    /// aircraft, and fill up to `n` with background traffic), starting at `start_s`.
    pub fn new(n: usize, seed: u64, scenario: Scenario, start_s: f64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut aircraft = Vec::new();
        let straight = |s: AircraftState, rng: &mut ChaCha8Rng| {
            let target = if s.vs_fpm > 0.0 {
                35_000.0f64.max(s.alt_ft)
            } else {
                5_000.0f64.min(s.alt_ft)
            };
            SimAircraft {
                icao: u32::from_str_radix(&s.id, 16)
                    .unwrap_or_else(|_| rng.gen_range(0x100000..0xF00000)),
                callsign: format!("SIM{:04}", rng.gen_range(0..10_000)),
                party: s.party.clone().unwrap_or_else(|| "civil".into()),
                lat_deg: s.lat_deg,
                lon_deg: s.lon_deg,
                alt_ft: s.alt_ft,
                gs_kt: s.gs_kt,
                trk_deg: s.trk_deg,
                vs_fpm: s.vs_fpm,
                squawk: format!("{:o}", rng.gen_range(0o1000..0o7000)),
                pattern: Pattern::Straight {
                    target_alt_ft: if s.vs_fpm == 0.0 { s.alt_ft } else { target },
                },
                phase_s: 0.0,
                turning_left_deg: 0.0,
                entry: (s.lat_deg, s.lon_deg),
            }
        };
        let mut next_icao = 0xE00000;
        match scenario {
            Scenario::Europe | Scenario::Global | Scenario::Dense => {
                let region = match scenario {
                    Scenario::Europe => Region::Europe,
                    Scenario::Global => Region::Global,
                    _ => Region::DenseBox,
                };
                for s in generate(n, seed, region) {
                    let a = straight(s, &mut rng);
                    aircraft.push(a);
                }
            }
            Scenario::Encounter => {
                let c = (50.0, 8.0);
                aircraft.push(mil(
                    0xAE1001,
                    "VIPER11",
                    "blue",
                    offset(c, 0.0, -15.0),
                    25_000.0,
                    480.0,
                    90.0,
                    Pattern::Straight {
                        target_alt_ft: 25_000.0,
                    },
                ));
                aircraft.push(mil(
                    0x150A21,
                    "SOKOL21",
                    "red",
                    offset(c, 0.0, 15.0),
                    25_000.0,
                    450.0,
                    270.0,
                    Pattern::Straight {
                        target_alt_ft: 25_000.0,
                    },
                ));
                for s in generate(n.saturating_sub(2), seed, Region::Europe) {
                    let a = straight(s, &mut rng);
                    aircraft.push(a);
                }
            }
            Scenario::Syria => {
                let c = SYRIA_CENTER;
                // Scripted head-on at FL250, 30 NM apart, 930 kt closure.
                aircraft.push(mil(
                    0xAE1001,
                    "VIPER11",
                    "blue",
                    offset(c, 0.0, -15.0),
                    25_000.0,
                    480.0,
                    90.0,
                    Pattern::Straight {
                        target_alt_ft: 25_000.0,
                    },
                ));
                aircraft.push(mil(
                    0x150A21,
                    "SOKOL21",
                    "red",
                    offset(c, 0.0, 15.0),
                    25_000.0,
                    450.0,
                    270.0,
                    Pattern::Straight {
                        target_alt_ft: 25_000.0,
                    },
                ));
                // Blue CAP north-east, red CAP west (near Aleppo), racetracks.
                let rt = |leg_s: f64, turn_dps: f64| Pattern::Racetrack { leg_s, turn_dps };
                aircraft.push(mil(
                    0xAE1011,
                    "EAGLE31",
                    "blue",
                    offset(c, 40.0, 30.0),
                    27_000.0,
                    420.0,
                    0.0,
                    rt(240.0, 3.0),
                ));
                aircraft.push(mil(
                    0xAE1012,
                    "EAGLE32",
                    "blue",
                    offset(c, 40.0, 35.0),
                    29_000.0,
                    420.0,
                    0.0,
                    rt(240.0, 3.0),
                ));
                aircraft.push(mil(
                    0x150A31,
                    "BERKUT31",
                    "red",
                    offset(c, 10.0, -45.0),
                    26_000.0,
                    400.0,
                    180.0,
                    rt(200.0, -3.0),
                ));
                aircraft.push(mil(
                    0x150A32,
                    "BERKUT32",
                    "red",
                    offset(c, 10.0, -50.0),
                    28_000.0,
                    400.0,
                    180.0,
                    rt(200.0, -3.0),
                ));
                // Blue strike package from the south-east heading north-west, then holding.
                // The four ships are stacked 1,000 ft apart (FL200-FL230), so the formation keeps
                // standard separation within itself and raises no alerts among its own members.
                for (i, (dn, de)) in [(0.0, 0.0), (1.5, 1.5), (-1.5, 1.5), (0.0, 3.0)]
                    .into_iter()
                    .enumerate()
                {
                    let p = offset(c, -60.0 + dn, 60.0 + de);
                    aircraft.push(mil(
                        0xAE1021 + i as u32,
                        &format!("HAMMER{}", 41 + i),
                        "blue",
                        p,
                        20_000.0 + 1_000.0 * i as f64,
                        460.0,
                        315.0,
                        rt(600.0, 2.0),
                    ));
                }
                // Red transport south to north at FL180.
                aircraft.push(mil(
                    0x150A41,
                    "CUB51",
                    "red",
                    offset(c, -80.0, -20.0),
                    18_000.0,
                    280.0,
                    10.0,
                    Pattern::Straight {
                        target_alt_ft: 18_000.0,
                    },
                ));
                // Civil airway traffic above, east-west and north-south, filling up to n.
                let scripted = aircraft.len();
                let civil = n.saturating_sub(scripted).max(6);
                for i in 0..civil {
                    let eastbound = i % 2 == 0;
                    let (trk, fl_choices): (f64, &[f64]) = match (i / 2) % 2 {
                        0 if eastbound => (90.0, &[33_000.0, 35_000.0, 37_000.0, 39_000.0]),
                        0 => (270.0, &[34_000.0, 36_000.0, 38_000.0]),
                        _ if eastbound => (0.0, &[33_000.0, 35_000.0, 37_000.0]),
                        _ => (180.0, &[34_000.0, 36_000.0, 38_000.0]),
                    };
                    let along = rng.gen_range(-150.0..150.0);
                    let across = rng.gen_range(-20.0..20.0);
                    let (n_nm, e_nm) = if trk == 90.0 || trk == 270.0 {
                        (across + 15.0, along)
                    } else {
                        (along, across - 10.0)
                    };
                    let p = offset(c, n_nm, e_nm);
                    let entry = match trk as i32 {
                        90 => offset(c, n_nm, -160.0),
                        270 => offset(c, n_nm, 160.0),
                        0 => offset(c, -160.0, e_nm),
                        _ => offset(c, 160.0, e_nm),
                    };
                    aircraft.push(SimAircraft {
                        icao: 0x4B8000 + i as u32,
                        callsign: format!(
                            "{}{}",
                            ["THY", "QTR", "UAE", "SVA", "MEA"][i % 5],
                            100 + rng.gen_range(0..900)
                        ),
                        party: "civil".into(),
                        lat_deg: p.0,
                        lon_deg: p.1,
                        alt_ft: fl_choices[rng.gen_range(0..fl_choices.len())],
                        gs_kt: rng.gen_range(430.0..500.0),
                        trk_deg: trk,
                        vs_fpm: 0.0,
                        squawk: format!("{:o}", rng.gen_range(0o1000..0o7000)),
                        pattern: Pattern::Airway {
                            center: c,
                            wrap_nm: 165.0,
                        },
                        phase_s: 0.0,
                        turning_left_deg: 0.0,
                        entry,
                    });
                }
                next_icao = 0x4BA000;
            }
        }
        Simulator {
            aircraft,
            now_s: start_s,
            feed: Arc::from("sim"),
            parties: [Arc::from("blue"), Arc::from("red"), Arc::from("civil")],
            next_icao,
            steps: 0,
        }
    }

    /// Sets the feed id written into observations (default `sim`).
    pub fn with_feed_id(mut self, feed: &str) -> Self {
        self.feed = Arc::from(feed);
        self
    }

    /// The simulated aircraft.
    pub fn aircraft(&self) -> &[SimAircraft] {
        &self.aircraft
    }

    /// The current simulated time, UNIX seconds.
    pub fn now_s(&self) -> f64 {
        self.now_s
    }

    /// Advances to `now_s` (in steps of at most 1 s; earlier times are ignored) and returns one
    /// full observation per aircraft at `now_s`.
    pub fn step(&mut self, now_s: f64) -> Vec<Observation> {
        self.advance_to(now_s);
        self.observations()
    }

    fn advance_to(&mut self, now_s: f64) {
        if now_s > self.now_s || self.steps == 0 {
            self.steps += 1;
        }
        while self.now_s < now_s {
            let dt = (now_s - self.now_s).min(1.0);
            for a in &mut self.aircraft {
                a.advance(dt, &mut self.next_icao);
            }
            self.now_s += dt;
        }
    }

    /// One observation per aircraft at the current time.
    pub fn observations(&self) -> Vec<Observation> {
        self.aircraft
            .iter()
            .map(|a| {
                let party = match a.party.as_str() {
                    "blue" => self.parties[0].clone(),
                    "red" => self.parties[1].clone(),
                    "civil" => self.parties[2].clone(),
                    other => Arc::from(other),
                };
                Observation {
                    id: crate::observation::icao_id(a.icao),
                    time_s: self.now_s,
                    lat_deg: Some(a.lat_deg),
                    lon_deg: Some(a.lon_deg),
                    alt_ft: Some(a.alt_ft.round()),
                    gnss_alt_ft: None,
                    gs_kt: Some(a.gs_kt),
                    trk_deg: Some(a.trk_deg),
                    vs_fpm: Some(a.vs_fpm),
                    callsign: Some(a.callsign.clone()),
                    squawk: Some(a.squawk.clone()),
                    on_ground: Some(false),
                    selected_alt_ft: None,
                    fms_selected_alt_ft: None,
                    feed: self.feed.clone(),
                    party: Some(party),
                    own: a.own(),
                }
            })
            .collect()
    }

    /// Advances to `now_s` and appends SBS-1 lines (`\r\n`-terminated): `MSG,3` and `MSG,4`
    /// for every aircraft, plus `MSG,1` and `MSG,6` on every tenth call.
    pub fn step_sbs(&mut self, now_s: f64, out: &mut String) {
        self.advance_to(now_s);
        let ident = self.steps % 10 == 1;
        for o in self.observations() {
            if ident {
                crate::sbs::write_line(out, 1, &o);
                out.push_str("\r\n");
                crate::sbs::write_line(out, 6, &o);
                out.push_str("\r\n");
            }
            crate::sbs::write_line(out, 3, &o);
            out.push_str("\r\n");
            crate::sbs::write_line(out, 4, &o);
            out.push_str("\r\n");
        }
    }

    /// Advances to `now_s` and appends Beast frames: an airborne position (alternating even
    /// and odd CPR format per call) and a velocity for every aircraft, plus an identification
    /// on every tenth call. The MLAT counter is `now_s` × 12 MHz.
    pub fn step_beast(&mut self, now_s: f64, out: &mut Vec<u8>) {
        self.advance_to(now_s);
        let ticks = (self.now_s * crate::beast::MLAT_TICKS_PER_S) as u64;
        let odd = self.steps % 2 == 0;
        for a in &self.aircraft {
            let mut frames = vec![
                adsb::airborne_position(a.icao, a.lat_deg, a.lon_deg, a.alt_ft, odd),
                adsb::velocity(a.icao, a.gs_kt, a.trk_deg, a.vs_fpm),
            ];
            if self.steps % 10 == 1 {
                frames.push(adsb::identification(a.icao, &a.callsign));
            }
            for m in frames {
                if let Some(f) = crate::beast::BeastFrame::mode_s(&m, ticks, 0xa0) {
                    f.encode_into(out);
                }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn mil(
    icao: u32,
    cs: &str,
    party: &str,
    p: (f64, f64),
    alt_ft: f64,
    gs_kt: f64,
    trk_deg: f64,
    pattern: Pattern,
) -> SimAircraft {
    SimAircraft {
        icao,
        callsign: cs.into(),
        party: party.into(),
        lat_deg: p.0,
        lon_deg: p.1,
        alt_ft,
        gs_kt,
        trk_deg,
        vs_fpm: 0.0,
        squawk: if party == "blue" {
            "4401".into()
        } else {
            "5301".into()
        },
        pattern,
        phase_s: 0.0,
        turning_left_deg: 0.0,
        entry: p,
    }
}

/// Encoding of DF17 extended squitters (the inverse of what `rs1090` decodes).
pub mod adsb {
    /// CRC-24 parity of Mode S (generator 0x1FFF409), over all but the last 3 bytes.
    pub fn crc24(msg: &[u8]) -> u32 {
        let mut crc: u32 = 0;
        for &b in msg {
            crc ^= u32::from(b) << 16;
            for _ in 0..8 {
                crc <<= 1;
                if crc & 0x100_0000 != 0 {
                    crc ^= 0x1FF_F409;
                }
            }
        }
        crc & 0xFF_FFFF
    }

    fn finish(icao: u32, me: u64) -> [u8; 14] {
        let mut m = [0u8; 14];
        m[0] = (17 << 3) | 5;
        m[1] = (icao >> 16) as u8;
        m[2] = (icao >> 8) as u8;
        m[3] = icao as u8;
        m[4..11].copy_from_slice(&me.to_be_bytes()[1..8]);
        let crc = crc24(&m[..11]);
        m[11] = (crc >> 16) as u8;
        m[12] = (crc >> 8) as u8;
        m[13] = crc as u8;
        m
    }

    /// Aircraft identification (TC 4).
    pub fn identification(icao: u32, callsign: &str) -> [u8; 14] {
        const CHARS: &[u8; 64] =
            b"#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######";
        let mut me: u64 = 4 << 51;
        let bytes = callsign.as_bytes();
        for i in 0..8 {
            let c = bytes.get(i).copied().unwrap_or(b' ').to_ascii_uppercase();
            let code = CHARS
                .iter()
                .position(|&x| x == c && c != b'#')
                .unwrap_or(32) as u64;
            me |= code << (42 - 6 * i);
        }
        finish(icao, me)
    }

    fn nl(lat: f64) -> f64 {
        if lat.abs() >= 87.0 {
            return 1.0;
        }
        let nz = 15.0;
        let a = 1.0 - (std::f64::consts::PI / (2.0 * nz)).cos();
        let b = lat.to_radians().cos().powi(2);
        (2.0 * std::f64::consts::PI / (1.0 - a / b).acos()).floor()
    }

    /// CPR encoding (DO-260B §A.1.7.4) of a position, 17-bit airborne format.
    pub fn cpr_encode(lat: f64, lon: f64, odd: bool) -> (u32, u32) {
        let i = if odd { 1.0 } else { 0.0 };
        let dlat = 360.0 / (60.0 - i);
        let yz = (131_072.0 * (lat.rem_euclid(dlat) / dlat) + 0.5).floor();
        let rlat = dlat * (yz / 131_072.0 + (lat / dlat).floor());
        let nl_r = nl(rlat);
        let dlon = 360.0 / (nl_r - i).max(1.0);
        let xz = (131_072.0 * (lon.rem_euclid(dlon) / dlon) + 0.5).floor();
        ((yz as u32) & 0x1FFFF, (xz as u32) & 0x1FFFF)
    }

    /// Airborne position with barometric altitude (TC 11, 25 ft Q-bit altitude).
    pub fn airborne_position(icao: u32, lat: f64, lon: f64, alt_ft: f64, odd: bool) -> [u8; 14] {
        let n = (((alt_ft + 1000.0) / 25.0).round().clamp(0.0, 2047.0)) as u64;
        // 12-bit altitude: 7 high bits, Q = 1, 4 low bits.
        let alt = ((n >> 4) << 5) | 0x10 | (n & 0xF);
        let (yz, xz) = cpr_encode(lat, lon, odd);
        let me: u64 = (11 << 51)
            | (alt << 36)
            | (u64::from(odd) << 34)
            | (u64::from(yz) << 17)
            | u64::from(xz);
        finish(icao, me)
    }

    /// Airborne velocity over ground, subsonic (TC 19 subtype 1).
    pub fn velocity(icao: u32, gs_kt: f64, trk_deg: f64, vs_fpm: f64) -> [u8; 14] {
        let t = trk_deg.to_radians();
        let ve = gs_kt * t.sin();
        let vn = gs_kt * t.cos();
        let enc = |v: f64| -> (u64, u64) {
            (u64::from(v < 0.0), ((v.abs().round() as u64) + 1).min(1023))
        };
        let (sew, vew) = enc(ve);
        let (sns, vns) = enc(vn);
        let svr = u64::from(vs_fpm < 0.0);
        let vr = (((vs_fpm.abs() / 64.0).round() as u64) + 1).min(511);
        let me: u64 = (19 << 51)
            | (1 << 48)
            | (sew << 42)
            | (vew << 32)
            | (sns << 31)
            | (vns << 21)
            | (svr << 19)
            | (vr << 10);
        finish(icao, me)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modes::ModeSDecoder;
    use deconflict_engine::{detect, DetectOptions};

    #[test]
    fn deterministic() {
        let mut a = Simulator::new(50, 3, Scenario::Europe, 1000.0);
        let mut b = Simulator::new(50, 3, Scenario::Europe, 1000.0);
        assert_eq!(a.step(1010.0), b.step(1010.0));
        assert_eq!(a.aircraft().len(), 50);
    }

    #[test]
    fn syria_reaches_warning_within_two_minutes() {
        let mut sim = Simulator::new(30, 1, Scenario::Syria, 0.0);
        assert_eq!(sim.aircraft().len(), 30);
        let opts = DetectOptions::default();
        let mut first_warning = None;
        for t in 0..=120 {
            let obs = sim.step(f64::from(t));
            let states: Vec<_> = obs
                .iter()
                .map(|o| AircraftState {
                    id: o.id.clone(),
                    party: o.party.as_deref().map(str::to_string),
                    lat_deg: o.lat_deg.unwrap(),
                    lon_deg: o.lon_deg.unwrap(),
                    alt_ft: o.alt_ft.unwrap(),
                    gs_kt: o.gs_kt.unwrap(),
                    trk_deg: o.trk_deg.unwrap(),
                    vs_fpm: o.vs_fpm.unwrap(),
                })
                .collect();
            let d = detect(&states, &opts).unwrap();
            let hit = d.conflicts.iter().find(|c| {
                c.cross_party && c.level >= 3 && c.t_in_s <= 60.0 && {
                    let ids = [c.a.as_str(), c.b.as_str()];
                    ids.contains(&"AE1001") && ids.contains(&"150A21")
                }
            });
            if hit.is_some() && first_warning.is_none() {
                first_warning = Some(t);
            }
            assert!(obs.iter().all(|o| o.party.is_some()));
        }
        let t = first_warning.expect("no warning in the first two minutes");
        assert!((30..=45).contains(&t), "warning at {t} s");
    }

    #[test]
    fn syria_strike_formation_keeps_separation_among_itself() {
        // The HAMMER four-ship flies in close formation; stacked 1,000 ft apart it must never
        // show up as a conflict between its own members, or it would bury the real alerts.
        let mut sim = Simulator::new(30, 1, Scenario::Syria, 0.0);
        let hammers: Vec<String> = (0..4)
            .map(|i| crate::observation::icao_id(0xAE1021 + i))
            .collect();
        let opts = DetectOptions::default();
        for t in (0..=900).step_by(5) {
            let states: Vec<_> = sim
                .step(f64::from(t))
                .iter()
                .filter(|o| hammers.contains(&o.id))
                .map(|o| AircraftState {
                    id: o.id.clone(),
                    party: o.party.as_deref().map(str::to_string),
                    lat_deg: o.lat_deg.unwrap(),
                    lon_deg: o.lon_deg.unwrap(),
                    alt_ft: o.alt_ft.unwrap(),
                    gs_kt: o.gs_kt.unwrap(),
                    trk_deg: o.trk_deg.unwrap(),
                    vs_fpm: o.vs_fpm.unwrap(),
                })
                .collect();
            assert_eq!(states.len(), 4, "formation incomplete at {t} s");
            let d = detect(&states, &opts).unwrap();
            assert!(
                d.conflicts.is_empty(),
                "formation conflict at {t} s: {:?}",
                d.conflicts
            );
        }
    }

    #[test]
    fn sbs_and_beast_output_decode_back() {
        let mut sim = Simulator::new(5, 9, Scenario::Syria, 1_700_000_000.0);
        let mut text = String::new();
        sim.step_sbs(1_700_000_001.0, &mut text);
        let feed: Arc<str> = Arc::from("x");
        let lines: Vec<_> = text.lines().collect();
        assert!(lines.len() >= 4 * 12, "{}", lines.len());
        for l in &lines {
            crate::sbs::parse_line(l, &feed).unwrap_or_else(|e| panic!("{l}: {e}"));
        }
        let mut wire = Vec::new();
        sim.step_beast(1_700_000_002.0, &mut wire);
        sim.step_beast(1_700_000_003.0, &mut wire);
        let truth: Vec<_> = sim.aircraft().to_vec();
        let mut framer = crate::beast::BeastFramer::new();
        framer.push(&wire);
        let mut dec = ModeSDecoder::new(None);
        let mut last = std::collections::HashMap::new();
        while let Some(f) = framer.next_frame() {
            let o = dec
                .decode(f.payload(), f.mlat_ticks as f64 / 12e6, &feed)
                .unwrap();
            if o.has_position() {
                last.insert(o.id.clone(), o);
            }
        }
        assert_eq!(last.len(), truth.len());
        for a in &truth {
            let o = &last[&crate::observation::icao_id(a.icao)];
            // CPR resolution is about 5 m; the altitude 25 ft.
            assert!((o.lat_deg.unwrap() - a.lat_deg).abs() < 1e-4, "{o:?} {a:?}");
            assert!((o.lon_deg.unwrap() - a.lon_deg).abs() < 1e-4, "{o:?} {a:?}");
            assert!((o.alt_ft.unwrap() - a.alt_ft).abs() <= 12.5);
        }
    }

    #[test]
    fn encoded_messages_decode() {
        let feed: Arc<str> = Arc::from("x");
        let mut dec = ModeSDecoder::new(None);
        let id = dec
            .decode(&adsb::identification(0xAE1001, "VIPER11"), 0.0, &feed)
            .unwrap();
        assert_eq!(id.callsign.as_deref(), Some("VIPER11"));
        let v = dec
            .decode(&adsb::velocity(0xAE1001, 480.0, 90.0, -1280.0), 0.0, &feed)
            .unwrap();
        assert!(
            (v.gs_kt.unwrap() - 480.0).abs() < 1.0 && (v.trk_deg.unwrap() - 90.0).abs() < 0.5,
            "{v:?}"
        );
        assert_eq!(v.vs_fpm, Some(-1280.0));
    }
}
