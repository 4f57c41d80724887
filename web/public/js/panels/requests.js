// Requests inbox: vacate requests and advance notices to and from the viewer. The addressee
// accepts or declines (with a reason) a vacate request, or acknowledges a notice; both sides
// see the state as the server reports it. An accepted vacate request shows the exclusion it
// created (deadline counting down) and its compliance status — the watched aircraft still
// inside or predicted inside at the deadline, with their expected exit (js/exclusion.js; kept
// current by js/exclusion-watch.js); a declined or unanswered one whose volume has not ended
// says it is contested, shown on the map to both parties and the cell. A notice shows its own
// volumes, planned routes and the recipients' reservations crossing it (js/notice.js); a new
// notice is composed here, of a volume drawn on the map (the drafting tool of the reservations)
// or of one of the viewer's reservations.

import { post } from '../api.js';
import { refreshStrategic } from '../stream.js';
import { store } from '../store.js';
import { h, utcDateTime, altBand, partyColour, parseUtcInput, toUtcInput } from '../util.js';
import { volumeRings } from '../geo.js';
import { levelColour, CAUTION } from '../levels.js';
import { exclusionLink, requestDeadline, complianceLines, isContested, deadlinePhase, utc } from '../exclusion.js';
import { liveIn } from '../exclusion-watch.js';
import { isNotice, noticeRoutes, routeSummary, crossingText, windowText, noticeKey } from '../notice.js';
import { parseLevel } from '../volume-edit.js';
import { isReadOnly } from '../read-only.js';

let panel;
let map;
let toast;
let list;

export function initRequests(el, mapView, showToast) {
  panel = el;
  map = mapView;
  toast = showToast;
  list = h('div', { testid: 'request-list' });
  panel.append(h('div', { class: 'muted small' }, 'Vacate requests and advance notices. Create a vacate request from a drawn volume in the Reservations tab.'), buildCompose(), list);
  store.on('requests', render);
  // A deadline or a contested volume's end changes the words without any new data.
  setInterval(render, 1000);
}

function me() {
  return store.me && store.me.party;
}

/** Whether the viewer is an addressee who answers it (observers answer nothing). */
function isForMe(q) {
  if (isReadOnly(store.me)) return false;
  return q.to === me() || (q.to === null && q.from !== me());
}

// ---- composing a notice -------------------------------------------------------------------

let compose = {};

/** Own live reservations a notice may announce. */
function ownLive() {
  return [...store.reservations.values()].filter((r) => r.party === me() && r.state !== 'cancelled' && r.state !== 'ended' && r.purpose !== 'exclusion');
}

function fillCompose() {
  if (!compose.to) return;
  const cur = compose.to.value;
  const parties = (store.parties || []).map((p) => p.id).filter((p) => p && p !== me());
  compose.to.replaceChildren(h('option', { value: '' }, 'everyone'), ...parties.map((p) => h('option', { value: p }, p)));
  compose.to.value = [...compose.to.options].some((o) => o.value === cur) ? cur : '';
  const rcur = compose.reservation.value;
  const own = ownLive();
  compose.reservation.replaceChildren(h('option', { value: '' }, own.length ? '— choose —' : 'none of yours is live'), ...own.map((r) => h('option', { value: r.id }, `${r.id} ${r.name || ''}`)));
  compose.reservation.value = own.some((r) => r.id === rcur) ? rcur : '';
}

function composeStatus(text, tone) {
  compose.status.textContent = text;
  compose.status.className = `status small${tone ? ` ${tone}` : ''}`;
}

/** Starts drawing the notice's volume on the map (the reservations' drafting tool). */
function drawNotice(type) {
  compose.source.value = 'volume';
  syncSource();
  map.startDraft(type, () => composeStatus('Volume drawn. Set its levels and times, the message, and send.', 'ok'), 'notice');
  composeStatus(type === 'polygon'
    ? 'Click the corners on the map; double-click, Enter or click the first corner to close.'
    : 'Press at the centre on the map and drag to the radius.');
}

function syncSource() {
  const vol = compose.source.value === 'volume';
  compose.volumeBox.hidden = !vol;
  compose.reservationBox.hidden = vol;
}

