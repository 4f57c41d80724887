//! [`ReservationIndex`]: every live reservation in an R-tree, for filing checks in milliseconds.
//!
//! Each volume goes into an `rstar` R-tree as a 4D box: longitude, latitude (degrees), altitude
//! (thousands of feet) and time (hours). A volume crossing the antimeridian gets two boxes. A
//! filing check looks up the boxes of the candidate's volumes and runs the exact
//! [`overlaps`](crate::overlaps) test only on what the tree returns. The index answers exactly
//! what [`ReservationIndex::query_overlaps_brute_force`] (every reservation, exact test) answers;
//! a property test holds the two together.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use serde::{Deserialize, Serialize};

use crate::overlap::{volume_overlap, Overlap};
use crate::prepared::{prepare_volumes, PreparedVolume};
use crate::volume::{Purpose, Reservation, ReservationError, ReservationState, Volume};

type Entry = GeomWithData<Rectangle<[f64; 4]>, (u64, usize)>;

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

#[derive(Debug, Clone)]
struct Stored {
    reservation: Reservation,
    /// Shared with the [`crate::IntrusionDetector`]s built from the index (not copied).
    prepared: Vec<Arc<PreparedVolume>>,
}

/// All reservations known to the cell, spatially indexed.
#[derive(Debug, Default)]
pub struct ReservationIndex {
    tree: RTree<Entry>,
    slots: HashMap<u64, Stored>,
    ids: HashMap<String, u64>,
    next_slot: u64,
}

/// Scale of the altitude axis in the tree: feet per unit.
const ALT_UNIT_FT: f64 = 1_000.0;
/// Scale of the time axis in the tree: seconds per unit.
const TIME_UNIT_S: f64 = 3_600.0;

fn envelopes(v: &PreparedVolume) -> impl Iterator<Item = AABB<[f64; 4]>> + '_ {
    let vol = &v.volume;
    v.boxes.iter().map(move |b| {
        AABB::from_corners(
            [
                b.min_lon_deg,
                b.min_lat_deg,
                vol.lower_ft / ALT_UNIT_FT,
                vol.start_time / TIME_UNIT_S,
            ],
            [
                b.max_lon_deg,
                b.max_lat_deg,
                vol.upper_ft / ALT_UNIT_FT,
                vol.end_time / TIME_UNIT_S,
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

    /// The stored reservation with this id.
    pub fn get(&self, id: &str) -> Option<&Reservation> {
        self.ids
            .get(id)
            .and_then(|s| self.slots.get(s))
            .map(|s| &s.reservation)
    }

    /// Every stored reservation, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Reservation> {
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
        let prepared: Vec<Arc<PreparedVolume>> =
            reservation.prepare()?.into_iter().map(Arc::new).collect();
        let old = self.remove(&reservation.id);
        let slot = self.next_slot;
        self.next_slot += 1;
        for (i, v) in prepared.iter().enumerate() {
            for env in envelopes(v) {
                self.tree
                    .insert(GeomWithData::new(Rectangle::from_aabb(env), (slot, i)));
            }
        }
        self.ids.insert(reservation.id.clone(), slot);
        self.slots.insert(
            slot,
            Stored {
                reservation,
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
                self.tree
                    .remove(&GeomWithData::new(Rectangle::from_aabb(env), (slot, i)));
            }
        }
        Some(stored.reservation)
    }

    /// Every stored reservation with its prepared volumes.
    pub(crate) fn iter_prepared(
        &self,
    ) -> impl Iterator<Item = (&Reservation, &[Arc<PreparedVolume>])> {
        self.slots
            .values()
            .map(|s| (&s.reservation, s.prepared.as_slice()))
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
            let new = r.state.at_time(&r.volumes, now_time);
            if new != r.state {
                changed.push((r.id.clone(), r.state, new));
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
            r.party != party && r.state.is_live() && Some(r.id.as_str()) != exclude_id
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
        keep: impl Fn(&Reservation) -> bool,
    ) -> Result<Vec<ReservationOverlap>, ReservationError> {
        let candidate = prepare_volumes(volumes)?;
        let mut seen: HashSet<(usize, u64, usize)> = HashSet::new();
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
        keep: impl Fn(&Reservation) -> bool,
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

fn tag(r: &Reservation, overlap: Overlap) -> ReservationOverlap {
    ReservationOverlap {
        reservation_id: r.id.clone(),
        party: r.party.clone(),
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
