//! Vacate requests and advance notices: list, create, accept, decline, acknowledge. The rules
//! are `domain::requests`'; each step is audited by the store and streamed to the parties
//! concerned.

use crate::domain::exclusions;
use crate::domain::parties::Caller;
use crate::domain::requests::{
    self, created_action, new_request, Answer, Lookups, NewRequest, RequestDoc, RequestLimits,
};
use crate::domain::reservations::ReservationDoc;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{optional_body, parse_body, ApiBytes, ApiJson, ApiPath};
use crate::http::state::AppState;
use crate::wire;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use deconflict_store::{Role, StrategicRecord};
use serde::Deserialize;
use serde_json::{json, Value};

/// The document of a stored request.
///
/// # Errors
/// Internal: the stored body does not read.
pub fn doc_of(rec: StrategicRecord) -> ApiResult<RequestDoc> {
    RequestDoc::from_record(rec).map_err(ApiError::internal)
}

/// `GET /api/v1/requests`: newest first.
pub async fn list(State(s): State<AppState>, c: Caller) -> ApiResult<impl IntoResponse> {
    let recs = s.db(|st| st.list_requests()).await?;
    let now = s.now_s();
    let mut out = Vec::new();
    for r in recs {
        let d = doc_of(r)?;
        if d.visible_to(&c.party, c.role) {
            let mut v = serde_json::to_value(s.strategic.notice_shown(&d, now))
                .map_err(ApiError::internal)?;
            if let Some(status) = compliance_of(&s, &d, now) {
                v["compliance"] = serde_json::to_value(status).map_err(ApiError::internal)?;
            }
            out.push(v);
        }
    }
    out.reverse();
    Ok(axum::Json(json!({ "requests": out })))
}

/// An accepted vacate request's compliance status, from its exclusion's active alerts and
/// the aircraft's current paths.
fn compliance_of(s: &AppState, d: &RequestDoc, now: f64) -> Option<exclusions::Compliance> {
    let x = s.strategic.get(d.exclusion_id.as_deref()?)?;
    let deadline = x.exclusion.as_ref()?.deadline;
    let alerts: Vec<_> = s
        .strategic
        .active
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .filter(|a| a.reservation_id == x.id)
        .cloned()
        .collect();
    let detector = s.strategic.detector();
    // Only the aircraft in its alerts, looked up in the picture.
    let pic = s.live.picture();
    Some(exclusions::compliance_status(
        &x.id,
        deadline,
        &alerts,
        |id| {
            let track = &pic.tracks[*pic.index.get(id)?];
            let st = &crate::domain::intrusions::airborne_state(&pic, &track.view)?;
            let end = x
                .volumes
                .iter()
                .map(|v| v.end_time)
                .fold(deadline, f64::max);
            exclusions::expected_exit(&detector, st, &x.id, (deadline, end), now)
        },
    ))
}

/// `POST /api/v1/requests`.
pub async fn create(
    State(s): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<Value>,
) -> ApiResult<impl IntoResponse> {
    c.require_writer()?;
    let b: NewRequest = parse_body(b)?;
    let cfg = &s.config.strategic;
    let limits = RequestLimits {
        max_s: cfg.request_max_s,
        default_s: cfg.request_default_s,
    };
    let doc = {
        let reservation = |id: &str| s.strategic.get(id);
        let role_of = |p: &str| s.directory.party(p).map(|p| p.role);
        let lookups = Lookups {
            reservation: &reservation,
            role_of: &role_of,
        };
        new_request(b, &c.party, s.now_s(), limits, &lookups)?
    };
    let record = requests::record_of(&doc);
    let action = created_action(doc.kind);
    let actor = c.party.clone();
    let rec = s
        .db(move |st| st.create_request(&actor, action, &record))
        .await?;
    let doc = doc_of(rec)?;
    let now = s.now_s();
    // A notice's own airspace is watched from now on.
    s.strategic.put_notice(&doc, now);
    let doc = s.strategic.notice_shown(&doc, now);
    s.live.publish_request("created", &doc, now);
    Ok((StatusCode::CREATED, axum::Json(doc)))
}

/// Body of an answer.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AnswerBody {
    /// Why (required to decline).
    #[serde(default)]
    reason: Option<String>,
}

async fn answer(
    s: AppState,
    c: Caller,
    id: String,
    body: axum::body::Bytes,
    what: Answer,
) -> ApiResult<axum::Json<RequestDoc>> {
    c.require_writer()?;
    let reason = optional_body::<AnswerBody>(&body)?.and_then(|b| b.reason);
    let id2 = id.clone();
    let rec = s.db(move |st| st.get_request(&id2)).await?;
    let not_found = || ApiError::not_found(format!("no request {id:?} visible to {}", c.party));
    let rec = rec.ok_or_else(not_found)?;
    let version = rec.version;
    let d = doc_of(rec)?;
    if !d.visible_to(&c.party, c.role) {
        return Err(not_found());
    }
    let others: Vec<String> = s
        .directory
        .parties()
        .into_iter()
        .filter(|p| p.role == Role::Party)
        .map(|p| p.id)
        .collect();
    let d = requests::answer(&d, &c.party, what, reason, s.now_s(), &others)?;
    let actor = c.party.clone();
    // An accepted vacate request changes the airspace: its exclusion is created with the
    // answer, in one transaction.
    let exclusion = match what {
        Answer::Accept => exclusions::exclusion_for(&d, &c.party, s.now_s()),
        _ => None,
    };
    let (rec, created) = match exclusion {
        Some(x) => {
            let _writes = s.strategic.writes.lock().await;
            let record = x.to_record().map_err(ApiError::internal)?;
            let (q, r) = s
                .db(move |st| {
                    let naming = |r: &StrategicRecord| {
                        requests::change_of(&RequestDoc {
                            exclusion_id: Some(r.id.clone()),
                            ..d.clone()
                        })
                    };
                    st.answer_request_with_reservation(
                        &actor,
                        what.action(),
                        &id,
                        version,
                        "exclusion.create",
                        &record,
                        &naming,
                    )
                })
                .await?;
            let doc = ReservationDoc::from_record(r).map_err(ApiError::internal)?;
            s.strategic.put(doc.clone(), s.now_s());
            (q, Some(doc))
        }
        None => {
            let change = requests::change_of(&d);
            let q = s
                .db(move |st| st.update_request(&actor, what.action(), &id, version, &change))
                .await?;
            (q, None)
        }
    };
    let d = doc_of(rec)?;
    let now = s.now_s();
    s.strategic.put_notice(&d, now);
    let d = s.strategic.notice_shown(&d, now);
    if let Some(x) = created {
        s.live
            .publish_frame(wire::reservation_frame("filed", &x, now), None);
    }
    s.live.publish_request(what.event(), &d, now);
    Ok(axum::Json(d))
}

/// `POST /api/v1/requests/{id}/accept`.
pub async fn accept(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<axum::Json<RequestDoc>> {
    answer(s, c, id, body, Answer::Accept).await
}

/// `POST /api/v1/requests/{id}/decline` with `{"reason": "..."}`.
pub async fn decline(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<axum::Json<RequestDoc>> {
    answer(s, c, id, body, Answer::Decline).await
}

/// `POST /api/v1/requests/{id}/ack`.
pub async fn ack(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<axum::Json<RequestDoc>> {
    answer(s, c, id, body, Answer::Ack).await
}
