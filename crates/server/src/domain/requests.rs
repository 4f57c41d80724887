//! Vacate requests and advance notices: what a new request must hold, the answer state
//! machine and expiry.
//!
//! - Vacate: A asks B to keep its aircraft out of a volume for a time window, with a message;
//!   only B accepts or declines (a decline needs a reason); after `expires_at` an unanswered
//!   request is `expired`.
//! - Notice: A tells B, or everyone (`to: null`), of an operation: one of A's own reservations
//!   (`reservation_id`), and/or the operation's own 4D volumes (`volumes`) and planned routes
//!   (`routes`, checked as corridors: `route_volumes`); the addressees acknowledge. A notice to
//!   everyone is `acknowledged` once every other party (role `party`) has acknowledged it;
//!   `acks` lists who did. Its volumes give advisories (`domain::notices`).
//!
//! A party sees the requests it sent, those addressed to it and those to everyone; the cell
//! and observers see all.

use crate::domain::policy::addressed_visible;
use crate::domain::reservations::ReservationDoc;
use crate::domain::text::{self, TextError};
use deconflict_airspace::volume::MAX_VOLUMES;
use deconflict_airspace::{time_span, validate_volumes, PlannedRoute, Volume};
use deconflict_store::{RecordChange, RecordInput, Role, StrategicRecord};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Longest message or reason, bytes.
pub const MAX_TEXT_BYTES: usize = 4_000;

/// What a request asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RequestKind {
    /// Keep out of a volume.
    Vacate,
    /// Advance notice of an operation.
    Notice,
}

/// Where a request is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RequestState {
    /// Not answered yet.
    Pending,
    /// Vacate accepted by the addressee.
    Accepted,
    /// Vacate declined by the addressee, with a reason.
    Declined,
    /// Not answered before `expires_at`.
    Expired,
    /// Notice acknowledged.
    Acknowledged,
}

/// A recipient's reservation crossing a notice (`NoticeCrossing` in docs/api.md):
/// `volume_index` is the notice's volume (its own volumes, then its route legs),
/// `other_volume_index` the reservation's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeCrossing {
    /// The reservation and where and when it crosses.
    #[serde(flatten)]
    pub overlap: deconflict_airspace::ReservationOverlap,
    /// The reservation's name.
    #[serde(default)]
    pub name: Option<String>,
}

/// A request as the API shows it (`Request` in docs/api.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = Request)]
pub struct RequestDoc {
    /// `q-<n>`.
    #[serde(default)]
    pub id: String,
    /// Vacate or notice.
    pub kind: RequestKind,
    /// Sender.
    pub from: String,
    /// Addressee; `None` = every party.
    pub to: Option<String>,
    /// Linked reservation (the sender's).
    pub reservation_id: Option<String>,
    /// The volume to keep out of (vacate).
    pub volume: Option<Volume>,
    /// Free text.
    pub message: String,
    /// Stored state; the shown state is [`RequestDoc::state_at`].
    pub state: RequestState,
    /// Reason given with the answer.
    pub reason: Option<String>,
    /// UNIX s.
    pub expires_at: f64,
    /// UNIX s.
    #[serde(default)]
    pub created_at: f64,
    /// UNIX s.
    #[serde(default)]
    pub updated_at: f64,
    /// When answered, UNIX s.
    pub answered_at: Option<f64>,
    /// Who answered.
    #[serde(default)]
    pub answered_by: Option<String>,
    /// Parties that acknowledged (notices).
    #[serde(default)]
    pub acks: Vec<String>,
    /// Optimistic version.
    #[serde(default)]
    pub version: i64,
    /// The exclusion its acceptance created (an accepted vacate request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusion_id: Option<String>,
    /// Declined or unanswered, and its volume not over: shown as a contested volume (set
    /// when shown, [`RequestDoc::at`]).
    #[serde(default)]
    pub contested: bool,
    /// A notice's own volumes (the operation's airspace).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Volume>,
    /// A notice's planned 4D routes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<PlannedRoute>,
    /// The corridors its routes are checked as, one volume per leg, route after route.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route_volumes: Vec<Volume>,
    /// The addressees' live reservations crossing a notice's volumes (advisories; set when
    /// shown, never stored).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub crossings: Vec<NoticeCrossing>,
}

