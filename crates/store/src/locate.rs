//! Where a store lives, as operators write it: `sqlite:DIR` (the embedded database in a data
//! directory) or `postgres://USER@HOST:PORT/DB` (also `postgresql://…`), and how to open it.

use crate::error::StoreResult;
use crate::{PgOptions, PostgresStore, SqliteStore, Store};
use std::path::PathBuf;

/// A store's location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The SQLite database in this data directory.
    Sqlite(PathBuf),
    /// A PostgreSQL database, by connection URL.
    Postgres(String),
}

impl std::str::FromStr for Location {
    type Err = String;

    fn from_str(s: &str) -> Result<Location, String> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(Location::Postgres(s.to_owned()))
        } else if let Some(dir) = s.strip_prefix("sqlite:") {
            if dir.is_empty() {
                Err("sqlite: needs a data directory (sqlite:DIR)".into())
            } else {
                Ok(Location::Sqlite(PathBuf::from(dir)))
            }
        } else {
            Err(format!(
                "{s:?} is not a store location: write sqlite:DIR or postgres://USER@HOST:PORT/DB"
            ))
        }
    }
}

impl std::fmt::Display for Location {
    /// The location with any password in the URL hidden.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(dir) => write!(f, "sqlite:{}", dir.display()),
            Location::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

/// A connection URL with its password replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((user, host)) if user.contains(':') => {
            let name = user.split(':').next().unwrap_or("");
            format!("{scheme}://{name}:***@{host}")
        }
        _ => url.to_owned(),
    }
}

impl Location {
    /// Opens the store (creating the SQLite database, or migrating the PostgreSQL schema, as
    /// needed).
    ///
    /// # Errors
    /// The store cannot be opened or reached.
    pub fn open(&self, pg: &PgOptions) -> StoreResult<Box<dyn Store>> {
        Ok(match self {
            Location::Sqlite(dir) => Box::new(SqliteStore::open(dir)?),
            Location::Postgres(url) => Box::new(PostgresStore::connect(url, pg)?),
        })
    }

    /// Whether the store already exists (a SQLite file in the directory; a PostgreSQL
    /// database is taken to exist, since connecting tells).
    pub fn exists(&self) -> bool {
        match self {
            Location::Sqlite(dir) => dir.join(crate::DATABASE_FILE).exists(),
            Location::Postgres(_) => true,
        }
    }
}
