//! What other nodes of the cell wrote, read back and published here. Every node follows the
//! audit log as its change feed: each `cluster.mirror_s` it reads the entries after the last
//! one it saw (one indexed range read), and for each changed object — an alert or intrusion
//! alert (raised, updated, cleared, acknowledged), a message (sent, read, acknowledged), a
//! reservation or a request — reads it and, when it differs from what this node holds,
//! updates its memory and sends the frame its clients would have had from the node that wrote
//! it (the leader, which writes intrusion lifecycles itself, takes only the acknowledgements
//! other nodes recorded). What this node wrote itself is already in its memory (or, for
//! messages and requests, noted as sent) and is not sent twice.
//!
//! It runs only on a PostgreSQL store: a SQLite cell is one node, every change its own.

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::intrusions::IntrusionRecord;
use crate::domain::requests::RequestDoc;
use crate::domain::reservations::ReservationDoc;
use crate::live::strategic::Strategic;
use crate::live::{on_store, Live, StreamEvent};
use crate::wire;
use axum::extract::ws::Utf8Bytes;
use deconflict_store::{AlertRecord, AlertState, Message, Store, StoreResult, StrategicRecord};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// What one pass found changed, read from the store.
#[derive(Default)]
struct Changed {
    alerts: Vec<AlertRecord>,
    messages: Vec<Message>,
    reservations: Vec<StrategicRecord>,
    requests: Vec<StrategicRecord>,
    intrusions: Vec<IntrusionRecord>,
}

/// Reads the audit entries after `after` (at most `limit`) and the objects they changed.
fn read_changes(
    store: &dyn Store,
    after: i64,
    next_message: &mut i64,
    limit: usize,
) -> StoreResult<(i64, Changed)> {
    let entries = store.audit_entries(after, limit)?;
    let last = entries.last().map_or(after, |e| e.seq);
    let (mut alerts, mut messages, mut reservations, mut requests, mut intrusions) = (
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
    );
    for e in &entries {
        let Some(object) = e.object.clone() else {
            continue;
        };
        let kind = e.action.split('.').next().unwrap_or("");
        match kind {
            "alert" if e.action != "alert.purge" => {
                alerts.insert(object);
            }
            "message" => {
                if let Ok(id) = object.parse::<i64>() {
                    messages.insert(id);
                }
            }
            "reservation" => {
                reservations.insert(object);
            }
            "request" => {
                requests.insert(object);
            }
            "intrusion" => {
                intrusions.insert(object);
            }
            _ => {}
        }
    }
    let mut out = Changed::default();
    for id in alerts {
        out.alerts.extend(store.get_alert(&id)?);
    }
    // New messages by id (a send's entry names no id; ids may have gaps, so the range after
    // the last one seen), then the ones acknowledged or read.
    for m in store.messages_after(*next_message - 1, limit)? {
        messages.remove(&m.id);
        *next_message = m.id + 1;
        out.messages.push(m);
    }
    for id in messages {
        out.messages.extend(store.get_message(id, "")?);
    }
    for id in reservations {
        out.reservations.extend(store.get_reservation(&id)?);
    }
    for id in requests {
        out.requests.extend(store.get_request(&id)?);
    }
    for id in intrusions {
        if let Some(i) = store.get_intrusion(&id)? {
            out.intrusions.extend(IntrusionRecord::from_stored(i).ok());
        }
    }
    Ok((last, out))
}

/// The parts of an alert (conflict or intrusion) a client sees change: state, level, clearing
/// time and acknowledgements.
type SeenKey<'a> = (AlertState, u8, Option<u64>, Vec<(&'a String, &'a bool)>);

fn seen_key<'a>(
    state: AlertState,
    level: u8,
    cleared_at: Option<f64>,
    acks: &'a std::collections::BTreeMap<String, bool>,
) -> SeenKey<'a> {
    (
        state,
        level,
        cleared_at.map(f64::to_bits),
        acks.iter().collect(),
    )
}

fn alert_key(a: &AlertRecord) -> SeenKey<'_> {
    seen_key(a.state, a.level, a.cleared_at, &a.acks)
}

fn intrusion_key(i: &IntrusionRecord) -> SeenKey<'_> {
    seen_key(i.state, i.level, i.cleared_at, &i.acks)
}

