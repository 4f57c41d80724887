//! Parties, their sharing rules and tokens.

use crate::domain::ids::validate_party_id;
use crate::domain::parties::{check_sharing, new_token, token_hash, Caller};
use crate::domain::text::{self, Kind};
use crate::error::ApiResult;
use crate::http::extract::{ApiJson, ApiPath};
use crate::http::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use deconflict_store::{Party, Role, Sharing};
use serde::Deserialize;
use serde_json::json;

/// `GET /api/v1/parties`.
pub async fn list(State(s): State<AppState>, _c: Caller) -> impl IntoResponse {
    axum::Json(json!({ "parties": s.directory.parties() }))
}

/// The body or query of the operation below.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewParty {
    /// Identifier: 1-32 of `a-z 0-9 - _`, starting with a letter.
    #[schema(pattern = "^[a-z][a-z0-9_-]{0,31}$")]
    id: String,
    /// Display name (default: the id).
    #[serde(default)]
    name: Option<String>,
    /// Role.
    role: Role,
    /// Sharing rule (default: the cell's `sharing`).
    #[serde(default)]
    sharing: Option<Sharing>,
}

/// `POST /api/v1/parties`.
pub async fn create(
    State(s): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<NewParty>,
) -> ApiResult<impl IntoResponse> {
    c.require_cell()?;
    validate_party_id(&b.id)?;
    text::check_opt("name", b.name.as_deref(), Kind::Line)?;
    let sharing = b.sharing.unwrap_or(s.config.sharing);
    check_sharing(&sharing)?;
    let p = Party::new(&b.id, b.name.as_deref().unwrap_or(&b.id), b.role, sharing);
    let (actor, p2) = (c.party.clone(), p.clone());
    s.db(move |st| st.create_party(&actor, &p2)).await?;
    s.directory.put_party(p.clone());
    Ok((StatusCode::CREATED, axum::Json(p)))
}

/// `PUT /api/v1/parties/{id}/sharing`.
pub async fn set_sharing(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(sh): ApiJson<Sharing>,
) -> ApiResult<impl IntoResponse> {
    c.may_set_sharing(&id)?;
    check_sharing(&sh)?;
    let actor = c.party.clone();
    let p = s.db(move |st| st.set_sharing(&actor, &id, &sh)).await?;
    s.directory.put_party(p.clone());
    Ok(axum::Json(p))
}

/// `POST /api/v1/parties/{id}/tokens`.
pub async fn issue_token(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    c.require_cell()?;
    let (token_id, token) = new_token();
    let (actor, hash) = (c.party.clone(), token_hash(&token));
    let rec = s
        .db(move |st| st.create_token(&actor, &token_id, &id, &hash))
        .await?;
    let out = json!({ "token_id": rec.id, "party": rec.party, "token": token });
    s.directory.put_token(rec);
    Ok((StatusCode::CREATED, axum::Json(out)))
}

/// `DELETE /api/v1/tokens/{token_id}`.
pub async fn revoke_token(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(token_id): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    c.require_cell()?;
    let actor = c.party.clone();
    let rec = s.db(move |st| st.revoke_token(&actor, &token_id)).await?;
    s.directory.put_token(rec);
    Ok(StatusCode::NO_CONTENT)
}
