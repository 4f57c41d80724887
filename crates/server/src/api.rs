//! REST handlers under `/api/v1` and the table of every route (the OpenAPI document is tested
//! against it).

use crate::auth::{new_token, token_hash, Caller};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::live::{now_s, StreamEvent};
use crate::picture::json_array;
use crate::policy::{self, Viewer};
use crate::state::AppState;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::Router;
use deconflict_feeds::Observation;
use deconflict_store::{AlertRecord, Message, NewMessage, Party, Role, Sharing, SharingMode};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// Builds a router while recording each `(method, path)`, so the route list cannot drift from
/// the router.
pub struct RouteTable {
    router: Router<AppState>,
    list: Vec<(Method, &'static str)>,
}

impl Default for RouteTable {
    fn default() -> Self {
        RouteTable {
            router: Router::new(),
            list: Vec::new(),
        }
    }
}

impl RouteTable {
    /// Adds one method on one path.
    pub fn add(
        mut self,
        method: Method,
        path: &'static str,
        handler: MethodRouter<AppState>,
    ) -> Self {
        self.list.push((method, path));
        self.router = self.router.route(path, handler);
        self
    }
    /// Merges another table (for example the strategic routes).
    pub fn merge(mut self, other: RouteTable) -> Self {
        self.list.extend(other.list);
        self.router = self.router.merge(other.router);
        self
    }
    /// The routes.
    pub fn list(&self) -> &[(Method, &'static str)] {
        &self.list
    }
    /// Splits into the router and the list.
    pub fn into_parts(self) -> (Router<AppState>, Vec<(Method, &'static str)>) {
        (self.router, self.list)
    }
}

/// The routes of this module.
pub fn routes() -> RouteTable {
    use axum::routing::{delete, get, post, put};
    RouteTable::default()
        .add(Method::GET, "/api/v1/health", get(health))
        .add(Method::GET, "/api/v1/me", get(me))
        .add(Method::GET, "/api/v1/tracks", get(tracks))
        .add(Method::GET, "/api/v1/tracks/{id}", get(track))
        .add(Method::POST, "/api/v1/telemetry", post(telemetry))
        .add(
            Method::GET,
            "/api/v1/export/picture.geojson",
            get(picture_geojson),
        )
        .add(Method::GET, "/api/v1/conflicts", get(conflicts))
        .add(
            Method::POST,
            "/api/v1/conflicts/{id}/ack",
            post(ack_conflict),
        )
        .add(Method::GET, "/api/v1/messages", get(list_messages))
        .add(Method::POST, "/api/v1/messages", post(send_message))
        .add(
            Method::POST,
            "/api/v1/messages/{id}/read",
            post(read_message),
        )
        .add(Method::POST, "/api/v1/messages/{id}/ack", post(ack_message))
        .add(Method::GET, "/api/v1/parties", get(list_parties))
        .add(Method::POST, "/api/v1/parties", post(create_party))
        .add(
            Method::PUT,
            "/api/v1/parties/{id}/sharing",
            put(set_sharing),
        )
        .add(
            Method::POST,
            "/api/v1/parties/{id}/tokens",
            post(issue_token),
        )
        .add(
            Method::DELETE,
            "/api/v1/tokens/{token_id}",
            delete(revoke_token),
        )
        .add(Method::GET, "/api/v1/feeds", get(feeds))
        .add(Method::GET, "/api/v1/audit", get(audit))
        .add(Method::GET, "/api/v1/audit/verify", get(audit_verify))
}

/// Allowed party ids: 1–32 of `a-z 0-9 - _`, starting with a letter.
///
/// # Errors
/// What is wrong.
pub fn validate_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 32
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "id {id:?} must be 1-32 characters of a-z, 0-9, '-', '_' starting with a letter"
        ))
    }
}

fn viewer(c: &Caller) -> Viewer {
    Viewer::for_role(&c.party, c.role)
}

