//! The safety net's cell-managed data: parameter regions, inhibition volumes and declared
//! exemptions, over `/api/v1/safety/*`.
//!
//! - **Regions** come from three places, in this priority order: the region files named in
//!   `[safety_net] region_files`, the regions the cell adds over the API (stored, audited),
//!   then the default aerodrome regions (`[safety_net.aerodromes]`). Any change rebuilds the
//!   [`RegionSet`] the alert cycle uses; the next alert cycle judges pairs with it.
//! - **Exemptions**: a party declares a formation or an air-to-air refuelling group of its
//!   own aircraft for a time window; alerts between two members are suppressed while it is
//!   active, alerts with anyone else are not. A party can declare only aircraft the cell
//!   currently holds as its own, and in every cycle only members still owned by the
//!   declaring party count. Declarations are audited, visible to the cell, observers and the
//!   declaring party, and end at their `end` time or when withdrawn.
//!
//! This module holds the rules (declarations, their states, which members count, region
//! bounds); `live::safety` loads and installs them, `http::safety` serves them.

use crate::domain::policy::own_visible;
use crate::domain::text::{self, TextError};
use deconflict_airspace::regions::{RegionShape, SafetyRegion};
use deconflict_engine::safety::Exemption;
use deconflict_store::Role;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// What an exemption groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExemptionKind {
    /// Aircraft flying as one formation.
    Formation,
    /// A tanker and its receivers.
    Refuelling,
}

/// A declared exemption as stored and shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = ExemptionFields)]
pub struct ExemptionDoc {
    /// `x-<n>`.
    pub id: String,
    /// Declaring party.
    pub party: String,
    /// Formation or refuelling.
    pub kind: ExemptionKind,
    /// Member track ids.
    pub tracks: Vec<String>,
    /// From, UNIX seconds.
    pub start: f64,
    /// Until, UNIX seconds.
    pub end: f64,
    /// Free text.
    #[serde(default)]
    pub note: String,
    /// Withdrawn before its end.
    #[serde(default)]
    pub withdrawn: bool,
}

impl ExemptionDoc {
    /// `scheduled`, `active`, `ended` or `withdrawn` at `now`.
    pub fn state_at(&self, now: f64) -> &'static str {
        if self.withdrawn {
            "withdrawn"
        } else if now < self.start {
            "scheduled"
        } else if now < self.end {
            "active"
        } else {
            "ended"
        }
    }

    /// The API form at `now`, with its stored `version`.
    pub fn json_at(&self, now: f64, version: i64) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        v["state"] = json!(self.state_at(now));
        v["version"] = json!(version);
        v
    }
}

/// A declaration as posted.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclareBody {
    /// Formation or refuelling.
    pub kind: ExemptionKind,
    /// Member track ids (the caller's own aircraft).
    #[schema(min_items = 2)]
    pub tracks: Vec<String>,
    /// From, UNIX seconds (default now).
    pub start: Option<f64>,
    /// Until, UNIX seconds.
    pub end: f64,
    /// Free text.
    #[serde(default)]
    pub note: String,
}

/// Why a declaration is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeclareError {
    /// Fewer than two or more than the limit.
    #[error("an exemption groups 2 to {max} aircraft, got {got}")]
    Size {
        /// The limit.
        max: usize,
        /// Given.
        got: usize,
    },
    /// A track appears twice or is malformed.
    #[error("track {0:?} is listed twice or is not a valid track id")]
    BadTrack(String),
    /// A track is not the caller's.
    #[error("track {track:?} is not one of {party}'s aircraft; a party can declare only its own aircraft")]
    NotOwn {
        /// The track.
        track: String,
        /// The caller.
        party: String,
    },
    /// Times out of order or too long.
    #[error("{0}")]
    Window(String),
    /// The note is too long.
    #[error("note is longer than 500 characters")]
    Note,
    /// The note holds a control or bidi character.
    #[error(transparent)]
    Text(#[from] TextError),
}

/// The free-text rule ([`crate::domain::text`]) on a region added over the API: its `id` and
/// `name`.
///
/// # Errors
/// [`TextError`] naming the field.
pub fn check_region_text(r: &SafetyRegion) -> Result<(), TextError> {
    text::check("id", &r.id, text::Kind::Line)?;
    text::check("name", &r.name, text::Kind::Line)
}

