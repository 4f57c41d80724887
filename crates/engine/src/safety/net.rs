//! [`SafetyNet`]: the operational layers over the pure detector, for tracks.
//!
//! One [`SafetyNet::evaluate`] per cycle takes the tracks ([`TrackSample`]: state, update
//! time, selected altitude, placement in the parameter regions) and returns the conflicts to
//! alert on. In order:
//!
//! 1. **Level occupancy** ([`super::vertical`]): a level-stable track is predicted level
//!    (no rate noise extrapolated).
//! 2. **Intent**: a climbing or descending track with a fresh selected altitude ahead of it
//!    is predicted to level off there ([`IntentConfig`]; SESAR enhanced STCA).
//! 3. **Candidates**: the detector runs once over the predicted states with the *envelope*
//!    standard (the largest minima and look-ahead of all regions) plus, for each track that
//!    levels off, a copy at its selected altitude. Every conflict under any region's
//!    parameters and the level-off profile is a conflict of one of these linear pieces under
//!    the envelope, so no pair is missed.
//! 4. **Per pair**, in this order, each one a named filter counted in [`FilterCounts`]:
//!    declared exemptions ([`Exemption`]), inhibition volumes, the level rule (two
//!    level-stable aircraft whose occupied levels are at least the vertical minimum apart
//!    are separated, whatever their reported difference), then the exact
//!    [`super::profile::profile_conflict`] test with the pair's region parameters.
//! 5. **Confirmation** ([`super::confirm`]): M of the last N distinct updates.
//!
//! **Regions.** Each track carries a [`Placement`]: the index of the parameter region it is
//! in ([`RegionParams`], or the default parameters outside all regions) and whether it is
//! inside an inhibition volume. A pair whose two aircraft are in the same region is judged
//! with that region's parameters. When they are in different regions the pair is judged
//! with the more protective combination: the larger horizontal and vertical minima, the
//! longer look-ahead, and the alert thresholds of the region with the longer look-ahead.
//! A pair with either aircraft inside an inhibition volume raises no alert (EUROCONTROL STCA
//! inhibition areas are per aircraft).
//!
//! [`Evaluation::predicted`] keeps every conflict after step 4, before confirmation: the
//! actual losses of separation (`t_in_s == 0`) are read from it, so a loss follows the same
//! rules (regions, level occupancy, inhibition) as the alerts.

use std::collections::HashMap;

use super::confirm::{ConfirmConfig, Confirmation};
use super::profile::{profile_conflict, Profile};
use super::vertical::{VerticalConfig, VerticalMode, VerticalTracker};
use crate::cpa::pair_conflict;
use crate::detect::{Conflict, DetectError, DetectOptions, Detector};
use crate::geodesy::Kinematics;
use crate::standard::{AlertLevels, ConfigError, SeparationStandard};
use crate::state::AircraftState;

/// Intent parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct IntentConfig {
    /// Use the selected altitude to cap the vertical prediction. Default true.
    pub enabled: bool,
    /// A selected altitude older than this is not used, seconds. Default 30 (BDS 4,0 and
    /// TC 29 are broadcast every few seconds while they change).
    pub max_age_s: f64,
}

impl Default for IntentConfig {
    fn default() -> Self {
        IntentConfig {
            enabled: true,
            max_age_s: 30.0,
        }
    }
}

/// The safety net's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct SafetyNetConfig {
    /// Level occupancy.
    pub vertical: VerticalConfig,
    /// Selected-altitude capture.
    pub intent: IntentConfig,
    /// M-of-N confirmation.
    pub confirm: ConfirmConfig,
    /// Apply level occupancy (level-stable tracks predicted level, and the level rule).
    /// Default true.
    pub level_occupancy: bool,
}

impl Default for SafetyNetConfig {
    fn default() -> Self {
        SafetyNetConfig {
            vertical: VerticalConfig::default(),
            intent: IntentConfig::default(),
            confirm: ConfirmConfig::default(),
            level_occupancy: true,
        }
    }
}

/// The separation standard and alert thresholds of one parameter region.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RegionParams {
    /// Region name, for reports.
    pub name: String,
    /// Minima and look-ahead.
    pub standard: SeparationStandard,
    /// Alert thresholds.
    pub levels: AlertLevels,
}

