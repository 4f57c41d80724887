// Advance notices (docs/api.md "Reservations, zones, requests"), as pure functions of the
// server's records (no store, no DOM), so that the map, the alert list, the banner, the card,
// the requests panel, the timeline and the tests say the same words.
//
// A notice (a request of kind "notice") tells one party, or everyone (`to: null`), of an
// operation: one of the sender's reservations (`reservation_id`), and/or the operation's own
// 4D volumes (`volumes`) and planned routes (`routes`: waypoints with a level and a time, and
// the corridors the cell checks them as, `route_volumes`, one per leg, route after route).
// - On the map its volumes are outlined dotted in the sender's colour, lightly filled:
//     "NOTICE · red: Strike package in the … · 14:00–16:00 UTC"
//   its routes a dash-dotted line with a mark at each waypoint, "14:05 FL180".
// - An intrusion alert with purpose "notice" (its `reservation_id` is the notice's id) is an
//   advisory for an addressee's aircraft predicted to cross a notice volume:
//     "NOTICE · RAVEN51 predicted to cross red's notice q-5 in 3:20"
// - `crossings` lists the addressees' live reservations that cross the notice's volumes; the
//   alert list shows each as an advisory entry:
//     "NOTICE · your reservation r-3 (Blue CAP north) crosses red's notice q-5, 14:00–15:00 UTC, FL150–FL200"

import { utcTime, flText, altBand } from './util.js';
import { untilText } from './exclusion.js';

/** A route's corridor margin before and after its waypoints' times when the server gave no corridors (s). */
export const DEFAULT_TIME_MARGIN_S = 300;
/** How many words of the message the map label quotes, and at most how many characters. */
export const LABEL_WORDS = 5;
export const LABEL_CHARS = 36;
/** Why a notice crossing has no ACK button (the `A` key and the list say it). */
export const CROSSING_REASON = 'a notice crossing is advisory: nobody acknowledges it in the alert list; acknowledge the notice in Requests';

/** Whether the request is an advance notice. */
export function isNotice(q) {
  return !!q && q.kind === 'notice';
}

/** "14:05" (UTC hours and minutes). */
export function hhmm(t) {
  return utcTime(t).slice(0, 5);
}

/** "14:00–16:00 UTC". */
export function windowText(start, end) {
  return `${hhmm(start)}–${hhmm(end)} UTC`;
}

/** The first `n` words of a message, cut to `max` characters, with an ellipsis when shortened. */
export function firstWords(text, n = LABEL_WORDS, max = LABEL_CHARS) {
  const words = String(text ?? '').replace(/\s+/g, ' ').trim().split(' ').filter(Boolean);
  let out = words.slice(0, n).join(' ');
  let cut = words.length > n;
  if (out.length > max) {
    out = out.slice(0, Math.max(1, max - 1)).trimEnd();
    cut = true;
  }
  return cut ? `${out}…` : out;
}

/**
 * The notice's routes, each with its corridors: `[{route, index, legs: [Volume], start, end}]`
 * — the legs are the server's `route_volumes` (one per leg, route after route); when it sent
 * none, the span is the waypoints' times widened by the route's margin.
 */
export function noticeRoutes(q) {
  const routes = (q && q.routes) || [];
  const corridors = (q && q.route_volumes) || [];
  let at = 0;
  return routes.map((route, index) => {
    const wps = route.waypoints || [];
    const n = Math.max(0, wps.length - 1);
    const legs = corridors.slice(at, at + n);
    at += n;
    let start;
    let end;
    if (legs.length) {
      start = Math.min(...legs.map((v) => v.start_time));
      end = Math.max(...legs.map((v) => v.end_time));
    } else {
      const margin = Number.isFinite(route.time_margin_s) ? route.time_margin_s : DEFAULT_TIME_MARGIN_S;
      const times = wps.map((w) => w.time).filter(Number.isFinite);
      start = times.length ? Math.min(...times) - margin : NaN;
      end = times.length ? Math.max(...times) + margin : NaN;
    }
    return { route, index, legs, start, end };
  });
}

