//! Loads the safety net's regions (configured files, stored API regions, aerodrome defaults)
//! and declared exemptions, and installs them in [`Live`] for the alert cycle.

use crate::config::Config;
use crate::domain::safety::ExemptionDoc;
use crate::live::Live;
use deconflict_airspace::regions::{load_regions, RegionSet, SafetyRegion};
use deconflict_store::{Store, StoreResult};
use serde_json::Value;
use std::sync::Arc;

/// The document collection of API regions.
pub const REGIONS: &str = "safety_regions";

/// The document collection of exemptions.
pub const EXEMPTIONS: &str = "safety_exemptions";

/// Builds the region set from the configured files, the stored API regions and the
/// aerodrome defaults.
///
/// # Errors
/// A file that cannot be read or parsed, or an invalid region, with its name.
pub fn build_regions(config: &Config, api: Vec<SafetyRegion>) -> Result<RegionSet, String> {
    let mut explicit = Vec::new();
    for p in &config.safety_net.region_files {
        let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
        let regions = load_regions(&text, None).map_err(|e| format!("{}: {e}", p.display()))?;
        explicit.extend(regions);
    }
    explicit.extend(api);
    RegionSet::with_aerodrome_defaults(explicit, &config.safety_net.aerodromes)
        .map_err(|e| e.to_string())
}

/// The stored API regions (withdrawn ones left out) with their versions.
///
/// # Errors
/// The store failed.
pub fn stored_regions(store: &dyn Store) -> StoreResult<Vec<(SafetyRegion, i64)>> {
    Ok(store
        .list_documents(REGIONS)?
        .into_iter()
        .filter(|(_, body, _)| body.get("withdrawn") != Some(&Value::Bool(true)))
        .filter_map(|(_, body, v)| serde_json::from_value(body).ok().map(|r| (r, v)))
        .collect())
}

/// The stored exemptions with their versions.
///
/// # Errors
/// The store failed.
pub fn stored_exemptions(store: &dyn Store) -> StoreResult<Vec<(ExemptionDoc, i64)>> {
    Ok(store
        .list_documents(EXEMPTIONS)?
        .into_iter()
        .filter_map(|(_, body, v)| serde_json::from_value(body).ok().map(|d| (d, v)))
        .collect())
}

/// Loads regions and exemptions at start and installs them in `live`.
///
/// # Errors
/// The store failed, or a configured region file is invalid.
pub fn install(store: &dyn Store, config: &Config, live: &Live) -> Result<usize, String> {
    let api: Vec<SafetyRegion> = stored_regions(store)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    let set = build_regions(config, api)?;
    let n = set.len();
    live.set_regions(Arc::new(set));
    let ex = stored_exemptions(store).map_err(|e| e.to_string())?;
    live.set_exemption_docs(ex.into_iter().map(|(d, _)| d).collect());
    Ok(n)
}
