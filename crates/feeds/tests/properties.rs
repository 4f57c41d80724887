//! Property tests: arbitrary bytes never panic any decoder (the same targets as `fuzz/`),
//! and encoders round-trip through their decoders.

use std::sync::Arc;

use deconflict_feeds::beast::{next_frame, BeastFrame, BeastFramer, Scan};
use deconflict_feeds::counters::FeedStats;
use deconflict_feeds::modes::ModeSDecoder;
use deconflict_feeds::source::{Format, StreamDecoder, TimeMode};
use deconflict_feeds::track::{TrackConfig, TrackTable};
use deconflict_feeds::{avr, sbs, states, Observation};
use proptest::prelude::*;

const FORMATS: [Format; 7] = [
    Format::Sbs,
    Format::Beast,
    Format::Avr,
    Format::StatesCsv,
    Format::StatesJson,
    Format::AircraftJson,
    Format::Telemetry,
];

fn stream_all(format: Format, data: &[u8], cut: usize) -> (Vec<Observation>, FeedStats) {
    let stats = FeedStats::new("p", format.name(), "-", Some("blue".into()));
    let mut d = StreamDecoder::new(
        format,
        Arc::from("p"),
        Some(Arc::from("blue")),
        TimeMode::Counter {
            epoch_s: 1e9,
            step_s: 0.001,
        },
        Some((49.0, 2.5)),
    );
    let mut out = Vec::new();
    let cut = cut.min(data.len());
    d.push(&data[..cut], 0.0, &stats, &mut out);
    d.push(&data[cut..], 0.0, &stats, &mut out);
    d.finish(0.0, &stats, &mut out);
    (out, stats)
}

