//! `deconflict replay`.

use std::process::ExitCode;

/// Arguments of this subcommand.
#[derive(clap::Args)]
pub struct ReplayArgs {}

pub fn run(_args: ReplayArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
