// What `H` fits and the saved views (public/js/views.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homePoints, fitsAll, loadViews, saveView, deleteView, SECOND_PRESS_MS } from '../public/js/views.js';

/** A Storage-like object over a Map, as localStorage behaves. */
function memoryStorage() {
  const m = new Map();
  return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), map: m };
}

const t = (id, party, lon, lat) => ({ id, party, lon_deg: lon, lat_deg: lat });
// Blue and red in Syria, a hundred civil aircraft round Paris, an airway pair there.
const tracks = new Map([
  ['AE1001', t('AE1001', 'blue', 37.0, 35.5)],
  ['AE1002', t('AE1002', 'blue', 37.8, 36.1)],
  ['150A21', t('150A21', 'red', 37.6, 35.4)],
  ...Array.from({ length: 100 }, (_, i) => [`C${i}`, t(`C${i}`, null, 2 + (i % 10) * 0.1, 48.5 + Math.floor(i / 10) * 0.1)]),
]);
const crossParty = { kind: 'conflict', group: 'cross', item: { a: '150A21', b: 'AE1001' } };
const civilPair = { kind: 'conflict', group: 'civil', item: { a: 'C1', b: 'C2' } };

test('H fits a party its own aircraft and its alerts, never the civil traffic elsewhere', () => {
  const blue = { party: 'blue', role: 'party' };
  const home = homePoints(tracks, [{ ...crossParty, group: 'own' }], blue);
  assert.equal(home.all, false);
  assert.equal(home.points.length, 4, 'two own aircraft and both aircraft of the alert');
  assert.ok(home.points.every(([lon]) => lon > 30), 'nothing near Paris');
  // An intruder known only through the alert is fitted from its alert-time state.
  const viaState = { kind: 'conflict', group: 'own', item: { a: 'AE1001', b: 'GONE', b_state: t('GONE', 'red', 38.5, 35) } };
  assert.ok(homePoints(tracks, [viaState], blue).points.some(([lon]) => lon === 38.5));
  // Nothing of its own and no alert: every aircraft.
  assert.equal(homePoints(tracks, [], { party: 'green', role: 'party' }).points.length, 103);
});

test('H fits the cell the aircraft in alert (collapsed civil–civil ones left out), else everything', () => {
  const cell = { party: 'cell', role: 'cell' };
  const home = homePoints(tracks, [crossParty, civilPair], cell, { skipGroups: ['civil'] });
  assert.deepEqual(home.points, [[37.6, 35.4], [37.0, 35.5]]);
  assert.equal(homePoints(tracks, [crossParty, civilPair], cell).points.length, 4, 'shown civil–civil alerts count');
  const intrusion = { kind: 'intrusion', group: 'party-civil', item: { track_id: 'C5' } };
  assert.deepEqual(homePoints(tracks, [intrusion], cell).points, [[2.5, 48.5]]);
  assert.equal(homePoints(tracks, [], cell).all, true);
  assert.equal(homePoints(tracks, [crossParty], cell, { all: true }).points.length, 103);
});

test('a second H within 2 s or Shift+H fits everything', () => {
  assert.equal(fitsAll(1000, null, false), false);
  assert.equal(fitsAll(1000 + SECOND_PRESS_MS - 1, 1000, false), true);
  assert.equal(fitsAll(1000 + SECOND_PRESS_MS + 1, 1000, false), false);
  assert.equal(fitsAll(5000, null, true), true);
});

test('saved views: save, replace, list, delete, per party', () => {
  const s = memoryStorage();
  assert.deepEqual(loadViews(s, 'blue'), []);
  saveView(s, 'blue', ' Latakia ', { lon: 35.8, lat: 35.5, zoom: 9.25 });
  saveView(s, 'blue', 'Levant', { lon: 37.5, lat: 35.6, zoom: 6.6 });
  saveView(s, 'blue', 'Latakia', { lon: 35.9, lat: 35.6, zoom: 10 });
  assert.deepEqual(loadViews(s, 'blue').map((v) => [v.name, v.lon, v.zoom]), [['Latakia', 35.9, 10], ['Levant', 37.5, 6.6]]);
  assert.deepEqual(loadViews(s, 'red'), [], 'another party has its own views');
  assert.throws(() => saveView(s, 'blue', '  ', { lon: 0, lat: 0, zoom: 3 }), /name/);
  assert.deepEqual(deleteView(s, 'blue', 'Latakia').map((v) => v.name), ['Levant']);
  s.setItem('deconflict.views.blue', 'not json');
  assert.deepEqual(loadViews(s, 'blue'), [], 'a damaged entry reads as no views');
});
