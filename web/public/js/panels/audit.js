// Audit view (cell role): the hash-chained audit log and the server's verification result
// (GET /api/v1/audit, GET /api/v1/audit/verify).

import { get } from '../api.js';
import { h, utcDateTime } from '../util.js';

let panel;
let table;
let result;
let lastSeq = null;

export function initAudit(el) {
  panel = el;
  result = h('div', { class: 'status', testid: 'audit-verify-result' });
  table = h('tbody');
  panel.append(
    h('div', { class: 'toolbar' },
      h('button', { class: 'primary', testid: 'audit-verify', onclick: verify }, 'Verify chain'),
      h('button', { testid: 'audit-refresh', onclick: () => load(true) }, 'Refresh'),
      h('button', { testid: 'audit-more', onclick: () => load(false) }, 'Newer…')),
    result,
    h('table', { class: 'grid', testid: 'audit-table' },
      h('thead', {}, h('tr', {}, ...['Seq', 'Time (UTC)', 'Actor', 'Action', 'Digest', 'Hash'].map((c) => h('th', {}, c)))),
      table));
}

export async function verify() {
  result.textContent = 'Verifying…';
  result.className = 'status';
  try {
    const r = await get('/audit/verify');
    result.dataset.ok = String(r.ok);
    if (r.ok) {
      result.textContent = `✔ Chain intact: ${r.entries} entries verified.`;
      result.className = 'status ok';
    } else {
      result.textContent = `✘ Chain broken at seq ${r.first_bad_seq}: ${r.problem} (${r.entries} entries).`;
      result.className = 'status bad';
    }
  } catch (e) {
    result.textContent = `Verify failed: ${e.message}`;
    result.className = 'status bad';
  }
}

export async function load(fresh = true) {
  try {
    // Entries come in sequence order; "Newer…" pages on after the last one shown.
    const q = fresh || lastSeq === null ? '?limit=200' : `?limit=200&after=${lastSeq}`;
    const r = await get(`/audit${q}`);
    const entries = (r.entries || []).slice().sort((a, b) => a.seq - b.seq);
    const rows = entries.map((e) => h('tr', { testid: 'audit-row' },
      h('td', { class: 'num' }, e.seq), h('td', {}, utcDateTime(e.time)), h('td', {}, e.actor), h('td', {}, e.action),
      h('td', { title: e.digest }, (e.digest || '').slice(0, 12)), h('td', { title: e.hash }, (e.hash || '').slice(0, 12))));
    if (fresh) table.replaceChildren(...rows);
    else table.append(...rows);
    if (entries.length) lastSeq = entries[entries.length - 1].seq;
  } catch (e) {
    result.textContent = `Audit log unavailable: ${e.message}`;
    result.className = 'status bad';
  }
}
