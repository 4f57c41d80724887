//! Beast binary framing (port 30005), and the frame encoder the simulator uses (the DF17
//! messages inside are encoded by [`crate::df17`]).
//!
//! A frame is `0x1a`, a type byte, a 6-byte big-endian MLAT timestamp (12 MHz counter), a
//! signal byte and the payload: 2 bytes for type `'1'` (Mode A/C), 7 bytes for `'2'` (Mode S
//! short) or 14 bytes for `'3'` (Mode S long). Any `0x1a` inside the frame body is doubled on
//! the wire. [`next_frame`] is a pure function over a byte slice; [`BeastFramer`] adds the
//! buffer a stream reader needs. Garbage, truncated frames and unknown types are skipped by
//! resynchronising on the next `0x1a` and reported as such, never by stalling.

use crate::error::DecodeError;

/// The escape / start byte.
pub const ESC: u8 = 0x1a;
/// Ticks per second of the Beast MLAT timestamp counter.
pub const MLAT_TICKS_PER_S: f64 = 12_000_000.0;

/// The three Beast frame types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BeastKind {
    /// `'1'`: Mode A/C reply, 2 bytes.
    ModeAC,
    /// `'2'`: Mode S short (56 bits).
    ModeSShort,
    /// `'3'`: Mode S long (112 bits).
    ModeSLong,
}

impl BeastKind {
    fn from_byte(b: u8) -> Option<Self> {
        match b {
            b'1' => Some(BeastKind::ModeAC),
            b'2' => Some(BeastKind::ModeSShort),
            b'3' => Some(BeastKind::ModeSLong),
            _ => None,
        }
    }
    /// Payload length in bytes.
    pub fn payload_len(self) -> usize {
        match self {
            BeastKind::ModeAC => 2,
            BeastKind::ModeSShort => 7,
            BeastKind::ModeSLong => 14,
        }
    }
    fn byte(self) -> u8 {
        match self {
            BeastKind::ModeAC => b'1',
            BeastKind::ModeSShort => b'2',
            BeastKind::ModeSLong => b'3',
        }
    }
}

/// One de-escaped Beast frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BeastFrame {
    /// Frame type.
    pub kind: BeastKind,
    /// MLAT timestamp, 12 MHz ticks (48 bits).
    pub mlat_ticks: u64,
    /// Signal level byte as sent by the receiver.
    pub signal: u8,
    data: [u8; 14],
}

impl BeastFrame {
    /// Builds a frame around a Mode S message of 7 or 14 bytes.
    pub fn mode_s(msg: &[u8], mlat_ticks: u64, signal: u8) -> Option<Self> {
        let kind = match msg.len() {
            7 => BeastKind::ModeSShort,
            14 => BeastKind::ModeSLong,
            _ => return None,
        };
        let mut data = [0u8; 14];
        data[..msg.len()].copy_from_slice(msg);
        Some(BeastFrame {
            kind,
            mlat_ticks: mlat_ticks & 0xFFFF_FFFF_FFFF,
            signal,
            data,
        })
    }

    /// The payload (the Mode S message, or the 2 Mode A/C bytes).
    pub fn payload(&self) -> &[u8] {
        &self.data[..self.kind.payload_len()]
    }

    /// Appends the escaped wire encoding of this frame to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(ESC);
        out.push(self.kind.byte());
        let ts = self.mlat_ticks.to_be_bytes();
        let push = |out: &mut Vec<u8>, b: u8| {
            out.push(b);
            if b == ESC {
                out.push(ESC);
            }
        };
        for &b in &ts[2..8] {
            push(out, b);
        }
        push(out, self.signal);
        for &b in self.payload() {
            push(out, b);
        }
    }
}

/// What [`next_frame`] found at the start of its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    /// A complete frame, and how many input bytes it used.
    Frame(BeastFrame, usize),
    /// The input starts with a frame that is not complete yet: read more bytes.
    Incomplete,
    /// The first `n` bytes are not a frame (garbage, unknown type, truncated frame): skip them.
    Garbage(usize),
}

/// Longest possible escaped frame: start, type, 7 + 14 bytes all doubled.
pub const MAX_FRAME_WIRE_LEN: usize = 2 + 2 * (6 + 1 + 14);

/// Looks for one frame at the start of `input`.
///
/// # Examples
/// ```
/// use deconflict_feeds::beast::{next_frame, Scan};
/// let wire = [0x1a, b'2', 0, 0, 0x15, 0xa8, 0x87, 0x7e, 0x0d, 0x20, 0x00, 0x0c, 0xa8, 0xf7, 0x0a, 0xa7];
/// match next_frame(&wire) {
///     Scan::Frame(f, used) => { assert_eq!(used, 16); assert_eq!(f.payload()[0], 0x20); }
///     other => panic!("{other:?}"),
/// }
/// ```
pub fn next_frame(input: &[u8]) -> Scan {
    if input.is_empty() {
        return Scan::Incomplete;
    }
    if input[0] != ESC {
        let skip = input.iter().position(|&b| b == ESC).unwrap_or(input.len());
        return Scan::Garbage(skip);
    }
    if input.len() < 2 {
        return Scan::Incomplete;
    }
    let Some(kind) = BeastKind::from_byte(input[1]) else {
        // `1a 1a` outside a frame, or an unknown type (e.g. '4' status frames): skip the start.
        return Scan::Garbage(1);
    };
    let body_len = 6 + 1 + kind.payload_len();
    let mut body = [0u8; 6 + 1 + 14];
    let mut i = 2;
    let mut n = 0;
    while n < body_len {
        let Some(&b) = input.get(i) else {
            return Scan::Incomplete;
        };
        if b == ESC {
            match input.get(i + 1) {
                None => return Scan::Incomplete,
                Some(&ESC) => i += 2,
                // An unescaped 0x1a: the frame was cut short and a new one starts here.
                Some(_) => return Scan::Garbage(i),
            }
        } else {
            i += 1;
        }
        body[n] = b;
        n += 1;
    }
    let mut ts = [0u8; 8];
    ts[2..8].copy_from_slice(&body[0..6]);
    let mut data = [0u8; 14];
    data[..kind.payload_len()].copy_from_slice(&body[7..body_len]);
    Scan::Frame(
        BeastFrame {
            kind,
            mlat_ticks: u64::from_be_bytes(ts),
            signal: body[6],
            data,
        },
        i,
    )
}

