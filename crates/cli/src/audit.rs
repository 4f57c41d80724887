//! `deconflict audit …`: audit log tools.

use deconflict_store::checkpoint::KEY_FILE;
use deconflict_store::{Checkpoint, CheckpointError, CheckpointSigner, Location, PgOptions, Store};
use std::process::ExitCode;

/// Audit subcommands.
#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain of the audit log in a data directory. Exit status 0 when intact,
    /// 1 when an entry was altered, removed or reordered (the first bad sequence number is
    /// printed), 2 when the database cannot be read.
    ///
    /// With `--checkpoint FILE` (a signed checkpoint as `GET /api/v1/audit/checkpoint` serves
    /// it, or the stream's `audit_checkpoint` frame), it also proves that the log extends that
    /// earlier checkpoint: the signature verifies, the log reaches its sequence number and the
    /// entry there still has the signed hash. Exit status 1 when it does not: the log was
    /// shortened or rewritten since, even if its hashes were recomputed.
    Verify {
        /// The server's data directory (its SQLite database, and its checkpoint signing key).
        #[arg(long, default_value = "data")]
        data_dir: std::path::PathBuf,
        /// The store to verify instead of the data directory's SQLite database:
        /// `postgres://USER@HOST:PORT/DB` or `sqlite:DIR`.
        #[arg(long, value_name = "URL")]
        store: Option<Location>,
        /// A checkpoint kept earlier, to prove the current log extends.
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<std::path::PathBuf>,
    },
}

/// Reads a checkpoint file: the checkpoint itself, or a stream frame carrying it.
fn read_checkpoint(path: &std::path::Path) -> anyhow::Result<Checkpoint> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{} is not JSON: {e}", path.display()))?;
    let v = v.get("checkpoint").cloned().unwrap_or(v);
    serde_json::from_value(v).map_err(|e| {
        anyhow::anyhow!(
            "{} is not a checkpoint (seq, head_hash, time, public_key, signature): {e}",
            path.display()
        )
    })
}

/// Checks `cp` against the log in `store`: its signature, the cell's key, and extension.
fn check_checkpoint(
    store: &dyn Store,
    data_dir: &std::path::Path,
    cp: &Checkpoint,
    report: &deconflict_store::VerifyReport,
) -> anyhow::Result<Result<(), CheckpointError>> {
    if let Err(e) = cp.verify_signature() {
        return Ok(Err(e));
    }
    if data_dir.join(KEY_FILE).exists() {
        let key = CheckpointSigner::load_or_create(data_dir)
            .map_err(|e| anyhow::anyhow!("cannot read the cell's signing key: {e}"))?
            .public_key();
        if key != cp.public_key {
            return Ok(Err(CheckpointError::OtherKey {
                found: cp.public_key.clone(),
                expected: key,
            }));
        }
    }
    let entry = if cp.seq > 0 {
        store
            .audit_entries(cp.seq - 1, 1)
            .map_err(|e| anyhow::anyhow!("cannot read the audit log: {e}"))?
            .into_iter()
            .find(|e| e.seq == cp.seq)
    } else {
        None
    };
    Ok(cp.extended_by(entry.as_ref(), report))
}

pub fn run(cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify {
            data_dir,
            store,
            checkpoint,
        } => {
            let kept = checkpoint.as_deref().map(read_checkpoint).transpose()?;
            let location = store.unwrap_or_else(|| Location::Sqlite(data_dir.clone()));
            if !location.exists() {
                anyhow::bail!(
                    "no database in {location} (is --data-dir the server's data directory?)"
                );
            }
            let store = location.open(&PgOptions::default()).map_err(|e| {
                anyhow::anyhow!("cannot open {location}: {}", crate::store::chain(&e))
            })?;
            let store = store.as_ref();
            let report = store
                .verify_audit()
                .map_err(|e| anyhow::anyhow!("cannot read the audit log: {e}"))?;
            if !report.ok {
                let problem = report.problem.as_deref().unwrap_or("unknown problem");
                match report.first_bad_seq {
                    Some(seq) => {
                        println!("audit log TAMPERED: first bad entry seq {seq} ({problem})")
                    }
                    None => println!("audit log TAMPERED: {problem}"),
                }
                return Ok(ExitCode::from(1));
            }
            println!("audit log intact: {} entries", report.entries);
            if let Some(cp) = kept {
                match check_checkpoint(store, &data_dir, &cp, &report)? {
                    Ok(()) => println!(
                        "extends checkpoint {} signed at {} by {}",
                        cp.seq,
                        {
                            let (d, t) = deconflict_feeds::time::format_date_time(cp.time);
                            format!("{d} {t} UTC")
                        },
                        cp.public_key
                    ),
                    Err(e) => {
                        println!("audit log does NOT extend the checkpoint: {e}");
                        return Ok(ExitCode::from(1));
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
