// Reservations and zones: the list (own first; cancel, send an advance notice), and the draft
// workflow — draw a polygon (clicks) or a circle (centre + drag) on the map, set altitude band
// and time window, see the overlaps the server reports (POST /reservations/check, highlighted on
// the map) and then file it (POST /reservations, with a justification when it overlaps),
// change it, or send it to another party as a vacate request or an advance notice. Changing an
// own reservation shows every one of its volumes as a row (shape, lower and upper level in FL
// or ft, start and end; js/volume-edit.js), each changeable and redrawable on the map, and the
// update (PUT /reservations/{id}) carries them all.

import { post, put, del } from '../api.js';
import { store } from '../store.js';
import { h, altBand, utcDateTime, parseUtcInput, toUtcInput, partyColour, reservationColour, debounce } from '../util.js';
import { refreshStrategic } from '../stream.js';
import { isExclusion, exclusionLink, utc } from '../exclusion.js';
import { liveIn } from '../exclusion-watch.js';
import { rowOf, readRows, shapeSummary, draftShapeOf, keepUnchangedTimes, changedIndexes } from '../volume-edit.js';
import { isReadOnly } from '../read-only.js';

let panel;
let map;
let toast;
let draftBox;
let listBox;
let fields = {};
let overlapList;
let statusLine;
let lastOverlaps = [];
let checkSeq = 0;
// The own reservation being changed (PUT with its version), or null for a new one; its
// volumes as the form's rows (js/volume-edit.js) and the row shown on the map.
let editing = null;
let rows = [];
let rowIndex = 0;
let singleForm;
let rowsBox;

export function initReservations(el, mapView, showToast) {
  panel = el;
  map = mapView;
  toast = showToast;
  const toolbar = h('div', { class: 'toolbar' },
    h('button', { testid: 'draw-polygon', title: 'Draw a polygon: click the corners, double-click or Enter to close (D)', onclick: () => { setEditing(null); startDraw('polygon'); } }, '✎ Polygon'),
    h('button', { testid: 'draw-circle', title: 'Draw a circle: press at the centre and drag the radius (C)', onclick: () => { setEditing(null); startDraw('circle'); } }, '◯ Circle'),
    h('span', { class: 'muted small', testid: 'draw-hint' }, 'Draw a new reservation on the map'));
  draftBox = h('div', { class: 'draft', testid: 'reservation-draft', hidden: true });
  listBox = h('div', { testid: 'reservation-list' });
  panel.append(toolbar, draftBox, listBox);
  buildDraftForm();
  map.on('draft', onDraftChange);
  map.on('reservation-click', (p) => highlight(p.reservation.id));
  store.on('reservations', renderList);
  store.on('parties', fillParties);
}

export function startDraw(type) {
  if (isReadOnly(store.me)) return;
  // Changing a reservation: the drawing replaces the shape of the volume shown on the map.
  const row = editing ? rowIndex : null;
  map.startDraft(type, (shape) => {
    if (row !== null && editing && rows[row] && shape) {
      rows[row].shape = shape;
      rows[row].redrawn = true;
      renderRows();
    }
    scheduleCheck();
  }, 'reservation');
  draftBox.hidden = false;
  setStatus(type === 'polygon'
    ? 'Click the corners on the map; double-click, Enter or click the first corner to close. Backspace removes the last corner.'
    : 'Press at the centre on the map and drag to the radius.');
  overlapList.replaceChildren();
}

function input(name, attrs) {
  const el = h('input', { ...attrs, testid: `res-${name}`, oninput: () => scheduleCheck() });
  fields[name] = el;
  return el;
}

