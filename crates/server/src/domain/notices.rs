//! Advance notices of operations as airspace: the volumes a notice announces (its own volumes
//! and the corridors of its planned routes), who it concerns, and the advisories it gives.
//!
//! - A notice is watched from when it is sent until its last volume ends. Its volumes are not
//!   filed: they refuse nothing and give way to nothing (the sender files a reservation when
//!   it wants a claim); they inform.
//! - Its *recipients* are its addressee, or every party but the sender when it is sent to
//!   everyone (`to: null`). Civil traffic and the sender's own aircraft are not concerned.
//! - A recipient's live aircraft predicted to cross a notice volume within the intrusion
//!   look-ahead gets an intrusion alert with purpose `notice` at the advisory level only
//!   ([`deconflict_airspace::IntrusionAlerts::level_for`]), to that party (and the cell and
//!   observers) only: a notice claims no airspace, so its sender learns nothing of the
//!   recipients' aircraft through it.
//! - A recipient's live reservation crossing a notice volume is listed on the notice as a
//!   [`NoticeCrossing`] (advisory): when either is filed or changed, both parties see it.

use crate::domain::requests::{NoticeCrossing, RequestDoc, RequestKind};
use deconflict_airspace::{
    IntrusionPrediction, Purpose, Reservation, ReservationIndex, ReservationState, Volume,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// Every volume a notice announces: its own volumes, then its routes' corridors.
pub fn volumes_of(d: &RequestDoc) -> Vec<Volume> {
    d.volumes.iter().chain(&d.route_volumes).cloned().collect()
}

/// When its last volume ends (`None`: it has none).
pub fn end_of(d: &RequestDoc) -> Option<f64> {
    d.volumes
        .iter()
        .chain(&d.route_volumes)
        .map(|v| v.end_time)
        .reduce(f64::max)
}

/// Whether `d` is a notice with airspace of its own, watched at `now` (its last volume has
/// not ended; an expired notice still informs until then).
pub fn watched(d: &RequestDoc, now: f64) -> bool {
    d.kind == RequestKind::Notice && end_of(d).is_some_and(|e| e > now)
}

/// Whether `party` is one of the notice's recipients.
pub fn is_recipient(d: &RequestDoc, party: &str) -> bool {
    party != d.from && d.to.as_deref().is_none_or(|to| to == party)
}

/// The notice as the intrusion detector watches it: a reservation of the sender with purpose
/// [`Purpose::Notice`], the notice's id and every volume it announces. `None` when it has
/// none or they are over.
pub fn core(d: &RequestDoc, now: f64) -> Option<Reservation> {
    watched(d, now).then(|| Reservation {
        id: d.id.clone(),
        party: d.from.clone(),
        purpose: Purpose::Notice,
        priority: 0,
        state: ReservationState::Active,
        volumes: volumes_of(d),
    })
}

/// A notice that a filing's volumes cross (`NoticeAdvisory` in docs/api.md): advisory, never
/// a refusal. In `overlaps`, `volume_index` is the filing's volume and `other_volume_index`
/// the notice's.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NoticeAdvisory {
    /// The notice, `q-<n>`.
    pub request_id: String,
    /// Its sender.
    pub from: String,
    /// What it is called ([`name_of`]).
    pub name: String,
    /// Where and when the filing crosses it (only what is still to come).
    pub overlaps: Vec<deconflict_airspace::Overlap>,
}

/// The advisory for a filing of `party` with `volumes` against notice `d` at `now`: `None`
/// when `party` is not a recipient, the notice is not watched or nothing still to come
/// crosses.
pub fn advisory(
    d: &RequestDoc,
    party: &str,
    volumes: &[Volume],
    now: f64,
) -> Option<NoticeAdvisory> {
    if !watched(d, now) || !is_recipient(d, party) {
        return None;
    }
    let overlaps: Vec<_> = deconflict_airspace::overlaps(volumes, &volumes_of(d))
        .ok()?
        .into_iter()
        .filter(|o| o.end_time > now)
        .collect();
    (!overlaps.is_empty()).then(|| NoticeAdvisory {
        request_id: d.id.clone(),
        from: d.from.clone(),
        name: name_of(d),
        overlaps,
    })
}

/// Longest message excerpt in a notice's name, characters.
pub const NAME_EXCERPT_CHARS: usize = 60;

/// What a notice is called where its volumes are named (intrusions on it): "notice q-5:
/// <the message's first line, cut at [`NAME_EXCERPT_CHARS`]>".
pub fn name_of(d: &RequestDoc) -> String {
    let first = d.message.lines().next().unwrap_or("").trim();
    let mut excerpt: String = first.chars().take(NAME_EXCERPT_CHARS).collect();
    if first.chars().count() > NAME_EXCERPT_CHARS {
        excerpt.push('…');
    }
    if excerpt.is_empty() {
        format!("notice {}", d.id)
    } else {
        format!("notice {}: {excerpt}", d.id)
    }
}

