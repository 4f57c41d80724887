//! Predicted intrusions of live aircraft into reservations and hazard zones, and their alerts.
//!
//! [`IntrusionDetector`] holds every watched volume in an `rstar` R-tree of lon/lat boxes. Each
//! cycle, every aircraft is extrapolated in a straight line (great circle at constant ground
//! speed, track and vertical rate) over the look-ahead; the box swept by that path selects the
//! candidate volumes, and for each candidate the entry time is computed exactly in the volume's
//! local plane: the path segment is intersected with the polygon's edges (or solved against the
//! circle), with the altitude slab (linear climb) and with the volume's time window, and the
//! earliest instant inside all three is the entry. An aircraft already inside has time to entry
//! 0 (`inside_now`).
//!
//! A volume is watched for an aircraft when it belongs to a live reservation and either its
//! purpose is [`Purpose::Hazard`] (every aircraft, the owner's included) or it belongs to a party
//! other than the aircraft's. Entry must fall inside the volume's time window, which is when the
//! reservation is active.
//!
//! [`IntrusionAlerts`] turns the per-cycle predictions into alerts with stable ids that are
//! raised, updated (level or entry changed) and cleared (no longer predicted), with the engine's
//! hold-time hysteresis ([`deconflict_engine::Hysteresis`]) so an alert does not flap when a
//! prediction comes and goes, and alert levels that are data ([`AlertLevels`]).
//!
//! The motion model is a great circle at constant ground speed on the sphere of [`geom`]; the
//! engine's tangent-line model on the WGS-84 ellipsoid agrees with it to about 0.1 % in distance
//! over a look-ahead.
//!
//! The horizontal and vertical boundaries are inclusive: an aircraft exactly on a boundary is
//! inside (conservative for hazards).

use std::collections::BTreeMap;

use deconflict_engine::hysteresis::{Change, Held, Hysteresis};
use deconflict_engine::units::{M_PER_NM, S_PER_H, S_PER_MIN};
use deconflict_engine::{AircraftState, AlertEventKind, AlertLevels};
use geo::Coord;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use serde::{Deserialize, Serialize};

use crate::geom;
use crate::index::{IndexedReservation, ReservationIndex};
use crate::prepared::{split_box, PreparedVolume};
use crate::volume::{Purpose, Reservation};
use std::sync::Arc;

/// Where an aircraft is predicted to enter a volume.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EntryPoint {
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Altitude, feet.
    pub alt_ft: f64,
}

/// One aircraft predicted to be inside one volume within the look-ahead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntrusionPrediction {
    /// The aircraft's track id.
    pub track_id: String,
    /// The aircraft's party, if known.
    pub track_party: Option<String>,
    /// The reservation (or zone) entered.
    pub reservation_id: String,
    /// Its owner.
    pub volume_party: String,
    /// Its purpose.
    pub purpose: Purpose,
    /// Which of its volumes.
    pub volume_index: usize,
    /// Seconds from now to entry; 0 when inside now.
    pub time_to_entry_s: f64,
    /// Already inside.
    pub inside_now: bool,
    /// Position at entry (current position when inside now).
    pub entry_point: EntryPoint,
}

/// Result of one detection pass.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IntrusionScan {
    /// Predictions, sorted by `(track_id, reservation_id, volume_index)`.
    pub predictions: Vec<IntrusionPrediction>,
    /// Aircraft whose state failed [`AircraftState::validate`] and were skipped.
    pub rejected_aircraft: usize,
    /// Exact volume tests run (candidates returned by the tree).
    pub exact_tests: usize,
}

#[derive(Debug, Clone)]
struct Watched {
    /// Shared with the index's copy when it came from one.
    reservation_id: Arc<str>,
    party: Arc<str>,
    purpose: Purpose,
    volume_index: usize,
    /// Shared with the index it came from, when it did.
    prepared: Arc<PreparedVolume>,
}

impl Watched {
    fn new(r: &IndexedReservation, volume_index: usize, prepared: Arc<PreparedVolume>) -> Self {
        Self {
            reservation_id: r.id.clone(),
            party: r.party.clone(),
            purpose: r.purpose,
            volume_index,
            prepared,
        }
    }
}