function buildDraftForm() {
  const now = Math.floor(Date.now() / 1000);
  const purpose = h('select', { testid: 'res-purpose', onchange: () => scheduleCheck() },
    ...['operation', 'training', 'hazard', 'closure'].map((p) => h('option', { value: p }, p)));
  fields.purpose = purpose;
  overlapList = h('ul', { class: 'overlap-list', testid: 'overlap-list' });
  statusLine = h('div', { class: 'status', testid: 'reservation-status' });
  fields.justification = h('textarea', { rows: 2, testid: 'reservation-justification', placeholder: 'required to file over overlaps; shown to the other party' });
  const vacateTo = h('select', { testid: 'vacate-to' });
  fields.vacateTo = vacateTo;
  fields.vacateMessage = h('input', { testid: 'vacate-message', placeholder: 'message to the other party' });
  fields.vacateExpires = h('input', { type: 'number', min: 1, value: 60, testid: 'vacate-expires', style: { width: '60px' } });
  draftBox.append(
    h('div', { class: 'row' }, h('b', { testid: 'draft-title' }, 'New reservation'), h('span', { class: 'muted small', testid: 'draft-shape' })),
    h('div', { class: 'form' },
      h('label', {}, 'Name'), input('name', { placeholder: 'e.g. CAP north', value: '' }),
      h('label', {}, 'Purpose'), purpose,
      h('label', {}, 'Priority'), input('priority', { type: 'number', min: 0, max: 10, value: 5 })),
    singleForm = h('div', { class: 'form', testid: 'res-single' },
      h('label', {}, 'Lower (ft)'), input('lower', { type: 'number', step: 500, value: 15000 }),
      h('label', {}, 'Upper (ft)'), input('upper', { type: 'number', step: 500, value: 30000 }),
      h('label', {}, 'Start (UTC)'), input('start', { type: 'text', value: toUtcInput(now + 600), placeholder: 'YYYY-MM-DD HH:MM', spellcheck: false }),
      h('label', {}, 'End (UTC)'), input('end', { type: 'text', value: toUtcInput(now + 3 * 3600), placeholder: 'YYYY-MM-DD HH:MM', spellcheck: false })),
    rowsBox = h('div', { class: 'vol-rows', testid: 'res-volumes', hidden: true }),
    h('div', { class: 'form' },
      h('label', {}, 'Justification'), fields.justification),
    h('div', { class: 'toolbar' },
      h('button', { testid: 'reservation-check', onclick: () => check() }, 'Check overlaps'),
      h('button', { class: 'primary', testid: 'reservation-file', onclick: () => file() }, 'File'),
      h('button', { testid: 'reservation-redraw', onclick: () => startDraw(map.draft ? map.draft.type : 'polygon') }, 'Redraw'),
      h('button', { testid: 'reservation-discard', onclick: () => discard() }, 'Discard')),
    statusLine,
    overlapList,
    h('details', {},
      h('summary', { class: 'small muted' }, 'Ask another party to vacate this volume'),
      h('div', { class: 'form' },
        h('label', {}, 'To'), vacateTo,
        h('label', {}, 'Message'), fields.vacateMessage,
        h('label', {}, 'Expires (min)'), fields.vacateExpires),
      h('button', { testid: 'vacate-send', onclick: () => sendVacate() }, 'Send vacate request')),
  );
  fillParties();
}

export function fillParties() {
  if (!fields.vacateTo) return;
  const me = store.me && store.me.party;
  const current = fields.vacateTo.value;
  const parties = (store.parties || []).map((p) => p.id).filter((p) => p && p !== me);
  fields.vacateTo.replaceChildren(...parties.map((p) => h('option', { value: p }, p)));
  if (parties.includes(current)) fields.vacateTo.value = current;
}

function onDraftChange(d) {
  // A draft of another panel (a notice's volume in Requests) is not this form's.
  if (d && map.draftOwner && map.draftOwner !== 'reservation') return;
  if (!d) {
    if (!editing) draftBox.hidden = true;
    return;
  }
  draftBox.hidden = false;
  const shapeText = draftBox.querySelector('[data-testid="draft-shape"]');
  if (d.type === 'circle') shapeText.textContent = d.center ? `circle r=${(d.radiusM / 1852).toFixed(1)} NM` : 'circle: press at the centre';
  else shapeText.textContent = `polygon, ${d.points.length} corners${d.stage === 'done' ? '' : ' (drawing)'}`;
}

/** Shows `text` in the draft's status line, neutral or with the tone 'ok' or 'bad'. */
function setStatus(text, tone) {
  statusLine.textContent = text;
  statusLine.className = tone ? `status ${tone}` : 'status';
}

/** The draft as an API Volume, or null once the status line says what is missing or wrong. */
function readDraft() {
  try {
    return draftVolume();
  } catch (e) {
    setStatus(e.message, 'bad');
    return null;
  }
}

