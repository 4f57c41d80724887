//! Beast framing and Mode S decoding of arbitrary byte streams, pushed in two chunks.
#![no_main]
use std::sync::Arc;

use deconflict_feeds::counters::FeedStats;
use deconflict_feeds::source::{Format, StreamDecoder, TimeMode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = deconflict_feeds::beast::next_frame(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = deconflict_feeds::beast::parse_unescaped_hex(s);
    }
    let stats = FeedStats::new("fuzz", "beast", "-", None);
    let mut d = StreamDecoder::new(Format::Beast, Arc::from("fuzz"), None, TimeMode::Counter { epoch_s: 0.0, step_s: 0.001 }, Some((49.0, 2.5)));
    let mut out = Vec::new();
    let cut = data.first().map_or(0, |b| usize::from(*b)).min(data.len());
    d.push(&data[..cut], 0.0, &stats, &mut out);
    d.push(&data[cut..], 0.0, &stats, &mut out);
    d.finish(0.0, &stats, &mut out);
    // Raw 7/14-byte messages straight into the Mode S decoder as well.
    let mut dec = deconflict_feeds::modes::ModeSDecoder::new(Some((49.0, 2.5))).accept_unconfirmed();
    for (i, chunk) in data.chunks(14).take(8).enumerate() {
        let _ = dec.decode(chunk, i as f64, &Arc::from("fuzz"));
        if chunk.len() >= 7 {
            let _ = dec.decode(&chunk[..7], i as f64, &Arc::from("fuzz"));
        }
    }
});
