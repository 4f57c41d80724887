//! `/api/v1/parties/{id}/aircraft`: the aircraft a party may report (`domain::ownership`).
//! The cell registers them (audited); the party itself, the cell and observers read them.

use crate::domain::ids::validate_party_id;
use crate::domain::ownership::{check_registration, AircraftClaims, CLAIMS};
use crate::domain::parties::Caller;
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiPath};
use crate::http::state::AppState;
use axum::extract::State;
use axum::response::IntoResponse;
use deconflict_store::Role;
use serde_json::json;

/// `GET /api/v1/parties/{id}/aircraft`.
pub async fn get(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    if c.role == Role::Party && c.party != id {
        return Err(ApiError::forbidden(format!(
            "{} may read its own aircraft registration only",
            c.party
        )));
    }
    if s.directory.party(&id).is_none() {
        return Err(ApiError::not_found(format!("party {id:?} does not exist")));
    }
    let claims = s.live.claims().get(&id).cloned().unwrap_or_default();
    Ok(axum::Json(json!({ "party": id, "aircraft": claims })))
}

/// `PUT /api/v1/parties/{id}/aircraft` (the cell): replaces the party's registration.
pub async fn put(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<AircraftClaims>,
) -> ApiResult<impl IntoResponse> {
    c.require_cell()?;
    validate_party_id(&id)?;
    if s.directory.party(&id).is_none() {
        return Err(ApiError::not_found(format!("party {id:?} does not exist")));
    }
    let claims = body.validated()?;
    let mut all = (*s.live.claims()).clone();
    check_registration(&id, &claims, &all)?;
    let doc = serde_json::to_value(&claims).map_err(ApiError::internal)?;
    let (actor, party) = (c.party.clone(), id.clone());
    s.db(move |st| st.put_document(&actor, "party.aircraft", CLAIMS, &party, &doc, None))
        .await?;
    all.insert(id.clone(), claims.clone());
    s.live.set_claims(all);
    Ok(axum::Json(json!({ "party": id, "aircraft": claims })))
}