/// Where a track is with respect to the regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Placement {
    /// Index into the region parameters given to [`SafetyNet::set_regions`]; `None` = the
    /// default parameters.
    pub region: Option<u32>,
    /// Inside an inhibition volume.
    pub inhibited: bool,
}

/// Places positions in the parameter regions and inhibition volumes (implemented over the
/// cell's region set; [`NoRegions`] places everything in the default parameters).
pub trait Locator: Send + Sync {
    /// The placement of a position.
    fn locate(&self, lat_deg: f64, lon_deg: f64, alt_ft: f64) -> Placement;
    /// The parameters of each region index [`Locator::locate`] returns.
    fn params(&self) -> Vec<RegionParams>;
}

/// No regions at all.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRegions;

impl Locator for NoRegions {
    fn locate(&self, _: f64, _: f64, _: f64) -> Placement {
        Placement::default()
    }
    fn params(&self) -> Vec<RegionParams> {
        Vec::new()
    }
}

/// One track as the safety net takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackSample {
    /// Kinematic state now (extrapolated to the cycle time).
    pub state: AircraftState,
    /// Time of the track's latest surveillance update, seconds.
    pub updated_s: f64,
    /// Selected altitude, feet, with its age in seconds, when known.
    pub selected_alt: Option<(f64, f64)>,
    /// Regions.
    pub placement: Placement,
    /// The track's vertical mode when the caller keeps a vertical tracker per track (the
    /// track table does, updated at every altitude update); `None` = the safety net keeps
    /// one, updated from this sample's altitude at each new `updated_s`.
    pub vertical: Option<VerticalMode>,
}

/// A declared group whose members are not alerted against each other (a formation, an
/// air-to-air refuelling group) between two times.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Exemption {
    /// Identifier, for reports.
    pub id: String,
    /// Track ids in the group.
    pub tracks: Vec<String>,
    /// From, seconds.
    pub start_s: f64,
    /// Until, seconds.
    pub end_s: f64,
}

/// Pair-cycles removed by each filter (a raw conflict is one the pure detector finds with
/// the default standard on the reported states; each is counted under the first filter that
/// removes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FilterCounts {
    /// Raw conflicts seen.
    pub raw: u64,
    /// Inside a declared exemption group.
    pub exemption: u64,
    /// Either aircraft inside an inhibition volume.
    pub inhibition: u64,
    /// Both level-stable at levels at least the vertical minimum apart.
    pub level_occupancy: u64,
    /// Not a conflict under the pair's region parameters.
    pub regions: u64,
    /// Not a conflict once level-stable tracks are predicted level.
    pub level_rate_noise: u64,
    /// Not a conflict once aircraft level off at their selected altitudes.
    pub intent: u64,
    /// Predicted but not (yet) confirmed by M of N updates.
    pub confirmation: u64,
    /// Conflicts predicted by the safety net that the raw detector does not find
    /// (level-offs at another's level, smaller minima do not add any).
    pub added_by_intent: u64,
}

impl std::ops::AddAssign for FilterCounts {
    fn add_assign(&mut self, o: Self) {
        self.raw += o.raw;
        self.exemption += o.exemption;
        self.inhibition += o.inhibition;
        self.level_occupancy += o.level_occupancy;
        self.regions += o.regions;
        self.level_rate_noise += o.level_rate_noise;
        self.intent += o.intent;
        self.confirmation += o.confirmation;
        self.added_by_intent += o.added_by_intent;
    }
}

/// Which filter removed a raw conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Filter {
    /// See [`FilterCounts::exemption`].
    Exemption,
    /// See [`FilterCounts::inhibition`].
    Inhibition,
    /// See [`FilterCounts::level_occupancy`].
    LevelOccupancy,
    /// See [`FilterCounts::regions`].
    Regions,
    /// See [`FilterCounts::level_rate_noise`].
    LevelRateNoise,
    /// See [`FilterCounts::intent`].
    Intent,
    /// See [`FilterCounts::confirmation`].
    Confirmation,
}

