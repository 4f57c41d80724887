//! The safety net on synthetic tracks: level occupancy, intent, confirmation, regions,
//! inhibition and exemptions, each shown to change what is alerted.

use deconflict_engine::safety::{
    ConfirmConfig, Exemption, Placement, RegionParams, SafetyNet, SafetyNetConfig, TrackSample,
};
use deconflict_engine::{AircraftState, AlertLevels, DetectOptions, SeparationStandard};

const NM_DEG: f64 = 1.0 / 60.0;

#[allow(clippy::too_many_arguments)]
fn st(id: &str, lat: f64, lon: f64, alt: f64, gs: f64, trk: f64, vs: f64) -> AircraftState {
    AircraftState {
        id: id.into(),
        party: None,
        lat_deg: lat,
        lon_deg: lon,
        alt_ft: alt,
        gs_kt: gs,
        trk_deg: trk,
        vs_fpm: vs,
    }
}

fn sample(state: AircraftState, t: f64) -> TrackSample {
    TrackSample {
        state,
        updated_s: t,
        selected_alt: None,
        placement: Placement::default(),
        vertical: None,
    }
}

fn net(cfg: SafetyNetConfig) -> SafetyNet {
    SafetyNet::new(cfg, DetectOptions::default(), true).unwrap()
}

/// Moves a state `dt` seconds along its track at the equator (small distances).
fn fly(s: &AircraftState, dt: f64, vs_fpm: f64) -> AircraftState {
    let d_deg = s.gs_kt * dt / 3600.0 * NM_DEG;
    let (sin, cos) = s.trk_deg.to_radians().sin_cos();
    AircraftState {
        lat_deg: s.lat_deg + d_deg * cos,
        lon_deg: s.lon_deg + d_deg * sin,
        alt_ft: s.alt_ft + vs_fpm * dt / 60.0,
        vs_fpm,
        ..s.clone()
    }
}

#[test]
fn adjacent_levels_975_ft_apart_are_separated() {
    // Head-on at FL350 / FL340, reported 975 ft apart with rate noise: the raw detector
    // finds a conflict (noise extrapolated over 300 s); the safety net does not.
    let mut n = net(SafetyNetConfig::default());
    let mut raw_any = false;
    for t in 0..30 {
        let tf = f64::from(t);
        let noise = if t % 2 == 0 { 150.0 } else { -100.0 };
        let a = st(
            "A",
            0.0,
            0.0 + tf * 480.0 / 3600.0 * NM_DEG,
            34_975.0,
            480.0,
            90.0,
            noise,
        );
        let b = st(
            "B",
            0.0,
            40.0 * NM_DEG - tf * 480.0 / 3600.0 * NM_DEG,
            34_000.0,
            480.0,
            270.0,
            -noise,
        );
        let e = n.evaluate(tf, &[sample(a, tf), sample(b, tf)]).unwrap();
        raw_any |= !e.raw.is_empty();
        if t >= 5 {
            assert!(e.predicted.is_empty(), "t={t}: {:?}", e.predicted);
        }
    }
    assert!(
        raw_any,
        "the raw detector should see the noise as a conflict"
    );

    // With level occupancy off, the same tracks do alert: the filter is what removes it.
    let mut off = net(SafetyNetConfig {
        level_occupancy: false,
        ..SafetyNetConfig::default()
    });
    let mut alerted = false;
    for t in 0..30 {
        let tf = f64::from(t);
        let noise = if t % 2 == 0 { 150.0 } else { -100.0 };
        let a = st(
            "A",
            0.0,
            tf * 480.0 / 3600.0 * NM_DEG,
            34_975.0,
            480.0,
            90.0,
            noise,
        );
        let b = st(
            "B",
            0.0,
            40.0 * NM_DEG - tf * 480.0 / 3600.0 * NM_DEG,
            34_000.0,
            480.0,
            270.0,
            -noise,
        );
        alerted |= !off
            .evaluate(tf, &[sample(a, tf), sample(b, tf)])
            .unwrap()
            .confirmed
            .is_empty();
    }
    assert!(alerted);
}

