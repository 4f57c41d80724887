//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`, built from the route table
//! (`http::routes`) that also builds the router, so it lists exactly the routes served. Each
//! row's request body, query, path parameters and responses come from the Rust types it names
//! (`utoipa::ToSchema`, `utoipa::IntoParams`), and every schema they refer to is a component.
//!
//! Besides the statuses a row declares, an operation lists those its kind can answer:
//! 401 and 429 (the token, the rate limit) unless anyone may call it; 400, 413, 415 and 422
//! with a JSON body (malformed, too large, not `application/json`, wrong shape); 400 and 413
//! with a raw body; 400 with a query or path parameter. Every error is a `Problem`.

use crate::http::schemas::Problem;
use crate::http::table::{inline, named, BodyKind, Route, Schematic};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, Parameter, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, Content, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, RefOr,
    Required, ResponseBuilder, ResponsesBuilder,
};

/// The media type of every error.
pub const PROBLEM_JSON: &str = "application/problem+json";

fn method_of(m: &axum::http::Method) -> HttpMethod {
    match *m {
        axum::http::Method::POST => HttpMethod::Post,
        axum::http::Method::PUT => HttpMethod::Put,
        axum::http::Method::DELETE => HttpMethod::Delete,
        axum::http::Method::PATCH => HttpMethod::Patch,
        axum::http::Method::HEAD => HttpMethod::Head,
        axum::http::Method::OPTIONS => HttpMethod::Options,
        _ => HttpMethod::Get,
    }
}

/// The error statuses of `r`: its own and those of its kind.
pub fn error_statuses(r: &Route) -> BTreeSet<u16> {
    let mut s: BTreeSet<u16> = r.errors.iter().copied().collect();
    if !r.public() {
        s.extend([401, 429]);
    }
    if let Some(b) = &r.body {
        s.extend([400, 413]);
        if b.kind == BodyKind::Json {
            s.extend([415, 422]);
        }
    }
    if r.query.is_some() || r.path.contains('{') {
        s.insert(400);
    }
    s
}

fn reason(status: u16) -> &'static str {
    axum::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}

/// Adds a schematic's components, and gives its schema.
fn take(
    components: &mut BTreeMap<String, RefOr<utoipa::openapi::schema::Schema>>,
    s: Schematic,
) -> RefOr<utoipa::openapi::schema::Schema> {
    for (name, schema) in s.components {
        components.entry(name).or_insert(schema);
    }
    s.schema
}

fn path_parameters(
    r: &Route,
    components: &mut BTreeMap<String, RefOr<utoipa::openapi::schema::Schema>>,
) -> Vec<Parameter> {
    r.path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            let schematic = r
                .path_params
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, f)| f())
                .unwrap_or_else(inline::<String>);
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(take(components, schematic)))
                .build()
        })
        .collect()
}

/// The operation id of `method path`: `post_api_v1_messages_id_read`.
pub fn operation_id(method: &axum::http::Method, path: &str) -> String {
    let mut id = method.as_str().to_ascii_lowercase();
    for part in path.split(|c: char| !c.is_ascii_alphanumeric()) {
        if !part.is_empty() {
            id.push('_');
            id.push_str(part);
        }
    }
    id
}

