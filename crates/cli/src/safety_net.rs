//! The safety-net flags of `replay` ([`SafetyArgs`]): the net's settings and its regions,
//! with the cell's defaults, so a replay can match a cell's `[safety_net]` configuration.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use deconflict_airspace::regions::{load_regions, AerodromeDefaults, RegionSet};
use deconflict_engine::safety::{ConfirmConfig, Locator, NoRegions, SafetyNetConfig};

/// The safety-net flags (the defaults are the cell's defaults).
#[derive(clap::Args, Debug, Clone)]
pub struct SafetyArgs {
    /// Parameter regions and inhibition volumes (TOML, GeoJSON or OpenAir); repeatable. They
    /// take precedence over the default aerodrome regions.
    #[arg(long = "regions", value_name = "FILE")]
    pub regions: Vec<PathBuf>,
    /// No default terminal regions and aerodrome inhibition from the bundled aerodrome list.
    #[arg(long)]
    pub no_aerodrome_defaults: bool,
    /// The default aerodrome regions' settings, as a TOML table of the keys of
    /// `[safety_net.aerodromes]` (so that a replay matches a cell's configuration).
    #[arg(long, value_name = "FILE")]
    pub aerodrome_defaults: Option<PathBuf>,
    /// The pure state-based detector's view: no level occupancy, intent, confirmation,
    /// regions or inhibition.
    #[arg(long)]
    pub raw: bool,
    /// Level occupancy tolerance, feet (ICAO Doc 4444: 200).
    #[arg(long)]
    pub level_tolerance_ft: Option<f64>,
    /// A level is vacated after a change of more than this, feet (ICAO Doc 4444: 300).
    #[arg(long)]
    pub vacate_ft: Option<f64>,
    /// Vertical rates within this count as level, ft/min.
    #[arg(long)]
    pub dead_band_fpm: Option<f64>,
    /// Levels are multiples of this, feet.
    #[arg(long)]
    pub level_step_ft: Option<f64>,
    /// Time in the vertical-rate dead band at one level before a track is level-stable, s.
    #[arg(long)]
    pub level_confirm_s: Option<f64>,
    /// Do not use selected altitudes.
    #[arg(long)]
    pub no_intent: bool,
    /// Do not apply level occupancy.
    #[arg(long)]
    pub no_level_occupancy: bool,
    /// M of M-of-N confirmation (1 disables it).
    #[arg(long)]
    pub confirm_m: Option<u8>,
    /// N of M-of-N confirmation.
    #[arg(long)]
    pub confirm_n: Option<u8>,
}

impl SafetyArgs {
    /// The safety-net configuration these flags give.
    pub fn config(&self) -> SafetyNetConfig {
        let mut c = SafetyNetConfig::default();
        if let Some(v) = self.level_tolerance_ft {
            c.vertical.level_tolerance_ft = v;
        }
        if let Some(v) = self.vacate_ft {
            c.vertical.vacate_ft = v;
        }
        if let Some(v) = self.dead_band_fpm {
            c.vertical.dead_band_fpm = v;
        }
        if let Some(v) = self.level_step_ft {
            c.vertical.level_step_ft = v;
        }
        if let Some(v) = self.level_confirm_s {
            c.vertical.level_confirm_s = v;
        }
        if let Some(v) = self.confirm_m {
            c.confirm.m = v;
        }
        if let Some(v) = self.confirm_n {
            c.confirm.n = v;
        }
        c.intent.enabled = !(self.no_intent || self.raw);
        c.level_occupancy = !(self.no_level_occupancy || self.raw);
        if self.raw {
            c.confirm = ConfirmConfig { m: 1, n: 1 };
        }
        c
    }

    /// The safety-net regions for these flags: files given with `--regions` (in order), then
    /// the default aerodrome regions unless `--no-aerodrome-defaults` — the same set the cell
    /// builds from `[safety_net]`; none with `--raw`.
    pub fn locator(&self) -> anyhow::Result<Arc<dyn Locator>> {
        if self.raw {
            return Ok(Arc::new(NoRegions));
        }
        let mut explicit = Vec::new();
        for p in &self.regions {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            let regions = load_regions(&text, None).with_context(|| format!("{}", p.display()))?;
            explicit.extend(regions);
        }
        let mut defaults = match &self.aerodrome_defaults {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read {}", p.display()))?;
                toml::from_str::<AerodromeDefaults>(&text)
                    .with_context(|| format!("{}", p.display()))?
            }
            None => AerodromeDefaults::default(),
        };
        if self.no_aerodrome_defaults {
            defaults.enabled = false;
        }
        let set = RegionSet::with_aerodrome_defaults(explicit, &defaults).context("regions")?;
        Ok(Arc::new(set))
    }
}