/// The declaration rule: checks `body` from `party` at `now`, with `owner_of(track)` giving
/// the party that currently owns a track (`None` for unknown or civil), and returns the
/// document to store (its id is set by the caller).
///
/// # Errors
/// [`DeclareError`] naming what is wrong.
pub fn declare(
    party: &str,
    body: &DeclareBody,
    now: f64,
    max_tracks: usize,
    max_duration_s: f64,
    owner_of: impl Fn(&str) -> Option<String>,
) -> Result<ExemptionDoc, DeclareError> {
    text::check("note", &body.note, text::Kind::Multiline)?;
    let n = body.tracks.len();
    if !(2..=max_tracks).contains(&n) {
        return Err(DeclareError::Size {
            max: max_tracks,
            got: n,
        });
    }
    for (i, t) in body.tracks.iter().enumerate() {
        let ok = !t.is_empty() && t.len() <= 32 && t.chars().all(|c| c.is_ascii_graphic());
        if !ok || body.tracks[..i].contains(t) {
            return Err(DeclareError::BadTrack(t.clone()));
        }
        if owner_of(t).as_deref() != Some(party) {
            return Err(DeclareError::NotOwn {
                track: t.clone(),
                party: party.to_owned(),
            });
        }
    }
    let start = body.start.unwrap_or(now);
    if !(start.is_finite() && body.end.is_finite()) {
        return Err(DeclareError::Window("start and end must be numbers".into()));
    }
    if start < now - 60.0 {
        return Err(DeclareError::Window(
            "start may not be more than 60 s in the past".into(),
        ));
    }
    if body.end <= start || body.end <= now {
        return Err(DeclareError::Window(
            "end must be after start and in the future".into(),
        ));
    }
    if body.end - start > max_duration_s {
        return Err(DeclareError::Window(format!(
            "an exemption lasts at most {max_duration_s} s"
        )));
    }
    if body.note.chars().count() > MAX_NOTE_CHARS {
        return Err(DeclareError::Note);
    }
    Ok(ExemptionDoc {
        id: String::new(),
        party: party.to_owned(),
        kind: body.kind,
        tracks: body.tracks.clone(),
        start,
        end: body.end,
        note: body.note.clone(),
        withdrawn: false,
    })
}

/// Who may see an exemption: the cell, observers and the declaring party.
pub fn exemption_visible(doc: &ExemptionDoc, party: &str, role: Role) -> bool {
    own_visible(&doc.party, party, role)
}

/// Longest exemption note, characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// The bounds `[W, S, E, N]` of a region, degrees (circles by their enclosing box).
pub fn region_bounds(r: &SafetyRegion) -> [f64; 4] {
    match &r.shape {
        RegionShape::Polygon { coordinates } => coordinates.iter().fold(
            [
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ],
            |b, p| {
                [
                    b[0].min(p[0]),
                    b[1].min(p[1]),
                    b[2].max(p[0]),
                    b[3].max(p[1]),
                ]
            },
        ),
        RegionShape::Circle { center, radius_nm } => {
            let dlat = radius_nm / 60.0;
            let dlon = dlat / center.lat_deg.to_radians().cos().max(0.01);
            [
                center.lon_deg - dlon,
                center.lat_deg - dlat,
                center.lon_deg + dlon,
                center.lat_deg + dlat,
            ]
        }
    }
}

/// Whether two `[W, S, E, N]` boxes meet.
pub fn boxes_meet(a: [f64; 4], b: [f64; 4]) -> bool {
    !(a[2] < b[0] || a[0] > b[2] || a[3] < b[1] || a[1] > b[3])
}

