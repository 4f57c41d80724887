//! The strategic state in memory: every reservation (documents and their spatial index), the
//! intrusion detector over them (rebuilt only when a reservation changed) and the active
//! intrusion alerts; and the housekeeping that records what time changes — reservations
//! becoming active or ended, requests expiring.
//!
//! The store is the truth: the state is loaded at start-up and changed only after the store
//! committed a change. Filings, updates and cancels are serialised by one async mutex
//! (`writes`), so a check and the filing it allows cannot interleave with another filing.

use crate::config::StrategicConfig;
use crate::domain::alerts::sort_by_urgency;
use crate::domain::ids::id_number;
use crate::domain::intrusions::{visible, IntrusionRecord};
use crate::domain::notices;
use crate::domain::policy::Viewer;
use crate::domain::requests::{change_of, RequestDoc};
use crate::domain::reservations::ReservationDoc;
use crate::live::Live;
use crate::wire;
use deconflict_airspace::{
    IntrusionAlertConfig, IntrusionAlerts, IntrusionDetector, ReservationIndex, ReservationState,
};
use deconflict_store::{Store, StoreError, StoreResult};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};

/// The strategic state of one server.
pub struct Strategic {
    /// Every reservation (any state), by id.
    pub(crate) docs: RwLock<BTreeMap<String, ReservationDoc>>,
    /// The same reservations, spatially indexed.
    pub(crate) index: RwLock<ReservationIndex>,
    /// The detector over the index, rebuilt when `dirty`.
    pub(crate) detector: Mutex<(bool, Arc<IntrusionDetector>)>,
    /// Intrusion alerting.
    pub(crate) alerts: Mutex<IntrusionAlerts>,
    /// Active intrusion alerts, by id.
    pub(crate) active: RwLock<BTreeMap<String, IntrusionRecord>>,
    /// Serialises every change to reservations.
    pub(crate) writes: tokio::sync::Mutex<()>,
    /// Advance notices with airspace of their own still to come, by id (`domain::notices`);
    /// their volumes are watched by the detector beside the reservations.
    pub(crate) notices: RwLock<BTreeMap<String, RequestDoc>>,
}

impl Default for Strategic {
    fn default() -> Self {
        Strategic {
            docs: RwLock::new(BTreeMap::new()),
            index: RwLock::new(ReservationIndex::new()),
            detector: Mutex::new((true, Arc::new(IntrusionDetector::default()))),
            alerts: Mutex::new(IntrusionAlerts::new(IntrusionAlertConfig::default())),
            active: RwLock::new(BTreeMap::new()),
            writes: tokio::sync::Mutex::new(()),
            notices: RwLock::new(BTreeMap::new()),
        }
    }
}

impl Strategic {
    /// Empty state with the configured alert levels.
    pub fn new(config: &StrategicConfig) -> Strategic {
        Strategic {
            alerts: Mutex::new(IntrusionAlerts::new(config.intrusion)),
            ..Strategic::default()
        }
    }

    /// Puts a stored reservation in memory (index and documents) and marks the detector stale.
    /// A reservation the index refuses (it passed validation when filed, so only a changed
    /// limit can cause this) is kept for display and logged.
    pub(crate) fn put(&self, doc: ReservationDoc, now: f64) {
        let core = doc.core(now);
        {
            let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = index.insert(core) {
                tracing::warn!(id = %doc.id, error = %e, "reservation not indexed");
                index.remove(&doc.id);
            }
        }
        self.docs
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(doc.id.clone(), doc);
        self.detector.lock().unwrap_or_else(|e| e.into_inner()).0 = true;
    }

