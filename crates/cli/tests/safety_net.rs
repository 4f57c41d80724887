//! No real conflict lost: phantom aircraft on collision courses injected into real Paris
//! traffic (a 30-minute excerpt of `states/paris_quickstart.json.gz`, from 2 h to
//! 2 h 30 min, kept in `tests/fixtures`) are each alerted at least 90 s before closest approach and reach
//! warning before the loss begins, with every safety-net filter on; and loosening or
//! disabling a filter moves the nuisance figures, so the filters are what removes them.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use deconflict_airspace::regions::{AerodromeDefaults, RegionSet};
use deconflict_engine::safety::{ConfirmConfig, Locator, NoRegions, SafetyNetConfig};
use deconflict_feeds::counters::FeedStats;
use deconflict_feeds::replay::{Replay, ReplayConfig, ReplayReport};
use deconflict_feeds::source::{open_file, Format, StreamDecoder, TimeMode};
use deconflict_feeds::Observation;

fn excerpt() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/paris_excerpt_30min.json.gz")
}

fn recording() -> Vec<Observation> {
    let mut r = open_file(&excerpt()).expect("excerpt");
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes).unwrap();
    let feed: Arc<str> = Arc::from("paris");
    let stats = FeedStats::new("paris", "states-json", "excerpt", None);
    let mut dec = StreamDecoder::new(
        Format::StatesJson,
        feed,
        None,
        TimeMode::Counter {
            epoch_s: 0.0,
            step_s: 0.001,
        },
        None,
    );
    let mut out = Vec::new();
    dec.push(&bytes, 0.0, &stats, &mut out);
    dec.finish(0.0, &stats, &mut out);
    assert!(out.len() > 40_000, "{}", out.len());
    // Recorded state vectors are grouped by aircraft: replay them in time order.
    out.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));
    out
}

