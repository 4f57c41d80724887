//! Helpers shared by the integration tests: locating `../shared/data` and fixtures.
#![allow(dead_code)]

use std::io::Read;
use std::path::PathBuf;

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

/// `../shared/data` relative to the repository root, for a test that needs it: a missing file
/// fails the test, unless `DECONFLICT_SKIP_SHARED_DATA=1` is set, when `test` is skipped and
/// says so (`None`).
pub fn shared_data_required(rel: &str, test: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel);
    if p.exists() {
        return Some(p);
    }
    if std::env::var("DECONFLICT_SKIP_SHARED_DATA").as_deref() == Ok("1") {
        eprintln!(
            "SKIPPED {test}: {} not found and DECONFLICT_SKIP_SHARED_DATA=1",
            p.display()
        );
        return None;
    }
    panic!(
        "{test}: {} not found; the real recordings are needed (set \
         DECONFLICT_SKIP_SHARED_DATA=1 to skip this test)",
        p.display()
    );
}
