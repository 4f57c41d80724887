//! Vacate requests and advance notices.
//!
//! - Vacate: A asks B to keep its aircraft out of a volume for a time window, with a message;
//!   only B accepts or declines (a decline needs a reason); after `expires_at` an unanswered
//!   request is `expired`.
//! - Notice: A tells B, or everyone (`to: null`), of an operation linked to one of A's own
//!   reservations; the addressees acknowledge. A notice to everyone is `acknowledged` once
//!   every other party (role `party`) has acknowledged it; `acks` lists who did.
//!
//! A party sees the requests it sent, those addressed to it and those to everyone; the cell
//! and observers see all. Each step is audited and streamed to the parties concerned.

use super::ReservationDoc;
use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::live::{now_s, StreamEvent};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use deconflict_airspace::{time_span, Volume};
use deconflict_store::{Role, StrategicRecord};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;

/// Longest message or reason, bytes.
pub const MAX_TEXT_BYTES: usize = 4_000;

/// What a request asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestKind {
    /// Keep out of a volume.
    Vacate,
    /// Advance notice of an operation.
    Notice,
}

/// Where a request is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// A request as the API shows it (`Request` in docs/api.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

impl RequestDoc {
    /// The state at `now`: pending turns expired at `expires_at`.
    pub fn state_at(&self, now: f64) -> RequestState {
        if self.state == RequestState::Pending && now >= self.expires_at {
            RequestState::Expired
        } else {
            self.state
        }
    }

    /// API JSON at `now`.
    pub fn json_at(&self, now: f64) -> Value {
        let mut d = self.clone();
        d.state = self.state_at(now);
        serde_json::to_value(&d).unwrap_or(Value::Null)
    }

    /// Whether `c` may see it.
    pub fn visible_to(&self, c: &Caller) -> bool {
        c.role != Role::Party
            || self.from == c.party
            || self.to.is_none()
            || self.to.as_deref() == Some(c.party.as_str())
    }

    fn audience(&self) -> Option<Vec<String>> {
        self.to
            .as_ref()
            .map(|to| vec![self.from.clone(), to.clone()])
    }
}

fn doc_of(rec: StrategicRecord) -> ApiResult<RequestDoc> {
    serde_json::from_value(rec.body).map_err(ApiError::internal)
}

/// Publishes a `{"type":"request",…}` frame to the sender and addressee (everyone for a
/// request to all).
pub(crate) fn publish(s: &AppState, event: &str, d: &RequestDoc, now: f64) {
    let frame = json!({ "type": "request", "event": event, "request": d.json_at(now) });
    s.live.publish(StreamEvent::Other {
        json: Arc::from(frame.to_string()),
        parties: d.audience(),
    });
}

/// `GET /api/v1/requests`.
pub async fn list(State(s): State<AppState>, c: Caller) -> ApiResult<impl IntoResponse> {
    let recs = s.db(|st| st.list_requests()).await?;
    let now = now_s();
    let mut out = Vec::new();
    for r in recs {
        let d = doc_of(r)?;
        if d.visible_to(&c) {
            out.push(d.json_at(now));
        }
    }
    out.reverse();
    Ok(axum::Json(json!({ "requests": out })))
}

/// Body of a new request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    kind: RequestKind,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    reservation_id: Option<String>,
    #[serde(default)]
    volume: Option<Volume>,
    #[serde(default)]
    message: String,
    #[serde(default)]
    expires_at: Option<f64>,
}

fn own_reservation(s: &AppState, c: &Caller, id: &str) -> ApiResult<ReservationDoc> {
    let r = s
        .strategic
        .get(id)
        .ok_or_else(|| ApiError::invalid(format!("reservation_id: no reservation {id:?}")))?;
    if r.party != c.party {
        return Err(ApiError::forbidden(format!(
            "reservation {id} belongs to {}; a request can only link the sender's own reservation",
            r.party
        )));
    }
    Ok(r)
}

fn addressee(s: &AppState, c: &Caller, to: &str) -> ApiResult<()> {
    let p = s
        .directory
        .party(to)
        .ok_or_else(|| ApiError::invalid(format!("to: party {to:?} does not exist")))?;
    if p.role == Role::Observer {
        return Err(ApiError::invalid(format!(
            "to: {to} is an observer and cannot answer requests"
        )));
    }
    if to == c.party {
        return Err(ApiError::invalid(
            "to: a request cannot be addressed to its sender",
        ));
    }
    Ok(())
}

