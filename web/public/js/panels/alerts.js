// The alert list: conflicts and zone intrusions concerning the viewer, in groups (the
// viewer's own party, cross-party, same party, party–civil, civil–civil; see alert-groups.js)
// and by urgency within each (unacknowledged warnings first, then level, then time to loss of
// separation), with a live countdown and the acknowledge button
// (POST /api/v1/conflicts/{id}/ack, and POST /api/v1/intrusions/{id}/ack for the aircraft's and
// the volume's owners). Civil–civil alerts, which nobody acknowledges, are collapsed into one
// line with their count unless the operator shows them (kept in localStorage). Position
// discrepancies (js/discrepancy.js) are listed as their own kind, ranked with cautions, with no
// acknowledge button (nobody acknowledges them); cleared ones stay, marked cleared, until they
// age out. Advance notices (js/notice.js) bring advisories: an aircraft predicted to cross a
// notice volume (an intrusion alert with purpose "notice", "NOTICE · RAVEN51 predicted to
// cross red's notice q-5 in 3:20") and a recipient's reservation crossing one (the notice's
// `crossings`, "NOTICE · your reservation r-3 (…) crosses red's notice q-5, …"), which nobody
// acknowledges in the list.

import { encounterTimes } from '../encounter.js';
import { encounterNow } from '../encounter-now.js';
import { post } from '../api.js';
import { Budgeted } from '../budget.js';
import { store } from '../store.js';
import { h, countdown, flText, partyColour } from '../util.js';
import { levelLabel, isWarning } from '../levels.js';
import { orderAlerts, unackedFor, pickAcknowledge, GROUPS, NOT_YOURS_REASON, DONE_REASON } from '../alert-groups.js';
import { isActive, discrepancyParts, discrepancyText, DISCREPANCY_LEVEL, DISCREPANCY_REASON } from '../discrepancy.js';
import { exclusionOfIntrusion, exclusionLink, isCompliance, complianceText } from '../exclusion.js';
import { isNoticeIntrusion, noticeIntrusionText, crossingItems, crossingText, noticeKey, windowText, CROSSING_REASON } from '../notice.js';

const SHOW_CIVIL_KEY = 'deconflict.alerts.showCivil';
/** The alert list, rebuilt for alert events, takes at most this share of the page's time. */
export const LIST_SHARE_MAX = 0.3;

let listEl;
let countEl;
let onFocus = () => {};
let toast = () => {};
let showCivil = false;
let civilBox = null;

function readShowCivil() {
  try {
    return localStorage.getItem(SHOW_CIVIL_KEY) === '1';
  } catch {
    return false;
  }
}

/** Whether the civil–civil alerts are shown (else collapsed to their count). */
export function showingCivil() {
  return showCivil;
}

/** Shows or collapses the civil–civil alerts, and remembers the choice. */
export function setShowCivil(on) {
  showCivil = !!on;
  try {
    localStorage.setItem(SHOW_CIVIL_KEY, showCivil ? '1' : '0');
  } catch {
    // Private mode: the choice lasts for the page only.
  }
  if (civilBox) civilBox.checked = showCivil;
  render();
}

/**
 * `civilToggle`: the "show civil–civil" checkbox (optional).
 */
export function initAlerts(list, count, focus, showToast, civilToggle = null) {
  listEl = list;
  countEl = count;
  onFocus = focus;
  toast = showToast;
  showCivil = readShowCivil();
  civilBox = civilToggle;
  if (civilBox) {
    civilBox.checked = showCivil;
    civilBox.addEventListener('change', () => setShowCivil(civilBox.checked));
  }
  // Alert events come by the dozen a second in a busy sky: one list for all that came since
  // the last one, within LIST_SHARE_MAX of the page's time (js/budget.js).
  const soon = new Budgeted(render, { share: LIST_SHARE_MAX });
  const later = () => soon.request();
  store.on('conflicts', later);
  store.on('intrusions', later);
  store.on('discrepancies', later);
  // An intrusion on an exclusion reads as compliance: worded again when the exclusion arrives.
  store.on('reservations', later);
  let notices = '';
  store.on('requests', () => {
    // The notices' crossings are listed, and notice intrusions named after their notice.
    const key = noticeKey(store.requests, store.now());
    if (key !== notices) {
      notices = key;
      return render();
    }
    for (const i of store.intrusions.values()) if (!store.reservations.has(i.reservation_id)) return render();
    return undefined;
  });
  setInterval(tick, 1000);
}

