//! Seeded synthetic traffic served as observations, SBS-1 lines or Beast frames, for demos,
//! load tests and replay benchmarks.
//!
//! [`Simulator`] is pure (time passed in, ChaCha8 randomness from a seed): the server's demo
//! mode steps it in-process; `deconflict simulate feed` serves its output over TCP in real
//! time. The traffic comes from a [`Scenario`] ([`scenarios`]: `europe`, `global`, `dense`,
//! `encounter`, `syria`); each aircraft flies as [`aircraft`] describes.
//!
//! Observations carry `party` (`blue`, `red`, `civil`); military aircraft are marked `own`
//! (their coalition reports them as telemetry would), civil ones are not. SBS-1 lines carry
//! no party: a feed's party is assigned by configuration.
//!
//! Beast output carries DF17 extended squitters encoded by [`crate::df17`] (identification,
//! airborne position with CPR even/odd encoding per DO-260B §A.1.7, airborne velocity
//! subtype 1) with a correct CRC.

pub mod aircraft;
pub mod scenarios;

use std::sync::Arc;

use crate::df17;
use crate::observation::Observation;

pub use aircraft::SimAircraft;
pub use scenarios::{Scenario, SYRIA_CENTER};

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

impl Simulator {
    /// `n` aircraft (the syria and encounter scenarios always include their scripted
    /// aircraft, and fill up to `n` with background traffic), starting at `start_s`.
    pub fn new(n: usize, seed: u64, scenario: Scenario, start_s: f64) -> Self {
        let (aircraft, next_icao) = scenarios::build(n, seed, scenario);
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
                df17::airborne_position(a.icao, a.lat_deg, a.lon_deg, a.alt_ft, odd),
                df17::velocity(a.icao, a.gs_kt, a.trk_deg, a.vs_fpm),
            ];
            if self.steps % 10 == 1 {
                frames.push(df17::identification(a.icao, &a.callsign));
            }
            for m in frames {
                if let Some(f) = crate::beast::BeastFrame::mode_s(&m, ticks, 0xa0) {
                    f.encode_into(out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modes::ModeSDecoder;

    #[test]
    fn deterministic() {
        let mut a = Simulator::new(50, 3, Scenario::Europe, 1000.0);
        let mut b = Simulator::new(50, 3, Scenario::Europe, 1000.0);
        assert_eq!(a.step(1010.0), b.step(1010.0));
        assert_eq!(a.aircraft().len(), 50);
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
}
