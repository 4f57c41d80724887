//! Fast handler checks: the router called with `oneshot`, no listener, each test on its own
//! fresh SQLite store (a real store, not a mock).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use deconflict_server::{
    app, issue_token, AppState, Checkpoints, Clock, Config, Directory, Live, Metrics,
};
use deconflict_store::{CheckpointSigner, Party, Role, Sharing, SqliteStore, Store};
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;

struct Fixture {
    state: AppState,
    blue: String,
    cell: String,
    mon: String,
    _dir: tempfile::TempDir,
}

fn fixture(config: Config) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    store
        .create_party(
            "system",
            &Party::new("blue", "Blue", Role::Party, Sharing::full()),
        )
        .unwrap();
    store
        .create_party(
            "system",
            &Party::new("red", "Red", Role::Party, Sharing::alerts_only()),
        )
        .unwrap();
    store
        .create_party(
            "system",
            &Party::new("cell", "Cell", Role::Cell, Sharing::full()),
        )
        .unwrap();
    store
        .create_party(
            "system",
            &Party::new("mon", "Monitor", Role::Observer, Sharing::full()),
        )
        .unwrap();
    let blue = issue_token(&store, "system", "blue").unwrap();
    let cell = issue_token(&store, "system", "cell").unwrap();
    let mon = issue_token(&store, "system", "mon").unwrap();
    let directory = Arc::new(Directory::default());
    directory.load(store.list_parties().unwrap(), store.list_tokens().unwrap());
    let config = Arc::new(config);
    let (live, _rx) = Live::new(&config, Arc::new(Metrics::default()));
    let store: Arc<dyn Store> = Arc::new(store);
    let checkpoints = Arc::new(Checkpoints::new(CheckpointSigner::from_seed([1; 32])));
    let state = AppState::new(store, config, directory, live, Clock::system(), checkpoints);
    Fixture {
        state,
        blue,
        cell,
        mon,
        _dir: dir,
    }
}

async fn call(
    f: &Fixture,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (StatusCode, String, Value) {
    let mut r = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        r = r.header("authorization", format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => r
            .header("content-type", "application/json")
            .body(Body::from(b.to_owned()))
            .unwrap(),
        None => r.body(Body::empty()).unwrap(),
    };
    let resp = app(f.state.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 24)
        .await
        .unwrap();
    (
        status,
        ct,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn errors_are_problem_json_with_a_reason() {
    let f = fixture(Config::default());
    let (st, ct, p) = call(&f, "GET", "/api/v1/me", None, None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(ct, "application/problem+json");
    assert_eq!(p["status"], 401);
    assert!(p["detail"].as_str().unwrap().contains("Bearer"));

    let (st, _, p) = call(&f, "GET", "/api/v1/nope", Some(&f.blue), None).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(p["type"], "urn:deconflict:no-route");

    let (st, _, p) = call(&f, "DELETE", "/api/v1/me", Some(&f.blue), None).await;
    assert_eq!(st, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(p["type"], "urn:deconflict:method-not-allowed");

    let (st, _, p) = call(
        &f,
        "POST",
        "/api/v1/messages",
        Some(&f.blue),
        Some("{\"body\":"),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(p["detail"].as_str().unwrap().contains("JSON"));

    let (st, _, _) = call(
        &f,
        "POST",
        "/api/v1/messages",
        Some(&f.blue),
        Some("{\"body\":\"x\",\"extra\":1}"),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn body_limit_is_413() {
    let mut c = Config::default();
    c.limits.body_limit_bytes = 1000;
    let f = fixture(c);
    let big = json!({ "body": "x".repeat(5000) }).to_string();
    let (st, _, p) = call(&f, "POST", "/api/v1/messages", Some(&f.blue), Some(&big)).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(p["detail"].as_str().unwrap().contains("body_limit_bytes"));
    // Routes that read the raw body (optional JSON, OpenAir text) answer it as a problem too,
    // as their OpenAPI operations say.
    for path in [
        "/api/v1/conflicts/c-1/ack",
        "/api/v1/intrusions/i-1/ack",
        "/api/v1/requests/q-1/decline",
        "/api/v1/zones/openair",
    ] {
        let (st, ct, p) = call(&f, "POST", path, Some(&f.blue), Some(&big)).await;
        assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert_eq!(ct, "application/problem+json", "{path}");
        assert!(
            p["detail"].as_str().unwrap().contains("body_limit_bytes"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn roles_and_party_admin() {
    let f = fixture(Config::default());
    let (st, _, me) = call(&f, "GET", "/api/v1/me", Some(&f.mon), None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(me["role"], "observer");
    let body = r#"{"id":"green","role":"party","sharing":{"mode":"proximity","range_nm":10,"alt_ft":2000}}"#;
    assert_eq!(
        call(&f, "POST", "/api/v1/parties", Some(&f.blue), Some(body))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&f, "POST", "/api/v1/parties", Some(&f.mon), Some(body))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&f, "POST", "/api/v1/parties", Some(&f.cell), Some(body))
            .await
            .0,
        StatusCode::CREATED
    );
    assert_eq!(
        call(&f, "POST", "/api/v1/parties", Some(&f.cell), Some(body))
            .await
            .0,
        StatusCode::CONFLICT
    );
    let bad = r#"{"id":"Bad Id","role":"party"}"#;
    assert_eq!(
        call(&f, "POST", "/api/v1/parties", Some(&f.cell), Some(bad))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        call(
            &f,
            "POST",
            "/api/v1/parties/ghost/tokens",
            Some(&f.cell),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let (_, _, v) = call(&f, "GET", "/api/v1/audit/verify", Some(&f.cell), None).await;
    assert_eq!(v["ok"], true);
    assert!(v["entries"].as_u64().unwrap() >= 8);
}

#[tokio::test]
async fn openapi_and_metrics_are_public() {
    let f = fixture(Config::default());
    let (st, _, doc) = call(&f, "GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let req = Request::builder()
        .uri("/metrics")
        .body(Body::empty())
        .unwrap();
    let resp = app(f.state.clone()).oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let text = String::from_utf8(
        axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    for m in [
        "deconflict_tracks",
        "deconflict_cycle_seconds_count",
        "deconflict_alerts_active",
        "deconflict_ws_clients",
    ] {
        assert!(text.contains(m), "{m} missing");
    }
}
