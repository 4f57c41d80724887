//! AVR raw hex lines (port 30002): `*<hex>;` and `@<12 hex MLAT timestamp><hex>;`.
//!
//! The payload is a 56- or 112-bit Mode S message; 16-bit Mode A/C payloads (`*xxxx;`) are
//! reported as [`DecodeError::Unsupported`]. Pure functions over `&str`.

use crate::error::DecodeError;

/// One AVR line's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvrFrame {
    /// MLAT timestamp in 12 MHz ticks, for `@` lines.
    pub mlat_ticks: Option<u64>,
    len: u8,
    data: [u8; 14],
}

impl AvrFrame {
    /// The Mode S message, 7 or 14 bytes.
    pub fn message(&self) -> &[u8] {
        &self.data[..usize::from(self.len)]
    }
}

/// Decodes one ASCII hex digit pair.
#[inline]
pub fn hex_byte(hi: u8, lo: u8) -> Option<u8> {
    Some(hex_nibble(hi)? << 4 | hex_nibble(lo)?)
}

#[inline]
fn hex_nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Parses one AVR line (surrounding whitespace allowed).
///
/// # Errors
/// [`DecodeError`] when the line is not `*…;` / `@…;` hex of a valid length.
///
/// # Examples
/// ```
/// let f = deconflict_feeds::avr::parse_line("*8D4840D6202CC371C32CE0576098;").unwrap();
/// assert_eq!(f.message().len(), 14);
/// assert_eq!(f.mlat_ticks, None);
/// ```
pub fn parse_line(line: &str) -> Result<AvrFrame, DecodeError> {
    let b = line.trim().as_bytes();
    if b.len() < 3 || b[b.len() - 1] != b';' {
        return Err(DecodeError::Malformed { what: "AVR line" });
    }
    let (mlat_ticks, hex) = match b[0] {
        b'*' => (None, &b[1..b.len() - 1]),
        b'@' => {
            if b.len() < 14 {
                return Err(DecodeError::Malformed { what: "AVR line" });
            }
            let mut ts = 0u64;
            for &c in &b[1..13] {
                ts = ts << 4
                    | u64::from(hex_nibble(c).ok_or(DecodeError::Malformed {
                        what: "AVR timestamp",
                    })?);
            }
            (Some(ts), &b[13..b.len() - 1])
        }
        _ => return Err(DecodeError::Malformed { what: "AVR line" }),
    };
    let len = match hex.len() {
        14 => 7,
        28 => 14,
        4 => return Err(DecodeError::Unsupported),
        n => return Err(DecodeError::BadLength { len: n / 2 }),
    };
    let mut data = [0u8; 14];
    for i in 0..len {
        data[i] = hex_byte(hex[2 * i], hex[2 * i + 1])
            .ok_or(DecodeError::Malformed { what: "AVR hex" })?;
    }
    Ok(AvrFrame {
        mlat_ticks,
        len: len as u8,
        data,
    })
}

/// Writes a Mode S message as an AVR `*…;` line (no terminator).
pub fn write_line(out: &mut String, msg: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('*');
    for &b in msg {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
    out.push(';');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms() {
        let f = parse_line("@0123456789AB8D4840D6202CC371C32CE0576098;\n").unwrap();
        assert_eq!(f.mlat_ticks, Some(0x0123_4567_89AB));
        assert_eq!(f.message()[0], 0x8d);
        let s = parse_line("*02C60B9ED4497C;").unwrap();
        assert_eq!(s.message().len(), 7);
        let mut out = String::new();
        write_line(&mut out, s.message());
        assert_eq!(out, "*02C60B9ED4497C;");
    }

    #[test]
    fn rejects() {
        assert_eq!(parse_line("*02C6;"), Err(DecodeError::Unsupported));
        assert!(parse_line("*02C60B9ED4497;").is_err());
        assert!(parse_line("*02C60B9ED4497G;").is_err());
        assert!(parse_line("02C60B9ED4497C;").is_err());
        assert!(parse_line("@01;").is_err());
        assert!(parse_line("").is_err());
    }
}
