//! `replay --html`: the report as one self-contained page.

use deconflict_feeds::replay::ReplayReport;

/// The page.
pub fn render(r: &ReplayReport) -> String {
    format!("<!doctype html><title>replay</title><pre>{} losses</pre>", r.losses.len())
}