impl RequestDoc {
    /// Whether it is contested at `now`: a vacate request declined or left unanswered, whose
    /// volume has not ended.
    pub fn contested_at(&self, now: f64) -> bool {
        self.kind == RequestKind::Vacate
            && matches!(
                self.state_at(now),
                RequestState::Declined | RequestState::Expired
            )
            && self.volume.as_ref().is_some_and(|v| v.end_time > now)
    }

    /// The state at `now`: pending turns expired at `expires_at`.
    pub fn state_at(&self, now: f64) -> RequestState {
        if self.state == RequestState::Pending && now >= self.expires_at {
            RequestState::Expired
        } else {
            self.state
        }
    }

    /// The document as shown at `now` (its state at that time).
    pub fn at(&self, now: f64) -> RequestDoc {
        RequestDoc {
            state: self.state_at(now),
            contested: self.contested_at(now),
            ..self.clone()
        }
    }

    /// Whether `party` (with `role`) may see it.
    pub fn visible_to(&self, party: &str, role: Role) -> bool {
        addressed_visible(&self.from, self.to.as_deref(), party, role)
    }

    /// The parties a stream frame about it goes to; `None` = everyone (a request to all).
    pub fn audience(&self) -> Option<Vec<String>> {
        self.to
            .as_ref()
            .map(|to| vec![self.from.clone(), to.clone()])
    }

    /// Expired at `now` while pending: the document to record, else `None`.
    pub fn expired(&self, now: f64) -> Option<RequestDoc> {
        (self.state == RequestState::Pending && now >= self.expires_at).then(|| RequestDoc {
            state: RequestState::Expired,
            ..self.clone()
        })
    }
}

impl RequestState {
    /// The lowercase word shown.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Pending => "pending",
            RequestState::Accepted => "accepted",
            RequestState::Declined => "declined",
            RequestState::Expired => "expired",
            RequestState::Acknowledged => "acknowledged",
        }
    }
}

/// A new request as posted.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    /// Vacate or notice.
    pub kind: RequestKind,
    /// Addressee (`None`: every party; notices only).
    #[serde(default)]
    pub to: Option<String>,
    /// The sender's reservation it refers to.
    #[serde(default)]
    pub reservation_id: Option<String>,
    /// The volume to vacate.
    #[serde(default)]
    pub volume: Option<Volume>,
    /// A notice's own volumes.
    #[serde(default)]
    pub volumes: Vec<Volume>,
    /// A notice's planned 4D routes.
    #[serde(default)]
    pub routes: Vec<PlannedRoute>,
    /// Free text.
    #[serde(default)]
    pub message: String,
    /// UNIX s; default: the volume's request lifetime (vacate) or the end of the notice's
    /// reservation, volumes and routes (notice).
    #[serde(default)]
    pub expires_at: Option<f64>,
}

/// The limits a new request is checked against (`[strategic]` keys).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestLimits {
    /// `strategic.request_max_s`.
    pub max_s: f64,
    /// `strategic.request_default_s`.
    pub default_s: f64,
}

/// What the rules need to know of the cell's state.
pub struct Lookups<'a> {
    /// A reservation by id.
    pub reservation: &'a dyn Fn(&str) -> Option<ReservationDoc>,
    /// A party's role by id (`None`: no such party).
    pub role_of: &'a dyn Fn(&str) -> Option<Role>,
}