/** When the notice's own airspace (volumes and routes) begins and ends: {start, end}, or null when it has none. */
export function noticeSpan(q) {
  const starts = [];
  const ends = [];
  for (const v of (q && q.volumes) || []) {
    starts.push(v.start_time);
    ends.push(v.end_time);
  }
  for (const r of noticeRoutes(q)) {
    if (Number.isFinite(r.start)) starts.push(r.start);
    if (Number.isFinite(r.end)) ends.push(r.end);
  }
  if (!ends.length) return null;
  return { start: Math.min(...starts), end: Math.max(...ends) };
}

/** Whether the map draws the notice at `now`: it has airspace of its own that has not ended. */
export function isLiveNotice(q, now) {
  if (!isNotice(q)) return false;
  const s = noticeSpan(q);
  return !!s && s.end > now;
}

/** The map label of a notice volume: "NOTICE · red: Strike package in the northern… · 14:00–16:00 UTC". */
export function noticeLabel(q, vol) {
  const words = firstWords(q.message);
  return `NOTICE · ${q.from}${words ? `: ${words}` : ''} · ${windowText(vol.start_time, vol.end_time)}`;
}

/** The map label of a notice route (at its first waypoint): "NOTICE · red: HAWK 1 ingress · 14:00–14:40 UTC". */
export function routeLabel(q, r) {
  const what = r.route.name ? firstWords(r.route.name) : firstWords(q.message);
  const wps = r.route.waypoints || [];
  const t0 = wps.length ? wps[0].time : r.start;
  const t1 = wps.length ? wps[wps.length - 1].time : r.end;
  return `NOTICE · ${q.from}${what ? `: ${what}` : ''} · ${windowText(t0, t1)}`;
}

/** A waypoint's mark: "14:05 FL180". */
export function waypointLabel(wp) {
  return `${hhmm(wp.time)} ${flText(wp.alt_ft)}`;
}

/** Who the notice is for, in words: "everyone" or the party. */
export function addressee(q) {
  return q.to ? q.to : 'everyone';
}

/**
 * The notice in full words (tooltip, cards): "red's notice q-5 to everyone: <message> ·
 * 2 volumes, 1 route · 14:00–16:00 UTC".
 */
export function noticeSentence(q) {
  const s = noticeSpan(q);
  const parts = [];
  const nv = ((q && q.volumes) || []).length;
  const nr = ((q && q.routes) || []).length;
  if (nv) parts.push(`${nv} volume${nv > 1 ? 's' : ''}`);
  if (nr) parts.push(`${nr} route${nr > 1 ? 's' : ''}`);
  if (q.reservation_id) parts.push(`reservation ${q.reservation_id}`);
  return `${q.from}'s notice ${q.id} to ${addressee(q)}${q.message ? `: ${q.message}` : ''}${parts.length ? ` · ${parts.join(', ')}` : ''}${s ? ` · ${windowText(s.start, s.end)}` : ''}`;
}

/**
 * How the map draws a notice's airspace: `{kind, colour, dash, hatch, fillAlpha, lineWidth}` —
 * a volume ('notice') dotted with a light fill, a route's corridor ('corridor') finer dotted
 * and fainter, the route's line ('route') dash-dotted. All in the sender's colour.
 */
export function noticeStyle(kind, colour) {
  switch (kind) {
    case 'route':
      return { kind, colour, dash: [8, 3, 2, 3], hatch: null, fillAlpha: '00', lineWidth: 2 };
    case 'corridor':
      return { kind, colour, dash: [1, 4], hatch: null, fillAlpha: '08', lineWidth: 1 };
    default:
      return { kind: 'notice', colour, dash: [2, 4], hatch: null, fillAlpha: '0d', lineWidth: 1.6 };
  }
}

/** Whether an intrusion alert is on a notice (an advisory, not a compliance or zone intrusion). */
export function isNoticeIntrusion(i) {
  return !!i && (i.purpose === 'notice' || /^q-/.test(String(i.reservation_id || '')));
}