    /// One reservation's document.
    pub fn get(&self, id: &str) -> Option<ReservationDoc> {
        self.docs
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    /// Active intrusions visible to `v`, most urgent first.
    pub fn active_for(&self, v: &Viewer) -> Vec<IntrusionRecord> {
        let mut list: Vec<IntrusionRecord> = self
            .active
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter(|i| visible(v, i))
            .cloned()
            .collect();
        sort_by_urgency(&mut list, v);
        list
    }

    /// Takes into the active intrusion `id` the acknowledgements of `updated` (as stored).
    pub fn take_acks(&self, id: &str, updated: &IntrusionRecord) {
        let mut active = self.active.write().unwrap_or_else(|e| e.into_inner());
        if let Some(a) = active.get_mut(id) {
            a.keep_acks(updated);
        }
    }

    /// Every reservation, in id order of filing (`r-2` before `r-10`).
    pub fn all(&self) -> Vec<ReservationDoc> {
        let mut v: Vec<ReservationDoc> = self
            .docs
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        v.sort_by_key(|d| id_number(&d.id));
        v
    }

    /// The live exclusions at `now` (`domain::exclusions::watches`), read in place: the
    /// intrusion cycle asks every cycle, and copying every reservation for it would cost
    /// what the check itself does.
    pub fn exclusion_watches(&self, now: f64) -> crate::domain::exclusions::Watches {
        let docs = self.docs.read().unwrap_or_else(|e| e.into_inner());
        crate::domain::exclusions::watches(docs.values(), now)
    }

    /// The detector, rebuilt first if reservations or notices changed.
    pub(crate) fn detector(&self) -> Arc<IntrusionDetector> {
        // Lock order: `notices` is never held while `detector` is taken (put_notice and
        // prune_notices set the flag after releasing it), so the notices are copied first.
        let notice_cores: Vec<_> = self
            .notices
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter_map(|n| notices::core(n, f64::NEG_INFINITY))
            .collect();
        let mut d = self.detector.lock().unwrap_or_else(|e| e.into_inner());
        if d.0 {
            let index = self.index.read().unwrap_or_else(|e| e.into_inner());
            d.1 = Arc::new(IntrusionDetector::from_index_and(&index, &notice_cores));
            d.0 = false;
        }
        d.1.clone()
    }

    /// Keeps notice `d` in memory while it has airspace still to come (else forgets it), and
    /// marks the detector stale when that changed what is watched.
    pub(crate) fn put_notice(&self, d: &RequestDoc, now: f64) {
        let changed = {
            let mut n = self.notices.write().unwrap_or_else(|e| e.into_inner());
            if notices::watched(d, now) {
                let volumes_changed = n
                    .get(&d.id)
                    .is_none_or(|old| notices::volumes_of(old) != notices::volumes_of(d));
                n.insert(d.id.clone(), d.clone());
                volumes_changed
            } else {
                n.remove(&d.id).is_some()
            }
        };
        if changed {
            self.detector.lock().unwrap_or_else(|e| e.into_inner()).0 = true;
        }
    }

    /// Forgets the notices whose airspace is over at `now`.
    pub(crate) fn prune_notices(&self, now: f64) {
        let pruned = {
            let mut n = self.notices.write().unwrap_or_else(|e| e.into_inner());
            let before = n.len();
            n.retain(|_, d| notices::watched(d, now));
            n.len() != before
        };
        if pruned {
            self.detector.lock().unwrap_or_else(|e| e.into_inner()).0 = true;
        }
    }

    /// What an intrusion on notice `id` is called: "notice q-5: <its message's first line>".
    pub fn notice_name(&self, id: &str) -> Option<String> {
        let n = self.notices.read().unwrap_or_else(|e| e.into_inner());
        n.get(id).map(notices::name_of)
    }

    /// The notices watched at `now` (`domain::notices::watches`).
    pub fn notice_watches(&self, now: f64) -> notices::Watches {
        let n = self.notices.read().unwrap_or_else(|e| e.into_inner());
        notices::watches(n.values(), now)
    }

    /// Notice `d` as shown at `now`, with the recipients' reservations crossing it.
    pub fn notice_shown(&self, d: &RequestDoc, now: f64) -> RequestDoc {
        let mut shown = d.at(now);
        if notices::watched(d, now) {
            let index = self.index.read().unwrap_or_else(|e| e.into_inner());
            let docs = self.docs.read().unwrap_or_else(|e| e.into_inner());
            shown.crossings =
                notices::crossings(d, &index, |id| docs.get(id).map(|r| r.name.clone()), now);
        }
        shown
    }

    /// The watched notices that `volumes` of a reservation of `party` cross at `now`: each as
    /// shown (with all its crossings) and the advisory for the filing.
    pub fn notices_crossed(
        &self,
        party: &str,
        volumes: &[deconflict_airspace::Volume],
        now: f64,
    ) -> Vec<(RequestDoc, notices::NoticeAdvisory)> {
        let crossed: Vec<(RequestDoc, notices::NoticeAdvisory)> = self
            .notices
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter_map(|d| Some((d.clone(), notices::advisory(d, party, volumes, now)?)))
            .collect();
        crossed
            .into_iter()
            .map(|(d, a)| (self.notice_shown(&d, now), a))
            .collect()
    }

    /// Loads every reservation, and the notices with airspace still to come, from the store.
    ///
    /// # Errors
    /// The store failed.
    pub fn load(&self, store: &dyn Store, now: f64) -> StoreResult<usize> {
        let list = store.list_reservations()?;
        let n = list.len();
        for rec in list {
            let id = rec.id.clone();
            match ReservationDoc::from_record(rec) {
                Ok(doc) => self.put(doc, now),
                Err(e) => tracing::error!(id = %id, error = %e, "stored reservation unreadable"),
            }
        }
        for rec in store.list_requests()? {
            let id = rec.id.clone();
            match RequestDoc::from_record(rec) {
                Ok(d) => self.put_notice(&d, now),
                Err(e) => tracing::error!(id = %id, error = %e, "stored request unreadable"),
            }
        }
        Ok(n)
    }
}

/// Loads the stored reservations (the intrusions a previous leader left active are cleared
/// by the next leader, `live::intrusions`).
///
/// # Errors
/// The store failed.
pub fn load(strategic: &Strategic, store: &dyn Store, now: f64) -> StoreResult<()> {
    let n = strategic.load(store, now)?;
    tracing::info!(reservations = n, "strategic state loaded");
    Ok(())
}

/// Marks pending requests past `expires_at` as expired (audited, streamed). Returns how many.
///
/// # Errors
/// The store failed.
pub async fn expire_requests(store: Arc<dyn Store>, live: &Live, now: f64) -> StoreResult<usize> {
    let st = store.clone();
    let recs = match tokio::task::spawn_blocking(move || st.list_requests()).await {
        Ok(r) => r?,
        Err(e) => {
            tracing::error!(error = %e, "request expiry task failed");
            return Ok(0);
        }
    };
    let mut n = 0;
    for rec in recs {
        let (id, version) = (rec.id.clone(), rec.version);
        let Ok(d) = RequestDoc::from_record(rec) else {
            tracing::error!(id = %id, "stored request unreadable");
            continue;
        };
        let Some(expired) = d.expired(now) else {
            continue;
        };
        let change = change_of(&expired);
        let st = store.clone();
        let res = tokio::task::spawn_blocking(move || {
            st.update_request("system", "request.expire", &id, version, &change)
        })
        .await;
        match res {
            Ok(Ok(rec)) => {
                if let Ok(d) = RequestDoc::from_record(rec) {
                    live.publish_request("expired", &d, now);
                    n += 1;
                }
            }
            // Answered meanwhile: the answer wins.
            Ok(Err(StoreError::StaleVersion { .. })) => {}
            Ok(Err(e)) => return Err(e),
            Err(e) => tracing::error!(error = %e, "request expiry task failed"),
        }
    }
    Ok(n)
}

/// Records time-driven reservation states (active, ended) that the store does not have yet.
pub async fn advance_reservations(
    strategic: &Strategic,
    store: &Arc<dyn Store>,
    live: &Live,
    now: f64,
) {
    let _writes = strategic.writes.lock().await;
    // Only the few that changed are cloned (the scan itself is O(n) without allocation).
    let changed: Vec<ReservationDoc> = strategic
        .docs
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .filter(|d| d.state_at(now) != d.state)
        .cloned()
        .collect();
    if changed.is_empty() {
        return;
    }
    let mut batch = Vec::with_capacity(changed.len());
    for d in changed {
        let new = d.state_at(now);
        let action = match new {
            ReservationState::Active => "reservation.active",
            _ => "reservation.ended",
        };
        let doc = ReservationDoc { state: new, ..d };
        match doc.to_change() {
            Ok(c) => batch.push((action.to_owned(), doc.id.clone(), c)),
            Err(e) => tracing::error!(error = %e, "cannot encode reservation"),
        }
    }
    // One transaction for every change of this pass (many reservations may start at once).
    let st = store.clone();
    let stored =
        tokio::task::spawn_blocking(move || st.advance_reservations("engine", &batch)).await;
    match stored {
        Ok(Ok(recs)) => {
            for rec in recs {
                match ReservationDoc::from_record(rec) {
                    Ok(doc) => {
                        let event = match doc.state {
                            ReservationState::Active => "active",
                            _ => "ended",
                        };
                        strategic.put(doc.clone(), now);
                        live.publish_frame(wire::reservation_frame(event, &doc, now), None);
                    }
                    Err(e) => tracing::error!(error = %e, "stored reservation unreadable"),
                }
            }
        }
        Ok(Err(e)) => tracing::error!(error = %e, "cannot record reservation states"),
        Err(e) => tracing::error!(error = %e, "reservation state task failed"),
    }
}