/// One phantom encounter: two aircraft flown at 1 Hz from `t0_s` for `dur_s`.
struct Encounter {
    name: &'static str,
    /// (id, lat, lon, alt_ft, gs_kt, trk_deg, vs_fpm) at t0.
    a: (&'static str, f64, f64, f64, f64, f64, f64),
    b: (&'static str, f64, f64, f64, f64, f64, f64),
    /// Time of closest approach after t0, seconds.
    cpa_s: f64,
}

const NM_DEG: f64 = 1.0 / 60.0;

/// Start point `d_nm` back along `trk_deg` from (lat, lon).
fn back(lat: f64, lon: f64, trk_deg: f64, d_nm: f64) -> (f64, f64) {
    let (s, c) = trk_deg.to_radians().sin_cos();
    (
        lat - d_nm * NM_DEG * c,
        lon - d_nm * NM_DEG * s / lat.to_radians().cos(),
    )
}

fn encounters() -> Vec<Encounter> {
    // Meeting points well away from CDG and Orly, over Champagne and the Beauce.
    let (plat, plon) = (49.25, 4.0);
    // Closest approach 7 minutes after the phantoms appear, beyond the 300 s look-ahead.
    let cpa = 420.0;
    let leg = |gs: f64| gs * cpa / 3600.0;
    let mk = |id, lat, lon, alt, gs, trk, vs| (id, lat, lon, alt, gs, trk, vs);
    let start = |lat, lon, trk, gs| back(lat, lon, trk, leg(gs));
    let mut v = Vec::new();
    let (a, b) = (
        start(plat, plon, 90.0, 460.0),
        start(plat, plon, 270.0, 460.0),
    );
    v.push(Encounter {
        name: "head-on FL310",
        a: mk("F0E001", a.0, a.1, 31_000.0, 460.0, 90.0, 0.0),
        b: mk("F0E002", b.0, b.1, 31_000.0, 460.0, 270.0, 0.0),
        cpa_s: cpa,
    });
    let (la, lo) = (48.3, 1.2);
    let (a, b) = (start(la, lo, 0.0, 440.0), start(la, lo, 90.0, 440.0));
    v.push(Encounter {
        name: "crossing FL270",
        a: mk("F0E003", a.0, a.1, 27_000.0, 440.0, 0.0, 0.0),
        b: mk("F0E004", b.0, b.1, 27_000.0, 440.0, 90.0, 0.0),
        cpa_s: cpa,
    });
    // Overtaking: 480 kt behind 300 kt on the same track, same level.
    let (la, lo) = (49.6, 1.6);
    let a = start(la, lo, 45.0, 480.0);
    let b = start(la, lo, 45.0, 300.0);
    v.push(Encounter {
        name: "overtaking FL350",
        a: mk("F0E005", a.0, a.1, 35_000.0, 480.0, 45.0, 0.0),
        b: mk("F0E006", b.0, b.1, 35_000.0, 300.0, 45.0, 0.0),
        cpa_s: cpa,
    });
    // Climbing through FL300 at 1,500 ft/min, reaching it 20 s before the closest approach,
    // head-on.
    let (la, lo) = (48.0, 3.6);
    let (a, b) = (start(la, lo, 180.0, 420.0), start(la, lo, 0.0, 420.0));
    v.push(Encounter {
        name: "climbing through FL300",
        a: mk(
            "F0E007",
            a.0,
            a.1,
            30_000.0 - 1_500.0 * (cpa - 20.0) / 60.0,
            420.0,
            180.0,
            1_500.0,
        ),
        b: mk("F0E008", b.0, b.1, 30_000.0, 420.0, 0.0, 0.0),
        cpa_s: cpa,
    });
    // Descending through FL240 at 2,000 ft/min, reaching it at the closest approach, crossing.
    let (la, lo) = (49.0, 5.0);
    let (a, b) = (start(la, lo, 300.0, 400.0), start(la, lo, 210.0, 400.0));
    v.push(Encounter {
        name: "descending through FL240",
        a: mk(
            "F0E009",
            a.0,
            a.1,
            24_000.0 + 2_000.0 * cpa / 60.0,
            400.0,
            300.0,
            -2_000.0,
        ),
        b: mk("F0E00A", b.0, b.1, 24_000.0, 400.0, 210.0, 0.0),
        cpa_s: cpa,
    });
    v
}

fn fly(
    (id, lat, lon, alt, gs, trk, vs): (&str, f64, f64, f64, f64, f64, f64),
    t0: f64,
    dur_s: u32,
) -> Vec<Observation> {
    (0..=dur_s)
        .map(|i| {
            let t = f64::from(i);
            let d_nm = gs * t / 3600.0;
            let (s, c) = trk.to_radians().sin_cos();
            let mut o = Observation::new(id, t0 + t, Arc::from("phantom"));
            o.lat_deg = Some(lat + d_nm * NM_DEG * c);
            o.lon_deg = Some(lon + d_nm * NM_DEG * s / lat.to_radians().cos());
            // Reported as a transponder does: 25 ft steps.
            o.alt_ft = Some(((alt + vs * t / 60.0) / 25.0).round() * 25.0);
            o.gs_kt = Some(gs);
            o.trk_deg = Some(trk);
            o.vs_fpm = Some(vs);
            o.on_ground = Some(false);
            o
        })
        .collect()
}

fn replay(obs: &[Observation], safety: SafetyNetConfig, regions: Arc<dyn Locator>) -> ReplayReport {
    let mut r = Replay::new(ReplayConfig {
        safety,
        regions,
        ..ReplayConfig::default()
    });
    for o in obs {
        r.ingest(o.clone());
    }
    r.finish()
}

fn aerodromes() -> Arc<dyn Locator> {
    Arc::new(RegionSet::with_aerodrome_defaults(Vec::new(), &AerodromeDefaults::default()).unwrap())
}

#[test]
fn phantom_collisions_in_real_traffic_are_all_warned_in_time() {
    let mut obs = recording();
    let t_start = obs.iter().map(|o| o.time_s).fold(f64::INFINITY, f64::min);
    let encs = encounters();
    for (i, e) in encs.iter().enumerate() {
        let t0 = t_start + 120.0 + 300.0 * i as f64;
        obs.extend(fly(e.a, t0, 560));
        obs.extend(fly(e.b, t0, 560));
    }
    obs.sort_by(|x, y| x.time_s.total_cmp(&y.time_s));
    let rep = replay(&obs, SafetyNetConfig::default(), aerodromes());
    for (i, e) in encs.iter().enumerate() {
        let t0 = t_start + 120.0 + 300.0 * i as f64;
        let (a, b) = if e.a.0 < e.b.0 {
            (e.a.0, e.b.0)
        } else {
            (e.b.0, e.a.0)
        };
        let alert = rep
            .conflicts
            .iter()
            .find(|c| c.a == a && c.b == b)
            .unwrap_or_else(|| panic!("{}: no alert", e.name));
        let before_cpa = t0 + e.cpa_s - alert.first_alert_time;
        assert!(
            before_cpa >= 90.0,
            "{}: alerted {before_cpa:.0} s before CPA",
            e.name
        );
        assert_eq!(alert.max_level, 3, "{}", e.name);
        let loss = rep
            .losses
            .iter()
            .find(|l| l.a == a && l.b == b)
            .unwrap_or_else(|| panic!("{}: no loss", e.name));
        let warned = alert.first_warning_time.expect("warning");
        assert!(
            warned < loss.start_time,
            "{}: warning at {warned}, loss from {}",
            e.name,
            loss.start_time
        );
        eprintln!(
            "{}: alert {before_cpa:.0} s before CPA, warning {:.0} s before the loss",
            e.name,
            loss.start_time - warned
        );
    }
}

#[test]
fn the_filters_are_what_remove_the_nuisance_alerts() {
    let obs = recording();
    let on = replay(&obs, SafetyNetConfig::default(), aerodromes());
    let sn = &on.safety_net;
    eprintln!(
        "defaults: {} losses, {} alerts, {} warnings; raw {} losses, {} alerts, {} warnings",
        on.losses.len(),
        on.conflicts.len(),
        sn.warnings,
        sn.raw_losses,
        sn.raw_alerts,
        sn.raw_warnings
    );
    assert!(
        sn.raw_losses > 20,
        "the excerpt has raw-threshold losses: {}",
        sn.raw_losses
    );
    assert!(
        on.losses.len() * 4 <= sn.raw_losses,
        "{} vs {}",
        on.losses.len(),
        sn.raw_losses
    );
    assert!(
        sn.warnings * 4 <= sn.raw_warnings,
        "{} vs {}",
        sn.warnings,
        sn.raw_warnings
    );

    // Without the aerodrome regions the terminal traffic comes back.
    let no_regions = replay(&obs, SafetyNetConfig::default(), Arc::new(NoRegions));
    assert!(no_regions.losses.len() > on.losses.len() + 10);
    // Without confirmation there are more alerts.
    let no_confirm = replay(
        &obs,
        SafetyNetConfig {
            confirm: ConfirmConfig { m: 1, n: 1 },
            ..SafetyNetConfig::default()
        },
        aerodromes(),
    );
    assert!(
        no_confirm.conflicts.len() > on.conflicts.len(),
        "{} vs {}",
        no_confirm.conflicts.len(),
        on.conflicts.len()
    );
    // Without level occupancy, more alerts again.
    let no_level = replay(
        &obs,
        SafetyNetConfig {
            level_occupancy: false,
            ..SafetyNetConfig::default()
        },
        aerodromes(),
    );
    assert!(
        no_level.conflicts.len() > on.conflicts.len(),
        "{} vs {}",
        no_level.conflicts.len(),
        on.conflicts.len()
    );
    // Level-occupancy tolerances shrunk to nothing: any 25 ft step leaves the level, and the
    // rate noise of level flight alerts again.
    let mut tight = SafetyNetConfig::default();
    tight.vertical.level_tolerance_ft = 0.0;
    tight.vertical.vacate_ft = 0.0;
    let tight = replay(&obs, tight, aerodromes());
    assert!(
        tight.conflicts.len() > on.conflicts.len(),
        "{} vs {}",
        tight.conflicts.len(),
        on.conflicts.len()
    );
    // Level aircraft at adjacent levels are never a loss (reported 850-1,000 ft apart).
    for l in &on.losses {
        assert!(
            !(l.min_vertical_ft >= 850.0 && l.alt_ft.iter().all(|a| *a > 6_000.0)),
            "{l:?}"
        );
    }
    // The raw figures do not depend on the filters.
    assert_eq!(no_level.safety_net.raw_losses, sn.raw_losses);
}
