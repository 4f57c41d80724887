//! AVR lines through the stream decoder (and the Mode S decoder behind it).
#![no_main]
use std::sync::Arc;

use deconflict_feeds::counters::FeedStats;
use deconflict_feeds::source::{Format, StreamDecoder, TimeMode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = deconflict_feeds::avr::parse_line(s);
    }
    let stats = FeedStats::new("fuzz", "avr", "-", None);
    let mut d = StreamDecoder::new(Format::Avr, Arc::from("fuzz"), None, TimeMode::Counter { epoch_s: 0.0, step_s: 0.001 }, None);
    let mut out = Vec::new();
    d.push(data, 0.0, &stats, &mut out);
    d.finish(0.0, &stats, &mut out);
});
