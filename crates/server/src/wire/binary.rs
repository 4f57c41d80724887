//! The stream's binary picture (`GET /api/v1/stream?encoding=binary`): the aircraft of the
//! `snapshot` and `delta` frames as one raw-DEFLATE message of a little-endian payload, in
//! the spirit of readsb/tar1090's binCraft: fixed-width records of quantised fields, static
//! fields (id, callsign, party, squawk, sources) sent once per connection in a dictionary and
//! referred to by a per-connection handle. docs/api.md ("Binary picture") describes the layout
//! byte by byte; the constants and the order of writes here are that contract.
//!
//! Pure: [`snapshot`] and [`delta`] take the connection's [`Handles`] (what this connection
//! was told so far) and the tracks, and return the bytes to send. No I/O, no clock.

use crate::domain::picture::TrackView;
use flate2::write::DeflateEncoder;
use flate2::Compression;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Write;

/// First four bytes of every payload.
pub const MAGIC: &[u8; 4] = b"DCB1";
/// Layout version (byte 4).
pub const VERSION: u8 = 1;
/// Payload kind (byte 5): a snapshot (the client drops its tracks and dictionary first).
pub const KIND_SNAPSHOT: u8 = 0;
/// Payload kind (byte 5): a delta.
pub const KIND_DELTA: u8 = 1;
/// Bytes of the header.
pub const HEADER_BYTES: usize = 28;
/// Bytes of one aircraft record.
pub const RECORD_BYTES: usize = 31;
/// Latitude and longitude unit, degrees (1e-6°: at most 0.056 m off on the ground).
pub const LATLON_UNIT_DEG: f64 = 1e-6;
/// Altitude and selected-altitude unit, feet (at most 2.5 ft off).
pub const ALT_UNIT_FT: f64 = 5.0;
/// Ground-speed unit, knots.
pub const GS_UNIT_KT: f64 = 0.1;
/// Track-angle unit, degrees (360/65536).
pub const TRK_UNIT_DEG: f64 = 360.0 / 65536.0;
/// Vertical-rate unit, feet per minute.
pub const VS_UNIT_FPM: f64 = 4.0;
/// Length prefix of an absent (JSON `null`) string.
pub const NULL_STR: u16 = 0xFFFF;
/// Longest string sent, bytes (longer ones are cut at a character boundary).
pub const MAX_STR_BYTES: usize = 0xFFFE;

/// Record flag bits (byte 30 of a record): which optional fields are known, and the booleans.
pub mod flags {
    /// `alt_ft` known.
    pub const ALT: u8 = 1;
    /// `gs_kt` known.
    pub const GS: u8 = 1 << 1;
    /// `trk_deg` known.
    pub const TRK: u8 = 1 << 2;
    /// `vs_fpm` known.
    pub const VS: u8 = 1 << 3;
    /// `selected_alt_ft` known.
    pub const SEL_ALT: u8 = 1 << 4;
    /// `selected_alt_time` known.
    pub const SEL_TIME: u8 = 1 << 5;
    /// `on_ground`.
    pub const ON_GROUND: u8 = 1 << 6;
    /// `coasting`.
    pub const COASTING: u8 = 1 << 7;
}

/// What one connection was told: a handle per aircraft id, with a digest of the static fields
/// last sent for it (a change sends its dictionary entry again).
#[derive(Debug, Default)]
pub struct Handles {
    next: u32,
    by_id: HashMap<Box<str>, (u32, u64)>,
}

impl Handles {
    /// An empty dictionary (a new connection).
    pub fn new() -> Handles {
        Handles::default()
    }
}

/// The whole picture a client starts from (resets `h`: handles count from 0 again).
pub fn snapshot<'a>(
    h: &mut Handles,
    time: f64,
    tracks: impl Iterator<Item = &'a TrackView>,
) -> Vec<u8> {
    *h = Handles::new();
    deflate(&payload(h, KIND_SNAPSHOT, time, tracks, std::iter::empty()))
}