/// The volumes of the live reservations in `index`, with the geometry it prepared.
fn watch_indexed(index: &ReservationIndex) -> Vec<Watched> {
    index
        .iter_prepared()
        .filter(|(r, _)| r.state.is_live())
        .flat_map(|(r, prepared)| {
            prepared
                .iter()
                .enumerate()
                .map(move |(i, p)| Watched::new(r, i, p.clone()))
        })
        .collect()
}

/// Prepares and adds to `watched` every volume of every live reservation in `reservations`;
/// returns how many were invalid (skipped).
fn watch_prepared<'a>(
    watched: &mut Vec<Watched>,
    reservations: impl IntoIterator<Item = &'a Reservation>,
) -> usize {
    let mut rejected = 0;
    for r in reservations.into_iter().filter(|r| r.state.is_live()) {
        let (id, party): (Arc<str>, Arc<str>) = (r.id.as_str().into(), r.party.as_str().into());
        for (volume_index, v) in r.volumes.iter().enumerate() {
            match v.prepare() {
                Ok(prepared) => watched.push(Watched {
                    reservation_id: id.clone(),
                    party: party.clone(),
                    purpose: r.purpose,
                    volume_index,
                    prepared: Arc::new(prepared),
                }),
                Err(_) => rejected += 1,
            }
        }
    }
    rejected
}

/// Every watched volume, indexed for per-cycle intrusion prediction.
#[derive(Debug, Default)]
pub struct IntrusionDetector {
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    watched: Vec<Watched>,
    rejected_volumes: usize,
}

