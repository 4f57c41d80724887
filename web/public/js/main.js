// Console entry point: sign-in with a party token (kept in sessionStorage), the top bar (UTC
// clock, connection, audit-log indicator, pause/follow), tabs, keyboard shortcuts, the help
// overlay and the read-only test hook window.__deconflict.

import { get, getToken, setToken, setWriteGuard, ApiError } from './api.js';
import { TILE_LIMIT } from './map/layers/aerodromes.js';
import { store } from './store.js';
import { startStream, stopStream, forceReconnect } from './stream.js';
import { MapView, mapKey } from './map.js';
import { applyLevelColours } from './levels.js';
import { applyPalette } from './palette.js';
import { initAlarm, unlockAudio, setSound, soundEnabled } from './alarm.js';
import { initAlerts, sortedAlerts, acknowledgeMostUrgent, showingCivil, complianceWords } from './panels/alerts.js';
import { initSavedViews, recallView } from './panels/saved-views.js';
import { homePoints, fitsAll } from './views.js';
import { initAircraft, render as renderAircraft } from './panels/aircraft.js';
import { initReservations, startDraw, fillParties as fillResParties } from './panels/reservations.js';
import { initRequests } from './panels/requests.js';
import { initHotline, markRead, fillParties as fillHotlineParties } from './panels/hotline.js';
import { initAudit, load as loadAudit, verify as verifyAudit } from './panels/audit.js';
import { initDetails } from './details.js';
import { initTopbar, overflowed, relayoutTopbar } from './layout/topbar.js';
import { initSidebar, toggleSidebar, sidebarState } from './layout/sidebar.js';
import { initSharing, sharingShown } from './sharing-view.js';
import { initArrivals } from './arrivals.js';
import { startCheckpointWatch, watchState } from './checkpoint-watch.js';
import { initCheckpointView } from './checkpoint-view.js';
import { h, utcTime, $ } from './util.js';
import { isActive, discrepancyText, markerPositions } from './discrepancy.js';
import { initExclusionWatch } from './exclusion-watch.js';
import { isExclusion, exclusionLink, exclusionLabel, deadlinePhase, isLiveExclusion, isContested, contestedLabel, exclusionOfIntrusion } from './exclusion.js';
import { volumeRings, geojsonRings } from './geo.js';
import { initTimeline, timelineState } from './timeline-view.js';
import { isReadOnly, refusalFor, refusal, READ_ONLY_TEXT, READ_ONLY_TITLE } from './read-only.js';
import { isNoticeIntrusion } from './notice.js';
import { watchNodes, resumeToken } from './failover.js';

const TOKEN_KEY = 'deconflict.token';
const TABS = ['aircraft', 'reservations', 'requests', 'hotline', 'audit'];
let map = null;
let started = false;
let stopFailover = null;

const SHORTCUTS = [
  ['?', 'Show / hide this help'],
  ['1 – 5', 'Aircraft, Reservations, Requests, Hotline, Audit tab'],
  ['Arrows', 'Pan the map'],
  ['+ / -', 'Zoom in / out (mouse wheel too)'],
  ['H', 'Fit the map to your aircraft and your alerts (cell, observer: the alerts); again within 2 s, or Shift+H: all aircraft'],
  ['Shift+1 – 9', 'Recall saved view 1 – 9 (Views in the top bar saves, lists and deletes them)'],
  ['P or Space', 'Pause / resume the picture'],
  ['F', 'Follow the selected aircraft'],
  ['A', 'Acknowledge the most urgent alert you can acknowledge (says why when there is none)'],
  ['N', 'Select the aircraft of the most urgent alert'],
  ['D / C', 'Draw a polygon / circle reservation'],
  ['Enter', 'Close the polygon being drawn'],
  ['Backspace', 'Remove the last polygon corner'],
  ['Esc', 'Cancel drawing, close details and help'],
  ['L / T', 'Toggle labels / trails'],
  ['G', 'Show / hide the safety-net regions (terminal areas, inhibition volumes)'],
  ['O', 'Range rings (5, 10, 20, 40 NM) round the selected aircraft on / off'],
  ['M', 'Mute / unmute the alarm sound'],
  ['R', 'Reconnect the live stream'],
  ['S', 'Hide / show the side panel (drag its edge, or focus it and use ← →, to resize)'],
  ['Timeline slider', 'Focused (Tab to it, under the map): ← → 5 min later / earlier, Shift 1 min, Page Up / Down 1 h, Home now (live), End +24 h'],
];