/// A climbs at 2,000 ft/min from FL300 towards B level at FL340, head-on from 40 NM; the
/// selected altitude is `sel`. Returns the first time a warning (level 3) is confirmed and
/// the time of the first loss (from the predicted list).
fn climb_encounter(sel: Option<f64>, cfg: SafetyNetConfig) -> (Option<f64>, Option<f64>, bool) {
    let mut n = net(cfg);
    let mut a = st("A", 0.0, 0.0, 30_000.0, 450.0, 90.0, 2_000.0);
    let mut b = st("B", 0.0, 40.0 * NM_DEG, 34_000.0, 450.0, 270.0, 0.0);
    let (mut warn, mut loss, mut any) = (None, None, false);
    for t in 0..300 {
        let tf = f64::from(t);
        let target = sel.unwrap_or(f64::INFINITY);
        let vs = if a.alt_ft < target { 2_000.0 } else { 0.0 };
        let mut sa = sample(a.clone(), tf);
        sa.selected_alt = sel.map(|s| (s, 1.0));
        let e = n.evaluate(tf, &[sa, sample(b.clone(), tf)]).unwrap();
        any |= !e.confirmed.is_empty();
        if warn.is_none() && e.confirmed.iter().any(|c| c.level == 3) {
            warn = Some(tf);
        }
        if loss.is_none() && e.predicted.iter().any(|c| c.t_in_s == 0.0) {
            loss = Some(tf);
        }
        a = fly(&a, 1.0, vs);
        if a.alt_ft > target {
            a.alt_ft = target;
        }
        b = fly(&b, 1.0, 0.0);
    }
    (warn, loss, any)
}

#[test]
fn climb_capped_1000_ft_below_raises_nothing() {
    let (_, loss, any) = climb_encounter(Some(33_000.0), SafetyNetConfig::default());
    assert!(!any, "a climb to FL330 under FL340 must raise no alert");
    assert!(loss.is_none());
    // Without intent the linear prediction through FL340 alerts.
    let no_intent = SafetyNetConfig {
        intent: deconflict_engine::safety::IntentConfig {
            enabled: false,
            ..Default::default()
        },
        ..SafetyNetConfig::default()
    };
    let (_, _, any) = climb_encounter(Some(33_000.0), no_intent);
    assert!(any, "disabling intent must bring the alert back");
}

#[test]
fn climb_selected_at_the_others_level_warns_45_s_before_the_loss() {
    let (warn, loss, _) = climb_encounter(Some(34_000.0), SafetyNetConfig::default());
    let (warn, loss) = (warn.expect("warning"), loss.expect("loss"));
    assert!(loss - warn >= 45.0, "warning at {warn}, loss at {loss}");
}

#[test]
fn a_single_update_spike_never_alerts_and_confirmation_off_lets_it_through() {
    // Two level aircraft 2,000 ft apart converging; one update reports a 6,000 ft/min
    // descent (a garbled rate) on the upper one while it has not yet been classified.
    let run = |confirm: ConfirmConfig| {
        let mut n = net(SafetyNetConfig {
            confirm,
            ..SafetyNetConfig::default()
        });
        let mut any = false;
        for t in 0..3 {
            let tf = f64::from(t);
            let vs = if t == 1 { -6_000.0 } else { -400.0 };
            let a = st(
                "A",
                0.0,
                tf * 400.0 / 3600.0 * NM_DEG,
                20_000.0,
                400.0,
                90.0,
                vs,
            );
            let b = st("B", 0.0, 10.0 * NM_DEG, 18_000.0, 400.0, 270.0, 0.0);
            any |= !n
                .evaluate(tf, &[sample(a, tf), sample(b, tf)])
                .unwrap()
                .confirmed
                .is_empty();
        }
        any
    };
    assert!(!run(ConfirmConfig::default()));
    assert!(run(ConfirmConfig { m: 1, n: 1 }));
}