/// The result of one cycle.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evaluation {
    /// Conflicts after the filters, before confirmation, sorted by `(a, b)`.
    pub predicted: Vec<Conflict>,
    /// Conflicts to alert on (confirmed, at their confirmed level), sorted by `(a, b)`.
    pub confirmed: Vec<Conflict>,
    /// Raw conflicts (default standard, reported states), when asked for.
    pub raw: Vec<Conflict>,
    /// Raw conflicts removed this cycle, with the filter that removed them.
    pub removed: Vec<(String, String, Filter)>,
    /// Counts of this cycle.
    pub counts: FilterCounts,
    /// Candidate pairs from the envelope detection.
    pub candidates: usize,
}

/// The stateful safety net. See the module documentation.
pub struct SafetyNet {
    cfg: SafetyNetConfig,
    default: RegionParams,
    regions: Vec<RegionParams>,
    exemptions: Vec<Exemption>,
    /// Vertical trackers of the last cycle's tracks, sorted by id (merged with each cycle's
    /// sorted tracks: no hashing, no allocation but for new tracks).
    vertical: Vec<(String, VerticalTracker)>,
    confirm: Confirmation,
    envelope: Detector,
    raw: Option<Detector>,
    threads: usize,
    /// The detector's input, kept across cycles: slot `i` holds track `i`'s predicted state
    /// under the id `{i:08}` (byte order = index order, so the detector sorts and compares
    /// short ids only), then the level-off copies under `~{k:07}`.
    states: Vec<AircraftState>,
    work: Vec<Work>,
}

impl std::fmt::Debug for SafetyNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SafetyNet")
            .field("cfg", &self.cfg)
            .field("regions", &self.regions.len())
            .finish_non_exhaustive()
    }
}

/// Per-track working values of one cycle.
#[derive(Clone, Copy)]
struct Work {
    /// Occupied level when level-stable (and level occupancy is on).
    level_ft: Option<f64>,
    /// Where the track levels off (its selected altitude), when it does.
    level_off_ft: Option<f64>,
}

impl Work {
    /// The predicted profile of `s`: level when level-stable, levelling off at the selected
    /// altitude when there is one (and `intent`), else linear.
    fn profile(&self, s: &AircraftState, intent: bool) -> Profile {
        let mut kin = Kinematics::from_state(s);
        if self.level_ft.is_some() {
            kin.vs_fps = 0.0;
            return Profile::linear(kin);
        }
        match self.level_off_ft {
            Some(alt) if intent => {
                let p = Profile::level_off(kin, alt);
                if p.level_off_s <= 0.0 {
                    kin.vs_fps = 0.0;
                    Profile::linear(kin)
                } else {
                    p
                }
            }
            _ => Profile::linear(kin),
        }
    }
}

impl SafetyNet {
    /// A safety net with default parameters `opts` (standard, alert levels, threads) outside
    /// every region. With `with_raw`, each cycle also runs the pure detector on the reported
    /// states, so that [`Evaluation::raw`] and the filter attribution are filled (replay).
    ///
    /// # Errors
    /// [`DetectError`] for invalid options.
    pub fn new(
        cfg: SafetyNetConfig,
        opts: DetectOptions,
        with_raw: bool,
    ) -> Result<Self, DetectError> {
        opts.standard.validate()?;
        opts.levels.validate()?;
        let default = RegionParams {
            name: "default".into(),
            standard: opts.standard,
            levels: opts.levels.clone(),
        };
        let raw = if with_raw {
            Some(Detector::new(opts.clone())?)
        } else {
            None
        };
        Ok(SafetyNet {
            confirm: Confirmation::new(cfg.confirm),
            cfg,
            envelope: Detector::new(opts.clone())?,
            default,
            regions: Vec::new(),
            exemptions: Vec::new(),
            vertical: Vec::new(),
            raw,
            threads: opts.threads,
            states: Vec::new(),
            work: Vec::new(),
        })
    }

    /// The detector slot `i`, created or given its track id `{i:08}` when needed (a slot
    /// that held a level-off copy, `~…`, gets its track id back).
    fn slot(&mut self, i: usize) -> &mut AircraftState {
        if i >= self.states.len() {
            self.states.push(AircraftState {
                id: format!("{i:08}"),
                party: None,
                lat_deg: 0.0,
                lon_deg: 0.0,
                alt_ft: 0.0,
                gs_kt: 0.0,
                trk_deg: 0.0,
                vs_fpm: 0.0,
            });
        } else if self.states[i].id.starts_with('~') {
            self.states[i].id = format!("{i:08}");
        }
        &mut self.states[i]
    }