/** The list's big countdown: time to loss, "LOSS" while lost, "PASSED" after the closest point. */
function countdownOf(e) {
  if (e.phase === 'passed') return 'PASSED';
  if (e.phase === 'loss') return 'LOSS';
  return countdown(e.times.losS);
}

/** Updates the countdowns in place (a full re-render only happens on alert events). */
function tick() {
  if (!listEl) return;
  // Cleared discrepancies leave the list CLEARED_KEEP_S after they cleared (re-rendered then).
  if (store.pruneDiscrepancies()) return;
  for (const li of listEl.querySelectorAll('[data-testid=alert-item]')) {
    const id = li.dataset.alertId;
    const ttl = li.querySelector('.ttl');
    if (!id || !ttl) continue;
    if (li.dataset.kind === 'crossing') {
      const left = Number(li.dataset.start) - store.now();
      ttl.textContent = left > 0 ? countdown(left) : 'NOW';
      continue;
    }
    if (li.dataset.kind === 'conflict') {
      const c = store.conflicts.get(id);
      if (!c) continue;
      const e = encounterNow(c);
      ttl.textContent = countdownOf(e);
      const meta = li.querySelector('.meta');
      if (meta) meta.textContent = e.text;
    } else if (li.dataset.kind === 'intrusion') {
      const i = store.intrusions.get(id);
      if (!i) continue;
      ttl.textContent = countdown(timeToEntry(i));
      if (li.dataset.notice === 'true') {
        const text = li.querySelector('[data-testid=notice-text]');
        if (text) text.textContent = noticeWords(i);
        continue;
      }
      // A compliance alert's words count down too, and turn into an intrusion's at the deadline.
      const x = exclusionOf(i);
      const compliance = isCompliance(i, x, store.now());
      if (compliance !== (li.dataset.compliance === 'true')) {
        render();
        return;
      }
      const text = li.querySelector('[data-testid=compliance-text]');
      if (text) text.textContent = complianceText(i, x, store.now(), name(i.track_id, i.track_state));
    }
  }
}

/** The exclusion an intrusion is on (js/exclusion.js), or null for any other reservation or zone. */
export function exclusionOf(i) {
  return exclusionOfIntrusion(i, store.reservations, store.requests);
}

/** Whether an intrusion reads as compliance now (an exclusion's deadline ahead). */
export function isComplianceAlert(i) {
  return isCompliance(i, exclusionOf(i), store.now());
}

/** The words of a compliance alert now ("COMPLIANCE · RAVEN51 must leave red's exclusion by …"), or null. */
export function complianceWords(i) {
  const x = exclusionOf(i);
  return isCompliance(i, x, store.now()) ? complianceText(i, x, store.now(), name(i.track_id, i.track_state)) : null;
}

/** A notice intrusion's words now ("NOTICE · RAVEN51 predicted to cross red's notice q-5 in 3:20"). */
export function noticeWords(i) {
  return noticeIntrusionText(i, store.requests.get(i.reservation_id) || null, store.now(), name(i.track_id, i.track_state));
}

function me() {
  return store.me && store.me.party;
}

function viewer() {
  return store.me || { party: null, role: 'observer' };
}

/**
 * Seconds until loss of separation now: from the server's latest prediction for the pair
 * (`conflict_now`, at most a few seconds old), else from t_in_s as of the conflict's last
 * update (js/encounter.js encounterTimes).
 */