/**
 * A notice intrusion's words at `now`: "NOTICE · RAVEN51 predicted to cross red's notice q-5
 * in 3:20" (counting down from the alert's `time_to_entry_s`), or "NOTICE · RAVEN51 is crossing
 * red's notice q-5 now" while inside. `q` is the notice when known (its sender).
 */
export function noticeIntrusionText(i, q, now, callsign) {
  const who = callsign || (i.track_state && i.track_state.callsign) || i.track_id;
  const sender = (q && q.from) || i.volume_party || 'another party';
  const id = (q && q.id) || i.reservation_id;
  if (i.inside_now) return `NOTICE · ${who} is crossing ${sender}'s notice ${id} now`;
  const ref = i.updated_at || i.raised_at || now;
  return `NOTICE · ${who} predicted to cross ${sender}'s notice ${id} in ${untilText(i.time_to_entry_s - (now - ref))}`;
}

/**
 * A crossing's words for `viewerParty`: "NOTICE · your reservation r-3 (Blue CAP north) crosses
 * red's notice q-5, 14:00–15:00 UTC, FL150–FL200" ("blue's reservation" for anyone else; "your
 * notice" for its sender).
 */
export function crossingText(c, q, viewerParty) {
  const whose = c.party === viewerParty ? 'your reservation' : `${c.party}'s reservation`;
  const name = c.name ? ` (${c.name})` : '';
  const notice = q.from === viewerParty ? `your notice ${q.id}` : `${q.from}'s notice ${q.id}`;
  return `NOTICE · ${whose} ${c.reservation_id}${name} crosses ${notice}, ${windowText(c.start_time, c.end_time)}, ${altBand(c.lower_ft, c.upper_ft)}`;
}

/** A crossing's id in the alert list: "q-5×r-3#0.1" (notice, reservation, notice volume, reservation volume). */
export function crossingId(q, c) {
  return `${q.id}×${c.reservation_id}#${c.volume_index ?? 0}.${c.other_volume_index ?? 0}`;
}

/**
 * The alert-list items of the notices' crossings that have not ended at `now`: `{kind:
 * 'crossing', id, level: 1, unacked: false, t, item}` with `item` the crossing plus
 * `notice_id` and `from` (the sender), `t` the time to the crossing's start.
 */
export function crossingItems(requests, now) {
  const out = [];
  for (const q of requests instanceof Map ? requests.values() : requests || []) {
    if (!isNotice(q)) continue;
    for (const c of q.crossings || []) {
      if (!(c.end_time > now)) continue;
      out.push({ kind: 'crossing', id: crossingId(q, c), level: 1, unacked: false, t: c.start_time - now, item: { ...c, notice_id: q.id, from: q.from } });
    }
  }
  return out;
}

/** What of the notices the map and the alert list show, as one string: they redraw when it changes. */
export function noticeKey(requests, now) {
  const out = [];
  for (const q of requests instanceof Map ? requests.values() : requests || []) {
    if (!isNotice(q)) continue;
    const live = isLiveNotice(q, now);
    if (!live && !(q.crossings || []).length) continue;
    out.push(`${q.id}:${q.version}:${live}:${JSON.stringify(q.volumes || [])}:${JSON.stringify(q.routes || [])}:${(q.route_volumes || []).length}:${JSON.stringify(q.crossings || [])}`);
  }
  return out.sort().join('|');
}

/** A route's summary for a card: "HAWK 1 ingress · 4 waypoints · 14:00–14:40 UTC · FL180–FL220". */
export function routeSummary(r) {
  const wps = r.route.waypoints || [];
  const alts = wps.map((w) => w.alt_ft).filter(Number.isFinite);
  const band = alts.length ? ` · ${altBand(Math.min(...alts), Math.max(...alts))}` : '';
  const when = wps.length ? ` · ${windowText(wps[0].time, wps[wps.length - 1].time)}` : '';
  return `${r.route.name || `route ${r.index + 1}`} · ${wps.length} waypoints${when}${band}`;
}
