//! The route table: a router built while recording each route's documentation, so the
//! router and the OpenAPI document come from the same rows.
//!
//! A row is `.add(method, path, handler, summary, who)` followed by what the handler reads
//! and answers, named by Rust type: `.body::<T>()` (an [`ApiJson`](super::extract::ApiJson)
//! body), `.optional_body::<T>()` (a JSON body that may be empty), `.text_body()`,
//! `.query::<Q>()`, `.path::<T>("id")` (path parameters are strings unless declared),
//! `.ok::<R>()` / `.created::<R>()` / `.no_content()`, `.errors(&[…])` for the statuses
//! the handler itself chooses, and `.link(…)` to the routes its response leads to (OpenAPI
//! links, which schemathesis follows). The statuses every route of a kind can answer (401 and 429
//! with a token, 400/413/415/422 with a JSON body, 400 with a query or path parameter) are
//! added by the document (`http::openapi`).

use crate::http::state::AppState;
use axum::http::Method;
use axum::routing::MethodRouter;
use axum::Router;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{Ref, RefOr};
use utoipa::{IntoParams, ToSchema};

/// A schema and the named components it refers to.
#[derive(Clone)]
pub struct Schematic {
    /// The schema (a reference for a named type).
    pub schema: RefOr<Schema>,
    /// The components it needs, itself included for a named type.
    pub components: Vec<(String, RefOr<Schema>)>,
}

/// Builds a [`Schematic`] when the document is built.
pub type SchemaFn = fn() -> Schematic;

/// The schema of a named type: a reference to its component, registered with everything it
/// refers to.
pub fn named<T: ToSchema>() -> Schematic {
    let mut components = Vec::new();
    T::schemas(&mut components);
    let name = T::name();
    components.push((name.to_string(), T::schema()));
    Schematic {
        schema: RefOr::Ref(Ref::from_schema_name(name)),
        components,
    }
}

/// The schema of a type written in place (primitives: path parameters, plain text).
pub fn inline<T: ToSchema>() -> Schematic {
    let mut components = Vec::new();
    T::schemas(&mut components);
    Schematic {
        schema: T::schema(),
        components,
    }
}

/// How a handler reads its request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `ApiJson<T>`: JSON required, with `Content-Type: application/json`.
    Json,
    /// The raw bytes, read by the handler (an optional JSON body, text).
    Raw,
}

/// A request body: its media types and schemas.
#[derive(Debug, Clone)]
pub struct Body {
    /// `(media type, schema)`, in the order documented.
    pub content: Vec<(&'static str, SchemaFn)>,
    /// Whether a body must be sent.
    pub required: bool,
    /// How the handler reads it.
    pub kind: BodyKind,
}

/// The success response of a route.
#[derive(Debug, Clone, Copy)]
pub struct Success {
    /// Status: 200, 201, 204 (or 101 for the WebSocket upgrade).
    pub status: u16,
    /// `(media type, schema)` of the body; `None` for no body.
    pub content: Option<(&'static str, SchemaFn)>,
}

/// One documented route.
#[derive(Debug, Clone)]
pub struct Route {
    /// Method.
    pub method: Method,
    /// Path, with `{param}` segments.
    pub path: &'static str,
    /// What it does (the OpenAPI summary).
    pub summary: &'static str,
    /// Who may call it (`anyone` needs no token).
    pub who: &'static str,
    /// The request body, when the handler reads one.
    pub body: Option<Body>,
    /// The query parameters, when the handler reads a query.
    pub query: Option<fn() -> Vec<Parameter>>,
    /// Types of path parameters other than strings.
    pub path_params: Vec<(&'static str, SchemaFn)>,
    /// The success response.
    pub success: Option<Success>,
    /// Error statuses the handler chooses (beyond those of its kind).
    pub errors: Vec<u16>,
    /// Operations the success response leads to.
    pub links: Vec<Link>,
}

/// An OpenAPI link from a success response to another route: the values of its parameters
/// taken from the response (`$response.body#/id`).
#[derive(Debug, Clone)]
pub struct Link {
    /// The link's name.
    pub name: &'static str,
    /// The route linked to.
    pub method: Method,
    /// Its path.
    pub path: &'static str,
    /// `(parameter, runtime expression)`.
    pub parameters: &'static [(&'static str, &'static str)],
}

impl Route {
    /// Whether the route is called without a token.
    pub fn public(&self) -> bool {
        self.who == "anyone"
    }
}

/// Builds a router while recording each `(method, path)`, so the route list cannot drift from
/// the router.
pub struct RouteTable {
    router: Router<AppState>,
    list: Vec<Route>,
}

impl Default for RouteTable {
    fn default() -> Self {
        RouteTable {
            router: Router::new(),
            list: Vec::new(),
        }
    }
}

fn query_params<Q: IntoParams>() -> Vec<Parameter> {
    Q::into_params(|| Some(ParameterIn::Query))
}

impl RouteTable {
    /// Adds one method on one path, with its documentation.
    pub fn add(
        mut self,
        method: Method,
        path: &'static str,
        handler: MethodRouter<AppState>,
        summary: &'static str,
        who: &'static str,
    ) -> Self {
        self.list.push(Route {
            method,
            path,
            summary,
            who,
            body: None,
            query: None,
            path_params: Vec::new(),
            success: None,
            errors: Vec::new(),
            links: Vec::new(),
        });
        self.router = self.router.route(path, handler);
        self
    }

