// The timeline: the airspace as it will be at a chosen time in the next 24 h, and the changes
// coming in that span, as pure functions of the server's records (no store, no DOM), so that
// the map, the list of coming changes, the test hook and the tests agree.
//
// At a time `t` ahead the map draws only what holds at `t`:
// - each reservation and zone volume whose window [start_time, end_time) contains `t`, the
//   reservation in the state it will be in — as the server moves it: `proposed` or `accepted`
//   become `active` when its first volume starts, and anything not cancelled is `ended` after
//   its last volume ends;
// - an exclusion (purpose "exclusion") from its deadline on, in force;
// - a contested volume (a declined or unanswered vacate request, `contested: true`) while its
//   window contains `t`;
// - an advance notice's volumes and routes (js/notice.js) while their windows contain `t`.
// Aircraft stay live: the map says so ("VIEWING 14:35 UTC (+2:10) — aircraft are live").

import { isHazard, utcTime } from './util.js';
import { isExclusion, exclusionLink, exclusionEnd, isContested } from './exclusion.js';
import { isNotice, noticeRoutes, firstWords, hhmm } from './notice.js';

/** How far ahead the timeline reaches (s). */
export const SPAN_S = 24 * 3600;
/** A drag of the slider picks whole minutes. */
export const STEP_S = 60;
/** The slider's arrow keys move this far; with Shift a minute; Page Up / Page Down an hour. */
export const KEY_STEP_S = 5 * 60;
export const FINE_STEP_S = 60;
export const PAGE_STEP_S = 3600;

const values = (coll) => (coll instanceof Map ? [...coll.values()] : coll || []);

/** Earliest start and latest end of `volumes`: {start, end}, or null when there are none. */
export function spanOf(volumes) {
  if (!volumes || !volumes.length) return null;
  return { start: Math.min(...volumes.map((v) => v.start_time)), end: Math.max(...volumes.map((v) => v.end_time)) };
}

/** Whether `t` is within the window [start, end). */
export function within(start, end, t) {
  return Number.isFinite(start) && Number.isFinite(end) && start <= t && t < end;
}

/** The state a reservation will be in at `t` (the server's rule): cancelled and ended stay; ended from its last end; active from its first start. */
export function stateAt(r, t) {
  const s = r && r.state;
  if (s === 'cancelled' || s === 'ended') return s;
  const span = spanOf(r && r.volumes);
  if (!span) return s;
  if (t >= span.end) return 'ended';
  if ((s === 'proposed' || s === 'accepted') && t >= span.start) return 'active';
  return s;
}

/** Indexes of the volumes whose window contains `t`. */
export function volumesAt(volumes, t) {
  const out = [];
  (volumes || []).forEach((v, i) => { if (within(v.start_time, v.end_time, t)) out.push(i); });
  return out;
}

/** What kind of thing the map draws a reservation as: 'exclusion', 'hazard' or 'reservation'. */
export function reservationKind(r) {
  return isExclusion(r) ? 'exclusion' : isHazard(r) ? 'hazard' : 'reservation';
}

/**
 * What the map draws at `t` (a time ahead): `[{id, kind, state, volumes, routes?}]` — kind
 * 'reservation', 'hazard', 'exclusion' (in force from its deadline), 'contested' or 'notice';
 * `volumes` the indexes of the volumes drawn (a notice's own volumes; `routes` its routes'
 * indexes), `state` the reservation's state at `t` ('in-force' for an exclusion, the request's
 * state for contested volumes and notices).
 */
