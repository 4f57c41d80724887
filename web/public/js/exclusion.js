// Exclusions, compliance and contested volumes (docs/api.md "Reservations, zones, requests"),
// as pure functions of the server's records (no store, no DOM), so that the map, the alert
// list, the banner, the details card, the requests and reservations panels and the tests say
// the same words.
//
// - An *exclusion* is the reservation (purpose "exclusion", owned by the requester) that blue's
//   acceptance of red's vacate request created: from its *deadline* (`exclusion.deadline`) the
//   watched party's aircraft must be out of the volume. On the map:
//     "EXCLUSION · blue out by 14:08:00 UTC · in 7:42"   (before the deadline)
//     "EXCLUSION · blue out by 14:08:00 UTC · in force"  (from it)
// - Before the deadline, an intrusion alert on an exclusion is a *compliance* alert: its
//   aircraft is inside, or predicted inside at the deadline, and must be out by then
//   (`time_to_entry_s` is the time to the deadline):
//     "COMPLIANCE · RAVEN51 must leave red's exclusion by 14:08:00 UTC (in 7:42)"
//   From the deadline on it is an ordinary intrusion, said in the usual words.
// - An accepted vacate request carries its compliance status (`compliance`) in GET /requests
//   only: stream frames and answers do not, so a frame keeps the status the last list gave.
// - A declined (or expired, never answered) vacate request is *contested* while its volume
//   has not ended (`contested: true`): shown to both parties and the cell, not a reservation:
//     "CONTESTED · red's request q-3 declined by blue: package airborne"

import { utcTime } from './util.js';

/** How often GET /requests is asked for compliance while an exclusion's deadline is ahead (ms). */
export const COMPLIANCE_POLL_MS = 3000;
/** The reason on a contested volume's map label is cut to this many characters. */
export const CONTESTED_REASON_MAX = 48;

/** Whether the reservation is an exclusion (created by accepting a vacate request). */
export function isExclusion(r) {
  return !!r && r.purpose === 'exclusion';
}

/** The exclusion's link: {request_id, watch_party, deadline}, from its `exclusion` field (the first volume's start as the deadline when that is missing). */
export function exclusionLink(r) {
  if (!isExclusion(r)) return null;
  const x = r.exclusion || {};
  const start = r.volumes && r.volumes[0] ? r.volumes[0].start_time : null;
  const deadline = Number.isFinite(x.deadline) ? x.deadline : Number.isFinite(start) ? start : null;
  return { request_id: x.request_id ?? null, watch_party: x.watch_party ?? null, deadline };
}

/** When the exclusion ends: its last volume's end (UNIX s), or null. */
export function exclusionEnd(r) {
  const ends = ((r && r.volumes) || []).map((v) => v.end_time).filter(Number.isFinite);
  return ends.length ? Math.max(...ends) : null;
}

/** Whether the exclusion is live at `now`: neither cancelled nor ended, its window not over. */
export function isLiveExclusion(r, now) {
  if (!isExclusion(r) || r.state === 'cancelled' || r.state === 'ended') return false;
  const end = exclusionEnd(r);
  return end === null || end > now;
}

/** 'pending' before the deadline, 'in-force' from it (null deadline: in force). */
export function deadlinePhase(deadline, now) {
  return Number.isFinite(deadline) && now < deadline ? 'pending' : 'in-force';
}

