//! Party telemetry JSON lines, into the track table.
#![no_main]
use std::sync::Arc;

use deconflict_feeds::counters::FeedStats;
use deconflict_feeds::source::{Format, StreamDecoder, TimeMode};
use deconflict_feeds::track::{TrackConfig, TrackTable};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let feed: Arc<str> = Arc::from("fuzz");
    let party: Arc<str> = Arc::from("blue");
    let _ = deconflict_feeds::states::parse_telemetry_line(data, &feed, Some(&party));
    let stats = FeedStats::new("fuzz", "telemetry", "-", Some("blue".into()));
    let mut d = StreamDecoder::new(Format::Telemetry, feed, Some(party), TimeMode::Receipt, None);
    let mut out = Vec::new();
    d.push(data, 0.0, &stats, &mut out);
    d.finish(0.0, &stats, &mut out);
    let mut table = TrackTable::new(TrackConfig::default());
    for o in out {
        let _ = table.ingest(o);
    }
    let _ = table.airborne_states(0.0);
});
