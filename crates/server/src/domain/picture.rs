//! The shared air picture as the API shows it: one [`TrackView`] per positioned track, each
//! serialised once per cycle so that per-viewer frames are built by concatenation.

use crate::domain::parties::Directory;
use crate::domain::policy::{self, Position, Viewer};
use serde::Serialize;
use std::collections::HashMap;

/// One aircraft as the API shows it (`Track` in docs/api.md).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = Track)]
pub struct TrackView {
    /// Track id.
    pub id: String,
    /// Callsign.
    pub callsign: Option<String>,
    /// Owning party.
    pub party: Option<String>,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Altitude, feet.
    pub alt_ft: Option<f64>,
    /// Ground speed, knots.
    pub gs_kt: Option<f64>,
    /// Track angle, degrees true.
    pub trk_deg: Option<f64>,
    /// Vertical rate, feet per minute.
    pub vs_fpm: Option<f64>,
    /// On the ground.
    pub on_ground: bool,
    /// No recent update.
    pub coasting: bool,
    /// Last update, UNIX seconds.
    pub last_update: f64,
    /// Feeds that reported it.
    pub sources: Vec<String>,
    /// Mode A code.
    pub squawk: Option<String>,
    /// Selected altitude (MCP/FCU, else FMS), feet, when downlinked.
    pub selected_alt_ft: Option<f64>,
    /// Time of the selected altitude, UNIX seconds.
    pub selected_alt_time: Option<f64>,
}

impl TrackView {
    /// Appends this track's JSON to `out`: byte for byte what `serde_json::to_string` makes of
    /// it (the derived `Serialize` stays the schema), written directly because the picture
    /// serialises every track every cycle and serde's generic path spends most of its time
    /// escaping the constant field names (about 7,000 instructions a track against 1,500).
    pub fn write_json(&self, out: &mut String) {
        let f = &mut zmij::Buffer::new();
        out.push_str("{\"id\":");
        json_str(out, &self.id);
        out.push_str(",\"callsign\":");
        opt_str(out, self.callsign.as_deref());
        out.push_str(",\"party\":");
        opt_str(out, self.party.as_deref());
        out.push_str(",\"lat_deg\":");
        json_num(out, f, Some(self.lat_deg));
        out.push_str(",\"lon_deg\":");
        json_num(out, f, Some(self.lon_deg));
        out.push_str(",\"alt_ft\":");
        json_num(out, f, self.alt_ft);
        out.push_str(",\"gs_kt\":");
        json_num(out, f, self.gs_kt);
        out.push_str(",\"trk_deg\":");
        json_num(out, f, self.trk_deg);
        out.push_str(",\"vs_fpm\":");
        json_num(out, f, self.vs_fpm);
        out.push_str(",\"on_ground\":");
        out.push_str(if self.on_ground { "true" } else { "false" });
        out.push_str(",\"coasting\":");
        out.push_str(if self.coasting { "true" } else { "false" });
        out.push_str(",\"last_update\":");
        json_num(out, f, Some(self.last_update));
        out.push_str(",\"sources\":[");
        for (k, s) in self.sources.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            json_str(out, s);
        }
        out.push_str("],\"squawk\":");
        opt_str(out, self.squawk.as_deref());
        out.push_str(",\"selected_alt_ft\":");
        json_num(out, f, self.selected_alt_ft);
        out.push_str(",\"selected_alt_time\":");
        json_num(out, f, self.selected_alt_time);
        out.push('}');
    }

    /// Position for proximity checks.
    pub fn position(&self) -> Position {
        Position {
            lat_deg: self.lat_deg,
            lon_deg: self.lon_deg,
            alt_ft: self.alt_ft.unwrap_or(0.0),
        }
    }
}

/// A JSON string: as is where nothing needs escaping (track ids, callsigns and feed names
/// nearly always), else as `serde_json` escapes it.
fn json_str(out: &mut String, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "null".into()));
    }
}

/// A JSON number as `serde_json` writes an `f64` (with the same formatter); `null` for none
/// or a non-finite value.
fn json_num(out: &mut String, f: &mut zmij::Buffer, x: Option<f64>) {
    match x {
        Some(x) if x.is_finite() => out.push_str(f.format_finite(x)),
        _ => out.push_str("null"),
    }
}

