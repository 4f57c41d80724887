//! Helpers shared by the integration tests: locating `../shared/data` and fixtures.
#![allow(dead_code)]

use std::io::Read;
use std::path::PathBuf;

/// `../shared/data` relative to the repository root, when present.
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "skipped: {} not found (real recordings are optional)",
            p.display()
        );
        None
    }
}

/// A fixture in `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Reads a file, gunzipping when it ends in `.gz`.
pub fn read_maybe_gz(p: &std::path::Path) -> Vec<u8> {
    let raw = std::fs::read(p).unwrap();
    if p.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        raw
    }
}