/** The notice to send, or null once the status line says what is missing. */
function composedNotice() {
  const message = compose.message.value.trim();
  if (!message) {
    composeStatus('Write the message the other parties will read.', 'bad');
    return null;
  }
  const body = { kind: 'notice', to: compose.to.value || null, message };
  if (compose.source.value === 'reservation') {
    if (!compose.reservation.value) {
      composeStatus('Choose one of your reservations.', 'bad');
      return null;
    }
    body.reservation_id = compose.reservation.value;
    return body;
  }
  const shape = map.draftOwner === 'notice' ? map.draftShape() : null;
  if (!shape) {
    composeStatus('Draw the notice\'s volume on the map first (Polygon or Circle).', 'bad');
    return null;
  }
  const lower = parseLevel(compose.lower.value);
  const upper = parseLevel(compose.upper.value);
  const start = parseUtcInput(compose.start.value);
  const end = parseUtcInput(compose.end.value);
  if (!Number.isFinite(lower) || !Number.isFinite(upper)) {
    composeStatus('Enter the lower and upper level as a flight level (FL150) or in feet (15000).', 'bad');
    return null;
  }
  if (lower >= upper) {
    composeStatus('The lower level must be below the upper level.', 'bad');
    return null;
  }
  if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) {
    composeStatus('Enter the start and end as YYYY-MM-DD HH:MM (UTC), the end after the start.', 'bad');
    return null;
  }
  body.volumes = [{ shape, lower_ft: lower, upper_ft: upper, start_time: start, end_time: end }];
  return body;
}

async function sendNotice() {
  const body = composedNotice();
  if (!body) return;
  try {
    const r = await post('/requests', body);
    const q = r.request || r;
    store.upsert('requests', q);
    if (body.volumes) map.cancelDraft();
    compose.message.value = '';
    composeStatus(`Notice ${q.id} sent to ${q.to || 'everyone'}.`, 'ok');
    toast(`Advance notice ${q.id} sent`);
  } catch (e) {
    composeStatus(`Notice refused: ${e.message}`, 'bad');
  }
}

/** The composer: to whom, the message, and a drawn volume or one of the viewer's reservations. */
function buildCompose() {
  const now = Math.floor(Date.now() / 1000);
  const field = (name, attrs) => (compose[name] = h('input', { ...attrs, testid: `notice-${name}`, spellcheck: false }));
  compose.to = h('select', { testid: 'notice-to' });
  compose.source = h('select', { testid: 'notice-source', onchange: syncSource },
    h('option', { value: 'volume' }, 'a volume drawn on the map'), h('option', { value: 'reservation' }, 'one of your reservations'));
  compose.reservation = h('select', { testid: 'notice-reservation' });
  compose.message = h('textarea', { rows: 2, testid: 'notice-message', placeholder: 'what the other parties should know, e.g. "Strike package FL180-FL300, expect fast movers"' });
  compose.status = h('div', { class: 'status small', testid: 'notice-status' });
  compose.volumeBox = h('div', { class: 'form' },
    h('label', {}, 'Volume'), h('div', { class: 'toolbar' },
      h('button', { testid: 'notice-draw-polygon', onclick: () => drawNotice('polygon') }, '✎ Polygon'),
      h('button', { testid: 'notice-draw-circle', onclick: () => drawNotice('circle') }, '◯ Circle')),
    h('label', {}, 'Lower'), field('lower', { value: 'FL150', placeholder: 'FL150 or 15000 ft' }),
    h('label', {}, 'Upper'), field('upper', { value: 'FL300', placeholder: 'FL300 or 30000 ft' }),
    h('label', {}, 'Start (UTC)'), field('start', { value: toUtcInput(now + 1800), placeholder: 'YYYY-MM-DD HH:MM' }),
    h('label', {}, 'End (UTC)'), field('end', { value: toUtcInput(now + 3 * 3600), placeholder: 'YYYY-MM-DD HH:MM' }));
  compose.reservationBox = h('div', { class: 'form', hidden: true }, h('label', {}, 'Reservation'), compose.reservation);
  const box = h('details', { class: 'notice-compose', testid: 'notice-compose' },
    h('summary', { class: 'small' }, 'New advance notice'),
    h('div', { class: 'form' }, h('label', {}, 'To'), compose.to, h('label', {}, 'Of'), compose.source, h('label', {}, 'Message'), compose.message),
    compose.volumeBox, compose.reservationBox,
    h('div', { class: 'toolbar' }, h('button', { class: 'primary', testid: 'notice-send', onclick: sendNotice }, 'Send notice'),
      h('button', { testid: 'notice-discard', onclick: () => { if (map.draftOwner === 'notice') map.cancelDraft(); composeStatus(''); } }, 'Discard')),
    compose.status);
  store.on('parties', fillCompose);
  store.on('reservations', fillCompose);
  fillCompose();
  return box;
}

async function answer(q, action, reason) {
  try {
    const body = reason ? { reason } : {};
    const r = await post(`/requests/${encodeURIComponent(q.id)}/${action}`, body);
    store.upsert('requests', r.request || r);
    toast(`Request ${q.id}: ${action}`);
    // An acceptance created an exclusion: load it and the compliance status now.
    if (action === 'accept') refreshStrategic();
  } catch (e) {
    toast(`${action} refused: ${e.message}`, true);
  }
}