fn sbs_like() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        Just(String::new()),
        "[0-9A-Fa-f]{6}",
        "-?[0-9]{1,6}(\\.[0-9]{1,5})?",
        "[A-Z0-9 ]{0,9}",
        Just("NaN".to_string()),
        Just("inf".to_string()),
        Just("2016/02/05".to_string()),
        Just("04:51:22.903".to_string()),
        ".{0,6}",
    ];
    (0u8..10, proptest::collection::vec(field, 0..24))
        .prop_map(|(t, f)| format!("MSG,{t},{}", f.join(",")))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_any_stream_decoder(data in proptest::collection::vec(any::<u8>(), 0..600), cut in 0usize..600) {
        for format in FORMATS {
            let (out, stats) = stream_all(format, &data, cut);
            let s = stats.snapshot();
            prop_assert_eq!(s.bytes, data.len() as u64);
            prop_assert!(s.decoded as usize == out.len());
            let mut table = TrackTable::new(TrackConfig::default());
            for o in out {
                let _ = table.ingest(o);
            }
            let _ = table.airborne_states(2e9);
        }
        let _ = Format::sniff(&data);
        let _ = next_frame(&data);
        let _ = states::parse_telemetry_line(&data, &Arc::from("p"), None);
        if let Ok(v) = serde_json::from_slice(&data) {
            let _ = states::parse_telemetry_report(v, 1.7e9, &Arc::from("p"), &Arc::from("blue"));
        }
    }

    #[test]
    fn accepted_telemetry_reports_become_tracks(
        id in prop_oneof![Just("BLU001".to_string()), "[A-Za-z0-9_.-]{0,34}"],
        lat in prop_oneof![-90.0f64..90.0, Just(91.0), Just(-90.0)],
        lon in prop_oneof![-180.0f64..180.0, Just(180.5)],
        alt in prop_oneof![-2_000.0f64..200_000.0, Just(1e9)],
        gs in proptest::option::of(prop_oneof![0.0f64..4_000.0, Just(-1.0)]),
        trk in proptest::option::of(-800.0f64..800.0),
        vs in proptest::option::of(-70_000.0f64..70_000.0),
        sel in proptest::option::of(-3_000.0f64..210_000.0),
        age in proptest::option::of(-10.0f64..4_000.0),
        callsign in proptest::option::of(".{0,20}"),
        squawk in proptest::option::of(".{0,5}"),
    ) {
        let now = 1.7e9;
        let mut v = serde_json::json!({"id": id, "lat_deg": lat, "lon_deg": lon, "alt_ft": alt});
        for (k, x) in [("gs_kt", gs), ("trk_deg", trk), ("vs_fpm", vs), ("selected_alt_ft", sel)] {
            if let Some(x) = x {
                v[k] = x.into();
            }
        }
        if let Some(age) = age {
            v["time"] = (now - age).into();
        }
        if let Some(c) = callsign {
            v["callsign"] = c.into();
        }
        if let Some(q) = squawk {
            v["squawk"] = q.into();
        }
        if let Ok(o) = states::parse_telemetry_report(v, now, &Arc::from("p"), &Arc::from("blue")) {
            prop_assert!(o.own && o.time_s <= now + states::REPORT_MAX_AHEAD_S);
            let mut table = TrackTable::new(TrackConfig::default());
            let id = o.id.clone();
            prop_assert!(table.ingest(o).is_ok());
            prop_assert!(table.tracks().any(|t| t.id == id));
        }
    }

    #[test]
    fn sbs_like_lines_never_panic_and_valid_ones_are_in_range(line in sbs_like()) {
        if let Ok(o) = sbs::parse_line(&line, &Arc::from("p")) {
            prop_assert!(o.time_s.is_finite());
            for v in [o.lat_deg, o.lon_deg, o.alt_ft, o.gs_kt, o.trk_deg, o.vs_fpm].into_iter().flatten() {
                prop_assert!(v.is_finite());
            }
            prop_assert!(o.lat_deg.is_none_or(|v| v.abs() <= 90.0));
        }
    }

    #[test]
    fn avr_like_lines_never_panic(prefix in prop_oneof![Just("*"), Just("@"), Just("")], hex in "[0-9A-Fa-fG;*@ ]{0,40}") {
        let line = format!("{prefix}{hex}");
        if let Ok(f) = avr::parse_line(&line) {
            let mut d = ModeSDecoder::new(None).accept_unconfirmed();
            let _ = d.decode(f.message(), 0.0, &Arc::from("p"));
        }
    }

    #[test]
    fn random_mode_s_messages_never_panic(msg in proptest::collection::vec(any::<u8>(), 0..16), t in -1e10f64..1e10) {
        let mut d = ModeSDecoder::new(Some((49.0, 2.5))).accept_unconfirmed();
        let _ = d.decode(&msg, t, &Arc::from("p"));
        let _ = d.decode(&msg, f64::NAN, &Arc::from("p"));
    }

    #[test]
    fn beast_frames_round_trip_in_any_chunking(
        msgs in proptest::collection::vec((proptest::collection::vec(any::<u8>(), 14), any::<bool>(), any::<u64>(), any::<u8>()), 1..8),
        chunk in 1usize..40,
    ) {
        let frames: Vec<BeastFrame> = msgs
            .iter()
            .map(|(m, long, ts, sig)| BeastFrame::mode_s(if *long { &m[..] } else { &m[..7] }, *ts, *sig).unwrap())
            .collect();
        let mut wire = Vec::new();
        for f in &frames {
            f.encode_into(&mut wire);
        }
        let mut framer = BeastFramer::new();
        let mut got = Vec::new();
        for c in wire.chunks(chunk) {
            framer.push(c);
            while let Some(f) = framer.next_frame() {
                got.push(f);
            }
        }
        prop_assert_eq!(got, frames);
        prop_assert_eq!(framer.garbage_runs, 0);
        if let Scan::Frame(_, used) = next_frame(&wire) {
            prop_assert!(used <= wire.len());
        }
    }

    #[test]
    fn sbs_write_parse_round_trip(lat in -89.0f64..89.0, lon in -179.0f64..179.0, alt in -1000.0f64..60000.0, gs in 0.0f64..2000.0, trk in 0.0f64..360.0, t in 0.0f64..4e9) {
        let mut o = Observation::new("ABC123", (t * 1000.0).round() / 1000.0, Arc::from("p"));
        o.lat_deg = Some((lat * 1e5).round() / 1e5);
        o.lon_deg = Some((lon * 1e5).round() / 1e5);
        o.alt_ft = Some(alt.round());
        o.gs_kt = Some((gs * 10.0).round() / 10.0);
        o.trk_deg = Some((trk * 10.0).round() / 10.0);
        let mut s = String::new();
        sbs::write_line(&mut s, 3, &o);
        let p = sbs::parse_line(&s, &Arc::from("p")).unwrap();
        prop_assert!((p.lat_deg.unwrap() - o.lat_deg.unwrap()).abs() < 1e-9);
        prop_assert_eq!(p.alt_ft, o.alt_ft);
        prop_assert!((p.time_s - o.time_s).abs() < 1e-3);
        s.clear();
        sbs::write_line(&mut s, 4, &o);
        let p = sbs::parse_line(&s, &Arc::from("p")).unwrap();
        prop_assert_eq!(p.gs_kt, o.gs_kt);
    }

    #[test]
    fn track_table_never_moves_backwards(times in proptest::collection::vec(0.0f64..100.0, 1..40)) {
        let mut table = TrackTable::new(TrackConfig::default());
        let mut newest = f64::NEG_INFINITY;
        for t in times {
            let mut o = Observation::new("A", t, Arc::from("p"));
            o.lat_deg = Some(36.0 + t * 1e-4);
            o.lon_deg = Some(37.0);
            let accepted = table.ingest(o).is_ok();
            if accepted {
                newest = newest.max(t);
            }
            let tr = table.get("A").unwrap();
            prop_assert_eq!(tr.last_update_s, newest);
            prop_assert_eq!(tr.lat_deg, Some(36.0 + newest * 1e-4));
        }
    }
}