async fn health() -> impl IntoResponse {
    axum::Json(json!({ "ok": true }))
}

async fn me(s: axum::extract::State<AppState>, c: Caller) -> ApiResult<impl IntoResponse> {
    let p = s
        .directory
        .party(&c.party)
        .ok_or_else(|| ApiError::unauthorized("party no longer exists"))?;
    Ok(axum::Json(
        json!({ "party": p.id, "role": p.role, "name": p.name, "sharing": p.sharing }),
    ))
}

fn json_response(body: String, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

async fn tracks(s: axum::extract::State<AppState>, c: Caller) -> Response {
    let pic = s.live.picture();
    let v = viewer(&c);
    let arr = json_array(pic.visible(&v, &s.directory).map(|t| &*t.json));
    json_response(
        format!("{{\"time\":{},\"tracks\":{arr}}}", pic.time),
        "application/json",
    )
}

async fn track(
    s: axum::extract::State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    let pic = s.live.picture();
    let t = pic
        .get(&id, &viewer(&c), &s.directory)
        .ok_or_else(|| ApiError::not_found(format!("no track {id:?} visible to {}", c.party)))?;
    Ok(json_response(t.json.to_string(), "application/json"))
}

async fn picture_geojson(s: axum::extract::State<AppState>, c: Caller) -> Response {
    let pic = s.live.picture();
    let v = viewer(&c);
    let feats = pic.visible(&v, &s.directory).map(|t| {
        json!({
            "type": "Feature",
            "id": t.view.id,
            "geometry": { "type": "Point", "coordinates": [t.view.lon_deg, t.view.lat_deg] },
            "properties": t.view,
        })
    });
    let body = json!({ "type": "FeatureCollection", "features": feats.collect::<Vec<_>>(), "time": pic.time });
    json_response(body.to_string(), "application/geo+json")
}

/// One telemetry state as a party reports it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetryState {
    id: String,
    #[serde(default)]
    callsign: Option<String>,
    lat_deg: f64,
    lon_deg: f64,
    alt_ft: f64,
    #[serde(default)]
    gs_kt: Option<f64>,
    #[serde(default)]
    trk_deg: Option<f64>,
    #[serde(default)]
    vs_fpm: Option<f64>,
    #[serde(default)]
    on_ground: Option<bool>,
    #[serde(default)]
    squawk: Option<String>,
    /// MCP/FCU selected altitude, feet (the safety net caps climbs and descents there).
    #[serde(default)]
    selected_alt_ft: Option<f64>,
    /// UNIX seconds; default: now.
    #[serde(default)]
    time: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<Value>),
    One(Value),
}

fn check_state(t: &TelemetryState, now: f64) -> Result<(), String> {
    let s = deconflict_engine::AircraftState {
        id: t.id.clone(),
        party: None,
        lat_deg: t.lat_deg,
        lon_deg: t.lon_deg,
        alt_ft: t.alt_ft,
        gs_kt: t.gs_kt.unwrap_or(0.0),
        trk_deg: t.trk_deg.unwrap_or(0.0),
        vs_fpm: t.vs_fpm.unwrap_or(0.0),
    };
    s.validate().map_err(|e| e.to_string())?;
    if t.id.len() > 32
        || !t
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "id {:?} must be 1-32 characters of A-Z, a-z, 0-9, '-', '_'",
            t.id
        ));
    }
    if let Some(time) = t.time {
        if !time.is_finite() {
            return Err("time is not a finite number".into());
        }
        if time > now + 5.0 {
            return Err(format!("time {time} is {:.0} s in the future", time - now));
        }
        if time < now - 3600.0 {
            return Err(format!("time {time} is more than an hour old"));
        }
    }
    if let Some(sel) = t.selected_alt_ft {
        if !(sel.is_finite()
            && (deconflict_engine::state::MIN_ALT_FT..=deconflict_engine::state::MAX_ALT_FT)
                .contains(&sel))
        {
            return Err(format!("selected_alt_ft {sel} is out of range"));
        }
    }
    if t.callsign.as_ref().is_some_and(|c| c.len() > 16) {
        return Err("callsign is longer than 16 characters".into());
    }
    Ok(())
}

