// Keeps exclusions' compliance status and countdowns current (js/exclusion.js has the words):
// - the compliance status of accepted vacate requests comes only with GET /requests, so while
//   one's deadline is ahead (or aircraft are still listed after it) the requests are asked for
//   every COMPLIANCE_POLL_MS, and soon after a request is accepted, an exclusion filed, or an
//   intrusion on an exclusion raised or cleared;
// - every element with the class `live-in` and `data-until` (UNIX s) says "in 7:42" until
//   then and its `data-after` text from then on, rewritten each second (cards and panels are
//   only re-rendered when their data changes).

import { get } from './api.js';
import { store } from './store.js';
import { needsCompliancePoll, inText, isExclusion, COMPLIANCE_POLL_MS } from './exclusion.js';

/** A poll asked for by an event comes this long after it at the earliest (ms). */
const SOON_MS = 500;

let lastPoll = 0;
let inflight = false;
let soonTimer = null;

/** GET /requests into the store (with their compliance status). */
export async function pollCompliance() {
  if (inflight) return;
  inflight = true;
  lastPoll = Date.now();
  try {
    const r = await get('/requests');
    store.replace('requests', r.requests);
  } catch {
    // Asked again at the next tick or the 15 s refresh.
  } finally {
    inflight = false;
  }
}

/** A poll soon, for an event that may have changed a compliance status (throttled). */
function soon() {
  if (soonTimer) return;
  const wait = Math.max(SOON_MS, COMPLIANCE_POLL_MS / 2 - (Date.now() - lastPoll));
  soonTimer = setTimeout(() => {
    soonTimer = null;
    pollCompliance();
  }, wait);
}

/** Rewrites the countdowns in the document ("in 7:42" → the element's `data-after`). */
export function tickCountdowns(root = document, now = store.now()) {
  for (const el of root.querySelectorAll('.live-in[data-until]')) {
    const text = inText(Number(el.dataset.until), now, el.dataset.after || 'now');
    if (el.textContent !== text) el.textContent = text;
  }
}

export function initExclusionWatch() {
  store.on('requests', (d) => {
    if (d && d.item && d.item.kind === 'vacate' && d.item.state === 'accepted' && !d.item.compliance) soon();
  });
  store.on('reservations', (d) => {
    if (d && d.item && isExclusion(d.item)) soon();
  });
  store.on('intrusions', (d) => {
    const i = d && d.intrusion;
    if (!i || d.event === 'updated') return;
    if (i.purpose === 'exclusion' || isExclusion(store.reservations.get(i.reservation_id))) soon();
  });
  setInterval(() => {
    const now = store.now();
    tickCountdowns(document, now);
    if (Date.now() - lastPoll >= COMPLIANCE_POLL_MS && needsCompliancePoll(store.requests, store.reservations, now)) pollCompliance();
  }, 1000);
}

/** A countdown element: "in 7:42" until `until`, then `after`. */
export function liveIn(h, until, after, attrs = {}) {
  return h('span', { ...attrs, class: `live-in${attrs.class ? ` ${attrs.class}` : ''}`, dataset: { ...(attrs.dataset || {}), until: String(until), after } },
    inText(until, store.now(), after));
}
