//! [`ReservationIndex`]: every live reservation in an R-tree, for filing checks in milliseconds.
//!
//! Each volume goes into an `rstar` R-tree as a 4D box: longitude, latitude (degrees), altitude
//! (thousands of feet) and time (hours). A volume crossing the antimeridian gets two boxes. A
//! filing check looks up the boxes of the candidate's volumes and runs the exact
//! [`overlaps`](crate::overlaps) test only on what the tree returns. The index answers exactly
//! what [`ReservationIndex::query_overlaps_brute_force`] (every reservation, exact test) answers;
//! a property test holds the two together.
//!
//! Memory: the tree's boxes are `f32`, each bound rounded outward ([`down`], [`up`]), so a
//! stored box always contains the volume's `f64` box and a query box the candidate's: two boxes
//! that meet in `f64` meet in `f32`, and the broad phase misses nothing (it may hand the exact
//! test a few more candidates, within one `f32` step: about 1 m of latitude, 2 minutes of time).
//! A reservation is kept once, as an [`IndexedReservation`] (its id, owner, purpose, priority,
//! state and time span) beside its prepared volumes, which hold the volumes as given.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use serde::{Deserialize, Serialize};

use crate::overlap::{volume_overlap, Overlap};
use crate::prepared::{prepare_volumes, PreparedVolume};
use crate::volume::{Purpose, Reservation, ReservationError, ReservationState, Volume};

/// A volume's box in the tree, with the reservation's slot and the volume's index.
type Entry = GeomWithData<Rectangle<[f32; 4]>, (u64, u32)>;

/// An overlap between a candidate volume and a volume of a stored reservation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReservationOverlap {
    /// The stored reservation's id.
    pub reservation_id: String,
    /// Its owner.
    pub party: String,
    /// Its priority.
    pub priority: u8,
    /// Its purpose.
    pub purpose: Purpose,
    /// Where and when (`volume_index` is the candidate's, `other_volume_index` the stored one's).
    #[serde(flatten)]
    pub overlap: Overlap,
}

/// What the index keeps of a reservation beside its prepared volumes (which hold the volumes
/// as given): what the filters of a query and the overlaps it returns need.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedReservation {
    /// Unique id.
    pub id: Arc<str>,
    /// Owning party.
    pub party: Arc<str>,
    /// What it is for.
    pub purpose: Purpose,
    /// 0 (lowest) to 10.
    pub priority: u8,
    /// Lifecycle state.
    pub state: ReservationState,
    /// Earliest start and latest end of its volumes, UNIX seconds.
    pub span: (f64, f64),
}

#[derive(Debug, Clone)]
struct Stored {
    reservation: IndexedReservation,
    /// Shared with the [`crate::IntrusionDetector`]s built from the index (not copied).
    prepared: Box<[Arc<PreparedVolume>]>,
}

impl Stored {
    /// The reservation as it was given (its volumes from the prepared ones).
    fn to_reservation(&self) -> Reservation {
        let r = &self.reservation;
        Reservation {
            id: r.id.to_string(),
            party: r.party.to_string(),
            purpose: r.purpose,
            priority: r.priority,
            state: r.state,
            volumes: self.prepared.iter().map(|p| p.volume.clone()).collect(),
        }
    }
}

/// All reservations known to the cell, spatially indexed.
#[derive(Debug, Default)]
pub struct ReservationIndex {
    tree: RTree<Entry>,
    slots: HashMap<u64, Stored>,
    ids: HashMap<Arc<str>, u64>,
    next_slot: u64,
}

/// Scale of the altitude axis in the tree: feet per unit.
const ALT_UNIT_FT: f64 = 1_000.0;
/// Scale of the time axis in the tree: seconds per unit.
const TIME_UNIT_S: f64 = 3_600.0;

/// The `f32` nearest `x` from below: never above it.
pub(crate) fn down(x: f64) -> f32 {
    let f = x as f32;
    if f64::from(f) <= x {
        f
    } else if f == 0.0 {
        -f32::from_bits(1)
    } else if f > 0.0 {
        f32::from_bits(f.to_bits() - 1)
    } else {
        f32::from_bits(f.to_bits() + 1)
    }
}

/// The `f32` nearest `x` from above: never below it.
pub(crate) fn up(x: f64) -> f32 {
    -down(-x)
}

/// A volume's boxes in the tree's units, each bound rounded outward to `f32`.
fn envelopes(v: &PreparedVolume) -> impl Iterator<Item = AABB<[f32; 4]>> + '_ {
    let vol = &v.volume;
    v.boxes.iter().map(move |b| {
        AABB::from_corners(
            [
                down(b.min_lon_deg),
                down(b.min_lat_deg),
                down(vol.lower_ft / ALT_UNIT_FT),
                down(vol.start_time / TIME_UNIT_S),
            ],
            [
                up(b.max_lon_deg),
                up(b.max_lat_deg),
                up(vol.upper_ft / ALT_UNIT_FT),
                up(vol.end_time / TIME_UNIT_S),
            ],
        )
    })
}