impl IntrusionDetector {
    /// Watches every volume of every live reservation in `reservations`. Invalid volumes are
    /// skipped and counted ([`IntrusionDetector::rejected_volumes`]).
    pub fn new<'a>(reservations: impl IntoIterator<Item = &'a Reservation>) -> Self {
        let mut watched = Vec::new();
        let rejected_volumes = watch_prepared(&mut watched, reservations);
        Self::build(watched, rejected_volumes)
    }

    /// Watches every live reservation in `index`, reusing the geometry the index prepared.
    pub fn from_index(index: &ReservationIndex) -> Self {
        Self::build(watch_indexed(index), 0)
    }

    /// Watches every live reservation in `index` as [`IntrusionDetector::from_index`] does,
    /// and every volume of every live reservation in `extra` (volumes not filed in the index,
    /// such as those of advance notices) as [`IntrusionDetector::new`] does.
    pub fn from_index_and<'a>(
        index: &ReservationIndex,
        extra: impl IntoIterator<Item = &'a Reservation>,
    ) -> Self {
        let mut watched = watch_indexed(index);
        let rejected_volumes = watch_prepared(&mut watched, extra);
        Self::build(watched, rejected_volumes)
    }

    fn build(watched: Vec<Watched>, rejected_volumes: usize) -> Self {
        let entries = watched
            .iter()
            .enumerate()
            .flat_map(|(i, w)| {
                w.prepared.boxes.iter().map(move |b| {
                    GeomWithData::new(
                        Rectangle::from_corners(
                            [b.min_lon_deg, b.min_lat_deg],
                            [b.max_lon_deg, b.max_lat_deg],
                        ),
                        i,
                    )
                })
            })
            .collect();
        Self {
            tree: RTree::bulk_load(entries),
            watched,
            rejected_volumes,
        }
    }

    /// Number of watched volumes.
    pub fn len(&self) -> usize {
        self.watched.len()
    }

    /// Whether nothing is watched.
    pub fn is_empty(&self) -> bool {
        self.watched.is_empty()
    }

    /// Volumes skipped because they failed validation.
    pub fn rejected_volumes(&self) -> usize {
        self.rejected_volumes
    }

    /// Predicts, for every aircraft, every watched volume it is inside now or will enter within
    /// `lookahead_s` seconds of `now_time` (UNIX s, the time of the states).
    ///
    /// The path is taken as straight in each volume's local plane between the current and the
    /// extrapolated position, which matches the great circle closely for paths up to a few
    /// hundred kilometres (a 300 s look-ahead at 600 kt is 93 km). Invalid states are skipped
    /// and counted; a negative or non-finite look-ahead counts as 0.
    pub fn scan(
        &self,
        aircraft: &[AircraftState],
        now_time: f64,
        lookahead_s: f64,
    ) -> IntrusionScan {
        let lookahead_s = if lookahead_s.is_finite() {
            lookahead_s.max(0.0)
        } else {
            0.0
        };
        let mut scan = IntrusionScan::default();
        if !now_time.is_finite() {
            scan.rejected_aircraft = aircraft.len();
            return scan;
        }
        for ac in aircraft {
            if ac.validate().is_err() {
                scan.rejected_aircraft += 1;
                continue;
            }
            self.scan_one(ac, now_time, lookahead_s, &mut scan);
        }
        sort_predictions(&mut scan.predictions);
        scan
    }

    /// Reference implementation of [`IntrusionDetector::scan`]: the exact test against every
    /// watched volume, no tree. Slow; kept for tests and benchmarks.
    pub fn scan_brute_force(
        &self,
        aircraft: &[AircraftState],
        now_time: f64,
        lookahead_s: f64,
    ) -> IntrusionScan {
        let lookahead_s = if lookahead_s.is_finite() {
            lookahead_s.max(0.0)
        } else {
            0.0
        };
        let mut scan = IntrusionScan::default();
        for ac in aircraft {
            if !now_time.is_finite() || ac.validate().is_err() {
                scan.rejected_aircraft += 1;
                continue;
            }
            let start = geom_pos(ac);
            let distance_m = ac.gs_kt * M_PER_NM / S_PER_H * lookahead_s;
            let end = geom::destination(start, ac.trk_deg, distance_m);
            for w in &self.watched {
                if w.purpose != Purpose::Hazard && ac.party.as_deref() == Some(&*w.party) {
                    continue;
                }
                scan.exact_tests += 1;
                if let Some((t, p)) = entry_time(&w.prepared, ac, start, end, now_time, lookahead_s)
                {
                    scan.predictions.push(prediction(ac, w, t, p));
                }
            }
        }
        sort_predictions(&mut scan.predictions);
        scan
    }

    fn scan_one(
        &self,
        ac: &AircraftState,
        now_time: f64,
        lookahead_s: f64,
        scan: &mut IntrusionScan,
    ) {
        let start = geom_pos(ac);
        let distance_m = ac.gs_kt * M_PER_NM / S_PER_H * lookahead_s;
        let end = geom::destination(start, ac.trk_deg, distance_m);
        let end_lon = geom::unwrap_lon_deg(end.lon_deg, start.lon_deg);
        // Pad for great-circle bulge between the end points (generous; exact test follows).
        let pad_deg = (distance_m / geom::EARTH_RADIUS_M).to_degrees() * 0.1 + 1e-6;
        let boxes = if start.lat_deg.abs().max(end.lat_deg.abs()) + pad_deg >= 89.0 {
            split_box(
                -180.0,
                start.lat_deg.min(end.lat_deg) - pad_deg,
                180.0,
                90.0,
            )
            .into_iter()
            .chain(split_box(
                -180.0,
                -90.0,
                180.0,
                start.lat_deg.max(end.lat_deg) + pad_deg,
            ))
            .collect()
        } else {
            split_box(
                start.lon_deg.min(end_lon) - pad_deg,
                start.lat_deg.min(end.lat_deg) - pad_deg,
                start.lon_deg.max(end_lon) + pad_deg,
                start.lat_deg.max(end.lat_deg) + pad_deg,
            )
        };
        let mut seen: Vec<usize> = Vec::new();
        for b in boxes {
            let env = AABB::from_corners(
                [b.min_lon_deg, b.min_lat_deg],
                [b.max_lon_deg, b.max_lat_deg],
            );
            for entry in self.tree.locate_in_envelope_intersecting(&env) {
                let i = entry.data;
                if seen.contains(&i) {
                    continue;
                }
                seen.push(i);
                let w = &self.watched[i];
                let relevant =
                    w.purpose == Purpose::Hazard || ac.party.as_deref() != Some(&*w.party);
                if !relevant {
                    continue;
                }
                scan.exact_tests += 1;
                if let Some((t, p)) = entry_time(&w.prepared, ac, start, end, now_time, lookahead_s)
                {
                    scan.predictions.push(prediction(ac, w, t, p));
                }
            }
        }
    }
}

fn prediction(ac: &AircraftState, w: &Watched, t: f64, p: EntryPoint) -> IntrusionPrediction {
    IntrusionPrediction {
        track_id: ac.id.clone(),
        track_party: ac.party.clone(),
        reservation_id: w.reservation_id.to_string(),
        volume_party: w.party.to_string(),
        purpose: w.purpose,
        volume_index: w.volume_index,
        time_to_entry_s: t,
        inside_now: t == 0.0,
        entry_point: p,
    }
}

