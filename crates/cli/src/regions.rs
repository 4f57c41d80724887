//! The safety-net regions of `replay`: files given with `--regions` (in order), then the
//! default aerodrome regions unless `--no-aerodrome-defaults` — the same set the cell builds
//! from `[safety_net]`.

use std::sync::Arc;

use anyhow::Context;
use deconflict_airspace::regions::{load_regions, AerodromeDefaults, RegionSet};
use deconflict_engine::safety::{Locator, NoRegions};

use crate::replay::SafetyArgs;

/// The locator for these flags.
pub fn locator(args: &SafetyArgs) -> anyhow::Result<Arc<dyn Locator>> {
    if args.raw {
        return Ok(Arc::new(NoRegions));
    }
    let mut explicit = Vec::new();
    for p in &args.regions {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
        let regions = load_regions(&text, None).with_context(|| format!("{}", p.display()))?;
        explicit.extend(regions);
    }
    let mut defaults = match &args.aerodrome_defaults {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            toml::from_str::<AerodromeDefaults>(&text)
                .with_context(|| format!("{}", p.display()))?
        }
        None => AerodromeDefaults::default(),
    };
    if args.no_aerodrome_defaults {
        defaults.enabled = false;
    }
    let set = RegionSet::with_aerodrome_defaults(explicit, &defaults).context("regions")?;
    Ok(Arc::new(set))
}
