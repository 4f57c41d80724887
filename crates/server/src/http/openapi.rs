//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`, built from the route table
//! (`http::routes`) that also builds the router, so it lists exactly the routes served.

use crate::http::table::Route;
use serde_json::{json, Map, Value};

/// The document of `routes`.
pub fn document(routes: &[Route]) -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for Route {
        method,
        path,
        summary,
        who,
    } in routes
    {
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
        if let Some(schema) = response_schema(method.as_str(), path) {
            op["responses"]["200"]["content"] = json!({ "application/json": { "schema": schema } });
        }
        if let Some(obj) = entry.as_object_mut() {
            obj.insert(method.as_str().to_ascii_lowercase(), op);
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
                "Conflict": conflict_schema(),
                "Guidance": guidance_schema(),
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

/// The response body's schema of the routes that have one documented here.
fn response_schema(method: &str, path: &str) -> Option<Value> {
    let conflict = json!({ "$ref": "#/components/schemas/Conflict" });
    match (method, path) {
        ("GET", "/api/v1/conflicts") => Some(json!({
            "type": "object",
            "properties": { "conflicts": { "type": "array", "items": conflict } },
            "required": ["conflicts"]
        })),
        ("POST", "/api/v1/conflicts/{id}/ack") => Some(conflict),
        _ => None,
    }
}

/// `Conflict` (docs/api.md): the members a client relies on; the detail members (geometry,
/// states at alert time) are listed in docs/api.md.
fn conflict_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "id": { "type": "string" },
            "a": { "type": "string" }, "b": { "type": "string" },
            "a_party": { "type": ["string", "null"] }, "b_party": { "type": ["string", "null"] },
            "level": { "type": "integer", "minimum": 1 },
            "warning": { "type": "boolean" },
            "state": { "enum": ["raised", "updated", "cleared"] },
            "acks": { "type": "object", "additionalProperties": { "type": "boolean" } },
            "guidance": {
                "description": "Resolution guidance of the aircraft the caller may see guidance for: a party its own aircraft only; the cell and observers both.",
                "type": "array",
                "items": { "$ref": "#/components/schemas/Guidance" }
            }
        },
        "required": ["id", "a", "b", "level", "warning", "state", "acks", "guidance"],
        "additionalProperties": true
    })
}

/// `Guidance` (docs/api.md, docs/guidance.md): kinematic bands and resolution advice.
fn guidance_schema() -> Value {
    let level = json!({ "enum": ["none", "far", "mid", "near", "recovery"] });
    let bands = |lo: &str, hi: &str, unit: &str| {
        json!({
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    lo: { "type": "number", "description": unit },
                    hi: { "type": "number", "description": unit },
                    "level": level
                },
                "required": [lo, hi, "level"]
            }
        })
    };
    let sense = |lo: &str, hi: &str, dirs: Value| {
        json!({
            "type": "object",
            "properties": {
                lo: { "type": ["number", "null"] }, hi: { "type": ["number", "null"] },
                "preferred": { "enum": dirs },
                "basis": { "enum": ["coordinated", "nearest", null] },
                "recovery": { "type": "boolean" },
                "time_to_recovery_s": { "type": ["number", "null"] }
            }
        })
    };
    let up_down = json!(["down", "up", null]);
    json!({
        "type": "object",
        "properties": {
            "id": { "type": "string" },
            "time": { "type": "number", "description": "computed at, seconds since the epoch" },
            "track_bands": bands("from_deg", "to_deg", "degrees true, clockwise from from_deg to to_deg"),
            "gs_bands": bands("from_kt", "to_kt", "knots"),
            "vs_bands": bands("from_fpm", "to_fpm", "feet per minute"),
            "alt_bands": bands("from_ft", "to_ft", "feet"),
            "advice": {
                "type": "object",
                "properties": {
                    "conflict": { "type": "boolean" },
                    "level": level,
                    "most_urgent": { "type": ["string", "null"] },
                    "track": sense("left_deg", "right_deg", json!(["left", "right", null])),
                    "gs": sense("slower_kt", "faster_kt", up_down.clone()),
                    "vs": sense("down_fpm", "up_fpm", up_down.clone()),
                    "alt": sense("down_ft", "up_ft", up_down),
                    "text": { "type": "string" },
                    "category": { "enum": ["airliner", "fighter", "helicopter", "drone", "default"] },
                    "kinematics": { "enum": ["default", "instant"] }
                },
                "required": ["conflict", "level", "track", "gs", "vs", "alt", "text", "category", "kinematics"]
            }
        },
        "required": ["id", "time", "track_bands", "gs_bands", "vs_bands", "alt_bands", "advice"]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_documented_once_with_its_path_parameters() {
        let routes = crate::http::routes().into_parts().1;
        let doc = document(&routes);
        let mut n = 0;
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for (m, op) in ops.as_object().unwrap() {
                n += 1;
                assert!(!op["summary"].as_str().unwrap().is_empty(), "{m} {path}");
                let params = path.matches('{').count();
                assert_eq!(op["parameters"].as_array().unwrap().len(), params, "{path}");
                let public = op.get("security").is_none();
                assert_eq!(
                    public,
                    ["/api/v1/health", "/api/v1/openapi.json", "/metrics"].contains(&path.as_str()),
                    "{m} {path}"
                );
            }
        }
        assert_eq!(n, routes.len(), "a (method, path) is registered twice");
    }

    #[test]
    fn the_conflict_list_documents_its_guidance() {
        let doc = document(&crate::http::routes().into_parts().1);
        let list = &doc["paths"]["/api/v1/conflicts"]["get"]["responses"]["200"];
        assert_eq!(
            list["content"]["application/json"]["schema"]["properties"]["conflicts"]["items"]
                ["$ref"],
            "#/components/schemas/Conflict"
        );
        let conflict = &doc["components"]["schemas"]["Conflict"];
        assert_eq!(
            conflict["properties"]["guidance"]["items"]["$ref"],
            "#/components/schemas/Guidance"
        );
        let g = &doc["components"]["schemas"]["Guidance"];
        for k in ["track_bands", "gs_bands", "vs_bands", "alt_bands", "advice"] {
            assert!(g["properties"].get(k).is_some(), "{k}");
        }
    }
}