function volumeOf(q) {
  if (q.volume) return q.volume;
  if (q.volumes && q.volumes.length) return q.volumes[0];
  if (q.route_volumes && q.route_volumes.length) return q.route_volumes[0];
  const r = q.reservation_id && store.reservations.get(q.reservation_id);
  return r && r.volumes ? r.volumes[0] : null;
}

function item(q) {
  const mine = isForMe(q);
  const vol = volumeOf(q);
  const reason = h('input', { testid: 'decline-reason', placeholder: 'reason (required to decline)' });
  const pending = q.state === 'pending';
  let actions = null;
  if (mine && pending && q.kind === 'vacate') {
    actions = h('div', { class: 'toolbar' }, reason,
      h('button', { class: 'primary', testid: 'request-accept', onclick: (e) => { e.stopPropagation(); answer(q, 'accept', reason.value.trim()); } }, 'Accept'),
      h('button', {
        class: 'danger',
        testid: 'request-decline',
        onclick: (e) => {
          e.stopPropagation();
          const r = reason.value.trim();
          if (!r) {
            toast('Give a reason to decline', true);
            reason.focus();
            return;
          }
          answer(q, 'decline', r);
        },
      }, 'Decline'));
  } else if (mine && pending && q.kind === 'notice') {
    actions = h('div', { class: 'toolbar' }, h('button', { class: 'primary', testid: 'request-ack', onclick: (e) => { e.stopPropagation(); answer(q, 'ack'); } }, 'Acknowledge'));
  }
  return h('div', {
    class: 'card',
    testid: 'request-item',
    dataset: { requestId: q.id, kind: q.kind, from: q.from, to: q.to ?? '', state: q.state },
    style: { borderLeftColor: pending ? levelColour(CAUTION) : '#3b4757' },
    onmouseenter: () => { map.highlightVolume = vol; },
    onmouseleave: () => { map.highlightVolume = null; },
    onclick: () => {
      if (!vol) return;
      const rings = volumeRings(vol);
      if (rings[0]) map.fit(rings[0], 80);
    },
  },
  h('div', { class: 'row' },
    h('span', { class: 'title' }, q.kind === 'vacate' ? 'VACATE' : 'NOTICE'),
    h('span', { style: { color: partyColour(q.from) } }, q.from), '→', h('span', { style: { color: partyColour(q.to) } }, q.to ?? 'all'),
    h('span', { class: 'muted' }, q.id),
    h('span', { class: 'spacer' }),
    h('span', { class: `state ${q.state}`, testid: 'request-state' }, q.state)),
  h('div', { class: 'body' }, q.message || ''),
  vol ? h('div', { class: 'small mono' }, `${vol.shape.type} · ${altBand(vol.lower_ft, vol.upper_ft)} · ${utcDateTime(vol.start_time)} → ${utcDateTime(vol.end_time)}Z`) : null,
  q.reservation_id ? h('div', { class: 'small muted' }, `reservation ${q.reservation_id}`) : null,
  noticeLines(q),
  h('div', { class: 'small muted' }, `sent ${utcDateTime(q.created_at)}Z${q.expires_at ? ` · expires ${utcDateTime(q.expires_at)}Z` : ''}${q.answered_at ? ` · answered ${utcDateTime(q.answered_at)}Z` : ''}`),
  q.reason ? h('div', { class: 'small', testid: 'request-reason' }, 'Reason: ', q.reason) : null,
  exclusionBlock(q),
  isContested(q, store.now())
    ? h('div', { class: 'small contested-line', testid: 'request-contested' },
      `CONTESTED · ${q.state === 'declined' ? `declined by ${q.to}` : `unanswered by ${q.to}`}: its volume is shown on the map to ${q.from}, ${q.to} and the cell until ${utc(q.volume.end_time)}`)
    : null,
  actions);
}

/** A notice's own airspace and crossings: its volumes beyond the first, its routes, the recipients' reservations crossing it. */
function noticeLines(q) {
  if (!isNotice(q)) return null;
  const extra = (q.volumes || []).slice(1);
  const routes = noticeRoutes(q);
  const crossings = q.crossings || [];
  if (!extra.length && !routes.length && !crossings.length) return null;
  return h('div', { class: 'notice-lines small', testid: 'request-notice' },
    ...extra.map((v, i) => h('div', { class: 'mono' }, `volume ${i + 2}: ${v.shape.type} · ${altBand(v.lower_ft, v.upper_ft)} · ${windowText(v.start_time, v.end_time)}`)),
    ...routes.map((r) => h('div', { class: 'mono', testid: 'request-notice-route' }, `route: ${routeSummary(r)}`)),
    ...crossings.map((c) => h('div', { class: 'crossing', testid: 'request-notice-crossing', dataset: { reservationId: c.reservation_id } }, crossingText(c, q, me()))));
}