/// The exemptions in force or to come, as the engine takes them: members restricted to
/// tracks the declaring party still owns (`owner_of`), withdrawn and ended ones left out.
pub fn engine_exemptions(
    docs: &[ExemptionDoc],
    now: f64,
    owner_of: impl Fn(&str) -> Option<String>,
) -> Vec<Exemption> {
    docs.iter()
        .filter(|d| !d.withdrawn && d.end > now)
        .map(|d| Exemption {
            id: d.id.clone(),
            tracks: d
                .tracks
                .iter()
                .filter(|t| owner_of(t).as_deref() == Some(d.party.as_str()))
                .cloned()
                .collect(),
            start_s: d.start,
            end_s: d.end,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(tracks: &[&str], end: f64) -> DeclareBody {
        DeclareBody {
            kind: ExemptionKind::Formation,
            tracks: tracks.iter().map(|t| t.to_string()).collect(),
            start: None,
            end,
            note: String::new(),
        }
    }

    fn owner(t: &str) -> Option<String> {
        match t {
            "B1" | "B2" | "B3" => Some("blue".into()),
            "R1" => Some("red".into()),
            _ => None,
        }
    }

    #[test]
    fn a_party_declares_only_its_own_aircraft() {
        let ok = declare(
            "blue",
            &body(&["B1", "B2"], 1_000.0),
            0.0,
            16,
            3_600.0,
            owner,
        )
        .unwrap();
        assert_eq!((ok.start, ok.end, ok.tracks.len()), (0.0, 1_000.0, 2));
        assert!(matches!(
            declare(
                "blue",
                &body(&["B1", "R1"], 1_000.0),
                0.0,
                16,
                3_600.0,
                owner
            ),
            Err(DeclareError::NotOwn { .. })
        ));
        // A civil ICAO address is nobody's: refused.
        assert!(matches!(
            declare(
                "blue",
                &body(&["B1", "3C6444"], 1_000.0),
                0.0,
                16,
                3_600.0,
                owner
            ),
            Err(DeclareError::NotOwn { .. })
        ));
    }

    #[test]
    fn size_window_and_duplicates() {
        let d = |tracks: &[&str], end: f64| {
            declare("blue", &body(tracks, end), 100.0, 2, 3_600.0, owner)
        };
        assert!(matches!(d(&["B1"], 500.0), Err(DeclareError::Size { .. })));
        assert!(matches!(
            d(&["B1", "B2", "B3"], 500.0),
            Err(DeclareError::Size { .. })
        ));
        assert!(matches!(
            d(&["B1", "B1"], 500.0),
            Err(DeclareError::BadTrack(_))
        ));
        assert!(matches!(
            d(&["B1", "B2"], 50.0),
            Err(DeclareError::Window(_))
        ));
        assert!(matches!(
            d(&["B1", "B2"], 10_000.0),
            Err(DeclareError::Window(_))
        ));
        let mut b = body(&["B1", "B2"], 500.0);
        b.start = Some(0.0);
        assert!(matches!(
            declare("blue", &b, 100.0, 16, 3_600.0, owner),
            Err(DeclareError::Window(_))
        ));
    }

    #[test]
    fn only_members_still_owned_count_and_ended_ones_drop_out() {
        let mut doc = declare(
            "blue",
            &body(&["B1", "B2"], 1_000.0),
            0.0,
            16,
            3_600.0,
            owner,
        )
        .unwrap();
        doc.id = "x-1".into();
        // B2 has since been taken over by red (or is now reported as someone else's).
        let later = |t: &str| {
            if t == "B2" {
                Some("red".into())
            } else {
                owner(t)
            }
        };
        let ex = engine_exemptions(std::slice::from_ref(&doc), 10.0, later);
        assert_eq!(ex[0].tracks, vec!["B1".to_string()]);
        assert!(engine_exemptions(std::slice::from_ref(&doc), 1_000.0, owner).is_empty());
        doc.withdrawn = true;
        assert!(engine_exemptions(&[doc.clone()], 10.0, owner).is_empty());
        assert_eq!(doc.state_at(10.0), "withdrawn");
    }

    #[test]
    fn visibility() {
        let doc = declare(
            "blue",
            &body(&["B1", "B2"], 1_000.0),
            0.0,
            16,
            3_600.0,
            owner,
        )
        .unwrap();

        assert!(exemption_visible(&doc, "blue", Role::Party));
        assert!(!exemption_visible(&doc, "red", Role::Party));
        assert!(exemption_visible(&doc, "cell", Role::Cell));
        assert!(exemption_visible(&doc, "monitor", Role::Observer));
    }
}