export function timeToLoss(c) {
  return encounterTimes(c, store.now(), store.conflictNow.get(c.id)).losS;
}

function timeToEntry(i) {
  const ref = i.updated_at || i.raised_at || store.now();
  return i.time_to_entry_s - (store.now() - ref);
}

/** Every alert in display order (groups, then urgency), each tagged with its `group`. */
export function sortedAlerts() {
  const v = viewer();
  const items = [];
  for (const c of store.conflicts.values()) {
    items.push({ kind: 'conflict', id: c.id, level: c.level || 0, unacked: unackedFor(c, 'conflict', v), t: timeToLoss(c), item: c });
  }
  for (const i of store.intrusions.values()) {
    const notice = isNoticeIntrusion(i);
    items.push({ kind: 'intrusion', id: i.id, level: i.level || 0, unacked: unackedFor(i, 'intrusion', v), t: timeToEntry(i), item: i, compliance: !notice && isComplianceAlert(i), notice, ...(notice ? { text: noticeWords(i) } : {}) });
  }
  // Recipients' reservations crossing an advance notice: advisories nobody acknowledges here.
  for (const c of crossingItems(store.requests, store.now())) {
    items.push({ ...c, text: crossingText(c.item, { id: c.item.notice_id, from: c.item.from }, v.party) });
  }
  for (const d of store.discrepancies.values()) {
    // Active ones rank with cautions; cleared ones after every active alert of their group.
    items.push({ kind: 'discrepancy', id: d.id, level: isActive(d) ? DISCREPANCY_LEVEL : 0, unacked: false, t: null, cleared: !isActive(d), item: d });
  }
  return orderAlerts(items, v);
}

/** The alert's two sides as the operator reads them, e.g. "VIPER11 ↔ SOKOL21". */
function pairText(a) {
  const x = a.item;
  if (a.kind === 'conflict') return `${name(x.a, x.a_state)} ↔ ${name(x.b, x.b_state)}`;
  if (a.kind === 'discrepancy') return `position discrepancy of ${x.callsign || x.track_id}`;
  if (a.kind === 'crossing') return `reservation ${x.reservation_id} crossing notice ${x.notice_id}`;
  return `${name(x.track_id, x.track_state)} → ${x.reservation_name || store.reservations.get(x.reservation_id)?.name || x.reservation_id}`;
}

/**
 * The `A` key: acknowledges the most urgent alert the viewer can acknowledge (the cell its
 * first unacknowledged side), else says in the status area why there is nothing to
 * acknowledge. Returns the text shown, or null when an acknowledgement was sent.
 */