/// The aircraft changed since the last frame (`upserts`) and those gone (`removes`, ids; an id
/// the connection was never told of is skipped).
pub fn delta<'a, 'b>(
    h: &mut Handles,
    time: f64,
    upserts: impl Iterator<Item = &'a TrackView>,
    removes: impl Iterator<Item = &'b str>,
) -> Vec<u8> {
    deflate(&payload(h, KIND_DELTA, time, upserts, removes))
}

/// The uncompressed payload.
fn payload<'a, 'b>(
    h: &mut Handles,
    kind: u8,
    time: f64,
    upserts: impl Iterator<Item = &'a TrackView>,
    removes: impl Iterator<Item = &'b str>,
) -> Vec<u8> {
    let mut dict: Vec<u8> = Vec::new();
    let mut records: Vec<u8> = Vec::with_capacity(upserts.size_hint().0 * RECORD_BYTES);
    let (mut n_dict, mut n_records) = (0u32, 0u32);
    for t in upserts {
        let digest = static_digest(t);
        let handle = match h.by_id.get_mut(t.id.as_str()) {
            Some((handle, d)) if *d == digest => *handle,
            Some((handle, d)) => {
                *d = digest;
                dict_entry(&mut dict, *handle, t);
                n_dict += 1;
                *handle
            }
            None => {
                let handle = h.next;
                h.next = h.next.wrapping_add(1);
                h.by_id.insert(t.id.as_str().into(), (handle, digest));
                dict_entry(&mut dict, handle, t);
                n_dict += 1;
                handle
            }
        };
        record(&mut records, handle, time, t);
        n_records += 1;
    }
    let mut gone: Vec<u8> = Vec::new();
    let mut n_removed = 0u32;
    for id in removes {
        if let Some((handle, _)) = h.by_id.remove(id) {
            gone.extend_from_slice(&handle.to_le_bytes());
            n_removed += 1;
        }
    }
    let mut out = Vec::with_capacity(HEADER_BYTES + dict.len() + records.len() + gone.len());
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.push(kind);
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&time.to_le_bytes());
    out.extend_from_slice(&n_dict.to_le_bytes());
    out.extend_from_slice(&n_records.to_le_bytes());
    out.extend_from_slice(&n_removed.to_le_bytes());
    out.extend_from_slice(&dict);
    out.extend_from_slice(&records);
    out.extend_from_slice(&gone);
    out
}

fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut e = DeflateEncoder::new(
        Vec::with_capacity(bytes.len() / 2 + 64),
        Compression::default(),
    );
    // Writing to a Vec cannot fail.
    let _ = e.write_all(bytes);
    e.finish().unwrap_or_default()
}

fn static_digest(t: &TrackView) -> u64 {
    let mut s = DefaultHasher::new();
    (&t.callsign, &t.party, &t.squawk, &t.sources).hash(&mut s);
    s.finish()
}

fn dict_entry(out: &mut Vec<u8>, handle: u32, t: &TrackView) {
    out.extend_from_slice(&handle.to_le_bytes());
    string(out, Some(&t.id));
    string(out, t.callsign.as_deref());
    string(out, t.party.as_deref());
    string(out, t.squawk.as_deref());
    let n = t.sources.len().min(u8::MAX as usize);
    out.push(n as u8);
    for s in &t.sources[..n] {
        string(out, Some(s));
    }
}

fn string(out: &mut Vec<u8>, s: Option<&str>) {
    let Some(s) = s else {
        out.extend_from_slice(&NULL_STR.to_le_bytes());
        return;
    };
    let mut end = s.len().min(MAX_STR_BYTES);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    out.extend_from_slice(&(end as u16).to_le_bytes());
    out.extend_from_slice(&s.as_bytes()[..end]);
}

/// `v / unit` rounded, saturated to the type's range (Rust's float-to-int casts saturate,
/// NaN gives 0).
fn q(v: f64, unit: f64) -> f64 {
    (v / unit).round()
}

/// Milliseconds from `t` back to the frame's `time` (positive: `t` is older).
fn age_ms(time: f64, t: f64) -> i32 {
    ((time - t) * 1000.0).round() as i32
}