/**
 * The volumes the form holds: the rows' (every volume of the reservation being changed, times
 * not retyped kept to the second), else the one drawn; null once the status line says what is
 * wrong.
 */
function readVolumes() {
  if (!editing) {
    const v = readDraft();
    return v ? [v] : null;
  }
  const r = readRows(rows);
  for (const el of rowsBox.querySelectorAll('input.bad')) el.classList.remove('bad');
  if (r.error) {
    setStatus(r.error.message, 'bad');
    const el = rowsBox.querySelector(`[data-index="${r.error.index}"] [data-field="${r.error.field}"]`);
    if (el) el.classList.add('bad');
    return null;
  }
  return keepUnchangedTimes(editing.volumes || [], r.volumes);
}

/** The draft as an API Volume, or throws with a message the operator can act on. */
export function draftVolume() {
  const shape = map.draftShape();
  if (!shape) throw new Error('Draw the volume on the map first (finish the polygon with a double-click or Enter).');
  const lower = Number(fields.lower.value);
  const upper = Number(fields.upper.value);
  const start = parseUtcInput(fields.start.value);
  const end = parseUtcInput(fields.end.value);
  if (!Number.isFinite(lower) || !Number.isFinite(upper)) throw new Error('Enter the lower and upper altitude in feet.');
  if (lower >= upper) throw new Error('The lower altitude must be below the upper altitude.');
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new Error('Enter the start and end time as YYYY-MM-DD HH:MM (UTC).');
  if (end <= start) throw new Error('The end time must be after the start time.');
  return { shape, lower_ft: lower, upper_ft: upper, start_time: start, end_time: end };
}

const scheduleCheck = debounce(() => {
  if (editing || map.draftShape()) check();
}, 350);

function overlapItem(o) {
  const other = store.reservations.get(o.reservation_id);
  return h('li', { testid: 'overlap-item', dataset: { reservationId: o.reservation_id, party: o.party } },
    h('b', { style: { color: partyColour(o.party) } }, o.party), ' ', (other && other.name) || o.reservation_id,
    ` · ${(o.area_m2 / 1e6).toFixed(1)} km² · ${altBand(o.lower_ft, o.upper_ft)}`,
    h('br'), `${utcDateTime(o.start_time)} → ${utcDateTime(o.end_time)} UTC · priority ${o.priority ?? '—'}`,
    (o.priority ?? 0) > (Number(fields.priority.value) || 0) ? h('div', { class: 'small', testid: 'overlap-give-way' }, 'Higher priority than yours: you must keep clear of it.') : null);
}

function showOverlaps(overlaps) {
  lastOverlaps = overlaps || [];
  map.overlaps = lastOverlaps;
  overlapList.replaceChildren(...lastOverlaps.map(overlapItem));
  if (lastOverlaps.length) {
    setStatus(`${lastOverlaps.length} overlap${lastOverlaps.length > 1 ? 's' : ''} with other reservations (red on the map). Change the volume, or file over them with a justification.`, 'bad');
  } else {
    setStatus('No overlap with other reservations.', 'ok');
  }
  draftBox.dataset.overlaps = String(lastOverlaps.length);
}

export async function check() {
  const volumes = readVolumes();
  if (!volumes) return null;
  const seq = ++checkSeq;
  setStatus('Checking overlaps…');
  try {
    const body = { volumes, priority: Number(fields.priority.value) || 0, purpose: fields.purpose.value };
    // The reservation being changed is left out of its own check.
    if (editing) body.reservation_id = editing.id;
    const res = await post('/reservations/check', body);
    if (seq !== checkSeq) return null;
    showOverlaps(res.overlaps || []);
    return res.overlaps || [];
  } catch (e) {
    if (seq !== checkSeq) return null;
    setStatus(`Check refused: ${e.message}`, 'bad');
    return null;
  }
}

