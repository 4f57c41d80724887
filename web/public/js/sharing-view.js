// Sharing made visible: a chip in the top bar per note of js/sharing.js (the other parties'
// aircraft the viewer does not fully see, what the others see of its own, or that the cell
// sees all), the same entries in the map's key, the full sentence in their tooltips. The
// parties' rules (GET /api/v1/parties) are reloaded every minute and whenever the live stream
// comes back, which sends no event when a rule changes.

import { store } from './store.js';
import { h, partyColour } from './util.js';
import { sharingNotes } from './sharing.js';

const RELOAD_MS = 60_000;

let chips = null;
let legend = null;
let lastKey = '';

/** `reload()` refetches the parties (and emits `parties` on the store). */
export function initSharing(chipsEl, mapLegend, reload) {
  chips = chipsEl;
  legend = mapLegend;
  store.on('parties', render);
  let wasLive = false;
  store.on('connection', (mode) => {
    if (mode === 'live' && !wasLive) reload();
    wasLive = mode === 'live';
  });
  setInterval(reload, RELOAD_MS);
  render();
}

function render() {
  const notes = sharingNotes(store.parties, store.me);
  const key = notes.map((n) => `${n.key}:${n.text}`).join('|');
  if (key === lastKey) return;
  lastKey = key;
  chips.replaceChildren(...notes.map((n) => h('span', {
    class: `chip sharing-chip ${n.own ? 'own' : ''} mode-${n.mode}`,
    testid: 'sharing-chip',
    title: n.title,
    tabindex: 0,
    'aria-label': n.title,
    dataset: { party: n.party || '', mode: n.mode, own: String(n.own) },
  }, n.party && !n.own ? h('span', { class: 'dot', style: { background: partyColour(n.party) } }) : null, n.text)));
  chips.hidden = !notes.length;
  if (legend) legend.setSharing(notes);
}

/** The notes shown (for the test hook). */
export function sharingShown() {
  return sharingNotes(store.parties, store.me).map((n) => ({ party: n.party, mode: n.mode, own: n.own, text: n.text }));
}
