// The aircraft table, tar1090-style: free-text filter, party filter, "in alert", "in view only"
// (the aircraft the map draws in its current view, following pans and zooms; kept in
// localStorage), sortable columns (callsign, party, level, speed, alert...). Only the first rows
// are put in order and in the DOM (util.js firstInOrder); the count line says how many match. Click a row to select and centre the
// aircraft.

import { store } from '../store.js';
import { h, fl3, partyColour, firstInOrder } from '../util.js';
import { levelLabel } from '../levels.js';

const MAX_ROWS = 250;
const IN_VIEW_KEY = 'deconflict.aircraft.inView';
/** The table follows a moving view at most this often. */
const VIEW_REFRESH_MS = 250;
const COLUMNS = [
  { key: 'callsign', label: 'Callsign', get: (t) => t.callsign || '' },
  { key: 'id', label: 'Id', get: (t) => t.id },
  { key: 'party', label: 'Party', get: (t) => t.party || '' },
  { key: 'alt', label: 'FL', get: (t) => t.alt_ft ?? -1, num: true, fmt: (t) => fl3(t.alt_ft) },
  { key: 'gs', label: 'GS', get: (t) => t.gs_kt ?? -1, num: true, fmt: (t) => Math.round(t.gs_kt ?? 0) },
  { key: 'vs', label: 'VS', get: (t) => t.vs_fpm ?? 0, num: true, fmt: (t) => Math.round(t.vs_fpm ?? 0) },
  { key: 'trk', label: 'Trk', get: (t) => t.trk_deg ?? 0, num: true, fmt: (t) => Math.round(t.trk_deg ?? 0) },
  { key: 'squawk', label: 'Sqk', get: (t) => t.squawk || '' },
  { key: 'alert', label: 'Alert', get: (t, lv) => lv.get(t.id) || 0, num: true, fmt: (t, lv) => (lv.get(t.id) ? levelLabel(lv.get(t.id)).slice(0, 4) : '') },
  { key: 'age', label: 'Age', get: (t) => store.now() - (t.last_update || 0), num: true, fmt: (t) => Math.max(0, Math.round(store.now() - (t.last_update || 0))) },
];

let panel;
let tbody;
let countLine;
let sortKey = 'alert';
let sortDir = -1;
let filterText = '';
let partyFilter = '';
let alertsOnly = false;
let inViewOnly = false;
let onPick = () => {};
let headRow;
let partySelect;
let mapView = null;
let viewTimer = null;

function readInView() {
  try {
    return localStorage.getItem(IN_VIEW_KEY) === '1';
  } catch {
    return false;
  }
}

function setInView(on) {
  inViewOnly = !!on;
  try {
    localStorage.setItem(IN_VIEW_KEY, inViewOnly ? '1' : '0');
  } catch {
    // Private mode: the choice lasts for the page only.
  }
  render();
}

/** `map`: the MapView whose view "in view only" follows (its `inViewIds()` and 'view' event). */
export function initAircraft(el, pick, map = null) {
  panel = el;
  onPick = pick;
  mapView = map;
  inViewOnly = !!map && readInView();
  const filter = h('input', { type: 'search', placeholder: 'filter callsign / id / squawk', testid: 'aircraft-filter', oninput: (e) => { filterText = e.target.value.trim().toLowerCase(); render(); } });
  partySelect = h('select', { testid: 'aircraft-party-filter', onchange: (e) => { partyFilter = e.target.value; render(); } }, h('option', { value: '' }, 'all parties'));
  const alertBox = h('label', { class: 'small' }, h('input', { type: 'checkbox', testid: 'aircraft-alerts-only', onchange: (e) => { alertsOnly = e.target.checked; render(); } }), ' in alert');
  const viewBox = map ? h('label', { class: 'small nowrap', title: 'Only the aircraft inside the map\'s current view' },
    h('input', { type: 'checkbox', testid: 'aircraft-in-view', checked: inViewOnly, onchange: (e) => setInView(e.target.checked) }), ' in view only') : null;
  countLine = h('span', { class: 'muted small', testid: 'aircraft-count' });
  headRow = h('tr');
  tbody = h('tbody');
  panel.append(h('div', { class: 'toolbar' }, filter, partySelect, alertBox, viewBox, countLine), h('table', { class: 'grid', testid: 'aircraft-table' }, h('thead', {}, headRow), tbody));
  if (map) {
    map.on('view', () => {
      if (!inViewOnly || panel.hidden || viewTimer) return;
      // After the next frames, which draw (and count) the aircraft of the new view.
      viewTimer = setTimeout(() => { viewTimer = null; render(); }, VIEW_REFRESH_MS);
    });
  }
  renderHead();
  setInterval(() => { if (!panel.hidden) render(); }, 1000);
  store.on('selection', () => { if (!panel.hidden) render(); });
}