fn sort_predictions(v: &mut [IntrusionPrediction]) {
    v.sort_by(|a, b| {
        (&a.track_id, &a.reservation_id, a.volume_index).cmp(&(
            &b.track_id,
            &b.reservation_id,
            b.volume_index,
        ))
    });
}

fn geom_pos(ac: &AircraftState) -> geom::LatLon {
    geom::LatLon {
        lat_deg: ac.lat_deg,
        lon_deg: ac.lon_deg,
    }
}

/// Closed interval `[lo, hi]` of path time, seconds from now.
type Interval = (f64, f64);

/// Earliest time in `[0, lookahead_s]` at which the aircraft is inside `v` horizontally,
/// vertically and within its window, with the position then.
pub(crate) fn entry_time(
    v: &PreparedVolume,
    ac: &AircraftState,
    start: geom::LatLon,
    end: geom::LatLon,
    now_time: f64,
    lookahead_s: f64,
) -> Option<(f64, EntryPoint)> {
    let vol = &v.volume;
    // Time window, relative to now.
    let (mut lo, mut hi) = (
        (vol.start_time - now_time).max(0.0),
        (vol.end_time - now_time).min(lookahead_s),
    );
    if vol.end_time <= now_time || lo > hi {
        return None;
    }
    // Altitude slab: lower <= alt0 + rate t <= upper.
    let rate_ft_s = ac.vs_fpm / S_PER_MIN;
    if rate_ft_s == 0.0 {
        if ac.alt_ft < vol.lower_ft || ac.alt_ft > vol.upper_ft {
            return None;
        }
    } else {
        let ta = (vol.lower_ft - ac.alt_ft) / rate_ft_s;
        let tb = (vol.upper_ft - ac.alt_ft) / rate_ft_s;
        lo = lo.max(ta.min(tb));
        hi = hi.min(ta.max(tb));
        if lo > hi {
            return None;
        }
    }
    // Horizontal: the path segment in the volume's plane, parameter s = t / lookahead_s.
    let (x0, y0) = v.plane.forward(start.lat_deg, start.lon_deg);
    let (x1, y1) = v.plane.forward(end.lat_deg, end.lon_deg);
    let p0 = Coord { x: x0, y: y0 };
    let d = Coord {
        x: x1 - x0,
        y: y1 - y0,
    };
    let moving = lookahead_s > 0.0 && (d.x != 0.0 || d.y != 0.0);
    let horizontal: Vec<Interval> = if !moving {
        let inside = match v.circle_radius_m {
            Some(r) => p0.x.hypot(p0.y) <= r,
            None => point_in_ring(v.local_ring(), p0),
        };
        if inside {
            vec![(0.0, lookahead_s)]
        } else {
            vec![]
        }
    } else {
        let s_intervals = match v.circle_radius_m {
            Some(r) => circle_intervals(p0, d, r),
            None => polygon_intervals(v.local_ring(), p0, d),
        };
        s_intervals
            .into_iter()
            .map(|(a, b)| (a * lookahead_s, b * lookahead_s))
            .collect()
    };
    let t = horizontal
        .iter()
        .filter_map(|&(a, b)| {
            let (l, h) = (a.max(lo), b.min(hi));
            (l <= h).then_some(l)
        })
        .min_by(f64::total_cmp)?;
    let s = if moving { t / lookahead_s } else { 0.0 };
    let p = v.plane.inverse(p0.x + s * d.x, p0.y + s * d.y);
    Some((
        t,
        EntryPoint {
            lat_deg: p.lat_deg,
            lon_deg: p.lon_deg,
            alt_ft: ac.alt_ft + rate_ft_s * t,
        },
    ))
}

/// Parameters `s` in [0, 1] where `p0 + s d` is within distance `r` of the origin.
fn circle_intervals(p0: Coord, d: Coord, r: f64) -> Vec<Interval> {
    let a = d.x * d.x + d.y * d.y;
    let b = 2.0 * (p0.x * d.x + p0.y * d.y);
    let c = p0.x * p0.x + p0.y * p0.y - r * r;
    let disc = b * b - 4.0 * a * c;
    if disc < 0.0 {
        return vec![];
    }
    let sq = disc.sqrt();
    let (s0, s1) = ((-b - sq) / (2.0 * a), (-b + sq) / (2.0 * a));
    let (l, h) = (s0.max(0.0), s1.min(1.0));
    if l <= h {
        vec![(l, h)]
    } else {
        vec![]
    }
}

