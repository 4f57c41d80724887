//! Heap bytes held by the strategic state for N live reservations: the
//! [`ReservationIndex`] (R-tree, reservations, prepared geometry) and the
//! [`IntrusionDetector`] built from it, counted by a counting global allocator.
//!
//! `cargo run --release -p deconflict-airspace --example memory -- [N]` (default 100,000): the
//! reservations are those of the server's 100,000-reservation measurement
//! (`crates/cli/tests/server_reservations.rs`): 0.04° squares on a 0.05° grid, 0–20,000 ft,
//! six hours.

use deconflict_airspace::{
    IntrusionDetector, Purpose, Reservation, ReservationIndex, ReservationState, Shape, Volume,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as for `dealloc` and `alloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn live_mib() -> f64 {
    LIVE.load(Ordering::Relaxed) as f64 / (1024.0 * 1024.0)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let t0 = 1.8e9;
    let base = live_mib();
    let mut index = ReservationIndex::new();
    for i in 0..n {
        let (lon, lat) = (
            100.0 + (i % 500) as f64 * 0.05,
            -30.0 + (i / 500) as f64 * 0.05,
        );
        let coordinates = vec![
            [lon, lat],
            [lon + 0.04, lat],
            [lon + 0.04, lat + 0.04],
            [lon, lat + 0.04],
            [lon, lat],
        ];
        let r = Reservation {
            id: format!("r-{i}"),
            party: "blue".into(),
            purpose: Purpose::Operation,
            priority: 5,
            state: ReservationState::Active,
            volumes: vec![Volume {
                shape: Shape::Polygon { coordinates },
                lower_ft: 0.0,
                upper_ft: 20_000.0,
                start_time: t0,
                end_time: t0 + 6.0 * 3_600.0,
            }],
        };
        index.insert(r).expect("valid reservation");
    }
    let after_index = live_mib();
    let detector = IntrusionDetector::from_index(&index);
    let after_detector = live_mib();
    let per = |mib: f64| mib * 1024.0 * 1024.0 / n as f64;
    println!(
        "{n} reservations: index {:.1} MiB ({:.0} B each), detector {:.1} MiB ({:.0} B each), together {:.1} MiB",
        after_index - base,
        per(after_index - base),
        after_detector - after_index,
        per(after_detector - after_index),
        after_detector - base
    );
    if std::env::var_os("MEMORY_SIZES").is_some() {
        println!(
            "size_of: Reservation {} B, Volume {} B, PreparedVolume {} B",
            std::mem::size_of::<Reservation>(),
            std::mem::size_of::<Volume>(),
            std::mem::size_of::<deconflict_airspace::prepared::PreparedVolume>(),
        );
    }
    drop(detector);
}
