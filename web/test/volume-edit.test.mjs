// Changing every volume of a reservation (public/js/volume-edit.js): levels typed as flight
// levels or feet, shapes in words, rows read back into the update's volumes with the first
// mistake named, what changed, and times kept to the second when not retyped. Run with
// `node --test test/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLevel, levelText, shapeRing, draftShapeOf, shapeSummary, rowOf, readRows, changedIndexes, keepUnchangedTimes } from '../public/js/volume-edit.js';

const T0 = Date.UTC(2026, 0, 1, 14, 0, 17) / 1000;
const POLY = { type: 'polygon', coordinates: [[34.0, 34.6], [34.3, 34.6], [34.3, 34.9], [34.0, 34.9]] };
const CIRCLE = { type: 'circle', center: { lat_deg: 34.75, lon_deg: 34.6 }, radius_m: 18520 };
const V = [
  { shape: POLY, lower_ft: 15000, upper_ft: 20000, start_time: T0, end_time: T0 + 3600 },
  { shape: CIRCLE, lower_ft: 4500, upper_ft: 24000, start_time: T0 + 3600, end_time: T0 + 7200 },
];

test('levels are typed as a flight level or in feet, and shown so that they read back the same', () => {
  assert.equal(parseLevel('FL150'), 15000);
  assert.equal(parseLevel(' fl 095 '), 9500);
  assert.equal(parseLevel('15000'), 15000);
  assert.equal(parseLevel('15,000 ft'), 15000);
  assert.equal(parseLevel('4500ft'), 4500);
  assert.equal(parseLevel('SFC'), 0);
  assert.ok(Number.isNaN(parseLevel('FL15000')));
  assert.ok(Number.isNaN(parseLevel('high')));
  assert.ok(Number.isNaN(parseLevel('')));
  assert.equal(levelText(15000), 'FL150');
  assert.equal(levelText(5000), 'FL050');
  assert.equal(levelText(4500), '4500 ft');
  assert.equal(levelText(15050), '15050 ft');
  for (const ft of [0, 500, 4500, 5000, 15000, 15050, 24000, 60000]) assert.equal(parseLevel(levelText(ft)), ft, `${ft} ft round trip`);
});

test('shapes in words; flat and nested polygon rings', () => {
  assert.equal(shapeSummary(POLY), 'polygon, 4 corners, 34.60–34.90°N 34.00–34.30°E');
  assert.equal(shapeSummary({ type: 'polygon', coordinates: [[...POLY.coordinates, POLY.coordinates[0]]] }), 'polygon, 4 corners, 34.60–34.90°N 34.00–34.30°E');
  assert.equal(shapeSummary(CIRCLE), 'circle 10.0 NM round 34.750°N 34.600°E');
  assert.equal(shapeRing({ type: 'polygon', coordinates: [POLY.coordinates] }).length, 4);
  assert.deepEqual(draftShapeOf({ type: 'polygon', coordinates: [POLY.coordinates] }), POLY);
  assert.equal(draftShapeOf(CIRCLE), CIRCLE);
});

test('every volume is a row; the rows read back into the volumes, the first mistake named', () => {
  const rows = V.map(rowOf);
  assert.deepEqual(rows.map((r) => [r.lower, r.upper, r.start, r.end]), [
    ['FL150', 'FL200', '2026-01-01 14:00', '2026-01-01 15:00'],
    ['4500 ft', 'FL240', '2026-01-01 15:00', '2026-01-01 16:00'],
  ]);
  const back = readRows(rows);
  assert.ok(back.volumes && back.volumes.length === 2);
  assert.equal(back.volumes[1].shape, CIRCLE, 'the shape is kept as it was');
  // The inputs show whole minutes: times not retyped are sent as they were, to the second.
  const kept = keepUnchangedTimes(V, back.volumes);
  assert.deepEqual(kept, V);
  assert.deepEqual(changedIndexes(V, kept), []);
  // The second volume's upper level changed, nothing else.
  const edited = rows.map((r) => ({ ...r }));
  edited[1].upper = 'FL260';
  const after = keepUnchangedTimes(V, readRows(edited).volumes);
  assert.deepEqual(changedIndexes(V, after), [1]);
  assert.equal(after[1].upper_ft, 26000);
  assert.deepEqual(after[0], V[0]);
  // A retyped time is taken as typed.
  edited[0].end = '2026-01-01 15:30';
  const t = keepUnchangedTimes(V, readRows(edited).volumes);
  assert.equal(t[0].end_time, Date.UTC(2026, 0, 1, 15, 30) / 1000);
  assert.deepEqual(changedIndexes(V, t), [0, 1]);
  // Mistakes, with the row and field.
  const bad = (i, patch) => readRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r))).error;
  assert.deepEqual(bad(1, { upper: 'high' }), { index: 1, field: 'upper', message: 'Volume 2: the upper level "high" is neither a flight level (FL250) nor feet (25000).' });
  assert.equal(bad(0, { lower: 'FL250' }).message, 'Volume 1: the lower level must be below the upper level.');
  assert.equal(bad(0, { start: 'tomorrow' }).field, 'start');
  assert.equal(bad(1, { end: '2026-01-01 14:30' }).message, 'Volume 2: the end must be after the start.');
  assert.equal(bad(1, { shape: null }).field, 'shape');
  assert.equal(readRows([]).error.index, -1);
});