function toast(text, bad = false) {
  const el = $('#toast');
  el.textContent = text;
  el.className = `toast${bad ? ' bad' : ''}`;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, bad ? 6000 : 3000);
}

async function signIn(token) {
  setToken(token);
  const me = await get('/me');
  store.me = me;
  sessionStorage.setItem(TOKEN_KEY, token);
  return me;
}

function showApp(me) {
  $('#signin').hidden = true;
  $('#app').hidden = false;
  const readOnly = isReadOnly(me);
  $('#who').textContent = `${me.name || me.party} · ${me.party} · ${readOnly ? READ_ONLY_TEXT : me.role}`;
  $('#who').title = readOnly ? READ_ONLY_TITLE : '';
  $('#who').dataset.party = me.party;
  $('#who').dataset.role = me.role;
  $('#who').dataset.readOnly = String(readOnly);
  // The cell and observers read the audit log (observers see everything, change nothing).
  if (me.role === 'cell' || me.role === 'observer') $('[data-tab="audit"]').hidden = false;
  // Observers read only: hide the controls that write, and send nothing that would.
  document.body.classList.toggle('read-only', readOnly);
  setWriteGuard(readOnly ? (method, path) => refusalFor(method, path) : null);
  if (!started) {
    started = true;
    initConsole();
  }
  // Before the stream starts: its first checkpoint comes right after the snapshot.
  startCheckpointWatch(me);
  startStream();
  loadParties();
  // Several nodes: when this one is gone, carry on at the next that answers.
  if (!stopFailover) stopFailover = watchNodes(store, getToken);
}

async function loadParties() {
  let parties = [];
  try {
    parties = (await get('/parties')).parties || [];
  } catch {
    parties = [];
  }
  // Parties the viewer may not list (role-restricted) are still known from what it sees.
  const ids = new Set(parties.map((p) => p.id));
  const extra = new Set();
  for (const r of store.reservations.values()) extra.add(r.party);
  for (const q of store.requests.values()) extra.add(q.from);
  for (const t of store.tracks.values()) extra.add(t.party);
  for (const c of store.conflicts.values()) {
    extra.add(c.a_party);
    extra.add(c.b_party);
  }
  for (const p of extra) if (p && !ids.has(p) && p !== 'civil') parties.push({ id: p });
  store.parties = parties;
  store.emit('parties');
}

function initConsole() {
  map = new MapView($('#map'));
  map.loadBasemap('data/basemap.json').catch((e) => toast(`Basemap failed to load: ${e.message}`, true));
  map.setAerodromeSource((bbox) => get(`/aerodromes?bbox=${bbox}&limit=${TILE_LIMIT}`));
  initAlarm($('#banner'), focusAlert);
  initAlerts($('#alert-list'), $('#alert-count'), focusAlert, toast, $('#show-civil'));
  initAircraft($('#panel-aircraft'), pickAircraft, map);
  initSavedViews($('.topbar'), $('#btn-help'), map, toast);
  initReservations($('#panel-reservations'), map, toast);
  initRequests($('#panel-requests'), map, toast);
  initHotline($('#panel-hotline'), toast);
  initAudit($('#panel-audit'));
  initDetails($('#details'));
  // The airspace in the next 24 h: the slider and the coming changes along the map's bottom.
  initTimeline($('#map'), map);
  // Layout: the top bar's overflow menu and sharing chips, the resizable side panel, toasts
  // for hotline messages and requests that arrive while their tab is not shown.
  const { chips } = initTopbar($('.topbar'));
  initSidebar($('#map'), $('.side'), $('#app'));
  initSharing(chips, map.legend, loadParties);
  initArrivals($('#map'), showTab);
  initCheckpointView($('#audit-chip'), $('#audit-notice'), (text) => toast(text), relayoutTopbar);
  // Exclusions' compliance status (GET /requests while a deadline is ahead) and countdowns.
  initExclusionWatch();
  store.on('parties', () => { fillResParties(); fillHotlineParties(); });
  startRegions();
  store.on('reservations', () => { if (store.parties.length < 2) loadParties(); });

  for (const b of document.querySelectorAll('#tabs button')) b.addEventListener('click', () => showTab(b.dataset.tab));
  $('#btn-pause').addEventListener('click', togglePause);
  $('#btn-follow').addEventListener('click', toggleFollow);
  $('#btn-labels').addEventListener('click', () => { map.showLabels = !map.showLabels; syncButtons(); });
  $('#btn-sound').addEventListener('click', () => { setSound(!soundEnabled()); unlockAudio(); syncButtons(); });
  $('#btn-help').addEventListener('click', toggleHelp);
  $('#btn-signout').addEventListener('click', signOut);
  document.addEventListener('keydown', onKey);
  store.on('connection', showConnection);
  // A connection that is up but has sent nothing for a while is not live: say how long.
  setInterval(showConnection, 1000);
  store.on('pause', syncButtons);
  store.on('unauthorized', () => {
    stopStream();
    sessionStorage.removeItem(TOKEN_KEY);
    $('#app').hidden = true;
    $('#signin').hidden = false;
    $('#signin-error').textContent = 'The server no longer accepts this token (revoked?). Sign in again.';
  });
  store.on('selection', syncButtons);
  let firstFit = true;
  store.on('tracks', () => {
    if (firstFit && store.tracks.size) {
      firstFit = false;
      // Start on the party's own aircraft (all aircraft for the cell), not closer than ~zoom 8.
      const all = [...store.tracks.values()];
      const own = all.filter((t) => t.party === store.me.party);
      const pts = (own.length ? own : all).map((t) => [t.lon_deg, t.lat_deg]);
      if (pts.length) map.fit(pts, 120, 8);
    }
  });
  setInterval(tickTopbar, 250);
  let lastFrames = 0;
  let lastT = performance.now();
  setInterval(() => {
    const t = performance.now();
    const fps = ((map.frames - lastFrames) * 1000) / (t - lastT);
    lastFrames = map.frames;
    lastT = t;
    store.fps = fps;
    $('#fps').textContent = `${fps.toFixed(0)} fps`;
  }, 1000);
  buildHelp();
  syncButtons();
}