fn opt_str(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => json_str(out, s),
        None => out.push_str("null"),
    }
}

/// A track and its JSON.
#[derive(Debug, Clone)]
pub struct PictureTrack {
    /// The track.
    pub view: TrackView,
    /// `serde_json` of `view`.
    pub json: Box<str>,
}

/// The picture at one cycle.
#[derive(Debug, Default)]
pub struct Picture {
    /// Cycle time, UNIX seconds.
    pub time: f64,
    /// Tracks with a position.
    pub tracks: Vec<PictureTrack>,
    /// Index by id.
    pub index: HashMap<String, usize, foldhash::fast::RandomState>,
    /// Positions of each party's own aircraft.
    pub own: HashMap<String, Vec<Position>>,
}

impl Picture {
    /// Builds a picture from views.
    pub fn new(time: f64, views: Vec<TrackView>) -> Picture {
        let mut own: HashMap<String, Vec<Position>> = HashMap::new();
        let mut index =
            HashMap::with_capacity_and_hasher(views.len(), foldhash::fast::RandomState::default());
        let mut tracks = Vec::with_capacity(views.len());
        let mut buf = String::with_capacity(512);
        for v in views {
            if let Some(p) = &v.party {
                own.entry(p.clone()).or_default().push(v.position());
            }
            buf.clear();
            v.write_json(&mut buf);
            let json = Box::<str>::from(buf.as_str());
            index.insert(v.id.clone(), tracks.len());
            tracks.push(PictureTrack { view: v, json });
        }
        Picture {
            time,
            tracks,
            index,
            own,
        }
    }

    /// One track, if `viewer` may see it.
    pub fn get(&self, id: &str, viewer: &Viewer, dir: &Directory) -> Option<&PictureTrack> {
        let t = &self.tracks[*self.index.get(id)?];
        self.is_visible(t, viewer, dir).then_some(t)
    }

    /// Whether `viewer` may see `t`.
    pub fn is_visible(&self, t: &PictureTrack, viewer: &Viewer, dir: &Directory) -> bool {
        let own: &[Position] = match viewer {
            Viewer::All => &[],
            Viewer::Party(p) => self.own.get(p).map(|v| v.as_slice()).unwrap_or(&[]),
        };
        let owner = t.view.party.as_deref();
        let sharing = owner.and_then(|o| dir.party(o)).map(|p| p.sharing);
        policy::track_visible(
            viewer,
            owner,
            sharing.as_ref(),
            Some(t.view.position()),
            own,
        )
    }

    /// Every track `viewer` may see.
    pub fn visible<'a>(
        &'a self,
        viewer: &'a Viewer,
        dir: &'a Directory,
    ) -> impl Iterator<Item = &'a PictureTrack> + 'a {
        self.visible_indexed(viewer, dir).map(|(_, t)| t)
    }

    /// Every track `viewer` may see, with its index in [`Picture::tracks`].
    pub fn visible_indexed<'a>(
        &'a self,
        viewer: &'a Viewer,
        dir: &'a Directory,
    ) -> impl Iterator<Item = (usize, &'a PictureTrack)> + 'a {
        // Resolve sharing rules once per owner rather than once per track.
        let mut rules: HashMap<&str, Option<deconflict_store::Sharing>> = HashMap::new();
        for t in &self.tracks {
            if let Some(o) = t.view.party.as_deref() {
                rules
                    .entry(o)
                    .or_insert_with(|| dir.party(o).map(|p| p.sharing));
            }
        }
        let own: &'a [Position] = match viewer {
            Viewer::All => &[],
            Viewer::Party(p) => self.own.get(p).map(|v| v.as_slice()).unwrap_or(&[]),
        };
        self.tracks.iter().enumerate().filter(move |(_, t)| {
            let owner = t.view.party.as_deref();
            let rule = owner.and_then(|o| rules.get(o).copied().flatten());
            policy::track_visible(viewer, owner, rule.as_ref(), Some(t.view.position()), own)
        })
    }
}

