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
    /// Position for proximity checks.
    pub fn position(&self) -> Position {
        Position {
            lat_deg: self.lat_deg,
            lon_deg: self.lon_deg,
            alt_ft: self.alt_ft.unwrap_or(0.0),
        }
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
    pub index: HashMap<String, usize>,
    /// Positions of each party's own aircraft.
    pub own: HashMap<String, Vec<Position>>,
}

impl Picture {
    /// Builds a picture from views.
    pub fn new(time: f64, views: Vec<TrackView>) -> Picture {
        let mut own: HashMap<String, Vec<Position>> = HashMap::new();
        let mut index = HashMap::with_capacity(views.len());
        let mut tracks = Vec::with_capacity(views.len());
        for v in views {
            if let Some(p) = &v.party {
                own.entry(p.clone()).or_default().push(v.position());
            }
            let json = serde_json::to_string(&v)
                .unwrap_or_else(|_| "null".into())
                .into_boxed_str();
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
        self.tracks.iter().filter(move |t| {
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
