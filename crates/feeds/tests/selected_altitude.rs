//! Selected altitudes (MCP/FCU and FMS) decoded from real recordings: ADS-B TYPE 29 target
//! state and status (DO-260B §2.2.3.2.7.1) and Comm-B BDS 4,0 (ICAO Doc 9871 Table A-2-64),
//! checked for plausibility, against each other, and through the track table.
//!
//! The recordings are read from `../shared/data` (see its README); these tests fail when it
//! is missing, unless `DECONFLICT_SKIP_SHARED_DATA=1` is set.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use deconflict_feeds::avr;
use deconflict_feeds::beast::parse_unescaped_hex;
use deconflict_feeds::modes::ModeSDecoder;
use deconflict_feeds::track::{TrackConfig, TrackTable};
use deconflict_feeds::Observation;

/// Toulouse-Blagnac, the receiver reference for `long_flight` (surface positions).
const LFBO: (f64, f64) = (43.63, 1.37);

/// Largest age of an ADS-B selected altitude compared with a Comm-B one, seconds.
const CROSS_CHECK_MAX_AGE_S: f64 = 10.0;

#[derive(Default, Debug)]
struct Tally {
    decoded: usize,
    /// Observations carrying a selected altitude (MCP/FCU or FMS).
    with_selected: usize,
    adsb_mcp: usize,
    adsb_fms: usize,
    commb_mcp: usize,
    commb_fms: usize,
    /// Values that are not a multiple of 100 ft or not within 0..=50,000 ft.
    implausible: usize,
    /// Values that are a multiple of 500 ft (flight levels and usual selected altitudes).
    multiple_of_500: usize,
    values: usize,
    /// Comm-B MCP/FCU values with an ADS-B one of the same aircraft at most
    /// [`CROSS_CHECK_MAX_AGE_S`] older, and how many of them agree.
    cross_checked: usize,
    cross_agree: usize,
    aircraft: HashSet<String>,
}

impl Tally {
    fn value(&mut self, v: f64) {
        self.values += 1;
        if !(v > 0.0 && v <= 50_000.0 && v % 100.0 == 0.0) {
            self.implausible += 1;
        }
        if v % 500.0 == 0.0 {
            self.multiple_of_500 += 1;
        }
    }

    fn observe(
        &mut self,
        msg: &[u8],
        o: &Observation,
        latest_adsb: &mut HashMap<String, (f64, f64)>,
    ) {
        self.decoded += 1;
        if o.selected_alt_ft.is_none() && o.fms_selected_alt_ft.is_none() {
            return;
        }
        self.with_selected += 1;
        self.aircraft.insert(o.id.clone());
        let adsb = matches!(msg[0] >> 3, 17 | 18);
        assert!(adsb || matches!(msg[0] >> 3, 20 | 21), "{o:?}");
        if let Some(v) = o.selected_alt_ft {
            self.value(v);
            if adsb {
                self.adsb_mcp += 1;
                latest_adsb.insert(o.id.clone(), (o.time_s, v));
            } else {
                self.commb_mcp += 1;
                if let Some((t, a)) = latest_adsb.get(&o.id) {
                    if o.time_s - t <= CROSS_CHECK_MAX_AGE_S {
                        self.cross_checked += 1;
                        self.cross_agree += usize::from(*a == v);
                    }
                }
            }
        }
        if let Some(v) = o.fms_selected_alt_ft {
            self.value(v);
            if adsb {
                self.adsb_fms += 1;
            } else {
                self.commb_fms += 1;
            }
        }
    }

    fn check(&self, name: &str) {
        eprintln!(
            "{name}: {} decoded, {} with a selected altitude ({} aircraft): ADS-B {} MCP/FCU \
             + {} FMS, Comm-B {} MCP/FCU + {} FMS; {} of {} values multiples of 500 ft; \
             Comm-B vs ADS-B: {} of {} agree",
            self.decoded,
            self.with_selected,
            self.aircraft.len(),
            self.adsb_mcp,
            self.adsb_fms,
            self.commb_mcp,
            self.commb_fms,
            self.multiple_of_500,
            self.values,
            self.cross_agree,
            self.cross_checked
        );
        assert!(
            self.with_selected > 0,
            "{name}: no selected altitude decoded"
        );
        assert_eq!(self.implausible, 0, "{name}: {self:?}");
        // Crews select whole thousands, or half-thousands at low level: the odd hundreds
        // are rare.
        assert!(
            self.multiple_of_500 * 10 >= self.values * 9,
            "{name}: {self:?}"
        );
    }
}