/// The API view of a track from the table (`None` without a position).
pub fn view_of(t: &deconflict_feeds::track::Track) -> Option<TrackView> {
    Some(TrackView {
        id: t.id.clone(),
        callsign: t.callsign.clone(),
        party: t.party.clone(),
        lat_deg: t.lat_deg?,
        lon_deg: t.lon_deg?,
        alt_ft: t.alt_ft,
        gs_kt: t.gs_kt,
        trk_deg: t.trk_deg,
        vs_fpm: t.vs_fpm,
        on_ground: t.on_ground,
        coasting: t.coasting,
        last_update: t.last_update_s,
        sources: t.sources.iter().map(|s| s.to_string()).collect(),
        squawk: t.squawk.clone(),
        selected_alt_ft: t.selected_alt_ft.or(t.fms_selected_alt_ft),
        selected_alt_time: if t.selected_alt_ft.is_some() {
            t.selected_alt_time_s
        } else {
            t.fms_selected_alt_time_s
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_f64() -> impl Strategy<Value = f64> {
        prop_oneof![
            4 => -1e6..1e6f64,
            1 => any::<f64>(),
            1 => Just(f64::NAN),
            1 => Just(f64::INFINITY),
            1 => Just(0.0),
            1 => Just(-0.0),
            1 => (-1000i64..1000).prop_map(|i| i as f64),
        ]
    }

    fn any_text() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => "[0-9A-F]{6}",
            2 => any::<String>(),
            1 => "[\"\\\\\\x00-\\x1f\\u{7f}é✈/ ]{0,8}",
        ]
    }

    fn any_view() -> impl Strategy<Value = TrackView> {
        (
            (
                any_text(),
                proptest::option::of(any_text()),
                proptest::option::of(any_text()),
                any_f64(),
                any_f64(),
                proptest::option::of(any_f64()),
                proptest::option::of(any_f64()),
                proptest::option::of(any_f64()),
            ),
            (
                proptest::option::of(any_f64()),
                any::<bool>(),
                any::<bool>(),
                any_f64(),
                proptest::collection::vec(any_text(), 0..3),
                proptest::option::of(any_text()),
                proptest::option::of(any_f64()),
                proptest::option::of(any_f64()),
            ),
        )
            .prop_map(
                |(
                    (id, callsign, party, lat, lon, alt, gs, trk),
                    (vs, ground, coasting, last, sources, squawk, sel, sel_t),
                )| TrackView {
                    id,
                    callsign,
                    party,
                    lat_deg: lat,
                    lon_deg: lon,
                    alt_ft: alt,
                    gs_kt: gs,
                    trk_deg: trk,
                    vs_fpm: vs,
                    on_ground: ground,
                    coasting,
                    last_update: last,
                    sources,
                    squawk,
                    selected_alt_ft: sel,
                    selected_alt_time: sel_t,
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// The picture's direct writer makes exactly the derived serialisation's bytes.
        #[test]
        fn write_json_is_serde_json(v in any_view()) {
            let mut fast = String::new();
            v.write_json(&mut fast);
            prop_assert_eq!(fast, serde_json::to_string(&v).unwrap());
        }
    }

    #[test]
    fn the_picture_holds_each_tracks_json() {
        let v = TrackView {
            id: "4840D6".into(),
            callsign: Some("KLM\"1".into()),
            party: None,
            lat_deg: 48.5,
            lon_deg: 2.25,
            alt_ft: Some(35000.0),
            gs_kt: None,
            trk_deg: Some(90.0),
            vs_fpm: Some(-64.0),
            on_ground: false,
            coasting: true,
            last_update: 1.8e9,
            sources: vec!["sbs-1".into()],
            squawk: Some("7000".into()),
            selected_alt_ft: None,
            selected_alt_time: None,
        };
        let p = Picture::new(1.8e9, vec![v.clone()]);
        let back: serde_json::Value = serde_json::from_str(&p.tracks[0].json).unwrap();
        assert_eq!(back["callsign"], "KLM\"1");
        assert_eq!(back["alt_ft"], 35000.0);
        assert_eq!(back["gs_kt"], serde_json::Value::Null);
        assert_eq!(&*p.tracks[0].json, serde_json::to_string(&v).unwrap());
    }
}