/// `POST /api/v1/requests`.
pub async fn create(
    State(s): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<Value>,
) -> ApiResult<impl IntoResponse> {
    c.require_writer()?;
    let b: NewRequest = super::parse_body(b)?;
    let now = now_s();
    let cfg = &s.config.strategic;
    if b.message.len() > MAX_TEXT_BYTES {
        return Err(ApiError::invalid(format!(
            "message is longer than {MAX_TEXT_BYTES} bytes"
        )));
    }
    let linked = match &b.reservation_id {
        Some(id) => Some(own_reservation(&s, &c, id)?),
        None => None,
    };
    let default_expiry = match b.kind {
        RequestKind::Vacate => {
            let to = b.to.as_deref().ok_or_else(|| {
                ApiError::invalid("to is missing: a vacate request is addressed to one party")
            })?;
            addressee(&s, &c, to)?;
            let v = b
                .volume
                .as_ref()
                .ok_or_else(|| ApiError::invalid("volume is missing: give the volume to vacate"))?;
            v.validate()
                .map_err(|e| ApiError::invalid(format!("volume: {e}")))?;
            if v.end_time <= now {
                return Err(ApiError::invalid("volume: its time window is already over"));
            }
            now + cfg.request_default_s
        }
        RequestKind::Notice => {
            if let Some(to) = b.to.as_deref() {
                addressee(&s, &c, to)?;
            }
            if b.volume.is_some() {
                return Err(ApiError::invalid(
                    "volume: a notice refers to a reservation (reservation_id), not a volume",
                ));
            }
            let r = linked.as_ref().ok_or_else(|| {
                ApiError::invalid("reservation_id is missing: a notice announces one of the sender's reservations")
            })?;
            if !r.state_at(now).is_live() {
                return Err(ApiError::invalid(format!(
                    "reservation {} is over or cancelled",
                    r.id
                )));
            }
            time_span(&r.volumes).map(|(_, e)| e).unwrap_or(now)
        }
    };
    let expires_at = b.expires_at.unwrap_or(default_expiry);
    if !expires_at.is_finite() || expires_at <= now {
        return Err(ApiError::invalid(format!(
            "expires_at = {expires_at} must be in the future (now {now:.0})"
        )));
    }
    if expires_at - now > cfg.request_max_s {
        return Err(ApiError::invalid(format!(
            "expires_at is more than {} s ahead (strategic.request_max_s)",
            cfg.request_max_s
        )));
    }
    let doc = RequestDoc {
        id: String::new(),
        kind: b.kind,
        from: c.party.clone(),
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
    };
    let body = serde_json::to_value(&doc).map_err(ApiError::internal)?;
    let action = match doc.kind {
        RequestKind::Vacate => "request.vacate",
        RequestKind::Notice => "request.notice",
    };
    let actor = c.party.clone();
    let rec = s
        .db(move |st| st.create_request(&actor, action, &actor, &body))
        .await?;
    let doc = doc_of(rec)?;
    let now = now_s();
    publish(&s, "created", &doc, now);
    Ok((StatusCode::CREATED, axum::Json(doc.json_at(now))))
}

/// Body of an answer.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerBody {
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Answer {
    Accept,
    Decline,
    Ack,
}