async function file() {
  const volumes = readVolumes();
  if (!volumes) return;
  const justification = fields.justification.value.trim();
  if (lastOverlaps.length && !justification) {
    setStatus('This volume overlaps other reservations: give a justification to file over them, or change it.', 'bad');
    fields.justification.focus();
    return;
  }
  const body = {
    name: fields.name.value.trim() || `${(store.me && store.me.party) || ''} reservation`.trim(),
    purpose: fields.purpose.value,
    priority: Number(fields.priority.value) || 0,
    volumes,
  };
  if (justification) body.justification = justification;
  try {
    let res;
    let changed = null;
    if (editing) {
      body.version = editing.version;
      changed = changedIndexes(editing.volumes || [], volumes);
      res = await put(`/reservations/${encodeURIComponent(editing.id)}`, body);
    } else {
      res = await post('/reservations', body);
    }
    const r = res.reservation || res;
    const verb = editing ? 'Updated' : 'Filed';
    setEditing(null);
    store.upsert('reservations', r);
    toast(`${verb} ${r.id}${res.overlaps && res.overlaps.length ? ` over ${res.overlaps.length} overlap(s)` : ''}`);
    const what = changed ? ` — ${r.volumes.length} volume${r.volumes.length > 1 ? 's' : ''}${changed.length ? `, volume${changed.length > 1 ? 's' : ''} ${changed.map((i) => i + 1).join(', ')} changed` : ', none changed'}` : '';
    setStatus(`${verb} ${r.id} (version ${r.version})${what}.`, 'ok');
    draftBox.dataset.filed = r.id;
    map.cancelDraft();
    fields.justification.value = '';
    lastOverlaps = [];
    overlapList.replaceChildren();
  } catch (e) {
    if (e.status === 409 && e.body && e.body.current_version !== undefined && editing) {
      setStatus(`Not changed: ${editing.id} was changed meanwhile (now version ${e.body.current_version}). Reload it and edit again.`, 'bad');
      refreshStrategic();
    } else if (e.status === 409 && e.body && e.body.overlaps) {
      showOverlaps(e.body.overlaps);
      setStatus(`Not filed: ${e.message}`, 'bad');
    } else {
      setStatus(`Not filed: ${e.message}`, 'bad');
    }
  }
}

async function sendVacate() {
  const volume = readDraft();
  if (!volume) return;
  const to = fields.vacateTo.value;
  if (!to) {
    setStatus('Choose the party to ask.', 'bad');
    return;
  }
  const minutes = Number(fields.vacateExpires.value) || 60;
  try {
    const r = await post('/requests', {
      kind: 'vacate',
      to,
      volume,
      message: fields.vacateMessage.value.trim() || 'Please keep your aircraft out of this volume.',
      expires_at: store.now() + minutes * 60,
    });
    store.upsert('requests', r.request || r);
    toast(`Vacate request sent to ${to}`);
    setStatus(`Vacate request ${(r.request || r).id} sent to ${to}.`, 'ok');
  } catch (e) {
    setStatus(`Request refused: ${e.message}`, 'bad');
  }
}

function setEditing(r) {
  editing = r;
  rows = r ? (r.volumes || []).map(rowOf) : [];
  rowIndex = 0;
  const title = draftBox.querySelector('[data-testid="draft-title"]');
  const fileBtn = draftBox.querySelector('[data-testid="reservation-file"]');
  title.textContent = r ? `Change ${r.name || r.id} (${r.id} v${r.version}) · ${rows.length} volume${rows.length > 1 ? 's' : ''}` : 'New reservation';
  fileBtn.textContent = r ? 'Update' : 'File';
  // A new filing has the one drawn volume; a change every volume of the reservation.
  singleForm.hidden = !!r;
  rowsBox.hidden = !r;
  renderRows();
}

