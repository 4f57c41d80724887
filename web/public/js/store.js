// The console's in-memory picture: tracks (with short trails and dead-reckoning rates),
// conflicts, intrusions, the resolution guidance of aircraft in alert, reservations, requests and
// hotline messages, position discrepancies, exactly as the server sent them (the server applies
// the viewer's sharing rights). Modules subscribe with store.on('tracks' | 'conflicts' |
// 'intrusions' | 'discrepancies' | 'guidance' | 'reservations' | 'requests' | 'messages' |
// 'connection' | 'selection' | 'pause' | 'timeline', fn).

import { mercX, mercY } from './geo.js';
import { isActive, isNewer, agedOut, DISCREPANCY_LEVEL } from './discrepancy.js';
import { mergeRequest } from './exclusion.js';

const TRAIL_POINTS = 12;
export const MAX_DEAD_RECKONING_S = 20;
const DEG_PER_M = 1 / 111320;

/**
 * The dead-reckoning rates of a state: degrees per second north and east, its normalised Web
 * Mercator position and rate (so the map extrapolates without trigonometry), and the time they
 * hold from (`last_update`, else `now`).
 */
export function rates(t, now) {
  const speedMps = ((t.gs_kt || 0) * 1852) / 3600;
  const trkRad = ((t.trk_deg || 0) * Math.PI) / 180;
  const vn = speedMps * Math.cos(trkRad);
  const ve = speedMps * Math.sin(trkRad);
  const cosLat = Math.max(0.01, Math.cos((t.lat_deg * Math.PI) / 180));
  const vlatDegS = t.on_ground ? 0 : vn * DEG_PER_M;
  const vlonDegS = t.on_ground ? 0 : (ve * DEG_PER_M) / cosLat;
  return {
    vlatDegS,
    vlonDegS,
    mx: mercX(t.lon_deg),
    my: mercY(t.lat_deg),
    vmx: vlonDegS / 360,
    vmy: -((vlatDegS * Math.PI) / 180) / cosLat / (2 * Math.PI),
    refTime: Number.isFinite(t.last_update) ? t.last_update : now,
  };
}

class Store extends EventTarget {
  constructor() {
    super();
    this.me = null;
    this.tracks = new Map();
    this.conflicts = new Map();
    this.intrusions = new Map();
    this.reservations = new Map();
    this.requests = new Map();
    this.messages = new Map();
    this.parties = [];
    this.clockOffsetS = 0;
    this.lastServerTime = null;
    this.connection = 'offline';
    this.paused = false;
    this.pending = new Map();
    this.pendingRemove = new Set();
    // Aircraft the viewer's sharing rights hide, known only because they are in one of its
    // active alerts: the server sends their current states every alert cycle.
    this.alertOnlyIds = new Set();
    // The geometry now of the active conflicts (`conflict_now` frames, once a second): by
    // alert id, {time, t_in_s, tcpa_s, t_out_s, dcpa_m, vsep_cpa_ft}.
    this.conflictNow = new Map();
    // Resolution guidance (bands and advice) by aircraft id: only what the server sent for this
    // viewer (a party gets its own aircraft's): seeded by the snapshot, kept by guidance frames.
    this.guidance = new Map();
    // Position discrepancies by id (js/discrepancy.js): active ones and those cleared within
    // CLEARED_KEEP_S, as `discrepancy` frames and GET /discrepancies gave them (the snapshot
    // carries none). `feeds`: feed id → {party, kind} when the viewer may list the feeds.
    this.discrepancies = new Map();
    // How many discrepancy frames have come, and after how many each record last changed: a
    // list asked for before a frame does not drop what the frame brought.
    this.discrepancyFrames = 0;
    this.discrepancySeen = new Map();
    this.feeds = null;
    this.selectedId = null;
    this.followId = null;
    this.updates = 0;
    // The time ahead the map shows the airspace at (js/timeline.js), UNIX s; null: live.
    this.viewTime = null;
  }

  /** Shows the airspace at `t` (a time ahead; null or a time not ahead: live); subscribers of 'timeline' get it. */
  setViewTime(t) {
    const next = Number.isFinite(t) && t > this.now() ? t : null;
    if (next === this.viewTime) return;
    this.viewTime = next;
    this.emit('timeline', next);
  }

