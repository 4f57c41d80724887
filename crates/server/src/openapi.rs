//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`, written by hand from one table.
//! A test checks that it lists exactly the routes the router serves.

use serde_json::{json, Map, Value};

/// `(method, path, summary, who may call it)` of every documented operation.
pub const OPERATIONS: &[(&str, &str, &str, &str)] = &[
    ("GET", "/api/v1/health", "Liveness check", "anyone"),
    ("GET", "/api/v1/openapi.json", "This document", "anyone"),
    (
        "GET",
        "/api/v1/me",
        "The caller's party and role",
        "any token",
    ),
    (
        "GET",
        "/api/v1/tracks",
        "Tracks visible to the caller",
        "any token",
    ),
    (
        "GET",
        "/api/v1/tracks/{id}",
        "One visible track (404 when unknown or not visible)",
        "any token",
    ),
    (
        "POST",
        "/api/v1/telemetry",
        "Report the caller's own aircraft (one state or an array)",
        "party, cell",
    ),
    (
        "GET",
        "/api/v1/export/picture.geojson",
        "Visible tracks as a GeoJSON FeatureCollection",
        "any token",
    ),
    (
        "GET",
        "/api/v1/conflicts",
        "Active conflicts concerning the caller (?include=cleared)",
        "any token",
    ),
    (
        "POST",
        "/api/v1/conflicts/{id}/ack",
        "Acknowledge the caller's side (cell: {\"party\":…})",
        "party, cell",
    ),
    (
        "GET",
        "/api/v1/messages",
        "Hotline messages to, from or for all",
        "any token",
    ),
    (
        "POST",
        "/api/v1/messages",
        "Send a hotline message to a party or to all",
        "party, cell",
    ),
    (
        "POST",
        "/api/v1/messages/{id}/read",
        "Mark a message read",
        "party, cell",
    ),
    (
        "POST",
        "/api/v1/messages/{id}/ack",
        "Acknowledge a message",
        "party, cell",
    ),
    (
        "GET",
        "/api/v1/parties",
        "Parties and their sharing rules",
        "any token",
    ),
    ("POST", "/api/v1/parties", "Register a party", "cell"),
    (
        "PUT",
        "/api/v1/parties/{id}/sharing",
        "Change a sharing rule",
        "cell, the party itself",
    ),
    (
        "POST",
        "/api/v1/parties/{id}/tokens",
        "Issue a token (shown once)",
        "cell",
    ),
    (
        "DELETE",
        "/api/v1/tokens/{token_id}",
        "Revoke a token",
        "cell",
    ),
    (
        "GET",
        "/api/v1/feeds",
        "Feed status and counters (a party sees its own)",
        "any token",
    ),
    (
        "GET",
        "/api/v1/audit",
        "Audit log entries (?after=&limit=)",
        "cell",
    ),
    (
        "GET",
        "/api/v1/audit/verify",
        "Verify the audit hash chain",
        "cell",
    ),
    (
        "GET",
        "/api/v1/stream",
        "WebSocket: snapshot, deltas, alerts, messages (?token=)",
        "any token",
    ),
    ("GET", "/metrics", "Prometheus metrics", "anyone"),
];

/// The document, with `extra` operations (from merged sub-routers) appended.
pub fn document(extra: &[(&str, &str, &str, &str)]) -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for (method, path, summary, who) in OPERATIONS.iter().chain(extra.iter()) {
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        let params: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        let public = *who == "anyone";
        let mut op = json!({
            "summary": summary,
            "description": format!("Allowed: {who}."),
            "parameters": params,
            "responses": {
                "200": { "description": "OK" },
                "4XX": { "description": "Problem", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } }
            }
        });
        if !public {
            op["security"] = json!([{ "bearer": [] }]);
        }
        if let Some(obj) = entry.as_object_mut() {
            obj.insert(method.to_ascii_lowercase(), op);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Deconflict cell API", "version": env!("CARGO_PKG_VERSION"),
                  "description": "See docs/api.md for the shapes of Track, Conflict, Message and the stream frames." },
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Problem": {
                    "type": "object",
                    "properties": {
                        "type": { "type": "string" }, "title": { "type": "string" },
                        "status": { "type": "integer" }, "detail": { "type": "string" }
                    },
                    "required": ["type", "title", "status", "detail"]
                }
            }
        }
    })
}
