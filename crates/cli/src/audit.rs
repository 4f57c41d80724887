//! `deconflict audit …`: audit log tools.

use std::process::ExitCode;

/// Audit subcommands.
#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain of the audit log in a data directory.
    Verify {
        /// The server's data directory.
        #[arg(long, default_value = "data")]
        data_dir: std::path::PathBuf,
    },
}

pub fn run(_cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
