//! The browser console, embedded in the binary from `web/public` at build time.

use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::RustEmbed)]
#[folder = "../../web/public"]
struct Assets;

fn mime(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "geojson" | "topojson" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "wasm" => "application/wasm",
        "woff2" => "font/woff2",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        _ => "application/octet-stream",
    }
}

/// For working on the console without rebuilding the binary: with `DECONFLICT_WEB_DIR` set
/// to a directory (e.g. `web/public`), files are read from it instead of the embedded copy.
/// A path with `..` or a missing file falls back to the embedded copy.
fn from_dir(path: &str) -> Option<Response> {
    let dir = std::env::var_os("DECONFLICT_WEB_DIR")?;
    if path.split('/').any(|seg| seg == ".." || seg.is_empty()) {
        return None;
    }
    let data = std::fs::read(std::path::Path::new(&dir).join(path)).ok()?;
    let mut r = data.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime(path)));
    Some(r)
}

/// Serves an embedded file, `index.html` for `/`.
pub async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    if let Some(r) = from_dir(path) {
        return r;
    }
    match Assets::get(path) {
        Some(f) => {
            let mut r = f.data.into_owned().into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime(path)));
            r
        }
        None if path == "index.html" => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!doctype html><title>Deconflict</title><p>The console is not built into this binary. \
             The API is at <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>.</p>",
        )
            .into_response(),
        None => crate::error::ApiError::not_found(format!("no route or file {:?}", uri.path())).into_response(),
    }
}
