//! The position cross-check: what a party reports of its own aircraft against independent
//! surveillance of the same address (ADS-B from a civil feed, another party's radar). A
//! neutral cell is the one place where both are seen; a lasting disagreement is raised as a
//! *position discrepancy* to the owner and the cell — a spoofed or wrong report, a
//! transponder set to another aircraft's address, or a faulty navigator.
//!
//! # Rule
//! Each check takes, per owned track, the owner's latest own report and the latest
//! independent fix, both at most `max_age_s` old. The owner's report is carried to the
//! independent fix's time along its velocity (the detector's straight-line motion), and the
//! two compared: horizontally on WGS-84 (the engine's distance), vertically as the
//! difference of their altitudes when both carry one. A sample is *discrepant* when either
//! exceeds its limit (`horizontal_m`, default 1 NM; `vertical_ft`, default 300 ft, the
//! tolerance ICAO Doc 4444 §8.5.5 gives a Mode C level against the level the pilot reports).
//! A discrepancy is raised once its samples have been discrepant without a break for
//! `persist_s`, and cleared once it has not been for `clear_s` (the engine's
//! [`Hysteresis`], as for conflict and intrusion alerts), whether because the sources agree
//! again or because one of them fell silent.

pub use crate::config::CrosscheckConfig;
use deconflict_engine::geodesy::horizontal_distance_m;
use deconflict_engine::hysteresis::{Change, Hysteresis};
use deconflict_engine::units::S_PER_MIN;
use deconflict_feeds::track::Fix;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The store collection of position discrepancies (one document per discrepancy, by id).
pub const COLLECTION: &str = "discrepancies";

/// Whether `viewer` sees discrepancy `d` at `now_s`: the aircraft's owner and those who see
/// everything, while it is active and for `recent_s` after it cleared.
pub fn visible(d: &Discrepancy, party: &str, sees_all: bool, now_s: f64, recent_s: f64) -> bool {
    (sees_all || d.party == party) && d.cleared_at.is_none_or(|c| now_s - c <= recent_s)
}

/// One owned track's two sources, as the track table holds them.
#[derive(Debug, Clone, PartialEq)]
pub struct FixPair {
    /// The track.
    pub track_id: String,
    /// Its owner.
    pub party: String,
    /// Its callsign, if known.
    pub callsign: Option<String>,
    /// The owner's own report.
    pub reported: Fix,
    /// Independent surveillance.
    pub independent: Fix,
}

/// How far apart the two sources are in one sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Gap {
    /// Horizontal distance, metres, the owner's report carried to the fix's time.
    pub horizontal_m: f64,
    /// Reported minus independent altitude, feet, when both carry one.
    pub vertical_ft: Option<f64>,
}

/// The gap between the two sources of `p`, or `None` when either is older than `max_age_s`
/// at `now_s`.
pub fn gap(p: &FixPair, now_s: f64, max_age_s: f64) -> Option<Gap> {
    let (r, i) = (&p.reported, &p.independent);
    if now_s - r.time_s > max_age_s || now_s - i.time_s > max_age_s {
        return None;
    }
    let dt_s = i.time_s - r.time_s;
    let (lat, lon) = carried(r, dt_s);
    let alt = r
        .alt_ft
        .map(|a| a + r.vs_fpm.unwrap_or(0.0) / S_PER_MIN * dt_s);
    Some(Gap {
        horizontal_m: horizontal_distance_m(lat, lon, i.lat_deg, i.lon_deg),
        vertical_ft: alt.zip(i.alt_ft).map(|(a, b)| a - b),
    })
}

/// `f`'s position `dt_s` later along its ground velocity (unchanged without one).
fn carried(f: &Fix, dt_s: f64) -> (f64, f64) {
    let (Some(gs), Some(trk)) = (f.gs_kt, f.trk_deg) else {
        return (f.lat_deg, f.lon_deg);
    };
    let state = deconflict_engine::AircraftState {
        id: String::new(),
        party: None,
        lat_deg: f.lat_deg,
        lon_deg: f.lon_deg,
        alt_ft: f.alt_ft.unwrap_or(0.0),
        gs_kt: gs,
        trk_deg: trk,
        vs_fpm: 0.0,
    };
    let (lat, lon, _) = deconflict_engine::predict_position(&state, dt_s);
    (lat, lon)
}