    /// The configuration.
    pub fn config(&self) -> &SafetyNetConfig {
        &self.cfg
    }

    /// Replaces the parameter regions (indexed by [`Placement::region`]).
    ///
    /// # Errors
    /// [`ConfigError`] for an invalid standard or alert levels; the regions are unchanged.
    pub fn set_regions(&mut self, regions: Vec<RegionParams>) -> Result<(), DetectError> {
        for r in &regions {
            r.standard.validate()?;
            r.levels.validate()?;
        }
        let mut env = self.default.standard;
        for r in &regions {
            env.h_sep_nm = env.h_sep_nm.max(r.standard.h_sep_nm);
            env.v_sep_ft = env.v_sep_ft.max(r.standard.v_sep_ft);
            env.lookahead_s = env.lookahead_s.max(r.standard.lookahead_s);
        }
        if env != self.envelope.options().standard {
            self.envelope = Detector::new(DetectOptions {
                standard: env,
                levels: self.default.levels.clone(),
                threads: self.threads,
            })?;
        }
        self.regions = regions;
        Ok(())
    }

    /// The parameter regions.
    pub fn regions(&self) -> &[RegionParams] {
        &self.regions
    }

    /// Replaces the declared exemptions.
    pub fn set_exemptions(&mut self, exemptions: Vec<Exemption>) {
        self.exemptions = exemptions;
    }

    /// The vertical mode of a track the safety net tracks itself (samples without
    /// [`TrackSample::vertical`]), as of the last cycle.
    pub fn vertical_mode(&self, id: &str) -> Option<VerticalMode> {
        self.vertical
            .binary_search_by(|(k, _)| k.as_str().cmp(id))
            .ok()
            .map(|i| self.vertical[i].1.mode())
    }

    fn params(&self, region: Option<u32>) -> &RegionParams {
        region
            .and_then(|i| self.regions.get(i as usize))
            .unwrap_or(&self.default)
    }

    fn pair_params(&self, a: Placement, b: Placement) -> (SeparationStandard, &AlertLevels) {
        let pa = self.params(a.region);
        if a.region == b.region {
            return (pa.standard, &pa.levels);
        }
        let pb = self.params(b.region);
        let std = SeparationStandard {
            h_sep_nm: pa.standard.h_sep_nm.max(pb.standard.h_sep_nm),
            v_sep_ft: pa.standard.v_sep_ft.max(pb.standard.v_sep_ft),
            lookahead_s: pa.standard.lookahead_s.max(pb.standard.lookahead_s),
        };
        let levels = if pb.standard.lookahead_s > pa.standard.lookahead_s {
            &pb.levels
        } else {
            &pa.levels
        };
        (std, levels)
    }