function tickTopbar() {
  $('#clock').textContent = `${utcTime(store.now())}Z`;
  const drawn = map.stats.drawn;
  $('#counts').textContent = `${store.tracks.size} tracks · ${drawn} in view`;
  $('#badge-aircraft').textContent = store.tracks.size ? String(store.tracks.size) : '';
}

function syncButtons() {
  $('#btn-pause').classList.toggle('on', store.paused);
  $('#btn-pause').textContent = store.paused ? 'Resume' : 'Pause';
  $('#btn-follow').classList.toggle('on', !!store.followId);
  $('#btn-follow').disabled = !store.selectedId && !store.followId;
  $('#btn-labels').classList.toggle('on', map.showLabels);
  $('#btn-sound').classList.toggle('on', soundEnabled());
  $('#btn-sound').textContent = soundEnabled() ? 'Sound' : 'Muted';
  const modes = [];
  if (store.paused) modes.push('PAUSED');
  if (store.followId) modes.push(`FOLLOW ${store.tracks.get(store.followId)?.callsign || store.followId}`);
  $('#modes').replaceChildren(...modes.map((m) => h('span', { class: 'mode', testid: 'mode' }, m)));
}

function togglePause() {
  store.setPaused(!store.paused);
}

function toggleFollow() {
  if (store.followId) store.setFollow(null);
  else if (store.selectedId) store.setFollow(store.selectedId);
}

function showTab(name) {
  for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('active', b.dataset.tab === name);
  for (const p of document.querySelectorAll('.panel')) p.hidden = p.dataset.panel !== name;
  if (name === 'aircraft') renderAircraft();
  if (name === 'hotline') markRead();
  if (name === 'audit') {
    loadAudit(true);
    verifyAudit();
  }
}

function pickAircraft(id) {
  store.select(id);
  const t = store.tracks.get(id);
  if (t) map.centerOn(t.lon_deg, t.lat_deg);
}

