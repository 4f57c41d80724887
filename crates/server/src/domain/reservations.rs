//! Reservation rules: what a filing must hold, who gives way when reservations overlap, who may
//! change or cancel one, and the state a reservation is in at a time.
//!
//! - Priority decides who gives way: a filing over a higher-priority reservation is refused
//!   (the filer gives way); over lower-priority ones it needs a justification (the others give
//!   way); over equal priority it needs a justification and is allowed or refused by
//!   `strategic.equal_priority`.
//! - A reservation filed without overlaps is `accepted`; one filed over others with a
//!   justification is `proposed` (contested). Time moves either to `active` when its first
//!   volume starts and to `ended` when its last one ends.
//! - Reservations and zones are visible to every role (they are what deconfliction is about);
//!   only their owner changes or cancels them.

use crate::config::EqualPriority;
use crate::domain::text::{self, TextError};
use deconflict_airspace::volume::MAX_PRIORITY;
use deconflict_airspace::{
    time_span, validate_volumes, Purpose, Reservation, ReservationOverlap, ReservationState, Volume,
};
use deconflict_store::{RecordChange, RecordInput, StrategicRecord};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Longest reservation name, bytes.
pub const MAX_NAME_BYTES: usize = 200;
/// Longest justification, bytes.
pub const MAX_JUSTIFICATION_BYTES: usize = 4_000;
/// Most reservations or zones filed by one import.
pub const MAX_IMPORT: usize = 1_000;
/// Priority of a reservation filed without one.
pub const DEFAULT_PRIORITY: u8 = 5;
/// Priority of an imported hazard zone given without one (hazards do not give way).
pub const DEFAULT_ZONE_PRIORITY: u8 = MAX_PRIORITY;

/// Why a filing's content is refused (before any overlap is looked at).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InvalidFiling {
    /// The volumes are invalid.
    #[error("{0}")]
    Volumes(String),
    /// Priority out of range.
    #[error("priority {0} is out of range [0, {MAX_PRIORITY}]")]
    Priority(u8),
    /// Ends in the past.
    #[error("the reservation ends at {end}, which is in the past (now {now:.0})")]
    Past {
        /// Its end, UNIX s.
        end: f64,
        /// Now.
        now: f64,
    },
    /// Name too long.
    #[error("name is longer than {MAX_NAME_BYTES} bytes")]
    Name,
    /// Justification too long.
    #[error("justification is longer than {MAX_JUSTIFICATION_BYTES} bytes")]
    Justification,
    /// The name or justification holds a control or bidi character.
    #[error(transparent)]
    Text(#[from] TextError),
    /// Exclusions come only from accepted vacate requests.
    #[error("purpose \"exclusion\" is not filed: an exclusion is created when a party accepts a vacate request (POST /api/v1/requests/{{id}}/accept)")]
    Exclusion,
    /// Notice volumes are carried by notices.
    #[error("purpose \"notice\" is not filed: a notice carries its volumes and routes (POST /api/v1/requests with kind \"notice\")")]
    Notice,
}

/// Why a filing is refused because of what it overlaps. Carries the overlaps, each with the
/// party that gives way.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FilingError {
    /// It overlaps a reservation of higher priority: the filer gives way.
    #[error("overlaps {party}'s reservation {id} of higher priority ({theirs} > {ours}): change the volumes, altitudes or times to keep clear of it")]
    HigherPriority {
        /// The other owner.
        party: String,
        /// The other reservation.
        id: String,
        /// Its priority.
        theirs: u8,
        /// The filing's.
        ours: u8,
        /// Every overlap.
        overlaps: Vec<Overlap>,
    },
    /// Equal priority, and the cell refuses those.
    #[error("overlaps {party}'s reservation {id} of equal priority {priority}, which this cell refuses (strategic.equal_priority = \"refuse\"): change the volumes, altitudes or times")]
    EqualPriorityRefused {
        /// The other owner.
        party: String,
        /// The other reservation.
        id: String,
        /// The shared priority.
        priority: u8,
        /// Every overlap.
        overlaps: Vec<Overlap>,
    },
    /// Overlaps without a justification.
    #[error("{} overlap(s) with other parties' reservations ({}): change the request, or file over them with a justification", overlaps.len(), ids(overlaps))]
    Unjustified {
        /// Every overlap.
        overlaps: Vec<Overlap>,
    },
}

