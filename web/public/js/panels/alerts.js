// The alert list: conflicts and zone intrusions concerning the viewer, sorted by urgency
// (unacknowledged warnings first, then level, then time to loss of separation), with a live
// countdown and the acknowledge button (POST /api/v1/conflicts/{id}/ack, and
// POST /api/v1/intrusions/{id}/ack for the aircraft's and the volume's owners).

import { post } from '../api.js';
import { store } from '../store.js';
import { h, countdown, flText, partyColour } from '../util.js';
import { levelLabel, isWarning } from '../levels.js';

let listEl;
let countEl;
let onFocus = () => {};
let toast = () => {};

export function initAlerts(list, count, focus, showToast) {
  listEl = list;
  countEl = count;
  onFocus = focus;
  toast = showToast;
  store.on('conflicts', render);
  store.on('intrusions', render);
  setInterval(tick, 1000);
}

/** Updates the countdowns in place (a full re-render only happens on alert events). */
function tick() {
  if (!listEl) return;
  for (const li of listEl.children) {
    const id = li.dataset.alertId;
    const ttl = li.querySelector('.ttl');
    if (li.dataset.kind === 'conflict') {
      const c = store.conflicts.get(id);
      if (!c) continue;
      const t = timeToLoss(c);
      ttl.textContent = t !== null && t <= 0 ? 'LOSS' : countdown(t);
    } else {
      const i = store.intrusions.get(id);
      if (i) ttl.textContent = countdown(timeToEntry(i));
    }
  }
}

function me() {
  return store.me && store.me.party;
}

function ackedByMe(c) {
  const p = me();
  if (store.me && store.me.role === 'cell') return c.acks && Object.values(c.acks).length > 0 && Object.values(c.acks).every(Boolean);
  return !!(c.acks && c.acks[p]);
}

/** Seconds until loss of separation now, from t_in_s as of the conflict's last update. */
export function timeToLoss(c) {
  const ref = c.updated_at || c.raised_at || store.now();
  const base = c.t_in_s ?? c.tcpa_s;
  if (base === null || base === undefined) return null;
  return base - (store.now() - ref);
}

function timeToEntry(i) {
  const ref = i.updated_at || i.raised_at || store.now();
  return i.time_to_entry_s - (store.now() - ref);
}

export function sortedAlerts() {
  const items = [];
  for (const c of store.conflicts.values()) {
    items.push({ kind: 'conflict', id: c.id, level: c.level || 0, unacked: !ackedByMe(c), t: timeToLoss(c), item: c });
  }
  for (const i of store.intrusions.values()) {
    items.push({ kind: 'intrusion', id: i.id, level: i.level || 0, unacked: !ackedByMe(i), t: timeToEntry(i), item: i });
  }
  items.sort((x, y) => {
    const wx = isWarning(x.level) && x.unacked ? 1 : 0;
    const wy = isWarning(y.level) && y.unacked ? 1 : 0;
    if (wx !== wy) return wy - wx;
    if (x.level !== y.level) return y.level - x.level;
    return (x.t ?? Infinity) - (y.t ?? Infinity);
  });
  return items;
}

function name(id, state) {
  if (!state) {
    // Intrusions carry the aircraft's state at alert time for viewers who cannot see it.
    for (const i of store.intrusions.values()) if (i.track_id === id && i.track_state) state = i.track_state;
  }
  const t = store.tracks.get(id);
  return (t && t.callsign) || (state && state.callsign) || id;
}

function alt(id, state) {
  const t = store.tracks.get(id) || state;
  return t ? flText(t.alt_ft) : '---';
}

/** Acknowledges the caller's side of a conflict (the cell names the side). */
export function acknowledge(c, party) {
  return acknowledgeAlert('conflicts', 'conflict', c, party);
}

/** Acknowledges the caller's side of an intrusion (the cell names the side). */
export function acknowledgeIntrusion(i, party) {
  return acknowledgeAlert('intrusions', 'intrusion', i, party);
}

/**
 * POST /{kind}/{id}/ack for the alert `a` (`kind` 'conflicts' or 'intrusions', `name` its
 * singular), and the acknowledged alert the server answers applied to the store; a refusal is
 * toasted.
 */
async function acknowledgeAlert(kind, name, a, party) {
  try {
    const body = party ? { party } : {};
    const updated = await post(`/${kind}/${encodeURIComponent(a.id)}/ack`, body);
    if (updated && updated.id) store.applyAlert(kind, name, 'updated', updated);
  } catch (e) {
    toast(`Acknowledge failed: ${e.message}`, true);
  }
}