/// Why a new request is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NewRequestError {
    /// The message is too long.
    #[error("message is longer than {MAX_TEXT_BYTES} bytes")]
    MessageTooLong,
    /// The message holds a control or bidi character.
    #[error(transparent)]
    Text(#[from] TextError),
    /// The linked reservation does not exist.
    #[error("reservation_id: no reservation {0:?}")]
    NoReservation(String),
    /// The linked reservation is another party's.
    #[error(
        "reservation {id} belongs to {owner}; a request can only link the sender's own reservation"
    )]
    NotOwnReservation {
        /// The reservation.
        id: String,
        /// Its owner.
        owner: String,
    },
    /// A vacate request without addressee.
    #[error("to is missing: a vacate request is addressed to one party")]
    MissingTo,
    /// No such addressee.
    #[error("to: party {0:?} does not exist")]
    UnknownParty(String),
    /// Observers answer nothing.
    #[error("to: {0} is an observer and cannot answer requests")]
    ToObserver(String),
    /// Addressed to its sender.
    #[error("to: a request cannot be addressed to its sender")]
    ToSelf,
    /// A vacate request without volume.
    #[error("volume is missing: give the volume to vacate")]
    MissingVolume,
    /// The volume is invalid.
    #[error("volume: {0}")]
    Volume(String),
    /// The volume's window is over.
    #[error("volume: its time window is already over")]
    VolumeOver,
    /// A notice with a volume.
    #[error("volume: a notice gives its airspace as volumes (a list), routes or a reservation_id")]
    NoticeWithVolume,
    /// A notice with nothing to announce.
    #[error("a notice announces an operation: give its volumes, its routes or one of the sender's reservations (reservation_id)")]
    MissingReservation,
    /// Volumes or routes on a vacate request.
    #[error(
        "{0}: a vacate request gives one volume (volume); volumes and routes belong to notices"
    )]
    VacateWithNoticeFields(&'static str),
    /// A notice's volumes are invalid.
    #[error("volumes: {0}")]
    Volumes(String),
    /// A planned route is invalid.
    #[error("routes[{index}]: {reason}")]
    Route {
        /// Which route.
        index: usize,
        /// Why.
        reason: String,
    },
    /// More volumes and route legs than one reservation may have.
    #[error("{0} volumes and route legs given, at most {MAX_VOLUMES} are accepted")]
    TooManyVolumes(usize),
    /// Everything the notice announces is over.
    #[error("the notice's volumes and routes are all over")]
    NoticeOver,
    /// A notice of a reservation that is over.
    #[error("reservation {0} is over or cancelled")]
    ReservationOver(String),
    /// `expires_at` not in the future.
    #[error("expires_at = {expires_at} must be in the future (now {now:.0})")]
    ExpiryPast {
        /// Given.
        expires_at: f64,
        /// Now.
        now: f64,
    },
    /// `expires_at` too far ahead.
    #[error("expires_at is more than {0} s ahead (strategic.request_max_s)")]
    ExpiryTooFar(f64),
}

impl NewRequestError {
    /// Whether the refusal is about rights (another party's reservation), not content.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, NewRequestError::NotOwnReservation { .. })
    }
}

fn addressee(to: &str, from: &str, l: &Lookups<'_>) -> Result<(), NewRequestError> {
    match (l.role_of)(to) {
        None => Err(NewRequestError::UnknownParty(to.to_owned())),
        Some(Role::Observer) => Err(NewRequestError::ToObserver(to.to_owned())),
        Some(_) if to == from => Err(NewRequestError::ToSelf),
        Some(_) => Ok(()),
    }
}