fn ids(o: &[Overlap]) -> String {
    o.iter()
        .map(|o| o.overlap.reservation_id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl FilingError {
    /// The overlaps behind the refusal.
    pub fn overlaps(&self) -> &[Overlap] {
        match self {
            FilingError::HigherPriority { overlaps, .. }
            | FilingError::EqualPriorityRefused { overlaps, .. }
            | FilingError::Unjustified { overlaps } => overlaps,
        }
    }
}

/// An overlap with another party's reservation, and who gives way.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Overlap {
    /// The airspace overlap.
    #[serde(flatten)]
    pub overlap: ReservationOverlap,
    /// The party that must give way; `None` at equal priority.
    pub gives_way: Option<String>,
}

/// Who gives way in an overlap between a filing of `filer` at `filer_priority` and `o`: the
/// lower priority; nobody named at equal priority.
pub fn gives_way(o: &ReservationOverlap, filer: &str, filer_priority: u8) -> Option<String> {
    match o.priority.cmp(&filer_priority) {
        std::cmp::Ordering::Greater => Some(filer.to_owned()),
        std::cmp::Ordering::Less => Some(o.party.clone()),
        std::cmp::Ordering::Equal => None,
    }
}

/// The overlaps of a filing, each with who gives way.
pub fn with_gives_way(overlaps: &[ReservationOverlap], filer: &str, priority: u8) -> Vec<Overlap> {
    overlaps
        .iter()
        .map(|o| Overlap {
            overlap: o.clone(),
            gives_way: gives_way(o, filer, priority),
        })
        .collect()
}

/// A filing after defaults, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Trimmed name (may be empty: a default is given at filing).
    pub name: String,
    /// Purpose.
    pub purpose: Purpose,
    /// Priority.
    pub priority: u8,
    /// Volumes.
    pub volumes: Vec<Volume>,
    /// Trimmed justification, `None` when blank.
    pub justification: Option<String>,
}

/// Checks volumes and priority of a filing at `now`.
///
/// # Errors
/// [`InvalidFiling`].
pub fn check_volumes(volumes: &[Volume], priority: u8, now: f64) -> Result<(), InvalidFiling> {
    validate_volumes(volumes).map_err(|e| InvalidFiling::Volumes(e.to_string()))?;
    if priority > MAX_PRIORITY {
        return Err(InvalidFiling::Priority(priority));
    }
    if let Some((_, end)) = time_span(volumes) {
        if end <= now {
            return Err(InvalidFiling::Past { end, now });
        }
    }
    Ok(())
}

impl Candidate {
    /// A validated filing.
    ///
    /// # Errors
    /// [`InvalidFiling`].
    pub fn new(
        name: Option<String>,
        purpose: Purpose,
        priority: u8,
        volumes: Vec<Volume>,
        justification: Option<String>,
        now: f64,
    ) -> Result<Candidate, InvalidFiling> {
        if purpose == Purpose::Exclusion {
            return Err(InvalidFiling::Exclusion);
        }
        if purpose == Purpose::Notice {
            return Err(InvalidFiling::Notice);
        }
        text::check_opt("name", name.as_deref(), text::Kind::Line)?;
        text::check_opt(
            "justification",
            justification.as_deref(),
            text::Kind::Multiline,
        )?;
        let name = name.unwrap_or_default().trim().to_owned();
        if name.len() > MAX_NAME_BYTES {
            return Err(InvalidFiling::Name);
        }
        let justification = justification
            .map(|j| j.trim().to_owned())
            .filter(|j| !j.is_empty());
        if justification
            .as_ref()
            .is_some_and(|j| j.len() > MAX_JUSTIFICATION_BYTES)
        {
            return Err(InvalidFiling::Justification);
        }
        check_volumes(&volumes, priority, now)?;
        Ok(Candidate {
            name,
            purpose,
            priority,
            volumes,
            justification,
        })
    }
}

