//! `deconflict serve`.

use std::process::ExitCode;

/// Arguments of this subcommand.
#[derive(clap::Args)]
pub struct ServeArgs {}

pub fn run(_args: ServeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
