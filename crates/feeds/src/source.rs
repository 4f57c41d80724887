//! Turning a byte stream of any supported format into observations: format names and
//! sniffing, line splitting with a length cap, time assignment, and file reading (plain or
//! gzip). Synchronous and socket-free, so connectors, replay and fuzzing share it.
//!
//! # Time
//! SBS-1 lines, state vectors and telemetry carry their own time. Beast frames and `@` AVR
//! lines carry a 12 MHz receiver counter with an arbitrary epoch, and `*` AVR lines carry
//! nothing. [`TimeMode`] says what to do: live connectors use the receipt time
//! ([`TimeMode::Receipt`]); replay of a recording anchors the counter to a chosen epoch
//! ([`TimeMode::Counter`]), and for messages without any timestamp advances a synthetic clock
//! by a fixed step per message (stated in the replay summary, since it is an assumption).

use std::io::Read;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use crate::beast::{BeastFramer, MLAT_TICKS_PER_S};
use crate::counters::FeedStats;
use crate::error::DecodeError;
use crate::modes::ModeSDecoder;
use crate::observation::Observation;
use crate::{avr, sbs, states};

/// Longest accepted line, bytes (SBS-1 lines are under 200, telemetry JSON under 1 KiB).
pub const MAX_LINE_BYTES: usize = 8 * 1024;
/// Largest whole document (state-vector JSON array, aircraft.json) accepted, bytes.
pub const MAX_DOCUMENT_BYTES: usize = 2 * 1024 * 1024 * 1024;

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// SBS-1 BaseStation CSV lines.
    Sbs,
    /// Beast binary frames.
    Beast,
    /// AVR raw hex lines.
    Avr,
    /// OpenSky `state_vectors_data4` CSV with header.
    StatesCsv,
    /// JSON array (or JSON lines) of decoded states.
    StatesJson,
    /// readsb / dump1090 `aircraft.json` document.
    AircraftJson,
    /// JSON lines of party telemetry.
    Telemetry,
}

impl Format {
    /// The format's name as used on the command line and in feed kinds.
    pub fn name(self) -> &'static str {
        match self {
            Format::Sbs => "sbs",
            Format::Beast => "beast",
            Format::Avr => "avr",
            Format::StatesCsv => "states-csv",
            Format::StatesJson => "states-json",
            Format::AircraftJson => "aircraft-json",
            Format::Telemetry => "telemetry",
        }
    }

    /// Formats whose content must be read whole before decoding.
    pub fn is_document(self) -> bool {
        matches!(self, Format::StatesJson | Format::AircraftJson)
    }

    /// Guesses the format from the first bytes of a (decompressed) stream.
    pub fn sniff(head: &[u8]) -> Option<Format> {
        if head.first() == Some(&crate::beast::ESC)
            && matches!(head.get(1), Some(b'1' | b'2' | b'3'))
        {
            return Some(Format::Beast);
        }
        let text = std::str::from_utf8(&head[..head.len().min(4096)])
            .ok()
            .or_else(|| {
                // The prefix may end inside a multi-byte character.
                std::str::from_utf8(&head[..head.len().min(4096).saturating_sub(3)]).ok()
            })?;
        let t = text.trim_start();
        let first_line = t.lines().next().unwrap_or("");
        if first_line.starts_with("MSG,") {
            Some(Format::Sbs)
        } else if first_line.starts_with('*') || first_line.starts_with('@') {
            Some(Format::Avr)
        } else if first_line.starts_with('[') {
            Some(Format::StatesJson)
        } else if first_line.starts_with('{') {
            if t.contains("\"aircraft\"") && t.contains("\"now\"") {
                Some(Format::AircraftJson)
            } else if first_line.contains("\"lat_deg\"") {
                Some(Format::Telemetry)
            } else {
                Some(Format::StatesJson)
            }
        } else if first_line.contains("icao24") && first_line.contains("time") {
            Some(Format::StatesCsv)
        } else {
            None
        }
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "sbs" => Format::Sbs,
            "beast" => Format::Beast,
            "avr" => Format::Avr,
            "states-csv" => Format::StatesCsv,
            "states-json" => Format::StatesJson,
            "aircraft-json" => Format::AircraftJson,
            "telemetry" => Format::Telemetry,
            _ => return Err(format!("unknown format {s:?}")),
        })
    }
}

/// How frames without a UNIX timestamp get one. See the module documentation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeMode {
    /// The wall-clock time the bytes were received (`now_s` passed to `push`).
    Receipt,
    /// Receiver counter ticks mapped onto `epoch_s` (the first tick seen is `epoch_s`);
    /// messages with no counter advance by `step_s` from the last time.
    Counter {
        /// UNIX time of the first message.
        epoch_s: f64,
        /// Synthetic spacing of messages without a timestamp, seconds.
        step_s: f64,
    },
}

