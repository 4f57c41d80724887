// The map's pointer and keyboard handling. Pointer: wheel zooms about the pointer, drag pans,
// a click selects the aircraft under it (or reports the reservation under it), hovering shows
// a tooltip (aircraft: callsign, party, level, speed; reservation: owner, purpose, state, band,
// window) and the pointer's coordinates; while a reservation is being drawn, presses, drags and
// clicks go to the draft. Keyboard (`mapKey`, called by the console's shortcut handler): arrows
// pan, + / - zoom, Enter closes the polygon being drawn, Backspace removes its last corner, Esc
// abandons it.

import { store } from '../store.js';
import { flText, utcDateTime, altBand } from '../util.js';
import { isExclusion, exclusionSentence, contestedLabel } from '../exclusion.js';
import { noticeSentence, routeSummary } from '../notice.js';
import { clockText } from '../timeline.js';

const WHEEL_ZOOM_PER_PX = 0.0015;
/** A press that moves more than this is a drag, not a click. */
const DRAG_PX = 4;
const KEY_PAN_PX = 80;
const KEY_ZOOM = 1.5;
const TOOLTIP_WIDTH_PX = 260;

export function escapeHtml(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** Tooltip HTML for what is under screen point (x, y), or null. */
function tooltipAt(map, x, y) {
  const id = map.aircraft.hitTest(x, y);
  if (id) {
    const t = map.aircraft.aircraft(id);
    return t ? `<b>${escapeHtml(t.callsign || t.id)}</b> ${escapeHtml(t.party || '')}<br>${flText(t.alt_ft)} · ${Math.round(t.gs_kt || 0)} kt` : null;
  }
  const p = map.reservationAt(x, y);
  if (!p) return null;
  const v = p.volume;
  const band = `<br>${altBand(v.lower_ft, v.upper_ft)} (${Math.round(v.lower_ft)}–${Math.round(v.upper_ft)} ft)` +
    `<br>${utcDateTime(v.start_time)} → ${utcDateTime(v.end_time)} UTC`;
  if (p.request) {
    // A contested volume: a refused or unanswered vacate request, not a reservation.
    return `<b class="contested">${escapeHtml(contestedLabel(p.request, Infinity))}</b>${band}<br><span class="muted">not a reservation: ${escapeHtml(p.request.from)}'s filings over it get the usual overlap checks</span>`;
  }
  if (p.notice) {
    // An advance notice's volume or route corridor: an operation announced, not a reservation.
    const route = p.route ? `<br>${escapeHtml(routeSummary(p.route))} (corridor of leg ${p.index + 1})` : '';
    return `<b class="notice">${escapeHtml(noticeSentence(p.notice))}</b>${route}${band}<br><span class="muted">advance notice: not a reservation</span>`;
  }
  const r = p.reservation;
  const at = Number.isFinite(store.viewTime) ? store.viewTime : null;
  const exclusion = isExclusion(r) ? `<br>${escapeHtml(exclusionSentence(r, at ?? store.now()))}` : '';
  // A time ahead on the timeline: the state it will be in then.
  const state = at !== null && p.state ? `${escapeHtml(p.state)} at ${clockText(at)} UTC` : escapeHtml(r.state || '');
  return `<b>${escapeHtml(r.name || r.id)}</b> · ${escapeHtml(r.party)} · ${escapeHtml(r.purpose || '')} · ${state}${exclusion}${band}`;
}

function updateHover(map, x, y) {
  const html = tooltipAt(map, x, y);
  const tip = map.tooltip;
  if (html) {
    tip.innerHTML = html;
    tip.hidden = false;
    tip.style.left = `${Math.min(map.view.width - TOOLTIP_WIDTH_PX, x + 14)}px`;
    tip.style.top = `${Math.max(0, y + 14)}px`;
    map.air.style.cursor = 'pointer';
  } else {
    tip.hidden = true;
    map.air.style.cursor = map.drafting.draft ? 'crosshair' : 'grab';
  }
}

/** A click that was not a drag: the draft's, else select the aircraft or report the volume. */
function click(map, x, y) {
  if (map.drafting.click(x, y)) return;
  const id = map.aircraft.hitTest(x, y);
  store.select(id);
  if (!id) {
    const res = map.reservationAt(x, y);
    if (res && res.reservation) map.emit('reservation-click', res);
  }
}

/** Binds the pointer handlers to the map's upper canvas. */
export function bindPointer(map) {
  const el = map.air;
  const drafting = map.drafting;
  let drag = null;
  const at = (e) => {
    const r = el.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  el.addEventListener('wheel', (e) => {
    e.preventDefault();
    const [x, y] = at(e);
    map.zoomBy(Math.exp(-e.deltaY * WHEEL_ZOOM_PER_PX), x, y);
  }, { passive: false });
  el.addEventListener('pointerdown', (e) => {
    el.focus();
    const [x, y] = at(e);
    drag = { x, y, startX: x, startY: y, moved: false, circle: drafting.press(x, y) };
    el.setPointerCapture(e.pointerId);
  });
  el.addEventListener('pointermove', (e) => {
    const [x, y] = at(e);
    const [lon, lat] = map.view.unproject(x, y);
    map.coords.textContent = `${lat.toFixed(3)}°, ${lon.toFixed(3)}°`;
    drafting.hover(lon, lat);
    if (drag) {
      if (Math.hypot(x - drag.startX, y - drag.startY) > DRAG_PX) drag.moved = true;
      if (drag.circle) drafting.dragRadius(lon, lat);
      else if (drag.moved) map.panBy(x - drag.x, y - drag.y);
      drag.x = x;
      drag.y = y;
      return;
    }
    updateHover(map, x, y);
  });
  el.addEventListener('pointerup', (e) => {
    if (!drag) return;
    const [x, y] = at(e);
    const d = drag;
    drag = null;
    if (d.circle) drafting.release();
    else if (!d.moved) click(map, x, y);
  });
  el.addEventListener('dblclick', (e) => {
    if (drafting.doubleClick()) e.preventDefault();
  });
  el.addEventListener('pointerleave', () => {
    map.tooltip.hidden = true;
  });
}

/** Handles a map key (KeyboardEvent.key); true when it was one. */
export function mapKey(map, key) {
  switch (key) {
    case 'ArrowLeft': map.panBy(KEY_PAN_PX, 0); return true;
    case 'ArrowRight': map.panBy(-KEY_PAN_PX, 0); return true;
    case 'ArrowUp': map.panBy(0, KEY_PAN_PX); return true;
    case 'ArrowDown': map.panBy(0, -KEY_PAN_PX); return true;
    case '+': case '=': map.zoomBy(KEY_ZOOM); return true;
    case '-': case '_': map.zoomBy(1 / KEY_ZOOM); return true;
    case 'Enter':
      if (map.drafting.draft && map.drafting.draft.type === 'polygon') map.finishDraft();
      return true;
    case 'Backspace': map.undoDraftPoint(); return true;
    case 'Escape':
      if (!map.drafting.drawing()) return false;
      map.cancelDraft();
      return true;
    default: return false;
  }
}