/// `discrepancy.raised` / `discrepancy.updated` / `discrepancy.cleared`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiscrepancyState {
    /// Newly raised.
    Raised,
    /// Still active, with a fresher sample.
    Updated,
    /// Over.
    Cleared,
}

/// A position discrepancy (`Discrepancy` in docs/api.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Discrepancy {
    /// `d-<run>-<n>`.
    pub id: String,
    /// The aircraft.
    pub track_id: String,
    /// Its owner, who reported it.
    pub party: String,
    /// Its callsign, if known.
    pub callsign: Option<String>,
    /// Lifecycle state.
    pub state: DiscrepancyState,
    /// When raised, UNIX seconds.
    pub raised_at: f64,
    /// When last changed, UNIX seconds.
    pub updated_at: f64,
    /// When cleared.
    pub cleared_at: Option<f64>,
    /// The latest discrepant sample: horizontal distance, metres.
    pub horizontal_m: f64,
    /// The latest discrepant sample: reported minus independent altitude, feet.
    pub vertical_ft: Option<f64>,
    /// The largest horizontal distance seen while active, metres.
    pub max_horizontal_m: f64,
    /// The owner's report of that sample.
    pub reported: serde_json::Value,
    /// The independent fix of that sample (with the feed that gave it).
    pub independent: serde_json::Value,
}

/// The cross-check's state between runs: which tracks are discrepant since when, and the
/// raised discrepancies.
pub struct Crosscheck {
    run: u64,
    discrepant_since: BTreeMap<String, f64>,
    alerts: Hysteresis<String>,
    active: BTreeMap<String, Discrepancy>,
}

impl Crosscheck {
    /// No discrepancy yet; ids are `d-<run>-<n>`.
    pub fn new(run: u64, config: &CrosscheckConfig) -> Crosscheck {
        Crosscheck {
            run,
            discrepant_since: BTreeMap::new(),
            alerts: Hysteresis::new(config.clear_s),
            active: BTreeMap::new(),
        }
    }

    /// The active discrepancies, by track.
    #[cfg(test)]
    fn active(&self) -> impl Iterator<Item = &Discrepancy> {
        self.active.values()
    }