  on(type, fn) {
    const wrapped = (e) => fn(e.detail);
    this.addEventListener(type, wrapped);
    return () => this.removeEventListener(type, wrapped);
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Current time on the server's clock (UNIX seconds), estimated from the last frame's time. */
  now() {
    return Date.now() / 1000 + this.clockOffsetS;
  }

  syncClock(serverTime) {
    if (typeof serverTime !== 'number' || !Number.isFinite(serverTime)) return;
    // When the last frame with a time arrived (browser clock, ms): the connection chip says
    // when the data stops coming although the connection is up.
    this.lastFrameAt = Date.now();
    this.lastServerTime = serverTime;
    const offset = serverTime - Date.now() / 1000;
    // Follow the server's clock but smooth the network jitter.
    this.clockOffsetS = this.updates === 0 ? offset : this.clockOffsetS * 0.8 + offset * 0.2;
    this.updates += 1;
  }

  setConnection(mode) {
    if (this.connection === mode) return;
    this.connection = mode;
    this.emit('connection', mode);
  }

  upsertTrack(t) {
    if (!t || typeof t.id !== 'string') return;
    if (!Number.isFinite(t.lat_deg) || !Number.isFinite(t.lon_deg)) return;
    const old = this.tracks.get(t.id);
    // Trail points in normalised Web Mercator (x, y pairs), oldest first.
    const trail = old ? old.trail : [];
    const r = rates(t, this.now());
    const { mx, my } = r;
    if (trail[trail.length - 2] !== mx || trail[trail.length - 1] !== my) {
      trail.push(mx, my);
      if (trail.length > TRAIL_POINTS * 2) trail.splice(0, trail.length - TRAIL_POINTS * 2);
    }
    const track = Object.assign(old || {}, t, { trail }, r);
    this.tracks.set(t.id, track);
  }

  /**
   * What the map draws for an aircraft at server time `now` (`window.__deconflict.displayed`):
   * its dead-reckoned position, how old its data is, and whether it is known only through an
   * alert; null when the console has no state for it.
   */
  displayed(id, now = this.now()) {
    let t = this.tracks.get(id);
    let via = !!(t && t.viaAlert);
    if (!t) {
      t = this.alertOnlyState(id);
      via = true;
    }
    if (!t) return null;
    const dt = this.reckonS(t, now);
    return {
      lat_deg: t.lat_deg + t.vlatDegS * dt,
      lon_deg: t.lon_deg + t.vlonDegS * dt,
      age_s: Math.max(0, now - t.refTime),
      via_alert: via,
      time_s: now,
    };
  }

  /**
   * The state of an aircraft not in the picture as the viewer's conflicts recorded it (their
   * `a_state` / `b_state`), with its rates, so that it is dead-reckoned like a track until the
   * server's `alert_tracks` frame brings its current state. Null when no conflict has it.
   */
  alertOnlyState(id) {
    for (const c of this.conflicts.values()) {
      for (const st of [c.a_state, c.b_state]) {
        if (!st || st.id !== id || !Number.isFinite(st.lat_deg) || !Number.isFinite(st.lon_deg)) continue;
        if (st.refTime === undefined) Object.assign(st, rates(st, this.now()));
        return st;
      }
    }
    return null;
  }

  /**
   * Seconds the map dead-reckons a track at server time `now`: none while the picture is
   * paused or for a report from the future, at most MAX_DEAD_RECKONING_S.
   */
  reckonS(track, now) {
    const dt = now - track.refTime;
    if (!(dt > 0) || this.paused) return 0;
    return dt > MAX_DEAD_RECKONING_S ? MAX_DEAD_RECKONING_S : dt;
  }

  /** Position of a track extrapolated along its velocity to server time `now`. */
  position(track, now) {
    let dt = now - track.refTime;
    if (!(dt > 0)) dt = 0;
    if (dt > MAX_DEAD_RECKONING_S) dt = MAX_DEAD_RECKONING_S;
    return [track.lon_deg + track.vlonDegS * dt, track.lat_deg + track.vlatDegS * dt];
  }

  applySnapshot(msg) {
    this.syncClock(msg.time);
    this.tracks.clear();
    this.pending.clear();
    this.pendingRemove.clear();
    this.alertOnlyIds.clear();
    this.conflictNow.clear();
    for (const t of msg.tracks || []) this.upsertTrack(t);
    this.setActiveAlerts('conflicts', msg.conflicts);
    this.setActiveAlerts('intrusions', msg.intrusions);
    this.setGuidanceFromConflicts(msg.conflicts);
    this.emit('tracks');
    this.emit('conflicts');
    this.emit('intrusions');
    this.emit('guidance');
  }

  applyDelta(msg) {
    this.syncClock(msg.time);
    if (this.paused) {
      for (const t of msg.upsert || []) this.pending.set(t.id, t);
      for (const id of msg.remove || []) {
        this.pending.delete(id);
        this.pendingRemove.add(id);
      }
      return;
    }
    for (const t of msg.upsert || []) {
      // An aircraft that enters the picture is no longer known only through an alert.
      if (this.alertOnlyIds.delete(t.id)) {
        const old = this.tracks.get(t.id);
        if (old) old.viaAlert = false;
      }
      this.upsertTrack(t);
    }
    for (const id of msg.remove || []) this.tracks.delete(id);
    this.emit('tracks');
  }

  /**
   * The current states of the aircraft in the viewer's active alerts (`alert_tracks` frame).
   * Those not otherwise in the picture become tracks marked `viaAlert`, dead-reckoned, drawn
   * and followed like any other; when the alert clears they are dropped.
   */
  applyAlertTracks(msg) {
    if (this.paused) return;
    this.syncClock(msg.time);
    const now = new Set();
    const inAlert = this.alertTrackIds();
    for (const t of msg.tracks || []) {
      if (!t || typeof t.id !== 'string' || !inAlert.has(t.id)) continue;
      const known = this.tracks.get(t.id);
      if (known && !known.viaAlert) continue;
      this.upsertTrack({ ...t, viaAlert: true });
      now.add(t.id);
    }
    for (const id of this.alertOnlyIds) {
      const t = this.tracks.get(id);
      if (!now.has(id) && t && t.viaAlert) this.tracks.delete(id);
    }
    this.alertOnlyIds = now;
    this.emit('tracks');
  }

  /**
   * A `conflict_now` frame: the geometry now of every active conflict the viewer may see whose
   * pair the server confirmed this cycle (replacing what was; an alert held without a fresh
   * prediction keeps its last one, which ages out in js/encounter.js).
   */
  applyConflictsNow(msg) {
    if (!msg) return;
    this.syncClock(msg.time);
    const seen = new Set();
    for (const g of msg.conflicts || []) {
      if (!g || typeof g.id !== 'string') continue;
      this.conflictNow.set(g.id, { ...g, time: msg.time });
      seen.add(g.id);
    }
    for (const id of [...this.conflictNow.keys()]) if (!seen.has(id) && !this.conflicts.has(id)) this.conflictNow.delete(id);
    this.emit('conflict-now');
  }

  /**
   * A `guidance` frame: `upsert` holds guidance computed anew for this viewer (kept unless what
   * the store has is newer), `remove` the aircraft whose guidance ended.
   */
  applyGuidance(msg) {
    if (!msg) return;
    this.syncClock(msg.time);
    for (const g of msg.upsert || []) {
      if (!g || typeof g.id !== 'string') continue;
      const old = this.guidance.get(g.id);
      if (!old || !(old.time > g.time)) this.guidance.set(g.id, g);
    }
    for (const id of msg.remove || []) this.guidance.delete(id);
    this.emit('guidance');
  }

  /** The guidance on the active conflicts of `list` (snapshot, REST polling) as the whole set. */
  setGuidanceFromConflicts(list) {
    this.guidance.clear();
    for (const c of list || []) {
      if (c.state === 'cleared') continue;
      for (const g of c.guidance || []) {
        if (!g || typeof g.id !== 'string') continue;
        const old = this.guidance.get(g.id);
        if (!old || !(old.time > g.time)) this.guidance.set(g.id, g);
      }
    }
  }

  /** Guidance of one aircraft as the server last sent it for this viewer, or null. */
  guidanceFor(id) {
    return (id && this.guidance.get(id)) || null;
  }

  /** Drops the guidance of aircraft no longer in an active conflict (an alert cleared). */
  dropGuidanceOutsideConflicts() {
    if (this.guidance.size === 0) return false;
    const ids = new Set();
    for (const c of this.conflicts.values()) {
      ids.add(c.a);
      ids.add(c.b);
    }
    let dropped = false;
    for (const id of [...this.guidance.keys()]) {
      if (!ids.has(id)) {
        this.guidance.delete(id);
        dropped = true;
      }
    }
    return dropped;
  }

  /** Drops the aircraft known only through alerts that are no longer in an active alert. */
  dropAlertOnlyOutsideAlerts() {
    if (this.alertOnlyIds.size === 0) return;
    const inAlert = this.alertTrackIds();
    for (const id of [...this.alertOnlyIds]) {
      if (inAlert.has(id)) continue;
      this.alertOnlyIds.delete(id);
      const t = this.tracks.get(id);
      if (t && t.viaAlert) this.tracks.delete(id);
    }
  }

  /** Replaces the whole picture (REST polling fallback). */
  replaceTracks(list, time) {
    this.syncClock(time);
    const seen = new Set();
    const target = this.paused ? null : this.tracks;
    for (const t of list || []) {
      seen.add(t.id);
      if (target) this.upsertTrack(t);
      else this.pending.set(t.id, t);
    }
    if (target) {
      for (const id of this.tracks.keys()) if (!seen.has(id)) this.tracks.delete(id);
      this.emit('tracks');
    }
  }

  setPaused(paused) {
    this.paused = paused;
    if (!paused) {
      for (const id of this.pendingRemove) this.tracks.delete(id);
      for (const t of this.pending.values()) this.upsertTrack(t);
      this.pending.clear();
      this.pendingRemove.clear();
      this.emit('tracks');
    }
    this.emit('pause', paused);
  }

  applyConflict(event, c) {
    this.applyAlert('conflicts', 'conflict', event, c);
  }

  /**
   * One alert cycle's `alert` frames at once (an `alerts` frame): each applied as
   * applyConflict would, the clean-up after cleared alerts done once, and one 'conflicts'
   * event (its detail the last frame's, `batch` the count) instead of one per alert.
   */
  applyConflictBatch(frames) {
    let cleared = false;
    let last = null;
    let n = 0;
    let guidance = false;
    for (const f of frames || []) {
      if (!f || f.type !== 'alert' || !f.conflict || !f.conflict.id) continue;
      const r = this.setAlert('conflicts', f.event, f.conflict);
      cleared ||= r.cleared;
      guidance ||= r.guidance;
      last = { event: f.event, conflict: f.conflict, isNew: r.isNew };
      n += 1;
    }
    if (!n) return;
    if (cleared) {
      this.dropAlertOnlyOutsideAlerts();
      guidance = this.dropGuidanceOutsideConflicts() || guidance;
    }
    this.emit('conflicts', { ...last, batch: n });
    if (guidance) this.emit('guidance');
  }

  replaceConflicts(list) {
    this.replaceAlerts('conflicts', list);
    // Polled conflicts carry their aircraft's guidance, as the snapshot's do.
    this.setGuidanceFromConflicts(list);
    this.emit('guidance');
  }

  applyIntrusion(event, i) {
    this.applyAlert('intrusions', 'intrusion', event, i);
  }

  replaceIntrusions(list) {
    this.replaceAlerts('intrusions', list);
  }

  /**
   * One alert event into the alerts of `kind` ('conflicts' or 'intrusions'): a cleared alert
   * leaves them, any other is set; subscribers get { event, [name]: alert, isNew }.
   */
  applyAlert(kind, name, event, alert) {
    if (!alert || !alert.id) return;
    const r = this.setAlert(kind, event, alert);
    const { isNew, cleared } = r;
    let { guidance } = r;
    if (cleared) {
      this.dropAlertOnlyOutsideAlerts();
      // Guidance is for aircraft in active conflicts: it ends with the last one.
      if (kind === 'conflicts') guidance = this.dropGuidanceOutsideConflicts() || guidance;
    }
    this.emit(kind, { event, [name]: alert, isNew });
    if (guidance) this.emit('guidance');
  }

  /**
   * Sets or (cleared) removes one alert of `kind`, keeping newer guidance it carries; the
   * clean-up after a clearance is the caller's. Returns {isNew, cleared, guidance}.
   */
  setAlert(kind, event, alert) {
    const alerts = this[kind];
    const isNew = !alerts.has(alert.id);
    let guidance = false;
    const cleared = event === 'cleared' || alert.state === 'cleared';
    if (cleared) {
      alerts.delete(alert.id);
      if (kind === 'conflicts') this.conflictNow.delete(alert.id);
    } else {
      alerts.set(alert.id, alert);
      // Alert frames carry no guidance; an acknowledgement's answer does: keep the newer.
      if (kind === 'conflicts') {
        for (const g of alert.guidance || []) {
          if (!g || typeof g.id !== 'string') continue;
          const old = this.guidance.get(g.id);
          if (!old || g.time > old.time) {
            this.guidance.set(g.id, g);
            guidance = true;
          }
        }
      }
    }
    return { isNew, cleared, guidance };
  }

  /** The alerts of `kind` replaced by the active ones of `list`; subscribers get the ids before. */
  replaceAlerts(kind, list) {
    const before = new Set(this[kind].keys());
    this.setActiveAlerts(kind, list);
    this.dropAlertOnlyOutsideAlerts();
    this.emit(kind, { replaced: true, before });
  }

  /** The alerts of `kind` set to those of `list` not cleared, without telling subscribers. */
  setActiveAlerts(kind, list) {
    const alerts = this[kind];
    alerts.clear();
    for (const a of list || []) if (a.state !== 'cleared') alerts.set(a.id, a);
  }

  replace(kind, list) {
    const map = this[kind];
    map.clear();
    for (const x of list || []) map.set(x.id, x);
    this.emit(kind, { replaced: true });
  }

  upsert(kind, x) {
    if (!x || x.id === undefined) return;
    const isNew = !this[kind].has(x.id);
    // Request frames and answers carry no compliance status: keep the one GET /requests gave.
    if (kind === 'requests') x = mergeRequest(this.requests.get(x.id), x);
    this[kind].set(x.id, x);
    this.emit(kind, { item: x, isNew });
  }

  select(id) {
    this.selectedId = id;
    this.emit('selection', id);
  }

  setFollow(id) {
    this.followId = id;
    this.emit('selection', this.selectedId);
  }

  /**
   * A `discrepancy` frame ('raised' | 'updated' | 'cleared'): kept unless the store has a newer
   * copy; a cleared one stays (listed as cleared) until it ages out. Subscribers get
   * { event, discrepancy, isNew }.
   */
  applyDiscrepancy(event, d) {
    if (!d || typeof d.id !== 'string') return;
    const known = this.discrepancies.get(d.id);
    const rec = event === 'cleared' && d.state !== 'cleared' ? { ...d, state: 'cleared', cleared_at: d.cleared_at ?? d.updated_at ?? this.now() } : d;
    this.discrepancyFrames += 1;
    if (!isNewer(rec, known)) return;
    this.discrepancies.set(d.id, rec);
    this.discrepancySeen.set(d.id, this.discrepancyFrames);
    this.emit('discrepancies', { event, discrepancy: rec, isNew: !known });
  }

  /**
   * GET /discrepancies's list: the whole set (the server's view, after sign-in and every
   * reconnect), except that what frames brought after the list was asked for (`askedAt`, the
   * value of `discrepancyFrames` then) is kept: a newer copy, or one the list cannot have yet.
   */
  replaceDiscrepancies(list, askedAt = Infinity) {
    const next = new Map();
    const now = this.now();
    for (const d of list || []) {
      if (!d || typeof d.id !== 'string' || agedOut(d, now)) continue;
      const known = this.discrepancies.get(d.id);
      next.set(d.id, known && !isNewer(d, known) ? known : d);
    }
    for (const [id, d] of this.discrepancies) {
      if (!next.has(id) && (this.discrepancySeen.get(id) || 0) > askedAt) next.set(id, d);
    }
    this.discrepancies = next;
    for (const id of [...this.discrepancySeen.keys()]) if (!next.has(id)) this.discrepancySeen.delete(id);
    this.emit('discrepancies', { replaced: true });
  }

  /** Drops the cleared discrepancies that aged out; true when one did (subscribers told). */
  pruneDiscrepancies(now = this.now()) {
    let dropped = false;
    for (const [id, d] of this.discrepancies) {
      if (agedOut(d, now)) {
        this.discrepancies.delete(id);
        this.discrepancySeen.delete(id);
        dropped = true;
      }
    }
    if (dropped) this.emit('discrepancies', { pruned: true });
    return dropped;
  }

  /** The active discrepancies of an aircraft, newest first. */
  discrepanciesOf(id) {
    const out = [];
    for (const d of this.discrepancies.values()) if (d.track_id === id) out.push(d);
    return out.sort((a, b) => (isActive(b) - isActive(a)) || b.raised_at - a.raised_at);
  }

  /** Track ids that appear in an active conflict or intrusion. */
  alertTrackIds() {
    const ids = new Set();
    for (const c of this.conflicts.values()) {
      ids.add(c.a);
      ids.add(c.b);
    }
    for (const i of this.intrusions.values()) ids.add(i.track_id);
    return ids;
  }

  /** Highest active alert level per track id (conflicts, intrusions, position discrepancies). */
  alertLevels() {
    const levels = new Map();
    for (const c of this.conflicts.values()) {
      for (const id of [c.a, c.b]) levels.set(id, Math.max(levels.get(id) || 0, c.level || 0));
    }
    for (const i of this.intrusions.values()) {
      levels.set(i.track_id, Math.max(levels.get(i.track_id) || 0, i.level || 0));
    }
    // An active position discrepancy ranks with cautions.
    for (const d of this.discrepancies.values()) {
      if (isActive(d)) levels.set(d.track_id, Math.max(levels.get(d.track_id) || 0, DISCREPANCY_LEVEL));
    }
    return levels;
  }
}

export const store = new Store();
