//! The safety net's cell-managed data over `/api/v1/safety/*`: parameter regions and
//! inhibition volumes (the cell), exemptions (the declaring party). The rules are
//! `domain::safety`'s; `live::safety` builds and installs the region set.

use crate::domain::parties::Caller;
use crate::domain::safety::{
    boxes_meet, check_region_text, declare, exemption_visible, region_bounds, DeclareBody,
    ExemptionDoc,
};
use crate::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery};
use crate::http::state::AppState;
use crate::live::safety::{build_regions, stored_exemptions, stored_regions, EXEMPTIONS, REGIONS};
use crate::wire::Frame;
use axum::extract::State;
use axum::response::IntoResponse;
use deconflict_airspace::regions::{RegionSource, SafetyRegion};
use deconflict_store::Role;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// `?bbox=W,S,E,N` (W > E crosses the antimeridian).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct BboxQuery {
    /// Also the default aerodrome regions meeting this box, `W,S,E,N` in degrees.
    #[param(example = "2.0,48.5,3.0,49.2")]
    bbox: Option<String>,
}

pub(crate) fn parse_bbox(s: &str) -> ApiResult<[f64; 4]> {
    let v: Vec<f64> = s
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| ApiError::bad_request("bbox must be W,S,E,N in degrees"))?;
    match v.as_slice() {
        [w, so, e, n]
            if w.abs() <= 180.0
                && e.abs() <= 180.0
                && so.abs() <= 90.0
                && n.abs() <= 90.0
                && so <= n =>
        {
            Ok([*w, *so, *e, *n])
        }
        _ => Err(ApiError::bad_request("bbox must be W,S,E,N in degrees")),
    }
}

/// Most default regions one `?bbox` listing returns.
const MAX_BBOX_REGIONS: usize = 2_000;

/// The `list_regions` operation of `/api/v1/safety`.
pub async fn list_regions(
    State(s): State<AppState>,
    _c: Caller,
    ApiQuery(q): ApiQuery<BboxQuery>,
) -> ApiResult<impl IntoResponse> {
    let set = s.live.region_set();
    let bbox = q.bbox.as_deref().map(parse_bbox).transpose()?;
    let mut regions = Vec::new();
    let mut defaults = 0usize;
    let mut truncated = false;
    for r in set.iter().flat_map(|set| set.regions()) {
        if r.source == RegionSource::Aerodrome {
            defaults += 1;
            let Some(b) = bbox else { continue };
            if !boxes_meet(region_bounds(r), b) {
                continue;
            }
            if regions.len() >= MAX_BBOX_REGIONS {
                truncated = true;
                continue;
            }
        }
        regions.push(serde_json::to_value(r).map_err(ApiError::internal)?);
    }
    Ok(axum::Json(json!({
        "regions": regions,
        "aerodrome_defaults": { "enabled": s.config.safety_net.aerodromes.enabled, "regions": defaults },
        "truncated": truncated,
    })))
}