export function shownAt(reservations, requests, t) {
  const out = [];
  for (const r of values(reservations)) {
    const state = stateAt(r, t);
    if (state === 'cancelled' || state === 'ended') continue;
    const kind = reservationKind(r);
    const idx = volumesAt(r.volumes, t);
    // An exclusion holds from its deadline (its volumes start there too).
    if (kind === 'exclusion' && exclusionLink(r).deadline !== null && t < exclusionLink(r).deadline) continue;
    if (!idx.length) continue;
    out.push({ id: r.id, kind, state: kind === 'exclusion' ? 'in-force' : state, volumes: idx });
  }
  for (const q of values(requests)) {
    if (q.kind === 'vacate' && q.contested === true && q.volume && isContested(q, t) && within(q.volume.start_time, q.volume.end_time, t)) {
      out.push({ id: q.id, kind: 'contested', state: q.state, volumes: [0] });
    } else if (isNotice(q)) {
      const vols = volumesAt(q.volumes, t);
      const routes = noticeRoutes(q).filter((r) => within(r.start, r.end, t)).map((r) => r.index);
      if (vols.length || routes.length) out.push({ id: q.id, kind: 'notice', state: q.state, volumes: vols, routes });
    }
  }
  return out;
}

/** The name of a reservation in a change: "r-4 Operation X (blue)", zones "zone r-1 Latakia MEZ (cell)". */
function named(r) {
  return `${isHazard(r) ? 'zone ' : ''}${r.id}${r.name ? ` ${r.name}` : ''} (${r.party})`;
}

/**
 * The changes coming between `now` (excluded) and `now + span` (included), sorted by time:
 * `[{time_s, id, kind, what, text}]` with `text` as the list says it: "14:00 UTC r-4 Operation X
 * (blue) becomes active", "14:38 UTC exclusion r-7 in force: blue out", "16:00 UTC r-4 Operation
 * X (blue) ends", "15:10 UTC contested q-4 ends", "14:00 UTC notice q-5 (red) window starts:
 * Strike package…". `what`: 'active', 'ends', 'volume-starts', 'volume-ends', 'in-force',
 * 'contested-starts', 'contested-ends', 'notice-starts', 'notice-ends', 'route-starts',
 * 'route-ends', 'expires'.
 */
export function changesWithin(reservations, requests, now, span = SPAN_S) {
  const out = [];
  const add = (time_s, id, kind, what, words) => {
    if (!(time_s > now) || time_s > now + span) return;
    out.push({ time_s, id, kind, what, text: `${hhmm(time_s)} UTC ${words}` });
  };
  for (const r of values(reservations)) {
    const state = stateAt(r, now);
    if (state === 'cancelled' || state === 'ended') continue;
    const s = spanOf(r.volumes);
    if (!s) continue;
    if (isExclusion(r)) {
      const l = exclusionLink(r);
      add(l.deadline, r.id, 'exclusion', 'in-force', `exclusion ${r.id} in force: ${l.watch_party || 'the other party'} out`);
      add(exclusionEnd(r), r.id, 'exclusion', 'ends', `exclusion ${r.id} ends`);
      continue;
    }
    const kind = reservationKind(r);
    if (state === 'proposed' || state === 'accepted') add(s.start, r.id, kind, 'active', `${named(r)} becomes active`);
    const n = r.volumes.length;
    if (n > 1) {
      r.volumes.forEach((v, i) => {
        const band = `${Math.round(v.lower_ft)}–${Math.round(v.upper_ft)} ft`;
        if (v.start_time !== s.start) add(v.start_time, r.id, kind, 'volume-starts', `${named(r)} volume ${i + 1} of ${n} starts (${band})`);
        if (v.end_time !== s.end) add(v.end_time, r.id, kind, 'volume-ends', `${named(r)} volume ${i + 1} of ${n} ends`);
      });
    }
    add(s.end, r.id, kind, 'ends', `${named(r)} ends`);
  }
  for (const q of values(requests)) {
    if (q.kind === 'vacate' && q.contested === true && q.volume && isContested(q, now)) {
      add(q.volume.start_time, q.id, 'contested', 'contested-starts', `contested ${q.id} begins (${q.from}'s request, ${q.state} by ${q.to})`);
      add(q.volume.end_time, q.id, 'contested', 'contested-ends', `contested ${q.id} ends`);
    } else if (q.kind === 'vacate' && q.state === 'pending' && Number.isFinite(q.expires_at)) {
      add(q.expires_at, q.id, 'request', 'expires', `vacate request ${q.id} (${q.from} → ${q.to}) expires unanswered`);
    } else if (isNotice(q)) {
      const words = firstWords(q.message);
      const n = (q.volumes || []).length;
      (q.volumes || []).forEach((v, i) => {
        const which = n > 1 ? ` volume ${i + 1} of ${n}` : '';
        add(v.start_time, q.id, 'notice', 'notice-starts', `notice ${q.id} (${q.from})${which} window starts${words ? `: ${words}` : ''}`);
        add(v.end_time, q.id, 'notice', 'notice-ends', `notice ${q.id} (${q.from})${which} window ends`);
      });
      for (const r of noticeRoutes(q)) {
        const name = r.route.name || `route ${r.index + 1}`;
        add(r.start, q.id, 'notice', 'route-starts', `notice ${q.id} (${q.from}) ${name} starts${words ? `: ${words}` : ''}`);
        add(r.end, q.id, 'notice', 'route-ends', `notice ${q.id} (${q.from}) ${name} ends`);
      }
    }
  }
  return out.sort((a, b) => a.time_s - b.time_s || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) || (a.what < b.what ? -1 : 1));
}