/// Checks a new request from `from` at `now` and returns the document to store (its id, times
/// and version are set by the store).
///
/// # Errors
/// [`NewRequestError`] naming what is wrong.
pub fn new_request(
    b: NewRequest,
    from: &str,
    now: f64,
    limits: RequestLimits,
    l: &Lookups<'_>,
) -> Result<RequestDoc, NewRequestError> {
    text::check("message", &b.message, text::Kind::Multiline)?;
    if b.message.len() > MAX_TEXT_BYTES {
        return Err(NewRequestError::MessageTooLong);
    }
    let linked = match &b.reservation_id {
        Some(id) => {
            let r =
                (l.reservation)(id).ok_or_else(|| NewRequestError::NoReservation(id.clone()))?;
            if r.party != from {
                return Err(NewRequestError::NotOwnReservation {
                    id: id.clone(),
                    owner: r.party,
                });
            }
            Some(r)
        }
        None => None,
    };
    let mut route_volumes = Vec::new();
    let default_expiry = match b.kind {
        RequestKind::Vacate => {
            if !b.volumes.is_empty() {
                return Err(NewRequestError::VacateWithNoticeFields("volumes"));
            }
            if !b.routes.is_empty() {
                return Err(NewRequestError::VacateWithNoticeFields("routes"));
            }
            let to = b.to.as_deref().ok_or(NewRequestError::MissingTo)?;
            addressee(to, from, l)?;
            let v = b.volume.as_ref().ok_or(NewRequestError::MissingVolume)?;
            v.validate()
                .map_err(|e| NewRequestError::Volume(e.to_string()))?;
            if v.end_time <= now {
                return Err(NewRequestError::VolumeOver);
            }
            now + limits.default_s
        }
        RequestKind::Notice => {
            if let Some(to) = b.to.as_deref() {
                addressee(to, from, l)?;
            }
            if b.volume.is_some() {
                return Err(NewRequestError::NoticeWithVolume);
            }
            if linked.is_none() && b.volumes.is_empty() && b.routes.is_empty() {
                return Err(NewRequestError::MissingReservation);
            }
            let mut end = f64::NEG_INFINITY;
            if let Some(r) = &linked {
                if !r.state_at(now).is_live() {
                    return Err(NewRequestError::ReservationOver(r.id.clone()));
                }
                end = end.max(time_span(&r.volumes).map(|(_, e)| e).unwrap_or(now));
            }
            for (index, route) in b.routes.iter().enumerate() {
                let bad = |reason: String| NewRequestError::Route { index, reason };
                if let Some(name) = &route.name {
                    text::check("name", name, text::Kind::Line).map_err(|e| bad(e.to_string()))?;
                    if name.len() > crate::domain::reservations::MAX_NAME_BYTES {
                        return Err(bad(format!(
                            "name is longer than {} bytes",
                            crate::domain::reservations::MAX_NAME_BYTES
                        )));
                    }
                }
                route_volumes.extend(route.corridors().map_err(|e| bad(e.to_string()))?);
            }
            let own = b.volumes.len() + route_volumes.len();
            if own > MAX_VOLUMES {
                return Err(NewRequestError::TooManyVolumes(own));
            }
            if !b.volumes.is_empty() {
                validate_volumes(&b.volumes)
                    .map_err(|e| NewRequestError::Volumes(e.to_string()))?;
            }
            if own > 0 {
                let own_end = b
                    .volumes
                    .iter()
                    .chain(&route_volumes)
                    .map(|v| v.end_time)
                    .fold(f64::NEG_INFINITY, f64::max);
                if own_end <= now && linked.is_none() {
                    return Err(NewRequestError::NoticeOver);
                }
                end = end.max(own_end);
            }
            end
        }
    };
    // A notice's default expiry is its airspace's end, held within the longest allowed.
    let expires_at = b
        .expires_at
        .unwrap_or(default_expiry.min(now + limits.max_s));
    if !expires_at.is_finite() || expires_at <= now {
        return Err(NewRequestError::ExpiryPast { expires_at, now });
    }
    if expires_at - now > limits.max_s {
        return Err(NewRequestError::ExpiryTooFar(limits.max_s));
    }
    Ok(RequestDoc {
        id: String::new(),
        kind: b.kind,
        from: from.to_owned(),
        to: b.to,
        reservation_id: b.reservation_id,
        volume: b.volume,
        message: b.message.trim().to_owned(),
        state: RequestState::Pending,
        reason: None,
        expires_at,
        created_at: 0.0,
        updated_at: 0.0,
        answered_at: None,
        answered_by: None,
        acks: Vec::new(),
        version: 0,
        exclusion_id: None,
        contested: false,
        volumes: b.volumes,
        routes: b.routes,
        route_volumes,
        crossings: Vec::new(),
    })
}