/// Splits a byte stream into lines, capping their length. Invalid UTF-8 is the caller's
/// concern (lines are bytes).
#[derive(Debug, Default)]
pub struct LineSplitter {
    buf: Vec<u8>,
    discarding: bool,
}

impl LineSplitter {
    /// Feeds bytes; calls `line` for each complete line (without `\n`/`\r\n`) and `too_long`
    /// once per overlong line (which is discarded up to its end).
    pub fn push(
        &mut self,
        mut bytes: &[u8],
        mut line: impl FnMut(&[u8]),
        mut too_long: impl FnMut(),
    ) {
        while let Some(nl) = bytes.iter().position(|&b| b == b'\n') {
            let (head, rest) = (&bytes[..nl], &bytes[nl + 1..]);
            if self.discarding {
                self.discarding = false;
            } else if self.buf.len() + head.len() > MAX_LINE_BYTES {
                self.buf.clear();
                too_long();
            } else if self.buf.is_empty() {
                line(trim_cr(head));
            } else {
                self.buf.extend_from_slice(head);
                line(trim_cr(&self.buf));
                self.buf.clear();
            }
            bytes = rest;
        }
        if self.discarding {
            return;
        }
        if self.buf.len() + bytes.len() > MAX_LINE_BYTES {
            self.buf.clear();
            self.discarding = true;
            too_long();
        } else {
            self.buf.extend_from_slice(bytes);
        }
    }

    /// The unterminated last line, if any (at end of stream).
    pub fn finish(&mut self) -> Option<Vec<u8>> {
        self.discarding = false;
        (!self.buf.is_empty()).then(|| std::mem::take(&mut self.buf))
    }
}

fn trim_cr(b: &[u8]) -> &[u8] {
    b.strip_suffix(b"\r").unwrap_or(b)
}

/// Decodes a byte stream of one [`Format`] into observations, counting into a [`FeedStats`].
pub struct StreamDecoder {
    format: Format,
    feed: Arc<str>,
    party: Option<Arc<str>>,
    time: TimeMode,
    lines: LineSplitter,
    framer: BeastFramer,
    modes: ModeSDecoder,
    first_ticks: Option<u64>,
    last_time_s: f64,
    csv_columns: Option<states::OpenSkyColumns>,
    document: Vec<u8>,
    document_too_big: bool,
    garbage_runs_seen: u64,
}

impl std::fmt::Debug for StreamDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamDecoder")
            .field("format", &self.format)
            .field("feed", &self.feed)
            .finish()
    }
}

impl StreamDecoder {
    /// A decoder for one stream. `reference` is the receiver location (lat, lon degrees) for
    /// Mode S position decoding; `party` is the feed's party (telemetry observations are then
    /// marked `own`).
    pub fn new(
        format: Format,
        feed: Arc<str>,
        party: Option<Arc<str>>,
        time: TimeMode,
        reference: Option<(f64, f64)>,
    ) -> Self {
        StreamDecoder {
            format,
            feed,
            party,
            time,
            lines: LineSplitter::default(),
            framer: BeastFramer::new(),
            modes: ModeSDecoder::new(reference),
            first_ticks: None,
            last_time_s: f64::NAN,
            csv_columns: None,
            document: Vec::new(),
            document_too_big: false,
            garbage_runs_seen: 0,
        }
    }

    /// The format decoded.
    pub fn format(&self) -> Format {
        self.format
    }

    fn frame_time(&mut self, ticks: Option<u64>, now_s: f64) -> f64 {
        let t = match self.time {
            TimeMode::Receipt => now_s,
            TimeMode::Counter { epoch_s, step_s } => match ticks {
                Some(ticks) => {
                    let first = *self.first_ticks.get_or_insert(ticks);
                    epoch_s
                        + (ticks.wrapping_sub(first) & 0xFFFF_FFFF_FFFF) as f64 / MLAT_TICKS_PER_S
                }
                None if self.last_time_s.is_finite() => self.last_time_s + step_s,
                None => epoch_s,
            },
        };
        self.last_time_s = t;
        t
    }

    fn emit(
        &mut self,
        r: Result<Observation, DecodeError>,
        stats: &FeedStats,
        out: &mut Vec<Observation>,
    ) {
        match r {
            Ok(mut o) => {
                if o.party.is_none() {
                    o.party = self.party.clone();
                }
                stats.add_decoded();
                out.push(o);
            }
            Err(e) => stats.add_rejected(e.reason()),
        }
    }

