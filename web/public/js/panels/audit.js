// Audit view (cell role): the hash-chained audit log, newest first, and the server's
// verification result (GET /api/v1/audit, GET /api/v1/audit/verify). Times with seconds (the
// date too when not today), the object each entry concerns, filters by actor and by action
// (over every entry loaded), shortened hashes that open to the full hash, the previous hash
// and the payload digest with copy buttons. The API pages forwards only (`after`), so the
// newest page is found by probing (js/audit-log.js) and older pages load on demand.

import { get } from '../api.js';
import { h } from '../util.js';
import { auditTime, auditObject, newestFirst, distinct, filterEntries, shortHash, findNewestSeq } from '../audit-log.js';

/** Entries per request. */
const PAGE = 500;
/** Rows rendered at once; "Show more rows" adds as many again. */
const ROWS = 200;

let panel;
let table;
let result;
let countLine;
let olderBtn;
let moreRowsBtn;
let actorSel;
let actionSel;
/** Every entry loaded, by sequence number. */
const entries = new Map();
let newestSeq = 0;
let oldestSeq = null;
let rowLimit = ROWS;
let loading = null;
const open = new Set();

export function initAudit(el) {
  panel = el;
  result = h('div', { class: 'status', testid: 'audit-verify-result' });
  table = h('tbody');
  actorSel = h('select', { testid: 'audit-filter-actor', title: 'Only entries by this actor', onchange: () => { rowLimit = ROWS; render(); } });
  actionSel = h('select', { testid: 'audit-filter-action', title: 'Only entries with this action', onchange: () => { rowLimit = ROWS; render(); } });
  countLine = h('span', { class: 'muted small', testid: 'audit-count' });
  olderBtn = h('button', { testid: 'audit-more', onclick: loadOlder }, 'Load older entries');
  moreRowsBtn = h('button', { testid: 'audit-more-rows', onclick: () => { rowLimit += ROWS; render(); } }, 'Show more rows');
  panel.append(
    h('div', { class: 'toolbar' },
      h('button', { class: 'primary', testid: 'audit-verify', onclick: verify }, 'Verify chain'),
      h('button', { testid: 'audit-refresh', onclick: () => load(true), title: 'Load the entries written since' }, 'Refresh'),
      h('label', { class: 'small muted' }, 'actor ', actorSel),
      h('label', { class: 'small muted' }, 'action ', actionSel)),
    result,
    h('div', { class: 'toolbar' }, countLine),
    h('table', { class: 'grid audit-grid', testid: 'audit-table' },
      h('thead', {}, h('tr', {}, ...['Seq', 'Time (UTC)', 'Actor', 'Action', 'Object', 'Hash'].map((c) => h('th', {}, c)))),
      table),
    h('div', { class: 'toolbar audit-foot' }, moreRowsBtn, olderBtn));
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

const page = (after, limit) => get(`/audit?limit=${limit}&after=${after}`).then((r) => r.entries || []);

function keep(list) {
  for (const e of list) {
    entries.set(e.seq, e);
    newestSeq = Math.max(newestSeq, e.seq);
    oldestSeq = oldestSeq === null ? e.seq : Math.min(oldestSeq, e.seq);
  }
}

/** Loads the newest entries: at first the newest page, then whatever was written since. */
export function load() {
  if (loading) return loading;
  loading = (async () => {
    try {
      if (!entries.size) {
        const first = await page(0, PAGE);
        if (first.length < PAGE) keep(first);
        else {
          const head = await findNewestSeq(async (after) => (await page(after, 1)).length > 0, first[first.length - 1].seq);
          keep(await page(Math.max(0, head - PAGE), PAGE));
        }
      } else {
        for (;;) {
          const next = await page(newestSeq, PAGE);
          keep(next);
          if (next.length < PAGE) break;
        }
      }
      render();
    } catch (e) {
      result.textContent = `Audit log unavailable: ${e.message}`;
      result.className = 'status bad';
    } finally {
      loading = null;
    }
  })();
  return loading;
}

async function loadOlder() {
  if (oldestSeq === null || oldestSeq <= 1) return;
  olderBtn.disabled = true;
  try {
    const from = Math.max(0, oldestSeq - 1 - PAGE);
    keep(await page(from, oldestSeq - 1 - from));
    render();
  } catch (e) {
    result.textContent = `Audit log unavailable: ${e.message}`;
    result.className = 'status bad';
  } finally {
    olderBtn.disabled = false;
  }
}

function fillSelect(sel, values, all) {
  const current = sel.value;
  sel.replaceChildren(h('option', { value: '' }, all), ...values.map((v) => h('option', { value: v }, v)));
  sel.value = values.includes(current) ? current : '';
}

/** "reservation.file" with a break opportunity after each dot (the column stays narrow). */
const breakable = (s) => String(s || '').split('.').flatMap((part, i) => (i ? ['.', h('wbr'), part] : [part]));

async function copy(text, btn) {
  try {
    await navigator.clipboard.writeText(text);
    btn.textContent = 'Copied';
  } catch {
    // No clipboard permission (plain http): select the text for Ctrl+C instead.
    const code = btn.previousElementSibling;
    const range = document.createRange();
    range.selectNodeContents(code);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    btn.textContent = 'Selected — Ctrl+C';
  }
  setTimeout(() => { btn.textContent = 'Copy'; }, 1500);
}

function detailRow(e) {
  const line = (label, value, testid) => h('div', { class: 'audit-hash-line' },
    h('span', { class: 'muted' }, label),
    h('code', { testid }, value || '—'),
    h('button', { class: 'small-btn', testid: `${testid}-copy`, onclick: (ev) => { ev.stopPropagation(); copy(value || '', ev.currentTarget); } }, 'Copy'));
  return h('tr', { class: 'audit-detail', testid: 'audit-detail', dataset: { seq: String(e.seq) } },
    h('td', { colspan: 6 },
      line('hash', e.hash, 'audit-hash-full'),
      line('previous', e.prev_hash, 'audit-prev-hash'),
      line('digest', e.digest, 'audit-digest')));
}

function render() {
  const all = newestFirst([...entries.values()]);
  fillSelect(actorSel, distinct(all, 'actor'), 'all');
  fillSelect(actionSel, distinct(all, 'action'), 'all');
  const shown = filterEntries(all, { actor: actorSel.value, action: actionSel.value });
  const now = Date.now() / 1000;
  const rows = [];
  for (const e of shown.slice(0, rowLimit)) {
    const obj = auditObject(e);
    const isOpen = open.has(e.seq);
    rows.push(h('tr', { testid: 'audit-row', dataset: { seq: String(e.seq), actor: e.actor, action: e.action, time: String(e.time) } },
      h('td', { class: 'num' }, e.seq),
      h('td', { testid: 'audit-time' }, auditTime(e.time, now)),
      h('td', {}, e.actor),
      h('td', { class: 'wrap' }, ...breakable(e.action)),
      obj.id
        ? h('td', { class: 'wrap', testid: 'audit-object', title: `${obj.kind} ${obj.id}` }, obj.id)
        : h('td', { class: 'wrap muted', testid: 'audit-object', title: `A ${obj.kind || 'change'}; the audit log names only the kind of object (its payload is kept as the digest)` }, ...breakable(obj.kind)),
      h('td', {}, h('button', {
        class: 'hash-btn', testid: 'audit-hash', 'aria-expanded': String(isOpen), title: isOpen ? 'Hide the full hashes' : `${e.hash} — show the full hash, previous hash and digest`,
        onclick: () => { if (open.has(e.seq)) open.delete(e.seq); else open.add(e.seq); render(); },
      }, shortHash(e.hash, 8)))));
    if (isOpen) rows.push(detailRow(e));
  }
  table.replaceChildren(...rows);
  const range = entries.size ? ` (seq ${oldestSeq}–${newestSeq})` : '';
  countLine.textContent = shown.length === all.length
    ? `${all.length} entries loaded${range}, newest first`
    : `${shown.length} of ${all.length} entries loaded${range} match, newest first`;
  moreRowsBtn.hidden = shown.length <= rowLimit;
  olderBtn.hidden = !(oldestSeq > 1);
}
