// Hotline messages and requests addressed to the viewer that arrive while their tab is not
// shown: a toast at the top right of the map (below the top bar and the alarm banner, never
// over them), announced to screen readers (aria-live), gone after 8 s (kept while the pointer
// is on it). Clicking it opens the tab at that message or request.

import { store } from './store.js';
import { h, utcTime, partyColour } from './util.js';
import { pickArrivals } from './arrivals-pick.js';

const SHOW_MS = 8000;
const MAX_SHOWN = 4;

let box = null;
let openTab = () => {};
const seen = { messages: new Set(), requests: new Set() };
const seeded = { messages: false, requests: false };

/** `mapEl`: the toasts' corner; `showTab(name)` opens a tab. */
export function initArrivals(mapEl, showTab) {
  openTab = showTab;
  box = h('div', { class: 'arrivals', testid: 'arrivals', 'aria-live': 'polite', 'aria-relevant': 'additions', role: 'log', 'aria-label': 'New messages and requests' });
  mapEl.append(box);
  store.on('messages', (d) => check('messages', 'message', d));
  store.on('requests', (d) => check('requests', 'request', d));
}

function tabShown(name) {
  const p = document.getElementById(`panel-${name}`);
  return !!p && !p.hidden && !p.closest('[hidden]');
}

function check(collection, kind, detail) {
  if (!store.me) return;
  // The first full list (loaded at sign-in) is what was there before: not an arrival.
  const seeding = !seeded[collection] && !!(detail && detail.replaced);
  if (seeding) seeded[collection] = true;
  const items = detail && detail.item && !detail.replaced ? [detail.item] : [...store[collection].values()];
  const tab = kind === 'message' ? 'hotline' : 'requests';
  // A message event of the stream carries the sender's read mark (true), not the viewer's: a
  // message this console has never seen counts as unread.
  const fromStream = !!(detail && detail.item && detail.isNew);
  const fresh = pickArrivals(items, seen[collection], store.me.party, kind, seeding, { ignoreRead: fromStream });
  if (tabShown(tab)) return;
  for (const x of fresh) show(kind, x);
}

function show(kind, x) {
  const tab = kind === 'message' ? 'hotline' : 'requests';
  const head = kind === 'message'
    ? ['Hotline · ', h('b', { style: { color: partyColour(x.from) } }, x.from), ` → ${x.to ?? 'all'} · ${utcTime(x.sent_at)}Z`]
    : [`${x.kind === 'vacate' ? 'Vacate request' : 'Notice'} · `, h('b', { style: { color: partyColour(x.from) } }, x.from), ` → ${x.to ?? 'all'} · ${utcTime(x.created_at)}Z`];
  const title = kind === 'message' ? (x.subject || '(no subject)') : (x.kind === 'vacate' ? 'asks you to vacate an area' : 'notice');
  const body = kind === 'message' ? x.body : x.message;
  const close = h('button', { class: 'arrival-close', 'aria-label': 'Dismiss', title: 'Dismiss', onclick: (e) => { e.stopPropagation(); remove(); } }, '×');
  const el = h('div', {
    class: `arrival ${kind}`, testid: 'arrival-toast', role: 'button', tabindex: 0,
    dataset: { kind, id: String(x.id), from: x.from || '' },
    title: `Open the ${tab === 'hotline' ? 'hotline' : 'requests'} tab at this ${kind}`,
    onclick: () => { remove(); reveal(tab, kind, x.id); },
    onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); e.stopPropagation(); remove(); reveal(tab, kind, x.id); } },
  },
  h('div', { class: 'arrival-head' }, ...head, h('span', { class: 'spacer' }), close),
  h('div', { class: 'arrival-title' }, title),
  body ? h('div', { class: 'arrival-body' }, body) : null);
  let timer = setTimeout(remove, SHOW_MS);
  el.addEventListener('pointerenter', () => clearTimeout(timer));
  el.addEventListener('pointerleave', () => { clearTimeout(timer); timer = setTimeout(remove, SHOW_MS / 2); });
  function remove() {
    clearTimeout(timer);
    el.remove();
  }
  box.prepend(el);
  while (box.children.length > MAX_SHOWN) box.lastElementChild.remove();
}

/** Opens the tab and scrolls to the item, marking it briefly. */
function reveal(tab, kind, id) {
  openTab(tab);
  requestAnimationFrame(() => {
    const sel = kind === 'message'
      ? `[data-testid=message-item][data-id="${CSS.escape(String(id))}"]`
      : `[data-testid=request-item][data-request-id="${CSS.escape(String(id))}"]`;
    const item = document.querySelector(sel);
    if (!item) return;
    item.scrollIntoView({ block: 'center' });
    item.classList.add('arrived');
    setTimeout(() => item.classList.remove('arrived'), 2500);
  });
}
