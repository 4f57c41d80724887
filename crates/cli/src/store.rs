//! `deconflict store …`: moving a cell's data between stores.

use deconflict_store::{moving, Location, PgOptions, PostgresStore, SqliteStore};
use std::process::ExitCode;

/// Store subcommands.
#[derive(clap::Subcommand)]
pub enum StoreCommand {
    /// Copy a cell's data from its SQLite data directory into an empty PostgreSQL database,
    /// audit chain intact: every row as it is, in one transaction, from one consistent snapshot
    /// (the cell may keep running; what it writes afterwards is not moved, so stop it and move
    /// again into a fresh database for the final switch). The copy's audit log is verified
    /// before the move commits; exit status 0 when moved and verified, 1 when refused.
    Migrate {
        /// The source: `sqlite:DIR` (the cell's data directory).
        #[arg(long, value_name = "sqlite:DIR")]
        from: Location,
        /// The destination: `postgres://USER@HOST:PORT/DB` (an empty database; the schema is
        /// created).
        #[arg(long, value_name = "postgres://…")]
        to: Location,
    },
}

/// An error and its causes, on one line.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

pub fn run(cmd: StoreCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        StoreCommand::Migrate { from, to } => {
            let (Location::Sqlite(dir), Location::Postgres(url)) = (&from, &to) else {
                anyhow::bail!("store migrate moves sqlite:DIR to postgres://…; got {from} → {to}");
            };
            if !from.exists() {
                anyhow::bail!("no database in {from}");
            }
            let source = SqliteStore::open(dir)
                .map_err(|e| anyhow::anyhow!("cannot open {from}: {}", chain(&e)))?;
            let dest = PostgresStore::connect(url, &PgOptions::default())
                .map_err(|e| anyhow::anyhow!("cannot connect to {to}: {}", chain(&e)))?;
            match moving::sqlite_to_postgres(&source, &dest) {
                Ok(report) => {
                    for (table, n) in &report.rows {
                        println!("{table:>15}: {n} rows");
                    }
                    let head = report
                        .head
                        .as_ref()
                        .map_or("empty".to_owned(), |(seq, h)| format!("seq {seq}, {h}"));
                    println!(
                        "moved {from} to {to}: audit log intact, {} entries, head {head}",
                        report.verified.entries
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("not moved: {}", chain(&e));
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}