/// Parameters `s` in [0, 1] where `p0 + s d` is inside the closed ring.
fn polygon_intervals(ring: &[Coord], p0: Coord, d: Coord) -> Vec<Interval> {
    let mut cuts = vec![0.0, 1.0];
    let n = ring.len();
    for k in 0..n {
        let a = ring[k];
        let b = ring[(k + 1) % n];
        let e = Coord {
            x: b.x - a.x,
            y: b.y - a.y,
        };
        let denom = d.x * e.y - d.y * e.x;
        if denom == 0.0 {
            continue;
        }
        let w = Coord {
            x: a.x - p0.x,
            y: a.y - p0.y,
        };
        let s = (w.x * e.y - w.y * e.x) / denom;
        let u = (w.x * d.y - w.y * d.x) / denom;
        if (0.0..=1.0).contains(&s) && (-1e-12..=1.0 + 1e-12).contains(&u) {
            cuts.push(s);
        }
    }
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();
    let at = |s: f64| Coord {
        x: p0.x + s * d.x,
        y: p0.y + s * d.y,
    };
    let mut out: Vec<Interval> = Vec::new();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        if point_in_ring(ring, at(0.5 * (a + b))) {
            match out.last_mut() {
                Some(last) if last.1 == a => last.1 = b,
                _ => out.push((a, b)),
            }
        }
    }
    // A path that starts exactly on the boundary, or only grazes it at a cut, is inside there.
    if out.first().is_none_or(|f| f.0 > 0.0) && point_in_ring(ring, p0) {
        out.insert(0, (0.0, 0.0));
    }
    out
}

/// Even-odd point-in-polygon test; points on an edge count as inside.
pub(crate) fn point_in_ring(ring: &[Coord], p: Coord) -> bool {
    let n = ring.len();
    let mut inside = false;
    for k in 0..n {
        let a = ring[k];
        let b = ring[(k + 1) % n];
        // On the edge?
        let cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
        let len = (b.x - a.x).hypot(b.y - a.y);
        if cross.abs() <= 1e-9 * len.max(1.0)
            && p.x >= a.x.min(b.x) - 1e-9
            && p.x <= a.x.max(b.x) + 1e-9
            && p.y >= a.y.min(b.y) - 1e-9
            && p.y <= a.y.max(b.y) + 1e-9
        {
            return true;
        }
        if (a.y > p.y) != (b.y > p.y) {
            let x = a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x);
            if p.x < x {
                inside = !inside;
            }
        }
    }
    inside
}

/// Thresholds and hysteresis of intrusion alerts.
///
/// The levels are the engine's advisory / caution / warning ([`IntrusionAlertConfig::levels`])
/// with the time to entry in place of the time to loss of separation: the highest level when
/// inside or entering within `level3_within_s`, the middle one within `level2_within_s`, the
/// lowest otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntrusionAlertConfig {
    /// Warning (the highest level) when inside or entering within this many seconds.
    /// Default 60.
    pub level3_within_s: f64,
    /// Caution when entering within this many seconds (else advisory). Default 180.
    pub level2_within_s: f64,
    /// How long, in seconds, a lower level (or the absence of the prediction) must persist
    /// before the alert is downgraded (or cleared), as in the engine's conflict alerting.
    /// Default 6 (several 1 Hz cycles).
    pub hold_s: f64,
    /// A same-level alert is re-sent as updated when its time to entry differs by more than
    /// this many seconds from what the elapsed time predicts. Default 15.
    pub update_min_change_s: f64,
}

impl Default for IntrusionAlertConfig {
    fn default() -> Self {
        Self {
            level3_within_s: 60.0,
            level2_within_s: 180.0,
            hold_s: 6.0,
            update_min_change_s: 15.0,
        }
    }
}

impl IntrusionAlertConfig {
    /// The alert levels as thresholds on the time to entry.
    pub fn levels(&self) -> AlertLevels {
        AlertLevels::advisory_caution_warning(self.level2_within_s, self.level3_within_s)
    }
}