#[test]
fn long_flight_beast_selected_altitudes() {
    let Some(p) = common::shared_data_required(
        "beast/long_flight.csv.gz",
        "long_flight_beast_selected_altitudes",
    ) else {
        return;
    };
    let text = String::from_utf8(common::read_maybe_gz(&p)).unwrap();
    let feed: Arc<str> = Arc::from("beast");
    let mut dec = ModeSDecoder::new(Some(LFBO));
    let mut table = TrackTable::new(TrackConfig::default());
    let mut n = Tally::default();
    let mut latest = HashMap::new();
    // The flight of the recording, KLM1302, sampled through the track table once a minute:
    // (time, altitude, selected altitude at most 30 s old).
    let mut klm = Vec::new();
    let mut next_sample = 0.0;
    for line in text.lines() {
        let (ts, hex) = line.split_once(',').unwrap();
        let Ok(t) = ts.parse::<f64>() else {
            continue; // header
        };
        let f = parse_unescaped_hex(hex).unwrap();
        if let Ok(o) = dec.decode(f.payload(), t, &feed) {
            n.observe(f.payload(), &o, &mut latest);
            let _ = table.ingest(o);
        }
        if t >= next_sample {
            next_sample = t + 60.0;
            if let Some(tr) = table.get("486257") {
                if let (Some(alt), Some(sel)) = (tr.alt_ft, tr.selected_alt_at(t, 30.0)) {
                    klm.push((t, alt, sel));
                }
            }
        }
    }
    n.check("long_flight");
    assert!(n.adsb_mcp > 1_000 && n.commb_mcp > 100, "{n:?}");
    assert!(n.aircraft.contains("486257"), "{n:?}");
    assert!(n.cross_checked > 100, "{n:?}");
    assert!(n.cross_agree * 100 >= n.cross_checked * 95, "{n:?}");
    // The track carries it: through the climb the selected altitude is above the aircraft,
    // and in cruise (above FL 300) the aircraft is level at it.
    eprintln!("long_flight: KLM1302 samples {}", klm.len());
    assert!(klm.len() > 30, "{klm:?}");
    let cruise: Vec<_> = klm.iter().filter(|(_, a, _)| *a > 30_000.0).collect();
    assert!(!cruise.is_empty(), "{klm:?}");
    let level = cruise
        .iter()
        .filter(|(_, a, s)| (a - s).abs() <= 300.0)
        .count();
    assert!(level * 10 >= cruise.len() * 8, "{cruise:?}");
    let tr = table.get("486257").unwrap();
    assert!(tr.selected_alt_ft.is_some() && tr.selected_alt_time_s.is_some());
}

#[test]
fn lax_avr_selected_altitudes() {
    let Some(p) =
        common::shared_data_required("avr/lax-messages.txt.gz", "lax_avr_selected_altitudes")
    else {
        return;
    };
    let text = String::from_utf8(common::read_maybe_gz(&p)).unwrap();
    let feed: Arc<str> = Arc::from("avr");
    let mut dec = ModeSDecoder::new(None);
    let mut n = Tally::default();
    let mut latest = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let f = avr::parse_line(line).unwrap();
        // No timestamps in this capture: one message per millisecond, as in golden.rs.
        if let Ok(o) = dec.decode(f.message(), i as f64 * 0.001, &feed) {
            n.observe(f.message(), &o, &mut latest);
        }
    }
    n.check("lax");
    assert!(n.adsb_mcp > 1_000, "{n:?}");
    assert!(n.aircraft.len() > 20, "{n:?}");
}