/// Watched notices by id: `(sender, addressee)`.
pub type Watches = BTreeMap<String, (String, Option<String>)>;

/// The notices among `docs` watched at `now`.
pub fn watches<'a>(docs: impl IntoIterator<Item = &'a RequestDoc>, now: f64) -> Watches {
    docs.into_iter()
        .filter(|d| watched(d, now))
        .map(|d| (d.id.clone(), (d.from.clone(), d.to.clone())))
        .collect()
}

/// Keeps, for a notice's volumes, only the predictions of its recipients' aircraft (the
/// detector already left out the sender's own).
pub fn narrow(predictions: &mut Vec<IntrusionPrediction>, w: &Watches) {
    predictions.retain(|p| {
        if p.purpose != Purpose::Notice {
            return true;
        }
        let Some((from, to)) = w.get(&p.reservation_id) else {
            return false;
        };
        match p.track_party.as_deref() {
            None => false,
            Some(party) => party != from && to.as_deref().is_none_or(|t| t == party),
        }
    });
}

/// The recipients' live reservations crossing notice `d` at `now`, from `index` (the cell's
/// reservations), with their names from `name_of`.
pub fn crossings(
    d: &RequestDoc,
    index: &ReservationIndex,
    name_of: impl Fn(&str) -> Option<String>,
    now: f64,
) -> Vec<NoticeCrossing> {
    if !watched(d, now) {
        return Vec::new();
    }
    let volumes = volumes_of(d);
    // Only the parts still to come count: a crossing that is over informs nobody.
    let found = index.query_overlaps(&volumes, |r| {
        is_recipient(d, &r.party)
            && r.state.is_live()
            && !matches!(r.purpose, Purpose::Notice | Purpose::Exclusion)
    });
    found
        .unwrap_or_default()
        .into_iter()
        .filter(|o| o.overlap.end_time > now)
        .map(|o| NoticeCrossing {
            name: name_of(&o.reservation_id),
            overlap: o,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use deconflict_airspace::{EntryPoint, Shape};

    fn square(lon0: f64, lower_ft: f64, upper_ft: f64, start: f64, end: f64) -> Volume {
        Volume {
            shape: Shape::Polygon {
                coordinates: vec![
                    [lon0, 48.0],
                    [lon0 + 0.2, 48.0],
                    [lon0 + 0.2, 48.2],
                    [lon0, 48.2],
                ],
            },
            lower_ft,
            upper_ft,
            start_time: start,
            end_time: end,
        }
    }

    fn notice(to: Option<&str>, volumes: Vec<Volume>) -> RequestDoc {
        let mut d: RequestDoc = serde_json::from_value(serde_json::json!({
            "id": "q-7", "kind": "notice", "from": "red", "to": to, "reservation_id": null,
            "volume": null, "message": "exercise", "state": "pending", "reason": null,
            "expires_at": 5000.0, "answered_at": null
        }))
        .unwrap();
        d.volumes = volumes;
        d
    }

    fn reservation(id: &str, party: &str, v: Volume) -> Reservation {
        Reservation {
            id: id.into(),
            party: party.into(),
            purpose: Purpose::Operation,
            priority: 5,
            state: ReservationState::Accepted,
            volumes: vec![v],
        }
    }

    fn prediction(
        track_party: Option<&str>,
        reservation_id: &str,
        purpose: Purpose,
    ) -> IntrusionPrediction {
        IntrusionPrediction {
            track_id: "AAA001".into(),
            track_party: track_party.map(Into::into),
            reservation_id: reservation_id.into(),
            volume_party: "red".into(),
            purpose,
            volume_index: 0,
            time_to_entry_s: 30.0,
            inside_now: false,
            entry_point: EntryPoint {
                lat_deg: 48.0,
                lon_deg: 2.0,
                alt_ft: 10_000.0,
            },
        }
    }

    #[test]
    fn a_notice_is_named_by_its_id_and_its_messages_first_line() {
        let mut d = notice(None, vec![]);
        assert_eq!(name_of(&d), "notice q-7: exercise");
        d.message = format!("{}\nsecond line", "x".repeat(70));
        assert_eq!(name_of(&d), format!("notice q-7: {}…", "x".repeat(60)));
        d.message.clear();
        assert_eq!(name_of(&d), "notice q-7");
    }

    #[test]
    fn recipients_are_the_addressee_or_everyone_but_the_sender() {
        let to_blue = notice(Some("blue"), vec![]);
        assert!(is_recipient(&to_blue, "blue"));
        assert!(!is_recipient(&to_blue, "green") && !is_recipient(&to_blue, "red"));
        let to_all = notice(None, vec![]);
        assert!(is_recipient(&to_all, "blue") && is_recipient(&to_all, "green"));
        assert!(!is_recipient(&to_all, "red"));
    }

    #[test]
    fn a_notice_is_watched_until_its_last_volume_ends() {
        let d = notice(
            None,
            vec![
                square(2.0, 0.0, 10_000.0, 100.0, 200.0),
                square(3.0, 0.0, 10_000.0, 100.0, 900.0),
            ],
        );
        assert!(watched(&d, 0.0) && watched(&d, 899.0));
        assert!(!watched(&d, 900.0));
        assert_eq!(core(&d, 10.0).unwrap().volumes.len(), 2);
        assert!(core(&d, 900.0).is_none());
        assert!(
            !watched(&notice(None, vec![]), 0.0),
            "a notice of a reservation only has no airspace of its own"
        );
    }

    #[test]
    fn only_recipients_aircraft_get_notice_advisories() {
        let w: Watches = [(
            "q-7".to_string(),
            ("red".to_string(), Some("blue".to_string())),
        )]
        .into();
        let mut p = vec![
            prediction(Some("blue"), "q-7", Purpose::Notice),
            prediction(Some("green"), "q-7", Purpose::Notice),
            prediction(None, "q-7", Purpose::Notice),
            prediction(Some("blue"), "q-8", Purpose::Notice),
            prediction(None, "r-1", Purpose::Operation),
        ];
        narrow(&mut p, &w);
        let kept: Vec<_> = p
            .iter()
            .map(|p| (p.track_party.as_deref(), p.reservation_id.as_str()))
            .collect();
        assert_eq!(
            kept,
            [(Some("blue"), "q-7"), (None, "r-1")],
            "a notice no longer watched gives nothing"
        );
    }

    #[test]
    fn a_recipients_reservation_crossing_the_notice_is_listed_with_where_and_when() {
        let mut index = ReservationIndex::new();
        // blue's overlaps half the notice in space and part of it in time; green's is not a
        // recipient's (the notice is to blue); red's is the sender's own; blue's other is above.
        index
            .insert(reservation(
                "r-1",
                "blue",
                square(2.1, 5_000.0, 15_000.0, 500.0, 2_000.0),
            ))
            .unwrap();
        index
            .insert(reservation(
                "r-2",
                "green",
                square(2.1, 5_000.0, 15_000.0, 500.0, 2_000.0),
            ))
            .unwrap();
        index
            .insert(reservation(
                "r-3",
                "red",
                square(2.1, 5_000.0, 15_000.0, 500.0, 2_000.0),
            ))
            .unwrap();
        index
            .insert(reservation(
                "r-4",
                "blue",
                square(2.1, 20_000.0, 25_000.0, 500.0, 2_000.0),
            ))
            .unwrap();
        let d = notice(Some("blue"), vec![square(2.0, 0.0, 10_000.0, 0.0, 1_000.0)]);
        let found = crossings(&d, &index, |id| Some(format!("name of {id}")), 100.0);
        assert_eq!(found.len(), 1, "{found:?}");
        let c = &found[0];
        assert_eq!(
            (c.overlap.reservation_id.as_str(), c.overlap.party.as_str()),
            ("r-1", "blue")
        );
        assert_eq!(c.name.as_deref(), Some("name of r-1"));
        assert_eq!(
            (c.overlap.overlap.lower_ft, c.overlap.overlap.upper_ft),
            (5_000.0, 10_000.0)
        );
        assert_eq!(
            (c.overlap.overlap.start_time, c.overlap.overlap.end_time),
            (500.0, 1_000.0)
        );
        // To everyone: green's too. Once the common window is over: nothing.
        let all = notice(None, d.volumes.clone());
        assert_eq!(crossings(&all, &index, |_| None, 100.0).len(), 2);
        assert!(crossings(&all, &index, |_| None, 1_000.0).is_empty());
        // The same seen from a filing: blue's volume crossing the notice is an advisory with
        // the common band and window; red (the sender) and an over window get none.
        let a = advisory(
            &d,
            "blue",
            &[square(2.1, 5_000.0, 15_000.0, 500.0, 2_000.0)],
            100.0,
        )
        .unwrap();
        assert_eq!(
            (a.request_id.as_str(), a.from.as_str(), a.name.as_str()),
            ("q-7", "red", "notice q-7: exercise")
        );
        assert_eq!(
            (a.overlaps[0].lower_ft, a.overlaps[0].end_time),
            (5_000.0, 1_000.0)
        );
        assert!(advisory(
            &d,
            "red",
            &[square(2.1, 5_000.0, 15_000.0, 500.0, 2_000.0)],
            100.0
        )
        .is_none());
        assert!(advisory(
            &d,
            "blue",
            &[square(2.1, 5_000.0, 15_000.0, 500.0, 2_000.0)],
            1_000.0
        )
        .is_none());
    }
}
