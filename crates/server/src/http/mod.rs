//! The HTTP surface: one file per resource, each handler a few lines — extract, call a rule
//! (`domain`) or a store operation, respond. [`routes`] is the one table of every route with
//! its documentation — who may call it, and by Rust type what it reads (body, query, path
//! parameters) and answers — from which the router and the OpenAPI document are both built,
//! so the two cannot drift.

pub mod aerodromes;
pub mod aircraft;
pub mod auth;
pub mod conflicts;
pub mod console;
pub mod discrepancies;
pub mod extract;
pub mod intrusions;
pub mod limit;
pub mod messages;
pub mod openapi;
pub mod parties;
pub mod requests;
pub mod reservations;
pub mod safety;
pub mod schemas;
pub mod state;
pub mod stream;
pub mod system;
pub mod table;
pub mod tracks;

pub use table::RouteTable;

use axum::http::Method;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};
use std::sync::OnceLock;

use crate::config::AircraftClaims;
use crate::domain::intrusions::IntrusionRecord;
use crate::domain::picture::TrackView;
use crate::domain::requests::{NewRequest, RequestDoc};
use crate::domain::reservations::ReservationDoc;
use crate::domain::safety::DeclareBody;
use crate::http::extract::AckBody;
use deconflict_airspace::regions::SafetyRegion;
use deconflict_store::{Checkpoint, Message, Party, Sharing, VerifyReport};
use schemas::*;

/// The media type of the GeoJSON exports.
const GEOJSON: &str = "application/geo+json";

const GET: Method = Method::GET;
const POST: Method = Method::POST;
const PUT: Method = Method::PUT;
const DELETE: Method = Method::DELETE;