/** The reservation's volumes as rows: each its shape in words, band and window, shown on the map and redrawn on request. */
function renderRows() {
  if (!editing) {
    rowsBox.replaceChildren();
    return;
  }
  const field = (i, name, label, attrs = {}) => [
    h('label', { class: 'muted small' }, label),
    h('input', {
      ...attrs, value: rows[i][name], spellcheck: false, testid: `res-vol-${name}`, dataset: { field: name },
      oninput: (e) => { rows[i][name] = e.target.value; scheduleCheck(); },
    }),
  ];
  rowsBox.replaceChildren(...rows.map((row, i) => h('div', {
    class: `vol-row${i === rowIndex ? ' selected' : ''}`,
    testid: 'res-volume',
    dataset: { index: String(i), redrawn: String(!!row.redrawn) },
  },
  h('div', { class: 'vol-head' },
    h('b', {}, `Volume ${i + 1}`),
    h('span', { class: 'small muted', testid: 'res-vol-shape' }, `${shapeSummary(row.shape)}${row.redrawn ? ' (redrawn)' : ''}`),
    h('span', { class: 'spacer' }),
    h('button', { testid: 'res-vol-show', title: 'Show this volume on the map', onclick: () => selectRow(i) }, i === rowIndex ? 'On map' : 'Show'),
    h('button', { testid: 'res-vol-redraw', title: 'Draw this volume\'s shape anew on the map', onclick: () => { selectRow(i); startDraw(row.shape && row.shape.type === 'circle' ? 'circle' : 'polygon'); } }, 'Redraw')),
  h('div', { class: 'vol-fields' },
    ...field(i, 'lower', 'Lower', { placeholder: 'FL150 or 15000 ft', title: 'A flight level (FL150) or feet (15000)' }),
    ...field(i, 'upper', 'Upper', { placeholder: 'FL250 or 25000 ft', title: 'A flight level (FL250) or feet (25000)' }),
    ...field(i, 'start', 'Start', { placeholder: 'YYYY-MM-DD HH:MM', title: 'UTC' }),
    ...field(i, 'end', 'End', { placeholder: 'YYYY-MM-DD HH:MM', title: 'UTC' })))));
}

/** Shows row `i`'s volume on the map as the draft (the one a redraw replaces). */
function selectRow(i) {
  rowIndex = i;
  const shape = rows[i] && rows[i].shape;
  if (shape) map.setDraftShape(draftShapeOf(shape));
  renderRows();
}

/** Loads an own reservation into the draft form to change it: every volume a row, the first on the map. */
function edit(r) {
  setEditing(r);
  const v = r.volumes[0];
  if (v) map.setDraftShape(draftShapeOf(v.shape));
  fields.name.value = r.name || '';
  fields.purpose.value = r.purpose;
  fields.priority.value = r.priority;
  fields.justification.value = r.justification || '';
  draftBox.hidden = false;
  setStatus(`Change any volume's levels (FL150 or 15000 ft) or times, or redraw its shape, then Update. ${r.volumes.length} volume${r.volumes.length > 1 ? 's' : ''}.`);
  check();
}

function discard() {
  setEditing(null);
  map.cancelDraft();
  draftBox.hidden = true;
  lastOverlaps = [];
  overlapList.replaceChildren();
  statusLine.textContent = '';
}

function highlight(id) {
  const r = store.reservations.get(id);
  map.highlightVolume = r && r.volumes ? r.volumes[0] : null;
  for (const el of listBox.querySelectorAll('.card')) el.classList.toggle('selected', el.dataset.reservationId === id);
}

async function cancel(r) {
  if (!confirm(`Cancel reservation ${r.name || r.id}?`)) return;
  try {
    await del(`/reservations/${encodeURIComponent(r.id)}?version=${r.version}`);
    toast(`Cancelled ${r.id}`);
    refreshStrategic();
  } catch (e) {
    toast(`Cancel refused: ${e.message}`, true);
    refreshStrategic();
  }
}

async function notify(r) {
  const message = prompt(`Advance notice for ${r.name || r.id} (sent to every party):`, `${r.name || r.id} active ${utcDateTime(r.volumes[0].start_time)}Z`);
  if (message === null) return;
  try {
    const q = await post('/requests', { kind: 'notice', to: null, reservation_id: r.id, message });
    store.upsert('requests', q.request || q);
    toast('Advance notice sent');
  } catch (e) {
    toast(`Notice refused: ${e.message}`, true);
  }
}

