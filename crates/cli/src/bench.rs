//! `deconflict bench`.

use std::process::ExitCode;

/// Arguments of this subcommand.
#[derive(clap::Args)]
pub struct BenchArgs {}

pub fn run(_args: BenchArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
