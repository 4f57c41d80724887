//! Reading and writing volumes in the formats parties bring: ASTM F3548 `Volume4D` JSON
//! ([`astm`]), GeoJSON ([`geojson`]) and OpenAir airspace text ([`openair`]).
//!
//! Every parser works on text already in memory and returns [`Volume`](crate::Volume)s that have
//! passed validation, or a [`FormatError`] saying what was wrong and where.

pub mod astm;
pub mod geojson;
pub mod openair;

use thiserror::Error;

use crate::volume::VolumeError;

/// Why a document could not be imported.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum FormatError {
    /// Not well-formed JSON.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// What the JSON parser said.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// A required member is missing or has the wrong type.
    #[error("{at}: {what} is missing or not {expected}")]
    Missing {
        /// Where (e.g. `features[2].properties`).
        at: String,
        /// Which member.
        what: &'static str,
        /// What it should have been.
        expected: &'static str,
    },
    /// Something valid in the format that this importer does not accept.
    #[error("{at}: {what} is not supported")]
    Unsupported {
        /// Where.
        at: String,
        /// What.
        what: String,
    },
    /// A timestamp could not be read.
    #[error("{at}: {value:?} is not an RFC 3339 timestamp")]
    Time {
        /// Where.
        at: String,
        /// The text found.
        value: String,
    },
    /// A volume was read but is invalid.
    #[error("{at}: {source}")]
    Volume {
        /// Where.
        at: String,
        /// Why.
        #[source]
        source: VolumeError,
    },
    /// Nothing to import.
    #[error("no volumes found")]
    Empty,
}

impl From<serde_json::Error> for FormatError {
    fn from(e: serde_json::Error) -> Self {
        FormatError::Json {
            message: e.to_string(),
            line: e.line(),
            column: e.column(),
        }
    }
}

/// Parses an RFC 3339 timestamp to UNIX seconds.
pub(crate) fn rfc3339_to_unix_s(at: &str, value: &str) -> Result<f64, FormatError> {
    let t = chrono::DateTime::parse_from_rfc3339(value.trim()).map_err(|_| FormatError::Time {
        at: at.to_string(),
        value: value.to_string(),
    })?;
    Ok(t.timestamp() as f64 + f64::from(t.timestamp_subsec_nanos()) * 1e-9)
}

/// Formats UNIX seconds as RFC 3339 UTC (`2026-11-25T10:00:00Z`, with fraction when needed).
pub(crate) fn unix_s_to_rfc3339(t: f64) -> Option<String> {
    let secs = t.floor();
    let nanos = ((t - secs) * 1e9).round().min(999_999_999.0) as u32;
    let dt = chrono::DateTime::from_timestamp(secs as i64, nanos)?;
    Some(dt.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}