/// One intrusion alert: an aircraft predicted to enter (or inside) a reservation or zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intrusion {
    /// Stable id, `i-<n>`, never reused.
    pub id: String,
    /// The aircraft's track id.
    pub track_id: String,
    /// The aircraft's party.
    pub track_party: Option<String>,
    /// The reservation or zone.
    pub reservation_id: String,
    /// Its owner.
    pub volume_party: String,
    /// Its purpose.
    pub purpose: Purpose,
    /// The volume entered first.
    pub volume_index: usize,
    /// Seconds to entry (0 inside), as of the last cycle that predicted it.
    pub time_to_entry_s: f64,
    /// Already inside.
    pub inside_now: bool,
    /// Predicted entry position.
    pub entry_point: EntryPoint,
    /// Published level, from the alert levels in use (by default 1 = advisory to
    /// 3 = warning: inside or imminent).
    pub level: u8,
    /// The last event: raised, updated or cleared.
    pub state: AlertEventKind,
    /// When first raised, UNIX s.
    pub raised_at: f64,
    /// When last raised or updated, UNIX s.
    pub updated_at: f64,
    /// When cleared, UNIX s.
    pub cleared_at: Option<f64>,
}

/// An intrusion alert that changed this cycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntrusionEvent {
    /// What happened.
    pub event: AlertEventKind,
    /// The alert after the change.
    pub intrusion: Intrusion,
}

#[derive(Debug, Clone)]
struct Tracked {
    alert: Intrusion,
    /// Time to entry published with the last event.
    published_tte_s: f64,
}

/// (track id, reservation id).
type PairKey = (String, String);

/// Stateful intrusion alerting, one alert per (track, reservation) pair, with the engine's
/// alert lifecycle ([`deconflict_engine::hysteresis`], as in [`deconflict_engine::Alerting`]):
/// a new pair is raised; a level increase is published at once, a decrease only after it
/// persisted for `hold_s`; a pair no longer predicted is cleared after `hold_s` of absence,
/// and continues under the same id if it comes back before. On top of that, a same-level
/// alert is re-published when its entry moved (see
/// [`IntrusionAlertConfig::update_min_change_s`]). Time never runs backwards (an earlier
/// `now_time` counts as no time passing).
#[derive(Debug, Clone)]
pub struct IntrusionAlerts {
    config: IntrusionAlertConfig,
    levels: AlertLevels,
    /// The highest of `levels`: inside a volume.
    inside_level: u8,
    /// The lowest of `levels`: a notice's advisories.
    lowest_level: u8,
    hysteresis: Hysteresis<PairKey>,
    /// The same keys as `hysteresis`, with the published alerts.
    active: BTreeMap<PairKey, Tracked>,
}

impl Default for IntrusionAlerts {
    fn default() -> Self {
        Self::new(IntrusionAlertConfig::default())
    }
}

impl IntrusionAlerts {
    /// No alerts yet, with the levels of [`IntrusionAlertConfig::levels`]. A negative or
    /// non-finite `hold_s` counts as 0.
    pub fn new(config: IntrusionAlertConfig) -> Self {
        Self::with_levels(config, config.levels())
    }

    /// No alerts yet, with other alert levels (thresholds on the time to entry); the
    /// thresholds in `config` are then not used. Inside a volume is the highest level.
    pub fn with_levels(mut config: IntrusionAlertConfig, levels: AlertLevels) -> Self {
        let hysteresis = Hysteresis::new(config.hold_s);
        config.hold_s = hysteresis.hold_s();
        Self {
            config,
            inside_level: levels.thresholds.iter().map(|t| t.level).max().unwrap_or(0),
            lowest_level: levels.thresholds.iter().map(|t| t.level).min().unwrap_or(0),
            levels,
            hysteresis,
            active: BTreeMap::new(),
        }
    }

    /// The alert level for a prediction (see [`IntrusionAlerts::level_for`]).
    pub fn level(&self, time_to_entry_s: f64, inside_now: bool) -> u8 {
        if inside_now {
            self.inside_level
        } else {
            self.levels.level_for(time_to_entry_s)
        }
    }

    /// The alert level for a prediction on a volume of `purpose`: a notice's volumes are
    /// advisory (the lowest level in use) however near or inside the aircraft is; every other
    /// purpose as [`IntrusionAlerts::level`].
    pub fn level_for(&self, purpose: Purpose, time_to_entry_s: f64, inside_now: bool) -> u8 {
        match purpose {
            Purpose::Notice => self.lowest_level,
            _ => self.level(time_to_entry_s, inside_now),
        }
    }

