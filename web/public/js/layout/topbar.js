// The top bar at any window width: whatever does not fit goes into an overflow menu behind a
// "⋯" button (keyboard reachable: Enter opens it and focuses its first control, the arrow keys
// move between its controls, Escape or Tab out closes it). The items' real widths are measured
// at run time (ResizeObserver on the bar and on every item), not guessed from breakpoints.
// The party, its connection, the UTC clock and Sign out never leave the bar, nor does the
// audit-log indicator while it warns (quiet, it goes after Help, before Follow). The bar also holds the
// sharing chips (js/sharing.js): what the viewer is not shown, and what the others are not
// shown of it.

import { h } from '../util.js';
import { overflowKeys } from './overflow.js';

/** Overflow order by element id: the lowest leaves the bar first; absent = pinned. */
const RANKS = {
  fps: 1,
  counts: 2,
  'btn-labels': 3,
  'btn-help': 4,
  'btn-follow': 5,
  'btn-sound': 6,
  'btn-pause': 7,
  modes: 8,
  sharing: 9,
};
/** Never moved: who is signed in, the connection, the clock, Sign out. */
const PINNED = new Set(['who', 'conn', 'clock', 'btn-signout', 'topbar-more']);
/** Controls added to the bar later (by id or not) overflow after the known ones. */
const DEFAULT_RANK = 5;
/** Decoration that is hidden, not moved, when space is short. */
const HIDE_ONLY = new Set(['brand']);

let bar = null;
let moreBtn = null;
let menu = null;
let chips = null;
let items = [];
const widths = new WeakMap();
let scheduled = false;
let inMenu = new Set();

const keyOf = (el) => el.id || el.dataset.overflowKey || (el.dataset.overflowKey = `item-${Math.random().toString(36).slice(2, 8)}`);
const isSpacer = (el) => el.classList.contains('spacer');

function rankOf(el) {
  if (isSpacer(el) || PINNED.has(el.id)) return null;
  // The audit-log indicator: quiet, it leaves the bar after Help; warning, it never does.
  if (el.id === 'audit-chip') return el.classList.contains('warn') ? null : 4.5;
  if (el.classList.contains('brand')) return 0;
  return RANKS[el.id] ?? DEFAULT_RANK;
}

/** Sets up the bar: the chips' place after the mode tags, the "⋯" button and its menu. */
export function initTopbar(barEl) {
  bar = barEl;
  chips = h('span', { id: 'sharing', class: 'sharing-chips', testid: 'sharing-chips' });
  const modes = bar.querySelector('#modes');
  if (modes) modes.after(chips);
  else bar.append(chips);
  moreBtn = h('button', {
    id: 'topbar-more', class: 'topbar-more', testid: 'topbar-more', type: 'button',
    title: 'More controls', 'aria-label': 'More controls', 'aria-haspopup': 'true', 'aria-expanded': 'false', 'aria-controls': 'topbar-menu',
    onclick: () => setOpen(menu.dataset.open !== 'true', true),
  }, '⋯');
  moreBtn.hidden = true;
  menu = h('div', { id: 'topbar-menu', class: 'topbar-menu', testid: 'topbar-menu', role: 'group', 'aria-label': 'More controls' });
  menu.dataset.open = 'false';
  const clock = bar.querySelector('#clock');
  if (clock) clock.before(moreBtn);
  else bar.append(moreBtn);
  bar.append(menu);
  menu.addEventListener('keydown', onMenuKey);
  moreBtn.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && menu.dataset.open === 'true') {
      e.stopPropagation();
      e.preventDefault();
      setOpen(false, true);
    } else if (e.key === 'Enter' || e.key === ' ') {
      // The button's own click opens the menu; not the console's Enter / Space shortcuts.
      e.stopPropagation();
    } else if (e.key === 'ArrowDown' && !moreBtn.hidden) {
      e.stopPropagation();
      e.preventDefault();
      setOpen(true, true);
    }
  });
  // Clicking anywhere else closes it; choosing a control in it too (the control still acts).
  document.addEventListener('pointerdown', (e) => {
    if (menu.dataset.open === 'true' && !menu.contains(e.target) && e.target !== moreBtn) setOpen(false, false);
  });
  menu.addEventListener('click', (e) => { if (e.target.closest('button')) setOpen(false, false); });
  menu.addEventListener('focusout', (e) => {
    if (menu.dataset.open === 'true' && e.relatedTarget && !menu.contains(e.relatedTarget) && e.relatedTarget !== moreBtn) setOpen(false, false);
  });
  items = [...bar.children].filter((el) => el !== menu);
  const ro = new ResizeObserver(schedule);
  ro.observe(bar);
  for (const el of items) ro.observe(el);
  // Controls added to the bar later are picked up too.
  new MutationObserver(() => {
    const now = [...bar.children].filter((el) => el !== menu && !items.includes(el));
    for (const el of now) {
      items.splice(Math.max(0, items.indexOf(moreBtn)), 0, el);
      ro.observe(el);
    }
    if (now.length) schedule();
  }).observe(bar, { childList: true });
  schedule();
  return { chips };
}

