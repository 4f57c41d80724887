//! `deconflict detect`.

use std::process::ExitCode;

/// Arguments of this subcommand.
#[derive(clap::Args)]
pub struct DetectArgs {}

pub fn run(_args: DetectArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
