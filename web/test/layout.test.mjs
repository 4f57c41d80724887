// Unit tests of the console's layout logic: which top-bar items overflow, the side panel's
// widths, the sharing notes, hotline arrivals and the audit view's ordering, times, filters,
// objects and newest-entry search.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overflowKeys } from '../public/js/layout/overflow.js';
import { sideBounds, clampSide, defaultSide, sideWidth, SIDE_MIN_PX } from '../public/js/layout/sidebar-width.js';
import { sharingNotes, proximityRange } from '../public/js/sharing.js';
import { pickArrivals, addressedTo } from '../public/js/arrivals-pick.js';
import { auditTime, auditObject, newestFirst, distinct, filterEntries, shortHash, findNewestSeq } from '../public/js/audit-log.js';

const bar = [
  { key: 'brand', width: 110, rank: 0 },
  { key: 'who', width: 190, rank: null },
  { key: 'counts', width: 160, rank: 2 },
  { key: 'spacer', width: 0.01, rank: null },
  { key: 'fps', width: 40, rank: 1 },
  { key: 'pause', width: 50, rank: 7 },
  { key: 'labels', width: 55, rank: 3 },
  { key: 'clock', width: 80, rank: null },
  { key: 'signout', width: 65, rank: null },
];
const total = bar.reduce((s, i) => s + i.width, 0) + 10 * (bar.length - 1);

test('top bar: nothing overflows when everything fits', () => {
  assert.equal(overflowKeys(bar, total, 10, 28).size, 0);
  assert.equal(overflowKeys(bar, 5000, 10, 28).size, 0);
});

test('top bar: the lowest ranks leave first, and the menu button takes its room', () => {
  // One pixel short: the lowest rank (brand) goes, but the menu button (28 + gap) needs more.
  const out = overflowKeys(bar, total - 1, 10, 28);
  assert.deepEqual([...out], ['brand']);
  // 110 + 10 freed, 28 + 10 taken: fits now.
  const tight = overflowKeys(bar, total - 90, 10, 28);
  assert.deepEqual([...tight].sort(), ['brand', 'fps'].sort());
  // Pinned items never overflow, however narrow.
  const all = overflowKeys(bar, 100, 10, 28);
  for (const k of ['who', 'spacer', 'clock', 'signout']) assert.ok(!all.has(k), `${k} stays`);
  assert.deepEqual([...all].sort(), ['brand', 'counts', 'fps', 'labels', 'pause']);
});

test('top bar: empty items take neither width nor a gap', () => {
  const items = [{ key: 'a', width: 100, rank: null }, { key: 'empty', width: 0, rank: 1 }, { key: 'b', width: 100, rank: 2 }];
  assert.equal(overflowKeys(items, 210, 10, 28).size, 0);
  assert.deepEqual([...overflowKeys(items, 209, 10, 28)], ['empty', 'b']);
});

test('side panel: default leaves the map at least 60 % of a 1024 px window', () => {
  const w = defaultSide(1024);
  assert.ok((1024 - w - 8) / 1024 >= 0.6, `side ${w} px`);
  assert.equal(defaultSide(1600), 460);
  assert.equal(defaultSide(1920), 460);
});

test('side panel: stored widths are clamped to the window, junk falls back to the default', () => {
  assert.equal(sideWidth('400', 1600), 400);
  assert.equal(sideWidth('50', 1600), SIDE_MIN_PX);
  assert.equal(sideWidth('5000', 1600), sideBounds(1600).max);
  assert.equal(sideWidth(null, 1024), defaultSide(1024));
  assert.equal(sideWidth('wide', 1024), defaultSide(1024));
  assert.ok(sideBounds(1024).max <= 1024 - 360, 'the map keeps 360 px');
  assert.equal(clampSide(333.4, 1600), 333);
});

const parties = [
  { id: 'blue', name: 'Blue Coalition', role: 'party', sharing: { mode: 'full', range_nm: 20, alt_ft: 5000 } },
  { id: 'cell', name: 'Deconfliction Cell', role: 'cell', sharing: { mode: 'full', range_nm: 20, alt_ft: 5000 } },
  { id: 'green', name: 'Green', role: 'party', sharing: { mode: 'proximity', range_nm: 20, alt_ft: 5000 } },
  { id: 'red', name: 'Red Coalition', role: 'party', sharing: { mode: 'alerts-only', range_nm: 20, alt_ft: 5000 } },
];

test('sharing: blue is told red is alerts-only and green proximity, nothing about full sharers', () => {
  const notes = sharingNotes(parties, { party: 'blue', role: 'party' });
  assert.deepEqual(notes.map((n) => n.text), [
    'green: proximity — shown within 20 NM / 5,000 ft of yours',
    'red: alerts-only — shown only in alerts',
  ]);
  assert.ok(notes.every((n) => !n.own));
  assert.match(notes[1].title, /Red Coalition \(red\) shares alerts-only/);
  assert.match(notes[0].title, /20 NM horizontally and 5,000 ft vertically/);
});

test('sharing: red is told what the others see of its aircraft', () => {
  const notes = sharingNotes(parties, { party: 'red', role: 'party' });
  const own = notes.find((n) => n.own);
  assert.equal(own.text, 'your aircraft: alerts-only — others see them only in alerts with theirs');
  assert.equal(notes.filter((n) => n.own).length, 1);
  // Red itself is not listed as another party.
  assert.ok(!notes.some((n) => !n.own && n.party === 'red'));
  const green = sharingNotes(parties, { party: 'green', role: 'party' }).find((n) => n.own);
  assert.equal(green.text, 'your aircraft: proximity — others see them within 20 NM / 5,000 ft of theirs');
});

