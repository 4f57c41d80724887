// The selected aircraft's details card: identity, position, level, speeds, vertical rate,
// sources and age of the last update, with follow and close.

import { store } from './store.js';
import { h, flText, utcTime, partyColour } from './util.js';

let el;

export function initDetails(container) {
  el = container;
  store.on('selection', render);
  setInterval(render, 1000);
}

function find(id) {
  const t = store.tracks.get(id);
  if (t) return t;
  for (const c of store.conflicts.values()) {
    if (c.a_state && c.a_state.id === id) return { ...c.a_state, viaAlert: true };
    if (c.b_state && c.b_state.id === id) return { ...c.b_state, viaAlert: true };
  }
  return null;
}

function render() {
  if (!el) return;
  const id = store.selectedId;
  const t = id && find(id);
  if (!t) {
    el.hidden = true;
    return;
  }
  const age = Math.max(0, store.now() - (t.last_update || 0));
  const rows = [
    ['Id', t.id],
    ['Party', t.party || '—'],
    ['Position', `${t.lat_deg.toFixed(4)}, ${t.lon_deg.toFixed(4)}`],
    ['Level', `${flText(t.alt_ft)} (${Math.round(t.alt_ft ?? 0)} ft)`],
    ['Ground speed', `${Math.round(t.gs_kt ?? 0)} kt`],
    ['Track', `${Math.round(t.trk_deg ?? 0)}°`],
    ['Vertical rate', `${Math.round(t.vs_fpm ?? 0)} ft/min`],
    ['Selected altitude', Number.isFinite(t.selected_alt_ft) ? `${flText(t.selected_alt_ft)} (${Math.round(t.selected_alt_ft)} ft, ${Math.max(0, store.now() - (t.selected_alt_time || 0)).toFixed(0)} s ago)` : '—'],
    ['Squawk', t.squawk || '—'],
    ['Sources', (t.sources || []).join(', ') || '—'],
    ['Last update', `${utcTime(t.last_update)}Z (${age.toFixed(0)} s ago)`],
    ['Status', [t.on_ground ? 'on ground' : 'airborne', t.coasting ? 'coasting' : null, t.viaAlert ? 'known via alert only' : null].filter(Boolean).join(', ')],
  ];
  el.replaceChildren(
    h('h3', {}, h('span', { class: 'dot', style: { background: partyColour(t.party) } }), h('span', { testid: 'details-callsign' }, t.callsign || t.id),
      h('span', { class: 'spacer' }),
      h('button', { testid: 'details-follow', class: store.followId === t.id ? 'on' : '', onclick: () => store.setFollow(store.followId === t.id ? null : t.id) }, store.followId === t.id ? 'Following' : 'Follow'),
      h('button', { testid: 'details-close', onclick: () => { store.setFollow(null); store.select(null); } }, '×')),
    h('dl', {}, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
  );
  el.hidden = false;
}