#[test]
fn terminal_region_minima_and_inhibition_and_exemptions() {
    // Parallel, 4 NM apart, same level: a loss under 5 NM, separated under 3 NM.
    let a = st("A", 0.0, 0.0, 5_000.0, 200.0, 0.0, 0.0);
    let b = st("B", 0.0, 4.0 * NM_DEG, 5_000.0, 200.0, 0.0, 0.0);
    let tma = RegionParams {
        name: "TMA".into(),
        standard: SeparationStandard {
            h_sep_nm: 3.0,
            v_sep_ft: 1000.0,
            lookahead_s: 120.0,
        },
        levels: AlertLevels::default(),
    };
    let place = |region: Option<u32>, inhibited: bool| Placement { region, inhibited };
    let run = |pa: Placement, pb: Placement, ex: Vec<Exemption>| {
        let mut n = net(SafetyNetConfig::default());
        n.set_regions(vec![tma.clone()]).unwrap();
        n.set_exemptions(ex);
        let mut sa = sample(a.clone(), 1.0);
        let mut sb = sample(b.clone(), 1.0);
        sa.placement = pa;
        sb.placement = pb;
        n.evaluate(1.0, &[sa, sb]).unwrap()
    };
    let en_route = run(place(None, false), place(None, false), vec![]);
    assert_eq!(en_route.predicted.len(), 1);
    let both_tma = run(place(Some(0), false), place(Some(0), false), vec![]);
    assert!(both_tma.predicted.is_empty());
    assert_eq!(both_tma.counts.regions, 1);
    // One in the TMA, one outside: the larger minimum applies.
    assert_eq!(
        run(place(Some(0), false), place(None, false), vec![])
            .predicted
            .len(),
        1
    );
    let inh = run(place(None, true), place(None, false), vec![]);
    assert!(inh.predicted.is_empty());
    assert_eq!(inh.counts.inhibition, 1);
    let group = Exemption {
        id: "tanker".into(),
        tracks: vec!["A".into(), "B".into()],
        start_s: 0.0,
        end_s: 10.0,
    };
    let ex = run(place(None, false), place(None, false), vec![group.clone()]);
    assert!(ex.predicted.is_empty());
    assert_eq!(ex.counts.exemption, 1);
    // Expired, or naming another track: no effect.
    let expired = Exemption {
        end_s: 1.0,
        ..group.clone()
    };
    assert_eq!(
        run(place(None, false), place(None, false), vec![expired])
            .predicted
            .len(),
        1
    );
    let other = Exemption {
        tracks: vec!["A".into(), "C".into()],
        ..group
    };
    assert_eq!(
        run(place(None, false), place(None, false), vec![other])
            .predicted
            .len(),
        1
    );
}

#[test]
fn a_noisy_encounter_flickers_at_most_once() {
    // A real head-on closing from 60 NM, with the upper aircraft's reported vertical rate
    // noisy (one update in five a 3,000 ft/min spike) and one update in seven missing: the
    // confirmed alerts raise once and change level only upwards, at most once back down.
    use deconflict_engine::{AlertEventKind, Alerting, AlertingConfig};
    let mut n = net(SafetyNetConfig::default());
    let mut al = Alerting::new(AlertingConfig { hold_s: 5.0 });
    let mut events = Vec::new();
    for t in 0..240 {
        let tf = f64::from(t);
        if t % 7 == 3 {
            continue;
        }
        let spike = if t % 5 == 0 { -3_000.0 } else { 0.0 };
        let d = tf * 450.0 / 3600.0 * NM_DEG;
        let a = st("A", 0.0, d, 33_000.0, 450.0, 90.0, spike);
        let b = st("B", 0.0, 60.0 * NM_DEG - d, 33_000.0, 450.0, 270.0, 0.0);
        let e = n.evaluate(tf, &[sample(a, tf), sample(b, tf)]).unwrap();
        events.extend(al.update(tf, &e.confirmed));
    }
    let raised = events
        .iter()
        .filter(|e| e.kind == AlertEventKind::Raised)
        .count();
    let downs = events
        .windows(2)
        .filter(|w| w[1].kind == AlertEventKind::Updated && w[1].level < w[0].level)
        .count();
    assert_eq!(raised, 1, "{events:?}");
    assert!(downs <= 1, "{events:?}");
    assert!(events.iter().any(|e| e.level == 3));
}