/// Streaming wrapper around [`next_frame`]: push bytes as they arrive, pull frames out.
#[derive(Debug, Default)]
pub struct BeastFramer {
    buf: Vec<u8>,
    start: usize,
    /// Bytes skipped as garbage so far.
    pub garbage_bytes: u64,
    /// Number of garbage runs skipped so far (each is one reject).
    pub garbage_runs: u64,
}

impl BeastFramer {
    /// An empty framer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete frame, or `None` when more bytes are needed.
    ///
    /// Garbage is skipped and counted in [`Self::garbage_bytes`] / [`Self::garbage_runs`].
    pub fn next_frame(&mut self) -> Option<BeastFrame> {
        loop {
            match next_frame(&self.buf[self.start..]) {
                Scan::Frame(f, used) => {
                    self.start += used;
                    return Some(f);
                }
                Scan::Garbage(n) => {
                    self.start += n;
                    self.garbage_bytes += n as u64;
                    self.garbage_runs += 1;
                }
                Scan::Incomplete => return None,
            }
        }
    }

    /// Bytes buffered but not yet framed (an incomplete trailing frame).
    pub fn pending(&self) -> usize {
        self.buf.len() - self.start
    }
}

/// Parses the hex of a whole de-escaped Beast frame as written in CSV recordings
/// (`1a33` + timestamp + signal + message, as in rs1090's `long_flight.csv`).
///
/// # Errors
/// [`DecodeError`] when the hex is invalid or the frame malformed.
pub fn parse_unescaped_hex(hex: &str) -> Result<BeastFrame, DecodeError> {
    let b = hex.as_bytes();
    if b.len() % 2 != 0 || b.len() > 2 * (2 + 7 + 14) || b.len() < 4 {
        return Err(DecodeError::Malformed {
            what: "Beast hex frame",
        });
    }
    let mut raw = [0u8; 2 + 7 + 14];
    let n = b.len() / 2;
    for i in 0..n {
        raw[i] = crate::avr::hex_byte(b[2 * i], b[2 * i + 1]).ok_or(DecodeError::Malformed {
            what: "Beast hex frame",
        })?;
    }
    if raw[0] != ESC {
        return Err(DecodeError::Malformed {
            what: "Beast hex frame",
        });
    }
    let kind = BeastKind::from_byte(raw[1]).ok_or(DecodeError::Malformed {
        what: "Beast hex frame",
    })?;
    if n != 2 + 7 + kind.payload_len() {
        return Err(DecodeError::BadLength {
            len: n.saturating_sub(9),
        });
    }
    let mut ts = [0u8; 8];
    ts[2..8].copy_from_slice(&raw[2..8]);
    let mut data = [0u8; 14];
    data[..kind.payload_len()].copy_from_slice(&raw[9..n]);
    Ok(BeastFrame {
        kind,
        mlat_ticks: u64::from_be_bytes(ts),
        signal: raw[8],
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_round_trip() {
        let msg = [0x8d, 0x1a, 0x1a, 0x00, 0x1a, 1, 2, 3, 4, 5, 6, 7, 8, 0x1a];
        let f = BeastFrame::mode_s(&msg, 0x1a1a_0000_001a, 0x1a).unwrap();
        let mut wire = Vec::new();
        f.encode_into(&mut wire);
        match next_frame(&wire) {
            Scan::Frame(g, used) => {
                assert_eq!(used, wire.len());
                assert_eq!(g, f);
            }
            other => panic!("{other:?}"),
        }
        // Every strict prefix is incomplete.
        for cut in 1..wire.len() {
            assert_eq!(next_frame(&wire[..cut]), Scan::Incomplete, "cut {cut}");
        }
    }

    #[test]
    fn resynchronises_after_garbage_and_truncation() {
        let f = BeastFrame::mode_s(&[0x5d, 1, 2, 3, 4, 5, 6], 42, 7).unwrap();
        let mut wire = vec![0xff, 0x00, 0x1a, b'9'];
        // A truncated frame: start, type and 3 bytes, then a new frame.
        wire.extend_from_slice(&[0x1a, b'3', 1, 2, 3]);
        f.encode_into(&mut wire);
        let mut framer = BeastFramer::new();
        for chunk in wire.chunks(3) {
            framer.push(chunk);
        }
        assert_eq!(framer.next_frame(), Some(f));
        assert_eq!(framer.next_frame(), None);
        // [ff 00], [1a], ['9'], and the truncated frame.
        assert_eq!(framer.garbage_runs, 4);
        assert_eq!(framer.pending(), 0);
    }

    #[test]
    fn csv_hex_frames() {
        let f = parse_unescaped_hex("1a32000023b1dda011210000bd6b441a").unwrap();
        assert_eq!(f.kind, BeastKind::ModeSShort);
        assert_eq!(f.signal, 0x11);
        assert_eq!(f.payload(), &[0x21, 0x00, 0x00, 0xbd, 0x6b, 0x44, 0x1a]);
        assert!(parse_unescaped_hex("1a3200").is_err());
    }
}