/// The give-way decision: the state a filing of `filer` with `overlaps` is filed in —
/// `accepted` without overlaps, `proposed` over lower (or, when allowed, equal) priority with a
/// justification.
///
/// # Errors
/// [`FilingError`] when the filer must give way, when equal priority is refused, or when the
/// overlaps are not justified.
pub fn decide(
    overlaps: &[ReservationOverlap],
    c: &Candidate,
    filer: &str,
    equal_priority: EqualPriority,
) -> Result<ReservationState, FilingError> {
    if overlaps.is_empty() {
        return Ok(ReservationState::Accepted);
    }
    let list = || with_gives_way(overlaps, filer, c.priority);
    if let Some(o) = overlaps.iter().find(|o| o.priority > c.priority) {
        return Err(FilingError::HigherPriority {
            party: o.party.clone(),
            id: o.reservation_id.clone(),
            theirs: o.priority,
            ours: c.priority,
            overlaps: list(),
        });
    }
    if equal_priority == EqualPriority::Refuse {
        if let Some(o) = overlaps.iter().find(|o| o.priority == c.priority) {
            return Err(FilingError::EqualPriorityRefused {
                party: o.party.clone(),
                id: o.reservation_id.clone(),
                priority: o.priority,
                overlaps: list(),
            });
        }
    }
    if c.justification.is_none() {
        return Err(FilingError::Unjustified { overlaps: list() });
    }
    Ok(ReservationState::Proposed)
}

/// The overlaps that hold up a change of reservation `id`: all of them, except — when the
/// change keeps the volumes — those of reservations filed over this one knowingly (with a
/// justification), given by `filed_over_this`.
pub fn blocking_change(
    overlaps: &[ReservationOverlap],
    same_volumes: bool,
    filed_over_this: impl Fn(&str) -> bool,
) -> Vec<ReservationOverlap> {
    overlaps
        .iter()
        .filter(|o| !(same_volumes && filed_over_this(&o.reservation_id)))
        .cloned()
        .collect()
}

/// The ids a filing was filed over.
pub fn filed_over(overlaps: &[ReservationOverlap]) -> Vec<String> {
    let mut ids: Vec<String> = overlaps.iter().map(|o| o.reservation_id.clone()).collect();
    ids.dedup();
    ids
}

/// The word for a purpose in default names.
pub fn purpose_word(p: Purpose) -> &'static str {
    match p {
        Purpose::Operation => "operation",
        Purpose::Training => "training",
        Purpose::Hazard => "hazard",
        Purpose::Closure => "closure",
        Purpose::Exclusion => "exclusion",
        Purpose::Notice => "notice",
    }
}

/// Why a change or cancel is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChangeError {
    /// Not the owner.
    #[error("only {owner} (its owner) may change or cancel reservation {id}")]
    NotOwner {
        /// The owner.
        owner: String,
        /// The reservation.
        id: String,
    },
    /// The caller's version is not the current one.
    #[error("reservation {id} is at version {current}, not {given}; reload it and apply the change again")]
    Stale {
        /// The reservation.
        id: String,
        /// The current version.
        current: i64,
        /// The version given.
        given: i64,
    },
    /// Over or cancelled.
    #[error("reservation {id} is {state}; file a new one instead")]
    NotLive {
        /// The reservation.
        id: String,
        /// Its state.
        state: &'static str,
        /// Its version.
        current: i64,
    },
}

/// Whether `party` may change `doc` at `version` at `now`: its owner, at the current version,
/// while it is live.
///
/// # Errors
/// [`ChangeError`].
pub fn may_change(
    doc: &ReservationDoc,
    party: &str,
    version: i64,
    now: f64,
) -> Result<(), ChangeError> {
    if doc.party != party {
        return Err(ChangeError::NotOwner {
            owner: doc.party.clone(),
            id: doc.id.clone(),
        });
    }
    if doc.version != version {
        return Err(ChangeError::Stale {
            id: doc.id.clone(),
            current: doc.version,
            given: version,
        });
    }
    let state = doc.state_at(now);
    if !state.is_live() {
        return Err(ChangeError::NotLive {
            id: doc.id.clone(),
            state: state_word(state),
            current: doc.version,
        });
    }
    Ok(())
}

/// The lowercase word of a state.
pub fn state_word(s: ReservationState) -> &'static str {
    match s {
        ReservationState::Proposed => "proposed",
        ReservationState::Accepted => "accepted",
        ReservationState::Active => "active",
        ReservationState::Ended => "ended",
        ReservationState::Cancelled => "cancelled",
    }
}

/// Where an imported reservation came from (a JSON object such as
/// `{"format":"geojson","feature":3}`), kept as its compact JSON text: parsed, a small object is
/// a map node of about 600 bytes, and a cell keeps one per imported reservation. It reads and
/// writes as the JSON value it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSource(Box<str>);

impl ImportSource {
    /// The value's compact JSON text.
    pub fn new(value: &Value) -> ImportSource {
        ImportSource(value.to_string().into_boxed_str())
    }