impl ReservationIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of reservations stored (any state).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The stored reservation with this id, as it was given.
    pub fn get(&self, id: &str) -> Option<Reservation> {
        self.ids
            .get(id)
            .and_then(|s| self.slots.get(s))
            .map(Stored::to_reservation)
    }

    /// What the index keeps of every stored reservation, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &IndexedReservation> {
        self.slots.values().map(|s| &s.reservation)
    }

    /// Stores a reservation, replacing (and returning) one with the same id.
    ///
    /// # Errors
    /// The reservation fails validation; the index is then unchanged.
    pub fn insert(
        &mut self,
        reservation: Reservation,
    ) -> Result<Option<Reservation>, ReservationError> {
        // A fresh allocation of the Arcs' size (collecting in place would keep the prepared
        // volumes' larger one).
        let volumes = reservation.prepare()?;
        let mut prepared = Vec::with_capacity(volumes.len());
        prepared.extend(volumes.into_iter().map(Arc::new));
        let prepared = prepared.into_boxed_slice();
        let old = self.remove(&reservation.id);
        let slot = self.next_slot;
        self.next_slot += 1;
        for (i, v) in prepared.iter().enumerate() {
            for env in envelopes(v) {
                self.tree.insert(GeomWithData::new(
                    Rectangle::from_aabb(env),
                    (slot, i as u32),
                ));
            }
        }
        let span = crate::volume::time_span(&reservation.volumes).unwrap_or((0.0, 0.0));
        let id: Arc<str> = reservation.id.into();
        self.ids.insert(id.clone(), slot);
        self.slots.insert(
            slot,
            Stored {
                reservation: IndexedReservation {
                    id,
                    party: reservation.party.into(),
                    purpose: reservation.purpose,
                    priority: reservation.priority,
                    state: reservation.state,
                    span,
                },
                prepared,
            },
        );
        Ok(old)
    }

    /// Removes and returns the reservation with this id.
    pub fn remove(&mut self, id: &str) -> Option<Reservation> {
        let slot = self.ids.remove(id)?;
        let stored = self.slots.remove(&slot)?;
        for (i, v) in stored.prepared.iter().enumerate() {
            for env in envelopes(v) {
                self.tree.remove(&GeomWithData::new(
                    Rectangle::from_aabb(env),
                    (slot, i as u32),
                ));
            }
        }
        Some(stored.to_reservation())
    }

    /// Every stored reservation with its prepared volumes.
    pub(crate) fn iter_prepared(
        &self,
    ) -> impl Iterator<Item = (&IndexedReservation, &[Arc<PreparedVolume>])> {
        self.slots
            .values()
            .map(|s| (&s.reservation, &s.prepared[..]))
    }

    /// Sets a stored reservation's state; returns false when the id is unknown.
    pub fn set_state(&mut self, id: &str, state: ReservationState) -> bool {
        match self.ids.get(id).and_then(|s| self.slots.get_mut(s)) {
            Some(s) => {
                s.reservation.state = state;
                true
            }
            None => false,
        }
    }

    /// Applies [`ReservationState::at_time`] to every reservation and returns
    /// `(id, old, new)` for those that changed, sorted by id.
    pub fn advance_states(
        &mut self,
        now_time: f64,
    ) -> Vec<(String, ReservationState, ReservationState)> {
        let mut changed = Vec::new();
        for s in self.slots.values_mut() {
            let r = &mut s.reservation;
            let new = r.state.at_span(r.span, now_time);
            if new != r.state {
                changed.push((r.id.to_string(), r.state, new));
                r.state = new;
            }
        }
        changed.sort_by(|a, b| a.0.cmp(&b.0));
        changed
    }

    /// The filing check: overlaps of `volumes` with every live (not ended, not cancelled)
    /// reservation of a party other than `party`, skipping the reservation `exclude_id` (the one
    /// being updated).
    ///
    /// # Errors
    /// The candidate volumes fail validation.
    pub fn check(
        &self,
        party: &str,
        volumes: &[Volume],
        exclude_id: Option<&str>,
    ) -> Result<Vec<ReservationOverlap>, ReservationError> {
        self.query_overlaps(volumes, |r| {
            &*r.party != party && r.state.is_live() && Some(&*r.id) != exclude_id
        })
    }

    /// Overlaps of `volumes` with every stored reservation for which `keep` is true, sorted by
    /// `(reservation_id, volume_index, other_volume_index)`.
    ///
    /// # Errors
    /// The candidate volumes fail validation.
    pub fn query_overlaps(
        &self,
        volumes: &[Volume],
        keep: impl Fn(&IndexedReservation) -> bool,
    ) -> Result<Vec<ReservationOverlap>, ReservationError> {
        let candidate = prepare_volumes(volumes)?;
        let mut seen: HashSet<(usize, u64, u32)> = HashSet::new();
        let mut out = Vec::new();
        for (i, cv) in candidate.iter().enumerate() {
            for env in envelopes(cv) {
                for entry in self.tree.locate_in_envelope_intersecting(&env) {
                    let (slot, j) = entry.data;
                    if !seen.insert((i, slot, j)) {
                        continue;
                    }
                    let Some(stored) = self.slots.get(&slot) else {
                        continue;
                    };
                    if !keep(&stored.reservation) {
                        continue;
                    }
                    let j = j as usize;
                    if let Some(o) = volume_overlap(cv, &stored.prepared[j], i, j) {
                        out.push(tag(&stored.reservation, o));
                    }
                }
            }
        }
        sort(&mut out);
        Ok(out)
    }

    /// Reference implementation of [`ReservationIndex::query_overlaps`]: the exact test against
    /// every stored volume, no tree. Slow; kept for tests and benchmarks.
    ///
    /// # Errors
    /// The candidate volumes fail validation.
    pub fn query_overlaps_brute_force(
        &self,
        volumes: &[Volume],
        keep: impl Fn(&IndexedReservation) -> bool,
    ) -> Result<Vec<ReservationOverlap>, ReservationError> {
        let candidate = prepare_volumes(volumes)?;
        let mut out = Vec::new();
        for stored in self.slots.values().filter(|s| keep(&s.reservation)) {
            for (i, cv) in candidate.iter().enumerate() {
                for (j, sv) in stored.prepared.iter().enumerate() {
                    if let Some(o) = volume_overlap(cv, sv, i, j) {
                        out.push(tag(&stored.reservation, o));
                    }
                }
            }
        }
        sort(&mut out);
        Ok(out)
    }
}