/// Every route the server answers, with what it does and who may call it.
pub fn routes() -> RouteTable {
    RouteTable::default()
        .add(
            GET,
            "/api/v1/health",
            get(system::health),
            "Liveness check",
            "anyone",
        )
        .ok::<Health>()
        .add(
            GET,
            "/api/v1/me",
            get(system::me),
            "The caller's party and role",
            "any token",
        )
        .ok::<Me>()
        .add(
            GET,
            "/api/v1/tracks",
            get(tracks::list),
            "Tracks visible to the caller",
            "any token",
        )
        .ok::<TrackList>()
        .link("track", GET, "/api/v1/tracks/{id}", &[("id", "$response.body#/tracks/0/id")])
        .add(
            GET,
            "/api/v1/tracks/{id}",
            get(tracks::one),
            "One visible track (404 when unknown or not visible)",
            "any token",
        )
        .ok::<TrackView>()
        .errors(&[404])
        .add(
            POST,
            "/api/v1/telemetry",
            post(tracks::telemetry),
            "Report the caller's own aircraft (one state or an array)",
            "party, cell",
        )
        .body::<TelemetryBody>()
        .ok::<TelemetryResult>()
        .errors(&[403])
        .add(
            GET,
            "/api/v1/export/picture.geojson",
            get(tracks::picture_geojson),
            "Visible tracks as a GeoJSON FeatureCollection",
            "any token",
        )
        .ok_as::<PictureGeoJson>(GEOJSON)
        .add(
            GET,
            "/api/v1/conflicts",
            get(conflicts::list),
            "Active conflicts concerning the caller (?include=cleared)",
            "any token",
        )
        .query::<conflicts::ConflictsQuery>()
        .ok::<ConflictList>()
        .link("ack", POST, "/api/v1/conflicts/{id}/ack", &[("id", "$response.body#/conflicts/0/id")])
        .add(
            POST,
            "/api/v1/conflicts/{id}/ack",
            post(conflicts::ack),
            "Acknowledge the caller's side (cell: {\"party\":…})",
            "party, cell",
        )
        .optional_body::<AckBody>()
        .ok::<Conflict>()
        .errors(&[403, 404])
        .add(
            GET,
            "/api/v1/messages",
            get(messages::list),
            "Hotline messages to, from or for all",
            "any token",
        )
        .ok::<MessageList>()
        .link("read", POST, "/api/v1/messages/{id}/read", &[("id", "$response.body#/messages/0/id")])
        .add(
            POST,
            "/api/v1/messages",
            post(messages::send),
            "Send a hotline message to a party or to all",
            "party, cell",
        )
        .body::<messages::SendBody>()
        .created::<Message>()
        .errors(&[403])
        .link("read", POST, "/api/v1/messages/{id}/read", &[("id", "$response.body#/id")])
        .link("ack", POST, "/api/v1/messages/{id}/ack", &[("id", "$response.body#/id")])
        .add(
            POST,
            "/api/v1/messages/{id}/read",
            post(messages::read),
            "Mark a message read",
            "party, cell",
        )
        .path::<i64>("id")
        .ok::<Message>()
        .errors(&[403, 404])
        .add(
            POST,
            "/api/v1/messages/{id}/ack",
            post(messages::ack),
            "Acknowledge a message",
            "party, cell",
        )
        .path::<i64>("id")
        .ok::<Message>()
        .errors(&[403, 404])
        .add(
            GET,
            "/api/v1/parties",
            get(parties::list),
            "Parties and their sharing rules",
            "any token",
        )
        .ok::<PartyList>()
        .add(
            POST,
            "/api/v1/parties",
            post(parties::create),
            "Register a party",
            "cell",
        )
        .body::<parties::NewParty>()
        .created::<Party>()
        .errors(&[403, 409])
        .link("aircraft", GET, "/api/v1/parties/{id}/aircraft", &[("id", "$response.body#/id")])
        .link("register", PUT, "/api/v1/parties/{id}/aircraft", &[("id", "$response.body#/id")])
        .link("sharing", PUT, "/api/v1/parties/{id}/sharing", &[("id", "$response.body#/id")])
        .link("token", POST, "/api/v1/parties/{id}/tokens", &[("id", "$response.body#/id")])
        .add(
            GET,
            "/api/v1/parties/{id}/aircraft",
            get(aircraft::get),
            "The aircraft a party may report (ICAO address ranges, track-number prefixes)",
            "cell, observers, the party itself",
        )
        .ok::<PartyAircraft>()
        .errors(&[403, 404])
        .add(
            PUT,
            "/api/v1/parties/{id}/aircraft",
            put(aircraft::put),
            "Register the aircraft a party may report (audited; may not overlap another party's)",
            "cell",
        )
        .body::<AircraftClaims>()
        .ok::<PartyAircraft>()
        .errors(&[403, 404, 409])
        .add(
            PUT,
            "/api/v1/parties/{id}/sharing",
            put(parties::set_sharing),
            "Change a sharing rule",
            "cell, the party itself",
        )
        .body::<Sharing>()
        .ok::<Party>()
        .errors(&[403, 404])
        .add(
            POST,
            "/api/v1/parties/{id}/tokens",
            post(parties::issue_token),
            "Issue a token (shown once)",
            "cell",
        )
        .created::<IssuedToken>()
        .errors(&[403, 404])
        .add(
            DELETE,
            "/api/v1/tokens/{token_id}",
            delete(parties::revoke_token),
            "Revoke a token",
            "cell",
        )
        .no_content()
        .errors(&[403, 404])
        .add(
            GET,
            "/api/v1/feeds",
            get(system::feeds),
            "Feed status and counters (a party sees its own)",
            "any token",
        )
        .ok::<FeedList>()
        .add(
            GET,
            "/api/v1/audit",
            get(system::audit),
            "Audit log entries (?after=&limit=)",
            "cell, observer",
        )
        .query::<system::AuditQuery>()
        .ok::<AuditPage>()
        .errors(&[403])
        .add(
            GET,
            "/api/v1/audit/verify",
            get(system::audit_verify),
            "Verify the audit hash chain",
            "cell, observer",
        )
        .ok::<VerifyReport>()
        .errors(&[403])
        .add(
            GET,
            "/api/v1/audit/checkpoint",
            get(system::checkpoint),
            "The latest signed checkpoint of the audit log (seq, head hash, Ed25519 signature)",
            "any token",
        )
        .ok::<Checkpoint>()
        .add(
            POST,
            "/api/v1/audit/checkpoint",
            post(system::checkpoint_now),
            "Sign a checkpoint of the audit log now (also pushed on the stream)",
            "party, cell",
        )
        .created::<Checkpoint>()
        .add(
            GET,
            "/api/v1/audit/consistency",
            get(system::consistency),
            "Whether the log still extends a kept checkpoint (?seq=&head_hash=)",
            "any token",
        )
        .query::<system::ConsistencyQuery>()
        .ok::<Consistency>()
        .errors(&[422])
        .add(
            GET,
            "/api/v1/discrepancies",
            get(discrepancies::list),
            "Position discrepancies: a party's reports of its aircraft against independent surveillance (own; all for the cell)",
            "any token",
        )
        .ok::<DiscrepancyList>()
        .add(
            POST,
            "/api/v1/reservations/check",
            post(reservations::check),
            "Dry-run filing check: overlaps with other parties' reservations",
            "party, cell",
        )
        .body::<reservations::CheckBody>()
        .ok::<OverlapList>()
        .errors(&[403])
        .add(
            GET,
            "/api/v1/reservations",
            get(reservations::list),
            "Every reservation and zone (visible to all)",
            "any token",
        )
        .ok::<ReservationList>()
        .link("get", GET, "/api/v1/reservations/{id}", &[("id", "$response.body#/reservations/0/id")])
        .add(
            POST,
            "/api/v1/reservations",
            post(reservations::file),
            "File a reservation (409 with overlaps unless justified)",
            "party, cell",
        )
        .body::<reservations::FileBody>()
        .created::<Filed>()
        .errors(&[403, 409])
        .link("get", GET, "/api/v1/reservations/{id}", &[("id", "$response.body#/reservation/id")])
        .link("change", PUT, "/api/v1/reservations/{id}", &[("id", "$response.body#/reservation/id")])
        .link("cancel", DELETE, "/api/v1/reservations/{id}", &[("id", "$response.body#/reservation/id"), ("version", "$response.body#/reservation/version")])
        .add(
            GET,
            "/api/v1/reservations/{id}",
            get(reservations::one),
            "One reservation",
            "any token",
        )
        .ok::<ReservationDoc>()
        .errors(&[404])
        .add(
            PUT,
            "/api/v1/reservations/{id}",
            put(reservations::update),
            "Change an own reservation (with its version; stale → 409)",
            "the owner",
        )
        .body::<reservations::FileBody>()
        .ok::<Filed>()
        .errors(&[403, 404, 409])
        .add(
            DELETE,
            "/api/v1/reservations/{id}",
            delete(reservations::cancel),
            "Cancel an own reservation (?version=N)",
            "the owner",
        )
        .query::<reservations::CancelQuery>()
        .ok::<ReservationDoc>()
        .errors(&[403, 404, 409])
        .add(
            POST,
            "/api/v1/reservations/import",
            post(reservations::import),
            "File reservations from GeoJSON or ASTM F3548 Volume4D",
            "party, cell",
        )
        .body::<ReservationImport>()
        .created::<Imported>()
        .errors(&[403, 409])
        .link("get", GET, "/api/v1/reservations/{id}", &[("id", "$response.body#/reservations/0/id")])
        .link("cancel", DELETE, "/api/v1/reservations/{id}", &[("id", "$response.body#/reservations/0/id"), ("version", "$response.body#/reservations/0/version")])
        .add(
            GET,
            "/api/v1/export/reservations.geojson",
            get(reservations::export),
            "Live reservations and zones as GeoJSON",
            "any token",
        )
        .ok_as::<ReservationsGeoJson>(GEOJSON)
        .add(
            POST,
            "/api/v1/zones/openair",
            post(reservations::openair),
            "Import OpenAir airspace as hazard zones (text/plain or JSON)",
            "party, cell",
        )
        .query::<reservations::OpenAirOptions>()
        .text_body()
        .or_json::<reservations::OpenAirOptions>()
        .created::<ZonesImported>()
        .errors(&[403, 409, 422])
        .link("get", GET, "/api/v1/reservations/{id}", &[("id", "$response.body#/zones/0/id")])
        .add(
            GET,
            "/api/v1/intrusions",
            get(intrusions::list),
            "Intrusion alerts concerning the caller (?include=cleared)",
            "any token",
        )
        .query::<intrusions::ListQuery>()
        .ok::<IntrusionList>()
        .link("ack", POST, "/api/v1/intrusions/{id}/ack", &[("id", "$response.body#/intrusions/0/id")])
        .add(
            POST,
            "/api/v1/intrusions/{id}/ack",
            post(intrusions::ack),
            "Acknowledge an own side of an intrusion (the cell names the side: {\"party\": …})",
            "the aircraft's and the volume's owners, cell",
        )
        .optional_body::<AckBody>()
        .ok::<IntrusionRecord>()
        .errors(&[403, 404])
        .add(
            GET,
            "/api/v1/requests",
            get(requests::list),
            "Vacate requests and notices to, from or for all",
            "any token",
        )
        .ok::<RequestList>()
        .link("accept", POST, "/api/v1/requests/{id}/accept", &[("id", "$response.body#/requests/0/id")])
        .link("ack", POST, "/api/v1/requests/{id}/ack", &[("id", "$response.body#/requests/0/id")])
        .add(
            POST,
            "/api/v1/requests",
            post(requests::create),
            "Send a vacate request or an advance notice",
            "party, cell",
        )
        .body::<NewRequest>()
        .created::<RequestDoc>()
        .errors(&[403])
        .link("accept", POST, "/api/v1/requests/{id}/accept", &[("id", "$response.body#/id")])
        .link("decline", POST, "/api/v1/requests/{id}/decline", &[("id", "$response.body#/id")])
        .link("ack", POST, "/api/v1/requests/{id}/ack", &[("id", "$response.body#/id")])
        .add(
            POST,
            "/api/v1/requests/{id}/accept",
            post(requests::accept),
            "Accept a vacate request",
            "the addressee",
        )
        .optional_body::<requests::AnswerBody>()
        .ok::<RequestDoc>()
        .errors(&[403, 404, 409, 422])
        .add(
            POST,
            "/api/v1/requests/{id}/decline",
            post(requests::decline),
            "Decline a vacate request with a reason",
            "the addressee",
        )
        .optional_body::<requests::AnswerBody>()
        .ok::<RequestDoc>()
        .errors(&[403, 404, 409, 422])
        .add(
            POST,
            "/api/v1/requests/{id}/ack",
            post(requests::ack),
            "Acknowledge an advance notice",
            "the addressees",
        )
        .optional_body::<requests::AnswerBody>()
        .ok::<RequestDoc>()
        .errors(&[403, 404, 409, 422])
        .add(
            GET,
            "/api/v1/aerodromes",
            get(aerodromes::list),
            "Aerodromes of the bundled list inside ?bbox=W,S,E,N (IATA-coded first; ?limit=, at most limits.aerodromes_max)",
            "any token",
        )
        .query::<aerodromes::AerodromeQuery>()
        .ok::<AerodromeList>()
        .add(
            GET,
            "/api/v1/safety/regions",
            get(safety::list_regions),
            "Safety-net parameter regions and inhibition volumes (?bbox=W,S,E,N adds the default aerodrome regions there)",
            "any token",
        )
        .query::<safety::BboxQuery>()
        .ok::<RegionList>()
        .add(
            POST,
            "/api/v1/safety/regions",
            post(safety::add_region),
            "Add a parameter region or inhibition volume",
            "cell",
        )
        .body::<SafetyRegion>()
        .created::<SafetyRegion>()
        .errors(&[403, 409])
        .link("remove", DELETE, "/api/v1/safety/regions/{id}", &[("id", "$response.body#/id")])
        .add(
            DELETE,
            "/api/v1/safety/regions/{id}",
            delete(safety::remove_region),
            "Remove a region added over the API",
            "cell",
        )
        .ok::<RegionRemoved>()
        .errors(&[403, 404, 422])
        .add(
            GET,
            "/api/v1/safety/exemptions",
            get(safety::list_exemptions),
            "Declared formation / refuelling exemptions (the cell and observers: all; a party: its own)",
            "any token",
        )
        .ok::<ExemptionList>()
        .link("withdraw", DELETE, "/api/v1/safety/exemptions/{id}", &[("id", "$response.body#/exemptions/0/id")])
        .add(
            POST,
            "/api/v1/safety/exemptions",
            post(safety::add_exemption),
            "Declare a formation or refuelling group of own aircraft",
            "party",
        )
        .body::<DeclareBody>()
        .created::<Exemption>()
        .errors(&[403])
        .link("withdraw", DELETE, "/api/v1/safety/exemptions/{id}", &[("id", "$response.body#/id")])
        .add(
            DELETE,
            "/api/v1/safety/exemptions/{id}",
            delete(safety::withdraw_exemption),
            "Withdraw an exemption",
            "the declaring party, cell",
        )
        .ok::<Exemption>()
        .errors(&[403, 404, 409])
        .add(
            GET,
            "/api/v1/stream",
            get(stream::stream),
            "WebSocket: snapshot, deltas, alerts, messages (?token=)",
            "any token",
        )
        .query::<stream::StreamQuery>()
        .switching_protocols()
        .errors(&[426])
        .add(
            GET,
            "/api/v1/openapi.json",
            get(openapi_json),
            "This document",
            "anyone",
        )
        .ok::<OpenApiDocument>()
        .add(
            GET,
            "/metrics",
            get(system::metrics),
            "Prometheus metrics",
            "anyone",
        )
        .ok_text("text/plain")
}

/// `GET /api/v1/openapi.json`: the document of [`routes`], built once.
async fn openapi_json() -> impl IntoResponse {
    static DOC: OnceLock<serde_json::Value> = OnceLock::new();
    axum::Json(
        DOC.get_or_init(|| openapi::document(&routes().into_parts().1))
            .clone(),
    )
}