/// The audit action of a new request.
pub fn created_action(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Vacate => "request.vacate",
        RequestKind::Notice => "request.notice",
    }
}

/// An answer to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Accept a vacate request.
    Accept,
    /// Decline a vacate request (with a reason).
    Decline,
    /// Acknowledge a notice.
    Ack,
}

impl Answer {
    /// The audit action recording it.
    pub fn action(self) -> &'static str {
        match self {
            Answer::Accept => "request.accept",
            Answer::Decline => "request.decline",
            Answer::Ack => "request.ack",
        }
    }

    /// The stream event announcing it.
    pub fn event(self) -> &'static str {
        match self {
            Answer::Accept => "accepted",
            Answer::Decline => "declined",
            Answer::Ack => "acknowledged",
        }
    }
}

/// Why an answer is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    /// Ack of a vacate request.
    #[error("{0} is a vacate request: accept or decline it")]
    VacateNeedsAnswer(String),
    /// Accept or decline of a notice.
    #[error("{0} is an advance notice: acknowledge it (POST /api/v1/requests/{0}/ack)")]
    NoticeNeedsAck(String),
    /// Not the addressee.
    #[error("only {who} may answer request {id}")]
    NotAddressee {
        /// Who may.
        who: String,
        /// The request.
        id: String,
    },
    /// Answered or expired already.
    #[error("request {id} is {state} and can no longer be answered")]
    Closed {
        /// The request.
        id: String,
        /// Its state.
        state: &'static str,
    },
    /// A decline without reason.
    #[error("reason is missing: say why the request is declined")]
    ReasonMissing,
    /// The reason is too long.
    #[error("reason is longer than {MAX_TEXT_BYTES} bytes")]
    ReasonTooLong,
    /// The reason holds a control or bidi character.
    #[error(transparent)]
    Text(#[from] TextError),
    /// Acknowledged twice.
    #[error("{party} has already acknowledged {id}")]
    AlreadyAcknowledged {
        /// The party.
        party: String,
        /// The request.
        id: String,
    },
}

impl AnswerError {
    /// Whether it is about who answers (not the state or the content).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, AnswerError::NotAddressee { .. })
    }

    /// Whether it is about the answer's content (a missing or long reason).
    pub fn is_invalid(&self) -> bool {
        matches!(
            self,
            AnswerError::ReasonMissing | AnswerError::ReasonTooLong | AnswerError::Text(_)
        )
    }
}