function renderList() {
  if (!listBox) return;
  const me = store.me && store.me.party;
  const list = [...store.reservations.values()].sort((a, b) => {
    const ma = a.party === me ? 0 : 1;
    const mb = b.party === me ? 0 : 1;
    if (ma !== mb) return ma - mb;
    const ca = a.state === 'cancelled' || a.state === 'ended' ? 1 : 0;
    const cb = b.state === 'cancelled' || b.state === 'ended' ? 1 : 0;
    if (ca !== cb) return ca - cb;
    return (a.volumes[0]?.start_time || 0) - (b.volumes[0]?.start_time || 0);
  });
  document.getElementById('badge-reservations').textContent = list.length ? String(list.filter((r) => r.state !== 'cancelled' && r.state !== 'ended').length) : '';
  // Re-rendering drops the hovered card without a mouseleave.
  map.highlightVolume = null;
  listBox.replaceChildren(h('div', { class: 'muted small' }, `${list.length} reservations and zones`), ...list.map((r) => {
    const own = r.party === me;
    const v = r.volumes[0] || {};
    return h('div', {
      class: 'card',
      testid: 'reservation-item',
      dataset: { reservationId: r.id, party: r.party, state: r.state },
      style: { borderLeftColor: reservationColour(r) },
      onmouseenter: () => { map.highlightVolume = v; },
      onmouseleave: () => { map.highlightVolume = null; },
      onclick: () => centre(r),
    },
    h('div', { class: 'row' }, h('span', { class: 'title' }, r.name || r.id), h('span', { class: 'muted' }, r.id), h('span', { class: `state ${r.state}` }, r.state), h('span', { class: 'spacer' }), h('span', { style: { color: partyColour(r.party) } }, r.party)),
    h('div', { class: 'small' }, `${r.purpose} · priority ${r.priority} · v${r.version} · ${r.volumes.length} volume${r.volumes.length > 1 ? 's' : ''}`),
    ...r.volumes.map((vol) => h('div', { class: 'small mono' }, `${vol.shape.type} · ${altBand(vol.lower_ft, vol.upper_ft)} · ${utcDateTime(vol.start_time)} → ${utcDateTime(vol.end_time)}Z`)),
    exclusionLines(r),
    r.justification ? h('div', { class: 'small', testid: 'reservation-justification-text' }, isExclusion(r) ? 'Request message: ' : 'Justification: ', r.justification) : null,
    own && r.state !== 'cancelled' && r.state !== 'ended'
      ? h('div', { class: 'toolbar' },
        // An exclusion is the answer to a request, not a filing: it is not changed.
        isExclusion(r) ? null : h('button', { testid: 'reservation-edit', onclick: (e) => { e.stopPropagation(); edit(r); } }, 'Change'),
        h('button', { testid: 'reservation-notice', onclick: (e) => { e.stopPropagation(); notify(r); } }, 'Send notice'),
        h('button', { class: 'danger', testid: 'reservation-cancel', onclick: (e) => { e.stopPropagation(); cancel(r); } }, 'Cancel'))
      : null);
  }));
}

/** An exclusion's card lines: the request it answers, whose aircraft must keep out, and the deadline counting down. */
function exclusionLines(r) {
  if (!isExclusion(r)) return null;
  const l = exclusionLink(r);
  return h('div', { class: 'exclusion-block small', testid: 'reservation-exclusion', style: { borderLeftColor: partyColour(r.party) }, dataset: { requestId: l.request_id || '', watchParty: l.watch_party || '', deadline: l.deadline === null ? '' : String(l.deadline) } },
    h('div', {}, h('b', {}, 'EXCLUSION'), ` · ${l.watch_party || 'the other party'} keeps its aircraft out · answers request ${l.request_id || '—'}`),
    h('div', {}, `deadline ${l.deadline === null ? '—' : utc(l.deadline)} · `, l.deadline === null ? 'in force' : liveIn(h, l.deadline, 'in force', { testid: 'exclusion-countdown' })));
}

function centre(r) {
  const pts = [];
  for (const v of r.volumes) {
    if (v.shape.type === 'circle') {
      const dLat = v.shape.radius_m / 111320;
      pts.push([v.shape.center.lon_deg, v.shape.center.lat_deg - dLat], [v.shape.center.lon_deg, v.shape.center.lat_deg + dLat]);
    } else {
      const ring = Array.isArray(v.shape.coordinates[0][0]) ? v.shape.coordinates[0] : v.shape.coordinates;
      pts.push(...ring);
    }
  }
  map.fit(pts, 80);
  highlight(r.id);
}
