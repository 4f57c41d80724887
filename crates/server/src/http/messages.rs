//! The hotline: messages to a party or to all, read marks and acknowledgements.

use crate::domain::parties::Caller;
use crate::domain::policy::{self, message_visible};
use crate::domain::text::{self, Kind};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiPath};
use crate::http::state::AppState;
use crate::live::StreamEvent;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use deconflict_store::{Message, NewMessage, Role};
use serde::Deserialize;
use serde_json::json;

/// Longest message body, bytes.
pub const MAX_BODY_BYTES: usize = 16_384;
/// Longest subject, bytes.
pub const MAX_SUBJECT_BYTES: usize = 256;

/// `GET /api/v1/messages`.
pub async fn list(State(s): State<AppState>, c: Caller) -> ApiResult<impl IntoResponse> {
    let who = c.party.clone();
    let all = c.role != Role::Party;
    let msgs = s
        .db(move |st| {
            let mut list = st.list_messages(if all { None } else { Some(&who) })?;
            if all {
                for m in &mut list {
                    if let Some(x) = st.get_message(m.id, &who)? {
                        *m = x;
                    }
                }
            }
            Ok(list)
        })
        .await?;
    Ok(axum::Json(json!({ "messages": msgs })))
}

/// The body or query of the operation below.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendBody {
    /// The addressee party; `null` or left out: every party.
    #[serde(default)]
    to: Option<String>,
    /// Subject line, at most 256 bytes.
    #[serde(default)]
    #[schema(max_length = 256)]
    subject: String,
    /// Text, not blank, at most 16,384 bytes.
    #[schema(min_length = 1, max_length = 16_384)]
    body: String,
}

/// `POST /api/v1/messages`.
pub async fn send(
    State(s): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<SendBody>,
) -> ApiResult<impl IntoResponse> {
    c.require_writer()?;
    if let Some(to) = &b.to {
        if s.directory.party(to).is_none() {
            return Err(ApiError::invalid(format!(
                "to: party {to:?} does not exist"
            )));
        }
    }
    text::check("subject", &b.subject, Kind::Line)?;
    text::check("body", &b.body, Kind::Multiline)?;
    if b.body.trim().is_empty() {
        return Err(ApiError::invalid("body is empty"));
    }
    if b.body.len() > MAX_BODY_BYTES || b.subject.len() > MAX_SUBJECT_BYTES {
        return Err(ApiError::invalid(format!(
            "subject is limited to {MAX_SUBJECT_BYTES} bytes and body to {MAX_BODY_BYTES} bytes"
        )));
    }
    let nm = NewMessage {
        from: c.party.clone(),
        to: b.to,
        subject: b.subject,
        body: b.body,
    };
    let actor = c.party.clone();
    let m = s.db(move |st| st.send_message(&actor, &nm)).await?;
    s.live.publish(StreamEvent::Message(m.clone()));
    Ok((StatusCode::CREATED, axum::Json(m)))
}

async fn message_action(
    s: AppState,
    c: Caller,
    id: i64,
    ack: bool,
) -> ApiResult<axum::Json<Message>> {
    c.require_writer()?;
    let who = c.party.clone();
    let m = s.db(move |st| st.get_message(id, &who)).await?;
    let m = m
        .filter(|m| message_visible(m, &c.party, c.role))
        .ok_or_else(|| ApiError::not_found(format!("no message {id} addressed to {}", c.party)))?;
    policy::may_mark(&m, &c.party, c.role)?;
    let who = c.party.clone();
    let out = s
        .db(move |st| {
            if ack {
                st.ack_message(&who, id, &who)
            } else {
                st.mark_message_read(&who, id, &who)
            }
        })
        .await?;
    if ack {
        s.live.publish(StreamEvent::Message(out.clone()));
    }
    Ok(axum::Json(out))
}

/// `POST /api/v1/messages/{id}/read`.
pub async fn read(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<impl IntoResponse> {
    message_action(s, c, id, false).await
}

/// `POST /api/v1/messages/{id}/ack`.
pub async fn ack(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<impl IntoResponse> {
    message_action(s, c, id, true).await
}