/** `t` kept within the timeline's reach from `now`: [now, now + SPAN_S]. */
export function clampTime(t, now, span = SPAN_S) {
  return Math.min(now + span, Math.max(now, t));
}

/** The time a slider offset (s from now) picks: a whole UTC minute (at least now). */
export function timeOfOffset(offset, now, step = STEP_S) {
  const t = Math.round((now + offset) / step) * step;
  return clampTime(t, now);
}

/** An offset as the timeline says it: "+2:10" (hours and minutes, to the nearest minute). */
export function offsetText(s) {
  const m = Math.max(0, Math.round(s / 60));
  return `+${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`;
}

/** "14:35" on a whole minute, else "14:35:20". */
export function clockText(t) {
  const s = utcTime(t);
  return s.endsWith(':00') ? s.slice(0, 5) : s;
}

/** The map's words while a time ahead is viewed: "VIEWING 14:35 UTC (+2:10) — aircraft are live". */
export function viewingText(t, now) {
  return `VIEWING ${clockText(t)} UTC (${offsetText(t - now)}) — aircraft are live`;
}

/** The slider's spoken value: "live" or "14:35 UTC, 2 h 10 min ahead". */
export function sliderValueText(t, now) {
  if (t === null || t <= now) return 'live, now';
  const m = Math.max(0, Math.round((t - now) / 60));
  const hh = Math.floor(m / 60);
  return `${clockText(t)} UTC, ${hh ? `${hh} h ` : ''}${m % 60} min ahead`;
}

/**
 * Where a key moves the viewed time (`t`, null when live): the arrows by KEY_STEP_S (Shift:
 * FINE_STEP_S), Page Up / Page Down by PAGE_STEP_S, to the nearest whole minute; Home to live,
 * End to the last whole minute within 24 h. Returns the new time (null: live), or undefined
 * when the key is not the timeline's.
 */
export function keyTime(key, shift, t, now) {
  const from = t === null ? now : t;
  const step = shift ? FINE_STEP_S : KEY_STEP_S;
  let next;
  switch (key) {
    case 'ArrowRight': case 'ArrowUp': next = from + step; break;
    case 'ArrowLeft': case 'ArrowDown': next = from - step; break;
    case 'PageUp': next = from + PAGE_STEP_S; break;
    case 'PageDown': next = from - PAGE_STEP_S; break;
    case 'Home': return null;
    case 'End': return Math.floor((now + SPAN_S) / STEP_S) * STEP_S;
    default: return undefined;
  }
  next = clampTime(Math.round(next / STEP_S) * STEP_S, now);
  return next <= now ? null : next;
}
