// The side panel (alerts and tabs) beside the map: a drag handle between them resizes it
// (pointer drag, or focus the handle and use the arrow keys: ← wider, → narrower, Shift for
// bigger steps, Home / End narrowest / widest), a button on the handle and a shortcut collapse
// and expand it. Its width and whether it is collapsed are remembered in localStorage. The map
// follows by itself: it watches its container's size (js/map.js) and redraws.

import { h } from '../util.js';
import { clampSide, defaultSide, sideBounds, sideWidth } from './sidebar-width.js';

const WIDTH_KEY = 'deconflict.side.width';
const COLLAPSED_KEY = 'deconflict.side.collapsed';
const KEY_STEP_PX = 20;
const KEY_STEP_BIG_PX = 80;

let side = null;
let handle = null;
let toggleBtn = null;
let app = null;
let width = 0;
let collapsed = false;
/** Whether the operator set the width (else the default follows the window's width). */
let chosen = false;

function read(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
}

/** Sets up the handle between `mapEl` and `sideEl`; `appEl` gets the width as --side-w. */
export function initSidebar(mapEl, sideEl, appEl) {
  side = sideEl;
  app = appEl;
  side.id = side.id || 'side';
  toggleBtn = h('button', {
    class: 'side-toggle', testid: 'side-toggle', type: 'button', 'aria-controls': side.id,
    onclick: (e) => { e.stopPropagation(); toggleSidebar(); },
    onpointerdown: (e) => e.stopPropagation(),
    // Its own Enter / Space, not the handle's nor the console's shortcuts.
    onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') e.stopPropagation(); },
  });
  handle = h('div', {
    class: 'side-handle', testid: 'side-handle', role: 'separator', tabindex: 0,
    'aria-orientation': 'vertical', 'aria-controls': side.id, 'aria-label': 'Side panel width (arrow keys resize, Enter collapses)',
  }, toggleBtn);
  side.before(handle);
  const stored = read(WIDTH_KEY);
  chosen = stored !== null;
  width = sideWidth(stored, window.innerWidth);
  collapsed = read(COLLAPSED_KEY) === 'true';
  bindDrag();
  handle.addEventListener('keydown', onKey);
  window.addEventListener('resize', () => {
    if (!chosen) width = defaultSide(window.innerWidth);
    apply(false);
  });
  apply(false);
}

function apply(save) {
  const vw = window.innerWidth;
  const { min, max } = sideBounds(vw);
  const w = clampSide(width, vw);
  side.style.width = `${w}px`;
  side.hidden = collapsed;
  app.style.setProperty('--side-w', `${collapsed ? 0 : w}px`);
  app.classList.toggle('side-collapsed', collapsed);
  handle.setAttribute('aria-valuemin', String(min));
  handle.setAttribute('aria-valuemax', String(max));
  handle.setAttribute('aria-valuenow', String(collapsed ? 0 : w));
  handle.dataset.collapsed = String(collapsed);
  toggleBtn.textContent = collapsed ? '‹' : '›';
  toggleBtn.title = collapsed ? 'Show the side panel (S)' : 'Hide the side panel (S)';
  toggleBtn.setAttribute('aria-label', toggleBtn.title);
  toggleBtn.setAttribute('aria-expanded', String(!collapsed));
  if (save) {
    if (chosen) write(WIDTH_KEY, String(w));
    write(COLLAPSED_KEY, String(collapsed));
  }
}

/** Collapses or expands the side panel (the button on the handle, shortcut S). */
export function toggleSidebar(force) {
  collapsed = force === undefined ? !collapsed : !!force;
  apply(true);
}

/** Sets the panel's width in CSS pixels (kept within the limits for the window). */
export function setSideWidth(px) {
  chosen = true;
  width = clampSide(px, window.innerWidth);
  collapsed = false;
  apply(true);
}

/** The panel's state: `{ width, collapsed }` (for the test hook). */
export function sidebarState() {
  return { width: clampSide(width, window.innerWidth), collapsed };
}

function bindDrag() {
  let start = null;
  handle.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    e.preventDefault();
    handle.setPointerCapture(e.pointerId);
    // Dragging the handle of a collapsed panel opens it from nothing.
    start = { x: e.clientX, w: collapsed ? 0 : clampSide(width, window.innerWidth) };
    handle.classList.add('dragging');
  });
  handle.addEventListener('pointermove', (e) => {
    if (!start) return;
    const w = start.w + (start.x - e.clientX);
    if (collapsed && w < sideBounds(window.innerWidth).min / 2) return;
    width = clampSide(w, window.innerWidth);
    chosen = true;
    collapsed = false;
    apply(false);
  });
  const end = (e) => {
    if (!start) return;
    start = null;
    handle.classList.remove('dragging');
    if (handle.hasPointerCapture(e.pointerId)) handle.releasePointerCapture(e.pointerId);
    apply(true);
  };
  handle.addEventListener('pointerup', end);
  handle.addEventListener('pointercancel', end);
}

function onKey(e) {
  if (e.target !== handle) return;
  const step = e.shiftKey ? KEY_STEP_BIG_PX : KEY_STEP_PX;
  const { min, max } = sideBounds(window.innerWidth);
  switch (e.key) {
    case 'ArrowLeft': setSideWidth(clampSide(width, window.innerWidth) + step); break;
    case 'ArrowRight': setSideWidth(clampSide(width, window.innerWidth) - step); break;
    case 'Home': setSideWidth(min); break;
    case 'End': setSideWidth(max); break;
    case 'Enter': case ' ': toggleSidebar(); break;
    default: return;
  }
  // Not the map's arrow keys or the console's other shortcuts.
  e.preventDefault();
  e.stopPropagation();
}