/// The document of `routes`.
pub fn openapi(routes: &[Route]) -> OpenApi {
    let mut components = BTreeMap::new();
    let problem = take(&mut components, named::<Problem>());
    let mut paths = PathsBuilder::new();
    for r in routes {
        let mut params = path_parameters(r, &mut components);
        if let Some(q) = r.query {
            params.extend(q());
        }
        let mut op = OperationBuilder::new()
            .operation_id(Some(operation_id(&r.method, r.path)))
            .summary(Some(r.summary))
            .description(Some(format!("Allowed: {}.", r.who)))
            .parameters(Some(params));
        if let Some(b) = &r.body {
            let mut rb = RequestBodyBuilder::new().required(Some(if b.required {
                Required::True
            } else {
                Required::False
            }));
            for (media, f) in &b.content {
                rb = rb.content(*media, Content::new(Some(take(&mut components, f()))));
            }
            op = op.request_body(Some(rb.build()));
        }
        let mut responses = ResponsesBuilder::new();
        if let Some(s) = r.success {
            let mut resp = ResponseBuilder::new().description(reason(s.status));
            if let Some((media, f)) = s.content {
                resp = resp.content(media, Content::new(Some(take(&mut components, f()))));
            }
            for l in &r.links {
                let mut link = LinkBuilder::new().operation_id(operation_id(&l.method, l.path));
                for (name, expr) in l.parameters {
                    link = link.parameter(*name, *expr);
                }
                resp = resp.link(l.name, link.build());
            }
            responses = responses.response(s.status.to_string(), resp.build());
        }
        for status in error_statuses(r) {
            responses = responses.response(
                status.to_string(),
                ResponseBuilder::new()
                    .description(reason(status))
                    .content(PROBLEM_JSON, Content::new(Some(problem.clone())))
                    .build(),
            );
        }
        op = op.responses(responses.build());
        if !r.public() {
            op = op.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
        }
        paths = paths.path(r.path, PathItem::new(method_of(&r.method), op.build()));
    }
    let mut cb = ComponentsBuilder::new().security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
    );
    for (name, schema) in components {
        cb = cb.schema(name, schema);
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Deconflict cell API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "docs/api.md describes every route; the stream frames are described there only.",
                ))
                .build(),
        )
        .paths(paths.build())
        .components(Some(cb.build()))
        .build()
}

