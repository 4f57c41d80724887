// Requests inbox: vacate requests and advance notices to and from the viewer. The addressee
// accepts or declines (with a reason) a vacate request, or acknowledges a notice; both sides
// see the state as the server reports it.

import { post } from '../api.js';
import { store } from '../store.js';
import { h, utcDateTime, altBand, partyColour } from '../util.js';
import { volumeRings } from '../geo.js';
import { levelColour, CAUTION } from '../levels.js';

let panel;
let map;
let toast;
let list;

export function initRequests(el, mapView, showToast) {
  panel = el;
  map = mapView;
  toast = showToast;
  list = h('div', { testid: 'request-list' });
  panel.append(h('div', { class: 'muted small' }, 'Vacate requests and advance notices. Create a vacate request from a drawn volume in the Reservations tab.'), list);
  store.on('requests', render);
}

function me() {
  return store.me && store.me.party;
}

function isForMe(q) {
  return q.to === me() || (q.to === null && q.from !== me());
}

async function answer(q, action, reason) {
  try {
    const body = reason ? { reason } : {};
    const r = await post(`/requests/${encodeURIComponent(q.id)}/${action}`, body);
    store.upsert('requests', r.request || r);
    toast(`Request ${q.id}: ${action}`);
  } catch (e) {
    toast(`${action} refused: ${e.message}`, true);
  }
}

function volumeOf(q) {
  if (q.volume) return q.volume;
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
  h('div', { class: 'small muted' }, `sent ${utcDateTime(q.created_at)}Z${q.expires_at ? ` · expires ${utcDateTime(q.expires_at)}Z` : ''}${q.answered_at ? ` · answered ${utcDateTime(q.answered_at)}Z` : ''}`),
  q.reason ? h('div', { class: 'small', testid: 'request-reason' }, 'Reason: ', q.reason) : null,
  actions);
}

function render() {
  if (!list) return;
  const all = [...store.requests.values()].sort((a, b) => {
    const pa = a.state === 'pending' && isForMe(a) ? 0 : 1;
    const pb = b.state === 'pending' && isForMe(b) ? 0 : 1;
    if (pa !== pb) return pa - pb;
    return (b.created_at || 0) - (a.created_at || 0);
  });
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