/// The answer state machine: `by` answers `d` with `what` at `now`, giving `reason` (trimmed;
/// blank is none). `others` are the parties (role `party`) a notice to everyone waits for.
/// Returns the document to record.
///
/// # Errors
/// [`AnswerError`].
pub fn answer(
    d: &RequestDoc,
    by: &str,
    what: Answer,
    reason: Option<String>,
    now: f64,
    others: &[String],
) -> Result<RequestDoc, AnswerError> {
    text::check_opt("reason", reason.as_deref(), text::Kind::Multiline)?;
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.len() > MAX_TEXT_BYTES) {
        return Err(AnswerError::ReasonTooLong);
    }
    let id = d.id.clone();
    match (what, d.kind) {
        (Answer::Ack, RequestKind::Vacate) => return Err(AnswerError::VacateNeedsAnswer(id)),
        (Answer::Accept | Answer::Decline, RequestKind::Notice) => {
            return Err(AnswerError::NoticeNeedsAck(id))
        }
        _ => {}
    }
    let addressed = match &d.to {
        Some(to) => to == by,
        None => d.from != by,
    };
    if !addressed {
        return Err(AnswerError::NotAddressee {
            who: d
                .to
                .clone()
                .map(|t| format!("{t} (its addressee)"))
                .unwrap_or_else(|| "its addressees".to_owned()),
            id,
        });
    }
    let state = d.state_at(now);
    let open = state == RequestState::Pending
        || (d.kind == RequestKind::Notice && d.to.is_none() && state != RequestState::Expired);
    if !open {
        return Err(AnswerError::Closed {
            id,
            state: state.as_str(),
        });
    }
    let mut d = d.clone();
    match what {
        Answer::Accept => d.state = RequestState::Accepted,
        Answer::Decline => {
            if reason.is_none() {
                return Err(AnswerError::ReasonMissing);
            }
            d.state = RequestState::Declined;
        }
        Answer::Ack => {
            if d.acks.iter().any(|p| p == by) {
                return Err(AnswerError::AlreadyAcknowledged {
                    party: by.to_owned(),
                    id,
                });
            }
            d.acks.push(by.to_owned());
            let done = d.to.is_some()
                || others
                    .iter()
                    .filter(|p| **p != d.from)
                    .all(|p| d.acks.contains(p));
            if done {
                d.state = RequestState::Acknowledged;
            }
        }
    }
    if what != Answer::Ack || d.to.is_some() {
        d.reason = reason;
        d.answered_at = Some(now);
        d.answered_by = Some(by.to_owned());
    }
    Ok(d)
}

fn body_of(d: &RequestDoc) -> Value {
    serde_json::to_value(d).unwrap_or(Value::Null)
}

/// What the store keeps of a new request: the sender and state it indexes, and the document.
pub fn record_of(d: &RequestDoc) -> RecordInput {
    RecordInput {
        party: d.from.clone(),
        state: d.state.as_str().to_owned(),
        body: body_of(d),
    }
}

/// A change of a stored request for the store (an answer, an acknowledgement, expiry): its
/// state and document.
pub fn change_of(d: &RequestDoc) -> RecordChange {
    RecordChange {
        state: d.state.as_str().to_owned(),
        body: body_of(d),
    }
}