/** A countdown of `s` seconds, rounded up: "7:42", "0:05", "1:02:03" from an hour. */
export function untilText(s) {
  const t = Math.max(0, Math.ceil((Number.isFinite(s) ? s : 0) - 1e-9));
  const hh = Math.floor(t / 3600);
  const mm = Math.floor((t % 3600) / 60);
  const ss = String(t % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** "in 7:42" before `until`, else `after` ("in force"). */
export function inText(until, now, after = 'in force') {
  return Number.isFinite(until) && now < until ? `in ${untilText(until - now)}` : after;
}

/** "14:08:00 UTC". */
export function utc(t) {
  return `${utcTime(t)} UTC`;
}

/** The exclusion's map label at `now`: "EXCLUSION · blue out by 14:08:00 UTC · in 7:42" (then "· in force"). */
export function exclusionLabel(r, now) {
  const l = exclusionLink(r);
  if (!l) return '';
  const who = l.watch_party || 'the other party';
  return `EXCLUSION · ${who} out by ${l.deadline === null ? '—' : utc(l.deadline)} · ${inText(l.deadline, now)}`;
}

/**
 * The exclusion in full words (tooltip, cards): "red's exclusion r-4: blue keeps its aircraft
 * out from 14:08:00 UTC (in 7:42), accepted request q-1".
 */
export function exclusionSentence(r, now) {
  const l = exclusionLink(r);
  if (!l) return '';
  const when = l.deadline === null ? '' : ` from ${utc(l.deadline)} (${inText(l.deadline, now)})`;
  return `${r.party}'s exclusion ${r.id}: ${l.watch_party || 'the other party'} keeps its aircraft out${when}${l.request_id ? `, accepted request ${l.request_id}` : ''}`;
}

/**
 * The exclusion an intrusion is on, from the reservations (a Map or array) or, when its
 * reservation frame has not come yet, from an accepted request naming it as its exclusion
 * (deadline: the request volume's start, or the answer if later). Null when it is not one.
 */
export function exclusionOfIntrusion(i, reservations, requests = []) {
  if (!i) return null;
  const get = (coll, id) => (coll instanceof Map ? coll.get(id) : [...(coll || [])].find((x) => x.id === id));
  const r = get(reservations, i.reservation_id);
  if (r) return isExclusion(r) ? r : null;
  const list = requests instanceof Map ? [...requests.values()] : requests || [];
  const q = list.find((x) => x.exclusion_id === i.reservation_id);
  if (!q || !q.volume) return null;
  const deadline = q.compliance && Number.isFinite(q.compliance.deadline)
    ? q.compliance.deadline
    : Math.max(q.volume.start_time, Number.isFinite(q.answered_at) ? q.answered_at : -Infinity);
  return {
    id: i.reservation_id, party: q.from, purpose: 'exclusion', name: i.reservation_name, state: 'accepted',
    volumes: [{ ...q.volume, start_time: deadline }],
    exclusion: { request_id: q.id, watch_party: q.to, deadline },
  };
}

/** Whether the intrusion reads as compliance at `now`: on an exclusion whose deadline is ahead. */
export function isCompliance(i, exclusion, now) {
  if (!i || !isExclusion(exclusion)) return false;
  return deadlinePhase(exclusionLink(exclusion).deadline, now) === 'pending';
}

/**
 * A compliance alert's sentence: "COMPLIANCE · RAVEN51 must leave red's exclusion by 14:08:00 UTC
 * (in 7:42)". `callsign` names the aircraft.
 */
export function complianceText(i, exclusion, now, callsign) {
  const l = exclusionLink(exclusion);
  const who = callsign || (i.track_state && i.track_state.callsign) || i.track_id;
  const owner = (exclusion && exclusion.party) || i.volume_party;
  const by = l && l.deadline !== null ? ` by ${utc(l.deadline)} (${inText(l.deadline, now, 'now')})` : '';
  return `COMPLIANCE · ${who} must leave ${owner}'s exclusion${by}`;
}

/** An intrusion's words at `now`: the compliance sentence before an exclusion's deadline, else "RAVEN51 INSIDE …" / "RAVEN51 entering … in 0:42". */
export function intrusionText(i, exclusion, now, callsign) {
  if (isCompliance(i, exclusion, now)) return complianceText(i, exclusion, now, callsign);
  const who = callsign || (i.track_state && i.track_state.callsign) || i.track_id;
  const name = i.reservation_name || (exclusion && exclusion.name) || i.reservation_id;
  if (i.inside_now) return `${who} INSIDE ${name}`;
  const ref = i.updated_at || i.raised_at || now;
  return `${who} entering ${name} in ${untilText(i.time_to_entry_s - (now - ref))}`;
}

/**
 * A request as the store keeps it when `next` (a stream frame or an answer, which carry no
 * compliance status) replaces `old`: the status the last list gave is kept while the request
 * is still accepted and names the same exclusion.
 */
export function mergeRequest(old, next) {
  if (!next || next.compliance !== undefined || !old || !old.compliance) return next;
  if (next.state !== 'accepted' || (next.exclusion_id && next.exclusion_id !== old.compliance.exclusion_id)) return next;
  return { ...next, compliance: old.compliance };
}

/** The deadline of an accepted vacate request's exclusion: its compliance status's, else the exclusion's, else null. */
export function requestDeadline(q, reservations) {
  if (!q || q.state !== 'accepted' || !q.exclusion_id) return null;
  if (q.compliance && Number.isFinite(q.compliance.deadline)) return q.compliance.deadline;
  const r = reservations instanceof Map ? reservations.get(q.exclusion_id) : null;
  const l = exclusionLink(r);
  return l ? l.deadline : null;
}

/**
 * Whether the compliance status is worth asking for every few seconds: an accepted request
 * whose exclusion is live and whose deadline is ahead, or whose status still lists aircraft
 * (after the deadline, until they are out).
 */
export function needsCompliancePoll(requests, reservations, now) {
  for (const q of requests instanceof Map ? requests.values() : requests || []) {
    if (q.kind !== 'vacate' || q.state !== 'accepted' || !q.exclusion_id) continue;
    const r = reservations instanceof Map ? reservations.get(q.exclusion_id) : null;
    if (r && !isLiveExclusion(r, now)) continue;
    const d = requestDeadline(q, reservations);
    if (d === null || now < d) return true;
    if (q.compliance && !q.compliance.compliant) return true;
  }
  return false;
}

/**
 * The compliance status's words: `{head, compliant, aircraft: [{track_id, text, exit}]}` —
 * "NOT COMPLIANT · 1 blue aircraft predicted inside at 14:08:00 UTC" / "COMPLIANT · no blue
 * aircraft inside or predicted inside", and per aircraft "RAVEN51 predicted inside at the
 * deadline · CAUTION" with its expected exit (`exit`: UNIX s or null, the words after it say
 * what null means). `callsign(id)` names aircraft the status does not.
 */
export function complianceLines(c, watchParty, now, callsign = () => null) {
  if (!c) return null;
  const who = watchParty || 'watched';
  const pending = deadlinePhase(c.deadline, now) === 'pending';
  const list = c.aircraft || [];
  const n = list.length;
  const head = c.compliant || !n
    ? `COMPLIANT · no ${who} aircraft ${pending ? 'inside or predicted inside at the deadline' : 'inside'}`
    : `NOT COMPLIANT · ${n} ${who} aircraft ${pending ? `inside or predicted inside at ${utc(c.deadline)}` : 'inside after the deadline'}`;
  const LEVEL_NAMES = { 1: 'ADVISORY', 2: 'CAUTION', 3: 'WARNING' };
  return {
    head,
    compliant: !!c.compliant || !n,
    aircraft: list.map((a) => {
      const name = a.callsign || callsign(a.track_id) || a.track_id;
      const where = a.inside_now ? 'inside now' : pending ? 'predicted inside at the deadline' : 'predicted inside';
      const exit = Number.isFinite(a.expected_exit) ? a.expected_exit : null;
      return {
        track_id: a.track_id,
        callsign: name,
        level: a.level,
        text: `${name} ${where}${LEVEL_NAMES[a.level] ? ` · ${LEVEL_NAMES[a.level]}` : ''}`,
        exit,
        exitText: exit === null ? 'not expected to leave on its current path before the exclusion ends' : `expected out at ${utc(exit)} on its current path`,
      };
    }),
  };
}

/** Whether a request is a contested volume at `now`: a declined or unanswered vacate request whose volume has not ended. */
export function isContested(q, now) {
  return !!q && q.kind === 'vacate' && q.contested === true && !!q.volume && !(q.volume.end_time <= now);
}

/** `s` cut to `max` characters with an ellipsis. */
export function clip(s, max) {
  const t = String(s ?? '').replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, Math.max(1, max - 1)).trimEnd()}…` : t;
}

/**
 * A contested volume's words: "CONTESTED · red's request q-3 declined by blue: <reason>", or
 * "… unanswered by blue (expired)"; the reason cut to `max` characters (Infinity: whole).
 */
export function contestedLabel(q, max = CONTESTED_REASON_MAX) {
  const to = q.to || 'every party';
  const base = `CONTESTED · ${q.from}'s request ${q.id}`;
  if (q.state === 'declined') return `${base} declined by ${to}${q.reason ? `: ${max === Infinity ? String(q.reason).trim() : clip(q.reason, max)}` : ''}`;
  return `${base} unanswered by ${to} (expired)`;
}