function focusAlert(a) {
  if (a.kind === 'conflict') {
    const c = a.item;
    const pts = [c.a_state, c.b_state, store.tracks.get(c.a), store.tracks.get(c.b)].filter(Boolean).map((t) => [t.lon_deg, t.lat_deg]);
    if (c.cpa_a) pts.push([c.cpa_a.lon_deg, c.cpa_a.lat_deg]);
    if (c.cpa_b) pts.push([c.cpa_b.lon_deg, c.cpa_b.lat_deg]);
    // The aircraft whose guidance the viewer has (its own), else its own party's, else either.
    const mine = (id, party) => store.tracks.has(id) && party === store.me.party;
    const pick = [c.a, c.b].find((id) => store.guidanceFor(id) && store.tracks.has(id))
      || (mine(c.a, c.a_party) ? c.a : mine(c.b, c.b_party) ? c.b : null)
      || (store.tracks.has(c.a) ? c.a : c.b);
    store.select(pick);
    // Both aircraft in the part of the map the details card leaves free.
    if (pts.length) map.fit(pts, 140, undefined, detailsInset());
  } else if (a.kind === 'crossing') {
    // A recipient's reservation crossing an advance notice: where they cross, and the notice's volume.
    const c = a.item;
    const q = store.requests.get(c.notice_id);
    const pts = [];
    for (const ring of geojsonRings(c.geometry)) pts.push(...ring);
    const vol = q && q.volumes ? q.volumes[c.volume_index || 0] : null;
    if (vol) for (const ring of volumeRings(vol)) pts.push(...ring);
    if (pts.length) map.fit(pts, 120);
    map.highlightVolume = vol;
  } else if (a.kind === 'discrepancy') {
    // The aircraft where its owner reports it and where independent surveillance hears it.
    const d = a.item;
    const t = store.tracks.get(d.track_id);
    const pos = markerPositions(d, t ? store.displayed(t.id) : null);
    const pts = pos ? [[pos.reported.lon_deg, pos.reported.lat_deg], [pos.independent.lon_deg, pos.independent.lat_deg]] : [];
    if (pts.length) map.fit(pts, 160, 12, detailsInset());
    if (t) store.select(t.id);
  } else {
    const i = a.item;
    const t = store.tracks.get(i.track_id);
    const pts = [];
    if (t) pts.push([t.lon_deg, t.lat_deg]);
    if (i.entry_point) pts.push([i.entry_point.lon_deg, i.entry_point.lat_deg]);
    // An exclusion's alert: the box the aircraft must leave as well.
    const x = exclusionOfIntrusion(i, store.reservations, store.requests);
    if (x && x.volumes && x.volumes[i.volume_index || 0]) for (const ring of volumeRings(x.volumes[i.volume_index || 0])) pts.push(...ring);
    if (pts.length) map.fit(pts, 160);
    if (t) store.select(t.id);
  }
}

// `H`: the viewer's own aircraft and its alerts' aircraft (collapsed civil–civil alerts left
// out); a second press within 2 s, or Shift+H, every aircraft.
let lastHomeFit = null;
function fitHome(shift) {
  const now = performance.now();
  const all = fitsAll(now, lastHomeFit, shift);
  lastHomeFit = all ? null : now;
  const home = homePoints(store.tracks, sortedAlerts(), store.me, { all, skipGroups: showingCivil() ? [] : ['civil'] });
  if (!home.points.length) return;
  store.setFollow(null);
  map.fit(home.points);
  const what = store.me.role === 'party' ? 'your aircraft and alerts' : 'the aircraft in alert';
  toast(home.all ? 'Fitted every aircraft' : `Fitted ${what} · H again: every aircraft`);
}

/** How far the details card reaches into the map from its left edge (0 when hidden). */
function detailsInset() {
  const card = $('#details');
  if (!card || card.hidden) return 0;
  const r = card.getBoundingClientRect();
  const m = $('#map').getBoundingClientRect();
  return Math.max(0, r.right - m.left);
}

function buildHelp() {
  const box = h('div', { class: 'help-box' },
    h('h2', {}, 'Keyboard shortcuts'),
    h('table', {}, ...SHORTCUTS.map(([k, d]) => h('tr', {}, h('td', {}, h('kbd', {}, k)), h('td', {}, d)))),
    h('p', { class: 'muted small' }, 'Map: drag to pan, wheel to zoom, click an aircraft for details, hover a reservation for its altitude band and time window.'),
    h('button', { onclick: toggleHelp }, 'Close'));
  $('#help').replaceChildren(box);
  $('#help').addEventListener('click', (e) => { if (e.target.id === 'help') toggleHelp(); });
}

function toggleHelp() {
  $('#help').hidden = !$('#help').hidden;
}

