//! The simulator's traffic scenarios ([`Scenario`]):
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

use std::str::FromStr;

use deconflict_engine::traffic::{generate, Region};
use deconflict_engine::units::NM_PER_DEG_LAT;
use deconflict_engine::AircraftState;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::aircraft::{Pattern, SimAircraft};

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

/// Syria scenario centre (between Aleppo and the Euphrates), degrees.
pub const SYRIA_CENTER: (f64, f64) = (36.3, 37.6);

fn offset(p: (f64, f64), north_nm: f64, east_nm: f64) -> (f64, f64) {
    (
        p.0 + north_nm / NM_PER_DEG_LAT,
        p.1 + east_nm / (NM_PER_DEG_LAT * p.0.to_radians().cos()),
    )
}

/// The aircraft of `scenario` (`n` of them; the syria and encounter scenarios always include
/// their scripted aircraft and fill up to `n` with background traffic), and the first ICAO
/// address free for aircraft that enter later.
pub(super) fn build(n: usize, seed: u64, scenario: Scenario) -> (Vec<SimAircraft>, u32) {
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
            aircraft.extend(head_on_pair((50.0, 8.0)));
            for s in generate(n.saturating_sub(2), seed, Region::Europe) {
                let a = straight(s, &mut rng);
                aircraft.push(a);
            }
        }
        Scenario::Syria => {
            let c = SYRIA_CENTER;
            aircraft.extend(head_on_pair(c));
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
            // Blue reconnaissance orbit inside the box red asks blue to vacate (the demo's
            // vacate request, 36.5-36.9N 37.6-38.0E, FL150-FL250): once blue accepts, it is
            // the aircraft that must leave before the deadline.
            aircraft.push(mil(
                0xAE1041,
                "RAVEN51",
                "blue",
                (36.68, 37.76),
                16_000.0,
                140.0,
                90.0,
                rt(90.0, 3.0),
            ));
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
    (aircraft, next_icao)
}

/// The scripted head-on encounter around `c` (lat, lon degrees): blue `VIPER11` 15 NM west
/// of it flying east at 480 kt and red `SOKOL21` 15 NM east of it flying west at 450 kt, both
/// level at FL250: 30 NM apart with a 930 kt closure.
fn head_on_pair(c: (f64, f64)) -> [SimAircraft; 2] {
    let level = Pattern::Straight {
        target_alt_ft: 25_000.0,
    };
    [
        mil(
            0xAE1001,
            "VIPER11",
            "blue",
            offset(c, 0.0, -15.0),
            25_000.0,
            480.0,
            90.0,
            level,
        ),
        mil(
            0x150A21,
            "SOKOL21",
            "red",
            offset(c, 0.0, 15.0),
            25_000.0,
            450.0,
            270.0,
            level,
        ),
    ]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Simulator;
    use deconflict_engine::{detect, DetectOptions};

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
                c.cross_party
                    && c.level >= deconflict_engine::WARNING_LEVEL
                    && c.t_in_s <= 60.0
                    && {
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
}