    /// One cycle at `now_s` over `tracks` (unique ids; fastest when sorted by id, as the
    /// track table gives them).
    ///
    /// # Errors
    /// [`DetectError`] for an invalid state or a duplicate id.
    pub fn evaluate(
        &mut self,
        now_s: f64,
        tracks: &[TrackSample],
    ) -> Result<Evaluation, DetectError> {
        let cfg = self.cfg;
        let n = tracks.len();
        // Ids: sorted input is searched in place; otherwise indexed.
        let sorted = tracks.windows(2).all(|w| w[0].state.id < w[1].state.id);
        let index: HashMap<&str, u32> = if sorted {
            HashMap::new()
        } else {
            let m: HashMap<&str, u32> = tracks
                .iter()
                .enumerate()
                .map(|(i, t)| (t.state.id.as_str(), i as u32))
                .collect();
            if m.len() != n {
                let mut seen = std::collections::HashSet::new();
                let dup = tracks
                    .iter()
                    .find(|t| !seen.insert(t.state.id.as_str()))
                    .map(|t| t.state.id.clone())
                    .unwrap_or_default();
                return Err(DetectError::DuplicateId { id: dup });
            }
            m
        };
        let find = |id: &str| -> Option<u32> {
            if sorted {
                tracks
                    .binary_search_by(|t| t.state.id.as_str().cmp(id))
                    .ok()
                    .map(|i| i as u32)
            } else {
                index.get(id).copied()
            }
        };
        // 1-2. Vertical state and the predicted states (level-stable: level; levelling: a
        // second, level copy at the selected altitude for the candidate search).
        self.work.clear();
        let mut ghosts: Vec<u32> = Vec::new();
        // Vertical trackers, merged in id order with the previous cycle's.
        let order_ids: Vec<u32> = if sorted {
            (0..n as u32).collect()
        } else {
            let mut o: Vec<u32> = (0..n as u32).collect();
            o.sort_unstable_by(|&x, &y| {
                tracks[x as usize]
                    .state
                    .id
                    .cmp(&tracks[y as usize].state.id)
            });
            o
        };
        let mut old = std::mem::take(&mut self.vertical).into_iter().peekable();
        let mut modes = vec![VerticalMode::Unknown; n];
        let mut next = Vec::new();
        for &i in &order_ids {
            let t = &tracks[i as usize];
            if let Some(m) = t.vertical {
                modes[i as usize] = m;
                continue;
            }
            let id = t.state.id.as_str();
            while old.peek().is_some_and(|(k, _)| k.as_str() < id) {
                old.next();
            }
            let (key, mut v) = match old.peek() {
                Some((k, _)) if k.as_str() == id => old.next().unwrap_or_default(),
                _ => (t.state.id.clone(), VerticalTracker::default()),
            };
            v.update(&cfg.vertical, t.state.alt_ft, t.state.vs_fpm, t.updated_s);
            modes[i as usize] = v.mode();
            next.push((key, v));
        }
        drop(old);
        self.vertical = next;
        for (i, t) in tracks.iter().enumerate() {
            let s = &t.state;
            let level_ft = match (cfg.level_occupancy, modes[i]) {
                (true, VerticalMode::Level { level_ft }) => Some(level_ft),
                _ => None,
            };
            let level_off_ft = if level_ft.is_none() && cfg.intent.enabled {
                selected_level(&cfg, s, t.selected_alt)
            } else {
                None
            };
            let w = Work {
                level_ft,
                level_off_ft,
            };
            let st = self.slot(i);
            st.lat_deg = s.lat_deg;
            st.lon_deg = s.lon_deg;
            st.alt_ft = s.alt_ft;
            st.gs_kt = s.gs_kt;
            st.trk_deg = s.trk_deg;
            st.vs_fpm = s.vs_fpm;
            if level_ft.is_some() {
                st.vs_fpm = 0.0;
            }
            if let Some(alt) = level_off_ft {
                if (alt - s.alt_ft) * s.vs_fpm > 0.0 {
                    ghosts.push(i as u32);
                } else {
                    // At its selected altitude already: level now.
                    st.vs_fpm = 0.0;
                }
            }
            self.work.push(w);
        }
        for (k, &g) in ghosts.iter().enumerate() {
            let src = tracks[g as usize].state.clone();
            let alt = self.work[g as usize].level_off_ft.unwrap_or(src.alt_ft);
            let st = self.slot(n + k);
            st.id.clear();
            st.id.push_str(&format!("~{k:07}"));
            st.lat_deg = src.lat_deg;
            st.lon_deg = src.lon_deg;
            st.alt_ft = alt;
            st.gs_kt = src.gs_kt;
            st.trk_deg = src.trk_deg;
            st.vs_fpm = 0.0;
        }
        self.states.truncate(n + ghosts.len());

        // 3. Candidates (input indices; a ghost stands for its track).
        let owner = |k: u32| -> u32 {
            if (k as usize) < n {
                k
            } else {
                ghosts[k as usize - n]
            }
        };
        let env = self
            .envelope
            .detect_pairs(&self.states)
            .map_err(|e| match e {
                DetectError::InvalidState { index, source, .. } => {
                    let index = if index < n {
                        index
                    } else {
                        ghosts[index - n] as usize
                    };
                    DetectError::InvalidState {
                        index,
                        id: tracks[index].state.id.clone(),
                        source,
                    }
                }
                e => e,
            })?;
        let mut pairs: Vec<(u32, u32)> = env
            .into_iter()
            .filter_map(|(a, b)| {
                let (a, b) = (owner(a), owner(b));
                (a != b).then(|| order(tracks, a, b))
            })
            .collect();
        let (raw, raw_pairs) = match &mut self.raw {
            Some(det) => {
                let reported: Vec<AircraftState> = tracks.iter().map(|t| t.state.clone()).collect();
                let conflicts = det.detect(&reported)?.conflicts;
                let rp: Vec<(u32, u32)> = conflicts
                    .iter()
                    .filter_map(|c| Some(order(tracks, find(&c.a)?, find(&c.b)?)))
                    .collect();
                (conflicts, rp)
            }
            None => (Vec::new(), Vec::new()),
        };
        pairs.extend(raw_pairs.iter().copied());
        pairs.sort_unstable_by(|x, y| {
            (
                &tracks[x.0 as usize].state.id,
                &tracks[x.1 as usize].state.id,
            )
                .cmp(&(
                    &tracks[y.0 as usize].state.id,
                    &tracks[y.1 as usize].state.id,
                ))
        });
        pairs.dedup();
        let candidates = pairs.len();
        let raw_set: std::collections::HashSet<(u32, u32)> = raw_pairs.into_iter().collect();

        // 4. Per pair.
        let mut counts = FilterCounts {
            raw: raw_set.len() as u64,
            ..FilterCounts::default()
        };
        let mut removed = Vec::new();
        let mut predicted = Vec::new();
        let mut predicted_idx = Vec::new();
        for &(a, b) in &pairs {
            let (ta, tb) = (&tracks[a as usize], &tracks[b as usize]);
            let (wa, wb) = (self.work[a as usize], self.work[b as usize]);
            let is_raw = raw_set.contains(&(a, b));
            match self.judge(now_s, ta, tb, wa, wb, is_raw) {
                Ok((c, level)) => {
                    if level == 0 {
                        continue;
                    }
                    if !is_raw {
                        counts.added_by_intent += 1;
                    }
                    predicted.push(Conflict {
                        a: ta.state.id.as_str().into(),
                        b: tb.state.id.as_str().into(),
                        tcpa_s: c.tcpa_s,
                        dcpa_m: c.dcpa_m,
                        vsep_cpa_ft: c.vsep_cpa_ft,
                        t_in_s: c.t_in_s,
                        t_out_s: c.t_out_s,
                        level,
                        cross_party: ta.state.party != tb.state.party,
                    });
                    predicted_idx.push((a, b));
                }
                Err(Some(f)) if is_raw => {
                    match f {
                        Filter::Exemption => counts.exemption += 1,
                        Filter::Inhibition => counts.inhibition += 1,
                        Filter::LevelOccupancy => counts.level_occupancy += 1,
                        Filter::Regions => counts.regions += 1,
                        Filter::LevelRateNoise => counts.level_rate_noise += 1,
                        Filter::Intent => counts.intent += 1,
                        Filter::Confirmation => counts.confirmation += 1,
                    }
                    removed.push((ta.state.id.clone(), tb.state.id.clone(), f));
                }
                Err(_) => {}
            }
        }

        // 5. Confirmation.
        self.confirm.begin();
        let mut confirmed = Vec::with_capacity(predicted.len());
        for (c, &(a, b)) in predicted.iter().zip(&predicted_idx) {
            let (ua, ub) = (tracks[a as usize].updated_s, tracks[b as usize].updated_s);
            let level = self.confirm.sample(&c.a, &c.b, c.level, ua, ub);
            if level > 0 {
                let mut k = c.clone();
                k.level = level;
                confirmed.push(k);
            } else if raw_set.contains(&(a, b)) {
                counts.confirmation += 1;
                removed.push((c.a.to_string(), c.b.to_string(), Filter::Confirmation));
            }
        }
        for (a, b) in self.confirm.unsampled() {
            if let (Some(ia), Some(ib)) = (find(&a), find(&b)) {
                let (ua, ub) = (tracks[ia as usize].updated_s, tracks[ib as usize].updated_s);
                self.confirm.sample(&a, &b, 0, ua, ub);
            }
        }
        self.confirm.end();
        Ok(Evaluation {
            predicted,
            confirmed,
            raw,
            removed,
            counts,
            candidates,
        })
    }

