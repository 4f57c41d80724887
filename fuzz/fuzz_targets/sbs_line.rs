//! SBS-1 line parsing, and the same bytes through the line-splitting stream decoder and the
//! track table: never a panic.
#![no_main]
use std::sync::Arc;

use deconflict_feeds::counters::FeedStats;
use deconflict_feeds::source::{Format, StreamDecoder, TimeMode};
use deconflict_feeds::track::{TrackConfig, TrackTable};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let feed: Arc<str> = Arc::from("fuzz");
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = deconflict_feeds::sbs::parse_line(s, &feed);
    }
    let stats = FeedStats::new("fuzz", "sbs", "-", None);
    let mut d = StreamDecoder::new(Format::Sbs, feed, None, TimeMode::Receipt, None);
    let mut out = Vec::new();
    let (a, b) = data.split_at(data.len() / 2);
    d.push(a, 0.0, &stats, &mut out);
    d.push(b, 0.0, &stats, &mut out);
    d.finish(0.0, &stats, &mut out);
    let mut table = TrackTable::new(TrackConfig::default());
    for o in out {
        let _ = table.ingest(o);
    }
    let _ = table.airborne_states(1e9);
    table.expire(1e9);
});