    fn line(&mut self, line: &[u8], now_s: f64, stats: &FeedStats, out: &mut Vec<Observation>) {
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        stats.add_message(now_s);
        let r = match self.format {
            Format::Sbs => match std::str::from_utf8(line) {
                Ok(s) => sbs::parse_line(s, &self.feed),
                Err(_) => Err(DecodeError::InvalidUtf8),
            },
            Format::Avr => match std::str::from_utf8(line)
                .map_err(|_| DecodeError::InvalidUtf8)
                .and_then(avr::parse_line)
            {
                Ok(f) => {
                    let t = self.frame_time(f.mlat_ticks, now_s);
                    self.modes.decode(f.message(), t, &self.feed)
                }
                Err(e) => Err(e),
            },
            Format::Telemetry => {
                states::parse_telemetry_line(line, &self.feed, self.party.as_ref())
            }
            Format::StatesCsv => self.csv_line(line),
            Format::StatesJson | Format::AircraftJson | Format::Beast => {
                Err(DecodeError::Unsupported)
            }
        };
        self.emit(r, stats, out);
    }

    fn csv_line(&mut self, line: &[u8]) -> Result<Observation, DecodeError> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(line);
        let mut rec = csv::StringRecord::new();
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => return Err(DecodeError::Malformed { what: "CSV record" }),
            Err(e) => {
                return Err(if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    DecodeError::InvalidUtf8
                } else {
                    DecodeError::Malformed { what: "CSV record" }
                })
            }
        }
        match &self.csv_columns {
            Some(cols) => states::parse_opensky_record(cols, &rec, &self.feed),
            None => {
                self.csv_columns = Some(states::OpenSkyColumns::from_header(rec.iter())?);
                Err(DecodeError::Unsupported)
            }
        }
    }

    /// Decodes `bytes` received at wall-clock `now_s`, appending observations to `out`.
    pub fn push(
        &mut self,
        bytes: &[u8],
        now_s: f64,
        stats: &FeedStats,
        out: &mut Vec<Observation>,
    ) {
        stats.add_bytes(bytes.len() as u64);
        match self.format {
            Format::Beast => {
                self.framer.push(bytes);
                while let Some(f) = self.framer.next_frame() {
                    stats.add_message(now_s);
                    let r = if f.kind == crate::beast::BeastKind::ModeAC {
                        Err(DecodeError::Unsupported)
                    } else {
                        let t = self.frame_time(Some(f.mlat_ticks), now_s);
                        self.modes.decode(f.payload(), t, &self.feed)
                    };
                    self.emit(r, stats, out);
                }
                let runs = self.framer.garbage_runs;
                stats.add_rejected_n("garbage", runs - self.garbage_runs_seen);
                self.garbage_runs_seen = runs;
            }
            Format::StatesJson | Format::AircraftJson => {
                if self.document.len() + bytes.len() > MAX_DOCUMENT_BYTES {
                    if !self.document_too_big {
                        stats.add_rejected("document_too_large");
                    }
                    self.document_too_big = true;
                    self.document = Vec::new();
                } else if !self.document_too_big {
                    self.document.extend_from_slice(bytes);
                }
            }
            _ => {
                let mut lines = std::mem::take(&mut self.lines);
                let mut too_long = 0u64;
                lines.push(bytes, |l| self.line(l, now_s, stats, out), || too_long += 1);
                self.lines = lines;
                if too_long > 0 {
                    stats.add_rejected_n("line_too_long", too_long);
                }
            }
        }
    }

    /// Ends the stream: decodes an unterminated last line or the whole document.
    pub fn finish(&mut self, now_s: f64, stats: &FeedStats, out: &mut Vec<Observation>) {
        match self.format {
            Format::Beast => {
                if self.framer.pending() > 0 {
                    stats.add_rejected("truncated");
                }
            }
            Format::StatesJson | Format::AircraftJson => {
                let doc = std::mem::take(&mut self.document);
                if self.document_too_big || doc.iter().all(u8::is_ascii_whitespace) {
                    return;
                }
                let parsed = if self.format == Format::StatesJson {
                    states::parse_json_states(&doc, &self.feed)
                } else {
                    states::parse_aircraft_json(&doc, &self.feed)
                };
                match parsed {
                    Ok(list) => {
                        for r in list {
                            stats.add_message(now_s);
                            self.emit(r, stats, out);
                        }
                    }
                    Err(e) => {
                        stats.add_message(now_s);
                        stats.add_rejected(e.reason());
                    }
                }
            }
            _ => {
                if let Some(last) = self.lines.finish() {
                    self.line(&last, now_s, stats, out);
                }
            }
        }
    }
}

