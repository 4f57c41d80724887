//! The server's one clock. Handlers, cycles and start-up read the time from a [`Clock`] they
//! are given, never from the system directly, so a test can run the cell at a chosen time and
//! the rules (which take `now` as an argument) are tested without waiting.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Wall-clock time in UNIX seconds, shared by cheap clones.
#[derive(Clone)]
pub struct Clock(Source);

#[derive(Clone)]
enum Source {
    System,
    /// A settable time (the bits of an `f64`), for tests.
    Manual(Arc<AtomicU64>),
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(Source::System)
    }

    /// A clock standing at `t_s` until [`Clock::set`] moves it.
    pub fn manual(t_s: f64) -> Clock {
        Clock(Source::Manual(Arc::new(AtomicU64::new(t_s.to_bits()))))
    }

    /// Moves a manual clock to `t_s` (the system clock ignores it).
    pub fn set(&self, t_s: f64) {
        if let Source::Manual(t) = &self.0 {
            t.store(t_s.to_bits(), Ordering::Release);
        }
    }

    /// Now, UNIX seconds.
    pub fn now_s(&self) -> f64 {
        match &self.0 {
            Source::System => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0),
            Source::Manual(t) => f64::from_bits(t.load(Ordering::Acquire)),
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Source::System => f.write_str("Clock::system"),
            Source::Manual(_) => write!(f, "Clock::manual({})", self.now_s()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_set_and_clones_share_it() {
        let c = Clock::manual(1_000.0);
        let d = c.clone();
        assert_eq!(c.now_s(), 1_000.0);
        d.set(1_060.5);
        assert_eq!(c.now_s(), 1_060.5);
        let sys = Clock::system();
        sys.set(0.0);
        assert!(sys.now_s() > 1.7e9);
    }
}