fn tag(r: &IndexedReservation, overlap: Overlap) -> ReservationOverlap {
    ReservationOverlap {
        reservation_id: r.id.to_string(),
        party: r.party.to_string(),
        priority: r.priority,
        purpose: r.purpose,
        overlap,
    }
}

fn sort(v: &mut [ReservationOverlap]) {
    v.sort_by(|a, b| {
        (
            &a.reservation_id,
            a.overlap.volume_index,
            a.overlap.other_volume_index,
        )
            .cmp(&(
                &b.reservation_id,
                b.overlap.volume_index,
                b.overlap.other_volume_index,
            ))
    });
}

#[cfg(test)]
mod tests {
    use super::{down, up};
    use proptest::prelude::*;

    /// The neighbouring `f32` of `f` towards +∞, for finite `f` (a reference written apart from
    /// [`down`]: by stepping the bits of the magnitude).
    fn next_up(f: f32) -> f32 {
        if f == 0.0 {
            f32::from_bits(1)
        } else if f > 0.0 {
            f32::from_bits(f.to_bits() + 1)
        } else {
            f32::from_bits(f.to_bits() - 1)
        }
    }

    proptest! {
        /// The tree's bounds hold the exact value between them and are the nearest `f32`s that
        /// do: no gap wider than one step, none at all where `x` is an `f32`.
        #[test]
        fn rounding_outward_brackets_the_value(x in prop_oneof![
            -1.0e7f64..1.0e7,
            -200.0f64..200.0,
            -1.0e-3f64..1.0e-3,
            (-1.0e6f32..1.0e6).prop_map(f64::from),
        ]) {
            let (lo, hi) = (down(x), up(x));
            prop_assert!(f64::from(lo) <= x && x <= f64::from(hi), "{lo} <= {x} <= {hi}");
            if f64::from(lo) == x {
                prop_assert_eq!(lo, hi);
            } else {
                prop_assert_eq!(next_up(lo), hi);
            }
        }
    }

    #[test]
    fn rounding_outward_round_the_tree_s_units() {
        // A time axis value in hours (2027): f32 steps there are 1/32 h.
        let t = 1.8e9 / 3_600.0 + 1.0 / 3.0;
        assert!(f64::from(down(t)) < t && t < f64::from(up(t)));
        assert!(f64::from(up(t)) - f64::from(down(t)) <= 1.0 / 32.0);
        assert_eq!(down(0.0), 0.0);
        assert_eq!(up(-0.5), -0.5);
        assert!(down(1e-50) == 0.0 && up(1e-50) > 0.0 && down(-1e-50) < 0.0);
    }
}