function onKey(e) {
  const tag = (e.target && e.target.tagName) || '';
  // A ticked checkbox keeps the focus: the shortcuts still work there (Space and Enter stay its own).
  const box = tag === 'INPUT' && (e.target.type === 'checkbox' || e.target.type === 'radio');
  if (box && (e.key === ' ' || e.key === 'Enter')) return;
  if ((tag === 'INPUT' && !box) || tag === 'TEXTAREA' || tag === 'SELECT') {
    if (e.key === 'Escape') e.target.blur();
    return;
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === 'Escape' && !$('#help').hidden) {
    toggleHelp();
    e.preventDefault();
    return;
  }
  if (mapKey(map, e.key)) {
    e.preventDefault();
    return;
  }
  if (e.shiftKey && /^Digit[1-9]$/.test(e.code)) {
    recallView(Number(e.code.slice(5)));
    e.preventDefault();
    return;
  }
  switch (e.key) {
    case '?': toggleHelp(); break;
    case 'Escape': store.setFollow(null); store.select(null); break;
    case 'h': case 'H': fitHome(e.shiftKey); break;
    case 'p': case 'P': case ' ': togglePause(); break;
    case 'f': case 'F': toggleFollow(); break;
    case 'a': case 'A': acknowledgeMostUrgent(); break;
    case 'n': case 'N': { const top = sortedAlerts()[0]; if (top) focusAlert(top); break; }
    case 'd': case 'D': case 'c': case 'C':
      // Observers file nothing: no drawing of a reservation to file.
      if (isReadOnly(store.me)) toast(refusal('observers draw and file no reservation'));
      else {
        showTab('reservations');
        startDraw(e.key.toLowerCase() === 'd' ? 'polygon' : 'circle');
      }
      break;
    case 'l': case 'L': map.showLabels = !map.showLabels; syncButtons(); break;
    case 't': case 'T': map.showTrails = !map.showTrails; break;
    case 'o': case 'O': map.toggleRangeRings(); if (map.showRangeRings && !store.selectedId) toast('Range rings: select an aircraft'); break;
    case 'g': case 'G': map.showRegions = !map.showRegions; map.invalidateBase(); break;
    case 'm': case 'M': setSound(!soundEnabled()); unlockAudio(); syncButtons(); break;
    case 'r': case 'R': forceReconnect(); break;
    case 's': case 'S': toggleSidebar(); break;
    default: {
      const n = Number(e.key);
      if (n >= 1 && n <= TABS.length) {
        const tab = TABS[n - 1];
        if (!$(`[data-tab="${tab}"]`).hidden) showTab(tab);
      } else return;
    }
  }
  e.preventDefault();
}

// Safety-net regions of the view: refetched when the view has moved (checked every 2 s), when
// the cell changes them, and every minute.
const MAX_DEFAULT_REGIONS_SPAN_DEG = 12;
let regionsBbox = null;
let regionsAt = 0;
async function refreshRegions(force = false) {
  const bbox = map.bbox();
  if (!force && bbox === regionsBbox && Date.now() - regionsAt < 60_000) return;
  regionsBbox = bbox;
  regionsAt = Date.now();
  try {
    // The default aerodrome regions only when zoomed in to a terminal area or so; wider views
    // show the cell's own regions (a continent of 40 NM circles would hide the traffic).
    const [w, , e] = bbox.split(',').map(Number);
    const r = await get(e - w <= MAX_DEFAULT_REGIONS_SPAN_DEG ? `/safety/regions?bbox=${bbox}` : '/safety/regions');
    map.setSafetyRegions(r.regions);
  } catch {
    // Shown again at the next refresh; the traffic does not depend on it.
  }
}

function startRegions() {
  store.on('safety-regions', () => refreshRegions(true));
  setInterval(() => refreshRegions(false), 2000);
  refreshRegions(true);
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  if (stopFailover) stopFailover();
  stopStream();
  location.reload();
}

/** Frames older than this make the connection chip say how long nothing has come. */
const SILENT_AFTER_S = 3;

/** The connection chip: live / polling / connecting / offline, or "no data 7 s" when silent. */
function showConnection() {
  const el = $('#conn');
  if (!el) return;
  const mode = store.connection;
  const silentS = store.lastFrameAt ? (Date.now() - store.lastFrameAt) / 1000 : 0;
  const silent = (mode === 'live' || mode === 'polling') && silentS > SILENT_AFTER_S;
  el.textContent = silent ? `no data ${Math.round(silentS)} s` : mode;
  el.className = `conn ${silent ? 'silent' : mode}`;
  el.dataset.mode = mode;
  el.dataset.silent = String(silent);
  el.title = silent ? `Connected, but nothing received for ${Math.round(silentS)} s: positions are dead-reckoned` : `Connection: ${mode}`;
}

