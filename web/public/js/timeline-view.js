// The timeline bar along the bottom of the map: a slider from now to 24 h ahead (whole minutes;
// arrows ±5 min, Shift ±1 min, Page Up / Page Down ±1 h, Home: now, End: +24 h), "Now" back to
// live, the viewed time, the next change, and the list of coming changes (js/timeline.js has
// the rules and words) — clicking one shows the airspace at its time. While a time ahead is
// viewed the map says so in large letters ("VIEWING 14:35 UTC (+2:10) — aircraft are live")
// and is framed in the accent colour; aircraft and alerts stay live. The viewed time is the
// store's `viewTime` (null: live); it goes back to live by itself once the time comes.

import { store } from './store.js';
import { h } from './util.js';
import {
  changesWithin, SPAN_S, STEP_S, timeOfOffset, viewingText, sliderValueText, keyTime, clockText, offsetText,
} from './timeline.js';

const OPEN_KEY = 'deconflict.timeline.changes';
/** The changes are worked out again this often even when nothing arrives (past ones leave the list). */
const REFRESH_MS = 5000;

let mapEl = null;
let map = null;
let bar;
let slider;
let timeEl;
let nowBtn;
let nextEl;
let toggleBtn;
let listBox;
let listEl;
let viewing;
let changes = [];
let listKey = '';
let changesAt = 0;

function readOpen() {
  try {
    return localStorage.getItem(OPEN_KEY) === '1';
  } catch {
    return false;
  }
}

function saveOpen(open) {
  try {
    localStorage.setItem(OPEN_KEY, open ? '1' : '0');
  } catch {
    // Private mode: the choice lasts for the page only.
  }
}

/** Builds the bar in the map's container (`mapView`: the MapView, for what it drew). */
export function initTimeline(container, mapView) {
  mapEl = container;
  map = mapView;
  slider = h('input', {
    type: 'range', min: 0, max: SPAN_S, step: STEP_S, value: 0, class: 'tl-slider', testid: 'timeline-slider',
    'aria-label': 'Map time: the airspace from now to 24 hours ahead (arrows 5 min, Shift+arrows 1 min, Page Up/Down 1 h, Home now)',
    oninput: () => {
      const now = store.now();
      const offset = Number(slider.value);
      setTime(offset <= 0 ? null : timeOfOffset(offset, now));
    },
    onkeydown: (e) => {
      const t = keyTime(e.key, e.shiftKey, store.viewTime, store.now());
      if (t === undefined) return;
      e.preventDefault();
      e.stopPropagation();
      setTime(t);
    },
  });
  nowBtn = h('button', { class: 'tl-now', testid: 'timeline-now', title: 'Back to the live airspace', onclick: () => setTime(null) }, 'Now');
  timeEl = h('span', { class: 'tl-time', testid: 'timeline-time' }, 'LIVE');
  nextEl = h('button', { class: 'tl-next', testid: 'timeline-next', title: 'The next change: show the airspace then' });
  toggleBtn = h('button', {
    class: 'tl-toggle', testid: 'timeline-changes-toggle', 'aria-controls': 'timeline-changes', 'aria-expanded': 'false',
    onclick: () => setOpen(listBox.hidden),
  }, 'Changes');
  bar = h('div', { class: 'timeline', testid: 'timeline', role: 'group', 'aria-label': 'Timeline: the airspace in the next 24 hours' },
    h('span', { class: 'tl-title' }, 'TIME'), nowBtn, slider, timeEl, nextEl, toggleBtn);
  listEl = h('ol', { class: 'tl-list' });
  listBox = h('div', { id: 'timeline-changes', class: 'timeline-changes', testid: 'timeline-changes', hidden: true },
    h('div', { class: 'tl-head' }, h('b', {}, 'Coming changes'), h('span', { class: 'muted small' }, ' next 24 h · click one to see the airspace then')), listEl);
  viewing = h('div', { class: 'map-viewing', testid: 'map-viewing', hidden: true });
  container.append(viewing, listBox, bar);
  container.classList.add('with-timeline');
  setOpen(readOpen(), false);
  store.on('reservations', () => refreshChanges());
  store.on('requests', () => refreshChanges());
  store.on('timeline', () => sync());
  setInterval(tick, 1000);
  refreshChanges();
  sync();
}

