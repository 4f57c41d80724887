// The alert list's order and who may acknowledge what, as pure functions of plain values (no
// store, no DOM), so that the list, the `A` key and the tests agree.
//
// Alerts are grouped by the parties of their two sides (a conflict's `a_party`/`b_party`, an
// intrusion's `track_party`/`volume_party`; null for civil traffic; a position discrepancy
// concerns its aircraft's owner alone, on both sides), in this order:
//   own          the viewer's own party is one of the sides (a party viewer only)
//   cross        both sides belong to parties, different ones
//   same         both sides belong to one party (not the viewer's)
//   party-civil  one side belongs to a party, the other is civil
//   civil        both sides are civil: awareness only, nobody acknowledges them
// Within a group: unacknowledged warnings first, then level, then time to loss.
//
// The parties that may acknowledge an alert are the keys of its `acks` map (a civil–civil
// alert has none): a party its own side, the cell any side (naming it), observers none.
// Nobody acknowledges a position discrepancy (there is no route for it): it clears by itself.
// A notice crossing (a recipient's reservation crossing an advance notice, js/notice.js)
// concerns the reservation's owner and the notice's sender; nobody acknowledges it in the list
// (the notice itself is acknowledged in Requests).

import { isWarning } from './levels.js';
import { DISCREPANCY_REASON } from './discrepancy.js';
import { CROSSING_REASON } from './notice.js';

export { DISCREPANCY_REASON, CROSSING_REASON };

export const GROUPS = [
  { key: 'own', label: 'Your party' },
  { key: 'cross', label: 'Cross-party' },
  { key: 'same', label: 'Same party' },
  { key: 'party-civil', label: 'Party – civil' },
  { key: 'civil', label: 'Civil – civil', muted: true },
];

const GROUP_RANK = Object.fromEntries(GROUPS.map((g, i) => [g.key, i]));

export const CIVIL_REASON = 'civil–civil alert: nobody acknowledges it; it is for awareness';
export const NOBODY_REASON = 'nobody acknowledges this alert; it is for awareness';
export const OBSERVER_REASON = 'an observer acknowledges no alert; alerts are shown for awareness';
export const NOT_YOURS_REASON = 'this alert does not concern your party';
export const DONE_REASON = 'already acknowledged';

/** The two sides' parties of a raw conflict or intrusion (null for civil). */
export function alertParties(raw, kind = 'conflict') {
  if (kind === 'intrusion') return [raw.track_party ?? null, raw.volume_party ?? null];
  if (kind === 'discrepancy') return [raw.party ?? null, raw.party ?? null];
  if (kind === 'crossing') return [raw.party ?? null, raw.from ?? null];
  return [raw.a_party ?? null, raw.b_party ?? null];
}

/** The group key of an alert for `viewer` ({party, role}). */
export function alertGroup(raw, kind, viewer) {
  const [pa, pb] = alertParties(raw, kind);
  const me = viewer && viewer.role === 'party' ? viewer.party : null;
  if (me && (pa === me || pb === me)) return 'own';
  if (pa && pb) return pa === pb ? 'same' : 'cross';
  if (pa || pb) return 'party-civil';
  return 'civil';
}

/** The parties that may acknowledge the alert (the keys of `acks`; none for civil–civil or a discrepancy). */
export function ackParties(raw, kind = 'conflict') {
  if (kind === 'discrepancy' || kind === 'crossing') return [];
  if (raw.acks && typeof raw.acks === 'object') return Object.keys(raw.acks);
  return alertParties(raw, kind).filter((p, i, arr) => p && arr.indexOf(p) === i);
}

/** The sides the viewer may still acknowledge: unacknowledged sides it has the right to. */
export function ackableSides(raw, kind, viewer) {
  if (!viewer || viewer.role === 'observer') return [];
  const acks = raw.acks || {};
  const sides = ackParties(raw, kind);
  const mine = viewer.role === 'cell' ? sides : sides.filter((p) => p === viewer.party);
  return mine.filter((p) => !acks[p]);
}

/**
 * Whether the alert still waits for an acknowledgement that concerns the viewer: its own side
 * for a party; any side for the cell and observers. A civil–civil alert never does.
 */
export function unackedFor(raw, kind, viewer) {
  const acks = raw.acks || {};
  const sides = ackParties(raw, kind);
  if (viewer && viewer.role === 'party') return sides.includes(viewer.party) && !acks[viewer.party];
  return sides.some((p) => !acks[p]);
}

/** Why the viewer cannot acknowledge the alert, in plain words; null when it can. */
export function ackRefusal(raw, kind, viewer) {
  const sides = ackParties(raw, kind);
  if (kind === 'discrepancy') return DISCREPANCY_REASON;
  if (kind === 'crossing') return CROSSING_REASON;
  if (!sides.length) return alertParties(raw, kind).some(Boolean) ? NOBODY_REASON : CIVIL_REASON;
  if (!viewer || viewer.role === 'observer') return OBSERVER_REASON;
  if (viewer.role !== 'cell' && !sides.includes(viewer.party)) return NOT_YOURS_REASON;
  return ackableSides(raw, kind, viewer).length ? null : DONE_REASON;
}

/** Urgency order: unacknowledged warnings first, then level (highest first), then time to loss. */
export function compareUrgency(x, y) {
  const wx = isWarning(x.level) && x.unacked ? 1 : 0;
  const wy = isWarning(y.level) && y.unacked ? 1 : 0;
  if (wx !== wy) return wy - wx;
  if (x.level !== y.level) return y.level - x.level;
  const t = (x.t ?? Infinity) - (y.t ?? Infinity);
  if (t) return t;
  return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
}

/**
 * List items ({kind, id, level, unacked, t, item}) in groups for the viewer: the non-empty
 * groups of GROUPS in order, each `{key, label, muted, items}` in urgency order.
 */
export function groupAlerts(items, viewer) {
  const by = new Map();
  for (const a of items) {
    const key = alertGroup(a.item, a.kind, viewer);
    if (!by.has(key)) by.set(key, []);
    by.get(key).push(a);
  }
  return GROUPS.filter((g) => by.has(g.key)).map((g) => ({ ...g, items: by.get(g.key).sort(compareUrgency) }));
}

/** The items in display order (the groups one after another), each tagged with its group. */
export function orderAlerts(items, viewer) {
  return groupAlerts(items, viewer).flatMap((g) => g.items.map((a) => Object.assign(a, { group: g.key })));
}

/**
 * What `A` does with the ordered list: `{item, party}` for the first alert the viewer can
 * acknowledge (`party` the side the cell names, else null), or `{item, reason}` with the most
 * urgent alert and why it cannot be acknowledged, or `{item: null}` when there is none.
 */
export function pickAcknowledge(ordered, viewer) {
  for (const a of ordered) {
    const sides = ackableSides(a.item, a.kind, viewer);
    if (sides.length) return { item: a, party: viewer.role === 'cell' ? sides[0] : null };
  }
  if (!ordered.length) return { item: null, reason: null };
  return { item: ordered[0], reason: ackRefusal(ordered[0].item, ordered[0].kind, viewer) };
}