// ---- test hook ---------------------------------------------------------------------------

function stateSnapshot() {
  const alertIds = store.alertTrackIds();
  const trackParties = {};
  const tracks = [];
  for (const t of store.tracks.values()) {
    trackParties[t.party] = (trackParties[t.party] || 0) + 1;
    tracks.push({ id: t.id, party: t.party, inAlert: alertIds.has(t.id), lat_deg: t.lat_deg, lon_deg: t.lon_deg });
  }
  const viaAlert = map ? map.stats.viaAlert.map((x) => ({ ...x, inAlert: true })) : [];
  return Object.freeze({
    me: store.me ? { ...store.me } : null,
    connection: store.connection,
    paused: store.paused,
    tracks: store.tracks.size,
    drawn: map ? map.stats.drawn : 0,
    visibleParties: map ? { ...map.stats.parties } : {},
    trackParties,
    // Every aircraft the map draws (picture + those known only through alerts).
    drawnTracks: tracks.concat(viaAlert),
    alerts: sortedAlerts().map((a) => ({
      id: a.id, kind: a.kind, level: a.level, unacked: a.unacked, group: a.group,
      a: a.item.a ?? a.item.track_id, b: a.item.b ?? a.item.reservation_id,
      a_party: a.item.a_party ?? a.item.track_party ?? a.item.party, b_party: a.item.b_party ?? a.item.volume_party,
      ...(a.kind === 'discrepancy' ? { state: isActive(a.item) ? 'active' : 'cleared' } : {}),
      ...(a.kind === 'intrusion' ? { compliance: !!a.compliance, notice: isNoticeIntrusion(a.item), text: a.text ?? complianceWords(a.item), inside_now: !!a.item.inside_now } : {}),
      ...(a.kind === 'crossing' ? { text: a.text, notice_id: a.item.notice_id, reservation_id: a.item.reservation_id } : {}),
    })),
    alertTrackIds: [...alertIds],
    reservations: [...store.reservations.values()].map((r) => ({ id: r.id, party: r.party, name: r.name, state: r.state, purpose: r.purpose, priority: r.priority, volumes: r.volumes })),
    requests: [...store.requests.values()].map((q) => ({ id: q.id, kind: q.kind, from: q.from, to: q.to, state: q.state, reason: q.reason, exclusion_id: q.exclusion_id ?? null, contested: !!q.contested, compliance: q.compliance ? JSON.parse(JSON.stringify(q.compliance)) : null })),
    overlaps: map ? map.overlaps.length : 0,
    safetyRegions: map ? map.safetyRegions.map((r) => ({ id: r.id, kind: r.kind, source: r.source })) : [],
    fps: store.fps || 0,
    frameMs: map ? map.stats.frameMs : 0,
    labels: map ? map.stats.labels : 0,
    selectedId: store.selectedId,
    // Aircraft with guidance as the server sent it to this viewer, and what the map's guidance
    // ring drew in the last frame (null when none: no selection or no guidance for it).
    guidanceIds: [...store.guidance.keys()],
    // What the basemap drew of the aerodromes ([{icao, iata, x, y, labelled}], CSS pixels) and
    // the range rings round the selected aircraft ({id, centre, rings: [{nm, radius_px}]} or null).
    aerodromesDrawn: map ? map.aerodromes.drawn.map((a) => ({ ...a })) : [],
    aerodromeRequests: map && map.aerodromes.cache ? map.aerodromes.cache.requests : 0,
    rangeRings: map && map.rangeRings.drawn ? JSON.parse(JSON.stringify(map.rangeRings.drawn)) : null,
    mapView: map ? map.currentView() : null,
    guidanceDrawn: map && map.stats.guidance ? JSON.parse(JSON.stringify(map.stats.guidance)) : null,
    // Layout: the side panel's width and state, the top-bar controls in the overflow menu,
    // the sharing notes shown as chips and in the map's key.
    side: started ? sidebarState() : null,
    overflowed: started ? overflowed() : [],
    sharing: started ? sharingShown() : [],
    // Aircraft drawn with late data in the last frame: [{id, age_s, radius_px}] (uncertainty ring).
    late: map && map.stats.late ? map.stats.late.map((x) => ({ ...x })) : [],
  });
}