    /// Steps 4's filters on one ordered pair: the conflict and its level, or the filter that
    /// removed it (`None` when the pair is simply not in conflict).
    fn judge(
        &self,
        now_s: f64,
        ta: &TrackSample,
        tb: &TrackSample,
        wa: Work,
        wb: Work,
        is_raw: bool,
    ) -> Result<(crate::cpa::PairConflict, u8), Option<Filter>> {
        let (ida, idb) = (ta.state.id.as_str(), tb.state.id.as_str());
        if self.exemptions.iter().any(|e| {
            e.start_s <= now_s
                && now_s < e.end_s
                && e.tracks.iter().any(|t| t == ida)
                && e.tracks.iter().any(|t| t == idb)
        }) {
            return Err(Some(Filter::Exemption));
        }
        if ta.placement.inhibited || tb.placement.inhibited {
            return Err(Some(Filter::Inhibition));
        }
        let (std, levels) = self.pair_params(ta.placement, tb.placement);
        if let (Some(la), Some(lb)) = (wa.level_ft, wb.level_ft) {
            if (la - lb).abs() >= std.v_sep_ft {
                return Err(Some(Filter::LevelOccupancy));
            }
        }
        let (pa, pb) = (
            wa.profile(&ta.state, self.cfg.intent.enabled),
            wb.profile(&tb.state, self.cfg.intent.enabled),
        );
        let Some(c) = profile_conflict(&pa, &pb, &std) else {
            if !is_raw {
                return Err(None);
            }
            // Attribute: which step removed this raw conflict.
            let (ka, kb) = (
                Kinematics::from_state(&ta.state),
                Kinematics::from_state(&tb.state),
            );
            if pair_conflict(&ka, &kb, &std).is_none() {
                return Err(Some(Filter::Regions));
            }
            if profile_conflict(
                &wa.profile(&ta.state, false),
                &wb.profile(&tb.state, false),
                &std,
            )
            .is_none()
            {
                return Err(Some(Filter::LevelRateNoise));
            }
            return Err(Some(Filter::Intent));
        };
        Ok((c, levels.level_for(c.t_in_s)))
    }
}