    /// One check at `now_s` over every owned track with both sources. Returns the
    /// discrepancies raised, updated (a larger gap than any seen, by 10 % or more) and
    /// cleared by it.
    pub fn step(
        &mut self,
        config: &CrosscheckConfig,
        now_s: f64,
        pairs: &[FixPair],
    ) -> Vec<Discrepancy> {
        let mut raw = Vec::new();
        let mut samples: BTreeMap<&str, (&FixPair, Gap)> = BTreeMap::new();
        let mut seen = std::collections::BTreeSet::new();
        for p in pairs {
            let Some(g) = gap(p, now_s, config.max_age_s) else {
                continue;
            };
            let off = g.horizontal_m > config.horizontal_m
                || g.vertical_ft.is_some_and(|v| v.abs() > config.vertical_ft);
            if !off {
                continue;
            }
            seen.insert(p.track_id.clone());
            let since = *self
                .discrepant_since
                .entry(p.track_id.clone())
                .or_insert(now_s);
            if now_s - since >= config.persist_s || self.active.contains_key(&p.track_id) {
                raw.push((p.track_id.clone(), 1u8));
                samples.insert(p.track_id.as_str(), (p, g));
            }
        }
        self.discrepant_since.retain(|k, _| seen.contains(k));
        let mut out = Vec::new();
        for t in self.alerts.update(now_s, raw) {
            let key = t.key;
            match t.change {
                Change::Raised => {
                    let Some((p, g)) = samples.get(key.as_str()) else {
                        continue;
                    };
                    let d = Discrepancy {
                        id: format!("d-{}-{}", self.run, t.held.id),
                        track_id: key.clone(),
                        party: p.party.clone(),
                        callsign: p.callsign.clone(),
                        state: DiscrepancyState::Raised,
                        raised_at: now_s,
                        updated_at: now_s,
                        cleared_at: None,
                        horizontal_m: g.horizontal_m,
                        vertical_ft: g.vertical_ft,
                        max_horizontal_m: g.horizontal_m,
                        reported: serde_json::to_value(&p.reported).unwrap_or_default(),
                        independent: serde_json::to_value(&p.independent).unwrap_or_default(),
                    };
                    self.active.insert(key, d.clone());
                    out.push(d);
                }
                Change::Cleared => {
                    if let Some(mut d) = self.active.remove(&key) {
                        d.state = DiscrepancyState::Cleared;
                        d.updated_at = now_s;
                        d.cleared_at = Some(now_s);
                        out.push(d);
                    }
                }
                Change::Escalated { .. } | Change::DeEscalated { .. } => {}
            }
        }
        // Fresher samples of the active ones: kept, and published when the gap grew.
        for (key, (p, g)) in samples {
            let Some(d) = self.active.get_mut(key) else {
                continue;
            };
            if d.state == DiscrepancyState::Raised && d.updated_at == now_s {
                continue;
            }
            let grew = g.horizontal_m > d.max_horizontal_m * 1.1;
            d.horizontal_m = g.horizontal_m;
            d.vertical_ft = g.vertical_ft;
            d.reported = serde_json::to_value(&p.reported).unwrap_or_default();
            d.independent = serde_json::to_value(&p.independent).unwrap_or_default();
            if grew {
                d.max_horizontal_m = g.horizontal_m;
                d.state = DiscrepancyState::Updated;
                d.updated_at = now_s;
                out.push(d.clone());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn fix(t: f64, lat: f64, lon: f64, alt: f64, feed: &str) -> Fix {
        Fix {
            time_s: t,
            lat_deg: lat,
            lon_deg: lon,
            alt_ft: Some(alt),
            gs_kt: Some(420.0),
            trk_deg: Some(90.0),
            vs_fpm: Some(0.0),
            feed: Arc::from(feed),
        }
    }

    /// Blue's report at `t - 0.5` and civil ADS-B at `t`, `north_deg` apart, `dalt_ft` apart.
    fn pair(t: f64, north_deg: f64, dalt_ft: f64) -> FixPair {
        // 420 kt east for 0.5 s at 45N: the report carried to the fix's time.
        let lon0 = 5.0;
        let lon1 = lon0 + 420.0 * 1852.0 / 3600.0 * 0.5 / (111_320.0 * 45f64.to_radians().cos());
        FixPair {
            track_id: "AE1001".into(),
            party: "blue".into(),
            callsign: Some("VIPER11".into()),
            reported: fix(
                t - 0.5,
                45.0 + north_deg,
                lon0,
                30_000.0 + dalt_ft,
                "telemetry-blue",
            ),
            independent: fix(t, 45.0, lon1, 30_000.0, "civil"),
        }
    }

    #[test]
    fn the_report_is_carried_to_the_fix_time_before_comparing() {
        let g = gap(&pair(100.0, 0.0, 0.0), 100.0, 10.0).unwrap();
        assert!(g.horizontal_m < 5.0, "{g:?}");
        assert_eq!(g.vertical_ft, Some(0.0));
        // 3 NM north.
        let g = gap(&pair(100.0, 3.0 / 60.0, 0.0), 100.0, 10.0).unwrap();
        assert!((g.horizontal_m - 3.0 * 1852.0).abs() < 30.0, "{g:?}");
        // Old data is not compared.
        assert!(gap(&pair(100.0, 0.0, 0.0), 111.0, 10.0).is_none());
    }

    fn run(
        c: &mut Crosscheck,
        cfg: &CrosscheckConfig,
        t0: f64,
        t1: f64,
        p: impl Fn(f64) -> Option<FixPair>,
    ) -> Vec<(f64, Discrepancy)> {
        let mut out = Vec::new();
        let mut t = t0;
        while t <= t1 {
            let pairs: Vec<FixPair> = p(t).into_iter().collect();
            out.extend(c.step(cfg, t, &pairs).into_iter().map(|d| (t, d)));
            t += 1.0;
        }
        out
    }

    #[test]
    fn a_lasting_discrepancy_is_raised_after_persist_and_cleared_after_clear() {
        let cfg = CrosscheckConfig::default();
        let mut c = Crosscheck::new(7, &cfg);
        // Agreeing: nothing. 3 NM off from t = 10: raised at t = 15 (persist 5 s).
        let ev = run(&mut c, &cfg, 0.0, 30.0, |t| {
            Some(pair(t, if t >= 10.0 { 3.0 / 60.0 } else { 0.0 }, 0.0))
        });
        assert_eq!(ev.len(), 1, "{ev:?}");
        let (t, d) = &ev[0];
        assert_eq!(
            (*t, d.state, d.id.as_str()),
            (15.0, DiscrepancyState::Raised, "d-7-1")
        );
        assert_eq!((d.track_id.as_str(), d.party.as_str()), ("AE1001", "blue"));
        assert!((d.horizontal_m - 5556.0).abs() < 30.0, "{d:?}");
        assert_eq!(d.independent["feed"], "civil");
        assert_eq!(c.active().count(), 1);
        // Agreeing again from t = 31: cleared 10 s later, same id.
        let ev = run(&mut c, &cfg, 31.0, 45.0, |t| Some(pair(t, 0.0, 0.0)));
        assert_eq!(ev.len(), 1, "{ev:?}");
        assert_eq!((ev[0].0, ev[0].1.state), (41.0, DiscrepancyState::Cleared));
        assert_eq!(ev[0].1.id, "d-7-1");
        assert_eq!(c.active().count(), 0);
    }

    #[test]
    fn short_glitches_and_small_gaps_raise_nothing() {
        let cfg = CrosscheckConfig::default();
        let mut c = Crosscheck::new(1, &cfg);
        // 4 s off, then back: under persist_s. 0.9 NM / 250 ft off all the time: under limits.
        let ev = run(&mut c, &cfg, 0.0, 60.0, |t| {
            let off = (10.0..14.0).contains(&t);
            Some(pair(t, if off { 3.0 / 60.0 } else { 0.9 / 60.0 }, 250.0))
        });
        assert!(ev.is_empty(), "{ev:?}");
    }

    #[test]
    fn a_vertical_disagreement_alone_is_a_discrepancy() {
        let cfg = CrosscheckConfig::default();
        let mut c = Crosscheck::new(1, &cfg);
        let ev = run(&mut c, &cfg, 0.0, 10.0, |t| Some(pair(t, 0.0, 1000.0)));
        assert_eq!(ev.len(), 1, "{ev:?}");
        assert_eq!(ev[0].1.vertical_ft, Some(1000.0));
        // Tightening the limit would not change that; loosening it above the gap does.
        let loose = CrosscheckConfig {
            vertical_ft: 1200.0,
            ..CrosscheckConfig::default()
        };
        let mut c = Crosscheck::new(1, &loose);
        assert!(run(&mut c, &loose, 0.0, 10.0, |t| Some(pair(t, 0.0, 1000.0))).is_empty());
    }

    #[test]
    fn a_silent_source_clears_and_a_growing_gap_updates() {
        let cfg = CrosscheckConfig::default();
        let mut c = Crosscheck::new(1, &cfg);
        let ev = run(&mut c, &cfg, 0.0, 20.0, |t| {
            Some(pair(t, if t < 12.0 { 2.0 / 60.0 } else { 4.0 / 60.0 }, 0.0))
        });
        let states: Vec<_> = ev.iter().map(|(t, d)| (*t, d.state)).collect();
        assert_eq!(
            states,
            [
                (5.0, DiscrepancyState::Raised),
                (12.0, DiscrepancyState::Updated)
            ]
        );
        assert!(ev[1].1.max_horizontal_m > 7000.0);
        // The independent source falls silent: nothing to compare, cleared after clear_s.
        let ev = run(&mut c, &cfg, 21.0, 40.0, |_| None);
        assert_eq!(ev.len(), 1);
        assert_eq!((ev[0].0, ev[0].1.state), (31.0, DiscrepancyState::Cleared));
    }
}