fn record(out: &mut Vec<u8>, handle: u32, time: f64, t: &TrackView) {
    let known = |v: Option<f64>| v.filter(|x| x.is_finite());
    let (alt, gs, trk, vs) = (
        known(t.alt_ft),
        known(t.gs_kt),
        known(t.trk_deg),
        known(t.vs_fpm),
    );
    let (sel, sel_t) = (known(t.selected_alt_ft), known(t.selected_alt_time));
    let mut f = 0u8;
    for (set, bit) in [
        (alt.is_some(), flags::ALT),
        (gs.is_some(), flags::GS),
        (trk.is_some(), flags::TRK),
        (vs.is_some(), flags::VS),
        (sel.is_some(), flags::SEL_ALT),
        (sel_t.is_some(), flags::SEL_TIME),
        (t.on_ground, flags::ON_GROUND),
        (t.coasting, flags::COASTING),
    ] {
        if set {
            f |= bit;
        }
    }
    out.extend_from_slice(&handle.to_le_bytes());
    out.extend_from_slice(&(q(t.lat_deg, LATLON_UNIT_DEG) as i32).to_le_bytes());
    out.extend_from_slice(&(q(t.lon_deg, LATLON_UNIT_DEG) as i32).to_le_bytes());
    out.extend_from_slice(&age_ms(time, t.last_update).to_le_bytes());
    out.extend_from_slice(&(q(alt.unwrap_or(0.0), ALT_UNIT_FT) as i16).to_le_bytes());
    out.extend_from_slice(&(q(gs.unwrap_or(0.0), GS_UNIT_KT) as u16).to_le_bytes());
    let trk_u = q(trk.unwrap_or(0.0).rem_euclid(360.0), TRK_UNIT_DEG) as u32 as u16;
    out.extend_from_slice(&trk_u.to_le_bytes());
    out.extend_from_slice(&(q(vs.unwrap_or(0.0), VS_UNIT_FPM) as i16).to_le_bytes());
    out.extend_from_slice(&(q(sel.unwrap_or(0.0), ALT_UNIT_FT) as i16).to_le_bytes());
    out.extend_from_slice(&sel_t.map_or(0, |s| age_ms(time, s)).to_le_bytes());
    out.push(f);
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::DeflateDecoder;
    use proptest::prelude::*;
    use std::io::Read;

    /// One decoded payload: the reference decoder, written straight from docs/api.md.
    #[derive(Debug)]
    struct Decoded {
        kind: u8,
        time: f64,
        upsert: Vec<TrackView>,
        remove: Vec<String>,
    }

    /// A dictionary entry: id, callsign, party, squawk, sources.
    type Static = (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Vec<String>,
    );

    /// The client side: handle → static fields.
    #[derive(Default)]
    struct Client {
        dict: HashMap<u32, Static>,
    }

    struct Cursor<'a> {
        b: &'a [u8],
        at: usize,
    }

    impl Cursor<'_> {
        fn take(&mut self, n: usize) -> &[u8] {
            let s = &self.b[self.at..self.at + n];
            self.at += n;
            s
        }
        fn u8(&mut self) -> u8 {
            self.take(1)[0]
        }
        fn u16(&mut self) -> u16 {
            u16::from_le_bytes(self.take(2).try_into().unwrap())
        }
        fn i16(&mut self) -> i16 {
            i16::from_le_bytes(self.take(2).try_into().unwrap())
        }
        fn u32(&mut self) -> u32 {
            u32::from_le_bytes(self.take(4).try_into().unwrap())
        }
        fn i32(&mut self) -> i32 {
            i32::from_le_bytes(self.take(4).try_into().unwrap())
        }
        fn f64(&mut self) -> f64 {
            f64::from_le_bytes(self.take(8).try_into().unwrap())
        }
        fn str(&mut self) -> Option<String> {
            let n = self.u16();
            if n == NULL_STR {
                return None;
            }
            Some(String::from_utf8(self.take(n as usize).to_vec()).unwrap())
        }
    }

    fn inflate(b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        DeflateDecoder::new(b).read_to_end(&mut out).unwrap();
        out
    }

    impl Client {
        fn decode(&mut self, compressed: &[u8]) -> Decoded {
            let raw = inflate(compressed);
            let mut c = Cursor { b: &raw, at: 0 };
            assert_eq!(c.take(4), MAGIC);
            assert_eq!(c.u8(), VERSION);
            let kind = c.u8();
            assert_eq!(c.u16(), 0);
            let time = c.f64();
            let (n_dict, n_rec, n_rem) = (c.u32(), c.u32(), c.u32());
            if kind == KIND_SNAPSHOT {
                self.dict.clear();
            }
            for _ in 0..n_dict {
                let h = c.u32();
                let id = c.str().unwrap();
                let (callsign, party, squawk) = (c.str(), c.str(), c.str());
                let n = c.u8();
                let sources = (0..n).map(|_| c.str().unwrap()).collect();
                self.dict.insert(h, (id, callsign, party, squawk, sources));
            }
            let mut upsert = Vec::new();
            for _ in 0..n_rec {
                let start = c.at;
                let h = c.u32();
                let lat = c.i32() as f64 * LATLON_UNIT_DEG;
                let lon = c.i32() as f64 * LATLON_UNIT_DEG;
                let age = c.i32() as f64 / 1000.0;
                let alt = c.i16() as f64 * ALT_UNIT_FT;
                let gs = c.u16() as f64 * GS_UNIT_KT;
                let trk = c.u16() as f64 * TRK_UNIT_DEG;
                let vs = c.i16() as f64 * VS_UNIT_FPM;
                let sel = c.i16() as f64 * ALT_UNIT_FT;
                let sel_age = c.i32() as f64 / 1000.0;
                let f = c.u8();
                assert_eq!(c.at - start, RECORD_BYTES);
                let (id, callsign, party, squawk, sources) = self.dict[&h].clone();
                let opt = |bit: u8, v: f64| (f & bit != 0).then_some(v);
                upsert.push(TrackView {
                    id,
                    callsign,
                    party,
                    lat_deg: lat,
                    lon_deg: lon,
                    alt_ft: opt(flags::ALT, alt),
                    gs_kt: opt(flags::GS, gs),
                    trk_deg: opt(flags::TRK, trk),
                    vs_fpm: opt(flags::VS, vs),
                    on_ground: f & flags::ON_GROUND != 0,
                    coasting: f & flags::COASTING != 0,
                    last_update: time - age,
                    sources,
                    squawk,
                    selected_alt_ft: opt(flags::SEL_ALT, sel),
                    selected_alt_time: opt(flags::SEL_TIME, time - sel_age),
                });
            }
            let remove = (0..n_rem)
                .map(|_| self.dict.remove(&c.u32()).unwrap().0)
                .collect();
            assert_eq!(c.at, raw.len(), "trailing bytes");
            Decoded {
                kind,
                time,
                upsert,
                remove,
            }
        }
    }

    fn close(a: Option<f64>, b: Option<f64>, tol: f64) -> bool {
        match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => (a - b).abs() <= tol,
            _ => false,
        }
    }

    /// Whether `d` is `t` within the documented quantisation.
    fn matches(d: &TrackView, t: &TrackView) {
        assert_eq!(
            (&d.id, &d.callsign, &d.party, &d.squawk, &d.sources),
            (&t.id, &t.callsign, &t.party, &t.squawk, &t.sources)
        );
        assert_eq!((d.on_ground, d.coasting), (t.on_ground, t.coasting));
        let eps = 1e-9;
        assert!((d.lat_deg - t.lat_deg).abs() <= LATLON_UNIT_DEG / 2.0 + eps);
        assert!((d.lon_deg - t.lon_deg).abs() <= LATLON_UNIT_DEG / 2.0 + eps);
        assert!(close(d.alt_ft, t.alt_ft, ALT_UNIT_FT / 2.0 + eps));
        assert!(close(d.gs_kt, t.gs_kt, GS_UNIT_KT / 2.0 + eps));
        assert!(close(d.vs_fpm, t.vs_fpm, VS_UNIT_FPM / 2.0 + eps));
        assert!(close(
            d.selected_alt_ft,
            t.selected_alt_ft,
            ALT_UNIT_FT / 2.0 + eps
        ));
        assert!((d.last_update - t.last_update).abs() <= 0.0005 + 1e-6);
        assert!(close(
            d.selected_alt_time,
            t.selected_alt_time,
            0.0005 + 1e-6
        ));
        match (d.trk_deg, t.trk_deg) {
            (None, None) => {}
            (Some(a), Some(b)) => {
                assert!((0.0..360.0).contains(&a));
                let diff = (a - b).rem_euclid(360.0);
                assert!(
                    diff.min(360.0 - diff) <= TRK_UNIT_DEG / 2.0 + eps,
                    "{a} {b}"
                );
            }
            other => panic!("trk {other:?}"),
        }
    }

    fn opt_str(re: &'static str) -> impl Strategy<Value = Option<String>> {
        proptest::option::of(re)
    }

    prop_compose! {
        fn track(time: f64)(
            id in "[A-Za-z0-9~_.-]{1,12}",
            callsign in opt_str("[A-Z0-9 ]{0,8}"),
            party in opt_str("[a-zé]{1,10}"),
            lat in -90.0f64..=90.0,
            lon in -180.0f64..=180.0,
            alt in proptest::option::of(-2000.0f64..160_000.0),
            gs in proptest::option::of(0.0f64..6000.0),
            trk in proptest::option::of(0.0f64..360.0),
            vs in proptest::option::of(-120_000.0f64..120_000.0),
            on_ground: bool,
            coasting: bool,
            age in -5.0f64..86_400.0,
            sources in proptest::collection::vec("[a-z0-9-]{1,16}", 0..4),
            squawk in opt_str("[0-7]{4}"),
            sel in proptest::option::of(-2000.0f64..60_000.0),
            sel_age in proptest::option::of(0.0f64..3600.0),
        ) -> TrackView {
            TrackView {
                id, callsign, party, lat_deg: lat, lon_deg: lon, alt_ft: alt, gs_kt: gs,
                trk_deg: trk, vs_fpm: vs, on_ground, coasting, last_update: time - age,
                sources, squawk, selected_alt_ft: sel,
                selected_alt_time: sel_age.map(|a| time - a),
            }
        }
    }

    const T0: f64 = 1_754_000_000.25;

    fn unique(mut v: Vec<TrackView>) -> Vec<TrackView> {
        let mut seen = std::collections::HashSet::new();
        v.retain(|t| seen.insert(t.id.clone()));
        v
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn tracks_round_trip_within_the_quantisation(
            first in proptest::collection::vec(track(T0), 0..40),
            second in proptest::collection::vec(track(T0 + 1.0), 0..40),
            drop in proptest::collection::vec(any::<bool>(), 40),
        ) {
            let (first, second) = (unique(first), unique(second));
            let mut h = Handles::new();
            let mut client = Client::default();
            let d = client.decode(&snapshot(&mut h, T0, first.iter()));
            prop_assert_eq!((d.kind, d.time), (KIND_SNAPSHOT, T0));
            prop_assert_eq!(d.upsert.len(), first.len());
            prop_assert!(d.remove.is_empty());
            for (a, b) in d.upsert.iter().zip(&first) {
                matches(a, b);
            }
            // A delta: some of the first tracks gone, the second's upserted (new ones and,
            // when an id repeats, changed static fields).
            let gone: Vec<&str> = first
                .iter()
                .zip(&drop)
                .filter(|(t, d)| **d && !second.iter().any(|s| s.id == t.id))
                .map(|(t, _)| t.id.as_str())
                .chain(["never-sent"])
                .collect();
            let d = client.decode(&delta(&mut h, T0 + 1.0, second.iter(), gone.iter().copied()));
            prop_assert_eq!((d.kind, d.time), (KIND_DELTA, T0 + 1.0));
            prop_assert_eq!(d.upsert.len(), second.len());
            for (a, b) in d.upsert.iter().zip(&second) {
                matches(a, b);
            }
            prop_assert_eq!(d.remove, gone[..gone.len() - 1].to_vec());
            prop_assert_eq!(h.by_id.len(), client.dict.len());
        }
    }

    #[test]
    fn a_static_field_is_sent_once_then_again_when_it_changes() {
        let mut t = TrackView {
            id: "4ca2d1".into(),
            callsign: Some("EIN12".into()),
            party: None,
            lat_deg: 48.5,
            lon_deg: 2.25,
            alt_ft: Some(35_000.0),
            gs_kt: None,
            trk_deg: Some(359.999),
            vs_fpm: None,
            on_ground: false,
            coasting: true,
            last_update: T0,
            sources: vec!["adsb-1".into()],
            squawk: None,
            selected_alt_ft: None,
            selected_alt_time: None,
        };
        let mut h = Handles::new();
        let first = inflate(&snapshot(&mut h, T0, [&t].into_iter()));
        let again = inflate(&delta(&mut h, T0, [&t].into_iter(), std::iter::empty()));
        assert_eq!(again.len(), HEADER_BYTES + RECORD_BYTES);
        assert!(first.len() > again.len());
        t.callsign = Some("EIN13".into());
        let changed = inflate(&delta(&mut h, T0, [&t].into_iter(), std::iter::empty()));
        assert_eq!(changed.len(), first.len());
        // A track angle just below 360° comes back as north.
        let mut c = Client::default();
        let d = c.decode(&snapshot(&mut h, T0, [&t].into_iter()));
        assert_eq!(d.upsert[0].trk_deg, Some(0.0));
        assert_eq!(d.upsert[0].callsign.as_deref(), Some("EIN13"));
    }

    /// The console's test vector (web/test/fixtures/stream-binary.json, read by
    /// web/test/stream-binary.test.mjs): a snapshot and a delta as sent (base64), and the
    /// tracks this reference decoder reads from them. `UPDATE_FIXTURES=1` rewrites it; else the
    /// checked-in file must be what the encoder produces now.
    #[test]
    fn the_console_test_vector_is_what_the_encoder_sends() {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let t = |id: &str, lat: f64, lon: f64| TrackView {
            id: id.into(),
            callsign: None,
            party: None,
            lat_deg: lat,
            lon_deg: lon,
            alt_ft: None,
            gs_kt: None,
            trk_deg: None,
            vs_fpm: None,
            on_ground: false,
            coasting: false,
            last_update: T0 - 0.4,
            sources: vec![],
            squawk: None,
            selected_alt_ft: None,
            selected_alt_time: None,
        };
        let a = TrackView {
            callsign: Some("EAGLE31".into()),
            party: Some("blue".into()),
            alt_ft: Some(24_012.0),
            gs_kt: Some(431.27),
            trk_deg: Some(271.3),
            vs_fpm: Some(-1_472.0),
            sources: vec!["blue-telemetry".into(), "civil-adsb".into()],
            squawk: Some("7000".into()),
            selected_alt_ft: Some(20_000.0),
            selected_alt_time: Some(T0 - 3.25),
            ..t("B-EAGLE31", 36.4012345, 37.1098765)
        };
        let b = TrackView {
            callsign: Some("AFR1234".into()),
            on_ground: true,
            coasting: true,
            gs_kt: Some(12.0),
            trk_deg: Some(359.99),
            sources: vec!["paris-sbs".into()],
            ..t("39c4a1", 49.0097, 2.5479)
        };
        let c = TrackView {
            party: Some("réd".into()),
            alt_ft: Some(-35.0),
            vs_fpm: Some(64_000.0),
            ..t("R-VIPER11", -33.9, -151.2)
        };
        let mut h = Handles::new();
        let snap = snapshot(&mut h, T0, [&a, &b, &c].into_iter());
        let a2 = TrackView {
            lat_deg: 36.40,
            last_update: T0 + 0.9,
            callsign: Some("EAGLE32".into()),
            ..a.clone()
        };
        let d = t("4b1805", 0.0, 180.0);
        let del = delta(
            &mut h,
            T0 + 1.0,
            [&a2, &d].into_iter(),
            ["39c4a1"].into_iter(),
        );
        let mut client = Client::default();
        let (s1, d1) = (client.decode(&snap), client.decode(&del));
        let doc = serde_json::json!({
            "about": "Generated by crates/server/src/wire/binary.rs (the_console_test_vector_is_what_the_encoder_sends, UPDATE_FIXTURES=1); read by web/test/stream-binary.test.mjs.",
            "messages": [
                { "base64": b64.encode(&snap), "kind": "snapshot", "time": s1.time, "upsert": s1.upsert, "remove": s1.remove },
                { "base64": b64.encode(&del), "kind": "delta", "time": d1.time, "upsert": d1.upsert, "remove": d1.remove },
            ],
        });
        let text = serde_json::to_string_pretty(&doc).unwrap() + "\n";
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../web/test/fixtures/stream-binary.json"
        );
        if std::env::var_os("UPDATE_FIXTURES").is_some() {
            std::fs::write(path, &text).unwrap();
        }
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert_eq!(
            on_disk, text,
            "run with UPDATE_FIXTURES=1 to rewrite {path}"
        );
    }

    /// Standard base64 (RFC 4648, padded), enough for the test vector.
    /// A realistic 20,000-aircraft picture: airliners on great circles over Europe, callsigns,
    /// 25-ft altitudes, 1 Hz updates; the delta of the next second after DEFLATE.
    fn realistic(n: usize, time: f64, step: f64) -> Vec<TrackView> {
        use rand::{Rng, SeedableRng};
        let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        (0..n)
            .map(|i| {
                let gs: f64 = r.gen_range(140.0..520.0);
                let trk: f64 = r.gen_range(0.0..360.0);
                let lat0: f64 = r.gen_range(36.0..62.0);
                let lon0: f64 = r.gen_range(-10.0..30.0);
                let d = gs / 3600.0 / 60.0 * step;
                let level = r.gen_bool(0.8);
                TrackView {
                    id: format!("{:06x}", 0x300000 + i * 7),
                    callsign: Some(format!("SIM{i:04}")),
                    party: None,
                    lat_deg: lat0 + d * trk.to_radians().cos(),
                    lon_deg: lon0 + d * trk.to_radians().sin() / lat0.to_radians().cos(),
                    alt_ft: Some(if level {
                        (r.gen_range(180..410) * 100) as f64
                    } else {
                        (r.gen_range(40..1600) * 25) as f64
                    }),
                    gs_kt: Some((gs * 10.0).round() / 10.0),
                    trk_deg: Some((trk * 10.0).round() / 10.0),
                    vs_fpm: Some(if level {
                        0.0
                    } else {
                        (r.gen_range(-40..40) * 64) as f64
                    }),
                    on_ground: false,
                    coasting: false,
                    last_update: time - r.gen_range(0.0..1.0),
                    sources: vec!["sim-sbs".into()],
                    squawk: Some(format!("{:04o}", r.gen_range(0..4096))),
                    selected_alt_ft: None,
                    selected_alt_time: None,
                }
            })
            .collect()
    }

    /// Most bytes on the wire per aircraft update of a steady-state delta.
    pub const MAX_BYTES_PER_AIRCRAFT: f64 = 40.0;

    #[test]
    fn a_20000_aircraft_delta_is_at_most_40_bytes_per_aircraft() {
        let n = 20_000;
        let mut h = Handles::new();
        let snap = snapshot(&mut h, T0, realistic(n, T0, 0.0).iter());
        let next = realistic(n, T0 + 1.0, 1.0);
        let bytes = delta(&mut h, T0 + 1.0, next.iter(), std::iter::empty());
        let per = bytes.len() as f64 / n as f64;
        let json: usize = next
            .iter()
            .map(|t| serde_json::to_string(t).unwrap().len() + 1)
            .sum();
        println!(
            "snapshot {:.1} B/aircraft, delta {per:.1} B/aircraft (JSON {:.1})",
            snap.len() as f64 / n as f64,
            json as f64 / n as f64
        );
        assert!(per <= MAX_BYTES_PER_AIRCRAFT, "{per:.1} bytes per aircraft");
        let d = Client::default().decode(&snapshot(&mut h, T0 + 1.0, next.iter()));
        assert_eq!(d.upsert.len(), n);
    }
}
