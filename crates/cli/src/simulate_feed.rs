//! `deconflict simulate feed`.

use std::process::ExitCode;

/// Arguments of this subcommand.
#[derive(clap::Args)]
pub struct FeedArgs {}

pub fn run(_args: FeedArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
