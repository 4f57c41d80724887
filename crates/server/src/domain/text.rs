//! Free text that one party writes and others read: the one rule every such string of the API
//! obeys (message subjects and bodies, reservation names and justifications, request messages
//! and decline reasons, party names, safety-region ids and names, exemption notes).
//!
//! A string is refused when it holds a control character (Unicode general category `Cc`:
//! U+0000–U+001F, U+007F–U+009F) or a bidirectional formatting character (U+061C, U+200E,
//! U+200F, U+202A–U+202E, U+2066–U+2069). Control characters truncate or rewrite what a
//! console, a log or an export shows (NUL ends a C string, ESC drives terminals); bidi
//! controls reorder what a reader sees, so that a name or a reason displays as something other
//! than what was stored ("Trojan Source", CVE-2021-42574). In a [`Kind::Multiline`] string
//! (bodies, justifications, reasons, notes) the line feed U+000A is allowed; a carriage return
//! is not (browsers already send line feeds only).
//!
//! Refusing, not stripping: a party whose text is changed silently would not know what the
//! others read. The error names the field, the character's code point and its position (in
//! characters), for the client that sent it.
//!
//! Callsigns and squawks are not free text: they have their own ICAO character sets, checked
//! by the telemetry decoder (`deconflict_feeds::states`).
//!
//! ```ignore
//! use crate::domain::text::{check, Kind};
//! assert!(check("subject", "Tanker track", Kind::Line).is_ok());
//! assert!(check("subject", "abc\u{202E}fed", Kind::Line).is_err());
//! ```

/// Whether a field may hold line feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line: no control character at all.
    Line,
    /// Several lines: line feeds (U+000A) allowed.
    Multiline,
}

/// Why a free-text string is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// A control character (Unicode `Cc`).
    #[error("{field} contains the control character U+{code:04X} at character {at}; control characters are not accepted{hint}")]
    Control {
        /// The field.
        field: String,
        /// The code point.
        code: u32,
        /// Its position, in characters from 0.
        at: usize,
        /// What is allowed instead, if anything.
        hint: &'static str,
    },
    /// A bidirectional formatting character.
    #[error("{field} contains the bidirectional control U+{code:04X} at character {at}; bidi controls are not accepted (they change how the text reads)")]
    Bidi {
        /// The field.
        field: String,
        /// The code point.
        code: u32,
        /// Its position, in characters from 0.
        at: usize,
    },
}

/// Whether `c` is a bidirectional formatting character: ALM U+061C, LRM/RLM U+200E/U+200F,
/// the embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Checks one free-text string `s` of the API field `field`.
///
/// # Errors
/// [`TextError`] for the first control or bidi character.
pub fn check(field: &str, s: &str, kind: Kind) -> Result<(), TextError> {
    for (at, c) in s.chars().enumerate() {
        if c.is_control() && !(kind == Kind::Multiline && c == '\n') {
            return Err(TextError::Control {
                field: field.to_owned(),
                code: u32::from(c),
                at,
                hint: match kind {
                    Kind::Line => "",
                    Kind::Multiline => " (line feeds are)",
                },
            });
        }
        if is_bidi_control(c) {
            return Err(TextError::Bidi {
                field: field.to_owned(),
                code: u32::from(c),
                at,
            });
        }
    }
    Ok(())
}

/// [`check`] of an optional string.
///
/// # Errors
/// As [`check`].
pub fn check_opt(field: &str, s: Option<&str>, kind: Kind) -> Result<(), TextError> {
    s.map_or(Ok(()), |s| check(field, s, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_in_any_script_is_accepted() {
        for s in [
            "",
            "Tanker track 2",
            "Zürich TMA",
            "ÄÄÄÄÄÄÄÄÄ",
            "空域",
            "עברית",
            "🛩",
        ] {
            assert_eq!(check("name", s, Kind::Line), Ok(()), "{s}");
        }
        assert_eq!(check("body", "line 1\nline 2\n", Kind::Multiline), Ok(()));
    }

    #[test]
    fn every_control_character_is_refused() {
        for c in (0u32..=0x1F).chain(0x7F..=0x9F).filter_map(char::from_u32) {
            let s = format!("ab{c}");
            let e = check("subject", &s, Kind::Line).unwrap_err();
            assert_eq!(
                e,
                TextError::Control {
                    field: "subject".into(),
                    code: u32::from(c),
                    at: 2,
                    hint: ""
                }
            );
            if c != '\n' {
                assert!(check("body", &s, Kind::Multiline).is_err(), "{c:?}");
            }
        }
        assert!(check("body", "a\r\nb", Kind::Multiline).is_err());
        assert!(check("subject", "a\nb", Kind::Line).is_err());
        assert_eq!(
            check("subject", "a\0b", Kind::Line).unwrap_err().to_string(),
            "subject contains the control character U+0000 at character 1; control characters are not accepted"
        );
    }

    #[test]
    fn every_bidi_control_is_refused_and_its_neighbours_are_not() {
        let bidi = [
            0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
        ]
        .into_iter()
        .chain(0x2066..=0x2069);
        for code in bidi {
            let c = char::from_u32(code).unwrap();
            assert!(is_bidi_control(c));
            let s = format!("Ä{c}x");
            assert_eq!(
                check("name", &s, Kind::Multiline),
                Err(TextError::Bidi {
                    field: "name".into(),
                    code,
                    at: 1
                })
            );
        }
        for code in [0x061B, 0x200D, 0x2010, 0x2029, 0x202F, 0x2065, 0x206A] {
            assert!(!is_bidi_control(char::from_u32(code).unwrap()), "{code:X}");
        }
        assert!(check("name", "abc\u{202E}fed", Kind::Line)
            .unwrap_err()
            .to_string()
            .starts_with("name contains the bidirectional control U+202E at character 3"));
        assert_eq!(check_opt("reason", None, Kind::Multiline), Ok(()));
        assert!(check_opt("reason", Some("\u{2066}"), Kind::Multiline).is_err());
    }
}