    fn last(&mut self) -> &mut Route {
        self.list
            .last_mut()
            .expect("a route's documentation follows its .add")
    }

    fn content(mut self, media: &'static str, schema: SchemaFn, kind: BodyKind) -> Self {
        let r = self.last();
        let body = r.body.get_or_insert(Body {
            content: Vec::new(),
            required: true,
            kind,
        });
        body.content.push((media, schema));
        self
    }

    /// The route reads `ApiJson<T>`.
    pub fn body<T: ToSchema>(self) -> Self {
        self.content("application/json", named::<T>, BodyKind::Json)
    }

    /// The route reads a JSON `T` that may be left out (an empty body).
    pub fn optional_body<T: ToSchema>(mut self) -> Self {
        self = self.content("application/json", named::<T>, BodyKind::Raw);
        if let Some(b) = self.last().body.as_mut() {
            b.required = false;
        }
        self
    }

    /// The route reads a `text/plain` body.
    pub fn text_body(self) -> Self {
        self.content("text/plain", inline::<String>, BodyKind::Raw)
    }

    /// The route's raw body may also be JSON `T` (`Content-Type: application/json`).
    pub fn or_json<T: ToSchema>(self) -> Self {
        self.content("application/json", named::<T>, BodyKind::Raw)
    }

    /// The route reads `ApiQuery<Q>`.
    pub fn query<Q: IntoParams>(mut self) -> Self {
        self.last().query = Some(query_params::<Q>);
        self
    }

    /// The path parameter `name` is a `T` (default: a string).
    pub fn path<T: ToSchema>(mut self, name: &'static str) -> Self {
        self.last().path_params.push((name, inline::<T>));
        self
    }

    fn success(mut self, status: u16, content: Option<(&'static str, SchemaFn)>) -> Self {
        self.last().success = Some(Success { status, content });
        self
    }

    /// 200 with a JSON `R`.
    pub fn ok<R: ToSchema>(self) -> Self {
        self.success(200, Some(("application/json", named::<R>)))
    }

    /// 200 with an `R` of another media type (GeoJSON).
    pub fn ok_as<R: ToSchema>(self, media: &'static str) -> Self {
        self.success(200, Some((media, named::<R>)))
    }

    /// 200 with text of `media`.
    pub fn ok_text(self, media: &'static str) -> Self {
        self.success(200, Some((media, inline::<String>)))
    }

    /// 201 Created with a JSON `R`.
    pub fn created<R: ToSchema>(self) -> Self {
        self.success(201, Some(("application/json", named::<R>)))
    }

    /// 204 No Content.
    pub fn no_content(self) -> Self {
        self.success(204, None)
    }

    /// 101 Switching Protocols (the WebSocket upgrade).
    pub fn switching_protocols(self) -> Self {
        self.success(101, None)
    }

    /// Error statuses the handler chooses.
    pub fn errors(mut self, statuses: &[u16]) -> Self {
        self.last().errors.extend_from_slice(statuses);
        self
    }

    /// The success response leads to `method path`, its parameters taken from the response
    /// (`&[("id", "$response.body#/id")]`).
    pub fn link(
        mut self,
        name: &'static str,
        method: Method,
        path: &'static str,
        parameters: &'static [(&'static str, &'static str)],
    ) -> Self {
        self.last().links.push(Link {
            name,
            method,
            path,
            parameters,
        });
        self
    }

    /// Splits into the router and the documented routes.
    pub fn into_parts(self) -> (Router<AppState>, Vec<Route>) {
        (self.router, self.list)
    }
}