/**
 * How the map draws a reservation-layer volume: `{kind, colour, dash, hatch, fillAlpha,
 * lineWidth}` — `kind` 'exclusion' (the requester's colour, solid, cross-hatched, bolder once
 * in force), 'hazard' (violet, dotted, hatched), 'contested' (its own colour, dashed, no
 * hatch) or 'reservation' (the owner's colour, dashed while proposed).
 */
export function volumeStyle(kind, { colour, proposed = false, own = false, phase = 'pending' } = {}) {
  switch (kind) {
    case 'exclusion':
      return { kind, colour, dash: phase === 'pending' ? [10, 3, 2, 3] : [], hatch: 'cross', fillAlpha: '22', lineWidth: phase === 'pending' ? 2 : 2.4 };
    case 'hazard':
      return { kind, colour, dash: proposed ? [6, 4] : [2, 3], hatch: 'diagonal', fillAlpha: '26', lineWidth: own ? 1.6 : 1.2 };
    case 'contested':
      return { kind, colour, dash: [7, 5], hatch: null, fillAlpha: '10', lineWidth: 1.8 };
    default:
      return { kind: 'reservation', colour, dash: proposed ? [6, 4] : [], hatch: null, fillAlpha: '1c', lineWidth: own ? 1.6 : 1.2 };
  }
}

/** What of the requests the map draws (the contested volumes), as one string: it redraws when this changes. */
export function contestedKey(requests, now) {
  const out = [];
  for (const q of requests instanceof Map ? requests.values() : requests || []) {
    if (isContested(q, now)) out.push(`${q.id}:${q.state}:${q.reason ?? ''}:${q.volume.end_time}:${JSON.stringify(q.volume.shape)}`);
  }
  return out.sort().join('|');
}