function setOpen(open, remember = true) {
  listBox.hidden = !open;
  toggleBtn.setAttribute('aria-expanded', String(open));
  toggleBtn.classList.toggle('on', open);
  toggleBtn.textContent = `Changes (${changes.length}) ${open ? '▾' : '▴'}`;
  if (remember) saveOpen(open);
}

/** Shows the airspace at `t` (null: live). */
export function setTime(t) {
  store.setViewTime(t);
  sync();
}

/** The changes worked out again (events, and every few seconds as time passes). */
function refreshChanges() {
  changes = changesWithin(store.reservations, store.requests, store.now());
  changesAt = Date.now();
  renderList();
}

function renderList() {
  const t = store.viewTime;
  const key = `${changes.map((c) => `${c.time_s}|${c.id}|${c.what}|${c.text}`).join('#')}@${t}`;
  toggleBtn.textContent = `Changes (${changes.length}) ${listBox.hidden ? '▴' : '▾'}`;
  const next = changes[0];
  nextEl.hidden = !next;
  if (next) {
    nextEl.textContent = `next: ${next.text}`;
    nextEl.onclick = () => setTime(next.time_s);
  }
  if (key === listKey) return;
  listKey = key;
  const now = store.now();
  listEl.replaceChildren(...(changes.length ? changes.map((c) => h('li', {},
    h('button', {
      class: `tl-change${t !== null && c.time_s <= t ? ' passed' : ''}${t === c.time_s ? ' current' : ''}`,
      testid: 'timeline-change',
      dataset: { time: String(c.time_s), id: c.id, what: c.what, kind: c.kind },
      'aria-current': t === c.time_s ? 'true' : null,
      title: `${clockText(c.time_s)} UTC — show the airspace then`,
      onclick: () => setTime(c.time_s),
    }, h('span', {}, c.text), h('span', { class: 'muted tl-offset' }, ` ${offsetText(c.time_s - now)}`))))
    : [h('li', { class: 'muted small' }, 'Nothing changes in the next 24 h.')]));
}

function sync() {
  if (!bar) return;
  const now = store.now();
  const t = store.viewTime;
  const live = t === null;
  const offset = live ? 0 : Math.max(0, t - now);
  // The thumb moves left as time passes (the time viewed stays).
  if (document.activeElement !== slider || live) slider.value = String(offset);
  slider.setAttribute('aria-valuetext', sliderValueText(t, now));
  timeEl.textContent = live ? 'LIVE' : `${clockText(t)} UTC ${offsetText(offset)}`;
  timeEl.classList.toggle('ahead', !live);
  nowBtn.classList.toggle('on', live);
  nowBtn.setAttribute('aria-pressed', String(live));
  viewing.hidden = live;
  if (!live) viewing.textContent = viewingText(t, now);
  mapEl.classList.toggle('viewing-ahead', !live);
  renderList();
}

function tick() {
  // The time viewed has come: live again.
  if (store.viewTime !== null && store.viewTime <= store.now()) store.setViewTime(null);
  if (Date.now() - changesAt >= REFRESH_MS || (changes[0] && changes[0].time_s <= store.now())) refreshChanges();
  sync();
}

/**
 * The timeline for the test hook: `{time_s, live, shown: [{id, kind, state, volumes, routes?}],
 * changes: [{time_s, id, kind, what, text}], viewing (the map's words, or null)}` — `shown` what
 * the map's lower canvas last drew.
 */
export function timelineState() {
  const t = store.viewTime;
  return {
    time_s: t === null ? store.now() : t,
    live: t === null,
    shown: map ? map.reservations.shown.map((x) => ({ ...x, volumes: [...x.volumes], ...(x.routes ? { routes: [...x.routes] } : {}) })) : [],
    changes: changes.map((c) => ({ ...c })),
    viewing: viewing && !viewing.hidden ? viewing.textContent : null,
  };
}