/// Publishes what differs from this node's memory.
fn publish(live: &Live, strategic: &Strategic, changed: Changed, now: f64) {
    let mut batch = Vec::new();
    for a in changed.alerts {
        let (event, a) = {
            let alerts = live.alerts.read().unwrap_or_else(|e| e.into_inner());
            match alerts.get(&a.id) {
                // Never backwards: what this node holds may be newer than what was read; only
                // acknowledgements taken on another node at the same level are taken from it.
                Some(m) if m.updated_at > a.updated_at => {
                    if m.level != a.level
                        || a.acks
                            .iter()
                            .all(|(p, v)| !v || m.acks.get(p) == Some(&true))
                    {
                        continue;
                    }
                    let mut merged = m.clone();
                    for (p, v) in &a.acks {
                        if *v {
                            merged.acks.insert(p.clone(), true);
                        }
                    }
                    (AlertState::Updated, merged)
                }
                Some(m) if alert_key(m) == alert_key(&a) => continue,
                Some(m) if m.state == a.state => (AlertState::Updated, a),
                _ => (a.state, a),
            }
        };
        live.put_alert(a.clone());
        let frame = wire::alert_frame(event, &a);
        batch.push((a, Utf8Bytes::from(frame)));
    }
    if !batch.is_empty() {
        live.publish(StreamEvent::Alerts(batch));
    }
    for m in changed.messages {
        if live.note_message(&m) {
            live.publish(StreamEvent::Message(m));
        }
    }
    for rec in changed.reservations {
        let Ok(doc) = ReservationDoc::from_record(rec) else {
            continue;
        };
        let event = match strategic.get(&doc.id) {
            Some(d) if d.version == doc.version && d.updated_at == doc.updated_at => continue,
            Some(_) => "updated",
            None => "filed",
        };
        strategic.put(doc.clone(), now);
        live.publish_frame(wire::reservation_frame(event, &doc, now), None);
    }
    // Intrusion lifecycles are the leader's: it holds them already, and learns here only the
    // acknowledgements taken by other nodes. A follower takes all of it.
    let leader = live.leadership.is_leader();
    for rec in changed.intrusions {
        let shown = {
            let mut active = strategic.active.write().unwrap_or_else(|e| e.into_inner());
            match active.get_mut(&rec.id) {
                Some(m) if intrusion_key(m) == intrusion_key(&rec) => continue,
                Some(m) if !leader && m.updated_at > rec.updated_at => continue,
                Some(m) if leader => {
                    if m.acks == rec.acks || rec.level != m.level {
                        continue;
                    }
                    m.keep_acks(&rec);
                    m.clone()
                }
                None if leader => continue,
                _ if rec.state == AlertState::Cleared => {
                    active.remove(&rec.id);
                    rec
                }
                _ => {
                    active.insert(rec.id.clone(), rec.clone());
                    rec
                }
            }
        };
        let event = if leader {
            "updated"
        } else {
            shown.state.as_str()
        };
        live.publish_frame(wire::intrusion_frame(event, &shown), Some(shown.parties()));
    }
    for rec in changed.requests {
        let created = rec.version == 1;
        let Ok(doc) = RequestDoc::from_record(rec) else {
            continue;
        };
        if !live.note_request(&doc) {
            continue;
        }
        strategic.put_notice(&doc, now);
        let event = if created { "created" } else { "updated" };
        live.publish_frame(wire::request_frame(event, &doc, now), doc.audience());
    }
}

/// Follows the audit log from its head at start-up, for the server's life.
pub async fn run(
    live: Arc<Live>,
    strategic: Arc<Strategic>,
    store: Arc<dyn Store>,
    config: Arc<Config>,
    clock: Clock,
) {
    // Where to follow from, and what was open then: a follower that starts while alerts are
    // open shows them (and streams their aircraft) from the start. Retried until the store
    // answers.
    let (mut after, mut next_message) = loop {
        let start = on_store(&store, |st| {
            let head = st.audit_head()?.map_or(0, |(seq, _)| seq);
            let next = st.list_messages(None)?.last().map_or(1, |m| m.id + 1);
            let alerts = st.list_alerts(None)?;
            let intrusions = st.list_intrusions(None)?;
            Ok((head, next, alerts, intrusions))
        })
        .await;
        match start {
            Ok((head, next, alerts, intrusions)) => {
                if !live.leadership.is_leader() {
                    for a in alerts.into_iter().filter(|a| a.cleared_at.is_none()) {
                        live.put_alert(a);
                    }
                    let mut active = strategic.active.write().unwrap_or_else(|e| e.into_inner());
                    for i in intrusions.into_iter().filter(|i| i.cleared_at.is_none()) {
                        if let Ok(r) = IntrusionRecord::from_stored(i) {
                            active.insert(r.id.clone(), r);
                        }
                    }
                }
                break (head, next);
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot start following the other nodes' changes; retrying")
            }
        }
        tokio::time::sleep(Duration::from_secs_f64(config.cluster.mirror_s)).await;
    };
    let mut tick = tokio::time::interval(Duration::from_secs_f64(config.cluster.mirror_s));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let from = (after, next_message);
        let read = on_store(&store, move |st| {
            let mut next = from.1;
            read_changes(st, from.0, &mut next, 1000).map(|(last, c)| (last, next, c))
        })
        .await;
        match read {
            Ok((last, next, changed)) => {
                after = last;
                next_message = next;
                publish(&live, &strategic, changed, clock.now_s());
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the other nodes' changes"),
        }
    }
}