async fn telemetry(
    s: axum::extract::State<AppState>,
    c: Caller,
    ApiJson(body): ApiJson<OneOrMany>,
) -> ApiResult<impl IntoResponse> {
    c.require_writer()?;
    let items = match body {
        OneOrMany::Many(v) => v,
        OneOrMany::One(v) => vec![v],
    };
    if items.len() > s.config.limits.telemetry_batch_max {
        return Err(ApiError::invalid(format!(
            "{} states in one request; at most {} (limits.telemetry_batch_max)",
            items.len(),
            s.config.limits.telemetry_batch_max
        )));
    }
    let now = now_s();
    let feed: Arc<str> = Arc::from(format!("telemetry-{}", c.party));
    let party: Arc<str> = Arc::from(c.party.as_str());
    let mut accepted = 0usize;
    let mut rejected = Vec::new();
    for (index, v) in items.into_iter().enumerate() {
        let t: TelemetryState = match serde_json::from_value(v) {
            Ok(t) => t,
            Err(e) => {
                rejected.push(json!({ "index": index, "reason": e.to_string() }));
                continue;
            }
        };
        if let Err(reason) = check_state(&t, now) {
            rejected.push(json!({ "index": index, "reason": reason }));
            continue;
        }
        let mut o = Observation::new(t.id.clone(), t.time.unwrap_or(now), feed.clone());
        o.lat_deg = Some(t.lat_deg);
        o.lon_deg = Some(t.lon_deg);
        o.alt_ft = Some(t.alt_ft);
        o.gs_kt = t.gs_kt;
        o.trk_deg = t.trk_deg;
        o.vs_fpm = t.vs_fpm;
        o.callsign = t.callsign;
        o.squawk = t.squawk;
        o.selected_alt_ft = t.selected_alt_ft;
        o.on_ground = t.on_ground;
        o.party = Some(party.clone());
        o.own = true;
        match s.live.ingest.try_send(o) {
            Ok(()) => accepted += 1,
            Err(_) => rejected
                .push(json!({ "index": index, "reason": "ingest queue full; retry shortly" })),
        }
    }
    Ok(axum::Json(
        json!({ "accepted": accepted, "rejected": rejected }),
    ))
}

/// The API form of an alert (`Conflict` in docs/api.md).
pub fn conflict_json(a: &AlertRecord) -> Value {
    let mut v = json!({
        "id": a.id, "a": a.a, "b": a.b, "a_party": a.a_party, "b_party": a.b_party,
        "level": a.level, "state": a.state, "raised_at": a.raised_at, "updated_at": a.updated_at,
        "cleared_at": a.cleared_at, "acks": a.acks,
    });
    if let (Some(obj), Value::Object(d)) = (v.as_object_mut(), &a.detail) {
        for (k, val) in d {
            obj.insert(k.clone(), val.clone());
        }
    }
    v
}

fn unacked_warning(a: &AlertRecord, v: &Viewer) -> bool {
    a.cleared_at.is_none()
        && a.level >= 3
        && match v {
            Viewer::All => a.acks.values().any(|x| !x),
            Viewer::Party(p) => a.acks.get(p) == Some(&false),
        }
}