test('sharing: the cell and observers see all; unknown rules read as alerts-only; own rule from /me when not listed', () => {
  assert.deepEqual(sharingNotes(parties, { party: 'cell', role: 'cell' }).map((n) => n.text), ['cell view: all aircraft']);
  assert.deepEqual(sharingNotes(parties, { party: 'monitor', role: 'observer' }).map((n) => n.text), ['observer view: all aircraft']);
  const odd = sharingNotes([{ id: 'x', sharing: { mode: 'secret' } }], { party: 'blue', role: 'party' });
  assert.equal(odd[0].text, 'x: secret — shown only in alerts');
  const viaMe = sharingNotes([], { party: 'red', role: 'party', sharing: { mode: 'alerts-only' } });
  assert.equal(viaMe.length, 1);
  assert.ok(viaMe[0].own);
  assert.equal(proximityRange({ range_nm: 12.5, alt_ft: 2000 }), '12.5 NM / 2,000 ft');
  assert.deepEqual(sharingNotes(parties, null), []);
});

test('arrivals: only new items addressed to the viewer, not what was there at sign-in', () => {
  const seen = new Set();
  const old = [{ id: 1, from: 'blue', to: 'red', read: false }];
  assert.deepEqual(pickArrivals(old, seen, 'red', 'message', true), [], 'seeding shows nothing');
  const msgs = [
    ...old,
    { id: 2, from: 'blue', to: 'red', read: false },
    { id: 3, from: 'red', to: 'blue', read: false },
    { id: 4, from: 'blue', to: null, read: false },
    { id: 5, from: 'blue', to: 'green', read: false },
    { id: 6, from: 'blue', to: 'red', read: true },
  ];
  assert.deepEqual(pickArrivals(msgs, seen, 'red', 'message').map((m) => m.id), [2, 4]);
  assert.deepEqual(pickArrivals(msgs, seen, 'red', 'message'), [], 'each only once');
  // A stream message frame carries the sender's read mark.
  assert.deepEqual(pickArrivals([{ id: 9, from: 'blue', to: 'red', read: true }], seen, 'red', 'message', false, { ignoreRead: true }).map((m) => m.id), [9]);
  assert.ok(addressedTo({ from: 'blue', to: null }, 'red'));
  assert.ok(!addressedTo({ from: 'red', to: null }, 'red'));
  const reqs = [{ id: 'q1', from: 'blue', to: 'red', state: 'pending' }, { id: 'q2', from: 'blue', to: 'red', state: 'declined' }];
  assert.deepEqual(pickArrivals(reqs, new Set(), 'red', 'request').map((q) => q.id), ['q1']);
});

const day = Date.UTC(2026, 11, 2) / 1000;
const log = [
  { seq: 1, time: day + 3600 + 5.4, actor: 'system', action: 'party.create', hash: 'a'.repeat(64) },
  { seq: 3, time: day + 7200, actor: 'blue', action: 'reservation.file', hash: 'b'.repeat(64) },
  { seq: 2, time: day + 3700, actor: 'engine', action: 'alert.raised', hash: 'c'.repeat(64) },
  { seq: 4, time: day + 7300, actor: 'blue', action: 'message.send', hash: 'd'.repeat(64), message_id: 7 },
];

test('audit: newest first, seconds in the time, the date when not today', () => {
  assert.deepEqual(newestFirst(log).map((e) => e.seq), [4, 3, 2, 1]);
  assert.equal(auditTime(log[0].time, day + 50000), '01:00:05Z');
  assert.equal(auditTime(log[0].time, day + 86400 + 10), '2026-12-02 01:00:05Z');
  assert.equal(auditTime(null, day), '—');
});

test('audit: filters by actor and action, distinct values for the selects', () => {
  assert.deepEqual(distinct(log, 'actor'), ['blue', 'engine', 'system']);
  assert.deepEqual(filterEntries(log, { actor: 'blue' }).map((e) => e.seq), [3, 4]);
  assert.deepEqual(filterEntries(log, { actor: 'blue', action: 'message.send' }).map((e) => e.seq), [4]);
  assert.equal(filterEntries(log, {}).length, 4);
});

test('audit: the object from an entry field when it has one, else its kind', () => {
  assert.deepEqual(auditObject(log[3]), { id: '7', kind: 'message' });
  assert.deepEqual(auditObject(log[1]), { id: null, kind: 'reservation' });
  assert.deepEqual(auditObject({ action: 'safety.exemption.declare' }), { id: null, kind: 'safety.exemption' });
  assert.deepEqual(auditObject({ action: 'alert.ack', object: { kind: 'alert', id: 'c-42' } }), { id: 'c-42', kind: 'alert' });
  assert.equal(shortHash('0123456789abcdef'), '01234567…');
  assert.equal(shortHash('0123'), '0123');
});

test('audit: the newest sequence number is found by probing forwards', async () => {
  for (const head of [0, 1, 255, 256, 257, 500, 1000, 12345, 100000]) {
    let probes = 0;
    const probe = async (after) => { probes += 1; return after < head; };
    assert.equal(await findNewestSeq(probe, Math.min(head, 500)), head, `head ${head}`);
    assert.ok(probes <= 2 * Math.log2(Math.max(head, 2)) + 12, `${probes} probes for ${head}`);
  }
});
