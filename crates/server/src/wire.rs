//! Every JSON shape the server sends, in one place: the stream's frames ([`Frame`], and the
//! snapshot and delta frames, which are concatenated from tracks serialised once per cycle),
//! the API view of a conflict, the track list and the GeoJSON picture. docs/api.md describes
//! them; the field names here are that contract.

use crate::domain::alerts::WARNING_LEVEL;
use crate::domain::crosscheck::{Discrepancy, DiscrepancyState};
use crate::domain::intrusions::IntrusionRecord;
use crate::domain::picture::PictureTrack;
use crate::domain::requests::RequestDoc;
use crate::domain::reservations::{gives_way, ReservationDoc};
use deconflict_airspace::formats::openair::OpenAirRejected;
use deconflict_airspace::regions::SafetyRegion;
use deconflict_airspace::ReservationOverlap;
use deconflict_engine::guidance::Report;
use deconflict_store::{AlertRecord, AlertState, Checkpoint, Message};
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt::Write as _;

pub mod binary;

/// A stream frame other than the snapshot and the deltas, tagged by `type`.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Frame<'a> {
    /// A conflict alert's lifecycle event.
    Alert {
        /// `raised`, `updated`, `cleared`.
        event: AlertState,
        /// The conflict view ([`conflict_json`]).
        conflict: Value,
    },
    /// A hotline message.
    Message {
        /// The message.
        message: &'a Message,
    },
    /// A reservation filed, changed, cancelled, or moved by time.
    Reservation {
        /// `filed`, `updated`, `cancelled`, `active`, `ended`.
        event: &'a str,
        /// The reservation at the time of the frame.
        reservation: ReservationDoc,
    },
    /// A request's step.
    Request {
        /// `created`, `accepted`, `declined`, `acknowledged`, `expired`.
        event: &'a str,
        /// The request at the time of the frame.
        request: RequestDoc,
    },
    /// An intrusion alert's event.
    Intrusion {
        /// `raised`, `updated`, `cleared`.
        event: &'a str,
        /// The intrusion.
        intrusion: &'a IntrusionRecord,
    },
    /// A position discrepancy's lifecycle event (to the aircraft's owner, the cell and
    /// observers).
    Discrepancy {
        /// `raised`, `updated`, `cleared`.
        event: DiscrepancyState,
        /// The discrepancy.
        discrepancy: &'a Discrepancy,
    },
    /// A safety-net region added by the cell.
    SafetyRegion {
        /// `added`.
        event: &'a str,
        /// The region.
        region: &'a SafetyRegion,
    },
    /// A safety-net region removed by the cell.
    #[serde(rename = "safety_region")]
    SafetyRegionRemoved {
        /// `removed`.
        event: &'a str,
        /// Its id.
        id: &'a str,
    },
    /// An exemption declared or withdrawn.
    Exemption {
        /// `declared`, `withdrawn`.
        event: &'a str,
        /// The exemption's API form.
        exemption: &'a Value,
    },
    /// A signed checkpoint of the audit log (`deconflict_store::Checkpoint`), every
    /// `audit.checkpoint_interval_s`, on demand, and after each snapshot.
    AuditCheckpoint {
        /// The checkpoint.
        checkpoint: &'a Checkpoint,
    },
}

impl Frame<'_> {
    /// The frame's JSON text.
    pub fn text(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "null".into())
    }
}

/// The API form of an alert (`Conflict` in docs/api.md): the record with its detail's members
/// (geometry, states at alert time) at the top level, and `warning` when its level is one.
pub fn conflict_json(a: &AlertRecord) -> Value {
    let mut v = json!({
        "id": a.id, "a": a.a, "b": a.b, "a_party": a.a_party, "b_party": a.b_party,
        "level": a.level, "warning": a.level >= WARNING_LEVEL, "state": a.state,
        "raised_at": a.raised_at, "updated_at": a.updated_at,
        "cleared_at": a.cleared_at, "acks": a.acks,
    });
    if let (Some(obj), Value::Object(d)) = (v.as_object_mut(), &a.detail) {
        for (k, val) in d {
            obj.insert(k.clone(), val.clone());
        }
    }
    v
}

/// [`conflict_json`] with `guidance`: the resolution guidance of those of its aircraft the
/// caller may see (`domain::guidance::of_conflict`), each a [`guidance_value`].
pub fn conflict_json_guided(a: &AlertRecord, guidance: &[&Value]) -> Value {
    let mut v = conflict_json(a);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("guidance".into(), json!(guidance));
    }
    v
}

/// One aircraft's guidance (`Guidance` in docs/api.md): the engine's report (bands, advice
/// naming its model) and `time`, when it was computed (seconds since the epoch).
pub fn guidance_value(report: &Report<'_>, time: f64) -> Value {
    let mut v = serde_json::to_value(report).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("time".into(), json!(time));
    }
    v
}