/// Alerts `v` may see, sorted: unacknowledged warnings first, then level desc, then time to
/// loss of separation asc.
pub fn sorted_alerts(mut list: Vec<AlertRecord>, v: &Viewer) -> Vec<AlertRecord> {
    list.retain(|a| policy::alert_visible(v, a));
    let t_in = |a: &AlertRecord| {
        a.detail
            .get("t_in_s")
            .and_then(Value::as_f64)
            .unwrap_or(f64::MAX)
    };
    list.sort_by(|x, y| {
        unacked_warning(y, v)
            .cmp(&unacked_warning(x, v))
            .then(y.cleared_at.is_none().cmp(&x.cleared_at.is_none()))
            .then(y.level.cmp(&x.level))
            .then(t_in(x).total_cmp(&t_in(y)))
            .then(x.id.cmp(&y.id))
    });
    list
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConflictsQuery {
    #[serde(default)]
    include: Option<String>,
}

async fn conflicts(
    s: axum::extract::State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<ConflictsQuery>,
) -> ApiResult<impl IntoResponse> {
    let since = match q.include.as_deref() {
        None => None,
        Some("cleared") => Some(now_s() - s.config.retention.recent_cleared_s),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "include={other:?}: the only value is \"cleared\""
            )))
        }
    };
    let list = s.db(move |st| st.list_alerts(since)).await?;
    let v = viewer(&c);
    let out: Vec<Value> = sorted_alerts(list, &v).iter().map(conflict_json).collect();
    Ok(axum::Json(json!({ "conflicts": out })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AckBody {
    #[serde(default)]
    party: Option<String>,
}

async fn ack_conflict(
    s: axum::extract::State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
    body: axum::body::Bytes,
) -> ApiResult<impl IntoResponse> {
    let requested = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<AckBody>(&body)
            .map_err(|e| ApiError::bad_request(format!("body: {e}")))?
            .party
    };
    let id2 = id.clone();
    let alert = s.db(move |st| st.get_alert(&id2)).await?;
    let v = viewer(&c);
    let alert = alert
        .filter(|a| policy::alert_visible(&v, a))
        .ok_or_else(|| ApiError::not_found(format!("no alert {id:?} visible to {}", c.party)))?;
    let side = policy::ack_side(&c.party, c.role, &alert, requested.as_deref())
        .map_err(ApiError::forbidden)?;
    let actor = c.party.clone();
    let updated = s.db(move |st| st.ack_alert(&actor, &id, &side)).await?;
    if updated.cleared_at.is_none() {
        s.live.put_alert(updated.clone());
    }
    s.live.publish(StreamEvent::Alert {
        event: "updated",
        alert: updated.clone(),
    });
    Ok(axum::Json(conflict_json(&updated)))
}

async fn list_messages(
    s: axum::extract::State<AppState>,
    c: Caller,
) -> ApiResult<impl IntoResponse> {
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SendBody {
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    subject: String,
    body: String,
}

async fn send_message(
    s: axum::extract::State<AppState>,
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
    if b.body.trim().is_empty() {
        return Err(ApiError::invalid("body is empty"));
    }
    if b.body.len() > 16_384 || b.subject.len() > 256 {
        return Err(ApiError::invalid(
            "subject is limited to 256 bytes and body to 16384 bytes",
        ));
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

/// Whether `party` (a plain party) may see message `m`.
pub fn message_visible(m: &Message, party: &str, role: Role) -> bool {
    role != Role::Party || m.from == party || m.to.is_none() || m.to.as_deref() == Some(party)
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
    if m.from == c.party && m.to.as_deref() != Some(&c.party) {
        return Err(ApiError::forbidden(
            "the sender cannot mark its own message read or acknowledged",
        ));
    }
    if c.role == Role::Cell && m.to.as_deref().is_some_and(|t| t != c.party) {
        return Err(ApiError::forbidden(format!(
            "message {id} is addressed to {}, not to the cell",
            m.to.unwrap_or_default()
        )));
    }
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

async fn read_message(
    s: axum::extract::State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<impl IntoResponse> {
    message_action(s.0, c, id, false).await
}

async fn ack_message(
    s: axum::extract::State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<impl IntoResponse> {
    message_action(s.0, c, id, true).await
}

async fn list_parties(s: axum::extract::State<AppState>, _c: Caller) -> impl IntoResponse {
    axum::Json(json!({ "parties": s.directory.parties() }))
}

fn check_sharing(sh: &Sharing) -> ApiResult<()> {
    if sh.mode == SharingMode::Proximity {
        if !(sh.range_nm.is_finite() && sh.range_nm > 0.0 && sh.range_nm <= 1000.0) {
            return Err(ApiError::invalid(format!(
                "range_nm = {} must be in (0, 1000]",
                sh.range_nm
            )));
        }
        if !(sh.alt_ft.is_finite() && sh.alt_ft > 0.0 && sh.alt_ft <= 100_000.0) {
            return Err(ApiError::invalid(format!(
                "alt_ft = {} must be in (0, 100000]",
                sh.alt_ft
            )));
        }
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewParty {
    id: String,
    #[serde(default)]
    name: Option<String>,
    role: Role,
    #[serde(default)]
    sharing: Option<Sharing>,
}

async fn create_party(
    s: axum::extract::State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<NewParty>,
) -> ApiResult<impl IntoResponse> {
    c.require_cell()?;
    validate_id(&b.id).map_err(ApiError::invalid)?;
    let sharing = b.sharing.unwrap_or(s.config.sharing);
    check_sharing(&sharing)?;
    let p = Party::new(&b.id, b.name.as_deref().unwrap_or(&b.id), b.role, sharing);
    let (actor, p2) = (c.party.clone(), p.clone());
    s.db(move |st| st.create_party(&actor, &p2)).await?;
    s.directory.put_party(p.clone());
    Ok((StatusCode::CREATED, axum::Json(p)))
}

async fn set_sharing(
    s: axum::extract::State<AppState>,
    c: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(sh): ApiJson<Sharing>,
) -> ApiResult<impl IntoResponse> {
    c.require_writer()?;
    if c.role != Role::Cell && c.party != id {
        return Err(ApiError::forbidden(format!(
            "{} may change only its own sharing rule, not {id}'s",
            c.party
        )));
    }
    check_sharing(&sh)?;
    let actor = c.party.clone();
    let p = s.db(move |st| st.set_sharing(&actor, &id, &sh)).await?;
    s.directory.put_party(p.clone());
    Ok(axum::Json(p))
}

async fn issue_token(
    s: axum::extract::State<AppState>,
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

async fn revoke_token(
    s: axum::extract::State<AppState>,
    c: Caller,
    ApiPath(token_id): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    c.require_cell()?;
    let actor = c.party.clone();
    let rec = s.db(move |st| st.revoke_token(&actor, &token_id)).await?;
    s.directory.put_token(rec);
    Ok(StatusCode::NO_CONTENT)
}

async fn feeds(s: axum::extract::State<AppState>, c: Caller) -> impl IntoResponse {
    let list: Vec<Value> = s
        .live
        .feeds
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|f| f.snapshot())
        .filter(|f| c.role != Role::Party || f.party.as_deref() == Some(c.party.as_str()))
        .map(|f| serde_json::to_value(f).unwrap_or(Value::Null))
        .collect();
    axum::Json(json!({ "feeds": list }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    #[serde(default)]
    after: Option<i64>,
    #[serde(default)]
    limit: Option<usize>,
}

async fn audit(
    s: axum::extract::State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<impl IntoResponse> {
    c.require_cell()?;
    let limit = q.limit.unwrap_or(100);
    if limit == 0 || limit > 10_000 {
        return Err(ApiError::bad_request(format!(
            "limit = {limit} must be in 1..=10000"
        )));
    }
    let after = q.after.unwrap_or(0);
    let entries = s.db(move |st| st.audit_entries(after, limit)).await?;
    Ok(axum::Json(json!({ "entries": entries })))
}

async fn audit_verify(
    s: axum::extract::State<AppState>,
    c: Caller,
) -> ApiResult<impl IntoResponse> {
    c.require_cell()?;
    let r = s.db(|st| st.verify_audit()).await?;
    Ok(axum::Json(r))
}
