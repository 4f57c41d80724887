//! `deconflict audit …`: audit log tools.

use deconflict_store::{SqliteStore, Store, DATABASE_FILE};
use std::process::ExitCode;

/// Audit subcommands.
#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain of the audit log in a data directory. Exit status 0 when intact,
    /// 1 when an entry was altered, removed or reordered (the first bad sequence number is
    /// printed), 2 when the database cannot be read.
    Verify {
        /// The server's data directory.
        #[arg(long, default_value = "data")]
        data_dir: std::path::PathBuf,
    },
}

pub fn run(cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { data_dir } => {
            let file = data_dir.join(DATABASE_FILE);
            if !file.exists() {
                anyhow::bail!(
                    "no database at {} (is --data-dir the server's data directory?)",
                    file.display()
                );
            }
            let store = SqliteStore::open(&data_dir)
                .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", file.display()))?;
            let report = store
                .verify_audit()
                .map_err(|e| anyhow::anyhow!("cannot read the audit log: {e}"))?;
            if report.ok {
                println!("audit log intact: {} entries", report.entries);
                Ok(ExitCode::SUCCESS)
            } else {
                println!(
                    "audit log TAMPERED: first bad entry seq {} ({})",
                    report.first_bad_seq.unwrap_or(0),
                    report.problem.as_deref().unwrap_or("unknown problem")
                );
                Ok(ExitCode::from(1))
            }
        }
    }
}