/** The party whose aircraft an accepted request's exclusion watches (its addressee). */
function watchedParty(q) {
  const r = q.exclusion_id && store.reservations.get(q.exclusion_id);
  const l = exclusionLink(r);
  return (l && l.watch_party) || q.answered_by || q.to;
}

function callsignOf(id) {
  const t = store.tracks.get(id);
  return (t && t.callsign) || null;
}

/**
 * An accepted vacate request: the exclusion it created with its deadline counting down, and
 * the compliance status GET /requests gave (the watched aircraft still inside or predicted
 * inside at the deadline, each with its expected exit).
 */
function exclusionBlock(q) {
  if (q.kind !== 'vacate' || q.state !== 'accepted' || !q.exclusion_id) return null;
  const deadline = requestDeadline(q, store.reservations);
  const who = watchedParty(q);
  const now = store.now();
  const c = complianceLines(q.compliance, who, now, callsignOf);
  return h('div', { class: 'exclusion-block', testid: 'request-exclusion', style: { borderLeftColor: partyColour(q.from) }, dataset: { exclusionId: q.exclusion_id, deadline: deadline === null ? '' : String(deadline) } },
    h('div', { class: 'small', testid: 'request-exclusion-line' },
      h('b', {}, 'EXCLUSION '), `${q.exclusion_id} · ${who} out by ${deadline === null ? '—' : utc(deadline)} · `,
      deadline === null ? 'in force' : liveIn(h, deadline, 'in force', { testid: 'exclusion-countdown' })),
    c
      ? h('div', { class: `compliance ${c.compliant ? 'ok' : 'bad'}`, testid: 'request-compliance', dataset: { compliant: String(c.compliant), count: String(c.aircraft.length) } },
        h('div', { class: 'c-head', testid: 'compliance-head' }, c.head),
        ...c.aircraft.map((a) => h('div', { class: `c-ac l${a.level}`, testid: 'compliance-aircraft', dataset: { track: a.track_id, level: String(a.level), exit: a.exit === null ? '' : String(a.exit) } },
          h('span', {}, a.text), ' · ',
          a.exit === null ? h('span', { class: 'muted' }, a.exitText) : h('span', {}, a.exitText, ' (', liveIn(h, a.exit, 'due now'), ')'))))
      : h('div', { class: 'small muted', testid: 'request-compliance', dataset: { compliant: '' } }, 'compliance status: loading…'));
}

/** What the list shows of the requests (the compliance status without its ticking times): unchanged, no re-render. */
function shownKey(all, now = store.now()) {
  return JSON.stringify(all.map((q) => [q.id, q.state, q.version, q.reason, q.contested, q.exclusion_id,
    q.compliance ? [q.compliance.compliant, q.compliance.deadline, (q.compliance.aircraft || []).map((a) => [a.track_id, a.callsign, a.inside_now, a.level, a.expected_exit])] : null,
    // The words change at the deadline, and a contested volume's line at its end.
    deadlinePhase(requestDeadline(q, store.reservations), now), isContested(q, now)]))
    + noticeKey(all, now) + (store.me ? store.me.party : '');
}
let lastKey = null;

function render() {
  if (!list) return;
  const all = [...store.requests.values()].sort((a, b) => {
    const pa = a.state === 'pending' && isForMe(a) ? 0 : 1;
    const pb = b.state === 'pending' && isForMe(b) ? 0 : 1;
    if (pa !== pb) return pa - pb;
    return (b.created_at || 0) - (a.created_at || 0);
  });
  // A reload that changed nothing shown (the compliance status is polled every few seconds).
  const key = shownKey(all);
  if (key === lastKey) return;
  lastKey = key;
  // Keep a reason being typed when the list re-renders.
  const typing = document.activeElement && document.activeElement.dataset.testid === 'decline-reason' ? document.activeElement : null;
  const typingId = typing && typing.closest('[data-request-id]')?.dataset.requestId;
  const typed = typing ? typing.value : '';
  // Re-rendering drops the hovered card without a mouseleave.
  map.highlightVolume = null;
  list.replaceChildren(...all.map(item));
  if (typingId) {
    const el = list.querySelector(`[data-request-id="${CSS.escape(typingId)}"] [data-testid="decline-reason"]`);
    if (el) {
      el.value = typed;
      el.focus();
    }
  }
  const pending = all.filter((q) => q.state === 'pending' && isForMe(q)).length;
  const badge = document.getElementById('badge-requests');
  badge.textContent = pending ? String(pending) : '';
  badge.classList.toggle('hot', pending > 0);
}