export function acknowledgeMostUrgent() {
  const pick = pickAcknowledge(sortedAlerts(), viewer());
  if (pick.item && !pick.reason) {
    const a = pick.item;
    const sent = a.kind === 'conflict' ? acknowledge(a.item, pick.party) : acknowledgeIntrusion(a.item, pick.party);
    sent.then((ok) => { if (ok) toast(`Acknowledged${pick.party ? ` for ${pick.party}` : ''}: ${pairText(a)}`); });
    return null;
  }
  const text = pick.item ? `Nothing to acknowledge — ${pairText(pick.item)}: ${pick.reason}.` : 'Nothing to acknowledge: no active alerts.';
  toast(text);
  return text;
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
 * shown in plain words. Resolves to whether it was acknowledged.
 */
async function acknowledgeAlert(kind, name, a, party) {
  try {
    const body = party ? { party } : {};
    const updated = await post(`/${kind}/${encodeURIComponent(a.id)}/ack`, body);
    if (updated && updated.id) store.applyAlert(kind, name, 'updated', updated);
    return true;
  } catch (e) {
    toast(`Not acknowledged: ${refusalText(e)}.`, true);
    return false;
  }
}

/** A refused acknowledgement in plain words (the server's status, not its error text). */
function refusalText(e) {
  switch (e && e.status) {
    case 0: return 'the server cannot be reached; try again';
    case 403: return NOT_YOURS_REASON;
    case 404: return 'the alert has cleared';
    case 409: return DONE_REASON;
    default: return `the server refused it (HTTP ${e && e.status})`;
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
  const enc = encounterNow(c);
  return h('li', {
    class: `alert l${c.level} ${a.unacked ? 'unacked' : 'acked'}${a.group === 'civil' ? ' civil' : ''}`,
    testid: 'alert-item',
    dataset: { alertId: c.id, level: String(c.level), kind: 'conflict', a: c.a, b: c.b, aParty: c.a_party, bParty: c.b_party },
    onclick: () => onFocus(a),
  },
  h('span', { class: 'lvl' }, levelLabel(c.level)),
  h('span', { title: `alert ${c.id}` }, kindText(c)),
  h('span', { class: 'ttl', testid: 'alert-countdown' }, countdownOf(enc)),
  h('span', { class: 'who2' },
    h('span', { style: { color: partyColour(c.a_party) } }, `${name(c.a, c.a_state)} ${alt(c.a, c.a_state)}`),
    ' ↔ ',
    h('span', { style: { color: partyColour(c.b_party) } }, `${name(c.b, c.b_state)} ${alt(c.b, c.b_state)}`)),
  h('span', { class: 'meta', testid: 'alert-encounter' }, enc.text),
  acts);
}

/**
 * A compliance alert: an aircraft of the party that accepted a vacate request, inside the
 * exclusion or predicted inside at its deadline — "COMPLIANCE · RAVEN51 must leave red's
 * exclusion by 14:08:00 UTC (in 7:42)", counting down to the deadline.
 */
function complianceItem(a) {
  const i = a.item;
  const x = exclusionOf(i);
  const l = exclusionLink(x) || {};
  const acts = ackActions(i.id, i.acks, [i.track_party, i.volume_party], (party) => acknowledgeIntrusion(i, party));
  const text = complianceText(i, x, store.now(), name(i.track_id, i.track_state));
  return h('li', {
    class: `alert l${i.level} intrusion compliance-alert ${a.unacked ? 'unacked' : 'acked'}`,
    testid: 'alert-item',
    title: `${text}\n${x ? `${x.party}'s exclusion ${x.id}` : 'The exclusion'}${l.request_id ? `, created when ${l.watch_party || i.track_party} accepted request ${l.request_id}` : ''}: ${l.watch_party || i.track_party}'s aircraft must be out of it from the deadline.`,
    dataset: { alertId: i.id, level: String(i.level), kind: 'intrusion', compliance: 'true', track: i.track_id, aParty: i.track_party, bParty: i.volume_party, reservationId: i.reservation_id },
    onclick: () => onFocus(a),
  },
  h('span', { class: 'lvl' }, levelLabel(i.level)),
  h('span', { class: 'kind-compliance', title: `alert ${i.id}` }, 'compliance'),
  h('span', { class: 'ttl', testid: 'alert-countdown' }, countdown(a.t)),
  h('span', { class: 'who2' }, h('span', { style: { color: partyColour(i.track_party) }, testid: 'compliance-text' }, text)),
  h('span', { class: 'meta' }, `${name(i.track_id, i.track_state)} ${alt(i.track_id, i.track_state)} · exclusion ${i.reservation_id}${l.request_id ? ` · request ${l.request_id}` : ''} · ${i.inside_now ? 'inside now' : 'inside or predicted inside at the deadline'}`),
  acts);
}

/**
 * A notice intrusion: an aircraft predicted to cross an advance notice's volume — an advisory,
 * "NOTICE · RAVEN51 predicted to cross red's notice q-5 in 3:20" (counting down).
 */
function noticeItem(a) {
  const i = a.item;
  const q = store.requests.get(i.reservation_id) || null;
  const acts = ackActions(i.id, i.acks, [i.track_party, i.volume_party], (party) => acknowledgeIntrusion(i, party));
  const vol = q && q.volumes ? q.volumes[i.volume_index || 0] : null;
  return h('li', {
    class: `alert l${i.level} intrusion notice-alert ${a.unacked ? 'unacked' : 'acked'}`,
    testid: 'alert-item',
    title: `${noticeWords(i)}\nAn advisory: ${q ? `${q.from}'s advance notice ${q.id}${q.message ? ` (${q.message})` : ''}` : `advance notice ${i.reservation_id}`} announces an operation there${vol ? `, ${windowText(vol.start_time, vol.end_time)}` : ''}.`,
    dataset: { alertId: i.id, level: String(i.level), kind: 'intrusion', notice: 'true', compliance: 'false', track: i.track_id, aParty: i.track_party, bParty: i.volume_party, reservationId: i.reservation_id },
    onclick: () => onFocus(a),
  },
  h('span', { class: 'lvl' }, levelLabel(i.level)),
  h('span', { class: 'kind-notice', title: `alert ${i.id}` }, 'notice'),
  h('span', { class: 'ttl', testid: 'alert-countdown' }, countdown(a.t)),
  h('span', { class: 'who2' }, h('span', { style: { color: partyColour(i.track_party) }, testid: 'notice-text' }, noticeWords(i))),
  h('span', { class: 'meta' }, `${name(i.track_id, i.track_state)} ${alt(i.track_id, i.track_state)}${vol ? ` · notice ${windowText(vol.start_time, vol.end_time)}` : ''}${i.inside_now ? ' · crossing now' : ''}`),
  acts);
}

/**
 * A recipient's reservation crossing an advance notice: an advisory, "NOTICE · your reservation
 * r-3 (Blue CAP north) crosses red's notice q-5, 14:00–15:00 UTC, FL150–FL200", no ACK button.
 */
function crossingItem(a) {
  const c = a.item;
  return h('li', {
    class: 'alert l1 crossing notice-alert',
    testid: 'alert-item',
    title: `${a.text}\n${CROSSING_REASON[0].toUpperCase()}${CROSSING_REASON.slice(1)}.`,
    dataset: { alertId: a.id, level: '1', kind: 'crossing', notice: 'true', noticeId: c.notice_id, reservationId: c.reservation_id, aParty: c.party, bParty: c.from, start: String(c.start_time) },
    onclick: () => onFocus(a),
  },
  h('span', { class: 'lvl' }, levelLabel(1)),
  h('span', { class: 'kind-notice' }, 'notice crossing'),
  h('span', { class: 'ttl' }, c.start_time > store.now() ? countdown(c.start_time - store.now()) : 'NOW'),
  h('span', { class: 'who2' }, h('span', { style: { color: partyColour(c.party) }, testid: 'crossing-text' }, a.text)),
  h('span', { class: 'meta' }, `${Number.isFinite(c.area_m2) ? `${(c.area_m2 / 1e6).toFixed(0)} km² · ` : ''}no ACK: acknowledge the notice in Requests`));
}

function intrusionItem(a) {
  const i = a.item;
  if (a.notice) return noticeItem(a);
  if (isComplianceAlert(i)) return complianceItem(a);
  const acts = ackActions(i.id, i.acks, [i.track_party, i.volume_party], (party) => acknowledgeIntrusion(i, party));
  return h('li', {
    class: `alert l${i.level} intrusion ${a.unacked ? 'unacked' : 'acked'}`,
    testid: 'alert-item',
    dataset: { alertId: i.id, level: String(i.level), kind: 'intrusion', compliance: 'false', track: i.track_id, aParty: i.track_party, bParty: i.volume_party, reservationId: i.reservation_id },
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

/**
 * A position discrepancy: CAUTION (or CLEARED), what it is, the gap now; the aircraft and the
 * sentence; since when and the largest gap; no acknowledge button — it says why instead.
 */
function discrepancyItem(a) {
  const d = a.item;
  const active = isActive(d);
  const p = discrepancyParts(d, store.feeds && d.independent ? store.feeds.get(d.independent.feed) : null);
  const largest = Number.isFinite(d.max_horizontal_m) && d.max_horizontal_m > (d.horizontal_m || 0) + 1 ? ` · largest ${(d.max_horizontal_m / 1852).toFixed(1)} NM` : '';
  return h('li', {
    class: `alert discrepancy ${active ? `l${DISCREPANCY_LEVEL}` : 'cleared'}`,
    testid: 'alert-item',
    title: `${discrepancyText(d, store.feeds && d.independent ? store.feeds.get(d.independent.feed) : null)}\n${DISCREPANCY_REASON[0].toUpperCase()}${DISCREPANCY_REASON.slice(1)}.`,
    dataset: { alertId: d.id, level: String(a.level), kind: 'discrepancy', track: d.track_id, aParty: d.party, state: active ? 'active' : 'cleared' },
    onclick: () => onFocus(a),
  },
  h('span', { class: 'lvl' }, active ? levelLabel(DISCREPANCY_LEVEL) : 'CLEARED'),
  h('span', { title: `discrepancy ${d.id}` }, active ? 'position discrepancy' : 'position discrepancy, cleared'),
  h('span', { class: 'ttl', testid: 'discrepancy-gap' }, p.distance),
  h('span', { class: 'who2', testid: 'discrepancy-text' },
    h('span', { style: { color: partyColour(d.party) } }, p.who), ' · ', p.gap, p.vertical ? ` · ${p.vertical}` : ''),
  h('span', { class: 'meta' }, `${p.since}${largest} · no ACK: clears when the sources agree`));
}

function kindText(c) {
  if (c.cross_party) return 'cross-party';
  if (c.a_party && c.b_party) return 'same party';
  if (c.a_party || c.b_party) return 'party–civil';
  return 'civil–civil';
}

/** A group's heading line; the muted (civil–civil) one collapses and expands its group. */
function groupHead(g, collapsed) {
  const label = GROUPS.find((x) => x.key === g.key)?.label || g.key;
  const attrs = {
    class: `alert-group${g.muted ? ' muted-group' : ''}${collapsed ? ' collapsed' : ''}`,
    testid: 'alert-group',
    dataset: { group: g.key, count: String(g.items.length), collapsed: collapsed ? 'true' : 'false' },
  };
  if (!g.muted) return h('li', attrs, h('span', {}, label), h('span', { class: 'n' }, String(g.items.length)));
  return h('li', { ...attrs, title: 'Civil–civil alerts are for awareness: nobody acknowledges them', onclick: () => setShowCivil(!showCivil) },
    h('span', {}, collapsed ? '▸ ' : '▾ ', label), h('span', { class: 'n', testid: 'alert-group-count' }, String(g.items.length)),
    h('span', { class: 'hint' }, collapsed ? 'awareness only · show' : 'awareness only · hide'));
}

function render() {
  if (!listEl) return;
  const items = sortedAlerts();
  const groups = [];
  for (const a of items) {
    const last = groups[groups.length - 1];
    if (last && last.key === a.group) last.items.push(a);
    else groups.push({ ...GROUPS.find((g) => g.key === a.group), items: [a] });
  }
  const rows = [];
  for (const g of groups) {
    const collapsed = !!g.muted && !showCivil;
    rows.push(groupHead(g, collapsed));
    if (!collapsed) for (const a of g.items) rows.push(a.kind === 'conflict' ? conflictItem(a) : a.kind === 'discrepancy' ? discrepancyItem(a) : a.kind === 'crossing' ? crossingItem(a) : intrusionItem(a));
  }
  listEl.replaceChildren(...rows);
  // The count is of the alerts that stand (cleared discrepancies are listed, not counted).
  countEl.textContent = String(items.filter((a) => !a.cleared).length);
  countEl.classList.toggle('hot', items.some((a) => isWarning(a.level) && a.unacked));
}