async fn answer(
    s: AppState,
    c: Caller,
    id: String,
    body: axum::body::Bytes,
    what: Answer,
) -> ApiResult<axum::Json<Value>> {
    c.require_writer()?;
    let reason = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<AnswerBody>(&body)
            .map_err(|e| ApiError::bad_request(format!("body: {e}")))?
            .reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
    };
    if reason.as_ref().is_some_and(|r| r.len() > MAX_TEXT_BYTES) {
        return Err(ApiError::invalid(format!(
            "reason is longer than {MAX_TEXT_BYTES} bytes"
        )));
    }
    let id2 = id.clone();
    let rec = s.db(move |st| st.get_request(&id2)).await?;
    let not_found = || ApiError::not_found(format!("no request {id:?} visible to {}", c.party));
    let rec = rec.ok_or_else(not_found)?;
    let version = rec.version;
    let mut d = doc_of(rec)?;
    if !d.visible_to(&c) {
        return Err(not_found());
    }
    let now = now_s();
    match (what, d.kind) {
        (Answer::Ack, RequestKind::Vacate) => {
            return Err(ApiError::conflict(format!(
                "{id} is a vacate request: accept or decline it"
            )))
        }
        (Answer::Accept | Answer::Decline, RequestKind::Notice) => {
            return Err(ApiError::conflict(format!(
                "{id} is an advance notice: acknowledge it (POST /api/v1/requests/{id}/ack)"
            )))
        }
        _ => {}
    }
    let addressed = match &d.to {
        Some(to) => *to == c.party,
        None => d.from != c.party,
    };
    if !addressed {
        return Err(ApiError::forbidden(format!(
            "only {} may answer request {id}",
            d.to.clone()
                .map(|t| format!("{t} (its addressee)"))
                .unwrap_or_else(|| "its addressees".to_owned())
        )));
    }
    let state = d.state_at(now);
    let open = state == RequestState::Pending
        || (d.kind == RequestKind::Notice && d.to.is_none() && state != RequestState::Expired);
    if !open {
        return Err(ApiError::conflict(format!(
            "request {id} is {} and can no longer be answered",
            serde_json::to_value(state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        )));
    }
    let action = match what {
        Answer::Accept => {
            d.state = RequestState::Accepted;
            "request.accept"
        }
        Answer::Decline => {
            if reason.is_none() {
                return Err(ApiError::invalid(
                    "reason is missing: say why the request is declined",
                ));
            }
            d.state = RequestState::Declined;
            "request.decline"
        }
        Answer::Ack => {
            if d.acks.contains(&c.party) {
                return Err(ApiError::conflict(format!(
                    "{} has already acknowledged {id}",
                    c.party
                )));
            }
            d.acks.push(c.party.clone());
            let done = match &d.to {
                Some(_) => true,
                None => s
                    .directory
                    .parties()
                    .iter()
                    .filter(|p| p.role == Role::Party && p.id != d.from)
                    .all(|p| d.acks.contains(&p.id)),
            };
            if done {
                d.state = RequestState::Acknowledged;
            }
            "request.ack"
        }
    };
    if what != Answer::Ack || d.to.is_some() {
        d.reason = reason;
        d.answered_at = Some(now);
        d.answered_by = Some(c.party.clone());
    }
    let body = serde_json::to_value(&d).map_err(ApiError::internal)?;
    let actor = c.party.clone();
    let rec = s
        .db(move |st| st.update_request(&actor, action, &id, version, &body))
        .await?;
    let d = doc_of(rec)?;
    let now = now_s();
    let event = match what {
        Answer::Accept => "accepted",
        Answer::Decline => "declined",
        Answer::Ack => "acknowledged",
    };
    publish(&s, event, &d, now);
    Ok(axum::Json(d.json_at(now)))
}

/// `POST /api/v1/requests/{id}/accept`.
pub async fn accept(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
    body: axum::body::Bytes,
) -> ApiResult<axum::Json<Value>> {
    answer(s, c, id, body, Answer::Accept).await
}

/// `POST /api/v1/requests/{id}/decline` with `{"reason": "..."}`.
pub async fn decline(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
    body: axum::body::Bytes,
) -> ApiResult<axum::Json<Value>> {
    answer(s, c, id, body, Answer::Decline).await
}

/// `POST /api/v1/requests/{id}/ack`.
pub async fn ack(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
    body: axum::body::Bytes,
) -> ApiResult<axum::Json<Value>> {
    answer(s, c, id, body, Answer::Ack).await
}

/// Marks pending requests past `expires_at` as expired (audited, streamed). Returns how many.
pub(crate) async fn expire(s: &AppState, now: f64) -> ApiResult<usize> {
    let recs = s.db(|st| st.list_requests()).await?;
    let mut n = 0;
    for rec in recs {
        let version = rec.version;
        let mut d = doc_of(rec)?;
        if d.state != RequestState::Pending || now < d.expires_at {
            continue;
        }
        d.state = RequestState::Expired;
        let body = serde_json::to_value(&d).map_err(ApiError::internal)?;
        let id = d.id.clone();
        match s
            .db(move |st| st.update_request("system", "request.expire", &id, version, &body))
            .await
        {
            Ok(rec) => {
                publish(s, "expired", &doc_of(rec)?, now);
                n += 1;
            }
            // Answered meanwhile: the answer wins.
            Err(e) if e.status == StatusCode::CONFLICT => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