    /// The value it holds.
    pub fn value(&self) -> Value {
        // The text was written from a `Value`, so it parses back to the same one.
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }
}

impl Serialize for ImportSource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value().serialize(s)
    }
}

impl<'de> Deserialize<'de> for ImportSource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ImportSource, D::Error> {
        Value::deserialize(d).map(|v| ImportSource::new(&v))
    }
}

/// A reservation as the API shows it (`Reservation` in docs/api.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = Reservation)]
pub struct ReservationDoc {
    /// `r-<n>`.
    #[serde(default)]
    pub id: String,
    /// Owner.
    pub party: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Operation, training, hazard or closure.
    pub purpose: Purpose,
    /// 0 (lowest) to 10.
    pub priority: u8,
    /// Stored state; the shown state is [`ReservationDoc::state_at`].
    pub state: ReservationState,
    /// Optimistic version.
    #[serde(default)]
    pub version: i64,
    /// Volumes.
    pub volumes: Vec<Volume>,
    /// Why it was filed over other reservations.
    #[serde(default)]
    pub justification: Option<String>,
    /// Reservations it was filed over (at its last filing or change).
    #[serde(default)]
    pub filed_over: Vec<String>,
    /// Where it came from when imported (`openair`, `geojson`, `volume4d`), with details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub source: Option<ImportSource>,
    /// UNIX s.
    #[serde(default)]
    pub created_at: f64,
    /// UNIX s.
    #[serde(default)]
    pub updated_at: f64,
    /// For an exclusion (purpose `exclusion`): the vacate request it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusion: Option<ExclusionLink>,
}

/// What an exclusion is bound to: the accepted vacate request, the party that agreed to keep
/// out, and from when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExclusionLink {
    /// The vacate request (`q-<n>`).
    pub request_id: String,
    /// The party that accepted it: only its aircraft are watched.
    pub watch_party: String,
    /// From when its aircraft must be out, UNIX s (the request's volume start, or the
    /// acceptance if later).
    pub deadline: f64,
}

impl ReservationDoc {
    /// The state at `now`.
    pub fn state_at(&self, now: f64) -> ReservationState {
        self.state.at_time(&self.volumes, now)
    }

    /// A new filing by `party` of `cand` in `state` over `overlaps`, from `source` (imports);
    /// a blank name becomes `default_name`. Its id, version and times are the store's.
    pub fn filing(
        party: &str,
        cand: Candidate,
        default_name: impl FnOnce() -> String,
        state: ReservationState,
        overlaps: &[ReservationOverlap],
        source: Option<Value>,
    ) -> ReservationDoc {
        ReservationDoc {
            id: String::new(),
            party: party.to_owned(),
            name: if cand.name.is_empty() {
                default_name()
            } else {
                cand.name
            },
            purpose: cand.purpose,
            priority: cand.priority,
            state,
            version: 0,
            volumes: cand.volumes,
            justification: cand.justification,
            filed_over: filed_over(overlaps),
            source: source.as_ref().map(ImportSource::new),
            created_at: 0.0,
            updated_at: 0.0,
            exclusion: None,
        }
    }

    /// The document as shown at `now` (its state at that time).
    pub fn at(&self, now: f64) -> ReservationDoc {
        ReservationDoc {
            state: self.state_at(now),
            ..self.clone()
        }
    }

    /// The API JSON, with the state at `now`.
    pub fn json_at(&self, now: f64) -> Value {
        serde_json::to_value(self.at(now)).unwrap_or(Value::Null)
    }

    /// What the store keeps of a new reservation: the owner and state it indexes, and the
    /// document.
    ///
    /// # Errors
    /// The document does not encode.
    pub fn to_record(&self) -> serde_json::Result<RecordInput> {
        Ok(RecordInput {
            party: self.party.clone(),
            state: state_word(self.state).to_owned(),
            body: serde_json::to_value(self)?,
        })
    }

    /// A change of a stored reservation for the store: its state and document.
    ///
    /// # Errors
    /// The document does not encode.
    pub fn to_change(&self) -> serde_json::Result<RecordChange> {
        Ok(RecordChange {
            state: state_word(self.state).to_owned(),
            body: serde_json::to_value(self)?,
        })
    }

