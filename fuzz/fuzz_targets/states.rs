//! Recorded state vectors: OpenSky CSV, state-vector JSON and readsb aircraft.json.
#![no_main]
use std::sync::Arc;

use deconflict_feeds::counters::FeedStats;
use deconflict_feeds::source::{Format, StreamDecoder, TimeMode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let feed: Arc<str> = Arc::from("fuzz");
    let _ = deconflict_feeds::states::parse_opensky_csv(data, &feed);
    let _ = deconflict_feeds::states::parse_json_states(data, &feed);
    let _ = deconflict_feeds::states::parse_aircraft_json(data, &feed);
    for format in [Format::StatesCsv, Format::StatesJson, Format::AircraftJson] {
        let stats = FeedStats::new("fuzz", format.name(), "-", None);
        let mut d = StreamDecoder::new(format, feed.clone(), None, TimeMode::Receipt, None);
        let mut out = Vec::new();
        d.push(data, 0.0, &stats, &mut out);
        d.finish(0.0, &stats, &mut out);
    }
    let _ = deconflict_feeds::source::Format::sniff(data);
});
