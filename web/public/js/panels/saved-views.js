// Saved map views: a "Views" button in the top bar opening a small menu to save the current
// view (centre and zoom) under a name, recall one (also Shift+1 … Shift+9) or delete one. Kept
// in localStorage per party (js/views.js).

import { store } from '../store.js';
import { h } from '../util.js';
import { loadViews, saveView, deleteView } from '../views.js';

let map = null;
let toast = () => {};
let button = null;
let menu = null;
let list = null;
let nameInput = null;

const party = () => (store.me && store.me.party) || null;

/** Adds the Views button to `bar` before `before` (or at its end). */
export function initSavedViews(bar, before, mapView, showToast) {
  map = mapView;
  toast = showToast;
  button = h('button', { testid: 'views-button', title: 'Saved map views (Shift+1 … 9 recall)', onclick: (e) => { e.stopPropagation(); toggleMenu(); } }, 'Views');
  nameInput = h('input', { type: 'text', placeholder: 'name of this view', testid: 'view-name', maxlength: 40,
    onkeydown: (e) => { if (e.key === 'Enter') { e.preventDefault(); saveCurrent(); } } });
  list = h('ol', { class: 'views-list', testid: 'views-list' });
  menu = h('div', { class: 'views-menu', testid: 'views-menu', hidden: true, onclick: (e) => e.stopPropagation() },
    h('div', { class: 'views-save' }, nameInput, h('button', { class: 'primary', testid: 'view-save', onclick: saveCurrent }, 'Save view')),
    list,
    h('div', { class: 'muted small' }, 'Shift+1 … Shift+9 recall the first nine.'));
  const wrap = h('span', { class: 'views-wrap' }, button, menu);
  bar.insertBefore(wrap, before || null);
  document.addEventListener('click', () => { menu.hidden = true; });
  renderList();
}

function toggleMenu() {
  menu.hidden = !menu.hidden;
  if (!menu.hidden) {
    renderList();
    nameInput.focus();
  }
}

function saveCurrent() {
  try {
    saveView(localStorage, party(), nameInput.value, map.currentView());
    toast(`View "${nameInput.value.trim()}" saved`);
    nameInput.value = '';
  } catch (e) {
    toast(`View not saved: ${e.message}`, true);
  }
  renderList();
}

/** Recalls the n-th saved view (1-based); false when there is none. */
export function recallView(n) {
  const v = loadViews(localStorage, party())[n - 1];
  if (!v) {
    toast(`No saved view ${n}: save one from Views in the top bar`);
    return false;
  }
  store.setFollow(null);
  map.setView(v);
  toast(`View ${n}: ${v.name}`);
  return true;
}

function renderList() {
  if (!list) return;
  const views = loadViews(localStorage, party());
  list.replaceChildren(...views.map((v, i) => h('li', { testid: 'view-item', dataset: { name: v.name } },
    h('button', { class: 'view-recall', testid: 'view-recall', title: `Recall${i < 9 ? ` (Shift+${i + 1})` : ''}`, onclick: () => { recallView(i + 1); menu.hidden = true; } },
      i < 9 ? h('kbd', {}, String(i + 1)) : '', ` ${v.name}`),
    h('span', { class: 'muted small' }, `${v.lat.toFixed(2)}°, ${v.lon.toFixed(2)}° z${v.zoom.toFixed(1)}`),
    h('button', { class: 'danger', testid: 'view-delete', title: 'Delete this view', onclick: () => { deleteView(localStorage, party(), v.name); renderList(); } }, '×'))));
  if (!views.length) list.append(h('li', { class: 'muted small' }, 'No saved views yet.'));
}