/// `{"type":"guidance","time":…,"upsert":[Guidance],"remove":["id",…]}`: the guidance a
/// viewer may see that was computed anew (pre-serialised) and the aircraft whose guidance
/// ended.
pub fn guidance_frame<'a>(
    time: f64,
    upsert: impl Iterator<Item = &'a str>,
    remove: &[&str],
) -> String {
    format!(
        "{{\"type\":\"guidance\",\"time\":{time},\"upsert\":{},\"remove\":{}}}",
        json_array(upsert),
        serde_json::to_string(remove).unwrap_or_else(|_| "[]".into())
    )
}

/// `{"type":"alert",…}`.
pub fn alert_frame(event: AlertState, a: &AlertRecord) -> String {
    Frame::Alert {
        event,
        conflict: conflict_json(a),
    }
    .text()
}

/// `{"type":"alerts","frames":[…]}`: the `alert` frames of one alert cycle a viewer may see,
/// in one message (a stream opened with `alerts=batched`): thousands of alerts raised in one
/// cycle are one message for the client to take, not thousands.
pub fn alerts_batch<'a>(frames: impl Iterator<Item = &'a str>) -> String {
    let mut s = String::from("{\"type\":\"alerts\",\"frames\":");
    push_json_array(&mut s, frames);
    s.push('}');
    s
}

/// `{"type":"alert_tracks","time":…,"tracks":[Track]}`: the current states of the aircraft in
/// a party's active alerts (pre-serialised track views).
pub fn alert_tracks<'a>(time: f64, tracks: impl Iterator<Item = &'a str>) -> String {
    format!(
        "{{\"type\":\"alert_tracks\",\"time\":{time},\"tracks\":{}}}",
        json_array(tracks)
    )
}

/// `{"type":"conflict_now","time":…,"conflicts":[ConflictNow]}`: the geometry now of the
/// active alerts a viewer may see (pre-serialised `domain::alerts::ConflictNow`), times from
/// `time`.
pub fn conflict_now_frame<'a>(time: f64, conflicts: impl Iterator<Item = &'a str>) -> String {
    format!(
        "{{\"type\":\"conflict_now\",\"time\":{time},\"conflicts\":{}}}",
        json_array(conflicts)
    )
}

/// `{"type":"audit_checkpoint","checkpoint":{seq, head_hash, time, public_key, signature}}`.
pub fn checkpoint_frame(checkpoint: &Checkpoint) -> String {
    Frame::AuditCheckpoint { checkpoint }.text()
}

/// `{"type":"message",…}`.
pub fn message_frame(m: &Message) -> String {
    Frame::Message { message: m }.text()
}

/// `{"type":"reservation",…}` with the reservation's state at `now`.
pub fn reservation_frame(event: &str, doc: &ReservationDoc, now: f64) -> String {
    Frame::Reservation {
        event,
        reservation: doc.at(now),
    }
    .text()
}

/// `{"type":"request",…}` with the request's state at `now`.
pub fn request_frame(event: &str, doc: &RequestDoc, now: f64) -> String {
    Frame::Request {
        event,
        request: doc.at(now),
    }
    .text()
}

/// `{"type":"intrusion",…}`.
pub fn intrusion_frame(event: &str, i: &IntrusionRecord) -> String {
    Frame::Intrusion {
        event,
        intrusion: i,
    }
    .text()
}

/// `{"type":"discrepancy","event":…,"discrepancy":{…}}`.
pub fn discrepancy_frame(d: &Discrepancy) -> String {
    Frame::Discrepancy {
        event: d.state,
        discrepancy: d,
    }
    .text()
}

/// Joins pre-serialised JSON values into an array.
pub fn json_array<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut s = String::new();
    push_json_array(&mut s, items);
    s
}

/// Appends pre-serialised JSON values to `out` as an array.
pub fn push_json_array<'a>(out: &mut String, items: impl Iterator<Item = &'a str>) {
    out.push('[');
    for (i, j) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(j);
    }
    out.push(']');
}

/// `{"time":…,"tracks":[…]}` of `GET /api/v1/tracks`.
pub fn tracks<'a>(time: f64, tracks: impl Iterator<Item = &'a PictureTrack>) -> String {
    format!(
        "{{\"time\":{time},\"tracks\":{}}}",
        json_array(tracks.map(|t| &*t.json))
    )
}

/// The picture as a GeoJSON `FeatureCollection` of points, the track views as properties.
pub fn picture_geojson<'a>(time: f64, tracks: impl Iterator<Item = &'a PictureTrack>) -> Value {
    let features: Vec<Value> = tracks
        .map(|t| {
            json!({
                "type": "Feature",
                "id": t.view.id,
                "geometry": { "type": "Point", "coordinates": [t.view.lon_deg, t.view.lat_deg] },
                "properties": t.view,
            })
        })
        .collect();
    json!({ "type": "FeatureCollection", "features": features, "time": time })
}

