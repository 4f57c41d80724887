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
}