function schedule() {
  if (scheduled) return;
  scheduled = true;
  // Next frame: moving items inside a ResizeObserver callback would loop.
  requestAnimationFrame(() => {
    scheduled = false;
    layout();
  });
}

function setOpen(open, focus) {
  menu.dataset.open = String(open);
  moreBtn.setAttribute('aria-expanded', String(open));
  moreBtn.classList.toggle('on', open);
  if (open) {
    // Under the "⋯" button, right-aligned with it.
    const b = bar.getBoundingClientRect();
    const m = moreBtn.getBoundingClientRect();
    menu.style.right = `${Math.max(0, b.right - m.right)}px`;
  }
  if (open && focus) {
    const first = focusables()[0];
    if (first) first.focus();
  } else if (!open && focus) moreBtn.focus();
}

function focusables() {
  return [...menu.querySelectorAll('button, select, input, [tabindex]')].filter((el) => !el.disabled && !el.hidden && el.offsetParent !== null);
}

function onMenuKey(e) {
  const list = focusables();
  const i = list.indexOf(document.activeElement);
  if ((e.key === 'Enter' || e.key === ' ') && e.target.closest('button, select, input')) {
    // A control's own activation, not the console's Enter / Space shortcuts.
    e.stopPropagation();
    return;
  }
  if (e.key === 'Escape') {
    setOpen(false, true);
  } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    if (!list.length) return;
    const n = e.key === 'ArrowDown' ? (i + 1) % list.length : (i - 1 + list.length) % list.length;
    list[n].focus();
  } else if (e.key === 'Home' || e.key === 'End') {
    if (list.length) list[e.key === 'Home' ? 0 : list.length - 1].focus();
  } else return;
  // The console's shortcuts (Escape deselects, arrows pan the map) are not meant here.
  e.preventDefault();
  e.stopPropagation();
}

/** Measures what is in the bar and moves what does not fit into the menu (and back). */
function layout() {
  if (!bar || !bar.offsetParent) return;
  for (const el of items) {
    if (el.parentNode === bar && !el.classList.contains('overflow-hidden')) widths.set(el, el.getBoundingClientRect().width);
  }
  const cs = getComputedStyle(bar);
  const gap = parseFloat(cs.columnGap) || 0;
  const available = bar.clientWidth - (parseFloat(cs.paddingLeft) || 0) - (parseFloat(cs.paddingRight) || 0);
  const displayed = (el) => !el.hidden && getComputedStyle(el).display !== 'none';
  const list = items.filter((el) => el !== moreBtn).map((el) => ({
    key: keyOf(el),
    width: displayed(el) ? (widths.get(el) ?? 0) : 0,
    rank: rankOf(el),
    // Spacers take no width but still a gap.
    el,
  })).map((x) => (isSpacer(x.el) ? { ...x, width: 0.01 } : x));
  moreBtn.hidden = false;
  const menuWidth = moreBtn.getBoundingClientRect().width || 28;
  // A pixel of slack so rounding does not make the last item flicker in and out.
  const out = overflowKeys(list, available - 1, gap, menuWidth);
  const changed = out.size !== inMenu.size || [...out].some((k) => !inMenu.has(k));
  inMenu = out;
  moreBtn.hidden = out.size === 0;
  if (!out.size && menu.dataset.open === 'true') setOpen(false, false);
  if (!changed) return;
  const barOrder = [];
  const menuOrder = [];
  for (const el of items) {
    const key = keyOf(el);
    const hideOnly = HIDE_ONLY.has(el.id) || el.classList.contains('brand');
    el.classList.toggle('overflow-hidden', hideOnly && out.has(key));
    if (out.has(key) && !hideOnly) menuOrder.push(el);
    else barOrder.push(el);
  }
  placeInOrder(bar, barOrder);
  if (bar.lastElementChild !== menu) bar.append(menu);
  placeInOrder(menu, menuOrder);
  bar.dataset.overflow = String(menuOrder.length);
}

/** Puts `nodes` into `parent` in this order, moving only those out of place (focus stays). */
function placeInOrder(parent, nodes) {
  nodes.forEach((n, i) => {
    if (parent.children[i] !== n) parent.insertBefore(n, parent.children[i] || null);
  });
}

/** Measures the bar again (an item changed what it shows). */
export function relayoutTopbar() {
  if (bar) schedule();
}

/** Ids of the bar's controls now in the overflow menu (for the test hook). */
export function overflowed() {
  return menu ? [...menu.children].map((el) => el.id || el.dataset.testid || el.textContent) : [];
}