    /// Active alerts (including those absent but not yet cleared), sorted by level (highest
    /// first), then time to entry, then id.
    pub fn active(&self) -> Vec<&Intrusion> {
        let mut v: Vec<&Intrusion> = self.active.values().map(|t| &t.alert).collect();
        v.sort_by(|a, b| {
            b.level
                .cmp(&a.level)
                .then(a.time_to_entry_s.total_cmp(&b.time_to_entry_s))
                .then(a.id.cmp(&b.id))
        });
        v
    }

    /// Folds one cycle's predictions in (any order; per pair the earliest entry counts) and
    /// returns the events, sorted by (track, reservation).
    pub fn update(
        &mut self,
        predictions: &[IntrusionPrediction],
        now_time: f64,
    ) -> Vec<IntrusionEvent> {
        let mut best: BTreeMap<PairKey, &IntrusionPrediction> = BTreeMap::new();
        for p in predictions {
            let e = best
                .entry((p.track_id.clone(), p.reservation_id.clone()))
                .or_insert(p);
            if p.time_to_entry_s < e.time_to_entry_s {
                *e = p;
            }
        }
        let raw: Vec<(PairKey, u8)> = best
            .iter()
            .map(|(k, p)| {
                let level = self.level_for(p.purpose, p.time_to_entry_s, p.inside_now);
                (k.clone(), level)
            })
            .collect();
        let mut changes: BTreeMap<PairKey, (Change, Held)> = self
            .hysteresis
            .update(now_time, raw)
            .into_iter()
            .map(|t| (t.key, (t.change, t.held)))
            .collect();
        let now = self.hysteresis.now_s();
        let mut events: Vec<(PairKey, IntrusionEvent)> = Vec::new();
        for (key, p) in best {
            let change = changes.remove(&key);
            if let Some((Change::Raised, held)) = change {
                let alert = Intrusion {
                    id: format!("i-{}", held.id),
                    track_id: p.track_id.clone(),
                    track_party: p.track_party.clone(),
                    reservation_id: p.reservation_id.clone(),
                    volume_party: p.volume_party.clone(),
                    purpose: p.purpose,
                    volume_index: p.volume_index,
                    time_to_entry_s: p.time_to_entry_s,
                    inside_now: p.inside_now,
                    entry_point: p.entry_point,
                    level: held.level,
                    state: AlertEventKind::Raised,
                    raised_at: now,
                    updated_at: now,
                    cleared_at: None,
                };
                events.push((
                    key.clone(),
                    IntrusionEvent {
                        event: AlertEventKind::Raised,
                        intrusion: alert.clone(),
                    },
                ));
                self.active.insert(
                    key,
                    Tracked {
                        alert,
                        published_tte_s: p.time_to_entry_s,
                    },
                );
                continue;
            }
            let Some(t) = self.active.get_mut(&key) else {
                continue;
            };
            let a = &mut t.alert;
            let expected = (t.published_tte_s - (now - a.updated_at)).max(0.0);
            let moved = (p.time_to_entry_s - expected).abs() > self.config.update_min_change_s
                || p.inside_now != a.inside_now
                || p.volume_index != a.volume_index;
            a.time_to_entry_s = p.time_to_entry_s;
            a.inside_now = p.inside_now;
            a.entry_point = p.entry_point;
            a.volume_index = p.volume_index;
            let level_changed = change.map(|(_, held)| held.level);
            if let Some(level) = level_changed {
                a.level = level;
            }
            if moved || level_changed.is_some() {
                a.state = AlertEventKind::Updated;
                a.updated_at = now;
                t.published_tte_s = p.time_to_entry_s;
                events.push((
                    key,
                    IntrusionEvent {
                        event: AlertEventKind::Updated,
                        intrusion: a.clone(),
                    },
                ));
            }
        }
        // What remains are the pairs cleared after their absence.
        for (key, (change, _)) in changes {
            if change != Change::Cleared {
                continue;
            }
            if let Some(mut t) = self.active.remove(&key) {
                t.alert.state = AlertEventKind::Cleared;
                t.alert.cleared_at = Some(now);
                events.push((
                    key,
                    IntrusionEvent {
                        event: AlertEventKind::Cleared,
                        intrusion: t.alert,
                    },
                ));
            }
        }
        events.sort_by(|x, y| x.0.cmp(&y.0));
        events.into_iter().map(|(_, e)| e).collect()
    }
}
