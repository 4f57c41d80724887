//! A snapshot in the detector's working form, shared by the detection cycle and the broad
//! phase.
//!
//! [`Prepared`] holds what both need from a validated snapshot: each aircraft's
//! [`Kinematics`] and its rank in byte order of the ids (the order in which every pair is
//! tested and reported). [`crate::detect`](mod@crate::detect) fills it once per cycle and hands it to
//! [`crate::broadphase`]; neither of those modules depends on the other for it.

use crate::geodesy::Kinematics;
use crate::state::{AircraftState, StateError};
use rayon::prelude::*;

/// A validated snapshot in working form: kinematics and the id order. Its buffers are kept
/// and refilled cycle after cycle by a [`crate::Detector`].
#[derive(Default)]
pub(crate) struct Prepared {
    pub kin: Vec<Kinematics>,
    /// `rank[i]` = position of aircraft `i` in byte order of the ids.
    pub rank: Vec<u32>,
    /// (8-byte id prefix, aircraft) sorted in byte order of the ids.
    keyed: Vec<(u64, u32)>,
}

/// Why a snapshot cannot be put in working form (each case is a [`crate::DetectError`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PrepareError {
    /// A state failed [`AircraftState::validate`]: its position in the input, its id.
    InvalidState {
        index: usize,
        id: String,
        source: StateError,
    },
    /// Two states share an id.
    DuplicateId { id: String },
    /// More aircraft than the engine indexes (u32).
    TooMany(usize),
}

/// Clears `v` and fills it with `f(0), .., f(n - 1)`, on the current rayon pool when
/// `parallel`. Keeps `v`'s allocation.
pub(crate) fn fill_vec<T, F>(v: &mut Vec<T>, n: usize, parallel: bool, f: F)
where
    T: Send,
    F: Fn(usize) -> T + Sync + Send,
{
    v.clear();
    if parallel {
        v.par_extend((0..n).into_par_iter().map(f));
    } else {
        v.extend((0..n).map(f));
    }
}

/// An 8-byte big-endian prefix of an id: its order is the byte order of the ids up to ties.
#[inline]
fn id_prefix(id: &str) -> u64 {
    let mut b = [0u8; 8];
    let n = id.len().min(8);
    b[..n].copy_from_slice(&id.as_bytes()[..n]);
    u64::from_be_bytes(b)
}

impl Prepared {
    /// Validates `states` and refills the working form (options are validated by the caller).
    pub(crate) fn fill(
        &mut self,
        states: &[AircraftState],
        parallel: bool,
    ) -> Result<(), PrepareError> {
        let n = states.len();
        if n >= u32::MAX as usize {
            return Err(PrepareError::TooMany(n));
        }
        // The first invalid state in input order, whatever the thread count.
        let bad = if parallel {
            states.par_iter().position_first(|s| s.validate().is_err())
        } else {
            states.iter().position(|s| s.validate().is_err())
        };
        if let Some(index) = bad {
            let s = &states[index];
            if let Err(source) = s.validate() {
                return Err(PrepareError::InvalidState {
                    index,
                    id: s.id.clone(),
                    source,
                });
            }
        }
        // Sort by the 8-byte prefix first (a radix sort: a few linear passes, where a
        // comparison sort makes log2 N of them), then each run of equal prefixes by the full
        // bytes: exactly the byte order of the ids. Only duplicates compare equal, so the order
        // does not depend on the sort algorithm.
        fill_vec(&mut self.keyed, n, parallel, |i| {
            (id_prefix(&states[i].id), i as u32)
        });
        radsort::sort_by_key(&mut self.keyed, |k| k.0);
        let by_id =
            |x: &(u64, u32), y: &(u64, u32)| states[x.1 as usize].id.cmp(&states[y.1 as usize].id);
        let mut start = 0;
        while start < n {
            let prefix = self.keyed[start].0;
            let len = self.keyed[start..]
                .iter()
                .position(|k| k.0 != prefix)
                .unwrap_or(n - start);
            if len > 1 {
                self.keyed[start..start + len].sort_unstable_by(by_id);
            }
            start += len;
        }
        if let Some(w) = self
            .keyed
            .windows(2)
            .find(|w| w[0].0 == w[1].0 && states[w[0].1 as usize].id == states[w[1].1 as usize].id)
        {
            return Err(PrepareError::DuplicateId {
                id: states[w[0].1 as usize].id.clone(),
            });
        }
        self.rank.clear();
        self.rank.resize(n, 0);
        for (r, &(_, i)) in self.keyed.iter().enumerate() {
            self.rank[i as usize] = r as u32;
        }
        fill_vec(&mut self.kin, n, parallel, |i| {
            Kinematics::from_state(&states[i])
        });
        Ok(())
    }

    /// Bytes held by the buffers.
    pub(crate) fn bytes(&self) -> usize {
        self.kin.capacity() * std::mem::size_of::<Kinematics>()
            + self.rank.capacity() * 4
            + self.keyed.capacity() * std::mem::size_of::<(u64, u32)>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ac(id: &str) -> AircraftState {
        AircraftState {
            id: id.into(),
            party: None,
            lat_deg: 0.0,
            lon_deg: 0.0,
            alt_ft: 10_000.0,
            gs_kt: 300.0,
            trk_deg: 90.0,
            vs_fpm: 0.0,
        }
    }

    #[test]
    fn ranks_follow_the_byte_order_of_the_ids_beyond_the_prefix() {
        // Equal 8-byte prefixes, decided by the bytes after them; and a shorter id first.
        let states = [ac("ABCDEFGH2"), ac("ABCDEFGH1"), ac("ABC"), ac("Z")];
        for parallel in [false, true] {
            let mut p = Prepared::default();
            p.fill(&states, parallel).unwrap();
            assert_eq!(p.rank, vec![2, 1, 0, 3]);
            assert_eq!(p.kin.len(), 4);
        }
    }

    #[test]
    fn refilling_reports_the_first_bad_state_and_duplicates() {
        let mut p = Prepared::default();
        let mut bad = ac("B");
        bad.gs_kt = f64::NAN;
        let mut worse = ac("C");
        worse.lat_deg = 95.0;
        assert!(matches!(
            p.fill(&[ac("A"), bad, worse], true),
            Err(PrepareError::InvalidState { index: 1, .. })
        ));
        assert_eq!(
            p.fill(&[ac("A"), ac("B"), ac("A")], false),
            Err(PrepareError::DuplicateId { id: "A".into() })
        );
        // The same buffers serve a good snapshot afterwards.
        p.fill(&[ac("B"), ac("A")], false).unwrap();
        assert_eq!(p.rank, vec![1, 0]);
    }
}