/// Opens a file for reading, transparently gunzipping when it starts with the gzip magic.
///
/// # Errors
/// The I/O error from opening or reading the first bytes.
pub fn open_file(path: &Path) -> std::io::Result<Box<dyn Read + Send>> {
    let mut f = std::fs::File::open(path)?;
    let mut magic = [0u8; 2];
    let n = read_full(&mut f, &mut magic)?;
    let f = std::io::Cursor::new(magic[..n].to_vec()).chain(f);
    if n == 2 && magic == [0x1f, 0x8b] {
        Ok(Box::new(std::io::BufReader::with_capacity(
            1 << 16,
            flate2::read::MultiGzDecoder::new(f),
        )))
    } else {
        Ok(Box::new(std::io::BufReader::with_capacity(1 << 16, f)))
    }
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Sniffs a file's format from its first (decompressed) bytes.
///
/// # Errors
/// I/O errors; `Ok(None)` when the format is not recognised.
pub fn sniff_file(path: &Path) -> std::io::Result<Option<Format>> {
    let mut r = open_file(path)?;
    let mut head = vec![0u8; 4096];
    let n = read_full(&mut r, &mut head)?;
    head.truncate(n);
    Ok(Format::sniff(&head))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs() {
        assert_eq!(Format::sniff(b"MSG,3,1,1,"), Some(Format::Sbs));
        assert_eq!(
            Format::sniff(b"*8D4840D6202CC371C32CE0576098;\n"),
            Some(Format::Avr)
        );
        assert_eq!(Format::sniff(&[0x1a, b'3', 0, 0]), Some(Format::Beast));
        assert_eq!(
            Format::sniff(b"[{\"timestamp\":1}]"),
            Some(Format::StatesJson)
        );
        assert_eq!(
            Format::sniff(b"time,icao24,lat,lon\n"),
            Some(Format::StatesCsv)
        );
        assert_eq!(
            Format::sniff(b"{\"now\":1,\"aircraft\":[]}"),
            Some(Format::AircraftJson)
        );
        assert_eq!(
            Format::sniff(b"{\"id\":\"B1\",\"lat_deg\":1}\n"),
            Some(Format::Telemetry)
        );
        assert_eq!(Format::sniff(b"hello"), None);
        assert_eq!(Format::sniff(&[0xff, 0xfe]), None);
    }

    #[test]
    fn overlong_lines_and_bad_utf8_are_counted() {
        let stats = FeedStats::new("f", "sbs", "-", None);
        let mut d = StreamDecoder::new(
            Format::Sbs,
            Arc::from("f"),
            Some(Arc::from("blue")),
            TimeMode::Receipt,
            None,
        );
        let mut out = Vec::new();
        let good =
            b"MSG,3,1,1,484411,1,2016/02/05,04:51:22.903,,,,12525,,,52.58052,5.29031,,,,,,0\r\n";
        d.push(&vec![b'x'; MAX_LINE_BYTES + 10], 0.0, &stats, &mut out);
        d.push(b"yyy\n", 0.0, &stats, &mut out);
        d.push(b"MSG,\xff\xfe\n", 0.0, &stats, &mut out);
        d.push(&good[..20], 0.0, &stats, &mut out);
        d.push(&good[20..], 0.0, &stats, &mut out);
        d.push(&good[..25], 0.0, &stats, &mut out);
        d.finish(0.0, &stats, &mut out);
        let s = stats.snapshot();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].party.as_deref(), Some("blue"));
        assert_eq!(s.rejected.get("line_too_long"), Some(&1));
        assert_eq!(s.rejected.get("invalid_utf8"), Some(&1));
        assert_eq!(s.rejected.get("malformed"), Some(&1));
        assert_eq!(s.messages, 3);
    }

    #[test]
    fn counter_time_for_beast() {
        let stats = FeedStats::new("f", "beast", "-", None);
        let mut d = StreamDecoder::new(
            Format::Beast,
            Arc::from("f"),
            None,
            TimeMode::Counter {
                epoch_s: 1000.0,
                step_s: 0.001,
            },
            None,
        );
        let mut wire = Vec::new();
        let id = [
            0x8Du8, 0x48, 0x40, 0xD6, 0x20, 0x2C, 0xC3, 0x71, 0xC3, 0x2C, 0xE0, 0x57, 0x60, 0x98,
        ];
        crate::beast::BeastFrame::mode_s(&id, 12_000_000, 0)
            .unwrap()
            .encode_into(&mut wire);
        crate::beast::BeastFrame::mode_s(&id, 36_000_000, 0)
            .unwrap()
            .encode_into(&mut wire);
        wire.extend_from_slice(&[0x1a, b'3', 1, 2]);
        let mut out = Vec::new();
        d.push(&wire, 0.0, &stats, &mut out);
        d.finish(0.0, &stats, &mut out);
        assert_eq!(
            out.iter().map(|o| o.time_s).collect::<Vec<_>>(),
            vec![1000.0, 1002.0]
        );
        assert_eq!(stats.snapshot().rejected.get("truncated"), Some(&1));
    }
}