/// The document of `routes` as JSON.
pub fn document(routes: &[Route]) -> serde_json::Value {
    let mut doc = serde_json::to_value(openapi(routes)).unwrap_or(serde_json::Value::Null);
    // utoipa 5 writes a link's `operationId` as `operation_id`.
    if let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) {
        let ops = paths.values_mut().filter_map(|p| p.as_object_mut());
        for op in ops.flat_map(|p| p.values_mut()) {
            let Some(responses) = op.get_mut("responses").and_then(|r| r.as_object_mut()) else {
                continue;
            };
            for resp in responses.values_mut() {
                let Some(links) = resp.get_mut("links").and_then(|l| l.as_object_mut()) else {
                    continue;
                };
                for link in links.values_mut().filter_map(|l| l.as_object_mut()) {
                    if let Some(id) = link.remove("operation_id") {
                        link.insert("operationId".into(), id);
                    }
                }
            }
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn doc() -> Value {
        document(&crate::http::routes().into_parts().1)
    }

    #[test]
    fn every_route_is_documented_once_with_its_path_parameters() {
        let routes = crate::http::routes().into_parts().1;
        let doc = document(&routes);
        let mut n = 0;
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for (m, op) in ops.as_object().unwrap() {
                n += 1;
                assert!(!op["summary"].as_str().unwrap().is_empty(), "{m} {path}");
                let in_path = op["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|p| p["in"] == "path")
                    .count();
                assert_eq!(in_path, path.matches('{').count(), "{path}");
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
    fn every_operation_lists_its_success_and_401_when_it_needs_a_token() {
        let routes = crate::http::routes().into_parts().1;
        let doc = document(&routes);
        for r in &routes {
            let s = r
                .success
                .unwrap_or_else(|| panic!("{} {} declares no success status", r.method, r.path));
            let op = &doc["paths"][r.path][r.method.as_str().to_ascii_lowercase()];
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.contains_key(&s.status.to_string()),
                "{} {}",
                r.method,
                r.path
            );
            let twos: Vec<&String> = responses.keys().filter(|k| k.starts_with('2')).collect();
            assert!(twos.len() <= 1, "{} {}: {twos:?}", r.method, r.path);
            assert_eq!(
                responses.contains_key("401"),
                !r.public(),
                "{} {}",
                r.method,
                r.path
            );
            for (status, resp) in responses {
                if status.starts_with('4') {
                    assert_eq!(
                        resp["content"][PROBLEM_JSON]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{} {} {status}",
                        r.method,
                        r.path
                    );
                }
            }
            if s.status == 204 {
                assert!(responses["204"].get("content").is_none());
            }
        }
        // 201 and 204 are where the handlers answer them.
        let created = &doc["paths"]["/api/v1/messages"]["post"]["responses"];
        assert!(created.get("201").is_some() && created.get("200").is_none());
        assert!(
            doc["paths"]["/api/v1/tokens/{token_id}"]["delete"]["responses"]
                .get("204")
                .is_some()
        );
    }

    #[test]
    fn message_ids_are_integers() {
        let doc = doc();
        for (path, ops) in doc["paths"].as_object().unwrap() {
            if !path.starts_with("/api/v1/messages/{id}") {
                continue;
            }
            for (m, op) in ops.as_object().unwrap() {
                let id = op["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| p["name"] == "id" && p["in"] == "path")
                    .unwrap_or_else(|| panic!("{m} {path}"));
                assert_eq!(id["schema"]["type"], "integer", "{m} {path}");
                assert_eq!(id["schema"]["format"], "int64", "{m} {path}");
            }
        }
    }

    /// The extractors of a handler, read from its signature in the source.
    fn handler_signature(module: &str, func: &str) -> String {
        let src = match module {
            "aerodromes" => include_str!("aerodromes.rs"),
            "aircraft" => include_str!("aircraft.rs"),
            "conflicts" => include_str!("conflicts.rs"),
            "discrepancies" => include_str!("discrepancies.rs"),
            "intrusions" => include_str!("intrusions.rs"),
            "messages" => include_str!("messages.rs"),
            "parties" => include_str!("parties.rs"),
            "requests" => include_str!("requests.rs"),
            "reservations" => include_str!("reservations.rs"),
            "safety" => include_str!("safety.rs"),
            "stream" => include_str!("stream.rs"),
            "system" => include_str!("system.rs"),
            "tracks" => include_str!("tracks.rs"),
            "self" => include_str!("mod.rs"),
            other => panic!("handler module {other} is not read by this test; add it"),
        };
        let start = src
            .find(&format!("async fn {func}("))
            .unwrap_or_else(|| panic!("no async fn {func} in {module}.rs"));
        let rest = &src[start..];
        let mut depth = 0;
        for (i, ch) in rest.char_indices() {
            match ch {
                '(' => depth += 1,
                ')' if depth == 1 => return rest[..=i].to_owned(),
                ')' => depth -= 1,
                _ => {}
            }
        }
        panic!("unbalanced signature of {module}::{func}")
    }

    /// Each route's handler, `module::function`, from the table's source.
    fn handlers() -> Vec<(String, String, String, String)> {
        let src = include_str!("mod.rs");
        let mut out = Vec::new();
        let mut rest = src;
        while let Some(i) = rest.find(".add(") {
            rest = &rest[i + 5..];
            let args: Vec<&str> = rest.splitn(4, ',').map(str::trim).collect();
            let method = args[0].to_owned();
            let path = args[1].trim_matches('"').to_owned();
            let h = args[2];
            let inner = h[h.find('(').unwrap() + 1..h.find(')').unwrap()].to_owned();
            let (module, func) = inner.split_once("::").unwrap_or(("self", &inner));
            out.push((method, path, module.to_owned(), func.to_owned()));
        }
        out
    }

    #[test]
    fn every_route_whose_handler_reads_a_body_or_a_query_declares_it() {
        let routes = crate::http::routes().into_parts().1;
        let doc = document(&routes);
        let found = handlers();
        assert_eq!(
            found.len(),
            routes.len(),
            "the table's source was not read whole"
        );
        for (method, path, module, func) in found {
            let sig = handler_signature(&module, &func);
            let op = &doc["paths"][&path][method.to_ascii_lowercase()];
            assert!(op.is_object(), "{method} {path}");
            let reads_body = sig.contains("ApiJson<") || sig.contains("ApiBytes");
            assert_eq!(
                op.get("requestBody").is_some(),
                reads_body,
                "{method} {path}: {module}::{func} {} a body; the table {} one",
                if reads_body { "reads" } else { "reads no" },
                if reads_body {
                    "declares no"
                } else {
                    "declares"
                },
            );
            let reads_query = sig.contains("ApiQuery<");
            let has_query = op["parameters"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p["in"] == "query"));
            assert_eq!(has_query, reads_query, "{method} {path}: {module}::{func}");
            assert!(
                !sig.contains("axum::Json<") && !sig.contains("Query<")
                    || sig.contains("ApiQuery<"),
                "{method} {path}: extract with ApiJson / ApiQuery (problem+json rejections)"
            );
        }
    }

    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_schema_referred_to_is_a_component() {
        let doc = doc();
        let mut all = Vec::new();
        refs(&doc, &mut all);
        assert!(!all.is_empty());
        for r in all {
            let name = r
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("{r}"));
            assert!(
                doc["components"]["schemas"].get(name).is_some(),
                "{r} is not a component"
            );
        }
    }

    #[test]
    fn every_link_leads_to_a_route_and_names_its_parameters() {
        let routes = crate::http::routes().into_parts().1;
        let mut n = 0;
        for r in &routes {
            for l in &r.links {
                n += 1;
                let target = routes
                    .iter()
                    .find(|t| t.method == l.method && t.path == l.path)
                    .unwrap_or_else(|| {
                        panic!("{} {} links to {} {}", r.method, r.path, l.method, l.path)
                    });
                for (name, expr) in l.parameters {
                    let in_path = target.path.contains(&format!("{{{name}}}"));
                    let in_query = target
                        .query
                        .is_some_and(|q| q().iter().any(|p| p.name == *name));
                    assert!(
                        in_path || in_query,
                        "{} {}: no parameter {name}",
                        l.method,
                        l.path
                    );
                    assert!(expr.starts_with("$response.body#/"), "{expr}");
                }
            }
        }
        assert!(n >= 10, "{n}");
        let doc = document(&routes);
        let link = &doc["paths"]["/api/v1/messages"]["post"]["responses"]["201"]["links"]["read"];
        assert_eq!(link["operationId"], "post_api_v1_messages_id_read");
        assert_eq!(
            doc["paths"]["/api/v1/messages/{id}/read"]["post"]["operationId"],
            "post_api_v1_messages_id_read"
        );
    }

    #[test]
    fn the_conflict_list_documents_its_guidance() {
        let doc = doc();
        let list = &doc["paths"]["/api/v1/conflicts"]["get"]["responses"]["200"];
        assert_eq!(
            list["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ConflictList"
        );
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["ConflictList"]["properties"]["conflicts"]["items"]["$ref"],
            "#/components/schemas/Conflict"
        );
        assert_eq!(
            schemas["Conflict"]["properties"]["guidance"]["items"]["$ref"],
            "#/components/schemas/Guidance"
        );
        let g = &schemas["Guidance"];
        for k in ["track_bands", "gs_bands", "vs_bands", "alt_bands", "advice"] {
            assert!(g["properties"].get(k).is_some(), "{k}");
        }
    }

    #[test]
    fn bodies_and_queries_come_from_the_rust_types() {
        let doc = doc();
        let p = &doc["paths"];
        let body = |path: &str, m: &str| {
            p[path][m]["requestBody"]["content"]["application/json"]["schema"]["$ref"].clone()
        };
        assert_eq!(
            body("/api/v1/messages", "post"),
            "#/components/schemas/SendBody"
        );
        assert_eq!(
            body("/api/v1/reservations", "post"),
            "#/components/schemas/FileBody"
        );
        assert_eq!(
            body("/api/v1/safety/regions", "post"),
            "#/components/schemas/Region"
        );
        let schemas = &doc["components"]["schemas"];
        // deny_unknown_fields, Option as not required.
        assert_eq!(schemas["SendBody"]["additionalProperties"], false);
        assert_eq!(schemas["SendBody"]["required"], serde_json::json!(["body"]));
        let audit: Vec<&str> = p["/api/v1/audit"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["name"].as_str().unwrap())
            .collect();
        assert_eq!(audit, ["after", "limit"]);
        let openair = &p["/api/v1/zones/openair"]["post"]["requestBody"]["content"];
        assert!(openair.get("text/plain").is_some() && openair.get("application/json").is_some());
    }
}
