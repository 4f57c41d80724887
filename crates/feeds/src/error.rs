//! Why a line, frame or record could not be decoded.
//!
//! Every [`DecodeError`] has a stable [`DecodeError::reason`] string; connectors and replay
//! count rejects by it, so the strings are part of the public contract (metrics labels, replay
//! report keys).

use thiserror::Error;

/// A decoding failure. Never fatal: the caller counts it and goes on with the next input.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input is not valid UTF-8 where text is expected.
    #[error("invalid UTF-8")]
    InvalidUtf8,
    /// A line exceeded the maximum accepted length.
    #[error("line longer than {max} bytes")]
    LineTooLong {
        /// The limit.
        max: usize,
    },
    /// The line or record does not have the expected shape.
    #[error("malformed {what}")]
    Malformed {
        /// What was expected.
        what: &'static str,
    },
    /// A field could not be parsed or is out of range.
    #[error("bad field {field}")]
    BadField {
        /// The field's name.
        field: &'static str,
    },
    /// A Mode S message of a length other than 56 or 112 bits.
    #[error("Mode S message of {len} bytes")]
    BadLength {
        /// The length received.
        len: usize,
    },
    /// A Mode S message that failed its parity check or could not be parsed.
    #[error("Mode S message rejected: {0}")]
    ModeS(String),
    /// An address/parity reply from an aircraft never confirmed by a CRC-checked message.
    #[error("address {0:06X} not confirmed by an all-call or extended squitter")]
    UnknownAddress(u32),
    /// A well-formed message that carries nothing a track uses (e.g. Mode A/C, Comm-D).
    #[error("message carries no track data")]
    Unsupported,
}

impl DecodeError {
    /// A stable short reason, for counters and reports.
    pub fn reason(&self) -> &'static str {
        match self {
            DecodeError::InvalidUtf8 => "invalid_utf8",
            DecodeError::LineTooLong { .. } => "line_too_long",
            DecodeError::Malformed { .. } => "malformed",
            DecodeError::BadField { .. } => "bad_field",
            DecodeError::BadLength { .. } => "bad_length",
            DecodeError::ModeS(_) => "bad_crc_or_format",
            DecodeError::UnknownAddress(_) => "unknown_address",
            DecodeError::Unsupported => "unsupported",
        }
    }
}