/**
 * The sides the viewer may acknowledge of an alert whose parties are `parties`: every
 * involved party for the cell, its own side for an involved party, none otherwise.
 */
export function ackSides(parties) {
  const cell = store.me && store.me.role === 'cell';
  if (cell) return parties.filter((x, i, arr) => x && arr.indexOf(x) === i);
  if (store.me && store.me.role === 'observer') return [];
  const p = me();
  return [p].filter((x) => x && parties.includes(x));
}

/** The ACK buttons (or acknowledged marks) of an alert, `ack(party)` sending one. */
function ackActions(id, acks, parties, ack) {
  const cell = store.me && store.me.role === 'cell';
  const acts = h('div', { class: 'acts' });
  for (const side of ackSides(parties)) {
    const done = acks && acks[side];
    if (done) acts.append(h('span', { class: 'ackd', testid: 'ack-done' }, cell ? `${side} ACK` : 'ACK’D'));
    else {
      acts.append(h('button', {
        class: 'primary',
        testid: 'ack-button',
        dataset: { alertId: id, party: side },
        title: 'Acknowledge (A acknowledges the top alert)',
        onclick: (e) => {
          e.stopPropagation();
          ack(cell ? side : null);
        },
      }, cell ? `ACK ${side}` : 'ACK'));
    }
  }
  return acts;
}

function conflictItem(a) {
  const c = a.item;
  const acts = ackActions(c.id, c.acks, [c.a_party, c.b_party], (party) => acknowledge(c, party));
  const t = a.t;
  return h('li', {
    class: `alert l${c.level} ${a.unacked ? 'unacked' : 'acked'}`,
    testid: 'alert-item',
    dataset: { alertId: c.id, level: String(c.level), kind: 'conflict', a: c.a, b: c.b, aParty: c.a_party, bParty: c.b_party },
    onclick: () => onFocus(a),
  },
  h('span', { class: 'lvl' }, levelLabel(c.level)),
  h('span', {}, c.cross_party ? 'cross-party' : 'same party', ' · ', c.id),
  h('span', { class: 'ttl', testid: 'alert-countdown' }, t !== null && t <= 0 ? 'LOSS' : countdown(t)),
  h('span', { class: 'who2' },
    h('span', { style: { color: partyColour(c.a_party) } }, `${name(c.a, c.a_state)} ${alt(c.a, c.a_state)}`),
    ' ↔ ',
    h('span', { style: { color: partyColour(c.b_party) } }, `${name(c.b, c.b_state)} ${alt(c.b, c.b_state)}`)),
  h('span', { class: 'meta' }, `CPA ${countdown(c.tcpa_s - (store.now() - (c.updated_at || c.raised_at || store.now())))} · ${(c.dcpa_m / 1852).toFixed(1)} NM · ${Math.round(c.vsep_cpa_ft ?? 0)} ft`),
  acts);
}

function intrusionItem(a) {
  const i = a.item;
  const acts = ackActions(i.id, i.acks, [i.track_party, i.volume_party], (party) => acknowledgeIntrusion(i, party));
  return h('li', {
    class: `alert l${i.level} intrusion ${a.unacked ? 'unacked' : 'acked'}`,
    testid: 'alert-item',
    dataset: { alertId: i.id, level: String(i.level), kind: 'intrusion', track: i.track_id, aParty: i.track_party, bParty: i.volume_party },
    onclick: () => onFocus(a),
  },
  h('span', { class: 'lvl' }, levelLabel(i.level)),
  h('span', {}, 'zone intrusion · ', i.id),
  h('span', { class: 'ttl', testid: 'alert-countdown' }, countdown(a.t)),
  h('span', { class: 'who2' },
    h('span', { style: { color: partyColour(i.track_party) } }, `${name(i.track_id, i.track_state)} ${alt(i.track_id, i.track_state)}`),
    i.inside_now ? ' INSIDE ' : ' → ', `${i.reservation_name || store.reservations.get(i.reservation_id)?.name || i.reservation_id} (${i.volume_party})`),
  h('span', { class: 'meta' }, i.entry_point ? `entry ${i.entry_point.lat_deg.toFixed(3)}, ${i.entry_point.lon_deg.toFixed(3)} ${flText(i.entry_point.alt_ft)}` : ''),
  acts);
}

function render() {
  if (!listEl) return;
  const items = sortedAlerts();
  listEl.replaceChildren(...items.map((a) => (a.kind === 'conflict' ? conflictItem(a) : intrusionItem(a))));
  countEl.textContent = String(items.length);
  countEl.classList.toggle('hot', items.some((a) => isWarning(a.level) && a.unacked));
}