impl RequestDoc {
    /// The document of a stored request, with the id, version and times the store assigned.
    ///
    /// # Errors
    /// The stored document does not read.
    pub fn from_record(rec: StrategicRecord) -> serde_json::Result<RequestDoc> {
        let doc: RequestDoc = serde_json::from_value(rec.body)?;
        Ok(RequestDoc {
            id: rec.id,
            version: rec.version,
            created_at: rec.created_at,
            updated_at: rec.updated_at,
            ..doc
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vacate(to: &str, expires_at: f64) -> RequestDoc {
        RequestDoc {
            id: "q-1".into(),
            kind: RequestKind::Vacate,
            from: "red".into(),
            to: Some(to.into()),
            reservation_id: None,
            volume: None,
            message: "please".into(),
            state: RequestState::Pending,
            reason: None,
            expires_at,
            created_at: 0.0,
            updated_at: 0.0,
            answered_at: None,
            answered_by: None,
            acks: vec![],
            version: 1,
            exclusion_id: None,
            contested: false,
            volumes: vec![],
            routes: vec![],
            route_volumes: vec![],
            crossings: vec![],
        }
    }

    fn notice_to_all() -> RequestDoc {
        RequestDoc {
            kind: RequestKind::Notice,
            to: None,
            ..vacate("x", 1_000.0)
        }
    }

    #[test]
    fn only_the_addressee_accepts_or_declines_with_a_reason() {
        let d = vacate("blue", 1_000.0);
        let e = answer(&d, "green", Answer::Accept, None, 10.0, &[]).unwrap_err();
        assert!(e.is_forbidden());
        assert_eq!(
            e.to_string(),
            "only blue (its addressee) may answer request q-1"
        );
        assert_eq!(
            answer(&d, "blue", Answer::Decline, Some("  ".into()), 10.0, &[]),
            Err(AnswerError::ReasonMissing)
        );
        let declined = answer(
            &d,
            "blue",
            Answer::Decline,
            Some(" busy ".into()),
            10.0,
            &[],
        )
        .unwrap();
        assert_eq!(declined.state, RequestState::Declined);
        assert_eq!(declined.reason.as_deref(), Some("busy"));
        assert_eq!(
            (declined.answered_at, declined.answered_by.as_deref()),
            (Some(10.0), Some("blue"))
        );
        let accepted = answer(&d, "blue", Answer::Accept, None, 10.0, &[]).unwrap();
        assert_eq!(accepted.state, RequestState::Accepted);
        // Answered: no second answer.
        assert_eq!(
            answer(
                &accepted,
                "blue",
                Answer::Decline,
                Some("no".into()),
                11.0,
                &[]
            ),
            Err(AnswerError::Closed {
                id: "q-1".into(),
                state: "accepted"
            })
        );
        // A vacate request is not acknowledged; a notice is not accepted.
        assert!(matches!(
            answer(&d, "blue", Answer::Ack, None, 10.0, &[]),
            Err(AnswerError::VacateNeedsAnswer(_))
        ));
        assert!(matches!(
            answer(&notice_to_all(), "blue", Answer::Accept, None, 10.0, &[]),
            Err(AnswerError::NoticeNeedsAck(_))
        ));
    }

    #[test]
    fn unanswered_requests_expire_and_cannot_be_answered_after() {
        let d = vacate("blue", 100.0);
        assert_eq!(d.state_at(99.9), RequestState::Pending);
        assert_eq!(d.state_at(100.0), RequestState::Expired);
        assert!(d.expired(99.0).is_none());
        assert_eq!(d.expired(100.0).unwrap().state, RequestState::Expired);
        assert_eq!(
            answer(&d, "blue", Answer::Accept, None, 150.0, &[]),
            Err(AnswerError::Closed {
                id: "q-1".into(),
                state: "expired"
            })
        );
        // An answered request does not expire.
        let accepted = answer(&d, "blue", Answer::Accept, None, 50.0, &[]).unwrap();
        assert!(accepted.expired(150.0).is_none());
    }

    #[test]
    fn a_notice_to_all_is_acknowledged_once_every_other_party_has() {
        let parties = ["red".to_owned(), "blue".to_owned(), "green".to_owned()];
        let d = notice_to_all();
        assert!(answer(&d, "red", Answer::Ack, None, 10.0, &parties)
            .unwrap_err()
            .is_forbidden());
        let one = answer(&d, "blue", Answer::Ack, None, 10.0, &parties).unwrap();
        assert_eq!(one.state, RequestState::Pending);
        assert_eq!(
            one.answered_by, None,
            "a notice to all records acks, not an answer"
        );
        assert_eq!(
            answer(&one, "blue", Answer::Ack, None, 11.0, &parties),
            Err(AnswerError::AlreadyAcknowledged {
                party: "blue".into(),
                id: "q-1".into()
            })
        );
        let both = answer(&one, "green", Answer::Ack, None, 12.0, &parties).unwrap();
        assert_eq!(both.state, RequestState::Acknowledged);
        assert_eq!(both.acks, ["blue", "green"]);
    }

    fn lookups<'a>(
        reservation: &'a dyn Fn(&str) -> Option<ReservationDoc>,
        role_of: &'a dyn Fn(&str) -> Option<Role>,
    ) -> Lookups<'a> {
        Lookups {
            reservation,
            role_of,
        }
    }

    #[test]
    fn new_requests_are_checked() {
        let none = |_: &str| None;
        let roles = |p: &str| match p {
            "blue" | "red" => Some(Role::Party),
            "mon" => Some(Role::Observer),
            _ => None,
        };
        let l = lookups(&none, &roles);
        let limits = RequestLimits {
            max_s: 7_200.0,
            default_s: 3_600.0,
        };
        let body = |to: Option<&str>| NewRequest {
            kind: RequestKind::Vacate,
            to: to.map(str::to_owned),
            reservation_id: None,
            volume: None,
            volumes: vec![],
            routes: vec![],
            message: String::new(),
            expires_at: None,
        };
        let e = |b, from| new_request(b, from, 0.0, limits, &l).unwrap_err();
        assert_eq!(e(body(None), "red"), NewRequestError::MissingTo);
        assert_eq!(
            e(body(Some("mon")), "red"),
            NewRequestError::ToObserver("mon".into())
        );
        assert_eq!(e(body(Some("red")), "red"), NewRequestError::ToSelf);
        assert_eq!(
            e(body(Some("ghost")), "red"),
            NewRequestError::UnknownParty("ghost".into())
        );
        assert_eq!(e(body(Some("blue")), "red"), NewRequestError::MissingVolume);
        let notice = NewRequest {
            kind: RequestKind::Notice,
            ..body(None)
        };
        assert_eq!(e(notice, "red"), NewRequestError::MissingReservation);
        let linked = NewRequest {
            reservation_id: Some("r-1".into()),
            ..body(Some("blue"))
        };
        assert_eq!(
            e(linked, "red"),
            NewRequestError::NoReservation("r-1".into())
        );
        // Volumes and routes belong to notices.
        let square = Volume {
            shape: deconflict_airspace::Shape::Circle {
                center: deconflict_airspace::LatLon {
                    lat_deg: 36.0,
                    lon_deg: 37.0,
                },
                radius_m: 10_000.0,
            },
            lower_ft: 0.0,
            upper_ft: 10_000.0,
            start_time: 100.0,
            end_time: 3_000.0,
        };
        let vacate_with_volumes = NewRequest {
            volumes: vec![square.clone()],
            ..body(Some("blue"))
        };
        assert_eq!(
            e(vacate_with_volumes, "red"),
            NewRequestError::VacateWithNoticeFields("volumes")
        );
        let route = |times: [f64; 2]| PlannedRoute {
            name: Some("ingress".into()),
            waypoints: times
                .iter()
                .enumerate()
                .map(|(i, t)| deconflict_airspace::Waypoint {
                    lat_deg: 36.0 + 0.1 * i as f64,
                    lon_deg: 37.0,
                    alt_ft: 20_000.0,
                    time: *t,
                })
                .collect(),
            half_width_m: deconflict_airspace::route::DEFAULT_HALF_WIDTH_M,
            half_height_ft: 1_000.0,
            time_margin_s: 60.0,
        };
        let notice_of = |volumes: Vec<Volume>, routes: Vec<PlannedRoute>| NewRequest {
            kind: RequestKind::Notice,
            volumes,
            routes,
            ..body(None)
        };
        let bad_route = e(notice_of(vec![], vec![route([600.0, 500.0])]), "red");
        assert!(
            matches!(&bad_route, NewRequestError::Route { index: 0, reason } if reason.contains("times must increase")),
            "{bad_route}"
        );
        let mut over = square.clone();
        over.end_time = -1.0;
        over.start_time = -100.0;
        assert_eq!(
            e(notice_of(vec![over], vec![]), "red"),
            NewRequestError::NoticeOver
        );
        // A notice with its own volume and a route: the corridors are computed, and it expires
        // with the last of them by default.
        let ok = new_request(
            notice_of(vec![square], vec![route([500.0, 900.0])]),
            "red",
            0.0,
            limits,
            &l,
        )
        .unwrap();
        assert_eq!(
            (ok.volumes.len(), ok.routes.len(), ok.route_volumes.len()),
            (1, 1, 1)
        );
        assert_eq!(
            (ok.route_volumes[0].start_time, ok.route_volumes[0].end_time),
            (440.0, 960.0)
        );
        assert_eq!(ok.expires_at, 3_000.0);
    }
}
