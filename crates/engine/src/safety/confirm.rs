//! Confirmation: an alert level is reached only after M of the last N distinct updates.
//!
//! NASA DAIDALUS calls this M-of-N alerting (its default is 2 of 4): a level is published
//! only once the conflict has been predicted at that level (or higher) on at least `m` of
//! the pair's last `n` distinct surveillance updates. A single-update spike, such as one
//! garbled vertical rate, never becomes an alert. An update is *distinct* when either
//! aircraft's track has a newer update time than at the pair's previous sample, so running
//! the cycle more often than the surveillance updates does not count the same data twice.
//! Lowering and clearing are left to [`crate::Alerting`]'s hold, which applies to the
//! confirmed levels this layer outputs.

use std::collections::HashMap;

/// M-of-N parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct ConfirmConfig {
    /// Updates out of the last `n` that must predict a level before it is published.
    /// Default 2 (DAIDALUS). 1 disables confirmation.
    pub m: u8,
    /// Window of distinct updates. Default 4 (DAIDALUS). At most 16.
    pub n: u8,
}

impl Default for ConfirmConfig {
    fn default() -> Self {
        ConfirmConfig { m: 2, n: 4 }
    }
}

impl ConfirmConfig {
    /// `n` clamped to 1..=16 and `m` to 1..=n.
    pub fn normalised(self) -> Self {
        let n = self.n.clamp(1, 16);
        ConfirmConfig {
            m: self.m.clamp(1, n),
            n,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct History {
    /// Predicted levels of the last updates, newest last.
    levels: Vec<u8>,
    /// (update time of a, update time of b) at the latest sample.
    key: (f64, f64),
    /// Cycle at which the pair was last touched.
    seen: u64,
}

/// Per-pair M-of-N state. Keys are the ordered pair ids joined by [`PAIR_SEP`].
#[derive(Debug, Clone, Default)]
pub struct Confirmation {
    cfg: ConfirmConfig,
    pairs: HashMap<String, History>,
    cycle: u64,
    key: String,
}

/// Separates the two ids of a pair key (a control character no track id contains).
pub const PAIR_SEP: char = '\u{1f}';

impl Confirmation {
    /// A new confirmation layer.
    pub fn new(cfg: ConfirmConfig) -> Self {
        Confirmation {
            cfg: cfg.normalised(),
            pairs: HashMap::new(),
            cycle: 0,
            key: String::new(),
        }
    }

    /// Starts a cycle.
    pub fn begin(&mut self) {
        self.cycle += 1;
    }

    /// Records this cycle's predicted level for pair `(a, b)` (0 = no conflict predicted),
    /// whose tracks were last updated at `update_a_s` and `update_b_s`, and returns the
    /// confirmed level (at most `level`).
    pub fn sample(&mut self, a: &str, b: &str, level: u8, update_a_s: f64, update_b_s: f64) -> u8 {
        let cfg = self.cfg;
        let cycle = self.cycle;
        let key = (update_a_s, update_b_s);
        self.key.clear();
        self.key.push_str(a);
        self.key.push(PAIR_SEP);
        self.key.push_str(b);
        if level == 0 && !self.pairs.contains_key(self.key.as_str()) {
            return 0;
        }
        if !self.pairs.contains_key(self.key.as_str()) {
            self.pairs.insert(
                self.key.clone(),
                History {
                    levels: Vec::with_capacity(cfg.n as usize),
                    key: (f64::NAN, f64::NAN),
                    seen: cycle,
                },
            );
        }
        let Some(h) = self.pairs.get_mut(self.key.as_str()) else {
            return 0;
        };
        h.seen = cycle;
        let distinct = !(key.0 == h.key.0 && key.1 == h.key.1);
        if distinct {
            if h.levels.len() == cfg.n as usize {
                h.levels.remove(0);
            }
            h.levels.push(level);
            h.key = key;
        } else if let Some(last) = h.levels.last_mut() {
            // The same update seen again: keep the latest prediction for it.
            *last = level;
        }
        confirmed(&h.levels, cfg.m).min(level)
    }

    /// Ends a cycle: forgets pairs whose history holds no conflict, and pairs unsampled for
    /// `n` cycles.
    pub fn end(&mut self) {
        let (cycle, n) = (self.cycle, u64::from(self.cfg.n));
        self.pairs
            .retain(|_, h| h.levels.iter().any(|&l| l > 0) && cycle - h.seen < n);
    }

    /// Pairs with a history.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// No pair has a history.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Pairs with a history not sampled yet this cycle, as `(a, b)`: those absent from this
    /// cycle's predictions, to be sampled with level 0.
    pub fn unsampled(&self) -> Vec<(String, String)> {
        self.pairs
            .iter()
            .filter(|(_, h)| h.seen != self.cycle)
            .filter_map(|(k, _)| {
                let (a, b) = k.split_once(PAIR_SEP)?;
                Some((a.to_owned(), b.to_owned()))
            })
            .collect()
    }
}

/// Highest level `l` such that at least `m` entries are `>= l`.
fn confirmed(levels: &[u8], m: u8) -> u8 {
    let mut sorted: Vec<u8> = levels.to_vec();
    sorted.sort_unstable_by(|x, y| y.cmp(x));
    sorted.get(usize::from(m) - 1).copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_of_four() {
        let mut c = Confirmation::new(ConfirmConfig::default());
        let mut out = Vec::new();
        for (i, level) in [3u8, 0, 0, 0, 0, 3, 3, 2, 0, 2].into_iter().enumerate() {
            c.begin();
            let t = i as f64;
            out.push(c.sample("A", "B", level, t, 0.0));
            c.end();
        }
        // The single spike at update 0 never confirms; 3,3 confirms at the second.
        assert_eq!(out, vec![0, 0, 0, 0, 0, 0, 3, 2, 0, 2]);
    }

    #[test]
    fn repeated_cycles_on_the_same_update_do_not_count() {
        let mut c = Confirmation::new(ConfirmConfig::default());
        let mut last = 0;
        for _ in 0..10 {
            c.begin();
            last = c.sample("A", "B", 3, 5.0, 7.0);
            c.end();
        }
        assert_eq!(last, 0);
        c.begin();
        assert_eq!(c.sample("A", "B", 3, 6.0, 7.0), 3);
    }

    #[test]
    fn m_of_one_passes_everything_and_state_is_forgotten() {
        let mut c = Confirmation::new(ConfirmConfig { m: 1, n: 1 });
        c.begin();
        assert_eq!(c.sample("A", "B", 2, 1.0, 1.0), 2);
        c.end();
        c.begin();
        assert_eq!(c.sample("A", "B", 0, 2.0, 1.0), 0);
        c.end();
        assert!(c.is_empty());
    }
}