/// `{"type":"snapshot",…}`: the tracks, active conflicts (their API form) and intrusions a
/// client starts from.
pub fn snapshot<'a>(
    time: f64,
    tracks: impl Iterator<Item = &'a PictureTrack>,
    conflicts: &[Value],
    intrusions: &[IntrusionRecord],
) -> String {
    format!(
        "{{\"type\":\"snapshot\",\"time\":{time},\"tracks\":{},\"conflicts\":{},\"intrusions\":{}}}",
        json_array(tracks.map(|t| &*t.json)),
        serde_json::to_string(&conflicts).unwrap_or_else(|_| "[]".into()),
        serde_json::to_string(intrusions).unwrap_or_else(|_| "[]".into()),
    )
}

/// The snapshot of a binary stream (`encoding=binary`): `{"type":"snapshot",…,"tracks":[],
/// "tracks_encoding":"binary",…}` with its conflicts and intrusions; the tracks follow as a
/// binary message ([`binary::snapshot`]).
pub fn snapshot_binary_tracks(
    time: f64,
    conflicts: &[Value],
    intrusions: &[IntrusionRecord],
) -> String {
    format!(
        "{{\"type\":\"snapshot\",\"time\":{time},\"tracks\":[],\"tracks_encoding\":\"binary\",\"conflicts\":{},\"intrusions\":{}}}",
        serde_json::to_string(&conflicts).unwrap_or_else(|_| "[]".into()),
        serde_json::to_string(intrusions).unwrap_or_else(|_| "[]".into()),
    )
}

/// `{"type":"delta",…}`: tracks changed since the viewer's last frame (pre-serialised) and ids
/// no longer visible.
pub fn delta(time: f64, upserts: &[&str], removes: &[String]) -> String {
    let removes = serde_json::to_string(removes).unwrap_or_else(|_| "[]".into());
    // Sized once: at 100,000 aircraft the frame is tens of megabytes.
    let len = upserts.iter().map(|u| u.len() + 1).sum::<usize>() + removes.len() + 64;
    let mut s = String::with_capacity(len);
    let _ = write!(s, "{{\"type\":\"delta\",\"time\":{time},\"upsert\":");
    push_json_array(&mut s, upserts.iter().copied());
    s.push_str(",\"remove\":");
    s.push_str(&removes);
    s.push('}');
    s
}

/// An overlap of an import, with who gives way and the index of the imported reservation.
pub fn import_overlap(o: &ReservationOverlap, filer: &str, priority: u8, index: usize) -> Value {
    let mut v = serde_json::to_value(o).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("gives_way".into(), json!(gives_way(o, filer, priority)));
        obj.insert("import_index".into(), json!(index));
    }
    v
}

/// OpenAir airspaces that could not be imported: `[{"index", "name", "reason"}]`.
pub fn rejected_zones(rejected: &[OpenAirRejected]) -> Value {
    rejected
        .iter()
        .map(|r| json!({ "index": r.index, "name": r.name, "reason": r.reason }))
        .collect()
}

/// A position as `{"lat_deg", "lon_deg"}`.
pub fn latlon(lat_deg: f64, lon_deg: f64) -> Value {
    json!({ "lat_deg": lat_deg, "lon_deg": lon_deg })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn a_conflict_shows_its_detail_at_the_top_level_and_whether_it_is_a_warning() {
        let mut a = AlertRecord {
            id: "c-1-1".into(),
            a: "A".into(),
            b: "B".into(),
            a_party: Some("blue".into()),
            b_party: None,
            level: WARNING_LEVEL,
            state: AlertState::Raised,
            raised_at: 1.0,
            updated_at: 2.0,
            cleared_at: None,
            acks: BTreeMap::from([("blue".to_owned(), false)]),
            detail: json!({ "t_in_s": 30.0, "a_state": { "id": "A" } }),
        };
        let v = conflict_json(&a);
        assert_eq!(v["state"], "raised");
        assert_eq!(v["t_in_s"], 30.0);
        assert_eq!(v["a_state"]["id"], "A");
        assert_eq!(v["warning"], true);
        a.level = WARNING_LEVEL - 1;
        assert_eq!(conflict_json(&a)["warning"], false);
        let f: Value = serde_json::from_str(&alert_frame(AlertState::Cleared, &a)).unwrap();
        assert_eq!(
            (f["type"].as_str(), f["event"].as_str()),
            (Some("alert"), Some("cleared"))
        );
        assert_eq!(f["conflict"]["id"], "c-1-1");
    }

    #[test]
    fn frames_are_tagged_by_type() {
        let f: Value = serde_json::from_str(
            &Frame::SafetyRegionRemoved {
                event: "removed",
                id: "x1",
            }
            .text(),
        )
        .unwrap();
        assert_eq!(
            f,
            json!({ "type": "safety_region", "event": "removed", "id": "x1" })
        );
        let d: Value =
            serde_json::from_str(&delta(5.5, &["{\"id\":\"A\"}"], &["B".to_owned()])).unwrap();
        assert_eq!(
            d,
            json!({ "type": "delta", "time": 5.5, "upsert": [{ "id": "A" }], "remove": ["B"] })
        );
    }
}