    /// The document of a stored reservation, with the id, version and times the store
    /// assigned.
    ///
    /// # Errors
    /// The stored document does not read.
    pub fn from_record(rec: StrategicRecord) -> serde_json::Result<ReservationDoc> {
        let doc: ReservationDoc = serde_json::from_value(rec.body)?;
        Ok(ReservationDoc {
            id: rec.id,
            version: rec.version,
            created_at: rec.created_at,
            updated_at: rec.updated_at,
            ..doc
        })
    }

    /// What the geometry index needs.
    pub fn core(&self, now: f64) -> Reservation {
        Reservation {
            id: self.id.clone(),
            party: self.party.clone(),
            purpose: self.purpose,
            priority: self.priority,
            state: self.state_at(now),
            volumes: self.volumes.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deconflict_airspace::{LatLon, Shape};

    fn volume(start: f64, end: f64) -> Volume {
        Volume {
            shape: Shape::Circle {
                center: LatLon {
                    lat_deg: 36.0,
                    lon_deg: 37.0,
                },
                radius_m: 10_000.0,
            },
            lower_ft: 0.0,
            upper_ft: 20_000.0,
            start_time: start,
            end_time: end,
        }
    }

    fn over(id: &str, party: &str, priority: u8) -> ReservationOverlap {
        ReservationOverlap {
            reservation_id: id.into(),
            party: party.into(),
            priority,
            purpose: Purpose::Operation,
            overlap: deconflict_airspace::Overlap {
                volume_index: 0,
                other_volume_index: 0,
                area_m2: 1.0e6,
                lower_ft: 0.0,
                upper_ft: 10_000.0,
                start_time: 0.0,
                end_time: 100.0,
                geometry: deconflict_airspace::GeoJsonGeometry::Polygon {
                    coordinates: vec![],
                },
            },
        }
    }

    fn cand(priority: u8, justification: Option<&str>) -> Candidate {
        Candidate::new(
            None,
            Purpose::Operation,
            priority,
            vec![volume(100.0, 200.0)],
            justification.map(str::to_owned),
            50.0,
        )
        .unwrap()
    }

    #[test]
    fn without_overlaps_a_filing_is_accepted() {
        assert_eq!(
            decide(&[], &cand(5, None), "red", EqualPriority::Refuse),
            Ok(ReservationState::Accepted)
        );
    }

    #[test]
    fn the_lower_priority_gives_way() {
        // Over a higher priority: refused whatever the justification; the filer gives way.
        let higher = [over("r-1", "blue", 7)];
        let e = decide(
            &higher,
            &cand(5, Some("urgent")),
            "red",
            EqualPriority::Allow,
        )
        .unwrap_err();
        assert!(matches!(
            e,
            FilingError::HigherPriority {
                theirs: 7,
                ours: 5,
                ..
            }
        ));
        assert_eq!(e.overlaps()[0].gives_way.as_deref(), Some("red"));
        assert!(e
            .to_string()
            .contains("blue's reservation r-1 of higher priority (7 > 5)"));
        // Over a lower priority: needs a justification; the other party gives way.
        let lower = [over("r-2", "blue", 3)];
        let e = decide(&lower, &cand(5, None), "red", EqualPriority::Allow).unwrap_err();
        assert!(matches!(e, FilingError::Unjustified { .. }));
        assert_eq!(e.overlaps()[0].gives_way.as_deref(), Some("blue"));
        assert_eq!(
            decide(&lower, &cand(5, Some("fire")), "red", EqualPriority::Allow),
            Ok(ReservationState::Proposed)
        );
    }

    #[test]
    fn equal_priority_follows_the_cell_setting() {
        let equal = [over("r-3", "blue", 5)];
        assert_eq!(
            decide(
                &equal,
                &cand(5, Some("shared")),
                "red",
                EqualPriority::Allow
            ),
            Ok(ReservationState::Proposed)
        );
        let e = decide(
            &equal,
            &cand(5, Some("shared")),
            "red",
            EqualPriority::Refuse,
        )
        .unwrap_err();
        assert!(matches!(
            e,
            FilingError::EqualPriorityRefused { priority: 5, .. }
        ));
        assert_eq!(e.overlaps()[0].gives_way, None);
        assert!(e.to_string().contains("strategic.equal_priority"));
    }

    #[test]
    fn a_blank_justification_is_none() {
        assert_eq!(cand(5, Some("   ")).justification, None);
        let e = decide(
            &[over("r-2", "blue", 1)],
            &cand(5, Some(" ")),
            "red",
            EqualPriority::Allow,
        );
        assert!(matches!(e, Err(FilingError::Unjustified { .. })));
    }

    #[test]
    fn filings_are_checked_before_overlaps() {
        let v = || vec![volume(100.0, 200.0)];
        assert_eq!(
            Candidate::new(None, Purpose::Operation, 11, v(), None, 50.0),
            Err(InvalidFiling::Priority(11))
        );
        assert!(matches!(
            Candidate::new(None, Purpose::Operation, 5, v(), None, 300.0),
            Err(InvalidFiling::Past { .. })
        ));
        assert_eq!(
            Candidate::new(
                Some("x".repeat(201)),
                Purpose::Operation,
                5,
                v(),
                None,
                50.0
            ),
            Err(InvalidFiling::Name)
        );
        assert!(matches!(
            Candidate::new(None, Purpose::Operation, 5, vec![], None, 50.0),
            Err(InvalidFiling::Volumes(_))
        ));
    }

    #[test]
    fn a_change_keeping_its_volumes_is_not_held_up_by_knowing_filers() {
        let overlaps = [over("r-5", "blue", 3), over("r-6", "green", 3)];
        let filed_over_this = |id: &str| id == "r-5";
        assert_eq!(blocking_change(&overlaps, true, filed_over_this).len(), 1);
        assert_eq!(blocking_change(&overlaps, false, filed_over_this).len(), 2);
    }

    fn doc(party: &str, version: i64, state: ReservationState) -> ReservationDoc {
        ReservationDoc {
            id: "r-1".into(),
            party: party.into(),
            name: "n".into(),
            purpose: Purpose::Operation,
            priority: 5,
            state,
            version,
            volumes: vec![volume(100.0, 200.0)],
            justification: None,
            filed_over: vec![],
            source: None,
            created_at: 0.0,
            updated_at: 0.0,
            exclusion: None,
        }
    }

    #[test]
    fn only_the_owner_changes_a_live_reservation_at_its_version() {
        let d = doc("blue", 3, ReservationState::Accepted);
        assert_eq!(may_change(&d, "blue", 3, 50.0), Ok(()));
        assert!(matches!(
            may_change(&d, "red", 3, 50.0),
            Err(ChangeError::NotOwner { .. })
        ));
        assert!(matches!(
            may_change(&d, "blue", 2, 50.0),
            Err(ChangeError::Stale {
                current: 3,
                given: 2,
                ..
            })
        ));
        // Over at its end: time moves it to ended.
        assert!(matches!(
            may_change(&d, "blue", 3, 250.0),
            Err(ChangeError::NotLive { state: "ended", .. })
        ));
        let c = doc("blue", 3, ReservationState::Cancelled);
        assert!(matches!(
            may_change(&c, "blue", 3, 50.0),
            Err(ChangeError::NotLive {
                state: "cancelled",
                ..
            })
        ));
    }

    #[test]
    fn names_and_justifications_obey_the_free_text_rule() {
        let v = || vec![volume(100.0, 200.0)];
        let file = |name: &str, just: &str| {
            Candidate::new(
                Some(name.into()),
                Purpose::Operation,
                5,
                v(),
                Some(just.into()),
                50.0,
            )
        };
        assert!(file("Zürich TMA", "line 1\nline 2").is_ok());
        let e = file("Ops \u{202E}A", "x").unwrap_err();
        assert!(matches!(e, InvalidFiling::Text(_)), "{e:?}");
        assert!(e
            .to_string()
            .starts_with("name contains the bidirectional control U+202E"));
        let e = file("Ops", "x\u{0}").unwrap_err();
        assert!(e
            .to_string()
            .starts_with("justification contains the control character U+0000"));
    }

    #[test]
    fn an_import_source_reads_and_writes_as_the_object_it_holds() {
        let source = serde_json::json!({"format": "openair", "class": "R", "type": null, "name": "EGR 123 \"x\"", "line": 40});
        let mut d = doc("blue", 1, ReservationState::Active);
        d.source = Some(ImportSource::new(&source));
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(v["source"], source);
        // Through the text form the store keeps, and through a parsed value, unchanged.
        let text = serde_json::to_string(&d).unwrap();
        let back: ReservationDoc = serde_json::from_str(&text).unwrap();
        assert_eq!(back, d);
        assert_eq!(serde_json::from_value::<ReservationDoc>(v).unwrap(), d);
        // Absent stays absent.
        let plain = serde_json::to_value(doc("blue", 1, ReservationState::Active)).unwrap();
        assert!(plain.get("source").is_none());
    }
}