/// The `add_region` operation of `/api/v1/safety`.
pub async fn add_region(
    State(s): State<AppState>,
    c: Caller,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<impl IntoResponse> {
    c.require_cell()?;
    let mut region: SafetyRegion = serde_json::from_value(body)
        .map_err(|e| ApiError::invalid(format!("invalid region: {e}")))?;
    region.source = RegionSource::Api;
    check_region_text(&region)?;
    region
        .validate()
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    if region_id_taken(&s, &region.id) {
        return Err(ApiError::conflict(format!(
            "a region {:?} already exists",
            region.id
        )));
    }
    let _writes = s.strategic.writes.lock().await;
    let mut api: Vec<SafetyRegion> = {
        let store = s.store.clone();
        s.db(move |_| stored_regions(store.as_ref()))
            .await?
            .into_iter()
            .map(|(r, _)| r)
            .collect()
    };
    api.push(region.clone());
    let set = build_regions(&s.config, api).map_err(ApiError::invalid)?;
    let body = serde_json::to_value(&region).map_err(ApiError::internal)?;
    let (actor, id) = (c.party.clone(), region.id.clone());
    let existing = {
        let (store, id) = (s.store.clone(), id.clone());
        s.db(move |_| store.get_document(REGIONS, &id)).await?
    };
    let version = existing.map(|(_, v)| v);
    s.db(move |st| st.put_document(&actor, "safety.region.add", REGIONS, &id, &body, version))
        .await?;
    s.live.set_regions(Arc::new(set));
    s.live.publish_frame(
        Frame::SafetyRegion {
            event: "added",
            region: &region,
        }
        .text(),
        None,
    );
    Ok((
        axum::http::StatusCode::CREATED,
        axum::Json(serde_json::to_value(&region).map_err(ApiError::internal)?),
    ))
}

fn region_id_taken(s: &AppState, id: &str) -> bool {
    s.live
        .region_set()
        .is_some_and(|set| set.regions().iter().any(|r| r.id == id))
}

/// The `remove_region` operation of `/api/v1/safety`.
pub async fn remove_region(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    c.require_cell()?;
    let _writes = s.strategic.writes.lock().await;
    let store = s.store.clone();
    let all = s.db(move |_| stored_regions(store.as_ref())).await?;
    let Some((_, version)) = all.iter().find(|(r, _)| r.id == id).cloned() else {
        return Err(ApiError::not_found(format!(
            "no region {id:?} added over the API (configured and default regions are changed in the configuration)"
        )));
    };
    let rest: Vec<SafetyRegion> = all
        .into_iter()
        .map(|(r, _)| r)
        .filter(|r| r.id != id)
        .collect();
    let set = build_regions(&s.config, rest).map_err(ApiError::invalid)?;
    let (actor, rid) = (c.party.clone(), id.clone());
    s.db(move |st| {
        st.put_document(
            &actor,
            "safety.region.remove",
            REGIONS,
            &rid,
            &json!({"id": rid, "withdrawn": true}),
            Some(version),
        )
    })
    .await?;
    s.live.set_regions(Arc::new(set));
    s.live.publish_frame(
        Frame::SafetyRegionRemoved {
            event: "removed",
            id: &id,
        }
        .text(),
        None,
    );
    Ok(axum::Json(json!({"id": id, "removed": true})))
}

/// The `list_exemptions` operation of `/api/v1/safety`.
pub async fn list_exemptions(State(s): State<AppState>, c: Caller) -> ApiResult<impl IntoResponse> {
    let store = s.store.clone();
    let all = s.db(move |_| stored_exemptions(store.as_ref())).await?;
    let now = s.now_s();
    let list: Vec<Value> = all
        .iter()
        .filter(|(d, _)| exemption_visible(d, &c.party, c.role))
        .map(|(d, v)| d.json_at(now, *v))
        .collect();
    Ok(axum::Json(json!({ "exemptions": list })))
}

/// The `add_exemption` operation of `/api/v1/safety`.
pub async fn add_exemption(
    State(s): State<AppState>,
    c: Caller,
    ApiJson(body): ApiJson<DeclareBody>,
) -> ApiResult<impl IntoResponse> {
    if c.role != Role::Party {
        return Err(ApiError::forbidden(
            "only a party declares exemptions, for its own aircraft",
        ));
    }
    let now = s.now_s();
    let cfg = &s.config.safety_net;
    let live = s.live.clone();
    let mut doc = declare(
        &c.party,
        &body,
        now,
        cfg.exemption_max_tracks,
        cfg.exemption_max_duration_s,
        |t| live.track_party(t),
    )?;
    let _writes = s.strategic.writes.lock().await;
    let store = s.store.clone();
    let n = s.db(move |_| store.list_documents(EXEMPTIONS)).await?.len();
    doc.id = format!("x-{}", n + 1);
    let body = serde_json::to_value(&doc).map_err(ApiError::internal)?;
    let (actor, id) = (c.party.clone(), doc.id.clone());
    let version = s
        .db(move |st| {
            st.put_document(
                &actor,
                "safety.exemption.declare",
                EXEMPTIONS,
                &id,
                &body,
                None,
            )
        })
        .await?;
    reload_exemptions(&s).await?;
    let out = doc.json_at(now, version);
    s.live.publish_frame(
        Frame::Exemption {
            event: "declared",
            exemption: &out,
        }
        .text(),
        Some(vec![doc.party.clone()]),
    );
    Ok((axum::http::StatusCode::CREATED, axum::Json(out)))
}

/// The `withdraw_exemption` operation of `/api/v1/safety`.
pub async fn withdraw_exemption(
    State(s): State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    c.require_writer()?;
    let _writes = s.strategic.writes.lock().await;
    let (store, key) = (s.store.clone(), id.clone());
    let Some((body, version)) = s.db(move |_| store.get_document(EXEMPTIONS, &key)).await? else {
        return Err(ApiError::not_found(format!("no exemption {id:?}")));
    };
    let mut doc: ExemptionDoc = serde_json::from_value(body).map_err(ApiError::internal)?;
    if c.role == Role::Party && c.party != doc.party {
        return Err(ApiError::forbidden(
            "only the declaring party or the cell withdraws an exemption",
        ));
    }
    if doc.withdrawn {
        return Err(ApiError::conflict(format!(
            "exemption {id:?} is already withdrawn"
        )));
    }
    doc.withdrawn = true;
    let now = s.now_s();
    let b = serde_json::to_value(&doc).map_err(ApiError::internal)?;
    let (actor, key) = (c.party.clone(), id.clone());
    let v = s
        .db(move |st| {
            st.put_document(
                &actor,
                "safety.exemption.withdraw",
                EXEMPTIONS,
                &key,
                &b,
                Some(version),
            )
        })
        .await?;
    reload_exemptions(&s).await?;
    let out = doc.json_at(now, v);
    s.live.publish_frame(
        Frame::Exemption {
            event: "withdrawn",
            exemption: &out,
        }
        .text(),
        Some(vec![doc.party.clone()]),
    );
    Ok(axum::Json(out))
}

async fn reload_exemptions(s: &AppState) -> ApiResult<()> {
    let store = s.store.clone();
    let all = s.db(move |_| stored_exemptions(store.as_ref())).await?;
    s.live
        .set_exemption_docs(all.into_iter().map(|(d, _)| d).collect());
    Ok(())
}
