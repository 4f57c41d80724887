//! `deconflict simulate traffic`.

use std::process::ExitCode;

/// Arguments of this subcommand.
#[derive(clap::Args)]
pub struct TrafficArgs {}

pub fn run(_args: TrafficArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
