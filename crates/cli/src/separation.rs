//! The separation-standard flags shared by every subcommand that runs detection
//! (`detect`, `replay`): one definition, defaults taken from the engine's
//! [`SeparationStandard::default`] so they are declared only once.

use anyhow::Context;
use deconflict_engine::SeparationStandard;

/// `--h-sep-nm`, `--v-sep-ft`, `--lookahead-s`.
#[derive(clap::Args)]
pub struct SeparationArgs {
    /// Horizontal minimum, nautical miles [default: 5].
    #[arg(long)]
    pub h_sep_nm: Option<f64>,
    /// Vertical minimum, feet [default: 1000].
    #[arg(long)]
    pub v_sep_ft: Option<f64>,
    /// Look-ahead, seconds [default: 300].
    #[arg(long)]
    pub lookahead_s: Option<f64>,
}

impl SeparationArgs {
    /// The engine's default standard with the given flags applied, validated.
    pub fn standard(&self) -> anyhow::Result<SeparationStandard> {
        let defaults = SeparationStandard::default();
        let standard = SeparationStandard {
            h_sep_nm: self.h_sep_nm.unwrap_or(defaults.h_sep_nm),
            v_sep_ft: self.v_sep_ft.unwrap_or(defaults.v_sep_ft),
            lookahead_s: self.lookahead_s.unwrap_or(defaults.lookahead_s),
        };
        standard.validate().context("invalid separation standard")?;
        Ok(standard)
    }
}