fn order(tracks: &[TrackSample], a: u32, b: u32) -> (u32, u32) {
    if tracks[a as usize].state.id <= tracks[b as usize].state.id {
        (a, b)
    } else {
        (b, a)
    }
}

/// The selected altitude a climbing or descending aircraft will level off at, or `None`
/// when it is missing, stale, or not ahead of the aircraft (beyond the level tolerance).
fn selected_level(
    cfg: &SafetyNetConfig,
    s: &AircraftState,
    sel: Option<(f64, f64)>,
) -> Option<f64> {
    let (sel_ft, age_s) = sel?;
    if !(sel_ft.is_finite() && age_s.is_finite() && age_s <= cfg.intent.max_age_s) {
        return None;
    }
    if s.vs_fpm.abs() <= cfg.vertical.dead_band_fpm {
        return None;
    }
    let dz = sel_ft - s.alt_ft;
    if dz * s.vs_fpm < 0.0 {
        // Behind the aircraft: reached already (within the tolerance) or not its target.
        return (dz.abs() <= cfg.vertical.level_tolerance_ft).then_some(s.alt_ft);
    }
    Some(sel_ft)
}

/// Checks a [`SafetyNetConfig`].
///
/// # Errors
/// [`ConfigError::NotPositive`] for a negative tolerance.
pub fn validate_config(cfg: &SafetyNetConfig) -> Result<(), ConfigError> {
    for (field, value) in [
        ("level_tolerance_ft", cfg.vertical.level_tolerance_ft),
        ("vacate_ft", cfg.vertical.vacate_ft),
        ("dead_band_fpm", cfg.vertical.dead_band_fpm),
        ("level_step_ft", cfg.vertical.level_step_ft),
        ("max_age_s", cfg.intent.max_age_s),
    ] {
        if !(value.is_finite() && value >= 0.0) {
            return Err(ConfigError::NotPositive { field, value });
        }
    }
    Ok(())
}