function renderHead() {
  headRow.replaceChildren(...COLUMNS.map((c) => h('th', {
    class: c.key === sortKey ? 'sorted' : '',
    testid: `sort-${c.key}`,
    onclick: () => {
      if (sortKey === c.key) sortDir = -sortDir;
      else {
        sortKey = c.key;
        sortDir = c.num ? -1 : 1;
      }
      renderHead();
      render();
    },
  }, c.label, c.key === sortKey ? (sortDir > 0 ? ' ▲' : ' ▼') : '')));
}

/** All aircraft the viewer may see: the picture plus those known only through alerts. */
export function allAircraft() {
  const list = [...store.tracks.values()];
  for (const c of store.conflicts.values()) {
    for (const s of [c.a_state, c.b_state]) if (s && s.id && !store.tracks.has(s.id)) list.push({ ...s, viaAlert: true });
  }
  return list;
}

export function render() {
  if (!panel) return;
  const levels = store.alertLevels();
  const parties = new Set();
  let list = allAircraft();
  for (const t of list) parties.add(t.party || '');
  const current = [...partySelect.options].map((o) => o.value);
  for (const p of [...parties].sort()) if (!current.includes(p)) partySelect.append(h('option', { value: p }, p || '(none)'));
  list = list.filter((t) => {
    if (partyFilter && (t.party || '') !== partyFilter) return false;
    if (alertsOnly && !levels.get(t.id)) return false;
    if (!filterText) return true;
    return (t.callsign || '').toLowerCase().includes(filterText) || t.id.toLowerCase().includes(filterText) || (t.squawk || '').includes(filterText);
  });
  const matching = list.length;
  if (inViewOnly && mapView) {
    const seen = mapView.inViewIds();
    list = list.filter((t) => seen.has(t.id));
  }
  const col = COLUMNS.find((c) => c.key === sortKey) || COLUMNS[0];
  // Each aircraft's sort key once; only the rows listed are put in order.
  const keyed = list.map((t) => ({ t, v: col.get(t, levels) }));
  const first = firstInOrder(keyed, (a, b) => {
    if (a.v < b.v) return -sortDir;
    if (a.v > b.v) return sortDir;
    return a.t.id < b.t.id ? -1 : a.t.id > b.t.id ? 1 : 0;
  }, MAX_ROWS).map((x) => x.t);
  const shown = list.length > MAX_ROWS ? ` (first ${MAX_ROWS} listed)` : '';
  if (inViewOnly && mapView) countLine.textContent = `${list.length} of ${matching} in view${shown}`;
  else countLine.textContent = list.length > MAX_ROWS ? `${MAX_ROWS} of ${list.length}` : `${list.length} aircraft`;
  countLine.dataset.inView = String(list.length);
  countLine.dataset.total = String(matching);
  const rows = first.map((t) => h('tr', {
    class: t.id === store.selectedId ? 'selected' : '',
    testid: 'aircraft-row',
    dataset: { id: t.id, party: t.party || '' },
    onclick: () => onPick(t.id),
  }, ...COLUMNS.map((c) => {
    const v = c.fmt ? c.fmt(t, levels) : c.get(t, levels);
    if (c.key === 'party') return h('td', {}, h('span', { class: 'dot', style: { background: partyColour(t.party) } }), v || '—', t.viaAlert ? ' (alert)' : '');
    return h('td', { class: c.num ? 'num' : '' }, v);
  })));
  tbody.replaceChildren(...rows);
}