window.__deconflict = Object.freeze({
  get state() {
    return stateSnapshot();
  },
  /** Cheap render statistics (no per-track lists), for frame-rate measurements. */
  get stats() {
    return map ? { frames: map.frames, frameMs: map.stats.frameMs, frameTotalMs: map.stats.frameTotalMs || 0, partsMs: map.stats.partsMs || {}, drawn: map.stats.drawn, tracks: store.tracks.size } : null;
  },
  /** Frames drawn since load (for frame-rate measurements). */
  get frames() {
    return map ? map.frames : 0;
  },
  /**
   * What the map draws for an aircraft now: {lat_deg, lon_deg, age_s, via_alert, time_s}
   * (dead-reckoned position, age of its data, known only through an alert, at server time), or
   * null when the console has no state for it.
   */
  displayed(id) {
    return store.displayed(id);
  },
  /** The Track fields (docs/api.md) the console holds for an aircraft, or null. */
  track(id) {
    const t = store.tracks.get(id);
    if (!t) return null;
    const f = ['id', 'callsign', 'party', 'lat_deg', 'lon_deg', 'alt_ft', 'gs_kt', 'trk_deg', 'vs_fpm', 'on_ground', 'coasting', 'last_update', 'sources', 'squawk', 'selected_alt_ft', 'selected_alt_time'];
    return JSON.parse(JSON.stringify(Object.fromEntries(f.map((k) => [k, t[k] ?? null]))));
  },
  view(lon, lat, zoom) {
    map.centerOn(lon, lat, 256 * 2 ** zoom);
  },
  fit(points) {
    map.fit(points, 80);
  },
  project(lon, lat) {
    return map.project(lon, lat);
  },
  /**
   * The console's watch on the cell's audit log: `{kept, warning, latest, how, signature, note}`
   * — the checkpoint kept (null before the first), the standing warning (`{kind, title, text,
   * seq, kept, incoming, noticed_at}`, null when all is well), the newest checkpoint recorded
   * while it stands, how the kept one was confirmed, its signature check, a check not made.
   */
  auditCheckpoint() {
    return watchState();
  },
  /**
   * The position discrepancies the console holds (active and recently cleared), newest first:
   * `{id, track_id, party, callsign, state, active, horizontal_m, vertical_ft, max_horizontal_m,
   * raised_at, updated_at, cleared_at, reported, independent, text, drawn}` — `text` the sentence
   * the list and card say, `drawn` the independent-fix marker the last frame drew (`{x, y,
   * reported_x, reported_y, lat_deg, lon_deg, label, length_px, bearing_deg, on_screen, colour,
   * label_box}`, CSS pixels) or null (cleared, or the aircraft unknown).
   */
  discrepancies() {
    const drawn = map ? map.discrepancies.drawn : [];
    return [...store.discrepancies.values()].sort((a, b) => b.raised_at - a.raised_at).map((d) => JSON.parse(JSON.stringify({
      ...d,
      active: isActive(d),
      text: discrepancyText(d, store.feeds && d.independent ? store.feeds.get(d.independent.feed) : null),
      drawn: drawn.find((x) => x.id === d.id) || null,
    })));
  },
  /**
   * The exclusions the console holds (reservations of purpose "exclusion"): `{id, party, name,
   * state, request_id, watch_party, deadline, phase ('pending' | 'in-force'), live, label (the
   * map's words now), volumes, compliance (the accepted request's status, or null), drawn}` —
   * `drawn` what the last drawing of the lower canvas drew (`{kind, style: {colour, dash, hatch,
   * lineWidth}, anchor, box, phase, text}`, CSS pixels) with `label` (the label placed in the
   * last frame: `{x, y, w, h, text}`), or null when not drawn.
   */
  exclusions() {
    const now = store.now();
    const drawn = map ? map.reservations.drawn : [];
    const placed = map ? map.aircraft.frame.placedLabels || [] : [];
    return [...store.reservations.values()].filter(isExclusion).map((r) => {
      const l = exclusionLink(r);
      const q = [...store.requests.values()].find((x) => x.exclusion_id === r.id) || null;
      const d = drawn.find((x) => x.id === r.id) || null;
      const lab = d ? placed.find((p) => p.id === d.label_id) || null : null;
      return JSON.parse(JSON.stringify({
        id: r.id, party: r.party, name: r.name, state: r.state, request_id: l.request_id, watch_party: l.watch_party, deadline: l.deadline,
        phase: deadlinePhase(l.deadline, now), live: isLiveExclusion(r, now), label: exclusionLabel(r, now), volumes: r.volumes,
        compliance: q && q.compliance ? q.compliance : null,
        drawn: d ? { ...d, label: lab ? { x: lab.x, y: lab.y, w: lab.w, h: lab.h, text: lab.text, leader: lab.leader } : null } : null,
      }));
    });
  },
  /**
   * The contested volumes (declined or unanswered vacate requests whose volume has not ended):
   * `{request_id, from, to, state, reason, volume, label (full words), drawn}` with `drawn` as
   * in exclusions().
   */
  contested() {
    const now = store.now();
    const drawn = map ? map.reservations.drawn : [];
    const placed = map ? map.aircraft.frame.placedLabels || [] : [];
    return [...store.requests.values()].filter((q) => isContested(q, now)).map((q) => {
      const d = drawn.find((x) => x.kind === 'contested' && x.id === q.id) || null;
      const lab = d ? placed.find((p) => p.id === d.label_id) || null : null;
      return JSON.parse(JSON.stringify({
        request_id: q.id, from: q.from, to: q.to, state: q.state, reason: q.reason, volume: q.volume, label: contestedLabel(q, Infinity),
        drawn: d ? { ...d, label: lab ? { x: lab.x, y: lab.y, w: lab.w, h: lab.h, text: lab.text, leader: lab.leader } : null } : null,
      }));
    });
  },
  /**
   * The timeline: `{time_s, live, shown: [{id, kind, state, volumes, routes?}], changes:
   * [{time_s, id, kind, what, text}], viewing}` — the time the map shows the airspace at (now
   * when live), what its lower canvas last drew (kinds 'reservation', 'hazard', 'exclusion',
   * 'contested', 'notice'), the coming changes in the next 24 h, the map's "VIEWING …" words.
   */
  timeline() {
    return JSON.parse(JSON.stringify(timelineState()));
  },
  /**
   * The advance notices the map last drew: `{id, kind ('notice' | 'notice-route'), request_id,
   * label_id, volume_index | route_index, text, style, box, on_screen, waypoints?, label}`.
   */
  notices() {
    const drawn = map ? map.reservations.drawn : [];
    const placed = map ? map.aircraft.frame.placedLabels || [] : [];
    return drawn.filter((d) => d.kind === 'notice' || d.kind === 'notice-route').map((d) => {
      const lab = placed.find((p) => p.id === d.label_id) || null;
      return JSON.parse(JSON.stringify({ ...d, label: lab ? { x: lab.x, y: lab.y, w: lab.w, h: lab.h, text: lab.text } : null,
        waypoints: d.waypoints ? d.waypoints.map((w) => ({ ...w, placed: !!placed.find((p) => p.id === w.label_id) })) : undefined }));
    });
  },
  /**
   * The labels the map placed in the last frame: [{id, kind ('aircraft' | 'alert-only' | 'region' |
   * 'reservation'), x, y, w, h (CSS pixels), leader, priority, pos}].
   */
  labels() {
    return map ? JSON.parse(JSON.stringify(map.aircraft.frame.placedLabels || [])) : [];
  },
});

// ---- boot ----------------------------------------------------------------------------------

applyPalette(document.documentElement.style);
applyLevelColours(document.documentElement.style);

async function boot() {
  const form = $('#signin-form');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    unlockAudio();
    const token = $('#token').value.trim();
    $('#signin-error').textContent = '';
    try {
      const me = await signIn(token);
      showApp(me);
    } catch (err) {
      const msg = err instanceof ApiError && err.status === 401 ? 'Unknown or revoked token.' : err.message;
      $('#signin-error').textContent = msg;
    }
  });
  // Moved here from another node of the cell (js/failover.js): the session came in the
  // fragment; keep it as this origin's, and take it out of the address bar and history.
  const resumed = resumeToken(location.hash);
  if (resumed) {
    sessionStorage.setItem(TOKEN_KEY, resumed);
    history.replaceState(null, '', location.pathname + location.search);
  }
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) {
    try {
      showApp(await signIn(saved));
    } catch {
      sessionStorage.removeItem(TOKEN_KEY);
    }
  }
}

boot();
